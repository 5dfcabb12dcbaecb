/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box import TARBALL NAME: a root filesystem tarball (plain, gzip, zstd, xz...)
 * becomes a one-layer image in the store, usable by name like a pulled one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/image/store_import.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "import.h"

static void report(const struct store_import_result *res, uint64_t ns, FILE *ref_out)
{
	char size[32];
	double secs = (double)ns / 1e9;

	format_bytes(res->stats.bytes, size, sizeof(size));
	fprintf(stderr, "%s %llu files, %s in %.1fs (%.0f MB/s, %.0f files/s)%s\n",
		res->layer_existed ? "Checked" : "Extracted", (unsigned long long)res->stats.files,
		size, secs, secs > 0 ? (double)res->stats.bytes / 1e6 / secs : 0.0,
		secs > 0 ? (double)res->stats.files / secs : 0.0,
		res->layer_existed ? ", the layer was already stored" : "");
	fprintf(ref_out, "%s\n", res->ref);
}

int cmd_import_tarball(const char *path, const char *name, const char *created_by, FILE *ref_out)
{
	struct store_import_result res = { 0 };
	struct box_err *err = NULL;
	_cleanup_close_ int fd =
	    streq(path, "-") ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cmd_error("open '%s': %m (is the path right?)", path);
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	uint64_t start = now_ns();
	int r = store_import_tar(cfg_images(cfg), fd, name, created_by, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "import '%s' as '%s'", path, name);
	report(&res, now_ns() - start, ref_out);
	store_import_result_done(&res);
	return 0;
}

static int run_import(int argc, char **argv)
{
	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 3)
		return cmd_usage_error("import", "expected a tarball and a name");
	_cleanup_free_ char *by = xasprintf("box import %s", argv[1]);
	return cmd_import_tarball(argv[1], argv[2], by, stdout);
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
