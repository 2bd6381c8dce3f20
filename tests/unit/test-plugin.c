/*
 * Unit tests for the action-plugin loader (src/plugin.c): the plugin
 * path, every way a load is refused (a bad name, no file, a file that is
 * not a shared object, another ABI version, a plugin under another name,
 * a file others may write), the cache of a run, argument checks with
 * their did-you-mean, and the lb_out a plugin writes through: word()
 * quoting for each shell, calls out of turn, a failed build leaving the
 * script as it was, and the limits and clean-up of what parse() sets.
 *
 * The shipped plugins are loaded from $LIFEBOAT_PLUGIN_PATH (tests/run
 * sets it to $BUILD/plugins) and the one of another ABI version from
 * $BUILD/tests/plugins-bad; the hooks' contract is tested with a plugin
 * linked in here, through plugin_load_static().  It calls
 * (out->fail)(...) in brackets, past cmocka's fail() macro.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "errors.h"
#include "plugin.h"
#include "xmalloc.h"

static char	 tmpdir[PATH_MAX];

/* The directory of the built plugins. */
static const char *
built_path(void)
{
	const char	*s = getenv("LIFEBOAT_PLUGIN_PATH");

	return s != NULL && *s != '\0' ? s : "build/plugins";
}

static char *
bad_path(void)
{
	const char	*b = getenv("BUILD");
	char		*s;

	xasprintf(&s, "%s/tests/plugins-bad", b != NULL ? b : "build");
	return s;
}

/* Copies the built file.so to tmpdir/name with mode. */
static char *
copy_plugin(const char *name, mode_t mode)
{
	struct buf	 b = BUF_INIT;
	char		*src, *dst, *dir;
	FILE		*f;

	dir = xstrdup(built_path());
	dir[strcspn(dir, ":")] = '\0';
	xasprintf(&src, "%s/file.so", dir);
	free(dir);
	assert_int_equal(buf_read_file(&b, src, 64 * 1024 * 1024), 0);
	xasprintf(&dst, "%s/%s", tmpdir, name);
	f = fopen(dst, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(dst, mode), 0);
	buf_release(&b);
	free(src);
	return dst;
}

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/lb-plugin.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	*cmd;
	int	 r;

	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	r = system(cmd);
	free(cmd);
	return r == 0 ? 0 : -1;
}

static void
test_path_default(void **state)
{
	const char	*old = getenv("LIFEBOAT_PLUGIN_PATH");
	char		*saved = old ? xstrdup(old) : NULL;

	setenv("LIFEBOAT_PLUGIN_PATH", "/a:/b", 1);
	assert_string_equal(plugin_path_default(), "/a:/b");
	setenv("LIFEBOAT_PLUGIN_PATH", "", 1);
	assert_string_equal(plugin_path_default(), LIFEBOAT_PLUGINDIR);
	unsetenv("LIFEBOAT_PLUGIN_PATH");
	assert_string_equal(plugin_path_default(), LIFEBOAT_PLUGINDIR);
	if (saved != NULL)
		setenv("LIFEBOAT_PLUGIN_PATH", saved, 1);
	free(saved);
}

static void
test_load_file(void **state)
{
	struct plugin	*p = (struct plugin *)1;
	char		 why[256];
	char		*path;

	assert_int_equal(plugin_load("file", built_path(), &p, why,
	    sizeof why), 0);
	assert_non_null(p);
	assert_int_equal(plugin_desc(p)->abi, LB_PLUGIN_ABI);
	assert_string_equal(plugin_desc(p)->name, "file");
	assert_non_null(plugin_desc(p)->summary);
	plugin_unload(p);
	plugin_unload(NULL);

	/* Empty entries and directories without it are passed over. */
	xasprintf(&path, "::/nonexistent:%s/nothing:%s:", tmpdir,
	    built_path());
	assert_int_equal(plugin_load("service", path, &p, why, sizeof why),
	    0);
	assert_string_equal(plugin_desc(p)->name, "service");
	plugin_unload(p);
	free(path);
}

