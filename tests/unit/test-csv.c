/*
 * Unit tests for the CMDB CSV reader (src/inventory-csv.c): real-looking
 * exports from tests/data/csv (ServiceNow, Excel with a BOM and
 * semicolons, tab-separated asset lists, comments with line breaks),
 * the header rules, and the exact position of every diagnostic.
 *
 * The fixtures are read relative to the source tree, as tests/run runs
 * the tests from its top.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"
#include "ytree.h"

#define DATA	"tests/data/csv/"

struct loaded {
	struct inventory	*inv;
	struct diags		 d;
	int			 rc;
};

static void
load_text(struct loaded *l, const char *text, size_t len)
{
	memset(l, 0, sizeof *l);
	l->inv = inventory_new();
	l->rc = inventory_load_buffer(l->inv, "t.csv", text, len,
	    INV_FORMAT_CSV, &l->d);
}

static void
load(struct loaded *l, const char *text)
{
	load_text(l, text, strlen(text));
}

static void
load_file(struct loaded *l, const char *name)
{
	char	*path;

	memset(l, 0, sizeof *l);
	xasprintf(&path, "%s%s", DATA, name);
	l->inv = inventory_new();
	l->rc = inventory_load_file(l->inv, path, INV_FORMAT_AUTO, &l->d);
	free(path);
}

static void
unload(struct loaded *l)
{
	inventory_free(l->inv);
	diags_release(&l->d);
}

static const struct host *
host(const struct loaded *l, const char *name)
{
	const struct host	*h;

	h = inventory_host(l->inv, name);
	if (h == NULL)
		fail_msg("no host '%s'", name);
	return h;
}

static const char *
var(const struct host *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->nvars; i++) {
		if (strcmp(h->vars[i].name, name) == 0)
			return ynode_str(h->vars[i].value);
	}
	return NULL;
}

static void
check_str(const char *got, const char *want, const char *what)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", what,
		    got ? got : "(null)", want ? want : "(null)");
}

static void
check_tags(const struct host *h, const char *want)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < h->ntags; i++)
		buf_addf(&b, "%s%s", i ? "," : "", h->tags[i]);
	check_str(buf_str(&b), want, "tags");
	buf_release(&b);
}

/* Diagnostic i is at file:line:col with level and message. */
static void
check_diag(const struct loaded *l, size_t i, enum diag_level level,
    const char *file, unsigned line, unsigned col, const char *msg)
{
	const struct diag	*g;

	if (i >= l->d.n)
		fail_msg("no diagnostic %zu (want '%s')", i, msg);
	g = &l->d.v[i];
	check_str(g->msg, msg, "message");
	check_str(g->file, file, "file");
	assert_int_equal(g->level, level);
	assert_int_equal(g->line, line);
	assert_int_equal(g->col, col);
}

static void
test_servicenow(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	load_file(&l, "servicenow.csv");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.d.n, 0);
	assert_int_equal(l.inv->nhosts, 3);
	h = host(&l, "AMS-DC01");
	check_str(h->address, "10.1.0.10", "address");
	check_str(h->site, "ams", "site");
	check_str(h->os, "windows", "os");
	assert_int_equal(h->tier, 0);
	check_str(h->description, "Domain controller, primary", "desc");
	check_str(var(h, "sys_class_name"), "cmdb_ci_win_server", "var");
	check_str(var(h, "serial_number"), "SN-001", "var");
	assert_int_equal(h->nvars, 2);
	assert_int_equal(h->pos.line, 2);
	assert_int_equal(h->pos.col, 1);
	h = host(&l, "ams-web01");
	check_str(h->os, "linux", "os");
	assert_int_equal(h->tier, 2);
	check_str(h->description, "Web \"front\" node", "desc");
	h = host(&l, "fra-db01");
	check_str(h->os, "linux", "os");
	assert_int_equal(h->tier, 1);
	assert_int_equal(h->pos.line, 4);
	unload(&l);
}

