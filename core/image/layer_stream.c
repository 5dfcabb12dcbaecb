/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Feeding a layer blob to the extractor while hashing it twice: the bytes as they
 * arrive (the blob digest of the manifest) and the decompressed tar stream (the
 * diff_id of the image config). libarchive does not expose the decompressed bytes
 * of a tar it reads, so two archive readers are chained: the outer one only
 * decompresses (format "raw", the filter the media type names), the inner one reads tar from the
 * outer's data. Both hashes cover every byte to the end of the input, also what
 * follows the tar end marker. An uncompressed blob is hashed once: its bytes are
 * the tar stream, so its digest is its diff_id.
 */
#include <archive.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "layer.h"
#include "layer_guard.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#define STREAM_BUF (1024 * 1024)

struct stream {
	layer_read_fn fn;
	void *arg;
	struct archive *outer;
	EVP_MD_CTX *blob_md, *tar_md;
	uint64_t blob_bytes, tar_bytes;
	int read_error;	   /* -errno from fn */
	bool uncompressed; /* blob bytes are the tar bytes: hash them once */
	uint64_t max_tar;  /* more tar bytes than this: stop (a decompression bomb) */
	char *in_buf, *tar_buf;
	bool eof;
};

static ssize_t pull(struct stream *s, void *buf, size_t len)
{
	ssize_t n;

	if (s->eof)
		return 0;
	n = s->fn(s->arg, buf, len);
	if (n < 0) {
		s->read_error = (int)n;
		return n;
	}
	if (n == 0)
		s->eof = true;
	EVP_DigestUpdate(s->blob_md, buf, (size_t)n);
	s->blob_bytes += (uint64_t)n;
	return n;
}

static la_ssize_t outer_read(struct archive *a, void *data, const void **buf)
{
	struct stream *s = data;
	ssize_t n = pull(s, s->in_buf, STREAM_BUF);

	*buf = s->in_buf;
	if (n < 0) {
		archive_set_error(a, (int)-n, "read layer blob: %s", strerror((int)-n));
		return -1;
	}
	return n;
}

static la_ssize_t inner_read(struct archive *a, void *data, const void **buf)
{
	struct stream *s = data;
	la_ssize_t n = archive_read_data(s->outer, s->tar_buf, STREAM_BUF);

	*buf = s->tar_buf;
	if (n < 0) {
		archive_set_error(a, archive_errno(s->outer) > 0 ? archive_errno(s->outer) : EIO,
				  "%s", archive_error_string(s->outer));
		return -1;
	}
	if (!s->uncompressed)
		EVP_DigestUpdate(s->tar_md, s->tar_buf, (size_t)n);
	s->tar_bytes += (uint64_t)n;
	if (s->tar_bytes > s->max_tar) {
		archive_set_error(a, EFBIG, "layer unpacks to more than %llu bytes",
				  (unsigned long long)s->max_tar);
		return -1;
	}
	return n;
}

static void digest_hex(EVP_MD_CTX *md, char out[LAYER_DIGEST_LEN])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	EVP_DigestFinal_ex(md, d, &len);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < len && i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

static void stream_free(struct stream *s)
{
	EVP_MD_CTX_free(s->blob_md);
	EVP_MD_CTX_free(s->tar_md);
	free(s->in_buf);
	free(s->tar_buf);
}

/* Read what the extractor left: the tar padding, then any trailing input bytes. */
static int drain(struct stream *s, struct archive *inner, struct box_err **err)
{
	const void *buf;
	la_ssize_t n;

	while ((n = inner_read(inner, s, &buf)) > 0)
		;
	if (n < 0)
		return box_err_set(err, EIO, "read layer: %s", archive_error_string(inner));
	while ((n = pull(s, s->in_buf, STREAM_BUF)) > 0)
		;
	return n < 0 ? box_err_set(err, (int)-n, "read layer blob") : 0;
}

static int run_stream(struct stream *s, int dirfd_root, const struct layer_opts *o,
		      struct layer_stats *st, struct box_err **err)
{
	struct archive *inner = NULL;
	struct archive_entry *e;
	int r;

	if ((r = layer_decomp_setup(s->outer, o->compression, err)) < 0)
		return r;
	archive_read_support_format_raw(s->outer);
	archive_read_support_format_empty(s->outer);
	if (archive_read_open(s->outer, s, NULL, outer_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->outer, &e) != ARCHIVE_OK)
		return box_err_set(err, s->read_error ? -s->read_error : EINVAL, "read layer: %s",
				   archive_error_string(s->outer));
	if ((r = layer_decomp_check(s->outer, o->compression, err)) < 0)
		return r;
	s->uncompressed = archive_filter_code(s->outer, 0) == ARCHIVE_FILTER_NONE;
	inner = archive_read_new();
	archive_read_support_format_tar(inner);
	if (archive_read_open(inner, s, NULL, inner_read, NULL) != ARCHIVE_OK) {
		r = box_err_set(err, EINVAL, "read layer: %s", archive_error_string(inner));
		archive_read_free(inner);
		return r;
	}
	r = layer_extract(inner, dirfd_root, o, st, err);
	if (r >= 0)
		r = drain(s, inner, err);
	archive_read_free(inner);
	return r;
}

int layer_extract_stream(layer_read_fn fn, void *arg, int dirfd_root, const struct layer_opts *o,
			 struct layer_stats *ret, struct box_err **err)
{
	static const struct layer_opts defaults = { 0 };
	struct stream s = { .fn = fn, .arg = arg };
	struct layer_stats st = { 0 };
	int r;

	o = o ? o : &defaults;
	s.max_tar = o->max_size ? o->max_size : LAYER_MAX_SIZE;

	s.blob_md = EVP_MD_CTX_new();
	s.tar_md = EVP_MD_CTX_new();
	if (!s.blob_md || !s.tar_md || !EVP_DigestInit_ex(s.blob_md, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(s.tar_md, EVP_sha256(), NULL)) {
		stream_free(&s);
		return box_err_set(err, ENOMEM, "set up sha256");
	}
	s.in_buf = xmalloc(STREAM_BUF);
	s.tar_buf = xmalloc(STREAM_BUF);
	s.outer = archive_read_new();
	r = run_stream(&s, dirfd_root, o, &st, err);
	archive_read_free(s.outer);
	if (r >= 0) {
		st.stream_bytes = s.blob_bytes;
		st.uncompressed_bytes = s.tar_bytes;
		digest_hex(s.blob_md, st.digest);
		if (s.uncompressed)
			memcpy(st.diff_id, st.digest, sizeof(st.diff_id));
		else
			digest_hex(s.tar_md, st.diff_id);
		if (ret)
			*ret = st;
	}
	stream_free(&s);
	return r;
}

static ssize_t fd_read(void *arg, void *buf, size_t len)
{
	int fd = *(int *)arg;
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

int layer_extract_fd(int fd, int dirfd_root, const struct layer_opts *o, struct layer_stats *ret,
		     struct box_err **err)
{
	return layer_extract_stream(fd_read, &fd, dirfd_root, o, ret, err);
}
