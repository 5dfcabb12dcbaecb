/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box rmi [-f] REF...: remove images from the store. Refuses while a sandbox uses
 * the image unless -f; layers another image or a sandbox still uses stay.
 */
#include <stdio.h>

#include "../config/config.h"
#include "../core/image/store.h"
#include "../core/util/util.h"
#include "cmd.h"

static int run_rmi(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	bool force = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "f", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c != 'f')
			return cmd_opts_error(&p);
		force = true;
	}
	if (p.nargs == 0)
		return cmd_usage_error("rmi", "expected an image reference");
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int status = 0;
	for (int i = 0; i < p.nargs; i++) {
		struct box_err *err = NULL;
		uint64_t freed = 0;
		char buf[16];
		if (store_remove(cfg_images(cfg), p.args[i], force, &freed, &err) < 0) {
			status = cmd_fail(err, "remove image '%s'", p.args[i]);
			continue;
		}
		printf("removed %s (%s freed)\n", p.args[i], format_bytes(freed, buf, sizeof(buf)));
	}
	cfg_free(cfg);
	return status;
}

const struct box_command cmd_rmi = {
	.name = "rmi",
	.summary = "remove images",
	.usage = "usage: box rmi [-f] REF...\n"
		 "\n"
		 "Removes the image and those of its layers no other image or sandbox uses.\n"
		 "The space freed is counted as 'box images' counts SIZE (the bytes of the\n"
		 "layers' files), so it is at most the image's SIZE less SHARED.\n"
		 "\n"
		 "  -f, --force   remove it even while sandboxes use it (they keep their\n"
		 "                layers; 'box prune' frees them once the sandboxes are gone)\n",
	.run = run_rmi,
};
