/*
 * Reader for lifeboat's own inventory format (lifeboat-inventory(5)):
 *
 *	defaults:  settings every host of the file starts from
 *	sites:     site name -> { description, defaults, hosts }
 *	hosts:     hosts that stand in no site
 *	groups:    group name -> [ host, ... ]
 *	           or { hosts: [...], children: [...] }
 *
 * Every key is checked: an unknown key is an error at its line and column
 * with the nearest known key as a suggestion.  Scalar settings go through
 * host_set_text(), so that they are checked exactly as text from the other
 * formats is.  Layering: a host's own settings, then its site's defaults,
 * then the file's defaults; built-in defaults come last, in
 * inventory_finish().
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"
#include "ytree.h"

struct native_site {
	const char	*name;
	struct host	 def;
};

struct native {
	struct inventory	*inv;
	unsigned		 src;
	const char		*file;
	struct diags		*d;
	struct host		 def;		/* the file's defaults */
	struct native_site	*sites;		/* each site's defaults */
	size_t			 nsites;
	unsigned		*touched;	/* hosts this file defined */
	size_t			 ntouched;
	size_t			 captouched;
};

static const char *const top_keys[] = {
	"defaults", "sites", "hosts", "groups",
};
static const char *const site_keys[] = {
	"description", "defaults", "hosts",
};
static const char *const host_keys[] = {
	"address", "user", "os", "tier", "transport", "tags", "description",
	"vars", "groups", "backups", "ssh", "winrm", "sim",
};
static const char *const default_keys[] = {
	"user", "os", "tier", "transport", "tags", "vars", "backups", "ssh",
	"winrm", "sim",
};
static const char *const sim_keys[] = {
	"latency", "jitter", "fail_rate", "unreachable", "boot_loop",
	"commands",
};
static const char *const boot_keys[] = { "up", "every" };
static const char *const rule_keys[] = {
	"match", "stdout", "stderr", "rc", "delay",
};
static const char *const backup_keys[] = {
	"type", "repo", "path", "max_age", "password_env", "password_file",
};
static const char *const backup_types[] = {
	"restic", "borg", "wbadmin", "file",
};
static const char *const group_keys[] = { "hosts", "children" };

#define NELEM(a)	(sizeof (a) / sizeof *(a))

static void
at(struct native *nr, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
at(struct native *nr, const struct ynode *n, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(nr->d, DIAG_ERROR, nr->file, n ? n->line : 0,
	    n ? n->col : 0, fmt, ap);
	va_end(ap);
}

static struct srcpos
pos_of(struct native *nr, const struct ynode *n)
{
	struct srcpos	 p;

	p.file = nr->file;
	p.line = n->line;
	p.col = n->col;
	return p;
}

/* Reports an unknown key of a `where' mapping, with a suggestion. */
static void
unknown_key(struct native *nr, const struct ynode *k, const char *where,
    const char *const *known, size_t nknown)
{
	const char	*s;

	s = diag_suggest(k->str, known, nknown);
	if (s != NULL)
		at(nr, k, "unknown key '%s' in %s (did you mean '%s'?)",
		    k->str, where, s);
	else
		at(nr, k, "unknown key '%s' in %s", k->str, where);
}

/*
 * Checks that n is a mapping (or empty, when allowed) and that its keys
 * are unique strings.  Returns false when it cannot be walked.
 */
static bool
want_map(struct native *nr, const struct ynode *n, const char *what,
    bool empty_ok, const char *keyword)
{
	if (ynode_is_null(n)) {
		if (!empty_ok)
			at(nr, n, "%s is empty", what);
		return false;
	}
	if (n->type != YNODE_MAP) {
		at(nr, n, "%s must be a mapping, not %s", what, ynode_kind(n));
		return false;
	}
	ytree_check_keys(n, keyword, nr->file, nr->d);
	return true;
}

static const char *
want_scalar(struct native *nr, const struct ynode *n, const char *what)
{
	if (n == NULL || n->type != YNODE_SCALAR || ynode_is_null(n)) {
		at(nr, n, "%s must be a value, not %s", what, ynode_kind(n));
		return NULL;
	}
	return n->str;
}

static int
key_index(const char *key, const char *const *keys, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (strcmp(key, keys[i]) == 0)
			return (int)i;
	}
	return -1;
}

