/*
 * LDAP for the `ad` key source, on the event loop (libldap): see
 * ldapc.h.
 *
 * Connecting is synchronous and bounded (LDAP_OPT_NETWORK_TIMEOUT for
 * the TCP connect and the TLS handshake, LDAP_OPT_TIMEOUT for StartTLS
 * and the bind): it happens once, before any host is asked.  Its
 * outcome waits in a zero-delay timer so the caller hears of it on a
 * later turn.
 *
 * Once bound, the connection's descriptor is made non-blocking (libldap
 * takes EWOULDBLOCK as "no whole message yet", so a slow server cannot
 * stall the loop) and watched for reading.  Each search is a struct
 * ldapc_search keyed by its message id; on readiness ldap_result() with
 * a zero timeout is called until it has nothing more, each message is
 * handed to its search, and a search's final result calls its callback.
 * Each search carries a timer for its deadline, which also delivers the
 * errors found while starting it.  A request the socket would not take
 * whole leaves libldap saying LDAP_BUSY: the descriptor is then watched
 * for writing too, until the next turn lets ldap_result() flush it.
 *
 * Callbacks may start searches or free the client.  While a callback
 * runs the client is "busy": ldapc_free() then tears the connection
 * down at once but leaves the struct to be freed when the callback
 * returns, and the dispatcher stops there.
 */
#include <sys/time.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "ldapc.h"
#include "loop.h"
#include "xmalloc.h"

#define LDAPC_TIMEOUT_MS	30000

enum ldapc_state {
	LDAPC_IDLE,		/* ldapc_connect() not called yet */
	LDAPC_CONNECTING,	/* its outcome not told yet */
	LDAPC_UP,
	LDAPC_DOWN,		/* failed or lost; down_why says why */
};

struct ldapc_search {
	struct ldapc		*lc;
	struct ldapc_search	*next;
	struct ldapc_search	*prev;
	int			 msgid;		/* -1 when not sent */
	lb_ldap_fn		*fn;
	void			*arg;
	char			*base;
	struct loop_timer	 timer;		/* deadline, or the error */
	struct lb_ldap_entry	*entries;	/* owned, values wiped */
	size_t			 n;
	size_t			 cap;
	int			 rc;		/* set when finished early */
	char			*error;
};

struct ldapc {
	struct loop		*loop;
	LDAP			*ld;
	int			 fd;		/* watched, or -1 */
	enum ldapc_state	 state;
	char			*url;
	int64_t			 timeout_ms;
	char			*down_why;

	lb_ldap_fn		*connect_fn;
	void			*connect_arg;
	int			 connect_rc;
	char			*connect_why;
	struct loop_timer	 connect_timer;

	struct ldapc_search	*searches;
	bool			 writing;	/* a request to flush */
	unsigned		 busy;		/* callbacks running */
	bool			 dead;		/* freed while busy */
};

static void	ldapc_io(struct loop *, int, unsigned, void *);
static void	ldapc_search_fire(struct loop *, void *);
static void	ldapc_connect_fire(struct loop *, void *);

struct ldapc *
ldapc_new(struct loop *loop)
{
	struct ldapc	*lc;

	lc = xcalloc(1, sizeof(*lc));
	lc->loop = loop;
	lc->fd = -1;
	lc->state = LDAPC_IDLE;
	loop_timer_init(&lc->connect_timer, ldapc_connect_fire, lc);
	return lc;
}

/*
 * libldap's description of rc, with the server's diagnostic when it
 * gave one, as "what: description[: diagnostic]" in a new string.
 * libldap capitalises its messages; ours start lower-case unless the
 * first word is an acronym ("LDAP").
 */
static char *
ldapc_why(LDAP *ld, int rc, const char *what)
{
	const char	*s = ldap_err2string(rc);
	char		*diag = NULL, *r, *p;

	if (ld != NULL &&
	    ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) !=
	    LDAP_OPT_SUCCESS)
		diag = NULL;
	if (diag != NULL && *diag != '\0' && strcmp(diag, s) != 0)
		xasprintf(&r, "%s: %s: %s", what, s, diag);
	else
		xasprintf(&r, "%s: %s", what, s);
	ldap_memfree(diag);
	p = r + strlen(what) + 2;
	if (isupper((unsigned char)p[0]) && islower((unsigned char)p[1]))
		p[0] = (char)tolower((unsigned char)p[0]);
	/* One line: a server's diagnostic may hold newlines. */
	for (p = r; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return r;
}

