/*
 * Unit tests for the `ad` key source (plugins/ad.c), loaded with
 * dlopen() as lifeboat loads it and driven through a fake struct
 * lb_ks_svc: settings are a table, the LDAP services record what was
 * asked and the test answers with entries it builds, as slapd or AD
 * would send them.
 *
 * What is checked: the settings open() accepts and refuses, and what
 * it hands to ldap_connect (the password only there); the filter for a
 * host's name (RFC 4515 escaping, UTF-8, the lookup name); not found,
 * ambiguous, access denied and other LDAP errors; each recovery object
 * as a key (the GUID's Windows byte order, the name's time in UTC
 * across days, years and leap days, the volume GUID); an object whose
 * name and msFVE-RecoveryGuid disagree skipped with a note; objects
 * without a readable password as access denied; none as no key; and
 * never a recovery or bind password in a note, debug line or reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lifeboat/keysource.h>

#include "buf.h"
#include "xmalloc.h"

#define BIND_PW		"s3cret-bind-pw"
#define PW1 "669416-414876-570438-230230-714186-318846-595144-166122"
#define PW2 "515306-675785-668602-535854-658416-356664-226930-548812"

static void				*handle;
static const struct lb_keysource	*ks;

/* The fake lifeboat. */
struct fake {
	const char		*config[16];	/* key, value, ... */
	bool			 has_secret;

	int			 connects;
	struct lb_ldap_conn	 conn;
	char			*conn_password;
	lb_ldap_fn		*connect_fn;
	void			*connect_arg;

	int			 searches;
	char			*base;
	enum lb_ldap_scope	 scope;
	char			*filter;
	struct buf		 attrs;
	lb_ldap_fn		*search_fn;
	void			*search_arg;
	int			 search_rc;

	int			 readies;
	int			 ready_rc;
	char			*ready_why;

	int			 key_rc;
	int			 nkeys;
	struct buf		 keys;		/* "vol|id|created|pw\n" */
	struct buf		 notes;
	struct buf		 debug;

	int			 dones;
	void			*done_job;
	enum lb_ks_status	 status;
	char			*why;
};

static struct fake	 fk;
static struct lb_ks_svc	 svc;
static void		*st;
static int		 job_token;

static const char *
f_config(void *ctx, const char *key)
{
	size_t	 i;

	for (i = 0; fk.config[i] != NULL; i += 2) {
		if (strcmp(fk.config[i], key) == 0)
			return fk.config[i + 1];
	}
	return NULL;
}

static int
f_secret(void *ctx, const char *name, const char *prompt, char *buf,
    size_t len)
{
	assert_string_equal(name, "password");
	if (!fk.has_secret)
		return -1;
	snprintf(buf, len, "%s", BIND_PW);
	return 0;
}

static void
f_note(void *ctx, const char *line)
{
	buf_addf(&fk.notes, "%s\n", line);
}

static void
f_debug(void *ctx, const char *line)
{
	buf_addf(&fk.debug, "%s\n", line);
}

static int
f_http(void *ctx, const struct lb_http_req *req, lb_http_fn *fn, void *arg)
{
	fail_msg("the ad source asked for HTTP");
	return -1;
}

static int
f_ldap_connect(void *ctx, const struct lb_ldap_conn *conn, lb_ldap_fn *fn,
    void *arg)
{
	fk.connects++;
	fk.conn = *conn;
	/* Copied: the caller's buffers are gone after the call. */
	fk.conn.url = conn->url != NULL ? xstrdup(conn->url) : NULL;
	fk.conn.bind_dn = conn->bind_dn != NULL ? xstrdup(conn->bind_dn) :
	    NULL;
	fk.conn.ca_file = conn->ca_file != NULL ? xstrdup(conn->ca_file) :
	    NULL;
	fk.conn.password = NULL;
	fk.conn_password = conn->password != NULL ?
	    xstrdup(conn->password) : NULL;
	fk.connect_fn = fn;
	fk.connect_arg = arg;
	return 0;
}

