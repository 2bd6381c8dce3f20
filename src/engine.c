/*
 * The engine (see engine.h): a per-host state machine driven by the
 * transports' completions, and a dispatcher that hands out slots.
 *
 * Each site has a FIFO of its pending hosts.  Dispatch walks the sites
 * round-robin from where it last stopped and starts the head of the first
 * site under its limit, until the fan-out is reached or nothing can
 * start.  That costs O(sites) per start at worst, and keeps a site that
 * is at its limit from blocking the others.
 *
 * Every event is delivered synchronously to the one observer; the engine
 * never calls back into the observer from inside engine_exec() (work
 * starts from a timer), so the observer may call engine_cancel() from any
 * event.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "errors.h"
#include "strmap.h"
#include "xmalloc.h"

enum hstate {
	HS_PENDING,
	HS_CONNECTING,
	HS_BACKOFF,		/* waiting to connect again */
	HS_EXEC,
	HS_ENDING,		/* result being reported */
	HS_CLOSING,		/* result in; disconnecting */
	HS_DONE,
};

struct ehost {
	struct engine		*e;
	const struct host	*host;
	size_t			 index;
	size_t			 site;
	enum hstate		 state;
	enum host_status	 status;
	struct tp_conn		*conn;
	unsigned		 attempt;
	int64_t			 t_start;
	struct loop_timer	 timer;		/* back-off */
	char			*spill_name;
	size_t			 next;		/* in the site queue */
};

struct esite {
	size_t		 head;		/* first pending host, or NONE */
	size_t		 tail;
	unsigned	 running;
};

#define NONE	((size_t)-1)

struct engine {
	struct loop		*loop;
	struct tp_ctx		*tp;
	struct engine_opts	 opt;
	engine_observer_fn	*observer;
	void			*arg;
	char			*command;
	struct ehost		*hosts;
	size_t			 nhosts;
	struct esite		*sites;
	size_t			 nsites;
	size_t			 rr;		/* next site to look at */
	size_t			 closing;	/* hosts disconnecting */
	struct engine_stats	 stats;
	struct loop_timer	 kick;		/* starts dispatch */
	struct loop_timer	 progress;
	bool			 changed;	/* since the last PROGRESS */
	bool			 started;
	bool			 in_dispatch;
	bool			 redispatch;
	bool			 cancelled;
	bool			 aborted;
	bool			 finished;
};

static const char *const status_names[] = {
	[HOST_PENDING] = "pending",
	[HOST_RUNNING] = "running",
	[HOST_OK] = "ok",
	[HOST_FAILED] = "failed",
	[HOST_UNREACHABLE] = "unreachable",
	[HOST_CANCELLED] = "cancelled",
};

const char *
host_status_name(enum host_status s)
{
	if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "unknown";
	return status_names[s];
}

static void	dispatch(struct engine *);
static void	dispatch_some(struct engine *);
static void	host_connect(struct ehost *);

static void
emit(struct engine *e, struct engine_event *ev)
{
	e->stats.t_now = loop_now(e->loop);
	ev->stats = &e->stats;
	if (e->observer != NULL)
		e->observer(ev, e->arg);
}

static void
emit_host(struct engine *e, struct ehost *h, enum engine_event_type type,
    const char *msg)
{
	struct engine_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.host = h->host;
	ev.index = h->index;
	ev.status = h->status;
	ev.attempt = h->attempt;
	ev.msg = msg;
	emit(e, &ev);
}

static void
check_finished(struct engine *e)
{
	struct engine_event	 ev;

	if (e->finished || !e->started)
		return;
	if (e->stats.pending > 0 || e->stats.running > 0 || e->closing > 0)
		return;
	e->finished = true;
	loop_timer_stop(e->loop, &e->progress);
	loop_timer_stop(e->loop, &e->kick);
	memset(&ev, 0, sizeof(ev));
	ev.type = ENGINE_PROGRESS;
	emit(e, &ev);
	ev.type = ENGINE_DONE;
	emit(e, &ev);
}

static void
close_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct ehost	*h = arg;

	(void)c;
	tp_result_free(res);
	h->conn = NULL;		/* freed by tp_close() */
	h->state = HS_DONE;
	h->e->closing--;
	check_finished(h->e);
}

/*
 * The host's result is in: count it, tell the observer, free the slot,
 * then disconnect (politely when a session is up).
 */
