/*
 * What the screen shows, kept up to date by the runner's events: every
 * host of the inventory with its site and state, counts per site and in
 * all (kept as events come, so a frame never counts 10,000 hosts), the
 * run's waves, the manual steps signed off, and the log.
 *
 * The TUI is an observer of the run exactly as the CLI printer is
 * (cmd/run.c): the same events, the same journal written by the runner,
 * so a run started here reads and resumes as one started there.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "diag.h"
#include "inventory.h"
#include "pattern.h"
#include "playbook.h"
#include "tui.h"
#include "xmalloc.h"

static size_t
site_index(struct tui *t, const char *name)
{
	size_t	 i;

	name = name != NULL ? name : "-";
	for (i = 0; i < t->nsites; i++)
		if (strcmp(t->sites[i].name, name) == 0)
			return i;
	t->sites = xreallocarray(t->sites, t->nsites + 1, sizeof(*t->sites));
	memset(&t->sites[t->nsites], 0, sizeof(*t->sites));
	t->sites[t->nsites].name = name;
	return t->nsites++;
}

void
model_init(struct tui *t)
{
	size_t	 i, s;

	/* Sites in the inventory's order, then hosts with no site. */
	for (i = 0; i < t->inv->nsites; i++)
		(void)site_index(t, t->inv->sites[i].name);
	t->nhosts = t->inv->nhosts;
	t->hosts = xcalloc(t->nhosts ? t->nhosts : 1, sizeof(*t->hosts));
	for (i = 0; i < t->nhosts; i++) {
		struct thost	*h = &t->hosts[i];
		struct tsite	*st;

		h->h = &t->inv->hosts[i];
		h->ri = -1;
		h->wave = SIZE_MAX;
		h->step = SIZE_MAX;
		h->rc = -1;
		h->st = HS_IDLE;
		s = site_index(t, h->h->site);
		h->site = s;
		st = &t->sites[s];
		st->hosts = xreallocarray(st->hosts, st->n + 1,
		    sizeof(*st->hosts));
		st->hosts[st->n++] = i;
		st->count[HS_IDLE]++;
		t->count[HS_IDLE]++;
	}
}

void
model_free(struct tui *t)
{
	size_t	 i;

	model_run_clear(t);
	for (i = 0; i < t->nhosts; i++) {
		free(t->hosts[i].msg);
		free(t->hosts[i].exec_out);
	}
	free(t->hosts);
	for (i = 0; i < t->nsites; i++)
		free(t->sites[i].hosts);
	free(t->sites);
	for (i = 0; i < t->nlog; i++)
		free(t->log[(t->log_first + i) % TUI_LOG_MAX].text);
	free(t->log);
}

void
model_set(struct tui *t, size_t h, enum hstate st)
{
	struct thost	*th = &t->hosts[h];

	if (th->st == st)
		return;
	t->sites[th->site].count[th->st]--;
	t->count[th->st]--;
	th->st = st;
	t->sites[th->site].count[st]++;
	t->count[st]++;
	tui_dirty(t);
}

/* Forgets the last run's state (the hosts go back to idle). */
void
model_run_clear(struct tui *t)
{
	size_t	 i, n = t->pb != NULL ? t->pb->nsteps : 0;

	for (i = 0; i < t->nhosts && t->hosts != NULL; i++) {
		model_set(t, i, HS_IDLE);
		t->hosts[i].ri = -1;
		t->hosts[i].wave = SIZE_MAX;
		t->hosts[i].step = SIZE_MAX;
		t->hosts[i].rc = -1;
		t->hosts[i].changed = false;
		free(t->hosts[i].msg);
		t->hosts[i].msg = NULL;
	}
	free(t->run_map);
	t->run_map = NULL;
	for (i = 0; i < t->nwaves; i++)
		free(t->waves[i].signer);
	free(t->waves);
	t->waves = NULL;
	t->nwaves = 0;
	t->wave = 0;
	for (i = 0; t->signer != NULL && i < n; i++)
		free(t->signer[i]);
	free(t->signer);
	t->signer = NULL;
	free(t->signed_off);
	t->signed_off = NULL;
	free(t->signed_at);
	t->signed_at = NULL;
	free(t->waiting);
	t->waiting = NULL;
	free(t->halt);
	t->halt = NULL;
	t->running = t->ended = t->held = t->gate = t->halted = false;
	t->status = 0;
	t->t_start = t->t_end = 0;
}

