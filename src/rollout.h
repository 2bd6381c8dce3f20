/*
 * The rollout planner: in which waves a playbook run takes its hosts, and
 * when the run must stop.  It is pure: no I/O, no clock, no loop.
 * rollout_plan() cuts the target hosts into waves before anything runs
 * (`run --check` prints that plan and stops there); between two waves the
 * runner adds up what happened so far and asks rollout_should_halt()
 * whether the next wave may start.  Pauses, manual gates, concurrency and
 * per-site limits belong to the runner and the engine, not to the plan.
 *
 * The rules, in the order they apply:
 *
 * Order.  Hosts are taken in the order given (inventory order).  With
 * order_tier they are stable-sorted by tier: tier 0 first, then 1, 2, ...,
 * and hosts with no tier last; within a tier, the order given.
 *
 * Canary.  With canary k > 0, wave 0 holds k hosts and no others.  They
 * are picked spread over the sites, so that a canary is not one site's
 * hosts only: the sites are listed in the order their first host comes in
 * the order above (hosts with no site count as one more site), and the
 * pick goes round them, taking each site's next host in turn (round 1 the
 * first host of every site, round 2 the second host of every site that
 * has one, ...) until k are taken.  Wave 0 lists them in the order above.
 * Example, in the order a1 a2 b1 a3 c1 b2 (sites a, b, c), canary 4 picks
 * a1 b1 c1 a2, and wave 0 is a1 a2 b1 c1.  With order_tier the spread
 * wins over tier inside the canary: it may take a site's tier 2 host
 * before another site's second tier 0 host.  A canary larger than the run
 * is an error.  Wave 0 exists only with a canary; it is the canary.
 *
 * Waves.  The other hosts, in the order above, fill waves 1, 2, ... the
 * way Ansible's `serial` does: entry i of waves (from 0) is the size of
 * wave i + 1, the last entry is used again until every host is placed,
 * and a wave comes out smaller only where the hosts run out.  A count is
 * a number of hosts, at least 1; a percentage (1..100) is of all the
 * hosts of the run, canary included, rounded up and at least 1 (Ansible
 * rounds down): 25% of 10 hosts is 3.  Without waves, all the hosts after
 * the canary form wave 1.  Example, 10 hosts, canary 1, waves [2, 30%]:
 * waves of 1 (the canary), 2, 3, 3 and 1 hosts.
 *
 * serial_site.  No wave after the canary holds hosts of two sites.  The
 * hosts after the canary are grouped by site (sites in the order their
 * first host comes, hosts in the order above within a site) and cut into
 * waves as above, except that a wave that reaches the last host of a site
 * ends there, and the next wave starts on the next site.  Sizes still
 * come one entry per wave: the sequence does not start again at each
 * site.  Example, hosts a1 b1 a2 b2 a3 (sites a and b), waves [2]:
 * a1 a2 | a3 | b1 b2.  With order_tier, tier order holds within a site,
 * and the site of the first host goes first.  The canary is spread over
 * sites all the same: it is small, and a canary in one site proves less.
 *
 * Failure budget.  The tally counts the hosts of the whole run so far,
 * over every wave finished, the canary included; done is ok + failed +
 * unreachable + skipped.  Failed and unreachable hosts are counted apart,
 * since an unreachable host never ran the fix and says nothing about it,
 * and each has its own budget, max_fail and max_unreachable:
 *  - unset: no limit;
 *  - a count k: halt when more than k hosts failed; with k 0 the first
 *    failure halts.  max_fail 2: 2 failed go on, 3 halt;
 *  - a percentage p (0..100): halt when failed * 100 > p * done, more than
 *    p% of the hosts done so far.  max_fail 20% with 10 done: 2 failed go
 *    on, 3 halt.  Nothing done never halts.
 * The same holds for max_unreachable with the unreachable hosts.  And
 * while the tally holds canary hosts only (done <= canary), since a
 * canary exists to stop the run: when max_fail is unset, one failed
 * canary host halts; when max_unreachable is unset, a canary whose hosts
 * were all unreachable (done == unreachable == canary) halts too, as it
 * tried nothing.  A budget that is set decides alone, canary or not.
 * Checks go in that order (failed, the canary's failures, unreachable,
 * the canary's unreachable) and the first that halts is the answer.
 */
#ifndef LIFEBOAT_ROLLOUT_H
#define LIFEBOAT_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "inventory.h"

struct diags;
struct json;

/* Longest reason rollout_should_halt() writes, with its NUL. */
#define ROLLOUT_WHY_MAX		128

