/*
 * What the TUI does to the world, each behind the dialog that names it:
 *
 *	start	the plan (--check) on the screen, then a dialog naming the
 *		playbook, how many hosts and waves, and the steps that
 *		change hosts; those marked confirm need "yes" typed.  The
 *		run is then made exactly as `lifeboat run` makes it
 *		(cmd_run_new, cmd_run_commit: the same run directory,
 *		journal and report), so it resumes from either side.
 *	hold	the runner holds before the next wave (run_hold); again:
 *		it goes on.
 *	abort	run_cancel after a dialog: no more hosts or waves; a second
 *		abort cuts the hosts at work short.
 *	signoff	a manual step or a gate, signed by a name typed in a dialog.
 *	exec	`lifeboat exec --json` as a child with its own session (it
 *		can never take the terminal), its JSON lines read on the
 *		loop: the same command, run and journal as on the CLI.
 *	resume	a run cut short (killed, a crash), carried on here as
 *		`lifeboat resume` would.
 *	report	the text report of the run, in a page.
 *	keys	the vault opened (a passphrase dialog) and a key looked up,
 *		audited before it is shown.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "arena.h"
#include "diag.h"
#include "inventory.h"
#include "journal.h"
#include "jsonr.h"
#include "playbook.h"
#include "redact.h"
#include "tui.h"
#include "vault.h"
#include "xmalloc.h"

#define KEYS_SHOWN	16

/*
 * The selection.
 */

const struct host **
act_selection(struct tui *t, size_t *np, const char **what)
{
	const struct host	**hs;
	struct view		*fv = &t->views[V_FLEET];
	size_t			 i, n = 0;

	hs = xcalloc(t->nhosts ? t->nhosts : 1, sizeof(*hs));
	for (i = 0; i < t->nhosts; i++)
		if (t->hosts[i].tagged)
			hs[n++] = t->hosts[i].h;
	*what = "tagged";
	if (n == 0 && fv->filter[0] != '\0') {
		for (i = 0; i < t->nhosts; i++)
			if (model_match(t, i, fv->filter, fv->sel))
				hs[n++] = t->hosts[i].h;
		*what = "filtered";
	}
	if (n == 0 && fv->filter[0] == '\0') {
		for (i = 0; i < t->nhosts; i++)
			hs[n++] = t->hosts[i].h;
		*what = "all";
	}
	*np = n;
	return hs;
}

/* The selection as a host pattern, its names joined by commas (NULL: no
 * limit). */
static char *
selection_pattern(struct tui *t, size_t *np, const char **what)
{
	const struct host	**hs = act_selection(t, np, what);
	struct buf		 b;
	size_t			 i;

	if (strcmp(*what, "all") == 0 || *np == 0) {
		free(hs);
		return NULL;
	}
	buf_init(&b, 0, 0);
	for (i = 0; i < *np; i++)
		buf_addf(&b, "%s%s", i > 0 ? "," : "", hs[i]->name);
	free(hs);
	return buf_detach(&b, NULL);
}

/*
 * Playbooks.
 */

static bool
session_busy(struct tui *t)
{
	if (t->running) {
		tui_msg(t, RL_ERROR, "a run is on: A aborts it");
		return true;
	}
	return false;
}

/* Ends the last run's session (its journal closed) and forgets it. */
static void
session_end(struct tui *t)
{
	model_run_clear(t);
	if (t->sess.run != NULL || t->sess.jn != NULL)
		(void)cmd_run_end(t->ctx, &t->sess, EXIT_OK);
	memset(&t->sess, 0, sizeof(t->sess));
	free(t->run_hosts);
	t->run_hosts = NULL;
	t->nrun = 0;
	free(t->limit);
	t->limit = NULL;
	t->pending = false;
	t->hold_req = false;
	t->cancels = 0;
}

void
act_playbook(struct tui *t, const char *path)
{
	struct playbook	*pb = NULL;
	struct diags	 d = DIAGS_INIT;

	if (session_busy(t))
		return;
	if (playbook_load_file(path, &pb, &d) != 0) {
		cmd_print_diags(t->ctx, &d, 5);
		diags_release(&d);
		return;
	}
	diags_release(&d);
	session_end(t);
	playbook_free(t->pb);
	t->pb = pb;
	free(t->pb_path);
	t->pb_path = xstrdup(path);
	t->args.playbook = t->pb_path;
	tui_msg(t, RL_NORMAL, "playbook %s: c shows its plan, s starts it",
	    pb->name);
	tui_log(t, RL_NORMAL, -1, "playbook %s (%s)", pb->name, path);
	act_check(t);
}

