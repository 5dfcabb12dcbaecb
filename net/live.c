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

/* Per sandbox run: the helper's page, or the fallback to requests. */
struct live_net {
	char *ctl;
	int page;	 /* -1: not open */
	bool no_page;	 /* a helper without a page: ask it every time */
	bool have_ports; /* ports below were listed at fwd_gen ports_gen */
	uint64_t ports_gen;
	char *ports;
};

void live_net_free(void *state)
{
	struct live_net *n = state;

	if (!n)
		return;
	if (n->page >= 0)
		close(n->page);
	free(n->ctl);
	free(n->ports);
	free(n);
}

static char *list_ports(const char *ctl)
{
	_cleanup_free_ char *reply = NULL;
	return net_ctl_request(ctl, "list", &reply, NULL) >= 0 ? ports_from_list(reply) : NULL;
}

/* Through the page: a read or two, and the port list only when forwards changed. */
static int from_page(struct live_net *n, bool want_ports, uint64_t *ret_rx, uint64_t *ret_tx,
		     char **ret_ports)
{
	uint64_t gen;
	int r = net_page_read(n->page, ret_rx, ret_tx, &gen, NULL);

	if (r < 0) {
		/* The helper ended: open a new one's next time, if any. */
		close(n->page);
		n->page = -1;
		n->have_ports = false;
		return r;
	}
	if (!want_ports)
		return 0;
	if (!n->have_ports || gen != n->ports_gen) {
		_cleanup_free_ char *text = NULL;
		uint64_t rx, tx;
		free(n->ports);
		n->ports = NULL;
		/* Generation 0: no forward was ever added, nothing to read. */
		if (gen && net_page_read(n->page, &rx, &tx, &gen, &text) == 0)
			n->ports = ports_from_list(text);
		else if (gen)
			n->ports = list_ports(n->ctl);
		n->ports_gen = gen;
		n->have_ports = true;
	}
	*ret_ports = n->ports ? xstrdup(n->ports) : NULL;
	return 0;
}

/* A helper without a page: "stats" (and "list") requests. */
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
		n->page = -1;
		*state = n;
	}
	if (n->page < 0 && !n->no_page) {
		n->page = net_page_open(s->runtime_dir);
		/* A socket without a page beside it: a helper from before the page. */
		if (n->page == -ENOENT && path_exists(n->ctl))
			n->no_page = true;
		else if (n->page < 0)
			return n->page; /* not up yet, or gone: tried again next refresh */
	}
	if (n->page >= 0)
		return from_page(n, want_ports, ret_rx, ret_tx, ret_ports);
	return from_requests(n->ctl, want_ports, ret_rx, ret_tx, ret_ports);
}