static int
f_ldap_search(void *ctx, const char *base, enum lb_ldap_scope scope,
    const char *filter, const char *const *attrs, lb_ldap_fn *fn, void *arg)
{
	size_t	 i;

	if (fk.search_rc != 0)
		return fk.search_rc;
	fk.searches++;
	free(fk.base);
	free(fk.filter);
	fk.base = xstrdup(base);
	fk.filter = xstrdup(filter);
	fk.scope = scope;
	buf_reset(&fk.attrs);
	for (i = 0; attrs != NULL && attrs[i] != NULL; i++)
		buf_addf(&fk.attrs, "%s%s", i > 0 ? "," : "", attrs[i]);
	fk.search_fn = fn;
	fk.search_arg = arg;
	return 0;
}

static int
f_after(void *ctx, int64_t ms, lb_ks_timer_fn *fn, void *arg)
{
	fail_msg("the ad source asked for a timer");
	return -1;
}

static int
f_key(void *ctx, void *job, const struct lb_ks_key *k)
{
	assert_ptr_equal(job, &job_token);
	fk.nkeys++;
	buf_addf(&fk.keys, "%s|%s|%s|%s\n", k->volume, k->protector_id,
	    k->created, k->password);
	return fk.key_rc;
}

static void
f_done(void *ctx, void *job, enum lb_ks_status status, const char *why)
{
	fk.dones++;
	fk.done_job = job;
	fk.status = status;
	free(fk.why);
	fk.why = why != NULL ? xstrdup(why) : NULL;
}

static void
f_ready(void *ctx, int rc, const char *why)
{
	fk.readies++;
	fk.ready_rc = rc;
	free(fk.ready_why);
	fk.ready_why = why != NULL ? xstrdup(why) : NULL;
}

static int
group_setup(void **state)
{
	const char		*dir = getenv("LIFEBOAT_PLUGIN_PATH");
	char			*path;
	lb_keysource_fn		*fn;

	xasprintf(&path, "%s/ad.so", dir != NULL ? dir : "build/plugins");
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		fprintf(stderr, "# %s\n", dlerror());
		free(path);
		return -1;
	}
	free(path);
	fn = (lb_keysource_fn *)dlsym(handle, LB_KEYSOURCE_SYMBOL);
	if (fn == NULL)
		return -1;
	ks = fn();
	svc.ctx = &fk;
	svc.config = f_config;
	svc.secret = f_secret;
	svc.note = f_note;
	svc.debug = f_debug;
	svc.http = f_http;
	svc.ldap_connect = f_ldap_connect;
	svc.ldap_search = f_ldap_search;
	svc.after = f_after;
	svc.key = f_key;
	svc.done = f_done;
	svc.ready = f_ready;
	return 0;
}

static int
group_teardown(void **state)
{
	dlclose(handle);
	return 0;
}

static void
fake_release(void)
{
	free((void *)fk.conn.url);
	free((void *)fk.conn.bind_dn);
	free((void *)fk.conn.ca_file);
	free(fk.conn_password);
	free(fk.base);
	free(fk.filter);
	free(fk.ready_why);
	free(fk.why);
	buf_release(&fk.attrs);
	buf_release(&fk.keys);
	buf_release(&fk.notes);
	buf_release(&fk.debug);
}

static int
setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	buf_init(&fk.attrs, 1 << 16, 0);
	buf_init(&fk.keys, 1 << 16, 0);
	buf_init(&fk.notes, 1 << 16, 0);
	buf_init(&fk.debug, 1 << 16, 0);
	st = NULL;
	return 0;
}

