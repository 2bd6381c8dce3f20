/*
 * The Ansible inventory model and its commit into lifeboat's inventory
 * (see ansible.h).
 *
 * Var precedence is Ansible's: the vars of "all" lowest, then the vars
 * of every group the host is in, directly or through children, ordered by
 * group depth (parents before children), then ansible_group_priority,
 * then group name; the host's own vars last and highest.  A group's depth
 * is the length of the longest chain of parents above it ("all" is 0, a
 * top-level group 1).  A host in no group but "all" is in "ungrouped".
 *
 * Then the vars lifeboat understands become host fields (ans_maps[] and
 * the lifeboat_* vars), and the others stay host vars.  Hostile input is
 * kept in bounds by caps on hosts, groups and vars, and by a work budget
 * for resolving vars, so that a crafted file gives an error, not an hour
 * of CPU.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ansible.h"
#include "arena.h"
#include "diag.h"
#include "errors.h"
#include "hostrange.h"
#include "inventory.h"
#include "xmalloc.h"
#include "ytree.h"

#define ANS_MAX_HOSTS		2000000
/* Vars and group memberships in one file, all told. */
#define ANS_MAX_VARS		(4UL * 1024 * 1024)
#define ANS_MAX_MEMBERS		(4UL * 1024 * 1024)
#define ANS_MAX_HOST_VARS	2000
/* Nodes in one YAML value, aliases expanded. */
#define ANS_MAX_VALUE_NODES	100000
/*
 * Steps (group visits, sort comparisons, var settings) for resolving all
 * hosts: a second or two.  100,000 hosts in a dozen groups with 50 vars
 * each take about 40 million.
 */
#define ANS_MAX_WORK		(128UL * 1024 * 1024)

/* Which of Ansible's connection plugins reads a var. */
enum ans_conn {
	CONN_SSH = 1 << 0,
	CONN_WINRM = 1 << 1,
	CONN_PSRP = 1 << 2,
	CONN_ANY = CONN_SSH | CONN_WINRM | CONN_PSRP,
};

enum ans_conv {
	CONV_TEXT,		/* as is */
	CONV_PORT,		/* ssh.port or winrm.port, by transport */
	CONV_TIMEOUT,		/* ssh. or winrm.connect_timeout, seconds */
	CONV_AUTH,		/* Ansible's transport names to winrm.auth */
	CONV_CERT,		/* validate/ignore to insecure_skip_verify */
};

/*
 * The Ansible vars that set host fields.  Rows with the same key are
 * adjacent: when several are set, the last row that the host's
 * connection reads wins, as in Ansible's connection plugins, where the
 * plugin-specific name (ansible_ssh_user) overrides the generic one
 * (ansible_user).  These vars are not kept as host vars.
 */
static const struct ans_map {
	const char	*var;
	unsigned	 conns;
	const char	*key;
	enum ans_conv	 conv;
} ans_maps[] = {
	{ "ansible_host", CONN_ANY, "address", CONV_TEXT },
	{ "ansible_ssh_host", CONN_SSH, "address", CONV_TEXT },
	{ "ansible_winrm_host", CONN_WINRM, "address", CONV_TEXT },
	{ "ansible_psrp_host", CONN_PSRP, "address", CONV_TEXT },
	{ "ansible_user", CONN_ANY, "user", CONV_TEXT },
	{ "ansible_ssh_user", CONN_SSH, "user", CONV_TEXT },
	{ "ansible_winrm_user", CONN_WINRM, "user", CONV_TEXT },
	{ "ansible_psrp_user", CONN_PSRP, "user", CONV_TEXT },
	{ "ansible_port", CONN_ANY, "port", CONV_PORT },
	{ "ansible_ssh_port", CONN_SSH, "port", CONV_PORT },
	{ "ansible_winrm_port", CONN_WINRM, "port", CONV_PORT },
	{ "ansible_psrp_port", CONN_PSRP, "port", CONV_PORT },
	{ "ansible_timeout", CONN_ANY, "timeout", CONV_TIMEOUT },
	{ "ansible_ssh_timeout", CONN_SSH, "timeout", CONV_TIMEOUT },
	{ "ansible_winrm_connection_timeout", CONN_WINRM, "timeout",
	    CONV_TIMEOUT },
	{ "ansible_psrp_connection_timeout", CONN_PSRP, "timeout",
	    CONV_TIMEOUT },
	{ "ansible_private_key_file", CONN_SSH, "ssh.identity", CONV_TEXT },
	{ "ansible_ssh_private_key_file", CONN_SSH, "ssh.identity",
	    CONV_TEXT },
	{ "ansible_winrm_scheme", CONN_WINRM, "winrm.scheme", CONV_TEXT },
	{ "ansible_psrp_protocol", CONN_PSRP, "winrm.scheme", CONV_TEXT },
	{ "ansible_winrm_path", CONN_WINRM, "winrm.path", CONV_TEXT },
	{ "ansible_psrp_path", CONN_PSRP, "winrm.path", CONV_TEXT },
	{ "ansible_winrm_ca_trust_path", CONN_WINRM, "winrm.ca_file",
	    CONV_TEXT },
	{ "ansible_psrp_ca_cert", CONN_PSRP, "winrm.ca_file", CONV_TEXT },
	{ "ansible_winrm_transport", CONN_WINRM, "winrm.auth", CONV_AUTH },
	{ "ansible_psrp_auth", CONN_PSRP, "winrm.auth", CONV_AUTH },
	{ "ansible_winrm_server_cert_validation", CONN_WINRM,
	    "winrm.insecure_skip_verify", CONV_CERT },
	{ "ansible_psrp_cert_validation", CONN_PSRP,
	    "winrm.insecure_skip_verify", CONV_CERT },
	{ "ansible_winrm_operation_timeout", CONN_WINRM,
	    "winrm.operation_timeout", CONV_TEXT },
	{ "ansible_psrp_operation_timeout", CONN_PSRP,
	    "winrm.operation_timeout", CONV_TEXT },
};
#define NMAPS	(sizeof ans_maps / sizeof *ans_maps)

