/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `box export` looks up inside a running sandbox: a program on the sandbox's
 * PATH, an application's .desktop file and its icons. These run in a child that has
 * joined the sandbox's user and mount namespaces (sandbox_join_call()) and report
 * on a pipe as records "KIND NAME LEN\n" followed by LEN bytes: B (a program's
 * absolute path, LEN 0), D (a .desktop file), I (an icon, NAME its place below the
 * icon theme dir: hicolor/SIZE/apps/FILE, or FILE for an unthemed one).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "export.h"
#include "export_probe.h"

#define DESKTOP_MAX (256 * 1024)
#define ICON_MAX    (4 * 1024 * 1024)

static const char *const app_dirs[] = { "/usr/share/applications",
					"/usr/local/share/applications" };
static const char *const icon_exts[] = { "png", "svg", "xpm" };

static int put(int out, char kind, const char *name, const char *data, size_t len)
{
	char head[600];
	int n = snprintf(head, sizeof(head), "%c %s %zu\n", kind, name, len);
	if (n < 0 || (size_t)n >= sizeof(head) || fs_write_all(out, head, (size_t)n) < 0)
		return -EIO;
	return len ? fs_write_all(out, data, len) : 0;
}

static bool executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int export_probe_bin(void *arg, int out)
{
	const struct export_probe *p = arg;

	if (p->what[0] == '/')
		return executable_file(p->what) ? put(out, 'B', p->what, NULL, 0) : 0;
	_cleanup_free_ char *copy = xstrdup(p->path);
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		_cleanup_free_ char *full = xasprintf("%s/%s", d, p->what);
		if (*d == '/' && executable_file(full))
			return put(out, 'B', full, NULL, 0);
	}
	return 0;
}

/* APP.desktop, else the entry whose Name is APP (any case). */
static char *find_desktop(const char *app, char **ret_text)
{
	for (size_t i = 0; i < ARRAY_SIZE(app_dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s.desktop", app_dirs[i], app);
		if (export_name_safe(app) &&
		    fs_read_file(p, DESKTOP_MAX, ret_text, NULL, NULL) == 0)
			return xasprintf("%s.desktop", app);
	}
	for (size_t i = 0; i < ARRAY_SIZE(app_dirs); i++) {
		_cleanup_closedir_ DIR *d = opendir(app_dirs[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!str_endswith(de->d_name, ".desktop") || !export_name_safe(de->d_name))
				continue;
			_cleanup_free_ char *p = xasprintf("%s/%s", app_dirs[i], de->d_name);
			_cleanup_free_ char *text = NULL;
			if (fs_read_file(p, DESKTOP_MAX, &text, NULL, NULL) < 0)
				continue;
			_cleanup_free_ char *name = desktop_get(text, "Name");
			if (name && strcasecmp(name, app) == 0) {
				*ret_text = TAKE_PTR(text);
				return xstrdup(de->d_name);
			}
		}
	}
	return NULL;
}

static int put_file(int out, const char *path, const char *name)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (fs_read_file(path, ICON_MAX, &data, &len, NULL) < 0)
		return 0; /* a missing or oversized icon is no reason to fail */
	return put(out, 'I', name, data, len);
}

/* Every size of the icon in the hicolor theme, and an unthemed one in pixmaps. */
static int put_icons(int out, const char *icon)
{
	const char *base = "/usr/share/icons/hicolor";
	_cleanup_closedir_ DIR *d = opendir(base);
	struct dirent *de;
	int r = 0;

	if (icon[0] == '/') {
		const char *file = strrchr(icon, '/') + 1;
		return export_name_safe(file) ? put_file(out, icon, file) : 0;
	}
	if (!export_name_safe(icon))
		return 0;
	while (r >= 0 && d && (de = readdir(d))) {
		if (!export_name_safe(de->d_name))
			continue;
		for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(icon_exts); i++) {
			_cleanup_free_ char *p =
			    xasprintf("%s/%s/apps/%s.%s", base, de->d_name, icon, icon_exts[i]);
			_cleanup_free_ char *name =
			    xasprintf("hicolor/%s/apps/%s.%s", de->d_name, icon, icon_exts[i]);
			r = put_file(out, p, name);
		}
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(icon_exts); i++) {
		_cleanup_free_ char *p = xasprintf("/usr/share/pixmaps/%s.%s", icon, icon_exts[i]);
		_cleanup_free_ char *name = xasprintf("%s.%s", icon, icon_exts[i]);
		r = put_file(out, p, name);
	}
	return r;
}

int export_probe_app(void *arg, int out)
{
	const struct export_probe *p = arg;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *file = find_desktop(p->what, &text);

	if (!file)
		return 0;
	int r = put(out, 'D', file, text, strlen(text));
	_cleanup_free_ char *icon = desktop_get(text, "Icon");
	return r < 0 || !icon ? r : put_icons(out, icon);
}

int export_probe_next(const char **cur, const char *end, struct export_record *ret)
{
	const char *p = *cur;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	char name[512];
	char kind;
	size_t len;

	if (p >= end)
		return 0;
	if (!nl || (size_t)(nl - p) >= sizeof(name) ||
	    sscanf(p, "%c %511s %zu\n", &kind, name, &len) != 3 || len > (size_t)(end - nl - 1))
		return -EPROTO;
	*ret = (struct export_record){ .kind = kind, .data = nl + 1, .len = len };
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	*cur = nl + 1 + len;
	return 1;
}
