/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The uncompressed tar of a stored layer, for box save and box push. A layer box
 * keeps as a blob (what commit writes: an uncompressed tar whose digest is its
 * diff_id) is read as it is. A pulled, loaded, imported or bootstrapped layer is
 * kept only extracted, so its tar is written again from layers/<diff_id>/ (as root
 * of the user namespace, so owners are the image's own): the same tree gives the
 * same bytes each time (entries in name order, no atime/ctime), but not the bytes
 * of the original blob, so such a layer gets a new diff_id and the image that
 * carries it a new config.
 */
#ifndef BOX_LAYER_SOURCE_H
#define BOX_LAYER_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/err.h"
#include "layer.h"

struct box_ids;

struct layer_source {
	int fd; /* the tar, at offset 0; a re-created one is an unlinked temporary file */
	char diff_id[LAYER_DIGEST_LEN];
	uint64_t size;
	bool recreated;
};

/* digest is the layer's descriptor in the stored manifest (NULL: none), diff_id its
 * entry in the config. ids: the user namespace to re-create in (ids_load). */
int layer_source_open(const char *store, const struct box_ids *ids, const char *digest,
		      const char *diff_id, struct layer_source *ret, struct box_err **err);
void layer_source_done(struct layer_source *s);

/* The image config text with rootfs.diff_ids replaced by diff_ids (n of them). */
char *layer_config_with_diff_ids(const char *config, char *const *diff_ids, size_t n,
				 struct box_err **err);

#endif
