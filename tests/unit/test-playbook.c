/*
 * The playbook reader: the shipped remediation playbook read into the
 * plan the runner needs, and a playbook with an error of every kind
 * against its golden list of diagnostics (tests/data/playbook/errors.out,
 * "line:col: message" per line, in the order they are found).
 *
 * Run from the top of the tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "errors.h"
#include "playbook.h"

static void
test_shipped(void **state)
{
	struct diags		 d = DIAGS_INIT;
	struct playbook		*pb;
	const struct pb_step	*st;
	const struct pb_action	*a;

	(void)state;
	assert_int_equal(playbook_load_file(
	    "playbooks/remediate-bad-driver-file.yml", &pb, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(pb->name, "remediate-bad-driver-file");
	assert_int_equal(pb->kind, PB_MIRP);
	assert_string_equal(pb->targets, "windows");
	assert_int_equal(pb->nvars, 2);
	assert_string_equal(pb->vars[0].name, "driver_dir");
	assert_string_equal(pb->vars[0].value,
	    "C:\\Windows\\System32\\drivers\\CrowdStrike");
	assert_int_equal(pb->rollout.plan.canary, 2);
	assert_int_equal(pb->rollout.plan.nwaves, 3);
	assert_true(pb->rollout.plan.waves[0].percent);
	assert_int_equal(pb->rollout.plan.waves[0].value, 10);
	assert_int_equal(pb->rollout.plan.waves[2].value, 100);
	assert_true(pb->rollout.plan.max_fail.set);
	assert_true(pb->rollout.plan.max_fail.percent);
	assert_int_equal(pb->rollout.plan.max_fail.value, 5);
	assert_int_equal(pb->rollout.pause_ms, 30000);
	assert_int_equal(pb->rollout.per_site, 20);
	assert_true(pb->rollout.plan.order_tier);
	assert_int_equal(pb->nsteps, 4);

	st = &pb->steps[0];
	assert_string_equal(st->name, "catch the host while it is up");
	assert_int_equal(st->action->type, PB_WAIT_FOR);
	assert_int_equal(st->action->timeout_ms, 30 * 60 * 1000);
	assert_int_equal(st->action->interval_ms, 2000);
	assert_true(st->action->strike);

	st = &pb->steps[1];
	assert_int_equal(st->action->type, PB_PLUGIN);
	assert_string_equal(st->action->name, "file");
	assert_string_equal(st->reg, "removed");
	assert_int_equal(st->timeout_ms, 60000);
	assert_int_equal(st->retries, 3);
	assert_int_equal(st->retry_delay_ms, 2000);
	assert_true(st->confirm);
	assert_true(st->idempotent);
	assert_int_equal(st->on_failure, PB_FAIL_STOP);

	st = &pb->steps[2];
	assert_null(st->action);
	assert_null(st->on_linux);
	a = pb_step_action(st, "windows");
	assert_non_null(a);
	assert_int_equal(a->type, PB_POWERSHELL);
	assert_non_null(strstr(a->text, "Write-Output \"remaining:"));
	assert_null(pb_step_action(st, "linux"));
	assert_true(st->expect.rc_set);
	assert_int_equal(st->expect.rc, 0);
	assert_string_equal(st->expect.stdout_re, "^remaining: 0");

	st = &pb->steps[3];
	assert_int_equal(st->action->type, PB_REBOOT);
	assert_string_equal(st->when, "removed.changed == true");
	assert_int_equal(st->when_pos.line, 45);
	assert_false(st->idempotent);	/* a reboot is not */
	assert_int_equal(st->on_failure, PB_FAIL_CONTINUE);
	playbook_free(pb);
	diags_release(&d);
}

/* Loads tests/data/playbook/NAME.yml and compares with NAME.out. */
static void
golden(const char *name)
{
	struct diags	 d = DIAGS_INIT;
	struct playbook	*pb = (struct playbook *)1;
	struct buf	 got = BUF_INIT;
	char		 want[8192], yml[256], out[256];
	size_t		 i, n;
	FILE		*f;

	snprintf(yml, sizeof yml, "tests/data/playbook/%s.yml", name);
	snprintf(out, sizeof out, "tests/data/playbook/%s.out", name);
	assert_int_equal(playbook_load_file(yml, &pb, &d), LB_ERR_INVALID);
	assert_null(pb);
	for (i = 0; i < d.n; i++) {
		assert_string_equal(d.v[i].file, yml);
		buf_addf(&got, "%s.yml:%u:%u: %s\n", name, d.v[i].line,
		    d.v[i].col, d.v[i].msg);
	}
	assert_non_null(f = fopen(out, "r"));
	n = fread(want, 1, sizeof(want) - 1, f);
	want[n] = '\0';
	fclose(f);
	assert_string_equal(buf_str(&got), want);
	buf_release(&got);
	diags_release(&d);
}

