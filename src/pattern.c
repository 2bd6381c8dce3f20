/*
 * Host patterns (see pattern.h), with the syntax and the semantics of
 * Ansible's inventory manager.
 *
 * Parsing splits the text into terms as split_host_pattern() does: on
 * every "," when there is one; otherwise on ":" and white space outside
 * "[...]", unless the whole text is an IPv6 address.  Each term is then
 * read as an optional "!" or "&", and either "~" and a regular expression
 * or a name or shell glob with an optional subscript.  Problems that
 * Ansible would silently turn into "no match" (an unbalanced "[", a "&"
 * in the middle of a name, an empty term) are errors here, since names
 * can never contain those characters.
 *
 * Matching works on bitsets over the inventory's hosts, one bit per host,
 * so that unions, intersections and exclusions cost a pass over
 * nhosts / 64 words, and results come out in inventory order.  Exact
 * names are looked up in the inventory's group and host maps; only globs
 * and regular expressions walk the names.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "pattern.h"
#include "reguard.h"
#include "xmalloc.h"

/* Errors reported by one parse before it gives up. */
#define PATTERN_MAX_ERRORS	8
/* Longest subscript number, in digits. */
#define PATTERN_MAX_SUB_DIGITS	9
/* Pattern text quoted in messages is cut after this many bytes. */
#define PATTERN_QUOTE_MAX	120
/* Unmatched terms per match that get a "did you mean" search. */
#define PATTERN_MAX_SUGGEST	16

/* In the order they are applied. */
enum term_op {
	TERM_UNION,
	TERM_AND,
	TERM_NOT,
};

enum term_kind {
	TERM_NAME,		/* exact group or host name */
	TERM_GLOB,
	TERM_REGEX,
	TERM_ALL,		/* "all" or "*" */
};

enum term_sub {
	SUB_NONE,
	SUB_INDEX,		/* [i], i may be negative */
	SUB_RANGE,		/* [i:j], j inclusive */
	SUB_FROM,		/* [i:] */
};

struct term {
	enum term_op	 op;
	enum term_kind	 kind;
	char		*src;		/* the term as written */
	char		*body;		/* name, glob or regex, no subscript */
	unsigned	 col;		/* 1-based, in characters */
	enum term_sub	 sub;
	long		 from;
	long		 to;
	regex_t		 re;
	bool		 has_re;
};

struct pattern {
	char		*text;
	struct term	*terms;
	size_t		 nterms;
	size_t		 capterms;
	size_t		 nregex;
};

struct pattern_parser {
	const char	*text;
	size_t		 len;
	struct pattern	*p;
	struct diags	*diags;
	size_t		 nerrors;
	char		*quoted;	/* text made printable, for messages */
	size_t		 coloff;	/* pat_column() resumes from here */
	size_t		 colval;
};

static bool
pat_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

/*
 * Makes s[0..n) fit for a one-line message: control bytes become \xNN
 * and long text is cut (on a character boundary) with "...".
 */
static char *
pat_quote(const char *s, size_t n)
{
	char	*out, *o;
	size_t	 i, cut;
	bool	 more = false;

	cut = n;
	if (cut > PATTERN_QUOTE_MAX) {
		cut = PATTERN_QUOTE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
		more = true;
	}
	o = out = xmalloc(cut * 4 + 4);
	for (i = 0; i < cut; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			snprintf(o, 5, "\\x%02x", c);
			o += 4;
		} else
			*o++ = (char)c;
	}
	if (more) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

/*
 * The 1-based column of byte off, counting UTF-8 characters.  Terms are
 * read left to right, so counting resumes where the last call stopped:
 * a pattern of a thousand terms is counted once, not a thousand times.
 */
static unsigned
pat_column(struct pattern_parser *pp, size_t off)
{
	if (off < pp->coloff) {
		pp->coloff = 0;
		pp->colval = 1;
	}
	for (; pp->coloff < off; pp->coloff++) {
		if (((unsigned char)pp->text[pp->coloff] & 0xc0) != 0x80)
			pp->colval++;
	}
	return pp->colval > UINT32_MAX ? UINT32_MAX : (unsigned)pp->colval;
}

