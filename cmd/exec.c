/*
 * lifeboat exec PATTERN -- COMMAND...: runs one command on every host the
 * pattern selects, many at once, and shows what came back.
 *
 * This file is an observer of the engine: it turns engine events into
 * "host: line" output (as pdsh does), into groups of hosts with the same
 * output (--gather, as dshbak -c does), or into one JSON object per host
 * (--json); it draws the progress line and handles Ctrl-C.  The work
 * itself is the engine's.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "engine.h"
#include "errors.h"
#include "hostrange.h"
#include "inventory.h"
#include "json.h"
#include "loop.h"
#include "pattern.h"
#include "strmap.h"
#include "transport.h"
#include "xmalloc.h"

#define EXEC_LINE_MAX	(64 * 1024)	/* longer lines are cut */
#define PROGRESS_MS	100

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

static void
observe(const struct engine_event *ev, void *arg)
{
	struct exec_run	*r = arg;

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
		if (r->mode == MODE_STREAM)
			stream_end(r, ev->index, ev->host, ev->res);
		else if (r->mode == MODE_JSON)
			json_host(r, ev);
		else
			gather_host(r, ev);
		/* Grouped output shows the errors already, but a changed
		 * host key is said on its own as well. */
		if (r->mode != MODE_GATHER || (ev->res != NULL &&
		    ev->res->err == TP_HOSTKEY_CHANGED))
			report_failure(r, ev->host, ev->status, ev->res);
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

	if (r->write_error)
		return EXIT_FAILED;
	if (r->interrupts > 0)
		return EXIT_INTERRUPTED;
	if (st->failed + st->unreachable + st->cancelled > 0)
		return EXIT_FAILED;
	return EXIT_OK;
}

static void
summary(struct exec_run *r)
{
	const struct engine_stats	*st = engine_stats(r->engine);
	double				 secs;
	size_t				 i;

	cmd_progress_clear(&r->progress);
	for (i = 0; i < r->nchanged; i++)
		fprintf(stderr, "lifeboat: WARNING: the host key of %s has "
		    "CHANGED; it was not contacted (see above)\n",
		    r->changed[i]);
	if (r->ctx->verbose < 0)
		return;
	secs = st->t_start ? (double)(st->t_now - st->t_start) / 1000.0 : 0;
	fprintf(stderr, "lifeboat: %zu host%s: %zu ok, %zu failed, "
	    "%zu unreachable", st->total, cmd_plural(st->total), st->ok,
	    st->failed, st->unreachable);
	if (st->cancelled > 0)
		fprintf(stderr, ", %zu cancelled", st->cancelled);
	fprintf(stderr, " in %.1f s%s\n", secs, r->interrupts ?
	    " (interrupted)" : "");
}

static int
exec_run(struct cmd_ctx *ctx, struct exec_args *a,
    const struct host *const *hosts, size_t n)
{
	struct exec_run		 r;
	struct diags		 d = DIAGS_INIT;
	struct buf		 pass;
	struct tp_ctx		*tp = NULL;
	int			 status = EXIT_USAGE;

	memset(&r, 0, sizeof(r));
	buf_init(&pass, 4096, BUF_WIPE);
	r.ctx = ctx;
	r.mode = a->mode;
	r.hosts = hosts;
	r.nhosts = n;
	r.progress.on = cmd_progress_wanted(ctx);
	if ((r.loop = loop_new()) == NULL) {
		cmd_error(ctx, "cannot create the event loop: %s",
		    strerror(errno));
		goto out;
	}
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
	cmd_raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	/* Partial lines are kept only when lines are streamed. */
	if (r.mode == MODE_STREAM) {
		r.lines = xcalloc(n, sizeof(*r.lines));
		for (size_t i = 0; i < n; i++) {
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
	engine_exec(r.engine, hosts, n, a->command);
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
	summary(&r);
	status = exec_status(&r);
out:
	diags_release(&d);
	engine_free(r.engine);
	tp_ctx_free(tp);
	loop_free(r.loop);
	if (r.lines != NULL) {
		for (size_t i = 0; i < n; i++) {
			buf_release(&r.lines[i][0].b);
			buf_release(&r.lines[i][1].b);
		}
	}
	free(r.lines);
	free(r.changed);
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
		r = exec_run(ctx, &a, hosts, n);
	free(hosts);
	free(a.command);
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
	    "\"host: line\".\n"
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
