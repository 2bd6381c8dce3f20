/*
 * The `ad` key source (lifeboat-plugin(7), KEY SOURCES): BitLocker
 * recovery passwords escrowed in Active Directory, read over LDAP.
 *
 *	lifeboat keys fetch --from ad -o url=ldaps://dc1.corp.example \
 *	    -o base=DC=corp,DC=example \
 *	    -o bind_dn='CN=lifeboat,OU=Service Accounts,DC=corp,DC=example' \
 *	    'site:ams'
 *
 * Settings (-o KEY=VALUE, else LIFEBOAT_AD_<KEY>): url (ldaps://, or
 * ldap:// which then always uses StartTLS), base (where computers are
 * looked for, the whole subtree), bind_dn (none: an anonymous bind),
 * starttls (yes or no; ldap:// without it is refused: the passwords
 * would cross the network in the clear), ca_file, timeout (seconds, or
 * with a unit: 1500ms, 30s, 2m).  The bind password is the secret
 * "password" (LIFEBOAT_AD_PASSWORD_FILE or a prompt), never a setting.
 *
 * For each host, one subtree search finds its computer object by cn,
 * sAMAccountName (NAME$) or dNSHostName; then a one-level search under
 * it finds the msFVE-RecoveryInformation children, one per recovery
 * password, old ones kept.  Each gives one key: the protector id from
 * msFVE-RecoveryGuid (16 bytes, a GUID in Windows byte order), checked
 * against the GUID that ends the object's name
 * (2005-09-30T17:08:23-08:00{063EA4E1-220C-4293-BA01-4754620A96E7}),
 * the volume from msFVE-VolumeGuid, the creation time from the name,
 * in UTC.  AD keeps msFVE-RecoveryPassword confidential: an account
 * without the right sees the objects and not the passwords, which is
 * "access denied", not "no key".
 *
 * Like every plugin this file includes nothing of lifeboat's but its
 * public headers; its names but lifeboat_keysource() are static and
 * start with ad_, so the fuzz target can include it.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lifeboat/keysource.h>

#ifndef LB_PLUGIN_EXPORT
#define LB_PLUGIN_EXPORT
#endif

#define AD_WHY_MAX	512
#define AD_NAME_MAX	255		/* bytes of a host's name */
#define AD_FILTER_MAX	4096		/* > 9 * AD_NAME_MAX + the rest */
#define AD_SECRET_MAX	1024		/* the bind password */
#define AD_RECOVERY_MAX	256		/* AD's rangeUpper */
#define AD_TIMEOUT_MS	30000
#define AD_AMBIGUOUS	3		/* DNs named in that message */

static const char *const ad_keys[] = {
	"url", "base", "bind_dn", "starttls", "ca_file", "timeout", NULL
};

static const char *const ad_computer_attrs[] = { "1.1", NULL };

static const char *const ad_recovery_attrs[] = {
	"cn", "msFVE-RecoveryGuid", "msFVE-RecoveryPassword",
	"msFVE-VolumeGuid", NULL
};

struct ad_state {
	const struct lb_ks_svc	*svc;
	char			*url;
	char			*base;
	char			*bind_dn;
	char			*ca_file;
	int			 starttls;
	int64_t			 timeout_ms;
};

/* One host's fetch, from fetch() to svc->done(). */
struct ad_job {
	struct ad_state		*st;
	void			*job;
	char			*host;		/* inventory name */
	char			*name;		/* looked up */
	char			*dn;		/* its computer object */
};

/* What one recovery object holds, checked. */
enum ad_rec_kind {
	AD_REC_KEY,		/* a key, in rec */
	AD_REC_UNREADABLE,	/* no password we may read */
	AD_REC_BAD,		/* not as AD writes it: why says */
};

struct ad_rec {
	char			 id[39];	/* {GUID} */
	char			 volume[39];	/* {GUID} or "" */
	char			 created[21];	/* ...Z or "" */
	const unsigned char	*password;	/* not NUL-terminated */
	size_t			 password_len;
};

/* snprintf() for messages, where a cut is fine; one line, always. */
static void __attribute__((format(printf, 3, 4)))
ad_msg(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	for (p = buf; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}
}

/* Clears memory that held a secret (explicit_bzero() is not POSIX). */
static void
ad_wipe(void *p, size_t n)
{
	volatile unsigned char	*v = p;

	while (n-- > 0)
		*v++ = 0;
}

