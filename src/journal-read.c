/*
 * The run journal: reading it back into the state it describes (see
 * journal.h).  Every record is checked before it is believed: a host,
 * step or wave out of range is an error at its line, never an index
 * past an array.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "jsonr.h"
#include "sha256.h"
#include "xmalloc.h"

#define JOURNAL_READ_MAX	(1024UL * 1024 * 1024)
#define JOURNAL_TEXT_MAX	300

struct reader {
	struct jrun		*run;
	struct journal_error	*err;
	size_t			 line;
	int64_t			 at;
};

static int
fail(struct reader *r, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct reader *r, size_t col, const char *fmt, ...)
{
	va_list	 ap;

	r->err->line = r->line;
	r->err->col = col;
	va_start(ap, fmt);
	vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
	va_end(ap);
	return LB_ERR_INVALID;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static char *
dup_str(const struct jv *o, const char *key)
{
	return dup_or_null(jv_str(o, key));
}

static void
timeline(struct reader *r, const char *type, size_t host, size_t step,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
timeline(struct reader *r, const char *type, size_t host, size_t step,
    const char *fmt, ...)
{
	struct jrun	*run = r->run;
	struct jevent	*e;
	va_list		 ap;
	char		 text[JOURNAL_TEXT_MAX];

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	run->timeline = xreallocarray(run->timeline, run->ntimeline + 1,
	    sizeof(*run->timeline));
	e = &run->timeline[run->ntimeline++];
	e->at = r->at;
	e->type = xstrdup(type);
	e->text = xstrdup(text);
	e->host = host;
	e->step = step;
}

/* The index under key, which must be below n. */
static int
index_of(struct reader *r, const struct jv *o, const char *key, size_t n,
    size_t *out)
{
	int64_t	 v = jv_int(o, key, -1);

	if (v < 0 || (uint64_t)v >= n)
		return fail(r, 1, "record '%s': %s %" PRId64 " is out of "
		    "range (0 to %zu)", jv_str(o, "t"), key, v,
		    n > 0 ? n - 1 : 0);
	*out = (size_t)v;
	return 0;
}

static char **
str_array(const struct jv *a, const char *key, size_t *n)
{
	const struct jv	*arr = jv_get(a, key);
	char		**v;
	size_t		 i, k = 0;

	*n = 0;
	if (arr == NULL || arr->type != JV_ARR || arr->len == 0)
		return NULL;
	v = xcalloc(arr->len, sizeof(*v));
	for (i = 0; i < arr->len; i++)
		if (arr->v[i]->type == JV_STR)
			v[k++] = xstrdup(arr->v[i]->s);
	*n = k;
	return v;
}

static int
read_hosts(struct reader *r, const struct jv *o)
{
	struct jrun	*run = r->run;
	const struct jv	*a = jv_get(o, "hosts");
	size_t		 i;

	if (a == NULL || a->type != JV_ARR)
		return fail(r, 1, "the run record has no hosts");
	run->nhosts = a->len;
	run->hosts = xcalloc(a->len ? a->len : 1, sizeof(*run->hosts));
	for (i = 0; i < a->len; i++) {
		struct jhost	*h = &run->hosts[i];

		if (jv_str(a->v[i], "name") == NULL)
			return fail(r, 1, "the run record's host %zu has no "
			    "name", i);
		h->name = dup_str(a->v[i], "name");
		h->site = xstrdup(jv_str(a->v[i], "site") ?
		    jv_str(a->v[i], "site") : "");
		h->os = xstrdup(jv_str(a->v[i], "os") ?
		    jv_str(a->v[i], "os") : "");
		h->wave = JNONE;
		h->steps = xcalloc(run->nsteps ? run->nsteps : 1,
		    sizeof(*h->steps));
		for (size_t s = 0; s < run->nsteps; s++)
			h->steps[s].rc = -1;
	}
	return 0;
}

static int
read_steps(struct reader *r, const struct jv *o)
{
	struct jrun	*run = r->run;
	const struct jv	*a = jv_get(o, "steps");
	size_t		 i;

	if (a == NULL || a->type != JV_ARR || a->len == 0)
		return fail(r, 1, "the run record has no steps");
	run->nsteps = a->len;
	run->steps = xcalloc(a->len, sizeof(*run->steps));
	for (i = 0; i < a->len; i++) {
		if (jv_str(a->v[i], "name") == NULL)
			return fail(r, 1, "the run record's step %zu has no "
			    "name", i);
		run->steps[i].name = dup_str(a->v[i], "name");
		run->steps[i].idempotent = jv_bool(a->v[i], "idempotent",
		    false);
		run->steps[i].manual = jv_bool(a->v[i], "manual", false);
		run->steps[i].owner = dup_str(a->v[i], "owner");
	}
	return 0;
}