/* What a var is to commit; worked out once, when it is added. */
enum ans_kind {
	KIND_PLAIN = 0,		/* kept as a host var */
	KIND_MAPPED,		/* a row of ans_maps[] */
	KIND_CONNECTION,	/* ansible_connection */
	KIND_LIFEBOAT,		/* lifeboat_KEY */
};

static const char *const lifeboat_prefix = "lifeboat_";

/* Commit's scratch space, reused from host to host. */
struct resolve {
	struct ans_group	**gl;		/* groups with vars, to sort */
	size_t			  ngl;
	size_t			  capgl;
	size_t			 *queue;
	size_t			  capqueue;
	struct ans_var		**win;		/* the winning vars */
	size_t			  nwin;
	size_t			  capwin;
	struct strmap		  map;		/* var name -> index in win */
	size_t			  epoch;
	size_t			  work;
	bool			  over;
	const char		**lbkeys;	/* lifeboat_* names */
	size_t			  nlbkeys;
};

static struct srcpos
pos_at(const struct srcpos *p, unsigned dcol)
{
	struct srcpos	 q = *p;

	if (q.col > 0)
		q.col += dcol;
	return q;
}

static void
aerr(struct ansible *a, const struct srcpos *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
aerr(struct ansible *a, const struct srcpos *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(a->diags, DIAG_ERROR, p->file, p->line, p->col, fmt, ap);
	va_end(ap);
}

static void
awarn(struct ansible *a, const struct srcpos *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
awarn(struct ansible *a, const struct srcpos *p, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(a->diags, DIAG_WARNING, p->file, p->line, p->col, fmt, ap);
	va_end(ap);
}

static struct ans_group *
group_new(struct ansible *a, const char *name, const struct srcpos *pos)
{
	struct ans_group	*g;

	if (a->ngroups == a->capgroups) {
		a->capgroups = a->capgroups ? a->capgroups * 2 : 16;
		a->groups = xreallocarray(a->groups, a->capgroups,
		    sizeof *a->groups);
	}
	g = xcalloc(1, sizeof *g);
	g->name = inventory_strdup(a->inv, name);
	if (pos != NULL)
		g->pos = *pos;
	g->priority = 1;
	strmap_put(&a->groupmap, g->name, (unsigned)a->ngroups);
	a->groups[a->ngroups++] = g;
	return g;
}

struct ansible *
ansible_new(struct inventory *inv, unsigned src, struct diags *diags)
{
	struct ansible		*a;
	struct ans_group	*g;

	a = xcalloc(1, sizeof *a);
	a->inv = inv;
	a->src = src;
	a->file = src < inv->nsources ? inv->sources[src].path : NULL;
	a->diags = diags;
	a->nerrors0 = diags->nerrors;
	g = group_new(a, "all", NULL);
	g->builtin = g->defined = true;
	g->depth = 0;
	g = group_new(a, "ungrouped", NULL);
	g->builtin = g->defined = true;
	return a;
}

void
ansible_free(struct ansible *a)
{
	struct ans_group	*g;
	struct ans_host		*h;
	size_t			 i;

	if (a == NULL)
		return;
	for (i = 0; i < a->ngroups; i++) {
		g = a->groups[i];
		free(g->vars.v);
		free(g->hosts);
		free(g->children);
		free(g->parents);
		free(g);
	}
	for (i = 0; i < a->nhosts; i++) {
		h = a->hosts[i];
		free(h->vars.v);
		free(h->groups);
		free(h);
	}
	free(a->groups);
	free(a->hosts);
	strmap_release(&a->groupmap);
	strmap_release(&a->hostmap);
	free(a);
}

bool
ansible_too_many(struct ansible *a, const struct srcpos *pos)
{
	if (a->gaveup)
		return true;
	if (a->diags->nerrors - a->nerrors0 < ANS_MAX_ERRORS)
		return false;
	a->gaveup = true;
	aerr(a, pos, "too many errors, giving up on this file");
	return true;
}

struct ans_group *
ansible_group(struct ansible *a, const char *name, const struct srcpos *pos)
{
	unsigned	 i;

	if (strmap_get(&a->groupmap, name, &i))
		return a->groups[i];
	if (!inv_valid_name(name)) {
		aerr(a, pos, "invalid group name '%s': use letters, digits, "
		    "'-', '_' and '.'", name);
		return NULL;
	}
	if (a->ngroups >= INV_MAX_GROUPS) {
		aerr(a, pos, "too many groups (more than %u)", INV_MAX_GROUPS);
		return NULL;
	}
	return group_new(a, name, pos);
}

static void
ref_add(struct ans_ref **v, size_t *n, size_t *cap, size_t idx,
    const struct srcpos *pos)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[*n].idx = idx;
	(*v)[*n].pos = *pos;
	(*n)++;
}

static size_t
group_index(struct ansible *a, const struct ans_group *g)
{
	unsigned	 i = 0;

	strmap_get(&a->groupmap, g->name, &i);
	return i;
}

void
ansible_group_add_child(struct ansible *a, struct ans_group *parent,
    struct ans_group *child, const struct srcpos *pos)
{
	if (strcmp(child->name, "all") == 0) {
		aerr(a, pos, "group 'all' cannot be a child of '%s'",
		    parent->name);
		return;
	}
	ref_add(&parent->children, &parent->nchildren, &parent->capchildren,
	    group_index(a, child), pos);
}

static bool
is_password_var(const char *name)
{
	return strncmp(name, "ansible_", 8) == 0 && inv_secret_name(name) &&
	    strstr(name, "pass") != NULL;
}

static enum ans_kind
var_kind(const char *name, size_t *row)
{
	size_t	 i;

	if (strncmp(name, lifeboat_prefix, strlen(lifeboat_prefix)) == 0)
		return KIND_LIFEBOAT;
	if (strncmp(name, "ansible_", 8) != 0)
		return KIND_PLAIN;
	if (strcmp(name, "ansible_connection") == 0)
		return KIND_CONNECTION;
	for (i = 0; i < NMAPS; i++) {
		if (strcmp(name, ans_maps[i].var) == 0) {
			*row = i;
			return KIND_MAPPED;
		}
	}
	return KIND_PLAIN;
}

/*
 * Checks a per-file cap before adding; reports the first cap reached,
 * once.  YAML aliases could otherwise multiply a small file's vars.
 */
static bool
cap_ok(struct ansible *a, size_t *count, size_t max, const char *what,
    const struct srcpos *pos)
{
	if (*count < max) {
		(*count)++;
		return true;
	}
	if (!a->full)
		aerr(a, pos, "too many %s in one file (more than %zu)", what,
		    max);
	a->full = true;
	return false;
}

/*
 * Whether YAML value n is small enough to copy: at most *budget nodes with
 * aliases expanded, and no deeper than ytree allows.  The depth check
 * also stops at an alias that makes a value contain itself.
 */
static bool
node_bounded(const struct ynode *n, unsigned depth, size_t *budget)
{
	size_t	 i, nv;

	if (depth > YTREE_MAX_DEPTH || *budget == 0)
		return false;
	(*budget)--;
	if (n->type == YNODE_MAP)
		nv = 2 * n->n;
	else
		nv = n->type == YNODE_SEQ ? n->n : 0;
	for (i = 0; i < nv; i++) {
		if (!node_bounded(n->v[i], depth + 1, budget))
			return false;
	}
	return true;
}

/*
 * Appends a var.  A name given twice is not looked up here: commit
 * applies vars in order, so the later one wins there, and adding stays
 * cheap however many vars a hostile file has.
 */
static void
vars_add(struct ansible *a, struct ans_vars *vs, const char *name,
    const char *str, const struct ynode *node, const struct srcpos *kpos,
    const struct srcpos *vpos)
{
	struct ans_var	*v;
	size_t		 budget = ANS_MAX_VALUE_NODES;

	if (!cap_ok(a, &a->nvars, ANS_MAX_VARS, "vars", kpos))
		return;
	if (node != NULL && node != a->lastsrc &&
	    !node_bounded(node, 0, &budget)) {
		aerr(a, vpos, "value of '%s' is too large, or contains itself "
		    "through an alias", name);
		return;
	}
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 4;
		vs->v = xreallocarray(vs->v, vs->cap, sizeof *vs->v);
	}
	v = &vs->v[vs->n++];
	memset(v, 0, sizeof *v);
	v->name = inventory_strdup(a->inv, name);
	if (node != NULL) {
		/*
		 * Readers set one value on every host of a range in turn:
		 * copy it once.  The reader's tree outlives the model.
		 */
		if (node != a->lastsrc) {
			a->lastsrc = node;
			a->lastcopy = inventory_copy_node(a->inv, node);
		}
		v->node = a->lastcopy;
		v->str = ynode_str(v->node);
		v->null = ynode_is_null(v->node);
	} else
		v->str = inventory_strdup(a->inv, str != NULL ? str : "");
	v->kpos = *kpos;
	v->vpos = *vpos;
	v->kind = var_kind(name, &v->row);
	if (a->pwname == NULL && is_password_var(name)) {
		a->pwname = v->name;
		a->pwpos = *kpos;
	}
}

