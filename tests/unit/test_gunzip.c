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

/* The data every test decodes: n bytes, a as one member, b a short second member. */
struct fixture {
	unsigned char *data, *a, *b;
	size_t n, alen, blen;
};

/* Decode in (fed `step` bytes at a time) into a sink that is thrown away; the status,
 * the message in *msg (caller frees), whether it was not gzip in *ng. */
static int decode_only(const unsigned char *in, size_t len, size_t step, char **msg, int *ng)
{
	struct sink s = { 0 };
	int r = decode(in, len, step, &s, msg, ng);
	free(s.buf);
	return r;
}

/* a with one byte changed: a fresh copy (caller frees). */
static unsigned char *flip(const struct fixture *f, size_t at, unsigned char bits)
{
	unsigned char *c = malloc(f->alen);
	memcpy(c, f->a, f->alen);
	c[at] ^= bits;
	return c;
}

static void test_round_trips(const struct fixture *f)
{
	size_t steps[] = { 0, 7, 65536 };
	struct sink s = { 0 };
	size_t small;
	char *msg = NULL;
	/* feeding one byte at a time takes long on 3 MiB: the first 64 KiB there */
	unsigned char *c = gz(f->data, 65536, &small);

	is_int(decode(f->a, f->alen, 0, &s, &msg, NULL), 0, "3 MiB fed %zu bytes at a time", f->alen);
	ok(s.len == f->n && memcmp(s.buf, f->data, f->n) == 0, "... decode to the input");
	free(s.buf);
	free(msg);
	s = (struct sink){ 0 };
	is_int(decode(c, small, 1, &s, &msg, NULL), 0, "64 KiB fed a byte at a time");
	ok(s.len == 65536 && memcmp(s.buf, f->data, 65536) == 0, "... decode to the input");
	free(s.buf);
	free(msg);
	free(c);
	for (size_t k = 1; k < sizeof(steps) / sizeof(steps[0]); k++) {
		s = (struct sink){ 0 };
		is_int(decode(f->a, f->alen, steps[k], &s, &msg, NULL), 0,
		       "3 MiB fed %zu bytes at a time", steps[k]);
		ok(s.len == f->n && memcmp(s.buf, f->data, f->n) == 0, "... decode to the input");
		free(s.buf);
		free(msg);
	}
}

static void test_members(const struct fixture *f, unsigned char *ab)
{
	struct sink s = { 0 };
	char *msg = NULL;
	int ng = 0;

	/* Two members in a row: their contents in a row. */
	is_int(decode(ab, f->alen + f->blen, 4096, &s, &msg, NULL), 0, "two members decode");
	ok(s.len == f->n + 14 && memcmp(s.buf, f->data, f->n) == 0 &&
	       memcmp(s.buf + f->n, "second member\n", 14) == 0,
	   "... to both contents, in order");
	free(s.buf);
	free(msg);

	/* No bytes at all: an empty stream. */
	s = (struct sink){ 0 };
	is_int(decode(f->a, 0, 0, &s, &msg, NULL), 0, "an empty stream is no error");
	is_int(s.len, 0, "... and decodes to nothing");
	free(msg);

	/* A reserved FLG bit in a second member, after the first decoded. */
	ab[f->alen + 3] |= 0x80;
	is_int(decode_only(ab, f->alen + f->blen, 3, &msg, &ng), -EBADMSG,
	       "a reserved flag in a second member fails");
	ok(!ng && msg && strstr(msg, "after a member: reserved"), "... after the member (%s)",
	   msg ? msg : "");
	free(msg);

	/* Bytes after the last member that are not another member. */
	memcpy(ab + f->alen, "garbage!", 8);
	is_int(decode_only(ab, f->alen + 8, 0, &msg, &ng), -EBADMSG, "trailing garbage fails");
	ok(!ng && msg && strncmp(msg, "after a member", 14) == 0, "... after the member (%s)",
	   msg ? msg : "");
	free(msg);
}

static void test_corrupt(const struct fixture *f)
{
	char *msg = NULL;
	int ng = 0;
	unsigned char *bad;

	is_int(decode_only(f->a, f->alen - 5, 0, &msg, NULL), -EBADMSG, "a truncated stream fails");
	is_str(msg, "the gzip stream is truncated", "... saying it is truncated");
	free(msg);

	bad = flip(f, f->alen - 8, 0x55);
	is_int(decode_only(bad, f->alen, 0, &msg, NULL), -EBADMSG, "a wrong CRC-32 fails");
	ok(msg && strstr(msg, "CRC-32"), "... naming the CRC (%s)", msg ? msg : "");
	free(msg);
	free(bad);
	bad = flip(f, f->alen - 4, 0x01);
	is_int(decode_only(bad, f->alen, 0, &msg, NULL), -EBADMSG, "a wrong size in the trailer fails");
	free(msg);
	free(bad);
	bad = flip(f, f->alen / 3, 0x10);
	is_int(decode_only(bad, f->alen, 0, &msg, NULL), -EBADMSG, "corrupt deflate data fails");
	free(msg);
	free(bad);

	/* Not gzip at all (an xz header). */
	const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46 };
	is_int(decode_only(xz, sizeof(xz), 0, &msg, &ng), -EBADMSG, "xz data fails");
	ok(ng, "... as not gzip data");
	is_str(msg, "not gzip data", "... saying so");
	free(msg);

	/* A reserved bit in FLG, the header's fourth byte, fed one byte at a time. */
	bad = flip(f, 3, 0x40);
	is_int(decode_only(bad, f->alen, 1, &msg, &ng), -EBADMSG, "a reserved header flag fails");
	ok(ng && msg && strcmp(msg, "not gzip data") == 0, "... as not gzip data (%s)",
	   msg ? msg : "");
	free(msg);
	free(bad);
}

int main(void)
{
	struct fixture f = { .n = 3 << 20 };
	unsigned int x = 12345;
	struct sink s = { .limit = 1 << 20 };
	char *msg = NULL;

	/* Half text that compresses, half pseudo-random bytes that do not. */
	f.data = malloc(f.n);
	for (size_t i = 0; i < f.n; i++) {
		x = x * 1103515245u + 12345u;
		f.data[i] = i < f.n / 2 ? (unsigned char)("0123456789abcdef"[(x >> 16) & 15]) :
					  (unsigned char)(x >> 16);
	}
	f.a = gz(f.data, f.n, &f.alen);
	f.b = gz((const unsigned char *)"second member\n", 14, &f.blen);
	unsigned char *ab = malloc(f.alen + f.blen);
	memcpy(ab, f.a, f.alen);
	memcpy(ab + f.alen, f.b, f.blen);

	test_round_trips(&f);
	test_members(&f, ab);
	test_corrupt(&f);

	/* The sink's error stops decoding and is returned as it is. */
	is_int(decode(f.a, f.alen, 0, &s, &msg, NULL), -EFBIG, "the sink's error is returned");
	ok(s.len <= 1 << 20, "... and nothing more is written");
	free(s.buf);
	free(msg);

	free(ab);
	free(f.a);
	free(f.b);
	free(f.data);
	return tap_done();
}
