/*
 * Unit tests for the rollout planner (src/rollout.c): wave sizes from
 * counts and percentages (rounded up) and the last entry repeated, the
 * canary spread over sites, tier order (stable), serial_site, the bad
 * options, the failure budgets halting exactly past their threshold with
 * unreachable hosts counted apart, a failing canary halting the run
 * before wave 1, the plan as text and JSON, and 100,000 hosts planned in
 * linear time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "json.h"
#include "rollout.h"

/* Hosts for a test, made from a spec (see fleet_new()). */
struct fleet {
	struct host		*h;
	const struct host	**p;
	char			**strs;		/* names and sites, owned */
	size_t			 nstrs;
	size_t			 n;
};

static char *
fleet_keep(struct fleet *f, const char *s, size_t len)
{
	char	*c = strndup(s, len);

	assert_non_null(c);
	f->strs[f->nstrs++] = c;
	return c;
}

/*
 * Hosts from spec, space separated, each NAME[@SITE][/TIER]: "a1@a/0"
 * is host a1 in site a, tier 0; without @ a host stands in no site,
 * without / it has no tier.  Every site string is a copy of its own, so
 * the planner must compare sites by name.
 */
static struct fleet *
fleet_new(const char *spec)
{
	struct fleet	*f = calloc(1, sizeof(*f));
	const char	*s, *end, *at, *slash;
	size_t		 max = 1;

	assert_non_null(f);
	for (s = spec; *s != '\0'; s++)
		max += *s == ' ';
	f->h = calloc(max, sizeof(*f->h));
	f->p = calloc(max, sizeof(*f->p));
	f->strs = calloc(2 * max, sizeof(*f->strs));
	for (s = spec; *s != '\0'; s = *end ? end + 1 : end) {
		end = strchr(s, ' ');
		if (end == NULL)
			end = s + strlen(s);
		if (end == s)
			continue;
		host_init(&f->h[f->n]);
		at = memchr(s, '@', (size_t)(end - s));
		slash = memchr(s, '/', (size_t)(end - s));
		if (slash != NULL)
			f->h[f->n].tier = atoi(slash + 1);
		else
			slash = end;
		f->h[f->n].name = fleet_keep(f, s,
		    (size_t)((at ? at : slash) - s));
		if (at != NULL)
			f->h[f->n].site = fleet_keep(f, at + 1,
			    (size_t)(slash - at - 1));
		f->p[f->n] = &f->h[f->n];
		f->n++;
	}
	return f;
}

static void
fleet_free(struct fleet *f)
{
	size_t	 i;

	for (i = 0; i < f->nstrs; i++)
		free(f->strs[i]);
	free(f->strs);
	free(f->p);
	free(f->h);
	free(f);
}

static struct rollout_size
count(unsigned v)
{
	struct rollout_size	 z;

	memset(&z, 0, sizeof(z));
	z.set = true;
	z.value = v;
	return z;
}

static struct rollout_size
pct(unsigned v)
{
	struct rollout_size	 z = count(v);

	z.percent = true;
	return z;
}

/*
 * Checks that every host is in exactly one wave, that waves are never
 * empty and are numbered 0 (the canary, first, only with one) or 1, 2, ...
 */
static void
check_plan(const struct rollout_plan *p, size_t n, size_t canary)
{
	unsigned char	*seen = calloc(n ? n : 1, 1);
	size_t		 i, k, total = 0;

	assert_non_null(seen);
	assert_int_equal(p->nhosts, n);
	for (i = 0; i < p->nwaves; i++) {
		assert_true(p->waves[i].n > 0);
		assert_int_equal(p->waves[i].number, canary ? i : i + 1);
		for (k = 0; k < p->waves[i].n; k++) {
			assert_true(p->waves[i].hosts[k] < n);
			assert_int_equal(seen[p->waves[i].hosts[k]]++, 0);
		}
		total += p->waves[i].n;
	}
	assert_int_equal(total, n);
	if (canary > 0)
		assert_int_equal(p->waves[0].n, canary);
	free(seen);
}

/* Plans f with o; the plan must come out right. */
static void
plan_ok(const struct fleet *f, const struct rollout_opts *o,
    struct rollout_plan *p)
{
	struct diags	 d = DIAGS_INIT;

	assert_int_equal(rollout_plan(f->p, f->n, o, p, &d), 0);
	assert_int_equal(d.n, 0);
	check_plan(p, f->n, o->canary);
	diags_release(&d);
}

