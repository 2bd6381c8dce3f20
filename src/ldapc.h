/*
 * LDAP for the `ad` key source, on the event loop (libldap).
 *
 * One connection.  ldapc_connect() opens it: ldaps:// or ldap:// with
 * StartTLS, the certificate checked (LDAP_OPT_X_TLS_REQUIRE_CERT
 * demand; ca_file or the system's), then a simple bind.  The connect,
 * TLS handshake and bind use libldap's synchronous calls bounded by
 * timeout_ms (they happen once per fetch, before any host is asked);
 * searches are asynchronous: ldap_search_ext() returns a message id,
 * the connection's descriptor is watched by the loop, and
 * ldap_result() with a zero timeout collects entries as they come.
 * Many searches may be outstanding on the one connection.
 */
#ifndef LIFEBOAT_LDAPC_H
#define LIFEBOAT_LDAPC_H

#include <lifeboat/keysource.h>

struct loop;
struct ldapc;

#define LDAPC_ENTRIES_MAX	100000	/* per search */

struct ldapc	*ldapc_new(struct loop *);
/* Abandons searches without calling back, unbinds, frees.  Takes NULL. */
void		 ldapc_free(struct ldapc *);
/*
 * Connects and binds as conn says (copied; the password is wiped once
 * used).  fn is called once, on a later loop turn, with rc 0 (entries
 * empty) or an LDAP result code and a one-line error that names the
 * server and what failed ("ldaps://dc1:636: certificate verify failed",
 * "bind as CN=x: invalid credentials").  Returns 0, or -1 and fn is
 * never called.
 */
int		 ldapc_connect(struct ldapc *, const struct lb_ldap_conn *conn,
		    lb_ldap_fn *fn, void *arg);
/*
 * Searches (the connection must be up).  attrs NULL-terminated.  fn is
 * called once with every entry (values as bytes) or the error.
 * Returns 0, or -1 and fn is never called.
 */
int		 ldapc_search(struct ldapc *, const char *base,
		    enum lb_ldap_scope, const char *filter,
		    const char *const *attrs, lb_ldap_fn *fn, void *arg);

#endif
