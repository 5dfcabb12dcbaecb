/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host checks for `box doctor`. Each check looks at the host the way box will use it
 * (it opens the devices, clones a user namespace, runs newuidmap through the same spawn
 * path as a sandbox) rather than guessing from configuration, and when something is
 * wrong it names the one command that fixes it. The decisions (a free subid range,
 * file capabilities, install commands per distribution, runtime dir sanity) are pure
 * functions so the unit tests cover them without a prepared host.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../cgroup/cgroup.h"
#include "../util/fs.h"
#include "hostcheck.h"
#include "idmap.h"
#include "../util/log.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define SUBID_FILE_MAX (1024 * 1024)
#define OS_RELEASE_MAX (64 * 1024)

/* ---- pure helpers ---- */

/* The end (start + count) of one "name:start:count" line, or 0 when malformed. */
static uint64_t subid_line_end(const char *line, size_t len)
{
	char tmp[256], *a, *b;
	uint32_t start, count;

	if (len >= sizeof(tmp))
		return 0;
	memcpy(tmp, line, len);
	tmp[len] = '\0';
	a = strchr(tmp, ':');
	if (!a)
		return 0;
	b = strchr(a + 1, ':');
	if (!b)
		return 0;
	*b = '\0';
	if (parse_u32(str_strip(a + 1), &start) < 0 || parse_u32(str_strip(b + 1), &count) < 0)
		return 0;
	return (uint64_t)start + count;
}

int hostcheck_free_subid_range(const char *buf, size_t len, uint32_t count, uint32_t *ret_start)
{
	uint64_t top = HC_SUBID_FIRST;
	size_t pos = 0;

	if (count == 0)
		return -EINVAL;
	while (buf && pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		uint64_t end = subid_line_end(buf + pos, n);
		if (end > top)
			top = end;
		pos += n + 1;
	}
	if (top + count > (uint64_t)UINT32_MAX + 1)
		return -ERANGE;
	*ret_start = (uint32_t)top;
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int hostcheck_parse_fcaps(const void *buf, size_t len, uint64_t *ret_permitted)
{
	const unsigned char *p = buf;
	uint32_t magic, rev;
	uint64_t perm;

	if (!buf || len < 4 || len > HC_FCAPS_MAX)
		return -EINVAL;
	magic = le32(p);
	rev = magic & VFS_CAP_REVISION_MASK;
	if (rev == VFS_CAP_REVISION_1 && len == XATTR_CAPS_SZ_1)
		perm = le32(p + 4);
	else if (rev == VFS_CAP_REVISION_2 && len == XATTR_CAPS_SZ_2)
		perm = le32(p + 4) | (uint64_t)le32(p + 12) << 32;
	else if (rev == VFS_CAP_REVISION_3 && len == XATTR_CAPS_SZ_3)
		perm = le32(p + 4) | (uint64_t)le32(p + 12) << 32;
	else
		return -EINVAL;
	/* Without the effective flag a program that does not raise its own capabilities
	 * (shadow's newuidmap does not) runs without them. */
	if (!(magic & VFS_CAP_FLAGS_EFFECTIVE))
		perm = 0;
	*ret_permitted = perm;
	return 0;
}

bool hostcheck_idmap_helper_ok(mode_t mode, uid_t owner, const void *fcaps, size_t fcaps_len,
			       int cap)
{
	uint64_t perm;

	if ((mode & S_ISUID) && owner == 0)
		return true;
	if (fcaps && hostcheck_parse_fcaps(fcaps, fcaps_len, &perm) == 0 && cap >= 0 && cap < 64)
		return (perm >> cap) & 1;
	return false;
}

/* The value of KEY= in os-release text (quotes removed), or "" when absent. */
static void os_release_value(const char *buf, size_t len, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), pos = 0;

	out[0] = '\0';
	while (buf && pos < len) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos, i = 0;
		pos += n + 1;
		if (n <= klen || strncmp(line, key, klen) != 0 || line[klen] != '=')
			continue;
		for (const char *v = line + klen + 1; v < line + n && i + 1 < size; v++)
			if (*v != '"' && *v != '\'')
				out[i++] = *v;
		out[i] = '\0';
		return;
	}
}

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

