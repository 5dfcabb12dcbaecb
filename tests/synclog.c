/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An LD_PRELOAD observer for the pull tests: logs syncfs, fsync (with the path of
 * the file) and rename calls (one line each, in call order, to $SYNCLOG) and then
 * makes the real call. Used to check that a layer is synced before the rename that
 * publishes it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void note(const char *what, const char *arg)
{
	const char *path = getenv("SYNCLOG");
	char line[8192];
	int fd, n;

	if (!path)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", what, arg ? arg : "");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1)) < 0)
			n = 0;
		close(fd);
	}
}

int syncfs(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "syncfs");
	note("syncfs", NULL);
	return real(fd);
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	char link[64], path[4096];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 0] = '\0';
	note("fsync", path);
	return real(fd);
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) =
	    (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	note("rename", to);
	return real(from, to);
}
