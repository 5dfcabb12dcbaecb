/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The net helper's control socket, $XDG_RUNTIME_DIR/box/<name>/net.sock: one
 * request line per connection ("list", "add SPEC", "rm SPEC", "stats"), one
 * reply ("ok" and lines, or "error: message"), then the helper closes (what box
 * reads often, counters and forwards, is in the helper's page instead). Only the
 * helper's own uid may talk to it (SO_PEERCRED), and never a process inside the
 * sandbox. Clients are non-blocking slots
 * in the main poll loop with a deadline, so a slow, silent or malicious client
 * never stalls the packets. Also the client side, net_ctl_request().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "loop.h"

#ifndef NS_GET_PID_IN_PIDNS
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 0x8, int)
#endif

#define CLIENT_TIMEOUT_MS 2000
#define REPLY_TIMEOUT_MS  5000
#define REPLY_MAX	  (1 << 20)

static int unix_addr(const char *path, struct sockaddr_un *sa, struct box_err **err)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return box_err_set(err, ENAMETOOLONG,
				   "control socket path '%s' is too long (limit %zu bytes; use a "
				   "shorter XDG_RUNTIME_DIR)",
				   path, sizeof(sa->sun_path) - 1);
	strcpy(sa->sun_path, path);
	return 0;
}

int ctl_listen(struct net_loop *l, const char *path, struct box_err **err)
{
	struct sockaddr_un sa;
	int r = unix_addr(path, &sa, err);

	if (r < 0)
		return r;
	l->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l->ctl_fd < 0)
		return box_err_set(err, errno, "create the control socket");
	unlink(path);
	/* 0600 from the start: no window where another user could connect. */
	mode_t old = umask(0177);
	r = bind(l->ctl_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(l->ctl_fd, 16) < 0)
		return box_err_set(err, errno, "listen on '%s'", path);
	/* The socket file stays when the loop ends: the jailed helper keeps no directory
	 * of the host to remove it from (`..` from one leads anywhere). The supervisor
	 * removes the runtime dir it lives in; a restart replaces it. */
	return 0;
}

