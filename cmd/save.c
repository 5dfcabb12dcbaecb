/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box save IMAGE -o FILE [--format oci-archive|docker-archive]: a stored image as
 * one tar file for podman load, docker load, skopeo or box load.
 */
#include <stdio.h>

#include "../config/config.h"
#include "../core/image/save.h"
#include "../core/util/util.h"
#include "cmd.h"

static int run_save(int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "format", required_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	enum save_format format = SAVE_OCI_ARCHIVE;
	const char *out = NULL;
	struct save_result res;
	struct box_err *err = NULL;
	char size[32];
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "o:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'o')
			out = p.arg;
		else if (c == 'f' && save_format_parse(p.arg, &format) < 0)
			return cmd_usage_error("save",
					       "unknown --format '%s' (oci-archive or "
					       "docker-archive)",
					       p.arg);
		else if (c != 'f')
			return cmd_opts_error(&p);
	}
	if (p.nargs != 1)
		return cmd_usage_error("save", "expected one IMAGE");
	const char *image = p.args[0];
	if (!out)
		return cmd_usage_error("save", "give the archive's file with -o FILE");
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int r = image_save(cfg_images(cfg), image, out, format, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "save '%s' to '%s'", image, out);
	fprintf(stderr, "box: saved %s to %s: %u layer(s)", res.ref, out, res.layers);
	if (res.recreated)
		fprintf(stderr, ", %u written again from the extracted files (new digests)",
			res.recreated);
	fprintf(stderr, ", %s\n", format_bytes(res.bytes, size, sizeof(size)));
	save_result_done(&res);
	return 0;
}

const struct box_command cmd_save = {
	.name = "save",
	.summary = "write a stored image to a tar archive (podman/docker load read it)",
	.usage = "usage: box save [--format oci-archive|docker-archive] -o FILE IMAGE\n\n"
		 "The archive is written under a temporary name beside FILE and renamed when\n"
		 "complete. Layers go in uncompressed. A layer box keeps only extracted (a\n"
		 "pulled or bootstrapped one) is written again from its files, so it and the\n"
		 "image's config get new digests; the files are the same.\n\n"
		 "  -o, --output FILE     the archive to write\n"
		 "      --format FORMAT   oci-archive (an OCI image layout, the default) or\n"
		 "                        docker-archive (what docker save writes)",
	.run = run_save,
};
