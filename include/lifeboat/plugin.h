/*
 * lifeboat action plugins: the public, versioned ABI (lifeboat-plugin(7)).
 *
 * An action plugin is a shared object, NAME.so, found on the plugin path.
 * It adds one action, NAME, to playbooks:
 *
 *	- name: remove the bad files
 *	  file: { path: 'C:\drivers\C-00000291*.sys', state: absent }
 *	  register: removed
 *
 * A plugin is pure.  It opens no sockets, starts no processes, reads and
 * writes no files and keeps no state between calls: lifeboat hands it the
 * step's arguments and the host's facts, it answers with one script for
 * the host's shell; lifeboat runs the script over its own connection and
 * hands the plugin the exit status and output, and the plugin turns them
 * into a verdict and named values that `register` keeps and `when` reads
 * (removed.remaining, svc.state).  So a plugin is tested with strings in
 * and strings out, and a playbook's `--check` shows the script it would
 * run.
 *
 * The one exported symbol is
 *
 *	const struct lb_plugin *lifeboat_plugin(void);
 *
 * It returns a descriptor whose first field is the ABI version the plugin
 * was built against, LB_PLUGIN_ABI.  lifeboat refuses a plugin of another
 * version, with a message naming both.  Within one version, structures
 * only ever grow at their end, and a field a plugin does not know is
 * never required of it.
 *
 * Strings are NUL-terminated UTF-8.  Every pointer lifeboat passes is
 * valid for the duration of the call only; the plugin allocates nothing
 * that outlives a call (what it writes goes through the lb_out calls, and
 * lifeboat copies it).
 */
#ifndef LIFEBOAT_PLUGIN_H
#define LIFEBOAT_PLUGIN_H

#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LB_PLUGIN_ABI		1
#define LB_PLUGIN_SYMBOL	"lifeboat_plugin"

/* The shell that reads the script a plugin builds. */
enum lb_shell {
	LB_SHELL_SH = 1,		/* POSIX /bin/sh: Linux, Unix */
	LB_SHELL_POWERSHELL = 2,	/* Windows PowerShell 5.1 or later */
};

/* One argument, as the playbook wrote it, variables expanded. */
struct lb_arg {
	const char	*key;
	const char	*value;		/* a list: one line per item */
};

struct lb_args {
	const struct lb_arg	*v;
	size_t			 n;
};

/* What lifeboat knows of the host, from the inventory. */
struct lb_facts {
	const char	*name;
	const char	*os;		/* "linux", "windows", ... or "" */
	const char	*site;		/* "" when none */
	int		 tier;		/* -1 when none */
	enum lb_shell	 shell;		/* what will read the script */
};

/*
 * Where a plugin writes: calls into lifeboat, never into libc's memory.
 * Each returns 0, or -1 when the text cannot be taken (too long, a NUL or
 * invalid UTF-8 in a quoted value); the plugin then gives up with that
 * error (lifeboat already knows why).
 */
struct lb_out {
	void	*ctx;
	/* Appends text to the script as it is: code the plugin wrote. */
	int	(*text)(void *ctx, const char *s);
	/* Appends s as one literal word of the host's shell: single quotes
	 * for sh, a single-quoted string for PowerShell.  Every value that
	 * came from an argument goes through here, never through text. */
	int	(*word)(void *ctx, const char *s);
	/* Sets a value of the result that register keeps: NAME.key. */
	int	(*set)(void *ctx, const char *key, const char *value);
	/* The reason a result is a failure, one line, for people. */
	int	(*fail)(void *ctx, const char *reason);
};

/* What the host answered to the script. */
struct lb_reply {
	int		 rc;		/* exit status */
	const char	*out;		/* standard output, as text */
	size_t		 out_len;
	const char	*err;		/* standard error */
	size_t		 err_len;
};

/* A plugin's verdict on a reply. */
enum lb_verdict {
	LB_OK = 0,		/* done; nothing changed */
	LB_CHANGED = 1,		/* done; the host was changed */
	LB_FAILED = 2,		/* the action failed: why through fail() */
};

struct lb_plugin {
	unsigned	 abi;		/* LB_PLUGIN_ABI */
	const char	*name;		/* the action; the file's base name */
	const char	*version;	/* the plugin's own, for people */
	const char	*summary;	/* one line, for --help and errors */
	/* The argument keys it takes, NULL-terminated; lifeboat refuses
	 * any other key with its place in the playbook. */
	const char *const *keys;
	/*
	 * Checks the arguments once, when the playbook is read (values may
	 * still hold "{{ name }}"; a plugin checks those it can).  Returns
	 * 0, or -1 with one line in why (at most whylen bytes with its NUL)
	 * and the key it is about in *key (or NULL for the whole step).
	 */
	int	(*check)(const struct lb_args *, const char **key, char *why,
		    size_t whylen);
	/*
	 * Writes the script for a host through out->text and out->word.
	 * Returns 0, or -1 with why filled.
	 */
	int	(*build)(const struct lb_args *, const struct lb_facts *,
		    const struct lb_out *out, char *why, size_t whylen);
	/*
	 * Reads the reply to that script: sets values through out->set,
	 * and on failure says why through out->fail.
	 */
	enum lb_verdict (*parse)(const struct lb_args *,
		    const struct lb_facts *, const struct lb_reply *,
		    const struct lb_out *out);
};

typedef const struct lb_plugin *lb_plugin_fn(void);

/* Helpers every plugin needs, inline: not part of the ABI. */

/* The value of key in args, or NULL when it was not given. */
static inline const char *
lb_arg_get(const struct lb_args *args, const char *key)
{
	size_t	 i;

	for (i = 0; i < args->n; i++)
		if (strcmp(args->v[i].key, key) == 0)
			return args->v[i].value;
	return NULL;
}

/* Whether a value given to check() still holds a "{{ name }}", known
 * only when the step runs. */
static inline int
lb_templated(const char *s)
{
	return strstr(s, "{{") != NULL;
}

#ifdef __cplusplus
}
#endif

#endif
