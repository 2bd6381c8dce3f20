/*
 * Unit tests for the entra key source (plugins/entra.c), loaded from
 * build/plugins/entra.so as lifeboat loads it and driven through a fake
 * struct lb_ks_svc: requests are answered from a table of canned
 * responses (first matching rule, each good a number of times), timers
 * fire at once and add up the time they would have waited.  Covered:
 * the settings, the token by client credentials and by device code
 * (pending twice, refused), paging through nextLinks, OData quoting of
 * names, throttling with and without Retry-After and the retry cap, a
 * 401 that renews the token once, 403 as denied with Graph's code, device not
 * found or ambiguous, no key, a nextLink to another origin, and a key
 * lifeboat rejects.  The client secret, the token and the passwords
 * never appear in a note, a debug line or a reason.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <lifeboat/keysource.h>

#include "xmalloc.h"

#define SECRET	"s3cr3t&+=%xyz"
#define TOKEN	"eyJ0eXAi.TOKEN-ONE"
#define TOKEN2	"eyJ0eXAi.TOKEN-TWO"
#define PW1	"111111-222222-333333-444444-555555-666666-000000-000011"
#define PW2	"000022-000033-000044-000055-000066-000077-000088-000099"
#define DEV	"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
#define K1	"aa000000-0000-0000-0000-000000000001"
#define K2	"bb000000-0000-0000-0000-000000000002"
#define GRAPH	"https://graph.test/v1.0"
#define KEYS	GRAPH "/informationProtection/bitlocker/recoveryKeys"

#define TOKEN_OK	"{\"token_type\":\"Bearer\",\"expires_in\":3599," \
			"\"ext_expires_in\":3599,\"access_token\":\"" \
			TOKEN "\"}"
#define DEVICE_OK	"{\"value\":[{\"id\":\"obj-1\",\"deviceId\":\"" DEV \
			"\",\"displayName\":\"PC-01\"}]}"

static const struct lb_keysource	*ks;
static void				*dl;

struct rule {
	const char	*match;		/* substring of "METHOD URL" */
	long		 status;
	const char	*body;
	int64_t		 retry_after_ms;
	int		 times;		/* 0: any number */
};

struct call {
	char		*line;		/* "METHOD URL" */
	char		*headers;	/* joined by '\n' */
	char		*body;
	lb_http_fn	*fn;
	void		*arg;
};

struct timer {
	int64_t		 ms;
	lb_ks_timer_fn	*fn;
	void		*arg;
};

struct fake {
	const char	*cfg[16][2];
	const char	*secret;
	struct rule	*rules;
	int		*used;
	size_t		 nrules;
	struct call	 q[64];
	size_t		 nq;
	struct timer	 t[64];
	size_t		 nt;
	char		*log[256];	/* every request, in order */
	size_t		 nlog;
	char		 notes[4096];
	char		 debug[65536];
	struct lb_ks_key keys[16];
	char		*key_strs[16][4];
	size_t		 nkeys;
	int		 reject_keys;
	int		 ready_calls, ready_rc;
	char		 ready_why[256];
	int		 done_calls;
	enum lb_ks_status status[8];
	char		 why[8][256];
	int64_t		 waited_ms;
	int		 timers_fired;
	struct lb_ks_svc svc;
};

