/*
 * The key source "entra" (lifeboat-plugin(7), KEY SOURCES): BitLocker
 * recovery keys escrowed in Entra ID, read over Microsoft Graph.
 *
 *	lifeboat keys fetch --from entra -o tenant=contoso.example \
 *	    -o client_id=GUID 'windows'
 *
 * open() gets an access token from the identity platform, by client
 * credentials (the secret "client_secret" from
 * LIFEBOAT_ENTRA_CLIENT_SECRET_FILE or a prompt) or by the device-code
 * flow (the sign-in instruction, with its URL and user code, goes to the
 * person at the keyboard through svc->note; the token endpoint is polled
 * every `interval` seconds until the sign-in is done, refused or
 * expired).  Then, for each host:
 *
 *	GET {graph}/devices?$filter=displayName eq 'NAME'
 *	    &$select=id,deviceId,displayName
 *	GET {graph}/informationProtection/bitlocker/recoveryKeys
 *	    ?$filter=deviceId eq 'DEVICEID'	(and each @odata.nextLink)
 *	GET {graph}/informationProtection/bitlocker/recoveryKeys/ID
 *	    ?$select=key			(once per key)
 *
 * Keys are filtered by the device's deviceId, not its object id.  A
 * nextLink is followed only when it points at graph_url's own origin, so
 * the token never goes anywhere else.  429 and 503 are waited out
 * (Retry-After, else 1, 2, 4 .. 32 s) and retried, up to
 * ENTRA_RETRY_MAX times per request; a 401 makes one new token and one
 * retry.  A token is renewed before it expires: by client credentials
 * again, or with the refresh token the device-code sign-in gave.
 *
 * Secrets: the client secret, the tokens and every body that held a key
 * are wiped before they are freed (bodies are parsed into arenas freed
 * with arena_free_wipe()); none of them ever goes to note, debug or a
 * reason.  Reasons quote only Graph's error codes and the identity
 * platform's error names and AADSTS numbers.
 *
 * The plugin sees <lifeboat/keysource.h>, libc, and a private, hidden
 * copy of the strict JSON reader (src/jsonr.h, src/arena.h,
 * src/xmalloc.h).  Its names are static but lifeboat_keysource(), so
 * the fuzz target can include this file.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <lifeboat/keysource.h>

#include "arena.h"
#include "jsonr.h"
#include "xmalloc.h"

#ifndef LB_PLUGIN_EXPORT
#define LB_PLUGIN_EXPORT
#endif

#define ENTRA_LOGIN_URL		"https://login.microsoftonline.com"
#define ENTRA_GRAPH_URL		"https://graph.microsoft.com/v1.0"
#define ENTRA_SCOPE		"https://graph.microsoft.com/.default"
#define ENTRA_DEVICE_GRANT	"urn:ietf:params:oauth:grant-type:device_code"
#define ENTRA_USER_AGENT	"lifeboat-entra/1"
#define ENTRA_WHY_MAX		256
#define ENTRA_SECRET_MAX	1024
#define ENTRA_RETRY_MAX		8	/* 429/503 answers per request */
#define ENTRA_BACKOFF_MAX_MS	32000
#define ENTRA_RENEW_MS		120000	/* renew a token this early */
#define ENTRA_PAGES_MAX		1000	/* nextLinks per device */
#define ENTRA_KEYS_MAX		4096	/* keys per device */

static const char *const entra_keys[] = { "tenant", "client_id", "flow",
	"login_url", "graph_url", "ca_file", "timeout", NULL };

enum entra_flow {
	ENTRA_CLIENT_CREDENTIALS,
	ENTRA_DEVICE_CODE,
};

enum entra_step {
	ENTRA_DEVICE,
	ENTRA_LIST,
	ENTRA_KEY,
};

struct entra;

/* A key as the list showed it; the password comes with $select=key. */
struct entra_meta {
	char	*id;
	char	*created;
	int	 volume_type;	/* 0 when unknown */
};

/* One host's fetch. */
struct entra_job {
	struct entra		*e;
	void			*job;
	char			*lookup;
	enum entra_step		 step;
	char			*url;		/* the request being made */
	char			*device_id;
	struct entra_meta	*keys;
	size_t			 nkeys, keys_cap, key_i;
	size_t			 pages;
	size_t			 emitted, rejected;
	int			 tries;		/* 429/503 for this request */
	bool			 reauth;	/* a 401 made a new token */
	unsigned		 token_gen;	/* of the token sent */
	struct entra_job	*wait_next;	/* waiting for a token */
	struct entra_job	*prev, *next;	/* every job */
};

