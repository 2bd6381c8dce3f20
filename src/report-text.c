/*
 * The text report: plain, aligned to 80 columns where the names allow,
 * no colour.  Failures come right after the run and its tally, so that
 * what needs a person is on the first screen.  Strings from the journal
 * are redacted, and control characters in them are shown as ^X, so that
 * a host's output cannot drive the terminal the report is read on.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "report-int.h"

#define COLS		80
#define FAIL_LINES	20	/* of each output, in FAILURES */
#define NAME_MAX_W	24

/* Appends s made safe for a terminal; oneline turns line ends into
 * spaces. */
static void
clean(struct buf *b, const char *s, size_t len, bool oneline, int *err)
{
	const unsigned char	*p = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 i = 0, n;
	char			 c[3];

	while (i < len) {
		n = rep_utf8(p + i, len - i, &cp);
		if (cp == '\r' && i + 1 < len && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if (oneline && (cp == '\n' || cp == '\t' || cp == '\r'))
			rep_put_cp(b, ' ', err);
		else if (cp == '\n' || cp == '\t')
			rep_put_cp(b, cp, err);
		else if (cp < 0x20 || cp == 0x7f) {
			c[0] = '^';
			c[1] = (char)(cp ^ 0x40);
			if (buf_add(b, c, 2) != 0 && *err == 0)
				*err = LB_ERR_LIMIT;
		} else if (cp >= 0x80 && cp < 0xa0)
			rep_put_cp(b, 0xfffd, err);
		else if (cp == 0xfffd && n == 1)
			rep_put_cp(b, cp, err);
		else if (buf_add(b, s + i, n) != 0 && *err == 0)
			*err = LB_ERR_LIMIT;
		i += n;
	}
}

/* Characters in s (UTF-8), for alignment. */
static size_t
width(const char *s, size_t len)
{
	uint32_t	 cp;
	size_t		 i = 0, w = 0;

	while (i < len) {
		i += rep_utf8((const unsigned char *)s + i, len - i, &cp);
		w++;
	}
	return w;
}

/* s, redacted and cleaned, on one line, into b (reset first). */
static void
cleaned(struct rep *r, struct buf *b, const char *s)
{
	const char	*t = rep_str(r, s);

	buf_reset(b);
	clean(b, t, strlen(t), true, &r->err);
}

/* s as a cell: left-aligned in w characters (or right when right), and
 * never cut: a longer one pushes the rest of the line along. */
static void
cell(struct rep *r, const char *s, size_t w, bool right)
{
	struct buf	 b = BUF_INIT;
	size_t		 n;

	cleaned(r, &b, s);
	n = width(b.data ? b.data : "", b.len);
	if (right)
		rep_printf(r, "%*s", (int)(w > n ? w - n : 0), "");
	rep_add(r, buf_str(&b), b.len);
	if (!right)
		rep_printf(r, "%*s", (int)(w > n ? w - n : 0), "");
	buf_release(&b);
}

/* s from column col, wrapped at spaces to COLS, going on at indent. */
static void
wrapped(struct rep *r, const char *s, size_t col, size_t indent)
{
	struct buf	 b = BUF_INIT;
	const char	*p, *sp;
	size_t		 wl;
	bool		 fresh = true;	/* no word on this line yet */

	cleaned(r, &b, s);
	for (p = buf_str(&b); *p != '\0'; p = sp) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if ((sp = strchr(p, ' ')) == NULL)
			sp = p + strlen(p);
		wl = width(p, (size_t)(sp - p));
		if (!fresh && col + 1 + wl > COLS) {
			rep_printf(r, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!fresh) {
			rep_puts(r, " ");
			col++;
		}
		rep_add(r, p, (size_t)(sp - p));
		col += wl;
		fresh = false;
	}
	rep_puts(r, "\n");
	buf_release(&b);
}

/* "wave 2" for a host's line ("no wave"). */
static void
wave_of(const struct rep *r, size_t w, char *s, size_t len)
{
	if (w < r->run->nwaves)
		snprintf(s, len, "wave %zu", r->run->waves[w].number);
	else
		snprintf(s, len, "no wave");
}

static void
heading(struct rep *r, const char *title)
{
	rep_printf(r, "\n%s\n\n", title);
}

static void
kv(struct rep *r, const char *key, const char *value)
{
	rep_printf(r, "%-13s", key);
	wrapped(r, value != NULL ? value : "-", 13, 13);
}

/* A fact of the run: the label once, continuation lines without. */
static void
fact(struct rep *r, const char *key, const char *value, size_t n)
{
	kv(r, n > 0 ? "" : key, value);
}

static void
run_info(struct rep *r)
{
	rep_puts(r, "lifeboat report: run ");
	cell(r, r->run->id, 0, false);
	rep_puts(r, "\n\n");
	rep_run_facts(r, fact);
}

static void
warnings(struct rep *r)
{
	size_t	 i;

	if (r->nwarnings == 0)
		return;
	heading(r, "WARNINGS");
	for (i = 0; i < r->nwarnings; i++) {
		rep_puts(r, "- ");
		wrapped(r, r->warnings[i], 2, 2);
	}
}

/* The wave and site tables' columns: "not run" holds the hosts
 * cancelled, interrupted or never started, to fit 80 columns. */
static const enum rep_count row_counts[] = {
	RC_HOSTS, RC_OK, RC_CHANGED, RC_FAILED, RC_UNREACHABLE, RC_SKIPPED,
	RC_UNKNOWN, RC_NOT_RUN,
};
#define NROW	(sizeof(row_counts) / sizeof(row_counts[0]))

static void
counts_row(struct rep *r, const char *label, size_t lw,
    const struct rtally *t)
{
	size_t	 v[RC_N], i;

	rep_counts(t, v);
	v[RC_NOT_RUN] += v[RC_CANCELLED] + v[RC_INTERRUPTED];
	cell(r, label, lw, false);
	for (i = 0; i < NROW; i++)
		rep_printf(r, " %*zu",
		    (int)strlen(rep_count_names[row_counts[i]]),
		    v[row_counts[i]]);
	rep_puts(r, "\n");
}

static void
counts_head(struct rep *r, const char *first, size_t lw)
{
	size_t	 i;

	rep_printf(r, "%-*s", (int)lw, first);
	for (i = 0; i < NROW; i++)
		rep_printf(r, " %s", rep_count_names[row_counts[i]]);
	rep_puts(r, "\n");
}

static void
tally(struct rep *r)
{
	const struct rtally	*t = &r->total;
	size_t			 v[RC_N], i;

	rep_counts(t, v);
	heading(r, "TALLY");
	for (i = 0; i < RC_N; i++)
		if (i != RC_INTERRUPTED)	/* a line of its own */
			rep_printf(r, "%s%s", i ? "  " : "",
			    rep_count_names[i]);
	rep_puts(r, "\n");
	for (i = 0; i < RC_N; i++)
		if (i != RC_INTERRUPTED)
			rep_printf(r, "%s%*zu", i ? "  " : "",
			    (int)strlen(rep_count_names[i]), v[i]);
	rep_puts(r, "\n");
	if (t->n[HC_INTERRUPTED] > 0)
		rep_printf(r, "interrupted: %zu (their wave started, they did "
		    "not finish)\n", t->n[HC_INTERRUPTED]);
}

/* The last FAIL_LINES lines of an output, under a line saying what. */
static void
excerpt(struct rep *r, size_t h, size_t s, int stream, size_t maxlines)
{
	struct rexcerpt	 x;
	struct buf	 b = BUF_INIT;
	const char	*name = stream == REP_STDERR ? "stderr" : "stdout";
	const char	*p, *nl, *end;
	size_t		 lines = 0, skip = 0, i;

	if (!rep_excerpt(r, h, s, stream, &x))
		return;
	if (x.state == ROUT_UNREADABLE) {
		rep_printf(r, "  %s: cannot be read from the outputs file\n",
		    name);
		goto out;
	}
	clean(&b, x.text.data ? x.text.data : "", x.text.len, false,
	    &r->err);
	buf_chomp(&b);
	end = b.data ? b.data + b.len : NULL;
	for (p = b.data; p != NULL && p < end; p = nl + 1, lines++)
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
	if (maxlines > 0 && lines > maxlines)
		skip = lines - maxlines;
	rep_printf(r, "  %s (%zu byte%s", name, x.bytes, x.bytes == 1 ? "" :
	    "s");
	if (skip > 0 || x.left_out > 0)
		rep_printf(r, "; the last %zu line%s", lines - skip,
		    lines - skip == 1 ? "" : "s");
	rep_printf(r, ")%s:\n", x.state == ROUT_MISMATCH ? ", WARNING: it "
	    "does not match its SHA-256 in the journal" : "");
	for (p = b.data, i = 0; p != NULL && p < end; p = nl + 1, i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (i < skip)
			continue;
		rep_puts(r, "  | ");
		rep_add(r, p, (size_t)(nl - p));
		rep_puts(r, "\n");
	}
out:
	buf_release(&b);
	rep_excerpt_release(&x);
}

static void
failures(struct rep *r)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h;
	const struct jstep	*st;
	struct buf		 b = BUF_INIT;
	char			 w[32];
	size_t			 i, k;

	rep_printf(r, "\nFAILURES (%zu)\n\n", r->nfail);
	if (r->nfail == 0)
		rep_puts(r, "none\n");
	for (i = 0; i < r->nfail; i++) {
		k = r->fail[i];
		h = &run->hosts[k];
		wave_of(r, h->wave, w, sizeof w);
		buf_reset(&b);
		buf_addf(&b, "%s (%s, %s): %s", h->name, rep_site(h->site), w,
		    r->hosts[k].cat == HC_UNKNOWN ? "UNKNOWN" :
		    r->hosts[k].cat == HC_FAILED ? "FAILED" : "UNREACHABLE");
		if (r->hosts[k].fail_step == JNONE) {
			wrapped(r, buf_str(&b), 0, 2);
			continue;
		}
		st = &h->steps[r->hosts[k].fail_step];
		buf_addf(&b, " at step %02zu '%s'", r->hosts[k].fail_step + 1,
		    run->steps[r->hosts[k].fail_step].name);
		if (st->rc >= 0)
			buf_addf(&b, ", rc %d", st->rc);
		if (st->state == JS_STARTED)
			buf_addf(&b, ": started, never ended");
		wrapped(r, buf_str(&b), 0, 2);
		if (st->msg != NULL) {
			rep_puts(r, "  ");
			wrapped(r, st->msg, 2, 2);
		}
		excerpt(r, k, r->hosts[k].fail_step, REP_STDERR, FAIL_LINES);
		excerpt(r, k, r->hosts[k].fail_step, REP_STDOUT, FAIL_LINES);
	}
	buf_release(&b);
}