static int
parse_int(const char *s, int *out)
{
	char	*end;
	long	 v;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0' || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	return 0;
}

void
ansible_group_set_var(struct ansible *a, struct ans_group *g,
    const char *name, const char *str, const struct ynode *node,
    const struct srcpos *kpos, const struct srcpos *vpos)
{
	const char	*s;

	if (strcmp(name, "ansible_group_priority") == 0) {
		s = node != NULL ? ynode_str(node) : str;
		if (s == NULL || parse_int(s, &g->priority) != 0)
			aerr(a, vpos, "ansible_group_priority must be a whole "
			    "number, not %s%s%s", s ? "'" : "",
			    s ? s : ynode_kind(node), s ? "'" : "");
		return;
	}
	vars_add(a, &g->vars, name, str, node, kpos, vpos);
}

void
ansible_host_set_var(struct ansible *a, struct ans_host *h,
    const char *name, const char *str, const struct ynode *node,
    const struct srcpos *kpos, const struct srcpos *vpos)
{
	vars_add(a, &h->vars, name, str, node, kpos, vpos);
}

static struct ans_host *
host_get(struct ansible *a, const char *name, const struct srcpos *pos)
{
	struct ans_host	*h;
	unsigned	 i;

	if (strmap_get(&a->hostmap, name, &i))
		return a->hosts[i];
	if (a->nhosts >= ANS_MAX_HOSTS)
		return NULL;
	if (a->nhosts == a->caphosts) {
		a->caphosts = a->caphosts ? a->caphosts * 2 : 64;
		a->hosts = xreallocarray(a->hosts, a->caphosts,
		    sizeof *a->hosts);
	}
	h = xcalloc(1, sizeof *h);
	h->name = inventory_strdup(a->inv, name);
	h->pos = *pos;
	strmap_put(&a->hostmap, h->name, (unsigned)a->nhosts);
	a->hosts[a->nhosts++] = h;
	return h;
}