static int
teardown(void **state)
{
	/* No password in anything but keys and the connection. */
	assert_null(strstr(buf_str(&fk.notes), BIND_PW));
	assert_null(strstr(buf_str(&fk.debug), BIND_PW));
	assert_null(strstr(buf_str(&fk.notes), "414876"));
	assert_null(strstr(buf_str(&fk.debug), "414876"));
	if (fk.why != NULL)
		assert_null(strstr(fk.why, "414876"));
	/* As lifeboat does, every job ends before close(). */
	if (fk.search_fn != NULL) {
		struct lb_ldap_result	 res = { 1, "stopped", NULL, 0 };

		fk.search_fn(fk.search_arg, &res);
	}
	if (st != NULL)
		ks->close(st);
	st = NULL;
	fake_release();
	return 0;
}

static void
set_config(const char *const *kv)
{
	size_t	 i;

	memset(fk.config, 0, sizeof(fk.config));
	for (i = 0; kv[i] != NULL; i++)
		fk.config[i] = kv[i];
}

/* open() must refuse kv, with why containing text. */
static void
open_refused(const char *const *kv, const char *text)
{
	char	 why[512] = "";

	set_config(kv);
	assert_int_equal(ks->open(&svc, &st, why, sizeof why), -1);
	if (strstr(why, text) == NULL)
		fail_msg("wanted \"%s\", got \"%s\"", text, why);
	assert_int_equal(fk.connects, 0);
	assert_int_equal(fk.readies, 0);
	ks->close(st);
	st = NULL;
}

static void
test_descriptor(void **state)
{
	size_t	 i;
	static const char *const want[] = {
		"url", "base", "bind_dn", "starttls", "ca_file", "timeout",
	};

	assert_int_equal(ks->abi, LB_KEYSOURCE_ABI);
	assert_string_equal(ks->name, "ad");
	assert_int_equal(ks->concurrency, 8);
	for (i = 0; i < 6; i++)
		assert_string_equal(ks->keys[i], want[i]);
	assert_null(ks->keys[6]);
	assert_null(ks->build);
	assert_null(ks->parse);
	assert_non_null(ks->open);
	assert_non_null(ks->fetch);
	assert_non_null(ks->close);
	ks->close(NULL);
}

static void
test_open_refused(void **state)
{
	open_refused((const char *[]){ "base", "DC=x", NULL },
	    "url is not set");
	open_refused((const char *[]){ "url", "ldaps://dc", NULL },
	    "base is not set");
	open_refused((const char *[]){ "url", "https://dc", "base", "DC=x",
	    NULL }, "url 'https://dc' is not ldaps:// or ldap://");
	open_refused((const char *[]){ "url", "ldaps://dc", "base", "DC=x",
	    "starttls", "yes", NULL }, "starttls is for ldap:// urls");
	open_refused((const char *[]){ "url", "ldap://dc", "base", "DC=x",
	    "starttls", "no", NULL }, "in the clear");
	open_refused((const char *[]){ "url", "ldap://dc", "base", "DC=x",
	    "starttls", "maybe", NULL }, "starttls 'maybe' is not yes or no");
	open_refused((const char *[]){ "url", "ldaps://dc", "base", "DC=x",
	    "timeout", "soon", NULL }, "timeout 'soon' is not a duration");
	open_refused((const char *[]){ "url", "ldaps://dc", "base", "DC=x",
	    "timeout", "2h", NULL }, "timeout '2h'");
	/* A bind DN and no password: nothing is sent. */
	open_refused((const char *[]){ "url", "ldaps://dc", "base", "DC=x",
	    "bind_dn", "CN=r,DC=x", NULL },
	    "no password for bind_dn 'CN=r,DC=x'");
}

static void
open_ok(const char *const *kv)
{
	char	 why[512] = "";

	set_config(kv);
	assert_int_equal(ks->open(&svc, &st, why, sizeof why), 0);
	assert_int_equal(fk.connects, 1);
	assert_int_equal(fk.readies, 0);	/* not before the bind */
}

static void
connected(int rc, const char *error)
{
	struct lb_ldap_result	 res;

	memset(&res, 0, sizeof(res));
	res.rc = rc;
	res.error = error;
	fk.connect_fn(fk.connect_arg, &res);
	assert_int_equal(fk.readies, 1);
}

