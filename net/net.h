/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The userspace network. Inside the sandbox's netns: tap0 10.0.2.100/24, route via
 * 10.0.2.2, DNS 10.0.2.3. Outside: a net helper process (`box __netloop`, started
 * by the supervisor) runs libslirp on the tap fd, sandboxes itself, keeps port
 * forwards (static, live, automatic) and byte counters, and answers requests on
 * its control socket $XDG_RUNTIME_DIR/box/<name>/net.sock.
 */
#ifndef BOX_NET_H
#define BOX_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/err.h"

#define NET_DEFAULT_MTU 65520

struct port_spec {
	char addr[64];      /* host address to bind, default 127.0.0.1 */
	uint16_t host_port;
	uint16_t guest_port;
	bool udp;
};

/* "[ADDR:]HOSTPORT:PORT[/udp|/tcp]" or "PORT" (same both sides). */
int portspec_parse(const char *s, struct port_spec *ret, struct box_err **err);
/* Canonical text "127.0.0.1:8080->80/tcp"; buf >= 96 bytes. */
char *portspec_format(const struct port_spec *p, char *buf, size_t len);

/* Inside the sandbox netns (as its root): bring lo up; create tap0 and configure it. */
int net_lo_up(struct box_err **err);
int net_tap_setup(uint32_t mtu, int *ret_fd, struct box_err **err);

/* SCM_RIGHTS helpers for passing the tap fd out of the sandbox. */
int net_send_fd(int sock, int fd);
int net_recv_fd(int sock, int *ret_fd);

struct net_helper_opts {
	int tap_fd;           /* passed to the helper, closed by the caller afterwards */
	pid_t init_pid;       /* sandbox PID 1 on the host, for automatic forwards */
	uint32_t mtu;
	bool host_loopback;   /* 10.0.2.2 reaches the host's 127.0.0.1 */
	bool ports_auto;
	char **ports;         /* static specs, NULL-terminated */
	const char *ctl_path; /* control socket to create */
};

/* Start `box __netloop` and wait until it is ready (forwards bound). */
int net_helper_start(const struct net_helper_opts *o, pid_t *ret_pid, struct box_err **err);
/*
 * One request on a net helper's control socket: "list", "add SPEC", "rm SPEC",
 * "stats". Reply text in *ret_reply: "ok ..." lines or "error: ...".
 */
int net_ctl_request(const char *ctl_path, const char *request, char **ret_reply,
		    struct box_err **err);

#endif