struct entra {
	const struct lb_ks_svc	*svc;
	enum entra_flow		 flow;
	char			*tenant;
	char			*client_id;
	char			*login_url;
	char			*graph_url;
	size_t			 origin_len;	/* of graph_url */
	int64_t			 timeout_ms;
	char			 secret[ENTRA_SECRET_MAX];

	char			*token;		/* wiped */
	char			*refresh;	/* wiped */
	int64_t			 renew_at;	/* entra_now() scale */
	unsigned		 token_gen;
	bool			 renewing;
	bool			 opened;	/* ready() was called */
	struct entra_job	*waiting;	/* for a token */
	struct entra_job	*jobs;

	/* The device-code sign-in. */
	char			*device_code;	/* wiped */
	int64_t			 poll_ms;
	int64_t			 device_expiry;
	int			 tries;
};

static int64_t
entra_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
entra_wipe(void *p, size_t n)
{
	volatile unsigned char	*q = p;

	while (n-- > 0)
		*q++ = 0;
}

static void
entra_free_secret(char *s)
{
	if (s != NULL) {
		entra_wipe(s, strlen(s));
		free(s);
	}
}

/* Text from a server made fit for one line: printable ASCII, capped. */
static void
entra_clean(char *out, size_t size, const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i < max && i + 1 < size;
	    i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (size > 0)
		out[i] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
entra_debug(struct entra *e, const char *fmt, ...)
{
	char	 line[512];
	va_list	 ap;

	if (e->svc->debug == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	e->svc->debug(e->svc->ctx, line);
}

/* s percent-encoded (all but RFC 3986's unreserved), appended to *out. */
static char *
entra_encode(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *p;

	out = p = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		unsigned char	 c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~')
			*p++ = (char)c;
		else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}

/* An OData string literal's body: each ' doubled. */
static char *
entra_odata(const char *s)
{
	char	*out, *p;

	out = p = xmalloc(strlen(s) * 2 + 1);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			*p++ = '\'';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

/* Whether s is a GUID's text (hex digits and dashes, 32 digits). */
static bool
entra_guid(const char *s)
{
	size_t	 digits = 0;

	if (s == NULL || strlen(s) > 38)
		return false;
	for (; *s != '\0'; s++) {
		if (isxdigit((unsigned char)*s))
			digits++;
		else if (*s != '-')
			return false;
	}
	return digits == 32;
}

static const char *
entra_volume(int type)
{
	switch (type) {
	case 1:
		return "operating system volume";
	case 2:
		return "fixed data volume";
	case 3:
		return "removable data volume";
	default:
		return "";
	}
}

/* An integer given as a JSON number or as a string of digits. */
static int64_t
entra_int(const struct jv *o, const char *key, int64_t dflt)
{
	const struct jv	*v = jv_get(o, key);
	int64_t		 n = 0;
	const char	*p;

	if (v == NULL)
		return dflt;
	if (v->type == JV_NUM && v->is_int)
		return v->i;
	if (v->type != JV_STR || v->len == 0 || v->len > 12)
		return dflt;
	for (p = v->s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return dflt;
		n = n * 10 + (*p - '0');
	}
	return n;
}

/* The body as JSON, in arena a; NULL when it is none. */
static const struct jv *
entra_json(struct arena *a, const struct lb_http_resp *r)
{
	struct jv	*root = NULL;

	if (r->body == NULL || r->body_len == 0 ||
	    jsonr_parse(a, r->body, r->body_len, &root, NULL) != 0)
		return NULL;
	return root;
}

/*
 * Graph's error code ({"error":{"code":...}}) or the identity
 * platform's error name and AADSTS number, for a reason.
 */
static void
entra_error_of(const struct lb_http_resp *r, char *out, size_t size)
{
	struct arena	*a = arena_new();
	const struct jv	*root, *err, *codes;
	const char	*code;
	char		 c[96];

	snprintf(out, size, "HTTP %ld", r->status);
	root = entra_json(a, r);
	err = jv_get(root, "error");
	if (err != NULL && err->type == JV_OBJ &&
	    (code = jv_str(err, "code")) != NULL) {
		entra_clean(c, sizeof c, code, 80);
		snprintf(out, size, "%s", c);
	} else if ((code = jv_str(root, "error")) != NULL) {
		entra_clean(c, sizeof c, code, 60);
		codes = jv_get(root, "error_codes");
		if (codes != NULL && codes->type == JV_ARR && codes->len > 0 &&
		    codes->v[0]->type == JV_NUM && codes->v[0]->is_int)
			snprintf(out, size, "%s (AADSTS%lld)", c,
			    (long long)codes->v[0]->i);
		else
			snprintf(out, size, "%s", c);
	}
	arena_free_wipe(a);
}

static const char *
entra_cfg(const struct lb_ks_svc *svc, const char *key)
{
	const char	*v = svc->config(svc->ctx, key);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* A copy of url without trailing slashes; NULL unless http(s). */
static char *
entra_base_url(const char *url)
{
	size_t	 n = strlen(url);

	if (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0)
		return NULL;
	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

/* The length of url's scheme://authority part. */
static size_t
entra_origin_len(const char *url)
{
	const char	*p = strstr(url, "://");
	size_t		 n;

	if (p == NULL)
		return 0;
	p += 3;
	n = strcspn(p, "/?#");
	return (size_t)(p - url) + n;
}

static int
entra_http(struct entra *e, const char *method, const char *url,
    const char *const *headers, const char *body, lb_http_fn *fn,
    void *arg)
{
	struct lb_http_req	 req;

	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.timeout_ms = e->timeout_ms;
	return e->svc->http(e->svc->ctx, &req, fn, arg);
}

/*
 * Tokens.
 */

static void	entra_job_send(struct entra_job *);
static void	entra_job_done(struct entra_job *, enum lb_ks_status,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	entra_poll(void *);

static const char *const entra_form_hdrs[] = {
	"Content-Type: application/x-www-form-urlencoded",
	"Accept: application/json",
	"User-Agent: " ENTRA_USER_AGENT,
	NULL
};

/* Takes a token answer's access_token, expires_in and refresh_token. */
static int
entra_take_token(struct entra *e, const struct jv *root)
{
	const char	*tok = jv_str(root, "access_token");
	const char	*type = jv_str(root, "token_type");
	const char	*refresh = jv_str(root, "refresh_token");
	int64_t		 life = entra_int(root, "expires_in", 3599);

	if (tok == NULL || *tok == '\0' || strlen(tok) > 65536 ||
	    strpbrk(tok, "\r\n") != NULL ||
	    (type != NULL && strcasecmp(type, "Bearer") != 0))
		return -1;
	if (life < 60)
		life = 60;
	if (life > 86400)
		life = 86400;
	entra_free_secret(e->token);
	e->token = xstrdup(tok);
	if (refresh != NULL && *refresh != '\0') {
		entra_free_secret(e->refresh);
		e->refresh = xstrdup(refresh);
	}
	/* Renewed early enough that no request carries a dying token. */
	e->renew_at = entra_now() + life * 1000 -
	    (life * 1000 / 2 < ENTRA_RENEW_MS ? life * 1000 / 2 :
	    ENTRA_RENEW_MS);
	e->token_gen++;
	return 0;
}

static bool
entra_token_ok(const struct entra *e)
{
	return e->token != NULL && entra_now() < e->renew_at;
}

/* The waiting jobs, with a token or without one (why). */
static void
entra_release_waiting(struct entra *e, const char *why)
{
	struct entra_job	*j;

	while ((j = e->waiting) != NULL) {
		e->waiting = j->wait_next;
		j->wait_next = NULL;
		if (why == NULL)
			entra_job_send(j);
		else
			entra_job_done(j, LB_KS_ERROR, "%s", why);
	}
}

/* After open: a new token came or not. */
static void
entra_renewed(void *arg, const struct lb_http_resp *r)
{
	struct entra	*e = arg;
	struct arena	*a = arena_new();
	char		 why[ENTRA_WHY_MAX], code[128];

	e->renewing = false;
	if (r->status == 200 && entra_take_token(e, entra_json(a, r)) == 0) {
		arena_free_wipe(a);
		entra_debug(e, "entra: token renewed");
		entra_release_waiting(e, NULL);
		return;
	}
	arena_free_wipe(a);
	if (r->status == 0)
		snprintf(why, sizeof why, "token renewal failed: %s",
		    r->error != NULL ? r->error : "no answer");
	else {
		entra_error_of(r, code, sizeof code);
		snprintf(why, sizeof why, "token renewal failed: %s", code);
	}
	entra_release_waiting(e, why);
}

/* A form for the token endpoint; wiped by the caller. */
static char *
entra_token_form(struct entra *e, bool renew)
{
	char	*cid = entra_encode(e->client_id), *v = NULL, *form;

	if (e->flow == ENTRA_CLIENT_CREDENTIALS) {
		v = entra_encode(e->secret);
		xasprintf(&form, "grant_type=client_credentials&client_id=%s"
		    "&client_secret=%s&scope=%s", cid, v,
		    "https%3A%2F%2Fgraph.microsoft.com%2F.default");
	} else if (renew) {
		v = entra_encode(e->refresh);
		xasprintf(&form, "grant_type=refresh_token&client_id=%s"
		    "&refresh_token=%s&scope=%s", cid, v,
		    "https%3A%2F%2Fgraph.microsoft.com%2F.default"
		    "%20offline_access");
	} else {
		v = entra_encode(e->device_code);
		xasprintf(&form, "grant_type=%s&client_id=%s&device_code=%s",
		    "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code",
		    cid, v);
	}
	free(cid);
	entra_free_secret(v);
	return form;
}

static char *
entra_endpoint(struct entra *e, const char *what)
{
	char	*t = entra_encode(e->tenant), *url;

	xasprintf(&url, "%s/%s/oauth2/v2.0/%s", e->login_url, t, what);
	free(t);
	return url;
}

/* Starts a new token for the jobs waiting; false when none can come. */
static bool
entra_renew(struct entra *e)
{
	char	*url, *form;
	int	 rc;

	if (e->renewing)
		return true;
	if (e->flow == ENTRA_DEVICE_CODE && e->refresh == NULL)
		return false;
	url = entra_endpoint(e, "token");
	form = entra_token_form(e, true);
	rc = entra_http(e, "POST", url, entra_form_hdrs, form,
	    entra_renewed, e);
	entra_free_secret(form);
	free(url);
	if (rc != 0)
		return false;
	e->renewing = true;
	entra_debug(e, "entra: renewing the token");
	return true;
}

/*
 * open(): the first token.
 */

static void
entra_ready(struct entra *e, int rc, const char *why)
{
	e->opened = true;
	e->svc->ready(e->svc->ctx, rc, why);
}

static void __attribute__((format(printf, 2, 3)))
entra_open_failed(struct entra *e, const char *fmt, ...)
{
	char	 why[ENTRA_WHY_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	entra_ready(e, -1, why);
}

static void
entra_got_token(void *arg, const struct lb_http_resp *r)
{
	struct entra	*e = arg;
	struct arena	*a = arena_new();
	char		 code[128];

	if (r->status == 200 && entra_take_token(e, entra_json(a, r)) == 0) {
		arena_free_wipe(a);
		entra_debug(e, "entra: signed in as client %s", e->client_id);
		entra_ready(e, 0, NULL);
		return;
	}
	arena_free_wipe(a);
	if (r->status == 0)
		entra_open_failed(e, "sign-in failed: %s",
		    r->error != NULL ? r->error : "no answer");
	else if (r->status == 200)
		entra_open_failed(e, "sign-in failed: no access token in the "
		    "answer");
	else {
		entra_error_of(r, code, sizeof code);
		entra_open_failed(e, "sign-in failed: %s", code);
	}
}

static void
entra_polled(void *arg, const struct lb_http_resp *r)
{
	struct entra	*e = arg;
	struct arena	*a = arena_new();
	const struct jv	*root = entra_json(a, r);
	const char	*err = jv_str(root, "error");
	char		 code[128];

	if (r->status == 200 && entra_take_token(e, root) == 0) {
		arena_free_wipe(a);
		entra_free_secret(e->device_code);
		e->device_code = NULL;
		entra_debug(e, "entra: signed in");
		entra_ready(e, 0, NULL);
		return;
	}
	if (r->status == 400 && err != NULL &&
	    (strcmp(err, "authorization_pending") == 0 ||
	    strcmp(err, "slow_down") == 0)) {
		if (strcmp(err, "slow_down") == 0)
			e->poll_ms += 5000;
		arena_free_wipe(a);
		if (entra_now() + e->poll_ms > e->device_expiry)
			entra_open_failed(e, "sign-in failed: the code "
			    "expired before the sign-in was done");
		else if (e->svc->after(e->svc->ctx, e->poll_ms, entra_poll,
		    e) != 0)
			entra_open_failed(e, "sign-in failed: cannot wait");
		return;
	}
	arena_free_wipe(a);
	if (r->status == 0) {
		entra_open_failed(e, "sign-in failed: %s",
		    r->error != NULL ? r->error : "no answer");
		return;
	}
	entra_error_of(r, code, sizeof code);
	entra_open_failed(e, "sign-in failed: %s", code);
}

static void
entra_poll(void *arg)
{
	struct entra	*e = arg;
	char		*url = entra_endpoint(e, "token");
	char		*form = entra_token_form(e, false);
	int		 rc;

	rc = entra_http(e, "POST", url, entra_form_hdrs, form, entra_polled,
	    e);
	entra_free_secret(form);
	free(url);
	if (rc != 0)
		entra_open_failed(e, "sign-in failed: cannot ask %s",
		    e->login_url);
}

static void
entra_got_code(void *arg, const struct lb_http_resp *r)
{
	struct entra	*e = arg;
	struct arena	*a = arena_new();
	const struct jv	*root = entra_json(a, r);
	const char	*code = jv_str(root, "device_code");
	const char	*user = jv_str(root, "user_code");
	const char	*uri = jv_str(root, "verification_uri");
	const char	*msg = jv_str(root, "message");
	int64_t		 interval = entra_int(root, "interval", 5);
	int64_t		 expires = entra_int(root, "expires_in", 900);
	char		 line[512], clean[400], why[128];

	if (r->status != 200 || code == NULL || *code == '\0' ||
	    user == NULL || strlen(code) > 8192) {
		arena_free_wipe(a);
		if (r->status == 0)
			entra_open_failed(e, "sign-in failed: %s",
			    r->error != NULL ? r->error : "no answer");
		else if (r->status == 200)
			entra_open_failed(e, "sign-in failed: no device code "
			    "in the answer");
		else {
			entra_error_of(r, why, sizeof why);
			entra_open_failed(e, "sign-in failed: %s", why);
		}
		return;
	}
	e->device_code = xstrdup(code);
	if (interval < 1)
		interval = 1;
	if (interval > 60)
		interval = 60;
	if (expires < 1 || expires > 3600)
		expires = 900;
	e->poll_ms = interval * 1000;
	e->device_expiry = entra_now() + expires * 1000;
	if (msg != NULL)
		entra_clean(line, sizeof line, msg, 400);
	else {
		entra_clean(clean, sizeof clean, uri != NULL ? uri :
		    "https://microsoft.com/devicelogin", 200);
		snprintf(line, sizeof line, "to sign in, open %s and enter "
		    "the code ", clean);
		entra_clean(clean, sizeof clean, user, 40);
		strncat(line, clean, sizeof line - strlen(line) - 1);
	}
	arena_free_wipe(a);
	e->svc->note(e->svc->ctx, line);
	if (e->svc->after(e->svc->ctx, e->poll_ms, entra_poll, e) != 0)
		entra_open_failed(e, "sign-in failed: cannot wait");
}

static void
entra_state_free(struct entra *e)
{
	if (e == NULL)
		return;
	free(e->tenant);
	free(e->client_id);
	free(e->login_url);
	free(e->graph_url);
	entra_free_secret(e->token);
	entra_free_secret(e->refresh);
	entra_free_secret(e->device_code);
	entra_wipe(e->secret, sizeof e->secret);
	free(e);
}

/* The settings, checked; 0 or -1 with why. */
static int
entra_settings(struct entra *e, char *why, size_t whylen)
{
	const struct lb_ks_svc	*svc = e->svc;
	const char		*v;
	char			*end;
	long			 n;

	if ((v = entra_cfg(svc, "tenant")) == NULL) {
		snprintf(why, whylen, "no tenant: set -o tenant=ID or "
		    "LIFEBOAT_ENTRA_TENANT");
		return -1;
	}
	if (strlen(v) > 256 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != strlen(v)) {
		snprintf(why, whylen, "invalid tenant: a tenant ID or domain "
		    "name is wanted");
		return -1;
	}
	e->tenant = xstrdup(v);
	if ((v = entra_cfg(svc, "client_id")) == NULL) {
		snprintf(why, whylen, "no client_id: set -o client_id=ID or "
		    "LIFEBOAT_ENTRA_CLIENT_ID");
		return -1;
	}
	e->client_id = xstrdup(v);
	v = entra_cfg(svc, "flow");
	if (v == NULL || strcmp(v, "client_credentials") == 0)
		e->flow = ENTRA_CLIENT_CREDENTIALS;
	else if (strcmp(v, "device_code") == 0)
		e->flow = ENTRA_DEVICE_CODE;
	else {
		snprintf(why, whylen, "invalid flow '%.40s': "
		    "client_credentials or device_code", v);
		return -1;
	}
	v = entra_cfg(svc, "login_url");
	if ((e->login_url = entra_base_url(v ? v : ENTRA_LOGIN_URL)) ==
	    NULL) {
		snprintf(why, whylen, "invalid login_url: an https URL is "
		    "wanted");
		return -1;
	}
	v = entra_cfg(svc, "graph_url");
	if ((e->graph_url = entra_base_url(v ? v : ENTRA_GRAPH_URL)) ==
	    NULL) {
		snprintf(why, whylen, "invalid graph_url: an https URL is "
		    "wanted");
		return -1;
	}
	e->origin_len = entra_origin_len(e->graph_url);
	e->timeout_ms = 30000;
	if ((v = entra_cfg(svc, "timeout")) != NULL) {
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1 || n > 3600) {
			snprintf(why, whylen, "invalid timeout '%.20s': "
			    "seconds from 1 to 3600", v);
			return -1;
		}
		e->timeout_ms = n * 1000;
	}
	return 0;
}

static int
entra_open(const struct lb_ks_svc *svc, void **state, char *why,
    size_t whylen)
{
	struct entra	*e;
	char		*url, *form, *cid, prompt[300];
	int		 rc;

	*state = NULL;
	e = xcalloc(1, sizeof(*e));
	e->svc = svc;
	if (entra_settings(e, why, whylen) != 0)
		goto fail;
	if (e->flow == ENTRA_CLIENT_CREDENTIALS) {
		snprintf(prompt, sizeof prompt, "client secret for %.200s: ",
		    e->client_id);
		if (svc->secret(svc->ctx, "client_secret", prompt, e->secret,
		    sizeof e->secret) != 0 || e->secret[0] == '\0') {
			snprintf(why, whylen, "no client secret: set "
			    "LIFEBOAT_ENTRA_CLIENT_SECRET_FILE");
			goto fail;
		}
		url = entra_endpoint(e, "token");
		form = entra_token_form(e, false);
		rc = entra_http(e, "POST", url, entra_form_hdrs, form,
		    entra_got_token, e);
	} else {
		url = entra_endpoint(e, "devicecode");
		cid = entra_encode(e->client_id);
		xasprintf(&form, "client_id=%s&scope=%s", cid,
		    "https%3A%2F%2Fgraph.microsoft.com%2F.default"
		    "%20offline_access");
		free(cid);
		rc = entra_http(e, "POST", url, entra_form_hdrs, form,
		    entra_got_code, e);
	}
	entra_free_secret(form);
	if (rc != 0) {
		snprintf(why, whylen, "cannot ask %.200s", url);
		free(url);
		goto fail;
	}
	free(url);
	*state = e;
	return 0;
fail:
	entra_state_free(e);
	return -1;
}

/*
 * fetch(): one host.
 */

static void
entra_job_free(struct entra_job *j)
{
	struct entra	*e = j->e;
	size_t		 i;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		e->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	for (i = 0; i < j->nkeys; i++) {
		free(j->keys[i].id);
		free(j->keys[i].created);
	}
	free(j->keys);
	free(j->lookup);
	free(j->url);
	free(j->device_id);
	free(j);
}

static void
entra_job_done(struct entra_job *j, enum lb_ks_status st, const char *fmt,
    ...)
{
	struct entra	*e = j->e;
	void		*job = j->job;
	char		 why[ENTRA_WHY_MAX];
	va_list		 ap;

	why[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	entra_job_free(j);
	e->svc->done(e->svc->ctx, job, st, st == LB_KS_OK ? NULL : why);
}

static void	entra_answer(void *, const struct lb_http_resp *);

/* Sends j->url with the token, or waits for one. */
static void
entra_job_send(struct entra_job *j)
{
	struct entra	*e = j->e;
	char		*auth;
	const char	*hdrs[4];
	int		 rc;

	if (!entra_token_ok(e)) {
		j->wait_next = e->waiting;
		e->waiting = j;
		if (!entra_renew(e))
			entra_release_waiting(e, e->flow == ENTRA_DEVICE_CODE ?
			    "the sign-in expired: run again" :
			    "cannot renew the token");
		return;
	}
	xasprintf(&auth, "Authorization: Bearer %s", e->token);
	hdrs[0] = auth;
	hdrs[1] = "Accept: application/json";
	hdrs[2] = "User-Agent: " ENTRA_USER_AGENT;
	hdrs[3] = NULL;
	j->token_gen = e->token_gen;
	rc = entra_http(e, "GET", j->url, hdrs, NULL, entra_answer, j);
	entra_free_secret(auth);
	if (rc != 0)
		entra_job_done(j, LB_KS_ERROR, "cannot ask %s", e->graph_url);
}

static void
entra_retry(void *arg)
{
	entra_job_send(arg);
}

/* Sets the request to make next, and makes it. */
static void
entra_job_get(struct entra_job *j, char *url)
{
	free(j->url);
	j->url = url;
	j->tries = 0;
	j->reauth = false;
	entra_job_send(j);
}

static void
entra_get_key(struct entra_job *j)
{
	char	*url, *id;

	j->step = ENTRA_KEY;
	id = entra_encode(j->keys[j->key_i].id);
	xasprintf(&url, "%s/informationProtection/bitlocker/recoveryKeys/"
	    "%s?%%24select=key", j->e->graph_url, id);
	free(id);
	entra_job_get(j, url);
}

/* The keys are listed: read each, or say there are none. */
static void
entra_listed(struct entra_job *j)
{
	j->key_i = 0;
	if (j->nkeys == 0) {
		entra_job_done(j, LB_KS_NO_KEY, "no key escrowed");
		return;
	}
	entra_get_key(j);
}

static void
entra_list_keys(struct entra_job *j)
{
	char	*f, *q, *url;

	j->step = ENTRA_LIST;
	xasprintf(&f, "deviceId eq '%s'", j->device_id);
	q = entra_encode(f);
	xasprintf(&url, "%s/informationProtection/bitlocker/recoveryKeys"
	    "?%%24filter=%s", j->e->graph_url, q);
	free(f);
	free(q);
	entra_job_get(j, url);
}

static void
entra_on_devices(struct entra_job *j, const struct jv *root)
{
	const struct jv	*v = jv_get(root, "value");
	const char	*id;
	char		 name[80];

	if (v == NULL || v->type != JV_ARR) {
		entra_job_done(j, LB_KS_ERROR, "graph sent no device list");
		return;
	}
	entra_clean(name, sizeof name, j->lookup, 64);
	if (v->len == 0) {
		entra_job_done(j, LB_KS_NOT_FOUND, "device not found");
		return;
	}
	if (v->len > 1) {
		entra_job_done(j, LB_KS_ERROR, "ambiguous: %zu devices named "
		    "'%s' in Entra ID", v->len, name);
		return;
	}
	id = jv_str(v->v[0], "deviceId");
	if (!entra_guid(id)) {
		entra_job_done(j, LB_KS_ERROR, "device '%s' has no valid "
		    "deviceId", name);
		return;
	}
	j->device_id = xstrdup(id);
	entra_list_keys(j);
}

static void
entra_on_list(struct entra_job *j, const struct jv *root)
{
	const struct jv		*v = jv_get(root, "value"), *k;
	const char		*id, *created, *next;
	struct entra_meta	*m;
	size_t			 i;

	if (v == NULL || v->type != JV_ARR) {
		entra_job_done(j, LB_KS_ERROR, "graph sent no key list");
		return;
	}
	for (i = 0; i < v->len; i++) {
		k = v->v[i];
		id = jv_str(k, "id");
		if (!entra_guid(id))
			continue;	/* nothing we could ask for */
		if (j->nkeys >= ENTRA_KEYS_MAX) {
			entra_job_done(j, LB_KS_ERROR, "more than %d keys",
			    ENTRA_KEYS_MAX);
			return;
		}
		if (j->nkeys == j->keys_cap) {
			j->keys_cap = j->keys_cap ? j->keys_cap * 2 : 4;
			j->keys = xreallocarray(j->keys, j->keys_cap,
			    sizeof(*j->keys));
		}
		m = &j->keys[j->nkeys++];
		m->id = xstrdup(id);
		created = jv_str(k, "createdDateTime");
		m->created = xstrdup(created != NULL && strlen(created) < 64 ?
		    created : "");
		m->volume_type = (int)entra_int(k, "volumeType", 0);
	}
	next = jv_str(root, "@odata.nextLink");
	if (next == NULL) {
		entra_listed(j);
		return;
	}
	/* The token goes to Graph's own origin only. */
	if (strncmp(next, j->e->graph_url, j->e->origin_len) != 0 ||
	    (next[j->e->origin_len] != '/' &&
	    next[j->e->origin_len] != '?') ||
	    strpbrk(next, " \r\n") != NULL) {
		entra_job_done(j, LB_KS_ERROR, "graph's next page is "
		    "elsewhere than %.*s", (int)j->e->origin_len,
		    j->e->graph_url);
		return;
	}
	if (++j->pages >= ENTRA_PAGES_MAX) {
		entra_job_done(j, LB_KS_ERROR, "more than %d pages of keys",
		    ENTRA_PAGES_MAX);
		return;
	}
	entra_job_get(j, xstrdup(next));
}

/* The next key, or the end. */
static void
entra_next_key(struct entra_job *j)
{
	if (++j->key_i < j->nkeys) {
		entra_get_key(j);
		return;
	}
	if (j->emitted > 0)
		entra_job_done(j, LB_KS_OK, NULL);
	else if (j->rejected > 0)
		entra_job_done(j, LB_KS_ERROR, "no valid key among %zu",
		    j->nkeys);
	else
		entra_job_done(j, LB_KS_NO_KEY, "no key escrowed");
}

static void
entra_on_key(struct entra_job *j, const struct jv *root)
{
	const struct entra_meta	*m = &j->keys[j->key_i];
	const char		*pw = jv_str(root, "key");
	struct lb_ks_key	 k;

	if (pw == NULL || *pw == '\0') {
		/* No key came though we asked: treat as not escrowed. */
		entra_next_key(j);
		return;
	}
	memset(&k, 0, sizeof k);
	k.volume = entra_volume(m->volume_type);
	k.protector_id = m->id;
	k.password = pw;
	k.created = m->created;
	if (j->e->svc->key(j->e->svc->ctx, j->job, &k) == 0)
		j->emitted++;
	else
		j->rejected++;
	entra_next_key(j);
}

static void
entra_backoff(struct entra_job *j, const struct lb_http_resp *r)
{
	struct entra	*e = j->e;
	int64_t		 ms;

	if (++j->tries > ENTRA_RETRY_MAX) {
		entra_job_done(j, LB_KS_ERROR, "graph is busy (HTTP %ld): "
		    "gave up after %d retries", r->status, ENTRA_RETRY_MAX);
		return;
	}
	if (r->retry_after_ms >= 0)
		ms = r->retry_after_ms;
	else
		ms = (int64_t)1000 << (j->tries - 1 < 5 ? j->tries - 1 : 5);
	if (ms > 300000)
		ms = 300000;
	entra_debug(e, "entra: HTTP %ld, retry in %lld ms", r->status,
	    (long long)ms);
	if (e->svc->after(e->svc->ctx, ms, entra_retry, j) != 0)
		entra_job_done(j, LB_KS_ERROR, "cannot wait to retry");
}

static void
entra_answer(void *arg, const struct lb_http_resp *r)
{
	struct entra_job	*j = arg;
	struct entra		*e = j->e;
	struct arena		*a;
	const struct jv		*root;
	char			 code[128];

	entra_debug(e, "entra: GET %.300s: %ld", j->url + e->origin_len,
	    r->status);
	if (r->status == 0) {
		entra_job_done(j, LB_KS_ERROR, "graph: %s",
		    r->error != NULL ? r->error : "no answer");
		return;
	}
	if (r->status == 429 || r->status == 503) {
		entra_backoff(j, r);
		return;
	}
	if (r->status == 401 && !j->reauth) {
		j->reauth = true;
		if (j->token_gen == e->token_gen)
			e->renew_at = 0;	/* renew it */
		entra_job_send(j);
		return;
	}
	if (r->status == 404 && j->step == ENTRA_KEY) {
		entra_next_key(j);	/* gone since the list */
		return;
	}
	if (r->status != 200) {
		entra_error_of(r, code, sizeof code);
		/* lifeboat says "access denied" itself; the code is why. */
		if (r->status == 403)
			entra_job_done(j, LB_KS_DENIED, "%s", code);
		else if (r->status == 401)
			entra_job_done(j, LB_KS_DENIED, "token refused: %s",
			    code);
		else
			entra_job_done(j, LB_KS_ERROR, "graph answered %s",
			    code);
		return;
	}
	a = arena_new();
	if ((root = entra_json(a, r)) == NULL || root->type != JV_OBJ) {
		arena_free_wipe(a);
		entra_job_done(j, LB_KS_ERROR, "graph sent no JSON object");
		return;
	}
	switch (j->step) {
	case ENTRA_DEVICE:
		entra_on_devices(j, root);
		break;
	case ENTRA_LIST:
		entra_on_list(j, root);
		break;
	case ENTRA_KEY:
		entra_on_key(j, root);
		break;
	}
	arena_free_wipe(a);
}

static void
entra_fetch(void *state, const struct lb_ks_target *t, void *job)
{
	struct entra		*e = state;
	struct entra_job	*j;
	char			*lit, *f, *q, *url;
	const char		*name;

	j = xcalloc(1, sizeof(*j));
	j->e = e;
	j->job = job;
	name = t->lookup != NULL && *t->lookup != '\0' ? t->lookup : t->name;
	j->lookup = xstrdup(name != NULL ? name : "");
	j->next = e->jobs;
	if (e->jobs != NULL)
		e->jobs->prev = j;
	e->jobs = j;
	if (*j->lookup == '\0') {
		entra_job_done(j, LB_KS_ERROR, "no name to look for");
		return;
	}
	j->step = ENTRA_DEVICE;
	lit = entra_odata(j->lookup);
	xasprintf(&f, "displayName eq '%s'", lit);
	q = entra_encode(f);
	xasprintf(&url, "%s/devices?%%24filter=%s"
	    "&%%24select=id,deviceId,displayName", e->graph_url, q);
	free(lit);
	free(f);
	free(q);
	entra_job_get(j, url);
}

static void
entra_close(void *state)
{
	struct entra	*e = state;

	if (e == NULL)
		return;
	while (e->jobs != NULL)
		entra_job_free(e->jobs);
	entra_state_free(e);
}

static const struct lb_keysource entra_keysource = {
	.abi = LB_KEYSOURCE_ABI,
	.name = "entra",
	.version = "1.0",
	.summary = "BitLocker recovery keys from Entra ID over Microsoft Graph",
	.concurrency = 4,
	.keys = entra_keys,
	.open = entra_open,
	.fetch = entra_fetch,
	.close = entra_close,
};

LB_PLUGIN_EXPORT const struct lb_keysource *lifeboat_keysource(void);

/* The key source "entra". */
LB_PLUGIN_EXPORT const struct lb_keysource *
lifeboat_keysource(void)
{
	return &entra_keysource;
}
