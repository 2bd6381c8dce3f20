/*
 * libFuzzer target for what the entra key source (plugins/entra.c) makes
 * of the identity platform's and Graph's answers.  The plugin is
 * compiled into this program (its names are static but
 * lifeboat_keysource(), renamed here) and driven through a fake service
 * table: every request it makes is answered, on a later turn, with the
 * next piece of the input, timers fire at once.
 *
 * The first byte picks the flow (bit 0: device code) and whether
 * lifeboat rejects the keys it is handed (bit 1).  The rest is split at
 * each 0xff byte into answers; an answer's first byte picks its status
 * (200 mostly, 400, 401, 403, 404, 429, 503, or none: a transport
 * error) and bit 4 of it gives a Retry-After of 0; the other bytes are
 * the body.  When the answers run out, each request gets "no answer".
 * Besides crashes, leaks and sanitizer reports, these are bugs:
 *
 *   - ready() not called exactly once, or done() not exactly once for
 *     the host after a successful open, or anything after done();
 *   - a reason that is empty for a failure, has a control character or
 *     runs over 255 bytes; a note with a control character or over
 *     511 bytes;
 *   - a key whose protector id is not 32 hex digits and dashes, or with
 *     a NULL field;
 *   - a request to a URL that does not start with the configured
 *     login_url or graph_url origin (the token goes nowhere else).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define lifeboat_keysource fuzz_entra_keysource
#include "../../plugins/entra.c"
#undef lifeboat_keysource

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_QUEUE	16
#define FZ_STEPS	100000

struct fz_call {
	lb_http_fn		*fn;
	void			*arg;
	lb_ks_timer_fn		*tfn;		/* a timer when set */
};

struct fz {
	const uint8_t		*p, *end;	/* answers left */
	bool			 device_code;
	bool			 reject;
	struct fz_call		 q[FZ_QUEUE];
	size_t			 nq;
	int			 ready, done, keys;
	struct lb_ks_svc	 svc;
};

static void
fz_check_line(const char *s, bool may_be_empty, size_t max)
{
	size_t	 n;

	if (s == NULL)
		abort();
	n = strlen(s);
	if ((n == 0 && !may_be_empty) || n > max)
		abort();
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
}

static const char *
fz_config(void *ctx, const char *key)
{
	struct fz	*f = ctx;

	if (strcmp(key, "tenant") == 0)
		return "contoso.example";
	if (strcmp(key, "client_id") == 0)
		return "app";
	if (strcmp(key, "login_url") == 0)
		return "https://login.test";
	if (strcmp(key, "graph_url") == 0)
		return "https://graph.test/v1.0";
	if (strcmp(key, "flow") == 0)
		return f->device_code ? "device_code" : NULL;
	return NULL;
}

static int
fz_secret(void *ctx, const char *name, const char *prompt, char *buf,
    size_t len)
{
	(void)ctx;
	(void)name;
	(void)prompt;
	snprintf(buf, len, "secret");
	return 0;
}

static void
fz_note(void *ctx, const char *line)
{
	(void)ctx;
	fz_check_line(line, true, 511);
}

static void
fz_debug(void *ctx, const char *line)
{
	(void)ctx;
	if (line == NULL)
		abort();
}

static int
fz_push(struct fz *f, lb_http_fn *fn, lb_ks_timer_fn *tfn, void *arg)
{
	if (f->nq == FZ_QUEUE)
		return -1;
	f->q[f->nq].fn = fn;
	f->q[f->nq].tfn = tfn;
	f->q[f->nq].arg = arg;
	f->nq++;
	return 0;
}

static int
fz_http(void *ctx, const struct lb_http_req *req, lb_http_fn *fn,
    void *arg)
{
	struct fz	*f = ctx;

	if (strncmp(req->url, "https://login.test/", 19) != 0 &&
	    strncmp(req->url, "https://graph.test/", 19) != 0)
		abort();
	return fz_push(f, fn, NULL, arg);
}

static int
fz_after(void *ctx, int64_t ms, lb_ks_timer_fn *fn, void *arg)
{
	if (ms < 0)
		abort();
	return fz_push(ctx, NULL, fn, arg);
}

