/*
 * lifeboat signoff RUN STEP --by NAME: signs off a manual step of a
 * running playbook (or the gate before a wave, 'wave N'), from any
 * terminal.  The sign-off is one line appended to the run directory's
 * signoffs file; the run reads it within half a second.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "json.h"
#include "rundir.h"
#include "xmalloc.h"
#include "ytree.h"

#define SIGNER_MAX	128

static const struct option signoff_long[] = {
	{ "by", required_argument, NULL, 'b' },
	{ NULL, 0, NULL, 0 }
};

/* Printable UTF-8 and spaces, no control characters. */
static bool
good_signer(const char *s)
{
	const unsigned char	*p;

	if (s[0] == '\0' || strlen(s) > SIGNER_MAX)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/*
 * Whether step is a manual step or gate of the run, from run.json; the
 * run's pid in *pid (0 when not there).
 */
static int
known_step(struct cmd_ctx *ctx, const char *dir, const char *id,
    const char *step, long *pid)
{
	struct arena		*a = arena_new();
	struct diags		 d = DIAGS_INIT;
	struct buf		 b = BUF_INIT;
	struct ynode		*root = NULL;
	const struct ynode	*lists[2];
	const char		*names[256], *s;
	char			*path;
	size_t			 i, k, n = 0;
	int			 r = -1, err;

	xasprintf(&path, "%s/run.json", dir);
	if ((err = buf_read_file(&b, path, 1024 * 1024)) != 0) {
		cmd_error(ctx, "run %s: cannot read %s: %s", id, path,
		    strerror(err));
		goto out;
	}
	if (ytree_parse(a, path, b.data, b.len, &root, &d) != 0 ||
	    root == NULL || root->type != YNODE_MAP) {
		cmd_error(ctx, "run %s: %s is not a run description", id,
		    path);
		goto out;
	}
	s = ynode_str(ynode_get(root, "pid"));
	*pid = s != NULL ? strtol(s, NULL, 10) : 0;
	lists[0] = ynode_get(root, "manual");
	lists[1] = ynode_get(root, "gates");
	for (k = 0; k < 2; k++) {
		for (i = 0; lists[k] != NULL && lists[k]->type == YNODE_SEQ &&
		    i < lists[k]->n; i++) {
			if ((s = ynode_str(lists[k]->v[i])) == NULL)
				continue;
			if (strcmp(s, step) == 0) {
				r = 0;
				goto out;
			}
			if (n < 256)
				names[n++] = s;
		}
	}
	if (n == 0)
		cmd_error(ctx, "run %s has no step to sign off", id);
	else if ((s = diag_suggest(step, names, n)) != NULL)
		cmd_error(ctx, "run %s has no manual step '%s' (did you mean "
		    "'%s'?)", id, step, s);
	else
		cmd_error(ctx, "run %s has no manual step '%s'", id, step);
out:
	free(path);
	buf_release(&b);
	diags_release(&d);
	arena_free(a);
	return r;
}

struct earlier {
	const char	*step;
	char		*by;
	int64_t		 at;
};

static int
find_earlier(const struct rundir_signoff *so, void *arg)
{
	struct earlier	*e = arg;

	if (strcmp(so->step, e->step) != 0)
		return 0;
	e->by = xstrdup(so->by);
	e->at = so->at;
	return 1;
}

static int
signoff_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char	*by = NULL, *id = NULL, *step = NULL;
	struct earlier	 e = { NULL, NULL, 0 };
	struct json	 j;
	struct tm	 tm;
	time_t		 t;
	off_t		 off = 0;
	long		 pid = 0;
	char		 why[512], at[32], *dir;
	int		 c, err;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, "b:",
		    signoff_long)) != -1) {
			if (c == 'h')
				return cmd_usage(&cmd_signoff_entry, NULL,
				    true);
			if (c == '?')
				return EXIT_USAGE;
			by = optarg;
		}
		if (optind >= argc)
			break;
		if (id == NULL)
			id = argv[optind++];
		else if (step == NULL)
			step = argv[optind++];
		else {
			cmd_error(ctx, "one step at a time; put a step name "
			    "with spaces in quotes");
			return EXIT_USAGE;
		}
	}
	if (id == NULL || step == NULL || by == NULL) {
		cmd_error(ctx, "%s", by == NULL && step != NULL ?
		    "--by NAME is needed: who signs off" :
		    "a run id and a step are needed");
		cmd_usage(&cmd_signoff_entry, NULL, false);
		return EXIT_USAGE;
	}
	if (!good_signer(by)) {
		cmd_error(ctx, "--by: a name of 1 to %d printable characters",
		    SIGNER_MAX);
		return EXIT_USAGE;
	}
	if ((dir = rundir_find(id, why, sizeof why)) == NULL) {
		cmd_error(ctx, "%s", why);
		return EXIT_USAGE;
	}
	if (known_step(ctx, dir, id, step, &pid) != 0) {
		free(dir);
		return EXIT_USAGE;
	}
	/* A step is signed off once: the first signer stands. */
	e.step = step;
	rundir_signoffs(dir, &off, find_earlier, &e);
	if (e.by != NULL) {
		t = (time_t)e.at;
		gmtime_r(&t, &tm);
		strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cmd_error(ctx, "step '%s' of run %s was signed off already, by "
		    "%s at %s", step, id, e.by, at);
		free(e.by);
		free(dir);
		return EXIT_USAGE;
	}
	if ((err = rundir_signoff_write(dir, step, by,
	    (int64_t)time(NULL))) != 0) {
		cmd_error(ctx, "cannot write %s/signoffs: %s", dir,
		    strerror(err));
		free(dir);
		return EXIT_FAILED;
	}
	free(dir);
	/* Recorded all the same: a resumed run reads it. */
	if (pid > 0 && kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		fprintf(stderr, "lifeboat: signoff: warning: run %s is not "
		    "running (its process %ld is gone); the sign-off is "
		    "recorded, but nothing waits for it now\n", id, pid);
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_begin(&j);
		json_kv_str(&j, "run", id);
		json_kv_str(&j, "step", step);
		json_kv_str(&j, "by", by);
		json_obj_end(&j);
		return cmd_json_end(&j);
	}
	if (ctx->verbose >= 0)
		printf("signed off step '%s' of run %s by %s\n", step, id, by);
	return EXIT_OK;
}

const struct cmd_entry cmd_signoff_entry = {
	.name = "signoff",
	.usage = "signoff RUN STEP --by NAME",
	.summary =
	    "Signs off the manual step STEP (or the gate 'wave N') of the "
	    "running playbook\nrun RUN, as NAME; the run goes on within a "
	    "second.\n"
	    "\n"
	    "      --by NAME            who signs off (recorded with the "
	    "time)",
	.exec = signoff_main,
};
