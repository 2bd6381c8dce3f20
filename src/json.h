/*
 * A streaming JSON writer.  It keeps track of commas and nesting, escapes
 * strings (invalid UTF-8 becomes U+FFFD, so the output is always valid
 * JSON), and collects output in a buffer that is flushed to a FILE as it
 * fills, so that writing a hundred thousand hosts is cheap.
 */
#ifndef LIFEBOAT_JSON_H
#define LIFEBOAT_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

/* Deeper than any YAML value we accept (YTREE_MAX_DEPTH) can nest. */
#define JSON_MAX_DEPTH	128

struct json {
	FILE		*fp;		/* NULL: keep everything in out */
	struct buf	 out;
	int		 depth;
	bool		 first[JSON_MAX_DEPTH];
	bool		 after_key;
	int		 error;		/* first write error, or 0 */
};

/* Writes to fp (not owned), or into j->out when fp is NULL. */
void	json_init(struct json *, FILE *fp);
/* Flushes; returns 0 or LB_ERR_SYSTEM when a write failed. */
int	json_finish(struct json *);
void	json_release(struct json *);

void	json_obj_begin(struct json *);
void	json_obj_end(struct json *);
void	json_arr_begin(struct json *);
void	json_arr_end(struct json *);
void	json_key(struct json *, const char *);
void	json_str(struct json *, const char *);	/* NULL writes null */
void	json_strn(struct json *, const char *, size_t);
void	json_int(struct json *, int64_t);
void	json_double(struct json *, double);
void	json_bool(struct json *, bool);
void	json_null(struct json *);
/* Writes text that is already valid JSON (a number, say) as a value. */
void	json_raw(struct json *, const char *, size_t);
/* Key and value in one call. */
void	json_kv_str(struct json *, const char *, const char *);
void	json_kv_int(struct json *, const char *, int64_t);
void	json_kv_bool(struct json *, const char *, bool);

/* Appends s as a JSON string literal (with quotes) to b. */
int	json_escape(struct buf *b, const char *s, size_t len);

#endif
