/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The net helper's main loop: libslirp on the tap fd. Frames the sandbox sends
 * on tap0 go into slirp_input(); libslirp turns them into ordinary sockets in
 * the host's network namespace and hands answers back through send_packet,
 * which writes them to the tap. One poll() covers the tap, libslirp's sockets,
 * the control socket and its clients, the sandbox init's pidfd and a signalfd;
 * timers (libslirp's and the automatic port scan) bound the poll timeout.
 * Everything that needs the filesystem happens before net_jail().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../core/cgroup/cgroup.h"
#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/spawn.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "frame.h"
#include "jail.h"
#include "loop.h"

/* Fixed slots at the start of the poll array; libslirp's sockets follow. */
enum { SLOT_TAP, SLOT_CTL, SLOT_PID, SLOT_SIG, SLOT_CLIENT0 };
#define SLOT_SLIRP (SLOT_CLIENT0 + LOOP_MAX_CLIENTS)
/* Frames read from the tap per wakeup before libslirp's sockets get a turn. */
#define TAP_BATCH 64
/*
 * Listeners: /proc/<pid>/net/tcp walks the kernel's whole established hash (shared
 * by every namespace), a few hundred microseconds to milliseconds a read. So every
 * SCAN_INTERVAL_MS the helper only reads the sandbox's TCP socket counts from
 * sockstat (constant time), and reads the listeners when they moved (a listen()
 * hashes a socket) or FULL_SCAN_MS passed since the last listing and the sandbox ran
 * (a close and a listen between two looks leave the count as it was).
 * With the sandbox's cgroup known, a look first reads its CPU counter (cpu.stat): a
 * listen() is a process running, so while the counter stays still nothing else is
 * read, and once it stayed still for SCAN_QUIET_MS the interval doubles up to
 * SCAN_IDLE_MAX_MS (waking 200 idle helpers twice a second costs more than 1% of a
 * core). The first look that sees it move goes back to SCAN_INTERVAL_MS.
 */
#define SCAN_INTERVAL_MS 500
#define SCAN_IDLE_MAX_MS 4000
#define SCAN_QUIET_MS	 10000
#define FULL_SCAN_MS	 3000
/* libslirp bounds its poll timeout by 1000 ms even with no timer of its own to run;
 * its TCP and fragment timers ask for TIMEOUT_SLOW (499 ms) or less. */
#define SLIRP_IDLE_TIMEOUT_MS 1000

uint64_t loop_now_ms(void)
{
	return now_ns() / 1000000;
}

/* --- libslirp callbacks --- */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	struct net_loop *l = opaque;
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)buf, len } };
	ssize_t n;

	if (l->vnet) {
		frame_hdr_in(buf, len, FRAME_GSO_SIZE, &h);
		n = writev(l->tap_fd, iov, 2);
		n = n >= (ssize_t)sizeof(h) ? n - (ssize_t)sizeof(h) : n;
	} else {
		n = write(l->tap_fd, buf, len);
	}

	/* A full tap queue drops the frame; TCP inside retransmits. */
	if (n > 0) {
		l->wrote = true;
		l->rx_bytes += (uint64_t)n;
		LOOP_PUBLISH(l, rx_bytes, l->rx_bytes);
	}
	return n < 0 && errno != EAGAIN ? -errno : (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	log_debug("net: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	return (int64_t)now_ns();
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	struct net_loop *l = opaque;

	for (size_t i = 0; i < LOOP_MAX_TIMERS; i++) {
		struct loop_timer *t = &l->timers[i];
		if (!t->used) {
			*t = (struct loop_timer){
				.used = true, .id = id, .cb_opaque = cb_opaque, .expire_ms = -1
			};
			return t;
		}
	}
	log_debug("net: out of timers");
	return NULL;
}

static void cb_timer_free(void *timer, void *opaque)
{
	if (timer)
		((struct loop_timer *)timer)->used = false;
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	if (timer)
		((struct loop_timer *)timer)->expire_ms = expire_ms;
}

static void cb_noop_fd(int fd, void *opaque)
{
}

static void cb_notify(void *opaque)
{
}

static void cb_init_completed(Slirp *slirp, void *opaque)
{
}

static const SlirpCb slirp_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_noop_fd,
	.unregister_poll_fd = cb_noop_fd,
	.notify = cb_notify,
	.init_completed = cb_init_completed,
	.timer_new_opaque = cb_timer_new_opaque,
};

