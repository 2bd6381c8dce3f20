/*
 * Unit tests for the event loop (src/loop.c): timers fire in deadline
 * order and, when due together, in the order they were started; a
 * stopped timer never fires; a 0 ms timer started from a callback waits
 * for the next turn; fds are reported ready for what was asked; a
 * watcher removed by an earlier callback of the same turn is not called;
 * signals arrive as callbacks; loop_run() ends when nothing is left.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "errors.h"
#include "loop.h"

struct rec {
	char	 log[64];
	size_t	 n;
};

struct tag {
	struct rec	*rec;
	char		 c;
};

static void
note(struct loop *l, void *arg)
{
	struct tag	*t = arg;

	(void)l;
	if (t->rec->n < sizeof(t->rec->log) - 1)
		t->rec->log[t->rec->n++] = t->c;
}

static void
test_timer_order(void **state)
{
	struct loop		*l = loop_new();
	struct rec		 rec = { "", 0 };
	struct loop_timer	 t[5];
	struct tag		 tags[5];
	int64_t			 t0;
	int			 i;

	(void)state;
	assert_non_null(l);
	for (i = 0; i < 5; i++) {
		tags[i].rec = &rec;
		tags[i].c = (char)('a' + i);
		loop_timer_init(&t[i], note, &tags[i]);
	}
	loop_timer_start(l, &t[0], 30);
	loop_timer_start(l, &t[1], 10);
	loop_timer_start(l, &t[2], 10);		/* same deadline: after b */
	loop_timer_start(l, &t[3], 20);
	loop_timer_start(l, &t[4], 5);
	loop_timer_stop(l, &t[3]);		/* never fires */
	assert_int_equal(loop_timer_count(l), 4);
	assert_false(loop_timer_active(&t[3]));
	t0 = loop_now(l);
	assert_int_equal(loop_run(l), 0);
	assert_string_equal(rec.log, "ebca");
	assert_true(loop_now(l) - t0 >= 30);
	assert_int_equal(loop_timer_count(l), 0);
	loop_free(l);
}

/* Restarting a running timer moves it; it fires once. */
static void
test_timer_restart(void **state)
{
	struct loop		*l = loop_new();
	struct rec		 rec = { "", 0 };
	struct loop_timer	 a, b;
	struct tag		 ta = { &rec, 'a' }, tb = { &rec, 'b' };

	(void)state;
	loop_timer_init(&a, note, &ta);
	loop_timer_init(&b, note, &tb);
	loop_timer_start(l, &a, 1);
	loop_timer_start(l, &b, 10);
	loop_timer_start(l, &a, 20);
	assert_int_equal(loop_timer_count(l), 2);
	assert_int_equal(loop_run(l), 0);
	assert_string_equal(rec.log, "ba");
	loop_free(l);
}

struct chain {
	struct loop_timer	 t;
	int			 turns;
	int			 fired;
};

static void
chain_fire(struct loop *l, void *arg)
{
	struct chain	*c = arg;

	c->fired++;
	if (c->fired < 5)
		loop_timer_start(l, &c->t, 0);
}

/* A 0 ms timer restarted from its own callback runs once per turn. */
static void
test_timer_defer(void **state)
{
	struct loop	*l = loop_new();
	struct chain	 c;
	int		 turns = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	loop_timer_init(&c.t, chain_fire, &c);
	loop_timer_start(l, &c.t, 0);
	while (loop_timer_count(l) > 0 && turns < 100) {
		assert_true(loop_run_once(l, 0) >= 0);
		turns++;
		assert_int_equal(c.fired, turns);
	}
	assert_int_equal(c.fired, 5);
	loop_free(l);
}

struct pipes {
	int	 fds[2][2];
	int	 calls[2];
	unsigned events[2];
	struct loop *l;
};

static void
on_read(struct loop *l, int fd, unsigned events, void *arg)
{
	struct pipes	*p = arg;
	int		 i = fd == p->fds[0][0] ? 0 : 1;
	char		 c;

	p->calls[i]++;
	p->events[i] = events;
	assert_int_equal(read(fd, &c, 1), 1);
	/* The first one to run removes the other, ready or not. */
	loop_io_del(l, p->fds[1 - i][0]);
	loop_io_del(l, fd);
}

