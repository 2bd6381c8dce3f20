/*
 * Files replaced whole.  What is written goes to a new temporary file
 * beside the target (created with O_EXCL, so never through a link an
 * attacker left there), is synced, and is renamed over the target; then
 * the directory is synced.  A crash leaves the old file or the new one,
 * never a part of either.
 */
#ifndef LIFEBOAT_ATOMIC_H
#define LIFEBOAT_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

struct atomic_file {
	int	 fd;		/* write here */
	char	*path;		/* the target */
	char	*tmp;		/* the temporary file */
};

/*
 * Creates the temporary file for path, with mode exactly (umask aside:
 * it is set with fchmod).  Returns 0, or an errno value.
 */
int	 atomic_open(struct atomic_file *, const char *path, mode_t mode);
/*
 * Syncs and closes the temporary file and renames it to the target.
 * Returns 0, or an errno value (the temporary file is then removed).
 * Either way the struct is released.
 */
int	 atomic_commit(struct atomic_file *);
/* Removes the temporary file and releases the struct; accepts one that
 * was committed or never opened (fd -1). */
void	 atomic_abort(struct atomic_file *);
/* The three in one: path gets data[0..len).  0 or an errno value. */
int	 atomic_write(const char *path, const void *data, size_t len,
	    mode_t mode);
/*
 * Makes dir and the directories above it, with mode for those it
 * creates (mkdir -p).  Returns 0, or an errno value.
 */
int	 mkdirs(const char *dir, mode_t mode);
/* The same for the directory path is in. */
int	 mkdirs_for(const char *path, mode_t mode);

#endif
