/*
 * The key-source loader: finds a key source's shared object on the
 * plugin path, checks it against include/lifeboat/keysource.h, and says
 * which kind it is.
 *
 * `--from NAME` names a source; its file is NAME.so, except `host`,
 * which lives in bitlocker.so beside the bitlocker action.
 */
#ifndef LIFEBOAT_KEYSRC_H
#define LIFEBOAT_KEYSRC_H

#include <stdbool.h>
#include <stddef.h>

#include <lifeboat/keysource.h>

struct keysrc;

/*
 * Loads source name from path (NULL: plugin_path_default()), with the
 * checks plugin_load() makes, then: the ABI version first, the name, and
 * exactly one complete kind (build and parse, or open, fetch and close).
 * Returns 0 and *out (free with keysrc_unload()), or LB_ERR_INVALID,
 * LB_ERR_NOT_FOUND or LB_ERR_SYSTEM with why filled.
 */
int		 keysrc_load(const char *name, const char *path,
		    struct keysrc **out, char *why, size_t whylen);
/* The same checks on a descriptor linked into the program (tests). */
int		 keysrc_load_static(const struct lb_keysource *,
		    struct keysrc **out, char *why, size_t whylen);
const struct lb_keysource *keysrc_desc(const struct keysrc *);
/* A host source (a script on the host), not a directory. */
bool		 keysrc_is_host(const struct keysrc *);
/* Whether key is one of the source's -o keys. */
bool		 keysrc_takes(const struct keysrc *, const char *key);
void		 keysrc_unload(struct keysrc *);

#endif
