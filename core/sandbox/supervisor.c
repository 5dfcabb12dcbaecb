/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running a sandbox. `box start` launches a detached supervisor (`box __supervise
 * NAME`, its own session, output to a log in the runtime dir) and blocks on a pipe
 * until the supervisor reports that init is up, or sends its error. The supervisor
 * stays on the host side and spawns the holder into a new user + mount namespace.
 * The holder starts fuse-overlayfs (overlay.c) and, while it mounts, clones init
 * into new pid/uts/ipc/net/cgroup namespaces; init sets up its network first (the
 * supervisor starts the net helper on its tap right away), then waits until the
 * holder has the root mounted and the user added (users.c) and makes its own
 * mount namespace from there. Each of holder, fuse-overlayfs and init dies with
 * its parent (PR_SET_PDEATHSIG), so a kill -9 of the supervisor
 * takes the whole sandbox down and leaves only the data dir behind. When init
 * exits the supervisor removes the cgroup and the runtime dir; upper/ stays.
 *
 * This file is the host side: `box start` and `box stop`, and the supervisor process
 * (configuration, cgroup or systemd scope, the net helper, state files, box-host-exec).
 * The holder and what init's root is made of are holder.c's; PID 1 is init.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/exit.h"
#include "../cgroup/cgroup.h"
#include "desktop.h"
#include "hostexec.h"
#include "../host/gpu.h"
#include "../util/fs.h"
#include "../host/idmap.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "sandbox.h"
#include "init.h"
#include "supervisor.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"

static volatile sig_atomic_t init_to_signal;

static bool want_slirp(const struct sandbox_config *c)
{
	return !c->network || streq(c->network, "slirp");
}

/* gpu = nvidia asks for the driver: a start without it fails, saying so. */
static int check_gpu(const struct sandbox_config *c, struct box_err **err)
{
	const char *from;
	struct gpu_file *f;
	_cleanup_free_ char *source = NULL;

	if (!streq(gpu_mode_effective(c->gpu, &from), "nvidia"))
		return 0;
	size_t k = gpu_nvidia_files("nvidia", &f, &source);
	gpu_files_free(f, k);
	if (k)
		return 0;
	return box_err_set(err, ENODEV,
			   "gpu = nvidia (from %s), but this host has no NVIDIA driver (no CDI "
			   "spec, no /dev/nvidia*); use gpu = auto or none",
			   streq(from, "BOX_GPU")   ? "BOX_GPU"
			   : streq(from, "sandbox") ? "the sandbox's settings"
						    : "the config");
}

/* ---- host side: supervisor ---- */

static void sup_done(struct sup *s)
{
	sandbox_config_free(s->cfg);
	ids_done(&s->ids);
	free(s->datadir);
	free(s->rundir);
	free(s->merged);
	free(s->upper);
	free(s->work);
	free(s->home);
	free(s->user_stamp);
	free(s->resolv);
	free(s->host_exec_bin);
}

/*
 * The holder is root of the sandbox's user namespace and walks to the writable layer
 * and the mount point as such. A dir on the way that it cannot search (the user's
 * own XDG_RUNTIME_DIR made by root as user:root 0700: the group is not mapped, so
 * no capability applies) would stop it midway with a bare EACCES; say which dir and
 * how to fix it before anything starts.
 */
static int check_reachable(const struct sup *s, const char *path, struct box_err **err)
{
	_cleanup_free_ char *p = xstrdup(path);
	char *slash;

	while ((slash = strrchr(p, '/')) && slash != p) {
		*slash = '\0';
		struct stat st;
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode) ||
		    idmap_root_can_search(&s->ids.uidmap, &s->ids.gidmap, st.st_uid, st.st_gid,
					  st.st_mode & 07777))
			continue;
		return box_err_set(
		    err, EACCES,
		    "the sandbox cannot reach '%s' (owner %u:%u, mode %04o): give it "
		    "your own group ('chgrp %u %s') or let others search it "
		    "('chmod o+x %s')",
		    p, (unsigned)st.st_uid, (unsigned)st.st_gid, st.st_mode & 07777,
		    (unsigned)s->ids.gid, p, p);
	}
	return 0;
}

