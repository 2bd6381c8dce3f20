/*
 * lifeboat keys: BitLocker recovery keys, fetched in bulk into the
 * vault and looked up by technicians at the recovery screen.
 *
 *	keys fetch [--from host|ad|entra] [-o KEY=VALUE]... PATTERN
 *	keys find KEYID...		(or - for IDs on stdin)
 *	keys list [--reveal] [PATTERN]
 *	keys sheet [-o FILE] [PATTERN]
 *	keys export --format csv [-o FILE] [PATTERN]
 *
 * Every recovery password shown (find, list --reveal, sheet, export) is
 * first written to the key audit log; if that fails, nothing is shown.
 * Fetch reads the vault once before it asks anyone (so a wrong
 * passphrase costs nothing), fetches into a vault of its own in memory,
 * then takes the writers' lock, reads the vault again, merges and
 * writes it back: a second fetch running at the same time loses nothing.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "atomic.h"
#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "errors.h"
#include "escrow.h"
#include "inventory.h"
#include "json.h"
#include "keyaudit.h"
#include "keyfetch.h"
#include "keysrc.h"
#include "loop.h"
#include "plugin.h"
#include "vault.h"
#include "xmalloc.h"

#define KEYS_WHY_MAX		1024
#define KEYS_PASS_MAX		1024
#define KEYS_LOCK_MS		(120 * 1000)
#define KEYS_PROGRESS_MS	200
#define KEYS_FIND_MAX		16	/* matches shown for one ID */

enum {
	OPT_FROM = CMD_OPT_NEXT,
	OPT_REVEAL,
	OPT_FORMAT,
};

/*
 * The vault's credentials, from the environment or the terminal.
 */
struct keys_cred {
	struct vault_cred	 c;
	char			*pass;		/* sodium_malloc'd, or NULL */
	char			**recips;
	size_t			 nrecips;
	char			 path[4096];
};

static void
cred_release(struct keys_cred *kc)
{
	size_t	 i;

	if (kc->pass != NULL)
		sodium_free(kc->pass);
	for (i = 0; i < kc->nrecips; i++)
		free(kc->recips[i]);
	free(kc->recips);
	memset(kc, 0, sizeof *kc);
}

/* Reads the first line of file into a fresh secure buffer. */
static int
read_pass_file(struct cmd_ctx *ctx, const char *env, const char *file,
    char **out)
{
	struct buf	 b;
	size_t		 n;
	int		 err, r = -1;

	buf_init(&b, KEYS_PASS_MAX, BUF_WIPE);
	if ((err = buf_read_file(&b, file, KEYS_PASS_MAX - 1)) != 0)
		cmd_error(ctx, "%s: cannot read %s: %s", env, file,
		    strerror(err));
	else if ((n = strcspn(buf_str(&b), "\r\n")) == 0)
		cmd_error(ctx, "%s: %s holds no passphrase", env, file);
	else {
		if ((*out = sodium_malloc(n + 1)) == NULL)
			abort();
		memcpy(*out, b.data, n);
		(*out)[n] = '\0';
		r = 0;
	}
	buf_release(&b);
	return r;
}

static int
ask_pass(struct cmd_ctx *ctx, bool confirm, char **out)
{
	struct buf	 a, b;
	char		*p;
	int		 r = -1;

	buf_init(&a, KEYS_PASS_MAX - 1, BUF_WIPE);
	buf_init(&b, KEYS_PASS_MAX - 1, BUF_WIPE);
	if (cmd_ask(confirm ? "New vault passphrase: " : "Vault passphrase: ",
	    false, &a, NULL) != 0) {
		cmd_error(ctx, "no vault passphrase: set "
		    "LIFEBOAT_VAULT_PASSPHRASE_FILE or run at a terminal");
		goto out;
	}
	if (a.len == 0) {
		cmd_error(ctx, "the vault passphrase is empty");
		goto out;
	}
	if (confirm && (cmd_ask("Again: ", false, &b, NULL) != 0 ||
	    b.len != a.len || sodium_memcmp(a.data, b.data, a.len) != 0)) {
		cmd_error(ctx, "the passphrases differ");
		goto out;
	}
	if ((p = sodium_malloc(a.len + 1)) == NULL)
		abort();
	memcpy(p, a.data, a.len + 1);
	*out = p;
	r = 0;
out:
	buf_release(&a);
	buf_release(&b);
	return r;
}

