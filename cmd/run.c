/*
 * lifeboat run PLAYBOOK: runs a playbook over its targets, in the waves
 * its rollout plans, and shows how it goes: the waves, every failure as
 * it happens, sign-offs awaited, a halt and why, and a table at the end.
 * --check prints the plan and runs nothing; --json writes one event per
 * line.  The work is the runner's (src/run.c); this is its observer.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "engine.h"
#include "errors.h"
#include "hostrange.h"
#include "inventory.h"
#include "journal.h"
#include "json.h"
#include "loop.h"
#include "playbook.h"
#include "run.h"
#include "rundir.h"
#include "sha256.h"
#include "transport.h"
#include "xmalloc.h"

#define PROGRESS_MS	200

struct wave_row {
	size_t	 hosts;
	size_t	 ok;
	size_t	 changed;
	size_t	 failed;
	size_t	 unreachable;
	size_t	 skipped;
	size_t	 cancelled;
};

struct run_cli {
	struct cmd_ctx		*ctx;
	struct run		*run;
	const struct playbook	*pb;
	const char		*id;
	const struct host *const *hosts;
	struct json		 j;
	bool			 json;
	struct cmd_progress	 progress;
	bool			*changed;	/* per host */
	enum step_outcome	*last;		/* per host: last failure */
	struct wave_row		*rows;
	size_t			 nrows;
	struct wave_row		*site_rows;	/* per site, in order seen */
	const char		**sites;
	size_t			 nsites;
	int			 interrupts;
	bool			 write_error;
};

static void
progress_draw(struct run_cli *c, const struct run_event *ev)
{
	const struct run_stats	*s = ev->stats;
	const struct wave_row	*w;

	if (ev->wave == NULL || ev->nwave >= c->nrows)
		return;
	w = &c->rows[ev->nwave];
	cmd_progress_show(&c->progress, "wave %zu: %zu/%zu done, %zu failed, "
	    "%zu unreachable, %zu skipped, %zu running  %.0fs",
	    ev->wave->number, w->ok + w->failed + w->unreachable +
	    w->skipped + w->cancelled, w->hosts, w->failed, w->unreachable,
	    w->skipped, s->running, (double)(s->t_now - s->t_start) / 1000);
}

static void
json_event(struct run_cli *c, const char *type)
{
	json_obj_begin(&c->j);
	json_kv_str(&c->j, "event", type);
	json_kv_str(&c->j, "run", c->id);
}

static void
json_line(struct run_cli *c)
{
	json_obj_end(&c->j);
	if (json_finish(&c->j) != 0 || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF)
		c->write_error = true;
}

static void
json_tally(struct run_cli *c, const struct rollout_tally *t)
{
	json_kv_int(&c->j, "ok", (int64_t)t->ok);
	json_kv_int(&c->j, "failed", (int64_t)t->failed);
	json_kv_int(&c->j, "unreachable", (int64_t)t->unreachable);
	json_kv_int(&c->j, "skipped", (int64_t)t->skipped);
}

static void
on_json(struct run_cli *c, const struct run_event *ev)
{
	size_t	 i;

	switch (ev->type) {
	case RUN_WAVE_START:
		json_event(c, "wave_start");
		json_kv_int(&c->j, "wave", (int64_t)ev->wave->number);
		json_kv_bool(&c->j, "canary", ev->wave->number == 0);
		json_key(&c->j, "hosts");
		json_arr_begin(&c->j);
		for (i = 0; i < ev->wave->n; i++)
			json_str(&c->j, c->hosts[ev->wave->hosts[i]]->name);
		json_arr_end(&c->j);
		break;
	case RUN_STEP_DONE:
		json_event(c, "step");
		json_kv_str(&c->j, "host", ev->host->name);
		json_kv_str(&c->j, "step", ev->step->name);
		json_kv_int(&c->j, "index", (int64_t)ev->step_index + 1);
		json_kv_str(&c->j, "outcome", step_outcome_name(ev->outcome));
		json_key(&c->j, "rc");
		if (ev->rc >= 0)
			json_int(&c->j, ev->rc);
		else
			json_null(&c->j);
		json_kv_str(&c->j, "msg", ev->msg);
		json_kv_int(&c->j, "duration_ms", ev->duration_ms);
		break;
	case RUN_HOST_DONE:
		json_event(c, "host");
		json_kv_str(&c->j, "host", ev->host->name);
		json_kv_str(&c->j, "site", ev->host->site);
		json_kv_str(&c->j, "status", host_status_name(ev->status));
		json_kv_bool(&c->j, "changed", c->changed[ev->host_index]);
		json_kv_int(&c->j, "duration_ms", ev->duration_ms);
		if (ev->restored)
			json_kv_bool(&c->j, "restored", true);
		break;
	case RUN_WAVE_DONE:
		json_event(c, "wave_done");
		json_kv_int(&c->j, "wave", (int64_t)ev->wave->number);
		json_key(&c->j, "run_so_far");
		json_obj_begin(&c->j);
		json_tally(c, &ev->stats->tally);
		json_obj_end(&c->j);
		break;
	case RUN_WAITING:
		json_event(c, "signoff_wait");
		json_kv_str(&c->j, "step", ev->step->name);
		json_kv_str(&c->j, "owner",
		    pb_step_action(ev->step, ev->host->os)->owner);
		break;
	case RUN_SIGNED:
		json_event(c, "signoff");
		json_kv_str(&c->j, "step", ev->step ? ev->step->name : NULL);
		json_kv_str(&c->j, "by", ev->signer);
		json_kv_str(&c->j, "at", ev->msg);
		break;
	case RUN_PAUSE:
		json_event(c, "pause");
		json_key(&c->j, "ms");
		if (ev->pause_ms > 0)
			json_int(&c->j, ev->pause_ms);
		else
			json_null(&c->j);
		json_kv_int(&c->j, "next_wave",
		    (int64_t)ev->wave->number + 1);
		break;
	case RUN_HALT:
		json_event(c, "halt");
		json_kv_str(&c->j, "reason", ev->msg);
		json_kv_int(&c->j, "not_run", (int64_t)ev->stats->not_run);
		break;
	case RUN_DONE:
		json_event(c, "done");
		json_tally(c, &ev->stats->tally);
		json_kv_int(&c->j, "changed", (int64_t)ev->stats->changed);
		json_kv_int(&c->j, "cancelled",
		    (int64_t)ev->stats->cancelled);
		json_kv_int(&c->j, "not_run", (int64_t)ev->stats->not_run);
		json_kv_bool(&c->j, "halted", ev->stats->halted);
		json_kv_int(&c->j, "status", run_status(c->run));
		json_kv_int(&c->j, "duration_ms",
		    ev->stats->t_now - ev->stats->t_start);
		break;
	default:
		return;
	}
	json_line(c);
}