/* The wave sizes, "1 2 3". */
static void
assert_sizes(const struct rollout_plan *p, const char *want)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < p->nwaves; i++)
		buf_addf(&b, "%s%zu", i ? " " : "", p->waves[i].n);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

/* The waves with their hosts, "0: a1 b1 | 1: a2 a3". */
static void
assert_waves(const struct rollout_plan *p, const struct fleet *f,
    const char *want)
{
	struct buf	 b = BUF_INIT;
	size_t		 i, k;

	for (i = 0; i < p->nwaves; i++) {
		buf_addf(&b, "%s%zu:", i ? " | " : "", p->waves[i].number);
		for (k = 0; k < p->waves[i].n; k++)
			buf_addf(&b, " %s", f->p[p->waves[i].hosts[k]]->name);
	}
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

/* Ten hosts, h01..h10, all in site s. */
#define TEN	"h01@s h02@s h03@s h04@s h05@s h06@s h07@s h08@s h09@s h10@s"

static void
test_counts(void **state)
{
	struct fleet		*f = fleet_new(TEN);
	struct rollout_size	 w[] = { count(2), count(3) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;
	o.nwaves = 2;
	plan_ok(f, &o, &p);
	/* The last entry repeats; the last wave takes what is left. */
	assert_sizes(&p, "2 3 3 2");
	assert_waves(&p, f, "1: h01 h02 | 2: h03 h04 h05 | "
	    "3: h06 h07 h08 | 4: h09 h10");
	rollout_plan_release(&p);
	assert_null(p.waves);
	assert_int_equal(p.nwaves, 0);

	/* A count larger than the run: one wave. */
	w[0] = count(1000);
	o.nwaves = 1;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "10");
	rollout_plan_release(&p);

	w[0] = count(1);
	plan_ok(f, &o, &p);
	assert_sizes(&p, "1 1 1 1 1 1 1 1 1 1");
	rollout_plan_release(&p);
	fleet_free(f);
}

static void
test_percentages(void **state)
{
	struct fleet		*f = fleet_new(TEN);
	struct rollout_size	 w[3];
	struct rollout_opts	 o;
	struct rollout_plan	 p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;

	/* 10% of 10 is 1, 25% is 2.5 rounded up to 3, 50% is 5. */
	w[0] = pct(10);
	w[1] = pct(25);
	w[2] = pct(50);
	o.nwaves = 3;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "1 3 5 1");
	rollout_plan_release(&p);

	/* 33% is 3.3, rounded up to 4; repeated. */
	w[0] = pct(33);
	o.nwaves = 1;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "4 4 2");
	rollout_plan_release(&p);

	/* 1% of 10 is 0.1: at least one host. */
	w[0] = pct(1);
	plan_ok(f, &o, &p);
	assert_sizes(&p, "1 1 1 1 1 1 1 1 1 1");
	rollout_plan_release(&p);

	w[0] = pct(100);
	plan_ok(f, &o, &p);
	assert_sizes(&p, "10");
	rollout_plan_release(&p);
	fleet_free(f);
}

/* Percentages are of every host of the run, the canary included. */
static void
test_canary_and_mix(void **state)
{
	struct fleet		*f = fleet_new(TEN);
	struct rollout_size	 w[] = { count(2), pct(30) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.canary = 1;
	o.waves = w;
	o.nwaves = 2;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "1 2 3 3 1");
	assert_waves(&p, f, "0: h01 | 1: h02 h03 | 2: h04 h05 h06 | "
	    "3: h07 h08 h09 | 4: h10");
	rollout_plan_release(&p);

	/* No waves: the rest is one wave. */
	o.canary = 2;
	o.nwaves = 0;
	o.waves = NULL;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "2 8");
	rollout_plan_release(&p);

	o.canary = 0;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "10");
	assert_int_equal(p.waves[0].number, 1);
	rollout_plan_release(&p);

	/* The whole run as canary: nothing after it. */
	o.canary = 10;
	o.waves = w;
	plan_ok(f, &o, &p);
	assert_sizes(&p, "10");
	assert_int_equal(p.waves[0].number, 0);
	rollout_plan_release(&p);
	fleet_free(f);
}