static void
test_load_missing(void **state)
{
	struct plugin	*p = (struct plugin *)1;
	char		 why[256];

	assert_int_equal(plugin_load("nope", "/nonexistent/a:/x", &p, why,
	    sizeof why), LB_ERR_NOT_FOUND);
	assert_null(p);
	assert_string_equal(why,
	    "no plugin 'nope' on the plugin path /nonexistent/a:/x");
	/* A short buffer still gets a terminated message; NULL gets none. */
	assert_int_equal(plugin_load("nope", "/x", &p, why, 8),
	    LB_ERR_NOT_FOUND);
	assert_string_equal(why, "no plug");
	assert_int_equal(plugin_load("nope", "/x", &p, NULL, 0),
	    LB_ERR_NOT_FOUND);
}

static void
test_load_bad_name(void **state)
{
	static const char *const bad[] = {
		"", "../file", "a/b", "/file", "File", "file.so", "a b",
		"x\n", "\xc3\xa9",
		"a123456789012345678901234567890123456789012345678901234567890"
		    "1234",
	};
	struct plugin	*p;
	char		 why[256];
	size_t		 i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		p = (struct plugin *)1;
		assert_int_equal(plugin_load(bad[i], built_path(), &p, why,
		    sizeof why), LB_ERR_INVALID);
		assert_null(p);
		assert_non_null(strstr(why, "bad plugin name '"));
		/* The message is one line, whatever the name held. */
		assert_null(strchr(why, '\n'));
	}
	p = NULL;
	assert_int_equal(plugin_load("a-b_0", "/nonexistent", &p, why,
	    sizeof why), LB_ERR_NOT_FOUND);
}

