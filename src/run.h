/*
 * The playbook runner: runs a checked playbook over its hosts, wave after
 * wave as the rollout plan cuts them, each host taking the steps in
 * order over one connection, and halts between waves when the failure
 * budget is spent.  It never prints: front ends (the CLI, the TUI) are
 * observers of its events, as with the engine.
 *
 *	run = run_new(loop, tp, &opts, observer, arg, &diags);
 *	run_start(run);
 *	loop_run(loop);			   events flow; RUN_DONE last
 *	run_free(run);
 *
 * A host's steps.  For each step in turn: the action for the host's OS
 * (none: skipped), its `when` (false: skipped), then the action.  Actions
 * that need the host connect first, once, and keep the connection for
 * the steps after.  A failed step is tried again `retries` times, the
 * wait doubling from retry_delay; then on_failure decides: stop (the
 * host is failed, the others go on), continue (the next step), abort
 * (the whole run stops: no more hosts, no more waves).
 *
 * How commands reach a host.  On Linux and other Unix hosts, `shell`
 * text and plugin scripts go to "sh -s" on standard input, each
 * {{ variable }} quoted for sh, so that whatever the login shell is, sh
 * reads them.  On Windows, `shell` text goes to cmd.exe as it is (a
 * variable is refused there: cmd.exe has no safe quoting) and PowerShell
 * goes as -EncodedCommand, variables quoted as PowerShell literals.
 *
 * Boot loops.  A wait_for with strike: true connects as soon as the host
 * answers, trying every interval until its timeout.  When the connection
 * is lost in a later step (the host went down again), the host goes back
 * to that wait_for, for what is left of its timeout, and takes the steps
 * after it again: the fix lands in whichever up window is long enough.
 *
 * Manual steps are the run's, not a host's: signed off once (run_signoff,
 * from `lifeboat signoff` through the run directory, or the TUI), and
 * every host that reaches one waits, keeping its slot, until then.
 *
 * Between waves.  When a wave ends and the run neither halts nor ends,
 * the next wave starts once three things are out of its way: the gate
 * (rollout pause: manual, signed off as 'wave N'), the timed pause, and
 * the hold (run_hold, a person at the TUI saying "not yet").  Each goes
 * on its own; the wave starts when the last one goes.  The hold is not
 * part of the run's durable state: nothing of it is journaled, and a
 * resumed run is not held.
 */
#ifndef LIFEBOAT_RUN_H
#define LIFEBOAT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "playbook.h"
#include "rollout.h"

struct diags;
struct jrun;
struct journal;
struct loop;
struct run;
struct tp_ctx;

/* What one step came to on one host. */
enum step_outcome {
	STEP_OK,
	STEP_CHANGED,		/* ok, and the host was changed */
	STEP_FAILED,
	STEP_SKIPPED,		/* no action for its OS, or when false */
	STEP_UNREACHABLE,	/* could not reach the host for it */
	STEP_CANCELLED,
};

const char	*step_outcome_name(enum step_outcome);

/* A variable given on the command line (-e NAME=VALUE). */
struct run_var {
	const char	*name;
	const char	*value;
};

struct run_opts {
	const struct playbook	*pb;
	/* The hosts of the run, in inventory order (the playbook's
	 * targets, limited by -l); not owned, must outlive the run. */
	const struct host *const *hosts;
	size_t			 nhosts;
	const struct run_var	*vars;		/* -e, highest precedence */
	size_t			 nvars;
	struct engine_opts	 eo;		/* fan-out, retries, ... */
	const char		*plugin_path;	/* NULL: the default */
	/* Where sign-offs arrive ("signoffs" in it), or NULL. */
	const char		*run_dir;
	int64_t			 signoff_poll_ms;	/* 0: 500 */
	int64_t			 reboot_settle_ms;	/* -1: 10 s */
	/*
	 * Where every transition is recorded (journal.h), or NULL.  A
	 * step that touches a host waits for its start record to be on
	 * disk; the records of one loop turn are synced together.
	 */
	struct journal		*journal;
	/*
	 * Carry on from this state (lifeboat resume): hosts whose journal
	 * says they are done are not run again, the others start at their
	 * first step without an end record.  A step that started and has
	 * no end is run again when the playbook declares it idempotent or
	 * rerun_unknown is set; otherwise its host is marked unknown.  The
	 * hosts must be the journal's, in its order.
	 */
	const struct jrun	*resume;
	bool			 rerun_unknown;
	/* A canary larger than the run (a rerun of a few hosts) shrinks
	 * to the run, rather than being an error. */
	bool			 fit_canary;
};

/*
 * The events, with the fields of struct run_event each sets (stats is
 * always set).  A step a host takes (its action exists for the host's OS
 * and its `when` holds) opens with RUN_STEP_START and closes with
 * RUN_STEP_DONE; skipped steps, and steps whose `when` cannot be
 * evaluated, have only the RUN_STEP_DONE.  Retries of a step happen
 * between the two and send no RUN_STEP_START of their own.  A step cut
 * short by a lost connection on a host with a strike (see Boot loops)
 * has no RUN_STEP_DONE: the next event of the host is a RUN_STEP_START
 * of the wait_for with again set.  A host cancelled while it waits (for
 * a sign-off, for its journal) ends with RUN_HOST_DONE.
 */