static int
fz_key(void *ctx, void *job, const struct lb_ks_key *k)
{
	struct fz	*f = ctx;

	(void)job;
	if (f->done > 0 || k->volume == NULL || k->created == NULL ||
	    k->password == NULL || !entra_guid(k->protector_id))
		abort();
	f->keys++;
	return f->reject ? -1 : 0;
}

static void
fz_done(void *ctx, void *job, enum lb_ks_status st, const char *why)
{
	struct fz	*f = ctx;

	(void)job;
	if (f->done++ > 0 || st > LB_KS_ERROR)
		abort();
	if (st != LB_KS_OK)
		fz_check_line(why, false, 255);
}

static void
fz_ready(void *ctx, int rc, const char *why)
{
	struct fz	*f = ctx;

	if (f->ready++ > 0)
		abort();
	if (rc != 0)
		fz_check_line(why, false, 255);
}

/* The next answer from the input. */
static void
fz_answer(struct fz *f, lb_http_fn *fn, void *arg)
{
	static const long	 status[] = { 200, 200, 200, 200, 400, 401,
		403, 404, 429, 503, 0, 200, 200, 200, 200, 500 };
	struct lb_http_resp	 r;
	const uint8_t		*e;
	char			*body;
	size_t			 n;

	memset(&r, 0, sizeof r);
	r.retry_after_ms = -1;
	if (f->p >= f->end) {
		r.error = "no answer";
		r.body = "";
		fn(arg, &r);
		return;
	}
	r.status = status[*f->p & 15];
	if (*f->p & 16)
		r.retry_after_ms = 0;
	f->p++;
	e = memchr(f->p, 0xff, (size_t)(f->end - f->p));
	if (e == NULL)
		e = f->end;
	n = (size_t)(e - f->p);
	body = malloc(n + 1);
	if (body == NULL)
		abort();
	memcpy(body, f->p, n);
	body[n] = '\0';
	f->p = e < f->end ? e + 1 : e;
	if (r.status == 0)
		r.error = "connection reset";
	r.body = body;
	r.body_len = n;
	fn(arg, &r);
	free(body);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct lb_keysource	*ks = fuzz_entra_keysource();
	struct lb_ks_target		 t = { "pc-01", "", "windows", "",
		"PC-01" };
	struct fz			 f;
	struct fz_call			 c;
	void				*st = NULL;
	char				 why[256];
	bool				 fetched = false;
	int				 steps;

	if (size < 1)
		return 0;
	memset(&f, 0, sizeof f);
	f.device_code = data[0] & 1;
	f.reject = data[0] & 2;
	f.p = data + 1;
	f.end = data + size;
	f.svc.ctx = &f;
	f.svc.config = fz_config;
	f.svc.secret = fz_secret;
	f.svc.note = fz_note;
	f.svc.debug = fz_debug;
	f.svc.http = fz_http;
	f.svc.after = fz_after;
	f.svc.key = fz_key;
	f.svc.done = fz_done;
	f.svc.ready = fz_ready;
	if (ks->open(&f.svc, &st, why, sizeof why) != 0)
		abort();
	for (steps = 0; steps < FZ_STEPS; steps++) {
		if (f.nq == 0) {
			if (f.ready == 0)
				abort();	/* open() stalled */
			if (fetched || f.done > 0)
				break;
		}
		if (f.ready > 0 && !fetched) {
			fetched = true;
			/* A failed open fetches nothing. */
			if (f.done == 0 && f.ready == 1 && st != NULL &&
			    ((struct entra *)st)->token != NULL)
				ks->fetch(st, &t, &f);
			continue;
		}
		c = f.q[0];
		memmove(f.q, f.q + 1, --f.nq * sizeof(*f.q));
		if (c.tfn != NULL)
			c.tfn(c.arg);
		else
			fz_answer(&f, c.fn, c.arg);
	}
	/* Every step uses up input, a retry or a job: no livelock. */
	if (steps == FZ_STEPS && f.nq > 0)
		abort();
	if (fetched && ((struct entra *)st)->token != NULL && f.done != 1)
		abort();
	ks->close(st);
	return 0;
}
