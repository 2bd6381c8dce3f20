/*
 * Unit tests for the simulated transport (transport-sim.c), driven
 * through the tp_* interface on a real event loop: repeatable outcomes
 * for a seed, different ones for another seed or another attempt,
 * latency and jitter, unreachable hosts, boot loops (refused while down,
 * lost at the reboot, fine in the next window), command rules, the
 * built-in commands, command and connect timeouts, the failure rate over
 * many commands, put, get, close and free.  Every completion checks that
 * it did not run inside the call that started the operation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "inventory.h"
#include "loop.h"
#include "transport-sim.h"
#include "transport-winrm.h"
#include "transport.h"

#define SLACK	150	/* ms a busy machine may add to a timer */
#define NFLEET	50

struct fix {
	struct loop	*loop;
	struct tp_ctx	*ctx;
};

/* One operation waited for. */
struct op {
	bool			 starting;	/* inside the tp_* call */
	bool			 done;
	struct tp_conn		*conn;		/* as done got it */
	struct tp_result	*res;
	size_t			 chunks[2];
	struct buf		 streamed[2];
};

static void
sim_host(struct host *h, const char *name)
{
	host_init(h);
	h->name = name;
	h->transport = TRANSPORT_SIM;
}

static void
fix_init_opts(struct fix *f, const struct tp_options *opt,
    const struct host *const *hosts, size_t n)
{
	struct diags	 d = DIAGS_INIT;

	f->loop = loop_new();
	assert_non_null(f->loop);
	f->ctx = tp_ctx_new(f->loop, opt);
	assert_non_null(f->ctx);
	assert_int_equal(tp_ctx_prepare(f->ctx, hosts, n, &d), 0);
	assert_int_equal(d.n, 0);
	diags_release(&d);
}

static void
fix_init(struct fix *f, uint64_t seed, const struct host *const *hosts,
    size_t n)
{
	struct tp_options	 opt;

	memset(&opt, 0, sizeof opt);
	opt.seed = seed;
	fix_init_opts(f, &opt, hosts, n);
}

static void
fix_release(struct fix *f)
{
	assert_int_equal(f->ctx->nconns, 0);
	tp_ctx_free(f->ctx);
	loop_free(f->loop);
}

static void
op_init(struct op *o)
{
	memset(o, 0, sizeof *o);
	buf_init(&o->streamed[TP_STDOUT], 0, 0);
	buf_init(&o->streamed[TP_STDERR], 0, 0);
}

static void
op_release(struct op *o)
{
	tp_result_free(o->res);
	buf_release(&o->streamed[TP_STDOUT]);
	buf_release(&o->streamed[TP_STDERR]);
	memset(o, 0, sizeof *o);
}

static void
on_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct op	*o = arg;

	assert_false(o->starting);
	assert_false(o->done);
	o->done = true;
	o->conn = c;
	o->res = res;
}

static void
on_output(struct tp_conn *c, enum tp_stream_id id, const char *data,
    size_t len, void *arg)
{
	struct op	*o = arg;

	assert_false(o->starting);
	assert_false(o->done);
	o->chunks[id]++;
	assert_int_equal(buf_add(&o->streamed[id], data, len), 0);
}

/* Runs the loop until o is done; it must not be done yet. */
static struct tp_result *
op_wait(struct fix *f, struct op *o)
{
	assert_false(o->done);
	while (!o->done)
		assert_true(loop_run_once(f->loop, -1) >= 0);
	return o->res;
}

static struct tp_result *
do_connect(struct fix *f, struct tp_conn *c, struct op *o)
{
	op_init(o);
	loop_update_time(f->loop);
	o->starting = true;
	tp_connect(c, on_done, o);
	o->starting = false;
	return op_wait(f, o);
}

static struct tp_result *
do_exec(struct fix *f, struct tp_conn *c, const char *cmd,
    int64_t timeout_ms, struct op *o)
{
	struct tp_exec_opts	 xo;

	op_init(o);
	memset(&xo, 0, sizeof xo);
	xo.timeout_ms = timeout_ms;
	xo.on_output = on_output;
	xo.output_arg = o;
	loop_update_time(f->loop);
	o->starting = true;
	tp_exec(c, cmd, &xo, on_done, o);
	o->starting = false;
	return op_wait(f, o);
}

