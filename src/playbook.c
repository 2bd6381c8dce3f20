/*
 * Reading a playbook: YAML (ytree) into struct playbook, with every
 * problem reported at its file:line:column, a step's problems with the
 * step's name.  See playbook.h and lifeboat-playbook(5).
 */
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "expr.h"
#include "inventory.h"
#include "playbook.h"
#include "quote.h"
#include "reguard.h"
#include "xmalloc.h"
#include "ytree.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *const top_keys[] = {
	"name", "kind", "description", "targets", "vars", "rollout", "steps",
};
static const char *const kinds[] = {
	[PB_BCP] = "bcp", [PB_MIRP] = "mirp", [PB_AUDIT] = "audit",
	[PB_EXERCISE] = "exercise",
};
static const char *const rollout_keys[] = {
	"canary", "waves", "max_fail", "max_unreachable", "pause",
	"concurrency", "per_site", "order", "serial",
};
static const char *const step_keys[] = {
	"name", "when", "register", "expect", "timeout", "retries",
	"retry_delay", "on_failure", "confirm", "windows", "linux",
	"idempotent",
};
static const char *const action_names[] = {
	[PB_SHELL] = "shell", [PB_POWERSHELL] = "powershell",
	[PB_SCRIPT] = "script", [PB_COPY] = "copy", [PB_FETCH] = "fetch",
	[PB_WAIT_FOR] = "wait_for", [PB_REBOOT] = "reboot",
	[PB_PAUSE] = "pause", [PB_ASSERT] = "assert", [PB_MANUAL] = "manual",
	[PB_PLUGIN] = "plugin",
};
/* The action plugins that ship (lifeboat-plugin(7)). */
static const char *const plugin_names[] = { "file", "service" };
static const char *const failure_names[] = {
	[PB_FAIL_STOP] = "stop", [PB_FAIL_CONTINUE] = "continue",
	[PB_FAIL_ABORT] = "abort",
};
static const char *const expect_keys[] = { "rc", "stdout", "stderr" };

struct reader {
	struct playbook	*pb;
	struct arena	*a;
	const char	*file;
	struct diags	*d;
	const char	*step;		/* the step being read, for messages */
	const char	*data;		/* the file, for positions in text */
	size_t		 len;
};

static void	 at(struct reader *, const struct ynode *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
at(struct reader *r, const struct ynode *n, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (xvasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (r->step != NULL)
		diag_err(r->d, r->file, n ? n->line : 0, n ? n->col : 0,
		    "step '%s': %s", r->step, msg ? msg : fmt);
	else
		diag_err(r->d, r->file, n ? n->line : 0, n ? n->col : 0,
		    "%s", msg ? msg : fmt);
	free(msg);
}

static struct pb_pos
pos(const struct ynode *n)
{
	struct pb_pos	 p = { n ? n->line : 0, n ? n->col : 0 };

	return p;
}

static int
index_of(const char *s, const char *const *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (v[i] != NULL && strcmp(s, v[i]) == 0)
			return (int)i;
	}
	return -1;
}

static void
unknown(struct reader *r, const struct ynode *k, const char *what,
    const char *where, const char *const *known, size_t n)
{
	const char	*s = diag_suggest(k->str, known, n);

	if (s != NULL)
		at(r, k, "unknown %s '%s' in %s (did you mean '%s'?)", what,
		    k->str, where, s);
	else
		at(r, k, "unknown %s '%s' in %s", what, k->str, where);
}

static bool
want_map(struct reader *r, const struct ynode *n, const char *what)
{
	if (n == NULL || n->type != YNODE_MAP) {
		at(r, n, "%s must be a mapping, not %s", what, ynode_kind(n));
		return false;
	}
	return ytree_check_keys(n, "key", r->file, r->d) == 0;
}

/* A non-empty scalar, copied into the arena; NULL (reported) if not. */
static const char *
text(struct reader *r, const struct ynode *n, const char *what)
{
	if (n == NULL || n->type != YNODE_SCALAR || ynode_is_null(n) ||
	    n->len == 0) {
		at(r, n, "%s must be a non-empty value, not %s", what,
		    n != NULL && n->type == YNODE_SCALAR ? "empty" :
		    ynode_kind(n));
		return NULL;
	}
	if (strlen(n->str) != n->len) {
		at(r, n, "%s holds a NUL byte", what);
		return NULL;
	}
	return arena_strdup(r->a, n->str);
}

static bool
duration(struct reader *r, const struct ynode *n, const char *what,
    int64_t *ms)
{
	const char	*s, *why;

	if ((s = text(r, n, what)) == NULL)
		return false;
	if (inv_parse_duration(s, ms, &why) != 0) {
		at(r, n, "bad %s '%s': %s", what, s, why);
		return false;
	}
	return true;
}

/* An integer in [lo, hi]. */
static bool
number(struct reader *r, const struct ynode *n, const char *what, long lo,
    long hi, long *out)
{
	const char	*s;
	char		*end;
	long		 v;

	if ((s = text(r, n, what)) == NULL)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (n->quoted || errno != 0 || end == s || *end != '\0' || v < lo ||
	    v > hi) {
		at(r, n, "%s must be a whole number from %ld to %ld, not '%s'",
		    what, lo, hi, s);
		return false;
	}
	*out = v;
	return true;
}

static bool
boolean(struct reader *r, const struct ynode *n, const char *what,
    bool *out)
{
	int	 b = ynode_bool(n);

	if (b < 0 || n->quoted) {
		at(r, n, "%s must be true or false, not %s", what,
		    n->type == YNODE_SCALAR ? n->str : ynode_kind(n));
		return false;
	}
	*out = b == 1;
	return true;
}

/* "5", or "20%" (1 to 100). */
static bool
size(struct reader *r, const struct ynode *n, const char *what,
    struct rollout_size *out)
{
	const char	*s;
	char		*end;
	long		 v;

	if ((s = text(r, n, what)) == NULL)
		return false;
	out->pos.file = r->file;
	out->pos.line = n->line;
	out->pos.col = n->col;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == 0 && end != s && s[0] != '-' && s[0] != '+') {
		if (*end == '%' && end[1] == '\0' && v >= 0 && v <= 100) {
			out->set = out->percent = true;
			out->value = (unsigned)v;
			return true;
		}
		if (*end == '\0' && v >= 0 && v <= 10000000) {
			out->set = true;
			out->percent = false;
			out->value = (unsigned)v;
			return true;
		}
	}
	at(r, n, "%s must be a count or a percentage up to 100%%, not '%s'",
	    what, s);
	return false;
}