static void
test_load_bad_abi(void **state)
{
	struct plugin	*p = (struct plugin *)1;
	char		 why[512], want[64];
	char		*path = bad_path();

	assert_int_equal(plugin_load("badabi", path, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_null(p);
	snprintf(want, sizeof want, "badabi.so: ABI %u, this lifeboat "
	    "speaks %u", LB_PLUGIN_ABI + 1, LB_PLUGIN_ABI);
	assert_non_null(strstr(why, want));
	assert_non_null(strstr(why, path));
	free(path);
}

static void
test_load_refused(void **state)
{
	struct plugin	*p = (struct plugin *)1;
	char		 why[512];
	char		*f;
	FILE		*fp;

	/* A plugin under another name calls itself by its own. */
	f = copy_plugin("other.so", 0755);
	assert_int_equal(plugin_load("other", tmpdir, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_null(p);
	assert_non_null(strstr(why, "other.so: the plugin calls itself "
	    "'file', not 'other'"));
	free(f);

	/* A file anyone may write is not loaded, plugin or not. */
	f = copy_plugin("file.so", 0755);
	assert_int_equal(chmod(f, 0757), 0);
	assert_int_equal(plugin_load("file", tmpdir, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "file.so: writable by others"));
	free(f);
	/* And the search stops at the first file of that name. */
	xasprintf(&f, "%s:%s", tmpdir, built_path());
	assert_int_equal(plugin_load("file", f, &p, why, sizeof why),
	    LB_ERR_INVALID);
	free(f);

	/* Not a shared object: dlopen()'s own words. */
	xasprintf(&f, "%s/junk.so", tmpdir);
	fp = fopen(f, "w");
	assert_non_null(fp);
	fputs("not an ELF file\n", fp);
	fclose(fp);
	assert_int_equal(plugin_load("junk", tmpdir, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_null(p);
	assert_non_null(strstr(why, "junk.so"));
	free(f);

	/* A directory named like a plugin. */
	xasprintf(&f, "%s/dir.so", tmpdir);
	assert_int_equal(mkdir(f, 0755), 0);
	assert_int_equal(plugin_load("dir", tmpdir, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "dir.so: not a regular file"));
	free(f);
}

static void
test_set(void **state)
{
	struct plugin_set	 set = PLUGIN_SET_INIT;
	struct plugin		*a, *b, *c;
	char			 why[256];

	assert_int_equal(plugin_set_get(&set, "file", built_path(), &a, why,
	    sizeof why), 0);
	assert_int_equal(plugin_set_get(&set, "service", built_path(), &b,
	    why, sizeof why), 0);
	/* The second time, no search: the same plugin, even off the path. */
	assert_int_equal(plugin_set_get(&set, "file", "/nonexistent", &c,
	    why, sizeof why), 0);
	assert_ptr_equal(a, c);
	assert_ptr_not_equal(a, b);
	assert_int_equal(set.n, 2);
	assert_int_equal(plugin_set_get(&set, "nope", built_path(), &c, why,
	    sizeof why), LB_ERR_NOT_FOUND);
	assert_null(c);
	assert_int_equal(set.n, 2);
	plugin_set_release(&set);
	assert_int_equal(set.n, 0);
	assert_null(set.v);
	plugin_set_release(&set);
}

/*
 * The plugin linked in here.  Its hooks do what the test at hand puts in
 * these variables.
 */
static int	 (*dummy_build_fn)(const struct lb_args *,
		    const struct lb_out *, char *, size_t);
static int	 (*dummy_parse_fn)(const struct lb_out *);
static const char	*dummy_check_key;

static const char *const dummy_keys[] = { "path", "state", "value", NULL };

static int
dummy_check(const struct lb_args *args, const char **key, char *why,
    size_t whylen)
{
	if (dummy_check_key == NULL)
		return 0;
	*key = dummy_check_key;
	snprintf(why, whylen, "%s is\tbad\n", dummy_check_key);
	return -1;
}

static int
dummy_build(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_out *out, char *why, size_t whylen)
{
	return dummy_build_fn(args, out, why, whylen);
}

static enum lb_verdict
dummy_parse(const struct lb_args *args, const struct lb_facts *facts,
    const struct lb_reply *reply, const struct lb_out *out)
{
	return (enum lb_verdict)dummy_parse_fn(out);
}

static const struct lb_plugin dummy = {
	.abi = LB_PLUGIN_ABI,
	.name = "dummy",
	.version = "0",
	.summary = "for tests",
	.keys = dummy_keys,
	.check = dummy_check,
	.build = dummy_build,
	.parse = dummy_parse,
};

static struct plugin *
dummy_load(void)
{
	struct plugin	*p;
	char		 why[256];

	assert_int_equal(plugin_load_static(&dummy, &p, why, sizeof why), 0);
	return p;
}

static void
test_static(void **state)
{
	struct lb_plugin	 d = dummy;
	struct plugin		*p = (struct plugin *)1;
	char			 why[256];

	d.abi = 7;
	assert_int_equal(plugin_load_static(&d, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_null(p);
	assert_non_null(strstr(why, "ABI 7, this lifeboat speaks 1"));
	d = dummy;
	d.parse = NULL;
	assert_int_equal(plugin_load_static(&d, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "has no parse"));
	d = dummy;
	d.keys = NULL;
	assert_int_equal(plugin_load_static(&d, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_non_null(strstr(why, "has no keys"));
	d = dummy;
	d.name = "Du/mmy";
	assert_int_equal(plugin_load_static(&d, &p, why, sizeof why),
	    LB_ERR_INVALID);
	assert_int_equal(plugin_load_static(NULL, &p, why, sizeof why),
	    LB_ERR_INVALID);
	p = dummy_load();
	assert_ptr_equal(plugin_desc(p), &dummy);
	plugin_unload(p);
}

static void
test_check_args(void **state)
{
	struct lb_arg	 v[3] = {
		{ "path", "/x" }, { "stat", "absent" }, { "path", "/y" },
	};
	struct lb_args	 args = { v, 2 };
	struct plugin	*p = dummy_load();
	const char	*key = "x";
	char		 why[256];

	dummy_check_key = NULL;
	assert_int_equal(plugin_check_args(p, &args, &key, why, sizeof why),
	    LB_ERR_INVALID);
	assert_string_equal(why,
	    "dummy: unknown argument 'stat' (did you mean 'state'?)");
	assert_ptr_equal(key, v[1].key);
	v[1].key = "colour";
	assert_int_equal(plugin_check_args(p, &args, &key, why, sizeof why),
	    LB_ERR_INVALID);
	assert_string_equal(why, "dummy: unknown argument 'colour'");
	v[1].key = "value";
	assert_int_equal(plugin_check_args(p, &args, &key, why, sizeof why),
	    0);
	assert_null(key);
	args.n = 3;
	assert_int_equal(plugin_check_args(p, &args, &key, why, sizeof why),
	    LB_ERR_INVALID);
	assert_string_equal(why, "dummy: argument 'path' given twice");
	assert_string_equal(key, "path");

	/* The plugin's own check, its message made one line. */
	args.n = 2;
	dummy_check_key = "value";
	assert_int_equal(plugin_check_args(p, &args, &key, why, sizeof why),
	    LB_ERR_INVALID);
	assert_string_equal(why, "dummy: value is bad");
	assert_string_equal(key, "value");
	dummy_check_key = NULL;
	plugin_unload(p);
}

static int
build_words(const struct lb_args *args, const struct lb_out *out, char *why,
    size_t whylen)
{
	size_t	 i;

	for (i = 0; i < args->n; i++) {
		if (out->text(out->ctx, "echo ") == -1 ||
		    out->word(out->ctx, args->v[i].value) == -1 ||
		    out->text(out->ctx, "\n") == -1) {
			snprintf(why, whylen, "word() failed");
			return -1;
		}
	}
	return 0;
}

static int
build_ignoring(const struct lb_args *args, const struct lb_out *out,
    char *why, size_t whylen)
{
	out->text(out->ctx, "echo ");
	out->word(out->ctx, args->v[0].value);
	return 0;
}

static int
build_set(const struct lb_args *args, const struct lb_out *out, char *why,
    size_t whylen)
{
	out->text(out->ctx, "echo hi\n");
	assert_int_equal((out->fail)(out->ctx, "no"), -1);
	return out->set(out->ctx, "k", "v") == -1 ? 0 : -1;
}

static int
build_fails(const struct lb_args *args, const struct lb_out *out, char *why,
    size_t whylen)
{
	out->text(out->ctx, "half a script");
	snprintf(why, whylen, "path\nis wrong");
	return -1;
}

static int
build_silent(const struct lb_args *args, const struct lb_out *out, char *why,
    size_t whylen)
{
	return -1;
}

static void
test_build(void **state)
{
	struct lb_arg	 v[2] = {
		{ "value", "'; rm -rf / #$(id)" },
		{ "path", "it\xe2\x80\x99s" },
	};
	struct lb_args	 args = { v, 2 };
	struct lb_facts	 facts = { "h", "linux", "", -1, LB_SHELL_SH };
	struct plugin	*p = dummy_load();
	struct buf	 script = BUF_INIT;
	char		 why[256];

	buf_adds(&script, "# before\n");
	dummy_build_fn = build_words;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), 0);
	assert_string_equal(buf_str(&script), "# before\n"
	    "echo ''\\''; rm -rf / #$(id)'\n"
	    "echo 'it\xe2\x80\x99s'\n");
	buf_reset(&script);
	facts.shell = LB_SHELL_POWERSHELL;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), 0);
	/* PowerShell takes U+2019 for a quote too: doubled. */
	assert_string_equal(buf_str(&script),
	    "echo '''; rm -rf / #$(id)'\n"
	    "echo 'it\xe2\x80\x99\xe2\x80\x99s'\n");

	/* Invalid UTF-8 cannot be quoted for PowerShell: nothing is kept. */
	buf_reset(&script);
	buf_adds(&script, "# before\n");
	v[1].value = "bad \xff byte";
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "dummy: a value is not valid UTF-8 text");
	assert_string_equal(buf_str(&script), "# before\n");
	/* Even when the plugin carries on as if the word were written. */
	dummy_build_fn = build_ignoring;
	args.v = &v[1];
	args.n = 1;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_INVALID);
	assert_string_equal(buf_str(&script), "# before\n");
	/* sh quoting takes any byte but NUL. */
	facts.shell = LB_SHELL_SH;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), 0);
	assert_string_equal(buf_str(&script), "# before\necho 'bad \xff "
	    "byte'");

	/* set() and fail() belong to parse(). */
	buf_reset(&script);
	dummy_build_fn = build_set;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "dummy: fail() while building a script");
	assert_int_equal(script.len, 0);

	/* The plugin's reason, one line; or ours when it gave none. */
	buf_adds(&script, "x");
	dummy_build_fn = build_fails;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "dummy: path is wrong");
	assert_string_equal(buf_str(&script), "x");
	dummy_build_fn = build_silent;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "dummy: cannot build the script");

	/* A script past the buffer's maximum. */
	buf_release(&script);
	buf_init(&script, 16, 0);
	dummy_build_fn = build_words;
	args.v = v;
	v[1].value = "a long enough value";
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_LIMIT);
	assert_int_equal(script.len, 0);
	/* A shell lifeboat does not know. */
	facts.shell = (enum lb_shell)9;
	assert_int_equal(plugin_build(p, &args, &facts, &script, why,
	    sizeof why), LB_ERR_INVALID);
	assert_string_equal(why, "dummy: unknown shell 9");
	buf_release(&script);
	plugin_unload(p);
}

