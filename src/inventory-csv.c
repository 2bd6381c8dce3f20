/*
 * Reader for CMDB and spreadsheet exports in CSV (lifeboat-inventory(5),
 * CSV EXPORTS): RFC 4180 with what real exports do besides, a byte order
 * mark, CRLF or LF, semicolon or tab separators (or Excel's "sep=" line),
 * white space around cells, rows of empty cells.  The header row names
 * the columns; known names set host fields (through host_set_text(), so
 * values are checked as in every other format) and the other columns
 * become host vars.
 *
 * Header names are compared normalised: lower case, with everything but
 * letters and digits dropped, so "IP Address", "ip_address" and
 * "ip-address" are one name.  Two columns with the same normalised name
 * are an error.  When several columns stand for one field ("name" and
 * "host_name"), the one whose name comes first in csv_names[] sets it and
 * the others are kept as vars.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"

#define CSV_MAX_FIELD	(64 * 1024)
#define CSV_MAX_COLS	1024
#define CSV_MAX_HEADER	256		/* bytes of a header name kept */

struct csv {
	const char	*p;
	const char	*end;
	unsigned	 line;
	unsigned	 col;		/* in characters */
	char		 sep;
	const char	*file;
	struct diags	*d;
};

struct csv_field {
	char		*text;		/* trimmed */
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
	char		*var;		/* COL_VAR: var name; COL_KEY: key */
	char		*norm;		/* the normalised header */
	size_t		 rank;		/* index in csv_names[] */
};

/* Known headers, normalised, best first within each field. */
static const struct {
	const char	*header;
	enum col_role	 role;
	const char	*key;
} csv_names[] = {
	{ "name", COL_NAME, NULL }, { "host", COL_NAME, NULL },
	{ "hostname", COL_NAME, NULL }, { "computername", COL_NAME, NULL },
	{ "devicename", COL_NAME, NULL }, { "ciname", COL_NAME, NULL },
	{ "assetname", COL_NAME, NULL }, { "fqdn", COL_FQDN, NULL },
	{ "address", COL_ADDRESS, NULL }, { "mgmtip", COL_ADDRESS, NULL },
	{ "managementip", COL_ADDRESS, NULL },
	{ "mgmtipaddress", COL_ADDRESS, NULL },
	{ "managementipaddress", COL_ADDRESS, NULL },
	{ "ipaddress", COL_ADDRESS, NULL }, { "ip", COL_ADDRESS, NULL },
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
	{ "comments", COL_KEY, "description" },
};
#define CSV_NNAMES	(sizeof csv_names / sizeof *csv_names)

/* Consumes one byte, keeping the line and the column (in characters). */
static void
csv_adv(struct csv *c)
{
	if (*c->p == '\n') {
		c->line++;
		c->col = 1;
	} else if (((unsigned char)*c->p & 0xc0) != 0x80)
		c->col++;
	c->p++;
}

/* Appends unless the field is already too long; -1 (reported) then. */
static int
csv_add(struct csv *c, struct buf *b, const struct csv_field *f, char ch)
{
	if (b->len >= CSV_MAX_FIELD) {
		diag_err(c->d, c->file, f->line, f->col,
		    "field longer than %d bytes", CSV_MAX_FIELD);
		return -1;
	}
	buf_addc(b, ch);
	return 0;
}

static bool
csv_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Reads one field.  Returns 1 when a field was read and more follow on
 * the row, 0 when it ended the row (or the input), -1 on error.  A quote
 * opens a quoted field only as its first character; elsewhere it is
 * text, and text after a closing quote is kept, as spreadsheets do.
 */
