/*
 * libFuzzer target for the journal reader: the input is a journal.  When
 * it reads, every index the state holds must be in range (a host's wave,
 * a wave's hosts), the whole records must end where good_len says, and
 * the host states must be words; when it does not, the error must have a
 * message and a line inside the input.  Any crash, leak or sanitizer
 * report is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(const struct jrun *run, size_t len)
{
	size_t	 i, k, lines = 0;

	if (run->good_len < 0 || (size_t)run->good_len > len ||
	    (size_t)(run->good_len + run->torn_len) != len)
		abort();
	for (i = 0; i < run->nwaves; i++)
		for (k = 0; k < run->waves[i].n; k++)
			if (run->waves[i].hosts[k] >= run->nhosts)
				abort();
	for (i = 0; i < run->nhosts; i++) {
		if (run->hosts[i].wave != JNONE &&
		    run->hosts[i].wave >= run->nwaves)
			abort();
		if (journal_host_state(run, i) == NULL)
			abort();
		k = journal_host_step(run, i);
		if (k != JNONE && k >= run->nsteps)
			abort();
	}
	(void)lines;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_error	 err;
	struct jrun		 run;
	size_t			 i, lines = 1;

	if (journal_parse((const char *)data, size, &run, &err) == 0) {
		check(&run, size);
		journal_run_release(&run);
		return 0;
	}
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	if (err.msg[0] == '\0' || err.line > lines)
		abort();
	return 0;
}
