/*
 * The JUnit XML report, so that CI dashboards show runs and audits: the
 * run is the testsuites, each wave a testsuite, each step on each host a
 * testcase named "NN STEP" in class SITE.HOST.  A failed step is a
 * failure (type "rc N"), an unreachable host or a step that never ended
 * an error, and a skipped, cancelled or never run step is skipped.
 * Everything is escaped, and the characters XML 1.0 does not allow are
 * dropped, so the file always parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "report-int.h"
#include "xmalloc.h"

struct jcount {
	size_t	 tests;
	size_t	 failures;
	size_t	 errors;
	size_t	 skipped;
	int64_t	 ms;
};

enum jkind {
	JK_PASS,
	JK_FAILURE,
	JK_ERROR,
	JK_SKIPPED,
};

static bool
xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
	    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    (cp >= 0x10000 && cp <= 0x10ffff);
}

/* Appends s[0..len) (redacted first) as XML text, or as an attribute
 * value when attr is set. */
static void
esc_n(struct rep *r, const char *s, size_t len, bool attr)
{
	struct buf		 red = BUF_INIT;
	const unsigned char	*p;
	uint32_t		 cp;
	size_t			 i = 0, n;

	if (report_redact(r->o, s, len, &red) != 0 && r->err == 0)
		r->err = LB_ERR_LIMIT;
	p = (const unsigned char *)buf_str(&red);
	while (i < red.len) {
		n = rep_utf8(p + i, red.len - i, &cp);
		if (!xml_char(cp))
			;
		else if (cp == '&')
			rep_puts(r, "&amp;");
		else if (cp == '<')
			rep_puts(r, "&lt;");
		else if (cp == '>')
			rep_puts(r, "&gt;");
		else if (cp == '"')
			rep_puts(r, "&quot;");
		else if (cp == '\'')
			rep_puts(r, "&apos;");
		else if (attr && cp < 0x20)
			rep_printf(r, "&#%u;", (unsigned)cp);
		else if (cp == 0xfffd && n == 1)
			rep_puts(r, "\xef\xbf\xbd");
		else
			rep_add(r, (const char *)p + i, n);
		i += n;
	}
	buf_release(&red);
}

static void
esc(struct rep *r, const char *s, bool attr)
{
	if (s != NULL)
		esc_n(r, s, strlen(s), attr);
}

static enum jkind
kind(const struct jstep *st)
{
	if (st->state == JS_NONE)
		return JK_SKIPPED;
	if (st->state == JS_STARTED || st->outcome == NULL)
		return JK_ERROR;
	if (strcmp(st->outcome, "ok") == 0 ||
	    strcmp(st->outcome, "changed") == 0)
		return JK_PASS;
	if (strcmp(st->outcome, "failed") == 0)
		return JK_FAILURE;
	if (strcmp(st->outcome, "skipped") == 0 ||
	    strcmp(st->outcome, "cancelled") == 0)
		return JK_SKIPPED;
	return JK_ERROR;
}

static void
count(const struct rep *r, size_t h, struct jcount *c)
{
	const struct jstep	*st;
	size_t			 s;

	for (s = 0; s < r->run->nsteps; s++) {
		st = &r->run->hosts[h].steps[s];
		c->tests++;
		switch (kind(st)) {
		case JK_FAILURE:
			c->failures++;
			break;
		case JK_ERROR:
			c->errors++;
			break;
		case JK_SKIPPED:
			c->skipped++;
			break;
		default:
			break;
		}
		if (st->state == JS_ENDED && st->ms > 0)
			c->ms += st->ms;
	}
}

static void
counts_attrs(struct rep *r, const struct jcount *c, int64_t ms)
{
	rep_printf(r, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\" time=\"%.3f\"", c->tests, c->failures,
	    c->errors, c->skipped, (double)(ms >= 0 ? ms : c->ms) / 1000);
}

