/*
 * The run journal's reader (see journal.h): the state a journal
 * describes, read back record by record.  JSON is YAML's flow style, so
 * each line goes through ytree; a line that does not parse, or a record
 * that misses a field it needs, stops the load with its place.
 *
 * This reader is interim: it carries reports until the journal's own
 * reader and writer, with the runner, take its place.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "journal.h"
#include "xmalloc.h"
#include "ytree.h"

#define JOURNAL_MAX	(1024UL * 1024 * 1024)
#define OUTPUT_MAX	(256UL * 1024 * 1024)

struct jload {
	struct jrun		*run;
	struct journal_error	*err;
	const char		*path;
	size_t			 line;
	bool			 have_run;
};

static int
bad(struct jload *l, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(struct jload *l, const struct ynode *n, const char *fmt, ...)
{
	va_list	 ap;

	snprintf(l->err->file, sizeof l->err->file, "%s", l->path);
	l->err->line = l->line;
	l->err->col = n != NULL ? n->col : 1;
	va_start(ap, fmt);
	vsnprintf(l->err->msg, sizeof l->err->msg, fmt, ap);
	va_end(ap);
	return LB_ERR_INVALID;
}

static char *
dupstr(const struct ynode *n)
{
	const char	*s = ynode_str(n);

	if (s == NULL || (!n->quoted && ynode_is_null(n)))
		return NULL;
	return xstrdup(s);
}

/* A string field; "" stands for a missing one when need is false. */
static int
get_str(struct jload *l, const struct ynode *rec, const char *key,
    bool need, char **out)
{
	const struct ynode	*n = ynode_get(rec, key);

	*out = NULL;
	if (n == NULL || (!n->quoted && ynode_is_null(n))) {
		if (need)
			return bad(l, rec, "'%s' record: no '%s'",
			    ynode_str(ynode_get(rec, "t")), key);
		return 0;
	}
	if (n->type != YNODE_SCALAR)
		return bad(l, n, "'%s' is not a string", key);
	*out = xstrdup(n->str);
	return 0;
}

static int
get_int(struct jload *l, const struct ynode *rec, const char *key,
    bool need, int64_t *out)
{
	const struct ynode	*n = ynode_get(rec, key);
	char			*end;
	long long		 v;

	if (n == NULL || (!n->quoted && ynode_is_null(n))) {
		if (need)
			return bad(l, rec, "'%s' record: no '%s'",
			    ynode_str(ynode_get(rec, "t")), key);
		return 0;
	}
	if (n->type != YNODE_SCALAR || n->quoted)
		return bad(l, n, "'%s' is not a number", key);
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (errno != 0 || end == n->str || *end != '\0')
		return bad(l, n, "'%s' is not a whole number", key);
	*out = v;
	return 0;
}

static bool
get_bool(const struct ynode *rec, const char *key)
{
	return ynode_bool(ynode_get(rec, key)) == 1;
}

/* An index field below max. */
static int
get_index(struct jload *l, const struct ynode *rec, const char *key,
    size_t max, size_t *out)
{
	int64_t	 v = -1;
	int	 r;

	if ((r = get_int(l, rec, key, true, &v)) != 0)
		return r;
	if (v < 0 || (uint64_t)v >= max)
		return bad(l, ynode_get(rec, key), "'%s' %" PRId64 " is out "
		    "of range (the run has %zu)", key, v, max);
	*out = (size_t)v;
	return 0;
}

