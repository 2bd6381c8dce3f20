/*
 * Unit tests for the inventory: the value checks of inventory-value.c
 * (ports, tiers, durations, transports, booleans, operating systems,
 * names, secrets), the native reader (layering of defaults, built-in
 * defaults, groups and the implicit groups, cycles, unknown hosts, backups,
 * the sim block, error messages with their positions), merging several
 * sources, the YAML emitter (a round trip through inventory_emit_yaml())
 * and the JSON shape of a host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "inventory-emit.h"
#include "json.h"
#include "ytree.h"

/* Loads text as a native inventory named name. */
static int
load(struct inventory *inv, const char *name, const char *text,
    struct diags *d)
{
	return inventory_load_buffer(inv, name, text, strlen(text),
	    INV_FORMAT_NATIVE, d);
}

/* Every diagnostic, formatted, one per line. */
static char *
diag_text(const struct diags *d)
{
	struct buf	 b = BUF_INIT;
	char		*s;
	size_t		 i;

	for (i = 0; i < d->n; i++) {
		s = diag_format(&d->v[i]);
		buf_addf(&b, "%s\n", s);
		free(s);
	}
	return buf_detach(&b, NULL);
}

static void
assert_diags(const struct diags *d, const char *want)
{
	char	*s;

	s = diag_text(d);
	assert_string_equal(s, want);
	free(s);
}

/* The host's tags (or groups), joined with commas. */
static void
assert_list(const char *const *v, size_t n, const char *want)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? "," : "", v[i]);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

