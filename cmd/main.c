/*
 * lifeboat: the entry point.  Parses the global options, finds the
 * command in the table below and runs it.  The table is the one list of
 * commands: --help, suggestions for mistyped commands and the man page
 * check in the tests all read it.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cmd.h"
#include "diag.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_exec_entry,
	&cmd_inventory_entry,
	&cmd_keys_entry,
	&cmd_report_entry,
	&cmd_rerun_entry,
	&cmd_resume_entry,
	&cmd_run_entry,
	&cmd_runs_entry,
	&cmd_signoff_entry,
	&cmd_tui_entry,
	&cmd_verify_bundle_entry,
	&cmd_version_entry,
};
#define NCMDS	(sizeof cmd_table / sizeof *cmd_table)

static void
main_help(FILE *fp)
{
	const struct cmd_entry	*e;
	const char		*p, *nl;
	size_t			 i;

	fputs("usage: lifeboat [-i INVENTORY]... [--json] [-v|-q] COMMAND "
	    "[ARGS]\n\ncommands:\n", fp);
	for (i = 0; i < NCMDS; i++) {
		e = cmd_table[i];
		for (p = e->usage; *p != '\0'; p = *nl ? nl + 1 : nl) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p);
			fprintf(fp, "  %.*s\n", (int)(nl - p), p);
		}
	}
	fputs("\noptions:\n"
	    "  -i, --inventory FILE  inventory file or directory; repeat to "
	    "merge\n"
	    "                        (default: $LIFEBOAT_INVENTORY, then\n"
	    "                        $XDG_CONFIG_HOME/lifeboat/inventory.yml)\n"
	    "      --json            write JSON to standard output\n"
	    "  -v, --verbose         say more\n"
	    "  -q, --quiet           only errors\n"
	    "  -h, --help            this help; COMMAND --help for a command\n"
	    "\nexit status: 0 success, 1 some hosts failed, 2 usage or "
	    "input error,\n"
	    "3 rollout halted, 130 interrupted.  See lifeboat(1).\n", fp);
}

static const struct cmd_entry *
find_cmd(const char *name)
{
	size_t	 i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	}
	return NULL;
}

static int
unknown_cmd(const char *name)
{
	const char	*names[NCMDS + 1], *s;
	size_t		 i;

	for (i = 0; i < NCMDS; i++)
		names[i] = cmd_table[i]->name;
	names[NCMDS] = "help";
	s = diag_suggest(name, names, NCMDS + 1);
	if (s != NULL)
		fprintf(stderr, "lifeboat: unknown command '%s' (did you mean "
		    "'%s'?)\n", name, s);
	else
		fprintf(stderr, "lifeboat: unknown command '%s'; see "
		    "'lifeboat --help'\n", name);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_ctx		 ctx;
	const struct cmd_entry	*e;
	int			 c, r;

	setlocale(LC_ALL, "");
	/* Before anything may call sodium_malloc() or randombytes(). */
	if (sodium_init() < 0) {
		fprintf(stderr, "lifeboat: cannot start libsodium\n");
		return EXIT_FAILED;
	}
	/* A closed pipe is an error on write, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof ctx);
	while ((c = cmd_getopt(&ctx, argc, argv, "V", longopts)) != -1) {
		switch (c) {
		case 'h':
			main_help(stdout);
			return EXIT_OK;
		case 'V':
			printf("lifeboat %s\n", LIFEBOAT_VERSION);
			return EXIT_OK;
		default:
			fputs("usage: lifeboat [-i INVENTORY]... [--json] "
			    "[-v|-q] COMMAND [ARGS]\n", stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0) {
		if (argc > 1 && (e = find_cmd(argv[1])) != NULL)
			return cmd_usage(e, NULL, true);
		if (argc > 1)
			return unknown_cmd(argv[1]);
		main_help(stdout);
		return EXIT_OK;
	}
	if ((e = find_cmd(argv[0])) == NULL)
		return unknown_cmd(argv[0]);
	ctx.cmdname = e->name;
	optind = 0;	/* glibc: a full reset for the command's own options */
	r = e->exec(&ctx, argc, argv);
	free(ctx.inventories);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "lifeboat: cannot write output\n");
		return r ? r : EXIT_FAILED;
	}
	return r;
}
