/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths inside a root filesystem that is not (yet) our root: every lookup treats
 * the root directory fd as "/", so neither ".." nor a symlink (absolute or
 * relative) planted by an image can lead out of it. openat2(RESOLVE_IN_ROOT) does
 * this in the kernel (5.6+); without it a component-by-component walk in user
 * space gives the same answer (racy against a concurrent writer of the tree, which
 * a rootfs being set up does not have).
 */
#ifndef BOX_ROOTPATH_H
#define BOX_ROOTPATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/err.h"

/* Tests set this to exercise the user-space walk on kernels that have openat2. */
extern bool rootpath_force_fallback;

/*
 * Open path (absolute or relative, both taken from rootfd) inside rootfd with the
 * given open flags (O_PATH, O_RDONLY|O_DIRECTORY, ...; O_CLOEXEC is added). The
 * last component is followed when it is a symlink unless flags has O_NOFOLLOW.
 * Returns the fd or -errno (no message: callers decide whether ENOENT matters).
 */
int root_open(int rootfd, const char *path, int flags);
/* mkdir -p inside the root; returns an O_PATH fd of the directory. */
int root_mkdir_p(int rootfd, const char *path, mode_t mode, struct box_err **err);
/*
 * Open (O_PATH) a file inside the root, creating an empty regular file (and its
 * parents) when missing: a mount point for a file bind mount.
 */
int root_mkfile(int rootfd, const char *path, mode_t mode, struct box_err **err);
/* "/proc/self/fd/N" for mount(2) targets; buf of at least 32 bytes. */
const char *fd_path(int fd, char *buf, size_t len);

#endif
