/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box init [--force] [--image IMAGE] [DIR]: write a commented .box.ini for a
 * project directory, with packages guessed from the files it has, and approve it
 * (the user just created it). An existing file is kept unless --force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/devcontainer.h"
#include "../config/project.h"
#include "../core/util/fs.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static const char usage_text[] =
    "usage: box init [--force] [--image IMAGE] [DIR]\n"
    "       box init --from-devcontainer [--force] [DIR]\n"
    "\n"
    "Write DIR/.box.ini (default: the current directory) with packages guessed from\n"
    "the project's files: requirements.txt or pyproject.toml (python3, pip),\n"
    "package.json (nodejs, npm), Cargo.toml (cargo), go.mod (golang),\n"
    "CMakeLists.txt or Makefile (build tools). The image defaults to debian.\n"
    "With --from-devcontainer: the .box.ini equivalent to the repository's\n"
    "devcontainer.json (what has no equivalent is named, and left out).\n"
    "  -f, --force        overwrite an existing .box.ini\n"
    "  -i, --image IMAGE  image reference or alias for [box] image";

static int write_init(const char *dir, const char *image, bool force)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", streq(dir, "/") ? "" : dir, PROJECT_FILE);
	_cleanup_strv_free_ char **pk = project_guess_packages(dir);
	_cleanup_free_ char *text = project_init_text(dir, image, pk);
	struct box_err *err = NULL;

	if (path_exists(path) && !force)
		return cmd_error("'%s' already exists; edit it, or use --force to replace it",
				 path);
	if (fs_write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
		return cmd_fail(err, "write '%s'", path);
	if (trust_allow(path, text, strlen(text), &err) < 0)
		return cmd_fail(err, "approve '%s'", path);
	printf("wrote %s\n", path);
	if (pk) {
		printf("packages guessed from the project's files:");
		for (char **p = pk; *p; p++)
			printf(" %s", *p);
		printf("\n");
	}
	printf("edit it, then run 'box allow' to approve the new content\n");
	return 0;
}

/* The devcontainer file of dir: its own, or the only one in .devcontainer/NAME/. */
static char *find_devcontainer(const char *dir)
{
	char *f = devcontainer_find_in(dir);
	_cleanup_strv_free_ char **named = f ? NULL : devcontainer_list_named(dir);

	if (!f && strv_length(named) == 1)
		f = xstrdup(named[0]);
	return f;
}

static char *devcontainer_ini(const char *file, const struct box_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fprintf(f, "# written by 'box init --from-devcontainer' from %s\n", file);
	cfg_write(f, c, CFG_PROJECT);
	fclose(f);
	return text;
}

static int from_devcontainer(const char *dir, bool force)
{
	_cleanup_free_ char *file = find_devcontainer(dir), *buf = NULL, *text = NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s", streq(dir, "/") ? "" : dir, PROJECT_FILE);
	struct cfg_errors errors = { 0 }, warnings = { 0 };
	struct box_err *err = NULL;
	size_t len;

	if (!file)
		return cmd_error("no devcontainer.json in '%s' (nor one alone in .devcontainer/*/)",
				 dir);
	if (path_exists(path) && !force)
		return cmd_error("'%s' already exists; use --force to replace it", path);
	if (fs_read_file(file, 1024 * 1024, &buf, &len, &err) < 0)
		return cmd_fail(err, "read '%s'", file);
	struct box_config *c = cfg_new();
	int r = project_parse(file, buf, len, c, &errors, &warnings);
	for (size_t i = 0; i < errors.n; i++)
		fprintf(stderr, "%s\n", errors.msgs[i]);
	for (size_t i = 0; i < warnings.n; i++)
		fprintf(stderr, "%s\n", warnings.msgs[i]);
	if (r == 0 && c->host_init)
		fprintf(stderr,
			"box: warning: initializeCommand has no .box.ini equivalent; left out\n");
	if (r == 0 && c->attach)
		fprintf(stderr,
			"box: warning: postAttachCommand has no .box.ini equivalent; left out\n");
	if (r == 0)
		text = devcontainer_ini(file, c);
	cfg_errors_done(&errors);
	cfg_errors_done(&warnings);
	cfg_free(c);
	if (r < 0 || !text)
		return cmd_error("'%s' cannot be converted: fix the problems above first", file);
	if (fs_write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
		return cmd_fail(err, "write '%s'", path);
	printf("wrote %s from %s\nreview it, then run 'box allow' to use it\n", path, file);
	return 0;
}

static int run_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "image", required_argument, NULL, 'i' },
		{ "from-devcontainer", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = "debian";
	bool force = false, dc = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "fi:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'f')
			force = true;
		else if (c == 'i')
			image = p.arg;
		else if (c == 'D')
			dc = true;
		else
			return cmd_opts_error(&p);
	}
	if (p.nargs > 1)
		return cmd_usage_error("init", "expected one DIR at most");
	if (!cfg_valid_image(image))
		return cmd_usage_error("init", "bad image reference '%s'", image);
	_cleanup_free_ char *dir = realpath(p.nargs > 0 ? p.args[0] : ".", NULL);
	if (!dir || !is_dir(dir))
		return cmd_error("init '%s': not a directory", p.nargs > 0 ? p.args[0] : ".");
	return dc ? from_devcontainer(dir, force) : write_init(dir, image, force);
}

const struct box_command cmd_init = {
	.name = "init",
	.summary = "write a commented .box.ini for a project",
	.usage = usage_text,
	.run = run_init,
};
