/*
 * The Checklist view: the playbook's manual steps, and its gates between
 * waves when its rollout waits for a person, each with its owner, its
 * state (to come, WAITING when hosts wait for it, signed) and who signed
 * it when.  Enter or s signs the selected one off, after a dialog that
 * asks for the name; the sign-off goes to the run (and its journal) as
 * `lifeboat signoff` would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "playbook.h"
#include "tui.h"

#define ROW_GATE	((size_t)1 << (sizeof(size_t) * 8 - 1))

static const struct pb_action *
manual_action(const struct pb_step *st)
{
	if (st->action != NULL)
		return st->action->type == PB_MANUAL ? st->action : NULL;
	if (st->on_windows != NULL && st->on_windows->type == PB_MANUAL)
		return st->on_windows;
	if (st->on_linux != NULL && st->on_linux->type == PB_MANUAL)
		return st->on_linux;
	return NULL;
}

static void
rebuild(struct tui *t, struct view *v)
{
	size_t	 i;

	view_rows_reset(v);
	if (t->pb == NULL)
		return;
	for (i = 0; i < t->pb->nsteps; i++)
		if (manual_action(&t->pb->steps[i]) != NULL)
			view_rows_add(v, i);
	for (i = 1; t->pb->rollout.pause_manual && i < t->nwaves; i++)
		view_rows_add(v, i | ROW_GATE);
	list_set(&v->l, v->nrows);
}

static void
row_text(struct tui *t, size_t r, const char **state, enum role *role,
    char *name, size_t len, const char **owner, char *who, size_t wlen)
{
	struct tm	 tm;
	time_t		 at;
	size_t		 w;

	*who = '\0';
	*owner = "-";
	if (r & ROW_GATE) {
		w = r & ~ROW_GATE;
		snprintf(name, len, "wave %zu", t->waves[w].number);
		if (t->waves[w].signer != NULL)
			snprintf(who, wlen, "%s", t->waves[w].signer);
		if (t->waves[w].started) {
			*state = "signed";
			*role = RL_OK;
		} else if (t->gate && t->gate_wave == t->waves[w].number) {
			*state = "WAITING";
			*role = RL_BOOTLOOP;
		} else {
			*state = "to come";
			*role = RL_NORMAL;
		}
		return;
	}
	snprintf(name, len, "%s", t->pb->steps[r].name);
	*owner = manual_action(&t->pb->steps[r])->owner;
	if (*owner == NULL)
		*owner = "-";
	if (t->signed_off != NULL && t->signed_off[r]) {
		*state = "signed";
		*role = RL_OK;
		at = (time_t)t->signed_at[r];
		gmtime_r(&at, &tm);
		snprintf(who, wlen, "%s ", t->signer[r]);
		strftime(who + strlen(who), wlen - strlen(who),
		    "%Y-%m-%d %H:%M:%SZ", &tm);
	} else if (t->waiting != NULL && t->waiting[r]) {
		*state = "WAITING";
		*role = RL_BOOTLOOP;
	} else {
		*state = t->sess.run != NULL ? "to come" : "no run";
		*role = RL_NORMAL;
	}
}

static void
checklist_draw(struct tui *t, struct view *v, int y, int h)
{
	char		 name[256], who[256];
	const char	*state, *owner;
	enum role	 role;
	int		 row, cy = y, lh, nw, ow;
	size_t		 i;

	if (t->pb == NULL) {
		term_put(t, y, 0, COLS, "no playbook: p picks one", RL_DIM);
		move(y, 0);
		return;
	}
	rebuild(t, v);
	if (v->nrows == 0) {
		term_put(t, y, 0, COLS, "this playbook has no manual step and "
		    "no gate", RL_DIM);
		move(y, 0);
		return;
	}
	nw = COLS >= 100 ? 30 : 20;
	ow = COLS >= 100 ? 20 : 12;
	snprintf(name, sizeof name, "   %-9s %-*s %-*s %s", "state", nw, "step",
	    ow, "owner", "signed by");
	term_put(t, y, 0, COLS, name, RL_DIM);
	y++;
	h--;
	lh = h - 4 > 1 ? h - 4 : 1;
	list_fit(&v->l, lh);
	v->l.y = y;
	for (row = 0; row < lh; row++) {
		i = v->l.top + (size_t)row;
		move(y + row, 0);
		clrtoeol();
		if (i >= v->nrows)
			continue;
		row_text(t, v->rows[i], &state, &role, name, sizeof name,
		    &owner, who, sizeof who);
		term_put(t, y + row, 0, 2, strcmp(state, "signed") == 0 ?
		    term_sym(t, "\xe2\x9c\x93", "+") : strcmp(state,
		    "WAITING") == 0 ? term_sym(t, "\xe2\x80\xa6", "w") : " ",
		    role);
		term_put(t, y + row, 3, 9, state, role);
		term_put(t, y + row, 13, nw, name, i == v->l.sel ?
		    RL_SELECT : RL_NORMAL);
		term_put(t, y + row, 14 + nw, ow, owner, RL_NORMAL);
		if (COLS > 15 + nw + ow)
			term_put(t, y + row, 15 + nw + ow, COLS - 15 - nw - ow,
			    who, RL_NORMAL);
		if (i == v->l.sel)
			cy = y + row;
	}
	/* The selected item's text. */
	if (v->l.sel < v->nrows && !(v->rows[v->l.sel] & ROW_GATE)) {
		const struct pb_action *a = manual_action(
		    &t->pb->steps[v->rows[v->l.sel]]);

		term_fill(y + lh, 0, COLS, RL_DIM, t);
		term_put(t, y + lh + 1, 0, COLS, a->text ? a->text : "",
		    RL_NORMAL);
	}
	move(cy, 0);
}

static int
checklist_key(struct tui *t, struct view *v, int key)
{
	size_t	 r;

	rebuild(t, v);
	if (list_key(&v->l, key))
		return TUI_HANDLED | TUI_REDRAW;
	if (v->l.sel >= v->nrows)
		return 0;
	r = v->rows[v->l.sel];
	if (key == '\n' || key == '\r' || key == KEY_ENTER || key == 's') {
		if (r & ROW_GATE)
			act_signoff(t, t->waves[r & ~ROW_GATE].number, true);
		else
			act_signoff(t, r, false);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

const struct view_ops view_checklist_ops = {
	.name = "checklist",
	.title = "Checklist",
	.hint = "Enter/s:sign off  j/k:move  ?:help",
	.draw = checklist_draw,
	.key = checklist_key,
	.click = view_list_click,
	.tab = true,
	.hotkey = '3',
};