/*
 * The top of the file.
 */

static void
read_vars(struct reader *r, const struct ynode *m)
{
	struct pb_var	*v;
	const char	*name;
	size_t		 i;

	if (!want_map(r, m, "vars"))
		return;
	r->pb->vars = arena_allocarray(r->a, m->n ? m->n : 1, sizeof(*v));
	for (i = 0; i < m->n; i++) {
		name = YMAP_KEY(m, i)->str;
		if (!inv_valid_name(name) || strchr(name, '.') != NULL) {
			at(r, YMAP_KEY(m, i), "bad variable name '%s': "
			    "letters, digits, '_' and '-'", name);
			continue;
		}
		if (YMAP_VAL(m, i)->type != YNODE_SCALAR) {
			at(r, YMAP_VAL(m, i), "variable '%s' must be a value, "
			    "not %s", name, ynode_kind(YMAP_VAL(m, i)));
			continue;
		}
		v = &r->pb->vars[r->pb->nvars++];
		v->name = arena_strdup(r->a, name);
		v->value = arena_strdup(r->a, ynode_is_null(YMAP_VAL(m, i)) ?
		    "" : YMAP_VAL(m, i)->str);
		v->pos = pos(YMAP_VAL(m, i));
	}
}

static void
read_waves(struct reader *r, const struct ynode *n)
{
	struct rollout_opts	*ro = &r->pb->rollout.plan;
	struct rollout_size	*w;
	size_t			 i, cnt = n->type == YNODE_SEQ ? n->n : 1;

	if ((n->type != YNODE_SEQ && n->type != YNODE_SCALAR) || cnt == 0) {
		at(r, n, "waves must be a list of counts or percentages");
		return;
	}
	w = arena_allocarray(r->a, cnt, sizeof(*w));
	memset(w, 0, cnt * sizeof(*w));
	for (i = 0; i < cnt; i++) {
		const struct ynode *e = n->type == YNODE_SEQ ? n->v[i] : n;

		if (!size(r, e, "a wave", &w[ro->nwaves]))
			continue;
		if (w[ro->nwaves].value == 0)
			at(r, e, "a wave of 0 hosts would never end");
		else
			ro->nwaves++;
	}
	ro->waves = w;
}

static void
read_rollout(struct reader *r, const struct ynode *m)
{
	struct pb_rollout	*ro = &r->pb->rollout;
	const struct ynode	*k, *v;
	const char		*s;
	long			 n;
	size_t			 i;

	if (!want_map(r, m, "rollout"))
		return;
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		switch (index_of(k->str, rollout_keys, NELEM(rollout_keys))) {
		case 0:
			if (number(r, v, "canary", 0, 100000, &n)) {
				ro->plan.canary = (size_t)n;
				ro->plan.canary_pos.file = r->file;
				ro->plan.canary_pos.line = v->line;
				ro->plan.canary_pos.col = v->col;
			}
			break;
		case 1:
			read_waves(r, v);
			break;
		case 2:
			size(r, v, "max_fail", &ro->plan.max_fail);
			break;
		case 3:
			size(r, v, "max_unreachable",
			    &ro->plan.max_unreachable);
			break;
		case 4:
			if (v->type == YNODE_SCALAR && !v->quoted &&
			    strcmp(v->str, "manual") == 0)
				ro->pause_manual = true;
			else
				duration(r, v, "pause", &ro->pause_ms);
			break;
		case 5:
			if (number(r, v, "concurrency", 1, 100000, &n))
				ro->concurrency = (unsigned)n;
			break;
		case 6:
			if (number(r, v, "per_site", 1, 100000, &n))
				ro->per_site = (unsigned)n;
			break;
		case 7:
			if ((s = text(r, v, "order")) == NULL)
				break;
			if (strcmp(s, "tier") == 0)
				ro->plan.order_tier = true;
			else if (strcmp(s, "inventory") != 0)
				at(r, v, "order must be tier or inventory, "
				    "not '%s'", s);
			break;
		case 8:
			if ((s = text(r, v, "serial")) == NULL)
				break;
			if (strcmp(s, "site") == 0)
				ro->plan.serial_site = true;
			else if (strcmp(s, "none") != 0)
				at(r, v, "serial must be site or none, not "
				    "'%s'", s);
			break;
		default:
			unknown(r, k, "key", "rollout", rollout_keys,
			    NELEM(rollout_keys));
			break;
		}
	}
}

