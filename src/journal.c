/*
 * The run journal: writing it (see journal.h).  Reading it back is in
 * journal-read.c.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "journal.h"
#include "json.h"
#include "sha256.h"
#include "xmalloc.h"

#define JOURNAL_PENDING_MAX	(1024UL * 1024 * 1024)

struct journal {
	int		 fd;		/* the journal, O_APPEND, locked */
	int		 ofd;		/* outputs, O_APPEND */
	int64_t		 ooff;		/* outputs' size, pending included */
	struct buf	 pend;		/* whole records, not yet written */
	struct buf	 opend;		/* outputs, not yet written */
	struct json	 rec;		/* the record being made */
	bool		 in_rec;
	bool		 off;
	int		 error;
};

bool
journal_disabled(void)
{
	const char	*s = getenv("LIFEBOAT_JOURNAL");

	return s != NULL && strcmp(s, "off") == 0;
}

static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Moves the bytes after good_len to journal.torn-OFFSET, then cuts them
 * off: what a crash left half-written is kept for whoever looks, and
 * never ends up between two records.
 */
static int
cut_torn(const char *dir, int fd, off_t good_len)
{
	struct stat	 sb;
	struct buf	 b;
	char		*path;
	int		 tfd, r;

	if (fstat(fd, &sb) != 0)
		return errno;
	if (sb.st_size <= good_len)
		return 0;
	buf_init(&b, 0, 0);
	if (buf_reserve(&b, (size_t)(sb.st_size - good_len)) != 0) {
		buf_release(&b);
		return ENOMEM;
	}
	if (pread(fd, b.data, (size_t)(sb.st_size - good_len), good_len) !=
	    sb.st_size - good_len) {
		buf_release(&b);
		return errno ? errno : EIO;
	}
	xasprintf(&path, "%s/%s.torn-%jd", dir, JOURNAL_FILE,
	    (intmax_t)good_len);
	tfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	free(path);
	if (tfd == -1) {
		r = errno;
		buf_release(&b);
		return r;
	}
	r = write_all(tfd, b.data, (size_t)(sb.st_size - good_len));
	if (r == 0 && fsync(tfd) != 0)
		r = errno;
	close(tfd);
	buf_release(&b);
	if (r == 0 && (ftruncate(fd, good_len) != 0 || fsync(fd) != 0))
		r = errno;
	return r;
}

