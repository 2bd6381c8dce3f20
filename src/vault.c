/*
 * The key vault (see vault.h): records in memory, their merge rules and
 * look-up by key ID, the JSON inside the file (written here, read with
 * jsonr), and the file itself: age-encrypted, rewritten atomically,
 * guarded by a lock file for writers.
 *
 * Strings live in a small arena of chunks from sodium_malloc(), so
 * passwords sit in guarded memory that is wiped when the vault is
 * freed; the record structs hold only pointers and times.  Two arrays
 * of pointers order the current records: for vault_get() by site,
 * host, volume and id, and an index by id for vault_find()'s binary
 * search (canonical ids sort as their hex digits do, the dashes being
 * at fixed places).
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "arena.h"
#include "atomic.h"
#include "errors.h"
#include "jsonr.h"
#include "vault.h"
#include "xmalloc.h"

#define CHUNK_SIZE	16384
#define MAX_FIELD	1024		/* bytes in any one string */
#define MAX_FILE	(64UL << 20)	/* a vault, an identity file */
#define MAX_FETCHED	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define TIME_LEN	20		/* "2024-07-19T06:30:12Z" */

struct schunk {
	struct schunk	*next;
	char		*mem;		/* sodium_malloc() */
	size_t		 used, cap;
};

struct vault {
	struct schunk		 *chunks;
	struct vault_key	**cur;		/* by site, host, volume, id */
	struct vault_key	**idx;		/* by id */
	size_t			  ncur, capcur;
	struct vault_key	**hist;		/* by fetched, stable */
	size_t			  nhist, caphist;
};

static void
init_sodium(void)
{
	if (sodium_init() < 0)
		abort();
}

static void __attribute__((format(printf, 3, 4)))
setwhy(char *why, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	if (why == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	/* One line, whatever names the file holds. */
	for (; *why != '\0'; why++)
		if ((unsigned char)*why < 0x20 || *why == 0x7f)
			*why = '?';
}

/* A copy of s in the vault's secure memory. */
static const char *
sstrdup(struct vault *v, const char *s)
{
	struct schunk	*c = v->chunks;
	size_t		 n = strlen(s) + 1;
	char		*p;

	if (c == NULL || c->cap - c->used < n) {
		c = xcalloc(1, sizeof *c);
		c->cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
		if ((c->mem = sodium_malloc(c->cap)) == NULL) {
			fprintf(stderr, "lifeboat: out of secure memory\n");
			abort();
		}
		c->next = v->chunks;
		v->chunks = c;
	}
	p = c->mem + c->used;
	memcpy(p, s, n);
	c->used += n;
	return p;
}

struct vault *
vault_new(void)
{
	init_sodium();
	return xcalloc(1, sizeof(struct vault));
}

void
vault_free(struct vault *v)
{
	struct schunk	*c, *next;
	size_t		 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->ncur; i++)
		free(v->cur[i]);
	for (i = 0; i < v->nhist; i++)
		free(v->hist[i]);
	free(v->cur);
	free(v->idx);
	free(v->hist);
	for (c = v->chunks; c != NULL; c = next) {
		next = c->next;
		sodium_free(c->mem);
		free(c);
	}
	free(v);
}

size_t
vault_count(const struct vault *v)
{
	return v->ncur;
}

const struct vault_key *
vault_get(const struct vault *v, size_t i)
{
	return i < v->ncur ? v->cur[i] : NULL;
}

size_t
vault_history_count(const struct vault *v)
{
	return v->nhist;
}

const struct vault_key *
vault_history_get(const struct vault *v, size_t i)
{
	return i < v->nhist ? v->hist[i] : NULL;
}

/* Records. */

/*
 * Whether s is UTF-8 as the JSON reader takes it: no overlong forms,
 * no surrogates, nothing past U+10FFFF.
 */
