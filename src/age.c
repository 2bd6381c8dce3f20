/*
 * The age file format (see age.h): Bech32 keys, the text header with
 * its X25519 and scrypt stanzas and its MAC, and the STREAM payload.
 *
 * A file is read whole from memory, so decryption knows where the
 * payload ends without the trial decryption a streaming reader needs:
 * the chunk that ends the input must carry the last-chunk flag, and a
 * full chunk that ends the input yet authenticates as a middle chunk
 * means the file was cut at a chunk boundary.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "age.h"

#define V1_LINE		"age-encryption.org/v1"
#define V_PREFIX	"age-encryption.org/"
#define ARMOR_LINE	"-----BEGIN AGE ENCRYPTED FILE-----"
#define X25519_INFO	"age-encryption.org/v1/X25519"
#define SCRYPT_LABEL	"age-encryption.org/v1/scrypt"
#define CHUNK_CT	(AGE_CHUNK + crypto_aead_chacha20poly1305_IETF_ABYTES)
#define TAG_LEN		crypto_aead_chacha20poly1305_IETF_ABYTES
#define NONCE_LEN	16
#define MAC_B64_LEN	43
#define MAX_STANZAS	1024
#define MAX_ARGS	16
#define WRAPPED_LEN	(AGE_FILE_KEY_LEN + TAG_LEN)

static const char	 b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char	 b32chars[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* One stanza of a parsed header: pointers into the input. */
struct stanza {
	const char	*arg[MAX_ARGS];
	size_t		 arglen[MAX_ARGS];
	size_t		 nargs;
	const char	*body;		/* base64 lines, LFs included */
	size_t		 bodylen;
};

struct header {
	struct stanza	*st;
	size_t		 nst;
	size_t		 maclen;	/* bytes covered by the MAC */
	const char	*mac;		/* MAC_B64_LEN base64 chars */
	size_t		 end;		/* offset of the payload */
};

const char *
age_strerror(int e)
{
	switch (e) {
	case 0:
		return "success";
	case AGE_ERR_NOT_AGE:
		return "not an age file";
	case AGE_ERR_VERSION:
		return "unsupported age version";
	case AGE_ERR_ARMOR:
		return "ASCII-armored age file (not read; de-armor it first)";
	case AGE_ERR_MALFORMED:
		return "malformed age header";
	case AGE_ERR_UNSUPPORTED:
		return "unsupported stanza (no X25519 or scrypt recipient)";
	case AGE_ERR_SCRYPT_MIXED:
		return "scrypt stanza not alone in the header";
	case AGE_ERR_WORK_FACTOR:
		return "scrypt work factor too high";
	case AGE_ERR_NEED_PASSPHRASE:
		return "encrypted with a passphrase, and none given";
	case AGE_ERR_PASSPHRASE:
		return "wrong passphrase";
	case AGE_ERR_NEED_IDENTITY:
		return "encrypted to recipients, and no identity given";
	case AGE_ERR_NO_IDENTITY:
		return "no identity matches";
	case AGE_ERR_HEADER_MAC:
		return "header MAC mismatch";
	case AGE_ERR_TRUNCATED:
		return "truncated";
	case AGE_ERR_PAYLOAD:
		return "payload fails authentication (tampered or truncated)";
	case AGE_ERR_RECIPIENT:
		return "bad recipient";
	case AGE_ERR_NO_RECIPIENT:
		return "no passphrase and no recipient";
	case AGE_ERR_NOMEM:
		return "out of memory";
	}
	return "unknown age error";
}

static void
init_sodium(void)
{
	if (sodium_init() < 0)
		abort();
}

void
age_hkdf(const unsigned char *ikm, size_t ikmlen, const unsigned char *salt,
    size_t saltlen, const char *info, unsigned char out[32])
{
	static const unsigned char	 none[1];
	crypto_auth_hmacsha256_state	 st;
	unsigned char			 prk[32], one = 1;

	if (salt == NULL)
		salt = none;
	/* Extract: PRK = HMAC(salt, IKM).  An empty salt is an empty key,
	 * which HMAC pads with zeroes just as RFC 5869 asks. */
	crypto_auth_hmacsha256_init(&st, salt, saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	/* Expand: one block, T(1) = HMAC(PRK, info || 0x01). */
	crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)info,
	    strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(prk, sizeof prk);
	sodium_memzero(&st, sizeof st);
}