struct pkg_family {
	const char *ids;     /* os-release IDs of the family */
	const char *install; /* command prefix */
	const char *uidmap;  /* the package with newuidmap/newgidmap */
};

static const struct pkg_family families[] = {
	{ "debian ubuntu", "sudo apt-get install", "uidmap" },
	{ "fedora rhel centos", "sudo dnf install", "shadow-utils" },
	{ "arch", "sudo pacman -S", "shadow" },
	{ "suse opensuse", "sudo zypper install", "shadow" },
	{ "alpine", "sudo apk add", "shadow-uidmap" },
};

char *hostcheck_install_hint(const char *os_release, size_t len, const char *debian_pkg)
{
	char id[128], like[256], all[400];

	os_release_value(os_release, len, "ID", id, sizeof(id));
	os_release_value(os_release, len, "ID_LIKE", like, sizeof(like));
	snprintf(all, sizeof(all), "%s %s", id, like);
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		const struct pkg_family *f = &families[i];
		char fam[64], *save = NULL;
		snprintf(fam, sizeof(fam), "%s", f->ids);
		for (char *w = strtok_r(fam, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (!has_word(all, w))
				continue;
			return xasprintf("%s %s", f->install,
					 streq(debian_pkg, "uidmap") ? f->uidmap : debian_pkg);
		}
	}
	return xasprintf("install %s with your distribution's package manager", debian_pkg);
}

bool hostcheck_runtime_dir_ok(bool is_directory, uid_t owner, mode_t mode, uid_t uid,
			      char **ret_why)
{
	if (!is_directory)
		*ret_why = xstrdup("is not a directory");
	else if (owner != uid)
		*ret_why = xasprintf("is owned by uid %u, not by you (uid %u)", (unsigned)owner,
				     (unsigned)uid);
	else if (mode & 077)
		*ret_why = xasprintf("has mode %04o: others could reach your sandboxes' control "
				     "sockets (want 0700)",
				     (unsigned)(mode & 07777));
	else
		return true;
	return false;
}

/* ---- checks on the running host ---- */

struct hc_ctx {
	uid_t uid;
	gid_t gid;
	char *user;
	char *os_release;
	size_t os_release_len;
	bool subuid_ok, subgid_ok, helpers_ok;
};

static struct hc_result *add(struct hc_report *rep, const char *name, enum hc_status st,
			     char *detail, char *fix)
{
	struct hc_result *r = &rep->r[rep->n < HC_MAX ? rep->n++ : HC_MAX - 1];
	*r = (struct hc_result){ .name = name, .status = st, .detail = detail, .fix = fix };
	return r;
}

static char *install_hint(struct hc_ctx *c, const char *pkg)
{
	return hostcheck_install_hint(c->os_release, c->os_release_len, pkg);
}

static bool check_subid(struct hc_report *rep, struct hc_ctx *c, bool gid)
{
	const char *env = gid ? "BOX_SUBGID" : "BOX_SUBUID";
	const char *path = getenv(env) ?: (gid ? "/etc/subgid" : "/etc/subuid");
	const char *name = gid ? "subgid" : "subuid";
	uint32_t id = gid ? c->gid : c->uid, start;
	struct id_range ranges[SUBID_MAX_RANGES];
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	struct idmap map;
	uint64_t total = 0;
	int n;

	if (c->uid == 0) {
		add(rep, name, HC_OK,
		    xasprintf("root maps every %s itself; no range is needed", gid ? "gid" : "uid"),
		    NULL);
		return true;
	}
	if (fs_read_file(path, SUBID_FILE_MAX, &buf, &len, NULL) < 0)
		len = 0;
	n = subid_parse_buffer(buf ? buf : "", len, c->user, id, ranges, SUBID_MAX_RANGES, NULL);
	for (int i = 0; i < n; i++)
		total += ranges[i].count;
	if (n > 0 && idmap_keep_id(id, ranges, (size_t)n, &map, NULL) == 0) {
		add(rep, name, HC_OK,
		    xasprintf("%s has %llu subordinate %ss from %u in %s", c->user,
			      (unsigned long long)total, gid ? "gid" : "uid", ranges[0].start,
			      path),
		    NULL);
		return true;
	}
	if (hostcheck_free_subid_range(buf, len, HC_SUBID_COUNT, &start) < 0)
		start = HC_SUBID_FIRST;
	add(rep, name, HC_FAIL,
	    n > 0 ? xasprintf("%s's ranges in %s hold %llu ids, too few to map ids 0..%u", c->user,
			      path, (unsigned long long)total, id)
		  : xasprintf("no subordinate %s range for %s in %s: inside a sandbox only your "
			      "own %s exists",
			      gid ? "gid" : "uid", c->user, path, gid ? "gid" : "uid"),
	    xasprintf("sudo usermod --add-sub%ss %u-%u %s", gid ? "gid" : "uid", start,
		      start + HC_SUBID_COUNT - 1, c->user));
	return false;
}

