/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Path resolution confined to a root: symlinks (absolute and relative) and ".."
 * never leave it, with openat2 and with the user-space fallback; mkdir -p and
 * file creation inside the root through symlinks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/util/fs.h"
#include "../../core/userland/rootpath.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char *base;
static int rootfd;

static ino_t ino_at(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static ino_t ino_of(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
	struct stat st;
	return lstat(p, &st) == 0 ? st.st_ino : 0;
}

static void mk(const char *rel, bool dir)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
	if (dir)
		mkdir(p, 0755);
	else
		close(open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
}

static void ln(const char *target, const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
	if (symlink(target, p) < 0)
		perror("symlink");
}

/* Resolving `path` inside the root lands on `want` (relative to the root dir). */
static void resolves(const char *path, const char *want, const char *mode)
{
	int fd = root_open(rootfd, path, O_PATH);
	ok(fd >= 0 && ino_at(fd) == ino_of(want), "%s: '%s' resolves to '%s'", mode, path, want);
	if (fd >= 0)
		close(fd);
}

static void setup(void)
{
	char tmpl[] = "/tmp/box-rootpath.XXXXXX";
	base = xstrdup(mkdtemp(tmpl));
	mk("root", true);
	mk("root/etc", true);
	mk("root/etc/os-release", false);
	mk("root/usr", true);
	mk("root/usr/bin", true);
	mk("root/usr/bin/sh", false);
	mk("outside", false); /* a file next to the root that must never be reached */
	ln("usr/bin", "root/bin");
	ln("/etc", "root/abs-etc");
	ln("../../../../outside", "root/up");
	ln("/../../outside", "root/abs-up");
	ln("../etc/os-release", "root/usr/rel");
	ln("loop2", "root/loop1");
	ln("loop1", "root/loop2");
	ln("/nonexistent/file", "root/dangling");
	_cleanup_free_ char *r = xasprintf("%s/root", base);
	rootfd = open(r, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static void test_resolve(const char *mode)
{
	int fd;

	resolves("etc/os-release", "root/etc/os-release", mode);
	resolves("/etc/os-release", "root/etc/os-release", mode);
	resolves("bin/sh", "root/usr/bin/sh", mode);
	resolves("abs-etc/os-release", "root/etc/os-release", mode);
	resolves("usr/rel", "root/etc/os-release", mode);
	resolves("../../..", "root", mode);
	resolves("/", "root", mode);
	fd = root_open(rootfd, "up", O_PATH);
	is_int(fd, -ENOENT, "%s: a relative symlink out of the root stays inside (ENOENT)", mode);
	fd = root_open(rootfd, "abs-up", O_PATH);
	is_int(fd, -ENOENT, "%s: '/..' in an absolute symlink is clamped at the root", mode);
	fd = root_open(rootfd, "../outside", O_PATH);
	is_int(fd, -ENOENT, "%s: '..' from the root does not reach its parent", mode);
	fd = root_open(rootfd, "loop1", O_PATH);
	is_int(fd, -ELOOP, "%s: a symlink loop is ELOOP", mode);
	fd = root_open(rootfd, "etc/os-release/x", O_PATH);
	is_int(fd, -ENOTDIR, "%s: a file in the middle is ENOTDIR", mode);
	fd = root_open(rootfd, "bin", O_PATH | O_NOFOLLOW);
	ok(fd >= 0 && ino_at(fd) == ino_of("root/bin"), "%s: O_NOFOLLOW opens the link itself",
	   mode);
	if (fd >= 0)
		close(fd);
}

static void test_create(const char *mode, const char *sub)
{
	struct box_err *err = NULL;
	_cleanup_free_ char *d = xasprintf("/abs-etc/%s/a/b", sub);
	_cleanup_free_ char *dwant = xasprintf("root/etc/%s/a/b", sub);
	int fd = root_mkdir_p(rootfd, d, 0755, &err);
	ok(fd >= 0 && ino_at(fd) == ino_of(dwant), "%s: mkdir -p through an absolute symlink", mode);
	if (fd >= 0)
		close(fd);
	_cleanup_free_ char *f = xasprintf("bin/%s-file", sub);
	_cleanup_free_ char *fwant = xasprintf("root/usr/bin/%s-file", sub);
	fd = root_mkfile(rootfd, f, 0644, &err);
	ok(fd >= 0 && ino_at(fd) == ino_of(fwant), "%s: create a file through a symlinked dir",
	   mode);
	if (fd >= 0)
		close(fd);
	fd = root_mkfile(rootfd, "dangling", 0644, &err);
	ok(fd < 0 && !path_exists("/nonexistent/file"),
	   "%s: no file is created through a dangling symlink", mode);
	box_err_free(err);
}

int main(void)
{
	setup();
	ok(rootfd >= 0, "test tree created");
	test_resolve("openat2");
	test_create("openat2", "k");
	rootpath_force_fallback = true;
	test_resolve("fallback");
	test_create("fallback", "u");
	close(rootfd);
	struct box_err *err = NULL;
	rm_rf(base, &err);
	box_err_free(err);
	free(base);
	return tap_done();
}
