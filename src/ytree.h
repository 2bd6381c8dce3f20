/*
 * A YAML document as a tree of nodes that remember where they stood in
 * the file, built from libyaml's event stream.  Aliases point at the
 * anchored node (shared, not copied); merge keys ("<<") are expanded.
 * The tree lives in an arena and dies with it.
 *
 * Limits keep hostile documents in check: nesting depth, the number of
 * anchors, and the size a document would have with every alias expanded
 * (which stops "billion laughs" documents from exploding a consumer that
 * walks the tree).
 */
#ifndef LIFEBOAT_YTREE_H
#define LIFEBOAT_YTREE_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct diags;

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode {
	enum ynode_type	  type;
	unsigned	  line;		/* 1-based */
	unsigned	  col;		/* 1-based */
	bool		  quoted;	/* scalar was not plain: no typing */
	const char	 *tag;		/* explicit tag, or NULL */
	const char	 *str;		/* scalar text, NUL-terminated */
	size_t		  len;
	struct ynode	**v;		/* seq: n items; map: keys and values */
	size_t		  n;		/* seq: items; map: pairs */
	size_t		  weight;	/* nodes with aliases expanded */
};

#define YTREE_MAX_DEPTH		64
#define YTREE_MAX_WEIGHT	(64UL * 1024 * 1024)

/*
 * Parses data[0..len) named name (for messages).  On success *rootp is
 * the first document's root, or NULL for an empty document, and 0 is
 * returned.  On a syntax error one diagnostic is added with its position
 * and LB_ERR_INVALID is returned.  Nodes are allocated in arena.
 */
int		 ytree_parse(struct arena *, const char *name, const void *data,
		    size_t len, struct ynode **rootp, struct diags *);

/*
 * Streaming: for very large documents the entries of chosen mappings are
 * handed to entry() one at a time as they are parsed, and their memory is
 * reused for the next entry, so that the tree never holds them all.
 * split() is asked, for every mapping, whether its entries are streamed;
 * path[0..depth) are the keys leading to that mapping.  A streamed
 * mapping stays in the tree, empty.  Entries that define anchors are kept
 * (an alias may point into them later).
 */
struct ystream {
	bool	(*split)(void *arg, const char *const *path, size_t depth);
	void	(*entry)(void *arg, const char *const *path, size_t depth,
		    const struct ynode *key, const struct ynode *value);
	void	*arg;
};

int		 ytree_parse_stream(struct arena *, const char *name,
		    const void *data, size_t len, const struct ystream *,
		    struct ynode **rootp, struct diags *);

/* Map pair accessors: key and value of pair i. */
#define YMAP_KEY(m, i)	((m)->v[2 * (i)])
#define YMAP_VAL(m, i)	((m)->v[2 * (i) + 1])

/* The value for scalar key in a map, or NULL. */
struct ynode	*ynode_get(const struct ynode *map, const char *key);
/* Plain "", "~", "null", "Null" or "NULL". */
bool		 ynode_is_null(const struct ynode *);
/* The text of a scalar, or NULL for a list or mapping. */
const char	*ynode_str(const struct ynode *);
/* YAML 1.1 booleans (true/false/yes/no/on/off); -1 when not a boolean. */
int		 ynode_bool(const struct ynode *);
/* "a mapping", "a list", "a string": for error messages. */
const char	*ynode_kind(const struct ynode *);
/*
 * Reports every key of map that is not a scalar, and every duplicate key,
 * as "duplicate WHAT 'key' (first at line L, column C)".  Returns the
 * number of problems found.
 */
size_t		 ytree_check_keys(const struct ynode *map, const char *what,
		    const char *file, struct diags *);

#endif
