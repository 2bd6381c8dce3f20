/*
 * The inventory model (see inventory.h): storing and merging hosts from
 * several sources, sites and groups, and inventory_finish(), which applies
 * the built-in defaults, checks what only the whole inventory shows and
 * builds the group index that host patterns use.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"
#include "ytree.h"

/* Built-in defaults, filled in by inventory_finish(). */
#define DEF_SSH_PORT		22
#define DEF_WINRM_HTTPS_PORT	5986
#define DEF_WINRM_HTTP_PORT	5985
#define DEF_CONNECT_MS		10000
#define DEF_KEEPALIVE_MS	30000
#define DEF_OPERATION_MS	60000

struct inventory *
inventory_new(void)
{
	struct inventory	*inv;

	inv = xcalloc(1, sizeof *inv);
	inv->arena = arena_new();
	return inv;
}

void
inventory_free(struct inventory *inv)
{
	if (inv == NULL)
		return;
	/* What groups hold lives in the arena: the table itself is mapped. */
	if (inv->groups != NULL)
		munmap(inv->groups, INV_MAX_GROUPS * sizeof *inv->groups);
	free(inv->hosts);
	free(inv->sites);
	free(inv->sources);
	strmap_release(&inv->hostmap);
	strmap_release(&inv->sitemap);
	strmap_release(&inv->groupmap);
	strmap_release(&inv->varmap);
	strmap_release(&inv->textmap);
	free(inv->varnames);
	free(inv->textnodes);
	arena_free(inv->arena);
	free(inv);
}

const char *
inventory_strdup(struct inventory *inv, const char *s)
{
	return s == NULL ? NULL : arena_strdup(inv->arena, s);
}

const struct ynode *
inventory_copy_node(struct inventory *inv, const struct ynode *n)
{
	struct ynode	*c;
	size_t		 i, nv;

	if (n == NULL)
		return NULL;
	c = arena_alloc(inv->arena, sizeof *c);
	*c = *n;
	if (n->str != NULL)
		c->str = arena_strndup(inv->arena, n->str, n->len);
	if (n->tag != NULL)
		c->tag = arena_strdup(inv->arena, n->tag);
	nv = n->type == YNODE_MAP ? 2 * n->n : n->n;
	if (nv > 0) {
		c->v = arena_allocarray(inv->arena, nv, sizeof *c->v);
		for (i = 0; i < nv; i++)
			c->v[i] = (struct ynode *)inventory_copy_node(inv,
			    n->v[i]);
	}
	return c;
}

unsigned
inventory_source(struct inventory *inv, const char *path,
    enum inv_format format)
{
	inv->sources = xreallocarray(inv->sources, inv->nsources + 1,
	    sizeof *inv->sources);
	inv->sources[inv->nsources].path = inventory_strdup(inv, path);
	inv->sources[inv->nsources].format = format;
	return (unsigned)inv->nsources++;
}

void
host_init(struct host *h)
{
	memset(h, 0, sizeof *h);
	h->tier = INV_UNSET;
	h->transport = TRANSPORT_UNSET;
	h->ssh.port = INV_UNSET;
	h->ssh.connect_timeout_ms = INV_UNSET;
	h->ssh.keepalive_ms = INV_UNSET;
	h->ssh.agent = TRISTATE_UNSET;
	h->winrm.port = INV_UNSET;
	h->winrm.insecure_skip_verify = TRISTATE_UNSET;
	h->winrm.allow_unencrypted = TRISTATE_UNSET;
	h->winrm.connect_timeout_ms = INV_UNSET;
	h->winrm.operation_timeout_ms = INV_UNSET;
	h->sim.latency_ms = INV_UNSET;
	h->sim.jitter_ms = INV_UNSET;
	h->sim.fail_rate = -1;
	h->sim.unreachable = TRISTATE_UNSET;
	h->sim.boot_up_ms = INV_UNSET;
	h->sim.boot_every_ms = INV_UNSET;
}

#define FILL_PTR(f)	do { if (dst->f == NULL) dst->f = src->f; } while (0)
#define FILL_NUM(f)	do { \
	if (dst->f == INV_UNSET) dst->f = src->f; } while (0)