static struct tp_result *
do_exec_input(struct fix *f, struct tp_conn *c, const char *cmd,
    const char *input, struct op *o)
{
	struct tp_exec_opts	 xo;

	op_init(o);
	memset(&xo, 0, sizeof xo);
	xo.input = input;
	xo.input_len = strlen(input);
	loop_update_time(f->loop);
	o->starting = true;
	tp_exec(c, cmd, &xo, on_done, o);
	o->starting = false;
	return op_wait(f, o);
}

static void
do_close(struct fix *f, struct tp_conn *c)
{
	struct op	 o;

	op_init(&o);
	o.starting = true;
	tp_close(c, on_done, &o);
	o.starting = false;
	op_wait(f, &o);
	assert_null(o.conn);
	assert_int_equal(o.res->err, TP_OK);
	op_release(&o);
}

/* Opens a connection to h and connects it, which must work. */
static struct tp_conn *
connected(struct fix *f, const struct host *h)
{
	struct tp_conn	*c;
	struct op	 o;

	c = tp_open(f->ctx, h);
	assert_non_null(c);
	do_connect(f, c, &o);
	assert_int_equal(o.res->err, TP_OK);
	assert_null(o.res->msg);
	assert_ptr_equal(o.conn, c);
	op_release(&o);
	return c;
}

static const char *
text(const struct tp_result *r, enum tp_stream_id id)
{
	return r->streams[id].data != NULL ? r->streams[id].data : "";
}

static int64_t
elapsed(const struct tp_result *r)
{
	return r->t_end - r->t_start;
}

static void
assert_between(int64_t v, int64_t lo, int64_t hi)
{
	if (v < lo || v > hi)
		fail_msg("%lld is not in [%lld, %lld]", (long long)v,
		    (long long)lo, (long long)hi);
}

/* An exec that must succeed with exactly this output. */
static void
assert_exec(struct fix *f, struct tp_conn *c, const char *cmd, int rc,
    const char *out, const char *err)
{
	struct op		 o;
	struct tp_result	*r;

	r = do_exec(f, c, cmd, 0, &o);
	assert_int_equal(r->err, TP_OK);
	assert_null(r->msg);
	assert_int_equal(r->rc, rc);
	assert_string_equal(text(r, TP_STDOUT), out);
	assert_string_equal(text(r, TP_STDERR), err);
	assert_string_equal(buf_str(&o.streamed[TP_STDOUT]), out);
	assert_string_equal(buf_str(&o.streamed[TP_STDERR]), err);
	op_release(&o);
}

static void
assert_fails(struct fix *f, struct tp_conn *c, const char *cmd,
    enum tp_err err, const char *msg)
{
	struct op		 o;
	struct tp_result	*r;

	r = do_exec(f, c, cmd, 0, &o);
	assert_int_equal(r->err, err);
	assert_string_equal(r->msg, msg);
	assert_int_equal(r->rc, -1);
	op_release(&o);
}

static void
timer_fired(struct loop *loop, void *arg)
{
	*(bool *)arg = true;
}

/* Runs the loop until when (loop_now() scale). */
static void
sleep_until(struct fix *f, int64_t when)
{
	struct loop_timer	 t;
	bool			 fired = false;
	int64_t			 now = loop_update_time(f->loop);

	if (when <= now)
		return;
	loop_timer_init(&t, timer_fired, &fired);
	loop_timer_start(f->loop, &t, when - now);
	while (!fired)
		assert_true(loop_run_once(f->loop, -1) >= 0);
}

/* The first moment at or after now when h is down. */
static int64_t
next_down(const struct fix *f, const struct host *h, int64_t now)
{
	int64_t	 t;

	for (t = now; sim_host_up(f->ctx, h, t); t++)
		assert_true(t - now < h->sim.boot_every_ms);
	return t;
}

/*
 * A fleet run: every host connects, runs one command and closes, all at
 * once, driven by the callbacks alone.
 */
struct job {
	struct tp_conn	*c;
	int		 stage;
	bool		 starting;
	enum tp_err	 err;
	int		 rc;
	char		 out[64];
	char		 errout[64];
};

static void
job_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct job	*j = arg;

	assert_false(j->starting);
	switch (j->stage++) {
	case 0:
		assert_int_equal(res->err, TP_OK);
		j->starting = true;
		tp_exec(c, "echo hello  world", NULL, job_done, j);
		j->starting = false;
		break;
	case 1:
		j->err = res->err;
		j->rc = res->rc;
		snprintf(j->out, sizeof j->out, "%s", text(res, TP_STDOUT));
		snprintf(j->errout, sizeof j->errout, "%s",
		    text(res, TP_STDERR));
		j->starting = true;
		tp_close(c, job_done, j);
		j->starting = false;
		break;
	case 2:
		assert_null(c);
		assert_int_equal(res->err, TP_OK);
		break;
	default:
		fail_msg("a completion too many");
	}
	tp_result_free(res);
}