static void
test_canary_spread(void **state)
{
	struct fleet		*f = fleet_new("a1@a a2@a b1@b a3@a c1@c "
				    "b2@b a4@a");
	struct fleet		*g = fleet_new("x1 x2 a1@a a2@a x3");
	struct rollout_size	 w[] = { count(2) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;
	o.nwaves = 1;

	/* The example of rollout.h: picks a1 b1 c1 a2, in run order. */
	o.canary = 4;
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "0: a1 a2 b1 c1 | 1: a3 b2 | 2: a4");
	rollout_plan_release(&p);

	o.canary = 2;
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "0: a1 b1 | 1: a2 a3 | 2: c1 b2 | 3: a4");
	rollout_plan_release(&p);

	/* Round 2 goes to the sites that still have hosts: a, b. */
	o.canary = 6;
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "0: a1 a2 b1 a3 c1 b2 | 1: a4");
	rollout_plan_release(&p);

	/* Hosts with no site count as one site of their own. */
	o.canary = 2;
	plan_ok(g, &o, &p);
	assert_waves(&p, g, "0: x1 a1 | 1: x2 a2 | 2: x3");
	rollout_plan_release(&p);
	o.canary = 3;
	plan_ok(g, &o, &p);
	assert_waves(&p, g, "0: x1 x2 a1 | 1: a2 x3");
	rollout_plan_release(&p);
	fleet_free(g);
	fleet_free(f);
}

static void
test_tier_order(void **state)
{
	struct fleet		*f = fleet_new("a1@s/2 a2@s/0 a3@s a4@s/0 "
				    "a5@s/1 a6@s/2 a7@s/0");
	struct fleet		*g = fleet_new("a1@a/0 a2@a/0 a3@a/0 b1@b/2 "
				    "b2@b/1");
	struct rollout_size	 w[] = { count(3) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;
	o.nwaves = 1;
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "1: a1 a2 a3 | 2: a4 a5 a6 | 3: a7");
	rollout_plan_release(&p);

	/* Tier 0 first, no tier last, the order given within a tier. */
	o.order_tier = true;
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "1: a2 a4 a7 | 2: a5 a1 a6 | 3: a3");
	rollout_plan_release(&p);

	/*
	 * The canary spread goes before tier: site b's first host (b2,
	 * tier 1) comes before site a's second tier 0 host.
	 */
	o.canary = 2;
	plan_ok(g, &o, &p);
	assert_waves(&p, g, "0: a1 b2 | 1: a2 a3 b1");
	rollout_plan_release(&p);
	fleet_free(g);
	fleet_free(f);
}

static const char *
site_of(const struct fleet *f, size_t i)
{
	return f->p[i]->site != NULL ? f->p[i]->site : "(none)";
}

/* Every wave after the canary holds one site's hosts. */
static void
check_one_site(const struct rollout_plan *p, const struct fleet *f)
{
	const char	*site;
	size_t		 i, k;

	for (i = 0; i < p->nwaves; i++) {
		if (p->waves[i].number == 0)
			continue;
		site = site_of(f, p->waves[i].hosts[0]);
		for (k = 1; k < p->waves[i].n; k++)
			assert_string_equal(site_of(f, p->waves[i].hosts[k]),
			    site);
	}
}

static void
test_serial_site(void **state)
{
	struct fleet		*f = fleet_new("a1@a b1@b a2@a b2@b a3@a");
	struct fleet		*g = fleet_new("a1@a/2 b1@b/0 a2@a/0 b2@b/1 "
				    "a3@a/1 b3@b/2 c1@c x1 x2");
	struct rollout_size	 w[] = { count(2) };
	struct rollout_size	 w2[] = { count(1), count(3) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;
	o.nwaves = 1;
	o.serial_site = true;

	/* The example of rollout.h. */
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "1: a1 a2 | 2: a3 | 3: b1 b2");
	check_one_site(&p, f);
	rollout_plan_release(&p);

	/* Without serial_site the same waves mix sites. */
	o.serial_site = false;
	plan_ok(f, &o, &p);
	assert_waves(&p, f, "1: a1 b1 | 2: a2 b2 | 3: a3");
	rollout_plan_release(&p);

	/*
	 * Tier order within each site; the site of the first host (b1,
	 * tier 0) first; the canary still spread; hosts with no site as one
	 * site, last here.
	 */
	o.serial_site = true;
	o.order_tier = true;
	o.canary = 2;
	w[0] = count(10);
	plan_ok(g, &o, &p);
	/* Run order: b1 a2 b2 a3 a1 b3 c1 x1 x2; canary b1 a2. */
	assert_waves(&p, g, "0: b1 a2 | 1: b2 b3 | 2: a3 a1 | 3: c1 | "
	    "4: x1 x2");
	check_one_site(&p, g);
	rollout_plan_release(&p);

	/* Sizes come one entry per wave, across sites. */
	o.canary = 0;
	o.order_tier = false;
	o.waves = w2;
	o.nwaves = 2;
	plan_ok(g, &o, &p);
	assert_waves(&p, g, "1: a1 | 2: a2 a3 | 3: b1 b2 b3 | 4: c1 | "
	    "5: x1 x2");
	rollout_plan_release(&p);
	fleet_free(g);
	fleet_free(f);
}