#define FILL_TRI(f)	do { \
	if (dst->f == TRISTATE_UNSET) dst->f = src->f; } while (0)

void
host_fill_unset(struct host *dst, const struct host *src)
{
	FILL_PTR(address);
	FILL_PTR(user);
	FILL_PTR(site);
	FILL_PTR(os);
	FILL_PTR(description);
	FILL_NUM(tier);
	if (dst->transport == TRANSPORT_UNSET)
		dst->transport = src->transport;
	FILL_NUM(ssh.port);
	FILL_PTR(ssh.identity);
	FILL_PTR(ssh.known_hosts);
	FILL_PTR(ssh.password_env);
	FILL_PTR(ssh.password_file);
	FILL_PTR(ssh.passphrase_env);
	FILL_PTR(ssh.passphrase_file);
	FILL_NUM(ssh.connect_timeout_ms);
	FILL_NUM(ssh.keepalive_ms);
	FILL_TRI(ssh.agent);
	FILL_NUM(winrm.port);
	FILL_PTR(winrm.scheme);
	FILL_PTR(winrm.path);
	FILL_PTR(winrm.auth);
	FILL_PTR(winrm.password_env);
	FILL_PTR(winrm.password_file);
	FILL_PTR(winrm.ca_file);
	FILL_TRI(winrm.insecure_skip_verify);
	FILL_TRI(winrm.allow_unencrypted);
	FILL_NUM(winrm.connect_timeout_ms);
	FILL_NUM(winrm.operation_timeout_ms);
	FILL_NUM(sim.latency_ms);
	FILL_NUM(sim.jitter_ms);
	if (dst->sim.fail_rate < 0)
		dst->sim.fail_rate = src->sim.fail_rate;
	FILL_TRI(sim.unreachable);
	FILL_NUM(sim.boot_up_ms);
	FILL_NUM(sim.boot_every_ms);
	if (dst->sim.rules == NULL) {
		dst->sim.rules = src->sim.rules;
		dst->sim.nrules = src->sim.nrules;
	}
	if (dst->backups == NULL) {
		dst->backups = src->backups;
		dst->nbackups = src->nbackups;
	}
}

#undef FILL_PTR
#undef FILL_NUM
#undef FILL_TRI

/*
 * Arrays grown in the arena: n is a power of two (or zero) exactly when
 * the array is full, so no capacity needs storing.
 */
static void *
arena_grow(struct inventory *inv, void *old, size_t n, size_t size)
{
	if (n != 0 && (n & (n - 1)) != 0)
		return old;
	/* Usually in place: a host's lists grow while it is being read. */
	return arena_realloc(inv->arena, old, n * size, (n ? n * 2 : 2) * size);
}

void
host_add_tag(struct inventory *inv, struct host *h, const char *tag)
{
	size_t	 i;

	for (i = 0; i < h->ntags; i++) {
		if (strcmp(h->tags[i], tag) == 0)
			return;
	}
	h->tags = arena_grow(inv, h->tags, h->ntags, sizeof *h->tags);
	h->tags[h->ntags++] = inventory_strdup(inv, tag);
}

/* The inventory's one copy of a var name, with its secret bit. */
static const struct inv_varname *
varname(struct inventory *inv, const char *name)
{
	struct inv_varname	*vn;
	unsigned		 i;

	if (strmap_get(&inv->varmap, name, &i))
		return &inv->varnames[i];
	if ((inv->nvarnames & (inv->nvarnames - 1)) == 0)
		inv->varnames = xreallocarray(inv->varnames,
		    inv->nvarnames ? inv->nvarnames * 2 : 16,
		    sizeof *inv->varnames);
	vn = &inv->varnames[inv->nvarnames];
	vn->name = inventory_strdup(inv, name);
	vn->secret = inv_secret_name(name);
	strmap_put(&inv->varmap, vn->name, (unsigned)inv->nvarnames++);
	return vn;
}

void
host_set_var(struct inventory *inv, struct host *h, const char *name,
    const struct ynode *value)
{
	const struct inv_varname	*vn;
	size_t				 i;

	vn = varname(inv, name);
	/* Names are shared, so the same name is the same pointer. */
	for (i = 0; i < h->nvars; i++) {
		if (h->vars[i].name == vn->name) {
			h->vars[i].value = value;
			return;
		}
	}
	h->vars = arena_grow(inv, h->vars, h->nvars, sizeof *h->vars);
	h->vars[h->nvars].name = vn->name;
	h->vars[h->nvars].value = value;
	h->vars[h->nvars].secret = vn->secret;
	h->nvars++;
}