/* Reads a recipients file: one age1... per line, # comments. */
static int
read_recipients(struct cmd_ctx *ctx, const char *file, struct keys_cred *kc)
{
	struct buf	 b;
	char		*line, *save = NULL, *s, *e;
	int		 err;

	buf_init(&b, 1024 * 1024, 0);
	if ((err = buf_read_file(&b, file, 1024 * 1024)) != 0) {
		cmd_error(ctx, "cannot read the vault recipients %s: %s",
		    file, strerror(err));
		buf_release(&b);
		return -1;
	}
	for (line = strtok_r(b.data, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strcspn(s, " \t\r#");
		if (*s == '#' || e == s)
			continue;
		*e = '\0';
		kc->recips = xreallocarray(kc->recips, kc->nrecips + 1,
		    sizeof *kc->recips);
		kc->recips[kc->nrecips++] = xstrdup(s);
	}
	buf_release(&b);
	if (kc->nrecips == 0) {
		cmd_error(ctx, "the vault recipients file %s names nobody",
		    file);
		return -1;
	}
	return 0;
}

/*
 * Gathers the credentials: what opens the vault (an identity file or a
 * passphrase) and what it is written to (recipients or the
 * passphrase).  The passphrase is asked for only when needed: creating
 * asks twice.
 */
static int
cred_init(struct cmd_ctx *ctx, struct keys_cred *kc, bool writing)
{
	struct stat	 st;
	const char	*s, *cfg;
	char		 rfile[4096];
	bool		 exists, need_pass;

	memset(kc, 0, sizeof *kc);
	if (vault_path_default(kc->path, sizeof kc->path) != 0) {
		cmd_error(ctx, "no place for the vault: set XDG_DATA_HOME or "
		    "HOME");
		return -1;
	}
	exists = stat(kc->path, &st) == 0;
	rfile[0] = '\0';
	if ((s = getenv("LIFEBOAT_VAULT_RECIPIENTS")) != NULL && *s != '\0')
		snprintf(rfile, sizeof rfile, "%s", s);
	else if ((cfg = getenv("XDG_CONFIG_HOME")) != NULL && *cfg == '/') {
		snprintf(rfile, sizeof rfile, "%s/lifeboat/vault-recipients",
		    cfg);
		if (stat(rfile, &st) != 0)
			rfile[0] = '\0';
	}
	if (rfile[0] != '\0' && writing && read_recipients(ctx, rfile, kc))
		return -1;
	kc->c.recipients = (const char *const *)kc->recips;
	kc->c.nrecipients = kc->nrecips;
	if ((s = getenv("LIFEBOAT_VAULT_IDENTITY")) != NULL && *s != '\0')
		kc->c.identity_file = s;
	need_pass = (exists && kc->c.identity_file == NULL) ||
	    (writing && kc->nrecips == 0);
	if (!need_pass)
		return 0;
	if ((s = getenv("LIFEBOAT_VAULT_PASSPHRASE_FILE")) != NULL &&
	    *s != '\0') {
		if (read_pass_file(ctx, "LIFEBOAT_VAULT_PASSPHRASE_FILE", s,
		    &kc->pass) != 0)
			return -1;
	} else if (ask_pass(ctx, !exists, &kc->pass) != 0)
		return -1;
	kc->c.passphrase = kc->pass;
	return 0;
}

/*
 * Opens the vault for reading.  A missing vault is an error here (there
 * is nothing to look up); EXIT_OK or EXIT_FAILED after one line.
 */
static int
open_vault(struct cmd_ctx *ctx, struct keys_cred *kc, struct vault **vp)
{
	char	 why[KEYS_WHY_MAX];
	int	 r;

	*vp = NULL;
	if (cred_init(ctx, kc, false) != 0)
		return EXIT_FAILED;
	r = vault_load(kc->path, &kc->c, vp, why, sizeof why);
	if (r == LB_ERR_NOT_FOUND) {
		vault_free(*vp);
		*vp = NULL;
		cmd_error(ctx, "no vault at %s: fetch keys first (lifeboat "
		    "keys fetch)", kc->path);
		return EXIT_FAILED;
	}
	if (r != 0) {
		cmd_error(ctx, "%s", why);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

bool
cmd_keys_need_pass(void)
{
	const char	*s;

	return ((s = getenv("LIFEBOAT_VAULT_IDENTITY")) == NULL ||
	    *s == '\0') && ((s = getenv("LIFEBOAT_VAULT_PASSPHRASE_FILE")) ==
	    NULL || *s == '\0');
}

int
cmd_keys_open(struct cmd_ctx *ctx, const char *pass, struct vault **vp)
{
	struct keys_cred	 kc;
	char			 why[KEYS_WHY_MAX];
	const char		*s;
	int			 r;

	if (pass == NULL) {
		r = open_vault(ctx, &kc, vp);
		cred_release(&kc);
		return r;
	}
	*vp = NULL;
	memset(&kc, 0, sizeof kc);
	if (vault_path_default(kc.path, sizeof kc.path) != 0) {
		cmd_error(ctx, "no place for the vault: set XDG_DATA_HOME or "
		    "HOME");
		return EXIT_FAILED;
	}
	if ((s = getenv("LIFEBOAT_VAULT_IDENTITY")) != NULL && *s != '\0')
		kc.c.identity_file = s;
	kc.c.passphrase = pass;
	r = vault_load(kc.path, &kc.c, vp, why, sizeof why);
	if (r != 0) {
		vault_free(*vp);
		*vp = NULL;
		if (r == LB_ERR_NOT_FOUND)
			cmd_error(ctx, "no vault at %s: fetch keys first "
			    "(lifeboat keys fetch)", kc.path);
		else
			cmd_error(ctx, "%s", why);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int
cmd_keys_find(struct cmd_ctx *ctx, const struct vault *v, const char *id,
    const struct vault_key **m, size_t max)
{
	char	 why[KEYS_WHY_MAX];
	int	 r;

	if ((r = vault_find(v, id, m, max)) < 0) {
		cmd_error(ctx, "'%s' is not a key ID: 8 to 32 hex digits", id);
		return -1;
	}
	/* Fail closed, as keys find does. */
	if (r > 0 && keyaudit_write("tui find", m, (size_t)r < max ?
	    (size_t)r : max, why, sizeof why) != 0) {
		cmd_error(ctx, "%s: no key shown", why);
		return -1;
	}
	return r;
}

/* Whether k is selected by pattern: a glob on the host, or site:GLOB. */
static bool
selected(const struct vault_key *k, const char *pattern)
{
	if (pattern == NULL)
		return true;
	if (strncmp(pattern, "site:", 5) == 0)
		return fnmatch(pattern + 5, k->site, 0) == 0;
	return fnmatch(pattern, k->host, FNM_CASEFOLD) == 0;
}

static void
time_text(int64_t t, char *buf, size_t len)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
key_json(struct json *j, const struct vault_key *k, bool reveal)
{
	char	 t[32];

	time_text(k->fetched, t, sizeof t);
	json_obj_begin(j);
	json_kv_str(j, "id", k->id);
	json_kv_str(j, "host", k->host);
	json_kv_str(j, "site", k->site);
	json_kv_str(j, "volume", k->volume);
	json_kv_str(j, "source", k->source);
	json_kv_str(j, "created", k->created);
	json_kv_str(j, "fetched", t);
	if (reveal)
		json_kv_str(j, "password", k->password);
	json_obj_end(j);
}

/*
 * keys fetch
 */

struct fetch {
	struct cmd_ctx		*ctx;
	struct keyfetch		*kf;
	struct cmd_progress	 progress;
	int64_t			 last_progress;
	struct loop		*loop;
	unsigned		 interrupts;
};

static void
fetch_observe(const struct kf_event *ev, void *arg)
{
	struct fetch	*f = arg;
	int64_t		 now;

	switch (ev->type) {
	case KF_EV_HOST:
		now = loop_now(f->loop);
		if (f->progress.on && (now - f->last_progress >=
		    KEYS_PROGRESS_MS || ev->done == ev->total)) {
			f->last_progress = now;
			cmd_progress_show(&f->progress, "keys: %zu/%zu hosts",
			    ev->done, ev->total);
		}
		break;
	case KF_EV_REJECTED:
		cmd_progress_clear(&f->progress);
		fprintf(stderr, "lifeboat: %s: %s\n", ev->host->h->name,
		    ev->msg);
		break;
	case KF_EV_NOTE:
		cmd_progress_clear(&f->progress);
		fprintf(stderr, "lifeboat: %s\n", ev->msg);
		break;
	case KF_EV_DEBUG:
		if (f->ctx->verbose > 0) {
			cmd_progress_clear(&f->progress);
			fprintf(stderr, "lifeboat: %s\n", ev->msg);
		}
		break;
	case KF_EV_DONE:
		cmd_progress_clear(&f->progress);
		break;
	}
}

static void
fetch_signal(struct loop *loop, int signo, void *arg)
{
	struct fetch	*f = arg;

	f->interrupts++;
	keyfetch_cancel(f->kf);
	if (f->interrupts > 1)
		loop_stop(loop);
}

static int
fetch_ask(const char *prompt, char *buf, size_t len, void *arg)
{
	struct buf	 b;
	int		 r = -1;

	buf_init(&b, len - 1, BUF_WIPE);
	if (cmd_ask(prompt, false, &b, NULL) == 0 && b.len < len) {
		memcpy(buf, buf_str(&b), b.len + 1);
		r = 0;
	}
	buf_release(&b);
	return r;
}

static const char *
status_words(enum kf_status st, const char *source)
{
	switch (st) {
	case KF_NO_KEY:
		return "no key escrowed";
	case KF_NOT_FOUND:
		return strcmp(source, "host") == 0 ? "not found" :
		    "device not found";
	case KF_DENIED:
		return "access denied";
	case KF_UNREACHABLE:
		return "unreachable";
	case KF_CANCELLED:
		return "cancelled";
	default:
		return "failed";
	}
}

/* Merges what was fetched into the vault on disk, under the lock. */
static int
fetch_merge(struct cmd_ctx *ctx, struct keys_cred *kc, struct vault *got,
    size_t *nnew, size_t *nupd)
{
	struct vault		*v = NULL;
	enum vault_put_result	 res;
	const char		*pwhy;
	char			 why[KEYS_WHY_MAX];
	size_t			 i;
	int			 fd, r, e;

	*nnew = *nupd = 0;
	if ((fd = vault_lock(kc->path, KEYS_LOCK_MS, why, sizeof why)) < 0) {
		cmd_error(ctx, "%s", why);
		return -1;
	}
	r = vault_load(kc->path, &kc->c, &v, why, sizeof why);
	if (r != 0 && r != LB_ERR_NOT_FOUND) {
		/* Never write over a vault that cannot be read. */
		cmd_error(ctx, "%s", why);
		vault_unlock(fd);
		return -1;
	}
	for (i = 0; i < vault_count(got); i++) {
		if (vault_put(v, vault_get(got, i), &res, &pwhy) != 0)
			continue;
		if (res == VAULT_NEW)
			(*nnew)++;
		else if (res == VAULT_UPDATED)
			(*nupd)++;
	}
	r = 0;
	if ((*nnew > 0 || *nupd > 0) &&
	    vault_save(v, kc->path, &kc->c, why, sizeof why) != 0) {
		cmd_error(ctx, "%s", why);
		r = -1;
	}
	/* The index of key IDs for audits that have no passphrase. */
	if (r == 0 && escrow_path(why, sizeof why) == 0 &&
	    (e = escrow_write(v, why)) != 0)
		cmd_error(ctx, "cannot write %s: %s", why, strerror(e));
	vault_unlock(fd);
	vault_free(v);
	return r;
}

static void
fetch_json(struct keyfetch *kf, size_t n, size_t nkeys, size_t nnew,
    size_t nupd)
{
	const struct kf_host	*kh;
	struct json		 j;
	size_t			 i;

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_key(&j, "hosts");
	json_arr_begin(&j);
	for (i = 0; i < n; i++) {
		kh = keyfetch_host(kf, i);
		json_obj_begin(&j);
		json_kv_str(&j, "host", kh->h->name);
		json_kv_str(&j, "site", kh->h->site != NULL ? kh->h->site :
		    "");
		json_kv_str(&j, "status", kf_status_name(kh->status));
		json_kv_int(&j, "keys", (int64_t)kh->nkeys);
		json_kv_int(&j, "rejected", (int64_t)kh->nrejected);
		json_key(&j, "why");
		json_str(&j, kh->why);
		json_kv_int(&j, "ms", kh->ms);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_kv_int(&j, "keys", (int64_t)nkeys);
	json_kv_int(&j, "new", (int64_t)nnew);
	json_kv_int(&j, "updated", (int64_t)nupd);
	json_obj_end(&j);
	cmd_json_end(&j);
}

static int
fetch_text(const char *source, struct keyfetch *kf, size_t n, size_t nkeys,
    size_t nnew, size_t nupd)
{
	const struct kf_host	*kh;
	size_t			 i, ok = 0;

	/* A source that could not open failed every host the same way:
	 * one line says it, not one per host. */
	if (keyfetch_open_error(kf) != NULL)
		fprintf(stderr, "lifeboat: keys fetch: %s; no host was "
		    "asked\n", keyfetch_open_error(kf));
	for (i = 0; i < n; i++) {
		kh = keyfetch_host(kf, i);
		if (kh->status == KF_OK) {
			ok++;
			continue;
		}
		if (keyfetch_open_error(kf) != NULL)
			continue;
		if (kh->why != NULL && strcmp(kh->why, status_words(
		    kh->status, source)) != 0)
			printf("%s: %s: %s\n", kh->h->name,
			    status_words(kh->status, source), kh->why);
		else
			printf("%s: %s\n", kh->h->name,
			    status_words(kh->status, source));
	}
	printf("fetched %zu key%s for %zu of %zu host%s (%zu new, %zu "
	    "updated); %zu host%s without a key\n", nkeys, cmd_plural(nkeys),
	    ok, n, cmd_plural(n), nnew, nupd, n - ok, cmd_plural(n - ok));
	return (int)ok;
}

struct fetch_args {
	const char		*from;
	struct kf_setting	*settings;
	size_t			 nsettings;
	struct cmd_conn		 conn;
};

/* Checks -o KEY=VALUE against the source. */
static int
fetch_settings(struct cmd_ctx *ctx, struct fetch_args *a, struct keysrc *ks)
{
	const struct lb_keysource	*d = keysrc_desc(ks);
	const char			*names[64];
	const char			*sug;
	size_t				 i, n;

	for (n = 0; d->keys[n] != NULL && n < 64; n++)
		names[n] = d->keys[n];
	for (i = 0; i < a->nsettings; i++) {
		if (keysrc_takes(ks, a->settings[i].key))
			continue;
		sug = diag_suggest(a->settings[i].key, names, n);
		if (sug != NULL)
			cmd_error(ctx, "-o %s: the %s source has no setting "
			    "'%s' (did you mean '%s'?)", a->settings[i].key,
			    d->name, a->settings[i].key, sug);
		else
			cmd_error(ctx, "-o %s: the %s source has no setting "
			    "'%s'", a->settings[i].key, d->name,
			    a->settings[i].key);
		return -1;
	}
	return 0;
}

static int
fetch_run(struct cmd_ctx *ctx, struct fetch_args *a, const char *pattern)
{
	struct inventory	*inv = NULL;
	struct diags		 d = DIAGS_INIT;
	struct keys_cred	 kc;
	struct keysrc		*ks = NULL;
	struct vault		*v = NULL, *got = NULL;
	struct kf_opts		 o;
	struct fetch		 f;
	const struct host	**hosts = NULL;
	const struct kf_host	*kh;
	char			 why[KEYS_WHY_MAX];
	size_t			 n = 0, i, nkeys = 0, nnew = 0, nupd = 0, ok;
	int			 status = EXIT_USAGE, r;

	memset(&kc, 0, sizeof kc);
	memset(&f, 0, sizeof f);
	if (cmd_load_inventory(ctx, &inv, &d) != 0) {
		cmd_print_diags(ctx, &d, 10);
		goto out;
	}
	cmd_print_diags(ctx, &d, 10);
	if (cmd_select_targets(ctx, inv, pattern, &hosts, &n) != EXIT_OK)
		goto out;
	if ((r = keysrc_load(a->from, NULL, &ks, why, sizeof why)) != 0) {
		cmd_error(ctx, "%s", why);
		goto out;
	}
	if (fetch_settings(ctx, a, ks) != 0)
		goto out;
	/* The vault first: a wrong passphrase must cost no fetch. */
	status = EXIT_FAILED;
	if (cred_init(ctx, &kc, true) != 0)
		goto out;
	r = vault_load(kc.path, &kc.c, &v, why, sizeof why);
	if (r != 0 && r != LB_ERR_NOT_FOUND) {
		cmd_error(ctx, "%s", why);
		goto out;
	}
	got = vault_new();
	if ((f.loop = loop_new()) == NULL) {
		cmd_error(ctx, "cannot create the event loop: %s",
		    strerror(errno));
		goto out;
	}
	memset(&o, 0, sizeof o);
	o.src = ks;
	o.settings = a->settings;
	o.nsettings = a->nsettings;
	o.fanout = a->conn.eo.fanout;
	o.eo = a->conn.eo;
	o.to = a->conn.to;
	o.to.prompt = cmd_ask;
	o.to.spill_dir = NULL;
	o.observer = fetch_observe;
	o.arg = &f;
	o.ask = fetch_ask;
	f.ctx = ctx;
	f.progress.on = cmd_progress_wanted(ctx);
	cmd_raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	f.kf = keyfetch_new(f.loop, &o, hosts, n, got);
	if (loop_signal(f.loop, SIGINT, fetch_signal, &f) != 0 ||
	    loop_signal(f.loop, SIGTERM, fetch_signal, &f) != 0) {
		cmd_error(ctx, "cannot catch signals: %s", strerror(errno));
		goto out;
	}
	if (keyfetch_start(f.kf, why, sizeof why) != 0) {
		cmd_error(ctx, "%s", why);
		status = EXIT_USAGE;
		goto out;
	}
	if (loop_run(f.loop) != 0)
		cmd_error(ctx, "event loop: %s", strerror(errno));
	for (i = 0; i < n; i++)
		nkeys += keyfetch_host(f.kf, i)->nkeys;
	if (vault_count(got) > 0 &&
	    fetch_merge(ctx, &kc, got, &nnew, &nupd) != 0) {
		status = EXIT_FAILED;
		goto out;
	}
	if (ctx->json) {
		fetch_json(f.kf, n, nkeys, nnew, nupd);
		for (ok = 0, i = 0; i < n; i++)
			ok += keyfetch_host(f.kf, i)->status == KF_OK;
	} else
		ok = (size_t)fetch_text(a->from, f.kf, n, nkeys, nnew, nupd);
	status = ok == n ? EXIT_OK : EXIT_FAILED;
	for (i = 0; i < n; i++) {
		kh = keyfetch_host(f.kf, i);
		if (kh->status == KF_CANCELLED)
			status = EXIT_INTERRUPTED;
	}
out:
	keyfetch_free(f.kf);
	loop_free(f.loop);
	vault_free(got);
	vault_free(v);
	keysrc_unload(ks);
	cred_release(&kc);
	free(hosts);
	inventory_free(inv);
	diags_release(&d);
	return status;
}

static const struct option fetch_long[] = {
	CMD_CONN_LONG,
	{ "from", required_argument, NULL, OPT_FROM },
	{ NULL, 0, NULL, 0 }
};

static int
keys_fetch(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct fetch_args	 a;
	const char		*pattern = NULL;
	char			*eq;
	size_t			 nops = 0;
	int			 c, r, status;

	memset(&a, 0, sizeof a);
	a.from = "host";
	/* Options may stand after the pattern too. */
	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, CMD_CONN_SHORT "o:",
		    fetch_long)) != -1) {
			if ((r = cmd_conn_option(ctx, c, &a.conn)) == 0)
				continue;
			if (r < 0)
				goto usage;
			switch (c) {
			case OPT_FROM:
				a.from = optarg;
				break;
			case 'o':
				if ((eq = strchr(optarg, '=')) == NULL ||
				    eq == optarg) {
					cmd_error(ctx, "-o %s: want KEY=VALUE",
					    optarg);
					goto usage;
				}
				a.settings = xreallocarray(a.settings,
				    a.nsettings + 1, sizeof *a.settings);
				*eq = '\0';
				a.settings[a.nsettings].key = optarg;
				a.settings[a.nsettings++].value = eq + 1;
				break;
			case 'h':
				free(a.settings);
				return cmd_usage(&cmd_keys_entry, "fetch",
				    true);
			default:
				goto usage;
			}
		}
		if (optind >= argc)
			break;
		pattern = argv[optind++];
		nops++;
	}
	if (nops != 1) {
		cmd_error(ctx, "one host pattern");
		goto usage;
	}
	status = fetch_run(ctx, &a, pattern);
	free(a.settings);
	return status;
usage:
	free(a.settings);
	return cmd_usage(&cmd_keys_entry, "fetch", false);
}

/*
 * keys find
 */

static void
find_text(const struct vault_key *k)
{
	char	 t[32];

	time_text(k->fetched, t, sizeof t);
	printf("host      %s", k->host);
	if (k->site[0] != '\0')
		printf(" (site %s)", k->site);
	printf("\nvolume    %s\nkey id    %s\npassword  %s\nsource    %s, "
	    "fetched %s\n", k->volume[0] != '\0' ? k->volume : "-", k->id,
	    k->password, k->source, t);
}

/* Looks up each ID of ids (n), audits, then prints. */
static int
find_ids(struct cmd_ctx *ctx, struct vault *v, char **ids, size_t n,
    bool batch)
{
	const struct vault_key	**shown = NULL, *m[KEYS_FIND_MAX];
	struct json		 j;
	char			 why[KEYS_WHY_MAX];
	size_t			 i, k, nshown = 0, missing = 0;
	int			 *nm, r, status = EXIT_OK;
	size_t			 *first;

	nm = xcalloc(n ? n : 1, sizeof *nm);
	first = xcalloc(n ? n : 1, sizeof *first);
	for (i = 0; i < n; i++) {
		r = vault_find(v, ids[i], m, KEYS_FIND_MAX);
		nm[i] = r;
		first[i] = nshown;
		if (r < 0) {
			cmd_error(ctx, "'%s' is not a key ID: 8 to 32 hex "
			    "digits", ids[i]);
			status = EXIT_USAGE;
			continue;
		}
		if (r == 0)
			missing++;
		shown = xreallocarray(shown, nshown + KEYS_FIND_MAX,
		    sizeof *shown);
		for (k = 0; k < (size_t)r && k < KEYS_FIND_MAX; k++)
			shown[nshown++] = m[k];
	}
	if (status != EXIT_OK)
		goto out;
	/* Fail closed: nothing is shown unless the audit is on disk. */
	if (nshown > 0 && keyaudit_write("find", shown, nshown, why,
	    sizeof why) != 0) {
		cmd_error(ctx, "%s: no key shown", why);
		status = EXIT_FAILED;
		goto out;
	}
	if (ctx->json) {
		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "matches");
		json_arr_begin(&j);
		for (k = 0; k < nshown; k++)
			key_json(&j, shown[k], true);
		json_arr_end(&j);
		json_obj_end(&j);
		cmd_json_end(&j);
	}
	for (i = 0; i < n; i++) {
		if (nm[i] == 0)
			cmd_error(ctx, "no key with ID %s in the vault",
			    ids[i]);
		else if (nm[i] > 1 && !batch)
			fprintf(stderr, "lifeboat: %d keys start with %s: "
			    "read more digits of the ID on the screen\n",
			    nm[i], ids[i]);
		if (ctx->json)
			continue;
		for (k = first[i]; k < first[i] + (size_t)(nm[i] >
		    KEYS_FIND_MAX ? KEYS_FIND_MAX : nm[i]); k++) {
			if (batch)
				printf("%s\t%s\t%s\t%s\n", shown[k]->id,
				    shown[k]->host, shown[k]->volume,
				    shown[k]->password);
			else {
				if (k > first[i] || i > 0)
					printf("\n");
				find_text(shown[k]);
			}
		}
	}
	if (missing > 0)
		status = EXIT_FAILED;
out:
	free(shown);
	free(nm);
	free(first);
	return status;
}

static const struct option find_long[] = {
	{ NULL, 0, NULL, 0 }
};

/* Reads key IDs, one per line, from stdin. */
static char **
read_ids(size_t *np)
{
	char	**ids = NULL, *line = NULL, *s, *e;
	size_t	 cap = 0, n = 0;
	ssize_t	 len;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		e = s + strcspn(s, "\r\n");
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		ids = xreallocarray(ids, n + 1, sizeof *ids);
		ids[n++] = xstrdup(s);
	}
	free(line);
	*np = n;
	return ids;
}

