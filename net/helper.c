/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting the net helper: re-exec the box binary as `box __netloop` with the tap
 * fd as fd 3 and a readiness pipe as fd 4, then wait on the pipe for "ready"
 * (forwards bound, helper sandboxed) or for the setup error, which is rebuilt
 * here with its message. No sleeps: the pipe is the signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "../core/util/exit.h"
#include "../core/util/log.h"
#include "../core/util/paths.h"
#include "../core/util/spawn.h"
#include "../core/util/xalloc.h"
#include "net.h"

#define HELPER_TAP_FD	3
#define HELPER_READY_FD 4

static char **helper_argv(const struct net_helper_opts *o)
{
	char **argv = NULL;

	strv_push(&argv, xstrdup("box"));
	if (log_get_level() >= LOG_DEBUG)
		strv_push(&argv, xstrdup("-vvv"));
	strv_push(&argv, xstrdup("__netloop"));
	strv_push(&argv, xasprintf("--tap-fd=%d", HELPER_TAP_FD));
	strv_push(&argv, xasprintf("--ready-fd=%d", HELPER_READY_FD));
	strv_push(&argv, xasprintf("--mtu=%u", o->mtu ? o->mtu : NET_DEFAULT_MTU));
	if (o->init_pid > 0)
		strv_push(&argv, xasprintf("--init-pid=%d", (int)o->init_pid));
	if (!o->host_loopback)
		strv_push(&argv, xstrdup("--no-host-loopback"));
	if (o->ports_auto)
		strv_push(&argv, xstrdup("--auto-ports"));
	if (o->ctl_path)
		strv_push(&argv, xasprintf("--ctl=%s", o->ctl_path));
	for (char **p = o->ports; p && *p; p++)
		strv_push(&argv, xasprintf("--port=%s", *p));
	return argv;
}

/* In the child: put the tap and the ready pipe on fixed numbers, then exec. */
_noreturn_ static void helper_exec(int tap, int ready, char **argv)
{
	/* Move both above the targets first so dup2 cannot clobber one with the other. */
	int t = fcntl(tap, F_DUPFD_CLOEXEC, 10);
	int r = fcntl(ready, F_DUPFD_CLOEXEC, 10);

	if (t < 0 || r < 0 || dup2(t, HELPER_TAP_FD) < 0 || dup2(r, HELPER_READY_FD) < 0)
		_exit(EXIT_BOX);
	/* The helper belongs to whoever started it: it ends when its parent does. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execv(paths_self_exe(), argv);
	_exit(EXIT_NOT_FOUND);
}

int net_helper_start(const struct net_helper_opts *o, pid_t *ret_pid, struct box_err **err)
{
	_cleanup_strv_free_ char **argv = helper_argv(o);
	int pipefd[2], r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return box_err_set(err, errno, "create a pipe");
	pid = fork();
	if (pid < 0) {
		r = box_err_set(err, errno, "fork the net helper");
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		close(pipefd[0]);
		helper_exec(o->tap_fd, pipefd[1], argv);
	}
	close(pipefd[1]);
	r = sync_recv(pipefd[0], "net helper", err);
	close(pipefd[0]);
	if (r < 0) {
		kill(pid, SIGKILL);
		spawn_wait_status(pid);
		return box_err_wrap(err, "start the network");
	}
	log_debug("net helper running as pid %d", (int)pid);
	*ret_pid = pid;
	return 0;
}
