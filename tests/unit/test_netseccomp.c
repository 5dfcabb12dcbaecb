/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The net helper's seccomp filter, loaded in a child: what the loop needs works,
 * what an attacker would need fails with EPERM. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../net/jail.h"
#include "tap.h"

enum { T_INET, T_INET6, T_UNIX, T_OPEN_ROOT, T_OPEN_DIRFD, T_EXEC, T_UNSHARE, T_TIOCSTI, T_N };

static int err_of(int r)
{
	return r < 0 ? errno : 0;
}

/* In the child, under the filter: 0 or the errno of each probe. */
static void probe(int *res, int dirfd)
{
	int fd;
	char c = 'x';

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	res[T_INET] = err_of(fd);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	res[T_INET6] = fd < 0 && errno == EAFNOSUPPORT ? 0 : err_of(fd);
	res[T_UNIX] = err_of(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	res[T_OPEN_ROOT] = err_of(openat(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	res[T_OPEN_DIRFD] = err_of(openat(dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	res[T_EXEC] = err_of(execl("/bin/true", "true", (char *)NULL));
	res[T_UNSHARE] = err_of(unshare(CLONE_NEWUSER));
	res[T_TIOCSTI] = err_of(ioctl(0, TIOCSTI, &c));
}

int main(void)
{
	int p[2], res[T_N] = { 0 }, st = 0;

	if (pipe(p) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		struct box_err *err = NULL;
		int dirfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		void *f = net_seccomp_filter(&err);
		if (!f || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    net_seccomp_load(f, &err) < 0)
			_exit(3);
		probe(res, dirfd);
		_exit(write(p[1], res, sizeof(res)) == (ssize_t)sizeof(res) ? 0 : 4);
	}
	close(p[1]);
	ssize_t n = read(p[0], res, sizeof(res));
	waitpid(pid, &st, 0);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0, "the filter loads (no privilege needed)");
	is_int(n, (ssize_t)sizeof(res), "the child reports");
	is_int(res[T_INET], 0, "IPv4 sockets work");
	is_int(res[T_INET6], 0, "IPv6 sockets work");
	is_int(res[T_OPEN_ROOT], 0, "opening from the (jail's) root works");
	is_int(res[T_UNIX], EPERM, "unix sockets are refused");
	is_int(res[T_OPEN_DIRFD], EPERM, "opening relative to a held directory fd is refused");
	is_int(res[T_EXEC], EPERM, "exec is refused");
	is_int(res[T_UNSHARE], EPERM, "new namespaces are refused");
	is_int(res[T_TIOCSTI], EPERM, "TIOCSTI is refused");
	return tap_done();
}
