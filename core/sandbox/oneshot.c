/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-shot launcher (oneshot.h): `box run --rootfs`. PID 1 is init.c's, as in a
 * supervised sandbox; what is this file's is the launcher around it: the options
 * turned into a root filesystem and a command, the clone into new namespaces, the
 * userspace network started from outside on the tap PID 1 hands out, the signals
 * passed on while the command runs, and the command's report and status read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../userland/rootpath.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "init.h"
#include "keeper.h"
#include "oneshot.h"

/* What PID 1 needs, prepared before the clone (the child must not allocate much). */
struct child {
	struct rootfs_opts ropts;
	struct exec_opts eopts;
	struct init_net net;
};

static pid_t forward_pid;

int oneshot_check_rootfs(const char *dir, bool have_command, char **ret_path, struct box_err **err)
{
	_cleanup_free_ char *path = realpath(dir, NULL);
	_cleanup_close_ int rootfd = -1;
	int fd;

	if (path && !is_dir(path))
		errno = ENOTDIR;
	if (!path || !is_dir(path) || (rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return box_err_set(err, errno,
				   "rootfs '%s': %s (give the directory of a root filesystem)", dir,
				   strerror(errno));
	if (!have_command) {
		fd = root_open(rootfd, "bin/sh", O_PATH);
		if (fd < 0)
			fd = root_open(rootfd, "bin/bash", O_PATH);
		if (fd < 0)
			return box_err_set(err, ENOENT,
					   "rootfs '%s' has no /bin/sh to start: is it a root "
					   "filesystem? (or give a command to run)",
					   path);
		close(fd);
	}
	*ret_path = TAKE_PTR(path);
	return 0;
}

/* slirp, in PID 1: the tap is out; wait until the launcher has the net helper
 * running, so the command never starts without a network. */
static int wait_network(int sock, struct box_err **err)
{
	char ready;

	if (read(sock, &ready, 1) != 1)
		return box_err_set(err, EPIPE, "the network helper did not start");
	close(sock);
	return 0;
}

/* PID 1 of the sandbox, root of the new user namespace. */
static int child_main(struct spawn_ctx *sc, struct box_err **err)
{
	struct child *c = sc->arg;
	int r = init_begin(&c->net, err);

	if (r >= 0 && c->net.tap_sock >= 0)
		r = wait_network(c->net.tap_sock, err);
	if (r >= 0)
		r = rootfs_setup(&c->ropts, err);
	if (r < 0)
		return r;
	return init_run_command(&c->eopts, &sc->sync_fd, err);
}

static void forward_signal(int sig, siginfo_t *si, void *uc)
{
	/* A hangup from the terminal reaches the command's process group by itself. */
	if (si->si_code != SI_KERNEL && forward_pid > 0)
		kill(forward_pid, sig);
}

/*
 * While the command runs: SIGINT and SIGQUIT from the terminal go to the command
 * (it is in the foreground group), so the launcher ignores them; SIGTERM and SIGHUP
 * sent to it are passed to PID 1, which passes them to the command.
 */
static void launcher_signals(pid_t pid)
{
	struct sigaction sa = { .sa_sigaction = forward_signal,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	forward_pid = pid;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

/* An error report from the sandbox, or 0 at EOF (the command is running). */
static int read_report(int fd, struct box_err **err)
{
	int32_t hdr;
	ssize_t n;

	do
		n = recv(fd, &hdr, sizeof(hdr), MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	int r = sync_recv(fd, "the sandbox", err);
	return r < 0 ? r : 0;
}

/*
 * slirp, outside: the net helper on the tap PID 1 sends (the same hook as a
 * supervised sandbox's), then PID 1 released. A failure before the tap arrives is
 * PID 1's, and its own report on sync says why.
 */
static int start_network(const struct sandbox_config *cfg, pid_t pid, int sock, int sync,
			 pid_t *ret_helper, struct box_err **err)
{
	_cleanup_err_ struct box_err *nerr = NULL;
	_cleanup_close_ int ready = -1;
	int r = init_net_hooks()->start(pid, sock, NULL, NULL, cfg, ret_helper, &ready, &nerr);

	if (r < 0) {
		if (read_report(sync, err) < 0)
			return -EIO;
		*err = TAKE_PTR(nerr);
		return r;
	}
	r = sync_recv(ready, "net helper", err);
	if (r < 0)
		return box_err_wrap(err, "start the network");
	if (fs_write_all(sock, "1", 1) < 0)
		return box_err_set(err, errno, "release it");
	return 0;
}

static void stop_helper(pid_t helper)
{
	if (helper <= 0)
		return;
	kill(helper, SIGTERM);
	spawn_wait_status(helper);
}

static void child_init(struct child *c, const struct oneshot_opts *o)
{
	*c = (struct child){
		.ropts = { .rootfs = o->rootfs,
			   .hostname = o->hostname,
			   .binds = o->binds,
			   .n_binds = o->n_binds,
			   .host_etc_files = true,
			   .host_net = o->network == ONESHOT_NET_HOST },
		.eopts = { .ids = o->ids,
			   .root = o->root,
			   .argv = o->argv,
			   .env = o->env,
			   .cwd = o->cwd },
		.net = { .host = o->network == ONESHOT_NET_HOST, .tap_sock = -1 },
	};
}

/* slirp: the socket the tap comes out on, and what the network puts in /etc. */
static int prepare_slirp(struct child *c, const struct sandbox_config *cfg, int *ret_sock,
			 char **ret_resolv, struct box_err **err)
{
	const struct sandbox_net_hooks *h = init_net_hooks();
	int sv[2];

	if (!h)
		return box_err_set(err, ENOSYS,
				   "--network slirp, but no userspace network is wired into this "
				   "program (sandbox_set_net_hooks() was not called)");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create a socket pair");
	*ret_sock = sv[0];
	c->net.tap_sock = sv[1];
	c->net.cfg = cfg;
	*ret_resolv = h->resolv_conf ? h->resolv_conf(cfg) : NULL;
	c->ropts.resolv_conf = *ret_resolv;
	c->ropts.hosts_extra = h->hosts_extra ? h->hosts_extra(cfg) : NULL;
	return 0;
}

/* PID 1 in the keeper's user namespace when there is one (keeper.h), else in a new one. */
static int spawn(const struct box_ids *ids, uint64_t flags, struct child *c, pid_t *ret_pid,
		 int *ret_sync, struct box_err **err)
{
	_cleanup_close_ int userns = keeper_userns(ids);
	_cleanup_err_ struct box_err *jerr = NULL;

	if (userns >= 0 &&
	    spawn_userns_join(userns, ids, flags, child_main, c, ret_pid, ret_sync, &jerr) == 0)
		return 0;
	if (jerr)
		log_debug("userns keeper: %s", jerr->msg);
	return spawn_userns(ids, flags, child_main, c, ret_pid, ret_sync, err);
}

int oneshot_run(const struct oneshot_opts *o, struct box_err **err)
{
	/* The network settings are the user's global ones; only -p forwards ports. */
	struct sandbox_config cfg = { .name = (char *)"run",
				      .network = (char *)"slirp",
				      .ports = o->ports,
				      .ports_auto = SANDBOX_FLAG_NO };
	bool slirp = o->network == ONESHOT_NET_SLIRP;
	_cleanup_close_ int sync = -1, tap_sock = -1;
	_cleanup_free_ char *resolv = NULL;
	struct child c;
	pid_t pid, helper = 0;
	int r;

	child_init(&c, o);
	if (slirp && (r = prepare_slirp(&c, &cfg, &tap_sock, &resolv, err)) < 0)
		return r;
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
			 (o->network == ONESHOT_NET_HOST ? 0 : CLONE_NEWNET);
	r = spawn(o->ids, flags, &c, &pid, &sync, err);
	if (c.net.tap_sock >= 0)
		close(c.net.tap_sock);
	if (r < 0)
		return r;
	launcher_signals(pid);
	if (slirp && (r = start_network(&cfg, pid, tap_sock, sync, &helper, err)) < 0) {
		kill(pid, SIGKILL);
		spawn_wait_status(pid);
		stop_helper(helper);
		return r;
	}
	read_report(sync, err);
	int status = spawn_wait_status(pid);
	stop_helper(helper);
	if (status < 0)
		return box_err_set(err, -status, "wait for the sandbox");
	return status;
}
