/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Adds the caller to the image's user database inside the sandbox's root. Every
 * path is resolved with openat2(RESOLVE_IN_ROOT) under the root's fd: an image's
 * /etc/passwd that is a symlink to an absolute path must not lead out of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "users.h"
#include "../util/util.h"
#include "../util/xalloc.h"

/* Field `idx` of a colon-separated line (not NUL-terminated), as a number; -1 if none. */
static long field_num(const char *l, size_t n, int idx)
{
	const char *p = l, *end = l + n;
	char tmp[24];

	for (int i = 0; i < idx; i++) {
		p = memchr(p, ':', (size_t)(end - p));
		if (!p)
			return -1;
		p++;
	}
	const char *q = memchr(p, ':', (size_t)(end - p));
	size_t len = (size_t)((q ? q : end) - p);
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	long v;
	return parse_int_range(tmp, 0, INT32_MAX, &v) < 0 ? -1 : v;
}

static bool name_is(const char *l, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n > k && memcmp(l, name, k) == 0 && l[k] == ':';
}

int users_db_update(const char *buf, size_t len, const char *name, long id, const char *line,
		    char **ret)
{
	/* Every kept line gets a newline (the file's last may lack one), then line, newline
	 * and the terminator. */
	size_t cap = len + 1 + strlen(line) + 2, o = 0;
	bool same = false;

	*ret = NULL;
	if (len > USERS_DB_MAX || !*name || strchr(line, '\n') || memchr(buf, '\0', len))
		return -EINVAL;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = (nl ? (size_t)(nl - buf) : len) - i;
		bool n_match = name_is(buf + i, n, name);
		bool i_match = id >= 0 && field_num(buf + i, n, 2) == id;
		if (n_match && (id < 0 || i_match))
			same = true;
		i += n + 1;
	}
	if (same)
		return 0;
	char *out = xmalloc(cap);
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = (nl ? (size_t)(nl - buf) : len) - i;
		bool drop =
		    name_is(buf + i, n, name) || (id >= 0 && field_num(buf + i, n, 2) == id);
		if (!drop && n > 0) {
			memcpy(out + o, buf + i, n);
			o += n;
			out[o++] = '\n';
		}
		i += n + 1;
	}
	size_t ll = strlen(line);
	memcpy(out + o, line, ll);
	o += ll;
	out[o++] = '\n';
	out[o] = '\0';
	*ret = out;
	return 1;
}

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

/* Replace etc/<file> atomically, keeping its owner and mode (shadow is 0640 root:shadow). */
static int replace_file(int etcfd, const char *file, const char *data, const struct stat *st,
			struct box_err **err)
{
	_cleanup_free_ char *tmp = xasprintf(".%s.box.%d", file, (int)getpid());
	_cleanup_close_ int fd = openat(
	    etcfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, st->st_mode & 07777);
	if (fd < 0)
		return box_err_set(err, errno, "create '/etc/%s'", tmp);
	int r = fs_write_all(fd, data, strlen(data));
	if (r == 0 && (fchown(fd, st->st_uid, st->st_gid) < 0 ||
		       fchmod(fd, st->st_mode & 07777) < 0 || fsync(fd) < 0))
		r = -errno;
	if (r == 0 && renameat(etcfd, tmp, etcfd, file) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(etcfd, tmp, 0);
		return box_err_set(err, -r, "write '/etc/%s'", file);
	}
	return 0;
}

static int update_db(int etcfd, const char *file, const char *name, long id, const char *line,
		     bool optional, struct box_err **err)
{
	_cleanup_close_ int fd = openat(etcfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL, *out = NULL;
	struct stat st;
	size_t len;
	int r;

	/* shadow is optional: missing, or unreadable in a root filesystem owned by ids
	 * outside the namespace (a --rootfs extracted by the real root). */
	if (fd < 0 && (errno == ENOENT || errno == EACCES) && optional) {
		log_debug("not updating /etc/%s: %s", file, strerror(errno));
		return 0;
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		return box_err_set(err, errno, "open '/etc/%s' in the sandbox", file);
	r = fs_read_fd_all(fd, USERS_DB_MAX, &buf, &len);
	if (r < 0)
		return box_err_set(err, -r, "read '/etc/%s' in the sandbox", file);
	r = users_db_update(buf, len, name, id, line, &out);
	if (r <= 0)
		return r < 0 ? box_err_set(err, -r, "update '/etc/%s'", file) : 0;
	log_debug("adding '%s' to /etc/%s", name, file);
	return replace_file(etcfd, file, out, &st, err);
}

static bool exists_in_root(int rootfd, const char *path)
{
	int fd = open_in_root(rootfd, path, O_PATH);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static const char *pick_shell(int rootfd, const char *host_shell)
{
	if (host_shell && *host_shell == '/' && exists_in_root(rootfd, host_shell + 1))
		return host_shell;
	if (exists_in_root(rootfd, "bin/bash"))
		return "/bin/bash";
	return "/bin/sh";
}

static int add_sudoers(int rootfd, const char *name, struct box_err **err)
{
	if (!exists_in_root(rootfd, "usr/bin/sudo") && !exists_in_root(rootfd, "bin/sudo"))
		return 0;
	_cleanup_close_ int dfd = open_in_root(rootfd, "etc/sudoers.d", O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return 0;
	/* sudo skips files in sudoers.d whose names contain '.' (or end in '~'), and
	 * refuses group- or world-writable ones: no dots, 0440 as visudo makes them. */
	_cleanup_free_ char *file = xasprintf("box-%s", name);
	for (char *p = file; *p; p++)
		if (*p == '.')
			*p = '_';
	_cleanup_free_ char *line = xasprintf("%s ALL=(ALL:ALL) NOPASSWD: ALL\n", name);
	_cleanup_close_ int fd =
	    openat(dfd, file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0440);
	if (fd < 0 || fs_write_all(fd, line, strlen(line)) < 0)
		return box_err_set(err, errno, "write '/etc/sudoers.d/%s'", file);
	return 0;
}

int users_setup(const char *root, const struct users_entry *u, struct box_err **err)
{
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rootfd < 0)
		return box_err_set(err, errno, "open '%s'", root);
	_cleanup_close_ int etcfd = open_in_root(rootfd, "etc", O_RDONLY | O_DIRECTORY);
	if (etcfd < 0)
		return box_err_set(err, -etcfd, "open '/etc' in the sandbox");
	const char *shell = pick_shell(rootfd, u->shell);
	_cleanup_free_ char *pw = xasprintf("%s:x:%u:%u:%s:%s:%s", u->name, (unsigned)u->uid,
					    (unsigned)u->gid, u->name, u->home, shell);
	_cleanup_free_ char *gr = xasprintf("%s:x:%u:", u->group, (unsigned)u->gid);
	_cleanup_free_ char *sh =
	    xasprintf("%s:!:%ld:0:99999:7:::", u->name, (long)(time(NULL) / 86400));

	r = update_db(etcfd, "passwd", u->name, (long)u->uid, pw, false, err);
	if (r >= 0)
		r = update_db(etcfd, "group", u->group, (long)u->gid, gr, false, err);
	if (r >= 0)
		r = update_db(etcfd, "shadow", u->name, -1, sh, true, err);
	if (r >= 0)
		r = add_sudoers(rootfd, u->name, err);
	return r;
}
