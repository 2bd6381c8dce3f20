/*
 * Unit tests for host patterns (src/pattern.c): the Ansible syntax, the
 * order in which unions, intersections and exclusions apply, groups from
 * sites, os names and tags, globs, regular expressions, subscripts, and
 * the exact column of every syntax error.
 *
 * The test inventory is built in code, so that host indices are known:
 *
 *	0 ams-web01	ams linux	web
 *	1 ams-web02	ams linux	web canary
 *	2 ams-db01	ams linux	db
 *	3 ams-dc01	ams windows	dc
 *	4 fra-web01	fra linux	web
 *	5 fra-web02	fra linux	web
 *	6 fra-db01	fra linux	db
 *	7 fra-dc01	fra windows	dc
 *	8 lon-app01.example.com	lon windows
 *	9 kiosk7	(nothing)
 *	10 backup	(nothing)
 *
 * Explicit groups: payments = ams-web01 fra-web02 fra-db01; critical =
 * ams-dc01 and the children payments; backup = fra-db01 (a group with a
 * host's name); empty (no hosts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "pattern.h"
#include "xmalloc.h"

struct spec {
	const char	*name;
	const char	*site;
	const char	*os;
	const char	*tags;		/* space-separated */
};

static const struct spec specs[] = {
	{ "ams-web01", "ams", "linux", "web" },
	{ "ams-web02", "ams", "linux", "web canary" },
	{ "ams-db01", "ams", "linux", "db" },
	{ "ams-dc01", "ams", "windows", "dc" },
	{ "fra-web01", "fra", "linux", "web" },
	{ "fra-web02", "fra", "linux", "web" },
	{ "fra-db01", "fra", "linux", "db" },
	{ "fra-dc01", "fra", "windows", "dc" },
	{ "lon-app01.example.com", "lon", "windows", "" },
	{ "kiosk7", NULL, NULL, "" },
	{ "backup", NULL, NULL, "" },
};
#define NSPECS	(sizeof specs / sizeof *specs)

static void
add_host(struct inventory *inv, unsigned src, const struct spec *sp,
    struct diags *d)
{
	struct host	 h;
	char		*tags, *t, *save = NULL;

	host_init(&h);
	h.name = inventory_strdup(inv, sp->name);
	h.address = h.name;
	h.site = inventory_strdup(inv, sp->site);
	h.os = inventory_strdup(inv, sp->os);
	tags = xstrdup(sp->tags);
	for (t = strtok_r(tags, " ", &save); t != NULL;
	    t = strtok_r(NULL, " ", &save))
		host_add_tag(inv, &h, t);
	free(tags);
	assert_non_null(inventory_put_host(inv, &h, src, d));
}

static int
setup(void **state)
{
	struct inventory	*inv;
	struct inv_group	*g;
	struct diags		 d = DIAGS_INIT;
	unsigned		 src;
	size_t			 i;

	inv = inventory_new();
	src = inventory_source(inv, "test", INV_FORMAT_NATIVE);
	for (i = 0; i < NSPECS; i++)
		add_host(inv, src, &specs[i], &d);
	g = inventory_add_group(inv, "payments", NULL);
	inventory_group_add_host(inv, g, "ams-web01", NULL);
	inventory_group_add_host(inv, g, "fra-web02", NULL);
	inventory_group_add_host(inv, g, "fra-db01", NULL);
	g = inventory_add_group(inv, "critical", NULL);
	inventory_group_add_host(inv, g, "ams-dc01", NULL);
	inventory_group_add_child(inv, g, "payments", NULL);
	g = inventory_add_group(inv, "backup", NULL);
	inventory_group_add_host(inv, g, "fra-db01", NULL);
	inventory_add_group(inv, "empty", NULL);
	assert_int_equal(inventory_finish(inv, &d), 0);
	assert_int_equal(d.n, 0);
	diags_release(&d);
	*state = inv;
	return 0;
}

static int
teardown(void **state)
{
	inventory_free(*state);
	return 0;
}

/*
 * Parses and matches text; returns the selected host names joined by
 * spaces, or "error" when it does not parse.  Diagnostics go to d.
 */
