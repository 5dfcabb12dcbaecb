/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box prune: remove layers and blobs that no image or sandbox references, the
 * leftovers of interrupted pulls, and what push remembers of layers that are gone;
 * print the space freed.
 */
#include <stdio.h>

#include "../core/image/store.h"
#include "../core/util/util.h"
#include "cmd.h"

static int run_prune(int argc, char **argv)
{
	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 1)
		return cmd_usage_error("prune", "unexpected argument '%s'", argv[1]);
	struct box_err *err = NULL;
	uint64_t freed = 0;
	char buf[16];
	if (store_prune(&freed, &err) < 0)
		return cmd_fail(err, "prune the image store");
	printf("Total reclaimed space: %s\n", format_bytes(freed, buf, sizeof(buf)));
	return 0;
}

const struct box_command cmd_prune = {
	.name = "prune",
	.summary = "remove unused layers and blobs",
	.usage = "usage: box prune\n"
		 "\n"
		 "Removes layers and blobs no image or sandbox references, whatever an\n"
		 "interrupted pull left behind, and what box push remembers of the layers\n"
		 "that are gone (their compressed digests, the repositories they went to).\n"
		 "The space is counted as 'box images' counts SIZE (the bytes of the\n"
		 "files), as 'box rmi' counts what it frees.\n",
	.run = run_prune,
};