static void
test_open(void **state)
{
	fk.has_secret = true;
	open_ok((const char *[]){ "url", "ldaps://dc1:636", "base",
	    "DC=corp,DC=example", "bind_dn", "CN=r,DC=corp,DC=example",
	    "ca_file", "/etc/ca.pem", "timeout", "1500ms", NULL });
	assert_string_equal(fk.conn.url, "ldaps://dc1:636");
	assert_int_equal(fk.conn.starttls, 0);
	assert_string_equal(fk.conn.bind_dn, "CN=r,DC=corp,DC=example");
	assert_string_equal(fk.conn_password, BIND_PW);
	assert_string_equal(fk.conn.ca_file, "/etc/ca.pem");
	assert_int_equal(fk.conn.timeout_ms, 1500);
	connected(0, NULL);
	assert_int_equal(fk.ready_rc, 0);
}

static void
test_open_starttls_default(void **state)
{
	/* ldap:// means StartTLS; anonymous without bind_dn; 30 s. */
	open_ok((const char *[]){ "url", "ldap://dc1", "base", "DC=x",
	    NULL });
	assert_int_equal(fk.conn.starttls, 1);
	assert_null(fk.conn.bind_dn);
	assert_null(fk.conn_password);
	assert_null(fk.conn.ca_file);
	assert_int_equal(fk.conn.timeout_ms, 30000);
	teardown(NULL);
	setup(NULL);
	open_ok((const char *[]){ "url", "LDAP://dc1", "base", "DC=x",
	    "starttls", "yes", "timeout", "2m", NULL });
	assert_int_equal(fk.conn.starttls, 1);
	assert_int_equal(fk.conn.timeout_ms, 120000);
}

static void
test_open_bind_fails(void **state)
{
	open_ok((const char *[]){ "url", "ldaps://dc1", "base", "DC=x",
	    "timeout", "5", NULL });
	assert_int_equal(fk.conn.timeout_ms, 5000);
	connected(49, "ldaps://dc1: bind as 'CN=r': invalid credentials");
	assert_int_equal(fk.ready_rc, -1);
	assert_string_equal(fk.ready_why,
	    "ldaps://dc1: bind as 'CN=r': invalid credentials");
}

/* Opens against DC=corp,DC=example and starts a fetch of name. */
static void
start(const char *name, const char *lookup)
{
	struct lb_ks_target	 t = { name, "", "windows", "", lookup };

	open_ok((const char *[]){ "url", "ldaps://dc1", "base",
	    "DC=corp,DC=example", NULL });
	connected(0, NULL);
	ks->fetch(st, &t, &job_token);
}

/* Answers the last search with rc, error and n entries. */
static void
answer(int rc, const char *error, const struct lb_ldap_entry *e, size_t n)
{
	struct lb_ldap_result	 res;
	lb_ldap_fn		*fn = fk.search_fn;

	assert_non_null(fn);
	fk.search_fn = NULL;
	memset(&res, 0, sizeof(res));
	res.rc = rc;
	res.error = error;
	res.entries = e;
	res.n = n;
	fn(fk.search_arg, &res);
}

static const struct lb_ldap_entry computer[] = {
	{ "CN=WS-0001,OU=Workstations,DC=corp,DC=example", NULL, 0 },
	{ "CN=WS-0001,OU=Servers,DC=corp,DC=example", NULL, 0 },
};

static void
assert_done(enum lb_ks_status status, const char *why)
{
	assert_int_equal(fk.dones, 1);
	assert_ptr_equal(fk.done_job, &job_token);
	assert_int_equal(fk.status, status);
	if (why == NULL)
		assert_null(fk.why);
	else if (fk.why == NULL || strcmp(fk.why, why) != 0)
		fail_msg("wanted \"%s\", got \"%s\"", why,
		    fk.why != NULL ? fk.why : "(null)");
}

