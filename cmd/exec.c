/*
 * lifeboat exec PATTERN -- COMMAND...: runs one command on every host the
 * pattern selects, many at once, and shows what came back.
 *
 * This file is an observer of the engine: it turns engine events into
 * "host: line" output (as pdsh does), into groups of hosts with the same
 * output (--gather, as dshbak -c does), or into one JSON object per host
 * (--json); it draws the progress line and handles Ctrl-C.  The work
 * itself is the engine's, through a job of ours: connect, record the
 * start, run the command, finish.
 *
 * Every exec is a run, as a playbook run is (journal.h): it gets an id
 * and a run directory, and its journal holds one step, "command", per
 * host.  A host's start record is on disk before the command is sent
 * (the host is parked until the loop turn's sync), so that a resume
 * knows which hosts may have run it.  cmd_exec_resume() and
 * cmd_exec_rerun() carry on an exec run and run some of its hosts again,
 * for lifeboat resume and rerun.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "engine.h"
#include "errors.h"
#include "hostrange.h"
#include "inventory.h"
#include "journal.h"
#include "json.h"
#include "loop.h"
#include "pattern.h"
#include "redact.h"
#include "rundir.h"
#include "strmap.h"
#include "transport.h"
#include "xmalloc.h"
#include "ytree.h"

#define EXEC_LINE_MAX	(64 * 1024)	/* longer lines are cut */
#define PROGRESS_MS	100
#define EXEC_MSG_MAX	400	/* a journal message, one line */
#define UNKNOWN_SHOWN	10

enum exec_mode {
	MODE_STREAM,		/* host: line, as it comes */
	MODE_GATHER,		/* identical outputs grouped at the end */
	MODE_JSON,		/* one object per host per line */
};

/* A partial line of one host's stream, and how much was shown. */
struct pending_line {
	struct buf	 b;
	uint64_t	 shown;
};

/* One group of hosts with identical results (--gather). */
struct group {
	uint64_t	 hash;
	char		*out;
	char		*err;
	int		 rc;
	enum tp_err	 error;
	char		*msg;
	const char	**names;
	size_t		 nnames;
};

/* Where a host of the run is in our job. */
enum xphase {
	XP_PENDING,		/* no slot yet */
	XP_CONNECT,
	XP_SYNC,		/* its start record waits for the disk */
	XP_EXEC,		/* the command was sent */
};

struct xhost {
	enum xphase	 phase;
	bool		 done;		/* its end record is written */
	size_t		 jh;		/* its index in the journal's hosts */
	int64_t		 t0;		/* loop_now() when it got a slot */
	const char	**secrets;	/* the inventory's values, masked */
	size_t		 nsecrets;
};

/* What a host of a resumed run came to before. */
enum xfate {
	XF_RUN,			/* not started, or cancelled before: run */
	XF_DONE,		/* done: its host record is there */
	XF_ENDED,		/* its end is there, its host record not */
	XF_UNKNOWN,		/* started, and no one knows how it ended */
};

struct tally {
	size_t	 ok;
	size_t	 failed;	/* unknown too */
	size_t	 unreachable;
	size_t	 cancelled;
};

struct exec_run {
	struct cmd_ctx		*ctx;
	struct loop		*loop;
	struct engine		*engine;
	enum exec_mode		 mode;
	size_t			 out_cap;
	const struct host *const *hosts;
	size_t			 nhosts;
	struct pending_line	(*lines)[2];	/* per host, per stream */
	struct group		*groups;
	size_t			 ngroups;
	const char		**changed;	/* hosts whose key changed */
	size_t			 nchanged;
	struct cmd_progress	 progress;
	int			 interrupts;
	bool			 write_error;
	/* The run and its journal. */
	char			 id[RUNDIR_ID_MAX];
	char			*dir;
	struct journal		*jn;
	struct journal_gate	 jgate;		/* the journal, once a turn */
	bool			 journal_failed;
	struct xhost		*xh;		/* per host of the engine */
	const char		*command;
	int64_t			 timeout_ms;
	struct tally		 before;	/* done before a resume */
	size_t			 nbefore;
};

static void
progress_draw(struct exec_run *r, const struct engine_stats *st)
{
	size_t		 done = st->ok + st->failed + st->unreachable +
			    st->cancelled;
	double		 secs, rate;
	char		 eta[32] = "";

	if (!r->progress.on || st->t_start == 0)
		return;
	secs = (double)(st->t_now - st->t_start) / 1000.0;
	rate = secs > 0.2 ? (double)done / secs : 0.0;
	if (rate > 0 && done < st->total && r->interrupts == 0)
		snprintf(eta, sizeof(eta), "  ETA %.0fs",
		    (double)(st->total - done) / rate + 0.5);
	cmd_progress_show(&r->progress, "[%zu/%zu] %zu ok, %zu failed, "
	    "%zu unreachable, %zu running  %.1f hosts/s%s", done, st->total,
	    st->ok, st->failed, st->unreachable, st->running, rate, eta);
}

/* Whether the host's lines end in CRLF: a Windows host. */
static bool
crlf_host(const struct host *h)
{
	return h->transport == TRANSPORT_WINRM ||
	    (h->os != NULL && strcmp(h->os, "windows") == 0);
}

/* Writes one line of a host's output, "host: text". */
static void
put_line(struct exec_run *r, const struct host *h, enum tp_stream_id id,
    const char *s, size_t len)
{
	FILE	*fp = id == TP_STDOUT ? stdout : stderr;

	cmd_progress_clear(&r->progress);
	/* Windows ends lines with CRLF: the line is what comes before.
	 * Other hosts' bytes are shown as they are. */
	if (len > 0 && s[len - 1] == '\r' && crlf_host(h))
		len--;
	/* fwrite, not %.*s: binary output may hold NUL bytes. */
	if (fputs(h->name, fp) == EOF || fputs(": ", fp) == EOF ||
	    fwrite(s, 1, len, fp) != len || fputc('\n', fp) == EOF)
		r->write_error = true;
}

/* Streams a chunk: whole lines now, the rest when it is complete. */
static void
stream_chunk(struct exec_run *r, size_t i, const struct host *h,
    enum tp_stream_id id, const char *data, size_t len)
{
	struct pending_line	*pl = &r->lines[i][id];
	const char		*nl;
	size_t			 n;

