/*
 * Strict JSON reader (see jsonr.h).  A recursive descent over the bytes,
 * one function per production; the recursion goes one level per array
 * or object, so JSONR_MAX_DEPTH bounds it.  Every read of a byte checks
 * the position against len first.  Positions are byte offsets until an
 * error needs a line and a column: fail() counts them then.
 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "jsonr.h"
#include "xmalloc.h"

/* Up to this many keys an object is searched for a duplicate in turn. */
#define JSONR_SCAN_KEYS	16
/* Numbers this long or shorter are converted from a buffer on the stack. */
#define JSONR_NUM_STACK	64

struct keyset {
	size_t		*slot;		/* index + 1 into the keys, 0: empty */
	size_t		 n;		/* slots: 0, or a power of two */
};

struct reader {
	struct arena		*a;
	const unsigned char	*p;
	size_t			 len;
	size_t			 pos;
	size_t			 open;	/* the quote of the string being read */
	struct jsonr_error	*err;
};

static int	parse_value(struct reader *, int, struct jv **);

static int	fail(struct reader *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Fills the error for the byte at offset at; returns LB_ERR_INVALID. */
static int
fail(struct reader *r, size_t at, const char *fmt, ...)
{
	struct jsonr_error	*err = r->err;
	va_list			 ap;
	size_t			 i;

	err->line = 1;
	err->col = 1;
	for (i = 0; i < at && i < r->len; i++) {
		if (r->p[i] == '\n') {
			err->line++;
			err->col = 1;
		} else
			err->col++;
	}
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return LB_ERR_INVALID;
}

/* Describes byte c for a message: 'x' when printable ASCII. */
static const char *
show(int c, char *tmp, size_t size)
{
	if (c > 0x20 && c < 0x7f && c != '\'')
		snprintf(tmp, size, "'%c'", c);
	else
		snprintf(tmp, size, "byte 0x%02x", (unsigned)c);
	return tmp;
}

/* The next byte, or -1 at the end. */
static int
peek(const struct reader *r)
{
	return r->pos < r->len ? r->p[r->pos] : -1;
}

/* The byte at r->pos is not what the grammar allows there. */
static int
unexpected(struct reader *r)
{
	char	 tmp[16];
	int	 c = peek(r);

	if (c < 0)
		return fail(r, r->pos, "unexpected end of input");
	return fail(r, r->pos, "unexpected %s", show(c, tmp, sizeof tmp));
}

static void
skip_ws(struct reader *r)
{
	int	 c;

	for (;;) {
		c = peek(r);
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->pos++;
	}
}

/* Doubles the room of an arena array of elements of size bytes. */
static void *
grow(struct arena *a, void *p, size_t cap, size_t size)
{
	size_t	 ncap = cap != 0 ? cap * 2 : 4;

	return arena_realloc(a, p, cap * size, ncap * size);
}

/* Expects the bytes of word; a literal true, false or null. */
static int
parse_word(struct reader *r, const char *word, struct jv *v)
{
	size_t	 i;

	for (i = 0; word[i] != '\0'; i++) {
		if (peek(r) != (unsigned char)word[i])
			return unexpected(r);
		r->pos++;
	}
	switch (word[0]) {
	case 't':
		v->type = JV_BOOL;
		v->b = true;
		break;
	case 'f':
		v->type = JV_BOOL;
		break;
	default:
		v->type = JV_NULL;
		break;
	}
	return 0;
}

/* One or more decimal digits. */
static int
digits(struct reader *r)
{
	int	 c = peek(r);

	if (c < '0' || c > '9')
		return unexpected(r);
	do {
		r->pos++;
		c = peek(r);
	} while (c >= '0' && c <= '9');
	return 0;
}

/*
 * Converts s[0..n), which the grammar has checked, with strtod().  The
 * program runs in the user's locale, where the decimal point may be a
 * comma: the '.' is replaced by the locale's own before converting.
 */
static double
to_double(const unsigned char *s, size_t n)
{
	const char	*dp = localeconv()->decimal_point;
	char		 stack[JSONR_NUM_STACK + 8], *tmp = stack;
	size_t		 dplen = strlen(dp), i, j = 0;
	double		 d;

	if (dplen == 0 || dplen > 8) {
		dp = ".";
		dplen = 1;
	}
	if (n > JSONR_NUM_STACK)
		tmp = xmalloc(n + dplen + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			memcpy(tmp + j, dp, dplen);
			j += dplen;
		} else
			tmp[j++] = (char)s[i];
	}
	tmp[j] = '\0';
	d = strtod(tmp, NULL);
	if (tmp != stack)
		free(tmp);
	return d;
}