static void
run_fleet(uint64_t seed, struct host *hosts, size_t n, struct job *jobs)
{
	const struct host	*hp[NFLEET];
	struct fix		 f;
	size_t			 i;

	assert_true(n <= NFLEET);
	for (i = 0; i < n; i++)
		hp[i] = &hosts[i];
	fix_init(&f, seed, hp, n);
	memset(jobs, 0, n * sizeof *jobs);
	for (i = 0; i < n; i++) {
		jobs[i].c = tp_open(f.ctx, &hosts[i]);
		assert_non_null(jobs[i].c);
		jobs[i].starting = true;
		tp_connect(jobs[i].c, job_done, &jobs[i]);
		jobs[i].starting = false;
		assert_int_equal(jobs[i].stage, 0);
	}
	assert_int_equal(loop_run(f.loop), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(jobs[i].stage, 3);
		assert_int_equal(jobs[i].err, TP_OK);
		if (jobs[i].rc == 0) {
			assert_string_equal(jobs[i].out, "hello world\n");
			assert_string_equal(jobs[i].errout, "");
		} else {
			assert_int_equal(jobs[i].rc, 1);
			assert_string_equal(jobs[i].out, "");
			assert_string_equal(jobs[i].errout,
			    "simulated failure\n");
		}
	}
	fix_release(&f);
}

static size_t
count_failed(const struct job *jobs, size_t n)
{
	size_t	 i, k = 0;

	for (i = 0; i < n; i++)
		k += jobs[i].rc != 0;
	return k;
}

static void
test_determinism(void **state)
{
	struct host	 hosts[NFLEET];
	struct job	 a[NFLEET], b[NFLEET], other[NFLEET];
	char		 names[NFLEET][16];
	size_t		 i, nfail, ndiff = 0;

	(void)state;
	for (i = 0; i < NFLEET; i++) {
		snprintf(names[i], sizeof names[i], "host%02zu", i);
		sim_host(&hosts[i], names[i]);
		hosts[i].sim.latency_ms = 2;
		hosts[i].sim.jitter_ms = 2;
		hosts[i].sim.fail_rate = 0.5;
	}
	run_fleet(42, hosts, NFLEET, a);
	run_fleet(42, hosts, NFLEET, b);
	run_fleet(43, hosts, NFLEET, other);
	for (i = 0; i < NFLEET; i++) {
		assert_int_equal(a[i].rc, b[i].rc);
		assert_string_equal(a[i].out, b[i].out);
		assert_string_equal(a[i].errout, b[i].errout);
		ndiff += a[i].rc != other[i].rc;
	}
	/* Half of them fail, and which half depends on the seed. */
	nfail = count_failed(a, NFLEET);
	assert_true(nfail >= 10 && nfail <= 40);
	nfail = count_failed(other, NFLEET);
	assert_true(nfail >= 10 && nfail <= 40);
	assert_true(ndiff >= 10);
}

/*
 * The outcomes of 16 attempts (new connections) and of 16 commands on one
 * connection, as bits.
 */
static void
attempts(uint64_t seed, const struct host *h, unsigned *conns,
    unsigned *cmds)
{
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	unsigned		 i;

	fix_init(&f, seed, &h, 1);
	*conns = *cmds = 0;
	for (i = 0; i < 16; i++) {
		c = connected(&f, h);
		if (do_exec(&f, c, "true", 0, &o)->rc != 0)
			*conns |= 1U << i;
		op_release(&o);
		do_close(&f, c);
	}
	c = connected(&f, h);
	for (i = 0; i < 16; i++) {
		if (do_exec(&f, c, "true", 0, &o)->rc != 0)
			*cmds |= 1U << i;
		op_release(&o);
	}
	do_close(&f, c);
	fix_release(&f);
}

static void
test_attempts_differ(void **state)
{
	struct host	 h;
	unsigned	 conns, cmds, conns2, cmds2;

	(void)state;
	sim_host(&h, "flaky");
	h.sim.fail_rate = 0.5;
	attempts(7, &h, &conns, &cmds);
	/*
	 * A retry can succeed where the first try failed, and the other way
	 * round; and a rerun repeats every attempt.
	 */
	assert_true(conns != 0 && conns != 0xffff);
	assert_true(cmds != 0 && cmds != 0xffff);
	attempts(7, &h, &conns2, &cmds2);
	assert_int_equal(conns, conns2);
	assert_int_equal(cmds, cmds2);
}

