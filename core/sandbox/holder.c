/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The holder: the process that holds a running sandbox's namespaces (see
 * supervisor.h). Spawned by the supervisor into a new user and mount namespace, it
 * mounts the root (fuse-overlayfs or overlayfs, overlay.c) and, while that mounts,
 * clones init into new pid/uts/ipc/net/cgroup namespaces. It owns what init's root
 * is made of (the binds: home, desktop sockets, GPU, /run/host, box-host-exec, a
 * project and its mounts), the user added to the image (users.c) and the host's CA
 * bundle, and init's start: PID 1's own code is init.c's. The holder lives as long as
 * init and unmounts the root when it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../host/gpu.h"
#include "../userland/users.h"
#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/paths.h"
#include "../util/xalloc.h"
#include "container.h"
#include "desktop.h"
#include "hostexec.h"
#include "init.h"
#include "overlay.h"
#include "supervisor.h"

/* ---- init's root ---- */

static void add_bind(struct bind_mount **b, size_t *n, const char *host, const char *inside,
		     bool ro, bool optional)
{
	*b = xrealloc(*b, (*n + 1) * sizeof(**b));
	(*b)[*n] = (struct bind_mount){ .host = xstrdup(host),
					.inside = xstrdup(inside),
					.readonly = ro,
					.optional = optional };
	(*n)++;
}

/* The desktop session's sockets (desktop.c), at the same paths; only those the host
 * has, so they never fail a start. Those that appear later come with an enter. */
static void add_desktop_sockets(struct bind_mount **b, size_t *n)
{
	struct desktop_socket *v;
	size_t k = desktop_sockets(&v);

	for (size_t i = 0; i < k; i++)
		add_bind(b, n, v[i].host ? v[i].host : v[i].path, v[i].path, false, true);
	desktop_sockets_free(v, k);
}

/*
 * box's runtime dir holds every sandbox's control sockets (the net helper's takes
 * `add 0.0.0.0:P:P`) and state files; a read-only bind still lets a unix socket be
 * connected. Hide it wherever an implicit bind would show it: under /run/host, and
 * under the home when the runtime dir lives there.
 */
static void add_runtime_masks(const struct sup *s, struct bind_mount **b, size_t *n)
{
	_cleanup_free_ char *rt = paths_runtime_dir();
	const char *home_src = s->cfg->home == SANDBOX_HOME_HOST ? s->home : s->cfg->home_path;
	size_t hl = home_src ? strlen(home_src) : 0;

	_cleanup_free_ char *host_view = xasprintf("/run/host%s", rt);
	add_bind(b, n, "", host_view, true, true);
	(*b)[*n - 1].mask = true;
	if (hl > 1 && strncmp(rt, home_src, hl) == 0 && rt[hl] == '/') {
		_cleanup_free_ char *in_home = xasprintf("%s%s", s->home, rt + hl);
		add_bind(b, n, "", in_home, true, true);
		(*b)[*n - 1].mask = true;
	}
}

/* box-host-exec: the client always (it says when it is off), the socket's own dir (never
 * the runtime dir) when it is on. */
static void add_host_exec(const struct sup *s, struct bind_mount **b, size_t *n)
{
	_cleanup_free_ char *dir = xasprintf("%s/" HOSTEXEC_DIR, s->rundir);

	if (s->host_exec_bin)
		add_bind(b, n, s->host_exec_bin, HOSTEXEC_BIN_PATH, true, true);
	if (s->host_exec)
		add_bind(b, n, dir, HOSTEXEC_INSIDE, true, false);
}

/* NVIDIA's driver, read-only (gpu.h); init runs ldconfig when libraries came. */
static bool add_gpu(const struct sup *s, struct bind_mount **b, size_t *n)
{
	struct gpu_file *f;
	_cleanup_free_ char *source = NULL;
	size_t k = gpu_nvidia_files(gpu_mode_effective(s->cfg->gpu, NULL), &f, &source);
	bool libs = false;

	for (size_t i = 0; i < k; i++) {
		add_bind(b, n, f[i].host, f[i].inside, true, true);
		libs |= f[i].lib;
	}
	if (k)
		log_debug("gpu: %zu files from %s", k, source);
	gpu_files_free(f, k);
	return libs;
}

