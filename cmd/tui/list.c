/*
 * The two widgets every view is made of: a list with a selected row
 * (navigation keys, scrolling that keeps the selection in sight) and a
 * pager over text (scrolling by line and page, sideways for long lines,
 * search with n/N).  Only the rows on the screen are ever drawn.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curses.h>

#include "tui.h"
#include "xmalloc.h"

#define CTRL(c)	((c) & 0x1f)

void
list_set(struct list *l, size_t n)
{
	l->n = n;
	if (l->sel >= n)
		l->sel = n > 0 ? n - 1 : 0;
	if (l->top > l->sel)
		l->top = l->sel;
}

void
list_fit(struct list *l, int h)
{
	size_t	 hh = h > 0 ? (size_t)h : 1;

	l->height = h;
	if (l->sel >= l->n)
		l->sel = l->n > 0 ? l->n - 1 : 0;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + hh)
		l->top = l->sel - hh + 1;
	if (l->n > hh && l->top > l->n - hh)
		l->top = l->n - hh;
	if (l->n <= hh)
		l->top = 0;
}

bool
list_click(struct list *l, int y)
{
	size_t	 i;

	if (y < 0 || l->height <= 0 || y >= l->height)
		return false;
	i = l->top + (size_t)y;
	if (i >= l->n)
		return false;
	l->sel = i;
	return true;
}

int
list_key(struct list *l, int key)
{
	size_t	 page = l->height > 1 ? (size_t)l->height - 1 : 1;

	if (l->n == 0)
		return 0;
	switch (key) {
	case KEY_UP:
	case 'k':
		if (l->sel > 0)
			l->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (l->sel + 1 < l->n)
			l->sel++;
		break;
	case KEY_PPAGE:
	case CTRL('b'):
		l->sel = l->sel > page ? l->sel - page : 0;
		l->top = l->top > page ? l->top - page : 0;
		break;
	case KEY_NPAGE:
	case CTRL('f'):
		l->sel = l->sel + page < l->n ? l->sel + page : l->n - 1;
		l->top += page;
		break;
	case KEY_HOME:
	case 'g':
		l->sel = 0;
		break;
	case KEY_END:
	case 'G':
		l->sel = l->n - 1;
		break;
	default:
		return 0;
	}
	list_fit(l, l->height);
	return TUI_HANDLED | TUI_REDRAW;
}

int
view_list_click(struct tui *t, struct view *v, int y, bool open)
{
	/* y counts from the view's first screen row (1); l.y is where the
	 * list was drawn. */
	if (!list_click(&v->l, y + 1 - v->l.y))
		return TUI_HANDLED;
	if (open)
		return v->ops->key(t, v, '\n');
	return TUI_HANDLED | TUI_REDRAW;
}

void
view_rows_reset(struct view *v)
{
	v->nrows = 0;
}

void
view_rows_add(struct view *v, size_t x)
{
	if (v->nrows == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 256;
		v->rows = xreallocarray(v->rows, v->cap, sizeof(*v->rows));
	}
	v->rows[v->nrows++] = x;
}

/*
 * The pager.
 */

void
pager_clear(struct pager *pg)
{
	if (pg->secret)
		pg->text.flags |= BUF_WIPE;
	buf_release(&pg->text);
	free(pg->lines);
	pg->lines = NULL;
	pg->nlines = 0;
	memset(&pg->l, 0, sizeof(pg->l));
	pg->hscroll = 0;
}

void
pager_set(struct pager *pg, const char *text, size_t len)
{
	size_t	 i, cap = 64;

	buf_release(&pg->text);
	buf_init(&pg->text, 0, pg->secret ? BUF_WIPE : 0);
	buf_add(&pg->text, text, len);
	free(pg->lines);
	pg->lines = xreallocarray(NULL, cap, sizeof(*pg->lines));
	pg->nlines = 0;
	for (i = 0; i < len; i++) {
		if (i > 0 && pg->text.data[i - 1] != '\n')
			continue;
		if (pg->nlines == cap) {
			cap *= 2;
			pg->lines = xreallocarray(pg->lines, cap,
			    sizeof(*pg->lines));
		}
		pg->lines[pg->nlines++] = i;
	}
	/* Where the reader was, as far as the new text goes. */
	list_set(&pg->l, pg->nlines);
}

