/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: gzip streams through igzip (core/image/gunzip.h), fed in two pieces
 * split where the first byte says, and checked against zlib: a stream one accepts
 * the other accepts too, with the same bytes out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../core/image/gunzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX (8u << 20)

struct sink {
	uint8_t *buf;
	size_t len;
};

static int to_buf(const void *d, size_t len, void *ud)
{
	struct sink *s = ud;
	if (s->len + len > OUT_MAX)
		return -EFBIG;
	memcpy(s->buf + s->len, d, len);
	s->len += len;
	return 0;
}

/* zlib's reading of the same stream, members one after another: 0 when whole, -1 when
 * not, -EFBIG past OUT_MAX. */
static int zlib_gunzip(const uint8_t *in, size_t len, struct sink *s)
{
	size_t off = 0;

	while (off < len) {
		z_stream z = { 0 };
		if (inflateInit2(&z, 16 + 15) != Z_OK)
			abort();
		z.next_in = (uint8_t *)in + off;
		z.avail_in = (uInt)(len - off);
		z.next_out = s->buf + s->len;
		z.avail_out = (uInt)(OUT_MAX - s->len);
		int r = inflate(&z, Z_FINISH);
		s->len += z.total_out;
		off += z.total_in;
		inflateEnd(&z);
		if (r != Z_STREAM_END)
			return z.avail_out == 0 ? -EFBIG : -1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t a[OUT_MAX], b[OUT_MAX];
	struct sink sa = { a, 0 }, sb = { b, 0 };
	struct box_err *err = NULL;

	if (size < 1 || size > (1 << 20))
		return 0;
	size_t split = (size - 1) * data[0] / 255;
	const uint8_t *in = data + 1;
	size_t len = size - 1;
	struct gunzip *g = gunzip_new(to_buf, &sa);
	int r = gunzip_feed(g, in, split, &err);
	if (r >= 0)
		r = gunzip_feed(g, in + split, len - split, &err);
	if (r >= 0)
		r = gunzip_end(g, &err);
	if (r < 0 && r != -EFBIG && (!err || !err->msg || !*err->msg))
		abort(); /* every failure says what was wrong */
	box_err_free(err);
	gunzip_free(g);

	int z = zlib_gunzip(in, len, &sb);
	if (r == -EFBIG || z == -EFBIG)
		return 0;
	if ((r == 0) != (z == 0))
		abort(); /* one accepted what the other refused */
	if (r == 0 && (sa.len != sb.len || memcmp(a, b, sa.len) != 0))
		abort(); /* both accepted, with different output */
	return 0;
}
