/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File helpers: whole-file reads, atomic writes, mkdir -p, rm -rf, locks. */
#ifndef BOX_FS_H
#define BOX_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* Read at most max bytes of path (NUL-terminated); -EFBIG when larger. */
int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct box_err **err);
/* The same, refusing a symlink as the last component (ELOOP). */
int fs_read_file_nofollow(const char *path, size_t max, char **ret, size_t *ret_len,
			  struct box_err **err);
int fs_read_fd_all(int fd, size_t max, char **ret, size_t *ret_len);
/* A new (O_EXCL, O_NOFOLLOW) temp file in the same dir, write, fsync, rename, fsync dir. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct box_err **err);
/* The same without the fsyncs: for files that do not outlive a reboot. */
int fs_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			  struct box_err **err);
int fs_write_all(int fd, const void *buf, size_t len);
int fs_read_all(int fd, void *buf, size_t len); /* 0 on full read, -EIO on short */
int mkdir_p(const char *path, mode_t mode, struct box_err **err);
/* Remove a tree; does not cross mount points; tolerates a missing path. */
int rm_rf(const char *path, struct box_err **err);
/* Sum of st_blocks*512 under path (no mount crossing). */
uint64_t du_bytes(const char *path);
/*
 * The bytes of the regular files under path (a hard link counts its share): what a
 * layer's extraction counts, and so what `box images` shows as SIZE, `box rmi`
 * reports freed and `box prune` reclaims, each in the same unit.
 */
uint64_t du_content_bytes(const char *path);
bool path_exists(const char *path);
bool is_dir(const char *path);
/* Take an exclusive (or shared) flock on path, creating it; returns the fd. */
int lock_file(const char *path, bool exclusive, bool wait, struct box_err **err);
/*
 * Long-lived descriptors that caches keep open between refreshes (the stats reader's
 * cgroup files, pidfds) share a budget of half the soft RLIMIT_NOFILE, so that 500
 * sandboxes degrade to open-read-close rather than to EMFILE. take returns false
 * when the budget is spent; every successful take is paired with a put on close.
 */
bool fd_keep_take(void);
void fd_keep_put(void);
/*
 * Re-read a kernel file kept open (cgroupfs, /proc) from offset 0 into *buf, growing
 * it up to max; NUL-terminated. seq_file regenerates the content on a read at
 * offset 0. Returns the length or -errno (-EFBIG beyond max).
 */
ssize_t fs_pread_all(int fd, char **buf, size_t *cap, size_t max);
/* Find an executable in PATH (or absolute); caller frees; NULL when not found. */
char *find_in_path(const char *name);

#endif
