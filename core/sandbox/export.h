/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `box export`: a sandbox's programs and desktop applications on the host. A
 * program becomes a wrapper (in ~/.local/bin by default): a symbolic link to the
 * box binary, which, started under that name, runs the program as `box run` would
 * (export_link.c); an application's .desktop file is copied to
 * ~/.local/share/applications with Exec= going through box, its Name saying which
 * sandbox it comes from and its icons copied under a name of their own. Everything
 * written is recorded in the sandbox's data dir (`exports`: KIND\tITEM\tPATH
 * lines) and carries a marker, so that --delete and `box rm` remove exactly what box
 * wrote and a host file box did not write is never overwritten.
 */
#ifndef BOX_EXPORT_H
#define BOX_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/err.h"

struct export_opts {
	const char *sandbox;
	const char *what;     /* --bin PATH (absolute, or a name looked up in PATH inside) or
				 --app APP (APP.desktop, or an entry whose Name is APP) */
	const char *as;	      /* --as NAME2: the wrapper's name (default: PATH's basename) */
	const char *dir;      /* --dir DIR (default: ~/.local/bin) */
	const char *box_path; /* the box binary the wrapper and Exec= run */
};

/*
 * Write the wrapper for o->what (the sandbox must be running: the path is looked up
 * inside). *ret_path: what was written. -ENOENT: no such program inside (nothing
 * written); -EEXIST: a host file box did not write is in the way.
 */
int export_bin(const struct export_opts *o, char **ret_path, struct box_err **err);
/* Write the application's .desktop file and icons; *ret_paths: what was written. */
int export_app(const struct export_opts *o, char ***ret_paths, struct box_err **err);
/* What was exported from the sandbox, as "KIND\tITEM\tPATH" (KIND bin, app or icon). */
int export_list(const char *sandbox, char ***ret, struct box_err **err);
/*
 * Remove one export (ITEM: a wrapper's or app's name, or a path written) and what
 * came with it (an app's icons); *ret_paths: what was removed. -ENOENT when none.
 */
int export_delete(const char *sandbox, const char *item, char ***ret_paths, struct box_err **err);
/* Remove everything exported from the sandbox (box rm, which holds its lock). */
int export_remove_all(const char *sandbox, struct box_err **err);

/* ---- a project's [export] (export_sync.c) ---- */

struct export_sync_opts {
	const char *sandbox;
	char *const *bins; /* [export] bins, NULL-terminated (may be NULL) */
	char *const *apps; /* [export] apps */
	const char *box_path;
	/* Start the sandbox (called once, only when something must be looked up
	 * inside): 0, or an exit status export_sync() then returns. */
	int (*start)(const char *sandbox);
};
/*
 * Make the host's exports match the lists: export what is not in place, remove what
 * the project exported and the lists no longer name. A program or application that
 * cannot be exported is a line in *ret_warnings (tried again next time). 0, the
 * start callback's status, or -errno.
 */
int export_sync(const struct export_sync_opts *o, char ***ret_warnings, struct box_err **err);

/* ---- a program's wrapper: a link to box and its record (export_link.c) ---- */

/* Write the link at path (to box_path) and its record: sandbox, the program inside. */
int export_link_write(const char *path, const char *box_path, const char *sandbox,
		      const char *inside, struct box_err **err);
/* 1 with the sandbox that the link at path was exported from, 0 when it is not a
 * wrapper box wrote. */
int export_link_owner(const char *path, char **ret_sandbox);
/* Remove the link at path and its record when it is sandbox's: 1 removed, 0 not
 * box's or another sandbox's, -errno. */
int export_link_remove(const char *path, const char *sandbox);
/*
 * box started as invoked (the path it was executed by, AT_EXECFN): 1 with the
 * sandbox and program to run when that is a wrapper box wrote, 0 when not.
 */
int export_link_lookup(const char *invoked, char **ret_sandbox, char **ret_inside);

/* ---- the .desktop file (pure; export_desktop.c) ---- */

/* The value of KEY in the [Desktop Entry] group (unlocalised), or NULL; caller frees. */
char *desktop_get(const char *text, const char *key);
/*
 * The host's copy of an entry: every Exec= runs through `BOX run SANDBOX --`,
 * TryExec= and DBusActivatable= go (they would look on the host), each Name= says
 * "(on SANDBOX)", Icon= becomes icon (when not NULL), and X-Box-Export=SANDBOX marks
 * it as box's.
 */
char *desktop_rewrite(const char *text, const char *sandbox, const char *box_path,
		      const char *icon);
/* An icon or file name an image may give that is safe as one path component. */
bool export_name_safe(const char *name);

#endif
