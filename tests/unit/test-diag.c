/*
 * Unit tests for diag.c: collecting diagnostics and their counters,
 * sorting by position, the exact text of diag_format(), the edit
 * distance (with adjacent transpositions) and did-you-mean suggestions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* Formats d->v[i] and compares it with want. */
static void
assert_format(const struct diags *d, size_t i, const char *want)
{
	char	*s;

	assert_true(i < d->n);
	s = diag_format(&d->v[i]);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void
test_add_and_count(void **state)
{
	struct diags	 d = DIAGS_INIT;
	char		 file[] = "hosts.yml";
	unsigned	 i;

	(void)state;
	diag_err(&d, file, 3, 7, "bad port '%s': %s", "22x", "not a number");
	diag_add(&d, DIAG_WARNING, NULL, 0, 0, "%d things", 2);
	diag_add(&d, DIAG_NOTE, "b.yml", 1, 1, "note");
	assert_int_equal(d.n, 3);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.nwarnings, 1);
	assert_int_equal(d.v[0].level, DIAG_ERROR);
	assert_string_equal(d.v[0].msg, "bad port '22x': not a number");
	/* The file name is copied. */
	assert_ptr_not_equal(d.v[0].file, file);
	file[0] = 'X';
	assert_string_equal(d.v[0].file, "hosts.yml");
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].col, 7);
	assert_null(d.v[1].file);
	assert_string_equal(d.v[1].msg, "2 things");
	assert_int_equal(d.v[2].level, DIAG_NOTE);
	diags_release(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 0);
	assert_null(d.v);
	/* Released diags can be used again; many entries grow the list. */
	for (i = 0; i < 100; i++)
		diag_err(&d, "f", i, 1, "e%u", i);
	assert_int_equal(d.n, 100);
	assert_int_equal(d.nerrors, 100);
	assert_string_equal(d.v[99].msg, "e99");
	diags_release(&d);
	diags_release(&d);
}

static void
test_format(void **state)
{
	struct diags	 d = DIAGS_INIT;

	(void)state;
	diag_err(&d, "t.yml", 12, 5, "unknown key 'adress'");
	diag_add(&d, DIAG_WARNING, "t.yml", 3, 0, "no column");
	diag_add(&d, DIAG_NOTE, "t.yml", 0, 0, "whole file");
	diag_add(&d, DIAG_ERROR, NULL, 4, 2, "no file");
	diag_add(&d, DIAG_WARNING, NULL, 0, 0, "too many groups");
	assert_format(&d, 0, "t.yml:12:5: error: unknown key 'adress'");
	/* An unknown column is shown as 1, an unknown line not at all. */
	assert_format(&d, 1, "t.yml:3:1: warning: no column");
	assert_format(&d, 2, "t.yml: note: whole file");
	assert_format(&d, 3, "error: no file");
	assert_format(&d, 4, "warning: too many groups");
	diags_release(&d);
}

static void
test_sort(void **state)
{
	struct diags	 d = DIAGS_INIT;
	static const char *const want[] = {
		"none-1", "none-2", "a-1-1", "a-2-1", "a-2-3", "a-2-3b",
		"a-10-1", "b-1-1",
	};
	size_t		 i;

	(void)state;
	diag_err(&d, "b.yml", 1, 1, "b-1-1");
	diag_err(&d, "a.yml", 10, 1, "a-10-1");
	diag_err(&d, "a.yml", 2, 3, "a-2-3");
	diag_err(&d, NULL, 0, 0, "none-1");
	diag_err(&d, "a.yml", 2, 1, "a-2-1");
	diag_add(&d, DIAG_WARNING, "a.yml", 2, 3, "a-2-3b");
	diag_err(&d, "a.yml", 1, 1, "a-1-1");
	diag_err(&d, NULL, 0, 0, "none-2");
	diags_sort(&d);
	assert_int_equal(d.n, 8);
	/* By file (none first), line, column; equal places keep order. */
	for (i = 0; i < d.n; i++)
		assert_string_equal(d.v[i].msg, want[i]);
	assert_int_equal(d.v[5].level, DIAG_WARNING);
	assert_int_equal(d.nerrors, 7);
	diags_sort(&d);
	for (i = 0; i < d.n; i++)
		assert_string_equal(d.v[i].msg, want[i]);
	diags_release(&d);
	diags_sort(&d);
}

