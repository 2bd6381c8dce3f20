/*
 * lifeboat key-source plugins: the public, versioned ABI
 * (lifeboat-plugin(7), KEY SOURCES).
 *
 * A key source finds BitLocker recovery passwords for inventory hosts,
 * for `lifeboat keys fetch --from NAME`.  It is a shared object on the
 * plugin path exporting
 *
 *	const struct lb_keysource *lifeboat_keysource(void);
 *
 * (the same file may also export lifeboat_plugin(), an action).  The
 * descriptor's first field is LB_KEYSOURCE_ABI; lifeboat refuses any
 * other version.  Within one version structures only grow at their end.
 *
 * There are two kinds of source.
 *
 * A host source (build and parse set) is pure, like an action plugin:
 * it writes one script for the host's shell, lifeboat runs it over its
 * own connection to the host, and the plugin reads the keys out of the
 * reply.  `host` (bitlocker.so) is one.
 *
 * A directory source (open, fetch and close set) asks a directory about
 * each host: Active Directory over LDAP, Entra ID over HTTPS.  It opens
 * no sockets of its own: every request goes through the services in
 * struct lb_ks_svc, which lifeboat runs on its event loop, and every
 * answer comes back through a callback, never inside the call that made
 * the request.  It may keep state between calls (a token, a bound
 * connection) in the object open() returns.  `ad` and `entra` are such.
 *
 * Recovery passwords pass through this interface and nowhere else: a
 * plugin never logs, notes or fails with one, and wipes the copies it
 * made (the services never keep a pointer to a plugin's buffer past the
 * call).
 */
#ifndef LIFEBOAT_KEYSOURCE_H
#define LIFEBOAT_KEYSOURCE_H

#include <stddef.h>
#include <stdint.h>

#include <lifeboat/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LB_KEYSOURCE_ABI	1
#define LB_KEYSOURCE_SYMBOL	"lifeboat_keysource"

/* One recovery-password protector, as a source found it. */
struct lb_ks_key {
	const char	*volume;	/* "C:", a volume GUID, or "" */
	const char	*protector_id;	/* 32 hex digits, any form */
	const char	*password;	/* 48 digits, 8 groups */
	const char	*created;	/* RFC 3339, or "" when unknown */
};

/* Why a host got no key. */
enum lb_ks_status {
	LB_KS_OK = 0,		/* keys were found (or none was asked for) */
	LB_KS_NO_KEY,		/* found, but nothing escrowed */
	LB_KS_NOT_FOUND,	/* the directory does not know the host */
	LB_KS_DENIED,		/* the directory refused us */
	LB_KS_ERROR,		/* anything else: the reason says */
};

/* Hands keys back, for host sources' parse(). */
struct lb_ks_emit {
	void	*ctx;
	/* One key; returns 0, or -1 when lifeboat rejected it (an invalid
	 * password: lifeboat reports it; the plugin goes on). */
	int	(*key)(void *ctx, const struct lb_ks_key *);
};

/* An inventory host, as a directory source sees it. */
struct lb_ks_target {
	const char	*name;		/* the inventory name */
	const char	*site;		/* "" when none */
	const char	*os;		/* "" when unknown */
	const char	*address;	/* "" when none */
	/* The name to look for in the directory: the host's variable
	 * <source>_name when set (ad_name, entra_name), else name. */
	const char	*lookup;
};

/* HTTP, on lifeboat's libcurl multi handle.  TLS is always verified
 * against the system's CAs or the one the configuration names
 * (`ca_file`). */
struct lb_http_req {
	const char		*method;	/* "GET", "POST" */
	const char		*url;
	const char *const	*headers;	/* "Name: value", NULL-ended */
	const char		*body;		/* or NULL */
	size_t			 body_len;
	int64_t			 timeout_ms;	/* 0: 30 s */
};

struct lb_http_resp {
	long		 status;	/* 0 when there was no answer */
	const char	*error;		/* why, when status is 0; else NULL */
	const char	*body;		/* NUL-terminated; may be "" */
	size_t		 body_len;
	int64_t		 retry_after_ms; /* Retry-After, or -1 */
};

typedef void lb_http_fn(void *arg, const struct lb_http_resp *);

/* LDAP, on one connection lifeboat opens and binds (see connect). */
enum lb_ldap_scope {
	LB_LDAP_BASE = 0,
	LB_LDAP_ONE = 1,
	LB_LDAP_SUB = 2,
};

struct lb_ldap_conn {
	const char	*url;		/* ldap:// or ldaps:// */
	int		 starttls;	/* 1: StartTLS on ldap:// (required) */
	const char	*bind_dn;	/* NULL: anonymous */
	const char	*password;	/* for bind_dn */
	const char	*ca_file;	/* NULL: the system's */
	int64_t		 timeout_ms;	/* per operation; 0: 30 s */
};