enum run_event_type {
	RUN_WAVE_START,		/* wave, n */
	RUN_STEP_START,		/* host, step: it begins; again */
	RUN_STEP_DONE,		/* host, step, outcome, rc, msg */
	RUN_HOST_DONE,		/* host, status */
	RUN_WAVE_DONE,		/* wave, tally */
	RUN_WAITING,		/* step: a manual step waits */
	RUN_SIGNED,		/* step, signer, msg (when) */
	RUN_PAUSE,		/* ms before the next wave; 0: manual */
	RUN_HELD,		/* wave (the one that finished): held */
	RUN_HALT,		/* msg: why */
	RUN_PROGRESS,		/* stats */
	RUN_DONE,		/* the last event */
};

struct run_stats {
	size_t		 hosts;
	size_t		 waves;
	size_t		 wave;		/* the current wave's index */
	struct rollout_tally tally;	/* the run so far */
	size_t		 running;	/* in the current wave */
	size_t		 cancelled;
	size_t		 not_run;	/* in waves after a halt */
	size_t		 changed;	/* hosts with a change */
	bool		 halted;
	bool		 aborted;
	/* Between waves, the next one kept back by run_hold() (whatever
	 * else keeps it too): from RUN_HELD to the release or the end. */
	bool		 held;
	int64_t		 t_start;
	int64_t		 t_now;
};

struct run_event {
	enum run_event_type	 type;
	const struct rollout_wave *wave;
	size_t			 nwave;		/* of the plan */
	const struct host	*host;
	size_t			 host_index;	/* in opts.hosts */
	const struct pb_step	*step;
	size_t			 step_index;
	enum step_outcome	 outcome;
	int			 rc;		/* -1: none */
	const char		*msg;		/* one line, or NULL */
	const char		*signer;
	enum host_status	 status;
	int64_t			 duration_ms;
	int64_t			 pause_ms;
	const struct run_stats	*stats;
	/* RUN_HOST_DONE of a resume: the host ended before it (wave is
	 * its own, changed and skipped say how it went). */
	bool			 restored;
	bool			 changed;
	bool			 skipped;
	/* RUN_STEP_START: the host lost its connection in a later step
	 * and went back to this wait_for with strike: true (a boot loop);
	 * false for every other start. */
	bool			 again;
};

typedef void run_observer_fn(const struct run_event *, void *arg);

/*
 * Checks opts against the playbook and the hosts before anything runs:
 * every variable a step reads is defined for every host (-e, the
 * playbook's vars or the host's inventory vars), plugins load and take
 * their arguments, no shell step with variables meets a Windows host,
 * the rollout plan can be made.  Returns a new run, or NULL with every
 * problem in d (file:line:column of the playbook).
 */
struct run	*run_new(struct loop *, struct tp_ctx *,
		    const struct run_opts *, run_observer_fn *, void *arg,
		    struct diags *d);
void		 run_free(struct run *);

/* Where sign-offs arrive from now on (dir/signoffs); dir must outlive
 * the run.  NULL: none. */
void		 run_set_dir(struct run *, const char *dir);
/* Where records go from now on (not owned); NULL: none. */
void		 run_set_journal(struct run *, struct journal *);
/* The plan made by run_new(). */
const struct rollout_plan *run_plan(const struct run *);
/* Work starts on the next loop turn. */
void		 run_start(struct run *);
/* First call: no more hosts or waves, hosts at work finish their step.
 * Second: their connections are dropped. */
void		 run_cancel(struct run *);
/*
 * Signs off the manual step named step (or the gate 'wave N' before
 * wave N), by signer, at unix time when.  Returns 0, LB_ERR_NOT_FOUND when no
 * manual step has that name, or LB_ERR_INVALID when it was signed off
 * already.
 */
int		 run_signoff(struct run *, const char *step, const char *signer,
		    int64_t when);
/*
 * Holds the run before its next wave (hold true), or lets it go on
 * (false).  A hold changes nothing for a wave at work, nor for the first
 * wave of a run; it acts where a wave has ended and the run goes on (after
 * the halt check, where a gate or a pause would come, or where a resumed
 * run takes up between two waves).  There the run sets stats.held and
 * sends RUN_HELD, once, and the next wave does not start, whether or not
 * the gate is signed (a sign-off is recorded and kept) or the pause is
 * over.  Holding while the run is already between waves (in a pause, at
 * a gate) holds it at once, with RUN_HELD.
 *
 * Releasing a held run clears stats.held and sends RUN_PROGRESS; then the
 * next wave starts on the next loop turn if its gate is signed and its
 * pause over, or else when they are (the rest of the pause, the
 * sign-off).  Releasing a run that is not held only drops the request.
 * run_cancel() of a held run ends it as at a gate: the hosts of the
 * later waves are counted cancelled.  Events may be sent from inside
 * this call.
 */
void		 run_hold(struct run *, bool hold);

const struct run_stats *run_stats(const struct run *);
/*
 * Whether step s of host h in state jr would need rerun_unknown to run
 * again on resume: it started (or was cut short by a second interrupt)
 * with no end, and pb does not declare it idempotent.
 */
bool		 run_resume_unknown(const struct playbook *,
		    const struct jrun *, size_t h, size_t s);
/* EXIT-like summary: 0 all ok, 1 failed or unreachable hosts, 3 halted,
 * 130 cancelled. */
int		 run_status(const struct run *);

#endif