/* The member host names of a group, in member order. */
static void
assert_members(const struct inventory *inv, const char *group,
    const char *want)
{
	const struct inv_group	*g;
	struct buf		 b = BUF_INIT;
	size_t			 i;

	g = inventory_group(inv, group);
	assert_non_null(g);
	for (i = 0; i < g->nmembers; i++) {
		assert_true(g->members[i] < inv->nhosts);
		if (i > 0)
			assert_true(g->members[i - 1] < g->members[i]);
		buf_addf(&b, "%s%s", i ? "," : "",
		    inv->hosts[g->members[i]].name);
	}
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

/* A var's value as JSON, or "-" when the host has no such var. */
static char *
var_json(const struct host *h, const char *name)
{
	struct json	 j;
	size_t		 i;

	for (i = 0; i < h->nvars; i++) {
		if (strcmp(h->vars[i].name, name) != 0)
			continue;
		json_init(&j, NULL);
		ynode_json(&j, h->vars[i].value);
		return buf_detach(&j.out, NULL);
	}
	return strdup("-");
}

static void
assert_var(const struct host *h, const char *name, const char *want)
{
	char	*s;

	s = var_json(h, name);
	assert_string_equal(s, want);
	free(s);
}

static void
test_parse_port(void **state)
{
	const char	*why = NULL;
	int		 port = -7;

	(void)state;
	assert_int_equal(inv_parse_port("22", &port, &why), 0);
	assert_int_equal(port, 22);
	assert_int_equal(inv_parse_port("1", &port, &why), 0);
	assert_int_equal(port, 1);
	assert_int_equal(inv_parse_port("65535", &port, &why), 0);
	assert_int_equal(port, 65535);
	assert_null(why);
	port = -7;
	assert_int_equal(inv_parse_port("0", &port, &why), -1);
	assert_string_equal(why, "port must be a number from 1 to 65535");
	assert_int_equal(port, -7);
	assert_int_equal(inv_parse_port("65536", &port, &why), -1);
	assert_int_equal(inv_parse_port("22x", &port, &why), -1);
	assert_int_equal(inv_parse_port("x22", &port, &why), -1);
	assert_int_equal(inv_parse_port("", &port, &why), -1);
	assert_int_equal(inv_parse_port(" 22", &port, &why), -1);
	assert_int_equal(inv_parse_port("22 ", &port, &why), -1);
	assert_int_equal(inv_parse_port("-22", &port, &why), -1);
	assert_int_equal(inv_parse_port("2.2", &port, &why), -1);
	assert_int_equal(inv_parse_port("99999999999999999999", &port, &why),
	    -1);
	assert_int_equal(inv_parse_port(NULL, &port, &why), -1);
	assert_int_equal(port, -7);
}

static void
test_parse_tier(void **state)
{
	const char	*why = NULL;
	int		 tier = -7;

	(void)state;
	assert_int_equal(inv_parse_tier("0", &tier, &why), 0);
	assert_int_equal(tier, 0);
	assert_int_equal(inv_parse_tier("99", &tier, &why), 0);
	assert_int_equal(tier, 99);
	assert_null(why);
	assert_int_equal(inv_parse_tier("100", &tier, &why), -1);
	assert_string_equal(why,
	    "tier must be a number from 0 (most critical) to 99");
	assert_int_equal(inv_parse_tier("-1", &tier, &why), -1);
	assert_int_equal(inv_parse_tier("1x", &tier, &why), -1);
	assert_int_equal(inv_parse_tier("", &tier, &why), -1);
	assert_int_equal(tier, 99);
}

/* inv_parse_duration(s) must succeed with ms. */
static void
assert_duration(const char *s, int64_t ms)
{
	const char	*why;
	int64_t		 got = -7;

	assert_int_equal(inv_parse_duration(s, &got, &why), 0);
	assert_int_equal(got, ms);
}

/* inv_parse_duration(s) must fail with reason why, leaving ms alone. */
static void
assert_bad_duration(const char *s, const char *want)
{
	const char	*why = NULL;
	int64_t		 got = -7;

	assert_int_equal(inv_parse_duration(s, &got, &why), -1);
	assert_int_equal(got, -7);
	assert_string_equal(why, want);
}

static void
test_parse_duration(void **state)
{
	const char	*bad = "duration must look like 30s, 5m, 26h or 7d";
	const char	*big = "duration is too long";

	(void)state;
	assert_duration("1h30m", 5400000);
	assert_duration("250ms", 250);
	assert_duration("90", 90000);
	assert_duration("0", 0);
	assert_duration("0s", 0);
	assert_duration("30s", 30000);
	assert_duration("5m", 300000);
	assert_duration("26h", 93600000);
	assert_duration("7d", 604800000);
	assert_duration("1w", 604800000);
	assert_duration("1d2h3m4s5ms", 93784005);
	assert_duration("007s", 7000);
	assert_duration("9223372036854775s", INT64_C(9223372036854775000));
	assert_bad_duration("", bad);
	assert_bad_duration(NULL, bad);
	assert_bad_duration("h", bad);
	assert_bad_duration("5x", bad);
	assert_bad_duration("5S", bad);
	assert_bad_duration("1.5h", bad);
	assert_bad_duration("-5s", bad);
	assert_bad_duration("5 s", bad);
	assert_bad_duration(" 5s", bad);
	assert_bad_duration("1h30", bad);
	assert_bad_duration("1hh", bad);
	assert_bad_duration("s5", bad);
	/* Overflow is caught in the digits, the units and the sum. */
	assert_bad_duration("9223372036854775807", big);
	assert_bad_duration("99999999999999999999s", big);
	assert_bad_duration("9223372036854776s", big);
	assert_duration("15250284452w", INT64_C(9223372036569600000));
	assert_bad_duration("15250284453w", big);
	assert_bad_duration("9223372036854775s1s", big);
}

static void
test_parse_transport_bool(void **state)
{
	enum transport_kind	 t = TRANSPORT_UNSET;
	const char		*why = NULL;

	(void)state;
	assert_int_equal(inv_parse_transport("ssh", &t, &why), 0);
	assert_int_equal(t, TRANSPORT_SSH);
	assert_int_equal(inv_parse_transport("winrm", &t, &why), 0);
	assert_int_equal(t, TRANSPORT_WINRM);
	assert_int_equal(inv_parse_transport("sim", &t, &why), 0);
	assert_int_equal(t, TRANSPORT_SIM);
	assert_null(why);
	assert_int_equal(inv_parse_transport("SSH", &t, &why), -1);
	assert_string_equal(why, "transport must be ssh, winrm or sim");
	assert_int_equal(inv_parse_transport("", &t, &why), -1);
	assert_int_equal(inv_parse_transport("telnet", &t, &why), -1);
	assert_int_equal(inv_parse_transport(NULL, &t, &why), -1);
	assert_int_equal(t, TRANSPORT_SIM);
	assert_string_equal(transport_name(TRANSPORT_WINRM), "winrm");
	assert_string_equal(transport_name(TRANSPORT_UNSET), "-");

	assert_int_equal(inv_parse_bool("true"), 1);
	assert_int_equal(inv_parse_bool("YES"), 1);
	assert_int_equal(inv_parse_bool("On"), 1);
	assert_int_equal(inv_parse_bool("1"), 1);
	assert_int_equal(inv_parse_bool("false"), 0);
	assert_int_equal(inv_parse_bool("No"), 0);
	assert_int_equal(inv_parse_bool("OFF"), 0);
	assert_int_equal(inv_parse_bool("0"), 0);
	assert_int_equal(inv_parse_bool(""), -1);
	assert_int_equal(inv_parse_bool("2"), -1);
	assert_int_equal(inv_parse_bool("truth"), -1);
	assert_int_equal(inv_parse_bool(" true"), -1);
	assert_int_equal(inv_parse_bool(NULL), -1);
}

static void
test_canon_os(void **state)
{
	(void)state;
	assert_string_equal(inv_canon_os("Windows Server 2019 Datacenter"),
	    "windows");
	assert_string_equal(inv_canon_os("Red Hat Enterprise Linux 9"),
	    "linux");
	assert_string_equal(inv_canon_os("Ubuntu 22.04 LTS"), "linux");
	assert_string_equal(inv_canon_os("CentOS 7"), "linux");
	assert_string_equal(inv_canon_os("SLES 15 SP4"), "linux");
	assert_string_equal(inv_canon_os("Mac OS X 10.15"), "macos");
	assert_string_equal(inv_canon_os("FreeBSD 14.0-RELEASE"), "freebsd");
	assert_string_equal(inv_canon_os("SunOS 5.11"), "solaris");
	assert_string_equal(inv_canon_os("IBM AIX 7.2"), "aix");
	/* Canonical names in any case give the canonical spelling. */
	assert_ptr_equal(inv_canon_os("LINUX"), inv_os_names[0]);
	assert_string_equal(inv_canon_os("Windows"), "windows");
	assert_string_equal(inv_canon_os("openbsd"), "openbsd");
	assert_null(inv_canon_os("toaster"));
	assert_null(inv_canon_os(""));
	assert_null(inv_canon_os("plan9"));
	assert_null(inv_canon_os(NULL));
	assert_int_equal(inv_nos_names, 8);
}

static void
test_secret_name(void **state)
{
	(void)state;
	assert_true(inv_secret_name("db_password"));
	assert_true(inv_secret_name("ansible_ssh_pass"));
	assert_true(inv_secret_name("ansible_become_pass"));
	assert_true(inv_secret_name("ansible_password"));
	assert_true(inv_secret_name("token"));
	assert_true(inv_secret_name("GITHUB_TOKEN"));
	assert_true(inv_secret_name("api_key"));
	assert_true(inv_secret_name("ApiKey"));
	assert_true(inv_secret_name("client_secret"));
	assert_true(inv_secret_name("ssh_passphrase"));
	assert_true(inv_secret_name("passwd"));
	assert_true(inv_secret_name("pass"));
	assert_true(inv_secret_name("aws_credentials"));
	/* Where a secret is, is not a secret. */
	assert_false(inv_secret_name("password_file"));
	assert_false(inv_secret_name("password_env"));
	assert_false(inv_secret_name("DB_PASSWORD_FILE"));
	assert_false(inv_secret_name("token_env"));
	assert_false(inv_secret_name("user"));
	assert_false(inv_secret_name("passenger"));
	assert_false(inv_secret_name("compass"));
	assert_false(inv_secret_name("ntp_server"));
	assert_false(inv_secret_name(""));
}

static void
test_valid_name(void **state)
{
	char	 name[300];

	(void)state;
	assert_true(inv_valid_name("web01"));
	assert_true(inv_valid_name("web-01.example_com"));
	assert_true(inv_valid_name("_x"));
	assert_true(inv_valid_name("0"));
	assert_true(inv_valid_name("x-"));
	assert_false(inv_valid_name("-x"));
	assert_false(inv_valid_name(""));
	assert_false(inv_valid_name(NULL));
	assert_false(inv_valid_name("a b"));
	assert_false(inv_valid_name("a/b"));
	assert_false(inv_valid_name("a:b"));
	assert_false(inv_valid_name("caf\xc3\xa9"));
	memset(name, 'a', sizeof name);
	name[253] = '\0';
	assert_true(inv_valid_name(name));
	name[253] = 'a';
	name[254] = '\0';
	assert_false(inv_valid_name(name));
}

static void
test_detect(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	const char		*ans = "all:\n  hosts:\n    h1:\n";

	(void)state;
	/* The name decides first, then the first line that says anything. */
	assert_int_equal(inventory_detect("cmdb.CSV", "[x]", 3),
	    INV_FORMAT_CSV);
	assert_int_equal(inventory_detect("hosts.ini", "a: b", 4),
	    INV_FORMAT_ANSIBLE_INI);
	assert_int_equal(inventory_detect("ansible.cfg", "", 0),
	    INV_FORMAT_ANSIBLE_INI);
	assert_int_equal(inventory_detect("dir.csv/inv.yaml", "[x]", 3),
	    INV_FORMAT_NATIVE);
	assert_int_equal(inventory_detect("hosts", "# c\n\n[web]\nh1\n", 15),
	    INV_FORMAT_ANSIBLE_INI);
	assert_int_equal(inventory_detect("hosts", "\xef\xbb\xbf[web]\n", 9),
	    INV_FORMAT_ANSIBLE_INI);
	assert_int_equal(inventory_detect("hosts", "---\n", 4),
	    INV_FORMAT_NATIVE);
	assert_int_equal(inventory_detect("hosts", "  sites:\n", 9),
	    INV_FORMAT_NATIVE);
	assert_int_equal(inventory_detect("hosts", "name,address\n", 13),
	    INV_FORMAT_CSV);
	assert_int_equal(inventory_detect("hosts", "h1 ansible_port=22\n", 19),
	    INV_FORMAT_ANSIBLE_INI);
	assert_int_equal(inventory_detect("hosts", "h1 a=b,c\n", 9),
	    INV_FORMAT_ANSIBLE_INI);
	assert_int_equal(inventory_detect("hosts", "", 0), INV_FORMAT_NATIVE);
	assert_string_equal(inventory_format_name(INV_FORMAT_NATIVE),
	    "lifeboat");
	assert_string_equal(inventory_format_name(INV_FORMAT_ANSIBLE_YAML),
	    "ansible-yaml");
	assert_string_equal(inventory_format_name(INV_FORMAT_AUTO), "auto");

	/* A .yml file whose top level is Ansible's is read as Ansible's. */
	inv = inventory_new();
	assert_int_equal(inventory_load_buffer(inv, "x.yml", ans, strlen(ans),
	    INV_FORMAT_AUTO, &d), 0);
	assert_int_equal(inv->nsources, 1);
	assert_int_equal(inv->sources[0].format, INV_FORMAT_ANSIBLE_YAML);
	assert_non_null(inventory_host(inv, "h1"));
	inventory_free(inv);
	diags_release(&d);
}

/*
 * Layering: a host's own settings, its site's defaults, the file's
 * defaults, built-in defaults.  The same inventory three ways: defaults
 * last, defaults first (both read as a stream) and in flow style (read as
 * a whole tree).
 */
static const char layer_last[] =
    "hosts:\n"
    "  h1: {address: 10.0.0.1, user: own, vars: {shared: host}}\n"
    "  h2: {address: 10.0.0.2, tags: [own]}\n"
    "sites:\n"
    "  ams:\n"
    "    defaults: {user: siteuser, tags: [site], ssh: {port: 2222},\n"
    "               vars: {shared: site}}\n"
    "    hosts:\n"
    "      a1: {address: 10.1.0.1}\n"
    "      a2: {address: 10.1.0.2, user: mine, ssh: {port: 22022}}\n"
    "  fra:\n"
    "    hosts:\n"
    "      f1: {address: 10.2.0.1, tier: 0}\n"
    "defaults:\n"
    "  user: fileuser\n"
    "  tier: 3\n"
    "  tags: [file]\n"
    "  ssh: {port: 2200, identity: /k}\n"
    "  vars: {ntp: pool, shared: file}\n";

static const char layer_first[] =
    "defaults:\n"
    "  user: fileuser\n"
    "  tier: 3\n"
    "  tags: [file]\n"
    "  ssh: {port: 2200, identity: /k}\n"
    "  vars: {ntp: pool, shared: file}\n"
    "sites:\n"
    "  ams:\n"
    "    hosts:\n"
    "      a1: {address: 10.1.0.1}\n"
    "      a2: {address: 10.1.0.2, user: mine, ssh: {port: 22022}}\n"
    "    defaults: {user: siteuser, tags: [site], ssh: {port: 2222},\n"
    "               vars: {shared: site}}\n"
    "  fra:\n"
    "    hosts:\n"
    "      f1: {address: 10.2.0.1, tier: 0}\n"
    "hosts:\n"
    "  h1: {address: 10.0.0.1, user: own, vars: {shared: host}}\n"
    "  h2: {address: 10.0.0.2, tags: [own]}\n";

static const char layer_flow[] =
    "{\n"
    " hosts: {h1: {address: 10.0.0.1, user: own, vars: {shared: host}},\n"
    "         h2: {address: 10.0.0.2, tags: [own]}},\n"
    " sites: {ams: {defaults: {user: siteuser, tags: [site],\n"
    "                          ssh: {port: 2222}, vars: {shared: site}},\n"
    "               hosts: {a1: {address: 10.1.0.1},\n"
    "                       a2: {address: 10.1.0.2, user: mine,\n"
    "                            ssh: {port: 22022}}}},\n"
    "         fra: {hosts: {f1: {address: 10.2.0.1, tier: 0}}}},\n"
    " defaults: {user: fileuser, tier: 3, tags: [file],\n"
    "            ssh: {port: 2200, identity: /k},\n"
    "            vars: {ntp: pool, shared: file}}\n"
    "}\n";

static void
check_layering(const char *text)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	struct host		*h;

	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml", text, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(inv->nhosts, 5);

	/* Before inventory_finish(): what the file says, nothing more. */
	h = inventory_host(inv, "h1");
	assert_non_null(h);
	assert_string_equal(h->user, "own");
	assert_null(h->site);
	assert_int_equal(h->tier, 3);
	assert_int_equal(h->ssh.port, 2200);
	assert_string_equal(h->ssh.identity, "/k");
	assert_int_equal(h->ssh.connect_timeout_ms, INV_UNSET);
	assert_int_equal(h->transport, TRANSPORT_UNSET);
	assert_list(h->tags, h->ntags, "file");
	assert_var(h, "shared", "\"host\"");
	assert_var(h, "ntp", "\"pool\"");

	h = inventory_host(inv, "h2");
	assert_string_equal(h->user, "fileuser");
	assert_list(h->tags, h->ntags, "own,file");
	assert_var(h, "shared", "\"file\"");

	h = inventory_host(inv, "a1");
	assert_string_equal(h->site, "ams");
	assert_string_equal(h->user, "siteuser");
	assert_int_equal(h->tier, 3);
	assert_int_equal(h->ssh.port, 2222);
	assert_string_equal(h->ssh.identity, "/k");
	assert_list(h->tags, h->ntags, "site,file");
	assert_var(h, "shared", "\"site\"");
	assert_var(h, "ntp", "\"pool\"");

	h = inventory_host(inv, "a2");
	assert_string_equal(h->user, "mine");
	assert_int_equal(h->ssh.port, 22022);
	assert_string_equal(h->address, "10.1.0.2");

	/* The site defaults of ams are not those of fra. */
	h = inventory_host(inv, "f1");
	assert_string_equal(h->site, "fra");
	assert_string_equal(h->user, "fileuser");
	assert_int_equal(h->tier, 0);
	assert_int_equal(h->ssh.port, 2200);
	assert_list(h->tags, h->ntags, "file");
	assert_var(h, "shared", "\"file\"");

	/* Then the built-in defaults fill what is still unset. */
	assert_int_equal(inventory_finish(inv, &d), 0);
	assert_int_equal(d.n, 0);
	h = inventory_host(inv, "h1");
	assert_int_equal(h->transport, TRANSPORT_SSH);
	assert_int_equal(h->ssh.port, 2200);
	assert_int_equal(h->ssh.connect_timeout_ms, 10000);
	assert_int_equal(inventory_site(inv, "ams")->nhosts, 2);
	assert_int_equal(inventory_site(inv, "fra")->nhosts, 1);
	inventory_free(inv);
	diags_release(&d);
}

