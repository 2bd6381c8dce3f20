/*
 * Unit tests for the Ansible inventory readers (inventory-ini.c,
 * inventory-ansible-yaml.c) and the model they share (ansible.c): a
 * production-like fleet in both formats with its field values, var
 * precedence and warnings; the INI and YAML forms giving the same hosts;
 * the var mapping; and errors with their exact line, column and message.
 * Run from the top of the tree (fixtures are in tests/data/ansible/).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "ytree.h"

struct fx {
	struct inventory	*inv;
	struct diags		 d;
	int			 rload;
	int			 rfinish;
};

static void
fx_file(struct fx *f, const char *path)
{
	memset(f, 0, sizeof *f);
	f->inv = inventory_new();
	f->rload = inventory_load_file(f->inv, path, INV_FORMAT_AUTO, &f->d);
	f->rfinish = inventory_finish(f->inv, &f->d);
}

static void
fx_textn(struct fx *f, const char *text, size_t len, enum inv_format fmt)
{
	const char	*name;

	name = fmt == INV_FORMAT_ANSIBLE_INI ? "test.ini" : "test.yml";
	memset(f, 0, sizeof *f);
	f->inv = inventory_new();
	f->rload = inventory_load_buffer(f->inv, name, text, len, fmt, &f->d);
	f->rfinish = inventory_finish(f->inv, &f->d);
}

static void
fx_text(struct fx *f, const char *text, enum inv_format fmt)
{
	fx_textn(f, text, strlen(text), fmt);
}

static void
fx_free(struct fx *f)
{
	inventory_free(f->inv);
	diags_release(&f->d);
}

static void
dump_diags(const struct diags *d)
{
	char	*s;
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		s = diag_format(&d->v[i]);
		print_message("# %s\n", s);
		free(s);
	}
}

static void
expect_clean(struct fx *f, size_t nwarnings)
{
	if (f->d.nerrors != 0 || f->d.nwarnings != nwarnings)
		dump_diags(&f->d);
	assert_int_equal(f->d.nerrors, 0);
	assert_int_equal(f->d.nwarnings, nwarnings);
	assert_int_equal(f->rload, 0);
	assert_int_equal(f->rfinish, 0);
}

static struct host *
get_host(struct fx *f, const char *name)
{
	struct host	*h = inventory_host(f->inv, name);

	if (h == NULL)
		fail_msg("no host '%s'", name);
	return h;
}

static void
check_str(const char *got, const char *want)
{
	if (want == NULL) {
		assert_null(got);
		return;
	}
	if (got == NULL)
		fail_msg("got NULL, want '%s'", want);
	assert_string_equal(got, want);
}

static const struct inv_var *
get_var(const struct host *h, const char *name)
{
	size_t	 i;

	for (i = 0; i < h->nvars; i++) {
		if (strcmp(h->vars[i].name, name) == 0)
			return &h->vars[i];
	}
	return NULL;
}

/* The text of var name of h, or NULL when h has no such var. */
static const char *
var_str(const struct host *h, const char *name)
{
	const struct inv_var	*v = get_var(h, name);

	return v != NULL ? ynode_str(v->value) : NULL;
}

static bool
in_group(const struct host *h, const char *group)
{
	size_t	 i;

	for (i = 0; i < h->ngroups; i++) {
		if (strcmp(h->groups[i], group) == 0)
			return true;
	}
	return false;
}

static bool
has_tag(const struct host *h, const char *tag)
{
	size_t	 i;

	for (i = 0; i < h->ntags; i++) {
		if (strcmp(h->tags[i], tag) == 0)
			return true;
	}
	return false;
}

static const struct diag *
find_diag(const struct diags *d, enum diag_level level, const char *sub)
{
	size_t	 i;

	for (i = 0; i < d->n; i++) {
		if (d->v[i].level == level && strstr(d->v[i].msg, sub) != NULL)
			return &d->v[i];
	}
	return NULL;
}

/* Loads text, expects an error at line:col whose message has sub. */
static void
expect_errorn(const char *text, size_t len, enum inv_format fmt,
    unsigned line, unsigned col, const char *sub)
{
	const struct diag	*g;
	struct fx		 f;

	fx_textn(&f, text, len, fmt);
	g = find_diag(&f.d, DIAG_ERROR, sub);
	if (g == NULL || g->line != line || g->col != col) {
		print_message("# input: %s\n# want %u:%u: %s\n", text, line,
		    col, sub);
		dump_diags(&f.d);
	}
	assert_non_null(g);
	assert_int_equal(g->line, line);
	assert_int_equal(g->col, col);
	assert_int_not_equal(f.rload, 0);
	fx_free(&f);
}

