/*
 * The reader for Ansible's YAML inventories, as Ansible's yaml plugin
 * reads them:
 *
 *	all:
 *	  vars: { ntp: ntp1.example.com }
 *	  hosts:
 *	    bastion: { ansible_host: 192.0.2.1 }
 *	  children:
 *	    web:
 *	      hosts:
 *	        web[01:20]:		(a range; null: no vars)
 *	        web99:2222:		(host:port)
 *
 * The top level maps group names (usually just "all") to group bodies; a
 * body has hosts, vars and children, each a mapping (a plain string is
 * taken as a mapping with one empty entry, as Ansible does), and children
 * are group bodies again.  A null body or section is allowed.  Any other
 * key in a body is an error, with a did-you-mean.  Vars keep their YAML
 * values.  Groups and hosts go into the Ansible model (ansible.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ansible.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"
#include "ytree.h"

static struct srcpos
ypos(const struct ansible *a, const struct ynode *n)
{
	struct srcpos	 p;

	p.file = a->file;
	p.line = n->line;
	p.col = n->col;
	return p;
}

static struct ans_group *read_group(struct ansible *, const char *,
    const struct ynode *, const struct ynode *, unsigned);

/*
 * Whether section (hosts, vars or children) of group g is usable as a
 * mapping: null (nothing to do) and strings are fine too.
 */
static bool
section_ok(struct ansible *a, const struct ans_group *g, const char *section,
    const struct ynode *v)
{
	struct srcpos	 p;

	if (v->type != YNODE_SEQ)
		return true;
	p = ypos(a, v);
	diag_err(a->diags, p.file, p.line, p.col, "%s of group '%s' must be a "
	    "mapping, not a list%s", section, g->name,
	    strcmp(section, "vars") == 0 ? "" : ": write each name with a "
	    "colon after it");
	return false;
}

static void
read_host_vars(struct ansible *a, struct ans_host **hosts, size_t nh,
    const char *pattern, const struct ynode *v)
{
	const struct ynode	*k, *val;
	struct srcpos		 kp, vp;
	size_t			 i, j;

	if (v->type != YNODE_MAP) {
		kp = ypos(a, v);
		diag_err(a->diags, kp.file, kp.line, kp.col, "host '%s' must "
		    "have a mapping of vars or nothing, not %s", pattern,
		    ynode_kind(v));
		return;
	}
	ytree_check_keys(v, "var", a->file, a->diags);
	/* Var by var, so that each value is copied once for a range. */
	for (i = 0; i < v->n; i++) {
		k = YMAP_KEY(v, i);
		val = YMAP_VAL(v, i);
		if (k->type != YNODE_SCALAR)
			continue;
		kp = ypos(a, k);
		vp = ypos(a, val);
		for (j = 0; j < nh; j++)
			ansible_host_set_var(a, hosts[j], k->str, NULL, val,
			    &kp, &vp);
	}
}

static void
read_hosts(struct ansible *a, struct ans_group *g, const struct ynode *v)
{
	struct ans_host		**hosts;
	const struct ynode	*k, *hv;
	struct srcpos		  p;
	size_t			  i, nh;

	if (v->type == YNODE_SCALAR) {
		p = ypos(a, v);
		if (ansible_add_hosts(a, g, v->str, &p, &hosts, &nh) == 0)
			free(hosts);
		return;
	}
	if (!section_ok(a, g, "hosts", v))
		return;
	ytree_check_keys(v, "host", a->file, a->diags);
	for (i = 0; i < v->n; i++) {
		k = YMAP_KEY(v, i);
		hv = YMAP_VAL(v, i);
		if (k->type != YNODE_SCALAR)
			continue;
		p = ypos(a, k);
		if (ansible_add_hosts(a, g, k->str, &p, &hosts, &nh) != 0)
			continue;
		if (!ynode_is_null(hv))
			read_host_vars(a, hosts, nh, k->str, hv);
		free(hosts);
		if (ansible_too_many(a, &p))
			return;
	}
}

static void
read_vars(struct ansible *a, struct ans_group *g, const struct ynode *v)
{
	const struct ynode	*k;
	struct srcpos		 kp, vp;
	size_t			 i;

	if (v->type == YNODE_SCALAR) {
		/* Ansible reads "vars: x" as a var x with no value. */
		kp = ypos(a, v);
		ansible_group_set_var(a, g, v->str, "", NULL, &kp, &kp);
		return;
	}
	if (!section_ok(a, g, "vars", v))
		return;
	ytree_check_keys(v, "var", a->file, a->diags);
	for (i = 0; i < v->n; i++) {
		k = YMAP_KEY(v, i);
		if (k->type != YNODE_SCALAR)
			continue;
		kp = ypos(a, k);
		vp = ypos(a, YMAP_VAL(v, i));
		ansible_group_set_var(a, g, k->str, NULL, YMAP_VAL(v, i), &kp,
		    &vp);
	}
}

