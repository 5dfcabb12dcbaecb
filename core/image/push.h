/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box push: a stored image to a registry, with the registry client of pull (its
 * auth, credential files, mirrors and insecure rules). Each blob is checked with
 * HEAD first and skipped when the registry has it; a blob box does not keep (the
 * layers of a pulled image are kept extracted, not as blobs) is mounted from a
 * repository of the same registry that an image in the store came from; the rest
 * is uploaded (POST, then one PUT), then the manifest is PUT under the tag.
 *
 * A layer box made itself (commit, import) is kept as an uncompressed tar; push
 * sends it gzip-compressed (or zstd, or as it is), so the pushed manifest names the
 * compressed blob while the config's diff_ids stay those of the tars. It is sent
 * while it is compressed (POST, one chunked PATCH, then PUT ?digest= once the digest
 * is known), never written to disk. What each layer became is cached in the store
 * (layer_compress.h): a second push of the same image compresses nothing and, the
 * registry having every blob, uploads none (a layer whose entry is lost is sent
 * again: box learns its digest only as it sends it). A
 * layer the registry lacks that box keeps only extracted (a pulled, bootstrapped or
 * loaded base whose blob was never kept or was pruned), and that cannot be mounted,
 * is written again from its files (layer_source.h): it gets a new diff_id, so the
 * pushed config and manifest are new ones.
 */
#ifndef BOX_PUSH_H
#define BOX_PUSH_H

#include <stdint.h>

#include "../util/err.h"
#include "layer.h"
#include "oci.h"

struct image_settings;

enum push_event { PUSH_EXISTS, PUSH_MOUNTED, PUSH_COMPRESSED, PUSH_UPLOADING, PUSH_UPLOADED };

struct push_hooks {
	void (*blob)(enum push_event ev, const char *digest, uint64_t size, void *arg);
	void (*bytes)(uint64_t done, uint64_t total, void *arg);
	void *arg;
};

struct push_result {
	char *dest;		       /* canonical destination reference */
	char digest[LAYER_DIGEST_LEN]; /* of the manifest pushed */
	unsigned uploaded, skipped, mounted;
	unsigned compressed; /* layers compressed on the way */
	unsigned recreated;  /* layers written again from their extracted files */
	uint64_t bytes;	     /* of the blobs uploaded */
};

struct push_opts {
	enum oci_compression compression; /* for the layers box keeps uncompressed */
	int level;			  /* < 0: LAYER_GZIP_LEVEL for gzip, zstd's own */
};

int image_push(const struct image_settings *is, const char *image, const char *dest,
	       const struct push_opts *o, const struct push_hooks *h, struct push_result *ret,
	       struct box_err **err);
void push_result_done(struct push_result *r);

/* Pure: the message of a registry's error document ({"errors":[{"code","message"}]}),
 * "CODE: message"; else the first line of a plain-text body; NULL when empty. */
char *push_error_text(const char *body);

#endif