/* Sets v->i and is_int when the integer s[0..n) fits an int64_t. */
static void
to_int(const unsigned char *s, size_t n, struct jv *v)
{
	uint64_t	 u = 0, max = INT64_MAX;
	bool		 neg = s[0] == '-';
	size_t		 i;

	if (neg)
		max = (uint64_t)INT64_MAX + 1;
	for (i = neg; i < n; i++) {
		if (u > (max - (s[i] - '0')) / 10)
			return;
		u = u * 10 + (s[i] - '0');
	}
	v->is_int = true;
	if (!neg)
		v->i = (int64_t)u;
	else if (u == (uint64_t)INT64_MAX + 1)
		v->i = INT64_MIN;
	else
		v->i = -(int64_t)u;
}

/* number = [ "-" ] int [ frac ] [ exp ], RFC 8259 section 6. */
static int
parse_number(struct reader *r, struct jv *v)
{
	size_t	 start = r->pos;
	bool	 integer = true;
	int	 c;

	v->type = JV_NUM;
	if (peek(r) == '-')
		r->pos++;
	if (peek(r) == '0') {
		r->pos++;
		c = peek(r);
		if (c >= '0' && c <= '9')
			return fail(r, r->pos, "leading zero in a number");
	} else if (digits(r) != 0)
		return LB_ERR_INVALID;
	if (peek(r) == '.') {
		r->pos++;
		integer = false;
		if (digits(r) != 0)
			return LB_ERR_INVALID;
	}
	c = peek(r);
	if (c == 'e' || c == 'E') {
		r->pos++;
		integer = false;
		c = peek(r);
		if (c == '+' || c == '-')
			r->pos++;
		if (digits(r) != 0)
			return LB_ERR_INVALID;
	}
	if (integer)
		to_int(r->p + start, r->pos - start, v);
	v->d = to_double(r->p + start, r->pos - start);
	if (isinf(v->d))
		return fail(r, start, "number out of range");
	return 0;
}

/* Bytes between the quote at r->pos - 1 and the closing one (or the end). */
static size_t
string_span(const struct reader *r)
{
	size_t	 i;

	for (i = r->pos; i < r->len && r->p[i] != '"'; i++) {
		if (r->p[i] == '\\')
			i++;
	}
	return (i < r->len ? i : r->len) - r->pos;
}

/*
 * The length of the valid UTF-8 sequence at p[0..n), p[0] >= 0x80; or 0
 * with *bad set to the offset of the byte that makes it invalid (n when
 * the input ends first).  The second byte's range rules out overlong
 * forms, surrogates and values past U+10FFFF (RFC 3629 section 4).
 */
static size_t
utf8_valid(const unsigned char *p, size_t n, size_t *bad)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 len, i;

	*bad = 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i < len; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/* Encodes cp (not a surrogate, at most U+10FFFF); returns the length. */
