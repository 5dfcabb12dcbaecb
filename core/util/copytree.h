/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Copying a directory tree as it is: owners, modes (setuid too), times, extended
 * attributes (overlay whiteout and opaque markers among them), symlinks, hard
 * links inside the tree, FIFOs and the 0/0 character devices overlay uses as
 * whiteouts. File data is shared with the source where the file system can
 * (FICLONE reflinks), else copied in the kernel (copy_file_range), else read and
 * written. Owners are set with fchownat, so a caller copying files of subordinate
 * ids runs as root of the user namespace that maps them (spawn_userns).
 */
#ifndef BOX_COPYTREE_H
#define BOX_COPYTREE_H

#include <stdint.h>

#include "err.h"

struct copytree_stats {
	uint64_t files;	    /* regular files copied (hard links counted once) */
	uint64_t bytes;	    /* their bytes */
	uint64_t reflinked; /* files whose data is shared with the source */
};

/* Copy the tree at src to dst, which must not exist. On failure dst may hold a partial
 * tree: the caller copies into a temporary name and removes it. */
int copytree(const char *src, const char *dst, struct copytree_stats *ret, struct box_err **err);

#endif
