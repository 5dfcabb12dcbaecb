/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box __supervise NAME [--ready-fd N]: the detached supervisor of one running
 * sandbox, started by `box start` (core/supervisor.c). It reports readiness or its
 * error on fd N, then stays until the sandbox's init exits and cleans up.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "../core/sandbox/sandbox.h"
#include "../core/util/spawn.h"
#include "../core/util/util.h"
#include "cmd.h"

static int run_supervise(int argc, char **argv)
{
	static const struct option opts[] = { { "ready-fd", required_argument, NULL, 'r' },
					      { NULL, 0, NULL, 0 } };
	struct box_err *err = NULL;
	struct opts p;
	long fd = -1;
	int c;

	opts_init(&p, argc, argv, "", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c != 'r')
			return cmd_opts_error(&p);
		if (parse_int_range(p.arg, 3, 1 << 20, &fd) < 0)
			return cmd_usage_error("__supervise", "invalid --ready-fd '%s'", p.arg);
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	if (p.nargs != 1)
		return cmd_usage_error("__supervise", "expected NAME [--ready-fd N]");
	if (!sandbox_name_valid(argv[1]))
		return cmd_error("invalid sandbox name '%s'", argv[1]);
	if (sandbox_supervise(argv[1], (int)fd, &err) < 0) {
		/* The error goes to `box start` through the ready fd when it can. */
		if (fd >= 0)
			sync_send_error((int)fd, err);
		return cmd_fail(err, "supervise sandbox '%s'", argv[1]);
	}
	return 0;
}

const struct box_command cmd_supervise = {
	.name = "__supervise",
	.summary = "supervise one running sandbox",
	.usage = "usage: box __supervise NAME [--ready-fd N]",
	.run = run_supervise,
	.hidden = true,
};
