/*
 * Unit tests for the `when` expression language (src/expr.c): every
 * operator and its precedence, the type rules and the one conversion of
 * looked-up numeric strings, lists and "in", regular expressions and the
 * patterns that are refused, undefined names, the exact message and
 * column of every syntax error, and hostile input: deep nesting, long
 * text, long lists, deep values from a lookup.
 *
 * The lookup serves the table below and counts its calls, so that tests
 * can see which names evaluation reached.
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

#include "buf.h"
#include "errors.h"
#include "expr.h"
#include "xmalloc.h"

#define V_STR(x)	{ .type = EXPR_STR, .s = (x), .len = sizeof(x) - 1 }
#define V_INT(x)	{ .type = EXPR_INT, .i = (x) }
#define V_BOOL(x)	{ .type = EXPR_BOOL, .b = (x) }
#define V_NULL		{ .type = EXPR_NULL }
#define V_LIST(a)	{ .type = EXPR_LIST, .items = (a), \
			    .nitems = sizeof(a) / sizeof *(a) }

static const struct expr_value tags[] = { V_STR("web"), V_STR("canary") };
static const struct expr_value ports[] = { V_INT(22), V_INT(443) };
static const struct expr_value ports_s[] = { V_STR("22"), V_STR("443") };
static const struct expr_value mixed[] = {
	V_INT(1), V_STR("1"), V_BOOL(true), V_NULL,
};
static const struct expr_value pair[] = { V_INT(1), V_INT(2) };
static const struct expr_value nested[] = { V_LIST(pair), V_STR("x") };
/* Three bytes of four: the lookup's strings need not end in a NUL. */
static const char abcx[4] = { 'a', 'b', 'c', 'X' };

struct var {
	const char		*name;
	struct expr_value	 v;
};

static const struct var vars[] = {
	{ "os", V_STR("linux") },
	{ "site", V_STR("ams") },
	{ "host", V_STR("web12") },
	{ "tier", V_INT(1) },
	{ "zero", V_INT(0) },
	{ "empty", V_STR("") },
	{ "nothing", V_NULL },
	{ "yes", V_BOOL(true) },
	{ "no", V_BOOL(false) },
	{ "tier_s", V_STR("2") },
	{ "neg_s", V_STR("-5") },
	{ "lead_s", V_STR("0042") },
	{ "padded", V_STR(" 2") },
	{ "plus_s", V_STR("+2") },
	{ "huge_s", V_STR("99999999999999999999") },
	{ "tags", V_LIST(tags) },
	{ "ports", V_LIST(ports) },
	{ "ports_s", V_LIST(ports_s) },
	{ "mixed", V_LIST(mixed) },
	{ "nested", V_LIST(nested) },
	{ "none", { .type = EXPR_LIST } },
	{ "result.rc", V_INT(0) },
	{ "result.rc_s", V_STR("0") },
	{ "result.stdout", V_STR("active (running)\n") },
	{ "result.failed", V_BOOL(false) },
	{ "facts.os_family", V_STR("Debian") },
	{ "vars.site", V_STR("fra") },
	{ "vars.in", V_INT(7) },
	{ "bin", { .type = EXPR_STR, .s = "a\0b", .len = 3 } },
	{ "abc", { .type = EXPR_STR, .s = abcx, .len = 3 } },
	{ "nullstr", { .type = EXPR_STR, .s = NULL, .len = 0 } },
	{ "pat", V_STR("^web[0-9]+$") },
	{ "badpat", V_STR("(a") },
	{ "deeppat", V_STR("((((a+){2}){2}){2}){2}") },
	{ "looppat", V_STR("(a?|b?)+") },
	{ "nulpat", { .type = EXPR_STR, .s = "a\0b", .len = 3 } },
	{ "badtype", { .type = (enum expr_type)99 } },
	{ "badstr", { .type = EXPR_STR, .s = NULL, .len = 5 } },
	{ "badlist", { .type = EXPR_LIST, .items = NULL, .nitems = 2 } },
};
#define NVARS	(sizeof vars / sizeof *vars)

struct ctx {
	size_t			 calls;
	const struct expr_value	*deep;		/* served as "deep" */
	const char		*big;		/* served as "big" */
	size_t			 biglen;
};

static int
lookup(void *arg, const char *name, struct expr_value *out)
{
	struct ctx	*c = arg;
	size_t		 i;

	c->calls++;
	if (c->deep != NULL && strcmp(name, "deep") == 0) {
		*out = *c->deep;
		return 0;
	}
	if (c->big != NULL && strcmp(name, "big") == 0) {
		memset(out, 0, sizeof *out);
		out->type = EXPR_STR;
		out->s = c->big;
		out->len = c->biglen;
		return 0;
	}
	for (i = 0; i < NVARS; i++) {
		if (strcmp(vars[i].name, name) == 0) {
			*out = vars[i].v;
			return 0;
		}
	}
	return -1;
}

static struct expr *
parse_ok(const char *src)
{
	struct expr_error	 err;
	struct expr		*e = NULL;

	if (expr_parse(src, &e, &err) != 0)
		fail_msg("'%s': column %u: %s", src, err.col, err.msg);
	assert_non_null(e);
	assert_int_equal(err.col, 0);
	assert_string_equal(err.msg, "");
	assert_string_equal(expr_text(e), src);
	return e;
}