static void
host_finish(struct ehost *h, enum host_status status,
    const struct tp_result *res)
{
	struct engine		*e = h->e;
	struct engine_event	 ev;
	bool			 session;

	if (h->state == HS_BACKOFF)
		loop_timer_stop(e->loop, &h->timer);
	/* The observer may abort the run from this very event: the host
	 * must not look as if it were still at work. */
	session = h->conn != NULL && h->state == HS_EXEC;
	h->state = HS_ENDING;
	h->status = status;
	e->stats.running--;
	e->sites[h->site].running--;
	switch (status) {
	case HOST_OK:
		e->stats.ok++;
		break;
	case HOST_FAILED:
		e->stats.failed++;
		break;
	case HOST_UNREACHABLE:
		e->stats.unreachable++;
		break;
	default:
		e->stats.cancelled++;
		break;
	}
	e->changed = true;
	memset(&ev, 0, sizeof(ev));
	ev.type = ENGINE_HOST_DONE;
	ev.host = h->host;
	ev.index = h->index;
	ev.status = status;
	ev.res = res;
	ev.attempt = h->attempt;
	ev.duration_ms = loop_now(e->loop) - h->t_start;
	emit(e, &ev);

	if (session && !e->aborted) {
		h->state = HS_CLOSING;
		e->closing++;
		tp_close(h->conn, close_done, h);
	} else {
		if (h->conn != NULL)
			tp_free(h->conn);
		h->conn = NULL;
		h->state = HS_DONE;
	}
	dispatch(e);
	check_finished(e);
}

static void
exec_output(struct tp_conn *c, enum tp_stream_id id, const char *data,
    size_t len, void *arg)
{
	struct ehost		*h = arg;
	struct engine_event	 ev;

	(void)c;
	if (!h->e->opt.stream_output)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = ENGINE_HOST_OUTPUT;
	ev.host = h->host;
	ev.index = h->index;
	ev.status = HOST_RUNNING;
	ev.stream = id;
	ev.data = data;
	ev.len = len;
	emit(h->e, &ev);
}

static void
exec_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct ehost		*h = arg;
	enum host_status	 st;

	(void)c;
	if (res->err != TP_OK)
		st = res->err == TP_CANCELLED ? HOST_CANCELLED : HOST_FAILED;
	else
		st = res->rc == 0 ? HOST_OK : HOST_FAILED;
	host_finish(h, st, res);
	tp_result_free(res);
}

static void
backoff_done(struct loop *loop, void *arg)
{
	struct ehost	*h = arg;

	(void)loop;
	host_connect(h);
}

static bool
retryable(enum tp_err err)
{
	return err == TP_UNREACHABLE || err == TP_REFUSED ||
	    err == TP_TIMEOUT;
}

static void
connect_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct ehost		*h = arg;
	struct engine		*e = h->e;
	struct tp_exec_opts	 xo;
	int64_t			 delay;
	char			*msg;

	if (res->err == TP_OK) {
		tp_result_free(res);
		h->state = HS_EXEC;
		memset(&xo, 0, sizeof(xo));
		xo.timeout_ms = e->opt.command_timeout_ms;
		xo.on_output = exec_output;
		xo.output_arg = h;
		xo.spill_name = h->spill_name;
		tp_exec(c, e->command, &xo, exec_done, h);
		return;
	}
	tp_free(c);
	h->conn = NULL;
	if (retryable(res->err) && h->attempt <= e->opt.retries &&
	    !e->cancelled) {
		delay = e->opt.retry_delay_ms;
		for (unsigned i = 1; i < h->attempt &&
		    delay < e->opt.retry_delay_max_ms; i++)
			delay *= 2;
		if (delay > e->opt.retry_delay_max_ms)
			delay = e->opt.retry_delay_max_ms;
		if (xasprintf(&msg, "%s; attempt %u of %u in %" PRId64
		    " ms", res->msg ? res->msg : tp_err_name(res->err),
		    h->attempt + 1, e->opt.retries + 1, delay) < 0)
			msg = NULL;
		h->state = HS_BACKOFF;
		loop_timer_start(e->loop, &h->timer, delay);
		emit_host(e, h, ENGINE_HOST_RETRY, msg);
		free(msg);
		tp_result_free(res);
		return;
	}
	/* Could not connect (no route, refused, timed out): unreachable.
	 * Reached but refused us (auth, host key): failed. */
	host_finish(h, retryable(res->err) ? HOST_UNREACHABLE :
	    res->err == TP_CANCELLED ? HOST_CANCELLED : HOST_FAILED, res);
	tp_result_free(res);
}

