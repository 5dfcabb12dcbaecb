/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI index / manifest / config parsers: platform selection, media types, limits. */
#include <stdlib.h>
#include <string.h>

#include "../../core/image/oci.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char index_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_INDEX "\",\"manifests\":["
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D1 "\",\"size\":10,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D2 "\",\"size\":11,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
    "{\"mediaType\":\"" OCI_MT_MANIFEST "\",\"digest\":\"" D3 "\",\"size\":12,"
    "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}}]}";

static void test_index(void)
{
	struct oci_index *idx = NULL;
	const struct oci_descriptor *d = NULL;
	struct box_err *err = NULL;

	is_int(oci_doc_kind(NULL, index_json, strlen(index_json), NULL), OCI_DOC_INDEX,
	       "index detected from body");
	is_int(oci_doc_kind(DOCKER_MT_LIST "; charset=utf-8", "", 0, NULL), OCI_DOC_INDEX,
	       "manifest list detected from content type with parameters");
	is_int(oci_index_parse_buffer(index_json, strlen(index_json), &idx, NULL), 0,
	       "index parses");
	is_int(idx->n, 3, "three entries");
	is_int(oci_index_select(idx, "linux", "amd64", NULL, &d, NULL), 0, "amd64 found");
	is_str(d->digest, D2, "amd64 picks its own entry, not the first");
	is_int(oci_index_select(idx, "linux", "arm64", "v8", &d, NULL), 0, "arm64/v8 found");
	is_str(d->digest, D1, "arm64 entry");
	is_int(oci_index_select(idx, "linux", "arm", "v7", &d, NULL), 0, "arm v7 falls back");
	is_str(d->digest, D3, "arm v6 entry accepted on v7");
	is_int(oci_index_select(idx, "linux", "s390x", NULL, &d, &err), -ENOENT,
	       "missing platform is ENOENT");
	ok(err && strstr(err->msg, "linux/amd64"), "error lists what the index has: %s",
	   err ? err->msg : "");
	box_err_free(err);
	oci_index_free(idx);
}

static const char manifest_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_MANIFEST "\","
    "\"config\":{\"mediaType\":\"" DOCKER_MT_CONFIG "\",\"digest\":\"" D1 "\",\"size\":100},"
    "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
    "\"digest\":\"" D2 "\",\"size\":5000000000},"
    "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D3
    "\",\"size\":7}]}";

static void test_manifest(void)
{
	struct oci_manifest *m = NULL;
	struct box_err *err = NULL;

	is_int(oci_doc_kind(NULL, manifest_json, strlen(manifest_json), NULL), OCI_DOC_MANIFEST,
	       "manifest detected");
	is_int(oci_manifest_parse_buffer(manifest_json, strlen(manifest_json), &m, NULL), 0,
	       "manifest parses");
	is_str(m->config.digest, D1, "config digest");
	is_int(m->n_layers, 2, "two layers");
	is_int(m->layers[0].size, 5000000000LL, "64-bit size");
	is_int(m->layers[0].compression, OCI_COMP_GZIP, "docker layer is gzip");
	is_int(m->layers[1].compression, OCI_COMP_ZSTD, "oci zstd layer");
	oci_manifest_free(m);

	_cleanup_free_ char *bad = xstrdup(manifest_json);
	char *p = strstr(bad, "tar+zstd");
	memcpy(p, "tar+lzma", 8);
	is_int(oci_manifest_parse_buffer(bad, strlen(bad), &m, &err), -EPROTO,
	       "unknown media type refused");
	ok(err && strstr(err->msg, "unsupported media type"), "message: %s", err ? err->msg : "");
	box_err_free(err);
	err = NULL;

	const char *baddigest = "{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../etc\","
				"\"size\":1},\"layers\":[]}";
	is_int(oci_manifest_parse_buffer(baddigest, strlen(baddigest), &m, &err), -EPROTO,
	       "path-like digest refused");
	box_err_free(err);
	err = NULL;

	is_int(oci_manifest_parse_buffer(manifest_json, strlen(manifest_json) - 3, &m, &err),
	       -EPROTO, "truncated manifest refused");
	box_err_free(err);
	err = NULL;

	/* 129 layers is over the limit */
	char *big = xstrdup("{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1},"
			    "\"layers\":[");
	for (int i = 0; i < 129; i++) {
		char *n = xasprintf("%s%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
				    "\"digest\":\"" D2 "\",\"size\":1}",
				    big, i ? "," : "");
		free(big);
		big = n;
	}
	char *n = xasprintf("%s]}", big);
	free(big);
	is_int(oci_manifest_parse_buffer(n, strlen(n), &m, &err), -E2BIG, "129 layers refused");
	box_err_free(err);
	free(n);
}

static void test_config(void)
{
	const char *cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
			  "\"Env\":[\"PATH=/usr/bin\",\"LANG=C\"],\"Cmd\":[\"bash\"],"
			  "\"WorkingDir\":\"/root\",\"User\":\"\"},\"rootfs\":{\"type\":\"layers\","
			  "\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
	struct oci_image_config *c = NULL;
	struct box_err *err = NULL;

	is_int(oci_config_parse_buffer(cfg, strlen(cfg), &c, NULL), 0, "config parses");
	is_int(c->n_diff_ids, 2, "two diff_ids");
	is_str(c->diff_ids[1], D2, "diff_id order kept");
	is_str(c->env[1], "LANG=C", "env");
	is_str(c->cmd[0], "bash", "cmd");
	is_str(c->workdir, "/root", "workdir");
	is_str(c->arch, "amd64", "architecture");
	oci_config_free(c);

	const char *nocfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	is_int(oci_config_parse_buffer(nocfg, strlen(nocfg), &c, NULL), 0, "minimal config");
	ok(c->env && !c->env[0] && !c->cmd, "empty env, no cmd");
	oci_config_free(c);

	const char *bad = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"md5:abc\"]}}";
	is_int(oci_config_parse_buffer(bad, strlen(bad), &c, &err), -EPROTO, "bad diff_id refused");
	box_err_free(err);
	err = NULL;
	const char *trail = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}} x";
	is_int(oci_config_parse_buffer(trail, strlen(trail), &c, &err), -EPROTO,
	       "trailing garbage refused");
	box_err_free(err);
}

int main(void)
{
	ok(oci_digest_valid(D1), "valid digest");
	ok(!oci_digest_valid("sha256:ABC"), "short/uppercase digest refused");
	ok(!oci_digest_valid(D1 "0"), "long digest refused");
	is_str(oci_host_arch(), "amd64", "host arch on this build");
	test_index();
	test_manifest();
	test_config();
	return tap_done();
}