/* Base64 without padding, canonical. */

static size_t
b64_enclen(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

static size_t
b64_encode(const unsigned char *p, size_t n, char *out)
{
	size_t		 i, o = 0;
	uint32_t	 v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
		out[o++] = b64chars[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
	}
	return o;
}

static int
b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes s[0..n) (no padding, no blanks) into exactly want bytes.
 * Returns 0, or -1 when s is not the canonical encoding of want bytes.
 */
static int
b64_decode_exact(const char *s, size_t n, unsigned char *out, size_t want)
{
	uint32_t	 acc = 0;
	size_t		 i, o = 0;
	int		 bits = 0, v;

	if (n != b64_enclen(want))
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64_val(s[i])) < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	/* Canonical: the bits left over are zero. */
	return acc == 0 ? 0 : -1;
}

/* Bech32. */

static uint32_t
bech32_polymod_step(uint32_t chk, unsigned v)
{
	static const uint32_t	 gen[5] = { 0x3b6a57b2, 0x26508e6d,
	    0x1ea119fa, 0x3d4233dd, 0x2a1462b3 };
	uint32_t		 top = chk >> 25;
	int			 i;

	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (i = 0; i < 5; i++) {
		if (top >> i & 1)
			chk ^= gen[i];
	}
	return chk;
}

static uint32_t
bech32_hrp_chk(const char *hrp, size_t n)
{
	uint32_t	 chk = 1;
	size_t		 i;

	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (unsigned char)hrp[i] >> 5);
	chk = bech32_polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (unsigned char)hrp[i] & 31);
	return chk;
}

int
age_bech32_encode(const char *hrp, const unsigned char *data, size_t len,
    char *out, size_t outlen)
{
	size_t		 hl = strlen(hrp), i, o, need;
	uint32_t	 chk, acc = 0;
	int		 bits = 0;
	unsigned	 v;

	need = hl + 1 + (len * 8 + 4) / 5 + 6 + 1;
	if (hl == 0 || need > outlen)
		return -1;
	memcpy(out, hrp, hl);
	out[hl] = '1';
	o = hl + 1;
	chk = bech32_hrp_chk(hrp, hl);
	for (i = 0; i < len; i++) {
		acc = acc << 8 | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			v = acc >> bits & 31;
			chk = bech32_polymod_step(chk, v);
			out[o++] = b32chars[v];
		}
		acc &= (1U << bits) - 1;
	}
	if (bits > 0) {
		v = acc << (5 - bits) & 31;
		chk = bech32_polymod_step(chk, v);
		out[o++] = b32chars[v];
	}
	for (i = 0; i < 6; i++)
		chk = bech32_polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		out[o++] = b32chars[chk >> (5 * (5 - i)) & 31];
	out[o] = '\0';
	return (int)o;
}

