/*
 * libcurl's multi handle driven by the event loop: the glue the WinRM
 * transport and the HTTP client share.
 *
 * libcurl says which sockets it wants watched (CURLMOPT_SOCKETFUNCTION,
 * mapped onto loop_io_add/mod/del) and when it wants to be woken
 * (CURLMOPT_TIMERFUNCTION, one loop timer); every event ends in
 * curl_multi_socket_action() and a drain of curl_multi_info_read().
 * Each finished transfer is taken off the multi handle, then handed to
 * the owner's done callback with the pointer set as its
 * CURLOPT_PRIVATE.  Nothing blocks.
 */
#ifndef LIFEBOAT_CURLLOOP_H
#define LIFEBOAT_CURLLOOP_H

#include <curl/curl.h>

#include "loop.h"

/* A finished transfer: easy is no longer in the multi handle; priv is
 * its CURLOPT_PRIVATE (may be NULL). */
typedef void curlloop_done_fn(void *arg, CURL *easy, void *priv,
    CURLcode rc);

struct curlloop {
	struct loop		*loop;
	CURLM			*multi;
	struct loop_timer	 timer;
	curlloop_done_fn	*done;
	void			*arg;
};

/*
 * Sets cl up on loop (libcurl's global state is started once).  Returns
 * 0, or -1 when libcurl cannot start.
 */
int	 curlloop_init(struct curlloop *cl, struct loop *,
	    curlloop_done_fn *done, void *arg);
/* Stops the timer and frees the multi handle; the easy handles still
 * in it are the owner's to remove first.  Safe on a failed init. */
void	 curlloop_release(struct curlloop *cl);

#endif
