/*
 * The JSON report: one object, keys always present and always in the
 * order lifeboat(1) documents (null where there is no value), so that
 * programs and diffs can rely on it.  Times are UTC ISO 8601 strings,
 * durations milliseconds, steps numbered from 1.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "json.h"
#include "report-int.h"

#define REPORT_JSON_VERSION	1

/* A string from the journal, redacted. */
static void
str(struct rep *r, struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s == NULL)
		json_null(j);
	else
		json_str(j, rep_str(r, s));
}

static void
time_kv(struct json *j, const char *key, int64_t ms)
{
	char	 t[32];

	json_key(j, key);
	if (ms <= 0) {
		json_null(j);
		return;
	}
	rep_time(ms, t, sizeof t);
	json_str(j, t);
}

static void
ms_kv(struct json *j, const char *key, int64_t ms)
{
	json_key(j, key);
	if (ms < 0)
		json_null(j);
	else
		json_int(j, ms);
}

static void
tally(struct json *j, const struct rtally *t)
{
	json_obj_begin(j);
	json_kv_int(j, "hosts", (int64_t)t->hosts);
	json_kv_int(j, "ok", (int64_t)t->n[HC_OK]);
	json_kv_int(j, "changed", (int64_t)t->changed);
	json_kv_int(j, "failed", (int64_t)t->n[HC_FAILED]);
	json_kv_int(j, "unreachable", (int64_t)t->n[HC_UNREACHABLE]);
	json_kv_int(j, "skipped", (int64_t)t->n[HC_SKIPPED]);
	json_kv_int(j, "cancelled", (int64_t)t->n[HC_CANCELLED]);
	json_kv_int(j, "unknown", (int64_t)t->n[HC_UNKNOWN]);
	json_kv_int(j, "interrupted", (int64_t)t->n[HC_INTERRUPTED]);
	json_kv_int(j, "not_run", (int64_t)t->n[HC_NOT_RUN]);
	json_obj_end(j);
}

