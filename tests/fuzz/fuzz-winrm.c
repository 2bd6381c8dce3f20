/*
 * libFuzzer target for the WinRM response reader: the input is read as
 * a response body as the transport reads one (faults, shell and command
 * IDs, Receive streams and state, the config's MaxEnvelopeSizekb).  Any
 * crash, leak or sanitizer report is a bug, and so is an answer that
 * breaks the reader's contract (checked with abort()): a failure leaves
 * the output untouched, and the envelope size stays within its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "transport-winrm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct buf	 out = BUF_INIT;
	const char	*e;
	unsigned long	 n;
	int		 r;

	buf_adds(&out, "mark\n");
	r = winrm_read_response((const char *)data, len, &out);
	if (r != 0 && (r != LB_ERR_FORMAT || out.len != 5))
		abort();
	if ((e = strstr(buf_str(&out), "\nenvelope ")) != NULL) {
		n = strtoul(e + 10, NULL, 10);
		if (n < 153600 || n > 4UL * 1024 * 1024)
			abort();
	}
	buf_release(&out);
	return 0;
}
