/*
 * A strict, small JSON reader (RFC 8259) for what lifeboat writes itself:
 * journal lines (JSON Lines, one document per line), manifests and the
 * like.  It is the counterpart of the writer in json.h and reads back
 * everything that writes.
 *
 * Strict means: exactly one value with optional whitespace (space, tab,
 * CR, LF) around it; strings of valid UTF-8 (no overlong forms, no
 * surrogates, nothing past U+10FFFF), no raw control characters, only
 * the escapes \" \\ \/ \b \f \n \r \t and \uXXXX, surrogate pairs
 * combined and lone surrogates refused; numbers by the JSON grammar (no
 * leading zeros, no "+", no NaN or Infinity, nothing that overflows a
 * double); at most JSONR_MAX_DEPTH nested arrays and objects; no key
 * twice in one object.  "\u0000" is kept in string values (use len), but
 * refused in keys, which are plain C strings.  No byte order mark.
 *
 * The tree lives in the caller's arena: nothing is freed one by one, and
 * arena_mark()/arena_rewind() let a reader of JSON Lines reuse the memory
 * line after line.  The input need not end in a NUL; no byte at or past
 * len is read.  Nesting is bounded, so is the recursion.
 */
#ifndef LIFEBOAT_JSONR_H
#define LIFEBOAT_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define JSONR_MAX_DEPTH	64

enum jv_type {
	JV_NULL,
	JV_BOOL,
	JV_NUM,
	JV_STR,
	JV_ARR,
	JV_OBJ,
};

struct jv {
	enum jv_type	 type;
	bool		 b;
	int64_t		 i;		/* JV_NUM: integer value when is_int */
	double		 d;		/* JV_NUM: always set */
	bool		 is_int;	/* no . e E, and fits an int64_t */
	const char	*s;		/* JV_STR: decoded, NUL-terminated
					   (may hold NULs: use len) */
	size_t		 len;		/* JV_STR: bytes; JV_ARR, JV_OBJ:
					   members */
	const char	**keys;		/* JV_OBJ: keys[i] decoded,
					   NUL-terminated, in input order */
	struct jv	**v;		/* JV_ARR: items; JV_OBJ: values[i]
					   for keys[i] */
};

/* Where and what: line and col are 1-based, col counts bytes. */
struct jsonr_error {
	size_t	 line, col;
	char	 msg[128];
};

/*
 * Parses exactly one JSON value (surrounding whitespace allowed, nothing
 * else) from data[0..len).  Returns 0 and sets *out to the root, whose
 * nodes and strings live in the arena (owned by it; empty arrays and
 * objects have NULL v and keys).  Or returns LB_ERR_INVALID, sets *out
 * to NULL and fills err (which may be NULL) with the position of the
 * offending byte (one past the end for "unexpected end of input", the
 * opening quote for "unterminated string") and a lower-case message:
 * "unexpected 'x'", "unexpected byte 0xc3", "unterminated string",
 * "invalid UTF-8", "lone surrogate \ud800", "nesting deeper than 64",
 * "duplicate key \"a\"", "trailing characters after the value",
 * "number out of range" and the like.  Memory taken from the arena by a
 * failed parse stays there until the arena is rewound or freed.
 */
int		 jsonr_parse(struct arena *, const char *data, size_t len,
		    struct jv **out, struct jsonr_error *err);

/*
 * Lookups in an object (obj may be NULL or of another type): the value
 * of key, or NULL (the default) when obj is no object, key is absent or
 * its value has another type.  Pointers are into obj's arena.
 */
const struct jv	*jv_get(const struct jv *obj, const char *key);
/* The JV_STR value of key, or NULL. */
const char	*jv_str(const struct jv *obj, const char *key);
/* The value of key when it is a JV_NUM with is_int, else dflt. */
int64_t		 jv_int(const struct jv *obj, const char *key,
		    int64_t dflt);
/* The value of key when it is a JV_BOOL, else dflt. */
bool		 jv_bool(const struct jv *obj, const char *key, bool dflt);

#endif
