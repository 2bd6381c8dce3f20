/*
 * Unit tests for ytree.c: positions and flags of nodes, aliases, merge
 * keys, duplicate keys, every refusal (syntax, depth, alias bombs, extra
 * documents, NUL bytes, unknown anchors) with its message and position,
 * the small accessors, and streaming: which mappings are offered, which
 * entries arrive in which order with which path, and that streamed
 * memory is reused while anchors stay usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "ytree.h"

/* Stands in *rootp before a parse, to see that the parse sets it. */
static struct ynode	 sentinel;

/* Parses text into a fresh arena; the caller frees *ap and the diags. */
static int
parse(const char *text, struct arena **ap, struct ynode **rootp,
    struct diags *d)
{
	*ap = arena_new();
	return ytree_parse(*ap, "t.yml", text, strlen(text), rootp, d);
}

/* Appends a compact flow form of n: scalars bare ('quoted'), [..], {..}. */
static void
flow(struct buf *b, const struct ynode *n)
{
	size_t	 i;

	if (n == NULL) {
		buf_adds(b, "NULL");
		return;
	}
	switch (n->type) {
	case YNODE_SCALAR:
		buf_addf(b, n->quoted ? "'%s'" : "%s", n->str);
		break;
	case YNODE_SEQ:
		buf_addc(b, '[');
		for (i = 0; i < n->n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			flow(b, n->v[i]);
		}
		buf_addc(b, ']');
		break;
	case YNODE_MAP:
		buf_addc(b, '{');
		for (i = 0; i < n->n; i++) {
			if (i > 0)
				buf_addc(b, ',');
			flow(b, YMAP_KEY(n, i));
			buf_addc(b, ':');
			flow(b, YMAP_VAL(n, i));
		}
		buf_addc(b, '}');
		break;
	}
}

static void
assert_flow(const struct ynode *n, const char *want)
{
	struct buf	 b = BUF_INIT;

	flow(&b, n);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

/* Expects text to be refused with rc and exactly one diagnostic, want. */
static void
assert_refused(const char *text, int rc, const char *want)
{
	struct arena	*a;
	struct ynode	*root = &sentinel;
	struct diags	 d = DIAGS_INIT;
	char		*s;

	assert_int_equal(parse(text, &a, &root, &d), rc);
	assert_null(root);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.nerrors, 1);
	s = diag_format(&d.v[0]);
	assert_string_equal(s, want);
	free(s);
	diags_release(&d);
	arena_free(a);
}

static void
test_positions(void **state)
{
	struct arena	*a;
	struct ynode	*root, *k, *v, *seq;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	assert_int_equal(parse("a: 1\nb:\n  - x\n  - 'y'\n  - \"z\"\n"
	    "c: {d: [e]}\n", &a, &root, &d), 0);
	assert_int_equal(d.n, 0);
	assert_non_null(root);
	assert_int_equal(root->type, YNODE_MAP);
	assert_int_equal(root->n, 3);
	assert_int_equal(root->line, 1);
	assert_int_equal(root->col, 1);
	k = YMAP_KEY(root, 0);
	v = YMAP_VAL(root, 0);
	assert_string_equal(k->str, "a");
	assert_int_equal(k->line, 1);
	assert_int_equal(k->col, 1);
	assert_false(k->quoted);
	assert_string_equal(v->str, "1");
	assert_int_equal(v->len, 1);
	assert_int_equal(v->line, 1);
	assert_int_equal(v->col, 4);
	k = YMAP_KEY(root, 1);
	assert_int_equal(k->line, 2);
	assert_int_equal(k->col, 1);
	seq = YMAP_VAL(root, 1);
	assert_int_equal(seq->type, YNODE_SEQ);
	assert_int_equal(seq->n, 3);
	assert_int_equal(seq->line, 3);
	assert_int_equal(seq->col, 3);
	assert_string_equal(seq->v[0]->str, "x");
	assert_false(seq->v[0]->quoted);
	assert_int_equal(seq->v[0]->line, 3);
	assert_int_equal(seq->v[0]->col, 5);
	assert_string_equal(seq->v[1]->str, "y");
	assert_true(seq->v[1]->quoted);
	assert_int_equal(seq->v[1]->line, 4);
	assert_int_equal(seq->v[1]->col, 5);
	assert_true(seq->v[2]->quoted);
	assert_int_equal(seq->v[2]->line, 5);
	v = ynode_get(root, "c");
	assert_int_equal(v->type, YNODE_MAP);
	assert_int_equal(v->line, 6);
	assert_int_equal(v->col, 4);
	v = ynode_get(v, "d");
	assert_int_equal(v->type, YNODE_SEQ);
	assert_int_equal(v->col, 8);
	assert_int_equal(v->v[0]->col, 9);
	assert_flow(root, "{a:1,b:[x,'y','z'],c:{d:[e]}}");
	/* Weight: every node once, the root included. */
	assert_int_equal(root->weight, 13);
	diags_release(&d);
	arena_free(a);
}

