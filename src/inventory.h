/*
 * The asset inventory: hosts, the sites they stand in, groups, and how to
 * reach each host.  One inventory is built from one or more sources
 * (native YAML, Ansible INI, Ansible YAML, CMDB CSV), in the order given:
 *
 *	inv = inventory_new();
 *	inventory_load_file(inv, path, INV_FORMAT_AUTO, &diags);   (repeat)
 *	inventory_finish(inv, &diags);
 *
 * Readers never print: every problem becomes a diagnostic with its
 * file:line:column.  inventory_finish() fills in built-in defaults, checks
 * what only the whole picture shows (unknown group members, a host in two
 * sites, cycles among groups) and builds the group index that host
 * patterns use.
 *
 * Settings that a source did not give are "unset" (NULL strings, INV_UNSET
 * numbers, TRISTATE_UNSET flags), so that defaults and merging can tell
 * "not given" from "given as zero".  When the same host appears in several
 * sources, the later source's settings win, and tags, groups and vars are
 * combined.  A host may belong to one site only.
 *
 * Everything is allocated in the inventory's arena and dies with
 * inventory_free().  The strings a reader stores in a host must come from
 * inventory_strdup() or otherwise live in inv->arena.
 */
#ifndef LIFEBOAT_INVENTORY_H
#define LIFEBOAT_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

struct arena;
struct diags;
struct ynode;

#define INV_UNSET	(-1)
#define INV_MAX_GROUPS	(1U << 18)

enum tristate {
	TRISTATE_UNSET = -1,
	TRISTATE_FALSE = 0,
	TRISTATE_TRUE = 1,
};

enum transport_kind {
	TRANSPORT_UNSET = 0,
	TRANSPORT_SSH,
	TRANSPORT_WINRM,
	TRANSPORT_SIM,
};

enum inv_format {
	INV_FORMAT_AUTO = 0,
	INV_FORMAT_NATIVE,
	INV_FORMAT_ANSIBLE_INI,
	INV_FORMAT_ANSIBLE_YAML,
	INV_FORMAT_CSV,
};

/* Where something was defined.  file points into the arena. */
struct srcpos {
	const char	*file;
	unsigned	 line;
	unsigned	 col;
};

struct ssh_opts {
	int		 port;			/* 1..65535 or INV_UNSET */
	const char	*identity;		/* private key file */
	const char	*known_hosts;
	const char	*password_env;		/* name of an environment var */
	const char	*password_file;
	const char	*passphrase_env;	/* for an encrypted key */
	const char	*passphrase_file;
	int64_t		 connect_timeout_ms;	/* or INV_UNSET */
	int64_t		 keepalive_ms;		/* or INV_UNSET */
	enum tristate	 agent;			/* try ssh-agent */
};

struct winrm_opts {
	int		 port;			/* or INV_UNSET */
	const char	*scheme;		/* "https" or "http" */
	const char	*path;			/* "/wsman" */
	const char	*auth;		/* basic|negotiate|ntlm|kerberos */
	const char	*password_env;
	const char	*password_file;
	const char	*ca_file;
	enum tristate	 insecure_skip_verify;
	enum tristate	 allow_unencrypted;
	int64_t		 connect_timeout_ms;
	int64_t		 operation_timeout_ms;
};

/* One "command -> output" rule of a simulated host. */
struct sim_rule {
	const char	*match;			/* shell glob on the command */
	const char	*stdout_text;
	const char	*stderr_text;
	int		 rc;
	int64_t		 delay_ms;		/* or INV_UNSET */
};

struct sim_opts {
	int64_t		 latency_ms;		/* or INV_UNSET */
	int64_t		 jitter_ms;		/* or INV_UNSET */
	double		 fail_rate;		/* 0..1, or < 0 when unset */
	enum tristate	 unreachable;
	int64_t		 boot_up_ms;		/* boot loop: up this long */
	int64_t		 boot_every_ms;		/* ... once in this period */
	struct sim_rule	*rules;			/* NULL when unset */
	size_t		 nrules;
};

enum backup_type {
	BACKUP_RESTIC = 1,
	BACKUP_BORG,
	BACKUP_WBADMIN,
	BACKUP_FILE,
};

struct backup_spec {
	enum backup_type type;
	const char	*repo;			/* restic, borg, wbadmin */
	const char	*path;			/* file: an archive or file */
	int64_t		 max_age_ms;		/* or INV_UNSET */
	const char	*password_env;
	const char	*password_file;
	struct srcpos	 pos;
};

/* A per-host variable.  value is a YAML node in the arena. */
struct inv_var {
	const char		*name;
	const struct ynode	*value;
	bool			 secret;	/* redacted when shown */
};