int
age_bech32_decode(const char *s, size_t slen, char *hrp, size_t hrplen,
    unsigned char *data, size_t *len)
{
	const char	*p;
	size_t		 i, sep, cap = *len, o = 0, ndata;
	uint32_t	 chk, acc = 0;
	bool		 lower = false, upper = false;
	int		 bits = 0;
	char		 c;

	*len = 0;
	sep = slen;
	for (i = 0; i < slen; i++) {
		c = s[i];
		if (c < 33 || c > 126)
			return -1;
		if (c >= 'a' && c <= 'z')
			lower = true;
		if (c >= 'A' && c <= 'Z')
			upper = true;
		if (c == '1')
			sep = i;
	}
	if ((lower && upper) || sep == slen || sep == 0 || slen - sep < 7 ||
	    sep + 1 > hrplen)
		return -1;
	for (i = 0; i < sep; i++)
		hrp[i] = (char)tolower((unsigned char)s[i]);
	hrp[sep] = '\0';
	chk = bech32_hrp_chk(hrp, sep);
	ndata = slen - sep - 1 - 6;
	for (i = sep + 1; i < slen; i++) {
		c = (char)tolower((unsigned char)s[i]);
		if ((p = strchr(b32chars, c)) == NULL)
			return -1;
		chk = bech32_polymod_step(chk, (unsigned)(p - b32chars));
		if (i - sep - 1 >= ndata)
			continue;
		acc = acc << 5 | (uint32_t)(p - b32chars);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			data[o++] = (unsigned char)(acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	/* The padding: fewer than 5 bits, all zero. */
	if (chk != 1 || bits >= 5 || acc != 0)
		return -1;
	*len = o;
	return 0;
}

/* The non-blank part of s[0..len). */
static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

int
age_recipient_parse(const char *s, unsigned char pk[AGE_KEY_LEN])
{
	char		 hrp[8];
	unsigned char	 k[AGE_KEY_LEN + 1];
	size_t		 len = strlen(s), n = sizeof k;

	trim(&s, &len);
	if (age_bech32_decode(s, len, hrp, sizeof hrp, k, &n) != 0 ||
	    strcmp(hrp, "age") != 0 || n != AGE_KEY_LEN)
		return AGE_ERR_RECIPIENT;
	memcpy(pk, k, AGE_KEY_LEN);
	return 0;
}

int
age_identity_parse(const char *s, size_t len, unsigned char sk[AGE_KEY_LEN])
{
	char		 hrp[24];
	unsigned char	 k[AGE_KEY_LEN + 1];
	size_t		 n = sizeof k;
	int		 r = AGE_ERR_MALFORMED;

	trim(&s, &len);
	if (age_bech32_decode(s, len, hrp, sizeof hrp, k, &n) == 0 &&
	    strcmp(hrp, "age-secret-key-") == 0 && n == AGE_KEY_LEN) {
		memcpy(sk, k, AGE_KEY_LEN);
		r = 0;
	}
	sodium_memzero(k, sizeof k);
	return r;
}

void
age_recipient_encode(const unsigned char pk[AGE_KEY_LEN], char *out)
{
	(void)age_bech32_encode("age", pk, AGE_KEY_LEN, out,
	    AGE_RECIPIENT_STRLEN);
}

void
age_identity_encode(const unsigned char sk[AGE_KEY_LEN], char *out)
{
	char	*p;

	(void)age_bech32_encode("age-secret-key-", sk, AGE_KEY_LEN, out,
	    AGE_IDENTITY_STRLEN);
	for (p = out; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
}

void
age_identity_public(const unsigned char sk[AGE_KEY_LEN],
    unsigned char pk[AGE_KEY_LEN])
{
	init_sodium();
	crypto_scalarmult_base(pk, sk);
}

void
age_identity_generate(unsigned char sk[AGE_KEY_LEN])
{
	init_sodium();
	randombytes_buf(sk, AGE_KEY_LEN);
}

void
age_plaintext_free(unsigned char *p)
{
	if (p != NULL)
		sodium_free(p);
}

int
age_identities_parse(const char *text, size_t len,
    unsigned char (**keys)[AGE_KEY_LEN], size_t *n, size_t *badline)
{
	unsigned char	(*k)[AGE_KEY_LEN];
	const char	*line, *nl, *end = text + len;
	size_t		 cap = 0, lineno = 0, ll;

	*keys = NULL;
	*n = 0;
	*badline = 0;
	init_sodium();
	/* Count the lines that may hold identities, to allocate once. */
	for (line = text; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		ll = (size_t)(nl - line);
		trim(&line, &ll);
		if (ll > 0 && line[0] != '#')
			cap++;
	}
	if (cap == 0)
		return AGE_ERR_MALFORMED;
	if ((k = sodium_malloc(cap * sizeof *k)) == NULL)
		return AGE_ERR_NOMEM;
	for (line = text; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		ll = (size_t)(nl - line);
		trim(&line, &ll);
		if (ll == 0 || line[0] == '#')
			continue;
		if (age_identity_parse(line, ll, k[*n]) != 0) {
			sodium_free(k);
			*n = 0;
			*badline = lineno;
			return AGE_ERR_MALFORMED;
		}
		(*n)++;
	}
	*keys = k;
	return 0;
}

/* The header. */

/* The end of the line at off (the offset of its LF), or len. */
static size_t
line_end(const unsigned char *in, size_t len, size_t off)
{
	const unsigned char	*nl;

	nl = memchr(in + off, '\n', len - off);
	return nl == NULL ? len : (size_t)(nl - in);
}

static bool
is_b64_line(const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (b64_val((char)p[i]) < 0)
			return false;
	}
	return true;
}

/* "-> ARG ARG..." into st; 0 or AGE_ERR_MALFORMED. */
static int
parse_args(const char *p, size_t n, struct stanza *st)
{
	size_t	 i, start = 3;

	st->nargs = 0;
	for (i = 3; i <= n; i++) {
		if (i < n && p[i] != ' ') {
			if (p[i] < 0x21 || p[i] > 0x7e)
				return AGE_ERR_MALFORMED;
			continue;
		}
		/* An argument ends: never empty, never too many. */
		if (i == start || st->nargs == MAX_ARGS)
			return AGE_ERR_MALFORMED;
		st->arg[st->nargs] = p + start;
		st->arglen[st->nargs++] = i - start;
		start = i + 1;
	}
	return 0;
}

/* One stanza at *off: its argument line and body.  Moves *off on. */
static int
parse_stanza(const unsigned char *in, size_t len, size_t *off,
    struct stanza *st)
{
	size_t	 e, ll;
	int	 r;

	e = line_end(in, len, *off);
	if (e == len)
		return AGE_ERR_TRUNCATED;
	if ((r = parse_args((const char *)in + *off, e - *off, st)) != 0)
		return r;
	*off = e + 1;
	st->body = (const char *)in + *off;
	for (;;) {
		e = line_end(in, len, *off);
		if (e == len)
			return AGE_ERR_TRUNCATED;
		ll = e - *off;
		if (ll > 64 || !is_b64_line(in + *off, ll))
			return AGE_ERR_MALFORMED;
		*off = e + 1;
		if (ll < 64)
			break;
	}
	st->bodylen = (size_t)((const char *)in + *off - st->body);
	return 0;
}

/* Whether in[0..len) is a proper prefix of s (the input ends in it). */
static bool
cut_prefix(const unsigned char *in, size_t len, const char *s)
{
	return len < strlen(s) && memcmp(in, s, len) == 0;
}

static int
parse_header(const unsigned char *in, size_t len, struct header *h)
{
	size_t	 off, e;
	int	 r;

	memset(h, 0, sizeof *h);
	if (cut_prefix(in, len, V1_LINE "\n"))
		return AGE_ERR_TRUNCATED;
	if (len >= strlen(ARMOR_LINE) &&
	    memcmp(in, ARMOR_LINE, strlen(ARMOR_LINE)) == 0)
		return AGE_ERR_ARMOR;
	if (len < strlen(V_PREFIX) || memcmp(in, V_PREFIX, strlen(V_PREFIX)))
		return AGE_ERR_NOT_AGE;
	e = line_end(in, len, 0);
	if (e != strlen(V1_LINE) || memcmp(in, V1_LINE, e) != 0)
		return e == len ? AGE_ERR_TRUNCATED : AGE_ERR_VERSION;
	off = e + 1;
	if ((h->st = calloc(MAX_STANZAS, sizeof *h->st)) == NULL)
		return AGE_ERR_NOMEM;
	for (;;) {
		if (len - off < 3)
			return AGE_ERR_TRUNCATED;
		if (memcmp(in + off, "-> ", 3) == 0) {
			if (h->nst == MAX_STANZAS)
				return AGE_ERR_MALFORMED;
			r = parse_stanza(in, len, &off, &h->st[h->nst]);
			if (r != 0)
				return r;
			h->nst++;
			continue;
		}
		if (memcmp(in + off, "---", 3) != 0)
			return AGE_ERR_MALFORMED;
		break;
	}
	h->maclen = off + 3;
	e = line_end(in, len, off);
	if (e == len)
		return AGE_ERR_TRUNCATED;
	if (e - off != 4 + MAC_B64_LEN || in[off + 3] != ' ' ||
	    h->nst == 0)
		return AGE_ERR_MALFORMED;
	h->mac = (const char *)in + off + 4;
	h->end = e + 1;
	return 0;
}

static bool
arg_is(const struct stanza *st, size_t i, const char *s)
{
	return i < st->nargs && st->arglen[i] == strlen(s) &&
	    memcmp(st->arg[i], s, st->arglen[i]) == 0;
}

/* The body of st, which must wrap a file key: 32 bytes. */
static int
stanza_body(const struct stanza *st, unsigned char out[WRAPPED_LEN])
{
	char	 b[64];
	size_t	 i, n = 0;

	for (i = 0; i < st->bodylen; i++) {
		if (st->body[i] == '\n')
			continue;
		if (n == sizeof b)
			return AGE_ERR_MALFORMED;
		b[n++] = st->body[i];
	}
	return b64_decode_exact(b, n, out, WRAPPED_LEN) == 0 ? 0 :
	    AGE_ERR_MALFORMED;
}

static int
unwrap(const unsigned char key[32], const unsigned char body[WRAPPED_LEN],
    unsigned char fk[AGE_FILE_KEY_LEN])
{
	unsigned char	 nonce[12] = { 0 };

	return crypto_aead_chacha20poly1305_ietf_decrypt(fk, NULL, NULL,
	    body, WRAPPED_LEN, NULL, 0, nonce, key);
}

static int
unwrap_scrypt(const struct stanza *st, const char *pass, int max,
    unsigned char fk[AGE_FILE_KEY_LEN])
{
	unsigned char	 salt[sizeof SCRYPT_LABEL - 1 + 16];
	unsigned char	 body[WRAPPED_LEN], key[32];
	size_t		 i, ll = sizeof SCRYPT_LABEL - 1;
	int		 log2n = 0, r;

	if (st->nargs != 3 || b64_decode_exact(st->arg[1], st->arglen[1],
	    salt + ll, 16) != 0 || stanza_body(st, body) != 0)
		return AGE_ERR_MALFORMED;
	/* A decimal number without leading zeroes. */
	if (st->arglen[2] == 0 || st->arg[2][0] == '0')
		return AGE_ERR_MALFORMED;
	for (i = 0; i < st->arglen[2]; i++) {
		if (!isdigit((unsigned char)st->arg[2][i]))
			return AGE_ERR_MALFORMED;
		if (log2n > AGE_LOG2N_MAX)
			continue;
		log2n = log2n * 10 + (st->arg[2][i] - '0');
	}
	if (log2n > (max > 0 && max < AGE_LOG2N_MAX ? max : AGE_LOG2N_MAX))
		return AGE_ERR_WORK_FACTOR;
	if (pass == NULL)
		return AGE_ERR_NEED_PASSPHRASE;
	memcpy(salt, SCRYPT_LABEL, ll);
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)pass,
	    strlen(pass), salt, sizeof salt, (uint64_t)1 << log2n, 8, 1, key,
	    sizeof key) != 0)
		return AGE_ERR_NOMEM;
	r = unwrap(key, body, fk) == 0 ? 0 : AGE_ERR_PASSPHRASE;
	sodium_memzero(key, sizeof key);
	return r;
}