static void
test_scalars(void **state)
{
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	assert_int_equal(parse("plain: hello world\nsq: 'it''s'\n"
	    "dq: \"tab\\there\\u00e9\"\nlit: |\n  line1\n  line2\n"
	    "fold: >\n  one\n  two\nempty:\ntagged: !!str 123\n"
	    "custom: !mine {a: 1}\n", &a, &root, &d), 0);
	assert_string_equal(ynode_str(ynode_get(root, "plain")),
	    "hello world");
	assert_string_equal(ynode_str(ynode_get(root, "sq")), "it's");
	assert_string_equal(ynode_str(ynode_get(root, "dq")),
	    "tab\there\xc3\xa9");
	assert_int_equal(ynode_get(root, "dq")->len, 10);
	assert_string_equal(ynode_str(ynode_get(root, "lit")),
	    "line1\nline2\n");
	assert_true(ynode_get(root, "lit")->quoted);
	assert_string_equal(ynode_str(ynode_get(root, "fold")), "one two\n");
	assert_string_equal(ynode_str(ynode_get(root, "empty")), "");
	assert_false(ynode_get(root, "empty")->quoted);
	assert_true(ynode_is_null(ynode_get(root, "empty")));
	assert_string_equal(ynode_get(root, "tagged")->tag,
	    "tag:yaml.org,2002:str");
	assert_string_equal(ynode_get(root, "tagged")->str, "123");
	assert_string_equal(ynode_get(root, "custom")->tag, "!mine");
	assert_null(ynode_get(root, "plain")->tag);
	assert_null(ynode_get(root, "missing"));
	assert_null(ynode_get(NULL, "plain"));
	assert_null(ynode_get(ynode_get(root, "plain"), "x"));
	diags_release(&d);
	arena_free(a);
}

static void
test_accessors(void **state)
{
	struct arena	*a;
	struct ynode	*root, *s;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	assert_int_equal(parse("[~, null, Null, NULL, nUll, '', 'null', x,"
	    " yes, On, n, Y, FALSE, off, 'yes', maybe, 1, [], {}]",
	    &a, &root, &d), 0);
	s = root;
	assert_int_equal(s->n, 19);
	assert_true(ynode_is_null(NULL));
	assert_true(ynode_is_null(s->v[0]));
	assert_true(ynode_is_null(s->v[1]));
	assert_true(ynode_is_null(s->v[2]));
	assert_true(ynode_is_null(s->v[3]));
	assert_false(ynode_is_null(s->v[4]));
	assert_false(ynode_is_null(s->v[5]));
	assert_false(ynode_is_null(s->v[6]));
	assert_false(ynode_is_null(s->v[7]));
	assert_false(ynode_is_null(s->v[17]));
	assert_int_equal(ynode_bool(s->v[8]), 1);
	assert_int_equal(ynode_bool(s->v[9]), 1);
	assert_int_equal(ynode_bool(s->v[10]), 0);
	assert_int_equal(ynode_bool(s->v[11]), 1);
	assert_int_equal(ynode_bool(s->v[12]), 0);
	assert_int_equal(ynode_bool(s->v[13]), 0);
	assert_int_equal(ynode_bool(s->v[14]), -1);
	assert_int_equal(ynode_bool(s->v[15]), -1);
	assert_int_equal(ynode_bool(s->v[16]), -1);
	assert_int_equal(ynode_bool(s->v[17]), -1);
	assert_int_equal(ynode_bool(NULL), -1);
	assert_string_equal(ynode_kind(s->v[0]), "empty");
	assert_string_equal(ynode_kind(NULL), "empty");
	assert_string_equal(ynode_kind(s->v[7]), "a string");
	assert_string_equal(ynode_kind(s->v[6]), "a string");
	assert_string_equal(ynode_kind(s->v[17]), "a list");
	assert_string_equal(ynode_kind(s->v[18]), "a mapping");
	assert_null(ynode_str(s->v[17]));
	assert_null(ynode_str(NULL));
	assert_string_equal(ynode_str(s->v[7]), "x");
	diags_release(&d);
	arena_free(a);
}

