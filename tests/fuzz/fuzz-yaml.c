/*
 * libFuzzer target for the YAML inventory readers and the YAML tree.  The
 * input is loaded as an inventory (its first byte picks lifeboat's native
 * format or an Ansible YAML inventory), finished and freed; then it is
 * parsed again with ytree_parse_stream(), streaming every mapping one
 * level below the top.  Any crash, leak, sanitizer report or broken
 * invariant (checked with abort()) is a bug.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "ytree.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_stream {
	size_t	 entries;
};

static bool
split_depth1(void *arg, const char *const *path, size_t depth)
{
	(void)arg;
	if (depth > 0 && path[depth - 1] == NULL)
		abort();
	return depth == 1;
}

static void
entry(void *arg, const char *const *path, size_t depth,
    const struct ynode *key, const struct ynode *value)
{
	struct fuzz_stream	*fs = arg;

	if (depth != 1 || path[0] == NULL || key == NULL || value == NULL)
		abort();
	/* Touch what an entry hands over: it must be whole. */
	if (key->type == YNODE_SCALAR && strlen(key->str) != key->len)
		abort();
	if (value->type == YNODE_MAP && value->n > 0 &&
	    (YMAP_KEY(value, 0) == NULL || YMAP_VAL(value, 0) == NULL))
		abort();
	if (value->weight == 0)
		abort();
	fs->entries++;
}

/* Every error counted is an error listed, and the return says so. */
static void
check_diags(const struct diags *d, size_t before, int r)
{
	size_t	 i, nerr = 0;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].msg == NULL)
			abort();
		if (d->v[i].level == DIAG_ERROR)
			nerr++;
	}
	if (nerr != d->nerrors)
		abort();
	if (r == LB_ERR_INVALID && d->nerrors == before)
		abort();
}

static void
fuzz_inventory(const char *data, size_t len, enum inv_format format)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	size_t			 i, j;
	int			 r;

	inv = inventory_new();
	r = inventory_load_buffer(inv, "fuzz.yml", data, len, format, &d);
	check_diags(&d, 0, r);
	r = inventory_finish(inv, &d);
	check_diags(&d, 0, r);
	for (i = 0; i < inv->ngroups; i++) {
		for (j = 0; j < inv->groups[i].nmembers; j++) {
			if (inv->groups[i].members[j] >= inv->nhosts ||
			    (j > 0 && inv->groups[i].members[j - 1] >=
			    inv->groups[i].members[j]))
				abort();
		}
	}
	for (i = 0; i < inv->nhosts; i++) {
		if (inventory_host(inv, inv->hosts[i].name) != &inv->hosts[i])
			abort();
	}
	inventory_free(inv);
	diags_release(&d);
}

static void
fuzz_stream(const char *data, size_t len)
{
	struct fuzz_stream	 fs = { 0 };
	struct ystream		 st = { split_depth1, entry, NULL };
	struct arena		*a;
	struct ynode		*root;
	struct diags		 d = DIAGS_INIT;
	int			 r;

	st.arg = &fs;
	a = arena_new();
	r = ytree_parse_stream(a, "fuzz.yml", data, len, &st, &root, &d);
	if (r != 0 && (root != NULL || d.nerrors == 0))
		abort();
	if (r == 0 && d.n != 0)
		abort();
	arena_free(a);
	diags_release(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	enum inv_format	 format;
	char		*text;

	if (len == 0)
		return 0;
	format = (data[0] & 1) ? INV_FORMAT_ANSIBLE_YAML : INV_FORMAT_NATIVE;
	/* A copy of exactly len bytes, so ASan sees any read past the end. */
	text = malloc(len);
	if (text == NULL)
		return 0;
	memcpy(text, data, len);
	fuzz_inventory(text, len, format);
	fuzz_stream(text, len);
	free(text);
	return 0;
}
