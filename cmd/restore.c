/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box restore NAME SNAP: put a snapshot back as a stopped sandbox's writable layer;
 * what it replaces is kept as a snapshot first.
 */
#include <stdio.h>

#include "../core/sandbox/snapshot.h"
#include "cmd.h"

static int run_restore(int argc, char **argv)
{
	struct box_err *err = NULL;
	_cleanup_free_ char *safety = NULL;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 3)
		return cmd_usage_error("restore", "expected NAME SNAP");
	if (snapshot_restore(argv[1], argv[2], &safety, &err) < 0)
		return cmd_fail(err, "restore '%s' to snapshot '%s'", argv[1], argv[2]);
	fprintf(stderr,
		"box: restored '%s' to snapshot '%s'; what it had is kept as snapshot '%s'\n",
		argv[1], argv[2], safety);
	return 0;
}

const struct box_command cmd_restore = {
	.name = "restore",
	.summary = "put a snapshot back as a stopped sandbox's writable layer",
	.usage = "usage: box restore NAME SNAP\n\n"
		 "The sandbox must be stopped. Its writable layer as it was is kept as the\n"
		 "snapshot before-restore-YYYYMMDD-HHMMSS, so a restore can be undone.",
	.run = run_restore,
};
