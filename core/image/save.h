/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box save: a stored image as one tar file that podman load, docker load and skopeo
 * read. oci-archive is an OCI image layout (oci-layout, index.json naming the image
 * by its reference, blobs/sha256/...); docker-archive is what docker save writes
 * (manifest.json with RepoTags, the config as <hex>.json, each layer as
 * <hex>/layer.tar). Layers go in uncompressed, as the stored tar (see layer_source.h:
 * a layer kept only extracted is written again, so its digest and the image's
 * config digest change). The archive is written under a temporary name in the
 * target's directory and renamed at the end; a failure removes it.
 */
#ifndef BOX_SAVE_H
#define BOX_SAVE_H

#include <stdint.h>

#include "../util/err.h"
#include "layer.h"

struct image_settings;

enum save_format { SAVE_OCI_ARCHIVE = 0, SAVE_DOCKER_ARCHIVE };

struct save_result {
	char *ref;			      /* the image's canonical reference */
	char digest[LAYER_DIGEST_LEN];	      /* manifest digest as saved (oci-archive) */
	char config_digest[LAYER_DIGEST_LEN]; /* the image ID (docker-archive) */
	unsigned layers, recreated;
	uint64_t bytes; /* of the archive */
};

/* "oci-archive" or "docker-archive"; -EINVAL otherwise. */
int save_format_parse(const char *s, enum save_format *ret);

int image_save(const struct image_settings *is, const char *image, const char *path,
	       enum save_format format, struct save_result *ret, struct box_err **err);
void save_result_done(struct save_result *r);

#endif
