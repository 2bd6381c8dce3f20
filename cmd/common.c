/*
 * What the commands share: option parsing with the common options mixed
 * in, error and usage printing, diagnostics, and finding and loading the
 * inventories.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <langinfo.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>


#include "buf.h"
#include "cmd.h"
#include "diag.h"
#include "engine.h"
#include "errors.h"
#include "inventory.h"
#include "arena.h"
#include "journal.h"
#include "json.h"
#include "jsonr.h"
#include "pattern.h"
#include "rundir.h"
#include "sha256.h"
#include "xmalloc.h"

void
cmd_error(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;

	fputs("lifeboat: ", stderr);
	if (ctx != NULL && ctx->cmdname != NULL)
		fprintf(stderr, "%s: ", ctx->cmdname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
cmd_usage(const struct cmd_entry *e, const char *sub, bool to_stdout)
{
	FILE		*fp = to_stdout ? stdout : stderr;
	const char	*p, *nl;
	int		 first = 1;

	for (p = e->usage; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (sub != NULL && strncmp(p + strlen(e->name) + 1, sub,
		    strlen(sub)) != 0)
			continue;
		fprintf(fp, "%s lifeboat %.*s\n", first ? "usage:" : "      ",
		    (int)(nl - p), p);
		first = 0;
	}
	if (to_stdout)
		fprintf(fp, "\n%s\nSee lifeboat(1).\n", e->summary);
	return to_stdout ? EXIT_OK : EXIT_USAGE;
}

/* Suggests the long option nearest to a mistyped one. */
static void
bad_long_option(const struct cmd_ctx *ctx, const char *arg,
    const struct option *lo)
{
	const char	*names[64], *s;
	char		 word[64];
	size_t		 n = 0, len;

	len = strcspn(arg + 2, "=");
	snprintf(word, sizeof word, "%.*s", (int)len, arg + 2);
	for (; lo->name != NULL && n < 64; lo++)
		names[n++] = lo->name;
	s = diag_suggest(word, names, n);
	if (s != NULL)
		cmd_error(ctx, "unknown option '--%s' (did you mean '--%s'?)",
		    word, s);
	else
		cmd_error(ctx, "unknown option '--%s'", word);
}

int
cmd_getopt(struct cmd_ctx *ctx, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	static const struct option common[] = { CMD_COMMON_LONG,
	    { NULL, 0, NULL, 0 } };
	struct option	 all[64];
	char		 so[64];
	size_t		 n = 0, i;
	int		 c, idx = 0;

	for (i = 0; common[i].name != NULL; i++)
		all[n++] = common[i];
	for (i = 0; longopts != NULL && longopts[i].name != NULL &&
	    n < 63; i++)
		all[n++] = longopts[i];
	memset(&all[n], 0, sizeof all[n]);
	/* "+": stop at the first operand; ":": report missing arguments. */
	snprintf(so, sizeof so, "+:%s%s", CMD_COMMON_SHORT,
	    shortopts ? shortopts : "");
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, so, all, &idx);
		switch (c) {
		case 'i':
			ctx->inventories = xreallocarray(ctx->inventories,
			    ctx->ninventories + 1, sizeof *ctx->inventories);
			ctx->inventories[ctx->ninventories++] = optarg;
			continue;
		case 'J':
			ctx->json = true;
			continue;
		case 'v':
			ctx->verbose = ctx->verbose < 0 ? 1 : ctx->verbose + 1;
			continue;
		case 'q':
			ctx->verbose = -1;
			continue;
		case ':':
			if (argv[optind - 1][0] == '-' &&
			    argv[optind - 1][1] == '-')
				cmd_error(ctx, "option '%s' needs a value",
				    argv[optind - 1]);
			else
				cmd_error(ctx, "option '-%c' needs a value",
				    optopt);
			return '?';
		case '?':
			if (optopt != 0)
				cmd_error(ctx, "unknown option '-%c'", optopt);
			else
				bad_long_option(ctx, argv[optind - 1], all);
			return '?';
		default:
			return c;
		}
	}
}

