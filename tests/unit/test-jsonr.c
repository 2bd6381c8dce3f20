/*
 * Unit tests for the strict JSON reader (src/jsonr.c): values of every
 * type, nesting and its limit, numbers at the edges of int64_t and of a
 * double, strings with every escape, surrogate pairs, raw UTF-8 and
 * "\u0000", the lookups, a table of invalid documents with the line,
 * column and message of each error, and round trips through the writer
 * of src/json.c (its escapes, raw C1 controls, and the U+FFFD it puts in
 * place of invalid UTF-8).  Every input is copied into a buffer of its
 * exact size first, so that the sanitizer build catches a read past len.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <locale.h>
#include <math.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "json.h"
#include "jsonr.h"
#include "xmalloc.h"

static struct arena	*arena;

static int
setup(void **state)
{
	(void)state;
	arena = arena_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(arena);
	arena = NULL;
	return 0;
}

/* Parses s[0..n) from a copy of exactly n bytes; returns the code. */
static int
parse_n(const char *s, size_t n, struct jv **out, struct jsonr_error *err)
{
	char	*copy;
	int	 r;

	copy = xmalloc(n != 0 ? n : 1);
	memcpy(copy, s, n);
	r = jsonr_parse(arena, copy, n, out, err);
	free(copy);
	return r;
}

/* s must parse; returns the root. */
static struct jv *
ok_n(const char *s, size_t n)
{
	struct jsonr_error	 err;
	struct jv		*v = NULL;

	if (parse_n(s, n, &v, &err) != 0)
		fail_msg("'%.*s': %zu:%zu: %s", (int)n, s, err.line, err.col,
		    err.msg);
	assert_non_null(v);
	assert_int_equal(err.line, 0);
	assert_string_equal(err.msg, "");
	return v;
}

#define OK(s)	ok_n((s), sizeof (s) - 1)

static void
assert_str(const struct jv *v, const char *want, size_t len)
{
	assert_non_null(v);
	assert_int_equal(v->type, JV_STR);
	assert_int_equal(v->len, len);
	assert_memory_equal(v->s, want, len);
	assert_int_equal(v->s[len], '\0');
}

#define STR(in, want)	assert_str(OK(in), (want), sizeof (want) - 1)

static void
test_scalars(void **state)
{
	struct jv	*v;

	(void)state;
	v = OK("null");
	assert_int_equal(v->type, JV_NULL);
	v = OK(" \t\r\ntrue\n");
	assert_int_equal(v->type, JV_BOOL);
	assert_true(v->b);
	v = OK("false");
	assert_int_equal(v->type, JV_BOOL);
	assert_false(v->b);
	v = OK("42");
	assert_int_equal(v->type, JV_NUM);
	assert_true(v->is_int);
	assert_int_equal(v->i, 42);
	assert_true(v->d == 42.0);
	STR("\"\"", "");
	STR("  \"hello, world\"  ", "hello, world");
	/* A journal line with its line end. */
	v = OK("{\"seq\":1}\r\n");
	assert_int_equal(jv_int(v, "seq", 0), 1);
}

/* s must parse to a number: an int i when is_int, and the double d. */
static void
assert_num(const char *s, bool is_int, int64_t i, double d)
{
	struct jv	*v = ok_n(s, strlen(s));

	assert_int_equal(v->type, JV_NUM);
	if (v->is_int != is_int)
		fail_msg("'%s': is_int %d", s, v->is_int);
	if (is_int)
		assert_true(v->i == i);
	if (v->d != d)
		fail_msg("'%s': %.17g, not %.17g", s, v->d, d);
}