static void
check(const char *src, bool want)
{
	struct expr_error	 err;
	struct expr		*e;
	struct ctx		 c = { 0, NULL, NULL, 0 };
	bool			 got = !want;
	int			 rc;

	e = parse_ok(src);
	rc = expr_eval(e, lookup, &c, &got, &err);
	if (rc != 0)
		fail_msg("'%s': eval %d: column %u: %s", src, rc, err.col,
		    err.msg);
	if (got != want)
		fail_msg("'%s': got %s, want %s", src, got ? "true" : "false",
		    want ? "true" : "false");
	assert_int_equal(err.col, 0);
	expr_free(e);
}

#define T(src)	check((src), true)
#define F(src)	check((src), false)

static void
check_parse_err(const char *src, unsigned col, const char *msg)
{
	struct expr_error	 err;
	struct expr		*e = (struct expr *)&err;

	if (expr_parse(src, &e, &err) != LB_ERR_INVALID)
		fail_msg("'%s' parsed", src);
	assert_null(e);
	if (err.col != col || strcmp(err.msg, msg) != 0)
		fail_msg("'%s': got column %u '%s', want column %u '%s'", src,
		    err.col, err.msg, col, msg);
}

static void
check_eval_err(const char *src, int want, unsigned col, const char *msg)
{
	struct expr_error	 err;
	struct expr		*e;
	struct ctx		 c = { 0, NULL, NULL, 0 };
	bool			 got = true;
	int			 rc;

	e = parse_ok(src);
	rc = expr_eval(e, lookup, &c, &got, &err);
	if (rc != want || err.col != col || strcmp(err.msg, msg) != 0)
		fail_msg("'%s': got %d column %u '%s', want %d column %u '%s'",
		    src, rc, err.col, err.msg, want, col, msg);
	assert_false(got);
	expr_free(e);
}

static void
test_literals(void **state)
{
	(void)state;
	T("true");
	F("false");
	F("null");
	F("0");
	T("1");
	T("-1");
	F("-0");
	F("''");
	F("\"\"");
	T("'x'");
	T("'0'");
	F("[]");
	T("[0]");
	T("[false]");
	T("9223372036854775807 == 9223372036854775807");
	T("-9223372036854775808 < -9223372036854775807");
	T("007 == 7");
	T("'it\\'s' == \"it's\"");
	T("\"say \\\"hi\\\"\" == 'say \"hi\"'");
	T("'a\\\\b' == \"a\\\\b\"");
	T("'tab\\there' == 'tab\there'");
	T("'line\\n' == 'line\n'");
	T("'caf\xc3\xa9' > 'cafe'");
	/* Space, tab, CR and LF separate tokens, as YAML may leave them. */
	T("\tos\r\n==\n'linux' ");
}

static void
test_equality(void **state)
{
	(void)state;
	T("1 == 1");
	F("1 == 2");
	T("1 != 2");
	F("1 != 1");
	T("'a' == \"a\"");
	T("'a' != 'A'");
	F("1 == '1'");
	T("1 != '1'");
	F("true == 1");
	F("false == 0");
	F("null == false");
	F("null == 0");
	F("'' == null");
	T("null == null");
	T("true == true");
	T("false != true");
	T("[] == []");
	T("[1, 'a', true, null] == [1, 'a', true, null]");
	F("[1] == [1, 2]");
	F("[1, 2] == [2, 1]");
	F("['1'] == [1]");
	T("os == 'linux'");
	T("'linux' == os");
	F("os == 'Linux'");
	T("os != 'windows'");
	T("tags == ['web', 'canary']");
	F("tags == ['canary', 'web']");
	T("ports == [22, 443]");
	T("none == []");
	T("nothing == null");
	T("yes == true");
	T("result.failed == false");
	T("empty == ''");
	T("nullstr == ''");
	T("nullstr == empty");
	T("bin == bin");
	F("bin == 'a'");
	T("abc == 'abc'");
	T("tier == 1");
	T("site == 'ams' and vars.site == 'fra'");
	T("vars.in == 7");
}

static void
test_ordering(void **state)
{
	(void)state;
	T("1 < 2");
	F("2 < 1");
	F("1 < 1");
	T("1 <= 1");
	T("2 > 1");
	F("1 > 1");
	T("1 >= 1");
	F("1 >= 2");
	T("-5 < 3");
	T("-9223372036854775808 < 9223372036854775807");
	T("'a' < 'b'");
	T("'a' < 'ab'");
	F("'ab' < 'a'");
	T("'B' < 'a'");
	T("'abc' <= 'abc'");
	T("'abd' >= 'abc'");
	T("'' < 'a'");
	T("'\xc3\xa9' > 'z'");
	T("tier < 2");
	T("tier >= 1");
	T("os > 'darwin'");
	T("empty < os");
	T("nullstr < 'a'");
	T("abc < 'abd'");
	T("bin < 'b'");
	T("bin > 'a'");
}

