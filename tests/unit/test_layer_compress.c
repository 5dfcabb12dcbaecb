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
	char *text = layer_cache_format(KEY, 1, &b);
	size_t len = strlen(text);

	is_int(layer_cache_parse(text, len, KEY, 1, &got), 0, "an entry parses back");
	is_str(got.diff_id, TAR, "... its diff_id");
	is_str(got.digest, GZ, "... its digest");
	is_int(got.size, 12345, "... its size");
	is_int(layer_cache_parse(text, len, TAR, 1, &got), -ENOENT,
	       "an entry for another key is absent");
	is_int(layer_cache_parse(text, len, KEY, 9, &got), -ENOENT,
	       "an entry for another level is absent");
	is_int(layer_cache_parse(text, len - 20, KEY, 1, &got), -ENOENT,
	       "a truncated entry is absent");
	char *flip = strdup(text);
	char *p = strstr(flip, " 12345 ");
	p[1] = '9';
	is_int(layer_cache_parse(flip, len, KEY, 1, &got), -ENOENT,
	       "an entry whose size changed fails its checksum");
	is_int(layer_cache_parse("", 0, KEY, 1, &got), -ENOENT, "an empty entry is absent");
	is_int(layer_cache_parse("garbage\n", 8, KEY, 1, &got), -ENOENT, "garbage is absent");
	/* what the first version wrote, whole and checksummed: no level, and blocks tried
	 * another way */
	char v1[512], v1sum[LAYER_DIGEST_LEN];
	int n = snprintf(v1, sizeof(v1), "box-layer-cache 1 %s %s %s 12345", KEY, TAR, GZ);
	oci_sha256(v1, (size_t)n, v1sum);
	snprintf(v1 + n, sizeof(v1) - (size_t)n, " %s\n", v1sum);
	is_int(layer_cache_parse(v1, strlen(v1), KEY, 1, &got), -ENOENT,
	       "an entry of the first version is absent");
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
		if (len > 0)
			ok(b.size < len / 2 + (1u << 20),
			   "... the text is deflated, the random block stored (%llu bytes)",
			   (unsigned long long)b.size);
		free(got);
		free(data);
	}
}

/* A tar of random files of 100 KB, as a commit of such files writes it: its blocks
 * are stored, the 1.5 KB of headers between the files notwithstanding (the blob is
 * no smaller than the tar); and it still unpacks to the tar. */
static void random_files(const char *dir)
{
	char in[256], out[256];
	struct archive *a = archive_write_new();
	struct layer_blob b;
	size_t got_len = 0;

	snprintf(in, sizeof(in), "%s/random.tar", dir);
	snprintf(out, sizeof(out), "%s/random.tar.gz", dir);
	/* as layer_write.c writes them: a pax header (hdrcharset) before each entry */
	archive_write_set_format_pax_restricted(a);
	archive_write_set_options(a, "hdrcharset=BINARY");
	archive_write_open_filename(a, in);
	srand(7);
	for (int i = 0; i < 80; i++) {
		static char data[102400];
		char name[64];
		struct archive_entry *e = archive_entry_new();
		for (size_t k = 0; k < sizeof(data); k++)
			data[k] = (char)(rand() >> 7);
		snprintf(name, sizeof(name), "srv/data/f%d", i);
		archive_entry_set_pathname(e, name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, sizeof(data));
		archive_entry_set_mtime(e, 1700000000 + i, 0);
		archive_write_header(a, e);
		archive_write_data(a, data, sizeof(data));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	int fi = open(in, O_RDONLY), fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	off_t tar = lseek(fi, 0, SEEK_END);
	lseek(fi, 0, SEEK_SET);
	is_int(layer_compress(fi, fo, OCI_COMP_GZIP, 1, &b, NULL), 0, "compress random files");
	ok((off_t)b.size >= tar, "... every block is stored (%llu bytes from %lld)",
	   (unsigned long long)b.size, (long long)tar);
	close(fi);
	close(fo);
	char *got = gunzip(out, &got_len);
	ok(got && (off_t)got_len == tar, "... and it unpacks to the tar");
	free(got);
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
	random_files(dir);
	char key[] = KEY;
	struct layer_blob b = { .diff_id = TAR, .digest = GZ, .size = 7 }, got;
	is_int(layer_cache_put(dir, key, OCI_COMP_GZIP, 1, &b, NULL), 0, "an entry is written");
	is_int(layer_cache_get(dir, key, OCI_COMP_GZIP, 1, &got), 0, "... and read");
	is_int(layer_cache_get(dir, key, OCI_COMP_ZSTD, 1, &got), -ENOENT,
	       "... for its compression only");
	is_int(layer_cache_get(dir, key, OCI_COMP_GZIP, 6, &got), -ENOENT,
	       "... and its level only");
	rm_rf(dir, NULL);
	return tap_done();
}
