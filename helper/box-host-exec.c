/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box-host-exec CMD ARGS...: run CMD on the host, from inside a sandbox. A static
 * program (it runs on any userland, glibc or musl) that box binds read-only at
 * /usr/local/bin/box-host-exec. It passes its stdin, stdout and stderr, working
 * directory, TERM and arguments to the sandbox's supervisor over
 * /run/box/host-exec.sock (protocol in core/sandbox/hostexec.h), which runs CMD on
 * the host as the user with the user's own environment (on a pty when stdin is a
 * terminal). It passes window size changes and signals on, stops when CMD stops,
 * and exits with CMD's status. No socket: the sandbox was made without it.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCK_PATH   "/run/box/host-exec.sock"
#define MAX_REQUEST 65536
#define EXIT_BOX    125

static int sock = -1;

static void tell(const char *m, size_t len)
{
	int e = errno;

	/* Lost only when the host side is gone, which the wait below sees. */
	(void)!send(sock, m, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	errno = e;
}

static void on_winch(int sig)
{
	(void)sig;
	tell("w", 1);
}

static void on_signal(int sig)
{
	char m[2] = { 's', (char)sig };
	tell(m, sizeof(m));
}

static int add(char *buf, size_t *n, const char *s)
{
	size_t l = strlen(s) + 1;

	if (*n + l > MAX_REQUEST)
		return -1;
	memcpy(buf + *n, s, l);
	*n += l;
	return 0;
}

/* "BOXHX1\0CWD\0TERM\0ARG\0ARG\0...": NUL-separated, in one message with fds 0-2. */
static size_t build_request(char *buf, int argc, char **argv)
{
	char cwd[4096];
	const char *term = getenv("TERM");
	size_t n = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	if (add(buf, &n, "BOXHX1") < 0 || add(buf, &n, cwd) < 0 || add(buf, &n, term ? term : ""))
		return 0;
	for (int i = 1; i < argc; i++)
		if (add(buf, &n, argv[i]) < 0)
			return 0;
	return n;
}

static int send_request(const char *buf, size_t len)
{
	int fds[3] = { 0, 1, 2 };
	char ctl[CMSG_SPACE(sizeof(fds))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c;

	memset(ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int connect_host(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = SOCK_PATH };

	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock >= 0 && connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return 0;
	if (errno == ENOENT)
		fprintf(stderr,
			"box-host-exec: running host commands is turned off for this sandbox "
			"(made with --no-host-exec or [box] host_exec = no)\n");
	else
		fprintf(stderr, "box-host-exec: cannot reach the host through '%s': %s\n",
			SOCK_PATH, strerror(errno));
	return -1;
}

static void forward_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction s = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &s, NULL);
	s.sa_handler = on_winch;
	sigaction(SIGWINCH, &s, NULL);
}

/* Until the status comes: "z" (the command stopped: stop too, say "c" when continued),
 * "x" + int32. */
static int wait_status(void)
{
	char m[16];
	int32_t status;

	for (;;) {
		ssize_t n = recv(sock, m, sizeof(m), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 1 && m[0] == 'z') {
			kill(getpid(), SIGSTOP);
			tell("c", 1);
			continue;
		}
		if (n == 1 + (ssize_t)sizeof(status) && m[0] == 'x') {
			memcpy(&status, m + 1, sizeof(status));
			return status;
		}
		if (n > 0)
			continue;
		fprintf(stderr, "box-host-exec: the host side ended without a status\n");
		return EXIT_BOX;
	}
}

int main(int argc, char **argv)
{
	static char buf[MAX_REQUEST];
	size_t len;

	if (argc < 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: box-host-exec CMD [ARG...]: run CMD on the host, as you\n");
		return EXIT_BOX;
	}
	len = build_request(buf, argc, argv);
	if (!len) {
		fprintf(stderr, "box-host-exec: the arguments are too long (at most %d bytes)\n",
			MAX_REQUEST);
		return EXIT_BOX;
	}
	if (connect_host() < 0)
		return EXIT_BOX;
	forward_signals();
	if (send_request(buf, len) < 0) {
		fprintf(stderr, "box-host-exec: send the request to the host: %s\n",
			strerror(errno));
		return EXIT_BOX;
	}
	return wait_status();
}