static void
test_empty(void **state)
{
	struct arena	*a;
	struct ynode	*root = &sentinel;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	assert_int_equal(parse("", &a, &root, &d), 0);
	assert_null(root);
	arena_free(a);
	root = &sentinel;
	assert_int_equal(parse("# just a comment\n\n", &a, &root, &d), 0);
	assert_null(root);
	arena_free(a);
	assert_int_equal(parse("---\n...\n", &a, &root, &d), 0);
	assert_non_null(root);
	assert_true(ynode_is_null(root));
	arena_free(a);
	assert_int_equal(d.n, 0);
}

static void
test_aliases(void **state)
{
	struct arena	*a;
	struct ynode	*root, *base, *other, *list;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	assert_int_equal(parse("base: &b {x: 1, y: [2, 3]}\nother: *b\n"
	    "list: [*b, &s str, *s, *b]\nre: &s again\nlast: *s\n",
	    &a, &root, &d), 0);
	base = ynode_get(root, "base");
	other = ynode_get(root, "other");
	list = ynode_get(root, "list");
	/* Aliases share the anchored node; nothing is copied. */
	assert_ptr_equal(base, other);
	assert_ptr_equal(list->v[0], base);
	assert_ptr_equal(list->v[3], base);
	assert_ptr_equal(list->v[2], list->v[1]);
	assert_string_equal(list->v[2]->str, "str");
	/* A later anchor of the same name replaces the earlier one. */
	assert_string_equal(ynode_str(ynode_get(root, "last")), "again");
	assert_int_equal(base->weight, 7);
	/* Weights count what aliases would expand to. */
	assert_int_equal(list->weight, 1 + 7 + 1 + 1 + 7);
	assert_int_equal(root->weight, 1 + 5 + 7 + 7 + 17 + 1 + 1);
	diags_release(&d);
	arena_free(a);

	assert_refused("a: *nope\n", LB_ERR_INVALID,
	    "t.yml:1:4: error: alias to an unknown anchor");
	/* An alias inside its own anchor would make a loop. */
	assert_refused("a: &a [1, *a]\n", LB_ERR_INVALID,
	    "t.yml:1:11: error: alias refers to a node that contains it");
	assert_refused("a: &m {k: {up: *m}}\n", LB_ERR_INVALID,
	    "t.yml:1:16: error: alias refers to a node that contains it");
	/* An anchor is known only after its definition. */
	assert_refused("a: *later\nb: &later 1\n", LB_ERR_INVALID,
	    "t.yml:1:4: error: alias to an unknown anchor");
}

static void
test_merge(void **state)
{
	struct arena	*a;
	struct ynode	*root, *m;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	assert_int_equal(parse(
	    "base: &b {x: 1, y: 2}\n"
	    "other: &o {y: 20, w: 30, x: 10}\n"
	    "m:\n  y: 3\n  <<: *b\n  z: 4\n"
	    "before: {<<: *b, x: 5}\n"
	    "many: {<<: [*o, *b], w: 0}\n"
	    "inline: {<<: {p: 1}, q: 2}\n"
	    "quoted: {'<<': *b}\n",
	    &a, &root, &d), 0);
	assert_int_equal(d.n, 0);
	/* Explicit keys win, wherever the merge key stands. */
	m = ynode_get(root, "m");
	assert_flow(m, "{y:3,z:4,x:1}");
	assert_null(ynode_get(m, "<<"));
	assert_flow(ynode_get(root, "before"), "{x:5,y:2}");
	/* Of several merged maps the first wins. */
	assert_flow(ynode_get(root, "many"), "{w:0,y:20,x:10}");
	assert_flow(ynode_get(root, "inline"), "{q:2,p:1}");
	/* A quoted "<<" is an ordinary key. */
	assert_flow(ynode_get(root, "quoted"), "{'<<':{x:1,y:2}}");
	/* The merged values are the anchored nodes themselves. */
	assert_ptr_equal(ynode_get(m, "x"), ynode_get(ynode_get(root, "base"),
	    "x"));
	diags_release(&d);
	arena_free(a);
}

