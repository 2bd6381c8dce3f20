/*
 * "{{ name }}" interpolation with quoting for the target shell (see
 * quote.h).
 *
 * A template is read in three passes.  The parser turns it into a
 * skeleton: the template's text with each {{ 'text' }} replaced by its
 * text and each variable by one NUL byte (a template, being a C string,
 * has none of its own), plus a table of the variables.  The lexer of the
 * target shell then walks the skeleton and refuses a variable that does
 * not stand in unquoted text.  Expansion last copies the skeleton with
 * each NUL replaced by the quoted value.  The lexer sees the skeleton and
 * never a value: a quoted value is a complete word whatever it holds, so
 * what the shell makes of the text around it cannot depend on it.
 *
 * The lexers keep a stack of frames (unquoted text, quotes, "$(...)",
 * comments, ...) for the quoting rules of dash and bash and of
 * PowerShell's tokenizer, enough to know where each construct ends.
 * They need not understand more, since a variable is allowed only where
 * every frame on the stack is unquoted text.  Where the shells differ or
 * the end of a construct cannot be found without a real parser (a 'case'
 * pattern's ')' inside "$(...)", a '#' that may or may not start a
 * comment, PowerShell's --%), the lexer gives up and every later variable
 * is refused: a refusal costs the playbook's author a rewrite, a wrong
 * guess could run a value.
 *
 * Besides its hand-written cases, tests/unit/test-quote.c checks the sh
 * lexer against dash and bash themselves: random templates from shell
 * fragments, each one the lexer accepts run with values made to break
 * out of any context.  Longer runs of that check are how bash's
 * arithmetic contexts and array subscripts, its carrying on after a
 * syntax error in an array assignment, line continuations and "$$("
 * came to be handled here.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "quote.h"
#include "xmalloc.h"

#define NAME_CHARS	"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"abcdefghijklmnopqrstuvwxyz0123456789_."
#define LEX_DEPTH	32		/* frames on a lexer's stack */
#define LEX_HEREDOCS	8		/* here-documents on one line */
#define LEX_DELIM_MAX	256		/* a here-document's word */

/* What peek() gives for a variable and for the end of the skeleton. */
#define CH_VAR		0
#define CH_END		(-1)

struct tag {
	size_t		 off;		/* of "{{" in the template */
	size_t		 end;		/* just after "}}" */
	size_t		 name;		/* offset in tmpl.names */
};

struct tmpl {
	const char	*text;
	struct buf	 skel;		/* text, one NUL per variable */
	struct buf	 names;		/* each name NUL-terminated */
	struct tag	*tags;
	size_t		 ntags;
	size_t		 tagcap;
	size_t		 pos_off;	/* tmpl_pos() resumes from here */
	size_t		 pos_line;
	size_t		 pos_col;
};

enum frame {
	F_TOP,			/* unquoted text */
	F_CMDSUB,		/* $( ... ), unquoted, to its ')' */
	F_ARITH,		/* sh $(( ... )) and (( ... )) */
	F_INDEX,		/* sh a[ ... ], $[ ... ] */
	F_PARAM,		/* sh ${ ... }, PowerShell ${name} */
	F_SQ,			/* single quotes */
	F_DQ,			/* double quotes */
	F_ANSI,			/* sh $'...' */
	F_BQ,			/* sh `...` */
	F_COMMENT,		/* to the end of the line */
	F_BLOCK,		/* PowerShell <# ... #> */
	F_HSQ,			/* PowerShell @' ... '@ */
	F_HDQ,			/* PowerShell @" ... "@ */
};

struct heredoc {
	char		 word[LEX_DELIM_MAX + 1];
	size_t		 len;
	bool		 strip;		/* <<- takes leading tabs off */
};

struct lex {
	const char	*s;		/* the skeleton */
	size_t		 len;
	size_t		 i;		/* next byte */
	size_t		 var;		/* variables passed so far */
	enum frame	 st[LEX_DEPTH];
	unsigned	 depth[LEX_DEPTH];	/* '(' open in the frame */
	int		 n;		/* st[n - 1] is the current frame */
	size_t		 esc_end;	/* just past an escaped character */
	size_t		 cont_end;	/* just past line continuations */
	int		 cont_prev;	/* prev_byte() before them */
	const char	*after;		/* a variable here follows this */
	const char	*lost;		/* why later variables are refused */
	struct heredoc	 hd[LEX_HEREDOCS];
	int		 nhd;
};