static void
test_layering(void **state)
{
	(void)state;
	check_layering(layer_last);
	check_layering(layer_first);
	check_layering(layer_flow);
}

static void
test_builtin_defaults(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	struct host		*h;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  s1: {address: a}\n"
	    "  w1: {address: b, transport: winrm}\n"
	    "  w2: {address: c, transport: winrm, os: linux,\n"
	    "       winrm: {scheme: http, allow_unencrypted: true}}\n"
	    "  w3: {address: d, transport: winrm, winrm: {scheme: http}}\n"
	    "  w4: {address: e, transport: winrm, winrm: {port: 8443,\n"
	    "       auth: kerberos, path: /ws, insecure_skip_verify: yes,\n"
	    "       connect_timeout: 5s, operation_timeout: 2m}}\n"
	    "  sim1: {transport: sim}\n"
	    "  nowhere: {user: x}\n"
	    "  win: {address: f, os: Windows Server 2022}\n"
	    "  winssh: {address: g, os: windows, transport: ssh}\n", &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(inventory_finish(inv, &d), LB_ERR_INVALID);
	assert_diags(&d,
	    "t.yml:6:3: error: host 'w3' uses WinRM over plain http: set "
	    "winrm.allow_unencrypted: true (in an Ansible inventory, "
	    "lifeboat_winrm_allow_unencrypted=true) to allow it, or use "
	    "https\n"
	    "t.yml:11:3: error: host 'nowhere' has no address (needed for "
	    "transport ssh)\n");

	h = inventory_host(inv, "s1");
	assert_int_equal(h->transport, TRANSPORT_SSH);
	assert_int_equal(h->ssh.port, 22);
	assert_int_equal(h->ssh.connect_timeout_ms, 10000);
	assert_int_equal(h->ssh.keepalive_ms, 30000);
	assert_int_equal(h->ssh.agent, TRISTATE_TRUE);
	assert_null(h->os);
	assert_null(h->user);
	assert_int_equal(h->tier, INV_UNSET);

	h = inventory_host(inv, "w1");
	assert_int_equal(h->transport, TRANSPORT_WINRM);
	assert_string_equal(h->os, "windows");
	assert_string_equal(h->winrm.scheme, "https");
	assert_int_equal(h->winrm.port, 5986);
	assert_string_equal(h->winrm.path, "/wsman");
	assert_string_equal(h->winrm.auth, "negotiate");
	assert_int_equal(h->winrm.insecure_skip_verify, TRISTATE_FALSE);
	assert_int_equal(h->winrm.allow_unencrypted, TRISTATE_FALSE);
	assert_int_equal(h->winrm.connect_timeout_ms, 10000);
	assert_int_equal(h->winrm.operation_timeout_ms, 60000);

	/* Windows is reached over WinRM unless the host says otherwise. */
	h = inventory_host(inv, "win");
	assert_int_equal(h->transport, TRANSPORT_WINRM);
	assert_int_equal(h->winrm.port, 5986);
	h = inventory_host(inv, "winssh");
	assert_int_equal(h->transport, TRANSPORT_SSH);
	assert_int_equal(h->ssh.port, 22);

	h = inventory_host(inv, "w2");
	assert_string_equal(h->os, "linux");
	assert_string_equal(h->winrm.scheme, "http");
	assert_int_equal(h->winrm.port, 5985);
	assert_int_equal(h->winrm.allow_unencrypted, TRISTATE_TRUE);

	h = inventory_host(inv, "w4");
	assert_int_equal(h->winrm.port, 8443);
	assert_string_equal(h->winrm.auth, "kerberos");
	assert_string_equal(h->winrm.path, "/ws");
	assert_int_equal(h->winrm.insecure_skip_verify, TRISTATE_TRUE);
	assert_int_equal(h->winrm.connect_timeout_ms, 5000);
	assert_int_equal(h->winrm.operation_timeout_ms, 120000);

	h = inventory_host(inv, "sim1");
	assert_int_equal(h->transport, TRANSPORT_SIM);
	assert_null(h->address);
	assert_int_equal(h->sim.latency_ms, 0);
	assert_int_equal(h->sim.jitter_ms, 0);
	assert_true(h->sim.fail_rate == 0.0);
	assert_int_equal(h->sim.unreachable, TRISTATE_FALSE);
	assert_int_equal(h->sim.boot_every_ms, INV_UNSET);
	assert_int_equal(h->sim.nrules, 0);

	/* Finishing twice is a caller's bug. */
	assert_int_equal(inventory_finish(inv, &d), LB_ERR_INTERNAL);
	inventory_free(inv);
	diags_release(&d);
}

