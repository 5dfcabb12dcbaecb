/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box rm [-f] [-y] NAME...: remove sandboxes: their config and writable layer (and
 * an isolated home, which lives in the data dir). A host home or a --home PATH is
 * never touched. Running sandboxes only with -f (stopped first). Asks first when
 * run on a terminal, unless -f or -y.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/sandbox/sandbox.h"
#include "cmd.h"

static bool confirm(const char *name)
{
	char line[16];

	fprintf(stderr,
		"Remove sandbox '%s' and every file written inside it (not your home)? "
		"[y/N] ",
		name);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int rm_one(const char *name, bool force)
{
	struct sandbox_runstate st;
	struct box_err *err = NULL;

	if (!sandbox_exists(name))
		return cmd_error("no sandbox named '%s' (see 'box list')", name);
	if (force && sandbox_stop(name, 5000, &err) < 0)
		return cmd_fail(err, "stop sandbox '%s'", name);
	_cleanup_close_ int lock = sandbox_lock(name, true, &err);
	if (lock < 0)
		return cmd_fail(err, "remove sandbox '%s'", name);
	if (sandbox_state_read(name, &st) == 1)
		return cmd_error("sandbox '%s' is running (stop it first, or use 'box rm -f')",
				 name);
	if (sandbox_remove(name, &err) < 0)
		return cmd_fail(err, "remove sandbox '%s'", name);
	return 0;
}

static int run_rm(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { "yes", no_argument, NULL, 'y' },
					      { NULL, 0, NULL, 0 } };
	bool force = false, yes = false;
	int c, status = 0;

	while ((c = getopt_long(argc, argv, "fy", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'y')
			yes = true;
		else
			return cmd_usage_error("rm", "unknown option");
	}
	if (optind >= argc)
		return cmd_usage_error("rm", "expected a sandbox NAME");
	for (int i = optind; i < argc; i++) {
		if (!force && !yes && isatty(STDIN_FILENO) && isatty(STDERR_FILENO) &&
		    sandbox_exists(argv[i]) && !confirm(argv[i]))
			continue;
		if (rm_one(argv[i], force))
			status = EXIT_BOX;
	}
	return status;
}

static const struct box_command cmd_rm = {
	.name = "rm",
	.summary = "remove sandboxes (their writable layer; never your home)",
	.usage = "usage: box rm [-f] [-y] NAME...\n\n"
		 "  -f, --force   stop running sandboxes first; do not ask\n"
		 "  -y, --yes     do not ask",
	.run = run_rm,
};
BOX_COMMAND(cmd_rm);
