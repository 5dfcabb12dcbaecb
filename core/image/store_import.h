/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Storing a root filesystem tarball as a one-layer image (box import, box
 * bootstrap): the layer is extracted as root of the user namespace into
 * layers/.tmp-*, renamed to layers/<diff_id hex> (or dropped when that layer is
 * already stored), and an OCI config, a manifest and an image record are written
 * beside the pulled images, so everything that reads the store sees no difference.
 */
#ifndef BOX_STORE_IMPORT_H
#define BOX_STORE_IMPORT_H

#include <stdbool.h>

#include "../util/err.h"
#include "layer.h"

struct image_settings;

struct store_import_result {
	char *ref; /* canonical reference the image is stored under */
	char diff_id[LAYER_DIGEST_LEN];
	char digest[LAYER_DIGEST_LEN]; /* manifest digest */
	struct layer_stats stats;
	uint64_t disk_bytes; /* the layer directory on disk */
	bool layer_existed;  /* the same layer was already stored */
};

/*
 * Read a tarball (any compression) from fd to its end and store it as image `name`
 * (aliases and normalisation as for pull: "mydebian" is docker.io/library/mydebian:latest).
 * created_by goes into the config's history. Holds the store lock throughout.
 */
int store_import_tar(const struct image_settings *is, int fd, const char *name,
		     const char *created_by, struct store_import_result *ret, struct box_err **err);
void store_import_result_done(struct store_import_result *r);

#endif
