/*
 * Unit tests for the engine (src/engine.c), over the simulated transport:
 * the fan-out and per-site limits are reached and never passed (observed
 * from the events), every host ends exactly once, retries carry a
 * boot-looping host into its up window, unreachable hosts are told apart
 * from failed ones, cancel and abort end a run early with every host
 * accounted for, and output chunks reach the observer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "engine.h"
#include "errors.h"
#include "inventory.h"
#include "loop.h"
#include "transport.h"

#define MAXH	400

static uint64_t	seed = 7;

struct obs {
	struct engine	*e;
	size_t		 running;
	size_t		 max_running;
	size_t		 site_running[8];
	size_t		 site_max[8];
	size_t		 done_count[MAXH];
	enum host_status status[MAXH];
	unsigned	 attempts[MAXH];
	size_t		 starts;
	size_t		 retries;
	size_t		 done;
	size_t		 finished_events;
	size_t		 output_bytes;
	char		 first_out[64];
	size_t		 cancel_after;	/* engine_cancel() after N done */
	size_t		 abort_after;
};

static int
site_no(const struct host *h)
{
	return h->site ? h->site[1] - '0' : 7;
}

static void
observe(const struct engine_event *ev, void *arg)
{
	struct obs	*o = arg;
	int		 s;

	switch (ev->type) {
	case ENGINE_HOST_START:
		s = site_no(ev->host);
		o->starts++;
		if (++o->running > o->max_running)
			o->max_running = o->running;
		if (++o->site_running[s] > o->site_max[s])
			o->site_max[s] = o->site_running[s];
		break;
	case ENGINE_HOST_RETRY:
		o->retries++;
		assert_non_null(ev->msg);
		break;
	case ENGINE_HOST_OUTPUT:
		if (o->output_bytes == 0)
			snprintf(o->first_out, sizeof(o->first_out), "%.*s",
			    (int)ev->len, ev->data);
		o->output_bytes += ev->len;
		break;
	case ENGINE_HOST_DONE:
		s = site_no(ev->host);
		o->running--;
		o->site_running[s]--;
		assert_true(ev->index < MAXH);
		o->done_count[ev->index]++;
		o->status[ev->index] = ev->status;
		o->attempts[ev->index] = ev->attempt;
		o->done++;
		if (o->cancel_after && o->done == o->cancel_after)
			engine_cancel(o->e);
		if (o->abort_after && o->done == o->abort_after)
			engine_abort(o->e);
		break;
	case ENGINE_HOST_NOTICE:
	case ENGINE_PROGRESS:
		break;
	case ENGINE_DONE:
		o->finished_events++;
		break;
	}
}

/* An inventory of n sim hosts over nsites sites, with extra host text. */
static struct inventory *
make_inv(size_t n, int nsites, const char *sim, const char *extra)
{
	struct inventory	*inv = inventory_new();
	struct diags		 d = DIAGS_INIT;
	struct buf		 b = BUF_INIT;
	size_t			 i;
	int			 s;

	buf_addf(&b, "defaults:\n  transport: sim\n  sim: %s\nsites:\n",
	    sim);
	for (s = 0; s < nsites; s++) {
		buf_addf(&b, "  s%d:\n    hosts:\n", s);
		for (i = (size_t)s; i < n; i += (size_t)nsites)
			buf_addf(&b, "      h%03zu: {}\n", i);
	}
	/* The extra hosts stand in no site. */
	if (extra != NULL)
		buf_addf(&b, "hosts:\n%s", extra);
	assert_int_equal(inventory_load_buffer(inv, "t.yml", b.data, b.len,
	    INV_FORMAT_NATIVE, &d), 0);
	assert_int_equal(inventory_finish(inv, &d), 0);
	assert_int_equal(inv->nhosts, n + (extra ? 1 + (strstr(extra,
	    "\n  gone") != NULL) : 0));
	diags_release(&d);
	buf_release(&b);
	return inv;
}

struct run {
	struct loop		*loop;
	struct tp_ctx		*tp;
	struct engine		*e;
	const struct host	**hosts;
	size_t			 n;
};

static void
run_start(struct run *r, struct inventory *inv, struct engine_opts *eo,
    struct obs *o, const char *command)
{
	struct tp_options	 to;
	struct diags		 d = DIAGS_INIT;
	size_t			 i;

