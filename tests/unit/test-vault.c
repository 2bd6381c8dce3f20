/*
 * Unit tests for the key vault (src/vault.c): the merge rules (new,
 * same, updated, older; idempotent), records refused, the order of the
 * records, look-up by 8 to 32 digits in any form with the count of an
 * ambiguous prefix, save and load with a passphrase and with
 * recipients (escaping, history, file and directory modes, no
 * temporary file left), every load error with the file left as it was,
 * errors in the JSON inside with their positions, the writers' lock,
 * and the default path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "age.h"
#include "buf.h"
#include "errors.h"
#include "vault.h"
#include "xmalloc.h"

#define PASS	"vault test passphrase"

static char	 tmpdir[PATH_MAX];

static const struct vault_cred	 passcred = { PASS, NULL, NULL, 0 };

static int
setup(void **state)
{
	if (sodium_init() < 0)
		return -1;
	setenv("LIFEBOAT_VAULT_WORK_FACTOR", "10", 1);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lb-vault.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 r;

	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static void __attribute__((format(printf, 3, 4)))
pf(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* A valid recovery password from seed: each group a multiple of 11. */
static void
make_password(unsigned seed, char out[BL_PASSWORD_LEN + 1])
{
	size_t	 i, o = 0;

	for (i = 0; i < 8; i++) {
		o += (size_t)sprintf(out + o, "%s%06u", i ? "-" : "",
		    (unsigned)(((seed * 7919u + (unsigned)i * 104729u) %
		    65536u) * 11u));
	}
}

static struct vault_key
key(const char *id, const char *host, const char *site, const char *pw,
    int64_t fetched)
{
	struct vault_key	 k = { id, host, site, "C:", pw, "ad",
	    "2024-07-19T04:09:00Z", fetched };

	return k;
}

static enum vault_put_result
put(struct vault *v, struct vault_key k)
{
	enum vault_put_result	 res;
	const char		*why;

	if (vault_put(v, &k, &res, &why) != 0)
		fail_msg("vault_put: %s", why);
	return res;
}

#define ID1	"1A2B3C4D-5E6F-7081-92A3-B4C5D6E7F801"
#define ID2	"1A2B3C4D-5E6F-7081-92A3-B4C5D6E7F802"
#define ID3	"1A2B3C4E-0000-0000-0000-000000000003"
#define ID4	"FFFFFFFF-0000-0000-0000-000000000004"

