/*
 * The action-plugin loader (see plugin.h and lifeboat-plugin(7)).
 *
 * Loading is the only place lifeboat runs code it did not build, so it
 * checks what it can before and after dlopen(): a name that cannot climb
 * out of a directory, a file nobody else may have written, then the
 * descriptor's ABI version before any other field of it is read (a
 * plugin of another version may lay its descriptor out differently).
 *
 * The lb_out handed to a plugin points back at a struct out_ctx, which
 * says which of the four calls the current hook may make: text() and
 * word() while building a script, set() and fail() while reading a
 * reply.  A call out of turn returns -1 and, while building, fails the
 * build even when the plugin ignores the -1: a script built around a
 * refused word is not the script the plugin meant.
 */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "plugin.h"
#include "quote.h"
#include "xmalloc.h"

#ifndef LIFEBOAT_PLUGINDIR
#define LIFEBOAT_PLUGINDIR	"/usr/local/lib/lifeboat/plugins"
#endif

/* The size of the why buffer a plugin's own hooks write into. */
#define PLUGIN_WHY_MAX		256

struct plugin {
	void			*dl;	/* NULL for a linked-in plugin */
	const struct lb_plugin	*desc;
};

enum out_mode {
	OUT_BUILD,
	OUT_PARSE,
};

struct out_ctx {
	enum out_mode		 mode;
	/* OUT_BUILD */
	enum lb_shell		 shell;
	struct buf		*script;
	int			 err;		/* first error, 0 when none */
	char			 why[PLUGIN_WHY_MAX];
	/* OUT_PARSE */
	struct plugin_result	*res;
};

/*
 * The length of s[0..len) without a UTF-8 sequence that the cut at len
 * left unfinished.
 */
static size_t
utf8_cut(const char *s, size_t len)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 k = len, want;

	while (k > 0 && (u[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0 || u[k - 1] < 0xc0)
		return len;
	want = u[k - 1] >= 0xf0 ? 4 : u[k - 1] >= 0xe0 ? 3 : 2;
	return len - (k - 1) < want ? k - 1 : len;
}

/*
 * Formats one line into why: control characters become spaces, blanks
 * at the end go, and a line cut short is not cut inside a UTF-8
 * sequence.  why may be NULL.
 */
static void __attribute__((format(printf, 3, 4)))
why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len;
	int	 n;
	char	*p;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	if (n < 0) {
		why[0] = '\0';
		return;
	}
	len = strlen(why);
	if ((size_t)n > len)
		why[utf8_cut(why, len)] = '\0';
	for (p = why; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	/* A plugin's message may end in "\n", now a blank. */
	while (p > why && p[-1] == ' ')
		*--p = '\0';
}

const char *
plugin_path_default(void)
{
	const char	*s = getenv("LIFEBOAT_PLUGIN_PATH");

	if (s != NULL && *s != '\0')
		return s;
	return LIFEBOAT_PLUGINDIR;
}

/* A plugin name is a word of [a-z0-9_-], so it names one file. */
static bool
plugin_name_ok(const char *name)
{
	size_t	 i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i >= PLUGIN_NAME_MAX)
			return false;
		if ((name[i] < 'a' || name[i] > 'z') &&
		    (name[i] < '0' || name[i] > '9') &&
		    name[i] != '_' && name[i] != '-')
			return false;
	}
	return i > 0;
}

/*
 * Checks a descriptor found in file (for messages) against name.  The
 * ABI version comes first: nothing else of a descriptor of another
 * version is read.
 */