/* Sets *err (when there is one) to msg at byte off of the template. */
static int
tmpl_fail(struct tmpl *t, struct quote_error *err, size_t off, int r,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
err_clear(struct quote_error *err)
{
	if (err == NULL)
		return;
	err->line = err->col = 0;
	err->msg[0] = '\0';
}

static void
tmpl_init(struct tmpl *t, const char *text)
{
	memset(t, 0, sizeof *t);
	t->text = text;
	buf_init(&t->skel, 0, 0);
	buf_init(&t->names, 0, 0);
	t->pos_line = t->pos_col = 1;
}

static void
tmpl_release(struct tmpl *t)
{
	buf_release(&t->skel);
	buf_release(&t->names);
	free(t->tags);
}

static unsigned
clamp(size_t n)
{
	return n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

/*
 * The 1-based line and column of byte off, the column in UTF-8
 * characters.  Callers mostly ask in ascending order, so the count
 * resumes where the last one stopped.
 */
static void
tmpl_pos(struct tmpl *t, size_t off, unsigned *line, unsigned *col)
{
	unsigned char	 c;

	if (off < t->pos_off) {
		t->pos_off = 0;
		t->pos_line = t->pos_col = 1;
	}
	for (; t->pos_off < off; t->pos_off++) {
		c = (unsigned char)t->text[t->pos_off];
		if (c == '\n') {
			t->pos_line++;
			t->pos_col = 1;
		} else if ((c & 0xc0) != 0x80)
			t->pos_col++;
	}
	*line = clamp(t->pos_line);
	*col = clamp(t->pos_col);
}

static int
tmpl_fail(struct tmpl *t, struct quote_error *err, size_t off, int r,
    const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL)
		return r;
	tmpl_pos(t, off, &err->line, &err->col);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Decodes the UTF-8 character at s (n > 0 bytes left): returns its
 * length and stores it in *cp, or returns 0 when the bytes are not
 * valid UTF-8 (a bad or missing continuation byte, an overlong form, a
 * surrogate, past U+10FFFF).
 */
static size_t
utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t	 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			 len, k;
	uint32_t		 c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	c = s[0] & (0x7f >> len);
	for (k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[k] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool
ps_squote(uint32_t c)
{
	return c == '\'' || (c >= 0x2018 && c <= 0x201b);
}

static bool
ps_dquote(uint32_t c)
{
	return c == '"' || (c >= 0x201c && c <= 0x201e);
}

/* Template parser. */

static int
tmpl_unexpected(struct tmpl *t, struct quote_error *err, size_t off)
{
	unsigned char	 c = (unsigned char)t->text[off];

	if (c > ' ' && c < 0x7f)
		return tmpl_fail(t, err, off, LB_ERR_INVALID, "unexpected '%c' "
		    "in '{{ }}': names have letters, digits, '_' and '.'", c);
	return tmpl_fail(t, err, off, LB_ERR_INVALID, "unexpected byte "
	    "0x%02x in '{{ }}': names have letters, digits, '_' and '.'", c);
}

/*
 * After the name or string of the tag at off, with p just past it: finds
 * the closing "}}" and stores the offset after it in *end.
 */
static int
tmpl_close(struct tmpl *t, size_t off, size_t p, size_t *end,
    struct quote_error *err)
{
	const char	*s = t->text;
	size_t		 eol;

	p += strspn(s + p, " \t");
	if (s[p] == '}' && s[p + 1] == '}') {
		*end = p + 2;
		return 0;
	}
	eol = p + strcspn(s + p, "\n");
	if (memmem(s + p, eol - p, "}}", 2) == NULL)
		return tmpl_fail(t, err, off, LB_ERR_INVALID,
		    "'{{' without a matching '}}'");
	return tmpl_unexpected(t, err, p);
}

/* Checks the name of len bytes at off: parts, first characters. */
static int
tmpl_check_name(struct tmpl *t, size_t off, size_t len,
    struct quote_error *err)
{
	const char	*s = t->text + off;
	size_t		 i, part = 0;

	if (len > QUOTE_NAME_MAX)
		return tmpl_fail(t, err, off, LB_ERR_INVALID,
		    "name longer than %d bytes", QUOTE_NAME_MAX);
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (i == part)
				return tmpl_fail(t, err,
				    off + (i < len ? i : len - 1),
				    LB_ERR_INVALID, "name '%.*s' has an "
				    "empty part", (int)len, s);
			part = i + 1;
		} else if (i == part && s[i] >= '0' && s[i] <= '9')
			return tmpl_fail(t, err, off + i, LB_ERR_INVALID,
			    "name '%.*s' has a part that starts with a digit",
			    (int)len, s);
	}
	return 0;
}

static int
tmpl_add_var(struct tmpl *t, size_t off, size_t end, size_t name,
    size_t len)
{
	struct tag	*g;
	int		 r;

	if (t->ntags == t->tagcap) {
		t->tagcap = t->tagcap ? t->tagcap * 2 : 8;
		t->tags = xreallocarray(t->tags, t->tagcap, sizeof *t->tags);
	}
	g = &t->tags[t->ntags];
	g->off = off;
	g->end = end;
	g->name = t->names.len;
	if ((r = buf_add(&t->names, t->text + name, len)) != 0 ||
	    (r = buf_addc(&t->names, '\0')) != 0 ||
	    (r = buf_addc(&t->skel, '\0')) != 0)
		return r;
	t->ntags++;
	return 0;
}

/* {{ 'text' }}: the string starts at q. */
static int
tmpl_literal(struct tmpl *t, size_t off, size_t q, size_t *end,
    struct quote_error *err)
{
	const char	*s = t->text;
	size_t		 e;
	int		 r;

	e = q + 1 + strcspn(s + q + 1, "'\n");
	if (s[e] != '\'')
		return tmpl_fail(t, err, q, LB_ERR_INVALID,
		    "unterminated string in '{{ }}'");
	if ((r = tmpl_close(t, off, e + 1, end, err)) != 0)
		return r;
	return buf_add(&t->skel, s + q + 1, e - q - 1);
}

/* The tag whose "{{" is at off; stores the offset after it in *end. */
static int
tmpl_tag(struct tmpl *t, size_t off, size_t *end, struct quote_error *err)
{
	const char	*s = t->text;
	size_t		 p, len;
	int		 r;

	p = off + 2;
	p += strspn(s + p, " \t");
	if (s[p] == '\'')
		return tmpl_literal(t, off, p, end, err);
	len = strspn(s + p, NAME_CHARS);
	if ((r = tmpl_close(t, off, p + len, end, err)) != 0)
		return r;
	if (len == 0)
		return tmpl_fail(t, err, off, LB_ERR_INVALID,
		    "empty name in '{{ }}'");
	if ((r = tmpl_check_name(t, p, len, err)) != 0)
		return r;
	return tmpl_add_var(t, off, *end, p, len);
}

static int
tmpl_parse(struct tmpl *t, struct quote_error *err)
{
	const char	*s = t->text;
	size_t		 p = 0, q, end;
	int		 r;

	for (;;) {
		q = p + strcspn(s + p, "{}");
		if ((r = buf_add(&t->skel, s + p, q - p)) != 0)
			break;
		if (s[q] == '\0')
			return 0;
		if (s[q] == s[q + 1] && s[q] == '{') {
			if ((r = tmpl_tag(t, q, &end, err)) != 0) {
				if (r != LB_ERR_LIMIT)
					return r;
				p = q;
				break;
			}
			p = end;
		} else if (s[q] == s[q + 1])
			return tmpl_fail(t, err, q, LB_ERR_INVALID,
			    "'}}' without a matching '{{'");
		else {
			if ((r = buf_addc(&t->skel, s[q])) != 0)
				break;
			p = q + 1;
		}
	}
	return tmpl_fail(t, err, p, r, "template longer than %zu bytes",
	    t->skel.max);
}

/* Lexers: common parts. */

/* The byte k ahead of the lexer, CH_VAR for a variable, or CH_END. */
static int
peek(const struct lex *lx, size_t k)
{
	if (lx->i + k >= lx->len)
		return CH_END;
	return (unsigned char)lx->s[lx->i + k];
}

static bool
ahead(const struct lex *lx, const char *str)
{
	size_t	 n = strlen(str);

	return lx->len - lx->i >= n && memcmp(lx->s + lx->i, str, n) == 0;
}

static enum frame
top(const struct lex *lx)
{
	return lx->st[lx->n - 1];
}

static void
give_up(struct lex *lx, const char *why)
{
	if (lx->lost == NULL)
		lx->lost = why;
}

/* Enters frame f past the skip bytes that open it. */
static void
push(struct lex *lx, enum frame f, size_t skip)
{
	lx->i += skip;
	if (lx->n == LEX_DEPTH) {
		give_up(lx, "quoting nested too deep");
		return;
	}
	lx->st[lx->n] = f;
	lx->depth[lx->n] = 0;
	lx->n++;
}

static void
pop(struct lex *lx, size_t skip)
{
	lx->i += skip;
	if (lx->n > 1)
		lx->n--;
}

/* Why a variable cannot stand in frame f, or NULL when it can. */
static const char *
frame_why(enum frame f)
{
	switch (f) {
	case F_TOP:
	case F_CMDSUB:
		return NULL;
	case F_ARITH:
		return "inside ((...))";
	case F_INDEX:
		return "inside [...]";
	case F_PARAM:
		return "inside ${...}";
	case F_SQ:
		return "inside single quotes";
	case F_DQ:
		return "inside double quotes";
	case F_ANSI:
		return "inside $'...'";
	case F_BQ:
		return "inside backquotes";
	case F_COMMENT:
	case F_BLOCK:
		return "inside a comment";
	case F_HSQ:
	case F_HDQ:
		return "inside a here-string";
	}
	return "in an unknown place";
}

/* True when the frames below the current one are all unquoted text. */
static bool
below_unquoted(const struct lex *lx)
{
	int	 k;

	for (k = 0; k < lx->n - 1; k++) {
		if (frame_why(lx->st[k]) != NULL)
			return false;
	}
	return true;
}

/* Why the variable at the lexer cannot stand there, or NULL. */
static const char *
var_why(const struct lex *lx)
{
	const char	*why;
	int		 k;

	/* The innermost quoting decides, "$(" or not. */
	for (k = lx->n - 1; k >= 0; k--) {
		if ((why = frame_why(lx->st[k])) != NULL)
			return why;
	}
	return lx->after;
}

/*
 * The byte before the lexer, for what a word's start changes: a variable
 * reads as a closing quote, an escaped character as a letter.
 */
static int
prev_byte(const struct lex *lx)
{
	if (lx->i == 0)
		return CH_END;
	if (lx->i == lx->cont_end)
		return lx->cont_prev;
	if (lx->i == lx->esc_end)
		return 'a';
	if (lx->s[lx->i - 1] == '\0')
		return '\'';
	return (unsigned char)lx->s[lx->i - 1];
}

/*
 * The sh lexer.  The shell drops a backslash-newline (a line
 * continuation) before it splits words, outside single quotes and
 * comments: "$\\\n(" is "$(", and a '#' after one may start a comment.
 * So sh_peek() and sh_span() see through them, and the lexer steps over
 * them without taking them for a character.
 */

static bool
sh_at_cont(const struct lex *lx, size_t j)
{
	return j + 1 < lx->len && lx->s[j] == '\\' && lx->s[j + 1] == '\n';
}

/* The k-th character ahead, line continuations dropped. */
static int
sh_peek(const struct lex *lx, size_t k)
{
	size_t	 j = lx->i;

	for (;; j++, k--) {
		while (sh_at_cont(lx, j))
			j += 2;
		if (j >= lx->len)
			return CH_END;
		if (k == 0)
			return (unsigned char)lx->s[j];
		/* Past an escape or a variable, no operator goes on. */
		if (lx->s[j] == '\\' || lx->s[j] == '\0')
			return 'a';
	}
}

/* The bytes the next k characters take, line continuations included. */
static size_t
sh_span(const struct lex *lx, size_t k)
{
	size_t	 j = lx->i;

	for (; k > 0 && j < lx->len; k--) {
		while (sh_at_cont(lx, j))
			j += 2;
		j++;
	}
	return (j < lx->len ? j : lx->len) - lx->i;
}

/* Steps over line continuations where the shell drops them. */
static bool
sh_cont(struct lex *lx)
{
	enum frame	 f = top(lx);

	if (f == F_SQ || f == F_ANSI || f == F_BQ || f == F_COMMENT ||
	    !sh_at_cont(lx, lx->i))
		return false;
	lx->cont_prev = prev_byte(lx);
	lx->i += 2;
	lx->cont_end = lx->i;
	return true;
}

/* A '#' at the lexer: does it start a comment? */
static void
sh_hash(struct lex *lx)
{
	enum frame	 f = top(lx);
	int		 p = prev_byte(lx);

	/* In arithmetic "16#ff"; "((" and "[" may not be arithmetic. */
	if (f == F_ARITH || f == F_INDEX) {
		if (p >= '0' && p <= '9')
			lx->i++;
		else
			give_up(lx, "a '#' inside ((...)) or [...]");
		return;
	}
	if (p == CH_END || (p != '\0' && strchr(" \t\n;&|(<>", p) != NULL))
		push(lx, F_COMMENT, 1);
	else if (p == ')')
		give_up(lx, "a '#' right after ')'");	/* "$(x)#" or "(x)#" */
	else
		lx->i++;
}

/*
 * "$", "$(", "$((", "${" at the lexer, and outside double quotes "$'"
 * and "$\"" too.
 */
static void
sh_dollar(struct lex *lx, bool quoted)
{
	switch (sh_peek(lx, 1)) {
	case '\'':
		if (quoted)
			lx->i++;
		else
			push(lx, F_ANSI, sh_span(lx, 2));
		break;
	case '"':
		if (quoted)
			lx->i++;
		else
			push(lx, F_DQ, sh_span(lx, 2));
		break;
	case '(':
		if (sh_peek(lx, 2) == '(')
			push(lx, F_ARITH, sh_span(lx, 3));
		else
			push(lx, F_CMDSUB, sh_span(lx, 2));
		break;
	case '{':
		push(lx, F_PARAM, sh_span(lx, 2));
		break;
	case '[':
		push(lx, F_INDEX, sh_span(lx, 2));
		break;
	case '$':
		/*
		 * "$$(" is "$$" and '(' when bash reads the text, but "$"
		 * and "$(" when it expands the word, to past the quotes.
		 */
		if (sh_peek(lx, 2) > 0 && strchr("({[", sh_peek(lx, 2)) != NULL)
			give_up(lx, "a '$$(', '$${' or '$$['");
		else
			lx->i += sh_span(lx, 2);
		break;
	case CH_VAR:
		lx->after = "right after '$'";
		lx->i++;
		break;
	default:
		lx->i++;
		break;
	}
}

/* A backslash outside single quotes: it escapes the next byte. */
static void
sh_backslash(struct lex *lx)
{
	if (peek(lx, 1) == CH_VAR) {
		lx->after = "right after a backslash";
		lx->i++;
	} else if (peek(lx, 1) == CH_END)
		lx->i++;
	else {
		lx->i += 2;
		lx->esc_end = lx->i;
	}
}

/* Copies a quoted part of a here-document's word, quote at the lexer. */
static bool
sh_word_quoted(struct lex *lx, struct heredoc *h)
{
	int	 q = peek(lx, 0), c;

	for (lx->i++; (c = peek(lx, 0)) != q; lx->i++) {
		if (c == CH_END || c == CH_VAR)
			return false;
		if (q == '"' && c == '\\' && peek(lx, 1) > 0 &&
		    strchr("$`\"\\", peek(lx, 1)) != NULL)
			c = (unsigned char)lx->s[++lx->i];
		if (h->len == LEX_DELIM_MAX)
			return false;
		h->word[h->len++] = (char)c;
	}
	lx->i++;
	return true;
}

/* Reads the word of a here-document, at its first byte. */
static bool
sh_word(struct lex *lx, struct heredoc *h)
{
	int	 c;

	/* A variable in the word would change it: refuse it. */
	while ((c = peek(lx, 0)) != CH_END) {
		if (c == CH_VAR)
			return false;
		if (strchr(" \t\n;&|()<>", c) != NULL)
			break;
		if (c == '\'' || c == '"') {
			if (!sh_word_quoted(lx, h))
				return false;
			continue;
		}
		if (c == '\\') {
			if ((c = peek(lx, 1)) == CH_VAR || c == CH_END)
				return false;
			lx->i++;
		}
		if (h->len == LEX_DELIM_MAX)
			return false;
		h->word[h->len++] = (char)c;
		lx->i++;
	}
	return h->len > 0;
}

/* "<<" or "<<-" at the lexer, outside any quotes: a here-document. */
static void
sh_heredoc(struct lex *lx)
{
	struct heredoc	*h;

	if (lx->nhd == LEX_HEREDOCS) {
		give_up(lx, "too many here-documents on one line");
		return;
	}
	h = &lx->hd[lx->nhd];
	h->len = 0;
	lx->i += sh_span(lx, 2);
	h->strip = peek(lx, 0) == '-';
	if (h->strip)
		lx->i++;
	lx->i += strspn(lx->s + lx->i, " \t");
	if (!sh_word(lx, h)) {
		give_up(lx, "a here-document word it cannot read");
		return;
	}
	lx->nhd++;
}

/*
 * The bodies of the pending here-documents, at the start of the line
 * after the one with their "<<".  Returns why the variable at the lexer
 * is refused, having stopped there, or NULL.
 */
static const char *
sh_bodies(struct lex *lx)
{
	struct heredoc	*h;
	const char	*ls, *eol, *p;
	int		 k;

	for (k = 0; k < lx->nhd; k++) {
		h = &lx->hd[k];
		while (lx->i < lx->len) {
			ls = lx->s + lx->i;
			if ((eol = memchr(ls, '\n', lx->len - lx->i)) == NULL)
				eol = lx->s + lx->len;
			if ((p = memchr(ls, '\0', (size_t)(eol - ls))) !=
			    NULL) {
				lx->i = (size_t)(p - lx->s);
				return "inside a here-document";
			}
			lx->i = (size_t)(eol - lx->s) + (*eol == '\n');
			for (p = ls; h->strip && *p == '\t'; p++)
				;
			if ((size_t)(eol - p) == h->len &&
			    memcmp(p, h->word, h->len) == 0)
				break;
			/* A continued line may or may not end the body. */
			if (eol > ls && eol[-1] == '\\')
				give_up(lx, "a here-document line ending in "
				    "a backslash");
		}
	}
	lx->nhd = 0;
	return NULL;
}

/*
 * In "$(...)" a ')' that ends a 'case' pattern would be taken for the
 * end.  True when the lexer is at the word "case".
 */
static bool
sh_at_case(const struct lex *lx)
{
	int	 p = prev_byte(lx), n = sh_peek(lx, 4);

	return sh_peek(lx, 0) == 'c' && sh_peek(lx, 1) == 'a' &&
	    sh_peek(lx, 2) == 's' && sh_peek(lx, 3) == 'e' &&
	    (p == CH_END || strchr(" \t\n;&|(", p) != NULL) &&
	    (n == ' ' || n == '\t' || n == '\n');
}

/*
 * '(' or ')' in unquoted text.  bash reads "((" as arithmetic, where
 * single quotes do not quote: "(( '$(id)' ))" runs id.  After a syntax
 * error inside an array assignment "a=( ... )", which the context can
 * cause ("f() a=( { ..."), bash drops the rest of the line and carries
 * on at the next, inside any multi-line value that line opened: no
 * variable after one is safe.
 */
static void
sh_paren(struct lex *lx)
{
	enum frame	 f = top(lx);
	unsigned	*depth = &lx->depth[lx->n - 1];

	/* "[...]" may be a glob's: a "f()" or "$(x)" in it, who knows. */
	if (f == F_INDEX) {
		give_up(lx, "a '(' or ')' inside [...]");
		return;
	}
	if (peek(lx, 0) == '(') {
		if (prev_byte(lx) == '=')
			give_up(lx, "a bash array assignment");
		else if (f != F_ARITH && sh_peek(lx, 1) == '(')
			push(lx, F_ARITH, sh_span(lx, 2));
		else {
			*depth += f != F_TOP;
			lx->i++;
		}
		return;
	}
	if (f == F_TOP || *depth > 0) {
		*depth -= f != F_TOP;
		lx->i++;
	} else if (f == F_CMDSUB)
		pop(lx, 1);
	else if (sh_peek(lx, 1) == ')')
		pop(lx, sh_span(lx, 2));
	else
		give_up(lx, "a '((' it cannot match");
}

/*
 * '[' or ']' in unquoted text.  bash reads an array subscript as
 * arithmetic ("a['$(id)']=1", "declare a[ ... ]", "read a[...]"), blanks
 * and newlines included, so a '[' that is not the command "[ " or "[[ "
 * opens a frame to its ']'.  A glob's "[...]" is taken for one too, so
 * what would mean more at the top (parentheses, "<<", '#') loses the
 * lexer there.
 */
static void
sh_bracket(struct lex *lx)
{
	enum frame	 f = top(lx);
	int		 p = prev_byte(lx), n = sh_peek(lx, 1);
	int		 n2 = sh_peek(lx, 2);
	bool		 start;

	/* "[ " and "[[ " are commands only where a word starts. */
	start = p == CH_END || (p > 0 && strchr(" \t\n;&|(<>", p) != NULL);
	if (peek(lx, 0) == ']') {
		if (f == F_INDEX && lx->depth[lx->n - 1] == 0)
			pop(lx, 1);
		else {
			lx->depth[lx->n - 1] -= f == F_INDEX;
			lx->i++;
		}
	} else if (f == F_INDEX) {
		lx->depth[lx->n - 1]++;
		lx->i++;
	} else if (start && (n == CH_END || n == ' ' || n == '\t' ||
	    n == '\n'))
		lx->i++;
	else if (start && n == '[' && (n2 == ' ' || n2 == '\t'))
		lx->i += sh_span(lx, 2);
	else
		push(lx, F_INDEX, 1);
}

/* One step in unquoted text: F_TOP, F_CMDSUB, F_ARITH, F_INDEX. */
static const char *
sh_unquoted(struct lex *lx)
{
	enum frame	 f = top(lx);
	int		 c = peek(lx, 0);

	switch (c) {
	case '\\':
		sh_backslash(lx);
		return NULL;
	case '\'':
		push(lx, F_SQ, 1);
		return NULL;
	case '"':
		push(lx, F_DQ, 1);
		return NULL;
	case '`':
		push(lx, F_BQ, 1);
		return NULL;
	case '$':
		sh_dollar(lx, false);
		return NULL;
	case '#':
		sh_hash(lx);
		return NULL;
	case '(':
	case ')':
		sh_paren(lx);
		return NULL;
	case '[':
	case ']':
		sh_bracket(lx);
		return NULL;
	case '<':
	case '>':
		/* bash's "<(...)" and ">(...)" are "$(...)". */
		if (sh_peek(lx, 1) == '(' && f != F_ARITH && f != F_INDEX) {
			push(lx, F_CMDSUB, sh_span(lx, 2));
			return NULL;
		}
		if (c == '>' || sh_peek(lx, 1) != '<')
			break;
		if (sh_peek(lx, 2) == '<') {
			lx->i += sh_span(lx, 3);	/* bash's here-string */
			return NULL;
		}
		/* A shift in arithmetic; "((" and "[" may not be that. */
		if (f == F_TOP)
			sh_heredoc(lx);
		else
			give_up(lx, "a '<<' inside $(...), ((...)) or [...]");
		return NULL;
	case '\n':
		lx->i++;
		if (lx->nhd > 0 && f == F_TOP)
			return sh_bodies(lx);
		if (lx->nhd > 0)
			give_up(lx, "a here-document and a line break "
			    "inside $(...)");
		return NULL;
	case 'c':
		if (f == F_CMDSUB && sh_at_case(lx))
			give_up(lx, "a 'case' inside $(...)");
		break;
	}
	lx->i++;
	return NULL;
}

/*
 * Inside "${" ... "}".  bash takes a "<<" there for a here-document of
 * the command around it, and expands its body.
 */
static void
sh_param(struct lex *lx)
{
	switch (peek(lx, 0)) {
	case '\\':
		sh_backslash(lx);
		return;
	case '<':
	case '>':
		if (sh_peek(lx, 1) == '<' || sh_peek(lx, 1) == '(') {
			give_up(lx, "a '<<', '<(' or '>(' inside ${...}");
			return;
		}
		break;
	case '\n':
		if (lx->nhd > 0) {
			give_up(lx, "a here-document and a line break "
			    "inside ${...}");
			return;
		}
		break;
	case '\'':
		/* Quotes in "${x:-'a'}" are text to bash, quotes to dash. */
		if (below_unquoted(lx))
			push(lx, F_SQ, 1);
		else
			give_up(lx, "a ' inside \"${...}\"");
		return;
	case '"':
		push(lx, F_DQ, 1);
		return;
	case '`':
		push(lx, F_BQ, 1);
		return;
	case '$':
		sh_dollar(lx, !below_unquoted(lx));
		return;
	case '{':
		give_up(lx, "a '{' inside ${...}");
		return;
	case '}':
		pop(lx, 1);
		return;
	}
	lx->i++;
}

/* Inside double quotes. */
static void
sh_dquoted(struct lex *lx)
{
	switch (peek(lx, 0)) {
	case '\\':
		lx->i += peek(lx, 1) == CH_END || peek(lx, 1) == CH_VAR ? 1 : 2;
		return;
	case '"':
		pop(lx, 1);
		return;
	case '`':
		push(lx, F_BQ, 1);
		return;
	case '$':
		sh_dollar(lx, true);
		return;
	case '\n':
		if (lx->nhd > 0)
			give_up(lx, "a here-document and a line break "
			    "inside quotes");
		break;
	}
	lx->i++;
}

/* One step of the sh lexer; returns why a variable is refused, or NULL. */
static const char *
sh_step(struct lex *lx)
{
	int	 c = peek(lx, 0), n = peek(lx, 1);

	switch (top(lx)) {
	case F_TOP:
	case F_CMDSUB:
	case F_ARITH:
	case F_INDEX:
		return sh_unquoted(lx);
	case F_PARAM:
		sh_param(lx);
		break;
	case F_DQ:
		sh_dquoted(lx);
		break;
	case F_SQ:
		if (c == '\'')
			pop(lx, 0);
		lx->i++;
		break;
	case F_ANSI:
		if (c == '\\' && n == '\'')
			give_up(lx, "a \\' inside $'...'");	/* dash: ' */
		if (c == '\\' && n != CH_END && n != CH_VAR)
			lx->i++;
		else if (c == '\'')
			pop(lx, 0);
		lx->i++;
		break;
	case F_BQ:
		if (c == '\\' && n != CH_END && n != CH_VAR)
			lx->i++;
		else if (c == '`')
			pop(lx, 0);
		lx->i++;
		break;
	case F_COMMENT:
		if (c == '\n')
			pop(lx, 0);	/* the outer frame's line break */
		else
			lx->i++;
		break;
	default:
		lx->i++;
		break;
	}
	return NULL;
}

/* The PowerShell lexer. */

/* The character at the lexer and its length (1 for a bad byte). */
static size_t
ps_char(const struct lex *lx, size_t k, uint32_t *cp)
{
	size_t	 n;

	if (lx->i + k >= lx->len) {
		*cp = 0;
		return 0;
	}
	n = utf8_dec((const unsigned char *)lx->s + lx->i + k,
	    lx->len - lx->i - k, cp);
	if (n == 0) {
		*cp = 0xfffd;
		n = 1;
	}
	return n;
}

/*
 * True when a token starts at the lexer: what is before it is white
 * space or a character that ends a token (CharTraits ForceStartNewToken).
 * Otherwise a '#' or "@'" may be part of a generic token ("a#b").
 */
static bool
ps_token_start(const struct lex *lx)
{
	int	 p = prev_byte(lx);

	return p == CH_END || (p != '\0' && strchr(" \t\v\f\r\n&(),;{|}", p)
	    != NULL);
}

/* A backtick: it escapes the next character. */
static void
ps_backtick(struct lex *lx)
{
	uint32_t	 cp;

	lx->i++;
	if (peek(lx, 0) == CH_VAR)
		lx->after = "right after a backtick";
	else {
		lx->i += ps_char(lx, 0, &cp);
		lx->esc_end = lx->i;
	}
}

/* "@'" or "@\"" at the lexer (quote n bytes long): a here-string. */
static void
ps_herestring(struct lex *lx, enum frame f, size_t n)
{
	size_t	 j = lx->i + 1 + n;

	if (!ps_token_start(lx)) {
		give_up(lx, "an '@' and a quote inside a word");
		return;
	}
	j += strspn(lx->s + j, " \t\v\f");
	if (j < lx->len && (lx->s[j] == '\n' || lx->s[j] == '\r'))
		push(lx, f, 1 + n);
	else
		give_up(lx, "a here-string header with text after it");
}

/* "$" at the lexer, in unquoted text or in double quotes. */
static void
ps_dollar(struct lex *lx)
{
	switch (peek(lx, 1)) {
	case '(':
		push(lx, F_CMDSUB, 2);
		return;
	case '{':
		push(lx, F_PARAM, 2);
		return;
	case '$':
		lx->i++;		/* "$$(" is not "$(" */
		break;
	case CH_VAR:
		lx->after = "right after '$'";
		break;
	}
	lx->i++;
}

/* '@' at the lexer, in unquoted text. */
static void
ps_at(struct lex *lx)
{
	uint32_t	 cp;
	size_t		 n;

	if (peek(lx, 1) == CH_VAR) {
		lx->after = "right after '@'";
		lx->i++;
		return;
	}
	n = ps_char(lx, 1, &cp);
	if (n > 0 && ps_squote(cp))
		ps_herestring(lx, F_HSQ, n);
	else if (n > 0 && ps_dquote(cp))
		ps_herestring(lx, F_HDQ, n);
	else
		lx->i++;
}

static bool
ps_dash(uint32_t c)
{
	return c == '-' || (c >= 0x2013 && c <= 0x2015);
}

/* True at "--%", PowerShell's stop-parsing token (any dashes). */
static bool
ps_at_stop(const struct lex *lx)
{
	uint32_t	 c;
	size_t		 n, m;

	n = ps_char(lx, 0, &c);
	if (n == 0 || !ps_dash(c))
		return false;
	m = ps_char(lx, n, &c);
	if (m == 0 || !ps_dash(c))
		return false;
	return peek(lx, n + m) == '%';
}

/* '#' or "<#" at the lexer (skip bytes): comments start tokens. */
static void
ps_comment(struct lex *lx, enum frame f, size_t skip)
{
	if (ps_token_start(lx))
		push(lx, f, skip);
	else
		give_up(lx, "a '#' inside a word");
}

/* One step in unquoted text: F_TOP, F_CMDSUB. */
static void
ps_unquoted(struct lex *lx)
{
	uint32_t	 cp;
	size_t		 n = ps_char(lx, 0, &cp);

	if (ps_squote(cp))
		push(lx, F_SQ, n);
	else if (ps_dquote(cp))
		push(lx, F_DQ, n);
	else if (cp == '`')
		ps_backtick(lx);
	else if (cp == '@')
		ps_at(lx);
	else if (cp == '$')
		ps_dollar(lx);
	else if (cp == '#')
		ps_comment(lx, F_COMMENT, 1);
	else if (cp == '<' && peek(lx, 1) == '#')
		ps_comment(lx, F_BLOCK, 2);
	else if (ps_dash(cp) && ps_at_stop(lx))
		give_up(lx, "PowerShell's '--%'");
	else if (cp == '(' && top(lx) == F_CMDSUB) {
		lx->depth[lx->n - 1]++;
		lx->i++;
	} else if (cp == ')' && top(lx) == F_CMDSUB &&
	    lx->depth[lx->n - 1] > 0) {
		lx->depth[lx->n - 1]--;
		lx->i++;
	} else if (cp == ')' && top(lx) == F_CMDSUB)
		pop(lx, 1);
	else
		lx->i += n;
}

/* A quote of a single- or double-quoted string: doubled, or the end. */
static void
ps_quote_end(struct lex *lx, bool (*kind)(uint32_t), size_t n)
{
	uint32_t	 cp;
	size_t		 m = ps_char(lx, n, &cp);

	if (m > 0 && kind(cp))
		lx->i += n + m;
	else
		pop(lx, n);
}

/* At a line break in a here-string: its end is a quote and '@'. */
static void
ps_here_line(struct lex *lx, bool (*kind)(uint32_t))
{
	uint32_t	 cp;
	size_t		 n;

	lx->i += lx->s[lx->i] == '\r' && peek(lx, 1) == '\n' ? 2 : 1;
	n = ps_char(lx, 0, &cp);
	if (n > 0 && kind(cp) && peek(lx, n) == '@')
		pop(lx, n + 1);
}

/* Inside double quotes or an expandable here-string. */
static void
ps_dquoted(struct lex *lx)
{
	uint32_t	 cp;
	size_t		 n = ps_char(lx, 0, &cp);

	if (cp == '`')
		ps_backtick(lx);
	else if (cp == '$')
		ps_dollar(lx);
	else if (top(lx) == F_DQ && ps_dquote(cp))
		ps_quote_end(lx, ps_dquote, n);
	else if (top(lx) == F_HDQ && (cp == '\n' || cp == '\r'))
		ps_here_line(lx, ps_dquote);
	else
		lx->i += n;
}

/* One step of the PowerShell lexer. */
static const char *
ps_step(struct lex *lx)
{
	uint32_t	 cp;
	size_t		 n = ps_char(lx, 0, &cp);

	switch (top(lx)) {
	case F_TOP:
	case F_CMDSUB:
		ps_unquoted(lx);
		break;
	case F_DQ:
	case F_HDQ:
		ps_dquoted(lx);
		break;
	case F_SQ:
		if (ps_squote(cp))
			ps_quote_end(lx, ps_squote, n);
		else
			lx->i += n;
		break;
	case F_HSQ:
		if (cp == '\n' || cp == '\r')
			ps_here_line(lx, ps_squote);
		else
			lx->i += n;
		break;
	case F_PARAM:
		if (cp == '`')
			ps_backtick(lx);
		else if (cp == '}')
			pop(lx, 1);
		else
			lx->i += n;
		break;
	case F_COMMENT:
		if (cp == '\n' || cp == '\r')
			pop(lx, 0);
		else
			lx->i += n;
		break;
	case F_BLOCK:
		if (ahead(lx, "#>"))
			pop(lx, 2);
		else
			lx->i += n;
		break;
	default:
		lx->i += n;
		break;
	}
	return NULL;
}

/* Refuses the variable the lexer is at. */
static int
lex_refuse(struct tmpl *t, const struct lex *lx, const char *why,
    struct quote_error *err)
{
	const struct tag	*g = &t->tags[lx->var];
	const char		*name = t->names.data + g->name;

	if (lx->lost != NULL)
		return tmpl_fail(t, err, g->off, LB_ERR_INVALID,
		    "cannot tell how variable '%s' is quoted after %s", name,
		    lx->lost);
	if (strcmp(why, frame_why(F_SQ)) == 0 ||
	    strcmp(why, frame_why(F_DQ)) == 0)
		return tmpl_fail(t, err, g->off, LB_ERR_INVALID,
		    "variable '%s' %s: its value is quoted already, write "
		    "it outside them", name, why);
	return tmpl_fail(t, err, g->off, LB_ERR_INVALID, "variable '%s' "
	    "cannot stand %s", name, why);
}

/* Runs the lexer of mode over the skeleton; refuses a misplaced variable. */
static int
tmpl_check(struct tmpl *t, enum quote_mode mode, struct quote_error *err)
{
	struct lex	 lx;
	const char	*why;

	if (mode == QUOTE_NONE)
		return 0;
	memset(&lx, 0, sizeof lx);
	lx.s = t->skel.data;
	lx.len = t->skel.len;
	lx.st[0] = F_TOP;
	lx.n = 1;
	while (lx.i < lx.len) {
		if (lx.lost != NULL) {
			if (memchr(lx.s + lx.i, '\0', lx.len - lx.i) == NULL)
				return 0;
			return lex_refuse(t, &lx, NULL, err);
		}
		if (lx.s[lx.i] == '\0') {
			if ((why = var_why(&lx)) != NULL)
				return lex_refuse(t, &lx, why, err);
			lx.var++;
			lx.i++;
			continue;
		}
		/* "$\\\n{{ v }}" is "${{ v }}": keep lx.after. */
		if (mode == QUOTE_SH && sh_cont(&lx))
			continue;
		lx.after = NULL;
		why = mode == QUOTE_SH ? sh_step(&lx) : ps_step(&lx);
		if (why != NULL)
			return lex_refuse(t, &lx, why, err);
	}
	return 0;
}

/* Quoting. */

int
quote_sh(struct buf *out, const char *s, size_t len)
{
	size_t		 start = out->len, i, j;
	const char	*q;
	int		 r;

	if (len > 0 && memchr(s, '\0', len) != NULL)
		return LB_ERR_INVALID;
	if ((r = buf_addc(out, '\'')) != 0)
		return r;
	for (i = 0; i < len; i = j + 1) {
		q = memchr(s + i, '\'', len - i);
		j = q != NULL ? (size_t)(q - s) : len;
		if ((r = buf_add(out, s + i, j - i)) != 0)
			goto out;
		if (q != NULL && (r = buf_add(out, "'\\''", 4)) != 0)
			goto out;
	}
	r = buf_addc(out, '\'');
out:
	if (r != 0)
		buf_truncate(out, start);
	return r;
}

int
quote_ps(struct buf *out, const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 start = out->len, i, n;
	uint32_t		 cp;
	int			 r;

	for (i = 0; i < len; i += n) {
		if ((n = utf8_dec(u + i, len - i, &cp)) == 0 || cp == 0)
			return LB_ERR_INVALID;
	}
	if ((r = buf_addc(out, '\'')) != 0)
		return r;
	for (i = 0; i < len; i += n) {
		n = utf8_dec(u + i, len - i, &cp);
		/* A quote twice is the quote; once, it would end the string. */
		if (ps_squote(cp) && (r = buf_add(out, s + i, n)) != 0)
			goto out;
		if ((r = buf_add(out, s + i, n)) != 0)
			goto out;
	}
	r = buf_addc(out, '\'');
out:
	if (r != 0)
		buf_truncate(out, start);
	return r;
}

/* Expansion. */

/* Appends the value of variable k, quoted for mode. */
static int
expand_var(struct tmpl *t, size_t k, enum quote_mode mode,
    quote_lookup_fn *lookup, void *arg, struct buf *out,
    struct quote_error *err)
{
	const struct tag	*g = &t->tags[k];
	const char		*name = t->names.data + g->name, *val = NULL;
	size_t			 len = 0;
	int			 r;

	if (lookup(arg, name, &val, &len) != 0)
		return tmpl_fail(t, err, g->off, LB_ERR_INVALID,
		    "undefined variable '%s'", name);
	if (val == NULL) {
		val = "";
		len = 0;
	}
	if (mode == QUOTE_SH)
		r = quote_sh(out, val, len);
	else if (mode == QUOTE_PS)
		r = quote_ps(out, val, len);
	else
		r = buf_add(out, val, len);
	if (r == LB_ERR_INVALID && memchr(val, '\0', len) != NULL)
		return tmpl_fail(t, err, g->off, r, "variable '%s' has a NUL "
		    "byte, which no shell can take", name);
	if (r == LB_ERR_INVALID)
		return tmpl_fail(t, err, g->off, r, "variable '%s' is not "
		    "valid UTF-8", name);
	if (r != 0)
		return tmpl_fail(t, err, g->off, r, "result longer than %zu "
		    "bytes", out->max);
	return 0;
}

int
quote_expand(const char *tmpl, enum quote_mode mode,
    quote_lookup_fn *lookup, void *arg, struct buf *out,
    struct quote_error *err)
{
	struct tmpl	 t;
	size_t		 start = out->len, k, p = 0, q;
	const char	*s;
	int		 r;

	err_clear(err);
	tmpl_init(&t, tmpl);
	if ((r = tmpl_parse(&t, err)) != 0 || (r = tmpl_check(&t, mode,
	    err)) != 0)
		goto out;
	s = buf_str(&t.skel);
	for (k = 0;; k++) {
		q = p + strlen(s + p);
		if (q > t.skel.len)
			q = t.skel.len;
		if ((r = buf_add(out, s + p, q - p)) != 0) {
			r = tmpl_fail(&t, err, k > 0 ? t.tags[k - 1].end : 0,
			    r, "result longer than %zu bytes", out->max);
			goto out;
		}
		if (q == t.skel.len)
			break;
		if ((r = expand_var(&t, k, mode, lookup, arg, out, err)) != 0)
			goto out;
		p = q + 1;
	}
out:
	if (r != 0)
		buf_truncate(out, start);
	tmpl_release(&t);
	return r;
}

int
quote_names(const char *tmpl, enum quote_mode mode, quote_name_fn *fn,
    void *arg, struct quote_error *err)
{
	struct tmpl	 t;
	unsigned	 line, col;
	size_t		 k;
	int		 r;

	err_clear(err);
	tmpl_init(&t, tmpl);
	if ((r = tmpl_parse(&t, err)) == 0 && (r = tmpl_check(&t, mode,
	    err)) == 0) {
		for (k = 0; k < t.ntags; k++) {
			tmpl_pos(&t, t.tags[k].off, &line, &col);
			fn(t.names.data + t.tags[k].name, line, col, arg);
		}
	}
	tmpl_release(&t);
	return r;
}
