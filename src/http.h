/*
 * HTTP requests on the event loop, for directory key sources (Graph).
 *
 * One libcurl multi handle driven by the loop (its sockets watched with
 * loop_io_*, its timer a loop timer), many requests at once, each
 * answered through a callback on a later turn, never inside
 * http_request().  TLS is always verified (the system's CAs, or ca_file);
 * redirects are not followed; bodies are capped at HTTP_BODY_MAX.
 */
#ifndef LIFEBOAT_HTTP_H
#define LIFEBOAT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <lifeboat/keysource.h>

struct loop;
struct http;

#define HTTP_BODY_MAX	(16 * 1024 * 1024)

/*
 * A client on loop.  ca_file (NULL: the system's) and user_agent are
 * copied.  Returns NULL only when libcurl cannot start.
 */
struct http	*http_new(struct loop *, const char *ca_file,
		    const char *user_agent);
/* Cancels what is in flight without calling back, frees.  Takes NULL. */
void		 http_free(struct http *);
/*
 * Starts req (every field is copied).  fn(arg, resp) is called exactly
 * once, on a later loop turn: status 0 and error set when there was no
 * HTTP answer (refused, TLS, timeout).  resp and its strings are valid
 * during the call only; the body buffer is wiped before it is freed.
 * Returns 0, or LB_ERR_INVALID (a bad method or URL scheme) or
 * LB_ERR_NOMEM, and fn is never called.
 */
int		 http_request(struct http *, const struct lb_http_req *req,
		    lb_http_fn *fn, void *arg);
/* Requests in flight. */
size_t		 http_pending(const struct http *);

#endif
