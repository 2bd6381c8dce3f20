/*
 * The rollout planner (see rollout.h for the rules).  A plan costs
 * O(n log n) for the tier sort and O(n) for the rest: sites are numbered
 * in one pass over a hash map, hosts are grouped by site with a counting
 * sort, and the canary's round-robin keeps a list of the sites that still
 * have hosts, so a round costs only the sites it takes from.  Every index
 * of a plan lives in one array, wave after wave, and each wave points
 * into it.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "errors.h"
#include "hostrange.h"
#include "json.h"
#include "rollout.h"
#include "strmap.h"
#include "xmalloc.h"

static int
check_wave(const struct rollout_size *z, size_t entry, struct diags *d)
{
	const char	*file = z->pos.file;

	if (!z->set)
		diag_err(d, file, z->pos.line, z->pos.col,
		    "waves entry %zu has no size", entry);
	else if (z->percent && (z->value < 1 || z->value > 100))
		diag_err(d, file, z->pos.line, z->pos.col,
		    "waves entry %zu is %u%%: a percentage must be 1%% to "
		    "100%%", entry, z->value);
	else if (!z->percent && z->value == 0)
		diag_err(d, file, z->pos.line, z->pos.col,
		    "waves entry %zu is 0: a wave needs at least one host",
		    entry);
	else
		return 0;
	return -1;
}

static int
check_budget(const struct rollout_size *z, const char *what,
    struct diags *d)
{
	if (!z->set || !z->percent || z->value <= 100)
		return 0;
	diag_err(d, z->pos.file, z->pos.line, z->pos.col,
	    "%s is %u%%: a percentage must be 0%% to 100%%", what, z->value);
	return -1;
}

/* Adds one error per bad option; returns how many there were. */
static int
check_opts(const struct rollout_opts *o, size_t n, struct diags *d)
{
	const struct srcpos	*cp = &o->canary_pos;
	size_t			 i;
	int			 bad = 0;

	if (o->canary > n) {
		diag_err(d, cp->file, cp->line, cp->col, "canary is %zu: the "
		    "run has only %zu host%s", o->canary, n, n == 1 ? "" : "s");
		bad++;
	}
	for (i = 0; i < o->nwaves; i++)
		bad -= check_wave(&o->waves[i], i + 1, d);
	bad -= check_budget(&o->max_fail, "max_fail", d);
	bad -= check_budget(&o->max_unreachable, "max_unreachable", d);
	return bad;
}

struct tiered {
	int	 tier;
	size_t	 i;
};

