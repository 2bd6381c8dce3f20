/*
 * libFuzzer target for the WinRM helpers: the input is decoded with
 * winrm_clixml_decode() and encoded with winrm_ps_command().  Any crash,
 * leak or sanitizer report is a bug, and so is (checked with abort()):
 *
 *	- an error return that changed out, or an unknown return code;
 *	- a success that changed what out held before, or appended text
 *	  that is not valid UTF-8;
 *	- a decode that succeeded without the "#< CLIXML" header;
 *	- a decode that gives another answer when out is exactly big
 *	  enough, or that succeeds when out is one byte too small;
 *	- a command line that is not the prefix and base64, or valid UTF-8
 *	  that winrm_ps_command() refuses.
 *
 * out starts with a few bytes that are not UTF-8, so that any change to
 * them shows.  The corpus is tests/fuzz/corpus/clixml.
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

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The length of the UTF-8 sequence at p (len > 0), or 0 when it is not
 * valid: cut short, a stray continuation byte, overlong, a surrogate or
 * past U+10FFFF.
 */
static size_t
utf8_seq(const unsigned char *p, size_t len)
{
	static const uint32_t	 least[] = { 0, 0x80, 0x800, 0x10000 };
	uint32_t		 cp;
	size_t			 n, i;

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
	if (cp < least[n - 1] || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static bool
utf8_valid(const unsigned char *p, size_t len)
{
	size_t	 n;

	while (len > 0) {
		if ((n = utf8_seq(p, len)) == 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

/* out must hold KEEP and nothing else. */
static void
check_kept(const struct buf *out)
{
	if (out->len != KEEP_LEN || memcmp(out->data, KEEP, KEEP_LEN) != 0 ||
	    out->data[out->len] != '\0')
		abort();
}

/* out must hold KEEP followed by valid UTF-8. */
static void
check_added(const struct buf *out)
{
	if (out->len < KEEP_LEN || memcmp(out->data, KEEP, KEEP_LEN) != 0 ||
	    out->data[out->len] != '\0')
		abort();
	if (!utf8_valid((const unsigned char *)out->data + KEEP_LEN,
	    out->len - KEEP_LEN))
		abort();
}

/* Decodes data into a buf whose maximum leaves room bytes after KEEP. */
static int
decode_in(struct buf *out, size_t room, const uint8_t *data, size_t len)
{
	buf_init(out, KEEP_LEN + room, 0);
	buf_adds(out, KEEP);
	return winrm_clixml_decode(out, (const char *)data, len);
}

static void
fuzz_clixml(const uint8_t *data, size_t len)
{
	struct buf	 out, small;
	size_t		 n;
	int		 r;

	r = decode_in(&out, BUF_DEFAULT_MAX - KEEP_LEN, data, len);
	if (r == LB_ERR_FORMAT) {
		check_kept(&out);
		buf_release(&out);
		return;
	}
	if (r != 0 || len < 9 || memcmp(data, "#< CLIXML", 9) != 0)
		abort();
	check_added(&out);

	/* Exactly enough room: the same text. */
	n = out.len - KEEP_LEN;
	if (decode_in(&small, n, data, len) != 0 || small.len != out.len ||
	    memcmp(small.data, out.data, out.len) != 0)
		abort();
	buf_release(&small);
	/* One byte short: an error, and out as it was. */
	if (n > 0) {
		if (decode_in(&small, n - 1, data, len) != LB_ERR_FORMAT)
			abort();
		check_kept(&small);
		buf_release(&small);
	}
	buf_release(&out);
}

static void
fuzz_ps(const uint8_t *data, size_t len)
{
	static const char	 b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=";
	struct buf		 out = BUF_INIT;
	const char		*e;
	int			 r;

	buf_adds(&out, KEEP);
	r = winrm_ps_command(&out, (const char *)data, len);
	if (r == LB_ERR_INVALID) {
		if (utf8_valid(data, len))
			abort();
		check_kept(&out);
		buf_release(&out);
		return;
	}
	if (r != 0)
		abort();
	check_added(&out);
	if (out.len < KEEP_LEN + PS_LEN ||
	    memcmp(out.data + KEEP_LEN, PS, PS_LEN) != 0)
		abort();
	e = out.data + KEEP_LEN + PS_LEN;
	if (strspn(e, b64) != strlen(e) || strlen(e) % 4 != 0 ||
	    out.data + out.len != e + strlen(e))
		abort();
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	fuzz_clixml(data, len);
	fuzz_ps(data, len);
	return 0;
}