/* Returns whether GPU libraries came (init runs ldconfig then). */
static bool build_binds(const struct sup *s, struct bind_mount **b, size_t *n)
{
	const char *xauth = getenv("XAUTHORITY");

	*b = NULL;
	*n = 0;
	/* Home: the host's own (toolbox parity), or the sandbox's/a chosen dir at the
	 * same path. */
	add_bind(b, n, s->cfg->home == SANDBOX_HOME_HOST ? s->home : s->cfg->home_path, s->home,
		 false, false);
	if (xauth && *xauth == '/')
		add_bind(b, n, xauth, xauth, true, true);
	add_desktop_sockets(b, n);
	bool gpu_libs = add_gpu(s, b, n);
	_cleanup_free_ char *dri = gpu_dri_dir();
	add_bind(b, n, dri, "/dev/dri", false, true);
	add_bind(b, n, "/etc/localtime", "/etc/localtime", true, true);
	add_bind(b, n, "/", "/run/host", true, false);
	add_runtime_masks(s, b, n);
	add_host_exec(s, b, n);
	/* A project's sandbox: the project at its own path, then its [mounts] (a later
	 * bind over an earlier one wins, as the user wrote them last). */
	if (s->cfg->project)
		add_bind(b, n, s->cfg->project, s->cfg->project, false, false);
	for (char **m = s->cfg->mounts; m && *m; m++) {
		/* "HOST\tINSIDE\tro|rw" */
		_cleanup_free_ char *host = xstrdup(*m);
		char *inside = strchr(host, '\t'), *mode = inside ? strchr(inside + 1, '\t') : NULL;
		if (!mode)
			continue;
		*inside++ = '\0';
		*mode++ = '\0';
		add_bind(b, n, host, inside, streq(mode, "ro"), false);
	}
	return gpu_libs;
}

/* After the GPU driver's libraries came in: the dynamic linker's cache inside knows
 * them (as toolbox and distrobox do it); best effort. */
static void run_ldconfig(void)
{
	static const char *const paths[] = { "/sbin/ldconfig", "/usr/sbin/ldconfig" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		if (access(paths[i], X_OK) < 0)
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			execl(paths[i], paths[i], (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			spawn_wait_status(pid);
		return;
	}
}

static void free_binds(struct bind_mount *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(b[i].host);
		free(b[i].inside);
	}
	free(b);
}

_noreturn_ static void init_main(const struct sup *s, int sock)
{
	struct box_err *err = NULL;
	struct bind_mount *binds;
	size_t n;
	char go;

	struct init_net net = { .host = s->cfg->network && streq(s->cfg->network, "host"),
				.tap_sock = s->net_sock,
				.cfg = s->cfg };
	int r = init_begin(&net, &err);

	if (s->net_sock >= 0)
		close(s->net_sock);
	if (r < 0) {
		sync_send_error(sock, err);
		_exit(EXIT_BOX);
	}
	bool gpu_libs = build_binds(s, &binds, &n);
	struct rootfs_opts o = {
		.rootfs = s->merged,
		.hostname = s->cfg->hostname ? s->cfg->hostname : s->cfg->name,
		.binds = binds,
		.n_binds = n,
		.host_etc_files = true,
		.host_net = s->cfg->network && streq(s->cfg->network, "host"),
		.resolv_conf = s->resolv,
		.hosts_extra = s->hosts_extra,
	};
	/* The holder says when the root is mounted (or kills us when it cannot be);
	 * until then we share its mount namespace, and our own starts as a copy of
	 * it with the root in place. */
	if (fs_read_all(sock, &go, 1) < 0)
		_exit(EXIT_BOX);
	if (unshare(CLONE_NEWNS) < 0) {
		box_err_set(&err, errno, "create the sandbox's mount namespace");
		sync_send_error(sock, err);
		_exit(EXIT_BOX);
	}
	if (rootfs_setup(&o, &err) < 0) {
		sync_send_error(sock, err);
		_exit(EXIT_BOX);
	}
	free_binds(binds, n);
	if (gpu_libs)
		run_ldconfig();
	sync_send_ok(sock, 0);
	close(sock);
	_exit(init_loop(0));
}

/* ---- the holder ---- */

static void user_entry(const struct sup *s, struct users_entry *u)
{
	struct passwd *pw = getpwuid(s->ids.uid);
	struct group *gr = getgrgid(s->ids.gid);

	*u = (struct users_entry){
		.name = s->ids.user,
		.uid = s->ids.uid,
		.group = gr ? gr->gr_name : s->ids.user,
		.gid = s->ids.gid,
		.home = s->home,
		.shell = pw ? pw->pw_shell : NULL,
	};
}

static char *user_stamp_text(const struct users_entry *u)
{
	return xasprintf("%s:%u:%s:%u:%s:%s\n", u->name, (unsigned)u->uid, u->group,
			 (unsigned)u->gid, u->home, u->shell ? u->shell : "");
}

/* The stamp of what users_setup() wrote (supervisor.h). */
bool holder_user_setup_needed(const struct sup *s)
{
	struct users_entry u;
	_cleanup_free_ char *path = xasprintf("%s/user", s->datadir);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	user_entry(s, &u);
	_cleanup_free_ char *want = user_stamp_text(&u);
	return fs_read_file(path, 4096, &buf, &len, NULL) < 0 || !streq(buf, want);
}

void holder_user_stamp_write(const struct sup *s)
{
	struct users_entry u;
	_cleanup_free_ char *path = xasprintf("%s/user", s->datadir);

	user_entry(s, &u);
	_cleanup_free_ char *txt = user_stamp_text(&u);
	if (fs_write_file_atomic(path, txt, strlen(txt), 0600, NULL) < 0)
		log_debug("cannot write '%s'", path);
}

static int setup_user(const struct sup *s, struct box_err **err)
{
	struct users_entry u;

	user_entry(s, &u);
	return users_setup(s->merged, &u, err);
}

/* The host's CA bundle in the image's trust store, so that corporate proxies work
 * inside; best effort (an image without one keeps none). */
static void update_ca(const struct sup *s)
{
	_cleanup_close_ int fd = open(s->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = fd < 0 ? -errno : desktop_update_ca(fd);

	if (r < 0)
		log_debug("copy the host's CA bundle into the sandbox: %s", strerror(-r));
	sup_mark("CA bundle");
}

/* Every namespace but the mount namespace, which init makes once the root is up. */
static uint64_t init_clone_flags(const struct sup *s)
{
	uint64_t f = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;
	if (!s->cfg->network || !streq(s->cfg->network, "host"))
		f |= CLONE_NEWNET;
	return f;
}

/* Init starts while fuse-overlayfs does: it sets up its network, then waits for
 * release_init(). m's fds are the holder's only. */
static int clone_init(const struct sup *s, int sync_fd, const struct overlay_mounting *m,
		      pid_t *ret_pid, int *ret_sock, struct box_err **err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create init sync socket");
	pid_t pid = clone3_fork(init_clone_flags(s), NULL);
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return box_err_set(err, errno, "create the sandbox's namespaces");
	}
	if (pid == 0) {
		int fds[] = { sv[0], sync_fd, m->mi, m->pidfd };
		for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
		init_main(s, sv[1]);
	}
	close(sv[1]);
	*ret_pid = pid;
	*ret_sock = sv[0];
	return 0;
}

/* The root is mounted: let init build its root from it, and wait until it has. */
static int release_init(int sock, struct box_err **err)
{
	/* A failed send means init has already died, and its report says why. */
	if (send(sock, "g", 1, MSG_NOSIGNAL) < 0)
		log_debug("release init: %s", strerror(errno));
	return sync_recv(sock, "sandbox init", err);
}

static int holder_prepare(const struct sup *s, struct box_err **err)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "box-holder");
	/* Becoming root of the namespace made us non-dumpable, and a non-dumpable
	 * process's memory belongs to the host's user namespace (where this mm was
	 * exec'd): joining init with setns() would then need CAP_SYS_PTRACE on the
	 * host. Dumpable again, it is governed by the sandbox's namespace, which only
	 * its own user controls. Inherited by fuse-overlayfs and init. */
	prctl(PR_SET_DUMPABLE, 1);
	if (s->ready_fd >= 0)
		close(s->ready_fd);
	if (getppid() != s->supervisor)
		return box_err_set(err, ESRCH, "the supervisor exited during start");
	/* Mounts made here must never propagate back to the host; host mounts still
	 * propagate in (slave), so /run/host follows the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return box_err_set(err, errno, "make the mount namespace a slave");
	return 0;
}

/*
 * Two reports go to the supervisor on ctx->sync_fd: init's pid as soon as init
 * exists (the supervisor starts the network then), and 0 once init is up (or,
 * through spawn_userns(), the error that stopped it).
 */
