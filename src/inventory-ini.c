/*
 * The reader for Ansible's INI inventories, as Ansible's ini plugin reads
 * them:
 *
 *	host0 ansible_user=root		(before any section: ungrouped)
 *	[web]				hosts, one per line, with vars
 *	web[01:20] ansible_port=2222 descr="front end"
 *	db1:2222			host:port shorthand
 *	[web:vars]			one key=value per line; the value is
 *	ntp = ntp1.example.com		the rest of the line
 *	[dc:children]			group names, one per line
 *	web
 *
 * Host lines are split like a POSIX shell (quotes, backslashes, '#' ends
 * the line).  Values are then read as Ansible reads them with Python's
 * literal_eval: a whole quoted string loses its quotes, a plain number,
 * True, False or None loses a trailing "# comment"; anything else is kept
 * as written.  Values stay strings.  Lines starting with '#' or ';' are
 * comments; CRLF line ends and a UTF-8 byte order mark are accepted.
 *
 * As in Ansible, a group must be declared by a [g] or [g:children]
 * section: [g:vars] alone, or a child never declared, is an error.  What
 * the lines say goes into the Ansible model (ansible.h), which commit
 * turns into lifeboat hosts.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ansible.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "xmalloc.h"

enum ini_state {
	INI_HOSTS,
	INI_VARS,
	INI_CHILDREN,
	INI_SKIP,		/* a bad section: its lines are ignored */
};

struct ini {
	struct ansible		*a;
	const char		*file;
	struct ans_group	*group;
	enum ini_state		 state;
	unsigned		 line;
};

/* One token of a host line, unquoted; col is where it started. */
struct ini_tok {
	char		*s;
	unsigned	 col;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static struct srcpos
ini_pos(const struct ini *in, unsigned col)
{
	struct srcpos	 p;

	p.file = in->file;
	p.line = in->line;
	p.col = col;
	return p;
}

static void
ini_err(struct ini *in, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ini_err(struct ini *in, unsigned col, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	diag_vadd(in->a->diags, DIAG_ERROR, in->file, in->line, col, fmt, ap);
	va_end(ap);
}

/* Returns the offset of the first bad UTF-8 byte in s[0..n), or n. */
static size_t
utf8_check(const unsigned char *s, size_t n)
{
	size_t		 i = 0, k, len;
	unsigned	 c;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			return i;
		if (n - i < len)
			return i;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
		}
		/* Overlong forms, surrogates and past U+10FFFF. */
		if ((c == 0xe0 && s[i + 1] < 0xa0) ||
		    (c == 0xed && s[i + 1] > 0x9f) ||
		    (c == 0xf0 && s[i + 1] < 0x90) ||
		    (c == 0xf4 && s[i + 1] > 0x8f))
			return i;
		i += len;
	}
	return n;
}

