/*
 * Reader for CMDB and spreadsheet exports in CSV (lifeboat-inventory(5),
 * CSV EXPORTS): RFC 4180 with what real exports do besides, a byte order
 * mark, CRLF or LF, semicolon or tab separators.  The header row names
 * the columns; known names set host fields (through host_set_text(), so
 * values are checked as in every other format) and the other columns
 * become host vars.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"

#define CSV_MAX_FIELD	(64 * 1024)
#define CSV_MAX_COLS	1024

struct csv {
	const char	*p;
	const char	*end;
	unsigned	 line;
	unsigned	 col;
	char		 sep;
	const char	*file;
	struct diags	*d;
};

struct csv_field {
	char		*text;
	unsigned	 line;
	unsigned	 col;
};

/* What a column sets.  COL_VAR columns keep their normalised name. */
enum col_role {
	COL_VAR, COL_NAME, COL_FQDN, COL_ADDRESS, COL_SITE, COL_OS, COL_TIER,
	COL_TAGS, COL_KEY,
};

struct csv_col {
	enum col_role	 role;
	const char	*key;		/* COL_KEY: host_set_text() key */
	char		*var;		/* COL_VAR: the var name */
};

static const struct {
	const char	*header;	/* normalised */
	enum col_role	 role;
	const char	*key;
} csv_names[] = {
	{ "name", COL_NAME, NULL }, { "host", COL_NAME, NULL },
	{ "hostname", COL_NAME, NULL }, { "computername", COL_NAME, NULL },
	{ "devicename", COL_NAME, NULL }, { "ciname", COL_NAME, NULL },
	{ "assetname", COL_NAME, NULL }, { "fqdn", COL_FQDN, NULL },
	{ "address", COL_ADDRESS, NULL }, { "ip", COL_ADDRESS, NULL },
	{ "ipaddress", COL_ADDRESS, NULL }, { "mgmtip", COL_ADDRESS, NULL },
	{ "managementip", COL_ADDRESS, NULL },
	{ "site", COL_SITE, NULL }, { "location", COL_SITE, NULL },
	{ "datacenter", COL_SITE, NULL }, { "dc", COL_SITE, NULL },
	{ "os", COL_OS, NULL }, { "operatingsystem", COL_OS, NULL },
	{ "osname", COL_OS, NULL }, { "platform", COL_OS, NULL },
	{ "osfamily", COL_OS, NULL },
	{ "tier", COL_TIER, NULL }, { "criticality", COL_TIER, NULL },
	{ "businesscriticality", COL_TIER, NULL },
	{ "tags", COL_TAGS, NULL }, { "labels", COL_TAGS, NULL },
	{ "transport", COL_KEY, "transport" }, { "user", COL_KEY, "user" },
	{ "port", COL_KEY, "port" },
	{ "description", COL_KEY, "description" },
	{ "shortdescription", COL_KEY, "description" },
};

/*
 * Reads one field.  Returns 1 when a field was read and more follow on
 * the row, 0 when it ended the row (or the input), -1 on error.
 */
static int
csv_field(struct csv *c, struct buf *b, struct csv_field *f)
{
	unsigned	 qline = 0, qcol = 0;
	bool		 quoted = false;

	buf_reset(b);
	f->line = c->line;
	f->col = c->col;
	if (c->p < c->end && *c->p == '"') {
		quoted = true;
		qline = c->line;
		qcol = c->col;
		c->p++;
		c->col++;
	}
	for (;;) {
		if (c->p == c->end) {
			if (quoted) {
				diag_err(c->d, c->file, qline, qcol,
				    "quoted field is not closed");
				return -1;
			}
			break;
		}
		if (*c->p == '\0') {
			diag_err(c->d, c->file, c->line, c->col,
			    "NUL byte in a field");
			return -1;
		}
		if (quoted && *c->p == '"') {
			if (c->p + 1 < c->end && c->p[1] == '"') {
				buf_addc(b, '"');
				c->p += 2;
				c->col += 2;
				continue;
			}
			quoted = false;
			c->p++;
			c->col++;
			continue;
		}
		if (!quoted && (*c->p == c->sep || *c->p == '\n' ||
		    *c->p == '\r'))
			break;
		if (*c->p == '\n') {
			c->line++;
			c->col = 0;
		}
		if (b->len >= CSV_MAX_FIELD) {
			diag_err(c->d, c->file, f->line, f->col,
			    "field longer than %d bytes", CSV_MAX_FIELD);
			return -1;
		}
		buf_addc(b, *c->p++);
		c->col++;
	}
	f->text = xstrdup(buf_str(b));
	if (c->p < c->end && *c->p == c->sep) {
		c->p++;
		c->col++;
		return 1;
	}
	if (c->p < c->end && *c->p == '\r')
		c->p++;
	if (c->p < c->end && *c->p == '\n')
		c->p++;
	c->line++;
	c->col = 1;
	return 0;
}