static bool
is_ipv6ish(const char *s, size_t n)
{
	size_t	 i, colons = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ':')
			colons++;
		else if (!isxdigit((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '%')
			return false;
	}
	return colons >= 2;
}

/*
 * Splits "name:port" (a colon outside any range).  Returns 0 with the
 * name's length in *namelen and the port (or INV_UNSET), or -1 with an
 * error reported.
 */
static int
split_port(struct ansible *a, const char *pattern, const struct srcpos *pos,
    size_t *namelen, int *port)
{
	const char	*p, *colon = NULL, *why;
	size_t		 ncolons = 0, len = strlen(pattern);
	int		 depth = 0;

	*namelen = len;
	*port = INV_UNSET;
	if (pattern[0] == '[' && (p = strchr(pattern, ']')) != NULL &&
	    is_ipv6ish(pattern + 1, (size_t)(p - pattern - 1))) {
		aerr(a, pos, "IPv6 address '%.*s' cannot be a host name: name "
		    "the host and set ansible_host to the address",
		    (int)(p - pattern - 1), pattern + 1);
		return -1;
	}
	for (p = pattern; *p != '\0'; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if (*p == ':' && depth == 0) {
			ncolons++;
			colon = p;
		}
	}
	if (ncolons == 0)
		return 0;
	if (ncolons > 1) {
		if (is_ipv6ish(pattern, len))
			aerr(a, pos, "IPv6 address '%s' cannot be a host "
			    "name: name the host and set ansible_host to the "
			    "address", pattern);
		else
			aerr(a, pos, "bad host '%s': more than one ':'",
			    pattern);
		return -1;
	}
	*namelen = (size_t)(colon - pattern);
	if (colon[1] == '\0') {
		aerr(a, pos, "host '%s' ends in ':' but gives no port",
		    pattern);
		return -1;
	}
	if (inv_parse_port(colon + 1, port, &why) != 0) {
		struct srcpos	 q = pos_at(pos, (unsigned)(colon + 1 -
		    pattern));

		aerr(a, &q, "bad port '%s' in '%s': %s", colon + 1, pattern,
		    why);
		return -1;
	}
	return 0;
}

int
ansible_add_hosts(struct ansible *a, struct ans_group *g,
    const char *pattern, const struct srcpos *pos,
    struct ans_host ***hostsp, size_t *np)
{
	struct ans_host	**hosts = NULL, *h;
	struct srcpos	  q;
	char		**names = NULL, *name = NULL, portstr[16];
	const char	 *why;
	size_t		  n = 0, i, namelen, gi;
	unsigned	  col, hi;
	int		  port, r = -1;

	*hostsp = NULL;
	*np = 0;
	if (strcmp(pattern, "---") == 0) {
		aerr(a, pos, "'---' is not a host name: is this a YAML file?");
		goto out;
	}
	if (split_port(a, pattern, pos, &namelen, &port) != 0)
		goto out;
	name = xstrndup(pattern, namelen);
	if (hostrange_expand(name, &names, &n, &col, &why) != 0) {
		q = pos_at(pos, col - 1);
		if (hostrange_has(name))
			aerr(a, &q, "bad host range in '%s': %s", name, why);
		else
			aerr(a, &q, "%s", why);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!inv_valid_name(names[i])) {
			aerr(a, pos, "invalid host name '%s': use letters, "
			    "digits, '-', '_' and '.'", names[i]);
			goto out;
		}
	}
	if (n > ANS_MAX_HOSTS - a->nhosts) {
		aerr(a, pos, "too many hosts (more than %u in one file)",
		    ANS_MAX_HOSTS);
		goto out;
	}
	gi = group_index(a, g);
	hosts = xreallocarray(NULL, n, sizeof *hosts);
	snprintf(portstr, sizeof portstr, "%d", port);
	for (i = 0; i < n; i++) {
		if ((h = host_get(a, names[i], pos)) == NULL)
			goto out;
		hosts[i] = h;
		/* Listing a host twice in a row in a group adds nothing. */
		if (g->nhosts == 0 || a->hosts[g->hosts[g->nhosts - 1].idx] !=
		    h) {
			if (!cap_ok(a, &a->nmembers, ANS_MAX_MEMBERS,
			    "group memberships", pos))
				goto out;
			strmap_get(&a->hostmap, h->name, &hi);
			ref_add(&g->hosts, &g->nhosts, &g->caphosts, hi, pos);
			if (h->ngroups == h->capgroups) {
				h->capgroups = h->capgroups ?
				    h->capgroups * 2 : 4;
				h->groups = xreallocarray(h->groups,
				    h->capgroups, sizeof *h->groups);
			}
			h->groups[h->ngroups++] = gi;
		}
		if (port != INV_UNSET)
			ansible_host_set_var(a, h, "ansible_port", portstr,
			    NULL, pos, pos);
	}
	*hostsp = hosts;
	*np = n;
	hosts = NULL;
	r = 0;
 out:
	free(hosts);
	hostrange_free(names, n);
	free(name);
	return r;
}

