/*
 * lifeboat rerun RUN_ID --failed|--unreachable|--succeeded: a new run of
 * the same playbook, with the same variables and options, over exactly
 * the hosts of the first run that ended that way.  Each journal names
 * the other (rerun_of in the new, a rerun record in the first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "inventory.h"
#include "journal.h"
#include "playbook.h"
#include "run.h"
#include "xmalloc.h"

enum rerun_which {
	RERUN_FAILED = 1 << 0,		/* failed, and unknown */
	RERUN_UNREACHABLE = 1 << 1,
	RERUN_SUCCEEDED = 1 << 2,
};

enum {
	OPT_FAILED = CMD_OPT_NEXT,
	OPT_UNREACHABLE,
	OPT_SUCCEEDED,
	OPT_CHECK,
	OPT_YES,
};

static const struct option rerun_long[] = {
	CMD_CONN_LONG,
	{ "failed", no_argument, NULL, OPT_FAILED },
	{ "unreachable", no_argument, NULL, OPT_UNREACHABLE },
	{ "succeeded", no_argument, NULL, OPT_SUCCEEDED },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "yes", no_argument, NULL, OPT_YES },
	{ NULL, 0, NULL, 0 }
};

static int
rerun_option(struct cmd_ctx *ctx, int c, struct cmd_run_args *a,
    unsigned *which)
{
	int	 r;

	if ((r = cmd_conn_option(ctx, c, &a->conn)) <= 0)
		return r;
	switch (c) {
	case OPT_FAILED:
		*which |= RERUN_FAILED;
		return 0;
	case OPT_UNREACHABLE:
		*which |= RERUN_UNREACHABLE;
		return 0;
	case OPT_SUCCEEDED:
		*which |= RERUN_SUCCEEDED;
		return 0;
	case OPT_CHECK:
		a->check = true;
		return 0;
	case OPT_YES:
		a->yes = true;
		return 0;
	}
	return -1;
}

static int
rerun_parse(struct cmd_ctx *ctx, int argc, char **argv,
    struct cmd_run_args *a, unsigned *which, const char **idp)
{
	int	 c;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, CMD_CONN_SHORT,
		    rerun_long)) != -1) {
			if (c == 'h')
				return cmd_usage(&cmd_rerun_entry, NULL,
				    true) == EXIT_OK ? 1 : -1;
			if (c == '?' || rerun_option(ctx, c, a, which) != 0)
				return -1;
		}
		if (optind >= argc)
			break;
		if (*idp != NULL) {
			cmd_error(ctx, "one run id at a time");
			return -1;
		}
		*idp = argv[optind++];
	}
	if (*idp == NULL || *which == 0) {
		cmd_error(ctx, *idp == NULL ? "a run id is needed" :
		    "which hosts? --failed, --unreachable or --succeeded");
		cmd_usage(&cmd_rerun_entry, NULL, false);
		return -1;
	}
	return 0;
}

/* Whether host h of jr ended as which asks. */
static bool
wanted(const struct jhost *h, unsigned which)
{
	if (!h->done || h->status == NULL)
		return false;
	if (strcmp(h->status, "failed") == 0 ||
	    strcmp(h->status, "unknown") == 0)
		return (which & RERUN_FAILED) != 0;
	if (strcmp(h->status, "unreachable") == 0)
		return (which & RERUN_UNREACHABLE) != 0;
	if (strcmp(h->status, "ok") == 0)
		return (which & RERUN_SUCCEEDED) != 0;
	return false;
}

static int
rerun_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cmd_run_args	 a;
	struct run_var		 evars[CMD_MAX_EVARS];
	struct cmd_conn		 given;
	struct jrun		 jr;
	struct playbook		*pb = NULL;
	struct inventory	*inv = NULL;
	const struct host	**hosts = NULL;
	const char		*id = NULL;
	char			*dir = NULL;
	bool			*want = NULL;
	unsigned		 which = 0;
	size_t			 i, n = 0, k = 0;
	int			 r;

	memset(&a, 0, sizeof(a));
	memset(&jr, 0, sizeof(jr));
	a.evars = evars;
	if ((r = rerun_parse(ctx, argc, argv, &a, &which, &id)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if ((r = cmd_load_run(ctx, id, &dir, &jr)) != EXIT_OK)
		return r;
	r = EXIT_USAGE;
	if (strcmp(journal_state(dir, &jr), "running") == 0) {
		cmd_error(ctx, "run %s is in progress (pid %jd): rerun it when "
		    "it ends", jr.id, (intmax_t)jr.pid);
		goto out;
	}
	want = xcalloc(jr.nhosts ? jr.nhosts : 1, sizeof(*want));
	for (i = 0; i < jr.nhosts; i++)
		if ((want[i] = wanted(&jr.hosts[i], which)))
			k++;
	if (k == 0) {
		cmd_error(ctx, "no host of run %s ended that way: nothing to "
		    "rerun", jr.id);
		r = EXIT_OK;
		goto out;
	}
	given = a.conn;
	cmd_conn_from_run(&a.conn, &jr);
	if (given.eo.fanout != 0)
		a.conn.eo.fanout = given.eo.fanout;
	if (given.eo.command_timeout_ms != 0)
		a.conn.eo.command_timeout_ms = given.eo.command_timeout_ms;
	a.conn.ask_pass = given.ask_pass;
	a.conn.to.accept_new_host_keys |= given.to.accept_new_host_keys;
	if ((r = cmd_run_reload(ctx, &jr, &a, false, &pb, &inv)) != EXIT_OK)
		goto out;
	if ((r = cmd_run_hosts(ctx, inv, &jr, want, &hosts, &n)) != EXIT_OK)
		goto out;
	a.limit = NULL;		/* the hosts are chosen: exactly these */
	a.rerun_of = jr.id;
	a.rerun_dir = dir;
	r = cmd_run_playbook(ctx, &a, pb, hosts, n, inv);
out:
	free(want);
	free(hosts);
	inventory_free(inv);
	playbook_free(pb);
	journal_run_release(&jr);
	free(dir);
	return r;
}

const struct cmd_entry cmd_rerun_entry = {
	.name = "rerun",
	.usage = "rerun RUN_ID --failed|--unreachable|--succeeded [--check] "
	    "[--yes]",
	.summary =
	    "Runs the playbook of RUN_ID again, with its variables and "
	    "options, over exactly\nthe hosts that ended that way (the "
	    "options add up).  Each run's journal names\nthe other.\n"
	    "\n"
	    "      --failed             hosts that failed, or were left "
	    "unknown by a resume\n"
	    "      --unreachable        hosts that could not be reached\n"
	    "      --succeeded          hosts that succeeded\n"
	    "      --check              print the plan and run nothing\n"
	    "      --yes                run steps marked confirm without "
	    "asking\n"
	    "  -f, -t, --ask-pass, --accept-new-host-keys  as for run; "
	    "otherwise the first\n"
	    "                           run's options\n"
	    "      --json               one JSON event per line",
	.exec = rerun_main,
};
