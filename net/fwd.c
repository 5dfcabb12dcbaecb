/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The forward table of the net helper: static forwards (from the command line or
 * .box.ini), live ones (added through the control socket) and automatic ones
 * (a TCP socket listening inside appears on the host's 127.0.0.1 with the same
 * port, or the next free one, and goes away when it stops listening). Each
 * forward is a libslirp host forward to 10.0.2.100:PORT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/xalloc.h"
#include "loop.h"

#define GUEST_ADDR    "10.0.2.100"
#define AUTO_TRIES    16
#define MAX_LISTENERS 256

static const char *const kind_names[] = {
	[FWD_STATIC] = "static",
	[FWD_LIVE] = "live",
	[FWD_AUTO] = "auto",
};

static socklen_t host_sockaddr(const struct port_spec *p, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(p->addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(p->host_port);
		inet_pton(AF_INET6, p->addr, &s6->sin6_addr);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	s4->sin_family = AF_INET;
	s4->sin_port = htons(p->host_port);
	inet_pton(AF_INET, p->addr, &s4->sin_addr);
	return sizeof(*s4);
}

/*
 * libslirp listens with a backlog of 1, so a burst of connections to a forward
 * sees SYNs dropped and retried a second later. Find the listening socket it
 * has just made (the lowest free fd, found early) and deepen its queue.
 */
static void raise_backlog(const struct sockaddr_storage *h, socklen_t hl)
{
	struct rlimit rl = { .rlim_cur = 4096 };

	getrlimit(RLIMIT_NOFILE, &rl);
	for (int fd = 3; fd < (int)MIN(rl.rlim_cur, 65536u); fd++) {
		struct sockaddr_storage a;
		socklen_t al = sizeof(a), l = sizeof(int);
		int acc = 0;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 || !acc)
			continue;
		memset(&a, 0, sizeof(a));
		if (getsockname(fd, (struct sockaddr *)&a, &al) == 0 && al == hl &&
		    memcmp(&a, h, hl) == 0) {
			listen(fd, SOMAXCONN);
			return;
		}
	}
}

/*
 * Binds the host side in libslirp; -errno (EADDRINUSE, EACCES, ...) on failure. An
 * IPv4 host address leads to 10.0.2.100, an IPv6 one to the sandbox's IPv6 address
 * (libslirp takes the one the sandbox's kernel announced; it cannot cross families).
 */
static int slirp_bind(struct net_loop *l, const struct port_spec *p)
{
	struct sockaddr_storage h;
	struct sockaddr_in g = { .sin_family = AF_INET, .sin_port = htons(p->guest_port) };
	struct sockaddr_in6 g6 = { .sin6_family = AF_INET6, .sin6_port = htons(p->guest_port) };
	socklen_t hl = host_sockaddr(p, &h);
	bool v6 = h.ss_family == AF_INET6;
	int flags = (p->udp ? SLIRP_HOSTFWD_UDP : 0) | (v6 ? SLIRP_HOSTFWD_V6ONLY : 0);

	inet_pton(AF_INET, GUEST_ADDR, &g.sin_addr);
	errno = 0;
	if (slirp_add_hostxfwd(l->slirp, (struct sockaddr *)&h, hl,
			       v6 ? (struct sockaddr *)&g6 : (struct sockaddr *)&g,
			       v6 ? sizeof(g6) : sizeof(g), flags) < 0)
		return errno ? -errno : -EADDRINUSE;
	if (!p->udp)
		raise_backlog(&h, hl);
	return 0;
}

static void slirp_unbind(struct net_loop *l, const struct port_spec *p)
{
	struct sockaddr_storage h;
	socklen_t hl = host_sockaddr(p, &h);

	slirp_remove_hostxfwd(l->slirp, (struct sockaddr *)&h, hl,
			      (p->udp ? SLIRP_HOSTFWD_UDP : 0) |
				  (h.ss_family == AF_INET6 ? SLIRP_HOSTFWD_V6ONLY : 0));
}

static struct fwd *fwd_find_host(struct net_loop *l, const struct port_spec *p)
{
	for (size_t i = 0; i < l->n_fwds; i++)
		if (portspec_same_host(&l->fwds[i].spec, p))
			return &l->fwds[i];
	return NULL;
}

int fwd_add(struct net_loop *l, const struct port_spec *p, enum fwd_kind kind, struct box_err **err)
{
	char text[128];
	int r;

	portspec_format(p, text, sizeof(text));
	if (fwd_find_host(l, p))
		return box_err_set(err, EEXIST, "forward %s: the host port is already forwarded",
				   text);
	if (l->n_fwds >= LOOP_MAX_FWDS)
		return box_err_set(err, ENOSPC, "forward %s: too many forwards (limit %d)", text,
				   LOOP_MAX_FWDS);
	r = slirp_bind(l, p);
	if (r == -EADDRINUSE)
		return box_err_set(err, -r,
				   "forward %s: host port %u is already in use (choose another "
				   "one, e.g. %u:%u)",
				   text, p->host_port, p->host_port + 1, p->guest_port);
	if (r == -EACCES)
		return box_err_set(err, -r,
				   "forward %s: ports below 1024 need privileges on the host "
				   "(use e.g. %u:%u)",
				   text, p->host_port + 8000, p->guest_port);
	if (r < 0)
		return box_err_set(err, -r, "forward %s: bind the host side", text);
	l->fwds = xrealloc(l->fwds, (l->n_fwds + 1) * sizeof(*l->fwds));
	l->fwds[l->n_fwds++] = (struct fwd){ .spec = *p, .kind = kind };
	l->fwd_gen++;
	loop_publish_fwds(l);
	log_debug("net: forward %s (%s)", text, kind_names[kind]);
	return 0;
}