static void
test_precedence(void **state)
{
	(void)state;
	/* "and" binds tighter than "or". */
	T("true or false and false");
	F("(true or false) and false");
	T("false and false or true");
	F("false and (false or true)");
	/* "not" tighter than "and" and "or", looser than comparisons. */
	T("not false and true");
	F("not (false or true)");
	T("not true or true");
	T("not 1 == 2");
	F("not 1 == 1");
	F("not os == 'linux'");
	T("not not true");
	F("not not not true");
	T("not 0");
	T("not ''");
	T("not []");
	T("not null");
	F("not 'x'");
	T("1 == 1 and 2 == 2 or false");
	T("1 == 2 or 2 == 2 and 3 == 3");
	F("(1 == 2 or 2 == 2) and 3 == 4");
	T("os == 'linux' and (tier < 2 or site == 'fra')");
	T("(((true)))");
	T("true and true and true and true");
	F("true and true and false and true");
	T("false or false or false or true");
	T("(1 == 1) == true");
	T("(1 == 2) == (2 == 3)");
	T("not (os in tags) and 'web' in tags");
	T("os not in tags");
}

static void
test_in(void **state)
{
	(void)state;
	T("'web' in tags");
	T("'canary' in tags");
	F("'db' in tags");
	T("'db' not in tags");
	F("'web' not in tags");
	T("2 in [1, 2, 3]");
	F("4 in [1, 2, 3]");
	F("'2' in [1, 2]");
	T("'2' in ['1', '2']");
	T("null in [null]");
	T("true in [1, true]");
	F("1 in [true]");
	F("1 in []");
	T("1 not in []");
	T("'run' in result.stdout");
	T("'active (running)' in result.stdout");
	F("'stopped' in result.stdout");
	T("'\\n' in result.stdout");
	T("'' in 'abc'");
	T("'' in ''");
	T("'abc' in 'abc'");
	F("'abcd' in 'abc'");
	T("'bc' in 'abc'");
	T("'b' in bin");
	T("'\\n' not in bin");
	F("'X' in abc");
	T("'c' in abc");
	F("'a' in nullstr");
	T("'' in nullstr");
	T("[1, 2] in nested");
	F("[2, 1] in nested");
	T("'x' in nested");
	T("null in mixed");
	T("true in mixed");
	T("'1' in mixed");
	T("site in ['ams', 'fra']");
	T("vars.site in ['ams', 'fra']");
	F("os in ['windows', 'darwin']");
	T("host in 'web12.example.com'");
	T("22 in ports");
	T("443 not in [22]");
}

static void
test_numeric_strings(void **state)
{
	(void)state;
	/* A looked-up string that reads as an int compares as one. */
	T("tier_s == 2");
	T("2 == tier_s");
	F("tier_s != 2");
	T("tier_s > 1");
	T("tier_s < 10");
	T("10 > tier_s");
	T("tier_s <= 2");
	T("neg_s < 0");
	T("neg_s == -5");
	T("lead_s == 42");
	T("result.rc_s == 0");
	F("result.rc_s != 0");
	T("tier_s in [1, 2]");
	T("22 in ports_s");
	T("443 in ports_s");
	F("22 not in ports_s");
	/* Still a string against a string. */
	T("tier_s == '2'");
	F("tier_s < '10'");
	T("tier_s < 'a'");
	/* Not a literal, and nothing that is not exactly an int. */
	F("'2' == 2");
	F("'22' in ports");
	F("padded == 2");
	F("plus_s == 2");
	F("huge_s == 1");
	F("empty == 0");
	F("tier == '1'");
}

static void
test_regex(void **state)
{
	(void)state;
	T("os =~ '^li'");
	T("os =~ 'nux$'");
	T("os =~ 'n'");
	F("os =~ '^nux'");
	T("os !~ 'win'");
	F("os !~ 'lin'");
	T("facts.os_family =~ '^(Debian|Ubuntu)$'");
	T("result.stdout =~ '\\\\(running\\\\)'");
	T("result.stdout =~ 'running[)]'");
	/* No REG_NEWLINE: "$" is the end of the string only. */
	F("result.stdout =~ 'running[)]$'");
	T("result.stdout =~ '[)]\\n$'");
	T("result.stdout =~ '[)]\n$'");
	F("'active\\n' =~ '^active$'");
	T("'active\\n' =~ '^active\\n?$'");
	T("os =~ ''");
	T("empty =~ '^$'");
	T("nullstr =~ '^$'");
	T("host =~ '^web[0-9]{2}$'");
	T("host =~ pat");
	F("os =~ pat");
	T("'web7' =~ pat");
	T("os =~ os");
	/* The subject is its bytes, NUL or not, and ends where len says. */
	T("bin =~ '^a'");
	T("bin =~ 'b$'");
	F("bin =~ '^a$'");
	T("abc =~ 'c$'");
	F("abc =~ 'X'");
	T("os =~ '^(((a|l)+)?i)'");
	T("'x' =~ '((((a+){2})?)?)x'");
	T("'' =~ '(a?){3}(a|b?){2,5}'");
	T("'ab' =~ '^(a?b)+$'");
}

