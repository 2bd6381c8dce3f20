/*
 * The run journal: what a run did, as it did it, in its run directory
 * (rundir.h), so that a run killed half way can be carried on (resume),
 * shown (runs show), rerun over a subset, and reported on.
 *
 *	RUNDIR/journal		JSON Lines, append-only, one record a line
 *	RUNDIR/outputs		captured outputs, raw bytes end to end;
 *				records point into it (offset, length,
 *				SHA-256)
 *
 * Every record is an object whose "t" names it and whose "at" is the
 * wall clock in unix milliseconds.  Hosts are numbered by their place in
 * the "run" record's hosts, steps by their place in its steps, waves by
 * their place in its waves; all from 0.
 *
 *	run	 the first record: v (1), id, kind ("playbook" or "exec"),
 *		 playbook (absolute path), playbook_sha256, name, command
 *		 (exec), inventories [{path, sha256}], limit, vars
 *		 [{name, value}], options {fanout, per_site, timeout_ms,
 *		 connect_timeout_ms, retries, retry_delay_ms, max_output,
 *		 accept_new, plugin_path, seed}, hosts [{name, site, os}],
 *		 steps [{name, idempotent, manual, owner}], waves [[host]],
 *		 numbers [the waves' numbers: 0 is the canary], gates
 *		 ["wave N"], rerun_of (an id, or absent), pid, user.
 *		 An exec run has one step, "command", one wave of every
 *		 host numbered 1, and its PATTERN as limit.
 *	wave	 wave (index): a wave starts
 *	start	 h, s, try: a step starts on a host (fsynced before the
 *		 step touches the host)
 *	end	 h, s, outcome (ok changed failed skipped unreachable
 *		 cancelled unknown), rc (or null), msg, ms, sent (whether
 *		 anything reached the host), stdout and stderr ({off, len,
 *		 sha256} in outputs, absent when empty), sha256 (copy,
 *		 fetch), kv {name: value} (a plugin's, waited_s)
 *	host	 h, status (ok failed unreachable cancelled), changed, ms
 *	signoff	 step (a step's name, or "wave N"), by, when (unix s)
 *	pause	 ms (0: a manual gate), next (the next wave's number)
 *	halt	 reason, not_run
 *	resume	 pid, user, force, rerun_unknown: resume carries on here
 *	rerun	 id: a run over a subset of this one's hosts was made
 *	done	 status (the exit status), ok, failed, unreachable, skipped,
 *		 changed, cancelled, not_run, halted
 *
 * Records are buffered and written, with the outputs they point at, by
 * journal_sync(): outputs fdatasync'ed first, then the journal.  The
 * runner calls it once a loop turn, and a step that touches a host waits
 * for its start record to be on disk.  A record is one write(2); a torn
 * last line (a crash mid-write) is found by journal_load() and left out.
 *
 * Secrets never enter it: outputs are captured with every value the
 * inventory marks secret for that host replaced by ********, and
 * messages are made the same way.
 */
#ifndef LIFEBOAT_JOURNAL_H
#define LIFEBOAT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "engine.h"
#include "json.h"
#include "loop.h"

#define JOURNAL_FILE	"journal"
#define JOURNAL_OUTPUTS	"outputs"
#define JOURNAL_VERSION	1
#define JNONE		((size_t)-1)

/*
 * Writing.
 */
struct journal;

/*
 * Opens dir's journal for appending (created 0600), and takes its lock:
 * one process writes a run at a time.  Returns the journal, or NULL with
 * why filled (the lock is held: "run ID is in progress (pid N)").
 * good_len, when not -1, is where the whole records end: a torn tail
 * after it is moved to journal.torn-OFFSET first, so that appending
 * never leaves it in the middle.
 */
struct journal	*journal_open(const char *dir, off_t good_len, char *why,
		    size_t whylen);
/* Syncs what is pending, then closes.  Accepts NULL. */
void		 journal_free(struct journal *);
/*
 * Starts a record of type t: the object is open, with t and at written;
 * add fields to the returned writer, then journal_end().
 */
