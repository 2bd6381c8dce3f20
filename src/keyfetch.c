/*
 * Fetching recovery keys (see keyfetch.h).
 *
 * A directory source's calls into lifeboat (struct lb_ks_svc) all take
 * the fetch as ctx.  Its jobs are started from a zero-delay timer, the
 * pump, never from inside one of its own callbacks, so a source that
 * finishes a host inside fetch() does not recurse into the next.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "http.h"
#include "inventory.h"
#include "keyfetch.h"
#include "keysrc.h"
#include "ldapc.h"
#include "loop.h"
#include "plugin.h"
#include "transport-winrm.h"
#include "vault.h"
#include "xmalloc.h"
#include "ytree.h"

#define KF_MSG_MAX	512
#define KF_SCRIPT_MAX	(256 * 1024)
#define KF_FANOUT_HOST	64

struct keyfetch;

struct kf_timer {
	struct loop_timer	 t;
	struct keyfetch		*kf;
	lb_ks_timer_fn		*fn;
	void			*arg;
	struct kf_timer		*prev, *next;
};

struct kf_job {
	struct keyfetch		*kf;
	size_t			 idx;
	struct lb_ks_target	 t;
	int64_t			 t0;
	bool			 started;
	bool			 done;
	struct buf		 cmd;		/* host source: the command */
	struct buf		 input;		/* ... and its stdin */
};

struct keyfetch {
	struct loop			*loop;
	struct kf_opts			 o;
	const struct lb_keysource	*d;
	const struct host *const	*hosts;
	size_t				 n;
	struct vault			*v;
	struct kf_host			*kh;
	struct kf_job			*jobs;
	unsigned			 fanout;
	size_t				 next;		/* next job to start */
	size_t				 active;
	size_t				 ndone;
	bool				 started;
	bool				 opened;	/* ready(0) came */
	bool				 open_state;	/* close() owed */
	bool				 cancelled;
	bool				 finished;
	void				*state;
	char				*open_error;	/* ready(-1) */
	struct lb_ks_svc		 svc;
	struct http			*http;
	struct ldapc			*ldap;
	struct kf_timer			*timers;
	struct loop_timer		 pump;
	struct tp_ctx			*tp;
	struct engine			*engine;
	char				 envname[128];
};

static const char *const status_names[] = {
	[KF_PENDING] = "pending",
	[KF_OK] = "ok",
	[KF_NO_KEY] = "no-key",
	[KF_NOT_FOUND] = "not-found",
	[KF_DENIED] = "denied",
	[KF_ERROR] = "error",
	[KF_UNREACHABLE] = "unreachable",
	[KF_CANCELLED] = "cancelled",
};

const char *
kf_status_name(enum kf_status s)
{
	if ((size_t)s >= sizeof status_names / sizeof status_names[0])
		return "unknown";
	return status_names[s];
}

static void
emit(struct keyfetch *kf, enum kf_event_type type, const struct kf_host *h,
    const char *msg)
{
	struct kf_event	 ev;

	if (kf->o.observer == NULL)
		return;
	memset(&ev, 0, sizeof ev);
	ev.type = type;
	ev.host = h;
	ev.msg = msg;
	ev.done = kf->ndone;
	ev.total = kf->n;
	kf->o.observer(&ev, kf->o.arg);
}

static void __attribute__((format(printf, 3, 4)))
emitf(struct keyfetch *kf, enum kf_event_type type, const char *fmt, ...)
{
	char	 msg[KF_MSG_MAX];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	emit(kf, type, NULL, msg);
}

