/*
 * libFuzzer target for the three readers of plugins/bitlocker.c (the
 * host key source's Get-BitLockerVolume JSON, Win32_EncryptableVolume
 * table and manage-bde text) and for the bitlocker action's reader.
 * The plugin is compiled into this program, its two descriptor
 * functions renamed.
 *
 * The first byte picks what is read: 0 to 2 put that method's marker
 * line before the rest (json, cim, manage-bde), 3 gives the rest to the
 * key source as it is, 4 and 5 give it to the action (5 with an
 * escrowed list); the second byte is the exit status.  The rest is
 * standard output, not NUL-terminated where the plugin could see it.
 * Besides crashes and sanitizer reports, these are bugs:
 *
 *   - a status outside enum lb_ks_status, or a failure with no reason,
 *     or a reason with a control character;
 *   - a key whose ID is not "{8-4-4-4-12}" in upper case, or with an
 *     empty password, or OK with no key;
 *   - a reason that holds a password handed over;
 *   - the action's verdict outside enum lb_verdict, a failure without
 *     a reason, or a success without protectors.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.h"

#define lifeboat_plugin fuzz_bitlocker_plugin
#define lifeboat_keysource fuzz_bitlocker_keysource
#include "../../plugins/bitlocker.c"
#undef lifeboat_plugin
#undef lifeboat_keysource

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fz_keys {
	char	 pw[32][BITLOCKER_PW_LEN + 8];
	size_t	 n;
};

static int
fz_key(void *ctx, const struct lb_ks_key *k)
{
	struct fz_keys	*f = ctx;
	size_t		 i;

	if (k->volume == NULL || k->protector_id == NULL ||
	    k->password == NULL || k->created == NULL)
		abort();
	if (strlen(k->protector_id) != 38 || k->protector_id[0] != '{' ||
	    k->protector_id[37] != '}')
		abort();
	for (i = 1; i < 37; i++) {
		if (i == 9 || i == 14 || i == 19 || i == 24) {
			if (k->protector_id[i] != '-')
				abort();
		} else if (strchr("0123456789ABCDEF",
		    k->protector_id[i]) == NULL)
			abort();
	}
	if (k->password[0] == '\0')
		abort();
	if (f->n < 32 && strlen(k->password) < sizeof f->pw[0])
		memcpy(f->pw[f->n++], k->password, strlen(k->password) + 1);
	/* Refuse every third: parse() must go on. */
	return f->n % 3 == 0 ? -1 : 0;
}

static void
fz_reason(const char *why)
{
	const char	*p;

	for (p = why; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	}
}

static void
fz_source(const char *out, size_t len, int rc)
{
	struct fz_keys		 f = { .n = 0 };
	struct lb_ks_emit	 e = { &f, fz_key };
	struct lb_reply		 r = { rc, out, len, "", 0 };
	const struct lb_facts	 facts = { "w", "windows", "", -1,
				    LB_SHELL_POWERSHELL };
	enum lb_ks_status	 st;
	char			 why[256] = "";
	size_t			 i;

	st = fuzz_bitlocker_keysource()->parse(&facts, &r, &e, why,
	    sizeof why);
	if (st != LB_KS_OK && st != LB_KS_NO_KEY && st != LB_KS_NOT_FOUND &&
	    st != LB_KS_DENIED && st != LB_KS_ERROR)
		abort();
	if (st != LB_KS_OK && why[0] == '\0')
		abort();
	if (st == LB_KS_OK && f.n == 0)
		abort();
	fz_reason(why);
	for (i = 0; i < f.n; i++) {
		if (strlen(f.pw[i]) >= 6 && strstr(why, f.pw[i]) != NULL)
			abort();
	}
}

static void
fz_action(const char *out, size_t len, int rc, bool escrowed)
{
	struct plugin_result	 res;
	struct lb_arg		 v[1] = { { "escrowed",
				    "{F28C105D-1FB1-4C23-90C1-92CFD3AC94AF}\n"
				    "1e27a1c08a6a43eca4ede6a46b4cb242" } };
	struct lb_args		 args = { v, escrowed };
	struct lb_reply		 r = { rc, out, len, "", 0 };
	const struct lb_facts	 facts = { "w", "windows", "", -1,
				    LB_SHELL_POWERSHELL };
	struct plugin		*p;
	char			 why[256];

	if (plugin_load_static(fuzz_bitlocker_plugin(), &p, why,
	    sizeof why) != 0)
		abort();
	plugin_parse(p, &args, &facts, &r, &res);
	if (res.verdict != LB_OK && res.verdict != LB_CHANGED &&
	    res.verdict != LB_FAILED)
		abort();
	if ((res.verdict == LB_FAILED) != (res.reason != NULL))
		abort();
	if (res.verdict != LB_FAILED &&
	    plugin_result_get(&res, "protectors") == NULL)
		abort();
	plugin_result_release(&res);
	plugin_unload(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const marks[] = { BITLOCKER_MARK "json\r\n",
	    BITLOCKER_MARK "cim\r\n", BITLOCKER_MARK "manage-bde\r\n" };
	unsigned	 what;
	size_t		 mlen = 0, n;
	char		*out;
	int		 rc;

	if (len < 2)
		return 0;
	what = data[0] % 6;
	rc = data[1] % 8 == 0 ? 0 : data[1];
	if (what < 3)
		mlen = strlen(marks[what]);
	n = len - 2;
	/* A copy of exactly its length: a read past it is caught. */
	if ((out = malloc(mlen + n > 0 ? mlen + n : 1)) == NULL)
		abort();
	if (mlen > 0)
		memcpy(out, marks[what], mlen);
	memcpy(out + mlen, data + 2, n);
	if (what < 4)
		fz_source(out, mlen + n, rc);
	else
		fz_action(out, mlen + n, rc, what == 5);
	free(out);
	return 0;
}
