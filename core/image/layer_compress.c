/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A layer's compressed form and the store's cache of it (see layer_compress.h).
 * libarchive's raw format with a gzip or zstd filter does the compressing, so box
 * links nothing new.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_compress.h"

#define READ_BUF    (1u << 20)
#define ENTRY_MAX   1024
#define ENTRY_MAGIC "box-layer-cache 1"

int layer_compression_parse(const char *s, enum oci_compression *ret)
{
	if (streq(s, "gzip"))
		*ret = OCI_COMP_GZIP;
	else if (streq(s, "zstd"))
		*ret = OCI_COMP_ZSTD;
	else if (streq(s, "none") || streq(s, "uncompressed"))
		*ret = OCI_COMP_NONE;
	else
		return -EINVAL;
	return 0;
}

const char *layer_compression_name(enum oci_compression c)
{
	switch (c) {
	case OCI_COMP_GZIP:
		return "gzip";
	case OCI_COMP_ZSTD:
		return "zstd";
	case OCI_COMP_NONE:
		break;
	}
	return "none";
}

const char *layer_compression_media_type(enum oci_compression c)
{
	switch (c) {
	case OCI_COMP_GZIP:
		return OCI_MT_LAYER_GZIP;
	case OCI_COMP_ZSTD:
		return OCI_MT_LAYER_ZSTD;
	case OCI_COMP_NONE:
		break;
	}
	return OCI_MT_LAYER_TAR;
}

struct out {
	int fd;
	EVP_MD_CTX *md;
	uint64_t size;
};

static la_ssize_t write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
	struct out *o = ud;

	if (fs_write_all(o->fd, buf, len) < 0) {
		archive_set_error(a, errno, "write the compressed layer");
		return -1;
	}
	EVP_DigestUpdate(o->md, buf, len);
	o->size += len;
	return (la_ssize_t)len;
}

static void digest_text(EVP_MD_CTX *md, char out[LAYER_DIGEST_LEN])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	char *p = out + sprintf(out, "sha256:");

	EVP_DigestFinal_ex(md, d, &len);
	for (unsigned i = 0; i < len && i < 32; i++)
		p += sprintf(p, "%02x", d[i]);
}

static int start(struct archive *a, struct out *o, enum oci_compression c, struct box_err **err)
{
	int r = c == OCI_COMP_ZSTD ? archive_write_add_filter_zstd(a)
				   : archive_write_add_filter_gzip(a);
	struct archive_entry *e;

	/* ARCHIVE_WARN: libarchive would run an outside program instead; box wants the
	 * same bytes every time, so it takes only the built-in compressor. */
	if (r != ARCHIVE_OK)
		return box_err_set(err, ENOTSUP, "this libarchive cannot compress with %s",
				   layer_compression_name(c));
	archive_write_set_format_raw(a);
	archive_write_set_bytes_per_block(a, 0);
	if (c == OCI_COMP_GZIP)
		archive_write_set_options(a, "gzip:!timestamp");
	if (archive_write_open(a, o, NULL, write_cb, NULL) != ARCHIVE_OK)
		return box_err_set(err, EIO, "start compressing: %s", archive_error_string(a));
	e = archive_entry_new();
	archive_entry_set_pathname(e, "layer.tar");
	archive_entry_set_filetype(e, AE_IFREG);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return box_err_set(err, EIO, "start compressing: %s", archive_error_string(a));
	return 0;
}

static int pump(struct archive *a, int in_fd, struct box_err **err)
{
	_cleanup_free_ char *buf = xmalloc(READ_BUF);

	for (;;) {
		ssize_t n = read(in_fd, buf, READ_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return box_err_set(err, errno, "read the layer");
		if (n == 0)
			return 0;
		if (archive_write_data(a, buf, (size_t)n) != n)
			return box_err_set(err, EIO, "compress the layer: %s",
					   archive_error_string(a));
	}
}

int layer_compress(int in_fd, int out_fd, enum oci_compression c, struct layer_blob *ret,
		   struct box_err **err)
{
	struct out o = { .fd = out_fd, .md = EVP_MD_CTX_new() };
	struct archive *a = archive_write_new();
	int r;

	if (!o.md || !a || !EVP_DigestInit_ex(o.md, EVP_sha256(), NULL))
		abort();
	r = start(a, &o, c, err);
	if (r == 0)
		r = pump(a, in_fd, err);
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = box_err_set(err, EIO, "finish compressing: %s", archive_error_string(a));
	archive_write_free(a);
	if (r == 0) {
		digest_text(o.md, ret->digest);
		ret->size = o.size;
	}
	EVP_MD_CTX_free(o.md);
	return r;
}

/* ---- the cache ---- */

static char *entry_path(const char *store, const char *key, enum oci_compression c)
{
	return xasprintf("%s/compressed/%s/%s", store, layer_compression_name(c), key + 7);
}

char *layer_cache_format(const char *key, const struct layer_blob *b)
{
	_cleanup_free_ char *line =
	    xasprintf(ENTRY_MAGIC " %s %s %s %" PRIu64, key, b->diff_id, b->digest, b->size);
	char sum[LAYER_DIGEST_LEN];

	oci_sha256(line, strlen(line), sum);
	return xasprintf("%s %s\n", line, sum);
}

int layer_cache_parse(const char *text, size_t len, const char *key, struct layer_blob *ret)
{
	char k[LAYER_DIGEST_LEN], sum[LAYER_DIGEST_LEN], want[LAYER_DIGEST_LEN], size[24];
	struct layer_blob b = { 0 };
	int end = 0;

	if (len == 0 || len >= ENTRY_MAX || memchr(text, '\0', len) || text[len - 1] != '\n')
		return -ENOENT;
	_cleanup_free_ char *s = xstrndup(text, len);
	if (sscanf(s, ENTRY_MAGIC " %71s %71s %71s %23s %71s%n", k, b.diff_id, b.digest, size, sum,
		   &end) != 5 ||
	    s[end] != '\n' || s[end + 1] != '\0')
		return -ENOENT;
	if (!streq(k, key) || !oci_digest_valid(b.diff_id) || !oci_digest_valid(b.digest) ||
	    parse_u64(size, &b.size) < 0)
		return -ENOENT;
	/* the checksum covers everything before it */
	const char *last = strrchr(s, ' ');
	oci_sha256(s, (size_t)(last - s), want);
	if (!streq(sum, want))
		return -ENOENT;
	*ret = b;
	return 0;
}

int layer_cache_get(const char *store, const char *key, enum oci_compression c,
		    struct layer_blob *ret)
{
	_cleanup_free_ char *path = entry_path(store, key, c), *text = NULL;
	size_t len;

	if (!oci_digest_valid(key) || fs_read_file(path, ENTRY_MAX, &text, &len, NULL) < 0)
		return -ENOENT;
	return layer_cache_parse(text, len, key, ret);
}

int layer_cache_put(const char *store, const char *key, enum oci_compression c,
		    const struct layer_blob *b, struct box_err **err)
{
	_cleanup_free_ char *path = entry_path(store, key, c), *text = NULL;
	_cleanup_free_ char *dir = xasprintf("%s/compressed/%s", store, layer_compression_name(c));
	int r;

	if (!oci_digest_valid(key))
		return box_err_set(err, EINVAL, "'%s' is not a layer digest", key);
	if ((r = mkdir_p(dir, 0755, err)) < 0)
		return r;
	text = layer_cache_format(key, b);
	return fs_write_file_atomic(path, text, strlen(text), 0644, err);
}
