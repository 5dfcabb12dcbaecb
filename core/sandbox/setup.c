/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building a project's setup layer. Under a lock per key, a namespace child (root of
 * a new user + mount namespace, as the sandbox holder is) stacks the image's layers
 * under a fresh upper directory in $DATA/setup/<key>.build/, and clones PID 1 of a
 * new pid namespace that makes that stack its root (the project directory bound at
 * its own path) and runs each step as root inside, in order, on the caller's
 * terminal, in the sandbox's own network mode: with slirp, the PID 1 hands its tap
 * out and the namespace child runs the net helper on it (the hooks a started
 * sandbox's supervisor uses), so setup reaches what the sandbox will reach and no
 * more (the host's loopback only where host_loopback allows it). Only when
 * every step succeeded is the upper directory renamed to layers/setup-<key>; any
 * other outcome removes the build directory (and a build killed half-way leaves one
 * that the next build of the key removes first).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../host/idmap.h"
#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "container.h"
#include "init.h"
#include "overlay.h"
#include "setup.h"

struct build {
	const struct setup_build_opts *o;
	const struct box_ids *ids;
	char *final; /* layers/setup-<key> */
	char *tmp;   /* setup/<key>.build */
	char *upper, *work, *merged;
	char *record; /* setup/<key>.txt: the canonical setup the layer was built from */
	char *log;    /* setup/<key>.log: what fuse-overlayfs said */
	int out;      /* setup/<key>.out, opened on the host: a copy of what the steps print */
	/* The network (setup.h): slirp, host or none, and what slirp puts in /etc. */
	const struct sandbox_config *net;
	const char *mode;
	char *resolv;		 /* NULL: the host's */
	const char *hosts_extra; /* host.box.internal, or NULL */
};

char *setup_layer_dir(const char *key)
{
	_cleanup_free_ char *d = paths_data_dir();
	return xasprintf("%s/layers/setup-%s", d, key);
}

char *setup_output_path(const char *key)
{
	_cleanup_free_ char *d = paths_data_dir();
	return xasprintf("%s/setup/%s.out", d, key);
}

bool setup_layer_exists(const char *key)
{
	_cleanup_free_ char *d = setup_layer_dir(key);
	return is_dir(d);
}

/* ---- PID 1 of the build: the steps ---- */

static int run_step(const struct build *b, const struct pkg_step *st)
{
	pid_t pid = clone3_fork(0, NULL);
	if (pid < 0)
		return EXIT_BOX;
	if (pid == 0) {
		struct box_err *err = NULL;
		/* Setup output goes to the terminal, never into the output of the command
		 * the user asked for (`x=$(box run -- cmd)` gets cmd's output alone). */
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(EXIT_BOX);
		struct exec_opts eo = { .ids = b->ids,
					.root = true,
					.argv = st->argv,
					.image_env = (char **)b->o->image_env,
					.env = st->env,
					.cwd = b->o->project_dir };
		int r = container_exec(&eo, &err);
		_cleanup_free_ char *m = box_err_format(err);
		log_child_error("%s", m ? m : "cannot execute the setup step");
		_exit(container_exec_failure_status(r));
	}
	int status = spawn_wait_status(pid);
	return status < 0 ? EXIT_BOX : status;
}

/*
 * Everything the steps (and the progress lines) print goes to the terminal as
 * before and into the output file, through a pipe on our stderr that a child
 * copies to both. Returns that child, or 0 when there is no file to copy to.
 */
static pid_t tee_output(int out)
{
	int p[2];
	char buf[8192];
	ssize_t n;

	if (out < 0 || pipe2(p, O_CLOEXEC) < 0)
		return 0;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (pid == 0) {
		close(p[1]);
		while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0 && (fs_write_all(STDERR_FILENO, buf, (size_t)n) < 0 ||
				      fs_write_all(out, buf, (size_t)n) < 0))
				break;
		_exit(0);
	}
	close(p[0]);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	return pid;
}

/* Let the copy finish before the build reports its end. */
_noreturn_ static void steps_exit(pid_t tee, int status)
{
	if (tee > 0) {
		close(STDERR_FILENO);
		spawn_wait_status(tee);
	}
	_exit(status);
}

/* PID 1 of the build: its network first, then the root, reported on sock; with slirp
 * the steps wait until the net helper runs on the tap sent out on tap_sock. */
_noreturn_ static void steps_main(const struct build *b, const struct pkg_step *steps, size_t n,
				  int sock, int tap_sock)
{
	struct box_err *err = NULL;
	struct bind_mount bind = { .host = (char *)b->o->project_dir,
				   .inside = (char *)b->o->project_dir };
	bool host = streq(b->mode, "host");
	struct rootfs_opts ro = { .rootfs = b->merged,
				  .binds = &bind,
				  .n_binds = 1,
				  .host_etc_files = true,
				  .host_net = host,
				  .resolv_conf = b->resolv,
				  .hosts_extra = b->hosts_extra };
	struct init_net net = { .host = host, .tap_sock = tap_sock, .cfg = b->net };
	char go;

	if (init_begin(&net, &err) < 0 || rootfs_setup(&ro, &err) < 0) {
		sync_send_error(sock, err);
		_exit(EXIT_BOX);
	}
	sync_send_ok(sock, 0);
	close(sock);
	if (tap_sock >= 0 && read(tap_sock, &go, 1) != 1)
		_exit(EXIT_BOX); /* the net helper did not start: the build says why */
	if (tap_sock >= 0)
		close(tap_sock);
	pid_t tee = tee_output(b->out);
	for (size_t i = 0; i < n; i++) {
		if (b->o->progress)
			b->o->progress(i + 1, n, steps[i].label);
		int status = run_step(b, &steps[i]);
		if (status != 0) {
			if (b->o->failed)
				b->o->failed(i + 1, n, steps[i].label, status);
			steps_exit(tee, status);
		}
	}
	steps_exit(tee, 0);
}

/* ---- the namespace child ---- */

/*
 * slirp: the net helper on the tap PID 1 sends out on tap_sock (a child of ours, in
 * the host's network namespace), then PID 1 released. When PID 1 failed first, its
 * own report on sync says why.
 */
static int start_network(const struct build *b, pid_t pid, int tap_sock, int sync,
			 pid_t *ret_helper, struct box_err **err)
{
	_cleanup_err_ struct box_err *nerr = NULL, *perr = NULL;
	_cleanup_close_ int ready = -1;
	int r =
	    init_net_hooks()->start(pid, tap_sock, NULL, NULL, b->net, ret_helper, &ready, &nerr);

	if (r >= 0)
		r = sync_recv(ready, "net helper", &nerr);
	if (r >= 0 && fs_write_all(tap_sock, "1", 1) < 0)
		r = box_err_set(&nerr, errno, "release the setup");
	if (r >= 0)
		return 0;
	kill(pid, SIGKILL);
	spawn_wait_status(pid);
	if (sync_recv(sync, "setup", &perr) < 0 && perr && perr->code != EPIPE) {
		*err = TAKE_PTR(perr);
		return -EIO;
	}
	box_err_wrap(&nerr, "start the network of the setup");
	*err = TAKE_PTR(nerr);
	return r;
}

static void stop_helper(pid_t helper)
{
	if (helper <= 0)
		return;
	kill(helper, SIGTERM);
	spawn_wait_status(helper);
}

static int run_steps(const struct build *b, const struct pkg_step *steps, size_t n,
		     struct box_err **err)
{
	bool slirp = streq(b->mode, "slirp");
	int sv[2], tv[2] = { -1, -1 };
	pid_t helper = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create a socket pair");
	if (slirp && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tv) < 0) {
		close(sv[0]);
		close(sv[1]);
		return box_err_set(err, errno, "create a socket pair");
	}
	/* The sandbox's own network mode: a network namespace of its own unless host. */
	pid_t pid = clone3_fork(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC |
				    (streq(b->mode, "host") ? 0 : CLONE_NEWNET),
				NULL);
	if (pid == 0) {
		close(sv[0]);
		if (slirp)
			close(tv[0]);
		steps_main(b, steps, n, sv[1], tv[1]);
	}
	int e = errno;
	close(sv[1]);
	if (slirp)
		close(tv[1]);
	_cleanup_close_ int sync = sv[0], tap_sock = tv[0];
	if (pid < 0)
		return box_err_set(err, e, "create the namespaces of the setup");
	int r = slirp ? start_network(b, pid, tap_sock, sync, &helper, err) : 0;
	if (r < 0) {
		stop_helper(helper);
		return r;
	}
	r = sync_recv(sync, "setup", err);
	int status = spawn_wait_status(pid);
	stop_helper(helper);
	if (r < 0)
		return r;
	return status < 0 ? EXIT_BOX : status;
}

