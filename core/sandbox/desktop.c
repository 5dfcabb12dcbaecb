/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The desktop session's sockets in a sandbox, at the start and on every enter, and
 * the host's CA bundle in the image's trust store (see desktop.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../userland/rootpath.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "desktop.h"

#define X11_DIR "/tmp/.X11-unix"
#define CA_MAX	(16 * 1024 * 1024)

static const char *const ca_paths[] = {
	"/etc/ssl/certs/ca-certificates.crt",		     /* Debian, Ubuntu, Alpine, Arch */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, RHEL */
	"/etc/ssl/ca-bundle.pem",			     /* openSUSE */
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/cert.pem",
};

static void add(struct desktop_socket **v, size_t *n, char *path, const char *host)
{
	struct stat st;
	const char *src = host ? host : path;

	/* Only what the host has, and never through "..". */
	if (*src != '/' || strstr(src, "/../") || stat(src, &st) < 0 ||
	    !(S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode))) {
		free(path);
		return;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct desktop_socket){ .path = path, .host = host ? xstrdup(host) : NULL };
}

size_t desktop_sockets(struct desktop_socket **ret)
{
	static const char *const socks[] = { "pipewire-0", "pulse/native", "bus", "gnupg" };
	const char *xrd = getenv("XDG_RUNTIME_DIR"), *wl = getenv("WAYLAND_DISPLAY");
	const char *x11 = getenv("BOX_X11_DIR"), *ssh = getenv("SSH_AUTH_SOCK");
	struct desktop_socket *v = NULL;
	size_t n = 0;

	/* /tmp stays the sandbox's own (sharing the host's would expose every other
	 * program's temp files); only the X11 socket dir is shared. */
	add(&v, &n, xstrdup(X11_DIR), x11 && *x11 == '/' ? x11 : NULL);
	/* The ssh agent's socket, wherever the session keeps it (SSH_AUTH_SOCK passes
	 * through to every command). */
	if (ssh)
		add(&v, &n, xstrdup(ssh), NULL);
	if (xrd && *xrd == '/') {
		add(&v, &n,
		    xasprintf("%s/%s", xrd, wl && *wl && !strchr(wl, '/') ? wl : "wayland-0"),
		    NULL);
		/* gnupg: gpg-agent's socket dir (its sockets only), as gpg inside looks for
		 * it under the same runtime dir. */
		for (size_t i = 0; i < ARRAY_SIZE(socks); i++)
			add(&v, &n, xasprintf("%s/%s", xrd, socks[i]), NULL);
	}
	*ret = v;
	return n;
}

void desktop_sockets_free(struct desktop_socket *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].path);
		free(s[i].host);
	}
	free(s);
}

