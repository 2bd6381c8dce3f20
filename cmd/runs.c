/*
 * lifeboat runs [list]: every run in the state directory, newest last,
 * with its state (done, interrupted, running) and counts.
 * lifeboat runs show RUN_ID: one run from its journal, wave by wave and
 * host by host: where each host is, what it ended on and why.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "errors.h"
#include "journal.h"
#include "json.h"
#include "rundir.h"
#include "xmalloc.h"

struct tally {
	size_t	 ok, failed, unreachable, cancelled, unknown, other;
};

static void
count(const struct jrun *jr, struct tally *t)
{
	const char	*st;
	size_t		 i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < jr->nhosts; i++) {
		st = journal_host_state(jr, i);
		if (strcmp(st, "ok") == 0)
			t->ok++;
		else if (strcmp(st, "failed") == 0)
			t->failed++;
		else if (strcmp(st, "unreachable") == 0)
			t->unreachable++;
		else if (strcmp(st, "cancelled") == 0)
			t->cancelled++;
		else if (strcmp(st, "unknown") == 0)
			t->unknown++;
		else
			t->other++;
	}
}

static void
utc(char *dst, size_t size, int64_t ms)
{
	struct tm	 tm;
	time_t		 t = (time_t)(ms / 1000);

	if (ms <= 0) {
		snprintf(dst, size, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
what(const struct jrun *jr)
{
	if (strcmp(jr->kind, "exec") == 0)
		return jr->command ? jr->command : "exec";
	return jr->name ? jr->name : "?";
}

static void
json_tally(struct json *j, const struct tally *t)
{
	json_kv_int(j, "ok", (int64_t)t->ok);
	json_kv_int(j, "failed", (int64_t)t->failed);
	json_kv_int(j, "unreachable", (int64_t)t->unreachable);
	json_kv_int(j, "cancelled", (int64_t)t->cancelled);
	json_kv_int(j, "unknown", (int64_t)t->unknown);
	json_kv_int(j, "other", (int64_t)t->other);
}

/* One row of the list; a run whose journal does not load says why. */
static void
list_one(struct cmd_ctx *ctx, struct json *j, const char *id)
{
	struct journal_error	 err;
	struct jrun		 jr;
	struct tally		 t;
	char			 why[512], at[32], *dir;
	const char		*state;
	int			 r;

	if ((dir = rundir_find(id, why, sizeof why)) == NULL)
		return;
	if ((r = journal_load(dir, &jr, &err)) != 0) {
		state = r == LB_ERR_NOT_FOUND ? "no journal" : "unreadable";
		if (ctx->json) {
			json_obj_begin(j);
			json_kv_str(j, "id", id);
			json_kv_str(j, "state", state);
			if (r != LB_ERR_NOT_FOUND)
				json_kv_str(j, "error", err.msg);
			json_obj_end(j);
		} else if (r == LB_ERR_NOT_FOUND)
			printf("%-24s  %s\n", id, state);
		else
			printf("%-24s  %-11s  %zu:%zu: %s\n", id, state,
			    err.line, err.col, err.msg);
		free(dir);
		return;
	}
	state = journal_state(dir, &jr);
	count(&jr, &t);
	utc(at, sizeof at, jr.started_at);
	if (ctx->json) {
		json_obj_begin(j);
		json_kv_str(j, "id", jr.id);
		json_kv_str(j, "state", state);
		json_kv_str(j, "kind", jr.kind);
		json_kv_str(j, "name", what(&jr));
		json_kv_str(j, "started", at);
		json_kv_int(j, "hosts", (int64_t)jr.nhosts);
		json_tally(j, &t);
		json_key(j, "status");
		if (jr.ended)
			json_int(j, jr.status);
		else
			json_null(j);
		json_kv_str(j, "rerun_of", jr.rerun_of);
		json_obj_end(j);
	} else
		printf("%-24s  %-11s  %-20s  %5zu  %5zu  %6zu  %11zu  %.30s\n",
		    jr.id, state, at, jr.nhosts, t.ok, t.failed + t.unknown,
		    t.unreachable, what(&jr));
	journal_run_release(&jr);
	free(dir);
}