static size_t
label_width(struct rep *r, const char *const *labels, size_t n, size_t min)
{
	struct buf	 b = BUF_INIT;
	size_t		 i, w = min;

	for (i = 0; i < n; i++) {
		cleaned(r, &b, labels[i]);
		if (width(buf_str(&b), b.len) > w)
			w = width(buf_str(&b), b.len);
	}
	buf_release(&b);
	return w;
}

static void
tables(struct rep *r)
{
	const struct jrun	*run = r->run;
	char			 w[32];
	size_t			 i, lw;

	heading(r, "WAVES");
	for (i = 0, lw = 7; i < run->nwaves; i++) {
		rep_wave_name(r, i, w, sizeof w);
		if (strlen(w) > lw)
			lw = strlen(w);
	}
	counts_head(r, "wave", lw);
	for (i = 0; i <= run->nwaves; i++) {
		if (i == run->nwaves && r->waves[i].hosts == 0)
			break;
		rep_wave_name(r, i, w, sizeof w);
		counts_row(r, w, lw, &r->waves[i]);
	}
	counts_row(r, "total", lw, &r->total);
	heading(r, "SITES");
	lw = label_width(r, r->sites, r->nsites, 5);
	counts_head(r, "site", lw);
	for (i = 0; i < r->nsites; i++)
		counts_row(r, r->sites[i], lw, &r->site_tally[i]);
	rep_puts(r, "\nnot run: cancelled, interrupted, or in a wave that "
	    "never started\n");
}