static void
expect_error(const char *text, enum inv_format fmt, unsigned line,
    unsigned col, const char *sub)
{
	expect_errorn(text, strlen(text), fmt, line, col, sub);
}

/* What prod.ini and prod.yml both define; nwarn: 1 (the password). */
static void
check_prod(struct fx *f)
{
	struct inv_group	*g;
	struct host		*h;
	const struct diag	*w;

	expect_clean(f, 1);
	w = find_diag(&f->d, DIAG_WARNING, "passwords in inventories are "
	    "not used: 'ansible_password'");
	assert_non_null(w);
	assert_int_equal(f->inv->nhosts, 21);

	/* Ungrouped, host vars only. */
	h = get_host(f, "bastion.example.com");
	check_str(h->address, "203.0.113.10");
	check_str(h->user, "jump");
	assert_int_equal(h->transport, TRANSPORT_SSH);
	assert_int_equal(h->ssh.port, 22);
	check_str(h->ssh.identity, "~/.ssh/ops_ed25519");
	check_str(h->site, NULL);
	assert_int_equal(h->ngroups, 0);
	check_str(var_str(h, "ntp_server"), "pool.ntp.org");
	check_str(var_str(h, "ansible_python_interpreter"),
	    "/usr/bin/python3");
	/* Mapped vars become fields, not vars. */
	assert_null(get_var(h, "ansible_host"));
	assert_null(get_var(h, "ansible_user"));
	assert_null(get_var(h, "ansible_ssh_private_key_file"));

	/*
	 * web01: webservers (depth 1) beats southeast (depth 1) by name for
	 * ansible_user; atlanta (depth 2) beats southeast for ntp_server.
	 */
	h = get_host(f, "web01.example.com");
	check_str(h->address, "web01.example.com");
	check_str(h->user, "www");
	assert_int_equal(h->ssh.port, 22);
	check_str(h->site, "se1");
	assert_int_equal(h->tier, 2);
	check_str(var_str(h, "ntp_server"), "ntp.atl.example.com");
	check_str(var_str(h, "proxy"), "proxy.atl.example.com:3128");
	check_str(var_str(h, "http_port"), "8080");
	assert_null(get_var(h, "lifeboat_site"));
	assert_true(in_group(h, "webservers"));
	assert_true(in_group(h, "atlanta"));
	assert_true(in_group(h, "southeast"));
	assert_true(in_group(h, "se1"));
	assert_false(in_group(h, "raleigh"));

	h = get_host(f, "web07.example.com");
	check_str(var_str(h, "ntp_server"), "ntp.southeast.example.com");
	assert_null(get_var(h, "proxy"));
	assert_true(in_group(h, "raleigh"));

	h = get_host(f, "web-canary.example.com");
	assert_int_equal(h->ssh.port, 2222);
	check_str(h->user, "canary");
	check_str(h->site, NULL);
	check_str(var_str(h, "ntp_server"), "pool.ntp.org");

	/* A host var beats every group. */
	h = get_host(f, "db-a.example.com");
	check_str(h->user, "postgres");
	check_str(h->site, "se1");
	assert_true(in_group(h, "dbservers"));

	h = get_host(f, "db-backup.example.com");
	check_str(h->address, "10.0.9.9");
	check_str(h->user, NULL);
	check_str(var_str(h, "backup_window"), "01:00 03:00");

	h = get_host(f, "win-dc01.example.com");
	assert_int_equal(h->transport, TRANSPORT_WINRM);
	check_str(h->os, "windows");
	check_str(h->address, "10.0.5.10");
	check_str(h->user, "svc_lifeboat@CORP.EXAMPLE.COM");
	assert_int_equal(h->winrm.port, 5986);
	check_str(h->winrm.scheme, "https");
	check_str(h->winrm.auth, "ntlm");
	assert_int_equal(h->winrm.insecure_skip_verify, TRISTATE_TRUE);
	assert_int_equal(h->winrm.allow_unencrypted, TRISTATE_FALSE);
	assert_int_equal(h->tier, 0);
	assert_int_equal(h->ntags, 2);
	assert_true(has_tag(h, "dc"));
	assert_true(has_tag(h, "ad"));
	assert_non_null(get_var(h, "ansible_password"));
	assert_true(get_var(h, "ansible_password")->secret);
	assert_null(get_var(h, "ansible_connection"));
	assert_null(get_var(h, "ansible_winrm_transport"));

	/* WinRM on 5985 with no scheme is http, as Ansible does. */
	h = get_host(f, "win-file01.example.com");
	assert_int_equal(h->winrm.port, 5985);
	check_str(h->winrm.scheme, "http");
	assert_int_equal(h->winrm.allow_unencrypted, TRISTATE_TRUE);
	check_str(h->address, "win-file01.example.com");

	assert_non_null(g = inventory_group(f->inv, "webservers"));
	assert_int_equal(g->nmembers, 13);
	assert_non_null(g = inventory_group(f->inv, "atlanta"));
	assert_int_equal(g->nmembers, 7);
	assert_non_null(g = inventory_group(f->inv, "southeast"));
	assert_int_equal(g->nmembers, 15);
	assert_int_equal(g->nchildren, 2);
	assert_non_null(g = inventory_group(f->inv, "dbservers"));
	assert_int_equal(g->nmembers, 4);
	assert_non_null(g = inventory_group(f->inv, "windows"));
	assert_int_equal(g->nmembers, 3);
	assert_non_null(g = inventory_group(f->inv, "ungrouped"));
	assert_int_equal(g->nmembers, 1);
	assert_true(g->kind & GROUP_BUILTIN);
}

