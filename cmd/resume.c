/*
 * lifeboat resume RUN_ID: carries on a playbook run that was cut short
 * (killed, the laptop died, the VPN dropped) from its journal.  Hosts
 * the journal shows done are not run again; the others start at their
 * first step without an end.  A step that started and did not end is run
 * again when the playbook declares it idempotent, or with
 * --rerun-unknown (asked at a terminal); otherwise it is marked unknown.
 * The playbook and inventories must be as they were, unless --force.
 * An exec run is carried on the same way, by cmd_exec_resume().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "inventory.h"
#include "journal.h"
#include "playbook.h"
#include "run.h"
#include "xmalloc.h"

#define UNKNOWN_SHOWN	10

enum {
	OPT_RERUN_UNKNOWN = CMD_OPT_NEXT,
	OPT_FORCE,
};

static const struct option resume_long[] = {
	CMD_CONN_LONG,
	{ "rerun-unknown", no_argument, NULL, OPT_RERUN_UNKNOWN },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ NULL, 0, NULL, 0 }
};

static int
resume_option(struct cmd_ctx *ctx, int c, struct cmd_run_args *a)
{
	int	 r;

	if ((r = cmd_conn_option(ctx, c, &a->conn)) <= 0)
		return r;
	if (c == OPT_RERUN_UNKNOWN)
		a->rerun_unknown = true;
	else if (c == OPT_FORCE)
		a->force = true;
	else
		return -1;
	return 0;
}

static int
resume_parse(struct cmd_ctx *ctx, int argc, char **argv,
    struct cmd_run_args *a, const char **idp)
{
	int	 c;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, CMD_CONN_SHORT,
		    resume_long)) != -1) {
			if (c == 'h')
				return cmd_usage(&cmd_resume_entry, NULL,
				    true) == EXIT_OK ? 1 : -1;
			if (c == '?' || resume_option(ctx, c, a) != 0)
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
	if (*idp == NULL) {
		cmd_error(ctx, "a run id is needed");
		cmd_usage(&cmd_resume_entry, NULL, false);
		return -1;
	}
	return 0;
}

/* What the command line did not give, as the run had it. */
static void
merge_conn(struct cmd_conn *c, const struct jrun *jr)
{
	struct cmd_conn	 rec;

	memset(&rec, 0, sizeof(rec));
	cmd_conn_from_run(&rec, jr);
	if (c->eo.fanout == 0)
		c->eo.fanout = rec.eo.fanout;
	if (c->eo.per_site == 0)
		c->eo.per_site = rec.eo.per_site;
	if (c->eo.command_timeout_ms == 0)
		c->eo.command_timeout_ms = rec.eo.command_timeout_ms;
	if (c->to.connect_timeout_ms == 0)
		c->to.connect_timeout_ms = rec.to.connect_timeout_ms;
	if (c->eo.retries == 0)
		c->eo.retries = rec.eo.retries;
	if (c->eo.retry_delay_ms == 0)
		c->eo.retry_delay_ms = rec.eo.retry_delay_ms;
	if (c->to.out_cap == 0)
		c->to.out_cap = rec.to.out_cap;
	if (c->to.seed == 0)
		c->to.seed = rec.to.seed;
	c->to.accept_new_host_keys |= rec.to.accept_new_host_keys;
}

/*
 * Steps that started and did not end, and are not declared idempotent:
 * listed, and run again when --rerun-unknown is given or the person at
 * the terminal says so.
 */
