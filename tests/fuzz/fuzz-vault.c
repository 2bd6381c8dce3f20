/*
 * libFuzzer target for the vault's JSON (vault_parse() in src/vault.c),
 * the plaintext of a vault file.  It must never crash or leak.  An
 * error must come with a one-line reason; a vault that parses must
 * hold canonical records (a 36-byte id, a 55-byte password), each
 * found again by its id and by its first 8 digits, and merging any of
 * its current records again must change nothing (VAULT_SAME).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "vault.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct vault_key	*k, *out[1];
	enum vault_put_result	 res;
	struct vault		*v;
	const char		*why2;
	char			 why[256], pre[9];
	size_t			 i, n;

	why[0] = '\0';
	if (vault_parse((const char *)data, len, &v, why, sizeof why) != 0) {
		if (v != NULL || why[0] == '\0' || strchr(why, '\n') != NULL)
			abort();
		return 0;
	}
	n = vault_count(v);
	for (i = 0; i < n; i++) {
		k = vault_get(v, i);
		if (strlen(k->id) != BL_KEYID_LEN ||
		    strlen(k->password) != BL_PASSWORD_LEN ||
		    k->host[0] == '\0' || k->source[0] == '\0')
			abort();
		if (vault_find(v, k->id, out, 1) != 1 || out[0] != k)
			abort();
		memcpy(pre, k->id, 8);
		pre[8] = '\0';
		if (vault_find(v, pre, out, 1) < 1)
			abort();
	}
	for (i = 0; i < vault_history_count(v); i++) {
		if (strlen(vault_history_get(v, i)->id) != BL_KEYID_LEN)
			abort();
	}
	for (i = 0; i < n; i++) {
		struct vault_key	 copy = *vault_get(v, i);

		if (vault_put(v, &copy, &res, &why2) != 0 ||
		    res != VAULT_SAME || vault_count(v) != n)
			abort();
	}
	vault_free(v);
	return 0;
}
