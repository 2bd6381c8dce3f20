/*
 * HTTP requests on the event loop (http.h), for directory key sources.
 *
 * One libcurl multi handle is driven by the loop through curlloop.h,
 * as the WinRM transport's is.  A finished transfer is not answered from
 * there: it moves to a queue that a 0 ms loop timer empties, so a
 * callback never runs inside http_request() nor inside libcurl, and may
 * itself start requests or free the client.
 *
 * Scheme: https always; plain http only when the URL's host is a
 * loopback address (127.0.0.0/8, ::1, localhost), for test servers on
 * this machine.  Anything else is refused before a byte is sent.  TLS is
 * verified against the system's CAs or ca_file, redirects are never
 * followed, and a body past HTTP_BODY_MAX ends the transfer with an
 * error.  Request bodies (a client secret in a token request) and
 * response bodies (tokens, recovery passwords) are wiped before they are
 * freed.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "curlloop.h"
#include "errors.h"
#include "http.h"
#include "loop.h"
#include "xmalloc.h"

#define HTTP_TIMEOUT_MS		30000
#define HTTP_CONNECT_MS		10000
#define HTTP_RETRY_MAX_MS	(24LL * 3600 * 1000)	/* a day at most */

struct http_xfer {
	struct http		*h;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*url;
	char			*body;		/* the request's, wiped */
	size_t			 body_len;
	struct buf		 resp;		/* BUF_WIPE */
	bool			 big;		/* body went past the cap */
	long			 status;
	CURLcode		 rc;
	int64_t			 retry_after_ms;
	char			 errbuf[CURL_ERROR_SIZE];
	lb_http_fn		*fn;
	void			*arg;
	struct http_xfer	*prev, *next;	/* in flight, or done */
};

struct http {
	struct loop		*loop;
	struct curlloop		 cl;		/* libcurl on the loop */
	struct loop_timer	 defer;		/* delivers the done queue */
	char			*ca_file;
	char			*user_agent;
	struct http_xfer	*running;	/* in flight */
	struct http_xfer	*done_head;	/* waiting to be answered */
	struct http_xfer	*done_tail;
	size_t			 n;		/* running + done */
	bool			 delivering;
	bool			 dying;		/* freed inside a callback */
};

static void
wipe(void *p, size_t n)
{
	volatile unsigned char	*q = p;

	while (n-- > 0)
		*q++ = 0;
}

static void
xfer_free(struct http_xfer *x)
{
	if (x == NULL)
		return;
	if (x->easy != NULL)
		curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	free(x->url);
	if (x->body != NULL) {
		wipe(x->body, x->body_len);
		free(x->body);
	}
	buf_release(&x->resp);
	free(x);
}

static void
list_unlink(struct http_xfer **head, struct http_xfer *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		*head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	x->prev = x->next = NULL;
}

/*
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110,
 * 10.2.3).  Returns milliseconds from now (never negative), or -1 when
 * value is neither.
 */
static int64_t
retry_after_parse(const char *value, size_t len)
{
	char		 tmp[128];
	int64_t		 s = 0;
	size_t		 i;
	time_t		 t;

	while (len > 0 && isspace((unsigned char)*value)) {
		value++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)value[len - 1]))
		len--;
	if (len == 0 || len >= sizeof tmp)
		return -1;
	if (isdigit((unsigned char)value[0])) {
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)value[i]))
				return -1;
			if (s < HTTP_RETRY_MAX_MS / 1000)
				s = s * 10 + (value[i] - '0');
		}
		if (s > HTTP_RETRY_MAX_MS / 1000)
			s = HTTP_RETRY_MAX_MS / 1000;
		return s * 1000;
	}
	memcpy(tmp, value, len);
	tmp[len] = '\0';
	if ((t = curl_getdate(tmp, NULL)) == (time_t)-1)
		return -1;
	s = (int64_t)t - (int64_t)time(NULL);
	if (s < 0)
		s = 0;
	if (s > HTTP_RETRY_MAX_MS / 1000)
		s = HTTP_RETRY_MAX_MS / 1000;
	return s * 1000;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer	*x = arg;
	static const char	 name[] = "retry-after:";
	size_t			 n = size * nmemb;

	/* A new status line (after a 100 Continue): start over. */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		x->retry_after_ms = -1;
	else if (n > sizeof name - 1 &&
	    strncasecmp(data, name, sizeof name - 1) == 0)
		x->retry_after_ms = retry_after_parse(data + sizeof name - 1,
		    n - (sizeof name - 1));
	return n;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer	*x = arg;
	size_t			 n = size * nmemb;

	if (buf_add(&x->resp, data, n) != 0) {
		x->big = true;
		return 0;	/* libcurl stops with CURLE_WRITE_ERROR */
	}
	return n;
}

