/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box snapshot NAME [SNAP]: keep a copy of a sandbox's writable layer (a running
 * sandbox is frozen while it is copied); box snapshot rm NAME SNAP removes one.
 */
#include <stdio.h>
#include <string.h>

#include "../core/sandbox/snapshot.h"
#include "../core/util/util.h"
#include "cmd.h"

static int run_snapshot(int argc, char **argv)
{
	struct box_err *err = NULL;
	struct copytree_stats st;
	_cleanup_free_ char *snap = NULL;
	char size[32];

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc == 4 && streq(argv[1], "rm")) {
		if (snapshot_remove(argv[2], argv[3], &err) < 0)
			return cmd_fail(err, "remove snapshot '%s' of '%s'", argv[3], argv[2]);
		return 0;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return cmd_usage_error("snapshot", "expected NAME [SNAP] or rm NAME SNAP");
	if (snapshot_create(argv[1], argc == 3 ? argv[2] : NULL, &snap, &st, &err) < 0)
		return cmd_fail(err, "snapshot '%s'", argv[1]);
	printf("%s\n", snap);
	fprintf(stderr, "box: snapshot '%s' of '%s': %llu files, %s (%llu shared by reflink)\n",
		snap, argv[1], (unsigned long long)st.files,
		format_bytes(st.bytes, size, sizeof(size)), (unsigned long long)st.reflinked);
	return 0;
}

const struct box_command cmd_snapshot = {
	.name = "snapshot",
	.summary = "keep a copy of a sandbox's writable layer (box restore brings it back)",
	.usage = "usage: box snapshot NAME [SNAP]\n"
		 "       box snapshot rm NAME SNAP\n\n"
		 "SNAP defaults to the time (YYYYMMDD-HHMMSS). A running sandbox is frozen\n"
		 "while its writable layer is copied; the copy shares data by reflink where the\n"
		 "file system can. 'box snapshots NAME' lists them.",
	.run = run_snapshot,
};
