/*
 * Unit tests for json.c: string escaping (quotes, backslashes, control
 * characters, valid UTF-8 kept, invalid UTF-8 replaced by U+FFFD), commas
 * and nesting, numbers, and output through a FILE, both small and past
 * the size at which the writer flushes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "json.h"

/* json_escape() of s[0..n) must give exactly want. */
static void
assert_escape(const char *s, size_t n, const char *want)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(json_escape(&b, s, n), 0);
	assert_string_equal(buf_str(&b), want);
	assert_int_equal(b.len, strlen(want));
	buf_release(&b);
}

#define ESC(s, want)	assert_escape((s), sizeof (s) - 1, (want))

static void
test_escape_ascii(void **state)
{
	(void)state;
	ESC("", "\"\"");
	ESC("plain text 123", "\"plain text 123\"");
	ESC("say \"hi\"", "\"say \\\"hi\\\"\"");
	ESC("C:\\Windows\\", "\"C:\\\\Windows\\\\\"");
	ESC("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
	ESC("\x01", "\"\\u0001\"");
	ESC("\x1f\x08\x0c", "\"\\u001f\\u0008\\u000c\"");
	ESC("nul\0byte", "\"nul\\u0000byte\"");
	/* Slash and DEL need no escape in JSON. */
	ESC("a/b\x7f", "\"a/b\x7f\"");
	ESC("'single'", "\"'single'\"");
}

static void
test_escape_utf8(void **state)
{
	(void)state;
	/* Valid sequences of two, three and four bytes pass through. */
	ESC("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	ESC("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");
	ESC("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");
	ESC("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
	ESC("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");
	/* Invalid bytes become U+FFFD, one per byte that starts nothing. */
	ESC("\xff", "\"\\ufffd\"");
	ESC("a\xfe" "b", "\"a\\ufffdb\"");
	ESC("\x80\xbf", "\"\\ufffd\\ufffd\"");
	/* A sequence cut short, at the end or by another character. */
	ESC("end\xc3", "\"end\\ufffd\"");
	ESC("\xe2\x82", "\"\\ufffd\\ufffd\"");
	ESC("\xc3(", "\"\\ufffd(\"");
	/* Overlong forms, surrogates and values past U+10FFFF. */
	ESC("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	ESC("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	ESC("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
	ESC("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ESC("\xf8\x88\x80\x80\x80",
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Escapes and UTF-8 mixed. */
	ESC("\"\xc3\xa9\\\x01\xff", "\"\\\"\xc3\xa9\\\\\\u0001\\ufffd\"");
}

static void
test_escape_limit(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b, 8, 0);
	assert_int_equal(json_escape(&b, "abcdefghijkl", 12), LB_ERR_LIMIT);
	assert_true(b.len <= 8);
	buf_release(&b);
	buf_init(&b, 8, 0);
	assert_int_equal(json_escape(&b, "abcdef", 6), 0);
	assert_string_equal(buf_str(&b), "\"abcdef\"");
	buf_release(&b);
}

/* The writer's collected output (fp NULL) must be exactly want. */
static void
assert_json(struct json *j, const char *want)
{
	assert_int_equal(json_finish(j), 0);
	assert_string_equal(buf_str(&j->out), want);
	json_release(j);
}

static void
test_structure(void **state)
{
	struct json	 j;

	(void)state;
	json_init(&j, NULL);
	json_obj_begin(&j);
	json_obj_end(&j);
	assert_json(&j, "{}");

	json_init(&j, NULL);
	json_arr_begin(&j);
	json_arr_end(&j);
	assert_json(&j, "[]");

	json_init(&j, NULL);
	json_obj_begin(&j);
	json_key(&j, "a");
	json_arr_begin(&j);
	json_int(&j, 1);
	json_int(&j, -2);
	json_obj_begin(&j);
	json_key(&j, "b");
	json_null(&j);
	json_obj_end(&j);
	json_arr_begin(&j);
	json_arr_end(&j);
	json_obj_begin(&j);
	json_obj_end(&j);
	json_arr_end(&j);
	json_kv_bool(&j, "c", true);
	json_kv_bool(&j, "c2", false);
	json_kv_str(&j, "d", "x\"y");
	json_kv_str(&j, "e", NULL);
	json_kv_int(&j, "f", INT64_MIN);
	json_key(&j, "g");
	json_obj_begin(&j);
	json_key(&j, "h");
	json_obj_begin(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_key(&j, "k\"ey\n");
	json_strn(&j, "ab\0c", 4);
	json_obj_end(&j);
	assert_json(&j, "{\"a\":[1,-2,{\"b\":null},[],{}],\"c\":true,"
	    "\"c2\":false,\"d\":\"x\\\"y\",\"e\":null,"
	    "\"f\":-9223372036854775808,\"g\":{\"h\":{}},"
	    "\"k\\\"ey\\n\":\"ab\\u0000c\"}");

	/* A list of objects: commas between, none after the last. */
	json_init(&j, NULL);
	json_arr_begin(&j);
	json_obj_begin(&j);
	json_kv_int(&j, "n", 1);
	json_obj_end(&j);
	json_obj_begin(&j);
	json_kv_int(&j, "n", 2);
	json_kv_int(&j, "m", INT64_MAX);
	json_obj_end(&j);
	json_str(&j, "");
	json_arr_end(&j);
	assert_json(&j, "[{\"n\":1},{\"n\":2,\"m\":9223372036854775807},"
	    "\"\"]");
}

static void
test_deep(void **state)
{
	struct json	 j;
	struct buf	 want = BUF_INIT;
	int		 i;

	(void)state;
	/* Nesting up to JSON_MAX_DEPTH keeps the commas right. */
	json_init(&j, NULL);
	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		json_arr_begin(&j);
		json_int(&j, i);
		buf_addf(&want, "[%d,", i);
	}
	json_int(&j, 99);
	buf_adds(&want, "99");
	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		json_arr_end(&j);
		buf_adds(&want, "]");
	}
	assert_int_equal(j.depth, 0);
	assert_json(&j, buf_str(&want));
	buf_release(&want);
}

/* json_double(v) alone must give want. */
static void
assert_double(double v, const char *want)
{
	struct json	 j;

	json_init(&j, NULL);
	json_double(&j, v);
	assert_json(&j, want);
}

static void
test_double(void **state)
{
	struct json	 j;

	(void)state;
	assert_double(0.0, "0");
	assert_double(-0.0, "-0");
	assert_double(1.0, "1");
	assert_double(0.5, "0.5");
	assert_double(0.2, "0.2");
	assert_double(0.1 + 0.2, "0.3");
	assert_double(-2.75, "-2.75");
	assert_double(1.0 / 3.0, "0.333333333333333");
	assert_double(123456789012345.0, "123456789012345");
	assert_double(1e15, "1e+15");
	assert_double(1e300, "1e+300");
	assert_double(1.5e-7, "1.5e-07");
	/* JSON has no NaN or infinity: they are written as null. */
	assert_double(NAN, "null");
	assert_double(INFINITY, "null");
	assert_double(-INFINITY, "null");

	json_init(&j, NULL);
	json_arr_begin(&j);
	json_double(&j, 0.25);
	json_double(&j, NAN);
	json_double(&j, 3);
	json_arr_end(&j);
	assert_json(&j, "[0.25,null,3]");
}

static void
test_file_small(void **state)
{
	struct json	 j;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	json_init(&j, fp);
	json_obj_begin(&j);
	json_kv_str(&j, "name", "ams-web01");
	json_kv_int(&j, "port", 22);
	json_obj_end(&j);
	/* Nothing is written before the writer flushes. */
	assert_int_equal(fflush(fp), 0);
	assert_int_equal(len, 0);
	assert_int_equal(json_finish(&j), 0);
	assert_string_equal(text, "{\"name\":\"ams-web01\",\"port\":22}");
	assert_int_equal(len, 30);
	/* The buffer was handed to the file, not kept as well. */
	assert_int_equal(j.out.len, 0);
	json_release(&j);
	fclose(fp);
	free(text);
}

static void
test_file_large(void **state)
{
	struct json	 j;
	struct buf	 want = BUF_INIT;
	char		*text = NULL, item[32];
	size_t		 len = 0, i;
	FILE		*fp;

	(void)state;
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	json_init(&j, fp);
	json_arr_begin(&j);
	buf_adds(&want, "[");
	for (i = 0; i < 50000; i++) {
		snprintf(item, sizeof item, "host%05zu\t", i);
		json_str(&j, item);
		buf_addf(&want, "%s\"host%05zu\\t\"", i ? "," : "", i);
		/* The collected output never grows much past the flush size. */
		assert_true(j.out.len < 65 * 1024);
	}
	json_arr_end(&j);
	buf_adds(&want, "]");
	/* Most of it reached the file before json_finish(). */
	assert_int_equal(fflush(fp), 0);
	assert_true(len > 500000);
	assert_int_equal(json_finish(&j), 0);
	assert_int_equal(len, want.len);
	assert_string_equal(text, buf_str(&want));
	json_release(&j);
	fclose(fp);
	free(text);
	buf_release(&want);
}

static void
test_file_error(void **state)
{
	struct json	 j;
	FILE		*fp;

	(void)state;
	/* Writes to /dev/full fail: json_finish() says so. */
	fp = fopen("/dev/full", "w");
	if (fp == NULL) {
		skip();
		return;
	}
	json_init(&j, fp);
	json_arr_begin(&j);
	json_str(&j, "lost");
	json_arr_end(&j);
	assert_int_equal(json_finish(&j), LB_ERR_SYSTEM);
	/* The first error sticks. */
	assert_int_equal(json_finish(&j), LB_ERR_SYSTEM);
	json_release(&j);
	fclose(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_ascii),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_limit),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_deep),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_file_small),
		cmocka_unit_test(test_file_large),
		cmocka_unit_test(test_file_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