static void
picked(struct tui *t, bool ok, const char *text, size_t i)
{
	glob_t	*g = t->pick;

	(void)text;
	t->pick = NULL;
	if (ok && g != NULL && i < g->gl_pathc)
		act_playbook(t, g->gl_pathv[i]);
	if (g != NULL) {
		globfree(g);
		free(g);
	}
}

void
act_pick_playbook(struct tui *t)
{
	glob_t		*g;
	const char	*cfg = getenv("XDG_CONFIG_HOME");
	char		 pat[PATH_MAX];
	int		 fl = 0;

	if (session_busy(t))
		return;
	g = xcalloc(1, sizeof(*g));
	if (glob("playbooks/*.yml", 0, NULL, g) == 0)
		fl = GLOB_APPEND;
	if (glob("playbooks/*.yaml", fl, NULL, g) == 0)
		fl = GLOB_APPEND;
	if (cfg != NULL && *cfg == '/') {
		snprintf(pat, sizeof pat, "%s/lifeboat/playbooks/*.yml", cfg);
		if (glob(pat, fl, NULL, g) == 0)
			fl = GLOB_APPEND;
	}
	if (fl == 0 || g->gl_pathc == 0) {
		globfree(g);
		free(g);
		tui_msg(t, RL_ERROR, "no playbook in ./playbooks or "
		    "$XDG_CONFIG_HOME/lifeboat/playbooks: :playbook FILE");
		return;
	}
	t->pick = g;
	dlg_pick(t, "Pick a playbook", g->gl_pathv, g->gl_pathc, picked);
}

/* Makes the run of t->pb over the selection; EXIT_OK or after a message. */
static int
make_run(struct tui *t, const char *limit)
{
	const struct host	**hosts = NULL;
	size_t			 n = 0;

	session_end(t);
	/* A resumed run's inventory is done with. */
	inventory_free(t->run_inv);
	t->run_inv = NULL;
	if (cmd_run_targets(t->ctx, t->inv, t->pb, limit, &hosts, &n) !=
	    EXIT_OK)
		return EXIT_USAGE;
	t->args.limit = limit;
	if (cmd_run_new(t->ctx, &t->args, t->pb, hosts, n, t->loop, t->tp,
	    model_observe, t, &t->sess) != EXIT_OK) {
		free(hosts);
		memset(&t->sess, 0, sizeof(t->sess));
		return EXIT_USAGE;
	}
	t->run_hosts = hosts;
	t->nrun = n;
	t->limit = limit ? xstrdup(limit) : NULL;
	t->args.limit = t->limit;
	return EXIT_OK;
}

static void
show_plan(struct tui *t)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&text, &len)) == NULL)
		return;
	cmd_run_check(t->pb, t->sess.run, t->run_hosts, t->nrun, fp);
	fclose(fp);
	tui_text(t, "Plan", text, len);
	free(text);
}

void
act_check(struct tui *t)
{
	size_t		 n;
	const char	*what;
	char		*limit;

	if (t->pb == NULL) {
		act_pick_playbook(t);
		return;
	}
	if (session_busy(t))
		return;
	limit = selection_pattern(t, &n, &what);
	if (make_run(t, limit) == EXIT_OK) {
		/* Names when they are few; else how many, and which way. */
		if (limit != NULL && strlen(limit) <= 40)
			snprintf(t->limit_text, sizeof t->limit_text, "%s",
			    limit);
		else if (limit != NULL)
			snprintf(t->limit_text, sizeof t->limit_text, "the "
			    "%zu %s hosts", n, what);
		show_plan(t);
		tui_msg(t, RL_NORMAL, "the plan of %s on %zu host%s (%s); s "
		    "starts it", t->pb->name, t->nrun, cmd_plural(t->nrun),
		    what);
		t->pending = true;
	}
	free(limit);
}

/* The TUI's answer to a transport's question (a key's passphrase). */
int
tui_ask(const char *question, bool echo, struct buf *answer, void *arg)
{
	int	 r;

	(void)arg;
	term_suspend();
	r = cmd_ask(question, echo, answer, NULL);
	term_resume();
	return r;
}

