/*
 * The service action (lifeboat-plugin(7)): reports a service's state, or
 * brings it to running or stopped, or restarts it.
 *
 *	- service: { name: sshd, state: restarted }
 *	- service: { name: Spooler, state: stopped }
 *
 * On sh hosts the script drives systemd (systemctl); on Windows, the
 * service control manager (Get-Service and its kin).  It reports back in
 * lines of its own, which parse() reads and the rest of the output it
 * ignores:
 *
 *	lb-service before STATE		the state before the action
 *	lb-service after STATE		the state after it
 *	lb-service error TEXT		the script could not do its work
 *
 * STATE is the host's own word (systemd's ActiveState, or the .NET
 * ServiceControllerStatus), or "missing"; parse() maps it to one of
 * running, stopped, starting, stopping, unknown and missing.
 *
 * All names but lifeboat_plugin() are static and start with service_:
 * the fuzz target links this file into one program with the file plugin.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <lifeboat/plugin.h>

#define SERVICE_NAME_MAX	256
#define SERVICE_LINE_MAX	512
#define SERVICE_REASON_MAX	512

enum service_state {
	SERVICE_STATUS,
	SERVICE_RUNNING,
	SERVICE_STOPPED,
	SERVICE_RESTARTED,
};

static const char *const service_keys[] = { "name", "state", NULL };

static const char *const service_states[] = {
	[SERVICE_STATUS] = "status",
	[SERVICE_RUNNING] = "running",
	[SERVICE_STOPPED] = "stopped",
	[SERVICE_RESTARTED] = "restarted",
};

/* snprintf() for messages, where a cut is fine. */
static void __attribute__((format(printf, 3, 4)))
service_msg(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static int
service_state_of(const char *s, enum service_state *state)
{
	size_t	 i;

	if (s == NULL) {
		*state = SERVICE_STATUS;
		return 0;
	}
	for (i = 0; i < sizeof service_states / sizeof *service_states; i++) {
		if (strcmp(s, service_states[i]) == 0) {
			*state = (enum service_state)i;
			return 0;
		}
	}
	return -1;
}

/*
 * A unit or service name: [A-Za-z0-9@._:-]+, never starting with '-'
 * (an option to systemctl before its "--" was thought of).  No
 * wildcard, so Get-Service -Name finds one service at most.
 */
static bool
service_name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SERVICE_NAME_MAX)
			return false;
		if ((s[i] < 'a' || s[i] > 'z') && (s[i] < 'A' || s[i] > 'Z') &&
		    (s[i] < '0' || s[i] > '9') && strchr("@._:-", s[i]) == NULL)
			return false;
	}
	return i > 0 && s[0] != '-';
}

static int
service_check(const struct lb_args *args, const char **key, char *why,
    size_t whylen)
{
	const char		*name = lb_arg_get(args, "name");
	const char		*state = lb_arg_get(args, "state");
	enum service_state	 st;

	*key = "name";
	if (name == NULL) {
		service_msg(why, whylen, "name is required");
		return -1;
	}
	if (!lb_templated(name) && !service_name_ok(name)) {
		service_msg(why, whylen, "name must be letters, digits and "
		    "@._:- (at most %d)", SERVICE_NAME_MAX);
		return -1;
	}
	*key = "state";
	if (state != NULL && !lb_templated(state) &&
	    service_state_of(state, &st) == -1) {
		service_msg(why, whylen, "state must be running, stopped, "
		    "restarted or status");
		return -1;
	}
	*key = NULL;
	return 0;
}

/*
 * The sh script, for systemd.  A unit systemd cannot find has
 * LoadState=not-found, and is-active prints a word (inactive, failed,
 * activating, ...) even when it exits non-zero.  systemctl start, stop
 * and restart wait for their job to finish, so the state read after
 * them is the outcome.
 */
static const char service_sh_head[] =
	"command -v systemctl >/dev/null 2>&1 || {\n"
	"\techo 'lb-service error no systemctl on this host'\n"
	"\texit 1\n"
	"}\n"
	"lb_state() {\n"
	"\tcase $(systemctl show -p LoadState -- \"$n\" 2>/dev/null) in\n"
	"\tLoadState=not-found) echo missing; return ;;\n"
	"\tesac\n"
	"\ts=$(systemctl is-active -- \"$n\" 2>/dev/null)\n"
	"\techo \"${s:-unknown}\"\n"
	"}\n"
	"b=$(lb_state)\n"
	"echo \"lb-service before $b\"\n";

static const char *const service_sh_action[] = {
	[SERVICE_STATUS] = "",
	[SERVICE_RUNNING] =
	    "case $b in\n"
	    "missing|active|reloading) ;;\n"
	    "*) systemctl start -- \"$n\" ;;\n"
	    "esac\n",
	[SERVICE_STOPPED] =
	    "case $b in\n"
	    "missing|inactive|failed) ;;\n"
	    "*) systemctl stop -- \"$n\" ;;\n"
	    "esac\n",
	[SERVICE_RESTARTED] =
	    "[ \"$b\" = missing ] || systemctl restart -- \"$n\"\n",
};

