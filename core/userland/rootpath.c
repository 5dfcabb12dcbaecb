/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Lookups confined to a root directory fd: openat2(RESOLVE_IN_ROOT) when the
 * kernel has it, else a user-space walk that resolves one component at a time
 * with O_NOFOLLOW, splices symlink targets into the remaining path, restarts at
 * the root for absolute targets and clamps ".." at the root (what the kernel does
 * for RESOLVE_IN_ROOT). Everything here only ever opens, stats, mkdirs and
 * creates empty files: nothing is written through a resolved path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../util/log.h"
#include "rootpath.h"
#include "../util/xalloc.h"

#define MAX_SYMLINKS 40
#define MAX_DEPTH    256

bool rootpath_force_fallback;
static bool have_no_openat2;

const char *fd_path(int fd, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

static int kernel_open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	/* EAGAIN: a concurrent rename raced the ".." check; the kernel asks for a retry. */
	for (int i = 0; i < 8; i++) {
		long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN)
			return -errno;
	}
	return -EAGAIN;
}

struct walk {
	int fds[MAX_DEPTH]; /* fds[0] is the root; fds[n-1] the current directory */
	size_t n;
	char *todo; /* the rest of the path, consumed from the front */
	unsigned links;
};

static void walk_pop_to(struct walk *w, size_t n)
{
	while (w->n > n)
		close(w->fds[--w->n]);
}

/* Replace the remaining path with target + "/" + rest (a symlink being followed). */
static int walk_follow(struct walk *w, int dirfd, const char *name, const char *rest)
{
	char target[PATH_MAX];
	ssize_t len;

	if (++w->links > MAX_SYMLINKS)
		return -ELOOP;
	len = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	if (target[0] == '/')
		walk_pop_to(w, 1);
	char *next = xasprintf("%s/%s", target, rest);
	free(w->todo);
	w->todo = next;
	return 0;
}

/* Take the next component off w->todo into comp; returns false at the end. */
static bool walk_next(struct walk *w, char *comp, size_t len, bool *ret_last)
{
	char *p = w->todo, *end;
	while (*p == '/')
		p++;
	if (*p == '\0')
		return false;
	end = strchrnul(p, '/');
	size_t n = MIN((size_t)(end - p), len - 1);
	memcpy(comp, p, n);
	comp[n] = '\0';
	while (*end == '/')
		end++;
	*ret_last = *end == '\0';
	memmove(w->todo, end, strlen(end) + 1);
	return true;
}

/* One step: descend into comp, or follow it; *ret_fd is set when comp was the last one. */
static int walk_step(struct walk *w, const char *comp, bool last, int flags, int *ret_fd)
{
	int cur = w->fds[w->n - 1];
	struct stat st;

	if (streq(comp, ".") || streq(comp, "..")) {
		if (streq(comp, "..") && w->n > 1)
			walk_pop_to(w, w->n - 1);
		if (last)
			*ret_fd = openat(w->fds[w->n - 1], ".", flags | O_CLOEXEC);
		return last && *ret_fd < 0 ? -errno : 0;
	}
	if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW)))
		return walk_follow(w, cur, comp, w->todo);
	if (last) {
		*ret_fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC);
		return *ret_fd < 0 ? -errno : 0;
	}
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (w->n == MAX_DEPTH)
		return -ENAMETOOLONG;
	int fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w->fds[w->n++] = fd;
	return 0;
}

static int walk_open_in_root(int rootfd, const char *path, int flags)
{
	struct walk w = { .n = 1, .todo = xstrdup(path) };
	char comp[NAME_MAX + 1];
	bool last = false;
	int fd = -1, r = 0;

	w.fds[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (w.fds[0] < 0) {
		free(w.todo);
		return -errno;
	}
	while (fd < 0 && r == 0) {
		if (!walk_next(&w, comp, sizeof(comp), &last)) {
			/* "" or a path ending in "/" (or "..") names the current directory. */
			fd = openat(w.fds[w.n - 1], ".", flags | O_CLOEXEC);
			r = fd < 0 ? -errno : 0;
			break;
		}
		r = walk_step(&w, comp, last, flags, &fd);
	}
	walk_pop_to(&w, 0);
	free(w.todo);
	return r < 0 ? r : fd;
}

int root_open(int rootfd, const char *path, int flags)
{
	if (!rootpath_force_fallback && !have_no_openat2) {
		int fd = kernel_open_in_root(rootfd, path, flags);
		if (fd != -ENOSYS)
			return fd;
		have_no_openat2 = true;
		log_debug("openat2 is not available, resolving paths in user space");
	}
	return walk_open_in_root(rootfd, path, flags);
}

/* Split path into a parent (allocated) and its last component (points into path). */
static char *split_parent(const char *path, const char **ret_name, char *name, size_t len)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t i = n;
	while (i > 0 && path[i - 1] != '/')
		i--;
	size_t nl = MIN(n - i, len - 1);
	memcpy(name, path + i, nl);
	name[nl] = '\0';
	*ret_name = name;
	return i == 0 ? xstrdup(".") : xstrndup(path, i);
}

int root_mkdir_p(int rootfd, const char *path, mode_t mode, struct box_err **err)
{
	char buf[NAME_MAX + 1];
	const char *name;
	int fd = root_open(rootfd, path, O_PATH | O_DIRECTORY);

	if (fd >= 0 || fd != -ENOENT)
		return fd >= 0 ? fd
			       : box_err_set(err, -fd, "open directory '%s' in the rootfs", path);
	_cleanup_free_ char *parent = split_parent(path, &name, buf, sizeof(buf));
	if (!*name || streq(name, ".") || streq(name, ".."))
		return box_err_set(err, ENOENT, "open directory '%s' in the rootfs", path);
	_cleanup_close_ int pfd = root_mkdir_p(rootfd, parent, mode, err);
	if (pfd < 0)
		return pfd;
	/* EEXIST: someone else made it, or it is a dangling symlink (the reopen says). */
	if (mkdirat(pfd, name, mode) < 0 && errno != EEXIST)
		return box_err_set(err, errno, "create directory '%s' in the rootfs", path);
	fd = root_open(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return box_err_set(err, -fd, "open directory '%s' in the rootfs", path);
	return fd;
}

int root_mkfile(int rootfd, const char *path, mode_t mode, struct box_err **err)
{
	char buf[NAME_MAX + 1];
	const char *name;
	int fd = root_open(rootfd, path, O_PATH);

	if (fd >= 0 || fd != -ENOENT)
		return fd >= 0 ? fd : box_err_set(err, -fd, "open '%s' in the rootfs", path);
	_cleanup_free_ char *parent = split_parent(path, &name, buf, sizeof(buf));
	_cleanup_close_ int pfd = root_mkdir_p(rootfd, parent, 0755, err);
	if (pfd < 0)
		return pfd;
	/* O_NOFOLLOW|O_EXCL: never create through a (dangling) symlink. */
	fd = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno != EEXIST)
		return box_err_set(err, errno, "create '%s' in the rootfs", path);
	if (fd >= 0)
		close(fd);
	fd = root_open(rootfd, path, O_PATH);
	if (fd < 0)
		return box_err_set(err, -fd, "open '%s' in the rootfs", path);
	return fd;
}
