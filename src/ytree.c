/*
 * YAML tree built from libyaml events (see ytree.h).
 *
 * The builder keeps a stack of open containers; each has a growable
 * vector of children that is copied into the arena when the container
 * closes.  Weights are computed bottom-up at that point, so a document
 * whose aliases would expand past YTREE_MAX_WEIGHT is refused as soon as
 * the offending container closes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "arena.h"
#include "diag.h"
#include "errors.h"
#include "strmap.h"
#include "xmalloc.h"
#include "ytree.h"

#define YTREE_MAX_ANCHORS	10000

struct yframe {
	struct ynode	 *node;
	struct ynode	**items;
	size_t		  n;
	size_t		  cap;
	bool		  streaming;	/* entries go to the stream */
	struct arena_mark mark;		/* where the current entry began */
	size_t		  anchors;	/* anchor definitions before it */
};

struct yanchor {
	char		*name;
	struct ynode	*node;
};

struct ybuild {
	struct arena	*arena;
	const char	*name;
	struct diags	*diags;
	struct yframe	 stack[YTREE_MAX_DEPTH];
	const char	*path[YTREE_MAX_DEPTH];
	size_t		 depth;
	const struct ystream *stream;
	struct yanchor	*anchors;
	size_t		 nanchors;
	size_t		 ndefs;		/* anchors defined, redefinitions too */
	struct ynode	*root;
	int		 ndocs;
};

static size_t
weight_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static struct ynode *
ynode_new(struct ybuild *b, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode	*n;

	n = arena_alloc(b->arena, sizeof *n);
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	n->weight = 1;
	return n;
}

static void
yerror(struct ybuild *b, const yaml_mark_t *m, const char *msg)
{
	diag_err(b->diags, b->name, (unsigned)m->line + 1,
	    (unsigned)m->column + 1, "%s", msg);
}

static int
anchor_add(struct ybuild *b, const char *name, struct ynode *n,
    const yaml_mark_t *m)
{
	size_t	 i;

	b->ndefs++;
	/* A later anchor of the same name replaces the earlier (YAML 1.2). */
	for (i = 0; i < b->nanchors; i++) {
		if (strcmp(b->anchors[i].name, name) == 0) {
			b->anchors[i].node = n;
			return 0;
		}
	}
	if (b->nanchors == YTREE_MAX_ANCHORS) {
		yerror(b, m, "too many anchors");
		return LB_ERR_LIMIT;
	}
	b->anchors = xreallocarray(b->anchors, b->nanchors + 1,
	    sizeof *b->anchors);
	b->anchors[b->nanchors].name = xstrdup(name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
	return 0;
}

static struct ynode *
anchor_find(struct ybuild *b, const char *name)
{
	size_t	 i;

	for (i = b->nanchors; i > 0; i--) {
		if (strcmp(b->anchors[i - 1].name, name) == 0)
			return b->anchors[i - 1].node;
	}
	return NULL;
}

/*
 * Hands a finished entry of a streamed mapping to the stream, then frees
 * what it used unless it defined an anchor.
 */
static void
stream_entry(struct ybuild *b, struct yframe *f, struct ynode *value)
{
	struct ynode	*key = f->items[--f->n];

	b->stream->entry(b->stream->arg, b->path + 1, b->depth - 1, key,
	    value);
	if (b->ndefs == f->anchors)
		arena_rewind(b->arena, &f->mark);
	else {
		arena_mark(b->arena, &f->mark);
		f->anchors = b->ndefs;
	}
}

/* Attaches a finished node to the open container, or makes it the root. */
static void
attach(struct ybuild *b, struct ynode *n)
{
	struct yframe	*f;

	if (b->depth == 0) {
		b->root = n;
		return;
	}
	f = &b->stack[b->depth - 1];
	if (f->streaming && f->n % 2 == 1) {
		stream_entry(b, f, n);
		return;
	}
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->items = xreallocarray(f->items, f->cap, sizeof *f->items);
	}
	f->items[f->n++] = n;
}

static int
push(struct ybuild *b, struct ynode *n, const yaml_mark_t *m)
{
	struct yframe	*f, *parent;
	const char	*key = "-";

	if (b->depth == YTREE_MAX_DEPTH) {
		yerror(b, m, "nesting too deep");
		return LB_ERR_LIMIT;
	}
	if (b->depth > 0) {
		parent = &b->stack[b->depth - 1];
		if (parent->node->type == YNODE_MAP && parent->n % 2 == 1 &&
		    parent->items[parent->n - 1]->type == YNODE_SCALAR)
			key = parent->items[parent->n - 1]->str;
	}
	f = &b->stack[b->depth];
	memset(f, 0, sizeof *f);
	f->node = n;
	b->path[b->depth++] = key;
	if (b->stream != NULL && n->type == YNODE_MAP &&
	    b->stream->split(b->stream->arg, b->path + 1, b->depth - 1)) {
		f->streaming = true;
		arena_mark(b->arena, &f->mark);
		f->anchors = b->ndefs;
	}
	return 0;
}

