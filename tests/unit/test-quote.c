/*
 * Unit tests for "{{ name }}" interpolation (src/quote.c): the template
 * syntax and the line and column of every error, the names a template
 * uses, where the lexers allow a variable, and the proof that no value
 * can break out of the word it stands in.
 *
 * QUOTE_SH is proved by running the results.  Hostile values (quotes,
 * "$(...)", backticks, ';', "&&", '|', newlines, '\', '*', '~', leading
 * '-', the empty value, 64 KiB of them, every byte from 1 to 255) are
 * expanded into several templates, and each result is run by /bin/sh,
 * dash and bash (those present, bash also with --posix), both with -c
 * and as a script on stdin, in a scratch directory.  The output must be
 * the value byte for byte, and the file "pwned" that the values try to
 * create must not appear.  A positive control shows that the same value
 * pasted where the lexer refuses a variable does create it.
 *
 * QUOTE_PS cannot be run: there is no PowerShell on this machine (Debian
 * does not package pwsh).  It is proved instead (a) by expected literals
 * written out by hand, (b) by a tokenizer written here, apart from
 * quote.c, from PowerShell's rule for single-quoted strings (a string
 * ends at a quote of the four kinds, ' U+2018 U+2019 U+201A U+201B, that
 * is not followed by another; two in a row stand for the second), which
 * must find each expansion to be exactly one token ending where the
 * literal ends and decoding back to the value, and (c) by decoding the
 * -EncodedCommand that winrm_ps_command() makes of the script back to
 * the script.  What PowerShell itself does with a literal is taken from
 * its tokenizer's source, not observed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "errors.h"
#include "quote.h"
#include "transport-winrm.h"
#include "xmalloc.h"

#define LONG_LEN	65536
#define ARG_MAX_LEN	(120 * 1024)	/* -c scripts up to this long */

/* One variable, v, or two, v and w, for the lookup. */
struct vars {
	const char	*v;
	size_t		 vlen;
	const char	*w;
	size_t		 wlen;
};

/* The scratch directory the shells run in, made by setup(). */
static char	 tmpdir[] = "/tmp/lb-quote.XXXXXX";
static char	 canary[sizeof tmpdir + 16];

static int
lookup(void *arg, const char *name, const char **val, size_t *len)
{
	const struct vars	*vs = arg;

	if (strcmp(name, "v") == 0 && vs->v != NULL) {
		*val = vs->v;
		*len = vs->vlen;
		return 0;
	}
	if (strcmp(name, "w") == 0 && vs->w != NULL) {
		*val = vs->w;
		*len = vs->wlen;
		return 0;
	}
	return -1;
}

/* Expands tmpl with v; fails the test when it does not expand. */
static void
expand(const char *tmpl, enum quote_mode mode, const char *v, size_t vlen,
    struct buf *out)
{
	struct vars		 vs = { v, vlen, "w", 1 };
	struct quote_error	 err;
	int			 r;

	buf_reset(out);
	r = quote_expand(tmpl, mode, lookup, &vs, out, &err);
	if (r != 0)
		fail_msg("'%s': %d at %u:%u: %s", tmpl, r, err.line, err.col,
		    err.msg);
}

/* Checks that tmpl fails with msg at line:col, and leaves out alone. */
static void
check_err(const char *tmpl, enum quote_mode mode, unsigned line,
    unsigned col, const char *msg)
{
	struct vars		 vs = { "x", 1, "y", 1 };
	struct quote_error	 err;
	struct buf		 out = BUF_INIT;
	int			 r;

	buf_adds(&out, "before");
	r = quote_expand(tmpl, mode, lookup, &vs, &out, &err);
	if (r != LB_ERR_INVALID)
		fail_msg("'%s' expanded to '%s'", tmpl, buf_str(&out));
	if (err.line != line || err.col != col || strcmp(err.msg, msg) != 0)
		fail_msg("'%s': %u:%u: '%s', want %u:%u: '%s'", tmpl,
		    err.line, err.col, err.msg, line, col, msg);
	assert_string_equal(buf_str(&out), "before");
	assert_int_equal(out.len, 6);
	buf_release(&out);
}

/* Syntax */

static void
check_none(const char *tmpl, const char *want)
{
	struct buf	 out = BUF_INIT;

	expand(tmpl, QUOTE_NONE, "V", 1, &out);
	assert_string_equal(buf_str(&out), want);
	buf_release(&out);
}

static void
test_syntax(void **state)
{
	(void)state;
	check_none("", "");
	check_none("no variables", "no variables");
	check_none("{{v}}", "V");
	check_none("{{ v }}", "V");
	check_none("{{\tv  }}", "V");
	check_none("a{{v}}b{{ w }}c", "aVbwc");
	check_none("{ v } {v} }{ { {", "{ v } {v} }{ { {");
	check_none("a{{ '{{' }}b{{ '}}' }}c", "a{{b}}c");
	check_none("{{ '{{ v }}' }}", "{{ v }}");
	check_none("{{'}}'}}", "}}");
	check_none("{{ '' }}|", "|");
	check_none("{{ v }}}", "V}");
	check_none("${{ '{' }}{{ v }}}", "${V}");
	check_none("line\n{{ v }}\n", "line\nV\n");
}

static void
test_syntax_errors(void **state)
{
	char	 tmpl[200];

	(void)state;
	check_err("echo {{ v", QUOTE_NONE, 1, 6,
	    "'{{' without a matching '}}'");
	check_err("echo {{ v }\nx }}", QUOTE_NONE, 1, 6,
	    "'{{' without a matching '}}'");
	check_err("echo {{", QUOTE_NONE, 1, 6,
	    "'{{' without a matching '}}'");
	check_err("echo }} x", QUOTE_NONE, 1, 6,
	    "'}}' without a matching '{{'");
	check_err("{{ v }}}}", QUOTE_NONE, 1, 8,
	    "'}}' without a matching '{{'");
	check_err("{{ }}", QUOTE_NONE, 1, 1, "empty name in '{{ }}'");
	check_err("{{}}", QUOTE_NONE, 1, 1, "empty name in '{{ }}'");
	check_err("{{ a-b }}", QUOTE_NONE, 1, 5, "unexpected '-' in '{{ }}': "
	    "names have letters, digits, '_' and '.'");
	check_err("{{ a b }}", QUOTE_NONE, 1, 6, "unexpected 'b' in '{{ }}': "
	    "names have letters, digits, '_' and '.'");
	check_err("{{{ a }}", QUOTE_NONE, 1, 3, "unexpected '{' in '{{ }}': "
	    "names have letters, digits, '_' and '.'");
	check_err("{{ \xc3\xa9 }}", QUOTE_NONE, 1, 4, "unexpected byte 0xc3 "
	    "in '{{ }}': names have letters, digits, '_' and '.'");
	check_err("{{ 1a }}", QUOTE_NONE, 1, 4,
	    "name '1a' has a part that starts with a digit");
	check_err("{{ a.1 }}", QUOTE_NONE, 1, 6,
	    "name 'a.1' has a part that starts with a digit");
	check_err("{{ .a }}", QUOTE_NONE, 1, 4, "name '.a' has an empty part");
	check_err("{{ a..b }}", QUOTE_NONE, 1, 6,
	    "name 'a..b' has an empty part");
	check_err("{{ a. }}", QUOTE_NONE, 1, 5, "name 'a.' has an empty part");
	check_err("{{ 'x }}", QUOTE_NONE, 1, 4,
	    "unterminated string in '{{ }}'");
	check_err("{{ 'x\n' }}", QUOTE_NONE, 1, 4,
	    "unterminated string in '{{ }}'");
	check_err("{{ 'x' y }}", QUOTE_NONE, 1, 8, "unexpected 'y' in '{{ }}': "
	    "names have letters, digits, '_' and '.'");
	/* Columns count characters, and restart on each line. */
	check_err("h\xc3\xa9llo {{ a-b }}", QUOTE_NONE, 1, 11,
	    "unexpected '-' in '{{ }}': names have letters, digits, '_' "
	    "and '.'");
	check_err("one\n\ttwo {{ }}", QUOTE_NONE, 2, 6,
	    "empty name in '{{ }}'");
	check_err("{{ v }}\n{{ v }}\n  }}", QUOTE_NONE, 3, 3,
	    "'}}' without a matching '{{'");
	snprintf(tmpl, sizeof tmpl, "{{ %0*d }}", QUOTE_NAME_MAX + 1, 0);
	tmpl[3] = 'a';
	check_err(tmpl, QUOTE_NONE, 1, 4, "name longer than 128 bytes");
	check_err("echo {{ nope }}", QUOTE_SH, 1, 6,
	    "undefined variable 'nope'");
	check_err("echo {{ v.w }}", QUOTE_NONE, 1, 6,
	    "undefined variable 'v.w'");
}

