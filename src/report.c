/*
 * Reports of a run (see report.h): the run's state is worked out once
 * here, from struct jrun and the outputs in its run directory, and each
 * format's writer (report-text.c, report-json.c, report-junit.c,
 * report-html.c) renders it.  The rules that give a host its lot are
 * here, so that every format agrees.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "redact.h"
#include "report-int.h"
#include "report.h"
#include "xmalloc.h"

#define MAX_WARNINGS	20

static const char *const format_names[] = {
	[REPORT_TEXT] = "text",
	[REPORT_JSON] = "json",
	[REPORT_JUNIT] = "junit",
	[REPORT_HTML] = "html",
};

int
report_format_parse(const char *s, enum report_format *f)
{
	size_t	 i;

	for (i = 0; i < sizeof format_names / sizeof *format_names; i++) {
		if (strcmp(s, format_names[i]) == 0) {
			*f = (enum report_format)i;
			return 0;
		}
	}
	return -1;
}

const char *
report_format_name(enum report_format f)
{
	if ((size_t)f >= sizeof format_names / sizeof *format_names)
		return "?";
	return format_names[f];
}

int
report_redact(const struct report_opts *o, const char *s, size_t len,
    struct buf *out)
{
	/* A mask is 8 bytes for a secret of 3 at least: at most 3 times. */
	if (len > (out->max - out->len) / 3)
		return LB_ERR_LIMIT;
	(void)redact(out, s, len, o != NULL ? o->secrets : NULL,
	    o != NULL ? o->nsecrets : 0);
	return 0;
}

void
rep_add(struct rep *r, const char *s, size_t len)
{
	if (r->err == 0 && buf_add(r->out, s, len) != 0)
		r->err = LB_ERR_LIMIT;
}

void
rep_puts(struct rep *r, const char *s)
{
	rep_add(r, s, strlen(s));
}

void
rep_printf(struct rep *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (r->err == 0 && buf_vaddf(r->out, fmt, ap) != 0)
		r->err = LB_ERR_LIMIT;
	va_end(ap);
}

const char *
rep_str(struct rep *r, const char *s)
{
	buf_reset(&r->tmp);
	if (s != NULL && report_redact(r->o, s, strlen(s), &r->tmp) != 0 &&
	    r->err == 0)
		r->err = LB_ERR_LIMIT;
	return buf_str(&r->tmp);
}

size_t
rep_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		 len, i;
	uint32_t	 c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07;
	else
		goto bad;
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xfffd;
	return 1;
}

void
rep_put_cp(struct buf *b, uint32_t cp, int *err)
{
	char	 u[4];
	size_t	 n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (buf_add(b, u, n) != 0 && *err == 0)
		*err = LB_ERR_LIMIT;
}

void
rep_time(int64_t ms, char *s, size_t len)
{
	struct tm	 tm;
	time_t		 t;

	if (ms <= 0) {
		snprintf(s, len, "-");
		return;
	}
	t = (time_t)(ms / 1000);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(s, len, "-");
}

void
rep_dur(int64_t ms, char *s, size_t len)
{
	int64_t	 sec;

	if (ms < 0)
		snprintf(s, len, "-");
	else if (ms < 1000)
		snprintf(s, len, "%" PRId64 "ms", ms);
	else if (ms < 60000)
		snprintf(s, len, "%.1fs", (double)ms / 1000);
	else if ((sec = ms / 1000) < 3600)
		snprintf(s, len, "%" PRId64 "m%02" PRId64 "s", sec / 60,
		    sec % 60);
	else
		snprintf(s, len, "%" PRId64 "h%02" PRId64 "m%02" PRId64 "s",
		    sec / 3600, sec / 60 % 60, sec % 60);
}

void
rep_wave_name(const struct rep *r, size_t w, char *s, size_t len)
{
	if (w >= r->run->nwaves)
		snprintf(s, len, "no wave");
	else if (r->run->waves[w].number == 0)
		snprintf(s, len, "wave 0 (canary)");
	else
		snprintf(s, len, "wave %zu", r->run->waves[w].number);
}

const char *
rep_site(const char *site)
{
	return site == NULL || site[0] == '\0' ? "-" : site;
}

const char *
rep_cat_name(enum hcat c)
{
	static const char *const names[] = {
		[HC_OK] = "ok",
		[HC_SKIPPED] = "skipped",
		[HC_FAILED] = "failed",
		[HC_UNREACHABLE] = "unreachable",
		[HC_CANCELLED] = "cancelled",
		[HC_UNKNOWN] = "unknown",
		[HC_INTERRUPTED] = "interrupted",
		[HC_NOT_RUN] = "not run",
	};

	return (size_t)c < HC_N ? names[c] : "?";
}

