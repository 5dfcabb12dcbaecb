/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box __netloop: the net helper's loop as a command of its own. Sandboxes start the
 * helper as a fork (net_helper_fork()), not this; tests and benchmarks give it the
 * tap fd and a readiness fd, or --netns PID to
 * attach to an existing network namespace owned by the user (the way
 * `slirp4netns --configure PID tap0` does). Hidden: not a user command.
 */
#include <stdio.h>
#include <string.h>

#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "../net/net.h"
#include "cmd.h"

enum {
	OPT_TAP = 1000,
	OPT_READY,
	OPT_MTU,
	OPT_INIT,
	OPT_NOLOOP,
	OPT_AUTO,
	OPT_CTL,
	OPT_PORT,
	OPT_NETNS
};

static const struct option options[] = {
	{ "tap-fd", required_argument, NULL, OPT_TAP },
	{ "ready-fd", required_argument, NULL, OPT_READY },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "init-pid", required_argument, NULL, OPT_INIT },
	{ "no-host-loopback", no_argument, NULL, OPT_NOLOOP },
	{ "auto-ports", no_argument, NULL, OPT_AUTO },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ NULL, 0, NULL, 0 },
};

struct netloop_args {
	struct net_helper_opts o;
	int ready_fd;
	long netns_pid;
};

static int parse_opt(int c, const struct opts *p, struct netloop_args *a)
{
	long v;

	switch (c) {
	case OPT_TAP:
	case OPT_READY:
		if (parse_int_range(p->arg, 0, 1 << 20, &v) < 0)
			return cmd_usage_error("__netloop", "bad fd '%s'", p->arg);
		*(c == OPT_TAP ? &a->o.tap_fd : &a->ready_fd) = (int)v;
		return 0;
	case OPT_MTU:
		if (parse_int_range(p->arg, 1280, 65520, &v) < 0)
			return cmd_usage_error("__netloop", "mtu '%s' is not in 1280..65520",
					       p->arg);
		a->o.mtu = (uint32_t)v;
		return 0;
	case OPT_INIT:
	case OPT_NETNS:
		if (parse_int_range(p->arg, 1, 1 << 30, &v) < 0)
			return cmd_usage_error("__netloop", "bad pid '%s'", p->arg);
		if (c == OPT_INIT)
			a->o.init_pid = (pid_t)v;
		else
			a->netns_pid = v;
		return 0;
	case OPT_NOLOOP:
		a->o.host_loopback = false;
		return 0;
	case OPT_AUTO:
		a->o.ports_auto = true;
		return 0;
	case OPT_CTL:
		a->o.ctl_path = p->arg;
		return 0;
	case OPT_PORT:
		strv_push(&a->o.ports, xstrdup(p->arg));
		return 0;
	default:
		return cmd_opts_error(p);
	}
}

static int run_netloop(int argc, char **argv)
{
	struct netloop_args a = {
		.o = { .tap_fd = -1, .mtu = NET_DEFAULT_MTU, .host_loopback = true },
		.ready_fd = -1,
	};
	_cleanup_strv_free_ char **ports = NULL;
	struct box_err *err = NULL;
	struct opts p;
	int c, r;

	opts_init(&p, argc, argv, "", options, 0);
	while ((c = opts_next(&p)) != OPTS_END)
		if ((r = parse_opt(c, &p, &a)) != 0)
			return r;
	ports = a.o.ports;
	if (p.nargs != 0)
		return cmd_usage_error("__netloop", "unexpected argument '%s'", p.args[0]);
	if (a.netns_pid > 0) {
		if (net_tap_open_in((pid_t)a.netns_pid, a.o.mtu, &a.o.tap_fd, &err) < 0)
			return cmd_fail(err, "attach to the network namespace of pid %ld",
					a.netns_pid);
		if (!a.o.init_pid)
			a.o.init_pid = (pid_t)a.netns_pid;
	}
	if (a.o.tap_fd < 0)
		return cmd_usage_error("__netloop", "--tap-fd or --netns is required");
	r = net_loop_run(&a.o, a.ready_fd, &err);
	if (r < 0) {
		/* With a ready fd, a setup error has already gone to whoever started us. */
		if (a.ready_fd >= 0) {
			box_err_free(err);
			return EXIT_BOX;
		}
		return cmd_fail(err, "network helper");
	}
	return 0;
}

const struct box_command cmd_netloop = {
	.name = "__netloop",
	.summary = "the userspace network loop of a sandbox (libslirp)",
	.usage = "usage: box __netloop (--tap-fd=FD | --netns=PID) [--ready-fd=FD] [--mtu=N]\n"
		 "         [--init-pid=PID] [--no-host-loopback] [--auto-ports] [--ctl=PATH]\n"
		 "         [--port=SPEC]...",
	.run = run_netloop,
	.hidden = true,
};
