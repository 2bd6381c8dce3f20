/*
 * Unit tests for the service plugin (plugins/service.c), loaded as
 * lifeboat loads it: its argument checks, the scripts it builds for both
 * shells, its verdicts on replies as systemd and Windows hosts write
 * them, and the sh script itself, run by /bin/sh against a fake
 * systemctl (a shell script on PATH that keeps each unit's state in a
 * file and logs what it was asked), so that what the script does, and
 * what it leaves alone, is seen.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "plugin.h"
#include "xmalloc.h"

static struct plugin	*svc;
static char		 tmpdir[64];

static const struct lb_facts sh = { "h", "linux", "", -1, LB_SHELL_SH };
static const struct lb_facts ps = { "w", "windows", "", -1,
				    LB_SHELL_POWERSHELL };

/*
 * The fake systemctl: units are files in $FAKE_UNITS holding their
 * ActiveState; "broken" cannot start.  Every call is logged.
 */
static const char fake_systemctl[] =
	"#!/bin/sh\n"
	"echo \"$*\" >>\"$FAKE_UNITS/log\"\n"
	"verb=$1; shift\n"
	"[ \"$verb\" = show ] && shift 2\n"
	"[ \"$1\" = -- ] && shift\n"
	"u=\"$FAKE_UNITS/$1\"\n"
	"case $verb in\n"
	"show) if [ -f \"$u\" ]; then echo LoadState=loaded;\n"
	"\telse echo LoadState=not-found; fi ;;\n"
	"is-active) s=inactive; [ -f \"$u\" ] && s=$(cat \"$u\"); echo $s\n"
	"\t[ \"$s\" = active ] ;;\n"
	"start|restart) if [ \"$1\" = broken ]; then\n"
	"\techo failed >\"$u\"\n"
	"\techo \"Job for broken.service failed because the control process "
	    "exited with error code.\" >&2; exit 1; fi\n"
	"\techo active >\"$u\" ;;\n"
	"stop) echo inactive >\"$u\" ;;\n"
	"esac\n";