static void
test_regex_refused(void **state)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	(void)state;
	check_parse_err("os =~ '('", 7,
	    "bad regular expression: unmatched ( or \\(");
	check_parse_err("os !~ '*x'", 7,
	    "bad regular expression: invalid preceding regular expression");
	check_parse_err("os =~ '(a)\\\\1'", 7,
	    "bad regular expression: back-references are not supported");
	check_parse_err("os =~ 'a+*'", 7,
	    "bad regular expression: a repetition operator follows another");
	check_parse_err("os =~ 'a{2}?'", 7,
	    "bad regular expression: a repetition operator follows another");
	check_parse_err("os =~ '((((a+){2}){2}){2}){2}'", 7,
	    "bad regular expression: repetitions nested too deep");
	/* Loops over what can be empty: glibc's closures explode. */
	check_parse_err("os =~ '(a?|b?)+(a?|b?)+(a?|b?)+(a?|b?)+'", 7,
	    "bad regular expression: an unbounded repetition of what can "
	    "match nothing");
	check_parse_err("os =~ '(a*)*'", 7, "bad regular expression: an "
	    "unbounded repetition of what can match nothing");
	check_parse_err("os =~ '((a?)*)?'", 7, "bad regular expression: an "
	    "unbounded repetition of what can match nothing");
	check_parse_err("os =~ '(a|)+'", 7, "bad regular expression: an "
	    "unbounded repetition of what can match nothing");
	check_parse_err("os =~ '(x|a{0,3}){2,}'", 7, "bad regular expression: "
	    "an unbounded repetition of what can match nothing");
	check_parse_err("os =~ '(^)+'", 7, "bad regular expression: an "
	    "unbounded repetition of what can match nothing");
	check_parse_err("os =~ '(\\\\b|$)*'", 7, "bad regular expression: an "
	    "unbounded repetition of what can match nothing");
	check_parse_err("os =~ '()*'", 7, "bad regular expression: an "
	    "unbounded repetition of what can match nothing");
	check_parse_err("os =~ '(a{99}){99}'", 7,
	    "bad regular expression: its repetitions make it too large");
	check_parse_err("true and 'x' =~ '((a+)+)+' or x =~ '(\\\\2)'", 36,
	    "bad regular expression: back-references are not supported");

	buf_adds(&b, "os =~ '");
	for (i = 0; i < EXPR_MAX_RE_LEN + 1; i++)
		buf_addc(&b, 'a');
	buf_adds(&b, "'");
	check_parse_err(buf_str(&b), 7,
	    "regular expression longer than 512 bytes");
	buf_truncate(&b, b.len - 2);
	buf_adds(&b, "'");
	expr_free(parse_ok(buf_str(&b)));

	buf_reset(&b);
	for (i = 0; i < EXPR_MAX_REGEX; i++)
		buf_addf(&b, "%sx =~ 'a'", i ? " or " : "");
	expr_free(parse_ok(buf_str(&b)));
	buf_adds(&b, " or y !~ 'b'");
	check_parse_err(buf_str(&b), (unsigned)b.len - 2,
	    "more than 32 regular expressions");
	buf_release(&b);

	/* A pattern from a lookup gets the same guard, when it runs. */
	check_eval_err("os =~ badpat", LB_ERR_INVALID, 7,
	    "bad regular expression: unmatched ( or \\(");
	check_eval_err("os !~ deeppat", LB_ERR_INVALID, 7,
	    "bad regular expression: repetitions nested too deep");
	check_eval_err("os =~ looppat", LB_ERR_INVALID, 7,
	    "bad regular expression: an unbounded repetition of what can "
	    "match nothing");
	check_eval_err("os =~ nulpat", LB_ERR_INVALID, 7,
	    "bad regular expression: a NUL byte");
}

/*
 * A host's output is hostile: glibc searches in time that grows with
 * the square of the length, so what =~ reads is capped.
 */
static void
test_match_limit(void **state)
{
	struct expr_error	 err;
	struct expr		*e;
	struct ctx		 c = { 0, NULL, NULL, 0 };
	char			*s;
	bool			 res;

	(void)state;
	s = xmalloc(EXPR_MAX_MATCH_LEN + 1);
	memset(s, 'a', EXPR_MAX_MATCH_LEN + 1);
	c.big = s;
	c.biglen = EXPR_MAX_MATCH_LEN;
	e = parse_ok("big =~ '[a-z]+[0-9]' or big !~ 'a$'");
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_false(res);
	c.biglen++;
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), LB_ERR_LIMIT);
	assert_false(res);
	assert_int_equal(err.col, 5);
	assert_string_equal(err.msg, "string of 16385 bytes too long for '=~' "
	    "(limit 16384; 'in' has none)");
	expr_free(e);
	e = parse_ok("'b' in big or 'aaaa' not in big");
	c.biglen = EXPR_MAX_MATCH_LEN + 1;
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_false(res);
	expr_free(e);
	free(s);
}

