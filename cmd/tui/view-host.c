/*
 * The Host view: one host as the inventory has it (address, site, os,
 * tier, tags, groups, vars with secrets masked) and, when it is in the
 * run, every step it took with its outcome, exit code, time and output,
 * read from the run's journal when the view opens or the host moves on
 * (details on demand: 10,000 hosts' outputs are never held by the TUI).
 * The last exec's output on the host follows.  A pager: scroll, search
 * with / and n/N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "inventory.h"
#include "journal.h"
#include "playbook.h"
#include "redact.h"
#include "tui.h"
#include "xmalloc.h"
#include "ytree.h"

struct seen {
	size_t		 host;
	enum hstate	 st;
	size_t		 step;
	bool		 has_exec;
};

static struct seen last = { SIZE_MAX, HS_IDLE, 0, false };

static void
add_value(struct buf *b, const struct ynode *n, int depth)
{
	size_t	 i;

	if (n == NULL || depth > 8) {
		buf_adds(b, "~");
		return;
	}
	switch (n->type) {
	case YNODE_SCALAR:
		buf_adds(b, n->str);
		return;
	case YNODE_SEQ:
		buf_adds(b, "[");
		for (i = 0; i < n->n; i++) {
			if (i > 0)
				buf_adds(b, ", ");
			add_value(b, n->v[i], depth + 1);
		}
		buf_adds(b, "]");
		return;
	default:
		buf_adds(b, "{");
		for (i = 0; i < n->n; i++) {
			if (i > 0)
				buf_adds(b, ", ");
			add_value(b, n->v[2 * i], depth + 1);
			buf_adds(b, ": ");
			add_value(b, n->v[2 * i + 1], depth + 1);
		}
		buf_adds(b, "}");
		return;
	}
}

static void
add_output(struct buf *b, const char *what, const char *data, size_t len,
    const char **secrets, size_t nsecrets)
{
	struct buf	 r;
	const char	*s, *e;

	if (len == 0)
		return;
	buf_init(&r, 0, 0);
	redact(&r, data, len, secrets, nsecrets);
	buf_addf(b, "     %s:\n", what);
	for (s = r.data; s < r.data + r.len; s = e + 1) {
		e = memchr(s, '\n', (size_t)(r.data + r.len - s));
		if (e == NULL)
			e = r.data + r.len;
		buf_adds(b, "       ");
		buf_add(b, s, (size_t)(e - s) - (e > s && e[-1] == '\r'));
		buf_addc(b, '\n');
	}
	buf_release(&r);
}

static void
add_steps(struct tui *t, struct thost *th, struct buf *b,
    const char **secrets, size_t nsecrets)
{
	struct jrun		 jr;
	struct journal_error	 err;
	struct buf		 o;
	size_t			 s;
	const struct jhost	*jh;

	memset(&jr, 0, sizeof jr);
	if (journal_load(t->sess.dir, &jr, &err) != 0) {
		buf_addf(b, "\n(the journal cannot be read: %s:%zu:%zu: %s)\n",
		    err.file, err.line, err.col, err.msg);
		return;
	}
	if (th->ri < 0 || (size_t)th->ri >= jr.nhosts) {
		journal_run_release(&jr);
		return;
	}
	jh = &jr.hosts[th->ri];
	buf_addf(b, "\nrun %s, playbook %s: %s\n", jr.id, jr.name,
	    journal_host_state(&jr, (size_t)th->ri));
	buf_init(&o, 0, 0);
	for (s = 0; s < jr.nsteps; s++) {
		const struct jstep *js = &jh->steps[s];

		buf_addf(b, "  %2zu. %-34s ", s + 1, jr.steps[s].name);
		if (js->state == JS_NONE) {
			buf_adds(b, "-\n");
			continue;
		}
		if (js->state == JS_STARTED) {
			buf_adds(b, "started\n");
			continue;
		}
		buf_addf(b, "%-11s", js->outcome);
		if (js->rc >= 0)
			buf_addf(b, " rc %d", js->rc);
		buf_addf(b, "  %.1f s\n", (double)js->ms / 1000);
		if (js->msg != NULL)
			buf_addf(b, "     %s\n", js->msg);
		if (js->out.len > 0 && journal_read_output(t->sess.dir,
		    &js->out, &o) == 0)
			add_output(b, "stdout", o.data, o.len, secrets,
			    nsecrets);
		if (js->err.len > 0 && journal_read_output(t->sess.dir,
		    &js->err, &o) == 0)
			add_output(b, "stderr", o.data, o.len, secrets,
			    nsecrets);
	}
	buf_release(&o);
	journal_run_release(&jr);
}

/* The text of host h, made again. */
static void
fill(struct tui *t, struct view *v, size_t h)
{
	struct thost	*th = &t->hosts[h];
	const struct host *ho = th->h;
	const char	**secrets = NULL;
	size_t		 nsecrets, i;
	struct buf	 b;

	nsecrets = redact_host_secrets(ho, &secrets);
	buf_init(&b, 0, 0);
	buf_addf(&b, "%s  %s %s\n", ho->name, term_glyph(t, th->st),
	    hstate_name(th->st));
	if (ho->description != NULL)
		buf_addf(&b, "%s\n", ho->description);
	buf_addf(&b, "site       %s\n", ho->site ? ho->site : "-");
	buf_addf(&b, "address    %s\n", ho->address ? ho->address : "-");
	buf_addf(&b, "os         %s\n", ho->os ? ho->os : "-");
	buf_addf(&b, "tier       %d\n", ho->tier);
	buf_addf(&b, "transport  %s\n", transport_name(ho->transport));
	buf_addf(&b, "user       %s\n", ho->user ? ho->user : "-");
	buf_adds(&b, "tags      ");
	for (i = 0; i < ho->ntags; i++)
		buf_addf(&b, " %s", ho->tags[i]);
	buf_adds(&b, ho->ntags == 0 ? " -\n" : "\n");
	buf_adds(&b, "groups    ");
	for (i = 0; i < ho->ngroups; i++)
		buf_addf(&b, " %s", ho->groups[i]);
	buf_adds(&b, ho->ngroups == 0 ? " -\n" : "\n");
	if (th->msg != NULL && (th->st == HS_FAILED ||
	    th->st == HS_UNREACHABLE))
		buf_addf(&b, "why        %s\n", th->msg);
	if (ho->nvars > 0) {
		buf_adds(&b, "vars:\n");
		for (i = 0; i < ho->nvars; i++) {
			buf_addf(&b, "  %s = ", ho->vars[i].name);
			if (ho->vars[i].secret)
				buf_adds(&b, REDACT_MASK);
			else
				add_value(&b, ho->vars[i].value, 0);
			buf_addc(&b, '\n');
		}
	}
	if (t->sess.dir != NULL && th->ri >= 0)
		add_steps(t, th, &b, secrets, nsecrets);
	else
		buf_adds(&b, "\nnot in a run\n");
	if (th->has_exec) {
		buf_addf(&b, "\nexec `%s`: rc %d\n", t->exec.command ?
		    t->exec.command : "", th->exec_rc);
		if (th->exec_out != NULL)
			add_output(&b, "output", th->exec_out,
			    strlen(th->exec_out), secrets, nsecrets);
	}
	pager_set(&v->pg, b.data ? b.data : "", b.len);
	buf_release(&b);
	free(secrets);
	last.host = h;
	last.st = th->st;
	last.step = th->step;
	last.has_exec = th->has_exec;
}