static void
test_latency(void **state)
{
	const struct host	*hp[2];
	struct host		 h, z;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;
	int64_t			 e, lo = INT64_MAX, hi = 0;
	int			 i;

	(void)state;
	sim_host(&h, "slow");
	h.sim.latency_ms = 10;
	h.sim.jitter_ms = 5;
	sim_host(&z, "instant");
	hp[0] = &h;
	hp[1] = &z;
	fix_init(&f, 1, hp, 2);

	c = tp_open(f.ctx, &h);
	r = do_connect(&f, c, &o);
	assert_int_equal(r->err, TP_OK);
	assert_between(elapsed(r), 5, 15 + SLACK);
	op_release(&o);
	for (i = 0; i < 8; i++) {
		r = do_exec(&f, c, "true", 0, &o);
		assert_int_equal(r->rc, 0);
		e = elapsed(r);
		assert_between(e, 5, 15 + SLACK);
		lo = e < lo ? e : lo;
		hi = e > hi ? e : hi;
		op_release(&o);
	}
	/* The jitter is there. */
	assert_true(hi > lo);
	do_close(&f, c);

	/* No latency: done on the next turn, not inside the call. */
	c = tp_open(f.ctx, &z);
	op_init(&o);
	loop_update_time(f.loop);
	o.starting = true;
	tp_connect(c, on_done, &o);
	o.starting = false;
	assert_false(o.done);
	assert_true(loop_run_once(f.loop, SLACK) >= 1);
	assert_true(o.done);
	assert_int_equal(o.res->err, TP_OK);
	assert_between(elapsed(o.res), 0, SLACK);
	op_release(&o);
	assert_exec(&f, c, "echo instant", 0, "instant\n", "");
	do_close(&f, c);
	fix_release(&f);
}

static void
test_unreachable(void **state)
{
	const struct host	*hp[3];
	struct host		 h, s, t;
	struct tp_options	 opt;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;

	(void)state;
	sim_host(&h, "gone");
	h.sim.latency_ms = 5;
	h.sim.unreachable = TRISTATE_TRUE;
	sim_host(&s, "gone-slow");
	s.sim.latency_ms = 1000;
	s.sim.unreachable = TRISTATE_TRUE;
	s.ssh.connect_timeout_ms = 7;
	sim_host(&t, "far");
	t.sim.latency_ms = 1000;
	t.ssh.connect_timeout_ms = 12;
	hp[0] = &h;
	hp[1] = &s;
	hp[2] = &t;
	fix_init(&f, 1, hp, 3);
	assert_false(sim_host_up(f.ctx, &h, loop_now(f.loop)));
	assert_int_equal(sim_host_next_up(f.ctx, &h, loop_now(f.loop)), -1);

	/* Three latencies, not the 10 s connect timeout. */
	c = tp_open(f.ctx, &h);
	r = do_connect(&f, c, &o);
	assert_int_equal(r->err, TP_UNREACHABLE);
	assert_true(tp_err_is_unreachable(r->err));
	assert_string_equal(r->msg, "no route to host (simulated)");
	assert_int_equal(r->rc, -1);
	assert_between(elapsed(r), 15, 15 + SLACK);
	op_release(&o);
	/* Nothing runs on a connection that never was. */
	assert_fails(&f, c, "true", TP_LOCAL, "not connected");
	tp_free(c);

	/* The host's connect timeout when it is shorter. */
	c = tp_open(f.ctx, &s);
	r = do_connect(&f, c, &o);
	assert_int_equal(r->err, TP_UNREACHABLE);
	assert_between(elapsed(r), 7, 7 + SLACK);
	op_release(&o);
	tp_free(c);

	/* A reachable host slower than the connect timeout. */
	c = tp_open(f.ctx, &t);
	r = do_connect(&f, c, &o);
	assert_int_equal(r->err, TP_TIMEOUT);
	assert_string_equal(r->msg, "connection timed out after 0.012 s");
	assert_between(elapsed(r), 12, 12 + SLACK);
	op_release(&o);
	tp_free(c);
	fix_release(&f);

	/* The run's connect timeout wins over the host's. */
	memset(&opt, 0, sizeof opt);
	opt.connect_timeout_ms = 3;
	fix_init_opts(&f, &opt, hp, 3);
	c = tp_open(f.ctx, &s);
	r = do_connect(&f, c, &o);
	assert_int_equal(r->err, TP_UNREACHABLE);
	assert_between(elapsed(r), 3, 3 + SLACK);
	op_release(&o);
	tp_free(c);
	c = tp_open(f.ctx, &t);
	r = do_connect(&f, c, &o);
	assert_int_equal(r->err, TP_TIMEOUT);
	assert_string_equal(r->msg, "connection timed out after 0.003 s");
	op_release(&o);
	tp_free(c);
	fix_release(&f);
}