static void
go(struct tui *t, bool ok, const char *text, size_t i)
{
	struct diags	 d = DIAGS_INIT;

	(void)text;
	(void)i;
	if (!ok) {
		tui_msg(t, RL_NORMAL, "not started: nothing was run");
		session_end(t);
		return;
	}
	if (cmd_run_commit(t->ctx, &t->args, t->pb, t->run_hosts, t->nrun,
	    t->run_inv ? t->run_inv : t->inv, &t->sess) != EXIT_OK) {
		session_end(t);
		return;
	}
	if (tp_ctx_prepare(t->tp, t->run_hosts, t->nrun, &d) != 0) {
		cmd_print_diags(t->ctx, &d, 5);
		diags_release(&d);
		session_end(t);
		return;
	}
	cmd_print_diags(t->ctx, &d, 5);
	diags_release(&d);
	model_run_begin(t);
	t->pending = false;
	t->running = true;
	t->t_start = loop_now(t->loop);
	tui_log(t, RL_NORMAL, -1, "run %s: playbook %s on %zu host%s in %zu "
	    "wave%s (%s)", t->sess.id, t->pb->name, t->nrun,
	    cmd_plural(t->nrun), t->nwaves, cmd_plural(t->nwaves),
	    t->sess.dir);
	tui_msg(t, RL_NORMAL, "run %s started: P holds before the next wave, "
	    "A aborts", t->sess.id);
	run_start(t->sess.run);
	t->nback = 0;
	tui_show(t, V_RUN);
}

/* Whether the plan on show is still of the selection. */
static bool
same_selection(struct tui *t)
{
	const char	*what;
	char		*limit;
	size_t		 n;
	bool		 same;

	limit = selection_pattern(t, &n, &what);
	same = (limit == NULL && t->limit == NULL) || (limit != NULL &&
	    t->limit != NULL && strcmp(limit, t->limit) == 0);
	free(limit);
	return same;
}

void
act_start(struct tui *t)
{
	struct buf	 body;
	size_t		 i, k = 0;

	if (t->pb == NULL) {
		act_pick_playbook(t);
		return;
	}
	if (session_busy(t))
		return;
	if (!t->pending || !same_selection(t)) {
		/* The plan first, always, of what s would start: s again
		 * starts it. */
		act_check(t);
		return;
	}
	buf_init(&body, 0, 0);
	buf_addf(&body, "%s on %zu host%s in %zu wave%s", t->pb->name,
	    t->nrun, cmd_plural(t->nrun), run_plan(t->sess.run)->nwaves,
	    cmd_plural(run_plan(t->sess.run)->nwaves));
	if (t->limit != NULL)
		buf_addf(&body, "\nlimited to %s", t->limit_text);
	for (i = 0; i < t->pb->nsteps; i++) {
		if (!t->pb->steps[i].confirm)
			continue;
		if (k++ == 0)
			buf_adds(&body, "\n\nThese steps change hosts and are "
			    "marked confirm:");
		buf_addf(&body, "\n  %s", t->pb->steps[i].name);
	}
	if (k > 0) {
		buf_addf(&body, "\nThey will run on up to %zu host%s.",
		    t->nrun, cmd_plural(t->nrun));
		dlg_type_yes(t, "Start the run?", buf_str(&body), go);
	} else
		dlg_confirm(t, "Start the run?", buf_str(&body), go);
	buf_release(&body);
}

void
act_hold(struct tui *t)
{
	if (!t->running) {
		tui_msg(t, RL_ERROR, "no run is on");
		return;
	}
	t->hold_req = !t->hold_req;
	run_hold(t->sess.run, t->hold_req);
	if (t->hold_req) {
		tui_msg(t, RL_NORMAL, "holding before the next wave: P again "
		    "to go on");
		tui_log(t, RL_NORMAL, -1, "hold asked: no wave starts after "
		    "this one");
	} else {
		t->held = false;
		tui_msg(t, RL_NORMAL, "going on");
		tui_log(t, RL_NORMAL, -1, "hold lifted");
	}
}

static void
aborted(struct tui *t, bool ok, const char *text, size_t i)
{
	(void)text;
	(void)i;
	if (!ok || !t->running)
		return;
	t->cancels++;
	tui_log(t, RL_FAILED, -1, "%s", t->cancels == 1 ? "abort: no more "
	    "hosts or waves; the hosts at work finish their step" : "abort: "
	    "the hosts at work are cut short");
	run_cancel(t->sess.run);
}

