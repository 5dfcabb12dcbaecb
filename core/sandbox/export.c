/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `box export` on the host side: the wrappers, .desktop copies and icons it
 * writes (each atomically, never over a file box did not write), and the record of
 * them in the sandbox's data dir that --list, --delete and `box rm` go by.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "export.h"
#include "export_probe.h"
#include "sandbox.h"

#define WRAPPER_MARK "# box-export: sandbox="
#define DESKTOP_MARK "X-Box-Export="
#define REPLY_MAX    (64 * 1024 * 1024)

/* ---- the record: KIND\tITEM\tPATH lines in sandboxes/NAME/exports ---- */

static char *record_path(const char *sandbox)
{
	_cleanup_free_ char *dir = sandbox_data_dir(sandbox);
	return xasprintf("%s/exports", dir);
}

static char **record_load(const char *sandbox)
{
	_cleanup_free_ char *p = record_path(sandbox), *buf = NULL;
	char **v = xcalloc(1, sizeof(char *));
	char *save = NULL;

	if (fs_read_file(p, 1024 * 1024, &buf, NULL, NULL) < 0)
		return v;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (strchr(l, '\t'))
			strv_push(&v, xstrdup(l));
	return v;
}

static int record_save(const char *sandbox, char **lines, struct box_err **err)
{
	_cleanup_free_ char *p = record_path(sandbox);
	_cleanup_free_ char *text = xstrdup("");
	for (char **l = lines; l && *l; l++) {
		char *n = xasprintf("%s%s\n", text, *l);
		free(text);
		text = n;
	}
	return fs_write_file_atomic(p, text, strlen(text), 0600, err);
}

/* The PATH field of a record line. */
static const char *line_path(const char *line)
{
	const char *t = strrchr(line, '\t');
	return t ? t + 1 : line;
}

static bool line_item_is(const char *line, const char *item)
{
	const char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	return t2 &&
	       ((size_t)(t2 - t1 - 1) == strlen(item) && !strncmp(t1 + 1, item, strlen(item)));
}

static bool recorded(char **lines, const char *path)
{
	for (char **l = lines; l && *l; l++)
		if (streq(line_path(*l), path))
			return true;
	return false;
}

/* Add (or keep) KIND ITEM PATH, under the sandbox's lock. */
static int record_add(const char *sandbox, char **adds, struct box_err **err)
{
	_cleanup_close_ int lock = sandbox_lock(sandbox, true, err);
	if (lock < 0)
		return lock;
	_cleanup_strv_free_ char **lines = record_load(sandbox);
	for (char **a = adds; a && *a; a++)
		if (!recorded(lines, line_path(*a)))
			strv_push(&lines, xstrdup(*a));
	return record_save(sandbox, lines, err);
}

/* ---- writing on the host ---- */

/*
 * May box write path for this sandbox? When nothing is there, or what is there is
 * box's own from this sandbox (recorded, or carrying its marker). A file of another
 * sandbox or of the user is never overwritten.
 */
static int may_write(const char *sandbox, char **lines, const char *path, const char *mark,
		     struct box_err **err)
{
	_cleanup_free_ char *buf = NULL, *owner = NULL;
	struct stat st;
	if (lstat(path, &st) < 0 || recorded(lines, path))
		return 0;
	if (export_link_owner(path, &owner) == 1) {
		if (streq(owner, sandbox))
			return 0;
		return box_err_set(err, EEXIST,
				   "'%s' was exported from another sandbox (%s); delete that "
				   "export first",
				   path, owner);
	}
	if (mark && S_ISREG(st.st_mode) && fs_read_file(path, 1024 * 1024, &buf, NULL, NULL) == 0) {
		_cleanup_free_ char *mine = xasprintf("%s%s\n", mark, sandbox);
		const char *other = strstr(buf, mark);
		if (other && strstr(buf, mine))
			return 0;
		if (other)
			return box_err_set(err, EEXIST,
					   "'%s' was exported from another sandbox (%.*s); "
					   "delete that export first",
					   path, (int)strcspn(other + strlen(mark), "\n"),
					   other + strlen(mark));
	}
	return box_err_set(err, EEXIST,
			   "'%s' exists and box did not write it; move it away or choose "
			   "another name (--as)",
			   path);
}

