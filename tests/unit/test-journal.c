/*
 * Unit tests for the journal (journal.c, journal-read.c) and redact.c:
 * records written and read back into the state they describe, outputs
 * found again by offset and checked by SHA-256, the lock one writer
 * holds, a torn tail left out and then set aside before appending, damage
 * in the middle named by line, records out of range refused, and
 * redaction of secrets in outputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "journal.h"
#include "json.h"
#include "redact.h"
#include "xmalloc.h"

#define RUN_LINE \
	"{\"t\":\"run\",\"at\":1000,\"v\":1,\"id\":\"r1\",\"kind\":" \
	"\"playbook\",\"name\":\"pb\",\"hosts\":[{\"name\":\"a\",\"site\":" \
	"\"ams\",\"os\":\"linux\"},{\"name\":\"b\"}],\"steps\":[{\"name\":" \
	"\"one\",\"idempotent\":true},{\"name\":\"two\"}],\"waves\":[[0]," \
	"[1]],\"numbers\":[0,1]}\n"

#define WAVE_LINE	"{\"t\":\"wave\",\"at\":2,\"wave\":0}\n"

static char *
tmpdir(void)
{
	char	*d = xstrdup("/tmp/lb-journal-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rmdir_all(char *d)
{
	char	*cmd;

	xasprintf(&cmd, "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(d);
}

static void
put(const char *dir, const char *text)
{
	char	*path;
	FILE	*fp;

	xasprintf(&path, "%s/journal", dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	free(path);
}

/* Written by the writer, read by the reader: the same state. */
static void
test_round_trip(void **state)
{
	struct journal_error	 err;
	struct journal		*j;
	struct jrun		 run;
	struct json		*w;
	struct buf		 b;
	char			*d = tmpdir(), why[256];

	(void)state;
	assert_non_null(j = journal_open(d, -1, why, sizeof why));
	put(d, RUN_LINE);
	w = journal_begin(j, "wave");
	json_kv_int(w, "wave", 0);
	journal_end(j);
	w = journal_begin(j, "start");
	json_kv_int(w, "h", 0);
	json_kv_int(w, "s", 0);
	journal_end(j);
	assert_true(journal_pending(j));
	w = journal_begin(j, "end");
	json_kv_int(w, "h", 0);
	json_kv_int(w, "s", 0);
	json_kv_str(w, "outcome", "failed");
	json_kv_int(w, "rc", 3);
	json_kv_str(w, "msg", "rc 3: no");
	json_kv_bool(w, "sent", true);
	journal_output(j, "stdout", "out\n", 4);
	journal_output(j, "stderr", "err\xc3\xa9\n", 6);
	journal_end(j);
	w = journal_begin(j, "host");
	json_kv_int(w, "h", 0);
	json_kv_str(w, "status", "failed");
	journal_end(j);
	assert_int_equal(journal_sync(j), 0);
	assert_false(journal_pending(j));
	journal_free(j);

	assert_int_equal(journal_load(d, &run, &err), 0);
	assert_string_equal(run.id, "r1");
	assert_int_equal(run.nhosts, 2);
	assert_int_equal(run.nwaves, 2);
	assert_int_equal(run.waves[0].number, 0);
	assert_int_equal(run.hosts[1].wave, 1);
	assert_true(run.steps[0].idempotent);
	assert_false(run.steps[1].idempotent);
	assert_int_equal(run.records, 5);
	assert_int_equal(run.torn_len, 0);
	assert_int_equal(run.hosts[0].steps[0].state, JS_ENDED);
	assert_string_equal(run.hosts[0].steps[0].outcome, "failed");
	assert_int_equal(run.hosts[0].steps[0].rc, 3);
	assert_true(run.hosts[0].steps[0].sent);
	assert_int_equal(run.hosts[0].steps[0].starts, 1);
	assert_string_equal(journal_host_state(&run, 0), "failed");
	assert_string_equal(journal_host_state(&run, 1), "pending");
	assert_int_equal(journal_host_step(&run, 0), 0);
	assert_int_equal(journal_host_step(&run, 1), JNONE);
	buf_init(&b, 0, 0);
	assert_int_equal(journal_read_output(d, &run.hosts[0].steps[0].out,
	    &b), 0);
	assert_string_equal(buf_str(&b), "out\n");
	assert_int_equal(journal_read_output(d, &run.hosts[0].steps[0].err,
	    &b), 0);
	assert_string_equal(buf_str(&b), "err\xc3\xa9\n");
	/* A changed byte in outputs is found. */
	run.hosts[0].steps[0].out.sha256[0] ^= 1;
	assert_int_equal(journal_read_output(d, &run.hosts[0].steps[0].out,
	    &b), LB_ERR_INVALID);
	buf_release(&b);
	assert_string_equal(journal_state(d, &run), "interrupted");
	journal_run_release(&run);
	rmdir_all(d);
}

/* One writer: a second open is refused while the first holds it. */
static void
test_lock(void **state)
{
	struct journal	*a, *b;
	struct jrun	 run;
	struct journal_error err;
	char		*d = tmpdir(), why[256];

	(void)state;
	put(d, RUN_LINE);
	assert_non_null(a = journal_open(d, -1, why, sizeof why));
	assert_null(b = journal_open(d, -1, why, sizeof why));
	assert_non_null(strstr(why, "in progress"));
	assert_int_equal(journal_load(d, &run, &err), 0);
	assert_string_equal(journal_state(d, &run), "running");
	journal_free(a);
	assert_string_equal(journal_state(d, &run), "interrupted");
	assert_non_null(b = journal_open(d, -1, why, sizeof why));
	journal_free(b);
	journal_run_release(&run);
	rmdir_all(d);
}