/* The run is made: its hosts are mapped onto the inventory's, by name
 * (a resumed run has an inventory of its own). */
void
model_run_begin(struct tui *t)
{
	const struct rollout_plan	*pl = run_plan(t->sess.run);
	struct host			*ih;
	size_t				 i, k, n = t->pb->nsteps;

	t->run_map = xcalloc(t->nrun ? t->nrun : 1, sizeof(*t->run_map));
	for (i = 0; i < t->nrun; i++) {
		ih = inventory_host(t->inv, t->run_hosts[i]->name);
		t->run_map[i] = ih != NULL ? (size_t)(ih - t->inv->hosts) :
		    SIZE_MAX;
		if (ih == NULL)
			continue;
		t->hosts[t->run_map[i]].ri = (ssize_t)i;
		model_set(t, t->run_map[i], HS_PENDING);
	}
	t->nwaves = pl->nwaves;
	t->waves = xcalloc(pl->nwaves ? pl->nwaves : 1, sizeof(*t->waves));
	for (i = 0; i < pl->nwaves; i++) {
		t->waves[i].number = pl->waves[i].number;
		t->waves[i].n = pl->waves[i].n;
		for (k = 0; k < pl->waves[i].n; k++) {
			size_t	 h = t->run_map[pl->waves[i].hosts[k]];

			if (h != SIZE_MAX)
				t->hosts[h].wave = i;
		}
	}
	t->signed_off = xcalloc(n ? n : 1, sizeof(*t->signed_off));
	t->signer = xcalloc(n ? n : 1, sizeof(*t->signer));
	t->signed_at = xcalloc(n ? n : 1, sizeof(*t->signed_at));
	t->waiting = xcalloc(n ? n : 1, sizeof(*t->waiting));
}

const char *
model_step_name(const struct tui *t, size_t step)
{
	if (t->pb == NULL || step >= t->pb->nsteps)
		return "";
	return t->pb->steps[step].name;
}

static enum hstate
from_outcome(enum step_outcome o)
{
	switch (o) {
	case STEP_FAILED:
		return HS_FAILED;
	case STEP_UNREACHABLE:
		return HS_UNREACHABLE;
	case STEP_CANCELLED:
		return HS_CANCELLED;
	default:
		return HS_RUNNING;
	}
}

static void
host_done(struct tui *t, size_t h, const struct run_event *ev)
{
	struct thost	*th = &t->hosts[h];
	struct twave	*w = ev->nwave < t->nwaves ? &t->waves[ev->nwave] :
			    NULL;
	enum hstate	 st;

	switch (ev->status) {
	case HOST_OK:
		st = ev->changed || th->changed ? HS_CHANGED : HS_OK;
		break;
	case HOST_FAILED:
		st = HS_FAILED;
		break;
	case HOST_UNREACHABLE:
		st = HS_UNREACHABLE;
		break;
	default:
		st = HS_CANCELLED;
		break;
	}
	model_set(t, h, st);
	if (w == NULL)
		return;
	w->started = true;	/* a resume's hosts end in waves gone by */
	w->done++;
	if (st == HS_OK || st == HS_CHANGED)
		w->ok++;
	else if (st == HS_FAILED)
		w->failed++;
	else if (st == HS_UNREACHABLE)
		w->unreachable++;
	if (st == HS_FAILED || st == HS_UNREACHABLE)
		tui_log(t, hstate_role(st), (ssize_t)h, "%s: %s%s%s",
		    th->h->name, st == HS_FAILED ? "failed" : "unreachable",
		    th->msg ? ": " : "", th->msg ? th->msg : "");
}