static void
test_invalid(void **state)
{
	struct fleet		*f = fleet_new("a1 a2 a3");
	struct rollout_size	 w[] = { count(2), pct(0), pct(101),
				    count(0), count(0) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;
	struct diags		 d = DIAGS_INIT;

	(void)state;
	memset(&o, 0, sizeof(o));
	w[1].pos.file = "p.yml";
	w[1].pos.line = 4;
	w[1].pos.col = 12;
	w[4].set = false;
	o.waves = w;
	o.nwaves = 5;
	o.canary = 4;
	o.canary_pos.file = "p.yml";
	o.canary_pos.line = 3;
	o.canary_pos.col = 11;
	o.max_fail = pct(101);
	o.max_unreachable = pct(100);
	assert_int_equal(rollout_plan(f->p, f->n, &o, &p, &d),
	    LB_ERR_INVALID);
	assert_null(p.waves);
	assert_null(p.idx);
	assert_int_equal(p.nwaves, 0);
	rollout_plan_release(&p);
	assert_int_equal(d.nerrors, 6);
	assert_string_equal(d.v[0].msg, "canary is 4: the run has only 3 "
	    "hosts");
	assert_string_equal(d.v[0].file, "p.yml");
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(d.v[0].col, 11);
	assert_string_equal(d.v[1].msg, "waves entry 2 is 0%: a percentage "
	    "must be 1% to 100%");
	assert_string_equal(d.v[1].file, "p.yml");
	assert_int_equal(d.v[1].line, 4);
	assert_int_equal(d.v[1].col, 12);
	assert_string_equal(d.v[2].msg, "waves entry 3 is 101%: a "
	    "percentage must be 1% to 100%");
	assert_null(d.v[2].file);
	assert_string_equal(d.v[3].msg, "waves entry 4 is 0: a wave needs "
	    "at least one host");
	assert_string_equal(d.v[4].msg, "waves entry 5 has no size");
	assert_string_equal(d.v[5].msg, "max_fail is 101%: a percentage "
	    "must be 0% to 100%");
	diags_release(&d);

	/* 0% and a count of 0 are fine budgets; a canary of all is fine. */
	o.nwaves = 1;
	o.canary = 3;
	o.max_fail = pct(0);
	o.max_unreachable = count(0);
	plan_ok(f, &o, &p);
	assert_sizes(&p, "3");
	rollout_plan_release(&p);

	/* A canary in an empty run is too large. */
	assert_int_equal(rollout_plan(f->p, 0, &o, &p, &d), LB_ERR_INVALID);
	assert_string_equal(d.v[0].msg, "canary is 3: the run has only 0 "
	    "hosts");
	diags_release(&d);
	fleet_free(f);
}

static void
test_empty(void **state)
{
	struct rollout_size	 w[] = { pct(10) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;
	struct diags		 d = DIAGS_INIT;
	char			*text;
	size_t			 len;
	FILE			*fp;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;
	o.nwaves = 1;
	o.serial_site = true;
	o.order_tier = true;
	assert_int_equal(rollout_plan(NULL, 0, &o, &p, &d), 0);
	assert_int_equal(p.nwaves, 0);
	assert_int_equal(p.nhosts, 0);
	fp = open_memstream(&text, &len);
	assert_int_equal(rollout_plan_print(&p, NULL, fp), 0);
	fclose(fp);
	assert_string_equal(text, "rollout: 0 hosts in 0 waves\n"
	    "halt: never\n");
	free(text);
	rollout_plan_release(&p);
	assert_int_equal(d.n, 0);
}

static void
assert_halt(const struct rollout_opts *o, const struct rollout_tally *t,
    enum rollout_halt want, const char *why)
{
	char	 buf[ROLLOUT_WHY_MAX] = "untouched";

	assert_int_equal(rollout_should_halt(o, t, buf, sizeof(buf)), want);
	assert_string_equal(buf, why != NULL ? why : "untouched");
	/* why may be NULL. */
	assert_int_equal(rollout_should_halt(o, t, NULL, 0), want);
}

static void
test_halt_count(void **state)
{
	struct rollout_opts	 o;
	struct rollout_tally	 t;

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));

	/* Unset: no limit. */
	t.failed = 9;
	t.ok = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);

	/* max_fail 2: 2 failed go on, 3 halt. */
	o.max_fail = count(2);
	t.failed = 2;
	t.ok = 8;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.failed = 3;
	t.ok = 7;
	assert_int_equal(rollout_tally_done(&t), 10);
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "3 of 10 hosts failed, more than max_fail 2");

	/* max_fail 0: the first failure halts. */
	o.max_fail = count(0);
	t.failed = 0;
	t.ok = 5;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.failed = 1;
	t.ok = 0;
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "1 of 1 host failed, more than max_fail 0");
	assert_string_equal(rollout_halt_name(ROLLOUT_HALT_FAILED),
	    "max_fail");
	assert_string_equal(rollout_halt_name(ROLLOUT_GO), "go");
}

