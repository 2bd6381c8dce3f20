/*
 * SHA-256 in hex (see sha256.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>

#include "sha256.h"

void
sha256_hex(const void *data, size_t len, char *hex)
{
	unsigned char	 md[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(md, data, len);
	sodium_bin2hex(hex, SHA256_HEX_LEN + 1, md, sizeof md);
}

int
sha256_file(const char *path, char *hex)
{
	crypto_hash_sha256_state	 s;
	unsigned char			 md[crypto_hash_sha256_BYTES];
	unsigned char			 b[65536];
	ssize_t				 n;
	int				 fd, e;

	hex[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	crypto_hash_sha256_init(&s);
	while ((n = read(fd, b, sizeof b)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			crypto_hash_sha256_update(&s, b,
			    (unsigned long long)n);
	e = n < 0 ? errno : 0;
	close(fd);
	if (e != 0)
		return e;
	crypto_hash_sha256_final(&s, md);
	sodium_bin2hex(hex, SHA256_HEX_LEN + 1, md, sizeof md);
	return 0;
}
