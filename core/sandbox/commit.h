/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box commit: a sandbox as a new image in the store. The image's own layers are
 * referenced (same digests and diff_ids, never copied); a project's setup layer and
 * the writable layer are written as standard OCI layers (core/image/layer_write.h),
 * in the sandbox's user namespace so that owners are the image's ids, kept as blobs
 * (for push and save) and extracted into the layer store (so box can run the image
 * at once). Without keep_user, what box itself put inside is left out: the user's
 * home, the passwd/group/shadow lines and the sudoers drop-in for the user,
 * /run/host, the desktop and mount points. The config is the base's with the
 * changes applied and the new layers in rootfs and history.
 */
#ifndef BOX_COMMIT_H
#define BOX_COMMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "../image/layer.h"
#include "../util/err.h"

struct image_settings;

struct commit_opts {
	const char *name;     /* the sandbox */
	const char *image;    /* IMAGE[:TAG], resolved like pull's references */
	const char *message;  /* history comment, or NULL */
	char *const *changes; /* "ENV K=V", "CMD [...]" or "CMD words", "WORKDIR /x", "USER u" */
	bool keep_user;
};

struct commit_result {
	char *ref; /* canonical reference */
	char digest[LAYER_DIGEST_LEN];
	unsigned new_layers;
	uint64_t new_bytes; /* bytes of the new layers' tars */
};

/* Pure: apply changes to a config JSON text (the image config's "config" object);
 * returns the new text or NULL with err set. */
char *commit_apply_changes(const char *config_json, char *const *changes, struct box_err **err);

int sandbox_commit(const struct image_settings *is, const struct commit_opts *o,
		   struct commit_result *ret, struct box_err **err);
void commit_result_done(struct commit_result *r);

#endif