static void
test_merge(void **state)
{
	struct vault		*v = vault_new();
	const struct vault_key	*k;
	char			 p1[56], p2[56];

	make_password(1, p1);
	make_password(2, p2);
	assert_int_equal(put(v, key("{" ID1 "}", "ams-ws017", "ams", p1,
	    1000)), VAULT_NEW);
	/* The same again, in other spellings, and later: no change. */
	assert_int_equal(put(v, key("1a2b3c4d5e6f708192a3b4c5d6e7f801",
	    "ams-ws017", "ams", p1, 1000)), VAULT_SAME);
	assert_int_equal(put(v, key(ID1, "ams-ws017", "ams", p1, 5000)),
	    VAULT_SAME);
	assert_int_equal(vault_count(v), 1);
	assert_int_equal(vault_history_count(v), 0);
	k = vault_get(v, 0);
	assert_string_equal(k->id, ID1);
	assert_int_equal(k->fetched, 1000);

	/* Renamed later: the new one is current, the old one history. */
	assert_int_equal(put(v, key(ID1, "ams-ws018", "ams", p1, 2000)),
	    VAULT_UPDATED);
	assert_int_equal(vault_count(v), 1);
	assert_string_equal(vault_get(v, 0)->host, "ams-ws018");
	assert_int_equal(vault_history_count(v), 1);
	assert_string_equal(vault_history_get(v, 0)->host, "ams-ws017");
	/* Idempotent: the old one again changes nothing. */
	assert_int_equal(put(v, key(ID1, "ams-ws017", "ams", p1, 1000)),
	    VAULT_SAME);
	assert_int_equal(put(v, key(ID1, "ams-ws018", "ams", p1, 2000)),
	    VAULT_SAME);
	/* An older record unseen: history only, once, oldest first. */
	assert_int_equal(put(v, key(ID1, "ams-ws016", "ams", p2, 500)),
	    VAULT_OLDER);
	assert_int_equal(put(v, key(ID1, "ams-ws016", "ams", p2, 500)),
	    VAULT_SAME);
	assert_int_equal(vault_history_count(v), 2);
	assert_string_equal(vault_history_get(v, 0)->host, "ams-ws016");
	assert_string_equal(vault_history_get(v, 1)->host, "ams-ws017");
	assert_string_equal(vault_get(v, 0)->host, "ams-ws018");
	/* Same time, other content: not later, so history. */
	assert_int_equal(put(v, key(ID1, "ams-ws019", "ams", p1, 2000)),
	    VAULT_OLDER);
	assert_string_equal(vault_get(v, 0)->host, "ams-ws018");
	/* A new password, later: updated. */
	assert_int_equal(put(v, key(ID1, "ams-ws018", "ams", p2, 3000)),
	    VAULT_UPDATED);
	assert_string_equal(vault_get(v, 0)->password, p2);
	assert_int_equal(vault_history_count(v), 4);
	assert_int_equal(vault_history_get(v, 3)->fetched, 2000);
	vault_free(v);
}