static int
read_waves(struct reader *r, const struct jv *o)
{
	struct jrun	*run = r->run;
	const struct jv	*a = jv_get(o, "waves"), *w;
	const struct jv	*num = jv_get(o, "numbers");
	size_t		 i, k, hi;

	if (a == NULL || a->type != JV_ARR)
		return fail(r, 1, "the run record has no waves");
	run->nwaves = a->len;
	run->waves = xcalloc(a->len ? a->len : 1, sizeof(*run->waves));
	for (i = 0; i < a->len; i++) {
		w = a->v[i];
		if (w->type != JV_ARR)
			return fail(r, 1, "the run record's wave %zu is not "
			    "a list of hosts", i);
		run->waves[i].hosts = xcalloc(w->len ? w->len : 1,
		    sizeof(size_t));
		run->waves[i].number = i + 1;
		if (num != NULL && num->type == JV_ARR && i < num->len &&
		    num->v[i]->type == JV_NUM && num->v[i]->is_int &&
		    num->v[i]->i >= 0)
			run->waves[i].number = (size_t)num->v[i]->i;
		for (k = 0; k < w->len; k++) {
			if (w->v[k]->type != JV_NUM || !w->v[k]->is_int ||
			    w->v[k]->i < 0 ||
			    (uint64_t)w->v[k]->i >= run->nhosts)
				return fail(r, 1, "the run record's wave %zu "
				    "names a host out of range", i);
			hi = (size_t)w->v[k]->i;
			if (run->hosts[hi].wave != JNONE)
				return fail(r, 1, "host %zu is in two waves",
				    hi);
			run->hosts[hi].wave = i;
			run->waves[i].hosts[run->waves[i].n++] = hi;
		}
	}
	return 0;
}

static void
read_options(struct jrun *run, const struct jv *o)
{
	const struct jv	*opt = jv_get(o, "options");

	run->fanout = jv_int(opt, "fanout", 0);
	run->per_site = jv_int(opt, "per_site", 0);
	run->timeout_ms = jv_int(opt, "timeout_ms", 0);
	run->connect_timeout_ms = jv_int(opt, "connect_timeout_ms", 0);
	run->retries = jv_int(opt, "retries", 0);
	run->retry_delay_ms = jv_int(opt, "retry_delay_ms", 0);
	run->max_output = jv_int(opt, "max_output", 0);
	run->seed = jv_int(opt, "seed", 0);
	run->accept_new = jv_bool(opt, "accept_new", false);
	run->plugin_path = dup_str(opt, "plugin_path");
}

static void
read_pairs(const struct jv *a, const char *k1, const char *k2, char ***v1,
    char ***v2, size_t *n)
{
	size_t	 i;

	*n = 0;
	if (a == NULL || a->type != JV_ARR || a->len == 0)
		return;
	*v1 = xcalloc(a->len, sizeof(char *));
	*v2 = xcalloc(a->len, sizeof(char *));
	for (i = 0; i < a->len; i++) {
		if (jv_str(a->v[i], k1) == NULL)
			continue;
		(*v1)[*n] = dup_str(a->v[i], k1);
		(*v2)[*n] = xstrdup(jv_str(a->v[i], k2) ?
		    jv_str(a->v[i], k2) : "");
		(*n)++;
	}
}

