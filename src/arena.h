/*
 * A region allocator: many small allocations that all die together.
 * The inventory keeps its strings and tables here, which makes loading a
 * hundred thousand hosts cheap in both time and memory.  Nothing is freed
 * one by one; arena_free() releases everything.
 */
#ifndef LIFEBOAT_ARENA_H
#define LIFEBOAT_ARENA_H

#include <stddef.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *);
/* Zeroes every chunk, then frees: for arenas that held secrets. */
void		 arena_free_wipe(struct arena *);
/* Zeroed memory aligned for any type; never NULL (aborts on failure). */
void		*arena_alloc(struct arena *, size_t);
void		*arena_allocarray(struct arena *, size_t, size_t);
/*
 * Grows an allocation of oldsize bytes to newsize: in place when it is the
 * arena's latest allocation and there is room, else by copying (the old
 * block is then wasted until the arena dies).  The new bytes are zeroed.
 */
void		*arena_realloc(struct arena *, void *, size_t oldsize,
		    size_t newsize);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * A mark remembers how far the arena was filled; arena_rewind() frees
 * everything allocated since, so that a reader can parse one entry after
 * another in the same memory.
 */
struct arena_mark {
	void	*chunk;
	size_t	 used;
	size_t	 total;
};

void		 arena_mark(const struct arena *, struct arena_mark *);
void		 arena_rewind(struct arena *, const struct arena_mark *);
/* Total bytes handed out, for tests and benchmarks. */
size_t		 arena_used(const struct arena *);

#endif
