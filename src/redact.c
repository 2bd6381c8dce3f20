/*
 * Redaction (see redact.h).
 */
#include <string.h>

#include "buf.h"
#include "redact.h"

/* The length of the longest secret that data[i..len) starts with. */
static size_t
match_at(const char *data, size_t len, size_t i,
    const char *const *secrets, size_t n)
{
	size_t	 k, l, best = 0;

	for (k = 0; k < n; k++) {
		if (secrets[k] == NULL)
			continue;
		l = strlen(secrets[k]);
		if (l < REDACT_MIN_LEN || l > len - i || l <= best)
			continue;
		if (memcmp(data + i, secrets[k], l) == 0)
			best = l;
	}
	return best;
}

bool
redact(struct buf *out, const char *data, size_t len,
    const char *const *secrets, size_t nsecrets)
{
	size_t	 i = 0, from = 0, m;
	bool	 any = false;

	while (i < len) {
		if ((m = match_at(data, len, i, secrets, nsecrets)) == 0) {
			i++;
			continue;
		}
		buf_add(out, data + from, i - from);
		buf_adds(out, REDACT_MASK);
		i += m;
		from = i;
		any = true;
	}
	buf_add(out, data + from, len - from);
	return any;
}