static void
parse_error(struct pattern_parser *pp, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
parse_error(struct pattern_parser *pp, size_t off, const char *fmt, ...)
{
	va_list		 ap;
	char		*msg;
	unsigned	 col;

	pp->nerrors++;
	col = pat_column(pp, off);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	diag_add(pp->diags, DIAG_ERROR, NULL, 0, col,
	    "pattern '%s', column %u: %s", pp->quoted, col, msg);
	free(msg);
}

static bool
parse_done(const struct pattern_parser *pp)
{
	return pp->nerrors >= PATTERN_MAX_ERRORS;
}

/* Dotted quad, each part 0..255. */
static bool
looks_ipv4(const char *s, size_t n)
{
	size_t	 i = 0, parts = 0, digits;
	int	 v;

	while (i < n) {
		digits = 0;
		v = 0;
		while (i < n && isdigit((unsigned char)s[i]) && digits < 4) {
			v = v * 10 + (s[i] - '0');
			i++;
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return false;
		parts++;
		if (i == n)
			break;
		if (s[i] != '.' || parts == 4)
			return false;
		i++;
		if (i == n)
			return false;
	}
	return parts == 4;
}

/*
 * Whether s[0..n) is an IPv6 address (eight groups of hex digits, or
 * fewer with one "::", optionally ending in a dotted quad): such a
 * pattern is one term, not a list split on ":".
 */
static bool
looks_ipv6(const char *s, size_t n)
{
	size_t	 i = 0, start, groups = 0;
	bool	 gap = false;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
	} else if (n == 0 || s[0] == ':')
		return false;
	while (i < n) {
		start = i;
		while (i < n && isxdigit((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '.') {
			if (!looks_ipv4(s + start, n - start))
				return false;
			groups += 2;
			break;
		}
		if (i == start || i - start > 4)
			return false;
		groups++;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (gap)
				return false;
			gap = true;
			i++;
		} else if (i == n)
			return false;
	}
	return gap ? groups < 8 : groups == 8;
}

static void
regex_error(struct pattern_parser *pp, size_t off, int rc,
    const regex_t *re)
{
	char	 why[128];

	regerror(rc, re, why, sizeof why);
	why[0] = (char)tolower((unsigned char)why[0]);
	parse_error(pp, off, "bad regular expression: %s", why);
}

/*
 * Compiles t->body, anchored at the start as Python's re.match() is (and
 * open at the end).  The body is first compiled alone, so that an error
 * is about what the user wrote and a body like "a)|(b" cannot pair up
 * with the parentheses added for the anchor.
 */
static int
term_compile(struct pattern_parser *pp, struct term *t, size_t off)
{
	regex_t		 re;
	char		*anchored;
	const char	*why;
	int		 rc;

	if (strlen(t->body) > REGUARD_MAX_LEN) {
		parse_error(pp, off, "regular expression longer than %d bytes",
		    REGUARD_MAX_LEN);
		return -1;
	}
	if ((why = reguard_why(t->body)) != NULL) {
		parse_error(pp, off, "bad regular expression: %s", why);
		return -1;
	}
	rc = regcomp(&re, t->body, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		regex_error(pp, off, rc, &re);
		regfree(&re);
		return -1;
	}
	regfree(&re);
	xasprintf(&anchored, "^(%s)", t->body);
	rc = regcomp(&t->re, anchored, REG_EXTENDED | REG_NOSUB);
	free(anchored);
	if (rc != 0) {
		regex_error(pp, off, rc, &t->re);
		regfree(&t->re);
		return -1;
	}
	t->has_re = true;
	return 0;
}

/*
 * Reads an optionally signed decimal number.  Returns 1, or 0 when s is
 * no number, or -1 when it is one but too long.
 */
static int
parse_number(const char *s, size_t n, bool sign, long *v)
{
	size_t	 i = 0;
	long	 x = 0;
	bool	 neg = false;

	if (sign && n > 0 && s[0] == '-') {
		neg = true;
		i++;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return 0;
		if (x < 1000000000L)
			x = x * 10 + (s[i] - '0');
	}
	if (n - (neg ? 1 : 0) > PATTERN_MAX_SUB_DIGITS)
		return -1;
	*v = neg ? -x : x;
	return 1;
}

/*
 * Reads the n bytes inside the trailing "[...]" at off.  Returns 1 when
 * they are a subscript (-?N, N:M or N:), 0 when they are a glob class
 * such as [a-z] or [1-3], and -1 (with an error) when they are digits
 * and ":" but no valid subscript, or a number that is too large.
 */
static int
parse_subscript(struct pattern_parser *pp, size_t off, size_t n,
    struct term *t)
{
	const char	*s = pp->text + off + 1;
	const char	*colon;
	size_t		 i;
	int		 a = 0, b = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '-')
			return 0;
	}
	colon = memchr(s, ':', n);
	if (colon == NULL) {
		a = parse_number(s, n, true, &t->from);
		if (a == 1) {
			t->sub = SUB_INDEX;
			return 1;
		}
		if (a == 0 && n > 0)
			return 0;
	} else {
		i = (size_t)(colon - s);
		a = parse_number(s, i, false, &t->from);
		if (a == 1 && i + 1 == n) {
			t->sub = SUB_FROM;
			return 1;
		}
		if (a == 1)
			b = parse_number(s + i + 1, n - i - 1, false, &t->to);
		if (b == 1 && t->to < t->from) {
			parse_error(pp, off, "bad subscript '[%.*s]': end "
			    "before start", (int)n, s);
			return -1;
		}
		if (b == 1) {
			t->sub = SUB_RANGE;
			return 1;
		}
	}
	if (a == -1 || b == -1)
		parse_error(pp, off, "bad subscript '[%.*s]': number too "
		    "large", (int)n, s);
	else
		parse_error(pp, off, "bad subscript '[%.*s]' (want [N], [-N], "
		    "[N:M] or [N:])", (int)n, s);
	return -1;
}