/* Answers every finished transfer, oldest first. */
static void
deliver(struct loop *loop, void *arg)
{
	struct http		*h = arg;
	struct http_xfer	*x;
	struct lb_http_resp	 r;
	char			 why[CURL_ERROR_SIZE + 64];

	(void)loop;
	h->delivering = true;
	while (!h->dying && (x = h->done_head) != NULL) {
		h->done_head = x->next;
		if (h->done_head == NULL)
			h->done_tail = NULL;
		else
			h->done_head->prev = NULL;
		x->next = NULL;
		h->n--;
		memset(&r, 0, sizeof r);
		r.retry_after_ms = -1;
		r.body = "";
		if (x->big) {
			snprintf(why, sizeof why,
			    "response body larger than %d bytes",
			    HTTP_BODY_MAX);
			r.error = why;
		} else if (x->rc != CURLE_OK) {
			snprintf(why, sizeof why, "%s",
			    x->errbuf[0] != '\0' ? x->errbuf :
			    curl_easy_strerror(x->rc));
			r.error = why;
		} else {
			r.status = x->status;
			r.body = buf_str(&x->resp);
			r.body_len = x->resp.len;
			r.retry_after_ms = x->retry_after_ms;
		}
		x->fn(x->arg, &r);
		xfer_free(x);
	}
	h->delivering = false;
	if (h->dying)
		http_free(h);
}

static void
finish(struct http *h, struct http_xfer *x, CURLcode rc)
{
	long	 status = 0;

	list_unlink(&h->running, x);
	x->rc = rc;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
		x->status = status;
		if (status == 0)	/* should not happen with HTTP */
			x->rc = CURLE_RECV_ERROR;
	}
	x->prev = h->done_tail;
	if (h->done_tail != NULL)
		h->done_tail->next = x;
	else
		h->done_head = x;
	h->done_tail = x;
	if (!loop_timer_active(&h->defer))
		loop_timer_start(h->loop, &h->defer, 0);
}

/* A transfer off the multi handle (curlloop.h). */
static void
on_done(void *arg, CURL *easy, void *priv, CURLcode rc)
{
	struct http	*h = arg;

	(void)easy;
	if (priv != NULL)
		finish(h, priv, rc);
}

struct http *
http_new(struct loop *loop, const char *ca_file, const char *user_agent)
{
	struct http	*h;

	h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	loop_timer_init(&h->defer, deliver, h);
	if (curlloop_init(&h->cl, loop, on_done, h) != 0) {
		curlloop_release(&h->cl);
		free(h);
		return NULL;
	}
	if (ca_file != NULL && *ca_file != '\0')
		h->ca_file = xstrdup(ca_file);
	h->user_agent = xstrdup(user_agent != NULL && *user_agent != '\0' ?
	    user_agent : "lifeboat/" LIFEBOAT_VERSION);
	return h;
}

void
http_free(struct http *h)
{
	struct http_xfer	*x;

	if (h == NULL)
		return;
	/* Inside a callback: deliver() finishes the job when it returns. */
	if (h->delivering) {
		h->dying = true;
		return;
	}
	while ((x = h->running) != NULL) {
		list_unlink(&h->running, x);
		curl_multi_remove_handle(h->cl.multi, x->easy);
		xfer_free(x);
	}
	while ((x = h->done_head) != NULL) {
		h->done_head = x->next;
		xfer_free(x);
	}
	loop_timer_stop(h->loop, &h->defer);
	/* Closes the cached connections; their sockets leave the loop. */
	curlloop_release(&h->cl);
	free(h->ca_file);
	free(h->user_agent);
	free(h);
}