void
cmd_print_diags(const struct cmd_ctx *ctx, struct diags *d, size_t max)
{
	size_t	 i, shown = 0, hidden = 0;
	char	*s;

	diags_sort(d);
	for (i = 0; i < d->n; i++) {
		if (d->v[i].level != DIAG_ERROR && ctx->verbose < 0)
			continue;
		if (d->v[i].level == DIAG_ERROR && shown >= max) {
			hidden++;
			continue;
		}
		if (d->v[i].level == DIAG_ERROR)
			shown++;
		s = diag_format(&d->v[i]);
		/* Problems that have no file (a pattern) say who speaks. */
		fprintf(stderr, "%s%s\n", d->v[i].file ? "" : "lifeboat: ", s);
		free(s);
	}
	if (hidden > 0)
		fprintf(stderr, "lifeboat: %zu more error%s not shown "
		    "(inventory check shows all)\n", hidden,
		    hidden == 1 ? "" : "s");
}

static bool
skip_name(const char *name)
{
	static const char *const ends[] = {
		"~", ".bak", ".orig", ".swp", ".retry", ".pyc", ".md",
		".rst", ".txt",
	};
	size_t	 i, n = strlen(name), e;

	if (name[0] == '.')
		return true;
	for (i = 0; i < sizeof ends / sizeof *ends; i++) {
		e = strlen(ends[i]);
		if (n >= e && strcasecmp(name + n - e, ends[i]) == 0)
			return true;
	}
	return false;
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory is read as every inventory file in it, in name order. */
static void
load_dir(struct inventory *inv, const char *path, struct diags *d)
{
	DIR		*dir;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, *full;
	size_t		 n = 0, i;

	if ((dir = opendir(path)) == NULL) {
		diag_err(d, path, 0, 0, "cannot read inventory: %s",
		    strerror(errno));
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (skip_name(de->d_name))
			continue;
		xasprintf(&full, "%s/%s", path, de->d_name);
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			names = xreallocarray(names, n + 1, sizeof *names);
			names[n++] = full;
		} else
			free(full);
	}
	closedir(dir);
	qsort(names, n, sizeof *names, cmp_cstr);
	for (i = 0; i < n; i++) {
		inventory_load_file(inv, names[i], INV_FORMAT_AUTO, d);
		free(names[i]);
	}
	free(names);
	if (n == 0)
		diag_add(d, DIAG_WARNING, path, 0, 0,
		    "no inventory files in this directory");
}

static void
load_path(struct inventory *inv, const char *path, struct diags *d)
{
	struct stat	 st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		load_dir(inv, path, d);
	else
		inventory_load_file(inv, path, INV_FORMAT_AUTO, d);
}

int
cmd_load_inventory(struct cmd_ctx *ctx, struct inventory **invp,
    struct diags *d)
{
	struct inventory	*inv;
	const char		*env, *home, *xdg;
	char			*list, *p, *tok, *cfg = NULL;
	size_t			 i;

	*invp = inv = inventory_new();
	if (ctx->ninventories > 0) {
		for (i = 0; i < ctx->ninventories; i++)
			load_path(inv, ctx->inventories[i], d);
	} else if ((env = getenv("LIFEBOAT_INVENTORY")) != NULL &&
	    *env != '\0') {
		list = xstrdup(env);
		for (p = list; (tok = strsep(&p, ":")) != NULL;)
			if (*tok != '\0')
				load_path(inv, tok, d);
		free(list);
	} else {
		if ((xdg = getenv("XDG_CONFIG_HOME")) != NULL && *xdg == '/')
			xasprintf(&cfg, "%s/lifeboat/inventory.yml", xdg);
		else if ((home = getenv("HOME")) != NULL)
			xasprintf(&cfg, "%s/.config/lifeboat/inventory.yml",
			    home);
		if (cfg == NULL || access(cfg, F_OK) != 0) {
			cmd_error(ctx, "no inventory: give -i FILE, set "
			    "LIFEBOAT_INVENTORY, or create %s",
			    cfg ? cfg : "~/.config/lifeboat/inventory.yml");
			free(cfg);
			return EXIT_USAGE;
		}
		load_path(inv, cfg, d);
		free(cfg);
	}
	/*
	 * Finish even after errors, so that every problem shows at once; a
	 * source that failed to parse may add problems of its own here.
	 */
	if (inventory_finish(inv, d) != 0 || d->nerrors > 0)
		return EXIT_USAGE;
	return EXIT_OK;
}