/* Dotted names reach the lookup whole; a literal is not a name. */
static int
lookup_any(void *arg, const char *name, const char **val, size_t *len)
{
	(void)arg;
	*val = name;
	*len = strlen(name);
	return 0;
}

static void
test_dotted(void **state)
{
	struct buf	 out = BUF_INIT;
	int		 r;

	(void)state;
	r = quote_expand("{{ vars.site }}/{{ host.name }}/{{ _a.b_2.C9 }}",
	    QUOTE_NONE, lookup_any, NULL, &out, NULL);
	assert_int_equal(r, 0);
	assert_string_equal(buf_str(&out), "vars.site/host.name/_a.b_2.C9");
	buf_release(&out);
}

struct seen {
	struct buf	 b;
};

static void
note_name(const char *name, unsigned line, unsigned col, void *arg)
{
	struct seen	*s = arg;

	buf_addf(&s->b, "%s@%u:%u ", name, line, col);
}

static void
test_names(void **state)
{
	struct seen		 s = { BUF_INIT };
	struct quote_error	 err;

	(void)state;
	assert_int_equal(quote_names("a {{ x }} {{ y.z }}{{ '{{' }}\n"
	    "\xc3\xa9{{x}}", QUOTE_SH, note_name, &s, &err), 0);
	assert_string_equal(buf_str(&s.b), "x@1:3 y.z@1:11 x@2:2 ");
	buf_reset(&s.b);
	/* The same check as quote_expand(): syntax, then the lexer. */
	assert_int_equal(quote_names("a {{ x", QUOTE_NONE, note_name, &s,
	    &err), LB_ERR_INVALID);
	assert_int_equal(err.col, 3);
	assert_int_equal(quote_names("echo '{{ x }}'", QUOTE_SH, note_name,
	    &s, &err), LB_ERR_INVALID);
	assert_int_equal(err.col, 7);
	assert_int_equal(quote_names("echo '{{ x }}'", QUOTE_NONE, note_name,
	    &s, NULL), 0);
	assert_string_equal(buf_str(&s.b), "x@1:7 ");
	buf_release(&s.b);
}

/* The quoting functions on their own */

static void
check_sh(const char *v, size_t len, const char *want)
{
	struct buf	 out = BUF_INIT;

	buf_adds(&out, ">");
	assert_int_equal(quote_sh(&out, v, len), 0);
	assert_string_equal(buf_str(&out) + 1, want);
	buf_release(&out);
}

static void
check_ps(const char *v, const char *want)
{
	struct buf	 out = BUF_INIT;

	buf_adds(&out, ">");
	assert_int_equal(quote_ps(&out, v, strlen(v)), 0);
	assert_string_equal(buf_str(&out) + 1, want);
	buf_release(&out);
}

static void
check_refused(int (*fn)(struct buf *, const char *, size_t), const char *v,
    size_t len, int want)
{
	struct buf	 out = BUF_INIT;

	buf_adds(&out, "before");
	assert_int_equal(fn(&out, v, len), want);
	assert_string_equal(buf_str(&out), "before");
	assert_int_equal(out.len, 6);
	buf_release(&out);
}

static void
test_quote_sh(void **state)
{
	struct buf	 out;
	char		 big[64];

	(void)state;
	check_sh("", 0, "''");
	check_sh(NULL, 0, "''");
	check_sh("abc", 3, "'abc'");
	check_sh("it's", 4, "'it'\\''s'");
	check_sh("'", 1, "''\\'''");
	check_sh("''", 2, "''\\'''\\'''");
	check_sh("$(id) `id` \"x\" \\ \n;", 19, "'$(id) `id` \"x\" \\ \n;'");
	check_sh("\xff\xfe", 2, "'\xff\xfe'");
	check_refused(quote_sh, "a\0b", 3, LB_ERR_INVALID);
	memset(big, '\'', sizeof big);
	buf_init(&out, 100, 0);
	buf_adds(&out, "before");
	assert_int_equal(quote_sh(&out, big, 30), LB_ERR_LIMIT);
	assert_string_equal(buf_str(&out), "before");
	assert_int_equal(quote_sh(&out, big, 20), 0);
	assert_int_equal(out.len, 6 + 2 + 20 * 4);
	buf_release(&out);
}

static void
test_quote_ps(void **state)
{
	struct buf	 out;

	(void)state;
	check_ps("", "''");
	check_ps("plain", "'plain'");
	check_ps("it's", "'it''s'");
	check_ps("'", "''''");
	check_ps("';Stop-Computer;'", "''';Stop-Computer;'''");
	/* U+2018 U+2019 U+201A U+201B are quotes too; U+201C.. are not. */
	check_ps("\xe2\x80\x98x\xe2\x80\x99", "'\xe2\x80\x98\xe2\x80\x98x"
	    "\xe2\x80\x99\xe2\x80\x99'");
	check_ps("\xe2\x80\x9a\xe2\x80\x9b", "'\xe2\x80\x9a\xe2\x80\x9a"
	    "\xe2\x80\x9b\xe2\x80\x9b'");
	check_ps("\xe2\x80\x9c\xe2\x80\x9d\xe2\x80\x9e\xe2\x80\x97",
	    "'\xe2\x80\x9c\xe2\x80\x9d\xe2\x80\x9e\xe2\x80\x97'");
	check_ps("$(Get-Date) `n \"x\" @'\n", "'$(Get-Date) `n \"x\" @''\n'");
	check_ps("\xf0\x9f\x94\xa5 \xe6\x97\xa5\xe6\x9c\xac",
	    "'\xf0\x9f\x94\xa5 \xe6\x97\xa5\xe6\x9c\xac'");
	check_refused(quote_ps, "a\0b", 3, LB_ERR_INVALID);
	check_refused(quote_ps, "\xff", 1, LB_ERR_INVALID);
	check_refused(quote_ps, "\xc0\x80", 2, LB_ERR_INVALID);
	check_refused(quote_ps, "\xe0\x80\xa7", 3, LB_ERR_INVALID);
	check_refused(quote_ps, "\xed\xa0\x80", 3, LB_ERR_INVALID);
	check_refused(quote_ps, "\xf4\x90\x80\x80", 4, LB_ERR_INVALID);
	check_refused(quote_ps, "\xe2\x80", 2, LB_ERR_INVALID);
	check_refused(quote_ps, "a\x80", 2, LB_ERR_INVALID);
	buf_init(&out, 10, 0);
	buf_adds(&out, "before");
	assert_int_equal(quote_ps(&out, "''", 2), LB_ERR_LIMIT);
	assert_string_equal(buf_str(&out), "before");
	buf_release(&out);
}