static void
test_numbers(void **state)
{
	struct jv	*v;

	(void)state;
	assert_num("0", true, 0, 0.0);
	assert_num("-0", true, 0, 0.0);
	assert_true(signbit(OK("-0")->d));
	assert_num("7", true, 7, 7.0);
	assert_num("-123", true, -123, -123.0);
	assert_num("1.5", false, 0, 1.5);
	assert_num("-0.25", false, 0, -0.25);
	assert_num("1.0", false, 0, 1.0);
	assert_num("1e2", false, 0, 100.0);
	assert_num("1E+2", false, 0, 100.0);
	assert_num("25e-2", false, 0, 0.25);
	assert_num("0.1", false, 0, 0.1);
	assert_num("1.7976931348623157e308", false, 0, 1.7976931348623157e308);
	/* Underflow is not an error: the value is just that small. */
	assert_num("1e-400", false, 0, 0.0);
	/* The edges of int64_t, and one past them. */
	assert_num("9223372036854775807", true, INT64_MAX,
	    9223372036854775807.0);
	assert_num("-9223372036854775808", true, INT64_MIN,
	    -9223372036854775808.0);
	assert_num("9223372036854775808", false, 0, 9223372036854775808.0);
	assert_num("-9223372036854775809", false, 0, -9223372036854775808.0);
	assert_num("18446744073709551616", false, 0, 18446744073709551616.0);
	assert_num("100000000000000000000000000000", false, 0, 1e29);
	/* A number longer than the reader's stack buffer. */
	assert_num("0.00000000000000000000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000000001", false, 0, 1e-98);
	v = OK("[1,-1,2.5]");
	assert_int_equal(v->len, 3);
	assert_int_equal(v->v[1]->i, -1);
	assert_true(v->v[2]->d == 2.5);
}