static int
rec_run(struct reader *r, const struct jv *o)
{
	struct jrun	*run = r->run;
	int		 e;

	if (run->records > 0)
		return fail(r, 1, "a second run record");
	if (jv_int(o, "v", 0) != JOURNAL_VERSION)
		return fail(r, 1, "journal version %" PRId64 " is not %d",
		    jv_int(o, "v", 0), JOURNAL_VERSION);
	if (jv_str(o, "id") == NULL || jv_str(o, "kind") == NULL)
		return fail(r, 1, "the run record has no id or kind");
	run->id = dup_str(o, "id");
	run->kind = dup_str(o, "kind");
	run->playbook = dup_str(o, "playbook");
	run->playbook_sha256 = dup_str(o, "playbook_sha256");
	run->name = dup_str(o, "name");
	run->command = dup_str(o, "command");
	run->limit = dup_str(o, "limit");
	run->rerun_of = dup_str(o, "rerun_of");
	run->user = dup_str(o, "user");
	run->pid = jv_int(o, "pid", 0);
	run->started_at = r->at;
	read_pairs(jv_get(o, "inventories"), "path", "sha256",
	    &run->inv_paths, &run->inv_sha256, &run->ninv);
	read_pairs(jv_get(o, "vars"), "name", "value", &run->var_names,
	    &run->var_values, &run->nvars);
	read_options(run, o);
	run->gates = str_array(o, "gates", &run->ngates);
	if ((e = read_steps(r, o)) != 0 || (e = read_hosts(r, o)) != 0 ||
	    (e = read_waves(r, o)) != 0)
		return e;
	if (strcmp(run->kind, "exec") == 0)
		timeline(r, "run", JNONE, JNONE, "exec on %zu host%s: %s",
		    run->nhosts, run->nhosts == 1 ? "" : "s",
		    run->command ? run->command : "");
	else
		timeline(r, "run", JNONE, JNONE, "playbook %s on %zu host%s "
		    "in %zu wave%s", run->name ? run->name : "?",
		    run->nhosts, run->nhosts == 1 ? "" : "s", run->nwaves,
		    run->nwaves == 1 ? "" : "s");
	return 0;
}

static void
read_out(const struct jv *o, const char *key, struct jout *out)
{
	const struct jv	*v = jv_get(o, key);
	const char	*sha = jv_str(v, "sha256");

	memset(out, 0, sizeof(*out));
	if (v == NULL || v->type != JV_OBJ)
		return;
	out->off = jv_int(v, "off", -1);
	out->len = jv_int(v, "len", 0);
	if (out->off < 0 || out->len < 0 || sha == NULL ||
	    strlen(sha) != 64) {
		out->off = out->len = 0;
		return;
	}
	memcpy(out->sha256, sha, 65);
}

static void
step_clear(struct jstep *st)
{
	size_t	 i;

	free(st->outcome);
	free(st->msg);
	free(st->sha256);
	for (i = 0; i < st->nkv * 2; i++)
		free(st->kv[i]);
	free(st->kv);
	st->outcome = st->msg = st->sha256 = NULL;
	st->kv = NULL;
	st->nkv = 0;
	st->rc = -1;
	memset(&st->out, 0, sizeof(st->out));
	memset(&st->err, 0, sizeof(st->err));
}

static int
rec_step(struct reader *r, const struct jv *o, bool end)
{
	struct jrun	*run = r->run;
	const struct jv	*kv;
	struct jstep	*st;
	size_t		 h, s, i;
	int		 e;

	if ((e = index_of(r, o, "h", run->nhosts, &h)) != 0 ||
	    (e = index_of(r, o, "s", run->nsteps, &s)) != 0)
		return e;
	st = &run->hosts[h].steps[s];
	if (!end) {
		step_clear(st);
		st->state = JS_STARTED;
		st->starts++;
		st->start_at = r->at;
		st->end_at = 0;
		st->sent = false;
		return 0;
	}
	if (jv_str(o, "outcome") == NULL)
		return fail(r, 1, "record 'end' has no outcome");
	step_clear(st);
	st->state = JS_ENDED;
	st->outcome = dup_str(o, "outcome");
	st->rc = (int)jv_int(o, "rc", -1);
	st->msg = dup_str(o, "msg");
	st->ms = jv_int(o, "ms", 0);
	st->end_at = r->at;
	if (st->start_at == 0)
		st->start_at = r->at - st->ms;
	st->sent = jv_bool(o, "sent", false);
	st->sha256 = dup_str(o, "sha256");
	read_out(o, "stdout", &st->out);
	read_out(o, "stderr", &st->err);
	if ((kv = jv_get(o, "kv")) != NULL && kv->type == JV_OBJ &&
	    kv->len > 0) {
		st->kv = xcalloc(kv->len * 2, sizeof(char *));
		for (i = 0; i < kv->len; i++) {
			if (kv->v[i]->type != JV_STR)
				continue;
			st->kv[st->nkv * 2] = xstrdup(kv->keys[i]);
			st->kv[st->nkv * 2 + 1] = xstrdup(kv->v[i]->s);
			st->nkv++;
		}
	}
	if (strcmp(st->outcome, "failed") == 0 ||
	    strcmp(st->outcome, "unreachable") == 0 ||
	    strcmp(st->outcome, "unknown") == 0)
		timeline(r, "end", h, s, "%s: step '%s' %s%s%s",
		    run->hosts[h].name, run->steps[s].name, st->outcome,
		    st->msg ? ": " : "", st->msg ? st->msg : "");
	return 0;
}

