/*
 * The WinRM transport's put, get, long stdin and long scripts, driven
 * through tp_* and the event loop as the engine drives them.
 *
 * The live tests need tests/winrm-server.py and run when
 * tests/t0120-winrm.sh sets LB_WINRM_PORT (the server's port, plain
 * http), LB_WINRM_ROOT (its fake disk: C:\X is ROOT/C/X), LB_WINRM_USER
 * and the password in LB_WINRM_PW.  LB_WINRM_SMALL_PORT names a second
 * server that takes requests of 150 KiB only, as old Windows does.
 * Without them only the checks that need no server run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "inventory.h"
#include "loop.h"
#include "transport-winrm.h"
#include "transport.h"
#include "xmalloc.h"

struct live {
	struct loop	*loop;
	struct tp_ctx	*ctx;
	struct host	 host;
	char		*root;		/* the server's fake disk */
	char		*work;		/* local scratch space */
};

static struct live	*lv;

static int
setup_port(const char *port, const char *user)
{
	struct tp_options	 opt;
	char			 tmpl[] = "/tmp/lb-winrm-XXXXXX";

	lv = xcalloc(1, sizeof(*lv));
	lv->loop = loop_new();
	if (mkdtemp(tmpl) == NULL)
		return -1;
	lv->work = xstrdup(tmpl);
	if (getenv("LB_WINRM_ROOT") != NULL)
		lv->root = xstrdup(getenv("LB_WINRM_ROOT"));
	host_init(&lv->host);
	lv->host.name = "win01";
	lv->host.address = "127.0.0.1";
	lv->host.user = user;
	lv->host.transport = TRANSPORT_WINRM;
	lv->host.winrm.port = port != NULL ? atoi(port) : 9;
	lv->host.winrm.scheme = "http";
	lv->host.winrm.auth = "basic";
	lv->host.winrm.allow_unencrypted = TRISTATE_TRUE;
	lv->host.winrm.password_env = "LB_WINRM_PW";
	memset(&opt, 0, sizeof(opt));
	lv->ctx = tp_ctx_new(lv->loop, &opt);
	return 0;
}

static int
live_setup(void **state)
{
	(void)state;
	return setup_port(getenv("LB_WINRM_PORT"), getenv("LB_WINRM_USER"));
}

static int
small_setup(void **state)
{
	(void)state;
	return setup_port(getenv("LB_WINRM_SMALL_PORT"),
	    getenv("LB_WINRM_USER"));
}

static int
noconfig_setup(void **state)
{
	(void)state;
	return setup_port(getenv("LB_WINRM_SMALL_PORT"), "noconfig");
}

static int
corrupt_setup(void **state)
{
	(void)state;
	return setup_port(getenv("LB_WINRM_PORT"), "corrupt");
}

static int
offline_setup(void **state)
{
	(void)state;
	setenv("LB_WINRM_PW", "unused", 0);
	return setup_port(NULL, "alice");
}

static int
live_teardown(void **state)
{
	char	*cmd;

	(void)state;
	if (lv == NULL)
		return 0;
	tp_ctx_free(lv->ctx);
	loop_free(lv->loop);
	xasprintf(&cmd, "rm -rf '%s'", lv->work);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", lv->work);
	free(cmd);
	free(lv->work);
	free(lv->root);
	free(lv);
	lv = NULL;
	return 0;
}

static void
got_result(struct tp_conn *c, struct tp_result *res, void *arg)
{
	(void)c;
	*(struct tp_result **)arg = res;
}

static struct tp_result *
wait_for(struct tp_result **slot, int64_t max_ms)
{
	int64_t	 end = loop_update_time(lv->loop) + max_ms;

	while (*slot == NULL && loop_update_time(lv->loop) < end)
		(void)loop_run_once(lv->loop, 100);
	assert_non_null(*slot);
	return *slot;
}

static void
assert_ok(const struct tp_result *res)
{
	if (res->err != TP_OK)
		fail_msg("%s: %s", tp_err_name(res->err),
		    res->msg != NULL ? res->msg : "");
}

/* res failed with err and a message containing text. */
static void
assert_failed(const struct tp_result *res, enum tp_err err,
    const char *text)
{
	if (res->err != err || res->msg == NULL ||
	    strstr(res->msg, text) == NULL)
		fail_msg("wanted %s with \"%s\", got %s: %s",
		    tp_err_name(err), text, tp_err_name(res->err),
		    res->msg != NULL ? res->msg : "(no message)");
}