static void
test_types(void **state)
{
	(void)state;
	/* Known when parsing: literals and the results of operators. */
	check_parse_err("1 < 'a'", 3, "'<' cannot compare int with string");
	check_parse_err("'a' >= 1", 5, "'>=' cannot compare string with int");
	check_parse_err("'2' < 3", 5, "'<' cannot compare string with int");
	check_parse_err("true < false", 6, "'<' needs ints or strings, found "
	    "bool");
	check_parse_err("x > null", 3, "'>' needs ints or strings, found "
	    "null");
	check_parse_err("[1] <= [2]", 5, "'<=' needs ints or strings, found "
	    "list");
	check_parse_err("(a == b) > 1", 10, "'>' needs ints or strings, found "
	    "bool");
	check_parse_err("not a < 1 and (not b) < 2", 23, "'<' needs ints or "
	    "strings, found bool");
	check_parse_err("x in 5", 3, "'in' needs a list or a string on the "
	    "right, found int");
	check_parse_err("x not in true", 3, "'not in' needs a list or a string "
	    "on the right, found bool");
	check_parse_err("1 in 'abc'", 3, "'in' with a string on the right "
	    "needs a string on the left, found int");
	check_parse_err("[1] in 'abc'", 5, "'in' with a string on the right "
	    "needs a string on the left, found list");
	check_parse_err("x =~ 1", 3, "'=~' needs a pattern string on the "
	    "right, found int");
	check_parse_err("x !~ ['a']", 3, "'!~' needs a pattern string on the "
	    "right, found list");
	check_parse_err("1 =~ 'a'", 3, "'=~' needs a string on the left, "
	    "found int");
	check_parse_err("(x == 1) =~ y", 10, "'=~' needs a string on the "
	    "left, found bool");

	/* Known only when evaluating: the same messages, then. */
	check_eval_err("tier < 'a'", LB_ERR_INVALID, 6,
	    "'<' cannot compare int with string");
	check_eval_err("os > 1", LB_ERR_INVALID, 4,
	    "'>' cannot compare string with int");
	check_eval_err("padded < 3", LB_ERR_INVALID, 8,
	    "'<' cannot compare string with int");
	check_eval_err("huge_s < 3", LB_ERR_INVALID, 8,
	    "'<' cannot compare string with int");
	check_eval_err("yes < 1", LB_ERR_INVALID, 5,
	    "'<' needs ints or strings, found bool");
	check_eval_err("1 <= tags", LB_ERR_INVALID, 3,
	    "'<=' needs ints or strings, found list");
	check_eval_err("nothing >= nothing", LB_ERR_INVALID, 9,
	    "'>=' needs ints or strings, found null");
	check_eval_err("tier in tier", LB_ERR_INVALID, 6,
	    "'in' needs a list or a string on the right, found int");
	check_eval_err("'x' not in nothing", LB_ERR_INVALID, 5,
	    "'not in' needs a list or a string on the right, found null");
	check_eval_err("tier in os", LB_ERR_INVALID, 6,
	    "'in' with a string on the right needs a string on the left, "
	    "found int");
	/* "in" never converts: tier_s stays a string. */
	check_eval_err("5 in tier_s", LB_ERR_INVALID, 3,
	    "'in' with a string on the right needs a string on the left, "
	    "found int");
	check_eval_err("tier =~ 'a'", LB_ERR_INVALID, 6,
	    "'=~' needs a string on the left, found int");
	check_eval_err("os !~ tags", LB_ERR_INVALID, 4,
	    "'!~' needs a pattern string on the right, found list");
	check_eval_err("tier_s =~ tier", LB_ERR_INVALID, 8,
	    "'=~' needs a pattern string on the right, found int");
}

static void
test_undefined(void **state)
{
	struct expr_error	 err;
	struct expr		*e;
	struct ctx		 c = { 0, NULL, NULL, 0 };
	bool			 res = true;

	(void)state;
	check_eval_err("nosuch", LB_ERR_NOT_FOUND, 1,
	    "undefined name 'nosuch'");
	check_eval_err("os == 'linux' and result.nope == 0", LB_ERR_NOT_FOUND,
	    19, "undefined name 'result.nope'");
	check_eval_err("not (tier < 2 and 'x' in facts.missing)",
	    LB_ERR_NOT_FOUND, 26, "undefined name 'facts.missing'");
	check_eval_err("result == 0", LB_ERR_NOT_FOUND, 1,
	    "undefined name 'result'");
	check_eval_err("Os == 'linux'", LB_ERR_NOT_FOUND, 1,
	    "undefined name 'Os'");
	/* Long names are cut after 60 characters. */
	check_eval_err("'a' in x_very_long_name_that_goes_on_and_on_and_on_"
	    "and_on_and_on_forever", LB_ERR_NOT_FOUND, 8, "undefined name "
	    "'x_very_long_name_that_goes_on_and_on_and_on_and_on_and_on_"
	    "fo...'");

	/* Only the names evaluation reaches are looked up. */
	e = parse_ok("false and nosuch");
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_false(res);
	assert_int_equal(c.calls, 0);
	expr_free(e);
	e = parse_ok("os == 'linux' or nosuch or other");
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_true(res);
	assert_int_equal(c.calls, 1);
	expr_free(e);
	c.calls = 0;
	e = parse_ok("tier == 1 and site == 'x' and nosuch");
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_false(res);
	assert_int_equal(c.calls, 2);
	expr_free(e);

	/* Without a lookup, no name is defined. */
	e = parse_ok("true and os");
	res = true;
	assert_int_equal(expr_eval(e, NULL, NULL, &res, &err),
	    LB_ERR_NOT_FOUND);
	assert_false(res);
	assert_int_equal(err.col, 10);
	assert_string_equal(err.msg, "undefined name 'os'");
	/* A NULL err is allowed. */
	assert_int_equal(expr_eval(e, NULL, NULL, &res, NULL),
	    LB_ERR_NOT_FOUND);
	expr_free(e);
}

