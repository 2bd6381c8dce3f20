/*
 * Redaction (see redact.h).
 */
#include <string.h>

#include "buf.h"
#include "inventory.h"
#include "redact.h"
#include "xmalloc.h"
#include "ytree.h"

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

size_t
redact_host_secrets(const struct host *h, const char ***secretsp)
{
	const char	**v;
	size_t		 i, n = 0;

	v = xcalloc(h->nvars ? h->nvars : 1, sizeof(*v));
	for (i = 0; i < h->nvars; i++)
		if (h->vars[i].secret && h->vars[i].value != NULL &&
		    h->vars[i].value->type == YNODE_SCALAR)
			v[n++] = h->vars[i].value->str;
	*secretsp = v;
	return n;
}

void
redact_one_line(char *dst, size_t size, const char *msg)
{
	size_t	 k, n = 0;

	for (k = 0; msg != NULL && msg[k] != '\0' && n + 1 < size; k++) {
		unsigned char	 ch = (unsigned char)msg[k];

		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ' && (n == 0 || dst[n - 1] == ' '))
			continue;
		dst[n++] = (char)ch;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}
