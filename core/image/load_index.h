/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an image archive holds, from its small documents (box load): an OCI layout
 * (oci-layout + index.json, blobs named by digest) or a docker-archive
 * (manifest.json naming each image's config file, tags and layer files). Pure: it
 * takes the documents as buffers, checks every digest the archive states (index ->
 * manifest -> config), and says which archive entry holds each layer and what its
 * digests must be; the layers themselves are checked as they are extracted.
 */
#ifndef BOX_LOAD_INDEX_H
#define BOX_LOAD_INDEX_H

#include <stddef.h>

#include "../util/err.h"
#include "layer.h"

#define LOAD_IMAGES_MAX 64

/* One small file of the archive (name as cleaned: no leading "./"). */
struct load_doc {
	char *name;
	char *data;
	size_t len;
};

struct load_layer {
	char *path;   /* the archive entry */
	char *digest; /* of the entry's bytes; NULL when the archive does not say (docker) */
	char *diff_id;
	enum layer_comp comp;
};

struct load_image {
	char **names;	/* references the archive gives it, NULL-terminated, may be empty */
	char *manifest; /* OCI: as in the archive; docker-archive: NULL (made after the load) */
	size_t manifest_len;
	char *config;
	size_t config_len;
	char config_digest[LAYER_DIGEST_LEN];
	struct load_layer *layers;
	size_t n_layers;
};

int load_index_parse(const struct load_doc *docs, size_t n_docs, struct load_image **ret,
		     size_t *ret_n, struct box_err **err);
void load_images_free(struct load_image *imgs, size_t n);

#endif
