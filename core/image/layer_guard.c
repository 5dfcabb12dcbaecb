/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guards around unpacking a layer (see layer_guard.h). libarchive's
 * archive_read_support_filter_all() would run every decompressor it knows on
 * unverified bytes, and for lrzip, lzop, grzip and friends it starts an external
 * program found in $PATH: the media type decides instead, and only gzip and zstd
 * (the only compressions OCI and Docker define) are ever enabled.
 *
 * Publishing makes the tree durable before the rename with one syncfs. It flushes
 * the whole file system, other users' dirty data included, but it costs one journal
 * commit and one cache flush. The alternative, BOX_PULL_SYNC=files (for benchmarks,
 * like BOX_PULL_SYNC=none, which gives up the guarantee), fsyncs each file and
 * directory the layer wrote after starting the writeback of all of them
 * (sync_file_range): on ext4 every fsync sends the disk a cache flush even when its
 * journal commit is done, and tests/bench/bench-pull-layers.sh measured the 6-layer
 * pull 3x slower that way, while syncfs against none showed no difference beyond the
 * noise of a loaded machine.
 */
#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_guard.h"

static const char *comp_name(enum layer_comp comp)
{
	switch (comp) {
	case LAYER_COMP_GZIP:
		return "gzip";
	case LAYER_COMP_ZSTD:
		return "zstd";
	case LAYER_COMP_NONE:
		return "uncompressed";
	case LAYER_COMP_DETECT:
		break;
	}
	return "gzip, zstd or uncompressed";
}

int layer_decomp_setup(struct archive *a, enum layer_comp comp, struct box_err **err)
{
	int r = ARCHIVE_OK;

	/* ARCHIVE_WARN means "will use an external program": refuse that. */
	if (comp == LAYER_COMP_GZIP || comp == LAYER_COMP_DETECT)
		r = archive_read_support_filter_gzip(a);
	if (r == ARCHIVE_OK && (comp == LAYER_COMP_ZSTD || comp == LAYER_COMP_DETECT))
		r = archive_read_support_filter_zstd(a);
	if (r != ARCHIVE_OK)
		return box_err_set(err, ENOTSUP,
				   "this libarchive has no built-in %s decompressor (box runs no "
				   "external one)",
				   comp_name(comp));
	return 0;
}

int layer_decomp_check(struct archive *a, enum layer_comp comp, struct box_err **err)
{
	int code = archive_filter_code(a, 0);
	bool good = false;

	switch (comp) {
	case LAYER_COMP_GZIP:
		good = code == ARCHIVE_FILTER_GZIP;
		break;
	case LAYER_COMP_ZSTD:
		good = code == ARCHIVE_FILTER_ZSTD;
		break;
	case LAYER_COMP_NONE:
		good = code == ARCHIVE_FILTER_NONE;
		break;
	case LAYER_COMP_DETECT:
		good = code == ARCHIVE_FILTER_GZIP || code == ARCHIVE_FILTER_ZSTD ||
		       code == ARCHIVE_FILTER_NONE;
		break;
	}
	if (!good)
		return box_err_set(err, EBADMSG, "the media type says %s, but the blob is not",
				   comp_name(comp));
	return 0;
}

uint64_t layer_cap(uint64_t configured, const char *dir, const char **ret_why)
{
	struct statvfs sv;
	uint64_t cap = configured ? configured : LAYER_MAX_SIZE;

	*ret_why = "the limit set by max_layer_size in [image] of config.ini";
	if (statvfs(dir, &sv) == 0) {
		uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
		uint64_t room = avail > LAYER_FREE_MARGIN ? avail - LAYER_FREE_MARGIN : 0;
		if (room < cap) {
			cap = room;
			*ret_why = "what the free space in the store allows (512M are kept free)";
		}
	}
	return cap;
}

int layer_cap_error(size_t index, uint64_t cap, const char *why, struct box_err **err)
{
	char size[32];

	/* in the units config.ini takes */
	if (cap >= (1ULL << 30) && cap % (1ULL << 30) == 0)
		snprintf(size, sizeof(size), "%lluG", (unsigned long long)(cap >> 30));
	else if (cap >= (1ULL << 20) && cap % (1ULL << 20) == 0)
		snprintf(size, sizeof(size), "%lluM", (unsigned long long)(cap >> 20));
	else
		snprintf(size, sizeof(size), "%llu bytes", (unsigned long long)cap);
	return box_err_set(err, EFBIG, "layer %zu unpacks to more than %s, %s", index, size, why);
}

static int sync_dir(const char *path, bool whole_fs, struct box_err **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return box_err_set(err, errno, "open '%s'", path);
	/* One syncfs writes every file and directory of the tree at once, far cheaper
	 * than an fsync for each of a layer's thousands of files. */
	if ((whole_fs ? syncfs(fd) : fsync(fd)) < 0)
		return box_err_set(err, errno, "sync '%s'", path);
	return 0;
}

enum sync_pass { SYNC_START, SYNC_WAIT };

static bool is_kind(int dfd, const struct dirent *de, unsigned char type, mode_t mode)
{
	struct stat st;
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == type;
	return fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (st.st_mode & S_IFMT) == mode;
}

static int sync_file(int dfd, const char *name, enum sync_pass pass)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (pass == SYNC_START)
		return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0 ? -errno : 0;
	return fsync(fd) < 0 ? -errno : 0;
}

/* One pass over the tree under dfd (which it closes): files, subdirectories, then the
 * directory itself in the wait pass. */
static int sync_tree(int dfd, enum sync_pass pass)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		close(dfd);
		return r;
	}
	while (r == 0 && (de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (is_kind(dirfd(d), de, DT_REG, S_IFREG)) {
			r = sync_file(dirfd(d), de->d_name, pass);
		} else if (is_kind(dirfd(d), de, DT_DIR, S_IFDIR)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			r = sub < 0 ? -errno : sync_tree(sub, pass);
		}
	}
	if (r == 0 && pass == SYNC_WAIT && fsync(dirfd(d)) < 0)
		r = -errno;
	closedir(d);
	return r;
}

static int sync_files(const char *path, struct box_err **err)
{
	int r = 0;

	for (enum sync_pass pass = SYNC_START; r == 0 && pass <= SYNC_WAIT; pass++) {
		int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = fd < 0 ? -errno : sync_tree(fd, pass);
	}
	/* A file its owner may not read (mode 000 outside a user namespace): one syncfs. */
	if (r == -EACCES || r == -EPERM)
		return sync_dir(path, true, err);
	if (r < 0)
		return box_err_set(err, -r, "sync the files of '%s'", path);
	return 0;
}

int layer_publish(const char *tmp, const char *dest, struct box_err **err)
{
	_cleanup_free_ char *parent = xstrdup(dest);
	char *slash = strrchr(parent, '/');
	int r;

	const char *how = getenv("BOX_PULL_SYNC");

	if (slash)
		*slash = '\0';
	if (how && streq(how, "files"))
		r = sync_files(tmp, err);
	else if (!how || !streq(how, "none"))
		r = sync_dir(tmp, true, err);
	else
		r = 0;
	if (r < 0)
		return r;
	if (rename(tmp, dest) < 0)
		return box_err_set(err, errno, "rename '%s' to '%s'", tmp, dest);
	return sync_dir(slash ? parent : ".", false, err);
}
