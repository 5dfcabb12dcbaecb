/* SPDX-License-Identifier: GPL-2.0-or-later */
/* box start NAME...: start stopped sandboxes; returns once each one's init is up. */
#include <stdio.h>

#include "../core/sandbox/sandbox.h"
#include "cmd.h"
#include "../core/project/hooks.h"
#include "../core/project/sbx.h"

static int run_start(int argc, char **argv)
{
	int status = 0;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc < 2)
		return cmd_usage_error("start", "expected a sandbox NAME");
	for (int i = 1; i < argc; i++) {
		struct box_err *err = NULL;
		sbx_upgrade_config(argv[i]);
		int r = sandbox_start(argv[i], &err);
		if (r < 0)
			status = cmd_fail(err, "start sandbox '%s'", argv[i]);
		else if (r == 0) {
			sbx_limit_warnings(argv[i]);
			hooks_after_start(argv[i]);
		}
	}
	return status;
}

const struct box_command cmd_start = {
	.name = "start",
	.summary = "start sandboxes",
	.usage = "usage: box start NAME...",
	.run = run_start,
};