static char *
ad_strdup(const char *s)
{
	size_t	 len;
	char	*r;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	if ((r = malloc(len)) != NULL)
		memcpy(r, s, len);
	return r;
}

/* Whether s is UTF-8 (RFC 3629: no overlong forms, no surrogates). */
static bool
ad_utf8(const unsigned char *s, size_t len)
{
	size_t	 i = 0, n, k;
	uint32_t c;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			n = 1, c = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			n = 2, c = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			n = 3, c = s[i] & 0x07;
		else
			return false;
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (n == 3 && (c < 0x10000 || c > 0x10ffff)))
			return false;
		i += n + 1;
	}
	return true;
}

/*
 * Appends name to out as an RFC 4515 assertion value: the filter's
 * special characters (* ( ) \ NUL) escaped as \XX; UTF-8 passes as it
 * is.  Returns false when out (size bytes) is too small.
 */
static bool
ad_escape(char *out, size_t size, const char *name)
{
	size_t	 o = strlen(out);
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (size - o < 4)
			return false;
		if (strchr("*()\\", *p) != NULL) {
			snprintf(out + o, size - o, "\\%02x", *p);
			o += 3;
		} else
			out[o++] = (char)*p;
	}
	out[o] = '\0';
	return true;
}

/*
 * The filter for a computer named name: its cn, its sAMAccountName
 * (name and '$', as AD keeps computer accounts) or its dNSHostName.
 * Returns false, with why, for a name that cannot be looked up.
 */
static bool
ad_computer_filter(const char *name, char *out, size_t size, char *why,
    size_t whylen)
{
	size_t	 len = strlen(name), i;
	bool	 dollar = len > 0 && name[len - 1] == '$';

	if (len == 0 || len > AD_NAME_MAX) {
		ad_msg(why, whylen, "name '%s' cannot be looked up: %s", name,
		    len == 0 ? "it is empty" : "it is too long");
		return false;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			ad_msg(why, whylen, "name '%s' cannot be looked up: "
			    "it holds a control character", name);
			return false;
		}
	}
	if (!ad_utf8((const unsigned char *)name, len)) {
		ad_msg(why, whylen, "name '%s' cannot be looked up: it is "
		    "not UTF-8", name);
		return false;
	}
	out[0] = '\0';
	if (strlen("(&(objectClass=computer)(|(cn=)(sAMAccountName=$)"
	    "(dNSHostName=)))") + 9 * len + 1 > size) {
		ad_msg(why, whylen, "name '%s' cannot be looked up: it is "
		    "too long", name);
		return false;
	}
	strcat(out, "(&(objectClass=computer)(|(cn=");
	ad_escape(out, size, name);
	strcat(out, ")(sAMAccountName=");
	ad_escape(out, size, name);
	strcat(out, dollar ? ")(dNSHostName=" : "$)(dNSHostName=");
	ad_escape(out, size, name);
	strcat(out, ")))");
	return true;
}