/*
 * Actions.
 */

static bool
arg_keys(struct reader *r, const struct ynode *m, const char *action,
    const char *const *known, size_t n)
{
	size_t	 i;
	bool	 ok = true;
	char	 where[64];

	snprintf(where, sizeof(where), "%s", action);
	for (i = 0; i < m->n; i++) {
		if (index_of(YMAP_KEY(m, i)->str, known, n) < 0) {
			unknown(r, YMAP_KEY(m, i), "key", where, known, n);
			ok = false;
		}
	}
	return ok;
}

/* The text of a scalar, or of key in a mapping; required says so. */
static const char *
arg_text(struct reader *r, const struct ynode *n, const char *key,
    const char *action, bool required)
{
	const struct ynode	*v;
	char			 what[64];

	v = n->type == YNODE_MAP ? ynode_get(n, key) : NULL;
	snprintf(what, sizeof(what), "%s's %s", action, key);
	if (v == NULL) {
		if (required)
			at(r, n, "%s needs %s", action, key);
		return NULL;
	}
	return text(r, v, what);
}

static void
read_assert(struct reader *r, struct pb_action *act, const struct ynode *n)
{
	const struct ynode	*that = n;
	const char		**v;
	struct pb_pos		*p;
	size_t			 i, cnt;

	if (n->type == YNODE_MAP) {
		if (!arg_keys(r, n, "assert", (const char *const[]){ "that",
		    "msg" }, 2))
			return;
		act->text = arg_text(r, n, "msg", "assert", false);
		if ((that = ynode_get(n, "that")) == NULL) {
			at(r, n, "assert needs that");
			return;
		}
	}
	cnt = that->type == YNODE_SEQ ? that->n : 1;
	if (cnt == 0) {
		at(r, that, "assert needs at least one condition");
		return;
	}
	v = arena_allocarray(r->a, cnt, sizeof(*v));
	p = arena_allocarray(r->a, cnt, sizeof(*p));
	for (i = 0; i < cnt; i++) {
		const struct ynode *e = that->type == YNODE_SEQ ?
		    that->v[i] : that;

		if ((v[act->nthat] = text(r, e, "a condition")) == NULL)
			continue;
		p[act->nthat++] = pos(e);
	}
	act->that = v;
	act->that_pos = p;
}

static void
read_mode(struct reader *r, struct pb_action *act, const struct ynode *n)
{
	const struct ynode	*v = ynode_get(n, "mode");
	char			*end;
	long			 m;

	act->mode = -1;
	if (v == NULL)
		return;
	if (v->type != YNODE_SCALAR || (m = strtol(v->str, &end, 8),
	    *end != '\0') || end == v->str || m < 0 || m > 07777) {
		at(r, v, "copy's mode must be octal, e.g. '0644'");
		return;
	}
	act->mode = (int)m;
}

/* The arguments of a built-in action. */
static void
read_args(struct reader *r, struct pb_action *act, const struct ynode *n)
{
	const char	*nm = act->name;

	switch (act->type) {
	case PB_SHELL:
	case PB_POWERSHELL:
		act->text = text(r, n, nm);
		break;
	case PB_SCRIPT:
		if (n->type == YNODE_SCALAR) {
			act->src = text(r, n, nm);
			break;
		}
		if (want_map(r, n, nm) && arg_keys(r, n, nm,
		    (const char *const[]){ "src", "args" }, 2)) {
			act->src = arg_text(r, n, "src", nm, true);
			act->text = arg_text(r, n, "args", nm, false);
		}
		break;
	case PB_COPY:
	case PB_FETCH:
		if (!want_map(r, n, nm) || !arg_keys(r, n, nm,
		    (const char *const[]){ "src", "dest", "mode" },
		    act->type == PB_COPY ? 3 : 2))
			break;
		act->src = arg_text(r, n, "src", nm, true);
		act->dest = arg_text(r, n, "dest", nm, true);
		if (act->type == PB_COPY)
			read_mode(r, act, n);
		break;
	case PB_WAIT_FOR:
	case PB_REBOOT:
		if (ynode_is_null(n))
			break;
		if (!want_map(r, n, nm) || !arg_keys(r, n, nm,
		    (const char *const[]){ "timeout", "interval", "strike" },
		    act->type == PB_WAIT_FOR ? 3 : 1))
			break;
		if (ynode_get(n, "timeout") != NULL)
			duration(r, ynode_get(n, "timeout"), "timeout",
			    &act->timeout_ms);
		if (ynode_get(n, "interval") != NULL)
			duration(r, ynode_get(n, "interval"), "interval",
			    &act->interval_ms);
		if (ynode_get(n, "strike") != NULL)
			boolean(r, ynode_get(n, "strike"), "strike",
			    &act->strike);
		break;
	case PB_PAUSE:
		if (n->type == YNODE_SCALAR) {
			duration(r, n, "pause", &act->timeout_ms);
			break;
		}
		if (want_map(r, n, nm) && arg_keys(r, n, nm,
		    (const char *const[]){ "duration", "prompt" }, 2)) {
			if (ynode_get(n, "duration") != NULL)
				duration(r, ynode_get(n, "duration"),
				    "pause", &act->timeout_ms);
			act->text = arg_text(r, n, "prompt", nm, false);
		}
		break;
	case PB_ASSERT:
		read_assert(r, act, n);
		break;
	case PB_MANUAL:
		if (!want_map(r, n, nm) || !arg_keys(r, n, nm,
		    (const char *const[]){ "owner", "text" }, 2))
			break;
		act->owner = arg_text(r, n, "owner", nm, true);
		act->text = arg_text(r, n, "text", nm, true);
		break;
	case PB_PLUGIN:
		if (n->type == YNODE_MAP)
			(void)ytree_check_keys(n, "key", r->file, r->d);
		act->args = n;
		break;
	}
}

