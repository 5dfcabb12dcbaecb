/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unpacking one layer tar into a directory (see layer.h for the contract). The
 * archive is untrusted, so every entry goes through the same steps: clean the path
 * (no ".."), resolve its parent beneath the layer root without ever following a
 * symlink out of it, then create the last component with *at() calls that never
 * follow it (O_NOFOLLOW, O_EXCL, AT_SYMLINK_NOFOLLOW). Directory modes and mtimes
 * are applied at the end, when nothing more is written into them.
 *
 * Whiteouts (tested with kernel 6.x overlayfs mounted with userxattr in a user
 * namespace, and fuse-overlayfs 1.10):
 *  - ".wh.NAME" becomes a 0/0 character device NAME. Both drivers read it, and
 *    the kernel lets an unprivileged user namespace create exactly this device
 *    (whiteouts are exempt from CAP_MKNOD since Linux 5.8). Where mknod is refused
 *    anyway, an empty ".wh.NAME" file is kept, which only fuse-overlayfs reads.
 *  - ".wh..wh..opq" becomes the xattr user.overlay.opaque=y on its directory.
 *    Both drivers read it (the kernel with userxattr; trusted.overlay.* cannot be
 *    set without CAP_SYS_ADMIN on the host). Where user xattrs are unsupported the
 *    ".wh..wh..opq" file is kept, which only fuse-overlayfs reads; kernel overlayfs
 *    would show it as a plain file.
 * Overlay xattrs found in the archive itself are dropped: a layer must not forge
 * opaque markers or redirects for the overlay drivers.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "layer.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#define WH_PREFIX    ".wh."
#define WH_OPAQUE    ".wh..wh..opq"
#define OPAQUE_XATTR "user.overlay.opaque"
#define MAX_SYMLINKS 40

struct dir_meta {
	char *path;
	mode_t mode;
	struct timespec mtime;
};

struct extract {
	int root;
	const struct layer_opts *o;
	uint64_t max_entry_size, max_entries;
	bool beneath_fallback;
	struct layer_stats st;
	/* Parent directory of the last entry; the path is forgotten when a symlink is
	 * made or anything is removed (resolution may change), the fd is closed only
	 * when replaced, as the entry being made may still use it. */
	char *cache_path;
	int cache_fd;
	struct dir_meta *dirs;
	size_t n_dirs, cap_dirs;
};

static void cache_drop(struct extract *x)
{
	free(x->cache_path);
	x->cache_path = NULL;
}

int layer_path_clean(const char *path, char **ret, struct box_err **err)
{
	size_t n = strlen(path);
	_cleanup_free_ char *out = NULL;
	char *o;
	const char *p = path;

	if (n > LAYER_MAX_PATH)
		return box_err_set(err, ENAMETOOLONG, "archive path longer than %d bytes",
				   LAYER_MAX_PATH);
	o = out = xmalloc(n + 2);
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			_cleanup_free_ char *shown = str_escape(path);
			return box_err_set(err, EINVAL, "archive path '%s' contains '..'", shown);
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p = *end ? end + 1 : end;
	}
	if (o == out)
		*o++ = '.';
	*o = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

bool layer_is_whiteout(const char *name, const char **target)
{
	if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) != 0)
		return false;
	*target = streq(name, WH_OPAQUE) ? NULL : name + strlen(WH_PREFIX);
	return true;
}

/* One component below dir, not followed: a directory or symlink fd (*is_link). */
static int walk_step(int dir, const char *name, bool *is_link)
{
	struct stat st;
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))) {
		close(fd);
		return -ENOTDIR;
	}
	*is_link = S_ISLNK(st.st_mode);
	return fd;
}

/* What to walk after meeting symlink fd: its target, then the rest of the path. */
static int walk_expand(int fd, const char *after, char **ret)
{
	char target[LAYER_MAX_PATH + 1];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	if (n >= (ssize_t)sizeof(target) - 1)
		return -ENAMETOOLONG;
	target[n] = '\0';
	if (target[0] == '/')
		return -EXDEV;
	*ret = after ? xasprintf("%s/%s", target, after) : xstrdup(target);
	return 0;
}

/*
 * Fallback for kernels without openat2: walk one component at a time with
 * O_NOFOLLOW, expanding relative symlinks ourselves. An absolute target or a ".."
 * above the root is refused with -EXDEV, as RESOLVE_BENEATH does.
 */
