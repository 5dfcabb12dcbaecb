/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box logs NAME [SERVICE] [-f] [--tail N] [--setup]: the output of a sandbox's
 * service (kept in size-capped files in its data dir), or of its project's setup.
 * -f keeps printing what the service writes until the sandbox stops.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../core/sandbox/sandbox.h"
#include "../core/sandbox/services.h"
#include "../core/sandbox/setup.h"
#include "../core/sandbox/svclog.h"
#include "../core/util/fs.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static bool running(void *arg)
{
	struct sandbox_runstate st;
	return sandbox_state_read(arg, &st) == 1;
}

static void out(const char *buf, size_t len, void *arg)
{
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}

/* The service a command names, or the only one the sandbox has. */
static int pick_service(const char *name, const struct sandbox_config *c, const char *want,
			char **ret)
{
	size_t n = strv_length(c->services);

	for (size_t i = 0; i < n; i++) {
		const char *tab = strchr(c->services[i], '\t');
		size_t len = tab ? (size_t)(tab - c->services[i]) : strlen(c->services[i]);
		if (want ? strlen(want) == len && !strncmp(want, c->services[i], len) : n == 1) {
			*ret = xstrndup(c->services[i], len);
			return 0;
		}
	}
	if (!n)
		return cmd_error("sandbox '%s' has no services (see [services] in .box.ini); "
				 "'box logs %s --setup' shows its setup",
				 name, name);
	if (want)
		return cmd_error("sandbox '%s' has no service '%s' (see 'box list')", name, want);
	return cmd_error("sandbox '%s' has %zu services: name one ('box logs %s SERVICE')", name, n,
			 name);
}

static int log_path(const char *name, const char *service, bool setup, char **ret)
{
	struct sandbox_config *c = NULL;
	struct box_err *err = NULL;
	int r = 0;

	if (sandbox_config_load(name, &c, &err) < 0)
		return cmd_fail(err, "read sandbox '%s'", name);
	if (setup && !c->setup_key)
		r = cmd_error("sandbox '%s' has no setup (it was not made from a project)", name);
	else if (setup)
		*ret = setup_output_path(c->setup_key);
	else {
		_cleanup_free_ char *svc = NULL;
		r = pick_service(name, c, service, &svc);
		if (r == 0)
			*ret = svclog_path(name, svc);
	}
	sandbox_config_free(c);
	return r;
}

static int show(const char *name, const char *path, size_t tail, bool follow, bool setup)
{
	_cleanup_free_ char *buf = NULL;
	struct box_err *err = NULL;
	size_t len;

	if (svclog_tail(path, tail, &buf, &len, &err) < 0) {
		box_err_free(err);
		if (!follow)
			return cmd_error("no %s output kept for '%s' yet ('%s')",
					 setup ? "setup" : "service", name, path);
	} else {
		out(buf, len, NULL);
	}
	if (follow)
		svclog_follow(path, running, out, (void *)name);
	return 0;
}

static int run_logs(int argc, char **argv)
{
	static const struct option opts[] = { { "follow", no_argument, NULL, 'f' },
					      { "tail", required_argument, NULL, 'n' },
					      { "setup", no_argument, NULL, 's' },
					      { NULL, 0, NULL, 0 } };
	bool follow = false, setup = false;
	long tail = 0;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "fn:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'f')
			follow = true;
		else if (c == 's')
			setup = true;
		else if (c != 'n')
			return cmd_opts_error(&p);
		else if (parse_int_range(p.arg, 0, 1000000, &tail) < 0)
			return cmd_usage_error(
			    "logs", "--tail: expected a number of lines, not '%s'", p.arg);
	}
	if (p.nargs == 0 || p.nargs > 2 || (setup && p.nargs > 1))
		return cmd_usage_error("logs", "expected NAME [SERVICE], or NAME --setup");
	const char *name = p.args[0];
	if (!sandbox_exists(name))
		return cmd_no_sandbox(name);
	_cleanup_free_ char *path = NULL;
	int r = log_path(name, p.nargs > 1 ? p.args[1] : NULL, setup, &path);
	if (r)
		return r;
	return show(name, path, (size_t)tail, follow && !setup, setup);
}

const struct box_command cmd_logs = {
	.name = "logs",
	.summary = "show the output of a sandbox's services or setup",
	.usage = "usage: box logs [-f] [--tail N] NAME [SERVICE]\n"
		 "       box logs NAME --setup\n\n"
		 "SERVICE may be left out when the sandbox has one service.\n\n"
		 "  -f, --follow     keep printing new output until the sandbox stops\n"
		 "  -n, --tail N     only the last N lines\n"
		 "      --setup      the output of the project's setup, kept when it ran",
	.run = run_logs,
};