static int sup_init(struct sup *s, const char *name, struct box_err **err)
{
	int r = sandbox_config_load(name, &s->cfg, err);
	if (r < 0)
		return r;
	for (char **l = s->cfg->layers; *l; l++)
		if (!is_dir(*l))
			return box_err_set(err, ENOENT,
					   "layer '%s' of image '%s' is missing (was the "
					   "image removed? 'box pull %s' brings it back)",
					   *l, s->cfg->image, s->cfg->image);
	/* A sandbox asking for a network this program cannot give it does not start:
	 * quietly getting loopback only would look like a broken network inside. */
	if (want_slirp(s->cfg) && !init_net_hooks())
		return box_err_set(err, ENOSYS,
				   "network = slirp, but no userspace network is wired into this "
				   "program (sandbox_set_net_hooks() was not called)");
	if ((r = check_gpu(s->cfg, err)) < 0)
		return r;
	r = ids_load(&s->ids, err);
	if (r < 0)
		return r;
	s->datadir = sandbox_data_dir(name);
	s->rundir = sandbox_runtime_dir(name);
	s->merged = xasprintf("%s/merged", s->rundir);
	s->upper = xasprintf("%s/upper", s->datadir);
	s->work = xasprintf("%s/work", s->datadir);
	s->home = paths_home();
	s->supervisor = getpid();
	s->user_stamp = holder_user_setup_needed(s) ? xstrdup("") : NULL;
	_cleanup_free_ char *ca = xasprintf("%s/ca", s->datadir);
	s->ca_current = desktop_ca_current(ca, s->upper, s->cfg->layers);
	s->slirp = want_slirp(s->cfg);
	if (s->slirp && init_net_hooks()->resolv_conf)
		s->resolv = init_net_hooks()->resolv_conf(s->cfg);
	/* Here, not in init: the network settings are read once, before the forks. */
	if (s->slirp && init_net_hooks()->hosts_extra)
		s->hosts_extra = init_net_hooks()->hosts_extra(s->cfg);
	if (mkdir(s->merged, 0700) < 0 && errno != EEXIST)
		return box_err_set(err, errno, "create '%s'", s->merged);
	s->host_exec = hostexec_enabled(s->cfg->host_exec);
	s->host_exec_bin = hostexec_helper_path();
	if (s->host_exec && (r = hostexec_prepare(s->rundir, err)) < 0)
		return r;
	if (s->ids.identity)
		return 0;
	r = check_reachable(s, s->merged, err);
	return r < 0 ? r : check_reachable(s, s->upper, err);
}

/* Atomic (rename) but not fsync'd: the runtime dir does not survive a reboot, and a
 * state file lost in a crash means "stopped", which is then true. */
static int write_runtime_file(const struct sup *s, const char *file, const void *buf, size_t len,
			      struct box_err **err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", s->rundir, file);
	return fs_write_file_replace(p, buf, len, 0600, err);
}

static int write_state(const struct sup *s, pid_t init, const char *cgroup, struct box_err **err)
{
	_cleanup_free_ char *txt = xasprintf(
	    "supervisor_pid=%d\nsupervisor_start=%llu\ninit_pid=%d\ninit_start=%llu\n"
	    "started=%lld\ncgroup=%s\n",
	    (int)getpid(), (unsigned long long)proc_start_time(getpid()), (int)init,
	    (unsigned long long)proc_start_time(init), (long long)time(NULL), cgroup ? cgroup : "");
	return write_runtime_file(s, "state", txt, strlen(txt), err);
}

/* What every join applies (sandbox_env_format()): written before the state, which
 * is what lets anyone join. */
static int write_env(const struct sup *s, struct box_err **err)
{
	size_t len;
	_cleanup_free_ char *buf = sandbox_env_format(s->cfg->image_env, s->cfg->env, &len);
	return write_runtime_file(s, "env", buf, len, err);
}

static void on_term(int sig)
{
	if (init_to_signal > 0)
		kill((pid_t)init_to_signal, SIGTERM);
}

