/*
 * The playbook runner (see run.h): waves of engine runs, and the job each
 * host does in them, one step after another.
 *
 * A host's job is a small state machine.  step_begin() takes the steps
 * from h->step on: those that end at once (skipped, an assert, a signed
 * manual step) are recorded and passed; the first that needs the host
 * sets an engine operation and returns.  step_continue() reads that
 * operation's result, moves the step's phase on (a reboot is exec, drop,
 * settle, connect), and ends the step with step_end(), which records the
 * outcome, keeps the registered result, and retries or applies
 * on_failure.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "expr.h"
#include "inventory.h"
#include "journal.h"
#include "json.h"
#include "loop.h"
#include "plugin.h"
#include "quote.h"
#include "redact.h"
#include "run.h"
#include "rundir.h"
#include "escrow.h"
#include "sha256.h"
#include "transport-winrm.h"
#include "transport.h"
#include "xmalloc.h"
#include "ytree.h"

#define RUN_SCRIPT_MAX		(4U * 1024 * 1024)
#define RUN_WAIT_DEFAULT	(5 * 60 * 1000)		/* wait_for */
#define RUN_WAIT_INTERVAL	5000
#define RUN_REBOOT_DEFAULT	(15 * 60 * 1000)
#define RUN_SETTLE_DEFAULT	10000
#define RUN_RETRY_DELAY		1000
#define RUN_POLL_DEFAULT	500
#define RUN_MSG_MAX		400
#define RUN_ARGS_MAX		64
#define NONE			((size_t)-1)

/* Where a step is, between engine operations. */
enum phase {
	PH_START,		/* nothing issued yet */
	PH_CONNECT,		/* connecting for the action */
	PH_ACTION,		/* the action's operation */
	PH_RETRY,		/* waiting to try again */
	PH_DROP,		/* reboot: the session is dropped */
	PH_SETTLE,		/* reboot: waiting for it to go down */
	PH_BACK,		/* reboot: waiting for it to come back */
	PH_PARKED,		/* manual: waiting for a sign-off */
	PH_SYNC,		/* waiting for its start record's sync */
};

/* A step's result on a host, as register keeps it. */
struct rreg {
	bool			 set;
	bool			 skipped;
	bool			 changed;
	bool			 failed;
	int			 rc;
	char			 rc_text[16];
	char			*out;
	size_t			 out_len;
	char			*err;
	size_t			 err_len;
	char			*sha256;
	struct plugin_result	 pr;
};

struct rhost {
	struct run		*run;
	size_t			 idx;		/* in opts.hosts */
	const struct host	*h;
	bool			 windows;
	char			 tier_text[16];
	size_t			 step;
	enum phase		 phase;
	unsigned		 tries;		/* retries used on the step */
	bool			 connected;
	bool			 ran;		/* a step not skipped */
	bool			 changed;
	enum host_status	 status;
	/* The results of the registering steps (run->reg_slot), and the
	 * current step's when it registers nothing. */
	struct rreg		*regs;
	struct rreg		 scratch;
	/* A plugin step's arguments, expanded once for build and parse. */
	struct lb_arg		 args[RUN_ARGS_MAX];
	char			*arg_text[RUN_ARGS_MAX];
	size_t			 nargs;
	struct buf		 cmd;		/* the operation's strings */
	struct buf		 input;
	char			*local;
	char			*remote;
	int64_t			 t_step;
	size_t			 strike_step;	/* or NONE */
	int64_t			 strike_deadline;
	bool			 parked;
	bool			 redact;	/* expanding a message */
	size_t			 wi;		/* in the wave's engine */
	size_t			 first_step;	/* where a resume starts */
	bool			 start_logged;	/* the step's start record */
	bool			 sent;		/* the step reached the host */
	bool			 finished;	/* before a resume: not run */
	const char		**secrets;	/* inventory values, redacted */
	size_t			 nsecrets;
};

/* The plugin of one action. */
struct rplug {
	const struct pb_action	*act;
	struct plugin		*plugin;	/* the set's */
};

struct run {
	struct loop		*loop;
	struct escrow		*escrow;	/* read on first use */
	bool			 escrow_bad;
	struct tp_ctx		*tp;
	struct run_opts		 opt;
	const struct playbook	*pb;
	run_observer_fn		*observer;
	void			*arg;
	struct rollout_plan	 plan;
	struct rhost		*hosts;
	size_t			 wave;
	struct engine		*engine;
	const struct host	**wave_hosts;
	struct run_stats	 stats;
	struct loop_timer	 kick;		/* wave over; pause over */
	struct loop_timer	 poll;		/* sign-offs */
	struct loop_timer	 go;		/* the hold released */
	/*
	 * Between waves, wave being the one that finished: wave+1 starts
	 * when none of gate (its sign-off), pausing (the rollout's timed
	 * pause) and hold (run_hold) is left.
	 */
	bool			 between;
	bool			 gate;
	bool			 pausing;
	bool			 hold;
	bool			*signed_off;	/* per step */
	bool			*announced;	/* per step: RUN_WAITING sent */
	size_t			*reg_slot;	/* per step: in regs, or NONE */
	size_t			 nregs;
	size_t			 nparked;
	char			**signer;	/* per step */
	regex_t			*re_out;	/* per step, or unused */
	regex_t			*re_err;
	bool			*has_re_out;
	bool			*has_re_err;
	struct plugin_set	 plugins;
	struct rplug		*plugs;
	size_t			 nplugs;
	off_t			 signoff_off;
	struct journal_gate	 jgate;		/* the journal, once a turn */
	size_t			*wave_map;	/* engine index -> host */
	size_t			 resume_wave;	/* NONE: not a resume */
	bool			 resume_gate;
	int			 cancels;
	bool			 started;
	bool			 finished;
	char			 why[ROLLOUT_WHY_MAX + 64];
};

static const char *const outcome_names[] = {
	[STEP_OK] = "ok",
	[STEP_CHANGED] = "changed",
	[STEP_FAILED] = "failed",
	[STEP_SKIPPED] = "skipped",
	[STEP_UNREACHABLE] = "unreachable",
	[STEP_CANCELLED] = "cancelled",
};

const char *
step_outcome_name(enum step_outcome o)
{
	if ((unsigned)o >= sizeof(outcome_names) / sizeof(outcome_names[0]))
		return "?";
	return outcome_names[o];
}

static void	 wave_start(struct run *);
static void	 wave_next(struct run *);
static void	 hold_begin(struct run *);
static void	 run_finish(struct run *);
static void	 rec_host(struct run *, const struct rhost *, const char *,
		    int64_t);
static void	 resume_start(struct run *);

static void
emit(struct run *run, struct run_event *ev)
{
	run->stats.t_now = loop_now(run->loop);
	if (run->engine != NULL)
		run->stats.running = engine_stats(run->engine)->running;
	ev->stats = &run->stats;
	if (ev->wave == NULL) {
		ev->nwave = run->wave;
		if (run->wave < run->plan.nwaves)
			ev->wave = &run->plan.waves[run->wave];
	}
	if (run->observer != NULL)
		run->observer(ev, run->arg);
}

/*
 * The journal (journal.h): a record per transition, synced once a loop
 * turn by sync_tick().
 */

static struct json *
rec(struct run *run, const char *t)
{
	if (run->opt.journal == NULL)
		return NULL;
	return journal_begin(run->opt.journal, t);
}

static void
rec_end(struct run *run)
{
	journal_gate_end(&run->jgate);
}

/* s with what the inventory marks secret for h masked, into b. */
static const char *
masked(const struct rhost *h, const char *s, size_t len, struct buf *b)
{
	buf_reset(b);
	redact(b, s != NULL ? s : "", s != NULL ? len : 0, h->secrets,
	    h->nsecrets);
	return buf_str(b);
}

static void
rec_outputs(struct rhost *h, const struct tp_result *res)
{
	static const char *const keys[] = { "stdout", "stderr" };
	struct buf	 b;
	int		 id;

	if (res == NULL)
		return;
	buf_init(&b, 0, 0);
	for (id = TP_STDOUT; id <= TP_STDERR; id++) {
		const struct tp_stream	*st = &res->streams[id];

		if (st->data == NULL || st->len == 0)
			continue;
		masked(h, st->data, st->len, &b);
		journal_output(h->run->opt.journal, keys[id - TP_STDOUT],
		    b.data, b.len);
	}
	buf_release(&b);
}

/* The end of the step h is on (msg: one line, masked already). */
static void
rec_step_end(struct rhost *h, const char *outcome,
    const struct tp_result *res, const char *msg)
{
	struct run		*run = h->run;
	const struct rreg	*r = run->reg_slot[h->step] != NONE ?
				    &h->regs[run->reg_slot[h->step]] :
				    &h->scratch;
	struct json		*w;
	size_t			 i;

	if ((w = rec(run, "end")) == NULL)
		return;
	json_kv_int(w, "h", (int64_t)h->idx);
	json_kv_int(w, "s", (int64_t)h->step);
	json_kv_str(w, "outcome", outcome);
	json_key(w, "rc");
	if (res != NULL && res->err == TP_OK)
		json_int(w, res->rc);
	else
		json_null(w);
	json_kv_str(w, "msg", msg != NULL && msg[0] != '\0' ? msg : NULL);
	json_kv_int(w, "ms", loop_now(run->loop) - h->t_step);
	json_kv_bool(w, "sent", h->sent);
	rec_outputs(h, res);
	if (r->sha256 != NULL)
		json_kv_str(w, "sha256", r->sha256);
	if (r->pr.nkv > 0) {
		json_key(w, "kv");
		json_obj_begin(w);
		for (i = 0; i < r->pr.nkv; i++)
			json_kv_str(w, r->pr.kv[i].key, r->pr.kv[i].value);
		json_obj_end(w);
	}
	rec_end(run);
}

/* Host idx's start record is on disk: its step goes on. */
static void
sync_wake(void *arg, size_t idx)
{
	struct run	*run = arg;

	if (run->engine != NULL && run->hosts[idx].phase == PH_SYNC)
		engine_wake(run->engine, run->hosts[idx].wi);
}

/* The journal cannot be written: nothing more may start. */
static void
sync_failed(void *arg, int err)
{
	struct run	*run = arg;

	snprintf(run->why, sizeof run->why, "cannot write the journal: %s",
	    strerror(err));
	run->stats.aborted = true;
	if (run->engine != NULL)
		engine_cancel(run->engine);
}

/*
 * Values: what `when` and {{ }} read.
 */

/*
 * The key IDs the escrow index holds for host x (escrow.h), from the
 * directories or from one source; NULL when the index cannot be read.
 */