static void
test_refused(void **state)
{
	struct vault		*v = vault_new();
	struct vault_key	 k;
	enum vault_put_result	 res;
	const char		*why;
	char			 p[56], bad[56];

	make_password(3, p);
	memcpy(bad, p, sizeof bad);
	bad[5] = bad[5] == '9' ? '0' : (char)(bad[5] + 1);

	k = key(ID1, "h", "", bad, 1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	assert_non_null(why);
	assert_null(strstr(why, bad));
	assert_null(strstr(why, bad + 7));
	k = key("1A2B3C4D", "h", "", p, 1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	k = key("not-an-id", "h", "", p, 1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	k = key(ID1, "", "", p, 1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	k = key(ID1, "h", "", p, 1);
	k.source = NULL;
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	k = key(ID1, "bad\xc3(", "", p, 1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	k = key(ID1, "h", "", NULL, 1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	k = key(ID1, "h", "", p, -1);
	assert_int_equal(vault_put(v, &k, &res, &why), LB_ERR_INVALID);
	assert_int_equal(vault_count(v), 0);
	/* Spaces for dashes are fine, and come out canonical. */
	memcpy(bad, p, sizeof bad);
	for (size_t i = 6; i < 55; i += 7)
		bad[i] = ' ';
	k = key(ID1, "h", NULL, bad, 1);
	k.volume = NULL;
	k.created = NULL;
	assert_int_equal(vault_put(v, &k, &res, &why), 0);
	assert_string_equal(vault_get(v, 0)->password, p);
	assert_string_equal(vault_get(v, 0)->site, "");
	assert_string_equal(vault_get(v, 0)->volume, "");
	vault_free(v);
}

static void
test_order_and_find(void **state)
{
	const struct vault_key	*out[4];
	struct vault		*v = vault_new();
	char			 p[56];

	make_password(4, p);
	put(v, key(ID4, "fra-ws001", "fra", p, 1));
	put(v, key(ID2, "ams-ws002", "ams", p, 1));
	put(v, key(ID3, "ams-ws001", "ams", p, 1));
	put(v, key(ID1, "ams-ws002", "ams", p, 1));
	put(v, key("00000000-0000-0000-0000-000000000000", "a", "", p, 1));
	assert_int_equal(vault_count(v), 5);
	/* By site, host, volume, id. */
	assert_string_equal(vault_get(v, 0)->host, "a");
	assert_string_equal(vault_get(v, 1)->id, ID3);
	assert_string_equal(vault_get(v, 2)->id, ID1);
	assert_string_equal(vault_get(v, 3)->id, ID2);
	assert_string_equal(vault_get(v, 4)->id, ID4);
	assert_null(vault_get(v, 5));

	/* 32 digits, any spelling. */
	assert_int_equal(vault_find(v, ID2, out, 4), 1);
	assert_string_equal(out[0]->id, ID2);
	assert_int_equal(vault_find(v, "{1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f801}",
	    out, 4), 1);
	assert_string_equal(out[0]->id, ID1);
	assert_int_equal(vault_find(v, "1a2b3c4d5e6f708192a3b4c5d6e7f801", out,
	    4), 1);
	/* 12 digits: two share them. */
	assert_int_equal(vault_find(v, "1a2b3c4d-5e6f", out, 4), 2);
	assert_string_equal(out[0]->id, ID1);
	assert_string_equal(out[1]->id, ID2);
	assert_int_equal(vault_find(v, "1A2B3C4D5E6F", out, 1), 2);
	assert_string_equal(out[0]->id, ID1);
	/* 8 digits. */
	assert_int_equal(vault_find(v, "1A2B3C4D", out, 4), 2);
	assert_int_equal(vault_find(v, "{1a2b3c4e}", out, 4), 1);
	assert_string_equal(out[0]->id, ID3);
	assert_int_equal(vault_find(v, "ffffffff", out, 4), 1);
	assert_int_equal(vault_find(v, "00000000", out, 4), 1);
	assert_int_equal(vault_find(v, "1A2B3C4D-5E6F-7081-92A3-B4C5D6E7F80",
	    out, 4), 2);
	/* No match; not a key ID. */
	assert_int_equal(vault_find(v, "1A2B3C4F", out, 4), 0);
	assert_int_equal(vault_find(v, "1A2B3C4", out, 4), -1);
	assert_int_equal(vault_find(v, "1A2B3C4G", out, 4), -1);
	assert_int_equal(vault_find(v, ID1 "0", out, 4), -1);
	assert_int_equal(vault_find(v, "1A2B3C4D", NULL, 0), 2);
	vault_free(v);
}

static bool
no_temp_files(const char *dir)
{
	struct dirent	*d;
	DIR		*dp = opendir(dir);
	bool		 ok = true;

	assert_non_null(dp);
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.' && strcmp(d->d_name, ".") != 0 &&
		    strcmp(d->d_name, "..") != 0)
			ok = false;
	}
	closedir(dp);
	return ok;
}

static void
same_vault(const struct vault *a, const struct vault *b)
{
	const struct vault_key	*x, *y;
	size_t			 i;

	assert_int_equal(vault_count(a), vault_count(b));
	assert_int_equal(vault_history_count(a), vault_history_count(b));
	for (i = 0; i < vault_count(a) + vault_history_count(a); i++) {
		x = i < vault_count(a) ? vault_get(a, i) :
		    vault_history_get(a, i - vault_count(a));
		y = i < vault_count(b) ? vault_get(b, i) :
		    vault_history_get(b, i - vault_count(b));
		assert_string_equal(x->id, y->id);
		assert_string_equal(x->host, y->host);
		assert_string_equal(x->site, y->site);
		assert_string_equal(x->volume, y->volume);
		assert_string_equal(x->password, y->password);
		assert_string_equal(x->source, y->source);
		assert_string_equal(x->created, y->created);
		assert_int_equal(x->fetched, y->fetched);
	}
}

static struct vault *
sample(void)
{
	struct vault		*v = vault_new();
	struct vault_key	 k;
	char			 p[56];

	make_password(5, p);
	put(v, key(ID1, "ams-ws017", "ams", p, 1721370612));
	make_password(6, p);
	k = key(ID2, "odd \"host\"\\\n\t\x01\x1f\x7f é €", "zürich", p,
	    1721370613);
	k.volume = "C:\\";
	k.created = "";
	put(v, k);
	make_password(7, p);
	put(v, key(ID1, "ams-ws018", "ams", p, 1721370700));
	return v;
}

static void
test_save_load(void **state)
{
	unsigned char		 sk[2][AGE_KEY_LEN], pk[AGE_KEY_LEN];
	char			 rec[2][AGE_RECIPIENT_STRLEN];
	char			 path[PATH_MAX], dir[PATH_MAX], why[512];
	char			 idf[PATH_MAX], idtext[AGE_IDENTITY_STRLEN];
	const char		*recips[2] = { rec[0], rec[1] };
	struct vault_cred	 c = { NULL, NULL, recips, 2 };
	struct vault		*v = sample(), *w;
	struct stat		 st;
	FILE			*fp;
	int			 i;

	pf(dir, sizeof dir, "%s/data/lifeboat", tmpdir);
	pf(path, sizeof path, "%s/%s", dir, VAULT_FILE);
	assert_int_equal(vault_save(v, path, &passcred, why, sizeof why), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_true(no_temp_files(dir));
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why), 0);
	same_vault(v, w);
	assert_int_equal(vault_history_count(w), 1);
	assert_string_equal(vault_get(w, 1)->host,
	    "odd \"host\"\\\n\t\x01\x1f\x7f é €");
	vault_free(w);

	/* Two recipients: either identity opens it, the passphrase not. */
	for (i = 0; i < 2; i++) {
		age_identity_generate(sk[i]);
		age_identity_public(sk[i], pk);
		age_recipient_encode(pk, rec[i]);
	}
	assert_int_equal(vault_save(v, path, &c, why, sizeof why), 0);
	for (i = 0; i < 2; i++) {
		struct vault_cred	 ic = { NULL, idf, NULL, 0 };

		pf(idf, sizeof idf, "%s/id%d", tmpdir, i);
		age_identity_encode(sk[i], idtext);
		assert_non_null(fp = fopen(idf, "w"));
		fprintf(fp, "# a comment\n\n%s\n", idtext);
		fclose(fp);
		assert_int_equal(vault_load(path, &ic, &w, why, sizeof why), 0);
		same_vault(v, w);
		vault_free(w);
	}
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why),
	    LB_ERR_INVALID);
	assert_null(w);
	assert_non_null(strstr(why, "no identity given"));

	/* A bad recipient, no credentials, a bad work factor. */
	rec[1][10] = rec[1][10] == 'q' ? 'p' : 'q';
	assert_int_equal(vault_save(v, path, &c, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "bad recipient"));
	c.nrecipients = 0;
	assert_int_equal(vault_save(v, path, &c, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "no passphrase and no recipient"));
	setenv("LIFEBOAT_VAULT_WORK_FACTOR", "9", 1);
	assert_int_equal(vault_save(v, path, &passcred, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "LIFEBOAT_VAULT_WORK_FACTOR"));
	setenv("LIFEBOAT_VAULT_WORK_FACTOR", "10", 1);
	assert_true(no_temp_files(dir));
	vault_free(v);
}

/* The bytes of path; the caller frees. */
static char *
slurp(const char *path, size_t *len)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(buf_read_file(&b, path, 1 << 20), 0);
	return buf_detach(&b, len);
}