static int walk_beneath(int root, const char *path)
{
	_cleanup_free_ int *stack = xmalloc(sizeof(int) * (LAYER_MAX_PATH / 2 + 2));
	_cleanup_free_ char *rest = xstrdup(path);
	size_t depth = 0;
	int links = 0, r = 0;
	char *p = rest;

	stack[0] = root;
	while (*p && r == 0) {
		char *end = strchrnul(p, '/'), *next = NULL;
		char *after = *end ? end + 1 : NULL;
		bool is_link = false;
		*end = '\0';
		if (streq(p, "..")) {
			if (depth == 0)
				r = -EXDEV;
			else
				close(stack[depth--]);
		} else if (*p && !streq(p, ".")) {
			int fd = walk_step(stack[depth], p, &is_link);
			if (fd < 0)
				r = fd;
			else if (!is_link && depth + 1 >= LAYER_MAX_PATH / 2)
				r = -ENAMETOOLONG;
			else if (!is_link)
				stack[++depth] = TAKE_FD(fd);
			else if (++links > MAX_SYMLINKS)
				r = -ELOOP;
			else
				r = walk_expand(fd, after, &next);
			if (next) {
				free(rest);
				after = rest = next;
			}
			if (fd >= 0)
				close(fd);
		}
		p = after ? after : end;
	}
	if (r == 0 && depth == 0) {
		r = openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (r < 0)
			r = -errno;
	} else if (r == 0) {
		r = stack[depth--];
	}
	while (depth > 0)
		close(stack[depth--]);
	return r;
}

/* Open directory `path` (cleaned) beneath the root as an O_PATH fd. */
static int open_beneath(struct extract *x, const char *path)
{
	if (!x->beneath_fallback) {
		struct open_how how = {
			.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
		};
		long fd = syscall(SYS_openat2, x->root, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		log_debug("openat2 is not available, resolving layer paths component by component");
		x->beneath_fallback = true;
	}
	int fd = walk_beneath(x->root, path);
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			close(fd);
			return -ENOTDIR;
		}
	}
	return fd;
}

static int resolve_error(const char *path, int r, struct box_err **err)
{
	_cleanup_free_ char *shown = str_escape(path);
	if (r == -EXDEV)
		return box_err_set(err, EXDEV,
				   "'%s' resolves through a symlink that leaves the layer", shown);
	if (r == -ELOOP)
		return box_err_set(err, ELOOP, "'%s' resolves through too many symlinks", shown);
	if (r == -ENOTDIR)
		return box_err_set(err, ENOTDIR, "'%s' is not a directory", shown);
	return box_err_set(err, -r, "resolve '%s' in the layer", shown);
}

/* Open the parent directory `dir`, creating missing components (mode 0755). */
static int open_parent(struct extract *x, const char *dir, struct box_err **err)
{
	int fd = open_beneath(x, dir);
	if (fd != -ENOENT)
		return fd < 0 ? resolve_error(dir, fd, err) : fd;

	_cleanup_free_ char *prefix = xstrdup(dir);
	_cleanup_close_ int cur = openat(x->root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *p = prefix;
	for (;;) {
		char *slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		fd = open_beneath(x, prefix);
		if (fd == -ENOENT) {
			if (mkdirat(cur, p, 0755) < 0 && errno != EEXIST)
				return box_err_set(err, errno, "create directory '%s'", prefix);
			fd = open_beneath(x, prefix);
		}
		if (fd < 0)
			return resolve_error(prefix, fd, err);
		close(cur);
		cur = fd;
		if (!slash)
			return TAKE_FD(cur);
		*slash = '/';
		p = slash + 1;
	}
}

/* Remove what is at name unless both it and the new entry are directories.
 * Returns 1 when an existing directory is kept. */
static int remove_existing(struct extract *x, int pfd, const char *name, bool new_dir,
			   struct box_err **err)
{
	struct stat st;

	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : box_err_set(err, errno, "stat existing entry");
	if (S_ISDIR(st.st_mode) && new_dir)
		return 1;
	cache_drop(x);
	if (unlinkat(pfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return box_err_set(err, errno, "replace existing entry");
	return 0;
}

static bool xattr_dropped(const char *name)
{
	static const char *const prefixes[] = { "trusted.overlay.", "user.overlay.",
						"user.fuseoverlayfs.", "user.containers." };
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static int apply_xattrs(int fd, struct archive_entry *e, struct box_err **err)
{
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (xattr_dropped(name)) {
			log_debug("layer: dropping overlay xattr '%s'", name);
			continue;
		}
		if (fsetxattr(fd, name, value, size, 0) == 0)
			continue;
		if (errno == ENOSPC || errno == EDQUOT || errno == EIO)
			return box_err_set(err, errno, "set xattr '%s'", name);
		log_debug("layer: skipping xattr '%s': %s", name, strerror(errno));
	}
	return 0;
}

/* Owner (as the archive says) of the object fd refers to (O_PATH fds work too). */
static int apply_owner(struct extract *x, int fd, struct archive_entry *e, struct box_err **err)
{
	if (x->o->no_chown)
		return 0;
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno == EINVAL)
		return box_err_set(err, EINVAL,
				   "owner %u:%u is not mapped in the user namespace (is the "
				   "subordinate id range in /etc/subuid large enough?)",
				   (unsigned)uid, (unsigned)gid);
	return box_err_set(err, errno, "set owner %u:%u", (unsigned)uid, (unsigned)gid);
}

static struct timespec entry_mtime(struct archive_entry *e)
{
	struct timespec t = { .tv_sec = 0, .tv_nsec = UTIME_OMIT };
	if (archive_entry_mtime_is_set(e)) {
		t.tv_sec = archive_entry_mtime(e);
		t.tv_nsec = archive_entry_mtime_nsec(e);
	}
	return t;
}

static int write_data(struct extract *x, struct archive *a, int fd, int64_t size,
		      struct box_err **err)
{
	const void *buf;
	size_t len;
	int64_t off, end = 0;
	int r;

	while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off + len > (uint64_t)size)
			return box_err_set(err, EFBIG, "file data beyond its declared size");
		for (size_t done = 0; done < len;) {
			ssize_t n =
			    pwrite(fd, (const char *)buf + done, len - done, off + (off_t)done);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return box_err_set(err, errno, "write file");
			}
			done += (size_t)n;
		}
		end = off + (int64_t)len;
		x->st.bytes += len;
	}
	if (r != ARCHIVE_EOF)
		return box_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO,
				   "read file data: %s", archive_error_string(a));
	/* Sparse files may end in a hole. */
	if (end < size && ftruncate(fd, size) < 0)
		return box_err_set(err, errno, "extend sparse file");
	return 0;
}

