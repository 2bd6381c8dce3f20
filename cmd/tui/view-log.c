/*
 * The Log view: the run's events as they come (waves, failures, boot
 * loops, sign-offs, halts), exec results and every message, newest at
 * the bottom.  It follows the end until the reader scrolls up; End
 * follows again.  `/` keeps the lines holding a text; Enter on a line
 * about a host opens the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curses.h>

#include "tui.h"

static void
rebuild(struct tui *t, struct view *v)
{
	const struct logline	*l;
	size_t			 i;
	bool			 end = v->l.n == 0 || v->l.sel + 1 >= v->l.n;

	view_rows_reset(v);
	for (i = 0; i < t->nlog; i++) {
		l = tui_logline(t, i);
		if (v->filter[0] == '\0' || strcasestr(l->text, v->filter))
			view_rows_add(v, i);
	}
	list_set(&v->l, v->nrows);
	if (end && v->nrows > 0)
		v->l.sel = v->nrows - 1;	/* following */
	v->stale = false;
}

static void
log_draw(struct tui *t, struct view *v, int y, int h)
{
	const struct logline	*l;
	struct tm		 tm;
	time_t			 at;
	char			 ts[16];
	int			 row, cy = y;
	size_t			 i;

	if (v->stale)
		rebuild(t, v);
	list_fit(&v->l, h);
	v->l.y = y;
	for (row = 0; row < h; row++) {
		i = v->l.top + (size_t)row;
		move(y + row, 0);
		clrtoeol();
		if (i >= v->nrows)
			continue;
		l = tui_logline(t, v->rows[i]);
		at = (time_t)l->at;
		localtime_r(&at, &tm);
		strftime(ts, sizeof ts, "%H:%M:%S", &tm);
		term_put(t, y + row, 0, 9, ts, i == v->l.sel ? RL_SELECT :
		    RL_DIM);
		term_put(t, y + row, 9, COLS - 9, l->text, l->role);
		if (i == v->l.sel)
			cy = y + row;
	}
	if (v->nrows == 0)
		term_put(t, y, 0, COLS, v->filter[0] ? "no line holds the "
		    "filter's text" : "nothing yet", RL_DIM);
	move(cy, 0);
}

static int
log_key(struct tui *t, struct view *v, int key)
{
	const struct logline	*l;

	if (v->stale)
		rebuild(t, v);
	if (list_key(&v->l, key))
		return TUI_HANDLED | TUI_REDRAW;
	if ((key == '\n' || key == '\r' || key == KEY_ENTER) &&
	    v->l.sel < v->nrows) {
		l = tui_logline(t, v->rows[v->l.sel]);
		if (l->host >= 0)
			tui_open_host(t, (size_t)l->host);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

static void
log_filter(struct tui *t, struct view *v)
{
	(void)t;
	v->stale = true;
	v->l.n = 0;		/* follow the end again */
}

static void
log_enter(struct tui *t, struct view *v)
{
	(void)t;
	v->stale = true;
}

const struct view_ops view_log_ops = {
	.name = "log",
	.title = "Log",
	.hint = "/:filter  End:follow  Enter:open the host  ?:help",
	.draw = log_draw,
	.key = log_key,
	.click = view_list_click,
	.filter = log_filter,
	.enter = log_enter,
	.tab = true,
	.hotkey = '4',
};
