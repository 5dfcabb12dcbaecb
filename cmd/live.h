/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `box stats` and `box dash` share: the network counters of a sandbox from its
 * net helper (the stats snapshot's callback), and running the box binary itself for
 * the dashboard's actions.
 */
#ifndef BOX_CMD_LIVE_H
#define BOX_CMD_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/cgroup/stats.h"

/*
 * stats_net_fn: the counters from the net helper's shared page (mapped once through
 * "stats-fd" on <runtime_dir>/net.sock), the port list ("list") only when the
 * forwards changed; with an older helper, "stats" and "list" requests. Its per
 * sandbox state is released by live_net_free (stats_ctx_set_net_state_free).
 */
int live_net_counters(const struct sandbox_info *s, bool want_ports, uint64_t *ret_rx,
		      uint64_t *ret_tx, char **ret_ports, void **state, void *userdata);
void live_net_free(void *state);
/*
 * Run `box ARGV...` (the running binary). interactive: on this terminal, with SIGINT
 * and SIGQUIT left to the child. Otherwise stdin is /dev/null and the output is
 * captured; *ret_msg gets its last line without the "box: " prefix. Returns the exit
 * status (code or 128+N), or 125 when it could not be started.
 */
int live_run_box(char *const *argv, bool interactive, char **ret_msg);
/* Parse "--interval S" values: seconds, fractions allowed, 0.1 .. 3600. */
int live_parse_interval(const char *s, unsigned *ret_ms);

#endif
