/*
 * Unit tests for the generic transport layer (src/transport.c), driven
 * through the simulated transport: output is capped per stream with a
 * marker that says how much there was, the whole stream is spilled to a
 * file when a spill directory is set, chunks are streamed before the cap,
 * errors keep their first cause, and tp_close() frees the connection
 * before its callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "inventory.h"
#include "loop.h"
#include "transport.h"

struct ctx {
	struct tp_result	*res;
	struct tp_conn		*closed_conn;
	int			 calls;
	size_t			 chunks;
	size_t			 streamed;
};

static struct inventory *
one_host(const char *sim)
{
	struct inventory	*inv = inventory_new();
	struct diags		 d = DIAGS_INIT;
	struct buf		 b = BUF_INIT;

	buf_addf(&b, "hosts:\n  h1: { transport: sim, sim: %s }\n", sim);
	assert_int_equal(inventory_load_buffer(inv, "t.yml", b.data, b.len,
	    INV_FORMAT_NATIVE, &d), 0);
	assert_int_equal(inventory_finish(inv, &d), 0);
	diags_release(&d);
	buf_release(&b);
	return inv;
}

static void
done(struct tp_conn *c, struct tp_result *res, void *arg)
{
	struct ctx	*x = arg;

	x->calls++;
	x->closed_conn = c;
	tp_result_free(x->res);
	x->res = res;
}

static void
chunk(struct tp_conn *c, enum tp_stream_id id, const char *data,
    size_t len, void *arg)
{
	struct ctx	*x = arg;

	(void)c;
	(void)id;
	(void)data;
	x->chunks++;
	x->streamed += len;
}

/* Connects, runs command with xo, returns the exec result in x->res. */
static struct tp_conn *
run(struct loop *l, struct tp_ctx *tp, const struct host *h,
    const char *command, struct tp_exec_opts *xo, struct ctx *x)
{
	struct tp_conn	*c = tp_open(tp, h);

	assert_non_null(c);
	tp_connect(c, done, x);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(x->res->err, TP_OK);
	tp_exec(c, command, xo, done, x);
	assert_int_equal(loop_run(l), 0);
	return c;
}

static void
test_cap_and_marker(void **state)
{
	struct inventory	*inv = one_host("{ commands: [ { match: big, "
				    "stdout: \"line one\\nline two\\nline three"
				    "\\n\" } ] }");
	const struct host	*h = &inv->hosts[0];
	struct loop		*l = loop_new();
	struct tp_options	 to;
	struct tp_exec_opts	 xo;
	struct tp_ctx		*tp;
	struct tp_conn		*c;
	struct ctx		 x;

	(void)state;
	memset(&to, 0, sizeof(to));
	memset(&xo, 0, sizeof(xo));
	memset(&x, 0, sizeof(x));
	to.out_cap = 12;
	tp = tp_ctx_new(l, &to);
	xo.on_output = chunk;
	xo.output_arg = &x;
	c = run(l, tp, h, "big", &xo, &x);
	assert_int_equal(x.res->rc, 0);
	assert_true(x.res->streams[TP_STDOUT].truncated);
	assert_int_equal(x.res->streams[TP_STDOUT].total, 29);
	assert_string_equal(x.res->streams[TP_STDOUT].data,
	    "line one\nlin\n[truncated: 29 bytes in all, the first 12 "
	    "shown]\n");
	/* Streaming sees everything, before the cap. */
	assert_int_equal(x.streamed, 29);
	assert_false(x.res->streams[TP_STDERR].truncated);
	assert_null(x.res->streams[TP_STDERR].data);
	assert_null(x.res->streams[TP_STDOUT].path);

	/* tp_close(): the connection is gone before the callback. */
	x.closed_conn = (struct tp_conn *)&x;
	tp_close(c, done, &x);
	assert_int_equal(loop_run(l), 0);
	assert_null(x.closed_conn);
	assert_int_equal(tp->nconns, 0);
	tp_result_free(x.res);
	tp_ctx_free(tp);
	loop_free(l);
	inventory_free(inv);
}

static void
test_spill(void **state)
{
	struct inventory	*inv = one_host("{ commands: [ { match: '*', "
				    "stdout: \"0123456789\", stderr: \"e\" } "
				    "] }");
	const struct host	*h = &inv->hosts[0];
	struct loop		*l = loop_new();
	struct tp_options	 to;
	struct tp_exec_opts	 xo;
	struct tp_ctx		*tp;
	struct tp_conn		*c;
	struct ctx		 x;
	struct stat		 st;
	char			 dir[] = "/tmp/lifeboat-spill.XXXXXX";
	char			 path[256], got[32];
	FILE			*fp;
	size_t			 n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&to, 0, sizeof(to));
	memset(&xo, 0, sizeof(xo));
	memset(&x, 0, sizeof(x));
	to.out_cap = 4;
	to.spill_dir = dir;
	tp = tp_ctx_new(l, &to);
	xo.spill_name = "h1.step1";
	c = run(l, tp, h, "anything", &xo, &x);
	snprintf(path, sizeof(path), "%s/h1.step1.stdout", dir);
	assert_string_equal(x.res->streams[TP_STDOUT].path, path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(got, 1, sizeof(got) - 1, fp);
	got[n] = '\0';
	fclose(fp);
	/* The file has it all, the result only the first four bytes. */
	assert_string_equal(got, "0123456789");
	assert_true(x.res->streams[TP_STDOUT].truncated);
	assert_int_equal(strncmp(x.res->streams[TP_STDOUT].data,
	    "0123\n[truncated: 10 bytes", 24), 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/h1.step1.stderr", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1);
	unlink(path);
	rmdir(dir);
	tp_free(c);
	assert_int_equal(tp->nconns, 0);
	tp_result_free(x.res);
	tp_ctx_free(tp);
	loop_free(l);
	inventory_free(inv);
}

static void
test_err_names(void **state)
{
	(void)state;
	assert_string_equal(tp_err_name(TP_OK), "");
	assert_string_equal(tp_err_name(TP_HOSTKEY_CHANGED),
	    "hostkey-changed");
	assert_string_equal(tp_err_name(TP_LOCAL), "local");
	assert_string_equal(tp_err_name((enum tp_err)99), "unknown");
	assert_true(tp_err_is_unreachable(TP_REFUSED));
	assert_false(tp_err_is_unreachable(TP_AUTH));
	tp_result_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_and_marker),
		cmocka_unit_test(test_spill),
		cmocka_unit_test(test_err_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