/*
 * Whether an unknown key may name an action plugin of someone else's
 * (lifeboat-plugin(7)): a plain word that is not a near miss of a key or
 * action lifeboat knows, so that "shel" still gets its did-you-mean.
 * The run checks that the plugin is on the plugin path.
 */
static bool
plugin_word(const char *s)
{
	const char	*p;
	size_t		 i;

	if (s[0] < 'a' || s[0] > 'z' || strlen(s) > 64)
		return false;
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '_' || *p == '-'))
			return false;
	for (i = 0; i < NELEM(step_keys); i++)
		if (diag_edit_distance(s, step_keys[i]) <= 2)
			return false;
	for (i = 0; i < NELEM(action_names); i++)
		if (diag_edit_distance(s, action_names[i]) <= 2)
			return false;
	for (i = 0; i < NELEM(plugin_names); i++)
		if (diag_edit_distance(s, plugin_names[i]) <= 2)
			return false;
	return true;
}

/* The action of key k with arguments v, or NULL when k names none. */
static struct pb_action *
read_action(struct reader *r, const struct ynode *k, const struct ynode *v)
{
	struct pb_action	*act;
	int			 t;

	t = index_of(k->str, action_names, PB_PLUGIN);
	if (t < 0 && index_of(k->str, plugin_names, NELEM(plugin_names)) < 0 &&
	    !plugin_word(k->str))
		return NULL;
	act = arena_alloc(r->a, sizeof(*act));
	memset(act, 0, sizeof(*act));
	act->type = t < 0 ? PB_PLUGIN : (enum pb_action_type)t;
	act->name = arena_strdup(r->a, k->str);
	act->pos = pos(k);
	act->node = v;
	act->mode = -1;
	read_args(r, act, v);
	return act;
}

/* A windows: or linux: block, which holds exactly one action. */
static struct pb_action *
read_variant(struct reader *r, const struct ynode *k, const struct ynode *m)
{
	struct pb_action	*act = NULL, *a;
	size_t			 i;

	if (!want_map(r, m, k->str))
		return NULL;
	for (i = 0; i < m->n; i++) {
		a = read_action(r, YMAP_KEY(m, i), YMAP_VAL(m, i));
		if (a == NULL) {
			unknown(r, YMAP_KEY(m, i), "action", k->str,
			    action_names, PB_PLUGIN);
		} else if (act != NULL) {
			at(r, YMAP_KEY(m, i), "%s has two actions, %s and %s",
			    k->str, act->name, a->name);
		} else
			act = a;
	}
	if (act == NULL && m->n == 0)
		at(r, m, "%s has no action", k->str);
	return act;
}

/*
 * Steps.
 */

static void
read_expect(struct reader *r, struct pb_step *st, const struct ynode *m)
{
	long	 rc;

	if (m->type == YNODE_SCALAR) {	/* expect: 0 */
		if (number(r, m, "expect", INT_MIN, INT_MAX, &rc)) {
			st->expect.rc_set = true;
			st->expect.rc = (int)rc;
		}
		return;
	}
	if (!want_map(r, m, "expect"))
		return;
	/* An unknown key is reported; the known ones are still read. */
	(void)arg_keys(r, m, "expect", expect_keys, NELEM(expect_keys));
	st->expect.pos = pos(m);
	if (ynode_get(m, "rc") != NULL && number(r, ynode_get(m, "rc"),
	    "expect's rc", INT_MIN, INT_MAX, &rc)) {
		st->expect.rc_set = true;
		st->expect.rc = (int)rc;
	}
	st->expect.stdout_re = arg_text(r, m, "stdout", "expect", false);
	st->expect.stderr_re = arg_text(r, m, "stderr", "expect", false);
}

/* The name of the step at index i, for messages before it is read. */
static const char *
step_name(struct reader *r, const struct ynode *m, size_t i)
{
	const struct ynode	*n = m->type == YNODE_MAP ?
				    ynode_get(m, "name") : NULL;

	if (n != NULL && n->type == YNODE_SCALAR && !ynode_is_null(n) &&
	    n->len > 0)
		return arena_strdup(r->a, n->str);
	return arena_printf(r->a, "#%zu", i + 1);
}