static void
test_lookup_values(void **state)
{
	struct expr_value	 levels[EXPR_MAX_DEPTH + 1];
	struct expr_error	 err;
	struct expr		*e;
	struct ctx		 c = { 0, NULL, NULL, 0 };
	bool			 res;
	size_t			 i;

	(void)state;
	check_eval_err("badtype == 1", LB_ERR_INTERNAL, 1,
	    "lookup of 'badtype' gave a malformed value");
	check_eval_err("true and badstr", LB_ERR_INTERNAL, 10,
	    "lookup of 'badstr' gave a malformed value");
	check_eval_err("1 in badlist", LB_ERR_INTERNAL, 6,
	    "lookup of 'badlist' gave a malformed value");

	/*
	 * levels[i] holds levels[i + 1]; the last is an empty list.  From
	 * levels[1], lists nest EXPR_MAX_DEPTH deep; from levels[0], one more.
	 */
	for (i = 0; i < EXPR_MAX_DEPTH + 1; i++) {
		memset(&levels[i], 0, sizeof levels[i]);
		levels[i].type = EXPR_LIST;
		if (i < EXPR_MAX_DEPTH) {
			levels[i].items = &levels[i + 1];
			levels[i].nitems = 1;
		}
	}
	e = parse_ok("deep == deep");
	c.deep = &levels[1];
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_true(res);
	c.deep = &levels[0];
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), LB_ERR_LIMIT);
	assert_int_equal(err.col, 1);
	assert_string_equal(err.msg, "value of 'deep' nested deeper than 64 "
	    "levels");
	expr_free(e);
}