static void
spew(const char *path, const void *p, size_t len)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_load_errors(void **state)
{
	struct vault_cred	 wrong = { "not " PASS, NULL, NULL, 0 };
	struct vault		*v = sample(), *w;
	char			 path[PATH_MAX], why[512], want[PATH_MAX + 64];
	char			*orig, *now, *mac;
	size_t			 len, nlen;

	pf(path, sizeof path, "%s/errs.age", tmpdir);
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why),
	    LB_ERR_NOT_FOUND);
	assert_non_null(w);
	assert_int_equal(vault_count(w), 0);
	vault_free(w);

	assert_int_equal(vault_save(v, path, &passcred, why, sizeof why), 0);
	orig = slurp(path, &len);
	assert_int_equal(vault_load(path, &wrong, &w, why, sizeof why),
	    LB_ERR_INVALID);
	assert_null(w);
	pf(want, sizeof want, "%s: wrong passphrase", path);
	assert_string_equal(why, want);
	now = slurp(path, &nlen);
	assert_int_equal(nlen, len);
	assert_memory_equal(now, orig, len);
	free(now);

	spew(path, orig, 40);
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why),
	    LB_ERR_INVALID);
	pf(want, sizeof want, "%s: truncated", path);
	assert_string_equal(why, want);
	spew(path, "{\"lifeboat_vault\": 1}\n", 22);
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why),
	    LB_ERR_INVALID);
	pf(want, sizeof want, "%s: not an age file", path);
	assert_string_equal(why, want);
	orig[len - 1] ^= 1;
	spew(path, orig, len);
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "tampered"));
	orig[len - 1] ^= 1;
	/* Another base64 character in the MAC: a flipped bit could leave
	 * the alphabet and read as a malformed header instead. */
	mac = strstr(orig, "\n--- ") + 6;
	*mac = *mac == 'A' ? 'B' : 'A';
	spew(path, orig, len);
	assert_int_equal(vault_load(path, &passcred, &w, why, sizeof why),
	    LB_ERR_INVALID);
	pf(want, sizeof want, "%s: header MAC mismatch", path);
	assert_string_equal(why, want);
	free(orig);
	vault_free(v);
}