static void
read_step_key(struct reader *r, struct pb_step *st, const struct ynode *k,
    const struct ynode *v)
{
	long		 n;
	int		 i;

	switch (index_of(k->str, step_keys, NELEM(step_keys))) {
	case 0:
		(void)text(r, v, "name");
		break;
	case 1:
		st->when = text(r, v, "when");
		st->when_pos = pos(v);
		break;
	case 2:
		if ((st->reg = text(r, v, "register")) != NULL &&
		    (!inv_valid_name(st->reg) || strchr(st->reg, '.') ||
		    strchr(st->reg, '-'))) {
			at(r, v, "bad register name '%s': letters, digits "
			    "and '_'", st->reg);
			st->reg = NULL;
		}
		break;
	case 3:
		read_expect(r, st, v);
		break;
	case 4:
		duration(r, v, "timeout", &st->timeout_ms);
		break;
	case 5:
		if (number(r, v, "retries", 0, PB_MAX_RETRIES, &n))
			st->retries = (unsigned)n;
		break;
	case 6:
		duration(r, v, "retry_delay", &st->retry_delay_ms);
		break;
	case 7:
		if (text(r, v, "on_failure") == NULL)
			break;
		if ((i = index_of(v->str, failure_names,
		    NELEM(failure_names))) < 0)
			at(r, v, "on_failure must be stop, continue or "
			    "abort, not '%s'", v->str);
		else
			st->on_failure = (enum pb_on_failure)i;
		break;
	case 8:
		boolean(r, v, "confirm", &st->confirm);
		break;
	case 9:
		st->on_windows = read_variant(r, k, v);
		break;
	case 10:
		st->on_linux = read_variant(r, k, v);
		break;
	case 11:
		boolean(r, v, "idempotent", &st->idempotent);
		break;
	default:
		break;
	}
}

static void
read_step(struct reader *r, struct pb_step *st, const struct ynode *m,
    size_t idx)
{
	const struct ynode	*k, *v, *extra = NULL;
	struct pb_action	*act;
	const char		*known[NELEM(step_keys) + NELEM(action_names) +
				    NELEM(plugin_names)];
	size_t			 i, nknown = 0;
	bool			 bad_key = false;

	st->pos = pos(m);
	st->name = step_name(r, m, idx);
	if (!want_map(r, m, "a step"))
		return;
	r->step = st->name;
	if (ynode_get(m, "name") == NULL)
		at(r, m, "a step needs a name");
	for (i = 0; i < NELEM(step_keys); i++)
		known[nknown++] = step_keys[i];
	for (i = 0; i < PB_PLUGIN; i++)
		known[nknown++] = action_names[i];
	for (i = 0; i < NELEM(plugin_names); i++)
		known[nknown++] = plugin_names[i];
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (index_of(k->str, step_keys, NELEM(step_keys)) >= 0) {
			read_step_key(r, st, k, v);
			continue;
		}
		if ((act = read_action(r, k, v)) == NULL) {
			unknown(r, k, "key or action", "a step", known,
			    nknown);
			bad_key = true;
			continue;
		}
		if (st->action != NULL) {
			extra = k;
			at(r, k, "two actions in one step: %s and %s",
			    st->action->name, act->name);
			continue;
		}
		st->action = act;
	}
	if (extra == NULL && st->action != NULL &&
	    (st->on_windows != NULL || st->on_linux != NULL))
		at(r, m, "an action for every OS and a windows: or linux: "
		    "variant: give one or the other");
	else if (st->action == NULL && st->on_windows == NULL &&
	    st->on_linux == NULL && ynode_get(m, "windows") == NULL &&
	    ynode_get(m, "linux") == NULL && !bad_key)
		at(r, m, "no action (one of shell, powershell, script, copy, "
		    "fetch, wait_for, reboot, pause, assert, manual, or a "
		    "plugin)");
	r->step = NULL;
}

/* Step names unique; a register read only after the step that sets it. */
static void
check_steps(struct reader *r, const struct ynode *seq)
{
	struct playbook	*pb = r->pb;
	size_t		 i, j;

	for (i = 0; i < pb->nsteps; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(pb->steps[i].name, pb->steps[j].name) == 0) {
				at(r, seq->v[i], "two steps named '%s' (the "
				    "first at line %u)", pb->steps[i].name,
				    pb->steps[j].pos.line);
				break;
			}
			if (pb->steps[i].reg != NULL &&
			    pb->steps[j].reg != NULL &&
			    strcmp(pb->steps[i].reg, pb->steps[j].reg) == 0) {
				r->step = pb->steps[i].name;
				at(r, seq->v[i], "register '%s' is already "
				    "set by step '%s'", pb->steps[i].reg,
				    pb->steps[j].name);
				r->step = NULL;
				break;
			}
		}
	}
}

/*
 * Conditions, templates and names: everything a step reads, checked
 * before anything runs.
 */

static const char *const host_facts[] = { PB_HOST_FACTS };

/* Where the text of a scalar starts, and how its later lines are
 * indented, so that a column inside the text maps to the file. */
struct origin {
	unsigned	 line;
	unsigned	 col;
	unsigned	 indent;	/* of a block scalar's lines, or 0 */
};

static struct origin
origin(struct reader *r, const struct ynode *n)
{
	struct origin	 o = { n->line, n->col, 0 };
	size_t		 off = 0, i;
	unsigned	 line = 1, ind;

	while (off < r->len && line < n->line)
		if (r->data[off++] == '\n')
			line++;
	off += n->col - 1;
	if (off >= r->len)
		return o;
	if (r->data[off] == '"' || r->data[off] == '\'') {
		o.col++;
		return o;
	}
	if (r->data[off] != '|' && r->data[off] != '>')
		return o;
	/* A block scalar: its text starts on the first line after the
	 * indicator that is not blank. */
	for (;;) {
		while (off < r->len && r->data[off] != '\n')
			off++;
		if (off++ >= r->len)
			return o;
		line++;
		for (i = off, ind = 0; i < r->len && r->data[i] == ' '; i++)
			ind++;
		if (i < r->len && r->data[i] != '\n')
			break;
	}
	o.line = line;
	o.col = ind + 1;
	o.indent = ind;
	return o;
}

