/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Service logs: the writer used by the service supervisor inside a sandbox (an fd
 * of the logs dir opened on the host, files made and renamed relative to it), and
 * the readers of `box logs` (tail, follow). See svclog.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/xalloc.h"
#include "sandbox.h"
#include "svclog.h"

#define FOLLOW_STEP_MS 250

char *svclog_dir(const char *name)
{
	_cleanup_free_ char *d = sandbox_data_dir(name);
	return xasprintf("%s/logs", d);
}

char *svclog_path(const char *name, const char *service)
{
	_cleanup_free_ char *d = svclog_dir(name);
	return xasprintf("%s/%s.log", d, service);
}

static int open_append(int dirfd, const char *file, uint64_t *ret_size)
{
	struct stat st;
	int fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	*ret_size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return fd;
}

int svclog_open(struct svclog *l, int dirfd, const char *service, uint64_t max)
{
	l->dirfd = dirfd;
	l->file = xasprintf("%s.log", service);
	l->max = max;
	l->fd = open_append(dirfd, l->file, &l->size);
	return l->fd < 0 ? l->fd : 0;
}

/* The current file becomes FILE.1 (replacing the one before) and a new one starts. */
static void rotate(struct svclog *l)
{
	_cleanup_free_ char *old = xasprintf("%s.1", l->file);

	if (renameat(l->dirfd, l->file, l->dirfd, old) < 0)
		return;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = open_append(l->dirfd, l->file, &l->size);
}

void svclog_write(struct svclog *l, const void *buf, size_t len)
{
	if (l->size > 0 && l->size + len > l->max)
		rotate(l);
	if (l->fd < 0 || fs_write_all(l->fd, buf, len) < 0)
		return;
	l->size += len;
}

void svclog_close(struct svclog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->file);
	l->file = NULL;
}

size_t svclog_tail_offset(const char *buf, size_t len, size_t lines)
{
	size_t i = len, seen = 0;

	if (!lines)
		return 0;
	/* A last line without its newline counts as a line. */
	if (i > 0 && buf[i - 1] == '\n')
		i--;
	while (i > 0) {
		if (buf[i - 1] == '\n' && ++seen == lines)
			return i;
		i--;
	}
	return 0;
}

int svclog_tail(const char *path, size_t lines, char **ret, size_t *ret_len, struct box_err **err)
{
	_cleanup_free_ char *old_path = xasprintf("%s.1", path);
	_cleanup_free_ char *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	int r;

	if (fs_read_file(old_path, 4 * SVCLOG_MAX, &a, &al, NULL) < 0)
		al = 0;
	r = fs_read_file(path, 4 * SVCLOG_MAX, &b, &bl, err);
	if (r < 0)
		return r;
	char *all = xmalloc(al + bl + 1);
	if (al)
		memcpy(all, a, al);
	memcpy(all + al, b, bl);
	all[al + bl] = '\0';
	size_t off = svclog_tail_offset(all, al + bl, lines);
	memmove(all, all + off, al + bl - off + 1);
	*ret = all;
	*ret_len = al + bl - off;
	return 0;
}

/* Everything from fd's offset to its end, to out. */
static void drain(int fd, void (*out)(const char *, size_t, void *), void *arg)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		out(buf, (size_t)n, arg);
}

/* A new file at path (the old one was rotated away): its inode differs from fd's. */
static bool replaced(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       (a.st_ino != b.st_ino || a.st_dev != b.st_dev);
}

int svclog_follow(const char *path, bool (*keep)(void *arg),
		  void (*out)(const char *buf, size_t len, void *arg), void *arg)
{
	const struct timespec step = { 0, FOLLOW_STEP_MS * 1000000L };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	for (;;) {
		bool more = keep(arg);
		if (fd >= 0)
			drain(fd, out, arg);
		if (fd < 0 || replaced(fd, path)) {
			if (fd >= 0)
				close(fd);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				drain(fd, out, arg);
		}
		if (!more)
			return 0;
		nanosleep(&step, NULL);
	}
}
