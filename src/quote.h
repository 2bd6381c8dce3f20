/*
 * Variables in remote commands.  "{{ name }}" in a playbook's command text
 * is replaced by the variable's value, quoted for the shell that will read
 * the text, so that no value can end the word it stands in and turn into
 * code.  Values are never pasted raw.
 *
 * Template syntax:
 *
 *	{{ name }}	a variable; the blanks (spaces, tabs) inside the
 *			braces are optional.  A name is one or more parts
 *			joined by single dots (vars.site, host.name,
 *			result.stdout); a part starts with an ASCII letter
 *			or '_' and goes on with letters, digits and '_'.
 *	{{ 'text' }}	text copied as it is, the way to write a literal
 *			"{{" or "}}": {{ '{{' }} and {{ '}}' }}.  The text
 *			has no ' and no newline.
 *
 * A "{{" without its "}}" on the same line, an empty or bad name, and a
 * "}}" outside a tag are errors; a lone "{" or "}" is text.
 *
 * Modes:
 *
 *	QUOTE_SH	each value becomes one POSIX shell word in single
 *			quotes, a ' inside written '\'' and an empty value
 *			''.  A value with a NUL byte is refused.
 *	QUOTE_PS	each value becomes one PowerShell single-quoted
 *			string literal: ' doubled, and so are U+2018,
 *			U+2019, U+201A and U+201B, which PowerShell also
 *			takes for single quotes.  A value with a NUL byte
 *			or that is not valid UTF-8 is refused.  The script
 *			goes to the host as -EncodedCommand (UTF-16LE,
 *			see winrm_ps_command()), so cmd.exe never reads it.
 *	QUOTE_NONE	the value as it is, for messages and file names
 *			that no shell reads.
 *
 * Where a variable may stand.  A quoted value is one word only where the
 * shell reads unquoted text.  In QUOTE_SH and QUOTE_PS the template is
 * read with a small lexer of that shell's quoting rules (dash's and
 * bash's, PowerShell's), and a variable is refused with its column
 * inside quotes, a comment, a here-document or here-string, backquotes,
 * ${...}, bash's arithmetic ((...)), $((...)), $[...] and array
 * subscripts a[...] (where single quotes do not quote), or right after a
 * backslash, a backtick, '$' or '@': '"{{ v }}"' would let "$(...)" in
 * the value run.  Where the lexer cannot tell how the shell reads what
 * follows (a 'case' inside "$(...)", a bash array assignment a=(...),
 * PowerShell's --%, a '#' glued to a word; see quote.c), every later
 * variable is refused rather than guessed at.
 *
 * What quoting cannot do.  The text must reach the shell it was quoted
 * for: over SSH a command goes to the user's login shell, which may be
 * tcsh or fish, so QUOTE_SH text is for /bin/sh (best on its standard
 * input, "sh -s"), and QUOTE_PS text for -EncodedCommand.  And a value
 * is one word, but what the command does with that word is the
 * template's business: eval, sh -c, ssh, a value used as a command or
 * variable name (printf -v, read, &), bash's arithmetic on a value
 * ([[ $v -eq 1 ]], let), Invoke-Expression, and a native program's own
 * parsing of its command line (Windows PowerShell 5.1 passes a '"'
 * inside an argument on unescaped) can still run it.
 *
 * Error messages name the variable, never its value, since values may
 * be secrets.
 */
#ifndef LIFEBOAT_QUOTE_H
#define LIFEBOAT_QUOTE_H

#include <stddef.h>

struct buf;

/* Longest variable name, in bytes. */
#define QUOTE_NAME_MAX		128

enum quote_mode {
	QUOTE_NONE,
	QUOTE_SH,
	QUOTE_PS,
};

/* Where and what: line and col are 1-based, col counted in characters. */
struct quote_error {
	unsigned	 line;
	unsigned	 col;
	char		 msg[160];
};

/*
 * Looks name up: stores the value in *val (len bytes, not necessarily
 * NUL-terminated, owned by the callee and valid until quote_expand()
 * returns) and returns 0, or returns -1 when name is not defined.
 */
typedef int quote_lookup_fn(void *arg, const char *name, const char **val,
    size_t *len);

/* Called with each variable a template uses, in order, repeats included. */
typedef void quote_name_fn(const char *name, unsigned line, unsigned col,
    void *arg);

/*
 * Checks tmpl for mode, as quote_expand() would, and calls fn with each
 * variable it names, so that a caller can tell before a run whether each
 * one is defined.  Returns 0, or LB_ERR_INVALID with *err filled in (fn
 * was then not called).  err may be NULL.
 */
int	quote_names(const char *tmpl, enum quote_mode mode, quote_name_fn *fn,
	    void *arg, struct quote_error *err);

/*
 * Appends tmpl to out with each variable replaced by its value, quoted
 * for mode.  Returns 0; LB_ERR_INVALID for a syntax error, a variable
 * where mode cannot quote it, an undefined variable or a value mode
 * refuses; or LB_ERR_LIMIT when out would pass its maximum.  On error
 * *err says where and what (when err is not NULL) and out holds what it
 * held before.
 */
int	quote_expand(const char *tmpl, enum quote_mode mode,
	    quote_lookup_fn *lookup, void *arg, struct buf *out,
	    struct quote_error *err);

/*
 * Appends s (len bytes) to out as one POSIX shell word in single quotes.
 * Returns 0, LB_ERR_INVALID when s has a NUL byte, or LB_ERR_LIMIT; out
 * is unchanged on error.
 */
int	quote_sh(struct buf *out, const char *s, size_t len);

/*
 * Appends s (len bytes of UTF-8) to out as one PowerShell single-quoted
 * string literal.  Returns 0, LB_ERR_INVALID when s has a NUL byte or is
 * not valid UTF-8, or LB_ERR_LIMIT; out is unchanged on error.
 */
int	quote_ps(struct buf *out, const char *s, size_t len);

#endif