static const char groups_text[] =
    "sites:\n"
    "  ams:\n"
    "    hosts:\n"
    "      web1: {address: 1, os: linux, tags: [web, pci]}\n"
    "      dc1: {address: 2, transport: winrm}\n"
    "hosts:\n"
    "  lone: {address: 3}\n"
    "  db1: {address: 4, os: Ubuntu 22.04, tags: db, groups: [backup]}\n"
    "groups:\n"
    "  payments: [web1, db1]\n"
    "  critical: {hosts: [dc1], children: [payments]}\n"
    "  empty: []\n"
    "  outer: {children: [critical, ghost]}\n";

static void
test_groups(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	struct host		*h;
	struct inv_group	*g;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml", groups_text, &d), 0);
	/* Before inventory_finish(): references only. */
	g = inventory_group(inv, "critical");
	assert_non_null(g);
	assert_int_equal(g->nhostrefs, 1);
	assert_string_equal(g->hostrefs[0].name, "dc1");
	assert_int_equal(g->hostrefs[0].pos.line, 11);
	assert_int_equal(g->hostrefs[0].pos.col, 22);
	assert_int_equal(g->nchildren, 1);
	assert_string_equal(g->children[0].name, "payments");
	assert_int_equal(g->nmembers, 0);
	assert_null(inventory_group(inv, "all"));
	assert_int_equal(inventory_finish(inv, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(inv->nhosts, 4);

	/* Explicit groups, children included, members ascending. */
	assert_members(inv, "payments", "web1,db1");
	assert_members(inv, "critical", "web1,dc1,db1");
	assert_members(inv, "outer", "web1,dc1,db1");
	assert_members(inv, "backup", "db1");
	assert_members(inv, "empty", "");
	assert_members(inv, "ghost", "");
	/* Sites, operating systems and tags are groups too. */
	assert_members(inv, "ams", "web1,dc1");
	assert_members(inv, "linux", "web1,db1");
	assert_members(inv, "windows", "dc1");
	assert_members(inv, "web", "web1");
	assert_members(inv, "pci", "web1");
	assert_members(inv, "db", "db1");
	assert_members(inv, "all", "web1,dc1,lone,db1");
	assert_members(inv, "ungrouped", "lone");
	assert_true(inventory_group(inv, "payments")->kind & GROUP_EXPLICIT);
	assert_int_equal(inventory_group(inv, "ams")->kind, GROUP_SITE);
	assert_int_equal(inventory_group(inv, "linux")->kind, GROUP_OS);
	assert_int_equal(inventory_group(inv, "pci")->kind, GROUP_TAG);
	assert_int_equal(inventory_group(inv, "all")->kind, GROUP_BUILTIN);
	assert_int_equal(inventory_group(inv, "ungrouped")->kind,
	    GROUP_BUILTIN);
	assert_null(inventory_group(inv, "nosuch"));

	/* Each host lists its groups sorted, all and ungrouped left out. */
	h = inventory_host(inv, "web1");
	assert_list(h->groups, h->ngroups,
	    "ams,critical,linux,outer,payments,pci,web");
	h = inventory_host(inv, "dc1");
	assert_list(h->groups, h->ngroups, "ams,critical,outer,windows");
	h = inventory_host(inv, "db1");
	assert_string_equal(h->os, "linux");
	assert_list(h->groups, h->ngroups,
	    "backup,critical,db,linux,outer,payments");
	h = inventory_host(inv, "lone");
	assert_int_equal(h->ngroups, 0);
	assert_int_equal(inventory_site(inv, "ams")->nhosts, 2);
	inventory_free(inv);
	diags_release(&d);
}

static void
test_group_cycle(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  h: {address: 1}\n"
	    "  k: {address: 2}\n"
	    "groups:\n"
	    "  a: {hosts: [h], children: [b]}\n"
	    "  b: {children: [c]}\n"
	    "  c: {hosts: [k], children: [a]}\n"
	    "  self: {children: [self]}\n", &d), 0);
	assert_int_equal(inventory_finish(inv, &d), LB_ERR_INVALID);
	assert_diags(&d,
	    "t.yml:7:30: error: group 'c' contains itself through 'a'\n"
	    "t.yml:8:21: error: group 'self' contains itself through "
	    "'self'\n");
	/* The groups are still usable. */
	assert_members(inv, "a", "h,k");
	assert_members(inv, "c", "k");
	assert_members(inv, "self", "");
	inventory_free(inv);
	diags_release(&d);
}

