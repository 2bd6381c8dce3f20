/*
 * libFuzzer target for the reports: the input is a journal; when it
 * reads, it is rendered in the four formats, with a secret and a small
 * --max-output, against an outputs file made once (markup, control
 * characters, invalid UTF-8, a URL and the secret in it).  The HTML must
 * never hold "//", "http:" or "src=", the JUnit XML no character XML 1.0
 * forbids.  Any crash, leak or sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "journal.h"
#include "report.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/lifeboat-fuzz-report.XXXXXX";

/* What the corpus's journals point into (off, len, sha256 of parts). */
static const char outputs[] =
    "ok\n"
    "<script>alert(1)</script> & \"q\" 'a' ]]> http://127.0.0.1/x //\n"
    "\x1b[31mred\x1b[0m \x01\x02\x7f \xc2\x9b \xff\xfe caf\xc3\xa9\n"
    "password S3cr3t-Pa55 src=x HTTPS:y\r\n";

static void
cleanup(void)
{
	char	 path[128];

	snprintf(path, sizeof path, "%s/outputs", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 path[128];
	FILE	*fp;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof path, "%s/outputs", dir);
	if ((fp = fopen(path, "w")) == NULL ||
	    fwrite(outputs, 1, sizeof outputs - 1, fp) != sizeof outputs - 1 ||
	    fclose(fp) != 0)
		abort();
	atexit(cleanup);
	return 0;
}

static bool
has_nocase(const char *s, const char *w)
{
	size_t	 n = strlen(w);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, w, n) == 0)
			return true;
	return false;
}

static void
check_xml(const struct buf *b)
{
	const unsigned char	*p = (const unsigned char *)buf_str(b);
	size_t			 i;

	for (i = 0; i < b->len; i++)
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r')
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const secrets[] = { "S3cr3t-Pa55" };
	struct journal_error	 err;
	struct report_opts	 o;
	struct jrun		 run;
	struct buf		 b;
	int			 f;

	if (journal_parse((const char *)data, size, &run, &err) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.secrets = secrets;
	o.nsecrets = 1;
	o.max_output = 40;
	for (f = REPORT_TEXT; f <= REPORT_HTML; f++) {
		buf_init(&b, 0, 0);
		if (report_render(&run, dir, (enum report_format)f, &o,
		    &b) != 0) {
			buf_release(&b);
			continue;
		}
		if (f == REPORT_HTML && (strstr(buf_str(&b), "//") != NULL ||
		    has_nocase(buf_str(&b), "http:") ||
		    has_nocase(buf_str(&b), "src=")))
			abort();
		if (f == REPORT_JUNIT)
			check_xml(&b);
		buf_release(&b);
	}
	journal_run_release(&run);
	return 0;
}
