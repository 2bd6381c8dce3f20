/*
 * libFuzzer target for the evidence bundle's manifest parser
 * (bundle_manifest_parse()): any input either parses, with every entry a
 * lower-case SHA-256 and a safe relative path listed once, or gives at
 * least one problem, each at a line and column inside the input.  What
 * parses is written back in sha256sum's format and must parse again to
 * the same entries.  Any crash, leak or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "bundle.h"
#include "errors.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_entry(const struct bundle_mentry *e, size_t lines)
{
	size_t	 i, n = strlen(e->path);

	if (strlen(e->sha256) != 64 || n == 0 || e->path[0] == '/' ||
	    e->line < 1 || e->line > lines)
		abort();
	for (i = 0; i < 64; i++)
		if (!((e->sha256[i] >= '0' && e->sha256[i] <= '9') ||
		    (e->sha256[i] >= 'a' && e->sha256[i] <= 'f')))
			abort();
	if (strcmp(e->path, "..") == 0 || strncmp(e->path, "../", 3) == 0 ||
	    strstr(e->path, "/../") != NULL ||
	    (n >= 3 && strcmp(e->path + n - 3, "/..") == 0) ||
	    strchr(e->path, '\n') != NULL || strchr(e->path, '\r') != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct bundle_manifest	 m, m2;
	struct bundle_check	 c, c2;
	struct buf		 b = BUF_INIT;
	size_t			 i, k, lines = 0;
	int			 r;

	for (i = 0; i < len; i++)
		if (data[i] == '\n')
			lines++;
	if (len > 0 && data[len - 1] != '\n')
		lines++;
	memset(&c, 0, sizeof(c));
	r = bundle_manifest_parse((const char *)data, len, &m, &c);
	if ((r == 0) != (c.n == 0) || (r != 0 && r != LB_ERR_INVALID))
		abort();
	for (i = 0; i < c.n; i++)
		if (c.v[i].line < 1 || c.v[i].line > lines ||
		    c.v[i].col < 1 || c.v[i].what == NULL)
			abort();
	for (i = 0; i < m.n; i++) {
		check_entry(&m.v[i], lines);
		for (k = 0; k < i; k++)
			if (strcmp(m.v[k].path, m.v[i].path) == 0)
				abort();
		buf_addf(&b, "%s  %s\n", m.v[i].sha256, m.v[i].path);
	}
	/* What parsed, written back, parses to the same. */
	memset(&c2, 0, sizeof(c2));
	if (bundle_manifest_parse(b.data ? b.data : "", b.len, &m2, &c2) !=
	    0 || m2.n != m.n)
		abort();
	for (i = 0; i < m.n; i++)
		if (strcmp(m.v[i].path, m2.v[i].path) != 0 ||
		    strcmp(m.v[i].sha256, m2.v[i].sha256) != 0)
			abort();
	bundle_manifest_release(&m2);
	bundle_check_release(&c2);
	bundle_manifest_release(&m);
	bundle_check_release(&c);
	buf_release(&b);
	return 0;
}
