/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compressed form of a layer and the cache entry that remembers it
 * (core/image/layer_compress.c). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../../core/image/layer_compress.h"
#include "../../core/util/fs.h"
#include "tap.h"

#define KEY "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define TAR "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define GZ  "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void entries(void)
{
	struct layer_blob b = { .diff_id = TAR, .digest = GZ, .size = 12345 }, got;
	char *text = layer_cache_format(KEY, &b);
	size_t len = strlen(text);

	is_int(layer_cache_parse(text, len, KEY, &got), 0, "an entry parses back");
	is_str(got.diff_id, TAR, "... its diff_id");
	is_str(got.digest, GZ, "... its digest");
	is_int(got.size, 12345, "... its size");
	is_int(layer_cache_parse(text, len, TAR, &got), -ENOENT,
	       "an entry for another key is absent");
	is_int(layer_cache_parse(text, len - 20, KEY, &got), -ENOENT,
	       "a truncated entry is absent");
	char *flip = strdup(text);
	char *p = strstr(flip, " 12345 ");
	p[1] = '9';
	is_int(layer_cache_parse(flip, len, KEY, &got), -ENOENT,
	       "an entry whose size changed fails its checksum");
	is_int(layer_cache_parse("", 0, KEY, &got), -ENOENT, "an empty entry is absent");
	is_int(layer_cache_parse("garbage\n", 8, KEY, &got), -ENOENT, "garbage is absent");
	free(flip);
	free(text);
}

static void names(void)
{
	enum oci_compression c;

	ok(layer_compression_parse("gzip", &c) == 0 && c == OCI_COMP_GZIP, "gzip");
	ok(layer_compression_parse("zstd", &c) == 0 && c == OCI_COMP_ZSTD, "zstd");
	ok(layer_compression_parse("none", &c) == 0 && c == OCI_COMP_NONE, "none");
	ok(layer_compression_parse("lz4", &c) == -EINVAL, "lz4 is refused");
	is_str(layer_compression_media_type(OCI_COMP_GZIP), OCI_MT_LAYER_GZIP, "gzip's media type");
}

/* Compress some text twice: the same blob both times, and it reads back. */
static void round_trip(const char *dir)
{
	char in[256], out[256], digest1[LAYER_DIGEST_LEN];
	struct layer_blob b = { 0 };
	char buf[4096];
	int fi, fo;

	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	fi = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; i < 2000; i++)
		dprintf(fi, "line %d of a layer\n", i);
	for (int round = 0; round < 2; round++) {
		lseek(fi, 0, SEEK_SET);
		fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
		is_int(layer_compress(fi, fo, OCI_COMP_GZIP, 6, &b, NULL), 0, "compress (round %d)",
		       round);
		is_int(lseek(fo, 0, SEEK_END), (long long)b.size,
		       "... the size is what was written");
		close(fo);
		if (round == 0)
			memcpy(digest1, b.digest, sizeof(digest1));
	}
	is_str(b.digest, digest1, "the same tar gives the same blob");
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	ok(archive_read_open_filename(a, out, 4096) == ARCHIVE_OK &&
	       archive_read_next_header(a, &e) == ARCHIVE_OK,
	   "the blob is gzip");
	la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
	ok(n > 0 && !strncmp(buf, "line 0 of a layer\nline 1", 24), "... of the layer's bytes");
	archive_read_free(a);
	close(fi);
}

/* The whole of a gzip file, read back by zlib (which checks the CRC and the size). */
static char *gunzip(const char *path, size_t *ret_len)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	int n, errnum = 0;

	if (!f) {
		free(buf);
		return NULL;
	}
	while ((n = gzread(f, buf + len, (unsigned)(cap - len))) > 0) {
		len += (size_t)n;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	gzerror(f, &errnum);
	gzclose(f);
	*ret_len = len;
	if (n < 0 || errnum != Z_OK) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Many blocks (text, random data that is stored, a short last block) and no bytes at
 * all: both unpack to what went in. */
static void blocks(const char *dir)
{
	size_t sizes[] = { (size_t)3 << 20 | 12345, 0 };
	char in[256], out[256];

	snprintf(in, sizeof(in), "%s/big", dir);
	snprintf(out, sizeof(out), "%s/big.gz", dir);
	for (size_t t = 0; t < 2; t++) {
		size_t len = sizes[t], got_len = 0;
		char *data = malloc(len + 1);
		struct layer_blob b;
		for (size_t i = 0; i < len; i++)
			data[i] =
			    (i >> 20) == 1 ? (char)(rand() & 0xff) : (char)('a' + (i * 7 % 13));
		int fi = open(in, O_RDWR | O_CREAT | O_TRUNC, 0600);
		int fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
		ok(fs_write_all(fi, data, len) == 0 && lseek(fi, 0, SEEK_SET) == 0,
		   "write %zu bytes", len);
		is_int(layer_compress(fi, fo, OCI_COMP_GZIP, 1, &b, NULL), 0, "compress %zu bytes",
		       len);
		close(fi);
		close(fo);
		char *got = gunzip(out, &got_len);
		ok(got && got_len == len && !memcmp(got, data, len),
		   "... they unpack to the same %zu", len);
		free(got);
		free(data);
	}
}

int main(void)
{
	char dir[] = "/tmp/test-layer-compress-XXXXXX";

	entries();
	names();
	if (!mkdtemp(dir))
		return 1;
	round_trip(dir);
	blocks(dir);
	char key[] = KEY;
	struct layer_blob b = { .diff_id = TAR, .digest = GZ, .size = 7 }, got;
	is_int(layer_cache_put(dir, key, OCI_COMP_GZIP, &b, NULL), 0, "an entry is written");
	is_int(layer_cache_get(dir, key, OCI_COMP_GZIP, &got), 0, "... and read");
	is_int(layer_cache_get(dir, key, OCI_COMP_ZSTD, &got), -ENOENT,
	       "... for its compression only");
	rm_rf(dir, NULL);
	return tap_done();
}
