/*
 * Unit tests for the two public helpers of the WinRM transport
 * (src/transport-winrm.h): winrm_ps_command(), which turns a UTF-8 script
 * into "powershell ... -EncodedCommand <base64 of UTF-16LE>", and
 * winrm_clixml_decode(), which turns PowerShell's CLIXML error stream
 * into text.
 *
 * The expected base64 strings were computed outside lifeboat, with
 * "printf ... | iconv -f UTF-8 -t UTF-16LE | base64 -w0", and the short
 * ones checked by hand.  The CLIXML inputs have the shape of what
 * PowerShell 5.1 writes on stderr over WinRS: "#< CLIXML" and CRLF, then
 * one or more <Objs> documents holding progress records and S="Error",
 * "warning" or "verbose" strings with _xHHHH_ escapes.
 *
 * Every input is copied into a buffer of its exact size first, so that
 * AddressSanitizer (make check) sees any read past its end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "errors.h"
#include "transport-winrm.h"
#include "xmalloc.h"

#define PS	"powershell -NoProfile -NonInteractive -EncodedCommand "
#define PS_LEN	(sizeof(PS) - 1)

#define HDR	"#< CLIXML\r\n"
#define OBJS	"<Objs Version=\"1.1.0.1\" " \
		"xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">"
#define END	"</Objs>"
#define ERR(s)	"<S S=\"Error\">" s "</S>"

/* A string literal and its length, embedded NULs included. */
#define LIT(s)	s, sizeof(s) - 1

/* What out held before each call that must leave it alone. */
#define KEEP	"keep: "

struct bytes {
	const char	*name;
	const char	*s;
	size_t		 len;
};

struct pair {
	const char	*in;
	const char	*want;
};

/* True when b holds exactly the n bytes of s, followed by a NUL. */
static void
assert_buf(const struct buf *b, const char *s, size_t n)
{
	assert_int_equal(b->len, n);
	if (n == 0 && b->data == NULL)
		return;
	assert_non_null(b->data);
	assert_memory_equal(b->data, s, n);
	assert_int_equal(b->data[n], '\0');
}

/*
 * True when b holds KEEP and nothing else.  Checks free b before they
 * fail, so that a failure leaks nothing under LeakSanitizer.
 */
static bool
is_kept(const struct buf *b)
{
	return b->len == strlen(KEEP) && memcmp(b->data, KEEP, b->len) == 0 &&
	    b->data[b->len] == '\0';
}

/* Calls winrm_ps_command() on a copy of s that has no byte to spare. */
static int
ps(struct buf *out, const char *s, size_t len)
{
	char	*copy;
	int	 r;

	copy = xmalloc(len ? len : 1);
	memcpy(copy, s, len);
	r = winrm_ps_command(out, copy, len);
	free(copy);
	return r;
}

/* Same for winrm_clixml_decode(). */
static int
decode(struct buf *out, const char *s, size_t len)
{
	char	*copy;
	int	 r;

	copy = xmalloc(len ? len : 1);
	memcpy(copy, s, len);
	r = winrm_clixml_decode(out, copy, len);
	free(copy);
	return r;
}

/* The script must give PS followed by exactly b64. */
static void
check_ps(const char *script, size_t len, const char *b64)
{
	struct buf	 b = BUF_INIT;
	char		*want;

	xasprintf(&want, "%s%s", PS, b64);
	if (ps(&b, script, len) != 0)
		fail_msg("'%s': not accepted", b64);
	assert_buf(&b, want, strlen(want));
	free(want);
	buf_release(&b);
}

/* The script must be refused as invalid, out left as it was. */
static void
check_ps_invalid(const struct bytes *t)
{
	struct buf	 b = BUF_INIT;
	int		 r;
	bool		 kept;

	buf_adds(&b, KEEP);
	r = ps(&b, t->s, t->len);
	kept = is_kept(&b);
	buf_release(&b);
	if (r != LB_ERR_INVALID)
		fail_msg("%s: returned %d, not LB_ERR_INVALID", t->name, r);
	if (!kept)
		fail_msg("%s: out changed", t->name);
}

