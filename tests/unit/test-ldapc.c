/*
 * The LDAP client (src/ldapc.c) against a real slapd: tests/slapd.sh
 * starts one for this program (a CA of its own, ldap:// and ldaps:// on
 * 127.0.0.1, the AD-like directory of tests/data/ldap) and stops it by
 * its PID at the end.  Without slapd every test is skipped.
 *
 * What is checked: ldaps and StartTLS with the right CA; the
 * certificate refused with another CA, on both; a wrong password; an
 * account the ACL keeps from the recovery passwords; errors that name
 * the server and what failed; many searches outstanding on the one
 * connection, each answered once with its own entries; callbacks never
 * inside the call that asked; ldapc_free() with searches outstanding
 * and from inside a callback; a server that goes away.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldap.h>

#include "buf.h"
#include "ldapc.h"
#include "loop.h"
#include "xmalloc.h"

#define MANY	200

static struct {
	bool	 up;
	char	 dir[64];
	char	*url;		/* ldap:// */
	char	*tls_url;	/* ldaps:// */
	char	*base;
	char	*reader;
	char	*helpdesk;
	char	*reader_pw;
	char	*helpdesk_pw;
	char	*ca;
	char	*other_ca;
	long	 pid;
} sd;

static struct loop	*loop;

/* One answer, copied out of the callback. */
struct answer {
	int		 calls;
	int		 rc;
	char		*error;
	size_t		 n;
	char		*dns[16];
	struct buf	 dump;		/* "dn|attr=value|..." per entry */
	bool		*inside;	/* set while the asking call runs */
	bool		 was_inside;
};

