/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tree copy for snapshots and clones of a writable layer (see copytree.h). The walk
 * holds a directory fd per level and never follows a symlink; metadata is applied
 * after the data (chown before chmod, since chown clears setuid bits; directory
 * times after their children were written).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <search.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "copytree.h"
#include "fs.h"
#include "log.h"
#include "macro.h"
#include "xalloc.h"

#define XATTR_LIST_MAX_BYTES 65536

struct link_entry {
	dev_t dev;
	ino_t ino;
	char *rel; /* path of the first copy, relative to the destination root */
};

struct walk {
	int dst_root;
	void *links; /* tsearch tree of struct link_entry */
	struct copytree_stats st;
};

static int copy_entry(struct walk *w, int sdir, int ddir, const char *name, const char *rel,
		      struct box_err **err);

static int link_cmp(const void *a, const void *b)
{
	const struct link_entry *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void link_free(void *p)
{
	struct link_entry *e = p;

	free(e->rel);
	free(e);
}

/* The xattrs of a file, through its parent fd and name (l* calls on a /proc path work
 * for every file type, symlinks excepted, which carry none we keep). Attributes the
 * kernel refuses here (security.*, trusted.* outside the initial namespace) are left
 * out, as extraction does. */
static int copy_xattrs(int sdir, int ddir, const char *name, struct box_err **err)
{
	_cleanup_free_ char *sp = xasprintf("/proc/self/fd/%d/%s", sdir, name);
	_cleanup_free_ char *dp = xasprintf("/proc/self/fd/%d/%s", ddir, name);
	_cleanup_free_ char *list = xmalloc(XATTR_LIST_MAX_BYTES);
	_cleanup_free_ char *val = xmalloc(XATTR_LIST_MAX_BYTES);
	ssize_t n = llistxattr(sp, list, XATTR_LIST_MAX_BYTES);

	if (n < 0)
		return errno == ENOTSUP ? 0 : box_err_set(err, errno, "list xattrs of '%s'", name);
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t v = lgetxattr(sp, k, val, XATTR_LIST_MAX_BYTES);
		if (v < 0)
			continue;
		if (lsetxattr(dp, k, val, (size_t)v, 0) < 0)
			log_debug("copy: xattr %s of %s left out: %m", k, name);
	}
	return 0;
}

static int copy_data(struct walk *w, int in, int out, off_t size, struct box_err **err)
{
	off_t done = 0;

	if (ioctl(out, FICLONE, in) == 0) {
		w->st.reflinked++;
		return 0;
	}
	while (done < size) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)(size - done), 0);
		if (n < 0 &&
		    (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL) &&
		    done == 0)
			break;
		if (n < 0)
			return box_err_set(err, errno, "copy file data");
		if (n == 0)
			return 0; /* shrank meanwhile */
		done += n;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return box_err_set(err, errno, "read file data");
		if (n == 0)
			return 0;
		if (fs_write_all(out, buf, (size_t)n) < 0)
			return box_err_set(err, errno, "write file data");
	}
}

/* A second name of an inode already copied becomes a hard link to the copy. */
static int try_link(struct walk *w, const struct stat *s, int ddir, const char *name,
		    const char *rel, bool *ret_done, struct box_err **err)
{
	struct link_entry key = { .dev = s->st_dev, .ino = s->st_ino }, **found;

	*ret_done = false;
	if (s->st_nlink < 2)
		return 0;
	found = tfind(&key, &w->links, link_cmp);
	if (!found) {
		struct link_entry *e = xmalloc(sizeof(*e));
		*e = key;
		e->rel = xstrdup(rel);
		tsearch(e, &w->links, link_cmp);
		return 0;
	}
	if (linkat(w->dst_root, (*found)->rel, ddir, name, 0) < 0)
		return box_err_set(err, errno, "link '%s'", rel);
	*ret_done = true;
	return 0;
}

static int copy_file(struct walk *w, const struct stat *s, int sdir, int ddir, const char *name,
		     struct box_err **err)
{
	_cleanup_close_ int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return box_err_set(err, errno, "open '%s'", name);
	_cleanup_close_ int out =
	    openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return box_err_set(err, errno, "create '%s'", name);
	int r = copy_data(w, in, out, s->st_size, err);
	if (r < 0)
		return box_err_wrap(err, "'%s'", name);
	w->st.files++;
	w->st.bytes += (uint64_t)s->st_size;
	return 0;
}

static int copy_special(const struct stat *s, int sdir, int ddir, const char *name,
			struct box_err **err)
{
	if (S_ISLNK(s->st_mode)) {
		_cleanup_free_ char *target = xmalloc((size_t)s->st_size + PATH_MAX + 1);
		ssize_t n = readlinkat(sdir, name, target, (size_t)s->st_size + PATH_MAX);
		if (n < 0)
			return box_err_set(err, errno, "read link '%s'", name);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return box_err_set(err, errno, "create link '%s'", name);
		return 0;
	}
	if (mknodat(ddir, name, s->st_mode & (S_IFMT | 0777), s->st_rdev) < 0)
		return box_err_set(err, errno, "create '%s' (device %u:%u)", name,
				   major(s->st_rdev), minor(s->st_rdev));
	return 0;
}