static void
test_syntax(void **state)
{
	(void)state;
	check_parse_err("", 1, "empty expression");
	check_parse_err(" \t\n", 1, "empty expression");
	check_parse_err("'abc", 1, "unterminated string");
	check_parse_err("os == \"linux", 7, "unterminated string");
	check_parse_err("os == 'linux\"", 7, "unterminated string");
	check_parse_err("'abc\\", 1, "unterminated string");
	check_parse_err("'abc\\'", 1, "unterminated string");
	check_parse_err("x == 'a\\qb'", 8, "bad escape '\\q' in string (use "
	    "\\\\, \\', \\\", \\n or \\t)");
	check_parse_err("'\\0'", 2, "bad escape '\\0' in string (use "
	    "\\\\, \\', \\\", \\n or \\t)");
	check_parse_err("'\\\x01'", 2, "bad escape '\\\\x01' in string (use "
	    "\\\\, \\', \\\", \\n or \\t)");
	check_parse_err("os os", 4, "expected an operator or end of input, "
	    "found name 'os'");
	check_parse_err("1 2", 3, "expected an operator or end of input, "
	    "found integer 2");
	check_parse_err("os == 'a' 'b'", 11, "expected 'and', 'or' or end of "
	    "input, found string 'b'");
	check_parse_err("os == 'a' , 1", 11, "expected 'and', 'or' or end of "
	    "input, found ','");
	check_parse_err("a and b c", 9, "expected an operator or end of "
	    "input, found name 'c'");
	check_parse_err("os ==", 6, "expected a value after '==', found end "
	    "of input");
	check_parse_err("== 1", 1, "expected a value, found '=='");
	check_parse_err(", 1", 1, "expected a value, found ','");
	check_parse_err("os and", 7, "expected a value after 'and', found "
	    "end of input");
	check_parse_err("and os", 1, "expected a value, found 'and'");
	check_parse_err("os or or x", 7, "expected a value after 'or', found "
	    "'or'");
	check_parse_err("not", 4, "expected a value after 'not', found end "
	    "of input");
	check_parse_err("x in", 5, "expected a value after 'in', found end of "
	    "input");
	check_parse_err("x not in", 9, "expected a value after 'in', found "
	    "end of input");
	check_parse_err("not in x", 5, "expected a value after 'not', found "
	    "'in'");
	check_parse_err("x < )", 5, "expected a value after '<', found ')'");
	check_parse_err("()", 2, "expected a value after '(', found ')'");
	check_parse_err("(", 2, "expected a value after '(', found end of "
	    "input");
	check_parse_err("(os == 1", 1, "'(' is not closed");
	check_parse_err("((os) == 1", 1, "'(' is not closed");
	check_parse_err("(a and (b or c)", 1, "'(' is not closed");
	check_parse_err("os == 1)", 8, "')' without a matching '('");
	check_parse_err("(os == 1))", 10, "')' without a matching '('");
	check_parse_err(")", 1, "expected a value, found ')'");
	check_parse_err("(os os)", 5, "expected an operator or ')', found "
	    "name 'os'");
	check_parse_err("(os == 1 2)", 10, "expected 'and', 'or' or ')', "
	    "found integer 2");
	check_parse_err("(x ]", 4, "']' without a matching '['");
	check_parse_err("os ]", 4, "']' without a matching '['");
	check_parse_err("]", 1, "expected a value, found ']'");
	check_parse_err("1 < 2 < 3", 7, "comparisons cannot be chained (use "
	    "'and')");
	check_parse_err("a == b != c", 8, "comparisons cannot be chained "
	    "(use 'and')");
	check_parse_err("a in b not in c", 8, "comparisons cannot be chained "
	    "(use 'and')");
	check_parse_err("a =~ 'x' =~ 'y'", 10, "comparisons cannot be "
	    "chained (use 'and')");
	check_parse_err("a not b", 7, "expected 'in' after 'not', found name "
	    "'b'");
	check_parse_err("a not", 6, "expected 'in' after 'not', found end of "
	    "input");
	check_parse_err("a == b not c", 8, "expected 'and', 'or' or end of "
	    "input, found 'not'");
	check_parse_err("a == not b", 6, "expected a value after '==', found "
	    "'not' (put 'not ...' in parentheses)");
	check_parse_err("9223372036854775808", 1, "integer "
	    "'9223372036854775808' out of range");
	check_parse_err("x == -9223372036854775809", 6, "integer "
	    "'-9223372036854775809' out of range");
	check_parse_err("x in [1, 99999999999999999999999]", 10, "integer "
	    "'99999999999999999999999' out of range");
	check_parse_err("12abc", 1, "bad number '12abc'");
	check_parse_err("x > 1.5", 5, "bad number '1.5'");
	check_parse_err("5-1", 1, "bad number '5-1'");
	check_parse_err("- 1", 1, "unexpected character '-'");
	check_parse_err("--1", 1, "unexpected character '-'");
	check_parse_err("my-var", 3, "'-' cannot be part of a name (use '_')");
	check_parse_err("x == a.b-c", 9, "'-' cannot be part of a name (use "
	    "'_')");
	check_parse_err("result.", 7, "'.' is not followed by a field name");
	check_parse_err("result..rc", 7, "'.' is not followed by a field "
	    "name");
	check_parse_err("result.1", 7, "'.' is not followed by a field name");
	check_parse_err("x == .5", 6, "unexpected character '.'");
	check_parse_err("true.x", 1, "'true' is a keyword, not a name");
	check_parse_err("x and in.y", 7, "'in' is a keyword, not a name");
	check_parse_err("True", 1, "unknown name 'True' (the literal is "
	    "written true)");
	check_parse_err("x == FALSE", 6, "unknown name 'FALSE' (the literal "
	    "is written false)");
	check_parse_err("x == None", 6, "unknown name 'None' (the literal is "
	    "written null)");
	check_parse_err("x == NULL", 6, "unknown name 'NULL' (the literal is "
	    "written null)");
	check_parse_err("a = b", 3, "unexpected '=' (use '==' to compare)");
	check_parse_err("!a", 1, "unexpected '!' (use 'not', '!=' or '!~')");
	check_parse_err("a && b", 3, "unexpected '&' (use 'and')");
	check_parse_err("a || b", 3, "unexpected '|' (use 'or')");
	check_parse_err("a @ b", 3, "unexpected character '@'");
	check_parse_err("a \x01", 3, "unexpected character '\\x01'");
	check_parse_err("a \x7f", 3, "unexpected character '\\x7f'");
	check_parse_err("a\xc3\xa9", 2, "unexpected character '\\xc3'");
	check_parse_err("x == 'a' {", 10, "unexpected character '{'");
	check_parse_err("[1, 2", 1, "'[' is not closed");
	check_parse_err("x in [", 6, "'[' is not closed");
	check_parse_err("x in [1,", 6, "'[' is not closed");
	check_parse_err("[1 2]", 4, "expected ',' or ']' in list, found "
	    "integer 2");
	check_parse_err("[1,]", 4, "expected a value after ',', found ']'");
	check_parse_err("[,]", 2, "expected a value after '[', found ','");
	check_parse_err("x in [os]", 7, "list items must be literals, found "
	    "name 'os'");
	check_parse_err("[[1]]", 2, "list items must be literals, found '['");
	check_parse_err("[(1)]", 2, "list items must be literals, found '('");
	check_parse_err("[not 1]", 2, "list items must be literals, found "
	    "'not'");
	check_parse_err("[1 == 1]", 4, "expected ',' or ']' in list, found "
	    "'=='");
	/* Columns count characters, not bytes. */
	check_parse_err("'\xc3\xa9t\xc3\xa9' == x y", 12, "expected 'and', "
	    "'or' or end of input, found name 'y'");
	check_parse_err("'\xe2\x9c\x93' == x y", 10, "expected 'and', 'or' or "
	    "end of input, found name 'y'");
	/* Quoted source is printable and cut. */
	check_parse_err("x 'a\nb'", 3, "expected an operator or end of input, "
	    "found string 'a\\x0ab'");
	check_parse_err("x 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", 3,
	    "expected an operator or end of input, found string "
	    "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...");
}

static void
test_no_err(void **state)
{
	struct expr	*e = (struct expr *)&e;

	(void)state;
	assert_int_equal(expr_parse("(", &e, NULL), LB_ERR_INVALID);
	assert_null(e);
	assert_int_equal(expr_parse("os =~ '('", &e, NULL), LB_ERR_INVALID);
	assert_null(e);
	expr_free(NULL);
}

