/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box import TARBALL NAME: a root filesystem tarball (plain, gzip, zstd, xz...)
 * becomes a one-layer image in the store, usable by name like a pulled one.
 */
#include <stdio.h>

#include "../core/project/bootstrap.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static int run_import(int argc, char **argv)
{
	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 3)
		return cmd_usage_error("import", "expected a tarball and a name");
	_cleanup_free_ char *by = xasprintf("box import %s", argv[1]);
	_cleanup_free_ char *ref = NULL;
	int r = bootstrap_import_tarball(argv[1], argv[2], by, &ref);
	if (r == 0)
		printf("%s\n", ref);
	return r;
}

const struct box_command cmd_import = {
	.name = "import",
	.summary = "store a root filesystem tarball as an image",
	.usage = "usage: box import TARBALL NAME\n"
		 "Stores the root filesystem in TARBALL (tar, optionally gzip/zstd/xz/bzip2\n"
		 "compressed; '-' reads standard input) as a one-layer image called NAME.\n"
		 "Owners, modes and links are kept as the tarball has them. Then:\n"
		 "  box enter NAME",
	.run = run_import,
};