/*
 * Works out every group's parents and depth.  Depth-first over parent
 * links with an explicit stack, so that a long chain cannot overflow the
 * C stack; a link back into the current path (a cycle, which
 * inventory_finish() reports) is not followed.
 */
static void
compute_depths(struct ansible *a)
{
	struct ans_group	*g, *p, *t;
	size_t			*stack, sp, gi, i;

	for (gi = 0; gi < a->ngroups; gi++) {
		g = a->groups[gi];
		for (i = 0; i < g->nchildren; i++) {
			p = a->groups[g->children[i].idx];
			if (p->nparents == p->capparents) {
				p->capparents = p->capparents ?
				    p->capparents * 2 : 4;
				p->parents = xreallocarray(p->parents,
				    p->capparents, sizeof *p->parents);
			}
			p->parents[p->nparents++] = gi;
		}
	}
	stack = xreallocarray(NULL, a->ngroups, sizeof *stack);
	a->groups[0]->state = 2;	/* "all": depth 0, no parents */
	for (gi = 1; gi < a->ngroups; gi++) {
		if (a->groups[gi]->state != 0)
			continue;
		sp = 0;
		stack[sp++] = gi;
		while (sp > 0) {
			t = a->groups[stack[sp - 1]];
			if (t->state == 0) {
				t->state = 1;
				t->depth = 1;
				t->it = 0;
			}
			if (t->it == t->nparents) {
				t->state = 2;
				sp--;
				continue;
			}
			p = a->groups[t->parents[t->it]];
			if (p->state == 0) {
				stack[sp++] = t->parents[t->it];
				continue;
			}
			if (p->state == 2 && p->depth + 1 > t->depth)
				t->depth = p->depth + 1;
			t->it++;
		}
	}
	free(stack);
}

static int
group_order(const void *x, const void *y)
{
	const struct ans_group	*a = *(struct ans_group *const *)x;
	const struct ans_group	*b = *(struct ans_group *const *)y;

	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return strcmp(a->name, b->name);
}

static bool
work(struct ansible *a, struct resolve *rs, size_t n)
{
	if (rs->over)
		return false;
	rs->work += n;
	if (rs->work <= ANS_MAX_WORK)
		return true;
	rs->over = true;
	diag_err(a->diags, a->file, 0, 0, "inventory too large to resolve "
	    "its group vars (hosts times groups and vars): split it");
	return false;
}

static void
visit(struct ansible *a, struct resolve *rs, size_t gi, size_t *nq)
{
	struct ans_group	*g = a->groups[gi];

	if (g->mark == rs->epoch)
		return;
	g->mark = rs->epoch;
	if (*nq == rs->capqueue) {
		rs->capqueue = rs->capqueue ? rs->capqueue * 2 : 16;
		rs->queue = xreallocarray(rs->queue, rs->capqueue,
		    sizeof *rs->queue);
	}
	rs->queue[(*nq)++] = gi;
}

/* Collects the groups host h is in, directly or not, that have vars. */
static bool
collect_groups(struct ansible *a, struct resolve *rs,
    const struct ans_host *h)
{
	struct ans_group	*g;
	size_t			 nq = 0, qi, i;
	bool			 other = false;

	rs->epoch++;
	rs->ngl = 0;
	for (i = 0; i < h->ngroups; i++) {
		if (!a->groups[h->groups[i]]->builtin)
			other = true;
	}
	visit(a, rs, 0, &nq);
	if (!other)
		visit(a, rs, 1, &nq);
	for (i = 0; i < h->ngroups; i++) {
		if (!a->groups[h->groups[i]]->builtin)
			visit(a, rs, h->groups[i], &nq);
	}
	for (qi = 0; qi < nq; qi++) {
		g = a->groups[rs->queue[qi]];
		if (!work(a, rs, 1 + g->nparents))
			return false;
		if (g->vars.n > 0) {
			if (rs->ngl == rs->capgl) {
				rs->capgl = rs->capgl ? rs->capgl * 2 : 16;
				rs->gl = xreallocarray(rs->gl, rs->capgl,
				    sizeof *rs->gl);
			}
			rs->gl[rs->ngl++] = g;
		}
		for (i = 0; i < g->nparents; i++)
			visit(a, rs, g->parents[i], &nq);
	}
	if (rs->ngl > 1) {
		for (i = rs->ngl, nq = 0; i > 0; i >>= 1)
			nq++;
		if (!work(a, rs, rs->ngl * nq))
			return false;
		qsort(rs->gl, rs->ngl, sizeof *rs->gl, group_order);
	}
	return true;
}

static bool
apply_vars(struct ansible *a, struct resolve *rs, const struct ans_vars *vs)
{
	struct ans_var	*v;
	size_t		 i;
	unsigned	 wi;

	if (!work(a, rs, vs->n))
		return false;
	for (i = 0; i < vs->n; i++) {
		v = &vs->v[i];
		if (strmap_get(&rs->map, v->name, &wi)) {
			rs->win[wi] = v;
			continue;
		}
		if (rs->nwin == rs->capwin) {
			rs->capwin = rs->capwin ? rs->capwin * 2 : 32;
			rs->win = xreallocarray(rs->win, rs->capwin,
			    sizeof *rs->win);
		}
		strmap_put(&rs->map, v->name, (unsigned)rs->nwin);
		rs->win[rs->nwin++] = v;
	}
	return true;
}

