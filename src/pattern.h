/*
 * Host patterns: which hosts of an inventory a command targets, written
 * the way Ansible writes them.
 *
 *	web,db		union (":" also separates when there is no ",")
 *	web:&prod	intersection
 *	web:!fra	exclusion
 *	web*, ~db\d	globs (fnmatch) and regular expressions (POSIX ERE)
 *	web[0], web[-1], web[0:2], web[1:]
 *			subscripts over the term's hosts in inventory order
 *
 * A term names groups (explicit groups, sites, os names and tags share one
 * namespace) and hosts.  Plain terms are unioned first (when there is
 * none, the start is "all"), then every "&" term intersects, then every
 * "!" term removes, whatever the order they were written in.
 *
 * A pattern is parsed once with pattern_parse() and may then be matched
 * against any finished inventory with pattern_match().
 */
#ifndef LIFEBOAT_PATTERN_H
#define LIFEBOAT_PATTERN_H

#include <stddef.h>

struct diags;
struct inventory;
struct pattern;

/* Longest pattern text accepted, in bytes. */
#define PATTERN_MAX_LEN		(1024 * 1024)
/* Most regular expression terms in one pattern. */
#define PATTERN_MAX_REGEX	64

/*
 * Parses text.  On success returns 0 and stores a new pattern in *out,
 * which the caller frees with pattern_free().  On a syntax error returns
 * LB_ERR_INVALID, sets *out to NULL and adds one error diagnostic per
 * problem (file NULL; the message quotes the pattern and gives the
 * 1-based column, counted in characters).
 */
int		 pattern_parse(const char *text, struct pattern **out,
		    struct diags *);

/*
 * Finds the hosts of inv that p selects.  Returns 0 and stores in *idx a
 * malloc'd array of *n host indices in ascending (inventory) order; the
 * caller frees *idx, which is NULL when *n is 0.  An empty result is not
 * an error here: each term that matches no host adds a DIAG_NOTE (with a
 * "did you mean" when a group or host name is close), and the caller
 * decides what an empty selection means.  inv should be finished
 * (inventory_finish()), since group membership comes from there.
 */
int		 pattern_match(const struct pattern *p,
		    const struct inventory *inv, unsigned **idx, size_t *n,
		    struct diags *);

/* The text p was parsed from; valid until pattern_free(). */
const char	*pattern_text(const struct pattern *p);

/* Frees p and everything it holds; accepts NULL. */
void		 pattern_free(struct pattern *p);

#endif