int holder_main(struct spawn_ctx *ctx, struct box_err **err)
{
	const struct sup *s = ctx->arg;
	struct overlay_opts ov = { .layers = s->cfg->layers,
				   .upper = s->upper,
				   .work = s->work,
				   .merged = s->merged,
				   .fuse = s->cfg->storage == SANDBOX_STORAGE_FUSE };
	struct overlay_mounting m;
	pid_t fuse = 0, init = 0;
	int r, isock = -1;

	r = holder_prepare(s, err);
	if (r < 0)
		return r;
	sup_mark("holder running");
	r = overlay_mount_start(&ov, &m, err);
	if (r < 0)
		return r;
	r = clone_init(s, ctx->sync_fd, &m, &init, &isock, err);
	if (s->net_sock >= 0)
		close(s->net_sock);
	if (r < 0) {
		if (overlay_mount_finish(&m, &fuse, NULL) >= 0)
			overlay_unmount(s->merged, fuse);
		return r;
	}
	sync_send_ok(ctx->sync_fd, init);
	sup_mark("init cloned");
	r = overlay_mount_finish(&m, &fuse, err);
	sup_mark("root mounted");
	if (r >= 0 && s->user_stamp)
		r = setup_user(s, err);
	sup_mark("user added");
	if (r >= 0 && !s->ca_current)
		update_ca(s);
	if (r >= 0)
		r = release_init(isock, err);
	close(isock);
	sup_mark("init up");
	if (r < 0) {
		kill(init, SIGKILL);
		waitpid(init, NULL, 0);
		overlay_unmount(s->merged, fuse);
		return r;
	}
	sync_send_ok(ctx->sync_fd, 0);
	close(ctx->sync_fd);
	int status = spawn_wait_status(init);
	log_debug("sandbox init exited with status %d", status);
	overlay_unmount(s->merged, fuse);
	return status < 0 ? EXIT_BOX : status;
}