static void
event(struct jrun *run, int64_t at, const char *type, size_t h, size_t s,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void
event(struct jrun *run, int64_t at, const char *type, size_t h, size_t s,
    const char *fmt, ...)
{
	struct jevent	*e;
	va_list		 ap;

	run->timeline = xreallocarray(run->timeline, run->ntimeline + 1,
	    sizeof(*run->timeline));
	e = &run->timeline[run->ntimeline++];
	e->at = at;
	e->type = xstrdup(type);
	e->host = h;
	e->step = s;
	va_start(ap, fmt);
	xvasprintf(&e->text, fmt, ap);
	va_end(ap);
}

static int
load_hosts(struct jload *l, const struct ynode *rec)
{
	const struct ynode	*hs = ynode_get(rec, "hosts"), *h;
	struct jrun		*run = l->run;
	size_t			 i;

	if (hs == NULL || hs->type != YNODE_SEQ)
		return bad(l, rec, "'run' record: no 'hosts' list");
	run->hosts = xcalloc(hs->n ? hs->n : 1, sizeof(*run->hosts));
	for (i = 0; i < hs->n; i++) {
		h = hs->v[i];
		if (h->type != YNODE_MAP || ynode_str(ynode_get(h, "name")) ==
		    NULL)
			return bad(l, h, "a host is not {name, site, os}");
		run->hosts[i].name = dupstr(ynode_get(h, "name"));
		run->hosts[i].site = dupstr(ynode_get(h, "site"));
		if (run->hosts[i].site == NULL)
			run->hosts[i].site = xstrdup("");
		run->hosts[i].os = dupstr(ynode_get(h, "os"));
		run->hosts[i].wave = JNONE;
		run->nhosts++;
	}
	return 0;
}

static int
load_steps(struct jload *l, const struct ynode *rec)
{
	const struct ynode	*ss = ynode_get(rec, "steps"), *s;
	struct jrun		*run = l->run;
	size_t			 i, k;

	if (ss == NULL || ss->type != YNODE_SEQ)
		return bad(l, rec, "'run' record: no 'steps' list");
	run->steps = xcalloc(ss->n ? ss->n : 1, sizeof(*run->steps));
	for (i = 0; i < ss->n; i++) {
		s = ss->v[i];
		if (s->type != YNODE_MAP || ynode_str(ynode_get(s, "name")) ==
		    NULL)
			return bad(l, s, "a step is not {name, ...}");
		run->steps[i].name = dupstr(ynode_get(s, "name"));
		run->steps[i].idempotent = get_bool(s, "idempotent");
		run->steps[i].manual = get_bool(s, "manual");
		run->steps[i].owner = dupstr(ynode_get(s, "owner"));
		run->nsteps++;
	}
	for (i = 0; i < run->nhosts; i++) {
		run->hosts[i].steps = xcalloc(run->nsteps ? run->nsteps : 1,
		    sizeof(*run->hosts[i].steps));
		for (k = 0; k < run->nsteps; k++)
			run->hosts[i].steps[k].rc = -1;
	}
	return 0;
}

/* A wave's host is an index or a name. */
static int
wave_host(struct jload *l, const struct ynode *n, size_t *out)
{
	struct jrun	*run = l->run;
	char		*end;
	size_t		 i;
	long		 v;

	if (n->type == YNODE_SCALAR && !n->quoted) {
		v = strtol(n->str, &end, 10);
		if (*end == '\0' && end != n->str && v >= 0 &&
		    (size_t)v < run->nhosts) {
			*out = (size_t)v;
			return 0;
		}
	}
	for (i = 0; n->type == YNODE_SCALAR && i < run->nhosts; i++) {
		if (strcmp(run->hosts[i].name, n->str) == 0) {
			*out = i;
			return 0;
		}
	}
	return bad(l, n, "a wave names no host of the run");
}

static int
load_waves(struct jload *l, const struct ynode *rec)
{
	const struct ynode	*ws = ynode_get(rec, "waves"), *w;
	struct jrun		*run = l->run;
	size_t			 i, k, h = 0;
	int			 r;

	if (ws == NULL || ws->type != YNODE_SEQ)
		return bad(l, rec, "'run' record: no 'waves' list");
	run->waves = xcalloc(ws->n ? ws->n : 1, sizeof(*run->waves));
	for (i = 0; i < ws->n; i++) {
		w = ws->v[i];
		if (w->type != YNODE_SEQ)
			return bad(l, w, "a wave is not a list of hosts");
		run->waves[i].hosts = xcalloc(w->n ? w->n : 1, sizeof(size_t));
		run->nwaves++;
		for (k = 0; k < w->n; k++) {
			if ((r = wave_host(l, w->v[k], &h)) != 0)
				return r;
			if (run->hosts[h].wave != JNONE)
				return bad(l, w->v[k], "host '%s' is in two "
				    "waves", run->hosts[h].name);
			run->hosts[h].wave = i;
			run->waves[i].hosts[run->waves[i].n++] = h;
		}
	}
	return 0;
}

static char **
str_list(const struct ynode *seq, size_t *np)
{
	char	**v;
	size_t	 i, n = 0;

	*np = 0;
	if (seq == NULL || seq->type != YNODE_SEQ || seq->n == 0)
		return NULL;
	v = xcalloc(seq->n, sizeof(*v));
	for (i = 0; i < seq->n; i++)
		if (ynode_str(seq->v[i]) != NULL)
			v[n++] = xstrdup(seq->v[i]->str);
	*np = n;
	return v;
}

static void
load_options(struct jrun *run, const struct ynode *o)
{
	static const struct {
		const char	*key;
		size_t		 off;
	} nums[] = {
		{ "fanout", offsetof(struct jrun, fanout) },
		{ "per_site", offsetof(struct jrun, per_site) },
		{ "timeout_ms", offsetof(struct jrun, timeout_ms) },
		{ "connect_timeout_ms",
		    offsetof(struct jrun, connect_timeout_ms) },
		{ "retries", offsetof(struct jrun, retries) },
		{ "retry_delay_ms", offsetof(struct jrun, retry_delay_ms) },
		{ "max_output", offsetof(struct jrun, max_output) },
		{ "seed", offsetof(struct jrun, seed) },
	};
	const char	*s;
	size_t		 i;

	if (o == NULL || o->type != YNODE_MAP)
		return;
	for (i = 0; i < sizeof nums / sizeof *nums; i++)
		if ((s = ynode_str(ynode_get(o, nums[i].key))) != NULL)
			*(int64_t *)(void *)((char *)run + nums[i].off) =
			    strtoll(s, NULL, 10);
	run->accept_new = get_bool(o, "accept_new");
	run->plugin_path = dupstr(ynode_get(o, "plugin_path"));
}

static void
load_pairs(const struct ynode *seq, const char *k1, const char *k2,
    char ***v1, char ***v2, size_t *np)
{
	size_t	 i;

	*np = 0;
	if (seq == NULL || seq->type != YNODE_SEQ || seq->n == 0)
		return;
	*v1 = xcalloc(seq->n, sizeof(**v1));
	*v2 = xcalloc(seq->n, sizeof(**v2));
	for (i = 0; i < seq->n; i++) {
		if (seq->v[i]->type != YNODE_MAP)
			continue;
		(*v1)[*np] = dupstr(ynode_get(seq->v[i], k1));
		(*v2)[*np] = dupstr(ynode_get(seq->v[i], k2));
		if ((*v1)[*np] == NULL) {
			free((*v2)[*np]);
			continue;
		}
		(*np)++;
	}
}

static int
rec_run(struct jload *l, const struct ynode *rec, int64_t at)
{
	struct jrun	*run = l->run;
	int64_t		 v = 0;
	int		 r;

	if (l->have_run)
		return bad(l, rec, "a second 'run' record");
	if ((r = get_int(l, rec, "v", true, &v)) != 0)
		return r;
	if (v != JOURNAL_VERSION)
		return bad(l, ynode_get(rec, "v"), "journal version %" PRId64
		    " (this lifeboat reads %d)", v, JOURNAL_VERSION);
	l->have_run = true;
	if ((r = get_str(l, rec, "id", true, &run->id)) != 0 ||
	    (r = get_str(l, rec, "kind", true, &run->kind)) != 0 ||
	    (r = get_str(l, rec, "playbook", false, &run->playbook)) != 0 ||
	    (r = get_str(l, rec, "playbook_sha256", false,
	    &run->playbook_sha256)) != 0 ||
	    (r = get_str(l, rec, "name", false, &run->name)) != 0 ||
	    (r = get_str(l, rec, "command", false, &run->command)) != 0 ||
	    (r = get_str(l, rec, "limit", false, &run->limit)) != 0 ||
	    (r = get_str(l, rec, "rerun_of", false, &run->rerun_of)) != 0 ||
	    (r = get_str(l, rec, "user", false, &run->user)) != 0 ||
	    (r = get_int(l, rec, "pid", false, &run->pid)) != 0)
		return r;
	load_pairs(ynode_get(rec, "inventories"), "path", "sha256",
	    &run->inv_paths, &run->inv_sha256, &run->ninv);
	load_pairs(ynode_get(rec, "vars"), "name", "value", &run->var_names,
	    &run->var_values, &run->nvars);
	load_options(run, ynode_get(rec, "options"));
	if ((r = load_hosts(l, rec)) != 0 || (r = load_steps(l, rec)) != 0 ||
	    (r = load_waves(l, rec)) != 0)
		return r;
	run->gates = str_list(ynode_get(rec, "gates"), &run->ngates);
	run->started_at = at;
	if (strcmp(run->kind, "exec") == 0)
		event(run, at, "run", JNONE, JNONE, "exec '%s' started on "
		    "%zu host%s by %s", run->command ? run->command : "",
		    run->nhosts, run->nhosts == 1 ? "" : "s",
		    run->user ? run->user : "-");
	else
		event(run, at, "run", JNONE, JNONE, "playbook '%s' started "
		    "on %zu host%s in %zu wave%s by %s", run->name ? run->name :
		    "", run->nhosts, run->nhosts == 1 ? "" : "s", run->nwaves,
		    run->nwaves == 1 ? "" : "s", run->user ? run->user : "-");
	return 0;
}

static void
jout_load(const struct ynode *n, struct jout *o)
{
	const char	*s;

	memset(o, 0, sizeof(*o));
	if (n == NULL || n->type != YNODE_MAP)
		return;
	if ((s = ynode_str(ynode_get(n, "off"))) != NULL)
		o->off = strtoll(s, NULL, 10);
	if ((s = ynode_str(ynode_get(n, "len"))) != NULL)
		o->len = strtoll(s, NULL, 10);
	if ((s = ynode_str(ynode_get(n, "sha256"))) != NULL)
		snprintf(o->sha256, sizeof o->sha256, "%s", s);
	if (o->off < 0 || o->len < 0)
		o->off = o->len = 0;
}

static void
step_clear(struct jstep *st)
{
	size_t	 i;

	free(st->outcome);
	free(st->msg);
	free(st->sha256);
	for (i = 0; i < 2 * st->nkv; i++)
		free(st->kv[i]);
	free(st->kv);
	st->outcome = st->msg = st->sha256 = NULL;
	st->kv = NULL;
	st->nkv = 0;
}

static int
rec_start(struct jload *l, const struct ynode *rec, int64_t at)
{
	struct jrun	*run = l->run;
	struct jstep	*st;
	size_t		 h, s;
	unsigned	 starts;
	int		 r;

	if ((r = get_index(l, rec, "h", run->nhosts, &h)) != 0 ||
	    (r = get_index(l, rec, "s", run->nsteps, &s)) != 0)
		return r;
	st = &run->hosts[h].steps[s];
	starts = st->starts;
	step_clear(st);
	memset(st, 0, sizeof(*st));
	st->state = JS_STARTED;
	st->rc = -1;
	st->start_at = at;
	st->starts = starts + 1;
	return 0;
}

static int
rec_end(struct jload *l, const struct ynode *rec, int64_t at)
{
	struct jrun		*run = l->run;
	const struct ynode	*kv;
	struct jstep		*st;
	size_t			 h, s, i;
	int64_t			 rc = -1;
	int			 r;

	if ((r = get_index(l, rec, "h", run->nhosts, &h)) != 0 ||
	    (r = get_index(l, rec, "s", run->nsteps, &s)) != 0)
		return r;
	st = &run->hosts[h].steps[s];
	step_clear(st);
	st->state = JS_ENDED;
	st->end_at = at;
	if ((r = get_str(l, rec, "outcome", true, &st->outcome)) != 0 ||
	    (r = get_int(l, rec, "rc", false, &rc)) != 0 ||
	    (r = get_str(l, rec, "msg", false, &st->msg)) != 0 ||
	    (r = get_int(l, rec, "ms", false, &st->ms)) != 0 ||
	    (r = get_str(l, rec, "sha256", false, &st->sha256)) != 0)
		return r;
	st->rc = rc >= 0 && rc <= 0xffff ? (int)rc : -1;
	st->sent = get_bool(rec, "sent");
	jout_load(ynode_get(rec, "stdout"), &st->out);
	jout_load(ynode_get(rec, "stderr"), &st->err);
	if ((kv = ynode_get(rec, "kv")) != NULL && kv->type == YNODE_MAP &&
	    kv->n > 0) {
		st->kv = xcalloc(2 * kv->n, sizeof(*st->kv));
		for (i = 0; i < kv->n; i++) {
			if (ynode_str(YMAP_VAL(kv, i)) == NULL)
				continue;
			st->kv[2 * st->nkv] = xstrdup(YMAP_KEY(kv, i)->str);
			st->kv[2 * st->nkv + 1] = xstrdup(YMAP_VAL(kv, i)->str);
			st->nkv++;
		}
	}
	if (strcmp(st->outcome, "failed") == 0 ||
	    strcmp(st->outcome, "unreachable") == 0 ||
	    strcmp(st->outcome, "unknown") == 0)
		event(run, at, "end", h, s, "%s: step '%s' %s%s%s",
		    run->hosts[h].name, run->steps[s].name, st->outcome,
		    st->msg ? ": " : "", st->msg ? st->msg : "");
	return 0;
}

static int
rec_host(struct jload *l, const struct ynode *rec, int64_t at)
{
	struct jrun	*run = l->run;
	struct jhost	*h;
	size_t		 i;
	int		 r;

	if ((r = get_index(l, rec, "h", run->nhosts, &i)) != 0)
		return r;
	h = &run->hosts[i];
	free(h->status);
	h->status = NULL;
	if ((r = get_str(l, rec, "status", true, &h->status)) != 0 ||
	    (r = get_int(l, rec, "ms", false, &h->ms)) != 0)
		return r;
	h->changed = get_bool(rec, "changed");
	h->done = true;
	h->end_at = at;
	return 0;
}

static int
rec_signoff(struct jload *l, const struct ynode *rec, int64_t at)
{
	struct jrun	*run = l->run;
	struct jsignoff	*so;
	int		 r;

	run->signoffs = xreallocarray(run->signoffs, run->nsignoffs + 1,
	    sizeof(*run->signoffs));
	so = &run->signoffs[run->nsignoffs++];
	memset(so, 0, sizeof(*so));
	if ((r = get_str(l, rec, "step", true, &so->step)) != 0 ||
	    (r = get_str(l, rec, "by", true, &so->by)) != 0 ||
	    (r = get_int(l, rec, "when", false, &so->when)) != 0)
		return r;
	event(run, at, "signoff", JNONE, JNONE, "'%s' signed off by %s",
	    so->step, so->by);
	return 0;
}

static int
rec_other(struct jload *l, const struct ynode *rec, const char *t,
    int64_t at)
{
	struct jrun	*run = l->run;
	char		*s = NULL;
	int64_t		 v = 0, w = 0;
	size_t		 i;
	int		 r;

	if (strcmp(t, "wave") == 0) {
		if ((r = get_index(l, rec, "wave", run->nwaves, &i)) != 0)
			return r;
		if (run->waves[i].start_at == 0)
			run->waves[i].start_at = at;
		event(run, at, "wave", JNONE, JNONE, "wave %zu started: %zu "
		    "host%s", i, run->waves[i].n, run->waves[i].n == 1 ? "" :
		    "s");
	} else if (strcmp(t, "pause") == 0) {
		if ((r = get_int(l, rec, "ms", false, &v)) != 0 ||
		    (r = get_int(l, rec, "next", false, &w)) != 0)
			return r;
		if (v > 0)
			event(run, at, "pause", JNONE, JNONE, "pause of %"
			    PRId64 " s before wave %" PRId64, v / 1000, w);
		else
			event(run, at, "pause", JNONE, JNONE, "waiting for "
			    "the sign-off of 'wave %" PRId64 "'", w);
	} else if (strcmp(t, "halt") == 0) {
		if ((r = get_str(l, rec, "reason", true, &s)) != 0 ||
		    (r = get_int(l, rec, "not_run", false, &v)) != 0) {
			free(s);
			return r;
		}
		free(run->halt_reason);
		run->halt_reason = s;
		run->halted = true;
		run->not_run = (size_t)(v > 0 ? v : 0);
		event(run, at, "halt", JNONE, JNONE, "halted: %s; %" PRId64
		    " host%s not run", s, v, v == 1 ? "" : "s");
	} else if (strcmp(t, "resume") == 0) {
		if ((r = get_str(l, rec, "user", false, &s)) != 0 ||
		    (r = get_int(l, rec, "pid", false, &run->pid)) != 0) {
			free(s);
			return r;
		}
		run->resumes++;
		event(run, at, "resume", JNONE, JNONE, "resumed by %s",
		    s ? s : "-");
		free(s);
	} else if (strcmp(t, "rerun") == 0) {
		if ((r = get_str(l, rec, "id", true, &s)) != 0)
			return r;
		run->reruns = xreallocarray(run->reruns, run->nreruns + 1,
		    sizeof(*run->reruns));
		run->reruns[run->nreruns++] = s;
		event(run, at, "rerun", JNONE, JNONE, "rerun %s made from "
		    "this run", s);
	} else if (strcmp(t, "done") == 0) {
		if ((r = get_int(l, rec, "status", true, &v)) != 0)
			return r;
		run->ended = true;
		run->ended_at = at;
		run->status = (int)v;
		if (get_bool(rec, "halted"))
			run->halted = true;
		event(run, at, "done", JNONE, JNONE, "done: exit status %d",
		    run->status);
	} else
		return bad(l, ynode_get(rec, "t"), "unknown record '%s'", t);
	return 0;
}

static int
record(struct jload *l, const char *data, size_t len)
{
	struct arena		*a = arena_new();
	struct diags		 d = DIAGS_INIT;
	struct ynode		*rec = NULL;
	const char		*t;
	int64_t			 at = 0;
	int			 r;

	if (ytree_parse(a, l->path, data, len, &rec, &d) != 0 ||
	    rec == NULL || rec->type != YNODE_MAP) {
		r = bad(l, NULL, "not a JSON object%s%s", d.n ? ": " : "",
		    d.n ? d.v[0].msg : "");
		if (d.n)
			l->err->col = d.v[0].col;
		goto out;
	}
	if ((t = ynode_str(ynode_get(rec, "t"))) == NULL) {
		r = bad(l, rec, "a record without 't'");
		goto out;
	}
	if ((r = get_int(l, rec, "at", true, &at)) != 0)
		goto out;
	if (!l->have_run && strcmp(t, "run") != 0) {
		r = bad(l, rec, "the first record is '%s', not 'run'", t);
		goto out;
	}
	if (strcmp(t, "run") == 0)
		r = rec_run(l, rec, at);
	else if (strcmp(t, "start") == 0)
		r = rec_start(l, rec, at);
	else if (strcmp(t, "end") == 0)
		r = rec_end(l, rec, at);
	else if (strcmp(t, "host") == 0)
		r = rec_host(l, rec, at);
	else if (strcmp(t, "signoff") == 0)
		r = rec_signoff(l, rec, at);
	else
		r = rec_other(l, rec, t, at);
out:
	diags_release(&d);
	arena_free(a);
	return r;
}

int
journal_load(const char *dir, struct jrun *run, struct journal_error *err)
{
	struct jload	 l;
	struct buf	 b;
	const char	*p, *nl, *end;
	char		*path;
	int		 r, e;

	memset(run, 0, sizeof(*run));
	memset(err, 0, sizeof(*err));
	memset(&l, 0, sizeof(l));
	xasprintf(&path, "%s/%s", dir, JOURNAL_FILE);
	l.run = run;
	l.err = err;
	l.path = path;
	buf_init(&b, JOURNAL_MAX, 0);
	if ((e = buf_read_file(&b, path, JOURNAL_MAX)) != 0) {
		snprintf(err->file, sizeof err->file, "%s", path);
		snprintf(err->msg, sizeof err->msg, "cannot read: %s",
		    strerror(e));
		r = e == ENOENT ? LB_ERR_NOT_FOUND : LB_ERR_SYSTEM;
		goto out;
	}
	end = b.data + b.len;
	r = 0;
	for (p = b.data; p != NULL && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			/* No line end: a record torn by a crash. */
			run->torn_len = end - p;
			break;
		}
		l.line++;
		if ((r = record(&l, p, (size_t)(nl - p))) != 0)
			goto out;
		run->records++;
		run->good_len = nl + 1 - b.data;
	}
	if (!l.have_run) {
		l.line = 1;
		r = bad(&l, NULL, "no 'run' record");
	}
out:
	if (r != 0)
		journal_run_release(run);
	buf_release(&b);
	free(path);
	return r;
}