void
host_set_var_str(struct inventory *inv, struct host *h, const char *name,
    const char *value)
{
	struct ynode	*n;
	unsigned	 i;

	/* Nodes are never changed once made, so hosts can share them. */
	if (strmap_get(&inv->textmap, value, &i)) {
		host_set_var(inv, h, name, inv->textnodes[i]);
		return;
	}
	n = arena_alloc(inv->arena, sizeof *n);
	n->type = YNODE_SCALAR;
	n->str = inventory_strdup(inv, value);
	n->len = strlen(value);
	/* Text from INI or CSV has no YAML typing: keep it a string. */
	n->quoted = true;
	n->weight = 1;
	if ((inv->ntextnodes & (inv->ntextnodes - 1)) == 0)
		inv->textnodes = xreallocarray(inv->textnodes,
		    inv->ntextnodes ? inv->ntextnodes * 2 : 16,
		    sizeof *inv->textnodes);
	inv->textnodes[inv->ntextnodes] = n;
	strmap_put(&inv->textmap, n->str, (unsigned)inv->ntextnodes++);
	host_set_var(inv, h, name, n);
}

void
host_inherit(struct inventory *inv, struct host *dst, const struct host *src)
{
	size_t	 i, j;

	host_fill_unset(dst, src);
	for (i = 0; i < src->ntags; i++)
		host_add_tag(inv, dst, src->tags[i]);
	for (i = 0; i < src->nvars; i++) {
		for (j = 0; j < dst->nvars; j++) {
			if (strcmp(dst->vars[j].name, src->vars[i].name) == 0)
				break;
		}
		if (j == dst->nvars)
			host_set_var(inv, dst, src->vars[i].name,
			    src->vars[i].value);
	}
}

struct host *
inventory_host(const struct inventory *inv, const char *name)
{
	unsigned	 i;

	if (!strmap_get(&inv->hostmap, name, &i))
		return NULL;
	return &inv->hosts[i];
}

struct inv_group *
inventory_group(const struct inventory *inv, const char *name)
{
	unsigned	 i;

	if (!strmap_get(&inv->groupmap, name, &i))
		return NULL;
	return &inv->groups[i];
}

struct inv_site *
inventory_site(const struct inventory *inv, const char *name)
{
	unsigned	 i;

	if (!strmap_get(&inv->sitemap, name, &i))
		return NULL;
	return &inv->sites[i];
}

static const char *
posstr(struct inventory *inv, const struct srcpos *p)
{
	return arena_printf(inv->arena, "%s:%u:%u", p->file ? p->file : "?",
	    p->line, p->col);
}

struct host *
inventory_put_host(struct inventory *inv, const struct host *h, unsigned src,
    struct diags *d)
{
	struct host	*old, merged;
	unsigned	 idx;

	if (!strmap_get(&inv->hostmap, h->name, &idx)) {
		if (inv->nhosts == inv->caphosts) {
			inv->caphosts = inv->caphosts ? inv->caphosts * 2 : 64;
			inv->hosts = xreallocarray(inv->hosts, inv->caphosts,
			    sizeof *inv->hosts);
		}
		idx = (unsigned)inv->nhosts++;
		inv->hosts[idx] = *h;
		inv->hosts[idx].source = src;
		strmap_put(&inv->hostmap, inv->hosts[idx].name, idx);
		return &inv->hosts[idx];
	}
	old = &inv->hosts[idx];
	if (old->source == src) {
		diag_err(d, h->pos.file, h->pos.line, h->pos.col,
		    "duplicate host '%s' (first defined at %s)", h->name,
		    posstr(inv, &old->pos));
		return NULL;
	}
	if (old->site != NULL && h->site != NULL &&
	    strcmp(old->site, h->site) != 0) {
		diag_err(d, h->pos.file, h->pos.line, h->pos.col,
		    "host '%s' is in site '%s' here but in site '%s' at %s",
		    h->name, h->site, old->site, posstr(inv, &old->pos));
		return NULL;
	}
	/* The later source wins; the first definition stays the origin. */
	merged = *h;
	host_inherit(inv, &merged, old);
	merged.pos = old->pos;
	merged.source = old->source;
	*old = merged;
	return old;
}

