/*
 * lifeboat inventory: look at the inventory.
 *
 *	list [PATTERN]	hosts as a table, or JSON with --json
 *	graph [PATTERN]	sites and their hosts as a tree
 *	check		every problem in the inventories, at once
 *	import FILE	an Ansible or CSV inventory as native YAML
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "diag.h"
#include "errors.h"
#include "inventory.h"
#include "inventory-emit.h"
#include "json.h"
#include "pattern.h"
#include "xmalloc.h"

#define MAX_SHOWN_ERRORS	20

/*
 * Resolves pattern text to host indices.  An empty result is a note here;
 * commands that act on hosts treat it as an error.
 */
static int
select_hosts(struct cmd_ctx *ctx, const struct inventory *inv,
    const char *text, unsigned **idx, size_t *n, struct diags *d)
{
	struct pattern	*p;

	*idx = NULL;
	*n = 0;
	if (pattern_parse(text, &p, d) != 0)
		return EXIT_USAGE;
	if (pattern_match(p, inv, idx, n, d) != 0) {
		pattern_free(p);
		return EXIT_USAGE;
	}
	pattern_free(p);
	if (*n == 0 && inv->nhosts > 0)
		diag_add(d, DIAG_NOTE, NULL, 0, 0,
		    "pattern '%s' matches no host", text);
	return EXIT_OK;
}

static const char *
dash(const char *s)
{
	return s != NULL ? s : "-";
}