static void
test_values_refused(void **state)
{
	struct vars		 vs = { "a\0b", 3, "\xff", 1 };
	struct quote_error	 err;
	struct buf		 out;

	(void)state;
	check_err("echo {{ nope }}", QUOTE_PS, 1, 6,
	    "undefined variable 'nope'");
	buf_init(&out, 0, 0);
	buf_adds(&out, "before");
	assert_int_equal(quote_expand("x {{ v }}", QUOTE_SH, lookup, &vs,
	    &out, &err), LB_ERR_INVALID);
	assert_string_equal(err.msg,
	    "variable 'v' has a NUL byte, which no shell can take");
	assert_int_equal(err.col, 3);
	assert_int_equal(quote_expand("x {{ v }}", QUOTE_PS, lookup, &vs,
	    &out, &err), LB_ERR_INVALID);
	assert_int_equal(quote_expand("{{ w }} {{ w }}", QUOTE_PS, lookup,
	    &vs, &out, &err), LB_ERR_INVALID);
	assert_string_equal(err.msg, "variable 'w' is not valid UTF-8");
	assert_int_equal(err.col, 1);
	assert_string_equal(buf_str(&out), "before");
	/* Bytes are bytes to sh, and anything goes where no shell reads. */
	assert_int_equal(quote_expand("{{ w }}", QUOTE_SH, lookup, &vs,
	    &out, &err), 0);
	assert_int_equal(quote_expand("{{ v }}", QUOTE_NONE, lookup, &vs,
	    &out, &err), 0);
	assert_memory_equal(out.data, "before'\xff'a\0b", 12);
	assert_int_equal(out.len, 12);
	buf_release(&out);
}

static void
test_limit(void **state)
{
	struct vars		 vs = { "0123456789", 10, NULL, 0 };
	struct quote_error	 err;
	struct buf		 out;

	(void)state;
	buf_init(&out, 30, 0);
	buf_adds(&out, "before");
	assert_int_equal(quote_expand("{{ v }}", QUOTE_SH, lookup, &vs, &out,
	    &err), 0);
	assert_int_equal(quote_expand("ab\n {{ v }}", QUOTE_SH, lookup, &vs,
	    &out, &err), LB_ERR_LIMIT);
	assert_string_equal(err.msg, "result longer than 30 bytes");
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 2);
	assert_string_equal(buf_str(&out), "before'0123456789'");
	assert_int_equal(quote_expand("{{ v }}...", QUOTE_NONE, lookup, &vs,
	    &out, &err), LB_ERR_LIMIT);
	assert_int_equal(err.col, 8);
	assert_string_equal(buf_str(&out), "before'0123456789'");
	buf_release(&out);
}

/* Where a variable may stand */

struct place {
	const char	*tmpl;
	unsigned	 line;		/* 0: allowed */
	unsigned	 col;
	const char	*why;		/* the message's end */
};

static void
check_places(const struct place *p, size_t n, enum quote_mode mode)
{
	struct vars		 vs = { "x", 1, "y", 1 };
	struct quote_error	 err;
	struct buf		 out = BUF_INIT;
	size_t			 k, mlen, wlen;
	int			 r;

	for (k = 0; k < n; k++, p++) {
		buf_reset(&out);
		r = quote_expand(p->tmpl, mode, lookup, &vs, &out, &err);
		if (p->line == 0) {
			if (r != 0)
				fail_msg("'%s' refused at %u:%u: %s", p->tmpl,
				    err.line, err.col, err.msg);
			continue;
		}
		if (r != LB_ERR_INVALID)
			fail_msg("'%s' allowed: '%s'", p->tmpl,
			    buf_str(&out));
		mlen = strlen(err.msg);
		wlen = strlen(p->why);
		if (err.line != p->line || err.col != p->col || mlen < wlen ||
		    strcmp(err.msg + mlen - wlen, p->why) != 0)
			fail_msg("'%s': %u:%u: '%s', want %u:%u: '...%s'",
			    p->tmpl, err.line, err.col, err.msg, p->line,
			    p->col, p->why);
	}
	buf_release(&out);
}

#define SQ_WHY	"inside single quotes: its value is quoted already, " \
		"write it outside them"
#define DQ_WHY	"inside double quotes: its value is quoted already, " \
		"write it outside them"