static struct tp_conn *
live_open(void)
{
	struct tp_conn	*c = tp_open(lv->ctx, &lv->host);

	assert_non_null(c);
	return c;
}

static void
live_close(struct tp_conn *c)
{
	struct tp_result	*res = NULL;

	tp_close(c, got_result, &res);
	tp_result_free(wait_for(&res, 10000));
}

static struct tp_result *
live_exec(struct tp_conn *c, const char *cmd, const struct tp_exec_opts *xo)
{
	struct tp_result	*res = NULL;

	tp_exec(c, cmd, xo, got_result, &res);
	assert_null(res);	/* never from inside the call */
	return wait_for(&res, 60000);
}

static struct tp_result *
live_put(struct tp_conn *c, const char *local, const char *remote)
{
	struct tp_result	*res = NULL;

	tp_put(c, local, remote, 0644, got_result, &res);
	assert_null(res);
	return wait_for(&res, 60000);
}

static struct tp_result *
live_get(struct tp_conn *c, const char *remote, const char *local)
{
	struct tp_result	*res = NULL;

	tp_get(c, remote, local, got_result, &res);
	assert_null(res);
	return wait_for(&res, 60000);
}

/* A scratch or disk path: lv->work or lv->root joined with rel. */
static char *
path_in(const char *dir, const char *rel)
{
	char	*p;

	xasprintf(&p, "%s/%s", dir, rel);
	return p;
}

/* n bytes of every value, in an order that no shift repeats. */
static char *
pattern(size_t n)
{
	char		*p = xmalloc(n > 0 ? n : 1);
	uint32_t	 x = 2463534242u;
	size_t		 i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (char)(x >> 11);
	}
	return p;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE	*f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The whole file, its length in *lenp; NULL when it is not there. */
static char *
read_file(const char *path, size_t *lenp)
{
	struct buf	 b;
	char		 chunk[65536];
	size_t		 n;
	FILE		*f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	buf_init(&b, 64UL * 1024 * 1024, 0);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&b, chunk, n), 0);
	fclose(f);
	return buf_detach(&b, lenp);
}

