/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The inside end of the network: bring up lo, create tap0 on /dev/net/tun with
 * its MTU, address 10.0.2.100/24 and a default route via 10.0.2.2, all with
 * ioctls (no `ip` binary exists inside a minimal image), and a way to open a tap
 * in an existing namespace from outside. The tap fd leaves the sandbox's netns
 * through core/util/fdpass.h.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/util/fdpass.h"
#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/spawn.h"
#include "net.h"

#define TAP_NAME    "tap0"
#define TAP_ADDR    "10.0.2.100"
#define TAP_MASK    "255.255.255.0"
#define TAP_GATEWAY "10.0.2.2"

static void set_sockaddr(struct sockaddr *sa, const char *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
}

static int if_up(int sock, const char *name, struct box_err **err)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return box_err_set(err, errno, "read flags of '%s'", name);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return box_err_set(err, errno, "bring up '%s'", name);
	return 0;
}

int net_lo_up(struct box_err **err)
{
	_cleanup_close_ int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (sock < 0)
		return box_err_set(err, errno, "create a configuration socket");
	return if_up(sock, "lo", err);
}

static int tap_configure(int sock, uint32_t mtu, struct box_err **err)
{
	struct ifreq ifr = { 0 };
	struct rtentry rt = { 0 };
	int r;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), TAP_NAME);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0)
		return box_err_set(err, errno, "set MTU %u on " TAP_NAME " (valid: 68..65521)",
				   mtu);
	set_sockaddr(&ifr.ifr_addr, TAP_ADDR);
	if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
		return box_err_set(err, errno, "set address " TAP_ADDR " on " TAP_NAME);
	set_sockaddr(&ifr.ifr_netmask, TAP_MASK);
	if (ioctl(sock, SIOCSIFNETMASK, &ifr) < 0)
		return box_err_set(err, errno, "set netmask on " TAP_NAME);
	r = if_up(sock, TAP_NAME, err);
	if (r < 0)
		return r;
	set_sockaddr(&rt.rt_dst, "0.0.0.0");
	set_sockaddr(&rt.rt_genmask, "0.0.0.0");
	set_sockaddr(&rt.rt_gateway, TAP_GATEWAY);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)TAP_NAME;
	if (ioctl(sock, SIOCADDRT, &rt) < 0)
		return box_err_set(err, errno, "add default route via " TAP_GATEWAY);
	return 0;
}

int net_tap_setup(uint32_t mtu, int *ret_fd, struct box_err **err)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = -1, sock = -1;
	int r;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return box_err_set(err, errno,
				   "open '/dev/net/tun' (is the tun module loaded and the device "
				   "mode 0666?)");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR; /* see net/frame.c */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), TAP_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return box_err_set(err, errno, "create " TAP_NAME);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return box_err_set(err, errno, "create a configuration socket");
	r = if_up(sock, "lo", err);
	if (r < 0)
		return r;
	r = tap_configure(sock, mtu ? mtu : NET_DEFAULT_MTU, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Child of net_tap_open_in: join pid's user and net namespaces, make the tap, send it. */
_noreturn_ static void tap_child(pid_t pid, uint32_t mtu, int sock)
{
	struct box_err *err = NULL;
	char path[64];
	const char *ns[] = { "user", "net" };
	int fd;

	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		struct stat self, target;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		/* Joining the user namespace we are already in is EINVAL: skip it. */
		if (fd >= 0 && i == 0 && fstat(fd, &target) == 0 &&
		    stat("/proc/self/ns/user", &self) == 0 && self.st_ino == target.st_ino) {
			close(fd);
			continue;
		}
		if (fd < 0 || setns(fd, 0) < 0) {
			box_err_set(&err, errno, "join the %s namespace of pid %d", ns[i],
				    (int)pid);
			sync_send_error(sock, err);
			_exit(1);
		}
		close(fd);
	}
	if (net_tap_setup(mtu, &fd, &err) < 0) {
		sync_send_error(sock, err);
		_exit(1);
	}
	sync_send_ok(sock, 0);
	fdpass_send(sock, fd);
	_exit(0);
}

int net_tap_open_in(pid_t pid, uint32_t mtu, int *ret_fd, struct box_err **err)
{
	int sv[2], fd = -1, r;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create a socket pair");
	child = fork();
	if (child < 0) {
		r = box_err_set(err, errno, "fork");
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (child == 0) {
		close(sv[0]);
		tap_child(pid, mtu, sv[1]);
	}
	close(sv[1]);
	r = sync_recv(sv[0], "tap setup", err);
	if (r >= 0) {
		r = fdpass_recv(sv[0], &fd);
		if (r < 0)
			box_err_set(err, -r, "receive the tap fd");
	}
	close(sv[0]);
	spawn_wait_status(child);
	if (r < 0)
		return r;
	*ret_fd = fd;
	return 0;
}
