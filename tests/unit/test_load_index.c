/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading an image archive's documents (core/image/load_index.c): an OCI layout and a
 * docker-archive give the layers' entries and digests and the images' names; a
 * document that does not match its digest, a missing one, or neither layout is refused.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "../../core/image/load_index.h"
#include "../../core/util/macro.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

#define DIFF "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define BLOB_HEX "2222222222222222222222222222222222222222222222222222222222222222"
#define BLOB	 "sha256:" BLOB_HEX

static struct load_doc docs[8];
static size_t n_docs;

static void digest_of(const char *text, char out[LAYER_DIGEST_LEN])
{
	unsigned char d[32];

	EVP_Digest(text, strlen(text), d, NULL, EVP_sha256(), NULL);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", d[i]);
}

static void add(const char *name, const char *text)
{
	docs[n_docs++] = (struct load_doc){ .name = xstrdup(name), .data = xstrdup(text),
					    .len = strlen(text) };
}

/* Add text as blobs/sha256/<its digest>; *ret gets the digest. */
static void add_blob(const char *text, char ret[LAYER_DIGEST_LEN])
{
	digest_of(text, ret);
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", ret + 7);
	add(name, text);
}

static void clear(void)
{
	for (size_t i = 0; i < n_docs; i++) {
		free(docs[i].name);
		free(docs[i].data);
	}
	n_docs = 0;
}

static const char config[] = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			     "\"layers\",\"diff_ids\":[\"" DIFF "\"]}}";

static void oci(const char *annotations)
{
	char cd[LAYER_DIGEST_LEN], md[LAYER_DIGEST_LEN];
	add_blob(config, cd);
	_cleanup_free_ char *manifest = xasprintf(
	    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
	    "\"%s\",\"size\":%zu},\"layers\":[{\"mediaType\":\"application/"
	    "vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" BLOB "\",\"size\":10}]}",
	    cd, strlen(config));
	add_blob(manifest, md);
	_cleanup_free_ char *index = xasprintf(
	    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/"
	    "vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu%s}]}",
	    md, strlen(manifest), annotations);
	add("index.json", index);
	add("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
}

static void test_oci(void)
{
	struct load_image *im = NULL;
	struct box_err *err = NULL;
	size_t n = 0;

	oci(",\"annotations\":{\"org.opencontainers.image.ref.name\":\"localhost/a/b:1\"}");
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), 0, "an OCI layout is read");
	is_int(n, 1, "... one image");
	is_str(im[0].names[0], "localhost/a/b:1", "... named by ref.name when it is a reference");
	is_int(im[0].n_layers, 1, "... one layer");
	is_str(im[0].layers[0].path, "blobs/sha256/" BLOB_HEX, "... in the blob named by its digest");
	is_str(im[0].layers[0].digest, BLOB, "... which it must match");
	is_str(im[0].layers[0].diff_id, DIFF, "... unpacking to the config's diff_id");
	is_int(im[0].layers[0].comp, LAYER_COMP_ZSTD, "... with the media type's decompressor");
	ok(im[0].manifest != NULL, "the manifest is kept as the archive has it");
	load_images_free(im, n);
	clear();

	oci(",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}");
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), 0, "a bare ref.name");
	ok(im[0].names[0] == NULL, "... is a tag only, not a name");
	load_images_free(im, n);
	free(docs[0].data);
	docs[0].data = xstrdup(config);
	docs[0].data[3] = 'A';
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), -EBADMSG,
	       "a config that does not match its digest is refused");
	ok(err && strstr(err->msg, "does not match its digest"), "... saying so: %s",
	   err ? err->msg : "");
	box_err_free(err);
	err = NULL;
	clear();
}

static void test_docker(void)
{
	struct load_image *im = NULL;
	struct box_err *err = NULL;
	char cd[LAYER_DIGEST_LEN];
	size_t n = 0;

	digest_of(config, cd);
	_cleanup_free_ char *cname = xasprintf("%s.json", cd + 7);
	add(cname, config);
	_cleanup_free_ char *mf = xasprintf("[{\"Config\":\"%s\",\"RepoTags\":[\"a/b:1\",\"c:2\"],"
					    "\"Layers\":[\"./abc/layer.tar\"]}]",
					    cname);
	add("manifest.json", mf);
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), 0, "a docker-archive is read");
	is_str(im[0].names[0], "a/b:1", "... named by its RepoTags");
	is_str(im[0].names[1], "c:2", "... all of them");
	is_str(im[0].layers[0].path, "abc/layer.tar", "... the layer's entry, cleaned");
	ok(im[0].layers[0].digest == NULL, "... with no blob digest to check");
	is_int(im[0].layers[0].comp, LAYER_COMP_DETECT, "... and its compression detected");
	ok(im[0].manifest == NULL, "... and no manifest (box makes one)");
	load_images_free(im, n);
	docs[0].data[3] = 'A';
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), -EBADMSG,
	       "a config named by a digest it does not match is refused");
	box_err_free(err);
	err = NULL;
	clear();
	add("manifest.json", "[{\"Config\":\"x.json\",\"Layers\":[]}]");
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), -ENOENT,
	       "a missing config is refused");
	box_err_free(err);
	err = NULL;
	clear();
	add("other.json", "{}");
	is_int(load_index_parse(docs, n_docs, &im, &n, &err), -EPROTO,
	       "neither layout is refused");
	ok(err && strstr(err->msg, "not an image archive"), "... saying so");
	box_err_free(err);
	clear();
}

int main(void)
{
	test_oci();
	test_docker();
	return tap_done();
}
