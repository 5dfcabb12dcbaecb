/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A byte stream between two threads of one process, in the place of a pipe: the
 * writer copies into fixed chunks, and the reader borrows each filled chunk where it
 * lies (a pointer, valid until its next read), as libarchive's read callbacks want.
 * No system call per transfer and one copy fewer than a pipe's two. Closing either
 * end works as on a pipe: the reader gets EOF once the writer closed and the chunks
 * are read; the writer gets -EPIPE once the reader closed.
 */
#ifndef BOX_BYTEQUEUE_H
#define BOX_BYTEQUEUE_H

#include <stddef.h>
#include <sys/types.h>

#define BQ_CHUNK  (256 * 1024)
#define BQ_CHUNKS 4

struct bq;

struct bq *bq_new(void);
void bq_free(struct bq *q);
/* Copy len bytes in, waiting while every chunk is full: 0, or -EPIPE. A chunk goes to
 * the reader when it is full or the writer closes. */
int bq_write(struct bq *q, const void *data, size_t len);
/* No more bytes: the reader gets the rest, then EOF. */
void bq_close_write(struct bq *q);
/* The next filled chunk: its length and *ret pointing at it (valid until the next call
 * or bq_close_read), or 0 at EOF. Waits while there is none. */
ssize_t bq_read(struct bq *q, const void **ret);
/* The reader is gone: a waiting or later writer gets -EPIPE. */
void bq_close_read(struct bq *q);

#endif
