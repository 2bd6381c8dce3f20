/*
 * libFuzzer target for the `ad` key source (plugins/ad.c, compiled in):
 * what it makes of a host's name and of the recovery objects a directory
 * returns, through open(), fetch() and the two search answers as
 * lifeboat drives them, with a fake struct lb_ks_svc.
 *
 * The input is split at 0xff bytes into fields: the first is the name
 * looked up; then, four at a time, each recovery object's cn,
 * msFVE-RecoveryGuid, msFVE-VolumeGuid and msFVE-RecoveryPassword (an
 * empty field is an absent attribute), at most eight objects.  Each
 * value is a copy of exactly its length, not NUL-terminated, so a read
 * past it is caught.  Besides crashes and sanitizer reports, these are
 * bugs:
 *
 *   - a filter whose parentheses do not balance, or that holds the
 *     name's '*', '(' or ')' unescaped;
 *   - done() called other than once, a status out of range, a reason
 *     missing for a failure or holding a control character;
 *   - a key whose id or volume is not a braced upper-case GUID, whose
 *     time is not "" or 20 characters ending in 'Z', or whose password
 *     is not one of the objects' passwords;
 *   - a note or debug line holding a control character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/ad.c"

#define FUZZ_RECS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct {
	const char		*filter_name;
	char			*filter;
	lb_ldap_fn		*fn;
	void			*arg;
	lb_ldap_fn		*connect_fn;
	void			*connect_arg;
	int			 dones;
	enum lb_ks_status	 status;
	const struct lb_ldap_value *pw[FUZZ_RECS];
	size_t			 npw;
} fz;

static void
fz_line(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			abort();
	}
}

static const char *
fz_config(void *ctx, const char *key)
{
	if (strcmp(key, "url") == 0)
		return "ldaps://dc1";
	if (strcmp(key, "base") == 0)
		return "DC=corp,DC=example";
	return NULL;
}

static int
fz_secret(void *ctx, const char *name, const char *prompt, char *buf,
    size_t len)
{
	return -1;
}

static void
fz_note(void *ctx, const char *line)
{
	fz_line(line);
}

static void
fz_debug(void *ctx, const char *line)
{
	fz_line(line);
}

static int
fz_connect(void *ctx, const struct lb_ldap_conn *c, lb_ldap_fn *fn,
    void *arg)
{
	fz.connect_fn = fn;
	fz.connect_arg = arg;
	return 0;
}

static int
fz_search(void *ctx, const char *base, enum lb_ldap_scope scope,
    const char *filter, const char *const *attrs, lb_ldap_fn *fn, void *arg)
{
	free(fz.filter);
	fz.filter = strdup(filter);
	if (fz.filter == NULL)
		abort();
	fz.fn = fn;
	fz.arg = arg;
	return 0;
}

static bool
fz_guid(const char *s)
{
	size_t	 i;

	if (strlen(s) != 38 || s[0] != '{' || s[37] != '}')
		return false;
	for (i = 1; i < 37; i++) {
		if (i == 9 || i == 14 || i == 19 || i == 24) {
			if (s[i] != '-')
				return false;
		} else if (strchr("0123456789ABCDEF", s[i]) == NULL)
			return false;
	}
	return true;
}

static int
fz_key(void *ctx, void *job, const struct lb_ks_key *k)
{
	size_t	 i, len = strlen(k->password);

	if (!fz_guid(k->protector_id) ||
	    (*k->volume != '\0' && !fz_guid(k->volume)))
		abort();
	if (*k->created != '\0' && (strlen(k->created) != 20 ||
	    k->created[19] != 'Z'))
		abort();
	for (i = 0; i < fz.npw; i++) {
		if (fz.pw[i]->len == len &&
		    memcmp(fz.pw[i]->data, k->password, len) == 0)
			break;
	}
	if (i == fz.npw)
		abort();
	return (len & 1) ? -1 : 0;
}

static void
fz_done(void *ctx, void *job, enum lb_ks_status status, const char *why)
{
	fz.dones++;
	fz.status = status;
	if (status > LB_KS_ERROR)
		abort();
	if (status != LB_KS_OK && why == NULL)
		abort();
	if (why != NULL)
		fz_line(why);
}

static void
fz_ready(void *ctx, int rc, const char *why)
{
	if (rc != 0)
		abort();
}

/* The filter balances and holds no special character of the name. */
static void
fz_check_filter(void)
{
	const char	*p;
	int		 depth = 0;

	for (p = fz.filter; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth < 0)
			abort();
		else if (*p == '*')
			abort();
	}
	if (depth != 0)
		abort();
}