static bool
utf8_valid(const unsigned char *s)
{
	unsigned	 c, n, i, cp, min;

	while ((c = *s++) != 0) {
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return false;
		for (i = 0; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n;
	}
	return true;
}

static bool
field_ok(const char *s)
{
	return strlen(s) <= MAX_FIELD && utf8_valid((const unsigned char *)s);
}

static const char *
nz(const char *s)
{
	return s == NULL ? "" : s;
}

/*
 * Checks k and fills in the canonical id and password.  Returns 0, or
 * -1 with a static reason that never holds the password.
 */
static int
check_key(const struct vault_key *k, char id[BL_KEYID_LEN + 1],
    char pw[BL_PASSWORD_LEN + 1], const char **why)
{
	const char	*pwhy;

	if (k->id == NULL || bl_keyid_canon(k->id, id) != 0) {
		*why = "id is not a key protector ID";
		return -1;
	}
	if (k->password == NULL) {
		*why = "no recovery password";
		return -1;
	}
	if (bl_password_canon(k->password, pw, &pwhy) != 0) {
		*why = pwhy;
		return -1;
	}
	if (k->host == NULL || k->host[0] == '\0') {
		*why = "no host";
		return -1;
	}
	if (k->source == NULL || k->source[0] == '\0') {
		*why = "no source";
		return -1;
	}
	if (!field_ok(k->host) || !field_ok(k->source) ||
	    !field_ok(nz(k->site)) || !field_ok(nz(k->volume)) ||
	    !field_ok(nz(k->created))) {
		*why = "a field is too long or not UTF-8";
		return -1;
	}
	if (k->fetched < 0 || k->fetched > MAX_FETCHED) {
		*why = "fetch time out of range";
		return -1;
	}
	return 0;
}

/* A new record of k (checked) with strings in the vault's memory. */
static struct vault_key *
key_copy(struct vault *v, const struct vault_key *k, const char *id,
    const char *pw)
{
	struct vault_key	*r = xcalloc(1, sizeof *r);

	r->id = sstrdup(v, id);
	r->host = sstrdup(v, k->host);
	r->site = sstrdup(v, nz(k->site));
	r->volume = sstrdup(v, nz(k->volume));
	r->password = sstrdup(v, pw);
	r->source = sstrdup(v, k->source);
	r->created = sstrdup(v, nz(k->created));
	r->fetched = k->fetched;
	return r;
}

/* Same content, the fetch time aside; a and b are canonical. */
static bool
key_same(const struct vault_key *a, const struct vault_key *b)
{
	return strcmp(a->host, b->host) == 0 &&
	    strcmp(a->site, b->site) == 0 &&
	    strcmp(a->volume, b->volume) == 0 &&
	    sodium_memcmp(a->password, b->password, BL_PASSWORD_LEN) == 0 &&
	    strcmp(a->source, b->source) == 0 &&
	    strcmp(a->created, b->created) == 0;
}

static int
order_cmp(const struct vault_key *a, const struct vault_key *b)
{
	int	 c;

	if ((c = strcmp(a->site, b->site)) != 0)
		return c;
	if ((c = strcmp(a->host, b->host)) != 0)
		return c;
	if ((c = strcmp(a->volume, b->volume)) != 0)
		return c;
	return strcmp(a->id, b->id);
}

/* The first index position whose id is not below id. */
static size_t
idx_lower(const struct vault *v, const char *id)
{
	size_t	 lo = 0, hi = v->ncur, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(v->idx[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t
cur_lower(const struct vault *v, const struct vault_key *k)
{
	size_t	 lo = 0, hi = v->ncur, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (order_cmp(v->cur[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
ptr_insert(struct vault_key **a, size_t n, size_t at, struct vault_key *k)
{
	memmove(a + at + 1, a + at, (n - at) * sizeof *a);
	a[at] = k;
}

static void
cur_add(struct vault *v, struct vault_key *k)
{
	if (v->ncur == v->capcur) {
		v->capcur = v->capcur == 0 ? 16 : v->capcur * 2;
		v->cur = xreallocarray(v->cur, v->capcur, sizeof *v->cur);
		v->idx = xreallocarray(v->idx, v->capcur, sizeof *v->idx);
	}
	ptr_insert(v->cur, v->ncur, cur_lower(v, k), k);
	ptr_insert(v->idx, v->ncur, idx_lower(v, k->id), k);
	v->ncur++;
}

/* Removes k, which must be current, from the ordered array (only). */
static void
cur_remove_order(struct vault *v, const struct vault_key *k)
{
	size_t	 at = cur_lower(v, k);

	memmove(v->cur + at, v->cur + at + 1,
	    (v->ncur - at - 1) * sizeof *v->cur);
}

static void
hist_add(struct vault *v, struct vault_key *k)
{
	size_t	 at = v->nhist;

	if (v->nhist == v->caphist) {
		v->caphist = v->caphist == 0 ? 16 : v->caphist * 2;
		v->hist = xreallocarray(v->hist, v->caphist, sizeof *v->hist);
	}
	/* After every record fetched no later: oldest first, stable. */
	while (at > 0 && v->hist[at - 1]->fetched > k->fetched)
		at--;
	ptr_insert(v->hist, v->nhist, at, k);
	v->nhist++;
}

static bool
hist_has(const struct vault *v, const struct vault_key *k)
{
	size_t	 i;

	for (i = 0; i < v->nhist; i++) {
		if (strcmp(v->hist[i]->id, k->id) == 0 &&
		    key_same(v->hist[i], k))
			return true;
	}
	return false;
}

int
vault_put(struct vault *v, const struct vault_key *k,
    enum vault_put_result *res, const char **why)
{
	struct vault_key	 tmp, *old, *nk;
	char			 id[BL_KEYID_LEN + 1];
	char			 pw[BL_PASSWORD_LEN + 1];
	size_t			 at;
	int			 r = LB_ERR_INVALID;

	*why = NULL;
	*res = VAULT_SAME;
	if (check_key(k, id, pw, why) != 0)
		goto out;
	r = 0;
	tmp = *k;
	tmp.id = id;
	tmp.password = pw;
	tmp.site = nz(k->site);
	tmp.volume = nz(k->volume);
	tmp.created = nz(k->created);
	at = idx_lower(v, id);
	if (at == v->ncur || strcmp(v->idx[at]->id, id) != 0) {
		cur_add(v, key_copy(v, &tmp, id, pw));
		*res = VAULT_NEW;
		goto out;
	}
	old = v->idx[at];
	if (key_same(old, &tmp))
		goto out;
	if (tmp.fetched <= old->fetched) {
		/* Older news: history, once. */
		if (!hist_has(v, &tmp)) {
			hist_add(v, key_copy(v, &tmp, id, pw));
			*res = VAULT_OLDER;
		}
		goto out;
	}
	nk = key_copy(v, &tmp, id, pw);
	cur_remove_order(v, old);
	v->ncur--;
	ptr_insert(v->cur, v->ncur, cur_lower(v, nk), nk);
	v->ncur++;
	v->idx[at] = nk;
	hist_add(v, old);
	*res = VAULT_UPDATED;
out:
	sodium_memzero(pw, sizeof pw);
	return r;
}

int
vault_find(const struct vault *v, const char *keyid,
    const struct vault_key **out, size_t max)
{
	char	 hex[BL_KEYID_HEX + 1], pre[BL_KEYID_LEN + 1];
	size_t	 i, at, o = 0, plen;
	int	 n, count = 0;

	if ((n = bl_keyid_hex(keyid, hex)) < 0)
		return -1;
	/* The canonical form's prefix: dashes after 8, 12, 16, 20. */
	for (i = 0; i < (size_t)n; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			pre[o++] = '-';
		pre[o++] = hex[i];
	}
	pre[o] = '\0';
	plen = o;
	for (at = idx_lower(v, pre); at < v->ncur; at++) {
		if (strncmp(v->idx[at]->id, pre, plen) != 0)
			break;
		if ((size_t)count < max)
			out[count] = v->idx[at];
		count++;
	}
	return count;
}

/* Times. */

static void
time_fmt(int64_t t, char out[TIME_LEN + 1])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYY-MM-DDTHH:MM:SSZ" exactly, a real date; 0 or -1. */
static int
time_parse(const char *s, int64_t *t)
{
	static const char	 pat[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm		 tm;
	char			 back[TIME_LEN + 1];
	time_t			 tt;
	size_t			 i;

	if (strlen(s) != TIME_LEN)
		return -1;
	for (i = 0; i < TIME_LEN; i++) {
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
			return -1;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	tt = timegm(&tm);
	if (tt < 0)
		return -1;
	/* Feb 30 and 25:00 normalise to another time: refuse them. */
	time_fmt((int64_t)tt, back);
	if (strcmp(back, s) != 0)
		return -1;
	*t = (int64_t)tt;
	return 0;
}

/* The JSON inside.  Written twice: once to count, once for real. */

struct jw {
	char	*p;		/* NULL: only count */
	size_t	 len;
};

static void
jw_add(struct jw *w, const char *s, size_t n)
{
	if (w->p != NULL)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
jw_adds(struct jw *w, const char *s)
{
	jw_add(w, s, strlen(s));
}

static void
jw_str(struct jw *w, const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	char			 e[6] = { '\\', 'u', '0', '0', 0, 0 };

	jw_add(w, "\"", 1);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			jw_add(w, "\\", 1);
			jw_add(w, (const char *)p, 1);
		} else if (*p == '\n')
			jw_add(w, "\\n", 2);
		else if (*p == '\t')
			jw_add(w, "\\t", 2);
		else if (*p < 0x20 || *p == 0x7f) {
			e[4] = hex[*p >> 4];
			e[5] = hex[*p & 15];
			jw_add(w, e, 6);
		} else
			jw_add(w, (const char *)p, 1);
	}
	jw_add(w, "\"", 1);
}

static void
jw_kv(struct jw *w, const char *key, const char *val, bool more)
{
	jw_str(w, key);
	jw_add(w, ": ", 2);
	jw_str(w, val);
	if (more)
		jw_add(w, ", ", 2);
}

static void
jw_key(struct jw *w, const struct vault_key *k, bool more)
{
	char	 t[TIME_LEN + 1];

	time_fmt(k->fetched, t);
	jw_adds(w, "  {");
	jw_kv(w, "id", k->id, true);
	jw_kv(w, "host", k->host, true);
	jw_kv(w, "site", k->site, true);
	jw_kv(w, "volume", k->volume, true);
	jw_kv(w, "password", k->password, true);
	jw_kv(w, "source", k->source, true);
	jw_kv(w, "created", k->created, true);
	jw_kv(w, "fetched", t, false);
	jw_adds(w, more ? "},\n" : "}\n");
}

static void
jw_vault(struct jw *w, const struct vault *v)
{
	size_t	 i;

	jw_adds(w, "{\"lifeboat_vault\": 1,\n \"keys\": [\n");
	for (i = 0; i < v->ncur; i++)
		jw_key(w, v->cur[i], i + 1 < v->ncur);
	jw_adds(w, " ],\n \"history\": [\n");
	for (i = 0; i < v->nhist; i++)
		jw_key(w, v->hist[i], i + 1 < v->nhist);
	jw_adds(w, " ]}\n");
}

/* The vault's JSON in secure memory (sodium_free() it). */
static char *
vault_json(const struct vault *v, size_t *len)
{
	struct jw	 w = { NULL, 0 };

	jw_vault(&w, v);
	if ((w.p = sodium_malloc(w.len + 1)) == NULL)
		return NULL;
	*len = w.len;
	w.len = 0;
	jw_vault(&w, v);
	w.p[w.len] = '\0';
	return w.p;
}

/* Reading the JSON. */

static const char *const key_fields[] = { "id", "host", "site", "volume",
    "password", "source", "created", "fetched", NULL };

static bool
in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return true;
	}
	return false;
}

/* One record of the file, as name[i] says where. */
static int
read_key(struct vault *v, const struct jv *o, bool history,
    const char *where, char *why, size_t whylen)
{
	struct vault_key	 k;
	const struct jv		*f;
	const char		*s, *r;
	char			 id[BL_KEYID_LEN + 1];
	char			 pw[BL_PASSWORD_LEN + 1];
	size_t			 i, at;
	int			 ret = LB_ERR_INVALID;

	if (o->type != JV_OBJ) {
		setwhy(why, whylen, "%s: not an object", where);
		return ret;
	}
	for (i = 0; i < o->len; i++) {
		f = o->v[i];
		if (!in_list(key_fields, o->keys[i])) {
			setwhy(why, whylen, "%s: unknown field \"%s\"", where,
			    o->keys[i]);
			return ret;
		}
		if (f->type != JV_STR || strlen(f->s) != f->len) {
			setwhy(why, whylen, "%s.%s: not a string", where,
			    o->keys[i]);
			return ret;
		}
	}
	memset(&k, 0, sizeof k);
	k.id = jv_str(o, "id");
	k.host = jv_str(o, "host");
	k.site = jv_str(o, "site");
	k.volume = jv_str(o, "volume");
	k.password = jv_str(o, "password");
	k.source = jv_str(o, "source");
	k.created = jv_str(o, "created");
	if ((s = jv_str(o, "fetched")) == NULL ||
	    time_parse(s, &k.fetched) != 0) {
		setwhy(why, whylen, "%s.fetched: not a time "
		    "(YYYY-MM-DDTHH:MM:SSZ)", where);
		return ret;
	}
	if (check_key(&k, id, pw, &r) != 0) {
		setwhy(why, whylen, "%s: %s", where, r);
		goto out;
	}
	k.id = id;
	k.password = pw;
	if (history)
		hist_add(v, key_copy(v, &k, id, pw));
	else {
		at = idx_lower(v, id);
		if (at < v->ncur && strcmp(v->idx[at]->id, id) == 0) {
			setwhy(why, whylen, "%s: key %s twice", where, id);
			goto out;
		}
		cur_add(v, key_copy(v, &k, id, pw));
	}
	ret = 0;
out:
	sodium_memzero(pw, sizeof pw);
	return ret;
}

static int
read_list(struct vault *v, const struct jv *root, const char *name,
    char *why, size_t whylen)
{
	const struct jv	*a = jv_get(root, name);
	char		 where[64];
	size_t		 i;
	int		 r;

	if (a == NULL || a->type != JV_ARR) {
		setwhy(why, whylen, "\"%s\" missing or not an array", name);
		return LB_ERR_INVALID;
	}
	for (i = 0; i < a->len; i++) {
		snprintf(where, sizeof where, "%s[%zu]", name, i);
		r = read_key(v, a->v[i], strcmp(name, "history") == 0,
		    where, why, whylen);
		if (r != 0)
			return r;
	}
	return 0;
}

int
vault_parse(const char *text, size_t len, struct vault **out, char *why,
    size_t whylen)
{
	static const char *const	 top[] = { "lifeboat_vault", "keys",
	    "history", NULL };
	struct jsonr_error		 err;
	struct arena			*a = arena_new();
	struct vault			*v = NULL;
	struct jv			*root;
	const struct jv			*ver;
	size_t				 i;
	int				 r = LB_ERR_INVALID;

	*out = NULL;
	if (jsonr_parse(a, text, len, &root, &err) != 0) {
		/* "unexpected 'x'" would show a byte of the secrets. */
		if (strncmp(err.msg, "unexpected ", 11) == 0 &&
		    strcmp(err.msg, "unexpected end of input") != 0)
			snprintf(err.msg, sizeof err.msg,
			    "unexpected character");
		setwhy(why, whylen, "%zu:%zu: %s", err.line, err.col, err.msg);
		goto out;
	}
	if (root->type != JV_OBJ) {
		setwhy(why, whylen, "not a JSON object");
		goto out;
	}
	for (i = 0; i < root->len; i++) {
		if (!in_list(top, root->keys[i])) {
			setwhy(why, whylen, "unknown field \"%s\"",
			    root->keys[i]);
			goto out;
		}
	}
	ver = jv_get(root, "lifeboat_vault");
	if (ver == NULL || ver->type != JV_NUM || !ver->is_int) {
		setwhy(why, whylen, "not a lifeboat vault (no "
		    "\"lifeboat_vault\" version)");
		goto out;
	}
	if (ver->i != 1) {
		setwhy(why, whylen, "unsupported vault version %lld",
		    (long long)ver->i);
		goto out;
	}
	v = vault_new();
	if ((r = read_list(v, root, "keys", why, whylen)) != 0 ||
	    (r = read_list(v, root, "history", why, whylen)) != 0)
		goto out;
	*out = v;
	v = NULL;
	r = 0;
out:
	vault_free(v);
	arena_free_wipe(a);
	return r;
}

/* Files. */

/*
 * The whole file at path into memory from sodium_malloc() when secure,
 * else malloc(), with a NUL after it.  0, or an errno value (EFBIG when
 * larger than MAX_FILE).
 */
static int
slurp(const char *path, bool secure, char **out, size_t *len)
{
	struct stat	 st;
	char		*p;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, err = 0;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if (fstat(fd, &st) != 0) {
		err = errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_FILE) {
		close(fd);
		return S_ISREG(st.st_mode) ? EFBIG : EINVAL;
	}
	p = secure ? sodium_malloc((size_t)st.st_size + 1) :
	    malloc((size_t)st.st_size + 1);
	if (p == NULL) {
		close(fd);
		return ENOMEM;
	}
	/* Read what fstat said, and no more: the size is the bound. */
	while (off < (size_t)st.st_size) {
		n = read(fd, p + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : 0;
			break;
		}
		off += (size_t)n;
	}
	close(fd);
	if (err != 0) {
		if (secure)
			sodium_free(p);
		else
			free(p);
		return err;
	}
	p[off] = '\0';
	*out = p;
	*len = off;
	return 0;
}

static int
load_identities(const char *path, unsigned char (**keys)[AGE_KEY_LEN],
    size_t *n, char *why, size_t whylen)
{
	char	*text;
	size_t	 len, bad;
	int	 err, r;

	if ((err = slurp(path, true, &text, &len)) != 0) {
		setwhy(why, whylen, "%s: %s", path, strerror(err));
		return LB_ERR_SYSTEM;
	}
	r = age_identities_parse(text, len, keys, n, &bad);
	sodium_free(text);
	if (r == 0)
		return 0;
	if (bad > 0)
		setwhy(why, whylen, "%s:%zu: not an age identity", path, bad);
	else
		setwhy(why, whylen, "%s: %s", path, r == AGE_ERR_NOMEM ?
		    "out of memory" : "no age identity in the file");
	return LB_ERR_INVALID;
}

int
vault_load(const char *path, const struct vault_cred *cred,
    struct vault **out, char *why, size_t whylen)
{
	struct age_dkeys	 dk;
	unsigned char		(*ids)[AGE_KEY_LEN] = NULL;
	unsigned char		*pt = NULL;
	char			*ct = NULL, inner[256];
	size_t			 ctlen, ptlen, nids = 0;
	int			 err, r;

	*out = NULL;
	init_sodium();
	if ((err = slurp(path, false, &ct, &ctlen)) != 0) {
		if (err == ENOENT) {
			*out = vault_new();
			setwhy(why, whylen, "%s: no vault yet", path);
			return LB_ERR_NOT_FOUND;
		}
		setwhy(why, whylen, "%s: %s", path, err == EFBIG ?
		    "too large for a vault" : strerror(err));
		return err == EFBIG ? LB_ERR_INVALID : LB_ERR_SYSTEM;
	}
	if (cred->identity_file != NULL &&
	    (r = load_identities(cred->identity_file, &ids, &nids, why,
	    whylen)) != 0)
		goto out;
	dk.passphrase = cred->passphrase;
	dk.identities = (const unsigned char (*)[AGE_KEY_LEN])ids;
	dk.nidentities = nids;
	dk.max_log2n = 0;
	r = age_decrypt((unsigned char *)ct, ctlen, &dk, &pt, &ptlen);
	if (r != 0) {
		setwhy(why, whylen, "%s: %s", path, age_strerror(r));
		r = r == AGE_ERR_NOMEM ? LB_ERR_NOMEM : LB_ERR_INVALID;
		goto out;
	}
	if ((r = vault_parse((char *)pt, ptlen, out, inner,
	    sizeof inner)) != 0)
		setwhy(why, whylen, "%s:%s%s", path,
		    inner[0] >= '0' && inner[0] <= '9' ? "" : " ", inner);
out:
	age_plaintext_free(pt);
	age_plaintext_free((unsigned char *)ids);
	free(ct);
	return r;
}

/* The scrypt work factor for new files: 18, or the environment's. */
static int
work_factor(char *why, size_t whylen)
{
	const char	*s = getenv("LIFEBOAT_VAULT_WORK_FACTOR");
	char		*end;
	long		 n;

	if (s == NULL || *s == '\0')
		return AGE_LOG2N_DEFAULT;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < 10 || n > AGE_LOG2N_MAX) {
		setwhy(why, whylen, "LIFEBOAT_VAULT_WORK_FACTOR: \"%s\" is not "
		    "a number from 10 to %d", s, AGE_LOG2N_MAX);
		return -1;
	}
	return (int)n;
}

int
vault_save(const struct vault *v, const char *path,
    const struct vault_cred *cred, char *why, size_t whylen)
{
	struct age_ekeys	 ek;
	unsigned char		(*pks)[AGE_KEY_LEN] = NULL;
	unsigned char		*ct = NULL;
	char			*pt = NULL;
	size_t			 i, ptlen = 0, ctlen;
	int			 r = LB_ERR_INVALID, err;

	init_sodium();
	memset(&ek, 0, sizeof ek);
	if (cred->nrecipients > 0) {
		pks = xreallocarray(NULL, cred->nrecipients, sizeof *pks);
		for (i = 0; i < cred->nrecipients; i++) {
			if (age_recipient_parse(cred->recipients[i],
			    pks[i]) != 0) {
				setwhy(why, whylen, "bad recipient \"%s\"",
				    cred->recipients[i]);
				goto out;
			}
		}
		ek.recipients = (const unsigned char (*)[AGE_KEY_LEN])pks;
		ek.nrecipients = cred->nrecipients;
	} else if (cred->passphrase != NULL && cred->passphrase[0] != '\0') {
		ek.passphrase = cred->passphrase;
		if ((ek.log2n = work_factor(why, whylen)) < 0)
			goto out;
	} else {
		setwhy(why, whylen, "%s: no passphrase and no recipient", path);
		goto out;
	}
	if ((pt = vault_json(v, &ptlen)) == NULL) {
		setwhy(why, whylen, "%s: out of secure memory", path);
		r = LB_ERR_NOMEM;
		goto out;
	}
	if ((err = age_encrypt((unsigned char *)pt, ptlen, &ek, &ct,
	    &ctlen)) != 0) {
		setwhy(why, whylen, "%s: %s", path, age_strerror(err));
		goto out;
	}
	r = LB_ERR_SYSTEM;
	if ((err = mkdirs_for(path, 0700)) != 0 ||
	    (err = atomic_write(path, ct, ctlen, 0600)) != 0) {
		setwhy(why, whylen, "%s: %s", path, strerror(err));
		goto out;
	}
	r = 0;
out:
	if (pt != NULL)
		sodium_free(pt);
	free(ct);
	free(pks);
	return r;
}

int
vault_lock(const char *path, int64_t timeout_ms, char *why, size_t whylen)
{
	struct timespec	 now, end, nap = { 0, 20 * 1000 * 1000 };
	char		*lock;
	int		 fd, err;

	xasprintf(&lock, "%s.lock", path);
	if ((err = mkdirs_for(lock, 0700)) != 0) {
		setwhy(why, whylen, "%s: %s", lock, strerror(err));
		free(lock);
		return -1;
	}
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		setwhy(why, whylen, "%s: %s", lock, strerror(errno));
		free(lock);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		err = errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((err != EWOULDBLOCK && err != EINTR) ||
		    now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec &&
		    now.tv_nsec >= end.tv_nsec)) {
			if (err == EWOULDBLOCK)
				setwhy(why, whylen, "%s: held by another "
				    "process (waited %lld ms)", lock,
				    (long long)timeout_ms);
			else
				setwhy(why, whylen, "%s: %s", lock,
				    strerror(err));
			close(fd);
			free(lock);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	free(lock);
	return fd;
}

void
vault_unlock(int fd)
{
	if (fd < 0)
		return;
	(void)flock(fd, LOCK_UN);
	close(fd);
}

int
vault_path_default(char *buf, size_t len)
{
	const char	*xdg = getenv("XDG_DATA_HOME");
	const char	*home = getenv("HOME");
	struct passwd	*pw;
	int		 n;

	/* The XDG spec: a relative XDG_DATA_HOME is to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/lifeboat/%s", xdg, VAULT_FILE);
	else {
		if (home == NULL || home[0] == '\0') {
			pw = getpwuid(getuid());
			home = pw != NULL ? pw->pw_dir : NULL;
		}
		if (home == NULL || home[0] == '\0')
			return -1;
		n = snprintf(buf, len, "%s/.local/share/lifeboat/%s", home,
		    VAULT_FILE);
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
