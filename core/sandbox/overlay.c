/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stacking the sandbox's root. fuse-overlayfs runs in the foreground (-f) as our
 * child with PR_SET_PDEATHSIG, so a killed holder never leaves a daemon behind;
 * since it does not tell us when the mount is up, we wait for the mount table of
 * our namespace to change (poll() on /proc/self/mountinfo wakes on every mount)
 * and check that `merged` now lives on another device. No sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "overlay.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define MOUNT_TIMEOUT_MS 10000
#define UNMOUNT_GRACE_MS 2000

static bool path_ok(const char *p)
{
	return p && *p == '/' && !strpbrk(p, ",:\\");
}

char *overlay_options(const struct overlay_opts *o)
{
	size_t n = strv_length(o->layers), len = 64;

	if (n == 0 || !path_ok(o->upper) || !path_ok(o->work))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!path_ok(o->layers[i]))
			return NULL;
		len += strlen(o->layers[i]) + 1;
	}
	len += strlen(o->upper) + strlen(o->work);
	char *s = xmalloc(len), *p = s;
	p += sprintf(p, "lowerdir=");
	/* overlayfs lists the topmost layer first. */
	for (size_t i = n; i-- > 0;)
		p += sprintf(p, "%s%s", o->layers[i], i ? ":" : "");
	sprintf(p, ",upperdir=%s,workdir=%s", o->upper, o->work);
	return s;
}

static int kernel_mount(const struct overlay_opts *o, const char *opts, struct box_err **err)
{
	/* userxattr: overlay metadata in user.overlay.* xattrs, which an unprivileged
	 * mounter may write (trusted.* needs real root). */
	_cleanup_free_ char *data = xasprintf("%s,userxattr", opts);
	if (strlen(data) >= 4096)
		return box_err_set(err, E2BIG, "mount overlay: too many layers for one mount");
	if (mount("overlay", o->merged, "overlay", 0, data) < 0)
		return box_err_set(err, errno,
				   "mount kernel overlay on '%s' (kernel >= 5.11 "
				   "needed; try --storage fuse-overlayfs)",
				   o->merged);
	return 0;
}

/* allow_other: processes inside run as the user's own uid, not as the namespace
 * root that mounts, and FUSE refuses them otherwise.
 * static_nlink: a directory's link count is 1 (as on btrfs, "unknown" to find and
 * fts) instead of 2 + its subdirectories, which fuse-overlayfs can only count by
 * reading the whole directory from every layer: without it, each directory on a
 * path (/usr/share/zoneinfo, /usr/bin) is read in full on its first lookup, a
 * quarter of a cold start's time.
 * Left at fuse-overlayfs's defaults on purpose (tests/bench/bench-enter.sh times
 * each on an untar of 155 MB and an apt-get install of 20 packages; medians here
 * against 7.7 s and 8.6 s as mounted now): fsync=0 (or volatile) makes fsync a
 * no-op, while dpkg, git and databases inside ask for it so that a crash leaves
 * the old file or the new one; without it a power cut can leave the sandbox's
 * package database truncated, the kernel overlay driver keeps fsync, and it saved
 * 3% of the install (8.3 s). noacl drops POSIX ACLs in the sandbox's root (setfacl,
 * inherited default ACLs, journald's ACLs on its files): a change of meaning for
 * 8% of the install (7.9 s) and none on the untar. fast_ino=1 took 19% off the
 * untar (6.3 s) but takes inode numbers from readdir without checking the lower
 * file, so st_ino may change when a file is copied up (tar, rsync and git compare
 * them). threaded=1 was no faster (7.8 s, 8.4 s). */
static char *fuse_options(const char *opts)
{
	return xasprintf("%s,allow_other,static_nlink", opts);
}