static void
signoffs(struct rep *r)
{
	const struct jrun	*run = r->run;
	const char		*steps[256], *owners[256], *bys[256];
	char			 t[32];
	size_t			 i, n, ws, wo, wb;

	heading(r, "SIGN-OFFS");
	if (run->nsignoffs == 0) {
		rep_puts(r, "none\n");
		return;
	}
	n = run->nsignoffs < 256 ? run->nsignoffs : 256;
	for (i = 0; i < n; i++) {
		steps[i] = run->signoffs[i].step;
		owners[i] = rep_owner(r, run->signoffs[i].step);
		bys[i] = run->signoffs[i].by;
	}
	ws = label_width(r, steps, n, 4);
	wo = label_width(r, owners, n, 5);
	wb = label_width(r, bys, n, 2);
	ws = ws > NAME_MAX_W ? NAME_MAX_W : ws;
	wo = wo > NAME_MAX_W ? NAME_MAX_W : wo;
	wb = wb > NAME_MAX_W ? NAME_MAX_W : wb;
	rep_printf(r, "%-*s  %-*s  %-*s  when\n", (int)ws, "step", (int)wo,
	    "owner", (int)wb, "by");
	for (i = 0; i < run->nsignoffs; i++) {
		cell(r, run->signoffs[i].step, ws, false);
		rep_puts(r, "  ");
		cell(r, rep_owner(r, run->signoffs[i].step), wo, false);
		rep_puts(r, "  ");
		cell(r, run->signoffs[i].by, wb, false);
		rep_time(run->signoffs[i].when * 1000, t, sizeof t);
		rep_printf(r, "  %s\n", t);
	}
}