static const char *
escrow_fact(struct run *run, const struct host *x, const char *source)
{
	char	 path[4096], why[512];

	if (run->escrow == NULL && !run->escrow_bad) {
		if (escrow_path(path, sizeof path) != 0 ||
		    escrow_load(path, &run->escrow, why, sizeof why) != 0)
			run->escrow_bad = true;
	}
	if (run->escrow == NULL)
		return NULL;
	return escrow_ids(run->escrow, x->name, source);
}

static const char *
host_fact(const struct rhost *h, const char *f)
{
	const struct host	*x = h->h;

	if (strcmp(f, "name") == 0)
		return x->name;
	if (strcmp(f, "address") == 0)
		return x->address ? x->address : x->name;
	if (strcmp(f, "site") == 0)
		return x->site ? x->site : "";
	if (strcmp(f, "os") == 0)
		return x->os ? x->os : "";
	if (strcmp(f, "tier") == 0)
		return h->tier_text;
	if (strcmp(f, "transport") == 0)
		return transport_name(x->transport);
	if (strcmp(f, "user") == 0)
		return x->user ? x->user : "";
	if (strcmp(f, "escrowed") == 0)
		return escrow_fact(h->run, x, NULL);
	if (strcmp(f, "escrowed_ad") == 0)
		return escrow_fact(h->run, x, "ad");
	if (strcmp(f, "escrowed_entra") == 0)
		return escrow_fact(h->run, x, "entra");
	return NULL;
}

/* A variable: -e, then the playbook's, then the host's inventory. */
static const char *
var_value(const struct run *run, const struct host *x, const char *name)
{
	size_t	 i;

	for (i = 0; i < run->opt.nvars; i++)
		if (strcmp(run->opt.vars[i].name, name) == 0)
			return run->opt.vars[i].value;
	for (i = 0; i < run->pb->nvars; i++)
		if (strcmp(run->pb->vars[i].name, name) == 0)
			return run->pb->vars[i].value;
	for (i = 0; x != NULL && i < x->nvars; i++)
		if (strcmp(x->vars[i].name, name) == 0 &&
		    x->vars[i].value != NULL &&
		    x->vars[i].value->type == YNODE_SCALAR)
			return x->vars[i].value->str;
	return NULL;
}

/*
 * Looks a name up for h as a value: a fact, a field of a registered
 * result, or a variable.  Returns 0, or -1 when it is not defined.
 */
static int
lookup(const struct rhost *h, const char *name, struct expr_value *v)
{
	const char		*dot = strchr(name, '.'), *f, *s;
	const struct rreg	*r;
	ssize_t			 j;
	size_t			 i;

	memset(v, 0, sizeof(*v));
	v->type = EXPR_STR;
	if (dot == NULL) {
		if ((s = var_value(h->run, h->h, name)) == NULL)
			return -1;
		v->s = s;
		v->len = strlen(s);
		return 0;
	}
	f = dot + 1;
	if ((size_t)(dot - name) == 4 && strncmp(name, "host", 4) == 0) {
		if ((s = host_fact(h, f)) == NULL)
			return -1;
		v->s = s;
		v->len = strlen(s);
		return 0;
	}
	if ((j = pb_register_step(h->run->pb, name, (size_t)(dot - name))) < 0)
		return -1;
	r = &h->regs[h->run->reg_slot[j]];
	if (!r->set)
		return -1;
	if (strcmp(f, "rc") == 0) {
		if (r->rc < 0) {
			v->type = EXPR_NULL;
			return 0;
		}
		v->type = EXPR_INT;
		v->i = r->rc;
		return 0;
	}
	if (strcmp(f, "stdout") == 0 || strcmp(f, "stderr") == 0) {
		v->s = f[3] == 'o' ? r->out : r->err;
		v->len = f[3] == 'o' ? r->out_len : r->err_len;
		return 0;
	}
	if (strcmp(f, "changed") == 0 || strcmp(f, "failed") == 0 ||
	    strcmp(f, "skipped") == 0) {
		v->type = EXPR_BOOL;
		v->b = f[0] == 'c' ? r->changed : f[0] == 'f' ? r->failed :
		    r->skipped;
		return 0;
	}
	if (strcmp(f, "sha256") == 0 && r->sha256 != NULL) {
		v->s = r->sha256;
		v->len = strlen(r->sha256);
		return 0;
	}
	for (i = 0; i < r->pr.nkv; i++) {
		if (strcmp(r->pr.kv[i].key, f) == 0) {
			v->s = r->pr.kv[i].value;
			v->len = strlen(v->s);
			return 0;
		}
	}
	return -1;
}

static int
expr_lookup(void *arg, const char *name, struct expr_value *out)
{
	return lookup(arg, name, out);
}

/* Whether name is a variable the inventory marks secret for h. */
static bool
secret_var(const struct rhost *h, const char *name)
{
	size_t	 i;

	if (strchr(name, '.') != NULL || var_value(h->run, NULL, name))
		return false;	/* a fact, a result, -e or the playbook's */
	for (i = 0; i < h->h->nvars; i++)
		if (strcmp(h->h->vars[i].name, name) == 0)
			return h->h->vars[i].secret;
	return false;
}

static int
quote_lookup(void *arg, const char *name, const char **val, size_t *len)
{
	struct rhost		*h = arg;
	struct expr_value	 v;
	ssize_t			 j;
	const char		*dot;

	if (lookup(h, name, &v) != 0)
		return -1;
	if (h->redact && secret_var(h, name)) {
		*val = "********";
		*len = 8;
		return 0;
	}
	switch (v.type) {
	case EXPR_STR:
		*val = v.s != NULL ? v.s : "";
		*len = v.len;
		return 0;
	case EXPR_BOOL:
		*val = v.b ? "true" : "false";
		*len = strlen(*val);
		return 0;
	case EXPR_INT:
		dot = strchr(name, '.');
		j = pb_register_step(h->run->pb, name, (size_t)(dot - name));
		*val = h->regs[h->run->reg_slot[j]].rc_text;
		*len = strlen(*val);
		return 0;
	default:
		*val = "";
		*len = 0;
		return 0;
	}
}

/* Expands tmpl for h into out (reset first); 0, or -1 with msg. */
static int
expand(struct rhost *h, const char *tmpl, enum quote_mode mode,
    struct buf *out, char *msg, size_t msglen)
{
	struct quote_error	 err;

	buf_reset(out);
	if (tmpl == NULL)
		return 0;
	if (quote_expand(tmpl, mode, quote_lookup, h, out, &err) != 0) {
		snprintf(msg, msglen, "%s", err.msg);
		return -1;
	}
	return 0;
}

static char *
expand_dup(struct rhost *h, const char *tmpl, char *msg, size_t msglen)
{
	struct buf	 b;
	char		*s;

	buf_init(&b, RUN_SCRIPT_MAX, 0);
	if (expand(h, tmpl, QUOTE_NONE, &b, msg, msglen) != 0) {
		buf_release(&b);
		return NULL;
	}
	s = xstrndup(b.len > 0 ? b.data : "", b.len);
	buf_release(&b);
	return s;
}

static void
free_args(struct rhost *h)
{
	size_t	 i;

	for (i = 0; i < h->nargs; i++)
		free(h->arg_text[i]);
	h->nargs = 0;
}

/*
 * Ending a step.
 */

static void
reg_clear(struct rreg *r)
{
	free(r->out);
	free(r->err);
	free(r->sha256);
	plugin_result_release(&r->pr);
	memset(r, 0, sizeof(*r));
}

/* A value of a built-in action's result: NAME.key. */
static void
reg_kv(struct rreg *r, const char *key, int64_t v)
{
	plugin_result_release(&r->pr);
	r->pr.kv = xcalloc(1, sizeof(*r->pr.kv));
	r->pr.kv[0].key = xstrdup(key);
	xasprintf(&r->pr.kv[0].value, "%" PRId64, v);
	r->pr.nkv = 1;
}

static char *
stream_copy(const struct tp_result *res, enum tp_stream_id id, size_t *len)
{
	const struct tp_stream	*s;

	*len = 0;
	if (res == NULL)
		return xstrdup("");
	s = &res->streams[id];
	*len = s->len;
	return s->data != NULL ? xstrndup(s->data, s->len) : xstrdup("");
}

/* The first line of s, for a message. */
static void
first_line(char *dst, size_t size, const char *s)
{
	size_t	 n;

	if (s == NULL) {
		dst[0] = '\0';
		return;
	}
	while (*s == '\n' || *s == '\r' || *s == ' ')
		s++;
	n = strcspn(s, "\r\n");
	snprintf(dst, size, "%.*s", (int)n, s);
}

static void
finish_host(struct rhost *h, enum host_status st, struct engine_op *op)
{
	h->status = st;
	op->type = EOP_FINISH;
	op->status = st;
}

static void
abort_run(struct run *run, struct rhost *h)
{
	snprintf(run->why, sizeof(run->why), "step '%s' failed on %s "
	    "and aborts the run", run->pb->steps[h->step].name, h->h->name);
	run->stats.aborted = true;
	if (run->engine != NULL)
		engine_cancel(run->engine);
}

/* Where the current step's result goes. */
static struct rreg *
cur_reg(struct rhost *h)
{
	size_t	 slot = h->run->reg_slot[h->step];

	return slot == NONE ? &h->scratch : &h->regs[slot];
}

/*
 * Keeps what the step came to for register: the action already put its
 * own values there (a plugin's, a checksum); a skipped step has none.
 */
static void
reg_fill(struct rreg *r, enum step_outcome oc, const struct tp_result *res)
{
	free(r->out);
	free(r->err);
	if (oc == STEP_SKIPPED) {
		free(r->sha256);
		r->sha256 = NULL;
		plugin_result_release(&r->pr);
	}
	r->set = true;
	r->skipped = oc == STEP_SKIPPED;
	r->changed = oc == STEP_CHANGED;
	r->failed = oc == STEP_FAILED || oc == STEP_UNREACHABLE;
	r->rc = res != NULL && res->err == TP_OK ? res->rc : -1;
	snprintf(r->rc_text, sizeof(r->rc_text), "%d", r->rc);
	r->out = stream_copy(res, TP_STDOUT, &r->out_len);
	r->err = stream_copy(res, TP_STDERR, &r->err_len);
}