static void
ldapc_entry_release(struct lb_ldap_entry *e)
{
	size_t	 i, j;

	for (i = 0; i < e->n; i++) {
		const struct lb_ldap_attr *a = &e->attrs[i];

		for (j = 0; j < a->n; j++) {
			explicit_bzero((void *)a->v[j].data, a->v[j].len);
			free((void *)a->v[j].data);
		}
		free((void *)a->v);
		free((void *)a->name);
	}
	free((void *)e->attrs);
	free((void *)e->dn);
}

static void
ldapc_search_unlink(struct ldapc_search *s)
{
	struct ldapc	*lc = s->lc;

	if (s->prev != NULL)
		s->prev->next = s->next;
	else if (lc->searches == s)
		lc->searches = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	s->next = s->prev = NULL;
}

static void
ldapc_search_free(struct ldapc_search *s)
{
	size_t	 i;

	loop_timer_stop(s->lc->loop, &s->timer);
	for (i = 0; i < s->n; i++)
		ldapc_entry_release(&s->entries[i]);
	free(s->entries);
	free(s->base);
	free(s->error);
	free(s);
}

/* Tears the connection down: no callback is called any more. */
static void
ldapc_close(struct ldapc *lc)
{
	struct ldapc_search	*s;

	while ((s = lc->searches) != NULL) {
		ldapc_search_unlink(s);
		ldapc_search_free(s);
	}
	loop_timer_stop(lc->loop, &lc->connect_timer);
	if (lc->fd != -1) {
		loop_io_del(lc->loop, lc->fd);
		lc->fd = -1;
	}
	if (lc->ld != NULL) {
		/* Unbinding closes the socket; searches die with it. */
		ldap_unbind_ext_s(lc->ld, NULL, NULL);
		lc->ld = NULL;
	}
}

static void
ldapc_destroy(struct ldapc *lc)
{
	free(lc->url);
	free(lc->down_why);
	free(lc->connect_why);
	free(lc);
}

void
ldapc_free(struct ldapc *lc)
{
	if (lc == NULL)
		return;
	ldapc_close(lc);
	if (lc->busy > 0) {
		lc->dead = true;
		return;
	}
	ldapc_destroy(lc);
}

/* Ends s: unlinks it, calls back with rc and why (or its entries). */
static void
ldapc_finish(struct ldapc_search *s, int rc, const char *why)
{
	struct ldapc		*lc = s->lc;
	struct lb_ldap_result	 res;

	ldapc_search_unlink(s);
	loop_timer_stop(lc->loop, &s->timer);
	memset(&res, 0, sizeof(res));
	res.rc = rc;
	if (rc != LDAP_SUCCESS) {
		res.error = why != NULL ? why : ldap_err2string(rc);
	} else {
		res.entries = s->entries;
		res.n = s->n;
	}
	lc->busy++;
	s->fn(s->arg, &res);
	lc->busy--;
	ldapc_search_free(s);
}

static struct ldapc_search *
ldapc_find(struct ldapc *lc, int msgid)
{
	struct ldapc_search	*s;

	for (s = lc->searches; s != NULL; s = s->next) {
		if (s->msgid == msgid)
			return s;
	}
	return NULL;
}

/* The connection is gone: every search hears why. */
static void
ldapc_lost(struct ldapc *lc, int rc)
{
	char	*what;

	xasprintf(&what, "%s: connection lost", lc->url);
	free(lc->down_why);
	lc->down_why = ldapc_why(lc->ld, rc, what);
	free(what);
	lc->state = LDAPC_DOWN;
	if (lc->fd != -1) {
		loop_io_del(lc->loop, lc->fd);
		lc->fd = -1;
	}
	while (lc->searches != NULL && !lc->dead)
		ldapc_finish(lc->searches, LDAP_SERVER_DOWN, lc->down_why);
}