void
act_abort(struct tui *t)
{
	char	 b[512];

	if (!t->running) {
		tui_msg(t, RL_ERROR, "no run is on");
		return;
	}
	if (t->cancels == 0)
		snprintf(b, sizeof b, "Run %s: no more hosts or waves start;\n"
		    "the %zu host%s at work finish their step.\nThe run ends "
		    "(status 130); its report lists what ran.", t->sess.id,
		    run_stats(t->sess.run)->running,
		    cmd_plural(run_stats(t->sess.run)->running));
	else
		snprintf(b, sizeof b, "The %zu host%s at work are cut short "
		    "now:\ntheir step may be left half done.",
		    run_stats(t->sess.run)->running,
		    cmd_plural(run_stats(t->sess.run)->running));
	dlg_confirm(t, t->cancels == 0 ? "Abort the run?" :
	    "Stop the hosts at work?", b, aborted);
}

/*
 * Sign-offs.
 */

static void
signed_by(struct tui *t, bool ok, const char *text, size_t i)
{
	char	 name[64];
	int	 r;

	(void)i;
	if (!ok)
		return;
	if (text == NULL || *text == '\0') {
		tui_msg(t, RL_ERROR, "a sign-off needs a name: nothing signed");
		return;
	}
	if (!t->running) {
		tui_msg(t, RL_ERROR, "no run is on: nothing signed");
		return;
	}
	if (t->sign_gate)
		snprintf(name, sizeof name, "wave %zu", t->sign_step);
	else
		snprintf(name, sizeof name, "%s", t->pb->steps[t->sign_step].
		    name);
	r = run_signoff(t->sess.run, name, text, (int64_t)time(NULL));
	if (r == 0)
		tui_msg(t, RL_OK, "signed off: '%s' by %s", name, text);
	else if (t->sign_gate)
		tui_msg(t, RL_ERROR, "'%s' cannot be signed now: only the gate "
		    "the run waits at", name);
	else
		tui_msg(t, RL_ERROR, "'%s' was signed off already", name);
}

void
act_signoff(struct tui *t, size_t step, bool gate)
{
	char		 title[256], body[1024];
	const char	*owner = NULL;
	const struct pb_step *st;

	if (!t->running) {
		tui_msg(t, RL_ERROR, "no run is on: sign-offs go to a run");
		return;
	}
	t->sign_step = step;
	t->sign_gate = gate;
	if (gate) {
		snprintf(title, sizeof title, "Sign off 'wave %zu'", step);
		snprintf(body, sizeof body, "Wave %zu starts when this is "
		    "signed.\nSigned by:", step);
	} else {
		st = &t->pb->steps[step];
		owner = pb_step_action(st, "linux") &&
		    pb_step_action(st, "linux")->type == PB_MANUAL ?
		    pb_step_action(st, "linux")->owner :
		    pb_step_action(st, "windows") ?
		    pb_step_action(st, "windows")->owner : NULL;
		snprintf(title, sizeof title, "Sign off '%s'", st->name);
		snprintf(body, sizeof body, "Owner: %s\nSigned by:", owner ?
		    owner : "-");
	}
	dlg_input(t, title, body, cmd_user(), false, signed_by);
}

/*
 * exec, as a child.
 */

static void
exec_line(struct tui *t, const char *line, size_t len)
{
	struct arena		*a = arena_new();
	struct jv		*j;
	const char		*host, *out, *err, *st, *id;
	struct host		*h;
	struct thost		*th;
	int64_t			 rc;

	if (jsonr_parse(a, line, len, &j, NULL) != 0 || j->type != JV_OBJ) {
		tui_log(t, RL_NORMAL, -1, "exec: %.*s", (int)len, line);
		arena_free(a);
		return;
	}
	host = jv_str(j, "host");
	if ((id = jv_str(j, "run")) != NULL)
		snprintf(t->exec.id, sizeof t->exec.id, "%s", id);
	if (host == NULL || (h = inventory_host(t->inv, host)) == NULL) {
		arena_free(a);
		return;
	}
	th = &t->hosts[h - t->inv->hosts];
	rc = jv_int(j, "rc", -1);
	out = jv_str(j, "stdout");
	err = jv_str(j, "stderr");
	st = jv_str(j, "status");
	th->has_exec = true;
	th->exec_rc = (int)rc;
	free(th->exec_out);
	xasprintf(&th->exec_out, "%s%s", out ? out : "", err ? err : "");
	t->exec.done++;
	if (st == NULL || strcmp(st, "ok") != 0 || rc != 0)
		t->exec.failed++;
	tui_log(t, st && strcmp(st, "ok") == 0 && rc == 0 ? RL_NORMAL :
	    RL_FAILED, (ssize_t)(h - t->inv->hosts), "%s: exec %s, rc %jd: "
	    "%.*s", host, st ? st : "?", (intmax_t)rc, (int)strcspn(out ?
	    out : "", "\r\n"), out ? out : "");
	arena_free(a);
	tui_dirty(t);
}

