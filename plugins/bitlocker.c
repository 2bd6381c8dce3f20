/*
 * BitLocker on a Windows host, two ways (lifeboat-plugin(7)):
 *
 * the key source "host" (lifeboat_keysource()), for `lifeboat keys
 * fetch --from host`: one PowerShell script reads every volume's
 * recovery-password protectors, and parse() hands each one (volume,
 * protector ID, password) to lifeboat;
 *
 * the action "bitlocker" (lifeboat_plugin()), for playbooks: a script
 * that lists each volume's recovery protector IDs, never a password, and
 * with `escrowed` (key IDs, one per line) fails the host when one of
 * them is not among those:
 *
 *	- bitlocker: { escrowed: '{{ vault_ids }}' }
 *	  register: bl		# bl.volumes, bl.protectors, bl.missing
 *
 * Both scripts try three ways in turn and use the first that works:
 * the BitLocker module's Get-BitLockerVolume, the WMI class
 * Win32_EncryptableVolume (WinPE and minimal servers have no module),
 * and last manage-bde's text, which is in the system's language.  The
 * key source's script prints one line "#lifeboat-bitlocker METHOD"
 * and then what that method gave, raw:
 *
 *	json		Get-BitLockerVolume | ConvertTo-Json -Depth 4: one
 *			volume object, or an array of them, each with its
 *			KeyProtector array (KeyProtectorType a number, 3 for
 *			a recovery password, or its name)
 *	cim		an array of rows, one per recovery protector and one
 *			for each volume that has none (ProtectorId null):
 *			DriveLetter, DeviceID, ProtectionStatus, ProtectorId,
 *			NumericalPassword, ReturnValue
 *	manage-bde	`manage-bde -protectors -get X: -type
 *			RecoveryPassword` for each fixed drive
 *
 * and exits 0; or it exits 3 with a line on stderr when the host has
 * no BitLocker at all, 1 when it has some but none of the ways worked.
 * The manage-bde reader keys on what no translation changes: a drive
 * letter on an unindented line starts a volume, a {GUID} is a
 * protector, a line of 8 groups of 6 digits is the password of the
 * protector before it.
 *
 * The action's script prints lines of its own:
 *
 *	lb-bitlocker method METHOD
 *	lb-bitlocker volume<TAB>VOLUME
 *	lb-bitlocker protector<TAB>{ID}<TAB>VOLUME
 *
 * Passwords: parse() passes them to lifeboat and nowhere else; a reason
 * never quotes a line they could be on; the copies made here are wiped.
 * All names but the two descriptor functions are static and start with
 * bitlocker_, so that a fuzz target can include this file.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lifeboat/keysource.h>
#include <lifeboat/plugin.h>

#include "arena.h"
#include "jsonr.h"

#ifndef LB_PLUGIN_EXPORT
#define LB_PLUGIN_EXPORT
#endif

#define BITLOCKER_HEX		32	/* hex digits of a key ID */
#define BITLOCKER_LINE_MAX	512	/* bytes of a reply line kept */
#define BITLOCKER_VOL_MAX	256	/* bytes of a volume name kept */
#define BITLOCKER_LIST_MAX	16384	/* bytes of a value that is a list */
#define BITLOCKER_REASON_MAX	512
#define BITLOCKER_PW_GROUPS	8
#define BITLOCKER_PW_LEN	55	/* 8 groups of 6 and 7 dashes */

enum bitlocker_method {
	BITLOCKER_JSON,
	BITLOCKER_CIM,
	BITLOCKER_MBDE,
	BITLOCKER_NONE,
};

static const char *const bitlocker_methods[] = {
	[BITLOCKER_JSON] = "json",
	[BITLOCKER_CIM] = "cim",
	[BITLOCKER_MBDE] = "manage-bde",
};

#define BITLOCKER_MARK		"#lifeboat-bitlocker "
#define BITLOCKER_NS		"root/CIMV2/Security/MicrosoftVolumeEncryption"
#define BITLOCKER_CLASS		"Win32_EncryptableVolume"

/* snprintf() for messages, where a cut is fine. */
static void __attribute__((format(printf, 3, 4)))
bitlocker_msg(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* memset() the compiler may not drop: for copies of passwords. */
static void
bitlocker_wipe(void *p, size_t n)
{
	volatile unsigned char	*v = p;

	while (n-- > 0)
		*v++ = 0;
}

/*
 * The next line of s[*off..len): its start in *line and its length in
 * *n, a CR before the LF and a UTF-8 byte order mark at its start
 * dropped.  Returns false at the end of s.
 */
static bool
bitlocker_line(const char *s, size_t len, size_t *off, const char **line,
    size_t *n)
{
	const char	*nl;
	size_t		 i = *off, k;

	if (s == NULL || i >= len)
		return false;
	nl = memchr(s + i, '\n', len - i);
	k = nl != NULL ? (size_t)(nl - s) - i : len - i;
	*off = i + k + (nl != NULL);
	if (k > 0 && s[i + k - 1] == '\r')
		k--;
	if (k >= 3 && memcmp(s + i, "\xef\xbb\xbf", 3) == 0) {
		i += 3;
		k -= 3;
	}
	*line = s + i;
	*n = k;
	return true;
}

/* s[0..n) without blanks around it, in place. */
static void
bitlocker_trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/*
 * A copy of s[0..n) for a message: printable ASCII only (anything else
 * as '?'), cut at size - 1 bytes.  Only ever for text that cannot hold
 * a password (a volume name, an error the script wrote).
 */
static void
bitlocker_safe(const char *s, size_t n, char *out, size_t size)
{
	size_t	 i;

	if (size == 0)
		return;
	if (n > size - 1)
		n = size - 1;
	for (i = 0; i < n; i++) {
		out[i] = (unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f ? s[i] : '?';
	}
	out[n] = '\0';
}

static int
bitlocker_xdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Reads a whole key ID in s[0..n): 32 hex digits, any case, dashes
 * anywhere, in braces or not, blanks around.  Writes the digits in
 * upper case to hex (BITLOCKER_HEX + 1 bytes); returns 0, or -1.
 */
static int
bitlocker_keyid(const char *s, size_t n, char *hex)
{
	static const char	 digits[] = "0123456789ABCDEF";
	size_t			 i, k = 0;
	int			 d;

	bitlocker_trim(&s, &n);
	if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
		s++;
		n -= 2;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '-')
			continue;
		if ((d = bitlocker_xdigit((unsigned char)s[i])) < 0 ||
		    k == BITLOCKER_HEX)
			return -1;
		hex[k++] = digits[d];
	}
	hex[k] = '\0';
	return k == BITLOCKER_HEX ? 0 : -1;
}

