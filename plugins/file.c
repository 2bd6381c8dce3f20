/*
 * The file action (lifeboat-plugin(7)): makes sure the files a path
 * matches are gone, are there, or have the expected SHA-256.
 *
 *	- file: { path: '/etc/cron.d/evil*', state: absent }
 *	- file: { path: 'C:\drivers\C-00000291*.sys', state: absent }
 *	- file: { path: /usr/bin/sudo, state: checksum, sha256: 0f3a... }
 *
 * The path may hold a wildcard (* ? [...]) in its last component only;
 * only files match (not directories), and a symbolic link is a file.
 * The script reports back in lines of its own, which parse() reads and
 * the rest of the output (login banners, profiles) it ignores:
 *
 *	lb-file match PATH		a file the pattern matched
 *	lb-file removed PATH		a file removed
 *	lb-file left PATH		a file still there after removal
 *	lb-file sha256 HEX PATH		the checksum of the one match
 *	lb-file unreadable PATH		the one match cannot be read
 *	lb-file matched N		how many files matched
 *	lb-file remaining N		how many are left (state absent)
 *	lb-file error TEXT		the script could not do its work
 *
 * A newline in a file name would end a line early, so the sh script
 * shows it as '?' (Windows file names hold none); parse() shows any
 * other control character as '?' too.
 *
 * Like every plugin this file includes nothing of lifeboat's but
 * <lifeboat/plugin.h>, and all its names but lifeboat_plugin() are
 * static and start with file_: the fuzz target links it into one
 * program with the service plugin.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lifeboat/plugin.h>

#define FILE_PATH_MAX		4096	/* bytes of a path argument */
#define FILE_LINE_MAX		8192	/* bytes of a reply line kept */
#define FILE_PATHS_MAX		16384	/* bytes of the paths value */
#define FILE_REASON_MAX		512

enum file_state {
	FILE_PRESENT,
	FILE_ABSENT,
	FILE_CHECKSUM,
};

static const char *const file_keys[] = { "path", "state", "sha256", NULL };

/* The arguments, checked, and the path cut at its last separator. */
struct file_spec {
	enum file_state	 state;
	const char	*path;
	const char	*sha256;		/* NULL when not given */
	char		 dir[FILE_PATH_MAX];	/* "." when the path has none */
	char		 prefix[FILE_PATH_MAX];	/* dir as written, or "" */
	char		 glob[FILE_PATH_MAX];
};

/* snprintf() for messages, where a cut is fine. */
static void __attribute__((format(printf, 3, 4)))
file_msg(char *buf, size_t size, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static bool
file_is_sep(char c, bool backslash)
{
	return c == '/' || (backslash && c == '\\');
}

static bool
file_is_hex64(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return false;
	}
	return i == 64;
}

static int
file_state_of(const char *s, enum file_state *state)
{
	if (s == NULL || strcmp(s, "present") == 0)
		*state = FILE_PRESENT;
	else if (strcmp(s, "absent") == 0)
		*state = FILE_ABSENT;
	else if (strcmp(s, "checksum") == 0)
		*state = FILE_CHECKSUM;
	else
		return -1;
	return 0;
}

/*
 * Checks a path: not empty, a last component, and no wildcard before
 * it.  backslash says whether '\' separates too (PowerShell; and in
 * check(), which does not know the shell yet).  Returns the offset of the
 * last component, or -1 with why filled.
 */