static const struct place sh_places[] = {
	{ "echo {{ v }}", 0, 0, NULL },
	{ "echo a{{ v }}b --opt={{ v }}{{ w }}", 0, 0, NULL },
	{ "echo \"$HOME\" 'it' \"a\\\"b\" {{ v }}", 0, 0, NULL },
	{ "echo \"a\nb\" 'c\nd' {{ v }}", 0, 0, NULL },
	{ "echo $(echo \")\" ')') {{ v }}", 0, 0, NULL },
	{ "x=\"$(echo ')' \"(\")\" {{ v }}", 0, 0, NULL },
	{ "echo $(printf %s {{ v }}) $( (echo) ) {{ v }}", 0, 0, NULL },
	{ "echo ${x:-'}'} ${#x} {{ v }}", 0, 0, NULL },
	{ "echo \\\\{{ v }} \\\"{{ v }}", 0, 0, NULL },
	{ "a=1 # it's {{ '{{' }}\necho {{ v }}", 0, 0, NULL },
	{ "echo a#b {{ v }}#c \\(#d {{ v }}", 0, 0, NULL },
	{ "echo `date` $((1 + (2))) $((16#ff)) {{ v }}", 0, 0, NULL },
	{ "echo $'a\\\\' $'b\\n' {{ v }}", 0, 0, NULL },
	{ "echo \"$'\" {{ v }} \"$\"", 0, 0, NULL },
	{ "cat <<EOF\nit's $x\nEOF\necho {{ v }}", 0, 0, NULL },
	{ "cat <<-\"E O\" | tr a b\n\tbody\n\tE O\necho {{ v }}", 0, 0,
	    NULL },
	{ "cat <<A <<'B'; echo {{ v }}\na\nA\nb'\nB\necho {{ v }}", 0, 0,
	    NULL },
	{ "cat <<E\\OF # {{ '{{' }}\nx\nEOF\necho {{ v }}", 0, 0, NULL },
	{ "cat <<<{{ v }}", 0, 0, NULL },
	{ "case {{ v }} in *) echo {{ w }};; esac", 0, 0, NULL },
	{ "[ {{ v }} = x ] && [[ {{ v }} == x ]] && echo *.[ch] {{ v }}", 0,
	    0, NULL },
	{ "a[1]={{ v }} $(( (1) )) {{ v }}", 0, 0, NULL },
	{ "diff <(sort {{ v }}) >(cat) {{ v }}", 0, 0, NULL },
	{ "systemctl restart \\\n    {{ v }} \\\n    {{ w }}", 0, 0, NULL },
	{ "echo \"{{ v }}\"", 1, 7, DQ_WHY },
	{ "echo '{{ v }}'", 1, 7, SQ_WHY },
	{ "echo 'it''s {{ v }}'", 1, 13, SQ_WHY },
	{ "echo 'open\n{{ v }}", 2, 1, SQ_WHY },
	/* An escaped character is a word's: no comment, the quote counts. */
	{ "echo \\(#x \"\n{{ v }}\"", 2, 1, DQ_WHY },
	{ "echo $'{{ v }}'", 1, 8, "cannot stand inside $'...'" },
	{ "echo \\{{ v }}", 1, 7, "cannot stand right after a backslash" },
	{ "echo ${{ v }}", 1, 7, "cannot stand right after '$'" },
	{ "echo `{{ v }}`", 1, 7, "cannot stand inside backquotes" },
	{ "echo ${x:-{{ v }}}", 1, 11, "cannot stand inside ${...}" },
	{ "echo $(( {{ v }} ))", 1, 10, "cannot stand inside ((...))" },
	/* bash: arithmetic and array subscripts do not take quotes. */
	{ "(( {{ v }} ))", 1, 4, "cannot stand inside ((...))" },
	{ "for (( i={{ v }}; 0; )); do :; done", 1, 10,
	    "cannot stand inside ((...))" },
	{ "echo $[ {{ v }} ]", 1, 9, "cannot stand inside [...]" },
	{ "a[{{ v }}]=1", 1, 3, "cannot stand inside [...]" },
	{ "a[1 +\n{{ v }}]=1", 2, 1, "cannot stand inside [...]" },
	{ "a[\t{{ v }} ]+=1", 1, 4, "cannot stand inside [...]" },
	{ "declare a[{{ v }}]=1", 1, 11, "cannot stand inside [...]" },
	{ "read z[{{ v }}] <<< 1", 1, 8, "cannot stand inside [...]" },
	{ "echo {{ v }}; x=( [1]=1 )", 0, 0, NULL },
	{ "echo $((1 << 2)) {{ v }}", 1, 18,
	    "after a '<<' inside $(...), ((...)) or [...]" },
	{ "(( x # y\n)) {{ v }}", 2, 4,
	    "after a '#' inside ((...)) or [...]" },
	/* After a syntax error in "a=( ... )" bash goes on at the next line. */
	{ "x=( {{ v }} )", 1, 5, "after a bash array assignment" },
	{ "f() x=( { {{ v }}", 1, 11, "after a bash array assignment" },
	{ "[f() x=( { ] {{ v }}", 1, 14, "after a '(' or ')' inside [...]" },
	{ "declare -a x+=(a b)\necho {{ v }}", 2, 6,
	    "after a bash array assignment" },
	{ "# {{ v }}", 1, 3, "cannot stand inside a comment" },
	{ "echo x;# {{ v }}", 1, 10, "cannot stand inside a comment" },
	{ "echo \"$(echo {{ v }})\"", 1, 14, DQ_WHY },
	{ "echo \"$(echo \")\" {{ v }}\"", 1, 18, DQ_WHY },
	{ "echo \"`echo {{ v }}`\"", 1, 13, "cannot stand inside backquotes" },
	{ "cat <<EOF\n{{ v }}\nEOF", 2, 1,
	    "cannot stand inside a here-document" },
	{ "cat <<'EOF'\nx\n EOF\nEOF \n{{ v }}\nEOF", 5, 1,
	    "cannot stand inside a here-document" },
	{ "cat <<A <<B\nA\n{{ v }}\nB\n", 3, 1,
	    "cannot stand inside a here-document" },
	{ "cat <<E{{ v }}\nx\nE\n", 1, 8,
	    "after a here-document word it cannot read" },
	{ "x=$(case a in a) echo;; esac) {{ v }}", 1, 31,
	    "after a 'case' inside $(...)" },
	{ "echo $(x)#y {{ v }}", 1, 13, "after a '#' right after ')'" },
	{ "echo $'\\'' {{ v }}'", 1, 12, "after a \\' inside $'...'" },
	{ "echo \"${x:-'a'}\" {{ v }}", 1, 18,
	    "after a ' inside \"${...}\"" },
	{ "echo ${x:-{a} } {{ v }}", 1, 17, "after a '{' inside ${...}" },
	{ "echo ${x#<<EOF\nEOF\n} {{ v }}", 3, 3,
	    "after a '<<', '<(' or '>(' inside ${...}" },
	/* Line continuations are dropped before words are split. */
	{ "echo $\\\n{{ v }}", 2, 1, "cannot stand right after '$'" },
	{ "echo $\\\n'{{ v }}'", 2, 2, "cannot stand inside $'...'" },
	{ "echo x \\\n#{{ v }}", 2, 2, "cannot stand inside a comment" },
	{ "cat <\\\n<EOF\n{{ v }}\nEOF", 3, 1,
	    "cannot stand inside a here-document" },
	{ "(\\\n( {{ v }} ))", 2, 3, "cannot stand inside ((...))" },
	{ "echo $(x=(a)) {{ v }}", 1, 15, "after a bash array assignment" },
	{ "echo \"$$(#<<EOF\"{{ v }}", 1, 17,
	    "after a '$$(', '$${' or '$$['" },
	{ "echo <(cat '{{ v }}')", 1, 13, SQ_WHY },
	{ "x=$(cat <<EOF\nEOF\n) {{ v }}", 3, 3,
	    "after a '<<' inside $(...), ((...)) or [...]" },
	{ "cat <<EOF\na\\\nEOF\nEOF\necho {{ v }}", 5, 6,
	    "after a here-document line ending in a backslash" },
};

static void
test_sh_places(void **state)
{
	(void)state;
	check_places(sh_places, sizeof sh_places / sizeof *sh_places,
	    QUOTE_SH);
}

#define LSQ	"\xe2\x80\x98"		/* U+2018 */
#define RSQ	"\xe2\x80\x99"		/* U+2019 */
#define LDQ	"\xe2\x80\x9c"		/* U+201C */
#define RDQ	"\xe2\x80\x9d"		/* U+201D */

