/*
 * Checks for the values an inventory holds (ports, tiers, durations,
 * transports, operating systems, names), and host_set_text(), which sets a
 * host field from text.  The native reader, the Ansible readers and the
 * CSV reader all go through these, so that a bad port is reported the same
 * way whatever the format.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "diag.h"
#include "inventory.h"
#include "xmalloc.h"

const char *const inv_os_names[] = {
	"linux", "windows", "macos", "freebsd", "openbsd", "netbsd",
	"solaris", "aix",
};
const size_t inv_nos_names = sizeof inv_os_names / sizeof *inv_os_names;

const char *const inv_transport_names[] = { "ssh", "winrm", "sim" };
const size_t inv_ntransport_names =
    sizeof inv_transport_names / sizeof *inv_transport_names;

const char *
transport_name(enum transport_kind t)
{
	switch (t) {
	case TRANSPORT_SSH:
		return "ssh";
	case TRANSPORT_WINRM:
		return "winrm";
	case TRANSPORT_SIM:
		return "sim";
	default:
		return "-";
	}
}

const char *
backup_type_name(enum backup_type t)
{
	switch (t) {
	case BACKUP_RESTIC:
		return "restic";
	case BACKUP_BORG:
		return "borg";
	case BACKUP_WBADMIN:
		return "wbadmin";
	case BACKUP_FILE:
		return "file";
	}
	return "-";
}

/* Parses a whole decimal number in [min, max]; no sign games, no spaces. */
static int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	/* Digits only: no sign, no spaces, nothing strtol would forgive. */
	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
inv_parse_port(const char *s, int *port, const char **why)
{
	long	 v;

	if (parse_long(s, 1, 65535, &v) != 0) {
		*why = "port must be a number from 1 to 65535";
		return -1;
	}
	*port = (int)v;
	return 0;
}

int
inv_parse_tier(const char *s, int *tier, const char **why)
{
	long	 v;

	if (parse_long(s, 0, 99, &v) != 0) {
		*why = "tier must be a number from 0 (most critical) to 99";
		return -1;
	}
	*tier = (int)v;
	return 0;
}

/*
 * Durations: a bare number is seconds; otherwise one or more
 * number-and-unit parts, "250ms", "90s", "5m", "26h", "7d", "1w", "1h30m".
 */
int
inv_parse_duration(const char *s, int64_t *ms, const char **why)
{
	static const struct {
		const char	*unit;
		int64_t		 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 }, { "w", 604800000 },
	};
	const char	*p = s;
	int64_t		 total = 0, n;
	size_t		 i, ulen;
	int		 parts = 0;

	*why = "duration must look like 30s, 5m, 26h or 7d";
	if (s == NULL || *s == '\0')
		return -1;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = 0;
		while (isdigit((unsigned char)*p)) {
			if (n > (INT64_MAX - 9) / 10)
				goto toobig;
			n = n * 10 + (*p++ - '0');
		}
		if (*p == '\0' && parts == 0) {
			/* A bare number: seconds. */
			if (n > INT64_MAX / 1000)
				goto toobig;
			*ms = n * 1000;
			return 0;
		}
		for (ulen = 0; isalpha((unsigned char)p[ulen]); ulen++)
			;
		for (i = 0; i < sizeof units / sizeof *units; i++) {
			if (strlen(units[i].unit) == ulen &&
			    strncmp(p, units[i].unit, ulen) == 0)
				break;
		}
		if (i == sizeof units / sizeof *units)
			return -1;
		if (n > (INT64_MAX - total) / units[i].ms)
			goto toobig;
		total += n * units[i].ms;
		p += ulen;
		parts++;
	}
	*ms = total;
	return 0;
 toobig:
	*why = "duration is too long";
	return -1;
}

int
inv_parse_transport(const char *s, enum transport_kind *t, const char **why)
{
	if (s != NULL && strcmp(s, "ssh") == 0)
		*t = TRANSPORT_SSH;
	else if (s != NULL && strcmp(s, "winrm") == 0)
		*t = TRANSPORT_WINRM;
	else if (s != NULL && strcmp(s, "sim") == 0)
		*t = TRANSPORT_SIM;
	else {
		*why = "transport must be ssh, winrm or sim";
		return -1;
	}
	return 0;
}

int
inv_parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t	 i;

	if (s == NULL)
		return -1;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Case-insensitive search for needle starting at a word boundary. */
static bool
has_word(const char *hay, const char *needle)
{
	const char	*p;
	size_t		 n = strlen(needle);

	for (p = hay; *p != '\0'; p++) {
		if ((p == hay || !isalpha((unsigned char)p[-1])) &&
		    strncasecmp(p, needle, n) == 0)
			return true;
	}
	return false;
}

