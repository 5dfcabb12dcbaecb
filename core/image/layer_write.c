/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A directory as an OCI layer tar (see layer_write.h), with libarchive's pax
 * writer. The walk holds one directory fd per level and never follows symlinks.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <search.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_write.h"

#define XATTR_BUF    65536
#define ETC_FILE_MAX (16u << 20)

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *rel;
};

struct writer {
	struct archive *a;
	const struct layer_write_opts *o;
	EVP_MD_CTX *md;
	int out;
	void *links;
	void *markers; /* whiteout paths written: fuse-overlayfs may mark one thing twice */
	struct layer_write_result res;
	char buf[65536];
};

static int walk_dir(struct writer *w, int dfd, const char *rel, struct box_err **err);

static la_ssize_t write_cb(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct writer *w = arg;

	EVP_DigestUpdate(w->md, buf, len);
	if (fs_write_all(w->out, buf, len) < 0) {
		archive_set_error(a, errno, "write the layer");
		return -1;
	}
	w->res.size += len;
	return (la_ssize_t)len;
}

static bool in_list(char *const *list, const char *rel)
{
	for (; list && *list; list++)
		if (streq(*list, rel))
			return true;
	return false;
}

static int link_cmp(const void *a, const void *b)
{
	const struct link_seen *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void link_free(void *p)
{
	struct link_seen *l = p;

	free(l->rel);
	free(l);
}

static bool overlay_xattr(const char *k)
{
	return str_startswith(k, "trusted.overlay.") || str_startswith(k, "user.overlay.") ||
	       str_startswith(k, "user.fuseoverlayfs.") || str_startswith(k, "security.selinux");
}

/* Copy the xattrs worth keeping into e; *ret_opaque says whether overlay marked the
 * directory opaque. */
static void add_xattrs(struct archive_entry *e, int dfd, const char *name, bool *ret_opaque)
{
	_cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", dfd, name);
	_cleanup_free_ char *list = xmalloc(XATTR_BUF), *val = xmalloc(XATTR_BUF);
	ssize_t n = llistxattr(p, list, XATTR_BUF);

	*ret_opaque = false;
	for (char *k = list; n > 0 && k < list + n; k += strlen(k) + 1) {
		ssize_t v = lgetxattr(p, k, val, XATTR_BUF);
		if (v < 0)
			continue;
		if ((streq(k, "user.overlay.opaque") || streq(k, "trusted.overlay.opaque") ||
		     streq(k, "user.fuseoverlayfs.opaque")) &&
		    v >= 1 && val[0] == 'y')
			*ret_opaque = true;
		if (!overlay_xattr(k))
			archive_entry_xattr_add_entry(e, k, val, (size_t)v);
	}
}

static int put_header(struct writer *w, struct archive_entry *e, struct box_err **err)
{
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return box_err_set(err, EIO, "write '%s' into the layer: %s",
				   archive_entry_pathname(e), archive_error_string(w->a));
	w->res.entries++;
	return 0;
}

/* An empty regular file entry: whiteouts and opaque markers. */
static int put_marker(struct writer *w, const char *path, struct box_err **err)
{
	if (tfind(path, &w->markers, (int (*)(const void *, const void *))strcmp))
		return 0;
	tsearch(xstrdup(path), &w->markers, (int (*)(const void *, const void *))strcmp);
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, 0);
	int r = put_header(w, e, err);
	archive_entry_free(e);
	w->res.whiteouts++;
	return r;
}

static int put_data(struct writer *w, const char *data, size_t len, struct box_err **err)
{
	if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len)
		return box_err_set(err, EIO, "write file data into the layer: %s",
				   archive_error_string(w->a));
	return 0;
}

/* The passwd-style files, without box's own lines for the user. */
static const char *drop_name(const struct writer *w, const char *rel)
{
	if (streq(rel, "etc/passwd") || streq(rel, "etc/shadow"))
		return w->o->drop_user;
	if (streq(rel, "etc/group") || streq(rel, "etc/gshadow"))
		return w->o->drop_group;
	return NULL;
}