/*
 * Tries every identity on an X25519 stanza: 0 with the file key, 1 when
 * none fits, or an error for a stanza against the spec.
 */
static int
unwrap_x25519(const struct stanza *st, const struct age_dkeys *k,
    unsigned char fk[AGE_FILE_KEY_LEN])
{
	unsigned char	 salt[64], body[WRAPPED_LEN], shared[32], key[32];
	size_t		 i;
	int		 r = 1;

	if (st->nargs != 2 || b64_decode_exact(st->arg[1], st->arglen[1],
	    salt, 32) != 0 || stanza_body(st, body) != 0)
		return AGE_ERR_MALFORMED;
	for (i = 0; i < k->nidentities && r == 1; i++) {
		/* libsodium refuses an all-zero result, as age must. */
		if (crypto_scalarmult(shared, k->identities[i], salt) != 0) {
			r = AGE_ERR_MALFORMED;
			break;
		}
		crypto_scalarmult_base(salt + 32, k->identities[i]);
		age_hkdf(shared, sizeof shared, salt, sizeof salt,
		    X25519_INFO, key);
		if (unwrap(key, body, fk) == 0)
			r = 0;
	}
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(key, sizeof key);
	return r;
}

/* The file key from the stanzas: 0, or an AGE_ERR_* code. */
static int
file_key(const struct header *h, const struct age_dkeys *k,
    unsigned char fk[AGE_FILE_KEY_LEN])
{
	size_t	 i, nx = 0;
	int	 r;

	for (i = 0; i < h->nst; i++) {
		if (arg_is(&h->st[i], 0, "scrypt")) {
			if (h->nst != 1)
				return AGE_ERR_SCRYPT_MIXED;
			return unwrap_scrypt(&h->st[0], k->passphrase,
			    k->max_log2n, fk);
		}
	}
	for (i = 0; i < h->nst; i++) {
		if (!arg_is(&h->st[i], 0, "X25519"))
			continue;
		nx++;
		if (k->nidentities == 0)
			continue;
		if ((r = unwrap_x25519(&h->st[i], k, fk)) <= 0)
			return r;
	}
	if (nx == 0)
		return AGE_ERR_UNSUPPORTED;
	return k->nidentities == 0 ? AGE_ERR_NEED_IDENTITY :
	    AGE_ERR_NO_IDENTITY;
}