/* Copies msg, an entry, into s; false when s has too many. */
static bool
ldapc_add_entry(struct ldapc *lc, struct ldapc_search *s, LDAPMessage *msg)
{
	struct lb_ldap_entry	*e;
	struct lb_ldap_attr	*attrs = NULL;
	BerElement		*ber = NULL;
	char			*dn, *name;
	size_t			 n = 0, cap = 0;

	if (s->n == LDAPC_ENTRIES_MAX)
		return false;
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 8 : s->cap * 2;
		s->entries = xreallocarray(s->entries, s->cap,
		    sizeof(*s->entries));
	}
	e = &s->entries[s->n++];
	memset(e, 0, sizeof(*e));
	dn = ldap_get_dn(lc->ld, msg);
	e->dn = xstrdup(dn != NULL ? dn : "");
	ldap_memfree(dn);
	for (name = ldap_first_attribute(lc->ld, msg, &ber); name != NULL;
	    name = ldap_next_attribute(lc->ld, msg, ber)) {
		struct berval		**vals;
		struct lb_ldap_value	 *v;
		size_t			  i, nv;

		vals = ldap_get_values_len(lc->ld, msg, name);
		nv = vals != NULL ? (size_t)ldap_count_values_len(vals) : 0;
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			attrs = xreallocarray(attrs, cap, sizeof(*attrs));
		}
		v = nv > 0 ? xcalloc(nv, sizeof(*v)) : NULL;
		for (i = 0; i < nv; i++) {
			unsigned char	*d = xmalloc(vals[i]->bv_len + 1);

			memcpy(d, vals[i]->bv_val, vals[i]->bv_len);
			d[vals[i]->bv_len] = '\0';
			v[i].data = d;
			v[i].len = vals[i]->bv_len;
			explicit_bzero(vals[i]->bv_val, vals[i]->bv_len);
		}
		attrs[n].name = xstrdup(name);
		attrs[n].v = v;
		attrs[n].n = nv;
		n++;
		ldap_value_free_len(vals);
		ldap_memfree(name);
	}
	ber_free(ber, 0);
	e->attrs = attrs;
	e->n = n;
	return true;
}

/* The final result of s's search. */
static void
ldapc_result_done(struct ldapc *lc, struct ldapc_search *s, LDAPMessage *msg)
{
	char	*diag = NULL, *why, *what;
	int	 err = LDAP_OTHER, rc;

	rc = ldap_parse_result(lc->ld, msg, &err, NULL, &diag, NULL, NULL,
	    0);
	if (rc != LDAP_SUCCESS)
		err = rc;
	if (err == LDAP_SUCCESS) {
		ldap_memfree(diag);
		ldapc_finish(s, LDAP_SUCCESS, NULL);
		return;
	}
	xasprintf(&what, "%s: search under '%s'", lc->url, s->base);
	if (diag != NULL && *diag != '\0') {
		char	*full;

		xasprintf(&full, "%s: %s", what, diag);
		free(what);
		what = full;
	}
	ldap_memfree(diag);
	/* ldapc_why() would add the connection's last diagnostic, which
	 * belongs to whatever message libldap read last. */
	why = ldapc_why(NULL, err, what);
	free(what);
	ldapc_finish(s, err, why);
	free(why);
}

static void
ldapc_message(struct ldapc *lc, LDAPMessage *msg)
{
	struct ldapc_search	*s;
	char			*why;

	s = ldapc_find(lc, ldap_msgid(msg));
	if (s == NULL)
		return;		/* abandoned, or unsolicited */
	switch (ldap_msgtype(msg)) {
	case LDAP_RES_SEARCH_ENTRY:
		if (ldapc_add_entry(lc, s, msg))
			break;
		ldap_abandon_ext(lc->ld, s->msgid, NULL, NULL);
		xasprintf(&why, "%s: search under '%s': more than %d entries",
		    lc->url, s->base, LDAPC_ENTRIES_MAX);
		ldapc_finish(s, LDAP_SIZELIMIT_EXCEEDED, why);
		free(why);
		break;
	case LDAP_RES_SEARCH_RESULT:
		ldapc_result_done(lc, s, msg);
		break;
	default:
		/* References (AD's other partitions): not followed. */
		break;
	}
}

static void
ldapc_drain(struct ldapc *lc)
{
	while (!lc->dead && lc->ld != NULL && lc->state == LDAPC_UP) {
		struct timeval	 zero = { 0, 0 };
		LDAPMessage	*msg = NULL;
		int		 rc, err = LDAP_SERVER_DOWN;

		rc = ldap_result(lc->ld, LDAP_RES_ANY, LDAP_MSG_ONE, &zero,
		    &msg);
		if (rc == 0)
			break;
		if (rc < 0) {
			ldap_get_option(lc->ld, LDAP_OPT_RESULT_CODE, &err);
			ldapc_lost(lc, err);
			break;
		}
		ldapc_message(lc, msg);
		ldap_msgfree(msg);
	}
}

