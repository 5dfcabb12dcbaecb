/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gzip streams (RFC 1952) decoded as they arrive, with ISA-L's igzip: a layer's
 * single biggest CPU cost, which igzip does three to four times faster than zlib.
 * One member or several, each with its header, CRC-32 and size checked; anything
 * after the last member that is not another member is an error, as in Go's gzip
 * reader, which registries' clients use.
 */
#ifndef BOX_GUNZIP_H
#define BOX_GUNZIP_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

struct gunzip;

/* Where the decoded bytes go: 0 to go on, or -errno to stop (returned by the caller). */
typedef int (*gunzip_sink)(const void *data, size_t len, void *ud);

struct gunzip *gunzip_new(gunzip_sink sink, void *ud);
void gunzip_free(struct gunzip *g);
/*
 * Decode len more bytes of the stream. 0, the sink's negative return, or -EBADMSG
 * with *err: "not gzip data" for a stream that does not start as one, else what is
 * wrong with it.
 */
int gunzip_feed(struct gunzip *g, const void *in, size_t len, struct box_err **err);
/* The stream ended: -EBADMSG with *err when a member is unfinished. No bytes at all
 * is an empty stream, not an error. */
int gunzip_end(struct gunzip *g, struct box_err **err);
/* Whether the stream's first bytes were not a gzip header (after a failed feed). */
int gunzip_not_gzip(const struct gunzip *g);

#endif