static int
check_mac(const unsigned char *in, const struct header *h,
    const unsigned char fk[AGE_FILE_KEY_LEN])
{
	unsigned char	 key[32], mac[32], want[32];
	int		 r = 0;

	if (b64_decode_exact(h->mac, MAC_B64_LEN, want, sizeof want) != 0)
		return AGE_ERR_MALFORMED;
	age_hkdf(fk, AGE_FILE_KEY_LEN, NULL, 0, "header", key);
	crypto_auth_hmacsha256(mac, in, h->maclen, key);
	if (sodium_memcmp(mac, want, sizeof mac) != 0)
		r = AGE_ERR_HEADER_MAC;
	sodium_memzero(key, sizeof key);
	return r;
}

static void
chunk_nonce(unsigned char n[12], uint64_t i, bool last)
{
	int	 b;

	memset(n, 0, 12);
	for (b = 10; b >= 3; b--) {
		n[b] = (unsigned char)(i & 0xff);
		i >>= 8;
	}
	n[11] = last ? 1 : 0;
}

/* Chunk i of n bytes, a last one or not, into out; 0 or -1. */
static int
open_chunk(unsigned char *out, const unsigned char *ct, size_t n, size_t i,
    bool last, const unsigned char key[32])
{
	unsigned char	 nonce[12];

	chunk_nonce(nonce, i, last);
	return crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ct,
	    n, NULL, 0, nonce, key);
}

