/*
 * libFuzzer target for the strict JSON reader, with a round-trip oracle:
 * an input that parses is written again with src/json.c's writer, the
 * output must parse to the same tree (types, keys in order, string
 * bytes, integers, doubles to the bit), and writing that tree must give
 * the same output again.  An input that does not parse must come with a
 * message and a position inside the input (or one past its end).  Any
 * crash, leak or sanitizer report is a bug; so is a broken oracle
 * (checked with abort()).
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "errors.h"
#include "json.h"
#include "jsonr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Lookups by key are checked for this many keys of each object. */
#define LOOKUPS	64

/*
 * A number that is no int64_t goes through json_double() when its %.15g
 * form reads back exactly, else as %.17g, which always does.
 */
static void
write_double(struct json *j, double d)
{
	char	 tmp[64];
	int	 n;

	n = snprintf(tmp, sizeof tmp, "%.15g", d);
	if (strtod(tmp, NULL) == d && signbit(strtod(tmp, NULL)) ==
	    signbit(d)) {
		json_double(j, d);
		return;
	}
	n = snprintf(tmp, sizeof tmp, "%.17g", d);
	json_raw(j, tmp, (size_t)n);
}

static void
write_tree(struct json *j, const struct jv *v)
{
	size_t	 i;

	switch (v->type) {
	case JV_NULL:
		json_null(j);
		break;
	case JV_BOOL:
		json_bool(j, v->b);
		break;
	case JV_NUM:
		/* json_int() has no "-0"; json_double() writes it. */
		if (v->is_int && (v->i != 0 || !signbit(v->d)))
			json_int(j, v->i);
		else
			write_double(j, v->d);
		break;
	case JV_STR:
		json_strn(j, v->s, v->len);
		break;
	case JV_ARR:
		json_arr_begin(j);
		for (i = 0; i < v->len; i++)
			write_tree(j, v->v[i]);
		json_arr_end(j);
		break;
	case JV_OBJ:
		json_obj_begin(j);
		for (i = 0; i < v->len; i++) {
			json_key(j, v->keys[i]);
			write_tree(j, v->v[i]);
		}
		json_obj_end(j);
		break;
	}
}

static void
same_num(const struct jv *a, const struct jv *b)
{
	if (a->d != b->d || signbit(a->d) != signbit(b->d) || isinf(b->d))
		abort();
	if (a->is_int && (!b->is_int || a->i != b->i))
		abort();
	/* "1.0" comes back as "1": an int now, of the same value. */
	if (b->is_int && (double)b->i != b->d)
		abort();
}

static void
same_tree(const struct jv *a, const struct jv *b)
{
	size_t	 i;

	if (a->type != b->type || a->len != b->len)
		abort();
	switch (a->type) {
	case JV_BOOL:
		if (a->b != b->b)
			abort();
		break;
	case JV_NUM:
		same_num(a, b);
		break;
	case JV_STR:
		if (a->s[a->len] != '\0' || memcmp(a->s, b->s, a->len) != 0)
			abort();
		break;
	case JV_OBJ:
		for (i = 0; i < a->len; i++) {
			if (strcmp(a->keys[i], b->keys[i]) != 0)
				abort();
			if (i < LOOKUPS && jv_get(a, a->keys[i]) != a->v[i])
				abort();
		}
		/* FALLTHROUGH */
	case JV_ARR:
		for (i = 0; i < a->len; i++)
			same_tree(a->v[i], b->v[i]);
		break;
	default:
		break;
	}
}

/* The error must name a byte of data[0..len], with a message. */
static void
check_error(const uint8_t *data, size_t len, const struct jsonr_error *err)
{
	size_t	 i = 0, line = 1;

	if (err->line < 1 || err->col < 1 || err->msg[0] == '\0' ||
	    memchr(err->msg, '\0', sizeof err->msg) == NULL)
		abort();
	for (i = 0; i < len && line < err->line; i++) {
		if (data[i] == '\n')
			line++;
	}
	if (line != err->line || err->col - 1 > len - i)
		abort();
	/* The column does not run past the end of its line. */
	if (memchr(data + i, '\n', err->col - 1) != NULL)
		abort();
}

/* Writes v; returns the output, which the caller frees. */
static char *
serialise(const struct jv *v, size_t *lenp)
{
	struct json	 j;
	char		*out;

	json_init(&j, NULL);
	write_tree(&j, v);
	if (json_finish(&j) != 0 || j.depth != 0)
		abort();
	out = buf_detach(&j.out, lenp);
	json_release(&j);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct jsonr_error	 err;
	struct arena		*a;
	struct jv		*v, *v2;
	char			*out, *out2;
	size_t			 n, n2;

	a = arena_new();
	if (jsonr_parse(a, (const char *)data, len, &v, &err) != 0) {
		if (v != NULL)
			abort();
		check_error(data, len, &err);
		arena_free(a);
		return 0;
	}
	if (v == NULL || err.msg[0] != '\0')
		abort();
	out = serialise(v, &n);
	if (jsonr_parse(a, out, n, &v2, &err) != 0) {
		fprintf(stderr, "re-parse: %zu:%zu: %s\n%.*s\n", err.line,
		    err.col, err.msg, (int)n, out);
		abort();
	}
	same_tree(v, v2);
	out2 = serialise(v2, &n2);
	if (n2 != n || memcmp(out, out2, n) != 0)
		abort();
	free(out);
	free(out2);
	arena_free(a);
	return 0;
}