static void
test_prod_ini(void **state)
{
	struct fx		 f;
	const struct diag	*w;

	(void)state;
	fx_file(&f, "tests/data/ansible/prod.ini");
	assert_int_equal(f.inv->sources[0].format, INV_FORMAT_ANSIBLE_INI);
	check_prod(&f);
	w = find_diag(&f.d, DIAG_WARNING, "passwords");
	assert_int_equal(w->line, 50);
	assert_int_equal(w->col, 1);
	fx_free(&f);
}

static void
test_prod_yaml(void **state)
{
	struct fx		 f;
	const struct diag	*w;

	(void)state;
	fx_file(&f, "tests/data/ansible/prod.yml");
	assert_int_equal(f.inv->sources[0].format, INV_FORMAT_ANSIBLE_YAML);
	check_prod(&f);
	w = find_diag(&f.d, DIAG_WARNING, "passwords");
	assert_int_equal(w->line, 62);
	assert_int_equal(w->col, 9);
	fx_free(&f);
}

static void
same_strs(const char **a, size_t na, const char **b, size_t nb)
{
	size_t	 i, j;

	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]) != 0; j++)
			;
		if (j == nb)
			fail_msg("'%s' only on one side", a[i]);
	}
}

static void
same_host(const struct host *a, const struct host *b)
{
	const struct inv_var	*v;
	size_t			 i;

	check_str(a->name, b->name);
	check_str(a->address, b->address);
	check_str(a->user, b->user);
	check_str(a->site, b->site);
	check_str(a->os, b->os);
	check_str(a->description, b->description);
	assert_int_equal(a->tier, b->tier);
	assert_int_equal(a->transport, b->transport);
	assert_int_equal(a->ssh.port, b->ssh.port);
	check_str(a->ssh.identity, b->ssh.identity);
	assert_int_equal(a->winrm.port, b->winrm.port);
	check_str(a->winrm.scheme, b->winrm.scheme);
	check_str(a->winrm.auth, b->winrm.auth);
	assert_int_equal(a->winrm.insecure_skip_verify,
	    b->winrm.insecure_skip_verify);
	assert_int_equal(a->winrm.allow_unencrypted,
	    b->winrm.allow_unencrypted);
	same_strs(a->tags, a->ntags, b->tags, b->ntags);
	same_strs(a->groups, a->ngroups, b->groups, b->ngroups);
	assert_int_equal(a->nvars, b->nvars);
	for (i = 0; i < a->nvars; i++) {
		v = get_var(b, a->vars[i].name);
		if (v == NULL)
			fail_msg("%s: var '%s' only in INI", a->name,
			    a->vars[i].name);
		check_str(ynode_str(a->vars[i].value), ynode_str(v->value));
		assert_int_equal(a->vars[i].secret, v->secret);
	}
}

static void
test_ini_yaml_same(void **state)
{
	struct fx	 ini, yml;
	size_t		 i;

	(void)state;
	fx_file(&ini, "tests/data/ansible/prod.ini");
	fx_file(&yml, "tests/data/ansible/prod.yml");
	assert_int_equal(ini.inv->nhosts, yml.inv->nhosts);
	for (i = 0; i < ini.inv->nhosts; i++)
		same_host(&ini.inv->hosts[i],
		    get_host(&yml, ini.inv->hosts[i].name));
	fx_free(&ini);
	fx_free(&yml);
}