/* The hosts of a wave as "a,b[1:3]". */
static char *
wave_names(const struct rollout_wave *w, const struct host *const *hosts)
{
	const char	**names;
	char		*s;
	size_t		 i;

	names = xreallocarray(NULL, w->n, sizeof(*names));
	for (i = 0; i < w->n; i++)
		names[i] = hosts[w->hosts[i]]->name;
	s = hostrange_fold((const char *const *)names, w->n);
	free(names);
	return s;
}

static void
on_text(struct run_cli *c, const struct run_event *ev)
{
	const struct pb_action	*act;
	char			*names;
	FILE			*out = stdout;

	switch (ev->type) {
	case RUN_WAVE_START:
		names = wave_names(ev->wave, c->hosts);
		fprintf(out, "wave %zu%s: %zu host%s: %s\n",
		    ev->wave->number, ev->wave->number == 0 ?
		    " (canary)" : "", ev->wave->n, cmd_plural(ev->wave->n),
		    names);
		free(names);
		break;
	case RUN_STEP_DONE:
		if (ev->outcome == STEP_FAILED ||
		    ev->outcome == STEP_UNREACHABLE)
			fprintf(out, "%s: step '%s': %s%s%s\n", ev->host->name,
			    ev->step->name, step_outcome_name(ev->outcome),
			    ev->msg ? ": " : "", ev->msg ? ev->msg : "");
		else if (c->ctx->verbose > 0)
			fprintf(out, "%s: step '%s': %s%s%s (%.1f s)\n",
			    ev->host->name, ev->step->name,
			    step_outcome_name(ev->outcome), ev->msg ? ": " : "",
			    ev->msg ? ev->msg : "",
			    (double)ev->duration_ms / 1000);
		break;
	case RUN_WAITING:
		act = pb_step_action(ev->step, ev->host->os);
		fprintf(out, "waiting for sign-off of step '%s' (owner: %s): "
		    "%s\n  lifeboat signoff %s '%s' --by NAME\n",
		    ev->step->name, act && act->owner ? act->owner : "-",
		    act && act->text ? act->text : "", c->id, ev->step->name);
		break;
	case RUN_SIGNED:
		if (ev->step != NULL)
			fprintf(out, "signed off: step '%s' by %s at %s\n",
			    ev->step->name, ev->signer, ev->msg);
		else
			fprintf(out, "signed off: the next wave, by %s at %s\n",
			    ev->signer, ev->msg);
		break;
	case RUN_PAUSE:
		if (ev->pause_ms > 0)
			fprintf(out, "pausing %.0f s before wave %zu\n",
			    (double)ev->pause_ms / 1000,
			    ev->wave->number + 1);
		else
			fprintf(out, "waiting for sign-off before wave %zu:\n"
			    "  lifeboat signoff %s 'wave %zu' --by NAME\n",
			    ev->wave->number + 1, c->id,
			    ev->wave->number + 1);
		break;
	case RUN_HALT:
		fprintf(out, "HALTED: %s; %zu host%s not run\n", ev->msg,
		    ev->stats->not_run, cmd_plural(ev->stats->not_run));
		break;
	default:
		break;
	}
	if (fflush(out) == EOF)
		c->write_error = true;
}

/* The row of site (NULL: no site), added when new. */
static struct wave_row *
site_row(struct run_cli *c, const char *site)
{
	size_t	 i;

	site = site != NULL ? site : "-";
	for (i = 0; i < c->nsites; i++)
		if (strcmp(c->sites[i], site) == 0)
			return &c->site_rows[i];
	c->sites = xreallocarray(c->sites, c->nsites + 1, sizeof(*c->sites));
	c->site_rows = xreallocarray(c->site_rows, c->nsites + 1,
	    sizeof(*c->site_rows));
	c->sites[c->nsites] = site;
	memset(&c->site_rows[c->nsites], 0, sizeof(*c->site_rows));
	return &c->site_rows[c->nsites++];
}

