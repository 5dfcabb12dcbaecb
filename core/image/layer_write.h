/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a directory as a standard OCI layer (an uncompressed tar, what commit
 * stores and push sends): the overlay forms of deletions become OCI whiteouts (a
 * 0/0 character device -> ".wh.NAME"; a directory marked opaque by the xattr
 * user.overlay.opaque, trusted.overlay.opaque or user.fuseoverlayfs.opaque ->
 * "DIR/.wh..wh..opq"), overlay's own xattrs are left out, hard links inside the tree
 * stay links, sockets are skipped. Owners are written as stat() sees them, so the
 * caller runs in the sandbox's user namespace (spawn_userns) to write the image's
 * own ids. The sha256 of the tar (its diff_id, also its digest) is computed as it
 * is written.
 */
#ifndef BOX_LAYER_WRITE_H
#define BOX_LAYER_WRITE_H

#include <stdint.h>

#include "../util/err.h"
#include "layer.h"

struct layer_write_opts {
	char *const *exclude; /* paths relative to the root ("run/host"), with all below them */
	char *const *exclude_empty; /* the same, only when it is an empty regular file */
	/* Lines of etc/passwd and etc/shadow whose name is drop_user, and of etc/group and
	 * etc/gshadow whose name is drop_group, are left out (NULL: kept). */
	const char *drop_user;
	const char *drop_group;
};

struct layer_write_result {
	char diff_id[LAYER_DIGEST_LEN];
	uint64_t size; /* bytes of the tar */
	uint64_t entries;
	uint64_t whiteouts;
};

int layer_write_dir(int rootfd, int out_fd, const struct layer_write_opts *o,
		    struct layer_write_result *ret, struct box_err **err);

/* Pure: text of a passwd-style file without the lines whose first field is name. */
char *layer_drop_entry(const char *text, size_t len, const char *name, size_t *ret_len);

#endif
