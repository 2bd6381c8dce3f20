/*
 * The Ansible inventory model that both Ansible readers fill (INI in
 * inventory-ini.c, YAML in inventory-ansible-yaml.c), and the one commit
 * step that turns it into lifeboat hosts and groups.
 *
 * A reader creates a struct ansible for one source, adds groups, hosts,
 * memberships, children and vars as it meets them (a host may be named in
 * many groups and gathers its vars), then calls ansible_commit().  Commit
 * works out each host's vars with Ansible's precedence, maps the vars
 * lifeboat understands onto host fields, keeps the rest as host vars, and
 * hands hosts and groups to the inventory.  The mapping rules are in
 * ansible.c, above ans_maps[].
 *
 * Strings and YAML nodes given to the model are copied into the
 * inventory's arena; the model's own tables are freed by ansible_free().
 */
#ifndef LIFEBOAT_ANSIBLE_H
#define LIFEBOAT_ANSIBLE_H

#include <stdbool.h>
#include <stddef.h>

#include "inventory.h"
#include "strmap.h"

struct diags;
struct ynode;

/* Errors in one source before a reader gives up on it. */
#define ANS_MAX_ERRORS	100

/* One var as written: a string (INI) or a YAML node. */
struct ans_var {
	const char		*name;
	const char		*str;	/* scalar text; NULL for list/map */
	const struct ynode	*node;	/* YAML value, or NULL (INI) */
	bool			 null;	/* YAML null: "not given" */
	struct srcpos		 kpos;	/* of the name */
	struct srcpos		 vpos;	/* of the value */
	int			 kind;	/* what commit does with it */
	size_t			 row;	/* for a mapped var */
	/* For commit: report a bad var once, not once per host. */
	bool			 reported;
	size_t			 nwarned;
	const char		*warnhost;
};

struct ans_vars {
	struct ans_var	*v;
	size_t		 n;
	size_t		 cap;
};

/* A reference to a host or group (by index), where it was written. */
struct ans_ref {
	size_t		 idx;
	struct srcpos	 pos;
};

struct ans_group {
	const char	*name;
	struct srcpos	 pos;		/* first mention */
	bool		 builtin;	/* all, ungrouped */
	bool		 defined;	/* INI: by [g] or [g:children] */
	bool		 hasvarsec;	/* INI: a [g:vars] section was seen */
	struct srcpos	 varspos;	/* ... the first one */
	const struct ynode *body;	/* YAML: the body last read */
	int		 priority;	/* ansible_group_priority (1) */
	struct ans_vars	 vars;
	struct ans_ref	*hosts;
	size_t		 nhosts;
	size_t		 caphosts;
	struct ans_ref	*children;
	size_t		 nchildren;
	size_t		 capchildren;
	/* Commit's working state. */
	size_t		*parents;
	size_t		 nparents;
	size_t		 capparents;
	size_t		 it;
	unsigned	 depth;
	int		 state;
	size_t		 mark;
};

struct ans_host {
	const char	*name;
	struct srcpos	 pos;		/* first mention */
	struct ans_vars	 vars;
	size_t		*groups;	/* direct groups, by index */
	size_t		 ngroups;
	size_t		 capgroups;
};

struct ansible {
	struct inventory	*inv;
	unsigned		 src;
	const char		*file;	/* the source's path, in the arena */
	struct diags		*diags;
	size_t			 nerrors0;	/* diags->nerrors at first */
	bool			 gaveup;
	bool			 full;		/* a size cap was reported */
	size_t			 nvars;		/* vars added, all told */
	size_t			 nmembers;	/* memberships, all told */
	struct ans_group	**groups;
	size_t			 ngroups;
	size_t			 capgroups;
	struct strmap		 groupmap;
	struct ans_host		**hosts;
	size_t			 nhosts;
	size_t			 caphosts;
	struct strmap		 hostmap;
	const struct ynode	*lastsrc;	/* the last node copied */
	const struct ynode	*lastcopy;
	const char		*pwname;	/* first password var seen */
	struct srcpos		 pwpos;
};

/*
 * Starts the model of source src of inv; problems go to diags.  The
 * groups "all" and "ungrouped" exist from the start.  Never NULL.
 */
struct ansible	*ansible_new(struct inventory *, unsigned src,
		    struct diags *);
/* Frees the model (not what commit gave the inventory); accepts NULL. */
void		 ansible_free(struct ansible *);

/*
 * Counts this source's errors: past ANS_MAX_ERRORS it adds one last
 * error at pos ("too many errors"), once, and returns true: the reader
 * should stop.
 */
bool		 ansible_too_many(struct ansible *, const struct srcpos *);

/*
 * Gets or creates a group.  Returns NULL, with an error at pos, when name
 * is not a valid lifeboat group name.
 */
struct ans_group *ansible_group(struct ansible *, const char *name,
		    const struct srcpos *);
/* Makes child a child of parent; "all" cannot be a child (an error). */
void		 ansible_group_add_child(struct ansible *,
		    struct ans_group *parent, struct ans_group *child,
		    const struct srcpos *);
/*
 * Sets a var of a group or a host; a later value of the same name
 * replaces the earlier one.  Give str for text (INI), or node for a YAML
 * value, which is deep-copied into the inventory's arena (the same node
 * given again in a row is copied once, for ranges; so the reader's tree
 * must live until commit).  ansible_group_priority on a group sets its
 * priority instead (an error when not a whole number).
 */
void		 ansible_group_set_var(struct ansible *, struct ans_group *,
		    const char *name, const char *str,
		    const struct ynode *node, const struct srcpos *kpos,
		    const struct srcpos *vpos);
void		 ansible_host_set_var(struct ansible *, struct ans_host *,
		    const char *name, const char *str,
		    const struct ynode *node, const struct srcpos *kpos,
		    const struct srcpos *vpos);

/*
 * Adds the hosts that pattern names to group g: "name", "name:port",
 * "[v6addr]:port", with Ansible host ranges.  A port sets the host var
 * ansible_port.  On success returns 0 and the hosts in *hostsp[0..*np)
 * (an array the caller frees; the hosts belong to the model).  Returns -1
 * with an error at pos (its column moved to the problem) when the pattern
 * is bad.
 */
int		 ansible_add_hosts(struct ansible *, struct ans_group *g,
		    const char *pattern, const struct srcpos *pos,
		    struct ans_host ***hostsp, size_t *np);

/*
 * Turns the model into hosts and groups of the inventory.  Returns 0, or
 * LB_ERR_INVALID when this source had errors (those found while reading
 * included).
 */
int		 ansible_commit(struct ansible *);

#endif