static const struct place ps_places[] = {
	{ "Write-Output {{ v }}", 0, 0, NULL },
	{ "$x = {{ v }}; Write-Output $x", 0, 0, NULL },
	{ "Write-Output 'a''b' \"c`\"d\" \"e\"\"f\" {{ v }}", 0, 0, NULL },
	{ "Write-Output \"$(Get-Date)\" \"$(\")\")\" {{ v }}", 0, 0, NULL },
	{ "Write-Output $(@(1) + (2)) {{ v }}", 0, 0, NULL },
	{ "# it's\nWrite-Output {{ v }}", 0, 0, NULL },
	{ "<# it's\n'@ #> Write-Output {{ v }}", 0, 0, NULL },
	{ "$s = @'\nit's {{ '{{' }}\n'@\nWrite-Output {{ v }}", 0, 0, NULL },
	{ "$s = @\"\n$('\n\"@') it's\n\"@\nWrite-Output {{ v }}", 0, 0,
	    NULL },
	{ "$s = @'\r\nx\r\n'@\r\nWrite-Output {{ v }}", 0, 0, NULL },
	{ "Write-Output ${env:it's} {{ v }}", 0, 0, NULL },
	{ "& {{ v }} -Force; if ($x) { Write-Output {{ w }} }", 0, 0, NULL },
	{ "Write-Output " LSQ "it" RSQ RSQ "s" RSQ " {{ v }}", 0, 0, NULL },
	{ "Write-Output " LDQ "x" RDQ " {{ v }}", 0, 0, NULL },
	{ "Write-Output a-b --x {{ v }}", 0, 0, NULL },
	{ "Write-Output \"$$(\" {{ v }} \")\"", 0, 0, NULL },
	{ "Write-Output \"{{ v }}\"", 1, 15, DQ_WHY },
	{ "Write-Output '{{ v }}'", 1, 15, SQ_WHY },
	{ "Write-Output 'it''s {{ v }}'", 1, 21, SQ_WHY },
	{ "Write-Output " LSQ "{{ v }}" RSQ, 1, 15, SQ_WHY },
	{ "Write-Output " LDQ "{{ v }}" RDQ, 1, 15, DQ_WHY },
	{ "Write-Output `{{ v }}", 1, 15,
	    "cannot stand right after a backtick" },
	{ "Write-Output ${{ v }}", 1, 15, "cannot stand right after '$'" },
	{ "Write-Output @{{ v }}", 1, 15, "cannot stand right after '@'" },
	{ "# {{ v }}", 1, 3, "cannot stand inside a comment" },
	{ "<# x\n{{ v }} #>", 2, 1, "cannot stand inside a comment" },
	{ "@'\n{{ v }}\n'@", 2, 1, "cannot stand inside a here-string" },
	{ "@\"\n$x {{ v }}\n\"@", 2, 4, "cannot stand inside a here-string" },
	{ "@'\n '@\n{{ v }}\n'@", 3, 1, "cannot stand inside a here-string" },
	{ "Write-Output \"$( {{ v }} )\"", 1, 18, DQ_WHY },
	{ "Write-Output ${ {{ v }} }", 1, 17, "cannot stand inside ${...}" },
	{ "cmd --% {{ v }}", 1, 9, "after PowerShell's '--%'" },
	{ "Write-Output a#b {{ v }}", 1, 18, "after a '#' inside a word" },
	{ "Write-Output a@'x' {{ v }}", 1, 20,
	    "after an '@' and a quote inside a word" },
	{ "$x = @'x'\n{{ v }}", 2, 1,
	    "after a here-string header with text after it" },
};

static void
test_ps_places(void **state)
{
	(void)state;
	check_places(ps_places, sizeof ps_places / sizeof *ps_places,
	    QUOTE_PS);
}

/* Running sh */

/* The hostile values; "@" in one stands for the scratch directory. */
static const char *const hostile[] = {
	"",
	"plain",
	"two words",
	"it's",
	"'",
	"''",
	"'\\''",
	"\"",
	"\"double\" 'single'",
	"$(touch pwned)",
	"$(touch @/pwned)",
	"`touch pwned`",
	"'$(touch pwned)'",
	"'; touch pwned; '",
	"\"; touch pwned; \"",
	"'\"$(touch pwned)\"'",
	"x\ntouch pwned\n",
	"\ntouch pwned",
	"a && touch pwned",
	"a || touch pwned",
	"a | touch pwned",
	"a; touch pwned",
	"a & touch pwned",
	"> pwned",
	"a >pwned",
	"$((1+1)) ${HOME} $HOME $0 $$ $1",
	"${x:-$(touch pwned)}",
	"$'\\x41' $\"x\"",
	"\\",
	"\\'",
	"a\\",
	"\\\n",
	"*",
	"* ?",
	"~",
	"~root/x",
	"-n",
	"-e \\n\\c",
	"--",
	"-",
	"!! !$",
	"#not a comment",
	"{a,b}",
	" \t spaces \t ",
	"\n",
	"\r\n",
	"EOF",
	"}}{{",
	"\xff\xfe\x80 not UTF-8",
	"\xe2\x80\x98typographic\xe2\x80\x99 \xe2\x80\x9cquotes\xe2\x80\x9d",
};

/* Templates, and what the output is for value v. */
enum want {
	W_BRACKETS,		/* [v] */
	W_LINE,			/* v\n */
	W_PLAIN,		/* v */
	W_ECHO,			/* v\n, when echo would not take v apart */
	W_WORDS,		/* 2|vw|v| */
	W_DOCS,			/* a here-document's text, then v */
};

static const struct {
	const char	*tmpl;
	enum want	 want;
} sh_templates[] = {
	{ "printf '[%s]' {{ v }}", W_BRACKETS },
	{ "printf '%s\\n' {{ v }}", W_LINE },
	{ "x={{ v }}; printf '%s' \"$x\"", W_PLAIN },
	{ "echo {{ v }}", W_ECHO },
	{ "set -- {{ v }}{{ w }} {{ v }}; printf '%s|' \"$#\" \"$@\"",
	    W_WORDS },
	{ "y=$(printf '%s.' {{ v }}); printf '%s' \"${y%.}\"", W_PLAIN },
	{ "case {{ v }} in\n*) printf '%s' {{ v }};;\nesac", W_PLAIN },
	{ "# it's a {{ '{{' }} comment\ncat <<'EOF'\n$(touch pwned)\nEOF\n"
	    "printf '%s' {{ v }} # {{ '}}' }}", W_DOCS },
};

#define DOC_TEXT	"$(touch pwned)\n"

/* The shells to try: argv[0], and an option or NULL. */
static const char *const shells[][2] = {
	{ "/bin/sh", NULL },
	{ "/bin/dash", NULL },
	{ "/bin/bash", NULL },
	{ "/bin/bash", "--posix" },
};
#define NSHELLS		(sizeof shells / sizeof *shells)

/* Those present, less /bin/sh when it is one of the others. */
static bool	 present[NSHELLS];

static void
find_shells(void)
{
	char	*sh, *other;
	size_t	 k;

	for (k = 0; k < NSHELLS; k++)
		present[k] = access(shells[k][0], X_OK) == 0;
	if ((sh = realpath(shells[0][0], NULL)) == NULL)
		return;
	for (k = 1; k < NSHELLS; k++) {
		if (!present[k] || shells[k][1] != NULL)
			continue;
		if ((other = realpath(shells[k][0], NULL)) != NULL &&
		    strcmp(sh, other) == 0)
			present[0] = false;
		free(other);
	}
	free(sh);
}

static void
remove_canary(void)
{
	if (unlink(canary) == -1 && errno != ENOENT)
		fail_msg("unlink %s: %s", canary, strerror(errno));
}

static bool
canary_exists(void)
{
	struct stat	 sb;

	return lstat(canary, &sb) == 0;
}

/* Feeds in to fd 0 of the child and reads its fd 1 into out. */
static void
pump(int in_fd, const char *in, size_t inlen, int out_fd, struct buf *out)
{
	struct pollfd	 pfd[2];
	char		 chunk[8192];
	size_t		 off = 0;
	ssize_t		 n;

	if (inlen == 0 && in_fd != -1) {
		close(in_fd);
		in_fd = -1;
	}
	while (out_fd != -1) {
		pfd[0].fd = in_fd;
		pfd[0].events = POLLOUT;
		pfd[1].fd = out_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 20000) <= 0)
			fail_msg("poll: no progress");
		if (in_fd != -1 && (pfd[0].revents & (POLLOUT | POLLERR))) {
			n = write(in_fd, in + off, inlen - off);
			if (n > 0)
				off += (size_t)n;
			if (n < 0 || off == inlen) {
				close(in_fd);
				in_fd = -1;
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(out_fd, chunk, sizeof chunk);
			if (n > 0)
				assert_int_equal(buf_add(out, chunk,
				    (size_t)n), 0);
			else {
				close(out_fd);
				out_fd = -1;
			}
		}
	}
	if (in_fd != -1)
		close(in_fd);
}