struct journal *
journal_open(const char *dir, off_t good_len, char *why, size_t whylen)
{
	struct journal	*j = xcalloc(1, sizeof(*j));
	struct stat	 sb;
	char		*path;
	int		 r;

	j->fd = j->ofd = -1;
	buf_init(&j->pend, JOURNAL_PENDING_MAX, 0);
	buf_init(&j->opend, JOURNAL_PENDING_MAX, 0);
	if ((j->off = journal_disabled()))
		return j;
	xasprintf(&path, "%s/%s", dir, JOURNAL_FILE);
	j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->fd == -1) {
		snprintf(why, whylen, "cannot open %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (flock(j->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(why, whylen, "the run in %s is in progress "
			    "in another process", dir);
		else
			snprintf(why, whylen, "cannot lock %s: %s", path,
			    strerror(errno));
		goto fail;
	}
	if (good_len >= 0 && (r = cut_torn(dir, j->fd, good_len)) != 0) {
		snprintf(why, whylen, "cannot set aside the torn end of %s: "
		    "%s", path, strerror(r));
		goto fail;
	}
	free(path);
	xasprintf(&path, "%s/%s", dir, JOURNAL_OUTPUTS);
	j->ofd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (j->ofd == -1 || fstat(j->ofd, &sb) != 0) {
		snprintf(why, whylen, "cannot open %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	j->ooff = sb.st_size;
	free(path);
	return j;
fail:
	free(path);
	journal_free(j);
	return NULL;
}

void
journal_free(struct journal *j)
{
	if (j == NULL)
		return;
	(void)journal_sync(j);
	if (j->in_rec)
		json_release(&j->rec);
	if (j->fd != -1)
		close(j->fd);
	if (j->ofd != -1)
		close(j->ofd);
	buf_release(&j->pend);
	buf_release(&j->opend);
	free(j);
}

struct json *
journal_begin(struct journal *j, const char *t)
{
	if (j->in_rec)
		json_release(&j->rec);
	json_init(&j->rec, NULL);
	j->in_rec = true;
	json_obj_begin(&j->rec);
	json_kv_str(&j->rec, "t", t);
	json_kv_int(&j->rec, "at", wall_ms());
	return &j->rec;
}

void
journal_end(struct journal *j)
{
	if (!j->in_rec)
		return;
	json_obj_end(&j->rec);
	if (!j->off && j->error == 0) {
		if (json_finish(&j->rec) != 0 ||
		    buf_add(&j->pend, j->rec.out.data, j->rec.out.len) != 0 ||
		    buf_addc(&j->pend, '\n') != 0)
			j->error = ENOMEM;
	}
	json_release(&j->rec);
	j->in_rec = false;
}

void
journal_output(struct journal *j, const char *key, const char *data,
    size_t len)
{
	char		 hex[SHA256_HEX_LEN + 1];
	struct json	*w = &j->rec;

	if (len == 0 || !j->in_rec)
		return;
	sha256_hex(data, len, hex);
	json_key(w, key);
	json_obj_begin(w);
	json_kv_int(w, "off", j->ooff);
	json_kv_int(w, "len", (int64_t)len);
	json_kv_str(w, "sha256", hex);
	json_obj_end(w);
	if (j->off)
		return;
	if (buf_add(&j->opend, data, len) != 0 && j->error == 0)
		j->error = ENOMEM;
	j->ooff += (int64_t)len;
}

bool
journal_pending(const struct journal *j)
{
	return j->pend.len > 0 || j->opend.len > 0;
}

int
journal_sync(struct journal *j)
{
	int	 r;

	if (j->off) {
		buf_reset(&j->pend);
		buf_reset(&j->opend);
		return 0;
	}
	if (j->error != 0)
		return j->error;
	if (j->opend.len > 0) {
		if ((r = write_all(j->ofd, j->opend.data, j->opend.len)) != 0 ||
		    (fdatasync(j->ofd) != 0 && (r = errno) != 0)) {
			j->error = r;
			return r;
		}
		buf_reset(&j->opend);
	}
	if (j->pend.len > 0) {
		if ((r = write_all(j->fd, j->pend.data, j->pend.len)) != 0 ||
		    (fdatasync(j->fd) != 0 && (r = errno) != 0)) {
			j->error = r;
			return r;
		}
		buf_reset(&j->pend);
	}
	return 0;
}

int
journal_error(const struct journal *j)
{
	return j->error;
}

/*
 * The gate: one sync a loop turn, and what waits for it.
 */

static void
gate_tick(struct loop *loop, void *arg)
{
	struct journal_gate	*g = arg;
	size_t			 i, n;
	int			 e;

	(void)loop;
	if (g->jn != NULL && (e = journal_sync(g->jn)) != 0 && !g->failed) {
		g->failed = true;
		g->fail(g->arg, e);
	}
	/* A wake may hold again: take the list as it is now. */
	n = g->nwait;
	g->nwait = 0;
	for (i = 0; i < n; i++)
		g->wake(g->arg, g->wait[i]);
}

void
journal_gate_init(struct journal_gate *g, struct loop *loop,
    struct journal *jn, journal_wake_fn *wake, journal_fail_fn *fail,
    void *arg)
{
	memset(g, 0, sizeof(*g));
	g->loop = loop;
	g->jn = jn;
	g->wake = wake;
	g->fail = fail;
	g->arg = arg;
	loop_timer_init(&g->timer, gate_tick, g);
}

void
journal_gate_release(struct journal_gate *g)
{
	if (g->loop != NULL)
		loop_timer_stop(g->loop, &g->timer);
	free(g->wait);
	g->wait = NULL;
	g->nwait = g->cap = 0;
}

static void
gate_arm(struct journal_gate *g)
{
	if (!loop_timer_active(&g->timer))
		loop_timer_start(g->loop, &g->timer, 0);
}

void
journal_gate_end(struct journal_gate *g)
{
	journal_end(g->jn);
	gate_arm(g);
}

void
journal_gate_hold(struct journal_gate *g, size_t index)
{
	if (g->nwait == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->wait = xreallocarray(g->wait, g->cap, sizeof(*g->wait));
	}
	g->wait[g->nwait++] = index;
	gate_arm(g);
}

void
journal_gate_flush(struct journal_gate *g)
{
	loop_timer_stop(g->loop, &g->timer);
	gate_tick(g->loop, g);
}
