/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The inside of a sandbox. rootfs_setup() turns a directory into the root of a
 * fresh mount namespace (bind, /proc, /dev, /sys, resolv.conf, hosts, user binds,
 * pivot_root); container_exec() becomes the user with no capabilities and execs the
 * command with a clean environment (PID 1 is init.c's). All of it runs as root
 * of a user namespace the user created: every mount below is one the kernel lets
 * an unprivileged user make in their own namespaces, and none is visible to the
 * host (the first step makes every mount private to this namespace).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/exit.h"
#include "../host/caps.h"
#include "container.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../userland/passwd.h"
#include "../userland/rootpath.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOSTS_TMP    ".box-hosts"

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
static const char *const dev_links[][2] = {
	{ "ptmx", "pts/ptmx" },		 { "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },	 { "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" }, { "core", "/proc/kcore" },
};
static const char *const env_passthrough[] = {
	"TERM",
	"COLORTERM",
	"LANG",
	"LANGUAGE",
	"TZ",
	"DISPLAY",
	"WAYLAND_DISPLAY",
	"XDG_RUNTIME_DIR",
	"DBUS_SESSION_BUS_ADDRESS",
	"SSH_AUTH_SOCK",
	"XDG_SESSION_TYPE",
	"XDG_CURRENT_DESKTOP",
	"NO_COLOR",
	"COLORFGBG",
};

/* ---- rootfs ---------------------------------------------------------------------------- */

static bool is_mount_root(const char *path)
{
	struct statx stx;
	struct stat a, b;

	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &stx) == 0 &&
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
		return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	/* Older kernels: a mount root sits on another device than its parent (mostly). */
	_cleanup_free_ char *up = xasprintf("%s/..", path);
	return stat(path, &a) == 0 && stat(up, &b) == 0 && a.st_dev != b.st_dev;
}

/*
 * Read-only, recursively. mount_setattr() (5.12) does it in one call; the old way is
 * a remount that must repeat the flags the kernel locked on the source (nosuid,
 * nodev, noexec, atime) or an unprivileged remount fails with EPERM.
 */
static int make_readonly(int fd)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	struct statvfs sv;
	char p[32];
	unsigned long fl = MS_REMOUNT | MS_BIND | MS_RDONLY;

	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	if (fstatvfs(fd, &sv) < 0)
		return -errno;
	fl |= sv.f_flag & ST_NOSUID ? MS_NOSUID : 0;
	fl |= sv.f_flag & ST_NODEV ? MS_NODEV : 0;
	fl |= sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0;
	fl |= sv.f_flag & ST_NOATIME ? MS_NOATIME : 0;
	fl |= sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0;
	fl |= sv.f_flag & ST_RELATIME ? MS_RELATIME : 0;
	return mount(NULL, fd_path(fd, p, sizeof(p)), NULL, fl, NULL) < 0 ? -errno : 0;
}