/*
 * Checks a name or glob in text[b..e): brackets must close, "!" and "&"
 * may only start the term.  Sets *glob when it has glob characters.
 */
static int
check_name(struct pattern_parser *pp, size_t b, size_t e, bool *glob)
{
	const char	*s = pp->text;
	size_t		 i, j;

	*glob = false;
	for (i = b; i < e; i++) {
		switch (s[i]) {
		case '[':
			/* As fnmatch reads a class: "[!]x]" holds "]". */
			j = i + 1;
			if (j < e && (s[j] == '!' || s[j] == '^'))
				j++;
			if (j < e && s[j] == ']')
				j++;
			while (j < e && s[j] != ']')
				j++;
			if (j >= e) {
				parse_error(pp, i, "unbalanced '['");
				return -1;
			}
			*glob = true;
			i = j;
			break;
		case '*':
		case '?':
			*glob = true;
			break;
		case '!':
		case '&':
			parse_error(pp, i, "'%c' can only start a term "
			    "(separate terms with ',' or ':')", s[i]);
			return -1;
		default:
			break;
		}
	}
	return 0;
}

/* Parses the term text[s..e), which is not empty and trimmed. */
static void
parse_term(struct pattern_parser *pp, size_t s, size_t e)
{
	const char	*text = pp->text;
	struct pattern	*p = pp->p;
	struct term	 t;
	size_t		 b = s, be, o;
	bool		 glob;
	int		 r;

	memset(&t, 0, sizeof t);
	t.op = TERM_UNION;
	t.col = pat_column(pp, s);
	if (text[b] == '!' || text[b] == '&') {
		t.op = text[b] == '!' ? TERM_NOT : TERM_AND;
		b++;
		while (b < e && pat_space(text[b]))
			b++;
		if (b == e) {
			parse_error(pp, s, "lone '%c'", text[s]);
			return;
		}
	}
	if (text[b] == '~') {
		/* Ansible reads no subscript on a regex: "[1]" is regex. */
		if (b + 1 == e) {
			parse_error(pp, b, "empty regular expression");
			return;
		}
		if (p->nregex >= PATTERN_MAX_REGEX) {
			parse_error(pp, b, "more than %d regular expressions",
			    PATTERN_MAX_REGEX);
			return;
		}
		t.kind = TERM_REGEX;
		t.body = xstrndup(text + b + 1, e - b - 1);
		if (term_compile(pp, &t, b) == -1) {
			free(t.body);
			return;
		}
		p->nregex++;
	} else {
		be = e;
		if (e - b >= 3 && text[e - 1] == ']') {
			o = e - 2;
			while (o > b && text[o] != '[')
				o--;
			if (o > b && text[o] == '[') {
				r = parse_subscript(pp, o, e - o - 2, &t);
				if (r == -1)
					return;
				if (r == 1)
					be = o;
			}
		}
		if (check_name(pp, b, be, &glob) == -1)
			return;
		t.body = xstrndup(text + b, be - b);
		if (strcmp(t.body, "*") == 0 ||
		    (!glob && strcmp(t.body, "all") == 0))
			t.kind = TERM_ALL;
		else
			t.kind = glob ? TERM_GLOB : TERM_NAME;
	}
	t.src = xstrndup(text + s, e - s);
	if (p->nterms == p->capterms) {
		p->capterms = p->capterms ? p->capterms * 2 : 8;
		p->terms = xreallocarray(p->terms, p->capterms,
		    sizeof *p->terms);
	}
	p->terms[p->nterms++] = t;
}