/* data must decode to exactly want (after KEEP, which must stay). */
static void
check_decode(const char *data, size_t len, const char *want, size_t n)
{
	struct buf	 b = BUF_INIT;
	size_t		 k = strlen(KEEP);
	int		 r;

	buf_adds(&b, KEEP);
	if ((r = decode(&b, data, len)) != 0)
		fail_msg("returned %d for '%.*s'", r, (int)len, data);
	if (b.len != k + n || memcmp(b.data + k, want, n) != 0)
		print_message("# input: %.*s\n# got: %s\n", (int)len, data,
		    buf_str(&b) + k);
	assert_int_equal(b.len, k + n);
	assert_memory_equal(b.data, KEEP, k);
	assert_memory_equal(b.data + k, want, n);
	assert_int_equal(b.data[b.len], '\0');
	buf_release(&b);
}

/* One S="Error" string holding text must decode to want. */
static void
check_escape(const char *text, const char *want)
{
	struct buf	 in = BUF_INIT;

	buf_addf(&in, HDR OBJS ERR("%s") END, text);
	check_decode(in.data, in.len, want, strlen(want));
	buf_release(&in);
}

/* data must be refused with LB_ERR_FORMAT, out left as it was. */
static void
check_format(const char *name, const char *data, size_t len)
{
	struct buf	 b = BUF_INIT;
	int		 r;
	bool		 kept;

	buf_adds(&b, KEEP);
	r = decode(&b, data, len);
	kept = is_kept(&b);
	buf_release(&b);
	if (r != LB_ERR_FORMAT)
		fail_msg("%s: returned %d, not LB_ERR_FORMAT", name, r);
	if (!kept)
		fail_msg("%s: out changed", name);
}

/*
 * winrm_ps_command
 */

static void
test_ps_ascii(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	check_ps(LIT("Get-Date"), "RwBlAHQALQBEAGEAdABlAA==");
	/* One, two and three UTF-16 units: every base64 tail. */
	check_ps(LIT("a"), "YQA=");
	check_ps(LIT("ab"), "YQBiAA==");
	check_ps(LIT("abc"), "YQBiAGMA");

	/* It appends: what out held stays in front. */
	buf_adds(&b, "cmd /c ");
	assert_int_equal(winrm_ps_command(&b, "a", 1), 0);
	assert_string_equal(buf_str(&b), "cmd /c " PS "YQA=");
	assert_int_equal(winrm_ps_command(&b, "ab", 2), 0);
	assert_string_equal(buf_str(&b), "cmd /c " PS "YQA=" PS "YQBiAA==");
	buf_release(&b);
}

static void
test_ps_quotes(void **state)
{
	(void)state;
	/* Quotes of both kinds, CRLF and LF: base64 leaves nothing to
	 * quote. */
	check_ps(LIT("Write-Output \"it's\"; $x = 'a\"b'\r\nexit 3\n"),
	    "VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIAAiAGkAdAAnAHMAIgA7ACAAJAB4AC"
	    "AAPQAgACcAYQAiAGIAJwANAAoAZQB4AGkAdAAgADMACgA=");
	/* What cmd.exe and PowerShell would otherwise interpret. */
	check_ps(LIT("Get-Process | ? { $_.CPU -gt 10 } # `n & echo %PATH% "
	    "> $null"),
	    "RwBlAHQALQBQAHIAbwBjAGUAcwBzACAAfAAgAD8AIAB7ACAAJABfAC4AQwBQAF"
	    "UAIAAtAGcAdAAgADEAMAAgAH0AIAAjACAAYABuACAAJgAgAGUAYwBoAG8AIAAl"
	    "AFAAQQBUAEgAJQAgAD4AIAAkAG4AdQBsAGwA");
	/* U+0000 is valid UTF-8; len, not a NUL, ends the script. */
	check_ps(LIT("a\0b"), "YQAAAGIA");
}

static void
test_ps_multibyte(void **state)
{
	(void)state;
	/* "café Ω": two-byte sequences (U+00E9, U+03A9). */
	check_ps(LIT("caf\xc3\xa9 \xce\xa9"), "YwBhAGYA6QAgAKkD");
	/* "€ 日本": three-byte sequences (U+20AC, U+65E5, U+672C). */
	check_ps(LIT("\xe2\x82\xac \xe6\x97\xa5\xe6\x9c\xac"),
	    "rCAgAOVlLGc=");
	/* U+FFFD and U+FFFF, the last three-byte ones. */
	check_ps(LIT("\xef\xbf\xbd\xef\xbf\xbf"), "/f///w==");
	/* U+0080 and U+07FF, U+0800: the edges between lengths. */
	check_ps(LIT("\xc2\x80\xdf\xbf\xe0\xa0\x80"), "gAD/BwAI");
}

