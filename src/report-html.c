/*
 * The HTML report: one self-contained file, with its style inline, no
 * script and no reference to anything outside it, readable on a screen
 * and on paper (every <details> is open, sections start on a new page,
 * nothing needs a background colour).  Status is shown in words and a
 * symbol, colour only adds to them.
 *
 * Text from the journal is escaped so that it can be nothing but text:
 * besides & < > " and ', every '=' is written as a reference, as are a
 * ':' after a letter and a '/' after a '/', so that no host's output can
 * make the file hold "src=", "http:" or "//" even as text; control
 * characters are shown as their Unicode pictures.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "report-int.h"

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:2em auto;max-width:70em;padding:0 1em;color:#111;"
    "background:#fff}\n"
    "h1{font-size:1.5em;margin-bottom:.2em}\n"
    "h2{font-size:1.2em;border-bottom:2px solid #333;padding-bottom:.1em;"
    "margin-top:2em}\n"
    "h3{font-size:1em;margin:1.2em 0 .3em}\n"
    "table{border-collapse:collapse;margin:.4em 0 1em}\n"
    "th,td{border:1px solid #bbb;padding:.15em .5em;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eee}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "table.kv th{background:none;font-weight:normal;color:#444}\n"
    "pre{border:1px solid #bbb;border-left:4px solid #888;padding:.4em;"
    "margin:.3em 0 .8em;white-space:pre-wrap;overflow-wrap:anywhere;"
    "font-size:.9em}\n"
    ".st{font-weight:bold;white-space:nowrap}\n"
    ".st-failed,.st-unreachable,.st-unknown,.st-halted{color:#a00}\n"
    ".st-interrupted,.st-cancelled,.st-running{color:#850}\n"
    ".st-ok,.st-changed{color:#060}\n"
    ".st-skipped,.st-not-run{color:#555}\n"
    ".failure{border-left:4px solid #a00;padding-left:.8em;"
    "margin-bottom:1.2em}\n"
    ".warn{border-left:4px solid #850;padding-left:.8em}\n"
    "details{margin:.3em 0}\n"
    "summary{cursor:pointer}\n"
    "details.host{border-top:1px solid #ccc;padding-top:.3em}\n"
    ".meta{color:#444;font-weight:normal}\n"
    "@media print{\n"
    "body{margin:0;max-width:none;font-size:10pt}\n"
    "th{background:none}\n"
    "pre{border-left-width:2px}\n"
    "summary{list-style:none;cursor:auto}\n"
    "section{break-before:page;page-break-before:always}\n"
    "#run,#warnings,#tally{break-before:auto;page-break-before:auto}\n"
    "table,pre,.failure{break-inside:avoid;page-break-inside:avoid}\n"
    "a{color:inherit;text-decoration:none}\n"
    "}\n";

static bool
letter(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Appends s[0..len), redacted, as HTML text (see the top). */
static void
esc_n(struct rep *r, const char *s, size_t len)
{
	struct buf		 red = BUF_INIT, b;
	const unsigned char	*p;
	uint32_t		 cp, prev = 0;
	size_t			 i = 0, n;
	int			 err = 0;

	if (report_redact(r->o, s, len, &red) != 0 && r->err == 0)
		r->err = LB_ERR_LIMIT;
	buf_init(&b, REPORT_MAX_SIZE, 0);
	p = (const unsigned char *)buf_str(&red);
	for (; i < red.len; i += n, prev = cp) {
		n = rep_utf8(p + i, red.len - i, &cp);
		if (cp == '&')
			err |= buf_adds(&b, "&amp;");
		else if (cp == '<')
			err |= buf_adds(&b, "&lt;");
		else if (cp == '>')
			err |= buf_adds(&b, "&gt;");
		else if (cp == '"')
			err |= buf_adds(&b, "&quot;");
		else if (cp == '\'')
			err |= buf_adds(&b, "&#39;");
		else if (cp == '=')
			err |= buf_adds(&b, "&#61;");
		else if (cp == ':' && letter(prev))
			err |= buf_adds(&b, "&#58;");
		else if (cp == '/' && prev == '/')
			err |= buf_adds(&b, "&#47;");
		else if (cp == '\r' && i + 1 < red.len && p[i + 1] == '\n')
			continue;
		else if (cp == '\n' || cp == '\t')
			err |= buf_addc(&b, (char)cp);
		else if (cp < 0x20)
			rep_put_cp(&b, 0x2400 + cp, &err);
		else if (cp == 0x7f)
			rep_put_cp(&b, 0x2421, &err);
		else if ((cp >= 0x80 && cp < 0xa0) || cp == 0xfffe ||
		    cp == 0xffff || (cp == 0xfffd && n == 1))
			rep_put_cp(&b, 0xfffd, &err);
		else
			err |= buf_add(&b, p + i, n);
	}
	rep_add(r, buf_str(&b), b.len);
	if (err != 0 && r->err == 0)
		r->err = LB_ERR_LIMIT;
	buf_release(&b);
	buf_release(&red);
}

