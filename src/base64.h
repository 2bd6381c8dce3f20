/*
 * Base64 (RFC 4648, standard alphabet, padded).
 */
#ifndef LIFEBOAT_BASE64_H
#define LIFEBOAT_BASE64_H

#include <stddef.h>
#include <sys/types.h>

struct buf;

/* Appends the base64 of p (len bytes) to out; 0, or LB_ERR_LIMIT. */
int		 base64_encode(struct buf *out, const unsigned char *p,
		    size_t len);
/* Decodes s in place (blanks skipped).  Returns the number of bytes, or
 * -1 when s is not base64. */
ssize_t		 base64_decode(char *s);

#endif
