/*
 * Run directories: where a run keeps what outlives it.  Every run gets an
 * id ("20261121T143005Z-3f9a1c") and a directory
 * $XDG_STATE_HOME/lifeboat/runs/ID (else ~/.local/state/lifeboat/runs/ID),
 * created 0700, with run.json (what the run is) and the files other
 * commands add to it (signoffs).
 */
#ifndef LIFEBOAT_RUNDIR_H
#define LIFEBOAT_RUNDIR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RUNDIR_ID_MAX	64

/*
 * The directory that holds the runs, created (0700, parents too) when
 * create is set.  Returns a string to free, or NULL with errno set.
 */
char	*rundir_root(int create);
/*
 * Makes a new run directory: fills id (RUNDIR_ID_MAX bytes) and returns
 * its path (to free), or NULL with why filled.
 */
char	*rundir_create(char *id, char *why, size_t whylen);
/*
 * The directory of run id, which must exist.  Returns its path (to
 * free), or NULL with why filled (a bad id, no such run).
 */
char	*rundir_find(const char *id, char *why, size_t whylen);
/*
 * The ids of every run directory, oldest first (ids begin with their
 * start time).  *idsp is an array of strings to free, with the array.
 * Returns 0, or an errno value (no runs directory yet: 0 and none).
 */
int	 rundir_list(char ***idsp, size_t *np);
/*
 * Appends line (a newline is added) to file name in dir, created 0600,
 * in one write, then fsyncs it.  Returns 0, or an errno value.
 */
int	 rundir_append(const char *dir, const char *name, const char *line);
/* Writes file name in dir whole (0600, temp, fsync, rename); 0 or errno. */
int	 rundir_write(const char *dir, const char *name, const char *data,
	    size_t len);

/*
 * One sign-off, a line of the run directory's signoffs file:
 *	{"step":"declare","by":"alice","at":1795000000}
 */
struct rundir_signoff {
	char	*step;
	char	*by;
	int64_t	 at;		/* unix time */
};

/* Appends the sign-off to dir/signoffs (rundir_append()); 0 or errno. */
int	 rundir_signoff_write(const char *dir, const char *step,
	    const char *by, int64_t at);
/* Reads one line; 0, or -1 when it is not a sign-off.  Release with
 * rundir_signoff_release(). */
int	 rundir_signoff_parse(const char *line, size_t len,
	    struct rundir_signoff *);
void	 rundir_signoff_release(struct rundir_signoff *);
/*
 * Calls fn with every whole sign-off line of dir/signoffs from byte *off
 * on, and moves *off past them; a line still being written waits for the
 * next call.  A missing file has none.  fn returns non-zero to stop.
 */
typedef int rundir_signoff_fn(const struct rundir_signoff *, void *arg);
void	 rundir_signoffs(const char *dir, off_t *off, rundir_signoff_fn *fn,
	    void *arg);

#endif
