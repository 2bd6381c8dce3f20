/*
 * The Run view: the playbook's waves with a progress bar each, and under
 * them the hosts of the wave in focus, failures first, each with the step
 * it is at.  The first line says where the run is: running, held before
 * the next wave, waiting for a sign-off, halted and why, done.  Tab moves
 * between the two panes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "playbook.h"
#include "tui.h"

static int
rank(enum hstate s)
{
	switch (s) {
	case HS_FAILED:
		return 0;
	case HS_UNREACHABLE:
		return 1;
	case HS_BOOTLOOP:
		return 2;
	case HS_WAITING:
		return 3;
	case HS_RUNNING:
		return 4;
	case HS_PENDING:
		return 5;
	case HS_CANCELLED:
	case HS_NOTRUN:
		return 6;
	default:
		return 7;
	}
}

/* The hosts of wave w, failures first (a counting sort: O(n)). */
static void
rebuild(struct tui *t, struct view *v, size_t w)
{
	const struct rollout_plan	*pl = run_plan(t->sess.run);
	size_t				 r, i, h;

	view_rows_reset(v);
	if (w >= pl->nwaves)
		return;
	for (r = 0; r < 8; r++)
		for (i = 0; i < pl->waves[w].n; i++) {
			h = t->run_map[pl->waves[w].hosts[i]];
			if (h != SIZE_MAX && rank(t->hosts[h].st) == (int)r &&
			    model_match(t, h, v->filter, v->sel))
				view_rows_add(v, h);
		}
	list_set(&v->l2, v->nrows);
}

static void
bar(struct tui *t, int y, int x, int w, const struct twave *wv)
{
	int	 full, bad, i;

	if (w <= 2 || wv->n == 0)
		return;
	full = (int)((double)wv->done * w / (double)wv->n);
	bad = (int)((double)(wv->failed + wv->unreachable) * w /
	    (double)wv->n);
	if (bad == 0 && wv->failed + wv->unreachable > 0)
		bad = 1;
	for (i = 0; i < w; i++) {
		enum role	 r = i < bad ? RL_FAILED : i < full ? RL_OK :
				    RL_DIM;
		const char	*g = i < full || i < bad ? term_sym(t,
				    "\xe2\x96\x88", "#") : term_sym(t,
				    "\xe2\x96\x91", ".");

		term_put(t, y, x + i, 1, g, r);
	}
}

static void
state_line(struct tui *t, int y)
{
	char	 b[512];
	enum role r = RL_NORMAL;

	if (t->halted) {
		snprintf(b, sizeof b, "HALTED: %s", t->halt ? t->halt : "");
		r = RL_FAILED;
	} else if (t->ended)
		snprintf(b, sizeof b, "%s (status %d): r for the report",
		    t->status == 130 ? "interrupted" : "done", t->status);
	else if (t->held)
		snprintf(b, sizeof b, "HELD before wave %zu: P to go on",
		    t->wave + 1 < t->nwaves ? t->waves[t->wave + 1].number :
		    0);
	else if (t->gate) {
		snprintf(b, sizeof b, "waiting for the sign-off of 'wave %zu'"
		    ": 3 for the checklist", t->gate_wave);
		r = RL_BOOTLOOP;
	} else
		snprintf(b, sizeof b, "running wave %zu of %zu",
		    t->wave < t->nwaves ? t->waves[t->wave].number : 0,
		    t->nwaves > 0 ? t->waves[t->nwaves - 1].number : 0);
	term_fill(y, 0, COLS, RL_NORMAL, t);
	term_put(t, y, 0, COLS, b, r);
}

