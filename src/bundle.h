/*
 * Evidence bundles: one archive (tar.gz or zip, written and read with
 * libarchive) that holds what a run left and what was made of it, for an
 * after-action review, with a manifest of SHA-256 sums that
 * sha256sum -c checks and that bundle_verify() checks without
 * extracting anything.
 *
 *	lifeboat-run-ID/journal, outputs, run.json, signoffs
 *		copies of the run directory's files (those present), with
 *		each secret overwritten by as many '*' so offsets still hold
 *	lifeboat-run-ID/report.txt, report.json, report.xml, report.html
 *		the four reports (report.h)
 *	lifeboat-run-ID/out/HOST/NN-STEP.stdout, .stderr
 *		each captured output whole, secrets replaced by ********,
 *		names made of [A-Za-z0-9._-] (others become '_')
 *	lifeboat-run-ID/MANIFEST.sha256
 *		"<64 hex>  <path>\n" for every other file, sorted by path,
 *		paths relative to lifeboat-run-ID/
 */
#ifndef LIFEBOAT_BUNDLE_H
#define LIFEBOAT_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

struct jrun;
struct report_opts;

#define BUNDLE_MANIFEST		"MANIFEST.sha256"
#define BUNDLE_MAX_ENTRIES	100000
#define BUNDLE_MAX_FILE		(4ULL * 1024 * 1024 * 1024)
#define BUNDLE_MAX_TOTAL	(32ULL * 1024 * 1024 * 1024)
#define BUNDLE_MAX_MANIFEST	(64UL * 1024 * 1024)
#define BUNDLE_MAX_PATH		4096

enum bundle_type {
	BUNDLE_TGZ,
	BUNDLE_ZIP,
};

/* The type a file name asks for (.tar.gz, .tgz, .zip); 0, or -1. */
int	 bundle_kind(const char *path, enum bundle_type *);

struct bundle_info {
	size_t	 files;			/* in the manifest */
	char	 manifest_sha256[65];
};

/*
 * Writes the bundle of run (whose directory is rundir) to path, of the
 * type its name asks for, replacing it whole (atomic.h), mode 0600.
 * Returns 0 with info filled, or an LB_ERR_ code with why filled.
 */
int	 bundle_write_run(const char *path, const struct jrun *,
	    const char *rundir, const struct report_opts *,
	    struct bundle_info *, char *why, size_t whylen);

/* A problem found checking a bundle, one line for a person. */
struct bundle_problem {
	char	*path;		/* relative to the top directory, or NULL */
	size_t	 line;		/* in the manifest, or 0 */
	size_t	 col;
	char	*what;
};

struct bundle_check {
	size_t			 files;		/* checked and good */
	bool			 have_manifest;
	char			 manifest_sha256[65];
	struct bundle_problem	*v;
	size_t			 n;
};

void	 bundle_check_release(struct bundle_check *);

/* A manifest, parsed. */
struct bundle_mentry {
	char	 sha256[65];	/* lower case */
	char	*path;
	size_t	 line;
};

struct bundle_manifest {
	struct bundle_mentry	*v;
	size_t			 n;
};

/*
 * Parses a manifest: lines of 64 hex digits, two spaces (or a space and
 * '*') and a relative path without '..', each path once.  Every line
 * that is not so adds a problem to c with its line and column, path
 * BUNDLE_MANIFEST.  The good lines go to m, in their order.  Returns 0,
 * or LB_ERR_INVALID when a line was bad.  Release m with
 * bundle_manifest_release() either way.
 */
int	 bundle_manifest_parse(const char *data, size_t len,
	    struct bundle_manifest *m, struct bundle_check *c);
void	 bundle_manifest_release(struct bundle_manifest *);

/*
 * Reads the archive at path and checks it against its manifest, in
 * memory: entries that are unsafe (an absolute path, '..', a link, a
 * device), past the size limits or outside the one top directory are
 * refused; every file's SHA-256 is compared with the manifest's.
 * Returns 0 with c filled (c->n problems: none means verified),
 * LB_ERR_FORMAT when path is not a tar.gz or zip archive, or
 * LB_ERR_SYSTEM when it cannot be read; why says what then.
 */
int	 bundle_verify(const char *path, struct bundle_check *c, char *why,
	    size_t whylen);

#endif