static char *
env_value(const char *env, const char *key)
{
	const char	*p = env;
	size_t		 len = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, len) == 0 && p[len] == '=') {
			const char	*e = strchr(p, '\n');

			p += len + 1;
			return xstrndup(p, e != NULL ? (size_t)(e - p) :
			    strlen(p));
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

static char *
slurp(const char *dir, const char *name)
{
	struct buf	 b;
	char		*path, *r;

	xasprintf(&path, "%s/%s", dir, name);
	buf_init(&b, 1 << 20, 0);
	if (buf_read_file(&b, path, 1 << 20) != 0) {
		buf_release(&b);
		free(path);
		return NULL;
	}
	free(path);
	r = xstrdup(buf_str(&b));
	buf_release(&b);
	return r;
}

static int
group_setup(void **state)
{
	char	*cmd, *env;
	int	 st;

	(void)state;
	/* As lifeboat does: a peer gone is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	loop = loop_new();
	snprintf(sd.dir, sizeof sd.dir, "/tmp/lb-slapd.XXXXXX");
	if (mkdtemp(sd.dir) == NULL)
		return -1;
	xasprintf(&cmd, "bash tests/slapd.sh start '%s' >'%s/start.log' 2>&1",
	    sd.dir, sd.dir);
	st = system(cmd);
	free(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st) == 77)
		return 0;	/* no slapd: every test skips */
	if (WEXITSTATUS(st) != 0) {
		fprintf(stderr, "# slapd did not start (see %s)\n", sd.dir);
		return -1;
	}
	env = slurp(sd.dir, "env");
	if (env == NULL)
		return -1;
	sd.url = env_value(env, "SLAPD_URL");
	sd.tls_url = env_value(env, "SLAPD_TLS_URL");
	sd.base = env_value(env, "SLAPD_BASE");
	sd.reader = env_value(env, "SLAPD_READER_DN");
	sd.helpdesk = env_value(env, "SLAPD_HELPDESK_DN");
	cmd = env_value(env, "SLAPD_PID");
	sd.pid = cmd != NULL ? atol(cmd) : 0;
	free(cmd);
	free(env);
	sd.reader_pw = slurp(sd.dir, "reader.pw");
	sd.helpdesk_pw = slurp(sd.dir, "helpdesk.pw");
	xasprintf(&sd.ca, "%s/ca.pem", sd.dir);
	xasprintf(&sd.other_ca, "%s/other-ca.pem", sd.dir);
	sd.up = sd.url != NULL && sd.tls_url != NULL && sd.reader_pw != NULL;
	return sd.up ? 0 : -1;
}

static int
group_teardown(void **state)
{
	char	*cmd;
	int	 r = 0;

	(void)state;
	xasprintf(&cmd, "bash tests/slapd.sh stop '%s'; rm -rf '%s'", sd.dir,
	    sd.dir);
	if (system(cmd) != 0)
		r = -1;
	free(cmd);
	free(sd.url);
	free(sd.tls_url);
	free(sd.base);
	free(sd.reader);
	free(sd.helpdesk);
	free(sd.reader_pw);
	free(sd.helpdesk_pw);
	free(sd.ca);
	free(sd.other_ca);
	loop_free(loop);
	return r;
}

static void
need_slapd(void)
{
	if (!sd.up)
		skip();
}

static void
answer_release(struct answer *a)
{
	size_t	 i;

	free(a->error);
	for (i = 0; i < 16; i++)
		free(a->dns[i]);
	buf_release(&a->dump);
	memset(a, 0, sizeof(*a));
}

static void
got(void *arg, const struct lb_ldap_result *res)
{
	struct answer	*a = arg;
	size_t		 i, j, k;

	a->calls++;
	if (a->inside != NULL && *a->inside)
		a->was_inside = true;
	a->rc = res->rc;
	free(a->error);
	a->error = res->error != NULL ? xstrdup(res->error) : NULL;
	a->n = res->n;
	if (a->dump.max == 0)
		buf_init(&a->dump, 1 << 20, 0);
	for (i = 0; i < res->n; i++) {
		const struct lb_ldap_entry *e = &res->entries[i];

		if (i < 16)
			a->dns[i] = xstrdup(e->dn);
		buf_adds(&a->dump, e->dn);
		for (j = 0; j < e->n; j++) {
			for (k = 0; k < e->attrs[j].n; k++) {
				const struct lb_ldap_value *v =
				    &e->attrs[j].v[k];

				buf_addf(&a->dump, "|%s=", e->attrs[j].name);
				if (strcmp(e->attrs[j].name,
				    "msFVE-RecoveryGuid") == 0)
					buf_addf(&a->dump, "%zu bytes",
					    v->len);
				else
					buf_add(&a->dump, v->data, v->len);
			}
		}
		buf_addc(&a->dump, '\n');
	}
}

/* Turns the loop until a has its answer (bounded). */
static void
wait_answer(struct answer *a, int64_t max_ms)
{
	int64_t	 end = loop_update_time(loop) + max_ms;

	while (a->calls == 0 && loop_update_time(loop) < end)
		(void)loop_run_once(loop, 50);
	assert_int_equal(a->calls, 1);
}

/* A few more turns: nothing may be called twice. */
static void
settle(void)
{
	int	 i;

	for (i = 0; i < 5; i++)
		(void)loop_run_once(loop, 10);
}

static struct ldapc *
connect_as(const char *url, int starttls, const char *dn, const char *pw,
    const char *ca, struct answer *a)
{
	struct lb_ldap_conn	 conn;
	struct ldapc		*lc = ldapc_new(loop);
	bool			 inside = true;

	memset(&conn, 0, sizeof(conn));
	conn.url = url;
	conn.starttls = starttls;
	conn.bind_dn = dn;
	conn.password = pw;
	conn.ca_file = ca;
	conn.timeout_ms = 5000;
	memset(a, 0, sizeof(*a));
	a->inside = &inside;
	assert_int_equal(ldapc_connect(lc, &conn, got, a), 0);
	inside = false;
	assert_int_equal(a->calls, 0);
	wait_answer(a, 10000);
	assert_false(a->was_inside);
	a->inside = NULL;
	return lc;
}

static struct ldapc *
connect_reader(const char *url, int starttls)
{
	struct answer	 a;
	struct ldapc	*lc;

	lc = connect_as(url, starttls, sd.reader, sd.reader_pw, sd.ca, &a);
	if (a.rc != 0)
		fail_msg("connect: %s", a.error);
	assert_null(a.error);
	answer_release(&a);
	return lc;
}

static void
search(struct ldapc *lc, const char *base, enum lb_ldap_scope scope,
    const char *filter, const char *const *attrs, struct answer *a)
{
	bool	 inside = true;

	memset(a, 0, sizeof(*a));
	a->inside = &inside;
	assert_int_equal(ldapc_search(lc, base, scope, filter, attrs, got, a),
	    0);
	inside = false;
	assert_int_equal(a->calls, 0);
	wait_answer(a, 10000);
	assert_false(a->was_inside);
	a->inside = NULL;
}

static const char *const recovery_attrs[] = {
	"cn", "msFVE-RecoveryGuid", "msFVE-RecoveryPassword",
	"msFVE-VolumeGuid", NULL
};

static void
test_ldaps(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;

	need_slapd();
	lc = connect_reader(sd.tls_url, 0);
	search(lc, sd.base, LB_LDAP_SUB,
	    "(&(objectClass=computer)(sAMAccountName=WS-0001$))", NULL, &a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.dns[0],
	    "cn=WS-0001,ou=Workstations,dc=corp,dc=example");
	assert_non_null(strstr(buf_str(&a.dump),
	    "|dNSHostName=ws-0001.corp.example"));
	answer_release(&a);
	settle();
	ldapc_free(lc);
}

static void
test_starttls(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;
	const char	*d;

	need_slapd();
	lc = connect_reader(sd.url, 1);
	search(lc, "cn=SRV-FILE01,ou=Servers,dc=corp,dc=example", LB_LDAP_ONE,
	    "(objectClass=msFVE-RecoveryInformation)", recovery_attrs, &a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.n, 2);
	d = buf_str(&a.dump);
	assert_non_null(strstr(d, "|cn=2021-11-08T23:15:00-08:00"
	    "{C19636A8-69A2-41FB-B3E2-C29C6EF5889A}|"));
	assert_non_null(strstr(d, "|cn=2024-01-09T08:00:41+00:00"
	    "{1D092738-03EB-46DF-BF77-8EA8F17F9ABA}|"));
	assert_non_null(strstr(d, "|msFVE-RecoveryGuid=16 bytes"));
	assert_non_null(strstr(d, "|msFVE-RecoveryPassword=061534-557469-"
	    "336237-304480-596310-580932-508486-314952"));
	answer_release(&a);
	ldapc_free(lc);
}

/* A non-ASCII name, found by its upper-case sAMAccountName. */
static void
test_utf8(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;

	need_slapd();
	lc = connect_reader(sd.tls_url, 0);
	search(lc, sd.base, LB_LDAP_SUB, "(sAMAccountName=m\xc3\xbcller-pc$)",
	    NULL, &a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.dns[0],
	    "cn=M\xc3\xbcller-PC,ou=Workstations,dc=corp,dc=example");
	answer_release(&a);
	search(lc, sd.base, LB_LDAP_SUB,
	    "(cn=\xe5\xb7\xa5\xe4\xbd\x9c\xe7\xab\x99-07)", NULL, &a);
	assert_int_equal(a.n, 1);
	answer_release(&a);
	ldapc_free(lc);
}

static void
assert_cert_refused(const char *url, int starttls)
{
	struct ldapc	*lc;
	struct answer	 a;

	lc = connect_as(url, starttls, sd.reader, sd.reader_pw, sd.other_ca,
	    &a);
	assert_int_not_equal(a.rc, 0);
	assert_non_null(a.error);
	if (strncmp(a.error, url, strlen(url)) != 0 ||
	    strcasestr(a.error, "certificate") == NULL)
		fail_msg("unexpected error: %s", a.error);
	assert_null(strstr(a.error, sd.reader_pw));
	/* A connection that failed takes no search. */
	assert_int_equal(ldapc_search(lc, sd.base, LB_LDAP_SUB,
	    "(cn=x)", NULL, got, &a), 0);
	a.calls = 0;
	wait_answer(&a, 5000);
	assert_int_not_equal(a.rc, 0);
	answer_release(&a);
	ldapc_free(lc);
}

static void
test_wrong_ca(void **state)
{
	need_slapd();
	assert_cert_refused(sd.tls_url, 0);
	assert_cert_refused(sd.url, 1);
}

static void
test_wrong_password(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;
	char		*want;

	need_slapd();
	lc = connect_as(sd.tls_url, 0, sd.reader, "not-the-password", sd.ca,
	    &a);
	assert_int_equal(a.rc, 49);
	xasprintf(&want, "%s: bind as '%s': invalid credentials", sd.tls_url,
	    sd.reader);
	assert_string_equal(a.error, want);
	free(want);
	answer_release(&a);
	ldapc_free(lc);
}

static void
test_refused(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;

	need_slapd();
	/* Port 1 on loopback: nothing listens there. */
	lc = connect_as("ldaps://127.0.0.1:1", 0, sd.reader, sd.reader_pw,
	    sd.ca, &a);
	assert_int_equal(a.rc, LDAP_SERVER_DOWN);
	assert_non_null(strstr(a.error, "ldaps://127.0.0.1:1: connect: "));
	answer_release(&a);
	ldapc_free(lc);
	/* Not an LDAP URL. */
	lc = connect_as("https://127.0.0.1", 0, NULL, NULL, NULL, &a);
	assert_int_not_equal(a.rc, 0);
	assert_string_equal(a.error,
	    "https://127.0.0.1: not an ldap:// or ldaps:// URL");
	answer_release(&a);
	ldapc_free(lc);
}

/* helpdesk sees the recovery objects, not their passwords. */
static void
test_confidential(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;

	need_slapd();
	lc = connect_as(sd.url, 1, sd.helpdesk, sd.helpdesk_pw, sd.ca, &a);
	assert_int_equal(a.rc, 0);
	answer_release(&a);
	search(lc, "cn=WS-0002,ou=Workstations,dc=corp,dc=example",
	    LB_LDAP_ONE, "(objectClass=msFVE-RecoveryInformation)",
	    recovery_attrs, &a);
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.n, 2);
	assert_non_null(strstr(buf_str(&a.dump), "|msFVE-RecoveryGuid="));
	assert_null(strstr(buf_str(&a.dump), "RecoveryPassword"));
	answer_release(&a);
	ldapc_free(lc);
}

