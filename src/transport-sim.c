/*
 * The simulated transport: hosts that exist only in the inventory's sim:
 * block (lifeboat-inventory(5)), for tests, demonstrations and tabletop
 * exercises.  It speaks no protocol and never prints; every operation is
 * a plan made when it starts (how long it takes, how it ends, what it
 * writes) and carried out by one loop timer per connection, so that
 * completions always come from the loop and never from inside the call
 * that started them, even with no latency at all (a 0 ms timer).
 *
 * Repeatability.  Each connection draws from its own small generator
 * (splitmix64) seeded from the run's seed (tp_options.seed), the host's
 * name and how many connections to that host the context has opened
 * before.  The same seed gives the same latencies and the same failures
 * run after run, different hosts behave differently, and a retry (a new
 * connection, or the next command on the same one) draws anew, so it can
 * succeed where the first attempt failed.  Every operation draws the same
 * number of values whatever its outcome, so one outcome never shifts the
 * ones after it.  The counts live in the context's sim state (prepare and
 * release); without a prepare the context's connection count stands in.
 * Only boot loops depend on the clock, as they must.
 *
 * What each setting does:
 *
 *	latency, jitter	every operation takes latency +- jitter ms, drawn
 *			uniformly and never below 0, plus a rule's delay
 *	unreachable	connect fails with TP_UNREACHABLE "no route to host
 *			(simulated)" after three latencies, or the connect
 *			timeout if that is shorter.  A real unreachable host
 *			costs the whole connect timeout; waiting that long
 *			would only make tests and demonstrations slow, and
 *			the error, not its delay, is what is being simulated
 *	boot_loop	the host is up during [phase + k * every, phase + k *
 *			every + up) after the context's epoch, the phase
 *			drawn from seed and name.  A connect while it is down
 *			is TP_REFUSED "connection refused (host is
 *			rebooting, simulated)" after one latency: a machine
 *			coming up answers on the network before its SSH or
 *			WinRM service listens, and "refused" tells the
 *			operator the machine is there, which is what a boot
 *			loop looks like from outside.  An operation still
 *			running when its window closes fails at that moment
 *			with TP_UNREACHABLE "connection lost (host rebooted,
 *			simulated)", and so does every later one on that
 *			connection: a session does not survive a reboot,
 *			even when the host is up again
 *	fail_rate	each command with no matching rule fails with that
 *			probability: rc 1, "simulated failure" on stderr and
 *			nothing else (its built-in output and its sleep are
 *			skipped: it failed at once)
 *	commands	the first rule whose glob (fnmatch(3), no flags)
 *			matches the whole command line gives stdout and
 *			stderr (verbatim), rc and an extra delay; fail_rate
 *			does not apply to it
 *
 * Rules and built-ins see the script a command carries when there is one:
 * the standard input of "sh -s", the text of a PowerShell
 * -EncodedCommand.  So a playbook's steps, which go to hosts that way,
 * read as written in a sim rule's glob.
 *
 * Commands no rule matches get built-in behaviour so that demonstrations
 * look natural: echo (its words joined by single spaces), hostname (the
 * inventory name), true, false, exit N, sleep N (seconds, with an
 * optional s, m, h or d suffix; so command timeouts can be tried), and
 * uptime (plausible, and for a boot-looping host counted from its last
 * boot); anything else succeeds silently.  Nothing is parsed beyond
 * splitting on blanks.
 *
 * Output goes through tp_output(), stdout then stderr.  Output of more
 * than one line is sent in two chunks, the first half (up to a line end)
 * half-way through the command and the rest at its end, so streaming code
 * sees it arrive and a command cut short keeps what it had written.  A
 * command that takes longer than its timeout (tp_exec_opts.timeout_ms)
 * fails with TP_TIMEOUT "command timed out after N s" at the deadline; a
 * connect longer than the connect timeout (tp_options, else ssh's
 * connect_timeout, else TP_CONNECT_TIMEOUT_DEFAULT) likewise.  put and
 * get take a latency and succeed unless the connection is lost; nothing
 * is read or written.  close takes a latency and always succeeds.
 */
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "diag.h"
#include "errors.h"
#include "strmap.h"
#include "transport-sim.h"
#include "transport.h"
#include "xmalloc.h"

