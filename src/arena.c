/*
 * Region allocator (see arena.h).  Memory comes in chunks of at least
 * ARENA_CHUNK bytes; a request larger than a chunk gets a chunk of its own.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xmalloc.h"

#define ARENA_CHUNK	(256 * 1024)
/* Enough for pointers and 64-bit integers, all the arena ever holds. */
#define ARENA_ALIGN	((size_t)8)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	max_align_t		 data[];
};

struct arena {
	struct arena_chunk	*head;
	size_t			 total;
};

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
	struct arena_chunk	*c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void
arena_free_wipe(struct arena *a)
{
	struct arena_chunk	*c;
	volatile unsigned char	*p;
	size_t			 i;

	if (a == NULL)
		return;
	/* Byte by byte through a volatile pointer, so the stores are not
	 * dropped as dead before free(); a plugin has no libsodium. */
	for (c = a->head; c != NULL; c = c->next) {
		p = (volatile unsigned char *)c->data;
		for (i = 0; i < c->used; i++)
			p[i] = 0;
	}
	arena_free(a);
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct arena_chunk	*c;
	size_t			 csize;
	void			*p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		abort();
	size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	c = a->head;
	if (c == NULL || c->size - c->used < size) {
		csize = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		c = xmalloc(sizeof *c + csize);
		c->size = csize;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

void *
arena_allocarray(struct arena *a, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		abort();
	return arena_alloc(a, nmemb * size);
}

void *
arena_realloc(struct arena *a, void *old, size_t oldsize, size_t newsize)
{
	struct arena_chunk	*c = a->head;
	size_t			 olda, newa;
	void			*p;

	olda = (oldsize + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	newa = (newsize + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (old != NULL && c != NULL && newa >= olda &&
	    (char *)old + olda == (char *)c->data + c->used &&
	    newa - olda <= c->size - c->used) {
		memset((char *)old + olda, 0, newa - olda);
		c->used += newa - olda;
		a->total += newa - olda;
		return old;
	}
	p = arena_alloc(a, newsize);
	if (old != NULL && oldsize > 0)
		memcpy(p, old, oldsize < newsize ? oldsize : newsize);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*tmp, *p;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&tmp, fmt, ap);
	va_end(ap);
	p = arena_strndup(a, tmp, (size_t)n);
	free(tmp);
	return p;
}

void
arena_mark(const struct arena *a, struct arena_mark *m)
{
	m->chunk = a->head;
	m->used = a->head != NULL ? a->head->used : 0;
	m->total = a->total;
}

void
arena_rewind(struct arena *a, const struct arena_mark *m)
{
	struct arena_chunk	*c;

	while (a->head != NULL && a->head != m->chunk) {
		c = a->head;
		a->head = c->next;
		free(c);
	}
	if (a->head != NULL)
		a->head->used = m->used;
	a->total = m->total;
}

size_t
arena_used(const struct arena *a)
{
	return a->total;
}
