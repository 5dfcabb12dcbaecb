/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box load FILE (-i FILE) [--tag NAME]: the images of an oci-archive or
 * docker-archive (box save, podman save, docker save, skopeo) into the store.
 */
#include <stdio.h>

#include "../config/config.h"
#include "../core/image/load.h"
#include "cmd.h"

static int run_load(int argc, char **argv)
{
	static const struct option opts[] = { { "input", required_argument, NULL, 'i' },
					      { "tag", required_argument, NULL, 't' },
					      { NULL, 0, NULL, 0 } };
	const char *in = NULL, *tag = NULL;
	struct load_result res;
	struct box_err *err = NULL;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "i:t:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'i')
			in = p.arg;
		else if (c == 't')
			tag = p.arg;
		else
			return cmd_opts_error(&p);
	}
	if (!in && p.nargs == 1)
		in = p.args[0];
	else if (p.nargs != 0)
		in = NULL;
	if (!in)
		return cmd_usage_error("load", "expected one archive FILE");
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int r = image_load(cfg_images(cfg), in, tag, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "load '%s'", in);
	fprintf(stderr, "box: loaded %zu image(s) from %s: %u layer(s), %u new\n", res.n, in,
		res.layers, res.extracted);
	for (size_t i = 0; i < res.n; i++) {
		if (res.images[i].named) {
			printf("%s\n", res.images[i].ref);
			continue;
		}
		fprintf(stderr,
			"box: the archive names no image; stored as %s (--tag NAME names it)\n",
			res.images[i].ref);
		printf("%s\n", res.images[i].digest);
	}
	load_result_done(&res);
	return 0;
}

const struct box_command cmd_load = {
	.name = "load",
	.summary = "store the images of an oci-archive or docker-archive",
	.usage = "usage: box load [--tag NAME] [-i] FILE\n\n"
		 "FILE is a tar written by box save, podman save, docker save or skopeo\n"
		 "(oci-archive or docker-archive, told apart by what it holds; plain, gzip or\n"
		 "zstd). Every digest is checked and the layers the store has are not stored\n"
		 "again; a damaged archive leaves the store as it was. Prints the name of each\n"
		 "image loaded, or its digest when the archive names none.\n\n"
		 "  -i, --input FILE      the archive (the same as giving FILE)\n"
		 "  -t, --tag NAME        the name to store the image under",
	.run = run_load,
};
