/*
 * The command table and what every command shares.
 *
 * Adding a command means: a file cmd/NAME.c exporting one const struct
 * cmd_entry, its row in the table in cmd/main.c, its section in
 * man/lifeboat.1 (SYNOPSIS and the command list), and tests in
 * tests/tNNNN-NAME.sh.  tests/t0010-cli.sh checks that every usage line
 * printed by --help appears in the man page.
 */
#ifndef LIFEBOAT_CMD_H
#define LIFEBOAT_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "run.h"
#include "transport.h"

struct diags;
struct inventory;

/* Exit statuses, as lifeboat(1) documents them. */
enum exit_status {
	EXIT_OK = 0,		/* every target succeeded */
	EXIT_FAILED = 1,	/* one or more hosts failed or unreachable */
	EXIT_USAGE = 2,		/* usage or input error: nothing was run */
	EXIT_HALTED = 3,	/* a rollout stopped at its failure threshold */
	EXIT_INTERRUPTED = 130,
};

struct cmd_ctx {
	const char	**inventories;	/* -i, in order */
	size_t		  ninventories;
	bool		  json;
	int		  verbose;	/* -1 quiet, 0 normal, 1.. verbose */
	const char	 *cmdname;	/* "inventory list", for messages */
};

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* after "lifeboat ", one line each */
	const char	*summary;
	int		(*exec)(struct cmd_ctx *, int, char **);
};

extern const struct cmd_entry cmd_exec_entry;
extern const struct cmd_entry cmd_inventory_entry;
extern const struct cmd_entry cmd_keys_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_rerun_entry;
extern const struct cmd_entry cmd_resume_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_runs_entry;
extern const struct cmd_entry cmd_signoff_entry;
extern const struct cmd_entry cmd_verify_bundle_entry;
extern const struct cmd_entry cmd_version_entry;

/* The options every command takes, for getopt_long tables. */
#define CMD_COMMON_SHORT	"i:vqh"
#define CMD_COMMON_LONG \
	{ "inventory", required_argument, NULL, 'i' }, \
	{ "json", no_argument, NULL, 'J' }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "help", no_argument, NULL, 'h' }

/*
 * Runs getopt_long over argv with the common options mixed in; handles
 * those itself and returns each other option character as getopt does.
 * Returns -1 at the end, 'h' for help, and '?' after printing one line
 * about an unknown or incomplete option.
 */
int	 cmd_getopt(struct cmd_ctx *, int, char **, const char *,
	    const struct option *);
