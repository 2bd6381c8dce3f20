/*
 * libFuzzer target for the Ansible INI reader: reads the input as an
 * Ansible INI inventory, finishes the inventory and frees everything, so
 * that a crash, a sanitizer report or a leak (LeakSanitizer is on) is a
 * bug.  The first word of every line also goes through hostrange_expand()
 * directly.
 *
 * Ranges may legitimately make a million hosts of one line; an input
 * whose ranges expand to more than FUZZ_MAX_HOSTS names is not read as an
 * inventory, so that the fuzzer spends its time on parsing, not on
 * building huge inventories.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hostrange.h"
#include "inventory.h"
#include "xmalloc.h"

#define FUZZ_MAX_HOSTS	256

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Expands the first word of each line; returns the names made in all. */
static size_t
expand_words(const char *data, size_t size)
{
	const char	*p = data, *end = data + size, *eol, *why;
	char		**names, *word;
	size_t		  n, wl, total = 0;
	unsigned	  col;

	for (; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		for (wl = 0; p + wl < eol && p[wl] != ' ' && p[wl] != '\t' &&
		    p[wl] != '\0'; wl++)
			;
		if (wl == 0 || memchr(p, '[', wl) == NULL)
			continue;
		word = xstrndup(p, wl);
		if (hostrange_expand(word, &names, &n, &col, &why) == 0) {
			if (n == 0 || names[n - 1] == NULL)
				abort();
			total += n;
			hostrange_free(names, n);
		} else if (why == NULL || col == 0 || col > wl + 1)
			abort();
		free(word);
		if (total > FUZZ_MAX_HOSTS)
			break;
	}
	return total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;

	if (expand_words((const char *)data, size) > FUZZ_MAX_HOSTS)
		return 0;
	inv = inventory_new();
	(void)inventory_load_buffer(inv, "fuzz.ini", (const char *)data, size,
	    INV_FORMAT_ANSIBLE_INI, &d);
	(void)inventory_finish(inv, &d);
	inventory_free(inv);
	diags_release(&d);
	return 0;
}