static void
test_group_unknown_host(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  web01: {address: 1}\n"
	    "  db01: {address: 2}\n"
	    "groups:\n"
	    "  g: [web01, web02x, zzzzzz]\n"
	    "  h: {hosts: [DB01]}\n", &d), 0);
	assert_int_equal(inventory_finish(inv, &d), LB_ERR_INVALID);
	assert_diags(&d,
	    "t.yml:5:14: error: group 'g' names unknown host 'web02x' "
	    "(did you mean 'web01'?)\n"
	    "t.yml:5:22: error: group 'g' names unknown host 'zzzzzz'\n"
	    "t.yml:6:15: error: group 'h' names unknown host 'DB01' "
	    "(did you mean 'db01'?)\n");
	assert_members(inv, "g", "web01");
	assert_members(inv, "h", "");
	inventory_free(inv);
	diags_release(&d);
}

static void
test_merge_sources(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	struct host		*h;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "a.yml",
	    "sites:\n"
	    "  ams:\n"
	    "    hosts:\n"
	    "      web1: {address: 10.0.0.1, user: alice, tier: 2,\n"
	    "             tags: [web], vars: {a: 1, b: 2}}\n"
	    "hosts:\n"
	    "  other: {address: 10.9.9.9}\n", &d), 0);
	assert_int_equal(load(inv, "b.yml",
	    "hosts:\n"
	    "  web1: {user: bob, tags: [pci, web], vars: {b: 20, c: 30},\n"
	    "         ssh: {port: 2222}}\n"
	    "  new1: {address: 10.5.5.5}\n"
	    "sites:\n"
	    "  fra:\n"
	    "    hosts:\n"
	    "      other: {address: 10.9.9.10}\n", &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(inv->nsources, 2);
	assert_string_equal(inv->sources[1].path, "b.yml");
	assert_int_equal(inv->sources[1].format, INV_FORMAT_NATIVE);
	assert_int_equal(inv->nhosts, 3);

	/* The later source wins; what it leaves out comes from the earlier. */
	h = inventory_host(inv, "web1");
	assert_string_equal(h->user, "bob");
	assert_string_equal(h->address, "10.0.0.1");
	assert_int_equal(h->tier, 2);
	assert_string_equal(h->site, "ams");
	assert_int_equal(h->ssh.port, 2222);
	/* Tags and vars are combined. */
	assert_list(h->tags, h->ntags, "pci,web");
	assert_int_equal(h->nvars, 3);
	assert_var(h, "a", "1");
	assert_var(h, "b", "20");
	assert_var(h, "c", "30");
	/* The host keeps the place of its first definition. */
	assert_string_equal(h->pos.file, "a.yml");
	assert_int_equal(h->pos.line, 4);
	assert_int_equal(h->pos.col, 7);
	assert_int_equal(h->source, 0);
	/* A host in no site may be given one later. */
	h = inventory_host(inv, "other");
	assert_string_equal(h->site, "fra");
	assert_string_equal(h->address, "10.9.9.10");
	assert_int_equal(inventory_host(inv, "new1")->source, 1);

	/* But a host stands in one site only. */
	assert_int_equal(load(inv, "c.yml",
	    "sites:\n"
	    "  fra:\n"
	    "    hosts:\n"
	    "      web1: {user: carol}\n", &d), LB_ERR_INVALID);
	assert_diags(&d,
	    "c.yml:4:7: error: host 'web1' is in site 'fra' here but in site "
	    "'ams' at a.yml:4:7\n");
	h = inventory_host(inv, "web1");
	assert_string_equal(h->user, "bob");
	assert_string_equal(h->site, "ams");
	assert_int_equal(inventory_finish(inv, &d), 0);
	assert_members(inv, "ams", "web1");
	assert_members(inv, "fra", "other");
	inventory_free(inv);
	diags_release(&d);
}

static void
test_duplicate_host(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  web1: {address: 1}\n"
	    "  web2: {address: 2}\n"
	    "  web1: {address: 3}\n", &d), LB_ERR_INVALID);
	assert_diags(&d, "t.yml:4:3: error: duplicate host 'web1' (first "
	    "defined at t.yml:2:3)\n");
	assert_string_equal(inventory_host(inv, "web1")->address, "1");
	assert_int_equal(inv->nhosts, 2);
	inventory_free(inv);
	diags_release(&d);

	/* In two sites of the same file; read as a stream and as a tree. */
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "sites:\n"
	    "  a: {hosts: {h: {address: 1}}}\n"
	    "  b: {hosts: {h: {address: 2}}}\n", &d), LB_ERR_INVALID);
	assert_diags(&d, "t.yml:3:15: error: duplicate host 'h' (first "
	    "defined at t.yml:2:15)\n");
	assert_string_equal(inventory_host(inv, "h")->site, "a");
	inventory_free(inv);
	diags_release(&d);

	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "{sites: {a: {hosts: {h: {address: 1}}},\n"
	    "         b: {hosts: {h: {address: 2}}}}}\n", &d),
	    LB_ERR_INVALID);
	assert_diags(&d, "t.yml:2:22: error: duplicate host 'h' (first "
	    "defined at t.yml:1:22)\n");
	inventory_free(inv);
	diags_release(&d);
}

static void
test_backups(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	struct host		*h;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  b1:\n"
	    "    address: 1\n"
	    "    backups:\n"
	    "      - {type: restic, repo: /srv/restic, max_age: 26h,\n"
	    "         password_env: RESTIC_PW}\n"
	    "      - {type: file, path: /backup/x.tar.gz}\n"
	    "      - {type: borg, repo: /srv/borg, max_age: 1h30m,\n"
	    "         password_file: /etc/borg.pw}\n"
	    "      - {type: wbadmin, repo: 'E:'}\n"
	    "  bad:\n"
	    "    address: 2\n"
	    "    backups:\n"
	    "      - {repo: /x}\n"
	    "      - {type: file}\n"
	    "      - {type: restic}\n"
	    "      - {type: resitc, repo: /y}\n"
	    "      - {type: borg, repo: /z, max_age: soon}\n"
	    "      - {type: borg, repo: /z, colour: red}\n"
	    "      - just-a-string\n"
	    "  notalist: {address: 3, backups: {type: file}}\n", &d),
	    LB_ERR_INVALID);
	assert_diags(&d,
	    "t.yml:14:9: error: backup has no 'type' (restic, borg, wbadmin "
	    "or file)\n"
	    "t.yml:15:9: error: file backup has no 'path'\n"
	    "t.yml:16:9: error: restic backup has no 'repo'\n"
	    "t.yml:17:16: error: unknown backup type 'resitc' (did you mean "
	    "'restic'?)\n"
	    "t.yml:18:41: error: bad backup max_age 'soon': duration must "
	    "look like 30s, 5m, 26h or 7d\n"
	    "t.yml:19:32: error: unknown key 'colour' in a backup\n"
	    "t.yml:20:9: error: a backup must be a mapping, not a string\n"
	    "t.yml:21:35: error: backups must be a list, not a mapping\n");

	h = inventory_host(inv, "b1");
	assert_int_equal(h->nbackups, 4);
	assert_int_equal(h->backups[0].type, BACKUP_RESTIC);
	assert_string_equal(h->backups[0].repo, "/srv/restic");
	assert_null(h->backups[0].path);
	assert_int_equal(h->backups[0].max_age_ms, 93600000);
	assert_string_equal(h->backups[0].password_env, "RESTIC_PW");
	assert_null(h->backups[0].password_file);
	assert_int_equal(h->backups[0].pos.line, 5);
	assert_int_equal(h->backups[0].pos.col, 9);
	assert_int_equal(h->backups[1].type, BACKUP_FILE);
	assert_string_equal(h->backups[1].path, "/backup/x.tar.gz");
	assert_null(h->backups[1].repo);
	assert_int_equal(h->backups[1].max_age_ms, INV_UNSET);
	assert_int_equal(h->backups[2].type, BACKUP_BORG);
	assert_int_equal(h->backups[2].max_age_ms, 5400000);
	assert_string_equal(h->backups[2].password_file, "/etc/borg.pw");
	assert_int_equal(h->backups[3].type, BACKUP_WBADMIN);
	assert_string_equal(h->backups[3].repo, "E:");
	assert_string_equal(backup_type_name(h->backups[3].type), "wbadmin");
	inventory_free(inv);
	diags_release(&d);
}