static bool
is_py_number(const char *s, size_t n)
{
	size_t	 i = 0, digits = 0;

	if (i < n && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits > 0 && i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		if (i == n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return digits > 0 && i == n;
}

static bool
is_py_word(const char *s, size_t n)
{
	return (n == 4 && (memcmp(s, "True", 4) == 0 ||
	    memcmp(s, "None", 4) == 0)) ||
	    (n == 5 && memcmp(s, "False", 5) == 0);
}

/*
 * A Python string literal at s, alone but for white space and a comment
 * after it, decoded into out (which has room for strlen(s) + 1).
 * Returns false when s is not one.
 */
static bool
py_string(const char *s, char *out)
{
	const char	*p = s + 1;
	char		 q = *s, *o = out;

	for (; *p != '\0' && *p != q; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		switch (*++p) {
		case '\0':
			return false;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case '\\':
		case '\'':
		case '"':
			*o++ = *p;
			break;
		default:
			/* Python keeps an unknown escape as written. */
			*o++ = '\\';
			*o++ = *p;
			break;
		}
	}
	if (*p != q)
		return false;
	for (p++; is_space(*p); p++)
		;
	if (*p != '\0' && *p != '#')
		return false;
	*o = '\0';
	return true;
}

/*
 * A value as Ansible's literal_eval leaves it, as a string (see the top
 * of the file).  Returns a string the caller frees.
 */
static char *
py_value(const char *v)
{
	char		*out;
	const char	*hash;
	size_t		 n;

	out = xmalloc(strlen(v) + 1);
	if ((*v == '\'' || *v == '"') && py_string(v, out))
		return out;
	for (hash = v; (hash = strchr(hash, '#')) != NULL; hash++) {
		if (hash > v && is_space(hash[-1]))
			break;
	}
	n = hash != NULL ? (size_t)(hash - v) : strlen(v);
	while (n > 0 && is_space(v[n - 1]))
		n--;
	if (hash != NULL && (is_py_number(v, n) || is_py_word(v, n))) {
		memcpy(out, v, n);
		out[n] = '\0';
	} else
		memcpy(out, v, strlen(v) + 1);
	return out;
}

static void
toks_free(struct ini_tok *t, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(t[i].s);
	free(t);
}

/*
 * Splits a host line as Python's shlex does in POSIX mode with comments:
 * white space separates, quotes group, a backslash escapes the next
 * character (in double quotes only \ " $ and `), and '#' outside quotes
 * ends the line.  col0 is the column of s[0].  Returns the number of
 * tokens, or -1 with an error reported.
 */
static ssize_t
tokenize(struct ini *in, const char *s, unsigned col0, struct ini_tok **tp)
{
	struct ini_tok	*t;
	const char	*p = s, *q;
	char		*o;
	size_t		 n = 0, cap = strlen(s) / 2 + 1;

	t = xreallocarray(NULL, cap, sizeof *t);
	for (;;) {
		while (is_space(*p))
			p++;
		if (*p == '\0' || *p == '#')
			break;
		t[n].col = col0 + (unsigned)(p - s);
		t[n].s = o = xmalloc(strlen(p) + 1);
		n++;
		for (; *p != '\0' && !is_space(*p) && *p != '#'; p++) {
			if (*p == '\\') {
				if (p[1] == '\0') {
					ini_err(in, col0 + (unsigned)(p - s),
					    "backslash at the end of the line");
					goto fail;
				}
				*o++ = *++p;
			} else if (*p == '\'' || *p == '"') {
				q = p;
				for (p++; *p != '\0' && *p != *q; p++) {
					if (*q == '"' && *p == '\\' &&
					    p[1] != '\0' &&
					    strchr("\\\"$`", p[1]) != NULL)
						p++;
					*o++ = *p;
				}
				if (*p == '\0') {
					ini_err(in, col0 + (unsigned)(q - s),
					    "unterminated %s quote",
					    *q == '"' ? "double" : "single");
					goto fail;
				}
			} else
				*o++ = *p;
		}
		*o = '\0';
		if (n == cap) {
			cap *= 2;
			t = xreallocarray(t, cap, sizeof *t);
		}
	}
	*tp = t;
	return (ssize_t)n;
 fail:
	toks_free(t, n);
	return -1;
}

static void
host_line(struct ini *in, const char *s, unsigned col0)
{
	struct ans_host	**hosts = NULL;
	struct ini_tok	 *t = NULL;
	struct srcpos	  pos, kpos, vpos;
	ssize_t		  nt;
	size_t		  i, j, nh = 0;
	char		 *eq, *val;

	if ((nt = tokenize(in, s, col0, &t)) <= 0)
		return;
	if (t[0].s[0] == '\0') {
		ini_err(in, t[0].col, "empty host name");
		goto out;
	}
	/* Check the vars first, so that a bad line adds no hosts. */
	for (i = 1; i < (size_t)nt; i++) {
		if ((eq = strchr(t[i].s, '=')) == NULL) {
			ini_err(in, t[i].col, "expected key=value after host "
			    "'%s', got '%s'", t[0].s, t[i].s);
			goto out;
		}
		if (eq == t[i].s) {
			ini_err(in, t[i].col, "empty variable name in '%s'",
			    t[i].s);
			goto out;
		}
	}
	pos = ini_pos(in, t[0].col);
	if (ansible_add_hosts(in->a, in->group, t[0].s, &pos, &hosts,
	    &nh) != 0)
		goto out;
	for (i = 1; i < (size_t)nt; i++) {
		eq = strchr(t[i].s, '=');
		*eq = '\0';
		kpos = ini_pos(in, t[i].col);
		vpos = ini_pos(in, t[i].col + (unsigned)(eq - t[i].s) + 1);
		val = py_value(eq + 1);
		for (j = 0; j < nh; j++)
			ansible_host_set_var(in->a, hosts[j], t[i].s, val,
			    NULL, &kpos, &vpos);
		free(val);
	}
 out:
	free(hosts);
	toks_free(t, (size_t)(nt > 0 ? nt : 0));
}

static void
vars_line(struct ini *in, const char *s, unsigned col0)
{
	struct srcpos	 kpos, vpos;
	const char	*eq, *v;
	char		*key, *val;
	size_t		 kn;

	if ((eq = strchr(s, '=')) == NULL) {
		ini_err(in, col0, "expected key=value in [%s:vars], got '%s'",
		    in->group->name, s);
		return;
	}
	for (kn = (size_t)(eq - s); kn > 0 && is_space(s[kn - 1]); kn--)
		;
	if (kn == 0) {
		ini_err(in, col0, "empty variable name in [%s:vars]",
		    in->group->name);
		return;
	}
	for (v = eq + 1; is_space(*v); v++)
		;
	key = xstrndup(s, kn);
	val = py_value(v);
	kpos = ini_pos(in, col0);
	vpos = ini_pos(in, col0 + (unsigned)(v - s));
	ansible_group_set_var(in->a, in->group, key, val, NULL, &kpos, &vpos);
	free(val);
	free(key);
}

static void
children_line(struct ini *in, const char *s, unsigned col0)
{
	struct ans_group	*child;
	struct srcpos		 pos;
	const char		*p;
	char			*name;
	size_t			 n;

	n = strcspn(s, ":] \t\v\f#");
	for (p = s + n; is_space(*p); p++)
		;
	if (n == 0 || (*p != '\0' && *p != '#')) {
		ini_err(in, col0, "expected a group name in [%s:children], "
		    "got '%s'", in->group->name, s);
		return;
	}
	name = xstrndup(s, n);
	pos = ini_pos(in, col0);
	if ((child = ansible_group(in->a, name, &pos)) != NULL)
		ansible_group_add_child(in->a, in->group, child, &pos);
	free(name);
}

/*
 * A line starting with '['.  Returns false when it is a host after all:
 * "[2001:db8::1]:22" (which ansible_add_hosts() then explains).
 */
static bool
section_line(struct ini *in, const char *s, unsigned col0)
{
	static const char *const kinds[] = { "hosts", "children", "vars" };
	struct ans_group	*g;
	struct srcpos		 pos;
	const char		*close, *p, *colon, *hint;
	char			*name, *kind;
	size_t			 nn;

	close = strchr(s, ']');
	if (close != NULL && close[1] == ':' && close[2] >= '0' &&
	    close[2] <= '9')
		return false;
	/* Until the header is known good, the lines under it are skipped. */
	in->state = INI_SKIP;
	if (close == NULL) {
		ini_err(in, col0, "section '%s' is not closed: missing ']'",
		    s);
		return true;
	}
	for (p = close + 1; is_space(*p); p++)
		;
	if (*p != '\0' && *p != '#') {
		ini_err(in, col0 + (unsigned)(p - s), "unexpected text after "
		    "section '%.*s'", (int)(close - s + 1), s);
		return true;
	}
	for (p = s + 1; p < close; p++) {
		if (is_space(*p)) {
			ini_err(in, col0 + (unsigned)(p - s), "space in "
			    "section name '%.*s'", (int)(close - s + 1), s);
			return true;
		}
	}
	colon = memchr(s + 1, ':', (size_t)(close - s - 1));
	nn = (size_t)((colon != NULL ? colon : close) - s - 1);
	if (nn == 0) {
		ini_err(in, col0 + 1, "empty group name in section '%.*s'",
		    (int)(close - s + 1), s);
		return true;
	}
	name = xstrndup(s + 1, nn);
	kind = colon != NULL ? xstrndup(colon + 1,
	    (size_t)(close - colon - 1)) : xstrdup("hosts");
	pos = ini_pos(in, col0);
	if (strcmp(kind, "hosts") != 0 && strcmp(kind, "children") != 0 &&
	    strcmp(kind, "vars") != 0) {
		hint = diag_suggest(kind, kinds, 3);
		ini_err(in, col0 + (unsigned)(colon + 1 - s), "unknown section "
		    "type '%s' in '[%s:%s]'%s%s%s: use vars or children",
		    kind, name, kind, hint ? " (did you mean '" : "",
		    hint ? hint : "", hint ? "'?)" : "");
	} else if ((g = ansible_group(in->a, name, &pos)) != NULL) {
		in->group = g;
		if (strcmp(kind, "vars") == 0) {
			in->state = INI_VARS;
			if (!g->hasvarsec) {
				g->hasvarsec = true;
				g->varspos = pos;
			}
		} else {
			in->state = strcmp(kind, "hosts") == 0 ? INI_HOSTS :
			    INI_CHILDREN;
			if (!g->defined) {
				g->defined = true;
				g->pos = pos;
			}
		}
	}
	free(kind);
	free(name);
	return true;
}

/* One line, without its line end; col0 is the column of s[0]. */
static void
ini_line(struct ini *in, const char *s, unsigned col0)
{
	size_t	 n;

	while (is_space(*s)) {
		s++;
		col0++;
	}
	if (*s == '\0' || *s == '#' || *s == ';')
		return;
	/* The line without trailing white space, as Ansible strips it. */
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (s[0] == '[') {
		char	*t = xstrndup(s, n);
		bool	 done = section_line(in, t, col0);

		free(t);
		if (done)
			return;
		/* A host line: it belongs to the section before. */
	}
	switch (in->state) {
	case INI_HOSTS:
		host_line(in, s, col0);
		break;
	case INI_VARS:
		vars_line(in, s, col0);
		break;
	case INI_CHILDREN:
		children_line(in, s, col0);
		break;
	case INI_SKIP:
		break;
	}
}

/* After the last line: the declarations Ansible insists on. */
static void
check_declared(struct ini *in)
{
	struct ansible		*a = in->a;
	struct ans_group	*g, *c;
	const char		**names, *hint;
	size_t			 i, j, n = 0;

	names = xreallocarray(NULL, a->ngroups, sizeof *names);
	for (i = 0; i < a->ngroups; i++) {
		if (a->groups[i]->defined)
			names[n++] = a->groups[i]->name;
	}
	for (i = 0; i < a->ngroups; i++) {
		g = a->groups[i];
		if (g->hasvarsec && !g->defined) {
			hint = diag_suggest(g->name, names, n);
			diag_err(a->diags, g->varspos.file, g->varspos.line,
			    g->varspos.col, "[%s:vars] is for group '%s', "
			    "which no [%s] or [%s:children] section "
			    "declares%s%s%s",
			    g->name, g->name, g->name, g->name,
			    hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
		}
		for (j = 0; j < g->nchildren; j++) {
			c = a->groups[g->children[j].idx];
			if (c->defined)
				continue;
			hint = diag_suggest(c->name, names, n);
			diag_err(a->diags, g->children[j].pos.file,
			    g->children[j].pos.line, g->children[j].pos.col,
			    "[%s:children] names group '%s', which no [%s] or "
			    "[%s:children] section declares%s%s%s", g->name,
			    c->name, c->name, c->name,
			    hint ? " (did you mean '" : "", hint ? hint : "",
			    hint ? "'?)" : "");
			/* One report per undeclared group is enough. */
			c->defined = true;
		}
	}
	free(names);
}

int
inv_read_ansible_ini(struct inventory *inv, unsigned src, const char *data,
    size_t len, struct diags *d)
{
	struct ini	 in;
	struct srcpos	 pos;
	const char	*p = data, *end = data + len, *eol, *nul;
	char		*line;
	size_t		 n, bad;
	unsigned	 col0 = 1;
	int		 r;

	memset(&in, 0, sizeof in);
	in.a = ansible_new(inv, src, d);
	in.file = in.a->file;
	in.group = in.a->groups[1];	/* ungrouped */
	in.state = INI_HOSTS;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		in.line++;
		for (eol = p; eol < end && *eol != '\n' && *eol != '\r'; eol++)
			;
		n = (size_t)(eol - p);
		if ((nul = memchr(p, '\0', n)) != NULL) {
			ini_err(&in, col0 + (unsigned)(nul - p), "NUL byte in "
			    "inventory: is this a text file?");
			break;
		}
		line = xstrndup(p, n);
		/* Ansible tolerates any bytes in comments only. */
		bad = utf8_check((const unsigned char *)line, n);
		if (bad < n && line[strspn(line, " \t")] != '#' &&
		    line[strspn(line, " \t")] != ';')
			ini_err(&in, col0 + (unsigned)bad, "invalid UTF-8");
		else
			ini_line(&in, line, col0);
		free(line);
		pos = ini_pos(&in, 0);
		if (ansible_too_many(in.a, &pos))
			break;
		if (eol < end && *eol == '\r' && eol + 1 < end &&
		    eol[1] == '\n')
			eol++;
		p = eol + 1;
		col0 = 1;
	}
	if (!in.a->gaveup)
		check_declared(&in);
	r = ansible_commit(in.a);
	ansible_free(in.a);
	return r;
}
