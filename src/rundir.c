/*
 * Run directories (see rundir.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "atomic.h"
#include "diag.h"
#include "json.h"
#include "rundir.h"
#include "xmalloc.h"
#include "ytree.h"

char *
rundir_root(int create)
{
	const char	*state = getenv("XDG_STATE_HOME");
	const char	*home = getenv("HOME");
	char		*path;
	int		 err;

	if (state != NULL && state[0] == '/')
		xasprintf(&path, "%s/lifeboat/runs", state);
	else if (home != NULL && home[0] == '/')
		xasprintf(&path, "%s/.local/state/lifeboat/runs", home);
	else {
		errno = ENOENT;
		return NULL;
	}
	if (create && (err = mkdirs(path, 0700)) != 0) {
		free(path);
		errno = err;
		return NULL;
	}
	return path;
}

char *
rundir_create(char *id, char *why, size_t whylen)
{
	unsigned char	 rnd[3];
	char		 stamp[32], *root, *path;
	struct tm	 tm;
	time_t		 now = time(NULL);
	int		 tries;

	if ((root = rundir_root(1)) == NULL) {
		snprintf(why, whylen, "cannot create the runs directory: %s "
		    "(set XDG_STATE_HOME or HOME)", strerror(errno));
		return NULL;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (tries = 0; tries < 10; tries++) {
		randombytes_buf(rnd, sizeof rnd);
		snprintf(id, RUNDIR_ID_MAX, "%s-%02x%02x%02x", stamp, rnd[0],
		    rnd[1], rnd[2]);
		xasprintf(&path, "%s/%s", root, id);
		if (mkdir(path, 0700) == 0) {
			free(root);
			return path;
		}
		if (errno != EEXIST) {
			snprintf(why, whylen, "cannot create %s: %s", path,
			    strerror(errno));
			free(path);
			break;
		}
		free(path);
	}
	if (tries == 10)
		snprintf(why, whylen, "cannot find a free run id");
	free(root);
	return NULL;
}

char *
rundir_find(const char *id, char *why, size_t whylen)
{
	struct stat	 sb;
	char		*root, *path;
	const char	*p;

	if (id[0] == '\0' || id[0] == '.' || strlen(id) >= RUNDIR_ID_MAX) {
		snprintf(why, whylen, "'%s' is not a run id", id);
		return NULL;
	}
	for (p = id; *p != '\0'; p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_')) {
			snprintf(why, whylen, "'%s' is not a run id", id);
			return NULL;
		}
	}
	if ((root = rundir_root(0)) == NULL) {
		snprintf(why, whylen, "no runs directory (set XDG_STATE_HOME "
		    "or HOME)");
		return NULL;
	}
	xasprintf(&path, "%s/%s", root, id);
	free(root);
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(why, whylen, "no run %s (in %s)", id, path);
		free(path);
		return NULL;
	}
	return path;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
rundir_list(char ***idsp, size_t *np)
{
	struct dirent	*de;
	char		*root, **ids = NULL;
	size_t		 n = 0;
	DIR		*d;

	*idsp = NULL;
	*np = 0;
	if ((root = rundir_root(0)) == NULL)
		return 0;
	d = opendir(root);
	free(root);
	if (d == NULL)
		return errno == ENOENT ? 0 : errno;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= RUNDIR_ID_MAX)
			continue;
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(ids, n, sizeof(*ids), cmp_str);
	*idsp = ids;
	*np = n;
	return 0;
}

int
rundir_append(const char *dir, const char *name, const char *line)
{
	char	*path, *text;
	size_t	 len;
	ssize_t	 n;
	int	 fd, err = 0;

	xasprintf(&path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1)
		return errno;
	len = strlen(line);
	text = xmalloc(len + 1);
	memcpy(text, line, len);
	text[len] = '\n';
	/* One write: readers see whole lines or none. */
	if ((n = write(fd, text, len + 1)) != (ssize_t)len + 1)
		err = n < 0 ? errno : EIO;
	else if (fsync(fd) != 0)
		err = errno;
	free(text);
	if (close(fd) != 0 && err == 0)
		err = errno;
	return err;
}

int
rundir_write(const char *dir, const char *name, const char *data,
    size_t len)
{
	char	*path, *tmp;
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd, err = 0;

	xasprintf(&path, "%s/%s", dir, name);
	xasprintf(&tmp, "%s/.%s.tmp", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1) {
		err = errno;
		goto out;
	}
	while (off < len) {
		if ((n = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		off += (size_t)n;
	}
	if (err == 0 && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(tmp, path) != 0)
		err = errno;
	if (err != 0)
		(void)unlink(tmp);
out:
	free(path);
	free(tmp);
	return err;
}

int
rundir_signoff_write(const char *dir, const char *step, const char *by,
    int64_t at)
{
	struct json	 j;
	int		 err;

	json_init(&j, NULL);
	json_obj_begin(&j);
	json_kv_str(&j, "step", step);
	json_kv_str(&j, "by", by);
	json_kv_int(&j, "at", at);
	json_obj_end(&j);
	json_finish(&j);
	err = rundir_append(dir, "signoffs", buf_str(&j.out));
	json_release(&j);
	return err;
}

int
rundir_signoff_parse(const char *line, size_t len, struct rundir_signoff *so)
{
	struct arena	*a = arena_new();
	struct diags	 d = DIAGS_INIT;
	struct ynode	*root = NULL;
	const char	*step, *by, *at;
	char		*end;
	int		 r = -1;

	memset(so, 0, sizeof(*so));
	/* JSON is YAML: one flow mapping. */
	if (ytree_parse(a, "signoffs", line, len, &root, &d) == 0 &&
	    root != NULL && root->type == YNODE_MAP &&
	    (step = ynode_str(ynode_get(root, "step"))) != NULL &&
	    (by = ynode_str(ynode_get(root, "by"))) != NULL &&
	    (at = ynode_str(ynode_get(root, "at"))) != NULL) {
		so->at = strtoll(at, &end, 10);
		if (*end == '\0' && end != at) {
			so->step = xstrdup(step);
			so->by = xstrdup(by);
			r = 0;
		}
	}
	diags_release(&d);
	arena_free(a);
	return r;
}

void
rundir_signoff_release(struct rundir_signoff *so)
{
	free(so->step);
	free(so->by);
	memset(so, 0, sizeof(*so));
}

void
rundir_signoffs(const char *dir, off_t *off, rundir_signoff_fn *fn,
    void *arg)
{
	struct rundir_signoff	 so;
	struct buf		 b;
	const char		*p, *nl;
	char			*path, chunk[4096];
	ssize_t			 n;
	int			 fd;

	xasprintf(&path, "%s/signoffs", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return;
	if (lseek(fd, *off, SEEK_SET) != *off) {
		close(fd);
		return;
	}
	buf_init(&b, 1024 * 1024, 0);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		if (buf_add(&b, chunk, (size_t)n) != 0)
			break;
	close(fd);
	for (p = b.data; p != NULL && (nl = memchr(p, '\n',
	    b.len - (size_t)(p - b.data))) != NULL; p = nl + 1) {
		*off += nl - p + 1;
		if (rundir_signoff_parse(p, (size_t)(nl - p), &so) != 0)
			continue;
		n = fn(&so, arg);
		rundir_signoff_release(&so);
		if (n != 0)
			break;
	}
	buf_release(&b);
}
