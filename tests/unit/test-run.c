/*
 * Unit tests for the playbook runner (src/run.c) over the simulated
 * transport and a real loop: RUN_STEP_START opens every step a host
 * takes, before its RUN_STEP_DONE, once however often the step is
 * retried and never for a skipped step; a boot-looping host sent back to
 * its strike gets it again with again set; and the hold before the next
 * wave, alone and with a timed pause, a manual gate and a cancel.  The
 * waits are a few hundred milliseconds: the whole file runs in about two
 * seconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "loop.h"
#include "playbook.h"
#include "run.h"
#include "transport.h"

#define MAXH		8
#define MAXS		8
#define MAXEV		1024
#define NONE		((size_t)-1)
#define HOLD_MS		200	/* how long a held run is watched */
#define PAUSE_MS	100	/* the rollout's timed pause */
#define WATCHDOG_MS	5000

/* One event as it came. */
struct rec {
	enum run_event_type	 type;
	size_t			 host;
	size_t			 step;
	size_t			 nwave;
	enum step_outcome	 outcome;
	int64_t			 duration_ms;
	bool			 again;
	bool			 held;
	int64_t			 t;
};

struct fx;
typedef void fx_fn(struct fx *);

struct fx {
	struct loop		*loop;
	struct tp_ctx		*tp;
	struct inventory	*inv;
	struct playbook		*pb;
	const struct host	*hosts[MAXH];
	size_t			 n;
	struct run		*run;
	struct rec		 ev[MAXEV];
	size_t			 nev;
	/* The step each host is in (between START and DONE), or NONE. */
	size_t			 open[MAXH];
	unsigned		 starts[MAXH][MAXS];
	unsigned		 dones[MAXH][MAXS];
	unsigned		 agains[MAXH];
	unsigned		 wave_starts;
	unsigned		 nheld;
	unsigned		 npause;
	bool			 finished;
	bool			 timed_out;
	/* The scenario: a hold when wave 0 starts, hooks on events. */
	bool			 hold_wave0;
	bool			 release_wave0;
	fx_fn			*on_held;
	fx_fn			*on_pause;
	/* One scenario step, later. */
	struct loop_timer	 later;
	fx_fn			*later_fn;
	struct loop_timer	 watchdog;
	int64_t			 t_release;
	int64_t			 t_mark;
	int			 stage;
};

static size_t
count(const struct fx *f, enum run_event_type type)
{
	size_t	 i, n = 0;

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].type == type)
			n++;
	return n;
}

/* The first event of type after r, or NULL. */
static const struct rec *
next_of(const struct fx *f, const struct rec *r, enum run_event_type type)
{
	for (r++; r < f->ev + f->nev; r++)
		if (r->type == type)
			return r;
	return NULL;
}

/* The k-th event of type (from 0), or NULL. */
static const struct rec *
nth(const struct fx *f, enum run_event_type type, size_t k)
{
	size_t	 i;

	for (i = 0; i < f->nev; i++)
		if (f->ev[i].type == type && k-- == 0)
			return &f->ev[i];
	return NULL;
}

static void
later_fire(struct loop *loop, void *arg)
{
	struct fx	*f = arg;

	(void)loop;
	f->later_fn(f);
}

static void
later(struct fx *f, int64_t ms, fx_fn *fn)
{
	f->later_fn = fn;
	loop_timer_start(f->loop, &f->later, ms);
}

static void
watchdog(struct loop *loop, void *arg)
{
	struct fx	*f = arg;

	f->timed_out = true;
	loop_stop(loop);
}

/* The pairing of starts and ends, checked as the events come. */
static void
check_step(struct fx *f, const struct run_event *ev)
{
	size_t	 h = ev->host_index, s = ev->step_index;

	assert_true(h < f->n && s < MAXS && s < f->pb->nsteps);
	assert_ptr_equal(ev->host, f->hosts[h]);
	assert_ptr_equal(ev->step, &f->pb->steps[s]);
	if (ev->type == RUN_STEP_START) {
		assert_int_equal(ev->rc, -1);
		if (ev->again) {
			/* Cut short in a later step, back to the strike. */
			assert_true(f->open[h] != NONE && f->open[h] > s);
			assert_int_equal(ev->step->action->type, PB_WAIT_FOR);
			assert_true(ev->step->action->strike);
			f->agains[h]++;
		} else
			assert_int_equal(f->open[h], NONE);
		f->open[h] = s;
		f->starts[h][s]++;
		return;
	}
	if (ev->outcome == STEP_SKIPPED)
		assert_int_equal(f->open[h], NONE);
	else
		assert_int_equal(f->open[h], s);
	f->open[h] = NONE;
	f->dones[h][s]++;
}