static void
tags_text(const struct host *h, char *out, size_t len)
{
	size_t	 i, off = 0;
	int	 n;

	out[0] = '\0';
	for (i = 0; i < h->ntags && off < len; i++) {
		n = snprintf(out + off, len - off, "%s%s", i ? "," : "",
		    h->tags[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (h->ntags == 0)
		snprintf(out, len, "-");
}

static void
tier_text(const struct host *h, char *out, size_t len)
{
	if (h->tier == INV_UNSET)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%d", h->tier);
}

#define NCOLS	7

static void
host_row(const struct host *h, const char *cols[NCOLS], char *tier,
    char *tags, char *addr)
{
	int	 port;

	tier_text(h, tier, 8);
	tags_text(h, tags, 256);
	port = h->transport == TRANSPORT_WINRM ? h->winrm.port : h->ssh.port;
	if (h->transport == TRANSPORT_SIM)
		snprintf(addr, 300, "%s", dash(h->address));
	else
		snprintf(addr, 300, "%s:%d", dash(h->address), port);
	cols[0] = h->name;
	cols[1] = dash(h->site);
	cols[2] = dash(h->os);
	cols[3] = transport_name(h->transport);
	cols[4] = addr;
	cols[5] = tier;
	cols[6] = tags;
}

static int
list_table(const struct inventory *inv, const unsigned *idx, size_t n)
{
	static const char *const head[NCOLS] = {
		"HOST", "SITE", "OS", "TRANSPORT", "ADDRESS", "TIER", "TAGS",
	};
	const char	*cols[NCOLS];
	char		 tier[8], tags[256], addr[300];
	size_t		 w[NCOLS], i, c, l;

	if (n == 0)
		return EXIT_OK;

	for (c = 0; c < NCOLS; c++)
		w[c] = strlen(head[c]);
	for (i = 0; i < n; i++) {
		host_row(&inv->hosts[idx[i]], cols, tier, tags, addr);
		for (c = 0; c < NCOLS; c++)
			if ((l = strlen(cols[c])) > w[c])
				w[c] = l;
	}
	for (c = 0; c < NCOLS; c++)
		printf("%-*s%s", c + 1 < NCOLS ? (int)w[c] : 0, head[c],
		    c + 1 < NCOLS ? "  " : "\n");
	for (i = 0; i < n; i++) {
		host_row(&inv->hosts[idx[i]], cols, tier, tags, addr);
		for (c = 0; c < NCOLS; c++)
			printf("%-*s%s", c + 1 < NCOLS ? (int)w[c] : 0,
			    cols[c], c + 1 < NCOLS ? "  " : "\n");
	}
	return ferror(stdout) ? EXIT_FAILED : EXIT_OK;
}

static void
json_sources(struct json *j, const struct inventory *inv)
{
	size_t	 i;

	json_key(j, "sources");
	json_arr_begin(j);
	for (i = 0; i < inv->nsources; i++) {
		json_obj_begin(j);
		json_kv_str(j, "path", inv->sources[i].path);
		json_kv_str(j, "format",
		    inventory_format_name(inv->sources[i].format));
		json_obj_end(j);
	}
	json_arr_end(j);
}

static int
list_json(const struct inventory *inv, const char *pattern,
    const unsigned *idx, size_t n)
{
	struct json	 j;
	size_t		 i;

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_sources(&j, inv);
	json_kv_str(&j, "pattern", pattern);
	json_kv_int(&j, "count", (int64_t)n);
	json_key(&j, "hosts");
	json_arr_begin(&j);
	for (i = 0; i < n; i++)
		inventory_host_json(&j, &inv->hosts[idx[i]]);
	json_arr_end(&j);
	json_obj_end(&j);
	return cmd_json_end(&j);
}

/* Loads the inventories and selects the hosts of an optional pattern. */
static int
load_and_select(struct cmd_ctx *ctx, int argc, char **argv,
    struct inventory **inv, const char **pattern, unsigned **idx, size_t *n)
{
	struct diags	 d = DIAGS_INIT;
	int		 r;

	*idx = NULL;
	*n = 0;
	*pattern = optind < argc ? argv[optind] : "all";
	if (optind + 1 < argc) {
		cmd_error(ctx, "unexpected argument '%s' (quote a pattern "
		    "that has spaces)", argv[optind + 1]);
		*inv = NULL;
		return EXIT_USAGE;
	}
	r = cmd_load_inventory(ctx, inv, &d);
	if (r == EXIT_OK)
		r = select_hosts(ctx, *inv, *pattern, idx, n, &d);
	cmd_print_diags(ctx, &d, MAX_SHOWN_ERRORS);
	diags_release(&d);
	return r;
}

static int
inventory_list(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct inventory	*inv;
	const char		*pattern;
	unsigned		*idx;
	size_t			 n;
	int			 r, c;

	while ((c = cmd_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == 'h')
			return cmd_usage(&cmd_inventory_entry, "list", true);
		return EXIT_USAGE;
	}
	r = load_and_select(ctx, argc, argv, &inv, &pattern, &idx, &n);
	if (r == EXIT_OK)
		r = ctx->json ? list_json(inv, pattern, idx, n) :
		    list_table(inv, idx, n);
	free(idx);
	inventory_free(inv);
	return r;
}

/* What a simulated host will do, for the graph; "" for other hosts. */
static void
sim_text(const struct host *h, char *out, size_t len)
{
	out[0] = '\0';
	if (h->transport != TRANSPORT_SIM)
		return;
	if (h->sim.unreachable == TRISTATE_TRUE)
		snprintf(out, len, "  (sim: unreachable)");
	else if (h->sim.boot_every_ms > 0)
		snprintf(out, len, "  (sim: boot loop, up %llds every %llds)",
		    (long long)(h->sim.boot_up_ms / 1000),
		    (long long)(h->sim.boot_every_ms / 1000));
	else if (h->sim.fail_rate > 0)
		snprintf(out, len, "  (sim: fails %.0f%%)",
		    h->sim.fail_rate * 100);
}

struct graph_chars {
	const char	*mid;		/* a host that has more after it */
	const char	*last;
};

static void
graph_site(const struct inventory *inv, const char *name, const char *desc,
    const unsigned *idx, size_t n, const struct graph_chars *gc,
    size_t wname, size_t waddr)
{
	const struct host	*h;
	const char		*site;
	char			 tier[8], tags[256], sim[96];
	size_t			 i, count = 0, seen = 0;

	for (i = 0; i < n; i++) {
		site = inv->hosts[idx[i]].site;
		if ((name == NULL && site == NULL) || (name != NULL &&
		    site != NULL && strcmp(site, name) == 0))
			count++;
	}
	if (count == 0)
		return;
	printf("%s%s%s (%zu host%s)\n", name ? name : "(no site)",
	    desc ? ": " : "", desc ? desc : "", count, count == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		h = &inv->hosts[idx[i]];
		if (!((name == NULL && h->site == NULL) || (name != NULL &&
		    h->site != NULL && strcmp(h->site, name) == 0)))
			continue;
		tier_text(h, tier, sizeof tier);
		tags_text(h, tags, sizeof tags);
		sim_text(h, sim, sizeof sim);
		printf("%s%-*s  tier %-2s  %-7s  %-5s  %-*s  %s%s\n",
		    ++seen == count ? gc->last : gc->mid, (int)wname,
		    h->name, tier, dash(h->os), transport_name(h->transport),
		    (int)waddr, dash(h->address), tags, sim);
	}
}

static int
graph_json(const struct inventory *inv, const unsigned *idx, size_t n)
{
	struct json	 j;
	const char	*site;
	size_t		 s, i;

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_key(&j, "sites");
	json_arr_begin(&j);
	for (s = 0; s <= inv->nsites; s++) {
		site = s < inv->nsites ? inv->sites[s].name : NULL;
		json_obj_begin(&j);
		json_kv_str(&j, "name", site);
		json_kv_str(&j, "description",
		    s < inv->nsites ? inv->sites[s].description : NULL);
		json_key(&j, "hosts");
		json_arr_begin(&j);
		for (i = 0; i < n; i++) {
			const struct host *h = &inv->hosts[idx[i]];

			if ((site == NULL) != (h->site == NULL) ||
			    (site != NULL && strcmp(site, h->site) != 0))
				continue;
			json_str(&j, h->name);
		}
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	return cmd_json_end(&j);
}

static int
inventory_graph(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct graph_chars utf8 = {
		"\u251c\u2500\u2500 ", "\u2514\u2500\u2500 "
	}, ascii = { "|-- ", "`-- " };
	struct inventory	*inv;
	const char		*pattern;
	unsigned		*idx;
	size_t			 n, i, s, w = 0, wa = 1, nsites = 0;
	int			 r, c;

	while ((c = cmd_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == 'h')
			return cmd_usage(&cmd_inventory_entry, "graph", true);
		return EXIT_USAGE;
	}
	r = load_and_select(ctx, argc, argv, &inv, &pattern, &idx, &n);
	if (r != EXIT_OK || ctx->json) {
		if (r == EXIT_OK)
			r = graph_json(inv, idx, n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strlen(inv->hosts[idx[i]].name) > w)
			w = strlen(inv->hosts[idx[i]].name);
		if (inv->hosts[idx[i]].address != NULL &&
		    strlen(inv->hosts[idx[i]].address) > wa)
			wa = strlen(inv->hosts[idx[i]].address);
	}
	for (s = 0; s < inv->nsites; s++)
		for (i = 0; i < n; i++)
			if (inv->hosts[idx[i]].site != NULL && strcmp(
			    inv->hosts[idx[i]].site, inv->sites[s].name) == 0) {
				nsites++;
				break;
			}
	printf("%zu host%s in %zu site%s\n", n, n == 1 ? "" : "s", nsites,
	    nsites == 1 ? "" : "s");
	for (s = 0; s < inv->nsites; s++)
		graph_site(inv, inv->sites[s].name, inv->sites[s].description,
		    idx, n, cmd_utf8() ? &utf8 : &ascii, w, wa);
	graph_site(inv, NULL, NULL, idx, n, cmd_utf8() ? &utf8 : &ascii, w,
	    wa);
 out:
	free(idx);
	inventory_free(inv);
	return r;
}

static void
check_json(const struct inventory *inv, const struct diags *d)
{
	static const char *const levels[] = { "error", "warning", "note" };
	struct json	 j;
	size_t		 i;

	json_init(&j, stdout);
	json_obj_begin(&j);
	json_kv_bool(&j, "ok", d->nerrors == 0);
	json_sources(&j, inv);
	json_kv_int(&j, "hosts", (int64_t)inv->nhosts);
	json_kv_int(&j, "sites", (int64_t)inv->nsites);
	json_kv_int(&j, "groups", (int64_t)inv->ngroups);
	json_kv_int(&j, "errors", (int64_t)d->nerrors);
	json_kv_int(&j, "warnings", (int64_t)d->nwarnings);
	json_key(&j, "diagnostics");
	json_arr_begin(&j);
	for (i = 0; i < d->n; i++) {
		json_obj_begin(&j);
		json_kv_str(&j, "level", levels[d->v[i].level]);
		json_kv_str(&j, "file", d->v[i].file);
		json_kv_int(&j, "line", d->v[i].line);
		json_kv_int(&j, "column", d->v[i].col);
		json_kv_str(&j, "message", d->v[i].msg);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	cmd_json_end(&j);
}

static int
inventory_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	size_t			 i;
	int			 r, c;

	while ((c = cmd_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == 'h')
			return cmd_usage(&cmd_inventory_entry, "check", true);
		return EXIT_USAGE;
	}
	if (optind < argc) {
		cmd_error(ctx, "unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	r = cmd_load_inventory(ctx, &inv, &d);
	if (ctx->json && inv->nsources > 0) {
		diags_sort(&d);
		check_json(inv, &d);
	} else {
		cmd_print_diags(ctx, &d, (size_t)-1);
		for (i = 0; ctx->verbose > 0 && i < inv->nsources; i++)
			printf("read %s (%s)\n", inv->sources[i].path,
			    inventory_format_name(inv->sources[i].format));
		if (inv->nsources > 0 && ctx->verbose >= 0)
			printf("%s: %zu host%s in %zu site%s, %zu groups; "
			    "%zu error%s, %zu warning%s\n",
			    d.nerrors ? "inventory has problems" :
			    "inventory ok", inv->nhosts,
			    cmd_plural(inv->nhosts), inv->nsites,
			    cmd_plural(inv->nsites), inv->ngroups,
			    d.nerrors, cmd_plural(d.nerrors), d.nwarnings,
			    cmd_plural(d.nwarnings));
	}
	diags_release(&d);
	inventory_free(inv);
	return r;
}

static int
inventory_import(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct inventory	*inv;
	struct diags		 d = DIAGS_INIT;
	const char		*file;
	char			*title = NULL, *yaml = NULL;
	size_t			 len = 0;
	FILE			*mem = NULL;
	bool			 written = false;
	int			 r = EXIT_USAGE, c;

	while ((c = cmd_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == 'h')
			return cmd_usage(&cmd_inventory_entry, "import", true);
		return EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		cmd_error(ctx, optind == argc ? "no FILE to import" :
		    "one FILE at a time");
		return EXIT_USAGE;
	}
	file = argv[optind];
	/*
	 * The YAML is written from the inventory as read, before
	 * inventory_finish() fills in the built-in defaults, so that only
	 * what the file says is written.  It goes to memory first and out
	 * only when the whole file, finished, has no errors.
	 */
	inv = inventory_new();
	inventory_load_file(inv, file, INV_FORMAT_AUTO, &d);
	if (d.nerrors == 0) {
		if ((mem = open_memstream(&yaml, &len)) == NULL) {
			cmd_error(ctx, "cannot write output: %s",
			    strerror(errno));
			r = EXIT_FAILED;
			goto out;
		}
		xasprintf(&title, "lifeboat inventory, imported from %s (%s)",
		    file, inventory_format_name(inv->sources[0].format));
		c = inventory_emit_yaml(inv, mem, title, &d);
		if (fclose(mem) != 0 || c != 0) {
			cmd_error(ctx, "cannot write output");
			r = EXIT_FAILED;
			goto out;
		}
	}
	inventory_finish(inv, &d);
	written = d.nerrors == 0;
 out:
	cmd_print_diags(ctx, &d, MAX_SHOWN_ERRORS);
	if (written)
		r = fwrite(yaml, 1, len, stdout) == len ? EXIT_OK :
		    EXIT_FAILED;
	free(title);
	free(yaml);
	diags_release(&d);
	inventory_free(inv);
	return r;
}

static int
cmd_inventory_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct {
		const char	*name;
		const char	*full;		/* for messages */
		int		(*fn)(struct cmd_ctx *, int, char **);
	} subs[] = {
		{ "list", "inventory list", inventory_list },
		{ "ls", "inventory list", inventory_list },
		{ "graph", "inventory graph", inventory_graph },
		{ "check", "inventory check", inventory_check },
		{ "import", "inventory import", inventory_import },
	};
	const char	*names[5], *s;
	size_t		 i;
	int		 c;

	while ((c = cmd_getopt(ctx, argc, argv, NULL, NULL)) != -1) {
		if (c == 'h')
			return cmd_usage(&cmd_inventory_entry, NULL, true);
		return EXIT_USAGE;
	}
	if (optind >= argc) {
		cmd_error(ctx, "which one: list, graph, check or import?");
		return cmd_usage(&cmd_inventory_entry, NULL, false);
	}
	for (i = 0; i < sizeof subs / sizeof *subs; i++) {
		names[i] = subs[i].name;
		if (strcmp(argv[optind], subs[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;
			ctx->cmdname = subs[i].full;
			return subs[i].fn(ctx, argc, argv);
		}
	}
	s = diag_suggest(argv[optind], names, sizeof subs / sizeof *subs);
	if (s != NULL)
		cmd_error(ctx, "unknown command '%s' (did you mean '%s'?)",
		    argv[optind], s);
	else
		cmd_error(ctx, "unknown command '%s'; see 'lifeboat inventory "
		    "--help'", argv[optind]);
	return EXIT_USAGE;
}

const struct cmd_entry cmd_inventory_entry = {
	.name = "inventory",
	.usage =
	    "inventory list [PATTERN]\n"
	    "inventory graph [PATTERN]\n"
	    "inventory check\n"
	    "inventory import FILE",
	.summary =
	    "list: the hosts PATTERN selects (default all), as a table or "
	    "with --json.\n"
	    "graph: sites and their hosts as a tree.\n"
	    "check: load every inventory and report every problem at once.\n"
	    "import: print an Ansible INI/YAML or CSV inventory as native "
	    "YAML.",
	.exec = cmd_inventory_exec,
};