static void
test_precedence(void **state)
{
	struct fx	 f;
	struct host	*h;

	(void)state;
	/* Same depth: the later name wins ... */
	fx_text(&f, "[a]\nh1\n[b]\nh1\n[a:vars]\nx=from_a\n[b:vars]\n"
	    "x=from_b\n", INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	check_str(var_str(get_host(&f, "h1"), "x"), "from_b");
	fx_free(&f);

	/* ... unless ansible_group_priority says otherwise. */
	fx_text(&f, "[a]\nh1\n[b]\nh1\n[a:vars]\nx=from_a\n"
	    "ansible_group_priority=10\n[b:vars]\nx=from_b\n",
	    INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	h = get_host(&f, "h1");
	check_str(var_str(h, "x"), "from_a");
	assert_null(get_var(h, "ansible_group_priority"));
	fx_free(&f);

	/* A child beats its parent, whatever the names; the host beats all. */
	fx_text(&f, "[zparent:children]\nachild\n[achild]\nh1\nh2 x=own\n"
	    "[zparent:vars]\nx=parent\ny=parent\n[achild:vars]\nx=child\n"
	    "[all:vars]\nx=all\ny=all\nz=all\n", INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	h = get_host(&f, "h1");
	check_str(var_str(h, "x"), "child");
	check_str(var_str(h, "y"), "parent");
	check_str(var_str(h, "z"), "all");
	check_str(var_str(get_host(&f, "h2"), "x"), "own");
	fx_free(&f);

	/* Vars of a host named twice: the later wins. */
	fx_text(&f, "[a]\nh1 x=1 y=1\n[b]\nh1 x=2\n", INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	h = get_host(&f, "h1");
	check_str(var_str(h, "x"), "2");
	check_str(var_str(h, "y"), "1");
	assert_true(in_group(h, "a"));
	assert_true(in_group(h, "b"));
	fx_free(&f);
}

static void
test_ungrouped(void **state)
{
	struct inv_group	*g;
	struct fx		 f;

	(void)state;
	fx_text(&f, "h1\n[all]\nh3\n[ungrouped:vars]\nx=u\n[g]\nh2\n"
	    "[ungrouped]\nh2\n", INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	check_str(var_str(get_host(&f, "h1"), "x"), "u");
	check_str(var_str(get_host(&f, "h3"), "x"), "u");
	/* In another group too: not ungrouped, as Ansible reconciles it. */
	assert_null(get_var(get_host(&f, "h2"), "x"));
	assert_non_null(g = inventory_group(f.inv, "ungrouped"));
	assert_false(g->kind & GROUP_EXPLICIT);
	assert_int_equal(g->nmembers, 2);
	fx_free(&f);
}

static void
test_ini_syntax(void **state)
{
	struct fx	 f;
	struct host	*h;

	(void)state;
	fx_text(&f, "h1 a=\"x y\" b='p q' c=x\\ y d=\"'q#1'\" "
	    "f=\"say \\\"hi\\\"\" e=v#gone g=never\n"
	    "[g:vars]\nk = a b c\nn = 42 # c\nq = \"quoted\" # c\n"
	    "s = plain # kept\nt=True ; not a comment\nempty=\n"
	    "[g]\nh2\n", INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	h = get_host(&f, "h1");
	check_str(var_str(h, "a"), "x y");
	check_str(var_str(h, "b"), "p q");
	check_str(var_str(h, "c"), "x y");
	check_str(var_str(h, "d"), "q#1");
	check_str(var_str(h, "e"), "v");
	check_str(var_str(h, "f"), "say \"hi\"");
	assert_null(get_var(h, "g"));
	h = get_host(&f, "h2");
	check_str(var_str(h, "k"), "a b c");
	check_str(var_str(h, "n"), "42");
	check_str(var_str(h, "q"), "quoted");
	check_str(var_str(h, "s"), "plain # kept");
	check_str(var_str(h, "t"), "True ; not a comment");
	check_str(var_str(h, "empty"), "");
	fx_free(&f);

	/* A BOM, CRLF line ends, comments and blank lines. */
	fx_text(&f, "\xef\xbb\xbf# top\r\nh1 x=1\r\n\r\n; semi\r\n[g]\r\n"
	    "  h2  \r\n[g:vars]\r\ny=2\r\n", INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	check_str(var_str(get_host(&f, "h1"), "x"), "1");
	h = get_host(&f, "h2");
	assert_true(in_group(h, "g"));
	check_str(var_str(h, "y"), "2");
	assert_int_equal(h->pos.line, 6);
	assert_int_equal(h->pos.col, 3);
	fx_free(&f);

	/* Section kinds: explicit :hosts, and :children declared later. */
	fx_text(&f, "[p:children]\nc # the child\n[c:hosts]\nh1\n",
	    INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);
	assert_true(in_group(get_host(&f, "h1"), "p"));
	fx_free(&f);
}

static void
test_mapping(void **state)
{
	struct fx	 f;
	struct host	*h;

	(void)state;
	fx_text(&f,
	    "h1 ansible_connection=psrp ansible_psrp_protocol=http "
	    "ansible_port=5985 lifeboat_winrm_allow_unencrypted=yes "
	    "ansible_psrp_auth=kerberos\n"
	    "h2 ansible_shell_type=powershell\n"
	    "h3 ansible_ssh_host=10.0.0.3 ansible_host=10.9.9.9 "
	    "ansible_ssh_port=2022 ansible_port=22 ansible_ssh_user=root "
	    "ansible_user=nobody\n"
	    "h4 ansible_connection=winrm ansible_winrm_host=10.0.0.4 "
	    "ansible_host=1.1.1.1 ansible_ssh_host=2.2.2.2 "
	    "ansible_winrm_scheme=https ansible_winrm_path=/custom "
	    "ansible_winrm_ca_trust_path=/etc/ca.pem "
	    "ansible_winrm_server_cert_validation=validate\n"
	    "h5 ansible_connection=winrm ansible_winrm_transport=credssp,ntlm\n"
	    "h6 lifeboat_transport=sim\n"
	    "h7 lifeboat_ssh_known_hosts=/etc/kh "
	    "lifeboat_description=\"edge router\" ansible_timeout=30 "
	    "lifeboat_os=linux ansible_private_key_file=/k1\n"
	    "h8 ansible_connection=ansible.builtin.ssh lifeboat_ssh_port=2200 "
	    "ansible_port=22 lifeboat_user=admin ansible_user=x\n",
	    INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 0);

	h = get_host(&f, "h1");
	assert_int_equal(h->transport, TRANSPORT_WINRM);
	check_str(h->os, "windows");
	check_str(h->winrm.scheme, "http");
	check_str(h->winrm.auth, "kerberos");
	assert_int_equal(h->winrm.port, 5985);

	h = get_host(&f, "h2");
	assert_int_equal(h->transport, TRANSPORT_SSH);
	check_str(h->os, "windows");
	check_str(var_str(h, "ansible_shell_type"), "powershell");

	/* The ssh plugin's own names win over the generic ones. */
	h = get_host(&f, "h3");
	check_str(h->address, "10.0.0.3");
	assert_int_equal(h->ssh.port, 2022);
	check_str(h->user, "root");

	h = get_host(&f, "h4");
	check_str(h->address, "10.0.0.4");
	check_str(h->winrm.path, "/custom");
	check_str(h->winrm.ca_file, "/etc/ca.pem");
	assert_int_equal(h->winrm.insecure_skip_verify, TRISTATE_FALSE);
	assert_null(get_var(h, "ansible_ssh_host"));

	/* The first transport lifeboat speaks is used. */
	check_str(get_host(&f, "h5")->winrm.auth, "ntlm");

	assert_int_equal(get_host(&f, "h6")->transport, TRANSPORT_SIM);

	h = get_host(&f, "h7");
	check_str(h->ssh.known_hosts, "/etc/kh");
	check_str(h->description, "edge router");
	assert_int_equal(h->ssh.connect_timeout_ms, 30000);
	check_str(h->os, "linux");
	check_str(h->ssh.identity, "/k1");

	/* lifeboat_* vars win over the Ansible ones. */
	h = get_host(&f, "h8");
	assert_int_equal(h->ssh.port, 2200);
	check_str(h->user, "admin");
	fx_free(&f);
}

static void
test_address_from_earlier_source(void **state)
{
	struct fx	 f;
	struct host	*h;
	const char	*one = "h1 ansible_host=10.1.1.1\n";
	const char	*two = "[g]\nh1 ansible_user=u\n";

	(void)state;
	memset(&f, 0, sizeof f);
	f.inv = inventory_new();
	assert_int_equal(inventory_load_buffer(f.inv, "one.ini", one,
	    strlen(one), INV_FORMAT_ANSIBLE_INI, &f.d), 0);
	assert_int_equal(inventory_load_buffer(f.inv, "two.ini", two,
	    strlen(two), INV_FORMAT_ANSIBLE_INI, &f.d), 0);
	assert_int_equal(inventory_finish(f.inv, &f.d), 0);
	h = get_host(&f, "h1");
	check_str(h->address, "10.1.1.1");
	check_str(h->user, "u");
	assert_true(in_group(h, "g"));
	fx_free(&f);
}

static void
test_warnings(void **state)
{
	struct fx		 f;
	const struct diag	*w;

	(void)state;
	fx_text(&f, "[local]\nh[1:3]\n[local:vars]\nansible_connection=local\n"
	    "[nw]\nsw1 ansible_connection=network_cli\n"
	    "[win]\nw1 ansible_winrm_transport=credssp\n"
	    "[win:vars]\nansible_connection=winrm\n"
	    "[pw]\np1 ansible_ssh_pass=x ansible_become_pass=y\n",
	    INV_FORMAT_ANSIBLE_INI);
	expect_clean(&f, 4);
	w = find_diag(&f.d, DIAG_WARNING, "ansible_connection 'local' is not "
	    "supported: host 'h1' and 2 more will be reached over ssh");
	assert_non_null(w);
	assert_int_equal(w->line, 4);
	assert_int_equal(w->col, 20);
	w = find_diag(&f.d, DIAG_WARNING, "ansible_connection 'network_cli' "
	    "is not supported: host 'sw1' will");
	assert_non_null(w);
	assert_int_equal(w->line, 6);
	w = find_diag(&f.d, DIAG_WARNING, "ansible_winrm_transport 'credssp' "
	    "is not supported");
	assert_non_null(w);
	assert_int_equal(w->line, 8);
	assert_int_equal(w->col, 28);
	/* One password warning per source, at the first one. */
	w = find_diag(&f.d, DIAG_WARNING, "'ansible_ssh_pass'");
	assert_non_null(w);
	assert_int_equal(w->line, 12);
	assert_int_equal(w->col, 4);
	assert_int_equal(get_host(&f, "h2")->transport, TRANSPORT_SSH);
	assert_int_equal(get_host(&f, "w1")->transport, TRANSPORT_WINRM);
	fx_free(&f);
}

static void
test_ini_errors(void **state)
{
	const enum inv_format ini = INV_FORMAT_ANSIBLE_INI;

	(void)state;
	expect_error("[web\nh1\n", ini, 1, 1, "section '[web' is not closed");
	expect_error("[web:var]\nh1\n", ini, 1, 6,
	    "unknown section type 'var' in '[web:var]' (did you mean "
	    "'vars'?)");
	expect_error("[web]\nh1 foo\n", ini, 2, 4,
	    "expected key=value after host 'h1', got 'foo'");
	expect_error("[web]\nh1 =x\n", ini, 2, 4, "empty variable name");
	expect_error("[web]\n\"\" x=1\n", ini, 2, 1, "empty host name");
	expect_error("[web]\nweb[1:\n", ini, 2, 4,
	    "bad host range in 'web[1:': unterminated '['");
	expect_error("[web]\n  web[5:1]\n", ini, 2, 9,
	    "range end is before its start");
	expect_error("[web]\nweb[a:3]\n", ini, 2, 7,
	    "mixes letters and digits");
	expect_error("[web]\nweb[1:4:0]\n", ini, 2, 9, "step must be");
	expect_error("[web]\nh1:99999\n", ini, 2, 4,
	    "bad port '99999' in 'h1:99999'");
	expect_error("[web]\nh1:\n", ini, 2, 1,
	    "ends in ':' but gives no port");
	expect_error("[web]\nh1 ansible_port=abc\n", ini, 2, 17,
	    "bad ssh.port 'abc'");
	expect_error("h1\n[web]\nh2 x=\"abc\n", ini, 3, 6,
	    "unterminated double quote");
	expect_error("h1 x=abc\\", ini, 1, 9, "backslash at the end");
	expect_errorn("h1\nh2\0x\n", 7, ini, 2, 3, "NUL byte in inventory");
	expect_error("h1\nh\xff\n", ini, 2, 2, "invalid UTF-8");
	expect_error("[web]\n[web:vars]\nnovalue\n", ini, 3, 1,
	    "expected key=value in [web:vars], got 'novalue'");
	expect_error("[web]\n[web:vars]\n = 1\n", ini, 3, 2,
	    "empty variable name in [web:vars]");
	expect_error("[webs]\nh1\n[web:vars]\nx=1\n", ini, 3, 1,
	    "[web:vars] is for group 'web', which no [web] or "
	    "[web:children] section declares (did you mean 'webs'?)");
	expect_error("[p:children]\nmissing\n", ini, 2, 1,
	    "[p:children] names group 'missing'");
	expect_error("[p:children]\na b\n", ini, 2, 1,
	    "expected a group name in [p:children], got 'a b'");
	expect_error("[web]\nh1 lifeboat_sitee=x\n", ini, 2, 4,
	    "unknown lifeboat var 'lifeboat_sitee' (did you mean "
	    "'lifeboat_site'?)");
	expect_error("[web]\nh1 lifeboat_winrm_alow_unencrypted=1\n", ini, 2,
	    4, "did you mean 'lifeboat_winrm_allow_unencrypted'?");
	expect_error("[web]\nh1 ansible_host=\n", ini, 2, 17,
	    "'ansible_host' is empty");
	expect_error("[web]\nh1 lifeboat_tier=high\n", ini, 2, 18,
	    "bad tier 'high'");
	expect_error("[web]\nh1 lifeboat_os=plan9\n", ini, 2, 16,
	    "unknown os 'plan9'");
	expect_error("[web]\nh1 ansible_connection=winrm "
	    "ansible_winrm_server_cert_validation=maybe\n", ini, 2, 66,
	    "must be 'validate' or 'ignore', not 'maybe'");
	expect_error("[web]\nh1 ansible_winrm_scheme=ftp "
	    "ansible_connection=winrm\n", ini, 2, 25, "winrm.scheme must be");
	expect_error("[we b]\nh1\n", ini, 1, 4, "space in section name");
	expect_error("[web] junk\nh1\n", ini, 1, 7, "unexpected text after");
	expect_error("[]\nh1\n", ini, 1, 2, "empty group name");
	expect_error("[web!]\nh1\n", ini, 1, 1, "invalid group name 'web!'");
	expect_error("[web]\n::1\n", ini, 2, 1,
	    "IPv6 address '::1' cannot be a host name");
	expect_error("[web]\n[2001:db8::1]:22\n", ini, 2, 1,
	    "IPv6 address '2001:db8::1' cannot be a host name");
	expect_error("[web]\nbad@host\n", ini, 2, 1,
	    "invalid host name 'bad@host'");
	expect_error("[web]\n---\n", ini, 2, 1, "'---' is not a host name");
	expect_error("[all:children]\nall\n", ini, 2, 1,
	    "group 'all' cannot be a child of 'all'");
	expect_error("[web]\nh1\n[web:vars]\nansible_group_priority=high\n",
	    ini, 4, 24, "ansible_group_priority must be a whole number");
	expect_error("[web]\nh[0:999][0:9999]\n", ini, 2, 9,
	    "more than 1000000 names");
}

static void
test_ini_giveup(void **state)
{
	struct fx	 f;
	char		*text;
	size_t		 i, n = 0;

	(void)state;
	text = malloc(5000 * 16);
	for (i = 0; i < 5000; i++)
		n += (size_t)sprintf(text + n, "bad@%zu\n", i);
	fx_text(&f, text, INV_FORMAT_ANSIBLE_INI);
	assert_non_null(find_diag(&f.d, DIAG_ERROR, "too many errors"));
	assert_true(f.d.nerrors <= 102);
	fx_free(&f);
	free(text);
}

static void
test_cycle(void **state)
{
	struct fx	 f;

	(void)state;
	/* Reported by inventory_finish(); reading must just terminate. */
	fx_text(&f, "[a:children]\nb\n[b:children]\na\n[a]\nh1\n[a:vars]\n"
	    "x=1\n[b:vars]\ny=2\n", INV_FORMAT_ANSIBLE_INI);
	assert_non_null(find_diag(&f.d, DIAG_ERROR, "contains itself"));
	check_str(var_str(get_host(&f, "h1"), "x"), "1");
	check_str(var_str(get_host(&f, "h1"), "y"), "2");
	fx_free(&f);
}

static void
test_yaml_aliases(void **state)
{
	const struct diag	*g;
	struct fx		 f;

	(void)state;
	/* An alias back to an enclosing group: refused by the YAML reader. */
	fx_text(&f, "all: &x\n  children:\n    b: *x\n",
	    INV_FORMAT_ANSIBLE_YAML);
	assert_int_not_equal(f.rload, 0);
	assert_non_null(g = find_diag(&f.d, DIAG_ERROR,
	    "alias refers to a node that contains it"));
	assert_int_equal(g->line, 3);
	assert_int_equal(g->col, 8);
	fx_free(&f);

	/* A body shared through aliases is read once per group. */
	fx_text(&f, "x: &a {hosts: {h1: {v: 1}}, vars: {k: 1}}\n"
	    "y: &b {children: {c1: *a, c2: *a, c3: *a}}\n"
	    "all:\n  children: {t1: *b, t2: *b, t3: *b}\n",
	    INV_FORMAT_ANSIBLE_YAML);
	expect_clean(&f, 0);
	assert_int_equal(f.inv->nhosts, 1);
	assert_true(in_group(get_host(&f, "h1"), "t3"));
	assert_true(in_group(get_host(&f, "h1"), "c2"));
	check_str(var_str(get_host(&f, "h1"), "k"), "1");
	fx_free(&f);
}

static void
test_yaml_shapes(void **state)
{
	const struct ynode	*v;
	struct fx		 f;
	struct host		*h;

	(void)state;
	fx_text(&f, "all:\n"
	    "  children:\n"
	    "    web:\n"
	    "      hosts: web1\n"
	    "      vars:\n"
	    "        ntp: [ntp1, ntp2]\n"
	    "        limits: { nofile: 4096 }\n"
	    "    empty:\n"
	    "    db:\n"
	    "      hosts:\n"
	    "        db1:\n"
	    "        db[2:3]:5432:\n"
	    "          role: replica\n"
	    "      children: web\n"
	    "    nulls:\n"
	    "      hosts:\n"
	    "      vars:\n"
	    "      children:\n", INV_FORMAT_ANSIBLE_YAML);
	expect_clean(&f, 0);
	h = get_host(&f, "web1");
	v = get_var(h, "ntp")->value;
	assert_int_equal(v->type, YNODE_SEQ);
	assert_int_equal(v->n, 2);
	check_str(ynode_str(v->v[1]), "ntp2");
	v = get_var(h, "limits")->value;
	assert_int_equal(v->type, YNODE_MAP);
	assert_true(in_group(h, "db"));
	h = get_host(&f, "db3");
	assert_int_equal(h->ssh.port, 5432);
	check_str(var_str(h, "role"), "replica");
	assert_null(get_var(h, "ntp"));
	assert_non_null(inventory_group(f.inv, "empty"));
	assert_non_null(inventory_group(f.inv, "nulls"));
	fx_free(&f);
}

static void
test_yaml_errors(void **state)
{
	const enum inv_format y = INV_FORMAT_ANSIBLE_YAML;

	(void)state;
	expect_error("all:\n  hots:\n    h1:\n", y, 2, 3,
	    "unknown key 'hots' in group 'all' (did you mean 'hosts'?)");
	expect_error("all:\n  hosts:\n    - h1\n", y, 3, 5,
	    "hosts of group 'all' must be a mapping, not a list");
	expect_error("all:\n  children:\n    web: [a]\n", y, 3, 10,
	    "group 'web' must be a mapping of hosts, vars and children");
	expect_error("all:\n  hosts:\n    h1:\n      ansible_port: [1, 2]\n",
	    y, 4, 21, "'ansible_port' must be a single value, not a list");
	expect_error("all:\n  hosts:\n    h1:\n    h1:\n", y, 4, 5,
	    "duplicate host 'h1'");
	expect_error("all:\n  vars:\n    a: 1\n    a: 2\n", y, 4, 5,
	    "duplicate var 'a'");
	expect_error("all:\n  hosts:\n    h1: [x]\n", y, 3, 9,
	    "host 'h1' must have a mapping of vars or nothing, not a list");
	expect_error("all:\n  hosts:\n    h1:\n      lifeboat_tir: 1\n", y,
	    4, 7, "unknown lifeboat var 'lifeboat_tir' (did you mean "
	    "'lifeboat_tier'?)");
	expect_error("all:\n  hosts:\n    h1:\n      lifeboat_tags: [[a]]\n",
	    y, 4, 22, "lifeboat_tags must be a list of names");
	expect_error("all:\n  hosts:\n    web[1:]:\n", y, 3, 11,
	    "bad host range in 'web[1:]': range has no end");
	expect_error("all:\n  hosts:\n    h1:0:\n", y, 3, 8, "bad port '0'");
	expect_error("- a\n", y, 1, 1,
	    "an Ansible YAML inventory is a mapping of group names, not a "
	    "list");
	expect_error("plugin: amazon.aws.aws_ec2\nregions: [x]\n", y, 1, 9,
	    "inventory plugin 'amazon.aws.aws_ec2'");
	expect_error("all:\n  children:\n    bad!name:\n", y, 3, 5,
	    "invalid group name 'bad!name'");
	expect_error("all:\n  vars:\n    x: &a [*a]\n  hosts:\n    h1:\n", y,
	    3, 12, "alias refers to a node that contains it");
	expect_error("all:\n  vars:\n    ansible_group_priority: [1]\n", y,
	    3, 29, "ansible_group_priority must be a whole number, not a "
	    "list");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prod_ini),
		cmocka_unit_test(test_prod_yaml),
		cmocka_unit_test(test_ini_yaml_same),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_ungrouped),
		cmocka_unit_test(test_ini_syntax),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_address_from_earlier_source),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_ini_errors),
		cmocka_unit_test(test_ini_giveup),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_yaml_shapes),
		cmocka_unit_test(test_yaml_aliases),
		cmocka_unit_test(test_yaml_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