static int
payload_decrypt(const unsigned char *p, size_t len,
    const unsigned char fk[AGE_FILE_KEY_LEN], unsigned char **out,
    size_t *outlen)
{
	unsigned char	 key[32], *pt;
	size_t		 ctlen, nchunks, ptlen, i, n;
	bool		 last;
	int		 r = 0;

	if (len < NONCE_LEN + TAG_LEN)
		return AGE_ERR_TRUNCATED;
	ctlen = len - NONCE_LEN;
	nchunks = ctlen / CHUNK_CT + (ctlen % CHUNK_CT != 0);
	n = ctlen - (nchunks - 1) * CHUNK_CT;
	if (n < TAG_LEN)
		return AGE_ERR_TRUNCATED;
	/* Only an empty file has an empty last chunk. */
	if (n == TAG_LEN && nchunks > 1)
		return AGE_ERR_PAYLOAD;
	ptlen = ctlen - nchunks * TAG_LEN;
	if ((pt = sodium_malloc(ptlen + 1)) == NULL)
		return AGE_ERR_NOMEM;
	age_hkdf(fk, AGE_FILE_KEY_LEN, p, NONCE_LEN, "payload", key);
	p += NONCE_LEN;
	for (i = 0; i < nchunks && r == 0; i++) {
		last = i == nchunks - 1;
		n = last ? ctlen - i * CHUNK_CT : CHUNK_CT;
		if (open_chunk(pt + i * AGE_CHUNK, p + i * CHUNK_CT, n, i, last,
		    key) == 0)
			continue;
		r = AGE_ERR_PAYLOAD;
		/* A full last chunk that opens as a middle one: the file was
		 * cut at a chunk boundary. */
		if (last && n == CHUNK_CT && open_chunk(pt + i * AGE_CHUNK,
		    p + i * CHUNK_CT, n, i, false, key) == 0)
			r = AGE_ERR_TRUNCATED;
	}
	sodium_memzero(key, sizeof key);
	if (r != 0) {
		sodium_free(pt);
		return r;
	}
	pt[ptlen] = '\0';
	*out = pt;
	*outlen = ptlen;
	return 0;
}