static int
setup(void **state)
{
	const char	*path = getenv("LIFEBOAT_PLUGIN_PATH");
	char		 so[1024];
	lb_keysource_fn	*fn;

	(void)state;
	snprintf(so, sizeof so, "%s/entra.so", path ? path : "build/plugins");
	if ((dl = dlopen(so, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	*(void **)&fn = dlsym(dl, LB_KEYSOURCE_SYMBOL);
	if (fn == NULL || (ks = fn()) == NULL || ks->abi != LB_KEYSOURCE_ABI)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dlclose(dl);
	return 0;
}

static const char *
f_config(void *ctx, const char *key)
{
	struct fake	*f = ctx;
	size_t		 i;

	for (i = 0; i < 16 && f->cfg[i][0] != NULL; i++)
		if (strcmp(f->cfg[i][0], key) == 0)
			return f->cfg[i][1];
	return NULL;
}

static int
f_secret(void *ctx, const char *name, const char *prompt, char *buf,
    size_t len)
{
	struct fake	*f = ctx;

	(void)prompt;
	if (f->secret == NULL || strcmp(name, "client_secret") != 0)
		return -1;
	snprintf(buf, len, "%s", f->secret);
	return 0;
}

static void
f_note(void *ctx, const char *line)
{
	struct fake	*f = ctx;

	strncat(f->notes, line, sizeof f->notes - strlen(f->notes) - 2);
	strcat(f->notes, "\n");
}

static void
f_debug(void *ctx, const char *line)
{
	struct fake	*f = ctx;

	strncat(f->debug, line, sizeof f->debug - strlen(f->debug) - 2);
	strcat(f->debug, "\n");
}

static int
f_http(void *ctx, const struct lb_http_req *req, lb_http_fn *fn, void *arg)
{
	struct fake		*f = ctx;
	struct call		*c;
	const char *const	*h;
	size_t			 n = 1;

	assert_true(f->nq < 64);
	c = &f->q[f->nq++];
	xasprintf(&c->line, "%s %s", req->method, req->url);
	for (h = req->headers; h != NULL && *h != NULL; h++)
		n += strlen(*h) + 1;
	c->headers = xcalloc(1, n);
	for (h = req->headers; h != NULL && *h != NULL; h++) {
		strcat(c->headers, *h);
		strcat(c->headers, "\n");
	}
	c->body = xstrndup(req->body != NULL ? req->body : "",
	    req->body_len);
	c->fn = fn;
	c->arg = arg;
	assert_true(f->nlog < 256);
	xasprintf(&f->log[f->nlog++], "%s\n%s%s", c->line, c->headers,
	    c->body);
	return 0;
}

static int
f_after(void *ctx, int64_t ms, lb_ks_timer_fn *fn, void *arg)
{
	struct fake	*f = ctx;

	assert_true(f->nt < 64);
	f->t[f->nt].ms = ms;
	f->t[f->nt].fn = fn;
	f->t[f->nt].arg = arg;
	f->nt++;
	return 0;
}

static int
f_key(void *ctx, void *job, const struct lb_ks_key *k)
{
	struct fake	*f = ctx;
	size_t		 i = f->nkeys;

	(void)job;
	if (f->reject_keys)
		return -1;
	assert_true(i < 16);
	f->key_strs[i][0] = xstrdup(k->volume);
	f->key_strs[i][1] = xstrdup(k->protector_id);
	f->key_strs[i][2] = xstrdup(k->password);
	f->key_strs[i][3] = xstrdup(k->created);
	f->keys[i].volume = f->key_strs[i][0];
	f->keys[i].protector_id = f->key_strs[i][1];
	f->keys[i].password = f->key_strs[i][2];
	f->keys[i].created = f->key_strs[i][3];
	f->nkeys++;
	return 0;
}

static void
f_done(void *ctx, void *job, enum lb_ks_status st, const char *why)
{
	struct fake	*f = ctx;
	size_t		 i = (size_t)(uintptr_t)job;

	assert_true(i < 8);
	f->done_calls++;
	f->status[i] = st;
	snprintf(f->why[i], sizeof f->why[i], "%s", why ? why : "");
	if (st != LB_KS_OK)
		assert_non_null(why);
}

static void
f_ready(void *ctx, int rc, const char *why)
{
	struct fake	*f = ctx;

	f->ready_calls++;
	f->ready_rc = rc;
	snprintf(f->ready_why, sizeof f->ready_why, "%s", why ? why : "");
}

static void
fake_init(struct fake *f, struct rule *rules, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->cfg[0][0] = "tenant";
	f->cfg[0][1] = "contoso.example";
	f->cfg[1][0] = "client_id";
	f->cfg[1][1] = "app-1";
	f->cfg[2][0] = "login_url";
	f->cfg[2][1] = "https://login.test/";
	f->cfg[3][0] = "graph_url";
	f->cfg[3][1] = GRAPH;
	f->secret = SECRET;
	f->rules = rules;
	f->nrules = n;
	f->used = xcalloc(n + 1, sizeof(int));
	f->svc.ctx = f;
	f->svc.config = f_config;
	f->svc.secret = f_secret;
	f->svc.note = f_note;
	f->svc.debug = f_debug;
	f->svc.http = f_http;
	f->svc.after = f_after;
	f->svc.key = f_key;
	f->svc.done = f_done;
	f->svc.ready = f_ready;
}

static void
fake_set(struct fake *f, const char *key, const char *value)
{
	size_t	 i;

	for (i = 0; i < 15 && f->cfg[i][0] != NULL; i++)
		if (strcmp(f->cfg[i][0], key) == 0)
			break;
	f->cfg[i][0] = key;
	f->cfg[i][1] = value;
}

static void
fake_release(struct fake *f)
{
	size_t	 i, k;

	for (i = 0; i < f->nlog; i++)
		free(f->log[i]);
	for (i = 0; i < f->nkeys; i++)
		for (k = 0; k < 4; k++)
			free(f->key_strs[i][k]);
	free(f->used);
}

/* Answers one queued request from the rules. */
static void
answer(struct fake *f, struct call *c)
{
	struct lb_http_resp	 r;
	size_t			 i;

	memset(&r, 0, sizeof r);
	r.retry_after_ms = -1;
	r.body = "";
	r.error = "connection refused";
	for (i = 0; i < f->nrules; i++) {
		if (strstr(c->line, f->rules[i].match) == NULL)
			continue;
		if (f->rules[i].times > 0 &&
		    f->used[i] >= f->rules[i].times)
			continue;
		f->used[i]++;
		r.status = f->rules[i].status;
		r.error = NULL;
		r.body = f->rules[i].body;
		r.body_len = strlen(r.body);
		r.retry_after_ms = f->rules[i].retry_after_ms;
		break;
	}
	c->fn(c->arg, &r);
}

/* Runs requests and timers until nothing is left (bounded). */
static void
pump(struct fake *f)
{
	struct call	 c;
	struct timer	 t;
	int		 rounds;

	for (rounds = 0; rounds < 1000 && (f->nq > 0 || f->nt > 0);
	    rounds++) {
		if (f->nq > 0) {
			c = f->q[0];
			memmove(f->q, f->q + 1, --f->nq * sizeof(*f->q));
			answer(f, &c);
			free(c.line);
			free(c.headers);
			free(c.body);
		} else {
			t = f->t[0];
			memmove(f->t, f->t + 1, --f->nt * sizeof(*f->t));
			f->waited_ms += t.ms;
			f->timers_fired++;
			t.fn(t.arg);
		}
	}
	assert_true(rounds < 1000);
}

/* How many logged requests contain s. */
static int
count(const struct fake *f, const char *s)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < f->nlog; i++)
		if (strstr(f->log[i], s) != NULL)
			n++;
	return n;
}

/* Opens the source and runs the sign-in; returns the state. */
static void *
open_ok(struct fake *f)
{
	void	*st = NULL;
	char	 why[256] = "";

	assert_int_equal(ks->open(&f->svc, &st, why, sizeof why), 0);
	assert_int_equal(f->ready_calls, 0);	/* never inside open() */
	pump(f);
	assert_int_equal(f->ready_calls, 1);
	assert_int_equal(f->ready_rc, 0);
	return st;
}

static void
fetch(struct fake *f, void *st, const char *name, size_t job)
{
	struct lb_ks_target	 t = { name, "", "windows", "", name };

	ks->fetch(st, &t, (void *)(uintptr_t)job);
}

/* Nothing secret in what the plugin said, ever. */
static void
no_secrets(const struct fake *f)
{
	const char	*bad[] = { SECRET, TOKEN, TOKEN2, PW1, PW2, "s3cr3t" };
	size_t		 i, k;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_null(strstr(f->notes, bad[i]));
		assert_null(strstr(f->debug, bad[i]));
		assert_null(strstr(f->ready_why, bad[i]));
		for (k = 0; k < 8; k++)
			assert_null(strstr(f->why[k], bad[i]));
	}
}