static void
observe(const struct run_event *ev, void *arg)
{
	struct fx	*f = arg;
	struct rec	*r;

	assert_non_null(ev->stats);
	assert_true(f->nev < MAXEV);
	assert_false(f->finished);
	r = &f->ev[f->nev++];
	memset(r, 0, sizeof(*r));
	r->type = ev->type;
	r->host = ev->host_index;
	r->step = ev->step_index;
	r->nwave = ev->nwave;
	r->outcome = ev->outcome;
	r->duration_ms = ev->duration_ms;
	r->again = ev->again;
	r->held = ev->stats->held;
	r->t = loop_now(f->loop);
	if (ev->type != RUN_STEP_START)
		assert_false(ev->again);
	switch (ev->type) {
	case RUN_STEP_START:
	case RUN_STEP_DONE:
		check_step(f, ev);
		break;
	case RUN_HOST_DONE:
		if (ev->status != HOST_CANCELLED)
			assert_int_equal(f->open[ev->host_index], NONE);
		f->open[ev->host_index] = NONE;
		break;
	case RUN_WAVE_START:
		assert_false(ev->stats->held);
		assert_int_equal(ev->nwave, f->wave_starts);
		f->wave_starts++;
		if (ev->nwave == 0 && f->hold_wave0)
			run_hold(f->run, true);
		if (ev->nwave == 0 && f->release_wave0)
			run_hold(f->run, false);
		break;
	case RUN_HELD:
		assert_true(ev->stats->held);
		assert_non_null(ev->wave);
		assert_int_equal(ev->nwave + 1, f->wave_starts);
		f->nheld++;
		if (f->on_held != NULL)
			f->on_held(f);
		break;
	case RUN_PAUSE:
		f->npause++;
		if (f->on_pause != NULL)
			f->on_pause(f);
		break;
	case RUN_DONE:
		assert_false(ev->stats->held);
		f->finished = true;
		loop_timer_stop(f->loop, &f->watchdog);
		loop_timer_stop(f->loop, &f->later);
		break;
	default:
		break;
	}
}

/*
 * Linux sim hosts h0.. (n of them, in one site) and the extra hosts
 * given, a playbook from text, and a run of it ready to start.
 */
static void
fx_setup(struct fx *f, size_t n, const char *extra, const char *pbtext)
{
	struct diags		 d = DIAGS_INIT;
	struct buf		 b = BUF_INIT;
	struct tp_options	 to;
	struct run_opts		 ro;
	size_t			 i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < MAXH; i++)
		f->open[i] = NONE;
	buf_addf(&b, "defaults:\n  transport: sim\n  os: linux\n"
	    "  sim:\n    latency: 2ms\n"
	    "    commands: [ { match: slow, delay: 150ms } ]\n"
	    "sites:\n  s0:\n    hosts:\n");
	for (i = 0; i < n; i++)
		buf_addf(&b, "      h%zu: {}\n", i);
	if (extra != NULL)
		buf_adds(&b, extra);
	f->inv = inventory_new();
	assert_int_equal(inventory_load_buffer(f->inv, "t.yml", b.data,
	    b.len, INV_FORMAT_NATIVE, &d), 0);
	assert_int_equal(inventory_finish(f->inv, &d), 0);
	buf_release(&b);
	assert_true(f->inv->nhosts <= MAXH);
	f->n = f->inv->nhosts;
	for (i = 0; i < f->n; i++)
		f->hosts[i] = &f->inv->hosts[i];
	assert_int_equal(playbook_load_buffer("t-pb.yml", pbtext,
	    strlen(pbtext), &f->pb, &d), 0);
	assert_true(f->pb->nsteps <= MAXS);

	f->loop = loop_new();
	assert_non_null(f->loop);
	memset(&to, 0, sizeof(to));
	to.seed = 3;
	f->tp = tp_ctx_new(f->loop, &to);
	assert_int_equal(tp_ctx_prepare(f->tp, f->hosts, f->n, &d), 0);
	memset(&ro, 0, sizeof(ro));
	ro.pb = f->pb;
	ro.hosts = f->hosts;
	ro.nhosts = f->n;
	ro.reboot_settle_ms = 0;
	f->run = run_new(f->loop, f->tp, &ro, observe, f, &d);
	assert_non_null(f->run);
	diags_release(&d);
	loop_timer_init(&f->later, later_fire, f);
	loop_timer_init(&f->watchdog, watchdog, f);
}