static void
test_ps_astral(void **state)
{
	(void)state;
	/* U+1F600 is the surrogate pair D83D DE00. */
	check_ps(LIT("\xf0\x9f\x98\x80"), "PdgA3g==");
	/* U+10000 (D800 DC00) and U+10FFFF (DBFF DFFF), the two ends. */
	check_ps(LIT("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"), "ANgA3P/b/98=");
	/* One, four, three and two bytes in a row: "x😀€é". */
	check_ps(LIT("x\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9"),
	    "eAA92ADerCDpAA==");
}

static void
test_ps_empty(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	/* Nothing to encode: the command with an empty argument. */
	check_ps("", 0, "");
	buf_adds(&b, KEEP);
	assert_int_equal(winrm_ps_command(&b, "ignored", 0), 0);
	assert_string_equal(buf_str(&b), KEEP PS);
	buf_release(&b);
}

static void
test_ps_invalid(void **state)
{
	static const struct bytes tests[] = {
		{ "lone continuation", LIT("\x80") },
		{ "continuation after ascii", LIT("ab\xbf" "c") },
		{ "byte fe", LIT("\xfe") },
		{ "byte ff", LIT("a\xff") },
		{ "five-byte form", LIT("\xf8\x88\x80\x80\x80") },
		{ "six-byte form", LIT("\xfc\x84\x80\x80\x80\x80") },
		{ "truncated 2 at end", LIT("ok\xc3") },
		{ "truncated 3 at end", LIT("ok\xe2\x82") },
		{ "truncated 4 at end", LIT("ok\xf0\x9f\x98") },
		{ "lead byte at end", LIT("\xf0") },
		{ "truncated 2 then ascii", LIT("\xc3" "A") },
		{ "truncated 3 then ascii", LIT("\xe2\x82" "A") },
		{ "truncated 4 then 4", LIT("\xf0\x9f\x98\xf0\x9f\x98\x80") },
		{ "truncated then nul", LIT("\xc3\0") },
		{ "lead as continuation", LIT("\xc3\xc3") },
		{ "lead as third byte", LIT("\xe2\x82\xc2") },
		{ "surrogate d800", LIT("\xed\xa0\x80") },
		{ "surrogate dbff", LIT("\xed\xaf\xbf") },
		{ "surrogate dc00", LIT("\xed\xb0\x80") },
		{ "surrogate dfff", LIT("x\xed\xbf\xbf") },
		{ "cesu-8 pair", LIT("\xed\xa0\xbd\xed\xb8\x80") },
		{ "u+110000", LIT("\xf4\x90\x80\x80") },
		{ "f5 lead", LIT("\xf5\x80\x80\x80") },
		{ "f7 lead", LIT("\xf7\xbf\xbf\xbf") },
		{ "bad after good", LIT("Get-Date; \xc3\xa9\xe2\x82\xac\x80") },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_ps_invalid(&tests[i]);
}

static void
test_ps_limit(void **state)
{
	struct buf	 b;

	(void)state;
	/* Room for the command and 24 base64 characters exactly. */
	buf_init(&b, PS_LEN + 24, 0);
	assert_int_equal(winrm_ps_command(&b, "Get-Date", 8), 0);
	assert_string_equal(buf_str(&b), PS "RwBlAHQALQBEAGEAdABlAA==");
	buf_release(&b);

	/* One byte less (what out holds then: test_ps_limit_unchanged). */
	buf_init(&b, PS_LEN + 23, 0);
	assert_int_equal(winrm_ps_command(&b, "Get-Date", 8), LB_ERR_LIMIT);
	buf_release(&b);
	/* Not even the command fits. */
	buf_init(&b, PS_LEN - 1, 0);
	assert_int_equal(winrm_ps_command(&b, "a", 1), LB_ERR_LIMIT);
	assert_buf(&b, "", 0);
	buf_release(&b);

	/* Invalid UTF-8 is found before any limit. */
	buf_init(&b, 4, 0);
	assert_int_equal(winrm_ps_command(&b, "\xc3", 1), LB_ERR_INVALID);
	buf_release(&b);
}

/*
 * Overlong forms are refused: "\xc0\xaf" is an overlong "/", the way
 * overlongs smuggle characters past checks made on the UTF-8.
 */
static void
test_ps_overlong(void **state)
{
	static const struct bytes tests[] = {
		{ "overlong nul c0 80", LIT("\xc0\x80") },
		{ "overlong slash c0 af", LIT("\xc0\xaf") },
		{ "overlong c1 bf", LIT("\xc1\xbf") },
		{ "overlong nul e0 80 80", LIT("\xe0\x80\x80") },
		{ "overlong u+07ff", LIT("\xe0\x9f\xbf") },
		{ "overlong nul f0 80 80 80", LIT("\xf0\x80\x80\x80") },
		{ "overlong u+ffff", LIT("\xf0\x8f\xbf\xbf") },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_ps_invalid(&tests[i]);
}

/*
 * On LB_ERR_LIMIT out is as it was: no truncated command line ("...
 * -EncodedCommand RwBl") that would still run.
 */
static void
test_ps_limit_unchanged(void **state)
{
	struct buf	 b;
	size_t		 n;
	int		 r;

	(void)state;
	buf_init(&b, PS_LEN + 23, 0);
	r = winrm_ps_command(&b, "Get-Date", 8);
	n = b.len;
	buf_release(&b);
	assert_int_equal(r, LB_ERR_LIMIT);
	assert_int_equal(n, 0);
}

/*
 * winrm_clixml_decode
 */

static void
test_clixml_write_error(void **state)
{
	/* Write-Error "disk full" from a script, as PowerShell 5.1 sends
	 * it. */
	static const char in[] = HDR OBJS
	    ERR("Write-Error \"disk full\" : disk full_x000D__x000A_")
	    ERR("    + CategoryInfo          : NotSpecified: (:) "
		"[Write-Error], WriteErrorException_x000D__x000A_")
	    ERR("    + FullyQualifiedErrorId : Microsoft.PowerShell."
		"Commands.WriteErrorException_x000D__x000A_")
	    ERR(" _x000D__x000A_")
	    END;
	static const char want[] =
	    "Write-Error \"disk full\" : disk full\n"
	    "    + CategoryInfo          : NotSpecified: (:) [Write-Error], "
	    "WriteErrorException\n"
	    "    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands."
	    "WriteErrorException\n"
	    " \n";

	(void)state;
	check_decode(LIT(in), LIT(want));
}

/* The progress record PowerShell sends while it loads modules. */
#define PROGRESS \
	"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\">" \
	"<T>System.Management.Automation.PSCustomObject</T>" \
	"<T>System.Object</T></TN><MS><I64 N=\"SourceId\">1</I64>" \
	"<PR N=\"Record\"><AV>Preparing modules for first use.</AV>" \
	"<AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T>" \
	"<SR>-1</SR><SD> </SD></PR></MS></Obj>"

static void
test_clixml_get_item(void **state)
{
	/* A failed Get-Item after the module progress record. */
	static const char in[] = HDR OBJS PROGRESS
	    ERR("Get-Item : Cannot find path 'C:\\nope' because it does not "
		"exist._x000D__x000A_")
	    ERR("At line:1 char:1_x000D__x000A_")
	    ERR("+ Get-Item C:\\nope_x000D__x000A_")
	    ERR("+ ~~~~~~~~~~~~~~~~_x000D__x000A_")
	    ERR("    + CategoryInfo          : ObjectNotFound: (C:\\nope:"
		"String) [Get-Item], ItemNotFoundException_x000D__x000A_")
	    ERR("    + FullyQualifiedErrorId : PathNotFound,Microsoft."
		"PowerShell.Commands.GetItemCommand_x000D__x000A_")
	    END;
	static const char want[] =
	    "Get-Item : Cannot find path 'C:\\nope' because it does not "
	    "exist.\n"
	    "At line:1 char:1\n"
	    "+ Get-Item C:\\nope\n"
	    "+ ~~~~~~~~~~~~~~~~\n"
	    "    + CategoryInfo          : ObjectNotFound: (C:\\nope:String) "
	    "[Get-Item], ItemNotFoundException\n"
	    "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell."
	    "Commands.GetItemCommand\n";

	(void)state;
	check_decode(LIT(in), LIT(want));
}

static void
test_clixml_documents(void **state)
{
	/*
	 * Three documents, CRLF between them and a second header before
	 * one: progress only, then errors mixed with the other streams.
	 */
	static const char in[] = HDR OBJS PROGRESS END "\r\n"
	    HDR OBJS ERR("first_x000D__x000A_") END "\r\n"
	    OBJS "<S S=\"warning\">careful_x000D__x000A_</S>"
	    ERR("second_x000D__x000A_")
	    "<S S=\"verbose\">chatty</S><S S=\"debug\">dbg</S>"
	    "<S S=\"information\">info</S><S>no stream</S>"
	    "<S S=\"error\">lower case is not Error</S>"
	    ERR("third") END "\r\n";

	(void)state;
	check_decode(LIT(in), LIT("first\nsecond\nthird"));
}

static void
test_clixml_no_errors(void **state)
{
	/* Only progress, warnings and verbose text: nothing to show, and
	 * yet it is CLIXML. */
	static const char progress[] = HDR OBJS PROGRESS END;
	static const char streams[] = HDR OBJS
	    "<S S=\"warning\">w</S><S S=\"verbose\">v</S>" END;
	static const char empty[] = HDR OBJS END;
	static const char empty_error[] = HDR OBJS "<S S=\"Error\" />" END;

	(void)state;
	check_decode(LIT(progress), "", 0);
	check_decode(LIT(streams), "", 0);
	check_decode(LIT(empty), "", 0);
	check_decode(LIT(empty_error), "", 0);
}

static void
test_clixml_escapes(void **state)
{
	static const struct pair tests[] = {
		{ "a_x000D__x000A_b", "a\nb" },
		{ "a_x000A_b", "a\nb" },
		{ "a_x0009_b", "a\tb" },
		{ "_x0041__x0042_", "AB" },
		{ "_x00e9__x00E9_", "\xc3\xa9\xc3\xa9" },
		{ "_x20AC_", "\xe2\x82\xac" },
		/* U+1F600 as two escapes, in both cases of hex. */
		{ "_xD83D__xDE00_", "\xf0\x9f\x98\x80" },
		{ "[_xd83d__xde00_]", "[\xf0\x9f\x98\x80]" },
		{ "_xDBFF__xDFFF_", "\xf4\x8f\xbf\xbf" },
		/* Lone and misordered surrogates become U+FFFD. */
		{ "a_xD800_b", "a\xef\xbf\xbd" "b" },
		{ "a_xDC00_b", "a\xef\xbf\xbd" "b" },
		{ "_xD83D_", "\xef\xbf\xbd" },
		{ "_xD83D__x0041_", "\xef\xbf\xbd" "A" },
		{ "_xDE00__xD83D_", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "_xD83D__xD83D__xDE00_", "\xef\xbf\xbd\xf0\x9f\x98\x80" },
		/* No control characters reach the terminal but LF, TAB. */
		{ "a_x001B_[2Jb", "a[2Jb" },
		{ "a_x009B_2Jb", "a2Jb" },
		{ "a_x0000_b_x007F_c_x0007_d", "abcd" },
		{ "a_x000D_b", "ab" },
		/* An escaped underscore protects a literal _xHHHH_. */
		{ "_x005F_x0041_", "_x0041_" },
		/* What is not an escape stays as it is. */
		{ "_x00_", "_x00_" },
		{ "_xZZZZ_", "_xZZZZ_" },
		{ "_x12G4_", "_x12G4_" },
		{ "_X0041_", "_X0041_" },
		{ "_x0041", "_x0041" },
		{ "_x00410_", "_x00410_" },
		{ "end_x", "end_x" },
		{ "end_", "end_" },
		{ "_", "_" },
		{ "__x0041__", "_A_" },
		{ "_x_x0041_", "_xA" },
		{ "x0041_", "x0041_" },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_escape(tests[i].in, tests[i].want);
}

static void
test_clixml_xml(void **state)
{
	/* XML's own escapes come first, then the _xHHHH_ ones. */
	static const char refs[] = HDR OBJS
	    ERR("&lt;b&gt; &amp; &quot;&apos; &#65;&#x20AC;&#x1F600;") END;
	static const char underscore[] = HDR OBJS ERR("&#95;x0041_") END;
	/* A CR in text is gone after XML's line-end normalisation. */
	static const char crlf[] = HDR OBJS ERR("a\r\nb\rc") END;
	/* Other namespaces than PowerShell's are not its strings. */
	static const char nons[] = HDR
	    "<Objs Version=\"1.1.0.1\">" ERR("no namespace") END;
	static const char other[] = HDR OBJS
	    "<S xmlns=\"urn:other\" S=\"Error\">other</S>" ERR("ps") END;

	(void)state;
	check_decode(LIT(refs), LIT("<b> & \"' A\xe2\x82\xac\xf0\x9f\x98\x80"));
	check_decode(LIT(underscore), LIT("A"));
	check_decode(LIT(crlf), LIT("a\nb\nc"));
	check_decode(LIT(nons), "", 0);
	check_decode(LIT(other), LIT("ps"));
}

static void
test_clixml_not_clixml(void **state)
{
	static const struct bytes tests[] = {
		{ "empty", LIT("") },
		{ "short header", LIT("#< CLIXM") },
		{ "plain text", LIT("The term 'foo' is not recognized\r\n") },
		{ "lower case", LIT("#< clixml\r\n" OBJS ERR("x") END) },
		{ "leading space", LIT(" #< CLIXML\r\n" OBJS ERR("x") END) },
		{ "leading bom", LIT("\xef\xbb\xbf#< CLIXML\r\n" OBJS
		    ERR("x") END) },
		{ "bare objs", LIT(OBJS ERR("x") END) },
		{ "header only", LIT("#< CLIXML") },
		{ "header and crlf", LIT(HDR) },
		{ "header and text", LIT(HDR "not xml\r\n") },
		{ "nul in header", LIT("#<\0CLIXML\r\n" OBJS ERR("x") END) },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_format(tests[i].name, tests[i].s, tests[i].len);
}

static void
test_clixml_truncated(void **state)
{
	static const struct bytes tests[] = {
		{ "cut in tag", LIT(HDR "<Obj") },
		{ "cut after root", LIT(HDR OBJS) },
		{ "cut in text", LIT(HDR OBJS "<S S=\"Error\">disk fu") },
		{ "cut in end tag", LIT(HDR OBJS ERR("x") "</Obj") },
		{ "unclosed S", LIT(HDR OBJS "<S S=\"Error\">x" END) },
		{ "unclosed attr", LIT(HDR OBJS "<S S=\"Error>x</S>" END) },
		{ "bad entity", LIT(HDR OBJS ERR("a & b") END) },
		{ "nul in text", LIT(HDR OBJS ERR("a\0b") END) },
		{ "not utf-8", LIT(HDR OBJS ERR("caf\xe9") END) },
		{ "control char", LIT(HDR OBJS ERR("a\x1b[31m") END) },
		/* The first document decodes; the second must undo it. */
		{ "bad second", LIT(HDR OBJS ERR("first") END
		    OBJS "<S S=\"Error\">second" END) },
		{ "bad third", LIT(HDR OBJS ERR("1") END OBJS ERR("2") END
		    OBJS ERR("3") "</S>" END) },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_format(tests[i].name, tests[i].s, tests[i].len);
}

static void
test_clixml_doctype(void **state)
{
	/*
	 * A DTD is never expanded: an entity it declares is undefined in
	 * the document, which then does not parse.
	 */
	static const struct bytes tests[] = {
		{ "internal entity", LIT(HDR
		    "<!DOCTYPE Objs [<!ENTITY x \"EXPANDED\">]>"
		    OBJS ERR("&x;") END) },
		{ "external entity", LIT(HDR
		    "<!DOCTYPE Objs [<!ENTITY x SYSTEM "
		    "\"file:///etc/passwd\">]>" OBJS ERR("&x;") END) },
		{ "laughs", LIT(HDR "<?xml version=\"1.0\"?><!DOCTYPE Objs ["
		    "<!ENTITY a \"aaaaaaaaaa\">"
		    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
		    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		    "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
		    "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
		    "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">]>"
		    OBJS ERR("&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;") END) },
		{ "parameter entity", LIT(HDR "<!DOCTYPE Objs [<!ENTITY % p "
		    "SYSTEM \"http://127.0.0.1:9/x.dtd\"> %p;]>"
		    OBJS ERR("&x;") END) },
		{ "doctype in objs", LIT(HDR "<Objs><!DOCTYPE Objs "
		    "[<!ENTITY x \"EXPANDED\">]>" ERR("&x;") END) },
	};
	static const char unused[] = HDR
	    "<!DOCTYPE Objs [<!ENTITY x \"EXPANDED\">]>"
	    OBJS ERR("plain") END;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_format(tests[i].name, tests[i].s, tests[i].len);
	/* A DTD outside the documents is text between them. */
	check_decode(LIT(unused), LIT("plain"));
}

static void
test_clixml_limit(void **state)
{
	static const char in[] = HDR OBJS ERR("0123456789") END;
	struct buf	 b;

	(void)state;
	/* Room for exactly the text. */
	buf_init(&b, strlen(KEEP) + 10, 0);
	buf_adds(&b, KEEP);
	assert_int_equal(decode(&b, LIT(in)), 0);
	assert_string_equal(buf_str(&b), KEEP "0123456789");
	buf_release(&b);

	/* One byte less: the decoder fails and out is as it was. */
	buf_init(&b, strlen(KEEP) + 9, 0);
	buf_adds(&b, KEEP);
	assert_int_equal(decode(&b, LIT(in)), LB_ERR_FORMAT);
	assert_buf(&b, KEEP, strlen(KEEP));
	buf_release(&b);
}

static void
test_clixml_many(void **state)
{
	struct buf	 in = BUF_INIT, out = BUF_INIT;
	size_t		 i;

	(void)state;
	/* A long stream: one document per error, as a loop would write. */
	buf_adds(&in, HDR);
	for (i = 0; i < 2000; i++)
		buf_addf(&in, OBJS ERR("error %04zu_x000D__x000A_") END "\r\n",
		    i);
	assert_int_equal(decode(&out, in.data, in.len), 0);
	assert_int_equal(out.len, 2000 * 11);
	assert_memory_equal(out.data, "error 0000\nerror 0001\n", 22);
	assert_string_equal(out.data + 1999 * 11, "error 1999\n");
	buf_release(&in);
	buf_release(&out);
}

/*
 * a document cut short after complete ones is dropped without
 * a word and the call succeeds, so the caller shows "first" and loses
 * "second", where the header promises LB_ERR_FORMAT (and the raw bytes,
 * which the caller then prints, would have kept it).
 */
static void
test_clixml_truncated_tail(void **state)
{
	static const char in[] = HDR OBJS ERR("first") END "\r\n"
	    OBJS "<S S=\"Error\">second";

	(void)state;
	check_format("truncated tail", LIT(in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ps_ascii),
		cmocka_unit_test(test_ps_quotes),
		cmocka_unit_test(test_ps_multibyte),
		cmocka_unit_test(test_ps_astral),
		cmocka_unit_test(test_ps_empty),
		cmocka_unit_test(test_ps_invalid),
		cmocka_unit_test(test_ps_limit),
		cmocka_unit_test(test_clixml_write_error),
		cmocka_unit_test(test_clixml_get_item),
		cmocka_unit_test(test_clixml_documents),
		cmocka_unit_test(test_clixml_no_errors),
		cmocka_unit_test(test_clixml_escapes),
		cmocka_unit_test(test_clixml_xml),
		cmocka_unit_test(test_clixml_not_clixml),
		cmocka_unit_test(test_clixml_truncated),
		cmocka_unit_test(test_clixml_doctype),
		cmocka_unit_test(test_clixml_limit),
		cmocka_unit_test(test_clixml_many),
		cmocka_unit_test(test_ps_overlong),
		cmocka_unit_test(test_ps_limit_unchanged),
		cmocka_unit_test(test_clixml_truncated_tail),
	};

	return cmocka_run_group_tests_name("transport-winrm", tests, NULL,
	    NULL);
}
