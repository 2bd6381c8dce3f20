/*
 * Evidence bundles (see bundle.h): written one file at a time, each
 * hashed as it goes into the archive, the manifest last; read back and
 * checked entry by entry, in memory, refusing what could escape a
 * directory if it were extracted.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sodium.h>

#include "atomic.h"
#include "buf.h"
#include "bundle.h"
#include "sha256.h"
#include "errors.h"
#include "journal.h"
#include "json.h"
#include "redact.h"
#include "report.h"
#include "xmalloc.h"

#define NAME_MAX_LEN	100
#define READ_CHUNK	(64 * 1024)
#define COPY_MAX	(1024UL * 1024 * 1024)

int
bundle_kind(const char *path, enum bundle_type *t)
{
	static const struct {
		const char		*end;
		enum bundle_type	 type;
	} ends[] = {
		{ ".tar.gz", BUNDLE_TGZ },
		{ ".tgz", BUNDLE_TGZ },
		{ ".zip", BUNDLE_ZIP },
	};
	size_t	 i, n = strlen(path), e;

	for (i = 0; i < sizeof ends / sizeof *ends; i++) {
		e = strlen(ends[i].end);
		if (n > e && strcasecmp(path + n - e, ends[i].end) == 0 &&
		    path[n - e - 1] != '/') {
			if (t != NULL)
				*t = ends[i].type;
			return 0;
		}
	}
	return -1;
}

/* s as a file name: [A-Za-z0-9._-], no leading dot, at most
 * NAME_MAX_LEN bytes. */
static char *
safe_name(const char *s)
{
	char	*n;
	size_t	 i, len = strlen(s);

	if (len > NAME_MAX_LEN)
		len = NAME_MAX_LEN;
	n = xmalloc(len + 2);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		n[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' ? (char)c : '_';
	}
	if (len == 0)
		n[len++] = '_';
	if (n[0] == '.')
		n[0] = '_';
	n[len] = '\0';
	return n;
}

/*
 * Writing.
 */
struct mrec {
	char	*path;
	char	 sha256[65];
};

struct bwriter {
	struct archive	*a;
	char		*top;
	time_t		 mtime;
	struct mrec	*recs;
	size_t		 nrecs;
	char		*why;
	size_t		 whylen;
	int		 err;
};

static int
bw_fail(struct bwriter *w, const char *what)
{
	if (w->err == 0) {
		snprintf(w->why, w->whylen, "%s: %s", what,
		    archive_error_string(w->a) ? archive_error_string(w->a) :
		    "archive error");
		w->err = LB_ERR_SYSTEM;
	}
	return w->err;
}

static void
bw_entry(struct bwriter *w, const char *rel, bool dir, size_t len)
{
	struct archive_entry	*e;
	char			*path;

	if (w->err != 0)
		return;
	xasprintf(&path, "%s%s%s%s", w->top, rel[0] ? "/" : "", rel,
	    dir ? "/" : "");
	e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0700 : 0600);
	archive_entry_set_size(e, dir ? 0 : (la_int64_t)len);
	archive_entry_set_mtime(e, w->mtime, 0);
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		bw_fail(w, path);
	archive_entry_free(e);
	free(path);
}

static void
bw_file(struct bwriter *w, const char *rel, const char *data, size_t len)
{
	struct mrec	*m;
	size_t		 off = 0;
	la_ssize_t	 n;

	bw_entry(w, rel, false, len);
	while (w->err == 0 && off < len) {
		n = archive_write_data(w->a, data + off, len - off);
		if (n <= 0) {
			bw_fail(w, rel);
			break;
		}
		off += (size_t)n;
	}
	if (w->err != 0)
		return;
	w->recs = xreallocarray(w->recs, w->nrecs + 1, sizeof(*w->recs));
	m = &w->recs[w->nrecs++];
	m->path = xstrdup(rel);
	sha256_hex(data, len, m->sha256);
}

static int
cmp_mrec(const void *a, const void *b)
{
	return strcmp(((const struct mrec *)a)->path,
	    ((const struct mrec *)b)->path);
}

/* The secrets as they stand in the raw files: as given, and as JSON
 * escapes them in the journal. */