/* A piece between commas: trims it and parses it as one term. */
static void
parse_piece(struct pattern_parser *pp, size_t s, size_t e)
{
	while (s < e && pat_space(pp->text[s]))
		s++;
	while (e > s && pat_space(pp->text[e - 1]))
		e--;
	if (s == e) {
		parse_error(pp, s, "empty term");
		return;
	}
	parse_term(pp, s, e);
}

static void
split_commas(struct pattern_parser *pp)
{
	size_t	 s = 0, e;

	for (;;) {
		e = s;
		while (e < pp->len && pp->text[e] != ',')
			e++;
		parse_piece(pp, s, e);
		if (e == pp->len || parse_done(pp))
			break;
		s = e + 1;
	}
}

/*
 * Without a comma, ":" and white space separate terms, except inside
 * "[...]" (a subscript such as [0:2], or a glob class).  Two colons with
 * nothing between them make an empty term.
 */
static void
split_colons(struct pattern_parser *pp)
{
	const char	*text = pp->text;
	const char	*close;
	size_t		 i = 0, s, nseen = 0;

	while (i <= pp->len && !parse_done(pp)) {
		if (i == pp->len || text[i] == ':') {
			if (nseen == 0)
				parse_error(pp, i, "empty term");
			nseen = 0;
			i++;
			continue;
		}
		if (pat_space(text[i])) {
			i++;
			continue;
		}
		s = i;
		while (i < pp->len && text[i] != ':' && !pat_space(text[i])) {
			if (text[i] != '[') {
				i++;
				continue;
			}
			close = memchr(text + i + 1, ']', pp->len - i - 1);
			if (close == NULL) {
				/* Where this term ends is anyone's guess. */
				parse_error(pp, i, "unbalanced '['");
				return;
			}
			i = (size_t)(close - text) + 1;
		}
		parse_term(pp, s, i);
		nseen++;
	}
}