static void
host_connect(struct ehost *h)
{
	struct engine	*e = h->e;

	h->attempt++;
	h->state = HS_CONNECTING;
	if ((h->conn = tp_open(e->tp, h->host)) == NULL) {
		struct tp_result	 res;

		memset(&res, 0, sizeof(res));
		res.err = TP_LOCAL;
		res.rc = -1;
		res.msg = (char *)"this transport is not built in";
		res.streams[0].fd = res.streams[1].fd = -1;
		host_finish(h, HOST_FAILED, &res);
		return;
	}
	tp_connect(h->conn, connect_done, h);
}

static void
host_start(struct ehost *h)
{
	struct engine	*e = h->e;

	e->stats.pending--;
	e->stats.running++;
	if (e->stats.running > e->stats.max_running)
		e->stats.max_running = e->stats.running;
	e->sites[h->site].running++;
	h->status = HOST_RUNNING;
	h->t_start = loop_now(e->loop);
	if (e->stats.t_start == 0)
		e->stats.t_start = h->t_start;
	e->changed = true;
	emit_host(e, h, ENGINE_HOST_START, NULL);
	host_connect(h);
}

/* Takes the head of site s's queue. */
static struct ehost *
site_pop(struct engine *e, size_t s)
{
	struct esite	*site = &e->sites[s];
	struct ehost	*h;

	if (site->head == NONE)
		return NULL;
	h = &e->hosts[site->head];
	site->head = h->next;
	if (site->head == NONE)
		site->tail = NONE;
	return h;
}

/*
 * Starts hosts while slots are free.  A host that fails at once ends
 * inside host_start() and calls dispatch() again: that call only asks
 * the running one to go round again, so the stack stays flat however
 * many hosts fail in a row.
 */
static void
dispatch(struct engine *e)
{
	e->redispatch = true;
	if (e->in_dispatch)
		return;
	e->in_dispatch = true;
	while (e->redispatch && !e->cancelled) {
		e->redispatch = false;
		dispatch_some(e);
	}
	e->in_dispatch = false;
}

static void
dispatch_some(struct engine *e)
{
	struct esite	*site;
	size_t		 i, s;
	bool		 started;

	do {
		started = false;
		for (i = 0; i < e->nsites; i++) {
			if (e->stats.running >= e->opt.fanout)
				return;
			s = (e->rr + i) % e->nsites;
			site = &e->sites[s];
			if (site->head == NONE)
				continue;
			if (e->opt.per_site > 0 &&
			    site->running >= e->opt.per_site)
				continue;
			e->rr = (s + 1) % e->nsites;
			host_start(site_pop(e, s));
			started = true;
			break;
		}
	} while (started);
}

static void
kick(struct loop *loop, void *arg)
{
	struct engine	*e = arg;

	(void)loop;
	dispatch(e);
	check_finished(e);
}

static void
progress_tick(struct loop *loop, void *arg)
{
	struct engine		*e = arg;
	struct engine_event	 ev;

	if (e->finished)
		return;
	if (e->changed) {
		e->changed = false;
		memset(&ev, 0, sizeof(ev));
		ev.type = ENGINE_PROGRESS;
		emit(e, &ev);
	}
	loop_timer_start(loop, &e->progress, e->opt.progress_ms);
}

struct engine *
engine_new(struct loop *loop, struct tp_ctx *tp,
    const struct engine_opts *opt, engine_observer_fn *observer, void *arg)
{
	struct engine	*e;

	e = xcalloc(1, sizeof(*e));
	e->loop = loop;
	e->tp = tp;
	if (opt != NULL)
		e->opt = *opt;
	if (e->opt.fanout == 0)
		e->opt.fanout = ENGINE_FANOUT_DEFAULT;
	if (e->opt.retry_delay_ms <= 0)
		e->opt.retry_delay_ms = ENGINE_RETRY_DELAY_DEFAULT;
	if (e->opt.retry_delay_max_ms <= 0)
		e->opt.retry_delay_max_ms = ENGINE_RETRY_DELAY_MAX;
	if (e->opt.retry_delay_max_ms < e->opt.retry_delay_ms)
		e->opt.retry_delay_max_ms = e->opt.retry_delay_ms;
	e->observer = observer;
	e->arg = arg;
	loop_timer_init(&e->kick, kick, e);
	loop_timer_init(&e->progress, progress_tick, e);
	return e;
}

