/*
 * Reading inventory sources: recognising the format of a file by its name
 * and content, and handing it to the right reader.  YAML files are parsed
 * once here; whether they are lifeboat's own format or an Ansible YAML
 * inventory is decided from the parsed top level.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"
#include "ytree.h"

#define INV_MAX_FILE	(512UL * 1024 * 1024)

const char *
inventory_format_name(enum inv_format f)
{
	switch (f) {
	case INV_FORMAT_NATIVE:
		return "lifeboat";
	case INV_FORMAT_ANSIBLE_INI:
		return "ansible-ini";
	case INV_FORMAT_ANSIBLE_YAML:
		return "ansible-yaml";
	case INV_FORMAT_CSV:
		return "csv";
	default:
		return "auto";
	}
}

static bool
ext_is(const char *name, const char *ext)
{
	const char	*slash, *dot;

	slash = strrchr(name, '/');
	dot = strrchr(slash ? slash : name, '.');
	return dot != NULL && strcasecmp(dot + 1, ext) == 0;
}

/* Guesses from the first line that is neither blank nor a comment. */
static enum inv_format
sniff(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *eol, *q;
	bool		 sep = false, eq = false;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		if (p == eol || *p == '\r' || *p == '#' || *p == ';')
			continue;
		if (eol - p >= 3 && memcmp(p, "---", 3) == 0)
			return INV_FORMAT_NATIVE;
		if (*p == '[')
			return INV_FORMAT_ANSIBLE_INI;
		/* "key:" at the end of the line or before a space is YAML. */
		for (q = p; q < eol && !isspace((unsigned char)*q); q++) {
			if (*q == ':' && (q + 1 == eol ||
			    isspace((unsigned char)q[1])))
				return INV_FORMAT_NATIVE;
		}
		for (q = p; q < eol; q++) {
			if (*q == ',' || *q == ';' || *q == '\t')
				sep = true;
			if (*q == '=')
				eq = true;
		}
		return sep && !eq ? INV_FORMAT_CSV : INV_FORMAT_ANSIBLE_INI;
	}
	return INV_FORMAT_NATIVE;
}

enum inv_format
inventory_detect(const char *name, const char *data, size_t len)
{
	if (ext_is(name, "csv"))
		return INV_FORMAT_CSV;
	if (ext_is(name, "ini") || ext_is(name, "cfg"))
		return INV_FORMAT_ANSIBLE_INI;
	if (ext_is(name, "yml") || ext_is(name, "yaml"))
		return INV_FORMAT_NATIVE;
	return sniff(data, len);
}

/*
 * A YAML top level is Ansible's when it has none of the native sections
 * and every value is empty or a group body (hosts, vars, children).
 */
static bool
yaml_is_ansible(const struct ynode *root)
{
	const struct ynode	*k, *v;
	size_t			 i, j;
	const char		*s;

	if (root == NULL || root->type != YNODE_MAP || root->n == 0)
		return false;
	if (ynode_get(root, "sites") != NULL ||
	    ynode_get(root, "defaults") != NULL)
		return false;
	/* Ansible's own inventories start from "all". */
	if (ynode_get(root, "all") != NULL)
		return true;
	for (i = 0; i < root->n; i++) {
		k = YMAP_KEY(root, i);
		v = YMAP_VAL(root, i);
		if (k->type != YNODE_SCALAR)
			return false;
		if (ynode_is_null(v))
			continue;
		if (v->type != YNODE_MAP)
			return false;
		for (j = 0; j < v->n; j++) {
			s = ynode_str(YMAP_KEY(v, j));
			if (s == NULL || (strcmp(s, "hosts") != 0 &&
			    strcmp(s, "vars") != 0 &&
			    strcmp(s, "children") != 0))
				return false;
		}
	}
	return true;
}

/*
 * True when a top-level key of the text is one only lifeboat's format has
 * ("sites:" or "defaults:" at the start of a line).  Such files are read
 * as a stream, which keeps large inventories small in memory.
 */
static bool
text_is_native(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *eol;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((eol - p >= 6 && memcmp(p, "sites:", 6) == 0) ||
		    (eol - p >= 9 && memcmp(p, "defaults:", 9) == 0))
			return true;
	}
	return false;
}

static int
load_yaml(struct inventory *inv, const char *name, const char *data,
    size_t len, enum inv_format format, struct diags *d)
{
	struct arena	*a;
	struct ynode	*root;
	unsigned	 src;
	int		 r;

	if (format != INV_FORMAT_ANSIBLE_YAML && text_is_native(data, len)) {
		src = inventory_source(inv, name, INV_FORMAT_NATIVE);
		return inv_read_native_text(inv, src, data, len, d);
	}
	a = arena_new();
	if ((r = ytree_parse(a, name, data, len, &root, d)) != 0)
		goto out;
	if (format == INV_FORMAT_AUTO || format == INV_FORMAT_NATIVE)
		format = yaml_is_ansible(root) ? INV_FORMAT_ANSIBLE_YAML :
		    INV_FORMAT_NATIVE;
	src = inventory_source(inv, name, format);
	if (format == INV_FORMAT_ANSIBLE_YAML)
		r = inv_read_ansible_yaml(inv, src, root, d);
	else
		r = inv_read_native(inv, src, root, d);
 out:
	arena_free(a);
	return r;
}

int
inventory_load_buffer(struct inventory *inv, const char *name,
    const char *data, size_t len, enum inv_format format, struct diags *d)
{
	unsigned	 src;

	if (format == INV_FORMAT_AUTO)
		format = inventory_detect(name, data, len);
	switch (format) {
	case INV_FORMAT_ANSIBLE_INI:
		src = inventory_source(inv, name, format);
		return inv_read_ansible_ini(inv, src, data, len, d);
	case INV_FORMAT_CSV:
		src = inventory_source(inv, name, format);
		return inv_read_csv(inv, src, data, len, d);
	default:
		return load_yaml(inv, name, data, len, format, d);
	}
}

int
inventory_load_file(struct inventory *inv, const char *path,
    enum inv_format format, struct diags *d)
{
	struct buf	 b = BUF_INIT;
	int		 err, r;

	if ((err = buf_read_file(&b, path, INV_MAX_FILE)) == EFBIG) {
		diag_err(d, path, 0, 0, "inventory too large (over %lu MiB)",
		    INV_MAX_FILE >> 20);
		r = LB_ERR_LIMIT;
	} else if (err == EISDIR) {
		diag_err(d, path, 0, 0,
		    "cannot read inventory: is a directory");
		r = LB_ERR_SYSTEM;
	} else if (err != 0) {
		diag_err(d, path, 0, 0, "cannot read inventory: %s",
		    strerror(err));
		r = LB_ERR_SYSTEM;
	} else
		r = inventory_load_buffer(inv, path, buf_str(&b), b.len,
		    format, d);
	buf_release(&b);
	return r;
}
