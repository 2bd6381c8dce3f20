/*
 * Typing: the bottom line after `:` (a command) or `/` (a filter or a
 * search), with a history for `:`, and the dialogs: a yes/no question,
 * a question answered only by typing "yes" (what changes hosts), a line
 * to type (shown or not: a passphrase), a list to pick from.  A dialog
 * is modal: keys go to it until it is answered or Esc.
 *
 * Keys arrive as curses key codes, or as characters; a character past
 * ASCII comes as TUI_WCHAR(wc) and is stored as UTF-8.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <curses.h>

#include "tui.h"
#include "xmalloc.h"

#define CTRL(c)		((c) & 0x1f)
#define HIST_MAX	100

static bool
is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

static bool
is_backspace(int key)
{
	return key == KEY_BACKSPACE || key == 127 || key == CTRL('h');
}

/* Edits line (cursor *cur) with key: true when the key was taken. */
static bool
edit(struct buf *line, size_t *cur, int key)
{
	char		 mb[MB_LEN_MAX + 1];
	size_t		 n, k;
	mbstate_t	 ps;
	struct buf	 tmp;

	if (is_backspace(key)) {
		if (*cur == 0)
			return true;
		k = *cur - 1;
		/* Back over a whole UTF-8 character. */
		while (k > 0 && ((unsigned char)line->data[k] & 0xc0) == 0x80)
			k--;
		memmove(line->data + k, line->data + *cur, line->len - *cur);
		buf_truncate(line, line->len - (*cur - k));
		*cur = k;
		return true;
	}
	switch (key) {
	case KEY_LEFT:
		while (*cur > 0 && ((unsigned char)line->data[--*cur] & 0xc0) ==
		    0x80)
			;
		return true;
	case KEY_RIGHT:
		while (*cur < line->len && ((unsigned char)line->data[++*cur] &
		    0xc0) == 0x80)
			;
		return true;
	case KEY_HOME:
	case CTRL('a'):
		*cur = 0;
		return true;
	case KEY_END:
	case CTRL('e'):
		*cur = line->len;
		return true;
	case CTRL('u'):
		buf_reset(line);
		*cur = 0;
		return true;
	case KEY_DC:
		if (*cur < line->len) {
			k = *cur + 1;
			while (k < line->len && ((unsigned char)line->data[k] &
			    0xc0) == 0x80)
				k++;
			memmove(line->data + *cur, line->data + k,
			    line->len - k);
			buf_truncate(line, line->len - (k - *cur));
		}
		return true;
	}
	if (key >= 0x20 && key < 0x7f) {
		mb[0] = (char)key;
		n = 1;
	} else if (key & TUI_WCHAR_FLAG) {
		memset(&ps, 0, sizeof ps);
		n = wcrtomb(mb, (wchar_t)(key & ~TUI_WCHAR_FLAG), &ps);
		if (n == (size_t)-1)
			return true;
	} else
		return false;
	/* Insert at the cursor. */
	buf_init(&tmp, 0, line->flags);
	buf_add(&tmp, line->data ? line->data : "", *cur);
	buf_add(&tmp, mb, n);
	buf_add(&tmp, line->data ? line->data + *cur : "", line->len - *cur);
	buf_reset(line);
	buf_add(line, tmp.data, tmp.len);
	buf_release(&tmp);
	*cur += n;
	return true;
}

/*
 * The `:` and `/` line.
 */

void
prompt_open(struct tui *t, char lead, const char *init)
{
	struct prompt	*p = &t->prompt;

	p->on = true;
	p->lead = lead;
	if (p->line.max == 0)
		buf_init(&p->line, 4096, 0);
	buf_reset(&p->line);
	if (init != NULL)
		buf_adds(&p->line, init);
	p->cur = p->line.len;
	p->hpos = p->nhist;
	tui_dirty(t);
}

