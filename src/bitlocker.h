/*
 * BitLocker's two identifiers, in the forms people and tools see them.
 *
 * A key protector ID is a GUID.  Recovery screens show it whole
 * ("1A2B3C4D-5E6F-..."), or only its first 8 hex digits on older
 * builds; AD writes it in braces, Graph in lower case without.  The
 * canonical form here is upper case with dashes and no braces, 36 bytes.
 *
 * A recovery password is 48 digits in 8 groups of 6.  Each group is one
 * 16-bit piece of the key times 11, so a group must divide by 11 and be
 * at most 720885 (65535 * 11); that catches almost every typo and every
 * field read from the wrong column.  The canonical form has dashes
 * between the groups, 55 bytes.
 */
#ifndef LIFEBOAT_BITLOCKER_H
#define LIFEBOAT_BITLOCKER_H

#include <stdbool.h>
#include <stddef.h>

#define BL_KEYID_LEN	36	/* canonical key ID, without the NUL */
#define BL_KEYID_HEX	32	/* hex digits in a key ID */
#define BL_KEYID_MIN	8	/* the fewest digits a look-up takes */
#define BL_PASSWORD_LEN	55	/* canonical recovery password */

/*
 * Reads a key ID written any way a person or a tool writes one: braces
 * or none, dashes or none (anywhere), any case, spaces around.  On
 * success writes its hex digits in upper case to hex (BL_KEYID_HEX + 1
 * bytes) and returns how many there are, BL_KEYID_MIN..BL_KEYID_HEX;
 * returns -1 for anything else (a non-hex character, too few or too
 * many digits, unbalanced braces).
 */
int	 bl_keyid_hex(const char *s, char *hex);

/*
 * A whole key ID in canonical form into out (BL_KEYID_LEN + 1 bytes).
 * Returns 0, or -1 when s is not a whole (32-digit) key ID.
 */
int	 bl_keyid_canon(const char *s, char *out);

/*
 * A key ID from the 16 bytes of a GUID as Windows stores it (the first
 * three fields little-endian: AD's msFVE-RecoveryGuid, a .NET
 * Guid.ToByteArray()), into canonical form (BL_KEYID_LEN + 1 bytes).
 */
void	 bl_keyid_from_guid_bytes(const unsigned char b[16], char *out);

/*
 * Reads a recovery password: 48 digits in 8 groups of 6, separated by
 * dashes or by single spaces (or not at all), spaces around.  Checks
 * each group (divisible by 11, at most 720885).  On success writes the
 * canonical form to out (BL_PASSWORD_LEN + 1 bytes) and returns 0; else
 * returns -1 and why points to a static reason ("group 3 is not
 * divisible by 11").  Never copies the input into why.
 */
int	 bl_password_canon(const char *s, char *out, const char **why);

/* Whether s is a recovery password in any form bl_password_canon()
 * takes. */
bool	 bl_password_valid(const char *s);

#endif
