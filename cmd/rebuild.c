/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box rebuild [--yes]: apply an edited [setup] to the project's sandbox. The new
 * setup layer is built (or found in the cache), then the sandbox's writable layer
 * is recreated on top of it. The home (host or isolated) and the project directory
 * are bound from outside and never touched; other changes the user made in the
 * writable layer are listed first, and discarded only after a yes on a terminal or
 * with --yes.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/paths.h"
#include "../core/sandbox/sandbox.h"
#include "../core/sandbox/setup.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "../core/project/project_sandbox.h"

/* What box itself writes in a writable layer: the user database and mount points. */
static const char *const box_paths[] = {
	"/etc/passwd",
	"/etc/group",
	"/etc/shadow",
	"/etc/gshadow",
	"/etc/sudoers.d",
	"/etc/hosts",
	"/etc/resolv.conf",
	"/etc/localtime",
	"/run/host",
	"/tmp/.X11-unix",
	"/dev",
	"/proc",
	"/sys",
	"/etc/passwd-",
	"/etc/group-",
	"/etc/shadow-",
	"/etc/gshadow-",
};

static struct {
	size_t upper_len;
	char **skip; /* absolute paths inside: home, project, mounts */
	char **found;
} walk;

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int visit(const char *fpath, const struct stat *st, int type, struct FTW *f)
{
	const char *inside = fpath + walk.upper_len;

	if (type == FTW_D || type == FTW_DNR || type == FTW_DP || !*inside)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(box_paths); i++)
		if (under(inside, box_paths[i]))
			return 0;
	for (char **s = walk.skip; s && *s; s++)
		if (under(inside, *s))
			return 0;
	/* A whiteout (character device 0/0) records a deleted file. */
	if (S_ISCHR(st->st_mode) && st->st_rdev == 0)
		strv_push(&walk.found, xasprintf("deleted  %s", inside));
	else
		strv_push(&walk.found, xasprintf("changed  %s", inside));
	return 0;
}

static char **list_changes(const char *datadir, const struct sandbox_config *c)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", datadir);
	_cleanup_free_ char *home = paths_home();

	walk.upper_len = strlen(upper);
	walk.found = NULL;
	walk.skip = NULL;
	strv_push(&walk.skip, xstrdup(home));
	if (c->project)
		strv_push(&walk.skip, xstrdup(c->project));
	for (char **m = c->mounts; m && *m; m++) {
		const char *t = strchr(*m, '\t');
		const char *e = t ? strchr(t + 1, '\t') : NULL;
		if (e)
			strv_push(&walk.skip, xstrndup(t + 1, (size_t)(e - t - 1)));
	}
	/* Directories we cannot read belong to other ids inside: nothing of the user's. */
	nftw(upper, visit, 32, FTW_PHYS);
	strv_free(walk.skip);
	return walk.found;
}

static bool confirm(char **changes, bool yes)
{
	char line[16];

	if (!changes || yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		cmd_error("rebuild would discard the changes above: run 'box rebuild --yes' to "
			  "go ahead");
		return false;
	}
	fprintf(stderr, "discard them? [y/N] ");
	if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y')) {
		fprintf(stderr, "box: nothing changed\n");
		return false;
	}
	return true;
}