static void
test_errors_golden(void **state)
{
	(void)state;
	golden("errors");
	/* Conditions, templates and the names they read. */
	golden("names");
}

/* The variables steps read are listed, with where, for the run. */
static void
test_uses(void **state)
{
	static const char	 yaml[] =
	    "name: u\nkind: bcp\ntargets: all\nvars: { dir: /x }\n"
	    "steps:\n"
	    "  - name: a\n"
	    "    shell: ls {{ dir }} {{ host.name }}\n"
	    "    register: a\n"
	    "  - name: b\n"
	    "    when: a.rc == 0 and mode == 'fix'\n"
	    "    powershell: |\n"
	    "      Write-Output {{ a.stdout }}\n"
	    "      Remove-Item {{ target }}\n";
	struct diags	 d = DIAGS_INIT;
	struct playbook	*pb;

	(void)state;
	assert_int_equal(playbook_load_buffer("u.yml", yaml, strlen(yaml),
	    &pb, &d), 0);
	assert_int_equal(pb->nuses, 3);
	assert_string_equal(pb->uses[0].name, "dir");
	assert_int_equal(pb->uses[0].step, 0);
	assert_int_equal(pb->uses[0].pos.line, 7);
	assert_int_equal(pb->uses[0].pos.col, 15);
	assert_string_equal(pb->uses[1].name, "mode");
	assert_int_equal(pb->uses[1].pos.line, 10);
	assert_int_equal(pb->uses[1].pos.col, 25);
	assert_string_equal(pb->uses[2].name, "target");
	assert_int_equal(pb->uses[2].step, 1);
	assert_int_equal(pb->uses[2].pos.line, 13);
	assert_int_equal(pb->uses[2].pos.col, 19);
	assert_non_null(pb->steps[1].when_expr);
	assert_true(pb->steps[0].action->vars);
	assert_true(pb->steps[1].action->vars);
	playbook_free(pb);
	diags_release(&d);
}

static void
test_small_errors(void **state)
{
	static const struct {
		const char	*yaml;
		const char	*want;
	} cases[] = {
		{ "", "1:1: empty playbook" },
		{ "- a\n", "1:1: a playbook must be a mapping, not a list" },
		{ "name: x\nkind: bcp\ntargets: all\nsteps: []\n",
		  "4:8: steps must be a list of at least one step" },
		{ "name: x\nkind: bcp\nsteps:\n  - name: a\n    pause: 1s\n",
		  "1:1: a playbook needs targets" },
		{ "name: x\nkind: bcp\ntargets: all\nsteps:\n  - name: a\n"
		  "    pause: 1s\n    pase: 1\nextra: 2\n",
		  "7:5: step 'a': unknown key or action 'pase' in a step "
		  "(did you mean 'pause'?)" },
		/* A word far from every known key names a plugin. */
		{ "name: x\nkind: bcp\ntargets: all\nsteps:\n  - name: a\n"
		  "    pause: 1s\n    bogus: 1\n",
		  "7:5: step 'a': two actions in one step: pause and bogus" },
		{ "name: x\nkind: bcp\ntargets: all\nvars: { a.b: 1 }\n"
		  "steps:\n  - name: a\n    pause: 1s\n",
		  "4:9: bad variable name 'a.b': letters, digits, '_' and "
		  "'-'" },
		{ "name: x\nkind: bcp\ntargets: all\nsteps:\n  - name: a\n"
		  "    copy: { src: a }\n",
		  "6:11: step 'a': copy needs dest" },
		{ "name: x\nkind: bcp\ntargets: all\nsteps:\n  - name: a\n"
		  "    shell: x\n    windows: { powershell: y }\n",
		  "5:5: step 'a': an action for every OS and a windows: or "
		  "linux: variant: give one or the other" },
	};
	struct diags	 d = DIAGS_INIT;
	struct playbook	*pb;
	char		 first[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_not_equal(playbook_load_buffer("t.yml",
		    cases[i].yaml, strlen(cases[i].yaml), &pb, &d), 0);
		assert_null(pb);
		assert_true(d.n > 0);
		snprintf(first, sizeof(first), "%u:%u: %s", d.v[0].line,
		    d.v[0].col, d.v[0].msg);
		assert_string_equal(first, cases[i].want);
		diags_release(&d);
		d = (struct diags)DIAGS_INIT;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_errors_golden),
		cmocka_unit_test(test_small_errors),
		cmocka_unit_test(test_uses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