static const struct lb_arg	 no_arg[1];
static const struct lb_args	 no_args = { no_arg, 0 };
static const struct lb_facts	 sh_facts = { "h", "linux", "", -1,
				    LB_SHELL_SH };

static struct plugin_result
run_parse(int (*fn)(const struct lb_out *))
{
	struct lb_reply		 reply = { 0, "", 0, NULL, 0 };
	struct plugin_result	 res;
	struct plugin		*p = dummy_load();

	dummy_parse_fn = fn;
	assert_int_equal(plugin_parse(p, &no_args, &sh_facts, &reply, &res),
	    0);
	plugin_unload(p);
	return res;
}

static int
parse_sets(const struct lb_out *out)
{
	char	 key[80];
	char	*big;
	int	 i;

	assert_int_equal(out->set(out->ctx, "state", "running"), 0);
	assert_int_equal(out->set(out->ctx, "count_2", "1"), 0);
	assert_int_equal(out->set(out->ctx, "state", "stopped"), 0);
	/* Keys register can name: [a-z0-9_], 1 to 64 bytes. */
	assert_int_equal(out->set(out->ctx, "", "x"), -1);
	assert_int_equal(out->set(out->ctx, "State", "x"), -1);
	assert_int_equal(out->set(out->ctx, "a.b", "x"), -1);
	assert_int_equal(out->set(out->ctx, "a-b", "x"), -1);
	memset(key, 'k', 65);
	key[65] = '\0';
	assert_int_equal(out->set(out->ctx, key, "x"), -1);
	key[64] = '\0';
	assert_int_equal(out->set(out->ctx, key, "x"), 0);
	assert_int_equal(out->set(out->ctx, NULL, "x"), -1);
	assert_int_equal(out->set(out->ctx, "n", NULL), -1);
	/* Values up to 64 KiB. */
	big = malloc(PLUGIN_VALUE_MAX + 2);
	memset(big, 'v', PLUGIN_VALUE_MAX + 1);
	big[PLUGIN_VALUE_MAX + 1] = '\0';
	assert_int_equal(out->set(out->ctx, "big", big), -1);
	big[PLUGIN_VALUE_MAX] = '\0';
	assert_int_equal(out->set(out->ctx, "big", big), 0);
	free(big);
	/* Up to 64 values; an old key can still change. */
	for (i = 4; i < PLUGIN_VALUES_MAX; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(out->set(out->ctx, key, key), 0);
	}
	assert_int_equal(out->set(out->ctx, "one_more", "x"), -1);
	assert_int_equal(out->set(out->ctx, "count_2", "2"), 0);
	/* Not while reading a reply. */
	assert_int_equal(out->text(out->ctx, "echo"), -1);
	assert_int_equal(out->word(out->ctx, "x"), -1);
	return LB_CHANGED;
}

