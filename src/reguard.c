/*
 * A guard in front of glibc's regcomp() for patterns that come from
 * users: host patterns ("~regex") and playbook conditions ("=~").  Some
 * small patterns take regcomp() exponential time and memory; this says
 * which, before regcomp() sees them.  See reguard.h.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "reguard.h"

/* The largest tree a pattern may make, and how deep repetitions nest. */
#define REGUARD_SIZE	4096
#define REGUARD_NEST	4

/* Whether s has a back-reference (\1 .. \9) outside an escape pair. */
static bool
regex_has_backref(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s != '\\')
			continue;
		if (s[1] >= '1' && s[1] <= '9')
			return true;
		if (s[1] == '\0')
			break;
		s++;
	}
	return false;
}

/* Steps past the bracket expression at s ("[a-z]", "[]x]", "[[:digit:]]"). */
static const char *
regex_skip_bracket(const char *s)
{
	const char	*end;

	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	while (*s != '\0' && *s != ']') {
		if (s[0] == '[' && (s[1] == ':' || s[1] == '.' ||
		    s[1] == '=')) {
			end = strchr(s + 2, s[1]);
			while (end != NULL && end[1] != ']')
				end = strchr(end + 1, s[1]);
			if (end == NULL)
				return s + strlen(s);
			s = end + 2;
		} else
			s++;
	}
	return *s == ']' ? s + 1 : s;
}

static size_t
regex_cap(size_t v)
{
	return v > REGUARD_SIZE ? REGUARD_SIZE + 1 : v;
}

/*
 * Reads "{m}", "{m,}" or "{m,n}" at *sp, leaving *sp on the "}".
 * Returns the copies it makes (the larger count, plus one), or 0 when
 * there is no closing brace; says whether it has no upper bound and
 * whether it allows zero copies.
 */
static size_t
regex_braces(const char **sp, bool *unbounded, bool *zero)
{
	const char	*s = *sp + 1;
	size_t		 m = 0, v = 0, lo = 0;
	bool		 comma = false;

	for (; isdigit((unsigned char)*s) || *s == ','; s++) {
		if (*s == ',') {
			comma = true;
			v = 0;
			continue;
		}
		v = regex_cap(v * 10 + (size_t)(*s - '0'));
		if (!comma)
			lo = v;
		if (v > m)
			m = v;
	}
	*unbounded = comma && s[-1] == ',';
	*zero = lo == 0;
	*sp = s;
	return *s == '}' ? m + 1 : 0;
}

/* One level of parentheses while scanning a pattern. */
struct re_level {
	size_t	 size;		/* estimated tree nodes */
	size_t	 nest;		/* deepest nesting of repetitions */
	bool	 alt_empty;	/* the current alternative can match "" */
	bool	 any_empty;	/* an earlier alternative can */
};

/* An atom: a character, a class, an anchor or a group. */
struct re_atom {
	size_t	 size;
	size_t	 nest;
	bool	 empty;		/* can match "" */
};

/* Reads the atom at *sp (anything but "(" and "|"); ")" ends a group. */
static void
regex_atom(const char **sp, struct re_level *lv, size_t *depth,
    struct re_atom *a)
{
	const char	*s = *sp;

	a->size = 1;
	a->nest = 0;
	a->empty = false;
	switch (*s) {
	case ')':
		if (*depth > 0) {
			a->size += lv[*depth].size;
			a->nest = lv[*depth].nest;
			a->empty = lv[*depth].any_empty || lv[*depth].alt_empty;
			(*depth)--;
		}
		s++;
		break;
	case '\\':
		/* GNU's \b \B \< \> \` \' match no character. */
		a->empty = s[1] != '\0' && strchr("bB<>`'", s[1]) != NULL;
		s += s[1] != '\0' ? 2 : 1;
		break;
	case '[':
		s = regex_skip_bracket(s);
		break;
	case '^':
	case '$':
		a->empty = true;
		s++;
		break;
	default:
		s++;
		break;
	}
	*sp = s;
}

/* Reads the repetition operators after atom a.  Returns why not, or NULL. */
static const char *
regex_repeat(const char **sp, struct re_atom *a)
{
	const char	*s = *sp;
	size_t		 m, nq;
	bool		 unbounded, zero;

	for (nq = 0;; nq++) {
		if (*s == '*' || *s == '?' || *s == '+') {
			m = *s == '+' ? 2 : 1;
			unbounded = *s != '?';
			zero = *s != '+';
		} else if (*s != '{' ||
		    (m = regex_braces(&s, &unbounded, &zero)) == 0)
			break;
		if (nq > 0)
			return "a repetition operator follows another";
		if (unbounded && a->empty)
			return "an unbounded repetition of what can match "
			    "nothing";
		s++;
		a->size = regex_cap(a->size * m + 1);
		if (++a->nest > REGUARD_NEST)
			return "repetitions nested too deep";
		if (zero)
			a->empty = true;
	}
	*sp = s;
	return NULL;
}

/*
 * Why regcomp() should not see s, or NULL.  glibc copies the operand of
 * "+" once and that of "{m,n}" up to n times, then computes closures
 * over the tree; nested and stacked repetitions make both exponential.
 * So, as Python's re does, a repetition operator may not follow another,
 * repetitions nest at most REGUARD_NEST deep, and the tree, estimated
 * parenthesis by parenthesis, may not pass REGUARD_SIZE nodes.  And
 * since closures over empty loops explode too (twenty "(a?|b?)+" in a
 * row take minutes), "*", "+" and "{m,}" may not repeat what can match
 * the empty string; "(a?)*" says nothing that "a*" does not.
 */
static const char *
regex_too_big(const char *s)
{
	struct re_level	 lv[REGUARD_MAX_LEN / 2 + 2];
	struct re_atom	 a;
	const char	*why;
	size_t		 depth = 0;

	memset(&lv[0], 0, sizeof lv[0]);
	lv[0].alt_empty = true;
	while (*s != '\0') {
		if (*s == '(') {
			if (depth + 1 >= sizeof lv / sizeof *lv)
				return "too many parentheses";
			depth++;
			memset(&lv[depth], 0, sizeof lv[depth]);
			lv[depth].alt_empty = true;
			s++;
			continue;
		}
		if (*s == '|') {
			lv[depth].any_empty |= lv[depth].alt_empty;
			lv[depth].alt_empty = true;
			s++;
			continue;
		}
		regex_atom(&s, lv, &depth, &a);
		if ((why = regex_repeat(&s, &a)) != NULL)
			return why;
		lv[depth].size = regex_cap(lv[depth].size + a.size);
		if (lv[depth].size > REGUARD_SIZE)
			return "its repetitions make it too large";
		if (a.nest > lv[depth].nest)
			lv[depth].nest = a.nest;
		lv[depth].alt_empty = lv[depth].alt_empty && a.empty;
	}
	return NULL;
}

const char *
reguard_why(const char *s)
{
	if (regex_has_backref(s))
		return "back-references are not supported";
	return regex_too_big(s);
}
