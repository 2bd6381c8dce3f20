/*
 * Conditions: the small expression language of a playbook step's `when`,
 * over variables, host facts and the registered results of earlier steps.
 *
 *	os == 'windows' and tier < 2
 *	result.rc != 0 or 'failed' in result.stdout
 *	not (site in ['ams', 'fra']) and facts.os_family =~ '^(Debian|RedHat)$'
 *
 * Grammar (lowest precedence first; "{ }" repeats, "[ ]" is optional):
 *
 *	expr	= and { "or" and }
 *	and	= not { "and" not }
 *	not	= "not" not | cmp
 *	cmp	= operand [ cmpop operand ]
 *	cmpop	= "==" | "!=" | "<" | ">" | "<=" | ">=" | "in" | "not" "in"
 *		| "=~" | "!~"
 *	operand	= literal | list | name | "(" expr ")"
 *	list	= "[" [ literal { "," literal } ] "]"
 *	literal	= int | string | "true" | "false" | "null"
 *	name	= ident { "." ident }
 *	ident	= ( letter | "_" ) { letter | digit | "_" }
 *	int	= [ "-" ] digit { digit }
 *	string	= "'" { char | escape } "'" | '"' { char | escape } '"'
 *	escape	= "\\" | "\'" | "\"" | "\n" | "\t"
 *
 * Space, tab, CR and LF separate tokens.  Comparisons do not chain:
 * "a < b < c" is an error, write "a < b and b < c".  "not a == b" is
 * "not (a == b)"; "a == not b" is an error.  An int is decimal, from
 * -2^63 to 2^63 - 1 ("-" is only a sign: there is no arithmetic).  A
 * name is letters, digits and "_", with "." between fields: "result.rc",
 * "facts.os_family"; "-" is not part of a name.  The keywords (and, or,
 * not, in, true, false, null) cannot start a name, but may follow a dot
 * ("vars.in"); "True", "NULL", "None" and the like are errors rather than
 * names.  A string holds any bytes but its quote, a backslash and NUL,
 * plus the five escapes.  List items are literals.
 *
 * Types and values:
 *
 *	null, bool, int (int64_t), string (bytes), list (of any values)
 *	false, null, 0, "" and [] are false; everything else is true
 *
 *	== !=		type and value: an int and a string are never equal,
 *			nor 1 and true; lists compare item by item
 *	< > <= >=	two ints, or two strings (bytewise, then shorter
 *			first); anything else is an error
 *	x in list	x == some item
 *	x in string	x is a substring of string (x must be a string)
 *	s =~ re		s matches the POSIX extended regular expression re
 *			anywhere; !~ is its negation.  "^" and "$" are the
 *			start and end of s, not of a line: "active\n" =~
 *			'^active$' is false, '^active\n?$' is true
 *	and, or		short-circuit, left to right; the result is a bool
 *
 * One conversion, for data that arrives as text (YAML variables, facts,
 * output): a string that came from a lookup (not a literal) and reads as
 * an int literal ("0", "-5", "0042"; no spaces, no "+") is compared as
 * that int against an int, by == != < > <= >= and in.  So with rc = "0",
 * "rc == 0" holds, but "'0' == 0" is false and "'0' < 1" is an error.
 *
 * The result of an expression is the truth of its value.  Only the names
 * evaluation reaches are looked up: "x and y" with a false x never asks
 * for y.  A name that is looked up and not defined is an error, not
 * false.
 *
 * Errors are found as early as possible: syntax, a type that cannot fit
 * an operator when the operand is a literal ("x in 5", "x =~ 1",
 * "1 < 'a'") and bad regular expression literals make expr_parse() fail,
 * before anything runs.  Each error is one message and the 1-based
 * column (in characters) of the token it is about.
 *
 * Regular expressions get the same guard as host patterns: at most
 * EXPR_MAX_RE_LEN bytes, no back-references, no repetition operator
 * right after another, repetitions nested at most four deep and a limited
 * expanded size, since glibc's regcomp() takes exponential time and
 * memory on some small patterns; and one more rule: "*", "+" and "{m,}"
 * may not repeat what can match the empty string ("(a?|b?)+", "(a*)*"),
 * which explodes too.  A literal pattern is compiled once by
 * expr_parse(); one that comes from a lookup is checked and compiled at
 * each evaluation.  The string matched is at most EXPR_MAX_MATCH_LEN
 * bytes: glibc's regexec() tries the pattern from every offset, so a
 * search can take time in the square of the length even for a plain
 * pattern such as '[a-z]+[0-9]' (a host that prints 16 KiB of letters
 * costs a few tenths of a second; 1 MiB would cost half an hour).  "in"
 * has no such limit.  A pattern that is both unanchored and built to
 * explode (".*a[ab]{30}c") can still cost tens of seconds within that
 * limit: a pattern is the playbook's author's to keep sane.
 *
 * There is no global state: a compiled expression is immutable, and may
 * be evaluated from several threads at once.
 */
