/*
 * The action-plugin loader: finds NAME.so on the plugin path, checks it
 * against the ABI of include/lifeboat/plugin.h, and stands between the
 * engine and the plugin's three hooks.
 *
 * lifeboat never trusts what a plugin writes.  plugin_build() hands the
 * plugin an lb_out whose word() quotes each value for the host's shell
 * (quote_sh(), quote_ps()), so an argument can only ever be one word;
 * plugin_parse() copies what the plugin sets into a plugin_result with
 * limits on keys, counts and sizes, and drops control characters from
 * the failure reason.  Every call that fails says why in one line in why
 * (at most whylen bytes with its NUL), lower-case, the object quoted.
 *
 * A loaded plugin stays loaded until plugin_unload(): the descriptor and
 * every string in it live in the shared object.
 */
#ifndef LIFEBOAT_PLUGIN_INTERNAL_H
#define LIFEBOAT_PLUGIN_INTERNAL_H

#include <stddef.h>

#include <lifeboat/plugin.h>

struct buf;
struct plugin;

/* Limits on what a plugin may set in a result (see plugin_parse()). */
#define PLUGIN_NAME_MAX		64		/* bytes of a plugin name */
#define PLUGIN_KEY_MAX		64		/* bytes of a value's key */
#define PLUGIN_VALUES_MAX	64		/* values in one result */
#define PLUGIN_VALUE_MAX	(64 * 1024)	/* bytes of one value */
#define PLUGIN_REASON_MAX	1024		/* bytes of a failure reason */

/*
 * The plugin path: $LIFEBOAT_PLUGIN_PATH when it is set and not empty,
 * else the compiled-in LIFEBOAT_PLUGINDIR.  Directories are separated by
 * ':'.  The string belongs to the environment or is static.
 */
const char	*plugin_path_default(void);

/*
 * Loads the plugin name from the first directory of path (see
 * plugin_path_default()) that holds NAME.so.  name is a word of
 * [a-z0-9_-].  The file must not be writable by others, and must belong
 * to root or to us; it is opened with RTLD_NOW | RTLD_LOCAL, and its
 * descriptor must speak LB_PLUGIN_ABI, be called name and have build,
 * parse and keys.  A file that fails any of these is an error: the
 * search does not go on to the next directory.
 *
 * Returns 0 and the plugin in *out (the caller frees it with
 * plugin_unload()), or LB_ERR_INVALID (a bad name, or a file that is not
 * a usable plugin), LB_ERR_NOT_FOUND (no NAME.so on the path) or
 * LB_ERR_SYSTEM, with why filled and *out NULL.
 */
int		 plugin_load(const char *name, const char *path,
		    struct plugin **out, char *why, size_t whylen);

/*
 * Finds NAME.so on path (NULL: plugin_path_default()) as plugin_load()
 * does, with the same checks on the name and the file, without opening
 * it.  Returns 0 and the file's path in *filep (the caller frees it), or
 * LB_ERR_INVALID, LB_ERR_NOT_FOUND or LB_ERR_SYSTEM with why filled.
 */
int		 plugin_locate(const char *name, const char *path,
		    char **filep, char *why, size_t whylen);

/*
 * Wraps a descriptor linked into the program (a static build, the fuzz
 * targets): the same checks as plugin_load() but the name's.  Returns 0
 * and *out (freed with plugin_unload(), which leaves desc alone), or
 * LB_ERR_INVALID with why filled.
 */
int		 plugin_load_static(const struct lb_plugin *desc,
		    struct plugin **out, char *why, size_t whylen);

/* The plugin's descriptor, valid until plugin_unload(). */
const struct lb_plugin	*plugin_desc(const struct plugin *);

/* Closes the shared object and frees p; p may be NULL. */
void		 plugin_unload(struct plugin *p);

/*
 * The plugins a run has loaded, one per name; the set owns them.
 */
struct plugin_set {
	struct plugin	**v;
	size_t		  n;
};

#define PLUGIN_SET_INIT	{ NULL, 0 }

/*
 * Returns 0 and in *out the plugin name, loaded from path the first
 * time it is asked for and owned by the set; or plugin_load()'s error,
 * with why filled (a failed load is not remembered).
 */
int		 plugin_set_get(struct plugin_set *, const char *name,
		    const char *path, struct plugin **out, char *why,
		    size_t whylen);
/* Unloads every plugin of the set and empties it. */
void		 plugin_set_release(struct plugin_set *);

/*
 * Checks a step's arguments: every key must be one of the plugin's keys
 * (else why says which, with the nearest key as a suggestion), then the
 * plugin's own check() runs when it has one.  Returns 0, or
 * LB_ERR_INVALID with why filled and in *badkey the key it is about (a
 * pointer into args or into the plugin) or NULL for the whole step.
 */
int		 plugin_check_args(const struct plugin *,
		    const struct lb_args *, const char **badkey, char *why,
		    size_t whylen);

/*
 * Appends to script what the plugin's build() writes for a host: text()
 * as it is, word() quoted for facts->shell.  Returns 0; LB_ERR_INVALID
 * when the plugin fails or calls set() or fail(), or a value cannot be
 * quoted; or LB_ERR_LIMIT when script would pass its maximum.  On error
 * why is filled and script holds what it held before.
 */
int		 plugin_build(const struct plugin *, const struct lb_args *,
		    const struct lb_facts *, struct buf *script, char *why,
		    size_t whylen);

/*
 * The general form of plugin_build(), for any hook that writes a script
 * through an lb_out (a key source's build()): build(arg, facts, out,
 * why, whylen) is called with the same guarded lb_out, and name leads
 * the reason on failure.
 */
typedef int plugin_build_fn(void *arg, const struct lb_facts *,
    const struct lb_out *, char *why, size_t whylen);

int		 plugin_script(const char *name, const struct lb_facts *,
		    plugin_build_fn *build, void *arg, struct buf *script,
		    char *why, size_t whylen);

/*
 * What a plugin made of a reply.  The result owns every string.
 */
struct plugin_kv {
	char	*key;
	char	*value;
};

struct plugin_result {
	enum lb_verdict	 verdict;
	char		*reason;	/* NULL unless verdict is LB_FAILED */
	struct plugin_kv *kv;		/* in the order first set */
	size_t		 nkv;
};

#define PLUGIN_RESULT_INIT	{ LB_FAILED, NULL, NULL, 0 }

/*
 * Runs the plugin's parse() on a reply and fills out, which is cleared
 * first and which the caller releases with plugin_result_release().  The
 * reply's out and err may be NULL (read as empty).
 *
 * set(key, value) keeps a copy; a key set twice keeps its last value.
 * It refuses (returns -1 to the plugin) a key that is empty, longer than
 * PLUGIN_KEY_MAX or not of [a-z0-9_], a value longer than
 * PLUGIN_VALUE_MAX, and a new key past PLUGIN_VALUES_MAX.  fail() keeps
 * one reason (the last), control characters dropped, cut at
 * PLUGIN_REASON_MAX.  text() and word() are refused.
 *
 * A failure without a reason gets "failed"; a verdict outside enum
 * lb_verdict becomes LB_FAILED, "plugin returned an unknown verdict".
 * Returns 0; the verdict is in out->verdict.
 */
int		 plugin_parse(const struct plugin *, const struct lb_args *,
		    const struct lb_facts *, const struct lb_reply *,
		    struct plugin_result *out);

/* The value of key in r, or NULL. */
const char	*plugin_result_get(const struct plugin_result *r,
		    const char *key);

/* Frees what r holds and leaves it as PLUGIN_RESULT_INIT. */
void		 plugin_result_release(struct plugin_result *r);

#endif
