/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sandbox's history: snapshots of its writable layer, restoring one, and clones.
 * A snapshot is a copy of upper/ (copytree: reflinks where the file system has them)
 * in $DATA/sandboxes/<name>/snapshots/<snap>/upper with an `info` file beside it
 * (created=, bytes=). Every copy is made under a dot-name and renamed into place, so
 * a half-made snapshot or clone is never listed. Copies run as root of the user
 * namespace, where the subordinate ids of the files are ours, so owners, modes and
 * overlay's whiteout devices and xattrs are kept as they are.
 */
#ifndef BOX_SNAPSHOT_H
#define BOX_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "../util/copytree.h"
#include "../util/err.h"

struct snapshot_info {
	char *name;
	int64_t created;
	uint64_t bytes; /* file data in the snapshot's writable layer */
};

/*
 * A sandbox about to be read from outside: *ret_cgroup gets the cgroup that was
 * frozen (sandbox_thaw() it), or NULL when the sandbox is stopped. A running sandbox
 * without a freezable cgroup is refused with a message to stop it first.
 */
int sandbox_quiesce(const char *name, char **ret_cgroup, struct box_err **err);
/* Thaw what sandbox_quiesce froze and free it (NULL: nothing). */
void sandbox_thaw(char *cgroup);

/* Snapshot names follow sandbox names' rules. snap NULL: the time, as YYYYMMDD-HHMMSS. */
int snapshot_create(const char *name, const char *snap, char **ret_snap,
		    struct copytree_stats *ret_stats, struct box_err **err);
/* Oldest first. */
int snapshot_list(const char *name, struct snapshot_info **ret, size_t *ret_n,
		  struct box_err **err);
void snapshot_info_list_free(struct snapshot_info *list, size_t n);
int snapshot_remove(const char *name, const char *snap, struct box_err **err);
/* Replace the writable layer of a stopped sandbox by a copy of snap; what it had is
 * kept as the snapshot *ret_safety ("before-restore-YYYYMMDD-HHMMSS"). */
int snapshot_restore(const char *name, const char *snap, char **ret_safety, struct box_err **err);

/* A new sandbox dst with a copy of src's writable layer (and isolated home) and settings. */
int sandbox_clone(const char *src, const char *dst, struct box_err **err);

#endif