static void
esc(struct rep *r, const char *s)
{
	esc_n(r, s != NULL ? s : "-", s != NULL ? strlen(s) : 1);
}

/* A status in words and a symbol; its class from the word. */
static void
badge(struct rep *r, const char *word)
{
	static const struct {
		const char	*word;
		const char	*sym;
	} syms[] = {
		{ "ok", "\xe2\x9c\x94" },		/* heavy check mark */
		{ "changed", "\xe2\x9c\x8e" },		/* pencil */
		{ "failed", "\xe2\x9c\x98" },		/* heavy ballot x */
		{ "unreachable", "\xe2\x9a\xa0" },	/* warning sign */
		{ "skipped", "\xe2\x86\xb7" },		/* arrow over */
		{ "cancelled", "\xe2\x8a\x98" },	/* circled slash */
		{ "unknown", "?" },
		{ "interrupted", "\xe2\x80\x96" },	/* double bar */
		{ "not run", "\xe2\x97\x8b" },		/* white circle */
		{ "halted", "\xe2\x96\xa0" },		/* black square */
		{ "running", "\xe2\x96\xb6" },		/* play */
	};
	const char	*sym = "\xe2\x80\xa2", *cls = "other";
	size_t		 i;

	for (i = 0; i < sizeof syms / sizeof *syms; i++) {
		if (strcmp(word, syms[i].word) == 0) {
			sym = syms[i].sym;
			cls = strcmp(word, "not run") == 0 ? "not-run" : word;
			break;
		}
	}
	rep_printf(r, "<span class=\"st st-%s\">%s ", cls, sym);
	esc(r, word);
	rep_puts(r, "</span>");
}

static void
kv(struct rep *r, const char *key, const char *value)
{
	rep_printf(r, "<tr><th scope=\"row\">%s</th><td>", key);
	esc(r, value);
	rep_puts(r, "</td></tr>\n");
}

/* A fact of the run: a row each, its label repeated. */
static void
fact(struct rep *r, const char *key, const char *value, size_t n)
{
	(void)n;
	kv(r, key, value != NULL ? value : "-");
}

static void
run_info(struct rep *r)
{
	char	 res[32];

	rep_puts(r, "<header><h1>lifeboat run ");
	esc(r, r->run->id);
	rep_puts(r, ": ");
	badge(r, rep_result(r, res, sizeof res));
	rep_puts(r, "</h1></header>\n<section id=\"run\">\n<h2>Run</h2>\n"
	    "<table class=\"kv\">\n");
	rep_run_facts(r, fact);
	rep_puts(r, "</table>\n</section>\n");
}

static void
warnings(struct rep *r)
{
	size_t	 i;

	if (r->nwarnings == 0)
		return;
	rep_puts(r, "<section id=\"warnings\" class=\"warn\">\n"
	    "<h2>Warnings</h2>\n<ul>\n");
	for (i = 0; i < r->nwarnings; i++) {
		rep_puts(r, "<li>");
		esc(r, r->warnings[i]);
		rep_puts(r, "</li>\n");
	}
	rep_puts(r, "</ul>\n</section>\n");
}

static void
tally(struct rep *r)
{
	size_t	 v[RC_N], i;

	rep_counts(&r->total, v);
	rep_puts(r, "<section id=\"tally\">\n<h2>Tally</h2>\n<table>\n"
	    "<thead><tr>");
	for (i = 0; i < RC_N; i++)
		rep_printf(r, "<th class=\"n\" scope=\"col\">%s</th>",
		    rep_count_names[i]);
	rep_puts(r, "</tr></thead>\n<tbody><tr>");
	for (i = 0; i < RC_N; i++)
		rep_printf(r, "<td class=\"n\">%zu</td>", v[i]);
	rep_puts(r, "</tr></tbody>\n</table>\n</section>\n");
}

