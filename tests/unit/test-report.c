/*
 * Unit tests for the reports (report.c and its writers): format names,
 * redaction, and the four formats of a fixture run (tests/data/journal)
 * with a secret and a small --max-output: no secret comes out, outputs
 * are cut at a line start and said to be, and the HTML holds nothing
 * that reaches outside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "report.h"

#define FIXTURE	"tests/data/journal/playbook"

static const char *const secrets[] = { "S3cr3t-Pa55", "tok-Beta-2", "ab" };

static void
test_formats(void **state)
{
	enum report_format	 f;

	(void)state;
	assert_int_equal(report_format_parse("junit", &f), 0);
	assert_int_equal(f, REPORT_JUNIT);
	assert_int_equal(report_format_parse("xml", &f), -1);
	assert_string_equal(report_format_name(REPORT_HTML), "html");
}

static void
test_redact(void **state)
{
	struct report_opts	 o;
	struct buf		 b = BUF_INIT;
	const char		*s = "x S3cr3t-Pa55S3cr3t-Pa55 ab tok-Beta-2.";

	(void)state;
	memset(&o, 0, sizeof(o));
	o.secrets = secrets;
	o.nsecrets = 3;
	assert_int_equal(report_redact(&o, s, strlen(s), &b), 0);
	/* Two characters are too short to be a secret. */
	assert_string_equal(buf_str(&b), "x **************** ab ********.");
	buf_reset(&b);
	assert_int_equal(report_redact(NULL, "plain", 5, &b), 0);
	assert_string_equal(buf_str(&b), "plain");
	buf_release(&b);
	buf_init(&b, 10, 0);
	assert_int_equal(report_redact(&o, s, strlen(s), &b), LB_ERR_LIMIT);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void
render(const struct jrun *run, enum report_format f, size_t max_output,
    struct buf *b)
{
	struct report_opts	 o;

	memset(&o, 0, sizeof(o));
	o.secrets = secrets;
	o.nsecrets = 3;
	o.max_output = max_output;
	buf_reset(b);
	assert_int_equal(report_render(run, FIXTURE, f, &o, b), 0);
	assert_null(strstr(buf_str(b), "S3cr3t-Pa55"));
	assert_null(strstr(buf_str(b), "tok-Beta-2"));
}

static void
test_render(void **state)
{
	struct journal_error	 je;
	struct jrun		 run;
	struct buf		 b = BUF_INIT;

	(void)state;
	assert_int_equal(journal_load(FIXTURE, &run, &je), 0);
	render(&run, REPORT_TEXT, 0, &b);
	assert_non_null(strstr(buf_str(&b), "\nFAILURES (2)\n"));
	assert_non_null(strstr(buf_str(&b), "^[[31mred"));
	render(&run, REPORT_TEXT, 70, &b);
	assert_non_null(strstr(buf_str(&b), "stderr (162 bytes; the last 1 "
	    "line):\n  | rm: cannot remove"));
	render(&run, REPORT_JSON, 70, &b);
	assert_non_null(strstr(buf_str(&b), "\"truncated\":true"));
	assert_non_null(strstr(buf_str(&b), "\"text\":\"rm: cannot remove "
	    "'/opt/driver/bad.sys': Permission denied\\n\""));
	render(&run, REPORT_JUNIT, 0, &b);
	assert_null(strchr(buf_str(&b), '\x1b'));
	assert_null(strchr(buf_str(&b), '\x01'));
	render(&run, REPORT_HTML, 0, &b);
	assert_null(strstr(buf_str(&b), "//"));
	assert_null(strstr(buf_str(&b), "http:"));
	assert_null(strstr(buf_str(&b), "<script"));
	assert_non_null(strstr(buf_str(&b), "&lt;script&gt;"));
	assert_int_equal(report_render(&run, FIXTURE, (enum report_format)9,
	    NULL, &b), LB_ERR_INVALID);
	buf_release(&b);
	buf_init(&b, 100, 0);
	assert_int_equal(report_render(&run, FIXTURE, REPORT_HTML, NULL, &b),
	    LB_ERR_LIMIT);
	buf_release(&b);
	journal_run_release(&run);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