/* Runs to the end (RUN_DONE), within the watchdog's time. */
static void
fx_run(struct fx *f)
{
	loop_timer_start(f->loop, &f->watchdog, WATCHDOG_MS);
	run_start(f->run);
	assert_int_equal(loop_run(f->loop), 0);
	assert_false(f->timed_out);
	assert_true(f->finished);
	assert_int_equal(count(f, RUN_DONE), 1);
	assert_int_equal(f->ev[f->nev - 1].type, RUN_DONE);
}

static void
fx_free(struct fx *f)
{
	run_free(f->run);
	tp_ctx_free(f->tp);
	loop_free(f->loop);
	playbook_free(f->pb);
	inventory_free(f->inv);
}

/*
 * RUN_STEP_START.
 */

static const char pb_steps[] =
    "name: steps\nkind: exercise\ntargets: all\nsteps:\n"
    "  - name: one\n    shell: echo one\n"
    "  - name: only h0\n    shell: echo h0\n"
    "    when: host.name == 'h0'\n"
    "  - name: windows only\n    windows: { powershell: 'Write-Output hi' }\n"
    "  - name: flaky\n    shell: 'false'\n    retries: 2\n"
    "    retry_delay: 10ms\n    on_failure: continue\n"
    "  - name: last\n    shell: echo last\n";

static void
test_step_start(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	size_t		 h, i, k;

	(void)state;
	fx_setup(f, 2, "      w0: { os: windows }\n", pb_steps);
	fx_run(f);
	for (h = 0; h < 3; h++) {
		/* Every step ends once on every host. */
		for (i = 0; i < 5; i++)
			assert_int_equal(f->dones[h][i], 1);
		assert_int_equal(f->starts[h][0], 1);
		/* when false (h1, w0), no action for the OS (h0, h1):
		 * skipped, no start. */
		assert_int_equal(f->starts[h][1], h == 0);
		assert_int_equal(f->starts[h][2], h == 2);
		/* Tried three times, started once. */
		assert_int_equal(f->starts[h][3], 1);
		assert_int_equal(f->starts[h][4], 1);
		assert_int_equal(f->agains[h], 0);
		assert_int_equal(f->open[h], NONE);
	}
	assert_int_equal(count(f, RUN_STEP_START), 3 + 1 + 1 + 3 + 3);
	/* The flaky step failed after its retries (10 ms, then 20). */
	for (i = k = 0; i < f->nev; i++) {
		if (f->ev[i].type != RUN_STEP_DONE || f->ev[i].step != 3)
			continue;
		assert_int_equal(f->ev[i].outcome, STEP_FAILED);
		assert_true(f->ev[i].duration_ms >= 30);
		k++;
	}
	assert_int_equal(k, 3);
	/* Each host's first event of the run is its first step's start. */
	for (h = 0; h < 3; h++) {
		for (i = 0; i < f->nev; i++)
			if ((f->ev[i].type == RUN_STEP_START ||
			    f->ev[i].type == RUN_STEP_DONE) &&
			    f->ev[i].host == h)
				break;
		assert_true(i < f->nev);
		assert_int_equal(f->ev[i].type, RUN_STEP_START);
		assert_int_equal(f->ev[i].step, 0);
	}
	assert_int_equal(run_stats(f->run)->tally.ok, 3);
	fx_free(f);
	free(f);
}

/*
 * A boot loop: up 60 ms in every 120, and a step that takes 150 ms is
 * cut short by every reboot, so the host goes back to its strike until
 * the wait_for's time is spent.
 */
static const char pb_boot[] =
    "name: boot\nkind: exercise\ntargets: all\nsteps:\n"
    "  - name: catch\n"
    "    wait_for: { timeout: 500ms, interval: 10ms, strike: true }\n"
    "  - name: quick\n    shell: echo quick\n"
    "  - name: long\n    shell: slow\n";