/* Reads a row into fields; returns the count, 0 at the end, -1 on error. */
static int
csv_row(struct csv *c, struct buf *b, struct csv_field *fields, size_t max)
{
	size_t	 n = 0;
	int	 r;

	/* Blank lines are skipped. */
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p++ == '\n') {
			c->line++;
			c->col = 1;
		}
	}
	if (c->p == c->end)
		return 0;
	do {
		if (n == max) {
			diag_err(c->d, c->file, c->line, c->col,
			    "more than %zu columns", max);
			return -1;
		}
		if ((r = csv_field(c, b, &fields[n])) < 0)
			return -1;
		n++;
	} while (r == 1);
	return (int)n;
}

static void
free_fields(struct csv_field *f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(f[i].text);
		f[i].text = NULL;
	}
}

/* The separator is the commonest of , ; and tab on the header line. */
static char
csv_sep(const char *p, const char *end)
{
	size_t	 n[3] = { 0, 0, 0 };
	bool	 q = false;

	for (; p < end && (q || (*p != '\n' && *p != '\r')); p++) {
		if (*p == '"')
			q = !q;
		else if (!q && *p == ',')
			n[0]++;
		else if (!q && *p == ';')
			n[1]++;
		else if (!q && *p == '\t')
			n[2]++;
	}
	if (n[1] > n[0] && n[1] >= n[2])
		return ';';
	if (n[2] > n[0] && n[2] > n[1])
		return '\t';
	return ',';
}

/* "IP Address", "ip_address" and "ip-address" all become "ipaddress". */
static void
normalise(const char *s, char *out, size_t len, bool for_var)
{
	size_t	 n = 0;

	for (; *s != '\0' && n + 1 < len; s++) {
		if (isalnum((unsigned char)*s))
			out[n++] = (char)tolower((unsigned char)*s);
		else if (for_var && n > 0 && out[n - 1] != '_')
			out[n++] = '_';
	}
	while (for_var && n > 0 && out[n - 1] == '_')
		n--;
	out[n] = '\0';
}

static int
csv_header(struct csv *c, struct csv_field *f, size_t n,
    struct csv_col *cols)
{
	char		 norm[256], lower[256];
	size_t		 i, j, k, name = n, fqdn = n, addr = n;

	for (i = 0; i < n; i++) {
		cols[i].role = COL_VAR;
		normalise(f[i].text, norm, sizeof norm, false);
		for (j = 0; f[i].text[j] != '\0' && j + 1 < sizeof lower; j++)
			lower[j] = (char)tolower((unsigned char)f[i].text[j]);
		lower[j] = '\0';
		/* A native key such as ssh.port, written as it is. */
		if ((strncmp(lower, "ssh.", 4) == 0 ||
		    strncmp(lower, "winrm.", 6) == 0)) {
			cols[i].role = COL_KEY;
			cols[i].key = NULL;
			cols[i].var = xstrdup(lower);
			continue;
		}
		for (k = 0; k < sizeof csv_names / sizeof *csv_names; k++) {
			if (strcmp(norm, csv_names[k].header) == 0) {
				cols[i].role = csv_names[k].role;
				cols[i].key = csv_names[k].key;
				break;
			}
		}
		/* Custom fields such as ServiceNow's "u_tier". */
		k = strlen(norm);
		if (cols[i].role == COL_VAR && ((k >= 4 &&
		    strcmp(norm + k - 4, "tier") == 0) || (k >= 11 &&
		    strcmp(norm + k - 11, "criticality") == 0)))
			cols[i].role = COL_TIER;
		if (cols[i].role == COL_VAR) {
			normalise(f[i].text, norm, sizeof norm, true);
			if (norm[0] == '\0')
				snprintf(norm, sizeof norm, "column%zu", i + 1);
			cols[i].var = xstrdup(norm);
		}
		if (cols[i].role == COL_NAME && name == n)
			name = i;
		else if (cols[i].role == COL_FQDN && fqdn == n)
			fqdn = i;
		else if (cols[i].role == COL_ADDRESS && addr == n)
			addr = i;
		for (j = 0; j < i; j++) {
			if (cols[j].role != cols[i].role)
				continue;
			if (cols[i].role == COL_VAR || cols[i].role == COL_KEY ?
			    strcmp(cols[i].var ? cols[i].var : cols[i].key,
			    cols[j].var ? cols[j].var : cols[j].key) == 0 :
			    true) {
				diag_err(c->d, c->file, f[i].line, f[i].col,
				    "column '%s' says the same as column %zu "
				    "('%s')", f[i].text, j + 1, f[j].text);
				return -1;
			}
		}
	}
	/* An fqdn is the name when there is no name, else the address. */
	if (fqdn < n) {
		if (name == n)
			cols[fqdn].role = COL_NAME;
		else if (addr == n)
			cols[fqdn].role = COL_ADDRESS;
		else {
			cols[fqdn].role = COL_VAR;
			cols[fqdn].var = xstrdup("fqdn");
		}
	}
	for (i = 0; i < n; i++)
		if (cols[i].role == COL_NAME)
			return 0;
	diag_err(c->d, c->file, 1, 1, "no host name column (one of: name, "
	    "host, hostname, fqdn, computer name, device name, ci name, "
	    "asset name)");
	return -1;
}