static void
hist_add(struct prompt *p, const char *s)
{
	if (*s == '\0' || (p->nhist > 0 && strcmp(p->hist[p->nhist - 1],
	    s) == 0))
		return;
	if (p->nhist == HIST_MAX) {
		free(p->hist[0]);
		memmove(p->hist, p->hist + 1, (HIST_MAX - 1) *
		    sizeof(*p->hist));
		p->nhist--;
	}
	p->hist = xreallocarray(p->hist, p->nhist + 1, sizeof(*p->hist));
	p->hist[p->nhist++] = xstrdup(s);
}

static void
hist_go(struct prompt *p, int dir)
{
	if (dir < 0 && p->hpos > 0)
		p->hpos--;
	else if (dir > 0 && p->hpos < p->nhist)
		p->hpos++;
	buf_reset(&p->line);
	if (p->hpos < p->nhist)
		buf_adds(&p->line, p->hist[p->hpos]);
	p->cur = p->line.len;
}

int
prompt_key(struct tui *t, int key)
{
	struct prompt	*p = &t->prompt;
	struct view	*v = &t->views[t->cur];
	char		*line;

	if (key == 27 || (is_backspace(key) && p->line.len == 0)) {
		p->on = false;
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (is_enter(key)) {
		p->on = false;
		line = xstrdup(buf_str(&p->line));
		if (p->lead == ':') {
			hist_add(p, line);
			tui_command(t, line);
		} else {
			snprintf(v->filter, sizeof v->filter, "%s", line);
			if (v->ops->filter != NULL)
				v->ops->filter(t, v);
		}
		free(line);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (p->lead == ':' && (key == KEY_UP || key == KEY_DOWN)) {
		hist_go(p, key == KEY_UP ? -1 : 1);
		return TUI_HANDLED | TUI_REDRAW;
	}
	(void)edit(&p->line, &p->cur, key);
	return TUI_HANDLED | TUI_REDRAW;
}

/* The columns s[0..n) takes on the screen. */
static int
cols(const struct tui *t, const char *s, size_t n)
{
	mbstate_t	 ps;
	wchar_t		 wc;
	size_t		 i = 0, k;
	int		 c = 0, w;

	memset(&ps, 0, sizeof ps);
	while (i < n) {
		if (!t->utf8 || (unsigned char)s[i] < 0x80) {
			c++;
			i++;
			continue;
		}
		k = mbrtowc(&wc, s + i, n - i, &ps);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&ps, 0, sizeof ps);
			c++;
			i++;
			continue;
		}
		w = wcwidth(wc);
		c += w > 0 ? w : 1;
		i += k;
	}
	return c;
}

void
prompt_draw(struct tui *t)
{
	struct prompt	*p = &t->prompt;
	char		 lead[2] = { p->lead, '\0' };
	int		 y = LINES - 1, x;

	term_fill(y, 0, COLS, RL_NORMAL, t);
	term_put(t, y, 0, 1, lead, RL_NORMAL);
	term_putn(t, y, 1, COLS - 1, buf_str(&p->line), p->line.len,
	    RL_NORMAL);
	x = 1 + cols(t, buf_str(&p->line), p->cur);
	move(y, x < COLS ? x : COLS - 1);
}

/*
 * Dialogs.
 */

void
dlg_close(struct tui *t)
{
	struct dialog	*d = &t->dlg;
	size_t		 i;

	free(d->title);
	free(d->body);
	for (i = 0; i < d->nitems; i++)
		free(d->items[i]);
	free(d->items);
	buf_release(&d->line);
	memset(d, 0, sizeof(*d));
	tui_dirty(t);
}

static void
dlg_open(struct tui *t, enum dlg_kind k, const char *title,
    const char *body, dlg_done_fn *done)
{
	dlg_close(t);
	t->dlg.kind = k;
	t->dlg.title = xstrdup(title);
	t->dlg.body = xstrdup(body != NULL ? body : "");
	t->dlg.done = done;
	buf_init(&t->dlg.line, 4096, BUF_WIPE);
}

void
dlg_confirm(struct tui *t, const char *title, const char *body,
    dlg_done_fn *done)
{
	dlg_open(t, DLG_CONFIRM, title, body, done);
}

