/*
 * A string-keyed hash map to unsigned indices, open addressing with
 * linear probing.  Keys are not copied: the caller keeps them alive (the
 * inventory keeps them in its arena).
 */
#ifndef LIFEBOAT_STRMAP_H
#define LIFEBOAT_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char	*key;
	unsigned	 val;
};

struct strmap {
	struct strmap_slot	*slots;
	size_t			 cap;	/* power of two, or 0 */
	size_t			 n;
};

#define STRMAP_INIT	{ NULL, 0, 0 }

void		 strmap_release(struct strmap *);
/* Sets key to val; returns true when key was new. */
bool		 strmap_put(struct strmap *, const char *key, unsigned val);
/* Finds key; returns false when absent. */
bool		 strmap_get(const struct strmap *, const char *key,
		    unsigned *val);
uint64_t	 strmap_hash(const char *);

#endif
