/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clone3 into new namespaces, uid/gid map handshake, error transport from children. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exit.h"
#include "fs.h"
#include "log.h"
#include "paths.h"
#include "spawn.h"
#include "util.h"
#include "xalloc.h"

int pidfd_for(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int pidfd_wait(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return r;
}

pid_t clone3_fork(uint64_t flags, int *pidfd)
{
	struct clone_args args = { 0 };
	args.flags = flags | (pidfd ? CLONE_PIDFD : 0);
	args.exit_signal = SIGCHLD;
	if (pidfd)
		args.pidfd = (uint64_t)(uintptr_t)pidfd;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

int spawn_wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_BOX;
}

int sync_send_ok(int fd, int32_t value)
{
	int32_t msg[2] = { SYNC_OK, value };
	return fs_write_all(fd, msg, sizeof(msg));
}

int sync_send_error(int fd, const struct box_err *e)
{
	const char *m = e && e->msg ? e->msg : "unknown error";
	int32_t hdr[3] = { SYNC_ERROR, e ? e->code : EIO, (int32_t)strlen(m) };
	int r = fs_write_all(fd, hdr, sizeof(hdr));
	if (r < 0)
		return r;
	return fs_write_all(fd, m, strlen(m));
}

int sync_recv(int fd, const char *what, struct box_err **err)
{
	int32_t hdr[2];
	int r = fs_read_all(fd, hdr, sizeof(hdr));
	if (r < 0)
		return box_err_set(err, EPIPE, "%s exited before reporting", what);
	if (hdr[0] == SYNC_OK)
		return hdr[1] < 0 ? 0 : hdr[1];
	int32_t len;
	if (fs_read_all(fd, &len, sizeof(len)) < 0 || len < 0 || len > 65536)
		return box_err_set(err, EPROTO, "%s: malformed error report", what);
	_cleanup_free_ char *m = xmalloc((size_t)len + 1);
	if (fs_read_all(fd, m, (size_t)len) < 0)
		return box_err_set(err, EPROTO, "%s: truncated error report", what);
	m[len] = '\0';
	return box_err_set(err, hdr[1] > 0 ? hdr[1] : EIO, "%s", m);
}

/* What the child unshares itself (spawn_userns): every namespace but the user and pid
 * namespaces, which it must be born in. */
#define SPAWN_UNSHARE (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

_noreturn_ static void child_main(const struct box_ids *ids, uint64_t flags, int sync_fd,
				  spawn_fn fn, void *arg)
{
	struct box_err *err = NULL;
	struct spawn_ctx ctx = { .sync_fd = sync_fd, .arg = arg };
	int r;
	char c;

	/*
	 * The other namespaces are made here, while the parent runs newuidmap and
	 * newgidmap: a new user namespace gives its first process every capability in
	 * it at once, maps or not, and making a network namespace costs as much as
	 * starting one of those helpers.
	 */
	int e = unshare((int)(flags & SPAWN_UNSHARE)) < 0 ? errno : 0;
	/* Wait until the parent has written our uid/gid maps. */
	if (fs_read_all(sync_fd, &c, 1) < 0)
		_exit(EXIT_BOX);
	if (e) {
		box_err_set(&err, e, "create namespaces");
		sync_send_error(sync_fd, err);
		_exit(EXIT_BOX);
	}
	if (!ids->single || ids->root_single) {
		/* Become root of the new namespace; euid 0 keeps the full capability set. */
		if ((!ids->single && setgroups(0, NULL) < 0) || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0) {
			box_err_set(&err, errno, "become root in the user namespace");
			sync_send_error(sync_fd, err);
			_exit(EXIT_BOX);
		}
	}
	r = fn(&ctx, &err);
	if (r < 0) {
		sync_send_error(sync_fd, err);
		_exit(EXIT_BOX);
	}
	_exit(r & 0xff);
}

/* Let a child whose maps are written run; on failure it is killed and reaped. */
static int release_child(pid_t pid, int sync, struct box_err **err)
{
	if (fs_write_all(sync, "x", 1) == 0)
		return 0;
	int r = box_err_set(err, errno, "release namespace child");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return r;
}

int spawn_userns(const struct box_ids *ids, uint64_t flags, spawn_fn fn, void *arg, pid_t *ret_pid,
		 int *ret_sync, struct box_err **err)
{
	int sv[2];
	pid_t pid;
	int r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create sync socket");
	pid = clone3_fork(CLONE_NEWUSER | (flags & ~(uint64_t)SPAWN_UNSHARE), NULL);
	if (pid < 0) {
		r = -errno;
		close(sv[0]);
		close(sv[1]);
		if (r == -EPERM || r == -ENOSPC)
			return box_err_set(err, -r,
					   "create user namespace (are unprivileged user "
					   "namespaces enabled? see 'box doctor')");
		return box_err_set(err, -r, "create namespaces");
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(ids, flags, sv[1], fn, arg);
	}
	close(sv[1]);
	r = ids_write_maps(ids, pid, err);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (r < 0 || (r = release_child(pid, sv[0], err)) < 0) {
		close(sv[0]);
		return r;
	}
	*ret_pid = pid;
	*ret_sync = sv[0];
	return 0;
}

/*
 * The go-between of spawn_userns_join(): joins the user namespace, clones PID 1 as a
 * child of the caller (CLONE_PARENT, so the caller waits for it as for its own), and
 * reports its pid, or -errno, first on the sync socket (PID 1 writes nothing there
 * before it is released).
 */
_noreturn_ static void join_main(int userns, const struct box_ids *ids, uint64_t flags, int sync_fd,
				 spawn_fn fn, void *arg)
{
	struct clone_args args = { .flags = CLONE_PARENT | (flags & ~(uint64_t)SPAWN_UNSHARE) };
	int32_t res;

	if (setns(userns, CLONE_NEWUSER) < 0) {
		res = -errno;
	} else {
		/* clone3 takes no exit signal with CLONE_PARENT: the child gets ours (SIGCHLD). */
		pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid == 0)
			child_main(ids, flags, sync_fd, fn, arg);
		res = pid < 0 ? -errno : pid;
	}
	_exit(fs_write_all(sync_fd, &res, sizeof(res)) < 0 ? EXIT_BOX : 0);
}