static void
set_text(struct native *nr, struct host *h, const char *key,
    const struct ynode *v)
{
	struct srcpos	 p = pos_of(nr, v);
	const char	*s;

	if ((s = want_scalar(nr, v, key)) == NULL)
		return;
	if (!host_set_text(nr->inv, h, key, s, &p, nr->d))
		at(nr, v, "internal error: no setting '%s'", key);
}

/* An ssh: or winrm: block: every key is a host_set_text() key. */
static void
read_block(struct native *nr, struct host *h, const char *block,
    const struct ynode *m)
{
	const char	*known[32];
	char		 key[64];
	size_t		 i, nknown;
	const struct ynode *k;

	if (!want_map(nr, m, block, true, "key"))
		return;
	snprintf(key, sizeof key, "%s.", block);
	nknown = host_text_keys(key, known, NELEM(known));
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		if (k->type != YNODE_SCALAR)
			continue;
		if (key_index(k->str, known, nknown) < 0) {
			char where[32];

			snprintf(where, sizeof where, "%s options", block);
			unknown_key(nr, k, where, known, nknown);
			continue;
		}
		snprintf(key, sizeof key, "%s.%s", block, k->str);
		set_text(nr, h, key, YMAP_VAL(m, i));
	}
}

static int
duration(struct native *nr, const struct ynode *v, const char *what,
    int64_t *ms)
{
	const char	*s, *why;

	if ((s = want_scalar(nr, v, what)) == NULL)
		return -1;
	if (inv_parse_duration(s, ms, &why) != 0) {
		at(nr, v, "bad %s '%s': %s", what, s, why);
		return -1;
	}
	return 0;
}

static const char *
text(struct native *nr, const struct ynode *v, const char *what)
{
	const char	*s;

	if ((s = want_scalar(nr, v, what)) == NULL)
		return NULL;
	return inventory_strdup(nr->inv, s);
}

static void
read_rule(struct native *nr, struct sim_rule *r, const struct ynode *m)
{
	const struct ynode	*k, *v;
	const char		*s;
	char			*end;
	size_t			 i;
	long			 rc;

	r->rc = 0;
	r->delay_ms = INV_UNSET;
	if (!want_map(nr, m, "a sim command rule", false, "key"))
		return;
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (k->type != YNODE_SCALAR)
			continue;
		switch (key_index(k->str, rule_keys, NELEM(rule_keys))) {
		case 0:
			r->match = text(nr, v, "match");
			break;
		case 1:
			r->stdout_text = text(nr, v, "stdout");
			break;
		case 2:
			r->stderr_text = text(nr, v, "stderr");
			break;
		case 3:
			if ((s = want_scalar(nr, v, "rc")) == NULL)
				break;
			errno = 0;
			rc = strtol(s, &end, 10);
			if (errno || *end != '\0' || rc < 0 || rc > 255)
				at(nr, v, "bad rc '%s': must be 0 to 255", s);
			else
				r->rc = (int)rc;
			break;
		case 4:
			duration(nr, v, "delay", &r->delay_ms);
			break;
		default:
			unknown_key(nr, k, "a sim command rule", rule_keys,
			    NELEM(rule_keys));
		}
	}
	if (r->match == NULL)
		at(nr, m, "sim command rule has no 'match'");
}