static int
tier_cmp(const void *a, const void *b)
{
	const struct tiered	*x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	/* qsort() is not stable; the index makes it so. */
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Fills order[0..n) with host indices in run order. */
static void
run_order(const struct host *const *hosts, size_t n, bool by_tier,
    size_t *order)
{
	struct tiered	*t;
	size_t		 i;

	if (!by_tier) {
		for (i = 0; i < n; i++)
			order[i] = i;
		return;
	}
	t = xreallocarray(NULL, n, sizeof(*t));
	for (i = 0; i < n; i++) {
		/* No tier (INV_UNSET) sorts after every tier. */
		t[i].tier = hosts[i]->tier < 0 ? INT_MAX : hosts[i]->tier;
		t[i].i = i;
	}
	qsort(t, n, sizeof(*t), tier_cmp);
	for (i = 0; i < n; i++)
		order[i] = t[i].i;
	free(t);
}

/*
 * Numbers the sites of the hosts list[0..m) names, in the order their
 * first host comes: site[j] is the number of list[j]'s site.  Hosts with
 * no site share one number.  Returns how many sites there are.
 */
static size_t
number_sites(const struct host *const *hosts, const size_t *list,
    size_t m, size_t *site)
{
	struct strmap	 map = STRMAP_INIT;
	const char	*key;
	unsigned	 s;
	size_t		 j, nsites = 0;

	for (j = 0; j < m; j++) {
		/* "" is no valid site name, so it cannot clash. */
		key = hosts[list[j]]->site != NULL ? hosts[list[j]]->site : "";
		if (!strmap_get(&map, key, &s)) {
			s = (unsigned)nsites++;
			strmap_put(&map, key, s);
		}
		site[j] = s;
	}
	strmap_release(&map);
	return nsites;
}

/*
 * A stable counting sort of the positions 0..m by site: by[] gets the
 * positions site after site, and site s's part is by[start[s]] up to
 * by[start[s + 1]].  start has nsites + 1 entries.
 */
static void
group_by_site(const size_t *site, size_t m, size_t nsites, size_t *start,
    size_t *by)
{
	size_t	 j, s;

	memset(start, 0, (nsites + 1) * sizeof(*start));
	for (j = 0; j < m; j++)
		start[site[j] + 1]++;
	for (s = 0; s < nsites; s++)
		start[s + 1] += start[s];
	/* Fill with start[] as cursors, which moves each to the next... */
	for (j = 0; j < m; j++)
		by[start[site[j]]++] = j;
	/* ...so shift them back. */
	memmove(start + 1, start, nsites * sizeof(*start));
	start[0] = 0;
}

/*
 * Marks the k canary positions of the n in run order: round-robin over
 * the sites, each site giving its next host.  A site that runs out
 * leaves the live list, so every visit takes a host.
 */
static void
pick_canary(const size_t *site, size_t n, size_t nsites, size_t k,
    bool *picked)
{
	size_t	*start, *by, *next, *live;
	size_t	 i, w, s, nlive, taken = 0;

	start = xreallocarray(NULL, nsites + 1, sizeof(*start));
	by = xreallocarray(NULL, n, sizeof(*by));
	next = xreallocarray(NULL, nsites, sizeof(*next));
	live = xreallocarray(NULL, nsites, sizeof(*live));
	group_by_site(site, n, nsites, start, by);
	for (s = 0; s < nsites; s++) {
		next[s] = start[s];
		live[s] = s;
	}
	nlive = nsites;
	/* k <= n, so the live sites cannot run out first. */
	while (taken < k) {
		for (i = w = 0; i < nlive && taken < k; i++) {
			s = live[i];
			picked[by[next[s]++]] = true;
			taken++;
			if (next[s] < start[s + 1])
				live[w++] = s;
		}
		nlive = w;
	}
	free(live);
	free(next);
	free(by);
	free(start);
}

/*
 * Regroups list[0..m) by site for serial_site, sites in the order their
 * first host comes.  Returns a new array of nsites + 1 bounds: site g's
 * hosts are list[bounds[g]] up to list[bounds[g + 1]].
 */
static size_t *
regroup_by_site(const struct host *const *hosts, size_t *list, size_t m)
{
	size_t	*site, *by, *copy, *bounds;
	size_t	 nsites, j;

	site = xreallocarray(NULL, m, sizeof(*site));
	by = xreallocarray(NULL, m, sizeof(*by));
	copy = xreallocarray(NULL, m, sizeof(*copy));
	nsites = number_sites(hosts, list, m, site);
	bounds = xreallocarray(NULL, nsites + 1, sizeof(*bounds));
	group_by_site(site, m, nsites, bounds, by);
	memcpy(copy, list, m * sizeof(*copy));
	for (j = 0; j < m; j++)
		list[j] = copy[by[j]];
	free(copy);
	free(by);
	free(site);
	return bounds;
}

static void
add_wave(struct rollout_plan *p, size_t *cap, size_t *hosts, size_t n,
    size_t number)
{
	struct rollout_wave	*w;

	if (p->nwaves == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		p->waves = xreallocarray(p->waves, *cap, sizeof(*p->waves));
	}
	w = &p->waves[p->nwaves++];
	w->hosts = hosts;
	w->n = n;
	w->number = number;
}

/* The size of the wave that waves entry e gives, in a run of total. */
static size_t
wave_size(const struct rollout_opts *o, size_t e, size_t total)
{
	const struct rollout_size	*z;
	uint64_t			 v;

	if (o->nwaves == 0)
		return SIZE_MAX;
	z = &o->waves[e];
	if (!z->percent)
		return z->value;
	/* Rounded up, so never 0 for a run with hosts. */
	v = ((uint64_t)z->value * total + 99) / 100;
	return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

/*
 * Cuts list[0..m) into waves 1, 2, ...  With bounds (serial_site), a wave
 * also ends where a site's hosts end.
 */
static void
cut_waves(struct rollout_plan *p, size_t *cap, const struct rollout_opts *o,
    size_t *list, size_t m, const size_t *bounds)
{
	size_t	 pos = 0, end, limit, size, e = 0, g = 0, number = 1;

	while (pos < m) {
		size = wave_size(o, e, p->nhosts);
		/* The last entry stays for every wave after it. */
		if (e + 1 < o->nwaves)
			e++;
		limit = m;
		if (bounds != NULL) {
			while (bounds[g + 1] <= pos)
				g++;
			limit = bounds[g + 1];
		}
		end = limit - pos < size ? limit : pos + size;
		add_wave(p, cap, list + pos, end - pos, number++);
		pos = end;
	}
}

static void
copy_budget(struct rollout_size *dst, const struct rollout_size *src)
{
	*dst = *src;
	/* The position's file is not ours to keep. */
	memset(&dst->pos, 0, sizeof(dst->pos));
}

int
rollout_plan(const struct host *const *hosts, size_t n,
    const struct rollout_opts *o, struct rollout_plan *out,
    struct diags *d)
{
	size_t	*order = NULL, *site = NULL, *bounds = NULL;
	bool	*picked = NULL;
	size_t	 cap = 0, nsites, m = 0, j;

	memset(out, 0, sizeof(*out));
	if (check_opts(o, n, d) != 0)
		return LB_ERR_INVALID;
	out->nhosts = n;
	copy_budget(&out->max_fail, &o->max_fail);
	copy_budget(&out->max_unreachable, &o->max_unreachable);
	if (n == 0)
		return 0;

	order = xreallocarray(NULL, n, sizeof(*order));
	out->idx = xreallocarray(NULL, n, sizeof(*out->idx));
	run_order(hosts, n, o->order_tier, order);
	if (o->canary > 0) {
		site = xreallocarray(NULL, n, sizeof(*site));
		picked = xcalloc(n, sizeof(*picked));
		nsites = number_sites(hosts, order, n, site);
		pick_canary(site, n, nsites, o->canary, picked);
		for (j = 0; j < n; j++) {
			if (picked[j])
				out->idx[m++] = order[j];
		}
		add_wave(out, &cap, out->idx, m, 0);
	}
	/* The hosts after the canary, still in run order. */
	for (j = 0; j < n; j++) {
		if (picked == NULL || !picked[j])
			out->idx[m++] = order[j];
	}
	if (o->serial_site && n > o->canary)
		bounds = regroup_by_site(hosts, out->idx + o->canary,
		    n - o->canary);
	cut_waves(out, &cap, o, out->idx + o->canary, n - o->canary, bounds);

	free(bounds);
	free(picked);
	free(site);
	free(order);
	return 0;
}

void
rollout_plan_release(struct rollout_plan *p)
{
	free(p->waves);
	free(p->idx);
	memset(p, 0, sizeof(*p));
}

static bool
plan_has_canary(const struct rollout_plan *p)
{
	return p->nwaves > 0 && p->waves[0].number == 0;
}

static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* One budget's part of the "halt:" line; sets *sep once it wrote. */
static void
print_budget(FILE *fp, const struct rollout_size *b, const char *what,
    const char *canary_rule, bool canary, const char **sep)
{
	if (b->set && b->percent)
		fprintf(fp, "%smore than %u%% %s", *sep, b->value, what);
	else if (b->set && b->value == 0)
		fprintf(fp, "%sany %s host", *sep, what);
	else if (b->set)
		fprintf(fp, "%smore than %u %s", *sep, b->value, what);
	else if (canary)
		fprintf(fp, "%s%s", *sep, canary_rule);
	else
		return;
	*sep = ", ";
}

int
rollout_plan_print(const struct rollout_plan *p,
    const struct host *const *hosts, FILE *fp)
{
	const char	**names;
	const char	 *sep = "";
	char		 *folded;
	bool		  canary = plan_has_canary(p);
	size_t		  i, j, max = 1;

	fprintf(fp, "rollout: %zu host%s in %zu wave%s\n", p->nhosts,
	    plural(p->nhosts), p->nwaves, plural(p->nwaves));
	fputs("halt: ", fp);
	print_budget(fp, &p->max_fail, "failed", "a failed canary host",
	    canary, &sep);
	print_budget(fp, &p->max_unreachable, "unreachable",
	    "a canary with every host unreachable", canary, &sep);
	fputs(*sep == '\0' ? "never\n" : "\n", fp);

	for (i = 0; i < p->nwaves; i++) {
		if (p->waves[i].n > max)
			max = p->waves[i].n;
	}
	names = xreallocarray(NULL, max, sizeof(*names));
	for (i = 0; i < p->nwaves; i++) {
		for (j = 0; j < p->waves[i].n; j++)
			names[j] = hosts[p->waves[i].hosts[j]]->name;
		folded = hostrange_fold(names, p->waves[i].n);
		fprintf(fp, "wave %zu%s: %zu host%s: %s\n", p->waves[i].number,
		    p->waves[i].number == 0 ? " (canary)" : "", p->waves[i].n,
		    plural(p->waves[i].n), folded);
		free(folded);
	}
	free(names);
	return ferror(fp) ? LB_ERR_SYSTEM : 0;
}

static void
json_budget(struct json *j, const char *key, const struct rollout_size *b)
{
	json_key(j, key);
	if (!b->set) {
		json_null(j);
		return;
	}
	json_obj_begin(j);
	json_kv_int(j, b->percent ? "percent" : "count", b->value);
	json_obj_end(j);
}

void
rollout_plan_json(const struct rollout_plan *p,
    const struct host *const *hosts, struct json *j)
{
	const struct rollout_wave	*w;
	size_t				 i, k;

	json_obj_begin(j);
	json_kv_int(j, "hosts", (int64_t)p->nhosts);
	json_budget(j, "max_fail", &p->max_fail);
	json_budget(j, "max_unreachable", &p->max_unreachable);
	json_key(j, "waves");
	json_arr_begin(j);
	for (i = 0; i < p->nwaves; i++) {
		w = &p->waves[i];
		json_obj_begin(j);
		json_kv_int(j, "number", (int64_t)w->number);
		json_kv_bool(j, "canary", w->number == 0);
		json_kv_int(j, "size", (int64_t)w->n);
		json_key(j, "hosts");
		json_arr_begin(j);
		for (k = 0; k < w->n; k++)
			json_str(j, hosts[w->hosts[k]]->name);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

size_t
rollout_tally_done(const struct rollout_tally *t)
{
	return t->ok + t->failed + t->unreachable + t->skipped;
}

/* Whether count of done hosts is past budget b. */
static bool
over(const struct rollout_size *b, size_t count, size_t done)
{
	if (!b->set)
		return false;
	if (!b->percent)
		return count > b->value;
	return (uint64_t)count * 100 > (uint64_t)b->value * done;
}

static void
explain(char *why, size_t whylen, size_t count, size_t of,
    const char *what, const char *budget, const struct rollout_size *b)
{
	if (why == NULL || whylen == 0)
		return;
	if (budget == NULL)
		snprintf(why, whylen, "%zu of %zu canary host%s %s", count, of,
		    plural(of), what);
	else
		snprintf(why, whylen, "%zu of %zu host%s %s, more than %s %u%s",
		    count, of, plural(of), what, budget, b->value,
		    b->percent ? "%" : "");
}

enum rollout_halt
rollout_should_halt(const struct rollout_opts *o,
    const struct rollout_tally *t, char *why, size_t whylen)
{
	size_t	 done = rollout_tally_done(t);
	bool	 canary_only = o->canary > 0 && done <= o->canary;

	if (over(&o->max_fail, t->failed, done)) {
		explain(why, whylen, t->failed, done, "failed", "max_fail",
		    &o->max_fail);
		return ROLLOUT_HALT_FAILED;
	}
	if (!o->max_fail.set && canary_only && t->failed > 0) {
		explain(why, whylen, t->failed, o->canary, "failed", NULL,
		    NULL);
		return ROLLOUT_HALT_CANARY_FAILED;
	}
	if (over(&o->max_unreachable, t->unreachable, done)) {
		explain(why, whylen, t->unreachable, done, "unreachable",
		    "max_unreachable", &o->max_unreachable);
		return ROLLOUT_HALT_UNREACHABLE;
	}
	if (!o->max_unreachable.set && canary_only && done == o->canary &&
	    t->unreachable == done) {
		explain(why, whylen, t->unreachable, o->canary,
		    "unreachable, nothing was tried", NULL, NULL);
		return ROLLOUT_HALT_CANARY_UNREACHABLE;
	}
	return ROLLOUT_GO;
}

const char *
rollout_halt_name(enum rollout_halt h)
{
	switch (h) {
	case ROLLOUT_GO:
		return "go";
	case ROLLOUT_HALT_FAILED:
		return "max_fail";
	case ROLLOUT_HALT_CANARY_FAILED:
		return "canary_failed";
	case ROLLOUT_HALT_UNREACHABLE:
		return "max_unreachable";
	case ROLLOUT_HALT_CANARY_UNREACHABLE:
		return "canary_unreachable";
	}
	return "?";
}