static void
test_search_errors(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;
	char		*want;

	need_slapd();
	lc = connect_reader(sd.tls_url, 0);
	search(lc, "OU=Nowhere,DC=corp,DC=example", LB_LDAP_SUB,
	    "(objectClass=*)", NULL, &a);
	assert_int_equal(a.rc, 32);
	xasprintf(&want, "%s: search under 'OU=Nowhere,DC=corp,DC=example': "
	    "no such object", sd.tls_url);
	assert_string_equal(a.error, want);
	free(want);
	answer_release(&a);
	/* A filter libldap cannot encode. */
	search(lc, sd.base, LB_LDAP_SUB, "(cn=unbalanced", NULL, &a);
	assert_int_not_equal(a.rc, 0);
	assert_non_null(strstr(a.error, "search under 'DC=corp,DC=example'"));
	answer_release(&a);
	/* Not connected yet, or a bad call: -1, and no callback. */
	assert_int_equal(ldapc_search(lc, sd.base, 7, "(cn=x)", NULL, got,
	    &a), -1);
	ldapc_free(lc);
	lc = ldapc_new(loop);
	assert_int_equal(ldapc_search(lc, sd.base, LB_LDAP_SUB, "(cn=x)",
	    NULL, got, &a), -1);
	settle();
	assert_int_equal(a.calls, 0);
	ldapc_free(lc);
	ldapc_free(NULL);
}

