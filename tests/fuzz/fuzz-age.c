/*
 * libFuzzer target for the age reader (src/age.c): any input is
 * decrypted with a fixed identity (the spec's, 32 bytes of 0x42) and a
 * fixed passphrase ("fuzz"), scrypt work capped at 2^12 so that a
 * header cannot make one run take seconds.  It must never crash, leak
 * or read out of bounds; an error must be one of the AGE_ERR_* codes,
 * with a message, and leave no output; a success must give plaintext
 * shorter than the input, NUL-terminated, that encrypts and decrypts
 * back to itself.  The seeds in corpus/age are files for that identity
 * and passphrase and damaged ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	unsigned char		 sk[1][AGE_KEY_LEN], pk[1][AGE_KEY_LEN];
	struct age_dkeys	 dk = { "fuzz", NULL, 1, 12 };
	struct age_ekeys	 ek = { NULL, 0, NULL, 1 };
	unsigned char		*pt, *ct, *back;
	size_t			 ptlen, ctlen, backlen;
	int			 r;

	memset(sk[0], 0x42, AGE_KEY_LEN);
	dk.identities = (const unsigned char (*)[AGE_KEY_LEN])sk;
	r = age_decrypt(data, len, &dk, &pt, &ptlen);
	if (r != 0) {
		if (pt != NULL || ptlen != 0 || r < AGE_ERR_NOT_AGE ||
		    r > AGE_ERR_NOMEM ||
		    strcmp(age_strerror(r), "unknown age error") == 0)
			abort();
		return 0;
	}
	if (pt == NULL || ptlen >= len || pt[ptlen] != '\0')
		abort();
	/* What opened must close and open again the same. */
	age_identity_public(sk[0], pk[0]);
	ek.recipients = (const unsigned char (*)[AGE_KEY_LEN])pk;
	if (age_encrypt(pt, ptlen, &ek, &ct, &ctlen) != 0 ||
	    age_decrypt(ct, ctlen, &dk, &back, &backlen) != 0 ||
	    backlen != ptlen || memcmp(back, pt, ptlen) != 0)
		abort();
	age_plaintext_free(back);
	free(ct);
	age_plaintext_free(pt);
	return 0;
}