static void
test_parse_set(void **state)
{
	struct plugin_result	 res = run_parse(parse_sets);
	char			 key[80];

	assert_int_equal(res.verdict, LB_CHANGED);
	assert_null(res.reason);
	assert_int_equal(res.nkv, PLUGIN_VALUES_MAX);
	assert_string_equal(res.kv[0].key, "state");
	assert_string_equal(res.kv[0].value, "stopped");
	assert_string_equal(plugin_result_get(&res, "count_2"), "2");
	memset(key, 'k', 64);
	key[64] = '\0';
	assert_string_equal(plugin_result_get(&res, key), "x");
	assert_int_equal(strlen(plugin_result_get(&res, "big")),
	    PLUGIN_VALUE_MAX);
	assert_string_equal(plugin_result_get(&res, "k63"), "k63");
	assert_null(plugin_result_get(&res, "one_more"));
	assert_null(plugin_result_get(&res, "State"));
	plugin_result_release(&res);
	assert_int_equal(res.nkv, 0);
	assert_null(res.kv);
	plugin_result_release(&res);
}

static int
parse_fail(const struct lb_out *out)
{
	assert_int_equal((out->fail)(out->ctx, "first"), 0);
	assert_int_equal((out->fail)(out->ctx, "\x1b[31m2 files\tremain:\r\n"
	    " /a,\x07 /b  \n"), 0);
	assert_int_equal((out->fail)(out->ctx, NULL), -1);
	return LB_FAILED;
}