static void
read_sim_rules(struct native *nr, struct host *h, const struct ynode *v)
{
	size_t	 i;

	if (v->type != YNODE_SEQ) {
		at(nr, v, "sim commands must be a list, not %s", ynode_kind(v));
		return;
	}
	h->sim.nrules = v->n;
	h->sim.rules = arena_allocarray(nr->inv->arena, v->n ? v->n : 1,
	    sizeof *h->sim.rules);
	for (i = 0; i < v->n; i++)
		read_rule(nr, &h->sim.rules[i], v->v[i]);
}

static void
read_sim(struct native *nr, struct host *h, const struct ynode *m)
{
	const struct ynode	*k, *v, *bk;
	const char		*s;
	char			*end;
	double			 rate;
	size_t			 i, j;

	if (!want_map(nr, m, "sim", true, "key"))
		return;
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (k->type != YNODE_SCALAR)
			continue;
		switch (key_index(k->str, sim_keys, NELEM(sim_keys))) {
		case 0:
			duration(nr, v, "sim.latency", &h->sim.latency_ms);
			break;
		case 1:
			duration(nr, v, "sim.jitter", &h->sim.jitter_ms);
			break;
		case 2:
			if ((s = want_scalar(nr, v, "sim.fail_rate")) == NULL)
				break;
			errno = 0;
			rate = strtod(s, &end);
			if (errno || *end != '\0' || !isfinite(rate) ||
			    rate < 0 || rate > 1)
				at(nr, v, "bad sim.fail_rate '%s': must be a "
				    "number from 0 to 1", s);
			else
				h->sim.fail_rate = rate;
			break;
		case 3:
			if (ynode_bool(v) < 0)
				at(nr, v, "sim.unreachable must be true or "
				    "false");
			else
				h->sim.unreachable = ynode_bool(v) ?
				    TRISTATE_TRUE : TRISTATE_FALSE;
			break;
		case 4:
			if (!want_map(nr, v, "sim.boot_loop", false, "key"))
				break;
			for (j = 0; j < v->n; j++) {
				bk = YMAP_KEY(v, j);
				if (bk->type != YNODE_SCALAR)
					continue;
				if (strcmp(bk->str, "up") == 0)
					duration(nr, YMAP_VAL(v, j),
					    "sim.boot_loop.up",
					    &h->sim.boot_up_ms);
				else if (strcmp(bk->str, "every") == 0)
					duration(nr, YMAP_VAL(v, j),
					    "sim.boot_loop.every",
					    &h->sim.boot_every_ms);
				else
					unknown_key(nr, bk, "sim.boot_loop",
					    boot_keys, NELEM(boot_keys));
			}
			if (h->sim.boot_up_ms == INV_UNSET ||
			    h->sim.boot_every_ms == INV_UNSET)
				at(nr, v, "sim.boot_loop needs both 'up' and "
				    "'every'");
			break;
		case 5:
			read_sim_rules(nr, h, v);
			break;
		default:
			unknown_key(nr, k, "sim options", sim_keys,
			    NELEM(sim_keys));
		}
	}
}

static void
read_backup(struct native *nr, struct backup_spec *b, const struct ynode *m)
{
	const struct ynode	*k, *v, *type = NULL;
	const char		*s;
	size_t			 i;
	int			 t;

	b->max_age_ms = INV_UNSET;
	b->pos = pos_of(nr, m);
	if (!want_map(nr, m, "a backup", false, "key"))
		return;
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (k->type != YNODE_SCALAR)
			continue;
		switch (key_index(k->str, backup_keys, NELEM(backup_keys))) {
		case 0:
			type = v;
			if ((s = want_scalar(nr, v, "backup type")) == NULL)
				break;
			t = key_index(s, backup_types, NELEM(backup_types));
			if (t < 0) {
				s = diag_suggest(s, backup_types,
				    NELEM(backup_types));
				at(nr, v, "unknown backup type '%s'%s%s%s",
				    v->str, s ? " (did you mean '" : "",
				    s ? s : "", s ? "'?)" : "");
			} else
				b->type = (enum backup_type)(t + 1);
			break;
		case 1:
			b->repo = text(nr, v, "backup repo");
			break;
		case 2:
			b->path = text(nr, v, "backup path");
			break;
		case 3:
			duration(nr, v, "backup max_age", &b->max_age_ms);
			break;
		case 4:
			b->password_env = text(nr, v, "backup password_env");
			break;
		case 5:
			b->password_file = text(nr, v, "backup password_file");
			break;
		default:
			unknown_key(nr, k, "a backup", backup_keys,
			    NELEM(backup_keys));
		}
	}
	if (type == NULL)
		at(nr, m, "backup has no 'type' (restic, borg, wbadmin or "
		    "file)");
	else if (b->type == BACKUP_FILE && b->path == NULL)
		at(nr, m, "file backup has no 'path'");
	else if (b->type != 0 && b->type != BACKUP_FILE && b->repo == NULL)
		at(nr, m, "%s backup has no 'repo'", backup_type_name(b->type));
}