static bool check_idmap_helper(struct hc_report *rep, struct hc_ctx *c, const char *prog, int cap)
{
	_cleanup_free_ char *path = find_in_path(prog);
	unsigned char caps[HC_FCAPS_MAX];
	ssize_t clen;
	struct stat st;

	if (!path || stat(path, &st) < 0) {
		add(rep, prog, HC_FAIL, xasprintf("%s is not installed", prog),
		    install_hint(c, "uidmap"));
		return false;
	}
	clen = getxattr(path, "security.capability", caps, sizeof(caps));
	if (hostcheck_idmap_helper_ok(st.st_mode, st.st_uid, clen > 0 ? caps : NULL,
				      clen > 0 ? (size_t)clen : 0, cap)) {
		add(rep, prog, HC_OK,
		    xasprintf("%s is %s", path,
			      (st.st_mode & S_ISUID) && st.st_uid == 0
				  ? "setuid root"
				  : "allowed by file capabilities"),
		    NULL);
		return true;
	}
	add(rep, prog, HC_FAIL,
	    xasprintf("%s is neither setuid root nor has %s in its file capabilities", path,
		      cap == CAP_SETUID ? "cap_setuid" : "cap_setgid"),
	    xasprintf("sudo chown root:root %s && sudo chmod u+s %s", path, path));
	return false;
}

static void check_device(struct hc_report *rep, const char *name, const char *path,
			 const char *module, const char *what)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		add(rep, name, HC_OK, xasprintf("%s can be opened read-write", path), NULL);
		return;
	}
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		add(rep, name, HC_FAIL, xasprintf("%s does not exist: %s", path, what),
		    xasprintf("sudo modprobe %s", module));
	else
		add(rep, name, HC_FAIL,
		    xasprintf("cannot open %s read-write (%s): %s", path, strerror(errno), what),
		    xasprintf("sudo chmod 0666 %s", path));
}

static void check_fuse_overlayfs(struct hc_report *rep, struct hc_ctx *c)
{
	_cleanup_free_ char *path = find_in_path("fuse-overlayfs");

	if (path)
		add(rep, "fuse-overlayfs", HC_OK, xasprintf("%s", path), NULL);
	else
		add(rep, "fuse-overlayfs", HC_FAIL,
		    xstrdup("fuse-overlayfs is not installed: sandboxes cannot stack image layers"),
		    install_hint(c, "fuse-overlayfs"));
}

/* Read a one-number sysctl; -1 when absent. */
static long sysctl_long(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	long v;

	if (fs_read_file(path, 64, &buf, NULL, NULL) < 0 ||
	    parse_int_range(str_strip(buf), -1, 1L << 40, &v) < 0)
		return -1;
	return v;
}

