/*
 * The age file format (age-encryption.org/v1, c2sp.org/age), built on
 * libsodium's primitives so that files lifeboat writes open with the
 * stock `age -d` and files age writes open here.
 *
 * An age file is a text header that wraps a random 16-byte file key for
 * one or more recipients, then a binary payload: a 16-byte nonce and the
 * plaintext in ChaCha20-Poly1305 chunks of 64 KiB (the STREAM
 * construction), keyed by HKDF-SHA-256 of the file key.  Two recipient
 * types are supported, the native ones that matter for a vault:
 *
 *	X25519	"age1..." recipients, "AGE-SECRET-KEY-1..." identities
 *		(Bech32, BIP 173, without its length limit);
 *	scrypt	a passphrase; its stanza must be the only one.
 *
 * Other stanza types (ssh-ed25519, plugins, post-quantum) are skipped
 * when reading; a file with nothing else is "unsupported".  The ASCII
 * armor is not read.
 *
 * Decrypted text lives in memory from sodium_malloc() (guarded, locked
 * where the system allows, wiped when freed by age_plaintext_free()).
 * Every file key, wrap key, payload key and shared secret is wiped
 * before a function returns.  Nothing here prints; errors are the
 * AGE_ERR_* codes below, each with a message from age_strerror().
 */
#ifndef LIFEBOAT_AGE_H
#define LIFEBOAT_AGE_H

#include <stddef.h>

#define AGE_KEY_LEN		32	/* an X25519 key, either half */
#define AGE_FILE_KEY_LEN	16
#define AGE_CHUNK		65536	/* plaintext bytes per chunk */
#define AGE_LOG2N_MAX		22	/* the most scrypt work we do */
#define AGE_LOG2N_DEFAULT	18
/* "age1" + 52 + 6 and "AGE-SECRET-KEY-1" + 52 + 6, with the NUL. */
#define AGE_RECIPIENT_STRLEN	63
#define AGE_IDENTITY_STRLEN	75

enum age_err {
	AGE_ERR_NOT_AGE = -100,	/* not an age file */
	AGE_ERR_VERSION,	/* an age version other than v1 */
	AGE_ERR_ARMOR,		/* ASCII-armored: not read */
	AGE_ERR_MALFORMED,	/* a header against the grammar */
	AGE_ERR_UNSUPPORTED,	/* no stanza of a type known here */
	AGE_ERR_SCRYPT_MIXED,	/* an scrypt stanza that is not alone */
	AGE_ERR_WORK_FACTOR,	/* scrypt log2 N above AGE_LOG2N_MAX */
	AGE_ERR_NEED_PASSPHRASE, /* passphrase file, none given */
	AGE_ERR_PASSPHRASE,	/* wrong passphrase */
	AGE_ERR_NEED_IDENTITY,	/* recipients' file, no identity given */
	AGE_ERR_NO_IDENTITY,	/* no identity matches */
	AGE_ERR_HEADER_MAC,	/* header MAC mismatch */
	AGE_ERR_TRUNCATED,	/* the file ends early */
	AGE_ERR_PAYLOAD,	/* payload fails authentication */
	AGE_ERR_RECIPIENT,	/* a bad recipient (encrypting) */
	AGE_ERR_NO_RECIPIENT,	/* nothing to encrypt to */
	AGE_ERR_NOMEM,		/* out of (secure) memory */
};

/* A lower-case message for an AGE_ERR_* code ("wrong passphrase"). */
const char	*age_strerror(int);

/*
 * What to decrypt with.  Both may be given; the file's stanzas say
 * which is used.  identities points to n X25519 secret keys.
 * max_log2n caps the scrypt work a file may ask for (0: AGE_LOG2N_MAX),
 * for the fuzzer.
 */
struct age_dkeys {
	const char		*passphrase;	/* NUL-terminated, or NULL */
	const unsigned char	(*identities)[AGE_KEY_LEN];
	size_t			 nidentities;
	int			 max_log2n;
};

/*
 * What to encrypt to: the recipients (public keys) when there are any,
 * else the passphrase with scrypt work factor 2^log2n (1..22).
 */
struct age_ekeys {
	const char		*passphrase;
	int			 log2n;
	const unsigned char	(*recipients)[AGE_KEY_LEN];
	size_t			 nrecipients;
};

/*
 * Encrypts pt[0..ptlen) into a new age file.  On success returns 0,
 * *out (malloc'd, the caller frees; it holds nothing secret) and
 * *outlen.  Else an AGE_ERR_* code (AGE_ERR_NO_RECIPIENT,
 * AGE_ERR_RECIPIENT for a public key of low order, AGE_ERR_WORK_FACTOR)
 * and *out NULL.
 */