static void
read_backups(struct native *nr, struct host *h, const struct ynode *v)
{
	size_t	 i;

	if (v->type != YNODE_SEQ) {
		at(nr, v, "backups must be a list, not %s", ynode_kind(v));
		return;
	}
	h->nbackups = v->n;
	h->backups = arena_allocarray(nr->inv->arena, v->n ? v->n : 1,
	    sizeof *h->backups);
	for (i = 0; i < v->n; i++)
		read_backup(nr, &h->backups[i], v->v[i]);
}

static void
read_tags(struct native *nr, struct host *h, const struct ynode *v)
{
	struct srcpos	 p;
	size_t		 i;

	if (v->type == YNODE_SCALAR) {
		set_text(nr, h, "tags", v);
		return;
	}
	if (v->type != YNODE_SEQ) {
		at(nr, v, "tags must be a list, not %s", ynode_kind(v));
		return;
	}
	for (i = 0; i < v->n; i++) {
		p = pos_of(nr, v->v[i]);
		if (want_scalar(nr, v->v[i], "a tag") == NULL)
			continue;
		if (!inv_valid_name(v->v[i]->str))
			at(nr, v->v[i], "invalid tag '%s': use letters, "
			    "digits, '-', '_' and '.'", v->v[i]->str);
		else
			host_set_text(nr->inv, h, "tags", v->v[i]->str, &p,
			    nr->d);
	}
}

static void
read_vars(struct native *nr, struct host *h, const struct ynode *v)
{
	const struct ynode	*k;
	size_t			 i;

	if (!want_map(nr, v, "vars", true, "key"))
		return;
	for (i = 0; i < v->n; i++) {
		k = YMAP_KEY(v, i);
		if (k->type != YNODE_SCALAR)
			continue;
		host_set_var(nr->inv, h, k->str,
		    inventory_copy_node(nr->inv, YMAP_VAL(v, i)));
	}
}

/* A host's own "groups:" list: the host joins each group named. */
static void
read_host_groups(struct native *nr, const char *host, const struct ynode *v)
{
	struct inv_group	*g;
	struct srcpos		 p;
	size_t			 i;

	if (v->type != YNODE_SEQ) {
		at(nr, v, "groups must be a list, not %s", ynode_kind(v));
		return;
	}
	for (i = 0; i < v->n; i++) {
		if (want_scalar(nr, v->v[i], "a group name") == NULL)
			continue;
		if (!inv_valid_name(v->v[i]->str) ||
		    strcmp(v->v[i]->str, "all") == 0 ||
		    strcmp(v->v[i]->str, "ungrouped") == 0) {
			at(nr, v->v[i], "invalid group name '%s'",
			    v->v[i]->str);
			continue;
		}
		p = pos_of(nr, v->v[i]);
		g = inventory_add_group(nr->inv, v->v[i]->str, &p);
		if (g != NULL)
			inventory_group_add_host(nr->inv, g, host, &p);
	}
}

/*
 * Reads the settings of a host or of a defaults block into h.  keys is
 * the list of keys allowed there, for messages.
 */