static int
keys_find(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct keys_cred	 kc;
	struct vault		*v = NULL;
	char			**ids, **own = NULL, **args;
	size_t			 n, i;
	int			 c, status;
	bool			 batch = false;

	ids = xcalloc((size_t)argc, sizeof *ids);
	n = 0;
	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, "", find_long)) !=
		    -1) {
			free(ids);
			return cmd_usage(&cmd_keys_entry, "find", c == 'h');
		}
		if (optind >= argc)
			break;
		ids[n++] = argv[optind++];
	}
	if (n == 0) {
		cmd_error(ctx, "a key ID (the first 8 digits or more), or - "
		    "to read IDs from standard input");
		free(ids);
		return cmd_usage(&cmd_keys_entry, "find", false);
	}
	args = ids;
	if (n == 1 && strcmp(ids[0], "-") == 0) {
		own = ids = read_ids(&n);
		batch = true;
	}
	memset(&kc, 0, sizeof kc);
	if ((status = open_vault(ctx, &kc, &v)) == EXIT_OK)
		status = find_ids(ctx, v, ids, n, batch);
	vault_free(v);
	cred_release(&kc);
	if (own != NULL) {
		for (i = 0; i < n; i++)
			free(own[i]);
		free(own);
	}
	free(args);
	if (fflush(stdout) != 0)
		status = EXIT_FAILED;
	return status;
}