static void
test_halt_percent(void **state)
{
	struct rollout_opts	 o;
	struct rollout_tally	 t;

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	o.max_fail = pct(20);

	/* Nothing done, nothing to weigh. */
	assert_halt(&o, &t, ROLLOUT_GO, NULL);

	/* 20% of 10 done: 2 failed go on, 3 halt. */
	t.ok = 8;
	t.failed = 2;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.ok = 7;
	t.failed = 3;
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "3 of 10 hosts failed, more than max_fail 20%");

	/* Skipped hosts are done too: 3 of 15 is 20%, not more. */
	t.skipped = 5;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);

	/* 20% of 7 is 1.4: 1 goes on, 2 halt. */
	memset(&t, 0, sizeof(t));
	t.ok = 6;
	t.failed = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.ok = 5;
	t.failed = 2;
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "2 of 7 hosts failed, more than max_fail 20%");

	/* 0%: any failure; 100%: never. */
	o.max_fail = pct(0);
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "2 of 7 hosts failed, more than max_fail 0%");
	o.max_fail = pct(100);
	t.ok = 0;
	t.failed = 7;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
}

/* An unreachable host is not a failed one: each has its own budget. */
static void
test_unreachable_apart(void **state)
{
	struct rollout_opts	 o;
	struct rollout_tally	 t;

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	o.max_fail = count(0);
	t.ok = 5;
	t.unreachable = 5;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);

	o.max_fail = count(1);
	o.max_unreachable = count(1);
	t.ok = 7;
	t.failed = 1;
	t.unreachable = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.ok = 6;
	t.unreachable = 2;
	assert_halt(&o, &t, ROLLOUT_HALT_UNREACHABLE,
	    "2 of 9 hosts unreachable, more than max_unreachable 1");

	/* Both past: failed first. */
	t.failed = 2;
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "2 of 10 hosts failed, more than max_fail 1");

	o.max_fail.set = false;
	o.max_unreachable = pct(10);
	t.ok = 8;
	t.failed = 0;
	t.unreachable = 1;
	t.skipped = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.unreachable = 2;
	t.skipped = 0;
	assert_halt(&o, &t, ROLLOUT_HALT_UNREACHABLE,
	    "2 of 10 hosts unreachable, more than max_unreachable 10%");
	assert_string_equal(rollout_halt_name(ROLLOUT_HALT_UNREACHABLE),
	    "max_unreachable");
}

