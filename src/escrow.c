/*
 * The escrow index (see escrow.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "atomic.h"
#include "buf.h"
#include "errors.h"
#include "escrow.h"
#include "json.h"
#include "jsonr.h"
#include "vault.h"
#include "xmalloc.h"

#define ESCROW_MAX	(256 * 1024 * 1024)

struct escrow {
	struct arena	*a;
	const struct jv	*hosts;
};

int
escrow_path(char *buf, size_t len)
{
	char	*slash;

	if (vault_path_default(buf, len) != 0)
		return -1;
	if ((slash = strrchr(buf, '/')) == NULL ||
	    (size_t)(slash - buf) + 1 + sizeof ESCROW_FILE > len)
		return -1;
	memcpy(slash + 1, ESCROW_FILE, sizeof ESCROW_FILE);
	return 0;
}

static void
add_ids(struct buf *b, const struct vault *v, size_t from, size_t to,
    const char *source)
{
	const struct vault_key	*k;
	size_t			 i;
	bool			 first = true;

	buf_adds(b, "[");
	for (i = from; i < to; i++) {
		k = vault_get(v, i);
		if (strcmp(k->source, source) != 0)
			continue;
		if (!first)
			buf_addc(b, ',');
		json_escape(b, k->id, strlen(k->id));
		first = false;
	}
	buf_adds(b, "]");
}

int
escrow_write(const struct vault *v, const char *path)
{
	static const char *const	 sources[] = { "ad", "entra", "host" };
	const struct vault_key		*k;
	struct buf			 b;
	size_t				 i, j, s, n = vault_count(v);
	int				 e;

	buf_init(&b, 0, 0);
	buf_adds(&b, "{\"lifeboat_escrow\":1,\"hosts\":{");
	/* Records come ordered by site and host: one run per host. */
	for (i = 0; i < n; i = j) {
		k = vault_get(v, i);
		for (j = i + 1; j < n &&
		    strcmp(vault_get(v, j)->host, k->host) == 0; j++)
			;
		buf_adds(&b, i > 0 ? ",\n" : "\n");
		json_escape(&b, k->host, strlen(k->host));
		buf_adds(&b, ":{");
		for (s = 0; s < 3; s++) {
			buf_addf(&b, "%s\"%s\":", s > 0 ? "," : "",
			    sources[s]);
			add_ids(&b, v, i, j, sources[s]);
		}
		buf_adds(&b, "}");
	}
	buf_adds(&b, "\n}}\n");
	e = atomic_write(path, b.data, b.len, 0600);
	buf_release(&b);
	return e;
}

int
escrow_load(const char *path, struct escrow **out, char *why, size_t whylen)
{
	struct escrow		*e;
	struct jsonr_error	 je;
	struct buf		 b;
	struct jv		*root;
	int			 err, r = 0;

	*out = NULL;
	e = xcalloc(1, sizeof *e);
	e->a = arena_new();
	buf_init(&b, ESCROW_MAX, 0);
	if ((err = buf_read_file(&b, path, ESCROW_MAX)) != 0) {
		if (err != ENOENT) {
			snprintf(why, whylen, "cannot read %s: %s", path,
			    strerror(err));
			r = LB_ERR_INVALID;
		}
		goto out;
	}
	if (jsonr_parse(e->a, b.data, b.len, &root, &je) != 0) {
		snprintf(why, whylen, "%s:%zu:%zu: %s", path, je.line, je.col,
		    je.msg);
		r = LB_ERR_INVALID;
		goto out;
	}
	if (jv_int(root, "lifeboat_escrow", 0) != 1 ||
	    (e->hosts = jv_get(root, "hosts")) == NULL ||
	    e->hosts->type != JV_OBJ) {
		snprintf(why, whylen, "%s: not an escrow index", path);
		r = LB_ERR_INVALID;
	}
out:
	buf_release(&b);
	if (r != 0) {
		escrow_free(e);
		return r;
	}
	*out = e;
	return 0;
}

void
escrow_free(struct escrow *e)
{
	if (e == NULL)
		return;
	arena_free(e->a);
	free(e);
}

static void
join(struct buf *b, const struct jv *list)
{
	size_t	 i;

	for (i = 0; list != NULL && list->type == JV_ARR && i < list->len;
	    i++) {
		if (list->v[i]->type != JV_STR)
			continue;
		if (b->len > 0)
			buf_addc(b, '\n');
		buf_adds(b, list->v[i]->s);
	}
}

const char *
escrow_ids(struct escrow *e, const char *host, const char *source)
{
	const struct jv	*h;
	struct buf	 b;
	char		*s;

	if (e->hosts == NULL || (h = jv_get(e->hosts, host)) == NULL)
		return "";
	buf_init(&b, 0, 0);
	if (source != NULL)
		join(&b, jv_get(h, source));
	else {
		join(&b, jv_get(h, "ad"));
		join(&b, jv_get(h, "entra"));
	}
	s = arena_strdup(e->a, buf_str(&b));
	buf_release(&b);
	return s;
}
