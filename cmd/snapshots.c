/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box snapshots NAME: the snapshots of a sandbox, oldest first.
 */
#include <stdio.h>
#include <time.h>

#include "../core/sandbox/snapshot.h"
#include "../core/util/util.h"
#include "cmd.h"

static int run_snapshots(int argc, char **argv)
{
	struct box_err *err = NULL;
	struct snapshot_info *list = NULL;
	size_t n = 0;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 2)
		return cmd_usage_error("snapshots", "expected a sandbox NAME");
	if (snapshot_list(argv[1], &list, &n, &err) < 0)
		return cmd_fail(err, "list snapshots of '%s'", argv[1]);
	printf("%-32s %-20s %s\n", "SNAPSHOT", "CREATED", "SIZE");
	for (size_t i = 0; i < n; i++) {
		char when[32] = "-", size[32];
		time_t t = (time_t)list[i].created;
		struct tm tm;
		if (t && localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-32s %-20s %s\n", list[i].name, when,
		       format_bytes(list[i].bytes, size, sizeof(size)));
	}
	snapshot_info_list_free(list, n);
	return 0;
}

const struct box_command cmd_snapshots = {
	.name = "snapshots",
	.summary = "list a sandbox's snapshots",
	.usage = "usage: box snapshots NAME",
	.run = run_snapshots,
};
