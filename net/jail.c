/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The net helper's own sandbox. libslirp parses packets that the sandbox's
 * processes craft, so a bug there must not hand out the user's files: before the
 * first packet the helper moves into a new user and mount namespace, makes an
 * empty read-only tmpfs its root (holding only a copy of resolv.conf, which
 * libslirp reads to forward DNS), drops every capability and sets NO_NEW_PRIVS.
 * What stays usable: the fds it already holds (tap, control socket, pidfd,
 * /proc/<pid>/net/tcp{,6}) and new IPv4/IPv6 sockets in the host's network
 * namespace, which is the job; a seccomp filter (seccomp.c) refuses the rest. The
 * approach follows slirp4netns's sandbox.c.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/host/caps.h"
#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "jail.h"

#define JAIL_DIR "/tmp"

static int write_proc(const char *path, const char *text, struct box_err **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || fs_write_all(fd, text, strlen(text)) < 0)
		return box_err_set(err, errno, "write '%s'", path);
	return 0;
}

/* A user namespace that maps only ourselves: enough to own a mount namespace. */
static int enter_userns(struct box_err **err)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];
	int r;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return box_err_set(err, errno, "create the net helper's namespaces");
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	r = write_proc("/proc/self/uid_map", map, err);
	if (r < 0)
		return r;
	r = write_proc("/proc/self/setgroups", "deny", err);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	return write_proc("/proc/self/gid_map", map, err);
}

/* Build the new root on a tmpfs over /tmp (private to our mount namespace). */
static int build_root(const char *resolv, size_t resolv_len, struct box_err **err)
{
	_cleanup_close_ int fd = -1;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return box_err_set(err, errno, "make the mounts private");
	if (mount("tmpfs", JAIL_DIR, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=64k,mode=0755") < 0)
		return box_err_set(err, errno, "mount a tmpfs on '" JAIL_DIR "'");
	if (mkdir(JAIL_DIR "/etc", 0755) < 0 || mkdir(JAIL_DIR "/old", 0755) < 0)
		return box_err_set(err, errno, "populate the helper's root");
	fd = open(JAIL_DIR "/etc/resolv.conf", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || fs_write_all(fd, resolv, resolv_len) < 0)
		return box_err_set(err, errno, "write the helper's resolv.conf");
	return 0;
}

static int switch_root(struct box_err **err)
{
	if (chdir(JAIL_DIR) < 0)
		return box_err_set(err, errno, "chdir '" JAIL_DIR "'");
	if (syscall(SYS_pivot_root, ".", "old") < 0)
		return box_err_set(err, errno, "pivot_root into the helper's root");
	if (chdir("/") < 0)
		return box_err_set(err, errno, "chdir '/'");
	if (umount2("/old", MNT_DETACH) < 0)
		return box_err_set(err, errno, "detach the old root");
	if (rmdir("/old") < 0)
		return box_err_set(err, errno, "remove '/old'");
	/* Nothing may be written afterwards: a compromised loop cannot stage files. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return box_err_set(err, errno, "make the helper's root read-only");
	return 0;
}

static int drop_privileges(struct box_err **err)
{
	/* Every set, bounding and ambient included: the helper needs no capability. */
	int r = caps_drop_everything(NULL);

	if (r < 0)
		return box_err_set(err, -r, "drop the net helper's capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return box_err_set(err, errno, "set no_new_privs");
	return 0;
}

int net_jail(const char *resolv, size_t resolv_len, struct box_err **err)
{
	void *filter = net_seccomp_filter(err);
	if (!filter)
		return box_err_wrap(err, "sandbox the net helper");
	int r = enter_userns(err);

	if (r >= 0)
		r = build_root(resolv, resolv_len, err);
	if (r >= 0)
		r = switch_root(err);
	if (r >= 0)
		r = drop_privileges(err);
	if (r >= 0)
		r = net_seccomp_load(TAKE_PTR(filter), err);
	net_seccomp_free(filter);
	if (r < 0)
		return box_err_wrap(err, "sandbox the net helper");
	log_debug("net helper sandboxed: empty root, no capabilities, seccomp");
	return 0;
}