static Slirp *slirp_create(struct net_loop *l)
{
	SlirpConfig cfg = { 0 };

	cfg.version = SLIRP_CONFIG_VERSION_MAX < 4 ? SLIRP_CONFIG_VERSION_MAX : 4;
	cfg.in_enabled = true;
	inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
	inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
	inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
	inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
	inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
	/* IPv6 as libslirp offers it: fd00::/64 by router advertisement, DNS at fd00::3. */
	cfg.in6_enabled = true;
	inet_pton(AF_INET6, "fd00::", &cfg.vprefix_addr6);
	cfg.vprefix_len = 64;
	inet_pton(AF_INET6, "fd00::2", &cfg.vhost6);
	inet_pton(AF_INET6, "fd00::3", &cfg.vnameserver6);
	cfg.if_mtu = l->o->mtu;
	cfg.if_mru = l->o->mtu;
	/* With host_loopback = no, 10.0.2.2 no longer reaches the host's 127.0.0.1. */
	cfg.disable_host_loopback = !l->o->host_loopback;
	cfg.enable_emu = false;
	return slirp_new(&cfg, &slirp_callbacks, l);
}

/* --- the poll set --- */

static int pfd_add(struct net_loop *l, int fd, short events)
{
	if (l->n_pfd == l->cap_pfd) {
		l->cap_pfd = l->cap_pfd ? l->cap_pfd * 2 : 64;
		l->pfd = xrealloc(l->pfd, l->cap_pfd * sizeof(*l->pfd));
	}
	l->pfd[l->n_pfd] = (struct pollfd){ .fd = fd, .events = events };
	return (int)l->n_pfd++;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	short ev = 0;

	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	if (events & SLIRP_POLL_ERR)
		ev |= POLLERR;
	if (events & SLIRP_POLL_HUP)
		ev |= POLLHUP;
	return pfd_add(opaque, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	struct net_loop *l = opaque;
	short rev;
	int r = 0;

	if (idx < SLOT_SLIRP || (size_t)idx >= l->n_pfd)
		return 0;
	rev = l->pfd[idx].revents;
	if (rev & POLLIN)
		r |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		r |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		r |= SLIRP_POLL_PRI;
	if (rev & POLLERR)
		r |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		r |= SLIRP_POLL_HUP;
	return r;
}

/* Milliseconds from now until at (0 when past), bounded for poll(). */
static int ms_until(uint64_t at, uint64_t now)
{
	return at > now ? (int)MIN(at - now, (uint64_t)INT32_MAX) : 0;
}

/*
 * Builds the poll set; returns the timeout in ms (-1: none). Sets look_only when the
 * timeout is the automatic-forward look's alone: nothing of libslirp's or of a control
 * client is due before it.
 */
static int poll_prepare(struct net_loop *l)
{
	uint32_t timeout = UINT32_MAX;
	uint64_t now = loop_now_ms();

	l->n_pfd = 0;
	pfd_add(l, l->tap_fd, POLLIN);
	pfd_add(l, l->ctl_fd, POLLIN);
	pfd_add(l, l->pid_fd, POLLIN);
	pfd_add(l, l->sig_fd, POLLIN);
	for (size_t i = 0; i < LOOP_MAX_CLIENTS; i++) {
		struct ctl_client *c = &l->clients[i];
		pfd_add(l, c->fd, POLLIN);
		if (c->fd >= 0)
			timeout = MIN(timeout, c->deadline_ms > now ? c->deadline_ms - now : 0);
	}
	uint32_t st = UINT32_MAX;
	slirp_pollfds_fill(l->slirp, &st, cb_add_poll, l);
	if (st < SLIRP_IDLE_TIMEOUT_MS)
		timeout = MIN(timeout, st);
	for (size_t i = 0; i < LOOP_MAX_TIMERS; i++) {
		const struct loop_timer *t = &l->timers[i];
		if (t->used && t->expire_ms >= 0)
			timeout = MIN(timeout, (uint64_t)t->expire_ms > now
						   ? (uint32_t)((uint64_t)t->expire_ms - now)
						   : 0);
	}
	l->other_due_ms = timeout == UINT32_MAX ? UINT64_MAX : now + timeout;
	l->look_only = l->procnet_fd >= 0 && l->next_scan_ms < l->other_due_ms;
	if (l->procnet_fd >= 0)
		timeout = MIN(timeout, l->next_scan_ms > now ? l->next_scan_ms - now : 0);
	return timeout == UINT32_MAX ? -1 : (int)MIN(timeout, (uint32_t)INT32_MAX);
}

static void timers_run(struct net_loop *l)
{
	uint64_t now = loop_now_ms();

	for (size_t i = 0; i < LOOP_MAX_TIMERS; i++) {
		struct loop_timer *t = &l->timers[i];
		if (t->used && t->expire_ms >= 0 && (uint64_t)t->expire_ms <= now) {
			t->expire_ms = -1;
			slirp_handle_timer(l->slirp, t->id, t->cb_opaque);
		}
	}
}

/* The frame behind the virtio-net header, its checksum filled in; false: drop it. */
static bool vnet_strip(struct net_loop *l, uint8_t **f, ssize_t *n)
{
	struct virtio_net_hdr h;

	if (*n <= (ssize_t)sizeof(h))
		return false;
	memcpy(&h, *f, sizeof(h));
	*f += sizeof(h);
	*n -= (ssize_t)sizeof(h);
	/* Without TSO offered the kernel never sends GSO frames; drop one if it did. */
	return h.gso_type == VIRTIO_NET_HDR_GSO_NONE && frame_finish_csum(*f, (size_t)*n, &h) == 0;
}

/* Reads a batch of frames from the tap into libslirp. */
static void tap_read(struct net_loop *l)
{
	for (int i = 0; i < TAP_BATCH; i++) {
		ssize_t n = read(l->tap_fd, l->buf, l->buf_len);
		uint8_t *f = l->buf;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* EBADFD/EIO: the namespace and its tap0 are gone. */
			log_debug("net: tap read: %s; ending", strerror(errno));
			l->quit = true;
			return;
		}
		if (n == 0)
			return;
		if (l->vnet && !vnet_strip(l, &f, &n))
			continue;
		l->tx_bytes += (uint64_t)n;
		LOOP_PUBLISH(l, tx_bytes, l->tx_bytes);
		slirp_input(l->slirp, f, (int)n);
	}
}

