/*
 * Writing an inventory out: a host as a JSON object (the stable shape
 * documented in lifeboat(1) under inventory list --json), and a whole
 * inventory as lifeboat's native YAML (for inventory import).
 */
#ifndef LIFEBOAT_INVENTORY_EMIT_H
#define LIFEBOAT_INVENTORY_EMIT_H

#include <stdio.h>

struct diags;
struct host;
struct inventory;
struct json;
struct ynode;

/* Writes h as one JSON object.  Secret vars are written as "********". */
void	inventory_host_json(struct json *, const struct host *);
/* Writes a YAML node as JSON (plain numbers, booleans and null typed). */
void	ynode_json(struct json *, const struct ynode *);

/*
 * Writes inv, as read and before inventory_finish(), as native YAML to fp.
 * Only what the sources set is written; built-in defaults are left out.
 * Secret vars are left out, each with a warning in diags.  Returns 0, or
 * LB_ERR_SYSTEM when writing failed.
 */
int	inventory_emit_yaml(const struct inventory *, FILE *, const char *title,
	    struct diags *);

#endif
