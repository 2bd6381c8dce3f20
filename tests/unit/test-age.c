/*
 * Unit tests for the age file format (src/age.c): round trips of the
 * sizes around the 64 KiB chunk, HKDF and Bech32 against their
 * published vectors, files from and for the real `age` and
 * `age-keygen` (keys made at test time in a scratch directory), and
 * every way a file goes wrong: wrong passphrase or identity, a byte
 * changed in the header, its MAC or the payload, a file cut at every
 * offset, an scrypt stanza beside another, too much scrypt work, other
 * versions, armor and stanza types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "buf.h"
#include "xmalloc.h"

#define PASS	"correct horse battery staple"

static char	 tmpdir[PATH_MAX];

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lb-age.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 r;

	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

/* snprintf() without gcc's worry that a path may not fit. */
static void __attribute__((format(printf, 3, 4)))
pf(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static bool
have_age(void)
{
	return system("age --version >/dev/null 2>&1") == 0 &&
	    system("age-keygen --version >/dev/null 2>&1") == 0;
}

/* Encrypts with a passphrase (cheap work factor) or to pks. */
static unsigned char *
enc(const void *pt, size_t len, const char *pass,
    const unsigned char (*pks)[AGE_KEY_LEN], size_t npk, size_t *outlen)
{
	struct age_ekeys	 ek = { pass, 10, pks, npk };
	unsigned char		*out;

	assert_int_equal(age_encrypt(pt, len, &ek, &out, outlen), 0);
	assert_non_null(out);
	return out;
}

static int
dec(const unsigned char *in, size_t len, const char *pass,
    const unsigned char (*sks)[AGE_KEY_LEN], size_t nsk, unsigned char **pt,
    size_t *ptlen)
{
	struct age_dkeys	 dk = { pass, sks, nsk, 0 };
	unsigned char		*p;
	size_t			 n;
	int			 r;

	r = age_decrypt(in, len, &dk, pt ? pt : &p, ptlen ? ptlen : &n);
	if (r != 0)
		assert_null(pt ? *pt : p);
	if (pt == NULL)
		age_plaintext_free(p);
	return r;
}

/* The offset of the payload: just past the "--- MAC\n" line. */
static size_t
payload_at(const unsigned char *f, size_t len)
{
	const unsigned char	*m = memmem(f, len, "\n--- ", 5);

	assert_non_null(m);
	return (size_t)(m - f) + 1 + 4 + 43 + 1;
}

static void
round_trip(size_t len)
{
	unsigned char	 sk[2][AGE_KEY_LEN], pk[2][AGE_KEY_LEN];
	unsigned char	*pt, *ct, *out;
	size_t		 ctlen, outlen, chunks, hdr;
	int		 i;

	pt = xmalloc(len + 1);
	randombytes_buf(pt, len + 1);
	for (i = 0; i < 2; i++) {
		age_identity_generate(sk[i]);
		age_identity_public(sk[i], pk[i]);
	}
	chunks = len == 0 ? 1 : (len + AGE_CHUNK - 1) / AGE_CHUNK;

	ct = enc(pt, len, PASS, NULL, 0, &ctlen);
	hdr = payload_at(ct, ctlen);
	assert_int_equal(ctlen, hdr + 16 + len + 16 * chunks);
	assert_int_equal(dec(ct, ctlen, PASS, NULL, 0, &out, &outlen), 0);
	assert_int_equal(outlen, len);
	assert_memory_equal(out, pt, len);
	assert_int_equal(out[len], '\0');
	age_plaintext_free(out);
	free(ct);

	ct = enc(pt, len, NULL, (const unsigned char (*)[32])pk, 2, &ctlen);
	assert_int_equal(ctlen, payload_at(ct, ctlen) + 16 + len + 16 *
	    chunks);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dec(ct, ctlen, NULL,
		    (const unsigned char (*)[32])sk[i], 1, &out, &outlen), 0);
		assert_int_equal(outlen, len);
		assert_memory_equal(out, pt, len);
		age_plaintext_free(out);
	}
	free(ct);
	free(pt);
}