/*
 * Expands merge keys: "<<: *a" or "<<: [*a, *b]" adds the pairs of the
 * merged maps that the map does not set itself.  Explicit keys win, and of
 * several merged maps the first wins, as the YAML merge spec says.
 */
static void
merge_keys(struct yframe *f)
{
	struct ynode	**out, *k, *v, *src;
	size_t		  i, j, s, nout, nsrc, total;
	struct ynode	 *srcs[64];

	nsrc = 0;
	total = 0;
	for (i = 0; i + 1 < f->n; i += 2) {
		k = f->items[i];
		v = f->items[i + 1];
		if (k->type != YNODE_SCALAR || k->quoted ||
		    strcmp(k->str, "<<") != 0)
			continue;
		if (v->type == YNODE_MAP && nsrc < 64) {
			srcs[nsrc++] = v;
			total += v->n;
		} else if (v->type == YNODE_SEQ) {
			for (j = 0; j < v->n && nsrc < 64; j++) {
				if (v->v[j]->type == YNODE_MAP) {
					srcs[nsrc++] = v->v[j];
					total += v->v[j]->n;
				}
			}
		}
	}
	if (nsrc == 0)
		return;
	out = xreallocarray(NULL, f->n + 2 * total, sizeof *out);
	nout = 0;
	for (i = 0; i + 1 < f->n; i += 2) {
		k = f->items[i];
		if (k->type == YNODE_SCALAR && !k->quoted &&
		    strcmp(k->str, "<<") == 0)
			continue;
		out[nout++] = k;
		out[nout++] = f->items[i + 1];
	}
	for (s = 0; s < nsrc; s++) {
		src = srcs[s];
		for (i = 0; i < src->n; i++) {
			k = YMAP_KEY(src, i);
			for (j = 0; j < nout; j += 2) {
				if (k->type == YNODE_SCALAR &&
				    out[j]->type == YNODE_SCALAR &&
				    strcmp(out[j]->str, k->str) == 0)
					break;
			}
			if (j < nout)
				continue;
			out[nout++] = k;
			out[nout++] = YMAP_VAL(src, i);
		}
	}
	free(f->items);
	f->items = out;
	f->n = f->cap = nout;
}

static int
pop(struct ybuild *b, const yaml_mark_t *m)
{
	struct yframe	*f;
	struct ynode	*n;
	size_t		 i, w;

	f = &b->stack[--b->depth];
	n = f->node;
	if (n->type == YNODE_MAP)
		merge_keys(f);
	w = 1;
	for (i = 0; i < f->n; i++)
		w = weight_add(w, f->items[i]->weight);
	n->weight = w;
	n->n = n->type == YNODE_MAP ? f->n / 2 : f->n;
	if (f->n > 0) {
		n->v = arena_allocarray(b->arena, f->n, sizeof *n->v);
		memcpy(n->v, f->items, f->n * sizeof *n->v);
	}
	free(f->items);
	f->items = NULL;
	if (w > YTREE_MAX_WEIGHT) {
		yerror(b, m, "document too large once aliases are expanded");
		return LB_ERR_LIMIT;
	}
	attach(b, n);
	return 0;
}

static int
on_event(struct ybuild *b, yaml_event_t *ev)
{
	struct ynode	*n;
	const char	*anchor = NULL, *tag = NULL;
	size_t		 i;
	int		 r;

	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->ndocs > 1) {
			yerror(b, &ev->start_mark,
			    "more than one YAML document in the file");
			return LB_ERR_INVALID;
		}
		return 0;
	case YAML_SCALAR_EVENT:
		n = ynode_new(b, YNODE_SCALAR, &ev->start_mark);
		if (memchr(ev->data.scalar.value, '\0',
		    ev->data.scalar.length) != NULL) {
			yerror(b, &ev->start_mark, "NUL byte in a string");
			return LB_ERR_INVALID;
		}
		n->str = arena_strndup(b->arena,
		    (const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
		n->len = ev->data.scalar.length;
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		anchor = (const char *)ev->data.scalar.anchor;
		tag = (const char *)ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		n = ynode_new(b, ev->type == YAML_SEQUENCE_START_EVENT ?
		    YNODE_SEQ : YNODE_MAP, &ev->start_mark);
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			anchor = (const char *)ev->data.sequence_start.anchor;
			tag = (const char *)ev->data.sequence_start.tag;
		} else {
			anchor = (const char *)ev->data.mapping_start.anchor;
			tag = (const char *)ev->data.mapping_start.tag;
		}
		if (tag != NULL)
			n->tag = arena_strdup(b->arena, tag);
		if (anchor != NULL &&
		    (r = anchor_add(b, anchor, n, &ev->start_mark)) != 0)
			return r;
		return push(b, n, &ev->start_mark);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return pop(b, &ev->start_mark);
	case YAML_ALIAS_EVENT:
		n = anchor_find(b, (const char *)ev->data.alias.anchor);
		if (n == NULL) {
			yerror(b, &ev->start_mark,
			    "alias to an unknown anchor");
			return LB_ERR_INVALID;
		}
		/* An alias inside its own anchor would make the tree a loop. */
		for (i = 0; i < b->depth; i++) {
			if (b->stack[i].node == n) {
				yerror(b, &ev->start_mark,
				    "alias refers to a node that contains it");
				return LB_ERR_INVALID;
			}
		}
		attach(b, n);
		return 0;
	default:
		return 0;
	}
	/* A scalar. */
	if (tag != NULL)
		n->tag = arena_strdup(b->arena, tag);
	if (anchor != NULL &&
	    (r = anchor_add(b, anchor, n, &ev->start_mark)) != 0)
		return r;
	attach(b, n);
	return 0;
}

