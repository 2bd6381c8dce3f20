/*
 * Fetching recovery keys: one key source (keysrc.h) asked about many
 * hosts at once, on the event loop, into a vault.
 *
 *	kf = keyfetch_new(loop, &opts, hosts, n, vault);
 *	keyfetch_start(kf, why, sizeof why);	 the source opens
 *	loop_run(loop);				 events flow; KF_EV_DONE last
 *	keyfetch_host(kf, i) ...		 what each host got
 *	keyfetch_free(kf);
 *
 * A host source runs as an engine job: connect, the source's script,
 * its reply read into keys, a polite close; the engine keeps the
 * fan-out, the per-site limit and the retries.  A directory source is
 * opened once (token, bind), then asked about at most `fanout` hosts at
 * a time; its requests go through lifeboat's HTTP client (http.h) and
 * LDAP connection (ldapc.h), its waits through loop timers.
 *
 * Every key goes through vault_put() (which checks the password and
 * the key ID) with the source's name and the time; a key it refuses is
 * counted against the host and reported without its password.  A
 * host's script output is wiped as soon as it has been read.
 */
#ifndef LIFEBOAT_KEYFETCH_H
#define LIFEBOAT_KEYFETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "transport.h"

struct host;
struct keysrc;
struct keyfetch;
struct loop;
struct vault;

enum kf_status {
	KF_PENDING = 0,
	KF_OK,			/* at least one key */
	KF_NO_KEY,		/* nothing escrowed */
	KF_NOT_FOUND,		/* the directory does not know the host */
	KF_DENIED,
	KF_ERROR,
	KF_UNREACHABLE,		/* a host source could not reach it */
	KF_CANCELLED,
};

/* "pending", "ok", "no-key", "not-found", "denied", "error",
 * "unreachable", "cancelled" */
const char	*kf_status_name(enum kf_status);

/* What one host got.  why belongs to the fetch. */
struct kf_host {
	const struct host	*h;
	enum kf_status		 status;
	char			*why;		/* one line, or NULL */
	size_t			 nkeys;		/* taken into the vault */
	size_t			 nrejected;	/* refused (bad password) */
	int64_t			 ms;		/* how long it took */
};

enum kf_event_type {
	KF_EV_HOST,		/* host is final */
	KF_EV_REJECTED,		/* msg: a key of host was refused, why */
	KF_EV_NOTE,		/* msg: for the person at the keyboard */
	KF_EV_DEBUG,		/* msg: for -v */
	KF_EV_DONE,		/* every host is final; the last event */
};

struct kf_event {
	enum kf_event_type	 type;
	const struct kf_host	*host;		/* HOST, REJECTED */
	const char		*msg;
	size_t			 done;		/* hosts final so far */
	size_t			 total;
};

typedef void kf_observer_fn(const struct kf_event *, void *arg);

/*
 * Asks for a secret the environment did not give (the prompt is the
 * source's, one line).  Fills buf (len bytes, NUL-terminated) and
 * returns 0, or -1 when nobody can be asked.
 */
typedef int kf_ask_fn(const char *prompt, char *buf, size_t len,
    void *arg);

struct kf_setting {
	const char	*key;
	const char	*value;
};

struct kf_opts {
	struct keysrc		*src;		/* not owned */
	const struct kf_setting	*settings;	/* -o, checked by the caller */
	size_t			 nsettings;
	unsigned		 fanout;	/* 0: the source's own */
	/* Host sources: how the engine reaches hosts. */
	struct engine_opts	 eo;
	struct tp_options	 to;
	kf_observer_fn		*observer;
	void			*arg;
	kf_ask_fn		*ask;		/* NULL: never ask */
	void			*ask_arg;
};

/*
 * A fetch of keys for hosts (n of them; the array and the hosts must
 * live until keyfetch_free()) into v (not owned).  opts is copied (not
 * what it points to).  Never NULL.
 */
struct keyfetch	*keyfetch_new(struct loop *, const struct kf_opts *,
		    const struct host *const *hosts, size_t n,
		    struct vault *v);
/*
 * Starts: prepares the transports (host source) or opens the source
 * (directory).  Returns 0, or LB_ERR_INVALID with one line in why when
 * it cannot start at all (a missing setting, no secret, hosts the
 * transports cannot reach); nothing was fetched then.  A source that
 * fails later while opening (a refused token, a failed bind) fails
 * every host with its reason.
 */
int		 keyfetch_start(struct keyfetch *, char *why, size_t whylen);
/* Stops starting hosts (an interrupt): the rest end as cancelled. */
void		 keyfetch_cancel(struct keyfetch *);
bool		 keyfetch_done(const struct keyfetch *);
/*
 * Why the source failed to open after it started (a refused sign-in, a
 * failed bind), or NULL: then every host failed for that one reason.
 */
const char	*keyfetch_open_error(const struct keyfetch *);
const struct kf_host *keyfetch_host(const struct keyfetch *, size_t i);
/* Wipes and frees; takes NULL. */
void		 keyfetch_free(struct keyfetch *);

#endif