/*
 * keys list, sheet, export: the selected records.
 */

struct selection {
	const struct vault_key	**v;
	size_t			  n;
	size_t			  nhosts;
};

static void
select_keys(const struct vault *v, const char *pattern, struct selection *s)
{
	const struct vault_key	*k, *prev = NULL;
	size_t			 i;

	memset(s, 0, sizeof *s);
	s->v = xcalloc(vault_count(v) + 1, sizeof *s->v);
	for (i = 0; i < vault_count(v); i++) {
		k = vault_get(v, i);
		if (!selected(k, pattern))
			continue;
		if (prev == NULL || strcmp(prev->host, k->host) != 0)
			s->nhosts++;
		s->v[s->n++] = prev = k;
	}
}

static const struct option list_long[] = {
	{ "reveal", no_argument, NULL, OPT_REVEAL },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ NULL, 0, NULL, 0 }
};

static void
list_text(const struct selection *s, bool reveal)
{
	char	 t[32];
	size_t	 i;

	if (s->n > 0)
		printf("%-20s %-8s %-8s %-36s %-6s %s%s\n", "HOST", "SITE",
		    "VOLUME", "KEY ID", "SOURCE", "FETCHED",
		    reveal ? "              PASSWORD" : "");
	for (i = 0; i < s->n; i++) {
		time_text(s->v[i]->fetched, t, sizeof t);
		printf("%-20s %-8s %-8s %-36s %-6s %s", s->v[i]->host,
		    s->v[i]->site[0] ? s->v[i]->site : "-",
		    s->v[i]->volume[0] ? s->v[i]->volume : "-", s->v[i]->id,
		    s->v[i]->source, t);
		if (reveal)
			printf("  %s", s->v[i]->password);
		printf("\n");
	}
	printf("%zu key%s for %zu host%s\n", s->n, cmd_plural(s->n),
	    s->nhosts, cmd_plural(s->nhosts));
}

