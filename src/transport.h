/*
 * The transport interface: how the engine reaches a host, whatever the
 * protocol (SSH, WinRM, simulated).  Every operation is asynchronous:
 * the call starts it and returns at once, and the completion callback
 * runs later from the event loop, never from inside the call.  One
 * operation at a time per connection.
 *
 *	ctx = tp_ctx_new(loop, &opts);
 *	tp_ctx_prepare(ctx, hosts, n, &diags);	  load keys, ask passphrases
 *	c = tp_open(ctx, host);
 *	tp_connect(c, done, arg);		  ... done(c, res, arg)
 *	tp_exec(c, "uptime", &xo, done, arg);
 *	tp_close(c, done, arg);			  c is freed after done
 *	tp_ctx_free(ctx);
 *
 * Every completion hands over a struct tp_result: exit status, the two
 * output streams (each capped, by default at 1 MiB, with a marker when
 * cut; written whole to a file when a spill directory is set), timings,
 * and a typed error.  The receiver owns it and frees it with
 * tp_result_free().
 *
 * Writing a transport: its connection struct begins with a struct tp_conn;
 * it fills conn->res and calls tp_complete() when the operation ends (or
 * tp_complete_later() when it ends before the start call has returned).
 * Output goes through tp_output(), which caps, spills and streams it.
 */
#ifndef LIFEBOAT_TRANSPORT_H
#define LIFEBOAT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory.h"
#include "loop.h"

struct buf;
struct diags;

#define TP_OUT_CAP_DEFAULT	((size_t)1 << 20)
#define TP_CONNECT_TIMEOUT_DEFAULT	10000	/* ms */
#define TP_KEEPALIVE_DEFAULT	30000		/* ms */

enum tp_stream_id {
	TP_STDOUT = 0,
	TP_STDERR = 1,
};

/* What went wrong, as a type a program can act on. */
enum tp_err {
	TP_OK = 0,
	TP_UNREACHABLE,		/* no route, no address, connection lost */
	TP_REFUSED,		/* nothing listens on the port */
	TP_TIMEOUT,		/* connect or command took too long */
	TP_AUTH,		/* every authentication method failed */
	TP_HOSTKEY_CHANGED,	/* host key differs from known_hosts */
	TP_HOSTKEY_UNKNOWN,	/* host key not in known_hosts */
	TP_PROTOCOL,		/* the peer broke the protocol */
	TP_CANCELLED,		/* the run was interrupted */
	TP_LOCAL,		/* a local problem: a missing key file, ... */
};

/* "unreachable", "refused", ..., for JSON and reports; "" for TP_OK. */
const char	*tp_err_name(enum tp_err);
/* True for the errors that mean "never got to run anything". */
bool		 tp_err_is_unreachable(enum tp_err);

struct tp_stream {
	char		*data;		/* NUL-terminated; NULL when empty */
	size_t		 len;		/* bytes in data, marker included */
	size_t		 cap;		/* bytes allocated for data */
	uint64_t	 total;		/* bytes the host sent */
	bool		 truncated;
	char		*path;		/* spill file, or NULL */
	int		 fd;		/* spill fd while writing, or -1 */
};

struct tp_result {
	enum tp_err	 err;
	char		*msg;		/* for people; NULL when all is well */
	int		 rc;		/* exit status, or -1 when none */
	char		*signal;	/* "TERM" when killed by it, or NULL */
	struct tp_stream streams[2];	/* TP_STDOUT, TP_STDERR */
	int64_t		 t_start;	/* loop_now() when the call was made */
	int64_t		 t_end;
};

struct tp_conn;

typedef void tp_done_fn(struct tp_conn *, struct tp_result *, void *arg);
typedef void tp_output_fn(struct tp_conn *, enum tp_stream_id,
    const char *data, size_t len, void *arg);
/*
 * Asks the person at the terminal; echo false for secrets.  Fills answer
 * (a buffer created with BUF_WIPE) and returns 0, or a negative code when
 * nobody can be asked.
 */
typedef int tp_prompt_fn(const char *question, bool echo,
    struct buf *answer, void *arg);
/* A notice about a host that is not an error ("recorded new host key"). */
typedef void tp_notice_fn(const struct host *, const char *msg, void *arg);

struct tp_options {
	size_t		 out_cap;	/* per stream; 0: TP_OUT_CAP_DEFAULT */
	const char	*spill_dir;	/* full outputs go here; NULL: none */
	int64_t		 connect_timeout_ms;	/* 0: the inventory's */
	bool		 accept_new_host_keys;
	uint64_t	 seed;		/* sim: makes runs repeatable */
	const char	*password;	/* asked once for the run, or NULL */
	tp_prompt_fn	*prompt;	/* NULL: never ask */
	void		*prompt_arg;
	tp_notice_fn	*notice;	/* NULL: notices are dropped */
	void		*notice_arg;
};