static int
rec_host(struct reader *r, const struct jv *o)
{
	struct jhost	*h;
	size_t		 i;
	int		 e;

	if ((e = index_of(r, o, "h", r->run->nhosts, &i)) != 0)
		return e;
	if (jv_str(o, "status") == NULL)
		return fail(r, 1, "record 'host' has no status");
	h = &r->run->hosts[i];
	free(h->status);
	h->status = dup_str(o, "status");
	h->done = true;
	h->changed = jv_bool(o, "changed", false);
	h->ms = jv_int(o, "ms", 0);
	h->end_at = r->at;
	return 0;
}

static int
rec_signoff(struct reader *r, const struct jv *o)
{
	struct jrun	*run = r->run;
	struct jsignoff	*so;

	if (jv_str(o, "step") == NULL || jv_str(o, "by") == NULL)
		return fail(r, 1, "record 'signoff' has no step or by");
	run->signoffs = xreallocarray(run->signoffs, run->nsignoffs + 1,
	    sizeof(*run->signoffs));
	so = &run->signoffs[run->nsignoffs++];
	so->step = dup_str(o, "step");
	so->by = dup_str(o, "by");
	so->when = jv_int(o, "when", r->at / 1000);
	timeline(r, "signoff", JNONE, JNONE, "'%s' signed off by %s",
	    so->step, so->by);
	return 0;
}

static int
rec_other(struct reader *r, const char *t, const struct jv *o)
{
	struct jrun	*run = r->run;
	size_t		 w;
	int		 e;

	if (strcmp(t, "wave") == 0) {
		if ((e = index_of(r, o, "wave", run->nwaves, &w)) != 0)
			return e;
		if (run->waves[w].start_at == 0)
			run->waves[w].start_at = r->at;
		timeline(r, t, JNONE, JNONE, "wave %zu started: %zu host%s",
		    run->waves[w].number, run->waves[w].n,
		    run->waves[w].n == 1 ? "" : "s");
	} else if (strcmp(t, "pause") == 0) {
		if (jv_int(o, "ms", 0) > 0)
			timeline(r, t, JNONE, JNONE, "pause of %" PRId64
			    " s before wave %" PRId64, jv_int(o, "ms", 0) /
			    1000, jv_int(o, "next", 0));
		else
			timeline(r, t, JNONE, JNONE, "wave %" PRId64 " waits "
			    "for a sign-off", jv_int(o, "next", 0));
	} else if (strcmp(t, "halt") == 0) {
		run->halted = true;
		free(run->halt_reason);
		run->halt_reason = dup_str(o, "reason");
		run->not_run = (size_t)jv_int(o, "not_run", 0);
		timeline(r, t, JNONE, JNONE, "halted: %s",
		    run->halt_reason ? run->halt_reason : "?");
	} else if (strcmp(t, "resume") == 0) {
		run->resumes++;
		run->pid = jv_int(o, "pid", 0);
		timeline(r, t, JNONE, JNONE, "resumed by %s (pid %" PRId64
		    ")", jv_str(o, "user") ? jv_str(o, "user") : "?",
		    run->pid);
	} else if (strcmp(t, "rerun") == 0 && jv_str(o, "id") != NULL) {
		run->reruns = xreallocarray(run->reruns, run->nreruns + 1,
		    sizeof(*run->reruns));
		run->reruns[run->nreruns++] = dup_str(o, "id");
		timeline(r, t, JNONE, JNONE, "rerun as %s", jv_str(o, "id"));
	} else if (strcmp(t, "done") == 0) {
		run->ended = true;
		run->ended_at = r->at;
		run->status = (int)jv_int(o, "status", 0);
		run->halted = jv_bool(o, "halted", run->halted);
		if (jv_get(o, "not_run") != NULL)
			run->not_run = (size_t)jv_int(o, "not_run", 0);
		timeline(r, t, JNONE, JNONE, "run ended with status %d",
		    run->status);
	}
	/* Other types are a later version's: left for it. */
	return 0;
}