static long
file_check_path(const char *path, bool backslash, char *why, size_t whylen)
{
	size_t	 i, last = 0, len = strlen(path);

	if (len == 0) {
		file_msg(why, whylen, "path is empty");
		return -1;
	}
	if (len >= FILE_PATH_MAX) {
		file_msg(why, whylen, "path is longer than %d bytes",
		    FILE_PATH_MAX - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (file_is_sep(path[i], backslash))
			last = i + 1;
	}
	if (last == len) {
		file_msg(why, whylen, "path names a directory, not files");
		return -1;
	}
	for (i = 0; i < last; i++) {
		if (strchr("*?[", path[i]) != NULL) {
			file_msg(why, whylen, "path has a wildcard before its "
			    "last component");
			return -1;
		}
	}
	return (long)last;
}

static int
file_check(const struct lb_args *args, const char **key, char *why,
    size_t whylen)
{
	const char	*path = lb_arg_get(args, "path");
	const char	*state = lb_arg_get(args, "state");
	const char	*sha = lb_arg_get(args, "sha256");
	enum file_state	 st = FILE_PRESENT;

	*key = "path";
	if (path == NULL) {
		file_msg(why, whylen, "path is required");
		return -1;
	}
	if (!lb_templated(path) && file_check_path(path, true, why,
	    whylen) == -1)
		return -1;
	*key = "state";
	if (state != NULL && !lb_templated(state) &&
	    file_state_of(state, &st) == -1) {
		file_msg(why, whylen, "state must be absent, present or "
		    "checksum");
		return -1;
	}
	*key = "sha256";
	if (sha != NULL && !lb_templated(sha)) {
		if (!file_is_hex64(sha)) {
			file_msg(why, whylen, "sha256 must be 64 hexadecimal "
			    "digits");
			return -1;
		}
		if (state != NULL && !lb_templated(state) &&
		    st != FILE_CHECKSUM) {
			file_msg(why, whylen, "sha256 goes with state "
			    "checksum");
			return -1;
		}
	}
	*key = NULL;
	return 0;
}

/*
 * Fills s from args for a script read by shell: the values are final
 * now, so what check() let through as a template is checked again.
 */
static int
file_spec(const struct lb_args *args, enum lb_shell shell,
    struct file_spec *s, char *why, size_t whylen)
{
	const char	*key;
	long		 last;

	memset(s, 0, sizeof *s);
	if (file_check(args, &key, why, whylen) == -1)
		return -1;
	s->path = lb_arg_get(args, "path");
	s->sha256 = lb_arg_get(args, "sha256");
	if (file_state_of(lb_arg_get(args, "state"), &s->state) == -1) {
		file_msg(why, whylen, "state must be absent, present or "
		    "checksum");
		return -1;
	}
	if (s->sha256 != NULL && s->state != FILE_CHECKSUM) {
		file_msg(why, whylen, "sha256 goes with state checksum");
		return -1;
	}
	if (s->sha256 != NULL && !file_is_hex64(s->sha256)) {
		file_msg(why, whylen, "sha256 must be 64 hexadecimal digits");
		return -1;
	}
	last = file_check_path(s->path, shell == LB_SHELL_POWERSHELL, why,
	    whylen);
	if (last == -1)
		return -1;
	memcpy(s->prefix, s->path, (size_t)last);
	s->prefix[last] = '\0';
	/* The directory keeps its separator: "C:" is not "C:\". */
	snprintf(s->dir, sizeof s->dir, "%s", last > 0 ? s->prefix : ".");
	snprintf(s->glob, sizeof s->glob, "%s", s->path + last);
	return 0;
}

/* Writes "NAME=WORD\n" (sh) or "$NAME = WORD\n" (PowerShell). */
static int
file_assign(const struct lb_out *out, enum lb_shell shell, const char *name,
    const char *value)
{
	if (out->text(out->ctx, shell == LB_SHELL_SH ? "" : "$") == -1 ||
	    out->text(out->ctx, name) == -1 ||
	    out->text(out->ctx, shell == LB_SHELL_SH ? "=" : " = ") == -1 ||
	    out->word(out->ctx, value) == -1 ||
	    out->text(out->ctx, "\n") == -1)
		return -1;
	return 0;
}

/*
 * The sh script.  The pattern arrives as a quoted word in g and is
 * expanded once, on purpose, in the for loop's list: with IFS empty $g
 * is not split into fields, and pathname expansion is on (set +f) only
 * for the length of that list; everywhere else it is off (set -f) and
 * every expansion is in double quotes, so a name with blanks, quotes,
 * newlines, '*' or a leading '-' is only ever one argument.  The script
 * first enters the directory, so that only the last component is a
 * pattern whatever the directory's name holds (CDPATH is emptied so that
 * cd cannot go elsewhere), and an unmatched pattern, which the shell
 * leaves as it is, is skipped unless a file of that very name exists.
 */
static const char file_sh_head[] =
	"CDPATH=\n"
	"set -f\n"
	"nl='\n'\n"
	"# lb_say WHAT PATH: a line for lifeboat, a newline in PATH as '?'\n"
	"lb_say() {\n"
	"\tcase $2 in\n"
	"\t*\"$nl\"*) printf 'lb-file %s %s\\n' \"$1\" "
	    "\"$(printf '%s' \"$2\" | tr '\\n' '?')\" ;;\n"
	"\t*) printf 'lb-file %s %s\\n' \"$1\" \"$2\" ;;\n"
	"\tesac\n"
	"}\n"
	"lb_sha256() {\n"
	"\tif command -v sha256sum >/dev/null 2>&1; then sha256sum\n"
	"\telif command -v shasum >/dev/null 2>&1; then shasum -a 256\n"
	"\telif command -v sha256 >/dev/null 2>&1; then sha256 -q\n"
	"\telse openssl dgst -sha256 -r\n"
	"\tfi\n"
	"}\n"
	"m=0 k=0 one=\n"
	"if [ -d \"$d\" ]; then\n"
	"\tcd -- \"$d\" || { echo 'lb-file error cannot enter the "
	    "directory'; exit 1; }\n"
	"\tIFS=\n"
	"\tset +f\n"
	"\tfor f in $g; do\n"
	"\t\tset -f\n"
	"\t\t[ -e \"$f\" ] || [ -L \"$f\" ] || continue\n"
	"\t\t[ -d \"$f\" ] && [ ! -L \"$f\" ] && continue\n"
	"\t\tm=$((m + 1))\n"
	"\t\t[ \"$m\" -eq 1 ] && one=$f\n";

static const char file_sh_absent[] =
	"\t\trm -f -- \"$f\"\n"
	"\t\tif [ -e \"$f\" ] || [ -L \"$f\" ]; then\n"
	"\t\t\tk=$((k + 1))\n"
	"\t\t\tlb_say left \"$p$f\"\n"
	"\t\telse\n"
	"\t\t\tlb_say removed \"$p$f\"\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tset -f\n"
	"fi\n"
	"echo \"lb-file matched $m\"\n"
	"echo \"lb-file remaining $k\"\n"
	"exit 0\n";

static const char file_sh_present[] =
	"\t\tlb_say match \"$p$f\"\n"
	"\tdone\n"
	"\tset -f\n"
	"fi\n"
	"echo \"lb-file matched $m\"\n"
	"exit 0\n";

static const char file_sh_checksum[] =
	"\t\tlb_say match \"$p$f\"\n"
	"\tdone\n"
	"\tset -f\n"
	"\tif [ \"$m\" -eq 1 ]; then\n"
	"\t\th=$(lb_sha256 2>/dev/null <\"$one\") || h=\n"
	"\t\th=${h%%[!0-9a-fA-F]*}\n"
	"\t\tif [ \"${#h}\" -eq 64 ]; then\n"
	"\t\t\tlb_say \"sha256 $h\" \"$p$one\"\n"
	"\t\telse\n"
	"\t\t\tlb_say unreadable \"$p$one\"\n"
	"\t\tfi\n"
	"\tfi\n"
	"fi\n"
	"echo \"lb-file matched $m\"\n"
	"exit 0\n";

/*
 * The PowerShell script.  The directory is taken literally
 * (-LiteralPath); the pattern goes to -Filter, which the file system
 * matches quickly but against 8.3 short names too ('*.sys' finds
 * 'a.sysx' through 'A~1.SYS'), so -like on the real name has the last
 * word, with '[', ']' and '`' escaped since -Filter knows no ranges.
 */
static const char file_ps_head[] =
	"$ProgressPreference = 'SilentlyContinue'\n"
	"function lb_say($what, $path) {\n"
	"\t'lb-file ' + $what + ' ' + ($path -replace '[\\r\\n]', '?')\n"
	"}\n"
	"$like = $g -replace '([\\[\\]`])', '`$1'\n"
	"$m = 0; $k = 0; $one = $null\n"
	"try {\n"
	"\tif (Test-Path -LiteralPath $d -PathType Container) {\n"
	"\t\t$all = @(Get-ChildItem -LiteralPath $d -Filter $g -File "
	    "-Force -ErrorAction SilentlyContinue |\n"
	"\t\t    Where-Object { $_.Name -like $like })\n"
	"\t\tforeach ($f in $all) {\n"
	"\t\t\t$m++\n"
	"\t\t\tif ($m -eq 1) { $one = $f }\n";

static const char file_ps_absent[] =
	"\t\t\ttry {\n"
	"\t\t\t\tRemove-Item -LiteralPath $f.FullName -Force "
	    "-ErrorAction Stop\n"
	"\t\t\t} catch {\n"
	"\t\t\t\t[Console]::Error.WriteLine($_.Exception.Message)\n"
	"\t\t\t}\n"
	"\t\t\tif (Test-Path -LiteralPath $f.FullName) {\n"
	"\t\t\t\t$k++\n"
	"\t\t\t\tlb_say 'left' $f.FullName\n"
	"\t\t\t} else {\n"
	"\t\t\t\tlb_say 'removed' $f.FullName\n"
	"\t\t\t}\n"
	"\t\t}\n"
	"\t}\n"
	"\t'lb-file matched ' + $m\n"
	"\t'lb-file remaining ' + $k\n";

static const char file_ps_present[] =
	"\t\t\tlb_say 'match' $f.FullName\n"
	"\t\t}\n"
	"\t}\n"
	"\t'lb-file matched ' + $m\n";

static const char file_ps_checksum[] =
	"\t\t\tlb_say 'match' $f.FullName\n"
	"\t\t}\n"
	"\t}\n"
	"\tif ($m -eq 1) {\n"
	"\t\ttry {\n"
	"\t\t\t$h = (Get-FileHash -LiteralPath $one.FullName "
	    "-Algorithm SHA256 -ErrorAction Stop).Hash\n"
	"\t\t\tlb_say ('sha256 ' + $h.ToLower()) $one.FullName\n"
	"\t\t} catch {\n"
	"\t\t\tlb_say 'unreadable' $one.FullName\n"
	"\t\t}\n"
	"\t}\n"
	"\t'lb-file matched ' + $m\n";

static const char file_ps_tail[] =
	"} catch {\n"
	"\t'lb-file error ' + ($_.Exception.Message -replace "
	    "'[\\r\\n]', ' ')\n"
	"\texit 1\n"
	"}\n"
	"exit 0\n";

static int
file_build(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_out *out, char *why, size_t whylen)
{
	static const char *const sh[] = {
		[FILE_PRESENT] = file_sh_present,
		[FILE_ABSENT] = file_sh_absent,
		[FILE_CHECKSUM] = file_sh_checksum,
	};
	static const char *const ps[] = {
		[FILE_PRESENT] = file_ps_present,
		[FILE_ABSENT] = file_ps_absent,
		[FILE_CHECKSUM] = file_ps_checksum,
	};
	static const char *const what[] = {
		[FILE_PRESENT] = "present",
		[FILE_ABSENT] = "absent",
		[FILE_CHECKSUM] = "checksum",
	};
	struct file_spec	 s;
	enum lb_shell		 shell = facts->shell;

	if (file_spec(args, shell, &s, why, whylen) == -1)
		return -1;
	if (out->text(out->ctx, "# lifeboat file: ") == -1 ||
	    out->text(out->ctx, what[s.state]) == -1 ||
	    out->text(out->ctx, "\n") == -1 ||
	    file_assign(out, shell, "d", s.dir) == -1 ||
	    (shell == LB_SHELL_SH &&
	    file_assign(out, shell, "p", s.prefix) == -1) ||
	    file_assign(out, shell, "g", s.glob) == -1)
		goto fail;
	if (shell == LB_SHELL_SH) {
		if (out->text(out->ctx, file_sh_head) == -1 ||
		    out->text(out->ctx, sh[s.state]) == -1)
			goto fail;
	} else {
		if (out->text(out->ctx, file_ps_head) == -1 ||
		    out->text(out->ctx, ps[s.state]) == -1 ||
		    out->text(out->ctx, file_ps_tail) == -1)
			goto fail;
	}
	return 0;
fail:
	file_msg(why, whylen, "cannot write the script");
	return -1;
}

/* What the script said. */
struct file_reply {
	long		 matched;	/* -1 until "matched N" */
	long		 remaining;	/* -1 until "remaining N" */
	unsigned	 removed;
	unsigned	 left;
	char		 sha256[65];	/* "" until "sha256 HEX PATH" */
	char		 one[FILE_PATH_MAX];	/* the path of that line */
	bool		 unreadable;
	char		 error[FILE_REASON_MAX];
	char		 paths[FILE_PATHS_MAX];	/* removed or matched */
	size_t		 pathslen;
	unsigned	 more;		/* paths that did not fit */
	char		 lefts[FILE_REASON_MAX];	/* for the reason */
	unsigned	 nlefts;
};

/*
 * Copies the next line of s[*off..len) into line: cut at size - 1
 * bytes, a CR before its LF dropped, other control characters (a NUL
 * too) shown as '?'.  Returns false at the end of s.
 */
static bool
file_next_line(const char *s, size_t len, size_t *off, char *line,
    size_t size)
{
	const char	*nl;
	size_t		 n, i;

	if (*off >= len)
		return false;
	nl = memchr(s + *off, '\n', len - *off);
	n = nl != NULL ? (size_t)(nl - s) - *off : len - *off;
	i = *off;
	*off += n + (nl != NULL);
	if (n > 0 && s[i + n - 1] == '\r')
		n--;
	if (n > size - 1)
		n = size - 1;
	memcpy(line, s + i, n);
	line[n] = '\0';
	for (i = 0; i < n; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	}
	return true;
}

/* A count: 1 to 9 digits and nothing else.  Returns -1 for anything else. */
static long
file_count(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == 0 || i > 9 || s[i] != '\0')
		return -1;
	return strtol(s, NULL, 10);
}