static const char service_sh_tail[] =
	"echo \"lb-service after $(lb_state)\"\n"
	"exit 0\n";

/*
 * The PowerShell script.  The name has no wildcard (service_name_ok()),
 * so Get-Service -Name finds one service or none.  The cmdlets wait for
 * the service to reach its state; an error goes to stderr, and the
 * state after says whether it mattered.
 */
static const char service_ps_head[] =
	"$ProgressPreference = 'SilentlyContinue'\n"
	"function lb_state {\n"
	"\t$s = Get-Service -Name $n -ErrorAction SilentlyContinue |\n"
	"\t    Select-Object -First 1\n"
	"\tif ($s -eq $null) { 'missing' } else { [string]$s.Status }\n"
	"}\n"
	"$b = lb_state\n"
	"'lb-service before ' + $b\n"
	"try {\n";

static const char *const service_ps_action[] = {
	[SERVICE_STATUS] = "",
	[SERVICE_RUNNING] =
	    "\tif ($b -ne 'missing' -and $b -ne 'Running') {\n"
	    "\t\tStart-Service -Name $n -ErrorAction Stop\n"
	    "\t}\n",
	[SERVICE_STOPPED] =
	    "\tif ($b -ne 'missing' -and $b -ne 'Stopped') {\n"
	    "\t\tStop-Service -Name $n -Force -ErrorAction Stop\n"
	    "\t}\n",
	[SERVICE_RESTARTED] =
	    "\tif ($b -ne 'missing') {\n"
	    "\t\tRestart-Service -Name $n -Force -ErrorAction Stop\n"
	    "\t}\n",
};

static const char service_ps_tail[] =
	"} catch {\n"
	"\t[Console]::Error.WriteLine($_.Exception.Message)\n"
	"}\n"
	"'lb-service after ' + (lb_state)\n"
	"exit 0\n";

static int
service_build(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_out *out, char *why, size_t whylen)
{
	const char		*key, *name;
	enum service_state	 st;
	bool			 sh = facts->shell == LB_SHELL_SH;

	/* The values are final now: check what was a template before. */
	if (service_check(args, &key, why, whylen) == -1)
		return -1;
	name = lb_arg_get(args, "name");
	if (!service_name_ok(name) ||
	    service_state_of(lb_arg_get(args, "state"), &st) == -1) {
		service_msg(why, whylen, "bad %s", service_name_ok(name) ?
		    "state" : "name");
		return -1;
	}
	if (out->text(out->ctx, "# lifeboat service: ") == -1 ||
	    out->text(out->ctx, service_states[st]) == -1 ||
	    out->text(out->ctx, sh ? "\nn=" : "\n$n = ") == -1 ||
	    out->word(out->ctx, name) == -1 ||
	    out->text(out->ctx, "\n") == -1 ||
	    out->text(out->ctx, sh ? service_sh_head : service_ps_head) == -1 ||
	    out->text(out->ctx, sh ? service_sh_action[st] :
	    service_ps_action[st]) == -1 ||
	    out->text(out->ctx, sh ? service_sh_tail : service_ps_tail) == -1) {
		service_msg(why, whylen, "cannot write the script");
		return -1;
	}
	return 0;
}

/*
 * systemd's ActiveState and .NET's ServiceControllerStatus, in one
 * vocabulary.  A paused Windows service is neither running nor stopped.
 */
static const char *
service_normal(const char *s)
{
	static const struct {
		const char	*word;
		const char	*normal;
	} map[] = {
		{ "active", "running" },
		{ "reloading", "running" },
		{ "refreshing", "running" },
		{ "inactive", "stopped" },
		{ "failed", "stopped" },
		{ "activating", "starting" },
		{ "deactivating", "stopping" },
		{ "maintenance", "stopped" },
		{ "missing", "missing" },
		{ "running", "running" },
		{ "stopped", "stopped" },
		{ "starting", "starting" },
		{ "stopping", "stopping" },
		{ "startpending", "starting" },
		{ "continuepending", "starting" },
		{ "stoppending", "stopping" },
		{ "pausepending", "stopping" },
	};
	size_t	 i;

	for (i = 0; i < sizeof map / sizeof *map; i++) {
		if (strcasecmp(s, map[i].word) == 0)
			return map[i].normal;
	}
	return "unknown";
}

/*
 * Copies the next line of s[*off..len) into line: cut at size - 1
 * bytes, a CR before its LF dropped, other control characters (a NUL
 * too) shown as '?'.  Returns false at the end of s.
 */