static int
plugin_check_desc(const struct lb_plugin *desc, const char *name,
    const char *file, char *why, size_t whylen)
{
	const char	*hook = NULL;

	if (desc == NULL) {
		why_set(why, whylen, "%s: %s() returned NULL", file,
		    LB_PLUGIN_SYMBOL);
		return LB_ERR_INVALID;
	}
	if (desc->abi != LB_PLUGIN_ABI) {
		why_set(why, whylen, "%s: ABI %u, this lifeboat speaks %u",
		    file, desc->abi, (unsigned)LB_PLUGIN_ABI);
		return LB_ERR_INVALID;
	}
	if (desc->name == NULL || strcmp(desc->name, name) != 0) {
		why_set(why, whylen, "%s: the plugin calls itself '%.64s', "
		    "not '%s'", file, desc->name ? desc->name : "", name);
		return LB_ERR_INVALID;
	}
	if (desc->keys == NULL)
		hook = "keys";
	else if (desc->build == NULL)
		hook = "build";
	else if (desc->parse == NULL)
		hook = "parse";
	if (hook != NULL) {
		why_set(why, whylen, "%s: the plugin has no %s", file, hook);
		return LB_ERR_INVALID;
	}
	return 0;
}

/*
 * Checks the file a plugin is about to be loaded from: a regular file
 * that only root or we could have written.
 */
static int
plugin_check_file(const char *file, const struct stat *st, char *why,
    size_t whylen)
{
	if (!S_ISREG(st->st_mode)) {
		why_set(why, whylen, "%s: not a regular file", file);
		return LB_ERR_INVALID;
	}
	if (st->st_mode & S_IWOTH) {
		why_set(why, whylen, "%s: writable by others", file);
		return LB_ERR_INVALID;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		why_set(why, whylen, "%s: owned by uid %lu, neither root nor "
		    "us", file, (unsigned long)st->st_uid);
		return LB_ERR_INVALID;
	}
	return 0;
}

/* Opens file as the plugin name and fills *out. */
static int
plugin_open(const char *file, const char *name, struct plugin **out,
    char *why, size_t whylen)
{
	const struct lb_plugin	*desc;
	lb_plugin_fn		*fn;
	void			*dl, *sym;
	const char		*e;
	int			 r;

	/* RTLD_NOW: an unresolved symbol is an error here, not mid-run. */
	dl = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL) {
		e = dlerror();
		why_set(why, whylen, "%s", e ? e : file);
		return LB_ERR_INVALID;
	}
	dlerror();
	sym = dlsym(dl, LB_PLUGIN_SYMBOL);
	if (sym == NULL) {
		why_set(why, whylen, "%s: no %s(): not a lifeboat plugin",
		    file, LB_PLUGIN_SYMBOL);
		dlclose(dl);
		return LB_ERR_INVALID;
	}
	fn = (lb_plugin_fn *)sym;
	desc = fn();
	if ((r = plugin_check_desc(desc, name, file, why, whylen)) != 0) {
		dlclose(dl);
		return r;
	}
	*out = xcalloc(1, sizeof **out);
	(*out)->dl = dl;
	(*out)->desc = desc;
	return 0;
}

int
plugin_locate(const char *name, const char *path, char **filep, char *why,
    size_t whylen)
{
	struct stat	 st;
	const char	*p, *end;
	char		*file = NULL;
	size_t		 len;
	int		 r = LB_ERR_INTERNAL;

	*filep = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (!plugin_name_ok(name)) {
		why_set(why, whylen, "bad plugin name '%.64s': use a-z, 0-9, "
		    "'_' and '-'", name);
		return LB_ERR_INVALID;
	}
	if (path == NULL)
		path = plugin_path_default();
	for (p = path; *p != '\0'; p = *end == ':' ? end + 1 : end) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		/* An empty entry is not ".": only named places are searched. */
		if (len == 0)
			continue;
		free(file);
		xasprintf(&file, "%.*s/%s.so", (int)len, p, name);
		if (stat(file, &st) == -1) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			why_set(why, whylen, "%s: %s", file, strerror(errno));
			r = LB_ERR_SYSTEM;
			goto out;
		}
		if ((r = plugin_check_file(file, &st, why, whylen)) != 0)
			goto out;
		*filep = file;
		return 0;
	}
	why_set(why, whylen, "no plugin '%s' on the plugin path %s", name,
	    path);
	r = LB_ERR_NOT_FOUND;
out:
	free(file);
	return r;
}

int
plugin_load(const char *name, const char *path, struct plugin **out,
    char *why, size_t whylen)
{
	char	*file;
	int	 r;

	*out = NULL;
	if ((r = plugin_locate(name, path, &file, why, whylen)) != 0)
		return r;
	r = plugin_open(file, name, out, why, whylen);
	free(file);
	return r;
}