void
model_observe(const struct run_event *ev, void *arg)
{
	struct tui	*t = arg;
	size_t		 h = SIZE_MAX, i;
	struct thost	*th = NULL;

	if (ev->host != NULL && ev->host_index < t->nrun &&
	    t->run_map != NULL)
		h = t->run_map[ev->host_index];
	if (h != SIZE_MAX)
		th = &t->hosts[h];
	tui_dirty(t);
	switch (ev->type) {
	case RUN_WAVE_START:
		t->wave = ev->nwave;
		t->gate = t->held = false;
		if (ev->nwave < t->nwaves)
			t->waves[ev->nwave].started = true;
		tui_log(t, RL_NORMAL, -1, "wave %zu%s started: %zu host%s",
		    ev->wave->number, ev->wave->number == 0 ? " (canary)" :
		    "", ev->wave->n, cmd_plural(ev->wave->n));
		break;
	case RUN_STEP_START:
		if (th == NULL)
			break;
		th->step = ev->step_index;
		model_set(t, h, ev->again ? HS_BOOTLOOP : HS_RUNNING);
		if (ev->again)
			tui_log(t, RL_BOOTLOOP, (ssize_t)h, "%s: connection "
			    "lost: back to '%s' (boot loop)", th->h->name,
			    ev->step->name);
		break;
	case RUN_STEP_DONE:
		if (th == NULL)
			break;
		th->step = ev->step_index;
		th->rc = ev->rc;
		if (ev->outcome == STEP_FAILED ||
		    ev->outcome == STEP_UNREACHABLE) {
			free(th->msg);
			xasprintf(&th->msg, "step '%s': %s", ev->step->name,
			    ev->msg ? ev->msg : step_outcome_name(
			    ev->outcome));
		} else if (ev->outcome == STEP_CHANGED)
			th->changed = true;
		if (ev->outcome != STEP_OK && ev->outcome != STEP_CHANGED &&
		    ev->outcome != STEP_SKIPPED)
			model_set(t, h, from_outcome(ev->outcome));
		break;
	case RUN_HOST_DONE:
		if (th == NULL)
			break;
		if (ev->restored)
			th->changed = ev->changed;
		host_done(t, h, ev);
		break;
	case RUN_WAVE_DONE:
		if (ev->nwave < t->nwaves)
			t->waves[ev->nwave].over = true;
		tui_log(t, RL_NORMAL, -1, "wave %zu done: %zu ok, %zu failed, "
		    "%zu unreachable so far", ev->wave->number,
		    ev->stats->tally.ok, ev->stats->tally.failed,
		    ev->stats->tally.unreachable);
		break;
	case RUN_WAITING:
		if (ev->step_index < t->pb->nsteps)
			t->waiting[ev->step_index] = true;
		if (th != NULL)
			model_set(t, h, HS_WAITING);
		tui_log(t, RL_RUNNING, -1, "waiting for the sign-off of '%s' "
		    "(Checklist: 3)", ev->step->name);
		break;
	case RUN_SIGNED:
		if (ev->step != NULL && ev->step_index < t->pb->nsteps) {
			i = ev->step_index;
			t->signed_off[i] = true;
			free(t->signer[i]);
			t->signer[i] = xstrdup(ev->signer);
			t->signed_at[i] = (int64_t)time(NULL);
			t->waiting[i] = false;
			tui_log(t, RL_OK, -1, "signed off: '%s' by %s at %s",
			    ev->step->name, ev->signer, ev->msg);
			for (i = 0; i < t->nhosts; i++)
				if (t->hosts[i].st == HS_WAITING &&
				    t->hosts[i].step == ev->step_index)
					model_set(t, i, HS_RUNNING);
		} else {
			tui_log(t, RL_OK, -1, "signed off: the next wave, by "
			    "%s at %s", ev->signer, ev->msg);
			if (t->wave + 1 < t->nwaves) {
				free(t->waves[t->wave + 1].signer);
				xasprintf(&t->waves[t->wave + 1].signer,
				    "%s %s", ev->signer, ev->msg);
			}
		}
		t->gate = false;
		break;
	case RUN_PAUSE:
		if (ev->pause_ms == 0) {
			t->gate = true;
			t->gate_wave = ev->wave->number + 1;
			tui_log(t, RL_RUNNING, -1, "waiting for the sign-off "
			    "of 'wave %zu' (Checklist: 3)", t->gate_wave);
		} else
			tui_log(t, RL_NORMAL, -1, "pausing %.0f s before wave "
			    "%zu", (double)ev->pause_ms / 1000,
			    ev->wave->number + 1);
		break;
	case RUN_HELD:
		t->held = true;
		tui_log(t, RL_RUNNING, -1, "held before wave %zu: P to go on",
		    ev->wave->number + 1);
		break;
	case RUN_HALT:
		t->halted = true;
		free(t->halt);
		t->halt = xstrdup(ev->msg ? ev->msg : "halted");
		tui_log(t, RL_FAILED, -1, "HALTED: %s; %zu host%s not run",
		    t->halt, ev->stats->not_run,
		    cmd_plural(ev->stats->not_run));
		for (i = 0; i < t->nhosts; i++)
			if (t->hosts[i].st == HS_PENDING)
				model_set(t, i, HS_NOTRUN);
		break;
	case RUN_DONE:
		t->running = false;
		t->ended = true;
		t->held = t->gate = false;
		t->t_end = ev->stats->t_now;
		t->status = run_status(t->sess.run);
		for (i = 0; i < t->nhosts; i++)
			if (t->hosts[i].st == HS_PENDING)
				model_set(t, i, t->halted ? HS_NOTRUN :
				    HS_CANCELLED);
		tui_log(t, t->status == 0 ? RL_OK : RL_FAILED, -1, "run %s %s: "
		    "%zu ok, %zu failed, %zu unreachable; r: the report",
		    t->sess.id, t->halted ? "HALTED" : t->status == 130 ?
		    "interrupted" : "done", ev->stats->tally.ok,
		    ev->stats->tally.failed, ev->stats->tally.unreachable);
		tui_msg(t, t->status == 0 ? RL_OK : RL_FAILED, "run %s %s "
		    "(status %d); r: the report", t->sess.id, t->halted ?
		    "HALTED" : t->status == 130 ? "interrupted" : "done",
		    t->status);
		act_reap(t);
		if (t->quitting)
			act_quit(t);
		break;
	default:
		break;
	}
}