/* Opens -o FILE (0600) or stdout. */
static FILE *
output_open(struct cmd_ctx *ctx, const char *file, struct atomic_file *af)
{
	FILE	*fp;

	if (file == NULL)
		return stdout;
	if (atomic_open(af, file, 0600) != 0) {
		cmd_error(ctx, "cannot write %s: %s", file, strerror(errno));
		return NULL;
	}
	if ((fp = fdopen(dup(af->fd), "w")) == NULL) {
		cmd_error(ctx, "cannot write %s: %s", file, strerror(errno));
		atomic_abort(af);
	}
	return fp;
}

static int
output_close(struct cmd_ctx *ctx, const char *file, FILE *fp,
    struct atomic_file *af)
{
	int	 bad;

	if (file == NULL)
		return fflush(stdout) == 0 ? 0 : -1;
	bad = ferror(fp) || fclose(fp) != 0;
	if (bad) {
		cmd_error(ctx, "cannot write %s: %s", file, strerror(errno));
		atomic_abort(af);
		return -1;
	}
	if (atomic_commit(af) != 0) {
		cmd_error(ctx, "cannot write %s: %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

static void
html_text(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '&':
			fputs("&amp;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		case '\'':
			fputs("&#39;", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

/* One page per site: a table a technician prints and carries. */
static void
sheet_write(FILE *fp, const struct selection *s)
{
	char		 t[32];
	const char	*site = NULL;
	size_t		 i;

	time_text((int64_t)time(NULL), t, sizeof t);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8"
	    "\">\n<title>BitLocker recovery keys</title>\n<style>\n"
	    "body{font-family:sans-serif;margin:1.5em}\n"
	    "table{border-collapse:collapse;width:100%}\n"
	    "th,td{border:1px solid #444;padding:.3em .5em;text-align:left;"
	    "vertical-align:top}\n"
	    "td.pw{font-family:monospace;font-size:1.15em;"
	    "letter-spacing:.05em;white-space:nowrap}\n"
	    "td.id{font-family:monospace}\n"
	    "section{page-break-after:always;break-after:page}\n"
	    "section:last-child{page-break-after:auto;break-after:auto}\n"
	    "p.warn{font-weight:bold}\n"
	    "@media print{body{margin:0}}\n"
	    "</style></head><body>\n", fp);
	for (i = 0; i < s->n; i++) {
		if (site == NULL || strcmp(site, s->v[i]->site) != 0) {
			if (site != NULL)
				fputs("</tbody></table></section>\n", fp);
			site = s->v[i]->site;
			fputs("<section>\n<h1>BitLocker recovery keys: site ",
			    fp);
			html_text(fp, site[0] != '\0' ? site : "(none)");
			fprintf(fp, "</h1>\n<p class=\"warn\">Confidential. "
			    "Printed %s. Destroy after use.</p>\n<p>At the "
			    "recovery screen, match the key ID shown (the "
			    "first 8 digits are enough), then type the "
			    "password.</p>\n<table><thead><tr><th>Host</th>"
			    "<th>Volume</th><th>Key ID</th><th>Recovery "
			    "password</th></tr></thead><tbody>\n", t);
		}
		fputs("<tr><td>", fp);
		html_text(fp, s->v[i]->host);
		fputs("</td><td>", fp);
		html_text(fp, s->v[i]->volume[0] ? s->v[i]->volume : "-");
		fputs("</td><td class=\"id\"><b>", fp);
		fprintf(fp, "%.8s</b>%s</td><td class=\"pw\">", s->v[i]->id,
		    s->v[i]->id + 8);
		html_text(fp, s->v[i]->password);
		fputs("</td></tr>\n", fp);
	}
	if (site != NULL)
		fputs("</tbody></table></section>\n", fp);
	else
		fputs("<p>No keys.</p>\n", fp);
	fputs("</body></html>\n", fp);
}

static void
csv_field(FILE *fp, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* The table a recovery stick reads: the ID as manage-bde prints it. */
static void
csv_write(FILE *fp, const struct selection *s)
{
	size_t	 i;

	fputs("KeyProtectorId,RecoveryPassword,ComputerName,Volume,Site\r\n",
	    fp);
	for (i = 0; i < s->n; i++) {
		fprintf(fp, "{%s},%s,", s->v[i]->id, s->v[i]->password);
		csv_field(fp, s->v[i]->host);
		fputc(',', fp);
		csv_field(fp, s->v[i]->volume);
		fputc(',', fp);
		csv_field(fp, s->v[i]->site);
		fputs("\r\n", fp);
	}
}

enum show_kind {
	SHOW_LIST,
	SHOW_SHEET,
	SHOW_EXPORT,
};

static int
keys_show(struct cmd_ctx *ctx, enum show_kind kind, int argc, char **argv)
{
	static const char *const	 subs[] = { "list", "sheet", "export" };
	const char			*sub = subs[kind];
	struct keys_cred		 kc;
	struct vault			*v = NULL;
	struct selection		 s;
	struct atomic_file		 af;
	struct json			 j;
	const char			*pattern = NULL, *file = NULL;
	const char			*format = NULL;
	char				 why[KEYS_WHY_MAX];
	FILE				*fp;
	size_t				 i;
	int				 c, status;
	bool				 reveal = kind != SHOW_LIST;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, kind == SHOW_LIST ?
		    "" : "o:", list_long)) != -1) {
			switch (c) {
			case OPT_REVEAL:
				if (kind != SHOW_LIST)
					goto usage;
				reveal = true;
				break;
			case OPT_FORMAT:
				if (kind != SHOW_EXPORT)
					goto usage;
				format = optarg;
				break;
			case 'o':
				file = optarg;
				break;
			case 'h':
				return cmd_usage(&cmd_keys_entry, sub, true);
			default:
				goto usage;
			}
		}
		if (optind >= argc)
			break;
		if (pattern != NULL) {
			cmd_error(ctx, "at most one pattern");
			goto usage;
		}
		pattern = argv[optind++];
	}
	if (kind == SHOW_EXPORT && (format == NULL ||
	    strcmp(format, "csv") != 0)) {
		cmd_error(ctx, "--format csv (the only format)");
		goto usage;
	}
	memset(&kc, 0, sizeof kc);
	memset(&s, 0, sizeof s);
	if ((status = open_vault(ctx, &kc, &v)) != EXIT_OK)
		goto out;
	select_keys(v, pattern, &s);
	if (reveal && s.n > 0 && keyaudit_write(kind == SHOW_LIST ?
	    "list --reveal" : sub, s.v, s.n, why, sizeof why) != 0) {
		cmd_error(ctx, "%s: no key shown", why);
		status = EXIT_FAILED;
		goto out;
	}
	if (kind == SHOW_LIST && ctx->json) {
		json_init(&j, stdout);
		json_obj_begin(&j);
		json_key(&j, "keys");
		json_arr_begin(&j);
		for (i = 0; i < s.n; i++)
			key_json(&j, s.v[i], reveal);
		json_arr_end(&j);
		json_obj_end(&j);
		status = cmd_json_end(&j);
		goto out;
	}
	if (kind == SHOW_LIST) {
		list_text(&s, reveal);
		status = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
		goto out;
	}
	if ((fp = output_open(ctx, file, &af)) == NULL) {
		status = EXIT_FAILED;
		goto out;
	}
	if (kind == SHOW_SHEET)
		sheet_write(fp, &s);
	else
		csv_write(fp, &s);
	status = output_close(ctx, file, fp, &af) == 0 ? EXIT_OK :
	    EXIT_FAILED;
	if (status == EXIT_OK && file != NULL && ctx->verbose >= 0)
		fprintf(stderr, "lifeboat: wrote %zu key%s for %zu host%s to "
		    "%s\n", s.n, cmd_plural(s.n), s.nhosts,
		    cmd_plural(s.nhosts), file);
out:
	free(s.v);
	vault_free(v);
	cred_release(&kc);
	return status;
usage:
	return cmd_usage(&cmd_keys_entry, sub, false);
}

static int
keys_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rlimit	 rl = { 0, 0 };
	const char	*sub;

	/* Recovery passwords pass through ordinary memory too (a host's
	 * output, a Graph reply): no core dump may keep them, and no other
	 * process of ours may read them through ptrace. */
	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)
		return cmd_usage(&cmd_keys_entry, NULL, argc >= 2);
	sub = argv[1];
	argc--;
	argv++;
	ctx->cmdname = strcmp(sub, "fetch") == 0 ? "keys fetch" :
	    strcmp(sub, "find") == 0 ? "keys find" :
	    strcmp(sub, "list") == 0 ? "keys list" :
	    strcmp(sub, "sheet") == 0 ? "keys sheet" :
	    strcmp(sub, "export") == 0 ? "keys export" : "keys";
	if (strcmp(sub, "fetch") == 0)
		return keys_fetch(ctx, argc, argv);
	if (strcmp(sub, "find") == 0)
		return keys_find(ctx, argc, argv);
	if (strcmp(sub, "list") == 0)
		return keys_show(ctx, SHOW_LIST, argc, argv);
	if (strcmp(sub, "sheet") == 0)
		return keys_show(ctx, SHOW_SHEET, argc, argv);
	if (strcmp(sub, "export") == 0)
		return keys_show(ctx, SHOW_EXPORT, argc, argv);
	cmd_error(ctx, "no subcommand '%s' (fetch, find, list, sheet, "
	    "export)", sub);
	return cmd_usage(&cmd_keys_entry, NULL, false);
}

