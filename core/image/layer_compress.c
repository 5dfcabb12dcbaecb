/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A layer's compressed form and the store's cache of it (see layer_compress.h).
 *
 * gzip is written the way pigz writes it: the tar is cut into 1 MiB blocks, each
 * deflated on its own and ended with a sync flush, so the blocks' outputs
 * concatenated are one deflate stream; a final empty block, the combined CRC-32 and
 * the size close it. A batch of two blocks a thread is read, one thread per core
 * takes the next block left, and the batch before is written meanwhile (to a pipe
 * the upload drains, in push). A block that does not shrink (random or already
 * compressed data) is stored instead of deflated: four 16 KiB windows spread over
 * it are deflated at level 1, and unless they save at least 1/16 the block is
 * stored. One window alone is fooled: the 1.5 KB of headers (zeros mostly) between
 * random files of 100 KB save 1/50 of a 64 KiB window, which deflating the whole
 * block does not earn back. The output depends on the tar and the level alone,
 * never on the number of threads. zstd goes through libarchive's raw format.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_compress.h"

#define READ_BUF   (1u << 20)
#define GZ_BLOCK   (1u << 20)
#define GZ_WINDOW  (16u << 10)
#define GZ_WINDOWS 4
#define GZ_THREADS 8
#define ENTRY_MAX  1024
/* 2: the level is part of an entry, and the blocks' trial samples four windows */
#define ENTRY_MAGIC "box-layer-cache 2"

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

static int emit(struct out *o, const void *buf, size_t len)
{
	if (fs_write_all(o->fd, buf, len) < 0)
		return -errno;
	EVP_DigestUpdate(o->md, buf, len);
	o->size += len;
	return 0;
}

static la_ssize_t write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
	if (emit(ud, buf, len) < 0) {
		archive_set_error(a, errno, "write the compressed layer");
		return -1;
	}
	return (la_ssize_t)len;
}

/* ---- gzip, in parallel ---- */

struct gz_block {
	unsigned char *in;
	size_t in_len;
	unsigned char *out;
	size_t out_len;
	uLong crc;
	int level;
	bool failed;
	bool z_ready;
	z_stream z; /* kept from block to block: reset, not set up again */
};

/* Room for a block deflated at any level and ended by a sync flush. */
#define GZ_OUT_CAP(n) (compressBound(n) + 64)

/* Raw deflate of in at level into out, ended by a sync flush, with the block's
 * stream reset (the same output as a new one, without allocating and clearing its
 * window and tables again); the bytes written, or -1. */