static void
test_filter(void **state)
{
	start("ws-0001", NULL);
	assert_int_equal(fk.searches, 1);
	assert_string_equal(fk.base, "DC=corp,DC=example");
	assert_int_equal(fk.scope, LB_LDAP_SUB);
	assert_string_equal(fk.filter, "(&(objectClass=computer)"
	    "(|(cn=ws-0001)(sAMAccountName=ws-0001$)"
	    "(dNSHostName=ws-0001)))");
	assert_int_equal(fk.dones, 0);
	assert_non_null(strstr(buf_str(&fk.debug), "ws-0001: search "));
}

static void
test_filter_escaped(void **state)
{
	/* The inventory name is not the directory's: lookup wins. */
	start("inv-name", "a*(b)\\c");
	assert_string_equal(fk.filter, "(&(objectClass=computer)"
	    "(|(cn=a\\2a\\28b\\29\\5cc)(sAMAccountName=a\\2a\\28b\\29\\5cc$)"
	    "(dNSHostName=a\\2a\\28b\\29\\5cc)))");
}

static void
test_filter_utf8(void **state)
{
	start("M\xc3\xbcller-PC", "");
	assert_string_equal(fk.filter, "(&(objectClass=computer)"
	    "(|(cn=M\xc3\xbcller-PC)(sAMAccountName=M\xc3\xbcller-PC$)"
	    "(dNSHostName=M\xc3\xbcller-PC)))");
}

static void
test_filter_account(void **state)
{
	/* An account name already ends in '$'. */
	start("WS-0001$", NULL);
	assert_non_null(strstr(fk.filter, "(sAMAccountName=WS-0001$)"));
}

static void
test_bad_names(void **state)
{
	static const char *const bad[] = {
		"caf\xe9", "a\nb", "\xc0\xaf", "\xed\xa0\x80", "",
	};
	struct lb_ks_target	 t = { "x", "", "", "", NULL };
	char			 stars[251], longer[300];
	size_t			 i;

	/* Every byte escaped thrice, or past the limit. */
	memset(stars, '*', sizeof(stars) - 1);
	stars[sizeof(stars) - 1] = '\0';
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	open_ok((const char *[]){ "url", "ldaps://dc1", "base", "DC=x",
	    NULL });
	connected(0, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.name = bad[i];
		fk.dones = 0;
		ks->fetch(st, &t, &job_token);
		assert_int_equal(fk.searches, 0);
		assert_int_equal(fk.dones, 1);
		assert_int_equal(fk.status, LB_KS_ERROR);
		assert_non_null(strstr(fk.why, "cannot be looked up"));
		assert_null(strchr(fk.why, '\n'));
	}
	t.name = stars;
	ks->fetch(st, &t, &job_token);
	assert_int_equal(fk.searches, 1);
	assert_int_equal((int)strlen(fk.filter), 65 + 9 * 250);
	fk.dones = 0;
	answer(0, NULL, NULL, 0);
	assert_int_equal(fk.status, LB_KS_NOT_FOUND);
	t.name = longer;
	fk.dones = 0;
	ks->fetch(st, &t, &job_token);
	assert_int_equal(fk.dones, 1);
	assert_non_null(strstr(fk.why, "cannot be looked up: it is too "
	    "long"));
}

static void
test_not_found(void **state)
{
	start("ghost", NULL);
	answer(0, NULL, NULL, 0);
	assert_done(LB_KS_NOT_FOUND,
	    "no computer 'ghost' under 'DC=corp,DC=example'");
	assert_int_equal(fk.searches, 1);
}

static void
test_ambiguous(void **state)
{
	start("WS-0001", NULL);
	answer(0, NULL, computer, 2);
	assert_done(LB_KS_ERROR, "'WS-0001' is ambiguous: 2 computers match "
	    "('CN=WS-0001,OU=Workstations,DC=corp,DC=example', "
	    "'CN=WS-0001,OU=Servers,DC=corp,DC=example')");
}

