/*
 * vault-tool: the key vault (src/vault.c) from the shell, for the tests
 * (t0160) and for poking at a vault by hand.  It is no part of lifeboat
 * and is not installed.
 *
 *	vault-tool put VAULT < records.jsonl
 *		merges JSON lines {"id","host","site","volume","password",
 *		"source","created","fetched"} (fetched: Unix seconds or
 *		"YYYY-MM-DDTHH:MM:SSZ") under the writers' lock and saves;
 *		prints "N new, N updated, N older, N same"
 *	vault-tool dump [--history] VAULT
 *		prints the current records as JSON lines (then the history,
 *		each with "history": true)
 *	vault-tool find VAULT KEYID
 *		prints the records whose id starts with KEYID's digits
 *	vault-tool hold VAULT SECONDS
 *		takes the writers' lock, says "locked", holds it that long
 *
 * Credentials come from the environment: LIFEBOAT_VAULT_PASSPHRASE_FILE
 * (the passphrase, one line), LIFEBOAT_VAULT_IDENTITY (an age identity
 * file), LIFEBOAT_VAULT_RECIPIENTS (a file of "age1..." lines: new files
 * are encrypted to them instead of the passphrase).  The lock wait is
 * VAULT_TOOL_LOCK_MS (default 30000).  Exit status: 0 done, 1 a vault
 * error or nothing found, 2 a usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "json.h"
#include "jsonr.h"
#include "vault.h"
#include "xmalloc.h"

#define MAX_RECIPIENTS	64

static char		*passphrase;	/* sodium_malloc() */
static char		*recip[MAX_RECIPIENTS];
static size_t		 nrecip;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: vault-tool put VAULT < records.jsonl\n"
	    "       vault-tool dump [--history] VAULT\n"
	    "       vault-tool find VAULT KEYID\n"
	    "       vault-tool hold VAULT SECONDS\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	fputs("vault-tool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* The passphrase file's first line, in secure memory. */