static void
test_check_keys(void **state)
{
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;
	char		*s;

	(void)state;
	assert_int_equal(parse("a: 1\nb: 2\na: 3\n? [x]\n: 4\nb: 5\nc: 6\n"
	    "'a': 7\n", &a, &root, &d), 0);
	assert_int_equal(root->n, 7);
	assert_int_equal(ytree_check_keys(root, "key", "t.yml", &d), 4);
	assert_int_equal(d.n, 4);
	assert_int_equal(d.nerrors, 4);
	s = diag_format(&d.v[0]);
	assert_string_equal(s,
	    "t.yml:3:1: error: duplicate key 'a' (first at line 1, column 1)");
	free(s);
	s = diag_format(&d.v[1]);
	assert_string_equal(s,
	    "t.yml:4:3: error: key name must be a string, not a list");
	free(s);
	s = diag_format(&d.v[2]);
	assert_string_equal(s,
	    "t.yml:6:1: error: duplicate key 'b' (first at line 2, column 1)");
	free(s);
	/* Quoting does not make a key different. */
	s = diag_format(&d.v[3]);
	assert_string_equal(s,
	    "t.yml:8:1: error: duplicate key 'a' (first at line 1, column 1)");
	free(s);
	diags_release(&d);

	/* What is named in the message; no file; non-maps have no keys. */
	assert_int_equal(ytree_check_keys(ynode_get(root, "c"), "host", NULL,
	    &d), 0);
	assert_int_equal(ytree_check_keys(NULL, "host", NULL, &d), 0);
	assert_int_equal(d.n, 0);
	arena_free(a);

	assert_int_equal(parse("hosts:\n  web1: {}\n  web2: {}\n  web1: {}\n",
	    &a, &root, &d), 0);
	assert_int_equal(ytree_check_keys(ynode_get(root, "hosts"), "host",
	    NULL, &d), 1);
	s = diag_format(&d.v[0]);
	assert_string_equal(s,
	    "error: duplicate host 'web1' (first at line 2, column 3)");
	free(s);
	diags_release(&d);
	arena_free(a);
}

static void
test_check_keys_many(void **state)
{
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;
	struct buf	 b = BUF_INIT;
	unsigned	 i;

	(void)state;
	for (i = 0; i < 5000; i++)
		buf_addf(&b, "k%u: %u\n", i, i);
	buf_adds(&b, "k4321: dup\n");
	a = arena_new();
	assert_int_equal(ytree_parse(a, "big.yml", b.data, b.len, &root, &d),
	    0);
	assert_int_equal(root->n, 5001);
	assert_int_equal(ytree_check_keys(root, "key", "big.yml", &d), 1);
	assert_string_equal(d.v[0].msg,
	    "duplicate key 'k4321' (first at line 4322, column 1)");
	assert_int_equal(d.v[0].line, 5001);
	diags_release(&d);
	buf_release(&b);
	arena_free(a);
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	assert_refused("a: b: c\n", LB_ERR_INVALID, "t.yml:1:5: error: "
	    "mapping values are not allowed in this context");
	assert_refused("ok: 1\nnext: 2\n  bad: 3\n", LB_ERR_INVALID,
	    "t.yml:3:6: error: mapping values are not allowed in this "
	    "context");
	assert_refused("a: [1, 2\nb: 3\n", LB_ERR_INVALID, "t.yml:2:2: "
	    "error: did not find expected ',' or ']' while parsing a flow "
	    "sequence (line 1)");
	/* Bytes that are not UTF-8 are reported by offset. */
	assert_refused("a: '\xff'\n", LB_ERR_INVALID,
	    "t.yml: error: invalid leading UTF-8 octet at byte 4");
}

static void
test_refusals(void **state)
{
	(void)state;
	assert_refused("a: 1\n---\nb: 2\n", LB_ERR_INVALID,
	    "t.yml:2:1: error: more than one YAML document in the file");
	assert_refused("---\na: 1\n...\n---\n", LB_ERR_INVALID,
	    "t.yml:4:1: error: more than one YAML document in the file");
	assert_refused("a: \"x\\0y\"\n", LB_ERR_INVALID,
	    "t.yml:1:4: error: NUL byte in a string");
	assert_refused("list:\n  - ok\n  - \"\\0\"\n", LB_ERR_INVALID,
	    "t.yml:3:5: error: NUL byte in a string");
}