int
pattern_parse(const char *text, struct pattern **out, struct diags *d)
{
	struct pattern_parser	 pp;
	struct pattern		*p;
	size_t			 s, e;

	*out = NULL;
	memset(&pp, 0, sizeof pp);
	pp.text = text;
	pp.len = strnlen(text, PATTERN_MAX_LEN + 1);
	pp.diags = d;
	pp.colval = 1;
	pp.quoted = pat_quote(text, pp.len);
	p = pp.p = xcalloc(1, sizeof *p);

	for (s = 0; s < pp.len && pat_space(text[s]); s++)
		continue;
	for (e = pp.len; e > s && pat_space(text[e - 1]); e--)
		continue;
	if (pp.len > PATTERN_MAX_LEN)
		parse_error(&pp, 0, "pattern longer than %d bytes",
		    PATTERN_MAX_LEN);
	else if (s == e)
		parse_error(&pp, 0, "empty pattern");
	else if (memchr(text, ',', pp.len) != NULL)
		split_commas(&pp);
	else if (looks_ipv6(text + s, e - s) ||
	    ((text[s] == '!' || text[s] == '&') &&
	    looks_ipv6(text + s + 1, e - s - 1)))
		parse_term(&pp, s, e);
	else
		split_colons(&pp);

	free(pp.quoted);
	if (pp.nerrors > 0) {
		pattern_free(p);
		return LB_ERR_INVALID;
	}
	p->text = xstrdup(text);
	*out = p;
	return 0;
}

const char *
pattern_text(const struct pattern *p)
{
	return p->text;
}

void
pattern_free(struct pattern *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nterms; i++) {
		free(p->terms[i].src);
		free(p->terms[i].body);
		if (p->terms[i].has_re)
			regfree(&p->terms[i].re);
	}
	free(p->terms);
	free(p->text);
	free(p);
}

/*
 * A term's hosts: a bitset over host indices in which only the words
 * lo..hi-1 may be non-zero.  Terms that name a few hosts (a host, a
 * small group) touch a few words, so that a pattern listing a thousand
 * hosts costs a thousand small steps, not a thousand passes over the
 * whole inventory.
 */
struct hostset {
	uint64_t	*w;
	size_t		 nw;
	size_t		 lo;
	size_t		 hi;
};

static void
set_add(struct hostset *s, size_t i)
{
	size_t	 k = i / 64;

	s->w[k] |= UINT64_C(1) << (i % 64);
	if (k < s->lo)
		s->lo = k;
	if (k + 1 > s->hi)
		s->hi = k + 1;
}

/* Sets bits 0..nbits-1 of w. */
static void
bits_fill(uint64_t *w, size_t nbits)
{
	size_t	 i;

	for (i = 0; i < nbits / 64; i++)
		w[i] = UINT64_MAX;
	if (nbits % 64 != 0)
		w[i] = (UINT64_C(1) << (nbits % 64)) - 1;
}

static size_t
bits_count(const uint64_t *w, size_t lo, size_t hi)
{
	size_t	 i, n = 0;

	for (i = lo; i < hi; i++)
		n += (size_t)__builtin_popcountll(w[i]);
	return n;
}

static void
set_clear(struct hostset *s)
{
	if (s->hi > s->lo)
		memset(s->w + s->lo, 0, (s->hi - s->lo) * sizeof *s->w);
	s->lo = s->nw;
	s->hi = 0;
}

static size_t
set_count(const struct hostset *s)
{
	return bits_count(s->w, s->lo, s->hi);
}

/* Keeps only the members whose rank (0-based, in order) is in lo..hi. */
static void
set_keep_ranks(struct hostset *s, size_t lo, size_t hi)
{
	size_t		 i, rank = 0, c;
	uint64_t	 x, bit, keep;

	for (i = s->lo; i < s->hi; i++) {
		c = (size_t)__builtin_popcountll(s->w[i]);
		if (c == 0)
			continue;
		if (rank + c <= lo || rank > hi) {
			s->w[i] = 0;
			rank += c;
			continue;
		}
		keep = 0;
		for (x = s->w[i]; x != 0; x &= x - 1) {
			bit = x & (~x + 1);
			if (rank >= lo && rank <= hi)
				keep |= bit;
			rank++;
		}
		s->w[i] = keep;
	}
}

/* Applies the term's subscript to its hosts, in inventory order. */
static void
term_subscript(const struct term *t, struct hostset *s)
{
	size_t	 count, lo, hi;

	if (t->sub == SUB_NONE)
		return;
	count = set_count(s);
	if (t->sub == SUB_INDEX && t->from < 0) {
		if ((size_t)-t->from > count) {
			set_clear(s);
			return;
		}
		lo = hi = count - (size_t)-t->from;
	} else {
		lo = (size_t)t->from;
		if (t->sub == SUB_INDEX)
			hi = lo;
		else if (t->sub == SUB_RANGE)
			hi = (size_t)t->to;
		else
			hi = count == 0 ? 0 : count - 1;
	}
	if (lo >= count) {
		set_clear(s);
		return;
	}
	set_keep_ranks(s, lo, hi);
}

