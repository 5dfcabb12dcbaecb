/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gzip decoding with ISA-L (gunzip.h). */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../util/macro.h"
#include "../util/xalloc.h"
#include "gunzip.h"

#define GUNZIP_OUT (256 * 1024)

struct gunzip {
	struct inflate_state st;
	gunzip_sink sink;
	void *ud;
	bool in_member;	   /* a member has begun and not ended */
	bool member_out;   /* ... and has given output */
	unsigned hdr_seen; /* of its first bytes, how many went in (up to FLG's) */
	bool not_gzip;
	uint64_t members;
	uint8_t out[GUNZIP_OUT];
};

struct gunzip *gunzip_new(gunzip_sink sink, void *ud)
{
	struct gunzip *g = xcalloc(1, sizeof(*g));

	isal_inflate_init(&g->st);
	g->sink = sink;
	g->ud = ud;
	return g;
}

void gunzip_free(struct gunzip *g)
{
	free(g);
}

static const char *why(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid deflate block";
	case ISAL_INVALID_SYMBOL:
		return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid back reference";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "compression method is not deflate";
	case ISAL_INCORRECT_CHECKSUM:
		return "CRC-32 or size does not match the data";
	case ISAL_NEED_DICT:
		return "needs a preset dictionary";
	default:
		return "corrupt data";
	}
}

/* A new member starts at the next input byte. */
static void member_start(struct gunzip *g)
{
	uint8_t *in = g->st.next_in;
	uint32_t avail = g->st.avail_in;

	isal_inflate_reset(&g->st);
	g->st.next_in = in;
	g->st.avail_in = avail;
	g->st.crc_flag = ISAL_GZIP;
	g->in_member = true;
	g->member_out = false;
	g->hdr_seen = 0;
}

/*
 * FLG, a member's fourth byte, among the next `avail` bytes: its reserved bits must be
 * zero (RFC 1952 2.3.1.2), as zlib and libarchive require and igzip does not check.
 * A first member with them set is not gzip data.
 */
static bool flags_ok(struct gunzip *g, uint32_t avail)
{
	for (uint32_t i = 0; g->hdr_seen + i < 4 && i < avail; i++)
		if (g->hdr_seen + i == 3 && (g->st.next_in[i] & 0xe0)) {
			g->not_gzip = g->members == 0;
			return false;
		}
	return true;
}

int gunzip_feed(struct gunzip *g, const void *in, size_t len, struct box_err **err)
{
	const uint8_t *p = in;

	while (len > 0) {
		/* avail_in is 32 bits: feed at most 1 GiB at a time. */
		uint32_t chunk = len > (1U << 30) ? 1U << 30 : (uint32_t)len;
		g->st.next_in = (uint8_t *)p;
		g->st.avail_in = chunk;
		p += chunk;
		len -= chunk;
		for (;;) {
			if (!g->in_member) {
				if (g->st.avail_in == 0)
					break;
				member_start(g);
			}
			uint32_t before = g->st.avail_in;
			if (!flags_ok(g, before))
				return box_err_set(err, EBADMSG, "%s",
						   g->not_gzip ? "not gzip data"
							       : "after a member: reserved gzip "
								 "header flags are set");
			g->st.next_out = g->out;
			g->st.avail_out = GUNZIP_OUT;
			int r = isal_inflate(&g->st);
			size_t n = GUNZIP_OUT - g->st.avail_out;
			g->hdr_seen += MIN(4U, before - g->st.avail_in);
			g->hdr_seen = MIN(g->hdr_seen, 4U);
			if (r < 0) {
				g->not_gzip =
				    g->members == 0 && !g->member_out &&
				    (r == ISAL_INVALID_WRAPPER || r == ISAL_UNSUPPORTED_METHOD);
				if (g->not_gzip)
					return box_err_set(err, EBADMSG, "not gzip data");
				return box_err_set(err, EBADMSG, "%s%s",
						   g->members ? "after a member: " : "", why(r));
			}
			if (n > 0) {
				g->member_out = true;
				int s = g->sink(g->out, n, g->ud);
				if (s < 0)
					return s;
			}
			if (g->st.block_state == ISAL_BLOCK_FINISH) {
				g->in_member = false;
				g->members++;
				continue;
			}
			if (n < GUNZIP_OUT && g->st.avail_in == 0)
				break; /* wants more input */
			if (n == 0 && g->st.avail_in == before)
				return box_err_set(err, EBADMSG, "the gzip decoder stalled");
		}
	}
	return 0;
}

int gunzip_end(struct gunzip *g, struct box_err **err)
{
	if (g->in_member && g->members > 0 && !g->member_out)
		return box_err_set(err, EBADMSG,
				   "after a member: bytes that are not another member");
	if (g->in_member)
		return box_err_set(err, EBADMSG, "the gzip stream is truncated");
	return 0;
}

int gunzip_not_gzip(const struct gunzip *g)
{
	return g->not_gzip;
}
