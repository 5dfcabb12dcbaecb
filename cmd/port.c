/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box port: the port forwards of a running sandbox, changed live through its net
 * helper's control socket ($XDG_RUNTIME_DIR/box/NAME/net.sock), no restart.
 *   box port NAME              list (static, live and automatic forwards)
 *   box port add NAME SPEC     forward [ADDR:]HOSTPORT:PORT[/udp]
 *   box port rm NAME SPEC      remove the forward with that host side
 */
#include <stdio.h>
#include <string.h>

#include "../core/sandbox/sandbox.h"
#include "../core/util/fs.h"
#include "../core/util/paths.h"
#include "../core/util/xalloc.h"
#include "../net/net.h"
#include "cmd.h"

static char *ctl_path(const char *name, const char *socket)
{
	_cleanup_free_ char *rt = NULL;

	if (socket)
		return xstrdup(socket);
	rt = paths_runtime_dir();
	return xasprintf("%s/%s/net.sock", rt, name);
}

static int port_request(const char *name, const char *socket, const char *req, bool quiet_ok)
{
	_cleanup_free_ char *path = ctl_path(name, socket);
	_cleanup_free_ char *reply = NULL;
	struct box_err *err = NULL;

	if (!path_exists(path)) {
		if (socket)
			return cmd_error("no net helper socket at '%s'", path);
		if (!sandbox_exists(name))
			return cmd_no_sandbox(name);
		return cmd_error("sandbox '%s' is not running with a slirp network (no '%s'); "
				 "start it with 'box enter %s'",
				 name, path, name);
	}
	if (net_ctl_request(path, req, &reply, &err) < 0)
		return cmd_fail(err, "sandbox '%s'", name ? name : path);
	if (!quiet_ok)
		fputs(reply, stdout);
	return 0;
}

static int port_list(const char *name, const char *socket)
{
	_cleanup_free_ char *path = ctl_path(name, socket);
	_cleanup_free_ char *reply = NULL;
	struct box_err *err = NULL;

	if (!path_exists(path))
		return port_request(name, socket, "list", false);
	if (net_ctl_request(path, "list", &reply, &err) < 0)
		return cmd_fail(err, "list the ports of '%s'", name ? name : path);
	if (!*reply) {
		printf("no port forwards\n");
		return 0;
	}
	printf("%-32s %s\n", "FORWARD", "KIND");
	for (char *line = strtok(reply, "\n"); line; line = strtok(NULL, "\n")) {
		char *kind = strrchr(line, ' ');
		if (kind)
			*kind++ = '\0';
		printf("%-32s %s\n", line, kind ? kind : "");
	}
	return 0;
}

static int port_change(const char *name, const char *socket, const char *verb, const char *spec)
{
	struct port_spec p;
	struct box_err *err = NULL;
	bool add = streq(verb, "add");

	/* Checked here too, so a typo is reported without a running sandbox. */
	if (portspec_parse(spec, &p, &err) < 0)
		return cmd_fail(err, "%s a forward", add ? "add" : "remove");
	_cleanup_free_ char *req = xasprintf("%s %s", verb, spec);
	return port_request(name, socket, req, false);
}

static int run_port(int argc, char **argv)
{
	/* --socket PATH talks to a helper directly (tests, `box __netloop --ctl`). */
	static const struct option opts[] = { { "socket", required_argument, NULL, 'S' },
					      { NULL, 0, NULL, 0 } };
	const char *socket = NULL;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c != 'S')
			return cmd_opts_error(&p);
		socket = p.arg;
	}
	char **a = p.args;
	int n = p.nargs;
	bool change = n >= 1 && (streq(a[0], "add") || streq(a[0], "rm"));
	if (socket && n == 0)
		return port_list(NULL, socket);
	if (socket && change && n == 2)
		return port_change(NULL, socket, a[0], a[1]);
	if (!socket && !change && n == 1)
		return port_list(a[0], NULL);
	if (!socket && change && n == 3)
		return port_change(a[1], NULL, a[0], a[2]);
	if (change)
		return cmd_usage_error("port", "usage: box port %s NAME SPEC", a[0]);
	return cmd_usage_error("port", "expected NAME, 'add NAME SPEC' or 'rm NAME SPEC'");
}

const struct box_command cmd_port = {
	.name = "port",
	.summary = "list, add or remove a running sandbox's port forwards",
	.usage = "usage: box port NAME\n"
		 "       box port add NAME [ADDR:]HOSTPORT:PORT[/udp]\n"
		 "       box port rm NAME [ADDR:]HOSTPORT[:PORT][/udp]\n"
		 "\n"
		 "Forwards bind 127.0.0.1 unless an address is given. Changes take effect\n"
		 "at once, without restarting the sandbox. Automatic forwards (ports = auto)\n"
		 "appear for every TCP socket listening inside.\n\n"
		 "  --socket PATH   talk to the net helper listening at PATH (box __netloop)",
	.run = run_port,
	.hidden = false,
};