static void
read_settings(struct native *nr, struct host *h, const struct ynode *m,
    const char *where, const char *const *keys, size_t nkeys)
{
	const struct ynode	*k, *v;
	size_t			 i;

	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (k->type != YNODE_SCALAR)
			continue;
		if (key_index(k->str, keys, nkeys) < 0) {
			unknown_key(nr, k, where, keys, nkeys);
			continue;
		}
		if (strcmp(k->str, "tags") == 0)
			read_tags(nr, h, v);
		else if (strcmp(k->str, "vars") == 0)
			read_vars(nr, h, v);
		else if (strcmp(k->str, "backups") == 0)
			read_backups(nr, h, v);
		else if (strcmp(k->str, "ssh") == 0 ||
		    strcmp(k->str, "winrm") == 0)
			read_block(nr, h, k->str, v);
		else if (strcmp(k->str, "sim") == 0)
			read_sim(nr, h, v);
		else if (strcmp(k->str, "groups") == 0)
			read_host_groups(nr, h->name, v);
		else
			set_text(nr, h, k->str, v);
	}
}

static void
read_defaults(struct native *nr, struct host *def, const struct ynode *m)
{
	host_init(def);
	if (m == NULL || !want_map(nr, m, "defaults", true, "key"))
		return;
	read_settings(nr, def, m, "defaults", default_keys,
	    NELEM(default_keys));
}

/* One "name: { settings }" entry of a hosts mapping. */
static void
read_host_entry(struct native *nr, const char *site, const struct ynode *k,
    const struct ynode *v)
{
	struct host	 h, *stored;

	if (k->type != YNODE_SCALAR) {
		at(nr, k, "host name must be a string, not %s", ynode_kind(k));
		return;
	}
	if (!inv_valid_name(k->str)) {
		at(nr, k, "invalid host name '%s': use letters, digits, '-', "
		    "'_' and '.'", k->str);
		return;
	}
	host_init(&h);
	h.name = inventory_strdup(nr->inv, k->str);
	h.pos = pos_of(nr, k);
	if (!ynode_is_null(v)) {
		if (v->type != YNODE_MAP) {
			at(nr, v, "host '%s' must be a mapping, not %s", k->str,
			    ynode_kind(v));
			return;
		}
		ytree_check_keys(v, "key", nr->file, nr->d);
		read_settings(nr, &h, v, "a host", host_keys,
		    NELEM(host_keys));
	}
	h.site = site;		/* the inventory's copy, see callers */
	/* Duplicates are reported by inventory_put_host(), with both places. */
	if ((stored = inventory_put_host(nr->inv, &h, nr->src, nr->d)) == NULL)
		return;
	if (nr->ntouched == nr->captouched) {
		nr->captouched = nr->captouched ? nr->captouched * 2 : 256;
		nr->touched = xreallocarray(nr->touched, nr->captouched,
		    sizeof *nr->touched);
	}
	nr->touched[nr->ntouched++] = (unsigned)(stored - nr->inv->hosts);
}

static void
read_hosts(struct native *nr, const char *site, const struct ynode *m)
{
	size_t	 i;

	if (ynode_is_null(m))
		return;
	if (m->type != YNODE_MAP) {
		at(nr, m, "hosts must be a mapping, not %s", ynode_kind(m));
		return;
	}
	for (i = 0; i < m->n; i++)
		read_host_entry(nr, site, YMAP_KEY(m, i), YMAP_VAL(m, i));
}

