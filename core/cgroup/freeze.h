/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Freezing a sandbox's cgroup (cgroup v2 cgroup.freeze) while its writable layer is
 * read from outside (commit, snapshot, clone of a running sandbox), so that what is
 * read is one moment of it. sandbox_quiesce() (core/sandbox/snapshot.h) uses it.
 */
#ifndef BOX_FREEZE_H
#define BOX_FREEZE_H

#include <stdbool.h>

#include "../util/err.h"

/* Freeze (or thaw) the cgroup at dir and wait until cgroup.events says so (at most
 * about two seconds). -ENOENT where the cgroup has no cgroup.freeze. */
int cg_freeze(const char *dir, bool frozen, struct box_err **err);

#endif