static char **
mask_list(const struct report_opts *o, size_t *np)
{
	struct buf	 b = BUF_INIT;
	char		**v;
	const char	*s;
	size_t		 i, n = 0;

	v = xcalloc(o != NULL ? 2 * o->nsecrets + 1 : 1, sizeof(*v));
	for (i = 0; o != NULL && i < o->nsecrets; i++) {
		if ((s = o->secrets[i]) == NULL || strlen(s) < REDACT_MIN_LEN)
			continue;
		v[n++] = xstrdup(s);
		buf_reset(&b);
		if (json_escape(&b, s, strlen(s)) == 0 && b.len >= 2 &&
		    (b.len - 2 != strlen(s) || memcmp(b.data + 1, s,
		    b.len - 2) != 0))
			v[n++] = xstrndup(b.data + 1, b.len - 2);
	}
	buf_release(&b);
	*np = n;
	return v;
}

/* Overwrites every secret in data with as many '*', longest first. */
static void
mask(char *data, size_t len, char **secrets, size_t n)
{
	size_t	 i, k, sl, best;

	for (i = 0; i < len; i++) {
		best = 0;
		for (k = 0; k < n; k++) {
			sl = strlen(secrets[k]);
			if (secrets[k][0] == data[i] && sl > best &&
			    sl <= len - i && memcmp(data + i, secrets[k],
			    sl) == 0)
				best = sl;
		}
		if (best > 0) {
			memset(data + i, '*', best);
			i += best - 1;
		}
	}
}

/* A file of the run directory, masked; missing ones are left out. */
static void
copy_raw(struct bwriter *w, const char *dir, const char *name,
    char **secrets, size_t nsecrets)
{
	struct buf	 b;
	char		*path;
	int		 e;

	if (w->err != 0)
		return;
	xasprintf(&path, "%s/%s", dir, name);
	buf_init(&b, COPY_MAX, 0);
	if ((e = buf_read_file(&b, path, COPY_MAX)) != 0) {
		if (e != ENOENT) {
			snprintf(w->why, w->whylen, "cannot read %s: %s",
			    path, strerror(e));
			w->err = LB_ERR_SYSTEM;
		}
	} else {
		mask(b.data, b.len, secrets, nsecrets);
		bw_file(w, name, b.data ? b.data : "", b.len);
	}
	buf_release(&b);
	free(path);
}

static void
add_reports(struct bwriter *w, const struct jrun *run, const char *dir,
    const struct report_opts *o)
{
	static const struct {
		enum report_format	 f;
		const char		*name;
	} reps[] = {
		{ REPORT_TEXT, "report.txt" },
		{ REPORT_JSON, "report.json" },
		{ REPORT_JUNIT, "report.xml" },
		{ REPORT_HTML, "report.html" },
	};
	struct buf	 b;
	size_t		 i;
	int		 r;

	for (i = 0; w->err == 0 && i < sizeof reps / sizeof *reps; i++) {
		buf_init(&b, REPORT_MAX_SIZE, 0);
		if ((r = report_render(run, dir, reps[i].f, o, &b)) != 0) {
			snprintf(w->why, w->whylen, "cannot make %s: %s",
			    reps[i].name, err_str(r));
			w->err = r;
		} else
			bw_file(w, reps[i].name, b.data ? b.data : "", b.len);
		buf_release(&b);
	}
}

/* The directory name of each host under out/, unique. */
static char **
host_dirs(const struct jrun *run)
{
	char	**v, *n;
	size_t	 i, k;

	v = xcalloc(run->nhosts + 1, sizeof(*v));
	for (i = 0; i < run->nhosts; i++) {
		n = safe_name(run->hosts[i].name);
		for (k = 0; k < i; k++)
			if (strcmp(v[k], n) == 0)
				break;
		if (k < i) {
			/* Two names made the same: the index tells apart. */
			v[i] = NULL;
			xasprintf(&v[i], "%s_%zu", n, i);
			free(n);
		} else
			v[i] = n;
	}
	return v;
}