static char *
sel_d(const struct inventory *inv, const char *text, struct diags *d)
{
	struct pattern	*p;
	struct buf	 b = BUF_INIT;
	unsigned	*idx;
	size_t		 n, i;
	char		*s;

	if (pattern_parse(text, &p, d) != 0) {
		assert_null(p);
		return xstrdup("error");
	}
	assert_string_equal(pattern_text(p), text);
	assert_int_equal(pattern_match(p, inv, &idx, &n, d), 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_true(idx[i - 1] < idx[i]);
		buf_addf(&b, "%s%s", i ? " " : "", inv->hosts[idx[i]].name);
	}
	if (n == 0)
		assert_null(idx);
	free(idx);
	pattern_free(p);
	s = buf_detach(&b, NULL);
	return s != NULL ? s : xstrdup("");
}

static void
check_sel(const struct inventory *inv, const char *text, const char *want)
{
	struct diags	 d = DIAGS_INIT;
	char		*got;

	got = sel_d(inv, text, &d);
	if (strcmp(got, want) != 0)
		fail_msg("pattern '%s': got '%s', want '%s'", text, got, want);
	free(got);
	diags_release(&d);
}

/* Checks that text fails with exactly one error, msg. */
static void
check_err(const char *text, const char *msg)
{
	struct diags	 d = DIAGS_INIT;
	struct pattern	*p = (struct pattern *)&d;

	if (pattern_parse(text, &p, &d) != LB_ERR_INVALID)
		fail_msg("pattern '%s' parsed", text);
	assert_null(p);
	if (d.n != 1 || strcmp(d.v[0].msg, msg) != 0)
		fail_msg("pattern '%s': %zu diagnostics, first '%s', want '%s'",
		    text, d.n, d.n ? d.v[0].msg : "", msg);
	assert_int_equal(d.v[0].level, DIAG_ERROR);
	assert_null(d.v[0].file);
	diags_release(&d);
}

#define AMS	"ams-web01 ams-web02 ams-db01 ams-dc01"
#define FRA	"fra-web01 fra-web02 fra-db01 fra-dc01"
#define LON	"lon-app01.example.com"
#define ALL	AMS " " FRA " " LON " kiosk7 backup"
#define WEB	"ams-web01 ams-web02 fra-web01 fra-web02"

static void
test_names(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "all", ALL);
	check_sel(inv, "*", ALL);
	check_sel(inv, "ams-db01", "ams-db01");
	check_sel(inv, LON, LON);
	check_sel(inv, "kiosk7", "kiosk7");
	check_sel(inv, "payments", "ams-web01 fra-web02 fra-db01");
	check_sel(inv, "critical", "ams-web01 ams-dc01 fra-web02 fra-db01");
	check_sel(inv, "ungrouped", "ams-web02 ams-db01 fra-web01 fra-dc01 "
	    LON " kiosk7 backup");
	check_sel(inv, "empty", "");
	check_sel(inv, "nosuch", "");
}

static void
test_implicit_groups(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "ams", AMS);
	check_sel(inv, "lon", LON);
	check_sel(inv, "windows", "ams-dc01 fra-dc01 " LON);
	check_sel(inv, "linux", "ams-web01 ams-web02 ams-db01 fra-web01 "
	    "fra-web02 fra-db01");
	check_sel(inv, "web", WEB);
	check_sel(inv, "canary", "ams-web02");
	check_sel(inv, "dc", "ams-dc01 fra-dc01");
}

static void
test_union(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "dc,db", "ams-db01 ams-dc01 fra-db01 fra-dc01");
	check_sel(inv, "dc:db", "ams-db01 ams-dc01 fra-db01 fra-dc01");
	check_sel(inv, "  dc ,\tdb  ", "ams-db01 ams-dc01 fra-db01 fra-dc01");
	check_sel(inv, "dc db", "ams-db01 ams-dc01 fra-db01 fra-dc01");
	check_sel(inv, "dc : db", "ams-db01 ams-dc01 fra-db01 fra-dc01");
	/* Results are in inventory order, not in the order of the terms. */
	check_sel(inv, "kiosk7,ams-web01", "ams-web01 kiosk7");
	check_sel(inv, "web,ams-web01,web", WEB);
	/* With a comma, ":" is not a separator: this names nothing. */
	check_sel(inv, "dc:db,web", WEB);
}