/*
 * Runs shell (with opt) on script, with -c or (stdin) as the script on
 * its standard input, in the scratch directory; stores its standard
 * output in out and returns its exit status (-1 when killed).
 */
static int
run_shell(const char *shell, const char *opt, const char *script,
    size_t len, bool stdin_script, const char *locale, struct buf *out)
{
	char		 path[] = "PATH=/usr/bin:/bin";
	char		 lc[64], home[sizeof tmpdir + 8];
	char		*env[] = { path, home, lc, NULL };
	const char	*argv[6];
	int		 inp[2], outp[2], status, k = 0, devnull;
	pid_t		 pid;

	snprintf(lc, sizeof lc, "LC_ALL=%s", locale);
	snprintf(home, sizeof home, "HOME=%s", tmpdir);
	argv[k++] = shell;
	if (opt != NULL)
		argv[k++] = opt;
	argv[k++] = stdin_script ? "-s" : "-c";
	if (!stdin_script)
		argv[k++] = script;
	argv[k] = NULL;
	assert_int_equal(pipe(inp), 0);
	assert_int_equal(pipe(outp), 0);
	buf_reset(out);
	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		if (chdir(tmpdir) == -1 || dup2(inp[0], 0) == -1 ||
		    dup2(outp[1], 1) == -1 || dup2(devnull, 2) == -1)
			_exit(126);
		close(inp[0]);
		close(inp[1]);
		close(outp[0]);
		close(outp[1]);
		alarm(10);
		execve(shell, (char *const *)argv, env);
		_exit(127);
	}
	close(inp[0]);
	close(outp[1]);
	pump(inp[1], stdin_script ? script : NULL, stdin_script ? len : 0,
	    outp[0], out);
	if (waitpid(pid, &status, 0) == -1)
		fail_msg("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value with each '@' replaced by the scratch directory. */
static char *
value_of(const char *h, size_t *len)
{
	struct buf	 b = BUF_INIT;

	for (; *h != '\0'; h++) {
		if (*h == '@')
			buf_adds(&b, tmpdir);
		else
			buf_addc(&b, *h);
	}
	buf_addc(&b, '\0');		/* so that detach never gives NULL */
	b.len--;
	return buf_detach(&b, len);
}

/* What template kind w prints for v (NULL: the output is not checked). */
static bool
wanted(enum want w, const char *v, size_t len, struct buf *want)
{
	buf_reset(want);
	switch (w) {
	case W_BRACKETS:
		buf_addc(want, '[');
		buf_add(want, v, len);
		buf_addc(want, ']');
		break;
	case W_LINE:
	case W_ECHO:
		/* dash's echo reads backslashes, bash's takes options. */
		if (w == W_ECHO && (memchr(v, '\\', len) != NULL ||
		    (len > 0 && v[0] == '-')))
			return false;
		buf_add(want, v, len);
		buf_addc(want, '\n');
		break;
	case W_PLAIN:
		buf_add(want, v, len);
		break;
	case W_WORDS:
		buf_adds(want, "2|");
		buf_add(want, v, len);
		buf_adds(want, "w|");
		buf_add(want, v, len);
		buf_addc(want, '|');
		break;
	case W_DOCS:
		buf_adds(want, DOC_TEXT);
		buf_add(want, v, len);
		break;
	}
	return true;
}

/* Shows bytes readably in a failure message. */
static const char *
shown(const char *s, size_t len)
{
	static char	 bufs[2][200];
	static int	 which;
	char		*b = bufs[which ^= 1];
	size_t		 i, o = 0;

	for (i = 0; i < len && o + 5 < sizeof bufs[0]; i++) {
		if (s[i] >= ' ' && s[i] < 0x7f)
			b[o++] = s[i];
		else
			o += (size_t)snprintf(b + o, sizeof bufs[0] - o,
			    "\\x%02x", (unsigned char)s[i]);
	}
	b[o] = '\0';
	return b;
}

/*
 * Runs the expansion script in every shell both ways; checks the output
 * (when want is not NULL) and that nothing was created.  Returns the
 * number of runs.
 */
static unsigned
run_everywhere(const struct buf *script, const struct buf *want,
    const char *v, size_t vlen, bool both_ways, const char *locale)
{
	struct buf	 got = BUF_INIT;
	size_t		 s;
	unsigned	 runs = 0;
	int		 way, rc;

	for (s = 0; s < NSHELLS; s++) {
		if (!present[s])
			continue;
		for (way = 0; way < (both_ways ? 2 : 1); way++) {
			/* Linux takes 128 KiB in one argument. */
			if (way == 0 && script->len > ARG_MAX_LEN)
				continue;
			rc = run_shell(shells[s][0], shells[s][1],
			    script->data, script->len, way == 1, locale,
			    &got);
			runs++;
			if (canary_exists())
				fail_msg("%s %s: value '%s' ran: %s",
				    shells[s][0], way ? "-s" : "-c",
				    shown(v, vlen), shown(script->data,
				    script->len));
			if (want == NULL)
				continue;
			if (rc != 0 || got.len != want->len ||
			    (got.len > 0 &&
			    memcmp(got.data, want->data, got.len) != 0))
				fail_msg("%s %s, value '%s': exit %d, got "
				    "'%s' (%zu bytes)", shells[s][0],
				    way ? "-s" : "-c", shown(v, vlen), rc,
				    shown(got.data, got.len), got.len);
		}
	}
	buf_release(&got);
	return runs;
}

/* Expands every template with v and runs each result. */
static unsigned
prove_sh(const char *v, size_t vlen, bool both_ways, const char *locale)
{
	struct buf	 script = BUF_INIT, want = BUF_INIT;
	size_t		 t;
	unsigned	 runs = 0;

	for (t = 0; t < sizeof sh_templates / sizeof *sh_templates; t++) {
		expand(sh_templates[t].tmpl, QUOTE_SH, v, vlen, &script);
		runs += run_everywhere(&script,
		    wanted(sh_templates[t].want, v, vlen, &want) ? &want :
		    NULL, v, vlen, both_ways, locale);
	}
	buf_release(&script);
	buf_release(&want);
	return runs;
}

static void
test_sh_hostile(void **state)
{
	char		*v;
	size_t		 k, len;
	unsigned	 runs = 0;

	(void)state;
	for (k = 0; k < sizeof hostile / sizeof *hostile; k++) {
		v = value_of(hostile[k], &len);
		runs += prove_sh(v, len, true, "C");
		free(v);
	}
	print_message("# %u shell runs\n", runs);
	assert_true(runs > 0);
}

/* Each byte on its own, in one script of 255 commands; then all. */
static void
test_sh_bytes(void **state)
{
	struct buf	 script = BUF_INIT, want = BUF_INIT, one = BUF_INIT;
	char		 all[255];
	int		 b;
	unsigned	 runs = 0;

	(void)state;
	for (b = 1; b < 256; b++) {
		all[b - 1] = (char)b;
		expand("printf '[%s]' {{ v }}\n", QUOTE_SH, &all[b - 1], 1,
		    &one);
		buf_add(&script, one.data, one.len);
		buf_addf(&want, "[%c]", b);
	}
	runs += run_everywhere(&script, &want, "(each byte)", 11, true, "C");
	runs += prove_sh(all, sizeof all, true, "C");
	runs += prove_sh(all, sizeof all, false, "C.UTF-8");
	print_message("# %u shell runs\n", runs);
	buf_release(&script);
	buf_release(&want);
	buf_release(&one);
}

static void
test_sh_long(void **state)
{
	static const char	 piece[] = "'\"$(touch pwned)`touch pwned`;&|"
	    "\n\\*~ -x";
	struct buf		 script = BUF_INIT, want = BUF_INIT;
	char			*v;
	size_t			 k;
	unsigned		 runs = 0;

	(void)state;
	v = xmalloc(LONG_LEN);
	for (k = 0; k < LONG_LEN; k++)
		v[k] = piece[k % (sizeof piece - 1)];
	/* About 72 KiB of script: under Linux's 128 KiB for one argument. */
	runs += prove_sh(v, LONG_LEN, true, "C");
	/* 256 KiB quoted: only on stdin. */
	memset(v, '\'', LONG_LEN);
	expand("printf '%s' {{ v }}", QUOTE_SH, v, LONG_LEN, &script);
	assert_int_equal(script.len, 2 + 4 * LONG_LEN + 12);
	wanted(W_PLAIN, v, LONG_LEN, &want);
	runs += run_everywhere(&script, &want, "(64 KiB of ')", 13, true,
	    "C");
	print_message("# %u shell runs\n", runs);
	buf_release(&script);
	buf_release(&want);
	free(v);
}

/*
 * The sh lexer against the shells themselves: random templates made of
 * shell fragments; each one quote_expand() accepts is run with a value
 * made to break out of whatever context it stands in, and must not.  A
 * fixed seed keeps the run the same; raise RANDOM_TEMPLATES to search.
 */
#define RANDOM_TEMPLATES	300

static const char *const fragments[] = {
	" ", " ", " ", "echo ", "printf %s ", ";", "\n", "\n", "\"", "'",
	"`", "$(", ")", "(", "$((", "))", "${x:-", "${#x", "}", "{ ", "#",
	"\\", "$", "$'", "$\"", "<<EOF\n", "<<-EOF\n", "<<'EOF'\n",
	"<<E\"O\"F ", "EOF\n", "\tEOF\n", "EOF", "<<<", "case x in x) ",
	";; esac", "esac ", "a", "b", "&&", "|", "&", "{{ v }}", "{{ v }}",
	"{{ v }}", "{{ v }}", "=", "\\'", "\\\"", "x=", "\\\n", "!", "*",
	"~", "(( ", "[[ ", "]]", "$[", "]", "{{ '{{' }}", "{{ '}}' }}",
	"cat ", "true ", "[", "a[", "declare ", "x=( ", " )", " ))",
	"for (( ", "local ", "$[", "<(", ">(", "@(", "+=", "f() ", " }",
	"if ", "then ", "fi", "16#", "1", "$((1<<", "$#", "$$", "$$(", "{",
	"\"$$(", "$@", "${x#", "${x/", "=~ ", "{a,b}", "$\\\n", "<\\\n",
	"(\\\n", ")\\\n", "=\\\n", "a[\t", "a[ ", "[f() ", "f() x=( {",
	"\"$$(#",
};

static const char *const breakouts[] = {
	"x'\"$(touch pwned)\"'`touch pwned`\"$(touch pwned)\"\ntouch pwned"
	    " #\nEOF\ntouch pwned\n)\ntouch pwned\n}\ntouch pwned\n\\",
	"$(touch pwned)", "'$(touch pwned)'", "`touch pwned`'`touch pwned`'",
	"\nEOF\ntouch pwned\nEOF\n", "\\'$(touch pwned)\\'",
	"\"'\"'\"$(touch pwned)", ")\ntouch pwned\n(", "'))\ntouch pwned\n((",
	"'\\''$(touch pwned)",
};

static uint32_t
rnd(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

static void
test_sh_random(void **state)
{
	struct buf	 tmpl = BUF_INIT, script = BUF_INIT;
	struct vars	 vs = { NULL, 0, "w", 1 };
	uint32_t	 st = 20240719;
	unsigned	 tried = 0, ok = 0, runs = 0, k, n;

	(void)state;
	while (ok < RANDOM_TEMPLATES) {
		buf_reset(&tmpl);
		n = 2 + rnd(&st) % 13;
		for (k = 0; k < n; k++)
			buf_adds(&tmpl, fragments[rnd(&st) % (sizeof fragments /
			    sizeof *fragments)]);
		if (strstr(tmpl.data, "{{ v }}") == NULL)
			continue;
		vs.v = breakouts[rnd(&st) % (sizeof breakouts /
		    sizeof *breakouts)];
		vs.vlen = strlen(vs.v);
		tried++;
		buf_reset(&script);
		if (quote_expand(tmpl.data, QUOTE_SH, lookup, &vs, &script,
		    NULL) != 0)
			continue;
		ok++;
		runs += run_everywhere(&script, NULL, vs.v, vs.vlen, false,
		    "C");
	}
	print_message("# %u templates, %u accepted, %u shell runs\n", tried,
	    ok, runs);
	buf_release(&tmpl);
	buf_release(&script);
}

/*
 * The control: pasted inside double quotes, the same quoted value does
 * run, which shows that the canary check can see a break-out, and that
 * the lexer's refusal of "{{ v }}" there is needed.
 */
static void
test_sh_control(void **state)
{
	struct buf	 script = BUF_INIT, got = BUF_INIT;

	(void)state;
	buf_adds(&script, "echo \"");
	assert_int_equal(quote_sh(&script, "$(touch pwned)", 14), 0);
	buf_adds(&script, "\"");
	assert_string_equal(buf_str(&script), "echo \"'$(touch pwned)'\"");
	run_shell("/bin/sh", NULL, script.data, script.len, false, "C",
	    &got);
	assert_true(canary_exists());
	remove_canary();
	check_err("echo \"{{ v }}\"", QUOTE_SH, 1, 7, "variable 'v' "
	    DQ_WHY);
	buf_release(&script);
	buf_release(&got);
}

/* PowerShell, without PowerShell */

static size_t
dec_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t	 len, k;

	if (s[0] < 0x80)
		len = 1;
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else
		len = 4;
	assert_true(len <= n);
	*cp = len == 1 ? s[0] : s[0] & (0xff >> (len + 1));
	for (k = 1; k < len; k++)
		*cp = *cp << 6 | (s[k] & 0x3f);
	return len;
}

static bool
is_ps_quote(uint32_t c)
{
	return c == 0x27 || c == 0x2018 || c == 0x2019 || c == 0x201a ||
	    c == 0x201b;
}

/*
 * Reads the PowerShell single-quoted string that starts at byte start of
 * s as PowerShell's tokenizer does (ScanStringLiteral): returns the byte
 * just past its closing quote, or 0 when it does not end, and appends
 * its value to val.
 */
static size_t
ps_token(const char *s, size_t len, size_t start, struct buf *val)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n, m;
	uint32_t		 c, d;

	n = dec_utf8(u + start, len - start, &c);
	assert_true(is_ps_quote(c));
	for (i = start + n; i < len; i += n) {
		n = dec_utf8(u + i, len - i, &c);
		if (is_ps_quote(c)) {
			if (i + n == len)
				return i + n;
			m = dec_utf8(u + i + n, len - i - n, &d);
			if (!is_ps_quote(d))
				return i + n;
			/* Two in a row: the second is the character. */
			i += n;
			n = m;
		}
		buf_add(val, s + i, n);
	}
	return 0;
}

