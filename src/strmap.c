/*
 * String to index hash map (see strmap.h).
 */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xmalloc.h"

uint64_t
strmap_hash(const char *s)
{
	uint64_t	 h = 14695981039346656037ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

void
strmap_release(struct strmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

static void
strmap_grow(struct strmap *m)
{
	struct strmap_slot	*old = m->slots;
	size_t			 oldcap = m->cap, i, h;

	m->cap = oldcap ? oldcap * 2 : 64;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		h = strmap_hash(old[i].key) & (m->cap - 1);
		while (m->slots[h].key != NULL)
			h = (h + 1) & (m->cap - 1);
		m->slots[h] = old[i];
	}
	free(old);
}

bool
strmap_put(struct strmap *m, const char *key, unsigned val)
{
	size_t	 h;

	/* Keep the load factor under one half. */
	if ((m->n + 1) * 2 > m->cap)
		strmap_grow(m);
	h = strmap_hash(key) & (m->cap - 1);
	while (m->slots[h].key != NULL) {
		if (strcmp(m->slots[h].key, key) == 0) {
			m->slots[h].val = val;
			return false;
		}
		h = (h + 1) & (m->cap - 1);
	}
	m->slots[h].key = key;
	m->slots[h].val = val;
	m->n++;
	return true;
}

bool
strmap_get(const struct strmap *m, const char *key, unsigned *val)
{
	size_t	 h;

	if (m->cap == 0)
		return false;
	h = strmap_hash(key) & (m->cap - 1);
	while (m->slots[h].key != NULL) {
		if (strcmp(m->slots[h].key, key) == 0) {
			if (val != NULL)
				*val = m->slots[h].val;
			return true;
		}
		h = (h + 1) & (m->cap - 1);
	}
	return false;
}
