/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box pull [-q] REF: fetch an image from its registry (or the mirror config.ini
 * names for it) into the shared layer store, verifying every digest. Progress goes
 * to stderr; the manifest digest is printed on stdout.
 */
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../core/image/store.h"
#include "../core/util/log.h"
#include "cmd.h"

static int run_pull(int argc, char **argv)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'h' },
					      {} };
	bool quiet = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "qh", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			return cmd_help(cmd_find("pull"));
		default:
			return cmd_opts_error(&p);
		}
	}
	if (p.nargs != 1)
		return cmd_usage_error("pull", "expected one image reference");
	const char *ref = p.args[0];
	if (quiet)
		log_out_setup(LOG_OUT_QUIET);
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	struct box_err *err = NULL;
	struct image_info *info = NULL;
	int r = store_pull(cfg_images(cfg), ref, !quiet, &info, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "pull '%s'", ref);
	printf("%s\n", info->digest);
	image_info_free(info);
	return 0;
}

const struct box_command cmd_pull = {
	.name = "pull",
	.summary = "download an image into the layer store",
	.usage = "usage: box pull [-q|--quiet] REF\n"
		 "\n"
		 "REF is NAME[:TAG] or NAME@sha256:DIGEST, with Docker's defaults (debian means\n"
		 "docker.io/library/debian:latest) and the aliases of config.ini [aliases].\n"
		 "A registry is sent to its mirror with config.ini:\n"
		 "  [registry \"docker.io\"]\n"
		 "  mirror = http://127.0.0.1:5000\n"
		 "  insecure = true\n"
		 "Credentials are read from the files podman login and docker login write.\n"
		 "\n"
		 "  -q, --quiet   no progress output\n",
	.run = run_pull,
};
