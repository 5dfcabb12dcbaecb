/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XDG path resolution. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "paths.h"
#include "xalloc.h"

char *paths_home(void)
{
	const char *h = getenv("HOME");
	if (h && *h == '/')
		return xstrdup(h);
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

static char *xdg(const char *env, const char *fallback)
{
	const char *v = getenv(env);
	if (v && *v == '/')
		return xstrdup(v);
	_cleanup_free_ char *home = paths_home();
	return xasprintf("%s/%s", home, fallback);
}

char *paths_data_dir(void)
{
	const char *o = getenv("BOX_DATA_DIR");
	if (o && *o == '/')
		return xstrdup(o);
	_cleanup_free_ char *d = xdg("XDG_DATA_HOME", ".local/share");
	return xasprintf("%s/box", d);
}

char *paths_runtime_dir(void)
{
	const char *o = getenv("BOX_RUNTIME_DIR");
	if (o && *o == '/')
		return xstrdup(o);
	const char *v = getenv("XDG_RUNTIME_DIR");
	/* Asked once per sandbox by a list: the answer for the last value is kept. */
	static char *last_env, *last_dir;
	if (last_env && v && streq(v, last_env))
		return xstrdup(last_dir);
	free(last_env);
	free(last_dir);
	last_env = v ? xstrdup(v) : NULL;
	if (v && *v == '/' && access(v, W_OK) == 0)
		last_dir = xasprintf("%s/box", v);
	else
		last_dir = xasprintf("/tmp/box-%u", (unsigned)getuid());
	return xstrdup(last_dir);
}

/* Create dir (and missing parents) 0700, an existing one left as it is; then stat it,
 * following a symlink only when asked to. */
static int private_dir_stat(const char *dir, bool follow, struct stat *st, struct box_err **err)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		if (errno != ENOENT)
			return box_err_set(err, errno, "create directory '%s'", dir);
		int r = mkdir_p(dir, 0700, err);
		if (r < 0)
			return r;
	}
	if ((follow ? stat(dir, st) : lstat(dir, st)) < 0)
		return box_err_set(err, errno, "directory '%s'", dir);
	return 0;
}

/*
 * The runtime dir holds what box trusts without a second look: the state file names
 * the pids `box stop` signals, the env file is every join's environment. Under /tmp
 * another user can create it first, so it must be ours, private and not a symlink
 * before anything in it is read or written (lstat, never stat).
 */
int paths_check_runtime_dir(struct box_err **err)
{
	_cleanup_free_ char *dir = paths_runtime_dir();
	struct stat st;
	int r = private_dir_stat(dir, false, &st, err);

	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 07777) != 0700)
		return box_err_set(
		    err, EPERM,
		    "runtime directory '%s' is not a directory of yours with mode "
		    "0700 (%s, owner %u, mode %04o): remove it or set XDG_RUNTIME_DIR",
		    dir, S_ISLNK(st.st_mode) ? "a symlink" : "found", (unsigned)st.st_uid,
		    (unsigned)(st.st_mode & 07777));
	return 0;
}

/*
 * The store holds private image layers, and files that an image marks setuid: no
 * other user may reach into it, as podman keeps its storage 0700. A store made by
 * an older box (0755) is closed on first use. A symlink to another disk is fine here:
 * only the user can place one in their own home.
 */
int paths_check_data_dir(struct box_err **err)
{
	_cleanup_free_ char *dir = paths_data_dir();
	struct stat st;
	int r = private_dir_stat(dir, true, &st, err);

	if (r < 0)
		return r;
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return box_err_set(err, EPERM,
				   "data directory '%s' is not a directory of yours (owner %u): "
				   "set XDG_DATA_HOME to one that is",
				   dir, (unsigned)st.st_uid);
	if ((st.st_mode & 07777) != 0700 && chmod(dir, 0700) < 0)
		return box_err_set(err, errno, "make data directory '%s' private (mode 0700)", dir);
	return 0;
}

char *paths_config_file(void)
{
	const char *o = getenv("BOX_CONFIG");
	if (o && *o)
		return xstrdup(o);
	_cleanup_free_ char *d = xdg("XDG_CONFIG_HOME", ".config");
	return xasprintf("%s/box/config.ini", d);
}

const char *paths_self_exe(void)
{
	static char buf[PATH_MAX];
	if (!buf[0]) {
		ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
		if (n <= 0)
			strcpy(buf, "box");
		else
			buf[n] = '\0';
	}
	return buf;
}