static void
test_halt_canary(void **state)
{
	struct rollout_opts	 o;
	struct rollout_tally	 t;

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	o.canary = 2;

	/* A failed canary host halts, even before the canary is done. */
	t.failed = 1;
	assert_halt(&o, &t, ROLLOUT_HALT_CANARY_FAILED,
	    "1 of 2 canary hosts failed");
	t.ok = 1;
	assert_halt(&o, &t, ROLLOUT_HALT_CANARY_FAILED,
	    "1 of 2 canary hosts failed");
	assert_string_equal(rollout_halt_name(ROLLOUT_HALT_CANARY_FAILED),
	    "canary_failed");

	/* Past the canary, an unset max_fail is no limit again. */
	t.ok = 5;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);

	/* A set max_fail decides alone. */
	o.max_fail = count(1);
	t.ok = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.ok = 0;
	t.failed = 2;
	assert_halt(&o, &t, ROLLOUT_HALT_FAILED,
	    "2 of 2 hosts failed, more than max_fail 1");

	/* A canary that reached no host tried nothing. */
	o.max_fail.set = false;
	t.failed = 0;
	t.unreachable = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	t.unreachable = 2;
	assert_halt(&o, &t, ROLLOUT_HALT_CANARY_UNREACHABLE,
	    "2 of 2 canary hosts unreachable, nothing was tried");
	assert_string_equal(
	    rollout_halt_name(ROLLOUT_HALT_CANARY_UNREACHABLE),
	    "canary_unreachable");
	t.unreachable = 1;
	t.skipped = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
	o.max_unreachable = count(5);
	t.unreachable = 2;
	t.skipped = 0;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);

	/* Without a canary there is no canary rule. */
	o.canary = 0;
	o.max_unreachable.set = false;
	t.failed = 1;
	t.unreachable = 1;
	assert_halt(&o, &t, ROLLOUT_GO, NULL);
}

/*
 * Runs a plan the way the runner does: each wave whole, then, with a wave
 * left, asks whether to go on.  Hosts whose name is in failing fail,
 * those in gone are unreachable.  Returns how many waves ran; *halt says
 * why it stopped.
 */
static size_t
simulate(const struct fleet *f, const struct rollout_opts *o,
    const char *failing, const char *gone, enum rollout_halt *halt,
    char *why)
{
	struct rollout_plan	 p;
	struct rollout_tally	 t;
	const char		*name;
	size_t			 i, k;

	memset(&t, 0, sizeof(t));
	plan_ok(f, o, &p);
	*halt = ROLLOUT_GO;
	for (i = 0; i < p.nwaves; i++) {
		if (i > 0) {
			*halt = rollout_should_halt(o, &t, why,
			    ROLLOUT_WHY_MAX);
			if (*halt != ROLLOUT_GO)
				break;
		}
		for (k = 0; k < p.waves[i].n; k++) {
			name = f->p[p.waves[i].hosts[k]]->name;
			if (strstr(failing, name) != NULL)
				t.failed++;
			else if (strstr(gone, name) != NULL)
				t.unreachable++;
			else
				t.ok++;
		}
	}
	rollout_plan_release(&p);
	return i;
}

static void
test_runs(void **state)
{
	struct fleet		*f = fleet_new(TEN " h11@s h12@s h13@s h14@s "
				    "h15@s h16@s h17@s h18@s h19@s h20@s");
	struct rollout_size	 w[] = { count(3) };
	struct rollout_opts	 o;
	enum rollout_halt	 halt;
	char			 why[ROLLOUT_WHY_MAX];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.waves = w;
	o.nwaves = 1;

	/* A failing canary halts the run before the first wave. */
	o.canary = 1;
	assert_int_equal(simulate(f, &o, "h01", "", &halt, why), 1);
	assert_int_equal(halt, ROLLOUT_HALT_CANARY_FAILED);
	assert_string_equal(why, "1 of 1 canary host failed");
	/* And a good canary lets every wave run. */
	assert_int_equal(simulate(f, &o, "h02 h05", "", &halt, why), 8);
	assert_int_equal(halt, ROLLOUT_GO);
	/* A canary that could not be reached halts too. */
	assert_int_equal(simulate(f, &o, "", "h01", &halt, why), 1);
	assert_int_equal(halt, ROLLOUT_HALT_CANARY_UNREACHABLE);

	/*
	 * max_fail 2, one failure in each of waves 1, 2, 3 (h01, h04,
	 * h07): 2 after wave 2 go on, 3 after wave 3 halt before wave 4.
	 */
	o.canary = 0;
	o.max_fail = count(2);
	assert_int_equal(simulate(f, &o, "h01 h04 h07 h10", "", &halt, why),
	    3);
	assert_int_equal(halt, ROLLOUT_HALT_FAILED);
	assert_string_equal(why, "3 of 9 hosts failed, more than max_fail 2");
	/* Unreachable hosts do not spend it. */
	assert_int_equal(simulate(f, &o, "h01 h04", "h02 h05 h08", &halt,
	    why), 7);
	assert_int_equal(halt, ROLLOUT_GO);

	/*
	 * max_fail 20% over waves of 5: 1 of 5 is 20%, goes on; 3 of 10
	 * is 30%, halts before wave 3.
	 */
	w[0] = count(5);
	o.max_fail = pct(20);
	assert_int_equal(simulate(f, &o, "h03 h06 h07 h11", "", &halt, why),
	    2);
	assert_int_equal(halt, ROLLOUT_HALT_FAILED);
	assert_string_equal(why,
	    "3 of 10 hosts failed, more than max_fail 20%");
	fleet_free(f);
}