static int
setup(void **state)
{
	const char	*path = getenv("LIFEBOAT_PLUGIN_PATH");
	char		 why[256], f[128];
	FILE		*fp;

	if (plugin_load("service", path ? path : "build/plugins", &svc, why,
	    sizeof why) != 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lb-service.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(f, sizeof f, "%s/systemctl", tmpdir);
	if ((fp = fopen(f, "w")) == NULL)
		return -1;
	fputs(fake_systemctl, fp);
	fclose(fp);
	return chmod(f, 0755);
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 r;

	plugin_unload(svc);
	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static struct lb_args
args2(struct lb_arg *v, const char *name, const char *state)
{
	struct lb_args	 a = { v, 0 };

	if (name != NULL)
		v[a.n++] = (struct lb_arg){ "name", name };
	if (state != NULL)
		v[a.n++] = (struct lb_arg){ "state", state };
	return a;
}

static void
check(struct lb_args a, const char *want, const char *wantkey)
{
	const char	*key;
	char		 why[256];
	int		 r;

	r = plugin_check_args(svc, &a, &key, why, sizeof why);
	if (want == NULL) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, LB_ERR_INVALID);
	assert_string_equal(why, want);
	assert_string_equal(key, wantkey);
}

static void
test_check(void **state)
{
	struct lb_arg	 v[2], bad = { "nmae", "sshd" };
	struct lb_args	 a = { &bad, 1 };

	check(args2(v, "sshd", NULL), NULL, NULL);
	check(args2(v, "getty@tty1.service", "restarted"), NULL, NULL);
	check(args2(v, "NT:Svc_1-x", "running"), NULL, NULL);
	check(args2(v, "{{ vars.svc }}", "{{ vars.how }}"), NULL, NULL);
	check(args2(v, NULL, "running"), "service: name is required",
	    "name");
	check(args2(v, "a b", NULL), "service: name must be letters, digits "
	    "and @._:- (at most 256)", "name");
	check(args2(v, "-x", NULL), "service: name must be letters, digits "
	    "and @._:- (at most 256)", "name");
	check(args2(v, "ssh*", NULL), "service: name must be letters, digits "
	    "and @._:- (at most 256)", "name");
	check(args2(v, "sshd", "started"), "service: state must be running, "
	    "stopped, restarted or status", "state");
	check(a, "service: unknown argument 'nmae' (did you mean 'name'?)",
	    "nmae");
}

static char *
build(const struct lb_facts *facts, struct lb_args a, char *why,
    size_t whylen)
{
	struct buf	 b = BUF_INIT;

	buf_adds(&b, "");
	if (plugin_build(svc, &a, facts, &b, why, whylen) != 0) {
		assert_int_equal(b.len, 0);
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
test_build(void **state)
{
	struct lb_arg	 v[2];
	char		 why[256];
	char		*s;

	s = build(&sh, args2(v, "sshd", "running"), why, sizeof why);
	assert_non_null(s);
	assert_non_null(strstr(s, "# lifeboat service: running\nn='sshd'\n"));
	assert_non_null(strstr(s, "systemctl start -- \"$n\""));
	assert_null(strstr(s, "systemctl stop"));
	free(s);
	s = build(&sh, args2(v, "sshd", NULL), why, sizeof why);
	assert_non_null(strstr(s, "# lifeboat service: status\n"));
	assert_null(strstr(s, "systemctl start"));
	assert_null(strstr(s, "systemctl restart"));
	free(s);
	s = build(&ps, args2(v, "Spooler", "stopped"), why, sizeof why);
	assert_non_null(strstr(s, "\n$n = 'Spooler'\n"));
	assert_non_null(strstr(s, "Stop-Service -Name $n"));
	assert_non_null(strstr(s, "Get-Service -Name $n"));
	assert_null(strstr(s, "Start-Service"));
	free(s);
	s = build(&ps, args2(v, "Spooler", "restarted"), why, sizeof why);
	assert_non_null(strstr(s, "Restart-Service -Name $n"));
	free(s);

	/* A template that became something else is refused now. */
	assert_null(build(&sh, args2(v, "x'; rm -rf ~ #$(id)", "running"),
	    why, sizeof why));
	assert_string_equal(why, "service: name must be letters, digits and "
	    "@._:- (at most 256)");
	assert_null(build(&ps, args2(v, "sshd", "up"), why, sizeof why));
	assert_null(build(&ps, args2(v, NULL, NULL), why, sizeof why));
	assert_string_equal(why, "service: name is required");
}

static void
parse(const char *name, const char *state, int rc, const char *out,
    const char *err, struct plugin_result *r)
{
	struct lb_arg	 v[2];
	struct lb_args	 a = args2(v, name, state);
	struct lb_reply	 reply = { rc, out, strlen(out), err, strlen(err) };

	assert_int_equal(plugin_parse(svc, &a, &sh, &reply, r), 0);
}

static void
expect(const struct plugin_result *r, enum lb_verdict v,
    const char *before, const char *after, const char *changed)
{
	assert_int_equal(r->verdict, v);
	if (before == NULL)
		assert_null(plugin_result_get(r, "before"));
	else
		assert_string_equal(plugin_result_get(r, "before"), before);
	if (after == NULL)
		assert_null(plugin_result_get(r, "state"));
	else
		assert_string_equal(plugin_result_get(r, "state"), after);
	assert_string_equal(plugin_result_get(r, "changed"), changed);
}

static void
test_parse(void **state)
{
	struct plugin_result	 r;

	/* Windows: CRLF, .NET's words, a banner. */
	parse("Spooler", "running", 0, "#< CLIXML\r\n"
	    "lb-service before Stopped\r\nlb-service after Running\r\n", "",
	    &r);
	expect(&r, LB_CHANGED, "stopped", "running", "true");
	assert_null(r.reason);
	plugin_result_release(&r);

	parse("sshd", "running", 0, "lb-service before active\n"
	    "lb-service after active\n", "", &r);
	expect(&r, LB_OK, "running", "running", "false");
	plugin_result_release(&r);

	parse("sshd", "stopped", 0, "lb-service before activating\n"
	    "lb-service after inactive\n", "", &r);
	expect(&r, LB_CHANGED, "starting", "stopped", "true");
	plugin_result_release(&r);

	parse("sshd", "restarted", 0, "lb-service before active\n"
	    "lb-service after active\n", "", &r);
	expect(&r, LB_CHANGED, "running", "running", "true");
	plugin_result_release(&r);

	/* status only looks. */
	parse("sshd", NULL, 0, "lb-service before StopPending\n"
	    "lb-service after StopPending\n", "", &r);
	expect(&r, LB_OK, "stopping", "stopping", "false");
	plugin_result_release(&r);
	parse("sshd", "status", 0, "lb-service before Paused\n"
	    "lb-service after frobnicated\n", "", &r);
	expect(&r, LB_OK, "unknown", "unknown", "false");
	plugin_result_release(&r);

	/* Not in the wanted state: the tool's own words say why. */
	parse("broken", "running", 0, "lb-service before failed\n"
	    "lb-service after failed\n", "Job for broken.service failed.\n",
	    &r);
	expect(&r, LB_FAILED, "stopped", "stopped", "false");
	assert_string_equal(r.reason, "'broken' is stopped, wanted running: "
	    "Job for broken.service failed.");
	plugin_result_release(&r);
	parse("svc", "stopped", 0, "lb-service before running\r\n"
	    "lb-service after stopping\r\n", "", &r);
	expect(&r, LB_FAILED, "running", "stopping", "true");
	assert_string_equal(r.reason, "'svc' is stopping, wanted stopped");
	plugin_result_release(&r);

	parse("nope", "stopped", 0, "lb-service before missing\n"
	    "lb-service after missing\n", "", &r);
	expect(&r, LB_FAILED, "missing", "missing", "false");
	assert_string_equal(r.reason, "no service 'nope'");
	plugin_result_release(&r);

	/* No answer. */
	parse("sshd", "running", 127, "", "sh: 1: systemctl: not found\n",
	    &r);
	expect(&r, LB_FAILED, NULL, NULL, "false");
	assert_string_equal(r.reason, "sh: 1: systemctl: not found");
	plugin_result_release(&r);
	parse("sshd", "running", 1, "lb-service error no systemctl on this "
	    "host\n", "", &r);
	assert_string_equal(r.reason, "no systemctl on this host");
	plugin_result_release(&r);
	parse("sshd", "running", 0, "lb-service before active\n", "", &r);
	expect(&r, LB_FAILED, "running", NULL, "false");
	assert_string_equal(r.reason, "the script did not report back");
	plugin_result_release(&r);
	parse("sshd", "running", 0, "lb-service before \n"
	    "lb-service after\n", "", &r);
	assert_int_equal(r.verdict, LB_FAILED);
	plugin_result_release(&r);
}

static void
test_parse_huge(void **state)
{
	struct plugin_result	 r;
	struct buf		 b = BUF_INIT;
	struct lb_arg		 v[2];
	struct lb_args		 a = args2(v, "sshd", "running");
	struct lb_reply		 reply;
	int			 i;

	for (i = 0; i < 200000; i++)
		buf_adds(&b, "Starting... junk junk junk\r\n");
	buf_adds(&b, "lb-service before inactive\nlb-service after ");
	for (i = 0; i < 100000; i++)
		buf_addc(&b, i % 7 == 0 ? '\0' : 'x');
	reply = (struct lb_reply){ 0, b.data, b.len, b.data, b.len };
	assert_int_equal(plugin_parse(svc, &a, &sh, &reply, &r), 0);
	expect(&r, LB_FAILED, "stopped", "unknown", "true");
	assert_true(strlen(r.reason) < 1024);
	plugin_result_release(&r);
	buf_release(&b);
}

/* Runs the script built for name and state against the fake systemctl. */
static void
run(const char *name, const char *state, struct plugin_result *r)
{
	struct buf	 out = BUF_INIT, err = BUF_INIT;
	struct lb_arg	 v[2];
	struct lb_args	 a = args2(v, name, state);
	struct lb_reply	 reply;
	char		 why[256], in[128], o[128], e[128];
	char		*s, *cmd;
	FILE		*f;
	int		 st;

	s = build(&sh, a, why, sizeof why);
	assert_non_null(s);
	snprintf(in, sizeof in, "%s.in", tmpdir);
	snprintf(o, sizeof o, "%s.out", tmpdir);
	snprintf(e, sizeof e, "%s.err", tmpdir);
	f = fopen(in, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
	xasprintf(&cmd, "FAKE_UNITS='%s' PATH='%s':\"$PATH\" /bin/sh -s "
	    "<'%s' >'%s' 2>'%s'", tmpdir, tmpdir, in, o, e);
	st = system(cmd);
	reply.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	assert_int_equal(buf_read_file(&out, o, 1 << 20), 0);
	assert_int_equal(buf_read_file(&err, e, 1 << 20), 0);
	reply.out = buf_str(&out);
	reply.out_len = out.len;
	reply.err = buf_str(&err);
	reply.err_len = err.len;
	assert_int_equal(plugin_parse(svc, &a, &sh, &reply, r), 0);
	unlink(in);
	unlink(o);
	unlink(e);
	free(cmd);
	free(s);
	buf_release(&out);
	buf_release(&err);
}

static void
unit(const char *name, const char *active)
{
	char	 f[128];
	FILE	*fp;

	snprintf(f, sizeof f, "%s/%s", tmpdir, name);
	fp = fopen(f, "w");
	assert_non_null(fp);
	fprintf(fp, "%s\n", active);
	fclose(fp);
}

/* The fake's log since the last call, then emptied. */
static char *
calls(void)
{
	struct buf	 b = BUF_INIT;
	char		 f[128];

	snprintf(f, sizeof f, "%s/log", tmpdir);
	buf_read_file(&b, f, 1 << 20);
	unlink(f);
	return buf_detach(&b, NULL);
}

static void
test_run_sh(void **state)
{
	struct plugin_result	 r;
	char			*log;

	unit("web.service", "inactive");
	unit("broken", "failed");
	free(calls());

	run("web.service", NULL, &r);
	expect(&r, LB_OK, "stopped", "stopped", "false");
	plugin_result_release(&r);
	log = calls();
	assert_null(strstr(log, "start"));
	free(log);

	run("web.service", "running", &r);
	expect(&r, LB_CHANGED, "stopped", "running", "true");
	plugin_result_release(&r);
	log = calls();
	assert_non_null(strstr(log, "\nstart -- web.service\n"));
	free(log);

	/* Already running: left alone. */
	run("web.service", "running", &r);
	expect(&r, LB_OK, "running", "running", "false");
	plugin_result_release(&r);
	log = calls();
	assert_null(strstr(log, "start"));
	free(log);

	run("web.service", "restarted", &r);
	expect(&r, LB_CHANGED, "running", "running", "true");
	plugin_result_release(&r);
	log = calls();
	assert_non_null(strstr(log, "\nrestart -- web.service\n"));
	free(log);

	run("web.service", "stopped", &r);
	expect(&r, LB_CHANGED, "running", "stopped", "true");
	plugin_result_release(&r);
	free(calls());

	run("broken", "running", &r);
	expect(&r, LB_FAILED, "stopped", "stopped", "false");
	assert_string_equal(r.reason, "'broken' is stopped, wanted running: "
	    "Job for broken.service failed because the control process "
	    "exited with error code.");
	plugin_result_release(&r);

	/* A unit systemd does not know is not touched. */
	free(calls());
	run("ghost.service", "restarted", &r);
	expect(&r, LB_FAILED, "missing", "missing", "false");
	assert_string_equal(r.reason, "no service 'ghost.service'");
	plugin_result_release(&r);
	log = calls();
	assert_null(strstr(log, "restart"));
	free(log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_huge),
		cmocka_unit_test(test_run_sh),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