/* The step is over on h: counts, register, the event. */
static void
step_record(struct rhost *h, enum step_outcome oc,
    const struct tp_result *res, const char *msg)
{
	struct run		*run = h->run;
	struct run_event	 ev;
	char			 line[RUN_MSG_MAX];
	struct buf		 b;

	buf_init(&b, 0, 0);
	redact_one_line(line, sizeof line, masked(h, msg, msg ? strlen(msg) : 0,
	    &b));
	buf_release(&b);
	rec_step_end(h, step_outcome_name(oc), res, line);
	if (oc != STEP_SKIPPED && oc != STEP_UNREACHABLE)
		h->ran = true;
	if (oc == STEP_CHANGED)
		h->changed = true;
	if (run->reg_slot[h->step] != NONE)
		reg_fill(cur_reg(h), oc, res);
	else
		reg_clear(&h->scratch);
	free_args(h);
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_STEP_DONE;
	ev.host = h->h;
	ev.host_index = h->idx;
	ev.step = &run->pb->steps[h->step];
	ev.step_index = h->step;
	ev.outcome = oc;
	ev.rc = res != NULL && res->err == TP_OK ? res->rc : -1;
	ev.msg = line[0] != '\0' ? line : NULL;
	ev.duration_ms = loop_now(run->loop) - h->t_step;
	emit(run, &ev);
	h->tries = 0;
	h->phase = PH_START;
	h->start_logged = false;
	h->sent = false;
}

/* A failure nothing more can run after (it would not let us in). */
static bool
step_fatal(struct rhost *h, const char *msg, struct engine_op *op)
{
	step_record(h, STEP_FAILED, NULL, msg);
	finish_host(h, HOST_FAILED, op);
	return true;
}

/*
 * Ends the step with outcome oc: tries a failed step again while it has
 * retries, else records it and goes on as on_failure says.  Returns true
 * when it set op (a retry, the host's end), false when the host goes on
 * with its next step.
 */
static bool
step_end(struct rhost *h, enum step_outcome oc, const struct tp_result *res,
    const char *msg, struct engine_op *op)
{
	struct run		*run = h->run;
	const struct pb_step	*st = &run->pb->steps[h->step];
	int64_t			 delay;
	unsigned		 i;

	if (oc == STEP_FAILED && h->tries < st->retries &&
	    !run->stats.aborted && run->cancels == 0) {
		h->tries++;
		delay = st->retry_delay_ms > 0 ? st->retry_delay_ms :
		    RUN_RETRY_DELAY;
		for (i = 1; i < h->tries && delay < 3600000; i++)
			delay *= 2;
		h->phase = PH_RETRY;
		op->type = EOP_SLEEP;
		op->ms = delay;
		return true;
	}
	step_record(h, oc, res, msg);
	switch (oc) {
	case STEP_OK:
	case STEP_CHANGED:
	case STEP_SKIPPED:
		h->step++;
		return false;
	case STEP_UNREACHABLE:
		finish_host(h, HOST_UNREACHABLE, op);
		return true;
	case STEP_CANCELLED:
		finish_host(h, HOST_CANCELLED, op);
		return true;
	case STEP_FAILED:
		break;
	}
	if (st->on_failure == PB_FAIL_CONTINUE) {
		h->step++;
		return false;
	}
	if (st->on_failure == PB_FAIL_ABORT)
		abort_run(run, h);
	finish_host(h, HOST_FAILED, op);
	return true;
}

/*
 * Starting an action.
 */

static bool
needs_host(enum pb_action_type t)
{
	switch (t) {
	case PB_WAIT_FOR:
	case PB_PAUSE:
	case PB_ASSERT:
	case PB_MANUAL:
		return false;
	default:
		return true;
	}
}

static const struct plugin *
action_plugin(const struct run *run, const struct pb_action *act)
{
	size_t	 i;

	for (i = 0; i < run->nplugs; i++)
		if (run->plugs[i].act == act)
			return run->plugs[i].plugin;
	return NULL;
}

/* A PowerShell script as the command that runs it on h: PowerShell on
 * Linux is pwsh. */
static int
ps_command(struct rhost *h, const char *script, size_t len)
{
	buf_reset(&h->cmd);
	return winrm_ps_command_as(&h->cmd, h->windows ? "powershell" :
	    "pwsh", script, len) != 0 ? -1 : 0;
}

/* "sh -s" with script on stdin. */
static void
sh_command(struct rhost *h, const char *args)
{
	buf_reset(&h->cmd);
	buf_adds(&h->cmd, "sh -s");
	if (args != NULL && args[0] != '\0') {
		buf_adds(&h->cmd, " -- ");
		buf_adds(&h->cmd, args);
	}
}

static void
op_exec(struct rhost *h, const struct pb_step *st, struct engine_op *op,
    bool with_input)
{
	h->sent = true;
	op->type = EOP_EXEC;
	op->command = buf_str(&h->cmd);
	if (with_input) {
		op->input = buf_str(&h->input);
		op->input_len = h->input.len;
	}
	op->timeout_ms = st->timeout_ms > 0 ? st->timeout_ms :
	    h->run->opt.eo.command_timeout_ms;
}

/*
 * The arguments of a plugin step for h, variables expanded, into
 * h->args: built once, for the script and for reading its reply.  A
 * list arrives as one line per item.
 */
static int
plugin_args(struct rhost *h, const struct pb_action *act, char *msg,
    size_t msglen)
{
	const struct ynode	*m = act->args, *val;
	struct buf		 b;
	char			*text;
	size_t			 i, k;

	free_args(h);
	if (m == NULL || m->type != YNODE_MAP)
		return 0;
	for (i = 0; i < m->n && h->nargs < RUN_ARGS_MAX; i++) {
		val = YMAP_VAL(m, i);
		if (val->type == YNODE_SEQ) {
			buf_init(&b, RUN_SCRIPT_MAX, 0);
			for (k = 0; k < val->n; k++) {
				if (val->v[k]->type != YNODE_SCALAR)
					continue;
				if (k > 0)
					buf_addc(&b, '\n');
				buf_adds(&b, val->v[k]->str);
			}
			text = expand_dup(h, buf_str(&b), msg, msglen);
			buf_release(&b);
		} else if (val->type == YNODE_SCALAR)
			text = expand_dup(h, val->str, msg, msglen);
		else
			continue;
		if (text == NULL)
			return -1;
		h->args[h->nargs].key = YMAP_KEY(m, i)->str;
		h->args[h->nargs].value = text;
		h->arg_text[h->nargs++] = text;
	}
	return 0;
}

static void
plugin_facts(const struct rhost *h, struct lb_facts *f)
{
	f->name = h->h->name;
	f->os = h->h->os ? h->h->os : "";
	f->site = h->h->site ? h->h->site : "";
	f->tier = h->h->tier;
	f->shell = h->windows ? LB_SHELL_POWERSHELL : LB_SHELL_SH;
}

static bool	 step_begin(struct rhost *, struct engine_op *);

/*
 * h begins step h->step (again: back at its strike after the connection
 * was lost).  Once a step, not again for its retries, which go through
 * PH_RETRY and never come back here.
 */
static void
step_started(struct rhost *h, bool again)
{
	struct run_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_STEP_START;
	ev.host = h->h;
	ev.host_index = h->idx;
	ev.step = &h->run->pb->steps[h->step];
	ev.step_index = h->step;
	ev.rc = -1;
	ev.again = again;
	emit(h->run, &ev);
}

