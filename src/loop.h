/*
 * The event loop: one thread waits on every socket and on a heap of
 * timers.  Transports register their sockets with the read or write
 * interest they need right now and are called back when the socket is
 * ready; timeouts, retry back-off and pauses are timers.  Nothing blocks:
 * a callback does what it can and returns.
 *
 * The loop is built on epoll, level-triggered, so the cost of a wait is
 * in the number of ready sockets, not the number watched: five thousand
 * idle SSH sessions cost nothing per turn, where poll(2) would copy and
 * scan all of them on every wait.  Interest changes are cached so an
 * unchanged interest costs no system call.  libcurl joins through its
 * socket API (CURLMOPT_SOCKETFUNCTION maps onto loop_io_add/mod/del,
 * CURLMOPT_TIMERFUNCTION onto one loop timer), so WinRM sockets are
 * waited on by the same epoll as the SSH ones.
 *
 * Timers are embedded in their owner's struct (no allocation per timer)
 * and kept in a binary heap ordered by deadline, ties broken by the order
 * they were started, so two timers due together fire in that order.  A
 * timer with a delay of 0 runs on the next turn: that is how a callback
 * is deferred so that it never runs inside the call that scheduled it.
 *
 * Signals become events too: loop_signal() installs a handler that writes
 * to a self-pipe, and the callback runs in the loop, never in the handler.
 *
 * Time is CLOCK_MONOTONIC in milliseconds, read once per turn
 * (loop_now()).
 */
#ifndef LIFEBOAT_LOOP_H
#define LIFEBOAT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;

enum loop_events {
	LOOP_READ = 1 << 0,
	LOOP_WRITE = 1 << 1,
	LOOP_ERROR = 1 << 2,	/* only reported, never asked for */
};

typedef void loop_io_fn(struct loop *, int fd, unsigned events, void *arg);
typedef void loop_timer_fn(struct loop *, void *arg);
typedef void loop_signal_fn(struct loop *, int signo, void *arg);

/* A timer, embedded in its owner.  Set up with loop_timer_init(). */
struct loop_timer {
	loop_timer_fn	*fn;
	void		*arg;
	int64_t		 when;		/* deadline, loop_now() scale */
	uint64_t	 seq;		/* start order, breaks ties */
	size_t		 slot;		/* index in the heap, or SIZE_MAX */
};

/* Returns a new loop, or NULL with errno set when epoll is unavailable. */
struct loop	*loop_new(void);
/* Frees the loop; watched fds are not closed.  Accepts NULL. */
void		 loop_free(struct loop *);

/*
 * Runs until loop_stop() is called or nothing is left to wait for (no fd
 * watched, no timer running; signal handlers do not count).  Returns 0,
 * or LB_ERR_SYSTEM when waiting failed.
 */
int		 loop_run(struct loop *);
/*
 * One turn: waits at most timeout_ms (-1: until something happens, 0:
 * not at all), then runs what is ready.  Returns the number of callbacks
 * run, or LB_ERR_SYSTEM.
 */
int		 loop_run_once(struct loop *, int timeout_ms);
/* Makes loop_run() return after the current turn. */
void		 loop_stop(struct loop *);

/* Milliseconds on the monotonic clock, as of the start of this turn. */
int64_t		 loop_now(struct loop *);
/* Reads the clock again (after long work inside a callback). */
int64_t		 loop_update_time(struct loop *);

/*
 * Watches fd for events (LOOP_READ | LOOP_WRITE; 0 keeps the fd
 * registered but quiet).  fn is called with the ready events; errors and
 * hang-ups are reported as LOOP_ERROR together with LOOP_READ, so a read
 * finds out what happened.  One watcher per fd.  Returns 0, LB_ERR_EXISTS
 * when fd is already watched, or LB_ERR_SYSTEM.
 */
int		 loop_io_add(struct loop *, int fd, unsigned events,
		    loop_io_fn *fn, void *arg);
/* Changes the interest of a watched fd; free when it did not change. */
int		 loop_io_mod(struct loop *, int fd, unsigned events);
/* Stops watching fd.  Call before closing it.  Unknown fds are ignored. */
void		 loop_io_del(struct loop *, int fd);
/* The number of fds watched. */
size_t		 loop_io_count(const struct loop *);

void		 loop_timer_init(struct loop_timer *, loop_timer_fn *,
		    void *arg);
/* (Re)starts the timer to fire once, delay_ms from now (>= 0). */
void		 loop_timer_start(struct loop *, struct loop_timer *,
		    int64_t delay_ms);
/* Stops the timer if it is running; safe on a stopped timer. */
void		 loop_timer_stop(struct loop *, struct loop_timer *);
bool		 loop_timer_active(const struct loop_timer *);
/* The number of timers running. */
size_t		 loop_timer_count(const struct loop *);

/*
 * Calls fn in the loop whenever signo arrives, until loop_free().  The
 * previous disposition is restored by loop_free().  Returns 0 or
 * LB_ERR_SYSTEM.
 */
int		 loop_signal(struct loop *, int signo, loop_signal_fn *fn,
		    void *arg);

#endif