static char *
print_plan(const struct fleet *f, const struct rollout_opts *o)
{
	struct rollout_plan	 p;
	char			*text;
	size_t			 len;
	FILE			*fp;

	plan_ok(f, o, &p);
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(rollout_plan_print(&p, f->p, fp), 0);
	fclose(fp);
	rollout_plan_release(&p);
	return text;
}

#define FLEET8	"ams-web01@ams ams-web02@ams ams-web03@ams ams-web04@ams " \
		"fra-web01@fra fra-web02@fra fra-web03@fra lon-db1@lon"

static void
test_print(void **state)
{
	struct fleet		*f = fleet_new(FLEET8);
	struct fleet		*one = fleet_new("solo");
	struct rollout_size	 w[] = { count(3) };
	struct rollout_opts	 o;
	char			*text;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.canary = 2;
	o.waves = w;
	o.nwaves = 1;
	o.max_fail = count(2);
	o.max_unreachable = pct(10);
	text = print_plan(f, &o);
	assert_string_equal(text,
	    "rollout: 8 hosts in 3 waves\n"
	    "halt: more than 2 failed, more than 10% unreachable\n"
	    "wave 0 (canary): 2 hosts: ams-web01,fra-web01\n"
	    "wave 1: 3 hosts: ams-web[02:04]\n"
	    "wave 2: 3 hosts: fra-web[02:03],lon-db1\n");
	free(text);

	o.max_fail = count(0);
	o.max_unreachable = pct(0);
	o.canary = 0;
	o.serial_site = true;
	text = print_plan(f, &o);
	assert_string_equal(text,
	    "rollout: 8 hosts in 4 waves\n"
	    "halt: any failed host, more than 0% unreachable\n"
	    "wave 1: 3 hosts: ams-web[01:03]\n"
	    "wave 2: 1 host: ams-web04\n"
	    "wave 3: 3 hosts: fra-web[01:03]\n"
	    "wave 4: 1 host: lon-db1\n");
	free(text);

	/* Unset budgets: only the canary halts. */
	o.max_fail.set = false;
	o.max_unreachable.set = false;
	o.canary = 1;
	text = print_plan(one, &o);
	assert_string_equal(text,
	    "rollout: 1 host in 1 wave\n"
	    "halt: a failed canary host, a canary with every host "
	    "unreachable\n"
	    "wave 0 (canary): 1 host: solo\n");
	free(text);
	o.canary = 0;
	text = print_plan(one, &o);
	assert_string_equal(text,
	    "rollout: 1 host in 1 wave\n"
	    "halt: never\n"
	    "wave 1: 1 host: solo\n");
	free(text);
	fleet_free(one);
	fleet_free(f);
}

