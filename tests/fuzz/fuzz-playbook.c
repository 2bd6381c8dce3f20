/*
 * libFuzzer target for the playbook reader: the input is read as a
 * playbook.  Any crash, leak or sanitizer report is a bug, and so is a
 * return code that disagrees with the diagnostics, or a playbook loaded
 * without the parts every playbook has (checked with abort()).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "diag.h"
#include "playbook.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct playbook	*pb;
	struct diags	 d = DIAGS_INIT;
	size_t		 i;
	int		 r;

	r = playbook_load_buffer("fuzz.yml", (const char *)data, len, &pb,
	    &d);
	if ((r != 0) != (d.nerrors > 0) || (r == 0) != (pb != NULL))
		abort();
	if (pb != NULL) {
		if (pb->name == NULL || pb->targets == NULL ||
		    pb->nsteps == 0)
			abort();
		for (i = 0; i < pb->nsteps; i++) {
			if (pb->steps[i].name == NULL ||
			    (pb->steps[i].action == NULL &&
			    pb->steps[i].on_windows == NULL &&
			    pb->steps[i].on_linux == NULL))
				abort();
		}
	}
	playbook_free(pb);
	diags_release(&d);
	return 0;
}
