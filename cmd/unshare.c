/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box __unshare [--] CMD [ARG...]: run a command as root of a user namespace with
 * the keep-id maps, the way layer files are written (like `podman unshare`). Files
 * owned by subordinate ids show their image owners there and can be removed.
 * Hidden: for tests and for looking into the store by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/host/idmap.h"
#include "../core/util/spawn.h"
#include "cmd.h"

static int exec_child(struct spawn_ctx *ctx, struct box_err **err)
{
	char **argv = ctx->arg;

	execvp(argv[0], argv);
	/* 127/126 as a shell would; the message goes straight to the user. */
	fprintf(stderr, "box: run '%s': %s\n", argv[0], strerror(errno));
	return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}

static int run_unshare(int argc, char **argv)
{
	struct box_ids ids;
	struct box_err *err = NULL;
	/* Everything from the command on is its own. */
	if (cmd_operands(&argc, argv, OPTS_STOP))
		return EXIT_BOX;
	if (argc < 2)
		return cmd_usage_error("__unshare", "expected a command");
	if (ids_load(&ids, &err) < 0)
		return cmd_fail(err, "load user ids");
	int r = spawn_userns_wait(&ids, 0, exec_child, argv + 1, &err);
	ids_done(&ids);
	if (r < 0)
		return cmd_fail(err, "run '%s' in the user namespace", argv[1]);
	return r;
}

const struct box_command cmd_unshare = {
	.name = "__unshare",
	.summary = "run a command as root of the user namespace",
	.usage = "usage: box __unshare [--] CMD [ARG...]\n"
		 "Runs CMD as root of a user namespace with the keep-id maps, where files\n"
		 "of the image store show the owners their images gave them.",
	.run = run_unshare,
	.hidden = true,
};