static void
test_boot_loop_again(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	size_t		 i;
	bool		 seen = false;

	(void)state;
	/* b0 carries its whole sim, the long step's rule with it. */
	fx_setup(f, 0, "      b0: { sim: { latency: 2ms, boot_loop: "
	    "{ up: 60ms, every: 120ms }, commands: [ { match: slow, "
	    "delay: 150ms } ] } }\n", pb_boot);
	fx_run(f);
	assert_true(f->agains[0] >= 1);
	/* The first start of the strike is not again; each again is. */
	assert_int_equal(f->starts[0][0], 1 + f->agains[0]);
	/* Each start of the wait_for ends: up, or not within its time. */
	assert_int_equal(f->dones[0][0], f->starts[0][0]);
	/* The steps after it were taken again. */
	assert_true(f->starts[0][1] >= 2);
	assert_true(f->starts[0][2] >= 2);
	for (i = 0; i < f->nev; i++) {
		if (f->ev[i].type != RUN_STEP_START || !f->ev[i].again)
			continue;
		assert_int_equal(f->ev[i].step, 0);
		/* The step cut short has no end of its own. */
		assert_true(i > 0);
		assert_int_equal(f->ev[i - 1].type, RUN_STEP_START);
		assert_true(f->ev[i - 1].step > 0);
		seen = true;
	}
	assert_true(seen);
	/* The long step never fit in an up window. */
	for (i = 0; i < f->nev; i++)
		if (f->ev[i].type == RUN_STEP_DONE && f->ev[i].step == 2)
			assert_int_equal(f->ev[i].outcome, STEP_FAILED);
	assert_int_equal(run_stats(f->run)->tally.ok, 0);
	assert_int_equal(run_stats(f->run)->tally.failed +
	    run_stats(f->run)->tally.unreachable, 1);
	fx_free(f);
	free(f);
}

/*
 * The hold.
 */

static const char pb_waves[] =
    "name: waves\nkind: exercise\ntargets: all\n"
    "rollout: { waves: [1] }\nsteps:\n"
    "  - name: one\n    shell: echo one\n";

static const char pb_paused[] =
    "name: paused\nkind: exercise\ntargets: all\n"
    "rollout: { waves: [1], pause: 100ms }\nsteps:\n"
    "  - name: one\n    shell: echo one\n";

static const char pb_gated[] =
    "name: gated\nkind: exercise\ntargets: all\n"
    "rollout: { waves: [1], pause: manual }\nsteps:\n"
    "  - name: one\n    shell: echo one\n";

/* Held for HOLD_MS: the next wave has not started; let it go. */
static void
release_after_watch(struct fx *f)
{
	assert_int_equal(f->wave_starts, 1);
	assert_true(run_stats(f->run)->held);
	f->t_release = loop_now(f->loop);
	run_hold(f->run, false);
	assert_false(run_stats(f->run)->held);
	/* Not inside the call: on the next turn. */
	assert_int_equal(f->wave_starts, 1);
}

static void
watch_held(struct fx *f)
{
	later(f, HOLD_MS, release_after_watch);
}

/* The second wave started within a turn or two of the release. */
static void
assert_started_on_release(const struct fx *f)
{
	const struct rec	*ws1 = nth(f, RUN_WAVE_START, 1);

	assert_non_null(ws1);
	assert_true(f->t_release > 0);
	assert_true(ws1->t >= f->t_release && ws1->t - f->t_release < 50);
}

