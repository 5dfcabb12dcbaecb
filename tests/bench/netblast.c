/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny load tool for the network benchmark (no iperf3 on the test host):
 *   netblast serve ADDR PORT BYTES   send BYTES to every client, then close
 *   netblast sink ADDR PORT          read every client to EOF
 *   netblast get ADDR PORT           download to EOF; prints "BYTES SECONDS"
 *   netblast put ADDR PORT BYTES     upload BYTES, wait for the peer's close
 *   netblast http ADDR PORT          answer every request with a small HTTP reply
 * Servers fork per connection and run until killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)
/* Below the default RLIMIT_NOFILE of 1024: poll() refuses more fds than that. */
#define MAXC 512

static char buf[CHUNK];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in addr_of(const char *a, const char *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(p)) };
	if (inet_pton(AF_INET, a, &sa.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", a);
		exit(2);
	}
	return sa;
}

static void send_bytes(int fd, long long n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n < CHUNK ? (size_t)n : CHUNK);
		if (w <= 0)
			return;
		n -= w;
	}
}

static long long drain(int fd)
{
	long long total = 0;
	ssize_t r;
	while ((r = read(fd, buf, CHUNK)) > 0)
		total += r;
	return total;
}

/* One request head in c's buffer: reply; returns false when the connection ends. */
struct hconn {
	int fd;
	size_t have;
	char req[4096];
};

static bool http_step(struct hconn *h)
{
	static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
	ssize_t r = read(h->fd, h->req + h->have, sizeof(h->req) - 1 - h->have);
	char *end;

	if (r <= 0)
		return false;
	h->have += (size_t)r;
	h->req[h->have] = '\0';
	while ((end = strstr(h->req, "\r\n\r\n"))) {
		/* HTTP/1.0 without keep-alive (ab without -k): close after the reply. */
		bool close_after = strstr(h->req, "HTTP/1.0") && !strcasestr(h->req, "keep-alive");
		if (write(h->fd, reply, sizeof(reply) - 1) < 0 || close_after)
			return false;
		size_t used = (size_t)(end + 4 - h->req);
		memmove(h->req, end + 4, h->have - used + 1);
		h->have -= used;
	}
	return h->have < sizeof(h->req) - 1;
}

/* A single-process poll server: forking per request would measure fork, not the network. */
__attribute__((noreturn)) static void http_serve(int s)
{
	static struct hconn conns[MAXC];
	struct pollfd pfd[MAXC + 1];
	int one = 1;

	for (int i = 0; i < MAXC; i++)
		conns[i].fd = -1;
	for (;;) {
		pfd[0] = (struct pollfd){ .fd = s, .events = POLLIN };
		for (int i = 0; i < MAXC; i++)
			pfd[i + 1] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		if (poll(pfd, MAXC + 1, -1) < 0)
			continue;
		for (int i = 0; i < MAXC; i++)
			if (conns[i].fd >= 0 && pfd[i + 1].revents && !http_step(&conns[i])) {
				close(conns[i].fd);
				conns[i].fd = -1;
			}
		if (!(pfd[0].revents & POLLIN))
			continue;
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		int i = 0;
		while (i < MAXC && conns[i].fd >= 0)
			i++;
		if (i == MAXC) {
			close(c);
			continue;
		}
		conns[i].fd = c;
		conns[i].have = 0;
	}
}

static int serve(const char *mode, struct sockaddr_in sa, long long n)
{
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1024) < 0) {
		perror("bind/listen");
		return 1;
	}
	if (!strcmp(mode, "http"))
		http_serve(s);
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (fork() == 0) {
			close(s);
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (!strcmp(mode, "serve"))
				send_bytes(c, n);
			else
				drain(c);
			_exit(0);
		}
		close(c);
	}
}

static int client(const char *mode, struct sockaddr_in sa, long long n)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	double t0 = now();
	long long got;

	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	if (!strcmp(mode, "get")) {
		got = drain(s);
	} else {
		send_bytes(s, n);
		shutdown(s, SHUT_WR);
		drain(s);
		got = n;
	}
	printf("%lld %.3f\n", got, now() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: netblast serve|sink|get|put|http ADDR PORT [BYTES]\n");
		return 2;
	}
	const char *m = argv[1];
	long long n = argc > 4 ? atoll(argv[4]) : 0;
	struct sockaddr_in sa = addr_of(argv[2], argv[3]);
	if (!strcmp(m, "serve") || !strcmp(m, "sink") || !strcmp(m, "http"))
		return serve(m, sa, n);
	return client(m, sa, n);
}