static void
add_group(const struct inventory *inv, const struct inv_group *g,
    struct hostset *s)
{
	size_t	 i;

	for (i = 0; i < g->nmembers; i++) {
		if (g->members[i] < inv->nhosts)
			set_add(s, g->members[i]);
	}
}

static bool
term_matches(const struct term *t, const char *name)
{
	if (t->kind == TERM_REGEX)
		return regexec(&t->re, name, 0, NULL, 0) == 0;
	return fnmatch(t->body, name, FNM_NOESCAPE) == 0;
}

/*
 * The hosts one term names, before its "!" or "&", as
 * _enumerate_matches() finds them: groups whose name matches give their
 * members; hosts are matched by name too when no group matched, or when
 * the term is a glob, a regex or has a "." (an FQDN).  The built-in
 * groups match only by their exact names: a glob such as "a*" should
 * not select "all".  Returns whether anything matched before the
 * subscript was applied.
 */
static bool
term_eval(const struct term *t, const struct inventory *inv,
    struct hostset *s)
{
	const struct inv_group	*g;
	unsigned		 gi, hi;
	size_t			 i;
	bool			 group = false;

	switch (t->kind) {
	case TERM_ALL:
		bits_fill(s->w, inv->nhosts);
		s->lo = 0;
		s->hi = s->nw;
		break;
	case TERM_NAME:
		if (strmap_get(&inv->groupmap, t->body, &gi) &&
		    gi < inv->ngroups) {
			add_group(inv, &inv->groups[gi], s);
			group = true;
		}
		if ((!group || strchr(t->body, '.') != NULL) &&
		    strmap_get(&inv->hostmap, t->body, &hi) &&
		    hi < inv->nhosts)
			set_add(s, hi);
		break;
	case TERM_GLOB:
	case TERM_REGEX:
		for (i = 0; i < inv->ngroups; i++) {
			g = &inv->groups[i];
			if ((g->kind & GROUP_BUILTIN) || g->name == NULL)
				continue;
			if (term_matches(t, g->name))
				add_group(inv, g, s);
		}
		for (i = 0; i < inv->nhosts; i++) {
			if (inv->hosts[i].name != NULL &&
			    term_matches(t, inv->hosts[i].name))
				set_add(s, i);
		}
		break;
	}
	if (set_count(s) == 0)
		return false;
	term_subscript(t, s);
	return true;
}

/*
 * Whether name might be within limit edits of the word counted in cnt:
 * the characters of one that the other lacks ("bag distance") are a
 * lower bound of the edit distance, and far cheaper to count.  cnt is
 * left as it was.
 */
static bool
maybe_near(int *cnt, size_t wlen, const char *name, size_t limit)
{
	const unsigned char	*u = (const unsigned char *)name;
	size_t			 i, extra = 0, missing, l;

	l = strlen(name);
	if (l > wlen + limit || l + limit < wlen)
		return false;
	for (i = 0; u[i] != '\0'; i++) {
		if (cnt[u[i]]-- <= 0)
			extra++;
	}
	for (i = 0; u[i] != '\0'; i++)
		cnt[u[i]]++;
	missing = wlen - (i - extra);
	return extra <= limit && missing <= limit;
}

/*
 * The group or host name nearest to an unmatched name.  Only names that
 * might be close enough (see maybe_near()) are offered to
 * diag_suggest(), which keeps this cheap on large inventories.
 */