	/* Show no more than the result keeps. */
	if (pl->shown >= r->out_cap)
		return;
	if (len > r->out_cap - pl->shown)
		len = (size_t)(r->out_cap - pl->shown);
	pl->shown += len;
	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if (pl->b.len + n > EXEC_LINE_MAX)
			n = EXEC_LINE_MAX - pl->b.len;
		buf_add(&pl->b, data, n);
		data += n;
		len -= n;
		if (nl != NULL && data == nl) {
			data++;
			len--;
		} else if (pl->b.len < EXEC_LINE_MAX) {
			break;
		}
		put_line(r, h, id, pl->b.data ? pl->b.data : "", pl->b.len);
		buf_reset(&pl->b);
	}
}

static void
stream_end(struct exec_run *r, size_t i, const struct host *h,
    const struct tp_result *res)
{
	struct pending_line	*pl;
	int			 id;

	for (id = TP_STDOUT; id <= TP_STDERR; id++) {
		pl = &r->lines[i][id];
		if (pl->b.len > 0)
			put_line(r, h, id, pl->b.data, pl->b.len);
		buf_release(&pl->b);
		if (res != NULL && res->streams[id].truncated) {
			char	 m[96];

			snprintf(m, sizeof(m), "[truncated: %" PRIu64
			    " bytes in all, the first %zu shown]",
			    res->streams[id].total, r->out_cap);
			put_line(r, h, id, m, strlen(m));
		}
	}
}

/* Prints each line of msg as "lifeboat: host: what: line". */
static void
report_error(struct exec_run *r, const struct host *h, const char *what,
    const char *msg)
{
	const char	*p, *nl;

	cmd_progress_clear(&r->progress);
	if (msg == NULL || *msg == '\0') {
		fprintf(stderr, "lifeboat: %s: %s\n", h->name, what);
		return;
	}
	for (p = msg; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		fprintf(stderr, "lifeboat: %s: %s: %.*s\n", h->name, what,
		    (int)(nl - p), p);
	}
}

static void
report_failure(struct exec_run *r, const struct host *h,
    enum host_status st, const struct tp_result *res)
{
	if (st == HOST_OK || (r->ctx->verbose < 0 && st == HOST_CANCELLED))
		return;
	if (res == NULL) {
		report_error(r, h, host_status_name(st), NULL);
	} else if (res->err != TP_OK) {
		report_error(r, h, tp_err_name(res->err), res->msg);
		if (res->err == TP_HOSTKEY_CHANGED) {
			r->changed = xreallocarray(r->changed,
			    r->nchanged + 1, sizeof(*r->changed));
			r->changed[r->nchanged++] = h->name;
		}
	} else if (res->signal != NULL) {
		cmd_progress_clear(&r->progress);
		fprintf(stderr, "lifeboat: %s: killed by signal %s\n",
		    h->name, res->signal);
	} else {
		cmd_progress_clear(&r->progress);
		fprintf(stderr, "lifeboat: %s: exit status %d\n", h->name,
		    res->rc);
	}
}

static const char *
stream_text(const struct tp_result *res, enum tp_stream_id id)
{
	if (res == NULL || res->streams[id].data == NULL)
		return "";
	return res->streams[id].data;
}

static void
json_host(struct exec_run *r, const struct engine_event *ev)
{
	const struct tp_result	*res = ev->res;
	const struct host	*h = ev->host;
	struct json		 j;
	int			 id;
	static const char *const names[] = { "stdout", "stderr" };
	char			 key[32];

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_kv_str(&j, "host", h->name);
	json_kv_str(&j, "site", h->site);
	json_kv_str(&j, "status", host_status_name(ev->status));
	json_key(&j, "rc");
	if (res != NULL && res->rc >= 0)
		json_int(&j, res->rc);
	else
		json_null(&j);
	json_kv_str(&j, "signal", res ? res->signal : NULL);
	for (id = TP_STDOUT; id <= TP_STDERR; id++) {
		json_key(&j, names[id]);
		json_strn(&j, res && res->streams[id].data ?
		    res->streams[id].data : "",
		    res ? res->streams[id].len : 0);
		snprintf(key, sizeof(key), "%s_truncated", names[id]);
		json_kv_bool(&j, key, res && res->streams[id].truncated);
		snprintf(key, sizeof(key), "%s_bytes", names[id]);
		json_kv_int(&j, key, res ? (int64_t)res->streams[id].total :
		    0);
	}
	json_kv_str(&j, "error", res && res->err != TP_OK ?
	    tp_err_name(res->err) : ev->status == HOST_CANCELLED ?
	    "cancelled" : NULL);
	json_kv_str(&j, "message", res ? res->msg : NULL);
	json_kv_int(&j, "duration_ms", ev->duration_ms);
	json_kv_int(&j, "attempts", ev->attempt);
	json_kv_str(&j, "run", r->id);
	json_obj_end(&j);
	if (json_finish(&j) != 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		r->write_error = true;
	json_release(&j);
}

static uint64_t
hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static bool
streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/*
 * A copy of s; from a Windows host with each CRLF as LF, so that Windows
 * and Unix output compare.
 */
static char *
lf_copy(const char *s, bool crlf)
{
	char	*t = xstrdup(s), *w = t;

	for (; *s != '\0'; s++) {
		if (crlf && s[0] == '\r' && s[1] == '\n')
			continue;
		*w++ = *s;
	}
	*w = '\0';
	return t;
}

/* Files the host under the group of its identical result (--gather). */
static void
gather_host(struct exec_run *r, const struct engine_event *ev)
{
	const struct tp_result	*res = ev->res;
	bool			 crlf = crlf_host(ev->host);
	char			*out, *err;
	int			 rc = res ? res->rc : -1;
	enum tp_err		 e = res ? res->err : TP_CANCELLED;
	const char		*msg = res ? res->msg : NULL;
	struct group		*g;
	uint64_t		 hash = 1469598103934665603ULL;
	size_t			 i;

	out = lf_copy(stream_text(res, TP_STDOUT), crlf);
	err = lf_copy(stream_text(res, TP_STDERR), crlf);
	hash = hash_bytes(hash, out, strlen(out));
	hash = hash_bytes(hash ^ 0xff, err, strlen(err));
	hash = hash_bytes(hash, (const char *)&rc, sizeof(rc));
	hash = hash_bytes(hash, (const char *)&e, sizeof(e));
	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		if (g->hash == hash && g->rc == rc && g->error == e &&
		    streq(g->out, out) && streq(g->err, err) &&
		    streq(g->msg, msg))
			break;
	}
	if (i == r->ngroups) {
		r->groups = xreallocarray(r->groups, r->ngroups + 1,
		    sizeof(*r->groups));
		g = &r->groups[r->ngroups++];
		memset(g, 0, sizeof(*g));
		g->hash = hash;
		g->out = out;
		g->err = err;
		out = err = NULL;
		g->rc = rc;
		g->error = e;
		g->msg = msg ? xstrdup(msg) : NULL;
	}
	g = &r->groups[i];
	g->names = xreallocarray(g->names, g->nnames + 1, sizeof(*g->names));
	g->names[g->nnames++] = ev->host->name;
	free(out);
	free(err);
}