struct tp_exec_opts {
	int64_t		 timeout_ms;	/* 0: none */
	tp_output_fn	*on_output;	/* each chunk as it comes; or NULL */
	void		*output_arg;
	const char	*spill_name;	/* spill file base name; or NULL */
	const char	*input;		/* sent on stdin, then EOF; or NULL */
	size_t		 input_len;
};

struct tp_ctx {
	struct loop		*loop;
	struct tp_options	 opt;
	void			*state[TRANSPORT_SIM + 1];
	int64_t			 epoch;	/* loop_now() at creation */
	size_t			 nconns;
};

/* The part of a connection every transport shares. */
struct tp_conn {
	const struct transport	*tp;
	struct tp_ctx		*ctx;
	const struct host	*host;
	/* The operation in flight. */
	tp_done_fn		*done;
	void			*done_arg;
	struct tp_result	*res;
	struct tp_exec_opts	 xo;
	bool			 closing;	/* freed after done */
	struct loop_timer	 later;
	char			*spill_prefix;
};

struct transport {
	const char	*name;
	/*
	 * Before a run: looks at the hosts this transport will reach, loads
	 * what they share (keys, known_hosts), asks for passphrases.  A
	 * problem of one host is left for its connect; only what stops the
	 * whole run is an error (returns < 0 with a diagnostic added).
	 */
	int		(*prepare)(struct tp_ctx *, const struct host *const *,
			    size_t, void **state, struct diags *);
	void		(*release)(void *state);
	/* Allocates the connection; the transport's struct starts with a
	 * struct tp_conn that the caller fills in.  NULL: out of memory. */
	struct tp_conn	*(*open)(struct tp_ctx *, void *state,
			    const struct host *);
	void		(*connect)(struct tp_conn *);
	void		(*exec)(struct tp_conn *, const char *command);
	void		(*put)(struct tp_conn *, const char *local,
			    const char *remote, int mode);
	void		(*get)(struct tp_conn *, const char *remote,
			    const char *local);
	/* Ends the session politely, then tp_complete(). */
	void		(*close)(struct tp_conn *);
	/* Drops everything at once; no callback.  Frees the connection. */
	void		(*free)(struct tp_conn *);
};

extern const struct transport transport_ssh;
extern const struct transport transport_winrm;
extern const struct transport transport_sim;

/* opts is copied; its strings must outlive the context. */
struct tp_ctx	*tp_ctx_new(struct loop *, const struct tp_options *);
/*
 * Calls each transport's prepare with the hosts it will reach.  Returns 0,
 * or a negative code with diagnostics added.
 */
int		 tp_ctx_prepare(struct tp_ctx *, const struct host *const *,
		    size_t, struct diags *);
/* Every connection must be closed or freed first.  Accepts NULL. */
void		 tp_ctx_free(struct tp_ctx *);

/*
 * A new connection to host, by the host's transport.  NULL when the
 * transport is not built in (a diagnostic would be the caller's).
 */
struct tp_conn	*tp_open(struct tp_ctx *, const struct host *);
void		 tp_connect(struct tp_conn *, tp_done_fn *, void *arg);
/* xo is copied (its strings must live until done); NULL: defaults. */
void		 tp_exec(struct tp_conn *, const char *command,
		    const struct tp_exec_opts *, tp_done_fn *, void *arg);
/* Writes local to remote, mode applied, renamed into place at the end. */
void		 tp_put(struct tp_conn *, const char *local,
		    const char *remote, int mode, tp_done_fn *, void *arg);
/* Reads remote into local, written beside it and renamed into place. */
void		 tp_get(struct tp_conn *, const char *remote,
		    const char *local, tp_done_fn *, void *arg);
/* Closes politely.  The connection is freed before done is called,
 * which gets NULL for it. */
void		 tp_close(struct tp_conn *, tp_done_fn *, void *arg);
/* Drops the connection now, whatever is in flight; no callback. */
void		 tp_free(struct tp_conn *);

/* For transports: the operation is over; calls done.  */
void		 tp_complete(struct tp_conn *);
/* The same, on the next loop turn (for failures found at the start). */
void		 tp_complete_later(struct tp_conn *);
/* Sets the error of the operation in flight; printf-like message. */
void		 tp_fail(struct tp_conn *, enum tp_err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Output from the host: streamed to on_output, capped, spilled. */
void		 tp_output(struct tp_conn *, enum tp_stream_id,
		    const char *data, size_t len);

/* Frees a result and everything in it.  Accepts NULL. */
void		 tp_result_free(struct tp_result *);

#endif