static void
test_descriptor(void **state)
{
	const char *const	*k;
	int			 n = 0;

	(void)state;
	assert_string_equal(ks->name, "entra");
	assert_int_equal(ks->concurrency, 4);
	assert_null(ks->build);
	assert_null(ks->parse);
	assert_non_null(ks->open);
	for (k = ks->keys; *k != NULL; k++)
		if (strcmp(*k, "tenant") == 0 || strcmp(*k, "client_id") == 0 ||
		    strcmp(*k, "flow") == 0 || strcmp(*k, "login_url") == 0 ||
		    strcmp(*k, "graph_url") == 0 ||
		    strcmp(*k, "ca_file") == 0 || strcmp(*k, "timeout") == 0)
			n++;
	assert_int_equal(n, 7);
}

static void
test_paging_keys(void **state)
{
	struct rule	 rules[] = {
		{ "POST https://login.test/contoso.example/oauth2/v2.0/token",
		    200, TOKEN_OK, -1, 0 },
		{ "GET " GRAPH "/devices?", 200, DEVICE_OK, -1, 0 },
		{ "skiptoken=2", 200, "{\"value\":[{\"id\":\"" K2 "\","
		    "\"createdDateTime\":\"2024-02-02T10:00:00Z\","
		    "\"volumeType\":2,\"deviceId\":\"" DEV "\"}]}", -1, 0 },
		{ "GET " KEYS "?", 200, "{\"@odata.context\":\"x\","
		    "\"value\":[{\"@odata.type\":\"#microsoft.graph."
		    "bitlockerRecoveryKey\",\"id\":\"" K1 "\","
		    "\"createdDateTime\":\"2024-01-01T00:00:00.0000000Z\","
		    "\"volumeType\":\"1\",\"deviceId\":\"" DEV "\"}],"
		    "\"@odata.nextLink\":\"" KEYS "?%24filter=x&%24skiptoken=2"
		    "\"}", -1, 0 },
		{ "GET " KEYS "/" K1 "?%24select=key", 200, "{\"id\":\"" K1
		    "\",\"key\":\"" PW1 "\"}", -1, 0 },
		{ "GET " KEYS "/" K2 "?%24select=key", 200, "{\"id\":\"" K2
		    "\",\"key\":\"" PW2 "\"}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 6);
	st = open_ok(&f);
	assert_int_equal(count(&f, "grant_type=client_credentials"
	    "&client_id=app-1&client_secret=s3cr3t%26%2B%3D%25xyz"
	    "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"), 1);
	assert_int_equal(count(&f, "Content-Type: application/"
	    "x-www-form-urlencoded"), 1);
	fetch(&f, st, "PC-01", 0);
	pump(&f);
	assert_int_equal(f.done_calls, 1);
	assert_int_equal(f.status[0], LB_KS_OK);
	assert_int_equal(count(&f, "GET " GRAPH "/devices?%24filter="
	    "displayName%20eq%20%27PC-01%27&%24select=id,deviceId,"
	    "displayName"), 1);
	assert_int_equal(count(&f, "GET " KEYS "?%24filter=deviceId%20eq%20"
	    "%27" DEV "%27\n"), 1);
	assert_int_equal(count(&f, "skiptoken=2"), 1);
	assert_int_equal(count(&f, "%24select=key"), 2);
	/* Every Graph request carries the token and a User-Agent. */
	assert_int_equal(count(&f, "GET "), 5);
	assert_int_equal(count(&f, "Authorization: Bearer " TOKEN "\n"), 5);
	assert_int_equal(count(&f, "User-Agent: "), 6);
	assert_int_equal(f.nkeys, 2);
	assert_string_equal(f.keys[0].protector_id, K1);
	assert_string_equal(f.keys[0].password, PW1);
	assert_string_equal(f.keys[0].volume, "operating system volume");
	assert_string_equal(f.keys[0].created, "2024-01-01T00:00:00.0000000Z");
	assert_string_equal(f.keys[1].protector_id, K2);
	assert_string_equal(f.keys[1].volume, "fixed data volume");
	assert_string_equal(f.keys[1].created, "2024-02-02T10:00:00Z");
	assert_string_equal(f.notes, "");
	no_secrets(&f);
	ks->close(st);
	fake_release(&f);
}

static void
test_odata_quote(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 200, "{\"value\":[]}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 2);
	st = open_ok(&f);
	fetch(&f, st, "O'Brien's PC&x#", 3);
	pump(&f);
	assert_int_equal(count(&f, "%24filter=displayName%20eq%20"
	    "%27O%27%27Brien%27%27s%20PC%26x%23%27&"), 1);
	assert_int_equal(f.status[3], LB_KS_NOT_FOUND);
	assert_string_equal(f.why[3], "device not found");
	ks->close(st);
	fake_release(&f);
}

static void
test_throttled(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 429, "{\"error\":{\"code\":\"TooManyRequests\","
		    "\"message\":\"Please retry again later.\"}}", 2000, 1 },
		{ "/devices?", 503, "", -1, 2 },
		{ "/devices?", 200, DEVICE_OK, -1, 0 },
		{ "GET " KEYS "?", 429, "{}", 0, 1 },
		{ "GET " KEYS "?", 200, "{\"value\":[{\"id\":\"" K1 "\"}]}",
		    -1, 0 },
		{ "%24select=key", 200, "{\"key\":\"" PW1 "\"}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 7);
	st = open_ok(&f);
	fetch(&f, st, "PC-01", 1);
	pump(&f);
	assert_int_equal(f.status[1], LB_KS_OK);
	assert_int_equal(f.nkeys, 1);
	/* Retry-After 2 s; then, as the second and third retry of the same
	 * request, 2 and 4 s of back-off; then Retry-After 0 (the list is
	 * a new request). */
	assert_int_equal(f.timers_fired, 4);
	assert_int_equal(f.waited_ms, 2000 + 2000 + 4000 + 0);
	assert_int_equal(count(&f, "/devices?"), 4);
	assert_string_equal(f.keys[0].volume, "");
	assert_string_equal(f.keys[0].created, "");
	ks->close(st);
	fake_release(&f);
}

static void
test_throttled_gives_up(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 429, "{}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 2);
	st = open_ok(&f);
	fetch(&f, st, "PC-01", 0);
	pump(&f);
	assert_int_equal(f.status[0], LB_KS_ERROR);
	assert_non_null(strstr(f.why[0], "gave up after 8 retries"));
	assert_int_equal(count(&f, "/devices?"), 9);
	/* 1, 2, 4, 8, 16, 32, 32, 32 s */
	assert_int_equal(f.waited_ms, 127000);
	ks->close(st);
	fake_release(&f);
}

static void
test_denied(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 200, DEVICE_OK, -1, 0 },
		{ "GET " KEYS "?", 200, "{\"value\":[{\"id\":\"" K1 "\"}]}",
		    -1, 0 },
		{ "%24select=key", 403, "{\"error\":{\"code\":"
		    "\"Authorization_RequestDenied\",\"message\":"
		    "\"Insufficient privileges to complete the "
		    "operation.\"}}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 4);
	st = open_ok(&f);
	fetch(&f, st, "PC-01", 2);
	pump(&f);
	assert_int_equal(f.status[2], LB_KS_DENIED);
	assert_string_equal(f.why[2], "Authorization_RequestDenied");
	assert_int_equal(f.nkeys, 0);
	ks->close(st);
	fake_release(&f);
}

static void
test_not_found_ambiguous_no_key(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "%27GHOST%27", 200, "{\"value\":[]}", -1, 0 },
		{ "%27TWIN%27", 200, "{\"value\":[{\"deviceId\":\"" DEV "\"},"
		    "{\"deviceId\":\"" DEV "\"}]}", -1, 0 },
		{ "%27BAD%27", 200, "{\"value\":[{\"deviceId\":\"x' or 1\"}]}",
		    -1, 0 },
		{ "/devices?", 200, DEVICE_OK, -1, 0 },
		{ "GET " KEYS "?", 200, "{\"value\":[]}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 6);
	st = open_ok(&f);
	fetch(&f, st, "GHOST", 0);
	fetch(&f, st, "TWIN", 1);
	fetch(&f, st, "PC-01", 2);
	fetch(&f, st, "BAD", 3);
	pump(&f);
	assert_int_equal(f.done_calls, 4);
	assert_int_equal(f.status[0], LB_KS_NOT_FOUND);
	assert_int_equal(f.status[1], LB_KS_ERROR);
	assert_string_equal(f.why[1],
	    "ambiguous: 2 devices named 'TWIN' in Entra ID");
	assert_int_equal(f.status[2], LB_KS_NO_KEY);
	assert_string_equal(f.why[2], "no key escrowed");
	assert_int_equal(f.status[3], LB_KS_ERROR);
	assert_int_equal(count(&f, "or%201"), 0);
	ks->close(st);
	fake_release(&f);
}

static void
test_device_code(void **state)
{
	struct rule	 rules[] = {
		{ "/devicecode", 200, "{\"device_code\":\"DC-123\","
		    "\"user_code\":\"FGH7K2LMN\",\"verification_uri\":"
		    "\"https://microsoft.com/devicelogin\",\"expires_in\":900,"
		    "\"interval\":1,\"message\":\"To sign in, use a web "
		    "browser to open the page "
		    "https://microsoft.com/devicelogin and enter the code"
		    " FGH7K2LMN to authenticate.\"}", -1, 0 },
		{ "/token", 400, "{\"error\":\"authorization_pending\","
		    "\"error_description\":\"AADSTS70016: pending\","
		    "\"error_codes\":[70016]}", -1, 2 },
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 200, "{\"value\":[]}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 4);
	fake_set(&f, "flow", "device_code");
	f.secret = NULL;	/* not asked for */
	st = open_ok(&f);
	assert_non_null(strstr(f.notes, "https://microsoft.com/devicelogin"));
	assert_non_null(strstr(f.notes, "FGH7K2LMN"));
	assert_int_equal(count(&f, "POST https://login.test/contoso.example/"
	    "oauth2/v2.0/devicecode"), 1);
	assert_int_equal(count(&f, "client_id=app-1&scope=https%3A%2F%2F"
	    "graph.microsoft.com%2F.default%20offline_access"), 1);
	assert_int_equal(count(&f, "grant_type=urn%3Aietf%3Aparams%3Aoauth"
	    "%3Agrant-type%3Adevice_code&client_id=app-1"
	    "&device_code=DC-123"), 3);
	assert_int_equal(f.timers_fired, 3);
	assert_int_equal(f.waited_ms, 3000);
	assert_int_equal(count(&f, "client_secret"), 0);
	fetch(&f, st, "PC-01", 0);
	pump(&f);
	assert_int_equal(count(&f, "Authorization: Bearer " TOKEN), 1);
	no_secrets(&f);
	ks->close(st);
	fake_release(&f);
}

static void
test_device_code_refused(void **state)
{
	struct rule	 rules[] = {
		{ "/devicecode", 200, "{\"device_code\":\"DC\","
		    "\"user_code\":\"ABC\",\"interval\":2}", -1, 0 },
		{ "/token", 400, "{\"error\":\"access_denied\","
		    "\"error_codes\":[70019]}", -1, 0 },
	};
	struct fake	 f;
	void		*st = NULL;
	char		 why[256];

	(void)state;
	fake_init(&f, rules, 2);
	fake_set(&f, "flow", "device_code");
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), 0);
	pump(&f);
	assert_int_equal(f.ready_calls, 1);
	assert_int_equal(f.ready_rc, -1);
	assert_string_equal(f.ready_why,
	    "sign-in failed: access_denied (AADSTS70019)");
	/* Without a message, the plugin writes its own instruction. */
	assert_string_equal(f.notes, "to sign in, open https://microsoft.com"
	    "/devicelogin and enter the code ABC\n");
	assert_int_equal(f.waited_ms, 2000);
	ks->close(st);
	fake_release(&f);
}

static void
test_bad_secret(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 401, "{\"error\":\"invalid_client\","
		    "\"error_description\":\"AADSTS7000215: Invalid client "
		    "secret provided.\",\"error_codes\":[7000215]}", -1, 0 },
	};
	struct fake	 f;
	void		*st = NULL;
	char		 why[256];

	(void)state;
	fake_init(&f, rules, 1);
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), 0);
	pump(&f);
	assert_int_equal(f.ready_rc, -1);
	assert_string_equal(f.ready_why,
	    "sign-in failed: invalid_client (AADSTS7000215)");
	no_secrets(&f);
	ks->close(st);
	fake_release(&f);
}