static void
test_sim(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	struct host		*h;
	struct sim_rule		*r;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "defaults:\n"
	    "  transport: sim\n"
	    "hosts:\n"
	    "  s1:\n"
	    "    sim:\n"
	    "      latency: 40ms\n"
	    "      jitter: 1s\n"
	    "      fail_rate: 0.25\n"
	    "      unreachable: no\n"
	    "      boot_loop: {up: 8s, every: 1m}\n"
	    "      commands:\n"
	    "        - {match: 'uname*', stdout: \"Linux\\n\", rc: 0}\n"
	    "        - {match: 'false', rc: 1, stderr: nope, delay: 250ms}\n"
	    "  s2: {sim: {fail_rate: 1.5}}\n"
	    "  s3: {sim: {fail_rate: -0.1}}\n"
	    "  s4: {sim: {fail_rate: abc}}\n"
	    "  s5: {sim: {boot_loop: {up: 5s}}}\n"
	    "  s6: {sim: {commands: [{stdout: x}, {match: y, rc: 256},\n"
	    "       {match: z, rc: -1}, {match: w, colour: 1}]}}\n"
	    "  s7: {sim: {boot_loop: {up: 2m, every: 1m}}}\n"
	    "  s8: {sim: {unreachable: maybe, latency: fast, latncy: 1s}}\n"
	    "  s9: {sim: {fail_rate: 0, unreachable: true}}\n"
	    "  s10: {sim: {commands: none}}\n", &d), LB_ERR_INVALID);
	assert_diags(&d,
	    "t.yml:14:25: error: bad sim.fail_rate '1.5': must be a number "
	    "from 0 to 1\n"
	    "t.yml:15:25: error: bad sim.fail_rate '-0.1': must be a number "
	    "from 0 to 1\n"
	    "t.yml:16:25: error: bad sim.fail_rate 'abc': must be a number "
	    "from 0 to 1\n"
	    "t.yml:17:25: error: sim.boot_loop needs both 'up' and 'every'\n"
	    "t.yml:18:25: error: sim command rule has no 'match'\n"
	    "t.yml:18:53: error: bad rc '256': must be 0 to 255\n"
	    "t.yml:19:23: error: bad rc '-1': must be 0 to 255\n"
	    "t.yml:19:39: error: unknown key 'colour' in a sim command rule\n"
	    "t.yml:21:27: error: sim.unreachable must be true or false\n"
	    "t.yml:21:43: error: bad sim.latency 'fast': duration must look "
	    "like 30s, 5m, 26h or 7d\n"
	    "t.yml:21:49: error: unknown key 'latncy' in sim options (did "
	    "you mean 'latency'?)\n"
	    "t.yml:23:25: error: sim commands must be a list, not a string\n");

	h = inventory_host(inv, "s1");
	assert_int_equal(h->transport, TRANSPORT_SIM);
	assert_int_equal(h->sim.latency_ms, 40);
	assert_int_equal(h->sim.jitter_ms, 1000);
	assert_true(h->sim.fail_rate == 0.25);
	assert_int_equal(h->sim.unreachable, TRISTATE_FALSE);
	assert_int_equal(h->sim.boot_up_ms, 8000);
	assert_int_equal(h->sim.boot_every_ms, 60000);
	assert_int_equal(h->sim.nrules, 2);
	r = &h->sim.rules[0];
	assert_string_equal(r->match, "uname*");
	assert_string_equal(r->stdout_text, "Linux\n");
	assert_null(r->stderr_text);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->delay_ms, INV_UNSET);
	r = &h->sim.rules[1];
	assert_string_equal(r->match, "false");
	assert_string_equal(r->stderr_text, "nope");
	assert_int_equal(r->rc, 1);
	assert_int_equal(r->delay_ms, 250);
	h = inventory_host(inv, "s2");
	assert_true(h->sim.fail_rate < 0);
	h = inventory_host(inv, "s9");
	assert_true(h->sim.fail_rate == 0.0);
	assert_int_equal(h->sim.unreachable, TRISTATE_TRUE);

	diags_release(&d);
	assert_int_equal(inventory_finish(inv, &d), LB_ERR_INVALID);
	assert_diags(&d, "t.yml:20:3: error: host 's7': sim.boot_loop up "
	    "time is longer than its period\n");
	assert_true(inventory_host(inv, "s2")->sim.fail_rate == 0.0);
	inventory_free(inv);
	diags_release(&d);
}

static void
test_errors(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  h1: {adress: 1, port: 22}\n"
	    "  h2: {address: 2, ssh: {prot: 22, port: 22x}}\n"
	    "  h3: {address: 3, transport: telnet, os: toaster, tier: 100}\n"
	    "  'bad name': {address: 4}\n"
	    "  h4: {address: 5, os: linx, tags: 'a,b c;d|-e', user: [x]}\n"
	    "  h5: {address: 6, winrm: {scheme: ftp, auth: Basic}}\n"
	    "  h6: [1, 2]\n"
	    "  h7: {address: 7, address: 8}\n"
	    "colour: blue\n", &d), LB_ERR_INVALID);
	assert_diags(&d,
	    "t.yml:10:1: error: unknown key 'colour' in the inventory\n"
	    "t.yml:2:8: error: unknown key 'adress' in a host (did you mean "
	    "'address'?)\n"
	    "t.yml:2:19: error: unknown key 'port' in a host\n"
	    "t.yml:3:26: error: unknown key 'prot' in ssh options (did you "
	    "mean 'port'?)\n"
	    "t.yml:3:42: error: bad ssh.port '22x': port must be a number "
	    "from 1 to 65535\n"
	    "t.yml:4:31: error: bad transport 'telnet': transport must be "
	    "ssh, winrm or sim\n"
	    "t.yml:4:43: error: unknown os 'toaster'\n"
	    "t.yml:4:58: error: bad tier '100': tier must be a number from 0 "
	    "(most critical) to 99\n"
	    "t.yml:5:3: error: invalid host name 'bad name': use letters, "
	    "digits, '-', '_' and '.'\n"
	    "t.yml:6:24: error: unknown os 'linx' (did you mean 'linux'?)\n"
	    "t.yml:6:36: error: invalid tag '-e': use letters, digits, '-', "
	    "'_' and '.'\n"
	    "t.yml:6:56: error: user must be a value, not a list\n"
	    "t.yml:7:36: error: winrm.scheme must be one of: https http "
	    "(not 'ftp')\n"
	    "t.yml:7:47: error: winrm.auth must be one of: negotiate basic "
	    "ntlm kerberos (not 'Basic')\n"
	    "t.yml:8:7: error: host 'h6' must be a mapping, not a list\n"
	    "t.yml:9:20: error: duplicate key 'address' (first at line 9, "
	    "column 8)\n");
	assert_list(inventory_host(inv, "h4")->tags,
	    inventory_host(inv, "h4")->ntags, "a,b,c,d");
	assert_null(inventory_host(inv, "bad name"));
	assert_null(inventory_host(inv, "h6"));
	assert_string_equal(inventory_host(inv, "h7")->address, "8");
	inventory_free(inv);
	diags_release(&d);

	/* A syntax error stops the file, with its position. */
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml", "hosts:\n  h1: {address: 1\n",
	    &d), LB_ERR_INVALID);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 3);
	assert_int_equal(inv->nhosts, 0);
	inventory_free(inv);
	diags_release(&d);

	/* The top level must be a mapping. */
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml", "- a\n- b\n", &d),
	    LB_ERR_INVALID);
	assert_diags(&d, "t.yml:1:1: error: an inventory must be a mapping "
	    "with sites, hosts, groups and defaults, not a list\n");
	inventory_free(inv);
	diags_release(&d);
}

