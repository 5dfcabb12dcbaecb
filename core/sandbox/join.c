/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entering a running sandbox: the warm path of `box enter`/`box run`. It reads the
 * state file, checks that the supervisor and init are the processes it names
 * (start times, so a reused pid is never joined), takes a pidfd of init and joins
 * all of init's namespaces with one setns(), then forks (a pid namespace applies
 * to children only) and execs the command, with a pty of its own when stdin is a
 * terminal (core/util/pty.h), in a session of its own otherwise. It parses
 * no config and takes no lock: this path is what `box run NAME true` costs.
 */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "desktop.h"
#include "../util/fs.h"
#include "../host/idmap.h"
#include "../util/log.h"
#include "sandbox.h"
#include "../util/pty.h"
#include "../util/spawn.h"
#include "../util/xalloc.h"

#define JOIN_NS                                                                                    \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)

/* Move ourselves into the sandbox's cgroup so its stats count us; best effort. */
static void join_cgroup(const char *cg)
{
	if (!*cg)
		return;
	_cleanup_free_ char *p = xasprintf("%s/cgroup.procs", cg);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) < 0)
		log_debug("join cgroup '%s': %s", cg, strerror(errno));
}

/* Namespaces of init we can join: with network = host, init shares ours. */
static int ns_flags(pid_t init)
{
	char a[64], b[64];
	struct stat sa, sb;
	int f = JOIN_NS;

	snprintf(a, sizeof(a), "/proc/%d/ns/net", (int)init);
	snprintf(b, sizeof(b), "/proc/self/ns/net");
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0 || sa.st_ino != sb.st_ino)
		f |= CLONE_NEWNET;
	return f;
}

static int open_init(const char *name, struct sandbox_runstate *st, struct box_err **err)
{
	if (sandbox_state_read(name, st) != 1)
		return box_err_set(err, ESRCH, "sandbox '%s' is not running", name);
	int fd = pidfd_for(st->init_pid);
	/* Checked again with the pidfd held: from here on the pid cannot be reused. */
	if (fd < 0 || proc_start_time(st->init_pid) != st->init_start) {
		if (fd >= 0)
			close(fd);
		return box_err_set(err, ESRCH, "sandbox '%s' is not running", name);
	}
	return fd;
}

/*
 * The environment the sandbox started with (the image's Env and the sandbox's own,
 * see sandbox_env_format()), and the caller's extra variables over the latter. A
 * sandbox started by an older box has no env file: no image Env then.
 */
static void load_env(const char *name, char *const *extra, char ***ret_image_env, char ***ret_env)
{
	_cleanup_free_ char *rd = sandbox_runtime_dir(name);
	_cleanup_free_ char *p = xasprintf("%s/env", rd);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	*ret_image_env = *ret_env = NULL;
	if (fs_read_file_nofollow(p, 256 * 1024, &buf, &len, NULL) < 0 ||
	    sandbox_env_parse(buf, len, ret_image_env, ret_env) < 0)
		log_debug("no environment file '%s'", p);
	for (size_t i = 0; extra && extra[i]; i++)
		strv_push(ret_env, xstrdup(extra[i]));
}

