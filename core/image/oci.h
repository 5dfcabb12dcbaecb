/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI and Docker schema-2 JSON documents: image indexes / manifest lists, image
 * manifests and image configs. Every parser takes a buffer (no I/O), enforces size
 * and count limits, and refuses anything it does not understand with a message
 * that says what was wrong, because all of this comes from the network.
 */
#ifndef BOX_OCI_H
#define BOX_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

#define OCI_MANIFEST_MAX (4u << 20) /* bytes of a manifest or index */
#define OCI_CONFIG_MAX	 (8u << 20) /* bytes of an image config */
#define OCI_LAYERS_MAX	 128
#define OCI_INDEX_MAX	 256  /* entries of an index */
#define OCI_ENV_MAX	 4096 /* Env / Cmd entries */

#define OCI_MT_INDEX	   "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST	   "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_CONFIG	   "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYER_TAR   "application/vnd.oci.image.layer.v1.tar"
#define OCI_MT_LAYER_GZIP  "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MT_LAYER_ZSTD  "application/vnd.oci.image.layer.v1.tar+zstd"
#define DOCKER_MT_LIST	   "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_CONFIG   "application/vnd.docker.container.image.v1+json"

/* Accept header for manifest requests: every kind this parser understands. */
#define OCI_MANIFEST_ACCEPT                                                                        \
	OCI_MT_MANIFEST ", " OCI_MT_INDEX ", " DOCKER_MT_MANIFEST ", " DOCKER_MT_LIST

enum oci_compression { OCI_COMP_NONE = 0, OCI_COMP_GZIP, OCI_COMP_ZSTD };
enum oci_doc_kind { OCI_DOC_MANIFEST = 0, OCI_DOC_INDEX };

struct oci_descriptor {
	char *media_type;
	char *digest; /* "sha256:<64 hex>", validated */
	uint64_t size;
	enum oci_compression compression; /* layers only */
	/* platform (index entries only; NULL when absent) */
	char *os;
	char *arch;
	char *variant;
};

struct oci_index {
	struct oci_descriptor *manifests;
	size_t n;
};

struct oci_manifest {
	struct oci_descriptor config;
	struct oci_descriptor *layers;
	size_t n_layers;
};

struct oci_image_config {
	char **diff_ids; /* NULL-terminated, validated digests */
	size_t n_diff_ids;
	char **env; /* NULL-terminated (may be empty) */
	char **cmd; /* NULL when absent */
	char **entrypoint;
	char *workdir;
	char *user;
	char *os;
	char *arch;
};

/* "sha256:<hex>" of buf, into out (72 bytes: LAYER_DIGEST_LEN). */
void oci_sha256(const void *buf, size_t len, char *out);

/* "sha256:" followed by exactly 64 lowercase hex digits. */
bool oci_digest_valid(const char *digest);

/* Index or manifest? From the Content-Type when it names one, else from the body's
 * mediaType / "manifests" key. -EPROTO for anything else. */
int oci_doc_kind(const char *content_type, const char *buf, size_t len, struct box_err **err);

int oci_index_parse_buffer(const char *buf, size_t len, struct oci_index **ret,
			   struct box_err **err);
struct oci_index *oci_index_free(struct oci_index *idx);
/* The entry for os/arch (variant when non-NULL: exact, else the first with a matching arch;
 * arm64 accepts an entry without variant or with "v8"). -ENOENT with the list of
 * platforms the index has. */
int oci_index_select(const struct oci_index *idx, const char *os, const char *arch,
		     const char *variant, const struct oci_descriptor **ret, struct box_err **err);

int oci_manifest_parse_buffer(const char *buf, size_t len, struct oci_manifest **ret,
			      struct box_err **err);
struct oci_manifest *oci_manifest_free(struct oci_manifest *m);

int oci_config_parse_buffer(const char *buf, size_t len, struct oci_image_config **ret,
			    struct box_err **err);
struct oci_image_config *oci_config_free(struct oci_image_config *c);

/* The host's platform in OCI terms ("amd64", "arm64", "arm" + variant "v7", ...). */
/* Writers for the documents box makes itself (import, commit). */
struct json_object;
/* {"mediaType","digest","size"} */
struct json_object *oci_descriptor_json(const char *media_type, const char *digest, uint64_t size);
/* An OCI image manifest with the config descriptor and layers (a JSON array, taken). */
char *oci_manifest_format(const char *config_digest, size_t config_len, struct json_object *layers);

const char *oci_host_arch(void);
const char *oci_host_variant(void); /* NULL when the architecture has none */

#endif