/* Compares what two inventories say about host name. */
static void
assert_same_host(const struct inventory *a, const struct inventory *b,
    const char *name)
{
	const struct host	*x, *y;
	char			*vx, *vy;
	size_t			 i;

#define SAME_STR(f)	do {						\
	if (x->f == NULL)						\
		assert_null(y->f);					\
	else {								\
		assert_non_null(y->f);					\
		assert_string_equal(x->f, y->f);			\
	}								\
} while (0)
#define SAME_NUM(f)	assert_int_equal(x->f, y->f)

	x = inventory_host(a, name);
	y = inventory_host(b, name);
	assert_non_null(x);
	assert_non_null(y);
	SAME_STR(name);
	SAME_STR(address);
	SAME_STR(user);
	SAME_STR(site);
	SAME_STR(os);
	SAME_STR(description);
	SAME_NUM(tier);
	SAME_NUM(transport);
	if (x->transport != TRANSPORT_WINRM) {
		SAME_NUM(ssh.port);
		SAME_STR(ssh.identity);
		SAME_STR(ssh.known_hosts);
		SAME_STR(ssh.password_env);
		SAME_STR(ssh.password_file);
		SAME_STR(ssh.passphrase_env);
		SAME_STR(ssh.passphrase_file);
		SAME_NUM(ssh.connect_timeout_ms);
		SAME_NUM(ssh.keepalive_ms);
		SAME_NUM(ssh.agent);
	} else {
		SAME_NUM(winrm.port);
		SAME_STR(winrm.scheme);
		SAME_STR(winrm.path);
		SAME_STR(winrm.auth);
		SAME_STR(winrm.password_env);
		SAME_STR(winrm.password_file);
		SAME_STR(winrm.ca_file);
		SAME_NUM(winrm.insecure_skip_verify);
		SAME_NUM(winrm.allow_unencrypted);
		SAME_NUM(winrm.connect_timeout_ms);
		SAME_NUM(winrm.operation_timeout_ms);
	}
	if (x->transport == TRANSPORT_SIM) {
		SAME_NUM(sim.latency_ms);
		SAME_NUM(sim.jitter_ms);
		assert_true(x->sim.fail_rate == y->sim.fail_rate);
		SAME_NUM(sim.unreachable);
		SAME_NUM(sim.boot_up_ms);
		SAME_NUM(sim.boot_every_ms);
		SAME_NUM(sim.nrules);
		for (i = 0; i < x->sim.nrules; i++) {
			SAME_STR(sim.rules[i].match);
			SAME_STR(sim.rules[i].stdout_text);
			SAME_STR(sim.rules[i].stderr_text);
			SAME_NUM(sim.rules[i].rc);
			SAME_NUM(sim.rules[i].delay_ms);
		}
	}
	SAME_NUM(ntags);
	for (i = 0; i < x->ntags; i++)
		assert_string_equal(x->tags[i], y->tags[i]);
	SAME_NUM(nbackups);
	for (i = 0; i < x->nbackups; i++) {
		SAME_NUM(backups[i].type);
		SAME_STR(backups[i].repo);
		SAME_STR(backups[i].path);
		SAME_NUM(backups[i].max_age_ms);
		SAME_STR(backups[i].password_env);
		SAME_STR(backups[i].password_file);
	}
	/* Secret vars are left out of the output; the others match. */
	for (i = 0; i < x->nvars; i++) {
		vx = var_json(x, x->vars[i].name);
		vy = var_json(y, x->vars[i].name);
		if (x->vars[i].secret)
			assert_string_equal(vy, "-");
		else
			assert_string_equal(vx, vy);
		free(vx);
		free(vy);
	}
	for (i = 0; i < y->nvars; i++) {
		vx = var_json(x, y->vars[i].name);
		assert_string_not_equal(vx, "-");
		free(vx);
	}
#undef SAME_STR
#undef SAME_NUM
}

static const char roundtrip_text[] =
    "defaults:\n"
    "  user: ops\n"
    "  vars: {ntp: pool.ntp.org}\n"
    "sites:\n"
    "  ams:\n"
    "    description: \"Amsterdam: DC1, it's \\\"main\\\"\"\n"
    "    defaults: {tags: [ams-tag], ssh: {port: 2222}}\n"
    "    hosts:\n"
    "      web1: {address: 10.0.0.1, os: linux, tier: 2, tags: [web, pci],\n"
    "             description: '# not a comment',\n"
    "             ssh: {identity: ~/.ssh/id, known_hosts: /kh,\n"
    "                   connect_timeout: 1500ms, keepalive: 1m,\n"
    "                   agent: false, password_env: PW},\n"
    "             backups: [{type: restic, repo: /r, max_age: 26h,\n"
    "                        password_file: /pw},\n"
    "                       {type: file, path: /b.tgz}],\n"
    "             vars: {list: [1, two, {k: v}], s: '123', b: yes,\n"
    "                    n: ~, db_password: hunter2}}\n"
    "      dc1: {address: 10.0.0.2, transport: winrm, user: 'yes',\n"
    "            winrm: {scheme: http, allow_unencrypted: true,\n"
    "                    port: 5985, auth: ntlm, ca_file: /ca.pem,\n"
    "                    operation_timeout: 90s}}\n"
    "  fra:\n"
    "    hosts:\n"
    "      f1: {address: 'fe80::1', tier: 0}\n"
    "      s1: {transport: sim, sim: {latency: 40ms, jitter: 5ms,\n"
    "           fail_rate: 0.125, unreachable: false,\n"
    "           boot_loop: {up: 8s, every: 1m},\n"
    "           commands: [{match: 'uname*', stdout: \"Linux\\n\"},\n"
    "                      {match: 'false', stderr: 'no: \"x\"', rc: 3,\n"
    "                       delay: 250ms}]}}\n"
    "hosts:\n"
    "  lone: {address: lone.example.com, user: '22', groups: [extra]}\n"
    "groups:\n"
    "  payments: [web1, f1]\n"
    "  critical: {hosts: [dc1], children: [payments]}\n"
    "  parent: {children: [critical]}\n";

