/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One fd over a unix socket: it arrives working and close-on-exec; no fd, or EOF, is an error. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/util/fdpass.h"
#include "tap.h"

int main(void)
{
	int sv[2], p[2], fd = -1;
	char buf[8] = "";

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe(p) < 0)
		return 1;
	is_int(fdpass_send(sv[0], p[1]), 0, "send a pipe's write end");
	is_int(fdpass_recv(sv[1], &fd), 0, "receive it");
	ok(fd >= 0 && fd != p[1], "as a new fd");
	ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "close-on-exec");
	close(p[1]);
	ok(write(fd, "hi", 2) == 2 && read(p[0], buf, sizeof(buf)) == 2 && buf[0] == 'h',
	   "what is written to it comes out of the pipe");
	close(fd);

	fd = -1;
	ok(write(sv[0], "x", 1) == 1, "a byte without an fd");
	is_int(fdpass_recv(sv[1], &fd), -EBADMSG, "is -EBADMSG");
	is_int(fd, -1, "and no fd is returned");
	close(sv[0]);
	is_int(fdpass_recv(sv[1], &fd), -EPIPE, "EOF is -EPIPE");
	is_int(fdpass_send(sv[1], p[0]), -EPIPE, "sending to a closed peer is -EPIPE");
	close(sv[1]);
	close(p[0]);
	return tap_done();
}
