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
/*
 * The values the inventory marks secret for h (its vars), in *secretsp
 * (an array to free; the strings stay the inventory's).  Returns how
 * many.
 */
struct host;
size_t	 redact_host_secrets(const struct host *h, const char ***secretsp);
/*
 * msg as one line with nothing a terminal would act on (it may hold
 * what a host sent): control characters become spaces, runs of spaces
 * one, none at either end; cut to fit dst.
 */
void	 redact_one_line(char *dst, size_t size, const char *msg);

#endif