struct inv_site *
inventory_add_site(struct inventory *inv, const char *name,
    const struct srcpos *pos)
{
	struct inv_site	*s;
	unsigned	 idx;

	if (strmap_get(&inv->sitemap, name, &idx))
		return &inv->sites[idx];
	if (inv->nsites == inv->capsites) {
		inv->capsites = inv->capsites ? inv->capsites * 2 : 16;
		inv->sites = xreallocarray(inv->sites, inv->capsites,
		    sizeof *inv->sites);
	}
	s = &inv->sites[inv->nsites];
	memset(s, 0, sizeof *s);
	s->name = inventory_strdup(inv, name);
	if (pos != NULL)
		s->pos = *pos;
	strmap_put(&inv->sitemap, s->name, (unsigned)inv->nsites++);
	return s;
}

static struct inv_group *
group_get(struct inventory *inv, const char *name, enum group_kind kind,
    const struct srcpos *pos)
{
	struct inv_group	*g;
	unsigned		 idx;

	if (strmap_get(&inv->groupmap, name, &idx)) {
		g = &inv->groups[idx];
		if (g->pos.file == NULL && pos != NULL)
			g->pos = *pos;
		g->kind |= kind;
		return g;
	}
	/*
	 * The table is reserved once at its largest and never moves, so a
	 * reader may hold a group while it adds others.  Anonymous memory is
	 * zero pages until touched: only the groups used cost memory, and
	 * reserving costs one system call.
	 */
	if (inv->groups == NULL) {
		inv->groups = mmap(NULL, INV_MAX_GROUPS * sizeof *inv->groups,
		    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
		if (inv->groups == MAP_FAILED) {
			inv->groups = NULL;
			return NULL;
		}
		inv->capgroups = INV_MAX_GROUPS;
	}
	if (inv->ngroups == inv->capgroups)
		return NULL;
	g = &inv->groups[inv->ngroups];
	g->name = inventory_strdup(inv, name);
	g->kind = kind;
	if (pos != NULL)
		g->pos = *pos;
	strmap_put(&inv->groupmap, g->name, (unsigned)inv->ngroups++);
	return g;
}

struct inv_group *
inventory_add_group(struct inventory *inv, const char *name,
    const struct srcpos *pos)
{
	return group_get(inv, name, GROUP_EXPLICIT, pos);
}

static void
ref_add(struct inventory *inv, struct inv_ref **v, size_t *n, size_t *cap,
    const char *name, const struct srcpos *pos)
{
	struct inv_ref	*nv;

	/* In the arena: the group table is mapped memory (see group_get). */
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		nv = arena_allocarray(inv->arena, *cap, sizeof *nv);
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof *nv);
		*v = nv;
	}
	(*v)[*n].name = inventory_strdup(inv, name);
	if (pos != NULL)
		(*v)[*n].pos = *pos;
	else
		memset(&(*v)[*n].pos, 0, sizeof (*v)[*n].pos);
	(*n)++;
}

void
inventory_group_add_host(struct inventory *inv, struct inv_group *g,
    const char *host, const struct srcpos *pos)
{
	ref_add(inv, &g->hostrefs, &g->nhostrefs, &g->caphostrefs, host, pos);
}

void
inventory_group_add_child(struct inventory *inv, struct inv_group *g,
    const char *child, const struct srcpos *pos)
{
	ref_add(inv, &g->children, &g->nchildren, &g->capchildren, child,
	    pos);
}

