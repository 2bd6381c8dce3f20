/*
 * The `when` expression language (see expr.h): a hand-written lexer and
 * recursive-descent parser that build a small tree, and an evaluator
 * that walks it.
 *
 * Hostile input is bounded everywhere.  The text is at most EXPR_MAX_LEN
 * bytes.  The parser recurses only for "(" and "not", and counts both
 * against EXPR_MAX_DEPTH; "and" and "or" chains become one node with many
 * children, read in a loop, so that "a or a or a ..." is a flat tree and
 * evaluating or walking any tree recurses no deeper than the parser did.
 * Lists from lookups are checked to the same depth before use.
 *
 * Every node is also kept in one array of the expression, so that
 * freeing (after a failed parse too) is a loop, not a recursion.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "expr.h"
#include "reguard.h"
#include "xmalloc.h"

/* Source text quoted in a message is cut after this many characters. */
#define EXPR_QUOTE_MAX	40

enum tok {
	T_EOF,
	T_INT,
	T_STR,
	T_NAME,
	T_LPAREN,
	T_RPAREN,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_EQ,
	T_NE,
	T_LT,
	T_GT,
	T_LE,
	T_GE,
	T_MATCH,
	T_NMATCH,
	T_AND,
	T_OR,
	T_NOT,
	T_IN,
	T_TRUE,
	T_FALSE,
	T_NULL,
};

struct token {
	enum tok	 kind;
	size_t		 off;		/* in the source, in bytes */
	size_t		 len;
	unsigned	 col;
	int64_t		 ival;		/* T_INT */
};

enum node_kind {
	N_LIT,
	N_LIST,
	N_NAME,
	N_NOT,
	N_AND,
	N_OR,
	N_CMP,
};

enum cmp_op {
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_GT,
	OP_LE,
	OP_GE,
	OP_IN,
	OP_NOTIN,
	OP_MATCH,
	OP_NMATCH,
};

static const char *const op_names[] = {
	"==", "!=", "<", ">", "<=", ">=", "in", "not in", "=~", "!~",
};

static const char *const type_names[] = {
	"null", "bool", "int", "string", "list",
};

struct node {
	enum node_kind		 kind;
	enum cmp_op		 op;		/* N_CMP */
	unsigned		 col;		/* of its token; N_CMP: op */
	struct expr_value	 v;		/* N_LIT, N_LIST */
	char			*str;		/* N_LIT string, N_NAME */
	struct expr_value	*items;		/* N_LIST */
	struct node		**kids;		/* not owned: see struct expr */
	size_t			 nkids;
	size_t			 capkids;
	regex_t			 re;		/* N_CMP, literal pattern */
	bool			 has_re;
};

struct expr {
	char		*text;
	struct node	*root;
	struct node	**nodes;	/* owns every node of the tree */
	size_t		 nnodes;
	size_t		 capnodes;
};

struct parser {
	const char		*src;
	size_t			 len;
	size_t			 pos;		/* where tokens go on */
	struct token		 tok;		/* the current token */
	struct token		 prev;		/* the one before, if any */
	bool			 has_prev;
	bool			 primed;	/* tok holds a token */
	bool			 after_cmp;	/* last operand ended a cmp */
	unsigned		 depth;
	size_t			 nregex;
	size_t			 coloff;	/* see column() */
	unsigned		 colval;
	struct expr		*e;
	struct expr_error	*err;
};

/* A value while evaluating: ext when it came from a lookup. */
struct val {
	struct expr_value	 v;
	bool			 ext;
};

struct eval {
	expr_lookup_fn		*lookup;
	void			*arg;
	struct expr_error	*err;
};