/* Builds killed half-way leave their <key>.build directories behind, and the next build
 * may have another key (the project's files changed meanwhile): every build directory
 * whose lock no live build holds is removed, not only this key's. */
static void sweep_stale_builds(const struct build *b)
{
	_cleanup_free_ char *sdir = xstrdup(b->tmp);
	char *slash = strrchr(sdir, '/');
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;

	if (!slash)
		return;
	*slash = '\0';
	d = opendir(sdir);
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n <= 6 || strcmp(e->d_name + n - 6, ".build") != 0)
			continue;
		_cleanup_free_ char *dir = xasprintf("%s/%s", sdir, e->d_name);
		_cleanup_free_ char *lockp = xasprintf("%s.lock", dir);
		/* This key's own lock is held by our caller; a missing lock file is never made
		 * here (it would belong to a subordinate id). */
		if (strcmp(dir, b->tmp) == 0 || access(lockp, F_OK) < 0)
			continue;
		_cleanup_close_ int lock = lock_file(lockp, true, false, NULL);
		if (lock >= 0)
			rm_rf(dir, NULL);
	}
}

static int make_dirs(const struct build *b, struct box_err **err)
{
	const char *dirs[] = { b->tmp, b->upper, b->work, b->merged };

	/* A build that was killed half-way left its directory: never reused, removed. */
	sweep_stale_builds(b);
	if (rm_rf(b->tmp, err) < 0)
		return -EIO;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir(dirs[i], 0755) < 0)
			return box_err_set(err, errno, "create '%s'", dirs[i]);
	return 0;
}