void
dlg_type_yes(struct tui *t, const char *title, const char *body,
    dlg_done_fn *done)
{
	dlg_open(t, DLG_TYPE_YES, title, body, done);
}

void
dlg_input(struct tui *t, const char *title, const char *body,
    const char *init, bool secret, dlg_done_fn *done)
{
	dlg_open(t, secret ? DLG_SECRET : DLG_INPUT, title, body, done);
	if (init != NULL)
		buf_adds(&t->dlg.line, init);
	t->dlg.cur = t->dlg.line.len;
}

void
dlg_pick(struct tui *t, const char *title, char **items, size_t n,
    dlg_done_fn *done)
{
	size_t	 i;

	dlg_open(t, DLG_PICK, title, "", done);
	t->dlg.items = xreallocarray(NULL, n ? n : 1, sizeof(char *));
	for (i = 0; i < n; i++)
		t->dlg.items[i] = xstrdup(items[i]);
	t->dlg.nitems = n;
	list_set(&t->dlg.l, n);
}

/* Ends the dialog and calls its function; the dialog may open another. */
static void
finish(struct tui *t, bool ok)
{
	dlg_done_fn	*done = t->dlg.done;
	char		*text = NULL;
	size_t		 picked = t->dlg.l.sel;
	struct buf	 keep;

	buf_init(&keep, 4096, BUF_WIPE);
	buf_add(&keep, t->dlg.line.data ? t->dlg.line.data : "",
	    t->dlg.line.len);
	text = (char *)buf_str(&keep);
	dlg_close(t);
	if (done != NULL)
		done(t, ok, text, picked);
	buf_release(&keep);
}

int
dlg_key(struct tui *t, int key)
{
	struct dialog	*d = &t->dlg;

	if (key == 27) {
		finish(t, false);
		return TUI_HANDLED | TUI_REDRAW;
	}
	switch (d->kind) {
	case DLG_CONFIRM:
		if (key == 'y' || key == 'Y')
			finish(t, true);
		else if (key == 'n' || key == 'N' || key == 'q')
			finish(t, false);
		break;
	case DLG_PICK:
		if (is_enter(key)) {
			finish(t, d->nitems > 0);
			break;
		}
		if (key == 'q') {
			finish(t, false);
			break;
		}
		(void)list_key(&d->l, key);
		break;
	case DLG_TYPE_YES:
		if (is_enter(key)) {
			finish(t, strcmp(buf_str(&d->line), "yes") == 0);
			break;
		}
		(void)edit(&d->line, &d->cur, key);
		break;
	case DLG_INPUT:
	case DLG_SECRET:
		if (is_enter(key)) {
			finish(t, true);
			break;
		}
		(void)edit(&d->line, &d->cur, key);
		break;
	default:
		break;
	}
	return TUI_HANDLED | TUI_REDRAW;
}

struct box {
	int	 y, x, h, w;
};

static struct box
dlg_box(const struct tui *t)
{
	const struct dialog	*d = &t->dlg;
	struct box		 b;
	const char		*s;
	int			 lines = 1, w = (int)strlen(d->title) + 4;
	int			 lw;

	for (s = d->body; *s != '\0'; s += strcspn(s, "\n") + (s[strcspn(s,
	    "\n")] != '\0')) {
		lw = cols(t, s, strcspn(s, "\n")) + 4;
		if (lw > w)
			w = lw;
		lines++;
	}
	for (size_t i = 0; d->kind == DLG_PICK && i < d->nitems; i++) {
		lw = cols(t, d->items[i], strlen(d->items[i])) + 4;
		if (lw > w)
			w = lw;
	}
	if (d->kind == DLG_PICK)
		lines += (int)d->nitems;
	else if (d->kind != DLG_CONFIRM)
		lines += 2;
	b.w = w < 44 ? 44 : w;
	if (b.w > COLS - 2)
		b.w = COLS - 2;
	b.h = lines + 3;
	if (b.h > LINES - 2)
		b.h = LINES - 2;
	b.y = (LINES - b.h) / 2;
	b.x = (COLS - b.w) / 2;
	return b;
}