static void
host_draw(struct tui *t, struct view *v, int y, int h)
{
	struct thost	*th;

	if (t->host_open >= t->nhosts)
		return;
	th = &t->hosts[t->host_open];
	if (last.host != t->host_open || last.st != th->st ||
	    last.step != th->step || last.has_exec != th->has_exec)
		fill(t, v, t->host_open);
	pager_draw(t, &v->pg, y, h);
}

static int
host_key(struct tui *t, struct view *v, int key)
{
	if (key == TUI_CTRL('r')) {
		last.host = SIZE_MAX;
		return TUI_HANDLED | TUI_REDRAW;
	}
	return pager_key(t, &v->pg, key);
}

static void
host_filter(struct tui *t, struct view *v)
{
	snprintf(v->pg.search, sizeof v->pg.search, "%s", v->filter);
	if (v->filter[0] != '\0' && !pager_find(&v->pg, v->pg.l.top, 1))
		tui_msg(t, RL_ERROR, "not found: %s", v->filter);
}

static void
host_enter(struct tui *t, struct view *v)
{
	(void)t;
	last.host = SIZE_MAX;
	v->pg.l.top = v->pg.l.sel = 0;
	v->pg.hscroll = 0;
}

const struct view_ops view_host_ops = {
	.name = "host",
	.title = "Host",
	.hint = "j/k/PgUp/PgDn:scroll  /:search  n/N:next/previous  "
	    "Ctrl-R:reload  Esc:back",
	.draw = host_draw,
	.key = host_key,
	.filter = host_filter,
	.enter = host_enter,
};
