/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box commit NAME IMAGE[:TAG] [-m MSG] [-c CHANGE]... [--keep-user]: a sandbox as a
 * new image in the store, which box push sends to a registry.
 */
#include <stdio.h>

#include "../config/config.h"
#include "../core/sandbox/commit.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static int run_commit(int argc, char **argv)
{
	static const struct option opts[] = { { "message", required_argument, NULL, 'm' },
					      { "change", required_argument, NULL, 'c' },
					      { "keep-user", no_argument, NULL, 'k' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_strv_free_ char **changes = NULL;
	struct commit_opts o = { 0 };
	struct commit_result res;
	struct box_err *err = NULL;
	char size[32];
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "m:c:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'm')
			o.message = p.arg;
		else if (c == 'c')
			strv_push(&changes, xstrdup(p.arg));
		else if (c == 'k')
			o.keep_user = true;
		else
			return cmd_opts_error(&p);
	}
	if (p.nargs != 2)
		return cmd_usage_error("commit", "expected NAME IMAGE[:TAG]");
	o.name = p.args[0];
	o.image = p.args[1];
	o.changes = changes;
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int r = sandbox_commit(cfg_images(cfg), &o, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "commit '%s'", o.name);
	fprintf(stderr, "box: committed '%s' as %s: %u new layer(s), %s\n", o.name, res.ref,
		res.new_layers, format_bytes(res.new_bytes, size, sizeof(size)));
	printf("%s\n", res.digest);
	commit_result_done(&res);
	return 0;
}

const struct box_command cmd_commit = {
	.name = "commit",
	.summary = "make an image of a sandbox (box push sends it to a registry)",
	.usage = "usage: box commit [-m MSG] [-c CHANGE]... [--keep-user] NAME IMAGE[:TAG]\n\n"
		 "The image's layers are shared, not copied; a project's setup layer and the\n"
		 "writable layer become new layers. A running sandbox is frozen meanwhile.\n\n"
		 "  -m, --message MSG   a comment in the image's history\n"
		 "  -c, --change CHANGE 'ENV KEY=VALUE', 'CMD [\"make\"]' or 'CMD make',\n"
		 "                      'WORKDIR /dir', 'USER name' (repeatable)\n"
		 "      --keep-user     keep what box added for you inside: your home, your\n"
		 "                      passwd/group lines, the sudoers drop-in",
	.run = run_commit,
};