void
dlg_draw(struct tui *t)
{
	struct dialog	*d = &t->dlg;
	struct box	 b = dlg_box(t);
	const char	*s, *hint;
	int		 y, cy = -1, cx = 0, i;
	size_t		 n, k;

	for (y = 0; y < b.h; y++)
		term_fill(b.y + y, b.x, b.w, RL_DIALOG, t);
	attrset(term_attr(t, RL_DIALOG));
	mvhline(b.y, b.x, t->utf8 ? 0 : '-', b.w);
	mvhline(b.y + b.h - 1, b.x, t->utf8 ? 0 : '-', b.w);
	mvvline(b.y, b.x, t->utf8 ? 0 : '|', b.h);
	mvvline(b.y, b.x + b.w - 1, t->utf8 ? 0 : '|', b.h);
	if (t->utf8) {
		mvaddch(b.y, b.x, ACS_ULCORNER);
		mvaddch(b.y, b.x + b.w - 1, ACS_URCORNER);
		mvaddch(b.y + b.h - 1, b.x, ACS_LLCORNER);
		mvaddch(b.y + b.h - 1, b.x + b.w - 1, ACS_LRCORNER);
	}
	attrset(A_NORMAL);
	term_put(t, b.y, b.x + 2, b.w - 4, d->title, RL_DIALOG);
	y = b.y + 1;
	for (s = d->body; *s != '\0' && y < b.y + b.h - 2; y++) {
		n = strcspn(s, "\n");
		term_putn(t, y, b.x + 2, b.w - 4, s, n, RL_DIALOG);
		s += n + (s[n] != '\0');
	}
	switch (d->kind) {
	case DLG_PICK:
		list_fit(&d->l, b.y + b.h - 2 - y);
		for (i = 0; y < b.y + b.h - 2; i++, y++) {
			k = d->l.top + (size_t)i;
			if (k >= d->nitems)
				break;
			if (k == d->l.sel) {
				term_fill(y, b.x + 1, b.w - 2, RL_SELECT, t);
				cy = y;
				cx = b.x + 2;
			}
			term_put(t, y, b.x + 2, b.w - 4, d->items[k],
			    k == d->l.sel ? RL_SELECT : RL_DIALOG);
		}
		d->l.y = y - i;
		hint = "Enter: pick  Esc: cancel";
		break;
	case DLG_CONFIRM:
		hint = "y: yes  n, Esc: no";
		cy = b.y + b.h - 2;
		cx = b.x + 2;
		break;
	default:
		y++;
		term_fill(y, b.x + 2, b.w - 4, RL_NORMAL, t);
		if (d->kind == DLG_SECRET) {
			for (k = 0; k < d->line.len && (int)k < b.w - 5; k++)
				mvaddch(y, b.x + 2 + (int)k, '*');
			cx = b.x + 2 + (int)k;
		} else {
			term_putn(t, y, b.x + 2, b.w - 5, buf_str(&d->line),
			    d->line.len, RL_NORMAL);
			cx = b.x + 2 + cols(t, buf_str(&d->line), d->cur);
		}
		cy = y;
		hint = d->kind == DLG_TYPE_YES ? "type yes and Enter  Esc: "
		    "cancel" : "Enter: done  Esc: cancel";
		break;
	}
	term_put(t, b.y + b.h - 2, b.x + 2, b.w - 4, hint, RL_DIALOG);
	if (cy >= 0)
		move(cy, cx < b.x + b.w - 1 ? cx : b.x + b.w - 2);
}

int
dlg_click(struct tui *t, int y, int x)
{
	struct dialog	*d = &t->dlg;
	struct box	 b = dlg_box(t);

	if (y < b.y || y >= b.y + b.h || x < b.x || x >= b.x + b.w)
		return TUI_HANDLED;
	if (d->kind == DLG_PICK && y >= d->l.y && (size_t)(y - d->l.y) +
	    d->l.top < d->nitems) {
		d->l.sel = d->l.top + (size_t)(y - d->l.y);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_HANDLED;
}
