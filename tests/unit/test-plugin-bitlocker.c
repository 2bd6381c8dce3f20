/*
 * Unit tests for plugins/bitlocker.c, loaded from build/plugins as
 * lifeboat loads it: the key source "host" (its script holds the three
 * ways with every value a quoted word; its reader over replies as
 * Windows writes them, from tests/data/bitlocker: Get-BitLockerVolume
 * as an array and as one object, enums as numbers and as names, the
 * Win32_EncryptableVolume table, manage-bde with TPM and external keys
 * to skip, CRLF and LF, a byte order mark, garbage, output cut at every
 * byte, no BitLocker at all), and the action "bitlocker" (its checks,
 * a script that never asks for a password, and the escrow verdict).
 * No reason may ever hold a recovery password.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lifeboat/keysource.h>

#include "buf.h"
#include "errors.h"
#include "plugin.h"
#include "xmalloc.h"

#define MAXKEYS	16

static struct plugin			*act;
static void				*so;
static const struct lb_keysource	*ks;

static const struct lb_facts ps = { "w", "windows", "lab", -1,
				    LB_SHELL_POWERSHELL };
static const struct lb_facts sh = { "h", "linux", "", -1, LB_SHELL_SH };

/* Every recovery password in the fixtures: none may be in a reason. */
static const char *const passwords[] = {
	"123915-625218-602910-100716-346984-130779-612062-085217",
	"321860-089188-571923-071489-318747-067155-192005-417549",
	"616495-452925-671297-653389-521323-432201-358171-259182",
	"134937-389191-683551-093709-087472-446380-642521-410322",
	"357005-573683-563662-715858-116171-239855-647625-579084",
	"620719-401423-598763-517264-548515-332695-217591-119636",
	"466895-217492-569250-069608-104434-135707-527241-083622",
	"444763-260568-148577-270864-536910-140470-090519-085932",
	NULL
};

static const char *
plugdir(void)
{
	const char	*p = getenv("LIFEBOAT_PLUGIN_PATH");

	return p != NULL ? p : "build/plugins";
}