void
journal_run_release(struct jrun *run)
{
	size_t	 i, k;

	free(run->id);
	free(run->kind);
	free(run->playbook);
	free(run->playbook_sha256);
	free(run->name);
	free(run->command);
	for (i = 0; i < run->ninv; i++) {
		free(run->inv_paths[i]);
		free(run->inv_sha256[i]);
	}
	free(run->inv_paths);
	free(run->inv_sha256);
	free(run->limit);
	for (i = 0; i < run->nvars; i++) {
		free(run->var_names[i]);
		free(run->var_values[i]);
	}
	free(run->var_names);
	free(run->var_values);
	free(run->rerun_of);
	for (i = 0; i < run->nreruns; i++)
		free(run->reruns[i]);
	free(run->reruns);
	free(run->user);
	free(run->plugin_path);
	for (i = 0; i < run->nhosts; i++) {
		for (k = 0; run->hosts[i].steps != NULL && k < run->nsteps;
		    k++)
			step_clear(&run->hosts[i].steps[k]);
		free(run->hosts[i].steps);
		free(run->hosts[i].name);
		free(run->hosts[i].site);
		free(run->hosts[i].os);
		free(run->hosts[i].status);
	}
	free(run->hosts);
	for (i = 0; i < run->nsteps; i++) {
		free(run->steps[i].name);
		free(run->steps[i].owner);
	}
	free(run->steps);
	for (i = 0; i < run->nwaves; i++)
		free(run->waves[i].hosts);
	free(run->waves);
	for (i = 0; i < run->ngates; i++)
		free(run->gates[i]);
	free(run->gates);
	for (i = 0; i < run->nsignoffs; i++) {
		free(run->signoffs[i].step);
		free(run->signoffs[i].by);
	}
	free(run->signoffs);
	for (i = 0; i < run->ntimeline; i++) {
		free(run->timeline[i].type);
		free(run->timeline[i].text);
	}
	free(run->timeline);
	free(run->halt_reason);
	memset(run, 0, sizeof(*run));
}