static const char *const ps_hostile[] = {
	"",
	"plain",
	"it's",
	"'",
	"''",
	"'''",
	"';Stop-Computer -Force;'",
	"\"; Stop-Computer; \"",
	"$(Stop-Computer)",
	"$env:COMPUTERNAME ${x} @(1) @{a=1}",
	"`$(Stop-Computer)` `' `\n",
	"a && Stop-Computer || b | c ; d & e",
	"line\nStop-Computer\n",
	"\r\n#> <# '@ \"@",
	"\\'",
	"--% & cmd /c calc",
	"-Force",
	"* ? ~ [a]",
	LSQ "; Stop-Computer; " RSQ,
	"\xe2\x80\x9a\xe2\x80\x9b" LSQ RSQ "'",
	"x" RSQ,
	RSQ "'" LSQ,
	LDQ "dq" RDQ "\xe2\x80\x9e",
	"\xf0\x9f\x94\xa5 \xe6\x97\xa5\xe6\x9c\xac \xc2\xa0nbsp \xc2\x85nel",
};

/* Base64 and UTF-16LE, to undo winrm_ps_command(). */
static int
b64val(int c)
{
	const char	*a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/", *p;

	if (c == '\0' || (p = strchr(a, c)) == NULL)
		return -1;
	return (int)(p - a);
}

