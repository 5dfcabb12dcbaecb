/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box rm [-f] [-y] (-a | NAME...): remove sandboxes (-a: all of them): their config and writable
 * layer (and an isolated home, which lives in the data dir). A host home or a --home PATH is never
 * touched. Running sandboxes only with -f (stopped first). Asks first when run on a terminal,
 * unless -f or -y.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/sandbox/export.h"
#include "../core/sandbox/sandbox.h"
#include "../core/util/util.h"
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
		return cmd_no_sandbox(name);
	if (force && sandbox_stop(name, 5000, &err) < 0)
		return cmd_fail(err, "stop sandbox '%s'", name);
	_cleanup_close_ int lock = sandbox_lock(name, true, &err);
	if (lock < 0)
		return cmd_fail(err, "remove sandbox '%s'", name);
	if (sandbox_state_read(name, &st) == 1)
		return cmd_error("sandbox '%s' is running (stop it first, or use 'box rm -f')",
				 name);
	if (export_remove_all(name, &err) < 0)
		return cmd_fail(err, "remove what was exported from sandbox '%s'", name);
	if (sandbox_remove(name, &err) < 0)
		return cmd_fail(err, "remove sandbox '%s'", name);
	return 0;
}

static int rm_names(char *const *names, bool force, bool yes)
{
	int status = 0;

	for (char *const *p = names; p && *p; p++) {
		if (!force && !yes && isatty(STDIN_FILENO) && isatty(STDERR_FILENO) &&
		    sandbox_exists(*p) && !confirm(*p))
			continue;
		if (rm_one(*p, force))
			status = EXIT_BOX;
	}
	return status;
}

static int run_rm(int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { "yes", no_argument, NULL, 'y' },
					      { "all", no_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	bool force = false, yes = false, all = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "fya", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'f')
			force = true;
		else if (c == 'y')
			yes = true;
		else if (c == 'a')
			all = true;
		else
			return cmd_opts_error(&p);
	}
	if (all && p.nargs > 0)
		return cmd_usage_error("rm", "-a removes every sandbox: give no NAME with it");
	if (!all && p.nargs == 0)
		return cmd_usage_error("rm", "expected a sandbox NAME (or -a for all)");
	if (!all)
		return rm_names(p.args, force, yes);
	_cleanup_strv_free_ char **names = NULL;
	struct box_err *err = NULL;
	if (sandbox_names(false, &names, &err) < 0)
		return cmd_fail(err, "list sandboxes");
	return rm_names(names, force, yes);
}

const struct box_command cmd_rm = {
	.name = "rm",
	.summary = "remove sandboxes (their writable layer; never your home)",
	.usage = "usage: box rm [-f] [-y] (-a | NAME...)\n\n"
		 "  -a, --all     every sandbox\n"
		 "  -f, --force   stop running sandboxes first; do not ask\n"
		 "  -y, --yes     do not ask",
	.run = run_rm,
};
