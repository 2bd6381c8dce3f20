/*
 * Unit tests for the HTTP client on the event loop (src/http.c), against
 * tests/graph-server.py over HTTPS with a test CA made here by openssl:
 * status, headers and body both ways, Retry-After in seconds and as an
 * HTTP date, a certificate from the wrong CA, a timeout, a refused
 * connection, a body past HTTP_BODY_MAX, many requests at once, the
 * schemes and methods refused up front, and freeing the client with
 * requests in flight or from inside a callback.  Every answer must come
 * on a later loop turn, never inside http_request().
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "errors.h"
#include "http.h"
#include "loop.h"
#include "xmalloc.h"

static char	 dir[] = "/tmp/lb-http.XXXXXX";
static pid_t	 server = -1;
static int	 port;
static char	 ca[512], wrong_ca[512];

struct answer {
	int		 calls;
	long		 status;
	char		 error[512];
	char		*body;
	size_t		 body_len;
	int64_t		 retry_after_ms;
};

static int
sh(const char *fmt, ...)
{
	va_list	 ap;
	char	*cmd;
	int	 r;

	va_start(ap, fmt);
	if (xvasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	r = system(cmd);
	free(cmd);
	return r;
}

static int
setup(void **state)
{
	const char	*srcdir = getenv("SRCDIR");
	char		 path[600], pf[600];
	FILE		*f;
	int		 i;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	if (sh("(cd %s && openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	    "-subj /CN=lb-test-ca -keyout ca.key -out ca.pem && "
	    "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
	    "-subj /CN=other-ca -keyout other.key -out other.pem && "
	    "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
	    "-keyout srv.key -out srv.csr && "
	    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >ext && "
	    "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -days 2 -extfile ext -out srv.pem && "
	    "echo '{\"clients\":{},\"devices\":[],\"keys\":[]}' >data.json"
	    ") >/dev/null 2>&1", dir) != 0)
		return -1;
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	snprintf(wrong_ca, sizeof wrong_ca, "%s/other.pem", dir);
	snprintf(path, sizeof path, "%s/tests/graph-server.py",
	    srcdir != NULL ? srcdir : ".");
	snprintf(pf, sizeof pf, "%s/port", dir);
	if ((server = fork()) == -1)
		return -1;
	if (server == 0) {
		char	 c[600], k[600], d[600];

		snprintf(c, sizeof c, "%s/srv.pem", dir);
		snprintf(k, sizeof k, "%s/srv.key", dir);
		snprintf(d, sizeof d, "%s/data.json", dir);
		execlp("python3", "python3", path, "--cert", c, "--key", k,
		    "--data", d, "--state-dir", dir, "--port-file", pf,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if ((f = fopen(pf, "r")) != NULL) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
			if (port > 0)
				return 0;
		}
		usleep(100 * 1000);
	}
	return -1;
}

static int
teardown(void **state)
{
	(void)state;
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	return sh("rm -rf %s", dir) == 0 ? 0 : -1;
}

static void
on_answer(void *arg, const struct lb_http_resp *r)
{
	struct answer	*a = arg;

	a->calls++;
	a->status = r->status;
	snprintf(a->error, sizeof a->error, "%s",
	    r->error != NULL ? r->error : "");
	free(a->body);
	a->body = xmalloc(r->body_len + 1);
	memcpy(a->body, r->body, r->body_len);
	a->body[r->body_len] = '\0';
	a->body_len = r->body_len;
	a->retry_after_ms = r->retry_after_ms;
}

/* Turns the loop until every answer in a[0..n) came, or ms passed. */
static void
run_until(struct loop *l, struct answer *a, size_t n, int ms)
{
	int64_t	 end = loop_update_time(l) + ms;
	size_t	 i;

	for (;;) {
		for (i = 0; i < n && a[i].calls > 0; i++)
			;
		if (i == n || loop_update_time(l) > end)
			break;
		loop_run_once(l, 50);
	}
}