static int
parse_fail_silent(const struct lb_out *out)
{
	out->set(out->ctx, "x", "1");
	return LB_FAILED;
}

static int
parse_fail_long(const struct lb_out *out)
{
	char	 s[PLUGIN_REASON_MAX + 8];
	size_t	 i;

	/* 'a' then é (2 bytes) to the end: the cut falls inside one. */
	s[0] = 'a';
	for (i = 1; i + 2 < sizeof s; i += 2)
		memcpy(s + i, "\xc3\xa9", 2);
	s[sizeof s - 1] = '\0';
	(out->fail)(out->ctx, s);
	return LB_FAILED;
}

static int
parse_unknown(const struct lb_out *out)
{
	(out->fail)(out->ctx, "whatever");
	return 7;
}

static int
parse_ok_with_reason(const struct lb_out *out)
{
	(out->fail)(out->ctx, "not really");
	return LB_OK;
}

static void
test_parse_verdicts(void **state)
{
	struct plugin_result	 res;

	res = run_parse(parse_fail);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "[31m2 files remain: /a, /b");
	plugin_result_release(&res);

	res = run_parse(parse_fail_silent);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "failed");
	assert_string_equal(plugin_result_get(&res, "x"), "1");
	plugin_result_release(&res);

	res = run_parse(parse_fail_long);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_true(strlen(res.reason) <= PLUGIN_REASON_MAX);
	assert_true(strlen(res.reason) >= PLUGIN_REASON_MAX - 2);
	/* Odd length: 'a' and whole two-byte characters only. */
	assert_int_equal(strlen(res.reason) % 2, 1);
	plugin_result_release(&res);

	res = run_parse(parse_unknown);
	assert_int_equal(res.verdict, LB_FAILED);
	assert_string_equal(res.reason, "plugin returned an unknown verdict");
	plugin_result_release(&res);

	res = run_parse(parse_ok_with_reason);
	assert_int_equal(res.verdict, LB_OK);
	assert_null(res.reason);
	plugin_result_release(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_default),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_bad_name),
		cmocka_unit_test(test_load_bad_abi),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_check_args),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_parse_set),
		cmocka_unit_test(test_parse_verdicts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