static size_t
utf8_put(char *dst, unsigned long cp)
{
	unsigned char	*d = (unsigned char *)dst;

	if (cp < 0x80) {
		d[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = 0xc0 | cp >> 6;
		d[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = 0xe0 | cp >> 12;
		d[1] = 0x80 | (cp >> 6 & 0x3f);
		d[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	d[0] = 0xf0 | cp >> 18;
	d[1] = 0x80 | (cp >> 12 & 0x3f);
	d[2] = 0x80 | (cp >> 6 & 0x3f);
	d[3] = 0x80 | (cp & 0x3f);
	return 4;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits of the \u escape at offset at. */
static int
read_hex4(struct reader *r, size_t at, unsigned long *cp)
{
	size_t	 i;
	int	 h;
	char	 tmp[16];

	*cp = 0;
	for (i = at + 2; i < at + 6; i++) {
		if (i >= r->len)
			return fail(r, r->open, "unterminated string");
		h = hexval(r->p[i]);
		if (h < 0)
			return fail(r, i, "invalid \\u escape: %s is no hex "
			    "digit", show(r->p[i], tmp, sizeof tmp));
		*cp = *cp << 4 | (unsigned long)h;
	}
	return 0;
}

/* Is there a \u escape of a low surrogate at offset at?  Sets *lo. */
static bool
low_surrogate(const struct reader *r, size_t at, unsigned long *lo)
{
	size_t	 i;
	int	 h;

	if (at > r->len || r->len - at < 6 || r->p[at] != '\\' ||
	    r->p[at + 1] != 'u')
		return false;
	*lo = 0;
	for (i = at + 2; i < at + 6; i++) {
		h = hexval(r->p[i]);
		if (h < 0)
			return false;
		*lo = *lo << 4 | (unsigned long)h;
	}
	return *lo >= 0xdc00 && *lo <= 0xdfff;
}

/* A \u escape at r->pos, or a surrogate pair of two; writes UTF-8. */
static int
read_u(struct reader *r, char *dst, size_t *n, bool key)
{
	size_t		 at = r->pos;
	unsigned long	 cp, lo;

	if (read_hex4(r, at, &cp) != 0)
		return LB_ERR_INVALID;
	r->pos += 6;
	if (cp >= 0xd800 && cp <= 0xdbff && low_surrogate(r, r->pos, &lo)) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		r->pos += 6;
	} else if (cp >= 0xd800 && cp <= 0xdfff)
		return fail(r, at, "lone surrogate \\u%04lx", cp);
	if (cp == 0 && key)
		return fail(r, at, "\\u0000 in a key");
	*n = utf8_put(dst, cp);
	return 0;
}

/* The escape at r->pos; its decoded bytes go to dst, *n of them. */
static int
read_escape(struct reader *r, char *dst, size_t *n, bool key)
{
	static const char	 from[] = "\"\\/bfnrt";
	static const char	 to[] = "\"\\/\b\f\n\r\t";
	const char		*q;
	char			 tmp[16];
	int			 c;

	if (r->pos + 1 >= r->len)
		return fail(r, r->open, "unterminated string");
	c = r->p[r->pos + 1];
	if (c == 'u')
		return read_u(r, dst, n, key);
	q = c != '\0' ? strchr(from, c) : NULL;
	if (q == NULL)
		return fail(r, r->pos + 1, "invalid escape character %s",
		    show(c, tmp, sizeof tmp));
	dst[0] = to[q - from];
	*n = 1;
	r->pos += 2;
	return 0;
}

/* Copies the UTF-8 sequence at r->pos to dst, once it is known valid. */
static int
read_utf8(struct reader *r, char *dst, size_t *n)
{
	size_t	 bad;

	*n = utf8_valid(r->p + r->pos, r->len - r->pos, &bad);
	if (*n == 0) {
		if (r->pos + bad >= r->len)
			return fail(r, r->open, "unterminated string");
		return fail(r, r->pos + bad, "invalid UTF-8");
	}
	memcpy(dst, r->p + r->pos, *n);
	r->pos += *n;
	return 0;
}

/*
 * The string at r->pos, decoded into the arena.  No escape decodes to
 * more bytes than it takes in the input, so the span to the closing
 * quote is room enough.
 */
static int
parse_string(struct reader *r, const char **sp, size_t *lenp, bool key)
{
	char	*s;
	size_t	 n = 0, k = 0;
	int	 c, rc;

	r->open = r->pos++;
	s = arena_alloc(r->a, string_span(r) + 1);
	for (;;) {
		c = peek(r);
		if (c < 0)
			return fail(r, r->open, "unterminated string");
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(r, r->pos, "unescaped control character "
			    "0x%02x in a string", (unsigned)c);
		if (c == '\\')
			rc = read_escape(r, s + n, &k, key);
		else if (c >= 0x80)
			rc = read_utf8(r, s + n, &k);
		else {
			s[n] = (char)c;
			k = 1;
			r->pos++;
			rc = 0;
		}
		if (rc != 0)
			return rc;
		n += k;
	}
	r->pos++;
	s[n] = '\0';
	*sp = s;
	*lenp = n;
	return 0;
}

/*
 * Writes key for a message, '"' and '\' escaped and control characters
 * shown as '?', cut at a character boundary with "..." when it is long.
 */
static const char *
show_key(const char *key, char *dst, size_t size)
{
	const unsigned char	*k = (const unsigned char *)key;
	size_t			 i = 0, j = 0, n;

	while (k[i] != '\0') {
		if (k[i] < 0x80)
			n = k[i] == '"' || k[i] == '\\' ? 2 : 1;
		else
			n = k[i] >= 0xf0 ? 4 : k[i] >= 0xe0 ? 3 : 2;
		if (j + n + 4 > size) {
			memcpy(dst + j, "...", 3);
			j += 3;
			break;
		}
		if (k[i] == '"' || k[i] == '\\')
			dst[j++] = '\\';
		if (k[i] < 0x80) {
			dst[j++] = k[i] < 0x20 || k[i] == 0x7f ? '?' : k[i];
			i++;
		} else {
			memcpy(dst + j, k + i, n);
			i += n;
			j += n;
		}
	}
	dst[j] = '\0';
	return dst;
}

/* FNV-1a. */
static size_t
key_hash(const char *s)
{
	size_t	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Puts keys[i] in the set; false when an equal key is there already. */
static bool
keyset_add(struct keyset *ks, const char **keys, size_t i)
{
	size_t	 h, mask = ks->n - 1;

	for (h = key_hash(keys[i]) & mask; ks->slot[h] != 0;
	    h = (h + 1) & mask) {
		if (strcmp(keys[ks->slot[h] - 1], keys[i]) == 0)
			return false;
	}
	ks->slot[h] = i + 1;
	return true;
}

/*
 * Is keys[n] unlike all of keys[0..n)?  A small object is searched in
 * turn; a large one gets a hash set (kept at most half full), so that a
 * hostile object of many keys does not take quadratic time.
 */
static bool
key_new(struct arena *a, struct keyset *ks, const char **keys, size_t n)
{
	size_t	 i;

	if (n < JSONR_SCAN_KEYS) {
		for (i = 0; i < n; i++) {
			if (strcmp(keys[i], keys[n]) == 0)
				return false;
		}
		return true;
	}
	if (ks->n < 2 * (n + 1)) {
		ks->n = ks->n != 0 ? ks->n * 2 : 4 * JSONR_SCAN_KEYS;
		ks->slot = arena_allocarray(a, ks->n, sizeof *ks->slot);
		for (i = 0; i < n; i++)
			(void)keyset_add(ks, keys, i);
	}
	return keyset_add(ks, keys, n);
}

/* One "key": value at r->pos, appended to the object v. */
static int
parse_member(struct reader *r, int depth, struct jv *v, size_t *cap,
    struct keyset *ks)
{
	const char	*key;
	char		 tmp[96];
	size_t		 at = r->pos, klen;

	if (peek(r) != '"')
		return unexpected(r);
	if (parse_string(r, &key, &klen, true) != 0)
		return LB_ERR_INVALID;
	if (v->len == *cap) {
		v->keys = grow(r->a, v->keys, *cap, sizeof *v->keys);
		v->v = grow(r->a, v->v, *cap, sizeof *v->v);
		*cap = *cap != 0 ? *cap * 2 : 4;
	}
	v->keys[v->len] = key;
	if (!key_new(r->a, ks, v->keys, v->len))
		return fail(r, at, "duplicate key \"%s\"",
		    show_key(key, tmp, sizeof tmp));
	skip_ws(r);
	if (peek(r) != ':')
		return unexpected(r);
	r->pos++;
	if (parse_value(r, depth, &v->v[v->len]) != 0)
		return LB_ERR_INVALID;
	v->len++;
	return 0;
}

/* The object at r->pos, which is depth containers deep. */
static int
parse_object(struct reader *r, int depth, struct jv *v)
{
	struct keyset	 ks = { NULL, 0 };
	size_t		 cap = 0;

	v->type = JV_OBJ;
	if (depth > JSONR_MAX_DEPTH)
		return fail(r, r->pos, "nesting deeper than %d",
		    JSONR_MAX_DEPTH);
	r->pos++;
	skip_ws(r);
	if (peek(r) == '}') {
		r->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(r);
		if (parse_member(r, depth, v, &cap, &ks) != 0)
			return LB_ERR_INVALID;
		skip_ws(r);
		if (peek(r) == '}') {
			r->pos++;
			return 0;
		}
		if (peek(r) != ',')
			return unexpected(r);
		r->pos++;
	}
}

/* The array at r->pos, which is depth containers deep. */
static int
parse_array(struct reader *r, int depth, struct jv *v)
{
	size_t	 cap = 0;

	v->type = JV_ARR;
	if (depth > JSONR_MAX_DEPTH)
		return fail(r, r->pos, "nesting deeper than %d",
		    JSONR_MAX_DEPTH);
	r->pos++;
	skip_ws(r);
	if (peek(r) == ']') {
		r->pos++;
		return 0;
	}
	for (;;) {
		if (v->len == cap) {
			v->v = grow(r->a, v->v, cap, sizeof *v->v);
			cap = cap != 0 ? cap * 2 : 4;
		}
		if (parse_value(r, depth, &v->v[v->len]) != 0)
			return LB_ERR_INVALID;
		v->len++;
		skip_ws(r);
		if (peek(r) == ']') {
			r->pos++;
			return 0;
		}
		if (peek(r) != ',')
			return unexpected(r);
		r->pos++;
	}
}

/* Any value at r->pos (after whitespace) inside depth containers. */
static int
parse_value(struct reader *r, int depth, struct jv **out)
{
	struct jv	*v;
	int		 c;

	skip_ws(r);
	v = *out = arena_alloc(r->a, sizeof *v);
	c = peek(r);
	switch (c) {
	case '{':
		return parse_object(r, depth + 1, v);
	case '[':
		return parse_array(r, depth + 1, v);
	case '"':
		v->type = JV_STR;
		return parse_string(r, &v->s, &v->len, false);
	case 't':
		return parse_word(r, "true", v);
	case 'f':
		return parse_word(r, "false", v);
	case 'n':
		return parse_word(r, "null", v);
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(r, v);
		return unexpected(r);
	}
}

int
jsonr_parse(struct arena *a, const char *data, size_t len, struct jv **out,
    struct jsonr_error *err)
{
	struct jsonr_error	 dummy;
	struct reader		 r;
	struct jv		*v;

	*out = NULL;
	memset(&r, 0, sizeof r);
	r.a = a;
	r.p = (const unsigned char *)data;
	r.len = len;
	r.err = err != NULL ? err : &dummy;
	memset(r.err, 0, sizeof *r.err);
	if (parse_value(&r, 0, &v) != 0)
		return LB_ERR_INVALID;
	skip_ws(&r);
	if (r.pos < r.len)
		return fail(&r, r.pos, "trailing characters after the value");
	*out = v;
	return 0;
}

const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	size_t	 i;

	if (obj == NULL || obj->type != JV_OBJ || key == NULL)
		return NULL;
	for (i = 0; i < obj->len; i++) {
		if (strcmp(obj->keys[i], key) == 0)
			return obj->v[i];
	}
	return NULL;
}

const char *
jv_str(const struct jv *obj, const char *key)
{
	const struct jv	*v = jv_get(obj, key);

	return v != NULL && v->type == JV_STR ? v->s : NULL;
}

int64_t
jv_int(const struct jv *obj, const char *key, int64_t dflt)
{
	const struct jv	*v = jv_get(obj, key);

	return v != NULL && v->type == JV_NUM && v->is_int ? v->i : dflt;
}

bool
jv_bool(const struct jv *obj, const char *key, bool dflt)
{
	const struct jv	*v = jv_get(obj, key);

	return v != NULL && v->type == JV_BOOL ? v->b : dflt;
}