static void
test_servicenow_computer(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	load_file(&l, "servicenow-computer.csv");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.d.n, 0);
	assert_int_equal(l.inv->nhosts, 3);
	/* "name" beats "host_name", which is kept as a var. */
	h = host(&l, "ams-fs01");
	check_str(var(h, "host_name"), "AMSFS01", "host_name");
	check_str(h->address, "10.1.0.40", "address");
	check_str(var(h, "fqdn"), "ams-fs01.corp.example", "fqdn");
	check_str(h->os, "windows", "os");
	check_str(var(h, "os_version"), "10.0.20348", "os_version");
	assert_int_equal(h->tier, 1);
	check_str(h->description, "File server, \"shares\" for finance",
	    "comments");
	check_str(var(h, "assigned_to"), "Jane Doe", "assigned_to");
	check_str(var(h, "sys_class_name"), "cmdb_ci_win_server", "class");
	/* No ip_address: the fqdn is the address. */
	h = host(&l, "ams-lx07");
	check_str(h->address, "ams-lx07.corp.example", "address");
	check_str(h->os, "linux", "os");
	assert_int_equal(h->tier, 3);
	check_str(h->description, NULL, "empty comments");
	check_str(var(h, "assigned_to"), NULL, "empty cell");
	/* A line break inside quotes, CRLF in the file: "\n" in the value. */
	h = host(&l, "fra-mq02");
	check_str(h->address, "10.2.0.77", "address");
	check_str(h->os, "linux", "SUSE");
	assert_int_equal(h->tier, INV_UNSET);
	check_str(h->description, "Message queue\nsecondary in the pair",
	    "multi-line comments");
	check_str(var(h, "assigned_to"), "Ops Team", "after the break");
	check_str(var(h, "fqdn"), NULL, "empty fqdn");
	assert_int_equal(h->pos.line, 4);
	unload(&l);
}

static void
test_excel_semicolon(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	load_file(&l, "excel-semicolon.csv");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.d.n, 0);
	assert_int_equal(l.inv->nhosts, 2);
	h = host(&l, "nyc-ws001");
	check_str(h->address, "10.3.1.1", "address");
	check_str(h->site, "nyc", "site");
	check_str(h->os, "windows", "os");
	check_tags(h, "workstation,kiosk");
	check_str(var(h, "notes"), "first line\nsecond line", "notes");
	/* The BOM takes no column. */
	assert_int_equal(h->pos.line, 2);
	assert_int_equal(h->pos.col, 1);
	h = host(&l, "nyc-bak01");
	check_str(h->os, "linux", "os");
	check_tags(h, "backup");
	assert_int_equal(h->nvars, 0);
	assert_int_equal(h->pos.line, 5);
	unload(&l);
}

static void
test_comments(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	load_file(&l, "cmdb-comments.csv");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.d.n, 0);
	assert_int_equal(l.inv->nhosts, 4);
	h = &l.inv->hosts[0];
	check_str(h->name, "fra-app01", "name");
	check_str(h->address, "10.2.1.10", "Mgmt IP");
	check_str(var(h, "fqdn"), "fra-app01.corp.example", "fqdn");
	check_str(h->site, "fra", "Data Center");
	check_str(h->os, "linux", "OS Family");
	assert_int_equal(h->tier, 2);
	check_tags(h, "app,pci");
	check_str(h->description, "Rebuilt after the July outage.\nSecond "
	    "line, with a comma.", "Comments");
	check_str(var(h, "owner"), "Team Payments", "Owner");
	check_str(var(h, "cost_center_eur"), "4711", "Cost Center (EUR)");
	check_str(var(h, "u_custom_flag"), "yes", "u_custom-flag");
	assert_int_equal(h->ssh.port, 2222);
	assert_int_equal(h->nvars, 4);
	/* Spaces around cells go; a short row is fine. */
	h = &l.inv->hosts[1];
	check_str(h->name, "fra-app02", "trimmed name");
	check_str(h->address, "fra-app02.corp.example", "fqdn as address");
	check_str(h->os, "windows", "os");
	assert_int_equal(h->tier, 3);
	check_tags(h, "app,kiosk");
	assert_int_equal(h->ssh.port, INV_UNSET);
	assert_int_equal(h->pos.line, 4);
	/* Skipped: a blank line, a row of empty cells, a row of spaces. */
	h = &l.inv->hosts[2];
	check_str(h->name, "fra-app03", "quoted name");
	check_str(h->os, "aix", "os");
	check_str(h->description, "He said \"reboot it\"", "quotes");
	assert_int_equal(h->pos.line, 7);
	h = &l.inv->hosts[3];
	check_str(h->name, "fra-app04", "name");
	check_str(h->address, "fra-app04", "the name is the address");
	check_str(h->site, "fra", "site");
	assert_int_equal(h->nvars, 0);
	assert_int_equal(h->pos.line, 9);
	unload(&l);
}