static size_t
line_len(const struct pager *pg, size_t i)
{
	size_t	 end = i + 1 < pg->nlines ? pg->lines[i + 1] : pg->text.len;
	size_t	 n = end - pg->lines[i];

	if (n > 0 && pg->text.data[pg->lines[i] + n - 1] == '\n')
		n--;
	return n;
}

static bool
line_has(const struct pager *pg, size_t i, const char *w)
{
	size_t	 n = line_len(pg, i), k, wl = strlen(w);
	const char *s = pg->text.data + pg->lines[i];

	if (wl == 0 || wl > n)
		return false;
	for (k = 0; k + wl <= n; k++)
		if (strncasecmp(s + k, w, wl) == 0)
			return true;
	return false;
}

bool
pager_find(struct pager *pg, size_t from, int dir)
{
	size_t	 i, k;

	if (pg->search[0] == '\0' || pg->nlines == 0)
		return false;
	for (k = 0; k < pg->nlines; k++) {
		i = dir > 0 ? (from + k) % pg->nlines :
		    (from + pg->nlines - k % pg->nlines) % pg->nlines;
		if (line_has(pg, i, pg->search)) {
			pg->l.sel = i;
			pg->l.top = i;
			return true;
		}
	}
	return false;
}

void
pager_draw(struct tui *t, struct pager *pg, int y, int h)
{
	size_t	 i, n, off;
	int	 row;
	const char *s;
	size_t	 wl = strlen(pg->search);

	pg->l.height = h;
	pg->l.y = y;
	if (pg->nlines > (size_t)h && pg->l.top > pg->nlines - (size_t)h)
		pg->l.top = pg->nlines - (size_t)h;
	for (row = 0; row < h; row++) {
		i = pg->l.top + (size_t)row;
		move(y + row, 0);
		clrtoeol();
		if (i >= pg->nlines)
			continue;
		s = pg->text.data + pg->lines[i];
		n = line_len(pg, i);
		off = pg->hscroll < n ? pg->hscroll : n;
		term_putn(t, y + row, 0, COLS, s + off, n - off,
		    wl > 0 && line_has(pg, i, pg->search) ? RL_MATCH :
		    RL_NORMAL);
	}
	if (pg->nlines > (size_t)h) {
		char	 pos[64];

		snprintf(pos, sizeof pos, " %zu-%zu/%zu ", pg->l.top + 1,
		    pg->l.top + (size_t)h < pg->nlines ? pg->l.top +
		    (size_t)h : pg->nlines, pg->nlines);
		term_put(t, y + h - 1, COLS - (int)strlen(pos), (int)strlen(
		    pos), pos, RL_DIM);
	}
	move(y, 0);
}

int
pager_key(struct tui *t, struct pager *pg, int key)
{
	size_t	 page = pg->l.height > 1 ? (size_t)pg->l.height - 1 : 1;
	size_t	 last = pg->nlines > (size_t)pg->l.height ? pg->nlines -
		    (size_t)pg->l.height : 0;

	switch (key) {
	case KEY_UP:
	case 'k':
		if (pg->l.top > 0)
			pg->l.top--;
		break;
	case KEY_DOWN:
	case 'j':
		if (pg->l.top < last)
			pg->l.top++;
		break;
	case KEY_PPAGE:
	case CTRL('b'):
		pg->l.top = pg->l.top > page ? pg->l.top - page : 0;
		break;
	case KEY_NPAGE:
	case CTRL('f'):
		pg->l.top = pg->l.top + page < last ? pg->l.top + page : last;
		break;
	case KEY_HOME:
	case 'g':
		pg->l.top = 0;
		break;
	case KEY_END:
	case 'G':
		pg->l.top = last;
		break;
	case KEY_LEFT:
	case 'h':
		pg->hscroll = pg->hscroll > 8 ? pg->hscroll - 8 : 0;
		break;
	case KEY_RIGHT:
	case 'l':
		pg->hscroll += 8;
		break;
	case 'n':
	case 'N':
		if (pg->search[0] == '\0') {
			tui_msg(t, RL_NORMAL, "no search: / and a text first");
			break;
		}
		if (!pager_find(pg, pg->l.top + (key == 'n' ? 1 : 0) +
		    (key == 'N' ? pg->nlines - 1 : 0), key == 'n' ? 1 : -1))
			tui_msg(t, RL_ERROR, "not found: %s", pg->search);
		break;
	default:
		return 0;
	}
	pg->l.sel = pg->l.top;
	return TUI_HANDLED | TUI_REDRAW;
}