int
cmd_json_end(struct json *j)
{
	int	 r;

	r = json_finish(j);
	json_release(j);
	if (putchar('\n') == EOF)
		r = -1;
	return r ? EXIT_FAILED : EXIT_OK;
}

bool
cmd_utf8(void)
{
	const char	*cs = nl_langinfo(CODESET);

	return cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
}

/* Asks on the terminal, without echo for secrets. */
int
cmd_ask(const char *question, bool echo, struct buf *answer, void *arg)
{
	struct termios	 old, raw;
	char		 c;
	int		 fd, r = LB_ERR_NOT_FOUND;
	bool		 restore = false;
	ssize_t		 n;

	(void)arg;
	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return LB_ERR_NOT_FOUND;
	if (!echo && tcgetattr(fd, &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		restore = tcsetattr(fd, TCSAFLUSH, &raw) == 0;
	}
	if (write(fd, question, strlen(question)) < 0)
		goto out;
	buf_reset(answer);
	while ((n = read(fd, &c, 1)) == 1 && c != '\n') {
		if (buf_addc(answer, c) != 0)
			goto out;
	}
	r = n < 0 ? LB_ERR_SYSTEM : 0;
out:
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		/* The newline the user typed was not echoed: end the line.
		 * Failing to is cosmetic. */
		if (write(fd, "\n", 1) < 0)
			errno = 0;
	}
	close(fd);
	return r;
}

