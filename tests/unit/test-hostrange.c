/*
 * Unit tests for hostrange.c: Ansible host range expansion, its order,
 * padding and letters, and every error with its column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hostrange.h"

/* Expands pattern, checks it gives exactly the n names in want. */
static void
expect_names(const char *pattern, const char *const *want, size_t n)
{
	char		**names;
	size_t		  got, i;
	unsigned	  col;
	const char	 *why;

	assert_int_equal(hostrange_expand(pattern, &names, &got, &col, &why),
	    0);
	assert_null(why);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++)
		assert_string_equal(names[i], want[i]);
	hostrange_free(names, got);
}

/* Expands pattern, checks it fails at col with a reason containing why. */
static void
expect_error(const char *pattern, unsigned wantcol, const char *wantwhy)
{
	char		**names;
	size_t		  got;
	unsigned	  col;
	const char	 *why;

	assert_int_equal(hostrange_expand(pattern, &names, &got, &col, &why),
	    -1);
	assert_null(names);
	assert_int_equal(got, 0);
	assert_int_equal(col, wantcol);
	assert_non_null(why);
	assert_non_null(strstr(why, wantwhy));
}

static void
test_plain(void **state)
{
	static const char *const want[] = { "web01.example.com" };

	(void)state;
	expect_names("web01.example.com", want, 1);
	assert_false(hostrange_has("web01.example.com"));
	assert_true(hostrange_has("web[1:2]"));
	assert_true(hostrange_has("broken["));
}

static void
test_padded(void **state)
{
	char		**names;
	size_t		  n;
	unsigned	  col;
	const char	 *why;

	(void)state;
	assert_int_equal(hostrange_expand("web[01:20].dc1", &names, &n, &col,
	    &why), 0);
	assert_int_equal(n, 20);
	assert_string_equal(names[0], "web01.dc1");
	assert_string_equal(names[8], "web09.dc1");
	assert_string_equal(names[9], "web10.dc1");
	assert_string_equal(names[19], "web20.dc1");
	hostrange_free(names, n);
}

static void
test_unpadded(void **state)
{
	static const char *const want[] = { "n8", "n9", "n10", "n11" };
	static const char *const pad3[] = { "s008", "s009", "s010" };

	(void)state;
	expect_names("n[8:11]", want, 4);
	expect_names("s[008:010]", pad3, 3);
}

static void
test_letters(void **state)
{
	static const char *const want[] = {
		"db-a.example.com", "db-b.example.com", "db-c.example.com",
		"db-d.example.com", "db-e.example.com", "db-f.example.com",
	};
	/* Ansible's letter order: a..z, then A..Z. */
	static const char *const wrap[] = { "xy", "xz", "xA", "xB" };
	static const char *const step[] = { "ra", "rc", "re" };

	(void)state;
	expect_names("db-[a:f].example.com", want, 6);
	expect_names("x[y:B]", wrap, 4);
	expect_names("r[a:f:2]", step, 3);
}

static void
test_step(void **state)
{
	static const char *const want[] = { "h1", "h3", "h5", "h7", "h9" };
	static const char *const pad[] = { "h00", "h05", "h10" };

	(void)state;
	expect_names("h[1:10:2]", want, 5);
	expect_names("h[00:10:5]", pad, 3);
}

static void
test_empty_start(void **state)
{
	static const char *const want[] = { "n0", "n1", "n2" };

	(void)state;
	/* Ansible reads an empty start as 0. */
	expect_names("n[:2]", want, 3);
}

static void
test_product(void **state)
{
	static const char *const want[] = {
		"rack1-a.x", "rack1-b.x", "rack2-a.x", "rack2-b.x",
		"rack3-a.x", "rack3-b.x",
	};

	(void)state;
	expect_names("rack[1:3]-[a:b].x", want, 6);
}

static void
test_single_value(void **state)
{
	static const char *const want[] = { "only5" };

	(void)state;
	expect_names("only[5:5]", want, 1);
}

static void
test_million(void **state)
{
	char		**names;
	size_t		  n;
	unsigned	  col;
	const char	 *why;

	(void)state;
	assert_int_equal(hostrange_expand("h[0:999][000:999]", &names, &n,
	    &col, &why), 0);
	assert_int_equal(n, 1000000);
	assert_string_equal(names[0], "h0000");
	assert_string_equal(names[1001], "h1001");
	assert_string_equal(names[999999], "h999999");
	hostrange_free(names, n);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("", 1, "empty host name");
	expect_error("web[1:3", 4, "unterminated '['");
	expect_error("web[1[2:3]", 4, "unterminated '['");
	expect_error("web]", 4, "']' without '['");
	expect_error("web[5:1]", 7, "end is before its start");
	expect_error("web[e:a]", 7, "end is before its start");
	expect_error("web[a:5]", 7, "mixes letters and digits");
	expect_error("web[1:c]", 5, "mixes letters and digits");
	expect_error("web[1:5:0]", 9, "step must be a positive number");
	expect_error("web[1:5:-1]", 9, "step must be a positive number");
	expect_error("web[1:5:]", 9, "step must be a positive number");
	expect_error("web[]", 4, "empty range");
	expect_error("web[1]", 4, "needs a start and an end");
	expect_error("web[1:]", 7, "has no end");
	expect_error("web[1:2:3:4]", 10, "too many ':'");
	expect_error("web[aa:b]", 5, "numbers or single letters");
	expect_error("web[1:x-2]", 7, "numbers or single letters");
	expect_error("web[01:100]", 8, "same width");
	expect_error("web[1:9999999999999999999]", 7, "too large");
	expect_error("web[0:99999999999]", 4, "more than 1000000 names");
	expect_error("a[0:999]b[0:999]c[0:1]", 18,
	    "more than 1000000 names");
	expect_error("ok[1:2]-bad[3:1]", 15, "end is before its start");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_padded),
		cmocka_unit_test(test_unpadded),
		cmocka_unit_test(test_letters),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_empty_start),
		cmocka_unit_test(test_product),
		cmocka_unit_test(test_single_value),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
