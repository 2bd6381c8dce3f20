/*
 * Unit tests for key IDs and recovery passwords (src/bitlocker.c): every
 * way people and tools write a key ID, the Windows byte order of a
 * GUID, and the recovery-password rule checked against an independent
 * statement of it (each 6-digit group is a 16-bit number times 11) over
 * every group value, plus the shapes that must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bitlocker.h"

static void
test_keyid_forms(void **state)
{
	static const char *const same[] = {
		"1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
		"{1A2B3C4D-5E6F-4A1B-8C2D-3E4F5A6B7C8D}",
		"1A2B3C4D5E6F4A1B8C2D3E4F5A6B7C8D",
		"  {1a2b3c4d5e6f4a1b-8c2d3e4f5a6b7c8d}  ",
		"1A2B-3C4D-5E6F-4A1B-8C2D-3E4F-5A6B-7C8D",
	};
	char	 hex[BL_KEYID_HEX + 1], canon[BL_KEYID_LEN + 1];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof same / sizeof *same; i++) {
		assert_int_equal(bl_keyid_hex(same[i], hex), 32);
		assert_string_equal(hex, "1A2B3C4D5E6F4A1B8C2D3E4F5A6B7C8D");
		assert_int_equal(bl_keyid_canon(same[i], canon), 0);
		assert_string_equal(canon,
		    "1A2B3C4D-5E6F-4A1B-8C2D-3E4F5A6B7C8D");
	}
	/* The screen's first 8 digits, and anything up to the whole. */
	assert_int_equal(bl_keyid_hex("1a2b3c4d", hex), 8);
	assert_string_equal(hex, "1A2B3C4D");
	assert_int_equal(bl_keyid_hex("{1A2B3C4D-5E}", hex), 10);
	assert_int_equal(bl_keyid_canon("1a2b3c4d", canon), -1);
	assert_string_equal(canon, "");
}

static void
test_keyid_refused(void **state)
{
	static const char *const bad[] = {
		"", "1a2b3c4", "{1A2B3C4D", "1A2B3C4D}", "1A2B3C4G",
		"1A2B3C4D-5E6F-4A1B-8C2D-3E4F5A6B7C8D0",
		"{{1A2B3C4D}}", "1A2B 3C4D", "0x1A2B3C4D", "1A2B3C4D}x",
	};
	char	 hex[BL_KEYID_HEX + 1];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (bl_keyid_hex(bad[i], hex) != -1)
			fail_msg("'%s' was taken as a key ID", bad[i]);
		assert_string_equal(hex, "");
	}
}

static void
test_guid_bytes(void **state)
{
	/* {063EA4E1-220C-4293-BA01-4754620A96E7} as Windows stores it:
	 * Data1, Data2 and Data3 little-endian, Data4 as it is. */
	static const unsigned char b[16] = {
		0xE1, 0xA4, 0x3E, 0x06, 0x0C, 0x22, 0x93, 0x42,
		0xBA, 0x01, 0x47, 0x54, 0x62, 0x0A, 0x96, 0xE7,
	};
	char	 out[BL_KEYID_LEN + 1];

	(void)state;
	bl_keyid_from_guid_bytes(b, out);
	assert_string_equal(out, "063EA4E1-220C-4293-BA01-4754620A96E7");
}

/* Every group value agrees with "a 16-bit number times 11". */
static void
test_password_groups(void **state)
{
	char		 pw[64], out[BL_PASSWORD_LEN + 1];
	const char	*why;
	unsigned long	 v;
	int		 want, got;

	(void)state;
	for (v = 0; v <= 999999; v++) {
		snprintf(pw, sizeof pw, "%06lu-000000-000000-000000-000000-"
		    "000000-000000-%06lu", v, v % 11 == 0 && v / 11 <= 65535 ?
		    v : 0UL);
		want = v % 11 == 0 && v / 11 <= 65535 ? 0 : -1;
		got = bl_password_canon(pw, out, &why);
		if (got != want)
			fail_msg("group %06lu: got %d, want %d", v, got, want);
		if (got == -1) {
			assert_non_null(why);
			assert_null(strstr(why, pw));
			assert_string_equal(out, "");
		}
	}
}

static void
test_password_forms(void **state)
{
	static const char canon[] =
	    "357005-573683-563662-715858-116171-239855-647625-579084";
	static const char *const same[] = {
		"357005-573683-563662-715858-116171-239855-647625-579084",
		"357005 573683 563662 715858 116171 239855 647625 579084",
		"357005573683563662715858116171239855647625579084",
		"  357005-573683-563662-715858-116171-239855-647625-579084\r\n",
	};
	static const char *const bad[] = {
		"",
		"357005-573683-563662-715858-116171-239855-647625",
		"357005-573683-563662-715858-116171-239855-647625-579084"
		    "-000000",
		"357005-573683 563662-715858-116171-239855-647625-579084",
		"357005--573683-563662-715858-116171-239855-647625-579084",
		"357005-573683-563662-715858-116171-239855-647625-57908",
		"357005-573683-563662-715858-116171-239855-647625-5790840",
		"357005-573683-563662-715858-116171-239855-647625-57908a",
		"357006-573683-563662-715858-116171-239855-647625-579084",
		"720896-573683-563662-715858-116171-239855-647625-579084",
		"357005-573683-563662-715858-116171-239855-647625-579084 x",
	};
	char		 out[BL_PASSWORD_LEN + 1];
	const char	*why;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof same / sizeof *same; i++) {
		assert_int_equal(bl_password_canon(same[i], out, &why), 0);
		assert_string_equal(out, canon);
		assert_true(bl_password_valid(same[i]));
	}
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (bl_password_canon(bad[i], out, &why) != -1)
			fail_msg("'%s' was taken", bad[i]);
		assert_false(bl_password_valid(bad[i]));
	}
	assert_int_equal(bl_password_canon(bad[8], out, &why), -1);
	assert_string_equal(why, "group 1 is not divisible by 11");
	assert_int_equal(bl_password_canon(bad[9], out, &why), -1);
	assert_string_equal(why, "group 1 is above 720885");
	assert_int_equal(bl_password_canon(bad[1], out, &why), -1);
	assert_string_equal(why, "not 8 groups of 6 digits");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyid_forms),
		cmocka_unit_test(test_keyid_refused),
		cmocka_unit_test(test_guid_bytes),
		cmocka_unit_test(test_password_groups),
		cmocka_unit_test(test_password_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