static void client_close(struct ctl_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Replies are small; a client that does not read them loses them. */
static void client_reply(struct ctl_client *c, const char *text)
{
	if (send(c->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("net: control reply: %s", strerror(errno));
	client_close(c);
}

/*
 * Whether the peer runs inside the sandbox: its pid is visible in the sandbox's pid
 * namespace (NS_GET_PID_IN_PIDNS, Linux 6.8), nested namespaces included. A process
 * inside has the user's uid too, so the uid alone cannot tell it from `box port`.
 * Older kernels cannot answer without /proc, which the jailed helper no longer
 * has: there the hidden runtime dir (see the supervisor's binds) is the only guard.
 */
static bool peer_inside(const struct net_loop *l, pid_t pid)
{
	if (l->pidns_fd < 0)
		return false;
	int r = ioctl(l->pidns_fd, NS_GET_PID_IN_PIDNS, pid);
	if (r < 0 && errno != ESRCH)
		log_debug("net: cannot place the peer %d: %s", (int)pid, strerror(errno));
	return r > 0;
}

static bool peer_allowed(const struct net_loop *l, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == getuid() && !peer_inside(l, cred.pid);
}

void ctl_accept(struct net_loop *l)
{
	for (;;) {
		int fd = accept4(l->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct ctl_client *slot = NULL;

		if (fd < 0)
			return;
		for (size_t i = 0; i < LOOP_MAX_CLIENTS && !slot; i++)
			if (l->clients[i].fd < 0)
				slot = &l->clients[i];
		if (!slot) {
			const char *m = "error: busy, try again\n";
			send(fd, m, strlen(m), MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		/* A refused client still gets its request read first: closing a unix
		 * socket with unread data resets it, and the reply would be lost. */
		*slot = (struct ctl_client){ .fd = fd,
					     .denied = !peer_allowed(l, fd),
					     .deadline_ms = loop_now_ms() + CLIENT_TIMEOUT_MS };
	}
}

void ctl_client_io(struct net_loop *l, struct ctl_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_close(c);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	nl = strchr(c->buf, '\n');
	if (!nl && n > 0 && c->len < sizeof(c->buf) - 1)
		return;
	if (!nl && c->len == sizeof(c->buf) - 1) {
		client_reply(c, "error: request too long\n");
		return;
	}
	if (nl)
		*nl = '\0';
	if (c->denied) {
		client_reply(c, "error: permission denied (only the user's own box commands on "
				"the host may ask)\n");
		return;
	}
	_cleanup_free_ char *reply = ctl_handle(l, c->buf);
	client_reply(c, reply);
}

void ctl_expire(struct net_loop *l, uint64_t now)
{
	for (size_t i = 0; i < LOOP_MAX_CLIENTS; i++)
		if (l->clients[i].fd >= 0 && l->clients[i].deadline_ms <= now)
			client_reply(&l->clients[i], "error: request timed out\n");
}

static char *error_reply(struct box_err *e)
{
	char *r = xasprintf("error: %s\n", e && e->msg ? e->msg : "failed");
	box_err_free(e);
	return r;
}

static char *handle_port(struct net_loop *l, const char *arg, bool add)
{
	struct box_err *e = NULL;
	struct port_spec p;
	char text[128];
	int r = portspec_parse(arg, &p, &e);

	if (r >= 0)
		r = add ? fwd_add(l, &p, FWD_LIVE, &e) : fwd_remove(l, &p, &e);
	if (r < 0)
		return error_reply(e);
	return xasprintf("ok\n%s\n", portspec_format(&p, text, sizeof(text)));
}

char *ctl_handle(struct net_loop *l, const char *req)
{
	_cleanup_free_ char *copy = xstrdup(req);
	char *line = str_strip(copy);

	if (streq(line, "list")) {
		_cleanup_free_ char *list = fwd_list(l);
		return xasprintf("ok\n%s", list);
	}
	if (streq(line, "stats"))
		return xasprintf("ok\nrx_bytes %llu\ntx_bytes %llu\nforwards %zu\n",
				 (unsigned long long)l->rx_bytes, (unsigned long long)l->tx_bytes,
				 l->n_fwds);
	if (str_startswith(line, "add "))
		return handle_port(l, str_strip(line + 4), true);
	if (str_startswith(line, "rm "))
		return handle_port(l, str_strip(line + 3), false);
	_cleanup_free_ char *shown = str_escape(line);
	return xasprintf("error: unknown request '%.64s' (expected list, add SPEC, rm SPEC or "
			 "stats)\n",
			 shown);
}

/* --- client side --- */

static int read_reply(int fd, char **ret, struct box_err **err)
{
	size_t len = 0, cap = 4096;
	_cleanup_free_ char *buf = xmalloc(cap);

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, REPLY_TIMEOUT_MS);
		if (n == 0)
			return box_err_set(err, ETIMEDOUT, "wait for the net helper's reply");
		if (n < 0 && errno == EINTR)
			continue;
		if (len + 1 >= cap) {
			if (cap >= REPLY_MAX)
				return box_err_set(err, EFBIG, "net helper reply too long");
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return box_err_set(err, errno, "read the net helper's reply");
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Connect to the net helper's control socket and send one request line; returns the fd. */
static int ctl_send(const char *ctl_path, const char *request, struct box_err **err)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *line = xasprintf("%s\n", request);
	int r = unix_addr(ctl_path, &sa, err);

	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return box_err_set(err, errno, "create a socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return box_err_set(err, errno, "connect to the net helper '%s'", ctl_path);
	if (fs_write_all(fd, line, strlen(line)) < 0)
		return box_err_set(err, errno, "send a request to the net helper");
	return TAKE_FD(fd);
}

int net_ctl_request(const char *ctl_path, const char *request, char **ret_reply,
		    struct box_err **err)
{
	_cleanup_free_ char *reply = NULL;
	_cleanup_close_ int fd = ctl_send(ctl_path, request, err);
	int r;

	if (fd < 0)
		return fd;
	shutdown(fd, SHUT_WR);
	r = read_reply(fd, &reply, err);
	if (r < 0)
		return r;
	if (str_startswith(reply, "error: ")) {
		char *m = reply + 7;
		m[strcspn(m, "\n")] = '\0';
		return box_err_set(err, EINVAL, "%s", m);
	}
	if (!str_startswith(reply, "ok"))
		return box_err_set(err, EPROTO, "unexpected reply from the net helper");
	*ret_reply = xstrdup(reply[2] == '\n' ? reply + 3 : reply + 2);
	return 0;
}

int net_page_open(const char *runtime_dir)
{
	_cleanup_free_ char *path = xasprintf("%s/" NET_PAGE_FILE, runtime_dir);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() ||
	    st.st_size < (off_t)sizeof(struct net_page_hdr)) {
		close(fd);
		return -EBADMSG;
	}
	return fd;
}

static bool page_pread(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len;
}

int net_page_read(int fd, uint64_t *ret_rx, uint64_t *ret_tx, uint64_t *ret_gen, char **ret_fwd)
{
	struct net_page_hdr h;
	uint64_t seq;

	for (int tries = 0; tries < 8; tries++) {
		if (!page_pread(fd, &h, sizeof(h), 0) || h.magic != NET_PAGE_MAGIC)
			return -EBADMSG;
		/* The helper holds an exclusive lock while it runs: ours means it is gone. */
		if (!h.live || flock(fd, LOCK_SH | LOCK_NB) == 0) {
			flock(fd, LOCK_UN);
			return -ESRCH;
		}
		*ret_rx = h.rx_bytes;
		*ret_tx = h.tx_bytes;
		*ret_gen = h.fwd_gen;
		if (!ret_fwd)
			return 0;
		if (!h.fwd_len && !(h.seq & 1)) {
			*ret_fwd = xstrdup("");
			return 0;
		}
		if (h.fwd_len > NET_PAGE_TEXT_MAX)
			return -EAGAIN;
		if (h.seq & 1)
			continue;
		_cleanup_free_ char *text = xmalloc(h.fwd_len + 1);
		if (!page_pread(fd, text, h.fwd_len, sizeof(h)) ||
		    !page_pread(fd, &seq, sizeof(seq), offsetof(struct net_page_hdr, seq)))
			return -EBADMSG;
		if (seq != h.seq)
			continue;
		text[h.fwd_len] = '\0';
		*ret_fwd = TAKE_PTR(text);
		return 0;
	}
	return -EAGAIN;
}
