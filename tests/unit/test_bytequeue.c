/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The byte queue between two threads: every byte arrives once and in order, EOF after
 * the writer closes, -EPIPE for a writer whose reader is gone. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../../core/util/bytequeue.h"
#include "tap.h"

#define TOTAL (9u * 1024 * 1024 + 12345) /* not a whole number of chunks */

static uint8_t byte_at(size_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

struct writer {
	struct bq *q;
	int result;
	size_t written;
};

/* Writes of many sizes, from 1 byte to more than a chunk. */
static void *writer_main(void *arg)
{
	struct writer *w = arg;
	static uint8_t buf[BQ_CHUNK + 4096];
	size_t sizes[] = { 1, 7, 4096, 65536, BQ_CHUNK - 3, BQ_CHUNK + 4096, 100000 };

	for (size_t k = 0; w->written < TOTAL && w->result == 0; k++) {
		size_t n = sizes[k % (sizeof(sizes) / sizeof(sizes[0]))];
		if (n > TOTAL - w->written)
			n = TOTAL - w->written;
		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(w->written + i);
		w->result = bq_write(w->q, buf, n);
		if (w->result == 0)
			w->written += n;
	}
	bq_close_write(w->q);
	return NULL;
}

int main(void)
{
	struct bq *q = bq_new();
	struct writer w = { .q = q };
	pthread_t t;
	const void *p;
	ssize_t n;
	size_t got = 0, bad = 0, reads = 0;

	pthread_create(&t, NULL, writer_main, &w);
	while ((n = bq_read(q, &p)) > 0) {
		const uint8_t *b = p;
		for (ssize_t i = 0; i < n; i++)
			bad += b[i] != byte_at(got + (size_t)i);
		got += (size_t)n;
		reads++;
	}
	pthread_join(t, NULL);
	is_int(n, 0, "the reader gets EOF after the writer closed");
	is_int(got, TOTAL, "every byte arrived once");
	is_int(bad, 0, "in order and unchanged");
	ok(reads <= TOTAL / BQ_CHUNK + 1, "in whole chunks but the last (%zu reads)", reads);
	is_int(bq_read(q, &p), 0, "a read after EOF is EOF again");
	bq_free(q);

	/* The reader goes away in the middle: the writer is told, not left waiting. */
	q = bq_new();
	w = (struct writer){ .q = q };
	pthread_create(&t, NULL, writer_main, &w);
	ok(bq_read(q, &p) == BQ_CHUNK, "a first chunk is read");
	bq_close_read(q);
	pthread_join(t, NULL);
	is_int(w.result, -EPIPE, "the writer gets -EPIPE once the reader closed");
	ok(w.written < TOTAL, "and stopped before the end (%zu bytes)", w.written);
	bq_free(q);

	/* A short stream in one thread: the writer's partial chunk goes out at close. */
	q = bq_new();
	is_int(bq_write(q, "hello", 5), 0, "5 bytes written");
	bq_close_write(q);
	n = bq_read(q, &p);
	ok(n == 5 && memcmp(p, "hello", 5) == 0, "are read at once after the close");
	is_int(bq_read(q, &p), 0, "then EOF");
	bq_free(q);

	/* Nothing written at all. */
	q = bq_new();
	bq_close_write(q);
	is_int(bq_read(q, &p), 0, "an empty stream is EOF at once");
	bq_free(q);
	return tap_done();
}