/*
 * Whether an operation's result is what the boot loop dictates for its
 * start time: a connect is refused exactly when the host was down, and
 * anything else that fails lost its session to a reboot.  Timers fire
 * late on a busy machine, so the tests below aim at windows but judge
 * each outcome by when the operation really started.
 */
static void
assert_boot_outcome(const struct fix *f, const struct host *h,
    const struct tp_result *r, bool connect)
{
	if (connect && !sim_host_up(f->ctx, h, r->t_start)) {
		assert_int_equal(r->err, TP_REFUSED);
		assert_true(tp_err_is_unreachable(r->err));
		assert_string_equal(r->msg,
		    "connection refused (host is rebooting, simulated)");
		assert_between(elapsed(r), h->sim.latency_ms,
		    h->sim.latency_ms + SLACK);
	} else if (r->err != TP_OK) {
		assert_int_equal(r->err, TP_UNREACHABLE);
		assert_string_equal(r->msg,
		    "connection lost (host rebooted, simulated)");
		assert_int_equal(r->rc, -1);
	}
}

/*
 * Connects to h in an up window and runs cmd there, which must work;
 * tries the next window when this one was missed.  The result is in o.
 */
static struct tp_conn *
run_in_window(struct fix *f, const struct host *h, const char *cmd,
    struct op *o)
{
	struct tp_conn	*c;
	int		 try;
	int64_t		 now;

	for (try = 0; try < 5; try++) {
		now = loop_update_time(f->loop);
		sleep_until(f, sim_host_next_up(f->ctx, h, now) + 1);
		c = tp_open(f->ctx, h);
		assert_non_null(c);
		do_connect(f, c, o);
		assert_boot_outcome(f, h, o->res, true);
		if (o->res->err == TP_OK) {
			op_release(o);
			do_exec(f, c, cmd, 0, o);
			assert_boot_outcome(f, h, o->res, false);
			if (o->res->err == TP_OK)
				return c;
		}
		op_release(o);
		tp_free(c);
	}
	fail_msg("missed the up window five times");
	return NULL;
}

static void
test_boot_loop(void **state)
{
	const struct host	*hp[1];
	struct host		 h, other;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;
	int64_t			 now, down;
	char			 name[16];
	int			 i, nup;
	bool			 refused = false;

	(void)state;
	sim_host(&h, "kiosk");
	h.sim.latency_ms = 4;
	h.sim.boot_up_ms = 60;
	h.sim.boot_every_ms = 150;
	hp[0] = &h;
	fix_init(&f, 3, hp, 1);

	/* Down: refused after one latency. */
	for (i = 0; i < 5 && !refused; i++) {
		now = loop_update_time(f.loop);
		if (sim_host_up(f.ctx, &h, now))
			sleep_until(&f, next_down(&f, &h, now) + 1);
		now = loop_update_time(f.loop);
		if (!sim_host_up(f.ctx, &h, now)) {
			assert_true(sim_host_next_up(f.ctx, &h, now) > now);
			assert_true(sim_host_next_up(f.ctx, &h, now) - now <=
			    150 - 60);
		}
		c = tp_open(f.ctx, &h);
		r = do_connect(&f, c, &o);
		assert_boot_outcome(&f, &h, r, true);
		refused = r->err == TP_REFUSED;
		op_release(&o);
		tp_free(c);
	}
	assert_true(refused);

	/* A retry in the up window works, and the host has just booted. */
	c = run_in_window(&f, &h, "uptime", &o);
	assert_non_null(strstr(text(o.res, TP_STDOUT),
	    " up 0 min,  1 user, "));
	op_release(&o);

	/* A command that outlasts the window is lost at the reboot. */
	r = do_exec(&f, c, "sleep 1", 0, &o);
	assert_int_equal(r->err, TP_UNREACHABLE);
	assert_string_equal(r->msg,
	    "connection lost (host rebooted, simulated)");
	assert_int_equal(r->rc, -1);
	down = next_down(&f, &h, r->t_start);
	assert_true(down - r->t_start < 60);
	assert_between(r->t_end, down, down + SLACK);
	op_release(&o);
	/* The session is gone for good, even once the host is back. */
	sleep_until(&f, sim_host_next_up(f.ctx, &h, loop_update_time(f.loop)));
	assert_fails(&f, c, "true", TP_UNREACHABLE,
	    "connection lost (host rebooted, simulated)");
	tp_free(c);

	/* A new connection in a new window is fine. */
	c = run_in_window(&f, &h, "echo back", &o);
	assert_string_equal(text(o.res, TP_STDOUT), "back\n");
	op_release(&o);
	do_close(&f, c);

	/* Each host has its own phase. */
	other = h;
	other.name = name;
	other.sim.boot_every_ms = 1000;
	other.sim.boot_up_ms = 500;
	nup = 0;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "pos%02d", i);
		nup += sim_host_up(f.ctx, &other, f.ctx->epoch);
	}
	assert_true(nup > 0 && nup < 20);
	other.sim.boot_up_ms = 0;
	assert_false(sim_host_up(f.ctx, &other, f.ctx->epoch));
	assert_int_equal(sim_host_next_up(f.ctx, &other, f.ctx->epoch), -1);
	fix_release(&f);
}

