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
	HS_OP,			/* exec, put or get in flight */
	HS_SLEEP,		/* EOP_SLEEP, or a turn before next() */
	HS_PARKED,
	HS_JOB,			/* the job is deciding */
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
	bool			 session;	/* conn is connected */
	unsigned		 attempt;	/* of the connect in hand */
	int64_t			 t_start;
	struct loop_timer	 timer;		/* back-off, sleep, turn */
	struct engine_op	 op;		/* in flight, or last */
	bool			 has_op;
	struct tp_result	*last;		/* the last op's result */
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
	engine_next_fn		*job;
	void			*job_arg;
	char			*command;	/* engine_exec()'s */
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
static void	host_step(struct ehost *, struct tp_result *);

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
	h->session = false;
	h->state = HS_DONE;
	h->e->closing--;
	check_finished(h->e);
}

/*
 * The host's result is in: count it, tell the observer, free the slot,
 * then disconnect (politely when a session is up).
 */
static void
host_finish(struct ehost *h, enum host_status status)
{
	struct engine		*e = h->e;
	struct engine_event	 ev;
	bool			 session;

	loop_timer_stop(e->loop, &h->timer);
	/* The observer may abort the run from this very event: the host
	 * must not look as if it were still at work. */
	session = h->conn != NULL && h->session;
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
	ev.res = h->last;
	ev.attempt = h->attempt;
	ev.duration_ms = loop_now(e->loop) - h->t_start;
	emit(e, &ev);
	tp_result_free(h->last);
	h->last = NULL;

	if (session && !e->aborted) {
		h->state = HS_CLOSING;
		e->closing++;
		tp_close(h->conn, close_done, h);
	} else {
		if (h->conn != NULL)
			tp_free(h->conn);
		h->conn = NULL;
		h->session = false;
		h->state = HS_DONE;
	}
	dispatch(e);
	check_finished(e);
}

static void
op_output(struct tp_conn *c, enum tp_stream_id id, const char *data,
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

/* An exec, put or get is over. */
static void
op_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct ehost	*h = arg;

	(void)c;
	/* A lost connection or a broken protocol leaves no session to
	 * go on with; a command that timed out or failed does. */
	if (res->err == TP_UNREACHABLE || res->err == TP_PROTOCOL)
		h->session = false;
	host_step(h, res);
}

static bool
retryable(enum tp_err err)
{
	return err == TP_UNREACHABLE || err == TP_REFUSED ||
	    err == TP_TIMEOUT;
}

enum host_status
engine_status_of(const struct engine_op *op, const struct tp_result *res)
{
	if (res == NULL)
		return HOST_OK;
	if (res->err == TP_CANCELLED)
		return HOST_CANCELLED;
	if (res->err != TP_OK) {
		/* Could not connect (no route, refused, timed out):
		 * unreachable.  Reached, but refused us (auth, host key):
		 * failed. */
		if (op != NULL && op->type == EOP_CONNECT &&
		    retryable(res->err))
			return HOST_UNREACHABLE;
		return HOST_FAILED;
	}
	return res->rc == 0 ? HOST_OK : HOST_FAILED;
}

static void	host_connect(struct ehost *);

static void
connect_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct ehost	*h = arg;
	struct engine	*e = h->e;
	int64_t		 delay, now;
	char		*msg;
	bool		 again;

	if (res->err == TP_OK) {
		h->session = true;
		host_step(h, res);
		return;
	}
	tp_free(c);
	h->conn = NULL;
	now = loop_now(e->loop);
	if (h->op.deadline > 0) {
		delay = h->op.interval_ms > 0 ? h->op.interval_ms :
		    e->opt.retry_delay_ms;
		again = retryable(res->err) && !e->cancelled &&
		    now + delay < h->op.deadline;
	} else {
		delay = e->opt.retry_delay_ms;
		for (unsigned i = 1; i < h->attempt &&
		    delay < e->opt.retry_delay_max_ms; i++)
			delay *= 2;
		if (delay > e->opt.retry_delay_max_ms)
			delay = e->opt.retry_delay_max_ms;
		again = retryable(res->err) && !e->cancelled &&
		    h->attempt <= e->opt.retries;
	}
	if (!again) {
		host_step(h, res);
		return;
	}
	if (h->op.deadline > 0) {
		if (xasprintf(&msg, "%s; again in %" PRId64 " ms, for up to "
		    "%" PRId64 " s more", res->msg ? res->msg :
		    tp_err_name(res->err), delay,
		    (h->op.deadline - now) / 1000) < 0)
			msg = NULL;
	} else if (xasprintf(&msg, "%s; attempt %u of %u in %" PRId64
	    " ms", res->msg ? res->msg : tp_err_name(res->err),
	    h->attempt + 1, e->opt.retries + 1, delay) < 0)
		msg = NULL;
	h->state = HS_BACKOFF;
	loop_timer_start(e->loop, &h->timer, delay);
	emit_host(e, h, ENGINE_HOST_RETRY, msg);
	free(msg);
	tp_result_free(res);
}

static void
host_connect(struct ehost *h)
{
	struct engine	*e = h->e;

	h->attempt++;
	h->state = HS_CONNECTING;
	if ((h->conn = tp_open(e->tp, h->host)) == NULL) {
		struct tp_result	*res;

		res = xcalloc(1, sizeof(*res));
		res->err = TP_LOCAL;
		res->rc = -1;
		res->msg = xstrdup("this transport is not built in");
		res->streams[0].fd = res->streams[1].fd = -1;
		host_step(h, res);
		return;
	}
	tp_connect(h->conn, connect_done, h);
}