static void
test_ldap_errors(void **state)
{
	start("WS-0001", NULL);
	answer(50, "ldaps://dc1: search under 'DC=corp,DC=example': "
	    "insufficient access", NULL, 0);
	assert_done(LB_KS_DENIED, "ldaps://dc1: search under "
	    "'DC=corp,DC=example': insufficient access");
	teardown(NULL);
	setup(NULL);
	start("WS-0001", NULL);
	answer(-1, "ldaps://dc1: connection lost: can't contact LDAP server",
	    NULL, 0);
	assert_done(LB_KS_ERROR,
	    "ldaps://dc1: connection lost: can't contact LDAP server");
}

static void
test_search_refused(void **state)
{
	start("WS-0001", NULL);
	fk.search_rc = -1;
	answer(0, NULL, computer, 1);
	assert_done(LB_KS_ERROR, "cannot search under "
	    "'CN=WS-0001,OU=Workstations,DC=corp,DC=example'");
}

/* An entry of one recovery object, its values as AD sends them. */
struct rec {
	struct lb_ldap_value	 v[4];
	struct lb_ldap_attr	 a[4];
	struct lb_ldap_entry	 e;
};

/* The Microsoft docs' example GUID, in Windows byte order. */
static const unsigned char guid_ms[16] = {
	0xe1, 0xa4, 0x3e, 0x06, 0x0c, 0x22, 0x93, 0x42,
	0xba, 0x01, 0x47, 0x54, 0x62, 0x0a, 0x96, 0xe7,
};
/* {F596E09C-6ADF-4E44-AEAB-5FC498D44658} */
static const unsigned char guid_vol[16] = {
	0x9c, 0xe0, 0x96, 0xf5, 0xdf, 0x6a, 0x44, 0x4e,
	0xae, 0xab, 0x5f, 0xc4, 0x98, 0xd4, 0x46, 0x58,
};
/* {333A2B81-0FE5-402F-8683-7F30C4375A17} */
static const unsigned char guid_other[16] = {
	0x81, 0x2b, 0x3a, 0x33, 0xe5, 0x0f, 0x2f, 0x40,
	0x86, 0x83, 0x7f, 0x30, 0xc4, 0x37, 0x5a, 0x17,
};

static void
rec_init(struct rec *r, const char *cn, const unsigned char *guid,
    const unsigned char *vol, const char *pw)
{
	size_t	 n = 0;

	memset(r, 0, sizeof(*r));
	if (cn != NULL) {
		r->v[n].data = (const unsigned char *)cn;
		r->v[n].len = strlen(cn);
		r->a[n].name = "cn";
		r->a[n].v = &r->v[n];
		r->a[n].n = 1;
		n++;
	}
	if (guid != NULL) {
		r->v[n].data = guid;
		r->v[n].len = 16;
		/* The server's spelling of the name, not ours. */
		r->a[n].name = "msfve-recoveryguid";
		r->a[n].v = &r->v[n];
		r->a[n].n = 1;
		n++;
	}
	if (vol != NULL) {
		r->v[n].data = vol;
		r->v[n].len = 16;
		r->a[n].name = "msFVE-VolumeGuid";
		r->a[n].v = &r->v[n];
		r->a[n].n = 1;
		n++;
	}
	if (pw != NULL) {
		r->v[n].data = (const unsigned char *)pw;
		r->v[n].len = strlen(pw);
		r->a[n].name = "msFVE-RecoveryPassword";
		r->a[n].v = &r->v[n];
		r->a[n].n = 1;
		n++;
	}
	r->e.dn = "CN=x,CN=WS-0001,OU=Workstations,DC=corp,DC=example";
	r->e.attrs = r->a;
	r->e.n = n;
}