const char *
rep_step_word(const struct jstep *st)
{
	switch (st->state) {
	case JS_ENDED:
		return st->outcome != NULL ? st->outcome : "unknown";
	case JS_STARTED:
		return "unknown";
	default:
		return "not run";
	}
}

const char *
rep_result(const struct rep *r, char *s, size_t len)
{
	if (!r->run->ended)
		return r->state;
	switch (r->run->status) {
	case 0:
		return "ok";
	case 1:
		return "failed";
	case 3:
		return "halted";
	case 130:
		return "interrupted";
	}
	snprintf(s, len, "exit status %d", r->run->status);
	return s;
}

const char *const rep_count_names[RC_N] = {
	"hosts", "ok", "changed", "failed", "unreachable", "skipped",
	"cancelled", "unknown", "interrupted", "not run",
};

void
rep_counts(const struct rtally *t, size_t v[RC_N])
{
	v[RC_HOSTS] = t->hosts;
	v[RC_OK] = t->n[HC_OK];
	v[RC_CHANGED] = t->changed;
	v[RC_FAILED] = t->n[HC_FAILED];
	v[RC_UNREACHABLE] = t->n[HC_UNREACHABLE];
	v[RC_SKIPPED] = t->n[HC_SKIPPED];
	v[RC_CANCELLED] = t->n[HC_CANCELLED];
	v[RC_UNKNOWN] = t->n[HC_UNKNOWN];
	v[RC_INTERRUPTED] = t->n[HC_INTERRUPTED];
	v[RC_NOT_RUN] = t->n[HC_NOT_RUN];
}

void
rep_run_facts(struct rep *r, rep_kv_fn *kv)
{
	const struct jrun	*run = r->run;
	struct buf		 b = BUF_INIT;
	char			 t[32], res[32];
	size_t			 i;

	kv(r, "run", run->id, 0);
	if (run->command != NULL)
		kv(r, "command", run->command, 0);
	if (run->name != NULL || run->playbook != NULL) {
		buf_addf(&b, "%s%s%s%s", run->name ? run->name : "",
		    run->name && run->playbook ? " (" : "",
		    run->playbook ? run->playbook : "",
		    run->name && run->playbook ? ")" : "");
		kv(r, "playbook", buf_str(&b), 0);
	}
	kv(r, "kind", run->kind, 0);
	for (i = 0; i < run->ninv; i++)
		kv(r, "inventory", run->inv_paths[i], i);
	if (run->limit != NULL)
		kv(r, "limit", run->limit, 0);
	for (i = 0; i < run->nvars; i++) {
		buf_reset(&b);
		buf_addf(&b, "%s=%s", run->var_names[i],
		    run->var_values[i] ? run->var_values[i] : "");
		kv(r, "vars", buf_str(&b), i);
	}
	kv(r, "user", run->user, 0);
	rep_time(run->started_at, t, sizeof t);
	kv(r, "started", t, 0);
	rep_time(run->ended ? run->ended_at : 0, t, sizeof t);
	kv(r, "ended", t, 0);
	rep_dur(rep_run_ms(r), t, sizeof t);
	kv(r, "duration", t, 0);
	buf_reset(&b);
	buf_adds(&b, rep_result(r, res, sizeof res));
	if (run->ended)
		buf_addf(&b, " (exit status %d)", run->status);
	if (run->halted && run->halt_reason != NULL)
		buf_addf(&b, ": %s", run->halt_reason);
	kv(r, "result", buf_str(&b), 0);
	buf_reset(&b);
	buf_addf(&b, "%zu in %zu wave%s, %zu site%s; %zu step%s",
	    run->nhosts, run->nwaves, run->nwaves == 1 ? "" : "s",
	    r->nrealsites, r->nrealsites == 1 ? "" : "s", run->nsteps,
	    run->nsteps == 1 ? "" : "s");
	kv(r, "hosts", buf_str(&b), 0);
	buf_reset(&b);
	buf_addf(&b, "%zu", run->resumes);
	kv(r, "resumes", buf_str(&b), 0);
	kv(r, "rerun of", run->rerun_of, 0);
	for (i = 0; i < run->nreruns; i++)
		kv(r, "reruns", run->reruns[i], i);
	if (run->nreruns == 0)
		kv(r, "reruns", NULL, 0);
	buf_release(&b);
}