static void
read_site(struct native *nr, const struct ynode *k, const struct ynode *m)
{
	const struct ynode	*sk, *v, *hosts = NULL, *defs = NULL;
	struct inv_site		*site;
	struct native_site	*ns;
	struct srcpos		 p = pos_of(nr, k);
	size_t			 i;

	if (!inv_valid_name(k->str)) {
		at(nr, k, "invalid site name '%s': use letters, digits, '-', "
		    "'_' and '.'", k->str);
		return;
	}
	site = inventory_add_site(nr->inv, k->str, &p);
	if (site->pos.file == NULL)	/* made earlier by a streamed host */
		site->pos = p;
	if (ynode_is_null(m))
		return;
	if (!want_map(nr, m, "a site", true, "key"))
		return;
	for (i = 0; i < m->n; i++) {
		sk = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (sk->type != YNODE_SCALAR)
			continue;
		switch (key_index(sk->str, site_keys, NELEM(site_keys))) {
		case 0:
			site->description = text(nr, v, "description");
			break;
		case 1:
			defs = v;
			break;
		case 2:
			hosts = v;
			break;
		default:
			unknown_key(nr, sk, "a site", site_keys,
			    NELEM(site_keys));
		}
	}
	if (defs != NULL) {
		nr->sites = xreallocarray(nr->sites, nr->nsites + 1,
		    sizeof *nr->sites);
		ns = &nr->sites[nr->nsites++];
		ns->name = site->name;
		read_defaults(nr, &ns->def, defs);
	}
	if (hosts != NULL)
		read_hosts(nr, site->name, hosts);
}

static void
read_group_names(struct native *nr, struct inv_group *g, const struct ynode *v,
    bool children)
{
	struct srcpos	 p;
	size_t		 i;

	if (ynode_is_null(v))
		return;
	if (v->type != YNODE_SEQ) {
		at(nr, v, "group '%s' must list %s, not %s", g->name,
		    children ? "groups" : "hosts", ynode_kind(v));
		return;
	}
	for (i = 0; i < v->n; i++) {
		if (want_scalar(nr, v->v[i], children ? "a group name" :
		    "a host name") == NULL)
			continue;
		p = pos_of(nr, v->v[i]);
		if (children)
			inventory_group_add_child(nr->inv, g, v->v[i]->str, &p);
		else
			inventory_group_add_host(nr->inv, g, v->v[i]->str, &p);
	}
}

static void
read_groups(struct native *nr, const struct ynode *m)
{
	const struct ynode	*k, *v, *gk;
	struct inv_group	*g;
	struct srcpos		 p;
	size_t			 i, j;

	if (!want_map(nr, m, "groups", true, "group"))
		return;
	for (i = 0; i < m->n; i++) {
		k = YMAP_KEY(m, i);
		v = YMAP_VAL(m, i);
		if (k->type != YNODE_SCALAR)
			continue;
		if (!inv_valid_name(k->str) || strcmp(k->str, "all") == 0 ||
		    strcmp(k->str, "ungrouped") == 0) {
			at(nr, k, "invalid group name '%s'", k->str);
			continue;
		}
		p = pos_of(nr, k);
		if ((g = inventory_add_group(nr->inv, k->str, &p)) == NULL)
			continue;
		if (v->type != YNODE_MAP) {
			read_group_names(nr, g, v, false);
			continue;
		}
		ytree_check_keys(v, "key", nr->file, nr->d);
		for (j = 0; j < v->n; j++) {
			gk = YMAP_KEY(v, j);
			if (gk->type != YNODE_SCALAR)
				continue;
			if (strcmp(gk->str, "hosts") == 0)
				read_group_names(nr, g, YMAP_VAL(v, j), false);
			else if (strcmp(gk->str, "children") == 0)
				read_group_names(nr, g, YMAP_VAL(v, j), true);
			else
				unknown_key(nr, gk, "a group", group_keys,
				    NELEM(group_keys));
		}
	}
}