/* A line of the child's stderr: progress redraws (\r) and escapes are
 * not for the log. */
static void
exec_err(struct tui *t, char *line)
{
	char	*s, *save = NULL, clean[1024];

	for (s = strtok_r(line, "\r", &save); s != NULL;
	    s = strtok_r(NULL, "\r", &save)) {
		if (strncmp(s, "\033[K", 3) == 0)
			s += 3;
		if (strncmp(s, "lifeboat: ", 10) == 0)
			s += 10;
		redact_one_line(clean, sizeof clean, s);
		if (clean[0] != '\0')
			tui_log(t, RL_NORMAL, -1, "exec: %s", clean);
	}
}

static void
exec_read(struct loop *loop, int fd, unsigned ev, void *arg)
{
	struct tui	*t = arg;
	struct buf	*b = fd == t->exec.out ? &t->exec.obuf : &t->exec.ebuf;
	char		 chunk[65536], *nl;
	ssize_t		 n;
	size_t		 len;

	(void)ev;
	n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		buf_add(b, chunk, (size_t)n);
	while (b->len > 0 && (nl = memchr(b->data, '\n', b->len)) != NULL) {
		len = (size_t)(nl - b->data);
		*nl = '\0';
		if (fd == t->exec.out)
			exec_line(t, b->data, len);
		else
			exec_err(t, b->data);
		memmove(b->data, nl + 1, b->len - len - 1);
		buf_truncate(b, b->len - len - 1);
	}
	if (n <= 0) {
		loop_io_del(loop, fd);
		close(fd);
		if (fd == t->exec.out)
			t->exec.out = -1;
		else
			t->exec.err = -1;
		act_reap(t);
	}
}

void
act_reap(struct tui *t)
{
	int	 status;

	if (t->sess.jn != NULL)
		(void)journal_sync(t->sess.jn);
	if (t->exec.pid <= 0 || t->exec.out >= 0 || t->exec.err >= 0)
		return;
	if (waitpid(t->exec.pid, &status, WNOHANG) != t->exec.pid)
		return;
	t->exec.pid = 0;
	tui_log(t, t->exec.failed ? RL_FAILED : RL_OK, -1, "exec `%s` done on "
	    "%zu host%s: %zu not ok (run %s)", t->exec.command,
	    t->exec.done, cmd_plural(t->exec.done), t->exec.failed,
	    t->exec.id);
	tui_msg(t, t->exec.failed ? RL_FAILED : RL_OK, "exec done: %zu ok, %zu "
	    "not ok; Enter on a host shows its output", t->exec.done -
	    t->exec.failed, t->exec.failed);
	buf_release(&t->exec.obuf);
	buf_release(&t->exec.ebuf);
	if (t->quitting)
		act_quit(t);
}

