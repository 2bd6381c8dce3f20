/*
 * The event loop on epoll (see loop.h for the contract).
 *
 * Watchers are kept in an array indexed by fd, grown as needed, so that
 * an event finds its watcher without a search.  epoll gives back the fd
 * in its data field.  A watcher removed while events for it are pending
 * in the same turn is recognised by a generation count, so a callback
 * that closes another host's socket cannot cause a stale call.
 *
 * Timers live in a binary min-heap of pointers; each timer knows its slot,
 * so stopping one is O(log n).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "loop.h"
#include "xmalloc.h"

#define LOOP_MAX_EVENTS	256
#define LOOP_NSIG	65

struct watcher {
	loop_io_fn	*fn;
	void		*arg;
	unsigned	 events;	/* asked for */
	uint32_t	 gen;		/* 0: slot free */
};

struct sigwatch {
	loop_signal_fn	*fn;
	void		*arg;
	struct sigaction old;
	bool		 set;
};

struct loop {
	int		 epfd;
	int64_t		 now;
	bool		 stop;
	struct watcher	*w;		/* indexed by fd */
	size_t		 nw;		/* slots in w */
	size_t		 nwatched;
	uint32_t	 gen;
	struct loop_timer **heap;
	size_t		 nheap;
	size_t		 capheap;
	uint64_t	 seq;
	int		 sigpipe[2];	/* self-pipe for signals */
	struct sigwatch	 sig[LOOP_NSIG];
};

/* The handler's only way out: one byte per signal into the pipe. */
static volatile sig_atomic_t loop_sigfd = -1;

static void
loop_sighandler(int signo)
{
	int		 saved = errno;
	unsigned char	 c = (unsigned char)signo;

	/* A full pipe already holds a wake-up: losing this byte is fine. */
	if (loop_sigfd != -1 && write(loop_sigfd, &c, 1) == -1)
		errno = saved;
	errno = saved;
}

static int64_t
monotonic_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	struct loop	*l;
	int		 fd;

	if ((fd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->epfd = fd;
	l->sigpipe[0] = l->sigpipe[1] = -1;
	l->now = monotonic_ms();
	return l;
}

void
loop_free(struct loop *l)
{
	int	 i;

	if (l == NULL)
		return;
	for (i = 1; i < LOOP_NSIG; i++) {
		if (l->sig[i].set)
			sigaction(i, &l->sig[i].old, NULL);
	}
	if (l->sigpipe[0] != -1) {
		loop_sigfd = -1;
		close(l->sigpipe[0]);
		close(l->sigpipe[1]);
	}
	close(l->epfd);
	free(l->w);
	free(l->heap);
	free(l);
}

int64_t
loop_now(struct loop *l)
{
	return l->now;
}

int64_t
loop_update_time(struct loop *l)
{
	l->now = monotonic_ms();
	return l->now;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}

static uint32_t
to_epoll(unsigned events)
{
	uint32_t	 e = 0;

	if (events & LOOP_READ)
		e |= EPOLLIN;
	if (events & LOOP_WRITE)
		e |= EPOLLOUT;
	return e;
}

int
loop_io_add(struct loop *l, int fd, unsigned events, loop_io_fn *fn,
    void *arg)
{
	struct epoll_event	 ev;
	size_t			 n;

	if (fd < 0)
		return LB_ERR_INTERNAL;
	if ((size_t)fd >= l->nw) {
		n = l->nw ? l->nw : 64;
		while (n <= (size_t)fd)
			n *= 2;
		l->w = xreallocarray(l->w, n, sizeof(*l->w));
		memset(l->w + l->nw, 0, (n - l->nw) * sizeof(*l->w));
		l->nw = n;
	}
	if (l->w[fd].gen != 0)
		return LB_ERR_EXISTS;
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)(unsigned)fd;
	if (++l->gen == 0)
		l->gen = 1;
	ev.data.u64 |= (uint64_t)l->gen << 32;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return LB_ERR_SYSTEM;
	l->w[fd].fn = fn;
	l->w[fd].arg = arg;
	l->w[fd].events = events;
	l->w[fd].gen = l->gen;
	l->nwatched++;
	return 0;
}

int
loop_io_mod(struct loop *l, int fd, unsigned events)
{
	struct epoll_event	 ev;
	struct watcher		*w;

	if (fd < 0 || (size_t)fd >= l->nw || l->w[fd].gen == 0)
		return LB_ERR_NOT_FOUND;
	w = &l->w[fd];
	events &= LOOP_READ | LOOP_WRITE;
	if (w->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)(unsigned)fd | (uint64_t)w->gen << 32;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == -1)
		return LB_ERR_SYSTEM;
	w->events = events;
	return 0;
}

void
loop_io_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nw || l->w[fd].gen == 0)
		return;
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	memset(&l->w[fd], 0, sizeof(l->w[fd]));
	l->nwatched--;
}

size_t
loop_io_count(const struct loop *l)
{
	return l->nwatched;
}

/* Timers: a binary min-heap on (when, seq). */

static bool
timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	if (a->when != b->when)
		return a->when < b->when;
	return a->seq < b->seq;
}