/* A key ID's digits as Windows shows it: {8-4-4-4-12} (39 bytes). */
static void
bitlocker_braced(const char *hex, char *out)
{
	size_t	 i, o = 0;

	out[o++] = '{';
	for (i = 0; i < BITLOCKER_HEX; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[i];
	}
	out[o++] = '}';
	out[o] = '\0';
}

/*
 * Whether s[0..n) has the shape of a recovery password as Windows
 * prints it: 8 groups of 6 digits joined by dashes.  The checks of each
 * group are lifeboat's (it refuses what fails them).
 */
static bool
bitlocker_pw_shape(const char *s, size_t n)
{
	size_t	 i;

	if (n != BITLOCKER_PW_LEN)
		return false;
	for (i = 0; i < n; i++) {
		if (i % 7 == 6 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return true;
}

/* A line that starts like a password but is not one: cut short. */
static bool
bitlocker_pw_partial(const char *s, size_t n)
{
	size_t	 i, digits = 0;

	if (n == 0 || n >= BITLOCKER_PW_LEN)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] != '-')
			return false;
	}
	/* A PCR profile line is "0, 2, 4, 11": commas, never a dash. */
	return digits >= 6 && n > 6 && s[6] == '-';
}

/*
 * What the key source made of a reply so far.
 */
struct bitlocker_scan {
	const struct lb_ks_emit	*emit;
	unsigned	 volumes;	/* volumes seen */
	unsigned	 protectors;	/* key protectors of any type */
	unsigned	 recovery;	/* recovery-password protectors */
	unsigned	 keys;		/* taken by lifeboat */
	unsigned	 rejected;	/* refused by lifeboat */
	unsigned	 hidden;	/* recovery ones without password */
	unsigned	 encrypted;	/* volumes not fully decrypted */
	char		 bad[BITLOCKER_REASON_MAX]; /* the first thing wrong */
};