int
plugin_load_static(const struct lb_plugin *desc, struct plugin **out,
    char *why, size_t whylen)
{
	const char	*name;
	int		 r;

	*out = NULL;
	if (desc != NULL && desc->abi == LB_PLUGIN_ABI) {
		name = desc->name ? desc->name : "";
		if (!plugin_name_ok(name)) {
			why_set(why, whylen, "bad plugin name '%.64s'", name);
			return LB_ERR_INVALID;
		}
	} else
		name = "";
	if ((r = plugin_check_desc(desc, name, "(linked in)", why,
	    whylen)) != 0)
		return r;
	*out = xcalloc(1, sizeof **out);
	(*out)->desc = desc;
	return 0;
}

const struct lb_plugin *
plugin_desc(const struct plugin *p)
{
	return p->desc;
}

void
plugin_unload(struct plugin *p)
{
	if (p == NULL)
		return;
	if (p->dl != NULL)
		dlclose(p->dl);
	free(p);
}

int
plugin_set_get(struct plugin_set *set, const char *name, const char *path,
    struct plugin **out, char *why, size_t whylen)
{
	struct plugin	*p;
	size_t		 i;
	int		 r;

	*out = NULL;
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->desc->name, name) == 0) {
			*out = set->v[i];
			return 0;
		}
	}
	if ((r = plugin_load(name, path, &p, why, whylen)) != 0)
		return r;
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n++] = p;
	*out = p;
	return 0;
}

