/*
 * The text views: a pager over text the TUI was given (the --check plan
 * of a playbook, a run's report) and the help, made from the key table
 * each time it is opened so that it can never miss a key.
 */
#include <stdio.h>
#include <string.h>

#include <curses.h>

#include "tui.h"

static void
text_draw(struct tui *t, struct view *v, int y, int h)
{
	pager_draw(t, &v->pg, y, h);
}

static int
text_key(struct tui *t, struct view *v, int key)
{
	return pager_key(t, &v->pg, key);
}

static void
text_filter(struct tui *t, struct view *v)
{
	snprintf(v->pg.search, sizeof v->pg.search, "%s", v->filter);
	if (v->filter[0] != '\0' && !pager_find(&v->pg, v->pg.l.top, 1))
		tui_msg(t, RL_ERROR, "not found: %s", v->filter);
}

const struct view_ops view_text_ops = {
	.name = "text",
	.title = "Text",
	.hint = "j/k/PgUp/PgDn:scroll  /:search  n/N:next/previous  Esc:back",
	.draw = text_draw,
	.key = text_key,
	.filter = text_filter,
};

static void
help_enter(struct tui *t, struct view *v)
{
	struct buf	 b;

	(void)t;
	buf_init(&b, 0, 0);
	tui_help_text(&b);
	pager_set(&v->pg, b.data, b.len);
	buf_release(&b);
	v->pg.l.top = v->pg.l.sel = 0;
}

const struct view_ops view_help_ops = {
	.name = "help",
	.title = "Help",
	.hint = "j/k/PgUp/PgDn:scroll  /:search  Esc or q:back",
	.draw = text_draw,
	.key = text_key,
	.filter = text_filter,
	.enter = help_enter,
	.hotkey = '?',
};
