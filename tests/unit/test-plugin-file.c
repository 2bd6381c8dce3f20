/*
 * Unit tests for the file plugin (plugins/file.c), loaded as lifeboat
 * loads it: its argument checks, the scripts it builds for both shells
 * (every value only ever a quoted word), its verdicts on replies as
 * hosts write them (CRLF, banners, missing lines, huge output), and the
 * sh script itself, run by /bin/sh on a scratch directory of files whose
 * names hold blanks, quotes, newlines, "$(...)" and a leading '-'.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "plugin.h"
#include "xmalloc.h"

#define HELLO_SHA256 \
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

static struct plugin	*file;
static char		 tmpdir[PATH_MAX];

static const struct lb_facts sh = { "h", "linux", "", -1, LB_SHELL_SH };
static const struct lb_facts ps = { "w", "windows", "", -1,
				    LB_SHELL_POWERSHELL };

static int
setup(void **state)
{
	const char	*path = getenv("LIFEBOAT_PLUGIN_PATH");
	char		 why[256];

	if (plugin_load("file", path ? path : "build/plugins", &file, why,
	    sizeof why) != 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lb-file.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 r;

	plugin_unload(file);
	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

/* snprintf() without gcc's worry that a path may not fit. */
static void __attribute__((format(printf, 3, 4)))
pf(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Whether line is one of the lines of s. */
static bool
has_line(const char *s, const char *line)
{
	char	*all, *want;
	bool	 r;

	xasprintf(&all, "\n%s\n", s);
	xasprintf(&want, "\n%s\n", line);
	r = strstr(all, want) != NULL;
	free(all);
	free(want);
	return r;
}

/* Up to three arguments; NULL keys end the list early. */
static struct lb_args
args3(struct lb_arg *v, const char *k0, const char *v0, const char *k1,
    const char *v1, const char *k2, const char *v2)
{
	struct lb_args	 a = { v, 0 };

	if (k0 != NULL)
		v[a.n++] = (struct lb_arg){ k0, v0 };
	if (k1 != NULL)
		v[a.n++] = (struct lb_arg){ k1, v1 };
	if (k2 != NULL)
		v[a.n++] = (struct lb_arg){ k2, v2 };
	return a;
}

/* plugin_check_args(): 0, or the message, which must contain want. */
static void
check(struct lb_args a, const char *want, const char *wantkey)
{
	const char	*key;
	char		 why[256];
	int		 r;

	r = plugin_check_args(file, &a, &key, why, sizeof why);
	if (want == NULL) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, LB_ERR_INVALID);
	if (strstr(why, want) == NULL)
		fail_msg("'%s' not in '%s'", want, why);
	if (wantkey == NULL)
		assert_null(key);
	else
		assert_string_equal(key, wantkey);
}

static void
test_check(void **state)
{
	struct lb_arg	 v[3];

	check(args3(v, "path", "/tmp/x", NULL, NULL, NULL, NULL), NULL,
	    NULL);
	check(args3(v, "path", "C:\\drivers\\C-00000291*.sys", "state",
	    "absent", NULL, NULL), NULL, NULL);
	check(args3(v, "path", "/x", "state", "checksum", "sha256",
	    HELLO_SHA256), NULL, NULL);
	check(args3(v, "path", "/x", "state", "checksum", "sha256",
	    "5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03"),
	    NULL, NULL);
	check(args3(v, "state", "absent", NULL, NULL, NULL, NULL),
	    "file: path is required", "path");
	check(args3(v, "path", "", NULL, NULL, NULL, NULL),
	    "file: path is empty", "path");
	check(args3(v, "path", "/tmp/*/x", NULL, NULL, NULL, NULL),
	    "file: path has a wildcard before its last component", "path");
	check(args3(v, "path", "C:\\dr?vers\\x.sys", NULL, NULL, NULL, NULL),
	    "wildcard before its last component", "path");
	check(args3(v, "path", "/tmp/", NULL, NULL, NULL, NULL),
	    "file: path names a directory", "path");
	check(args3(v, "path", "/x", "state", "gone", NULL, NULL),
	    "file: state must be absent, present or checksum", "state");
	check(args3(v, "path", "/x", "state", "checksum", "sha256", "abc"),
	    "file: sha256 must be 64 hexadecimal digits", "sha256");
	check(args3(v, "path", "/x", "state", "absent", "sha256",
	    HELLO_SHA256), "file: sha256 goes with state checksum",
	    "sha256");
	check(args3(v, "path", "/x", "stat", "absent", NULL, NULL),
	    "file: unknown argument 'stat' (did you mean 'state'?)", "stat");
	check(args3(v, "pth", "/x", NULL, NULL, NULL, NULL),
	    "(did you mean 'path'?)", "pth");
	/* What a template may become is checked when it has. */
	check(args3(v, "path", "{{ vars.dir }}/*/x", "state", "{{ s }}",
	    "sha256", "{{ vars.sum }}"), NULL, NULL);
}

