/*
 * libFuzzer target for "{{ name }}" interpolation (src/quote.c).  The
 * input is a mode byte, a template up to the first NUL, and a value (the
 * rest), which every variable gets except those whose name starts with
 * 'u' (undefined).  Besides crashes, leaks and sanitizer reports, these
 * are bugs:
 *
 *   - quote_names() and quote_expand() disagree on a template's syntax
 *     or placement error, or an error has no line or column;
 *   - a failed expansion changes the output buffer;
 *   - a template expands with one value but not with a plain one (the
 *     lexer must never depend on a value);
 *   - a template with no brace does not come out as it went in;
 *   - quote_sh() of the value is not one shell word of single-quoted
 *     parts and \' that reads back as the value, or quote_ps() is not
 *     one PowerShell string literal that reads back as the value.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "quote.h"

#define OUT_MAX		(1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct value {
	const char	*p;
	size_t		 len;
};

static int
lookup(void *arg, const char *name, const char **val, size_t *len)
{
	const struct value	*v = arg;

	if (name[0] == 'u')
		return -1;
	*val = v->p;
	*len = v->len;
	return 0;
}

static void
count_name(const char *name, unsigned line, unsigned col, void *arg)
{
	if (name[0] == '\0' || line == 0 || col == 0)
		abort();
	++*(size_t *)arg;
}

/* Reads s as one sh word made of '...' parts and \' only. */
static void
check_sh_word(const char *s, size_t len, const char *v, size_t vlen)
{
	struct buf	 b = BUF_INIT;
	size_t		 i = 0;
	const char	*q;

	while (i < len) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == '\'') {
			buf_addc(&b, '\'');
			i += 2;
		} else if (s[i] == '\'') {
			q = memchr(s + i + 1, '\'', len - i - 1);
			if (q == NULL)
				abort();
			buf_add(&b, s + i + 1, (size_t)(q - s) - i - 1);
			i = (size_t)(q - s) + 1;
		} else
			abort();
	}
	if (b.len != vlen || (vlen > 0 && memcmp(b.data, v, vlen) != 0))
		abort();
	buf_release(&b);
}

static size_t
utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t	 len, k;

	len = s[0] < 0x80 ? 1 : s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		abort();
	*cp = len == 1 ? s[0] : s[0] & (0xff >> (len + 1));
	for (k = 1; k < len; k++)
		*cp = *cp << 6 | (s[k] & 0x3f);
	return len;
}

static bool
squote(uint32_t c)
{
	return c == '\'' || (c >= 0x2018 && c <= 0x201b);
}

/* Reads s as PowerShell reads a single-quoted string: all of it. */
static void
check_ps_literal(const char *s, size_t len, const char *v, size_t vlen)
{
	const unsigned char	*u = (const unsigned char *)s;
	struct buf		 b = BUF_INIT;
	size_t			 i, n, m;
	uint32_t		 c, d;

	if (len < 2 || s[0] != '\'')
		abort();
	for (i = 1; i < len; i += n) {
		n = utf8(u + i, len - i, &c);
		if (squote(c)) {
			if (i + n == len)
				break;
			m = utf8(u + i + n, len - i - n, &d);
			if (!squote(d))
				abort();	/* the literal ended early */
			i += n;
			n = m;
		}
		buf_add(&b, s + i, n);
	}
	if (i + n != len || b.len != vlen || (vlen > 0 &&
	    memcmp(b.data, v, vlen) != 0))
		abort();
	buf_release(&b);
}

/* quote_sh() and quote_ps() of the value on their own. */
static void
check_quoting(const char *v, size_t len)
{
	struct buf	 out = BUF_INIT;
	bool		 nul = len > 0 && memchr(v, '\0', len) != NULL;
	int		 r;

	buf_adds(&out, "x");
	r = quote_sh(&out, v, len);
	if (nul ? r != LB_ERR_INVALID || out.len != 1 : r != 0)
		abort();
	if (r == 0)
		check_sh_word(out.data + 1, out.len - 1, v, len);
	buf_truncate(&out, 1);
	r = quote_ps(&out, v, len);
	if (r != 0 && (r != LB_ERR_INVALID || out.len != 1))
		abort();
	if (r == 0)
		check_ps_literal(out.data + 1, out.len - 1, v, len);
	if (r == 0 && nul)
		abort();
	buf_release(&out);
}

static void
check_template(const char *tmpl, enum quote_mode mode, struct value *val)
{
	struct quote_error	 e1, e2;
	struct value		 plain = { "v", 1 };
	struct buf		 out;
	size_t			 nnames = 0;
	int			 r1, r2, r3;

	buf_init(&out, OUT_MAX, 0);
	buf_adds(&out, "prefix");
	r1 = quote_names(tmpl, mode, count_name, &nnames, &e1);
	r2 = quote_expand(tmpl, mode, lookup, val, &out, &e2);
	if (r1 != 0 && (r1 != LB_ERR_INVALID || nnames != 0 ||
	    e1.line == 0 || e1.col == 0 || r2 != r1 || e2.line != e1.line ||
	    e2.col != e1.col || strcmp(e1.msg, e2.msg) != 0))
		abort();
	if (r2 != 0 && (e2.line == 0 || e2.col == 0 || e2.msg[0] == '\0' ||
	    out.len != 6 || memcmp(out.data, "prefix", 7) != 0))
		abort();
	if (r2 == 0 && strpbrk(tmpl, "{}") == NULL &&
	    strcmp(out.data + 6, tmpl) != 0)
		abort();
	buf_reset(&out);
	r3 = quote_expand(tmpl, mode, lookup, &plain, &out, NULL);
	if (r2 == 0 && r3 != 0)
		abort();
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct value	 val;
	char		*tmpl;
	const char	*nul;
	size_t		 tlen;

	if (len == 0)
		return 0;
	nul = memchr(data + 1, '\0', len - 1);
	tlen = nul != NULL ? (size_t)(nul - (const char *)data) - 1 : len - 1;
	tmpl = malloc(tlen + 1);
	if (tmpl == NULL)
		return 0;
	memcpy(tmpl, data + 1, tlen);
	tmpl[tlen] = '\0';
	val.p = nul != NULL ? nul + 1 : "";
	val.len = nul != NULL ? len - 1 - tlen - 1 : 0;
	check_template(tmpl, (enum quote_mode)(data[0] % 3), &val);
	check_quoting(val.p, val.len);
	free(tmpl);
	return 0;
}
