/*
 * The key vault: every recovery password lifeboat has fetched, in one
 * file, $XDG_DATA_HOME/lifeboat/vault.age, encrypted in the age file
 * format (age-encryption.org/v1, see age.h) so that the stock `age -d`
 * opens it when lifeboat cannot.  Inside is JSON (lifeboat-vault(5)):
 *
 *	{"lifeboat_vault": 1,
 *	 "keys": [ {"id": "1A2B3C4D-...", "host": "ams-ws017",
 *	            "site": "ams", "volume": "C:",
 *	            "password": "123456-...", "source": "ad",
 *	            "created": "2024-07-19T04:09:00Z",
 *	            "fetched": "2024-07-19T06:30:12Z"}, ... ],
 *	 "history": [ ...records a newer one replaced... ]}
 *
 * One current record per key protector id.  Merging is idempotent: the
 * same record again changes nothing; a record for a known id with a
 * later fetch time replaces it when anything differs, and the old one
 * moves to history; an older one goes to history only.
 *
 * Every string of a loaded vault lives in memory from sodium_malloc()
 * (locked, guarded, wiped when freed), and so does the decrypted text.
 *
 * Writers take an exclusive flock on "<path>.lock" around read, merge
 * and write (vault_lock()), so two fetches never lose each other's keys.
 * A save writes a temporary file (0600) in the same directory, fsyncs
 * it, renames it over the vault and fsyncs the directory.
 */
#ifndef LIFEBOAT_VAULT_H
#define LIFEBOAT_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include "bitlocker.h"

struct vault;

#define VAULT_FILE	"vault.age"

/* One record.  Strings belong to the vault, valid until it is freed or
 * changed. */
struct vault_key {
	const char	*id;		/* canonical key ID */
	const char	*host;
	const char	*site;		/* "" when none */
	const char	*volume;	/* "" when unknown */
	const char	*password;	/* canonical recovery password */
	const char	*source;	/* host, ad, entra, import */
	const char	*created;	/* RFC 3339, or "" */
	int64_t		 fetched;	/* Unix time, seconds */
};

/*
 * How to open and how to write.  Decryption tries the passphrase (an
 * scrypt stanza) or the identities (X25519 stanzas), whichever the file
 * has.  Encryption is to the recipients when there are any (each an
 * "age1..." string; every admin opens it with their own identity), else
 * to the passphrase.  All pointers are the caller's.
 */
struct vault_cred {
	const char		*passphrase;	/* or NULL */
	const char		*identity_file;	/* age identities, or NULL */
	const char *const	*recipients;
	size_t			 nrecipients;
};

/* What vault_put() did. */
enum vault_put_result {
	VAULT_NEW = 0,		/* a key id not seen before */
	VAULT_SAME,		/* nothing changed */
	VAULT_UPDATED,		/* replaced; the old record is history */
	VAULT_OLDER,		/* kept as history only */
};

/*
 * The vault's path: $XDG_DATA_HOME/lifeboat/vault.age, or
 * ~/.local/share/lifeboat/vault.age.  Into buf (len bytes); 0, or -1
 * when it does not fit or there is no home.
 */
int		 vault_path_default(char *buf, size_t len);

/* An empty vault.  Never NULL (allocation failure aborts). */
struct vault	*vault_new(void);
/* Wipes and frees.  Takes NULL. */
void		 vault_free(struct vault *);

/*
 * Reads and decrypts path into *out.  Returns 0; LB_ERR_NOT_FOUND when
 * there is no file (*out is then a new empty vault); LB_ERR_INVALID with
 * one line in why ("PATH: wrong passphrase", "PATH: truncated",
 * "PATH: not an age file", "PATH: header MAC mismatch",
 * "PATH:LINE:COL: ..." for bad JSON inside); or LB_ERR_SYSTEM.  On error
 * *out is NULL.  The file is never changed.
 */
int		 vault_load(const char *path, const struct vault_cred *,
		    struct vault **out, char *why, size_t whylen);

/*
 * The vault in the JSON text[0..len) (a decrypted file) into *out.
 * Returns 0, or LB_ERR_INVALID with *out NULL and why as "LINE:COL:
 * what" for bad JSON, else one line such as "keys[3].fetched: not a
 * time"; why never quotes the text.
 */
int		 vault_parse(const char *text, size_t len, struct vault **out,
		    char *why, size_t whylen);

/*
 * Writes v to path atomically (see above), encrypted as cred says; the
 * directory is made (0700) if missing.  Returns 0, or LB_ERR_SYSTEM /
 * LB_ERR_INVALID (no passphrase and no recipient, a bad recipient) with
 * why.  On failure the old file is untouched.
 */
int		 vault_save(const struct vault *, const char *path,
		    const struct vault_cred *, char *why, size_t whylen);

/*
 * Takes the writers' lock for path (creating "<path>.lock", 0600, and
 * the directory).  Waits at most timeout_ms (polling).  Returns an fd to
 * hand to vault_unlock(), or -1 with why.
 */
int		 vault_lock(const char *path, int64_t timeout_ms, char *why,
		    size_t whylen);
void		 vault_unlock(int fd);

/*
 * Merges k (copied) into v.  The id and password are checked and
 * canonicalised (bl_keyid_canon(), bl_password_canon()); host and
 * source must not be empty.  Returns 0 and *res, or LB_ERR_INVALID with
 * *why a static reason that never holds the password.
 */
int		 vault_put(struct vault *, const struct vault_key *k,
		    enum vault_put_result *res, const char **why);

/* Current records, ordered by site, host, volume, id. */
size_t		 vault_count(const struct vault *);
const struct vault_key *vault_get(const struct vault *, size_t i);
/* Replaced records, oldest first. */
size_t		 vault_history_count(const struct vault *);
const struct vault_key *vault_history_get(const struct vault *, size_t i);

/*
 * The current records whose id starts with the hex digits of keyid
 * (any form bl_keyid_hex() takes, 8 to 32 digits).  Up to max of them
 * into out; returns how many match in all (may exceed max), or -1 when
 * keyid is not a key ID.  Fast: the records are indexed by id.
 */
int		 vault_find(const struct vault *, const char *keyid,
		    const struct vault_key **out, size_t max);

#endif
