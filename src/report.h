/*
 * Reports of a run: what the run's journal (journal.h) says happened,
 * rendered for people (text, HTML), for programs (JSON) and for CI
 * dashboards (JUnit XML).  A report depends only on the state the
 * journal describes, never on how many processes wrote it or on the
 * time it is made: a run carried on by resume reads as an uninterrupted
 * run would, but for its times and the resume itself.
 *
 * Every string that comes from the journal or its outputs is redacted
 * (each of the secrets given is replaced by ********) before it is
 * escaped for the format, and escaped so that no byte of it can change
 * the document's structure: control characters are made visible or
 * dropped, invalid UTF-8 becomes U+FFFD, XML keeps only the characters
 * XML 1.0 allows, and HTML can never hold a reference to anything
 * outside the file.
 */
#ifndef LIFEBOAT_REPORT_H
#define LIFEBOAT_REPORT_H

#include <stddef.h>

#include "buf.h"

struct jrun;

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_JUNIT,
	REPORT_HTML,
};

/* Bytes of each output shown when report_opts.max_output is 0. */
#define REPORT_MAX_OUTPUT	(16 * 1024)
/* A report past this size is refused with LB_ERR_LIMIT. */
#define REPORT_MAX_SIZE		(1024UL * 1024 * 1024)

struct report_opts {
	/* Strings replaced by ******** wherever they would be shown (not
	 * owned); as everywhere (redact.h), those shorter than
	 * REDACT_MIN_LEN are left alone. */
	const char *const *secrets;
	size_t		 nsecrets;
	/* The last max_output bytes of each captured output are shown (0:
	 * REPORT_MAX_OUTPUT); the rest is said to be left out. */
	size_t		 max_output;
};

/*
 * Appends the report of run, whose run directory is rundir (its outputs
 * are read from there, and their SHA-256 checked: a mismatch is a
 * warning in the report), to out.  Returns 0, or LB_ERR_LIMIT when the
 * report would pass REPORT_MAX_SIZE or out's maximum (out is then left
 * partly written), or LB_ERR_INVALID for an unknown format.
 */
int		 report_render(const struct jrun *, const char *rundir,
		    enum report_format, const struct report_opts *,
		    struct buf *out);

/* "text", "json", "junit", "html": 0, or -1 for another name. */
int		 report_format_parse(const char *, enum report_format *);
const char	*report_format_name(enum report_format);

/*
 * Appends s[0..len) to out with every secret of o replaced by ********
 * (redact()).  Returns 0, or LB_ERR_LIMIT when out might not hold it
 * (nothing is appended then).
 */
int		 report_redact(const struct report_opts *, const char *s,
		    size_t len, struct buf *out);

#endif
