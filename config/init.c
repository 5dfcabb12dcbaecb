/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The .box.ini that `box init` writes: packages guessed from the files a project
 * has (requirements.txt means Python, Cargo.toml means Rust, ...) and every other
 * section present but commented out, so the file documents itself.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/util/xalloc.h"
#include "project.h"

static const struct {
	const char *file;
	const char *packages;
} guesses[] = {
	{ "requirements.txt", "python3 python3-pip" },
	{ "pyproject.toml", "python3 python3-pip" },
	{ "package.json", "nodejs npm" },
	{ "Cargo.toml", "cargo" },
	{ "go.mod", "golang" },
	{ "CMakeLists.txt", "build-essential cmake" },
	{ "Makefile", "build-essential make" },
};

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

/* Whether the project has the i-th guess's file. */
static bool has_guess(const char *dir, size_t i)
{
	_cleanup_free_ char *f = xasprintf("%s/%s", dir, guesses[i].file);
	struct stat st;
	return stat(f, &st) == 0 && S_ISREG(st.st_mode);
}

char **project_guess_packages(const char *dir)
{
	char **pk = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(guesses); i++) {
		_cleanup_free_ char *list = xstrdup(guesses[i].packages);
		char *save = NULL;

		if (!has_guess(dir, i))
			continue;
		for (char *p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save))
			if (!strv_has(pk, p))
				strv_push(&pk, xstrdup(p));
	}
	return pk;
}

char *project_init_text(const char *dir, const char *image, char *const *packages)
{
	_cleanup_free_ char *name = project_sandbox_name(NULL, dir, NULL, NULL);
	_cleanup_free_ char *pk = strv_join(packages);
	_cleanup_strv_free_ char **in = NULL;

	/* What the packages were guessed from is what setup will read: part of its key. */
	for (size_t i = 0; i < ARRAY_SIZE(guesses); i++)
		if (has_guess(dir, i))
			strv_push(&in, xstrdup(guesses[i].file));
	_cleanup_free_ char *inputs = strv_join(in);

	return xasprintf(
	    "# Sandbox for this project: 'box enter' anywhere below this directory uses it.\n"
	    "# 'box config schema --project' documents every key; after editing, run\n"
	    "# 'box allow' to approve the new content.\n"
	    "\n"
	    "[box]\n"
	    "image = %s\n"
	    "# name = %s\n"
	    "# network = slirp        ; slirp, host or none\n"
	    "# home = host            ; host, isolated or a path\n"
	    "\n"
	    "[setup]\n"
	    "# Installed once with the image's package manager and cached.\n"
	    "%spackages = %s\n"
	    "# run = echo commands run in order, as root, after the packages\n"
	    "# Files setup reads: a change to them builds a new setup.\n"
	    "%sinputs = %s\n"
	    "\n"
	    "[env]\n"
	    "# EDITOR = vim\n"
	    "\n"
	    "[ports]\n"
	    "# 8080 = 8080            ; host port = sandbox port\n"
	    "\n"
	    "[mounts]\n"
	    "# /data = ../data:ro     ; sandbox path = host path, relative to this directory\n"
	    "\n"
	    "[limits]\n"
	    "# memory = 4G\n"
	    "# cpus = 2\n",
	    image, *name ? name : "project", *pk ? "" : "# ", *pk ? pk : "git", *inputs ? "" : "# ",
	    *inputs ? inputs : "requirements.txt");
}