/* FNV-1a: a short, stable tag for a path. */
static uint32_t path_tag(const char *p)
{
	uint32_t h = 2166136261u;

	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

/* The cgroup is named after the sandbox and its data dir. Two stores (BOX_DATA_DIR, another
 * XDG_DATA_HOME, test runs side by side) may each hold a sandbox of one name under the same
 * delegated cgroup; stopping one must never cgroup.kill the other's processes. Restarting
 * the same sandbox maps to the same dir, so its own stale processes are still caught. */
static char *make_cgroup(const struct sup *s, pid_t init)
{
	const struct sandbox_config *c = s->cfg;
	struct cg_limits lim = { .cpus = c->cpus, .memory = c->memory, .pids = c->pids };
	_cleanup_free_ char *name = xasprintf("%s.%08x", c->name, path_tag(s->datadir));

	/* In a systemd scope, the scope's properties hold the limits. */
	if (s->in_scope)
		lim = (struct cg_limits){ 0 };
	char *path = NULL;
	char **warn = NULL;
	struct box_err *err = NULL;

	if (cg_create_sandbox(name, init, &lim, &path, &warn, &err) < 0) {
		_cleanup_free_ char *m = box_err_format(err);
		log_debug("no cgroup for '%s': %s", name, m);
		box_err_free(err);
		path = NULL;
	}
	strv_free(warn);
	return path;
}

/*
 * The rest of the start, once init exists: the cgroup is made while init brings up
 * its tap (the net helper watches the cgroup's CPU counter), then the net helper is
 * started on that tap and sets itself up while the root is being mounted.
 * Init's own report wins over the network's: when init died, a network error is
 * only a consequence of it.
 */
static int wait_up(const struct sup *s, int sync, int nsock, pid_t init, pid_t *net, char **cg,
		   struct box_err **err)
{
	_cleanup_err_ struct box_err *nerr = NULL;
	_cleanup_close_ int ready = -1;
	int n = 0;

	/* Now, while init is still setting up: everything it starts is counted. */
	*cg = make_cgroup(s, init);
	sup_mark("cgroup made");
	if (nsock >= 0) {
		_cleanup_free_ char *ctl = xasprintf("%s/net.sock", s->rundir);
		n = init_net_hooks()->start(init, nsock, ctl, *cg, s->cfg, net, &ready, &nerr);
	}
	sup_mark("network started");
	int r = sync_recv(sync, "sandbox holder", err);
	sup_mark("init reported");
	if (r < 0)
		return r;
	/* Before "ready": the first command must never find the network missing. */
	if (n >= 0 && ready >= 0)
		n = sync_recv(ready, "net helper", &nerr);
	sup_mark("network up");
	if (n >= 0)
		return 0;
	box_err_wrap(&nerr, "start the network");
	if (err && !*err)
		*err = TAKE_PTR(nerr);
	return n;
}

/*
 * In a systemd session the supervisor's cgroup is a session scope that box may not
 * split, and systemd moves only the user's own processes (not init, a subordinate id):
 * the supervisor moves into a scope of its own first, so everything it starts is born
 * there, and the sandbox's cgroup is made inside it. Without it the sandbox still runs,
 * without a cgroup, as before.
 */
static void enter_systemd_scope(struct sup *s)
{
	const struct sandbox_config *c = s->cfg;
	struct cg_limits lim = { .cpus = c->cpus, .memory = c->memory, .pids = c->pids };
	_cleanup_free_ char *root = NULL, *path = NULL, *unit = NULL;
	struct box_err *e = NULL;

	if (!cg_systemd_available() || (root = cg_delegated_root(NULL)))
		return;
	unit = xasprintf("box-%s.%08x.scope", c->name, path_tag(s->datadir));
	if (cg_systemd_enter_scope(unit, &lim, &path, &e) < 0) {
		_cleanup_free_ char *m = box_err_format(e);
		log_warn("no systemd scope for the sandbox: %s", m);
		box_err_free(e);
		return;
	}
	cg_set_delegated_root(path);
	s->in_scope = true;
	sup_mark("systemd scope");
}

static int net_socket(struct sup *s, int *ret_sock, struct box_err **err)
{
	int sv[2];

	if (!s->slirp)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create the network's socket");
	*ret_sock = sv[0];
	s->net_sock = sv[1];
	return 0;
}

/* Once init is up: what the next start compares with to skip the user and CA steps. */
static void write_stamps(const struct sup *s)
{
	if (s->user_stamp)
		holder_user_stamp_write(s);
	if (!s->ca_current) {
		_cleanup_free_ char *ca = xasprintf("%s/ca", s->datadir);
		desktop_ca_stamp_write(ca, s->upper, s->cfg->layers);
	}
}

/* The sandbox has ended: the net helper, the state, the cgroup and the runtime dir go. */
static void sup_teardown(struct sup *s, pid_t net, const char *cg)
{
	if (net > 0) {
		/* It ends by itself when init does; TERM in case it has not noticed yet. */
		kill(net, SIGTERM);
		spawn_wait_status(net);
	}
	/* The state goes first, so nobody joins a sandbox that is going away. */
	_cleanup_free_ char *st = xasprintf("%s/state", s->rundir);
	unlink(st);
	if (cg)
		cg_remove(cg);
	rm_rf(s->rundir, NULL);
	sup_done(s);
}

int sandbox_supervise(const char *name, int ready_fd, struct box_err **err)
{
	struct sup s = { .ready_fd = -1, .net_sock = -1 };
	_cleanup_close_ int sync = -1, nsock = -1, hx = -1;
	pid_t holder, init, net = 0;
	int r;

	sup_mark("supervisor running");
	s.ready_fd = ready_fd;
	r = sup_init(&s, name, err);
	sup_mark("config loaded");
	if (r >= 0)
		enter_systemd_scope(&s);
	if (r >= 0)
		r = net_socket(&s, &nsock, err);
	if (r >= 0)
		r = spawn_userns(&s.ids, CLONE_NEWNS, holder_main, &s, &holder, &sync, err);
	if (s.net_sock >= 0)
		close(s.net_sock);
	sup_mark("holder spawned");
	/* While the holder mounts the root and clones init: nothing else to do here. */
	if (r >= 0 && s.slirp && init_net_hooks()->preload) {
		init_net_hooks()->preload();
		sup_mark("network preloaded");
	}
	if (r >= 0)
		r = sync_recv(sync, "sandbox holder", err);
	if (r < 0) {
		sup_done(&s);
		return r;
	}
	init = (pid_t)r;
	init_to_signal = init;
	_cleanup_free_ char *cg = NULL;
	r = wait_up(&s, sync, nsock, init, &net, &cg, err);
	if (r < 0) {
		kill(init, SIGKILL);
		if (net > 0) {
			kill(net, SIGKILL);
			spawn_wait_status(net);
		}
		spawn_wait_status(holder);
		if (cg)
			cg_remove(cg);
		sup_done(&s);
		return r;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGHUP, SIG_IGN);
	write_stamps(&s);
	/* Only now: nothing forked before (holder, init, net helper) holds it. */
	r = s.host_exec ? (hx = hostexec_listen(s.rundir, err)) : 0;
	if (r >= 0)
		r = write_env(&s, err);
	if (r >= 0)
		r = write_state(&s, init, cg, err);
	if (r < 0) {
		kill(init, SIGKILL);
	} else if (ready_fd >= 0) {
		sup_mark("ready");
		sync_send_ok(ready_fd, init);
		close(ready_fd);
	}
	if (hx >= 0)
		hostexec_serve(hx, init, holder);
	int status = spawn_wait_status(holder);
	log_debug("sandbox '%s' stopped (holder status %d)", name, status);
	sup_teardown(&s, net, cg);
	return r < 0 ? r : 0;
}

/* ---- the caller: box start ---- */

/*
 * The supervisor is a fork of `box start` that never execs: a fresh exec of box
 * costs more than everything else on the way to a running sandbox. It detaches
 * (own session, stdio to the log, nothing of the caller's left open) and runs the
 * same code as `box __supervise NAME`. Called in a vfork() child, which shares
 * the caller's memory until it exits: it changes only its own fds and session
 * before the fork() that makes the supervisor.
 */
_noreturn_ static void run_supervisor(const char *name, const char *rundir, int ready)
{
	_cleanup_free_ char *log = xasprintf("%s/log", rundir);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct box_err *err = NULL;

	if (setsid() < 0 || null < 0 || lfd < 0 || dup2(null, 0) < 0 || dup2(lfd, 1) < 0 ||
	    dup2(lfd, 2) < 0 || dup2(ready, 3) != 3 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
		_exit(EXIT_BOX);
	/* Nothing else of the caller's (a test's pipes, a terminal, the sandbox lock)
	 * may stay open in a process that outlives it. */
	syscall(SYS_close_range, 4U, ~0U, 0U);
	pid_t p = fork();
	if (p != 0)
		_exit(p < 0 ? EXIT_BOX : 0);
	/* The log is for after-the-fact debugging: keep everything. */
	log_set_level(LOG_DEBUG);
	prctl(PR_SET_NAME, "box-supervise");
	if (sandbox_supervise(name, 3, &err) < 0) {
		sync_send_error(3, err);
		_cleanup_free_ char *m = box_err_format(err);
		log_error("supervise sandbox '%s': %s", name, m);
		_exit(EXIT_BOX);
	}
	_exit(0);
}

static int launch(const char *name, const char *rundir, struct box_err **err)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return box_err_set(err, errno, "create readiness pipe");
	sup_mark("launching the supervisor");
	/* vfork: the intermediate process only detaches and forks the supervisor; a
	 * copy of our page tables for it would cost as much as that fork. */
	pid_t pid = vfork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return box_err_set(err, errno, "start the supervisor");
	}
	if (pid == 0) {
		close(p[0]);
		run_supervisor(name, rundir, p[1]);
	}
	close(p[1]);
	spawn_wait_status(pid);
	int r = sync_recv(p[0], "sandbox supervisor", err);
	close(p[0]);
	if (r < 0 && err && *err) {
		char *m = xasprintf("%s (details in '%s/log')", (*err)->msg, rundir);
		free((*err)->msg);
		(*err)->msg = m;
	}
	return r < 0 ? r : 0;
}