static void
test_tab(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	load_file(&l, "assets-tab.csv");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.d.n, 0);
	assert_int_equal(l.inv->nhosts, 3);
	h = host(&l, "lon-pos01");
	check_str(h->address, "10.4.0.11", "IP");
	check_str(h->site, "lon", "Location");
	check_str(h->os, "windows", "Platform");
	assert_int_equal(h->tier, 0);
	check_str(h->user, "pos", "User");
	assert_int_equal(h->transport, TRANSPORT_WINRM);
	assert_int_equal(h->winrm.port, 5985);
	check_tags(h, "pos,till");
	h = host(&l, "lon-nas01");
	check_str(h->os, "freebsd", "os");
	assert_int_equal(h->transport, TRANSPORT_SSH);
	assert_int_equal(h->ssh.port, 2222);
	assert_int_equal(h->ntags, 0);
	unload(&l);
}

static void
test_native_keys(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	load_file(&l, "native-keys.csv");
	assert_int_equal(l.rc, 0);
	h = host(&l, "win1");
	check_str(h->winrm.scheme, "http", "winrm.scheme");
	assert_int_equal(h->winrm.allow_unencrypted, TRISTATE_TRUE);
	h = host(&l, "lin1");
	check_str(h->winrm.scheme, NULL, "empty cell");
	unload(&l);

	/* Native keys written the way spreadsheets write headers. */
	load(&l, "Name,SSH Port,winrm_scheme,WinRM-Auth,ssh.identity\n"
	    "web1,2200,https,ntlm,~/.ssh/id_ops\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	assert_int_equal(h->ssh.port, 2200);
	check_str(h->winrm.scheme, "https", "winrm.scheme");
	check_str(h->winrm.auth, "ntlm", "winrm.auth");
	check_str(h->ssh.identity, "~/.ssh/id_ops", "ssh.identity");
	assert_int_equal(h->nvars, 0);
	unload(&l);

	load(&l, "name,ssh.bogus,winrm.auth\nweb1,1,digest\n");
	assert_int_equal(l.rc, LB_ERR_INVALID);
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 2, 6,
	    "unknown setting 'ssh.bogus'");
	check_diag(&l, 1, DIAG_ERROR, "t.csv", 2, 8, "winrm.auth must be "
	    "one of: negotiate basic ntlm kerberos (not 'digest')");
	assert_int_equal(l.d.n, 2);
	unload(&l);
}

