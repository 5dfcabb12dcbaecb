/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XDG path resolution. */
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	if (v && *v == '/' && access(v, W_OK) == 0)
		return xasprintf("%s/box", v);
	return xasprintf("/tmp/box-%u", (unsigned)getuid());
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
