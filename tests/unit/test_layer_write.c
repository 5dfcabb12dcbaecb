/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The OCI layer writer (core/image/layer_write.c) on a real directory: overlay's
 * whiteouts and opaque markers become OCI entries, overlay xattrs are left out,
 * exclusions and the passwd filter apply, the same tree gives the same diff_id.
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../core/image/layer_write.h"
#include "../../core/util/fs.h"
#include "../../core/util/macro.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char dir[] = "/tmp/box-test-lw.XXXXXX";

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);
	_cleanup_free_ char *d = xstrdup(p);
	*strrchr(d, '/') = '\0';
	mkdir_p(d, 0755, NULL);
	if (text)
		fs_write_file_atomic(p, text, strlen(text), 0644, NULL);
}

/* Every entry name of the tar in fd, "\n"-separated, with the content of etc/passwd. */
static char *names(int fd, char **ret_passwd)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *s = xstrdup("");

	lseek(fd, 0, SEEK_SET);
	archive_read_support_format_tar(a);
	archive_read_open_fd(a, fd, 4096);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char *n = xasprintf("%s%s\n", s, archive_entry_pathname(e));
		free(s);
		s = n;
		if (strcmp(archive_entry_pathname(e), "etc/passwd") == 0) {
			char buf[512] = { 0 };
			archive_read_data(a, buf, sizeof(buf) - 1);
			*ret_passwd = xstrdup(buf);
		}
	}
	archive_read_free(a);
	return s;
}

static int write_tree(const struct layer_write_opts *o, struct layer_write_result *res)
{
	_cleanup_close_ int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FILE *f = tmpfile();
	int fd = dup(fileno(f));
	fclose(f);
	if (layer_write_dir(root, fd, o, res, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(void)
{
	struct layer_write_result r1, r2;
	_cleanup_free_ char *passwd = NULL;
	char *exclude[] = { "run/host", NULL };

	if (!mkdtemp(dir))
		return 1;
	put("etc/passwd", "root:x:0:0::/root:/bin/sh\nme:x:1000:1000::/home/me:/bin/sh\n");
	put("usr/share/doc/new", "x");
	put("etc/ssl/F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.pem", "cert");
	/* a name longer than ustar's 100 bytes: its entry has a pax header, which may carry times */
	put("usr/share/a-name-longer-than-what-a-ustar-header-holds-so-that-the-entry-gets-a-pax-extended-header", "y");
	put("usr/share/doc/.wh..wh..opq", "");
	put("opt/a/file", "y");
	put("run/host/usr/x", "z");
	_cleanup_free_ char *doc = xasprintf("%s/usr/share/doc", dir);
	_cleanup_free_ char *opt = xasprintf("%s/opt/a", dir);
	_cleanup_free_ char *dev = xasprintf("%s/etc/issue", dir);
	bool xattrs = setxattr(doc, "user.overlay.opaque", "y", 1, 0) == 0 &&
		      setxattr(opt, "user.fuseoverlayfs.opaque", "y", 1, 0) == 0;
	bool mknod_ok = mknod(dev, S_IFCHR | 0600, makedev(0, 0)) == 0;
	/* fuse-overlayfs marks an opaque directory with a file, an xattr and a 0/0 device
	 * named .wh..opq as well. */
	_cleanup_free_ char *opq = xasprintf("%s/usr/share/doc/.wh..opq", dir);
	if (mknod_ok)
		mknod(opq, S_IFCHR | 0600, makedev(0, 0));

	struct layer_write_opts o = { .exclude = exclude, .drop_user = "me" };
	int fd = write_tree(&o, &r1);
	ok(fd >= 0, "a tree is written as a layer");
	_cleanup_free_ char *list = names(fd, &passwd);
	close(fd);
	ok(strstr(list, "usr/share/doc/new\n") != NULL, "files are in it");
	ok(strstr(list, "etc/ssl/F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.pem\n") != NULL,
	   "a non-ASCII name is written as the file system has it");
	ok(!strstr(list, "run/host"), "an excluded path is left out with what is below it");
	ok(passwd && strstr(passwd, "root:") && !strstr(passwd, "me:"),
	   "the user's passwd line is left out, the others kept");
	const char *first = strstr(list, "usr/share/doc/.wh..wh..opq\n");
	ok(first && !strstr(first + 1, "usr/share/doc/.wh..wh..opq\n"),
	   "a directory marked opaque both ways has one marker");
	if (xattrs)
		ok(strstr(list, "opt/a/.wh..wh..opq\n") != NULL,
		   "the fuse-overlayfs opaque xattr becomes an opaque marker");
	else
		ok(1, "# SKIP user xattrs not supported on /tmp");
	if (mknod_ok)
		ok(strstr(list, "etc/.wh.issue\n") && !strstr(list, "etc/issue\n"),
		   "a 0/0 character device becomes a .wh. whiteout");
	else
		ok(1, "# SKIP mknod of a whiteout device not permitted");
	/* Reading a tree changes atimes; they must not change the tar. */
	_cleanup_free_ char *read_one = xasprintf(
	    "%s/usr/share/a-name-longer-than-what-a-ustar-header-holds-so-that-the-entry-gets-a-"
	    "pax-extended-header",
	    dir);
	struct timespec ts[2] = { { .tv_sec = 12345, .tv_nsec = 678 }, { .tv_nsec = UTIME_OMIT } };
	utimensat(AT_FDCWD, read_one, ts, AT_SYMLINK_NOFOLLOW);
	fd = write_tree(&o, &r2);
	close(fd);
	is_str(r1.diff_id, r2.diff_id, "the same tree gives the same diff_id, whatever the atimes");
	ok(r1.size > 0 && r1.size % 512 == 0, "the tar is whole 512-byte blocks");

	size_t len;
	_cleanup_free_ char *t = layer_drop_entry("a:1\nab:2\nb:3", 12, "a", &len);
	is_str(t, "ab:2\nb:3", "layer_drop_entry drops only the exact name");
	rm_rf(dir, NULL);
	return tap_done();
}