#define SIM_NEVER	INT64_MAX
#define SIM_GOLDEN	0x9e3779b97f4a7c15ULL
#define SIM_MAX_SLEEP	1e9		/* seconds: keeps ms in range */

/* Per context: how many connections each host has had. */
struct sim_state {
	struct strmap	 attempts;	/* host name -> connections opened */
};

enum sim_op {
	SIM_IDLE = 0,
	SIM_CONNECT,
	SIM_EXEC,
	SIM_PUT,
	SIM_GET,
	SIM_CLOSE,
};

struct sim_conn {
	struct tp_conn	 tc;		/* first: the generic layer's part */
	struct loop_timer timer;
	uint64_t	 rng;
	bool		 connected;
	bool		 lost;		/* rebooted under us: dead for good */
	int64_t		 window;	/* boot window of the session */

	/* The plan of the operation in flight. */
	enum sim_op	 op;
	int64_t		 t_mid;		/* first stdout chunk, or SIM_NEVER */
	int64_t		 t_done;	/* success */
	int64_t		 t_fail;	/* failure, or SIM_NEVER */
	enum tp_err	 ferr;
	char		 fmsg[96];
	int		 rc;
	int64_t		 window_next;	/* window once connected */
	const char	*text[2];	/* TP_STDOUT, TP_STDERR; or NULL */
	size_t		 len[2];
	size_t		 split;		/* stdout bytes of the first chunk */
	size_t		 sent;		/* stdout bytes already sent */
	char		*own[2];	/* text[] that we allocated */
};

static const char msg_lost[] = "connection lost (host rebooted, simulated)";

/* splitmix64's output function: a good 64-bit mix. */
static uint64_t
sim_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
sim_next(uint64_t *s)
{
	*s += SIM_GOLDEN;
	return sim_mix(*s);
}

/* FNV-1a: our own, so that outcomes do not change with strmap's hash. */
static uint64_t
sim_hash_str(const char *s)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* What seed and name fix for the life of a context. */
static uint64_t
sim_host_key(const struct tp_ctx *ctx, const struct host *h)
{
	return sim_mix(ctx->opt.seed ^ sim_mix(sim_hash_str(h->name)));
}

