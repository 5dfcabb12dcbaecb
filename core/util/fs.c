/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File helpers. Every fd is O_CLOEXEC; trees are walked with openat, never by string paths. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "xalloc.h"

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fs_read_fd_all(int fd, size_t max, char **ret, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = xmalloc(cap + 1);

	for (;;) {
		if (len == cap) {
			if (cap >= max + 1)
				return -EFBIG;
			cap = MIN(cap * 2, max + 1);
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return -EFBIG;
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int read_file_flags(const char *path, int flags, size_t max, char **ret, size_t *ret_len,
			   struct box_err **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return box_err_set(err, errno, "open '%s'", path);
	int r = fs_read_fd_all(fd, max, ret, ret_len);
	if (r == -EFBIG)
		return box_err_set(err, EFBIG, "read '%s': larger than %zu bytes", path, max);
	if (r < 0)
		return box_err_set(err, -r, "read '%s'", path);
	return 0;
}

int fs_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct box_err **err)
{
	return read_file_flags(path, 0, max, ret, ret_len, err);
}

int fs_read_file_nofollow(const char *path, size_t max, char **ret, size_t *ret_len,
			  struct box_err **err)
{
	return read_file_flags(path, O_NOFOLLOW, max, ret, ret_len, err);
}

/* A fresh temp file beside path (O_EXCL, never one that was there nor what a symlink
 * there points at), written, optionally fsync'd, renamed over path. */
static int replace_file(const char *path, const void *data, size_t len, mode_t mode, bool sync,
			struct box_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	_cleanup_free_ char *dir = xstrdup(path);
	int r;

	(void)unlink(tmp);
	_cleanup_close_ int fd =
	    open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return box_err_set(err, errno, "create '%s'", tmp);
	r = fs_write_all(fd, data, len);
	if (r == 0 && sync && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return box_err_set(err, -r, "write '%s'", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return box_err_set(err, -r, "rename '%s'", path);
	}
	if (!sync)
		return 0;
	_cleanup_close_ int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		(void)fsync(dfd);
	return 0;
}

int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct box_err **err)
{
	return replace_file(path, data, len, mode, true, err);
}

int fs_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			  struct box_err **err)
{
	return replace_file(path, data, len, mode, false, err);
}

int mkdir_p(const char *path, mode_t mode, struct box_err **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return box_err_set(err, errno, "create directory '%s'", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return box_err_set(err, errno, "create directory '%s'", p);
	return 0;
}

static int rm_rf_at(int dfd, dev_t dev)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(dfd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev)
				return -EBUSY; /* never cross into a mount */
			/* Unreadable dirs from an image (mode 000) must still be removable. */
			(void)fchmodat(dirfd(d), de->d_name, 0700, 0);
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = -errno;
				continue;
			}
			int q = rm_rf_at(sub, dev);
			if (q < 0 && r == 0)
				r = q;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && r == 0)
				r = -errno;
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && r == 0) {
			r = -errno;
		}
	}
	return r;
}

int rm_rf(const char *path, struct box_err **err)
{
	struct stat st;
	int r;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return box_err_set(err, errno, "remove '%s'", path);
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return box_err_set(err, errno, "remove '%s'", path);
		return 0;
	}
	(void)chmod(path, 0700);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return box_err_set(err, errno, "remove '%s'", path);
	r = rm_rf_at(fd, st.st_dev);
	if (r < 0)
		return box_err_set(err, -r, "remove '%s'", path);
	if (rmdir(path) < 0 && errno != ENOENT)
		return box_err_set(err, errno, "remove '%s'", path);
	return 0;
}

/* Blocks on disk, or (content) the bytes of regular files with each hard link
 * counting its share, so a file linked twice in the tree counts once. */
static uint64_t du_at(int dfd, dev_t dev, bool content)
{
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	struct dirent *de;
	uint64_t sum = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (st.st_dev != dev)
			continue;
		if (!content)
			sum += (uint64_t)st.st_blocks * 512;
		else if (S_ISREG(st.st_mode))
			sum += (uint64_t)st.st_size / (st.st_nlink ? st.st_nlink : 1);
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				sum += du_at(sub, dev, content);
		}
	}
	return sum;
}

static uint64_t du_path(const char *path, bool content)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return content ? (S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0)
			       : (uint64_t)st.st_blocks * 512;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	return du_at(fd, st.st_dev, content);
}

uint64_t du_bytes(const char *path)
{
	return du_path(path, false);
}

uint64_t du_content_bytes(const char *path)
{
	return du_path(path, true);
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int lock_file(const char *path, bool exclusive, bool wait, struct box_err **err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return box_err_set(err, errno, "open lock '%s'", path);
	/* flock locks die with the process, so a dead holder never leaves a stale lock. */
	int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
	while (flock(fd, op) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return box_err_set(err, EBUSY, "'%s' is locked by another box process",
					   path);
		return box_err_set(err, e, "lock '%s'", path);
	}
	return fd;
}

char *find_in_path(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	_cleanup_free_ char *copy = xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", dir, name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
	}
	return NULL;
}

static unsigned keep_used, keep_max;

bool fd_keep_take(void)
{
	if (!keep_max) {
		struct rlimit rl;
		rlim_t soft = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
		keep_max = soft == RLIM_INFINITY || soft > 65536 ? 32768 : (unsigned)soft / 2;
		if (!keep_max)
			keep_max = 1;
	}
	if (keep_used >= keep_max)
		return false;
	keep_used++;
	return true;
}

void fd_keep_put(void)
{
	if (keep_used)
		keep_used--;
}

ssize_t fs_pread_all(int fd, char **buf, size_t *cap, size_t max)
{
	size_t len = 0;

	if (!*buf || *cap < 2) {
		*cap = MAX(*cap, (size_t)4096);
		*buf = xrealloc(*buf, *cap);
	}
	for (;;) {
		ssize_t n = pread(fd, *buf + len, *cap - 1 - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		len += (size_t)n;
		/*
		 * seq_file returns short only at the end or when its own buffer (at least a
		 * page) filled up: a short answer under half a page is the whole file, and
		 * costs a single syscall. Otherwise read on until 0.
		 */
		if (n == 0 || (len == (size_t)n && len < 2048 && len < *cap - 1))
			break;
		if (len + 1 >= *cap) {
			if (*cap >= max)
				return -EFBIG;
			*cap = MIN(*cap * 2, max);
			*buf = xrealloc(*buf, *cap);
		}
	}
	(*buf)[len] = '\0';
	return (ssize_t)len;
}