static int put_file(struct writer *w, struct archive_entry *e, int dfd, const char *name,
		    const char *rel, struct box_err **err)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	const char *drop = drop_name(w, rel);
	int r;

	if (fd < 0)
		return box_err_set(err, errno, "open '%s'", rel);
	if (drop) {
		_cleanup_free_ char *text = NULL, *out = NULL;
		size_t len = 0, olen = 0;
		if ((r = fs_read_fd_all(fd, ETC_FILE_MAX, &text, &len)) < 0)
			return box_err_set(err, -r, "read '%s'", rel);
		out = layer_drop_entry(text, len, drop, &olen);
		archive_entry_set_size(e, (la_int64_t)olen);
		r = put_header(w, e, err);
		return r < 0 ? r : put_data(w, out, olen, err);
	}
	if ((r = put_header(w, e, err)) < 0)
		return r;
	for (;;) {
		ssize_t n = read(fd, w->buf, sizeof(w->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return box_err_set(err, errno, "read '%s'", rel);
		if (n == 0)
			return 0;
		if ((r = put_data(w, w->buf, (size_t)n, err)) < 0)
			return r;
	}
}

/* A second name of an inode already written becomes a hard link entry. */
static bool as_link(struct writer *w, struct archive_entry *e, const struct stat *st,
		    const char *rel)
{
	struct link_seen key = { .dev = st->st_dev, .ino = st->st_ino }, **found;

	if (st->st_nlink < 2)
		return false;
	found = tfind(&key, &w->links, link_cmp);
	if (found) {
		archive_entry_set_hardlink(e, (*found)->rel);
		archive_entry_set_size(e, 0);
		return true;
	}
	struct link_seen *l = xmalloc(sizeof(*l));
	*l = key;
	l->rel = xstrdup(rel);
	tsearch(l, &w->links, link_cmp);
	return false;
}

static int put_special(struct writer *w, struct archive_entry *e, const struct stat *st, int dfd,
		       const char *name, const char *rel, struct box_err **err)
{
	if (S_ISLNK(st->st_mode)) {
		_cleanup_free_ char *t = xmalloc(PATH_MAX + 1);
		ssize_t n = readlinkat(dfd, name, t, PATH_MAX);
		if (n < 0)
			return box_err_set(err, errno, "read link '%s'", rel);
		t[n] = '\0';
		archive_entry_set_symlink(e, t);
	} else
		archive_entry_set_rdev(e, st->st_rdev);
	return put_header(w, e, err);
}

static int emit(struct writer *w, int dfd, const char *name, const char *rel, struct box_err **err)
{
	struct stat st;
	bool opaque = false;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return box_err_set(err, errno, "stat '%s'", rel);
	if (S_ISSOCK(st.st_mode) || in_list(w->o->exclude, rel) ||
	    (S_ISREG(st.st_mode) && st.st_size == 0 && in_list(w->o->exclude_empty, rel)))
		return 0;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		const char *slash = strrchr(rel, '/');
		_cleanup_free_ char *wh =
		    slash ? xasprintf("%.*s/.wh.%s", (int)(slash - rel), rel, name)
			  : xasprintf(".wh.%s", name);
		return put_marker(w, wh, err);
	}
	if (S_ISREG(st.st_mode) && streq(name, ".wh..wh..opq"))
		return put_marker(w, rel, err);
	struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	/* Only the mtime: atime changes as the tree is read, and the same tree must give
	 * the same tar (a re-created layer keeps its digest from one push to the next). */
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	archive_entry_set_pathname(e, rel);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	if (!S_ISREG(st.st_mode))
		archive_entry_set_size(e, 0);
	if (!S_ISLNK(st.st_mode))
		add_xattrs(e, dfd, name, &opaque);
	if (S_ISDIR(st.st_mode))
		r = put_header(w, e, err);
	else if (S_ISREG(st.st_mode))
		r = as_link(w, e, &st, rel) ? put_header(w, e, err)
					    : put_file(w, e, dfd, name, rel, err);
	else
		r = put_special(w, e, &st, dfd, name, rel, err);
	archive_entry_free(e);
	if (r < 0 || !S_ISDIR(st.st_mode))
		return r;
	_cleanup_close_ int sub =
	    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return box_err_set(err, errno, "open '%s'", rel);
	if (opaque) {
		_cleanup_free_ char *m = xasprintf("%s/.wh..wh..opq", rel);
		if ((r = put_marker(w, m, err)) < 0)
			return r;
	}
	return walk_dir(w, sub, rel, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Entries in name order: the same tree gives the same tar, and the same diff_id. */
static int walk_dir(struct writer *w, int dfd, const char *rel, struct box_err **err)
{
	int dupfd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	_cleanup_closedir_ DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (dupfd >= 0)
			close(dupfd);
		return box_err_set(err, errno, "open directory '%s'", rel);
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			strv_push(&names, xstrdup(de->d_name));
	if (names)
		qsort(names, strv_length(names), sizeof(char *), cmp_names);
	for (size_t i = 0; names && names[i] && r == 0; i++) {
		_cleanup_free_ char *sub =
		    *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		r = emit(w, dfd, names[i], sub, err);
	}
	return r;
}

int layer_write_dir(int rootfd, int out_fd, const struct layer_write_opts *o,
		    struct layer_write_result *ret, struct box_err **err)
{
	static const struct layer_write_opts none = { 0 };
	struct writer *w = xcalloc(1, sizeof(*w));
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	int r;

	w->o = o ? o : &none;
	w->out = out_fd;
	w->md = EVP_MD_CTX_new();
	w->a = archive_write_new();
	if (!w->md || !w->a || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL))
		abort();
	archive_write_set_format_pax_restricted(w->a);
	/* Names as the file system has them: box runs in the C locale, where libarchive
	 * cannot convert a non-ASCII name (Debian's CA certificates have some). */
	archive_write_set_options(w->a, "hdrcharset=BINARY");
	archive_write_set_bytes_in_last_block(w->a, 1);
	if (archive_write_open(w->a, w, NULL, write_cb, NULL) != ARCHIVE_OK)
		r = box_err_set(err, EIO, "start the layer: %s", archive_error_string(w->a));
	else
		r = walk_dir(w, rootfd, "", err);
	if (archive_write_close(w->a) != ARCHIVE_OK && r == 0)
		r = box_err_set(err, EIO, "finish the layer: %s", archive_error_string(w->a));
	archive_write_free(w->a);
	EVP_DigestFinal_ex(w->md, md, &mdlen);
	EVP_MD_CTX_free(w->md);
	tdestroy(w->links, link_free);
	tdestroy(w->markers, free);
	if (r == 0) {
		char *p = w->res.diff_id + sprintf(w->res.diff_id, "sha256:");
		for (unsigned i = 0; i < mdlen; i++)
			p += sprintf(p, "%02x", md[i]);
		*ret = w->res;
	}
	free(w);
	return r;
}

char *layer_drop_entry(const char *text, size_t len, const char *name, size_t *ret_len)
{
	char *out = xmalloc(len + 1), *o = out;
	size_t nlen = strlen(name);

	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		bool drop = (size_t)(next - p) > nlen && !memcmp(p, name, nlen) && p[nlen] == ':';
		if (!drop) {
			memcpy(o, p, (size_t)(next - p));
			o += next - p;
		}
		p = next;
	}
	*o = '\0';
	*ret_len = (size_t)(o - out);
	return out;
}