static void
csv_cell(struct inventory *inv, struct csv *c, struct host *h,
    const struct csv_col *col, const struct csv_field *f)
{
	struct srcpos	 p = { c->file, f->line, f->col };
	const char	*os, *why;
	char		 digits[8];
	size_t		 n;

	switch (col->role) {
	case COL_NAME:
		break;
	case COL_ADDRESS:
		host_set_text(inv, h, "address", f->text, &p, c->d);
		break;
	case COL_SITE:
		host_set_text(inv, h, "site", f->text, &p, c->d);
		break;
	case COL_OS:
		if ((os = inv_canon_os(f->text)) != NULL)
			h->os = os;
		else
			diag_add(c->d, DIAG_WARNING, c->file, f->line, f->col,
			    "operating system '%s' not recognised; left unset",
			    f->text);
		break;
	case COL_TIER:
		/* "1 - most critical": the number it starts with. */
		for (n = 0; isdigit((unsigned char)f->text[n]) &&
		    n + 1 < sizeof digits; n++)
			digits[n] = f->text[n];
		digits[n] = '\0';
		if (inv_parse_tier(digits, &h->tier, &why) != 0)
			diag_err(c->d, c->file, f->line, f->col,
			    "bad tier '%s': %s", f->text, why);
		break;
	case COL_TAGS:
		host_set_text(inv, h, "tags", f->text, &p, c->d);
		break;
	case COL_KEY:
		if (!host_set_text(inv, h, col->key ? col->key : col->var,
		    f->text, &p, c->d))
			diag_err(c->d, c->file, f->line, f->col,
			    "unknown setting '%s'", col->var);
		break;
	default:
		host_set_var_str(inv, h, col->var, f->text);
		break;
	}
}

int
inv_read_csv(struct inventory *inv, unsigned src, const char *data,
    size_t len, struct diags *d)
{
	struct csv		 c;
	struct buf		 b = BUF_INIT;
	struct csv_field	*f;
	struct csv_col		*cols;
	struct host		 h, *old;
	size_t			 ncols, i, before = d->nerrors;
	int			 n;

	memset(&c, 0, sizeof c);
	c.p = data;
	c.end = data + len;
	c.line = c.col = 1;
	c.file = inv->sources[src].path;
	c.d = d;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	c.sep = csv_sep(c.p, c.end);
	f = xcalloc(CSV_MAX_COLS, sizeof *f);
	cols = xcalloc(CSV_MAX_COLS, sizeof *cols);
	if ((n = csv_row(&c, &b, f, CSV_MAX_COLS)) <= 0) {
		if (n == 0)
			diag_err(d, c.file, 1, 1, "no header row");
		ncols = 0;
		goto out;
	}
	ncols = (size_t)n;
	if (csv_header(&c, f, ncols, cols) != 0)
		goto out;
	free_fields(f, ncols);
	while ((n = csv_row(&c, &b, f, CSV_MAX_COLS)) > 0) {
		if ((size_t)n > ncols) {
			diag_err(d, c.file, f[ncols].line, f[ncols].col,
			    "row has %d fields, the header %zu", n, ncols);
			free_fields(f, (size_t)n);
			continue;
		}
		host_init(&h);
		for (i = 0; i < (size_t)n; i++) {
			if (cols[i].role == COL_NAME) {
				h.name = f[i].text;
				h.pos.file = c.file;
				h.pos.line = f[i].line;
				h.pos.col = f[i].col;
			}
		}
		if (h.name == NULL || *h.name == '\0' ||
		    !inv_valid_name(h.name)) {
			diag_err(d, c.file, h.name ? h.pos.line : f[0].line,
			    h.name ? h.pos.col : 1, "%s host name '%s'",
			    h.name && *h.name ? "invalid" : "empty",
			    h.name ? h.name : "");
			free_fields(f, (size_t)n);
			continue;
		}
		h.name = inventory_strdup(inv, h.name);
		for (i = 0; i < (size_t)n; i++)
			if (f[i].text[0] != '\0')
				csv_cell(inv, &c, &h, &cols[i], &f[i]);
		/* The name is the address, unless an earlier source says. */
		if (h.address == NULL && ((old = inventory_host(inv, h.name)) ==
		    NULL || old->address == NULL))
			h.address = h.name;
		inventory_put_host(inv, &h, src, d);
		free_fields(f, (size_t)n);
	}
	if (n < 0)
		free_fields(f, CSV_MAX_COLS);
 out:
	free_fields(f, CSV_MAX_COLS);
	for (i = 0; i < ncols; i++)
		free(cols[i].var);
	free(cols);
	free(f);
	buf_release(&b);
	return d->nerrors > before ? LB_ERR_INVALID : 0;
}