static void
count(struct run_cli *c, struct wave_row *w, const struct run_event *ev)
{
	if (c->changed[ev->host_index])
		w->changed++;
	switch (ev->status) {
	case HOST_OK:
		if (c->last[ev->host_index] == STEP_SKIPPED)
			w->skipped++;
		else
			w->ok++;
		break;
	case HOST_FAILED:
		w->failed++;
		break;
	case HOST_UNREACHABLE:
		w->unreachable++;
		break;
	default:
		w->cancelled++;
		break;
	}
}

static void
observe(const struct run_event *ev, void *arg)
{
	struct run_cli		*c = arg;
	struct wave_row		*w = NULL;

	if (ev->wave != NULL && ev->nwave < c->nrows)
		w = &c->rows[ev->nwave];
	switch (ev->type) {
	case RUN_WAVE_START:
		if (w != NULL)
			w->hosts = ev->wave->n;
		break;
	case RUN_STEP_DONE:
		if (ev->outcome == STEP_CHANGED)
			c->changed[ev->host_index] = true;
		break;
	case RUN_HOST_DONE:
		if (w == NULL)
			break;
		if (ev->restored) {
			/* Done before a resume: counted in its wave. */
			w->hosts = ev->wave->n;
			c->changed[ev->host_index] = ev->changed;
			if (ev->skipped)
				c->last[ev->host_index] = STEP_SKIPPED;
			else
				c->last[ev->host_index] = STEP_OK;
		}
		count(c, w, ev);
		count(c, site_row(c, ev->host->site), ev);
		break;
	default:
		break;
	}
	if (ev->type == RUN_STEP_DONE && ev->outcome != STEP_SKIPPED)
		c->last[ev->host_index] = ev->outcome;
	cmd_progress_clear(&c->progress);
	if (c->json)
		on_json(c, ev);
	else if (c->ctx->verbose >= 0 || ev->type == RUN_HALT)
		on_text(c, ev);
	if (ev->type != RUN_DONE)
		progress_draw(c, ev);
}

/* The summary table, on stdout at the end. */
static void
summary(struct run_cli *c, const struct run_stats *s)
{
	struct wave_row	 t;
	size_t		 i;
	const char	*label;

	memset(&t, 0, sizeof(t));
	printf("\n%-10s %6s %6s %8s %7s %12s %8s\n", "wave", "hosts", "ok",
	    "changed", "failed", "unreachable", "skipped");
	for (i = 0; i < c->nrows; i++) {
		const struct wave_row *w = &c->rows[i];

		if (w->hosts == 0)
			continue;
		label = i == 0 && c->rows[0].hosts > 0 &&
		    run_plan(c->run)->waves[0].number == 0 ? "canary" : NULL;
		/* Waves of one site each: name the site. */
		if (label == NULL && c->pb->rollout.plan.serial_site)
			label = c->hosts[run_plan(c->run)->waves[i].hosts[0]]->
			    site;
		if (label != NULL)
			printf("%-10s", label);
		else
			printf("%-10zu", run_plan(c->run)->waves[i].number);
		printf(" %6zu %6zu %8zu %7zu %12zu %8zu\n", w->hosts, w->ok,
		    w->changed, w->failed, w->unreachable, w->skipped);
		t.hosts += w->hosts;
		t.ok += w->ok;
		t.changed += w->changed;
		t.failed += w->failed;
		t.unreachable += w->unreachable;
		t.skipped += w->skipped;
	}
	printf("%-10s %6zu %6zu %8zu %7zu %12zu %8zu\n", "total", t.hosts,
	    t.ok, t.changed, t.failed, t.unreachable, t.skipped);
	if (c->nsites > 1 && !c->pb->rollout.plan.serial_site) {
		printf("\n%-10s %6s %6s %8s %7s %12s %8s\n", "site", "hosts",
		    "ok", "changed", "failed", "unreachable", "skipped");
		for (i = 0; i < c->nsites; i++) {
			const struct wave_row *w = &c->site_rows[i];

			printf("%-10s %6zu %6zu %8zu %7zu %12zu %8zu\n",
			    c->sites[i], w->ok + w->failed + w->unreachable +
			    w->skipped + w->cancelled, w->ok, w->changed,
			    w->failed, w->unreachable, w->skipped);
		}
	}
	if (s->not_run > 0)
		printf("not run: %zu host%s (halted)\n", s->not_run,
		    cmd_plural(s->not_run));
	if (s->cancelled > 0)
		printf("cancelled: %zu host%s\n", s->cancelled,
		    cmd_plural(s->cancelled));
	printf("%s in %.1f s\n", s->halted ? "HALTED" : c->interrupts ?
	    "interrupted" : "done", (double)(s->t_now - s->t_start) / 1000);
}

static void
on_signal(struct loop *loop, int signo, void *arg)
{
	struct run_cli	*c = arg;

	(void)loop;
	(void)signo;
	if (c->interrupts++ == 0) {
		cmd_progress_clear(&c->progress);
		fprintf(stderr, "lifeboat: interrupted: starting no more "
		    "hosts or waves; the hosts at work finish their step "
		    "(Ctrl-C again to stop them now)\n");
	}
	run_cancel(c->run);
}

/*
 * --check: the plan, and what each step does where.
 */