static void
test_intersect_exclude(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "web:&fra", "fra-web01 fra-web02");
	check_sel(inv, "web,&fra", "fra-web01 fra-web02");
	check_sel(inv, "&fra:web", "fra-web01 fra-web02");
	check_sel(inv, "web:!fra", "ams-web01 ams-web02");
	check_sel(inv, "!fra:web", "ams-web01 ams-web02");
	check_sel(inv, "!fra,web", "ams-web01 ams-web02");
	check_sel(inv, "web:!canary:&ams", "ams-web01");
	check_sel(inv, "&ams:!canary:web", "ams-web01");
	check_sel(inv, "!canary:&ams:web", "ams-web01");
	/* Without a plain term the start is "all". */
	check_sel(inv, "!ams", FRA " " LON " kiosk7 backup");
	check_sel(inv, "&db", "ams-db01 fra-db01");
	check_sel(inv, "&db:!fra", "ams-db01");
	check_sel(inv, "!ams:!fra", LON " kiosk7 backup");
	/* Every union first, then "&": db is not lost to the "&". */
	check_sel(inv, "web:&ams:db", "ams-web01 ams-web02 ams-db01");
	check_sel(inv, "web:!web", "");
	check_sel(inv, "! fra , web", "ams-web01 ams-web02");
	check_sel(inv, "web:&nosuch", "");
	check_sel(inv, "web:!nosuch", WEB);
}

static void
test_globs(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "ams-*", AMS);
	check_sel(inv, "*-web0?", WEB);
	check_sel(inv, "*-web0[!1]", "ams-web02 fra-web02");
	/* As in Ansible, a trailing [N] is a subscript, not a class. */
	check_sel(inv, "*-web0[2]", "");
	check_sel(inv, "[af]*-dc01", "ams-dc01 fra-dc01");
	check_sel(inv, "[!a]*-dc01", "fra-dc01");
	check_sel(inv, "*-db0[1-3]", "ams-db01 fra-db01");
	check_sel(inv, "*.example.com", LON);
	/* Groups match too: "fr?" is the site fra, "w*" web and windows. */
	check_sel(inv, "fr?", FRA);
	check_sel(inv, "w*", "ams-web01 ams-web02 ams-dc01 fra-web01 "
	    "fra-web02 fra-dc01 " LON);
	/* A glob never picks the built-in groups: "a*" is not "all". */
	check_sel(inv, "a*", AMS);
	check_sel(inv, "un*", "");
	check_sel(inv, "z*", "");
}

static void
test_regex(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "~(ams|fra)-db", "ams-db01 fra-db01");
	check_sel(inv, "~.*-web0[12]$", WEB);
	/* Anchored at the start, like Python's re.match(). */
	check_sel(inv, "~web", WEB);
	check_sel(inv, "~eb", "");
	check_sel(inv, "~.*eb", WEB);
	check_sel(inv, "~lon-app[0-9]+\\.example", LON);
	check_sel(inv, "~(a|f)[[:alpha:]]{2}-w(e){1}b0[]12]{1}$", WEB);
	check_sel(inv, "~.*(web|db){1}0?1", "ams-web01 ams-db01 "
	    "fra-web01 fra-db01");
	check_sel(inv, "~fra:~ams-d", "ams-db01 ams-dc01 " FRA);
	/* No subscript on a regex: "[1]" belongs to it. */
	check_sel(inv, "~ams-web0[1]", "ams-web01");
	check_sel(inv, "web,!~.*02", "ams-web01 fra-web01");
}

static void
test_host_vs_group(void **state)
{
	const struct inventory	*inv = *state;

	/* A group of the name wins over a host of the name... */
	check_sel(inv, "backup", "fra-db01");
	/* ...but a glob matches both, as _enumerate_matches() does. */
	check_sel(inv, "backu?", "fra-db01 backup");
	check_sel(inv, "~back", "fra-db01 backup");
}

