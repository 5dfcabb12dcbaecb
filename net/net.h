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

#include "../core/util/err.h"

#define NET_DEFAULT_MTU 65520
#define NET_GUEST_ADDR	"10.0.2.100"
#define NET_HOST_ADDR	"10.0.2.2"
#define NET_DNS_ADDR	"10.0.2.3"
/* rootfs_opts.hosts_extra while the host's loopback is reachable (host_loopback = yes). */
#define NET_HOSTS_EXTRA NET_HOST_ADDR "\thost.box.internal\n"

struct port_spec {
	char addr[64]; /* host address to bind, default 127.0.0.1 */
	uint16_t host_port;
	uint16_t guest_port;
	bool udp;
};

/* "[ADDR:]HOSTPORT:PORT[/udp|/tcp]" or "PORT" (same both sides). */
int portspec_parse(const char *s, struct port_spec *ret, struct box_err **err);
/* Canonical text "127.0.0.1:8080->80/tcp"; buf >= 96 bytes. */
char *portspec_format(const struct port_spec *p, char *buf, size_t len);

/* Same host side (address, port, protocol): what identifies a forward. */
bool portspec_same_host(const struct port_spec *a, const struct port_spec *b);

/*
 * TCP ports in LISTEN state in the text of /proc/<pid>/net/tcp or tcp6 that the
 * tap side can reach (bound to the wildcard address or to 10.0.2.100), sorted and
 * unique, at most max. Pure; returns the count.
 */
size_t procnet_listeners(const char *buf, size_t len, uint16_t *ports, size_t max);

/*
 * The "inuse" count of the "TCP:" or "TCP6:" line of /proc/<pid>/net/sockstat or
 * sockstat6: the TCP sockets of that network namespace in the kernel's hash tables
 * (listeners and connections). Pure; -1 when the text has no such line.
 */
long procnet_tcp_inuse(const char *buf, size_t len);

/*
 * /etc/resolv.conf for a sandbox on the slirp network: nameserver 10.0.2.3 plus the
 * search/domain/options lines of host_text (the host's file, may be NULL). Caller frees.
 */
char *net_resolv_conf(const char *host_text);

/* Inside the sandbox netns (as its root): bring lo up; create tap0 and configure it. */
int net_lo_up(struct box_err **err);
int net_tap_setup(uint32_t mtu, int *ret_fd, struct box_err **err);

/*
 * From outside: join the user and network namespaces of pid (owned by the caller)
 * in a short-lived child, create tap0 there and return its fd. Used when the
 * namespace already exists (tests, benchmarks, `box __netloop --netns PID`).
 */
int net_tap_open_in(pid_t pid, uint32_t mtu, int *ret_fd, struct box_err **err);

struct net_helper_opts {
	int tap_fd;	/* passed to the helper, closed by the caller afterwards */
	pid_t init_pid; /* sandbox PID 1 on the host, for automatic forwards */
	uint32_t mtu;
	bool host_loopback; /* 10.0.2.2 reaches the host's 127.0.0.1 */
	bool ports_auto;
	char **ports;	      /* static specs, NULL-terminated */
	const char *ctl_path; /* control socket to create */
	/* The sandbox's cgroup (may be NULL): while its CPU counter stays still, nothing
	 * inside can start listening, and the automatic-forward look backs off. */
	const char *cgroup_dir;
};

/*
 * The loop itself (`box __netloop`): libslirp on o->tap_fd, forwards, control
 * socket, self-sandboxing. Reports readiness (or the setup error) on ready_fd
 * with the sync protocol of core/spawn.h, then runs until the sandbox's init
 * exits, the tap goes away or SIGTERM. Returns 0 on a clean end.
 */
int net_loop_run(const struct net_helper_opts *o, int ready_fd, struct box_err **err);

/*
 * Start the net helper: a fork of the caller running net_loop_run() on o (the one
 * way box starts it). Its readiness report comes later on *ret_ready (sync
 * protocol; the caller reads and closes it). *ret_pid ends when its parent does.
 */
int net_helper_fork(const struct net_helper_opts *o, pid_t *ret_pid, int *ret_ready,
		    struct box_err **err);
/*
 * Load the libraries the helper needs (libslirp and GLib, libseccomp: box loads them
 * on first use, core/util/lazylib.h) into the caller, so that a helper forked later
 * finds them loaded instead of loading them on the start's path.
 */
void net_helper_preload(void);

/* The user's network settings a sandbox's own [box] settings go over. */
struct net_settings {
	bool host_loopback;
	bool ports_auto;
	uint32_t mtu;
};
struct sandbox_net_hooks;
/*
 * The network of sandboxes for the supervisor (main() passes it to
 * sandbox_set_net_hooks()). global gives the user's settings; it is called when a
 * sandbox first needs them, in the supervisor (NULL: the defaults).
 */
const struct sandbox_net_hooks *net_sandbox_hooks(const struct net_settings *(*global)(void));
/*
 * One request on a net helper's control socket: "list", "add SPEC", "rm SPEC",
 * "stats". Reply text in *ret_reply: "ok ..." lines or "error: ...".
 */
int net_ctl_request(const char *ctl_path, const char *request, char **ret_reply,
		    struct box_err **err);

/*
 * The page a net helper publishes beside its control socket, <rundir>/net.page, so
 * that `box list`, `box stats` and the dashboard read 200 sandboxes without a round
 * trip to each helper: its byte counters, its forward table as the "list" request
 * gives it ("SPEC KIND" lines), and whether it still runs. The helper makes it (0600)
 * before its jail, holds an exclusive flock on it while it runs (so a killed helper
 * shows as gone) and writes it through a shared mapping: counters with relaxed atomic
 * stores; the forward text under seq, odd while it changes. fwd_gen moves whenever
 * the forward table changes.
 */
#define NET_PAGE_MAGIC 0x626f782d6e657432ULL /* "box-net2" */
#define NET_PAGE_SIZE  65536
struct net_page_hdr {
	uint64_t magic;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t fwd_gen;
	uint64_t live;
	uint64_t seq;
	uint64_t fwd_len; /* bytes of forward text after the header; > NET_PAGE_TEXT_MAX: none */
};
#define NET_PAGE_TEXT_MAX (NET_PAGE_SIZE - sizeof(struct net_page_hdr))
#define NET_PAGE_FILE	  "net.page"

/* Open the page of the helper of runtime_dir (the user's own regular file); the fd, or
 * -ENOENT without one (a helper from before the page, or not up yet). */
int net_page_open(const char *runtime_dir);
/*
 * One look at an open page: the counters, the forward generation and, when ret_fwd is
 * not NULL, the forward text (allocated). -ESRCH: the helper is gone; -EAGAIN: the
 * text kept changing, or does not fit (ask the helper); -EBADMSG: not a page.
 */
int net_page_read(int fd, uint64_t *ret_rx, uint64_t *ret_tx, uint64_t *ret_gen, char **ret_fwd);

#endif