	memset(&to, 0, sizeof(to));
	to.seed = seed;
	r->loop = loop_new();
	r->tp = tp_ctx_new(r->loop, &to);
	r->n = inv->nhosts;
	r->hosts = calloc(r->n, sizeof(*r->hosts));
	for (i = 0; i < r->n; i++)
		r->hosts[i] = &inv->hosts[i];
	assert_int_equal(tp_ctx_prepare(r->tp, r->hosts, r->n, &d), 0);
	diags_release(&d);
	r->e = engine_new(r->loop, r->tp, eo, observe, o);
	o->e = r->e;
	assert_int_equal(engine_exec(r->e, r->hosts, r->n, command), 0);
	assert_int_equal(engine_exec(r->e, r->hosts, r->n, command),
	    LB_ERR_INVALID);
	/* Nothing happens inside engine_exec(). */
	assert_int_equal(o->starts, 0);
	assert_int_equal(loop_run(r->loop), 0);
}

static void
run_end(struct run *r, struct obs *o)
{
	size_t	 i;

	assert_true(engine_done(r->e));
	assert_int_equal(o->finished_events, 1);
	assert_int_equal(r->tp->nconns, 0);
	for (i = 0; i < r->n; i++)
		assert_int_equal(engine_host_status(r->e, i), o->status[i] ?
		    o->status[i] : HOST_CANCELLED);
	engine_free(r->e);
	tp_ctx_free(r->tp);
	loop_free(r->loop);
	free(r->hosts);
}

static void
test_fanout_limit(void **state)
{
	struct inventory	*inv = make_inv(200, 4,
				    "{ latency: 5ms, jitter: 4ms }", NULL);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;
	size_t			 i;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	eo.fanout = 16;
	run_start(&r, inv, &eo, &o, "echo ok");
	assert_int_equal(o.max_running, 16);
	assert_int_equal(engine_stats(r.e)->max_running, 16);
	assert_int_equal(engine_stats(r.e)->ok, 200);
	for (i = 0; i < 200; i++) {
		assert_int_equal(o.done_count[i], 1);
		assert_int_equal(o.status[i], HOST_OK);
	}
	run_end(&r, &o);
	inventory_free(inv);
}

static void
test_per_site_limit(void **state)
{
	struct inventory	*inv = make_inv(120, 3,
				    "{ latency: 5ms, jitter: 4ms }", NULL);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;
	int			 s;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	eo.fanout = 100;
	eo.per_site = 4;
	run_start(&r, inv, &eo, &o, "true");
	for (s = 0; s < 3; s++)
		assert_int_equal(o.site_max[s], 4);
	assert_int_equal(o.max_running, 12);
	assert_int_equal(engine_stats(r.e)->ok, 120);
	run_end(&r, &o);
	inventory_free(inv);
}

/* Failed (ran, rc != 0), unreachable (never ran) and ok, counted apart. */
static void
test_outcomes(void **state)
{
	const char		*extra =
	    "  bad: { sim: { commands: [ { match: '*', rc: 3 } ] } }\n"
	    "  gone: { sim: { unreachable: true } }\n";
	struct inventory	*inv = make_inv(4, 2, "{ latency: 1ms }",
				    extra);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	eo.stream_output = true;
	run_start(&r, inv, &eo, &o, "echo hello");
	assert_int_equal(engine_stats(r.e)->ok, 4);
	assert_int_equal(engine_stats(r.e)->failed, 1);
	assert_int_equal(engine_stats(r.e)->unreachable, 1);
	assert_int_equal(o.status[4], HOST_FAILED);
	assert_int_equal(o.status[5], HOST_UNREACHABLE);
	assert_string_equal(o.first_out, "hello\n");
	assert_int_equal(o.output_bytes, 4 * 6);
	run_end(&r, &o);
	inventory_free(inv);
}