void	 cmd_error(const struct cmd_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prints "usage: lifeboat USAGE" for e; returns EXIT_USAGE. */
int	 cmd_usage(const struct cmd_entry *, const char *sub, bool to_stdout);
/*
 * Prints diagnostics to stderr, sorted: errors and warnings always (but
 * warnings not with -q), notes unless -q.  At most max errors are shown,
 * then a count of the rest.
 */
void	 cmd_print_diags(const struct cmd_ctx *, struct diags *, size_t max);
/*
 * Loads the inventories (-i, LIFEBOAT_INVENTORY, or the user's config
 * file) and finishes them.  Diagnostics go to d; the caller prints them.
 * Returns 0 or EXIT_USAGE.  *invp is set in both cases (caller frees).
 */
int	 cmd_load_inventory(struct cmd_ctx *, struct inventory **,
	    struct diags *);
/*
 * Ends a JSON document on standard output: flushes j, releases it and
 * writes the final newline.  Returns EXIT_OK, or EXIT_FAILED when writing
 * failed.
 */
struct json;
int	 cmd_json_end(struct json *);
/* True when stdout's locale can show UTF-8 line drawing. */
bool	 cmd_utf8(void);

struct buf;
struct host;
/* Asks on /dev/tty, without echo for secrets (a tp_prompt_fn). */
int	 cmd_ask(const char *question, bool echo, struct buf *answer,
	    void *arg);
/* Raises the soft limit of open files to the hard one. */
void	 cmd_raise_fd_limit(void);
/* Option values, each with one line on error naming the option; 0 or -1. */
int	 cmd_parse_count(struct cmd_ctx *, const char *opt, const char *s,
	    long min, long max, long *out);
int	 cmd_parse_secs(struct cmd_ctx *, const char *opt, const char *s,
	    int64_t *ms);
int	 cmd_parse_size(struct cmd_ctx *, const char *opt, const char *s,
	    size_t *out);
/* The hosts pattern text selects, in inventory order; EXIT_OK, or
 * EXIT_USAGE with the problem printed (a pattern that matches nothing
 * is one). */
int	 cmd_select_targets(struct cmd_ctx *, struct inventory *,
	    const char *text, const struct host ***hostsp, size_t *np);

/* "" for 1, "s" for the rest: "%zu host%s". */
const char *cmd_plural(size_t);

/* The progress line on standard error, for a terminal only. */
struct cmd_progress {
	bool	 on;		/* drawn at all */
	bool	 shown;		/* on the screen now */
};
/* Whether a progress line may be drawn: stderr is a terminal, not -q. */
bool	 cmd_progress_wanted(const struct cmd_ctx *);
/* Draws it anew (nothing when off). */
void	 cmd_progress_show(struct cmd_progress *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Clears it before anything else goes to the terminal. */
void	 cmd_progress_clear(struct cmd_progress *);

/* What commands that reach hosts share: -f, -t and the options below. */
struct cmd_conn {
	struct engine_opts	 eo;
	struct tp_options	 to;
	bool			 ask_pass;
};

enum {
	CMD_OPT_PER_SITE = 256,
	CMD_OPT_CONNECT_TIMEOUT,
	CMD_OPT_RETRIES,
	CMD_OPT_RETRY_DELAY,
	CMD_OPT_ACCEPT_NEW,
	CMD_OPT_ASK_PASS,
	CMD_OPT_SEED,
	CMD_OPT_MAX_OUTPUT,
	CMD_OPT_NEXT,		/* a command's own options from here */
};

#define CMD_CONN_SHORT	"f:t:"
#define CMD_CONN_LONG \
	{ "fanout", required_argument, NULL, 'f' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "per-site", required_argument, NULL, CMD_OPT_PER_SITE }, \
	{ "connect-timeout", required_argument, NULL, \
	    CMD_OPT_CONNECT_TIMEOUT }, \
	{ "retries", required_argument, NULL, CMD_OPT_RETRIES }, \
	{ "retry-delay", required_argument, NULL, CMD_OPT_RETRY_DELAY }, \
	{ "accept-new-host-keys", no_argument, NULL, CMD_OPT_ACCEPT_NEW }, \
	{ "ask-pass", no_argument, NULL, CMD_OPT_ASK_PASS }, \
	{ "seed", required_argument, NULL, CMD_OPT_SEED }, \
	{ "max-output", required_argument, NULL, CMD_OPT_MAX_OUTPUT }

/* Takes option c (optarg) if it is one of CMD_CONN_LONG: 0, -1 after a
 * message, or 1 when c is not one of them. */
int	 cmd_conn_option(struct cmd_ctx *, int c, struct cmd_conn *);

/*
 * Runs and their journals (journal.h).
 */
struct json;
struct jrun;
struct playbook;
struct run_var;

/* The "options" of a run record, and back. */
void	 cmd_conn_record(struct json *, const struct cmd_conn *,
	    const char *plugin_path);
void	 cmd_conn_from_run(struct cmd_conn *, const struct jrun *);
/*
 * Finds run id ("last": the latest) and reads its journal: *dirp (to
 * free) and *jr (release with journal_run_release()).  Prints one line
 * and returns EXIT_USAGE when it cannot.
 */
int	 cmd_load_run(struct cmd_ctx *, const char *id, char **dirp,
	    struct jrun *jr);
/* The login name, for records. */
const char *cmd_user(void);

struct journal;
/* The "inventories" of a run record: each source's path and SHA-256. */
void	 cmd_record_inventories(struct json *, const struct inventory *);
/* The "hosts" of a run record: name, site and os of each, in order. */
void	 cmd_record_hosts(struct json *, const struct host *const *,
	    size_t);
/*
 * Whether path still has the digest sha a run (id) recorded: 0 when it
 * has, or when it changed and strict is off (a warning says so); -1
 * after a message otherwise.
 */
int	 cmd_same_file(struct cmd_ctx *, const char *what, const char *path,
	    const char *sha, const char *id, bool strict);
/* The inventories of run jr (those of -i when given, else the recorded
 * ones, checked with cmd_same_file()) into *invp; an exit status. */
int	 cmd_reload_inventory(struct cmd_ctx *, const struct jrun *,
	    bool strict, struct inventory **);
/* A "rerun" record naming id, appended to run of's journal in dir. */
int	 cmd_rerun_link(struct cmd_ctx *, const char *dir, const char *of,
	    const char *id);
/* A "resume" record: where a resume begins. */
void	 cmd_resume_record(struct journal *, bool force, bool rerun_unknown);

#define CMD_MAX_EVARS	256

/* What run, resume and rerun share (cmd/run.c). */
struct cmd_run_args {
	struct cmd_conn		 conn;
	bool			 check;
	bool			 yes;
	const char		*playbook;
	const char		*limit;
	const char		*plugin_path;
	struct run_var		*evars;		/* CMD_MAX_EVARS */
	size_t			 nevars;
	/* resume: the run carried on, its directory and journal state */
	const struct jrun	*resume;
	const char		*resume_dir;
	bool			 rerun_unknown;
	bool			 force;
	/* rerun: the first run's id and directory */
	const char		*rerun_of;
	const char		*rerun_dir;
};

/*
 * Runs pb over hosts (the inventory's, kept by the caller) as a, with a
 * journal in a new run directory, or in resume_dir.  Returns an exit
 * status.
 */
int	 cmd_run_playbook(struct cmd_ctx *, struct cmd_run_args *,
	    const struct playbook *, const struct host *const *hosts,
	    size_t n, const struct inventory *);
/*
 * The same in steps, for front ends that show the run their own way (the
 * TUI).  cmd_run_new() checks the run and makes it, observed by fn, on
 * loop and tp (a resume opens its journal here): EXIT_OK, or EXIT_USAGE
 * with the problems printed.  cmd_run_commit() makes it durable: the run
 * directory (or the resumed one), run.json, the journal and its first
 * record, the rerun link; EXIT_OK or EXIT_USAGE after a message.  The
 * caller then prepares tp and calls run_start().  cmd_run_end() frees the
 * run and syncs and closes the journal; it returns status, made
 * EXIT_FAILED when the journal could not be written.  s is zeroed by
 * cmd_run_new() and may be ended from any state.
 */
struct loop;
struct run;
struct tp_ctx;
struct cmd_runsess {
	struct run	*run;
	struct journal	*jn;
	char		*dir;		/* the run directory */
	char		 id[64];	/* RUNDIR_ID_MAX */
};
int	 cmd_run_new(struct cmd_ctx *, struct cmd_run_args *,
	    const struct playbook *, const struct host *const *, size_t,
	    struct loop *, struct tp_ctx *, run_observer_fn *, void *,
	    struct cmd_runsess *);
int	 cmd_run_commit(struct cmd_ctx *, struct cmd_run_args *,
	    const struct playbook *, const struct host *const *, size_t,
	    const struct inventory *, struct cmd_runsess *);
int	 cmd_run_end(struct cmd_ctx *, struct cmd_runsess *, int status);
/* What --check prints: the plan and what each step does where. */
void	 cmd_run_check(const struct playbook *, struct run *,
	    const struct host *const *, size_t, FILE *);
/* The playbook's targets, limited by limit (NULL: none), in inventory
 * order; EXIT_OK or EXIT_USAGE after a message. */
int	 cmd_run_targets(struct cmd_ctx *, struct inventory *,
	    const struct playbook *, const char *limit,
	    const struct host ***, size_t *);

/*
 * For a run made again from jr: its playbook (*pbp), its inventories
 * (*invp; those of -i when given), its -e, limit and plugin path into a.
 * strict: a playbook or inventory that changed since is an error (else
 * a warning).  Returns an exit status; the caller frees what was set.
 */
int	 cmd_run_reload(struct cmd_ctx *, const struct jrun *,
	    struct cmd_run_args *, bool strict, struct playbook **,
	    struct inventory **);
/* jr's hosts (those want[i], or all when want is NULL) in the inventory,
 * in the journal's order; EXIT_USAGE when one is gone. */
int	 cmd_run_hosts(struct cmd_ctx *, const struct inventory *,
	    const struct jrun *, const bool *want, const struct host ***,
	    size_t *);

/*
 * Exec runs (cmd/exec.c), from the journal jr of run directory dir.
 * cmd_exec_resume() carries it on: hosts that ended are not run again,
 * those never started are, and those that started and did not end are
 * run again when rerun_unknown (or a yes at a terminal), else marked
 * unknown.  An inventory that changed is refused unless force.
 * cmd_exec_rerun() runs its command again as a new run over the hosts
 * want[i] (in the inventory, which may have changed), linked both ways;
 * check prints what it would run and runs nothing.  conn: the options,
 * the run's merged with the command line's.  Both return an exit status.
 */
int	 cmd_exec_resume(struct cmd_ctx *, const struct jrun *,
	    const char *dir, const struct cmd_conn *, bool rerun_unknown,
	    bool force);
int	 cmd_exec_rerun(struct cmd_ctx *, const struct jrun *,
	    const char *dir, const bool *want, const struct cmd_conn *,
	    bool check);

/*
 * The vault, for the TUI's key look-up (cmd/keys.c).  need_pass: no
 * identity and no passphrase file is set, so a passphrase must be asked.
 * cmd_keys_open() opens it with pass (NULL: as keys find does, from the
 * environment); EXIT_OK or EXIT_FAILED after one line.  cmd_keys_find()
 * looks id up and records the look-up in the audit log before anything
 * may be shown: the number of matches (at most max in m), or -1 after a
 * message (not a key ID, or the audit could not be written).
 */
struct vault;
struct vault_key;
bool	 cmd_keys_need_pass(void);
int	 cmd_keys_open(struct cmd_ctx *, const char *pass, struct vault **);
int	 cmd_keys_find(struct cmd_ctx *, const struct vault *, const char *id,
	    const struct vault_key **m, size_t max);

/*
 * The text report of run jr (in dir), with the secrets of inv (NULL:
 * none) and of the run's -e redacted, appended to out (cmd/report.c).
 * Returns 0 or an LB_ERR_ code.
 */
int	 cmd_report_text(const struct jrun *, const char *dir,
	    const struct inventory *, struct buf *out);

#endif
