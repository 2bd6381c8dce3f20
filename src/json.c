/*
 * Streaming JSON writer (see json.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "json.h"

#define JSON_FLUSH_AT	(64 * 1024)

void
json_init(struct json *j, FILE *fp)
{
	memset(j, 0, sizeof *j);
	j->fp = fp;
	buf_init(&j->out, 0, 0);
}

static void
json_flush(struct json *j)
{
	if (j->fp == NULL || j->out.len == 0)
		return;
	if (fwrite(j->out.data, 1, j->out.len, j->fp) != j->out.len &&
	    j->error == 0)
		j->error = LB_ERR_SYSTEM;
	buf_reset(&j->out);
}

int
json_finish(struct json *j)
{
	json_flush(j);
	if (j->fp != NULL && fflush(j->fp) != 0 && j->error == 0)
		j->error = LB_ERR_SYSTEM;
	return j->error;
}

void
json_release(struct json *j)
{
	buf_release(&j->out);
}

static void
emit(struct json *j, const char *s, size_t n)
{
	if (buf_add(&j->out, s, n) != 0 && j->error == 0)
		j->error = LB_ERR_LIMIT;
	if (j->out.len >= JSON_FLUSH_AT)
		json_flush(j);
}

/* The separator before a value: a comma unless first in its container. */
static void
sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->depth <= JSON_MAX_DEPTH) {
		if (!j->first[j->depth - 1])
			emit(j, ",", 1);
		j->first[j->depth - 1] = false;
	}
}

static void
open_(struct json *j, const char *c)
{
	sep(j);
	emit(j, c, 1);
	if (j->depth < JSON_MAX_DEPTH)
		j->first[j->depth] = true;
	else if (j->error == 0)
		j->error = LB_ERR_LIMIT;
	j->depth++;
}

static void
close_(struct json *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	emit(j, c, 1);
}

void
json_obj_begin(struct json *j)
{
	open_(j, "{");
}

void
json_obj_end(struct json *j)
{
	close_(j, "}");
}

void
json_arr_begin(struct json *j)
{
	open_(j, "[");
}

void
json_arr_end(struct json *j)
{
	close_(j, "]");
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not valid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t		 len, i;
	unsigned	 cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
json_escape(struct buf *b, const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, run, l;
	char			 esc[8];
	int			 r = 0;

	r |= buf_addc(b, '"');
	while (i < n) {
		/* Copy runs of characters that need no escape at once. */
		for (run = i; run < n && s[run] >= 0x20 && s[run] < 0x80 &&
		    s[run] != '"' && s[run] != '\\'; run++)
			;
		if (run > i)
			r |= buf_add(b, s + i, run - i);
		if ((i = run) >= n)
			break;
		switch (s[i]) {
		case '"':
			r |= buf_add(b, "\\\"", 2);
			break;
		case '\\':
			r |= buf_add(b, "\\\\", 2);
			break;
		case '\n':
			r |= buf_add(b, "\\n", 2);
			break;
		case '\r':
			r |= buf_add(b, "\\r", 2);
			break;
		case '\t':
			r |= buf_add(b, "\\t", 2);
			break;
		default:
			if (s[i] < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", s[i]);
				r |= buf_add(b, esc, 6);
				break;
			}
			if ((l = utf8_len(s + i, n - i)) == 0) {
				r |= buf_add(b, "\\ufffd", 6);
				break;
			}
			r |= buf_add(b, s + i, l);
			i += l;
			continue;
		}
		i++;
	}
	r |= buf_addc(b, '"');
	return r ? LB_ERR_LIMIT : 0;
}

void
json_key(struct json *j, const char *k)
{
	sep(j);
	if (json_escape(&j->out, k, strlen(k)) != 0 && j->error == 0)
		j->error = LB_ERR_LIMIT;
	emit(j, ":", 1);
	j->after_key = true;
}

void
json_strn(struct json *j, const char *s, size_t n)
{
	sep(j);
	if (json_escape(&j->out, s, n) != 0 && j->error == 0)
		j->error = LB_ERR_LIMIT;
	if (j->out.len >= JSON_FLUSH_AT)
		json_flush(j);
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_strn(j, s, strlen(s));
}

void
json_int(struct json *j, int64_t v)
{
	char	 tmp[32];
	int	 n;

	sep(j);
	n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
	emit(j, tmp, (size_t)n);
}

void
json_double(struct json *j, double v)
{
	char	 tmp[64];
	int	 n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	sep(j);
	n = snprintf(tmp, sizeof tmp, "%.15g", v);
	emit(j, tmp, (size_t)n);
}

void
json_bool(struct json *j, bool v)
{
	sep(j);
	emit(j, v ? "true" : "false", v ? 4 : 5);
}

void
json_raw(struct json *j, const char *s, size_t n)
{
	sep(j);
	emit(j, s, n);
}

void
json_null(struct json *j)
{
	sep(j);
	emit(j, "null", 4);
}

void
json_kv_str(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_str(j, v);
}

void
json_kv_int(struct json *j, const char *k, int64_t v)
{
	json_key(j, k);
	json_int(j, v);
}

void
json_kv_bool(struct json *j, const char *k, bool v)
{
	json_key(j, k);
	json_bool(j, v);
}
