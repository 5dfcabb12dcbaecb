/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The network counters of a running sandbox, for `box stats` and the dashboard (live.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/paths.h"
#include "../core/util/spawn.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "live.h"
#include "net.h"

/* "ok 127.0.0.1:8080->80/tcp" lines into "a, b". */
static char *ports_from_list(const char *reply)
{
	_cleanup_free_ char *copy = xstrdup(reply);
	char *out = NULL;

	for (char *s = copy, *save = NULL, *line; (line = strtok_r(s, "\n", &save)); s = NULL) {
		line = str_strip(line);
		if (str_startswith(line, "ok"))
			line = str_strip(line + 2);
		if (!*line || str_startswith(line, "error"))
			continue;
		/* "127.0.0.1:8080->80/tcp static": the spec, without how it was added. */
		line[strcspn(line, " \t")] = '\0';
		char *n = out ? xasprintf("%s, %s", out, line) : xstrdup(line);
		free(out);
		out = n;
	}
	return out;
}

/* Per sandbox run: the helper's shared counters, or the fallback to requests. */
struct live_net {
	char *ctl;
	const struct net_stats_shared *map;
	bool no_map;	 /* a helper without shared counters: ask it every time */
	bool have_ports; /* ports below were listed at fwd_gen ports_gen */
	uint64_t ports_gen;
	char *ports;
};

void live_net_free(void *state)
{
	struct live_net *n = state;

	if (!n)
		return;
	net_stats_unmap(n->map);
	free(n->ctl);
	free(n->ports);
	free(n);
}

static char *list_ports(const char *ctl)
{
	_cleanup_free_ char *reply = NULL;
	return net_ctl_request(ctl, "list", &reply, NULL) >= 0 ? ports_from_list(reply) : NULL;
}

/* Through the shared page: no syscall, and the port list only when forwards changed. */
static int from_map(struct live_net *n, bool want_ports, uint64_t *ret_rx, uint64_t *ret_tx,
		    char **ret_ports)
{
	if (!__atomic_load_n(&n->map->live, __ATOMIC_ACQUIRE)) {
		/* The helper ended; map a new one next time, if any. */
		net_stats_unmap(n->map);
		n->map = NULL;
		n->have_ports = false;
		return -ENOENT;
	}
	*ret_rx = __atomic_load_n(&n->map->rx_bytes, __ATOMIC_RELAXED);
	*ret_tx = __atomic_load_n(&n->map->tx_bytes, __ATOMIC_RELAXED);
	if (!want_ports)
		return 0;
	/* The generation is read before the list: a change in between is seen next time. */
	uint64_t gen = __atomic_load_n(&n->map->fwd_gen, __ATOMIC_ACQUIRE);
	if (!n->have_ports || gen != n->ports_gen) {
		free(n->ports);
		/* Generation 0: no forward was ever added, nothing to ask for. */
		n->ports = gen ? list_ports(n->ctl) : NULL;
		n->ports_gen = gen;
		n->have_ports = true;
	}
	*ret_ports = n->ports ? xstrdup(n->ports) : NULL;
	return 0;
}

/* A helper without shared counters: "stats" (and "list") requests. */
static int from_requests(const char *ctl, bool want_ports, uint64_t *ret_rx, uint64_t *ret_tx,
			 char **ret_ports)
{
	_cleanup_free_ char *reply = NULL;
	int r;

	if (!path_exists(ctl))
		return -ENOENT;
	r = net_ctl_request(ctl, "stats", &reply, NULL);
	if (r < 0)
		return r;
	r = stats_parse_net_reply(reply, strlen(reply), ret_rx, ret_tx);
	if (r < 0)
		return r;
	if (want_ports)
		*ret_ports = list_ports(ctl);
	return 0;
}

int live_net_counters(const struct sandbox_info *s, bool want_ports, uint64_t *ret_rx,
		      uint64_t *ret_tx, char **ret_ports, void **state, void *userdata)
{
	struct live_net *n = *state;

	if (!s->runtime_dir || (s->network && !streq(s->network, "slirp")))
		return -EOPNOTSUPP;
	if (!n) {
		n = xzalloc(sizeof(*n));
		n->ctl = xasprintf("%s/net.sock", s->runtime_dir);
		*state = n;
	}
	if (!n->map && !n->no_map) {
		int r = net_stats_map(n->ctl, &n->map, NULL);
		if (r == -EOPNOTSUPP)
			n->no_map = true;
		else if (r < 0)
			return r; /* not up yet, or gone: tried again next refresh */
	}
	if (n->map)
		return from_map(n, want_ports, ret_rx, ret_tx, ret_ports);
	return from_requests(n->ctl, want_ports, ret_rx, ret_tx, ret_ports);
}
