/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user inside a sandbox: adding the caller's name, uid, gid, home and shell to
 * the image's /etc/passwd, /etc/group and /etc/shadow (locked password), and a
 * NOPASSWD sudoers entry where sudo exists. The database edits are pure buffer
 * functions (unit-tested and fuzzed); users_setup() applies them under a root dir.
 */
#ifndef BOX_USERS_H
#define BOX_USERS_H

#include <stddef.h>
#include <sys/types.h>

#include "../util/err.h"

#define USERS_DB_MAX (4 * 1024 * 1024)

/*
 * Make `line` (without newline) the entry for `name` (field 0) and `id` (field 2, or
 * id < 0 for name-only databases like shadow) in a colon-separated database: when an
 * entry with both the same name and id exists nothing changes (returns 0); otherwise
 * entries with the same name or id are dropped and line is appended (returns 1,
 * *ret is the new text). -EINVAL for oversized input.
 */
int users_db_update(const char *buf, size_t len, const char *name, long id, const char *line,
		    char **ret);

struct users_entry {
	const char *name;
	uid_t uid;
	const char *group;
	gid_t gid;
	const char *home;
	const char *shell; /* host shell; replaced by bash/sh when the image lacks it */
};

/* Apply the entry to root/etc/{passwd,group,shadow} and root/etc/sudoers.d. Must run
 * as root of the sandbox's user namespace so new files get the right owner. */
int users_setup(const char *root, const struct users_entry *u, struct box_err **err);

#endif