/* Notes the first thing wrong with the reply. */
static void __attribute__((format(printf, 2, 3)))
bitlocker_bad(struct bitlocker_scan *sc, const char *fmt, ...)
{
	va_list	 ap;

	if (sc->bad[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(sc->bad, sizeof sc->bad, fmt, ap);
	va_end(ap);
}

/*
 * One recovery-password protector: hands it to lifeboat when its ID is
 * a key ID and it came with a password.  volume and pw are
 * NUL-terminated; the ID is id[0..idlen).
 */
static void
bitlocker_found(struct bitlocker_scan *sc, const char *volume,
    const char *id, size_t idlen, const char *pw)
{
	struct lb_ks_key	 k;
	char			 hex[BITLOCKER_HEX + 1], braced[40];
	char			 vol[64];

	sc->recovery++;
	if (id == NULL || bitlocker_keyid(id, idlen, hex) == -1) {
		bitlocker_safe(volume, strlen(volume), vol, sizeof vol);
		bitlocker_bad(sc, "a recovery protector on '%s' has no valid "
		    "key id", vol);
		return;
	}
	if (pw == NULL || pw[strspn(pw, " \t")] == '\0') {
		sc->hidden++;
		return;
	}
	bitlocker_braced(hex, braced);
	k = (struct lb_ks_key){ volume, braced, pw, "" };
	if (sc->emit->key(sc->emit->ctx, &k) == 0)
		sc->keys++;
	else
		sc->rejected++;
}

/* KeyProtectorType: a number, or the enum's name; -1 when neither. */
static int64_t
bitlocker_kptype(const struct jv *t)
{
	if (t == NULL)
		return -1;
	if (t->type == JV_NUM && t->is_int)
		return t->i;
	if (t->type != JV_STR)
		return -1;
	if (strcasecmp(t->s, "RecoveryPassword") == 0 ||
	    strcasecmp(t->s, "NumericalPassword") == 0)
		return 3;
	if (strcmp(t->s, "3") == 0)
		return 3;
	return 0;
}

/* Whether a Get-BitLockerVolume volume is (partly) encrypted. */
static bool
bitlocker_json_encrypted(const struct jv *vol)
{
	const struct jv	*st = jv_get(vol, "VolumeStatus");

	if (st == NULL)
		return false;
	if (st->type == JV_NUM)
		return !(st->is_int && st->i == 0);
	if (st->type == JV_STR)
		return strcasecmp(st->s, "FullyDecrypted") != 0;
	return false;
}

static void
bitlocker_json_volume(struct bitlocker_scan *sc, const struct jv *vol)
{
	const struct jv	*kp, *p, *id;
	const char	*mount, *pw;
	size_t		 i, n;

	if (vol->type != JV_OBJ) {
		bitlocker_bad(sc, "get-bitlockervolume gave a volume that is "
		    "not an object");
		return;
	}
	sc->volumes++;
	if ((mount = jv_str(vol, "MountPoint")) == NULL)
		mount = "";
	if (bitlocker_json_encrypted(vol))
		sc->encrypted++;
	kp = jv_get(vol, "KeyProtector");
	if (kp == NULL || kp->type == JV_NULL)
		return;
	if (kp->type != JV_ARR && kp->type != JV_OBJ) {
		bitlocker_bad(sc, "get-bitlockervolume gave a KeyProtector "
		    "that is no list");
		return;
	}
	n = kp->type == JV_ARR ? kp->len : 1;
	for (i = 0; i < n; i++) {
		p = kp->type == JV_ARR ? kp->v[i] : kp;
		if (p->type != JV_OBJ)
			continue;
		sc->protectors++;
		if (bitlocker_kptype(jv_get(p, "KeyProtectorType")) != 3)
			continue;
		id = jv_get(p, "KeyProtectorId");
		pw = jv_str(p, "RecoveryPassword");
		bitlocker_found(sc, mount, id != NULL && id->type == JV_STR ?
		    id->s : NULL, id != NULL && id->type == JV_STR ?
		    id->len : 0, pw);
	}
}

/* Parses body as JSON into *root; false (and sc->bad) when it is not. */
static bool
bitlocker_json_root(struct bitlocker_scan *sc, struct arena *a,
    const char *what, const char *body, size_t len, struct jv **root)
{
	struct jsonr_error	 err;
	size_t			 i;

	*root = NULL;
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
		body += 3;
		len -= 3;
	}
	/* body need not end in a NUL. */
	for (i = 0; i < len; i++) {
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' &&
		    body[i] != '\n')
			break;
	}
	if (i == len)
		return true;	/* nothing: no volume */
	if (jsonr_parse(a, body, len, root, &err) != 0) {
		bitlocker_bad(sc, "unreadable output of %s: line %zu, column "
		    "%zu: %s", what, err.line, err.col, err.msg);
		return false;
	}
	return true;
}

static void
bitlocker_json(struct bitlocker_scan *sc, const char *body, size_t len)
{
	struct arena	*a = arena_new();
	struct jv	*root;
	size_t		 i;

	if (bitlocker_json_root(sc, a, "get-bitlockervolume", body, len,
	    &root) && root != NULL) {
		if (root->type == JV_ARR) {
			for (i = 0; i < root->len; i++)
				bitlocker_json_volume(sc, root->v[i]);
		} else
			bitlocker_json_volume(sc, root);
	}
	arena_free_wipe(a);
}

/* One row of the CIM script's table. */
static void
bitlocker_cim_row(struct bitlocker_scan *sc, const struct jv *row,
    char *last, size_t lastsize)
{
	const char	*vol, *pw;
	const struct jv	*id;
	int64_t		 rv;

	if (row->type != JV_OBJ) {
		bitlocker_bad(sc, "win32_encryptablevolume gave a row that is "
		    "not an object");
		return;
	}
	vol = jv_str(row, "DriveLetter");
	if (vol == NULL || vol[0] == '\0')
		vol = jv_str(row, "DeviceID");
	if (vol == NULL)
		vol = "";
	/* The script writes a volume's rows together. */
	if (sc->volumes == 0 || strncmp(last, vol, lastsize - 1) != 0) {
		sc->volumes++;
		if (jv_int(row, "ProtectionStatus", 0) == 1)
			sc->encrypted++;
		bitlocker_msg(last, lastsize, "%s", vol);
	}
	id = jv_get(row, "ProtectorId");
	if (id == NULL || id->type == JV_NULL)
		return;
	sc->protectors++;
	rv = jv_int(row, "ReturnValue", -1);
	pw = rv == 0 ? jv_str(row, "NumericalPassword") : NULL;
	bitlocker_found(sc, vol, id->type == JV_STR ? id->s : NULL,
	    id->type == JV_STR ? id->len : 0, pw);
}

static void
bitlocker_cim(struct bitlocker_scan *sc, const char *body, size_t len)
{
	struct arena	*a = arena_new();
	struct jv	*root;
	char		 last[BITLOCKER_VOL_MAX] = "";
	size_t		 i;

	if (bitlocker_json_root(sc, a, "win32_encryptablevolume", body, len,
	    &root) && root != NULL) {
		if (root->type == JV_ARR) {
			for (i = 0; i < root->len; i++)
				bitlocker_cim_row(sc, root->v[i], last,
				    sizeof last);
		} else
			bitlocker_cim_row(sc, root, last, sizeof last);
	}
	arena_free_wipe(a);
}

/*
 * A volume line of manage-bde: unindented, with a drive letter ("C:")
 * or a volume GUID path as a word of its own; the word into vol.
 */