static int write_new(const char *path, const char *data, size_t len, mode_t mode,
		     struct box_err **err)
{
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	int r = mkdir_p(dir, 0755, err);
	return r < 0 ? r : fs_write_file_atomic(path, data, len, mode, err);
}

/* The sandbox's PATH as a command inside gets it (its image's, else the usual). */
static char *sandbox_path(const char *sandbox)
{
	_cleanup_free_ char *rd = sandbox_runtime_dir(sandbox);
	_cleanup_free_ char *p = xasprintf("%s/env", rd), *buf = NULL;
	_cleanup_strv_free_ char **image_env = NULL, **env = NULL;
	size_t len;
	char *path = NULL;

	if (fs_read_file(p, 256 * 1024, &buf, &len, NULL) == 0 &&
	    sandbox_env_parse(buf, len, &image_env, &env) == 0)
		for (char **e = image_env; e && *e && !path; e++)
			if (str_startswith(*e, "PATH="))
				path = xstrdup(*e + 5);
	return path ? path
		    : xstrdup("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
}

/* Ask inside; 1 when the reply's first record is of kind (*ret_first), 0 when not. */
static int probe(const char *sandbox, int (*fn)(void *, int), const char *what, char kind,
		 char **ret, size_t *ret_len, struct export_record *ret_first, struct box_err **err)
{
	_cleanup_free_ char *path = sandbox_path(sandbox);
	struct export_probe p = { .what = what, .path = path };
	int r = sandbox_join_call(sandbox, fn, &p, REPLY_MAX, ret, ret_len, err);
	if (r < 0)
		return r;
	const char *cur = *ret;
	return export_probe_next(&cur, *ret + *ret_len, ret_first) == 1 && ret_first->kind == kind;
}

static char *default_dir(const char *sub)
{
	const char *data = getenv("XDG_DATA_HOME"), *bin = getenv("XDG_BIN_HOME");
	_cleanup_free_ char *home = paths_home();
	if (streq(sub, "bin"))
		return bin && *bin == '/' ? xstrdup(bin) : xasprintf("%s/.local/bin", home);
	return data && *data == '/' ? xasprintf("%s/%s", data, sub)
				    : xasprintf("%s/.local/share/%s", home, sub);
}

int export_bin(const struct export_opts *o, char **ret_path, struct box_err **err)
{
	_cleanup_free_ char *reply = NULL;
	size_t len;
	struct export_record rec;
	int r = probe(o->sandbox, export_probe_bin, o->what, 'B', &reply, &len, &rec, err);
	if (r <= 0)
		return r < 0 ? r
			     : box_err_set(
				   err, ENOENT,
				   "sandbox '%s' has no program '%s' (give its path inside, or "
				   "install it there first)",
				   o->sandbox, o->what);
	const char *base = o->as ? o->as : strrchr(rec.name, '/') + 1;
	if (!export_name_safe(base))
		return box_err_set(err, EINVAL, "'%s' is not a file name for the wrapper (--as)",
				   base);
	_cleanup_free_ char *dir = o->dir ? xstrdup(o->dir) : default_dir("bin");
	_cleanup_free_ char *dest = xasprintf("%s/%s", dir, base);
	_cleanup_strv_free_ char **lines = record_load(o->sandbox);
	if ((r = may_write(o->sandbox, lines, dest, WRAPPER_MARK, err)) < 0)
		return r;
	if ((r = mkdir_p(dir, 0755, err)) < 0 ||
	    (r = export_link_write(dest, o->box_path, o->sandbox, rec.name, err)) < 0)
		return r;
	_cleanup_free_ char *line = xasprintf("bin\t%s\t%s", base, dest);
	char *adds[] = { line, NULL };
	if ((r = record_add(o->sandbox, adds, err)) < 0)
		return r;
	*ret_path = TAKE_PTR(dest);
	return 0;
}

/* update-desktop-database where the host has it; quiet, best effort. */
static void refresh_desktop_database(const char *dir)
{
	_cleanup_free_ char *prog = find_in_path("update-desktop-database");
	if (!prog)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl(prog, prog, "-q", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0 && spawn_wait_status(pid) != 0)
		log_debug("update-desktop-database '%s' failed", dir);
}

/* Where an icon record goes on the host, under the name box gives it. */
static char *icon_dest(const char *sandbox, const struct export_record *rec, const char *icon)
{
	_cleanup_free_ char *base = default_dir("icons");
	const char *ext = strrchr(rec->name, '.');
	if (str_startswith(rec->name, "hicolor/")) {
		_cleanup_free_ char *dir =
		    xstrndup(rec->name, (size_t)(strrchr(rec->name, '/') - rec->name));
		return xasprintf("%s/%s/%s%s", base, dir, icon, ext ? ext : "");
	}
	return xasprintf("%s/%s%s", base, icon, ext ? ext : "");
}

struct app_write {
	const struct export_opts *o;
	char *item;	/* the desktop file's name without .desktop */
	char *icon;	/* the icon's name on the host, NULL when it has none */
	char **lines;	/* the record so far */
	char **adds;	/* record lines to add */
	char **written; /* paths */
};

static int app_write_file(struct app_write *w, const char *kind, const char *dest, const char *data,
			  size_t len, const char *mark, struct box_err **err)
{
	int r = may_write(w->o->sandbox, w->lines, dest, mark, err);
	if (r < 0 || (r = write_new(dest, data, len, 0644, err)) < 0)
		return r;
	strv_push(&w->adds, xasprintf("%s\t%s\t%s", kind, w->item, dest));
	strv_push(&w->written, xstrdup(dest));
	return 0;
}

static int app_write_records(struct app_write *w, const char *reply, size_t len,
			     struct box_err **err)
{
	const char *cur = reply;
	struct export_record rec;
	int r;

	while ((r = export_probe_next(&cur, reply + len, &rec)) == 1) {
		_cleanup_free_ char *dest = NULL, *text = NULL;
		if (rec.kind == 'I') {
			dest = icon_dest(w->o->sandbox, &rec, w->icon);
			r = app_write_file(w, "icon", dest, rec.data, rec.len, NULL, err);
		} else if (rec.kind == 'D') {
			_cleanup_free_ char *apps = default_dir("applications");
			_cleanup_free_ char *src = xstrndup(rec.data, rec.len);
			dest = xasprintf("%s/box-%s-%s", apps, w->o->sandbox, rec.name);
			text = desktop_rewrite(src, w->o->sandbox, w->o->box_path, w->icon);
			r = app_write_file(w, "app", dest, text, strlen(text), DESKTOP_MARK, err);
		}
		if (r < 0)
			return r;
	}
	return r < 0 ? box_err_set(err, EPROTO, "malformed reply from the sandbox") : 0;
}

int export_app(const struct export_opts *o, char ***ret_paths, struct box_err **err)
{
	_cleanup_free_ char *reply = NULL;
	size_t len;
	struct export_record rec;
	int r = probe(o->sandbox, export_probe_app, o->what, 'D', &reply, &len, &rec, err);
	if (r <= 0)
		return r < 0 ? r
			     : box_err_set(
				   err, ENOENT,
				   "sandbox '%s' has no application '%s' (no %s.desktop and no "
				   "entry of that Name in /usr/share/applications)",
				   o->sandbox, o->what, o->what);
	_cleanup_free_ char *src = xstrndup(rec.data, rec.len);
	_cleanup_free_ char *icon = desktop_get(src, "Icon");
	struct app_write w = { .o = o, .lines = record_load(o->sandbox) };
	w.item = xstrndup(rec.name, strlen(rec.name) - strlen(".desktop"));
	if (icon && *icon) {
		const char *b = strrchr(icon, '/') ? strrchr(icon, '/') + 1 : icon;
		w.icon = xasprintf("box-%s-%.*s", o->sandbox, (int)strcspn(b, "."), b);
	}
	r = app_write_records(&w, reply, len, err);
	if (r >= 0)
		r = record_add(o->sandbox, w.adds, err);
	if (r >= 0) {
		_cleanup_free_ char *apps = default_dir("applications");
		refresh_desktop_database(apps);
		*ret_paths = TAKE_PTR(w.written);
	}
	free(w.item);
	free(w.icon);
	strv_free(w.lines);
	strv_free(w.adds);
	strv_free(w.written);
	return r;
}

int export_list(const char *sandbox, char ***ret, struct box_err **err)
{
	if (!sandbox_exists(sandbox))
		return box_err_set(err, ENOENT, "no sandbox named '%s'", sandbox);
	*ret = record_load(sandbox);
	return 0;
}

/* Remove one written file, only while it is still box's (a marker where it has one,
 * a wrapper's record for a link). */
static void remove_written(const char *sandbox, const char *line, char ***removed)
{
	const char *path = line_path(line);
	_cleanup_free_ char *buf = NULL;
	bool marked = !str_startswith(line, "icon\t");
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		int r = export_link_remove(path, sandbox);
		if (r > 0)
			strv_push(removed, xstrdup(path));
		else if (r == 0)
			log_warn("'%s' was replaced since box wrote it; leaving it", path);
		else
			log_warn("cannot remove '%s': %s", path, strerror(-r));
		return;
	}
	if (marked && fs_read_file(path, 1024 * 1024, &buf, NULL, NULL) == 0 &&
	    !strstr(buf, WRAPPER_MARK) && !strstr(buf, DESKTOP_MARK)) {
		log_warn("'%s' was replaced since box wrote it; leaving it", path);
		return;
	}
	if (unlink(path) == 0)
		strv_push(removed, xstrdup(path));
	else if (errno != ENOENT)
		log_warn("cannot remove '%s': %s", path, strerror(errno));
}

