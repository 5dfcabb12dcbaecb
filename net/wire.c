/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace network of sandboxes (network = slirp) as the supervisor takes it
 * (struct sandbox_net_hooks): resolv.conf and /etc/hosts inside, the tap device made
 * in init's network namespace and passed out, and the net helper started on it.
 * The user's global settings come from a function main() passes in, called once
 * per supervisor when a sandbox first needs them.
 */
#include <stdlib.h>

#include "../core/sandbox/sandbox.h"
#include "../core/util/fdpass.h"
#include "../core/util/fs.h"
#include "net.h"

static const struct net_settings *(*global_settings)(void);

/* A project's [box] settings (kept in the sandbox's config) over the global ones. */
static struct net_settings settings(const struct sandbox_config *c)
{
	struct net_settings s = { true, true, NET_DEFAULT_MTU };

	if (global_settings)
		s = *global_settings();
	if (c->host_loopback)
		s.host_loopback = c->host_loopback == SANDBOX_FLAG_YES;
	if (c->ports_auto)
		s.ports_auto = c->ports_auto == SANDBOX_FLAG_YES;
	if (c->mtu)
		s.mtu = c->mtu;
	return s;
}

static const char *hosts_extra(const struct sandbox_config *c)
{
	/* host.box.internal only when the host's loopback is reachable. */
	return settings(c).host_loopback ? NET_HOSTS_EXTRA : NULL;
}

static char *resolv(const struct sandbox_config *c)
{
	_cleanup_free_ char *host = NULL;

	fs_read_file("/etc/resolv.conf", 65536, &host, NULL, NULL);
	return net_resolv_conf(host);
}

/* In init, first thing in its new network namespace: lo, tap0, and the tap out on sock. */
static int tap_send(int sock, const struct sandbox_config *c, struct box_err **err)
{
	_cleanup_close_ int tap = -1;
	int r = net_tap_setup(settings(c).mtu, &tap, err);
	if (r < 0)
		return r;
	r = fdpass_send(sock, tap);
	return r < 0 ? box_err_set(err, -r, "pass the tap device out of the sandbox") : 0;
}

static int start(pid_t init, int sock, const char *ctl_path, const char *cgroup,
		 const struct sandbox_config *c, pid_t *ret_pid, int *ret_ready,
		 struct box_err **err)
{
	const struct net_settings ns = settings(c);
	_cleanup_close_ int tap = -1;
	int r = fdpass_recv(sock, &tap);
	if (r < 0)
		return box_err_set(err, -r, "receive the tap device from the sandbox");
	struct net_helper_opts o = {
		.tap_fd = tap,
		.init_pid = init,
		.mtu = ns.mtu,
		.host_loopback = ns.host_loopback,
		.ports_auto = ns.ports_auto,
		.ports = c->ports,
		.ctl_path = ctl_path,
		.cgroup_dir = cgroup,
	};
	return net_helper_fork(&o, ret_pid, ret_ready, err);
}

static const struct sandbox_net_hooks hooks = {
	.resolv_conf = resolv,
	.hosts_extra = hosts_extra,
	.tap_send = tap_send,
	.start = start,
	.preload = net_helper_preload,
};

const struct sandbox_net_hooks *net_sandbox_hooks(const struct net_settings *(*global)(void))
{
	global_settings = global;
	return &hooks;
}
