/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host side of box-host-exec (see hostexec.h for the protocol). The supervisor
 * polls the listening socket beside its wait for the sandbox; each connection is
 * served by a detached process of its own, so a slow or stuck client never holds
 * the supervisor: it checks the peer, takes the caller's fds 0-2 as its own, runs
 * the command (on a pty of the host's when the caller's stdin is a terminal) and
 * sends the status back.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "../util/pty.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "hostexec.h"

#ifndef NS_GET_PID_IN_PIDNS
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 0x8, int)
#endif

#define MAX_REQUEST 65536
#define CONN_FD	    3
#define PIDNS_FD    4

struct request {
	char *cwd, *term; /* term: "" when the caller has none */
	char **argv;	  /* NULL-terminated; strings point into the request's buffer */
};

static bool (*config_hook)(void);

void hostexec_set_config_hook(bool (*global_on)(void))
{
	config_hook = global_on;
}

bool hostexec_enabled(enum sandbox_flag own)
{
	if (own != SANDBOX_FLAG_UNSET)
		return own == SANDBOX_FLAG_YES;
	return !config_hook || config_hook();
}

int hostexec_prepare(const char *rundir, struct box_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/" HOSTEXEC_DIR, rundir);

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return box_err_set(err, errno, "create '%s'", dir);
	return 0;
}

int hostexec_listen(const char *rundir, struct box_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/" HOSTEXEC_DIR, rundir);
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (dfd < 0)
		return box_err_set(err, errno, "open '%s'", dir);
	/* Through the dir's fd: a long runtime dir never overflows sun_path. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" HOSTEXEC_SOCK, dfd);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return box_err_set(err, errno, "create the host-exec socket");
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0)
		return box_err_set(err, errno, "listen on '%s/" HOSTEXEC_SOCK "'", dir);
	return TAKE_FD(fd);
}

char *hostexec_helper_path(void)
{
	_cleanup_free_ char *self = xstrdup(paths_self_exe());
	const char *dir = dirname(self);
	char *p = xasprintf("%s/box-host-exec", dir);

	if (access(p, X_OK) == 0)
		return p;
	free(p);
	p = xasprintf("%s/../libexec/box/box-host-exec", dir);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* ---- one request, in a process of its own ---- */

static int parse_request(char *buf, size_t len, struct request *r)
{
	char *f[2] = { NULL, NULL };
	size_t n = 0, k = 0;

	if (len == 0 || buf[len - 1] != '\0' || strcmp(buf, "BOXHX1") != 0)
		return -1;
	for (char *p = buf + strlen(buf) + 1; p < buf + len; p += strlen(p) + 1) {
		if (k < 2) {
			f[k++] = p;
			continue;
		}
		r->argv = xrealloc(r->argv, (n + 2) * sizeof(*r->argv));
		r->argv[n++] = p;
		r->argv[n] = NULL;
	}
	if (!r->argv || !*r->argv[0])
		return -1;
	r->cwd = f[0];
	r->term = f[1];
	return 0;
}

/* One message with exactly three fds, which land on 0, 1 and 2. */
static ssize_t receive(int conn, char *buf, size_t max)
{
	int fds[3];
	char ctl[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { .iov_base = buf, .iov_len = max };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;

	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(fds)) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return -1;
	memcpy(fds, CMSG_DATA(c), sizeof(fds));
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			return -1;
	for (int i = 0; i < 3; i++)
		if (fds[i] > 2)
			close(fds[i]);
	return n;
}

/*
 * Whom we serve: a process of this sandbox (its pid is visible in init's pid
 * namespace, nested ones included; Linux 6.8), running as the user. Another
 * sandbox's process that reached the socket through a bind of the runtime dir is
 * refused, and so is root or another uid inside (the command would run as the user).
 * Returns why not, or NULL.
 */
static const char *refusal(int conn, int pidns)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);

	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
		return "the caller cannot be identified";
	/* Older kernels cannot say (ENOTTY, EINVAL): the bind into this sandbox alone
	 * is the guard there. */
	int r = pidns >= 0 ? ioctl(pidns, NS_GET_PID_IN_PIDNS, cred.pid) : 1;
	if (r == 0 || (r < 0 && errno != ENOTTY && errno != EINVAL))
		return "the caller is not a process of this sandbox";
	if (cred.uid != getuid())
		return "only the sandbox's own user runs host commands (not root inside)";
	return NULL;
}

/* Best effort: a client that is gone has nobody to tell. */
static void send_msg(const void *m, size_t len)
{
	(void)!send(CONN_FD, m, len, MSG_NOSIGNAL);
}

_noreturn_ static void finish(int status)
{
	char m[5] = { 'x' };
	int32_t st = status;

	memcpy(m + 1, &st, sizeof(st));
	send_msg(m, sizeof(m));
	_exit(0);
}