static void
run_info(struct rep *r, struct json *j)
{
	const struct jrun	*run = r->run;
	char			 res[32];
	size_t			 i;

	json_key(j, "run");
	json_obj_begin(j);
	str(r, j, "id", run->id);
	str(r, j, "kind", run->kind);
	str(r, j, "name", run->name);
	str(r, j, "playbook", run->playbook);
	str(r, j, "playbook_sha256", run->playbook_sha256);
	str(r, j, "command", run->command);
	json_key(j, "inventories");
	json_arr_begin(j);
	for (i = 0; i < run->ninv; i++) {
		json_obj_begin(j);
		str(r, j, "path", run->inv_paths[i]);
		str(r, j, "sha256", run->inv_sha256[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
	str(r, j, "limit", run->limit);
	json_key(j, "vars");
	json_arr_begin(j);
	for (i = 0; i < run->nvars; i++) {
		json_obj_begin(j);
		str(r, j, "name", run->var_names[i]);
		str(r, j, "value", run->var_values[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
	str(r, j, "user", run->user);
	time_kv(j, "started", run->started_at);
	time_kv(j, "ended", run->ended ? run->ended_at : 0);
	ms_kv(j, "duration_ms", rep_run_ms(r));
	json_kv_str(j, "state", r->state);
	json_kv_str(j, "result", rep_result(r, res, sizeof res));
	json_key(j, "status");
	if (run->ended)
		json_int(j, run->status);
	else
		json_null(j);
	json_kv_bool(j, "halted", run->halted);
	str(r, j, "halt_reason", run->halt_reason);
	json_kv_int(j, "hosts", (int64_t)run->nhosts);
	json_kv_int(j, "waves", (int64_t)run->nwaves);
	json_kv_int(j, "sites", (int64_t)r->nrealsites);
	json_kv_int(j, "steps", (int64_t)run->nsteps);
	json_kv_int(j, "resumes", (int64_t)run->resumes);
	str(r, j, "rerun_of", run->rerun_of);
	json_key(j, "reruns");
	json_arr_begin(j);
	for (i = 0; i < run->nreruns; i++)
		json_str(j, rep_str(r, run->reruns[i]));
	json_arr_end(j);
	json_kv_int(j, "torn_bytes", (int64_t)run->torn_len);
	json_obj_end(j);
}

/* An output: null, or its size, its check and its end. */
static void
output(struct rep *r, struct json *j, const char *key, size_t h, size_t s,
    int stream)
{
	const struct jout	*o = rep_jout(r, h, s, stream);
	struct rexcerpt		 x;

	json_key(j, key);
	if (!rep_excerpt(r, h, s, stream, &x)) {
		json_null(j);
		rep_excerpt_release(&x);
		return;
	}
	json_obj_begin(j);
	json_kv_int(j, "bytes", o->len);
	json_kv_str(j, "sha256", o->sha256[0] ? o->sha256 : NULL);
	json_kv_bool(j, "verified", x.state == ROUT_OK);
	json_kv_bool(j, "truncated", x.left_out > 0);
	json_key(j, "text");
	if (x.state == ROUT_UNREADABLE)
		json_null(j);
	else
		json_strn(j, x.text.data ? x.text.data : "", x.text.len);
	json_obj_end(j);
	rep_excerpt_release(&x);
}

static void
rc_kv(struct json *j, int rc)
{
	json_key(j, "rc");
	if (rc >= 0)
		json_int(j, rc);
	else
		json_null(j);
}

static void
wave_kv(struct json *j, const struct rep *r, size_t w)
{
	json_key(j, "wave");
	if (w < r->run->nwaves)
		json_int(j, (int64_t)r->run->waves[w].number);
	else
		json_null(j);
}

static void
failures(struct rep *r, struct json *j)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h;
	const struct jstep	*st;
	size_t			 i, k, s;

	json_key(j, "failures");
	json_arr_begin(j);
	for (i = 0; i < r->nfail; i++) {
		k = r->fail[i];
		h = &run->hosts[k];
		s = r->hosts[k].fail_step;
		st = s != JNONE ? &h->steps[s] : NULL;
		json_obj_begin(j);
		str(r, j, "host", h->name);
		str(r, j, "site", h->site[0] ? h->site : NULL);
		wave_kv(j, r, h->wave);
		str(r, j, "status", r->hosts[k].status);
		json_key(j, "step");
		if (st != NULL)
			json_int(j, (int64_t)s + 1);
		else
			json_null(j);
		str(r, j, "step_name", st ? run->steps[s].name : NULL);
		str(r, j, "outcome", st ? rep_step_word(st) : NULL);
		rc_kv(j, st ? st->rc : -1);
		str(r, j, "msg", st ? st->msg : NULL);
		if (st != NULL) {
			output(r, j, "stdout", k, s, REP_STDOUT);
			output(r, j, "stderr", k, s, REP_STDERR);
		} else {
			json_key(j, "stdout");
			json_null(j);
			json_key(j, "stderr");
			json_null(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
waves(struct rep *r, struct json *j)
{
	const struct jrun	*run = r->run;
	char			 w[32];
	int64_t			 end;
	size_t			 i, k;

	json_key(j, "waves");
	json_arr_begin(j);
	for (i = 0; i < run->nwaves; i++) {
		json_obj_begin(j);
		json_kv_int(j, "wave", (int64_t)run->waves[i].number);
		rep_wave_name(r, i, w, sizeof w);
		json_kv_str(j, "name", w);
		ms_kv(j, "duration_ms", rep_wave_ms(r, i, &end));
		time_kv(j, "started", run->waves[i].start_at);
		time_kv(j, "ended", run->waves[i].start_at > 0 ? end : 0);
		json_key(j, "hosts");
		json_arr_begin(j);
		for (k = 0; k < run->waves[i].n; k++)
			json_str(j, rep_str(r,
			    run->hosts[run->waves[i].hosts[k]].name));
		json_arr_end(j);
		json_key(j, "tally");
		tally(j, &r->waves[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "sites");
	json_arr_begin(j);
	for (i = 0; i < r->nsites; i++) {
		json_obj_begin(j);
		str(r, j, "site", strcmp(r->sites[i], "-") ? r->sites[i] :
		    NULL);
		json_key(j, "tally");
		tally(j, &r->site_tally[i]);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
history(struct rep *r, struct json *j)
{
	const struct jrun	*run = r->run;
	const struct jevent	*e;
	size_t			 i;

	json_key(j, "signoffs");
	json_arr_begin(j);
	for (i = 0; i < run->nsignoffs; i++) {
		json_obj_begin(j);
		str(r, j, "step", run->signoffs[i].step);
		str(r, j, "owner", strcmp(rep_owner(r,
		    run->signoffs[i].step), "-") ? rep_owner(r,
		    run->signoffs[i].step) : NULL);
		str(r, j, "by", run->signoffs[i].by);
		time_kv(j, "when", run->signoffs[i].when * 1000);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_key(j, "timeline");
	json_arr_begin(j);
	for (i = 0; i < run->ntimeline; i++) {
		e = &run->timeline[i];
		json_obj_begin(j);
		time_kv(j, "at", e->at);
		str(r, j, "type", e->type);
		str(r, j, "host", e->host < run->nhosts ?
		    run->hosts[e->host].name : NULL);
		str(r, j, "step", e->step < run->nsteps ?
		    run->steps[e->step].name : NULL);
		str(r, j, "text", e->text);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
steps(struct rep *r, struct json *j)
{
	const struct jrun	*run = r->run;
	struct rstepdur		 d;
	size_t			 i;

	json_key(j, "steps");
	json_arr_begin(j);
	for (i = 0; i < run->nsteps; i++) {
		rep_step_durations(r, i, &d);
		json_obj_begin(j);
		json_kv_int(j, "step", (int64_t)i + 1);
		str(r, j, "name", run->steps[i].name);
		json_kv_bool(j, "manual", run->steps[i].manual);
		json_kv_bool(j, "idempotent", run->steps[i].idempotent);
		str(r, j, "owner", run->steps[i].owner);
		json_kv_int(j, "runs", (int64_t)d.runs);
		ms_kv(j, "median_ms", d.runs ? d.median_ms : -1);
		ms_kv(j, "max_ms", d.runs ? d.max_ms : -1);
		str(r, j, "slowest_host", d.max_host != JNONE ?
		    run->hosts[d.max_host].name : NULL);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void
host_step(struct rep *r, struct json *j, size_t h, size_t s)
{
	const struct jstep	*st = &r->run->hosts[h].steps[s];
	size_t			 i;

	json_obj_begin(j);
	json_kv_int(j, "step", (int64_t)s + 1);
	str(r, j, "name", r->run->steps[s].name);
	json_kv_str(j, "state", st->state == JS_ENDED ? "ended" :
	    st->state == JS_STARTED ? "started" : "none");
	str(r, j, "outcome", rep_step_word(st));
	rc_kv(j, st->rc);
	str(r, j, "msg", st->msg);
	time_kv(j, "started", st->start_at);
	time_kv(j, "ended", st->end_at);
	ms_kv(j, "duration_ms", st->state == JS_ENDED ? st->ms : -1);
	json_kv_bool(j, "sent", st->sent);
	output(r, j, "stdout", h, s, REP_STDOUT);
	output(r, j, "stderr", h, s, REP_STDERR);
	str(r, j, "sha256", st->sha256);
	json_key(j, "kv");
	json_obj_begin(j);
	for (i = 0; i < st->nkv; i++) {
		json_key(j, rep_str(r, st->kv[2 * i]));
		json_str(j, rep_str(r, st->kv[2 * i + 1]));
	}
	json_obj_end(j);
	json_obj_end(j);
}

static void
hosts(struct rep *r, struct json *j)
{
	const struct jrun	*run = r->run;
	const struct jhost	*h;
	const struct rhost	*rh;
	size_t			 i, s;

	json_key(j, "hosts");
	json_arr_begin(j);
	for (i = 0; i < run->nhosts; i++) {
		h = &run->hosts[i];
		rh = &r->hosts[i];
		json_obj_begin(j);
		str(r, j, "name", h->name);
		str(r, j, "site", h->site[0] ? h->site : NULL);
		str(r, j, "os", h->os != NULL && h->os[0] ? h->os : NULL);
		wave_kv(j, r, h->wave);
		str(r, j, "status", rh->status);
		json_kv_bool(j, "changed", rh->changed);
		json_kv_bool(j, "all_skipped", rh->cat == HC_SKIPPED);
		ms_kv(j, "duration_ms", h->done ? h->ms : rh->end_at > 0 ?
		    rh->end_at - rh->start_at : -1);
		json_key(j, "failed_step");
		if (rh->fail_step != JNONE)
			json_int(j, (int64_t)rh->fail_step + 1);
		else
			json_null(j);
		json_key(j, "steps");
		json_arr_begin(j);
		for (s = 0; s < run->nsteps; s++)
			host_step(r, j, i, s);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void
report_json(struct rep *r)
{
	struct json	 j;
	size_t		 i;

	json_init(&j, NULL);
	j.out.max = REPORT_MAX_SIZE;
	json_obj_begin(&j);
	json_kv_int(&j, "report", REPORT_JSON_VERSION);
	run_info(r, &j);
	json_key(&j, "tally");
	tally(&j, &r->total);
	failures(r, &j);
	waves(r, &j);
	history(r, &j);
	steps(r, &j);
	hosts(r, &j);
	json_key(&j, "warnings");
	json_arr_begin(&j);
	for (i = 0; i < r->nwarnings; i++)
		json_str(&j, rep_str(r, r->warnings[i]));
	json_arr_end(&j);
	json_obj_end(&j);
	if (json_finish(&j) != 0 && r->err == 0)
		r->err = LB_ERR_LIMIT;
	rep_add(r, j.out.data ? j.out.data : "", j.out.len);
	rep_add(r, "\n", 1);
	json_release(&j);
}