int
journal_read_output(const char *dir, const struct jout *o, struct buf *b)
{
	unsigned char	 md[crypto_hash_sha256_BYTES];
	char		 hex[65], *path;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, r = 0;

	buf_reset(b);
	if (o->len == 0)
		return 0;
	if (o->off < 0 || o->len < 0 || (uint64_t)o->len > OUTPUT_MAX)
		return LB_ERR_LIMIT;
	xasprintf(&path, "%s/%s", dir, JOURNAL_OUTPUTS);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return errno == ENOENT ? LB_ERR_NOT_FOUND : LB_ERR_SYSTEM;
	if ((r = buf_reserve(b, (size_t)o->len)) != 0)
		goto out;
	while (got < (size_t)o->len) {
		n = pread(fd, b->data + got, (size_t)o->len - got,
		    (off_t)o->off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n == 0 ? LB_ERR_NOT_FOUND : LB_ERR_SYSTEM;
			goto out;
		}
		got += (size_t)n;
	}
	b->len = got;
	b->data[got] = '\0';
	crypto_hash_sha256(md, (const unsigned char *)b->data, got);
	sodium_bin2hex(hex, sizeof hex, md, sizeof md);
	if (strcmp(hex, o->sha256) != 0)
		r = LB_ERR_INVALID;
out:
	close(fd);
	return r;
}

const char *
journal_state(const char *dir, const struct jrun *run)
{
	char	*path;
	int	 fd;
	bool	 held = false;

	if (run->ended)
		return "done";
	xasprintf(&path, "%s/%s", dir, JOURNAL_FILE);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd != -1) {
		held = flock(fd, LOCK_SH | LOCK_NB) == -1 &&
		    errno == EWOULDBLOCK;
		close(fd);
	}
	return held ? "running" : "interrupted";
}