static void
heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer	*t = l->heap[i];
	size_t			 p;

	while (i > 0) {
		p = (i - 1) / 2;
		if (!timer_before(t, l->heap[p]))
			break;
		heap_set(l, i, l->heap[p]);
		i = p;
	}
	heap_set(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer	*t = l->heap[i];
	size_t			 c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && timer_before(l->heap[c + 1],
		    l->heap[c]))
			c++;
		if (!timer_before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void
loop_timer_init(struct loop_timer *t, loop_timer_fn *fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
	t->slot = SIZE_MAX;
}

bool
loop_timer_active(const struct loop_timer *t)
{
	return t->slot != SIZE_MAX;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	struct loop_timer	*last;
	size_t			 i = t->slot;

	if (i == SIZE_MAX)
		return;
	t->slot = SIZE_MAX;
	last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	heap_set(l, i, last);
	if (i > 0 && timer_before(last, l->heap[(i - 1) / 2]))
		heap_up(l, i);
	else
		heap_down(l, i);
}

void
loop_timer_start(struct loop *l, struct loop_timer *t, int64_t delay_ms)
{
	loop_timer_stop(l, t);
	if (delay_ms < 0)
		delay_ms = 0;
	t->when = l->now + delay_ms;
	t->seq = l->seq++;
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap ? l->capheap * 2 : 64;
		l->heap = xreallocarray(l->heap, l->capheap,
		    sizeof(*l->heap));
	}
	heap_set(l, l->nheap++, t);
	heap_up(l, t->slot);
}

size_t
loop_timer_count(const struct loop *l)
{
	return l->nheap;
}

/*
 * Runs the timers that are due.  A timer started from a callback with
 * delay 0 is due only on the next turn (its seq is newer than this
 * turn's), so a timer that keeps restarting itself cannot starve the
 * sockets.
 */
static int
run_timers(struct loop *l)
{
	struct loop_timer	*t;
	uint64_t		 limit = l->seq;
	int			 n = 0;

	while (l->nheap > 0) {
		t = l->heap[0];
		if (t->when > l->now || t->seq >= limit)
			break;
		loop_timer_stop(l, t);
		t->fn(l, t->arg);
		n++;
	}
	return n;
}

static int
next_timeout(struct loop *l, int timeout_ms)
{
	int64_t		 d;

	if (l->nheap == 0)
		return timeout_ms;
	d = l->heap[0]->when - l->now;
	if (d < 0)
		d = 0;
	if (d > INT32_MAX)
		d = INT32_MAX;
	if (timeout_ms < 0 || d < timeout_ms)
		return (int)d;
	return timeout_ms;
}

static void
drain_signals(struct loop *l, int fd, unsigned events, void *arg)
{
	unsigned char	 buf[64];
	ssize_t		 n, i;

	(void)events;
	(void)arg;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			if (buf[i] < LOOP_NSIG && l->sig[buf[i]].set)
				l->sig[buf[i]].fn(l, buf[i],
				    l->sig[buf[i]].arg);
		}
	}
}

int
loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event	 ev[LOOP_MAX_EVENTS];
	struct watcher		*w;
	unsigned		 events;
	uint32_t		 gen;
	int			 n, i, fd, ran;

	n = epoll_wait(l->epfd, ev, LOOP_MAX_EVENTS,
	    next_timeout(l, timeout_ms));
	l->now = monotonic_ms();
	if (n == -1) {
		if (errno != EINTR)
			return LB_ERR_SYSTEM;
		n = 0;
	}
	ran = 0;
	for (i = 0; i < n; i++) {
		fd = (int)(ev[i].data.u64 & 0xffffffffU);
		gen = (uint32_t)(ev[i].data.u64 >> 32);
		/* Removed, or removed and re-added, by an earlier callback. */
		if ((size_t)fd >= l->nw || l->w[fd].gen != gen)
			continue;
		w = &l->w[fd];
		events = 0;
		if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			events |= LOOP_READ;
		if (ev[i].events & EPOLLOUT)
			events |= LOOP_WRITE;
		if (ev[i].events & (EPOLLHUP | EPOLLERR))
			events |= LOOP_ERROR;
		w->fn(l, fd, events, w->arg);
		ran++;
	}
	ran += run_timers(l);
	return ran;
}

int
loop_run(struct loop *l)
{
	size_t	 sigfds;
	int	 r;

	l->stop = false;
	for (;;) {
		if (l->stop)
			break;
		sigfds = l->sigpipe[0] != -1 ? 1 : 0;
		if (l->nwatched <= sigfds && l->nheap == 0)
			break;
		if ((r = loop_run_once(l, -1)) < 0)
			return r;
	}
	return 0;
}

static int
sigpipe_open(struct loop *l)
{
	int	 i, fl;

	if (l->sigpipe[0] != -1)
		return 0;
	if (pipe2(l->sigpipe, O_CLOEXEC) == -1)
		return LB_ERR_SYSTEM;
	for (i = 0; i < 2; i++) {
		fl = fcntl(l->sigpipe[i], F_GETFL);
		if (fl == -1 || fcntl(l->sigpipe[i], F_SETFL,
		    fl | O_NONBLOCK) == -1)
			goto fail;
	}
	if (loop_io_add(l, l->sigpipe[0], LOOP_READ, drain_signals,
	    NULL) != 0)
		goto fail;
	loop_sigfd = l->sigpipe[1];
	return 0;
fail:
	close(l->sigpipe[0]);
	close(l->sigpipe[1]);
	l->sigpipe[0] = l->sigpipe[1] = -1;
	return LB_ERR_SYSTEM;
}

int
loop_signal(struct loop *l, int signo, loop_signal_fn *fn, void *arg)
{
	struct sigaction	 sa;
	int			 r;

	if (signo <= 0 || signo >= LOOP_NSIG)
		return LB_ERR_INTERNAL;
	if ((r = sigpipe_open(l)) != 0)
		return r;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loop_sighandler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(signo, &sa, l->sig[signo].set ? NULL :
	    &l->sig[signo].old) == -1)
		return LB_ERR_SYSTEM;
	l->sig[signo].fn = fn;
	l->sig[signo].arg = arg;
	l->sig[signo].set = true;
	return 0;
}