int		 age_encrypt(const unsigned char *pt, size_t ptlen,
		    const struct age_ekeys *, unsigned char **out,
		    size_t *outlen);

/*
 * Decrypts the age file in[0..len).  On success returns 0, *out (from
 * sodium_malloc(), with a NUL after the last byte; free it with
 * age_plaintext_free()) and *outlen.  Else *out is NULL and the code
 * says what is wrong: AGE_ERR_NOT_AGE, AGE_ERR_VERSION, AGE_ERR_ARMOR,
 * AGE_ERR_MALFORMED, AGE_ERR_UNSUPPORTED, AGE_ERR_SCRYPT_MIXED,
 * AGE_ERR_WORK_FACTOR, AGE_ERR_NEED_PASSPHRASE, AGE_ERR_PASSPHRASE,
 * AGE_ERR_NEED_IDENTITY, AGE_ERR_NO_IDENTITY, AGE_ERR_HEADER_MAC,
 * AGE_ERR_TRUNCATED (the header or the payload ends early: a file cut
 * at a chunk boundary or inside the header or nonce), AGE_ERR_PAYLOAD
 * (a chunk fails authentication: tampered, or cut inside a chunk, which
 * no reader can tell apart), AGE_ERR_NOMEM.
 */
int		 age_decrypt(const unsigned char *in, size_t len,
		    const struct age_dkeys *, unsigned char **out,
		    size_t *outlen);

/* Wipes and frees what age_decrypt() returned.  Takes NULL. */
void		 age_plaintext_free(unsigned char *);

/*
 * An "age1..." recipient (either case, spaces around allowed) into its
 * public key.  Returns 0, or AGE_ERR_RECIPIENT.
 */
int		 age_recipient_parse(const char *s, unsigned char
		    pk[AGE_KEY_LEN]);
/*
 * An "AGE-SECRET-KEY-1..." identity (either case, spaces around
 * allowed) into its secret key.  Returns 0, or AGE_ERR_MALFORMED.
 */
int		 age_identity_parse(const char *s, size_t len,
		    unsigned char sk[AGE_KEY_LEN]);
/* Encodings: out gets AGE_RECIPIENT_STRLEN or AGE_IDENTITY_STRLEN
 * bytes with the NUL. */
void		 age_recipient_encode(const unsigned char pk[AGE_KEY_LEN],
		    char *out);
void		 age_identity_encode(const unsigned char sk[AGE_KEY_LEN],
		    char *out);
/* The public key of an identity. */
void		 age_identity_public(const unsigned char sk[AGE_KEY_LEN],
		    unsigned char pk[AGE_KEY_LEN]);
/* A new identity from the system's random source. */
void		 age_identity_generate(unsigned char sk[AGE_KEY_LEN]);

/*
 * The identities of an identity file's text (as age-keygen writes it):
 * one "AGE-SECRET-KEY-1..." per line, blank lines and lines starting
 * with '#' skipped.  On success returns 0 and *keys (sodium_malloc'd,
 * *n of them; free with age_plaintext_free()).  Else AGE_ERR_MALFORMED
 * with *badline the 1-based line that is neither (0 when the text holds
 * no identity at all), or AGE_ERR_NOMEM.
 */
int		 age_identities_parse(const char *text, size_t len,
		    unsigned char (**keys)[AGE_KEY_LEN], size_t *n,
		    size_t *badline);

/*
 * Bech32 (BIP 173, no length limit, checksum over the lower-case
 * string).  Encoding: hrp (lower case) and len bytes of data into out
 * (outlen bytes with the NUL; the result is lower case); returns the
 * length, or -1 when it does not fit.  Decoding: s[0..slen), all upper
 * or all lower case; the human-readable part (lower case, NUL) into
 * hrp (hrplen bytes) and at most *len data bytes into data; returns 0
 * and *len, or -1 when s is no valid Bech32 or something does not fit.
 */
int		 age_bech32_encode(const char *hrp, const unsigned char *data,
		    size_t len, char *out, size_t outlen);
int		 age_bech32_decode(const char *s, size_t slen, char *hrp,
		    size_t hrplen, unsigned char *data, size_t *len);

/*
 * HKDF-SHA-256 (RFC 5869) with 32 bytes of output, as age uses it:
 * HKDF-Extract with salt, then HKDF-Expand with info.
 */
void		 age_hkdf(const unsigned char *ikm, size_t ikmlen,
		    const unsigned char *salt, size_t saltlen, const char *info,
		    unsigned char out[32]);

#endif