/* Rules see the script of "sh -s" and of -EncodedCommand. */
static void
test_scripts(void **state)
{
	struct sim_rule		 rules[] = {
		{ "rm -f 'C-0291'*", "removed 1\n", NULL, 0, INV_UNSET },
		{ "Get-Service 'Spooler' # \xc3\xa9\xf0\x9f\x94\xa5",
		    "Running\n", NULL, 0, INV_UNSET },
	};
	static const char	 ps[] =
	    "Get-Service 'Spooler' # \xc3\xa9\xf0\x9f\x94\xa5";
	const struct host	*hp[1];
	struct host		 h;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;
	struct buf		 cmd;

	(void)state;
	sim_host(&h, "app01");
	h.sim.rules = rules;
	h.sim.nrules = sizeof rules / sizeof rules[0];
	hp[0] = &h;
	fix_init(&f, 1, hp, 1);
	c = connected(&f, &h);

	r = do_exec_input(&f, c, "sh -s", "rm -f 'C-0291'*.sys\n\n", &o);
	assert_int_equal(r->rc, 0);
	assert_string_equal(text(r, TP_STDOUT), "removed 1\n");
	op_release(&o);
	/* A built-in on stdin. */
	r = do_exec_input(&f, c, "/bin/sh -s", "echo  from   stdin\n", &o);
	assert_string_equal(text(r, TP_STDOUT), "from stdin\n");
	op_release(&o);
	/* Not sh -s: the command itself. */
	r = do_exec_input(&f, c, "sh -c x", "echo no\n", &o);
	assert_string_equal(text(r, TP_STDOUT), "");
	op_release(&o);

	/* PowerShell, with a character outside the BMP. */
	buf_init(&cmd, 0, 0);
	assert_int_equal(winrm_ps_command(&cmd, ps, strlen(ps)), 0);
	assert_exec(&f, c, buf_str(&cmd), 0, "Running\n", "");
	/* pwsh, as on Linux. */
	buf_reset(&cmd);
	assert_int_equal(winrm_ps_command_as(&cmd, "pwsh", ps, strlen(ps)),
	    0);
	assert_int_equal(strncmp(buf_str(&cmd), "pwsh -NoProfile "
	    "-NonInteractive -EncodedCommand ", 48), 0);
	assert_exec(&f, c, buf_str(&cmd), 0, "Running\n", "");
	buf_release(&cmd);
	do_close(&f, c);
	fix_release(&f);
}

