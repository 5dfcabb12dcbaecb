/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An exported program's wrapper on the host: a symbolic link to the box binary, so
 * that running it costs one exec (no shell, no second box). box, started through
 * such a link, finds what to run in a record of its own: DATA/exported-bins/HASH
 * (HASH of the link's canonical path) holding the link's path, the sandbox and the
 * program's path inside, one a line. A link without its record is not box's.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/paths.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "export.h"

#define RECORD_MAX 8192

/* path with its directory resolved (the link itself is not followed); NULL when
 * the directory does not resolve. */
static char *canonical(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	char buf[PATH_MAX];

	if (!realpath(*dir ? dir : "/", buf))
		return NULL;
	return xasprintf("%s/%s", streq(buf, "/") ? "" : buf, slash ? slash + 1 : path);
}

/* The record's file for a canonical link path (FNV-1a 64: a name, not a secret;
 * the record names its link and is checked against it). */
static char *record_file(const char *link)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	_cleanup_free_ char *data = paths_data_dir();

	for (const unsigned char *p = (const unsigned char *)link; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return xasprintf("%s/exported-bins/%016llx", data, (unsigned long long)h);
}

/* The record of the link at path: 1 with its sandbox and program, 0 when none. */
static int record_read(const char *path, char **ret_sandbox, char **ret_inside)
{
	_cleanup_free_ char *link = canonical(path), *buf = NULL;
	struct stat st;

	if (!link || lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	_cleanup_free_ char *file = record_file(link);
	if (fs_read_file_nofollow(file, RECORD_MAX, &buf, NULL, NULL) < 0)
		return 0;
	char *l2 = strchr(buf, '\n'), *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
	char *end = l3 ? strchr(l3 + 1, '\n') : NULL;
	if (!end || (size_t)(l2 - buf) != strlen(link) || strncmp(buf, link, strlen(link)))
		return 0;
	*ret_sandbox = xstrndup(l2 + 1, (size_t)(l3 - l2 - 1));
	*ret_inside = xstrndup(l3 + 1, (size_t)(end - l3 - 1));
	return 1;
}

int export_link_owner(const char *path, char **ret_sandbox)
{
	_cleanup_free_ char *inside = NULL;
	return record_read(path, ret_sandbox, &inside);
}

int export_link_write(const char *path, const char *box_path, const char *sandbox,
		      const char *inside, struct box_err **err)
{
	_cleanup_free_ char *link = canonical(path);
	if (!link)
		return box_err_set(err, errno, "resolve the directory of '%s'", path);
	_cleanup_free_ char *file = record_file(link);
	_cleanup_free_ char *dir = xstrndup(file, (size_t)(strrchr(file, '/') - file));
	_cleanup_free_ char *text = xasprintf("%s\n%s\n%s\n", link, sandbox, inside);
	_cleanup_free_ char *tmp = xasprintf("%s.box-%d", path, (int)getpid());
	int r = mkdir_p(dir, 0700, err);

	if (r < 0 || (r = fs_write_file_atomic(file, text, strlen(text), 0600, err)) < 0)
		return r;
	/* The link appears whole: made under a temporary name, then renamed. */
	unlink(tmp);
	if (symlink(box_path, tmp) < 0)
		return box_err_set(err, errno, "create '%s'", tmp);
	if (rename(tmp, path) < 0) {
		r = box_err_set(err, errno, "create '%s'", path);
		unlink(tmp);
		return r;
	}
	return 0;
}

int export_link_remove(const char *path, const char *sandbox)
{
	_cleanup_free_ char *owner = NULL, *link = canonical(path);

	if (!link || export_link_owner(path, &owner) != 1 || !streq(owner, sandbox))
		return 0;
	_cleanup_free_ char *file = record_file(link);
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	unlink(file);
	return 1;
}

int export_link_lookup(const char *invoked, char **ret_sandbox, char **ret_inside)
{
	if (!invoked || !strchr(invoked, '/'))
		return 0;
	return record_read(invoked, ret_sandbox, ret_inside);
}