/* The next field of data, [*pos, 0xff or end), copied; *pos < len. */
static uint8_t *
fz_field(const uint8_t *data, size_t len, size_t *pos, size_t *flen)
{
	const uint8_t	*sep;
	uint8_t		*r;

	sep = memchr(data + *pos, 0xff, len - *pos);
	*flen = sep != NULL ? (size_t)(sep - data) - *pos : len - *pos;
	if ((r = malloc(*flen + 1)) == NULL)
		abort();
	memcpy(r, data + *pos, *flen);
	*pos += *flen + 1;
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const names[] = {
		"cn", "msFVE-RecoveryGuid", "msFVE-VolumeGuid",
		"msFVE-RecoveryPassword",
	};
	struct lb_ks_svc	 svc;
	struct lb_ks_target	 t;
	struct lb_ldap_result	 res;
	struct lb_ldap_entry	 e[FUZZ_RECS], computer;
	struct lb_ldap_attr	 a[FUZZ_RECS][4];
	struct lb_ldap_value	 v[FUZZ_RECS][4];
	uint8_t			*owned[1 + FUZZ_RECS * 4];
	void			*st = NULL;
	char			 why[512], *name;
	size_t			 pos = 0, flen, n = 0, nowned = 0, i, k;

	memset(&fz, 0, sizeof(fz));
	memset(&svc, 0, sizeof(svc));
	svc.config = fz_config;
	svc.secret = fz_secret;
	svc.note = fz_note;
	svc.debug = fz_debug;
	svc.ldap_connect = fz_connect;
	svc.ldap_search = fz_search;
	svc.key = fz_key;
	svc.done = fz_done;
	svc.ready = fz_ready;

	if (len == 0)
		return 0;
	name = (char *)fz_field(data, len, &pos, &flen);
	name[flen] = '\0';
	owned[nowned++] = (uint8_t *)name;
	for (n = 0; n < FUZZ_RECS && pos < len; n++) {
		size_t	 na = 0;

		for (k = 0; k < 4 && pos < len; k++) {
			uint8_t	*f = fz_field(data, len, &pos, &flen);

			owned[nowned++] = f;
			if (flen == 0)
				continue;
			v[n][na].data = f;
			v[n][na].len = flen;
			a[n][na].name = names[k];
			a[n][na].v = &v[n][na];
			a[n][na].n = 1;
			if (k == 3)
				fz.pw[fz.npw++] = &v[n][na];
			na++;
		}
		e[n].dn = "CN=x,CN=WS-0001,DC=corp,DC=example";
		e[n].attrs = a[n];
		e[n].n = na;
	}

	if (lifeboat_keysource()->open(&svc, &st, why, sizeof why) != 0)
		abort();
	memset(&res, 0, sizeof(res));
	fz.connect_fn(fz.connect_arg, &res);
	memset(&t, 0, sizeof(t));
	t.name = "h";
	t.lookup = name;
	lifeboat_keysource()->fetch(st, &t, &fz);
	if (fz.dones == 0) {
		fz_check_filter();
		computer.dn = "CN=WS-0001,DC=corp,DC=example";
		computer.attrs = NULL;
		computer.n = 0;
		res.entries = &computer;
		res.n = 1;
		fz.fn(fz.arg, &res);
		if (fz.dones != 0)
			abort();
		res.entries = e;
		res.n = n;
		fz.fn(fz.arg, &res);
	}
	if (fz.dones != 1)
		abort();
	lifeboat_keysource()->close(st);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(fz.filter);
	return 0;
}
