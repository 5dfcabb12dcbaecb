/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `box stats` and `box dash` share: the network counters of a sandbox from its
 * net helper (the stats snapshot's callback).
 */
#ifndef BOX_NET_LIVE_H
#define BOX_NET_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/cgroup/stats.h"

/*
 * stats_net_fn: the counters from the net helper's page (<runtime_dir>/net.page, kept
 * open), the port list from it only when the forwards changed; with a helper from
 * before the page, "stats" and "list" requests on its net.sock. Its per
 * sandbox state is released by live_net_free (stats_ctx_set_net_state_free).
 */
int live_net_counters(const struct sandbox_info *s, bool want_ports, uint64_t *ret_rx,
		      uint64_t *ret_tx, char **ret_ports, void **state, void *userdata);
void live_net_free(void *state);
#endif