const struct cmd_entry cmd_keys_entry = {
	.name = "keys",
	.usage =
	    "keys fetch [--from host|ad|entra] [-o KEY=VALUE]... PATTERN\n"
	    "keys find KEYID... | -\n"
	    "keys list [--reveal] [PATTERN]\n"
	    "keys sheet [-o FILE] [PATTERN]\n"
	    "keys export --format csv [-o FILE] [PATTERN]",
	.summary =
	    "BitLocker recovery keys.  'fetch' asks a source about every "
	    "host of PATTERN\n(host: the machine itself over WinRM; ad: "
	    "Active Directory over LDAP; entra:\nEntra ID over Microsoft "
	    "Graph) and keeps what it finds in the encrypted vault.\n'find' "
	    "looks a key up by the ID on the recovery screen (the first 8 "
	    "digits\nare enough); 'list' shows which hosts have keys; "
	    "'sheet' writes a printable\nHTML page per site; 'export' the "
	    "ID to password table recovery media read.\nEvery password "
	    "shown is logged first in the key audit log.\n"
	    "\n"
	    "      --from SOURCE        host (the default), ad or entra\n"
	    "  -o KEY=VALUE             a setting of the source (url, base, "
	    "tenant, ...)\n"
	    "  -f, --fanout N           hosts asked at once (the source's "
	    "own limit)\n"
	    "      --reveal             list the passwords too\n"
	    "  -o FILE                  sheet, export: write FILE (0600)\n"
	    "      --json               the same as JSON",
	.exec = keys_main,
};
