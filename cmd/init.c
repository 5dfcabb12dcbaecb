/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box init [--force] [--image IMAGE] [DIR]: write a commented .box.ini for a
 * project directory, with packages guessed from the files it has, and approve it
 * (the user just created it). An existing file is kept unless --force.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../config/project.h"
#include "../core/util/fs.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static const char usage_text[] =
    "usage: box init [--force] [--image IMAGE] [DIR]\n"
    "\n"
    "Write DIR/.box.ini (default: the current directory) with packages guessed from\n"
    "the project's files: requirements.txt or pyproject.toml (python3, pip),\n"
    "package.json (nodejs, npm), Cargo.toml (cargo), go.mod (golang),\n"
    "CMakeLists.txt or Makefile (build tools). The image defaults to debian.\n"
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

static int run_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "image", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *image = "debian";
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "+fi:", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'i')
			image = optarg;
		else
			return cmd_usage_error("init", "unknown option");
	}
	if (argc - optind > 1)
		return cmd_usage_error("init", "expected one DIR at most");
	if (!cfg_valid_image(image))
		return cmd_usage_error("init", "bad image reference '%s'", image);
	_cleanup_free_ char *dir = realpath(optind < argc ? argv[optind] : ".", NULL);
	if (!dir || !is_dir(dir))
		return cmd_error("init '%s': not a directory", optind < argc ? argv[optind] : ".");
	return write_init(dir, image, force);
}

const struct box_command cmd_init = {
	.name = "init",
	.summary = "write a commented .box.ini for a project",
	.usage = usage_text,
	.run = run_init,
};
