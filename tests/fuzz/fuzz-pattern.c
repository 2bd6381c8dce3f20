/*
 * libFuzzer target for host patterns: parses the input as a pattern and,
 * when it parses, matches it against a small inventory built once in
 * code.  Any crash, leak, sanitizer report or out-of-range index is a
 * bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "inventory.h"
#include "pattern.h"
#include "xmalloc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct inventory *inv;

static void
add(const char *name, const char *site, const char *os, const char *tag)
{
	struct diags	 d = DIAGS_INIT;
	struct host	 h;

	host_init(&h);
	h.name = inventory_strdup(inv, name);
	h.address = h.name;
	h.site = inventory_strdup(inv, site);
	h.os = inventory_strdup(inv, os);
	if (tag != NULL)
		host_add_tag(inv, &h, tag);
	if (inventory_put_host(inv, &h, 0, &d) == NULL)
		abort();
	diags_release(&d);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct inv_group	*g;
	struct diags		 d = DIAGS_INIT;

	(void)argc;
	(void)argv;
	inv = inventory_new();
	inventory_source(inv, "fuzz", INV_FORMAT_NATIVE);
	add("ams-web01", "ams", "linux", "web");
	add("ams-web02", "ams", "linux", "web");
	add("ams-db01", "ams", "linux", "db");
	add("ams-dc01", "ams", "windows", "dc");
	add("fra-web01", "fra", "linux", "web");
	add("fra-db01", "fra", "linux", "db");
	add("fra-dc01", "fra", "windows", "dc");
	add("lon-app01.example.com", "lon", "windows", NULL);
	add("kiosk7", NULL, NULL, NULL);
	add("backup", NULL, "macos", "canary");
	g = inventory_add_group(inv, "payments", NULL);
	inventory_group_add_host(inv, g, "ams-web01", NULL);
	inventory_group_add_host(inv, g, "fra-db01", NULL);
	g = inventory_add_group(inv, "critical", NULL);
	inventory_group_add_child(inv, g, "payments", NULL);
	inventory_group_add_host(inv, g, "ams-dc01", NULL);
	g = inventory_add_group(inv, "backup", NULL);
	inventory_group_add_host(inv, g, "fra-db01", NULL);
	if (inventory_finish(inv, &d) != 0)
		abort();
	diags_release(&d);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct diags	 d = DIAGS_INIT;
	struct pattern	*p;
	unsigned	*idx;
	size_t		 n, i;
	char		*text;

	text = xmalloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	if (pattern_parse(text, &p, &d) == 0) {
		if (p == NULL || strcmp(pattern_text(p), text) != 0)
			abort();
		if (pattern_match(p, inv, &idx, &n, &d) != 0)
			abort();
		for (i = 0; i < n; i++) {
			if (idx[i] >= inv->nhosts || (i > 0 &&
			    idx[i - 1] >= idx[i]))
				abort();
		}
		free(idx);
		pattern_free(p);
	} else if (p != NULL || d.nerrors == 0)
		abort();
	diags_release(&d);
	free(text);
	return 0;
}