static void
add_outputs(struct bwriter *w, const struct jrun *run, const char *dir,
    const struct report_opts *o)
{
	static const char *const ext[] = { "stdout", "stderr" };
	const struct jout	*jo;
	struct buf		 raw, red;
	char			**dirs, *step, *rel;
	size_t			 h, s;
	int			 k;
	bool			 made;

	dirs = host_dirs(run);
	bw_entry(w, "out", true, 0);
	buf_init(&raw, COPY_MAX, 0);
	buf_init(&red, COPY_MAX, 0);
	for (h = 0; w->err == 0 && h < run->nhosts; h++) {
		made = false;
		for (s = 0; w->err == 0 && s < run->nsteps; s++) {
			for (k = 0; w->err == 0 && k < 2; k++) {
				jo = k ? &run->hosts[h].steps[s].err :
				    &run->hosts[h].steps[s].out;
				if (jo->len <= 0)
					continue;
				if (journal_read_output(dir, jo, &raw) !=
				    0 && raw.len == 0)
					continue;
				if (!made) {
					xasprintf(&rel, "out/%s", dirs[h]);
					bw_entry(w, rel, true, 0);
					free(rel);
					made = true;
				}
				buf_reset(&red);
				if (report_redact(o, raw.data ? raw.data : "",
				    raw.len, &red) != 0) {
					snprintf(w->why, w->whylen, "an output "
					    "of %s is too large",
					    run->hosts[h].name);
					w->err = LB_ERR_LIMIT;
					break;
				}
				step = safe_name(run->steps[s].name);
				xasprintf(&rel, "out/%s/%02zu-%s.%s", dirs[h],
				    s + 1, step, ext[k]);
				bw_file(w, rel, red.data ? red.data : "",
				    red.len);
				free(rel);
				free(step);
			}
		}
	}
	buf_release(&raw);
	buf_release(&red);
	for (h = 0; h < run->nhosts; h++)
		free(dirs[h]);
	free(dirs);
}

static void
add_manifest(struct bwriter *w, struct bundle_info *info)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	if (w->err != 0)
		return;
	if (w->nrecs > 1)
		qsort(w->recs, w->nrecs, sizeof(*w->recs), cmp_mrec);
	buf_init(&b, 0, 0);
	for (i = 0; i < w->nrecs; i++)
		if (buf_addf(&b, "%s  %s\n", w->recs[i].sha256,
		    w->recs[i].path) != 0) {
			snprintf(w->why, w->whylen, "the manifest is too "
			    "large");
			w->err = LB_ERR_LIMIT;
		}
	info->files = w->nrecs;
	sha256_hex(b.data ? b.data : "", b.len, info->manifest_sha256);
	bw_file(w, BUNDLE_MANIFEST, b.data ? b.data : "", b.len);
	buf_release(&b);
}

