/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The byte queue (bytequeue.h). Chunks are used in turn: head is the one the writer
 * fills, tail the oldest the reader has not given back, and head - tail < BQ_CHUNKS
 * means the writer's chunk is free. One lock and one condition: two threads only.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bytequeue.h"
#include "xalloc.h"

struct bq {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned head, tail;
	size_t fill; /* bytes in the writer's chunk */
	size_t len[BQ_CHUNKS];
	bool borrowed; /* the reader holds chunk tail */
	bool wclosed, rclosed;
	unsigned char *mem;
};

struct bq *bq_new(void)
{
	struct bq *q = xcalloc(1, sizeof(*q));

	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->mem = xmalloc((size_t)BQ_CHUNK * BQ_CHUNKS);
	return q;
}

void bq_free(struct bq *q)
{
	if (!q)
		return;
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->mem);
	free(q);
}

static unsigned char *chunk(struct bq *q, unsigned i)
{
	return q->mem + (size_t)(i % BQ_CHUNKS) * BQ_CHUNK;
}

/* Under the lock: hand the writer's chunk to the reader. */
static void publish(struct bq *q)
{
	q->len[q->head % BQ_CHUNKS] = q->fill;
	q->head++;
	q->fill = 0;
	pthread_cond_broadcast(&q->cv);
}

int bq_write(struct bq *q, const void *data, size_t len)
{
	const unsigned char *p = data;

	pthread_mutex_lock(&q->mu);
	while (len > 0) {
		while (q->head - q->tail == BQ_CHUNKS && !q->rclosed)
			pthread_cond_wait(&q->cv, &q->mu);
		if (q->rclosed) {
			pthread_mutex_unlock(&q->mu);
			return -EPIPE;
		}
		/* The writer's chunk is its own: copy without the lock. */
		size_t n = BQ_CHUNK - q->fill < len ? BQ_CHUNK - q->fill : len;
		unsigned char *dst = chunk(q, q->head) + q->fill;
		pthread_mutex_unlock(&q->mu);
		memcpy(dst, p, n);
		p += n;
		len -= n;
		pthread_mutex_lock(&q->mu);
		q->fill += n;
		if (q->fill == BQ_CHUNK)
			publish(q);
	}
	pthread_mutex_unlock(&q->mu);
	return 0;
}

void bq_close_write(struct bq *q)
{
	pthread_mutex_lock(&q->mu);
	if (q->fill > 0)
		publish(q);
	q->wclosed = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

ssize_t bq_read(struct bq *q, const void **ret)
{
	ssize_t n = 0;

	pthread_mutex_lock(&q->mu);
	if (q->borrowed) {
		q->borrowed = false;
		q->tail++;
		pthread_cond_broadcast(&q->cv);
	}
	while (q->head == q->tail && !q->wclosed)
		pthread_cond_wait(&q->cv, &q->mu);
	if (q->head != q->tail) {
		q->borrowed = true;
		*ret = chunk(q, q->tail);
		n = (ssize_t)q->len[q->tail % BQ_CHUNKS];
	}
	pthread_mutex_unlock(&q->mu);
	return n;
}

void bq_close_read(struct bq *q)
{
	pthread_mutex_lock(&q->mu);
	q->rclosed = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
