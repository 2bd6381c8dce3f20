/*
 * lifeboat verify-bundle FILE: checks an evidence bundle (src/bundle.c)
 * against its manifest without extracting it: every file's SHA-256, no
 * file missing or added, no entry that could escape a directory.  One
 * line per problem; at the end the manifest's own SHA-256, for the
 * record of whoever reviews it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cmd.h"
#include "errors.h"
#include "json.h"

static void
print_problem(const char *file, const struct bundle_problem *p)
{
	if (p->line > 0)
		printf("%s: %s:%zu:%zu: %s\n", file, p->path ? p->path :
		    BUNDLE_MANIFEST, p->line, p->col, p->what);
	else if (p->path != NULL)
		printf("%s: %s: %s\n", file, p->path, p->what);
	else
		printf("%s: %s\n", file, p->what);
}

static int
print_json(const char *file, const struct bundle_check *c)
{
	struct json	 j;
	size_t		 i;

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_kv_str(&j, "file", file);
	json_kv_bool(&j, "ok", c->n == 0);
	json_kv_int(&j, "files", (int64_t)c->files);
	json_kv_str(&j, "manifest_sha256", c->have_manifest ?
	    c->manifest_sha256 : NULL);
	json_key(&j, "problems");
	json_arr_begin(&j);
	for (i = 0; i < c->n; i++) {
		json_obj_begin(&j);
		json_kv_str(&j, "path", c->v[i].path);
		json_key(&j, "line");
		if (c->v[i].line > 0)
			json_int(&j, (int64_t)c->v[i].line);
		else
			json_null(&j);
		json_key(&j, "column");
		if (c->v[i].line > 0)
			json_int(&j, (int64_t)c->v[i].col);
		else
			json_null(&j);
		json_kv_str(&j, "problem", c->v[i].what);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	return cmd_json_end(&j);
}

static int
verify_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct bundle_check	 c;
	const char		*file = NULL;
	char			 why[1024];
	size_t			 i;
	int			 ch, r, status;

	for (;;) {
		while ((ch = cmd_getopt(ctx, argc, argv, "", NULL)) != -1) {
			if (ch == 'h')
				return cmd_usage(&cmd_verify_bundle_entry,
				    NULL, true);
			return EXIT_USAGE;
		}
		if (optind >= argc)
			break;
		if (file != NULL) {
			cmd_error(ctx, "one bundle at a time: '%s' and '%s'",
			    file, argv[optind]);
			return EXIT_USAGE;
		}
		file = argv[optind++];
	}
	if (file == NULL) {
		cmd_error(ctx, "a bundle file is needed");
		cmd_usage(&cmd_verify_bundle_entry, NULL, false);
		return EXIT_USAGE;
	}
	if ((r = bundle_verify(file, &c, why, sizeof why)) != 0) {
		cmd_error(ctx, "%s", why);
		return EXIT_USAGE;
	}
	status = c.n == 0 ? EXIT_OK : EXIT_FAILED;
	if (ctx->json) {
		r = print_json(file, &c);
		bundle_check_release(&c);
		return r != EXIT_OK ? r : status;
	}
	for (i = 0; i < c.n; i++)
		print_problem(file, &c.v[i]);
	if (c.n == 0)
		printf("%s: %zu files verified\n", file, c.files);
	else
		printf("%s: %zu problem%s\n", file, c.n, cmd_plural(c.n));
	if (c.have_manifest)
		printf("%s: manifest SHA-256 %s\n", file, c.manifest_sha256);
	bundle_check_release(&c);
	return status;
}

const struct cmd_entry cmd_verify_bundle_entry = {
	.name = "verify-bundle",
	.usage = "verify-bundle FILE [--json]",
	.summary =
	    "Checks the evidence bundle FILE (from report --bundle) against "
	    "its manifest,\nwithout extracting it: prints one line per "
	    "problem (a file changed, missing\nor not in the manifest, a "
	    "manifest line that does not parse, an unsafe entry)\nand exits "
	    "1, or 'FILE: N files verified' and exits 0; then the "
	    "manifest's own\nSHA-256.  Exits 2 when FILE is not a tar.gz or "
	    "zip archive.\n"
	    "\n"
	    "      --json               one JSON object: file, ok, files, "
	    "manifest_sha256,\n"
	    "                           problems (path, line, column, "
	    "problem)",
	.exec = verify_main,
};
