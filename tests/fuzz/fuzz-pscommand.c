/*
 * libFuzzer target for winrm_ps_command(): the input is the script.  The
 * answer is checked against an independent reading of the input (checked
 * with abort()):
 *
 *	- valid UTF-8 must be accepted, and the base64 after the prefix
 *	  must decode to UTF-16LE that gives back the input exactly;
 *	- invalid UTF-8 must be refused with LB_ERR_INVALID, out unchanged;
 *	- with out one byte too small the answer is LB_ERR_LIMIT, and with
 *	  out exactly big enough the same command.
 *
 * Overlong forms count as invalid.  The corpus is
 * tests/fuzz/corpus/pscommand.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "transport-winrm.h"

#define KEEP	"\xffkeep\x80"
#define KEEP_LEN	(sizeof(KEEP) - 1)
#define PS	"powershell -NoProfile -NonInteractive -EncodedCommand "
#define PS_LEN	(sizeof(PS) - 1)

enum utf8_class {
	UTF8_OK,
	UTF8_BAD,	/* cut short, stray byte, surrogate, past U+10FFFF */
	UTF8_OVERLONG,	/* only overlong forms wrong */
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The length of the UTF-8 sequence at p (len > 0), or 0 when it cannot
 * be read: cut short, a stray continuation byte, a surrogate or past
 * U+10FFFF.  *overlong tells whether a shorter form exists.
 */
static size_t
utf8_seq(const unsigned char *p, size_t len, bool *overlong)
{
	static const uint32_t	 least[] = { 0, 0x80, 0x800, 0x10000 };
	uint32_t		 cp;
	size_t			 n, i;

	*overlong = false;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	cp = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*overlong = cp < least[n - 1];
	return n;
}

static enum utf8_class
utf8_class(const unsigned char *p, size_t len)
{
	enum utf8_class	 c = UTF8_OK;
	bool		 overlong;
	size_t		 n;

	while (len > 0) {
		if ((n = utf8_seq(p, len, &overlong)) == 0)
			return UTF8_BAD;
		if (overlong)
			c = UTF8_OVERLONG;
		p += n;
		len -= n;
	}
	return c;
}

static int
b64_value(char ch)
{
	static const char	 set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;

	if (ch == '\0' || (p = strchr(set, ch)) == NULL)
		return -1;
	return (int)(p - set);
}

/* Decodes padded base64 s into out; false when s is not that. */
static bool
b64_decode(struct buf *out, const char *s, size_t len)
{
	uint32_t	 v;
	size_t		 i, j, pad;
	int		 d;

	if (len % 4 != 0)
		return false;
	for (i = 0; i < len; i += 4) {
		pad = 0;
		v = 0;
		for (j = 0; j < 4; j++) {
			/* '=' only at the end, and only after a pair. */
			if (s[i + j] == '=' && i + 4 == len && j >= 2)
				pad++;
			else if (pad > 0)
				return false;
			d = pad > 0 ? 0 : b64_value(s[i + j]);
			if (d < 0)
				return false;
			v = v << 6 | (uint32_t)d;
		}
		buf_addc(out, (char)(v >> 16));
		if (pad < 2)
			buf_addc(out, (char)(v >> 8 & 0xff));
		if (pad < 1)
			buf_addc(out, (char)(v & 0xff));
	}
	return true;
}

static void
put_utf8(struct buf *out, uint32_t cp)
{
	if (cp < 0x80)
		buf_addc(out, (char)cp);
	else if (cp < 0x800) {
		buf_addc(out, (char)(0xc0 | cp >> 6));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_addc(out, (char)(0xe0 | cp >> 12));
		buf_addc(out, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_addc(out, (char)(0xf0 | cp >> 18));
		buf_addc(out, (char)(0x80 | (cp >> 12 & 0x3f)));
		buf_addc(out, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_addc(out, (char)(0x80 | (cp & 0x3f)));
	}
}

/* UTF-16LE to UTF-8; false on an odd length or a lone surrogate. */
static bool
utf16le_to_utf8(struct buf *out, const unsigned char *p, size_t len)
{
	uint32_t	 u, lo;
	size_t		 i;

	if (len % 2 != 0)
		return false;
	for (i = 0; i < len; i += 2) {
		u = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8;
		if (u >= 0xdc00 && u <= 0xdfff)
			return false;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (i + 3 >= len)
				return false;
			lo = (uint32_t)p[i + 2] | (uint32_t)p[i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return false;
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		put_utf8(out, u);
	}
	return true;
}

/* out holds KEEP and a command whose script must be data. */
static void
check_round_trip(const struct buf *out, const uint8_t *data, size_t len)
{
	struct buf	 u16 = BUF_INIT, u8 = BUF_INIT;
	size_t		 skip = KEEP_LEN + PS_LEN;

	if (out->len < skip || memcmp(out->data, KEEP, KEEP_LEN) != 0 ||
	    memcmp(out->data + KEEP_LEN, PS, PS_LEN) != 0)
		abort();
	if (!b64_decode(&u16, out->data + skip, out->len - skip))
		abort();
	if (!utf16le_to_utf8(&u8, (const unsigned char *)buf_str(&u16),
	    u16.len))
		abort();
	if (u8.len != len || (len > 0 && memcmp(u8.data, data, len) != 0))
		abort();
	buf_release(&u16);
	buf_release(&u8);
}

/* With out one byte too small, then exactly big enough. */
static void
check_limit(const struct buf *full, const uint8_t *data, size_t len)
{
	struct buf	 b;

	buf_init(&b, full->len - 1, 0);
	buf_adds(&b, KEEP);
	if (winrm_ps_command(&b, (const char *)data, len) != LB_ERR_LIMIT)
		abort();
	if (b.len < KEEP_LEN || memcmp(b.data, KEEP, KEEP_LEN) != 0)
		abort();
	if (b.len != KEEP_LEN)
		abort();
	buf_release(&b);

	buf_init(&b, full->len, 0);
	buf_adds(&b, KEEP);
	if (winrm_ps_command(&b, (const char *)data, len) != 0 ||
	    b.len != full->len || memcmp(b.data, full->data, b.len) != 0)
		abort();
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	 out = BUF_INIT;
	enum utf8_class	 c;
	int		 r;

	c = utf8_class(data, len);
	buf_adds(&out, KEEP);
	r = winrm_ps_command(&out, (const char *)data, len);
	if (c != UTF8_OK) {
		if (r != LB_ERR_INVALID || out.len != KEEP_LEN ||
		    memcmp(out.data, KEEP, KEEP_LEN) != 0)
			abort();
	} else {
		if (r != 0)
			abort();
		check_round_trip(&out, data, len);
		check_limit(&out, data, len);
	}
	buf_release(&out);
	return 0;
}