static char *
url(const char *fmt, ...)
{
	static char	 u[8][512];
	static int	 which;
	char		 path[400];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof path, fmt, ap);
	va_end(ap);
	which = (which + 1) % 8;
	snprintf(u[which], sizeof u[which], "https://127.0.0.1:%d%s", port,
	    path);
	return u[which];
}

static void
test_post_echo(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "lb-test/1");
	static const char *const hdrs[] = { "X-Test: one two",
		"Content-Type: application/x-www-form-urlencoded", NULL };
	struct lb_http_req	 req = { "POST", url("/_lb/echo"), hdrs,
		"a=1&b=%20\0tail", 14, 0 };
	struct answer		 a = { 0 };

	(void)state;
	assert_int_equal(http_request(h, &req, on_answer, &a), 0);
	assert_int_equal(a.calls, 0);
	assert_int_equal(http_pending(h), 1);
	run_until(l, &a, 1, 10000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.error, "");
	assert_int_equal(a.retry_after_ms, -1);
	assert_non_null(strstr(a.body, "\"method\": \"POST\""));
	assert_non_null(strstr(a.body, "\"X-Test\": \"one two\""));
	assert_non_null(strstr(a.body, "\"User-Agent\": \"lb-test/1\""));
	/* All 14 bytes went, the NUL too (as the server decodes it). */
	assert_non_null(strstr(a.body, "\"body\": \"a=1&b=%20\\u0000tail\""));
	assert_null(strstr(a.body, "Expect"));
	assert_int_equal(http_pending(h), 0);
	free(a.body);
	http_free(h);
	loop_free(l);
}

static void
test_get_status_and_default_agent(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, NULL);
	struct lb_http_req	 r1 = { "GET", url("/_lb/status/404"), NULL,
		NULL, 0, 0 };
	struct lb_http_req	 r2 = { "GET", url("/_lb/echo"), NULL,
		NULL, 0, 0 };
	struct answer		 a[2] = { { 0 }, { 0 } };

	(void)state;
	assert_int_equal(http_request(h, &r1, on_answer, &a[0]), 0);
	assert_int_equal(http_request(h, &r2, on_answer, &a[1]), 0);
	run_until(l, a, 2, 10000);
	assert_int_equal(a[0].status, 404);
	assert_string_equal(a[0].body, "{\"status\": 404}");
	assert_int_equal(a[1].status, 200);
	assert_non_null(strstr(a[1].body, "\"method\": \"GET\""));
	assert_non_null(strstr(a[1].body, "\"User-Agent\": \"lifeboat/"));
	free(a[0].body);
	free(a[1].body);
	http_free(h);
	loop_free(l);
}

static void
test_retry_after(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	char			 date[64], enc[200], *p;
	struct answer		 a[4] = { { 0 }, { 0 }, { 0 }, { 0 } };
	struct lb_http_req	 r[4];
	time_t			 t = time(NULL) + 3600;
	size_t			 i;

	(void)state;
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&t));
	for (p = date, i = 0; *p != '\0' && i < sizeof enc - 4; p++) {
		if (*p == ' ' || *p == ',' || *p == ':')
			i += (size_t)snprintf(enc + i, sizeof enc - i, "%%%02X",
			    (unsigned char)*p);
		else
			enc[i++] = *p;
	}
	enc[i] = '\0';
	memset(r, 0, sizeof r);
	r[0].url = url("/_lb/status/429?retry_after=7");
	r[1].url = url("/_lb/status/503?retry_after=%s", enc);
	r[2].url = url("/_lb/status/429");
	r[3].url = url("/_lb/status/429?retry_after=soon");
	for (i = 0; i < 4; i++) {
		r[i].method = "GET";
		assert_int_equal(http_request(h, &r[i], on_answer, &a[i]), 0);
	}
	run_until(l, a, 4, 10000);
	assert_int_equal(a[0].status, 429);
	assert_int_equal(a[0].retry_after_ms, 7000);
	assert_int_equal(a[1].status, 503);
	assert_true(a[1].retry_after_ms >= 3590000 &&
	    a[1].retry_after_ms <= 3600000);
	assert_int_equal(a[2].retry_after_ms, -1);
	assert_int_equal(a[3].retry_after_ms, -1);
	for (i = 0; i < 4; i++)
		free(a[i].body);
	http_free(h);
	loop_free(l);
}