static void
timeline(struct rep *r)
{
	const struct jrun	*run = r->run;
	char			 t[32];
	size_t			 i;

	heading(r, "TIMELINE");
	if (run->ntimeline == 0)
		rep_puts(r, "none\n");
	for (i = 0; i < run->ntimeline; i++) {
		rep_time(run->timeline[i].at, t, sizeof t);
		rep_printf(r, "%-20s  ", t);
		wrapped(r, run->timeline[i].text, 22, 22);
	}
}

static void
durations(struct rep *r)
{
	const struct jrun	*run = r->run;
	struct rstepdur		 d;
	struct buf		 b = BUF_INIT;
	char			 w[32], t[32], t2[32], t3[32];
	size_t			 i, sw = 4;

	heading(r, "DURATIONS");
	rep_dur(rep_run_ms(r), t, sizeof t);
	rep_printf(r, "%-16s %8s\n", "run", t);
	for (i = 0; i < run->nwaves; i++) {
		rep_wave_name(r, i, w, sizeof w);
		rep_dur(rep_wave_ms(r, i, NULL), t, sizeof t);
		rep_time(run->waves[i].start_at, t2, sizeof t2);
		rep_printf(r, "%-16s %8s  %s\n", w, t, run->waves[i].start_at >
		    0 ? t2 : "never started");
	}
	for (i = 0; i < run->nsteps; i++) {
		cleaned(r, &b, run->steps[i].name);
		if (width(buf_str(&b), b.len) > sw)
			sw = width(buf_str(&b), b.len);
	}
	sw = sw > NAME_MAX_W ? NAME_MAX_W : sw;
	rep_printf(r, "\n%-*s  %5s  %8s  %8s  slowest\n", (int)sw + 3, "step",
	    "runs", "median", "max");
	for (i = 0; i < run->nsteps; i++) {
		rep_step_durations(r, i, &d);
		rep_printf(r, "%02zu ", i + 1);
		cell(r, run->steps[i].name, sw, false);
		rep_dur(d.runs ? d.median_ms : -1, t2, sizeof t2);
		rep_dur(d.runs ? d.max_ms : -1, t3, sizeof t3);
		rep_printf(r, "  %5zu  %8s  %8s  ", d.runs, t2, t3);
		cell(r, d.max_host != JNONE ? run->hosts[d.max_host].name :
		    "-", 0, false);
		rep_puts(r, "\n");
	}
	buf_release(&b);
}