static void
parser_error(struct ybuild *b, yaml_parser_t *p)
{
	const yaml_mark_t	*m;
	const char		*problem;

	problem = p->problem != NULL ? p->problem : "syntax error";
	m = &p->problem_mark;
	if (p->error == YAML_READER_ERROR) {
		diag_err(b->diags, b->name, 0, 0,
		    "%s at byte %zu", problem, p->problem_offset);
		return;
	}
	if (p->context != NULL)
		diag_err(b->diags, b->name, (unsigned)m->line + 1,
		    (unsigned)m->column + 1, "%s %s (line %zu)", problem,
		    p->context, p->context_mark.line + 1);
	else
		diag_err(b->diags, b->name, (unsigned)m->line + 1,
		    (unsigned)m->column + 1, "%s", problem);
}

int
ytree_parse(struct arena *arena, const char *name, const void *data,
    size_t len, struct ynode **rootp, struct diags *diags)
{
	return ytree_parse_stream(arena, name, data, len, NULL, rootp, diags);
}

int
ytree_parse_stream(struct arena *arena, const char *name, const void *data,
    size_t len, const struct ystream *stream, struct ynode **rootp,
    struct diags *diags)
{
	struct ybuild	 b;
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	int		 r = LB_ERR_INTERNAL, done = 0;
	size_t		 i;

	*rootp = NULL;
	memset(&b, 0, sizeof b);
	b.arena = arena;
	b.name = name;
	b.diags = diags;
	b.stream = stream;
	if (!yaml_parser_initialize(&p))
		return LB_ERR_NOMEM;
	yaml_parser_set_input_string(&p, data, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			parser_error(&b, &p);
			r = LB_ERR_INVALID;
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		r = on_event(&b, &ev);
		yaml_event_delete(&ev);
		if (r != 0)
			goto out;
	}
	*rootp = b.root;
	r = 0;
 out:
	while (b.depth > 0)
		free(b.stack[--b.depth].items);
	for (i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	yaml_parser_delete(&p);
	return r;
}

struct ynode *
ynode_get(const struct ynode *map, const char *key)
{
	size_t	 i;

	if (map == NULL || map->type != YNODE_MAP)
		return NULL;
	for (i = 0; i < map->n; i++) {
		if (YMAP_KEY(map, i)->type == YNODE_SCALAR &&
		    strcmp(YMAP_KEY(map, i)->str, key) == 0)
			return YMAP_VAL(map, i);
	}
	return NULL;
}

bool
ynode_is_null(const struct ynode *n)
{
	if (n == NULL)
		return true;
	if (n->type != YNODE_SCALAR || n->quoted)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0;
}

const char *
ynode_str(const struct ynode *n)
{
	if (n == NULL || n->type != YNODE_SCALAR)
		return NULL;
	return n->str;
}

int
ynode_bool(const struct ynode *n)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	size_t	 i;

	if (n == NULL || n->type != YNODE_SCALAR || n->quoted)
		return -1;
	for (i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(n->str, yes[i]) == 0)
			return 1;
		if (strcasecmp(n->str, no[i]) == 0)
			return 0;
	}
	return -1;
}

const char *
ynode_kind(const struct ynode *n)
{
	if (n == NULL || ynode_is_null(n))
		return "empty";
	switch (n->type) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "a string";
	}
}

size_t
ytree_check_keys(const struct ynode *map, const char *what, const char *file,
    struct diags *diags)
{
	struct strmap		 seen = STRMAP_INIT;
	const struct ynode	*k, *o;
	size_t			 i, bad = 0;
	unsigned		 first;

	if (map == NULL || map->type != YNODE_MAP || map->n == 0)
		return 0;
	for (i = 0; i < map->n; i++) {
		k = YMAP_KEY(map, i);
		if (k->type != YNODE_SCALAR) {
			diag_err(diags, file, k->line, k->col,
			    "%s name must be a string, not %s", what,
			    ynode_kind(k));
			bad++;
			continue;
		}
		if (strmap_get(&seen, k->str, &first)) {
			o = YMAP_KEY(map, first);
			diag_err(diags, file, k->line, k->col,
			    "duplicate %s '%s' (first at line %u, column %u)",
			    what, k->str, o->line, o->col);
			bad++;
			continue;
		}
		strmap_put(&seen, k->str, (unsigned)i);
	}
	strmap_release(&seen);
	return bad;
}
