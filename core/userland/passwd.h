/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/passwd and /etc/group of an image, read as text: glibc's getpwuid() would
 * consult the host's NSS modules, and the image's files are what matter inside.
 * Pure buffer parsers (fuzzed) plus lookups of the calling process's root.
 */
#ifndef BOX_PASSWD_H
#define BOX_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PASSWD_MAX_SIZE	  (8u << 20) /* larger files are not read */
#define PASSWD_MAX_GROUPS 64

struct passwd_entry {
	char *name;
	uid_t uid;
	gid_t gid;
	char *home;
	char *shell;
};

/* Find the entry for uid (or, when name is non-NULL, for that name); 1 found, 0 not. */
int passwd_find_buffer(const char *buf, size_t len, const char *name, uid_t uid,
		       struct passwd_entry *ret);
void passwd_entry_done(struct passwd_entry *e);
/*
 * Supplementary groups of user from group-file text: every group whose member list
 * names user. Returns how many gids were stored in ret (at most max).
 */
int group_members_buffer(const char *buf, size_t len, const char *user, gid_t *ret, size_t max);

#endif