static void
exec_go(struct tui *t, bool ok, const char *text, size_t i)
{
	char		 self[PATH_MAX], **argv;
	int		 po[2], pe[2], fd;
	size_t		 n, k = 0, j;
	ssize_t		 len;
	const char	*what;
	char		*pat;
	pid_t		 pid;

	(void)text;
	(void)i;
	if (!ok) {
		tui_msg(t, RL_NORMAL, "exec: nothing was run");
		return;
	}
	if ((len = readlink("/proc/self/exe", self, sizeof self - 1)) < 0) {
		tui_msg(t, RL_ERROR, "exec: cannot find lifeboat itself: %s",
		    strerror(errno));
		return;
	}
	self[len] = '\0';
	pat = selection_pattern(t, &n, &what);
	argv = xcalloc(t->ctx->ninventories * 2 + 8, sizeof(*argv));
	argv[k++] = self;
	for (j = 0; j < t->ctx->ninventories; j++) {
		argv[k++] = (char *)"-i";
		argv[k++] = (char *)t->ctx->inventories[j];
	}
	argv[k++] = (char *)"exec";
	argv[k++] = (char *)"--json";
	argv[k++] = pat != NULL ? pat : (char *)"all";
	argv[k++] = (char *)"--";
	argv[k++] = t->exec.command;
	argv[k] = NULL;
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		tui_msg(t, RL_ERROR, "exec: %s", strerror(errno));
		free(argv);
		free(pat);
		return;
	}
	if ((pid = fork()) == 0) {
		/* Its own session: no controlling terminal to take. */
		setsid();
		if ((fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, STDIN_FILENO);
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		execv(self, argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	free(argv);
	free(pat);
	if (pid < 0) {
		close(po[0]);
		close(pe[0]);
		tui_msg(t, RL_ERROR, "exec: %s", strerror(errno));
		return;
	}
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	t->exec.pid = pid;
	t->exec.out = po[0];
	t->exec.err = pe[0];
	t->exec.done = t->exec.failed = 0;
	t->exec.id[0] = '\0';
	buf_init(&t->exec.obuf, 0, 0);
	buf_init(&t->exec.ebuf, 0, 0);
	loop_io_add(t->loop, po[0], LOOP_READ, exec_read, t);
	loop_io_add(t->loop, pe[0], LOOP_READ, exec_read, t);
	for (j = 0; j < t->nhosts; j++)
		t->hosts[j].has_exec = false;
	tui_log(t, RL_NORMAL, -1, "exec `%s` on %zu %s host%s", t->exec.command,
	    n, what, cmd_plural(n));
	tui_msg(t, RL_NORMAL, "exec `%s` on %zu host%s: results in the Log "
	    "(4)", t->exec.command, n, cmd_plural(n));
}

static void
exec_typed(struct tui *t, bool ok, const char *text, size_t i)
{
	(void)i;
	if (ok && text != NULL && *text != '\0')
		act_exec(t, text);
}

void
act_exec(struct tui *t, const char *command)
{
	const struct host	**hs;
	const char		*what;
	size_t			 n;
	char			 b[1024];

	if (t->exec.pid > 0) {
		tui_msg(t, RL_ERROR, "an exec is on: wait for it");
		return;
	}
	hs = act_selection(t, &n, &what);
	free(hs);
	if (n == 0) {
		tui_msg(t, RL_ERROR, "exec: no host is tagged or filtered");
		return;
	}
	if (command == NULL) {
		snprintf(b, sizeof b, "On %s %zu %s host%s (Space tags hosts "
		    "in the Fleet view).\nCommand:", strcmp(what, "all") == 0 ?
		    "all" : "the", n, strcmp(what, "all") == 0 ? "" : what,
		    cmd_plural(n));
		dlg_input(t, "exec", b, NULL, false, exec_typed);
		return;
	}
	free(t->exec.command);
	t->exec.command = xstrdup(command);
	if (strcmp(what, "all") == 0)
		snprintf(b, sizeof b, "Run `%s`\non all %zu host%s?", command,
		    n, cmd_plural(n));
	else
		snprintf(b, sizeof b, "Run `%s`\non the %zu %s host%s?",
		    command, n, what, cmd_plural(n));
	dlg_confirm(t, "exec", b, exec_go);
}

/*
 * Report and resume.
 */

void
act_report(struct tui *t, const char *id)
{
	struct jrun	 jr;
	struct buf	 b;
	char		*dir = NULL;
	char		 title[128];
	int		 r;

	if (id == NULL && t->sess.dir != NULL && !t->pending) {
		if (t->sess.jn != NULL)
			(void)journal_sync(t->sess.jn);
		id = t->sess.id;
	}
	if (id == NULL)
		id = "last";
	if (cmd_load_run(t->ctx, id, &dir, &jr) != EXIT_OK)
		return;
	buf_init(&b, 0, 0);
	if ((r = cmd_report_text(&jr, dir, t->inv, &b)) != 0)
		tui_msg(t, RL_ERROR, "the report of %s cannot be made", jr.id);
	else {
		snprintf(title, sizeof title, "Report %s", jr.id);
		tui_text(t, title, b.data ? b.data : "", b.len);
	}
	buf_release(&b);
	journal_run_release(&jr);
	free(dir);
}

static void
resume_go(struct tui *t, bool ok, const char *text, size_t i)
{
	const struct host	**hosts = t->run_hosts;
	size_t			 n = t->nrun;

	if (!ok) {
		tui_msg(t, RL_NORMAL, "not resumed: the journal is as it was");
		session_end(t);
		return;
	}
	/* Only now is the journal opened and the resume recorded. */
	t->run_hosts = NULL;
	t->nrun = 0;
	t->args.resume = t->resume_jr;
	t->args.resume_dir = t->resume_dir;
	t->args.yes = true;
	if (cmd_run_new(t->ctx, &t->args, t->pb, hosts, n, t->loop, t->tp,
	    model_observe, t, &t->sess) != EXIT_OK) {
		free(hosts);
		memset(&t->sess, 0, sizeof(t->sess));
		t->args.resume = NULL;
		return;
	}
	t->run_hosts = hosts;
	t->nrun = n;
	go(t, true, text, i);
	t->args.resume = NULL;
	t->args.resume_dir = NULL;
}

void
act_resume(struct tui *t, const char *id)
{
	struct jrun		*jr;
	struct playbook		*pb = NULL;
	struct inventory	*inv = NULL;
	const struct host	**hosts = NULL;
	char			*dir = NULL, b[512];
	size_t			 n = 0;

	if (session_busy(t))
		return;
	jr = xcalloc(1, sizeof(*jr));
	if (cmd_load_run(t->ctx, id, &dir, jr) != EXIT_OK) {
		free(jr);
		return;
	}
	if (jr->ended || strcmp(jr->kind, "playbook") != 0 ||
	    strcmp(journal_state(dir, jr), "running") == 0) {
		tui_msg(t, RL_ERROR, "run %s %s", jr->id, jr->ended ?
		    "has ended: nothing to resume" : strcmp(jr->kind,
		    "playbook") != 0 ? "is not a playbook run (lifeboat "
		    "resume carries exec runs on)" : "is in progress");
		goto fail;
	}
	session_end(t);
	memset(&t->args.conn, 0, sizeof(t->args.conn));
	cmd_conn_from_run(&t->args.conn, jr);
	t->args.conn.to.prompt = tui_ask;
	if (cmd_run_reload(t->ctx, jr, &t->args, false, &pb, &inv) !=
	    EXIT_OK || cmd_run_hosts(t->ctx, inv, jr, NULL, &hosts, &n) !=
	    EXIT_OK)
		goto fail;
	/* The run's playbook and inventory, from now on. */
	playbook_free(t->pb);
	t->pb = pb;
	free(t->pb_path);
	t->pb_path = xstrdup(jr->playbook);
	t->args.playbook = t->pb_path;
	inventory_free(t->run_inv);
	t->run_inv = inv;
	if (t->resume_jr != NULL) {
		journal_run_release(t->resume_jr);
		free(t->resume_jr);
	}
	t->resume_jr = jr;
	free(t->resume_dir);
	t->resume_dir = dir;
	t->run_hosts = hosts;
	t->nrun = n;
	t->pending = true;
	snprintf(b, sizeof b, "Run %s, playbook %s, %zu host%s:\nthe hosts "
	    "that ended are not run again;\nthe others start at their first "
	    "step without an end.", jr->id, t->pb->name, n, cmd_plural(n));
	dlg_confirm(t, "Resume the run?", b, resume_go);
	return;
fail:
	free(hosts);
	inventory_free(inv);
	playbook_free(pb);
	journal_run_release(jr);
	free(jr);
	free(dir);
}

/*
 * Keys.
 */

static void
keys_show(struct tui *t, const char *id)
{
	const struct vault_key	*m[KEYS_SHOWN];
	struct view		*v = &t->views[V_KEYS];
	struct buf		 b;
	char			 when[32];
	struct tm		 tm;
	time_t			 at;
	int			 r;
	size_t			 i;

	if ((r = cmd_keys_find(t->ctx, t->vault, id, m, KEYS_SHOWN)) < 0)
		return;
	buf_init(&b, 0, BUF_WIPE);
	if (r == 0)
		buf_addf(&b, "no key with ID %s in the vault\n", id);
	if (r > 1)
		buf_addf(&b, "%d keys start with %s: read more digits of the "
		    "ID on the screen\n\n", r, id);
	for (i = 0; i < (size_t)r && i < KEYS_SHOWN; i++) {
		at = (time_t)m[i]->fetched;
		gmtime_r(&at, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%SZ", &tm);
		buf_addf(&b, "host      %s%s%s%s\nvolume    %s\nkey id    %s\n"
		    "password  %s\nsource    %s, fetched %s\n\n", m[i]->host,
		    m[i]->site[0] ? " (site " : "", m[i]->site,
		    m[i]->site[0] ? ")" : "", m[i]->volume[0] ?
		    m[i]->volume : "-", m[i]->id, m[i]->password,
		    m[i]->source, when);
	}
	v->pg.secret = true;
	pager_set(&v->pg, b.data ? b.data : "", b.len);
	buf_release(&b);
	tui_msg(t, r > 0 ? RL_OK : RL_ERROR, "%d key%s for %s (the look-up is "
	    "in the audit log)", r, cmd_plural((size_t)r), id);
}

static void
keys_pass(struct tui *t, bool ok, const char *text, size_t i)
{
	(void)i;
	if (!ok || text == NULL || *text == '\0') {
		tui_msg(t, RL_NORMAL, "the vault stays closed");
		return;
	}
	if (cmd_keys_open(t->ctx, text, &t->vault) != EXIT_OK)
		return;
	tui_log(t, RL_NORMAL, -1, "the vault is open");
	if (t->key_pending != NULL)
		keys_show(t, t->key_pending);
	free(t->key_pending);
	t->key_pending = NULL;
}

static void
keys_typed(struct tui *t, bool ok, const char *text, size_t i)
{
	(void)i;
	if (ok && text != NULL && *text != '\0')
		act_keys(t, text);
}

void
act_keys(struct tui *t, const char *id)
{
	if (id == NULL) {
		dlg_input(t, "Key look-up", "The key ID the recovery screen "
		    "shows:", NULL, false, keys_typed);
		return;
	}
	if (t->cur != V_KEYS)
		tui_show(t, V_KEYS);
	if (t->vault == NULL) {
		if (cmd_keys_need_pass()) {
			free(t->key_pending);
			t->key_pending = xstrdup(id);
			dlg_input(t, "Vault passphrase", "The vault opens for "
			    "this look-up and stays open.", NULL, true,
			    keys_pass);
			return;
		}
		if (cmd_keys_open(t->ctx, NULL, &t->vault) != EXIT_OK)
			return;
	}
	keys_show(t, id);
}

/*
 * Leaving.
 */

static void
quit_yes(struct tui *t, bool ok, const char *text, size_t i)
{
	(void)text;
	(void)i;
	if (!ok)
		return;
	t->quitting = true;
	if (t->running) {
		tui_log(t, RL_FAILED, -1, "quitting: the run is stopped");
		run_cancel(t->sess.run);
		run_cancel(t->sess.run);
	}
	if (t->exec.pid > 0)
		kill(t->exec.pid, SIGTERM);
	act_quit(t);
}

void
act_quit(struct tui *t)
{
	char	 b[512];

	if (t->quitting) {
		if (!t->running && t->exec.pid <= 0) {
			t->leave = true;
			loop_stop(t->loop);
		}
		return;
	}
	if (t->running) {
		snprintf(b, sizeof b, "Run %s is on. Quitting stops it:\nthe "
		    "hosts at work are cut short, the run ends\n(status 130) "
		    "and its report lists what ran.", t->sess.id);
		dlg_confirm(t, "Quit?", b, quit_yes);
		return;
	}
	if (t->exec.pid > 0) {
		dlg_confirm(t, "Quit?", "An exec is on: quitting stops it.",
		    quit_yes);
		return;
	}
	t->leave = true;
	loop_stop(t->loop);
}

void
act_free(struct tui *t)
{
	session_end(t);
	playbook_free(t->pb);
	t->pb = NULL;
	free(t->pb_path);
	inventory_free(t->run_inv);
	if (t->resume_jr != NULL) {
		journal_run_release(t->resume_jr);
		free(t->resume_jr);
	}
	free(t->resume_dir);
	free(t->exec.command);
	free(t->key_pending);
	vault_free(t->vault);
	if (t->exec.out >= 0)
		close(t->exec.out);
	if (t->exec.err >= 0)
		close(t->exec.err);
}