int
age_decrypt(const unsigned char *in, size_t len, const struct age_dkeys *k,
    unsigned char **out, size_t *outlen)
{
	struct header	 h;
	unsigned char	 fk[AGE_FILE_KEY_LEN];
	int		 r;

	*out = NULL;
	*outlen = 0;
	init_sodium();
	if ((r = parse_header(in, len, &h)) != 0)
		goto out;
	if ((r = file_key(&h, k, fk)) != 0)
		goto out;
	if ((r = check_mac(in, &h, fk)) != 0)
		goto out;
	r = payload_decrypt(in + h.end, len - h.end, fk, out, outlen);
out:
	sodium_memzero(fk, sizeof fk);
	free(h.st);
	return r;
}

/* Encryption. */

/* Appends a stanza "-> ARGS\n" and the body's lines to hdr. */
static size_t
put_stanza(char *hdr, size_t o, const char *args,
    const unsigned char body[WRAPPED_LEN])
{
	char	 b[64];
	size_t	 n, i;

	o += (size_t)sprintf(hdr + o, "-> %s\n", args);
	n = b64_encode(body, WRAPPED_LEN, b);
	/* 43 characters: one final line, shorter than 64. */
	for (i = 0; i < n; i++)
		hdr[o++] = b[i];
	hdr[o++] = '\n';
	return o;
}

static int
wrap(const unsigned char key[32], const unsigned char fk[AGE_FILE_KEY_LEN],
    unsigned char body[WRAPPED_LEN])
{
	unsigned char	 nonce[12] = { 0 };

	return crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, fk,
	    AGE_FILE_KEY_LEN, NULL, 0, NULL, nonce, key);
}

static int
stanza_scrypt(char *hdr, size_t *o, const struct age_ekeys *k,
    const unsigned char fk[AGE_FILE_KEY_LEN])
{
	unsigned char	 salt[sizeof SCRYPT_LABEL - 1 + 16];
	unsigned char	 key[32], body[WRAPPED_LEN];
	char		 args[64];
	size_t		 ll = sizeof SCRYPT_LABEL - 1, n;
	int		 r;

	if (k->log2n < 1 || k->log2n > AGE_LOG2N_MAX)
		return AGE_ERR_WORK_FACTOR;
	memcpy(salt, SCRYPT_LABEL, ll);
	randombytes_buf(salt + ll, 16);
	r = crypto_pwhash_scryptsalsa208sha256_ll(
	    (const uint8_t *)k->passphrase, strlen(k->passphrase), salt,
	    sizeof salt, (uint64_t)1 << k->log2n, 8, 1, key, sizeof key);
	if (r != 0) {
		sodium_memzero(key, sizeof key);
		return AGE_ERR_NOMEM;
	}
	(void)wrap(key, fk, body);
	sodium_memzero(key, sizeof key);
	memcpy(args, "scrypt ", 7);
	n = 7 + b64_encode(salt + ll, 16, args + 7);
	snprintf(args + n, sizeof args - n, " %d", k->log2n);
	*o = put_stanza(hdr, *o, args, body);
	return 0;
}

static int
stanza_x25519(char *hdr, size_t *o, const unsigned char pk[AGE_KEY_LEN],
    const unsigned char fk[AGE_FILE_KEY_LEN])
{
	unsigned char	 eph[32], salt[64], shared[32], key[32];
	unsigned char	 body[WRAPPED_LEN];
	char		 args[64];
	size_t		 n;
	int		 r = 0;

	randombytes_buf(eph, sizeof eph);
	crypto_scalarmult_base(salt, eph);
	memcpy(salt + 32, pk, 32);
	if (crypto_scalarmult(shared, eph, pk) != 0) {
		r = AGE_ERR_RECIPIENT;
		goto out;
	}
	age_hkdf(shared, sizeof shared, salt, sizeof salt, X25519_INFO, key);
	(void)wrap(key, fk, body);
	memcpy(args, "X25519 ", 7);
	n = 7 + b64_encode(salt, 32, args + 7);
	args[n] = '\0';
	*o = put_stanza(hdr, *o, args, body);
out:
	sodium_memzero(eph, sizeof eph);
	sodium_memzero(shared, sizeof shared);
	sodium_memzero(key, sizeof key);
	return r;
}

