/*
 * The one buffer type for byte and string work.  A buf always keeps a NUL
 * after its contents, so buf_str() can be passed where a C string is
 * wanted.  Each buf has a maximum size: appends that would pass it fail
 * with LB_ERR_LIMIT and leave the contents as they were, so a hostile peer
 * cannot make us hold unbounded data.  BUF_WIPE makes buf_release() and
 * every reallocation clear the old memory first, for credentials.
 *
 * A buf is embedded (struct buf b = BUF_INIT) or allocated with buf_new();
 * the buf owns its storage until buf_detach() hands it to the caller.
 */
#ifndef LIFEBOAT_BUF_H
#define LIFEBOAT_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX	(64UL * 1024 * 1024)

enum buf_flags {
	BUF_WIPE = 1 << 0,
};

struct buf {
	char		*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	enum buf_flags	 flags;
};

#define BUF_INIT	{ NULL, 0, 0, BUF_DEFAULT_MAX, 0 }

void		 buf_init(struct buf *, size_t max, enum buf_flags);
void		 buf_release(struct buf *);
struct buf	*buf_new(size_t max, enum buf_flags);
void		 buf_free(struct buf *);

int		 buf_reserve(struct buf *, size_t);
int		 buf_add(struct buf *, const void *, size_t);
int		 buf_addc(struct buf *, char);
int		 buf_adds(struct buf *, const char *);
int		 buf_addf(struct buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
int		 buf_vaddf(struct buf *, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));
void		 buf_reset(struct buf *);
void		 buf_truncate(struct buf *, size_t);
/* Never NULL: an empty buf gives "". */
const char	*buf_str(const struct buf *);
/* Returns the contents (caller frees) and leaves the buf empty. */
char		*buf_detach(struct buf *, size_t *lenp);
/* The whole file at path, appended (at most max bytes); 0 or an errno. */
int		 buf_read_file(struct buf *, const char *path, size_t max);
/* Removes one trailing line end ("\n" or "\r\n"). */
void		 buf_chomp(struct buf *);

#endif