static int
open_archive(struct bwriter *w, enum bundle_type t, int fd)
{
	w->a = archive_write_new();
	if (w->a == NULL) {
		snprintf(w->why, w->whylen, "cannot make an archive");
		return w->err = LB_ERR_NOMEM;
	}
	if (t == BUNDLE_ZIP) {
		if (archive_write_set_format_zip(w->a) != ARCHIVE_OK ||
		    archive_write_zip_set_compression_deflate(w->a) !=
		    ARCHIVE_OK)
			return bw_fail(w, "zip");
	} else if (archive_write_set_format_pax_restricted(w->a) !=
	    ARCHIVE_OK || archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
	    archive_write_set_filter_option(w->a, "gzip", "timestamp",
	    NULL) < ARCHIVE_WARN)
		return bw_fail(w, "tar.gz");
	if (archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
		return bw_fail(w, "cannot start the archive");
	return 0;
}

int
bundle_write_run(const char *path, const struct jrun *run,
    const char *rundir, const struct report_opts *o,
    struct bundle_info *info, char *why, size_t whylen)
{
	static const char *const raw[] = {
		JOURNAL_FILE, JOURNAL_OUTPUTS, "run.json", "signoffs",
	};
	struct atomic_file	 af;
	struct bwriter		 w;
	enum bundle_type	 t;
	char			**secrets, *id;
	size_t			 nsecrets, i;
	int			 e;

	memset(info, 0, sizeof(*info));
	memset(&w, 0, sizeof(w));
	if (bundle_kind(path, &t) != 0) {
		snprintf(why, whylen, "%s: not .tar.gz, .tgz or .zip", path);
		return LB_ERR_INVALID;
	}
	if ((e = atomic_open(&af, path, 0600)) != 0) {
		snprintf(why, whylen, "cannot create %s: %s", path,
		    strerror(e));
		return LB_ERR_SYSTEM;
	}
	w.why = why;
	w.whylen = whylen;
	w.mtime = (time_t)(run->started_at / 1000);
	id = safe_name(run->id);
	xasprintf(&w.top, "lifeboat-run-%s", id);
	free(id);
	secrets = mask_list(o, &nsecrets);
	if (open_archive(&w, t, af.fd) == 0) {
		bw_entry(&w, "", true, 0);
		for (i = 0; i < sizeof raw / sizeof *raw; i++)
			copy_raw(&w, rundir, raw[i], secrets, nsecrets);
		add_reports(&w, run, rundir, o);
		add_outputs(&w, run, rundir, o);
		add_manifest(&w, info);
		if (w.err == 0 && archive_write_close(w.a) != ARCHIVE_OK)
			bw_fail(&w, path);
	}
	if (w.a != NULL)
		archive_write_free(w.a);
	if (w.err == 0 && (e = atomic_commit(&af)) != 0) {
		snprintf(why, whylen, "cannot write %s: %s", path,
		    strerror(e));
		w.err = LB_ERR_SYSTEM;
	} else if (w.err != 0)
		atomic_abort(&af);
	for (i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	for (i = 0; i < w.nrecs; i++)
		free(w.recs[i].path);
	free(w.recs);
	free(w.top);
	return w.err;
}

/*
 * Checking.
 */
static void
problem(struct bundle_check *c, const char *path, size_t line, size_t col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
problem(struct bundle_check *c, const char *path, size_t line, size_t col,
    const char *fmt, ...)
{
	struct bundle_problem	*p;
	va_list			 ap;

	c->v = xreallocarray(c->v, c->n + 1, sizeof(*c->v));
	p = &c->v[c->n++];
	p->path = path != NULL ? xstrdup(path) : NULL;
	p->line = line;
	p->col = col;
	va_start(ap, fmt);
	xvasprintf(&p->what, fmt, ap);
	va_end(ap);
}

void
bundle_check_release(struct bundle_check *c)
{
	size_t	 i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].what);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void
bundle_manifest_release(struct bundle_manifest *m)
{
	size_t	 i;

	for (i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Why a relative path is not one, or NULL: absolute, or with '..'. */
static const char *
bad_path(const char *p, size_t len, size_t *at)
{
	size_t	 i, start;

	*at = 0;
	if (len == 0)
		return "no path";
	if (p[0] == '/')
		return "an absolute path";
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && p[i] == '\0') {
			*at = i;
			return "a NUL byte in the path";
		}
		if (i < len && p[i] != '/')
			continue;
		if (i - start == 2 && p[start] == '.' && p[start + 1] == '.') {
			*at = start;
			return "'..' in the path";
		}
		start = i + 1;
	}
	return NULL;
}

static int
cmp_mentry(const void *a, const void *b)
{
	return strcmp(((const struct bundle_mentry *)a)->path,
	    ((const struct bundle_mentry *)b)->path);
}

/* One line of a manifest: 0, or -1 after adding its problem. */
static int
manifest_line(const char *s, size_t len, size_t line,
    struct bundle_mentry *e, struct bundle_check *c)
{
	const char	*why;
	size_t		 i, at;

	if (len == 0) {
		problem(c, BUNDLE_MANIFEST, line, 1, "an empty line");
		return -1;
	}
	for (i = 0; i < 64; i++) {
		if (i >= len || !((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F'))) {
			problem(c, BUNDLE_MANIFEST, line, i + 1, "expected "
			    "the 64 hex digits of a SHA-256");
			return -1;
		}
		e->sha256[i] = (char)(s[i] | 0x20);
	}
	e->sha256[64] = '\0';
	if (len < 66 || s[64] != ' ' || (s[65] != ' ' && s[65] != '*')) {
		problem(c, BUNDLE_MANIFEST, line, len < 65 || s[64] != ' ' ?
		    65 : 66, "expected two spaces after the SHA-256");
		return -1;
	}
	s += 66;
	len -= 66;
	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			problem(c, BUNDLE_MANIFEST, line, 67 + i, "a carriage "
			    "return in the path");
			return -1;
		}
	}
	if ((why = bad_path(s, len, &at)) != NULL) {
		problem(c, BUNDLE_MANIFEST, line, 67 + at, "%s", why);
		return -1;
	}
	e->path = xstrndup(s, len);
	e->line = line;
	return 0;
}

static const struct bundle_manifest *sort_m;

/* By path, then line. */
static int
cmp_index(const void *a, const void *b)
{
	const struct bundle_mentry	*x = &sort_m->v[*(const size_t *)a];
	const struct bundle_mentry	*y = &sort_m->v[*(const size_t *)b];
	int				 d = strcmp(x->path, y->path);

	if (d != 0)
		return d;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Each path once: later lines of a path are problems, and dropped. */
static int
dedup(struct bundle_manifest *m, struct bundle_check *c)
{
	size_t	*idx, i, n = 0, first = 0;
	bool	*dup;
	int	 r = 0;

	idx = xreallocarray(NULL, m->n, sizeof(*idx));
	dup = xcalloc(m->n, sizeof(*dup));
	for (i = 0; i < m->n; i++)
		idx[i] = i;
	sort_m = m;
	qsort(idx, m->n, sizeof(*idx), cmp_index);
	sort_m = NULL;
	for (i = 1; i < m->n; i++) {
		if (strcmp(m->v[idx[i]].path, m->v[idx[i - 1]].path) != 0) {
			first = i;
			continue;
		}
		dup[idx[i]] = true;
		problem(c, BUNDLE_MANIFEST, m->v[idx[i]].line, 67, "'%s' is "
		    "listed twice (first on line %zu)", m->v[idx[i]].path,
		    m->v[idx[first]].line);
		r = -1;
	}
	for (i = 0; i < m->n; i++) {
		if (dup[i])
			free(m->v[i].path);
		else
			m->v[n++] = m->v[i];
	}
	m->n = n;
	free(idx);
	free(dup);
	return r;
}

/* The problems from first on in line order (stable: few, mostly in
 * order already). */
static void
sort_problems(struct bundle_check *c, size_t first)
{
	struct bundle_problem	 t;
	size_t			 i, k;

	for (i = first + 1; i < c->n; i++) {
		t = c->v[i];
		for (k = i; k > first && (c->v[k - 1].line > t.line ||
		    (c->v[k - 1].line == t.line && c->v[k - 1].col > t.col));
		    k--)
			c->v[k] = c->v[k - 1];
		c->v[k] = t;
	}
}

int
bundle_manifest_parse(const char *data, size_t len,
    struct bundle_manifest *m, struct bundle_check *c)
{
	struct bundle_mentry	 e;
	const char		*p = data, *nl, *end = data + len;
	size_t			 line = 0, first = c->n;
	int			 r = 0;

	memset(m, 0, sizeof(*m));
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		memset(&e, 0, sizeof(e));
		if (manifest_line(p, (size_t)(nl - p), line, &e, c) != 0) {
			r = LB_ERR_INVALID;
			continue;
		}
		m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
		m->v[m->n++] = e;
	}
	if (m->n >= 2 && dedup(m, c) != 0)
		r = LB_ERR_INVALID;
	sort_problems(c, first);
	return r;
}

/* A file of the archive, as read. */
struct afile {
	char	*path;		/* relative to the top directory */
	char	 sha256[65];
	bool	 listed;
};

struct areader {
	struct archive		*a;
	struct bundle_check	*c;
	char			*top;
	struct afile		*files;
	size_t			 nfiles;
	struct buf		 manifest;
	uint64_t		 total;
	size_t			 entries;
};

/* Why an entry must not be extracted, or NULL. */
static const char *
unsafe(struct archive_entry *e, const char *name)
{
	size_t	 at;

	if (archive_entry_hardlink(e) != NULL)
		return "a hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
	case AE_IFDIR:
		break;
	case AE_IFLNK:
		return "a symbolic link";
	default:
		return "a device, FIFO or socket";
	}
	if (strlen(name) > BUNDLE_MAX_PATH)
		return "a path too long";
	return bad_path(name, strlen(name), &at);
}

/* Hashes the entry's data (and keeps it when it is the manifest). */
static int
read_data(struct areader *ar, const char *name, bool keep,
    char hex[65])
{
	crypto_hash_sha256_state	 st;
	unsigned char			 md[crypto_hash_sha256_BYTES];
	char				 chunk[READ_CHUNK];
	uint64_t			 size = 0;
	la_ssize_t			 n;

	crypto_hash_sha256_init(&st);
	while ((n = archive_read_data(ar->a, chunk, sizeof chunk)) > 0) {
		size += (uint64_t)n;
		ar->total += (uint64_t)n;
		if (size > BUNDLE_MAX_FILE || ar->total > BUNDLE_MAX_TOTAL ||
		    (keep && buf_add(&ar->manifest, chunk, (size_t)n) != 0)) {
			problem(ar->c, name, 0, 0, "past the size limits: not "
			    "read further");
			return -1;
		}
		crypto_hash_sha256_update(&st, (unsigned char *)chunk,
		    (size_t)n);
	}
	if (n < 0) {
		problem(ar->c, name, 0, 0, "cannot be read: %s",
		    archive_error_string(ar->a));
		return -1;
	}
	crypto_hash_sha256_final(&st, md);
	sodium_bin2hex(hex, 65, md, sizeof md);
	return 0;
}

/* One entry: 0 to go on, -1 to stop reading. */
static int
entry(struct areader *ar, struct archive_entry *e)
{
	const char	*name = archive_entry_pathname(e), *why, *rel;
	char		 hex[65];
	size_t		 tl;
	bool		 dir;

	if (++ar->entries > BUNDLE_MAX_ENTRIES) {
		problem(ar->c, NULL, 0, 0, "more than %d entries: not read "
		    "further", BUNDLE_MAX_ENTRIES);
		return -1;
	}
	if (name == NULL) {
		problem(ar->c, NULL, 0, 0, "an entry without a readable name");
		return 0;
	}
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	/* "./" itself, as tar -C dir . writes it. */
	if (archive_entry_filetype(e) == AE_IFDIR && (name[0] == '\0' ||
	    strcmp(name, ".") == 0))
		return 0;
	if ((why = unsafe(e, name)) != NULL) {
		problem(ar->c, name, 0, 0, "unsafe entry: %s", why);
		return 0;
	}
	dir = archive_entry_filetype(e) == AE_IFDIR;
	tl = strcspn(name, "/");
	if (ar->top == NULL)
		ar->top = xstrndup(name, tl);
	if (strlen(ar->top) != tl || strncmp(name, ar->top, tl) != 0 ||
	    (!dir && name[tl] != '/')) {
		problem(ar->c, name, 0, 0, "outside the top directory '%s'",
		    ar->top);
		return 0;
	}
	rel = name[tl] == '/' ? name + tl + 1 : name + tl;
	if (dir)
		return 0;
	if (strcmp(rel, BUNDLE_MANIFEST) == 0) {
		if (ar->c->have_manifest) {
			problem(ar->c, rel, 0, 0, "appears twice in the "
			    "archive");
			return 0;
		}
		ar->c->have_manifest = true;
		if (read_data(ar, rel, true, ar->c->manifest_sha256) != 0)
			return -1;
		return 0;
	}
	if (read_data(ar, rel, false, hex) != 0)
		return -1;
	ar->files = xreallocarray(ar->files, ar->nfiles + 1,
	    sizeof(*ar->files));
	ar->files[ar->nfiles].path = xstrdup(rel);
	memcpy(ar->files[ar->nfiles].sha256, hex, sizeof hex);
	ar->files[ar->nfiles++].listed = false;
	return 0;
}

static int
cmp_afile(const void *a, const void *b)
{
	return strcmp(((const struct afile *)a)->path,
	    ((const struct afile *)b)->path);
}

/* The archive's files against the manifest, in path order. */
static void
compare(struct areader *ar, struct bundle_manifest *m)
{
	struct bundle_check	*c = ar->c;
	struct afile		 key, *f;
	size_t			 i;

	/* qsort() and bsearch() want an array, even an empty one. */
	if (ar->nfiles > 1)
		qsort(ar->files, ar->nfiles, sizeof(*ar->files), cmp_afile);
	for (i = 1; i < ar->nfiles; i++)
		if (strcmp(ar->files[i].path, ar->files[i - 1].path) == 0)
			problem(c, ar->files[i].path, 0, 0, "appears twice "
			    "in the archive");
	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), cmp_mentry);
	for (i = 0; i < m->n; i++) {
		key.path = m->v[i].path;
		f = ar->nfiles == 0 ? NULL : bsearch(&key, ar->files,
		    ar->nfiles, sizeof(*ar->files), cmp_afile);
		if (f == NULL) {
			problem(c, m->v[i].path, 0, 0, "missing (in the "
			    "manifest, not in the archive)");
			continue;
		}
		f->listed = true;
		if (strcmp(f->sha256, m->v[i].sha256) != 0)
			problem(c, m->v[i].path, 0, 0, "changed (its SHA-256 "
			    "is not the manifest's)");
		else
			c->files++;
	}
	for (i = 0; i < ar->nfiles; i++)
		if (!ar->files[i].listed)
			problem(c, ar->files[i].path, 0, 0, "not in the "
			    "manifest");
}

