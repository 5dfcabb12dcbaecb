/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A project's [export] bins and apps applied on each entry: what the list names is
 * exported (box export --bin/--app), what left the list is removed from the host,
 * and what is already in place is left alone without asking the sandbox anything.
 * The record, sandboxes/NAME/exports-project, has one "KIND\tWORD\tITEM" line per
 * entry of the list (ITEM: what box export recorded it as; empty while the sandbox
 * lacks it), so that only what the project exported is ever removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../util/fs.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "export.h"
#include "sandbox.h"

struct want {
	const char *kind; /* "bin" or "app" */
	const char *word; /* as the list gives it */
};

static char *project_record_path(const char *sandbox)
{
	_cleanup_free_ char *dir = sandbox_data_dir(sandbox);
	return xasprintf("%s/exports-project", dir);
}

static char **lines_of(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	char **v = xcalloc(1, sizeof(char *)), *save = NULL;

	if (fs_read_file(path, 1024 * 1024, &buf, NULL, NULL) < 0)
		return v;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		strv_push(&v, xstrdup(l));
	return v;
}

/* Field i (0-based) of a tab-separated line; "" when it has fewer. */
static char *field(const char *line, int i)
{
	for (; i > 0 && line; i--)
		line = strchr(line, '\t') ? strchr(line, '\t') + 1 : NULL;
	return line ? xstrndup(line, strcspn(line, "\t")) : xstrdup("");
}

/* The ITEM the record gives KIND WORD; NULL when it has none (or no line). */
static char *recorded_item(char **prev, const struct want *w)
{
	for (char **l = prev; *l; l++) {
		_cleanup_free_ char *k = field(*l, 0), *word = field(*l, 1);
		if (streq(k, w->kind) && streq(word, w->word)) {
			char *item = field(*l, 2);
			if (*item)
				return item;
			free(item);
		}
	}
	return NULL;
}

/* Every file box export recorded for KIND ITEM is still there (and there is one). */
static bool in_place(char **exported, const char *kind, const char *item)
{
	bool any = false;
	struct stat st;

	for (char **l = exported; *l; l++) {
		_cleanup_free_ char *k = field(*l, 0), *it = field(*l, 1), *path = field(*l, 2);
		bool icon = streq(k, "icon") && streq(kind, "app");
		if ((!streq(k, kind) && !icon) || !streq(it, item))
			continue;
		if (lstat(path, &st) < 0)
			return false;
		any = true;
	}
	return any;
}

/* The ITEM box export recorded for the files it wrote: a wrapper's name, or the
 * desktop file's (box-SANDBOX-ITEM.desktop). */
static char *item_of(const char *sandbox, const char *path, char **paths)
{
	if (path)
		return xstrdup(strrchr(path, '/') + 1);
	_cleanup_free_ char *prefix = xasprintf("box-%s-", sandbox);
	for (char **p = paths; p && *p; p++) {
		const char *b = strrchr(*p, '/') + 1;
		size_t bl = strlen(b), pl = strlen(prefix), sl = strlen(".desktop");
		if (str_startswith(b, prefix) && bl > pl + sl && streq(b + bl - sl, ".desktop"))
			return xstrndup(b + pl, bl - pl - sl);
	}
	return NULL;
}

static char *export_one(const struct export_sync_opts *o, const struct want *w, char ***warnings)
{
	struct export_opts eo = { .sandbox = o->sandbox, .what = w->word, .box_path = o->box_path };
	struct box_err *err = NULL;
	_cleanup_free_ char *path = NULL;
	char **paths = NULL;
	int r =
	    streq(w->kind, "bin") ? export_bin(&eo, &path, &err) : export_app(&eo, &paths, &err);

	if (r < 0) {
		strv_push(warnings, xasprintf("[export] %ss = %s: %s; not exported", w->kind,
					      w->word, err ? err->msg : strerror(-r)));
		box_err_free(err);
		return NULL;
	}
	char *item = item_of(o->sandbox, path, paths);
	strv_free(paths);
	return item;
}

/* Remove what the project exported for a line that left the list. */
static void remove_left(const char *sandbox, const char *line, struct want *wants, size_t n)
{
	_cleanup_free_ char *k = field(line, 0), *word = field(line, 1), *item = field(line, 2);
	struct box_err *err = NULL;

	for (size_t i = 0; i < n; i++)
		if (streq(wants[i].kind, k) && streq(wants[i].word, word))
			return;
	if (*item && export_delete(sandbox, item, NULL, &err) < 0)
		box_err_free(err);
}

static struct want *wants_of(const struct export_sync_opts *o, size_t *ret_n)
{
	size_t n = strv_length(o->bins) + strv_length(o->apps), i = 0;
	struct want *w = xcalloc(n + 1, sizeof(*w));

	for (char *const *b = o->bins; b && *b; b++)
		w[i++] = (struct want){ "bin", *b };
	for (char *const *a = o->apps; a && *a; a++)
		w[i++] = (struct want){ "app", *a };
	*ret_n = n;
	return w;
}

int export_sync(const struct export_sync_opts *o, char ***ret_warnings, struct box_err **err)
{
	_cleanup_free_ char *rec = project_record_path(o->sandbox);
	_cleanup_strv_free_ char **prev = lines_of(rec), **exported = NULL, **next = NULL;
	size_t n;
	_cleanup_free_ struct want *wants = wants_of(o, &n);
	bool started = false;
	int r = 0;

	if (!n && !prev[0])
		return 0;
	if ((r = export_list(o->sandbox, &exported, err)) < 0)
		return r;
	for (char **l = prev; *l; l++)
		remove_left(o->sandbox, *l, wants, n);
	next = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *item = recorded_item(prev, &wants[i]);
		if (!item || !in_place(exported, wants[i].kind, item)) {
			if (!started && (r = o->start(o->sandbox)) != 0)
				return r;
			started = true;
			free(item);
			item = export_one(o, &wants[i], ret_warnings);
		}
		strv_push(&next,
			  xasprintf("%s\t%s\t%s", wants[i].kind, wants[i].word, item ? item : ""));
	}
	_cleanup_free_ char *before = strv_join(prev), *after = strv_join(next);
	if (streq(before, after))
		return 0;
	_cleanup_free_ char *text = xstrdup("");
	for (char **l = next; *l; l++) {
		char *t = xasprintf("%s%s\n", text, *l);
		free(text);
		text = t;
	}
	return fs_write_file_atomic(rec, text, strlen(text), 0600, err);
}