static void
ldapc_io(struct loop *loop, int fd, unsigned events, void *arg)
{
	struct ldapc	*lc = arg;

	lc->busy++;
	if (lc->writing && lc->fd != -1) {
		/* ldap_result() below flushes what waited. */
		lc->writing = false;
		(void)loop_io_mod(lc->loop, lc->fd, LOOP_READ);
	}
	ldapc_drain(lc);
	lc->busy--;
	if (lc->dead && lc->busy == 0)
		ldapc_destroy(lc);
}

static void
ldapc_search_fire(struct loop *loop, void *arg)
{
	struct ldapc_search	*s = arg;
	struct ldapc		*lc = s->lc;
	char			*why;

	lc->busy++;
	if (s->error != NULL) {
		ldapc_finish(s, s->rc, s->error);
	} else {
		ldap_abandon_ext(lc->ld, s->msgid, NULL, NULL);
		xasprintf(&why, "%s: search under '%s': timed out after %lld "
		    "ms", lc->url, s->base, (long long)lc->timeout_ms);
		ldapc_finish(s, LDAP_TIMEOUT, why);
		free(why);
	}
	lc->busy--;
	if (lc->dead && lc->busy == 0)
		ldapc_destroy(lc);
}

static void
ldapc_connect_fire(struct loop *loop, void *arg)
{
	struct ldapc		*lc = arg;
	struct lb_ldap_result	 res;

	memset(&res, 0, sizeof(res));
	res.rc = lc->connect_rc;
	res.error = lc->connect_why;
	lc->busy++;
	lc->connect_fn(lc->connect_arg, &res);
	lc->busy--;
	if (lc->dead && lc->busy == 0)
		ldapc_destroy(lc);
}

static bool
ldapc_url_ok(const char *url)
{
	return strncasecmp(url, "ldap://", 7) == 0 ||
	    strncasecmp(url, "ldaps://", 8) == 0;
}

/* Sets the options; returns an LDAP result code and why. */
static int
ldapc_options(struct ldapc *lc, const struct lb_ldap_conn *conn,
    char **why)
{
	struct timeval	 tv;
	int		 v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND;
	int		 tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, server = 0;
	int		 rc;

	tv.tv_sec = lc->timeout_ms / 1000;
	tv.tv_usec = (lc->timeout_ms % 1000) * 1000;
	if ((rc = ldap_set_option(lc->ld, LDAP_OPT_PROTOCOL_VERSION, &v3)) ||
	    (rc = ldap_set_option(lc->ld, LDAP_OPT_REFERRALS,
	    LDAP_OPT_OFF)) ||
	    (rc = ldap_set_option(lc->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv)) ||
	    (rc = ldap_set_option(lc->ld, LDAP_OPT_TIMEOUT, &tv)) ||
	    (rc = ldap_set_option(lc->ld, LDAP_OPT_X_TLS_REQUIRE_CERT,
	    &demand)) ||
	    (rc = ldap_set_option(lc->ld, LDAP_OPT_X_TLS_PROTOCOL_MIN,
	    &tls12))) {
		*why = ldapc_why(NULL, rc, "setting LDAP options");
		return rc;
	}
	if (conn->ca_file != NULL && (rc = ldap_set_option(lc->ld,
	    LDAP_OPT_X_TLS_CACERTFILE, conn->ca_file)) != LDAP_OPT_SUCCESS) {
		*why = ldapc_why(NULL, rc, "setting the CA file");
		return rc;
	}
	/* The TLS options above apply to a new context only. */
	if ((rc = ldap_set_option(lc->ld, LDAP_OPT_X_TLS_NEWCTX, &server)) !=
	    LDAP_OPT_SUCCESS) {
		xasprintf(why, "%s: TLS set-up failed (CA file '%s')", lc->url,
		    conn->ca_file != NULL ? conn->ca_file : "the system's");
		return rc;
	}
	return LDAP_SUCCESS;
}

/*
 * libldap built on GnuTLS says only "(unknown error code)" when the
 * server's certificate is refused.  After a TLS connection failed,
 * this tries the handshake once more on a throwaway handle that does
 * not check the certificate, sending nothing but what StartTLS needs:
 * when that works, the certificate was the trouble.
 */