/* Sum of the TCP and TCP6 in-use counts; -1 when they cannot be read. */
static long tcp_inuse(const struct net_loop *l)
{
	char buf[1024];
	long sum = 0;

	for (size_t i = 0; i < ARRAY_SIZE(l->sockstat_fd); i++) {
		ssize_t n;
		long v;
		if (l->sockstat_fd[i] < 0)
			continue;
		n = pread(l->sockstat_fd[i], buf, sizeof(buf), 0);
		v = n > 0 ? procnet_tcp_inuse(buf, (size_t)n) : -1;
		if (v < 0)
			return -1;
		sum += v;
	}
	return l->sockstat_fd[0] < 0 ? -1 : sum;
}

/* The sandbox's CPU time (µs) so far; -1 when its cgroup is not known or unreadable. */
static int sandbox_cpu(const struct net_loop *l, uint64_t *ret)
{
	char buf[1024];
	ssize_t n;

	if (l->cpu_fd < 0)
		return -1;
	n = pread(l->cpu_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return cg_parse_cpu_stat(buf, (size_t)n, ret) < 0 ? -1 : 0;
}

static void auto_scan_tick(struct net_loop *l)
{
	uint64_t now = loop_now_ms(), cpu = 0;
	bool known = sandbox_cpu(l, &cpu) == 0;
	bool moved = !known || !l->cpu_known || cpu != l->cpu_usec;
	/* Due, and something ran since the last read of the listeners. */
	bool full = now >= l->full_scan_ms && (!known || cpu != l->full_cpu_usec);

	if (moved || full) {
		long inuse = tcp_inuse(l);
		if (inuse < 0 || inuse != l->scan_inuse || full) {
			fwd_auto_scan(l);
			l->scan_inuse = inuse;
			l->full_scan_ms = now + FULL_SCAN_MS;
			l->full_cpu_usec = cpu;
		}
	}
	if (moved) {
		l->active_ms = now;
		l->scan_every_ms = SCAN_INTERVAL_MS;
	} else if (now - l->active_ms >= l->quiet_ms) {
		l->scan_every_ms = MIN(l->scan_every_ms * 2, SCAN_IDLE_MAX_MS);
	}
	l->cpu_known = known;
	l->cpu_usec = cpu;
	/* On the clock's grid of the interval, the same for every helper: the looks of
	 * many idle sandboxes fall due together and are taken in one wakeup of the CPU,
	 * each cheaper than alone. */
	l->next_scan_ms = (now / l->scan_every_ms + 1) * l->scan_every_ms;
}

static void handle_events(struct net_loop *l, int n)
{
	if (l->pfd[SLOT_TAP].revents & (POLLIN | POLLERR | POLLHUP)) {
		tap_read(l);
		/* Traffic from inside: something runs there; look soon if backed off. */
		if (l->scan_every_ms > SCAN_INTERVAL_MS)
			l->next_scan_ms = MIN(l->next_scan_ms, loop_now_ms() + SCAN_INTERVAL_MS);
	}
	l->wrote = false;
	slirp_pollfds_poll(l->slirp, n < 0, cb_get_revents, l);
	/* The sandbox's kernel answers a segment (its ACK) within the write: take it now,
	 * so that libslirp's send buffer is free again when the poll set is built. */
	if (l->wrote)
		tap_read(l);
	timers_run(l);
	if (l->pfd[SLOT_PID].revents || l->pfd[SLOT_SIG].revents) {
		log_debug("net: sandbox ended or signal received; ending");
		l->quit = true;
	}
	for (size_t i = 0; i < LOOP_MAX_CLIENTS; i++)
		if (l->clients[i].fd >= 0 && l->pfd[SLOT_CLIENT0 + i].revents)
			ctl_client_io(l, &l->clients[i]);
	if (l->pfd[SLOT_CTL].revents & POLLIN)
		ctl_accept(l);
	ctl_expire(l, loop_now_ms());
	if (l->procnet_fd >= 0 && loop_now_ms() >= l->next_scan_ms)
		auto_scan_tick(l);
}

/*
 * An idle helper's wakeups are the automatic-forward look's timeouts: take the look
 * and poll the same set again, without libslirp (nothing of its was due, see
 * poll_prepare) and without building the set anew. Ends with poll's result for the
 * full turn: an event, an error, another deadline, or a look that changed the forwards.
 */
static int poll_idle(struct net_loop *l, int timeout)
{
	for (;;) {
		int n = poll(l->pfd, l->n_pfd, timeout);
		if (n != 0 || !l->look_only)
			return n;
		uint64_t gen = l->fwd_gen;
		auto_scan_tick(l);
		if (l->fwd_gen != gen || l->next_scan_ms >= l->other_due_ms)
			return 0;
		timeout = ms_until(l->next_scan_ms, loop_now_ms());
	}
}

static int loop_run(struct net_loop *l, struct box_err **err)
{
	while (!l->quit) {
		int timeout = poll_prepare(l);
		int n = poll_idle(l, timeout);
		if (n < 0 && errno != EINTR)
			return box_err_set(err, errno, "poll");
		if (n < 0)
			continue;
		handle_events(l, n);
	}
	return 0;
}

/* --- setup --- */

/* The sandbox's pid namespace, when it is not the helper's own (a bare netns in tests). */
static int sandbox_pidns(pid_t init)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &a) == 0 && stat("/proc/self/ns/pid", &b) == 0 &&
	    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Without the sandbox's cgroup, every look reads the socket counts (no back-off). */