struct json	*journal_begin(struct journal *, const char *t);
void		 journal_end(struct journal *);
/*
 * Appends data to the outputs file (pending, written by the next sync)
 * and writes {off, len, sha256} under key into the open record.  Empty
 * data writes nothing.
 */
void		 journal_output(struct journal *, const char *key,
		    const char *data, size_t len);
/* Whether records wait for journal_sync(). */
bool		 journal_pending(const struct journal *);
/*
 * Writes the pending records (and outputs) and fsyncs them.  Returns 0,
 * or an errno value, which stays: every later call fails the same way.
 */
int		 journal_sync(struct journal *);
/* The first error, or 0. */
int		 journal_error(const struct journal *);
/* Off (LIFEBOAT_JOURNAL=off, for measuring its cost): records dropped. */
bool		 journal_disabled(void);

/*
 * The gate between a run and its journal, shared by the playbook runner
 * and exec: records ended in a loop turn are synced together on the next
 * (one write, one fdatasync), and work held for them (a host parked
 * until its start record is on disk) goes on after.
 *
 *	journal_gate_init(&g, loop, jn, wake, fail, arg);
 *	journal_begin(jn, "start"); ... journal_gate_end(&g);
 *	journal_gate_hold(&g, index);	   wake(arg, index) after the sync
 *
 * When a sync fails, fail(arg, errno) is called once, before the wakes;
 * later syncs fail the same way (the error stays).
 */
typedef void journal_wake_fn(void *arg, size_t index);
typedef void journal_fail_fn(void *arg, int err);

struct journal_gate {
	struct loop		*loop;
	struct journal		*jn;		/* not owned; NULL: none */
	struct loop_timer	 timer;
	size_t			*wait;		/* indexes held */
	size_t			 nwait;
	size_t			 cap;
	journal_wake_fn		*wake;
	journal_fail_fn		*fail;
	void			*arg;
	bool			 failed;
};

void	 journal_gate_init(struct journal_gate *, struct loop *,
	    struct journal *, journal_wake_fn *, journal_fail_fn *,
	    void *arg);
void	 journal_gate_release(struct journal_gate *);
/* Ends the record begun on the gate's journal; synced next turn. */
void	 journal_gate_end(struct journal_gate *);
/* Holds index until the next sync, then wakes it. */
void	 journal_gate_hold(struct journal_gate *, size_t index);
/* Syncs now (the run's last record) and wakes what waits. */
void	 journal_gate_flush(struct journal_gate *);

/*
 * Reading: the state a journal describes.
 */

/* Where a captured output is in the outputs file. */
struct jout {
	int64_t		 off;
	int64_t		 len;		/* 0: none */
	char		 sha256[65];
};

enum jstep_state {
	JS_NONE,		/* not started */
	JS_STARTED,		/* started, no end: a crash in between */
	JS_ENDED,
};

/* One step on one host: its last attempt. */
struct jstep {
	enum jstep_state state;
	char		*outcome;	/* "ok", ... (ended) */
	int		 rc;		/* -1: none */
	char		*msg;
	int64_t		 start_at;	/* unix ms, 0: none */
	int64_t		 end_at;
	int64_t		 ms;
	bool		 sent;
	unsigned	 starts;	/* start records seen */
	struct jout	 out;
	struct jout	 err;
	char		*sha256;	/* a copy's or fetch's file */
	char		**kv;		/* key, value, key, value, ... */
	size_t		 nkv;		/* pairs */
};

struct jhost {
	char		*name;
	char		*site;		/* "" when none */
	char		*os;
	size_t		 wave;		/* index, or JNONE */
	struct jstep	*steps;		/* nsteps of the run */
	bool		 done;		/* a host record came */
	char		*status;	/* its status, when done */
	bool		 changed;
	int64_t		 ms;
	int64_t		 end_at;
};

struct jstepdef {
	char		*name;
	bool		 idempotent;
	bool		 manual;
	char		*owner;
};