_noreturn_ static void exec_cmd(const struct request *r, bool tty)
{
	if (tty && *r->term)
		setenv("TERM", r->term, 1);
	execvp(r->argv[0], r->argv);
	int e = errno;
	log_out_tagged("box-host-exec", "run '%s' on the host: %s", r->argv[0], strerror(e));
	_exit(e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* A message from the client; false when it is gone (the command gets SIGHUP). */
static bool client_message(pid_t target, const struct pty *p)
{
	char m[8];
	ssize_t n = recv(CONN_FD, m, sizeof(m), MSG_DONTWAIT);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		kill(target, SIGHUP);
		return false;
	}
	if (m[0] == 'w' && p)
		pty_resize(p);
	else if (m[0] == 's' && n == 2 && m[1] > 0 && m[1] < NSIG)
		kill(target, m[1]);
	return true;
}

/* The pty's foreground process group (the command, or what it made foreground). */
static pid_t pty_target(const struct pty *p, pid_t child)
{
	pid_t fg = tcgetpgrp(p->master);
	return fg > 0 ? -fg : child;
}

static bool peer_input(const struct pty *p, pid_t child, void *arg)
{
	return client_message(pty_target(p, child), p);
}

/* Ctrl-Z: the client stops itself, so its shell inside sees one stopped job; "c" says
 * it was continued. */
static void peer_stop(const struct pty *p, pid_t child, void *arg)
{
	struct pollfd pf = { .fd = CONN_FD, .events = POLLIN };
	char m[8];

	send_msg("z", 1);
	for (;;) {
		if (poll(&pf, 1, -1) < 0)
			continue;
		ssize_t n = recv(CONN_FD, m, sizeof(m), 0);
		if (n <= 0 && !(n < 0 && errno == EINTR)) {
			kill(child, SIGHUP);
			return;
		}
		if (n > 0 && m[0] == 'c')
			return;
	}
}

static int run_pty(const struct request *r)
{
	struct pty tty;
	struct box_err *err = NULL;
	const struct pty_peer peer = { .fd = CONN_FD,
				       .on_input = peer_input,
				       .on_stop = peer_stop };

	if (pty_open(&tty, &err) < 0) {
		_cleanup_free_ char *m = box_err_format(err);
		box_err_free(err);
		log_out_tagged("box-host-exec", "%s", m);
		return EXIT_BOX;
	}
	pid_t pid = fork();
	if (pid == 0) {
		if (pty_child(&tty) < 0)
			_exit(EXIT_BOX);
		exec_cmd(r, true);
	}
	if (pid < 0)
		return EXIT_BOX;
	return pty_relay_peer(&tty, pid, &peer);
}

/* No terminal: the command has the caller's fds and a session of its own; signals
 * and the caller's end reach its process group. */
static int run_plain(const struct request *r)
{
	pid_t pid = fork();

	if (pid == 0) {
		setsid();
		exec_cmd(r, false);
	}
	if (pid < 0)
		return EXIT_BOX;
	_cleanup_close_ int pfd = pidfd_for(pid);
	struct pollfd fds[2] = { { .fd = pfd, .events = POLLIN },
				 { .fd = CONN_FD, .events = POLLIN } };
	while (pfd >= 0 && !fds[0].revents) {
		if (poll(fds, 2, -1) < 0)
			continue;
		if (fds[1].revents && !client_message(-pid, NULL))
			fds[1].fd = -1;
	}
	return spawn_wait_status(pid);
}

static void enter_cwd(const char *cwd)
{
	_cleanup_free_ char *home = NULL;

	if (chdir(cwd) == 0) {
		setenv("PWD", cwd, 1);
		return;
	}
	home = paths_home();
	if (home && chdir(home) == 0)
		setenv("PWD", home, 1);
	else if (chdir("/") == 0)
		setenv("PWD", "/", 1);
}

_noreturn_ static void serve(int pidns)
{
	_cleanup_free_ char *buf = xmalloc(MAX_REQUEST);
	struct request r = { 0 };
	ssize_t n = receive(CONN_FD, buf, MAX_REQUEST);

	if (n < 0 || parse_request(buf, (size_t)n, &r) < 0)
		_exit(EXIT_BOX);
	const char *why = refusal(CONN_FD, pidns);
	if (pidns >= 0)
		close(pidns);
	if (why) {
		log_out_tagged("box-host-exec", "refused: %s", why);
		finish(EXIT_BOX);
	}
	enter_cwd(r.cwd);
	finish(pty_wanted() ? run_pty(&r) : run_plain(&r));
}

/* In the grandchild: the connection on CONN_FD, init's pid namespace on PIDNS_FD,
 * nothing else of the supervisor's (its signal handlers and mask included). */
_noreturn_ static void serve_child(int conn, int pidns)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD };
	sigset_t none;

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	prctl(PR_SET_NAME, "box-host-exec");
	/* Its stderr becomes the caller's: nothing of the supervisor's debug log there. */
	log_set_level(LOG_ERR);
	/* Out of the way first: either may already sit on 3 or 4. */
	int c = fcntl(conn, F_DUPFD_CLOEXEC, 10), ns = pidns < 0 ? -1 : fcntl(pidns, F_DUPFD, 10);
	if (c < 0 || dup2(c, CONN_FD) < 0 || (pidns >= 0 && (ns < 0 || dup2(ns, PIDNS_FD) < 0)))
		_exit(EXIT_BOX);
	fcntl(CONN_FD, F_SETFD, FD_CLOEXEC);
	syscall(SYS_close_range, (pidns >= 0 ? PIDNS_FD : CONN_FD) + 1U, ~0U, 0U);
	serve(pidns >= 0 ? PIDNS_FD : -1);
}

static void accept_one(int lfd, int pidns)
{
	int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (conn < 0)
		return;
	/* Detached (a grandchild): the supervisor waits only for its own children. */
	pid_t pid = fork();
	if (pid == 0) {
		if (fork() == 0)
			serve_child(conn, pidns);
		_exit(0);
	}
	close(conn);
	if (pid > 0)
		spawn_wait_status(pid);
}

void hostexec_serve(int lfd, pid_t init, pid_t until)
{
	char path[64];
	_cleanup_close_ int until_pidfd = pidfd_for(until);

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	_cleanup_close_ int pidns = open(path, O_RDONLY | O_CLOEXEC);
	struct pollfd fds[2] = { { .fd = until_pidfd, .events = POLLIN },
				 { .fd = lfd, .events = POLLIN } };

	if (pidns < 0)
		log_debug("host-exec: open '%s': %s", path, strerror(errno));
	while (until_pidfd >= 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (fds[0].revents)
			return;
		if (fds[1].revents)
			accept_one(lfd, pidns);
	}
}