static int
csv_field(struct csv *c, struct buf *b, struct csv_field *f)
{
	unsigned	 qline = 0, qcol = 0;
	bool		 quoted = false;
	size_t		 s, e;

	buf_reset(b);
	while (c->p < c->end && csv_blank(*c->p) && *c->p != c->sep)
		csv_adv(c);
	f->line = c->line;
	f->col = c->col;
	if (c->p < c->end && *c->p == '"') {
		quoted = true;
		qline = c->line;
		qcol = c->col;
		csv_adv(c);
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
			csv_adv(c);
			if (c->p < c->end && *c->p == '"') {
				if (csv_add(c, b, f, '"') == -1)
					return -1;
				csv_adv(c);
			} else
				quoted = false;
			continue;
		}
		if (!quoted && (*c->p == c->sep || *c->p == '\n' ||
		    *c->p == '\r'))
			break;
		/* A line break inside quotes is kept as "\n". */
		if (quoted && *c->p == '\r' && c->p + 1 < c->end &&
		    c->p[1] == '\n') {
			csv_adv(c);
			continue;
		}
		if (csv_add(c, b, f, *c->p) == -1)
			return -1;
		csv_adv(c);
	}
	for (s = 0; s < b->len && csv_blank(b->data[s]); s++)
		continue;
	for (e = b->len; e > s && csv_blank(b->data[e - 1]); e--)
		continue;
	f->text = xstrndup(buf_str(b) + s, e - s);
	if (c->p < c->end && *c->p == c->sep) {
		csv_adv(c);
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

static void
free_fields(struct csv_field *f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(f[i].text);
		f[i].text = NULL;
	}
}

/*
 * Reads the next row that has a non-empty cell into fields; returns its
 * number of fields, 0 at the end, -1 on error.  Blank lines and rows of
 * empty cells (";;;;" as spreadsheets leave them) are skipped.
 */
static int
csv_row(struct csv *c, struct buf *b, struct csv_field *fields, size_t max)
{
	size_t	 n, i;
	int	 r;

	for (;;) {
		while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
			if (*c->p++ == '\n') {
				c->line++;
				c->col = 1;
			}
		}
		if (c->p == c->end)
			return 0;
		n = 0;
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
		for (i = 0; i < n && fields[i].text[0] == '\0'; i++)
			continue;
		if (i < n)
			return (int)n;
		free_fields(fields, n);
	}
}

/*
 * The separator: the one an Excel "sep=X" line names (the line is then
 * skipped), or the commonest of , ; and tab on the header line.
 */
static char
csv_sep(struct csv *c)
{
	const char	*p;
	size_t		 n[3] = { 0, 0, 0 };
	bool		 q = false;

	if (c->end - c->p >= 5 && strncasecmp(c->p, "sep=", 4) == 0 &&
	    strchr(",;\t|", c->p[4]) != NULL && (c->end - c->p == 5 ||
	    c->p[5] == '\n' || c->p[5] == '\r')) {
		c->sep = c->p[4];
		while (c->p < c->end && *c->p != '\n')
			c->p++;
		return c->sep;
	}
	for (p = c->p; p < c->end && (*p == '\n' || *p == '\r'); p++)
		continue;
	for (; p < c->end && (q || (*p != '\n' && *p != '\r')); p++) {
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

/*
 * "IP Address", "ip_address" and "ip-address" all become "ipaddress";
 * for a var name, "Cost Center (EUR)" becomes "cost_center_eur".
 */
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

/*
 * Whether norm names a native key under prefix ("ssh." or "winrm."), as
 * "ssh.port", "SSH Port" or "ssh_port" do.  Stores the key in *key.
 */
static bool
native_key(const char *norm, const char *prefix, char **key)
{
	const char	*keys[64];
	char		 full[128], n2[128];
	size_t		 i, n;

	n = host_text_keys(prefix, keys, sizeof keys / sizeof *keys);
	if (n > sizeof keys / sizeof *keys)
		n = sizeof keys / sizeof *keys;
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof full, "%s%s", prefix, keys[i]);
		normalise(full, n2, sizeof n2, false);
		if (strcmp(n2, norm) == 0) {
			*key = xstrdup(full);
			return true;
		}
	}
	return false;
}