static void
print_block(const char *text)
{
	size_t	 n = strlen(text);

	fputs(text, stdout);
	if (n > 0 && text[n - 1] != '\n')
		fputc('\n', stdout);
}

static void
gather_print(struct exec_run *r)
{
	struct group	*g;
	char		*names;
	size_t		 i;

	cmd_progress_clear(&r->progress);
	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		names = hostrange_fold(g->names, g->nnames);
		printf("----------------\n%s", names);
		if (g->nnames > 1)
			printf(" (%zu hosts)", g->nnames);
		if (g->error != TP_OK)
			printf(" [%s]", tp_err_name(g->error));
		else if (g->rc > 0)
			printf(" [exit %d]", g->rc);
		printf("\n----------------\n");
		free(names);
		print_block(g->out);
		if (*g->err != '\0') {
			printf("-- stderr --\n");
			print_block(g->err);
		}
		if (g->msg != NULL)
			print_block(g->msg);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		r->write_error = true;
}

static void
gather_free(struct exec_run *r)
{
	size_t	 i;

	for (i = 0; i < r->ngroups; i++) {
		free(r->groups[i].out);
		free(r->groups[i].err);
		free(r->groups[i].msg);
		free(r->groups[i].names);
	}
	free(r->groups);
}

/*
 * The journal (journal.h): a record per transition, synced once a loop
 * turn by sync_tick(), as the playbook runner does (src/run.c).
 */

static struct json *
rec(struct exec_run *r, const char *t)
{
	return journal_begin(r->jn, t);
}

static void
rec_end(struct exec_run *r)
{
	journal_gate_end(&r->jgate);
}

/* s with what the inventory marks secret for x masked, into b. */
static const char *
masked(const struct xhost *x, const char *s, size_t len, struct buf *b)
{
	buf_reset(b);
	redact(b, s != NULL ? s : "", s != NULL ? len : 0, x->secrets,
	    x->nsecrets);
	return buf_str(b);
}

/* Host i's start record is on disk: its command goes on. */
static void
sync_wake(void *arg, size_t i)
{
	struct exec_run	*r = arg;

	if (r->xh[i].phase == XP_SYNC)
		engine_wake(r->engine, i);
}

/* The journal cannot be written: no more hosts start. */
static void
sync_failed(void *arg, int err)
{
	struct exec_run	*r = arg;

	r->journal_failed = true;
	cmd_progress_clear(&r->progress);
	cmd_error(r->ctx, "cannot write %s/%s: %s: starting no more hosts",
	    r->dir, JOURNAL_FILE, strerror(err));
	engine_cancel(r->engine);
}

/*
 * The engine's job for host i: connect; record the start and wait until
 * it is on disk; run the command; finish.  A host connecting when the
 * first interrupt comes is at work, and runs the command as it would
 * have; the journal failing, output that cannot be written, or a
 * second interrupt, stops it there.
 */
static void
exec_next(void *arg, size_t i, const struct engine_op *prev,
    const struct tp_result *res, struct engine_op *op)
{
	struct exec_run	*r = arg;
	struct xhost	*x = &r->xh[i];
	struct json	*w;

	if (prev == NULL) {
		x->t0 = loop_now(r->loop);
		x->phase = XP_CONNECT;
		op->type = EOP_CONNECT;
		return;
	}
	switch (x->phase) {
	case XP_CONNECT:
		if (res != NULL && res->err != TP_OK)
			break;
		w = rec(r, "start");
		json_kv_int(w, "h", (int64_t)x->jh);
		json_kv_int(w, "s", 0);
		rec_end(r);
		x->phase = XP_SYNC;
		journal_gate_hold(&r->jgate, i);
		op->type = EOP_PARK;
		return;
	case XP_SYNC:
		if (r->journal_failed || r->write_error ||
		    r->interrupts > 1) {
			op->type = EOP_FINISH;
			op->status = HOST_CANCELLED;
			return;
		}
		x->phase = XP_EXEC;
		op->type = EOP_EXEC;
		op->command = r->command;
		op->timeout_ms = r->timeout_ms;
		return;
	default:
		break;
	}
	op->type = EOP_FINISH;
	op->status = engine_status_of(prev, res);
}

/*
 * The result a host ended with, as exec shows it: none for a host that
 * connected and never ran the command (the engine's last result is then
 * the connect's).
 */
static const struct tp_result *
host_result(const struct exec_run *r, const struct engine_event *ev)
{
	if (r->xh[ev->index].phase == XP_SYNC)
		return NULL;
	return ev->res;
}

/* Why a host ended as it did, for its end record (not masked yet). */
static void
end_msg(const struct engine_event *ev, const struct xhost *x, char *dst,
    size_t size)
{
	const struct tp_result	*res = ev->res;

	dst[0] = '\0';
	if (ev->status == HOST_OK)
		return;
	if (ev->status == HOST_CANCELLED)
		snprintf(dst, size, "%s", x->phase == XP_EXEC ?
		    "stopped while it ran" : "cancelled before it started");
	else if (res == NULL)
		snprintf(dst, size, "%s", host_status_name(ev->status));
	else if (res->err != TP_OK)
		snprintf(dst, size, "%s", res->msg != NULL ? res->msg :
		    tp_err_name(res->err));
	else if (res->signal != NULL)
		snprintf(dst, size, "killed by signal %s", res->signal);
	else
		snprintf(dst, size, "exit status %d", res->rc);
}