/* The outputs of a step, as the text of its failure or error. */
static void
outputs(struct rep *r, size_t h, size_t s)
{
	static const char *const names[] = { "stdout", "stderr" };
	struct rexcerpt	 x;
	int		 k;

	for (k = REP_STDERR; k >= REP_STDOUT; k--) {
		if (!rep_excerpt(r, h, s, k, &x)) {
			rep_excerpt_release(&x);
			continue;
		}
		rep_printf(r, "--- %s (%zu bytes%s)%s ---\n", names[k],
		    x.bytes, x.left_out > 0 ? ", the end" : "",
		    x.state == ROUT_MISMATCH ? " WARNING: does not match its "
		    "SHA-256 in the journal" : x.state == ROUT_UNREADABLE ?
		    " cannot be read" : "");
		esc_n(r, x.text.data ? x.text.data : "", x.text.len, false);
		if (x.text.len > 0 && x.text.data[x.text.len - 1] != '\n')
			rep_puts(r, "\n");
		rep_excerpt_release(&x);
	}
}

static void
testcase(struct rep *r, size_t h, size_t s)
{
	const struct jrun	*run = r->run;
	const struct jhost	*jh = &run->hosts[h];
	const struct jstep	*st = &jh->steps[s];
	enum jkind		 k = kind(st);
	const char		*word = rep_step_word(st);

	rep_puts(r, "    <testcase classname=\"");
	if (jh->site[0] != '\0') {
		esc(r, jh->site, true);
		rep_puts(r, ".");
	}
	esc(r, jh->name, true);
	rep_printf(r, "\" name=\"%02zu ", s + 1);
	esc(r, run->steps[s].name, true);
	rep_printf(r, "\" time=\"%.3f\"", st->state == JS_ENDED && st->ms > 0 ?
	    (double)st->ms / 1000 : 0.0);
	if (k == JK_PASS) {
		rep_puts(r, "/>\n");
		return;
	}
	rep_puts(r, ">\n      ");
	if (k == JK_SKIPPED) {
		rep_puts(r, "<skipped message=\"");
		esc(r, word, true);
		if (st->msg != NULL) {
			rep_puts(r, ": ");
			esc(r, st->msg, true);
		}
		rep_puts(r, "\"/>\n    </testcase>\n");
		return;
	}
	rep_printf(r, "<%s message=\"", k == JK_FAILURE ? "failure" : "error");
	if (st->state == JS_STARTED)
		rep_puts(r, "started, never ended");
	else
		esc(r, st->msg != NULL ? st->msg : word, true);
	rep_puts(r, "\" type=\"");
	if (k == JK_FAILURE && st->rc >= 0)
		rep_printf(r, "rc %d", st->rc);
	else
		esc(r, word, true);
	rep_puts(r, "\">");
	outputs(r, h, s);
	rep_printf(r, "</%s>\n    </testcase>\n", k == JK_FAILURE ?
	    "failure" : "error");
}

static void
suite(struct rep *r, size_t w, const size_t *hosts, size_t n)
{
	struct jcount	 c;
	char		 name[32];
	size_t		 i, s;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < n; i++)
		count(r, hosts[i], &c);
	rep_wave_name(r, w, name, sizeof name);
	rep_printf(r, "  <testsuite name=\"%s\"", name);
	counts_attrs(r, &c, w < r->run->nwaves ? rep_wave_ms(r, w, NULL) :
	    -1);
	rep_puts(r, ">\n");
	for (i = 0; i < n; i++)
		for (s = 0; s < r->run->nsteps; s++)
			testcase(r, hosts[i], s);
	rep_puts(r, "  </testsuite>\n");
}

void
report_junit(struct rep *r)
{
	const struct jrun	*run = r->run;
	struct jcount		 c;
	size_t			*loose, nloose = 0, i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < run->nhosts; i++)
		count(r, i, &c);
	rep_puts(r, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<testsuites name=\"lifeboat ");
	esc(r, run->id, true);
	rep_puts(r, "\"");
	counts_attrs(r, &c, rep_run_ms(r));
	rep_puts(r, ">\n");
	for (i = 0; i < run->nwaves; i++)
		suite(r, i, run->waves[i].hosts, run->waves[i].n);
	/* Hosts in no wave, should a journal have any. */
	loose = xcalloc(run->nhosts + 1, sizeof(*loose));
	for (i = 0; i < run->nhosts; i++)
		if (run->hosts[i].wave >= run->nwaves)
			loose[nloose++] = i;
	if (nloose > 0)
		suite(r, run->nwaves, loose, nloose);
	free(loose);
	rep_puts(r, "</testsuites>\n");
}