static void
test_strings(void **state)
{
	(void)state;
	STR("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t");
	STR("\"\\u0041\\u00e9\\u00E9\\u20ac\"",
	    "A\xc3\xa9\xc3\xa9\xe2\x82\xac");
	STR("\"\\u07ff\\u0800\\uffff\\ufffd\"",
	    "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xef\xbf\xbd");
	/* Astral: a surrogate pair, and the same as raw UTF-8. */
	STR("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80");
	STR("\"\\uD83D\\uDE00!\"", "\xf0\x9f\x98\x80!");
	STR("\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80");
	STR("\"\\ud800\\udc00\\udbff\\udfff\"",
	    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
	STR("\"\xf4\x8f\xbf\xbf \xc2\x80 \xed\x9f\xbf \xee\x80\x80\"",
	    "\xf4\x8f\xbf\xbf \xc2\x80 \xed\x9f\xbf \xee\x80\x80");
	/* NUL is allowed in a value; len counts it. */
	STR("\"\\u0000\"", "\0");
	STR("\"a\\u0000b\\u0000\"", "a\0b\0");
	/* DEL needs no escape. */
	STR("\"\x7f\"", "\x7f");
	STR("\"caf\xc3\xa9\"", "caf\xc3\xa9");
}

static void
test_nested(void **state)
{
	struct jv	*v, *a;

	(void)state;
	v = OK("{\"name\":\"ams-web01\",\"port\":22,\"tags\":[\"a\",[],{}],"
	    "\"ok\":true,\"none\":null,\"sub\":{\"x\":{\"y\":[1,[2,[3]]]}},"
	    "\"ratio\":0.5,\"big\":1e30}");
	assert_int_equal(v->type, JV_OBJ);
	assert_int_equal(v->len, 8);
	/* Key order is kept. */
	assert_string_equal(v->keys[0], "name");
	assert_string_equal(v->keys[1], "port");
	assert_string_equal(v->keys[7], "big");
	assert_string_equal(jv_str(v, "name"), "ams-web01");
	assert_int_equal(jv_int(v, "port", -1), 22);
	assert_true(jv_bool(v, "ok", false));
	a = v->v[2];
	assert_int_equal(a->type, JV_ARR);
	assert_int_equal(a->len, 3);
	assert_int_equal(a->v[1]->type, JV_ARR);
	assert_int_equal(a->v[1]->len, 0);
	assert_int_equal(a->v[2]->type, JV_OBJ);
	assert_int_equal(a->v[2]->len, 0);
	a = (struct jv *)jv_get(jv_get(jv_get(v, "sub"), "x"), "y");
	assert_non_null(a);
	assert_int_equal(a->v[1]->v[1]->v[0]->i, 3);
	assert_int_equal(jv_get(v, "none")->type, JV_NULL);
	/* Absent, or of another type: the default. */
	assert_null(jv_get(v, "nope"));
	assert_null(jv_str(v, "port"));
	assert_null(jv_str(v, "nope"));
	assert_int_equal(jv_int(v, "name", -1), -1);
	assert_int_equal(jv_int(v, "ratio", -1), -1);
	assert_int_equal(jv_int(v, "big", -1), -1);
	assert_int_equal(jv_int(v, "nope", 7), 7);
	assert_false(jv_bool(v, "none", false));
	assert_true(jv_bool(v, "port", true));
	/* Not an object. */
	assert_null(jv_get(NULL, "x"));
	assert_null(jv_get(v->v[2], "x"));
	assert_null(jv_str(NULL, "x"));
	assert_int_equal(jv_int(NULL, "x", 5), 5);
	assert_true(jv_bool(NULL, "x", true));
	/* Whitespace wherever the grammar allows it. */
	v = OK(" {\t\"a\" :\r\n[ 1 , { } , [ ] ] , \"b\" : \"c\" } ");
	assert_int_equal(v->len, 2);
	assert_int_equal(jv_get(v, "a")->len, 3);
	assert_string_equal(jv_str(v, "b"), "c");
	/* Keys are decoded. */
	v = OK("{\"a\\nb\":1,\"\\u00e9\":2,\"\":3}");
	assert_int_equal(jv_int(v, "a\nb", 0), 1);
	assert_int_equal(jv_int(v, "\xc3\xa9", 0), 2);
	assert_int_equal(jv_int(v, "", 0), 3);
}

/* An invalid document, and where and what its error is. */
struct bad {
	const char	*in;
	size_t		 len;
	size_t		 line, col;
	const char	*msg;
};

#define BAD(s, l, c, m)	{ (s), sizeof (s) - 1, (l), (c), (m) }

static const struct bad bad[] = {
	BAD("", 1, 1, "unexpected end of input"),
	BAD("  \n ", 2, 2, "unexpected end of input"),
	BAD("nul", 1, 4, "unexpected end of input"),
	BAD("nulL", 1, 4, "unexpected 'L'"),
	BAD("True", 1, 1, "unexpected 'T'"),
	BAD("'a'", 1, 1, "unexpected byte 0x27"),
	BAD("\xef\xbb\xbf{}", 1, 1, "unexpected byte 0xef"),
	BAD("[", 1, 2, "unexpected end of input"),
	BAD("[1,2", 1, 5, "unexpected end of input"),
	BAD("[1,]", 1, 4, "unexpected ']'"),
	BAD("[1 2]", 1, 4, "unexpected '2'"),
	BAD("[,1]", 1, 2, "unexpected ','"),
	BAD("{a:1}", 1, 2, "unexpected 'a'"),
	BAD("{\"a\" 1}", 1, 6, "unexpected '1'"),
	BAD("{\"a\":1,}", 1, 8, "unexpected '}'"),
	BAD("{\"a\":1 \"b\":2}", 1, 8, "unexpected '\"'"),
	BAD("{\"a\":", 1, 6, "unexpected end of input"),
	BAD("{\"a\":1]", 1, 7, "unexpected ']'"),
	BAD("01", 1, 2, "leading zero in a number"),
	BAD("-012", 1, 3, "leading zero in a number"),
	BAD("-", 1, 2, "unexpected end of input"),
	BAD("+1", 1, 1, "unexpected '+'"),
	BAD(".5", 1, 1, "unexpected '.'"),
	BAD("1.", 1, 3, "unexpected end of input"),
	BAD("1.e5", 1, 3, "unexpected 'e'"),
	BAD("1e", 1, 3, "unexpected end of input"),
	BAD("1e+", 1, 4, "unexpected end of input"),
	BAD("0x10", 1, 2, "trailing characters after the value"),
	BAD("NaN", 1, 1, "unexpected 'N'"),
	BAD("-Infinity", 1, 2, "unexpected 'I'"),
	BAD("1e400", 1, 1, "number out of range"),
	BAD("[0, -1e400]", 1, 5, "number out of range"),
	BAD("\"abc", 1, 1, "unterminated string"),
	BAD("[\"a\\", 1, 2, "unterminated string"),
	BAD("\"\\u12", 1, 1, "unterminated string"),
	BAD("\"\\x\"", 1, 3, "invalid escape character 'x'"),
	BAD("\"\\U0041\"", 1, 3, "invalid escape character 'U'"),
	BAD("\"\\u12G4\"", 1, 6, "invalid \\u escape: 'G' is no hex digit"),
	BAD("\"\\u00e\"", 1, 7, "invalid \\u escape"),
	BAD("\"\\ud800\"", 1, 2, "lone surrogate \\ud800"),
	BAD("\"\\uDC00\"", 1, 2, "lone surrogate \\udc00"),
	BAD("\"\\ud800\\u0041\"", 1, 2, "lone surrogate \\ud800"),
	BAD("\"\\ud800\\ud800\"", 1, 2, "lone surrogate \\ud800"),
	BAD("\"\\ud83d\\ude00\\ud83d\"", 1, 14, "lone surrogate \\ud83d"),
	BAD("\"a\tb\"", 1, 3, "unescaped control character 0x09 in a string"),
	BAD("\"a\nb\"", 1, 3, "unescaped control character 0x0a"),
	BAD("\"a\0b\"", 1, 3, "unescaped control character 0x00"),
	BAD("\"\xff\"", 1, 2, "invalid UTF-8"),
	BAD("\"\x80\"", 1, 2, "invalid UTF-8"),
	BAD("\"\xc0\xaf\"", 1, 2, "invalid UTF-8"),
	BAD("\"\xc1\xbf\"", 1, 2, "invalid UTF-8"),
	BAD("\"\xe0\x80\xaf\"", 1, 3, "invalid UTF-8"),
	BAD("\"\xed\xa0\x80\"", 1, 3, "invalid UTF-8"),
	BAD("\"\xf0\x80\x80\xaf\"", 1, 3, "invalid UTF-8"),
	BAD("\"\xf4\x90\x80\x80\"", 1, 3, "invalid UTF-8"),
	BAD("\"\xf5\x80\x80\x80\"", 1, 2, "invalid UTF-8"),
	BAD("\"\xc3(\"", 1, 3, "invalid UTF-8"),
	BAD("\"ok \xe2\x82\"", 1, 7, "invalid UTF-8"),
	BAD("\"\xf0\x9f\x98", 1, 1, "unterminated string"),
	BAD("{\"a\":1,\"a\":2}", 1, 8, "duplicate key \"a\""),
	BAD("{\"a\\\"b\":1,\"a\\u0022b\":2}", 1, 11,
	    "duplicate key \"a\\\"b\""),
	BAD("{\"x\":{\"a\":1},\"y\":{\"a\":2,\"b\":3,\"a\":4}}", 1, 31,
	    "duplicate key \"a\""),
	BAD("{\"a\\u0000b\":1}", 1, 4, "\\u0000 in a key"),
	BAD("[1] x", 1, 5, "trailing characters after the value"),
	BAD("1 2", 1, 3, "trailing characters after the value"),
	BAD("{}\n{}", 2, 1, "trailing characters after the value"),
	BAD("[1]\0", 1, 4, "trailing characters after the value"),
	BAD("[\n1,\n\n  x]", 4, 3, "unexpected 'x'"),
	BAD("{\"a\":\n  \"b\n\"}", 2, 5, "unescaped control character 0x0a"),
};

static void
test_invalid(void **state)
{
	static struct jv	 sentinel;
	struct jsonr_error	 err;
	struct jv		*v;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		v = &sentinel;
		if (parse_n(bad[i].in, bad[i].len, &v, &err) != LB_ERR_INVALID)
			fail_msg("bad[%zu] '%.*s' parsed", i, (int)bad[i].len,
			    bad[i].in);
		assert_null(v);
		if (err.line != bad[i].line || err.col != bad[i].col ||
		    strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("bad[%zu] '%.*s': %zu:%zu: %s; want "
			    "%zu:%zu: %s", i, (int)bad[i].len, bad[i].in,
			    err.line, err.col, err.msg, bad[i].line,
			    bad[i].col, bad[i].msg);
	}
	/* err may be NULL. */
	assert_int_equal(jsonr_parse(arena, "[", 1, &v, NULL),
	    LB_ERR_INVALID);
	assert_null(v);
	assert_int_equal(jsonr_parse(arena, NULL, 0, &v, &err),
	    LB_ERR_INVALID);
	assert_string_equal(err.msg, "unexpected end of input");
}

/* n arrays or objects nested; the innermost holds a 1. */
static char *
nest(int n, bool obj)
{
	struct buf	 b = BUF_INIT;
	int		 i;

	for (i = 0; i < n; i++)
		buf_adds(&b, obj ? "{\"k\":" : "[");
	buf_adds(&b, "1");
	for (i = 0; i < n; i++)
		buf_adds(&b, obj ? "}" : "]");
	return buf_detach(&b, NULL);
}

static void
test_depth(void **state)
{
	struct jsonr_error	 err;
	struct jv		*v;
	char			*s;
	int			 i;

	(void)state;
	s = nest(JSONR_MAX_DEPTH, false);
	v = ok_n(s, strlen(s));
	for (i = 0; i < JSONR_MAX_DEPTH; i++) {
		assert_int_equal(v->type, JV_ARR);
		v = v->v[0];
	}
	assert_int_equal(v->i, 1);
	free(s);
	s = nest(JSONR_MAX_DEPTH, true);
	(void)ok_n(s, strlen(s));
	free(s);
	s = nest(JSONR_MAX_DEPTH + 1, false);
	assert_int_equal(parse_n(s, strlen(s), &v, &err), LB_ERR_INVALID);
	assert_int_equal(err.col, JSONR_MAX_DEPTH + 1);
	assert_string_equal(err.msg, "nesting deeper than 64");
	free(s);
	s = nest(JSONR_MAX_DEPTH + 1, true);
	assert_int_equal(parse_n(s, strlen(s), &v, &err), LB_ERR_INVALID);
	assert_int_equal(err.col, 5 * JSONR_MAX_DEPTH + 1);
	assert_string_equal(err.msg, "nesting deeper than 64");
	free(s);
	/* Far deeper: refused at the limit, without recursing further. */
	s = nest(100000, false);
	assert_int_equal(parse_n(s, strlen(s), &v, &err), LB_ERR_INVALID);
	assert_int_equal(err.col, JSONR_MAX_DEPTH + 1);
	free(s);
}

static void
test_large(void **state)
{
	struct jsonr_error	 err;
	struct buf		 b = BUF_INIT;
	struct jv		*v;
	char			 key[32];
	size_t			 i, n = 5000;

	(void)state;
	/* Many keys: past the point where duplicates are found by hash. */
	buf_adds(&b, "{");
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s\"k%zu\":%zu", i ? "," : "", i, i);
	buf_adds(&b, "}");
	v = ok_n(b.data, b.len);
	assert_int_equal(v->len, n);
	for (i = 0; i < n; i += 499) {
		snprintf(key, sizeof key, "k%zu", i);
		assert_string_equal(v->keys[i], key);
		assert_int_equal(jv_int(v, key, -1), (int64_t)i);
	}
	/* The same with one key twice, far apart. */
	buf_truncate(&b, b.len - 1);
	i = b.len + 2;
	buf_adds(&b, ",\"k17\":0}");
	assert_int_equal(parse_n(b.data, b.len, &v, &err), LB_ERR_INVALID);
	assert_int_equal(err.col, i);
	assert_string_equal(err.msg, "duplicate key \"k17\"");
	/* A long array. */
	buf_reset(&b);
	buf_adds(&b, "[");
	for (i = 0; i < n; i++)
		buf_addf(&b, "%s\"%zu\"", i ? "," : "", i);
	buf_adds(&b, "]");
	v = ok_n(b.data, b.len);
	assert_int_equal(v->len, n);
	assert_string_equal(v->v[n - 1]->s, "4999");
	buf_release(&b);
}