/* A host is done (ev->res as host_result() says): its end and host
 * records. */
static void
rec_host_done(struct exec_run *r, const struct engine_event *ev)
{
	static const char *const keys[] = { "stdout", "stderr" };
	const struct tp_result	*res = ev->res;
	const struct xhost	*x = &r->xh[ev->index];
	const char		*outcome;
	bool			 sent = x->phase == XP_EXEC;
	char			 msg[EXEC_MSG_MAX], line[EXEC_MSG_MAX];
	struct buf		 b;
	struct json		*w;
	int			 id;

	switch (ev->status) {
	case HOST_OK:
		outcome = "ok";
		break;
	case HOST_FAILED:
		outcome = "failed";
		break;
	case HOST_UNREACHABLE:
		outcome = "unreachable";
		break;
	default:
		outcome = "cancelled";
		break;
	}
	end_msg(ev, x, msg, sizeof msg);
	buf_init(&b, 0, 0);
	redact_one_line(line, sizeof line, masked(x, msg, strlen(msg), &b));
	w = rec(r, "end");
	json_kv_int(w, "h", (int64_t)x->jh);
	json_kv_int(w, "s", 0);
	json_kv_str(w, "outcome", outcome);
	json_key(w, "rc");
	if (sent && res != NULL && res->err == TP_OK && res->rc >= 0 &&
	    ev->status != HOST_CANCELLED)
		json_int(w, res->rc);
	else
		json_null(w);
	json_kv_str(w, "msg", line[0] != '\0' ? line : NULL);
	json_kv_int(w, "ms", x->phase == XP_PENDING ? 0 :
	    loop_now(r->loop) - x->t0);
	json_kv_bool(w, "sent", sent);
	for (id = TP_STDOUT; sent && res != NULL && id <= TP_STDERR; id++) {
		const struct tp_stream	*st = &res->streams[id];

		if (st->data == NULL || st->len == 0)
			continue;
		masked(x, st->data, st->len, &b);
		journal_output(r->jn, keys[id - TP_STDOUT], b.data, b.len);
	}
	rec_end(r);
	buf_release(&b);
	r->xh[ev->index].done = true;
	w = rec(r, "host");
	json_kv_int(w, "h", (int64_t)x->jh);
	json_kv_str(w, "status", host_status_name(ev->status));
	json_kv_bool(w, "changed", false);
	json_kv_int(w, "ms", ev->duration_ms);
	rec_end(r);
}

static void
observe(const struct engine_event *ev, void *arg)
{
	struct exec_run		*r = arg;
	struct engine_event	 done;

	switch (ev->type) {
	case ENGINE_HOST_START:
		break;
	case ENGINE_HOST_OUTPUT:
		stream_chunk(r, ev->index, ev->host, ev->stream, ev->data,
		    ev->len);
		break;
	case ENGINE_HOST_RETRY:
		if (r->ctx->verbose > 0)
			report_error(r, ev->host, "retry", ev->msg);
		break;
	case ENGINE_HOST_NOTICE:
		if (r->ctx->verbose >= 0)
			report_error(r, ev->host, "note", ev->msg);
		break;
	case ENGINE_HOST_DONE:
		done = *ev;
		done.res = host_result(r, ev);
		rec_host_done(r, &done);
		if (r->mode == MODE_STREAM)
			stream_end(r, done.index, done.host, done.res);
		else if (r->mode == MODE_JSON)
			json_host(r, &done);
		else
			gather_host(r, &done);
		/* Grouped output shows the errors already, but a changed
		 * host key is said on its own as well. */
		if (r->mode != MODE_GATHER || (done.res != NULL &&
		    done.res->err == TP_HOSTKEY_CHANGED))
			report_failure(r, done.host, done.status, done.res);
		if (r->write_error)
			engine_abort(r->engine);
		break;
	case ENGINE_PROGRESS:
		progress_draw(r, ev->stats);
		break;
	case ENGINE_DONE:
		break;
	}
}

static void
on_signal(struct loop *loop, int signo, void *arg)
{
	struct exec_run			*r = arg;
	const struct engine_stats	*st = engine_stats(r->engine);

	(void)loop;
	(void)signo;
	if (r->interrupts++ == 0) {
		cmd_progress_clear(&r->progress);
		fprintf(stderr, "lifeboat: interrupted: starting no more "
		    "hosts; waiting for the %zu at work (Ctrl-C again to "
		    "stop them now)\n", st->running);
		engine_cancel(r->engine);
	} else {
		engine_abort(r->engine);
	}
}

static void
on_notice(const struct host *h, const char *msg, void *arg)
{
	struct exec_run	*r = arg;

	if (r->ctx->verbose >= 0)
		report_error(r, h, "note", msg);
}

struct exec_args {
	struct cmd_conn		 conn;
	enum exec_mode		 mode;
	const char		*pattern;
	char			*command;
	/* A resume: the run carried on, its directory, and what each of
	 * its hosts came to before. */
	const struct jrun	*resume;
	const char		*resume_dir;
	const enum xfate	*fate;
	bool			 rerun_unknown;
	bool			 force;
	/* A rerun: the first run. */
	const char		*rerun_of;
	const char		*rerun_dir;
};

enum {
	OPT_GATHER = CMD_OPT_NEXT,
};

static const struct option exec_long[] = {
	CMD_CONN_LONG,
	{ "gather", no_argument, NULL, OPT_GATHER },
	{ NULL, 0, NULL, 0 }
};

static int
exec_option(struct cmd_ctx *ctx, int c, struct exec_args *a)
{
	int	 r;

	if ((r = cmd_conn_option(ctx, c, &a->conn)) <= 0)
		return r;
	if (c == OPT_GATHER) {
		a->mode = MODE_GATHER;
		return 0;
	}
	return -1;
}

/*
 * Options may stand before and after the pattern; "--" ends them, and
 * everything after it is the command, joined by spaces as ssh does.
 */