void
engine_free(struct engine *e)
{
	size_t	 i;

	if (e == NULL)
		return;
	loop_timer_stop(e->loop, &e->kick);
	loop_timer_stop(e->loop, &e->progress);
	for (i = 0; i < e->nhosts; i++) {
		loop_timer_stop(e->loop, &e->hosts[i].timer);
		tp_free(e->hosts[i].conn);
		free(e->hosts[i].spill_name);
	}
	free(e->hosts);
	free(e->sites);
	free(e->command);
	free(e);
}

/* A file name for the host's spilled output: safe characters only. */
static char *
spill_name(const struct host *host)
{
	char	*s, *p;

	xasprintf(&s, "%s.exec", host->name);
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.'))
			*p = '_';
	}
	if (s[0] == '.')
		s[0] = '_';
	return s;
}

int
engine_exec(struct engine *e, const struct host *const *hosts, size_t n,
    const char *command)
{
	struct strmap	 sitemap = STRMAP_INIT;
	struct ehost	*h;
	struct esite	*site;
	unsigned	 s;
	size_t		 i;

	if (e->started)
		return LB_ERR_INVALID;
	e->started = true;
	e->command = xstrdup(command);
	e->hosts = xreallocarray(NULL, n ? n : 1, sizeof(*e->hosts));
	e->sites = xreallocarray(NULL, n ? n : 1, sizeof(*e->sites));
	e->nhosts = n;
	for (i = 0; i < n; i++) {
		h = &e->hosts[i];
		memset(h, 0, sizeof(*h));
		h->e = e;
		h->host = hosts[i];
		h->index = i;
		h->next = NONE;
		h->spill_name = spill_name(hosts[i]);
		loop_timer_init(&h->timer, backoff_done, h);
		if (!strmap_get(&sitemap, hosts[i]->site ? hosts[i]->site :
		    "", &s)) {
			s = (unsigned)e->nsites++;
			strmap_put(&sitemap, hosts[i]->site ? hosts[i]->site :
			    "", s);
			e->sites[s].head = e->sites[s].tail = NONE;
			e->sites[s].running = 0;
		}
		h->site = s;
		site = &e->sites[s];
		if (site->tail == NONE)
			site->head = i;
		else
			e->hosts[site->tail].next = i;
		site->tail = i;
	}
	strmap_release(&sitemap);
	e->stats.total = n;
	e->stats.pending = n;
	loop_timer_start(e->loop, &e->kick, 0);
	if (e->opt.progress_ms > 0)
		loop_timer_start(e->loop, &e->progress, e->opt.progress_ms);
	return 0;
}

void
engine_cancel(struct engine *e)
{
	struct ehost	*h;
	size_t		 s;

	if (e->cancelled || !e->started)
		return;
	e->cancelled = true;
	for (s = 0; s < e->nsites; s++) {
		while ((h = site_pop(e, s)) != NULL) {
			h->status = HOST_CANCELLED;
			h->state = HS_DONE;
			e->stats.pending--;
			e->stats.cancelled++;
		}
	}
	e->changed = true;
	/* Hosts waiting to connect again will not: they end now. */
	for (s = 0; s < e->nhosts; s++) {
		h = &e->hosts[s];
		if (h->state == HS_BACKOFF)
			host_finish(h, HOST_CANCELLED, NULL);
	}
	loop_timer_start(e->loop, &e->kick, 0);
}

void
engine_abort(struct engine *e)
{
	struct ehost	*h;
	size_t		 i;

	engine_cancel(e);
	e->aborted = true;
	for (i = 0; i < e->nhosts; i++) {
		h = &e->hosts[i];
		if (h->state == HS_CONNECTING || h->state == HS_EXEC) {
			tp_free(h->conn);
			h->conn = NULL;
			h->state = HS_DONE;
			host_finish(h, HOST_CANCELLED, NULL);
		} else if (h->state == HS_CLOSING) {
			/* The close callback will not come: count it here. */
			tp_free(h->conn);
			h->conn = NULL;
			h->state = HS_DONE;
			e->closing--;
		}
	}
	check_finished(e);
}

const struct engine_stats *
engine_stats(const struct engine *e)
{
	return &e->stats;
}

enum host_status
engine_host_status(const struct engine *e, size_t index)
{
	if (index >= e->nhosts)
		return HOST_PENDING;
	return e->hosts[index].status;
}

bool
engine_done(const struct engine *e)
{
	return e->finished;
}
