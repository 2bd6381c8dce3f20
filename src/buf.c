/*
 * Growable, bounded, NUL-terminated buffers (see buf.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "xmalloc.h"

void
buf_init(struct buf *b, size_t max, enum buf_flags flags)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max ? max : BUF_DEFAULT_MAX;
	b->flags = flags;
}

void
buf_release(struct buf *b)
{
	if (b->data != NULL && (b->flags & BUF_WIPE))
		explicit_bzero(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

struct buf *
buf_new(size_t max, enum buf_flags flags)
{
	struct buf	*b;

	b = xmalloc(sizeof *b);
	buf_init(b, max, flags);
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	buf_release(b);
	free(b);
}

/* Makes room for len more bytes plus the terminating NUL. */
int
buf_reserve(struct buf *b, size_t len)
{
	size_t	 need, ncap;
	char	*n;

	if (len > b->max || b->len > b->max - len)
		return LB_ERR_LIMIT;
	need = b->len + len + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
	if (b->flags & BUF_WIPE) {
		/* Never leave a copy of a secret behind in freed memory. */
		n = xmalloc(ncap);
		if (b->data != NULL) {
			memcpy(n, b->data, b->len + 1);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
	} else
		n = xreallocarray(b->data, ncap, 1);
	b->data = n;
	b->cap = ncap;
	return 0;
}

int
buf_add(struct buf *b, const void *p, size_t len)
{
	int	 r;

	if ((r = buf_reserve(b, len)) != 0)
		return r;
	if (len > 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list	 ap2;
	int	 n, r;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return LB_ERR_INTERNAL;
	if ((r = buf_reserve(b, (size_t)n)) != 0)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void
buf_reset(struct buf *b)
{
	buf_truncate(b, 0);
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len >= b->len)
		return;
	if (b->flags & BUF_WIPE)
		explicit_bzero(b->data + len, b->len - len);
	b->len = len;
	b->data[len] = '\0';
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
buf_detach(struct buf *b, size_t *lenp)
{
	char	*p;

	if (b->data == NULL)
		buf_add(b, "", 0);
	p = b->data;
	if (lenp != NULL)
		*lenp = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

/*
 * Appends the whole file at path, at most max bytes; returns 0 or an
 * errno (EFBIG when the file is larger).  The bytes pass through one
 * stack chunk only, wiped afterwards, so secrets may be read this way
 * into a BUF_WIPE buffer.
 */
int
buf_read_file(struct buf *b, const char *path, size_t max)
{
	char	 chunk[8192];
	ssize_t	 n;
	int	 fd, err = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max ||
		    buf_add(b, chunk, (size_t)n) != 0) {
			err = EFBIG;
			break;
		}
	}
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return err;
}

/* Removes one trailing line end ("\n" or "\r\n"). */
void
buf_chomp(struct buf *b)
{
	if (b->len > 0 && b->data[b->len - 1] == '\n')
		buf_truncate(b, b->len - 1);
	if (b->len > 0 && b->data[b->len - 1] == '\r')
		buf_truncate(b, b->len - 1);
}