void
cmd_run_check(const struct playbook *pb, struct run *run,
    const struct host *const *hosts, size_t n, FILE *out)
{
	const struct pb_step	*st;
	const struct pb_action	*a;
	size_t			 i, k, nwin = 0, nlin = 0, runs;

	fprintf(out, "playbook: %s (%s)%s%.*s\n", pb->name,
	    pb_kind_name(pb->kind), pb->description ? ": " : "",
	    pb->description ? (int)strcspn(pb->description, "\n") : 0,
	    pb->description ? pb->description : "");
	if (rollout_plan_print(run_plan(run), hosts, out) != 0)
		return;
	for (k = 0; k < n; k++) {
		if (hosts[k]->os != NULL && strcmp(hosts[k]->os, "windows") ==
		    0)
			nwin++;
		else
			nlin++;
	}
	if (pb->rollout.pause_manual)
		fprintf(out, "between waves: a sign-off ('wave N') before "
		    "each\n");
	else if (pb->rollout.pause_ms > 0)
		fprintf(out, "between waves: a pause of %.0f s\n",
		    (double)pb->rollout.pause_ms / 1000);
	fprintf(out, "steps:\n");
	for (i = 0; i < pb->nsteps; i++) {
		st = &pb->steps[i];
		runs = st->action != NULL ? n : (st->on_windows ? nwin : 0) +
		    (st->on_linux ? nlin : 0);
		fprintf(out, "  %zu. %s: ", i + 1, st->name);
		if (st->action != NULL)
			fprintf(out, "%s", st->action->name);
		else {
			if (st->on_windows != NULL)
				fprintf(out, "windows: %s",
				    st->on_windows->name);
			if (st->on_linux != NULL)
				fprintf(out, "%slinux: %s", st->on_windows ?
				    ", " : "", st->on_linux->name);
		}
		fprintf(out, " on %zu host%s", runs, cmd_plural(runs));
		if (st->when != NULL)
			fprintf(out, ", when %s", st->when);
		if (st->confirm)
			fprintf(out, ", needs confirmation");
		a = st->action ? st->action : st->on_windows ?
		    st->on_windows : st->on_linux;
		if (a != NULL && a->type == PB_MANUAL)
			fprintf(out, ", signed off by %s", a->owner);
		if (st->on_failure == PB_FAIL_ABORT)
			fprintf(out, ", aborts the run on failure");
		else if (st->on_failure == PB_FAIL_CONTINUE)
			fprintf(out, ", failure ignored");
		fprintf(out, "\n");
	}
	fprintf(out, "nothing was run (--check)\n");
}

enum {
	OPT_CHECK = CMD_OPT_NEXT,
	OPT_YES,
	OPT_PLUGIN_PATH,
};

static const struct option run_long[] = {
	CMD_CONN_LONG,
	{ "limit", required_argument, NULL, 'l' },
	{ "extra-var", required_argument, NULL, 'e' },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "plugin-path", required_argument, NULL, OPT_PLUGIN_PATH },
	{ NULL, 0, NULL, 0 }
};

static int
extra_var(struct cmd_ctx *ctx, struct cmd_run_args *a, char *s)
{
	char	*eq = strchr(s, '=');
	size_t	 i;

	if (eq == NULL || eq == s) {
		cmd_error(ctx, "-e: '%s' is not NAME=VALUE", s);
		return -1;
	}
	*eq = '\0';
	if (!inv_valid_name(s) || strchr(s, '.') != NULL) {
		cmd_error(ctx, "-e: bad variable name '%s': letters, digits, "
		    "'_' and '-'", s);
		return -1;
	}
	for (i = 0; i < a->nevars; i++) {
		if (strcmp(a->evars[i].name, s) == 0) {
			a->evars[i].value = eq + 1;	/* the last wins */
			return 0;
		}
	}
	if (a->nevars == CMD_MAX_EVARS) {
		cmd_error(ctx, "-e: more than %d variables", CMD_MAX_EVARS);
		return -1;
	}
	a->evars[a->nevars].name = s;
	a->evars[a->nevars++].value = eq + 1;
	return 0;
}

static int
run_option(struct cmd_ctx *ctx, int c, struct cmd_run_args *a)
{
	int	 r;

	if ((r = cmd_conn_option(ctx, c, &a->conn)) <= 0)
		return r;
	switch (c) {
	case 'l':
		a->limit = optarg;
		return 0;
	case 'e':
		return extra_var(ctx, a, optarg);
	case OPT_CHECK:
		a->check = true;
		return 0;
	case OPT_YES:
		a->yes = true;
		return 0;
	case OPT_PLUGIN_PATH:
		a->plugin_path = optarg;
		return 0;
	}
	return -1;
}

static int
run_parse(struct cmd_ctx *ctx, int argc, char **argv, struct cmd_run_args *a)
{
	int	 c;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, "l:e:" CMD_CONN_SHORT,
		    run_long)) != -1) {
			if (c == 'h')
				return cmd_usage(&cmd_run_entry, NULL, true) ==
				    EXIT_OK ? 1 : -1;
			if (c == '?' || run_option(ctx, c, a) != 0)
				return -1;
		}
		if (optind >= argc)
			break;
		if (a->playbook != NULL) {
			cmd_error(ctx, "one playbook at a time: '%s' and '%s'",
			    a->playbook, argv[optind]);
			return -1;
		}
		a->playbook = argv[optind++];
	}
	if (a->playbook == NULL) {
		cmd_error(ctx, "a playbook is needed");
		cmd_usage(&cmd_run_entry, NULL, false);
		return -1;
	}
	return 0;
}

