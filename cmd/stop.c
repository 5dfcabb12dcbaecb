/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box stop [--time SECS] (-a | NAME...): TERM to the sandbox's init, which passes it to
 * every process inside; KILL after SECS (default 10). Returns once the sandbox's
 * supervisor has cleaned up.
 */
#include <stdio.h>

#include "../core/sandbox/sandbox.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "../core/project/project_sandbox.h"

static int run_stop(int argc, char **argv)
{
	static const struct option opts[] = { { "time", required_argument, NULL, 't' },
					      { "all", no_argument, NULL, 'a' },
					      { "config", required_argument, NULL, 'C' },
					      { NULL, 0, NULL, 0 } };
	_cleanup_strv_free_ char **running = NULL;
	long secs = 10;
	bool all = false;
	struct opts p;
	int c, status = 0;

	opts_init(&p, argc, argv, "t:a", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'a' || c == 'C') {
			all |= c == 'a';
			arg_project_file = c == 'C' ? p.arg : arg_project_file;
			continue;
		}
		if (c != 't')
			return cmd_opts_error(&p);
		if (parse_int_range(p.arg, 0, 3600, &secs) < 0)
			return cmd_usage_error(
			    "stop", "--time: expected seconds (0-3600), not '%s'", p.arg);
	}
	if (all && p.nargs > 0)
		return cmd_usage_error("stop",
				       "-a stops every running sandbox: give no NAME with it");
	if (all) {
		struct box_err *err = NULL;
		if (sandbox_names(true, &running, &err) < 0)
			return cmd_fail(err, "list sandboxes");
	} else if (p.nargs == 0) {
		return proj_stop((unsigned)secs * 1000);
	}
	char *const *names = all ? running : p.args;
	for (char *const *n = names; n && *n; n++) {
		struct box_err *err = NULL;
		if (sandbox_stop(*n, (unsigned)secs * 1000, &err) < 0)
			status = cmd_fail(err, "stop sandbox '%s'", *n);
	}
	return status;
}

const struct box_command cmd_stop = {
	.name = "stop",
	.summary = "stop sandboxes",
	.usage = "usage: box stop [--time SECS] [-a | NAME...]\n\n"
		 "Without NAME: the sandbox of the nearest .box.ini.\n\n"
		 "  -a, --all         every running sandbox\n"
		 "  -t, --time SECS   wait this long after TERM before KILL (default 10)\n"
		 "  --config FILE     the project file to use (.box.ini or devcontainer.json)",
	.run = run_stop,
};