static void open_cpu_stat(struct net_loop *l)
{
	const char *quiet = getenv("BOX_NET_QUIET_MS"); /* for tests: a shorter quiet time */
	uint32_t q;

	l->quiet_ms = quiet && parse_u32(quiet, &q) == 0 ? q : SCAN_QUIET_MS;
	if (!l->o->cgroup_dir)
		return;
	_cleanup_free_ char *path = xasprintf("%s/cpu.stat", l->o->cgroup_dir);
	l->cpu_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l->cpu_fd < 0)
		log_debug("net: no CPU counter '%s': %s; no back-off", path, strerror(errno));
}

static int open_sandbox_fds(struct net_loop *l, struct box_err **err)
{
	const struct net_helper_opts *o = l->o;
	char path[64];
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	l->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sig_fd < 0)
		return box_err_set(err, errno, "create a signalfd");
	if (o->init_pid <= 0)
		return 0;
	l->pid_fd = pidfd_for(o->init_pid);
	if (l->pid_fd < 0)
		return box_err_set(err, errno, "watch the sandbox's init (pid %d)",
				   (int)o->init_pid);
	l->pidns_fd = sandbox_pidns(o->init_pid);
	if (o->ports_auto) {
		/* These show the sandbox's netns; they must be opened before the jail. */
		snprintf(path, sizeof(path), "/proc/%d/net/tcp", (int)o->init_pid);
		l->procnet_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (l->procnet_fd < 0)
			return box_err_set(err, errno, "open '%s'", path);
		snprintf(path, sizeof(path), "/proc/%d/net/tcp6", (int)o->init_pid);
		l->procnet6_fd = open(path, O_RDONLY | O_CLOEXEC); /* none without IPv6 */
		/* Without sockstat every look reads the listeners; no sockstat6: no IPv6. */
		snprintf(path, sizeof(path), "/proc/%d/net/sockstat", (int)o->init_pid);
		l->sockstat_fd[0] = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%d/net/sockstat6", (int)o->init_pid);
		l->sockstat_fd[1] = open(path, O_RDONLY | O_CLOEXEC);
		open_cpu_stat(l);
	}
	return 0;
}