static int
exec_parse(struct cmd_ctx *ctx, int argc, char **argv, struct exec_args *a)
{
	struct buf	 cmd = BUF_INIT;
	int		 c, i;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, CMD_CONN_SHORT,
		    exec_long)) != -1) {
			if (c == 'h')
				return cmd_usage(&cmd_exec_entry, NULL, true) ==
				    EXIT_OK ? 1 : -1;
			if (c == '?' || exec_option(ctx, c, a) != 0)
				return -1;
		}
		if (optind >= argc || strcmp(argv[optind - 1], "--") == 0)
			break;
		if (a->pattern != NULL)
			break;
		a->pattern = argv[optind++];
	}
	if (a->pattern == NULL && optind < argc)
		a->pattern = argv[optind++];
	if (a->pattern == NULL || optind >= argc) {
		cmd_error(ctx, a->pattern == NULL ? "a host pattern and a "
		    "command are needed" : "a command is needed, after --");
		cmd_usage(&cmd_exec_entry, NULL, false);
		return -1;
	}
	for (i = optind; i < argc; i++) {
		if (i > optind)
			buf_addc(&cmd, ' ');
		buf_adds(&cmd, argv[i]);
	}
	a->command = buf_detach(&cmd, NULL);
	if (a->mode != MODE_GATHER && ctx->json)
		a->mode = MODE_JSON;
	else if (ctx->json) {
		cmd_error(ctx, "--gather and --json do not go together");
		return -1;
	}
	return 0;
}

static int
exec_status(const struct exec_run *r)
{
	const struct engine_stats	*st = engine_stats(r->engine);

	if (r->write_error || r->journal_failed)
		return EXIT_FAILED;
	if (r->interrupts > 0)
		return EXIT_INTERRUPTED;
	if (st->failed + st->unreachable + st->cancelled +
	    r->before.failed + r->before.unreachable +
	    r->before.cancelled > 0)
		return EXIT_FAILED;
	return EXIT_OK;
}

static void
summary(struct exec_run *r)
{
	const struct engine_stats	*st = engine_stats(r->engine);
	const struct tally		*b = &r->before;
	double				 secs;
	size_t				 i, total;

	cmd_progress_clear(&r->progress);
	for (i = 0; i < r->nchanged; i++)
		fprintf(stderr, "lifeboat: WARNING: the host key of %s has "
		    "CHANGED; it was not contacted (see above)\n",
		    r->changed[i]);
	if (r->ctx->verbose < 0)
		return;
	/* A resumed run counts the hosts done before too. */
	total = st->total + r->nbefore;
	secs = st->t_start ? (double)(st->t_now - st->t_start) / 1000.0 : 0;
	fprintf(stderr, "lifeboat: %zu host%s: %zu ok, %zu failed, "
	    "%zu unreachable", total, cmd_plural(total), st->ok + b->ok,
	    st->failed + b->failed, st->unreachable + b->unreachable);
	if (st->cancelled + b->cancelled > 0)
		fprintf(stderr, ", %zu cancelled", st->cancelled +
		    b->cancelled);
	fprintf(stderr, " in %.1f s%s\n", secs, r->interrupts ?
	    " (interrupted)" : "");
	fprintf(stderr, "lifeboat: run %s\n", r->id);
}

/*
 * The run's directory and journal.
 */

/* The journal's first record: what the run is, to carry it on. */
static void
rec_run(struct exec_run *r, const struct exec_args *a,
    const struct inventory *inv, const struct host *const *hosts, size_t n)
{
	struct json	*w = rec(r, "run");
	size_t		 i;

	json_kv_int(w, "v", JOURNAL_VERSION);
	json_kv_str(w, "id", r->id);
	json_kv_str(w, "kind", "exec");
	json_kv_str(w, "command", a->command);
	cmd_record_inventories(w, inv);
	json_kv_str(w, "limit", a->pattern);
	cmd_conn_record(w, &a->conn, NULL);
	cmd_record_hosts(w, hosts, n);
	json_key(w, "steps");
	json_arr_begin(w);
	json_obj_begin(w);
	json_kv_str(w, "name", "command");
	json_kv_bool(w, "idempotent", false);
	json_kv_bool(w, "manual", false);
	json_obj_end(w);
	json_arr_end(w);
	/* One wave of every host; numbered 1, for there is no canary. */
	json_key(w, "waves");
	json_arr_begin(w);
	json_arr_begin(w);
	for (i = 0; i < n; i++)
		json_int(w, (int64_t)i);
	json_arr_end(w);
	json_arr_end(w);
	json_key(w, "numbers");
	json_arr_begin(w);
	json_int(w, 1);
	json_arr_end(w);
	if (a->rerun_of != NULL)
		json_kv_str(w, "rerun_of", a->rerun_of);
	json_kv_int(w, "pid", (int64_t)getpid());
	json_kv_str(w, "user", cmd_user());
	rec_end(r);
}

static void
rec_wave(struct exec_run *r)
{
	struct json	*w = rec(r, "wave");

	json_kv_int(w, "wave", 0);
	rec_end(r);
}

/* run.json: what the run is, for people and for signoff (nothing to
 * sign off). */