static void
file_add_path(struct file_reply *r, const char *path)
{
	size_t	 n = strlen(path);

	/* Room for the path, its newline, the NUL and "(N more)". */
	if (r->pathslen + n + 2 + 24 > sizeof r->paths) {
		r->more++;
		return;
	}
	if (r->pathslen > 0)
		r->paths[r->pathslen++] = '\n';
	memcpy(r->paths + r->pathslen, path, n + 1);
	r->pathslen += n;
}

static void
file_add_left(struct file_reply *r, const char *path)
{
	size_t	 n = strlen(r->lefts);

	r->nlefts++;
	if (r->nlefts <= 3) {
		file_msg(r->lefts + n, sizeof r->lefts - n, "%s%s",
		    n > 0 ? ", " : "", path);
	} else if (r->nlefts == 4)
		file_msg(r->lefts + n, sizeof r->lefts - n, ", ...");
}

/* Reads one "lb-file ..." line, the prefix already gone. */
static void
file_read_line(struct file_reply *r, enum file_state state, char *s)
{
	char	*arg = strchr(s, ' '), *path;

	if (arg == NULL)
		return;
	*arg++ = '\0';
	if (strcmp(s, "matched") == 0)
		r->matched = file_count(arg);
	else if (strcmp(s, "remaining") == 0)
		r->remaining = file_count(arg);
	else if (strcmp(s, "removed") == 0) {
		r->removed++;
		file_add_path(r, arg);
	} else if (strcmp(s, "left") == 0) {
		r->left++;
		file_add_left(r, arg);
	} else if (strcmp(s, "match") == 0) {
		if (state != FILE_ABSENT)
			file_add_path(r, arg);
	} else if (strcmp(s, "sha256") == 0) {
		path = strchr(arg, ' ');
		if (path == NULL)
			return;
		*path++ = '\0';
		if (!file_is_hex64(arg))
			return;
		snprintf(r->sha256, sizeof r->sha256, "%s", arg);
		snprintf(r->one, sizeof r->one, "%s", path);
	} else if (strcmp(s, "unreadable") == 0) {
		r->unreadable = true;
		snprintf(r->one, sizeof r->one, "%s", arg);
	} else if (strcmp(s, "error") == 0)
		snprintf(r->error, sizeof r->error, "%s", arg);
}