/* Bind src onto the already resolved target fd (a file or directory inside the root). */
static int bind_onto(const char *src, int target, bool rec)
{
	char p[32];
	if (mount(src, fd_path(target, p, sizeof(p)), NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return -errno;
	return 0;
}

static int bind_rootfs(const char *rootfs, int *ret_fd, struct box_err **err)
{
	/*
	 * pivot_root needs the new root to be a mount. Binding the directory onto itself
	 * makes it one; in our private mount namespace the host never sees it, and the
	 * bind grants nothing the directory's own permissions do not.
	 */
	if (!is_mount_root(rootfs) && mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return box_err_set(err, errno, "bind the rootfs '%s' onto itself", rootfs);
	*ret_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*ret_fd < 0)
		return box_err_set(err, errno, "open the rootfs '%s'", rootfs);
	return 0;
}

static int mount_proc(int rootfd, struct box_err **err)
{
	char p[32];
	_cleanup_close_ int fd = root_mkdir_p(rootfd, "proc", 0555, err);
	if (fd < 0)
		return fd;
	/*
	 * A proc instance of our own pid namespace shows only the sandbox's processes.
	 * The kernel allows it to root of a user namespace that owns the pid namespace,
	 * and only when the host's /proc is fully visible to us (no hidden parts).
	 */
	if (mount("proc", fd_path(fd, p, sizeof(p)), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return box_err_set(err, errno,
				   "mount /proc in the sandbox (is /proc on the host partly "
				   "covered by other mounts?)");
	return 0;
}

static int dev_populate(int devfd, struct box_err **err)
{
	char p[64];
	/*
	 * Device nodes cannot be created in a user namespace (and tmpfs mounted there is
	 * nodev anyway), so the host's harmless ones are bind-mounted onto empty files:
	 * the same inodes with the host's own permissions, nothing more.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		_cleanup_free_ char *src = xasprintf("/dev/%s", dev_nodes[i]);
		int fd = openat(devfd, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (fd < 0)
			return box_err_set(err, errno, "create /dev/%s in the sandbox",
					   dev_nodes[i]);
		close(fd);
		snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", devfd, dev_nodes[i]);
		if (mount(src, p, NULL, MS_BIND, NULL) < 0)
			return box_err_set(err, errno, "bind '%s' into the sandbox", src);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i][1], devfd, dev_links[i][0]) < 0)
			return box_err_set(err, errno, "create /dev/%s in the sandbox",
					   dev_links[i][0]);
	return 0;
}

static int dev_pts_shm(int devfd, struct box_err **err)
{
	char p[64];

	/*
	 * A new devpts instance: ptys made inside belong to the sandbox and cannot reach
	 * the host's. gid=5 (tty) only exists when subordinate gids are mapped; without
	 * it the kernel refuses the option, so retry without.
	 */
	if (mkdirat(devfd, "pts", 0755) < 0 || mkdirat(devfd, "shm", 01777) < 0)
		return box_err_set(err, errno, "create /dev/pts in the sandbox");
	snprintf(p, sizeof(p), "/proc/self/fd/%d/pts", devfd);
	if (mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 &&
	    mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		return box_err_set(err, errno, "mount /dev/pts in the sandbox");
	snprintf(p, sizeof(p), "/proc/self/fd/%d/shm", devfd);
	if (mount("shm", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
		return box_err_set(err, errno, "mount /dev/shm in the sandbox");
	return 0;
}

static int mount_dev(int rootfd, struct box_err **err)
{
	char p[32];
	_cleanup_close_ int fd = root_mkdir_p(rootfd, "dev", 0755, err);
	if (fd < 0)
		return fd;
	/* A small tmpfs of our own over the image's /dev: nothing of the image is trusted. */
	if (mount("tmpfs", fd_path(fd, p, sizeof(p)), "tmpfs", MS_NOSUID | MS_STRICTATIME,
		  "mode=755,size=65536k") < 0)
		return box_err_set(err, errno, "mount /dev in the sandbox");
	_cleanup_close_ int devfd = root_open(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (devfd < 0)
		return box_err_set(err, -devfd, "open /dev in the sandbox");
	int r = dev_populate(devfd, err);
	return r < 0 ? r : dev_pts_shm(devfd, err);
}

static void mount_sys(int rootfd, bool host_net)
{
	_cleanup_close_ int fd = root_open(rootfd, "sys", O_PATH | O_DIRECTORY);
	char p[32];

	if (fd < 0) {
		log_debug("the rootfs has no /sys, leaving it out");
		return;
	}
	/*
	 * sysfs shows the network devices of the mounting network namespace, so the
	 * kernel lets root of a user namespace mount it only in a network namespace that
	 * namespace owns. With the host's network, a read-only bind of the host's /sys
	 * gives the same view that user already has outside.
	 */
	if (!host_net && mount("sysfs", fd_path(fd, p, sizeof(p)), "sysfs",
			       MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0)
		return;
	if (bind_onto("/sys", fd, true) < 0) {
		log_debug("cannot mount /sys in the sandbox: %s", strerror(errno));
		return;
	}
	_cleanup_close_ int mfd = root_open(rootfd, "sys", O_PATH | O_DIRECTORY);
	int r = mfd < 0 ? mfd : make_readonly(mfd);
	if (r < 0 && mfd >= 0) {
		/* A writable view of the host's /sys is worse than none. */
		log_debug("cannot make /sys read-only (%s), detaching it", strerror(-r));
		umount2(fd_path(mfd, p, sizeof(p)), MNT_DETACH);
	}
}

/* A file mount point in the image, with a message that says what to do when /etc is read-only. */
static int etc_target(int rootfd, const char *path, struct box_err **err)
{
	int fd = root_mkfile(rootfd, path, 0644, err);
	if (fd < 0 && (fd == -EROFS || fd == -EACCES || fd == -EPERM))
		box_err_wrap(err,
			     "the rootfs has no /%s and its /etc is read-only (create an empty "
			     "/%s in it)",
			     path, path);
	return fd;
}

/*
 * Bind a host file read-only onto path inside: the sandbox sees the host's, cannot
 * change it. Without `required`, a rootfs that has no such file and cannot get one
 * (read-only /etc) goes without.
 */
static int bind_host_file(int rootfd, const char *host, const char *path, bool required,
			  struct box_err **err)
{
	if (access(host, F_OK) < 0) {
		log_debug("the host has no '%s', not binding it", host);
		return 0;
	}
	_cleanup_close_ int fd =
	    required ? etc_target(rootfd, path, err) : root_mkfile(rootfd, path, 0644, NULL);
	if (fd < 0 && !required) {
		log_debug("no /%s in the rootfs and cannot create it: %s", path, strerror(-fd));
		return 0;
	}
	if (fd < 0)
		return fd;
	if (bind_onto(host, fd, false) < 0)
		return box_err_set(err, errno, "bind '%s' into the sandbox", host);
	_cleanup_close_ int mfd = root_open(rootfd, path, O_PATH);
	int r = mfd < 0 ? mfd : make_readonly(mfd);
	return r < 0 ? box_err_set(err, -r, "make /%s read-only in the sandbox", path) : 0;
}

static char *hosts_text(const struct rootfs_opts *o)
{
	char name[HOST_NAME_MAX + 1] = "localhost";
	if (o->hostname)
		snprintf(name, sizeof(name), "%s", o->hostname);
	else if (gethostname(name, sizeof(name)) < 0)
		snprintf(name, sizeof(name), "localhost");
	return xasprintf("127.0.0.1\tlocalhost %s\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n%s%s",
			 name, o->hosts_extra ? o->hosts_extra : "",
			 o->hosts_extra && !str_endswith(o->hosts_extra, "\n") ? "\n" : "");
}

/*
 * A generated /etc file (hosts, or resolv.conf for the slirp network): written as
 * a file on the sandbox's own /dev tmpfs, bound onto the image's file, and
 * unlinked from /dev again, so the image is not modified (beyond an empty mount
 * point) and nothing extra shows in /dev.
 */
static int write_etc_file(int rootfd, const char *path, const char *text, struct box_err **err)
{
	_cleanup_close_ int devfd = root_open(rootfd, "dev", O_PATH | O_DIRECTORY);
	char p[64], tp[32];
	int r;

	if (devfd < 0)
		return box_err_set(err, -devfd, "open /dev in the sandbox");
	_cleanup_close_ int fd =
	    openat(devfd, HOSTS_TMP, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 || fs_write_all(fd, text, strlen(text)) < 0)
		return box_err_set(err, errno, "write /%s for the sandbox", path);
	_cleanup_close_ int target = root_mkfile(rootfd, path, 0644, NULL);
	if (target < 0) {
		log_debug("no /%s in the rootfs and cannot create it: %s", path, strerror(-target));
		unlinkat(devfd, HOSTS_TMP, 0);
		return 0;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d/" HOSTS_TMP, devfd);
	r = mount(p, fd_path(target, tp, sizeof(tp)), NULL, MS_BIND, NULL) < 0 ? -errno : 0;
	unlinkat(devfd, HOSTS_TMP, 0);
	return r < 0 ? box_err_set(err, -r, "bind /%s in the sandbox", path) : 0;
}

static int mount_etc_files(int rootfd, const struct rootfs_opts *o, struct box_err **err)
{
	if (!o->host_etc_files)
		return 0;
	/* The slirp network has its own resolver address; the host's may be loopback. */
	int r = o->resolv_conf
		    ? write_etc_file(rootfd, "etc/resolv.conf", o->resolv_conf, err)
		    : bind_host_file(rootfd, "/etc/resolv.conf", "etc/resolv.conf", true, err);
	if (r < 0)
		return r;
	/* Names still resolve through DNS without /etc/hosts: not worth failing for. */
	if (o->host_net)
		return bind_host_file(rootfd, "/etc/hosts", "etc/hosts", false, err);
	_cleanup_free_ char *text = hosts_text(o);
	return write_etc_file(rootfd, "etc/hosts", text, err);
}

/*
 * An empty read-only tmpfs over a directory that must not be reachable from inside
 * (box's runtime dir under /run/host: its sockets would still connect through the
 * read-only bind). A path that does not exist or cannot be searched shows nothing.
 */
static int mount_mask(int rootfd, const struct bind_mount *b, struct box_err **err)
{
	char p[32];
	_cleanup_close_ int fd = root_open(rootfd, b->inside, O_PATH | O_DIRECTORY);

	if (fd < 0)
		return 0;
	if (mount("tmpfs", fd_path(fd, p, sizeof(p)), "tmpfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0755") < 0)
		return box_err_set(err, errno, "hide '%s' in the sandbox", b->inside);
	return 0;
}

static int mount_bind(int rootfd, const struct bind_mount *b, struct box_err **err)
{
	struct stat st;
	_cleanup_close_ int fd = -1;

	if (b->mask)
		return mount_mask(rootfd, b, err);
	if (stat(b->host, &st) < 0) {
		if (errno == ENOENT && b->optional)
			return 0;
		return box_err_set(err, errno, "bind '%s'", b->host);
	}
	fd = S_ISDIR(st.st_mode) ? root_mkdir_p(rootfd, b->inside, 0755, err)
				 : root_mkfile(rootfd, b->inside, 0644, err);
	if (fd == -EACCES || fd == -EPERM || fd == -EROFS)
		return box_err_wrap(err,
				    "bind '%s' to '%s' (the rootfs has no such %s and is "
				    "read-only to you: bind onto an existing one)",
				    b->host, b->inside, S_ISDIR(st.st_mode) ? "directory" : "file");
	if (fd < 0)
		return box_err_wrap(err, "bind '%s' to '%s'", b->host, b->inside);
	/* The user's own files, seen with the permissions they already have. */
	if (bind_onto(b->host, fd, true) < 0)
		return box_err_set(err, errno, "bind '%s' to '%s'", b->host, b->inside);
	if (!b->readonly)
		return 0;
	_cleanup_close_ int mfd = root_open(rootfd, b->inside, O_PATH);
	int r = mfd < 0 ? mfd : make_readonly(mfd);
	return r < 0 ? box_err_set(err, -r, "make '%s' read-only", b->inside) : 0;
}

static int enter_root(int rootfd, struct box_err **err)
{
	/*
	 * pivot_root(".", ".") stacks the old root on top of the new one at "/", and the
	 * detach below removes it: no path to the host's tree is left in this mount
	 * namespace (the runc/crun way, which needs no directory for the old root).
	 */
	if (fchdir(rootfd) < 0)
		return box_err_set(err, errno, "enter the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return box_err_set(err, errno, "pivot_root into the rootfs");
	if (umount2(".", MNT_DETACH) < 0)
		return box_err_set(err, errno, "detach the host's root");
	if (chdir("/") < 0)
		return box_err_set(err, errno, "chdir to the new root");
	return 0;
}

int rootfs_setup(const struct rootfs_opts *o, struct box_err **err)
{
	_cleanup_close_ int rootfd = -1;
	int r;

	/* Nothing we mount from here on may propagate back to the host (or in from it). */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return box_err_set(err, errno, "make the mount namespace private");
	r = bind_rootfs(o->rootfs, &rootfd, err);
	if (r >= 0)
		r = mount_proc(rootfd, err);
	if (r >= 0)
		r = mount_dev(rootfd, err);
	if (r < 0)
		return r;
	mount_sys(rootfd, o->host_net);
	r = mount_etc_files(rootfd, o, err);
	for (size_t i = 0; r >= 0 && i < o->n_binds; i++)
		r = mount_bind(rootfd, &o->binds[i], err);
	if (r < 0)
		return r;
	/* The uts namespace is ours: the name is seen inside only. */
	if (o->hostname && sethostname(o->hostname, strlen(o->hostname)) < 0)
		return box_err_set(err, errno, "set the hostname '%s'", o->hostname);
	return enter_root(rootfd, err);
}

int container_loopback_up(struct box_err **err)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	/* The network namespace is ours and new: "lo" is its only device. */
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return box_err_set(err, errno, "read the flags of 'lo'");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return box_err_set(err, errno, "bring up 'lo'");
	return 0;
}

/* ---- the user's process ------------------------------------------------------------------ */

static bool lookup_user(uid_t uid, struct passwd_entry *ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (fs_read_file("/etc/passwd", PASSWD_MAX_SIZE, &buf, &len, NULL) < 0)
		return false;
	return passwd_find_buffer(buf, len, NULL, uid, ret) > 0;
}

/* The image's groups that list the user, limited to gids mapped in this namespace. */
static size_t user_groups(const struct box_ids *ids, const char *name, gid_t *ret, size_t max)
{
	_cleanup_free_ char *buf = NULL;
	size_t len, n = 0;
	gid_t all[PASSWD_MAX_GROUPS];
	uint32_t out;

	if (ids->single || fs_read_file("/etc/group", PASSWD_MAX_SIZE, &buf, &len, NULL) < 0)
		return 0;
	int m = group_members_buffer(buf, len, name, all, ARRAY_SIZE(all));
	for (int i = 0; i < m && n < max; i++)
		if (idmap_to_outside(&ids->gidmap, all[i], &out))
			ret[n++] = all[i];
	return n;
}

/* The command starts with default signal handling, whatever box or init had set. */
static void reset_signals(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static int become_user(const struct exec_opts *o, const gid_t *gids, size_t n, struct box_err **err)
{
	const struct box_ids *ids = o->ids;
	int r;

	if (o->root)
		return caps_default_root(err);
	/* While still root of the namespace: the bounding set needs CAP_SETPCAP to shrink. */
	r = caps_limit_bounding(o->sudo_root, err);
	if (r < 0)
		return r;
	/* With a single mapping the kernel denies setgroups (there is nothing to drop). */
	if (!ids->single && setgroups(n, gids) < 0)
		return box_err_set(err, errno, "set the supplementary groups");
	if (setresgid(ids->gid, ids->gid, ids->gid) < 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) < 0)
		return box_err_set(err, errno, "become uid %u", (unsigned)ids->uid);
	return caps_drop_all(err);
}

static const char *env_get(char **env, const char *key)
{
	size_t kl = strlen(key);
	for (char **e = env; e && *e; e++)
		if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=')
			return *e + kl + 1;
	return NULL;
}

static void env_set(char ***env, const char *key, size_t kl, const char *val)
{
	for (char **e = *env; e && *e; e++)
		if (strncmp(*e, key, kl) == 0 && (*e)[kl] == '=') {
			free(*e);
			*e = xasprintf("%.*s=%s", (int)kl, key, val);
			return;
		}
	strv_push(env, xasprintf("%.*s=%s", (int)kl, key, val));
}

static void env_put(char ***env, const char *key, const char *val)
{
	env_set(env, key, strlen(key), val);
}

/* Set a "KEY=VALUE" string; false when it has no '='. */
static bool env_put_entry(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq)
		return false;
	env_set(env, kv, (size_t)(eq - kv), eq + 1);
	return true;
}

static void env_apply(char ***env, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!env_put_entry(env, v[i]) &&
		    getenv(v[i])) /* -e KEY: the host's value, like podman */
			env_put(env, v[i], getenv(v[i]));
}

/*
 * As podman and toolbox do it: the image's Env first (PATH, LANG, its own variables),
 * then the desktop session's variables over it, the user's identity, a PATH only when
 * the image sets none, and the caller's own (a project's [env], -e) last.
 */
static char **build_env(const struct exec_opts *o, const struct passwd_entry *pw)
{
	extern char **environ;
	char **env = NULL;
	const char *home = pw->home && *pw->home ? pw->home : o->root ? "/root" : getenv("HOME");
	const char *user = pw->name ? pw->name : o->root ? "root" : o->ids->user;
	const char *shell = pw->shell && *pw->shell ? pw->shell : getenv("SHELL");

	for (char **e = o->image_env; e && *e; e++)
		if (**e != '=')
			env_put_entry(&env, *e);
	for (size_t i = 0; i < ARRAY_SIZE(env_passthrough); i++)
		if (getenv(env_passthrough[i]))
			env_put(&env, env_passthrough[i], getenv(env_passthrough[i]));
	for (char **e = environ; e && *e; e++)
		if (str_startswith(*e, "LC_"))
			env_put_entry(&env, *e);
	env_put(&env, "HOME", home ? home : "/");
	env_put(&env, "USER", user);
	env_put(&env, "LOGNAME", user);
	env_put(&env, "SHELL", shell ? shell : "/bin/sh");
	if (!env_get(env, "PATH") || !*env_get(env, "PATH"))
		env_put(&env, "PATH", DEFAULT_PATH);
	env_put(&env, "container", "box");
	env_apply(&env, o->env);
	return env;
}

static void enter_cwd(const char *cwd, const char *home)
{
	if (cwd && chdir(cwd) == 0)
		return;
	if (cwd)
		log_warn(
		    "the working directory '%s' does not exist in the sandbox, starting in '%s'",
		    cwd, home ? home : "/");
	if (!home || chdir(home) < 0) {
		if (chdir("/") < 0)
			log_debug("cannot chdir to '/': %s", strerror(errno));
	}
}

static int exec_error(const char *name, int e, const char *path, struct box_err **err)
{
	if (e == ENOENT && path)
		return box_err_set(err, ENOENT,
				   "run '%s': command not found in the sandbox (PATH=%s)", name,
				   path);
	if (e == ENOENT)
		return box_err_set(err, ENOENT, "run '%s': no such file in the sandbox", name);
	return box_err_set(err, e, "run '%s'", name);
}

/* execvpe with the sandbox's PATH, keeping the errno that matters (EACCES over ENOENT). */
static int exec_search(const char *file, char *const argv[], char **env, struct box_err **err)
{
	const char *path = env_get(env, "PATH") ?: DEFAULT_PATH;
	int saved = ENOENT;

	if (strchr(file, '/')) {
		execve(file, argv, env);
		return exec_error(file, errno, NULL, err);
	}
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *full = xasprintf("%s/%s", dir, file);
		execve(full, argv, env);
		if (errno == EACCES)
			saved = EACCES;
		else if (errno != ENOENT && errno != ENOTDIR)
			return exec_error(full, errno, NULL, err);
	}
	return exec_error(file, saved, saved == ENOENT ? path : NULL, err);
}

static char *login_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return xasprintf("-%s", b ? b + 1 : path);
}

static int exec_shell(const char *shell, char **env, struct box_err **err)
{
	const char *cands[] = { shell, "/bin/bash", "/bin/sh" };

	for (size_t i = 0; i < ARRAY_SIZE(cands); i++) {
		if (!cands[i] || !*cands[i] || access(cands[i], X_OK) < 0)
			continue;
		_cleanup_free_ char *a0 = login_name(cands[i]);
		char *argv[] = { a0, NULL };
		execve(cands[i], argv, env);
		return exec_error(cands[i], errno, NULL, err);
	}
	return box_err_set(err, ENOENT, "no shell in the sandbox (tried '%s', /bin/bash, /bin/sh)",
			   shell ? shell : "");
}

static int exec_argv(const struct exec_opts *o, char **env, struct box_err **err)
{
	if (!o->login_shell)
		return exec_search(o->argv[0], o->argv, env, err);
	_cleanup_strv_free_ char **argv = strv_copy(o->argv);
	free(argv[0]);
	argv[0] = login_name(o->argv[0]);
	return exec_search(o->argv[0], argv, env, err);
}

static int prepare(const struct exec_opts *o, struct passwd_entry *pw, char ***ret_env,
		   struct box_err **err)
{
	gid_t gids[PASSWD_MAX_GROUPS];
	size_t ng = 0;
	int r;

	lookup_user(o->root ? 0 : o->ids->uid, pw);
	if (!o->root)
		ng =
		    user_groups(o->ids, pw->name ? pw->name : o->ids->user, gids, ARRAY_SIZE(gids));
	reset_signals();
	r = become_user(o, gids, ng, err);
	if (r < 0)
		return r;
	*ret_env = build_env(o, pw);
	enter_cwd(o->cwd, env_get(*ret_env, "HOME"));
	return 0;
}

int container_exec_prepare(const struct exec_opts *o, char ***ret_env, struct box_err **err)
{
	struct passwd_entry pw = { 0 };
	int r = prepare(o, &pw, ret_env, err);

	passwd_entry_done(&pw);
	return r;
}

int container_exec(const struct exec_opts *o, struct box_err **err)
{
	struct passwd_entry pw = { 0 };
	_cleanup_strv_free_ char **env = NULL;
	int r = prepare(o, &pw, &env, err);

	if (r >= 0) {
		if (o->argv && o->argv[0])
			r = exec_argv(o, env, err);
		else
			r = exec_shell(pw.shell, env, err);
	}
	passwd_entry_done(&pw);
	return r;
}

int container_exec_failure_status(int r)
{
	return r == -ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