static bool
service_next_line(const char *s, size_t len, size_t *off, char *line,
    size_t size)
{
	const char	*nl;
	size_t		 n, i;

	if (*off >= len)
		return false;
	nl = memchr(s + *off, '\n', len - *off);
	n = nl != NULL ? (size_t)(nl - s) - *off : len - *off;
	i = *off;
	*off += n + (nl != NULL);
	if (n > 0 && s[i + n - 1] == '\r')
		n--;
	if (n > size - 1)
		n = size - 1;
	memcpy(line, s + i, n);
	line[n] = '\0';
	for (i = 0; i < n; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	}
	return true;
}

/* The first line of stderr that is not blank, or false. */
static bool
service_stderr(const struct lb_reply *reply, char *buf, size_t size)
{
	char	 line[SERVICE_REASON_MAX];
	size_t	 off = 0, skip;

	while (service_next_line(reply->err, reply->err_len, &off, line,
	    sizeof line)) {
		skip = strspn(line, " ");
		if (line[skip] != '\0') {
			service_msg(buf, size, "%s", line + skip);
			return true;
		}
	}
	return false;
}

/* The reason a reply is not an answer: the script's, stderr's or rc. */
static void
service_no_answer(const struct lb_reply *reply, const char *error,
    char *reason, size_t size)
{
	if (error[0] != '\0')
		service_msg(reason, size, "%s", error);
	else if (service_stderr(reply, reason, size))
		return;
	else if (reply->rc != 0) {
		service_msg(reason, size, "the script exited with %d",
		    reply->rc);
	} else
		service_msg(reason, size, "the script did not report back");
}

static enum lb_verdict
service_parse(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_reply *reply, const struct lb_out *out)
{
	const char		*name = lb_arg_get(args, "name");
	const char		*before = NULL, *after = NULL;
	enum service_state	 st;
	enum lb_verdict		 v;
	char			 line[SERVICE_LINE_MAX];
	char			 error[SERVICE_REASON_MAX] = "";
	char			 reason[SERVICE_REASON_MAX];
	char			 errline[SERVICE_REASON_MAX];
	size_t			 off = 0;
	bool			 err;

	if (name == NULL)
		name = "";
	if (service_state_of(lb_arg_get(args, "state"), &st) == -1) {
		out->fail(out->ctx, "bad state");
		return LB_FAILED;
	}
	/* The last of each line counts: the script prints each once. */
	while (service_next_line(reply->out, reply->out_len, &off, line,
	    sizeof line)) {
		if (strncmp(line, "lb-service before ", 18) == 0)
			before = service_normal(line + 18);
		else if (strncmp(line, "lb-service after ", 17) == 0)
			after = service_normal(line + 17);
		else if (strncmp(line, "lb-service error ", 17) == 0)
			service_msg(error, sizeof error, "%s", line + 17);
	}
	if (before != NULL)
		out->set(out->ctx, "before", before);
	if (after != NULL)
		out->set(out->ctx, "state", after);
	if (reply->rc != 0 || error[0] != '\0' || before == NULL ||
	    after == NULL) {
		out->set(out->ctx, "changed", "false");
		service_no_answer(reply, error, reason, sizeof reason);
		out->fail(out->ctx, reason);
		return LB_FAILED;
	}
	if (strcmp(before, "missing") == 0 || strcmp(after, "missing") == 0) {
		out->set(out->ctx, "changed", "false");
		service_msg(reason, sizeof reason, "no service '%s'", name);
		out->fail(out->ctx, reason);
		return LB_FAILED;
	}
	if (st == SERVICE_RESTARTED)
		v = LB_CHANGED;
	else if (st != SERVICE_STATUS && strcmp(before, after) != 0)
		v = LB_CHANGED;
	else
		v = LB_OK;
	out->set(out->ctx, "changed", v == LB_CHANGED ? "true" : "false");
	if ((st == SERVICE_RUNNING || st == SERVICE_RESTARTED) &&
	    strcmp(after, "running") != 0)
		v = LB_FAILED;
	else if (st == SERVICE_STOPPED && strcmp(after, "stopped") != 0)
		v = LB_FAILED;
	if (v == LB_FAILED) {
		/* systemctl's or the cmdlet's own words say why. */
		err = service_stderr(reply, errline, sizeof errline);
		service_msg(reason, sizeof reason, "'%s' is %s, wanted %s%s%s",
		    name, after, st == SERVICE_STOPPED ? "stopped" : "running",
		    err ? ": " : "", err ? errline : "");
		out->fail(out->ctx, reason);
	}
	return v;
}

static const struct lb_plugin service_plugin = {
	.abi = LB_PLUGIN_ABI,
	.name = "service",
	.version = "1.0",
	.summary = "a service's state: running, stopped, restarted, status",
	.keys = service_keys,
	.check = service_check,
	.build = service_build,
	.parse = service_parse,
};

const struct lb_plugin *lifeboat_plugin(void);

const struct lb_plugin *
lifeboat_plugin(void)
{
	return &service_plugin;
}