static bool
host_is_loopback(const char *host)
{
	if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
	    strcmp(host, "::1") == 0)
		return true;
	return strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") == strlen(host);
}

/*
 * Checks url's scheme: https, or http to a loopback host.  Returns the
 * protocol list for CURLOPT_PROTOCOLS_STR, or NULL.
 */
static const char *
url_protocols(const char *url)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL;
	const char	*proto = NULL;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") == 0)
		proto = "https";
	else if (strcmp(scheme, "http") == 0 && host_is_loopback(host))
		proto = "http";
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return proto;
}

static int
xfer_setup(struct http *h, struct http_xfer *x, const struct lb_http_req *req,
    const char *proto, bool post)
{
	const char *const	*hp;
	struct curl_slist	*l;
	int64_t			 limit;

	if ((x->easy = curl_easy_init()) == NULL)
		return LB_ERR_NOMEM;
	/* No "Expect: 100-continue" round trip before a body. */
	if ((x->hdrs = curl_slist_append(NULL, "Expect:")) == NULL)
		return LB_ERR_NOMEM;
	for (hp = req->headers; hp != NULL && *hp != NULL; hp++) {
		if (strchr(*hp, '\r') != NULL || strchr(*hp, '\n') != NULL)
			return LB_ERR_INVALID;
		if ((l = curl_slist_append(x->hdrs, *hp)) == NULL)
			return LB_ERR_NOMEM;
		x->hdrs = l;
	}
	limit = req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT_MS;
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
	curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, proto);
	curl_easy_setopt(x->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, h->user_agent);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)limit);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(limit < HTTP_CONNECT_MS ? limit : HTTP_CONNECT_MS));
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_file != NULL)
		curl_easy_setopt(x->easy, CURLOPT_CAINFO, h->ca_file);
	if (post) {
		curl_easy_setopt(x->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)x->body_len);
		curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS,
		    x->body != NULL ? x->body : "");
	} else
		curl_easy_setopt(x->easy, CURLOPT_HTTPGET, 1L);
	return 0;
}

int
http_request(struct http *h, const struct lb_http_req *req, lb_http_fn *fn,
    void *arg)
{
	struct http_xfer	*x;
	const char		*proto;
	bool			 post;
	int			 rc;

	if (h == NULL || h->dying || req == NULL || req->method == NULL ||
	    req->url == NULL || fn == NULL)
		return LB_ERR_INVALID;
	if (strcmp(req->method, "POST") == 0)
		post = true;
	else if (strcmp(req->method, "GET") == 0)
		post = false;
	else
		return LB_ERR_INVALID;
	if ((proto = url_protocols(req->url)) == NULL)
		return LB_ERR_INVALID;
	x = xcalloc(1, sizeof(*x));
	x->h = h;
	x->fn = fn;
	x->arg = arg;
	x->retry_after_ms = -1;
	buf_init(&x->resp, HTTP_BODY_MAX, BUF_WIPE);
	x->url = xstrdup(req->url);
	if (post && req->body != NULL) {
		x->body_len = req->body_len;
		x->body = xmalloc(x->body_len + 1);
		memcpy(x->body, req->body, x->body_len);
		x->body[x->body_len] = '\0';
	}
	if ((rc = xfer_setup(h, x, req, proto, post)) != 0) {
		xfer_free(x);
		return rc;
	}
	if (curl_multi_add_handle(h->cl.multi, x->easy) != CURLM_OK) {
		xfer_free(x);
		return LB_ERR_NOMEM;
	}
	x->next = h->running;
	if (h->running != NULL)
		h->running->prev = x;
	h->running = x;
	h->n++;
	return 0;
}

size_t
http_pending(const struct http *h)
{
	return h == NULL ? 0 : h->n;
}