/* A host in a boot loop is reached by retrying into its up window. */
static void
test_retry_boot_loop(void **state)
{
	const char		*extra =
	    "  loop: { sim: { boot_loop: { up: 150ms, every: "
	    "600ms } } }\n";
	struct inventory	*inv = make_inv(0, 1, "{ latency: 2ms }",
				    extra);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;
	int			 i;
	bool			 retried = false;

	(void)state;
	/* Three quarters of the phases start in the down part. */
	for (i = 0; i < 12 && !retried; i++) {
		memset(&eo, 0, sizeof(eo));
		memset(&o, 0, sizeof(o));
		eo.retries = 20;
		eo.retry_delay_ms = 50;
		/* Steady tries, less than a window apart: one period of
		 * the loop is enough to catch it. */
		eo.retry_delay_max_ms = 100;
		run_start(&r, inv, &eo, &o, "true");
		assert_int_equal(o.status[0], HOST_OK);
		retried = o.attempts[0] > 1;
		if (retried)
			assert_int_equal(o.retries, o.attempts[0] - 1);
		run_end(&r, &o);
		/* Another seed, another phase of the loop. */
		seed++;
	}
	assert_true(retried);
	inventory_free(inv);
}

/* Without retries, the boot-looping host down at the start is lost. */
static void
test_no_retry(void **state)
{
	const char		*extra =
	    "  never: { sim: { boot_loop: { up: 0s, every: 1s } } }\n";
	struct inventory	*inv = make_inv(0, 1, "{ latency: 1ms }",
				    extra);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	eo.retries = 2;
	eo.retry_delay_ms = 10;
	run_start(&r, inv, &eo, &o, "true");
	assert_int_equal(o.status[0], HOST_UNREACHABLE);
	assert_int_equal(o.attempts[0], 3);
	assert_int_equal(o.retries, 2);
	run_end(&r, &o);
	inventory_free(inv);
}

/* Cancel: pending hosts never start; the ones at work finish. */
static void
test_cancel(void **state)
{
	struct inventory	*inv = make_inv(100, 2, "{ latency: 5ms }",
				    NULL);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;
	const struct engine_stats *st;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	eo.fanout = 10;
	o.cancel_after = 15;
	run_start(&r, inv, &eo, &o, "true");
	st = engine_stats(r.e);
	assert_int_equal(st->ok + st->cancelled, 100);
	assert_true(st->ok >= 15 && st->ok <= 25);
	assert_int_equal(o.starts, st->ok);
	assert_int_equal(o.done, st->ok);
	run_end(&r, &o);
	inventory_free(inv);
}

/* Abort: the hosts at work are dropped and reported cancelled. */
static void
test_abort(void **state)
{
	const char		*extra =
	    "  slow: { sim: { commands: [ { match: '*', delay: "
	    "10s } ] } }\n";
	struct inventory	*inv = make_inv(3, 1, "{ latency: 1ms }",
				    extra);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;
	int64_t			 t0;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	o.abort_after = 3;
	run_start(&r, inv, &eo, &o, "true");
	t0 = engine_stats(r.e)->t_start;
	assert_true(loop_now(r.loop) - t0 < 2000);
	assert_int_equal(o.status[3], HOST_CANCELLED);
	assert_int_equal(engine_stats(r.e)->ok, 3);
	assert_int_equal(engine_stats(r.e)->cancelled, 1);
	run_end(&r, &o);
	inventory_free(inv);
}

/* Command timeout: the slow host fails with a timeout, others go on. */
static void
test_command_timeout(void **state)
{
	const char		*extra =
	    "  slow: { sim: { commands: [ { match: '*', delay: "
	    "10s } ] } }\n";
	struct inventory	*inv = make_inv(5, 1, "{ latency: 1ms }",
				    extra);
	struct engine_opts	 eo;
	struct obs		 o;
	struct run		 r;

	(void)state;
	memset(&eo, 0, sizeof(eo));
	memset(&o, 0, sizeof(o));
	eo.command_timeout_ms = 100;
	run_start(&r, inv, &eo, &o, "true");
	assert_int_equal(o.status[5], HOST_FAILED);
	assert_int_equal(engine_stats(r.e)->ok, 5);
	assert_true(loop_now(r.loop) - engine_stats(r.e)->t_start < 2000);
	run_end(&r, &o);
	inventory_free(inv);
}

/*
 * Jobs: a host runs several operations over one connection, sleeps,
 * parks until woken, drops its session and connects again.
 */
struct jobrun {
	struct engine	*e;
	struct loop	*loop;
	char		 trail[3][128];	/* per host: what it was told */
	size_t		 step[3];
	size_t		 parked;
	bool		 cancel_parked;
	struct loop_timer wake;
};