static void
test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(diag_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(diag_edit_distance("sitting", "kitten"), 3);
	assert_int_equal(diag_edit_distance("", ""), 0);
	assert_int_equal(diag_edit_distance("", "abc"), 3);
	assert_int_equal(diag_edit_distance("abc", ""), 3);
	assert_int_equal(diag_edit_distance("same", "same"), 0);
	assert_int_equal(diag_edit_distance("flaw", "lawn"), 2);
	/* An adjacent transposition is one edit, not two. */
	assert_int_equal(diag_edit_distance("ab", "ba"), 1);
	assert_int_equal(diag_edit_distance("adress", "adress"), 0);
	assert_int_equal(diag_edit_distance("trasnport", "transport"), 1);
	assert_int_equal(diag_edit_distance("tranpsort", "transport"), 1);
	assert_int_equal(diag_edit_distance("abcd", "badc"), 2);
	/* Optimal string alignment: no edits inside a transposed pair. */
	assert_int_equal(diag_edit_distance("ca", "abc"), 3);
	/* Case matters to the distance. */
	assert_int_equal(diag_edit_distance("Address", "address"), 1);
	assert_int_equal(diag_edit_distance("adress", "address"), 1);
}

static void
test_suggest(void **state)
{
	static const char *const keys[] = {
		"address", "user", "os", "tier", "transport", "tags",
		"description", "vars", "groups",
	};
	static const char *const animals[] = { NULL, "bat", "hat", "cat" };
	const size_t	 n = sizeof keys / sizeof *keys;

	(void)state;
	assert_string_equal(diag_suggest("adress", keys, n), "address");
	assert_string_equal(diag_suggest("trasnport", keys, n), "transport");
	assert_string_equal(diag_suggest("usr", keys, n), "user");
	assert_string_equal(diag_suggest("descripton", keys, n),
	    "description");
	assert_string_equal(diag_suggest("Adress", keys, n), "address");
	/* The result points into the list. */
	assert_ptr_equal(diag_suggest("tags", keys, n), keys[5]);
	/* Exact matches in another case win over everything. */
	assert_ptr_equal(diag_suggest("TRANSPORT", keys, n), keys[4]);
	assert_ptr_equal(diag_suggest("Os", keys, n), keys[2]);
	/* Far words give nothing. */
	assert_null(diag_suggest("hostname", keys, n));
	assert_null(diag_suggest("zzzzzzzzz", keys, n));
	assert_null(diag_suggest("xy", keys, n));
	assert_null(diag_suggest("", keys, n));
	assert_null(diag_suggest("adress", keys, 0));
	/* Short words allow a single edit only. */
	assert_null(diag_suggest("tr", keys, n));
	assert_string_equal(diag_suggest("tirr", keys, n), "tier");
	assert_null(diag_suggest("taxi", keys, n));
	/* NULL entries are skipped; of equal distances the first wins. */
	assert_string_equal(diag_suggest("mat", animals, 4), "bat");
	assert_string_equal(diag_suggest("cat", animals, 4), "cat");
	assert_string_equal(diag_suggest("CAT", animals, 4), "cat");
}

static void
test_suggest_long(void **state)
{
	static const char *const words[] = {
		"insecure_skip_verify", "allow_unencrypted",
		"operation_timeout", "connect_timeout",
	};
	char		 longword[80];

	(void)state;
	/* About a third of a long word may differ. */
	assert_string_equal(diag_suggest("insecure_verify", words, 4),
	    "insecure_skip_verify");
	assert_string_equal(diag_suggest("allow_unencripted", words, 4),
	    "allow_unencrypted");
	assert_string_equal(diag_suggest("conect_timeout", words, 4),
	    "connect_timeout");
	assert_null(diag_suggest("timeout", words, 4));
	/* Over 64 characters: no suggestion, not even an exact one. */
	memset(longword, 'a', sizeof longword - 1);
	longword[sizeof longword - 1] = '\0';
	assert_null(diag_suggest(longword, words, 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_count),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_suggest_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