static void
test_rules(void **state)
{
	struct sim_rule		 rules[] = {
		{ "systemctl is-active *", "active\n", NULL, 0, INV_UNSET },
		{ "systemctl *", "other\n", "warning: degraded\n", 3, 30 },
		{ "cat /etc/*", "one\ntwo\nthree\nfour\n", NULL, 0, 40 },
		{ "hostname", "from a rule", NULL, 0, INV_UNSET },
	};
	const struct host	*hp[1];
	struct host		 h;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;

	(void)state;
	sim_host(&h, "app01");
	h.sim.latency_ms = 2;
	h.sim.fail_rate = 1;
	h.sim.rules = rules;
	h.sim.nrules = sizeof rules / sizeof rules[0];
	hp[0] = &h;
	fix_init(&f, 1, hp, 1);
	c = connected(&f, &h);

	/* The first match wins; fail_rate does not touch rules. */
	assert_exec(&f, c, "systemctl is-active sshd", 0, "active\n", "");
	r = do_exec(&f, c, "systemctl restart sshd", 0, &o);
	assert_int_equal(r->err, TP_OK);
	assert_int_equal(r->rc, 3);
	assert_string_equal(text(r, TP_STDOUT), "other\n");
	assert_string_equal(text(r, TP_STDERR), "warning: degraded\n");
	assert_between(elapsed(r), 32, 32 + SLACK);
	op_release(&o);
	/* Verbatim, and over a built-in. */
	assert_exec(&f, c, "hostname", 0, "from a rule", "");

	/* Several lines arrive in more than one chunk, and whole. */
	r = do_exec(&f, c, "cat /etc/hosts", 0, &o);
	assert_int_equal(r->rc, 0);
	assert_string_equal(text(r, TP_STDOUT), "one\ntwo\nthree\nfour\n");
	assert_int_equal(o.chunks[TP_STDOUT], 2);
	assert_string_equal(buf_str(&o.streamed[TP_STDOUT]),
	    "one\ntwo\nthree\nfour\n");
	assert_int_equal(o.chunks[TP_STDERR], 0);
	assert_between(elapsed(r), 42, 42 + SLACK);
	op_release(&o);

	/* The glob takes the whole line; no rule: fail_rate 1 fails it. */
	assert_exec(&f, c, "systemctl", 1, "", "simulated failure\n");
	assert_exec(&f, c, "sudo systemctl is-active sshd", 1, "",
	    "simulated failure\n");
	assert_exec(&f, c, "echo hi", 1, "", "simulated failure\n");
	do_close(&f, c);
	fix_release(&f);
}

static void
test_builtins(void **state)
{
	const struct host	*hp[1];
	struct host		 h;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;
	const char		*s;

	(void)state;
	sim_host(&h, "web01");
	hp[0] = &h;
	fix_init(&f, 1, hp, 1);
	c = connected(&f, &h);

	assert_exec(&f, c, "echo  hello   world ", 0, "hello world\n", "");
	assert_exec(&f, c, "echo", 0, "\n", "");
	assert_exec(&f, c, "hostname", 0, "web01\n", "");
	assert_exec(&f, c, "true", 0, "", "");
	assert_exec(&f, c, "false", 1, "", "");
	assert_exec(&f, c, "exit", 0, "", "");
	assert_exec(&f, c, "exit 7", 7, "", "");
	assert_exec(&f, c, "exit 300", 44, "", "");
	assert_exec(&f, c, "exit x", 2, "",
	    "exit: x: numeric argument required\n");
	assert_exec(&f, c, "sleep", 1, "", "sleep: missing operand\n");
	assert_exec(&f, c, "sleep abc", 1, "",
	    "sleep: invalid time interval 'abc'\n");
	assert_exec(&f, c, "frobnicate --all", 0, "", "");

	r = do_exec(&f, c, "sleep 0.05", 0, &o);
	assert_int_equal(r->rc, 0);
	assert_null(r->streams[TP_STDOUT].data);
	assert_between(elapsed(r), 50, 50 + SLACK);
	op_release(&o);

	/* " 13:04:51 up 12 days,  3:02,  1 user,  load average: ..." */
	r = do_exec(&f, c, "uptime", 0, &o);
	assert_int_equal(r->rc, 0);
	s = text(r, TP_STDOUT);
	assert_true(s[0] == ' ' && s[3] == ':' && s[6] == ':');
	assert_memory_equal(s + 9, " up ", 4);
	assert_non_null(strstr(s, ",  1 user,  load average: "));
	assert_int_equal(s[strlen(s) - 1], '\n');
	assert_int_equal(o.chunks[TP_STDOUT], 1);
	op_release(&o);
	do_close(&f, c);
	fix_release(&f);
}