const char *
inv_canon_os(const char *s)
{
	static const struct {
		const char	*word;
		const char	*os;
	} products[] = {
		{ "windows", "windows" }, { "win2k", "windows" },
		{ "linux", "linux" }, { "ubuntu", "linux" },
		{ "debian", "linux" }, { "red hat", "linux" },
		{ "rhel", "linux" }, { "centos", "linux" },
		{ "rocky", "linux" }, { "alma", "linux" },
		{ "suse", "linux" }, { "sles", "linux" },
		{ "fedora", "linux" }, { "amazon linux", "linux" },
		{ "mac os", "macos" }, { "macos", "macos" },
		{ "os x", "macos" }, { "darwin", "macos" },
		{ "freebsd", "freebsd" }, { "openbsd", "openbsd" },
		{ "netbsd", "netbsd" }, { "solaris", "solaris" },
		{ "sunos", "solaris" }, { "aix", "aix" },
	};
	size_t	 i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < inv_nos_names; i++) {
		if (strcasecmp(s, inv_os_names[i]) == 0)
			return inv_os_names[i];
	}
	for (i = 0; i < sizeof products / sizeof *products; i++) {
		if (has_word(s, products[i].word))
			return products[i].os;
	}
	return NULL;
}

bool
inv_valid_name(const char *s)
{
	size_t	 n;

	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	for (n = 0; s[n] != '\0'; n++) {
		if (!isalnum((unsigned char)s[n]) && s[n] != '-' &&
		    s[n] != '_' && s[n] != '.')
			return false;
	}
	return n <= 253;
}

bool
inv_secret_name(const char *name)
{
	static const char *const words[] = {
		"password", "passwd", "passphrase", "secret", "token",
		"apikey", "api_key", "credential",
	};
	size_t	 i, n;

	n = strlen(name);
	/* Names of files and environment variables are not secrets. */
	if ((n > 5 && strcasecmp(name + n - 5, "_file") == 0) ||
	    (n > 4 && strcasecmp(name + n - 4, "_env") == 0))
		return false;
	for (i = 0; i < sizeof words / sizeof *words; i++) {
		if (has_word(name, words[i]))
			return true;
	}
	return strcasecmp(name, "pass") == 0 ||
	    (n > 5 && strcasecmp(name + n - 5, "_pass") == 0);
}

/*
 * The text keys of host_set_text().  Each names the field it sets and how
 * to parse it; one table keeps the keys, the parsing and the did-you-mean
 * list in step.
 */
enum text_kind {
	TK_STR, TK_PORT, TK_DURATION, TK_BOOL, TK_TIER, TK_TRANSPORT,
	TK_OS, TK_TAGS, TK_NAME, TK_ENUM,
};

struct text_key {
	const char	*key;
	enum text_kind	 kind;
	size_t		 off;
	const char	*choices;	/* TK_ENUM: space-separated */
};

#define HOFF(f)	offsetof(struct host, f)

static const struct text_key text_keys[] = {
	{ "address", TK_STR, HOFF(address), NULL },
	{ "user", TK_STR, HOFF(user), NULL },
	{ "site", TK_NAME, HOFF(site), NULL },
	{ "os", TK_OS, HOFF(os), NULL },
	{ "tier", TK_TIER, HOFF(tier), NULL },
	{ "transport", TK_TRANSPORT, HOFF(transport), NULL },
	{ "tags", TK_TAGS, 0, NULL },
	{ "description", TK_STR, HOFF(description), NULL },
	{ "port", TK_PORT, HOFF(ssh.port), NULL },
	{ "ssh.port", TK_PORT, HOFF(ssh.port), NULL },
	{ "ssh.identity", TK_STR, HOFF(ssh.identity), NULL },
	{ "ssh.known_hosts", TK_STR, HOFF(ssh.known_hosts), NULL },
	{ "ssh.password_env", TK_STR, HOFF(ssh.password_env), NULL },
	{ "ssh.password_file", TK_STR, HOFF(ssh.password_file), NULL },
	{ "ssh.passphrase_env", TK_STR, HOFF(ssh.passphrase_env), NULL },
	{ "ssh.passphrase_file", TK_STR, HOFF(ssh.passphrase_file), NULL },
	{ "ssh.connect_timeout", TK_DURATION, HOFF(ssh.connect_timeout_ms),
	    NULL },
	{ "ssh.keepalive", TK_DURATION, HOFF(ssh.keepalive_ms), NULL },
	{ "ssh.agent", TK_BOOL, HOFF(ssh.agent), NULL },
	{ "winrm.port", TK_PORT, HOFF(winrm.port), NULL },
	{ "winrm.scheme", TK_ENUM, HOFF(winrm.scheme), "https http" },
	{ "winrm.path", TK_STR, HOFF(winrm.path), NULL },
	{ "winrm.auth", TK_ENUM, HOFF(winrm.auth),
	    "negotiate basic ntlm kerberos" },
	{ "winrm.password_env", TK_STR, HOFF(winrm.password_env), NULL },
	{ "winrm.password_file", TK_STR, HOFF(winrm.password_file), NULL },
	{ "winrm.ca_file", TK_STR, HOFF(winrm.ca_file), NULL },
	{ "winrm.insecure_skip_verify", TK_BOOL,
	    HOFF(winrm.insecure_skip_verify), NULL },
	{ "winrm.allow_unencrypted", TK_BOOL, HOFF(winrm.allow_unencrypted),
	    NULL },
	{ "winrm.connect_timeout", TK_DURATION,
	    HOFF(winrm.connect_timeout_ms), NULL },
	{ "winrm.operation_timeout", TK_DURATION,
	    HOFF(winrm.operation_timeout_ms), NULL },
};
#define NTEXT_KEYS	(sizeof text_keys / sizeof *text_keys)

