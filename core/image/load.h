/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box load: an image archive (oci-archive or docker-archive, as box save, podman
 * save, docker save and skopeo write; the archive itself plain, gzip or zstd, its
 * layers compressed or not) into the store. Two passes over the file: the small
 * documents first (load_index.h checks them), then the layers, each extracted as
 * pull extracts (root of the user namespace, the media type's decompressor only,
 * the layer size cap) into layers/.tmp-*, checked against its digests. Layers the
 * store has are not extracted again. Only when every layer is in hand are they
 * renamed into place and the configs, manifests and image records written, so a
 * truncated or corrupt archive leaves the store as it was.
 */
#ifndef BOX_LOAD_H
#define BOX_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/err.h"
#include "layer.h"

struct image_settings;

struct load_result_image {
	char *ref; /* canonical reference it is stored under */
	char digest[LAYER_DIGEST_LEN];
	bool named; /* false: the archive names none and no tag was given */
};

struct load_result {
	struct load_result_image *images;
	size_t n;
	unsigned layers, extracted; /* distinct layers; of them extracted (not stored before) */
};

/* tag (NULL: the names in the archive) names the image; an archive with more than
 * one image refuses a tag. */
int image_load(const struct image_settings *is, const char *path, const char *tag,
	       struct load_result *ret, struct box_err **err);
void load_result_done(struct load_result *r);

#endif