static int
write_run_json(const struct exec_run *r, const char *command,
    size_t nhosts)
{
	struct json	 j;
	int		 e;

	json_init(&j, NULL);
	json_obj_begin(&j);
	json_kv_str(&j, "id", r->id);
	json_kv_str(&j, "kind", "exec");
	json_kv_str(&j, "command", command);
	json_kv_int(&j, "pid", (int64_t)getpid());
	json_kv_int(&j, "started", (int64_t)time(NULL));
	json_kv_int(&j, "hosts", (int64_t)nhosts);
	json_key(&j, "manual");
	json_arr_begin(&j);
	json_arr_end(&j);
	json_key(&j, "gates");
	json_arr_begin(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
	buf_addc(&j.out, '\n');
	e = rundir_write(r->dir, "run.json", j.out.data, j.out.len);
	json_release(&j);
	return e;
}

/* A new run: its directory, run.json, and the journal's first records. */
static int
journal_new(struct exec_run *r, const struct exec_args *a,
    const struct inventory *inv, const struct host *const *hosts, size_t n)
{
	char	 why[512];
	int	 e;

	if ((r->dir = rundir_create(r->id, why, sizeof why)) == NULL) {
		cmd_error(r->ctx, "%s", why);
		return -1;
	}
	if ((e = write_run_json(r, a->command, n)) != 0) {
		cmd_error(r->ctx, "cannot write %s/run.json: %s", r->dir,
		    strerror(e));
		return -1;
	}
	if ((r->jn = r->jgate.jn = journal_open(r->dir, -1, why,
	    sizeof why)) == NULL) {
		cmd_error(r->ctx, "%s", why);
		return -1;
	}
	rec_run(r, a, inv, hosts, n);
	rec_wave(r);
	return 0;
}

/*
 * Host i of a resumed run, as it came to before: counted, and its end
 * and host records written where they are missing.
 */
static void
resume_host(struct exec_run *r, const struct jrun *jr, size_t i,
    enum xfate f)
{
	const struct jhost	*jh = &jr->hosts[i];
	const struct jstep	*js = &jh->steps[0];
	const char		*st = "unknown";
	struct json		*w;

	switch (f) {
	case XF_RUN:
		return;
	case XF_DONE:
		st = jh->status;
		break;
	case XF_ENDED:
		if (strcmp(js->outcome, "ok") == 0 ||
		    strcmp(js->outcome, "failed") == 0 ||
		    strcmp(js->outcome, "unreachable") == 0)
			st = js->outcome;
		break;
	case XF_UNKNOWN:
		w = rec(r, "end");
		json_kv_int(w, "h", (int64_t)i);
		json_kv_int(w, "s", 0);
		json_kv_str(w, "outcome", "unknown");
		json_key(w, "rc");
		json_null(w);
		json_kv_str(w, "msg", "it started and did not end: not run "
		    "again without --rerun-unknown");
		json_kv_int(w, "ms", 0);
		json_kv_bool(w, "sent", true);
		rec_end(r);
		break;
	}
	if (f != XF_DONE) {
		w = rec(r, "host");
		json_kv_int(w, "h", (int64_t)i);
		json_kv_str(w, "status", st);
		json_kv_bool(w, "changed", false);
		json_kv_int(w, "ms", f == XF_ENDED ? js->ms : 0);
		rec_end(r);
	}
	r->nbefore++;
	if (strcmp(st, "ok") == 0)
		r->before.ok++;
	else if (strcmp(st, "unreachable") == 0)
		r->before.unreachable++;
	else
		r->before.failed++;	/* failed, unknown */
}

/* A resumed run: its journal taken up where the whole records end. */
static int
journal_resume(struct exec_run *r, const struct exec_args *a)
{
	const struct jrun	*jr = a->resume;
	char			 why[512];
	size_t			 i;
	int			 e;

	snprintf(r->id, sizeof r->id, "%s", jr->id);
	r->dir = xstrdup(a->resume_dir);
	if ((r->jn = r->jgate.jn = journal_open(r->dir, jr->good_len, why,
	    sizeof why)) == NULL) {
		cmd_error(r->ctx, "%s", why);
		return -1;
	}
	cmd_resume_record(r->jn, a->force, a->rerun_unknown);
	if ((e = write_run_json(r, jr->command, jr->nhosts)) != 0) {
		cmd_error(r->ctx, "cannot write %s/run.json: %s", r->dir,
		    strerror(e));
		return -1;
	}
	for (i = 0; i < jr->nhosts; i++)
		resume_host(r, jr, i, a->fate[i]);
	if (jr->nwaves > 0 && jr->waves[0].start_at == 0)
		rec_wave(r);
	return 0;
}

/*
 * The run is on disk before any host is touched: its directory, its
 * journal's first records, and the link from the run it reruns.
 */
static int
journal_setup(struct exec_run *r, const struct exec_args *a,
    const struct inventory *inv, const struct host *const *hosts, size_t n)
{
	int	 e;

	if (a->resume != NULL) {
		if (journal_resume(r, a) != 0)
			return -1;
	} else if (journal_new(r, a, inv, hosts, n) != 0)
		return -1;
	if ((e = journal_sync(r->jn)) != 0) {
		cmd_error(r->ctx, "cannot write %s/%s: %s", r->dir,
		    JOURNAL_FILE, strerror(e));
		return -1;
	}
	if (a->rerun_of != NULL && cmd_rerun_link(r->ctx, a->rerun_dir,
	    a->rerun_of, r->id) != 0)
		return -1;
	return 0;
}

/* The last records: the hosts an interrupt left pending (the engine
 * drops them without an event), and how the run ended. */
static void
rec_done(struct exec_run *r, int status)
{
	const struct engine_stats	*st = engine_stats(r->engine);
	const struct tally		*b = &r->before;
	struct engine_event		 ev;
	struct json			*w;
	size_t				 i;

	for (i = 0; i < r->nhosts; i++) {
		if (r->xh[i].done)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.type = ENGINE_HOST_DONE;
		ev.host = r->hosts[i];
		ev.index = i;
		ev.status = HOST_CANCELLED;
		rec_host_done(r, &ev);
	}
	w = rec(r, "done");
	json_kv_int(w, "status", status);
	json_kv_int(w, "ok", (int64_t)(st->ok + b->ok));
	json_kv_int(w, "failed", (int64_t)(st->failed + b->failed));
	json_kv_int(w, "unreachable",
	    (int64_t)(st->unreachable + b->unreachable));
	json_kv_int(w, "skipped", 0);
	json_kv_int(w, "changed", 0);
	json_kv_int(w, "cancelled", (int64_t)(st->cancelled + b->cancelled));
	json_kv_int(w, "not_run", 0);
	json_kv_bool(w, "halted", false);
	journal_end(r->jn);
}

/*
 * Runs a->command on hosts (n of them) as a new run, or as the resume
 * a->resume; jidx gives each host's index in the journal (NULL: the
 * same).  Returns an exit status.
 */
static int
exec_run(struct cmd_ctx *ctx, struct exec_args *a,
    const struct inventory *inv, const struct host *const *hosts, size_t n,
    const size_t *jidx)
{
	struct exec_run		 r;
	struct diags		 d = DIAGS_INIT;
	struct buf		 pass;
	struct tp_ctx		*tp = NULL;
	size_t			 i;
	int			 status = EXIT_USAGE, e;

	memset(&r, 0, sizeof(r));
	buf_init(&pass, 4096, BUF_WIPE);
	r.ctx = ctx;
	r.mode = a->mode;
	r.hosts = hosts;
	r.nhosts = n;
	r.command = a->command;
	r.timeout_ms = a->conn.eo.command_timeout_ms;
	r.progress.on = cmd_progress_wanted(ctx);
	r.xh = xcalloc(n, sizeof(*r.xh));
	for (i = 0; i < n; i++) {
		r.xh[i].jh = jidx != NULL ? jidx[i] : i;
		r.xh[i].nsecrets = redact_host_secrets(hosts[i],
		    &r.xh[i].secrets);
	}
	if ((r.loop = loop_new()) == NULL) {
		cmd_error(ctx, "cannot create the event loop: %s",
		    strerror(errno));
		goto out;
	}
	journal_gate_init(&r.jgate, r.loop, NULL, sync_wake, sync_failed, &r);
	if (a->conn.ask_pass) {
		if (cmd_ask("Password: ", false, &pass, NULL) != 0) {
			cmd_error(ctx, "--ask-pass: cannot read a password "
			    "from the terminal");
			goto out;
		}
		a->conn.to.password = buf_str(&pass);
	}
	a->conn.to.prompt = cmd_ask;
	a->conn.to.notice = on_notice;
	a->conn.to.notice_arg = &r;
	tp = tp_ctx_new(r.loop, &a->conn.to);
	r.out_cap = tp->opt.out_cap;
	if (tp_ctx_prepare(tp, hosts, n, &d) != 0) {
		cmd_print_diags(ctx, &d, 10);
		goto out;
	}
	cmd_print_diags(ctx, &d, 10);
	if (journal_setup(&r, a, inv, hosts, n) != 0) {
		status = EXIT_FAILED;
		goto out;
	}
	cmd_raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	/* Partial lines are kept only when lines are streamed. */
	if (r.mode == MODE_STREAM) {
		r.lines = xcalloc(n, sizeof(*r.lines));
		for (i = 0; i < n; i++) {
			buf_init(&r.lines[i][0].b, EXEC_LINE_MAX, 0);
			buf_init(&r.lines[i][1].b, EXEC_LINE_MAX, 0);
		}
	}
	a->conn.eo.progress_ms = r.progress.on ? PROGRESS_MS : 0;
	a->conn.eo.stream_output = r.mode == MODE_STREAM;
	r.engine = engine_new(r.loop, tp, &a->conn.eo, observe, &r);
	if (loop_signal(r.loop, SIGINT, on_signal, &r) != 0 ||
	    loop_signal(r.loop, SIGTERM, on_signal, &r) != 0) {
		cmd_error(ctx, "cannot catch signals: %s", strerror(errno));
		goto out;
	}
	engine_run(r.engine, hosts, n, exec_next, &r);
	if (loop_run(r.loop) != 0) {
		cmd_error(ctx, "event loop: %s", strerror(errno));
		engine_abort(r.engine);
	}
	if (r.mode == MODE_GATHER)
		gather_print(&r);
	if (fflush(stdout) == EOF)
		r.write_error = true;
	if (r.write_error)
		cmd_error(ctx, "cannot write the output: %s",
		    strerror(errno));
	status = exec_status(&r);
	rec_done(&r, status);
	journal_gate_release(&r.jgate);
	if ((e = journal_sync(r.jn)) != 0) {
		if (!r.journal_failed)
			cmd_error(ctx, "cannot write %s/%s: %s", r.dir,
			    JOURNAL_FILE, strerror(e));
		r.journal_failed = true;
		status = EXIT_FAILED;
	}
	summary(&r);
out:
	diags_release(&d);
	engine_free(r.engine);
	journal_gate_release(&r.jgate);
	journal_free(r.jn);
	tp_ctx_free(tp);
	loop_free(r.loop);
	if (r.lines != NULL) {
		for (i = 0; i < n; i++) {
			buf_release(&r.lines[i][0].b);
			buf_release(&r.lines[i][1].b);
		}
	}
	for (i = 0; i < n; i++)
		free(r.xh[i].secrets);
	free(r.xh);
	free(r.lines);
	free(r.changed);
	free(r.dir);
	gather_free(&r);
	buf_release(&pass);
	return status;
}

static int
exec_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct exec_args	 a;
	struct inventory	*inv = NULL;
	struct diags		 d = DIAGS_INIT;
	const struct host	**hosts = NULL;
	size_t			 n = 0;
	int			 r;

	memset(&a, 0, sizeof(a));
	a.mode = MODE_STREAM;
	if ((r = exec_parse(ctx, argc, argv, &a)) != 0) {
		free(a.command);
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	}
	r = cmd_load_inventory(ctx, &inv, &d);
	cmd_print_diags(ctx, &d, 10);
	diags_release(&d);
	if (r == EXIT_OK)
		r = cmd_select_targets(ctx, inv, a.pattern, &hosts, &n);
	if (r == EXIT_OK)
		r = exec_run(ctx, &a, inv, hosts, n, NULL);
	free(hosts);
	free(a.command);
	inventory_free(inv);
	return r;
}

