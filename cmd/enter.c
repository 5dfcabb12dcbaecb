/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box enter [NAME|IMAGE] [--name N] [--root] [creation options] [-- CMD ARGS...]:
 * a shell (or CMD) in a sandbox, creating it from the image and starting it as
 * needed. `box enter debian` makes and enters a sandbox named "debian".
 */
#include <stdlib.h>

#include "../core/sandbox/sandbox.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "../core/project/project_sandbox.h"
#include "../core/project/sbx.h"

enum { OPT_NAME = 0x200, OPT_CONFIG, OPT_ROOT };

static int run_enter(int argc, char **argv)
{
	static const struct option opts[] = { SBX_CREATE_LONGOPTS,
					      { "name", required_argument, NULL, OPT_NAME },
					      { "root", no_argument, NULL, OPT_ROOT },
					      { "config", required_argument, NULL, OPT_CONFIG },
					      { NULL, 0, NULL, 0 } };
	_cleanup_(sbx_create_done) struct sbx_create o = { 0 };
	const char *name = NULL;
	bool root = false;
	struct opts p;
	int c, r;

	opts_init(&p, argc, argv, SBX_CREATE_SHORTOPTS, opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == OPT_NAME)
			name = p.arg;
		else if (c == OPT_ROOT)
			root = true;
		else if (c == OPT_CONFIG)
			arg_project_file = p.arg;
		else if ((r = sbx_create_opt("enter", &o, c, p.arg)) != 0)
			return r > 0 ? r : cmd_opts_error(&p);
	}
	/* The operands: NAME|IMAGE before "--", the command line after it. */
	char **cmdline = p.ndash < p.nargs ? p.args + p.ndash : NULL;
	if (p.ndash > 1)
		return cmd_usage_error("enter", "expected one NAME or IMAGE (put the command "
						"after '--')");
	const char *what = p.ndash > 0 ? p.args[0] : NULL;
	_cleanup_free_ char *derived = NULL;
	/* No name: the sandbox of the project around the current directory. */
	if (!name && !what && !o.rootfs && !o.image)
		return proj_enter("enter", cmdline, root);
	if (!name && what)
		name = derived = sbx_name_from_image(what);
	if (!name && o.rootfs)
		return cmd_usage_error("enter", "--rootfs needs --name");
	if (!name)
		return cmd_usage_error("enter", "expected a sandbox NAME or an IMAGE");
	bool created = false;
	if (!sandbox_exists(name)) {
		if (!o.rootfs && !o.image)
			o.image = what;
		o.exists_ok = true;
		r = sbx_create_run("enter", name, &o);
		if (r)
			return r;
		created = true;
	} else if (o.mounts) {
		return cmd_usage_error("enter",
				       "-v applies when a sandbox is created; '%s' keeps the "
				       "binds it was created with (box rm it, or use another name)",
				       name);
	}
	/* -e on an existing sandbox: for this command only (a new one keeps them). */
	struct sandbox_join_opts jo = { .root = root,
					.argv = cmdline,
					.env = created ? NULL : o.env };
	return sbx_enter(name, &jo);
}

const struct box_command cmd_enter = {
	.name = "enter",
	.summary = "enter a sandbox (creating and starting it when needed)",
	.usage = "usage: box enter [NAME|IMAGE] [options] [-- CMD ARGS...]\n\n"
		 "Without NAME or IMAGE: the sandbox of the nearest .box.ini (see 'box init').\n\n"
		 "  --name N           the sandbox's name (default: from NAME|IMAGE)\n"
		 "  --root             enter as root inside\n"
		 "  --rootfs DIR       create from a local root filesystem directory\n"
		 "  --home MODE        host, isolated or PATH (when creating)\n"
		 "  --storage DRIVER   fuse-overlayfs or overlay (when creating)\n"
		 "  --image REF        the image to create it from (default: IMAGE)\n"
		 "  --network MODE     slirp, host or none (when creating)\n"
		 "  --gpu MODE         auto, nvidia or none (when creating; see box create)\n"
		 "  -p, --publish SPEC forward a host port (when creating; see box port)\n"
		 "  -v, --volume HOST:/PATH[:ro]  bind a host path inside (when creating)\n"
		 "  -e, --env KEY=VALUE  a variable (kept when creating; else for CMD only)\n"
		 "  --cpus N           CPU limit, e.g. 1.5 (when creating)\n"
		 "  --memory SIZE      memory limit, e.g. 512M (when creating)\n"
		 "  --pids N           process limit (when creating)\n"
		 "  --no-host-exec     turn box-host-exec off (when creating)\n"
		 "  --host-exec        turn it on, whatever config.ini says (when creating)\n"
		 "  --config FILE      the project file to use (.box.ini or devcontainer.json)\n\n"
		 "Without CMD, your login shell inside. Exit status: the command's own,\n"
		 "125 when box failed, 126/127 when the command cannot run / is not found.",
	.run = run_enter,
};