static void
error_vset(struct expr_error *err, unsigned col, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
error_vset(struct expr_error *err, unsigned col, const char *fmt,
    va_list ap)
{
	if (err == NULL)
		return;
	err->col = col;
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

static void
clear_error(struct expr_error *err)
{
	if (err == NULL)
		return;
	err->col = 0;
	err->msg[0] = '\0';
}

/*
 * Copies s[0..n) into buf for a message: control bytes and DEL become
 * \xNN, and text past EXPR_QUOTE_MAX characters is cut with "...".
 */
static void
quote(const char *s, size_t n, char *buf, size_t size)
{
	size_t	 i, o = 0, shown = 0;

	for (i = 0; i < n && o + 8 < size; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if ((c & 0xc0) != 0x80 && shown++ == EXPR_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only, whatever the locale. */
static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(char c)
{
	return is_ident_start(c) || is_digit(c);
}

/*
 * Reads s[0..n) as an int literal: an optional "-" and decimal digits.
 * Returns 0, or -1 when it is not one, or -2 when it is out of range.
 */
static int
parse_int(const char *s, size_t n, int64_t *v)
{
	uint64_t	 u = 0, limit;
	size_t		 i = 0;
	bool		 neg = false, over = false;
	unsigned	 d;

	if (n > 0 && s[0] == '-') {
		neg = true;
		i++;
	}
	if (i == n)
		return -1;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		d = (unsigned)(s[i] - '0');
		if (u > (limit - d) / 10)
			over = true;
		else
			u = u * 10 + d;
	}
	if (over)
		return -2;
	if (neg)
		*v = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	else
		*v = (int64_t)u;
	return 0;
}

/*
 * Compiles the n bytes at s into *re.  Returns 0, or -1 with the reason
 * in why (and nothing to free).
 */
static int
regex_compile(regex_t *re, const char *s, size_t n, char *why, size_t size)
{
	const char	*big;
	char		*pat, msg[128];
	int		 rc, ret = -1;

	if (n > EXPR_MAX_RE_LEN) {
		snprintf(why, size, "regular expression longer than %d bytes",
		    EXPR_MAX_RE_LEN);
		return -1;
	}
	if (memchr(s, '\0', n) != NULL) {
		snprintf(why, size, "bad regular expression: a NUL byte");
		return -1;
	}
	pat = xstrndup(s, n);
	if ((big = reguard_why(pat)) != NULL)
		snprintf(why, size, "bad regular expression: %s", big);
	else if ((rc = regcomp(re, pat, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, re, msg, sizeof msg);
		if (msg[0] >= 'A' && msg[0] <= 'Z')
			msg[0] = (char)(msg[0] - 'A' + 'a');
		snprintf(why, size, "bad regular expression: %s", msg);
	} else
		ret = 0;
	free(pat);
	return ret;
}

/* The tree. */

static struct node *
node_new(struct expr *e, enum node_kind kind, unsigned col)
{
	struct node	*n;

	if (e->nnodes == e->capnodes) {
		e->capnodes = e->capnodes ? e->capnodes * 2 : 16;
		e->nodes = xreallocarray(e->nodes, e->capnodes,
		    sizeof *e->nodes);
	}
	n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->col = col;
	e->nodes[e->nnodes++] = n;
	return n;
}

static void
node_add(struct node *n, struct node *kid)
{
	if (n->nkids == n->capkids) {
		n->capkids = n->capkids ? n->capkids * 2 : 2;
		n->kids = xreallocarray(n->kids, n->capkids, sizeof *n->kids);
	}
	n->kids[n->nkids++] = kid;
}

/* The lexer. */

/*
 * The 1-based column of byte off, counting UTF-8 characters.  Tokens
 * are read left to right, so counting resumes where the last call
 * stopped.
 */
static unsigned
column(struct parser *p, size_t off)
{
	if (off < p->coloff) {
		p->coloff = 0;
		p->colval = 1;
	}
	for (; p->coloff < off; p->coloff++) {
		if (((unsigned char)p->src[p->coloff] & 0xc0) != 0x80)
			p->colval++;
	}
	return p->colval;
}

static int
parse_fail(struct parser *p, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
parse_fail(struct parser *p, unsigned col, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	error_vset(p->err, col, fmt, ap);
	va_end(ap);
	return -1;
}

/* A byte for a message: itself when printable, else \xNN. */
static void
show_char(char c, char buf[8])
{
	unsigned char	 u = (unsigned char)c;

	if (u >= 0x20 && u < 0x7f)
		snprintf(buf, 8, "%c", c);
	else
		snprintf(buf, 8, "\\x%02x", u);
}

/* A quoted string: checks the escapes and finds the closing quote. */
static int
lex_string(struct parser *p, struct token *t)
{
	const char	*s = p->src;
	char		 q = s[t->off], c[8];
	size_t		 i = t->off + 1;

	while (i < p->len && s[i] != q) {
		if (s[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 == p->len)
			return parse_fail(p, t->col, "unterminated string");
		if (strchr("\\'\"nt", s[i + 1]) == NULL) {
			show_char(s[i + 1], c);
			return parse_fail(p, column(p, i), "bad escape '\\%s' "
			    "in string (use \\\\, \\', \\\", \\n or \\t)", c);
		}
		i += 2;
	}
	if (i >= p->len)
		return parse_fail(p, t->col, "unterminated string");
	t->kind = T_STR;
	t->len = i + 1 - t->off;
	return 0;
}

static int
lex_int(struct parser *p, struct token *t)
{
	const char	*s = p->src;
	char		 q[EXPR_QUOTE_MAX * 4 + 8];
	size_t		 i = t->off, end;
	int		 rc;

	if (s[i] == '-')
		i++;
	while (i < p->len && is_digit(s[i]))
		i++;
	/* "12abc", "1.5", "5-1": one bad number, not two tokens. */
	end = i;
	while (end < p->len && (is_ident(s[end]) || s[end] == '.' ||
	    s[end] == '-'))
		end++;
	quote(s + t->off, end - t->off, q, sizeof q);
	if (end > i)
		return parse_fail(p, t->col, "bad number '%s'", q);
	rc = parse_int(s + t->off, i - t->off, &t->ival);
	if (rc == -2)
		return parse_fail(p, t->col, "integer '%s' out of range", q);
	if (rc != 0)
		return parse_fail(p, t->col, "internal error reading '%s'", q);
	t->kind = T_INT;
	t->len = i - t->off;
	return 0;
}

static const struct {
	const char	*word;
	enum tok	 kind;
} keywords[] = {
	{ "and", T_AND },
	{ "or", T_OR },
	{ "not", T_NOT },
	{ "in", T_IN },
	{ "true", T_TRUE },
	{ "false", T_FALSE },
	{ "null", T_NULL },
};

static bool
word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/*
 * Whether s[0..n) is word with capitals ("True", "NULL"): "none" stays
 * free for a name.
 */
static bool
word_like(const char *s, size_t n, const char *word)
{
	size_t	 i;
	char	 c;
	bool	 caps = false;

	if (strlen(word) != n)
		return false;
	for (i = 0; i < n; i++) {
		c = s[i];
		if (c >= 'A' && c <= 'Z') {
			c = (char)(c - 'A' + 'a');
			caps = true;
		}
		if (c != word[i])
			return false;
	}
	return caps;
}

/* The keyword a first segment spells, or T_NAME. */
static enum tok
keyword(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < sizeof keywords / sizeof *keywords; i++) {
		if (word_is(s, n, keywords[i].word))
			return keywords[i].kind;
	}
	return T_NAME;
}

/* A literal misspelt the way other languages spell it. */
static const char *
literal_alias(const char *s, size_t n)
{
	if (word_like(s, n, "true"))
		return "true";
	if (word_like(s, n, "false"))
		return "false";
	if (word_like(s, n, "null") || word_like(s, n, "none"))
		return "null";
	return NULL;
}

static int
lex_name(struct parser *p, struct token *t)
{
	const char	*s = p->src, *lit;
	size_t		 i = t->off, first;
	char		 q[EXPR_QUOTE_MAX * 4 + 8];

	while (i < p->len && is_ident(s[i]))
		i++;
	first = i - t->off;
	while (i < p->len && s[i] == '.') {
		if (i + 1 == p->len || !is_ident_start(s[i + 1]))
			return parse_fail(p, column(p, i), "'.' is not "
			    "followed by a field name");
		i++;
		while (i < p->len && is_ident(s[i]))
			i++;
	}
	if (i < p->len && s[i] == '-')
		return parse_fail(p, column(p, i), "'-' cannot be part of a "
		    "name (use '_')");
	t->len = i - t->off;
	t->kind = keyword(s + t->off, first);
	quote(s + t->off, first, q, sizeof q);
	if (t->kind != T_NAME && first != t->len)
		return parse_fail(p, t->col, "'%s' is a keyword, not a name",
		    q);
	lit = literal_alias(s + t->off, t->len);
	if (t->kind == T_NAME && lit != NULL)
		return parse_fail(p, t->col, "unknown name '%s' (the literal "
		    "is written %s)", q, lit);
	return 0;
}

/* Operators of one or two characters. */
static int
lex_op(struct parser *p, struct token *t)
{
	const char	*s = p->src + t->off;
	char		 next = t->off + 1 < p->len ? s[1] : '\0', c[8];

	t->len = 1;
	switch (s[0]) {
	case '(':
		t->kind = T_LPAREN;
		return 0;
	case ')':
		t->kind = T_RPAREN;
		return 0;
	case '[':
		t->kind = T_LBRACK;
		return 0;
	case ']':
		t->kind = T_RBRACK;
		return 0;
	case ',':
		t->kind = T_COMMA;
		return 0;
	case '<':
	case '>':
		t->kind = s[0] == '<' ? T_LT : T_GT;
		if (next == '=') {
			t->kind = s[0] == '<' ? T_LE : T_GE;
			t->len = 2;
		}
		return 0;
	case '=':
		if (next != '=' && next != '~')
			return parse_fail(p, t->col, "unexpected '=' (use '==' "
			    "to compare)");
		t->kind = next == '=' ? T_EQ : T_MATCH;
		t->len = 2;
		return 0;
	case '!':
		if (next != '=' && next != '~')
			return parse_fail(p, t->col, "unexpected '!' (use "
			    "'not', '!=' or '!~')");
		t->kind = next == '=' ? T_NE : T_NMATCH;
		t->len = 2;
		return 0;
	case '&':
		return parse_fail(p, t->col, "unexpected '&' (use 'and')");
	case '|':
		return parse_fail(p, t->col, "unexpected '|' (use 'or')");
	default:
		show_char(s[0], c);
		return parse_fail(p, t->col, "unexpected character '%s'", c);
	}
}

/* Reads the next token into p->tok, keeping the current one in p->prev. */
static int
next(struct parser *p)
{
	struct token	 t;
	const char	*s = p->src;
	int		 rc = 0;

	while (p->pos < p->len && is_space(s[p->pos]))
		p->pos++;
	memset(&t, 0, sizeof t);
	t.off = p->pos;
	t.col = column(p, p->pos);
	if (p->pos == p->len)
		t.kind = T_EOF;
	else if (s[p->pos] == '\'' || s[p->pos] == '"')
		rc = lex_string(p, &t);
	else if (is_digit(s[p->pos]) || (s[p->pos] == '-' &&
	    p->pos + 1 < p->len && is_digit(s[p->pos + 1])))
		rc = lex_int(p, &t);
	else if (is_ident_start(s[p->pos]))
		rc = lex_name(p, &t);
	else
		rc = lex_op(p, &t);
	if (rc != 0)
		return -1;
	p->pos = t.off + t.len;
	if (p->primed) {
		p->prev = p->tok;
		p->has_prev = true;
	}
	p->primed = true;
	p->tok = t;
	return 0;
}

/*
 * The token after the current one, without consuming anything: only
 * "not" needs it, to tell "not in" from a stray "not".
 */
static int
peek(struct parser *p, struct token *out)
{
	struct parser	 save = *p;
	int		 rc;

	rc = next(p);
	*out = p->tok;
	save.coloff = p->coloff;
	save.colval = p->colval;
	*p = save;
	return rc;
}

/* The parser. */

/* How a message names token t. */
static void
describe(const struct parser *p, const struct token *t, char *buf,
    size_t size)
{
	char	 q[EXPR_QUOTE_MAX * 4 + 8];

	quote(p->src + t->off, t->len, q, sizeof q);
	switch (t->kind) {
	case T_EOF:
		snprintf(buf, size, "end of input");
		break;
	case T_NAME:
		snprintf(buf, size, "name '%s'", q);
		break;
	case T_INT:
		snprintf(buf, size, "integer %s", q);
		break;
	case T_STR:
		snprintf(buf, size, "string %s", q);
		break;
	default:
		snprintf(buf, size, "'%s'", q);
		break;
	}
}

static bool
is_literal(enum tok k)
{
	return k == T_INT || k == T_STR || k == T_TRUE || k == T_FALSE ||
	    k == T_NULL;
}

/* The comparison the current token starts, or -1. */
static int
cmp_op(enum tok k)
{
	switch (k) {
	case T_EQ:
		return OP_EQ;
	case T_NE:
		return OP_NE;
	case T_LT:
		return OP_LT;
	case T_GT:
		return OP_GT;
	case T_LE:
		return OP_LE;
	case T_GE:
		return OP_GE;
	case T_IN:
		return OP_IN;
	case T_MATCH:
		return OP_MATCH;
	case T_NMATCH:
		return OP_NMATCH;
	default:
		return -1;
	}
}

/* An operand was wanted and the current token is none. */
static int
want_value(struct parser *p)
{
	char	 found[EXPR_QUOTE_MAX * 4 + 32];
	char	 after[EXPR_QUOTE_MAX * 4 + 32];

	if (!p->has_prev && p->tok.kind == T_EOF)
		return parse_fail(p, 1, "empty expression");
	describe(p, &p->tok, found, sizeof found);
	if (!p->has_prev)
		return parse_fail(p, p->tok.col, "expected a value, found %s",
		    found);
	describe(p, &p->prev, after, sizeof after);
	if (p->tok.kind == T_NOT && cmp_op(p->prev.kind) != -1)
		return parse_fail(p, p->tok.col, "expected a value after %s, "
		    "found 'not' (put 'not ...' in parentheses)", after);
	return parse_fail(p, p->tok.col, "expected a value after %s, found %s",
	    after, found);
}

/*
 * A complete operand or expression is followed by a token that cannot
 * follow it.  closing is what could have come instead ("end of input"
 * or "')'").
 */
static int
want_operator(struct parser *p, const char *closing)
{
	char	 found[EXPR_QUOTE_MAX * 4 + 32];

	describe(p, &p->tok, found, sizeof found);
	if (p->tok.kind == T_RPAREN && strcmp(closing, "end of input") == 0)
		return parse_fail(p, p->tok.col, "')' without a matching '('");
	if (p->tok.kind == T_RBRACK)
		return parse_fail(p, p->tok.col, "']' without a matching '['");
	if (p->after_cmp)
		return parse_fail(p, p->tok.col, "expected 'and', 'or' or %s, "
		    "found %s", closing, found);
	return parse_fail(p, p->tok.col, "expected an operator or %s, "
	    "found %s", closing, found);
}

static int
depth_enter(struct parser *p)
{
	if (p->depth >= EXPR_MAX_DEPTH)
		return parse_fail(p, p->tok.col, "nested deeper than %d levels",
		    EXPR_MAX_DEPTH);
	p->depth++;
	return 0;
}

static char *
unescape(const char *s, size_t n, size_t *lenp)
{
	char	*out, *o;
	size_t	 i;

	o = out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] != '\\') {
			*o++ = s[i];
			continue;
		}
		i++;
		if (s[i] == 'n')
			*o++ = '\n';
		else if (s[i] == 't')
			*o++ = '\t';
		else
			*o++ = s[i];
	}
	*o = '\0';
	*lenp = (size_t)(o - out);
	return out;
}

/* The current token, a literal, as a node. */
static int
parse_literal(struct parser *p, struct node **out)
{
	const struct token	*t = &p->tok;
	struct node		*n;

	n = node_new(p->e, N_LIT, t->col);
	switch (t->kind) {
	case T_INT:
		n->v.type = EXPR_INT;
		n->v.i = t->ival;
		break;
	case T_STR:
		n->v.type = EXPR_STR;
		n->str = unescape(p->src + t->off + 1, t->len - 2, &n->v.len);
		n->v.s = n->str;
		break;
	case T_TRUE:
	case T_FALSE:
		n->v.type = EXPR_BOOL;
		n->v.b = t->kind == T_TRUE;
		break;
	default:
		n->v.type = EXPR_NULL;
		break;
	}
	*out = n;
	return next(p);
}

static int
parse_list_item(struct parser *p, struct node *list)
{
	struct node	*item;
	char		 found[EXPR_QUOTE_MAX * 4 + 32];

	if (!is_literal(p->tok.kind)) {
		if (p->tok.kind != T_NAME && p->tok.kind != T_LPAREN &&
		    p->tok.kind != T_LBRACK && p->tok.kind != T_NOT)
			return want_value(p);
		describe(p, &p->tok, found, sizeof found);
		return parse_fail(p, p->tok.col, "list items must be "
		    "literals, found %s", found);
	}
	if (list->nkids == EXPR_MAX_LIST)
		return parse_fail(p, p->tok.col, "list longer than %d items",
		    EXPR_MAX_LIST);
	if (parse_literal(p, &item) == -1)
		return -1;
	node_add(list, item);
	return 0;
}

static int
parse_list(struct parser *p, struct node **out)
{
	struct node	*n;
	unsigned	 col = p->tok.col;
	size_t		 i;
	char		 found[EXPR_QUOTE_MAX * 4 + 32];

	n = node_new(p->e, N_LIST, col);
	n->v.type = EXPR_LIST;
	if (next(p) == -1)
		return -1;
	while (p->tok.kind != T_RBRACK) {
		if (p->tok.kind == T_EOF)
			return parse_fail(p, col, "'[' is not closed");
		if (parse_list_item(p, n) == -1)
			return -1;
		if (p->tok.kind == T_COMMA) {
			if (next(p) == -1)
				return -1;
			if (p->tok.kind == T_RBRACK)
				return want_value(p);
		} else if (p->tok.kind == T_EOF)
			return parse_fail(p, col, "'[' is not closed");
		else if (p->tok.kind != T_RBRACK) {
			describe(p, &p->tok, found, sizeof found);
			return parse_fail(p, p->tok.col, "expected ',' or ']' "
			    "in list, found %s", found);
		}
	}
	if (n->nkids > 0) {
		n->items = xreallocarray(NULL, n->nkids, sizeof *n->items);
		for (i = 0; i < n->nkids; i++)
			n->items[i] = n->kids[i]->v;
	}
	n->v.items = n->items;
	n->v.nitems = n->nkids;
	*out = n;
	return next(p);
}

static int	parse_or(struct parser *, struct node **);

static int
parse_paren(struct parser *p, struct node **out)
{
	unsigned	 col = p->tok.col;

	if (depth_enter(p) == -1 || next(p) == -1)
		return -1;
	if (parse_or(p, out) == -1)
		return -1;
	if (p->tok.kind == T_EOF)
		return parse_fail(p, col, "'(' is not closed");
	if (p->tok.kind != T_RPAREN)
		return want_operator(p, "')'");
	p->depth--;
	return next(p);
}

static int
parse_operand(struct parser *p, struct node **out)
{
	struct node	*n;

	switch (p->tok.kind) {
	case T_LPAREN:
		return parse_paren(p, out);
	case T_LBRACK:
		return parse_list(p, out);
	case T_INT:
	case T_STR:
	case T_TRUE:
	case T_FALSE:
	case T_NULL:
		return parse_literal(p, out);
	case T_NAME:
		n = node_new(p->e, N_NAME, p->tok.col);
		n->str = xstrndup(p->src + p->tok.off, p->tok.len);
		*out = n;
		return next(p);
	default:
		return want_value(p);
	}
}

/* What parsing knows of a node's type, or -1 when only a lookup will. */
static int
static_type(const struct node *n)
{
	switch (n->kind) {
	case N_LIT:
	case N_LIST:
		return (int)n->v.type;
	case N_NAME:
		return -1;
	default:
		return EXPR_BOOL;
	}
}

/* What type_error() says of < > <= >=, or NULL. */
static const char *
order_error(int lt, int rt, char *buf, size_t size, const char *o)
{
	int	 bad;

	bad = lt >= 0 && lt != EXPR_INT && lt != EXPR_STR ? lt : rt;
	if (bad >= 0 && bad != EXPR_INT && bad != EXPR_STR)
		snprintf(buf, size, "'%s' needs ints or strings, found %s", o,
		    type_names[bad]);
	else if (lt >= 0 && rt >= 0 && lt != rt)
		snprintf(buf, size, "'%s' cannot compare %s with %s", o,
		    type_names[lt], type_names[rt]);
	else
		return NULL;
	return buf;
}

/* What type_error() says of "in" and "not in", or NULL. */
static const char *
in_error(int lt, int rt, char *buf, size_t size, const char *o)
{
	if (rt >= 0 && rt != EXPR_LIST && rt != EXPR_STR)
		snprintf(buf, size, "'%s' needs a list or a string on the "
		    "right, found %s", o, type_names[rt]);
	else if (rt == EXPR_STR && lt >= 0 && lt != EXPR_STR)
		snprintf(buf, size, "'%s' with a string on the right needs a "
		    "string on the left, found %s", o, type_names[lt]);
	else
		return NULL;
	return buf;
}

/* What type_error() says of =~ and !~, or NULL. */
static const char *
match_error(int lt, int rt, char *buf, size_t size, const char *o)
{
	if (lt >= 0 && lt != EXPR_STR)
		snprintf(buf, size, "'%s' needs a string on the left, found %s",
		    o, type_names[lt]);
	else if (rt >= 0 && rt != EXPR_STR)
		snprintf(buf, size, "'%s' needs a pattern string on the right, "
		    "found %s", o, type_names[rt]);
	else
		return NULL;
	return buf;
}

/*
 * Whether operands of types lt and rt (-1: not known yet) cannot go with
 * op; if so, says why in buf.  The same rules serve parsing, with what
 * it knows, and evaluation.
 */
static bool
type_error(enum cmp_op op, int lt, int rt, char *buf, size_t size)
{
	const char	*o = op_names[op];

	switch (op) {
	case OP_LT:
	case OP_GT:
	case OP_LE:
	case OP_GE:
		return order_error(lt, rt, buf, size, o) != NULL;
	case OP_IN:
	case OP_NOTIN:
		return in_error(lt, rt, buf, size, o) != NULL;
	case OP_MATCH:
	case OP_NMATCH:
		return match_error(lt, rt, buf, size, o) != NULL;
	default:
		return false;
	}
}

/* Checks what parsing can of n, and compiles a literal pattern. */
static int
check_cmp(struct parser *p, struct node *n)
{
	const struct node	*r = n->kids[1];
	char			 why[EXPR_ERROR_MAX];

	if (type_error(n->op, static_type(n->kids[0]), static_type(r), why,
	    sizeof why))
		return parse_fail(p, n->col, "%s", why);
	if ((n->op != OP_MATCH && n->op != OP_NMATCH) || r->kind != N_LIT)
		return 0;
	if (p->nregex == EXPR_MAX_REGEX)
		return parse_fail(p, r->col, "more than %d regular "
		    "expressions", EXPR_MAX_REGEX);
	if (regex_compile(&n->re, r->v.s, r->v.len, why, sizeof why) == -1)
		return parse_fail(p, r->col, "%s", why);
	n->has_re = true;
	p->nregex++;
	return 0;
}

/*
 * The comparison operator at the current token, consumed; -1 when there
 * is none; -2 on an error ("not" without "in").
 */
static int
parse_cmp_op(struct parser *p)
{
	struct token	 t;
	char		 found[EXPR_QUOTE_MAX * 4 + 32];
	int		 op;

	if (p->tok.kind != T_NOT) {
		if ((op = cmp_op(p->tok.kind)) == -1)
			return -1;
		return next(p) == -1 ? -2 : op;
	}
	if (peek(p, &t) == -1)
		return -2;
	if (t.kind != T_IN) {
		describe(p, &t, found, sizeof found);
		parse_fail(p, t.col, "expected 'in' after 'not', found %s",
		    found);
		return -2;
	}
	if (next(p) == -1 || next(p) == -1)
		return -2;
	return OP_NOTIN;
}

static int
parse_cmp(struct parser *p, struct node **out)
{
	struct token	 t;
	struct node	*l, *r, *n;
	unsigned	 col;
	int		 op;

	if (parse_operand(p, &l) == -1)
		return -1;
	p->after_cmp = false;
	col = p->tok.col;
	if ((op = parse_cmp_op(p)) == -2)
		return -1;
	if (op == -1) {
		*out = l;
		return 0;
	}
	if (parse_operand(p, &r) == -1)
		return -1;
	/*
	 * "a < b < c" and "a < b not in c" chain; "a < b not c" is a stray
	 * "not", which the caller reports.
	 */
	if (cmp_op(p->tok.kind) != -1)
		return parse_fail(p, p->tok.col, "comparisons cannot be "
		    "chained (use 'and')");
	if (p->tok.kind == T_NOT) {
		if (peek(p, &t) == -1)
			return -1;
		if (t.kind == T_IN)
			return parse_fail(p, p->tok.col, "comparisons cannot "
			    "be chained (use 'and')");
	}
	n = node_new(p->e, N_CMP, col);
	n->op = (enum cmp_op)op;
	node_add(n, l);
	node_add(n, r);
	p->after_cmp = true;
	*out = n;
	return check_cmp(p, n);
}

static int
parse_not(struct parser *p, struct node **out)
{
	struct node	*n, *kid;
	unsigned	 col = p->tok.col;

	if (p->tok.kind != T_NOT)
		return parse_cmp(p, out);
	if (depth_enter(p) == -1 || next(p) == -1)
		return -1;
	if (parse_not(p, &kid) == -1)
		return -1;
	p->depth--;
	n = node_new(p->e, N_NOT, col);
	node_add(n, kid);
	*out = n;
	return 0;
}

/* kind's operands, joined by op: "a and b and c" is one node. */
static int
parse_chain(struct parser *p, struct node **out, enum node_kind kind,
    enum tok op, int (*operand)(struct parser *, struct node **))
{
	struct node	*n, *kid;

	if (operand(p, &kid) == -1)
		return -1;
	if (p->tok.kind != op) {
		*out = kid;
		return 0;
	}
	n = node_new(p->e, kind, p->tok.col);
	node_add(n, kid);
	while (p->tok.kind == op) {
		if (next(p) == -1 || operand(p, &kid) == -1)
			return -1;
		node_add(n, kid);
	}
	*out = n;
	return 0;
}

static int
parse_and(struct parser *p, struct node **out)
{
	return parse_chain(p, out, N_AND, T_AND, parse_not);
}

static int
parse_or(struct parser *p, struct node **out)
{
	return parse_chain(p, out, N_OR, T_OR, parse_and);
}

int
expr_parse(const char *src, struct expr **out, struct expr_error *err)
{
	struct parser	 p;
	struct expr	*e;
	struct node	*root;

	*out = NULL;
	clear_error(err);
	memset(&p, 0, sizeof p);
	p.src = src;
	p.len = strnlen(src, EXPR_MAX_LEN + 1);
	p.colval = 1;
	p.err = err;
	e = p.e = xcalloc(1, sizeof *e);

	if (p.len > EXPR_MAX_LEN) {
		parse_fail(&p, column(&p, EXPR_MAX_LEN), "expression longer "
		    "than %d bytes", EXPR_MAX_LEN);
		goto fail;
	}
	if (next(&p) == -1 || parse_or(&p, &root) == -1)
		goto fail;
	if (p.tok.kind != T_EOF) {
		want_operator(&p, "end of input");
		goto fail;
	}
	e->root = root;
	e->text = xstrdup(src);
	*out = e;
	return 0;
fail:
	expr_free(e);
	return LB_ERR_INVALID;
}

const char *
expr_text(const struct expr *e)
{
	return e->text;
}

void
expr_free(struct expr *e)
{
	struct node	*n;
	size_t		 i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nnodes; i++) {
		n = e->nodes[i];
		if (n->has_re)
			regfree(&n->re);
		free(n->str);
		free(n->items);
		free(n->kids);
		free(n);
	}
	free(e->nodes);
	free(e->text);
	free(e);
}

/* Names. */

static void
names_walk(const struct node *n, expr_name_fn *fn, void *arg)
{
	size_t	 i;

	if (n->kind == N_NAME) {
		fn(n->str, n->col, arg);
		return;
	}
	if (n->kind == N_LIST)
		return;
	for (i = 0; i < n->nkids; i++)
		names_walk(n->kids[i], fn, arg);
}

void
expr_names(const struct expr *e, expr_name_fn *fn, void *arg)
{
	names_walk(e->root, fn, arg);
}

/* Evaluation. */

static int
eval_fail(struct eval *ev, int rc, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
eval_fail(struct eval *ev, int rc, unsigned col, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	error_vset(ev->err, col, fmt, ap);
	va_end(ap);
	return rc;
}

static bool
truthy(const struct expr_value *v)
{
	switch (v->type) {
	case EXPR_BOOL:
		return v->b;
	case EXPR_INT:
		return v->i != 0;
	case EXPR_STR:
		return v->len > 0;
	case EXPR_LIST:
		return v->nitems > 0;
	default:
		return false;
	}
}

/*
 * Checks a value from a lookup, so that the rest can trust it.  Returns
 * 0, LB_ERR_INTERNAL for a malformed value, LB_ERR_LIMIT when lists nest
 * deeper than EXPR_MAX_DEPTH.
 */
static int
value_check(const struct expr_value *v, unsigned depth)
{
	size_t	 i;
	int	 rc;

	switch (v->type) {
	case EXPR_NULL:
	case EXPR_BOOL:
	case EXPR_INT:
		return 0;
	case EXPR_STR:
		return v->s == NULL && v->len > 0 ? LB_ERR_INTERNAL : 0;
	case EXPR_LIST:
		if (v->items == NULL && v->nitems > 0)
			return LB_ERR_INTERNAL;
		if (depth >= EXPR_MAX_DEPTH)
			return LB_ERR_LIMIT;
		for (i = 0; i < v->nitems; i++) {
			if ((rc = value_check(&v->items[i], depth + 1)) != 0)
				return rc;
		}
		return 0;
	default:
		return LB_ERR_INTERNAL;
	}
}

/* a as the int it spells, when it is a looked-up string and b an int. */
static bool
as_int(const struct val *a, const struct val *b, int64_t *v)
{
	return a->ext && a->v.type == EXPR_STR && b->v.type == EXPR_INT &&
	    parse_int(a->v.s, a->v.len, v) == 0;
}

/* Turns a looked-up numeric string compared with an int into that int. */
static void
coerce(struct val *a, const struct val *b)
{
	int64_t	 v;

	if (as_int(a, b, &v)) {
		a->v.type = EXPR_INT;
		a->v.i = v;
	}
}

static int
str_cmp(const struct expr_value *a, const struct expr_value *b)
{
	size_t	 n = a->len < b->len ? a->len : b->len;
	int	 c;

	c = n > 0 ? memcmp(a->s, b->s, n) : 0;
	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* ==, as expr.h says.  Values are checked, so recursion is bounded. */
static bool
val_eq(const struct val *a, const struct val *b)
{
	struct val	 x, y;
	size_t		 i;

	x = *a;
	y = *b;
	coerce(&x, &y);
	coerce(&y, &x);
	if (x.v.type != y.v.type)
		return false;
	switch (x.v.type) {
	case EXPR_NULL:
		return true;
	case EXPR_BOOL:
		return x.v.b == y.v.b;
	case EXPR_INT:
		return x.v.i == y.v.i;
	case EXPR_STR:
		return x.v.len == y.v.len && str_cmp(&x.v, &y.v) == 0;
	case EXPR_LIST:
		if (x.v.nitems != y.v.nitems)
			return false;
		for (i = 0; i < x.v.nitems; i++) {
			x.v = a->v.items[i];
			y.v = b->v.items[i];
			if (!val_eq(&x, &y))
				return false;
		}
		return true;
	default:
		return false;
	}
}

static bool
val_in(const struct val *a, const struct val *b)
{
	struct val	 item;
	size_t		 i;

	if (b->v.type == EXPR_STR) {
		if (a->v.len == 0)
			return true;
		if (a->v.len > b->v.len)
			return false;
		return memmem(b->v.s, b->v.len, a->v.s, a->v.len) != NULL;
	}
	item.ext = b->ext;
	for (i = 0; i < b->v.nitems; i++) {
		item.v = b->v.items[i];
		if (val_eq(a, &item))
			return true;
	}
	return false;
}

/* Whether a matches n's pattern: compiled, or the string b. */
static int
val_match(struct eval *ev, const struct node *n, const struct val *a,
    const struct val *b, bool *match)
{
	const regex_t	*re = &n->re;
	regex_t		 dyn;
	regmatch_t	 m[1];
	char		 why[EXPR_ERROR_MAX], *subject;
	int		 rc;

	/* See EXPR_MAX_MATCH_LEN: glibc's search takes time in len^2. */
	if (a->v.len > EXPR_MAX_MATCH_LEN)
		return eval_fail(ev, LB_ERR_LIMIT, n->col, "string of %zu "
		    "bytes too long for '%s' (limit %d; 'in' has none)",
		    a->v.len, op_names[n->op], EXPR_MAX_MATCH_LEN);
	if (!n->has_re) {
		if (regex_compile(&dyn, b->v.s != NULL ? b->v.s : "", b->v.len,
		    why, sizeof why) == -1)
			return eval_fail(ev, LB_ERR_INVALID, n->kids[1]->col,
			    "%s", why);
		re = &dyn;
	}
	/*
	 * A looked-up string need not end in a NUL, and regexec() may look
	 * for one (sanitizers' interceptors do) even with REG_STARTEND, so
	 * it reads a copy; REG_STARTEND still lets NULs inside match.
	 */
	subject = xmalloc(a->v.len + 1);
	if (a->v.len > 0)
		memcpy(subject, a->v.s, a->v.len);
	subject[a->v.len] = '\0';
	m[0].rm_so = 0;
	m[0].rm_eo = (regoff_t)a->v.len;
	rc = regexec(re, subject, 1, m, REG_STARTEND);
	free(subject);
	if (!n->has_re)
		regfree(&dyn);
	if (rc != 0 && rc != REG_NOMATCH)
		return eval_fail(ev, LB_ERR_INVALID, n->col, "regular "
		    "expression match failed");
	*match = rc == 0;
	return 0;
}

static int
eval_cmp(struct eval *ev, const struct node *n, struct val *a,
    struct val *b, bool *res)
{
	char	 why[EXPR_ERROR_MAX];
	int	 c, rc;

	if (n->op == OP_EQ || n->op == OP_NE) {
		*res = val_eq(a, b) == (n->op == OP_EQ);
		return 0;
	}
	/* Only ordering converts: "5 in x" wants x a list or a string. */
	if (n->op == OP_LT || n->op == OP_GT || n->op == OP_LE ||
	    n->op == OP_GE) {
		coerce(a, b);
		coerce(b, a);
	}
	if (type_error(n->op, (int)a->v.type, (int)b->v.type, why, sizeof why))
		return eval_fail(ev, LB_ERR_INVALID, n->col, "%s", why);
	switch (n->op) {
	case OP_IN:
	case OP_NOTIN:
		*res = val_in(a, b) == (n->op == OP_IN);
		return 0;
	case OP_MATCH:
	case OP_NMATCH:
		if ((rc = val_match(ev, n, a, b, res)) != 0)
			return rc;
		*res = *res == (n->op == OP_MATCH);
		return 0;
	default:
		break;
	}
	if (a->v.type == EXPR_INT)
		c = a->v.i < b->v.i ? -1 : a->v.i > b->v.i;
	else
		c = str_cmp(&a->v, &b->v);
	switch (n->op) {
	case OP_LT:
		*res = c < 0;
		break;
	case OP_GT:
		*res = c > 0;
		break;
	case OP_LE:
		*res = c <= 0;
		break;
	default:
		*res = c >= 0;
		break;
	}
	return 0;
}

static int
eval_name(struct eval *ev, const struct node *n, struct val *out)
{
	int	 rc;

	memset(out, 0, sizeof *out);
	out->ext = true;
	if (ev->lookup == NULL || ev->lookup(ev->arg, n->str, &out->v) != 0)
		return eval_fail(ev, LB_ERR_NOT_FOUND, n->col, "undefined "
		    "name '%.60s%s'", n->str, strlen(n->str) > 60 ? "..." : "");
	rc = value_check(&out->v, 0);
	if (rc == LB_ERR_LIMIT)
		return eval_fail(ev, rc, n->col, "value of '%.60s%s' nested "
		    "deeper than %d levels", n->str,
		    strlen(n->str) > 60 ? "..." : "", EXPR_MAX_DEPTH);
	if (rc != 0)
		return eval_fail(ev, rc, n->col, "lookup of '%.60s%s' gave a "
		    "malformed value", n->str,
		    strlen(n->str) > 60 ? "..." : "");
	return 0;
}

static int	eval_node(struct eval *, const struct node *, struct val *);

/* "and" stops at the first false operand, "or" at the first true one. */
static int
eval_chain(struct eval *ev, const struct node *n, bool *res)
{
	struct val	 v;
	size_t		 i;
	bool		 stop = n->kind == N_OR;
	int		 rc;

	for (i = 0; i < n->nkids; i++) {
		if ((rc = eval_node(ev, n->kids[i], &v)) != 0)
			return rc;
		if (truthy(&v.v) == stop) {
			*res = stop;
			return 0;
		}
	}
	*res = !stop;
	return 0;
}

static int
eval_node(struct eval *ev, const struct node *n, struct val *out)
{
	struct val	 a, b;
	bool		 res = false;
	int		 rc;

	switch (n->kind) {
	case N_LIT:
	case N_LIST:
		out->v = n->v;
		out->ext = false;
		return 0;
	case N_NAME:
		return eval_name(ev, n, out);
	case N_NOT:
		if ((rc = eval_node(ev, n->kids[0], &a)) != 0)
			return rc;
		res = !truthy(&a.v);
		break;
	case N_AND:
	case N_OR:
		if ((rc = eval_chain(ev, n, &res)) != 0)
			return rc;
		break;
	case N_CMP:
		if ((rc = eval_node(ev, n->kids[0], &a)) != 0 ||
		    (rc = eval_node(ev, n->kids[1], &b)) != 0 ||
		    (rc = eval_cmp(ev, n, &a, &b, &res)) != 0)
			return rc;
		break;
	}
	memset(out, 0, sizeof *out);
	out->v.type = EXPR_BOOL;
	out->v.b = res;
	return 0;
}

int
expr_eval(const struct expr *e, expr_lookup_fn *lookup, void *arg,
    bool *result, struct expr_error *err)
{
	struct eval	 ev;
	struct val	 v;
	int		 rc;

	*result = false;
	clear_error(err);
	ev.lookup = lookup;
	ev.arg = arg;
	ev.err = err;
	if ((rc = eval_node(&ev, e->root, &v)) != 0)
		return rc;
	*result = truthy(&v.v);
	return 0;
}