/* Loads text encrypted with the passphrase; returns why. */
static int
load_text(const char *text, char *why, size_t whylen)
{
	struct age_ekeys	 ek = { PASS, 10, NULL, 0 };
	struct vault		*w;
	unsigned char		*ct;
	char			 path[PATH_MAX];
	size_t			 ctlen;
	int			 r;

	assert_int_equal(age_encrypt((const unsigned char *)text,
	    strlen(text), &ek, &ct, &ctlen), 0);
	pf(path, sizeof path, "%s/text.age", tmpdir);
	spew(path, ct, ctlen);
	free(ct);
	r = vault_load(path, &passcred, &w, why, whylen);
	if (r == 0)
		vault_free(w);
	else
		assert_null(w);
	/* Drop "PATH:" for the caller. */
	if (strncmp(why, path, strlen(path)) == 0)
		memmove(why, why + strlen(path) + 1, strlen(why) -
		    strlen(path));
	return r;
}

static void
test_json_inside(void **state)
{
	char	 why[512], p[56], text[1024];

	make_password(8, p);
	assert_int_equal(load_text("{\"lifeboat_vault\": 1, \"keys\": [], "
	    "\"history\": []}", why, sizeof why), 0);
	assert_int_equal(load_text("{\"lifeboat_vault\": 1,\n \"keys\": [\n"
	    "  {\"id\": 12}\n", why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "4:1: unexpected end of input");
	assert_int_equal(load_text("{\"lifeboat_vault\": 1,\n \"keys\": "
	    "[x]}", why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "2:11: unexpected character");
	assert_int_equal(load_text("[]", why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " not a JSON object");
	assert_int_equal(load_text("{\"lifeboat_vault\": 2, \"keys\": [], "
	    "\"history\": []}", why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " unsupported vault version 2");
	assert_int_equal(load_text("{\"lifeboat_vault\": 1, \"keys\": [], "
	    "\"history\": [], \"x\": 1}", why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " unknown field \"x\"");
	assert_int_equal(load_text("{\"lifeboat_vault\": 1, \"keys\": []}",
	    why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " \"history\" missing or not an array");

	pf(text, sizeof text, "{\"lifeboat_vault\": 1, \"keys\": [{\"id\": "
	    "\"%s\", \"host\": \"h\", \"password\": \"%s\", \"source\": "
	    "\"ad\", \"fetched\": \"2024-02-30T00:00:00Z\"}], \"history\": []}",
	    ID1, p);
	assert_int_equal(load_text(text, why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " keys[0].fetched: not a time "
	    "(YYYY-MM-DDTHH:MM:SSZ)");
	pf(text, sizeof text, "{\"lifeboat_vault\": 1, \"keys\": [{\"id\": "
	    "\"%s\", \"host\": \"h\", \"password\": \"%s\", \"source\": "
	    "\"ad\", \"fetched\": \"2024-02-29T00:00:00Z\"}], \"history\": "
	    "[{\"id\": \"%s\", \"host\": \"h\", \"password\": \"%.50s12345\", "
	    "\"source\": \"ad\", \"fetched\": \"2024-02-29T00:00:00Z\"}]}",
	    ID1, p, ID1, p);
	assert_int_equal(load_text(text, why, sizeof why), LB_ERR_INVALID);
	assert_non_null(strstr(why, " history[0]: "));
	assert_null(strstr(why, p + 49));
	pf(text, sizeof text, "{\"lifeboat_vault\": 1, \"keys\": [{\"id\": "
	    "\"%s\", \"host\": \"h\", \"password\": \"%s\", \"source\": "
	    "\"ad\", \"fetched\": \"2024-02-29T00:00:00Z\"}, {\"id\": "
	    "\"%s\", \"host\": \"h\", \"password\": \"%s\", \"source\": "
	    "\"ad\", \"fetched\": \"2024-02-29T00:00:00Z\"}], \"history\": "
	    "[]}", ID1, p, ID1, p);
	assert_int_equal(load_text(text, why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " keys[1]: key " ID1 " twice");
	pf(text, sizeof text, "{\"lifeboat_vault\": 1, \"keys\": [{\"id\": "
	    "\"%s\", \"host\": \"h\", \"password\": \"%s\", \"source\": "
	    "\"ad\", \"fetched\": \"2024-02-29T00:00:00Z\", \"pin\": \"1\"}], "
	    "\"history\": []}", ID1, p);
	assert_int_equal(load_text(text, why, sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, " keys[0]: unknown field \"pin\"");
}

static void
test_lock(void **state)
{
	char	 path[PATH_MAX], why[512];
	int	 fd, fd2;

	pf(path, sizeof path, "%s/lockdir/sub/vault.age", tmpdir);
	fd = vault_lock(path, 1000, why, sizeof why);
	assert_true(fd >= 0);
	/* flock() locks belong to the open file: a second open waits. */
	assert_int_equal(vault_lock(path, 100, why, sizeof why), -1);
	assert_non_null(strstr(why, "vault.age.lock: held by another "
	    "process"));
	vault_unlock(fd);
	fd2 = vault_lock(path, 100, why, sizeof why);
	assert_true(fd2 >= 0);
	vault_unlock(fd2);
	vault_unlock(-1);
}

static void
test_default_path(void **state)
{
	char	 buf[PATH_MAX];

	setenv("XDG_DATA_HOME", "/x/data", 1);
	assert_int_equal(vault_path_default(buf, sizeof buf), 0);
	assert_string_equal(buf, "/x/data/lifeboat/vault.age");
	assert_int_equal(vault_path_default(buf, 10), -1);
	setenv("XDG_DATA_HOME", "relative", 1);
	setenv("HOME", "/home/admin", 1);
	assert_int_equal(vault_path_default(buf, sizeof buf), 0);
	assert_string_equal(buf, "/home/admin/.local/share/lifeboat/vault.age");
	unsetenv("XDG_DATA_HOME");
	assert_int_equal(vault_path_default(buf, sizeof buf), 0);
	assert_string_equal(buf, "/home/admin/.local/share/lifeboat/vault.age");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_order_and_find),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_json_inside),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