/*
 * Exec runs made again from their journal: resume and rerun.
 */

/* The run's inventories (those of -i when given), loaded into *invp. */
static int
run_inventory(struct cmd_ctx *ctx, const struct jrun *jr, bool strict,
    struct inventory **invp)
{
	*invp = NULL;
	if (jr->command == NULL || jr->nsteps != 1) {
		cmd_error(ctx, "run %s is an exec run without its command",
		    jr->id);
		return EXIT_USAGE;
	}
	return cmd_reload_inventory(ctx, jr, strict, invp);
}

/*
 * What host h came to, from the journal.  Done (a host record) is done;
 * cancelled before the command was sent, or never started, is run; a
 * start with no end, or an end cancelled after the command was sent,
 * is unknown: the command may have run.
 */
static enum xfate
fate_of(const struct jhost *h)
{
	const struct jstep	*js = &h->steps[0];

	if (h->done && strcmp(h->status, "cancelled") != 0)
		return XF_DONE;
	if (js->state == JS_STARTED)
		return XF_UNKNOWN;
	if (js->state == JS_ENDED && strcmp(js->outcome, "cancelled") == 0)
		return js->sent ? XF_UNKNOWN : XF_RUN;
	if (js->state == JS_ENDED)
		return XF_ENDED;
	return XF_RUN;
}

/*
 * The hosts the command may or may not have run on: listed, and run
 * again when --rerun-unknown is given or the person at the terminal says
 * so.
 */