/* Fetches WS-0001 and answers its recovery search with recs. */
static void
fetch_recs(struct rec *recs, size_t n)
{
	struct lb_ldap_entry	 e[8];
	size_t			 i;

	start("WS-0001", NULL);
	answer(0, NULL, computer, 1);
	assert_int_equal(fk.searches, 2);
	assert_string_equal(fk.base, computer[0].dn);
	assert_int_equal(fk.scope, LB_LDAP_ONE);
	assert_string_equal(fk.filter,
	    "(objectClass=msFVE-RecoveryInformation)");
	assert_string_equal(buf_str(&fk.attrs), "cn,msFVE-RecoveryGuid,"
	    "msFVE-RecoveryPassword,msFVE-VolumeGuid");
	for (i = 0; i < n; i++)
		e[i] = recs[i].e;
	answer(0, NULL, e, n);
}

static void
test_key(void **state)
{
	struct rec	 r;

	rec_init(&r, "2005-09-30T17:08:23-08:00"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}", guid_ms, guid_vol, PW1);
	fetch_recs(&r, 1);
	assert_done(LB_KS_OK, NULL);
	assert_string_equal(buf_str(&fk.keys),
	    "{F596E09C-6ADF-4E44-AEAB-5FC498D44658}|"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}|"
	    "2005-10-01T01:08:23Z|" PW1 "\n");
}

/* The name's time, in UTC, across days, years, leap days. */
static void
test_times(void **state)
{
	static const char *const cases[][2] = {
		{ "2024-02-29T23:59:59+05:30", "2024-02-29T18:29:59Z" },
		{ "2024-03-01T02:00:00+05:30", "2024-02-29T20:30:00Z" },
		{ "2022-12-31T22:30:00-02:00", "2023-01-01T00:30:00Z" },
		{ "2024-01-09T08:00:41+00:00", "2024-01-09T08:00:41Z" },
		{ "2000-02-28T23:00:00-01:00", "2000-02-29T00:00:00Z" },
		{ "2100-02-28T23:00:00-01:00", "2100-03-01T00:00:00Z" },
		{ "2023-03-14T09:26:53Z", "2023-03-14T09:26:53Z" },
		/* Not AD's form: the key stays, the time is unknown. */
		{ "2023-02-29T10:00:00+00:00", "" },
		{ "2023-13-01T10:00:00+00:00", "" },
		{ "yesterday", "" },
		{ "2023-03-14 09:26:53+01:00", "" },
		{ "2023-03-14T09:26:53+24:00", "" },
		{ "", "" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rec	 r;
		char		 cn[128], want[256];

		snprintf(cn, sizeof cn, "%s{063ea4e1-220c-4293-ba01-"
		    "4754620a96e7}", cases[i][0]);
		rec_init(&r, cn, guid_ms, NULL, PW1);
		fetch_recs(&r, 1);
		assert_done(LB_KS_OK, NULL);
		snprintf(want, sizeof want, "|{063EA4E1-220C-4293-BA01-"
		    "4754620A96E7}|%s|" PW1 "\n", cases[i][1]);
		if (strcmp(buf_str(&fk.keys), want) != 0)
			fail_msg("%s: got %s", cases[i][0], buf_str(&fk.keys));
		teardown(NULL);
		setup(NULL);
	}
}

/* Two volumes, an old and a new key: every one is a key. */
static void
test_several(void **state)
{
	struct rec	 r[3];

	rec_init(&r[0], "2005-09-30T17:08:23-08:00"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}", guid_ms, guid_vol, PW1);
	rec_init(&r[1], "2023-05-02T17:43:19-04:00"
	    "{333A2B81-0FE5-402F-8683-7F30C4375A17}", guid_other, guid_ms,
	    PW2);
	/* No name of AD's form, no volume: still a key. */
	rec_init(&r[2], "odd", guid_other, NULL, PW2);
	fetch_recs(r, 3);
	assert_done(LB_KS_OK, NULL);
	assert_int_equal(fk.nkeys, 3);
	assert_string_equal(buf_str(&fk.keys),
	    "{F596E09C-6ADF-4E44-AEAB-5FC498D44658}|"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}|"
	    "2005-10-01T01:08:23Z|" PW1 "\n"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}|"
	    "{333A2B81-0FE5-402F-8683-7F30C4375A17}|"
	    "2023-05-02T21:43:19Z|" PW2 "\n"
	    "|{333A2B81-0FE5-402F-8683-7F30C4375A17}||" PW2 "\n");
}