static void
test_subscripts(void **state)
{
	const struct inventory	*inv = *state;

	check_sel(inv, "web[0]", "ams-web01");
	check_sel(inv, "web[3]", "fra-web02");
	check_sel(inv, "web[4]", "");
	check_sel(inv, "web[-1]", "fra-web02");
	check_sel(inv, "web[-4]", "ams-web01");
	check_sel(inv, "web[-5]", "");
	check_sel(inv, "web[1:2]", "ams-web02 fra-web01");
	check_sel(inv, "web[0:0]", "ams-web01");
	check_sel(inv, "web[2:99]", "fra-web01 fra-web02");
	check_sel(inv, "web[1:]", "ams-web02 fra-web01 fra-web02");
	check_sel(inv, "web[4:]", "");
	check_sel(inv, "all[0]", "ams-web01");
	check_sel(inv, "*[-1]", "backup");
	check_sel(inv, "ams-*[1:2]", "ams-web02 ams-db01");
	check_sel(inv, "kiosk7[0]", "kiosk7");
	/* Per term, before the term is combined. */
	check_sel(inv, "web[0]:db[0]", "ams-web01 ams-db01");
	check_sel(inv, "web,!web[0]", "ams-web02 fra-web01 fra-web02");
	check_sel(inv, "web:&fra[2:3]", "");
	check_sel(inv, "web:&fra[0:1]", "fra-web01 fra-web02");
	check_sel(inv, "web:&all[4:]", "fra-web01 fra-web02");
	/* [1-2] is a glob class, not Ansible's removed range syntax. */
	check_sel(inv, "*-web0[1-2]", WEB);
	check_sel(inv, "*-web0[1-2][1]", "ams-web02");
}

static void
test_ipv6(void **state)
{
	const struct inventory	*inv = *state;
	struct diags		 d = DIAGS_INIT;
	char			*got;

	/* One term, not split on ":": it matches nothing (a note). */
	got = sel_d(inv, "fe80::1", &d);
	assert_string_equal(got, "");
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].level, DIAG_NOTE);
	assert_string_equal(d.v[0].msg,
	    "pattern term 'fe80::1' matches no host");
	free(got);
	diags_release(&d);
	check_sel(inv, "2001:db8::10", "");
	check_sel(inv, "!::ffff:10.0.0.1", ALL);
	check_sel(inv, "1:2:3:4:5:6:7:8", "");
	/* Seven groups is no address: split. */
	check_sel(inv, "1:2:3:4:5:6:7", "");
}

static void
test_notes(void **state)
{
	const struct inventory	*inv = *state;
	struct diags		 d = DIAGS_INIT;
	char			*got;

	got = sel_d(inv, "wbe,ams,nosuch,ams-wbe01,web[7]", &d);
	assert_string_equal(got, AMS);
	free(got);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.v[0].level, DIAG_NOTE);
	assert_string_equal(d.v[0].msg,
	    "pattern term 'wbe' matches no host; did you mean 'web'?");
	assert_int_equal(d.v[0].col, 1);
	assert_string_equal(d.v[1].msg,
	    "pattern term 'nosuch' matches no host");
	assert_int_equal(d.v[1].col, 9);
	assert_string_equal(d.v[2].msg, "pattern term 'ams-wbe01' matches "
	    "no host; did you mean 'ams-web01'?");
	assert_string_equal(d.v[3].msg,
	    "pattern term 'web[7]' matches no host");
	diags_release(&d);

	got = sel_d(inv, "WEB:fra-db1", &d);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.v[0].msg,
	    "pattern term 'WEB' matches no host; did you mean 'web'?");
	assert_string_equal(d.v[1].msg, "pattern term 'fra-db1' matches "
	    "no host; did you mean 'fra-db01'?");
	assert_int_equal(d.v[1].col, 5);
	diags_release(&d);

	/* Exclusions and intersections are noted as well. */
	got = sel_d(inv, "web:!dbb", &d);
	assert_string_equal(got, WEB);
	free(got);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg,
	    "pattern term '!dbb' matches no host; did you mean 'db'?");
	assert_int_equal(d.v[0].col, 5);
	diags_release(&d);
}

