/*
 * Playbooks: a BCP or MIRP runbook in YAML, read into a checked plan.
 *
 *	struct playbook	*pb;
 *	struct diags	 d = DIAGS_INIT;
 *
 *	if (playbook_load_file("fix.yml", &pb, &d) != 0)
 *		... every problem is in d, each with file:line:column ...
 *	... pb->steps[i] ...
 *	playbook_free(pb);
 *
 * The format is lifeboat-playbook(5).  Loading checks everything that can
 * be checked without the hosts: every key known, one action per step (or
 * one per operating system), durations, counts and percentages in range,
 * step names and register names unique, conditions that parse,
 * templates whose variables stand where they can be quoted, regular
 * expressions that compile, and every dotted name a fact of the host
 * (host.os) or the result of an earlier step (removed.rc).  Bare names
 * are variables; which are defined depends on -e and the inventory, so
 * the run checks them (uses[]).  A problem of a step names the step.
 * Nothing runs until a playbook loads without an error.
 *
 * The playbook owns everything it points to (one arena).
 */
#ifndef LIFEBOAT_PLAYBOOK_H
#define LIFEBOAT_PLAYBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rollout.h"

struct arena;
struct diags;
struct expr;
struct ynode;

#define PB_MAX_FILE	(4UL * 1024 * 1024)
#define PB_MAX_STEPS	1000
#define PB_MAX_RETRIES	100

enum pb_kind {
	PB_BCP,
	PB_MIRP,
	PB_AUDIT,
	PB_EXERCISE,
};

enum pb_action_type {
	PB_SHELL,		/* sh on Linux, cmd.exe on Windows */
	PB_POWERSHELL,
	PB_SCRIPT,		/* upload a local file and run it */
	PB_COPY,
	PB_FETCH,
	PB_WAIT_FOR,
	PB_REBOOT,
	PB_PAUSE,
	PB_ASSERT,
	PB_MANUAL,
	PB_PLUGIN,		/* an action plugin: name in plugin */
};

enum pb_on_failure {
	PB_FAIL_STOP,		/* the host stops; the run goes on */
	PB_FAIL_CONTINUE,	/* the host goes on to the next step */
	PB_FAIL_ABORT,		/* the whole run stops */
};

/* Where a value stood in the file. */
struct pb_pos {
	unsigned	 line;
	unsigned	 col;
};

/* One action and its arguments, as written. */
struct pb_action {
	enum pb_action_type	 type;
	const char		*name;		/* "shell", or the plugin's */
	struct pb_pos		 pos;
	/* The main text: the command, script, or manual item. */
	const char		*text;
	const char		*src;		/* script, copy, fetch */
	const char		*dest;		/* copy, fetch */
	const char		*owner;		/* manual: the role */
	int64_t			 timeout_ms;	/* wait_for, reboot, pause */
	int64_t			 interval_ms;	/* wait_for: between tries */
	bool			 strike;	/* wait_for: act while up */
	int			 mode;		/* copy; -1: keep */
	const char *const	*that;		/* assert: expressions */
	const struct pb_pos	*that_pos;
	size_t			 nthat;
	const struct ynode	*args;		/* a plugin's, as written */
	const struct ynode	*node;		/* the value, as written */
	struct expr *const	*that_expr;	/* assert: compiled */
	bool			 vars;		/* text uses {{ }} */
};

struct pb_expect {
	bool		 rc_set;
	int		 rc;
	const char	*stdout_re;		/* POSIX extended, or NULL */
	const char	*stderr_re;
	struct pb_pos	 pos;
};

struct pb_step {
	const char		*name;
	struct pb_pos		 pos;
	struct pb_action	*action;	/* for every OS, or NULL */
	struct pb_action	*on_windows;	/* Windows only, or NULL */
	struct pb_action	*on_linux;	/* Linux only, or NULL */
	const char		*when;		/* expression, or NULL */
	struct pb_pos		 when_pos;
	struct expr		*when_expr;	/* compiled, or NULL */
	const char		*reg;		/* register: name, or NULL */
	struct pb_expect	 expect;
	int64_t			 timeout_ms;	/* 0: the run's */
	unsigned		 retries;
	int64_t			 retry_delay_ms;
	enum pb_on_failure	 on_failure;
	bool			 confirm;	/* needs --yes or a person */
	/* Safe to run again when a crash leaves it unfinished (resume). */
	bool			 idempotent;
};

/* The plan's rules (rollout.h), and what the runner does between. */
struct pb_rollout {
	struct rollout_opts	 plan;		/* waves point into the arena */
	int64_t			 pause_ms;	/* between waves */
	bool			 pause_manual;	/* a person lets the next go */
	unsigned		 concurrency;	/* 0: the default */
	unsigned		 per_site;	/* 0: no limit */
};

struct pb_var {
	const char	*name;
	const char	*value;
	struct pb_pos	 pos;
};

/* A variable a step reads ({{ name }} or a bare name in a condition),
 * for the run to check against -e, the playbook's vars and the
 * inventory's before anything runs. */
struct pb_use {
	size_t		 step;
	const char	*name;
	struct pb_pos	 pos;
};

/* The facts of a host a playbook may read as host.NAME. */
#define PB_HOST_FACTS	"name", "address", "site", "os", "tier", \
			"transport", "user", "escrowed", "escrowed_ad", \
			"escrowed_entra"

struct playbook {
	struct arena	*arena;
	const char	*file;
	const char	*name;
	enum pb_kind	 kind;
	const char	*description;
	const char	*targets;
	struct pb_pos	 targets_pos;
	struct pb_var	*vars;
	size_t		 nvars;
	struct pb_rollout rollout;
	struct pb_step	*steps;
	size_t		 nsteps;
	struct pb_use	*uses;
	size_t		 nuses;
	struct expr	**exprs;		/* owned, for playbook_free() */
	size_t		 nexprs;
};

/*
 * Reads and checks a playbook.  Returns 0 with *out set, or a negative
 * code (LB_ERR_INVALID, LB_ERR_LIMIT, LB_ERR_SYSTEM) with every problem
 * in d and *out NULL.  Warnings may be added on success.
 */
int		 playbook_load_file(const char *path, struct playbook **out,
		    struct diags *d);
int		 playbook_load_buffer(const char *name, const char *data,
		    size_t len, struct playbook **out, struct diags *d);
void		 playbook_free(struct playbook *);

const char	*pb_kind_name(enum pb_kind);
const char	*pb_action_name(enum pb_action_type);
/* The index of the step that registers the name name[0..len), or -1. */
ssize_t		 pb_register_step(const struct playbook *, const char *name,
		    size_t len);
/* The action a step runs on a host of that OS ("windows", "linux", ...),
 * or NULL when it has none for it. */
const struct pb_action *pb_step_action(const struct pb_step *,
		    const char *os);

#endif
