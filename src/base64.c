/*
 * Base64 (RFC 4648, the standard alphabet with padding), for WinRM's
 * streams and PowerShell's -EncodedCommand.
 */
#include <stdint.h>
#include <sys/types.h>

#include "base64.h"
#include "buf.h"
#include "errors.h"

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
base64_encode(struct buf *out, const unsigned char *p, size_t len)
{
	char	 q[4];
	size_t	 i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		q[0] = b64_chars[v >> 18 & 63];
		q[1] = b64_chars[v >> 12 & 63];
		q[2] = b64_chars[v >> 6 & 63];
		q[3] = b64_chars[v & 63];
		if (buf_add(out, q, 4) != 0)
			return LB_ERR_LIMIT;
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = b64_chars[v >> 18 & 63];
		q[1] = b64_chars[v >> 12 & 63];
		q[2] = i + 1 < len ? b64_chars[v >> 6 & 63] : '=';
		q[3] = '=';
		if (buf_add(out, q, 4) != 0)
			return LB_ERR_LIMIT;
	}
	return 0;
}

ssize_t
base64_decode(char *s)
{
	const char	*p;
	uint32_t	 v = 0;
	size_t		 n = 0, bits = 0, pad = 0;
	int		 d;

	for (p = s; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return -1;
		if (*p >= 'A' && *p <= 'Z')
			d = *p - 'A';
		else if (*p >= 'a' && *p <= 'z')
			d = *p - 'a' + 26;
		else if (*p >= '0' && *p <= '9')
			d = *p - '0' + 52;
		else if (*p == '+')
			d = 62;
		else if (*p == '/')
			d = 63;
		else
			return -1;
		v = v << 6 | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			s[n++] = (char)(v >> bits & 0xff);
		}
	}
	if (pad > 2)
		return -1;
	return (ssize_t)n;
}
