/*
 * lifeboat report RUN_ID: the report of a run, from its journal, as
 * text, JSON, JUnit XML or one self-contained HTML file, on standard
 * output or into a file; and with --bundle, the evidence bundle of the
 * run (src/bundle.c): its journal, its outputs, the four reports and a
 * manifest, in one archive for the after-action review.
 *
 * The secrets the inventory marks for the run's hosts are redacted
 * from everything written, on top of what the runner redacted when it
 * captured the outputs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "bundle.h"
#include "cmd.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "journal.h"
#include "report.h"
#include "xmalloc.h"
#include "ytree.h"

enum {
	OPT_FORMAT = CMD_OPT_NEXT,
	OPT_BUNDLE,
	OPT_MAX_OUTPUT,
};

static const struct option report_long[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "bundle", required_argument, NULL, OPT_BUNDLE },
	{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
	{ NULL, 0, NULL, 0 }
};

struct report_args {
	const char		*id;
	const char		*format;
	const char		*output;
	const char		*bundle;
	size_t			 max_output;
};

/* The secrets to redact: strings the caller does not own. */
struct secrets {
	const char	**v;
	size_t		  n;
};

static void
secret_add(struct secrets *s, const char *v)
{
	if (v == NULL || v[0] == '\0')
		return;
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = v;
}

/* Every scalar in a var's value: a list of tokens is secret too. */
static void
secret_node(struct secrets *s, const struct ynode *n, int depth)
{
	size_t	 i;

	if (n == NULL || depth > YTREE_MAX_DEPTH)
		return;
	if (n->type == YNODE_SCALAR) {
		secret_add(s, n->str);
		return;
	}
	for (i = 0; i < n->n * (n->type == YNODE_MAP ? 2 : 1); i++)
		secret_node(s, n->v[i], depth + 1);
}

/* Whether the default inventory (LIFEBOAT_INVENTORY, the config file)
 * is there, so that looking for it prints nothing when it is not. */
static bool
default_inventory(void)
{
	const char	*env = getenv("LIFEBOAT_INVENTORY");
	const char	*xdg = getenv("XDG_CONFIG_HOME");
	const char	*home = getenv("HOME");
	char		*cfg = NULL;
	bool		 there;

	if (env != NULL && *env != '\0')
		return true;
	if (xdg != NULL && *xdg == '/')
		xasprintf(&cfg, "%s/lifeboat/inventory.yml", xdg);
	else if (home != NULL)
		xasprintf(&cfg, "%s/.config/lifeboat/inventory.yml", home);
	there = cfg != NULL && access(cfg, F_OK) == 0;
	free(cfg);
	return there;
}

/*
 * The inventory whose secrets are redacted: -i when given, else the
 * inventories the run recorded when they are all still there, else the
 * default one.  Returns it (to free), or NULL when there is none.
 */
static struct inventory *
load_inventory(struct cmd_ctx *ctx, const struct jrun *run)
{
	struct inventory	*inv = NULL;
	struct diags		 d = DIAGS_INIT;
	const char		**saved = ctx->inventories;
	size_t			 nsaved = ctx->ninventories, i;
	int			 r;

	if (nsaved == 0 && run->ninv > 0) {
		for (i = 0; i < run->ninv; i++)
			if (access(run->inv_paths[i], R_OK) != 0)
				break;
		if (i == run->ninv) {
			ctx->inventories = (const char **)run->inv_paths;
			ctx->ninventories = run->ninv;
		}
	}
	if (ctx->ninventories == 0 && !default_inventory()) {
		if (ctx->verbose > 0)
			fprintf(stderr, "lifeboat: report: no inventory: no "
			    "secret of it is redacted\n");
		return NULL;
	}
	r = cmd_load_inventory(ctx, &inv, &d);
	ctx->inventories = saved;
	ctx->ninventories = nsaved;
	if (r != EXIT_OK && ctx->verbose > 0) {
		cmd_print_diags(ctx, &d, 10);
		fprintf(stderr, "lifeboat: report: the inventory does not "
		    "load: the secrets of the hosts it could not read are "
		    "not redacted\n");
	}
	diags_release(&d);
	return inv;
}

static void
collect_secrets(const struct jrun *run, const struct inventory *inv,
    struct secrets *s)
{
	const struct host	*h;
	size_t			 i, k;

	/* -e values under a secret's name. */
	for (i = 0; i < run->nvars; i++)
		if (inv_secret_name(run->var_names[i]))
			secret_add(s, run->var_values[i]);
	for (i = 0; inv != NULL && i < run->nhosts; i++) {
		if ((h = inventory_host(inv, run->hosts[i].name)) == NULL)
			continue;
		for (k = 0; k < h->nvars; k++)
			if (h->vars[k].secret)
				secret_node(s, h->vars[k].value, 0);
	}
}

int
cmd_report_text(const struct jrun *run, const char *dir,
    const struct inventory *inv, struct buf *out)
{
	struct secrets		 s = { NULL, 0 };
	struct report_opts	 ro;
	int			 r;

	collect_secrets(run, inv, &s);
	memset(&ro, 0, sizeof(ro));
	ro.secrets = s.v;
	ro.nsecrets = s.n;
	r = report_render(run, dir, REPORT_TEXT, &ro, out);
	free(s.v);
	return r;
}

static int
report_parse(struct cmd_ctx *ctx, int argc, char **argv,
    struct report_args *a)
{
	int	 c;

