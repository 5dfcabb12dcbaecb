/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box stop [--time SECS] NAME...: TERM to the sandbox's init, which passes it to
 * every process inside; KILL after SECS (default 10). Returns once the sandbox's
 * supervisor has cleaned up.
 */
#include <getopt.h>
#include <stdio.h>

#include "../core/sandbox/sandbox.h"
#include "../core/util/util.h"
#include "cmd.h"
#include "project.h"

static int run_stop(int argc, char **argv)
{
	static const struct option opts[] = { { "time", required_argument, NULL, 't' },
					      { NULL, 0, NULL, 0 } };
	long secs = 10;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c != 't')
			return cmd_usage_error("stop", "unknown option");
		if (parse_int_range(optarg, 0, 3600, &secs) < 0)
			return cmd_usage_error(
			    "stop", "--time: expected seconds (0-3600), not '%s'", optarg);
	}
	if (optind >= argc)
		return cmdproj_stop((unsigned)secs * 1000);
	for (int i = optind; i < argc; i++) {
		struct box_err *err = NULL;
		if (sandbox_stop(argv[i], (unsigned)secs * 1000, &err) < 0)
			status = cmd_fail(err, "stop sandbox '%s'", argv[i]);
	}
	return status;
}

static const struct box_command cmd_stop = {
	.name = "stop",
	.summary = "stop sandboxes",
	.usage = "usage: box stop [--time SECS] [NAME...]\n\n"
		 "Without NAME: the sandbox of the nearest .box.ini.\n\n"
		 "  -t, --time SECS   wait this long after TERM before KILL (default 10)",
	.run = run_stop,
};
BOX_COMMAND(cmd_stop);