static bool
ldapc_cert_refused(const struct ldapc *lc, const struct lb_ldap_conn *conn)
{
	LDAP		*ld = NULL;
	struct timeval	 tv;
	int		 v3 = LDAP_VERSION3, never = LDAP_OPT_X_TLS_NEVER;
	int		 server = 0;
	bool		 ok = false;

	tv.tv_sec = lc->timeout_ms / 1000;
	tv.tv_usec = (lc->timeout_ms % 1000) * 1000;
	if (ldap_initialize(&ld, conn->url) != LDAP_SUCCESS)
		return false;
	if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3) ==
	    LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) ==
	    LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv) == LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never) ==
	    LDAP_OPT_SUCCESS &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &server) ==
	    LDAP_OPT_SUCCESS && ldap_connect(ld) == LDAP_SUCCESS)
		ok = !conn->starttls ||
		    ldap_start_tls_s(ld, NULL, NULL) == LDAP_SUCCESS;
	ldap_unbind_ext_s(ld, NULL, NULL);
	return ok;
}

/* why for a failed TLS connection: the certificate, or rc. */
static char *
ldapc_tls_why(struct ldapc *lc, const struct lb_ldap_conn *conn, int rc,
    const char *what)
{
	char	*why;

	if ((rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR) &&
	    ldapc_cert_refused(lc, conn)) {
		if (conn->ca_file != NULL)
			xasprintf(&why, "%s: certificate verify failed "
			    "(CA file '%s')", lc->url, conn->ca_file);
		else
			xasprintf(&why, "%s: certificate verify failed "
			    "(the system's CAs)", lc->url);
		return why;
	}
	return ldapc_why(lc->ld, rc, what);
}