static void
test_headers(void **state)
{
	struct loaded		 l;
	const struct host	*h;

	(void)state;
	/* Case, spaces, '_', '-' and '.' do not matter. */
	load(&l, "Host-Name;IP.Address;Data_Center;OPERATING SYSTEM\n"
	    "web1;10.0.0.1;ams;Ubuntu 22.04\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	check_str(h->address, "10.0.0.1", "address");
	check_str(h->site, "ams", "site");
	check_str(h->os, "linux", "os");
	unload(&l);

	/* Of several address columns "address" wins; the rest are vars. */
	load(&l, "ip,address,Management IP,name\n"
	    "1.1.1.1,2.2.2.2,3.3.3.3,web1\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	check_str(h->address, "2.2.2.2", "address");
	check_str(var(h, "ip"), "1.1.1.1", "ip");
	check_str(var(h, "management_ip"), "3.3.3.3", "management ip");
	unload(&l);

	load(&l, "IP,Mgmt IP,name\n1.1.1.1,3.3.3.3,web1\n");
	check_str(host(&l, "web1")->address, "3.3.3.3", "mgmt ip first");
	unload(&l);

	/* An fqdn alone is the name; beside a name, the address. */
	load(&l, "fqdn,ip\nweb1.example.com,10.0.0.1\n");
	h = host(&l, "web1.example.com");
	check_str(h->address, "10.0.0.1", "address");
	assert_int_equal(h->nvars, 0);
	unload(&l);
	load(&l, "name,fqdn\nweb1,web1.example.com\n");
	h = host(&l, "web1");
	check_str(h->address, "web1.example.com", "address");
	assert_int_equal(h->nvars, 0);
	unload(&l);

	/* ServiceNow custom fields; tiers from their leading number. */
	load(&l, "name,u_site,u_tier,tier_note\nweb1,ams, 3 - low ,x\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	check_str(h->site, "ams", "u_site");
	assert_int_equal(h->tier, 3);
	check_str(var(h, "tier_note"), "x", "not a tier");
	unload(&l);

	/* Var names; a column without a header. */
	load(&l, "name,Cost Center (EUR),#,,Owner\nweb1,4711,x,y,\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	check_str(var(h, "cost_center_eur"), "4711", "var");
	check_str(var(h, "column3"), "x", "var");
	check_str(var(h, "column4"), "y", "var");
	check_str(var(h, "owner"), NULL, "empty");
	assert_int_equal(h->nvars, 3);
	unload(&l);

	/* Excel's "sep=" line. */
	load(&l, "sep=|\r\nname|address\r\nweb1|10.0.0.1\r\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	check_str(h->address, "10.0.0.1", "address");
	assert_int_equal(h->pos.line, 3);
	unload(&l);

	/* Leading blank lines; the separator from the header line. */
	load(&l, "\n\nname;description\nweb1;a, b\n");
	assert_int_equal(l.rc, 0);
	h = host(&l, "web1");
	check_str(h->description, "a, b", "description");
	assert_int_equal(h->pos.line, 4);
	unload(&l);
}

static void
test_fields(void **state)
{
	struct loaded		 l;
	const struct host	*h;
	static const char	 text[] = "name,description,comments_x\n"
	    "web1,\"a\"b,x\"y\n"
	    "web2,\"line\r\nbreak\",\"\"\n"
	    "web3,  \"  padded  \"  ,\n"
	    "web4,last";

	(void)state;
	load(&l, text);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.d.n, 0);
	h = host(&l, "web1");
	check_str(h->description, "ab", "text after a closing quote");
	check_str(var(h, "comments_x"), "x\"y", "quote inside a field");
	h = host(&l, "web2");
	check_str(h->description, "line\nbreak", "CRLF inside quotes");
	check_str(var(h, "comments_x"), NULL, "quoted empty");
	h = host(&l, "web3");
	check_str(h->description, "padded", "trimmed");
	h = host(&l, "web4");
	check_str(h->description, "last", "no newline at the end");
	unload(&l);

	/* Extra cells are fine while empty. */
	load(&l, "name,address\nweb1,10.0.0.1,,  ,\n");
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.inv->nhosts, 1);
	unload(&l);
}

static void
test_os_and_columns(void **state)
{
	struct loaded	 l;

	(void)state;
	/* Columns count characters: "café," is five. */
	load(&l, "name,description,os\nweb1,café,Toaster OS 3\n");
	assert_int_equal(l.rc, 0);
	check_diag(&l, 0, DIAG_WARNING, "t.csv", 2, 11,
	    "operating system 'Toaster OS 3' not recognised; left unset");
	assert_int_equal(l.d.n, 1);
	check_str(host(&l, "web1")->os, NULL, "os");
	unload(&l);
}

static void
test_bad_files(void **state)
{
	struct loaded	 l;

	(void)state;
	load_file(&l, "bad-rows.csv");
	assert_int_equal(l.rc, LB_ERR_INVALID);
	check_diag(&l, 0, DIAG_ERROR, DATA "bad-rows.csv", 3, 1,
	    "empty host name");
	check_diag(&l, 1, DIAG_ERROR, DATA "bad-rows.csv", 4, 1,
	    "invalid host name 'web 3'");
	check_diag(&l, 2, DIAG_ERROR, DATA "bad-rows.csv", 5, 15,
	    "bad tier 'high': tier must be a number from 0 (most critical) "
	    "to 99");
	check_diag(&l, 3, DIAG_ERROR, DATA "bad-rows.csv", 6, 20,
	    "row has 5 fields but the header has 4");
	check_diag(&l, 4, DIAG_ERROR, DATA "bad-rows.csv", 7, 17,
	    "bad ssh.port '99999': port must be a number from 1 to 65535");
	check_diag(&l, 5, DIAG_ERROR, DATA "bad-rows.csv", 8, 1,
	    "duplicate host 'web1' (first defined at "
	    DATA "bad-rows.csv:2:1)");
	assert_int_equal(l.d.n, 6);
	/* The good rows are there; web4 and web6 without the bad value. */
	assert_int_equal(l.inv->nhosts, 3);
	assert_int_equal(host(&l, "web4")->tier, INV_UNSET);
	unload(&l);

	load_file(&l, "bad-dup-header.csv");
	assert_int_equal(l.rc, LB_ERR_INVALID);
	check_diag(&l, 0, DIAG_ERROR, DATA "bad-dup-header.csv", 1, 17,
	    "column 'ip_address' says the same as column 2 ('IP Address')");
	assert_int_equal(l.d.n, 1);
	assert_int_equal(l.inv->nhosts, 0);
	unload(&l);

	load_file(&l, "bad-nul.csv");
	assert_int_equal(l.rc, LB_ERR_INVALID);
	check_diag(&l, 0, DIAG_ERROR, DATA "bad-nul.csv", 3, 10,
	    "NUL byte in a field");
	assert_int_equal(l.d.n, 1);
	unload(&l);

	load_file(&l, "bad-quote.csv");
	assert_int_equal(l.rc, LB_ERR_INVALID);
	check_diag(&l, 0, DIAG_ERROR, DATA "bad-quote.csv", 3, 6,
	    "quoted field is not closed");
	assert_int_equal(l.d.n, 1);
	unload(&l);

	load_file(&l, "bad-extra.csv");
	check_diag(&l, 0, DIAG_ERROR, DATA "bad-extra.csv", 2, 15,
	    "row has 3 fields but the header has 2");
	unload(&l);

	load_file(&l, "bad-noname.csv");
	check_diag(&l, 0, DIAG_ERROR, DATA "bad-noname.csv", 1, 1,
	    "no host name column (one of: name, host, hostname, fqdn, "
	    "computer name, device name, ci name, asset name)");
	assert_int_equal(l.d.n, 1);
	unload(&l);
}

static void
test_bad_text(void **state)
{
	struct loaded	 l;
	struct buf	 b = BUF_INIT;
	size_t		 i;

	(void)state;
	load(&l, "");
	assert_int_equal(l.rc, LB_ERR_INVALID);
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 1, 1, "no header row");
	unload(&l);

	load(&l, "\r\n\n;;;\n \n");
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 1, 1, "no header row");
	unload(&l);

	/* The header after blank lines: the error is on its line. */
	load(&l, "\n\naddress,site\n");
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 3, 1, "no host name column "
	    "(one of: name, host, hostname, fqdn, computer name, device name, "
	    "ci name, asset name)");
	unload(&l);

	load(&l, "name,\"address\n");
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 1, 6,
	    "quoted field is not closed");
	unload(&l);

	load(&l, "name,Name\n");
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 1, 6,
	    "column 'Name' says the same as column 1 ('name')");
	unload(&l);

	/* A field over 64 KiB, reported where it starts. */
	buf_init(&b, 0, 0);
	buf_adds(&b, "name,description\nweb1,\"");
	for (i = 0; i < 64 * 1024 + 1; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "\"\n");
	load_text(&l, buf_str(&b), b.len);
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 2, 6,
	    "field longer than 65536 bytes");
	assert_int_equal(l.d.n, 1);
	unload(&l);

	/* Too many columns: reported where the 1025th starts. */
	buf_reset(&b);
	buf_adds(&b, "name");
	for (i = 0; i < 1024; i++)
		buf_adds(&b, ",c");
	load_text(&l, buf_str(&b), b.len);
	check_diag(&l, 0, DIAG_ERROR, "t.csv", 1, 2052,
	    "more than 1024 columns");
	unload(&l);
	buf_release(&b);
}

