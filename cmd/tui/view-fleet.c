/*
 * The Fleet view: sites, each with its hosts under it (a tree that
 * folds), every host's state as a symbol, a word and a colour, so that
 * it reads in monochrome and to a screen reader, and counts per site.
 * Space tags hosts: what a run or an exec takes when any are tagged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "inventory.h"
#include "tui.h"

#define ROW_SITE	((size_t)1 << (sizeof(size_t) * 8 - 1))

static void
rebuild(struct tui *t, struct view *v)
{
	size_t	 s, k, h, first;
	bool	 any = v->filter[0] != '\0';

	view_rows_reset(v);
	for (s = 0; s < t->nsites; s++) {
		first = v->nrows;
		view_rows_add(v, s | ROW_SITE);
		if (t->sites[s].closed && !any)
			continue;
		for (k = 0; k < t->sites[s].n; k++) {
			h = t->sites[s].hosts[k];
			if (model_match(t, h, v->filter, v->sel))
				view_rows_add(v, h);
		}
		if (any && v->nrows == first + 1)
			v->nrows = first;	/* no match in this site */
	}
	list_set(&v->l, v->nrows);
	v->stale = false;
}

static void
fleet_filter(struct tui *t, struct view *v)
{
	free(v->sel);
	v->sel = v->filter[0] != '\0' ? model_pattern(t, v->filter) : NULL;
	v->stale = true;
	v->l.sel = v->l.top = 0;
	if (v->filter[0] != '\0')
		tui_msg(t, RL_NORMAL, "filter: %s (%s); / and Enter to clear",
		    v->filter, v->sel ? "a host pattern" : "text");
}

static int
site_counts(struct tui *t, int y, int x, int w, const size_t *c)
{
	static const enum hstate show[] = { HS_OK, HS_CHANGED, HS_FAILED,
	    HS_UNREACHABLE, HS_RUNNING, HS_BOOTLOOP, HS_WAITING,
	    HS_PENDING };
	char	 b[32];
	size_t	 i, n;
	int	 used = 0;

	for (i = 0; i < sizeof(show) / sizeof(show[0]); i++) {
		n = c[show[i]];
		if (n == 0)
			continue;
		snprintf(b, sizeof b, "%s%zu ", term_glyph(t, show[i]), n);
		used += term_put(t, y, x + used, w - used, b,
		    hstate_role(show[i]));
	}
	return used;
}

static void
draw_site(struct tui *t, int y, size_t s, bool selected)
{
	struct tsite	*st = &t->sites[s];
	const struct inv_site *is = inventory_site(t->inv, st->name);
	char		 b[256];
	int		 x;

	snprintf(b, sizeof b, "%s %s", st->closed ? term_sym(t,
	    "\xe2\x96\xb8", "+") : term_sym(t, "\xe2\x96\xbe", "-"),
	    st->name);
	x = term_put(t, y, 0, 30, b, selected ? RL_SELECT : RL_NORMAL);
	attron(A_BOLD);
	snprintf(b, sizeof b, "  %zu host%s  ", st->n, cmd_plural(st->n));
	x += term_put(t, y, x, COLS - x, b, RL_NORMAL);
	attroff(A_BOLD);
	x += site_counts(t, y, x, COLS - x, st->count);
	if (is != NULL && is->description != NULL && COLS - x > 10)
		term_put(t, y, x + 1, COLS - x - 1, is->description, RL_DIM);
}

static void
draw_host(struct tui *t, int y, size_t h, bool selected)
{
	struct thost	*th = &t->hosts[h];
	char		 b[512];
	int		 x = 4, nw = COLS >= 100 ? 24 : 18;

	term_put(t, y, 0, 2, th->tagged ? "*" : " ", RL_NORMAL);
	term_put(t, y, 2, 2, term_glyph(t, th->st), hstate_role(th->st));
	term_put(t, y, x, nw, th->h->name, selected ? RL_SELECT :
	    RL_NORMAL);
	x += nw + 1;
	if (COLS >= 90) {
		term_put(t, y, x, 8, th->h->os ? th->h->os : "-", RL_DIM);
		x += 9;
		snprintf(b, sizeof b, "t%d", th->h->tier);
		term_put(t, y, x, 4, b, RL_DIM);
		x += 4;
	}
	term_put(t, y, x, 11, hstate_name(th->st), hstate_role(th->st));
	x += 12;
	if (th->st == HS_RUNNING || th->st == HS_BOOTLOOP ||
	    th->st == HS_WAITING)
		snprintf(b, sizeof b, "%zu/%zu %s", th->step + 1,
		    t->pb ? t->pb->nsteps : 0, model_step_name(t, th->step));
	else if (th->msg != NULL && th->st != HS_OK && th->st != HS_CHANGED)
		snprintf(b, sizeof b, "%s", th->msg);
	else if (th->has_exec)
		snprintf(b, sizeof b, "exec: rc %d", th->exec_rc);
	else
		b[0] = '\0';
	if (x < COLS)
		term_put(t, y, x, COLS - x, b, RL_NORMAL);
}