static int build_in_root(const struct build *b, struct box_err **err)
{
	struct pkg_step *steps = NULL;
	size_t n = 0;
	_cleanup_close_ int rootfd = open(b->merged, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return box_err_set(err, errno, "open '%s'", b->merged);
	int r = b->o->steps(pkgmgr_detect(rootfd), b->o->steps_arg, &steps, &n, err);
	if (r < 0)
		return r;
	r = run_steps(b, steps, n, err);
	pkg_steps_free(steps, n);
	return r;
}

/* fuse-overlayfs talks on stderr (notes about mount options): into a log, not
 * between the setup's own output on the user's terminal. */
static int mount_quietly(const struct build *b, const struct overlay_opts *ov, pid_t *fuse,
			 struct box_err **err)
{
	_cleanup_close_ int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	_cleanup_close_ int log = open(b->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (saved < 0 || log < 0 || dup2(log, STDERR_FILENO) < 0)
		return overlay_mount(ov, fuse, err);
	int r = overlay_mount(ov, fuse, err);
	dup2(saved, STDERR_FILENO);
	return r;
}

static int builder_main(struct spawn_ctx *ctx, struct box_err **err)
{
	const struct build *b = ctx->arg;
	struct overlay_opts ov = { .layers = b->o->layers,
				   .upper = b->upper,
				   .work = b->work,
				   .merged = b->merged,
				   .fuse = b->o->fuse };
	pid_t fuse = 0;
	int r;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 1);
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return box_err_set(err, errno, "make the mount namespace a slave");
	r = make_dirs(b, err);
	if (r >= 0)
		r = mount_quietly(b, &ov, &fuse, err);
	if (r < 0) {
		rm_rf(b->tmp, NULL);
		return r;
	}
	r = build_in_root(b, err);
	overlay_unmount(b->merged, fuse);
	/* The rename is the commit: before it there is no layer, after it a whole one. */
	if (r == 0 && rename(b->upper, b->final) < 0)
		r = box_err_set(err, errno, "rename '%s' to '%s'", b->upper, b->final);
	rm_rf(b->tmp, NULL);
	return r;
}

/* ---- the caller ---- */

static void build_done(struct build *b)
{
	free(b->final);
	free(b->tmp);
	free(b->upper);
	free(b->work);
	free(b->merged);
	free(b->record);
	free(b->log);
	free(b->resolv);
}

static int build_init(struct build *b, const struct setup_build_opts *o, struct box_err **err)
{
	_cleanup_free_ char *data = paths_data_dir();
	_cleanup_free_ char *sdir = xasprintf("%s/setup", data);
	_cleanup_free_ char *ldir = xasprintf("%s/layers", data);
	int r;

	b->o = o;
	b->net = o->net;
	b->mode = o->net && o->net->network ? o->net->network : "slirp";
	if (streq(b->mode, "slirp")) {
		const struct sandbox_net_hooks *h = init_net_hooks();
		if (!h || !o->net)
			return box_err_set(err, ENOSYS,
					   "network = slirp, but no userspace network is wired "
					   "into this program (sandbox_set_net_hooks() was not "
					   "called)");
		/* Here, as the user: the settings are read once, before the forks. */
		b->resolv = h->resolv_conf ? h->resolv_conf(o->net) : NULL;
		b->hosts_extra = h->hosts_extra ? h->hosts_extra(o->net) : NULL;
	}
	b->final = setup_layer_dir(o->key);
	b->tmp = xasprintf("%s/%s.build", sdir, o->key);
	b->upper = xasprintf("%s/upper", b->tmp);
	b->work = xasprintf("%s/work", b->tmp);
	b->merged = xasprintf("%s/merged", b->tmp);
	b->record = xasprintf("%s/%s.txt", sdir, o->key);
	b->log = xasprintf("%s/%s.log", sdir, o->key);
	r = mkdir_p(sdir, 0700, err);
	if (r >= 0)
		r = mkdir_p(ldir, 0700, err);
	return r;
}

static int build_locked(struct build *b, struct box_err **err)
{
	_cleanup_free_ char *lockp = xasprintf("%s.lock", b->tmp);
	struct box_ids ids;
	/* Two `box enter`s of projects with the same setup: the second waits, then finds
	 * the layer the first built. */
	_cleanup_close_ int lock = lock_file(lockp, true, true, err);
	int r;

	if (lock < 0)
		return lock;
	if (is_dir(b->final))
		return 0;
	r = ids_load(&ids, err);
	if (r < 0)
		return r;
	b->ids = &ids;
	_cleanup_free_ char *outp = setup_output_path(b->o->key);
	/* Opened here, as the user: made inside, it would belong to a subordinate id. */
	_cleanup_close_ int out = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	b->out = out;
	r = spawn_userns_wait(&ids, CLONE_NEWNS, builder_main, b, err);
	b->ids = NULL; /* ids lives on this stack frame only */
	ids_done(&ids);
	if (r == 0 && b->o->canonical &&
	    fs_write_file_atomic(b->record, b->o->canonical, strlen(b->o->canonical), 0600, NULL) <
		0)
		log_debug("cannot write '%s'", b->record);
	return r;
}

int setup_layer_build(const struct setup_build_opts *o, struct box_err **err)
{
	struct build b = { 0 };
	int r = build_init(&b, o, err);

	if (r >= 0)
		r = build_locked(&b, err);
	build_done(&b);
	return r;
}

struct reset {
	const char *datadir;
	const struct box_ids *ids;
};

static int reset_child(struct spawn_ctx *ctx, struct box_err **err)
{
	static const char *const subdirs[] = { "upper", "work" };
	const struct reset *rs = ctx->arg;
	const char *datadir = rs->datadir;

	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", datadir, subdirs[i]);
		if (rm_rf(p, err) < 0)
			return -EIO;
		/* As sandbox_create() made them: the user's own. */
		if (mkdir(p, 0700) < 0 || chown(p, rs->ids->uid, rs->ids->gid) < 0)
			return box_err_set(err, errno, "create '%s'", p);
	}
	return 0;
}

int setup_reset_writable(const char *datadir, struct box_err **err)
{
	struct box_ids ids;
	int r = ids_load(&ids, err);

	if (r < 0)
		return r;
	struct reset rs = { .datadir = datadir, .ids = &ids };
	r = spawn_userns_wait(&ids, 0, reset_child, &rs, err);
	ids_done(&ids);
	if (r > 0)
		return box_err_set(err, EIO, "empty the writable layer in '%s'", datadir);
	return r;
}
