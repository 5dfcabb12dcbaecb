/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compressed form of a layer, for box push, and the store's memory of it. box
 * keeps a layer it made as an uncompressed tar (its digest is its diff_id); push
 * sends it gzip- or zstd-compressed, or as it is. Compressing is deterministic (no
 * time or name in the gzip header, blocks cut at fixed offsets), so the same tar at
 * the same level gives the same blob.
 *
 * What a layer became is cached in the store, one file per layer and compression,
 * compressed/<gzip|zstd|none>/<hex of the diff_id in the config>: the level, the
 * diff_id of the tar that was sent (another one when the layer was written again
 * from its extracted files), the blob's digest and size, and a checksum of the
 * line. An entry is written under a temporary name and renamed; one that does not
 * parse, whose checksum, key or level does not match, or of another format version
 * (the number after "box-layer-cache": a version's blocks may be compressed another
 * way) counts as absent, and is computed again and written over. The blob itself is
 * not kept: an entry says what the layer is on a registry that has it, and
 * compressing the same tar again at that level gives the same blob.
 */
#ifndef BOX_LAYER_COMPRESS_H
#define BOX_LAYER_COMPRESS_H

#include <stdint.h>

#include "../util/err.h"
#include "layer.h"
#include "oci.h"

struct layer_blob {
	char diff_id[LAYER_DIGEST_LEN]; /* the uncompressed tar's */
	char digest[LAYER_DIGEST_LEN];	/* the blob's: the diff_id when not compressed */
	uint64_t size;			/* bytes of the blob */
};

/* "gzip", "zstd" or "none" (also "uncompressed"): -EINVAL for anything else. */
int layer_compression_parse(const char *s, enum oci_compression *ret);
const char *layer_compression_name(enum oci_compression c);
/* The OCI layer media type for a blob compressed so. */
const char *layer_compression_media_type(enum oci_compression c);

#define LAYER_GZIP_LEVEL 1 /* fast; 6 or 9 are 3 to 10 times slower for 10% less */

/* The tar read from in_fd (from its current offset to the end), compressed with c
 * (not OCI_COMP_NONE) at level (gzip: 0 to 9; zstd: 1 to 22, 0 for its default) into
 * out_fd; ret gets the digest and size of what was written (its diff_id is left
 * alone). */
int layer_compress(int in_fd, int out_fd, enum oci_compression c, int level, struct layer_blob *ret,
		   struct box_err **err);

/* The cached blob for the layer whose config diff_id is key, compressed with c at
 * level: 0, or -ENOENT when there is none, it is damaged or of another level. */
int layer_cache_get(const char *store, const char *key, enum oci_compression c, int level,
		    struct layer_blob *ret);
int layer_cache_put(const char *store, const char *key, enum oci_compression c, int level,
		    const struct layer_blob *b, struct box_err **err);

/* box prune (and rmi): remove the entries of layers the store has no more (neither
 * layers/<hex> nor blobs/sha256/<hex>), and the where/ records of push.c that no
 * entry left names; the bytes of the files removed. */
uint64_t layer_cache_prune(const char *store);

/* Pure (unit tested): an entry's text and its parser. */
char *layer_cache_format(const char *key, int level, const struct layer_blob *b);
int layer_cache_parse(const char *text, size_t len, const char *key, int level,
		      struct layer_blob *ret);

#endif