/* Five thousand sockets need more than the usual 1024 descriptors. */
void
cmd_raise_fd_limit(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
cmd_parse_count(struct cmd_ctx *ctx, const char *opt, const char *s, long min,
    long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		cmd_error(ctx, "%s: '%s' is not a number from %ld to %ld",
		    opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
cmd_parse_secs(struct cmd_ctx *ctx, const char *opt, const char *s,
    int64_t *ms)
{
	const char	*why = NULL;

	if (inv_parse_duration(s, ms, &why) != 0) {
		cmd_error(ctx, "%s: '%s' is not a duration (%s)", opt, s,
		    why ? why : "like 30, 30s, 2m or 1h30m");
		return -1;
	}
	return 0;
}

int
cmd_parse_size(struct cmd_ctx *ctx, const char *opt, const char *s,
    size_t *out)
{
	unsigned long long	 v;
	char			*end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	if (errno != 0 || end == s || *end != '\0' || v < 1 ||
	    v > (1ULL << 30)) {
		cmd_error(ctx, "%s: '%s' is not a size from 1 to 1G (like "
		    "64K or 4M)", opt, s);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

int
cmd_select_targets(struct cmd_ctx *ctx, struct inventory *inv,
    const char *text, const struct host ***hostsp, size_t *np)
{
	struct diags	 d = DIAGS_INIT;
	struct pattern	*p = NULL;
	unsigned	*idx = NULL;
	size_t		 n = 0, i;
	int		 r = EXIT_USAGE;

	*hostsp = NULL;
	*np = 0;
	if (pattern_parse(text, &p, &d) != 0 ||
	    pattern_match(p, inv, &idx, &n, &d) != 0)
		goto out;
	if (n == 0) {
		cmd_error(ctx, "pattern '%s' matches no host", text);
		goto out;
	}
	*hostsp = xreallocarray(NULL, n, sizeof(**hostsp));
	for (i = 0; i < n; i++)
		(*hostsp)[i] = &inv->hosts[idx[i]];
	*np = n;
	r = EXIT_OK;
out:
	cmd_print_diags(ctx, &d, 10);
	diags_release(&d);
	pattern_free(p);
	free(idx);
	return r;
}


/*
 * The options of commands that reach hosts.
 */
int
cmd_conn_option(struct cmd_ctx *ctx, int c, struct cmd_conn *a)
{
	long	 v;

	switch (c) {
	case 'f':
		if (cmd_parse_count(ctx, "-f", optarg, 1, ENGINE_FANOUT_MAX,
		    &v) != 0)
			return -1;
		a->eo.fanout = (unsigned)v;
		return 0;
	case 't':
		return cmd_parse_secs(ctx, "-t", optarg,
		    &a->eo.command_timeout_ms);
	case CMD_OPT_PER_SITE:
		if (cmd_parse_count(ctx, "--per-site", optarg, 1,
		    ENGINE_FANOUT_MAX, &v) != 0)
			return -1;
		a->eo.per_site = (unsigned)v;
		return 0;
	case CMD_OPT_CONNECT_TIMEOUT:
		return cmd_parse_secs(ctx, "--connect-timeout", optarg,
		    &a->to.connect_timeout_ms);
	case CMD_OPT_RETRIES:
		if (cmd_parse_count(ctx, "--retries", optarg, 0, 1000, &v) !=
		    0)
			return -1;
		a->eo.retries = (unsigned)v;
		return 0;
	case CMD_OPT_RETRY_DELAY:
		return cmd_parse_secs(ctx, "--retry-delay", optarg,
		    &a->eo.retry_delay_ms);
	case CMD_OPT_ACCEPT_NEW:
		a->to.accept_new_host_keys = true;
		return 0;
	case CMD_OPT_ASK_PASS:
		a->ask_pass = true;
		return 0;
	case CMD_OPT_SEED:
		if (cmd_parse_count(ctx, "--seed", optarg, 0, LONG_MAX,
		    &v) != 0)
			return -1;
		a->to.seed = (uint64_t)v;
		return 0;
	case CMD_OPT_MAX_OUTPUT:
		return cmd_parse_size(ctx, "--max-output", optarg,
		    &a->to.out_cap);
	}
	return 1;
}

const char *
cmd_plural(size_t n)
{
	return n == 1 ? "" : "s";
}

bool
cmd_progress_wanted(const struct cmd_ctx *ctx)
{
	const char	*term = getenv("TERM");

	return isatty(STDERR_FILENO) && ctx->verbose >= 0 && term != NULL &&
	    strcmp(term, "dumb") != 0;
}

void
cmd_progress_show(struct cmd_progress *p, const char *fmt, ...)
{
	va_list	 ap;

	if (!p->on)
		return;
	fputs("\r\033[K", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	p->shown = true;
}

void
cmd_progress_clear(struct cmd_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		p->shown = false;
	}
}

/*
 * Runs and their journals.
 */

void
cmd_conn_record(struct json *w, const struct cmd_conn *c,
    const char *plugin_path)
{
	json_key(w, "options");
	json_obj_begin(w);
	json_kv_int(w, "fanout", c->eo.fanout);
	json_kv_int(w, "per_site", c->eo.per_site);
	json_kv_int(w, "timeout_ms", c->eo.command_timeout_ms);
	json_kv_int(w, "connect_timeout_ms", c->to.connect_timeout_ms);
	json_kv_int(w, "retries", c->eo.retries);
	json_kv_int(w, "retry_delay_ms", c->eo.retry_delay_ms);
	json_kv_int(w, "max_output", (int64_t)c->to.out_cap);
	json_kv_int(w, "seed", (int64_t)c->to.seed);
	json_kv_bool(w, "accept_new", c->to.accept_new_host_keys);
	json_kv_str(w, "plugin_path", plugin_path);
	json_obj_end(w);
}

void
cmd_conn_from_run(struct cmd_conn *c, const struct jrun *jr)
{
	c->eo.fanout = (unsigned)jr->fanout;
	c->eo.per_site = (unsigned)jr->per_site;
	c->eo.command_timeout_ms = jr->timeout_ms;
	c->to.connect_timeout_ms = jr->connect_timeout_ms;
	c->eo.retries = (unsigned)jr->retries;
	c->eo.retry_delay_ms = jr->retry_delay_ms;
	c->to.out_cap = (size_t)jr->max_output;
	c->to.seed = (uint64_t)jr->seed;
	c->to.accept_new_host_keys = jr->accept_new;
}

/* When run id started (its journal's first record), in ms; 0: unknown. */
static int64_t
run_started(const char *id)
{
	struct arena	*a;
	struct jv	*o;
	struct buf	 b;
	char		*root, *path;
	const char	*nl;
	int64_t		 at = 0;

	if ((root = rundir_root(0)) == NULL)
		return 0;
	xasprintf(&path, "%s/%s/%s", root, id, JOURNAL_FILE);
	free(root);
	buf_init(&b, 0, 0);
	if (buf_read_file(&b, path, 1024 * 1024) == 0 && b.len > 0 &&
	    (nl = memchr(b.data, '\n', b.len)) != NULL) {
		a = arena_new();
		if (jsonr_parse(a, b.data, (size_t)(nl - b.data), &o,
		    NULL) == 0)
			at = jv_int(o, "at", 0);
		arena_free(a);
	}
	buf_release(&b);
	free(path);
	return at;
}

/*
 * The latest of ids (sorted): ids start with the second they were made,
 * so among those of the last second, the one whose journal began last.
 */
static const char *
latest(char **ids, size_t n)
{
	const char	*best = ids[n - 1];
	int64_t		 at, best_at = run_started(best);
	size_t		 i;

	for (i = n - 1; i-- > 0;) {
		if (strncmp(ids[i], ids[n - 1], 16) != 0)
			break;
		if ((at = run_started(ids[i])) > best_at) {
			best = ids[i];
			best_at = at;
		}
	}
	return best;
}

int
cmd_load_run(struct cmd_ctx *ctx, const char *id, char **dirp,
    struct jrun *jr)
{
	struct journal_error	 err;
	char			 why[512], **ids = NULL;
	size_t			 n = 0, i;
	int			 r;

	*dirp = NULL;
	memset(jr, 0, sizeof(*jr));
	if (strcmp(id, "last") == 0) {
		if ((r = rundir_list(&ids, &n)) != 0 || n == 0) {
			cmd_error(ctx, "no runs yet%s%s", r ? ": " : "",
			    r ? strerror(r) : "");
			free(ids);
			return EXIT_USAGE;
		}
		*dirp = rundir_find(latest(ids, n), why, sizeof why);
		for (i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	} else
		*dirp = rundir_find(id, why, sizeof why);
	if (*dirp == NULL) {
		cmd_error(ctx, "%s", why);
		return EXIT_USAGE;
	}
	if (journal_load(*dirp, jr, &err) != 0) {
		if (err.line > 0)
			cmd_error(ctx, "%s:%zu:%zu: %s", err.file, err.line,
			    err.col, err.msg);
		else
			cmd_error(ctx, "%s: %s", err.file, err.msg);
		free(*dirp);
		*dirp = NULL;
		return EXIT_USAGE;
	}
	if (jr->torn_len > 0 && ctx->verbose >= 0)
		fprintf(stderr, "lifeboat: %s: %jd bytes after the last whole "
		    "record (line %zu) are torn and left out\n", err.file,
		    (intmax_t)jr->torn_len, jr->records + 1);
	return EXIT_OK;
}

const char *
cmd_user(void)
{
	const char	*u = getenv("USER");
	struct passwd	*pw;

	if (u != NULL && u[0] != '\0')
		return u;
	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return "?";
}


void
cmd_record_inventories(struct json *w, const struct inventory *inv)
{
	char	 hex[65], *path;
	size_t	 i;

	json_key(w, "inventories");
	json_arr_begin(w);
	for (i = 0; inv != NULL && i < inv->nsources; i++) {
		path = realpath(inv->sources[i].path, NULL);
		json_obj_begin(w);
		json_kv_str(w, "path", path ? path : inv->sources[i].path);
		json_kv_str(w, "sha256", sha256_file(path ? path :
		    inv->sources[i].path, hex) == 0 ? hex : NULL);
		json_obj_end(w);
		free(path);
	}
	json_arr_end(w);
}

void
cmd_record_hosts(struct json *w, const struct host *const *hosts, size_t n)
{
	size_t	 i;

	json_key(w, "hosts");
	json_arr_begin(w);
	for (i = 0; i < n; i++) {
		json_obj_begin(w);
		json_kv_str(w, "name", hosts[i]->name);
		json_kv_str(w, "site", hosts[i]->site);
		json_kv_str(w, "os", hosts[i]->os);
		json_obj_end(w);
	}
	json_arr_end(w);
}

int
cmd_same_file(struct cmd_ctx *ctx, const char *what, const char *path,
    const char *sha, const char *id, bool strict)
{
	char	 hex[65];
	int	 e;

	if (sha == NULL || sha[0] == '\0')
		return 0;
	if ((e = sha256_file(path, hex)) != 0) {
		cmd_error(ctx, "cannot read the %s %s: %s", what, path,
		    strerror(e));
		return -1;
	}
	if (strcmp(hex, sha) == 0)
		return 0;
	if (strict) {
		cmd_error(ctx, "the %s %s changed since run %s started: give "
		    "--force to carry on with it as it is now", what, path, id);
		return -1;
	}
	if (ctx->verbose >= 0)
		fprintf(stderr, "lifeboat: the %s %s changed since run %s; "
		    "this run uses it as it is now\n", what, path, id);
	return 0;
}

int
cmd_reload_inventory(struct cmd_ctx *ctx, const struct jrun *jr,
    bool strict, struct inventory **invp)
{
	struct diags	 d = DIAGS_INIT;
	size_t		 i;
	int		 r;

	*invp = NULL;
	if (ctx->ninventories == 0 && jr->ninv > 0) {
		/* The array is main's to free; the paths stay jr's. */
		free(ctx->inventories);
		ctx->inventories = xcalloc(jr->ninv, sizeof(char *));
		for (i = 0; i < jr->ninv; i++)
			ctx->inventories[i] = jr->inv_paths[i];
		ctx->ninventories = jr->ninv;
		for (i = 0; i < jr->ninv; i++)
			if (cmd_same_file(ctx, "inventory", jr->inv_paths[i],
			    jr->inv_sha256[i], jr->id, strict) != 0)
				return EXIT_USAGE;
	}
	r = cmd_load_inventory(ctx, invp, &d);
	cmd_print_diags(ctx, &d, 10);
	diags_release(&d);
	return r;
}

int
cmd_rerun_link(struct cmd_ctx *ctx, const char *dir, const char *of,
    const char *id)
{
	struct journal	*jn;
	struct json	*w;
	char		 why[512];
	int		 e;

	if ((jn = journal_open(dir, -1, why, sizeof why)) == NULL) {
		cmd_error(ctx, "%s", why);
		return -1;
	}
	w = journal_begin(jn, "rerun");
	json_kv_str(w, "id", id);
	journal_end(jn);
	if ((e = journal_sync(jn)) != 0)
		cmd_error(ctx, "cannot write the journal of %s: %s", of,
		    strerror(e));
	journal_free(jn);
	return e != 0 ? -1 : 0;
}

void
cmd_resume_record(struct journal *jn, bool force, bool rerun_unknown)
{
	struct json	*w = journal_begin(jn, "resume");

	json_kv_int(w, "pid", (int64_t)getpid());
	json_kv_str(w, "user", cmd_user());
	json_kv_bool(w, "force", force);
	json_kv_bool(w, "rerun_unknown", rerun_unknown);
	journal_end(jn);
}