static void
test_depth(void **state)
{
	struct arena	*a;
	struct ynode	*root, *n;
	struct diags	 d = DIAGS_INIT;
	char		 text[2 * YTREE_MAX_DEPTH + 8], want[64];
	int		 i;

	(void)state;
	/* YTREE_MAX_DEPTH nested lists are fine. */
	memset(text, 0, sizeof text);
	for (i = 0; i < YTREE_MAX_DEPTH; i++) {
		text[i] = '[';
		text[YTREE_MAX_DEPTH + i] = ']';
	}
	assert_int_equal(parse(text, &a, &root, &d), 0);
	for (i = 1, n = root; n->n > 0; n = n->v[0])
		i++;
	assert_int_equal(i, YTREE_MAX_DEPTH);
	arena_free(a);

	/* One more is refused where it opens. */
	memset(text, 0, sizeof text);
	for (i = 0; i <= YTREE_MAX_DEPTH; i++) {
		text[i] = '[';
		text[YTREE_MAX_DEPTH + 1 + i] = ']';
	}
	snprintf(want, sizeof want, "t.yml:1:%d: error: nesting too deep",
	    YTREE_MAX_DEPTH + 1);
	assert_refused(text, LB_ERR_LIMIT, want);
}

static void
test_alias_bomb(void **state)
{
	struct buf	 b = BUF_INIT;
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;
	int		 i, j;

	(void)state;
	/* Nine levels of ten aliases each: a billion nodes. */
	buf_adds(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 9; i++) {
		buf_addf(&b, "%c: &%c [", 'a' + i, 'a' + i);
		for (j = 0; j < 10; j++)
			buf_addf(&b, "%s*%c", j ? ", " : "", 'a' + i - 1);
		buf_adds(&b, "]\n");
	}
	a = arena_new();
	assert_int_equal(ytree_parse(a, "t.yml", b.data, b.len, &root, &d),
	    LB_ERR_LIMIT);
	assert_null(root);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.v[0].msg,
	    "document too large once aliases are expanded");
	/* Refused at the first list too large: h, on line 8. */
	assert_int_equal(d.v[0].line, 8);
	/* Cheap to refuse: the tree was never expanded. */
	assert_true(arena_used(a) < 64 * 1024);
	diags_release(&d);
	arena_free(a);

	/* Seven levels (about eleven million nodes) are allowed. */
	buf_reset(&b);
	buf_adds(&b, "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 7; i++) {
		buf_addf(&b, "%c: &%c [", 'a' + i, 'a' + i);
		for (j = 0; j < 10; j++)
			buf_addf(&b, "%s*%c", j ? ", " : "", 'a' + i - 1);
		buf_adds(&b, "]\n");
	}
	a = arena_new();
	assert_int_equal(ytree_parse(a, "t.yml", b.data, b.len, &root, &d), 0);
	assert_int_equal(ynode_get(root, "g")->weight, 11111111);
	diags_release(&d);
	arena_free(a);
	buf_release(&b);
}

/*
 * Streaming.  The recorder keeps a line of text for each split() question
 * and each entry, since the entries' memory is reused.
 */
struct recorder {
	struct buf	 log;
	const char	*want_path;	/* stream mappings at this path */
	size_t		 nentries;
	struct arena	*arena;		/* to check reuse across entries */
	size_t		 max_used;
};

static void
path_text(struct buf *b, const char *const *path, size_t depth)
{
	size_t	 i;

	buf_addc(b, '/');
	for (i = 0; i < depth; i++)
		buf_addf(b, "%s%s", i ? "/" : "", path[i]);
}

static bool
rec_split(void *arg, const char *const *path, size_t depth)
{
	struct recorder	*r = arg;
	struct buf	 p = BUF_INIT;
	bool		 yes;

	path_text(&p, path, depth);
	yes = strcmp(buf_str(&p), r->want_path) == 0;
	buf_addf(&r->log, "split %s%s\n", buf_str(&p), yes ? " yes" : "");
	buf_release(&p);
	return yes;
}