/* The winning var called name, or NULL (also for a YAML null). */
static struct ans_var *
winner(struct resolve *rs, const char *name)
{
	unsigned	 wi;

	if (!strmap_get(&rs->map, name, &wi) || rs->win[wi]->null)
		return NULL;
	return rs->win[wi];
}

/*
 * The text of a var that sets a field: a single, non-empty value.  A bad
 * one is reported once and gives NULL.
 */
static const char *
var_text(struct ansible *a, struct ans_var *v)
{
	if (v->str != NULL && *v->str != '\0')
		return v->str;
	if (!v->reported && v->str != NULL)
		aerr(a, &v->vpos, "'%s' is empty", v->name);
	else if (!v->reported)
		aerr(a, &v->vpos, "'%s' must be a single value, not %s",
		    v->name, ynode_kind(v->node));
	v->reported = true;
	return NULL;
}

/* host_set_text() for var v; a bad value is reported for one host only. */
static int
set_text(struct ansible *a, struct host *h, struct ans_var *v,
    const char *key, const char *value)
{
	size_t	 before = a->diags->nerrors;
	int	 r;

	if (v->reported)
		return 1;
	r = host_set_text(a->inv, h, key, value, &v->vpos, a->diags);
	if (a->diags->nerrors > before)
		v->reported = true;
	return r;
}

static void
note_warning(struct ans_var *v, const struct host *h)
{
	if (v->nwarned++ == 0)
		v->warnhost = h->name;
}

/*
 * Ansible's ansible_connection names to a lifeboat transport.  Returns
 * the plugin (for ans_maps[]) or 0 when lifeboat has no such transport.
 */
static unsigned
connection_of(const char *s)
{
	if (strncmp(s, "ansible.builtin.", 16) == 0)
		s += 16;
	else if (strncmp(s, "ansible.legacy.", 15) == 0)
		s += 15;
	if (strcmp(s, "ssh") == 0 || strcmp(s, "paramiko") == 0 ||
	    strcmp(s, "paramiko_ssh") == 0 || strcmp(s, "smart") == 0)
		return CONN_SSH;
	if (strcmp(s, "winrm") == 0)
		return CONN_WINRM;
	if (strcmp(s, "psrp") == 0)
		return CONN_PSRP;
	return 0;
}

/* One of Ansible's WinRM/PSRP auth names to lifeboat's, or NULL. */
static const char *
auth_of(const char *s, size_t n)
{
	static const struct {
		const char	*ansible;
		const char	*lifeboat;
	} auths[] = {
		{ "basic", "basic" }, { "plaintext", "basic" },
		{ "ssl", "basic" }, { "ntlm", "ntlm" },
		{ "kerberos", "kerberos" }, { "negotiate", "negotiate" },
	};
	size_t	 i;

	for (i = 0; i < sizeof auths / sizeof *auths; i++) {
		if (strlen(auths[i].ansible) == n &&
		    strncmp(auths[i].ansible, s, n) == 0)
			return auths[i].lifeboat;
	}
	return NULL;
}

/*
 * ansible_winrm_transport may list several ("ntlm,kerberos", or a YAML
 * list): the first that lifeboat speaks is used.
 */
static const char *
winrm_auth(const struct ans_var *v)
{
	const char	*s, *p, *auth;
	size_t		 i, n;

	if (v->node != NULL && v->node->type == YNODE_SEQ) {
		for (i = 0; i < v->node->n; i++) {
			if ((s = ynode_str(v->node->v[i])) != NULL &&
			    (auth = auth_of(s, strlen(s))) != NULL)
				return auth;
		}
		return NULL;
	}
	for (p = v->str; p != NULL && *p != '\0'; ) {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && (auth = auth_of(p, n)) != NULL)
			return auth;
		p += n;
	}
	return NULL;
}

static void
apply_map(struct ansible *a, struct host *h, struct ans_var *v,
    const struct ans_map *m)
{
	const char	*s, *key = m->key, *auth;
	bool		 winrm = h->transport == TRANSPORT_WINRM;

	if (m->conv == CONV_AUTH) {
		if ((auth = winrm_auth(v)) == NULL)
			note_warning(v, h);
		else
			set_text(a, h, v, key, auth);
		return;
	}
	if ((s = var_text(a, v)) == NULL)
		return;
	switch (m->conv) {
	case CONV_PORT:
		key = winrm ? "winrm.port" : "ssh.port";
		break;
	case CONV_TIMEOUT:
		key = winrm ? "winrm.connect_timeout" : "ssh.connect_timeout";
		break;
	case CONV_CERT:
		if (strcmp(s, "ignore") == 0)
			s = "true";
		else if (strcmp(s, "validate") == 0)
			s = "false";
		else {
			if (!v->reported)
				aerr(a, &v->vpos, "%s must be 'validate' or "
				    "'ignore', not '%s'", v->name, s);
			v->reported = true;
			return;
		}
		break;
	default:
		break;
	}
	set_text(a, h, v, key, s);
}

/* lifeboat_KEY: KEY, with ssh_/winrm_ made ssh./winrm. */
static const char *
lifeboat_key(struct ansible *a, const char *name)
{
	const char	*k = name + strlen(lifeboat_prefix);

	if (strncmp(k, "ssh_", 4) == 0)
		return arena_printf(a->inv->arena, "ssh.%s", k + 4);
	if (strncmp(k, "winrm_", 6) == 0)
		return arena_printf(a->inv->arena, "winrm.%s", k + 6);
	return k;
}