static void
ask_unknown(struct cmd_ctx *ctx, const struct jrun *jr,
    const enum xfate *fate, bool *rerun_unknown)
{
	struct buf	 answer;
	size_t		 i, n = 0;

	for (i = 0; i < jr->nhosts; i++) {
		if (fate[i] != XF_UNKNOWN)
			continue;
		if (n++ < UNKNOWN_SHOWN && !*rerun_unknown &&
		    ctx->verbose >= 0)
			fprintf(stderr, "  %s: the command started and did "
			    "not end\n", jr->hosts[i].name);
	}
	if (n == 0 || *rerun_unknown)
		return;
	if (n > UNKNOWN_SHOWN && ctx->verbose >= 0)
		fprintf(stderr, "  and %zu more\n", n - UNKNOWN_SHOWN);
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		if (ctx->verbose >= 0)
			fprintf(stderr, "lifeboat: %zu host%s cut short may "
			    "or may not have run the command: marked unknown "
			    "(--rerun-unknown runs it there again)\n", n,
			    cmd_plural(n));
		return;
	}
	buf_init(&answer, 64, 0);
	if (cmd_ask("The command was cut short there and may have run. "
	    "Run it again? [y/N] ", true, &answer, NULL) == 0 &&
	    (strcmp(buf_str(&answer), "y") == 0 ||
	    strcmp(buf_str(&answer), "yes") == 0))
		*rerun_unknown = true;
	buf_release(&answer);
}

int
cmd_exec_resume(struct cmd_ctx *ctx, const struct jrun *jr, const char *dir,
    const struct cmd_conn *conn, bool rerun_unknown, bool force)
{
	struct exec_args	 a;
	struct inventory	*inv = NULL;
	const struct host	**hosts = NULL;
	enum xfate		*fate;
	bool			*want;
	size_t			*jidx = NULL, i, n = 0, k = 0;
	int			 r;

	fate = xcalloc(jr->nhosts, sizeof(*fate));
	want = xcalloc(jr->nhosts, sizeof(*want));
	if ((r = run_inventory(ctx, jr, !force, &inv)) != EXIT_OK)
		goto out;
	for (i = 0; i < jr->nhosts; i++)
		fate[i] = fate_of(&jr->hosts[i]);
	ask_unknown(ctx, jr, fate, &rerun_unknown);
	for (i = 0; i < jr->nhosts; i++) {
		if (fate[i] == XF_UNKNOWN && rerun_unknown)
			fate[i] = XF_RUN;
		want[i] = fate[i] == XF_RUN;
	}
	if ((r = cmd_run_hosts(ctx, inv, jr, want, &hosts, &n)) != EXIT_OK)
		goto out;
	jidx = xcalloc(n, sizeof(*jidx));
	for (i = 0; i < jr->nhosts; i++)
		if (want[i])
			jidx[k++] = i;
	memset(&a, 0, sizeof(a));
	a.conn = *conn;
	a.mode = ctx->json ? MODE_JSON : MODE_STREAM;
	a.pattern = jr->limit;
	a.command = xstrdup(jr->command);
	a.resume = jr;
	a.resume_dir = dir;
	a.fate = fate;
	a.rerun_unknown = rerun_unknown;
	a.force = force;
	r = exec_run(ctx, &a, inv, hosts, n, jidx);
	free(a.command);
out:
	free(jidx);
	free(hosts);
	free(want);
	free(fate);
	inventory_free(inv);
	return r;
}

int
cmd_exec_rerun(struct cmd_ctx *ctx, const struct jrun *jr, const char *dir,
    const bool *want, const struct cmd_conn *conn, bool check)
{
	struct exec_args	 a;
	struct inventory	*inv = NULL;
	const struct host	**hosts = NULL;
	const char		**names = NULL;
	char			*folded = NULL;
	size_t			 i, n = 0;
	int			 r;

	if ((r = run_inventory(ctx, jr, false, &inv)) != EXIT_OK)
		goto out;
	if ((r = cmd_run_hosts(ctx, inv, jr, want, &hosts, &n)) != EXIT_OK)
		goto out;
	names = xcalloc(n, sizeof(*names));
	for (i = 0; i < n; i++)
		names[i] = hosts[i]->name;
	/* The hosts are chosen: exactly these. */
	folded = hostrange_fold(names, n);
	if (check) {
		printf("exec on %zu host%s: %s\n  %s\nnothing was run "
		    "(--check)\n", n, cmd_plural(n), folded, jr->command);
		r = fflush(stdout) == EOF ? EXIT_FAILED : EXIT_OK;
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.conn = *conn;
	a.mode = ctx->json ? MODE_JSON : MODE_STREAM;
	a.pattern = folded;
	a.command = xstrdup(jr->command);
	a.rerun_of = jr->id;
	a.rerun_dir = dir;
	r = exec_run(ctx, &a, inv, hosts, n, NULL);
	free(a.command);
out:
	free(folded);
	free(names);
	free(hosts);
	inventory_free(inv);
	return r;
}

const struct cmd_entry cmd_exec_entry = {
	.name = "exec",
	.usage =
	    "exec [-f FANOUT] [-t SECONDS] [--gather] PATTERN -- COMMAND...",
	.summary =
	    "Runs COMMAND on every host PATTERN selects, FANOUT at a time "
	    "(default 256),\nand prints each line of output as "
	    "\"host: line\".\nEvery exec is a run: its id comes last, "
	    "for lifeboat resume, rerun and runs.\n"
	    "\n"
	    "  -f, --fanout N           hosts at work at once (default 256)\n"
	    "  -t, --timeout DURATION   command timeout (default none)\n"
	    "      --per-site N         hosts at work at once in one site\n"
	    "      --connect-timeout DURATION  (default: the inventory's, "
	    "or 10s)\n"
	    "      --retries N          connect again N times when a host is "
	    "unreachable\n"
	    "      --retry-delay DURATION  first wait before retrying "
	    "(default 1s, doubled)\n"
	    "      --accept-new-host-keys  record unknown host keys (never "
	    "changed ones)\n"
	    "      --ask-pass           ask once for the login password\n"
	    "      --gather             group hosts with identical output at "
	    "the end\n"
	    "      --json               one JSON object per host per line\n"
	    "      --max-output SIZE    keep this much of each stream "
	    "(default 1M)\n"
	    "      --seed N             for simulated hosts: repeatable "
	    "behaviour",
	.exec = exec_main,
};