/* Connects, StartTLS, binds, synchronously; an LDAP result and why. */
static int
ldapc_open(struct ldapc *lc, const struct lb_ldap_conn *conn,
    char *password, char **why)
{
	struct berval	 cred;
	char		*what;
	int		 rc, fd = -1, fl;

	if (!ldapc_url_ok(conn->url)) {
		xasprintf(why, "%s: not an ldap:// or ldaps:// URL", conn->url);
		return LDAP_PARAM_ERROR;
	}
	if (conn->starttls && strncasecmp(conn->url, "ldaps://", 8) == 0) {
		xasprintf(why, "%s: StartTLS is for ldap:// URLs", conn->url);
		return LDAP_PARAM_ERROR;
	}
	if ((rc = ldap_initialize(&lc->ld, conn->url)) != LDAP_SUCCESS) {
		xasprintf(&what, "%s: bad URL", conn->url);
		*why = ldapc_why(NULL, rc, what);
		free(what);
		return rc;
	}
	if ((rc = ldapc_options(lc, conn, why)) != LDAP_SUCCESS)
		return rc;
	if ((rc = ldap_connect(lc->ld)) != LDAP_SUCCESS) {
		xasprintf(&what, "%s: connect", conn->url);
		*why = strncasecmp(conn->url, "ldaps://", 8) == 0 ?
		    ldapc_tls_why(lc, conn, rc, what) :
		    ldapc_why(lc->ld, rc, what);
		free(what);
		return rc;
	}
	if (conn->starttls &&
	    (rc = ldap_start_tls_s(lc->ld, NULL, NULL)) != LDAP_SUCCESS) {
		xasprintf(&what, "%s: StartTLS", conn->url);
		*why = ldapc_tls_why(lc, conn, rc, what);
		free(what);
		return rc;
	}
	cred.bv_val = password;
	cred.bv_len = password != NULL ? strlen(password) : 0;
	rc = ldap_sasl_bind_s(lc->ld, conn->bind_dn != NULL ? conn->bind_dn :
	    "", LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		if (conn->bind_dn != NULL)
			xasprintf(&what, "%s: bind as '%s'", conn->url,
			    conn->bind_dn);
		else
			xasprintf(&what, "%s: anonymous bind", conn->url);
		*why = ldapc_why(lc->ld, rc, what);
		free(what);
		return rc;
	}
	if (ldap_get_option(lc->ld, LDAP_OPT_DESC, &fd) != LDAP_OPT_SUCCESS ||
	    fd < 0 || (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    loop_io_add(lc->loop, fd, LOOP_READ, ldapc_io, lc) != 0) {
		xasprintf(why, "%s: cannot watch the connection", conn->url);
		return LDAP_LOCAL_ERROR;
	}
	lc->fd = fd;
	return LDAP_SUCCESS;
}

int
ldapc_connect(struct ldapc *lc, const struct lb_ldap_conn *conn,
    lb_ldap_fn *fn, void *arg)
{
	char	*password = NULL, *why = NULL;
	int	 rc;

	if (lc == NULL || lc->state != LDAPC_IDLE || conn == NULL ||
	    conn->url == NULL || fn == NULL)
		return -1;
	lc->url = xstrdup(conn->url);
	lc->timeout_ms = conn->timeout_ms > 0 ? conn->timeout_ms :
	    LDAPC_TIMEOUT_MS;
	if (conn->password != NULL)
		password = xstrdup(conn->password);
	rc = ldapc_open(lc, conn, password, &why);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (rc != LDAP_SUCCESS) {
		/* A failed connection is closed now, not at ldapc_free(). */
		ldapc_close(lc);
		lc->state = LDAPC_DOWN;
		lc->down_why = xstrdup(why);
	} else
		lc->state = LDAPC_UP;
	lc->connect_fn = fn;
	lc->connect_arg = arg;
	lc->connect_rc = rc;
	lc->connect_why = why;
	loop_timer_start(lc->loop, &lc->connect_timer, 0);
	return 0;
}

/* Ends s with rc and why on a later turn. */
static void
ldapc_fail_later(struct ldapc_search *s, int rc, char *why)
{
	s->rc = rc != LDAP_SUCCESS ? rc : LDAP_OTHER;
	s->error = why;
	loop_timer_start(s->lc->loop, &s->timer, 0);
}

int
ldapc_search(struct ldapc *lc, const char *base, enum lb_ldap_scope scope,
    const char *filter, const char *const *attrs, lb_ldap_fn *fn,
    void *arg)
{
	struct ldapc_search	*s;
	struct timeval		 tv;
	char			*what, *why;
	int			 rc, sc;

	if (lc == NULL || lc->dead || base == NULL || filter == NULL ||
	    fn == NULL || (lc->state != LDAPC_UP && lc->state != LDAPC_DOWN))
		return -1;
	switch (scope) {
	case LB_LDAP_BASE:
		sc = LDAP_SCOPE_BASE;
		break;
	case LB_LDAP_ONE:
		sc = LDAP_SCOPE_ONELEVEL;
		break;
	case LB_LDAP_SUB:
		sc = LDAP_SCOPE_SUBTREE;
		break;
	default:
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	s->lc = lc;
	s->msgid = -1;
	s->fn = fn;
	s->arg = arg;
	s->base = xstrdup(base);
	loop_timer_init(&s->timer, ldapc_search_fire, s);
	s->next = lc->searches;
	if (s->next != NULL)
		s->next->prev = s;
	lc->searches = s;

	if (lc->state != LDAPC_UP) {
		ldapc_fail_later(s, LDAP_SERVER_DOWN, xstrdup(lc->down_why));
		return 0;
	}
	/* The server's time limit; the deadline below is ours. */
	tv.tv_sec = (lc->timeout_ms + 999) / 1000;
	tv.tv_usec = 0;
	rc = ldap_search_ext(lc->ld, base, sc, filter, (char **)attrs, 0,
	    NULL, NULL, &tv, LDAPC_ENTRIES_MAX, &s->msgid);
	if (rc != LDAP_SUCCESS) {
		s->msgid = -1;
		xasprintf(&what, "%s: search under '%s'", lc->url, base);
		why = ldapc_why(NULL, rc, what);
		free(what);
		ldapc_fail_later(s, rc, why);
		return 0;
	}
	/* Sent in part only: wait until the socket takes the rest. */
	if (ldap_get_option(lc->ld, LDAP_OPT_RESULT_CODE, &rc) ==
	    LDAP_OPT_SUCCESS && rc == LDAP_BUSY && !lc->writing) {
		lc->writing = true;
		(void)loop_io_mod(lc->loop, lc->fd, LOOP_READ | LOOP_WRITE);
	}
	loop_timer_start(lc->loop, &s->timer, lc->timeout_ms);
	return 0;
}