static int
apply(struct reader *r, const struct jv *o)
{
	const char	*t = jv_str(o, "t");

	r->at = jv_int(o, "at", 0);
	if (strcmp(t, "run") == 0)
		return rec_run(r, o);
	if (r->run->records == 0)
		return fail(r, 1, "the first record is '%s', not 'run'", t);
	if (strcmp(t, "start") == 0 || strcmp(t, "end") == 0)
		return rec_step(r, o, t[0] == 'e');
	if (strcmp(t, "host") == 0)
		return rec_host(r, o);
	if (strcmp(t, "signoff") == 0)
		return rec_signoff(r, o);
	return rec_other(r, t, o);
}

/* One line: 0 when whole and applied, 1 when it is not a record. */
static int
one_line(struct reader *r, struct arena *a, const char *p, size_t len,
    struct journal_error *bad)
{
	struct jsonr_error	 je;
	struct jv		*o;

	if (jsonr_parse(a, p, len, &o, &je) != 0) {
		bad->line = r->line;
		bad->col = je.col;
		snprintf(bad->msg, sizeof bad->msg, "%s", je.msg);
		return 1;
	}
	if (o->type != JV_OBJ || jv_str(o, "t") == NULL) {
		bad->line = r->line;
		bad->col = 1;
		snprintf(bad->msg, sizeof bad->msg, "not a journal record "
		    "(an object with \"t\")");
		return 1;
	}
	return apply(r, o) != 0 ? -1 : 0;
}

static int
parse_all(struct reader *r, const char *data, size_t size)
{
	struct jrun		*run = r->run;
	struct arena		*a = arena_new();
	struct arena_mark	 m;
	struct journal_error	 bad, later;
	const char		*p = data, *nl;
	off_t			 bad_off = -1;
	int			 k;

	memset(&bad, 0, sizeof(bad));
	arena_mark(a, &m);
	while (p < data + size) {
		r->line++;
		nl = memchr(p, '\n', size - (size_t)(p - data));
		if (nl == NULL)
			break;		/* no newline: torn */
		arena_rewind(a, &m);
		k = one_line(r, a, p, (size_t)(nl - p), bad_off < 0 ?
		    &bad : &later);
		if (k < 0) {
			arena_free(a);
			return LB_ERR_INVALID;
		}
		if (k > 0 && bad_off < 0)
			bad_off = p - data;
		if (k == 0 && bad_off >= 0) {
			/* A whole record after a bad one: not a torn
			 * end but damage in the middle. */
			r->line = bad.line;
			arena_free(a);
			return fail(r, bad.col, "%s", bad.msg);
		}
		if (k == 0) {
			run->records++;
			run->good_len = nl + 1 - data;
		}
		p = nl + 1;
	}
	arena_free(a);
	run->torn_len = (off_t)size - run->good_len;
	return 0;
}

int
journal_load(const char *dir, struct jrun *run, struct journal_error *err)
{
	struct buf	 b;
	char		 file[sizeof err->file];
	int		 e;

	memset(run, 0, sizeof(*run));
	memset(err, 0, sizeof(*err));
	snprintf(file, sizeof file, "%s/%s", dir, JOURNAL_FILE);
	snprintf(err->file, sizeof err->file, "%s", file);
	buf_init(&b, JOURNAL_READ_MAX, 0);
	if ((e = buf_read_file(&b, file, JOURNAL_READ_MAX)) != 0) {
		snprintf(err->msg, sizeof err->msg, "%s", strerror(e));
		buf_release(&b);
		return e == ENOENT ? LB_ERR_NOT_FOUND : LB_ERR_SYSTEM;
	}
	e = journal_parse(b.data ? b.data : "", b.len, run, err);
	snprintf(err->file, sizeof err->file, "%s", file);
	buf_release(&b);
	return e;
}

int
journal_parse(const char *data, size_t len, struct jrun *run,
    struct journal_error *err)
{
	struct reader	 r;
	int		 e;