static int delete_matching(const char *sandbox, const char *item, bool take_lock, char ***ret_paths,
			   struct box_err **err)
{
	_cleanup_close_ int lock = take_lock ? sandbox_lock(sandbox, true, err) : -1;
	if (take_lock && lock < 0)
		return lock;
	_cleanup_strv_free_ char **lines = record_load(sandbox);
	char **keep = xcalloc(1, sizeof(char *)), **removed = xcalloc(1, sizeof(char *));
	bool any = false, apps = false;
	for (char **l = lines; *l; l++) {
		if (item && !line_item_is(*l, item) && !streq(line_path(*l), item)) {
			strv_push(&keep, xstrdup(*l));
			continue;
		}
		any = true;
		apps |= str_startswith(*l, "app\t");
		remove_written(sandbox, *l, &removed);
	}
	int r = any || !item ? record_save(sandbox, keep, err)
			     : box_err_set(err, ENOENT,
					   "nothing named '%s' was exported from sandbox '%s' "
					   "(see box export %s --list)",
					   item, sandbox, sandbox);
	strv_free(keep);
	if (apps) {
		_cleanup_free_ char *dir = default_dir("applications");
		refresh_desktop_database(dir);
	}
	if (r < 0 || !ret_paths)
		strv_free(removed);
	else
		*ret_paths = removed;
	return r;
}

int export_delete(const char *sandbox, const char *item, char ***ret_paths, struct box_err **err)
{
	if (!sandbox_exists(sandbox))
		return box_err_set(err, ENOENT, "no sandbox named '%s'", sandbox);
	return delete_matching(sandbox, item, true, ret_paths, err);
}

int export_remove_all(const char *sandbox, struct box_err **err)
{
	_cleanup_free_ char *p = record_path(sandbox);
	if (!path_exists(p))
		return 0;
	return delete_matching(sandbox, NULL, false, NULL, err);
}
