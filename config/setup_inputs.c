/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The project files a [setup] reads, for its cache key: every word of a run line that
 * names an existing file inside the project (`pip install -r requirements.txt`), and
 * every file that a `[setup] inputs` glob matches. Each is listed by its path relative
 * to the project with the sha256 of its content, so that two projects with the same
 * [setup] but different requirements get different layers, and an edited file builds
 * a new one. Paths are resolved with symlinks followed and must stay in the project.
 * The target of a redirection (`>out`) is what a step writes, so it is left out; a step
 * that writes into the project some other way (`touch f`) should not name the file.
 */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/util/fs.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "project.h"

#define INPUTS_MAX     256
#define INPUT_SIZE_MAX (64u << 20)

/* Add "input REL SHA256" for path when it is a regular file inside real_dir. */
static void add_input(char ***lines, const char *real_dir, const char *path)
{
	_cleanup_free_ char *real = realpath(path, NULL);
	_cleanup_free_ char *buf = NULL;
	char sum[SHA256_HEX_LEN + 1];
	struct stat st;
	size_t len = 0;

	if (!real || !project_contains(real_dir, real) || streq(real, real_dir) ||
	    stat(real, &st) < 0 || !S_ISREG(st.st_mode) || strv_length(*lines) >= INPUTS_MAX)
		return;
	const char *rel = real + strlen(real_dir) + (streq(real_dir, "/") ? 0 : 1);
	if (fs_read_file(real, INPUT_SIZE_MAX, &buf, &len, NULL) == 0)
		sha256_hex(buf, len, sum);
	else /* too large to hash on every entry: its size and time stand for it */
		snprintf(sum, sizeof(sum), "size-%lld-mtime-%lld", (long long)st.st_size,
			 (long long)st.st_mtime);
	char *line = xasprintf("input %s %s\n", rel, sum);
	for (char **l = *lines; l && *l; l++)
		if (streq(*l, line)) {
			free(line);
			return;
		}
	strv_push(lines, line);
}

/* Blank out the word after each '>' (">f", ">> f", "2>f"): what a step writes is its
 * output, not an input, and would change the key by running the setup. */
static void drop_redirect_targets(char *s)
{
	for (char *p = strchr(s, '>'); p; p = strchr(p, '>')) {
		while (*p == '>' || *p == '&' || *p == ' ' || *p == '\t')
			*p++ = ' ';
		while (*p && !strchr(" \t;|&<>()", *p))
			*p++ = ' ';
	}
}

/* Words of a shell command, split where a file name cannot go on. */
static void add_run_words(char ***lines, const char *real_dir, const char *run)
{
	_cleanup_free_ char *copy = xstrdup(run);
	char *save = NULL;

	drop_redirect_targets(copy);

	for (char *w = strtok_r(copy, " \t;|&<>()'\"`=,", &save); w;
	     w = strtok_r(NULL, " \t;|&<>()'\"`=,", &save)) {
		if (w[0] == '-' || w[0] == '$')
			continue;
		_cleanup_free_ char *p = w[0] == '/' ? xstrdup(w) : xasprintf("%s/%s", real_dir, w);
		add_input(lines, real_dir, p);
	}
}

static void add_glob(char ***lines, const char *real_dir, const char *pattern)
{
	_cleanup_free_ char *full = xasprintf("%s/%s", real_dir, pattern);
	glob_t g;

	if (glob(full, GLOB_NOSORT, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		add_input(lines, real_dir, g.gl_pathv[i]);
	globfree(&g);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *project_setup_inputs(const struct box_config *c)
{
	_cleanup_free_ char *dir = c->path && c->path[0] == '/' ? project_dir(c->path) : NULL;
	_cleanup_free_ char *real_dir = dir ? realpath(dir, NULL) : NULL;
	_cleanup_strv_free_ char **lines = NULL;
	char *out = xstrdup("");

	if (!real_dir)
		return out;
	for (char **r = c->run; r && *r; r++)
		add_run_words(&lines, real_dir, *r);
	for (char **g = c->inputs; g && *g; g++)
		add_glob(&lines, real_dir, *g);
	if (lines)
		qsort(lines, strv_length(lines), sizeof(char *), cmp_line);
	for (char **l = lines; l && *l; l++) {
		char *n = xasprintf("%s%s", out, *l);
		free(out);
		out = n;
	}
	return out;
}