static void
rec_entry(void *arg, const char *const *path, size_t depth,
    const struct ynode *key, const struct ynode *value)
{
	struct recorder	*r = arg;

	buf_adds(&r->log, "entry ");
	path_text(&r->log, path, depth);
	buf_addc(&r->log, ' ');
	flow(&r->log, key);
	buf_addf(&r->log, "@%u:%u=", key->line, key->col);
	flow(&r->log, value);
	buf_addc(&r->log, '\n');
	r->nentries++;
	if (r->arena != NULL && arena_used(r->arena) > r->max_used)
		r->max_used = arena_used(r->arena);
}

static void
rec_init(struct recorder *r, const char *want_path)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->log, 0, 0);
	r->want_path = want_path;
}

static int
parse_stream(const char *text, struct recorder *r, struct arena *a,
    struct ynode **rootp, struct diags *d)
{
	struct ystream	 st = { rec_split, rec_entry, NULL };

	st.arg = r;
	return ytree_parse_stream(a, "t.yml", text, strlen(text), &st, rootp,
	    d);
}

static void
test_stream_entries(void **state)
{
	struct recorder	 r;
	struct arena	*a;
	struct ynode	*root, *hosts;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	rec_init(&r, "/hosts");
	a = arena_new();
	assert_int_equal(parse_stream(
	    "top: {k: v}\n"
	    "hosts:\n"
	    "  h1: {address: 10.0.0.1}\n"
	    "  h2: [a, b]\n"
	    "  h3:\n"
	    "  'h4': {nested: {deep: 1}}\n"
	    "list: [{x: 1}]\n",
	    &r, a, &root, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(buf_str(&r.log),
	    "split /\n"
	    "split /top\n"
	    "split /hosts yes\n"
	    "split /hosts/h1\n"
	    "entry /hosts h1@3:3={address:10.0.0.1}\n"
	    "entry /hosts h2@4:3=[a,b]\n"
	    "entry /hosts h3@5:3=\n"
	    "split /hosts/h4\n"
	    "split /hosts/h4/nested\n"
	    "entry /hosts 'h4'@6:3={nested:{deep:1}}\n"
	    "split /list/-\n");
	assert_int_equal(r.nentries, 4);
	/*
	 * Every mapping is offered, with the keys that lead to it ("-" for a
	 * list item); a quoted key is its text.  The streamed mapping stays
	 * in the tree, empty; the rest is kept.
	 */
	hosts = ynode_get(root, "hosts");
	assert_non_null(hosts);
	assert_int_equal(hosts->type, YNODE_MAP);
	assert_int_equal(hosts->n, 0);
	assert_int_equal(hosts->line, 3);
	assert_flow(root, "{top:{k:v},hosts:{},list:[{x:1}]}");
	buf_release(&r.log);
	diags_release(&d);
	arena_free(a);
}

static void
test_stream_nested(void **state)
{
	struct recorder	 r;
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	rec_init(&r, "/sites/ams/hosts");
	a = arena_new();
	assert_int_equal(parse_stream(
	    "sites:\n"
	    "  ams:\n"
	    "    description: x\n"
	    "    hosts:\n"
	    "      a1: {os: linux}\n"
	    "      a2: {os: windows}\n"
	    "  fra:\n"
	    "    hosts:\n"
	    "      f1: {}\n",
	    &r, a, &root, &d), 0);
	assert_string_equal(buf_str(&r.log),
	    "split /\n"
	    "split /sites\n"
	    "split /sites/ams\n"
	    "split /sites/ams/hosts yes\n"
	    "split /sites/ams/hosts/a1\n"
	    "entry /sites/ams/hosts a1@5:7={os:linux}\n"
	    "split /sites/ams/hosts/a2\n"
	    "entry /sites/ams/hosts a2@6:7={os:windows}\n"
	    "split /sites/fra\n"
	    "split /sites/fra/hosts\n"
	    "split /sites/fra/hosts/f1\n");
	assert_flow(root,
	    "{sites:{ams:{description:x,hosts:{}},fra:{hosts:{f1:{}}}}}");
	buf_release(&r.log);
	diags_release(&d);
	arena_free(a);
}

static void
test_stream_anchors(void **state)
{
	struct recorder	 r;
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	rec_init(&r, "/hosts");
	a = arena_new();
	assert_int_equal(parse_stream(
	    "hosts:\n"
	    "  h1: &one {address: 10.0.0.1, tags: &t [web]}\n"
	    "  h2: {address: 10.0.0.2}\n"
	    "  h3: *one\n"
	    "  h4: {address: 10.0.0.4, tags: *t}\n"
	    "  h5: {<<: *one, address: 10.0.0.5}\n"
	    "  h6: {filler: [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n"
	    "  h7: *one\n"
	    "after: *one\n"
	    "tags: *t\n",
	    &r, a, &root, &d), 0);
	assert_int_equal(d.n, 0);
	/* Entries that define anchors are kept for later aliases. */
	assert_string_equal(buf_str(&r.log),
	    "split /\n"
	    "split /hosts yes\n"
	    "split /hosts/h1\n"
	    "entry /hosts h1@2:3={address:10.0.0.1,tags:[web]}\n"
	    "split /hosts/h2\n"
	    "entry /hosts h2@3:3={address:10.0.0.2}\n"
	    "entry /hosts h3@4:3={address:10.0.0.1,tags:[web]}\n"
	    "split /hosts/h4\n"
	    "entry /hosts h4@5:3={address:10.0.0.4,tags:[web]}\n"
	    "split /hosts/h5\n"
	    "entry /hosts h5@6:3={address:10.0.0.5,tags:[web]}\n"
	    "split /hosts/h6\n"
	    "entry /hosts h6@7:3={filler:[1,2,3,4,5,6,7,8,9]}\n"
	    "entry /hosts h7@8:3={address:10.0.0.1,tags:[web]}\n");
	assert_flow(root, "{hosts:{},after:{address:10.0.0.1,tags:[web]},"
	    "tags:[web]}");
	buf_release(&r.log);
	diags_release(&d);
	arena_free(a);
}

static void
test_stream_reuse(void **state)
{
	struct recorder	 r;
	struct arena	*a;
	struct ynode	*root;
	struct diags	 d = DIAGS_INIT;
	struct buf	 text = BUF_INIT;
	struct ystream	 st = { rec_split, rec_entry, NULL };
	size_t		 i, whole;

	(void)state;
	buf_adds(&text, "hosts:\n");
	for (i = 0; i < 20000; i++)
		buf_addf(&text, "  host%05zu: {address: 10.0.%zu.%zu, "
		    "tags: [web, db], vars: {x: 1}}\n", i, i / 256, i % 256);

	/* Without streaming the whole tree is held. */
	a = arena_new();
	assert_int_equal(ytree_parse(a, "t.yml", text.data, text.len, &root,
	    &d), 0);
	assert_int_equal(ynode_get(root, "hosts")->n, 20000);
	whole = arena_used(a);
	assert_true(whole > 20000 * 10 * sizeof(struct ynode));
	arena_free(a);

	/* Streamed, each entry's memory is reused for the next. */
	rec_init(&r, "/hosts");
	a = arena_new();
	r.arena = a;
	st.arg = &r;
	assert_int_equal(ytree_parse_stream(a, "t.yml", text.data, text.len,
	    &st, &root, &d), 0);
	assert_int_equal(r.nentries, 20000);
	assert_true(r.max_used < 4096);
	assert_true(arena_used(a) < 1024);
	assert_int_equal(ynode_get(root, "hosts")->n, 0);
	assert_int_equal(d.n, 0);
	arena_free(a);
	buf_release(&r.log);
	buf_release(&text);
}

static void
test_stream_error(void **state)
{
	struct recorder	 r;
	struct arena	*a;
	struct ynode	*root = &sentinel;
	struct diags	 d = DIAGS_INIT;

	(void)state;
	rec_init(&r, "/hosts");
	a = arena_new();
	/* Entries before a syntax error have been handed over already. */
	assert_int_equal(parse_stream(
	    "hosts:\n  h1: {}\n  h2: {a: [}\n  h3: {}\n",
	    &r, a, &root, &d), LB_ERR_INVALID);
	assert_null(root);
	assert_int_equal(r.nentries, 1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 3);
	buf_release(&r.log);
	diags_release(&d);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_check_keys_many),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_alias_bomb),
		cmocka_unit_test(test_stream_entries),
		cmocka_unit_test(test_stream_nested),
		cmocka_unit_test(test_stream_anchors),
		cmocka_unit_test(test_stream_reuse),
		cmocka_unit_test(test_stream_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
