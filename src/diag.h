/*
 * Diagnostics: what is wrong with an input, and where.  Parsers append to
 * a struct diags instead of printing, so that `inventory check` can show
 * every problem at once and other commands can stop at the first.  Each
 * diagnostic carries file, line and column (1-based; 0 when unknown) and
 * a lower-case message without a trailing period.
 *
 * diag_suggest() finds the nearest of a set of known words for a "did you
 * mean" hint.
 */
#ifndef LIFEBOAT_DIAG_H
#define LIFEBOAT_DIAG_H

#include <stdarg.h>
#include <stddef.h>

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

struct diag {
	enum diag_level	 level;
	char		*file;		/* owned; may be NULL */
	unsigned	 line;
	unsigned	 col;
	char		*msg;		/* owned */
};

struct diags {
	struct diag	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 nerrors;
	size_t		 nwarnings;
};

#define DIAGS_INIT	{ NULL, 0, 0, 0, 0 }

void	 diags_release(struct diags *);
void	 diag_add(struct diags *, enum diag_level, const char *file,
	    unsigned line, unsigned col, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));
void	 diag_vadd(struct diags *, enum diag_level, const char *file,
	    unsigned line, unsigned col, const char *fmt, va_list)
	    __attribute__((format(printf, 6, 0)));
/* Shorthand for an error. */
void	 diag_err(struct diags *, const char *file, unsigned line,
	    unsigned col, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Orders diagnostics by file, line and column (stable). */
void	 diags_sort(struct diags *);
/*
 * Formats one diagnostic as "file:line:col: error: msg" (or without the
 * parts it lacks); returns a string the caller frees.
 */
char	*diag_format(const struct diag *);

/*
 * Returns the word of words[0..n) closest to word by edit distance, or
 * NULL when none is close enough to be a likely typo.  The result points
 * into words.
 */
const char	*diag_suggest(const char *word, const char *const *words,
		    size_t n);
size_t		 diag_edit_distance(const char *, const char *);

#endif