/*
 * The log: a ring of TUI_LOG_MAX lines.
 */

static void
log_vadd(struct tui *t, enum role r, ssize_t host, const char *fmt,
    va_list ap)
{
	struct logline	*l;
	size_t		 i;

	if (t->log == NULL)
		t->log = xcalloc(TUI_LOG_MAX, sizeof(*t->log));
	if (t->nlog == TUI_LOG_MAX) {
		free(t->log[t->log_first].text);
		t->log_first = (t->log_first + 1) % TUI_LOG_MAX;
		t->nlog--;
	}
	i = (t->log_first + t->nlog++) % TUI_LOG_MAX;
	l = &t->log[i];
	l->at = (int64_t)time(NULL);
	l->host = host;
	l->role = r;
	if (vasprintf(&l->text, fmt, ap) < 0)
		l->text = xstrdup("?");
	t->views[V_LOG].stale = true;
	tui_dirty(t);
}

void
tui_log(struct tui *t, enum role r, ssize_t host, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vadd(t, r, host, fmt, ap);
	va_end(ap);
}

const struct logline *
tui_logline(const struct tui *t, size_t i)
{
	if (i >= t->nlog)
		return NULL;
	return &t->log[(t->log_first + i) % TUI_LOG_MAX];
}

void
tui_msg(struct tui *t, enum role r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof t->msg, fmt, ap);
	va_end(ap);
	t->msg_role = r;
	t->msg_at = loop_now(t->loop);
	if (r == RL_ERROR || r == RL_FAILED)
		tui_log(t, r, -1, "%s", t->msg);
	tui_dirty(t);
}

/*
 * Filters.
 */

bool *
model_pattern(const struct tui *t, const char *f)
{
	struct pattern	*p = NULL;
	struct diags	 d = DIAGS_INIT;
	unsigned	*idx = NULL;
	size_t		 n = 0, i;
	bool		*sel = NULL;

	if (pattern_parse(f, &p, &d) == 0 &&
	    pattern_match(p, t->inv, &idx, &n, &d) == 0 && n > 0) {
		sel = xcalloc(t->nhosts ? t->nhosts : 1, sizeof(*sel));
		for (i = 0; i < n; i++)
			if (idx[i] < t->nhosts)
				sel[idx[i]] = true;
	}
	free(idx);
	pattern_free(p);
	diags_release(&d);
	return sel;
}

static bool
has_word(const char *s, const char *w)
{
	return s != NULL && strcasestr(s, w) != NULL;
}

bool
model_match(const struct tui *t, size_t h, const char *f, const bool *sel)
{
	const struct thost	*th = &t->hosts[h];
	size_t			 i;

	if (f == NULL || *f == '\0')
		return true;
	if (sel != NULL)
		return sel[h];
	if (has_word(th->h->name, f) || has_word(th->h->site, f) ||
	    has_word(th->h->os, f) || has_word(th->msg, f) ||
	    strcasecmp(hstate_name(th->st), f) == 0)
		return true;
	for (i = 0; i < th->h->ntags; i++)
		if (strcasecmp(th->h->tags[i], f) == 0)
			return true;
	return false;
}