int spawn_userns_join(int userns, const struct box_ids *ids, uint64_t flags, spawn_fn fn, void *arg,
		      pid_t *ret_pid, int *ret_sync, struct box_err **err)
{
	int sv[2];
	int32_t res = -EPIPE;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create sync socket");
	pid_t x = fork();
	if (x == 0) {
		close(sv[0]);
		join_main(userns, ids, flags, sv[1], fn, arg);
	}
	close(sv[1]);
	if (x < 0)
		res = -errno;
	else if (fs_read_all(sv[0], &res, sizeof(res)) < 0)
		res = -EPIPE;
	if (x > 0)
		waitpid(x, NULL, 0);
	if (res <= 0) {
		close(sv[0]);
		return box_err_set(err, res < 0 ? -res : EIO, "join the user namespace");
	}
	/* The maps are the namespace's already: release the child at once. */
	if (release_child(res, sv[0], err) < 0) {
		close(sv[0]);
		return -EIO;
	}
	*ret_pid = res;
	*ret_sync = sv[0];
	return 0;
}

int spawn_userns_wait(const struct box_ids *ids, uint64_t flags, spawn_fn fn, void *arg,
		      struct box_err **err)
{
	pid_t pid;
	_cleanup_close_ int sync = -1;
	int r = spawn_userns(ids, flags, fn, arg, &pid, &sync, err);
	if (r < 0)
		return r;
	int status = spawn_wait_status(pid);
	/* The child reports an error only when it failed; an empty socket means exit status. */
	int32_t hdr[2];
	int fl = fcntl(sync, F_GETFL);
	fcntl(sync, F_SETFL, fl | O_NONBLOCK);
	ssize_t n = recv(sync, hdr, sizeof(hdr), MSG_PEEK);
	if (n == (ssize_t)sizeof(hdr) && hdr[0] == SYNC_ERROR) {
		fcntl(sync, F_SETFL, fl);
		return sync_recv(sync, "namespace child", err);
	}
	if (status < 0)
		return box_err_set(err, -status, "wait for namespace child");
	return status;
}

pid_t fork_pipe(int *ret_fd, struct box_err **err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return box_err_set(err, errno, "create a pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return box_err_set(err, errno, "fork");
	}
	close(p[pid == 0 ? 0 : 1]);
	*ret_fd = p[pid == 0 ? 1 : 0];
	return pid;
}

#define CAPTURE_MAX (64 * 1024)

static void child_exec(char *const *argv, bool interactive, int out_fd)
{
	size_t n = strv_length(argv);
	char **full = xcalloc(n + 2, sizeof(char *));

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (!interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
	}
	full[0] = (char *)"box";
	memcpy(full + 1, argv, n * sizeof(char *));
	execv(paths_self_exe(), full);
	log_child_error("cannot run '%s': %s", paths_self_exe(), strerror(errno));
	_exit(EXIT_NOT_FOUND);
}

static char *last_line(char *buf)
{
	char *line = NULL;

	for (char *s = buf, *save = NULL, *tok; (tok = strtok_r(s, "\n", &save)); s = NULL)
		if (*str_strip(tok))
			line = tok;
	if (!line)
		return NULL;
	line = str_strip(line);
	if (str_startswith(line, "box: "))
		line += 5;
	return str_escape(line);
}

int spawn_self(char *const *argv, bool interactive, char **ret_msg)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int pipefd[2] = { -1, -1 }, status = EXIT_BOX;
	_cleanup_free_ char *out = NULL;

	if (!interactive && pipe2(pipefd, O_CLOEXEC) < 0)
		return EXIT_BOX;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv, interactive, pipefd[1]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (pid > 0 && pipefd[0] >= 0)
		fs_read_fd_all(pipefd[0], CAPTURE_MAX, &out, NULL);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pid > 0)
		status = spawn_wait_status(pid);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0)
		return EXIT_BOX;
	if (ret_msg)
		*ret_msg = out ? last_line(out) : NULL;
	return status < 0 ? EXIT_BOX : status;
}