	memset(run, 0, sizeof(*run));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof err->file, "%s", JOURNAL_FILE);
	memset(&r, 0, sizeof(r));
	r.run = run;
	r.err = err;
	e = parse_all(&r, data, len);
	if (e == 0 && run->records == 0) {
		snprintf(err->msg, sizeof err->msg, run->torn_len > 0 ?
		    "no whole record: the run record itself is torn" :
		    "the journal is empty");
		e = LB_ERR_INVALID;
	}
	if (e != 0)
		journal_run_release(run);
	return e;
}

void
journal_run_release(struct jrun *run)
{
	size_t	 i, s;

	for (i = 0; i < run->nhosts; i++) {
		/* A run record that failed half way has hosts without. */
		for (s = 0; run->hosts[i].steps != NULL && s < run->nsteps;
		    s++)
			step_clear(&run->hosts[i].steps[s]);
		free(run->hosts[i].steps);
		free(run->hosts[i].name);
		free(run->hosts[i].site);
		free(run->hosts[i].os);
		free(run->hosts[i].status);
	}
	for (i = 0; i < run->nsteps; i++) {
		free(run->steps[i].name);
		free(run->steps[i].owner);
	}
	for (i = 0; i < run->nwaves; i++)
		free(run->waves[i].hosts);
	for (i = 0; i < run->nsignoffs; i++) {
		free(run->signoffs[i].step);
		free(run->signoffs[i].by);
	}
	for (i = 0; i < run->ntimeline; i++) {
		free(run->timeline[i].type);
		free(run->timeline[i].text);
	}
	for (i = 0; i < run->ninv; i++) {
		free(run->inv_paths[i]);
		free(run->inv_sha256[i]);
	}
	for (i = 0; i < run->nvars; i++) {
		free(run->var_names[i]);
		free(run->var_values[i]);
	}
	for (i = 0; i < run->ngates; i++)
		free(run->gates[i]);
	for (i = 0; i < run->nreruns; i++)
		free(run->reruns[i]);
	free(run->hosts);
	free(run->steps);
	free(run->waves);
	free(run->signoffs);
	free(run->timeline);
	free(run->inv_paths);
	free(run->inv_sha256);
	free(run->var_names);
	free(run->var_values);
	free(run->gates);
	free(run->reruns);
	free(run->id);
	free(run->kind);
	free(run->playbook);
	free(run->playbook_sha256);
	free(run->name);
	free(run->command);
	free(run->limit);
	free(run->rerun_of);
	free(run->user);
	free(run->plugin_path);
	free(run->halt_reason);
	memset(run, 0, sizeof(*run));
}

int
journal_read_output(const char *dir, const struct jout *o, struct buf *b)
{
	char		 hex[SHA256_HEX_LEN + 1], *path;
	ssize_t		 n;
	int		 fd, e = 0;

	buf_reset(b);
	if (o->len == 0)
		return 0;
	xasprintf(&path, "%s/%s", dir, JOURNAL_OUTPUTS);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return errno == ENOENT ? LB_ERR_NOT_FOUND : LB_ERR_SYSTEM;
	if (buf_reserve(b, (size_t)o->len) != 0)
		e = LB_ERR_LIMIT;
	else if ((n = pread(fd, b->data, (size_t)o->len, o->off)) !=
	    o->len)
		e = n < 0 ? LB_ERR_SYSTEM : LB_ERR_INVALID;
	close(fd);
	if (e != 0)
		return e;
	b->len = (size_t)o->len;
	b->data[b->len] = '\0';
	sha256_hex(b->data, b->len, hex);
	return strcmp(hex, o->sha256) == 0 ? 0 : LB_ERR_INVALID;
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
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
			held = true;
		close(fd);
	}
	free(path);
	return held ? "running" : "interrupted";
}

const char *
journal_host_state(const struct jrun *run, size_t h)
{
	const struct jhost	*jh = &run->hosts[h];

	if (jh->done && jh->status != NULL)
		return jh->status;
	if (journal_host_step(run, h) != JNONE)
		return "in progress";
	if (run->ended || run->halted)
		return "not run";
	return "pending";
}

size_t
journal_host_step(const struct jrun *run, size_t h)
{
	const struct jhost	*jh = &run->hosts[h];
	size_t			 s, last = JNONE;

	for (s = 0; s < run->nsteps; s++)
		if (jh->steps[s].state != JS_NONE)
			last = s;
	return last;
}