static void
test_merge(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	static const char	 a[] = "name,address,site\nweb1,10.0.0.1,ams\n";
	static const char	 b[] = "name,tags\nweb1,pci\nweb2,new\n";
	const struct host	*h;

	(void)state;
	inv = inventory_new();
	assert_int_equal(inventory_load_buffer(inv, "a.csv", a, strlen(a),
	    INV_FORMAT_CSV, &d), 0);
	assert_int_equal(inventory_load_buffer(inv, "b.csv", b, strlen(b),
	    INV_FORMAT_AUTO, &d), 0);
	assert_int_equal(inventory_finish(inv, &d), 0);
	h = inventory_host(inv, "web1");
	check_str(h->address, "10.0.0.1", "address kept");
	check_str(h->site, "ams", "site kept");
	check_tags(h, "pci");
	h = inventory_host(inv, "web2");
	check_str(h->address, "web2", "address");
	assert_int_equal(d.n, 0);
	inventory_free(inv);
	diags_release(&d);
}

/* An export of 100,000 rows loads quickly. */
static void
test_large(void **state)
{
	struct loaded	 l;
	struct buf	 b = BUF_INIT;
	struct timespec	 t0, t1;
	size_t		 i;

	(void)state;
	buf_init(&b, 0, 0);
	buf_adds(&b, "\"name\",\"ip_address\",\"location\",\"os\",\"u_tier\","
	    "\"serial_number\"\r\n");
	for (i = 0; i < 100000; i++)
		buf_addf(&b, "\"h%06zu\",\"10.%zu.%zu.%zu\",\"s%zu\",\"Windows "
		    "Server 2019\",\"%zu - x\",\"SN%zu\"\r\n", i, i >> 16,
		    (i >> 8) & 255, i & 255, i % 20, i % 4, i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	load_text(&l, buf_str(&b), b.len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.inv->nhosts, 100000);
	check_str(host(&l, "h099999")->address, "10.1.134.159", "address");
	print_message("# 100000 CSV rows: %.0f ms\n",
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	unload(&l);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servicenow),
		cmocka_unit_test(test_servicenow_computer),
		cmocka_unit_test(test_excel_semicolon),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_tab),
		cmocka_unit_test(test_native_keys),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_os_and_columns),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