/* Finds what column i is from its header text. */
static void
csv_classify(struct csv_col *col, const char *text)
{
	char	 lower[CSV_MAX_HEADER], norm[CSV_MAX_HEADER];
	size_t	 j, k;

	col->role = COL_VAR;
	col->rank = CSV_NNAMES;
	normalise(text, norm, sizeof norm, false);
	col->norm = xstrdup(norm);
	for (j = 0; text[j] != '\0' && j + 1 < sizeof lower; j++)
		lower[j] = (char)tolower((unsigned char)text[j]);
	lower[j] = '\0';
	if (native_key(norm, "ssh.", &col->var) ||
	    native_key(norm, "winrm.", &col->var)) {
		col->role = COL_KEY;
		return;
	}
	/* ssh.something unknown: reported on the first cell that has it. */
	if (strncmp(lower, "ssh.", 4) == 0 ||
	    strncmp(lower, "winrm.", 6) == 0) {
		col->role = COL_KEY;
		col->var = xstrdup(lower);
		return;
	}
	/* ServiceNow's custom fields: "u_tier" is a tier. */
	for (k = 0; k < 2; k++) {
		if (k == 1 && strncmp(lower, "u_", 2) != 0)
			break;
		if (k == 1)
			normalise(text + 2, norm, sizeof norm, false);
		for (j = 0; j < CSV_NNAMES; j++) {
			if (strcmp(norm, csv_names[j].header) == 0) {
				col->role = csv_names[j].role;
				col->key = csv_names[j].key;
				col->rank = j;
				return;
			}
		}
	}
}

/* Same field: same role, and for native keys the same key. */
static bool
same_field(const struct csv_col *a, const struct csv_col *b)
{
	if (a->role != b->role || a->role == COL_VAR)
		return false;
	if (a->role != COL_KEY)
		return true;
	return strcmp(a->key ? a->key : a->var, b->key ? b->key : b->var) == 0;
}

static void
make_var(struct csv_col *col, const char *text, size_t i)
{
	char	 norm[CSV_MAX_HEADER];

	normalise(text, norm, sizeof norm, true);
	if (norm[0] == '\0')
		snprintf(norm, sizeof norm, "column%zu", i + 1);
	free(col->var);
	col->var = xstrdup(norm);
	col->role = COL_VAR;
	col->key = NULL;
}

static int
csv_header(struct csv *c, struct csv_field *f, size_t n,
    struct csv_col *cols)
{
	size_t	 i, j, name = n, fqdn = n, addr = n;

	for (i = 0; i < n; i++) {
		csv_classify(&cols[i], f[i].text);
		for (j = 0; j < i && cols[i].norm[0] != '\0'; j++) {
			if (strcmp(cols[i].norm, cols[j].norm) != 0)
				continue;
			diag_err(c->d, c->file, f[i].line, f[i].col,
			    "column '%s' says the same as column %zu ('%s')",
			    f[i].text, j + 1, f[j].text);
			return -1;
		}
		if (cols[i].role == COL_VAR)
			make_var(&cols[i], f[i].text, i);
	}
	/* Of the columns for one field, the best-ranked (then first) wins. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < n && cols[i].role != COL_VAR; j++) {
			if (j != i && same_field(&cols[i], &cols[j]) &&
			    (cols[j].rank < cols[i].rank ||
			    (cols[j].rank == cols[i].rank && j < i)))
				make_var(&cols[i], f[i].text, i);
		}
		if (cols[i].role == COL_NAME)
			name = i;
		else if (cols[i].role == COL_FQDN)
			fqdn = i;
		else if (cols[i].role == COL_ADDRESS)
			addr = i;
	}
	/*
	 * An fqdn is the name when there is no name column, else the
	 * address when there is no address column, else a var that still
	 * stands in for an empty address cell (see csv_host()).
	 */
	if (fqdn < n && name == n) {
		cols[fqdn].role = COL_NAME;
		name = fqdn;
	} else if (fqdn < n && addr == n)
		cols[fqdn].role = COL_ADDRESS;
	if (name < n)
		return 0;
	diag_err(c->d, c->file, f[0].line, 1, "no host name column (one of: "
	    "name, host, hostname, fqdn, computer name, device name, ci name, "
	    "asset name)");
	return -1;
}

/*
 * CMDBs name locations as people do ("Amsterdam DC1"); a site is a name
 * patterns can use, so such a value becomes "amsterdam-dc1": lower case,
 * every run of other characters than letters, digits, '_' and '.' one '-'.
 */