static ssize_t deflate_flushed(struct gz_block *b, int level, const unsigned char *in, size_t len,
			       unsigned char *out, size_t cap)
{
	z_stream *z = &b->z;

	if (!b->z_ready) {
		if (deflateInit2(z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		b->z_ready = true;
	} else if (deflateReset(z) != Z_OK || deflateParams(z, level, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z->next_in = (Bytef *)in;
	z->avail_in = (uInt)len;
	z->next_out = out;
	z->avail_out = (uInt)cap;
	if (deflate(z, Z_SYNC_FLUSH) == Z_OK && z->avail_in == 0 && z->avail_out > 0)
		return (ssize_t)(cap - z->avail_out);
	return -1;
}

/* Whether a block is worth deflating: GZ_WINDOWS windows spread evenly over it,
 * each deflated at level 1 on its own, save at least 1/16 of their bytes. */
static bool gz_shrinks(struct gz_block *b)
{
	size_t step = b->in_len / GZ_WINDOWS, in = 0, out = 0;

	for (unsigned k = 0; k < GZ_WINDOWS; k++) {
		ssize_t n = deflate_flushed(b, 1, b->in + k * step, GZ_WINDOW, b->out,
					    GZ_OUT_CAP(GZ_BLOCK));
		if (n < 0)
			return false;
		in += GZ_WINDOW;
		out += (size_t)n;
	}
	return out < in - in / 16;
}

static void *gz_work(void *arg)
{
	struct gz_block *b = arg;
	int level = b->level;
	ssize_t n;

	b->crc = crc32(0, b->in, (uInt)b->in_len);
	/* data that does not shrink is stored: deflating it costs time for nothing */
	if (level != 0 && b->in_len >= GZ_WINDOW * GZ_WINDOWS && !gz_shrinks(b))
		level = 0;
	n = deflate_flushed(b, level, b->in, b->in_len, b->out, GZ_OUT_CAP(GZ_BLOCK));
	b->failed = n < 0;
	b->out_len = n < 0 ? 0 : (size_t)n;
	return NULL;
}

static ssize_t read_block(int fd, unsigned char *buf, size_t cap)
{
	size_t got = 0;

	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static unsigned gz_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > GZ_THREADS ? GZ_THREADS : (unsigned)n;
}

/* A batch of blocks: read, then deflated by threads that take the next block left. */
struct gz_set {
	struct gz_block *b;
	unsigned k;    /* blocks read into it */
	unsigned next; /* the next block a thread takes */
	unsigned nth;
	pthread_t th[GZ_THREADS];
};

static void *gz_worker(void *arg)
{
	struct gz_set *s = arg;
	unsigned i;

	while ((i = __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED)) < s->k)
		gz_work(&s->b[i]);
	return NULL;
}

/* Read up to cap blocks into s and start n threads deflating them. */
static int gz_start(int in_fd, struct gz_set *s, unsigned cap, unsigned n, bool *ret_end,
		    struct box_err **err)
{
	s->k = s->next = s->nth = 0;
	while (s->k < cap) {
		ssize_t got = read_block(in_fd, s->b[s->k].in, GZ_BLOCK);
		if (got < 0)
			return box_err_set(err, (int)-got, "read the layer");
		s->b[s->k].in_len = (size_t)got;
		if ((size_t)got < GZ_BLOCK) {
			*ret_end = true;
			s->k += got > 0;
			break;
		}
		s->k++;
	}
	s->nth = MIN(n, s->k);
	for (unsigned i = 0; i < s->nth; i++)
		if (pthread_create(&s->th[i], NULL, gz_worker, s) != 0)
			abort();
	return 0;
}

static void gz_wait(struct gz_set *s)
{
	for (unsigned i = 0; i < s->nth; i++)
		pthread_join(s->th[i], NULL);
	s->nth = 0;
}

/* The deflated blocks of s, in order. */
static int gz_emit(struct out *o, struct gz_set *s, uLong *crc, uint64_t *total,
		   struct box_err **err)
{
	int r = 0;

	for (unsigned i = 0; i < s->k && r == 0; i++) {
		struct gz_block *b = &s->b[i];
		if (b->failed)
			r = box_err_set(err, EIO, "deflate the layer");
		else if (emit(o, b->out, b->out_len) < 0)
			r = box_err_set(err, errno, "write the compressed layer");
		*crc = crc32_combine(*crc, b->crc, (z_off_t)b->in_len);
		*total += b->in_len;
	}
	s->k = 0;
	return r;
}

/* Two batches of two blocks a thread: one is deflated while the one before is written
 * (to a pipe that the upload drains, at the pace of the registry). */
static int gz_run(int in_fd, struct out *o, struct gz_set set[2], unsigned cap, unsigned n,
		  uLong *crc, uint64_t *total, struct box_err **err)
{
	bool end = false;
	unsigned cur = 0;
	int r = 0;

	while (r == 0 && !end) {
		r = gz_start(in_fd, &set[cur], cap, n, &end, err);
		if (r == 0)
			r = gz_emit(o, &set[!cur], crc, total, err);
		gz_wait(&set[cur]);
		cur = !cur;
	}
	return r < 0 ? r : gz_emit(o, &set[!cur], crc, total, err);
}

static int gzip_parallel(int in_fd, struct out *o, int level, struct box_err **err)
{
	static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff };
	static const unsigned char final_block[2] = { 0x03, 0x00 };
	unsigned n = gz_threads(), cap = 2 * n;
	struct gz_set set[2] = { { .b = xcalloc(cap, sizeof(struct gz_block)) },
				 { .b = xcalloc(cap, sizeof(struct gz_block)) } };
	uLong crc = crc32(0, NULL, 0);
	uint64_t total = 0;
	int r =
	    emit(o, header, sizeof(header)) < 0 ? box_err_set(err, errno, "write the layer") : 0;

	for (unsigned j = 0; j < 2; j++)
		for (unsigned i = 0; i < cap; i++) {
			set[j].b[i].in = xmalloc(GZ_BLOCK);
			set[j].b[i].out = xmalloc(GZ_OUT_CAP(GZ_BLOCK));
			set[j].b[i].level = level;
		}
	if (r == 0)
		r = gz_run(in_fd, o, set, cap, n, &crc, &total, err);
	for (unsigned j = 0; j < 2; j++) {
		for (unsigned i = 0; i < cap; i++) {
			if (set[j].b[i].z_ready)
				deflateEnd(&set[j].b[i].z);
			free(set[j].b[i].in);
			free(set[j].b[i].out);
		}
		free(set[j].b);
	}
	if (r < 0)
		return r;
	unsigned char trailer[8];
	for (int i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(crc >> (8 * i));
		trailer[4 + i] = (unsigned char)(total >> (8 * i));
	}
	if (emit(o, final_block, sizeof(final_block)) < 0 || emit(o, trailer, sizeof(trailer)) < 0)
		return box_err_set(err, errno, "write the compressed layer");
	return 0;
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

static int start(struct archive *a, struct out *o, int level, struct box_err **err)
{
	int r = archive_write_add_filter_zstd(a);
	struct archive_entry *e;

	/* ARCHIVE_WARN: libarchive would run an outside program instead; box wants the
	 * same bytes every time, so it takes only the built-in compressor. */
	if (r != ARCHIVE_OK)
		return box_err_set(err, ENOTSUP, "this libarchive cannot compress with zstd");
	archive_write_set_format_raw(a);
	archive_write_set_bytes_per_block(a, 0);
	if (level > 0) {
		char v[16];
		snprintf(v, sizeof(v), "%d", level);
		if (archive_write_set_filter_option(a, "zstd", "compression-level", v) !=
		    ARCHIVE_OK)
			return box_err_set(err, EINVAL, "zstd has no compression level %d", level);
	}
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

static int zstd_archive(int in_fd, struct out *o, int level, struct box_err **err)
{
	struct archive *a = archive_write_new();
	int r;

	if (!a)
		abort();
	r = start(a, o, level, err);
	if (r == 0)
		r = pump(a, in_fd, err);
	if (archive_write_close(a) != ARCHIVE_OK && r == 0)
		r = box_err_set(err, EIO, "finish compressing: %s", archive_error_string(a));
	archive_write_free(a);
	return r;
}

int layer_compress(int in_fd, int out_fd, enum oci_compression c, int level, struct layer_blob *ret,
		   struct box_err **err)
{
	struct out o = { .fd = out_fd, .md = EVP_MD_CTX_new() };
	int r;

	if (!o.md || !EVP_DigestInit_ex(o.md, EVP_sha256(), NULL))
		abort();
	if (c == OCI_COMP_GZIP && (level < 0 || level > 9))
		r = box_err_set(err, EINVAL, "gzip has no compression level %d (0 to 9)", level);
	else if (c == OCI_COMP_GZIP)
		r = gzip_parallel(in_fd, &o, level, err);
	else
		r = zstd_archive(in_fd, &o, level, err);
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

char *layer_cache_format(const char *key, int level, const struct layer_blob *b)
{
	_cleanup_free_ char *line = xasprintf(ENTRY_MAGIC " %s %d %s %s %" PRIu64, key, level,
					      b->diff_id, b->digest, b->size);
	char sum[LAYER_DIGEST_LEN];

	oci_sha256(line, strlen(line), sum);
	return xasprintf("%s %s\n", line, sum);
}

/* An entry whatever its level: 0 with *ret_level set, or -ENOENT. */
static int entry_parse(const char *text, size_t len, const char *key, int *ret_level,
		       struct layer_blob *ret)
{
	char k[LAYER_DIGEST_LEN], sum[LAYER_DIGEST_LEN], want[LAYER_DIGEST_LEN], size[24];
	struct layer_blob b = { 0 };
	int lv = -1, end = 0;

	if (len == 0 || len >= ENTRY_MAX || memchr(text, '\0', len) || text[len - 1] != '\n')
		return -ENOENT;
	_cleanup_free_ char *s = xstrndup(text, len);
	if (sscanf(s, ENTRY_MAGIC " %71s %d %71s %71s %23s %71s%n", k, &lv, b.diff_id, b.digest,
		   size, sum, &end) != 6 ||
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
	*ret_level = lv;
	*ret = b;
	return 0;
}

int layer_cache_parse(const char *text, size_t len, const char *key, int level,
		      struct layer_blob *ret)
{
	struct layer_blob b;
	int lv;

	if (entry_parse(text, len, key, &lv, &b) < 0 || lv != level)
		return -ENOENT;
	*ret = b;
	return 0;
}

int layer_cache_get(const char *store, const char *key, enum oci_compression c, int level,
		    struct layer_blob *ret)
{
	_cleanup_free_ char *path = entry_path(store, key, c), *text = NULL;
	size_t len;

	if (!oci_digest_valid(key) || fs_read_file(path, ENTRY_MAX, &text, &len, NULL) < 0)
		return -ENOENT;
	return layer_cache_parse(text, len, key, level, ret);
}

int layer_cache_put(const char *store, const char *key, enum oci_compression c, int level,
		    const struct layer_blob *b, struct box_err **err)
{
	_cleanup_free_ char *path = entry_path(store, key, c), *text = NULL;
	_cleanup_free_ char *dir = xasprintf("%s/compressed/%s", store, layer_compression_name(c));
	int r;

	if (!oci_digest_valid(key))
		return box_err_set(err, EINVAL, "'%s' is not a layer digest", key);
	if ((r = mkdir_p(dir, 0755, err)) < 0)
		return r;
	text = layer_cache_format(key, level, b);
	return fs_write_file_atomic(path, text, strlen(text), 0644, err);
}

/* ---- prune ---- */

/* The bytes of a file, removed; 0 when it cannot be. */
static uint64_t remove_counted(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    unlinkat(dfd, name, 0) < 0)
		return 0;
	return (uint64_t)st.st_size;
}

static bool layer_stored(const char *store, const char *hex)
{
	_cleanup_free_ char *dir = xasprintf("%s/layers/%s", store, hex);
	_cleanup_free_ char *blob = xasprintf("%s/blobs/sha256/%s", store, hex);
	return path_exists(dir) || path_exists(blob);
}

static bool is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* One compression's entries: those of layers gone are removed; the digests of the
 * rest are added to *named. */
static uint64_t prune_entries(const char *store, const char *sub, char ***named)
{
	_cleanup_free_ char *path = xasprintf("%s/compressed/%s", store, sub);
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	uint64_t freed = 0;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *text = NULL, *key = NULL;
		struct layer_blob b;
		size_t len;
		int lv;
		if (!is_hex64(de->d_name))
			continue;
		if (!layer_stored(store, de->d_name)) {
			freed += remove_counted(dirfd(d), de->d_name);
			continue;
		}
		key = xasprintf("sha256:%s", de->d_name);
		_cleanup_free_ char *file = xasprintf("%s/%s", path, de->d_name);
		if (fs_read_file(file, ENTRY_MAX, &text, &len, NULL) == 0 &&
		    entry_parse(text, len, key, &lv, &b) == 0)
			strv_push(named, xstrdup(b.digest + 7));
	}
	return freed;
}

uint64_t layer_cache_prune(const char *store)
{
	_cleanup_free_ char *top = xasprintf("%s/compressed", store);
	_cleanup_free_ char *where = xasprintf("%s/compressed/where", store);
	_cleanup_strv_free_ char **named = xcalloc(1, sizeof(char *));
	_cleanup_closedir_ DIR *d = opendir(top), *w = NULL;
	struct dirent *de;
	uint64_t freed = 0;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && !streq(de->d_name, "where"))
			freed += prune_entries(store, de->d_name, &named);
	w = opendir(where);
	while (w && (de = readdir(w)))
		if (is_hex64(de->d_name) && !strv_contains(named, de->d_name))
			freed += remove_counted(dirfd(w), de->d_name);
	return freed;
}