/* Floor division: window numbers before the phase are negative. */
static int64_t
sim_floor_div(int64_t a, int64_t b)
{
	int64_t	 q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static bool
sim_has_boot_loop(const struct host *h)
{
	return h->sim.boot_every_ms > 0 && h->sim.boot_up_ms >= 0 &&
	    h->sim.boot_up_ms < h->sim.boot_every_ms;
}

/*
 * The boot window now falls in: its number and its start (loop_now()
 * scale).  Returns whether the host is up in it.  Only for hosts with a
 * boot loop.
 */
static bool
sim_window(const struct tp_ctx *ctx, const struct host *h, int64_t now,
    int64_t *k, int64_t *start)
{
	int64_t	 every = h->sim.boot_every_ms, phase, x;

	phase = (int64_t)(sim_mix(sim_host_key(ctx, h) ^ 0x626f6f74ULL) %
	    (uint64_t)every);
	x = now - ctx->epoch - phase;
	*k = sim_floor_div(x, every);
	*start = ctx->epoch + phase + *k * every;
	return now - *start < h->sim.boot_up_ms;
}

bool
sim_host_up(const struct tp_ctx *ctx, const struct host *h, int64_t now)
{
	int64_t	 k, start;

	if (h->sim.unreachable == TRISTATE_TRUE)
		return false;
	if (!sim_has_boot_loop(h))
		return true;
	return sim_window(ctx, h, now, &k, &start);
}

int64_t
sim_host_next_up(const struct tp_ctx *ctx, const struct host *h,
    int64_t now)
{
	int64_t	 k, start;

	if (h->sim.unreachable == TRISTATE_TRUE)
		return -1;
	if (!sim_has_boot_loop(h))
		return now;
	if (h->sim.boot_up_ms == 0)
		return -1;
	if (sim_window(ctx, h, now, &k, &start))
		return now;
	return start + h->sim.boot_every_ms;
}

/* "2", "0.25": a duration in seconds for messages. */
static void
sim_secs(char *s, size_t size, int64_t ms)
{
	snprintf(s, size, "%g", (double)ms / 1000);
}

static int64_t
sim_connect_timeout(const struct sim_conn *c)
{
	if (c->tc.ctx->opt.connect_timeout_ms > 0)
		return c->tc.ctx->opt.connect_timeout_ms;
	if (c->tc.host->ssh.connect_timeout_ms > 0)
		return c->tc.host->ssh.connect_timeout_ms;
	return TP_CONNECT_TIMEOUT_DEFAULT;
}

/* One operation's latency; always one draw. */
static int64_t
sim_latency(struct sim_conn *c)
{
	const struct sim_opts	*so = &c->tc.host->sim;
	int64_t			 lat, jit, v;
	uint64_t		 r = sim_next(&c->rng);

	lat = so->latency_ms > 0 ? so->latency_ms : 0;
	jit = so->jitter_ms > 0 ? so->jitter_ms : 0;
	if (jit == 0)
		return lat;
	v = lat - jit + (int64_t)(r % (uint64_t)(2 * jit + 1));
	return v > 0 ? v : 0;
}

/* True with probability p; always one draw. */
static bool
sim_chance(struct sim_conn *c, double p)
{
	uint64_t	 r = sim_next(&c->rng);

	return p > 0 && (double)(r >> 11) * 0x1.0p-53 < p;
}

static void
sim_drop_plan(struct sim_conn *c)
{
	free(c->own[TP_STDOUT]);
	free(c->own[TP_STDERR]);
	memset(c->own, 0, sizeof c->own);
	memset(c->text, 0, sizeof c->text);
	memset(c->len, 0, sizeof c->len);
	c->split = c->sent = 0;
	c->op = SIM_IDLE;
}

/* Starts a plan: success at now unless told otherwise. */
static void
sim_plan(struct sim_conn *c, enum sim_op op, int64_t now)
{
	sim_drop_plan(c);
	c->op = op;
	c->t_mid = SIM_NEVER;
	c->t_done = now;
	c->t_fail = SIM_NEVER;
	c->ferr = TP_OK;
	c->fmsg[0] = '\0';
	c->rc = -1;
}

/* Makes the operation fail at when, unless it fails earlier already. */
static void
sim_fail_at(struct sim_conn *c, int64_t when, enum tp_err err,
    const char *msg)
{
	if (when >= c->t_fail)
		return;
	c->t_fail = when;
	c->ferr = err;
	snprintf(c->fmsg, sizeof c->fmsg, "%s", msg);
}

static void
sim_timeout_at(struct sim_conn *c, int64_t start, int64_t limit,
    const char *what)
{
	char	 secs[32], msg[64];

	sim_secs(secs, sizeof secs, limit);
	snprintf(msg, sizeof msg, "%s timed out after %s s", what, secs);
	sim_fail_at(c, start + limit, TP_TIMEOUT, msg);
}

/*
 * For a session that is up: fails the operation when the host reboots
 * before it is done.
 */
static void
sim_reboot_at(struct sim_conn *c, int64_t now)
{
	const struct host	*h = c->tc.host;
	int64_t			 k, start;

	if (!sim_has_boot_loop(h))
		return;
	sim_window(c->tc.ctx, h, now, &k, &start);
	if (start + h->sim.boot_up_ms <= c->t_done)
		sim_fail_at(c, start + h->sim.boot_up_ms, TP_UNREACHABLE,
		    msg_lost);
}

/* True when the session survives at now; fails the operation if not. */
static bool
sim_session_ok(struct sim_conn *c, int64_t now)
{
	const struct host	*h = c->tc.host;
	int64_t			 k, start;

	if (!c->lost && !c->connected) {
		sim_fail_at(c, now, TP_LOCAL, "not connected");
		return false;
	}
	if (!c->lost && sim_has_boot_loop(h) &&
	    (!sim_window(c->tc.ctx, h, now, &k, &start) || k != c->window))
		c->lost = true;
	if (c->lost) {
		sim_fail_at(c, now, TP_UNREACHABLE, msg_lost);
		return false;
	}
	return true;
}

/*
 * Where a multi-line stdout splits in two: after the line end nearest the
 * middle, or 0 when it is one line.
 */
static size_t
sim_split(const char *s, size_t len)
{
	size_t	 i;

	if (len < 2)
		return 0;
	for (i = len / 2; i > 0; i--) {
		if (s[i - 1] == '\n')
			return i;
	}
	for (i = len / 2; i < len - 1; i++) {
		if (s[i] == '\n')
			return i + 1;
	}
	return 0;
}

/* Sets the timer for the next thing the plan does. */
static void
sim_wake(struct sim_conn *c, int64_t now)
{
	int64_t	 next = c->t_done;

	if (c->t_mid < next)
		next = c->t_mid;
	if (c->t_fail < next)
		next = c->t_fail;
	loop_timer_start(c->tc.ctx->loop, &c->timer,
	    next > now ? next - now : 0);
}

static void
sim_finish(struct sim_conn *c, bool ok)
{
	struct tp_conn	*tc = &c->tc;
	size_t		 n;

	if (!ok) {
		if (c->ferr == TP_UNREACHABLE && c->connected)
			c->lost = true;
		tc->res->rc = -1;
		tp_fail(tc, c->ferr, "%s", c->fmsg);
	} else {
		n = c->len[TP_STDOUT] - c->sent;
		if (n > 0)
			tp_output(tc, TP_STDOUT, c->text[TP_STDOUT] + c->sent,
			    n);
		if (c->len[TP_STDERR] > 0)
			tp_output(tc, TP_STDERR, c->text[TP_STDERR],
			    c->len[TP_STDERR]);
		if (c->op == SIM_CONNECT) {
			c->connected = true;
			c->window = c->window_next;
		} else if (c->op == SIM_EXEC)
			tc->res->rc = c->rc;
	}
	/* Done may start the next operation on c, or free it. */
	sim_drop_plan(c);
	tp_complete(tc);
}

static void
sim_fire(struct loop *loop, void *arg)
{
	struct sim_conn	*c = arg;
	int64_t		 now = loop_now(loop);

	if (c->op == SIM_IDLE)
		return;
	if (c->t_mid <= now && c->t_mid < c->t_fail) {
		c->t_mid = SIM_NEVER;
		c->sent = c->split;
		tp_output(&c->tc, TP_STDOUT, c->text[TP_STDOUT], c->split);
	}
	if (c->t_fail <= now)
		sim_finish(c, false);
	else if (c->t_done <= now)
		sim_finish(c, true);
	else
		sim_wake(c, now);
}

static void
sim_set_text(struct sim_conn *c, enum tp_stream_id id, const char *s)
{
	c->text[id] = s;
	c->len[id] = s != NULL ? strlen(s) : 0;
}

/* Takes s (allocated) as the text of stream id. */
static void
sim_own_text(struct sim_conn *c, enum tp_stream_id id, char *s)
{
	free(c->own[id]);
	c->own[id] = s;
	sim_set_text(c, id, s);
}

/*
 * The next blank-separated word at *p: its start, and its length in *len
 * (0 at the end); *p moves past it.
 */
static const char *
sim_word(const char **p, size_t *len)
{
	const char	*s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	w = s;
	while (*s != '\0' && *s != ' ' && *s != '\t')
		s++;
	*len = (size_t)(s - w);
	*p = s;
	return w;
}

static bool
sim_word_is(const char *w, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(w, s, len) == 0;
}

static void
sim_echo(struct sim_conn *c, const char *args)
{
	const char	*w;
	char		*out;
	size_t		 len, n = 0;

	out = xmalloc(strlen(args) + 2);
	for (;;) {
		w = sim_word(&args, &len);
		if (len == 0)
			break;
		if (n > 0)
			out[n++] = ' ';
		memcpy(out + n, w, len);
		n += len;
	}
	out[n++] = '\n';
	out[n] = '\0';
	sim_own_text(c, TP_STDOUT, out);
}

/* sleep's operand in ms (GNU suffixes too), or -1 when it is bad. */
static int64_t
sim_sleep_ms(const char *w, size_t len)
{
	char	 num[64], *end;
	double	 secs;

	if (len == 0 || len >= sizeof num)
		return -1;
	memcpy(num, w, len);
	num[len] = '\0';
	secs = strtod(num, &end);
	if (end == num || !(secs >= 0))
		return -1;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		secs *= 60;
		break;
	case 'h':
		secs *= 3600;
		break;
	case 'd':
		secs *= 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (secs > SIM_MAX_SLEEP)
		secs = SIM_MAX_SLEEP;
	return (int64_t)(secs * 1000);
}

/* Returns the extra time the command takes. */
static int64_t
sim_sleep(struct sim_conn *c, const char *args)
{
	const char	*w;
	char		*msg;
	size_t		 len;
	int64_t		 ms;

	w = sim_word(&args, &len);
	if (len == 0) {
		sim_set_text(c, TP_STDERR, "sleep: missing operand\n");
		c->rc = 1;
		return 0;
	}
	if ((ms = sim_sleep_ms(w, len)) < 0) {
		xasprintf(&msg, "sleep: invalid time interval '%.*s'\n",
		    (int)len, w);
		sim_own_text(c, TP_STDERR, msg);
		c->rc = 1;
		return 0;
	}
	return ms;
}

static void
sim_exit(struct sim_conn *c, const char *args)
{
	const char	*w;
	char		 num[32], *end, *msg;
	size_t		 len;
	long		 n;

	w = sim_word(&args, &len);
	if (len == 0) {
		c->rc = 0;
		return;
	}
	if (len < sizeof num) {
		memcpy(num, w, len);
		num[len] = '\0';
		n = strtol(num, &end, 10);
		if (end != num && *end == '\0') {
			c->rc = (int)((unsigned long)n & 255);
			return;
		}
	}
	xasprintf(&msg, "exit: %.*s: numeric argument required\n",
	    (int)len, w);
	sim_own_text(c, TP_STDERR, msg);
	c->rc = 2;
}

/* As uptime(1) prints it, from the host's key and the clock. */
static void
sim_uptime(struct sim_conn *c, int64_t now)
{
	const struct tp_ctx	*ctx = c->tc.ctx;
	const struct host	*h = c->tc.host;
	uint64_t		 key = sim_host_key(ctx, h);
	int64_t			 up_s, tod, k, start;
	char			 up[48], *out;
	int			 n = 0;

	if (sim_has_boot_loop(h)) {
		sim_window(ctx, h, now, &k, &start);
		up_s = (now - start) / 1000;
	} else
		up_s = (int64_t)(key % (90 * 86400)) + 3600 +
		    (now - ctx->epoch) / 1000;
	tod = ((int64_t)((key >> 24) % 86400) + (now - ctx->epoch) / 1000) %
	    86400;
	if (up_s >= 86400)
		n = snprintf(up, sizeof up, "%d day%s, ",
		    (int)(up_s / 86400), up_s >= 2 * 86400 ? "s" : "");
	if (up_s % 86400 >= 3600)
		snprintf(up + n, sizeof up - (size_t)n, "%2d:%02d",
		    (int)(up_s % 86400 / 3600), (int)(up_s % 3600 / 60));
	else
		snprintf(up + n, sizeof up - (size_t)n, "%d min",
		    (int)(up_s % 3600 / 60));
	xasprintf(&out, " %02d:%02d:%02d up %s,  1 user,  load average: "
	    "%.2f, %.2f, %.2f\n", (int)(tod / 3600), (int)(tod % 3600 / 60),
	    (int)(tod % 60), up, (double)((key >> 8) % 150) / 100,
	    (double)((key >> 16) % 120) / 100,
	    (double)((key >> 32) % 90) / 100);
	sim_own_text(c, TP_STDOUT, out);
}

/*
 * The text a command runs, as rules and built-ins see it: the script on
 * stdin of "sh -s" and "/bin/sh -s" (trailing newlines dropped), the
 * script of a PowerShell -EncodedCommand (UTF-16LE in base64, back to
 * UTF-8), or the command itself.  Returns a string to free, or NULL for
 * the command itself.
 */
static char *
sim_script(const struct tp_conn *tc, const char *command)
{
	const char	*p;
	char		*b64, *out;
	ssize_t		 n;
	size_t		 i, o = 0;
	uint32_t	 u, lo;

	if ((strcmp(command, "sh -s") == 0 ||
	    strcmp(command, "/bin/sh -s") == 0) && tc->xo.input != NULL) {
		n = (ssize_t)tc->xo.input_len;
		while (n > 0 && tc->xo.input[n - 1] == '\n')
			n--;
		return xstrndup(tc->xo.input, (size_t)n);
	}
	if ((strncmp(command, "powershell ", 11) != 0 &&
	    strncmp(command, "pwsh ", 5) != 0) ||
	    (p = strstr(command, " -EncodedCommand ")) == NULL)
		return NULL;
	b64 = xstrdup(p + 17);
	if ((n = base64_decode(b64)) < 0 || n % 2 != 0) {
		free(b64);
		return NULL;
	}
	/* At most 3 bytes of UTF-8 for each UTF-16 unit (a pair: 4). */
	out = xmalloc((size_t)n / 2 * 3 + 1);
	for (i = 0; i + 1 < (size_t)n; i += 2) {
		u = (uint32_t)(unsigned char)b64[i] |
		    (uint32_t)(unsigned char)b64[i + 1] << 8;
		if (u >= 0xd800 && u < 0xdc00 && i + 3 < (size_t)n) {
			lo = (uint32_t)(unsigned char)b64[i + 2] |
			    (uint32_t)(unsigned char)b64[i + 3] << 8;
			if (lo >= 0xdc00 && lo < 0xe000) {
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
				i += 2;
			}
		}
		if (u < 0x80)
			out[o++] = (char)u;
		else if (u < 0x800) {
			out[o++] = (char)(0xc0 | u >> 6);
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else if (u < 0x10000) {
			out[o++] = (char)(0xe0 | u >> 12);
			out[o++] = (char)(0x80 | (u >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		} else {
			out[o++] = (char)(0xf0 | u >> 18);
			out[o++] = (char)(0x80 | (u >> 12 & 0x3f));
			out[o++] = (char)(0x80 | (u >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (u & 0x3f));
		}
	}
	out[o] = '\0';
	free(b64);
	return out;
}

/* The built-in commands; returns the extra time the command takes. */
static int64_t
sim_builtin(struct sim_conn *c, const char *command, int64_t now)
{
	const char	*p = command, *w;
	char		*out;
	size_t		 len;

	c->rc = 0;
	w = sim_word(&p, &len);
	if (sim_word_is(w, len, "echo"))
		sim_echo(c, p);
	else if (sim_word_is(w, len, "hostname")) {
		xasprintf(&out, "%s\n", c->tc.host->name);
		sim_own_text(c, TP_STDOUT, out);
	} else if (sim_word_is(w, len, "false"))
		c->rc = 1;
	else if (sim_word_is(w, len, "exit"))
		sim_exit(c, p);
	else if (sim_word_is(w, len, "sleep"))
		return sim_sleep(c, p);
	else if (sim_word_is(w, len, "uptime"))
		sim_uptime(c, now);
	return 0;
}

static const struct sim_rule *
sim_rule(const struct host *h, const char *command)
{
	size_t	 i;

	for (i = 0; i < h->sim.nrules; i++) {
		if (h->sim.rules[i].match != NULL &&
		    fnmatch(h->sim.rules[i].match, command, 0) == 0)
			return &h->sim.rules[i];
	}
	return NULL;
}

static int
sim_prepare(struct tp_ctx *ctx, const struct host *const *hosts, size_t n,
    void **state, struct diags *diags)
{
	struct sim_state	*st;

	st = xcalloc(1, sizeof *st);
	*state = st;
	return 0;
}

static void
sim_release(void *state)
{
	struct sim_state	*st = state;

	if (st == NULL)
		return;
	strmap_release(&st->attempts);
	free(st);
}

static struct tp_conn *
sim_open(struct tp_ctx *ctx, void *state, const struct host *h)
{
	struct sim_state	*st = state;
	struct sim_conn		*c;
	unsigned		 attempt = (unsigned)ctx->nconns;

	if (st != NULL) {
		if (!strmap_get(&st->attempts, h->name, &attempt))
			attempt = 0;
		strmap_put(&st->attempts, h->name, attempt + 1);
	}
	c = xcalloc(1, sizeof *c);
	loop_timer_init(&c->timer, sim_fire, c);
	c->rng = sim_mix(sim_mix(ctx->opt.seed ^
	    sim_mix(sim_hash_str(h->name))) + (uint64_t)attempt * SIM_GOLDEN);
	c->t_mid = c->t_done = c->t_fail = SIM_NEVER;
	return &c->tc;
}

static void
sim_connect(struct tp_conn *tc)
{
	struct sim_conn		*c = (struct sim_conn *)tc;
	const struct host	*h = tc->host;
	int64_t			 now = loop_now(tc->ctx->loop), lat, ct;
	int64_t			 k, start;

	sim_plan(c, SIM_CONNECT, now);
	lat = sim_latency(c);
	ct = sim_connect_timeout(c);
	/* A new session: whatever happened to the old one is forgotten. */
	c->connected = c->lost = false;
	c->t_done = now + lat;
	if (h->sim.unreachable == TRISTATE_TRUE) {
		c->t_done = SIM_NEVER;
		sim_fail_at(c, now + (lat * 3 < ct ? lat * 3 : ct),
		    TP_UNREACHABLE, "no route to host (simulated)");
	} else if (sim_has_boot_loop(h) &&
	    !sim_window(tc->ctx, h, now, &k, &start)) {
		c->t_done = SIM_NEVER;
		sim_fail_at(c, now + (lat < ct ? lat : ct), TP_REFUSED,
		    "connection refused (host is rebooting, simulated)");
	} else {
		if (lat > ct)
			sim_timeout_at(c, now, ct, "connection");
		if (sim_has_boot_loop(h)) {
			sim_window(tc->ctx, h, now, &k, &start);
			c->window_next = k;
			sim_reboot_at(c, now);
		}
	}
	sim_wake(c, now);
}

static void
sim_exec(struct tp_conn *tc, const char *command)
{
	struct sim_conn		*c = (struct sim_conn *)tc;
	const struct sim_rule	*rule;
	int64_t			 now = loop_now(tc->ctx->loop), lat, extra;
	bool			 fail;
	char			*script;

	sim_plan(c, SIM_EXEC, now);
	lat = sim_latency(c);
	fail = sim_chance(c, tc->host->sim.fail_rate);
	if (!sim_session_ok(c, now)) {
		sim_wake(c, now);
		return;
	}
	if ((script = sim_script(tc, command)) != NULL)
		command = script;
	if ((rule = sim_rule(tc->host, command)) != NULL) {
		sim_set_text(c, TP_STDOUT, rule->stdout_text);
		sim_set_text(c, TP_STDERR, rule->stderr_text);
		c->rc = rule->rc >= 0 ? rule->rc : 0;
		extra = rule->delay_ms > 0 ? rule->delay_ms : 0;
	} else if (fail) {
		sim_set_text(c, TP_STDERR, "simulated failure\n");
		c->rc = 1;
		extra = 0;
	} else
		extra = sim_builtin(c, command, now);
	free(script);
	c->t_done = now + lat + extra;
	if ((c->split = sim_split(c->text[TP_STDOUT], c->len[TP_STDOUT])) > 0)
		c->t_mid = now + (lat + extra) / 2;
	if (tc->xo.timeout_ms > 0 && lat + extra > tc->xo.timeout_ms)
		sim_timeout_at(c, now, tc->xo.timeout_ms, "command");
	sim_reboot_at(c, now);
	sim_wake(c, now);
}

/* put and get: a latency, over a session that must survive it. */
static void
sim_transfer(struct tp_conn *tc, enum sim_op op)
{
	struct sim_conn		*c = (struct sim_conn *)tc;
	int64_t			 now = loop_now(tc->ctx->loop), lat;

	sim_plan(c, op, now);
	lat = sim_latency(c);
	if (sim_session_ok(c, now)) {
		c->t_done = now + lat;
		if (tc->xo.timeout_ms > 0 && lat > tc->xo.timeout_ms)
			sim_timeout_at(c, now, tc->xo.timeout_ms, "transfer");
		sim_reboot_at(c, now);
	}
	sim_wake(c, now);
}

static void
sim_put(struct tp_conn *tc, const char *local, const char *remote,
    int mode)
{
	sim_transfer(tc, SIM_PUT);
}

static void
sim_get(struct tp_conn *tc, const char *remote, const char *local)
{
	sim_transfer(tc, SIM_GET);
}

static void
sim_close(struct tp_conn *tc)
{
	struct sim_conn	*c = (struct sim_conn *)tc;
	int64_t		 now = loop_now(tc->ctx->loop);

	sim_plan(c, SIM_CLOSE, now);
	c->t_done = now + sim_latency(c);
	c->connected = false;
	sim_wake(c, now);
}

static void
sim_free(struct tp_conn *tc)
{
	struct sim_conn	*c = (struct sim_conn *)tc;

	loop_timer_stop(tc->ctx->loop, &c->timer);
	sim_drop_plan(c);
	free(c);
}

const struct transport transport_sim = {
	.name = "sim",
	.prepare = sim_prepare,
	.release = sim_release,
	.open = sim_open,
	.connect = sim_connect,
	.exec = sim_exec,
	.put = sim_put,
	.get = sim_get,
	.close = sim_close,
	.free = sim_free,
};