/* Applies the built-in defaults and checks one host on its own. */
static void
finish_host(struct host *h, struct diags *d)
{
	const struct srcpos	*p = &h->pos;

	/* Windows is reached over WinRM unless something else is said. */
	if (h->transport == TRANSPORT_UNSET)
		h->transport = h->os != NULL && strcmp(h->os, "windows") == 0 ?
		    TRANSPORT_WINRM : TRANSPORT_SSH;
	if (h->os == NULL && h->transport == TRANSPORT_WINRM)
		h->os = "windows";
	if (h->ssh.port == INV_UNSET)
		h->ssh.port = DEF_SSH_PORT;
	if (h->ssh.connect_timeout_ms == INV_UNSET)
		h->ssh.connect_timeout_ms = DEF_CONNECT_MS;
	if (h->ssh.keepalive_ms == INV_UNSET)
		h->ssh.keepalive_ms = DEF_KEEPALIVE_MS;
	if (h->ssh.agent == TRISTATE_UNSET)
		h->ssh.agent = TRISTATE_TRUE;
	if (h->winrm.scheme == NULL)
		h->winrm.scheme = "https";
	if (h->winrm.port == INV_UNSET)
		h->winrm.port = strcmp(h->winrm.scheme, "http") == 0 ?
		    DEF_WINRM_HTTP_PORT : DEF_WINRM_HTTPS_PORT;
	if (h->winrm.path == NULL)
		h->winrm.path = "/wsman";
	if (h->winrm.auth == NULL)
		h->winrm.auth = "negotiate";
	if (h->winrm.insecure_skip_verify == TRISTATE_UNSET)
		h->winrm.insecure_skip_verify = TRISTATE_FALSE;
	if (h->winrm.allow_unencrypted == TRISTATE_UNSET)
		h->winrm.allow_unencrypted = TRISTATE_FALSE;
	if (h->winrm.connect_timeout_ms == INV_UNSET)
		h->winrm.connect_timeout_ms = DEF_CONNECT_MS;
	if (h->winrm.operation_timeout_ms == INV_UNSET)
		h->winrm.operation_timeout_ms = DEF_OPERATION_MS;
	if (h->sim.latency_ms == INV_UNSET)
		h->sim.latency_ms = 0;
	if (h->sim.jitter_ms == INV_UNSET)
		h->sim.jitter_ms = 0;
	if (h->sim.fail_rate < 0)
		h->sim.fail_rate = 0;
	if (h->sim.unreachable == TRISTATE_UNSET)
		h->sim.unreachable = TRISTATE_FALSE;

	if (h->address == NULL && h->transport != TRANSPORT_SIM)
		diag_err(d, p->file, p->line, p->col,
		    "host '%s' has no address (needed for transport %s)",
		    h->name, transport_name(h->transport));
	if (h->transport == TRANSPORT_WINRM &&
	    strcmp(h->winrm.scheme, "http") == 0 &&
	    h->winrm.allow_unencrypted != TRISTATE_TRUE)
		diag_err(d, p->file, p->line, p->col,
		    "host '%s' uses WinRM over plain http: set "
		    "winrm.allow_unencrypted: true (in an Ansible inventory, "
		    "lifeboat_winrm_allow_unencrypted=true) to allow it, or "
		    "use https", h->name);
	if (h->transport == TRANSPORT_SIM && h->sim.boot_every_ms > 0 &&
	    h->sim.boot_up_ms > h->sim.boot_every_ms)
		diag_err(d, p->file, p->line, p->col,
		    "host '%s': sim.boot_loop up time is longer than its "
		    "period", h->name);
}

/* A growable list of host indices, sorted and made unique at the end. */
struct idxvec {
	unsigned	*v;
	size_t		 n;
	size_t		 cap;
};

static void
idxvec_add(struct idxvec *iv, unsigned x)
{
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 8;
		iv->v = xreallocarray(iv->v, iv->cap, sizeof *iv->v);
	}
	iv->v[iv->n++] = x;
}

