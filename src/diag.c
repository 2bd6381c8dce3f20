/*
 * Diagnostics list and did-you-mean suggestions (see diag.h).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "xmalloc.h"

void
diags_release(struct diags *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	d->v = NULL;
	d->n = d->cap = d->nerrors = d->nwarnings = 0;
}

void
diag_vadd(struct diags *d, enum diag_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, va_list ap)
{
	struct diag	*g;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xreallocarray(d->v, d->cap, sizeof *d->v);
	}
	g = &d->v[d->n++];
	g->level = level;
	g->file = file != NULL ? xstrdup(file) : NULL;
	g->line = line;
	g->col = col;
	xvasprintf(&g->msg, fmt, ap);
	if (level == DIAG_ERROR)
		d->nerrors++;
	else if (level == DIAG_WARNING)
		d->nwarnings++;
}

void
diag_add(struct diags *d, enum diag_level level, const char *file,
    unsigned line, unsigned col, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(d, level, file, line, col, fmt, ap);
	va_end(ap);
}

void
diag_err(struct diags *d, const char *file, unsigned line, unsigned col,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, file, line, col, fmt, ap);
	va_end(ap);
}

static int
diag_cmp(const struct diag *a, const struct diag *b)
{
	int	 c;

	c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void
diags_sort(struct diags *d)
{
	struct diag	 t;
	size_t		 i, j;

	/* Insertion sort: stable, and lists are short. */
	for (i = 1; i < d->n; i++) {
		t = d->v[i];
		for (j = i; j > 0 && diag_cmp(&d->v[j - 1], &t) > 0; j--)
			d->v[j] = d->v[j - 1];
		d->v[j] = t;
	}
}

char *
diag_format(const struct diag *g)
{
	static const char *const levels[] = { "error", "warning", "note" };
	char	*s;

	if (g->file != NULL && g->line > 0)
		xasprintf(&s, "%s:%u:%u: %s: %s", g->file, g->line,
		    g->col ? g->col : 1, levels[g->level], g->msg);
	else if (g->file != NULL)
		xasprintf(&s, "%s: %s: %s", g->file, levels[g->level],
		    g->msg);
	else
		xasprintf(&s, "%s: %s", levels[g->level], g->msg);
	return s;
}

/* Optimal string alignment distance (Damerau-Levenshtein, adjacent swaps). */
size_t
diag_edit_distance(const char *a, const char *b)
{
	size_t	 la, lb, i, j, cost, v, *d, r;

	la = strlen(a);
	lb = strlen(b);
	d = xcalloc((la + 1) * (lb + 1), sizeof *d);
#define D(x, y) d[(x) * (lb + 1) + (y)]
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = a[i - 1] == b[j - 1] ? 0 : 1;
			v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (D(i - 1, j - 1) + cost < v)
				v = D(i - 1, j - 1) + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *
diag_suggest(const char *word, const char *const *words, size_t n)
{
	const char	*best = NULL;
	size_t		 i, dist, bestd = (size_t)-1, limit, len;

	len = strlen(word);
	if (len == 0 || len > 64)
		return NULL;
	/* One edit for short words, about a third of the word for long ones. */
	limit = len <= 4 ? 1 : len / 3 + 1;
	for (i = 0; i < n; i++) {
		if (words[i] == NULL || strlen(words[i]) > 64)
			continue;
		if (strcasecmp(word, words[i]) == 0)
			return words[i];
		dist = diag_edit_distance(word, words[i]);
		if (dist <= limit && dist < bestd) {
			bestd = dist;
			best = words[i];
		}
	}
	return best;
}
