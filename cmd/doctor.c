/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box doctor: check that this host gives the user what rootless sandboxes need, and
 * for every problem print the one command that fixes it. The checks live in
 * core/hostcheck.c; this file only prints them and picks the exit status.
 */
#include <stdio.h>
#include <string.h>

#include "../core/host/gpu.h"
#include "../core/host/hostcheck.h"
#include "cmd.h"

static void print_result(const struct hc_result *r)
{
	printf("%-5s %-16s %s\n", hostcheck_status_name(r->status), r->name,
	       r->detail ? r->detail : "");
	if (r->status != HC_OK && r->fix)
		printf("      %-16s fix: %s\n", "", r->fix);
}

/* The gpu setting in effect for a sandbox that sets none, and where it came from. */
static const char *gpu_setting(const char **ret_from)
{
	static const char *const said[] = { "default", "the default",
					    "config",  "[box] gpu in the config",
					    "BOX_GPU", "the BOX_GPU environment variable" };
	const char *from;
	const char *mode = gpu_mode_effective(NULL, &from);
	*ret_from = from;
	for (size_t i = 0; i < ARRAY_SIZE(said); i += 2)
		if (streq(said[i], from))
			*ret_from = said[i + 1];
	return mode;
}

/* What a sandbox gets of NVIDIA's driver (information, never a failure). */
static void print_gpu(void)
{
	struct gpu_file *f;
	_cleanup_free_ char *source = NULL;
	const char *from, *mode = gpu_setting(&from);
	size_t n = gpu_nvidia_files(mode, &f, &source);

	printf("%-5s %-16s gpu = %s (%s)\n", "info", "gpu", mode, from);
	if (streq(mode, "none"))
		printf("%-5s %-16s NVIDIA's driver is left out (/dev/dri is bound where it "
		       "exists)\n",
		       "info", "gpu");
	else if (n)
		printf("%-5s %-16s NVIDIA: %zu files from %s, bound read-only into sandboxes\n",
		       "info", "gpu", n, source);
	else
		printf("%-5s %-16s no NVIDIA driver found (/dev/dri is bound where it exists)\n",
		       "info", "gpu");
	gpu_files_free(f, n);
}

static int run_doctor(int argc, char **argv)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { NULL, 0, NULL, 0 } };
	struct hc_report rep;
	size_t bad = 0;
	bool quiet = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "q", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c != 'q')
			return cmd_opts_error(&p);
		quiet = true;
	}
	if (p.nargs > 0)
		return cmd_usage_error("doctor", "unexpected argument '%s'", p.args[0]);
	hostcheck_run(&rep);
	for (size_t i = 0; i < rep.n; i++) {
		if (rep.r[i].status != HC_OK)
			bad++;
		if (!quiet || rep.r[i].status != HC_OK)
			print_result(&rep.r[i]);
	}
	if (!quiet)
		print_gpu();
	if (bad == 0)
		printf("all %zu checks passed\n", rep.n);
	else
		printf("%zu of %zu checks need attention: run the commands after 'fix:' above\n",
		       bad, rep.n);
	hostcheck_done(&rep);
	return bad == 0 ? 0 : 1;
}

const struct box_command cmd_doctor = {
	.name = "doctor",
	.summary = "check this host for rootless sandboxes and say how to fix it",
	.usage = "usage: box doctor [-q|--quiet]\n"
		 "\n"
		 "Checks what box needs from the host for the calling user: subordinate uid and\n"
		 "gid ranges (/etc/subuid, /etc/subgid), newuidmap and newgidmap setuid root or\n"
		 "with file capabilities, read-write /dev/fuse and /dev/net/tun, fuse-overlayfs,\n"
		 "unprivileged user namespaces (it creates one, and maps ids with newuidmap),\n"
		 "a cgroup v2 directory delegated to the user, and XDG_RUNTIME_DIR. For each\n"
		 "problem it prints the command that fixes it.\n"
		 "\n"
		 "  -q, --quiet   print only the checks that need attention\n"
		 "\n"
		 "Exit status: 0 when every check passed, 1 when something needs attention.\n"
		 "BOX_SUBUID and BOX_SUBGID name other files to read instead of /etc/subuid\n"
		 "and /etc/subgid.",
	.run = run_doctor,
};