static void
run_draw(struct tui *t, struct view *v, int y, int h)
{
	int	 wh, row, cy = y, x;
	size_t	 i, k;
	char	 b[512];

	if (t->sess.run == NULL || t->pending) {
		term_put(t, y, 0, COLS, t->pending ? "not started: s starts "
		    "the run (c shows its plan again)" : "no run yet: p picks "
		    "a playbook, c shows its plan, s starts it", RL_DIM);
		move(y, 0);
		return;
	}
	snprintf(b, sizeof b, "run %s: %s on %zu host%s%s%s", t->sess.id,
	    t->pb->name, t->nrun, cmd_plural(t->nrun), t->limit ?
	    ", limit " : "", t->limit ? t->limit_text : "");
	term_put(t, y, 0, COLS, b, RL_NORMAL);
	state_line(t, y + 1);
	y += 2;
	h -= 2;
	wh = (int)t->nwaves;
	if (wh > h / 3)
		wh = h / 3 > 1 ? h / 3 : 1;
	v->l.n = t->nwaves;
	list_fit(&v->l, wh);
	v->l.y = y;
	for (row = 0; row < wh; row++) {
		const struct twave *wv;

		i = v->l.top + (size_t)row;
		move(y + row, 0);
		clrtoeol();
		if (i >= t->nwaves)
			continue;
		wv = &t->waves[i];
		if (wv->number == 0)
			snprintf(b, sizeof b, "%s canary ", i == t->wave &&
			    t->running ? term_sym(t, "\xe2\x96\xb6", ">") :
			    " ");
		else
			snprintf(b, sizeof b, "%s wave %-2zu", i == t->wave &&
			    t->running ? term_sym(t, "\xe2\x96\xb6", ">") :
			    " ", wv->number);
		x = term_put(t, y + row, 0, 10, b, i == v->l.sel &&
		    v->pane == 0 ? RL_SELECT : RL_NORMAL);
		bar(t, y + row, 11, COLS >= 100 ? 30 : 16, wv);
		x = 11 + (COLS >= 100 ? 30 : 16) + 1;
		snprintf(b, sizeof b, "%zu/%zu  %zu ok  %zu failed  %zu "
		    "unreachable%s", wv->done, wv->n, wv->ok, wv->failed,
		    wv->unreachable, !wv->started ? "  (not started)" : "");
		term_put(t, y + row, x, COLS - x, b, wv->failed +
		    wv->unreachable ? RL_FAILED : RL_NORMAL);
		if (i == v->l.sel && v->pane == 0)
			cy = y + row;
	}
	y += wh;
	h -= wh;
	term_fill(y, 0, COLS, RL_DIM, t);
	snprintf(b, sizeof b, "hosts of %s %zu, failures first%s%s",
	    v->l.sel < t->nwaves && t->waves[v->l.sel].number == 0 ?
	    "the canary, wave" : "wave", v->l.sel < t->nwaves ?
	    t->waves[v->l.sel].number : 0, v->filter[0] ? "; filter: " : "",
	    v->filter);
	term_put(t, y, 0, COLS, b, RL_DIM);
	y++;
	h--;
	rebuild(t, v, v->l.sel);
	list_fit(&v->l2, h);
	v->l2.y = y;
	for (row = 0; row < h; row++) {
		struct thost	*th;

		k = v->l2.top + (size_t)row;
		move(y + row, 0);
		clrtoeol();
		if (k >= v->nrows)
			continue;
		th = &t->hosts[v->rows[k]];
		term_put(t, y + row, 0, 2, term_glyph(t, th->st),
		    hstate_role(th->st));
		term_put(t, y + row, 2, 20, th->h->name, k == v->l2.sel &&
		    v->pane == 1 ? RL_SELECT : RL_NORMAL);
		term_put(t, y + row, 23, 11, hstate_name(th->st),
		    hstate_role(th->st));
		if (th->msg != NULL && (th->st == HS_FAILED ||
		    th->st == HS_UNREACHABLE))
			snprintf(b, sizeof b, "%s", th->msg);
		else if (th->step != SIZE_MAX)
			snprintf(b, sizeof b, "step %zu/%zu %s", th->step + 1,
			    t->pb->nsteps, model_step_name(t, th->step));
		else
			b[0] = '\0';
		term_put(t, y + row, 35, COLS - 35, b, RL_NORMAL);
		if (k == v->l2.sel && v->pane == 1)
			cy = y + row;
	}
	move(cy, 0);
}

static int
run_key(struct tui *t, struct view *v, int key)
{
	if (t->sess.run == NULL || t->pending)
		return 0;
	if (key == '\t') {
		v->pane = !v->pane;
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (v->pane == 0) {
		v->l.n = t->nwaves;
		if (list_key(&v->l, key)) {
			v->l2.sel = v->l2.top = 0;
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			v->pane = 1;
			return TUI_HANDLED | TUI_REDRAW;
		}
		return 0;
	}
	rebuild(t, v, v->l.sel);
	if (list_key(&v->l2, key))
		return TUI_HANDLED | TUI_REDRAW;
	if ((key == '\n' || key == '\r' || key == KEY_ENTER) &&
	    v->l2.sel < v->nrows) {
		tui_open_host(t, v->rows[v->l2.sel]);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

static int
run_click(struct tui *t, struct view *v, int y, bool open)
{
	if (t->sess.run == NULL || t->pending)
		return TUI_HANDLED;
	/* y counts from the view's first screen row (1). */
	if (list_click(&v->l, y + 1 - v->l.y)) {
		v->pane = 0;
		v->l2.sel = v->l2.top = 0;
	} else if (list_click(&v->l2, y + 1 - v->l2.y)) {
		v->pane = 1;
		if (open)
			tui_open_host(t, v->rows[v->l2.sel]);
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static void
run_filter(struct tui *t, struct view *v)
{
	free(v->sel);
	v->sel = v->filter[0] != '\0' ? model_pattern(t, v->filter) : NULL;
	v->l2.sel = v->l2.top = 0;
}

static void
run_enter(struct tui *t, struct view *v)
{
	/* The wave at work, unless one was chosen. */
	if (t->running && v->pane == 0)
		v->l.sel = t->wave;
}

const struct view_ops view_run_ops = {
	.name = "run",
	.title = "Run",
	.hint = "Tab:pane  Enter:open  P:hold/go on  A:abort  r:report  "
	    "/:filter  ?:help",
	.draw = run_draw,
	.key = run_key,
	.click = run_click,
	.filter = run_filter,
	.enter = run_enter,
	.tab = true,
	.hotkey = '2',
};
