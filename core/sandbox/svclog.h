/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output of a sandbox's services, kept in size-capped files in its data dir:
 * logs/<service>.log, and the file before it as logs/<service>.log.1 once it grew
 * past SVCLOG_MAX (so a chatty service costs at most twice that). The supervisor
 * inside writes them through a directory fd it was given on the host; `box logs`
 * reads them: the last lines of both, and new output as it comes.
 */
#ifndef BOX_SVCLOG_H
#define BOX_SVCLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

#define SVCLOG_MAX (1024 * 1024)

/* $DATA/sandboxes/<name>/logs and the log of one service there; caller frees. */
char *svclog_dir(const char *name);
char *svclog_path(const char *name, const char *service);

/* An open log: appends, and starts a new file past max bytes. */
struct svclog {
	int dirfd; /* not owned */
	char *file;
	int fd;
	uint64_t size, max;
};
int svclog_open(struct svclog *l, int dirfd, const char *service, uint64_t max);
void svclog_write(struct svclog *l, const void *buf, size_t len);
void svclog_close(struct svclog *l);

/* The last `lines` lines (0: everything) of path.1 followed by path. */
int svclog_tail(const char *path, size_t lines, char **ret, size_t *ret_len, struct box_err **err);
/* Of a buffer: where its last `lines` lines start (0: at 0). */
size_t svclog_tail_offset(const char *buf, size_t len, size_t lines);

/*
 * Follow path from its current end, as `tail -F` does across a new file: out gets
 * every new chunk. Checks about four times a second; returns 0 when keep() says
 * to stop (after a last read).
 */
int svclog_follow(const char *path, bool (*keep)(void *arg),
		  void (*out)(const char *buf, size_t len, void *arg), void *arg);

#endif