static void
test_hold(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	const struct rec	*held, *wd0;

	(void)state;
	fx_setup(f, 3, NULL, pb_waves);
	assert_int_equal(run_plan(f->run)->nwaves, 3);
	f->hold_wave0 = true;
	f->on_held = watch_held;
	fx_run(f);
	assert_int_equal(f->nheld, 1);
	held = nth(f, RUN_HELD, 0);
	wd0 = nth(f, RUN_WAVE_DONE, 0);
	/* Right after the wave that was at work when the hold came. */
	assert_int_equal(held->nwave, 0);
	assert_ptr_equal(held - 1, wd0);
	assert_true(held->held);
	assert_started_on_release(f);
	assert_true(nth(f, RUN_WAVE_START, 1)->t - held->t >= HOLD_MS);
	/* The release says so (RUN_PROGRESS, held false), then wave 1. */
	assert_int_equal(nth(f, RUN_WAVE_START, 1)[-1].type, RUN_PROGRESS);
	assert_false(nth(f, RUN_WAVE_START, 1)[-1].held);
	/* Released, the run goes on to its end without stopping. */
	assert_int_equal(f->wave_starts, 3);
	assert_int_equal(run_stats(f->run)->tally.ok, 3);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

/* A hold let go while the wave still runs leaves no trace. */
static void
test_hold_released_in_wave(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	(void)state;
	fx_setup(f, 3, NULL, pb_waves);
	f->hold_wave0 = true;
	f->release_wave0 = true;
	fx_run(f);
	assert_int_equal(f->nheld, 0);
	assert_int_equal(f->wave_starts, 3);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

/* Held through a timed pause: the end of the pause starts nothing. */
static void
test_hold_pause(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	const struct rec	*held, *pause;

	(void)state;
	fx_setup(f, 3, NULL, pb_paused);
	f->hold_wave0 = true;
	f->on_held = watch_held;
	fx_run(f);
	assert_int_equal(f->nheld, 1);
	held = nth(f, RUN_HELD, 0);
	pause = nth(f, RUN_PAUSE, 0);
	/* The rollout's pause, then the hold, at the end of wave 0. */
	assert_ptr_equal(held - 1, pause);
	assert_ptr_equal(pause - 1, nth(f, RUN_WAVE_DONE, 0));
	/* HOLD_MS is past the pause: released, wave 1 starts at once. */
	assert_true(HOLD_MS > PAUSE_MS + 50);
	assert_started_on_release(f);
	/* Not held after wave 1: its pause is the rollout's alone. */
	assert_int_equal(f->npause, 2);
	assert_true(nth(f, RUN_WAVE_START, 2)->t -
	    nth(f, RUN_WAVE_DONE, 1)->t >= PAUSE_MS);
	assert_int_equal(f->wave_starts, 3);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

static void
release_now(struct fx *f)
{
	f->t_release = loop_now(f->loop);
	run_hold(f->run, false);
}

static void
release_soon(struct fx *f)
{
	later(f, 30, release_now);
}

/* Released before the pause is over: the rest of the pause, then go. */
static void
test_hold_pause_release_early(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	const struct rec	*ws1, *wd0;

	(void)state;
	fx_setup(f, 2, NULL, pb_paused);
	f->hold_wave0 = true;
	f->on_held = release_soon;
	fx_run(f);
	assert_int_equal(f->nheld, 1);
	ws1 = nth(f, RUN_WAVE_START, 1);
	wd0 = nth(f, RUN_WAVE_DONE, 0);
	assert_non_null(ws1);
	assert_true(f->t_release > 0 && f->t_release < ws1->t);
	assert_true(ws1->t - wd0->t >= PAUSE_MS);
	assert_true(ws1->t - wd0->t < PAUSE_MS + 80);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

/* A hold that comes during the pause holds at once. */
static void
hold_in_pause(struct fx *f)
{
	f->t_mark = loop_now(f->loop);
	assert_int_equal(f->nheld, 0);
	run_hold(f->run, true);
	assert_int_equal(f->nheld, 1);
	assert_true(run_stats(f->run)->held);
	/* A second hold is the same hold. */
	run_hold(f->run, true);
	assert_int_equal(f->nheld, 1);
	later(f, HOLD_MS, release_after_watch);
}

static void
pause_then_hold(struct fx *f)
{
	if (f->npause == 1)
		later(f, 30, hold_in_pause);
}

static void
test_hold_during_pause(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));

	(void)state;
	fx_setup(f, 2, NULL, pb_paused);
	f->on_pause = pause_then_hold;
	fx_run(f);
	assert_int_equal(f->nheld, 1);
	assert_int_equal(nth(f, RUN_HELD, 0)->nwave, 0);
	assert_true(f->t_mark > 0);
	assert_started_on_release(f);
	assert_true(f->t_release - f->t_mark >= HOLD_MS);
	assert_int_equal(f->wave_starts, 2);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

/* The gate before wave 1, as run_signoff() names it. */
static const char *
gate_name(struct fx *f, char *buf, size_t len)
{
	snprintf(buf, len, "wave %zu", run_plan(f->run)->waves[1].number);
	return buf;
}

static void
sign_gate(struct fx *f)
{
	char	 gate[32];
	size_t	 signed0 = count(f, RUN_SIGNED);

	assert_int_equal(run_signoff(f->run, gate_name(f, gate, sizeof gate),
	    "alice", 1700000000), 0);
	assert_int_equal(count(f, RUN_SIGNED), signed0 + 1);
	f->t_mark = loop_now(f->loop);
}

/* Signed while held: recorded, and the wave waits for the release. */
static void
sign_while_held(struct fx *f)
{
	sign_gate(f);
	assert_int_equal(f->wave_starts, 1);
	assert_true(run_stats(f->run)->held);
	later(f, HOLD_MS, release_after_watch);
}

static void
sign_soon(struct fx *f)
{
	later(f, 20, sign_while_held);
}

static void
test_hold_gate_signed(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));

	(void)state;
	fx_setup(f, 2, NULL, pb_gated);
	f->hold_wave0 = true;
	f->on_held = sign_soon;
	fx_run(f);
	assert_int_equal(f->nheld, 1);
	assert_int_equal(f->npause, 1);
	/* The gate's RUN_PAUSE, then the hold. */
	assert_int_equal(nth(f, RUN_HELD, 0)[-1].type, RUN_PAUSE);
	assert_int_equal(count(f, RUN_SIGNED), 1);
	assert_started_on_release(f);
	assert_true(f->t_release - f->t_mark >= HOLD_MS);
	assert_int_equal(f->wave_starts, 2);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

/* Released before the sign-off: the wave waits for it, and no more. */
static void
sign_after_release(struct fx *f)
{
	char	 gate[32];

	assert_int_equal(f->wave_starts, 1);
	assert_false(run_stats(f->run)->held);
	assert_int_equal(run_signoff(f->run, gate_name(f, gate, sizeof gate),
	    "bob", 1700000000), 0);
	/* As without a hold: the sign-off starts the wave. */
	assert_int_equal(f->wave_starts, 2);
}

static void
release_then_wait(struct fx *f)
{
	release_now(f);
	assert_false(run_stats(f->run)->held);
	later(f, HOLD_MS, sign_after_release);
}

static void
release_gate_soon(struct fx *f)
{
	later(f, 20, release_then_wait);
}

static void
test_hold_gate_released_first(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	const struct rec	*p;

	(void)state;
	fx_setup(f, 2, NULL, pb_gated);
	f->hold_wave0 = true;
	f->on_held = release_gate_soon;
	fx_run(f);
	assert_int_equal(f->nheld, 1);
	/* The release: RUN_PROGRESS, held false, and wave 1 waited. */
	p = next_of(f, nth(f, RUN_HELD, 0), RUN_PROGRESS);
	assert_non_null(p);
	assert_false(p->held);
	assert_true(p->t >= f->t_release);
	assert_true(p < nth(f, RUN_WAVE_START, 1));
	assert_true(nth(f, RUN_WAVE_START, 1)->t - f->t_release >= HOLD_MS);
	assert_int_equal(nth(f, RUN_WAVE_START, 1)[-1].type, RUN_SIGNED);
	assert_int_equal(f->wave_starts, 2);
	assert_int_equal(run_status(f->run), 0);
	fx_free(f);
	free(f);
}

static void
cancel_now(struct fx *f)
{
	run_cancel(f->run);
}

static void
cancel_soon(struct fx *f)
{
	later(f, 20, cancel_now);
}

/* A cancel while held ends the run: the later waves never start. */
static void
test_hold_cancel(void **state)
{
	struct fx		*f = calloc(1, sizeof(*f));
	const struct run_stats	*s;

	(void)state;
	fx_setup(f, 5, NULL,
	    "name: c\nkind: exercise\ntargets: all\n"
	    "rollout: { waves: [2] }\nsteps:\n"
	    "  - name: one\n    shell: echo one\n");
	assert_int_equal(run_plan(f->run)->nwaves, 3);
	f->hold_wave0 = true;
	f->on_held = cancel_soon;
	fx_run(f);
	s = run_stats(f->run);
	assert_int_equal(f->nheld, 1);
	assert_int_equal(f->wave_starts, 1);
	assert_int_equal(s->tally.ok, 2);
	assert_int_equal(s->cancelled, 3);
	assert_int_equal(s->not_run, 0);
	assert_false(s->halted);
	assert_false(s->held);
	assert_int_equal(count(f, RUN_HOST_DONE), 2);
	assert_int_equal(run_status(f->run), 130);
	fx_free(f);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_start),
		cmocka_unit_test(test_boot_loop_again),
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_hold_released_in_wave),
		cmocka_unit_test(test_hold_pause),
		cmocka_unit_test(test_hold_pause_release_early),
		cmocka_unit_test(test_hold_during_pause),
		cmocka_unit_test(test_hold_gate_signed),
		cmocka_unit_test(test_hold_gate_released_first),
		cmocka_unit_test(test_hold_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