static void
test_renew_on_401(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 1 },
		{ "/token", 200, "{\"token_type\":\"Bearer\",\"expires_in\":"
		    "\"3599\",\"access_token\":\"" TOKEN2 "\"}", -1, 0 },
		{ "/devices?", 401, "{\"error\":{\"code\":"
		    "\"InvalidAuthenticationToken\"}}", -1, 2 },
		{ "/devices?", 200, "{\"value\":[]}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 4);
	st = open_ok(&f);
	/* Two hosts meet the same stale token: one renewal serves both. */
	fetch(&f, st, "A", 0);
	fetch(&f, st, "B", 1);
	pump(&f);
	assert_int_equal(count(&f, "/token"), 2);
	assert_int_equal(count(&f, "Bearer " TOKEN2), 2);
	assert_int_equal(f.status[0], LB_KS_NOT_FOUND);
	assert_int_equal(f.status[1], LB_KS_NOT_FOUND);
	no_secrets(&f);
	ks->close(st);
	fake_release(&f);
}

static void
test_401_twice(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 401, "{\"error\":{\"code\":"
		    "\"InvalidAuthenticationToken\"}}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 2);
	st = open_ok(&f);
	fetch(&f, st, "A", 0);
	pump(&f);
	assert_int_equal(count(&f, "/devices?"), 2);
	assert_int_equal(f.status[0], LB_KS_DENIED);
	assert_string_equal(f.why[0],
	    "token refused: InvalidAuthenticationToken");
	ks->close(st);
	fake_release(&f);
}