static void
undo_encoded(const char *cmd, struct buf *script)
{
	static const char	 pre[] = "powershell -NoProfile "
	    "-NonInteractive -EncodedCommand ";
	struct buf		 raw = BUF_INIT;
	const char		*p;
	uint32_t		 acc = 0, c, lo;
	int			 bits = 0, v;
	size_t			 i;

	assert_int_equal(strncmp(cmd, pre, sizeof pre - 1), 0);
	for (p = cmd + sizeof pre - 1; *p != '\0' && *p != '='; p++) {
		assert_true((v = b64val(*p)) >= 0);
		acc = acc << 6 | (uint32_t)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(&raw, (char)(acc >> bits & 0xff));
		}
	}
	assert_int_equal(raw.len % 2, 0);
	for (i = 0; i < raw.len; i += 2) {
		c = (unsigned char)raw.data[i] |
		    (uint32_t)(unsigned char)raw.data[i + 1] << 8;
		if (c >= 0xd800 && c < 0xdc00) {
			i += 2;
			lo = (unsigned char)raw.data[i] |
			    (uint32_t)(unsigned char)raw.data[i + 1] << 8;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (c < 0x80)
			buf_addc(script, (char)c);
		else if (c < 0x800)
			buf_addf(script, "%c%c", 0xc0 | c >> 6,
			    0x80 | (c & 0x3f));
		else if (c < 0x10000)
			buf_addf(script, "%c%c%c", 0xe0 | c >> 12,
			    0x80 | (c >> 6 & 0x3f), 0x80 | (c & 0x3f));
		else
			buf_addf(script, "%c%c%c%c", 0xf0 | c >> 18,
			    0x80 | (c >> 12 & 0x3f), 0x80 | (c >> 6 & 0x3f),
			    0x80 | (c & 0x3f));
	}
	buf_release(&raw);
}

/* The literal of v, built here from the rule, not by quote.c. */
static void
ps_expected(const char *v, size_t len, struct buf *want)
{
	const unsigned char	*u = (const unsigned char *)v;
	size_t			 i, n;
	uint32_t		 c;

	buf_reset(want);
	buf_addc(want, '\'');
	for (i = 0; i < len; i += n) {
		n = dec_utf8(u + i, len - i, &c);
		buf_add(want, v + i, n);
		if (is_ps_quote(c))
			buf_add(want, v + i, n);
	}
	buf_addc(want, '\'');
}

/* Checks one value in "PREFIX{{ v }}SUFFIX". */
static void
prove_ps(const char *v, size_t len)
{
	static const char	 prefix[] = "Get-BitLockerVolume -MountPoint ";
	static const char	 suffix[] = " | Format-List; exit 0";
	struct buf		 out = BUF_INIT, val = BUF_INIT;
	struct buf		 want = BUF_INIT, cmd = BUF_INIT;
	struct buf		 back = BUF_INIT;
	size_t			 end;

	expand("Get-BitLockerVolume -MountPoint {{ v }} | Format-List; "
	    "exit 0", QUOTE_PS, v, len, &out);
	ps_expected(v, len, &want);
	assert_int_equal(out.len, sizeof prefix - 1 + want.len +
	    sizeof suffix - 1);
	assert_memory_equal(out.data + sizeof prefix - 1, want.data,
	    want.len);
	end = ps_token(out.data, out.len, sizeof prefix - 1, &val);
	if (end != sizeof prefix - 1 + want.len)
		fail_msg("value '%s': the string ends at %zu, not %zu",
		    shown(v, len), end, sizeof prefix - 1 + want.len);
	assert_int_equal(val.len, len);
	assert_memory_equal(val.data, v, len);
	assert_string_equal(out.data + end, suffix);
	assert_int_equal(winrm_ps_command(&cmd, out.data, out.len), 0);
	undo_encoded(buf_str(&cmd), &back);
	assert_int_equal(back.len, out.len);
	assert_memory_equal(back.data, out.data, out.len);
	buf_release(&out);
	buf_release(&val);
	buf_release(&want);
	buf_release(&cmd);
	buf_release(&back);
}

static void
test_ps_hostile(void **state)
{
	char	*v;
	size_t	 k, cp, n;

	(void)state;
	for (k = 0; k < sizeof ps_hostile / sizeof *ps_hostile; k++)
		prove_ps(ps_hostile[k], strlen(ps_hostile[k]));
	/* Every character of the BMP but NUL and surrogates, in one. */
	v = xmalloc(3 * 0x10000);
	for (cp = 1, n = 0; cp < 0x10000; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80)
			v[n++] = (char)cp;
		else if (cp < 0x800) {
			v[n++] = (char)(0xc0 | cp >> 6);
			v[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			v[n++] = (char)(0xe0 | cp >> 12);
			v[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
			v[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	prove_ps(v, n);
	/* 64 KiB of quotes of every kind. */
	for (n = 0; n + 3 <= LONG_LEN; n += 3)
		memcpy(v + n, n % 2 ? "''\'" : RSQ, 3);
	prove_ps(v, n);
	free(v);
}

static int
setup(void **state)
{
	char	 path[sizeof tmpdir + 16];
	int	 fd;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	find_shells();
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(canary, sizeof canary, "%s/pwned", tmpdir);
	/* Something for an unquoted '*' to find. */
	snprintf(path, sizeof path, "%s/decoy", tmpdir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1)
		return -1;
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	char		 path[sizeof tmpdir + 300];
	DIR		*d;
	struct dirent	*e;

	(void)state;
	if ((d = opendir(tmpdir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_dotted),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_quote_sh),
		cmocka_unit_test(test_quote_ps),
		cmocka_unit_test(test_values_refused),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_sh_places),
		cmocka_unit_test(test_ps_places),
		cmocka_unit_test(test_sh_hostile),
		cmocka_unit_test(test_sh_bytes),
		cmocka_unit_test(test_sh_long),
		cmocka_unit_test(test_sh_random),
		cmocka_unit_test(test_sh_control),
		cmocka_unit_test(test_ps_hostile),
	};

	return cmocka_run_group_tests_name("quote", tests, setup, teardown);
}