/* A wave size or a budget: a count of hosts, or a percentage. */
struct rollout_size {
	bool		 set;
	bool		 percent;
	unsigned	 value;
	struct srcpos	 pos;		/* where written; file may be NULL */
};

struct rollout_opts {
	size_t			 canary;	/* 0: no canary */
	struct srcpos		 canary_pos;	/* where written, as pos */
	const struct rollout_size *waves;	/* not owned; may be NULL */
	size_t			 nwaves;
	struct rollout_size	 max_fail;
	struct rollout_size	 max_unreachable;
	bool			 order_tier;
	bool			 serial_site;
};

struct rollout_wave {
	size_t		*hosts;		/* indices into the input array */
	size_t		 n;		/* at least 1 */
	size_t		 number;	/* 0: the canary; then 1, 2, ... */
};

/* A plan owns its waves and index arrays; the hosts are the caller's. */
struct rollout_plan {
	struct rollout_wave	*waves;
	size_t			 nwaves;
	size_t			 nhosts;	/* in the run */
	size_t			*idx;		/* all waves' indices */
	struct rollout_size	 max_fail;	/* copies, for printing */
	struct rollout_size	 max_unreachable;
};

/* The hosts of a run so far, as rollout_should_halt() weighs them. */
struct rollout_tally {
	size_t		 ok;
	size_t		 failed;	/* ran, and the fix failed */
	size_t		 unreachable;	/* never got to run */
	size_t		 skipped;	/* nothing to do there */
};

enum rollout_halt {
	ROLLOUT_GO = 0,
	ROLLOUT_HALT_FAILED,		/* past max_fail */
	ROLLOUT_HALT_CANARY_FAILED,	/* a canary host failed */
	ROLLOUT_HALT_UNREACHABLE,	/* past max_unreachable */
	ROLLOUT_HALT_CANARY_UNREACHABLE, /* no canary host was reached */
};

/*
 * Plans a run on hosts[0..n) (not owned; read during the call only).
 * Clears *out first.  Returns 0 and fills *out, which the caller releases
 * with rollout_plan_release(); every host is in exactly one wave.  An
 * empty run has no waves.  Returns LB_ERR_INVALID when opts are bad (a
 * canary larger than the run, a wave size of 0 or 0%, a percentage over
 * 100), with one error diagnostic per problem at the position opts give,
 * and *out left empty.
 */
int		 rollout_plan(const struct host *const *hosts, size_t n,
		    const struct rollout_opts *, struct rollout_plan *out,
		    struct diags *);
/* Frees what a plan holds and leaves it empty; accepts an empty plan. */
void		 rollout_plan_release(struct rollout_plan *);

/*
 * Writes the plan for people, as `run --check` shows it: a line with the
 * hosts and waves, a line with what halts the run, then one line per wave
 * with its number, size and host names folded into ranges:
 *
 *	rollout: 10 hosts in 4 waves
 *	halt: more than 2 failed, more than 10% unreachable
 *	wave 0 (canary): 2 hosts: ams-web01,fra-web01
 *	wave 1: 3 hosts: ams-web[02:04]
 *
 * hosts must be the array the plan was made from.  Returns 0, or
 * LB_ERR_SYSTEM when writing to fp failed.
 */
int		 rollout_plan_print(const struct rollout_plan *,
		    const struct host *const *hosts, FILE *fp);
/*
 * Writes the plan as one JSON object value:
 *	{"hosts":10,"max_fail":{"count":2},"max_unreachable":null,
 *	 "waves":[{"number":0,"canary":true,"size":2,"hosts":["a","b"]},...]}
 * a budget is null, {"count":N} or {"percent":N}; host names in full.
 */
void		 rollout_plan_json(const struct rollout_plan *,
		    const struct host *const *hosts, struct json *);

/* ok + failed + unreachable + skipped. */
size_t		 rollout_tally_done(const struct rollout_tally *);

/*
 * Whether the run must halt before its next wave, by the rules above.
 * Returns ROLLOUT_GO, or what halts it; then, when why is not NULL,
 * writes one line (at most whylen bytes with the NUL, ROLLOUT_WHY_MAX is
 * enough) such as "3 of 10 hosts failed, more than max_fail 2".  why is
 * left alone on ROLLOUT_GO.  The answer only matters when a wave is left
 * to run; asked mid-wave, it weighs the hosts done so far.
 */
enum rollout_halt rollout_should_halt(const struct rollout_opts *,
		    const struct rollout_tally *, char *why, size_t whylen);
/* "go", "max_fail", "canary_failed", "max_unreachable",
   "canary_unreachable" */
const char	*rollout_halt_name(enum rollout_halt);

#endif