/* A torn tail is left out, then moved aside before appending. */
static void
test_torn(void **state)
{
	struct journal_error	 err;
	struct journal		*j;
	struct jrun		 run;
	struct json		*w;
	struct buf		 b;
	char			*d = tmpdir(), why[256], *path;

	(void)state;
	put(d, RUN_LINE WAVE_LINE "{\"t\":\"en");
	assert_int_equal(journal_load(d, &run, &err), 0);
	assert_int_equal(run.records, 2);
	assert_int_equal(run.torn_len, 8);
	assert_int_equal(run.good_len, (off_t)strlen(RUN_LINE WAVE_LINE));
	assert_non_null(j = journal_open(d, run.good_len, why, sizeof why));
	w = journal_begin(j, "halt");
	json_kv_str(w, "reason", "test");
	journal_end(j);
	assert_int_equal(journal_sync(j), 0);
	journal_free(j);
	journal_run_release(&run);
	assert_int_equal(journal_load(d, &run, &err), 0);
	assert_int_equal(run.records, 3);
	assert_int_equal(run.torn_len, 0);
	assert_true(run.halted);
	assert_string_equal(run.halt_reason, "test");
	journal_run_release(&run);
	xasprintf(&path, "%s/journal.torn-%zu", d,
	    strlen(RUN_LINE WAVE_LINE));
	buf_init(&b, 0, 0);
	assert_int_equal(buf_read_file(&b, path, 1024), 0);
	assert_string_equal(buf_str(&b), "{\"t\":\"en");
	buf_release(&b);
	free(path);
	rmdir_all(d);
}

static void
assert_bad(const char *text, size_t line, const char *msg)
{
	struct journal_error	 err;
	struct jrun		 run;

	assert_int_equal(journal_parse(text, strlen(text), &run, &err),
	    LB_ERR_INVALID);
	if (err.line != line || strstr(err.msg, msg) == NULL)
		fail_msg("%s: got %zu: %s, want %zu: %s", text, err.line,
		    err.msg, line, msg);
}

/* Damage, and records that point past what the run has. */
static void
test_bad(void **state)
{
	(void)state;
	assert_bad("", 0, "the journal is empty");
	assert_bad("{\"t\":\"ru", 0, "the run record itself is torn");
	assert_bad("{\"t\":\"wave\",\"wave\":0}\n", 1,
	    "the first record is 'wave', not 'run'");
	assert_bad(RUN_LINE "not json\n{\"t\":\"wave\",\"wave\":0}\n", 2,
	    "unexpected");
	assert_bad(RUN_LINE "{\"t\":\"end\",\"h\":2,\"s\":0,\"outcome\":"
	    "\"ok\"}\n", 2, "h 2 is out of range (0 to 1)");
	assert_bad(RUN_LINE "{\"t\":\"start\",\"h\":0,\"s\":-1}\n", 2,
	    "s -1 is out of range");
	assert_bad(RUN_LINE "{\"t\":\"wave\",\"wave\":5}\n", 2,
	    "wave 5 is out of range");
	assert_bad(RUN_LINE RUN_LINE, 2, "a second run record");
	assert_bad("{\"t\":\"run\",\"v\":2,\"id\":\"x\",\"kind\":\"exec\"}\n",
	    1, "journal version 2 is not 1");
	assert_bad("{\"t\":\"run\",\"v\":1,\"id\":\"x\",\"kind\":\"exec\","
	    "\"steps\":[{\"name\":\"c\"}],\"hosts\":[],\"waves\":[[3]]}\n", 1,
	    "names a host out of range");
	assert_bad(RUN_LINE "{\"t\":\"end\",\"h\":0,\"s\":0}\n", 2,
	    "has no outcome");
}

/* Unknown record types are a later version's: skipped. */
static void
test_unknown_type(void **state)
{
	const char		*text = RUN_LINE "{\"t\":\"later\",\"x\":1}\n";
	struct journal_error	 err;
	struct jrun		 run;

	(void)state;
	assert_int_equal(journal_parse(text, strlen(text), &run, &err), 0);
	assert_int_equal(run.records, 2);
	journal_run_release(&run);
}

static void
assert_redact(const char *in, const char *const *sec, size_t n,
    const char *want)
{
	struct buf	 b;

	buf_init(&b, 0, 0);
	redact(&b, in, strlen(in), sec, n);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void
test_redact(void **state)
{
	const char *const	 s1[] = { "hunter2" };
	const char *const	 s2[] = { "abc", "abcdef", NULL, "" , "x" };

	(void)state;
	assert_redact("pw=hunter2;hunter2", s1, 1, "pw=********;********");
	assert_redact("nothing here", s1, 1, "nothing here");
	assert_redact("hunter", s1, 1, "hunter");
	/* The longest match wins; short and empty ones are ignored. */
	assert_redact("abcdefabc x", s2, 5, "**************** x");
	assert_redact("", s1, 1, "");
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