/* A step's message, its plugin's values and the SHA-256 of its file. */
static void
step_detail(struct buf *b, const struct jstep *st)
{
	size_t	 i;

	buf_reset(b);
	if (st->msg != NULL)
		buf_adds(b, st->msg);
	for (i = 0; i < st->nkv; i++)
		buf_addf(b, "%s%s=%s", b->len ? "; " : "", st->kv[2 * i],
		    st->kv[2 * i + 1]);
	if (st->sha256 != NULL)
		buf_addf(b, "%ssha256 %s", b->len ? "; " : "", st->sha256);
}

static void
host(struct rep *r, size_t k, size_t sw)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h = &run->hosts[k];
	const struct jstep	*st;
	struct buf		 b = BUF_INIT;
	char			 w[32], t[32], rc[16];
	size_t			 i;

	wave_of(r, h->wave, w, sizeof w);
	rep_dur(h->done ? h->ms : r->hosts[k].end_at > 0 ?
	    r->hosts[k].end_at - r->hosts[k].start_at : -1, t, sizeof t);
	buf_addf(&b, "%s (%s, %s, %s): %s%s, %s", h->name, rep_site(h->site),
	    rep_site(h->os), w, r->hosts[k].status,
	    r->hosts[k].changed ? ", changed" : "", t);
	wrapped(r, buf_str(&b), 0, 2);
	for (i = 0; i < run->nsteps; i++) {
		st = &h->steps[i];
		rep_printf(r, "  %02zu ", i + 1);
		cell(r, run->steps[i].name, sw, false);
		rep_puts(r, " ");
		cell(r, rep_step_word(st), 11, false);
		if (st->rc >= 0)
			snprintf(rc, sizeof rc, "rc %d", st->rc);
		else
			snprintf(rc, sizeof rc, "-");
		rep_dur(st->state == JS_ENDED ? st->ms : -1, t, sizeof t);
		rep_printf(r, " %-6s %7s", rc, t);
		step_detail(&b, st);
		if (b.len > 0) {
			rep_puts(r, "  ");
			wrapped(r, buf_str(&b), 5 + sw + 12 + 7 + 8 + 2, 6);
		} else
			rep_puts(r, "\n");
	}
	buf_release(&b);
}

static void
hosts(struct rep *r)
{
	const struct jrun	*run = r->run;
	struct buf		 b = BUF_INIT;
	size_t			 i, sw = 4;

	for (i = 0; i < run->nsteps; i++) {
		cleaned(r, &b, run->steps[i].name);
		if (width(buf_str(&b), b.len) > sw)
			sw = width(buf_str(&b), b.len);
	}
	buf_release(&b);
	sw = sw > 20 ? 20 : sw;
	heading(r, "HOSTS");
	for (i = 0; i < run->nhosts; i++) {
		if (i > 0)
			rep_puts(r, "\n");
		host(r, i, sw);
	}
}

void
report_text(struct rep *r)
{
	run_info(r);
	warnings(r);
	tally(r);
	failures(r);
	tables(r);
	signoffs(r);
	timeline(r);
	durations(r);
	hosts(r);
}