/* 16 bytes of a GUID in Windows order as {XXXXXXXX-XXXX-...}. */
static void
ad_guid_str(const unsigned char *b, char out[39])
{
	snprintf(out, 39, "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
	    "%02X%02X%02X%02X%02X%02X}", b[3], b[2], b[1], b[0], b[5], b[4],
	    b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int
ad_digits(const unsigned char *p, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t
ad_days(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
ad_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * "YYYY-MM-DDTHH:MM:SS" with "Z" or a "+HH:MM"/"-HH:MM" offset, as AD
 * names recovery objects, into UTC "YYYY-MM-DDTHH:MM:SSZ" (out, 21
 * bytes).  Returns false for anything else.
 */
static bool
ad_time_utc(const unsigned char *p, size_t len, char out[21])
{
	int	 y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
	int64_t	 t;
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if ((len != 20 && len != 25) || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != 't') || p[13] != ':' || p[16] != ':')
		return false;
	y = ad_digits(p, 4);
	mo = ad_digits(p + 5, 2);
	d = ad_digits(p + 8, 2);
	h = ad_digits(p + 11, 2);
	mi = ad_digits(p + 14, 2);
	s = ad_digits(p + 17, 2);
	if (len == 20 && p[19] != 'Z' && p[19] != 'z')
		return false;
	if (len == 25) {
		if ((p[19] != '+' && p[19] != '-') || p[22] != ':')
			return false;
		sign = p[19] == '+' ? 1 : -1;
		oh = ad_digits(p + 20, 2);
		om = ad_digits(p + 23, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return false;
	}
	if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return false;
	t = ad_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s -
	    sign * (oh * 3600 + om * 60);
	ad_civil(t >= 0 ? t / 86400 : (t - 86399) / 86400, &y, &mo, &d);
	t = t >= 0 ? t % 86400 : ((t % 86400) + 86400) % 86400;
	if (y < 1000 || y > 9999)
		return false;
	snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d,
	    (int)(t / 3600), (int)(t / 60 % 60), (int)(t % 60));
	return true;
}

/* "{8-4-4-4-12}" in any case into the upper-case form; or false. */
static bool
ad_guid_text(const unsigned char *p, size_t len, char out[39])
{
	size_t	 i;

	if (len != 38 || p[0] != '{' || p[37] != '}')
		return false;
	for (i = 1; i < 37; i++) {
		if (i == 9 || i == 14 || i == 19 || i == 24) {
			if (p[i] != '-')
				return false;
		} else if (strchr("0123456789abcdefABCDEF", p[i]) == NULL ||
		    p[i] == '\0')
			return false;
		out[i] = (char)(p[i] >= 'a' ? p[i] - 'a' + 'A' : p[i]);
	}
	out[0] = '{';
	out[9] = out[14] = out[19] = out[24] = '-';
	out[37] = '}';
	out[38] = '\0';
	return true;
}

/* The first value of attribute name in e, or NULL. */
static const struct lb_ldap_value *
ad_attr(const struct lb_ldap_entry *e, const char *name)
{
	size_t	 i;

	for (i = 0; i < e->n; i++) {
		if (e->attrs[i].name != NULL &&
		    strcasecmp(e->attrs[i].name, name) == 0 &&
		    e->attrs[i].n > 0)
			return &e->attrs[i].v[0];
	}
	return NULL;
}

/*
 * Reads one msFVE-RecoveryInformation entry into rec (its password
 * points into e).  The name's GUID must be msFVE-RecoveryGuid's; a
 * name not of AD's form only loses the creation time.  why (for
 * AD_REC_BAD) never holds the password.
 */
static enum ad_rec_kind
ad_parse_entry(const struct lb_ldap_entry *e, struct ad_rec *rec, char *why,
    size_t whylen)
{
	const struct lb_ldap_value	*cn, *guid, *vol, *pw;
	char				 cn_guid[39];
	bool				 named = false;

	memset(rec, 0, sizeof(*rec));
	cn = ad_attr(e, "cn");
	guid = ad_attr(e, "msFVE-RecoveryGuid");
	vol = ad_attr(e, "msFVE-VolumeGuid");
	pw = ad_attr(e, "msFVE-RecoveryPassword");
	if (cn != NULL && cn->len >= 38 &&
	    ad_guid_text(cn->data + cn->len - 38, 38, cn_guid)) {
		named = true;
		if (!ad_time_utc(cn->data, cn->len - 38, rec->created))
			rec->created[0] = '\0';
	}
	if (guid != NULL && guid->len != 16) {
		ad_msg(why, whylen, "msFVE-RecoveryGuid is %zu bytes, not 16",
		    guid->len);
		return AD_REC_BAD;
	}
	if (guid != NULL)
		ad_guid_str(guid->data, rec->id);
	else if (named)
		memcpy(rec->id, cn_guid, sizeof(rec->id));
	else {
		ad_msg(why, whylen, "no msFVE-RecoveryGuid and no GUID in "
		    "its name");
		return AD_REC_BAD;
	}
	if (named && strcmp(rec->id, cn_guid) != 0) {
		ad_msg(why, whylen, "its name's GUID %s is not its "
		    "msFVE-RecoveryGuid %s", cn_guid, rec->id);
		return AD_REC_BAD;
	}
	if (vol != NULL && vol->len == 16)
		ad_guid_str(vol->data, rec->volume);
	if (pw == NULL || pw->len == 0)
		return AD_REC_UNREADABLE;
	if (pw->len > AD_RECOVERY_MAX || memchr(pw->data, '\0', pw->len)) {
		ad_msg(why, whylen, "msFVE-RecoveryPassword is not a "
		    "recovery password");
		return AD_REC_BAD;
	}
	rec->password = pw->data;
	rec->password_len = pw->len;
	return AD_REC_KEY;
}

static void
ad_job_free(struct ad_job *j)
{
	free(j->host);
	free(j->name);
	free(j->dn);
	free(j);
}

static void
ad_done(struct ad_job *j, enum lb_ks_status status, const char *why)
{
	const struct lb_ks_svc	*svc = j->st->svc;
	void			*job = j->job;

	ad_job_free(j);
	svc->done(svc->ctx, job, status, why);
}

/* An LDAP error: insufficientAccessRights (50) is "access denied". */
static void
ad_ldap_failed(struct ad_job *j, const struct lb_ldap_result *res)
{
	char	 why[AD_WHY_MAX];

	ad_msg(why, sizeof why, "%s", res->error != NULL ? res->error :
	    "LDAP error");
	ad_done(j, res->rc == 50 ? LB_KS_DENIED : LB_KS_ERROR, why);
}

/* Hands one key to lifeboat; true when it took it. */
static bool
ad_emit(struct ad_job *j, const struct ad_rec *rec)
{
	const struct lb_ks_svc	*svc = j->st->svc;
	struct lb_ks_key	 key;
	char			 pw[AD_RECOVERY_MAX + 1];
	int			 r;

	memcpy(pw, rec->password, rec->password_len);
	pw[rec->password_len] = '\0';
	memset(&key, 0, sizeof(key));
	key.volume = rec->volume;
	key.protector_id = rec->id;
	key.password = pw;
	key.created = rec->created;
	r = svc->key(svc->ctx, j->job, &key);
	ad_wipe(pw, sizeof pw);
	return r == 0;
}

static void
ad_recovery_found(void *arg, const struct lb_ldap_result *res)
{
	struct ad_job		*j = arg;
	const struct lb_ks_svc	*svc = j->st->svc;
	struct ad_rec		 rec;
	char			 why[AD_WHY_MAX], note[AD_WHY_MAX * 2];
	size_t			 i, keys = 0, taken = 0, unreadable = 0;
	size_t			 bad = 0;

	if (res->rc != 0) {
		ad_ldap_failed(j, res);
		return;
	}
	for (i = 0; i < res->n; i++) {
		const struct lb_ldap_value *cn;

		switch (ad_parse_entry(&res->entries[i], &rec, why,
		    sizeof why)) {
		case AD_REC_KEY:
			keys++;
			taken += ad_emit(j, &rec);
			break;
		case AD_REC_UNREADABLE:
			unreadable++;
			break;
		case AD_REC_BAD:
			bad++;
			cn = ad_attr(&res->entries[i], "cn");
			ad_msg(note, sizeof note, "%s: skipped recovery object "
			    "'%.*s': %s", j->host, cn != NULL &&
			    cn->len < 128 ? (int)cn->len : 0, cn != NULL ?
			    (const char *)cn->data : "", why);
			svc->note(svc->ctx, note);
			break;
		}
	}
	ad_wipe(&rec, sizeof rec);
	if (taken > 0) {
		if (unreadable > 0) {
			ad_msg(note, sizeof note, "%s: %zu of %zu recovery "
			    "objects are not readable", j->host, unreadable,
			    res->n);
			svc->note(svc->ctx, note);
		}
		ad_done(j, LB_KS_OK, NULL);
	} else if (res->n == 0) {
		ad_msg(why, sizeof why, "no recovery information under '%s'",
		    j->dn);
		ad_done(j, LB_KS_NO_KEY, why);
	} else if (keys > 0) {
		ad_done(j, LB_KS_ERROR, "no recovery password found was "
		    "valid");
	} else if (unreadable > 0) {
		ad_done(j, LB_KS_DENIED, "recovery information is not "
		    "readable (msFVE-RecoveryPassword is confidential)");
	} else {
		ad_msg(why, sizeof why, "%zu recovery objects under '%s', "
		    "none usable", bad, j->dn);
		ad_done(j, LB_KS_ERROR, why);
	}
}

static void
ad_computer_found(void *arg, const struct lb_ldap_result *res)
{
	struct ad_job		*j = arg;
	const struct lb_ks_svc	*svc = j->st->svc;
	char			 why[AD_WHY_MAX];
	size_t			 i, o;

	if (res->rc != 0) {
		ad_ldap_failed(j, res);
		return;
	}
	if (res->n == 0) {
		ad_msg(why, sizeof why, "no computer '%s' under '%s'",
		    j->name, j->st->base);
		ad_done(j, LB_KS_NOT_FOUND, why);
		return;
	}
	if (res->n > 1) {
		ad_msg(why, sizeof why, "'%s' is ambiguous: %zu computers "
		    "match (", j->name, res->n);
		for (i = 0; i < res->n && i < AD_AMBIGUOUS; i++) {
			o = strlen(why);
			ad_msg(why + o, sizeof why - o, "%s'%s'", i > 0 ?
			    ", " : "", res->entries[i].dn);
		}
		o = strlen(why);
		ad_msg(why + o, sizeof why - o, "%s)", res->n > AD_AMBIGUOUS ?
		    ", ..." : "");
		ad_done(j, LB_KS_ERROR, why);
		return;
	}
	if ((j->dn = ad_strdup(res->entries[0].dn)) == NULL) {
		ad_done(j, LB_KS_ERROR, "out of memory");
		return;
	}
	if (svc->ldap_search(svc->ctx, j->dn, LB_LDAP_ONE,
	    "(objectClass=msFVE-RecoveryInformation)", ad_recovery_attrs,
	    ad_recovery_found, j) != 0) {
		ad_msg(why, sizeof why, "cannot search under '%s'", j->dn);
		ad_done(j, LB_KS_ERROR, why);
	}
}

static void
ad_fetch(void *state, const struct lb_ks_target *t, void *job)
{
	struct ad_state		*st = state;
	const struct lb_ks_svc	*svc = st->svc;
	struct ad_job		*j;
	const char		*name;
	char			 filter[AD_FILTER_MAX], why[AD_WHY_MAX];
	char			 line[AD_FILTER_MAX + AD_WHY_MAX];

	name = t->lookup != NULL && *t->lookup != '\0' ? t->lookup : t->name;
	if (!ad_computer_filter(name, filter, sizeof filter, why,
	    sizeof why)) {
		svc->done(svc->ctx, job, LB_KS_ERROR, why);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->host = ad_strdup(t->name)) == NULL ||
	    (j->name = ad_strdup(name)) == NULL) {
		if (j != NULL)
			ad_job_free(j);
		svc->done(svc->ctx, job, LB_KS_ERROR, "out of memory");
		return;
	}
	j->st = st;
	j->job = job;
	ad_msg(line, sizeof line, "%s: search '%s' for %s", t->name,
	    st->base, filter);
	svc->debug(svc->ctx, line);
	if (svc->ldap_search(svc->ctx, st->base, LB_LDAP_SUB, filter,
	    ad_computer_attrs, ad_computer_found, j) != 0) {
		ad_msg(why, sizeof why, "cannot search '%s'", st->base);
		ad_done(j, LB_KS_ERROR, why);
	}
}

static void
ad_connected(void *arg, const struct lb_ldap_result *res)
{
	struct ad_state		*st = arg;

	if (res->rc != 0)
		st->svc->ready(st->svc->ctx, -1, res->error != NULL ?
		    res->error : "LDAP connection failed");
	else
		st->svc->ready(st->svc->ctx, 0, NULL);
}

/* yes/no and friends: 1, 0, or -1. */
static int
ad_bool(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0 || strcasecmp(s, "on") == 0)
		return 1;
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0 ||
	    strcmp(s, "0") == 0 || strcasecmp(s, "off") == 0)
		return 0;
	return -1;
}