int
bundle_verify(const char *path, struct bundle_check *c, char *why,
    size_t whylen)
{
	struct areader		 ar;
	struct bundle_manifest	 m;
	struct archive_entry	*e;
	struct stat		 sb;
	size_t			 i;
	int			 r, fd, ret = 0;

	memset(c, 0, sizeof(*c));
	memset(&ar, 0, sizeof(ar));
	memset(&m, 0, sizeof(m));
	ar.c = c;
	buf_init(&ar.manifest, BUNDLE_MAX_MANIFEST, 0);
	if ((ar.a = archive_read_new()) == NULL) {
		snprintf(why, whylen, "cannot read archives");
		return LB_ERR_NOMEM;
	}
	/* Only what bundles are: no external filter programs. */
	archive_read_support_filter_gzip(ar.a);
	archive_read_support_format_tar(ar.a);
	archive_read_support_format_zip(ar.a);
	if (stat(path, &sb) != 0 || (fd = open(path, O_RDONLY |
	    O_CLOEXEC)) == -1) {
		snprintf(why, whylen, "cannot open %s: %s", path,
		    strerror(errno));
		ret = LB_ERR_SYSTEM;
		goto out;
	}
	close(fd);
	if (!S_ISREG(sb.st_mode) || archive_read_open_filename(ar.a, path,
	    READ_CHUNK) != ARCHIVE_OK) {
		snprintf(why, whylen, "%s: not a tar.gz or zip archive%s%s%s",
		    path, S_ISREG(sb.st_mode) ? " (" : "",
		    S_ISREG(sb.st_mode) ? archive_error_string(ar.a) : "",
		    S_ISREG(sb.st_mode) ? ")" : "");
		ret = LB_ERR_FORMAT;
		goto out;
	}
	while ((r = archive_read_next_header(ar.a, &e)) != ARCHIVE_EOF) {
		if (r < ARCHIVE_WARN) {
			if (ar.entries == 0) {
				snprintf(why, whylen, "%s: not a tar.gz or zip "
				    "archive (%s)", path,
				    archive_error_string(ar.a));
				ret = LB_ERR_FORMAT;
				goto out;
			}
			problem(c, NULL, 0, 0, "the archive is damaged: %s",
			    archive_error_string(ar.a));
			break;
		}
		if (entry(&ar, e) != 0)
			break;
	}
	if (ar.entries == 0) {
		snprintf(why, whylen, "%s: not a tar.gz or zip archive (no "
		    "entries)", path);
		ret = LB_ERR_FORMAT;
		goto out;
	}
	if (!c->have_manifest)
		problem(c, NULL, 0, 0, "no manifest (%s/%s)", ar.top ?
		    ar.top : "lifeboat-run-ID", BUNDLE_MANIFEST);
	else {
		(void)bundle_manifest_parse(ar.manifest.data ?
		    ar.manifest.data : "", ar.manifest.len, &m, c);
		compare(&ar, &m);
	}
out:
	if (ret != 0)
		bundle_check_release(c);
	archive_read_free(ar.a);
	bundle_manifest_release(&m);
	for (i = 0; i < ar.nfiles; i++)
		free(ar.files[i].path);
	free(ar.files);
	free(ar.top);
	buf_release(&ar.manifest);
	return ret;
}