int
cmd_run_targets(struct cmd_ctx *ctx, struct inventory *inv,
    const struct playbook *pb, const char *limit,
    const struct host ***hostsp, size_t *np)
{
	const struct host	**t = NULL, **l = NULL;
	size_t			 nt = 0, nl = 0, i, k, n = 0;
	int			 r;

	if ((r = cmd_select_targets(ctx, inv, pb->targets, &t, &nt)) != 0)
		return r;
	if (limit == NULL) {
		*hostsp = t;
		*np = nt;
		return EXIT_OK;
	}
	if ((r = cmd_select_targets(ctx, inv, limit, &l, &nl)) != 0) {
		free(t);
		return r;
	}
	for (i = 0; i < nt; i++) {
		for (k = 0; k < nl; k++)
			if (l[k] == t[i])
				break;
		if (k < nl)
			t[n++] = t[i];
	}
	free(l);
	if (n == 0) {
		cmd_error(ctx, "no host of the playbook's targets '%s' is in "
		    "-l '%s'", pb->targets, limit);
		free(t);
		return EXIT_USAGE;
	}
	*hostsp = t;
	*np = n;
	return EXIT_OK;
}

/* Steps marked confirm need --yes, or a yes typed at the terminal. */
static int
confirm(struct cmd_ctx *ctx, const struct playbook *pb, bool yes, size_t n)
{
	struct buf	 answer;
	size_t		 i, k = 0;
	int		 r;

	for (i = 0; i < pb->nsteps; i++)
		if (pb->steps[i].confirm)
			k++;
	if (k == 0 || yes)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
		for (i = 0; i < pb->nsteps; i++)
			if (pb->steps[i].confirm)
				break;
		cmd_error(ctx, "step '%s' changes hosts and is marked "
		    "confirm: run again with --yes", pb->steps[i].name);
		return -1;
	}
	fprintf(stderr, "These steps change hosts and are marked confirm:\n");
	for (i = 0; i < pb->nsteps; i++)
		if (pb->steps[i].confirm)
			fprintf(stderr, "  %s\n", pb->steps[i].name);
	fprintf(stderr, "They will run on up to %zu host%s.\n", n,
	    cmd_plural(n));
	buf_init(&answer, 64, 0);
	r = cmd_ask("Type yes to go on: ", true, &answer, NULL);
	if (r != 0 || strcmp(buf_str(&answer), "yes") != 0) {
		buf_release(&answer);
		cmd_error(ctx, "not confirmed: nothing was run");
		return -1;
	}
	buf_release(&answer);
	return 0;
}