static void
read_passphrase(const char *path)
{
	FILE	*fp;
	size_t	 n;

	if ((passphrase = sodium_malloc(1024)) == NULL)
		die("out of secure memory");
	if ((fp = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	/* No stdio buffer outlives the read with the secret in it. */
	setvbuf(fp, NULL, _IONBF, 0);
	if (fgets(passphrase, 1024, fp) == NULL)
		passphrase[0] = '\0';
	fclose(fp);
	n = strcspn(passphrase, "\r\n");
	passphrase[n] = '\0';
}

static void
read_recipients(const char *path)
{
	struct buf	 b = BUF_INIT;
	char		*line, *save, *p;
	int		 err;

	if ((err = buf_read_file(&b, path, 1 << 20)) != 0)
		die("%s: %s", path, strerror(err));
	for (line = strtok_r(b.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		p = line + strcspn(line, " \t\r");
		*p = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (nrecip == MAX_RECIPIENTS)
			die("%s: too many recipients", path);
		recip[nrecip++] = xstrdup(line);
	}
	buf_release(&b);
}

static void
creds(struct vault_cred *c)
{
	const char	*s;

	memset(c, 0, sizeof *c);
	if ((s = getenv("LIFEBOAT_VAULT_PASSPHRASE_FILE")) != NULL) {
		read_passphrase(s);
		c->passphrase = passphrase;
	}
	c->identity_file = getenv("LIFEBOAT_VAULT_IDENTITY");
	if ((s = getenv("LIFEBOAT_VAULT_RECIPIENTS")) != NULL)
		read_recipients(s);
	c->recipients = (const char *const *)recip;
	c->nrecipients = nrecip;
}

static struct vault *
load(const char *path, const struct vault_cred *c)
{
	struct vault	*v;
	char		 why[512];
	int		 r;

	r = vault_load(path, c, &v, why, sizeof why);
	if (r != 0 && r != LB_ERR_NOT_FOUND)
		die("%s", why);
	return v;
}

static void
print_key(const struct vault_key *k, bool history)
{
	struct json	 j;
	struct tm	 tm;
	time_t		 t = (time_t)k->fetched;
	char		 ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_init(&j, stdout);
	json_obj_begin(&j);
	json_kv_str(&j, "id", k->id);
	json_kv_str(&j, "host", k->host);
	json_kv_str(&j, "site", k->site);
	json_kv_str(&j, "volume", k->volume);
	json_kv_str(&j, "password", k->password);
	json_kv_str(&j, "source", k->source);
	json_kv_str(&j, "created", k->created);
	json_kv_str(&j, "fetched", ts);
	if (history)
		json_kv_bool(&j, "history", true);
	json_obj_end(&j);
	(void)json_finish(&j);
	json_release(&j);
	putchar('\n');
}

/* A record's fetch time: Unix seconds or "YYYY-MM-DDTHH:MM:SSZ". */
static int
fetched(const struct jv *o, int64_t *t)
{
	const struct jv	*f = jv_get(o, "fetched");
	struct tm	 tm;
	char		 z = 0;

	if (f != NULL && f->type == JV_NUM && f->is_int) {
		*t = f->i;
		return 0;
	}
	if (f == NULL || f->type != JV_STR)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(f->s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &z) != 7 || z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	*t = (int64_t)timegm(&tm);
	return 0;
}

static int
cmd_put(const char *path)
{
	struct vault_cred	 c;
	struct vault_key	 k;
	struct jsonr_error	 err;
	enum vault_put_result	 res;
	struct arena		*a;
	struct vault		*v;
	struct jv		*o;
	struct buf		 in;
	const char		*why, *ms;
	char			 lwhy[512], *line, *nl;
	size_t			 lineno = 0, count[4] = { 0 };
	int			 fd, rc = 0;

	creds(&c);
	ms = getenv("VAULT_TOOL_LOCK_MS");
	if ((fd = vault_lock(path, ms ? atoll(ms) : 30000, lwhy,
	    sizeof lwhy)) == -1)
		die("%s", lwhy);
	v = load(path, &c);
	buf_init(&in, BUF_DEFAULT_MAX, BUF_WIPE);
	if (buf_read_file(&in, "/dev/stdin", BUF_DEFAULT_MAX) != 0)
		die("stdin: cannot read");
	a = arena_new();
	for (line = in.data; line != NULL && *line != '\0'; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		if (jsonr_parse(a, line, strlen(line), &o, &err) != 0)
			die("stdin:%zu:%zu: %s", lineno, err.col, err.msg);
		memset(&k, 0, sizeof k);
		k.id = jv_str(o, "id");
		k.host = jv_str(o, "host");
		k.site = jv_str(o, "site");
		k.volume = jv_str(o, "volume");
		k.password = jv_str(o, "password");
		k.source = jv_str(o, "source");
		k.created = jv_str(o, "created");
		if (fetched(o, &k.fetched) != 0)
			die("stdin:%zu: no fetch time", lineno);
		if (vault_put(v, &k, &res, &why) != 0)
			die("stdin:%zu: %s", lineno, why);
		count[res]++;
	}
	arena_free_wipe(a);
	buf_release(&in);
	if (count[VAULT_NEW] + count[VAULT_UPDATED] + count[VAULT_OLDER] > 0 &&
	    vault_save(v, path, &c, lwhy, sizeof lwhy) != 0) {
		fprintf(stderr, "vault-tool: %s\n", lwhy);
		rc = 1;
	}
	vault_unlock(fd);
	printf("%zu new, %zu updated, %zu older, %zu same\n", count[VAULT_NEW],
	    count[VAULT_UPDATED], count[VAULT_OLDER], count[VAULT_SAME]);
	vault_free(v);
	return rc;
}

static int
cmd_dump(const char *path, bool history)
{
	struct vault_cred	 c;
	struct vault		*v;
	size_t			 i;

	creds(&c);
	v = load(path, &c);
	for (i = 0; i < vault_count(v); i++)
		print_key(vault_get(v, i), false);
	for (i = 0; history && i < vault_history_count(v); i++)
		print_key(vault_history_get(v, i), true);
	vault_free(v);
	return 0;
}

static int
cmd_find(const char *path, const char *keyid)
{
	const struct vault_key	*out[64];
	struct vault_cred	 c;
	struct vault		*v;
	int			 n, i;

	creds(&c);
	v = load(path, &c);
	if ((n = vault_find(v, keyid, out, 64)) < 0) {
		fprintf(stderr, "vault-tool: \"%s\": not a key ID\n", keyid);
		vault_free(v);
		return 2;
	}
	for (i = 0; i < n && i < 64; i++)
		print_key(out[i], false);
	if (n > 1)
		fprintf(stderr, "vault-tool: ambiguous: %d keys match\n", n);
	vault_free(v);
	return n > 0 ? 0 : 1;
}

static int
cmd_hold(const char *path, const char *secs)
{
	char	 why[512];
	int	 fd;

	if ((fd = vault_lock(path, 30000, why, sizeof why)) == -1)
		die("%s", why);
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)atoi(secs));
	vault_unlock(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	int	 rc;

	if (sodium_init() < 0)
		die("libsodium failed to start");
	if (argc == 3 && strcmp(argv[1], "put") == 0)
		rc = cmd_put(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "dump") == 0)
		rc = cmd_dump(argv[2], false);
	else if (argc == 4 && strcmp(argv[1], "dump") == 0 &&
	    strcmp(argv[2], "--history") == 0)
		rc = cmd_dump(argv[3], true);
	else if (argc == 4 && strcmp(argv[1], "find") == 0)
		rc = cmd_find(argv[2], argv[3]);
	else if (argc == 4 && strcmp(argv[1], "hold") == 0)
		rc = cmd_hold(argv[2], argv[3]);
	else
		usage();
	if (passphrase != NULL)
		sodium_free(passphrase);
	while (nrecip > 0)
		free(recip[--nrecip]);
	return rc;
}