/* One line for people: control characters become spaces. */
static char *
one_line(const char *s)
{
	char	*r, *p;

	if (s == NULL || *s == '\0')
		return NULL;
	r = xstrdup(s);
	for (p = r; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return r;
}

/* Takes a key found for host i into the vault. */
static int
take_key(struct keyfetch *kf, size_t i, const struct lb_ks_key *k)
{
	const struct host	*h = kf->hosts[i];
	struct kf_host		*kh = &kf->kh[i];
	struct vault_key	 vk;
	enum vault_put_result	 res;
	const char		*why;
	char			 msg[KF_MSG_MAX];

	memset(&vk, 0, sizeof vk);
	vk.id = k->protector_id != NULL ? k->protector_id : "";
	vk.host = h->name;
	vk.site = h->site != NULL ? h->site : "";
	vk.volume = k->volume != NULL ? k->volume : "";
	vk.password = k->password != NULL ? k->password : "";
	vk.source = kf->d->name;
	vk.created = k->created != NULL ? k->created : "";
	vk.fetched = (int64_t)time(NULL);
	if (vault_put(kf->v, &vk, &res, &why) != 0) {
		kh->nrejected++;
		/* why is the vault's own static text: never the password. */
		snprintf(msg, sizeof msg, "refused a key for volume '%.64s' "
		    "from %s: %s", vk.volume, kf->d->name,
		    why != NULL ? why : "invalid");
		emit(kf, KF_EV_REJECTED, kh, msg);
		return -1;
	}
	kh->nkeys++;
	return 0;
}

static enum kf_status
from_ks(enum lb_ks_status s)
{
	switch (s) {
	case LB_KS_OK:
		return KF_OK;
	case LB_KS_NO_KEY:
		return KF_NO_KEY;
	case LB_KS_NOT_FOUND:
		return KF_NOT_FOUND;
	case LB_KS_DENIED:
		return KF_DENIED;
	default:
		return KF_ERROR;
	}
}

static void	 finish(struct keyfetch *);

/* Host i is final. */
static void
host_final(struct keyfetch *kf, size_t i, enum kf_status st, const char *why)
{
	struct kf_host	*kh = &kf->kh[i];

	if (kh->status != KF_PENDING)
		return;
	/* A source that says ok but gave nothing we kept has no key. */
	if (st == KF_OK && kh->nkeys == 0) {
		st = kh->nrejected > 0 ? KF_ERROR : KF_NO_KEY;
		if (why == NULL || *why == '\0')
			why = kh->nrejected > 0 ? "every key found was invalid"
			    : "no recovery key found";
	}
	kh->status = st;
	kh->why = one_line(why);
	if (kf->jobs[i].started)
		kh->ms = loop_now(kf->loop) - kf->jobs[i].t0;
	kf->ndone++;
	emit(kf, KF_EV_HOST, kh, NULL);
}

/*
 * Services for directory sources.
 */

static const char *
setting(struct keyfetch *kf, const char *key)
{
	size_t	 i;
	char	*p;

	for (i = 0; i < kf->o.nsettings; i++)
		if (strcmp(kf->o.settings[i].key, key) == 0)
			return kf->o.settings[i].value;
	snprintf(kf->envname, sizeof kf->envname, "LIFEBOAT_%s_%s",
	    kf->d->name, key);
	for (p = kf->envname; *p != '\0'; p++)
		*p = (char)(*p == '-' ? '_' : toupper((unsigned char)*p));
	p = getenv(kf->envname);
	return p != NULL && *p != '\0' ? p : NULL;
}

static const char *
svc_config(void *ctx, const char *key)
{
	return setting(ctx, key);
}

/* Reads a secret from file into buf: the first line, without its end. */
static int
secret_file(struct keyfetch *kf, const char *env, const char *file,
    char *buf, size_t len)
{
	struct buf	 b;
	size_t		 n;
	int		 err, r = -1;

	buf_init(&b, len, BUF_WIPE);
	if ((err = buf_read_file(&b, file, len - 1)) != 0)
		emitf(kf, KF_EV_NOTE, "%s: cannot read %s: %s", env, file,
		    strerror(err));
	else if ((n = strcspn(buf_str(&b), "\r\n")) == 0)
		emitf(kf, KF_EV_NOTE, "%s: %s is empty", env, file);
	else {
		memcpy(buf, b.data, n);
		buf[n] = '\0';
		r = 0;
	}
	buf_release(&b);
	return r;
}

static int
svc_secret(void *ctx, const char *name, const char *prompt, char *buf,
    size_t len)
{
	struct keyfetch	*kf = ctx;
	char		 env[160], *p;
	const char	*v;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	snprintf(env, sizeof env, "LIFEBOAT_%s_%s_FILE", kf->d->name, name);
	for (p = env; *p != '\0'; p++)
		*p = (char)(*p == '-' ? '_' : toupper((unsigned char)*p));
	if ((v = getenv(env)) != NULL && *v != '\0')
		return secret_file(kf, env, v, buf, len);
	/* Without _FILE: the variable itself, for service managers that
	 * hand secrets over in the environment. */
	env[strlen(env) - 5] = '\0';
	if ((v = getenv(env)) != NULL && *v != '\0') {
		if (strlen(v) >= len)
			return -1;
		memcpy(buf, v, strlen(v) + 1);
		return 0;
	}
	if (kf->o.ask == NULL ||
	    kf->o.ask(prompt != NULL ? prompt : "Secret: ", buf, len,
	    kf->o.ask_arg) != 0) {
		sodium_memzero(buf, len);
		return -1;
	}
	return 0;
}

static void
svc_note(void *ctx, const char *line)
{
	emit(ctx, KF_EV_NOTE, NULL, line);
}

static void
svc_debug(void *ctx, const char *line)
{
	emit(ctx, KF_EV_DEBUG, NULL, line);
}

static int
svc_http(void *ctx, const struct lb_http_req *req, lb_http_fn *fn,
    void *arg)
{
	struct keyfetch	*kf = ctx;
	char		 ua[64];

	if (kf->http == NULL) {
		snprintf(ua, sizeof ua, "lifeboat/%s", LIFEBOAT_VERSION);
		kf->http = http_new(kf->loop, setting(kf, "ca_file"), ua);
		if (kf->http == NULL)
			return -1;
	}
	return http_request(kf->http, req, fn, arg) == 0 ? 0 : -1;
}

static int
svc_ldap_connect(void *ctx, const struct lb_ldap_conn *c, lb_ldap_fn *fn,
    void *arg)
{
	struct keyfetch	*kf = ctx;

	if (kf->ldap != NULL)
		return -1;
	kf->ldap = ldapc_new(kf->loop);
	return ldapc_connect(kf->ldap, c, fn, arg);
}

static int
svc_ldap_search(void *ctx, const char *base, enum lb_ldap_scope scope,
    const char *filter, const char *const *attrs, lb_ldap_fn *fn, void *arg)
{
	struct keyfetch	*kf = ctx;

	if (kf->ldap == NULL)
		return -1;
	return ldapc_search(kf->ldap, base, scope, filter, attrs, fn, arg);
}

static void
timer_fire(struct loop *loop, void *arg)
{
	struct kf_timer	*t = arg;
	struct keyfetch	*kf = t->kf;

	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		kf->timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->fn(t->arg);
	free(t);
}

static int
svc_after(void *ctx, int64_t ms, lb_ks_timer_fn *fn, void *arg)
{
	struct keyfetch	*kf = ctx;
	struct kf_timer	*t;

	if (fn == NULL)
		return -1;
	t = xcalloc(1, sizeof *t);
	t->kf = kf;
	t->fn = fn;
	t->arg = arg;
	t->next = kf->timers;
	if (kf->timers != NULL)
		kf->timers->prev = t;
	kf->timers = t;
	loop_timer_init(&t->t, timer_fire, t);
	loop_timer_start(kf->loop, &t->t, ms < 0 ? 0 : ms);
	return 0;
}

static struct kf_job *
job_of(struct keyfetch *kf, void *job)
{
	struct kf_job	*j = job;

	if (j == NULL || j < kf->jobs || j >= kf->jobs + kf->n ||
	    j->kf != kf || !j->started)
		return NULL;
	return j;
}

static int
svc_key(void *ctx, void *job, const struct lb_ks_key *k)
{
	struct keyfetch	*kf = ctx;
	struct kf_job	*j;

	if ((j = job_of(kf, job)) == NULL || j->done || k == NULL)
		return -1;
	return take_key(kf, j->idx, k);
}

static void
svc_done(void *ctx, void *job, enum lb_ks_status st, const char *why)
{
	struct keyfetch	*kf = ctx;
	struct kf_job	*j;

	if ((j = job_of(kf, job)) == NULL || j->done) {
		emitf(kf, KF_EV_DEBUG, "%s: a host was finished twice",
		    kf->d->name);
		return;
	}
	j->done = true;
	kf->active--;
	host_final(kf, j->idx, from_ks(st), why);
	loop_timer_start(kf->loop, &kf->pump, 0);
}

static void
svc_ready(void *ctx, int rc, const char *why)
{
	struct keyfetch	*kf = ctx;
	char		 msg[KF_MSG_MAX];
	size_t		 i;

	if (kf->opened || kf->finished)
		return;
	if (rc != 0) {
		snprintf(msg, sizeof msg, "%s: %s", kf->d->name,
		    why != NULL && *why != '\0' ? why : "cannot open");
		kf->open_error = one_line(msg);
		for (i = 0; i < kf->n; i++)
			host_final(kf, i, KF_ERROR, msg);
	} else
		kf->opened = true;
	loop_timer_start(kf->loop, &kf->pump, 0);
}

static void
target_init(struct keyfetch *kf, struct lb_ks_target *t,
    const struct host *h)
{
	char		 var[80];
	const char	*s;
	size_t		 i;

	t->name = h->name;
	t->site = h->site != NULL ? h->site : "";
	t->os = h->os != NULL ? h->os : "";
	t->address = h->address != NULL ? h->address : "";
	t->lookup = h->name;
	snprintf(var, sizeof var, "%s_name", kf->d->name);
	for (i = 0; i < h->nvars; i++) {
		if (strcmp(h->vars[i].name, var) != 0)
			continue;
		if ((s = ynode_str(h->vars[i].value)) != NULL && *s != '\0')
			t->lookup = s;
	}
}

/* Starts what may start; finishes when everything is final. */
static void
pump(struct loop *loop, void *arg)
{
	struct keyfetch	*kf = arg;
	struct kf_job	*j;

	if (kf->finished)
		return;
	if (kf->opened) {
		while (!kf->cancelled && kf->active < kf->fanout &&
		    kf->next < kf->n) {
			j = &kf->jobs[kf->next++];
			if (kf->kh[j->idx].status != KF_PENDING)
				continue;
			j->started = true;
			j->t0 = loop_now(loop);
			kf->active++;
			kf->d->fetch(kf->state, &j->t, j);
		}
	}
	if (kf->cancelled) {
		for (; kf->next < kf->n; kf->next++)
			host_final(kf, kf->next, KF_CANCELLED,
			    "not started: interrupted");
	}
	if (kf->ndone == kf->n && kf->active == 0)
		finish(kf);
}

static void
finish(struct keyfetch *kf)
{
	if (kf->finished)
		return;
	kf->finished = true;
	if (kf->open_state) {
		kf->open_state = false;
		kf->d->close(kf->state);
		kf->state = NULL;
	}
	emit(kf, KF_EV_DONE, NULL, NULL);
	loop_stop(kf->loop);
}

/*
 * Host sources: an engine job.
 */

static int
host_build(void *arg, const struct lb_facts *facts, const struct lb_out *out,
    char *why, size_t whylen)
{
	const struct lb_keysource	*d = arg;

	return d->build(facts, out, why, whylen);
}

static void
host_facts(const struct host *h, struct lb_facts *f)
{
	memset(f, 0, sizeof *f);
	f->name = h->name;
	f->os = h->os != NULL ? h->os : "";
	f->site = h->site != NULL ? h->site : "";
	f->tier = h->tier;
	f->shell = h->os != NULL && strcmp(h->os, "windows") == 0 ?
	    LB_SHELL_POWERSHELL : LB_SHELL_SH;
}

/* The script for host i as the command that runs it; 0 or -1 (final). */
static int
host_command(struct keyfetch *kf, size_t i)
{
	struct kf_job	*j = &kf->jobs[i];
	struct lb_facts	 f;
	struct buf	 script;
	char		 why[KF_MSG_MAX];
	int		 r;

	host_facts(kf->hosts[i], &f);
	buf_init(&script, KF_SCRIPT_MAX, 0);
	r = plugin_script(kf->d->name, &f, host_build, (void *)kf->d,
	    &script, why, sizeof why);
	if (r != 0) {
		host_final(kf, i, KF_ERROR, why);
		buf_release(&script);
		return -1;
	}
	buf_reset(&j->cmd);
	buf_reset(&j->input);
	if (f.shell == LB_SHELL_POWERSHELL) {
		if (winrm_ps_command(&j->cmd, buf_str(&script),
		    script.len) != 0)
			r = -1;
	} else {
		buf_adds(&j->cmd, "sh -s");
		buf_add(&j->input, script.data, script.len);
		buf_addc(&j->input, '\n');
	}
	buf_release(&script);
	if (r != 0) {
		host_final(kf, i, KF_ERROR, "the script does not fit");
		return -1;
	}
	return 0;
}

static int
emit_key(void *ctx, const struct lb_ks_key *k)
{
	struct kf_job	*j = ctx;

	return take_key(j->kf, j->idx, k);
}

/* Reads the reply to host i's script, then wipes it. */
static void
host_reply(struct keyfetch *kf, size_t i, const struct tp_result *res)
{
	struct kf_job		*j = &kf->jobs[i];
	struct tp_result	*w = (struct tp_result *)res;
	struct lb_facts		 f;
	struct lb_reply		 rep;
	struct lb_ks_emit	 em = { j, emit_key };
	enum lb_ks_status	 st;
	char			 why[KF_MSG_MAX];
	size_t			 s;

	host_facts(kf->hosts[i], &f);
	memset(&rep, 0, sizeof rep);
	rep.rc = res->rc;
	rep.out = res->streams[TP_STDOUT].data != NULL ?
	    res->streams[TP_STDOUT].data : "";
	rep.out_len = res->streams[TP_STDOUT].data != NULL ?
	    res->streams[TP_STDOUT].len : 0;
	rep.err = res->streams[TP_STDERR].data != NULL ?
	    res->streams[TP_STDERR].data : "";
	rep.err_len = res->streams[TP_STDERR].data != NULL ?
	    res->streams[TP_STDERR].len : 0;
	why[0] = '\0';
	st = kf->d->parse(&f, &rep, &em, why, sizeof why);
	why[sizeof why - 1] = '\0';
	if (res->streams[TP_STDOUT].truncated && st == LB_KS_OK &&
	    kf->kh[i].nkeys == 0)
		snprintf(why, sizeof why, "the output was cut short");
	host_final(kf, i, from_ks(st), why);
	/* The output held the recovery passwords: nothing of it stays in
	 * memory once read.  The result is the engine's, but it is ours to
	 * read only, and it is freed unread after this call. */
	for (s = 0; s < 2; s++)
		if (w->streams[s].data != NULL)
			sodium_memzero(w->streams[s].data,
			    w->streams[s].cap > w->streams[s].len ?
			    w->streams[s].cap : w->streams[s].len);
	buf_release(&j->cmd);
	buf_release(&j->input);
}

static void
host_next(void *arg, size_t i, const struct engine_op *prev,
    const struct tp_result *res, struct engine_op *op)
{
	struct keyfetch	*kf = arg;
	struct kf_job	*j = &kf->jobs[i];

	if (prev == NULL) {
		j->started = true;
		j->t0 = loop_now(kf->loop);
		op->type = EOP_CONNECT;
		return;
	}
	if (prev->type == EOP_CONNECT) {
		if ((res != NULL && res->err != TP_OK) || kf->cancelled)
			goto end;
		if (host_command(kf, i) != 0) {
			op->type = EOP_FINISH;
			op->status = HOST_FAILED;
			return;
		}
		op->type = EOP_EXEC;
		op->command = buf_str(&j->cmd);
		if (j->input.len > 0) {
			op->input = j->input.data;
			op->input_len = j->input.len;
		}
		op->timeout_ms = kf->o.eo.command_timeout_ms;
		return;
	}
	if (prev->type == EOP_EXEC && res != NULL && res->err == TP_OK) {
		host_reply(kf, i, res);
		op->type = EOP_FINISH;
		op->status = kf->kh[i].status == KF_OK ? HOST_OK : HOST_FAILED;
		return;
	}
end:
	op->type = EOP_FINISH;
	op->status = engine_status_of(prev, res);
}

static void
host_observe(const struct engine_event *ev, void *arg)
{
	struct keyfetch	*kf = arg;
	const char	*msg;
	enum kf_status	 st;

	switch (ev->type) {
	case ENGINE_HOST_RETRY:
	case ENGINE_HOST_NOTICE:
		if (ev->msg != NULL)
			emitf(kf, KF_EV_DEBUG, "%s: %s", ev->host->name,
			    ev->msg);
		break;
	case ENGINE_HOST_DONE:
		if (kf->kh[ev->index].status != KF_PENDING)
			break;
		msg = ev->res != NULL && ev->res->msg != NULL ?
		    ev->res->msg : NULL;
		switch (ev->status) {
		case HOST_UNREACHABLE:
			st = KF_UNREACHABLE;
			break;
		case HOST_CANCELLED:
			st = KF_CANCELLED;
			if (msg == NULL)
				msg = "interrupted";
			break;
		default:
			st = KF_ERROR;
			if (msg == NULL && ev->res != NULL)
				msg = "the script failed";
			break;
		}
		host_final(kf, ev->index, st, msg);
		break;
	case ENGINE_DONE:
		finish(kf);
		break;
	default:
		break;
	}
}

static int
start_host(struct keyfetch *kf, char *why, size_t whylen)
{
	struct diags	 d = DIAGS_INIT;
	struct engine_opts eo = kf->o.eo;
	char		*m;
	size_t		 i;

	kf->tp = tp_ctx_new(kf->loop, &kf->o.to);
	if (tp_ctx_prepare(kf->tp, kf->hosts, kf->n, &d) != 0) {
		for (i = 0; i < d.n; i++)
			if (d.v[i].level == DIAG_ERROR)
				break;
		m = diag_format(&d.v[i < d.n ? i : 0]);
		snprintf(why, whylen, "%s", d.n > 0 ? m : "cannot prepare "
		    "the connections");
		free(m);
		diags_release(&d);
		return LB_ERR_INVALID;
	}
	diags_release(&d);
	eo.fanout = kf->fanout;
	kf->engine = engine_new(kf->loop, kf->tp, &eo, host_observe, kf);
	engine_run(kf->engine, kf->hosts, kf->n, host_next, kf);
	return 0;
}

struct keyfetch *
keyfetch_new(struct loop *loop, const struct kf_opts *o,
    const struct host *const *hosts, size_t n, struct vault *v)
{
	struct keyfetch	*kf;
	size_t		 i;

	kf = xcalloc(1, sizeof *kf);
	kf->loop = loop;
	kf->o = *o;
	kf->d = keysrc_desc(o->src);
	kf->hosts = hosts;
	kf->n = n;
	kf->v = v;
	kf->kh = xcalloc(n ? n : 1, sizeof *kf->kh);
	kf->jobs = xcalloc(n ? n : 1, sizeof *kf->jobs);
	for (i = 0; i < n; i++) {
		kf->kh[i].h = hosts[i];
		kf->jobs[i].kf = kf;
		kf->jobs[i].idx = i;
		buf_init(&kf->jobs[i].cmd, 0, 0);
		buf_init(&kf->jobs[i].input, KF_SCRIPT_MAX + 1, BUF_WIPE);
		target_init(kf, &kf->jobs[i].t, hosts[i]);
	}
	kf->fanout = o->fanout;
	if (kf->fanout == 0)
		kf->fanout = kf->d->concurrency;
	if (kf->fanout == 0)
		kf->fanout = keysrc_is_host(o->src) ? KF_FANOUT_HOST : 4;
	loop_timer_init(&kf->pump, pump, kf);
	kf->svc.ctx = kf;
	kf->svc.config = svc_config;
	kf->svc.secret = svc_secret;
	kf->svc.note = svc_note;
	kf->svc.debug = svc_debug;
	kf->svc.http = svc_http;
	kf->svc.ldap_connect = svc_ldap_connect;
	kf->svc.ldap_search = svc_ldap_search;
	kf->svc.after = svc_after;
	kf->svc.key = svc_key;
	kf->svc.done = svc_done;
	kf->svc.ready = svc_ready;
	return kf;
}

int
keyfetch_start(struct keyfetch *kf, char *why, size_t whylen)
{
	char	 pwhy[KF_MSG_MAX];

	why[0] = '\0';
	if (kf->started)
		return LB_ERR_INVALID;
	kf->started = true;
	if (kf->n == 0) {
		loop_timer_start(kf->loop, &kf->pump, 0);
		return 0;
	}
	if (keysrc_is_host(kf->o.src))
		return start_host(kf, why, whylen);
	memset(pwhy, 0, sizeof pwhy);
	if (kf->d->open(&kf->svc, &kf->state, pwhy, sizeof pwhy) != 0) {
		pwhy[sizeof pwhy - 1] = '\0';
		snprintf(why, whylen, "%s: %s", kf->d->name,
		    pwhy[0] != '\0' ? pwhy : "cannot start");
		kf->finished = true;
		return LB_ERR_INVALID;
	}
	kf->open_state = true;
	return 0;
}

void
keyfetch_cancel(struct keyfetch *kf)
{
	kf->cancelled = true;
	if (kf->engine != NULL)
		engine_cancel(kf->engine);
	else if (kf->started)
		loop_timer_start(kf->loop, &kf->pump, 0);
}

bool
keyfetch_done(const struct keyfetch *kf)
{
	return kf->finished;
}

const char *
keyfetch_open_error(const struct keyfetch *kf)
{
	return kf->open_error;
}

const struct kf_host *
keyfetch_host(const struct keyfetch *kf, size_t i)
{
	return i < kf->n ? &kf->kh[i] : NULL;
}

void
keyfetch_free(struct keyfetch *kf)
{
	struct kf_timer	*t, *next;
	size_t		 i;

	if (kf == NULL)
		return;
	/* The services go first, without calling back, so the source's
	 * state is no longer reachable when close() frees it. */
	http_free(kf->http);
	ldapc_free(kf->ldap);
	for (t = kf->timers; t != NULL; t = next) {
		next = t->next;
		loop_timer_stop(kf->loop, &t->t);
		free(t);
	}
	if (kf->open_state)
		kf->d->close(kf->state);
	loop_timer_stop(kf->loop, &kf->pump);
	engine_free(kf->engine);
	tp_ctx_free(kf->tp);
	for (i = 0; i < kf->n; i++) {
		free(kf->kh[i].why);
		buf_release(&kf->jobs[i].cmd);
		buf_release(&kf->jobs[i].input);
	}
	free(kf->open_error);
	free(kf->kh);
	free(kf->jobs);
	free(kf);
}
