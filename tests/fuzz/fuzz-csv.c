/*
 * libFuzzer target for the CSV reader: the input is read as a CMDB
 * export, the inventory finished and freed.  Any crash, leak or sanitizer
 * report is a bug, and so is a return code that disagrees with the
 * diagnostics (checked with abort()).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "inventory.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	int			 r;
	size_t			 i;

	inv = inventory_new();
	r = inventory_load_buffer(inv, "fuzz.csv", (const char *)data, len,
	    INV_FORMAT_CSV, &d);
	if ((r != 0) != (d.nerrors > 0))
		abort();
	inventory_finish(inv, &d);
	/* Every stored host has a name the patterns can use. */
	for (i = 0; i < inv->nhosts; i++)
		if (!inv_valid_name(inv->hosts[i].name))
			abort();
	inventory_free(inv);
	diags_release(&d);
	return 0;
}
