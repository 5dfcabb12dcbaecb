/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sandbox's root filesystem: the image's read-only layers below and the
 * sandbox's writable upper dir above, stacked at `merged` either by fuse-overlayfs
 * (a child process, in the foreground so it dies with its parent) or by the
 * kernel's overlayfs with `userxattr` (no process at all). Runs as root of the
 * sandbox's user namespace, inside its own mount namespace.
 */
#ifndef BOX_OVERLAY_H
#define BOX_OVERLAY_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/err.h"

struct overlay_opts {
	char *const *layers; /* bottom first, NULL-terminated */
	const char *upper;
	const char *work;
	const char *merged;
	bool fuse; /* fuse-overlayfs, else the kernel overlay */
};

/* "lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W"; NULL when a path cannot be
 * expressed (contains ',', ':' or '\\'). Caller frees. */
char *overlay_options(const struct overlay_opts *o);
/*
 * Mount. For fuse, *ret_pid is the fuse-overlayfs process (the caller's child,
 * dying with it), and this returns once the mount is visible; for the kernel
 * overlay *ret_pid is 0.
 */
int overlay_mount(const struct overlay_opts *o, pid_t *ret_pid, struct box_err **err);

/*
 * overlay_mount() in two halves, for a caller with other work to do while
 * fuse-overlayfs starts: _start() mounts the kernel overlay, or starts
 * fuse-overlayfs and returns at once; _finish() waits until the fuse mount is
 * visible (or fuse-overlayfs failed, which kills and reaps it). _finish() must
 * follow every successful _start().
 */
struct overlay_mounting {
	const char *merged;
	pid_t pid; /* fuse-overlayfs, 0 for the kernel overlay */
	int pidfd, mi;
	dev_t before;
};
int overlay_mount_start(const struct overlay_opts *o, struct overlay_mounting *m,
			struct box_err **err);
int overlay_mount_finish(struct overlay_mounting *m, pid_t *ret_pid, struct box_err **err);
/* Unmount and end the fuse-overlayfs process (TERM, KILL after a short grace). */
void overlay_unmount(const char *merged, pid_t pid);

#endif