static int make_regular(struct extract *x, struct archive *a, struct archive_entry *e, int pfd,
			const char *name, struct box_err **err)
{
	int64_t size = archive_entry_size(e);
	struct timespec ts[2];
	int r;

	if (size < 0 || (uint64_t)size > x->max_entry_size)
		return box_err_set(err, EFBIG,
				   "file of %lld bytes is larger than the limit of %llu",
				   (long long)size, (unsigned long long)x->max_entry_size);
	_cleanup_close_ int fd =
	    openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		if ((r = remove_existing(x, pfd, name, false, err)) < 0)
			return r;
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return box_err_set(err, errno, "create file");
	if ((r = write_data(x, a, fd, size, err)) < 0 || (r = apply_owner(x, fd, e, err)) < 0 ||
	    (r = apply_xattrs(fd, e, err)) < 0)
		return r;
	/* After chown, which clears setuid/setgid. */
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return box_err_set(err, errno, "set mode");
	ts[0] = ts[1] = entry_mtime(e);
	if (futimens(fd, ts) < 0)
		return box_err_set(err, errno, "set mtime");
	x->st.files++;
	return 0;
}

static int make_directory(struct extract *x, struct archive_entry *e, int pfd, const char *name,
			  const char *path, struct box_err **err)
{
	int r = 0;

	if (!streq(path, ".") && mkdirat(pfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return box_err_set(err, errno, "create directory");
		if ((r = remove_existing(x, pfd, name, true, err)) < 0)
			return r;
		if (r == 0 && mkdirat(pfd, name, 0700) < 0)
			return box_err_set(err, errno, "create directory");
	}
	_cleanup_close_ int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return box_err_set(err, errno, "open directory");
	if ((r = apply_owner(x, fd, e, err)) < 0 || (r = apply_xattrs(fd, e, err)) < 0)
		return r;
	if (x->n_dirs == x->cap_dirs) {
		x->cap_dirs = x->cap_dirs ? x->cap_dirs * 2 : 256;
		x->dirs = xrealloc(x->dirs, x->cap_dirs * sizeof(*x->dirs));
	}
	x->dirs[x->n_dirs++] = (struct dir_meta){ .path = xstrdup(path),
						  .mode = archive_entry_perm(e) & 07777,
						  .mtime = entry_mtime(e) };
	return 0;
}

/* Metadata of an object we cannot open for writing (symlink, FIFO). */
static int apply_path_meta(struct extract *x, struct archive_entry *e, int pfd, const char *name,
			   bool is_link, struct box_err **err)
{
	struct timespec ts[2];
	int r;
	_cleanup_close_ int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return box_err_set(err, errno, "open new entry");
	if ((r = apply_owner(x, fd, e, err)) < 0)
		return r;
	if (!is_link && fchmodat(pfd, name, archive_entry_perm(e) & 07777, 0) < 0)
		return box_err_set(err, errno, "set mode");
	ts[0] = ts[1] = entry_mtime(e);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return box_err_set(err, errno, "set mtime");
	return 0;
}

static int make_symlink(struct extract *x, struct archive_entry *e, int pfd, const char *name,
			struct box_err **err)
{
	const char *target = archive_entry_symlink(e);
	int r;

	if (!target || !*target || strlen(target) > LAYER_MAX_PATH)
		return box_err_set(err, EINVAL, "symlink with an empty or over-long target");
	/* A new name cannot change how the cached parent resolves (all its components
	 * exist); a replaced one can, and remove_existing drops the cache. */
	if (symlinkat(target, pfd, name) < 0) {
		if (errno != EEXIST)
			return box_err_set(err, errno, "create symlink");
		if ((r = remove_existing(x, pfd, name, false, err)) < 0)
			return r;
		if (symlinkat(target, pfd, name) < 0)
			return box_err_set(err, errno, "create symlink");
	}
	return apply_path_meta(x, e, pfd, name, true, err);
}

static int make_hardlink(struct extract *x, struct archive_entry *e, int pfd, const char *name,
			 const char *path, struct box_err **err)
{
	_cleanup_free_ char *target = NULL, *shown = NULL;
	int r;

	if ((r = layer_path_clean(archive_entry_hardlink(e), &target, err)) < 0)
		return r;
	if (streq(target, path))
		return 0;
	char *slash = strrchr(target, '/');
	const char *tname = slash ? slash + 1 : target;
	if (slash)
		*slash = '\0';
	_cleanup_close_ int tfd = open_beneath(x, slash ? target : ".");
	if (slash)
		*slash = '/';
	shown = str_escape(target);
	if (tfd < 0)
		return tfd == -ENOENT
			   ? box_err_set(err, ENOENT,
					 "hard link to '%s', which is not in the layer", shown)
			   : resolve_error(target, tfd, err);
	r = linkat(tfd, tname, pfd, name, 0);
	if (r < 0 && errno == EEXIST) {
		if ((r = remove_existing(x, pfd, name, false, err)) < 0)
			return r;
		r = linkat(tfd, tname, pfd, name, 0);
	}
	if (r < 0)
		return box_err_set(err, errno,
				   errno == ENOENT ? "hard link to '%s', which is not "
						     "in the layer"
						   : "hard link to '%s'",
				   shown);
	return 0;
}

static int make_whiteout(struct extract *x, int pfd, const char *name, const char *hidden,
			 struct box_err **err)
{
	struct stat st;

	x->st.whiteouts++;
	if (!hidden) {
		_cleanup_close_ int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0 && fsetxattr(dfd, OPAQUE_XATTR, "y", 1, 0) == 0)
			return 0;
		log_debug("layer: %s not supported here (%s), keeping %s", OPAQUE_XATTR,
			  strerror(errno), WH_OPAQUE);
	} else {
		if (!*hidden || streq(hidden, ".") || streq(hidden, ".."))
			return box_err_set(err, EINVAL, "whiteout without a valid name");
		/* The layer's own entry of that name wins over its whiteout (OCI). */
		if (fstatat(pfd, hidden, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 0;
		if (mknodat(pfd, hidden, S_IFCHR | 0000, makedev(0, 0)) == 0)
			return 0;
		if (!err_is_privilege(-errno))
			return box_err_set(err, errno, "create whiteout");
		log_debug("layer: whiteout device refused (%s), keeping %s", strerror(errno), name);
	}
	_cleanup_close_ int fd =
	    openat(pfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return box_err_set(err, errno, "create whiteout file");
	return 0;
}

static int make_entry(struct extract *x, struct archive *a, struct archive_entry *e,
		      const char *path, int pfd, const char *name, struct box_err **err)
{
	const char *hidden;
	mode_t type = archive_entry_filetype(e);

	if (archive_entry_hardlink(e))
		return make_hardlink(x, e, pfd, name, path, err);
	if (layer_is_whiteout(name, &hidden))
		return make_whiteout(x, pfd, name, hidden, err);
	switch (type) {
	case AE_IFREG:
		return make_regular(x, a, e, pfd, name, err);
	case AE_IFDIR:
		return make_directory(x, e, pfd, name, path, err);
	case AE_IFLNK:
		return make_symlink(x, e, pfd, name, err);
	case AE_IFIFO: {
		int r = mkfifoat(pfd, name, 0600);
		if (r < 0 && errno == EEXIST) {
			if ((r = remove_existing(x, pfd, name, false, err)) < 0)
				return r;
			r = mkfifoat(pfd, name, 0600);
		}
		if (r < 0)
			return box_err_set(err, errno, "create fifo");
		return apply_path_meta(x, e, pfd, name, false, err);
	}
	default:
		/* Devices cannot be created in a user namespace and a sandbox has its own /dev. */
		log_debug("layer: skipping device or socket '%s'", path);
		x->st.skipped++;
		return 0;
	}
}

/* The parent directory fd of path (cached for runs of files in one directory). */
static int parent_of(struct extract *x, const char *path, const char **ret_name,
		     struct box_err **err)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");

	*ret_name = slash ? slash + 1 : path;
	if (streq(path, "."))
		return x->root;
	if (x->cache_path && streq(x->cache_path, dir))
		return x->cache_fd;
	int fd = open_parent(x, dir, err);
	if (fd < 0)
		return fd;
	cache_drop(x);
	if (x->cache_fd >= 0)
		close(x->cache_fd);
	x->cache_path = TAKE_PTR(dir);
	x->cache_fd = fd;
	return fd;
}

static int one_entry(struct extract *x, struct archive *a, struct archive_entry *e,
		     struct box_err **err)
{
	const char *raw = archive_entry_pathname(e), *name;
	_cleanup_free_ char *path = NULL;
	int r;

	if (!raw)
		return box_err_set(err, EINVAL, "entry without a path name");
	if (++x->st.entries > x->max_entries)
		return box_err_set(err, E2BIG, "more than %llu entries",
				   (unsigned long long)x->max_entries);
	if ((r = layer_path_clean(raw, &path, err)) < 0)
		return r;
	int pfd = parent_of(x, path, &name, err);
	if (pfd >= 0)
		r = make_entry(x, a, e, path, pfd, streq(path, ".") ? "." : name, err);
	if (pfd < 0 || r < 0) {
		_cleanup_free_ char *shown = str_escape(path);
		return box_err_wrap(err, "entry '%s'", shown);
	}
	return 0;
}

/* Modes and mtimes of directories, deepest last-created first, once all is written. */
static int finish_dirs(struct extract *x, struct box_err **err)
{
	for (size_t i = x->n_dirs; i-- > 0;) {
		struct dir_meta *d = &x->dirs[i];
		struct timespec ts[2] = { d->mtime, d->mtime };
		int fd = open_beneath(x, d->path);
		if (fd < 0)
			continue; /* replaced later in the layer */
		_cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		if (dfd < 0 || fchmod(dfd, d->mode) < 0 || futimens(dfd, ts) < 0)
			return box_err_set(err, errno, "set mode and mtime of directory '%s'",
					   d->path);
	}
	return 0;
}

static void extract_done(struct extract *x)
{
	cache_drop(x);
	if (x->cache_fd >= 0)
		close(x->cache_fd);
	for (size_t i = 0; i < x->n_dirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
}

int layer_extract(struct archive *a, int dirfd_root, const struct layer_opts *o,
		  struct layer_stats *ret, struct box_err **err)
{
	static const struct layer_opts defaults = { 0 };
	struct extract x = { .root = dirfd_root, .o = o ? o : &defaults, .cache_fd = -1 };
	struct archive_entry *e;
	const char *env = getenv("BOX_LAYER_NO_OPENAT2");
	int r = 0;

	x.max_entry_size = x.o->max_entry_size ? x.o->max_entry_size : LAYER_MAX_ENTRY_SIZE;
	x.max_entries = x.o->max_entries ? x.o->max_entries : LAYER_MAX_ENTRIES;
	x.beneath_fallback = x.o->no_openat2 || (env && streq(env, "1"));
	if (x.beneath_fallback)
		log_debug("layer: resolving paths component by component, as asked");
	/* A layer without an entry for its root gets the usual 0755, not mkdtemp's 0700,
	 * so its tree can be read outside the user namespace too. */
	if (fchmod(dirfd_root, 0755) < 0 && errno != EBADF)
		log_debug("layer: chmod of the layer root: %s", strerror(errno));
	for (;;) {
		int ar = archive_read_next_header(a, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = box_err_set(err, archive_errno(a) > 0 ? archive_errno(a) : EIO,
					"read layer: %s", archive_error_string(a));
			break;
		}
		if (ar == ARCHIVE_WARN)
			log_debug("layer: %s", archive_error_string(a));
		if ((r = one_entry(&x, a, e, err)) < 0)
			break;
	}
	if (r == 0)
		r = finish_dirs(&x, err);
	if (r == 0 && ret) {
		memcpy(ret, &x.st, sizeof(*ret));
	}
	extract_done(&x);
	return r;
}