void
plugin_set_release(struct plugin_set *set)
{
	size_t	 i;

	for (i = 0; i < set->n; i++)
		plugin_unload(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

/* The number of keys and whether key is one of them. */
static size_t
plugin_nkeys(const struct lb_plugin *desc, const char *key, bool *found)
{
	size_t	 n;

	*found = false;
	for (n = 0; desc->keys[n] != NULL; n++) {
		if (key != NULL && strcmp(desc->keys[n], key) == 0)
			*found = true;
	}
	return n;
}

int
plugin_check_args(const struct plugin *p, const struct lb_args *args,
    const char **badkey, char *why, size_t whylen)
{
	const struct lb_plugin	*desc = p->desc;
	const char		*hint, *key;
	char			 pwhy[PLUGIN_WHY_MAX];
	size_t			 i, j, n;
	bool			 found;

	*badkey = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	for (i = 0; i < args->n; i++) {
		key = args->v[i].key;
		n = plugin_nkeys(desc, key, &found);
		if (!found) {
			hint = diag_suggest(key, desc->keys, n);
			why_set(why, whylen, "%s: unknown argument "
			    "'%.64s'%s%s%s", desc->name, key,
			    hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
			*badkey = key;
			return LB_ERR_INVALID;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(args->v[j].key, key) == 0) {
				why_set(why, whylen, "%s: argument '%s' "
				    "given twice", desc->name, key);
				*badkey = key;
				return LB_ERR_INVALID;
			}
		}
	}
	if (desc->check == NULL)
		return 0;
	memset(pwhy, 0, sizeof pwhy);
	key = NULL;
	if (desc->check(args, &key, pwhy, sizeof pwhy) == 0)
		return 0;
	pwhy[sizeof pwhy - 1] = '\0';
	why_set(why, whylen, "%s: %s", desc->name,
	    pwhy[0] != '\0' ? pwhy : "bad arguments");
	*badkey = key;
	return LB_ERR_INVALID;
}

/* Records the first error of a build; later ones would only follow it. */
static int __attribute__((format(printf, 3, 4)))
out_error(struct out_ctx *o, int err, const char *fmt, ...)
{
	va_list	 ap;

	if (o->err == 0) {
		o->err = err;
		va_start(ap, fmt);
		vsnprintf(o->why, sizeof o->why, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
out_text(void *ctx, const char *s)
{
	struct out_ctx	*o = ctx;

	if (o->mode != OUT_BUILD)
		return -1;
	if (s == NULL)
		return out_error(o, LB_ERR_INVALID, "text(NULL)");
	if (buf_adds(o->script, s) != 0)
		return out_error(o, LB_ERR_LIMIT, "the script is too long");
	return 0;
}

static int
out_word(void *ctx, const char *s)
{
	struct out_ctx	*o = ctx;
	int		 r;

	if (o->mode != OUT_BUILD)
		return -1;
	if (s == NULL)
		return out_error(o, LB_ERR_INVALID, "word(NULL)");
	if (o->shell == LB_SHELL_SH)
		r = quote_sh(o->script, s, strlen(s));
	else
		r = quote_ps(o->script, s, strlen(s));
	if (r == LB_ERR_LIMIT)
		return out_error(o, r, "the script is too long");
	if (r != 0) {
		/* Never the value itself: it may be a secret. */
		return out_error(o, LB_ERR_INVALID, "a value is not valid "
		    "UTF-8 text");
	}
	return 0;
}

/* A key of a result: what `register` names as NAME.key. */
static bool
out_key_ok(const char *key)
{
	size_t	 i;

	for (i = 0; key[i] != '\0'; i++) {
		if (i >= PLUGIN_KEY_MAX)
			return false;
		if ((key[i] < 'a' || key[i] > 'z') &&
		    (key[i] < '0' || key[i] > '9') && key[i] != '_')
			return false;
	}
	return i > 0;
}

static int
out_set(void *ctx, const char *key, const char *value)
{
	struct out_ctx		*o = ctx;
	struct plugin_result	*res = o->res;
	size_t			 i;

	if (o->mode != OUT_PARSE) {
		return out_error(o, LB_ERR_INVALID, "set() while building "
		    "a script");
	}
	if (key == NULL || value == NULL || !out_key_ok(key) ||
	    strnlen(value, PLUGIN_VALUE_MAX + 1) > PLUGIN_VALUE_MAX)
		return -1;
	for (i = 0; i < res->nkv; i++) {
		if (strcmp(res->kv[i].key, key) == 0) {
			free(res->kv[i].value);
			res->kv[i].value = xstrdup(value);
			return 0;
		}
	}
	if (res->nkv >= PLUGIN_VALUES_MAX)
		return -1;
	res->kv = xreallocarray(res->kv, res->nkv + 1, sizeof *res->kv);
	res->kv[res->nkv].key = xstrdup(key);
	res->kv[res->nkv].value = xstrdup(value);
	res->nkv++;
	return 0;
}

/*
 * Keeps a copy of reason fit for one line of a terminal: tabs and line
 * ends become spaces, other control characters go, blanks at the ends
 * go, and it is cut (at a character's start) at PLUGIN_REASON_MAX.
 */
static char *
out_reason(const char *reason)
{
	struct buf	 b = BUF_INIT;
	const char	*s;
	unsigned char	 c;

	for (s = reason; *s != '\0' && b.len < PLUGIN_REASON_MAX; s++) {
		c = (unsigned char)*s;
		if (c == '\t' || c == '\n' || c == '\r')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			continue;
		if (c == ' ' && (b.len == 0 || b.data[b.len - 1] == ' '))
			continue;
		buf_addc(&b, (char)c);
	}
	if (*s != '\0')
		buf_truncate(&b, utf8_cut(b.data, b.len));
	while (b.len > 0 && b.data[b.len - 1] == ' ')
		buf_truncate(&b, b.len - 1);
	if (b.len == 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int
out_fail(void *ctx, const char *reason)
{
	struct out_ctx	*o = ctx;
	char		*r;

	if (o->mode != OUT_PARSE) {
		return out_error(o, LB_ERR_INVALID, "fail() while building "
		    "a script");
	}
	if (reason == NULL)
		return -1;
	if ((r = out_reason(reason)) == NULL)
		return 0;
	free(o->res->reason);
	o->res->reason = r;
	return 0;
}

static void
out_init(struct out_ctx *o, struct lb_out *out, enum out_mode mode)
{
	memset(o, 0, sizeof *o);
	o->mode = mode;
	out->ctx = o;
	out->text = out_text;
	out->word = out_word;
	out->set = out_set;
	out->fail = out_fail;
}

int
plugin_script(const char *name, const struct lb_facts *facts,
    plugin_build_fn *build, void *arg, struct buf *script, char *why,
    size_t whylen)
{
	struct out_ctx		 o;
	struct lb_out		 out;
	char			 pwhy[PLUGIN_WHY_MAX];
	size_t			 oldlen = script->len;
	int			 r;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (facts->shell != LB_SHELL_SH &&
	    facts->shell != LB_SHELL_POWERSHELL) {
		why_set(why, whylen, "%s: unknown shell %d", name,
		    (int)facts->shell);
		return LB_ERR_INVALID;
	}
	out_init(&o, &out, OUT_BUILD);
	o.shell = facts->shell;
	o.script = script;
	memset(pwhy, 0, sizeof pwhy);
	r = build(arg, facts, &out, pwhy, sizeof pwhy);
	pwhy[sizeof pwhy - 1] = '\0';
	if (r == 0 && o.err == 0)
		return 0;
	buf_truncate(script, oldlen);
	/* Our own reason first: the plugin's is often "word() failed". */
	if (o.err != 0)
		why_set(why, whylen, "%s: %s", name, o.why);
	else {
		why_set(why, whylen, "%s: %s", name, pwhy[0] != '\0' ?
		    pwhy : "cannot build the script");
	}
	return o.err == LB_ERR_LIMIT ? LB_ERR_LIMIT : LB_ERR_INVALID;
}

struct plugin_build_arg {
	const struct lb_plugin	*desc;
	const struct lb_args	*args;
};

/* An action's build() as a plugin_build_fn. */
static int
action_build(void *arg, const struct lb_facts *facts,
    const struct lb_out *out, char *why, size_t whylen)
{
	const struct plugin_build_arg	*a = arg;

	return a->desc->build(a->args, facts, out, why, whylen);
}

int
plugin_build(const struct plugin *p, const struct lb_args *args,
    const struct lb_facts *facts, struct buf *script, char *why,
    size_t whylen)
{
	struct plugin_build_arg	 a = { p->desc, args };

	return plugin_script(p->desc->name, facts, action_build, &a, script,
	    why, whylen);
}

int
plugin_parse(const struct plugin *p, const struct lb_args *args,
    const struct lb_facts *facts, const struct lb_reply *reply,
    struct plugin_result *out)
{
	const struct lb_plugin	*desc = p->desc;
	struct plugin_result	 init = PLUGIN_RESULT_INIT;
	struct lb_reply		 rep = *reply;
	struct out_ctx		 o;
	struct lb_out		 lbout;
	int			 v;

	*out = init;
	/* The plugin may read both strings whatever it got. */
	if (rep.out == NULL) {
		rep.out = "";
		rep.out_len = 0;
	}
	if (rep.err == NULL) {
		rep.err = "";
		rep.err_len = 0;
	}
	out_init(&o, &lbout, OUT_PARSE);
	o.res = out;
	/* An int: a plugin may return what no enumerator names. */
	v = (int)desc->parse(args, facts, &rep, &lbout);
	switch (v) {
	case LB_OK:
	case LB_CHANGED:
		out->verdict = (enum lb_verdict)v;
		free(out->reason);
		out->reason = NULL;
		break;
	case LB_FAILED:
		out->verdict = LB_FAILED;
		if (out->reason == NULL)
			out->reason = xstrdup("failed");
		break;
	default:
		out->verdict = LB_FAILED;
		free(out->reason);
		out->reason = xstrdup("plugin returned an unknown verdict");
		break;
	}
	return 0;
}

const char *
plugin_result_get(const struct plugin_result *r, const char *key)
{
	size_t	 i;

	for (i = 0; i < r->nkv; i++) {
		if (strcmp(r->kv[i].key, key) == 0)
			return r->kv[i].value;
	}
	return NULL;
}

void
plugin_result_release(struct plugin_result *r)
{
	struct plugin_result	 init = PLUGIN_RESULT_INIT;
	size_t			 i;

	for (i = 0; i < r->nkv; i++) {
		free(r->kv[i].key);
		free(r->kv[i].value);
	}
	free(r->kv);
	free(r->reason);
	*r = init;
}