/* An output in a <pre>, under what it is. */
static void
output(struct rep *r, size_t h, size_t s, int stream, const char *tag)
{
	struct rexcerpt	 x;
	const char	*name = stream == REP_STDERR ? "stderr" : "stdout";

	if (!rep_excerpt(r, h, s, stream, &x)) {
		rep_excerpt_release(&x);
		return;
	}
	rep_printf(r, "<%s>%s (%zu byte%s%s)%s</%s>\n", tag, name, x.bytes,
	    x.bytes == 1 ? "" : "s", x.left_out > 0 ? ", the end" : "",
	    x.state == ROUT_MISMATCH ? " <strong>warning: it does not match "
	    "its SHA-256 in the journal</strong>" : x.state ==
	    ROUT_UNREADABLE ? " <strong>cannot be read</strong>" : "", tag);
	if (x.state != ROUT_UNREADABLE) {
		rep_puts(r, "<pre>");
		if (x.left_out > 0)
			rep_printf(r, "[the first %zu bytes are not shown]\n",
			    x.left_out);
		esc_n(r, x.text.data ? x.text.data : "", x.text.len);
		rep_puts(r, "</pre>\n");
	}
	rep_excerpt_release(&x);
}

static void
failures(struct rep *r)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h;
	const struct jstep	*st;
	size_t			 i, k, s;

	rep_printf(r, "<section id=\"failures\">\n<h2>Failures (%zu)</h2>\n",
	    r->nfail);
	if (r->nfail == 0)
		rep_puts(r, "<p>None.</p>\n");
	for (i = 0; i < r->nfail; i++) {
		k = r->fail[i];
		h = &run->hosts[k];
		s = r->hosts[k].fail_step;
		rep_puts(r, "<div class=\"failure\">\n<h3>");
		badge(r, r->hosts[k].status);
		rep_printf(r, " <a href=\"#h%zu\">", k);
		esc(r, h->name);
		rep_puts(r, "</a> <span class=\"meta\">(");
		esc(r, rep_site(h->site));
		if (h->wave < run->nwaves)
			rep_printf(r, ", wave %zu",
			    run->waves[h->wave].number);
		rep_puts(r, ")</span></h3>\n");
		if (s == JNONE) {
			rep_puts(r, "</div>\n");
			continue;
		}
		st = &h->steps[s];
		rep_printf(r, "<p>At step %02zu <q>", s + 1);
		esc(r, run->steps[s].name);
		rep_puts(r, "</q>");
		if (st->rc >= 0)
			rep_printf(r, ", rc %d", st->rc);
		if (st->state == JS_STARTED)
			rep_puts(r, ": started, never ended");
		if (st->msg != NULL) {
			rep_puts(r, ": ");
			esc(r, st->msg);
		}
		rep_puts(r, "</p>\n");
		output(r, k, s, REP_STDERR, "h4");
		output(r, k, s, REP_STDOUT, "h4");
		rep_puts(r, "</div>\n");
	}
	rep_puts(r, "</section>\n");
}

static void
counts_head(struct rep *r, const char *first)
{
	size_t	 i;

	rep_printf(r, "<table>\n<thead><tr><th scope=\"col\">%s</th>", first);
	for (i = 0; i < RC_N; i++)
		rep_printf(r, "<th class=\"n\" scope=\"col\">%s</th>",
		    rep_count_names[i]);
	rep_puts(r, "</tr></thead>\n<tbody>\n");
}

static void
counts_row(struct rep *r, const char *label, const struct rtally *t)
{
	size_t	 v[RC_N], i;

	rep_counts(t, v);
	rep_puts(r, "<tr><th scope=\"row\">");
	esc(r, label);
	rep_puts(r, "</th>");
	for (i = 0; i < RC_N; i++)
		rep_printf(r, "<td class=\"n\">%zu</td>", v[i]);
	rep_puts(r, "</tr>\n");
}

static void
tables(struct rep *r)
{
	const struct jrun	*run = r->run;
	char			 w[32];
	size_t			 i;

	rep_puts(r, "<section id=\"waves\">\n<h2>Waves</h2>\n");
	counts_head(r, "wave");
	for (i = 0; i <= run->nwaves; i++) {
		if (i == run->nwaves && r->waves[i].hosts == 0)
			break;
		rep_wave_name(r, i, w, sizeof w);
		counts_row(r, w, &r->waves[i]);
	}
	counts_row(r, "total", &r->total);
	rep_puts(r, "</tbody>\n</table>\n</section>\n"
	    "<section id=\"sites\">\n<h2>Sites</h2>\n");
	counts_head(r, "site");
	for (i = 0; i < r->nsites; i++)
		counts_row(r, r->sites[i], &r->site_tally[i]);
	rep_puts(r, "</tbody>\n</table>\n</section>\n");
}