/* The sysctl that forbids unprivileged user namespaces, as a fix; NULL when none does. */
static char *userns_fix(void)
{
	if (sysctl_long("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return xstrdup("sudo sysctl -w kernel.unprivileged_userns_clone=1");
	if (sysctl_long("/proc/sys/user/max_user_namespaces") == 0)
		return xstrdup("sudo sysctl -w user.max_user_namespaces=15000");
	if (sysctl_long("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		return xstrdup("sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	return NULL;
}

bool hostcheck_userns_works(char **ret_why)
{
	pid_t pid = clone3_fork(CLONE_NEWUSER, NULL);
	int st;

	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		*ret_why = xasprintf("cannot create a user namespace: %s", strerror(errno));
		return false;
	}
	st = spawn_wait_status(pid);
	if (st != 0) {
		*ret_why = xasprintf("a child in a new user namespace exited with status %d", st);
		return false;
	}
	return true;
}

static bool check_userns(struct hc_report *rep)
{
	char *why = NULL;

	if (hostcheck_userns_works(&why)) {
		add(rep, "userns", HC_OK, xstrdup("unprivileged user namespaces work"), NULL);
		return true;
	}
	add(rep, "userns", HC_FAIL, why, userns_fix());
	return false;
}

static int idmap_child(struct spawn_ctx *ctx, struct box_err **err)
{
	return 0;
}

/* End to end: a child in a new user namespace gets the keep-id maps via newuidmap. */
static void check_idmap(struct hc_report *rep)
{
	struct box_err *err = NULL;
	struct box_ids ids;
	int r;

	if (ids_load(&ids, &err) < 0) {
		add(rep, "id mapping", HC_FAIL, box_err_format(err), NULL);
		box_err_free(err);
		return;
	}
	r = spawn_userns_wait(&ids, 0, idmap_child, NULL, &err);
	if (r == 0)
		add(rep, "id mapping", HC_OK,
		    xasprintf("newuidmap/newgidmap wrote %zu uid and %zu gid map lines",
			      ids.uidmap.n, ids.gidmap.n),
		    NULL);
	else
		add(rep, "id mapping", HC_FAIL,
		    err ? box_err_format(err)
			: xasprintf("a child in a mapped user namespace exited with %d", r),
		    NULL);
	box_err_free(err);
	ids_done(&ids);
}

static void check_cgroup(struct hc_report *rep, struct hc_ctx *c)
{
	_cleanup_free_ char *mi = NULL, *mnt = NULL;
	char *why = NULL, *dir = cg_delegated_root(&why);
	size_t len;

	if (dir) {
		add(rep, "cgroup", HC_OK,
		    xasprintf("cgroup v2 directory %s is delegated to you", dir), NULL);
		free(dir);
		return;
	}
	if (fs_read_file("/proc/self/mountinfo", 1 << 20, &mi, &len, NULL) < 0 ||
	    cg_parse_mountinfo(mi, len, &mnt) < 0) {
		add(rep, "cgroup", HC_WARN, why,
		    xstrdup("sudo mount -t cgroup2 none /sys/fs/cgroup"));
		return;
	}
	if (access("/run/systemd/system", F_OK) == 0)
		add(rep, "cgroup", HC_WARN, why,
		    xstrdup("systemd-run --user --scope -p Delegate=yes \"$SHELL\""));
	else
		add(rep, "cgroup", HC_WARN, why,
		    xasprintf("sudo sh -c 'mkdir -p %s/%s && chown -R %s %s/%s && echo '$$' > "
			      "%s/%s/cgroup.procs'",
			      mnt, c->user, c->user, mnt, c->user, mnt, c->user));
}

/* Yours and 0700, but a sandbox's setup runs as root of its user namespace, which maps
 * your own group and your subordinate ones: a dir of another group (made by root as
 * you:root) is out of its reach, and starting a sandbox fails. */
static void check_runtime_dir_group(struct hc_report *rep, struct hc_ctx *c, const char *dir,
				    const struct stat *st)
{
	struct box_ids ids;
	bool reach = true;

	if (c->uid != 0 && ids_load(&ids, NULL) >= 0) {
		reach = idmap_root_can_search(&ids.uidmap, &ids.gidmap, st->st_uid, st->st_gid,
					      st->st_mode & 07777);
		ids_done(&ids);
	}
	if (reach)
		add(rep, "XDG_RUNTIME_DIR", HC_OK, xasprintf("%s", dir), NULL);
	else
		add(rep, "XDG_RUNTIME_DIR", HC_FAIL,
		    xasprintf("XDG_RUNTIME_DIR %s has group %u, which sandboxes cannot map, so "
			      "they cannot start",
			      dir, (unsigned)st->st_gid),
		    xasprintf("chgrp %u %s", (unsigned)c->gid, dir));
}

static void check_runtime_dir(struct hc_report *rep, struct hc_ctx *c)
{
	const char *dir = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *want = xasprintf("/run/user/%u", (unsigned)c->uid);
	_cleanup_free_ char *make = xasprintf("sudo install -d -m 0700 -o %u -g %u %s",
					      (unsigned)c->uid, (unsigned)c->gid, want);
	char *why = NULL;
	struct stat st;

	if (!dir || *dir != '/') {
		add(rep, "XDG_RUNTIME_DIR", HC_WARN,
		    xasprintf("XDG_RUNTIME_DIR is not set: box keeps its sockets in /tmp/box-%u",
			      (unsigned)c->uid),
		    is_dir(want) ? xasprintf("export XDG_RUNTIME_DIR=%s", want)
				 : xasprintf("%s && export XDG_RUNTIME_DIR=%s", make, want));
		return;
	}
	if (stat(dir, &st) < 0) {
		add(rep, "XDG_RUNTIME_DIR", HC_FAIL,
		    xasprintf("XDG_RUNTIME_DIR %s: %s", dir, strerror(errno)),
		    xasprintf("sudo install -d -m 0700 -o %u -g %u %s", (unsigned)c->uid,
			      (unsigned)c->gid, dir));
		return;
	}
	if (hostcheck_runtime_dir_ok(S_ISDIR(st.st_mode), st.st_uid, st.st_mode, c->uid, &why)) {
		check_runtime_dir_group(rep, c, dir, &st);
		return;
	}
	add(rep, "XDG_RUNTIME_DIR", HC_FAIL, xasprintf("XDG_RUNTIME_DIR %s %s", dir, why),
	    st.st_uid == c->uid && S_ISDIR(st.st_mode)
		? xasprintf("chmod 0700 %s", dir)
		: xasprintf("%s && export XDG_RUNTIME_DIR=%s", make, want));
	free(why);
}

void hostcheck_run(struct hc_report *ret)
{
	struct hc_ctx c = { .uid = getuid(), .gid = getgid() };
	struct passwd *pw = getpwuid(c.uid);
	struct hc_report rep = { .n = 0 };

	c.user = xstrdup(pw ? pw->pw_name : (getenv("USER") ?: "user"));
	if (fs_read_file("/etc/os-release", OS_RELEASE_MAX, &c.os_release, &c.os_release_len,
			 NULL) < 0)
		(void)fs_read_file("/usr/lib/os-release", OS_RELEASE_MAX, &c.os_release,
				   &c.os_release_len, NULL);
	c.subuid_ok = check_subid(&rep, &c, false);
	c.subgid_ok = check_subid(&rep, &c, true);
	c.helpers_ok = check_idmap_helper(&rep, &c, "newuidmap", CAP_SETUID);
	c.helpers_ok &= check_idmap_helper(&rep, &c, "newgidmap", CAP_SETGID);
	check_device(&rep, "/dev/fuse", "/dev/fuse", "fuse",
		     "fuse-overlayfs cannot mount sandbox filesystems");
	check_device(&rep, "/dev/net/tun", "/dev/net/tun", "tun",
		     "sandboxes cannot have their own network");
	check_fuse_overlayfs(&rep, &c);
	/* Real root maps ids itself; the end-to-end map check only means something for users. */
	if (check_userns(&rep) && c.subuid_ok && c.subgid_ok && c.helpers_ok && c.uid != 0)
		check_idmap(&rep);
	check_cgroup(&rep, &c);
	check_runtime_dir(&rep, &c);
	free(c.user);
	free(c.os_release);
	*ret = rep;
}

void hostcheck_done(struct hc_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->r[i].detail);
		free(rep->r[i].fix);
	}
	rep->n = 0;
}

enum hc_status hostcheck_worst(const struct hc_report *rep)
{
	enum hc_status w = HC_OK;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->r[i].status > w)
			w = rep->r[i].status;
	return w;
}

const char *hostcheck_status_name(enum hc_status s)
{
	switch (s) {
	case HC_OK:
		return "ok";
	case HC_WARN:
		return "warn";
	case HC_FAIL:
		return "FAIL";
	}
	return "?";
}