/* Bind one socket (or socket dir) at its path inside from the host's tree. */
static int attach_one(int rootfd, const struct desktop_socket *s)
{
	_cleanup_free_ char *src = xasprintf("/run/host%s", s->host ? s->host : s->path);
	struct stat hs, is;

	if (stat(src, &hs) < 0)
		return -errno;
	if (stat(s->path, &is) == 0 && is.st_dev == hs.st_dev && is.st_ino == hs.st_ino)
		return 0; /* already there */
	_cleanup_close_ int fd = S_ISDIR(hs.st_mode) ? root_mkdir_p(rootfd, s->path, 0755, NULL)
						     : root_mkfile(rootfd, s->path, 0644, NULL);
	if (fd < 0)
		return fd;
	/* By path: the joining process has no pid in the sandbox's /proc, so no
	 * /proc/self/fd. The sandbox's own processes could race us here, and they are
	 * the user's own. */
	if (mount(src, s->path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	/* The bind comes from the read-only /run/host: writable again, as the start's
	 * bind is (an X server inside makes its socket there). */
	_cleanup_close_ int mfd = open(s->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct mount_attr attr = { .attr_clr = MOUNT_ATTR_RDONLY };
	if (mfd >= 0 && syscall(SYS_mount_setattr, mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
				sizeof(attr)) < 0)
		log_debug("make '%s' writable: %s", s->path, strerror(errno));
	return 1;
}

void desktop_attach(const struct desktop_socket *s, size_t n)
{
	_cleanup_close_ int rootfd = n ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

	for (size_t i = 0; i < n && rootfd >= 0; i++) {
		int r = attach_one(rootfd, &s[i]);
		if (r < 0)
			log_debug("bind '%s' into the sandbox: %s", s[i].path, strerror(-r));
	}
}

const char *desktop_host_ca_bundle(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(ca_paths); i++)
		if (access(ca_paths[i], R_OK) == 0)
			return ca_paths[i];
	return NULL;
}

/* Replace the file at path inside (its parent dir_fd, file name) with data, by a
 * temporary file renamed over it: never half-written. */
static int replace_at(int dir_fd, const char *name, const char *data, size_t len)
{
	_cleanup_free_ char *tmp = xasprintf(".%s.box-tmp", name);
	int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	int r = fs_write_all(fd, data, len);
	if (fchmod(fd, 0644) < 0 && r == 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir_fd, tmp, 0);
	return r;
}

int desktop_update_ca(int rootfd)
{
	const char *host = desktop_host_ca_bundle();
	_cleanup_free_ char *want = NULL;
	size_t wlen;

	if (!host || fs_read_file(host, CA_MAX, &want, &wlen, NULL) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(ca_paths); i++) {
		/* The image's own bundle: a regular file (its symlinks lead to one of these). */
		_cleanup_close_ int fd = root_open(rootfd, ca_paths[i] + 1, O_RDONLY | O_NOFOLLOW);
		_cleanup_free_ char *have = NULL, *dir = xstrdup(ca_paths[i] + 1);
		struct stat st;
		size_t hlen;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (fs_read_fd_all(fd, CA_MAX, &have, &hlen) == 0 && hlen == wlen &&
		    memcmp(have, want, wlen) == 0)
			return 0;
		/* A copy in the writable layer, not a bind: the image's own tools
		 * (update-ca-certificates) can still replace it, which a bind would make
		 * fail; the next start copies the host's again. */
		*strrchr(dir, '/') = '\0';
		_cleanup_close_ int dfd = root_open(rootfd, dir, O_PATH | O_DIRECTORY);
		if (dfd < 0)
			return dfd;
		int r = replace_at(dfd, strrchr(ca_paths[i], '/') + 1, want, wlen);
		return r < 0 ? r : 1;
	}
	return 0;
}

/* One line of the stamp: what stat() (follow) or lstat() says of path, "-" when it
 * is not there. */
static bool stamp_entry(FILE *f, const char *label, const char *path, bool follow)
{
	struct stat st;

	if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
		fprintf(f, "%s -\n", label);
		return false;
	}
	fprintf(f, "%s %llu:%llu %o %lld %lld.%09ld %lld.%09ld\n", label,
		(unsigned long long)st.st_dev, (unsigned long long)st.st_ino, (unsigned)st.st_mode,
		(long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		(long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	return true;
}

/*
 * Whatever can change what desktop_update_ca() finds, seen from the host without the
 * overlay: the host's bundle, the image's layers (never changed in place), and in the
 * writable layer every entry on the way to each location, down to the first one that
 * is not there. A file or dir written, replaced, whited out or made opaque through the
 * overlay changes its own ctime or its parent dir's.
 */
static char *ca_stamp(const char *upper, char *const *layers)
{
	const char *host = desktop_host_ca_bundle();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	/* The host's may be a symlink (Arch's): what counts is the file it leads to. */
	if (host)
		stamp_entry(f, host, host, true);
	for (char *const *l = layers; l && *l; l++)
		fprintf(f, "layer %s\n", *l);
	for (size_t i = 0; i < ARRAY_SIZE(ca_paths); i++) {
		_cleanup_free_ char *p = xasprintf("%s%s", upper, ca_paths[i]);
		for (char *c = p + strlen(upper) + 1;; c++) {
			if (*c != '/' && *c != '\0')
				continue;
			char end = *c;
			*c = '\0';
			bool there = stamp_entry(f, p + strlen(upper), p, false);
			*c = end;
			if (!there || !end)
				break;
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool desktop_ca_current(const char *stamp, const char *upper, char *const *layers)
{
	_cleanup_free_ char *want = ca_stamp(upper, layers), *have = NULL;
	size_t len;

	return want && fs_read_file(stamp, 1024 * 1024, &have, &len, NULL) == 0 &&
	       streq(have, want);
}

void desktop_ca_stamp_write(const char *stamp, const char *upper, char *const *layers)
{
	_cleanup_free_ char *txt = ca_stamp(upper, layers);

	/* Not fsync'd: a stamp lost or torn only costs one more comparison. */
	if (!txt || fs_write_file_replace(stamp, txt, strlen(txt), 0600, NULL) < 0)
		log_debug("cannot write '%s'", stamp);
}
