/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Per-project .box.ini support that needs no running sandbox: finding the project
 * file from a directory (as git finds .git), the sandbox name of a project, the
 * canonical setup cache key, and the trust store that keeps an unapproved or edited
 * .box.ini from being acted on (as direnv does).
 *
 * How `box enter` with no name is meant to use it:
 *   project_open(NULL, ...)      -> finds, reads, checks trust, parses global + project,
 *                                   names the sandbox (-ENOENT: tell the user to `box init`;
 *                                   -EINVAL: print errors, each "FILE:LINE: ...")
 *   p->trust != TRUST_ALLOWED    -> refuse, with trust_state_to_string() and "run 'box allow'"
 *   project_check_mounts()       -> missing mount sources, with their lines
 *   project_setup_key(digest, c) -> which cached setup layer to reuse or build
 *   pkgmgr_detect(rootfd), project_setup_steps() -> the commands that build it, in order
 * The pieces (project_find, trust_check, project_load, ...) are public too.
 */
#ifndef BOX_PROJECT_H
#define BOX_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/userland/pkgmgr.h"
#include "config.h"

#define PROJECT_FILE   ".box.ini"
#define SHA256_HEX_LEN 64

/*
 * Walk up from cwd (absolute; NULL = the current directory) to the nearest directory
 * holding a regular file .box.ini (or, without one, .devcontainer/devcontainer.json
 * or .devcontainer.json: see devcontainer.h). The search stops at the filesystem root, and
 * never looks in $HOME's parent or above it (another user's file must not take over).
 * Returns 0 with *ret_path = "/abs/dir/.box.ini", or -ENOENT when there is none.
 */
int project_find(const char *cwd, char **ret_path);

/*
 * The project file a command names: FILE itself, FILE/.box.ini when FILE is a
 * directory, or project_find() from the current directory when arg is NULL.
 * The result is absolute with symlinks resolved (the key of the trust store).
 */
int project_resolve(const char *arg, char **ret_path, struct box_err **err);

/*
 * Absolute host path of a [mounts] value: "~/x" from $HOME, relative paths from the
 * project directory, "." and ".." resolved lexically. Caller frees.
 */
char *project_mount_source(const char *project_dir, const char *host);
/* Whether path (absolute, normalised) is project_dir or inside it. */
bool project_contains(const char *project_dir, const char *path);

/*
 * The effective configuration of a project: the global config.ini, then the project
 * file over it (scalars replaced, lists appended). Every problem of both files is in
 * errors; on failure *ret is untouched.
 */
int project_load(const char *path, struct box_config **ret, struct cfg_errors *errors);

/*
 * Check that every [mounts] host path exists (relative ones from project_dir);
 * each missing one is reported as "FILE:LINE: ...". Returns 0 or -ENOENT.
 */
int project_check_mounts(const struct box_config *c, const char *project_dir,
			 struct cfg_errors *errors);

/*
 * Parse a project file's content into c (over what it holds): a .box.ini, or a
 * devcontainer.json by its name (what box cannot do of it goes to warnings).
 */
int project_parse(const char *file, const char *buf, size_t len, struct box_config *c,
		  struct cfg_errors *errors, struct cfg_errors *warnings);

enum trust_state {
	TRUST_ALLOWED = 0, /* approved with exactly this content */
	TRUST_UNKNOWN,	   /* never approved */
	TRUST_CHANGED,	   /* approved once, edited since */
	TRUST_DENIED,	   /* explicitly denied with `box deny` */
};

struct project {
	char *file;    /* absolute path of the .box.ini, symlinks resolved */
	char *dir;     /* its directory: the project, mounted at the same path inside */
	char *content; /* the bytes that were checked and parsed */
	size_t len;
	enum trust_state trust;
	struct box_config *config;  /* the global config.ini with the project over it */
	struct cfg_errors warnings; /* what a devcontainer.json asks that box cannot do */
	char *sandbox;		    /* the project's sandbox name */
};

/*
 * Everything a command needs to act on a project, from one read of the file, so the
 * content checked against the trust store is the content parsed. arg is as for
 * project_resolve(), taken as for project_sandbox_name(). Parse problems of either
 * file go to errors (returns -EINVAL); an unapproved file is not an error here:
 * check ->trust before acting on it.
 */
int project_open(const char *arg, bool (*taken)(const char *name, void *arg), void *taken_arg,
		 struct project **ret, struct cfg_errors *errors, struct box_err **err);
struct project *project_free(struct project *p);

/* Directory part of a project file path ("/a/b/.box.ini" -> "/a/b"); caller frees. */
char *project_dir(const char *project_file);

/*
 * The sandbox name of a project: [box] name when set; otherwise the project
 * directory's name lowercased and sanitised to [a-z0-9_.-]. When that name is empty,
 * or `taken` says another project already uses it, "-" and 8 hex digits of the sha256
 * of the directory path are appended. taken may be NULL. Caller frees.
 */
char *project_sandbox_name(const struct box_config *c, const char *project_dir,
			   bool (*taken)(const char *name, void *arg), void *arg);

/*
 * Canonical text of what setup does: a version line, the image (reference or, better,
 * digest), packages sorted and deduplicated, run lines in order with whitespace
 * outside quotes collapsed, then the project files setup reads with their sha256
 * (project_setup_inputs). Two projects with the same base, setup and input files get
 * the same text, so they share one cached setup layer. Caller frees.
 */
char *project_setup_canonical(const char *image, const struct box_config *c);
/*
 * "input PATH SHA256" lines, sorted, for the project files (relative to the project)
 * that c's run lines name and its [setup] inputs globs match; "" outside a project.
 */
char *project_setup_inputs(const struct box_config *c);
/* sha256 (lowercase hex) of project_setup_canonical(); ret has room for 65 bytes. */
void project_setup_key(const char *image, const struct box_config *c, char ret[SHA256_HEX_LEN + 1]);

/* Packages suggested by the files in dir (requirements.txt -> python3 python3-pip, ...). */
char **project_guess_packages(const char *dir);
/* The commented .box.ini `box init` writes for dir. Caller frees. */
char *project_init_text(const char *dir, const char *image, char *const *packages);

/*
 * The commands of a project's setup, in order: the package manager's install steps
 * for [setup] packages, then each run line as `/bin/sh -c LINE` (labelled with its
 * line). Packages without a known package manager is an error that says so.
 */
int project_setup_steps(const struct box_config *c, enum pkgmgr m, struct pkg_step **ret,
			size_t *ret_n, struct box_err **err);

/* sha256 of a buffer as 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char ret[SHA256_HEX_LEN + 1]);

/* Approvals live in $XDG_DATA_HOME/box/trust/<sha256 of the path>; path must be absolute. */
int trust_check(const char *path, const char *content, size_t len, enum trust_state *ret,
		struct box_err **err);
int trust_allow(const char *path, const char *content, size_t len, struct box_err **err);
int trust_deny(const char *path, struct box_err **err);
const char *trust_state_to_string(enum trust_state s);

#endif