static int add_static_ports(struct net_loop *l, struct box_err **err)
{
	for (char **s = l->o->ports; s && *s; s++) {
		struct port_spec p;
		int r = portspec_parse(*s, &p, err);
		if (r >= 0)
			r = fwd_add(l, &p, FWD_STATIC, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The page (net.h), made before the jail under a temporary name, locked, then renamed
 * into place: a reader never sees it unlocked while the helper runs. Optional: without
 * it, clients ask the control socket. */
static void page_setup(struct net_loop *l)
{
	if (!l->o->ctl_path)
		return;
	_cleanup_free_ char *dir = xstrdup(l->o->ctl_path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = '\0';
	_cleanup_free_ char *path = xasprintf("%s/" NET_PAGE_FILE, dir);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
	void *m = MAP_FAILED;

	unlink(tmp);
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 && ftruncate(fd, NET_PAGE_SIZE) == 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		m = mmap(NULL, NET_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m != MAP_FAILED) {
		l->shared = m;
		l->shared->magic = NET_PAGE_MAGIC;
		__atomic_store_n(&l->shared->live, 1, __ATOMIC_RELEASE);
	}
	if (m == MAP_FAILED || rename(tmp, path) < 0) {
		log_debug("net: no page '%s': %s", path, strerror(errno));
		if (m != MAP_FAILED)
			munmap(m, NET_PAGE_SIZE);
		l->shared = NULL;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return;
	}
	l->page_fd = fd;
}

void loop_publish_fwds(struct net_loop *l)
{
	struct net_page_hdr *h = l->shared;

	if (!h)
		return;
	_cleanup_free_ char *text = fwd_list(l);
	size_t len = strlen(text);
	uint64_t seq = h->seq;
	__atomic_store_n(&h->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (len <= NET_PAGE_TEXT_MAX)
		memcpy(h + 1, text, len);
	__atomic_store_n(&h->fwd_len, len <= NET_PAGE_TEXT_MAX ? len : UINT64_MAX,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&h->fwd_gen, l->fwd_gen, __ATOMIC_RELAXED);
	__atomic_store_n(&h->seq, seq + 2, __ATOMIC_RELEASE);
}

/* A tap made with IFF_VNET_HDR (net_tap_setup) carries a header before each frame;
 * checksum offload spares the sandbox's kernel a copy and a pass per segment out. */
static void tap_offload(struct net_loop *l)
{
	struct ifreq ifr = { 0 };

	if (ioctl(l->tap_fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_VNET_HDR))
		return;
	l->vnet = true;
	if (ioctl(l->tap_fd, TUNSETOFFLOAD, TUN_F_CSUM) < 0)
		log_debug("net: no checksum offload on the tap: %s", strerror(errno));
}

static int loop_setup(struct net_loop *l, struct box_err **err)
{
	_cleanup_free_ char *resolv = NULL;
	size_t resolv_len = 0;
	int r, fl;

	/* libslirp forwards 10.0.2.3 to the first nameserver here; a copy goes in the jail. */
	if (fs_read_file("/etc/resolv.conf", 65536, &resolv, &resolv_len, NULL) < 0) {
		resolv = xstrdup("");
		resolv_len = 0;
	}
	tap_offload(l);
	fl = fcntl(l->tap_fd, F_GETFL);
	if (fl < 0 || fcntl(l->tap_fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return box_err_set(err, errno, "make the tap fd non-blocking");
	r = open_sandbox_fds(l, err);
	if (r < 0)
		return r;
	page_setup(l);
	if (l->o->ctl_path) {
		r = ctl_listen(l, l->o->ctl_path, err);
		if (r < 0)
			return r;
	}
	l->slirp = slirp_create(l);
	if (!l->slirp)
		return box_err_set(err, EINVAL, "start libslirp (mtu %u)", l->o->mtu);
	r = add_static_ports(l, err);
	if (r < 0)
		return r;
	return net_jail(resolv, resolv_len, err);
}

static void loop_done(struct net_loop *l)
{
	if (l->slirp)
		slirp_cleanup(l->slirp);
	for (size_t i = 0; i < LOOP_MAX_CLIENTS; i++)
		if (l->clients[i].fd >= 0)
			close(l->clients[i].fd);
	int fds[] = { l->ctl_fd,	 l->pid_fd,	    l->sig_fd,
		      l->procnet_fd,	 l->procnet6_fd,    l->pidns_fd,
		      l->sockstat_fd[0], l->sockstat_fd[1], l->cpu_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (l->shared) {
		__atomic_store_n(&l->shared->live, 0, __ATOMIC_RELEASE);
		munmap(l->shared, NET_PAGE_SIZE);
	}
	if (l->page_fd >= 0)
		close(l->page_fd);
	free(l->fwds);
	free(l->pfd);
	free(l->buf);
}

int net_loop_run(const struct net_helper_opts *o, int ready_fd, struct box_err **err)
{
	struct net_loop l = {
		.o = o,
		.tap_fd = o->tap_fd,
		.ctl_fd = -1,
		.pid_fd = -1,
		.sig_fd = -1,
		.procnet_fd = -1,
		.procnet6_fd = -1,
		.pidns_fd = -1,
		.sockstat_fd = { -1, -1 },
		.scan_inuse = -1,
		.scan_every_ms = SCAN_INTERVAL_MS,
		.cpu_fd = -1,
		.page_fd = -1,
	};
	int r;

	for (size_t i = 0; i < LOOP_MAX_CLIENTS; i++)
		l.clients[i].fd = -1;
	l.buf_len = (size_t)o->mtu + 256 + sizeof(struct virtio_net_hdr);
	l.buf = xmalloc(l.buf_len);
	r = loop_setup(&l, err);
	if (ready_fd >= 0) {
		if (r < 0)
			sync_send_error(ready_fd, err ? *err : NULL);
		else
			sync_send_ok(ready_fd, 0);
		close(ready_fd);
	}
	if (r >= 0) {
		log_debug("net: loop running (mtu %u)", o->mtu);
		r = loop_run(&l, err);
	}
	loop_done(&l);
	return r;
}