/* The name's GUID is not msFVE-RecoveryGuid: skipped, with a note. */
static void
test_mismatch(void **state)
{
	struct rec	 r[2];

	rec_init(&r[0], "2005-09-30T17:08:23-08:00"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}", guid_other, NULL, PW1);
	rec_init(&r[1], "2023-05-02T17:43:19-04:00"
	    "{333A2B81-0FE5-402F-8683-7F30C4375A17}", guid_other, NULL, PW2);
	fetch_recs(r, 2);
	assert_done(LB_KS_OK, NULL);
	assert_int_equal(fk.nkeys, 1);
	assert_non_null(strstr(buf_str(&fk.keys), PW2));
	assert_string_equal(buf_str(&fk.notes), "WS-0001: skipped recovery "
	    "object '2005-09-30T17:08:23-08:00{063EA4E1-220C-4293-BA01-"
	    "4754620A96E7}': its name's GUID {063EA4E1-220C-4293-BA01-"
	    "4754620A96E7} is not its msFVE-RecoveryGuid "
	    "{333A2B81-0FE5-402F-8683-7F30C4375A17}\n");
}

static void
test_mismatch_only(void **state)
{
	struct rec	 r;
	unsigned char	 shortguid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	rec_init(&r, "x", guid_ms, NULL, PW1);
	r.v[1].data = shortguid;
	r.v[1].len = sizeof(shortguid);
	fetch_recs(&r, 1);
	assert_done(LB_KS_ERROR, "1 recovery objects under "
	    "'CN=WS-0001,OU=Workstations,DC=corp,DC=example', none usable");
	assert_int_equal(fk.nkeys, 0);
	assert_non_null(strstr(buf_str(&fk.notes),
	    "msFVE-RecoveryGuid is 8 bytes, not 16"));
}

static void
test_unreadable(void **state)
{
	struct rec	 r[2];

	rec_init(&r[0], "2005-09-30T17:08:23-08:00"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}", guid_ms, guid_vol, NULL);
	rec_init(&r[1], "2023-05-02T17:43:19-04:00"
	    "{333A2B81-0FE5-402F-8683-7F30C4375A17}", guid_other, NULL, "");
	fetch_recs(r, 2);
	assert_done(LB_KS_DENIED, "recovery information is not readable "
	    "(msFVE-RecoveryPassword is confidential)");
	assert_int_equal(fk.nkeys, 0);
}

static void
test_no_key(void **state)
{
	fetch_recs(NULL, 0);
	assert_done(LB_KS_NO_KEY, "no recovery information under "
	    "'CN=WS-0001,OU=Workstations,DC=corp,DC=example'");
}

/* lifeboat refused every password: an error, not a key. */
static void
test_key_rejected(void **state)
{
	struct rec	 r;

	fk.key_rc = -1;
	rec_init(&r, "2005-09-30T17:08:23-08:00"
	    "{063EA4E1-220C-4293-BA01-4754620A96E7}", guid_ms, NULL,
	    "123456-not-a-password");
	fetch_recs(&r, 1);
	assert_done(LB_KS_ERROR, "no recovery password found was valid");
}

static void
test_recovery_denied(void **state)
{
	start("WS-0001", NULL);
	answer(0, NULL, computer, 1);
	answer(50, "ldaps://dc1: search under 'CN=WS-0001': insufficient "
	    "access", NULL, 0);
	assert_done(LB_KS_DENIED, "ldaps://dc1: search under 'CN=WS-0001': "
	    "insufficient access");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_descriptor, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_starttls_default,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_bind_fails, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_escaped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter_utf8, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter_account, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ambiguous, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_ldap_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mismatch, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mismatch_only, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_rejected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_recovery_denied, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
