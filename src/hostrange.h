/*
 * Host ranges as Ansible writes them in inventories: "web[01:20]" stands
 * for web01 to web20, "db-[a:f].example.com" for six names, "[1:10:2]"
 * takes every second number, and several ranges in one name multiply
 * (the first range varies slowest).
 *
 * The rules follow Ansible's own expansion:
 *  - a range is [START:END] or [START:END:STEP]; STEP is a positive
 *    decimal number, 1 when left out;
 *  - START and END are both decimal numbers, or both single letters; an
 *    empty START means 0 (numbers only), an empty END is an error;
 *  - letters run in the order a..z then A..Z, so [x:B] is x y z A B;
 *  - a START with a leading zero ("01") pads every number to its width,
 *    and then END must have the same width ("[01:20]", not "[01:100]");
 *  - END before START is an error (Ansible silently makes no hosts).
 *
 * Expansion is capped at HOSTRANGE_MAX names and HOSTRANGE_MAX_BYTES of
 * text, so that a hostile "[0:999999999]" costs nothing.
 */
#ifndef LIFEBOAT_HOSTRANGE_H
#define LIFEBOAT_HOSTRANGE_H

#include <stdbool.h>
#include <stddef.h>

#define HOSTRANGE_MAX		1000000
#define HOSTRANGE_MAX_BYTES	(64UL * 1024 * 1024)

/* True when name contains a '[', that is, a range (good or bad). */
bool	 hostrange_has(const char *name);

/*
 * Expands name into *names[0..*n).  A name without ranges gives itself.
 * Returns 0 on success; the array and its strings are one allocation
 * that the caller releases with hostrange_free().  Returns -1 when name
 * is not a valid pattern: *names is NULL, *n is 0, *errcol is the 1-based
 * column (in bytes, within name) of the problem and *why a short,
 * lower-case static reason.
 */
int	 hostrange_expand(const char *name, char ***names, size_t *n,
	    unsigned *errcol, const char **why);

/* Frees what hostrange_expand() returned; accepts NULL. */
void	 hostrange_free(char **names, size_t n);

/*
 * The reverse: folds names into ranges, "web01,web02,web03,db1" into
 * "db1,web[01:03]", sorted.  Runs of names that differ only in a trailing
 * number of the same width become one range.  Returns a new string
 * (caller frees).
 */
char	*hostrange_fold(const char *const *names, size_t n);

#endif