/* A synthetic result for an operation the engine refuses. */
static struct tp_result *
local_error(const char *msg)
{
	struct tp_result	*res;

	res = xcalloc(1, sizeof(*res));
	res->err = TP_LOCAL;
	res->rc = -1;
	res->msg = xstrdup(msg);
	res->streams[0].fd = res->streams[1].fd = -1;
	return res;
}

/* Starts the op in h->op. */
static void
op_start(struct ehost *h)
{
	struct engine		*e = h->e;
	struct engine_op	*op = &h->op;
	struct tp_exec_opts	 xo;

	switch (op->type) {
	case EOP_CONNECT:
		if (h->session) {
			/* Already up: nothing to do. */
			h->state = HS_SLEEP;
			loop_timer_start(e->loop, &h->timer, 0);
			return;
		}
		if (h->conn != NULL)
			tp_free(h->conn);
		h->conn = NULL;
		h->attempt = 0;
		host_connect(h);
		return;
	case EOP_EXEC:
	case EOP_PUT:
	case EOP_GET:
		if (!h->session) {
			host_step(h, local_error("not connected"));
			return;
		}
		h->state = HS_OP;
		if (op->type == EOP_PUT) {
			tp_put(h->conn, op->local, op->remote, op->mode,
			    op_done, h);
			return;
		}
		if (op->type == EOP_GET) {
			tp_get(h->conn, op->remote, op->local, op_done, h);
			return;
		}
		memset(&xo, 0, sizeof(xo));
		xo.timeout_ms = op->timeout_ms;
		xo.on_output = op_output;
		xo.output_arg = h;
		xo.spill_name = op->spill_name;
		xo.input = op->input;
		xo.input_len = op->input_len;
		tp_exec(h->conn, op->command, &xo, op_done, h);
		return;
	case EOP_DROP:
		if (h->conn != NULL)
			tp_free(h->conn);
		h->conn = NULL;
		h->session = false;
		/* FALLTHROUGH */
	case EOP_SLEEP:
		h->state = HS_SLEEP;
		loop_timer_start(e->loop, &h->timer,
		    op->type == EOP_SLEEP && op->ms > 0 ? op->ms : 0);
		return;
	case EOP_PARK:
		h->state = HS_PARKED;
		return;
	case EOP_FINISH:
		host_finish(h, op->status);
		return;
	}
	host_finish(h, HOST_FAILED);
}

/*
 * The op in hand is over, with res (owned here from now on; NULL for
 * sleep, park and drop): the job says what comes next.
 */
static void
host_step(struct ehost *h, struct tp_result *res)
{
	struct engine		*e = h->e;
	struct engine_op	 prev = h->op, next;

	if (res != NULL) {
		tp_result_free(h->last);
		h->last = res;
	}
	memset(&next, 0, sizeof(next));
	next.mode = -1;
	/* Not asleep, parked or backing off while the job decides: a
	 * cancel from inside the job must leave this host to it. */
	h->state = HS_JOB;
	e->job(e->job_arg, h->index, h->has_op ? &prev : NULL, res, &next);
	h->op = next;
	h->has_op = true;
	op_start(h);
}

static void
timer_done(struct loop *loop, void *arg)
{
	struct ehost	*h = arg;

	(void)loop;
	if (h->state == HS_BACKOFF)
		host_connect(h);
	else if (h->state == HS_SLEEP)
		host_step(h, NULL);
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
	host_step(h, NULL);
}

/* engine_exec()'s job: connect, run the command, finish. */
static void
exec_next(void *arg, size_t index, const struct engine_op *prev,
    const struct tp_result *res, struct engine_op *op)
{
	struct engine	*e = arg;

	if (prev == NULL) {
		op->type = EOP_CONNECT;
		return;
	}
	if (prev->type == EOP_CONNECT && res->err == TP_OK) {
		op->type = EOP_EXEC;
		op->command = e->command;
		op->timeout_ms = e->opt.command_timeout_ms;
		op->spill_name = e->hosts[index].spill_name;
		return;
	}
	op->type = EOP_FINISH;
	op->status = engine_status_of(prev, res);
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
		tp_result_free(e->hosts[i].last);
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
engine_run(struct engine *e, const struct host *const *hosts, size_t n,
    engine_next_fn *next, void *arg)
{
	struct strmap	 sitemap = STRMAP_INIT;
	struct ehost	*h;
	struct esite	*site;
	unsigned	 s;
	size_t		 i;

	if (e->started)
		return LB_ERR_INVALID;
	e->started = true;
	e->job = next;
	e->job_arg = arg;
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
		if (e->command != NULL)
			h->spill_name = spill_name(hosts[i]);
		loop_timer_init(&h->timer, timer_done, h);
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

int
engine_exec(struct engine *e, const struct host *const *hosts, size_t n,
    const char *command)
{
	if (e->started)
		return LB_ERR_INVALID;
	e->command = xstrdup(command);
	return engine_run(e, hosts, n, exec_next, e);
}

void
engine_wake(struct engine *e, size_t index)
{
	struct ehost	*h;

	if (index >= e->nhosts)
		return;
	h = &e->hosts[index];
	if (h->state != HS_PARKED)
		return;
	h->state = HS_SLEEP;
	loop_timer_start(e->loop, &h->timer, 0);
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
	/* Hosts waiting (to connect again, asleep, parked) will not go
	 * on: they end now. */
	for (s = 0; s < e->nhosts; s++) {
		h = &e->hosts[s];
		if (h->state == HS_BACKOFF || h->state == HS_SLEEP ||
		    h->state == HS_PARKED)
			host_finish(h, HOST_CANCELLED);
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
		if (h->state == HS_CONNECTING || h->state == HS_OP) {
			tp_free(h->conn);
			h->conn = NULL;
			h->session = false;
			host_finish(h, HOST_CANCELLED);
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
