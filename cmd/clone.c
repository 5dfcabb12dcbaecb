/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box clone SRC DST: a new sandbox with a copy of SRC's writable layer and settings.
 */
#include "../core/sandbox/snapshot.h"
#include "cmd.h"

static int run_clone(int argc, char **argv)
{
	struct box_err *err = NULL;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 3)
		return cmd_usage_error("clone", "expected SRC DST");
	if (sandbox_clone(argv[1], argv[2], &err) < 0)
		return cmd_fail(err, "clone '%s' to '%s'", argv[1], argv[2]);
	return 0;
}

const struct box_command cmd_clone = {
	.name = "clone",
	.summary = "a new sandbox with a copy of another's writable layer and settings",
	.usage = "usage: box clone SRC DST\n\n"
		 "DST gets a copy of SRC's writable layer (and its isolated home, if it has\n"
		 "one) and the same image, storage, network, ports and settings. A running\n"
		 "SRC is frozen while it is copied.",
	.run = run_clone,
};
