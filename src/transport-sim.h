/*
 * What the simulated transport (transport-sim.c) lets others ask about a
 * simulated host without connecting to it: whether its boot loop has it
 * up at a given moment, and when it next comes up.  Tests use these to
 * aim a connection into an up window; the engine may use them to show
 * what a tabletop exercise is doing.  Both are pure functions of the
 * context's seed and epoch, the host and the time asked about.
 */
#ifndef LIFEBOAT_TRANSPORT_SIM_H
#define LIFEBOAT_TRANSPORT_SIM_H

#include <stdbool.h>
#include <stdint.h>

struct host;
struct tp_ctx;

/*
 * True when the simulated host h answers at now (loop_now() scale): it is
 * not marked unreachable, and it has no boot loop or its boot loop has it
 * in an up window.
 */
bool		 sim_host_up(const struct tp_ctx *, const struct host *,
		    int64_t now);
/*
 * The first moment at or after now when h is up: now itself when it is
 * up, the start of its next up window when it is rebooting, or -1 when it
 * never is (unreachable, or a boot loop with no up time).
 */
int64_t		 sim_host_next_up(const struct tp_ctx *, const struct host *,
		    int64_t now);

#endif
