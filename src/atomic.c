/*
 * Files replaced whole (see atomic.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "xmalloc.h"

int
atomic_open(struct atomic_file *af, const char *path, mode_t mode)
{
	char	*d, *b, *dir, *base;
	int	 err;

	af->fd = -1;
	af->tmp = NULL;
	af->path = xstrdup(path);
	d = xstrdup(path);
	b = xstrdup(path);
	dir = dirname(d);
	base = basename(b);
	xasprintf(&af->tmp, "%s/.%s.XXXXXX", dir, base);
	free(d);
	free(b);
	if ((af->fd = mkostemp(af->tmp, O_CLOEXEC)) == -1) {
		err = errno;
		free(af->tmp);
		af->tmp = NULL;
		atomic_abort(af);
		return err;
	}
	if (fchmod(af->fd, mode) != 0) {
		err = errno;
		atomic_abort(af);
		return err;
	}
	return 0;
}

/* A rename is durable once its directory is synced. */
static int
sync_dir(const char *path)
{
	char	*d = xstrdup(path);
	int	 fd, err = 0;

	fd = open(dirname(d), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(d);
	if (fd == -1)
		return errno;
	if (fsync(fd) != 0 && errno != EINVAL)
		err = errno;
	close(fd);
	return err;
}

int
atomic_commit(struct atomic_file *af)
{
	int	 err = 0;

	if (fsync(af->fd) != 0)
		err = errno;
	if (close(af->fd) != 0 && err == 0)
		err = errno;
	af->fd = -1;
	if (err == 0 && rename(af->tmp, af->path) != 0)
		err = errno;
	if (err == 0) {
		free(af->tmp);
		af->tmp = NULL;
		err = sync_dir(af->path);
	}
	atomic_abort(af);
	return err;
}

void
atomic_abort(struct atomic_file *af)
{
	if (af->fd != -1)
		close(af->fd);
	if (af->tmp != NULL)
		(void)unlink(af->tmp);
	free(af->tmp);
	free(af->path);
	af->fd = -1;
	af->tmp = af->path = NULL;
}

int
atomic_write(const char *path, const void *data, size_t len, mode_t mode)
{
	struct atomic_file	 af;
	const char		*p = data;
	size_t			 off = 0;
	ssize_t			 n;
	int			 err;

	if ((err = atomic_open(&af, path, mode)) != 0)
		return err;
	while (off < len) {
		if ((n = write(af.fd, p + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			atomic_abort(&af);
			return err;
		}
		off += (size_t)n;
	}
	return atomic_commit(&af);
}

int
mkdirs(const char *dir, mode_t mode)
{
	char	*d = xstrdup(dir), *p, c;
	int	 err = 0;

	for (p = d + 1; err == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(d, mode) != 0 && errno != EEXIST)
			err = errno;
		*p = c;
		if (c == '\0')
			break;
	}
	free(d);
	return err;
}

int
mkdirs_for(const char *path, mode_t mode)
{
	char	*d = xstrdup(path), *p;
	int	 err = 0;

	/* A bare name or one right under / needs nothing made. */
	if ((p = strrchr(d, '/')) != NULL && p != d) {
		*p = '\0';
		err = mkdirs(d, mode);
	}
	free(d);
	return err;
}