static int apply(struct project *p, struct sandbox_config *c, const char *key,
		 char *const *img_layers, const char *digest, char *const *img_env)
{
	_cleanup_free_ char *dir = sandbox_data_dir(c->name);
	_cleanup_free_ char *cfgpath = xasprintf("%s/config.json", dir);
	_cleanup_free_ char *stamp = xasprintf("%s/user", dir);
	struct box_err *err = NULL;

	if (sandbox_stop(c->name, 10000, &err) < 0)
		return cmd_fail(err, "stop sandbox '%s'", c->name);
	_cleanup_close_ int lock = sandbox_lock(c->name, true, &err);
	if (lock < 0)
		return cmd_fail(err, "lock sandbox '%s'", c->name);
	if (setup_reset_writable(dir, &err) < 0)
		return cmd_fail(err, "rebuild sandbox '%s'", c->name);
	/* The user database lives in the writable layer: the next start writes it. */
	unlink(stamp);
	strv_free(c->layers);
	c->layers = strv_copy(img_layers);
	if (p->config->packages || p->config->run)
		strv_push(&c->layers, setup_layer_dir(key));
	free(c->setup_key);
	c->setup_key = xstrdup(key);
	free(c->image_digest);
	c->image_digest = xstrdup(digest);
	strv_free(c->image_env);
	c->image_env = strv_copy(img_env);
	_cleanup_free_ char *json = sandbox_config_format(c);
	if (fs_write_file_atomic(cfgpath, json, strlen(json), 0600, &err) < 0)
		return cmd_fail(err, "rebuild sandbox '%s'", c->name);
	fprintf(stderr, "box: sandbox '%s' rebuilt on the new setup\n", c->name);
	return 0;
}

static int rebuild(struct project *p, bool yes)
{
	char key[SHA256_HEX_LEN + 1];
	_cleanup_strv_free_ char **img_layers = NULL, **changes = NULL, **img_env = NULL;
	_cleanup_free_ char *digest = NULL, *ref = NULL;
	_cleanup_free_ char *dir = sandbox_data_dir(p->sandbox);
	struct sandbox_config *c = NULL;
	struct box_err *err = NULL;
	int r;

	if (!sandbox_exists(p->sandbox))
		return cmd_error("'%s' has no sandbox yet: 'box enter' makes it", p->file);
	if (sandbox_config_load(p->sandbox, &c, &err) < 0)
		return cmd_fail(err, "rebuild sandbox '%s'", p->sandbox);
	r = proj_setup_key(p, key, &img_layers, &digest, &ref, &img_env);
	if (r == 0)
		r = proj_build_setup(p, key, img_layers, img_env);
	if (r == 0) {
		changes = list_changes(dir, c);
		if (changes)
			fprintf(stderr,
				"box: changes in sandbox '%s' outside the home and the "
				"project that a rebuild discards:\n",
				c->name);
		for (char **s = changes; s && *s; s++)
			fprintf(stderr, "  %s\n", *s);
		r = confirm(changes, yes) ? apply(p, c, key, img_layers, digest, img_env)
					  : EXIT_BOX;
	}
	sandbox_config_free(c);
	return r;
}

static int run_rebuild(int argc, char **argv)
{
	static const struct option opts[] = { { "yes", no_argument, NULL, 'y' },
					      { "config", required_argument, NULL, 'C' },
					      { NULL, 0, NULL, 0 } };
	struct project *p = NULL;
	struct opts o;
	bool yes = false;
	int c, r;

	opts_init(&o, argc, argv, "y", opts, 0);
	while ((c = opts_next(&o)) != OPTS_END) {
		if (c == 'C')
			arg_project_file = o.arg;
		else if (c != 'y')
			return cmd_opts_error(&o);
		else
			yes = true;
	}
	if (o.nargs > 0)
		return cmd_usage_error(
		    "rebuild", "unexpected argument '%s' (run it in the project)", o.args[0]);
	r = proj_open("rebuild", &p);
	if (r)
		return r;
	r = rebuild(p, yes);
	project_free(p);
	return r;
}

const struct box_command cmd_rebuild = {
	.name = "rebuild",
	.summary = "apply an edited [setup] of the project's .box.ini to its sandbox",
	.usage = "usage: box rebuild [--yes]\n\n"
		 "Builds the setup layer of the nearest .box.ini (or takes it from the cache)\n"
		 "and recreates the sandbox's writable layer on it. The home and the project\n"
		 "directory are never touched; other changes in the sandbox are listed and\n"
		 "discarded after a prompt.\n\n"
		 "  -y, --yes   discard without asking (for scripts)\n"
		 "  --config FILE  the project file to use (.box.ini or devcontainer.json)",
	.run = run_rebuild,
};