struct lb_ldap_value {
	const unsigned char	*data;	/* not NUL-terminated */
	size_t			 len;
};

struct lb_ldap_attr {
	const char			*name;
	const struct lb_ldap_value	*v;
	size_t				 n;
};

struct lb_ldap_entry {
	const char			*dn;
	const struct lb_ldap_attr	*attrs;
	size_t				 n;
};

struct lb_ldap_result {
	int				 rc;	/* an LDAP result code */
	const char			*error;	/* rc != 0: why */
	const struct lb_ldap_entry	*entries;
	size_t				 n;
};

typedef void lb_ldap_fn(void *arg, const struct lb_ldap_result *);
typedef void lb_ks_timer_fn(void *arg);

/*
 * What lifeboat does for a directory source.  ctx is lifeboat's; job
 * names one host's fetch (from fetch()).  Each call that takes a
 * callback returns 0 and calls it exactly once later, or returns -1
 * (and never calls it).  The services stay valid from open() until
 * close(): a source keeps the pointer open() was given.
 */
struct lb_ks_svc {
	void	*ctx;
	/* A setting for this source: `keys fetch -o KEY=VALUE`, else the
	 * environment's LIFEBOAT_<SOURCE>_<KEY> (upper case), else NULL.
	 * Keys are lower-case words: url, base, tenant, client_id. */
	const char *(*config)(void *ctx, const char *key);
	/* A secret for this source: the file named by
	 * LIFEBOAT_<SOURCE>_<NAME>_FILE, else a prompt without echo when
	 * stdin is a terminal.  Writes it NUL-terminated into buf
	 * (len bytes), returns 0, or -1 with nothing in buf. */
	int	(*secret)(void *ctx, const char *name, const char *prompt,
		    char *buf, size_t len);
	/* Progress or an instruction for the person at the keyboard (the
	 * device-code sign-in): one line, shown on stderr.  Never a key. */
	void	(*note)(void *ctx, const char *line);
	/* A line for -v, about requests (never their secrets). */
	void	(*debug)(void *ctx, const char *line);
	int	(*http)(void *ctx, const struct lb_http_req *,
		    lb_http_fn *fn, void *arg);
	/* Opens the source's LDAP connection (once, from open()). */
	int	(*ldap_connect)(void *ctx, const struct lb_ldap_conn *,
		    lb_ldap_fn *fn, void *arg);
	int	(*ldap_search)(void *ctx, const char *base,
		    enum lb_ldap_scope, const char *filter,
		    const char *const *attrs, lb_ldap_fn *fn, void *arg);
	/* Calls fn after ms milliseconds (a back-off, a poll). */
	int	(*after)(void *ctx, int64_t ms, lb_ks_timer_fn *fn, void *arg);
	/* A key for the host of job; as lb_ks_emit.key. */
	int	(*key)(void *ctx, void *job, const struct lb_ks_key *);
	/* The host of job is done: LB_KS_OK, or why not (one line). */
	void	(*done)(void *ctx, void *job, enum lb_ks_status,
		    const char *why);
	/* open() is done: 0, or -1 and why; nothing is fetched then. */
	void	(*ready)(void *ctx, int rc, const char *why);
};

struct lb_keysource {
	unsigned	 abi;		/* LB_KEYSOURCE_ABI */
	const char	*name;		/* host, ad, entra: --from NAME */
	const char	*version;
	const char	*summary;	/* one line */
	/* How many hosts it works on at once unless told (--fanout). */
	unsigned	 concurrency;
	/* The -o keys it takes, NULL-terminated; any other is refused. */
	const char *const *keys;

	/* A host source: the script, then its reply into keys.  parse()
	 * returns LB_KS_OK, or a status with one line in why. */
	int	(*build)(const struct lb_facts *, const struct lb_out *out,
		    char *why, size_t whylen);
	enum lb_ks_status (*parse)(const struct lb_facts *,
		    const struct lb_reply *, const struct lb_ks_emit *,
		    char *why, size_t whylen);

	/* A directory source.  open() checks the settings and starts
	 * (token, bind), and ends with svc->ready(); it returns 0, or -1
	 * with why when it cannot even start.  fetch() is called for each
	 * host once ready, at most `concurrency` at a time, and ends with
	 * svc->done(job).  close() is called once every job is done (or
	 * when ready() said -1) and frees state; when open() itself returns
	 * -1 it has freed what it made, and close() is not called. */
	int	(*open)(const struct lb_ks_svc *, void **state, char *why,
		    size_t whylen);
	void	(*fetch)(void *state, const struct lb_ks_target *,
		    void *job);
	void	(*close)(void *state);
};

typedef const struct lb_keysource *lb_keysource_fn(void);

#ifdef __cplusplus
}
#endif

#endif