static void
test_timeout(void **state)
{
	struct sim_rule		 rules[] = {
		{ "slowcat", "first\nsecond\n", NULL, 0, 100 },
	};
	const struct host	*hp[1];
	struct host		 h;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;
	struct tp_result	*r;

	(void)state;
	sim_host(&h, "db01");
	h.sim.latency_ms = 5;
	h.sim.rules = rules;
	h.sim.nrules = 1;
	hp[0] = &h;
	fix_init(&f, 1, hp, 1);
	c = connected(&f, &h);

	r = do_exec(&f, c, "sleep 5", 30, &o);
	assert_int_equal(r->err, TP_TIMEOUT);
	assert_string_equal(r->msg, "command timed out after 0.03 s");
	assert_int_equal(r->rc, -1);
	assert_between(elapsed(r), 30, 30 + SLACK);
	op_release(&o);

	/* Cut short half-way: what was written so far is kept. */
	r = do_exec(&f, c, "slowcat", 60, &o);
	assert_int_equal(r->err, TP_TIMEOUT);
	assert_string_equal(text(r, TP_STDOUT), "first\n");
	assert_int_equal(o.chunks[TP_STDOUT], 1);
	assert_between(elapsed(r), 60, 60 + SLACK);
	op_release(&o);

	/* In time, and the connection outlives a timeout. */
	r = do_exec(&f, c, "sleep 0.01", 1000, &o);
	assert_int_equal(r->err, TP_OK);
	assert_int_equal(r->rc, 0);
	op_release(&o);
	r = do_exec(&f, c, "slowcat", 1000, &o);
	assert_int_equal(r->err, TP_OK);
	assert_string_equal(text(r, TP_STDOUT), "first\nsecond\n");
	op_release(&o);
	do_close(&f, c);
	fix_release(&f);
}

/* Runs "echo x" n times in a row on c, from the callbacks. */
struct series {
	int		 left;
	int		 nfail;
	bool		 starting;
};

static void
series_done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct series	*s = arg;

	assert_false(s->starting);
	assert_int_equal(res->err, TP_OK);
	if (res->rc == 0) {
		assert_string_equal(text(res, TP_STDOUT), "x\n");
		assert_null(res->streams[TP_STDERR].data);
	} else {
		assert_int_equal(res->rc, 1);
		assert_null(res->streams[TP_STDOUT].data);
		assert_string_equal(text(res, TP_STDERR),
		    "simulated failure\n");
		s->nfail++;
	}
	tp_result_free(res);
	if (--s->left > 0) {
		s->starting = true;
		tp_exec(c, "echo x", NULL, series_done, s);
		s->starting = false;
	}
}

static void
test_fail_rate(void **state)
{
	const struct host	*hp[1];
	struct host		 h;
	struct fix		 f;
	struct tp_conn		*c;
	struct series		 s = { 1000, 0, false };

	(void)state;
	sim_host(&h, "fs01");
	h.sim.fail_rate = 0.2;
	hp[0] = &h;
	fix_init(&f, 99, hp, 1);
	c = connected(&f, &h);
	s.starting = true;
	tp_exec(c, "echo x", NULL, series_done, &s);
	s.starting = false;
	assert_int_equal(loop_run(f.loop), 0);
	assert_int_equal(s.left, 0);
	/* 200 expected; the band is about five standard deviations. */
	assert_between(s.nfail, 140, 260);
	do_close(&f, c);
	fix_release(&f);
}

static void
test_put_get_free(void **state)
{
	const struct host	*hp[1];
	struct host		 h;
	struct fix		 f;
	struct tp_conn		*c;
	struct op		 o;

	(void)state;
	sim_host(&h, "bak01");
	h.sim.latency_ms = 3;
	hp[0] = &h;
	fix_init(&f, 1, hp, 1);
	c = connected(&f, &h);

	op_init(&o);
	loop_update_time(f.loop);
	o.starting = true;
	tp_put(c, "/nonexistent/local", "/tmp/remote", 0600, on_done, &o);
	o.starting = false;
	op_wait(&f, &o);
	assert_int_equal(o.res->err, TP_OK);
	assert_between(elapsed(o.res), 3, 3 + SLACK);
	op_release(&o);

	op_init(&o);
	o.starting = true;
	tp_get(c, "/etc/hostname", "/nonexistent/local", on_done, &o);
	o.starting = false;
	op_wait(&f, &o);
	assert_int_equal(o.res->err, TP_OK);
	op_release(&o);

	/* Freed in flight: no callback, no timer left behind. */
	op_init(&o);
	tp_exec(c, "sleep 5", NULL, on_done, &o);
	tp_free(c);
	assert_int_equal(loop_timer_count(f.loop), 0);
	assert_int_equal(loop_run(f.loop), 0);
	assert_false(o.done);
	op_release(&o);
	fix_release(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_attempts_differ),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_boot_loop),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_fail_rate),
		cmocka_unit_test(test_put_get_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