static void
test_foreign_next_link(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 200, DEVICE_OK, -1, 0 },
		{ "GET " KEYS "?", 200, "{\"value\":[],\"@odata.nextLink\":"
		    "\"https://graph.test.evil/v1.0/x\"}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 3);
	st = open_ok(&f);
	fetch(&f, st, "PC-01", 0);
	pump(&f);
	assert_int_equal(f.status[0], LB_KS_ERROR);
	assert_non_null(strstr(f.why[0], "elsewhere"));
	assert_int_equal(count(&f, "evil"), 0);
	ks->close(st);
	fake_release(&f);
}

static void
test_rejected_and_vanished(void **state)
{
	struct rule	 rules[] = {
		{ "/token", 200, TOKEN_OK, -1, 0 },
		{ "/devices?", 200, DEVICE_OK, -1, 0 },
		{ "GET " KEYS "?", 200, "{\"value\":[{\"id\":\"" K1 "\"},"
		    "{\"id\":\"" K2 "\"}]}", -1, 0 },
		{ K1 "?%24select=key", 200, "{\"key\":\"123\"}", -1, 0 },
		{ K2 "?%24select=key", 404, "{\"error\":{\"code\":"
		    "\"Request_ResourceNotFound\"}}", -1, 0 },
	};
	struct fake	 f;
	void		*st;

	(void)state;
	fake_init(&f, rules, 5);
	f.reject_keys = 1;
	st = open_ok(&f);
	fetch(&f, st, "PC-01", 0);
	pump(&f);
	assert_int_equal(f.status[0], LB_KS_ERROR);
	assert_string_equal(f.why[0], "no valid key among 2");
	ks->close(st);
	fake_release(&f);
}