static void
test_long_key_message(void **state)
{
	struct jsonr_error	 err;
	struct buf		 b = BUF_INIT;
	struct jv		*v;
	size_t			 i;

	(void)state;
	/* A long duplicate key is cut at a character boundary. */
	buf_adds(&b, "{\"");
	for (i = 0; i < 200; i++)
		buf_adds(&b, "\xc3\xa9");
	buf_adds(&b, "\":1,\"");
	for (i = 0; i < 200; i++)
		buf_adds(&b, "\\u00e9");
	buf_adds(&b, "\":2}");
	assert_int_equal(parse_n(b.data, b.len, &v, &err), LB_ERR_INVALID);
	assert_true(strncmp(err.msg, "duplicate key \"\xc3\xa9", 17) == 0);
	assert_non_null(strstr(err.msg, "\xc3\xa9...\""));
	assert_true(strlen(err.msg) < sizeof err.msg);
	buf_release(&b);
}

/* json_escape() of s[0..n) must parse back to want[0..wn). */
static void
roundtrip(const char *s, size_t n, const char *want, size_t wn)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(json_escape(&b, s, n), 0);
	assert_str(ok_n(b.data, b.len), want, wn);
	buf_release(&b);
}

#define RT(s, want)	roundtrip((s), sizeof (s) - 1, (want), \
			    sizeof (want) - 1)
