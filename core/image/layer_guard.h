/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a layer may cost before it is trusted: which decompressor runs on its
 * unverified bytes (only the one its media type names, in process, never an
 * external program: a pull decodes gzip with igzip (gunzip.h) and zstd with
 * libarchive, and loading an archive uses libarchive for both), how much it may
 * unpack to, and publishing it so that a power loss never leaves a published
 * layer with missing contents.
 */
#ifndef BOX_LAYER_GUARD_H
#define BOX_LAYER_GUARD_H

#include <stdint.h>

#include "../util/err.h"
#include "layer.h"

struct archive;

/* Space the store keeps free: a layer may unpack to the free space less this. */
#define LAYER_FREE_MARGIN (512ULL << 20)

/* Enable exactly the decompressor comp names on a reader (none for LAYER_COMP_NONE;
 * gzip and zstd for LAYER_COMP_DETECT). Fails when libarchive would run a program. */
int layer_decomp_setup(struct archive *a, enum layer_comp comp, struct box_err **err);
/* After archive_read_open: the data is compressed as comp says. */
int layer_decomp_check(struct archive *a, enum layer_comp comp, struct box_err **err);

/*
 * The most one layer unpacked into the store at dir may take: configured (0: the
 * default LAYER_MAX_SIZE), never more than the free space less LAYER_FREE_MARGIN.
 * *ret_why (static) names the bound that applies, for the error message.
 */
uint64_t layer_cap(uint64_t configured, const char *dir, const char **ret_why);
/* The error for a layer that unpacks to more than cap. */
int layer_cap_error(size_t index, uint64_t cap, const char *why, struct box_err **err);

/* Make the extracted tree tmp durable, then rename it to dest and make the rename
 * durable: a crash leaves either no dest or a complete one. */
int layer_publish(const char *tmp, const char *dest, struct box_err **err);

#endif