/* The parts of the file other than streamed hosts. */
static void
native_walk(struct native *nr, const struct ynode *root)
{
	const struct ynode	*k, *v, *sites;
	size_t			 i;

	if (root->type != YNODE_MAP) {
		at(nr, root, "an inventory must be a mapping with sites, "
		    "hosts, groups and defaults, not %s", ynode_kind(root));
		return;
	}
	ytree_check_keys(root, "key", nr->file, nr->d);
	for (i = 0; i < root->n; i++) {
		k = YMAP_KEY(root, i);
		if (k->type == YNODE_SCALAR &&
		    key_index(k->str, top_keys, NELEM(top_keys)) < 0)
			unknown_key(nr, k, "the inventory", top_keys,
			    NELEM(top_keys));
	}
	read_defaults(nr, &nr->def, ynode_get(root, "defaults"));
	if ((sites = ynode_get(root, "sites")) != NULL &&
	    want_map(nr, sites, "sites", true, "site")) {
		for (i = 0; i < sites->n; i++) {
			k = YMAP_KEY(sites, i);
			if (k->type == YNODE_SCALAR)
				read_site(nr, k, YMAP_VAL(sites, i));
		}
	}
	if ((v = ynode_get(root, "hosts")) != NULL)
		read_hosts(nr, NULL, v);
	if ((v = ynode_get(root, "groups")) != NULL)
		read_groups(nr, v);
}

/*
 * Defaults come last, once the whole file is read (a defaults block may
 * follow the hosts it applies to): a host's own settings win, then its
 * site's defaults, then the file's.
 */
static void
native_apply_defaults(struct native *nr)
{
	struct host	*h;
	size_t		 i, s;

	for (i = 0; i < nr->ntouched; i++) {
		h = &nr->inv->hosts[nr->touched[i]];
		for (s = 0; h->site != NULL && s < nr->nsites; s++) {
			if (strcmp(nr->sites[s].name, h->site) == 0) {
				host_inherit(nr->inv, h, &nr->sites[s].def);
				break;
			}
		}
		host_inherit(nr->inv, h, &nr->def);
	}
}

static void
native_init(struct native *nr, struct inventory *inv, unsigned src,
    struct diags *d)
{
	memset(nr, 0, sizeof *nr);
	nr->inv = inv;
	nr->src = src;
	nr->file = inv->sources[src].path;
	nr->d = d;
	host_init(&nr->def);
}

static int
native_done(struct native *nr, size_t before)
{
	native_apply_defaults(nr);
	free(nr->touched);
	free(nr->sites);
	return nr->d->nerrors > before ? LB_ERR_INVALID : 0;
}

int
inv_read_native(struct inventory *inv, unsigned src, const struct ynode *root,
    struct diags *d)
{
	struct native	 nr;
	size_t		 before = d->nerrors;

	native_init(&nr, inv, src, d);
	if (root != NULL)
		native_walk(&nr, root);
	return native_done(&nr, before);
}

/* Streams the entries of sites.NAME.hosts and of the top-level hosts. */
static bool
native_split(void *arg, const char *const *path, size_t depth)
{
	return (depth == 3 && strcmp(path[0], "sites") == 0 &&
	    strcmp(path[2], "hosts") == 0) ||
	    (depth == 1 && strcmp(path[0], "hosts") == 0);
}

static void
native_entry(void *arg, const char *const *path, size_t depth,
    const struct ynode *key, const struct ynode *value)
{
	struct native	*nr = arg;
	const char	*site = NULL;

	if (depth == 3) {
		/* read_site() reports a bad site name, once. */
		if (!inv_valid_name(path[1]))
			return;
		site = inventory_add_site(nr->inv, path[1], NULL)->name;
	}
	read_host_entry(nr, site, key, value);
}

int
inv_read_native_text(struct inventory *inv, unsigned src, const char *data,
    size_t len, struct diags *d)
{
	struct native	 nr;
	struct ystream	 st = { native_split, native_entry, NULL };
	struct arena	*a;
	struct ynode	*root;
	size_t		 before = d->nerrors;

	native_init(&nr, inv, src, d);
	st.arg = &nr;
	a = arena_new();
	if (ytree_parse_stream(a, nr.file, data, len, &st, &root, d) == 0 &&
	    root != NULL)
		native_walk(&nr, root);
	arena_free(a);
	return native_done(&nr, before);
}
