/*
 * What the report writers share (report.c builds it; report-text.c,
 * report-json.c, report-junit.c and report-html.c write it out): the
 * run's state worked out once, host by host, with the tallies by wave
 * and by site, the failures in order, and helpers for times, durations,
 * redacted strings and output excerpts.  Private to the report module.
 */
#ifndef LIFEBOAT_REPORT_INT_H
#define LIFEBOAT_REPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "journal.h"
#include "report.h"

/* A host's lot, one of them each. */
enum hcat {
	HC_OK,
	HC_SKIPPED,		/* ok, every step skipped */
	HC_FAILED,
	HC_UNREACHABLE,
	HC_CANCELLED,
	HC_UNKNOWN,		/* a step started and never ended */
	HC_INTERRUPTED,		/* its wave started; it did not finish */
	HC_NOT_RUN,		/* its wave never started */
	HC_N
};

struct rtally {
	size_t		 hosts;
	size_t		 changed;
	size_t		 n[HC_N];
};

struct rhost {
	enum hcat	 cat;
	const char	*status;	/* jhost.status, or cat's word */
	bool		 changed;
	size_t		 fail_step;	/* the step it failed at, or JNONE */
	int64_t		 start_at;	/* unix ms, 0: none */
	int64_t		 end_at;
};

enum rout_state {
	ROUT_NONE,		/* no output */
	ROUT_OK,
	ROUT_MISMATCH,		/* its SHA-256 is not the journal's */
	ROUT_UNREADABLE,
};

/* The part of an output a report shows: its end, redacted. */
struct rexcerpt {
	struct buf	 text;
	size_t		 bytes;		/* of the whole output, as captured */
	size_t		 left_out;	/* bytes before the part shown */
	enum rout_state	 state;
};

struct rep {
	const struct jrun	*run;
	const char		*dir;
	const struct report_opts *o;
	size_t			 max_output;
	const char		*state;		/* done, running, interrupted */
	struct rhost		*hosts;
	struct rtally		 total;
	struct rtally		*waves;		/* nwaves, then "no wave" */
	const char		**sites;	/* in order of first host */
	struct rtally		*site_tally;
	size_t			 nsites;	/* "-" (no site) among them */
	size_t			 nrealsites;	/* not counting "-" */
	size_t			*fail;		/* hosts, in wave order */
	size_t			 nfail;
	unsigned char		*outst;		/* enum rout_state each */
	char			**warnings;
	size_t			 nwarnings;
	struct buf		*out;
	struct buf		 tmp;		/* rep_str()'s */
	int			 err;
};

#define REP_STDOUT	0
#define REP_STDERR	1

/* Appends to the report; a failure is kept in r->err. */
void		 rep_add(struct rep *, const char *, size_t);
void		 rep_puts(struct rep *, const char *);
void		 rep_printf(struct rep *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* s redacted, in r->tmp: valid until the next call ("" for NULL). */
const char	*rep_str(struct rep *, const char *s);
/* The jout of a host's step's stream (REP_STDOUT, REP_STDERR). */
const struct jout *rep_jout(const struct rep *, size_t h, size_t s,
		    int stream);
enum rout_state	 rep_out_state(const struct rep *, size_t h, size_t s,
		    int stream);
/*
 * Reads the output, redacts it and keeps its last r->max_output bytes,
 * from a line start where one is near.  Release with rep_excerpt_release.
 * Returns false when there is no output.
 */
bool		 rep_excerpt(struct rep *, size_t h, size_t s, int stream,
		    struct rexcerpt *);
void		 rep_excerpt_release(struct rexcerpt *);

/* "2026-11-21T14:30:05Z", or "-" for 0. */
void		 rep_time(int64_t ms, char *, size_t);
/* "38ms", "2.5s", "1m05s", "2h01m05s"; "-" below 0. */
void		 rep_dur(int64_t ms, char *, size_t);
/* "wave 0 (canary)" (several waves), "wave 3", "no wave". */
void		 rep_wave_name(const struct rep *, size_t w, char *, size_t);
const char	*rep_site(const char *);	/* "-" for NULL or "" */
const char	*rep_cat_name(enum hcat);	/* "not run", ... */
/* The outcome of a host's step as a word: its outcome, "unknown"
 * (started, no end) or "not run". */
const char	*rep_step_word(const struct jstep *);
/* The run's result in a word: ok, failed, halted, interrupted,
 * running, or "exit status N". */
const char	*rep_result(const struct rep *, char *, size_t);
/* How long a wave took, from its start to its last host's end; -1. */
int64_t		 rep_wave_ms(const struct rep *, size_t w, int64_t *end);
/* The run's duration, -1 when unknown. */
int64_t		 rep_run_ms(const struct rep *);
/* A tally's counts, in the order the tables show them. */
enum rep_count {
	RC_HOSTS, RC_OK, RC_CHANGED, RC_FAILED, RC_UNREACHABLE, RC_SKIPPED,
	RC_CANCELLED, RC_UNKNOWN, RC_INTERRUPTED, RC_NOT_RUN, RC_N,
};
extern const char *const rep_count_names[RC_N];	/* "hosts", ... */
void		 rep_counts(const struct rtally *, size_t v[RC_N]);
/*
 * The facts of the run, in the order every format shows them: kv is
 * called with a label, a value (NULL: none), and n, 0 for the first
 * value of a label and 1, 2, ... for the next ones (inventories, -e
 * variables, reruns).
 */
typedef void rep_kv_fn(struct rep *, const char *key, const char *value,
    size_t n);
void		 rep_run_facts(struct rep *, rep_kv_fn *);
/* The owner of a step by name ("-" for a gate or none). */
const char	*rep_owner(const struct rep *, const char *step);
/* Durations of a step over the hosts that ran it. */
struct rstepdur {
	size_t		 runs;
	int64_t		 median_ms;
	int64_t		 max_ms;
	size_t		 max_host;	/* JNONE when no run */
};
void		 rep_step_durations(const struct rep *, size_t s,
		    struct rstepdur *);

/*
 * The next character of s[0..n): its code point in *cp (U+FFFD for a
 * byte that does not start valid UTF-8) and its length in bytes (at
 * least 1; n must be at least 1).
 */
size_t		 rep_utf8(const unsigned char *s, size_t n, uint32_t *cp);
/* Appends cp as UTF-8. */
void		 rep_put_cp(struct buf *, uint32_t cp, int *err);

void		 report_text(struct rep *);
void		 report_json(struct rep *);
void		 report_junit(struct rep *);
void		 report_html(struct rep *);

#endif