	for (;;) {
		while ((c = cmd_getopt(ctx, argc, argv, "o:",
		    report_long)) != -1) {
			switch (c) {
			case 'h':
				cmd_usage(&cmd_report_entry, NULL, true);
				return 1;
			case OPT_FORMAT:
				a->format = optarg;
				break;
			case 'o':
				a->output = optarg;
				break;
			case OPT_BUNDLE:
				a->bundle = optarg;
				break;
			case OPT_MAX_OUTPUT:
				if (cmd_parse_size(ctx, "--max-output",
				    optarg, &a->max_output) != 0)
					return -1;
				break;
			default:
				return -1;
			}
		}
		if (optind >= argc)
			break;
		if (a->id != NULL) {
			cmd_error(ctx, "one run at a time: '%s' and '%s'",
			    a->id, argv[optind]);
			return -1;
		}
		a->id = argv[optind++];
	}
	if (a->id == NULL) {
		cmd_error(ctx, "a run id is needed (or 'last')");
		cmd_usage(&cmd_report_entry, NULL, false);
		return -1;
	}
	return 0;
}

static int
write_report(struct cmd_ctx *ctx, const struct report_args *a,
    const struct buf *b)
{
	int	 err;

	if (a->output == NULL || strcmp(a->output, "-") == 0) {
		if (fwrite(b->data ? b->data : "", 1, b->len, stdout) !=
		    b->len || fflush(stdout) != 0) {
			cmd_error(ctx, "cannot write the report: %s",
			    strerror(errno));
			return EXIT_FAILED;
		}
		return EXIT_OK;
	}
	if ((err = atomic_write(a->output, b->data ? b->data : "", b->len,
	    0600)) != 0) {
		cmd_error(ctx, "cannot write %s: %s", a->output,
		    strerror(err));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

static int
make_bundle(struct cmd_ctx *ctx, const struct report_args *a,
    const struct jrun *run, const char *dir, const struct report_opts *ro,
    bool to_stderr)
{
	struct bundle_info	 bi;
	char			 why[512];

	if (bundle_write_run(a->bundle, run, dir, ro, &bi, why,
	    sizeof why) != 0) {
		cmd_error(ctx, "%s", why);
		return EXIT_FAILED;
	}
	if (ctx->verbose >= 0)
		fprintf(to_stderr ? stderr : stdout, "%s: %zu files; "
		    "manifest SHA-256 %s\n", a->bundle, bi.files,
		    bi.manifest_sha256);
	return EXIT_OK;
}

static int
report_main(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct report_args	 a;
	struct report_opts	 ro;
	struct secrets		 sec = { NULL, 0 };
	struct inventory	*inv = NULL;
	enum report_format	 f = REPORT_TEXT;
	struct jrun		 run;
	struct buf		 b;
	char			*dir = NULL;
	int			 r, status = EXIT_USAGE;
	bool			 loaded = false;

	memset(&a, 0, sizeof(a));
	buf_init(&b, REPORT_MAX_SIZE, 0);
	if ((r = report_parse(ctx, argc, argv, &a)) != 0)
		return r > 0 ? EXIT_OK : EXIT_USAGE;
	if (a.format != NULL && report_format_parse(a.format, &f) != 0) {
		cmd_error(ctx, "--format: '%s' is not text, json, junit or "
		    "html", a.format);
		return EXIT_USAGE;
	}
	if (a.format == NULL && ctx->json)
		f = REPORT_JSON;
	if (a.bundle != NULL && bundle_kind(a.bundle, NULL) != 0) {
		cmd_error(ctx, "--bundle: '%s' does not end in .tar.gz, .tgz "
		    "or .zip", a.bundle);
		return EXIT_USAGE;
	}
	if (cmd_load_run(ctx, a.id, &dir, &run) != EXIT_OK)
		goto out;
	loaded = true;
	inv = load_inventory(ctx, &run);
	collect_secrets(&run, inv, &sec);
	memset(&ro, 0, sizeof(ro));
	ro.secrets = sec.v;
	ro.nsecrets = sec.n;
	ro.max_output = a.max_output;
	status = EXIT_OK;
	if (a.bundle == NULL || a.output != NULL || a.format != NULL) {
		if ((r = report_render(&run, dir, f, &ro, &b)) != 0) {
			cmd_error(ctx, "cannot make the report of run %s: %s%s",
			    run.id, err_str(r), r == LB_ERR_LIMIT ? " (try a "
			    "smaller --max-output)" : "");
			status = EXIT_FAILED;
			goto out;
		}
		if ((status = write_report(ctx, &a, &b)) != EXIT_OK)
			goto out;
	}
	if (a.bundle != NULL)
		status = make_bundle(ctx, &a, &run, dir, &ro,
		    a.output == NULL && (a.format != NULL));
out:
	if (loaded)
		journal_run_release(&run);
	inventory_free(inv);
	free(sec.v);
	free(dir);
	buf_release(&b);
	return status;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "report RUN_ID [--format text|json|junit|html] [-o FILE] "
	    "[--bundle FILE]",
	.summary =
	    "Writes the report of run RUN_ID (an id, or 'last' for the "
	    "latest run) from its\njournal: the run, its tally, the "
	    "failures first, tables by wave and by site,\nsign-offs, the "
	    "timeline, durations and every step of every host.\n"
	    "\n"
	    "      --format FORMAT      text (default; json with --json), "
	    "json, junit or html\n"
	    "  -o, --output FILE        write the report to FILE (0600, "
	    "replaced whole)\n"
	    "      --bundle FILE        write the run's evidence bundle: "
	    "FILE.tar.gz, .tgz\n"
	    "                           or .zip (the report is then written "
	    "only with -o\n"
	    "                           or --format)\n"
	    "      --max-output SIZE    show the last SIZE bytes of each "
	    "output (default 16K)",
	.exec = report_main,
};