static int
setup(void **state)
{
	char			 path[PATH_MAX], why[256];
	lb_keysource_fn		*fn;

	(void)state;
	if (plugin_load("bitlocker", plugdir(), &act, why, sizeof why) != 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	snprintf(path, sizeof path, "%s/bitlocker.so", plugdir());
	if ((so = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "%s\n", dlerror());
		return -1;
	}
	*(void **)&fn = dlsym(so, LB_KEYSOURCE_SYMBOL);
	if (fn == NULL || (ks = fn()) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	plugin_unload(act);
	dlclose(so);
	return 0;
}

/* A fixture's bytes; *len its length. */
static char *
fixture(const char *name, size_t *len)
{
	const char	*dir = getenv("LB_BITLOCKER_DATA");
	char		 path[PATH_MAX];
	char		*data;
	FILE		*f;
	long		 n;

	snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir :
	    "tests/data/bitlocker", name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot open '%s'", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	data = xmalloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	data[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return data;
}

/* What build() wrote: text as it is, words in single quotes. */
struct script {
	struct buf	 b;
	char		 words[8][128];
	size_t		 nwords;
};

static int
sc_text(void *ctx, const char *s)
{
	struct script	*sc = ctx;

	return buf_adds(&sc->b, s) == 0 ? 0 : -1;
}

static int
sc_word(void *ctx, const char *s)
{
	struct script	*sc = ctx;

	if (sc->nwords < 8)
		snprintf(sc->words[sc->nwords++], 128, "%s", s);
	return buf_addc(&sc->b, '\'') == 0 && buf_adds(&sc->b, s) == 0 &&
	    buf_addc(&sc->b, '\'') == 0 ? 0 : -1;
}

static int
sc_never(void *ctx, const char *a, const char *b)
{
	(void)ctx;
	(void)a;
	(void)b;
	fail_msg("build() set a value");
	return -1;
}

static int
sc_fail(void *ctx, const char *s)
{
	(void)ctx;
	(void)s;
	fail_msg("build() failed through out");
	return -1;
}

/* The keys parse() handed over. */
struct got {
	struct lb_ks_key	 k[MAXKEYS];
	size_t			 n;
	int			 refuse;	/* answer -1 to every key */
};

static int
got_key(void *ctx, const struct lb_ks_key *k)
{
	struct got	*g = ctx;

	if (g->refuse)
		return -1;
	if (g->n == MAXKEYS)
		fail_msg("too many keys");
	g->k[g->n].volume = xstrdup(k->volume);
	g->k[g->n].protector_id = xstrdup(k->protector_id);
	g->k[g->n].password = xstrdup(k->password);
	g->k[g->n].created = xstrdup(k->created);
	g->n++;
	return 0;
}

static void
got_release(struct got *g)
{
	size_t	 i;

	for (i = 0; i < g->n; i++) {
		free((char *)g->k[i].volume);
		free((char *)g->k[i].protector_id);
		free((char *)g->k[i].password);
		free((char *)g->k[i].created);
	}
	g->n = 0;
}

static void
no_password_in(const char *why)
{
	size_t	 i;

	for (i = 0; passwords[i] != NULL; i++) {
		/* Not even one group. */
		if (strstr(why, passwords[i]) != NULL ||
		    strstr(why, passwords[i] + 14) != NULL)
			fail_msg("a password in '%s'", why);
	}
}

/* parse() over out[0..len) with rc and err. */
static enum lb_ks_status
ksparse(const char *out, size_t len, int rc, const char *err,
    struct got *g, char *why, size_t whylen)
{
	struct lb_reply		 r = { rc, out, len, err, strlen(err) };
	struct lb_ks_emit	 e = { g, got_key };
	enum lb_ks_status	 st;

	why[0] = '\0';
	st = ks->parse(&ps, &r, &e, why, whylen);
	no_password_in(why);
	return st;
}

/* parse() over a fixture, exit 0. */
static enum lb_ks_status
ksfile(const char *name, struct got *g, char *why, size_t whylen)
{
	enum lb_ks_status	 st;
	size_t			 len;
	char			*data = fixture(name, &len);

	st = ksparse(data, len, 0, "", g, why, whylen);
	free(data);
	return st;
}

static void
key_is(const struct got *g, size_t i, const char *vol, const char *id,
    const char *pw)
{
	assert_true(i < g->n);
	assert_string_equal(g->k[i].volume, vol);
	assert_string_equal(g->k[i].protector_id, id);
	assert_string_equal(g->k[i].password, pw);
	assert_string_equal(g->k[i].created, "");
}

static void
test_descriptors(void **state)
{
	const struct lb_plugin	*d = plugin_desc(act);

	(void)state;
	assert_int_equal(ks->abi, LB_KEYSOURCE_ABI);
	assert_string_equal(ks->name, "host");
	assert_non_null(ks->build);
	assert_non_null(ks->parse);
	assert_null(ks->open);
	assert_null(ks->fetch);
	assert_null(ks->close);
	assert_non_null(ks->keys);
	assert_null(ks->keys[0]);
	assert_true(ks->concurrency > 0);
	assert_string_equal(d->name, "bitlocker");
	assert_string_equal(d->keys[0], "escrowed");
	assert_null(d->keys[1]);
}

static void
test_ks_build(void **state)
{
	struct script	 sc = { BUF_INIT, { { 0 } }, 0 };
	struct lb_out	 o = { &sc, sc_text, sc_word, sc_never, sc_fail };
	char		 why[256];
	const char	*s;

	(void)state;
	assert_int_equal(ks->build(&ps, &o, why, sizeof why), 0);
	s = sc.b.data;
	assert_true(strncmp(s, "# lifeboat bitlocker keys", 25) == 0);
	assert_non_null(strstr(s, "Get-BitLockerVolume -ErrorAction Stop |\n"
	    "\t\t    ConvertTo-Json -Depth 4"));
	assert_non_null(strstr(s, "Get-CimInstance -Namespace $lbNs "
	    "-ClassName $lbClass"));
	assert_non_null(strstr(s, "GetKeyProtectors"));
	assert_non_null(strstr(s, "KeyProtectorType = [uint32]3"));
	assert_non_null(strstr(s, "GetKeyProtectorNumericalPassword"));
	assert_non_null(strstr(s, "manage-bde.exe -protectors -get $d "
	    "-type RecoveryPassword"));
	assert_non_null(strstr(s, "exit 3\n"));
	/* Values are words, in this order; markers print only once the
	 * method has worked (after its output is in hand). */
	assert_int_equal(sc.nwords, 5);
	assert_string_equal(sc.words[0],
	    "root/CIMV2/Security/MicrosoftVolumeEncryption");
	assert_string_equal(sc.words[1], "Win32_EncryptableVolume");
	assert_string_equal(sc.words[2], "#lifeboat-bitlocker json");
	assert_string_equal(sc.words[3], "#lifeboat-bitlocker cim");
	assert_string_equal(sc.words[4], "#lifeboat-bitlocker manage-bde");
	assert_non_null(strstr(s, "$lbNs = "
	    "'root/CIMV2/Security/MicrosoftVolumeEncryption'\n"));
	assert_true(strstr(s, "ConvertTo-Json -Depth 4\n\t\t"
	    "'#lifeboat-bitlocker json'\n\t\t$j\n") != NULL);
	assert_true(strstr(s, "Get-BitLockerVolume") <
	    strstr(s, "Get-CimInstance"));
	assert_true(strstr(s, "Get-CimInstance") <
	    strstr(s, "& manage-bde.exe"));
	assert_null(strstr(s, "@@"));
	assert_null(strstr(s, "%HEAD%"));
	assert_null(strstr(s, "%FAIL%"));
	buf_release(&sc.b);

	sc = (struct script){ BUF_INIT, { { 0 } }, 0 };
	assert_int_equal(ks->build(&sh, &o, why, sizeof why), -1);
	assert_string_equal(why, "bitlocker keys are read from windows hosts "
	    "only");
	buf_release(&sc.b);
}

static void
test_json_array(void **state)
{
	struct got	 g = { .n = 0 };
	char		 why[256];

	(void)state;
	assert_int_equal(ksfile("json-array.out", &g, why, sizeof why),
	    LB_KS_OK);
	assert_int_equal(g.n, 2);
	key_is(&g, 0, "C:", "{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}",
	    passwords[0]);
	key_is(&g, 1, "D:", "{1E27A1C0-8A6A-43EC-A4ED-E6A46B4CB242}",
	    passwords[1]);
	got_release(&g);
}

static void
test_json_single_and_names(void **state)
{
	struct got	 g = { .n = 0 };
	char		 why[256];

	(void)state;
	assert_int_equal(ksfile("json-single.out", &g, why, sizeof why),
	    LB_KS_OK);
	assert_int_equal(g.n, 1);
	key_is(&g, 0, "C:", "{14F4733F-3E7D-4BFB-87A2-EA20B2F14C94}",
	    passwords[2]);
	got_release(&g);

	assert_int_equal(ksfile("json-names.out", &g, why, sizeof why),
	    LB_KS_OK);
	assert_int_equal(g.n, 1);
	key_is(&g, 0, "C:", "{AB2CD31E-E315-4288-A2C3-3A4FB774EB52}",
	    passwords[3]);
	got_release(&g);
}

static void
test_cim(void **state)
{
	struct got	 g = { .n = 0 };
	char		 why[256];

	(void)state;
	assert_int_equal(ksfile("cim.out", &g, why, sizeof why), LB_KS_OK);
	assert_int_equal(g.n, 2);
	key_is(&g, 0, "C:", "{230D977E-E225-4159-8720-771F8CA81811}",
	    passwords[4]);
	key_is(&g, 1, "E:", "{A8948C89-3B61-4676-A6BB-7DBD2D1C9AF0}",
	    passwords[5]);
	got_release(&g);

	/* The same with a byte order mark and LF only. */
	assert_int_equal(ksfile("bom-lf.out", &g, why, sizeof why), LB_KS_OK);
	assert_int_equal(g.n, 2);
	key_is(&g, 1, "E:", "{A8948C89-3B61-4676-A6BB-7DBD2D1C9AF0}",
	    passwords[5]);
	got_release(&g);

	/* Passwords a non-administrator cannot read. */
	assert_int_equal(ksfile("cim-denied.out", &g, why, sizeof why),
	    LB_KS_DENIED);
	assert_int_equal(g.n, 0);
	assert_string_equal(why, "2 recovery protectors came without their "
	    "password (only administrators may read them)");
}

static void
test_manage_bde(void **state)
{
	struct got	 g = { .n = 0 };
	char		 why[256];
	char		*data, *lf;
	size_t		 len, i, j;

	(void)state;
	assert_int_equal(ksfile("manage-bde.out", &g, why, sizeof why),
	    LB_KS_OK);
	assert_int_equal(g.n, 2);
	key_is(&g, 0, "C:", "{4B1F2C3D-7E8A-4B9C-A1D2-E3F405162738}",
	    passwords[6]);
	key_is(&g, 1, "D:", "{5C2A3D4E-8F9B-4CAD-B2E3-F40516273849}",
	    passwords[7]);
	got_release(&g);

	/* LF line ends, and labels in another language: the same keys. */
	data = fixture("manage-bde.out", &len);
	lf = xmalloc(len + 1);
	for (i = j = 0; i < len; i++) {
		if (data[i] != '\r')
			lf[j++] = data[i];
	}
	lf[j] = '\0';
	assert_int_equal(ksparse(lf, j, 0, "", &g, why, sizeof why),
	    LB_KS_OK);
	assert_int_equal(g.n, 2);
	got_release(&g);
	free(lf);
	free(data);
	data = xstrdup("#lifeboat-bitlocker manage-bde\r\n"
	    "BitLocker-Laufwerkverschl\xc3\xbcsselung: Konfigurationstool "
	    "Version 10.0.19041\r\n\r\n"
	    "Volume C: [System]\r\nAlle Schl\xc3\xbcsselschutzvorrichtungen"
	    "\r\n\r\n    TPM:\r\n      ID: {9C1CAAF7-5E87-46ED-88DA-"
	    "F4016B4013EF}\r\n      PCR-Validierungsprofil:\r\n        7, 11"
	    "\r\n\r\n    Numerisches Kennwort:\r\n      ID: {4b1f2c3d-7e8a-"
	    "4b9c-a1d2-e3f405162738}\r\n      Kennwort:\r\n        "
	    "466895-217492-569250-069608-104434-135707-527241-083622\r\n");
	assert_int_equal(ksparse(data, strlen(data), 0, "", &g, why,
	    sizeof why), LB_KS_OK);
	assert_int_equal(g.n, 1);
	key_is(&g, 0, "C:", "{4B1F2C3D-7E8A-4B9C-A1D2-E3F405162738}",
	    passwords[6]);
	got_release(&g);
	free(data);

	assert_int_equal(ksfile("manage-bde-truncated.out", &g, why,
	    sizeof why), LB_KS_ERROR);
	assert_string_equal(why, "manage-bde's output ends in the middle of "
	    "a recovery password");
	got_release(&g);

	data = xstrdup("#lifeboat-bitlocker manage-bde\r\nVolume C: [OS]\r\n"
	    "All Key Protectors\r\n\r\n    Numerical Password:\r\n"
	    "      ID: {4B1F2C3D-7E8A-4B9C-A1D2-E3F405162738}\r\n"
	    "      Password:\r\n");
	assert_int_equal(ksparse(data, strlen(data), 0, "", &g, why,
	    sizeof why), LB_KS_ERROR);
	assert_string_equal(why, "manage-bde gave no recovery password for "
	    "protector {4B1F2C3D-7E8A-4B9C-A1D2-E3F405162738}");
	free(data);

	data = xstrdup("#lifeboat-bitlocker manage-bde\r\nBitLocker Drive "
	    "Encryption: Configuration Tool version 10.0.19041\r\n\r\n"
	    "ERROR: An attempt to access a required resource was denied.\r\n");
	assert_int_equal(ksparse(data, strlen(data), 0, "", &g, why,
	    sizeof why), LB_KS_ERROR);
	assert_string_equal(why, "manage-bde: ERROR: An attempt to access a "
	    "required resource was denied.");
	free(data);
}

static void
test_no_key(void **state)
{
	struct got	 g = { .n = 0 };
	char		 why[256];

	(void)state;
	assert_int_equal(ksfile("tpm-only.out", &g, why, sizeof why),
	    LB_KS_NO_KEY);
	assert_string_equal(why, "bitlocker is on but no recovery password "
	    "protector");
	assert_int_equal(ksfile("off.out", &g, why, sizeof why), LB_KS_NO_KEY);
	assert_string_equal(why, "volume not encrypted: no volume has a key "
	    "protector");
	assert_int_equal(ksparse("#lifeboat-bitlocker json\r\n", 26, 0, "",
	    &g, why, sizeof why), LB_KS_NO_KEY);
	assert_string_equal(why, "bitlocker reports no volume");
	assert_int_equal(ksparse("#lifeboat-bitlocker cim\r\n[\r\n\r\n]\r\n",
	    33, 0, "", &g, why, sizeof why), LB_KS_NO_KEY);
	assert_string_equal(why, "bitlocker reports no volume");
	assert_int_equal(ksparse("", 0, 3, "bitlocker is not available on "
	    "this host: no Get-BitLockerVolume\r\n", &g, why, sizeof why),
	    LB_KS_NO_KEY);
	assert_string_equal(why, "bitlocker is not available on this host");
	assert_int_equal(g.n, 0);
}

static void
test_errors(void **state)
{
	static const char noid[] = "#lifeboat-bitlocker json\r\n"
	    "{\"MountPoint\":\"C:\",\"KeyProtector\":[{\"KeyProtectorType\":3,"
	    "\"KeyProtectorId\":\"{nope}\",\"RecoveryPassword\":\"123915-"
	    "625218-602910-100716-346984-130779-612062-085217\"}]}";
	struct got	 g = { .n = 0 };
	char		 why[256];

	(void)state;
	assert_int_equal(ksfile("garbage.out", &g, why, sizeof why),
	    LB_KS_ERROR);
	assert_string_equal(why, "unreadable output of get-bitlockervolume: "
	    "line 1, column 1: unexpected 'G'");
	assert_int_equal(ksfile("truncated.out", &g, why, sizeof why),
	    LB_KS_ERROR);
	assert_string_equal(why, "unreadable output of get-bitlockervolume: "
	    "line 57, column 55: unterminated string");
	assert_int_equal(g.n, 0);
	assert_int_equal(ksparse("", 0, 1, "#< CLIXML decoded: bitlocker: "
	    "Access denied\r\n", &g, why, sizeof why), LB_KS_ERROR);
	assert_string_equal(why, "#< CLIXML decoded: bitlocker: Access "
	    "denied");
	assert_int_equal(ksparse("hello\r\n", 7, 0, "", &g, why, sizeof why),
	    LB_KS_ERROR);
	assert_string_equal(why, "the script did not report back");
	assert_int_equal(ksparse("#lifeboat-bitlocker json\r\n{}", 28, 255,
	    "", &g, why, sizeof why), LB_KS_ERROR);
	assert_string_equal(why, "the script exited with 255");
	/* A marker of no known method is no marker. */
	assert_int_equal(ksparse("#lifeboat-bitlocker xml\r\n", 25, 0, "", &g,
	    why, sizeof why), LB_KS_ERROR);
	/* An ID that is no GUID. */
	assert_int_equal(ksparse(noid, strlen(noid), 0, "", &g, why,
	    sizeof why), LB_KS_ERROR);
	assert_string_equal(why, "a recovery protector on 'C:' has no valid "
	    "key id");
	assert_int_equal(g.n, 0);
	/* lifeboat refuses the password (its own checks). */
	g.refuse = 1;
	assert_int_equal(ksfile("json-array.out", &g, why, sizeof why),
	    LB_KS_ERROR);
	assert_string_equal(why, "2 recovery passwords the host printed were "
	    "malformed");
}

/* Cut at every byte: an error or a subset of the whole, never a part
 * of a password; never a crash (the sanitizers watch). */
static void
cut_everywhere(const char *name, size_t nkeys)
{
	struct got	 g = { .n = 0 };
	enum lb_ks_status st;
	char		 why[256];
	char		*data, *cut;
	size_t		 len, i, k, p;
	bool		 known;

	data = fixture(name, &len);
	for (i = 0; i <= len; i++) {
		cut = xmalloc(i + 1);
		memcpy(cut, data, i);
		cut[i] = '\0';
		st = ksparse(cut, i, 0, "", &g, why, sizeof why);
		free(cut);
		assert_true(st == LB_KS_OK || st == LB_KS_ERROR ||
		    st == LB_KS_NO_KEY);
		assert_true(g.n <= nkeys);
		if (st == LB_KS_OK)
			assert_true(g.n > 0);
		for (k = 0; k < g.n; k++) {
			known = false;
			for (p = 0; passwords[p] != NULL; p++)
				known |= strcmp(g.k[k].password,
				    passwords[p]) == 0;
			assert_true(known);
		}
		if (i == len)
			assert_int_equal(g.n, nkeys);
		got_release(&g);
	}
	free(data);
}

static void
test_truncated_everywhere(void **state)
{
	(void)state;
	cut_everywhere("json-array.out", 2);
	cut_everywhere("cim.out", 2);
	cut_everywhere("manage-bde.out", 2);
}

/* The action. */

static void
act_check(const char *escrowed, const char *want)
{
	struct lb_arg	 v[1] = { { "escrowed", escrowed } };
	struct lb_args	 a = { v, escrowed != NULL };
	const char	*key;
	char		 why[256];
	int		 r;

	r = plugin_check_args(act, &a, &key, why, sizeof why);
	if (want == NULL) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, LB_ERR_INVALID);
	assert_string_equal(why, want);
	assert_string_equal(key, "escrowed");
}

static void
test_act_check(void **state)
{
	(void)state;
	act_check(NULL, NULL);
	act_check("", NULL);
	act_check("{{ vault_ids }}", NULL);
	act_check("{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}\n"
	    "1e27a1c0-8a6a-43ec-a4ed-e6a46b4cb242\n\n"
	    "  14F4733F3E7D4BFB87A2EA20B2F14C94  \n", NULL);
	act_check("{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}\nF28C105D\n",
	    "bitlocker: escrowed: line 2 is not a key id (32 hex digits)");
}

static char *
act_build(const struct lb_facts *facts, const char *escrowed, char *why,
    size_t whylen)
{
	struct lb_arg	 v[1] = { { "escrowed", escrowed } };
	struct lb_args	 a = { v, escrowed != NULL };
	struct buf	 b = BUF_INIT;

	buf_adds(&b, "");
	if (plugin_build(act, &a, facts, &b, why, whylen) != 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static void
test_act_build(void **state)
{
	char	 why[256];
	char	*s;

	(void)state;
	s = act_build(&ps, "F28C105D", why, sizeof why);
	assert_null(s);
	assert_non_null(strstr(why, "escrowed: line 1 is not a key id"));
	s = act_build(&ps, "{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}", why,
	    sizeof why);
	if (s == NULL)
		fail_msg("%s", why);
	assert_true(strncmp(s, "# lifeboat bitlocker protectors", 31) == 0);
	assert_non_null(strstr(s, "Get-BitLockerVolume -ErrorAction Stop"));
	assert_non_null(strstr(s, "GetKeyProtectors"));
	assert_non_null(strstr(s, "& manage-bde.exe -protectors -get $d "
	    "-type RecoveryPassword"));
	assert_non_null(strstr(s, "lb_p $k.KeyProtectorId"));
	/* It never asks for a password, and the escrowed IDs stay here. */
	assert_null(strstr(s, "NumericalPassword"));
	assert_null(strstr(s, ".RecoveryPassword"));
	assert_null(strstr(s, "F28C105D"));
	free(s);
	assert_null(act_build(&sh, NULL, why, sizeof why));
	assert_non_null(strstr(why, "bitlocker runs on windows hosts only"));
}

static void
act_parse(const char *escrowed, const char *out, size_t len, int rc,
    const char *err, struct plugin_result *res)
{
	struct lb_arg	 v[1] = { { "escrowed", escrowed } };
	struct lb_args	 a = { v, escrowed != NULL };
	struct lb_reply	 r = { rc, out, len, err, strlen(err) };

	assert_int_equal(plugin_parse(act, &a, &ps, &r, res), 0);
}

static void
test_act_parse(void **state)
{
	struct plugin_result	 res = PLUGIN_RESULT_INIT;
	size_t			 len;
	char			*json = fixture("protectors-json.out", &len);
	char			*mbde;
	size_t			 mlen;

	(void)state;
	act_parse(NULL, json, len, 0, "", &res);
	assert_int_equal(res.verdict, LB_OK);
	assert_string_equal(plugin_result_get(&res, "available"), "true");
	assert_string_equal(plugin_result_get(&res, "method"), "json");
	assert_string_equal(plugin_result_get(&res, "volumes"), "C:\nD:");
	assert_string_equal(plugin_result_get(&res, "protectors"),
	    "{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}\n"
	    "{1E27A1C0-8A6A-43EC-A4ED-E6A46B4CB242}");
	assert_null(plugin_result_get(&res, "missing"));
	plugin_result_release(&res);

	/* Both escrowed, written other ways. */
	act_parse("f28c105d1fb14c2390c192cfd3ac94af\n"
	    "{1e27a1c0-8a6a-43ec-a4ed-e6a46b4cb242}\n", json, len, 0, "",
	    &res);
	assert_int_equal(res.verdict, LB_OK);
	assert_string_equal(plugin_result_get(&res, "missing"), "");
	plugin_result_release(&res);

	act_parse("{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}", json, len, 0, "",
	    &res);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "D: recovery protector "
	    "{1E27A1C0-8A6A-43EC-A4ED-E6A46B4CB242} is not escrowed");
	assert_string_equal(plugin_result_get(&res, "missing"),
	    "{1E27A1C0-8A6A-43EC-A4ED-E6A46B4CB242}");
	plugin_result_release(&res);

	/* Nothing escrowed (an empty list): both missing. */
	mbde = fixture("protectors-manage-bde.out", &mlen);
	act_parse("", mbde, mlen, 0, "", &res);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "C: recovery protector "
	    "{4B1F2C3D-7E8A-4B9C-A1D2-E3F405162738} is not escrowed "
	    "(and 1 more)");
	assert_string_equal(plugin_result_get(&res, "method"), "manage-bde");
	assert_string_equal(plugin_result_get(&res, "missing"),
	    "{4B1F2C3D-7E8A-4B9C-A1D2-E3F405162738}\n"
	    "{5C2A3D4E-8F9B-4CAD-B2E3-F40516273849}");
	plugin_result_release(&res);
	free(mbde);

	act_parse("", "", 0, 3, "bitlocker is not available on this host\r\n",
	    &res);
	assert_int_equal(res.verdict, LB_OK);
	assert_string_equal(plugin_result_get(&res, "available"), "false");
	assert_string_equal(plugin_result_get(&res, "protectors"), "");
	assert_string_equal(plugin_result_get(&res, "missing"), "");
	plugin_result_release(&res);

	act_parse(NULL, "", 0, 1, "bitlocker: Access denied\r\n", &res);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "bitlocker: Access denied");
	plugin_result_release(&res);

	act_parse(NULL, "banner\r\n", 8, 0, "", &res);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "the script did not report back");
	plugin_result_release(&res);

	/* A volume of none: no protectors, still OK. */
	act_parse("", "lb-bitlocker method cim\r\nlb-bitlocker volume\tD:\r\n",
	    48, 0, "", &res);
	assert_int_equal(res.verdict, LB_OK);
	assert_string_equal(plugin_result_get(&res, "volumes"), "D:");
	assert_string_equal(plugin_result_get(&res, "protectors"), "");
	plugin_result_release(&res);
	free(json);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_ks_build),
		cmocka_unit_test(test_json_array),
		cmocka_unit_test(test_json_single_and_names),
		cmocka_unit_test(test_cim),
		cmocka_unit_test(test_manage_bde),
		cmocka_unit_test(test_no_key),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_act_check),
		cmocka_unit_test(test_act_build),
		cmocka_unit_test(test_act_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