static void
assert_file(const char *path, const char *want, size_t len)
{
	size_t	 n = 0;
	char	*got = read_file(path, &n);

	if (got == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	assert_int_equal(n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* Names in dir that contain ".lifeboat-": temporary files left. */
static int
leftovers(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	int		 n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".lifeboat-") != NULL ||
		    strncmp(e->d_name, "lifeboat-", 9) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
make_dir(const char *rel)
{
	char	*cmd;

	xasprintf(&cmd, "mkdir -p '%s/%s'", lv->root, rel);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* put then get of n bytes, through C:\data. */
static void
round_trip(size_t n, const char *name)
{
	struct tp_conn		*c = live_open();
	struct tp_result	*res;
	char			*data = pattern(n), *local, *back, *remote,
				*ondisk, *dir;

	make_dir("C/data");
	local = path_in(lv->work, name);
	back = path_in(lv->work, "back");
	xasprintf(&remote, "C:\\data\\%s", name);
	xasprintf(&ondisk, "%s/C/data/%s", lv->root, name);
	dir = path_in(lv->root, "C/data");
	write_file(local, data, n);

	res = live_put(c, local, remote);
	assert_ok(res);
	assert_int_equal(res->rc, 0);
	tp_result_free(res);
	assert_file(ondisk, data, n);
	assert_int_equal(leftovers(dir), 0);

	res = live_get(c, remote, back);
	assert_ok(res);
	assert_int_equal(res->rc, 0);
	tp_result_free(res);
	assert_file(back, data, n);
	assert_int_equal(leftovers(lv->work), 0);
	live_close(c);
	(void)unlink(back);
	free(data);
	free(local);
	free(back);
	free(remote);
	free(ondisk);
	free(dir);
}

static void
test_round_trip_small(void **state)
{
	(void)state;
	round_trip(0, "empty.bin");
	round_trip(1, "one.bin");
	round_trip(12289, "line-and-one.bin");
	round_trip(70000, "seventy.bin");
}

/* 5 MB: many Sends, and the host's envelope size read first. */
static void
test_round_trip_big(void **state)
{
	(void)state;
	round_trip(5 * 1000 * 1000, "five-mb.bin");
}

/* Put replaces a file; %TEMP% expands on the host. */
static void
test_put_replace_and_env(void **state)
{
	struct tp_conn		*c;
	struct tp_result	*res;
	char			*local, *ondisk;
	const char		*user = lv->host.user;

	(void)state;
	c = live_open();
	make_dir("C/data");
	local = path_in(lv->work, "new");
	write_file(local, "new contents\n", 13);
	ondisk = path_in(lv->root, "C/data/replace.txt");
	write_file(ondisk, "old contents, longer than the new\n", 34);
	res = live_put(c, local, "C:\\data\\replace.txt");
	assert_ok(res);
	tp_result_free(res);
	assert_file(ondisk, "new contents\n", 13);
	free(ondisk);

	res = live_put(c, local, "%TEMP%\\from-env.txt");
	assert_ok(res);
	tp_result_free(res);
	xasprintf(&ondisk, "%s/C/Users/%s/AppData/Local/Temp/from-env.txt",
	    lv->root, user);
	assert_file(ondisk, "new contents\n", 13);
	live_close(c);
	free(ondisk);
	free(local);
}

/* What the host says when it cannot: one line, and nothing left. */
static void
test_put_get_errors(void **state)
{
	struct tp_conn		*c;
	struct tp_result	*res;
	char			*local, *back;

	(void)state;
	c = live_open();
	make_dir("C/data/adir");
	local = path_in(lv->work, "f");
	write_file(local, "x", 1);
	res = live_put(c, local, "C:\\no\\such\\folder\\f.txt");
	assert_failed(res, TP_PROTOCOL, "Could not find a part of the path");
	assert_non_null(strstr(res->msg, "cannot put"));
	assert_null(strchr(res->msg, '\n'));
	tp_result_free(res);

	res = live_put(c, local, "C:\\data\\adir");
	assert_failed(res, TP_PROTOCOL, "is a directory");
	tp_result_free(res);

	back = path_in(lv->work, "never");
	res = live_get(c, "C:\\data\\missing.txt", back);
	assert_failed(res, TP_PROTOCOL, "Could not find file "
	    "'C:\\data\\missing.txt'");
	tp_result_free(res);
	assert_int_equal(access(back, F_OK), -1);
	assert_int_equal(leftovers(lv->work), 0);

	/* The connection is still good. */
	res = live_exec(c, "echo still here", NULL);
	assert_ok(res);
	assert_string_equal(res->streams[TP_STDOUT].data,
	    "still here\r\n");
	tp_result_free(res);
	live_close(c);
	free(local);
	free(back);
}

/* A host that damages data in transit: both directions notice. */
static void
test_corrupt(void **state)
{
	struct tp_conn		*c;
	struct tp_result	*res;
	char			*local, *ondisk, *back, *dir;

	(void)state;
	c = live_open();
	make_dir("C/data");
	local = path_in(lv->work, "f");
	write_file(local, "important bytes", 15);
	ondisk = path_in(lv->root, "C/data/kept.txt");
	write_file(ondisk, "the old file", 12);
	res = live_put(c, local, "C:\\data\\kept.txt");
	assert_failed(res, TP_PROTOCOL, "damaged in transit");
	tp_result_free(res);
	assert_file(ondisk, "the old file", 12);	/* untouched */
	dir = path_in(lv->root, "C/data");
	assert_int_equal(leftovers(dir), 0);

	back = path_in(lv->work, "back");
	write_file(back, "local old", 9);
	res = live_get(c, "C:\\data\\kept.txt", back);
	assert_failed(res, TP_PROTOCOL, "damaged in transit");
	tp_result_free(res);
	assert_file(back, "local old", 9);		/* untouched */
	assert_int_equal(leftovers(lv->work), 0);
	live_close(c);
	free(local);
	free(ondisk);
	free(back);
	free(dir);
}

/* Input of 1 MB goes out in several Sends and comes back whole. */
static void
test_big_stdin(void **state)
{
	struct tp_exec_opts	 xo;
	struct tp_conn		*c;
	struct tp_result	*res;
	size_t			 n = 1000 * 1000;
	char			*data = pattern(n);

	(void)state;
	c = live_open();
	memset(&xo, 0, sizeof(xo));
	xo.input = data;
	xo.input_len = n;
	res = live_exec(c, "more", &xo);
	assert_ok(res);
	assert_int_equal(res->rc, 0);
	assert_int_equal(res->streams[TP_STDOUT].total, n);
	assert_memory_equal(res->streams[TP_STDOUT].data, data, n);
	tp_result_free(res);
	live_close(c);
	free(data);
}

/* A script too long for cmd.exe is uploaded, run with -File, removed. */
static void
test_long_script(void **state)
{
	struct buf		 script = BUF_INIT, cmd = BUF_INIT,
				 want = BUF_INIT;
	struct tp_conn		*c;
	struct tp_result	*res;
	char			*tempdir;
	int			 i;

	(void)state;
	for (i = 0; i < 400; i++) {
		buf_addf(&script, "Write-Output 'line %d: it''s ünïcode ✓'\n",
		    i);
		buf_addf(&want, "line %d: it's ünïcode ✓\r\n", i);
	}
	buf_adds(&script, "exit 3\n");
	assert_int_equal(winrm_ps_command(&cmd, script.data, script.len), 0);
	assert_true(cmd.len > 8191);
	c = live_open();
	res = live_exec(c, cmd.data, NULL);
	assert_ok(res);
	assert_int_equal(res->rc, 3);
	assert_string_equal(res->streams[TP_STDOUT].data, want.data);
	tp_result_free(res);
	xasprintf(&tempdir, "%s/C/Users/%s/AppData/Local/Temp", lv->root,
	    lv->host.user);
	assert_int_equal(leftovers(tempdir), 0);
	live_close(c);
	free(tempdir);
	buf_release(&script);
	buf_release(&cmd);
	buf_release(&want);
}

/*
 * Checks that need no server: they fail before the first request, on
 * the next loop turn, with a message that says what to do.
 */
static void
test_local_errors(void **state)
{
	struct tp_conn		*c;
	struct tp_result	*res;
	char			*longcmd, *back;

	(void)state;
	c = live_open();
	res = live_put(c, "/nonexistent/file", "C:\\x");
	assert_failed(res, TP_LOCAL, "cannot read /nonexistent/file");
	tp_result_free(res);
	res = live_put(c, lv->work, "C:\\x");
	assert_failed(res, TP_LOCAL, "not a regular file");
	tp_result_free(res);
	back = path_in(lv->work, "x");
	res = live_get(c, "C:\\bad\npath", back);
	assert_failed(res, TP_LOCAL, "control character");
	tp_result_free(res);
	res = live_get(c, "C:\\x", "/nonexistent/dir/x");
	assert_failed(res, TP_LOCAL, "cannot create /nonexistent/dir/");
	tp_result_free(res);
	assert_int_equal(leftovers(lv->work), 0);

	longcmd = xmalloc(9001);
	memset(longcmd, 'a', 9000);
	memcpy(longcmd, "echo ", 5);
	longcmd[9000] = '\0';
	res = live_exec(c, longcmd, NULL);
	assert_failed(res, TP_LOCAL, "cmd.exe takes at most 8191");
	tp_result_free(res);
	tp_free(c);
	free(longcmd);
	free(back);
}

int
main(void)
{
	const struct CMUnitTest offline[] = {
		cmocka_unit_test_setup_teardown(test_local_errors,
		    offline_setup, live_teardown),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test_setup_teardown(test_local_errors,
		    offline_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_small,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_big,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_put_replace_and_env,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_put_get_errors,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt,
		    corrupt_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_big_stdin,
		    live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_long_script,
		    live_setup, live_teardown),
		/* Old Windows: 150 KiB requests, read or assumed. */
		cmocka_unit_test_setup_teardown(test_round_trip_big,
		    small_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_big_stdin,
		    small_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_big,
		    noconfig_setup, live_teardown),
	};

	if (getenv("LB_WINRM_PORT") == NULL ||
	    getenv("LB_WINRM_ROOT") == NULL ||
	    getenv("LB_WINRM_SMALL_PORT") == NULL) {
		printf("# live tests need tests/winrm-server.py: "
		    "tests/t0120-winrm.sh runs them\n");
		return cmocka_run_group_tests(offline, NULL, NULL);
	}
	return cmocka_run_group_tests(live, NULL, NULL);
}
