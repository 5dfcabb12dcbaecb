/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gzip decoding with igzip (core/image/gunzip.h), against streams zlib wrote. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../core/image/gunzip.h"
#include "tap.h"

struct sink {
	unsigned char *buf;
	size_t len, cap, limit;
};

static int to_buf(const void *data, size_t len, void *ud)
{
	struct sink *s = ud;
	if (s->limit && s->len + len > s->limit)
		return -EFBIG;
	if (s->len + len > s->cap) {
		s->cap = (s->len + len) * 2;
		s->buf = realloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, data, len);
	s->len += len;
	return 0;
}

/* One gzip member of in[0..len) as zlib writes it; *ret_len gets its size. */
static unsigned char *gz(const unsigned char *in, size_t len, size_t *ret_len)
{
	z_stream z = { 0 };
	size_t cap = len + len / 100 + 1024;
	unsigned char *out = malloc(cap);

	if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*ret_len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Decode in, fed `step` bytes at a time (0: at once); the status of the feeds and end,
 * the output in s, the message in *msg. */
static int decode(const unsigned char *in, size_t len, size_t step, struct sink *s, char **msg,
		  int *not_gzip)
{
	struct box_err *err = NULL;
	struct gunzip *g = gunzip_new(to_buf, s);
	int r = 0;

	for (size_t off = 0; r >= 0 && off < len;) {
		size_t n = step && len - off > step ? step : len - off;
		r = gunzip_feed(g, in + off, n, &err);
		off += n;
	}
	if (r >= 0)
		r = gunzip_end(g, &err);
	*msg = err ? strdup(err->msg) : NULL;
	if (not_gzip)
		*not_gzip = gunzip_not_gzip(g);
	box_err_free(err);
	gunzip_free(g);
	return r;
}

int main(void)
{
	size_t n = 3 << 20, alen, blen;
	unsigned char *data = malloc(n);
	unsigned int x = 12345;
	char *msg = NULL;
	int ng = 0;

	/* Half text that compresses, half pseudo-random bytes that do not. */
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = i < n / 2 ? (unsigned char)("0123456789abcdef"[(x >> 16) & 15]) :
				      (unsigned char)(x >> 16);
	}
	unsigned char *a = gz(data, n, &alen);
	unsigned char *b = gz((const unsigned char *)"second member\n", 14, &blen);

	size_t steps[] = { 0, 1, 7, 65536 };
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct sink s = { 0 };
		size_t step = steps[k] == 1 ? 1 : steps[k];
		/* feeding one byte at a time takes long on 3 MiB: use the first 64 KiB there */
		size_t len = steps[k] == 1 ? 0 : alen;
		if (steps[k] == 1) {
			size_t small;
			unsigned char *c = gz(data, 65536, &small);
			is_int(decode(c, small, step, &s, &msg, NULL), 0, "64 KiB fed a byte at a time");
			ok(s.len == 65536 && memcmp(s.buf, data, 65536) == 0, "... decode to the input");
			free(c);
		} else {
			is_int(decode(a, len, step, &s, &msg, NULL), 0, "3 MiB fed %zu bytes at a time",
			       step ? step : len);
			ok(s.len == n && memcmp(s.buf, data, n) == 0, "... decode to the input");
		}
		free(s.buf);
		free(msg);
	}

	/* Two members in a row: their contents in a row. */
	unsigned char *ab = malloc(alen + blen);
	memcpy(ab, a, alen);
	memcpy(ab + alen, b, blen);
	struct sink s = { 0 };
	is_int(decode(ab, alen + blen, 4096, &s, &msg, NULL), 0, "two members decode");
	ok(s.len == n + 14 && memcmp(s.buf, data, n) == 0 &&
	       memcmp(s.buf + n, "second member\n", 14) == 0,
	   "... to both contents, in order");
	free(s.buf);
	free(msg);

	/* No bytes at all: an empty stream. */
	s = (struct sink){ 0 };
	is_int(decode(a, 0, 0, &s, &msg, NULL), 0, "an empty stream is no error");
	is_int(s.len, 0, "... and decodes to nothing");
	free(msg);

	/* Cut short: the end says so. */
	s = (struct sink){ 0 };
	is_int(decode(a, alen - 5, 0, &s, &msg, NULL), -EBADMSG, "a truncated stream fails");
	is_str(msg, "the gzip stream is truncated", "... saying it is truncated");
	free(s.buf);
	free(msg);

	/* A wrong CRC-32 in the trailer. */
	unsigned char *bad = malloc(alen);
	memcpy(bad, a, alen);
	bad[alen - 8] ^= 0x55;
	s = (struct sink){ 0 };
	is_int(decode(bad, alen, 0, &s, &msg, NULL), -EBADMSG, "a wrong CRC-32 fails");
	ok(msg && strstr(msg, "CRC-32"), "... naming the CRC (%s)", msg ? msg : "");
	free(s.buf);
	free(msg);
	/* A wrong size in the trailer. */
	memcpy(bad, a, alen);
	bad[alen - 4] ^= 0x01;
	s = (struct sink){ 0 };
	is_int(decode(bad, alen, 0, &s, &msg, NULL), -EBADMSG, "a wrong size in the trailer fails");
	free(s.buf);
	free(msg);
	/* A flipped bit in the deflate data. */
	memcpy(bad, a, alen);
	bad[alen / 3] ^= 0x10;
	s = (struct sink){ 0 };
	is_int(decode(bad, alen, 0, &s, &msg, NULL), -EBADMSG, "corrupt deflate data fails");
	free(s.buf);
	free(msg);

	/* Not gzip at all (an xz header). */
	const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46 };
	s = (struct sink){ 0 };
	is_int(decode(xz, sizeof(xz), 0, &s, &msg, &ng), -EBADMSG, "xz data fails");
	ok(ng, "... as not gzip data");
	is_str(msg, "not gzip data", "... saying so");
	free(msg);

	/* A reserved bit in FLG, the header's fourth byte, fed one byte at a time. */
	memcpy(bad, a, alen);
	bad[3] |= 0x40;
	s = (struct sink){ 0 };
	is_int(decode(bad, alen, 1, &s, &msg, &ng), -EBADMSG, "a reserved header flag fails");
	ok(ng && msg && strcmp(msg, "not gzip data") == 0, "... as not gzip data (%s)",
	   msg ? msg : "");
	free(s.buf);
	free(msg);
	/* ... and in a second member, after the first decoded. */
	memcpy(ab + alen, b, blen);
	ab[alen + 3] |= 0x80;
	s = (struct sink){ 0 };
	is_int(decode(ab, alen + blen, 3, &s, &msg, &ng), -EBADMSG, "a reserved flag in a second member fails");
	ok(!ng && msg && strstr(msg, "after a member: reserved"), "... after the member (%s)",
	   msg ? msg : "");
	free(s.buf);
	free(msg);

	/* Bytes after the last member that are not another member. */
	memcpy(ab + alen, "garbage!", 8);
	s = (struct sink){ 0 };
	is_int(decode(ab, alen + 8, 0, &s, &msg, &ng), -EBADMSG, "trailing garbage fails");
	ok(!ng && msg && strncmp(msg, "after a member", 14) == 0, "... after the member (%s)",
	   msg ? msg : "");
	free(s.buf);
	free(msg);

	/* The sink's error stops decoding and is returned as it is. */
	s = (struct sink){ .limit = 1 << 20 };
	is_int(decode(a, alen, 0, &s, &msg, NULL), -EFBIG, "the sink's error is returned");
	ok(s.len <= 1 << 20, "... and nothing more is written");
	free(s.buf);
	free(msg);

	free(bad);
	free(ab);
	free(a);
	free(b);
	free(data);
	return tap_done();
}