/* Reports at (line, col) of the text of n, both 1-based in the text. */
static void
at_text(struct reader *r, const struct ynode *n, unsigned line,
    unsigned col, const char *what, const char *msg)
{
	struct origin	 o = origin(r, n);
	struct ynode	 p = *n;

	p.line = o.line + (line > 0 ? line - 1 : 0);
	p.col = line <= 1 ? o.col + (col > 0 ? col - 1 : 0) :
	    o.indent + col;
	at(r, &p, "%s: %s", what, msg);
}

ssize_t
pb_register_step(const struct playbook *pb, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < pb->nsteps; i++) {
		if (pb->steps[i].reg != NULL &&
		    strlen(pb->steps[i].reg) == len &&
		    strncmp(pb->steps[i].reg, name, len) == 0)
			return (ssize_t)i;
	}
	return -1;
}

struct name_ctx {
	struct reader		*r;
	size_t			 step;
	const struct ynode	*node;
	const char		*what;
	unsigned		 line;	/* of the name in the text */
	size_t			 count;	/* names seen */
};

/* One name a step reads, at (line, col) of the text of ctx->node. */
static void
check_name(struct name_ctx *c, const char *name, unsigned line,
    unsigned col)
{
	struct reader		*r = c->r;
	struct playbook		*pb = r->pb;
	const char		*dot = strchr(name, '.'), *s;
	const char		*regs[PB_MAX_STEPS + 1];
	char			 msg[256], first[QUOTE_NAME_MAX + 1];
	size_t			 len;
	size_t			 i, nregs = 0;
	ssize_t			 j;
	struct pb_use		*u;
	struct origin		 o;

	len = dot ? (size_t)(dot - name) : strlen(name);
	msg[0] = '\0';
	c->count++;
	j = pb_register_step(pb, name, len);
	if (len == 4 && strncmp(name, "host", 4) == 0) {
		if (dot == NULL || strchr(dot + 1, '.') != NULL ||
		    index_of(dot + 1, host_facts, NELEM(host_facts)) < 0) {
			s = dot ? diag_suggest(dot + 1, host_facts,
			    NELEM(host_facts)) : NULL;
			snprintf(msg, sizeof msg, "unknown host fact '%s'"
			    "%s%s%s", name, s ? " (did you mean 'host." : "",
			    s ? s : "", s ? "'?)" : " (facts: host.name, "
			    "host.address, host.site, host.os, host.tier, "
			    "host.transport, host.user)");
		}
	} else if (j >= 0 && dot == NULL) {
		snprintf(msg, sizeof msg, "'%s' is a registered result, not "
		    "a value: use %s.rc, %s.stdout, %s.changed, ...", name,
		    name, name, name);
	} else if (j >= 0 && (size_t)j == c->step) {
		snprintf(msg, sizeof msg, "'%s' is this step's own result, "
		    "not set until it has run", name);
	} else if (j >= 0 && (size_t)j > c->step) {
		snprintf(msg, sizeof msg, "'%.*s' is registered by step "
		    "'%s', which runs later", (int)len, name,
		    pb->steps[j].name);
	} else if (j < 0 && dot != NULL) {
		regs[nregs++] = "host";
		for (i = 0; i < c->step; i++)
			if (pb->steps[i].reg != NULL)
				regs[nregs++] = pb->steps[i].reg;
		snprintf(first, sizeof first, "%.*s", (int)len, name);
		s = diag_suggest(first, regs, nregs);
		snprintf(msg, sizeof msg, "'%.*s' is not a result registered "
		    "by an earlier step%s%s%s", (int)len, name,
		    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
	} else if (j < 0) {
		/* A variable: the run checks that something defines it. */
		o = origin(r, c->node);
		pb->uses = xreallocarray(pb->uses, pb->nuses + 1,
		    sizeof(*pb->uses));
		u = &pb->uses[pb->nuses++];
		u->step = c->step;
		u->name = arena_strdup(r->a, name);
		u->pos.line = o.line + line - 1;
		u->pos.col = line <= 1 ? o.col + col - 1 : o.indent + col;
	}
	if (msg[0] != '\0')
		at_text(r, c->node, line, col, c->what, msg);
}

static void
expr_name(const char *name, unsigned col, void *arg)
{
	struct name_ctx	*c = arg;

	check_name(c, name, c->line, col);
}

static void
tmpl_name(const char *name, unsigned line, unsigned col, void *arg)
{
	check_name(arg, name, line, col);
}

/* A condition: parsed, compiled and kept; its names checked. */
static struct expr *
check_expr(struct reader *r, size_t step, const struct ynode *n,
    const char *src, const char *what)
{
	struct name_ctx		 c = { r, step, n, what, 1, 0 };
	struct expr_error	 err;
	struct expr		*e;

	if (src == NULL || n == NULL)
		return NULL;
	if (expr_parse(src, &e, &err) != 0) {
		at_text(r, n, 1, err.col, what, err.msg);
		return NULL;
	}
	r->pb->exprs = xreallocarray(r->pb->exprs, r->pb->nexprs + 1,
	    sizeof(*r->pb->exprs));
	r->pb->exprs[r->pb->nexprs++] = e;
	expr_names(e, expr_name, &c);
	return e;
}

/* A template, read as mode would; returns whether it names any. */
static bool
check_template(struct reader *r, size_t step, const struct ynode *n,
    const char *src, enum quote_mode mode, const char *what)
{
	struct name_ctx		 c = { r, step, n, what, 1, 0 };
	struct quote_error	 err;

	if (src == NULL || n == NULL)
		return false;
	if (quote_names(src, mode, tmpl_name, &c, &err) != 0) {
		at_text(r, n, err.line, err.col, what, err.msg);
		return false;
	}
	return c.count > 0;
}

static void
check_regex(struct reader *r, const struct ynode *n, const char *re,
    const char *what)
{
	regex_t		 rx;
	const char	*why;
	char		 msg[160];
	int		 rc;

	if (re == NULL || n == NULL)
		return;
	if ((why = reguard_why(re)) != NULL) {
		at(r, n, "%s: %s", what, why);
		return;
	}
	if ((rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &rx, msg, sizeof msg);
		at(r, n, "%s: bad regular expression: %s", what, msg);
		return;
	}
	regfree(&rx);
}

static void
check_action(struct reader *r, size_t step, struct pb_action *act,
    const char *os)
{
	const struct ynode	*n = act->node, *v;
	struct expr		**that;
	size_t			 i;
	bool			 win = os != NULL && strcmp(os, "windows") == 0;
	bool			 any = os == NULL;

	switch (act->type) {
	case PB_SHELL:
		if (win) {
			if (check_template(r, step, n, act->text, QUOTE_NONE,
			    "shell"))
				at(r, n, "shell: cmd.exe has no quoting that "
				    "is safe for a value: use powershell for "
				    "a command with {{ }}");
			break;
		}
		act->vars = check_template(r, step, n, act->text, QUOTE_SH,
		    "shell");
		break;
	case PB_POWERSHELL:
		act->vars = check_template(r, step, n, act->text, QUOTE_PS,
		    "powershell");
		break;
	case PB_SCRIPT:
		v = n->type == YNODE_MAP ? ynode_get(n, "args") : NULL;
		if (!win)
			act->vars = check_template(r, step, v, act->text,
			    QUOTE_SH, "script's args");
		if (win || any)
			act->vars |= check_template(r, step, v, act->text,
			    QUOTE_PS, "script's args");
		(void)check_template(r, step, n->type == YNODE_MAP ?
		    ynode_get(n, "src") : n, act->src, QUOTE_NONE, "script");
		break;
	case PB_COPY:
	case PB_FETCH:
		(void)check_template(r, step, ynode_get(n, "src"), act->src,
		    QUOTE_NONE, "src");
		(void)check_template(r, step, ynode_get(n, "dest"),
		    act->dest, QUOTE_NONE, "dest");
		break;
	case PB_PAUSE:
		if (n->type == YNODE_MAP)
			(void)check_template(r, step, ynode_get(n, "prompt"),
			    act->text, QUOTE_NONE, "prompt");
		break;
	case PB_MANUAL:
		(void)check_template(r, step, ynode_get(n, "text"),
		    act->text, QUOTE_NONE, "manual");
		break;
	case PB_ASSERT:
		if (n->type == YNODE_MAP)
			(void)check_template(r, step, ynode_get(n, "msg"),
			    act->text, QUOTE_NONE, "msg");
		v = n->type == YNODE_MAP ? ynode_get(n, "that") : n;
		if (v == NULL || act->nthat == 0)
			break;
		that = arena_allocarray(r->a, act->nthat, sizeof(*that));
		for (i = 0; i < act->nthat; i++)
			that[i] = check_expr(r, step, v->type == YNODE_SEQ &&
			    i < v->n ? v->v[i] : v, act->that[i],
			    "assert");
		act->that_expr = that;
		break;
	case PB_PLUGIN:
		if (n->type != YNODE_MAP)
			break;
		for (i = 0; i < n->n; i++) {
			v = YMAP_VAL(n, i);
			if (v->type == YNODE_SCALAR)
				act->vars |= check_template(r, step, v,
				    v->str, QUOTE_NONE, YMAP_KEY(n, i)->str);
		}
		break;
	default:
		break;
	}
}

static void
check_names(struct reader *r, const struct ynode *seq)
{
	struct playbook		*pb = r->pb;
	struct pb_step		*st;
	const struct ynode	*m, *ex;
	size_t			 i;

	for (i = 0; i < pb->nsteps; i++) {
		st = &pb->steps[i];
		m = seq->v[i];
		if (m->type != YNODE_MAP)
			continue;
		r->step = st->name;
		st->when_expr = check_expr(r, i, ynode_get(m, "when"),
		    st->when, "when");
		if (st->action != NULL)
			check_action(r, i, st->action, NULL);
		if (st->on_windows != NULL)
			check_action(r, i, st->on_windows, "windows");
		if (st->on_linux != NULL)
			check_action(r, i, st->on_linux, "linux");
		if ((ex = ynode_get(m, "expect")) != NULL &&
		    ex->type == YNODE_MAP) {
			check_regex(r, ynode_get(ex, "stdout"),
			    st->expect.stdout_re, "expect's stdout");
			check_regex(r, ynode_get(ex, "stderr"),
			    st->expect.stderr_re, "expect's stderr");
		}
		r->step = NULL;
	}
}

static void
read_steps(struct reader *r, const struct ynode *seq)
{
	size_t	 i;

	if (seq->type != YNODE_SEQ || seq->n == 0) {
		at(r, seq, "steps must be a list of at least one step");
		return;
	}
	if (seq->n > PB_MAX_STEPS) {
		at(r, seq, "more than %d steps", PB_MAX_STEPS);
		return;
	}
	r->pb->steps = arena_allocarray(r->a, seq->n, sizeof(struct pb_step));
	memset(r->pb->steps, 0, seq->n * sizeof(struct pb_step));
	for (i = 0; i < seq->n; i++)
		read_step(r, &r->pb->steps[i], seq->v[i], i);
	r->pb->nsteps = seq->n;
	check_steps(r, seq);
	check_names(r, seq);
}

static void
read_top(struct reader *r, const struct ynode *root)
{
	struct playbook		*pb = r->pb;
	const struct ynode	*k, *v;
	const char		*s;
	int			 i;
	size_t			 j;

	if (root == NULL) {
		diag_err(r->d, r->file, 1, 1, "empty playbook");
		return;
	}
	if (!want_map(r, root, "a playbook"))
		return;
	for (j = 0; j < root->n; j++) {
		k = YMAP_KEY(root, j);
		v = YMAP_VAL(root, j);
		switch (index_of(k->str, top_keys, NELEM(top_keys))) {
		case 0:
			pb->name = text(r, v, "name");
			break;
		case 1:
			if ((s = text(r, v, "kind")) == NULL)
				break;
			if ((i = index_of(s, kinds, NELEM(kinds))) < 0)
				at(r, v, "kind must be bcp, mirp, audit or "
				    "exercise, not '%s'", s);
			else
				pb->kind = (enum pb_kind)i;
			break;
		case 2:
			pb->description = text(r, v, "description");
			break;
		case 3:
			pb->targets = text(r, v, "targets");
			pb->targets_pos = pos(v);
			break;
		case 4:
			read_vars(r, v);
			break;
		case 5:
			read_rollout(r, v);
			break;
		case 6:
			read_steps(r, v);
			break;
		default:
			unknown(r, k, "key", "a playbook", top_keys,
			    NELEM(top_keys));
			break;
		}
	}
	for (j = 0; j < NELEM(top_keys); j++) {
		if (j == 2 || j == 4 || j == 5)
			continue;	/* optional */
		if (ynode_get(root, top_keys[j]) == NULL)
			diag_err(r->d, r->file, root->line, root->col,
			    "a playbook needs %s", top_keys[j]);
	}
}

int
playbook_load_buffer(const char *name, const char *data, size_t len,
    struct playbook **out, struct diags *d)
{
	struct reader	 r;
	struct ynode	*root = NULL;
	size_t		 before = d->nerrors;
	int		 rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.pb = xcalloc(1, sizeof(*r.pb));
	r.a = r.pb->arena = arena_new();
	r.file = r.pb->file = arena_strdup(r.a, name);
	r.d = d;
	r.data = data;
	r.len = len;
	if ((rc = ytree_parse(r.a, name, data, len, &root, d)) != 0) {
		playbook_free(r.pb);
		return rc;
	}
	read_top(&r, root);
	if (d->nerrors > before) {
		playbook_free(r.pb);
		return LB_ERR_INVALID;
	}
	*out = r.pb;
	return 0;
}

int
playbook_load_file(const char *path, struct playbook **out,
    struct diags *d)
{
	struct buf	 b = BUF_INIT;
	int		 err, r;

	*out = NULL;
	if ((err = buf_read_file(&b, path, PB_MAX_FILE)) == EFBIG) {
		diag_err(d, path, 0, 0, "playbook too large (over %lu MiB)",
		    PB_MAX_FILE >> 20);
		r = LB_ERR_LIMIT;
	} else if (err != 0) {
		diag_err(d, path, 0, 0, "cannot read playbook: %s",
		    err == EISDIR ? "is a directory" : strerror(err));
		r = LB_ERR_SYSTEM;
	} else
		r = playbook_load_buffer(path, buf_str(&b), b.len, out, d);
	buf_release(&b);
	return r;
}

void
playbook_free(struct playbook *pb)
{
	size_t	 i;

	if (pb == NULL)
		return;
	for (i = 0; i < pb->nexprs; i++)
		expr_free(pb->exprs[i]);
	free(pb->exprs);
	free(pb->uses);
	arena_free(pb->arena);
	free(pb);
}

const char *
pb_kind_name(enum pb_kind k)
{
	return k < NELEM(kinds) ? kinds[k] : "?";
}

const char *
pb_action_name(enum pb_action_type t)
{
	return t < NELEM(action_names) ? action_names[t] : "?";
}

const struct pb_action *
pb_step_action(const struct pb_step *st, const char *os)
{
	if (st->action != NULL)
		return st->action;
	if (os != NULL && strcmp(os, "windows") == 0)
		return st->on_windows;
	return st->on_linux;
}