static void
lifeboat_keys(struct ansible *a, struct resolve *rs)
{
	static const char *const prefixes[] = { "", "ssh.", "winrm." };
	static const char *const names[] = { "", "ssh_", "winrm_" };
	const char	*keys[64];
	size_t		 i, j, n;

	rs->lbkeys = arena_allocarray(a->inv->arena, 3 * 64,
	    sizeof *rs->lbkeys);
	for (i = 0; i < 3; i++) {
		n = host_text_keys(prefixes[i], keys, 64);
		for (j = 0; j < n && j < 64; j++)
			rs->lbkeys[rs->nlbkeys++] = arena_printf(a->inv->arena,
			    "%s%s%s", lifeboat_prefix, names[i], keys[j]);
	}
}

static void
apply_lifeboat(struct ansible *a, struct resolve *rs, struct host *h,
    struct ans_var *v)
{
	const char	*key, *s, *hint;
	size_t		 i;

	if (v->reported)
		return;
	key = lifeboat_key(a, v->name);
	if (strcmp(key, "tags") == 0 && v->node != NULL &&
	    v->node->type == YNODE_SEQ) {
		for (i = 0; i < v->node->n; i++) {
			if ((s = ynode_str(v->node->v[i])) == NULL) {
				aerr(a, &v->vpos, "lifeboat_tags must be a "
				    "list of names, not of %s",
				    ynode_kind(v->node->v[i]));
				v->reported = true;
				return;
			}
			set_text(a, h, v, key, s);
		}
		return;
	}
	if ((s = var_text(a, v)) == NULL)
		return;
	if (set_text(a, h, v, key, s) != 0)
		return;
	if (rs->lbkeys == NULL)
		lifeboat_keys(a, rs);
	hint = diag_suggest(v->name, rs->lbkeys, rs->nlbkeys);
	aerr(a, &v->kpos, "unknown lifeboat var '%s'%s%s%s", v->name,
	    hint ? " (did you mean '" : "", hint ? hint : "",
	    hint ? "'?)" : "");
	v->reported = true;
}

static bool
is_windows_shell(struct resolve *rs)
{
	struct ans_var	*v = winner(rs, "ansible_shell_type");

	return v != NULL && v->str != NULL &&
	    (strcmp(v->str, "powershell") == 0 || strcmp(v->str, "cmd") == 0);
}

/* The winning vars, sorted by what commit does with them. */
struct picked {
	struct ans_var	*rows[NMAPS];	/* by row of ans_maps[] */
	struct ans_var	*conn;		/* ansible_connection */
	struct ans_var	*transport;	/* lifeboat_transport */
};

/* Keeps a plain var as a host var. */
static void
keep_var(struct ansible *a, struct resolve *rs, struct host *h,
    struct ans_var *v)
{
	if (h->nvars >= ANS_MAX_HOST_VARS) {
		if (!v->reported)
			aerr(a, &v->kpos, "host '%s' has more than %d vars",
			    h->name, ANS_MAX_HOST_VARS);
		v->reported = true;
		return;
	}
	/* host_set_var() looks through the host's vars: count that. */
	if (!work(a, rs, h->nvars / 4))
		return;
	if (v->node != NULL)
		host_set_var(a->inv, h, v->name, v->node);
	else
		host_set_var_str(a->inv, h, v->name, v->str);
}

static void
pick_vars(struct ansible *a, struct resolve *rs, struct host *h,
    struct picked *pk)
{
	struct ans_var	*v;
	size_t		 i;

	memset(pk, 0, sizeof *pk);
	for (i = 0; i < rs->nwin; i++) {
		v = rs->win[i];
		switch (v->kind) {
		case KIND_MAPPED:
			pk->rows[v->row] = v->null ? NULL : v;
			break;
		case KIND_CONNECTION:
			pk->conn = v->null ? NULL : v;
			break;
		case KIND_LIFEBOAT:
			if (strcmp(v->name, "lifeboat_transport") == 0 &&
			    !v->null)
				pk->transport = v;
			break;
		default:
			keep_var(a, rs, h, v);
			break;
		}
	}
}

/*
 * Applies ans_maps[] for the connection plugins in mask.  Rows with one
 * key are adjacent; of those set, the last that mask reads wins.
 */
static void
apply_rows(struct ansible *a, struct host *h, struct picked *pk,
    unsigned mask)
{
	struct ans_var	*v;
	size_t		 i, j, row = 0;

	for (i = 0; i < NMAPS; i = j) {
		v = NULL;
		for (j = i; j < NMAPS && strcmp(ans_maps[j].key,
		    ans_maps[i].key) == 0; j++) {
			if (pk->rows[j] != NULL && (ans_maps[j].conns & mask)) {
				v = pk->rows[j];
				row = j;
			}
		}
		if (v != NULL)
			apply_map(a, h, v, &ans_maps[row]);
	}
}

/*
 * Sets the fields of h from the winning vars (rs->win).  Order matters:
 * the transport first (ansible_connection, then lifeboat_transport), as
 * it decides which vars apply; then the Ansible vars; then the other
 * lifeboat_* vars, which win over them.
 */
