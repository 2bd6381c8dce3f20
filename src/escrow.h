/*
 * The escrow index: which key IDs each host has in the vault, by
 * source, without a single password, in
 * $XDG_DATA_HOME/lifeboat/escrow.json (0600, rewritten atomically by
 * every `keys fetch`).  It lets a scheduled audit ask "is this host's
 * current recovery protector escrowed in AD or Entra ID?" without the
 * vault's passphrase: key IDs open nothing.
 *
 *	{"lifeboat_escrow": 1,
 *	 "hosts": {"ams-ws017": {"ad": ["1A2B3C4D-..."], "entra": []}}}
 */
#ifndef LIFEBOAT_ESCROW_H
#define LIFEBOAT_ESCROW_H

#include <stddef.h>

struct escrow;
struct vault;

#define ESCROW_FILE	"escrow.json"

/* The index's path beside the vault into buf; 0, or -1. */
int		 escrow_path(char *buf, size_t len);
/*
 * Writes the index of v to path, atomically.  Returns 0, or an errno
 * value.
 */
int		 escrow_write(const struct vault *, const char *path);
/*
 * Reads the index at path.  Returns 0 and *out (an empty index when
 * there is no file), or LB_ERR_INVALID with one line in why.
 */
int		 escrow_load(const char *path, struct escrow **out, char *why,
		    size_t whylen);
void		 escrow_free(struct escrow *);
/*
 * The key IDs of host from source (NULL: "ad" and "entra", the
 * directories), one per line, "" when none.  The string belongs to the
 * index.
 */
const char	*escrow_ids(struct escrow *, const char *host,
		    const char *source);

#endif