static const char *
term_suggest(const struct term *t, const struct inventory *inv)
{
	const char	**words, *best, *name;
	size_t		 len, limit, n = 0, i;
	int		 cnt[256];

	len = strlen(t->body);
	if (len == 0 || len > 64)
		return NULL;
	/* diag_suggest()'s own limit, and the case it ignores. */
	limit = len <= 4 ? 1 : len / 3 + 1;
	memset(cnt, 0, sizeof cnt);
	for (i = 0; i < len; i++)
		cnt[(unsigned char)t->body[i]]++;
	words = xreallocarray(NULL, inv->ngroups + inv->nhosts + 1,
	    sizeof *words);
	for (i = 0; i < inv->ngroups + inv->nhosts; i++) {
		name = i < inv->ngroups ? inv->groups[i].name :
		    inv->hosts[i - inv->ngroups].name;
		if (name != NULL && (strcasecmp(name, t->body) == 0 ||
		    maybe_near(cnt, len, name, limit)))
			words[n++] = name;
	}
	best = diag_suggest(t->body, words, n);
	free(words);
	return best;
}

/*
 * Notes a term that selects no host.  A "did you mean" is looked for when
 * the name itself matched nothing (not when only its subscript emptied
 * it), and only for the first few such terms.
 */
static void
term_note(const struct term *t, const struct inventory *inv, bool base,
    struct diags *d, size_t *nsuggest)
{
	const char	*near = NULL;
	char		*q, *qn;

	if (t->kind == TERM_NAME && !base &&
	    *nsuggest < PATTERN_MAX_SUGGEST) {
		(*nsuggest)++;
		near = term_suggest(t, inv);
	}
	q = pat_quote(t->src, strlen(t->src));
	if (near != NULL) {
		qn = pat_quote(near, strlen(near));
		diag_add(d, DIAG_NOTE, NULL, 0, t->col,
		    "pattern term '%s' matches no host; did you mean '%s'?",
		    q, qn);
		free(qn);
	} else
		diag_add(d, DIAG_NOTE, NULL, 0, t->col,
		    "pattern term '%s' matches no host", q);
	free(q);
}

int
pattern_match(const struct pattern *p, const struct inventory *inv,
    unsigned **idx, size_t *n, struct diags *d)
{
	const struct term	*t;
	struct hostset		 ts;
	uint64_t		*acc, x;
	unsigned		*v;
	size_t			 nw, i, j, k, nsuggest = 0;
	bool			 any_union = false, base;
	int			 op;

	*idx = NULL;
	*n = 0;
	nw = (inv->nhosts + 63) / 64;
	acc = xcalloc(nw + 1, sizeof *acc);
	ts.w = xcalloc(nw + 1, sizeof *ts.w);
	ts.nw = nw;
	ts.lo = nw;
	ts.hi = 0;

	/* Ansible's order_patterns(): unions, then "&", then "!". */
	for (op = TERM_UNION; op <= TERM_NOT; op++) {
		if (op == TERM_AND && !any_union)
			bits_fill(acc, inv->nhosts);
		for (i = 0; i < p->nterms; i++) {
			t = &p->terms[i];
			if ((int)t->op != op)
				continue;
			base = term_eval(t, inv, &ts);
			if (!base || set_count(&ts) == 0)
				term_note(t, inv, base, d, &nsuggest);
			if (op == TERM_AND) {
				/* Outside lo..hi the term has no host. */
				for (j = 0; j < nw; j++)
					acc[j] &= j >= ts.lo && j < ts.hi ?
					    ts.w[j] : 0;
			}
			for (j = ts.lo; j < ts.hi; j++) {
				if (op == TERM_UNION)
					acc[j] |= ts.w[j];
				else if (op == TERM_NOT)
					acc[j] &= ~ts.w[j];
			}
			if (op == TERM_UNION)
				any_union = true;
			set_clear(&ts);
		}
	}

	k = bits_count(acc, 0, nw);
	if (k > 0) {
		v = xreallocarray(NULL, k, sizeof *v);
		k = 0;
		for (j = 0; j < nw; j++) {
			for (x = acc[j]; x != 0; x &= x - 1)
				v[k++] = (unsigned)(j * 64 +
				    (size_t)__builtin_ctzll(x));
		}
		*idx = v;
		*n = k;
	}
	free(ts.w);
	free(acc);
	return 0;
}