/* Owner, mode, xattrs, times: in that order. */
static int copy_meta(const struct stat *s, int sdir, int ddir, const char *name,
		     struct box_err **err)
{
	struct timespec ts[2] = { s->st_atim, s->st_mtim };

	if (fchownat(ddir, name, s->st_uid, s->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return box_err_set(err, errno, "set the owner of '%s' to %u:%u", name, s->st_uid,
				   s->st_gid);
	if (!S_ISLNK(s->st_mode)) {
		if (fchmodat(ddir, name, s->st_mode & 07777, 0) < 0)
			return box_err_set(err, errno, "set the mode of '%s'", name);
		int r = copy_xattrs(sdir, ddir, name, err);
		if (r < 0)
			return r;
	}
	if (utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return box_err_set(err, errno, "set the times of '%s'", name);
	return 0;
}

static int copy_dir(struct walk *w, int sdir, int ddir, const char *rel, struct box_err **err)
{
	int dupfd = fcntl(sdir, F_DUPFD_CLOEXEC, 3);
	if (dupfd < 0)
		return box_err_set(err, errno, "open '%s'", rel);
	_cleanup_closedir_ DIR *d = fdopendir(dupfd);
	struct dirent *de;

	if (!d) {
		close(dupfd);
		return box_err_set(err, errno, "open '%s'", rel);
	}
	while ((errno = 0, de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		_cleanup_free_ char *sub =
		    streq(rel, ".") ? xstrdup(de->d_name) : xasprintf("%s/%s", rel, de->d_name);
		int r = copy_entry(w, sdir, ddir, de->d_name, sub, err);
		if (r < 0)
			return r;
	}
	return errno ? box_err_set(err, errno, "read directory '%s'", rel) : 0;
}

static int copy_subdir(struct walk *w, int sdir, int ddir, const char *name, const char *rel,
		       struct box_err **err)
{
	if (mkdirat(ddir, name, 0700) < 0)
		return box_err_set(err, errno, "create directory '%s'", rel);
	_cleanup_close_ int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return box_err_set(err, errno, "open directory '%s'", rel);
	return copy_dir(w, s, d, rel, err);
}

static int copy_entry(struct walk *w, int sdir, int ddir, const char *name, const char *rel,
		      struct box_err **err)
{
	struct stat s;
	bool linked = false;
	int r;

	if (fstatat(sdir, name, &s, AT_SYMLINK_NOFOLLOW) < 0)
		return box_err_set(err, errno, "stat '%s'", rel);
	if (S_ISSOCK(s.st_mode))
		return 0; /* a socket is a live endpoint, not content */
	if (S_ISDIR(s.st_mode))
		r = copy_subdir(w, sdir, ddir, name, rel, err);
	else if (S_ISREG(s.st_mode)) {
		r = try_link(w, &s, ddir, name, rel, &linked, err);
		if (r == 0 && !linked)
			r = copy_file(w, &s, sdir, ddir, name, err);
	} else
		r = copy_special(&s, sdir, ddir, name, err);
	if (r < 0 || linked)
		return r;
	return copy_meta(&s, sdir, ddir, name, err);
}

/* The root's own metadata, through fds (its name differs between source and copy). */
static int root_meta(int s, int d, struct box_err **err)
{
	_cleanup_free_ char *list = xmalloc(XATTR_LIST_MAX_BYTES);
	_cleanup_free_ char *val = xmalloc(XATTR_LIST_MAX_BYTES);
	struct stat st;
	ssize_t n;

	if (fstat(s, &st) < 0)
		return box_err_set(err, errno, "stat the source");
	if (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, st.st_mode & 07777) < 0)
		return box_err_set(err, errno, "set the owner and mode of the copy");
	n = flistxattr(s, list, XATTR_LIST_MAX_BYTES);
	for (char *k = list; n > 0 && k < list + n; k += strlen(k) + 1) {
		ssize_t v = fgetxattr(s, k, val, XATTR_LIST_MAX_BYTES);
		if (v >= 0 && fsetxattr(d, k, val, (size_t)v, 0) < 0)
			log_debug("copy: xattr %s of the root left out: %m", k);
	}
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	if (futimens(d, ts) < 0)
		return box_err_set(err, errno, "set the times of the copy");
	return 0;
}

int copytree(const char *src, const char *dst, struct copytree_stats *ret, struct box_err **err)
{
	_cleanup_close_ int s = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct walk w = { .dst_root = -1 };
	int r;

	if (s < 0)
		return box_err_set(err, errno, "open '%s'", src);
	if (mkdir(dst, 0700) < 0)
		return box_err_set(err, errno, "create directory '%s'", dst);
	w.dst_root = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (w.dst_root < 0)
		return box_err_set(err, errno, "open '%s'", dst);
	r = copy_dir(&w, s, w.dst_root, ".", err);
	if (r == 0)
		r = root_meta(s, w.dst_root, err);
	close(w.dst_root);
	tdestroy(w.links, link_free);
	if (r == 0 && ret)
		*ret = w.st;
	return r;
}
