/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting the net helper, the one way box does it: a fork of the caller that runs
 * net_loop_run() (what `box __netloop` runs) with the tap fd as fd 3 and a
 * readiness pipe as fd 4 and none of the caller's other fds. No exec of box: an
 * exec costs more than the rest of the network setup, and this is on every cold
 * start's path. The readiness report ("ready": forwards bound, helper sandboxed;
 * or the setup error with its message) comes on the pipe. No sleeps: the pipe is
 * the signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <libslirp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/util/exit.h"
#include "../core/util/log.h"
#include "../core/util/spawn.h"
#include "net.h"

#define HELPER_TAP_FD	3
#define HELPER_READY_FD 4

/* In the child: the tap and the readiness pipe on fixed numbers, then the loop. */
_noreturn_ static void helper_child(struct net_helper_opts o, int ready)
{
	struct box_err *err = NULL;
	/* Move both above the targets first so dup2 cannot clobber one with the other. */
	int t = fcntl(o.tap_fd, F_DUPFD_CLOEXEC, 10), rd = fcntl(ready, F_DUPFD_CLOEXEC, 10);

	if (t < 0 || rd < 0 || dup2(t, HELPER_TAP_FD) < 0 || dup2(rd, HELPER_READY_FD) < 0)
		_exit(EXIT_BOX);
	/* Only the tap and the readiness pipe: none of the caller's fds. */
	syscall(SYS_close_range, HELPER_READY_FD + 1U, ~0U, 0U);
	/* The helper belongs to whoever started it: it ends when its parent does. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, "box-net");
	o.tap_fd = HELPER_TAP_FD;
	_exit(net_loop_run(&o, HELPER_READY_FD, &err) < 0 ? EXIT_BOX : 0);
}

int net_helper_fork(const struct net_helper_opts *o, pid_t *ret_pid, int *ret_ready,
		    struct box_err **err)
{
	int fd;
	pid_t pid = fork_pipe(&fd, err);

	if (pid < 0)
		return box_err_wrap(err, "start the net helper");
	if (pid == 0)
		helper_child(*o, fd);
	*ret_pid = pid;
	*ret_ready = fd;
	return 0;
}

void net_helper_preload(void)
{
	/* The first call of any of their functions loads each library. */
	slirp_version_string();
	seccomp_version();
}
