/*
 * The generic half of the transport interface (transport.h): starting an
 * operation, keeping its result, capping and spilling output, and handing
 * the result over when the transport says the operation is over.  The
 * transports themselves only speak their protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "errors.h"
#include "transport.h"
#include "xmalloc.h"

static const struct transport *const transports[TRANSPORT_SIM + 1] = {
	[TRANSPORT_SSH] = &transport_ssh,
	[TRANSPORT_WINRM] = &transport_winrm,
	[TRANSPORT_SIM] = &transport_sim,
};

static const char *const err_names[] = {
	[TP_OK] = "",
	[TP_UNREACHABLE] = "unreachable",
	[TP_REFUSED] = "refused",
	[TP_TIMEOUT] = "timeout",
	[TP_AUTH] = "auth",
	[TP_HOSTKEY_CHANGED] = "hostkey-changed",
	[TP_HOSTKEY_UNKNOWN] = "hostkey-unknown",
	[TP_PROTOCOL] = "protocol",
	[TP_CANCELLED] = "cancelled",
	[TP_LOCAL] = "local",
};

const char *
tp_err_name(enum tp_err e)
{
	if ((unsigned)e >= sizeof(err_names) / sizeof(err_names[0]))
		return "unknown";
	return err_names[e];
}

bool
tp_err_is_unreachable(enum tp_err e)
{
	return e == TP_UNREACHABLE || e == TP_REFUSED;
}

struct tp_ctx *
tp_ctx_new(struct loop *loop, const struct tp_options *opt)
{
	struct tp_ctx	*ctx;

	ctx = xcalloc(1, sizeof(*ctx));
	ctx->loop = loop;
	if (opt != NULL)
		ctx->opt = *opt;
	if (ctx->opt.out_cap == 0)
		ctx->opt.out_cap = TP_OUT_CAP_DEFAULT;
	ctx->epoch = loop_now(loop);
	return ctx;
}

int
tp_ctx_prepare(struct tp_ctx *ctx, const struct host *const *hosts,
    size_t n, struct diags *diags)
{
	const struct host	**mine;
	size_t			  i, k, nmine;
	int			  r = 0;

	mine = xreallocarray(NULL, n ? n : 1, sizeof(*mine));
	for (k = 0; k <= TRANSPORT_SIM && r == 0; k++) {
		if (transports[k] == NULL || transports[k]->prepare == NULL)
			continue;
		nmine = 0;
		for (i = 0; i < n; i++) {
			if ((size_t)hosts[i]->transport == k)
				mine[nmine++] = hosts[i];
		}
		if (nmine == 0 || ctx->state[k] != NULL)
			continue;
		r = transports[k]->prepare(ctx, mine, nmine, &ctx->state[k],
		    diags);
	}
	free(mine);
	return r;
}

void
tp_ctx_free(struct tp_ctx *ctx)
{
	size_t	 k;

	if (ctx == NULL)
		return;
	for (k = 0; k <= TRANSPORT_SIM; k++) {
		if (ctx->state[k] != NULL && transports[k] != NULL &&
		    transports[k]->release != NULL)
			transports[k]->release(ctx->state[k]);
	}
	free(ctx);
}

static void
stream_init(struct tp_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static void
stream_release(struct tp_stream *s)
{
	if (s->fd != -1)
		close(s->fd);
	free(s->data);
	free(s->path);
	stream_init(s);
}

void
tp_result_free(struct tp_result *res)
{
	if (res == NULL)
		return;
	free(res->msg);
	free(res->signal);
	stream_release(&res->streams[TP_STDOUT]);
	stream_release(&res->streams[TP_STDERR]);
	free(res);
}

static struct tp_result *
result_new(struct tp_conn *c)
{
	struct tp_result	*res;

	res = xcalloc(1, sizeof(*res));
	res->rc = -1;
	stream_init(&res->streams[TP_STDOUT]);
	stream_init(&res->streams[TP_STDERR]);
	res->t_start = loop_now(c->ctx->loop);
	return res;
}

static void
complete_later(struct loop *loop, void *arg)
{
	(void)loop;
	tp_complete(arg);
}

struct tp_conn *
tp_open(struct tp_ctx *ctx, const struct host *h)
{
	const struct transport	*tp;
	struct tp_conn		*c;

	if ((unsigned)h->transport > TRANSPORT_SIM ||
	    (tp = transports[h->transport]) == NULL)
		return NULL;
	if ((c = tp->open(ctx, ctx->state[h->transport], h)) == NULL)
		return NULL;
	c->tp = tp;
	c->ctx = ctx;
	c->host = h;
	loop_timer_init(&c->later, complete_later, c);
	ctx->nconns++;
	return c;
}

/* Sets up the operation every start function begins with. */
static void
begin(struct tp_conn *c, tp_done_fn *done, void *arg)
{
	c->done = done;
	c->done_arg = arg;
	memset(&c->xo, 0, sizeof(c->xo));
	c->res = result_new(c);
}

void
tp_connect(struct tp_conn *c, tp_done_fn *done, void *arg)
{
	begin(c, done, arg);
	c->tp->connect(c);
}

void
tp_exec(struct tp_conn *c, const char *command,
    const struct tp_exec_opts *xo, tp_done_fn *done, void *arg)
{
	begin(c, done, arg);
	if (xo != NULL)
		c->xo = *xo;
	c->tp->exec(c, command);
}

