/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box upgrade NAME... | --all [--running]: run the sandbox's own package manager's
 * upgrade as root inside, with its output on the terminal. A stopped sandbox is
 * started for it and stopped again afterwards.
 */
#include <stdio.h>
#include <string.h>

#include "../core/sandbox/sandbox.h"
#include "../core/sandbox/upgrade.h"
#include "cmd.h"

static int run_steps(const char *name, const struct pkg_step *steps, size_t n)
{
	struct box_err *err = NULL;

	for (size_t i = 0; i < n; i++) {
		struct sandbox_join_opts o = {
			.root = true, .argv = steps[i].argv, .env = steps[i].env, .cwd = "/"
		};
		fprintf(stderr, "box: %s: [%zu/%zu] %s\n", name, i + 1, n, steps[i].label);
		int status = sandbox_join_apart(name, &o, &err);
		if (status < 0)
			return cmd_fail(err, "upgrade '%s'", name);
		if (status != 0) {
			fprintf(stderr, "box: %s: '%s' failed with status %d\n", name,
				steps[i].label, status);
			return status;
		}
	}
	return 0;
}

static int upgrade_one(const char *name)
{
	struct box_err *err = NULL;
	struct sandbox_runstate st;
	struct pkg_step *steps = NULL;
	size_t n = 0;
	enum pkgmgr m;
	int status;

	if (!sandbox_exists(name))
		return cmd_no_sandbox(name);
	bool was_running = sandbox_state_read(name, &st) == 1;
	if (!was_running && sandbox_start(name, &err) < 0)
		return cmd_fail(err, "start sandbox '%s'", name);
	if (sandbox_upgrade_steps(name, &m, &steps, &n, &err) < 0)
		status = cmd_fail(err, "upgrade '%s'", name);
	else
		status = run_steps(name, steps, n);
	pkg_steps_free(steps, n);
	if (!was_running && sandbox_stop(name, 5000, &err) < 0)
		cmd_fail(err, "stop sandbox '%s' after its upgrade", name);
	return status;
}

static int upgrade_all(bool running_only)
{
	struct box_err *err = NULL;
	struct sandbox_info *list = NULL;
	size_t n = 0;
	int status = 0;

	if (sandbox_list(&list, &n, &err) < 0)
		return cmd_fail(err, "list sandboxes");
	for (size_t i = 0; i < n; i++) {
		if (running_only && list[i].state != SANDBOX_RUNNING)
			continue;
		int r = upgrade_one(list[i].name);
		if (r)
			status = r;
	}
	sandbox_info_list_free(list, n);
	return status;
}

static int run_upgrade(int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { "running", no_argument, NULL, 'r' },
					      { NULL, 0, NULL, 0 } };
	bool all = false, running = false;
	struct opts p;
	int c, status = 0;

	opts_init(&p, argc, argv, "a", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'a')
			all = true;
		else if (c == 'r')
			running = true;
		else
			return cmd_opts_error(&p);
	}
	if (all == (p.nargs > 0))
		return cmd_usage_error("upgrade", "expected NAME... or --all");
	if (running && !all)
		return cmd_usage_error("upgrade", "--running goes with --all");
	if (all)
		return upgrade_all(running);
	for (int i = 0; i < p.nargs; i++) {
		int r = upgrade_one(p.args[i]);
		if (r)
			status = r;
	}
	return status;
}

const struct box_command cmd_upgrade = {
	.name = "upgrade",
	.summary = "upgrade a sandbox's packages with its own package manager",
	.usage = "usage: box upgrade NAME...\n"
		 "       box upgrade --all [--running]\n\n"
		 "Runs the userland's own upgrade as root inside (apt-get update and upgrade,\n"
		 "dnf, microdnf, apk, pacman, zypper), with its output. A stopped sandbox is\n"
		 "started for it and stopped again.\n\n"
		 "  -a, --all     every sandbox\n"
		 "      --running with --all: only the running ones",
	.run = run_upgrade,
};
