/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box rmi REF...: remove images from the store. Refuses while a sandbox uses the
 * image; layers another image still uses stay.
 */
#include <stdio.h>

#include "../config/config.h"
#include "../core/image/store.h"
#include "../core/util/util.h"
#include "cmd.h"
#include "imgutil.h"

static int run_rmi(int argc, char **argv)
{
	if (cmd_wants_help(argc, argv))
		return cmd_help(cmd_find("rmi"));
	if (argc < 2)
		return cmd_usage_error("rmi", "expected an image reference");
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct box_err *err = NULL;
		uint64_t freed = 0;
		char buf[16];
		if (store_remove(cfg, argv[i], &freed, &err) < 0) {
			status = cmd_fail(err, "remove image '%s'", argv[i]);
			continue;
		}
		printf("removed %s (%s freed)\n", argv[i], format_bytes(freed, buf, sizeof(buf)));
	}
	cfg_free(cfg);
	return status;
}

static const struct box_command cmd_rmi = {
	.name = "rmi",
	.summary = "remove images",
	.usage = "usage: box rmi REF...\n"
		 "\n"
		 "Removes the image and every layer no other image or sandbox uses.\n"
		 "An image a sandbox uses cannot be removed: remove the sandbox first.\n",
	.run = run_rmi,
};
BOX_COMMAND(cmd_rmi);