struct host {
	const char		*name;
	const char		*address;	/* NULL: unset */
	const char		*user;
	const char		*site;		/* NULL: no site */
	const char		*os;		/* canonical name, or NULL */
	const char		*description;
	int			 tier;		/* 0 (most critical)..99 */
	enum transport_kind	 transport;
	struct ssh_opts		 ssh;
	struct winrm_opts	 winrm;
	struct sim_opts		 sim;
	const char		**tags;
	size_t			 ntags;
	struct inv_var		*vars;
	size_t			 nvars;
	struct backup_spec	*backups;	/* NULL when unset */
	size_t			 nbackups;
	/* Filled by inventory_finish(): every group the host is in. */
	const char		**groups;
	size_t			 ngroups;
	struct srcpos		 pos;		/* first definition */
	unsigned		 source;	/* index into inv->sources */
};

struct inv_site {
	const char	*name;
	const char	*description;
	struct srcpos	 pos;
	size_t		 nhosts;		/* after inventory_finish() */
};

/* A name written in a source, to be resolved later. */
struct inv_ref {
	const char	*name;
	struct srcpos	 pos;
};

enum group_kind {
	GROUP_EXPLICIT = 1 << 0,	/* a groups: entry, an Ansible group */
	GROUP_SITE = 1 << 1,
	GROUP_OS = 1 << 2,
	GROUP_TAG = 1 << 3,
	GROUP_BUILTIN = 1 << 4,		/* all, ungrouped */
};

struct inv_group {
	const char		*name;
	enum group_kind		 kind;
	struct srcpos		 pos;
	struct inv_ref		*hostrefs;	/* hosts named in sources */
	size_t			 nhostrefs;
	size_t			 caphostrefs;
	struct inv_ref		*children;	/* child groups */
	size_t			 nchildren;
	size_t			 capchildren;
	/* Filled by inventory_finish(): host indices, ascending. */
	unsigned		*members;
	size_t			 nmembers;
};

struct inv_source {
	const char		*path;
	enum inv_format		 format;
};

/* A var name, stored once per inventory, and whether it holds a secret. */
struct inv_varname {
	const char		*name;
	bool			 secret;
};

struct inventory {
	struct arena		*arena;
	struct host		*hosts;
	size_t			 nhosts;
	size_t			 caphosts;
	struct strmap		 hostmap;	/* name -> index in hosts */
	struct inv_site		*sites;
	size_t			 nsites;
	size_t			 capsites;
	struct strmap		 sitemap;
	struct inv_group	*groups;
	size_t			 ngroups;
	size_t			 capgroups;
	struct strmap		 groupmap;
	struct inv_source	*sources;
	size_t			 nsources;
	/*
	 * Var names and text values repeat across hosts (group vars above
	 * all): each is stored once and shared.
	 */
	struct strmap		 varmap;	/* name -> index in varnames */
	struct inv_varname	*varnames;
	size_t			 nvarnames;
	struct strmap		 textmap;	/* text -> index in textnodes */
	const struct ynode	**textnodes;
	size_t			 ntextnodes;
	bool			 finished;
};

struct inventory	*inventory_new(void);
void			 inventory_free(struct inventory *);

/*
 * Reads a file or a buffer and adds what it defines.  format
 * INV_FORMAT_AUTO recognises the format by extension and content.
 * Returns 0, or LB_ERR_INVALID with diagnostics added, or LB_ERR_SYSTEM
 * when the file cannot be read (a diagnostic says why).  A source with
 * errors may still have added some hosts.
 */
int		 inventory_load_file(struct inventory *, const char *path,
		    enum inv_format, struct diags *);
int		 inventory_load_buffer(struct inventory *, const char *name,
		    const char *data, size_t len, enum inv_format,
		    struct diags *);
enum inv_format	 inventory_detect(const char *name, const char *data,
		    size_t len);
const char	*inventory_format_name(enum inv_format);

/*
 * Applies built-in defaults, resolves groups and checks the whole.
 * Returns 0 or LB_ERR_INVALID (see the diagnostics).
 */
int		 inventory_finish(struct inventory *, struct diags *);

/* Lookups; valid at any time.  Return NULL when absent. */
struct host	*inventory_host(const struct inventory *, const char *name);
struct inv_group *inventory_group(const struct inventory *,
		    const char *name);
struct inv_site	*inventory_site(const struct inventory *, const char *name);

/*
 * For readers.
 *
 * inventory_source() registers a source and returns its index.
 * host_init() makes every field of h unset.  inventory_put_host() adds
 * h (copied) from source src, or merges it into the host of the same name
 * from an earlier source; the same name twice in one source is an error
 * ("duplicate host"), as is a host in two different sites.  Returns the
 * stored host, or NULL on error.
 */
unsigned	 inventory_source(struct inventory *, const char *path,
		    enum inv_format);
void		 host_init(struct host *);
struct host	*inventory_put_host(struct inventory *, const struct host *h,
		    unsigned src, struct diags *);