/* Builds a script; returns it (caller frees) or NULL with why. */
static char *
build(const struct lb_facts *facts, struct lb_args a, char *why,
    size_t whylen)
{
	struct buf	 b = BUF_INIT;

	buf_adds(&b, "");
	if (plugin_build(file, &a, facts, &b, why, whylen) != 0) {
		assert_int_equal(b.len, 0);
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The number of times needle is in s. */
static size_t
count(const char *s, const char *needle)
{
	size_t	 n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

static void
test_build_quoted(void **state)
{
	static const char hostile[] = "/srv/it's/'; rm -rf ~ #$(id)*";
	struct lb_arg	 v[3];
	char		 why[256];
	char		*s;

	s = build(&sh, args3(v, "path", hostile, "state", "absent", NULL,
	    NULL), why, sizeof why);
	assert_non_null(s);
	/* Each value once, as one single-quoted word. */
	assert_non_null(strstr(s, "\nd='/srv/it'\\''s/'\n"));
	assert_non_null(strstr(s, "\np='/srv/it'\\''s/'\n"));
	assert_non_null(strstr(s, "\ng=''\\''; rm -rf ~ #$(id)*'\n"));
	assert_int_equal(count(s, "rm -rf ~"), 1);
	assert_int_equal(count(s, "$(id)"), 1);
	assert_int_equal(count(s, "it'\\''s"), 2);
	/* The pattern is expanded in one place, with globbing on. */
	assert_non_null(strstr(s, "\tIFS=\n\tset +f\n\tfor f in $g; do\n"
	    "\t\tset -f\n"));
	assert_int_equal(count(s, "$g"), 1);
	assert_non_null(strstr(s, "rm -f -- \"$f\""));
	free(s);

	s = build(&ps, args3(v, "path", "C:\\Temp\\it's\\'; rm -rf ~ "
	    "#$(id)*.sys", "state", "absent", NULL, NULL), why, sizeof why);
	assert_non_null(s);
	assert_non_null(strstr(s, "\n$d = 'C:\\Temp\\it''s\\'\n"));
	assert_non_null(strstr(s, "\n$g = '''; rm -rf ~ #$(id)*.sys'\n"));
	assert_int_equal(count(s, "rm -rf ~"), 1);
	assert_int_equal(count(s, "$(id)"), 1);
	assert_non_null(strstr(s, "Get-ChildItem -LiteralPath $d -Filter $g "
	    "-File -Force -ErrorAction SilentlyContinue"));
	assert_non_null(strstr(s, "Remove-Item -LiteralPath $f.FullName"));
	/* No prefix variable on Windows: paths come back whole. */
	assert_null(strstr(s, "$p ="));
	free(s);

	/* The other states. */
	s = build(&ps, args3(v, "path", "C:\\x.sys", "state", "checksum",
	    NULL, NULL), why, sizeof why);
	assert_non_null(strstr(s, "Get-FileHash -LiteralPath $one.FullName "
	    "-Algorithm SHA256"));
	assert_null(strstr(s, "Remove-Item"));
	free(s);
	s = build(&sh, args3(v, "path", "x", NULL, NULL, NULL, NULL), why,
	    sizeof why);
	assert_non_null(strstr(s, "# lifeboat file: present\nd='.'\np=''\n"
	    "g='x'\n"));
	assert_null(strstr(s, "rm -f"));
	free(s);
}

static void
test_build_refused(void **state)
{
	struct lb_arg	 v[3];
	char		 why[256];

	/* A template that became a wildcard in the directory. */
	assert_null(build(&sh, args3(v, "path", "/tmp/*/x", NULL, NULL, NULL,
	    NULL), why, sizeof why));
	assert_string_equal(why, "file: path has a wildcard before its last "
	    "component");
	/* A '\' separates on Windows only. */
	assert_null(build(&ps, args3(v, "path", "C:\\a*\\x", NULL, NULL,
	    NULL, NULL), why, sizeof why));
	/* And on sh too, as check() cannot tell the shell. */
	assert_null(build(&sh, args3(v, "path", "/tmp/a*\\x", NULL, NULL,
	    NULL, NULL), why, sizeof why));
	/* A '/' separates on Windows too. */
	assert_null(build(&ps, args3(v, "path", "C:/a*/x", NULL, NULL, NULL,
	    NULL), why, sizeof why));
	assert_null(build(&sh, args3(v, "path", "/x", "state", "{{ s }}",
	    NULL, NULL), why, sizeof why));
	assert_string_equal(why, "file: state must be absent, present or "
	    "checksum");
	assert_null(build(&ps, args3(v, "path", "C:\\\xff.sys", NULL, NULL,
	    NULL, NULL), why, sizeof why));
	assert_string_equal(why, "file: a value is not valid UTF-8 text");
}

/* Parses a reply; out is the result, which the caller releases. */
static void
parse(const char *state, const char *sha, int rc, const char *out,
    const char *err, struct plugin_result *res)
{
	struct lb_arg	 v[3];
	struct lb_args	 a;
	struct lb_reply	 reply = { rc, out, strlen(out), err, strlen(err) };

	a = args3(v, "path", "/srv/x*", state ? "state" : NULL, state,
	    sha ? "sha256" : NULL, sha);
	assert_int_equal(plugin_parse(file, &a, &sh, &reply, res), 0);
}

static const char *
get(const struct plugin_result *r, const char *key)
{
	const char	*s = plugin_result_get(r, key);

	if (s == NULL)
		fail_msg("no value '%s'", key);
	return s;
}

static void
test_parse_absent(void **state)
{
	struct plugin_result	 r;

	/* A Windows reply: CRLF, a banner, a progress line. */
	parse("absent", NULL, 0, "Welcome to SRV01\r\n"
	    "lb-file: not ours\r\n"
	    "lb-file removed C:\\drivers\\C-00000291-a.sys\r\n"
	    "lb-file removed C:\\drivers\\C-00000291-b.sys\r\n"
	    "lb-file matched 2\r\nlb-file remaining 0\r\n", "", &r);
	assert_int_equal(r.verdict, LB_CHANGED);
	assert_null(r.reason);
	assert_string_equal(get(&r, "matched"), "2");
	assert_string_equal(get(&r, "removed"), "2");
	assert_string_equal(get(&r, "remaining"), "0");
	assert_string_equal(get(&r, "paths"),
	    "C:\\drivers\\C-00000291-a.sys\nC:\\drivers\\C-00000291-b.sys");
	assert_null(plugin_result_get(&r, "exists"));
	plugin_result_release(&r);

	/* Nothing there: nothing to do. */
	parse("absent", NULL, 0, "lb-file matched 0\nlb-file remaining 0",
	    "", &r);
	assert_int_equal(r.verdict, LB_OK);
	assert_string_equal(get(&r, "removed"), "0");
	assert_string_equal(get(&r, "paths"), "");
	plugin_result_release(&r);

	/* Some stayed. */
	parse("absent", NULL, 0, "lb-file removed /srv/x1\n"
	    "lb-file left /srv/x2\nlb-file left /srv/x\x1b[2J3\n"
	    "lb-file matched 3\nlb-file remaining 2\n",
	    "rm: cannot remove '/srv/x2': Permission denied\n", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "2 files remain: /srv/x2, /srv/x?[2J3");
	assert_string_equal(get(&r, "remaining"), "2");
	assert_string_equal(get(&r, "removed"), "1");
	assert_string_equal(get(&r, "paths"), "/srv/x1");
	plugin_result_release(&r);

	parse("absent", NULL, 0, "lb-file left /a\nlb-file matched 1\n"
	    "lb-file remaining 1\n", "", &r);
	assert_string_equal(r.reason, "1 file remains: /a");
	plugin_result_release(&r);

	/* Cut short: no summary, no verdict but failure. */
	parse("absent", NULL, 0, "lb-file removed /srv/x1\n"
	    "lb-file matched 1\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "the script did not report back");
	plugin_result_release(&r);
}

static void
test_parse_present(void **state)
{
	struct plugin_result	 r;

	parse("present", NULL, 0, "lb-file match /srv/x1\r\n"
	    "lb-file match /srv/x 2\r\nlb-file matched 2\r\n", "", &r);
	assert_int_equal(r.verdict, LB_OK);
	assert_string_equal(get(&r, "exists"), "true");
	assert_string_equal(get(&r, "matched"), "2");
	assert_string_equal(get(&r, "paths"), "/srv/x1\n/srv/x 2");
	assert_null(plugin_result_get(&r, "removed"));
	plugin_result_release(&r);

	parse(NULL, NULL, 0, "motd\nlb-file matched 0\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "no file matches /srv/x*");
	assert_string_equal(get(&r, "exists"), "false");
	plugin_result_release(&r);

	/* A count that is not one is no count. */
	parse(NULL, NULL, 0, "lb-file matched 2x\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_null(plugin_result_get(&r, "matched"));
	plugin_result_release(&r);
}

static void
test_parse_checksum(void **state)
{
	struct plugin_result	 r;
	const char		*one = "lb-file match /srv/x1\n"
	    "lb-file sha256 " HELLO_SHA256 " /srv/x1\nlb-file matched 1\n";

	parse("checksum", NULL, 0, one, "", &r);
	assert_int_equal(r.verdict, LB_OK);
	assert_string_equal(get(&r, "sha256"), HELLO_SHA256);
	assert_string_equal(get(&r, "paths"), "/srv/x1");
	plugin_result_release(&r);

	parse("checksum", "5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D0"
	    "8286A2E846F6BE03", 0, one, "", &r);
	assert_int_equal(r.verdict, LB_OK);
	plugin_result_release(&r);

	parse("checksum", "00000000000000000000000000000000000000000000000"
	    "00000000000000000", 0, one, "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "sha256 of /srv/x1 is " HELLO_SHA256
	    ", expected 0000000000000000000000000000000000000000000000000000"
	    "000000000000");
	assert_string_equal(get(&r, "sha256"), HELLO_SHA256);
	plugin_result_release(&r);

	parse("checksum", NULL, 0, "lb-file match /a\nlb-file match /b\n"
	    "lb-file matched 2\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "2 files match /srv/x*, a checksum is "
	    "of one");
	assert_null(plugin_result_get(&r, "sha256"));
	plugin_result_release(&r);

	parse("checksum", NULL, 0, "lb-file matched 0\n", "", &r);
	assert_string_equal(r.reason, "no file matches /srv/x*");
	plugin_result_release(&r);

	parse("checksum", NULL, 0, "lb-file match /a\nlb-file unreadable /a\n"
	    "lb-file matched 1\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "cannot read /a");
	plugin_result_release(&r);

	/* A line that is not a checksum is not one. */
	parse("checksum", NULL, 0, "lb-file sha256 12ab /a\n"
	    "lb-file matched 1\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_null(plugin_result_get(&r, "sha256"));
	plugin_result_release(&r);
}

static void
test_parse_broken(void **state)
{
	struct plugin_result	 r;
	struct buf		 big = BUF_INIT;
	struct lb_arg		 v[3];
	struct lb_args		 a;
	struct lb_reply		 reply;
	const char		*paths;
	int			 i;

	/* The shell failed: stderr's first line says why. */
	parse("absent", NULL, 127, "", "\n  sh: 1: set: Illegal option -f\n"
	    "more\n", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "sh: 1: set: Illegal option -f");
	plugin_result_release(&r);
	parse("absent", NULL, 3, "junk\n", "", &r);
	assert_string_equal(r.reason, "the script exited with 3");
	plugin_result_release(&r);
	parse("present", NULL, 0, "", "", &r);
	assert_string_equal(r.reason, "the script did not report back");
	plugin_result_release(&r);
	/* The script's own error wins. */
	parse("absent", NULL, 1, "lb-file error cannot enter the directory\n",
	    "cd: permission denied", &r);
	assert_string_equal(r.reason, "cannot enter the directory");
	plugin_result_release(&r);

	/* 100000 files removed: all counted, the list capped. */
	for (i = 0; i < 100000; i++)
		buf_addf(&big, "lb-file removed /var/tmp/evil-%06d\r\n", i);
	buf_addf(&big, "lb-file matched 100000\nlb-file remaining 0\n");
	parse("absent", NULL, 0, buf_str(&big), "", &r);
	assert_int_equal(r.verdict, LB_CHANGED);
	assert_string_equal(get(&r, "removed"), "100000");
	paths = get(&r, "paths");
	assert_true(strlen(paths) <= 16384);
	assert_memory_equal(paths, "/var/tmp/evil-000000\n"
	    "/var/tmp/evil-000001\n", 42);
	assert_non_null(strstr(paths, " more)"));
	plugin_result_release(&r);

	/* One line of 4 MiB, NUL bytes, no line end at all. */
	buf_reset(&big);
	buf_adds(&big, "lb-file match /");
	for (i = 0; i < 4 * 1024 * 1024; i++)
		buf_addc(&big, i % 1000 == 0 ? '\0' : 'a');
	a = args3(v, "path", "/x", NULL, NULL, NULL, NULL);
	reply = (struct lb_reply){ 0, big.data, big.len, big.data, big.len };
	assert_int_equal(plugin_parse(file, &a, &sh, &reply, &r), 0);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_true(strlen(r.reason) < 1024);
	plugin_result_release(&r);
	buf_release(&big);
}

/* Runs script with /bin/sh on its stdin; stdout into out. */
static int
run_sh(const char *script, struct buf *out, struct buf *err)
{
	char	 in[PATH_MAX], o[PATH_MAX], e[PATH_MAX], *cmd;
	FILE	*f;
	int	 st;

	pf(in, sizeof in, "%s.in", tmpdir);
	pf(o, sizeof o, "%s.out", tmpdir);
	pf(e, sizeof e, "%s.err", tmpdir);
	f = fopen(in, "w");
	assert_non_null(f);
	fputs(script, f);
	fclose(f);
	/* From a directory of its own, where "pwned" would show. */
	xasprintf(&cmd, "cd '%s' && /bin/sh -s <'%s' >'%s' 2>'%s'", tmpdir,
	    in, o, e);
	st = system(cmd);
	free(cmd);
	buf_reset(out);
	buf_reset(err);
	assert_int_equal(buf_read_file(out, o, 1 << 20), 0);
	assert_int_equal(buf_read_file(err, e, 1 << 20), 0);
	unlink(in);
	unlink(o);
	unlink(e);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
touch(const char *dir, const char *name, const char *text)
{
	char	 path[PATH_MAX];
	FILE	*f;

	pf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool
exists(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	pf(path, sizeof path, "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

/* Builds for path and state, runs it, parses what it printed. */
static void
run(const char *path, const char *state, const char *sha,
    struct plugin_result *r)
{
	struct buf	 out = BUF_INIT, err = BUF_INIT;
	struct lb_arg	 v[3];
	struct lb_args	 a;
	struct lb_reply	 reply;
	char		 why[256];
	char		*s;

	a = args3(v, "path", path, "state", state, sha ? "sha256" : NULL,
	    sha);
	s = build(&sh, a, why, sizeof why);
	if (s == NULL)
		fail_msg("%s", why);
	reply.rc = run_sh(s, &out, &err);
	reply.out = out.data;
	reply.out_len = out.len;
	reply.err = buf_str(&err);
	reply.err_len = err.len;
	assert_int_equal(plugin_parse(file, &a, &sh, &reply, r), 0);
	free(s);
	buf_release(&out);
	buf_release(&err);
}

static void
test_run_sh(void **state)
{
	static const char *const doomed[] = {
		"a b.tmp", "it's.tmp", "new\nline.tmp", "-n.tmp",
		"$(touch pwned).tmp", "`touch pwned`.tmp", "*.tmp", "\\.tmp",
		".hidden.tmp",
	};
	struct plugin_result	 r;
	char			 dir[PATH_MAX], path[PATH_MAX], sub[PATH_MAX];
	const char		*paths;
	size_t			 i;

	/* A directory whose name is hostile too (but for wildcards). */
	pf(dir, sizeof dir, "%s/it's a \"dir\" $(touch pwned)", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof doomed / sizeof *doomed; i++)
		touch(dir, doomed[i], "x\n");
	touch(dir, "keep.txt", "hello\n");
	touch(dir, "keep2.txt", "hello\n");
	pf(sub, sizeof sub, "%s/dir.tmp", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	touch(sub, "inner.tmp", "x\n");
	assert_int_equal(symlink("keep.txt", strcat(strcpy(path, dir),
	    "/link.tmp")), 0);

	pf(path, sizeof path, "%s/*.tmp", dir);
	run(path, "present", NULL, &r);
	assert_int_equal(r.verdict, LB_OK);
	/* sh's '*' does not match a leading '.'; the directory is no file. */
	assert_string_equal(get(&r, "matched"), "9");
	assert_string_equal(get(&r, "exists"), "true");
	plugin_result_release(&r);

	run(path, "absent", NULL, &r);
	assert_int_equal(r.verdict, LB_CHANGED);
	assert_string_equal(get(&r, "matched"), "9");
	assert_string_equal(get(&r, "removed"), "9");
	assert_string_equal(get(&r, "remaining"), "0");
	paths = get(&r, "paths");
	assert_int_equal(count(paths, "\n"), 8);
	pf(path, sizeof path, "%s/new?line.tmp", dir);
	assert_true(has_line(paths, path));
	pf(path, sizeof path, "%s/-n.tmp", dir);
	assert_true(has_line(paths, path));
	pf(path, sizeof path, "%s/$(touch pwned).tmp", dir);
	assert_true(has_line(paths, path));
	plugin_result_release(&r);
	for (i = 0; i < sizeof doomed / sizeof *doomed; i++) {
		if (doomed[i][0] != '.' && exists(dir, doomed[i]))
			fail_msg("'%s' is still there", doomed[i]);
	}
	assert_false(exists(dir, "link.tmp"));
	assert_true(exists(dir, ".hidden.tmp"));
	assert_true(exists(dir, "keep.txt"));
	assert_true(exists(sub, "inner.tmp"));
	assert_false(exists(tmpdir, "pwned"));
	assert_false(exists(dir, "pwned"));

	/* Again: nothing left to do. */
	pf(path, sizeof path, "%s/*.tmp", dir);
	run(path, "absent", NULL, &r);
	assert_int_equal(r.verdict, LB_OK);
	assert_string_equal(get(&r, "matched"), "0");
	plugin_result_release(&r);

	/* The pattern, not a file of that name, unless there is one. */
	pf(path, sizeof path, "%s/keep?.txt", dir);
	run(path, "checksum", HELLO_SHA256, &r);
	assert_int_equal(r.verdict, LB_OK);
	assert_string_equal(get(&r, "sha256"), HELLO_SHA256);
	pf(path, sizeof path, "%s/keep2.txt", dir);
	assert_string_equal(get(&r, "paths"), path);
	plugin_result_release(&r);
	pf(path, sizeof path, "%s/keep*.txt", dir);
	run(path, "checksum", NULL, &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_non_null(strstr(r.reason, "2 files match"));
	plugin_result_release(&r);
	pf(path, sizeof path, "%s/keep.txt", dir);
	run(path, "checksum", "00000000000000000000000000000000000000000000"
	    "00000000000000000000", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_non_null(strstr(r.reason, "is " HELLO_SHA256 ", expected 0"));
	plugin_result_release(&r);

	/* A directory that is not there holds nothing. */
	run("/nonexistent/dir/x*", "absent", NULL, &r);
	assert_int_equal(r.verdict, LB_OK);
	assert_string_equal(get(&r, "matched"), "0");
	plugin_result_release(&r);
	run("/nonexistent/dir/x*", "present", NULL, &r);
	assert_int_equal(r.verdict, LB_FAILED);
	assert_string_equal(r.reason, "no file matches /nonexistent/dir/x*");
	plugin_result_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_build_quoted),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_parse_absent),
		cmocka_unit_test(test_parse_present),
		cmocka_unit_test(test_parse_checksum),
		cmocka_unit_test(test_parse_broken),
		cmocka_unit_test(test_run_sh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