int64_t
rep_run_ms(const struct rep *r)
{
	const struct jrun	*run = r->run;
	int64_t			 end = run->ended_at;
	size_t			 i;

	if (run->started_at <= 0)
		return -1;
	/* Not done: as far as the journal goes. */
	for (i = 0; !run->ended && i < run->nhosts; i++)
		if (r->hosts[i].end_at > end)
			end = r->hosts[i].end_at;
	return end >= run->started_at ? end - run->started_at : -1;
}

int64_t
rep_wave_ms(const struct rep *r, size_t w, int64_t *endp)
{
	const struct jwave	*jw = &r->run->waves[w];
	int64_t			 end = 0;
	size_t			 i;

	for (i = 0; i < jw->n; i++)
		if (r->hosts[jw->hosts[i]].end_at > end)
			end = r->hosts[jw->hosts[i]].end_at;
	if (endp != NULL)
		*endp = end;
	if (jw->start_at <= 0 || end < jw->start_at)
		return -1;
	return end - jw->start_at;
}

const char *
rep_owner(const struct rep *r, const char *step)
{
	size_t	 i;

	for (i = 0; i < r->run->nsteps; i++)
		if (strcmp(r->run->steps[i].name, step) == 0)
			return r->run->steps[i].owner ?
			    r->run->steps[i].owner : "-";
	return "-";
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
rep_step_durations(const struct rep *r, size_t s, struct rstepdur *d)
{
	const struct jrun	*run = r->run;
	const struct jstep	*st;
	int64_t			*v;
	size_t			 i;

	memset(d, 0, sizeof(*d));
	d->max_host = JNONE;
	d->max_ms = -1;
	v = xreallocarray(NULL, run->nhosts ? run->nhosts : 1, sizeof(*v));
	for (i = 0; i < run->nhosts; i++) {
		st = &run->hosts[i].steps[s];
		/* A skipped step did not run. */
		if (st->state != JS_ENDED || (st->outcome != NULL &&
		    strcmp(st->outcome, "skipped") == 0))
			continue;
		v[d->runs++] = st->ms;
		if (st->ms > d->max_ms) {
			d->max_ms = st->ms;
			d->max_host = i;
		}
	}
	if (d->runs > 0) {
		qsort(v, d->runs, sizeof(*v), cmp_i64);
		d->median_ms = d->runs % 2 ? v[d->runs / 2] :
		    (v[d->runs / 2 - 1] + v[d->runs / 2]) / 2;
	}
	free(v);
}

const struct jout *
rep_jout(const struct rep *r, size_t h, size_t s, int stream)
{
	const struct jstep	*st = &r->run->hosts[h].steps[s];

	return stream == REP_STDERR ? &st->err : &st->out;
}

enum rout_state
rep_out_state(const struct rep *r, size_t h, size_t s, int stream)
{
	return (enum rout_state)r->outst[(h * r->run->nsteps + s) * 2 +
	    (size_t)stream];
}

bool
rep_excerpt(struct rep *r, size_t h, size_t s, int stream,
    struct rexcerpt *x)
{
	const struct jout	*o = rep_jout(r, h, s, stream);
	struct buf		 raw;
	const char		*t;
	size_t			 start, i;

	memset(x, 0, sizeof(*x));
	buf_init(&x->text, REPORT_MAX_SIZE, 0);
	x->state = rep_out_state(r, h, s, stream);
	if (o->len <= 0 || x->state == ROUT_NONE)
		return false;
	x->bytes = (size_t)o->len;
	if (x->state == ROUT_UNREADABLE)
		return true;
	buf_init(&raw, REPORT_MAX_SIZE, 0);
	(void)journal_read_output(r->dir, o, &raw);
	if (report_redact(r->o, raw.data ? raw.data : "", raw.len,
	    &x->text) != 0 && r->err == 0)
		r->err = LB_ERR_LIMIT;
	buf_release(&raw);
	if (x->text.len <= r->max_output)
		return true;
	t = x->text.data;
	start = x->text.len - r->max_output;
	/* From the start of a line when there is one to start from. */
	for (i = start; i + 1 < x->text.len && t[i] != '\n'; i++)
		;
	if (i + 1 < x->text.len && start > 0 && t[start - 1] != '\n')
		start = i + 1;
	while (start < x->text.len && ((unsigned char)t[start] & 0xc0) ==
	    0x80)
		start++;
	memmove(x->text.data, t + start, x->text.len - start);
	buf_truncate(&x->text, x->text.len - start);
	x->left_out = start;
	return true;
}

void
rep_excerpt_release(struct rexcerpt *x)
{
	buf_release(&x->text);
}

static void
warn(struct rep *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn(struct rep *r, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	r->warnings = xreallocarray(r->warnings, r->nwarnings + 1,
	    sizeof(*r->warnings));
	r->warnings[r->nwarnings++] = s;
}

static enum hcat
host_cat(const struct jrun *run, const struct jhost *h)
{
	size_t	 i, skipped = 0;

	if (h->done) {
		if (h->status == NULL)
			return HC_UNKNOWN;
		if (strcmp(h->status, "ok") == 0) {
			for (i = 0; i < run->nsteps; i++)
				if (h->steps[i].state == JS_ENDED &&
				    h->steps[i].outcome != NULL &&
				    strcmp(h->steps[i].outcome, "skipped") ==
				    0)
					skipped++;
			return skipped > 0 && skipped == run->nsteps ?
			    HC_SKIPPED : HC_OK;
		}
		if (strcmp(h->status, "failed") == 0)
			return HC_FAILED;
		if (strcmp(h->status, "unreachable") == 0)
			return HC_UNREACHABLE;
		if (strcmp(h->status, "cancelled") == 0)
			return HC_CANCELLED;
		return HC_UNKNOWN;
	}
	for (i = 0; i < run->nsteps; i++)
		if (h->steps[i].state == JS_STARTED)
			return HC_UNKNOWN;
	if (h->wave >= run->nwaves || run->waves[h->wave].start_at <= 0)
		return HC_NOT_RUN;
	return HC_INTERRUPTED;
}

static bool
is_failure(const char *outcome)
{
	return outcome != NULL && (strcmp(outcome, "failed") == 0 ||
	    strcmp(outcome, "unreachable") == 0 ||
	    strcmp(outcome, "unknown") == 0);
}

/* The step a host failed at: the first that failed, else the last that
 * did not end well. */
static size_t
fail_step(const struct jrun *run, const struct jhost *h, enum hcat cat)
{
	size_t	 i, last = JNONE;

	for (i = 0; i < run->nsteps; i++) {
		if (cat == HC_UNKNOWN && h->steps[i].state == JS_STARTED)
			return i;
		if (h->steps[i].state != JS_ENDED)
			continue;
		if (is_failure(h->steps[i].outcome))
			return i;
		if (h->steps[i].outcome != NULL &&
		    strcmp(h->steps[i].outcome, "ok") != 0 &&
		    strcmp(h->steps[i].outcome, "changed") != 0 &&
		    strcmp(h->steps[i].outcome, "skipped") != 0)
			last = i;
	}
	return last;
}

static void
host_times(const struct jrun *run, const struct jhost *h, struct rhost *rh)
{
	const struct jstep	*st;
	int64_t			 t;
	size_t			 i;

	for (i = 0; i < run->nsteps; i++) {
		st = &h->steps[i];
		t = st->start_at > 0 ? st->start_at : st->end_at;
		if (t > 0 && (rh->start_at == 0 || t < rh->start_at))
			rh->start_at = t;
		if (st->end_at > rh->end_at)
			rh->end_at = st->end_at;
	}
	if (h->done && h->end_at > rh->end_at)
		rh->end_at = h->end_at;
}

static void
tally_add(struct rtally *t, const struct rhost *h)
{
	t->hosts++;
	t->n[h->cat]++;
	if (h->changed)
		t->changed++;
}

static struct rtally *
site_tally(struct rep *r, const char *site)
{
	size_t	 i;

	site = rep_site(site);
	for (i = 0; i < r->nsites; i++)
		if (strcmp(r->sites[i], site) == 0)
			return &r->site_tally[i];
	r->sites = xreallocarray(r->sites, r->nsites + 1, sizeof(*r->sites));
	r->site_tally = xreallocarray(r->site_tally, r->nsites + 1,
	    sizeof(*r->site_tally));
	r->sites[r->nsites] = site;
	if (strcmp(site, "-") != 0)
		r->nrealsites++;
	memset(&r->site_tally[r->nsites], 0, sizeof(*r->site_tally));
	return &r->site_tally[r->nsites++];
}

/* Reads every output once, to say up front which do not match. */
static void
check_outputs(struct rep *r)
{
	const struct jrun	*run = r->run;
	const struct jout	*o;
	struct buf		 b;
	size_t			 h, s, bad = 0;
	int			 k, e;

	r->outst = xcalloc(run->nhosts * run->nsteps * 2 + 1, 1);
	buf_init(&b, REPORT_MAX_SIZE, 0);
	for (h = 0; h < run->nhosts; h++) {
		for (s = 0; s < run->nsteps; s++) {
			for (k = REP_STDOUT; k <= REP_STDERR; k++) {
				o = rep_jout(r, h, s, k);
				if (o->len <= 0)
					continue;
				e = journal_read_output(r->dir, o, &b);
				r->outst[(h * run->nsteps + s) * 2 +
				    (size_t)k] = e == 0 ? ROUT_OK :
				    e == LB_ERR_INVALID ? ROUT_MISMATCH :
				    ROUT_UNREADABLE;
				if (e == 0 || bad++ >= MAX_WARNINGS)
					continue;
				warn(r, "%s: step %02zu '%s': its %s %s",
				    run->hosts[h].name, s + 1,
				    run->steps[s].name, k == REP_STDERR ?
				    "stderr" : "stdout", e == LB_ERR_INVALID ?
				    "does not match its SHA-256 in the "
				    "journal" : "cannot be read from the "
				    "outputs file");
			}
		}
	}
	buf_release(&b);
	if (bad > MAX_WARNINGS)
		warn(r, "%zu more outputs do not match or cannot be read",
		    bad - MAX_WARNINGS);
}

static int
cmp_fail(const void *a, const void *b, void *arg)
{
	const struct jrun	*run = arg;
	size_t			 x = *(const size_t *)a;
	size_t			 y = *(const size_t *)b;
	size_t			 wx = run->hosts[x].wave;
	size_t			 wy = run->hosts[y].wave;

	if (wx != wy)
		return wx < wy ? -1 : 1;
	return x < y ? -1 : x > y;
}

static void
build(struct rep *r)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h;
	struct rhost		*rh;
	size_t			 i, k;

	r->hosts = xcalloc(run->nhosts ? run->nhosts : 1, sizeof(*r->hosts));
	r->waves = xcalloc(run->nwaves + 1, sizeof(*r->waves));
	r->fail = xcalloc(run->nhosts ? run->nhosts : 1, sizeof(*r->fail));
	for (i = 0; i < run->nhosts; i++) {
		h = &run->hosts[i];
		rh = &r->hosts[i];
		rh->cat = host_cat(run, h);
		rh->status = h->done && h->status != NULL ? h->status :
		    rep_cat_name(rh->cat);
		rh->changed = h->done && h->changed;
		for (k = 0; k < run->nsteps; k++)
			if (h->steps[k].state == JS_ENDED &&
			    h->steps[k].outcome != NULL &&
			    strcmp(h->steps[k].outcome, "changed") == 0)
				rh->changed = true;
		rh->fail_step = fail_step(run, h, rh->cat);
		host_times(run, h, rh);
		tally_add(&r->total, rh);
		tally_add(&r->waves[h->wave < run->nwaves ? h->wave :
		    run->nwaves], rh);
		tally_add(site_tally(r, h->site), rh);
		if (rh->cat == HC_FAILED || rh->cat == HC_UNREACHABLE ||
		    rh->cat == HC_UNKNOWN)
			r->fail[r->nfail++] = i;
	}
	qsort_r(r->fail, r->nfail, sizeof(*r->fail), cmp_fail, (void *)run);
	if (run->torn_len > 0)
		warn(r, "the journal ends in a torn record (%lld bytes left "
		    "out): the run was stopped while writing it",
		    (long long)run->torn_len);
	if (!run->ended && strcmp(r->state, "running") == 0)
		warn(r, "the run is still going: this report is of its state "
		    "so far");
	else if (!run->ended)
		warn(r, "the run has no done record: it was interrupted "
		    "(lifeboat resume %s carries it on)", run->id);
	check_outputs(r);
}

int
report_render(const struct jrun *run, const char *rundir,
    enum report_format f, const struct report_opts *o, struct buf *out)
{
	static const struct report_opts	 none;
	struct rep			 r;
	size_t				 i;

	if ((size_t)f >= sizeof format_names / sizeof *format_names)
		return LB_ERR_INVALID;
	memset(&r, 0, sizeof(r));
	r.run = run;
	r.dir = rundir;
	r.o = o != NULL ? o : &none;
	r.max_output = r.o->max_output ? r.o->max_output : REPORT_MAX_OUTPUT;
	r.state = journal_state(rundir, run);
	r.out = out;
	buf_init(&r.tmp, REPORT_MAX_SIZE, 0);
	build(&r);
	switch (f) {
	case REPORT_TEXT:
		report_text(&r);
		break;
	case REPORT_JSON:
		report_json(&r);
		break;
	case REPORT_JUNIT:
		report_junit(&r);
		break;
	case REPORT_HTML:
		report_html(&r);
		break;
	}
	for (i = 0; i < r.nwarnings; i++)
		free(r.warnings[i]);
	free(r.warnings);
	free(r.hosts);
	free(r.waves);
	free(r.sites);
	free(r.site_tally);
	free(r.fail);
	free(r.outst);
	buf_release(&r.tmp);
	return r.err;
}