/* "30", "30s", "1500ms", "2m": milliseconds, 1 ms to 1 h; or -1. */
static int64_t
ad_timeout(const char *s)
{
	int64_t	 v = 0, unit = 1000;
	size_t	 i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > 3600000)
			return -1;
	}
	if (i == 0)
		return -1;
	if (strcmp(s + i, "ms") == 0)
		unit = 1;
	else if (strcmp(s + i, "m") == 0)
		unit = 60000;
	else if (s[i] != '\0' && strcmp(s + i, "s") != 0)
		return -1;
	v *= unit;
	return v >= 1 && v <= 3600000 ? v : -1;
}

static void
ad_close(void *state)
{
	struct ad_state	*st = state;

	if (st == NULL)
		return;
	free(st->url);
	free(st->base);
	free(st->bind_dn);
	free(st->ca_file);
	free(st);
}

/* The settings into st; false with why. */
static bool
ad_settings(struct ad_state *st, char *why, size_t whylen)
{
	const struct lb_ks_svc	*svc = st->svc;
	const char		*url, *base, *v;
	bool			 ldaps;

	url = svc->config(svc->ctx, "url");
	base = svc->config(svc->ctx, "base");
	if (url == NULL || *url == '\0') {
		ad_msg(why, whylen, "url is not set (-o url=ldaps://DC or "
		    "LIFEBOAT_AD_URL)");
		return false;
	}
	if (base == NULL || *base == '\0') {
		ad_msg(why, whylen, "base is not set (-o base=DC=corp,"
		    "DC=example or LIFEBOAT_AD_BASE)");
		return false;
	}
	ldaps = strncasecmp(url, "ldaps://", 8) == 0;
	if (!ldaps && strncasecmp(url, "ldap://", 7) != 0) {
		ad_msg(why, whylen, "url '%s' is not ldaps:// or ldap://",
		    url);
		return false;
	}
	st->starttls = !ldaps;
	if ((v = svc->config(svc->ctx, "starttls")) != NULL) {
		if ((st->starttls = ad_bool(v)) == -1) {
			ad_msg(why, whylen, "starttls '%s' is not yes or no",
			    v);
			return false;
		}
		if (ldaps && st->starttls) {
			ad_msg(why, whylen, "starttls is for ldap:// urls, "
			    "not '%s'", url);
			return false;
		}
		if (!ldaps && !st->starttls) {
			ad_msg(why, whylen, "url '%s' without StartTLS would "
			    "send passwords in the clear: use ldaps:// or "
			    "starttls=yes", url);
			return false;
		}
	}
	st->timeout_ms = AD_TIMEOUT_MS;
	if ((v = svc->config(svc->ctx, "timeout")) != NULL &&
	    (st->timeout_ms = ad_timeout(v)) < 0) {
		ad_msg(why, whylen, "timeout '%s' is not a duration (30, 30s, "
		    "1500ms, 2m; at most 1h)", v);
		return false;
	}
	v = svc->config(svc->ctx, "bind_dn");
	st->url = ad_strdup(url);
	st->base = ad_strdup(base);
	st->bind_dn = v != NULL && *v != '\0' ? ad_strdup(v) : NULL;
	v = svc->config(svc->ctx, "ca_file");
	st->ca_file = v != NULL && *v != '\0' ? ad_strdup(v) : NULL;
	if (st->url == NULL || st->base == NULL) {
		ad_msg(why, whylen, "out of memory");
		return false;
	}
	return true;
}

