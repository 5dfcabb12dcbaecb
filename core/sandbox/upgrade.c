/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The upgrade commands of a running sandbox (see upgrade.h). Detection looks at the
 * sandbox's root from inside its mount namespace; every lookup stays inside that
 * root (root_open).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/spawn.h"

#include "../util/macro.h"
#include "../util/xalloc.h"
#include "sandbox.h"
#include "upgrade.h"

/* The sandbox's root is only reachable in its mount namespace (init is not
 * dumpable, so /proc/<init>/root is closed to us): a child joins init's user and
 * mount namespaces, where "/" is the sandbox's root, and exits with what it found. */
static int detect_inside(const char *name, pid_t init, enum pkgmgr *ret, struct box_err **err)
{
	_cleanup_close_ int pidfd = pidfd_for(init);
	pid_t pid;
	int status;

	if (pidfd < 0)
		return box_err_set(err, ESRCH, "sandbox '%s' is not running", name);
	pid = fork();
	if (pid < 0)
		return box_err_set(err, errno, "fork");
	if (pid == 0) {
		if (setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(255);
		int rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_exit(rootfd < 0 ? 255 : (int)pkgmgr_detect(rootfd));
	}
	status = spawn_wait_status(pid);
	if (status < 0 || status >= 255)
		return box_err_set(err, EIO, "look for the package manager of sandbox '%s'", name);
	*ret = (enum pkgmgr)status;
	return 0;
}

int sandbox_upgrade_steps(const char *name, enum pkgmgr *ret_m, struct pkg_step **ret,
			  size_t *ret_n, struct box_err **err)
{
	struct sandbox_runstate st;
	struct pkg_step *steps = NULL;
	size_t n = 0;
	enum pkgmgr m = PKGMGR_NONE;
	int r;

	if (sandbox_state_read(name, &st) != 1)
		return box_err_set(err, ESRCH, "sandbox '%s' is not running", name);
	r = detect_inside(name, st.init_pid, &m, err);
	if (r < 0)
		return r;
	if (m == PKGMGR_NONE)
		return box_err_set(err, ENOENT,
				   "sandbox '%s' has no package manager box knows (apt-get, dnf, "
				   "microdnf, apk, pacman, zypper)",
				   name);
	pkgmgr_upgrade_steps(m, &steps, &n);
	*ret_m = m;
	*ret = steps;
	*ret_n = n;
	return 0;
}

int sandbox_join_apart(const char *name, const struct sandbox_join_opts *o, struct box_err **err)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "socketpair");
	_cleanup_close_ int mine = sv[0];
	_cleanup_close_ int theirs = sv[1];
	pid = fork();
	if (pid < 0)
		return box_err_set(err, errno, "fork");
	if (pid == 0) {
		struct box_err *e = NULL;
		int r = sandbox_join(name, o, &e);
		if (r < 0)
			sync_send_error(theirs, e);
		else
			sync_send_ok(theirs, r);
		_exit(0);
	}
	close(TAKE_FD(theirs));
	int r = sync_recv(mine, "the command inside", err);
	spawn_wait_status(pid);
	return r;
}