static void
job(void *arg, size_t i, const struct engine_op *prev,
    const struct tp_result *res, struct engine_op *op)
{
	struct jobrun	*j = arg;
	static const enum engine_op_type plan[] = { EOP_CONNECT, EOP_EXEC,
	    EOP_SLEEP, EOP_PARK, EOP_DROP, EOP_CONNECT, EOP_EXEC,
	    EOP_FINISH };
	char		 c;

	if (prev != NULL && (prev->type == EOP_EXEC ||
	    prev->type == EOP_CONNECT)) {
		assert_non_null(res);
		assert_int_equal(res->err, TP_OK);
	}
	if (prev != NULL && prev->type == EOP_EXEC)
		strncat(j->trail[i], res->streams[TP_STDOUT].data, 1);
	op->type = plan[j->step[i]++];
	/* Only host 1 parks; the others go past. */
	if (op->type == EOP_PARK && i != 1)
		op->type = plan[j->step[i]++];
	c = "CXSPDCXF"[j->step[i] - 1];
	strncat(j->trail[i], &c, 1);
	switch (op->type) {
	case EOP_EXEC:
		op->command = j->step[i] < 4 ? "echo a" : "echo b";
		break;
	case EOP_SLEEP:
		op->ms = 20;
		break;
	case EOP_PARK:
		j->parked++;
		break;
	case EOP_FINISH:
		op->status = HOST_OK;
		break;
	default:
		break;
	}
}

static void
job_wake(struct loop *loop, void *arg)
{
	struct jobrun	*j = arg;

	(void)loop;
	if (j->cancel_parked)
		engine_cancel(j->e);
	else
		engine_wake(j->e, 1);
}

static void
job_run(struct jobrun *j, struct obs *o)
{
	struct inventory	*inv = make_inv(3, 1, "{ latency: 2ms }", NULL);
	const struct host	*hosts[3];
	struct tp_options	 to;
	struct diags		 d = DIAGS_INIT;
	struct tp_ctx		*tp;
	size_t			 i;

	memset(&to, 0, sizeof(to));
	j->loop = loop_new();
	tp = tp_ctx_new(j->loop, &to);
	for (i = 0; i < 3; i++)
		hosts[i] = &inv->hosts[i];
	assert_int_equal(tp_ctx_prepare(tp, hosts, 3, &d), 0);
	j->e = engine_new(j->loop, tp, NULL, observe, o);
	o->e = j->e;
	loop_timer_init(&j->wake, job_wake, j);
	loop_timer_start(j->loop, &j->wake, 150);
	assert_int_equal(engine_run(j->e, hosts, 3, job, j), 0);
	assert_int_equal(loop_run(j->loop), 0);
	assert_true(engine_done(j->e));
	assert_int_equal(tp->nconns, 0);
	engine_free(j->e);
	tp_ctx_free(tp);
	loop_free(j->loop);
	diags_release(&d);
	inventory_free(inv);
}

static void
test_job(void **state)
{
	struct jobrun	 j;
	struct obs	 o;

	(void)state;
	memset(&j, 0, sizeof(j));
	memset(&o, 0, sizeof(o));
	job_run(&j, &o);
	/* Connect, exec (a), sleep, [park], drop, connect, exec (b). */
	assert_string_equal(j.trail[0], "CXaSDCXbF");
	assert_string_equal(j.trail[1], "CXaSPDCXbF");
	assert_string_equal(j.trail[2], "CXaSDCXbF");
	assert_int_equal(j.parked, 1);
	assert_int_equal(o.status[0], HOST_OK);
	assert_int_equal(o.status[1], HOST_OK);
	assert_int_equal(o.done, 3);
	assert_int_equal(o.finished_events, 1);

	/* A cancel ends a parked host at once, as cancelled. */
	memset(&j, 0, sizeof(j));
	memset(&o, 0, sizeof(o));
	j.cancel_parked = true;
	job_run(&j, &o);
	assert_string_equal(j.trail[1], "CXaSP");
	assert_int_equal(o.status[1], HOST_CANCELLED);
	assert_int_equal(o.status[0], HOST_OK);
	assert_int_equal(o.done, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout_limit),
		cmocka_unit_test(test_per_site_limit),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_retry_boot_loop),
		cmocka_unit_test(test_no_retry),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_command_timeout),
		cmocka_unit_test(test_job),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