/* n opening parentheses (or "not "), x, and n closing ones. */
static char *
nest(size_t n, const char *open, const char *close)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < n; i++)
		buf_adds(&b, open);
	buf_adds(&b, "x");
	for (i = 0; i < n; i++)
		buf_adds(&b, close);
	return buf_detach(&b, NULL);
}

static void
test_depth(void **state)
{
	char	*s;

	(void)state;
	s = nest(EXPR_MAX_DEPTH, "(", ")");
	expr_free(parse_ok(s));
	free(s);
	s = nest(EXPR_MAX_DEPTH + 1, "(", ")");
	check_parse_err(s, 65, "nested deeper than 64 levels");
	free(s);
	s = nest(4000, "(", "");
	check_parse_err(s, 65, "nested deeper than 64 levels");
	free(s);

	s = nest(EXPR_MAX_DEPTH, "not ", "");
	expr_free(parse_ok(s));
	free(s);
	s = nest(EXPR_MAX_DEPTH + 1, "not ", "");
	check_parse_err(s, 257, "nested deeper than 64 levels");
	free(s);
	s = nest(1000, "not ", "");
	check_parse_err(s, 257, "nested deeper than 64 levels");
	free(s);

	/* Both count, together. */
	s = nest(32, "not (", ")");
	expr_free(parse_ok(s));
	free(s);
	s = nest(33, "not (", ")");
	check_parse_err(s, 161, "nested deeper than 64 levels");
	free(s);

	check("not (not (not (not (((true))))))", true);
}

static void
test_long(void **state)
{
	struct buf		 b = BUF_INIT;
	struct expr_error	 err;
	struct expr		*e;
	struct ctx		 c = { 0, NULL, NULL, 0 };
	size_t			 i;
	bool			 res;

	(void)state;
	/* Exactly EXPR_MAX_LEN bytes parses; one more does not. */
	buf_adds(&b, "os != '");
	while (b.len < EXPR_MAX_LEN - 1)
		buf_addc(&b, 'a');
	buf_addc(&b, '\'');
	T(buf_str(&b));
	buf_addc(&b, ' ');
	check_parse_err(buf_str(&b), 4097, "expression longer than 4096 "
	    "bytes");
	buf_reset(&b);
	for (i = 0; i < 1024 * 1024; i++)
		buf_addc(&b, '(');
	check_parse_err(buf_str(&b), 4097, "expression longer than 4096 "
	    "bytes");
	buf_reset(&b);

	/* A long flat chain is one node: no deep recursion. */
	for (i = 0; b.len < EXPR_MAX_LEN - 20; i++)
		buf_addf(&b, "%sno", i ? " or " : "");
	buf_adds(&b, " or yes");
	e = parse_ok(buf_str(&b));
	assert_int_equal(expr_eval(e, lookup, &c, &res, &err), 0);
	assert_true(res);
	assert_int_equal(c.calls, i + 1);
	expr_free(e);
	buf_reset(&b);

	/* Lists: EXPR_MAX_LIST items, and no more. */
	buf_adds(&b, "255 in [");
	for (i = 0; i < EXPR_MAX_LIST; i++)
		buf_addf(&b, "%s%zu", i ? "," : "", i);
	buf_adds(&b, "]");
	T(buf_str(&b));
	buf_truncate(&b, b.len - 1);
	buf_adds(&b, ",256]");
	check_parse_err(buf_str(&b), (unsigned)b.len - 3,
	    "list longer than 256 items");
	buf_release(&b);
}

struct seen {
	struct buf	 b;
};

static void
collect(const char *name, unsigned col, void *arg)
{
	struct seen	*s = arg;

	buf_addf(&s->b, "%s%s@%u", s->b.len ? " " : "", name, col);
}

static void
check_names(const char *src, const char *want)
{
	struct seen	 s;
	struct expr	*e;

	buf_init(&s.b, BUF_DEFAULT_MAX, 0);
	e = parse_ok(src);
	expr_names(e, collect, &s);
	if (strcmp(buf_str(&s.b), want) != 0)
		fail_msg("'%s': names '%s', want '%s'", src, buf_str(&s.b),
		    want);
	buf_release(&s.b);
	expr_free(e);
}

static void
test_names(void **state)
{
	(void)state;
	check_names("true", "");
	check_names("[1, 'os'] == ['x']", "");
	check_names("os", "os@1");
	check_names("os == 'linux' and (result.rc != 0 or 'x' in vars.tags) "
	    "and not os", "os@1 result.rc@20 vars.tags@45 os@64");
	check_names("a or b or c and d", "a@1 b@6 c@11 d@17");
	check_names("x not in y", "x@1 y@10");
	check_names("vars.in =~ facts.os_family", "vars.in@1 "
	    "facts.os_family@12");
	check_names("'\xc3\xa9' == \t_x1", "_x1@9");
	check_names("not (not (a == b))", "a@11 b@16");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_equality),
		cmocka_unit_test(test_ordering),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_in),
		cmocka_unit_test(test_numeric_strings),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_regex_refused),
		cmocka_unit_test(test_match_limit),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_lookup_values),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_no_err),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}
