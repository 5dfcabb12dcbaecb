/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box __rmtree PATH: remove a tree whose files belong to subordinate ids (layers,
 * writable layers) from inside the user namespace, where the user may delete them.
 * Hidden: used by box itself and by the test harness.
 */
#include <stdio.h>

#include "../core/util/fs.h"
#include "../core/host/idmap.h"
#include "../core/util/spawn.h"
#include "cmd.h"

static int rm_child(struct spawn_ctx *ctx, struct box_err **err)
{
	return rm_rf(ctx->arg, err) < 0 ? -1 : 0;
}

static int run_rmtree(int argc, char **argv)
{
	struct box_ids ids;
	struct box_err *err = NULL;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 2)
		return cmd_usage_error("__rmtree", "expected one path");
	if (ids_load(&ids, &err) < 0)
		return cmd_fail(err, "load user ids");
	int r = spawn_userns_wait(&ids, 0, rm_child, argv[1], &err);
	ids_done(&ids);
	if (r < 0)
		return cmd_fail(err, "remove '%s'", argv[1]);
	return r;
}

const struct box_command cmd_rmtree = {
	.name = "__rmtree",
	.summary = "remove a tree owned by subordinate ids",
	.usage = "usage: box __rmtree PATH",
	.run = run_rmtree,
	.hidden = true,
};
