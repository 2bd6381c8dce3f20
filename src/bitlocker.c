/*
 * Key IDs and recovery passwords (see bitlocker.h).
 */
#include <ctype.h>
#include <string.h>

#include <sodium.h>

#include "bitlocker.h"

int
bl_keyid_hex(const char *s, char *hex)
{
	size_t	 n = 0;
	int	 brace = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '{') {
		brace = 1;
		s++;
	}
	for (; *s != '\0'; s++) {
		if (*s == '-')
			continue;
		if (*s == '}' || *s == ' ' || *s == '\t')
			break;
		if (!isxdigit((unsigned char)*s) || n == BL_KEYID_HEX)
			goto bad;
		hex[n++] = (char)toupper((unsigned char)*s);
	}
	if (*s == '}') {
		if (!brace)
			goto bad;
		s++;
		brace = 0;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	if (brace || *s != '\0' || n < BL_KEYID_MIN)
		goto bad;
	hex[n] = '\0';
	return (int)n;
bad:
	hex[0] = '\0';
	return -1;
}

static void
keyid_dash(const char *hex, char *out)
{
	static const int	 cut[] = { 8, 12, 16, 20 };
	size_t			 i, o = 0, c = 0;

	for (i = 0; i < BL_KEYID_HEX; i++) {
		if (c < 4 && (int)i == cut[c]) {
			out[o++] = '-';
			c++;
		}
		out[o++] = hex[i];
	}
	out[o] = '\0';
}

int
bl_keyid_canon(const char *s, char *out)
{
	char	 hex[BL_KEYID_HEX + 1];

	out[0] = '\0';
	if (bl_keyid_hex(s, hex) != BL_KEYID_HEX)
		return -1;
	keyid_dash(hex, out);
	return 0;
}

void
bl_keyid_from_guid_bytes(const unsigned char b[16], char *out)
{
	static const char	 digits[] = "0123456789ABCDEF";
	/* Data1 (4 bytes), Data2 and Data3 (2 each) are little-endian;
	 * Data4 is 8 bytes in order. */
	static const int	 order[16] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	char			 hex[BL_KEYID_HEX + 1];
	size_t			 i;

	for (i = 0; i < 16; i++) {
		hex[2 * i] = digits[b[order[i]] >> 4];
		hex[2 * i + 1] = digits[b[order[i]] & 0xf];
	}
	hex[BL_KEYID_HEX] = '\0';
	keyid_dash(hex, out);
}

int
bl_password_canon(const char *s, char *out, const char **why)
{
	static const char *const	 notdiv[8] = {
		"group 1 is not divisible by 11",
		"group 2 is not divisible by 11",
		"group 3 is not divisible by 11",
		"group 4 is not divisible by 11",
		"group 5 is not divisible by 11",
		"group 6 is not divisible by 11",
		"group 7 is not divisible by 11",
		"group 8 is not divisible by 11",
	};
	static const char *const	 big[8] = {
		"group 1 is above 720885", "group 2 is above 720885",
		"group 3 is above 720885", "group 4 is above 720885",
		"group 5 is above 720885", "group 6 is above 720885",
		"group 7 is above 720885", "group 8 is above 720885",
	};
	char		 sep = 0;
	size_t		 g, d, o = 0;
	unsigned long	 v;

	*why = NULL;
	out[0] = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	for (g = 0; g < 8; g++) {
		if (g > 0) {
			if (*s == '-' || *s == ' ') {
				if (sep == 0 && g == 1)
					sep = *s;
				if (*s != sep)
					goto shape;
				s++;
			} else if (g == 1)
				sep = 'n';
			else if (sep != 'n')
				goto shape;
			out[o++] = '-';
		}
		v = 0;
		for (d = 0; d < 6; d++, s++) {
			if (*s < '0' || *s > '9')
				goto shape;
			v = v * 10 + (unsigned long)(*s - '0');
			out[o++] = *s;
		}
		if (v % 11 != 0) {
			*why = notdiv[g];
			goto bad;
		}
		if (v > 720885) {
			*why = big[g];
			goto bad;
		}
	}
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s != '\0')
		goto shape;
	out[o] = '\0';
	return 0;
shape:
	*why = "not 8 groups of 6 digits";
bad:
	/* out may hold digits already: leave nothing of them behind. */
	sodium_memzero(out, BL_PASSWORD_LEN + 1);
	return -1;
}

bool
bl_password_valid(const char *s)
{
	char		 out[BL_PASSWORD_LEN + 1];
	const char	*why;
	int		 r;

	r = bl_password_canon(s, out, &why);
	sodium_memzero(out, sizeof out);
	return r == 0;
}
