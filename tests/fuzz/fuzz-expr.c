/*
 * libFuzzer target for `when` expressions: parses the input and, when it
 * parses, lists its names and evaluates it twice, with a lookup that
 * defines a few names of every type and with none.  Every error must
 * come with a message and a column inside the source (a parse error may
 * point one past its end); any crash, leak or sanitizer report is a bug.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "expr.h"
#include "xmalloc.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define V_STR(x)	{ .type = EXPR_STR, .s = (x), .len = sizeof(x) - 1 }
#define V_INT(x)	{ .type = EXPR_INT, .i = (x) }
#define V_BOOL(x)	{ .type = EXPR_BOOL, .b = (x) }
#define V_NULL		{ .type = EXPR_NULL }
#define V_LIST(a)	{ .type = EXPR_LIST, .items = (a), \
			    .nitems = sizeof(a) / sizeof *(a) }

static const struct expr_value list[] = { V_INT(1), V_STR("a"), V_NULL };
static const struct expr_value pair[] = { V_INT(1), V_STR("2") };
static const struct expr_value nested[] = { V_LIST(pair), V_BOOL(false) };

static const struct {
	const char		*name;
	struct expr_value	 v;
} vars[] = {
	{ "x", V_INT(1) },
	{ "y", V_INT(-5) },
	{ "s", V_STR("abc") },
	{ "t", V_STR("10") },
	{ "e", V_STR("") },
	{ "n", V_NULL },
	{ "b", V_BOOL(true) },
	{ "f", V_BOOL(false) },
	{ "l", V_LIST(list) },
	{ "m", V_LIST(nested) },
	{ "z", { .type = EXPR_LIST } },
	{ "p", V_STR("^a.c$") },
	{ "q", V_STR("(a") },
	{ "os", V_STR("linux") },
	{ "bin", { .type = EXPR_STR, .s = "a\0b", .len = 3 } },
	{ "result.rc", V_INT(0) },
	{ "result.stdout", V_STR("ok\n") },
	{ "facts.os_family", V_STR("Debian") },
};

/* "u": three bytes and no NUL after them, so that reading on is caught. */
static char	*unterminated;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	unterminated = xmalloc(3);
	memcpy(unterminated, "a1c", 3);
	return 0;
}

static int
lookup(void *arg, const char *name, struct expr_value *out)
{
	size_t	 i;

	(void)arg;
	if (strcmp(name, "u") == 0) {
		memset(out, 0, sizeof *out);
		out->type = EXPR_STR;
		out->s = unterminated;
		out->len = 3;
		return 0;
	}
	for (i = 0; i < sizeof vars / sizeof *vars; i++) {
		if (strcmp(vars[i].name, name) == 0) {
			*out = vars[i].v;
			return 0;
		}
	}
	return -1;
}

static void
check_error(const struct expr_error *err, unsigned maxcol)
{
	if (err->col < 1 || err->col > maxcol || err->msg[0] == '\0' ||
	    memchr(err->msg, '\0', sizeof err->msg) == NULL)
		abort();
}

static void
check_name(const char *name, unsigned col, void *arg)
{
	unsigned	 nchars = *(unsigned *)arg;

	if (name[0] == '\0' || col < 1 || col > nchars)
		abort();
}

static void
run(const struct expr *e, unsigned nchars)
{
	struct expr_error	 err, err2;
	bool			 res, res2;
	int			 rc, rc2;

	expr_names(e, check_name, &nchars);
	rc = expr_eval(e, lookup, NULL, &res, &err);
	if (rc != 0) {
		check_error(&err, nchars);
		if (res)
			abort();
	}
	/* Immutable: the same answer twice. */
	rc2 = expr_eval(e, lookup, NULL, &res2, &err2);
	if (rc2 != rc || res2 != res || (rc != 0 && (err.col != err2.col ||
	    strcmp(err.msg, err2.msg) != 0)))
		abort();
	rc = expr_eval(e, NULL, NULL, &res, &err);
	if (rc != 0 && rc != LB_ERR_NOT_FOUND && rc != LB_ERR_INVALID)
		abort();
	if (rc != 0)
		check_error(&err, nchars);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct expr_error	 err;
	struct expr		*e;
	unsigned		 nchars = 0;
	char			*text;
	size_t			 i;

	text = xmalloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	/* Columns count UTF-8 characters up to the first NUL. */
	for (i = 0; text[i] != '\0'; i++) {
		if (((unsigned char)text[i] & 0xc0) != 0x80)
			nchars++;
	}
	if (expr_parse(text, &e, &err) == 0) {
		if (e == NULL || strcmp(expr_text(e), text) != 0)
			abort();
		run(e, nchars);
		expr_free(e);
	} else {
		if (e != NULL)
			abort();
		check_error(&err, nchars + 1);
	}
	free(text);
	return 0;
}