static int
runs_list(struct cmd_ctx *ctx)
{
	struct json	 j;
	char		**ids;
	size_t		 n, i;
	int		 r;

	if ((r = rundir_list(&ids, &n)) != 0) {
		cmd_error(ctx, "cannot list the runs: %s", strerror(r));
		return EXIT_FAILED;
	}
	if (ctx->json) {
		json_init(&j, stdout);
		json_arr_begin(&j);
	} else if (n > 0)
		printf("%-24s  %-11s  %-20s  %5s  %5s  %6s  %11s  %s\n", "run",
		    "state", "started", "hosts", "ok", "failed", "unreachable",
		    "playbook");
	for (i = 0; i < n; i++) {
		list_one(ctx, &j, ids[i]);
		free(ids[i]);
	}
	free(ids);
	if (ctx->json) {
		json_arr_end(&j);
		return cmd_json_end(&j);
	}
	if (n == 0 && ctx->verbose >= 0)
		fprintf(stderr, "lifeboat: no runs yet\n");
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

/* What host h ended on, or is at: "step 'x': failed: msg". */
static void
host_line(const struct jrun *jr, size_t h, char *dst, size_t size)
{
	size_t			 s = journal_host_step(jr, h);
	const struct jstep	*st;

	dst[0] = '\0';
	if (s == JNONE)
		return;
	st = &jr->hosts[h].steps[s];
	if (st->state == JS_STARTED)
		snprintf(dst, size, "step %zu '%s' started", s + 1,
		    jr->steps[s].name);
	else
		snprintf(dst, size, "step %zu '%s' %s%s%s", s + 1,
		    jr->steps[s].name, st->outcome, st->msg ? ": " : "",
		    st->msg ? st->msg : "");
}

static void
show_json(const struct jrun *jr, const char *state)
{
	struct json	 j;
	struct tally	 t;
	size_t		 w, k, h, s;
	char		 at[32];

	count(jr, &t);
	json_init(&j, stdout);
	json_obj_begin(&j);
	json_kv_str(&j, "id", jr->id);
	json_kv_str(&j, "state", state);
	json_kv_str(&j, "kind", jr->kind);
	json_kv_str(&j, "name", what(jr));
	json_kv_str(&j, "playbook", jr->playbook);
	utc(at, sizeof at, jr->started_at);
	json_kv_str(&j, "started", at);
	utc(at, sizeof at, jr->ended_at);
	json_kv_str(&j, "ended", jr->ended ? at : NULL);
	json_key(&j, "status");
	if (jr->ended)
		json_int(&j, jr->status);
	else
		json_null(&j);
	json_kv_bool(&j, "halted", jr->halted);
	json_kv_str(&j, "halt_reason", jr->halt_reason);
	json_kv_int(&j, "resumes", (int64_t)jr->resumes);
	json_kv_str(&j, "rerun_of", jr->rerun_of);
	json_key(&j, "reruns");
	json_arr_begin(&j);
	for (k = 0; k < jr->nreruns; k++)
		json_str(&j, jr->reruns[k]);
	json_arr_end(&j);
	json_key(&j, "tally");
	json_obj_begin(&j);
	json_tally(&j, &t);
	json_obj_end(&j);
	json_key(&j, "waves");
	json_arr_begin(&j);
	for (w = 0; w < jr->nwaves; w++) {
		json_obj_begin(&j);
		json_kv_int(&j, "wave", (int64_t)jr->waves[w].number);
		json_kv_bool(&j, "started", jr->waves[w].start_at != 0);
		json_key(&j, "hosts");
		json_arr_begin(&j);
		for (k = 0; k < jr->waves[w].n; k++) {
			h = jr->waves[w].hosts[k];
			json_obj_begin(&j);
			json_kv_str(&j, "host", jr->hosts[h].name);
			json_kv_str(&j, "site", jr->hosts[h].site);
			json_kv_str(&j, "state", journal_host_state(jr, h));
			json_key(&j, "steps");
			json_arr_begin(&j);
			for (s = 0; s < jr->nsteps; s++) {
				const struct jstep *st =
				    &jr->hosts[h].steps[s];

				json_obj_begin(&j);
				json_kv_str(&j, "step", jr->steps[s].name);
				json_kv_str(&j, "outcome",
				    st->state == JS_ENDED ? st->outcome :
				    st->state == JS_STARTED ? "started" :
				    NULL);
				json_key(&j, "rc");
				if (st->rc >= 0)
					json_int(&j, st->rc);
				else
					json_null(&j);
				json_kv_str(&j, "msg", st->msg);
				json_obj_end(&j);
			}
			json_arr_end(&j);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	(void)cmd_json_end(&j);
}

static void
show_text(const struct jrun *jr, const char *state)
{
	struct tally	 t;
	size_t		 w, k, h, nw;
	char		 at[32], line[400];

	count(jr, &t);
	utc(at, sizeof at, jr->started_at);
	printf("run %s: %s %s, %s\n", jr->id, strcmp(jr->kind, "exec") == 0 ?
	    "exec" : "playbook", what(jr), state);
	printf("started %s by %s", at, jr->user ? jr->user : "?");
	if (jr->ended) {
		utc(at, sizeof at, jr->ended_at);
		printf(", ended %s with status %d", at, jr->status);
	}
	if (jr->resumes > 0)
		printf(", resumed %zu time%s", jr->resumes,
		    cmd_plural(jr->resumes));
	printf("\n");
	if (jr->rerun_of != NULL)
		printf("a rerun of %s\n", jr->rerun_of);
	for (k = 0; k < jr->nreruns; k++)
		printf("rerun as %s\n", jr->reruns[k]);
	if (jr->halted)
		printf("HALTED: %s\n", jr->halt_reason ? jr->halt_reason :
		    "?");
	printf("%zu host%s: %zu ok, %zu failed, %zu unreachable, %zu "
	    "cancelled, %zu unknown, %zu other\n", jr->nhosts,
	    cmd_plural(jr->nhosts), t.ok, t.failed, t.unreachable,
	    t.cancelled, t.unknown, t.other);
	for (w = 0; w < jr->nwaves; w++) {
		nw = jr->waves[w].number;
		printf("\nwave %zu%s: %zu host%s%s\n", nw, nw == 0 ?
		    " (canary)" : "", jr->waves[w].n,
		    cmd_plural(jr->waves[w].n), jr->waves[w].start_at ? "" :
		    ", not started");
		for (k = 0; k < jr->waves[w].n; k++) {
			h = jr->waves[w].hosts[k];
			host_line(jr, h, line, sizeof line);
			printf("  %-20s %-10s %-12s %s\n", jr->hosts[h].name,
			    jr->hosts[h].site, journal_host_state(jr, h),
			    line);
		}
	}
}

static int
runs_show(struct cmd_ctx *ctx, const char *id)
{
	struct jrun	 jr;
	char		*dir;
	int		 r;

	if ((r = cmd_load_run(ctx, id, &dir, &jr)) != EXIT_OK)
		return r;
	if (ctx->json)
		show_json(&jr, journal_state(dir, &jr));
	else
		show_text(&jr, journal_state(dir, &jr));
	journal_run_release(&jr);
	free(dir);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

static const struct option runs_long[] = {
	{ NULL, 0, NULL, 0 }
};

static int
runs_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char	*sub, *ops[3];
	size_t		 nops = 0;
	int		 c;

	/* Options may stand before and after the operands too
	 * ("runs show --json last"). */
	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, "", runs_long)) !=
		    -1) {
			if (c == 'h')
				return cmd_usage(&cmd_runs_entry, NULL, true);
			return EXIT_USAGE;
		}
		if (optind >= argc)
			break;
		if (nops < 3)
			ops[nops] = argv[optind];
		nops++;
		optind++;
	}
	sub = nops > 0 ? ops[0] : "list";
	if (strcmp(sub, "list") == 0 && nops <= 1)
		return runs_list(ctx);
	if (strcmp(sub, "show") == 0 && nops == 2)
		return runs_show(ctx, ops[1]);
	if (strcmp(sub, "show") == 0)
		cmd_error(ctx, "runs show: one run id (or 'last')");
	else if (strcmp(sub, "list") == 0)
		cmd_error(ctx, "runs list takes no argument");
	else
		cmd_error(ctx, "runs: no subcommand '%s' (list, show)", sub);
	return cmd_usage(&cmd_runs_entry, NULL, false);
}

const struct cmd_entry cmd_runs_entry = {
	.name = "runs",
	.usage = "runs [list]\nruns show RUN_ID",
	.summary =
	    "Lists the runs (newest last) with their state: done, "
	    "interrupted (resume\ncarries it on) or running.  'show' gives "
	    "one run wave by wave, host by host:\nwhere each is, what it "
	    "ended on and why.  RUN_ID may be 'last'.\n"
	    "\n"
	    "      --json               the same as JSON",
	.exec = runs_main,
};