static void
test_wrong_ca(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, wrong_ca, "t");
	struct lb_http_req	 req = { "GET", url("/_lb/echo"), NULL, NULL,
		0, 0 };
	struct answer		 a = { 0 };

	(void)state;
	assert_int_equal(http_request(h, &req, on_answer, &a), 0);
	run_until(l, &a, 1, 10000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 0);
	assert_true(strstr(a.error, "certificate") != NULL ||
	    strstr(a.error, "SSL") != NULL);
	assert_string_equal(a.body, "");
	free(a.body);
	http_free(h);
	loop_free(l);
}

static void
test_timeout(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	struct lb_http_req	 req = { "GET", url("/_lb/sleep?ms=3000"),
		NULL, NULL, 0, 300 };
	struct answer		 a = { 0 };
	int64_t			 t0 = loop_update_time(l);

	(void)state;
	assert_int_equal(http_request(h, &req, on_answer, &a), 0);
	run_until(l, &a, 1, 10000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 0);
	assert_non_null(strstr(a.error, "imed out"));
	assert_true(loop_update_time(l) - t0 < 2500);
	free(a.body);
	http_free(h);
	loop_free(l);
}

static void
test_refused(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	struct lb_http_req	 req = { "GET", "https://127.0.0.1:1/x", NULL,
		NULL, 0, 0 };
	struct answer		 a = { 0 };

	(void)state;
	assert_int_equal(http_request(h, &req, on_answer, &a), 0);
	assert_int_equal(a.calls, 0);
	run_until(l, &a, 1, 10000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 0);
	assert_string_not_equal(a.error, "");
	free(a.body);
	http_free(h);
	loop_free(l);
}

static void
test_body_cap(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	struct lb_http_req	 r1 = { "GET",
		url("/_lb/big?bytes=%d", HTTP_BODY_MAX + 1), NULL, NULL, 0, 0 };
	struct lb_http_req	 r2 = { "GET",
		url("/_lb/big?bytes=%d", 100000), NULL, NULL, 0, 0 };
	struct answer		 a[2] = { { 0 }, { 0 } };

	(void)state;
	assert_int_equal(http_request(h, &r1, on_answer, &a[0]), 0);
	assert_int_equal(http_request(h, &r2, on_answer, &a[1]), 0);
	run_until(l, a, 2, 30000);
	assert_int_equal(a[0].status, 0);
	assert_non_null(strstr(a[0].error, "larger than"));
	assert_int_equal(a[1].status, 200);
	assert_int_equal(a[1].body_len, 100000);
	assert_int_equal(strspn(a[1].body, "x"), 100000);
	free(a[0].body);
	free(a[1].body);
	http_free(h);
	loop_free(l);
}

#define MANY	64

static void
test_many(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	struct answer		*a = xcalloc(MANY, sizeof(*a));
	struct lb_http_req	 req;
	char			 want[64];
	size_t			 i;

	(void)state;
	memset(&req, 0, sizeof req);
	req.method = "GET";
	for (i = 0; i < MANY; i++) {
		req.url = url("/_lb/echo?n=%zu", i);
		assert_int_equal(http_request(h, &req, on_answer, &a[i]), 0);
	}
	assert_int_equal(http_pending(h), MANY);
	run_until(l, a, MANY, 30000);
	for (i = 0; i < MANY; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].status, 200);
		snprintf(want, sizeof want, "\"path\": \"/_lb/echo?n=%zu\"", i);
		assert_non_null(strstr(a[i].body, want));
		free(a[i].body);
	}
	assert_int_equal(http_pending(h), 0);
	free(a);
	http_free(h);
	loop_free(l);
}

