/*
 * Unit tests for bundle.c: the archive type a name asks for, the
 * manifest parser (every kind of bad line at its line and column, paths
 * listed twice, problems in line order), and a bundle written from a
 * fixture run and read back whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "bundle.h"
#include "errors.h"
#include "journal.h"
#include "report.h"

#define H64	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static void
test_kind(void **state)
{
	enum bundle_type	 t;

	(void)state;
	assert_int_equal(bundle_kind("a.tar.gz", &t), 0);
	assert_int_equal(t, BUNDLE_TGZ);
	assert_int_equal(bundle_kind("dir/a.TGZ", &t), 0);
	assert_int_equal(t, BUNDLE_TGZ);
	assert_int_equal(bundle_kind("a.zip", &t), 0);
	assert_int_equal(t, BUNDLE_ZIP);
	assert_int_equal(bundle_kind("a.tar", NULL), -1);
	assert_int_equal(bundle_kind(".zip", NULL), -1);
	assert_int_equal(bundle_kind("dir/.tgz", NULL), -1);
	assert_int_equal(bundle_kind("zip", NULL), -1);
}

/* Parses text; the problems as "line:col what" lines. */
static int
parse(const char *text, struct bundle_manifest *m, struct buf *out)
{
	struct bundle_check	 c;
	size_t			 i;
	int			 r;

	memset(&c, 0, sizeof(c));
	r = bundle_manifest_parse(text, strlen(text), m, &c);
	buf_reset(out);
	for (i = 0; i < c.n; i++)
		buf_addf(out, "%zu:%zu %s\n", c.v[i].line, c.v[i].col,
		    c.v[i].what);
	bundle_check_release(&c);
	return r;
}

static void
test_manifest_good(void **state)
{
	struct bundle_manifest	 m;
	struct buf		 p = BUF_INIT;

	(void)state;
	assert_int_equal(parse(H64 "  journal\n" H64 " *out/a b/01-x.stdout\n"
	    "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"
	    "  report.txt", &m, &p), 0);
	assert_string_equal(buf_str(&p), "");
	assert_int_equal(m.n, 3);
	assert_string_equal(m.v[1].path, "out/a b/01-x.stdout");
	assert_string_equal(m.v[2].sha256, H64);
	assert_int_equal(m.v[2].line, 3);
	bundle_manifest_release(&m);
	assert_int_equal(parse("", &m, &p), 0);
	assert_int_equal(m.n, 0);
	bundle_manifest_release(&m);
	buf_release(&p);
}

static void
test_manifest_bad(void **state)
{
	struct bundle_manifest	 m;
	struct buf		 p = BUF_INIT;

	(void)state;
	assert_int_equal(parse(H64 "  a\n"
	    "\n"
	    "0123z56789abcdef  b\n"
	    H64 " b\n"
	    H64 "\tb\n"
	    H64 "  \n"
	    H64 "  ../x\n"
	    H64 "  a/../x\n"
	    H64 "  /etc/passwd\n"
	    H64 "  c\r\n"
	    H64 "  a\n", &m, &p), LB_ERR_INVALID);
	assert_string_equal(buf_str(&p),
	    "2:1 an empty line\n"
	    "3:5 expected the 64 hex digits of a SHA-256\n"
	    "4:66 expected two spaces after the SHA-256\n"
	    "5:65 expected two spaces after the SHA-256\n"
	    "6:67 no path\n"
	    "7:67 '..' in the path\n"
	    "8:69 '..' in the path\n"
	    "9:67 an absolute path\n"
	    "10:68 a carriage return in the path\n"
	    "11:67 'a' is listed twice (first on line 1)\n");
	/* The good lines stay, each path once. */
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].path, "a");
	bundle_manifest_release(&m);
	buf_release(&p);
}

static void
test_roundtrip(void **state)
{
	static const char *const secrets[] = { "S3cr3t-Pa55" };
	struct report_opts	 o;
	struct bundle_info	 bi;
	struct bundle_check	 c;
	struct journal_error	 je;
	struct jrun		 run;
	char			 dir[] = "/tmp/lifeboat-test-bundle.XXXXXX";
	char			 path[256], why[512];
	const char		*ends[] = { "b.tar.gz", "b.zip" };
	size_t			 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(journal_load("tests/data/journal/playbook", &run,
	    &je), 0);
	memset(&o, 0, sizeof(o));
	o.secrets = secrets;
	o.nsecrets = 1;
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, ends[i]);
		assert_int_equal(bundle_write_run(path, &run,
		    "tests/data/journal/playbook", &o, &bi, why, sizeof why),
		    0);
		assert_int_equal(bi.files, 16);
		assert_int_equal(strlen(bi.manifest_sha256), 64);
		assert_int_equal(bundle_verify(path, &c, why, sizeof why), 0);
		assert_int_equal(c.n, 0);
		assert_int_equal(c.files, 16);
		assert_true(c.have_manifest);
		assert_string_equal(c.manifest_sha256, bi.manifest_sha256);
		bundle_check_release(&c);
		assert_int_equal(unlink(path), 0);
	}
	snprintf(path, sizeof path, "%s/b.tar", dir);
	assert_int_equal(bundle_write_run(path, &run,
	    "tests/data/journal/playbook", &o, &bi, why, sizeof why),
	    LB_ERR_INVALID);
	snprintf(path, sizeof path, "%s/none/b.zip", dir);
	assert_int_equal(bundle_write_run(path, &run,
	    "tests/data/journal/playbook", &o, &bi, why, sizeof why),
	    LB_ERR_SYSTEM);
	assert_int_equal(bundle_verify("tests/data/journal/playbook/journal",
	    &c, why, sizeof why), LB_ERR_FORMAT);
	journal_run_release(&run);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind),
		cmocka_unit_test(test_manifest_good),
		cmocka_unit_test(test_manifest_bad),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
