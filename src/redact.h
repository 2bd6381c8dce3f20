/*
 * Redaction: what the inventory marks secret never reaches a file or a
 * screen through a host's output or a message.  Every occurrence of a
 * secret value is replaced by ********.  Values shorter than
 * REDACT_MIN_LEN are left alone: a secret of one or two characters
 * would black out every output, and protects nothing anyway.
 */
#ifndef LIFEBOAT_REDACT_H
#define LIFEBOAT_REDACT_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

#define REDACT_MIN_LEN	3
#define REDACT_MASK	"********"

/*
 * Appends data[0..len) to out with every secret (NUL-terminated strings,
 * not owned) replaced by the mask; the longest secret wins where two
 * start at the same place.  Returns whether anything was replaced.
 */
bool	 redact(struct buf *out, const char *data, size_t len,
	    const char *const *secrets, size_t nsecrets);

#endif