#define RT_SAME(s)	RT((s), (s))

static void
test_roundtrip_escape(void **state)
{
	char	 all[128], c1[64];
	size_t	 i;

	(void)state;
	/* Every ASCII byte, NUL and DEL included. */
	for (i = 0; i < 128; i++)
		all[i] = (char)i;
	roundtrip(all, 128, all, 128);
	/* The C1 controls U+0080..U+009F, written raw. */
	for (i = 0; i < 32; i++) {
		c1[2 * i] = '\xc2';
		c1[2 * i + 1] = (char)(0x80 + i);
	}
	roundtrip(c1, 64, c1, 64);
	RT_SAME("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf");
	RT_SAME("\xef\xbf\xbe\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80");
	RT_SAME("say \"hi\"\\ \x7f/");
	/* Invalid UTF-8 comes back as U+FFFD, one per byte json.c drops. */
	RT("\xff", "\xef\xbf\xbd");
	RT("a\xc3(", "a\xef\xbf\xbd(");
	RT("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	RT("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd");
	RT("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	RT("\xf4\x90\x80\x80x",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
}

/* Every byte string json_escape() keeps as it is, jsonr reads back. */
static void
check_agree(const unsigned char *s, size_t n)
{
	struct jsonr_error	 err;
	struct buf		 b = BUF_INIT;
	struct jv		*v;
	struct arena_mark	 m;
	char			 doc[8];
	int			 rc;
	bool			 kept;

	arena_mark(arena, &m);
	assert_int_equal(json_escape(&b, (const char *)s, n), 0);
	kept = b.len == n + 2 && memcmp(b.data + 1, s, n) == 0;
	buf_release(&b);
	doc[0] = '"';
	memcpy(doc + 1, s, n);
	doc[n + 1] = '"';
	rc = parse_n(doc, n + 2, &v, &err);
	if ((rc == 0) != kept)
		fail_msg("%02x %02x %02x: jsonr %d, json.c keeps %d", s[0],
		    n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, rc, kept);
	arena_rewind(arena, &m);
}

static void
test_utf8_agrees(void **state)
{
	unsigned char	 s[4];
	unsigned	 a, b, c;

	(void)state;
	/* Two bytes exhaustively, three for every lead from 0xe0. */
	for (a = 0x80; a < 0x100; a++) {
		for (b = 0x20; b < 0x100; b++) {
			s[0] = a;
			s[1] = b;
			if (b != '"' && b != '\\')
				check_agree(s, 2);
		}
	}
	for (a = 0xe0; a < 0xf8; a++) {
		for (b = 0x80; b < 0xc0; b++) {
			for (c = 0x80; c < 0xc0; c++) {
				s[0] = a;
				s[1] = b;
				s[2] = c;
				check_agree(s, 3);
			}
		}
	}
}

static void
test_roundtrip_writer(void **state)
{
	struct json	 j;
	struct jv	*v, *a;

	(void)state;
	json_init(&j, NULL);
	json_obj_begin(&j);
	json_kv_str(&j, "host", "fra-db02");
	json_kv_int(&j, "min", INT64_MIN);
	json_kv_int(&j, "max", INT64_MAX);
	json_kv_bool(&j, "changed", true);
	json_kv_str(&j, "missing", NULL);
	json_key(&j, "k\"ey\n\xc3\xa9");
	json_strn(&j, "a\0b\x01", 4);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_double(&j, 0.1 + 0.2);
	json_double(&j, 1e300);
	json_double(&j, NAN);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	assert_int_equal(json_finish(&j), 0);
	v = ok_n(j.out.data, j.out.len);
	json_release(&j);
	assert_string_equal(jv_str(v, "host"), "fra-db02");
	assert_true(jv_int(v, "min", 0) == INT64_MIN);
	assert_true(jv_int(v, "max", 0) == INT64_MAX);
	assert_true(jv_bool(v, "changed", false));
	assert_int_equal(jv_get(v, "missing")->type, JV_NULL);
	assert_str(jv_get(v, "k\"ey\n\xc3\xa9"), "a\0b\x01", 4);
	a = (struct jv *)jv_get(v, "list");
	assert_int_equal(a->len, 4);
	assert_true(a->v[0]->d == 0.3);
	assert_true(a->v[1]->d == 1e300);
	assert_int_equal(a->v[2]->type, JV_NULL);
	assert_int_equal(a->v[3]->type, JV_OBJ);
}

static void
test_json_lines(void **state)
{
	static const char	 text[] =
	    "{\"seq\":1,\"host\":\"a\"}\n"
	    "{\"seq\":2,\"host\":\"b\"}\r\n"
	    "{\"seq\":3,\"host\":\"c\"}\n";
	struct arena_mark	 m;
	struct jv		*v;
	const char		*p = text, *nl;
	size_t			 used = 0;
	int64_t			 want = 1;

	(void)state;
	/* One line after another in the same memory. */
	arena_mark(arena, &m);
	while ((nl = strchr(p, '\n')) != NULL) {
		v = ok_n(p, (size_t)(nl + 1 - p));
		assert_int_equal(jv_int(v, "seq", 0), want);
		assert_int_equal(jv_str(v, "host")[0], 'a' + want - 1);
		if (used == 0)
			used = arena_used(arena);
		assert_true(arena_used(arena) <= used);
		arena_rewind(arena, &m);
		p = nl + 1;
		want++;
	}
	assert_int_equal(want, 4);
}

static void
test_locale(void **state)
{
	static const char	*names[] = { "de_DE.UTF-8", "de_DE.utf8",
				    "fr_FR.UTF-8", "nl_NL.UTF-8" };
	struct jv		*v;
	char			*old;
	size_t			 i;

	(void)state;
	old = xstrdup(setlocale(LC_NUMERIC, NULL));
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		if (setlocale(LC_NUMERIC, names[i]) != NULL)
			break;
	}
	if (i == sizeof names / sizeof *names) {
		free(old);
		print_message("# no locale with a decimal comma installed\n");
		skip();
		return;
	}
	/* The decimal point is '.' whatever the locale says. */
	v = OK("[1.5,2.25e1]");
	setlocale(LC_NUMERIC, old);
	free(old);
	assert_true(v->v[0]->d == 1.5);
	assert_true(v->v[1]->d == 22.5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_key_message, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_escape, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_utf8_agrees, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_writer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_json_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_locale, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