static void
signoffs(struct rep *r)
{
	const struct jrun	*run = r->run;
	char			 t[32];
	size_t			 i;

	rep_puts(r, "<section id=\"signoffs\">\n<h2>Sign-offs</h2>\n");
	if (run->nsignoffs == 0) {
		rep_puts(r, "<p>None.</p>\n</section>\n");
		return;
	}
	rep_puts(r, "<table>\n<thead><tr><th scope=\"col\">step</th>"
	    "<th scope=\"col\">owner</th><th scope=\"col\">by</th>"
	    "<th scope=\"col\">when</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < run->nsignoffs; i++) {
		rep_puts(r, "<tr><td>");
		esc(r, run->signoffs[i].step);
		rep_puts(r, "</td><td>");
		esc(r, rep_owner(r, run->signoffs[i].step));
		rep_puts(r, "</td><td>");
		esc(r, run->signoffs[i].by);
		rep_time(run->signoffs[i].when * 1000, t, sizeof t);
		rep_printf(r, "</td><td>%s</td></tr>\n", t);
	}
	rep_puts(r, "</tbody>\n</table>\n</section>\n");
}

static void
timeline(struct rep *r)
{
	const struct jrun	*run = r->run;
	char			 t[32];
	size_t			 i;

	rep_puts(r, "<section id=\"timeline\">\n<h2>Timeline</h2>\n");
	if (run->ntimeline == 0) {
		rep_puts(r, "<p>None.</p>\n</section>\n");
		return;
	}
	rep_puts(r, "<table>\n<thead><tr><th scope=\"col\">time (UTC)</th>"
	    "<th scope=\"col\">event</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < run->ntimeline; i++) {
		rep_time(run->timeline[i].at, t, sizeof t);
		rep_printf(r, "<tr><td>%s</td><td>", t);
		esc(r, run->timeline[i].text);
		rep_puts(r, "</td></tr>\n");
	}
	rep_puts(r, "</tbody>\n</table>\n</section>\n");
}

static void
durations(struct rep *r)
{
	const struct jrun	*run = r->run;
	struct rstepdur		 d;
	char			 w[32], t[32], t2[32];
	size_t			 i;

	rep_puts(r, "<section id=\"durations\">\n<h2>Durations</h2>\n"
	    "<table>\n<thead><tr><th scope=\"col\">part</th>"
	    "<th class=\"n\" scope=\"col\">duration</th>"
	    "<th scope=\"col\">started</th></tr></thead>\n<tbody>\n");
	rep_dur(rep_run_ms(r), t, sizeof t);
	rep_time(run->started_at, t2, sizeof t2);
	rep_printf(r, "<tr><th scope=\"row\">run</th><td class=\"n\">%s</td>"
	    "<td>%s</td></tr>\n", t, t2);
	for (i = 0; i < run->nwaves; i++) {
		rep_wave_name(r, i, w, sizeof w);
		rep_dur(rep_wave_ms(r, i, NULL), t, sizeof t);
		rep_time(run->waves[i].start_at, t2, sizeof t2);
		rep_printf(r, "<tr><th scope=\"row\">%s</th><td class=\"n\">"
		    "%s</td><td>%s</td></tr>\n", w, t, run->waves[i].start_at >
		    0 ? t2 : "never started");
	}
	rep_puts(r, "</tbody>\n</table>\n<table>\n<thead><tr>"
	    "<th scope=\"col\">step</th><th class=\"n\" scope=\"col\">runs"
	    "</th><th class=\"n\" scope=\"col\">median</th>"
	    "<th class=\"n\" scope=\"col\">max</th><th scope=\"col\">slowest"
	    "</th></tr></thead>\n<tbody>\n");
	for (i = 0; i < run->nsteps; i++) {
		rep_step_durations(r, i, &d);
		rep_printf(r, "<tr><td>%02zu ", i + 1);
		esc(r, run->steps[i].name);
		rep_dur(d.runs ? d.median_ms : -1, t, sizeof t);
		rep_dur(d.runs ? d.max_ms : -1, t2, sizeof t2);
		rep_printf(r, "</td><td class=\"n\">%zu</td><td class=\"n\">%s"
		    "</td><td class=\"n\">%s</td><td>", d.runs, t, t2);
		esc(r, d.max_host != JNONE ? run->hosts[d.max_host].name :
		    NULL);
		rep_puts(r, "</td></tr>\n");
	}
	rep_puts(r, "</tbody>\n</table>\n</section>\n");
}