static void
test_io_removed_in_turn(void **state)
{
	struct loop	*l = loop_new();
	struct pipes	 p;
	int		 i;

	(void)state;
	memset(&p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		assert_int_equal(pipe(p.fds[i]), 0);
		assert_int_equal(loop_io_add(l, p.fds[i][0], LOOP_READ,
		    on_read, &p), 0);
		assert_int_equal(write(p.fds[i][1], "x", 1), 1);
	}
	assert_int_equal(loop_io_add(l, p.fds[0][0], LOOP_READ, on_read,
	    &p), LB_ERR_EXISTS);
	assert_int_equal(loop_io_count(l), 2);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(p.calls[0] + p.calls[1], 1);
	assert_true(p.events[0] & LOOP_READ || p.events[1] & LOOP_READ);
	assert_int_equal(loop_io_count(l), 0);
	for (i = 0; i < 2; i++) {
		close(p.fds[i][0]);
		close(p.fds[i][1]);
	}
	loop_free(l);
}

struct wr {
	int	 writable;
	int	 hup;
};

static void
on_write(struct loop *l, int fd, unsigned events, void *arg)
{
	struct wr	*w = arg;

	if (events & LOOP_WRITE) {
		w->writable++;
		/* Quiet now; the fd stays registered. */
		assert_int_equal(loop_io_mod(l, fd, 0), 0);
		return;
	}
	if (events & LOOP_ERROR)
		w->hup++;
	loop_io_del(l, fd);
}

/* Write interest, then no interest, then a hang-up still reported. */
static void
test_io_write_and_hup(void **state)
{
	struct loop	*l = loop_new();
	struct wr	 w = { 0, 0 };
	int		 fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(loop_io_add(l, fds[1], LOOP_WRITE, on_write, &w), 0);
	assert_true(loop_run_once(l, 1000) >= 1);
	assert_int_equal(w.writable, 1);
	assert_int_equal(loop_run_once(l, 0), 0);	/* quiet */
	close(fds[0]);					/* reader gone */
	assert_int_equal(loop_run_once(l, 1000), 1);
	assert_int_equal(w.hup, 1);
	assert_int_equal(loop_io_count(l), 0);
	assert_int_equal(loop_io_mod(l, fds[1], LOOP_READ), LB_ERR_NOT_FOUND);
	close(fds[1]);
	loop_free(l);
}

struct sig {
	int		 got;
	int		 signo;
	struct loop_timer t;
};

static void
on_sig(struct loop *l, int signo, void *arg)
{
	struct sig	*s = arg;

	s->got++;
	s->signo = signo;
	loop_timer_stop(l, &s->t);
}

static void
raise_it(struct loop *l, void *arg)
{
	(void)l;
	(void)arg;
	raise(SIGUSR1);
}

/* A signal is a callback in the loop; loop_run() ends without watchers. */
static void
test_signal(void **state)
{
	struct loop		*l = loop_new();
	struct sig		 s;
	struct loop_timer	 r;
	struct sigaction	 before, after;

	(void)state;
	memset(&s, 0, sizeof(s));
	sigaction(SIGUSR1, NULL, &before);
	assert_int_equal(loop_signal(l, SIGUSR1, on_sig, &s), 0);
	loop_timer_init(&s.t, raise_it, NULL);	/* a long guard */
	loop_timer_start(l, &s.t, 5000);
	loop_timer_init(&r, raise_it, NULL);
	loop_timer_start(l, &r, 5);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(s.got, 1);
	assert_int_equal(s.signo, SIGUSR1);
	loop_free(l);
	sigaction(SIGUSR1, NULL, &after);
	assert_ptr_equal(after.sa_handler, before.sa_handler);
}

/* Many timers: the heap gives them back sorted. */
static int64_t	last_when;
static int	sorted_ok = 1;

static void
check_sorted(struct loop *l, void *arg)
{
	int64_t	 when = *(int64_t *)arg;

	(void)l;
	if (when < last_when)
		sorted_ok = 0;
	last_when = when;
}

static void
test_heap_many(void **state)
{
	enum { N = 2000 };
	static struct loop_timer t[N];
	static int64_t		 when[N];
	struct loop		*l = loop_new();
	uint32_t		 x = 12345;
	int			 i;

	(void)state;
	for (i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		when[i] = (x >> 8) % 40;
		loop_timer_init(&t[i], check_sorted, &when[i]);
		loop_timer_start(l, &t[i], when[i]);
	}
	for (i = 0; i < N; i += 3)
		loop_timer_stop(l, &t[i]);
	assert_int_equal(loop_timer_count(l), N - (N + 2) / 3);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(sorted_ok, 1);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_restart),
		cmocka_unit_test(test_timer_defer),
		cmocka_unit_test(test_io_removed_in_turn),
		cmocka_unit_test(test_io_write_and_hup),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_heap_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