/* A detached fn (see sandbox_join_opts): the join's child forks it and exits. */
static void run_detached(const struct sandbox_join_opts *o, const struct exec_opts *eo)
{
	struct box_err *err = NULL;
	char **env = NULL;

	pid_t p = fork();
	if (p != 0)
		_exit(p < 0 ? 125 : 0);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (setsid() < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(125);
	close(null);
	if (container_exec_prepare(eo, &env, &err) < 0)
		_exit(125);
	_exit(o->fn(o->fn_arg, env));
}

_noreturn_ static void run_child(const struct sandbox_join_opts *o, const struct box_ids *ids,
				 const char *cwd, char **image_env, char **env)
{
	struct box_err *err = NULL;
	struct exec_opts eo = {
		.ids = ids,
		.root = o->root,
		.argv = o->argv,
		.image_env = image_env,
		.env = env,
		.cwd = cwd,
		.login_shell = !o->argv,
		/* sudo inside (where the image has it) needs root's capabilities to stay
		 * in the bounding set; they only ever apply to the sandbox's namespace. */
		.sudo_root = true,
	};
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (o->out_to_err && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(125);
	/* setns() gave us every capability in the sandbox's namespace but kept our
	 * uid; container_exec() starts from root of the namespace, as init does. Without
	 * a subordinate range there is no root inside, which only --root needs. */
	int r = 0;
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		r = box_err_set(&err, errno, "become root in the sandbox");
	if (r < 0 && !o->root)
		r = 0;
	if (r == 0 && o->fn)
		run_detached(o, &eo);
	if (r == 0)
		r = container_exec(&eo, &err);
	_cleanup_free_ char *m = box_err_format(err);
	log_child_error("%s", m ? m : "cannot execute the command");
	_exit(container_exec_failure_status(r));
}

/*
 * The caller's directory is kept when it is visible inside at the same path: the
 * home (bound at its own path) and below. Anything else would be a different
 * directory of the same name inside (/tmp is the sandbox's own), so the command
 * starts in the home instead; the host's tree is at /run/host.
 */
static char *pick_cwd(const char *want)
{
	const char *home = getenv("HOME");
	/* An explicit directory (box run -w) names a path inside: taken as it is. */
	if (want)
		return xstrdup(want);
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	size_t hl = home ? strlen(home) : 0;

	if (!cwd)
		return NULL;
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	if (hl > 1 && strncmp(cwd, home, hl) == 0 && (cwd[hl] == '/' || cwd[hl] == '\0'))
		return TAKE_PTR(cwd);
	log_warn("the current directory '%s' is not visible inside the sandbox; starting in "
		 "the home directory (the host's files are under /run/host)",
		 cwd);
	return NULL;
}

int sandbox_join(const char *name, const struct sandbox_join_opts *o, struct box_err **err)
{
	struct sandbox_runstate st;
	struct box_ids ids = { .uid = getuid(), .gid = getgid() };
	const char *user = getenv("USER");

	_cleanup_close_ int pidfd = open_init(name, &st, err);
	if (pidfd < 0)
		return pidfd;
	_cleanup_free_ char *cwd = pick_cwd(o->cwd);
	_cleanup_strv_free_ char **image_env = NULL, **env = NULL;
	load_env(name, o->env, &image_env, &env);
	if (!user || !*user) {
		struct passwd *pw = getpwuid(ids.uid);
		user = pw ? pw->pw_name : "user";
	}
	ids.user = (char *)user;
	join_cgroup(st.cgroup);
	struct desktop_socket *socks;
	size_t n_socks = desktop_sockets(&socks);
	if (setns(pidfd, ns_flags(st.init_pid)) < 0) {
		desktop_sockets_free(socks, n_socks);
		return box_err_set(err, errno, "join the namespaces of sandbox '%s'", name);
	}
	/* This session's desktop sockets that appeared after the start. */
	desktop_attach(socks, n_socks);
	desktop_sockets_free(socks, n_socks);
	/* Never the caller's terminal as the command's controlling terminal: a process
	 * inside could push keystrokes into the host's shell with TIOCSTI. An
	 * interactive command gets its own pty from the sandbox's /dev/pts, relayed by
	 * us; any other command a session of its own (no pty to pay for). */
	struct pty tty;
	/* volatile: read on both sides of a vfork */
	volatile bool use_pty = !o->fn && pty_wanted();
	if (use_pty && pty_open(&tty, err) < 0)
		return box_err_wrap(err, "sandbox '%s'", name);
	/* Until the command runs, the terminal's signals are its business, not ours. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	/* vfork: we only wait for the command, and a copy of our page tables for a
	 * child that execs at once is a large part of an enter on some hosts.
	 * run_child() never returns; its allocations end with the exec. With a pty
	 * the child stays as the pty's session leader (pty_child), so a real fork. */
	pid_t pid = o->fn || use_pty ? fork() : vfork();
	if (pid < 0)
		return box_err_set(err, errno, "fork inside sandbox '%s'", name);
	if (pid == 0) {
		if (use_pty && pty_child(&tty) < 0)
			_exit(125);
		if (!use_pty && !o->fn)
			pty_detach_child();
		run_child(o, &ids, cwd, image_env, env);
	}
	if (use_pty)
		return pty_relay(&tty, pid);
	pty_forward_signals(pid);
	int status = spawn_wait_status(pid);
	return status < 0 ? box_err_set(err, -status, "wait for the command") : status;
}

int sandbox_join_call(const char *name, int (*fn)(void *arg, int out), void *arg, size_t max,
		      char **ret, size_t *ret_len, struct box_err **err)
{
	struct sandbox_runstate st;
	_cleanup_close_ int pidfd = open_init(name, &st, err);
	int fd;

	if (pidfd < 0)
		return pidfd;
	pid_t pid = fork_pipe(&fd, err);
	if (pid < 0)
		return pid;
	if (pid == 0)
		/* Only the user and mount namespaces: the files as the sandbox sees them,
		 * read with the rights of its root (never written). */
		_exit(setns(pidfd, CLONE_NEWUSER | CLONE_NEWNS) < 0 || fn(arg, fd) < 0 ? 1 : 0);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r = fs_read_fd_all(fd, max, &buf, &len);
	close(fd);
	if (r < 0)
		kill(pid, SIGKILL);
	int status = spawn_wait_status(pid);
	if (r < 0)
		return box_err_set(err, -r, "read from sandbox '%s'", name);
	if (status != 0)
		return box_err_set(err, EIO, "look inside sandbox '%s' (status %d)", name, status);
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

int sandbox_join_forked(const char *name, const struct sandbox_join_opts *o, struct box_err **err)
{
	int fd;
	pid_t pid = fork_pipe(&fd, err);

	if (pid < 0)
		return pid;
	if (pid == 0) {
		struct box_err *e = NULL;
		int r = sandbox_join(name, o, &e);
		if (r < 0)
			sync_send_error(fd, e);
		else
			sync_send_ok(fd, r);
		_exit(0);
	}
	/* The terminal's C-c reaches the joining child, which passes it on (or its pty
	 * does); TERM and HUP are passed on to it. */
	child_pid = pid;
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	int r = sync_recv(fd, "the command's process", err);
	close(fd);
	spawn_wait_status(pid);
	return r;
}
