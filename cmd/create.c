/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box create NAME (--image REF | --rootfs DIR) [--home host|isolated|PATH]
 * [--storage fuse-overlayfs|overlay] [--network slirp|host|none]: make a stopped
 * sandbox (its data dir and config) without starting it.
 */

#include "cmd.h"
#include "../core/project/sbx.h"

static int run_create(int argc, char **argv)
{
	static const struct option opts[] = { SBX_CREATE_LONGOPTS, { NULL, 0, NULL, 0 } };
	_cleanup_(sbx_create_done) struct sbx_create o = { 0 };
	struct opts p;
	int c, r;

	opts_init(&p, argc, argv, SBX_CREATE_SHORTOPTS, opts, 0);
	while ((c = opts_next(&p)) != OPTS_END)
		if ((r = sbx_create_opt("create", &o, c, p.arg)) != 0)
			return r > 0 ? r : cmd_opts_error(&p);
	if (p.nargs != 1)
		return cmd_usage_error("create", "expected one sandbox NAME");
	if (!o.image == !o.rootfs)
		return cmd_usage_error("create", "give either --image REF or --rootfs DIR");
	return sbx_create_run("create", p.args[0], &o);
}

const struct box_command cmd_create = {
	.name = "create",
	.summary = "create a sandbox without starting it",
	.usage = "usage: box create NAME (--image REF | --rootfs DIR) [options]\n\n"
		 "  --image REF        the image to build it on (pulled when missing)\n"
		 "  --rootfs DIR       a local root filesystem directory as its only layer\n"
		 "  --home MODE        host (default: your home at the same path), isolated\n"
		 "                     (a home of its own), or a directory PATH\n"
		 "  --storage DRIVER   fuse-overlayfs (default) or overlay (kernel overlayfs)\n"
		 "  --network MODE     slirp (default), host or none\n"
		 "  --gpu MODE         auto (default: NVIDIA's driver when the host has it),\n"
		 "                     nvidia (fail to start without it) or none\n"
		 "  -p, --publish SPEC forward [ADDR:]HOSTPORT:PORT[/udp] from the host (slirp)\n"
		 "  -v, --volume HOST:/PATH[:ro]  bind a host path at /PATH inside (kept)\n"
		 "  -e, --env KEY=VALUE  a variable for every command inside (kept; KEY alone:\n"
		 "                     the host's value now)\n"
		 "  --cpus N           CPU limit (cpu.max), e.g. 1.5\n"
		 "  --memory SIZE      memory limit (memory.max), e.g. 512M\n"
		 "  --pids N           process limit (pids.max)\n"
		 "  --no-host-exec     turn box-host-exec off (a command on the host from inside)\n"
		 "  --host-exec        turn it on, whatever config.ini's [box] host_exec says\n"
		 "Limits apply where the cgroup controllers are delegated to you; where they\n"
		 "are not, box says which limit it cannot apply and why, and still starts.",
	.run = run_create,
};