static int
ad_open(const struct lb_ks_svc *svc, void **state, char *why, size_t whylen)
{
	struct ad_state		*st;
	struct lb_ldap_conn	 conn;
	char			 pw[AD_SECRET_MAX], prompt[AD_WHY_MAX];
	int			 r;

	*state = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		ad_msg(why, whylen, "out of memory");
		return -1;
	}
	st->svc = svc;
	if (!ad_settings(st, why, whylen))
		goto fail;
	memset(&conn, 0, sizeof(conn));
	conn.url = st->url;
	conn.starttls = st->starttls;
	conn.bind_dn = st->bind_dn;
	conn.ca_file = st->ca_file;
	conn.timeout_ms = st->timeout_ms;
	if (st->bind_dn != NULL) {
		ad_msg(prompt, sizeof prompt, "password for %s: ",
		    st->bind_dn);
		if (svc->secret(svc->ctx, "password", prompt, pw,
		    sizeof pw) != 0) {
			ad_msg(why, whylen, "no password for bind_dn '%s' "
			    "(LIFEBOAT_AD_PASSWORD_FILE)", st->bind_dn);
			goto fail;
		}
		conn.password = pw;
	}
	r = svc->ldap_connect(svc->ctx, &conn, ad_connected, st);
	ad_wipe(pw, sizeof pw);
	if (r != 0) {
		ad_msg(why, whylen, "cannot connect to '%s'", st->url);
		goto fail;
	}
	*state = st;
	return 0;
fail:
	/* The contract: a failed open frees what it made. */
	ad_close(st);
	return -1;
}

static const struct lb_keysource ad_source = {
	.abi = LB_KEYSOURCE_ABI,
	.name = "ad",
	.version = "1.0",
	.summary = "BitLocker recovery passwords escrowed in Active "
	    "Directory (LDAP)",
	.concurrency = 8,
	.keys = ad_keys,
	.open = ad_open,
	.fetch = ad_fetch,
	.close = ad_close,
};

const struct lb_keysource *lifeboat_keysource(void);

LB_PLUGIN_EXPORT const struct lb_keysource *
lifeboat_keysource(void)
{
	return &ad_source;
}
