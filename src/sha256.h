/*
 * SHA-256 as the lowercase hex that journals, manifests and reports
 * carry (libsodium does the hashing).
 */
#ifndef LIFEBOAT_SHA256_H
#define LIFEBOAT_SHA256_H

#include <stddef.h>

#define SHA256_HEX_LEN	64

/* data[0..len) into hex (SHA256_HEX_LEN + 1 bytes). */
void	 sha256_hex(const void *data, size_t len, char *hex);
/* A file's bytes into hex; 0, or an errno value (hex is then ""). */
int	 sha256_file(const char *path, char *hex);

#endif