/* Fills every unset field of dst from src (defaults, merging). */
void		 host_fill_unset(struct host *dst, const struct host *src);
/*
 * host_fill_unset(), and also adds src's tags and the vars dst does not
 * set: what a host takes from its defaults, or from an earlier source.
 */
void		 host_inherit(struct inventory *, struct host *dst,
		    const struct host *src);
/* Gets or creates a site; a description given twice must agree. */
struct inv_site	*inventory_add_site(struct inventory *, const char *name,
		    const struct srcpos *);
/*
 * Gets or creates an explicit group, and adds references to it.  Groups
 * never move: a returned pointer stays valid for the inventory's life.
 * Returns NULL only past INV_MAX_GROUPS groups (inventory_finish() then
 * reports it).
 */
struct inv_group *inventory_add_group(struct inventory *, const char *name,
		    const struct srcpos *);
void		 inventory_group_add_host(struct inventory *,
		    struct inv_group *, const char *host,
		    const struct srcpos *);
void		 inventory_group_add_child(struct inventory *,
		    struct inv_group *, const char *child,
		    const struct srcpos *);
/* Adds a tag or a var to a host under construction (dups are merged). */
void		 host_add_tag(struct inventory *, struct host *,
		    const char *tag);
void		 host_set_var(struct inventory *, struct host *,
		    const char *name, const struct ynode *value);
/* Sets a var to a plain string (made a YAML scalar in the arena). */
void		 host_set_var_str(struct inventory *, struct host *,
		    const char *name, const char *value);
/* Copies a string into the arena. */
const char	*inventory_strdup(struct inventory *, const char *);
/* Deep-copies a YAML node into the arena. */
const struct ynode *inventory_copy_node(struct inventory *,
		    const struct ynode *);

/*
 * Settings given as text (Ansible vars, CSV columns): sets the field that
 * key names, with the same checks the native format makes.  Keys are
 * those of lifeboat-inventory(5): address, user, site, os, tier,
 * transport, tags, description, and ssh.KEY / winrm.KEY for the option
 * blocks.  Returns 1 when key was one of them (and set, or reported), 0
 * when it is no such key (the caller may keep it as a var).
 */
int		 host_set_text(struct inventory *, struct host *,
		    const char *key, const char *value,
		    const struct srcpos *, struct diags *);

/*
 * The keys host_set_text() knows under prefix ("ssh.", "winrm." or "" for
 * the top level), without the prefix; for did-you-mean lists.  Stores up
 * to max pointers to static strings and returns how many there are.
 */
size_t		 host_text_keys(const char *prefix, const char **out,
		    size_t max);

/*
 * Value checks shared by every reader.  Each returns 0 and stores the
 * value, or -1 and writes a short reason (no position) into why.
 */
int		 inv_parse_port(const char *, int *, const char **why);
int		 inv_parse_tier(const char *, int *, const char **why);
int		 inv_parse_duration(const char *, int64_t *ms,
		    const char **why);
int		 inv_parse_transport(const char *, enum transport_kind *,
		    const char **why);
/*
 * Returns the canonical os name for s or NULL.  Canonical names match
 * exactly (any case); product strings as CMDBs write them ("Windows
 * Server 2019 Datacenter", "Red Hat Enterprise Linux 9") are recognised
 * too.
 */
const char	*inv_canon_os(const char *s);
/* 1 for true/yes/on/1, 0 for false/no/off/0, -1 otherwise (any case). */
int		 inv_parse_bool(const char *);
/* Host, group, site and tag names: [A-Za-z0-9_.-], not starting with '-'. */
bool		 inv_valid_name(const char *);
/* True for var names that hold secrets (passwords, tokens, keys). */
bool		 inv_secret_name(const char *);
const char	*transport_name(enum transport_kind);
const char	*backup_type_name(enum backup_type);

extern const char *const inv_os_names[];
extern const size_t inv_nos_names;
extern const char *const inv_transport_names[];
extern const size_t inv_ntransport_names;

/*
 * Per-format readers, for inventory_load_buffer() and the fuzzers.
 * inv_read_native_text() parses the text itself, streaming the host
 * entries, so that a large inventory never exists as a whole YAML tree.
 */
int		 inv_read_native_text(struct inventory *, unsigned src,
		    const char *data, size_t len, struct diags *);
int		 inv_read_native(struct inventory *, unsigned src,
		    const struct ynode *root, struct diags *);
int		 inv_read_ansible_yaml(struct inventory *, unsigned src,
		    const struct ynode *root, struct diags *);
int		 inv_read_ansible_ini(struct inventory *, unsigned src,
		    const char *data, size_t len, struct diags *);
int		 inv_read_csv(struct inventory *, unsigned src,
		    const char *data, size_t len, struct diags *);

#endif