static void
test_settings(void **state)
{
	struct rule	 rules[] = { { "/token", 200, TOKEN_OK, -1, 0 } };
	struct fake	 f;
	void		*st = NULL;
	char		 why[256];

	(void)state;
	fake_init(&f, rules, 1);
	fake_set(&f, "tenant", NULL);
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), -1);
	assert_null(st);
	assert_non_null(strstr(why, "no tenant"));
	fake_set(&f, "tenant", "a/../b");
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), -1);
	assert_non_null(strstr(why, "invalid tenant"));
	fake_set(&f, "tenant", "t");
	fake_set(&f, "flow", "password");
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), -1);
	assert_non_null(strstr(why, "invalid flow 'password'"));
	fake_set(&f, "flow", "client_credentials");
	fake_set(&f, "graph_url", "ftp://x");
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), -1);
	assert_non_null(strstr(why, "invalid graph_url"));
	fake_set(&f, "graph_url", GRAPH);
	fake_set(&f, "timeout", "0");
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), -1);
	assert_non_null(strstr(why, "invalid timeout"));
	fake_set(&f, "timeout", "5");
	f.secret = NULL;
	assert_int_equal(ks->open(&f.svc, &st, why, sizeof why), -1);
	assert_non_null(strstr(why, "no client secret"));
	assert_int_equal(f.nlog, 0);
	assert_int_equal(f.ready_calls, 0);
	fake_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_paging_keys),
		cmocka_unit_test(test_odata_quote),
		cmocka_unit_test(test_throttled),
		cmocka_unit_test(test_throttled_gives_up),
		cmocka_unit_test(test_denied),
		cmocka_unit_test(test_not_found_ambiguous_no_key),
		cmocka_unit_test(test_device_code),
		cmocka_unit_test(test_device_code_refused),
		cmocka_unit_test(test_bad_secret),
		cmocka_unit_test(test_renew_on_401),
		cmocka_unit_test(test_401_twice),
		cmocka_unit_test(test_foreign_next_link),
		cmocka_unit_test(test_rejected_and_vanished),
		cmocka_unit_test(test_settings),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
