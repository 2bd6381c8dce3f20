/*
 * Expansion of Ansible host ranges (see hostrange.h).  A name is parsed
 * once into literal text and ranges, the total size is checked against
 * the caps before anything is allocated, and the names are then written
 * odometer-fashion into a single block: the pointer array first, the
 * strings after it, so that one free() releases everything.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hostrange.h"
#include "xmalloc.h"

/* Ansible's order for letter ranges (Python's string.ascii_letters). */
static const char letters[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Numbers are kept well inside 64 bits so that sums cannot overflow. */
#define RANGE_MAX_DIGITS	18

struct hrange {
	const char		*lit;		/* text before the range */
	size_t			 litlen;
	bool			 alpha;		/* a letter range */
	unsigned long long	 start;
	unsigned long long	 step;
	size_t			 count;		/* values in the range */
	int			 width;		/* zero padding, or 0 */
	size_t			 maxw;		/* widest value, in bytes */
};

struct hparse {
	const char	*name;
	unsigned	 errcol;
	const char	*why;
};

static int
hfail(struct hparse *hp, const char *at, const char *why)
{
	hp->errcol = (unsigned)(at - hp->name) + 1;
	hp->why = why;
	return -1;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return n > 0;
}

static int
letter_index(const char *s, size_t n)
{
	const char	*p;

	if (n != 1 || s[0] == '\0' || (p = strchr(letters, s[0])) == NULL)
		return -1;
	return (int)(p - letters);
}

static unsigned long long
to_number(const char *s, size_t n)
{
	unsigned long long	 v = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	return v;
}

static size_t
ndigits(unsigned long long v)
{
	size_t	 n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/*
 * Parses the inside of one range, in[0..len) (the text between '[' and
 * ']'); open points at the '['.
 */
static int
parse_range(struct hparse *hp, const char *open, const char *in, size_t len,
    struct hrange *r)
{
	const char		*b[3], *c;
	size_t			 bl[3], nb = 0, i;
	unsigned long long	 end;
	int			 ia, ib;

	if (len == 0)
		return hfail(hp, open, "empty range: write [START:END]");
	b[0] = in;
	for (c = in; c < in + len; c++) {
		if (*c != ':')
			continue;
		if (nb == 2)
			return hfail(hp, c, "too many ':' in range");
		bl[nb] = (size_t)(c - b[nb]);
		b[++nb] = c + 1;
	}
	bl[nb] = (size_t)(in + len - b[nb]);
	nb++;
	if (nb == 1)
		return hfail(hp, open,
		    "range needs a start and an end: write [START:END]");
	if (bl[1] == 0)
		return hfail(hp, b[1], "range has no end");
	r->step = 1;
	if (nb == 3) {
		if (!all_digits(b[2], bl[2]) || bl[2] > RANGE_MAX_DIGITS ||
		    (r->step = to_number(b[2], bl[2])) == 0)
			return hfail(hp, b[2],
			    "range step must be a positive number");
	}

	ia = letter_index(b[0], bl[0]);
	ib = letter_index(b[1], bl[1]);
	if (ia >= 0 && ib >= 0) {
		if (ib < ia)
			return hfail(hp, b[1], "range end is before its start");
		r->alpha = true;
		r->start = (unsigned long long)ia;
		r->count = (size_t)((unsigned long long)(ib - ia) / r->step)
		    + 1;
		r->maxw = 1;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		if (bl[i] > 0 && !all_digits(b[i], bl[i]) &&
		    letter_index(b[i], bl[i]) < 0)
			return hfail(hp, b[i],
			    "range bounds must be numbers or single letters");
	}
	if (ia >= 0 || ib >= 0)
		return hfail(hp, ia >= 0 ? b[1] : b[0],
		    "range mixes letters and digits");
	if (bl[0] > RANGE_MAX_DIGITS || bl[1] > RANGE_MAX_DIGITS)
		return hfail(hp, bl[0] > RANGE_MAX_DIGITS ? b[0] : b[1],
		    "number in range is too large");
	r->start = to_number(b[0], bl[0]);
	end = to_number(b[1], bl[1]);
	if (bl[0] > 1 && b[0][0] == '0') {
		if (bl[1] != bl[0])
			return hfail(hp, b[1], "zero-padded range needs start "
			    "and end of the same width");
		r->width = (int)bl[0];
	}
	if (end < r->start)
		return hfail(hp, b[1], "range end is before its start");
	if ((end - r->start) / r->step >= HOSTRANGE_MAX)
		return hfail(hp, open,
		    "range expands to more than 1000000 names");
	r->count = (size_t)((end - r->start) / r->step) + 1;
	r->maxw = ndigits(end);
	if ((size_t)r->width > r->maxw)
		r->maxw = (size_t)r->width;
	return 0;
}

/*
 * Splits name into ranges.  The literal after the last range goes into
 * *tail.  Returns the number of ranges, or -1.
 */
static int
parse_name(struct hparse *hp, struct hrange *rs, const char **tail)
{
	const char	*p, *lit = hp->name, *close;
	int		 nr = 0;

	for (p = hp->name; *p != '\0'; p++) {
		if (*p == ']')
			return hfail(hp, p, "']' without '['");
		if (*p != '[')
			continue;
		close = p + 1 + strcspn(p + 1, "[]");
		if (*close != ']')
			return hfail(hp, p, "unterminated '['");
		rs[nr].lit = lit;
		rs[nr].litlen = (size_t)(p - lit);
		if (parse_range(hp, p, p + 1, (size_t)(close - p - 1),
		    &rs[nr]) != 0)
			return -1;
		nr++;
		lit = close + 1;
		p = close;
	}
	*tail = lit;
	return nr;
}

/* Writes value number i of range r at out; returns the bytes written. */
static size_t
put_value(char *out, const struct hrange *r, size_t i)
{
	unsigned long long	 v = r->start + (unsigned long long)i * r->step;
	char			 tmp[32];
	int			 n;

	if (r->alpha) {
		*out = letters[v];
		return 1;
	}
	n = snprintf(tmp, sizeof tmp, "%0*llu", r->width, v);
	memcpy(out, tmp, (size_t)n);
	return (size_t)n;
}

int
hostrange_expand(const char *name, char ***namesp, size_t *np,
    unsigned *errcol, const char **why)
{
	struct hparse	 hp = { name, 0, NULL };
	struct hrange	*rs = NULL;
	const char	*tail, *p;
	char		**names = NULL, *out;
	size_t		 nr = 0, total = 1, per, tlen, i, k, *idx = NULL;
	int		 r = -1, n;

	*namesp = NULL;
	*np = 0;
	*errcol = 0;
	*why = NULL;
	if (*name == '\0') {
		hfail(&hp, name, "empty host name");
		goto out;
	}
	for (p = name; *p != '\0'; p++)
		nr += *p == '[';
	rs = xcalloc(nr + 1, sizeof *rs);
	if ((n = parse_name(&hp, rs, &tail)) < 0)
		goto out;
	nr = (size_t)n;
	tlen = strlen(tail);
	per = tlen + 1;
	for (i = 0; i < nr; i++) {
		if (total > HOSTRANGE_MAX / rs[i].count) {
			hfail(&hp, rs[i].lit + rs[i].litlen,
			    "range expands to more than 1000000 names");
			goto out;
		}
		total *= rs[i].count;
		per += rs[i].litlen + rs[i].maxw;
	}
	/* per is bounded by the name's length; total by HOSTRANGE_MAX. */
	if (per > HOSTRANGE_MAX_BYTES / total ||
	    total * per > HOSTRANGE_MAX_BYTES - total * sizeof *names) {
		hfail(&hp, nr > 0 ? rs[0].lit + rs[0].litlen : name,
		    "range expands to too much text");
		goto out;
	}
	names = xmalloc(total * sizeof *names + total * per);
	out = (char *)(names + total);
	idx = xcalloc(nr + 1, sizeof *idx);
	for (k = 0; k < total; k++) {
		names[k] = out;
		for (i = 0; i < nr; i++) {
			memcpy(out, rs[i].lit, rs[i].litlen);
			out += rs[i].litlen;
			out += put_value(out, &rs[i], idx[i]);
		}
		memcpy(out, tail, tlen + 1);
		out += tlen + 1;
		/* The last range varies fastest, as Ansible orders them. */
		for (i = nr; i-- > 0; ) {
			if (++idx[i] < rs[i].count)
				break;
			idx[i] = 0;
		}
	}
	*namesp = names;
	*np = total;
	names = NULL;
	r = 0;
 out:
	if (r != 0) {
		*errcol = hp.errcol;
		*why = hp.why;
	}
	free(idx);
	free(names);
	free(rs);
	return r;
}

void
hostrange_free(char **names, size_t n)
{
	(void)n;
	free(names);
}

bool
hostrange_has(const char *name)
{
	return strchr(name, '[') != NULL;
}

/* A name cut into its prefix and trailing number, for folding. */
struct fold {
	const char	*name;
	size_t		 plen;		/* bytes before the number */
	size_t		 width;		/* digits; 0: no number */
	unsigned long long num;
};

static int
fold_cmp(const void *a, const void *b)
{
	const struct fold	*x = a, *y = b;
	size_t			 l = x->plen < y->plen ? x->plen : y->plen;
	int			 c;

	if ((c = memcmp(x->name, y->name, l)) != 0)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if (x->width != y->width)
		return x->width < y->width ? -1 : 1;
	if (x->num != y->num)
		return x->num < y->num ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Whether b continues a's run: same prefix and width, the next number. */
static bool
fold_next(const struct fold *a, const struct fold *b)
{
	return a->width > 0 && a->plen == b->plen && a->width == b->width &&
	    memcmp(a->name, b->name, a->plen) == 0 && b->num == a->num + 1;
}

char *
hostrange_fold(const char *const *names, size_t n)
{
	struct buf	 out;
	struct fold	*f;
	size_t		 i, j, len;

	buf_init(&out, SIZE_MAX, 0);
	f = xreallocarray(NULL, n ? n : 1, sizeof(*f));
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		j = len;
		while (j > 0 && names[i][j - 1] >= '0' &&
		    names[i][j - 1] <= '9' && len - j < 18)
			j--;
		f[i].name = names[i];
		f[i].plen = j;
		f[i].width = len - j;
		f[i].num = f[i].width ? strtoull(names[i] + j, NULL, 10) : 0;
	}
	qsort(f, n, sizeof(*f), fold_cmp);
	for (i = 0; i < n; i = j + 1) {
		for (j = i; j + 1 < n && fold_next(&f[j], &f[j + 1]); j++)
			;
		if (i > 0)
			buf_addc(&out, ',');
		if (j == i)
			buf_adds(&out, f[i].name);
		else
			buf_addf(&out, "%.*s[%0*llu:%0*llu]", (int)f[i].plen,
			    f[i].name, (int)f[i].width, f[i].num,
			    (int)f[j].width, f[j].num);
	}
	free(f);
	if (out.data == NULL)
		return xstrdup("");
	return buf_detach(&out, NULL);
}
