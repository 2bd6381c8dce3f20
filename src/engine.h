/*
 * The engine: runs an operation on many hosts at once, through the
 * transports, inside the event loop.  It keeps at most `fanout` hosts at
 * work (and at most `per_site` in one site), retries hosts that could not
 * be reached, and reports everything as events to its observer.  It never
 * prints: the CLI, the TUI and the JSON writer are observers.
 *
 *	e = engine_new(loop, tp, &opts, observer, arg);
 *	engine_exec(e, hosts, n, "uptime");
 *	loop_run(loop);			  events flow; ENGINE_DONE last
 *	engine_free(e);
 *
 * Hosts are started in the order given, round-robin over their sites, so
 * that a per-site limit on one site does not hold up the others.  A host
 * goes: pending -> running (connect, retried with back-off on
 * unreachable, then the command, then a polite close) -> ok | failed |
 * unreachable | cancelled.  The fan-out counts hosts at work; the
 * disconnect after a host's result is in is not counted.
 */
#ifndef LIFEBOAT_ENGINE_H
#define LIFEBOAT_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct engine;

#define ENGINE_FANOUT_DEFAULT	256
#define ENGINE_FANOUT_MAX	65536
#define ENGINE_RETRY_DELAY_DEFAULT	1000	/* ms, doubled each time */
#define ENGINE_RETRY_DELAY_MAX	30000

enum host_status {
	HOST_PENDING = 0,
	HOST_RUNNING,
	HOST_OK,
	HOST_FAILED,		/* ran, and failed (or could not log in) */
	HOST_UNREACHABLE,	/* never got to run anything */
	HOST_CANCELLED,		/* not started, or stopped, by an interrupt */
};

/* "pending", "running", "ok", "failed", "unreachable", "cancelled" */
const char	*host_status_name(enum host_status);

struct engine_opts {
	unsigned	 fanout;	/* 0: ENGINE_FANOUT_DEFAULT */
	unsigned	 per_site;	/* 0: no limit */
	int64_t		 command_timeout_ms;	/* 0: none */
	unsigned	 retries;	/* connect attempts after the first */
	int64_t		 retry_delay_ms;	/* 0: the default */
	int64_t		 retry_delay_max_ms;	/* 0: ENGINE_RETRY_DELAY_MAX */
	int64_t		 progress_ms;	/* ENGINE_PROGRESS period; 0: none */
	bool		 stream_output;	/* ENGINE_HOST_OUTPUT events */
};

struct engine_stats {
	size_t		 total;
	size_t		 pending;
	size_t		 running;
	size_t		 ok;
	size_t		 failed;
	size_t		 unreachable;
	size_t		 cancelled;
	size_t		 max_running;	/* the most at work at once */
	int64_t		 t_start;	/* loop_now() at the first start */
	int64_t		 t_now;
};

enum engine_event_type {
	ENGINE_HOST_START,	/* a host got a slot */
	ENGINE_HOST_RETRY,	/* connect failed; msg says when again */
	ENGINE_HOST_NOTICE,	/* msg: from the transport */
	ENGINE_HOST_OUTPUT,	/* a chunk of output: stream, data, len */
	ENGINE_HOST_DONE,	/* status and res are final */
	ENGINE_PROGRESS,	/* every progress_ms while anything changed */
	ENGINE_DONE,		/* every host done; the last event */
};

struct engine_event {
	enum engine_event_type	 type;
	const struct host	*host;		/* NULL for PROGRESS, DONE */
	size_t			 index;		/* in the host list given */
	enum host_status	 status;
	/* ENGINE_HOST_DONE: the result of the step that ended the host
	 * (the command, or the connect that failed); valid during the
	 * call only. */
	const struct tp_result	*res;
	int64_t			 duration_ms;
	unsigned		 attempt;	/* 1 for the first connect */
	enum tp_stream_id	 stream;
	const char		*data;
	size_t			 len;
	const char		*msg;
	const struct engine_stats *stats;
};

typedef void engine_observer_fn(const struct engine_event *, void *arg);