static int
ask_unknown(struct cmd_ctx *ctx, const struct playbook *pb,
    const struct jrun *jr, struct cmd_run_args *a)
{
	struct buf	 answer;
	size_t		 i, s, n = 0;
	int		 r;

	for (i = 0; i < jr->nhosts; i++) {
		if (jr->hosts[i].done &&
		    strcmp(jr->hosts[i].status, "cancelled") != 0)
			continue;
		for (s = 0; s < jr->nsteps; s++) {
			if (!run_resume_unknown(pb, jr, i, s))
				continue;
			if (n++ < UNKNOWN_SHOWN && !a->rerun_unknown &&
			    ctx->verbose >= 0)
				fprintf(stderr, "  %s: step '%s' started and "
				    "did not end\n", jr->hosts[i].name,
				    pb->steps[s].name);
		}
	}
	if (n == 0 || a->rerun_unknown)
		return 0;
	if (n > UNKNOWN_SHOWN && ctx->verbose >= 0)
		fprintf(stderr, "  and %zu more\n", n - UNKNOWN_SHOWN);
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		if (ctx->verbose >= 0)
			fprintf(stderr, "lifeboat: %zu step%s cut short may "
			    "or may not have done their work: their hosts are "
			    "marked unknown (--rerun-unknown runs them "
			    "again)\n", n, cmd_plural(n));
		return 0;
	}
	buf_init(&answer, 64, 0);
	r = cmd_ask("These steps were cut short and may have done their "
	    "work. Run them again? [y/N] ", true, &answer, NULL);
	if (r == 0 && (strcmp(buf_str(&answer), "y") == 0 ||
	    strcmp(buf_str(&answer), "yes") == 0))
		a->rerun_unknown = true;
	buf_release(&answer);
	return 0;
}

static int
resume_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cmd_run_args	 a;
	struct run_var		 evars[CMD_MAX_EVARS];
	struct jrun		 jr;
	struct playbook		*pb = NULL;
	struct inventory	*inv = NULL;
	const struct host	**hosts = NULL;
	const char		*id = NULL;
	char			*dir = NULL;
	size_t			 n = 0;
	int			 r;

	memset(&a, 0, sizeof(a));
	memset(&jr, 0, sizeof(jr));
	a.evars = evars;
	if ((r = resume_parse(ctx, argc, argv, &a, &id)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if ((r = cmd_load_run(ctx, id, &dir, &jr)) != EXIT_OK)
		return r;
	r = EXIT_USAGE;
	if (jr.ended) {
		cmd_error(ctx, "run %s has ended (status %d): nothing to "
		    "resume; 'lifeboat rerun %s --failed' runs its failed "
		    "hosts again", jr.id, jr.status, jr.id);
		goto out;
	}
	if (strcmp(journal_state(dir, &jr), "running") == 0) {
		cmd_error(ctx, "run %s is in progress (pid %jd)", jr.id,
		    (intmax_t)jr.pid);
		goto out;
	}
	if (strcmp(jr.kind, "exec") == 0) {
		merge_conn(&a.conn, &jr);
		r = cmd_exec_resume(ctx, &jr, dir, &a.conn, a.rerun_unknown,
		    a.force);
		goto out;
	}
	if ((r = cmd_run_reload(ctx, &jr, &a, !a.force, &pb, &inv)) !=
	    EXIT_OK)
		goto out;
	if ((r = cmd_run_hosts(ctx, inv, &jr, NULL, &hosts, &n)) != EXIT_OK)
		goto out;
	merge_conn(&a.conn, &jr);
	if (ask_unknown(ctx, pb, &jr, &a) != 0) {
		r = EXIT_USAGE;
		goto out;
	}
	a.resume = &jr;
	a.resume_dir = dir;
	a.yes = true;		/* confirmed when the run began */
	r = cmd_run_playbook(ctx, &a, pb, hosts, n, inv);
out:
	free(hosts);
	inventory_free(inv);
	playbook_free(pb);
	journal_run_release(&jr);
	free(dir);
	return r;
}

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.usage = "resume RUN_ID [--rerun-unknown] [--force]",
	.summary =
	    "Carries on a run that was cut short, from its journal: done "
	    "hosts are not run\nagain, the others start at their first "
	    "step without an end.  A step that\nstarted and did not end "
	    "runs again when the playbook marks it idempotent.\nRUN_ID may "
	    "be 'last'.\n"
	    "\n"
	    "      --rerun-unknown      run again the steps that started "
	    "and did not end\n"
	    "                           (else: asked at a terminal, marked "
	    "unknown without one)\n"
	    "      --force              carry on though the playbook or an "
	    "inventory changed\n"
	    "  -f, -t, --per-site, --connect-timeout, --retries, "
	    "--retry-delay, --seed,\n"
	    "  --max-output, --accept-new-host-keys, --ask-pass\n"
	    "                           as for run; by default, what the "
	    "run had\n"
	    "      --json               one JSON event per line",
	.exec = resume_main,
};