static bool
bitlocker_mbde_volume(const char *s, size_t n, char *vol, size_t size)
{
	size_t	 i, k;

	if (n == 0 || s[0] == ' ' || s[0] == '\t')
		return false;
	for (i = 0; i < n; i++) {
		if (i > 0 && s[i - 1] != ' ')
			continue;
		if (i + 1 < n && s[i + 1] == ':' &&
		    ((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z')) &&
		    (i + 2 == n || s[i + 2] == ' ')) {
			bitlocker_msg(vol, size, "%c:", s[i] & ~0x20);
			return true;
		}
		if (n - i > 4 && memcmp(s + i, "\\\\?\\", 4) == 0) {
			for (k = i; k < n && s[k] != ' '; k++)
				;
			bitlocker_safe(s + i, k - i, vol, size);
			return true;
		}
	}
	return false;
}

/* The {GUID} in a line, or NULL. */
static const char *
bitlocker_guid_in(const char *s, size_t n)
{
	char		 hex[BITLOCKER_HEX + 1];
	const char	*b;
	size_t		 i;

	for (i = 0; i + 38 <= n; i++) {
		b = s + i;
		if (b[0] == '{' && b[37] == '}' &&
		    bitlocker_keyid(b, 38, hex) == 0)
			return b;
	}
	return NULL;
}

/*
 * manage-bde's text.  A protector ID waits for its password on the
 * lines after it, until the next ID or volume; the English label
 * "Numerical Password:" before an ID says that a password must come
 * (in another language a protector without one is taken for another
 * type, TPM and the like, and skipped).
 */
static void
bitlocker_mbde(struct bitlocker_scan *sc, const char *body, size_t len)
{
	const char	*line, *g;
	char		 vol[BITLOCKER_VOL_MAX] = "";
	char		 id[40] = "", pw[BITLOCKER_PW_LEN + 1];
	char		 last[BITLOCKER_LINE_MAX] = "";
	size_t		 off = 0, n;
	bool		 pending = false, must = false, label = false;

	while (bitlocker_line(body, len, &off, &line, &n)) {
		if (bitlocker_mbde_volume(line, n, vol, sizeof vol)) {
			if (pending && must)
				break;
			sc->volumes++;
			pending = must = label = false;
			continue;
		}
		bitlocker_trim(&line, &n);
		if (n == 0)
			continue;
		if ((g = bitlocker_guid_in(line, n)) != NULL) {
			if (pending && must)
				break;
			if (sc->volumes == 0)
				continue;	/* not a protector's */
			sc->protectors++;
			memcpy(id, g, 38);
			id[38] = '\0';
			pending = true;
			must = label;
			label = false;
			continue;
		}
		if (bitlocker_pw_shape(line, n)) {
			if (!pending) {
				bitlocker_bad(sc, "manage-bde printed a "
				    "recovery password with no key id "
				    "before it");
				continue;
			}
			memcpy(pw, line, n);
			pw[n] = '\0';
			bitlocker_found(sc, vol, id, strlen(id), pw);
			bitlocker_wipe(pw, sizeof pw);
			pending = must = false;
			continue;
		}
		if (bitlocker_pw_partial(line, n)) {
			bitlocker_bad(sc, "manage-bde's output ends in the "
			    "middle of a recovery password");
			continue;
		}
		/* Only lines that cannot hold a password get here. */
		bitlocker_safe(line, n, last, sizeof last);
		if (n == 19 && strncasecmp(line, "Numerical Password:",
		    19) == 0)
			label = true;
		else if (line[n - 1] == ':')
			label = false;	/* another type's label */
	}
	if (pending && must)
		bitlocker_bad(sc, "manage-bde gave no recovery password for "
		    "protector %s", id);
	if (sc->volumes == 0 && last[0] != '\0')
		bitlocker_bad(sc, "manage-bde: %s", last);
}

/* The marker line and what follows it; BITLOCKER_NONE without one. */
static enum bitlocker_method
bitlocker_body(const struct lb_reply *reply, const char **body,
    size_t *blen)
{
	const char	*line;
	size_t		 off = 0, n, i, mlen = strlen(BITLOCKER_MARK);

	while (bitlocker_line(reply->out, reply->out_len, &off, &line,
	    &n)) {
		bitlocker_trim(&line, &n);
		if (n <= mlen || memcmp(line, BITLOCKER_MARK, mlen) != 0)
			continue;
		for (i = 0; i < BITLOCKER_NONE; i++) {
			if (n - mlen == strlen(bitlocker_methods[i]) &&
			    memcmp(line + mlen, bitlocker_methods[i],
			    n - mlen) == 0) {
				*body = reply->out + off;
				*blen = reply->out_len - off;
				return (enum bitlocker_method)i;
			}
		}
	}
	*body = NULL;
	*blen = 0;
	return BITLOCKER_NONE;
}

/* The first line of stderr that is not blank, or false. */
static bool
bitlocker_stderr(const struct lb_reply *reply, char *buf, size_t size)
{
	const char	*line;
	size_t		 off = 0, n;

	while (bitlocker_line(reply->err, reply->err_len, &off, &line, &n)) {
		bitlocker_trim(&line, &n);
		if (n > 0) {
			bitlocker_safe(line, n, buf, size);
			return true;
		}
	}
	return false;
}

/* Why a reply with no marker or a bad exit status is no answer. */
static void
bitlocker_no_answer(const struct lb_reply *reply, char *why, size_t whylen)
{
	char	 line[BITLOCKER_REASON_MAX];

	if (bitlocker_stderr(reply, line, sizeof line))
		bitlocker_msg(why, whylen, "%s", line);
	else if (reply->rc != 0)
		bitlocker_msg(why, whylen, "the script exited with %d",
		    reply->rc);
	else
		bitlocker_msg(why, whylen, "the script did not report back");
}

static enum lb_ks_status
bitlocker_verdict(const struct bitlocker_scan *sc, char *why,
    size_t whylen)
{
	if (sc->bad[0] != '\0') {
		bitlocker_msg(why, whylen, "%s", sc->bad);
		return LB_KS_ERROR;
	}
	if (sc->keys > 0)
		return LB_KS_OK;
	if (sc->rejected > 0) {
		bitlocker_msg(why, whylen, "%u recovery password%s the host "
		    "printed %s malformed", sc->rejected,
		    sc->rejected == 1 ? "" : "s",
		    sc->rejected == 1 ? "was" : "were");
		return LB_KS_ERROR;
	}
	if (sc->hidden > 0) {
		bitlocker_msg(why, whylen, "%u recovery protector%s came "
		    "without %s password (only administrators may read them)",
		    sc->hidden, sc->hidden == 1 ? "" : "s",
		    sc->hidden == 1 ? "its" : "their");
		return LB_KS_DENIED;
	}
	if (sc->volumes == 0)
		bitlocker_msg(why, whylen, "bitlocker reports no volume");
	else if (sc->protectors == 0 && sc->encrypted == 0)
		bitlocker_msg(why, whylen, "volume not encrypted: no volume "
		    "has a key protector");
	else
		bitlocker_msg(why, whylen, "bitlocker is on but no recovery "
		    "password protector");
	return LB_KS_NO_KEY;
}

static enum lb_ks_status
bitlocker_ks_parse(const struct lb_facts *facts, const struct lb_reply *reply,
    const struct lb_ks_emit *emit, char *why, size_t whylen)
{
	struct bitlocker_scan	*sc;
	enum bitlocker_method	 m;
	enum lb_ks_status	 st;
	const char		*body;
	size_t			 blen;

	(void)facts;
	m = bitlocker_body(reply, &body, &blen);
	if (reply->rc == 3 && m == BITLOCKER_NONE) {
		bitlocker_msg(why, whylen, "bitlocker is not available on "
		    "this host");
		return LB_KS_NO_KEY;
	}
	if (reply->rc != 0 || m == BITLOCKER_NONE) {
		bitlocker_no_answer(reply, why, whylen);
		return LB_KS_ERROR;
	}
	if ((sc = calloc(1, sizeof *sc)) == NULL) {
		bitlocker_msg(why, whylen, "out of memory");
		return LB_KS_ERROR;
	}
	sc->emit = emit;
	if (m == BITLOCKER_JSON)
		bitlocker_json(sc, body, blen);
	else if (m == BITLOCKER_CIM)
		bitlocker_cim(sc, body, blen);
	else
		bitlocker_mbde(sc, body, blen);
	st = bitlocker_verdict(sc, why, whylen);
	free(sc);
	return st;
}

/*
 * The scripts.  Each is text of its own with a few values (the markers,
 * the WMI namespace and class) written as quoted words; @@ in a piece
 * of text stands for the next of them.
 */
static int
bitlocker_write(const struct lb_out *out, const char *tmpl,
    const char *const *words)
{
	const char	*p, *at;
	char		 piece[1024];
	size_t		 n;

	for (p = tmpl; (at = strstr(p, "@@")) != NULL; p = at + 2) {
		while (at > p) {
			n = (size_t)(at - p) < sizeof piece - 1 ?
			    (size_t)(at - p) : sizeof piece - 1;
			memcpy(piece, p, n);
			piece[n] = '\0';
			if (out->text(out->ctx, piece) == -1)
				return -1;
			p += n;
		}
		if (*words == NULL || out->word(out->ctx, *words++) == -1)
			return -1;
	}
	return out->text(out->ctx, p);
}

/*
 * Shared head: the three ways, each in a function that returns what
 * it found or throws.  $lbAny says BitLocker is there at all, $lbWhy
 * why the last way that should have worked did not.
 */
static const char bitlocker_ps_head[] =
	"$ProgressPreference = 'SilentlyContinue'\n"
	"$lbNs = @@\n"
	"$lbClass = @@\n"
	"$lbAny = $false\n"
	"$lbWhy = $null\n"
	"function lb_nons($e) {\n"
	"\t# No such namespace or class: no BitLocker WMI provider.\n"
	"\t[string]$e.FullyQualifiedErrorId -match "
	    "'0x8004100e|0x80041010|InvalidNamespace|InvalidClass'\n"
	"}\n"
	"function lb_drives {\n"
	"\t@([System.IO.DriveInfo]::GetDrives() |\n"
	"\t    Where-Object { [string]$_.DriveType -eq 'Fixed' } |\n"
	"\t    ForEach-Object { $_.Name.TrimEnd('\\') })\n"
	"}\n";

static const char bitlocker_ps_fail[] =
	"if ($lbWhy -ne $null) {\n"
	"\t[Console]::Error.WriteLine('bitlocker: ' + $lbWhy)\n"
	"\texit 1\n"
	"}\n"
	"[Console]::Error.WriteLine('bitlocker is not available on this "
	    "host: no Get-BitLockerVolume, no ' + $lbClass + ', no "
	    "manage-bde')\n"
	"exit 3\n";

/* The key source's script: raw output after a marker. */
static const char bitlocker_ks_script[] =
	"# lifeboat bitlocker keys: every volume's recovery passwords\n"
	"%HEAD%"
	"if (Get-Command -Name Get-BitLockerVolume "
	    "-ErrorAction SilentlyContinue) {\n"
	"\t$lbAny = $true\n"
	"\ttry {\n"
	"\t\t$j = Get-BitLockerVolume -ErrorAction Stop |\n"
	"\t\t    ConvertTo-Json -Depth 4\n"
	"\t\t@@\n"
	"\t\t$j\n"
	"\t\texit 0\n"
	"\t} catch { $lbWhy = $_.Exception.Message }\n"
	"}\n"
	"try {\n"
	"\t$vs = @(Get-CimInstance -Namespace $lbNs -ClassName $lbClass "
	    "-ErrorAction Stop)\n"
	"\t$lbAny = $true\n"
	"\t$rows = @(foreach ($v in $vs) {\n"
	"\t\t$r = Invoke-CimMethod -InputObject $v "
	    "-MethodName GetKeyProtectors -Arguments "
	    "@{ KeyProtectorType = [uint32]3 }\n"
	"\t\t$ids = @($r.VolumeKeyProtectorID | Where-Object { $_ })\n"
	"\t\t$row = @{ DriveLetter = $v.DriveLetter; "
	    "DeviceID = $v.DeviceID;\n"
	"\t\t    ProtectionStatus = $v.ProtectionStatus; "
	    "ProtectorId = $null;\n"
	"\t\t    NumericalPassword = $null; ReturnValue = $r.ReturnValue }\n"
	"\t\tif ($ids.Count -eq 0) { [pscustomobject]$row }\n"
	"\t\tforeach ($id in $ids) {\n"
	"\t\t\t$p = Invoke-CimMethod -InputObject $v -MethodName "
	    "GetKeyProtectorNumericalPassword -Arguments "
	    "@{ VolumeKeyProtectorID = $id }\n"
	"\t\t\t$row.ProtectorId = $id\n"
	"\t\t\t$row.NumericalPassword = $p.NumericalPassword\n"
	"\t\t\t$row.ReturnValue = $p.ReturnValue\n"
	"\t\t\t[pscustomobject]$row\n"
	"\t\t}\n"
	"\t})\n"
	"\t$j = ConvertTo-Json -InputObject $rows -Depth 2\n"
	"\t@@\n"
	"\t$j\n"
	"\texit 0\n"
	"} catch { if (-not (lb_nons $_)) { $lbAny = $true; "
	    "$lbWhy = $_.Exception.Message } }\n"
	"if (Get-Command -Name manage-bde.exe "
	    "-ErrorAction SilentlyContinue) {\n"
	"\t$t = @(foreach ($d in lb_drives) {\n"
	"\t\t& manage-bde.exe -protectors -get $d -type RecoveryPassword "
	    "2>&1 |\n"
	"\t\t    ForEach-Object { [string]$_ }\n"
	"\t})\n"
	"\t@@\n"
	"\t$t\n"
	"\texit 0\n"
	"}\n"
	"%FAIL%";

/* The action's script: protector IDs only, never a password. */
static const char bitlocker_act_script[] =
	"# lifeboat bitlocker protectors: recovery protector IDs, "
	    "no passwords\n"
	"%HEAD%"
	"function lb_v($v) { \"lb-bitlocker volume`t$v\" }\n"
	"function lb_p($i, $v) { \"lb-bitlocker protector`t$i`t$v\" }\n"
	"if (Get-Command -Name Get-BitLockerVolume "
	    "-ErrorAction SilentlyContinue) {\n"
	"\t$lbAny = $true\n"
	"\ttry {\n"
	"\t\t$o = @(foreach ($v in @(Get-BitLockerVolume "
	    "-ErrorAction Stop)) {\n"
	"\t\t\tlb_v $v.MountPoint\n"
	"\t\t\tforeach ($k in @($v.KeyProtector)) {\n"
	"\t\t\t\t$t = [string]$k.KeyProtectorType\n"
	"\t\t\t\tif ($t -eq 'RecoveryPassword' -or $t -eq '3') {\n"
	"\t\t\t\t\tlb_p $k.KeyProtectorId $v.MountPoint\n"
	"\t\t\t\t}\n"
	"\t\t\t}\n"
	"\t\t})\n"
	"\t\t'lb-bitlocker method json'\n"
	"\t\t$o\n"
	"\t\texit 0\n"
	"\t} catch { $lbWhy = $_.Exception.Message }\n"
	"}\n"
	"try {\n"
	"\t$vs = @(Get-CimInstance -Namespace $lbNs -ClassName $lbClass "
	    "-ErrorAction Stop)\n"
	"\t$lbAny = $true\n"
	"\t$o = @(foreach ($v in $vs) {\n"
	"\t\t$n = if ($v.DriveLetter) { $v.DriveLetter } "
	    "else { $v.DeviceID }\n"
	"\t\tlb_v $n\n"
	"\t\t$r = Invoke-CimMethod -InputObject $v "
	    "-MethodName GetKeyProtectors -Arguments "
	    "@{ KeyProtectorType = [uint32]3 }\n"
	"\t\tforeach ($id in @($r.VolumeKeyProtectorID | "
	    "Where-Object { $_ })) { lb_p $id $n }\n"
	"\t})\n"
	"\t'lb-bitlocker method cim'\n"
	"\t$o\n"
	"\texit 0\n"
	"} catch { if (-not (lb_nons $_)) { $lbAny = $true; "
	    "$lbWhy = $_.Exception.Message } }\n"
	"if (Get-Command -Name manage-bde.exe "
	    "-ErrorAction SilentlyContinue) {\n"
	"\t$o = @(foreach ($d in lb_drives) {\n"
	"\t\tlb_v $d\n"
	"\t\t$t = (& manage-bde.exe -protectors -get $d "
	    "-type RecoveryPassword 2>$null) -join \"`n\"\n"
	"\t\tforeach ($m in [regex]::Matches($t, "
	    "'\\{[0-9A-Fa-f-]{36}\\}')) { lb_p $m.Value $d }\n"
	"\t})\n"
	"\t'lb-bitlocker method manage-bde'\n"
	"\t$o\n"
	"\texit 0\n"
	"}\n"
	"%FAIL%";

/* Writes a script: its text with %HEAD% and %FAIL% put in. */
static int
bitlocker_script(const struct lb_out *out, const char *script,
    const char *const *words)
{
	static const char *const headwords[] = { BITLOCKER_NS,
	    BITLOCKER_CLASS, NULL };
	const char	*head = strstr(script, "%HEAD%");
	const char	*fail = strstr(script, "%FAIL%");
	char		*first;
	int		 r;

	if (head == NULL || fail == NULL || fail < head)
		return -1;
	if ((first = strndup(script, (size_t)(head - script))) == NULL)
		return -1;
	r = out->text(out->ctx, first);
	free(first);
	if (r == -1 || bitlocker_write(out, bitlocker_ps_head,
	    headwords) == -1)
		return -1;
	if ((first = strndup(head + 6, (size_t)(fail - head - 6))) == NULL)
		return -1;
	r = bitlocker_write(out, first, words);
	free(first);
	if (r == -1)
		return -1;
	return out->text(out->ctx, bitlocker_ps_fail);
}

static int
bitlocker_ks_build(const struct lb_facts *facts, const struct lb_out *out,
    char *why, size_t whylen)
{
	static const char *const marks[] = {
	    BITLOCKER_MARK "json", BITLOCKER_MARK "cim",
	    BITLOCKER_MARK "manage-bde", NULL };

	if (facts->shell != LB_SHELL_POWERSHELL) {
		bitlocker_msg(why, whylen, "bitlocker keys are read from "
		    "windows hosts only");
		return -1;
	}
	if (bitlocker_script(out, bitlocker_ks_script, marks) == -1) {
		bitlocker_msg(why, whylen, "cannot write the script");
		return -1;
	}
	return 0;
}

static const char *const bitlocker_ks_keys[] = { NULL };

static const struct lb_keysource bitlocker_keysource = {
	.abi = LB_KEYSOURCE_ABI,
	.name = "host",
	.version = "1.0",
	.summary = "recovery passwords read from the host over its own "
	    "connection (Get-BitLockerVolume, WMI, manage-bde)",
	.concurrency = 32,
	.keys = bitlocker_ks_keys,
	.build = bitlocker_ks_build,
	.parse = bitlocker_ks_parse,
};

/* The action. */

static const char *const bitlocker_keys[] = { "escrowed", NULL };

static int
bitlocker_check(const struct lb_args *args, const char **key, char *why,
    size_t whylen)
{
	const char	*esc = lb_arg_get(args, "escrowed"), *line;
	char		 hex[BITLOCKER_HEX + 1];
	size_t		 off = 0, n, no = 0;

	*key = NULL;
	if (esc == NULL || lb_templated(esc))
		return 0;
	while (bitlocker_line(esc, strlen(esc), &off, &line, &n)) {
		no++;
		bitlocker_trim(&line, &n);
		if (n > 0 && bitlocker_keyid(line, n, hex) == -1) {
			*key = "escrowed";
			bitlocker_msg(why, whylen, "escrowed: line %zu is not "
			    "a key id (32 hex digits)", no);
			return -1;
		}
	}
	return 0;
}

static int
bitlocker_build(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_out *out, char *why, size_t whylen)
{
	static const char *const none[] = { NULL };
	const char	*key;

	if (bitlocker_check(args, &key, why, whylen) == -1)
		return -1;
	if (facts->shell != LB_SHELL_POWERSHELL) {
		bitlocker_msg(why, whylen, "bitlocker runs on windows hosts "
		    "only");
		return -1;
	}
	if (bitlocker_script(out, bitlocker_act_script, none) == -1) {
		bitlocker_msg(why, whylen, "cannot write the script");
		return -1;
	}
	return 0;
}

/* Whether the key ID hex is on a line of list. */
static bool
bitlocker_listed(const char *list, const char *hex)
{
	const char	*line;
	char		 h[BITLOCKER_HEX + 1];
	size_t		 off = 0, n;

	if (list == NULL)
		return false;
	while (bitlocker_line(list, strlen(list), &off, &line, &n)) {
		if (bitlocker_keyid(line, n, h) == 0 && strcmp(h, hex) == 0)
			return true;
	}
	return false;
}

/* Appends line and a newline to list (size bytes) unless it is full. */
static void
bitlocker_append(char *list, size_t size, const char *line)
{
	size_t	 len = strlen(list), n = strlen(line);

	if (len + n + 2 > size)
		return;
	memcpy(list + len, line, n);
	list[len + n] = '\n';
	list[len + n + 1] = '\0';
}

/* A list without its last newline, for set(). */
static const char *
bitlocker_chomp(char *list)
{
	size_t	 n = strlen(list);

	if (n > 0 && list[n - 1] == '\n')
		list[n - 1] = '\0';
	return list;
}

/* What the action's script reported. */
struct bitlocker_act {
	char	 method[16];
	char	 volumes[BITLOCKER_LIST_MAX];
	char	 protectors[BITLOCKER_LIST_MAX];
	char	 missing[BITLOCKER_LIST_MAX];
	char	 first[BITLOCKER_REASON_MAX];	/* the first one missing */
	size_t	 nmissing;
};

/* One "lb-bitlocker protector<TAB>ID<TAB>VOLUME" line, its rest in s. */
static void
bitlocker_act_protector(struct bitlocker_act *ac, const char *escrowed,
    const char *s, size_t n)
{
	const char	*tab = memchr(s, '\t', n);
	char		 hex[BITLOCKER_HEX + 1], braced[40];
	char		 vol[BITLOCKER_VOL_MAX];

	if (tab == NULL || bitlocker_keyid(s, (size_t)(tab - s), hex) == -1)
		return;
	bitlocker_braced(hex, braced);
	if (bitlocker_listed(ac->protectors, hex))
		return;
	bitlocker_append(ac->protectors, sizeof ac->protectors, braced);
	if (escrowed == NULL || bitlocker_listed(escrowed, hex))
		return;
	bitlocker_append(ac->missing, sizeof ac->missing, braced);
	if (ac->nmissing++ == 0) {
		bitlocker_safe(tab + 1, n - (size_t)(tab + 1 - s), vol,
		    sizeof vol);
		bitlocker_msg(ac->first, sizeof ac->first, "%s recovery "
		    "protector %s is not escrowed", vol[0] ? vol : "a volume's",
		    braced);
	}
}

static enum lb_verdict
bitlocker_parse(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_reply *reply, const struct lb_out *out)
{
	static const char	 tag[] = "lb-bitlocker ";
	const char		*escrowed = lb_arg_get(args, "escrowed");
	const char		*line;
	struct bitlocker_act	*ac;
	char			 reason[BITLOCKER_REASON_MAX];
	char			 vol[BITLOCKER_VOL_MAX];
	size_t			 off = 0, n;
	enum lb_verdict		 v = LB_OK;

	(void)facts;
	if (reply->rc == 3) {
		out->set(out->ctx, "available", "false");
		out->set(out->ctx, "volumes", "");
		out->set(out->ctx, "protectors", "");
		if (escrowed != NULL)
			out->set(out->ctx, "missing", "");
		return LB_OK;
	}
	if ((ac = calloc(1, sizeof *ac)) == NULL) {
		out->fail(out->ctx, "out of memory");
		return LB_FAILED;
	}
	while (bitlocker_line(reply->out, reply->out_len, &off, &line, &n)) {
		if (n < sizeof tag || memcmp(line, tag, sizeof tag - 1) != 0)
			continue;
		line += sizeof tag - 1;
		n -= sizeof tag - 1;
		if (n > 7 && memcmp(line, "method ", 7) == 0)
			bitlocker_safe(line + 7, n - 7, ac->method,
			    sizeof ac->method);
		else if (n > 7 && memcmp(line, "volume\t", 7) == 0) {
			bitlocker_safe(line + 7, n - 7, vol, sizeof vol);
			bitlocker_append(ac->volumes, sizeof ac->volumes,
			    vol);
		} else if (n > 10 && memcmp(line, "protector\t", 10) == 0)
			bitlocker_act_protector(ac, escrowed, line + 10,
			    n - 10);
	}
	if (reply->rc != 0 || ac->method[0] == '\0') {
		bitlocker_no_answer(reply, reason, sizeof reason);
		out->fail(out->ctx, reason);
		v = LB_FAILED;
		goto out;
	}
	out->set(out->ctx, "available", "true");
	out->set(out->ctx, "method", ac->method);
	out->set(out->ctx, "volumes", bitlocker_chomp(ac->volumes));
	out->set(out->ctx, "protectors", bitlocker_chomp(ac->protectors));
	if (escrowed != NULL)
		out->set(out->ctx, "missing", bitlocker_chomp(ac->missing));
	if (ac->nmissing > 0) {
		if (ac->nmissing > 1)
			bitlocker_msg(reason, sizeof reason, "%s (and %zu "
			    "more)", ac->first, ac->nmissing - 1);
		else
			bitlocker_msg(reason, sizeof reason, "%s", ac->first);
		out->fail(out->ctx, reason);
		v = LB_FAILED;
	}
out:
	free(ac);
	return v;
}

static const struct lb_plugin bitlocker_plugin = {
	.abi = LB_PLUGIN_ABI,
	.name = "bitlocker",
	.version = "1.0",
	.summary = "a windows host's recovery protector ids, and whether "
	    "each is escrowed",
	.keys = bitlocker_keys,
	.check = bitlocker_check,
	.build = bitlocker_build,
	.parse = bitlocker_parse,
};

LB_PLUGIN_EXPORT const struct lb_keysource *lifeboat_keysource(void);
LB_PLUGIN_EXPORT const struct lb_plugin *lifeboat_plugin(void);

/* The key source "host". */
LB_PLUGIN_EXPORT const struct lb_keysource *
lifeboat_keysource(void)
{
	return &bitlocker_keysource;
}

/* The action "bitlocker". */
LB_PLUGIN_EXPORT const struct lb_plugin *
lifeboat_plugin(void)
{
	return &bitlocker_plugin;
}