static void
csv_site(struct inventory *inv, struct csv *c, struct host *h,
    const struct csv_field *f, const struct srcpos *p)
{
	char	 name[256];
	size_t	 n = 0;
	const char *s;

	for (s = f->text; *s != '\0' && n + 1 < sizeof name; s++) {
		if (isalnum((unsigned char)*s) || *s == '_' || *s == '.')
			name[n++] = (char)tolower((unsigned char)*s);
		else if (n > 0 && name[n - 1] != '-')
			name[n++] = '-';
	}
	while (n > 0 && name[n - 1] == '-')
		n--;
	name[n] = '\0';
	if (n == 0) {
		diag_err(c->d, c->file, f->line, f->col,
		    "site '%s' has no letters or digits", f->text);
		return;
	}
	host_set_text(inv, h, "site", name, p, c->d);
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
		csv_site(inv, c, h, f, &p);
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
	case COL_FQDN:
		host_set_var_str(inv, h, "fqdn", f->text);
		break;
	default:
		host_set_var_str(inv, h, col->var, f->text);
		break;
	}
}

/* Makes a host of one row of n fields and stores it. */
static void
csv_host(struct inventory *inv, struct csv *c, unsigned src,
    const struct csv_col *cols, const struct csv_field *f, size_t n)
{
	struct host	 h, *old;
	const char	*fqdn = NULL;
	size_t		 i;

	host_init(&h);
	for (i = 0; i < n; i++) {
		if (cols[i].role == COL_NAME) {
			h.name = f[i].text;
			h.pos.file = c->file;
			h.pos.line = f[i].line;
			h.pos.col = f[i].col;
		} else if (cols[i].role == COL_FQDN && f[i].text[0] != '\0')
			fqdn = f[i].text;
	}
	if (h.name == NULL || *h.name == '\0') {
		diag_err(c->d, c->file, h.name ? h.pos.line : f[0].line,
		    h.name ? h.pos.col : 1, "empty host name");
		return;
	}
	if (!inv_valid_name(h.name)) {
		diag_err(c->d, c->file, h.pos.line, h.pos.col,
		    "invalid host name '%s'", h.name);
		return;
	}
	h.name = inventory_strdup(inv, h.name);
	for (i = 0; i < n; i++)
		if (f[i].text[0] != '\0')
			csv_cell(inv, c, &h, &cols[i], &f[i]);
	if (h.address == NULL && fqdn != NULL)
		h.address = inventory_strdup(inv, fqdn);
	/* The name is the address, unless an earlier source says. */
	if (h.address == NULL && ((old = inventory_host(inv, h.name)) ==
	    NULL || old->address == NULL))
		h.address = h.name;
	inventory_put_host(inv, &h, src, c->d);
}

int
inv_read_csv(struct inventory *inv, unsigned src, const char *data,
    size_t len, struct diags *d)
{
	struct csv		 c;
	struct buf		 b = BUF_INIT;
	struct csv_field	*f;
	struct csv_col		*cols;
	size_t			 ncols = 0, i, before = d->nerrors;
	int			 n;

	memset(&c, 0, sizeof c);
	c.p = data;
	c.end = data + len;
	c.line = c.col = 1;
	c.file = src < inv->nsources ? inv->sources[src].path : NULL;
	c.d = d;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		c.p += 3;
	c.sep = csv_sep(&c);
	f = xcalloc(CSV_MAX_COLS, sizeof *f);
	cols = xcalloc(CSV_MAX_COLS, sizeof *cols);
	if ((n = csv_row(&c, &b, f, CSV_MAX_COLS)) <= 0) {
		if (n == 0)
			diag_err(d, c.file, 1, 1, "no header row");
		goto out;
	}
	ncols = (size_t)n;
	if (csv_header(&c, f, ncols, cols) != 0)
		goto out;
	free_fields(f, ncols);
	while ((n = csv_row(&c, &b, f, CSV_MAX_COLS)) > 0) {
		/* Extra cells with nothing in them are what editors leave. */
		for (i = ncols; i < (size_t)n && f[i].text[0] == '\0'; i++)
			continue;
		if (i < (size_t)n)
			diag_err(d, c.file, f[ncols].line, f[ncols].col,
			    "row has %d fields but the header has %zu", n,
			    ncols);
		else
			csv_host(inv, &c, src, cols, f,
			    (size_t)n < ncols ? (size_t)n : ncols);
		free_fields(f, (size_t)n);
	}
 out:
	free_fields(f, CSV_MAX_COLS);
	for (i = 0; i < ncols; i++) {
		free(cols[i].var);
		free(cols[i].norm);
	}
	free(cols);
	free(f);
	buf_release(&b);
	return d->nerrors > before ? LB_ERR_INVALID : 0;
}