/* In a vfork() child: only syscalls, then exec or _exit. */
_noreturn_ static void exec_fuse(const char *opts, const char *merged)
{
	/* Die with the holder: a fuse daemon outliving its mount namespace's users
	 * would keep that namespace (and the sandbox's files) busy forever. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	execlp("fuse-overlayfs", "fuse-overlayfs", "-f", "-o", opts, merged, (char *)NULL);
	log_child_error("cannot execute fuse-overlayfs: %s (install fuse-overlayfs)",
			strerror(errno));
	_exit(EXIT_NOT_FOUND);
}

static bool mounted(const char *merged, dev_t before)
{
	struct stat st;
	return stat(merged, &st) == 0 && st.st_dev != before;
}

/* Wait for the mount, or for fuse-overlayfs to exit (its stderr is in the log). */
static int wait_mounted(const char *merged, dev_t before, int mi, int pidfd, struct box_err **err)
{
	uint64_t deadline = now_ns() + (uint64_t)MOUNT_TIMEOUT_MS * 1000000;

	while (!mounted(merged, before)) {
		struct pollfd p[2] = { { .fd = mi, .events = POLLPRI },
				       { .fd = pidfd, .events = POLLIN } };
		uint64_t now = now_ns();
		if (now >= deadline)
			return box_err_set(err, ETIMEDOUT, "fuse-overlayfs did not mount '%s'",
					   merged);
		int r = poll(p, 2, (int)((deadline - now) / 1000000) + 1);
		if (r < 0 && errno != EINTR)
			return box_err_set(err, errno, "wait for the fuse mount");
		if (p[1].revents && !mounted(merged, before))
			return box_err_set(err, EIO,
					   "fuse-overlayfs exited before mounting '%s' "
					   "(see the sandbox log)",
					   merged);
	}
	return 0;
}

static int fuse_start(const struct overlay_opts *o, const char *opts, struct overlay_mounting *m,
		      struct box_err **err)
{
	struct stat st;

	m->mi = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (m->mi < 0 || stat(o->merged, &st) < 0)
		return box_err_set(err, errno, "stat '%s'", o->merged);
	m->before = st.st_dev;
	_cleanup_free_ char *fo = fuse_options(opts);
	/* vfork: copying the holder's page tables for a child that only execs costs
	 * more than the rest of the start-up of fuse-overlayfs on some hosts. */
	m->pid = vfork();
	if (m->pid < 0)
		return box_err_set(err, errno, "start fuse-overlayfs");
	if (m->pid == 0)
		exec_fuse(fo, o->merged);
	/* Our unreaped child: its pid cannot be reused before we wait for it. */
	m->pidfd = pidfd_for(m->pid);
	if (m->pidfd < 0) {
		int e = errno;
		kill(m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
		return box_err_set(err, e, "watch fuse-overlayfs");
	}
	return 0;
}

static void mounting_close(struct overlay_mounting *m)
{
	if (m->mi >= 0)
		close(m->mi);
	if (m->pidfd >= 0)
		close(m->pidfd);
	m->mi = m->pidfd = -1;
}

int overlay_mount_start(const struct overlay_opts *o, struct overlay_mounting *m,
			struct box_err **err)
{
	_cleanup_free_ char *opts = overlay_options(o);

	*m = (struct overlay_mounting){ .merged = o->merged, .mi = -1, .pidfd = -1 };
	if (!opts)
		return box_err_set(err, EINVAL,
				   "layer or data paths contain ',', ':' or '\\', "
				   "which overlay options cannot express");
	log_debug("mounting %s with %s", o->merged, opts);
	if (!o->fuse)
		return kernel_mount(o, opts, err);
	int r = fuse_start(o, opts, m, err);
	if (r < 0)
		mounting_close(m);
	return r;
}

int overlay_mount_finish(struct overlay_mounting *m, pid_t *ret_pid, struct box_err **err)
{
	int r = 0;

	*ret_pid = 0;
	if (m->pid <= 0)
		return 0;
	r = wait_mounted(m->merged, m->before, m->mi, m->pidfd, err);
	mounting_close(m);
	if (r < 0) {
		kill(m->pid, SIGKILL);
		waitpid(m->pid, NULL, 0);
		return r;
	}
	*ret_pid = m->pid;
	return 0;
}

int overlay_mount(const struct overlay_opts *o, pid_t *ret_pid, struct box_err **err)
{
	struct overlay_mounting m;

	*ret_pid = 0;
	int r = overlay_mount_start(o, &m, err);
	return r < 0 ? r : overlay_mount_finish(&m, ret_pid, err);
}

void overlay_unmount(const char *merged, pid_t pid)
{
	if (umount2(merged, MNT_DETACH) < 0)
		log_debug("unmount '%s': %s", merged, strerror(errno));
	if (pid <= 0)
		return;
	/* fuse-overlayfs exits on its own once the mount is gone; TERM covers a busy
	 * one, and KILL after a grace period one that hangs. */
	_cleanup_close_ int fd = pidfd_for(pid);
	kill(pid, SIGTERM);
	/* Woken when it exits, not at the next tick of a poll loop: box stop waits
	 * for this. */
	if (fd >= 0)
		(void)pidfd_wait(fd, UNMOUNT_GRACE_MS);
	if (waitpid(pid, NULL, WNOHANG) == pid)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