static void
test_errors(void **state)
{
	const struct inventory	*inv = *state;

	check_err("", "pattern '', column 1: empty pattern");
	check_err("  \t", "pattern '  \\x09', column 1: empty pattern");
	check_err("web,,db", "pattern 'web,,db', column 5: empty term");
	check_err("web,", "pattern 'web,', column 5: empty term");
	check_err(",web", "pattern ',web', column 1: empty term");
	check_err("web, ,db", "pattern 'web, ,db', column 6: empty term");
	check_err("web::db", "pattern 'web::db', column 5: empty term");
	check_err("web:", "pattern 'web:', column 5: empty term");
	check_err(":web", "pattern ':web', column 1: empty term");
	check_err("web: :db", "pattern 'web: :db', column 6: empty term");
	check_err("web:!", "pattern 'web:!', column 5: lone '!'");
	check_err("web, & ", "pattern 'web, & ', column 6: lone '&'");
	check_err("!", "pattern '!', column 1: lone '!'");
	check_err("web&&db", "pattern 'web&&db', column 4: '&' can only "
	    "start a term (separate terms with ',' or ':')");
	check_err("web:!!db", "pattern 'web:!!db', column 6: '!' can only "
	    "start a term (separate terms with ',' or ':')");
	check_err("web:&!db", "pattern 'web:&!db', column 6: '!' can only "
	    "start a term (separate terms with ',' or ':')");
	check_err("~web(", "pattern '~web(', column 1: bad regular "
	    "expression: unmatched ( or \\(");
	check_err("db,~*x", "pattern 'db,~*x', column 4: bad regular "
	    "expression: invalid preceding regular expression");
	check_err("db:~", "pattern 'db:~', column 4: empty regular "
	    "expression");
	/* As in Ansible, a comma always separates, even in a regex. */
	check_err("~a{1,2}", "pattern '~a{1,2}', column 1: bad regular "
	    "expression: unmatched \\{");
	check_err("~(a)\\1", "pattern '~(a)\\1', column 1: bad regular "
	    "expression: back-references are not supported");
	check_err("~(a{99}){99}", "pattern '~(a{99}){99}', column 1: bad "
	    "regular expression: its repetitions make it too large");
	check_err("~a+*", "pattern '~a+*', column 1: bad regular "
	    "expression: a repetition operator follows another");
	check_err("db,~a{2}?", "pattern 'db,~a{2}?', column 4: bad regular "
	    "expression: a repetition operator follows another");
	check_err("~(((((a)+m)+s)+-)+w)+", "pattern '~(((((a)+m)+s)+-)+w)+', "
	    "column 1: bad regular expression: repetitions nested too deep");
	check_sel(inv, "~((((a)+m)+s)+-)+", AMS);
	/* Loops over what can match nothing hang regcomp(). */
	check_err("~(a?|b?)+", "pattern '~(a?|b?)+', column 1: bad regular "
	    "expression: an unbounded repetition of what can match nothing");
	check_sel(inv, "~(a?m)s", AMS);
	check_err("web[1:2:3]", "pattern 'web[1:2:3]', column 4: bad "
	    "subscript '[1:2:3]' (want [N], [-N], [N:M] or [N:])");
	check_err("web[-1:]", "pattern 'web[-1:]', column 4: bad "
	    "subscript '[-1:]' (want [N], [-N], [N:M] or [N:])");
	check_err("web[:2]", "pattern 'web[:2]', column 4: bad "
	    "subscript '[:2]' (want [N], [-N], [N:M] or [N:])");
	check_err("web[]", "pattern 'web[]', column 4: bad "
	    "subscript '[]' (want [N], [-N], [N:M] or [N:])");
	check_err("web[1234567890]", "pattern 'web[1234567890]', column 4: "
	    "bad subscript '[1234567890]': number too large");
	check_err("web[1:1234567890]", "pattern 'web[1:1234567890]', column "
	    "4: bad subscript '[1:1234567890]': number too large");
	check_err("db,web[2:1]", "pattern 'db,web[2:1]', column 7: bad "
	    "subscript '[2:1]': end before start");
	check_err("web[0", "pattern 'web[0', column 4: unbalanced '['");
	check_err("db:we[b:x", "pattern 'db:we[b:x', column 6: "
	    "unbalanced '['");
	check_err("db,web[0", "pattern 'db,web[0', column 7: "
	    "unbalanced '['");
	check_err("db,w[eb[0]", "pattern 'db,w[eb[0]', column 5: "
	    "unbalanced '['");
	/* Columns count characters, not bytes. */
	check_err("\xc3\xa9t\xc3\xa9,,x", "pattern '\xc3\xa9t\xc3\xa9,,x', "
	    "column 5: empty term");
	check_err("a\x01,", "pattern 'a\\x01,', column 4: empty term");
}