static int
cmp_unsigned(const void *a, const void *b)
{
	unsigned	 x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static void
idxvec_uniq(struct idxvec *iv)
{
	size_t	 i, j;

	if (iv->n < 2)
		return;
	qsort(iv->v, iv->n, sizeof *iv->v, cmp_unsigned);
	for (i = 1, j = 1; i < iv->n; i++) {
		if (iv->v[i] != iv->v[j - 1])
			iv->v[j++] = iv->v[i];
	}
	iv->n = j;
}

enum { WHITE, GREY, BLACK };

/*
 * Collects the members of group gi into vecs[gi]: its own hosts and those
 * of its children, depth first.  A child that is already on the path
 * (GREY) closes a cycle.
 */
static void
group_collect(struct inventory *inv, size_t gi, struct idxvec *vecs,
    unsigned char *color, size_t depth, struct diags *d)
{
	struct inv_group	*g = &inv->groups[gi];
	struct inv_ref		*r;
	unsigned		 ci;
	size_t			 i, j;

	color[gi] = GREY;
	for (i = 0; i < g->nchildren; i++) {
		r = &g->children[i];
		if (!strmap_get(&inv->groupmap, r->name, &ci))
			continue;
		if (color[ci] == GREY) {
			diag_err(d, r->pos.file, r->pos.line, r->pos.col,
			    "group '%s' contains itself through '%s'",
			    g->name, r->name);
			continue;
		}
		if (depth > 1000) {
			diag_err(d, r->pos.file, r->pos.line, r->pos.col,
			    "groups nested more than 1000 deep at '%s'",
			    r->name);
			continue;
		}
		if (color[ci] == WHITE)
			group_collect(inv, ci, vecs, color, depth + 1, d);
		for (j = 0; j < vecs[ci].n; j++)
			idxvec_add(&vecs[gi], vecs[ci].v[j]);
	}
	idxvec_uniq(&vecs[gi]);
	color[gi] = BLACK;
}

static void
suggest_host(struct inventory *inv, const struct inv_group *g,
    const struct inv_ref *r, struct diags *d)
{
	const char	**names, *s;
	size_t		  i;

	names = xreallocarray(NULL, inv->nhosts ? inv->nhosts : 1,
	    sizeof *names);
	for (i = 0; i < inv->nhosts; i++)
		names[i] = inv->hosts[i].name;
	s = diag_suggest(r->name, names, inv->nhosts);
	diag_err(d, r->pos.file, r->pos.line, r->pos.col,
	    "group '%s' names unknown host '%s'%s%s%s", g->name, r->name,
	    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
	free(names);
}

/* Resolves the explicit groups: host references, then children. */
static void
finish_explicit_groups(struct inventory *inv, size_t nexplicit,
    struct idxvec *vecs, struct diags *d)
{
	struct inv_group	*g;
	unsigned char		*color;
	unsigned		 hi;
	size_t			 gi, i;

	for (gi = 0; gi < nexplicit; gi++) {
		g = &inv->groups[gi];
		for (i = 0; i < g->nhostrefs; i++) {
			if (strmap_get(&inv->hostmap, g->hostrefs[i].name, &hi))
				idxvec_add(&vecs[gi], hi);
			else
				suggest_host(inv, g, &g->hostrefs[i], d);
		}
		/* A child named but never defined is an empty group. */
		for (i = 0; i < g->nchildren; i++)
			group_get(inv, g->children[i].name, GROUP_EXPLICIT,
			    &g->children[i].pos);
	}
	color = xcalloc(inv->ngroups ? inv->ngroups : 1, 1);
	for (gi = 0; gi < inv->ngroups; gi++) {
		if (color[gi] == WHITE)
			group_collect(inv, gi, vecs, color, 0, d);
	}
	free(color);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Builds the implicit groups (sites, os, tags, all, ungrouped), stores
 * every group's members and gives each host its sorted list of groups.
 */
static void
finish_groups(struct inventory *inv, struct diags *d)
{
	struct idxvec	*vecs, ungrouped = { NULL, 0, 0 };
	struct inv_group *g;
	struct host	*h;
	unsigned char	*explicit;
	size_t		 i, j, gi, nexplicit, ngroups, nvecs;
	size_t		*count;

	/*
	 * One member list per group.  Groups added below (children named but
	 * not defined, sites, operating systems, tags) are at most the
	 * groups so far plus a few per host: room for all of them.
	 */
	nvecs = inv->ngroups * 2 + 3;
	for (i = 0; i < inv->nhosts; i++)
		nvecs += 2 + inv->hosts[i].ntags;
	for (gi = 0; gi < inv->ngroups; gi++)
		nvecs += inv->groups[gi].nchildren;
	if (nvecs > INV_MAX_GROUPS)
		nvecs = INV_MAX_GROUPS;
	vecs = xcalloc(nvecs, sizeof *vecs);
	nexplicit = inv->ngroups;
	finish_explicit_groups(inv, nexplicit, vecs, d);
	nexplicit = inv->ngroups;

	explicit = xcalloc(inv->nhosts ? inv->nhosts : 1, 1);
	for (gi = 0; gi < nexplicit; gi++)
		for (j = 0; j < vecs[gi].n; j++)
			explicit[vecs[gi].v[j]] = 1;
	for (i = 0; i < inv->nhosts; i++) {
		h = &inv->hosts[i];
		if (h->site != NULL) {
			g = group_get(inv, h->site, GROUP_SITE, NULL);
			if (g != NULL)
				idxvec_add(&vecs[g - inv->groups], (unsigned)i);
		}
		if (h->os != NULL) {
			g = group_get(inv, h->os, GROUP_OS, NULL);
			if (g != NULL)
				idxvec_add(&vecs[g - inv->groups], (unsigned)i);
		}
		for (j = 0; j < h->ntags; j++) {
			g = group_get(inv, h->tags[j], GROUP_TAG, NULL);
			if (g != NULL)
				idxvec_add(&vecs[g - inv->groups], (unsigned)i);
		}
		if (!explicit[i])
			idxvec_add(&ungrouped, (unsigned)i);
	}
	free(explicit);
	if (inv->ngroups == INV_MAX_GROUPS)
		diag_err(d, NULL, 0, 0, "too many groups (more than %u)",
		    INV_MAX_GROUPS);
	g = group_get(inv, "ungrouped", GROUP_BUILTIN, NULL);
	if (g != NULL) {
		for (j = 0; j < ungrouped.n; j++)
			idxvec_add(&vecs[g - inv->groups], ungrouped.v[j]);
	}
	free(ungrouped.v);
	g = group_get(inv, "all", GROUP_BUILTIN, NULL);
	if (g != NULL)
		for (i = 0; i < inv->nhosts; i++)
			idxvec_add(&vecs[g - inv->groups], (unsigned)i);

	ngroups = inv->ngroups;
	count = xcalloc(inv->nhosts ? inv->nhosts : 1, sizeof *count);
	for (gi = 0; gi < ngroups; gi++) {
		g = &inv->groups[gi];
		idxvec_uniq(&vecs[gi]);
		g->nmembers = vecs[gi].n;
		g->members = arena_allocarray(inv->arena,
		    g->nmembers ? g->nmembers : 1, sizeof *g->members);
		if (g->nmembers > 0)
			memcpy(g->members, vecs[gi].v,
			    g->nmembers * sizeof *g->members);
		free(vecs[gi].v);
		if (g->kind & GROUP_BUILTIN)
			continue;
		for (j = 0; j < g->nmembers; j++)
			count[g->members[j]]++;
	}
	for (i = 0; i < inv->nhosts; i++) {
		inv->hosts[i].groups = arena_allocarray(inv->arena,
		    count[i] ? count[i] : 1, sizeof *inv->hosts[i].groups);
		inv->hosts[i].ngroups = 0;
	}
	for (gi = 0; gi < ngroups; gi++) {
		g = &inv->groups[gi];
		if (g->kind & GROUP_BUILTIN)
			continue;
		for (j = 0; j < g->nmembers; j++) {
			h = &inv->hosts[g->members[j]];
			h->groups[h->ngroups++] = g->name;
		}
	}
	for (i = 0; i < inv->nhosts; i++)
		qsort(inv->hosts[i].groups, inv->hosts[i].ngroups,
		    sizeof *inv->hosts[i].groups, cmp_str);
	free(count);
	free(vecs);
}

int
inventory_finish(struct inventory *inv, struct diags *d)
{
	struct inv_site	*s;
	struct host	*h;
	size_t		 i, before = d->nerrors;

	if (inv->finished)
		return LB_ERR_INTERNAL;
	for (i = 0; i < inv->nhosts; i++) {
		h = &inv->hosts[i];
		finish_host(h, d);
		if (h->site != NULL) {
			s = inventory_add_site(inv, h->site, NULL);
			s->nhosts++;
		}
	}
	finish_groups(inv, d);
	inv->finished = true;
	return d->nerrors > before ? LB_ERR_INVALID : 0;
}