/* run.json: what the run is, for signoff and for people. */
static int
write_run_json(const char *dir, const char *id, const char *path,
    const struct playbook *pb, size_t nhosts, const struct rollout_plan *pl)
{
	struct json	 j;
	size_t		 i;
	int		 r;

	json_init(&j, NULL);
	json_obj_begin(&j);
	json_kv_str(&j, "id", id);
	json_kv_str(&j, "playbook", path);
	json_kv_str(&j, "name", pb->name);
	json_kv_int(&j, "pid", (int64_t)getpid());
	json_kv_int(&j, "started", (int64_t)time(NULL));
	json_kv_int(&j, "hosts", (int64_t)nhosts);
	json_key(&j, "manual");
	json_arr_begin(&j);
	for (i = 0; i < pb->nsteps; i++) {
		const struct pb_step *st = &pb->steps[i];
		const struct pb_action *a = st->action ? st->action :
		    st->on_windows ? st->on_windows : st->on_linux;

		if (a != NULL && a->type == PB_MANUAL)
			json_str(&j, st->name);
	}
	json_arr_end(&j);
	json_key(&j, "gates");
	json_arr_begin(&j);
	for (i = 1; pb->rollout.pause_manual && i < pl->nwaves; i++) {
		char	 g[32];

		snprintf(g, sizeof g, "wave %zu", pl->waves[i].number);
		json_str(&j, g);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
	buf_addc(&j.out, '\n');
	r = rundir_write(dir, "run.json", j.out.data, j.out.len);
	json_release(&j);
	return r;
}

/* The journal's first record: what the run is, to carry it on. */
static void
run_record(struct journal *jn, const char *id,
    struct cmd_run_args *a, const struct playbook *pb,
    const struct host *const *hosts, size_t n, const struct inventory *inv,
    const struct rollout_plan *pl)
{
	struct json	*w = journal_begin(jn, "run");
	char		 hex[65], *path;
	size_t		 i, k;

	json_kv_int(w, "v", JOURNAL_VERSION);
	json_kv_str(w, "id", id);
	json_kv_str(w, "kind", "playbook");
	path = realpath(a->playbook, NULL);
	json_kv_str(w, "playbook", path ? path : a->playbook);
	json_kv_str(w, "playbook_sha256", sha256_file(path ? path :
	    a->playbook, hex) == 0 ? hex : NULL);
	free(path);
	json_kv_str(w, "name", pb->name);
	cmd_record_inventories(w, inv);
	json_kv_str(w, "limit", a->limit);
	json_key(w, "vars");
	json_arr_begin(w);
	for (i = 0; i < a->nevars; i++) {
		json_obj_begin(w);
		json_kv_str(w, "name", a->evars[i].name);
		json_kv_str(w, "value", a->evars[i].value);
		json_obj_end(w);
	}
	json_arr_end(w);
	cmd_conn_record(w, &a->conn, a->plugin_path);
	cmd_record_hosts(w, hosts, n);
	json_key(w, "steps");
	json_arr_begin(w);
	for (i = 0; i < pb->nsteps; i++) {
		const struct pb_step	*st = &pb->steps[i];
		const struct pb_action	*ac = st->action ? st->action :
		    st->on_windows ? st->on_windows : st->on_linux;

		json_obj_begin(w);
		json_kv_str(w, "name", st->name);
		json_kv_bool(w, "idempotent", st->idempotent);
		json_kv_bool(w, "manual", ac != NULL &&
		    ac->type == PB_MANUAL);
		if (ac != NULL && ac->type == PB_MANUAL)
			json_kv_str(w, "owner", ac->owner);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "waves");
	json_arr_begin(w);
	for (i = 0; i < pl->nwaves; i++) {
		json_arr_begin(w);
		for (k = 0; k < pl->waves[i].n; k++)
			json_int(w, (int64_t)pl->waves[i].hosts[k]);
		json_arr_end(w);
	}
	json_arr_end(w);
	json_key(w, "numbers");
	json_arr_begin(w);
	for (i = 0; i < pl->nwaves; i++)
		json_int(w, (int64_t)pl->waves[i].number);
	json_arr_end(w);
	json_key(w, "gates");
	json_arr_begin(w);
	for (i = 1; pb->rollout.pause_manual && i < pl->nwaves; i++) {
		char	 g[32];

		snprintf(g, sizeof g, "wave %zu", pl->waves[i].number);
		json_str(w, g);
	}
	json_arr_end(w);
	if (a->rerun_of != NULL)
		json_kv_str(w, "rerun_of", a->rerun_of);
	json_kv_int(w, "pid", (int64_t)getpid());
	json_kv_str(w, "user", cmd_user());
	journal_end(jn);
}

int
cmd_run_new(struct cmd_ctx *ctx, struct cmd_run_args *a,
    const struct playbook *pb, const struct host *const *hosts, size_t n,
    struct loop *loop, struct tp_ctx *tp, run_observer_fn *fn, void *arg,
    struct cmd_runsess *s)
{
	struct run_opts		 ro;
	struct diags		 d = DIAGS_INIT;
	char			 why[512];

	memset(s, 0, sizeof(*s));
	memset(&ro, 0, sizeof(ro));
	ro.pb = pb;
	ro.hosts = hosts;
	ro.nhosts = n;
	ro.vars = a->evars;
	ro.nvars = a->nevars;
	ro.eo = a->conn.eo;
	ro.plugin_path = a->plugin_path;
	ro.reboot_settle_ms = -1;
	ro.fit_canary = a->rerun_of != NULL;
	if (a->resume != NULL) {
		/* The journal is open before the run is made: the state it
		 * takes up reads outputs and marks steps unknown. */
		snprintf(s->id, sizeof s->id, "%s", a->resume->id);
		s->dir = xstrdup(a->resume_dir);
		if ((s->jn = journal_open(s->dir, a->resume->good_len, why,
		    sizeof why)) == NULL) {
			cmd_error(ctx, "%s", why);
			return EXIT_USAGE;
		}
		cmd_resume_record(s->jn, a->force, a->rerun_unknown);
		ro.journal = s->jn;
		ro.run_dir = s->dir;
		ro.resume = a->resume;
		ro.rerun_unknown = a->rerun_unknown;
	}
	s->run = run_new(loop, tp, &ro, fn, arg, &d);
	cmd_print_diags(ctx, &d, 20);
	diags_release(&d);
	return s->run != NULL ? EXIT_OK : EXIT_USAGE;
}

int
cmd_run_commit(struct cmd_ctx *ctx, struct cmd_run_args *a,
    const struct playbook *pb, const struct host *const *hosts, size_t n,
    const struct inventory *inv, struct cmd_runsess *s)
{
	char	 why[512];
	int	 r;

	if (a->resume == NULL) {
		if ((s->dir = rundir_create(s->id, why, sizeof why)) ==
		    NULL) {
			cmd_error(ctx, "%s", why);
			return EXIT_USAGE;
		}
		run_set_dir(s->run, s->dir);
	}
	if ((r = write_run_json(s->dir, s->id, a->playbook, pb, n,
	    run_plan(s->run))) != 0) {
		cmd_error(ctx, "cannot write %s/run.json: %s", s->dir,
		    strerror(r));
		return EXIT_USAGE;
	}
	if (a->resume == NULL) {
		if ((s->jn = journal_open(s->dir, -1, why, sizeof why)) ==
		    NULL) {
			cmd_error(ctx, "%s", why);
			return EXIT_USAGE;
		}
		run_record(s->jn, s->id, a, pb, hosts, n, inv,
		    run_plan(s->run));
		run_set_journal(s->run, s->jn);
	}
	if ((r = journal_sync(s->jn)) != 0) {
		cmd_error(ctx, "cannot write %s/%s: %s", s->dir, JOURNAL_FILE,
		    strerror(r));
		return EXIT_USAGE;
	}
	if (a->rerun_of != NULL && cmd_rerun_link(ctx, a->rerun_dir,
	    a->rerun_of, s->id) != 0)
		return EXIT_USAGE;
	return EXIT_OK;
}

int
cmd_run_end(struct cmd_ctx *ctx, struct cmd_runsess *s, int status)
{
	run_free(s->run);
	s->run = NULL;
	if (s->jn != NULL && journal_sync(s->jn) != 0 &&
	    status != EXIT_USAGE) {
		cmd_error(ctx, "cannot write %s/%s: %s", s->dir, JOURNAL_FILE,
		    strerror(journal_error(s->jn)));
		if (status == EXIT_OK)
			status = EXIT_FAILED;
	}
	journal_free(s->jn);
	s->jn = NULL;
	free(s->dir);
	s->dir = NULL;
	return status;
}

int
cmd_run_playbook(struct cmd_ctx *ctx, struct cmd_run_args *a,
    const struct playbook *pb, const struct host *const *hosts, size_t n,
    const struct inventory *inv)
{
	struct run_cli		 c;
	struct cmd_runsess	 s;
	struct diags		 d = DIAGS_INIT;
	struct loop		*loop = NULL;
	struct tp_ctx		*tp = NULL;
	struct buf		 pass;
	int			 status = EXIT_USAGE;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	buf_init(&pass, 4096, BUF_WIPE);
	c.ctx = ctx;
	c.pb = pb;
	c.json = ctx->json;
	c.id = "";
	c.hosts = hosts;
	if ((loop = loop_new()) == NULL) {
		cmd_error(ctx, "cannot create the event loop: %s",
		    strerror(errno));
		goto out;
	}
	a->conn.to.prompt = cmd_ask;
	tp = tp_ctx_new(loop, &a->conn.to);
	if (cmd_run_new(ctx, a, pb, hosts, n, loop, tp, observe, &c, &s) !=
	    EXIT_OK)
		goto out;
	c.run = s.run;
	if (a->check) {
		cmd_run_check(pb, c.run, hosts, n, stdout);
		status = fflush(stdout) == EOF ? EXIT_FAILED : EXIT_OK;
		goto out;
	}
	if (a->resume == NULL && confirm(ctx, pb, a->yes, n) != 0)
		goto out;
	if (cmd_run_commit(ctx, a, pb, hosts, n, inv, &s) != EXIT_OK)
		goto out;
	c.id = s.id;
	if (a->conn.ask_pass) {
		if (cmd_ask("Password: ", false, &pass, NULL) != 0) {
			cmd_error(ctx, "--ask-pass: cannot read a password "
			    "from the terminal");
			goto out;
		}
		tp->opt.password = buf_str(&pass);
	}
	if (tp_ctx_prepare(tp, hosts, n, &d) != 0) {
		cmd_print_diags(ctx, &d, 10);
		goto out;
	}
	cmd_print_diags(ctx, &d, 10);
	cmd_raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	if (loop_signal(loop, SIGINT, on_signal, &c) != 0 ||
	    loop_signal(loop, SIGTERM, on_signal, &c) != 0) {
		cmd_error(ctx, "cannot catch signals: %s", strerror(errno));
		goto out;
	}
	c.changed = xcalloc(n, sizeof(*c.changed));
	c.last = xreallocarray(NULL, n ? n : 1, sizeof(*c.last));
	for (size_t i = 0; i < n; i++)
		c.last[i] = STEP_SKIPPED;	/* until a step is not */
	/* Sites in inventory order, whatever order hosts finish in. */
	for (size_t i = 0; i < n; i++)
		(void)site_row(&c, hosts[i]->site);
	c.nrows = run_plan(c.run)->nwaves;
	c.rows = xcalloc(c.nrows ? c.nrows : 1, sizeof(*c.rows));
	c.progress.on = !c.json && cmd_progress_wanted(ctx);
	if (c.json) {
		json_init(&c.j, stdout);
		json_event(&c, "run");
		json_kv_str(&c.j, "playbook", pb->name);
		json_kv_str(&c.j, "dir", s.dir);
		json_kv_bool(&c.j, "resumed", a->resume != NULL);
		if (a->rerun_of != NULL)
			json_kv_str(&c.j, "rerun_of", a->rerun_of);
		json_kv_int(&c.j, "hosts", (int64_t)n);
		json_kv_int(&c.j, "waves", (int64_t)c.nrows);
		json_line(&c);
	} else if (ctx->verbose >= 0) {
		printf("%s %s: playbook %s on %zu host%s in %zu wave%s\n",
		    a->resume ? "resuming run" : "run", s.id, pb->name, n,
		    cmd_plural(n), c.nrows, cmd_plural(c.nrows));
		fflush(stdout);
	}
	run_start(c.run);
	if (loop_run(loop) != 0) {
		cmd_error(ctx, "event loop: %s", strerror(errno));
		run_cancel(c.run);
		run_cancel(c.run);
	}
	cmd_progress_clear(&c.progress);
	if (!c.json && ctx->verbose >= 0)
		summary(&c, run_stats(c.run));
	if (fflush(stdout) == EOF)
		c.write_error = true;
	status = run_status(c.run);
	if (c.write_error) {
		cmd_error(ctx, "cannot write the output: %s",
		    strerror(errno));
		if (status == EXIT_OK)
			status = EXIT_FAILED;
	}
out:
	if (c.json)
		json_release(&c.j);
	status = cmd_run_end(ctx, &s, status);
	tp_ctx_free(tp);
	loop_free(loop);
	free(c.changed);
	free(c.last);
	free(c.rows);
	free(c.site_rows);
	free(c.sites);
	buf_release(&pass);
	return status;
}

static int
run_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cmd_run_args	 a;
	struct run_var		 evars[CMD_MAX_EVARS];
	struct playbook		*pb = NULL;
	struct inventory	*inv = NULL;
	struct diags		 d = DIAGS_INIT;
	const struct host	**hosts = NULL;
	size_t			 n = 0;
	int			 r;

	memset(&a, 0, sizeof(a));
	a.evars = evars;
	if ((r = run_parse(ctx, argc, argv, &a)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (playbook_load_file(a.playbook, &pb, &d) != 0) {
		cmd_print_diags(ctx, &d, 50);
		diags_release(&d);
		return EXIT_USAGE;
	}
	cmd_print_diags(ctx, &d, 10);
	diags_release(&d);
	r = cmd_load_inventory(ctx, &inv, &d);
	cmd_print_diags(ctx, &d, 10);
	diags_release(&d);
	if (r == EXIT_OK)
		r = cmd_run_targets(ctx, inv, pb, a.limit, &hosts, &n);
	if (r == EXIT_OK)
		r = cmd_run_playbook(ctx, &a, pb, hosts, n, inv);
	free(hosts);
	inventory_free(inv);
	playbook_free(pb);
	return r;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage =
	    "run PLAYBOOK [-l PATTERN] [-e NAME=VALUE]... [--check] [--yes]",
	.summary =
	    "Runs PLAYBOOK (lifeboat-playbook(5)) on its targets, in the "
	    "waves its rollout\nplans, halting when failures pass its "
	    "budget.\n"
	    "\n"
	    "  -l, --limit PATTERN      only the targets PATTERN also "
	    "selects\n"
	    "  -e, --extra-var NAME=VALUE  a variable, over the playbook's "
	    "and the inventory's\n"
	    "      --check              print the plan and run nothing\n"
	    "      --yes                run steps marked confirm without "
	    "asking\n"
	    "  -f, --fanout N           hosts at work at once (default 256; "
	    "the playbook's\n"
	    "                           concurrency wins)\n"
	    "  -t, --timeout DURATION   a step's default timeout (default "
	    "none)\n"
	    "      --per-site N         hosts at work at once in one site\n"
	    "      --connect-timeout DURATION  (default: the inventory's, "
	    "or 10s)\n"
	    "      --retries N          connect again N times when a host is "
	    "unreachable\n"
	    "      --retry-delay DURATION  first wait before retrying "
	    "(default 1s, doubled)\n"
	    "      --accept-new-host-keys  record unknown host keys (never "
	    "changed ones)\n"
	    "      --ask-pass           ask once for the login password\n"
	    "      --json               one JSON event per line\n"
	    "      --max-output SIZE    keep this much of each stream "
	    "(default 1M)\n"
	    "      --plugin-path DIRS   where action plugins are (default "
	    "$LIFEBOAT_PLUGIN_PATH,\n"
	    "                           else the installed ones)\n"
	    "      --seed N             for simulated hosts: repeatable "
	    "behaviour",
	.exec = run_main,
};

/*
 * Runs made again from a journal: resume and rerun.
 */

int
cmd_run_reload(struct cmd_ctx *ctx, const struct jrun *jr,
    struct cmd_run_args *a, bool strict, struct playbook **pbp,
    struct inventory **invp)
{
	struct diags	 d = DIAGS_INIT;
	size_t		 i;
	int		 r;

	*pbp = NULL;
	*invp = NULL;
	if (jr->playbook == NULL || strcmp(jr->kind, "playbook") != 0) {
		cmd_error(ctx, "run %s is not a playbook run", jr->id);
		return EXIT_USAGE;
	}
	a->playbook = jr->playbook;
	a->limit = jr->limit;
	a->plugin_path = jr->plugin_path;
	for (i = 0; i < jr->nvars && i < CMD_MAX_EVARS; i++) {
		a->evars[i].name = jr->var_names[i];
		a->evars[i].value = jr->var_values[i];
	}
	a->nevars = i;
	if (cmd_same_file(ctx, "playbook", jr->playbook, jr->playbook_sha256,
	    jr->id, strict) != 0)
		return EXIT_USAGE;
	if ((r = cmd_reload_inventory(ctx, jr, strict, invp)) != EXIT_OK)
		return r;
	if (playbook_load_file(jr->playbook, pbp, &d) != 0) {
		cmd_print_diags(ctx, &d, 50);
		r = EXIT_USAGE;
	}
	diags_release(&d);
	return r;
}

int
cmd_run_hosts(struct cmd_ctx *ctx, const struct inventory *inv,
    const struct jrun *jr, const bool *want, const struct host ***hostsp,
    size_t *np)
{
	const struct host	**hosts;
	size_t			 i, n = 0;

	hosts = xcalloc(jr->nhosts ? jr->nhosts : 1, sizeof(*hosts));
	for (i = 0; i < jr->nhosts; i++) {
		if (want != NULL && !want[i])
			continue;
		if ((hosts[n++] = inventory_host(inv, jr->hosts[i].name)) ==
		    NULL) {
			cmd_error(ctx, "host %s of run %s is not in the "
			    "inventory any more", jr->hosts[i].name, jr->id);
			free(hosts);
			return EXIT_USAGE;
		}
	}
	*hostsp = hosts;
	*np = n;
	return EXIT_OK;
}