/* Issues the action's operation: true with op set, or the step's end. */
static bool
action_start(struct rhost *h, const struct pb_step *st,
    const struct pb_action *act, struct engine_op *op)
{
	struct run		*run = h->run;
	char			 msg[RUN_MSG_MAX];
	struct lb_args		 args;
	struct lb_facts		 facts;
	size_t			 i;
	int			 r;
	struct buf		 b;

	msg[0] = '\0';
	if (needs_host(act->type) && !h->start_logged &&
	    run->opt.journal != NULL) {
		struct json	*w = rec(run, "start");

		json_kv_int(w, "h", (int64_t)h->idx);
		json_kv_int(w, "s", (int64_t)h->step);
		rec_end(run);
		h->start_logged = true;
		h->phase = PH_SYNC;
		journal_gate_hold(&run->jgate, h->idx);
		op->type = EOP_PARK;
		return true;
	}
	if (needs_host(act->type) && !h->connected) {
		h->phase = PH_CONNECT;
		op->type = EOP_CONNECT;
		return true;
	}
	h->phase = PH_ACTION;
	switch (act->type) {
	case PB_SHELL:
		if (h->windows) {
			buf_reset(&h->cmd);
			buf_adds(&h->cmd, act->text);
			op_exec(h, st, op, false);
			return true;
		}
		if (expand(h, act->text, QUOTE_SH, &h->input, msg,
		    sizeof msg) != 0)
			break;
		buf_addc(&h->input, '\n');
		sh_command(h, NULL);
		op_exec(h, st, op, true);
		return true;
	case PB_POWERSHELL:
		buf_init(&b, RUN_SCRIPT_MAX, 0);
		if (expand(h, act->text, QUOTE_PS, &b, msg, sizeof msg) != 0 ||
		    ps_command(h, buf_str(&b), b.len) != 0) {
			if (msg[0] == '\0')
				snprintf(msg, sizeof msg, "the script is not "
				    "valid UTF-8");
			buf_release(&b);
			break;
		}
		buf_release(&b);
		op_exec(h, st, op, false);
		return true;
	case PB_SCRIPT:
		free(h->local);
		if ((h->local = expand_dup(h, act->src, msg, sizeof msg)) ==
		    NULL)
			break;
		buf_reset(&h->input);
		if ((r = buf_read_file(&h->input, h->local,
		    RUN_SCRIPT_MAX)) != 0) {
			snprintf(msg, sizeof msg, "cannot read %s: %s",
			    h->local, strerror(r));
			break;
		}
		buf_init(&b, RUN_SCRIPT_MAX, 0);
		if (expand(h, act->text, h->windows ? QUOTE_PS : QUOTE_SH,
		    &b, msg, sizeof msg) != 0) {
			buf_release(&b);
			break;
		}
		if (h->windows) {
			struct buf	 ps = BUF_INIT;

			buf_adds(&ps, "& {\n");
			buf_add(&ps, h->input.data, h->input.len);
			buf_adds(&ps, "\n} ");
			buf_add(&ps, b.data, b.len);
			r = ps_command(h, buf_str(&ps), ps.len);
			buf_release(&ps);
			buf_release(&b);
			if (r != 0) {
				snprintf(msg, sizeof msg, "the script is not "
				    "valid UTF-8");
				break;
			}
			op_exec(h, st, op, false);
			return true;
		}
		sh_command(h, buf_str(&b));
		buf_release(&b);
		op_exec(h, st, op, true);
		return true;
	case PB_COPY:
	case PB_FETCH:
		free(h->local);
		free(h->remote);
		h->remote = NULL;
		h->local = expand_dup(h, act->type == PB_COPY ? act->src :
		    act->dest, msg, sizeof msg);
		if (h->local != NULL)
			h->remote = expand_dup(h, act->type == PB_COPY ?
			    act->dest : act->src, msg, sizeof msg);
		if (h->local == NULL || h->remote == NULL)
			break;
		if (act->type == PB_FETCH) {
			/* DEST/HOST/NAME: hosts never overwrite each
			 * other's copy. */
			const char	*base = strrchr(h->remote, '/');
			const char	*bs = strrchr(h->remote, '\\');
			char		*dir, *path;

			if (bs != NULL && (base == NULL || bs > base))
				base = bs;
			base = base != NULL ? base + 1 : h->remote;
			xasprintf(&dir, "%s/%s", h->local, h->h->name);
			if ((mkdir(h->local, 0700) != 0 && errno != EEXIST) ||
			    (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
				snprintf(msg, sizeof msg, "cannot create %s: "
				    "%s", dir, strerror(errno));
				free(dir);
				break;
			}
			xasprintf(&path, "%s/%s", dir, base[0] ? base :
			    "file");
			free(dir);
			free(h->local);
			h->local = path;
			op->type = EOP_GET;
		} else {
			op->type = EOP_PUT;
			op->mode = act->mode;
		}
		op->local = h->local;
		op->remote = h->remote;
		h->sent = true;
		return true;
	case PB_WAIT_FOR:
		if (h->connected)
			return step_end(h, STEP_OK, NULL, "up", op);
		op->type = EOP_CONNECT;
		op->deadline = loop_now(run->loop) + (act->timeout_ms > 0 ?
		    act->timeout_ms : RUN_WAIT_DEFAULT);
		op->interval_ms = act->interval_ms > 0 ? act->interval_ms :
		    RUN_WAIT_INTERVAL;
		if (act->strike && h->strike_step != h->step) {
			h->strike_step = h->step;
			h->strike_deadline = op->deadline;
		} else if (act->strike)
			op->deadline = h->strike_deadline;
		h->phase = PH_BACK;
		return true;
	case PB_REBOOT:
		buf_reset(&h->input);
		if (h->windows) {
			buf_reset(&h->cmd);
			buf_adds(&h->cmd, "shutdown /r /t 5 /c \"lifeboat\"");
			op_exec(h, st, op, false);
		} else {
			buf_adds(&h->input, "(sleep 2; reboot || shutdown -r "
			    "now) </dev/null >/dev/null 2>&1 &\n");
			sh_command(h, NULL);
			op_exec(h, st, op, true);
		}
		return true;
	case PB_PAUSE:
		op->type = EOP_SLEEP;
		op->ms = act->timeout_ms;
		return true;
	case PB_ASSERT:
		for (i = 0; i < act->nthat; i++) {
			struct expr_error	 err;
			bool			 ok;

			if (act->that_expr == NULL || act->that_expr[i] == NULL)
				continue;
			if (expr_eval(act->that_expr[i], expr_lookup, h, &ok,
			    &err) != 0) {
				snprintf(msg, sizeof msg, "%s: %s",
				    act->that[i], err.msg);
				return step_end(h, STEP_FAILED, NULL, msg, op);
			}
			if (!ok) {
				char	*m;

				/* A message is shown: no secret in it. */
				h->redact = true;
				m = act->text ? expand_dup(h, act->text, msg,
				    sizeof msg) : NULL;
				h->redact = false;

				if (m != NULL)
					snprintf(msg, sizeof msg, "%s", m);
				else
					snprintf(msg, sizeof msg, "assertion "
					    "failed: %s", act->that[i]);
				free(m);
				return step_end(h, STEP_FAILED, NULL, msg, op);
			}
		}
		return step_end(h, STEP_OK, NULL, NULL, op);
	case PB_MANUAL:
		if (run->signed_off[h->step]) {
			snprintf(msg, sizeof msg, "signed off by %s",
			    run->signer[h->step]);
			return step_end(h, STEP_OK, NULL, msg, op);
		}
		h->phase = PH_PARKED;
		h->parked = true;
		run->nparked++;
		op->type = EOP_PARK;
		if (!loop_timer_active(&run->poll) && run->opt.run_dir)
			loop_timer_start(run->loop, &run->poll,
			    run->opt.signoff_poll_ms);
		if (!run->announced[h->step]) {
			struct run_event	 ev;

			run->announced[h->step] = true;
			memset(&ev, 0, sizeof(ev));
			ev.type = RUN_WAITING;
			ev.step = st;
			ev.step_index = h->step;
			ev.host = h->h;
			emit(run, &ev);
		}
		return true;
	case PB_PLUGIN:
		if (plugin_args(h, act, msg, sizeof msg) != 0)
			break;
		args.v = h->args;
		args.n = h->nargs;
		plugin_facts(h, &facts);
		buf_init(&b, RUN_SCRIPT_MAX, 0);
		r = plugin_build(action_plugin(run, act), &args, &facts, &b,
		    msg, sizeof msg);
		if (r != 0) {
			buf_release(&b);
			break;
		}
		if (h->windows) {
			r = ps_command(h, buf_str(&b), b.len);
			buf_release(&b);
			if (r != 0) {
				snprintf(msg, sizeof msg, "the plugin's "
				    "script is not valid UTF-8");
				break;
			}
			op_exec(h, st, op, false);
			return true;
		}
		buf_reset(&h->input);
		buf_add(&h->input, b.data, b.len);
		buf_addc(&h->input, '\n');
		buf_release(&b);
		sh_command(h, NULL);
		op_exec(h, st, op, true);
		return true;
	}
	return step_end(h, STEP_FAILED, NULL, msg, op);
}

/* Takes the steps from h->step on until one needs an operation. */
static bool
step_begin(struct rhost *h, struct engine_op *op)
{
	struct run		*run = h->run;
	const struct pb_step	*st;
	const struct pb_action	*act;
	struct expr_error	 err;
	char			 msg[RUN_MSG_MAX];
	bool			 ok;

	for (;;) {
		if (run->stats.aborted || run->cancels > 0) {
			finish_host(h, HOST_CANCELLED, op);
			return true;
		}
		if (h->step >= run->pb->nsteps) {
			finish_host(h, HOST_OK, op);
			return true;
		}
		st = &run->pb->steps[h->step];
		h->t_step = loop_now(run->loop);
		h->phase = PH_START;
		if ((act = pb_step_action(st, h->h->os)) == NULL) {
			if (step_end(h, STEP_SKIPPED, NULL, "no action for "
			    "this OS", op))
				return true;
			continue;
		}
		if (st->when_expr != NULL) {
			if (expr_eval(st->when_expr, expr_lookup, h, &ok,
			    &err) != 0) {
				snprintf(msg, sizeof msg, "when: %s", err.msg);
				if (step_end(h, STEP_FAILED, NULL, msg, op))
					return true;
				continue;
			}
			if (!ok) {
				if (step_end(h, STEP_SKIPPED, NULL, NULL, op))
					return true;
				continue;
			}
		}
		step_started(h, false);
		if (action_start(h, st, act, op))
			return true;
	}
}

/* Whether a lost host may go back to its strike. */
static bool
strike_again(struct rhost *h, struct engine_op *op)
{
	struct run	*run = h->run;

	if (h->strike_step == NONE ||
	    loop_now(run->loop) >= h->strike_deadline ||
	    run->stats.aborted || run->cancels > 0)
		return false;
	if (h->step != h->strike_step)
		rec_step_end(h, "unreachable", NULL, "the connection was lost: "
		    "back to the wait_for");
	h->start_logged = false;
	h->sent = false;
	h->connected = false;
	h->step = h->strike_step;
	h->tries = 0;
	h->t_step = loop_now(run->loop);
	h->phase = PH_BACK;
	op->type = EOP_CONNECT;
	op->deadline = h->strike_deadline;
	op->interval_ms = run->pb->steps[h->step].action != NULL &&
	    run->pb->steps[h->step].action->interval_ms > 0 ?
	    run->pb->steps[h->step].action->interval_ms : RUN_WAIT_INTERVAL;
	step_started(h, true);
	return true;
}

static const char *
err_text(const struct tp_result *res)
{
	if (res == NULL)
		return "";
	return res->msg != NULL ? res->msg : tp_err_name(res->err);
}

/* A command's result against the step's expect; the outcome. */
static enum step_outcome
judge(struct rhost *h, const struct pb_step *st, const struct tp_result *res,
    char *msg, size_t msglen)
{
	struct run	*run = h->run;
	const char	*out = res->streams[TP_STDOUT].data;
	const char	*err = res->streams[TP_STDERR].data;
	int		 want = st->expect.rc_set ? st->expect.rc : 0;
	char		 line[200];

	if (res->rc != want) {
		first_line(line, sizeof line, err);
		if (line[0] == '\0')
			first_line(line, sizeof line, out);
		if (want != 0)
			snprintf(msg, msglen, "rc %d, expected %d%s%s", res->rc,
			    want, line[0] ? ": " : "", line);
		else
			snprintf(msg, msglen, "rc %d%s%s", res->rc,
			    line[0] ? ": " : "", line);
		return STEP_FAILED;
	}
	if (run->has_re_out[h->step] && regexec(&run->re_out[h->step],
	    out ? out : "", 0, NULL, 0) != 0) {
		snprintf(msg, msglen, "stdout does not match '%s'",
		    st->expect.stdout_re);
		return STEP_FAILED;
	}
	if (run->has_re_err[h->step] && regexec(&run->re_err[h->step],
	    err ? err : "", 0, NULL, 0) != 0) {
		snprintf(msg, msglen, "stderr does not match '%s'",
		    st->expect.stderr_re);
		return STEP_FAILED;
	}
	return STEP_OK;
}

/* The result of the action's operation. */
static bool
action_done(struct rhost *h, const struct pb_step *st,
    const struct pb_action *act, const struct tp_result *res,
    struct engine_op *op)
{
	struct run		*run = h->run;
	char			 msg[RUN_MSG_MAX];
	struct lb_args		 args;
	struct lb_facts		 facts;
	struct lb_reply		 reply;
	struct rreg		*r = cur_reg(h);
	enum step_outcome	 oc;

	msg[0] = '\0';
	if (act->type == PB_REBOOT) {
		if (res->err == TP_OK && res->rc != 0) {
			snprintf(msg, sizeof msg, "the reboot command failed: "
			    "rc %d", res->rc);
			return step_end(h, STEP_FAILED, res, msg, op);
		}
		/* Whether or not the session survived the command, it
		 * will not survive the reboot. */
		h->connected = false;
		h->phase = PH_DROP;
		op->type = EOP_DROP;
		return true;
	}
	if (res->err == TP_CANCELLED)
		return step_end(h, STEP_CANCELLED, res, "cancelled", op);
	if (res->err == TP_UNREACHABLE || res->err == TP_PROTOCOL) {
		h->connected = false;
		if (strike_again(h, op))
			return true;
		snprintf(msg, sizeof msg, "%s", err_text(res));
		return step_end(h, STEP_FAILED, res, msg, op);
	}
	if (res->err != TP_OK) {
		snprintf(msg, sizeof msg, "%s", err_text(res));
		return step_end(h, STEP_FAILED, res, msg, op);
	}
	switch (act->type) {
	case PB_COPY:
	case PB_FETCH:
		free(r->sha256);
		{
			char	 hex[SHA256_HEX_LEN + 1];

			r->sha256 = sha256_file(h->local, hex) == 0 ?
			    xstrdup(hex) : NULL;
		}
		snprintf(msg, sizeof msg, "%s %s %s", h->local,
		    act->type == PB_COPY ? "->" : "<-", h->remote);
		return step_end(h, act->type == PB_COPY ? STEP_CHANGED :
		    STEP_OK, res, msg, op);
	case PB_PLUGIN:
		args.v = h->args;
		args.n = h->nargs;
		plugin_facts(h, &facts);
		memset(&reply, 0, sizeof(reply));
		reply.rc = res->rc;
		reply.out = res->streams[TP_STDOUT].data ?
		    res->streams[TP_STDOUT].data : "";
		reply.out_len = res->streams[TP_STDOUT].data ?
		    res->streams[TP_STDOUT].len : 0;
		reply.err = res->streams[TP_STDERR].data ?
		    res->streams[TP_STDERR].data : "";
		reply.err_len = res->streams[TP_STDERR].data ?
		    res->streams[TP_STDERR].len : 0;
		plugin_result_release(&r->pr);
		plugin_parse(action_plugin(run, act), &args, &facts, &reply,
		    &r->pr);
		switch (r->pr.verdict) {
		case LB_OK:
			oc = STEP_OK;
			break;
		case LB_CHANGED:
			oc = STEP_CHANGED;
			break;
		default:
			snprintf(msg, sizeof msg, "%s", r->pr.reason ?
			    r->pr.reason : "failed");
			return step_end(h, STEP_FAILED, res, msg, op);
		}
		/* expect, when given, holds too. */
		if ((st->expect.rc_set || run->has_re_out[h->step] ||
		    run->has_re_err[h->step]) &&
		    judge(h, st, res, msg, sizeof msg) != STEP_OK)
			return step_end(h, STEP_FAILED, res, msg, op);
		return step_end(h, oc, res, msg, op);
	default:
		oc = judge(h, st, res, msg, sizeof msg);
		return step_end(h, oc, res, msg, op);
	}
}

static bool
step_continue(struct rhost *h, const struct engine_op *prev,
    const struct tp_result *res, struct engine_op *op)
{
	struct run		*run = h->run;
	const struct pb_step	*st = &run->pb->steps[h->step];
	const struct pb_action	*act = pb_step_action(st, h->h->os);
	char			 msg[RUN_MSG_MAX];
	enum host_status	 hs;

	switch (h->phase) {
	case PH_CONNECT:
		if (res == NULL || res->err == TP_OK) {
			h->connected = true;
			return action_start(h, st, act, op);
		}
		hs = engine_status_of(prev, res);
		if (hs == HOST_UNREACHABLE && strike_again(h, op))
			return true;
		snprintf(msg, sizeof msg, "%s", err_text(res));
		if (hs == HOST_CANCELLED)
			return step_end(h, STEP_CANCELLED, NULL, msg, op);
		if (hs == HOST_UNREACHABLE)
			return step_end(h, STEP_UNREACHABLE, NULL, msg, op);
		/* Reached, but it would not have us (auth, host key):
		 * nothing more can run there. */
		return step_fatal(h, msg, op);
	case PH_ACTION:
		return action_done(h, st, act, res, op);
	case PH_RETRY:
		return action_start(h, st, act, op);
	case PH_DROP:
		h->phase = PH_SETTLE;
		op->type = EOP_SLEEP;
		op->ms = run->opt.reboot_settle_ms;
		return true;
	case PH_SETTLE:
		h->phase = PH_BACK;
		op->type = EOP_CONNECT;
		op->deadline = loop_now(run->loop) + (act->timeout_ms > 0 ?
		    act->timeout_ms : RUN_REBOOT_DEFAULT);
		op->interval_ms = RUN_WAIT_INTERVAL;
		return true;
	case PH_BACK:
		if (res == NULL || res->err == TP_OK) {
			int64_t	 waited = loop_now(run->loop) - h->t_step;

			h->connected = true;
			snprintf(msg, sizeof msg, "%s after %.1f s",
			    act->type == PB_REBOOT ? "back" : "up",
			    (double)waited / 1000);
			reg_kv(cur_reg(h), "waited_s", waited / 1000);
			return step_end(h, STEP_OK, NULL, msg, op);
		}
		hs = engine_status_of(prev, res);
		if (hs == HOST_CANCELLED)
			return step_end(h, STEP_CANCELLED, NULL, NULL, op);
		if (hs == HOST_UNREACHABLE) {
			snprintf(msg, sizeof msg, "%s within %.0f s: %s",
			    act->type == PB_REBOOT ? "not back" : "not up",
			    (double)(loop_now(run->loop) - h->t_step) / 1000,
			    err_text(res));
			return step_end(h, act->type == PB_REBOOT ?
			    STEP_FAILED : STEP_UNREACHABLE, NULL, msg, op);
		}
		snprintf(msg, sizeof msg, "%s", err_text(res));
		return step_fatal(h, msg, op);
	case PH_PARKED:
		h->parked = false;
		run->nparked--;
		if (run->cancels > 0 || run->stats.aborted)
			return step_end(h, STEP_CANCELLED, NULL, NULL, op);
		return action_start(h, st, act, op);
	case PH_SYNC:
		if (run->cancels > 0 || run->stats.aborted)
			return step_end(h, STEP_CANCELLED, NULL, "cancelled "
			    "before it started", op);
		return action_start(h, st, act, op);
	case PH_START:
		break;
	}
	return step_begin(h, op);
}

/* The engine's job: engine index wi of the current wave. */
static void
job_next(void *arg, size_t wi, const struct engine_op *prev,
    const struct tp_result *res, struct engine_op *op)
{
	struct run	*run = arg;
	struct rhost	*h = &run->hosts[run->wave_map[wi]];

	if (prev == NULL) {
		h->wi = wi;
		h->step = h->first_step;
		h->tries = 0;
		h->phase = PH_START;
		if (!step_begin(h, op))
			finish_host(h, HOST_OK, op);
		return;
	}
	if (prev->type == EOP_SLEEP && h->phase == PH_ACTION) {
		/* A pause. */
		if (!step_end(h, STEP_OK, NULL, NULL, op) &&
		    !step_begin(h, op))
			finish_host(h, HOST_OK, op);
		return;
	}
	if (!step_continue(h, prev, res, op) && !step_begin(h, op))
		finish_host(h, HOST_OK, op);
}

/*
 * Waves.
 */

static void
rec_host(struct run *run, const struct rhost *h, const char *status,
    int64_t ms)
{
	struct json	*w;

	if ((w = rec(run, "host")) == NULL)
		return;
	json_kv_int(w, "h", (int64_t)h->idx);
	json_kv_str(w, "status", status);
	json_kv_bool(w, "changed", h->changed);
	json_kv_int(w, "ms", ms);
	rec_end(run);
}

static void
wave_observer(const struct engine_event *ev, void *arg)
{
	struct run		*run = arg;
	struct rhost		*h;
	struct run_event	 re;

	switch (ev->type) {
	case ENGINE_HOST_DONE:
		h = &run->hosts[run->wave_map[ev->index]];
		if (h->phase == PH_SYNC) {
			/* Cancelled before its step touched the host. */
			h->sent = false;
			rec_step_end(h, "cancelled", NULL, "cancelled before "
			    "it started");
			h->phase = PH_START;
		}
		h->status = ev->status;
		if (h->parked) {	/* cancelled while waiting */
			h->parked = false;
			run->nparked--;
		}
		switch (ev->status) {
		case HOST_OK:
			if (h->ran)
				run->stats.tally.ok++;
			else
				run->stats.tally.skipped++;
			break;
		case HOST_FAILED:
			run->stats.tally.failed++;
			break;
		case HOST_UNREACHABLE:
			run->stats.tally.unreachable++;
			break;
		default:
			run->stats.cancelled++;
			break;
		}
		if (h->changed)
			run->stats.changed++;
		rec_host(run, h, host_status_name(ev->status),
		    ev->duration_ms);
		memset(&re, 0, sizeof(re));
		re.type = RUN_HOST_DONE;
		re.host = h->h;
		re.host_index = h->idx;
		re.status = ev->status;
		re.duration_ms = ev->duration_ms;
		emit(run, &re);
		break;
	case ENGINE_PROGRESS:
		memset(&re, 0, sizeof(re));
		re.type = RUN_PROGRESS;
		emit(run, &re);
		break;
	case ENGINE_DONE:
		loop_timer_start(run->loop, &run->kick, 0);
		break;
	default:
		break;
	}
}

static void
run_finish(struct run *run)
{
	const struct run_stats	*s = &run->stats;
	struct run_event	 ev;
	struct json		*w;

	if (run->finished)
		return;
	run->finished = true;
	run->between = false;
	run->stats.held = false;
	loop_timer_stop(run->loop, &run->kick);
	loop_timer_stop(run->loop, &run->poll);
	loop_timer_stop(run->loop, &run->go);
	if ((w = rec(run, "done")) != NULL) {
		json_kv_int(w, "status", run_status(run));
		json_kv_int(w, "ok", (int64_t)s->tally.ok);
		json_kv_int(w, "failed", (int64_t)s->tally.failed);
		json_kv_int(w, "unreachable", (int64_t)s->tally.unreachable);
		json_kv_int(w, "skipped", (int64_t)s->tally.skipped);
		json_kv_int(w, "changed", (int64_t)s->changed);
		json_kv_int(w, "cancelled", (int64_t)s->cancelled);
		json_kv_int(w, "not_run", (int64_t)s->not_run);
		json_kv_bool(w, "halted", s->halted);
		rec_end(run);
		journal_gate_flush(&run->jgate);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_DONE;
	emit(run, &ev);
}

static void
halt_rest(struct run *run, const char *why)
{
	struct run_event	 ev;
	size_t			 w;

	struct json		*j;

	run->stats.halted = true;
	for (w = run->wave + 1; w < run->plan.nwaves; w++)
		run->stats.not_run += run->plan.waves[w].n;
	if ((j = rec(run, "halt")) != NULL) {
		json_kv_str(j, "reason", why);
		json_kv_int(j, "not_run", (int64_t)run->stats.not_run);
		rec_end(run);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_HALT;
	ev.msg = why;
	emit(run, &ev);
}

static void
rec_pause(struct run *run, int64_t ms, size_t next)
{
	struct json	*w;

	if (ms == 0 && !run->pb->rollout.pause_manual)
		return;
	if ((w = rec(run, "pause")) == NULL)
		return;
	json_kv_int(w, "ms", ms);
	json_kv_int(w, "next", (int64_t)next);
	rec_end(run);
}

/* The current wave is over (or none started yet). */
static void
wave_over(struct run *run)
{
	struct run_event	 ev;
	char			 why[ROLLOUT_WHY_MAX];

	engine_free(run->engine);
	run->engine = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_WAVE_DONE;
	emit(run, &ev);
	if (run->stats.aborted) {
		halt_rest(run, run->why);
		run_finish(run);
		return;
	}
	if (run->cancels > 0) {
		for (size_t w = run->wave + 1; w < run->plan.nwaves; w++)
			run->stats.cancelled += run->plan.waves[w].n;
		run_finish(run);
		return;
	}
	if (run->wave + 1 >= run->plan.nwaves) {
		run_finish(run);
		return;
	}
	if (rollout_should_halt(&run->pb->rollout.plan, &run->stats.tally,
	    why, sizeof why) != ROLLOUT_GO) {
		snprintf(run->why, sizeof(run->why), "%s", why);
		halt_rest(run, why);
		run_finish(run);
		return;
	}
	/* The state is set before the event: an observer that signs the
	 * gate or cancels from it finds the run between waves. */
	run->between = true;
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_PAUSE;
	rec_pause(run, run->pb->rollout.pause_manual ? 0 :
	    run->pb->rollout.pause_ms, run->plan.waves[run->wave + 1].number);
	if (run->pb->rollout.pause_manual) {
		run->gate = true;
		if (run->opt.run_dir != NULL)
			loop_timer_start(run->loop, &run->poll,
			    run->opt.signoff_poll_ms);
		ev.pause_ms = 0;
		emit(run, &ev);
	} else if (run->pb->rollout.pause_ms > 0) {
		run->pausing = true;
		loop_timer_start(run->loop, &run->kick,
		    run->pb->rollout.pause_ms);
		ev.pause_ms = run->pb->rollout.pause_ms;
		emit(run, &ev);
	}
	hold_begin(run);
	wave_next(run);
}

/* Between waves with the hold on: the run is held, RUN_HELD says so. */
static void
hold_begin(struct run *run)
{
	struct run_event	 ev;

	if (!run->hold || !run->between || run->finished || run->stats.held)
		return;
	run->stats.held = true;
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_HELD;
	emit(run, &ev);
}

/*
 * Between waves: starts the next one when nothing keeps it (a gate not
 * signed, a pause not over, the hold); each of those calls this again
 * when it goes, and so does run_cancel(), which ends the run here.
 */
static void
wave_next(struct run *run)
{
	size_t	 w;

	if (!run->between || run->finished || run->gate || run->pausing)
		return;
	if (run->cancels > 0) {
		for (w = run->wave + 1; w < run->plan.nwaves; w++)
			run->stats.cancelled += run->plan.waves[w].n;
		run_finish(run);
		return;
	}
	if (run->hold) {
		hold_begin(run);
		return;
	}
	run->between = false;
	loop_timer_stop(run->loop, &run->go);
	run->wave++;
	wave_start(run);
}

static void
wave_start(struct run *run)
{
	const struct rollout_wave	*w = &run->plan.waves[run->wave];
	struct engine_opts		 eo = run->opt.eo;
	struct run_event		 ev;
	struct json			*j;
	size_t				 i, n = 0;

	run->stats.wave = run->wave;
	if (run->pb->rollout.concurrency > 0)
		eo.fanout = run->pb->rollout.concurrency;
	if (run->pb->rollout.per_site > 0)
		eo.per_site = run->pb->rollout.per_site;
	for (i = 0; i < w->n; i++) {
		if (run->hosts[w->hosts[i]].finished)
			continue;	/* done before a resume */
		run->wave_map[n] = w->hosts[i];
		run->wave_hosts[n++] = run->opt.hosts[w->hosts[i]];
	}
	if ((j = rec(run, "wave")) != NULL) {
		json_kv_int(j, "wave", (int64_t)run->wave);
		rec_end(run);
	}
	run->engine = engine_new(run->loop, run->tp, &eo, wave_observer,
	    run);
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_WAVE_START;
	emit(run, &ev);
	engine_run(run->engine, run->wave_hosts, n, job_next, run);
}

static void
kick(struct loop *loop, void *arg)
{
	struct run	*run = arg;

	(void)loop;
	if (!run->started) {
		run->started = true;
		run->stats.t_start = loop_now(run->loop);
		if (run->opt.resume != NULL) {
			resume_start(run);
			return;
		}
		if (run->plan.nwaves == 0) {
			run_finish(run);
			return;
		}
		wave_start(run);
		return;
	}
	if (run->between) {
		/* The pause is over. */
		run->pausing = false;
		wave_next(run);
		return;
	}
	wave_over(run);
}

static void
go_tick(struct loop *loop, void *arg)
{
	(void)loop;
	wave_next(arg);
}

/*
 * Sign-offs.
 */

static ssize_t
manual_step(const struct run *run, const char *name)
{
	size_t	 i;

	for (i = 0; i < run->pb->nsteps; i++)
		if (strcmp(run->pb->steps[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static bool
is_manual(const struct pb_step *st)
{
	return (st->action && st->action->type == PB_MANUAL) ||
	    (st->on_windows && st->on_windows->type == PB_MANUAL) ||
	    (st->on_linux && st->on_linux->type == PB_MANUAL);
}

static void
rec_signoff(struct run *run, const char *step, const char *by, int64_t when)
{
	struct json	*w;

	if ((w = rec(run, "signoff")) == NULL)
		return;
	json_kv_str(w, "step", step);
	json_kv_str(w, "by", by);
	json_kv_int(w, "when", when);
	rec_end(run);
}

int
run_signoff(struct run *run, const char *step, const char *signer,
    int64_t when)
{
	struct run_event	 ev;
	char			 at[32], gate[32];
	struct tm		 tm;
	time_t			 t = (time_t)when;
	ssize_t			 j;
	size_t			 i;

	gmtime_r(&t, &tm);
	strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (run->finished)
		return LB_ERR_INVALID;
	snprintf(gate, sizeof gate, "wave %zu",
	    run->plan.nwaves > 0 ? run->plan.waves[run->wave].number + 1 : 0);
	if (run->gate && strcmp(step, gate) == 0) {
		rec_signoff(run, step, signer, when);
		run->gate = false;
		memset(&ev, 0, sizeof(ev));
		ev.type = RUN_SIGNED;
		ev.signer = signer;
		ev.msg = at;
		emit(run, &ev);
		wave_next(run);
		return 0;
	}
	if ((j = manual_step(run, step)) < 0 ||
	    !is_manual(&run->pb->steps[j]))
		return LB_ERR_NOT_FOUND;
	if (run->signed_off[j])
		return LB_ERR_INVALID;
	run->signed_off[j] = true;
	run->signer[j] = xstrdup(signer);
	rec_signoff(run, step, signer, when);
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_SIGNED;
	ev.step = &run->pb->steps[j];
	ev.step_index = (size_t)j;
	ev.signer = signer;
	ev.msg = at;
	emit(run, &ev);
	if (run->engine == NULL)
		return 0;
	for (i = 0; i < run->plan.waves[run->wave].n; i++) {
		struct rhost	*h;

		h = &run->hosts[run->plan.waves[run->wave].hosts[i]];
		if (h->parked && h->step == (size_t)j)
			engine_wake(run->engine, i);
	}
	return 0;
}

static int
signoff_one(const struct rundir_signoff *so, void *arg)
{
	struct run	*run = arg;

	(void)run_signoff(run, so->step, so->by, so->at);
	return run->finished;
}

/* The sign-offs that arrived in the run directory since the last look. */
static void
poll_signoffs(struct run *run)
{
	if (run->opt.run_dir != NULL)
		rundir_signoffs(run->opt.run_dir, &run->signoff_off,
		    signoff_one, run);
}

static void
poll_tick(struct loop *loop, void *arg)
{
	struct run	*run = arg;

	poll_signoffs(run);
	if ((run->gate || run->nparked > 0) && !run->finished)
		loop_timer_start(loop, &run->poll, run->opt.signoff_poll_ms);
}

/*
 * Resuming: the state a journal left, taken up again.
 */

bool
run_resume_unknown(const struct playbook *pb, const struct jrun *jr,
    size_t h, size_t s)
{
	const struct jstep	*js = &jr->hosts[h].steps[s];

	if (pb->steps[s].idempotent)
		return false;
	if (js->state == JS_STARTED)
		return true;
	return js->state == JS_ENDED && js->sent &&
	    strcmp(js->outcome, "cancelled") == 0;
}

static bool
outcome_is(const struct jstep *js, const char *name)
{
	return js->outcome != NULL && strcmp(js->outcome, name) == 0;
}

/* A registered result back from the journal and the outputs. */
static void
resume_reg(struct run *run, struct rhost *h, size_t s,
    const struct jstep *js)
{
	struct rreg	*r;
	struct buf	 b;
	size_t		 i;

	if (run->reg_slot[s] == NONE)
		return;
	r = &h->regs[run->reg_slot[s]];
	reg_clear(r);
	r->set = true;
	r->skipped = outcome_is(js, "skipped");
	r->changed = outcome_is(js, "changed");
	r->failed = outcome_is(js, "failed") || outcome_is(js, "unreachable");
	r->rc = js->rc;
	snprintf(r->rc_text, sizeof(r->rc_text), "%d", r->rc);
	buf_init(&b, 0, 0);
	if (journal_read_output(run->opt.run_dir, &js->out, &b) == 0 &&
	    b.len > 0)
		r->out = buf_detach(&b, &r->out_len);
	else
		r->out = xstrdup("");
	buf_reset(&b);
	if (journal_read_output(run->opt.run_dir, &js->err, &b) == 0 &&
	    b.len > 0)
		r->err = buf_detach(&b, &r->err_len);
	else
		r->err = xstrdup("");
	buf_release(&b);
	if (js->sha256 != NULL)
		r->sha256 = xstrdup(js->sha256);
	if (js->nkv > 0)
		r->pr.kv = xcalloc(js->nkv, sizeof(*r->pr.kv));
	for (i = 0; i < js->nkv; i++) {
		r->pr.kv[i].key = xstrdup(js->kv[2 * i]);
		r->pr.kv[i].value = xstrdup(js->kv[2 * i + 1]);
	}
	r->pr.nkv = js->nkv;
}

/* h ended before this process: counted, never run again. */
static void
resume_done(struct run *run, struct rhost *h, const char *status,
    bool record)
{
	struct run_stats	*st = &run->stats;

	h->finished = true;
	if (strcmp(status, "ok") == 0) {
		h->status = HOST_OK;
		if (h->ran)
			st->tally.ok++;
		else
			st->tally.skipped++;
	} else if (strcmp(status, "unreachable") == 0) {
		h->status = HOST_UNREACHABLE;
		st->tally.unreachable++;
	} else {
		h->status = HOST_FAILED;	/* failed, unknown */
		st->tally.failed++;
	}
	if (h->changed)
		st->changed++;
	if (record)
		rec_host(run, h, status, 0);
}

/* The first step h has to take, or h is done. */
static void
resume_host(struct run *run, struct rhost *h)
{
	const struct jrun	*jr = run->opt.resume;
	const struct jhost	*jh = &jr->hosts[h->idx];
	const struct jstep	*js;
	size_t			 s;

	for (s = 0; s < run->pb->nsteps; s++) {
		js = &jh->steps[s];
		if (js->state == JS_ENDED && !outcome_is(js, "skipped") &&
		    !outcome_is(js, "unreachable") &&
		    !outcome_is(js, "cancelled"))
			h->ran = true;
		if (outcome_is(js, "changed"))
			h->changed = true;
	}
	if (jh->done && strcmp(jh->status, "cancelled") != 0) {
		resume_done(run, h, jh->status, false);
		return;
	}
	for (s = 0; s < run->pb->nsteps; s++) {
		js = &jh->steps[s];
		if (js->state == JS_NONE)
			break;
		if (run_resume_unknown(run->pb, jr, h->idx, s)) {
			if (run->opt.rerun_unknown)
				break;
			h->step = s;
			h->sent = true;
			h->t_step = loop_now(run->loop);
			rec_step_end(h, "unknown", NULL, "it started and did "
			    "not end: not run again without --rerun-unknown");
			resume_done(run, h, "unknown", true);
			return;
		}
		if (js->state == JS_STARTED || outcome_is(js, "cancelled"))
			break;
		resume_reg(run, h, s, js);
		if (outcome_is(js, "ok") || outcome_is(js, "changed") ||
		    outcome_is(js, "skipped") || (outcome_is(js, "failed") &&
		    run->pb->steps[s].on_failure == PB_FAIL_CONTINUE))
			continue;
		resume_done(run, h, outcome_is(js, "unreachable") ?
		    "unreachable" : outcome_is(js, "failed") ? "failed" :
		    "unknown", true);
		return;
	}
	if (s >= run->pb->nsteps) {
		resume_done(run, h, "ok", true);
		return;
	}
	h->first_step = s;
}

static bool
gate_signed(const struct jrun *jr, size_t number)
{
	char	 gate[32];
	size_t	 i;

	snprintf(gate, sizeof gate, "wave %zu", number);
	for (i = 0; i < jr->nsignoffs; i++)
		if (strcmp(jr->signoffs[i].step, gate) == 0)
			return true;
	return false;
}

/* The journal's waves, not a new plan: the inventory may have moved. */
static void
resume_plan(struct run *run)
{
	const struct jrun	*jr = run->opt.resume;
	struct rollout_plan	*p = &run->plan;
	size_t			 i, k = 0;

	free(p->waves);
	free(p->idx);
	p->nwaves = jr->nwaves;
	p->nhosts = jr->nhosts;
	p->waves = xcalloc(jr->nwaves ? jr->nwaves : 1, sizeof(*p->waves));
	p->idx = xcalloc(jr->nhosts ? jr->nhosts : 1, sizeof(*p->idx));
	for (i = 0; i < jr->nwaves; i++) {
		p->waves[i].hosts = p->idx + k;
		p->waves[i].n = jr->waves[i].n;
		p->waves[i].number = jr->waves[i].number;
		memcpy(p->waves[i].hosts, jr->waves[i].hosts,
		    jr->waves[i].n * sizeof(size_t));
		k += jr->waves[i].n;
	}
	run->stats.waves = p->nwaves;
}

static void
resume_state(struct run *run)
{
	const struct jrun	*jr = run->opt.resume;
	ssize_t			 j;
	size_t			 i, w;

	resume_plan(run);
	for (i = 0; i < jr->nsignoffs; i++) {
		if ((j = manual_step(run, jr->signoffs[i].step)) < 0 ||
		    run->signed_off[j])
			continue;
		run->signed_off[j] = true;
		run->signer[j] = xstrdup(jr->signoffs[i].by);
	}
	for (i = 0; i < run->opt.nhosts; i++)
		resume_host(run, &run->hosts[i]);
	if (jr->halted) {
		run->stats.halted = true;
		run->stats.not_run = jr->not_run;
		snprintf(run->why, sizeof run->why, "%s", jr->halt_reason ?
		    jr->halt_reason : "halted");
		return;
	}
	for (w = 0; w < run->plan.nwaves; w++)
		for (i = 0; i < run->plan.waves[w].n; i++)
			if (!run->hosts[run->plan.waves[w].hosts[i]].finished &&
			    run->resume_wave == NONE)
				run->resume_wave = w;
}

/* The hosts done before, for the observer's tables. */
static void
restored_events(struct run *run)
{
	struct run_event	 ev;
	struct rhost		*h;
	size_t			 w, i;

	for (w = 0; w < run->plan.nwaves; w++) {
		for (i = 0; i < run->plan.waves[w].n; i++) {
			h = &run->hosts[run->plan.waves[w].hosts[i]];
			if (!h->finished)
				continue;
			memset(&ev, 0, sizeof(ev));
			ev.type = RUN_HOST_DONE;
			ev.wave = &run->plan.waves[w];
			ev.nwave = w;
			ev.host = h->h;
			ev.host_index = h->idx;
			ev.status = h->status;
			ev.restored = true;
			ev.changed = h->changed;
			ev.skipped = h->status == HOST_OK && !h->ran;
			emit(run, &ev);
		}
	}
}

/* The first turn of a resumed run. */
static void
resume_start(struct run *run)
{
	const struct jrun	*jr = run->opt.resume;
	size_t			 w = run->resume_wave;
	struct run_event	 ev;
	char			 why[ROLLOUT_WHY_MAX];

	restored_events(run);
	if (w == NONE) {
		run_finish(run);
		return;
	}
	if (w > 0 && jr->waves[w].start_at == 0) {
		/* Between waves: the budget and the gate, as then. */
		run->wave = w - 1;
		if (rollout_should_halt(&run->pb->rollout.plan,
		    &run->stats.tally, why, sizeof why) != ROLLOUT_GO) {
			snprintf(run->why, sizeof(run->why), "%s", why);
			halt_rest(run, why);
			run_finish(run);
			return;
		}
		run->between = true;
		if (run->pb->rollout.pause_manual &&
		    !gate_signed(jr, run->plan.waves[w].number)) {
			run->gate = true;
			if (run->opt.run_dir != NULL)
				loop_timer_start(run->loop, &run->poll,
				    run->opt.signoff_poll_ms);
			memset(&ev, 0, sizeof(ev));
			ev.type = RUN_PAUSE;
			rec_pause(run, 0, run->plan.waves[w].number);
			emit(run, &ev);
		}
		hold_begin(run);
		wave_next(run);
		return;
	}
	run->wave = w;
	wave_start(run);
}

/*
 * Setting up.
 */

static void
err_at(struct diags *d, const struct playbook *pb, struct pb_pos pos,
    const struct pb_step *st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
err_at(struct diags *d, const struct playbook *pb, struct pb_pos pos,
    const struct pb_step *st, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (xvasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (st != NULL)
		diag_err(d, pb->file, pos.line, pos.col, "step '%s': %s",
		    st->name, msg ? msg : fmt);
	else
		diag_err(d, pb->file, pos.line, pos.col, "%s",
		    msg ? msg : fmt);
	free(msg);
}

/* Every variable a step reads is defined for every host. */
static void
check_vars(struct run *run, struct diags *d)
{
	const struct playbook	*pb = run->pb;
	const struct pb_use	*u;
	struct buf		 names = BUF_INIT;
	size_t			 i, k, missing;

	for (i = 0; i < pb->nuses; i++) {
		u = &pb->uses[i];
		if (var_value(run, NULL, u->name) != NULL)
			continue;
		missing = 0;
		buf_reset(&names);
		for (k = 0; k < run->opt.nhosts; k++) {
			if (var_value(run, run->opt.hosts[k], u->name) != NULL)
				continue;
			if (missing < 3)
				buf_addf(&names, "%s%s", missing ? ", " : "",
				    run->opt.hosts[k]->name);
			missing++;
		}
		if (missing == 0)
			continue;
		if (missing == run->opt.nhosts)
			err_at(d, pb, u->pos, &pb->steps[u->step], "undefined "
			    "variable '%s': give it with -e %s=VALUE, in the "
			    "playbook's vars or in the inventory", u->name,
			    u->name);
		else
			err_at(d, pb, u->pos, &pb->steps[u->step], "variable "
			    "'%s' is not defined for %zu host%s (%s%s): give "
			    "it with -e or in the inventory", u->name, missing,
			    missing == 1 ? "" : "s", buf_str(&names),
			    missing > 3 ? ", ..." : "");
	}
	buf_release(&names);
}

/* A shell step with variables must not meet cmd.exe. */
static void
check_windows(struct run *run, struct diags *d)
{
	const struct playbook	*pb = run->pb;
	const struct pb_step	*st;
	size_t			 i, n = 0;

	for (i = 0; i < run->opt.nhosts; i++)
		if (run->hosts[i].windows)
			n++;
	for (i = 0; i < pb->nsteps && n > 0; i++) {
		st = &pb->steps[i];
		if (st->action != NULL && st->action->type == PB_SHELL &&
		    st->action->vars)
			err_at(d, pb, st->action->pos, st, "shell with {{ }} "
			    "would go to cmd.exe on %zu Windows host%s, which "
			    "has no safe quoting: give a windows: variant "
			    "with powershell", n, n == 1 ? "" : "s");
	}
}

static void
check_plugin(struct run *run, const struct pb_step *st,
    const struct pb_action *act, struct diags *d)
{
	const struct playbook	*pb = run->pb;
	struct plugin		*p;
	struct lb_arg		 av[64];
	struct lb_args		 args;
	const char		*bad = NULL;
	char			 why[RUN_MSG_MAX];
	struct pb_pos		 pos = act->pos;
	size_t			 i, n = 0;

	if (plugin_set_get(&run->plugins, act->name, run->opt.plugin_path,
	    &p, why, sizeof why) != 0) {
		err_at(d, pb, act->pos, st, "%s", why);
		return;
	}
	run->plugs = xreallocarray(run->plugs, run->nplugs + 1,
	    sizeof(*run->plugs));
	run->plugs[run->nplugs].act = act;
	run->plugs[run->nplugs++].plugin = p;
	if (act->args == NULL || act->args->type != YNODE_MAP) {
		if (act->args != NULL && !ynode_is_null(act->args)) {
			err_at(d, pb, act->pos, st, "%s takes a mapping of "
			    "arguments", act->name);
			return;
		}
	} else {
		for (i = 0; i < act->args->n && n < 64; i++) {
			const struct ynode *v = YMAP_VAL(act->args, i);

			av[n].key = YMAP_KEY(act->args, i)->str;
			av[n++].value = v->type == YNODE_SCALAR ? v->str : "";
		}
	}
	args.v = av;
	args.n = n;
	if (plugin_check_args(p, &args, &bad, why, sizeof why) != 0) {
		for (i = 0; bad != NULL && act->args != NULL &&
		    act->args->type == YNODE_MAP && i < act->args->n; i++) {
			if (strcmp(YMAP_KEY(act->args, i)->str, bad) == 0) {
				pos.line = YMAP_KEY(act->args, i)->line;
				pos.col = YMAP_KEY(act->args, i)->col;
			}
		}
		err_at(d, pb, pos, st, "%s", why);
	}
}

static void
setup_step(struct run *run, size_t i, struct diags *d)
{
	const struct pb_step	*st = &run->pb->steps[i];
	const struct pb_action	*acts[3] = { st->action, st->on_windows,
				    st->on_linux };
	size_t			 k;

	for (k = 0; k < 3; k++)
		if (acts[k] != NULL && acts[k]->type == PB_PLUGIN)
			check_plugin(run, st, acts[k], d);
	if (st->expect.stdout_re != NULL && regcomp(&run->re_out[i],
	    st->expect.stdout_re, REG_EXTENDED | REG_NOSUB) == 0)
		run->has_re_out[i] = true;
	if (st->expect.stderr_re != NULL && regcomp(&run->re_err[i],
	    st->expect.stderr_re, REG_EXTENDED | REG_NOSUB) == 0)
		run->has_re_err[i] = true;
}

struct run *
run_new(struct loop *loop, struct tp_ctx *tp, const struct run_opts *opt,
    run_observer_fn *observer, void *arg, struct diags *d)
{
	struct run		*run;
	struct rollout_opts	 ro;
	size_t			 i, before = d->nerrors, ns = opt->pb->nsteps;
	struct rhost		*h;

	run = xcalloc(1, sizeof(*run));
	run->loop = loop;
	run->tp = tp;
	run->opt = *opt;
	run->pb = opt->pb;
	run->observer = observer;
	run->arg = arg;
	if (run->opt.signoff_poll_ms <= 0)
		run->opt.signoff_poll_ms = RUN_POLL_DEFAULT;
	if (run->opt.reboot_settle_ms < 0)
		run->opt.reboot_settle_ms = RUN_SETTLE_DEFAULT;
	if (run->opt.plugin_path == NULL)
		run->opt.plugin_path = plugin_path_default();
	loop_timer_init(&run->kick, kick, run);
	loop_timer_init(&run->poll, poll_tick, run);
	loop_timer_init(&run->go, go_tick, run);
	journal_gate_init(&run->jgate, loop, opt->journal, sync_wake,
	    sync_failed, run);
	run->resume_wave = NONE;
	run->signed_off = xcalloc(ns, sizeof(*run->signed_off));
	run->announced = xcalloc(ns, sizeof(*run->announced));
	run->reg_slot = xreallocarray(NULL, ns, sizeof(*run->reg_slot));
	for (i = 0; i < ns; i++)
		run->reg_slot[i] = opt->pb->steps[i].reg != NULL ?
		    run->nregs++ : NONE;
	run->signer = xcalloc(ns, sizeof(*run->signer));
	run->re_out = xcalloc(ns, sizeof(*run->re_out));
	run->re_err = xcalloc(ns, sizeof(*run->re_err));
	run->has_re_out = xcalloc(ns, sizeof(*run->has_re_out));
	run->has_re_err = xcalloc(ns, sizeof(*run->has_re_err));
	run->hosts = xcalloc(opt->nhosts ? opt->nhosts : 1,
	    sizeof(*run->hosts));
	run->wave_hosts = xcalloc(opt->nhosts ? opt->nhosts : 1,
	    sizeof(*run->wave_hosts));
	run->wave_map = xcalloc(opt->nhosts ? opt->nhosts : 1,
	    sizeof(*run->wave_map));
	for (i = 0; i < opt->nhosts; i++) {
		h = &run->hosts[i];
		h->run = run;
		h->idx = i;
		h->h = opt->hosts[i];
		h->windows = h->h->os != NULL &&
		    strcmp(h->h->os, "windows") == 0;
		snprintf(h->tier_text, sizeof h->tier_text, "%d", h->h->tier);
		h->regs = xcalloc(run->nregs ? run->nregs : 1,
		    sizeof(*h->regs));
		h->strike_step = NONE;
		h->status = HOST_PENDING;
		h->nsecrets = redact_host_secrets(h->h, &h->secrets);
		buf_init(&h->cmd, RUN_SCRIPT_MAX * 2, 0);
		buf_init(&h->input, RUN_SCRIPT_MAX, 0);
	}
	run->stats.hosts = opt->nhosts;
	check_vars(run, d);
	check_windows(run, d);
	for (i = 0; i < ns; i++)
		setup_step(run, i, d);
	ro = run->pb->rollout.plan;
	if (opt->fit_canary && ro.canary > opt->nhosts)
		ro.canary = opt->nhosts;
	if (d->nerrors == before && rollout_plan(opt->hosts, opt->nhosts,
	    &ro, &run->plan, d) == 0)
		run->stats.waves = run->plan.nwaves;
	if (d->nerrors == before && opt->resume != NULL &&
	    (opt->resume->nhosts != opt->nhosts ||
	    opt->resume->nsteps != run->pb->nsteps))
		diag_err(d, run->pb->file, 0, 0, "the journal has %zu hosts "
		    "and %zu steps, the run %zu and %zu", opt->resume->nhosts,
		    opt->resume->nsteps, opt->nhosts, run->pb->nsteps);
	if (d->nerrors > before) {
		run_free(run);
		return NULL;
	}
	if (opt->resume != NULL)
		resume_state(run);
	return run;
}

void
run_free(struct run *run)
{
	size_t	 i, k;

	if (run == NULL)
		return;
	escrow_free(run->escrow);
	loop_timer_stop(run->loop, &run->kick);
	loop_timer_stop(run->loop, &run->poll);
	loop_timer_stop(run->loop, &run->go);
	journal_gate_release(&run->jgate);
	engine_free(run->engine);
	for (i = 0; i < run->opt.nhosts; i++) {
		for (k = 0; k < run->nregs; k++)
			reg_clear(&run->hosts[i].regs[k]);
		reg_clear(&run->hosts[i].scratch);
		free_args(&run->hosts[i]);
		free(run->hosts[i].regs);
		buf_release(&run->hosts[i].cmd);
		buf_release(&run->hosts[i].input);
		free(run->hosts[i].local);
		free(run->hosts[i].remote);
	}
	for (i = 0; i < run->pb->nsteps; i++) {
		free(run->signer[i]);
		if (run->has_re_out[i])
			regfree(&run->re_out[i]);
		if (run->has_re_err[i])
			regfree(&run->re_err[i]);
	}
	free(run->signer);
	free(run->signed_off);
	free(run->announced);
	free(run->reg_slot);
	free(run->re_out);
	free(run->re_err);
	free(run->has_re_out);
	free(run->has_re_err);
	for (i = 0; i < run->opt.nhosts; i++)
		free(run->hosts[i].secrets);
	free(run->hosts);
	free(run->wave_hosts);
	free(run->wave_map);
	free(run->plugs);
	plugin_set_release(&run->plugins);
	rollout_plan_release(&run->plan);
	free(run);
}

void
run_set_dir(struct run *run, const char *dir)
{
	run->opt.run_dir = dir;
}

void
run_set_journal(struct run *run, struct journal *jn)
{
	run->opt.journal = jn;
	run->jgate.jn = jn;
}

const struct rollout_plan *
run_plan(const struct run *run)
{
	return &run->plan;
}

void
run_start(struct run *run)
{
	loop_timer_start(run->loop, &run->kick, 0);
}

void
run_cancel(struct run *run)
{
	if (run->finished)
		return;
	if (run->cancels++ == 0) {
		if (run->engine != NULL)
			engine_cancel(run->engine);
		else if (run->between) {
			/* At a gate, in a pause, held: the waves after the
			 * one that finished never start. */
			loop_timer_stop(run->loop, &run->kick);
			run->gate = false;
			run->pausing = false;
			wave_next(run);
		}
		return;
	}
	if (run->engine != NULL)
		engine_abort(run->engine);
}

void
run_hold(struct run *run, bool hold)
{
	struct run_event	 ev;

	run->hold = hold;
	if (hold) {
		hold_begin(run);	/* between waves: held now */
		return;
	}
	if (!run->stats.held)
		return;
	run->stats.held = false;
	memset(&ev, 0, sizeof(ev));
	ev.type = RUN_PROGRESS;
	emit(run, &ev);
	/* On the next turn, not inside the caller (an observer, maybe). */
	if (!run->finished)
		loop_timer_start(run->loop, &run->go, 0);
}

const struct run_stats *
run_stats(const struct run *run)
{
	return &run->stats;
}

int
run_status(const struct run *run)
{
	const struct run_stats	*s = &run->stats;

	if (s->halted)
		return 3;
	if (run->cancels > 0)
		return 130;
	if (s->tally.failed + s->tally.unreachable + s->cancelled > 0)
		return 1;
	return 0;
}