static const char *const names[] = {
	"WS-0001", "WS-0002", "SRV-FILE01", "WS-0004", "NOBODY", "DUP-PC",
};

static void
test_many(void **state)
{
	struct ldapc	*lc;
	struct answer	*a;
	char		 filter[128];
	int		 i, done;
	int64_t		 end;

	need_slapd();
	lc = connect_reader(sd.url, 1);
	a = xcalloc(MANY, sizeof(*a));
	for (i = 0; i < MANY; i++) {
		snprintf(filter, sizeof filter, "(cn=%s)", names[i % 6]);
		assert_int_equal(ldapc_search(lc, sd.base, LB_LDAP_SUB,
		    filter, NULL, got, &a[i]), 0);
	}
	end = loop_update_time(loop) + 20000;
	do {
		(void)loop_run_once(loop, 50);
		for (done = 0, i = 0; i < MANY; i++)
			done += a[i].calls > 0;
	} while (done < MANY && loop_update_time(loop) < end);
	settle();
	for (i = 0; i < MANY; i++) {
		const char	*nm = names[i % 6];
		size_t		 want = strcmp(nm, "NOBODY") == 0 ? 0 :
		    strcmp(nm, "DUP-PC") == 0 ? 2 : 1;

		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].rc, 0);
		assert_int_equal(a[i].n, want);
		if (want == 1) {
			char	 rdn[64];

			snprintf(rdn, sizeof rdn, "cn=%s,", nm);
			assert_int_equal(strncmp(a[i].dns[0], rdn,
			    strlen(rdn)), 0);
		}
		answer_release(&a[i]);
	}
	free(a);
	ldapc_free(lc);
}