int sandbox_start(const char *name, struct box_err **err)
{
	struct sandbox_runstate st;
	_cleanup_free_ char *rundir = NULL;
	int r;

	if (!sandbox_exists(name))
		return box_err_set(err, ENOENT, "no sandbox named '%s' (see 'box list')", name);
	_cleanup_close_ int lock = sandbox_lock(name, true, err);
	if (lock < 0)
		return lock;
	if (sandbox_state_read(name, &st) == 1)
		return 1;
	/* What runs from now on may write to the writable layer: its last size is void. */
	sandbox_upper_size_forget(name);
	/* Whatever a dead supervisor left (state, log, an empty merged/) is stale: its
	 * mounts lived only in the namespaces that died with it. */
	rundir = sandbox_runtime_dir(name);
	rm_rf(rundir, NULL);
	r = mkdir_p(rundir, 0700, err);
	if (r < 0)
		return r;
	return launch(name, rundir, err);
}

/* ---- box stop ---- */

int sandbox_stop(const char *name, unsigned timeout_ms, struct box_err **err)
{
	struct sandbox_runstate st;

	if (!sandbox_exists(name))
		return box_err_set(err, ENOENT, "no sandbox named '%s' (see 'box list')", name);
	_cleanup_close_ int lock = sandbox_lock(name, true, err);
	if (lock < 0)
		return lock;
	if (sandbox_state_read(name, &st) != 1)
		return 1;
	_cleanup_close_ int sup = pidfd_for(st.supervisor_pid);
	_cleanup_close_ int init = pidfd_for(st.init_pid);
	/* The pids were verified by start time above; with the pidfds held, they cannot
	 * be reused any more, so check once more that they are still the same. */
	if (sup < 0 || init < 0 || proc_start_time(st.init_pid) != st.init_start)
		return 1;
	syscall(SYS_pidfd_send_signal, init, SIGTERM, NULL, 0);
	if (pidfd_wait(sup, (int)timeout_ms) == 0) {
		log_debug("'%s' did not stop within %u ms: killing it", name, timeout_ms);
		syscall(SYS_pidfd_send_signal, init, SIGKILL, NULL, 0);
		if (pidfd_wait(sup, 10000) == 0)
			return box_err_set(err, ETIMEDOUT,
					   "stop '%s': the supervisor (pid %d) "
					   "did not exit",
					   name, (int)st.supervisor_pid);
	}
	return 0;
}