/* Splits s on , ; | and white space and adds each piece as a tag. */
static void
add_tags(struct inventory *inv, struct host *h, const char *s,
    const struct srcpos *pos, struct diags *d)
{
	const char	*p = s, *start;
	char		*tag;

	while (*p != '\0') {
		while (*p != '\0' && (strchr(",;|", *p) != NULL ||
		    isspace((unsigned char)*p)))
			p++;
		start = p;
		while (*p != '\0' && strchr(",;|", *p) == NULL &&
		    !isspace((unsigned char)*p))
			p++;
		if (p == start)
			continue;
		tag = xstrndup(start, (size_t)(p - start));
		if (inv_valid_name(tag))
			host_add_tag(inv, h, tag);
		else
			diag_err(d, pos->file, pos->line, pos->col,
			    "invalid tag '%s': use letters, digits, '-', '_' "
			    "and '.'", tag);
		free(tag);
	}
}

static bool
enum_has(const char *choices, const char *v)
{
	size_t	 n = strlen(v);
	const char *p = choices;

	while (*p != '\0') {
		if (strncmp(p, v, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return n > 0;
		p += strcspn(p, " ");
		p += strspn(p, " ");
	}
	return false;
}

/* The field at off in h; void * keeps the casts below alignment-clean. */
static void *
field(struct host *h, size_t off)
{
	return (char *)h + off;
}

int
host_set_text(struct inventory *inv, struct host *h, const char *key,
    const char *value, const struct srcpos *pos, struct diags *d)
{
	const struct text_key	*k = NULL;
	const char		*why = NULL, *os;
	size_t			 i;
	int			 b;

	for (i = 0; i < NTEXT_KEYS; i++) {
		if (strcmp(text_keys[i].key, key) == 0) {
			k = &text_keys[i];
			break;
		}
	}
	if (k == NULL)
		return 0;
	switch (k->kind) {
	case TK_STR:
		*(const char **)field(h, k->off) = inventory_strdup(inv, value);
		return 1;
	case TK_NAME:
		if (!inv_valid_name(value)) {
			why = "use letters, digits, '-', '_' and '.'";
			break;
		}
		*(const char **)field(h, k->off) = inventory_strdup(inv, value);
		return 1;
	case TK_PORT:
		if (inv_parse_port(value, (int *)field(h, k->off), &why) != 0)
			break;
		/* A bare "port" is the port of whichever transport is used. */
		if (strcmp(key, "port") == 0)
			h->winrm.port = h->ssh.port;
		return 1;
	case TK_DURATION:
		if (inv_parse_duration(value, (int64_t *)field(h, k->off),
		    &why) != 0)
			break;
		return 1;
	case TK_BOOL:
		if ((b = inv_parse_bool(value)) < 0) {
			why = "must be true or false";
			break;
		}
		*(enum tristate *)field(h, k->off) =
		    b ? TRISTATE_TRUE : TRISTATE_FALSE;
		return 1;
	case TK_TIER:
		if (inv_parse_tier(value, &h->tier, &why) != 0)
			break;
		return 1;
	case TK_TRANSPORT:
		if (inv_parse_transport(value, &h->transport, &why) != 0)
			break;
		return 1;
	case TK_OS:
		if ((os = inv_canon_os(value)) == NULL) {
			os = diag_suggest(value, inv_os_names, inv_nos_names);
			diag_err(d, pos->file, pos->line, pos->col,
			    "unknown os '%s'%s%s%s", value,
			    os ? " (did you mean '" : "", os ? os : "",
			    os ? "'?)" : "");
			return 1;
		}
		h->os = os;
		return 1;
	case TK_TAGS:
		add_tags(inv, h, value, pos, d);
		return 1;
	case TK_ENUM:
		if (!enum_has(k->choices, value)) {
			diag_err(d, pos->file, pos->line, pos->col,
			    "%s must be one of: %s (not '%s')", key,
			    k->choices, value);
			return 1;
		}
		*(const char **)field(h, k->off) = inventory_strdup(inv, value);
		return 1;
	}
	diag_err(d, pos->file, pos->line, pos->col, "bad %s '%s': %s", key,
	    value, why);
	return 1;
}

size_t
host_text_keys(const char *prefix, const char **out, size_t max)
{
	size_t	 i, n = 0, plen = strlen(prefix);
	const char *k;

	for (i = 0; i < NTEXT_KEYS; i++) {
		k = text_keys[i].key;
		if (strncmp(k, prefix, plen) != 0)
			continue;
		if (plen == 0 && strchr(k, '.') != NULL)
			continue;
		if (n < max)
			out[n] = k + plen;
		n++;
	}
	return n;
}