void
tp_put(struct tp_conn *c, const char *local, const char *remote, int mode,
    tp_done_fn *done, void *arg)
{
	begin(c, done, arg);
	c->tp->put(c, local, remote, mode);
}

void
tp_get(struct tp_conn *c, const char *remote, const char *local,
    tp_done_fn *done, void *arg)
{
	begin(c, done, arg);
	c->tp->get(c, remote, local);
}

void
tp_close(struct tp_conn *c, tp_done_fn *done, void *arg)
{
	begin(c, done, arg);
	c->closing = true;
	c->tp->close(c);
}

void
tp_free(struct tp_conn *c)
{
	struct tp_ctx	*ctx;

	if (c == NULL)
		return;
	ctx = c->ctx;
	loop_timer_stop(ctx->loop, &c->later);
	tp_result_free(c->res);
	c->res = NULL;
	free(c->spill_prefix);
	c->tp->free(c);
	ctx->nconns--;
}

/* Ends a capped stream with a line that says what was left out. */
static void
stream_finish(struct tp_stream *s)
{
	char	 mark[128];
	int	 n;

	/* Not synced here: the run journal decides what must be durable. */
	if (s->fd != -1) {
		close(s->fd);
		s->fd = -1;
	}
	if (!s->truncated)
		return;
	n = snprintf(mark, sizeof(mark), "%s[truncated: %" PRIu64
	    " bytes in all, the first %zu shown]\n",
	    s->len > 0 && s->data[s->len - 1] != '\n' ? "\n" : "",
	    s->total, s->len);
	if (n < 0 || (size_t)n >= sizeof(mark))
		return;
	s->data = xreallocarray(s->data, s->len + (size_t)n + 1, 1);
	memcpy(s->data + s->len, mark, (size_t)n + 1);
	s->len += (size_t)n;
}

void
tp_complete(struct tp_conn *c)
{
	struct tp_result	*res = c->res;
	tp_done_fn		*done = c->done;
	void			*arg = c->done_arg;
	bool			 closing = c->closing;

	loop_timer_stop(c->ctx->loop, &c->later);
	if (res == NULL)
		return;		/* completed twice: ignore the second */
	c->res = NULL;
	c->done = NULL;
	res->t_end = loop_now(c->ctx->loop);
	stream_finish(&res->streams[TP_STDOUT]);
	stream_finish(&res->streams[TP_STDERR]);
	if (closing) {
		/* The caller may not touch c after done: free it first. */
		tp_free(c);
		c = NULL;
	}
	if (done != NULL)
		done(c, res, arg);
	else
		tp_result_free(res);
}

void
tp_complete_later(struct tp_conn *c)
{
	loop_timer_start(c->ctx->loop, &c->later, 0);
}

void
tp_fail(struct tp_conn *c, enum tp_err err, const char *fmt, ...)
{
	va_list	 ap;

	if (c->res == NULL)
		return;
	/* The first error is the cause; later ones are its consequences. */
	if (c->res->err != TP_OK)
		return;
	c->res->err = err;
	free(c->res->msg);
	va_start(ap, fmt);
	if (xvasprintf(&c->res->msg, fmt, ap) < 0)
		c->res->msg = NULL;
	va_end(ap);
}

static void
spill_open(struct tp_conn *c, enum tp_stream_id id, struct tp_stream *s)
{
	static const char *const ext[] = { "stdout", "stderr" };

	if (c->ctx->opt.spill_dir == NULL || c->xo.spill_name == NULL)
		return;
	if (xasprintf(&s->path, "%s/%s.%s", c->ctx->opt.spill_dir,
	    c->xo.spill_name, ext[id]) < 0)
		return;
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (s->fd == -1) {
		free(s->path);
		s->path = NULL;
	}
}

static void
spill_write(struct tp_stream *s, const char *data, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(s->fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* A full disk must not stop the run: keep what fits
			 * in memory and drop the file. */
			close(s->fd);
			s->fd = -1;
			unlink(s->path);
			free(s->path);
			s->path = NULL;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

void
tp_output(struct tp_conn *c, enum tp_stream_id id, const char *data,
    size_t len)
{
	struct tp_stream	*s;
	size_t			 cap = c->ctx->opt.out_cap, keep, want;

	if (c->res == NULL || len == 0)
		return;
	s = &c->res->streams[id];
	if (c->xo.on_output != NULL)
		c->xo.on_output(c, id, data, len, c->xo.output_arg);
	if (s->total == 0)
		spill_open(c, id, s);
	if (s->fd != -1)
		spill_write(s, data, len);
	s->total += len;
	keep = s->len < cap ? cap - s->len : 0;
	if (keep > len)
		keep = len;
	if (keep < len)
		s->truncated = true;
	if (keep == 0)
		return;
	if (s->len + keep + 1 > s->cap) {
		want = s->cap ? s->cap : 256;
		while (want < s->len + keep + 1)
			want *= 2;
		if (want > cap + 1)
			want = cap + 1;
		s->data = xreallocarray(s->data, want, 1);
		s->cap = want;
	}
	memcpy(s->data + s->len, data, keep);
	s->len += keep;
	s->data[s->len] = '\0';
}