static void
host_from_vars(struct ansible *a, struct resolve *rs, struct host *h)
{
	struct picked	 pk;
	struct ans_var	*v;
	struct host	*old;
	const char	*s;
	unsigned	 c = 0, mask;
	size_t		 i;

	pick_vars(a, rs, h, &pk);
	if (pk.conn != NULL && (s = var_text(a, pk.conn)) != NULL) {
		if ((c = connection_of(s)) == 0)
			note_warning(pk.conn, h);
		h->transport = c == CONN_WINRM || c == CONN_PSRP ?
		    TRANSPORT_WINRM : TRANSPORT_SSH;
	}
	if (pk.transport != NULL)
		apply_lifeboat(a, rs, h, pk.transport);
	if (h->transport == TRANSPORT_WINRM)
		mask = c == CONN_PSRP ? CONN_PSRP : CONN_WINRM;
	else
		mask = CONN_SSH;
	apply_rows(a, h, &pk, mask);
	for (i = 0; i < rs->nwin; i++) {
		v = rs->win[i];
		if (v != pk.transport && !v->null && v->kind == KIND_LIFEBOAT)
			apply_lifeboat(a, rs, h, v);
	}

	/* As Ansible does: WinRM on 5985 without a scheme is http. */
	if (h->transport == TRANSPORT_WINRM && h->winrm.scheme == NULL &&
	    h->winrm.port == 5985)
		h->winrm.scheme = "http";
	if (h->os == NULL && (c == CONN_WINRM || c == CONN_PSRP ||
	    is_windows_shell(rs))) {
		h->os = "windows";
		/*
		 * A Windows shell with no connection given is Ansible's
		 * default, ssh (to Win32-OpenSSH); lifeboat's default for
		 * Windows would be WinRM.
		 */
		if (h->transport == TRANSPORT_UNSET && c != CONN_WINRM &&
		    c != CONN_PSRP)
			h->transport = TRANSPORT_SSH;
	}
	/*
	 * Ansible connects to the inventory name when ansible_host is not
	 * given; but an address from an earlier source is not overridden.
	 */
	if (h->address == NULL && ((old = inventory_host(a->inv, h->name)) ==
	    NULL || old->address == NULL))
		h->address = h->name;
}

static void
commit_host(struct ansible *a, struct resolve *rs, const struct ans_host *ah)
{
	struct host	 h;
	size_t		 i;

	strmap_release(&rs->map);
	rs->nwin = 0;
	if (!collect_groups(a, rs, ah))
		return;
	for (i = 0; i < rs->ngl; i++) {
		if (!apply_vars(a, rs, &rs->gl[i]->vars))
			return;
	}
	if (!apply_vars(a, rs, &ah->vars))
		return;
	host_init(&h);
	h.name = ah->name;
	h.pos = ah->pos;
	host_from_vars(a, rs, &h);
	inventory_put_host(a->inv, &h, a->src, a->diags);
}

/* Warnings noted per var while committing, one per var. */
static void
var_warnings(struct ansible *a, struct ans_vars *vs)
{
	struct ans_var	*v;
	char		 more[64];
	size_t		 i;

	for (i = 0; i < vs->n; i++) {
		v = &vs->v[i];
		if (v->nwarned == 0)
			continue;
		more[0] = '\0';
		if (v->nwarned > 1)
			snprintf(more, sizeof more, " and %zu more",
			    v->nwarned - 1);
		if (strcmp(v->name, "ansible_connection") == 0)
			awarn(a, &v->vpos, "ansible_connection '%s' is not "
			    "supported: host '%s'%s will be reached over ssh",
			    v->str, v->warnhost, more);
		else
			awarn(a, &v->vpos, "%s '%s' is not supported (lifeboat "
			    "speaks basic, ntlm, kerberos and negotiate): host "
			    "'%s'%s will use the default", v->name,
			    v->str != NULL ? v->str : "...", v->warnhost,
			    more);
	}
}

static void
commit_groups(struct ansible *a)
{
	struct ans_group	*g, *c;
	struct inv_group	*ig;
	size_t			 gi, i;

	for (gi = 0; gi < a->ngroups; gi++) {
		g = a->groups[gi];
		if (g->builtin)
			continue;
		if ((ig = inventory_add_group(a->inv, g->name, &g->pos)) ==
		    NULL)
			return;
		for (i = 0; i < g->nhosts; i++)
			inventory_group_add_host(a->inv, ig,
			    a->hosts[g->hosts[i].idx]->name,
			    &g->hosts[i].pos);
		for (i = 0; i < g->nchildren; i++) {
			c = a->groups[g->children[i].idx];
			if (strcmp(c->name, "ungrouped") == 0)
				awarn(a, &g->children[i].pos, "'ungrouped' as "
				    "a child of '%s' is ignored", g->name);
			else
				inventory_group_add_child(a->inv, ig, c->name,
				    &g->children[i].pos);
		}
	}
}

int
ansible_commit(struct ansible *a)
{
	struct resolve	 rs;
	size_t		 i;

	memset(&rs, 0, sizeof rs);
	compute_depths(a);
	for (i = 0; i < a->nhosts && !rs.over; i++)
		commit_host(a, &rs, a->hosts[i]);
	for (i = 0; i < a->ngroups; i++)
		var_warnings(a, &a->groups[i]->vars);
	for (i = 0; i < a->nhosts; i++)
		var_warnings(a, &a->hosts[i]->vars);
	if (a->pwname != NULL)
		awarn(a, &a->pwpos, "passwords in inventories are not used: "
		    "'%s' is kept as a secret var, but set "
		    "lifeboat_ssh_password_env or lifeboat_winrm_password_env "
		    "(or ..._password_file) instead", a->pwname);
	/* Past the budget some hosts are missing: their groups would lie. */
	if (!rs.over)
		commit_groups(a);
	strmap_release(&rs.map);
	free(rs.gl);
	free(rs.queue);
	free(rs.win);
	return a->diags->nerrors > a->nerrors0 ? LB_ERR_INVALID : 0;
}