static void
step_row(struct rep *r, size_t h, size_t s)
{
	const struct jstep	*st = &r->run->hosts[h].steps[s];
	char			 t[32];
	size_t			 i;

	rep_printf(r, "<tr><td class=\"n\">%02zu</td><td>", s + 1);
	esc(r, r->run->steps[s].name);
	rep_puts(r, "</td><td>");
	badge(r, rep_step_word(st));
	if (st->rc >= 0)
		rep_printf(r, "</td><td class=\"n\">%d", st->rc);
	else
		rep_puts(r, "</td><td class=\"n\">-");
	rep_dur(st->state == JS_ENDED ? st->ms : -1, t, sizeof t);
	rep_printf(r, "</td><td class=\"n\">%s</td><td>", t);
	if (st->msg != NULL)
		esc(r, st->msg);
	for (i = 0; i < st->nkv; i++) {
		rep_puts(r, i > 0 || st->msg ? "; " : "");
		esc(r, st->kv[2 * i]);
		rep_puts(r, "&#61;");
		esc(r, st->kv[2 * i + 1]);
	}
	if (st->sha256 != NULL) {
		rep_puts(r, st->msg || st->nkv ? "; sha256 " : "sha256 ");
		esc(r, st->sha256);
	}
	rep_puts(r, "</td></tr>\n");
}

static void
host(struct rep *r, size_t k)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h = &run->hosts[k];
	char			 t[32];
	size_t			 s;

	rep_printf(r, "<details class=\"host\" id=\"h%zu\" open>\n<summary>",
	    k);
	badge(r, r->hosts[k].status);
	rep_puts(r, " <b>");
	esc(r, h->name);
	rep_puts(r, "</b> <span class=\"meta\">(");
	esc(r, rep_site(h->site));
	rep_puts(r, ", ");
	esc(r, rep_site(h->os));
	if (h->wave < run->nwaves)
		rep_printf(r, ", wave %zu", run->waves[h->wave].number);
	rep_dur(h->done ? h->ms : r->hosts[k].end_at > 0 ?
	    r->hosts[k].end_at - r->hosts[k].start_at : -1, t, sizeof t);
	rep_printf(r, ")%s, %s</span></summary>\n", r->hosts[k].changed ?
	    ", changed" : "", t);
	rep_puts(r, "<table>\n<thead><tr><th class=\"n\" scope=\"col\">#</th>"
	    "<th scope=\"col\">step</th><th scope=\"col\">outcome</th>"
	    "<th class=\"n\" scope=\"col\">rc</th><th class=\"n\" "
	    "scope=\"col\">time</th><th scope=\"col\">message</th></tr>"
	    "</thead>\n<tbody>\n");
	for (s = 0; s < run->nsteps; s++)
		step_row(r, k, s);
	rep_puts(r, "</tbody>\n</table>\n");
	for (s = 0; s < run->nsteps; s++) {
		if (h->steps[s].out.len <= 0 && h->steps[s].err.len <= 0)
			continue;
		rep_printf(r, "<details open>\n<summary>%02zu ", s + 1);
		esc(r, run->steps[s].name);
		rep_puts(r, ": output</summary>\n");
		output(r, k, s, REP_STDOUT, "h4");
		output(r, k, s, REP_STDERR, "h4");
		rep_puts(r, "</details>\n");
	}
	rep_puts(r, "</details>\n");
}

void
report_html(struct rep *r)
{
	size_t	 i;

	rep_puts(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n<title>"
	    "lifeboat run ");
	esc(r, r->run->id);
	rep_printf(r, "</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    css);
	run_info(r);
	warnings(r);
	tally(r);
	failures(r);
	tables(r);
	signoffs(r);
	timeline(r);
	durations(r);
	rep_puts(r, "<section id=\"hosts\">\n<h2>Hosts</h2>\n");
	for (i = 0; i < r->run->nhosts; i++)
		host(r, i);
	rep_puts(r, "</section>\n</body>\n</html>\n");
}