static void
test_emit_roundtrip(void **state)
{
	struct inventory	*a, *b;
	struct diags		 d = DIAGS_INIT;
	struct inv_group	*ga, *gb;
	char			*text = NULL;
	size_t			 len = 0, i, j;
	FILE			*fp;

	(void)state;
	a = inventory_new();
	assert_int_equal(load(a, "t.yml", roundtrip_text, &d), 0);
	assert_int_equal(d.n, 0);
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	assert_int_equal(inventory_emit_yaml(a, fp, "imported from t.yml",
	    &d), 0);
	fclose(fp);
	/* The secret var is left out, with a warning. */
	assert_diags(&d, "t.yml:9:7: warning: host 'web1': var "
	    "'db_password' holds a secret and is not imported; use "
	    "password_env or password_file\n");
	assert_null(strstr(text, "hunter2"));
	assert_int_equal(strncmp(text, "# imported from t.yml\n", 22), 0);
	/* Strings that would read as other types stay strings. */
	assert_non_null(strstr(text, "user: \"yes\""));
	assert_non_null(strstr(text, "user: \"22\""));
	diags_release(&d);

	b = inventory_new();
	assert_int_equal(load(b, "out.yml", text, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(b->nhosts, a->nhosts);
	for (i = 0; i < a->nhosts; i++)
		assert_same_host(a, b, a->hosts[i].name);
	assert_int_equal(b->nsites, 2);
	assert_string_equal(inventory_site(b, "ams")->description,
	    "Amsterdam: DC1, it's \"main\"");
	assert_null(inventory_site(b, "fra")->description);
	/* The explicit groups, with their references in order. */
	for (i = 0; i < a->ngroups; i++) {
		ga = &a->groups[i];
		gb = inventory_group(b, ga->name);
		assert_non_null(gb);
		assert_int_equal(gb->kind, ga->kind);
		assert_int_equal(gb->nhostrefs, ga->nhostrefs);
		for (j = 0; j < ga->nhostrefs; j++)
			assert_string_equal(gb->hostrefs[j].name,
			    ga->hostrefs[j].name);
		assert_int_equal(gb->nchildren, ga->nchildren);
		for (j = 0; j < ga->nchildren; j++)
			assert_string_equal(gb->children[j].name,
			    ga->children[j].name);
	}
	assert_int_equal(b->ngroups, a->ngroups);
	assert_int_equal(a->ngroups, 4);

	/* Both finish the same way. */
	assert_int_equal(inventory_finish(a, &d), 0);
	assert_int_equal(inventory_finish(b, &d), 0);
	assert_int_equal(d.n, 0);
	assert_members(b, "parent", "web1,dc1,f1");
	assert_members(b, "extra", "lone");
	assert_int_equal(inventory_host(b, "web1")->ssh.connect_timeout_ms,
	    1500);
	assert_string_equal(inventory_host(b, "s1")->sim.rules[1].stderr_text,
	    "no: \"x\"");
	assert_int_equal(inventory_host(b, "s1")->sim.boot_up_ms, 8000);
	inventory_free(a);
	inventory_free(b);
	free(text);
	diags_release(&d);
}

/* inventory_host_json() of host name must be exactly want. */
static void
assert_host_json(const struct inventory *inv, const char *name,
    const char *want)
{
	struct json	 j;

	json_init(&j, NULL);
	inventory_host_json(&j, inventory_host(inv, name));
	assert_int_equal(json_finish(&j), 0);
	assert_string_equal(buf_str(&j.out), want);
	json_release(&j);
}

static void
test_host_json(void **state)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;

	(void)state;
	inv = inventory_new();
	assert_int_equal(load(inv, "t.yml",
	    "hosts:\n"
	    "  h1: {address: 10.0.0.1, user: root, tier: 1, tags: [web],\n"
	    "       vars: {a: 1, b: 'two', db_password: hunter2,\n"
	    "              l: [true, null, -7]}}\n"
	    "  w1: {address: w.example, transport: winrm,\n"
	    "       description: \"x\\ty\",\n"
	    "       backups: [{type: wbadmin, repo: 'E:', max_age: 26h}]}\n"
	    "sites:\n"
	    "  lab:\n"
	    "    hosts:\n"
	    "      s1: {transport: sim, os: linux, sim: {latency: 40ms,\n"
	    "           fail_rate: 0.5, boot_loop: {up: 8s, every: 1m},\n"
	    "           commands: [{match: 'ls*', stdout: ok}]}}\n", &d), 0);
	assert_int_equal(inventory_finish(inv, &d), 0);
	assert_int_equal(d.n, 0);
	assert_host_json(inv, "h1",
	    "{\"name\":\"h1\",\"site\":null,\"address\":\"10.0.0.1\","
	    "\"port\":22,\"user\":\"root\",\"transport\":\"ssh\","
	    "\"os\":null,\"tier\":1,\"description\":null,"
	    "\"tags\":[\"web\"],\"groups\":[\"web\"],"
	    "\"vars\":{\"a\":1,\"b\":\"two\",\"db_password\":\"********\","
	    "\"l\":[true,null,-7]},"
	    "\"backups\":[],"
	    "\"ssh\":{\"identity\":null,\"known_hosts\":null,"
	    "\"password_env\":null,\"password_file\":null,"
	    "\"passphrase_env\":null,\"passphrase_file\":null,"
	    "\"connect_timeout_ms\":10000,\"keepalive_ms\":30000,"
	    "\"agent\":true},"
	    "\"source\":{\"file\":\"t.yml\",\"line\":2,\"column\":3}}");
	assert_host_json(inv, "w1",
	    "{\"name\":\"w1\",\"site\":null,\"address\":\"w.example\","
	    "\"port\":5986,\"user\":null,\"transport\":\"winrm\","
	    "\"os\":\"windows\",\"tier\":null,\"description\":\"x\\ty\","
	    "\"tags\":[],\"groups\":[\"windows\"],\"vars\":{},"
	    "\"backups\":[{\"type\":\"wbadmin\",\"repo\":\"E:\","
	    "\"path\":null,\"max_age_ms\":93600000,\"password_env\":null,"
	    "\"password_file\":null}],"
	    "\"winrm\":{\"scheme\":\"https\",\"path\":\"/wsman\","
	    "\"auth\":\"negotiate\",\"password_env\":null,"
	    "\"password_file\":null,\"ca_file\":null,"
	    "\"insecure_skip_verify\":false,\"allow_unencrypted\":false,"
	    "\"connect_timeout_ms\":10000,\"operation_timeout_ms\":60000},"
	    "\"source\":{\"file\":\"t.yml\",\"line\":5,\"column\":3}}");
	assert_host_json(inv, "s1",
	    "{\"name\":\"s1\",\"site\":\"lab\",\"address\":null,"
	    "\"port\":null,\"user\":null,\"transport\":\"sim\","
	    "\"os\":\"linux\",\"tier\":null,\"description\":null,"
	    "\"tags\":[],\"groups\":[\"lab\",\"linux\"],\"vars\":{},"
	    "\"backups\":[],"
	    "\"sim\":{\"latency_ms\":40,\"jitter_ms\":0,\"fail_rate\":0.5,"
	    "\"unreachable\":false,"
	    "\"boot_loop\":{\"up_ms\":8000,\"every_ms\":60000},"
	    "\"commands\":[{\"match\":\"ls*\",\"stdout\":\"ok\","
	    "\"stderr\":null,\"rc\":0,\"delay_ms\":null}]},"
	    "\"source\":{\"file\":\"t.yml\",\"line\":11,\"column\":7}}");
	inventory_free(inv);
	diags_release(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_tier),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_transport_bool),
		cmocka_unit_test(test_canon_os),
		cmocka_unit_test(test_secret_name),
		cmocka_unit_test(test_valid_name),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_layering),
		cmocka_unit_test(test_builtin_defaults),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_group_cycle),
		cmocka_unit_test(test_group_unknown_host),
		cmocka_unit_test(test_merge_sources),
		cmocka_unit_test(test_duplicate_host),
		cmocka_unit_test(test_backups),
		cmocka_unit_test(test_sim),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_emit_roundtrip),
		cmocka_unit_test(test_host_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