static void fwd_drop(struct net_loop *l, struct fwd *f)
{
	slirp_unbind(l, &f->spec);
	size_t i = (size_t)(f - l->fwds);
	memmove(&l->fwds[i], &l->fwds[i + 1], (l->n_fwds - i - 1) * sizeof(*l->fwds));
	l->n_fwds--;
	l->fwd_gen++;
	loop_publish_fwds(l);
}

static void suppress(struct net_loop *l, uint16_t port)
{
	if (l->n_suppressed < ARRAY_SIZE(l->suppressed))
		l->suppressed[l->n_suppressed++] = port;
}

int fwd_remove(struct net_loop *l, const struct port_spec *p, struct box_err **err)
{
	struct fwd *f = fwd_find_host(l, p);
	bool v6 = strchr(p->addr, ':') != NULL;

	if (!f)
		return box_err_set(err, ENOENT, "no forward from %s%s%s:%u/%s", v6 ? "[" : "",
				   p->addr, v6 ? "]" : "", p->host_port, p->udp ? "udp" : "tcp");
	/* An automatic forward removed by hand stays away while that socket listens. */
	if (f->kind == FWD_AUTO)
		suppress(l, f->spec.guest_port);
	fwd_drop(l, f);
	return 0;
}

char *fwd_list(const struct net_loop *l)
{
	char *out = xstrdup(""), text[128];

	for (size_t i = 0; i < l->n_fwds; i++) {
		char *n = xasprintf("%s%s %s\n", out,
				    portspec_format(&l->fwds[i].spec, text, sizeof(text)),
				    kind_names[l->fwds[i].kind]);
		free(out);
		out = n;
	}
	return out;
}

/* --- automatic forwards --- */

static bool has_port(const uint16_t *ports, size_t n, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

static bool guest_port_forwarded(const struct net_loop *l, uint16_t port)
{
	for (size_t i = 0; i < l->n_fwds; i++)
		if (!l->fwds[i].spec.udp && l->fwds[i].spec.guest_port == port)
			return true;
	return false;
}

static size_t read_listeners(struct net_loop *l, uint16_t *ports, size_t max)
{
	const int fds[] = { l->procnet_fd, l->procnet6_fd };
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		_cleanup_free_ char *text = NULL;
		size_t len;
		/* Read again from the start: the kernel writes the table anew. */
		if (fds[i] < 0 || lseek(fds[i], 0, SEEK_SET) < 0 ||
		    fs_read_fd_all(fds[i], 4 << 20, &text, &len) < 0)
			continue;
		n += procnet_listeners(text, len, ports + n, max - n);
	}
	return n;
}

/* Same port on 127.0.0.1, else the next free ones; privileged ports move up by 8000. */
static void auto_add(struct net_loop *l, uint16_t port)
{
	struct port_spec p = { .addr = "127.0.0.1", .guest_port = port };
	unsigned base = port < 1024 ? port + 8000u : port;

	for (unsigned i = 0; i < AUTO_TRIES && base + i <= 65535; i++) {
		struct box_err *e = NULL;
		p.host_port = (uint16_t)(base + i);
		int r = fwd_add(l, &p, FWD_AUTO, &e);
		box_err_free(e);
		if (r >= 0)
			return;
	}
	log_debug("net: no free host port for sandbox port %u", port);
	suppress(l, port);
}

void fwd_auto_scan(struct net_loop *l)
{
	uint16_t ports[MAX_LISTENERS];
	size_t n = read_listeners(l, ports, ARRAY_SIZE(ports));

	/* Gone: drop the forward; a suppressed port that stopped listening is forgotten. */
	for (size_t i = 0; i < l->n_fwds;) {
		struct fwd *f = &l->fwds[i];
		if (f->kind == FWD_AUTO && !has_port(ports, n, f->spec.guest_port))
			fwd_drop(l, f);
		else
			i++;
	}
	for (size_t i = 0; i < l->n_suppressed;) {
		if (!has_port(ports, n, l->suppressed[i]))
			l->suppressed[i] = l->suppressed[--l->n_suppressed];
		else
			i++;
	}
	for (size_t i = 0; i < n; i++)
		if (!guest_port_forwarded(l, ports[i]) &&
		    !has_port(l->suppressed, l->n_suppressed, ports[i]))
			auto_add(l, ports[i]);
}