static void
test_many_errors(void **state)
{
	struct diags	 d = DIAGS_INIT;
	struct pattern	*p;
	struct buf	 b = BUF_INIT;
	size_t		 i;

	(void)state;
	assert_int_equal(pattern_parse(",web,,!", &p, &d), LB_ERR_INVALID);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.v[0].msg, "pattern ',web,,!', column 1: "
	    "empty term");
	assert_string_equal(d.v[1].msg, "pattern ',web,,!', column 6: "
	    "empty term");
	assert_string_equal(d.v[2].msg, "pattern ',web,,!', column 7: "
	    "lone '!'");
	diags_release(&d);

	/* A flood of errors is cut short, and long text is cut in quotes. */
	for (i = 0; i < 1000; i++)
		buf_adds(&b, ",");
	assert_int_equal(pattern_parse(buf_str(&b), &p, &d), LB_ERR_INVALID);
	assert_int_equal(d.n, 8);
	assert_non_null(strstr(d.v[0].msg, ",,,...', column 1: empty term"));
	diags_release(&d);
	buf_release(&b);
}

static void
test_long_pattern(void **state)
{
	const struct inventory	*inv = *state;
	struct diags		 d = DIAGS_INIT;
	struct pattern		*p;
	struct buf		 b = BUF_INIT;
	unsigned		*idx;
	size_t			 i, n;

	/* A long list of hosts, as scripts write it. */
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "%s%s", i ? "," : "", i % 2 ? "fra-db01" :
		    "!ams-db01");
	assert_int_equal(pattern_parse(buf_str(&b), &p, &d), 0);
	assert_int_equal(pattern_match(p, inv, &idx, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_string_equal(inv->hosts[idx[0]].name, "fra-db01");
	free(idx);
	pattern_free(p);
	buf_reset(&b);

	for (i = 0; i <= PATTERN_MAX_REGEX; i++)
		buf_addf(&b, "%s~a", i ? "," : "");
	assert_int_equal(pattern_parse(buf_str(&b), &p, &d), LB_ERR_INVALID);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "more than 64 regular "
	    "expressions"));
	diags_release(&d);
	buf_release(&b);
	pattern_free(NULL);
}

/*
 * A fleet: 100,000 hosts in 20 sites, 1,000 tags and 10 explicit groups.
 * Checks results on it, and that evaluation stays fast.
 */
static void
test_large(void **state)
{
	struct inventory	*inv;
	struct inv_group	*g;
	struct diags		 d = DIAGS_INIT;
	struct host		 h;
	struct pattern		*p;
	unsigned		*idx, src;
	size_t			 i, n;
	char			 name[64], tag[32], site[16];
	struct timespec		 t0, t1;
	double			 ms;

	(void)state;
	inv = inventory_new();
	src = inventory_source(inv, "large", INV_FORMAT_NATIVE);
	for (i = 0; i < 100000; i++) {
		host_init(&h);
		snprintf(site, sizeof site, "s%02zu", i % 20);
		snprintf(name, sizeof name, "%s-h%06zu", site, i);
		snprintf(tag, sizeof tag, "t%03zu", i % 1000);
		h.name = inventory_strdup(inv, name);
		h.address = h.name;
		h.site = inventory_strdup(inv, site);
		h.os = i % 3 == 0 ? "windows" : "linux";
		host_add_tag(inv, &h, tag);
		assert_non_null(inventory_put_host(inv, &h, src, &d));
	}
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof name, "g%zu", i);
		g = inventory_add_group(inv, name, NULL);
		snprintf(name, sizeof name, "s%02zu-h%06zu", i, i);
		inventory_group_add_host(inv, g, name, NULL);
	}
	assert_int_equal(inventory_finish(inv, &d), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pattern_parse("s0*:&windows:!t007:!s01-h000001",
	    &p, &d), 0);
	assert_int_equal(pattern_match(p, inv, &idx, &n, &d), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* s00..s09 (half), windows (a third), less 33 in tag t007. */
	assert_int_equal(n, 16634);
	print_message("# 100000 hosts, glob + & + 2 !: %.1f ms\n", ms);
	free(idx);
	pattern_free(p);

	assert_int_equal(pattern_parse("t001,t002,g3,s19-h099999,~s05-h0000",
	    &p, &d), 0);
	assert_int_equal(pattern_match(p, inv, &idx, &n, &d), 0);
	assert_int_equal(n, 100 + 100 + 1 + 1 + 5);
	free(idx);
	pattern_free(p);
	assert_int_equal(d.n, 0);
	diags_release(&d);
	inventory_free(inv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_implicit_groups),
		cmocka_unit_test(test_union),
		cmocka_unit_test(test_intersect_exclude),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_regex),
		cmocka_unit_test(test_host_vs_group),
		cmocka_unit_test(test_subscripts),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_long_pattern),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests_name("pattern", tests, setup, teardown);
}