static void
test_json(void **state)
{
	struct fleet		*f = fleet_new("a1@a a2@a b1@b");
	struct rollout_size	 w[] = { count(5) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;
	struct json		 j;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.canary = 1;
	o.waves = w;
	o.nwaves = 1;
	o.max_fail = pct(20);
	plan_ok(f, &o, &p);
	json_init(&j, NULL);
	rollout_plan_json(&p, f->p, &j);
	assert_int_equal(json_finish(&j), 0);
	assert_string_equal(buf_str(&j.out),
	    "{\"hosts\":3,\"max_fail\":{\"percent\":20},"
	    "\"max_unreachable\":null,\"waves\":["
	    "{\"number\":0,\"canary\":true,\"size\":1,\"hosts\":[\"a1\"]},"
	    "{\"number\":1,\"canary\":false,\"size\":2,"
	    "\"hosts\":[\"a2\",\"b1\"]}]}");
	json_release(&j);
	rollout_plan_release(&p);
	fleet_free(f);
}

#define BIG	100000

/* A fleet of BIG hosts; names and sites point into static storage. */
static struct fleet *
big_fleet(const char *(*sitefn)(size_t, char *), char (*names)[16],
    char (*sites)[16])
{
	struct fleet	*f = calloc(1, sizeof(*f));
	size_t		 i;

	assert_non_null(f);
	f->h = calloc(BIG, sizeof(*f->h));
	f->p = calloc(BIG, sizeof(*f->p));
	f->strs = calloc(1, sizeof(*f->strs));
	for (i = 0; i < BIG; i++) {
		host_init(&f->h[i]);
		snprintf(names[i], sizeof(names[i]), "h%06zu", i);
		f->h[i].name = names[i];
		f->h[i].site = sitefn(i, sites[i]);
		f->h[i].tier = (int)(i % 7) - 1;	/* -1: no tier */
		f->p[i] = &f->h[i];
	}
	f->n = BIG;
	return f;
}

/* 1,000 sites of 100 hosts, interleaved. */
static const char *
even_site(size_t i, char *buf)
{
	snprintf(buf, 16, "s%03zu", i % 1000);
	return buf;
}

/* One site of half the hosts, and 50,000 sites of one host. */
static const char *
lopsided_site(size_t i, char *buf)
{
	if (i % 2 == 0)
		return "big";
	snprintf(buf, 16, "o%06u", (unsigned)i);
	return buf;
}

/*
 * 100,000 hosts, every option on.  The canary of all the hosts over a
 * lopsided fleet would take 50,000 rounds of 50,000 sites if the
 * round-robin visited empty sites: seconds, not milliseconds.
 */
static void
test_big(void **state)
{
	static char		 names[BIG][16], sites[BIG][16];
	struct rollout_size	 w[] = { count(10), pct(1), pct(5) };
	struct rollout_opts	 o;
	struct rollout_plan	 p;
	struct fleet		*f;
	FILE			*fp;
	size_t			 i, nbig;
	unsigned char		*seen;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.canary = 1000;
	o.waves = w;
	o.nwaves = 3;
	o.order_tier = true;
	f = big_fleet(even_site, names, sites);
	plan_ok(f, &o, &p);
	/* One canary host in each site. */
	seen = calloc(1000, 1);
	assert_non_null(seen);
	for (i = 0; i < 1000; i++)
		assert_int_equal(seen[p.waves[0].hosts[i] % 1000]++, 0);
	free(seen);
	/* 10, then 1% (1,000), then 5% (5,000) until the end. */
	assert_int_equal(p.waves[1].n, 10);
	assert_int_equal(p.waves[2].n, 1000);
	assert_int_equal(p.waves[3].n, 5000);
	assert_int_equal(p.nwaves, 3 + (BIG - 1000 - 10 - 1000 + 4999) / 5000);
	fp = fopen("/dev/null", "w");
	assert_non_null(fp);
	assert_int_equal(rollout_plan_print(&p, f->p, fp), 0);
	fclose(fp);
	rollout_plan_release(&p);

	o.serial_site = true;
	plan_ok(f, &o, &p);
	check_one_site(&p, f);
	rollout_plan_release(&p);
	fleet_free(f);

	f = big_fleet(lopsided_site, names, sites);
	o.canary = BIG;
	o.serial_site = false;
	o.order_tier = false;
	plan_ok(f, &o, &p);
	assert_int_equal(p.nwaves, 1);
	rollout_plan_release(&p);
	o.canary = BIG / 2 + 10;
	o.serial_site = true;
	plan_ok(f, &o, &p);
	/* The canary: every one-host site, and 10 of the big one. */
	for (i = nbig = 0; i < p.waves[0].n; i++)
		nbig += strcmp(site_of(f, p.waves[0].hosts[i]), "big") == 0;
	assert_int_equal(nbig, 10);
	/* The other 49,990: 10, 1,000, then ten waves of up to 5,000. */
	assert_int_equal(p.nwaves, 13);
	assert_int_equal(p.waves[12].n, 48980 - 9 * 5000);
	check_one_site(&p, f);
	rollout_plan_release(&p);
	fleet_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_percentages),
		cmocka_unit_test(test_canary_and_mix),
		cmocka_unit_test(test_canary_spread),
		cmocka_unit_test(test_tier_order),
		cmocka_unit_test(test_serial_site),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_halt_count),
		cmocka_unit_test(test_halt_percent),
		cmocka_unit_test(test_unreachable_apart),
		cmocka_unit_test(test_halt_canary),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