static void
test_refused_up_front(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	static const char *const bad_hdr[] = { "X: a\r\nY: b", NULL };
	struct lb_http_req	 req;
	struct answer		 a = { 0 };

	(void)state;
	memset(&req, 0, sizeof req);
	req.method = "PUT";
	req.url = url("/_lb/echo");
	assert_int_equal(http_request(h, &req, on_answer, &a),
	    LB_ERR_INVALID);
	req.method = "GET";
	req.url = "ftp://127.0.0.1/x";
	assert_int_equal(http_request(h, &req, on_answer, &a),
	    LB_ERR_INVALID);
	req.url = "http://graph.example.com/v1.0/devices";
	assert_int_equal(http_request(h, &req, on_answer, &a),
	    LB_ERR_INVALID);
	req.url = "not a url";
	assert_int_equal(http_request(h, &req, on_answer, &a),
	    LB_ERR_INVALID);
	req.url = url("/_lb/echo");
	req.headers = bad_hdr;
	assert_int_equal(http_request(h, &req, on_answer, &a),
	    LB_ERR_INVALID);
	assert_int_equal(http_pending(h), 0);
	/* Plain http is taken for a loopback host (here: no answer, as the
	 * server speaks TLS, but an answer all the same). */
	req.headers = NULL;
	req.url = "http://127.0.0.1:1/x";
	assert_int_equal(http_request(h, &req, on_answer, &a), 0);
	run_until(l, &a, 1, 10000);
	assert_int_equal(a.calls, 1);
	assert_int_equal(a.status, 0);
	free(a.body);
	http_free(h);
	loop_free(l);
}

static void
test_free_in_flight(void **state)
{
	struct loop		*l = loop_new();
	struct http		*h = http_new(l, ca, "t");
	struct lb_http_req	 req = { "GET", url("/_lb/sleep?ms=500"),
		NULL, NULL, 0, 0 };
	struct answer		 a = { 0 };
	int			 i;

	(void)state;
	assert_int_equal(http_request(h, &req, on_answer, &a), 0);
	for (i = 0; i < 3; i++)
		loop_run_once(l, 20);
	http_free(h);
	/* Nothing is left on the loop, and nothing ever calls back. */
	assert_int_equal(loop_io_count(l), 0);
	assert_int_equal(loop_timer_count(l), 0);
	loop_run_once(l, 100);
	assert_int_equal(a.calls, 0);
	loop_free(l);
}

struct freer {
	struct http	*h;
	int		 calls;
};

static void
free_from_callback(void *arg, const struct lb_http_resp *r)
{
	struct freer	*f = arg;

	(void)r;
	f->calls++;
	http_free(f->h);
}

static void
test_free_in_callback(void **state)
{
	struct loop		*l = loop_new();
	struct freer		 f = { http_new(l, ca, "t"), 0 };
	struct lb_http_req	 req = { "GET", url("/_lb/status/200"), NULL,
		NULL, 0, 0 };
	int			 i;

	(void)state;
	/* The first answer frees the client: the second is never
	 * delivered, whether it was due on the same turn or later. */
	assert_int_equal(http_request(f.h, &req, free_from_callback, &f), 0);
	assert_int_equal(http_request(f.h, &req, free_from_callback, &f), 0);
	for (i = 0; i < 200 && f.calls == 0; i++)
		loop_run_once(l, 50);
	for (i = 0; i < 5; i++)
		loop_run_once(l, 20);
	assert_int_equal(f.calls, 1);
	assert_int_equal(loop_io_count(l), 0);
	assert_int_equal(loop_timer_count(l), 0);
	loop_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_echo),
		cmocka_unit_test(test_get_status_and_default_agent),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_body_cap),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_refused_up_front),
		cmocka_unit_test(test_free_in_flight),
		cmocka_unit_test(test_free_in_callback),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