static void
fleet_draw(struct tui *t, struct view *v, int y, int h)
{
	int	 row, cy = y;
	size_t	 i, r;

	if (v->stale || (v->filter[0] != '\0' && v->sel == NULL))
		rebuild(t, v);
	list_fit(&v->l, h);
	v->l.y = y;
	for (row = 0; row < h; row++) {
		i = v->l.top + (size_t)row;
		move(y + row, 0);
		clrtoeol();
		if (i >= v->nrows)
			continue;
		r = v->rows[i];
		if (i == v->l.sel)
			cy = y + row;
		if (r & ROW_SITE)
			draw_site(t, y + row, r & ~ROW_SITE, i == v->l.sel);
		else
			draw_host(t, y + row, r, i == v->l.sel);
	}
	if (v->nrows == 0)
		term_put(t, y, 0, COLS, v->filter[0] ? "no host matches the "
		    "filter (/ and Enter to clear it)" : "the inventory has "
		    "no hosts", RL_DIM);
	move(cy, 0);
}

static void
tag(struct tui *t, size_t h, bool on)
{
	t->hosts[h].tagged = on;
}

static size_t
tagged(const struct tui *t)
{
	size_t	 i, n = 0;

	for (i = 0; i < t->nhosts; i++)
		n += t->hosts[i].tagged;
	return n;
}

/* The next failed or unreachable host after the selection (dir). */
static void
next_problem(struct tui *t, struct view *v, int dir)
{
	size_t	 k, i, r;

	for (k = 1; k <= v->nrows; k++) {
		i = dir > 0 ? (v->l.sel + k) % v->nrows :
		    (v->l.sel + v->nrows - k) % v->nrows;
		r = v->rows[i];
		if ((r & ROW_SITE) == 0 && (t->hosts[r].st == HS_FAILED ||
		    t->hosts[r].st == HS_UNREACHABLE)) {
			v->l.sel = i;
			return;
		}
	}
	tui_msg(t, RL_NORMAL, "no failed or unreachable host%s",
	    v->filter[0] ? " in the filter" : "");
}

static int
fleet_key(struct tui *t, struct view *v, int key)
{
	size_t	 r, i, s;
	bool	 on;

	if (v->stale)
		rebuild(t, v);
	if (list_key(&v->l, key))
		return TUI_HANDLED | TUI_REDRAW;
	if (v->nrows == 0)
		return 0;
	r = v->rows[v->l.sel];
	switch (key) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (r & ROW_SITE) {
			t->sites[r & ~ROW_SITE].closed =
			    !t->sites[r & ~ROW_SITE].closed;
			v->stale = true;
		} else
			tui_open_host(t, r);
		return TUI_HANDLED | TUI_REDRAW;
	case KEY_LEFT:
	case 'h':
		if (r & ROW_SITE) {
			t->sites[r & ~ROW_SITE].closed = true;
			v->stale = true;
			return TUI_HANDLED | TUI_REDRAW;
		}
		while (v->l.sel > 0 && !(v->rows[v->l.sel] & ROW_SITE))
			v->l.sel--;
		return TUI_HANDLED | TUI_REDRAW;
	case KEY_RIGHT:
	case 'l':
		if (r & ROW_SITE) {
			t->sites[r & ~ROW_SITE].closed = false;
			v->stale = true;
		}
		return TUI_HANDLED | TUI_REDRAW;
	case ' ':
		if (r & ROW_SITE) {
			s = r & ~ROW_SITE;
			on = false;
			for (i = 0; i < t->sites[s].n; i++)
				if (!t->hosts[t->sites[s].hosts[i]].tagged)
					on = true;
			for (i = 0; i < t->sites[s].n; i++)
				if (model_match(t, t->sites[s].hosts[i],
				    v->filter, v->sel))
					tag(t, t->sites[s].hosts[i], on);
		} else {
			tag(t, r, !t->hosts[r].tagged);
			if (v->l.sel + 1 < v->nrows)
				v->l.sel++;
		}
		tui_msg(t, RL_NORMAL, "%zu host%s tagged", tagged(t),
		    cmd_plural(tagged(t)));
		return TUI_HANDLED | TUI_REDRAW;
	case '*':
		for (i = 0; i < v->nrows; i++)
			if (!(v->rows[i] & ROW_SITE))
				tag(t, v->rows[i], true);
		tui_msg(t, RL_NORMAL, "%zu host%s tagged", tagged(t),
		    cmd_plural(tagged(t)));
		return TUI_HANDLED | TUI_REDRAW;
	case 'u':
		for (i = 0; i < t->nhosts; i++)
			tag(t, i, false);
		tui_msg(t, RL_NORMAL, "no host tagged");
		return TUI_HANDLED | TUI_REDRAW;
	case 'n':
	case 'N':
		next_problem(t, v, key == 'n' ? 1 : -1);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

static void
fleet_enter(struct tui *t, struct view *v)
{
	(void)t;
	v->stale = true;
}

const struct view_ops view_fleet_ops = {
	.name = "fleet",
	.title = "Fleet",
	.hint = "Enter:open  Space:tag  /:filter  n/N:next failed  p:playbook"
	    "  x:exec  ?:help",
	.draw = fleet_draw,
	.key = fleet_key,
	.click = view_list_click,
	.filter = fleet_filter,
	.enter = fleet_enter,
	.tab = true,
	.hotkey = '1',
};