#ifndef LIFEBOAT_EXPR_H
#define LIFEBOAT_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest expression, in bytes. */
#define EXPR_MAX_LEN		4096
/* Deepest nesting of "(" and "not", and of list values from lookups. */
#define EXPR_MAX_DEPTH		64
/* Most items in one list literal. */
#define EXPR_MAX_LIST		256
/* Most regular expression literals in one expression. */
#define EXPR_MAX_REGEX		32
/* Longest regular expression, in bytes. */
#define EXPR_MAX_RE_LEN		512
/* Longest string =~ and !~ match, in bytes. */
#define EXPR_MAX_MATCH_LEN	(16 * 1024)

struct expr;

enum expr_type {
	EXPR_NULL,
	EXPR_BOOL,
	EXPR_INT,
	EXPR_STR,
	EXPR_LIST,
};

/*
 * A value, as a lookup gives it.  Only the fields of its type matter: b
 * for EXPR_BOOL, i for EXPR_INT, s and len for EXPR_STR (len bytes, which
 * need not end in a NUL and may hold one; s may be NULL when len is 0),
 * items and nitems for EXPR_LIST (items may be NULL when nitems is 0).
 * Nothing here is owned: the pointers stay the caller's.
 */
struct expr_value {
	enum expr_type		 type;
	bool			 b;
	int64_t			 i;
	const char		*s;
	size_t			 len;
	const struct expr_value	*items;
	size_t			 nitems;
};

#define EXPR_ERROR_MAX		160

/*
 * Where and what: col is the 1-based column, counted in characters, of
 * the token the error is about in the source text (one past the end for
 * a missing token at the end); msg is one lower-case line without the
 * expression or the column, e.g. "undefined name 'result.rc'".
 */
struct expr_error {
	unsigned	 col;
	char		 msg[EXPR_ERROR_MAX];
};

/*
 * Looks name up (a whole dotted name, e.g. "result.stdout").  Fills *out
 * and returns 0, or returns -1 when name is not defined.  What *out
 * points to stays owned by the caller and must outlive the expr_eval()
 * call.
 */
typedef int	 expr_lookup_fn(void *arg, const char *name,
		    struct expr_value *out);

/* Called by expr_names() for each name an expression reads. */
typedef void	 expr_name_fn(const char *name, unsigned col, void *arg);

/*
 * Compiles src, a NUL-terminated string.  Returns 0 and stores a new
 * expression in *out, which the caller frees with expr_free(); or
 * returns LB_ERR_INVALID, sets *out to NULL and describes the first
 * error in *err (when err is not NULL).  Limits: EXPR_MAX_LEN bytes,
 * EXPR_MAX_DEPTH levels, EXPR_MAX_LIST items per list, EXPR_MAX_REGEX
 * regular expressions.
 */
int		 expr_parse(const char *src, struct expr **out,
		    struct expr_error *err);

/*
 * Evaluates e, asking lookup (which may be NULL: nothing is defined)
 * for each name it reaches.  Returns 0 and stores the truth of the value
 * in *result; or returns an error, sets *result to false and describes
 * the error in *err (when err is not NULL):
 *
 *	LB_ERR_NOT_FOUND	a name is not defined
 *	LB_ERR_INVALID		an operand of the wrong type, a bad regular
 *				expression from a lookup
 *	LB_ERR_LIMIT		a looked-up list nested deeper than
 *				EXPR_MAX_DEPTH, a string longer than
 *				EXPR_MAX_MATCH_LEN to match
 *	LB_ERR_INTERNAL		a lookup gave a value that is not one
 *				(unknown type, NULL with a length)
 */
int		 expr_eval(const struct expr *e, expr_lookup_fn *lookup,
		    void *arg, bool *result, struct expr_error *err);

/*
 * Calls fn for every name e reads, with its column, in the order they
 * are written; a name read twice is reported twice.  Lets a caller check
 * names before anything runs (a result not registered by an earlier
 * step, a variable no one sets).  The name is valid until expr_free().
 */
void		 expr_names(const struct expr *e, expr_name_fn *fn,
		    void *arg);

/* The text e was compiled from; valid until expr_free(). */
const char	*expr_text(const struct expr *e);

/* Frees e and everything it holds; accepts NULL. */
void		 expr_free(struct expr *e);

#endif