static void
file_lower(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

/* The reason a reply is not an answer: the script's, stderr's or rc. */
static void
file_no_answer(const struct lb_reply *reply, const struct file_reply *r,
    char *reason, size_t size)
{
	char	 line[FILE_REASON_MAX];
	size_t	 off = 0, skip;

	if (r->error[0] != '\0') {
		file_msg(reason, size, "%s", r->error);
		return;
	}
	while (file_next_line(reply->err, reply->err_len, &off, line,
	    sizeof line)) {
		skip = strspn(line, " ");
		if (line[skip] != '\0') {
			file_msg(reason, size, "%s", line + skip);
			return;
		}
	}
	if (reply->rc != 0)
		file_msg(reason, size, "the script exited with %d", reply->rc);
	else
		file_msg(reason, size, "the script did not report back");
}

static enum lb_verdict
file_verdict(const struct lb_args *args, enum file_state state,
    struct file_reply *r, char *reason, size_t size)
{
	const char	*path = lb_arg_get(args, "path");
	const char	*want = lb_arg_get(args, "sha256");
	char		 lwant[65];

	if (path == NULL)
		path = "";
	switch (state) {
	case FILE_ABSENT:
		if (r->remaining > 0) {
			file_msg(reason, size, "%ld file%s remain%s: %s",
			    r->remaining, r->remaining == 1 ? "" : "s",
			    r->remaining == 1 ? "s" : "",
			    r->lefts[0] != '\0' ? r->lefts : path);
			return LB_FAILED;
		}
		return r->removed > 0 ? LB_CHANGED : LB_OK;
	case FILE_PRESENT:
		if (r->matched == 0) {
			file_msg(reason, size, "no file matches %s", path);
			return LB_FAILED;
		}
		return LB_OK;
	case FILE_CHECKSUM:
		break;
	}
	if (r->matched == 0) {
		file_msg(reason, size, "no file matches %s", path);
		return LB_FAILED;
	}
	if (r->matched > 1) {
		file_msg(reason, size, "%ld files match %s, a checksum is of "
		    "one", r->matched, path);
		return LB_FAILED;
	}
	if (r->sha256[0] == '\0') {
		file_msg(reason, size, "cannot read %s", r->unreadable ?
		    r->one : path);
		return LB_FAILED;
	}
	if (want == NULL)
		return LB_OK;
	snprintf(lwant, sizeof lwant, "%s", want);
	file_lower(lwant);
	if (strlen(want) != 64 || strcmp(lwant, r->sha256) != 0) {
		file_msg(reason, size, "sha256 of %s is %s, expected %s",
		    r->one, r->sha256, lwant);
		return LB_FAILED;
	}
	return LB_OK;
}

static void
file_set_count(const struct lb_out *out, const char *key, long n)
{
	char	 s[24];

	snprintf(s, sizeof s, "%ld", n);
	out->set(out->ctx, key, s);
}

static enum lb_verdict
file_parse(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_reply *reply, const struct lb_out *out)
{
	struct file_reply		 r;
	enum file_state			 state;
	enum lb_verdict			 v;
	char				 line[FILE_LINE_MAX];
	char				 reason[FILE_REASON_MAX];
	size_t				 off = 0, n;

	memset(&r, 0, sizeof r);
	r.matched = r.remaining = -1;
	if (file_state_of(lb_arg_get(args, "state"), &state) == -1) {
		out->fail(out->ctx, "bad state");
		return LB_FAILED;
	}
	while (file_next_line(reply->out, reply->out_len, &off, line,
	    sizeof line)) {
		if (strncmp(line, "lb-file ", 8) == 0)
			file_read_line(&r, state, line + 8);
	}
	if (r.more > 0) {
		n = strlen(r.paths);
		snprintf(r.paths + n, sizeof r.paths - n, "%s(%u more)",
		    n > 0 ? "\n" : "", r.more);
	}
	if (r.matched >= 0)
		file_set_count(out, "matched", r.matched);
	if (state == FILE_ABSENT) {
		file_set_count(out, "removed", r.removed);
		if (r.remaining >= 0)
			file_set_count(out, "remaining", r.remaining);
	}
	if (state == FILE_PRESENT && r.matched >= 0)
		out->set(out->ctx, "exists", r.matched > 0 ? "true" : "false");
	if (r.sha256[0] != '\0' && r.matched == 1)
		out->set(out->ctx, "sha256", r.sha256);
	out->set(out->ctx, "paths", r.paths);

	/* Without its summary lines the script did not run to its end. */
	if (reply->rc != 0 || r.error[0] != '\0' || r.matched < 0 ||
	    (state == FILE_ABSENT && r.remaining < 0)) {
		file_no_answer(reply, &r, reason, sizeof reason);
		out->fail(out->ctx, reason);
		return LB_FAILED;
	}
	v = file_verdict(args, state, &r, reason, sizeof reason);
	if (v == LB_FAILED)
		out->fail(out->ctx, reason);
	return v;
}

static const struct lb_plugin file_plugin = {
	.abi = LB_PLUGIN_ABI,
	.name = "file",
	.version = "1.0",
	.summary = "files a path matches: absent, present, or a checksum",
	.keys = file_keys,
	.check = file_check,
	.build = file_build,
	.parse = file_parse,
};

const struct lb_plugin *lifeboat_plugin(void);

const struct lb_plugin *
lifeboat_plugin(void)
{
	return &file_plugin;
}