static void
read_children(struct ansible *a, struct ans_group *g, const struct ynode *v,
    unsigned depth)
{
	struct ans_group	*c;
	const struct ynode	*k;
	struct srcpos		 p;
	size_t			 i;

	if (v->type == YNODE_SCALAR) {
		p = ypos(a, v);
		if ((c = read_group(a, v->str, v, NULL, depth)) != NULL)
			ansible_group_add_child(a, g, c, &p);
		return;
	}
	if (!section_ok(a, g, "children", v))
		return;
	ytree_check_keys(v, "group", a->file, a->diags);
	for (i = 0; i < v->n; i++) {
		k = YMAP_KEY(v, i);
		if (k->type != YNODE_SCALAR)
			continue;
		p = ypos(a, k);
		if ((c = read_group(a, k->str, k, YMAP_VAL(v, i), depth)) !=
		    NULL)
			ansible_group_add_child(a, g, c, &p);
		if (ansible_too_many(a, &p))
			return;
	}
}

/*
 * Reads the body of group name (key is where the name stands, body may be
 * NULL).  Recursion follows the YAML nesting; depth bounds it even when
 * an alias makes the tree loop back on itself.
 */
static struct ans_group *
read_group(struct ansible *a, const char *name, const struct ynode *key,
    const struct ynode *body, unsigned depth)
{
	static const char *const sections[] = { "hosts", "vars", "children" };
	struct ans_group	*g;
	const struct ynode	*k, *v;
	struct srcpos		 p = ypos(a, key);
	const char		*hint;
	size_t			 i;

	if ((g = ansible_group(a, name, &p)) == NULL)
		return NULL;
	/*
	 * The same body again under the same name (through an alias) adds
	 * nothing new: skip it, so that aliases cannot multiply the work.
	 */
	if (body == NULL || ynode_is_null(body) || body == g->body)
		return g;
	g->body = body;
	if (depth >= YTREE_MAX_DEPTH) {
		diag_err(a->diags, p.file, p.line, p.col, "groups nest more "
		    "than %d deep under '%s'", YTREE_MAX_DEPTH, name);
		return NULL;
	}
	if (body->type != YNODE_MAP) {
		p = ypos(a, body);
		diag_err(a->diags, p.file, p.line, p.col, "group '%s' must be "
		    "a mapping of hosts, vars and children, not %s", name,
		    ynode_kind(body));
		return g;
	}
	ytree_check_keys(body, "key", a->file, a->diags);
	for (i = 0; i < body->n; i++) {
		k = YMAP_KEY(body, i);
		v = YMAP_VAL(body, i);
		if (k->type != YNODE_SCALAR)
			continue;
		if (ynode_is_null(v) && (strcmp(k->str, "hosts") == 0 ||
		    strcmp(k->str, "vars") == 0 ||
		    strcmp(k->str, "children") == 0))
			continue;
		if (strcmp(k->str, "hosts") == 0)
			read_hosts(a, g, v);
		else if (strcmp(k->str, "vars") == 0)
			read_vars(a, g, v);
		else if (strcmp(k->str, "children") == 0)
			read_children(a, g, v, depth + 1);
		else {
			p = ypos(a, k);
			hint = diag_suggest(k->str, sections, 3);
			diag_err(a->diags, p.file, p.line, p.col, "unknown key "
			    "'%s' in group '%s'%s%s%s: use hosts, vars or "
			    "children", k->str, name,
			    hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
		}
	}
	return g;
}

int
inv_read_ansible_yaml(struct inventory *inv, unsigned src,
    const struct ynode *root, struct diags *d)
{
	struct ansible		*a;
	const struct ynode	*k, *plugin;
	struct srcpos		 p;
	size_t			 i;
	int			 r;

	a = ansible_new(inv, src, d);
	if (root == NULL || ynode_is_null(root)) {
		diag_err(d, a->file, 0, 0, "the Ansible inventory is empty");
		goto out;
	}
	if (root->type != YNODE_MAP) {
		p = ypos(a, root);
		diag_err(d, p.file, p.line, p.col, "an Ansible YAML inventory "
		    "is a mapping of group names, not %s", ynode_kind(root));
		goto out;
	}
	if ((plugin = ynode_get(root, "plugin")) != NULL &&
	    plugin->type == YNODE_SCALAR) {
		p = ypos(a, plugin);
		diag_err(d, p.file, p.line, p.col, "this configures Ansible's "
		    "inventory plugin '%s', it is not an inventory: lifeboat "
		    "cannot run plugins", plugin->str);
		goto out;
	}
	ytree_check_keys(root, "group", a->file, d);
	for (i = 0; i < root->n; i++) {
		k = YMAP_KEY(root, i);
		if (k->type != YNODE_SCALAR)
			continue;
		read_group(a, k->str, k, YMAP_VAL(root, i), 0);
		p = ypos(a, k);
		if (ansible_too_many(a, &p))
			break;
	}
 out:
	r = ansible_commit(a);
	ansible_free(a);
	return r;
}