/* Freed with searches outstanding: nobody is called back. */
static void
test_free_pending(void **state)
{
	struct ldapc	*lc;
	struct answer	 a[4];
	int		 i;

	need_slapd();
	lc = connect_reader(sd.tls_url, 0);
	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++)
		assert_int_equal(ldapc_search(lc, sd.base, LB_LDAP_SUB,
		    "(objectClass=*)", NULL, got, &a[i]), 0);
	ldapc_free(lc);
	settle();
	for (i = 0; i < 4; i++)
		assert_int_equal(a[i].calls, 0);
}

struct freeing {
	struct ldapc	*lc;
	int		 calls;
};

static void
got_and_free(void *arg, const struct lb_ldap_result *res)
{
	struct freeing	*f = arg;

	f->calls++;
	ldapc_free(f->lc);
}

/* The first answer frees the client; the rest are never told. */
static void
test_free_inside(void **state)
{
	struct freeing	 f;
	int		 i;
	int64_t		 end;

	need_slapd();
	memset(&f, 0, sizeof(f));
	f.lc = connect_reader(sd.tls_url, 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(ldapc_search(f.lc, sd.base, LB_LDAP_SUB,
		    "(cn=WS-0001)", NULL, got_and_free, &f), 0);
	end = loop_update_time(loop) + 10000;
	while (f.calls == 0 && loop_update_time(loop) < end)
		(void)loop_run_once(loop, 50);
	settle();
	assert_int_equal(f.calls, 1);
	assert_int_equal(loop_io_count(loop), 0);
}

/* Last: the server goes away under a connection. */
static void
test_lost(void **state)
{
	struct ldapc	*lc;
	struct answer	 a;

	need_slapd();
	lc = connect_reader(sd.tls_url, 0);
	assert_int_equal(kill((pid_t)sd.pid, SIGKILL), 0);
	sd.up = false;
	memset(&a, 0, sizeof(a));
	assert_int_equal(ldapc_search(lc, sd.base, LB_LDAP_SUB, "(cn=*)",
	    NULL, got, &a), 0);
	wait_answer(&a, 10000);
	assert_int_not_equal(a.rc, 0);
	assert_non_null(a.error);
	assert_int_equal(strncmp(a.error, sd.tls_url, strlen(sd.tls_url)), 0);
	answer_release(&a);
	ldapc_free(lc);
	assert_int_equal(loop_io_count(loop), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ldaps),
		cmocka_unit_test(test_starttls),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_wrong_ca),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_confidential),
		cmocka_unit_test(test_search_errors),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_free_pending),
		cmocka_unit_test(test_free_inside),
		cmocka_unit_test(test_lost),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