/*
 * A job: what a host does once it has a slot, one operation at a time.
 * engine_exec() is the job "connect, run a command, finish"; a playbook
 * run is a longer one.  The engine keeps the fan-out and the per-site
 * limit, the connection and its retries; the job decides what comes next.
 */
enum engine_op_type {
	EOP_CONNECT,		/* open a session; retried, see below */
	EOP_EXEC,		/* run command (input on stdin) */
	EOP_PUT,		/* local file to remote */
	EOP_GET,		/* remote file to local */
	EOP_SLEEP,		/* wait ms, keeping the slot */
	EOP_PARK,		/* wait for engine_wake(), keeping the slot */
	EOP_DROP,		/* drop the session at once (a reboot) */
	EOP_FINISH,		/* the host is done, with status */
};

struct engine_op {
	enum engine_op_type	 type;
	/* EOP_EXEC; strings must live until the op's result comes. */
	const char		*command;
	const char		*input;		/* or NULL */
	size_t			 input_len;
	int64_t			 timeout_ms;	/* 0: none */
	const char		*spill_name;	/* or NULL: none */
	/* EOP_PUT, EOP_GET */
	const char		*local;
	const char		*remote;
	int			 mode;		/* put; -1: the default */
	/* EOP_SLEEP */
	int64_t			 ms;
	/* EOP_CONNECT: with deadline > 0 (loop_now() scale), tries every
	 * interval_ms until then (a host in a boot loop); else the
	 * engine's retries with back-off. */
	int64_t			 deadline;
	int64_t			 interval_ms;
	/* EOP_FINISH */
	enum host_status	 status;
};

/*
 * Called when the host at index starts (prev NULL, res NULL) and after
 * each of its operations with that operation and its result (NULL for
 * EOP_SLEEP, EOP_PARK and EOP_DROP, and for an EOP_CONNECT when the
 * session was already up; for EOP_CONNECT the last attempt's,
 * once the retries are spent).  The result stays the engine's: valid
 * during the call, and kept as the host's last result for
 * ENGINE_HOST_DONE.  Fills *op (zeroed before the call).  It may call
 * engine_cancel() and engine_abort(), never engine_free().
 */
typedef void engine_next_fn(void *arg, size_t index,
    const struct engine_op *prev, const struct tp_result *res,
    struct engine_op *op);

/*
 * A new engine on loop, reaching hosts through tp (not owned; prepared
 * by the caller).  opts is copied.  observer gets every event.
 */
struct engine	*engine_new(struct loop *, struct tp_ctx *,
		    const struct engine_opts *, engine_observer_fn *,
		    void *arg);
/* Accepts NULL.  Connections still open are dropped. */
void		 engine_free(struct engine *);

/*
 * Runs command on hosts (n of them; the array and the hosts must live
 * until ENGINE_DONE; command is copied).  Work starts on the next loop
 * turn.  One run per engine.  Returns 0, or LB_ERR_INVALID when a run was
 * already started.
 */
int		 engine_exec(struct engine *, const struct host *const *,
		    size_t n, const char *command);
/* The same with a job of the caller's: next(arg, ...) for each step. */
int		 engine_run(struct engine *, const struct host *const *,
		    size_t n, engine_next_fn *next, void *arg);
/* A host parked by EOP_PARK asks its job again (on the next turn). */
void		 engine_wake(struct engine *, size_t index);

/*
 * Stops starting hosts: the pending ones end as cancelled, so do the
 * ones sleeping, parked or waiting to connect again; the ones at work
 * finish their operation (bounded by its timeout) and their job decides.
 */
void		 engine_cancel(struct engine *);
/* Stops the hosts at work too: their connections are dropped at once. */
void		 engine_abort(struct engine *);

/* How a finished operation's result reads as a host status: ok for
 * rc 0, unreachable for a connect that never got through, ... */
enum host_status engine_status_of(const struct engine_op *,
		    const struct tp_result *);

const struct engine_stats *engine_stats(const struct engine *);
/* Final status of the host at index, once done. */
enum host_status engine_host_status(const struct engine *, size_t index);
bool		 engine_done(const struct engine *);

#endif
