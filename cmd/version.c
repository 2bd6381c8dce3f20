/*
 * lifeboat version: the version of lifeboat and of the libraries it uses.
 */
#include <stdio.h>
#include <yaml.h>

#include "cmd.h"
#include "json.h"

static int
cmd_version_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct json	 j;
	int		 c;

	while ((c = cmd_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == 'h')
			return cmd_usage(&cmd_version_entry, NULL, true);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		cmd_error(ctx, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!ctx->json) {
		printf("lifeboat %s\n", LIFEBOAT_VERSION);
		if (ctx->verbose > 0)
			printf("libyaml %s\n", yaml_get_version_string());
		return EXIT_OK;
	}
	json_init(&j, stdout);
	json_obj_begin(&j);
	json_kv_str(&j, "version", LIFEBOAT_VERSION);
	json_kv_str(&j, "libyaml", yaml_get_version_string());
	json_obj_end(&j);
	return cmd_json_end(&j);
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "version",
	.summary = "Print the version of lifeboat (with -v or --json, of its "
	    "libraries too).",
	.exec = cmd_version_exec,
};