/* The payload after the header: nonce and chunks, at out. */
static void
payload_encrypt(const unsigned char *pt, size_t ptlen,
    const unsigned char fk[AGE_FILE_KEY_LEN], unsigned char *out)
{
	static const unsigned char	 none[1];
	unsigned char			 key[32], nonce[12];
	size_t				 nchunks, i, n;

	/* No pointer arithmetic on a NULL pt (an empty file). */
	if (pt == NULL)
		pt = none;
	randombytes_buf(out, NONCE_LEN);
	age_hkdf(fk, AGE_FILE_KEY_LEN, out, NONCE_LEN, "payload", key);
	out += NONCE_LEN;
	/* A full last chunk, never an empty one after it (but an empty
	 * file is one empty chunk). */
	nchunks = ptlen == 0 ? 1 : (ptlen + AGE_CHUNK - 1) / AGE_CHUNK;
	for (i = 0; i < nchunks; i++) {
		n = i == nchunks - 1 ? ptlen - i * AGE_CHUNK : AGE_CHUNK;
		chunk_nonce(nonce, i, i == nchunks - 1);
		crypto_aead_chacha20poly1305_ietf_encrypt(out + i * CHUNK_CT,
		    NULL, pt + i * AGE_CHUNK, n, NULL, 0, NULL, nonce, key);
	}
	sodium_memzero(key, sizeof key);
}

int
age_encrypt(const unsigned char *pt, size_t ptlen, const struct age_ekeys *k,
    unsigned char **out, size_t *outlen)
{
	unsigned char	 fk[AGE_FILE_KEY_LEN], key[32], mac[32];
	unsigned char	*buf = NULL;
	char		*hdr;
	size_t		 o, i, nchunks, total;
	int		 r = 0;

	*out = NULL;
	*outlen = 0;
	init_sodium();
	if (k->nrecipients == 0 && k->passphrase == NULL)
		return AGE_ERR_NO_RECIPIENT;
	if (k->nrecipients > MAX_STANZAS)
		return AGE_ERR_RECIPIENT;
	/* Each stanza takes at most 128 bytes. */
	if ((hdr = malloc(64 + 128 * (k->nrecipients + 1) + 64)) == NULL)
		return AGE_ERR_NOMEM;
	randombytes_buf(fk, sizeof fk);
	o = (size_t)sprintf(hdr, "%s\n", V1_LINE);
	if (k->nrecipients == 0)
		r = stanza_scrypt(hdr, &o, k, fk);
	for (i = 0; i < k->nrecipients && r == 0; i++)
		r = stanza_x25519(hdr, &o, k->recipients[i], fk);
	if (r != 0)
		goto out;
	memcpy(hdr + o, "---", 3);
	o += 3;
	age_hkdf(fk, AGE_FILE_KEY_LEN, NULL, 0, "header", key);
	crypto_auth_hmacsha256(mac, (unsigned char *)hdr, o, key);
	hdr[o++] = ' ';
	o += b64_encode(mac, sizeof mac, hdr + o);
	hdr[o++] = '\n';
	nchunks = ptlen == 0 ? 1 : (ptlen + AGE_CHUNK - 1) / AGE_CHUNK;
	total = o + NONCE_LEN + ptlen + nchunks * TAG_LEN;
	if ((buf = malloc(total)) == NULL) {
		r = AGE_ERR_NOMEM;
		goto out;
	}
	memcpy(buf, hdr, o);
	payload_encrypt(pt, ptlen, fk, buf + o);
	*out = buf;
	*outlen = total;
out:
	sodium_memzero(fk, sizeof fk);
	sodium_memzero(key, sizeof key);
	free(hdr);
	return r;
}
