/*
 * libcurl's multi handle on the event loop (see curlloop.h).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "curlloop.h"

static void
drain(struct curlloop *cl)
{
	CURLMsg		*m;
	CURL		*e;
	CURLcode	 rc;
	char		*p;
	int		 left;

	while ((m = curl_multi_info_read(cl->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		/* m is gone once its handle is removed: copy first. */
		e = m->easy_handle;
		rc = m->data.result;
		p = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, &p);
		curl_multi_remove_handle(cl->multi, e);
		cl->done(cl->arg, e, p, rc);
	}
}

static void
on_io(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct curlloop	*cl = arg;
	int		 flags = 0, running;

	(void)loop;
	if (events & LOOP_READ)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_WRITE)
		flags |= CURL_CSELECT_OUT;
	if (events & LOOP_ERROR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(cl->multi, fd, flags, &running);
	drain(cl);
}

static void
on_timer(struct loop *loop, void *arg)
{
	struct curlloop	*cl = arg;
	int		 running;

	(void)loop;
	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	drain(cl);
}

static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curlloop	*cl = userp;
	unsigned	 ev = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		loop_io_del(cl->loop, s);
		curl_multi_assign(cl->multi, s, NULL);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= LOOP_READ;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= LOOP_WRITE;
	if (socketp == NULL) {
		if (loop_io_add(cl->loop, s, ev, on_io, cl) != 0)
			return -1;
		curl_multi_assign(cl->multi, s, cl);
	} else if (loop_io_mod(cl->loop, s, ev) != 0)
		return -1;
	return 0;
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct curlloop	*cl = userp;

	(void)m;
	if (timeout_ms < 0)
		loop_timer_stop(cl->loop, &cl->timer);
	else
		loop_timer_start(cl->loop, &cl->timer, timeout_ms);
	return 0;
}

int
curlloop_init(struct curlloop *cl, struct loop *loop,
    curlloop_done_fn *done, void *arg)
{
	static bool	 inited;

	memset(cl, 0, sizeof *cl);
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -1;
		inited = true;
	}
	cl->loop = loop;
	cl->done = done;
	cl->arg = arg;
	loop_timer_init(&cl->timer, on_timer, cl);
	if ((cl->multi = curl_multi_init()) == NULL)
		return -1;
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return 0;
}

void
curlloop_release(struct curlloop *cl)
{
	if (cl->loop != NULL)
		loop_timer_stop(cl->loop, &cl->timer);
	if (cl->multi != NULL)
		curl_multi_cleanup(cl->multi);
	cl->multi = NULL;
}