struct jwave {
	size_t		*hosts;		/* indexes into run's hosts */
	size_t		 n;
	size_t		 number;	/* 0: the canary; then 1, 2, ... */
	int64_t		 start_at;	/* 0: not started */
};

struct jsignoff {
	char		*step;
	char		*by;
	int64_t		 when;		/* unix s */
};

/* A line of the timeline: the records a person reads as history. */
struct jevent {
	int64_t		 at;
	char		*type;		/* the record's t */
	char		*text;		/* one line */
	size_t		 host;		/* or JNONE */
	size_t		 step;		/* or JNONE */
};

struct jrun {
	char		*id;
	char		*kind;		/* "playbook", "exec" */
	char		*playbook;	/* path, or NULL */
	char		*playbook_sha256;
	char		*name;
	char		*command;	/* exec */
	char		**inv_paths;
	char		**inv_sha256;
	size_t		 ninv;
	char		*limit;
	char		**var_names;
	char		**var_values;
	size_t		 nvars;
	char		*rerun_of;
	char		**reruns;	/* ids of runs made from this one */
	size_t		 nreruns;
	char		*user;
	int64_t		 pid;		/* of the last start or resume */
	/* options, as recorded */
	int64_t		 fanout, per_site, timeout_ms, connect_timeout_ms;
	int64_t		 retries, retry_delay_ms, max_output, seed;
	bool		 accept_new;
	char		*plugin_path;

	struct jstepdef	*steps;
	size_t		 nsteps;
	struct jhost	*hosts;
	size_t		 nhosts;
	struct jwave	*waves;
	size_t		 nwaves;
	char		**gates;
	size_t		 ngates;
	struct jsignoff	*signoffs;
	size_t		 nsignoffs;
	struct jevent	*timeline;
	size_t		 ntimeline;

	int64_t		 started_at;	/* unix ms */
	int64_t		 ended_at;	/* 0: no done record */
	bool		 ended;
	int		 status;	/* the done record's */
	bool		 halted;
	char		*halt_reason;
	size_t		 not_run;
	size_t		 resumes;
	size_t		 records;	/* whole records read */
	off_t		 good_len;	/* bytes of whole records */
	off_t		 torn_len;	/* bytes after them left out, or 0 */
};

struct journal_error {
	char		 file[512];
	size_t		 line;
	size_t		 col;
	char		 msg[256];
};

/*
 * Reads dir's journal into *run (release with journal_run_release()).
 * A torn tail (bytes after the last whole record that hold no whole
 * record) is left out and measured in torn_len.  Returns 0, or
 * LB_ERR_INVALID / LB_ERR_NOT_FOUND / LB_ERR_SYSTEM with err filled:
 * file:line:col and what is wrong (a record that is not JSON, a field
 * missing, a host or step out of range).
 */
int		 journal_load(const char *dir, struct jrun *run,
		    struct journal_error *err);
/* The same from data[0..len) in memory (err->file is "journal"). */
int		 journal_parse(const char *data, size_t len, struct jrun *,
		    struct journal_error *err);
void		 journal_run_release(struct jrun *);
/*
 * Reads an output of the run in dir into b (reset first) and checks its
 * SHA-256.  Returns 0, LB_ERR_INVALID when it does not match, or an
 * LB_ERR_ code when it cannot be read.
 */
int		 journal_read_output(const char *dir, const struct jout *,
		    struct buf *b);
/*
 * Host h's state in words: its status when it is done ("ok", "failed",
 * "unreachable", "cancelled", "unknown"); "in progress" when a step of it
 * started and has not ended, or it has ended some; "not run" when the run
 * ended or halted before its wave; "pending" otherwise.
 */
const char	*journal_host_state(const struct jrun *, size_t h);
/* The step host h is at or ended on: the last one with a record, or
 * JNONE. */
size_t		 journal_host_step(const struct jrun *, size_t h);
/* The run's overall state: "running" (no done record and the lock is
 * held), "interrupted" (no done record, no one holds the lock), or
 * "done". */
const char	*journal_state(const char *dir, const struct jrun *);

#endif