static void
test_round_trips(void **state)
{
	static const size_t	 sizes[] = { 0, 1, AGE_CHUNK - 1, AGE_CHUNK,
	    AGE_CHUNK + 1, 2 * AGE_CHUNK, 200 * 1024 };
	size_t			 i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		round_trip(sizes[i]);
}

/* RFC 5869, A.1, the first 32 bytes of the output. */
static void
test_hkdf(void **state)
{
	static const unsigned char	 want[32] = {
	    0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f,
	    0x64, 0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf, 0x1a,
	    0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4, 0xc5, 0xbf };
	unsigned char			 ikm[22], salt[13], out[32];
	char				 info[11];
	int				 i;

	memset(ikm, 0x0b, sizeof ikm);
	for (i = 0; i < 13; i++)
		salt[i] = (unsigned char)i;
	for (i = 0; i < 10; i++)
		info[i] = (char)(0xf0 + i);
	info[10] = '\0';
	age_hkdf(ikm, sizeof ikm, salt, sizeof salt, info, out);
	assert_memory_equal(out, want, 32);
}

static int
b32dec(const char *s, char *hrp, unsigned char *data, size_t *len)
{
	*len = 90;
	return age_bech32_decode(s, strlen(s), hrp, 90, data, len);
}

/* BIP 173's vectors, and the age spec's example keys. */
static void
test_bech32(void **state)
{
	static const char *const	 valid[] = { "A12UEL5L", "a12uel5l",
	    "an83characterlonghumanreadablepartthatcontainsthenumber1andthe"
	    "excludedcharactersbio1tt5tgs",
	    "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
	    "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
	    "?1ezyfcl", NULL };
	static const char *const	 invalid[] = { " 1nwldj5",
	    "\x7f" "1axkwrx", "pzry9x8gf2tvdw0s3jn54khce6mua7l",
	    "x1b4n0q5v", "li1dgmt3", "de1lg7wt\xff", "A1G7SGD8", "10a06t8",
	    "1qzzfhee", "A12uEL5L", "a12uel5m", "a1", "", NULL };
	unsigned char			 data[90], sk[32], pk[32], k[32];
	char				 hrp[90], s[128];
	size_t				 len, i;

	for (i = 0; valid[i] != NULL; i++)
		assert_int_equal(b32dec(valid[i], hrp, data, &len), 0);
	assert_string_equal((b32dec("A12UEL5L", hrp, data, &len), hrp), "a");
	assert_int_equal(len, 0);
	for (i = 0; invalid[i] != NULL; i++) {
		if (b32dec(invalid[i], hrp, data, &len) != -1)
			fail_msg("\"%s\" decoded", invalid[i]);
	}
	/* The spec's identity is 32 bytes of 0x42. */
	memset(sk, 0x42, sizeof sk);
	age_identity_encode(sk, s);
	assert_string_equal(s, "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFP"
	    "YYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX");
	age_identity_public(sk, pk);
	age_recipient_encode(pk, s);
	assert_string_equal(s,
	    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj");
	assert_int_equal(age_recipient_parse(s, k), 0);
	assert_memory_equal(k, pk, 32);
	assert_int_equal(age_recipient_parse("  age1zvkyg2lqzraa2lnjvqej32"
	    "nkuu0ues2s82hzrye869xeexvn73equnujwj\n", k), 0);
	/* One character off, the checksum catches it. */
	s[10] = s[10] == 'q' ? 'p' : 'q';
	assert_int_equal(age_recipient_parse(s, k), AGE_ERR_RECIPIENT);
	/* An identity is no recipient and the other way round. */
	age_identity_encode(sk, s);
	assert_int_equal(age_recipient_parse(s, k), AGE_ERR_RECIPIENT);
	assert_int_equal(age_identity_parse(s, strlen(s), k), 0);
	assert_memory_equal(k, sk, 32);
	age_recipient_encode(pk, s);
	assert_int_equal(age_identity_parse(s, strlen(s), k),
	    AGE_ERR_MALFORMED);
	/* Encoding round trips, and fails when it does not fit. */
	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	for (i = 0; i < 40; i++) {
		unsigned char	 back[64];
		size_t		 n = sizeof back;
		int		 slen;

		slen = age_bech32_encode("tst", data, i, s, sizeof s);
		assert_true(slen > 0);
		assert_int_equal(age_bech32_decode(s, (size_t)slen, hrp,
		    sizeof hrp, back, &n), 0);
		assert_string_equal(hrp, "tst");
		assert_int_equal(n, i);
		assert_memory_equal(back, data, i);
	}
	assert_int_equal(age_bech32_encode("age", data, 32, s, 62), -1);
	assert_int_equal(age_bech32_encode("age", data, 32, s, 63), 62);
}

static void
test_identity_file(void **state)
{
	const char	*text = "# created: 2024-07-19T04:09:00Z\n"
	    "# public key: age1...\n\n"
	    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZ"
	    "GFPQ4EGAEX\r\n   \n";
	unsigned char	(*keys)[AGE_KEY_LEN], want[32];
	size_t		 n, bad;

	memset(want, 0x42, sizeof want);
	assert_int_equal(age_identities_parse(text, strlen(text), &keys, &n,
	    &bad), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(keys[0], want, 32);
	age_plaintext_free((unsigned char *)keys);

	assert_int_equal(age_identities_parse("# nothing\n\n", 11, &keys, &n,
	    &bad), AGE_ERR_MALFORMED);
	assert_int_equal(bad, 0);
	assert_null(keys);
	text = "# one\nAGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYY"
	    "SJZGFPYYSJZGFPQ4EGAEX\nage1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzr"
	    "ye869xeexvn73equnujwj\n";
	assert_int_equal(age_identities_parse(text, strlen(text), &keys, &n,
	    &bad), AGE_ERR_MALFORMED);
	assert_int_equal(bad, 3);
}

static void
test_wrong_keys(void **state)
{
	unsigned char	 sk[3][AGE_KEY_LEN], pk[2][AGE_KEY_LEN], *ct;
	size_t		 ctlen;
	int		 i;

	for (i = 0; i < 3; i++)
		age_identity_generate(sk[i]);
	for (i = 0; i < 2; i++)
		age_identity_public(sk[i], pk[i]);
	ct = enc("secret", 6, PASS, NULL, 0, &ctlen);
	assert_int_equal(dec(ct, ctlen, "correct horse battery stapler", NULL,
	    0, NULL, NULL), AGE_ERR_PASSPHRASE);
	assert_int_equal(dec(ct, ctlen, "", NULL, 0, NULL, NULL),
	    AGE_ERR_PASSPHRASE);
	assert_int_equal(dec(ct, ctlen, NULL, (const unsigned char (*)[32])sk,
	    1, NULL, NULL), AGE_ERR_NEED_PASSPHRASE);
	assert_int_equal(dec(ct, ctlen, PASS, NULL, 0, NULL, NULL), 0);
	free(ct);

	ct = enc("secret", 6, NULL, (const unsigned char (*)[32])pk, 2,
	    &ctlen);
	assert_int_equal(dec(ct, ctlen, NULL,
	    (const unsigned char (*)[32])sk[2], 1, NULL, NULL),
	    AGE_ERR_NO_IDENTITY);
	assert_int_equal(dec(ct, ctlen, PASS, NULL, 0, NULL, NULL),
	    AGE_ERR_NEED_IDENTITY);
	/* The one that fits may come last. */
	memcpy(sk[0], sk[2], 32);
	assert_int_equal(dec(ct, ctlen, NULL, (const unsigned char (*)[32])sk,
	    2, NULL, NULL), 0);
	free(ct);
}

/* Every byte of a file changed in turn: none may decrypt. */
static void
test_tampered(void **state)
{
	unsigned char	 sk[AGE_KEY_LEN], pk[AGE_KEY_LEN], *ct;
	unsigned char	 pt[300];
	size_t		 ctlen, i, hdr, mac;
	int		 r;

	age_identity_generate(sk);
	age_identity_public(sk, pk);
	randombytes_buf(pt, sizeof pt);
	ct = enc(pt, sizeof pt, NULL, (const unsigned char (*)[32])&pk, 1,
	    &ctlen);
	hdr = payload_at(ct, ctlen);
	mac = hdr - 1 - 43;
	for (i = 0; i < ctlen; i++) {
		ct[i] ^= 0x01;
		r = dec(ct, ctlen, NULL, (const unsigned char (*)[32])&sk, 1,
		    NULL, NULL);
		ct[i] ^= 0x01;
		if (r == 0)
			fail_msg("byte %zu changed, the file still opens", i);
		/* Inside the MAC (all but its last character, whose low
		 * bits are padding): a MAC mismatch. */
		if (i >= mac && i < mac + 42 && r != AGE_ERR_HEADER_MAC &&
		    r != AGE_ERR_MALFORMED)
			fail_msg("MAC byte %zu: %s", i, age_strerror(r));
		if (i >= hdr && r != AGE_ERR_PAYLOAD)
			fail_msg("payload byte %zu: %s", i, age_strerror(r));
	}
	/* A MAC character swapped for another valid one. */
	ct[mac] = ct[mac] == 'A' ? 'B' : 'A';
	assert_int_equal(dec(ct, ctlen, NULL, (const unsigned char (*)[32])&sk,
	    1, NULL, NULL), AGE_ERR_HEADER_MAC);
	free(ct);

	/* The same over a passphrase file's header. */
	ct = enc(pt, 10, PASS, NULL, 0, &ctlen);
	hdr = payload_at(ct, ctlen);
	for (i = 0; i < hdr; i++) {
		ct[i] ^= 0x20;
		r = dec(ct, ctlen, PASS, NULL, 0, NULL, NULL);
		ct[i] ^= 0x20;
		if (r == 0)
			fail_msg("byte %zu changed, the file still opens", i);
	}
	free(ct);
}

/* Cut at every length: never a success, and the right error. */
static void
test_truncated(void **state)
{
	unsigned char	 sk[AGE_KEY_LEN], pk[AGE_KEY_LEN], *ct, *pt;
	size_t		 ctlen, i, hdr, len = 2 * AGE_CHUNK + 100;
	int		 r;

	age_identity_generate(sk);
	age_identity_public(sk, pk);
	pt = xmalloc(len);
	randombytes_buf(pt, len);
	ct = enc(pt, 100, NULL, (const unsigned char (*)[32])&pk, 1, &ctlen);
	hdr = payload_at(ct, ctlen);
	for (i = 0; i < ctlen; i++) {
		r = dec(ct, i, NULL, (const unsigned char (*)[32])&sk, 1, NULL,
		    NULL);
		if (i < hdr + 16 + 16 && r != AGE_ERR_TRUNCATED)
			fail_msg("cut at %zu: %s", i, age_strerror(r));
		if (i >= hdr + 32 && r != AGE_ERR_PAYLOAD)
			fail_msg("cut at %zu: %s", i, age_strerror(r));
	}
	free(ct);

	/* Three chunks; cut at the ends of the first two. */
	ct = enc(pt, len, NULL, (const unsigned char (*)[32])&pk, 1, &ctlen);
	hdr = payload_at(ct, ctlen) + 16;
	for (i = 1; i <= 2; i++) {
		r = dec(ct, hdr + i * (AGE_CHUNK + 16), NULL,
		    (const unsigned char (*)[32])&sk, 1, NULL, NULL);
		assert_int_equal(r, AGE_ERR_TRUNCATED);
		/* And a few bytes into the next chunk. */
		r = dec(ct, hdr + i * (AGE_CHUNK + 16) + 17, NULL,
		    (const unsigned char (*)[32])&sk, 1, NULL, NULL);
		assert_int_equal(r, AGE_ERR_PAYLOAD);
		r = dec(ct, hdr + i * (AGE_CHUNK + 16) + 5, NULL,
		    (const unsigned char (*)[32])&sk, 1, NULL, NULL);
		assert_int_equal(r, AGE_ERR_TRUNCATED);
	}
	/* Trailing bytes after the last chunk. */
	ct = xreallocarray(ct, ctlen + 20, 1);
	memset(ct + ctlen, 0, 20);
	assert_int_equal(dec(ct, ctlen + 20, NULL,
	    (const unsigned char (*)[32])&sk, 1, NULL, NULL), AGE_ERR_PAYLOAD);
	free(ct);
	free(pt);
}

/* s with the first from replaced by to; the caller frees. */
static char *
replace(const char *s, size_t len, const char *from, const char *to,
    size_t *outlen)
{
	const char	*p = memmem(s, len, from, strlen(from));
	char		*out;
	size_t		 at;

	assert_non_null(p);
	at = (size_t)(p - s);
	*outlen = len - strlen(from) + strlen(to);
	out = xmalloc(*outlen);
	memcpy(out, s, at);
	memcpy(out + at, to, strlen(to));
	memcpy(out + at + strlen(to), p + strlen(from),
	    len - at - strlen(from));
	return out;
}

static void
test_header_forms(void **state)
{
	unsigned char	 sk[AGE_KEY_LEN], pk[AGE_KEY_LEN], *ct, *x;
	char		*f, *arg, *end;
	size_t		 ctlen, xlen, flen, at;
	int		 r;

	age_identity_generate(sk);
	age_identity_public(sk, pk);
	ct = enc("hello", 5, PASS, NULL, 0, &ctlen);
	x = enc("hello", 5, NULL, (const unsigned char (*)[32])&pk, 1, &xlen);

	/* An X25519 stanza beside the scrypt one. */
	arg = strstr((char *)x, "-> X25519");
	end = strchr(strchr(arg, '\n') + 1, '\n') + 1;
	at = (size_t)((char *)memmem(ct, ctlen, "\n---", 4) + 1 -
	    (char *)ct);
	flen = ctlen + (size_t)(end - arg);
	f = xmalloc(flen);
	memcpy(f, ct, at);
	memcpy(f + at, arg, (size_t)(end - arg));
	memcpy(f + at + (end - arg), ct + at, ctlen - at);
	assert_int_equal(dec((unsigned char *)f, flen, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_SCRYPT_MIXED);
	free(f);

	/* Too much work, for the reader or for the caller. */
	{
		struct age_dkeys	 dk = { PASS, NULL, 0, 9 };
		unsigned char		*pt;
		size_t			 ptlen;

		assert_int_equal(age_decrypt(ct, ctlen, &dk, &pt, &ptlen),
		    AGE_ERR_WORK_FACTOR);
		dk.max_log2n = 10;
		assert_int_equal(age_decrypt(ct, ctlen, &dk, &pt, &ptlen), 0);
		age_plaintext_free(pt);
	}
	f = replace((char *)ct, ctlen, " 10\n", " 23\n", &flen);
	assert_int_equal(dec((unsigned char *)f, flen, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_WORK_FACTOR);
	free(f);
	f = replace((char *)ct, ctlen, " 10\n", " 010\n", &flen);
	assert_int_equal(dec((unsigned char *)f, flen, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_MALFORMED);
	free(f);

	/* Another stanza type only. */
	f = replace((char *)x, xlen, "-> X25519", "-> ssh-ed25519 Zm9v", &flen);
	r = dec((unsigned char *)f, flen, NULL,
	    (const unsigned char (*)[32])&sk, 1, NULL, NULL);
	assert_int_equal(r, AGE_ERR_UNSUPPORTED);
	free(f);

	/* Versions, armor, other files. */
	f = replace((char *)ct, ctlen, "/v1\n", "/v2\n", &flen);
	assert_int_equal(dec((unsigned char *)f, flen, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_VERSION);
	free(f);
	assert_int_equal(dec((const unsigned char *)
	    "-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n", 40, PASS, NULL, 0,
	    NULL, NULL), AGE_ERR_ARMOR);
	assert_int_equal(dec((const unsigned char *)"{\"lifeboat_vault\": 1}",
	    21, PASS, NULL, 0, NULL, NULL), AGE_ERR_NOT_AGE);
	assert_int_equal(dec((const unsigned char *)"", 0, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_TRUNCATED);

	/* A body line of 65 characters; an empty argument. */
	f = replace((char *)ct, ctlen, "\n---", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n---", &flen);
	assert_int_equal(dec((unsigned char *)f, flen, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_MALFORMED);
	free(f);
	f = replace((char *)ct, ctlen, "-> scrypt ", "-> scrypt  ", &flen);
	assert_int_equal(dec((unsigned char *)f, flen, PASS, NULL, 0, NULL,
	    NULL), AGE_ERR_MALFORMED);
	free(f);
	/* Non-canonical base64: the salt's last character changed in its
	 * padding bits ('A' and 'B' differ only there for a 16-byte salt,
	 * 22 characters, 4 bits of padding). */
	arg = strstr((char *)ct, "-> scrypt ") + 10 + 21;
	*arg = (char)(*arg ^ 0x01);
	r = dec(ct, ctlen, PASS, NULL, 0, NULL, NULL);
	assert_true(r == AGE_ERR_MALFORMED || r == AGE_ERR_PASSPHRASE);
	free(ct);
	free(x);
}

/* Files for and from the real age. */
static void
test_with_age(void **state)
{
	struct buf	 b = BUF_INIT;
	unsigned char	(*keys)[AGE_KEY_LEN], pk[AGE_KEY_LEN], *ct, *pt;
	char		 cmd[2 * PATH_MAX + 200], path[PATH_MAX + 32];
	char		 rec[AGE_RECIPIENT_STRLEN], *p;
	const char	*msg = "a message for age\n";
	size_t		 n, bad, ctlen, ptlen;
	FILE		*fp;

	if (!have_age())
		skip();
	pf(cmd, sizeof cmd, "age-keygen -o '%s/id' 2>/dev/null",
	    tmpdir);
	assert_int_equal(system(cmd), 0);
	pf(path, sizeof path, "%s/id", tmpdir);
	assert_int_equal(buf_read_file(&b, path, 1 << 16), 0);
	assert_int_equal(age_identities_parse(b.data, b.len, &keys, &n, &bad),
	    0);
	assert_int_equal(n, 1);
	/* Our public key is the one age-keygen wrote down. */
	age_identity_public(keys[0], pk);
	age_recipient_encode(pk, rec);
	assert_non_null(p = strstr(b.data, "# public key: "));
	assert_memory_equal(p + 14, rec, AGE_RECIPIENT_STRLEN - 1);
	buf_release(&b);

	/* age encrypts, we decrypt. */
	pf(cmd, sizeof cmd, "printf '%%s' '%s' | age -r %s -o '%s/a'",
	    msg, rec, tmpdir);
	assert_int_equal(system(cmd), 0);
	pf(path, sizeof path, "%s/a", tmpdir);
	assert_int_equal(buf_read_file(&b, path, 1 << 16), 0);
	assert_int_equal(dec((unsigned char *)b.data, b.len, NULL,
	    (const unsigned char (*)[32])keys, 1, &pt, &ptlen), 0);
	assert_int_equal(ptlen, strlen(msg));
	assert_memory_equal(pt, msg, ptlen);
	age_plaintext_free(pt);
	buf_release(&b);

	/* We encrypt 200 KiB, age decrypts. */
	pt = xmalloc(200 * 1024);
	randombytes_buf(pt, 200 * 1024);
	ct = enc(pt, 200 * 1024, NULL, (const unsigned char (*)[32])&pk, 1,
	    &ctlen);
	pf(path, sizeof path, "%s/b", tmpdir);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(ct, 1, ctlen, fp), ctlen);
	assert_int_equal(fclose(fp), 0);
	pf(cmd, sizeof cmd, "age -d -i '%s/id' -o '%s/b.out' '%s/b'",
	    tmpdir, tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	pf(path, sizeof path, "%s/b.out", tmpdir);
	assert_int_equal(buf_read_file(&b, path, 1 << 20), 0);
	assert_int_equal(b.len, 200 * 1024);
	assert_memory_equal(b.data, pt, b.len);
	buf_release(&b);
	free(ct);
	free(pt);
	age_plaintext_free((unsigned char *)keys);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_hkdf),
		cmocka_unit_test(test_bech32),
		cmocka_unit_test(test_identity_file),
		cmocka_unit_test(test_wrong_keys),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_forms),
		cmocka_unit_test(test_with_age),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
