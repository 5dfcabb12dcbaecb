/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the sandbox commands: creation options and start-then-join. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/fs.h"
#include "../core/store.h"
#include "../core/paths.h"
#include "../core/xalloc.h"
#include "cmd.h"
#include "imgutil.h"
#include "sbx.h"

int sbx_split_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (streq(argv[i], "--"))
			return i;
	return argc;
}

bool sbx_create_opt(struct sbx_create *o, int c, const char *arg)
{
	switch (c) {
	case SBX_OPT_IMAGE:
		o->image = arg;
		return true;
	case SBX_OPT_ROOTFS:
		o->rootfs = arg;
		return true;
	case SBX_OPT_HOME:
		o->home = arg;
		return true;
	case SBX_OPT_STORAGE:
		o->storage = arg;
		return true;
	case SBX_OPT_NETWORK:
		o->network = arg;
		return true;
	default:
		return false;
	}
}

char *sbx_name_from_image(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	char *n = xstrdup(slash ? slash + 1 : ref);
	char *at = strchr(n, '@');

	if (at)
		*at = '\0';
	for (char *p = n; *p; p++)
		if (*p == ':')
			*p = '-';
	return n;
}

static int parse_home(const char *cmd, const char *s, struct sandbox_create_opts *c,
		      char **path)
{
	if (!s || streq(s, "host")) {
		c->home = SANDBOX_HOME_HOST;
	} else if (streq(s, "isolated")) {
		c->home = SANDBOX_HOME_ISOLATED;
	} else {
		*path = realpath(s, NULL);
		if (!*path || !is_dir(*path))
			return cmd_usage_error(cmd, "--home: '%s' is not a directory (use host, "
						    "isolated or an existing directory)", s);
		c->home = SANDBOX_HOME_PATH;
		c->home_path = *path;
	}
	return 0;
}

static int parse_create(const char *cmd, const struct sbx_create *o,
			struct sandbox_create_opts *c, char **home)
{
	if (o->storage && !streq(o->storage, "fuse-overlayfs") && !streq(o->storage, "overlay"))
		return cmd_usage_error(cmd, "--storage: expected fuse-overlayfs or overlay, not '%s'",
				       o->storage);
	c->storage = o->storage && streq(o->storage, "overlay") ? SANDBOX_STORAGE_OVERLAY :
								  SANDBOX_STORAGE_FUSE;
	if (o->network && !streq(o->network, "slirp") && !streq(o->network, "host") &&
	    !streq(o->network, "none"))
		return cmd_usage_error(cmd, "--network: expected slirp, host or none, not '%s'",
				       o->network);
	c->network = o->network;
	return parse_home(cmd, o->home, c, home);
}

static int create_from_image(const char *name, const char *ref, struct sandbox_create_opts *c)
{
	struct box_config *cfg = cmd_load_global_config();
	struct image_info *img = NULL;
	struct box_err *err = NULL;
	int r;

	if (!cfg)
		return EXIT_BOX;
	/* A stored image is used as it is; only a missing one is pulled. */
	r = store_lookup(cfg, ref, &img, &err);
	if (r < 0) {
		box_err_free(err);
		err = NULL;
		r = store_pull(cfg, ref, isatty(STDERR_FILENO), &img, &err);
	}
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "create sandbox '%s' from image '%s'", name, ref);
	c->image = img->ref;
	c->image_digest = img->digest;
	c->layers = img->layers;
	r = sandbox_create(c, &err);
	image_info_free(img);
	if (r < 0)
		return cmd_fail(err, "create sandbox '%s'", name);
	return 0;
}

int sbx_create_run(const char *cmd, const char *name, const struct sbx_create *o)
{
	struct sandbox_create_opts c = { .name = name };
	struct box_err *err = NULL;
	_cleanup_free_ char *home = NULL, *root = NULL;
	char *layers[2] = { NULL, NULL };

	if (!sandbox_name_valid(name))
		return cmd_usage_error(cmd, "invalid sandbox name '%s' (letters, digits, '_', '.', "
					    "'-', at most %d)", name, SANDBOX_NAME_MAX);
	if (parse_create(cmd, o, &c, &home))
		return EXIT_BOX;
	if (o->rootfs) {
		root = realpath(o->rootfs, NULL);
		if (!root || !is_dir(root))
			return cmd_error("--rootfs '%s' is not a directory", o->rootfs);
		layers[0] = root;
		c.image = root;
		c.layers = layers;
		if (sandbox_create(&c, &err) < 0)
			return cmd_fail(err, "create sandbox '%s'", name);
		return 0;
	}
	return create_from_image(name, o->image, &c);
}

int sbx_enter(const char *name, const struct sandbox_join_opts *jo)
{
	struct box_err *err = NULL;
	int r;

	/* Warm path first: a running sandbox is joined without any lock. */
	r = sandbox_join(name, jo, &err);
	if (r != -ESRCH) {
		if (r < 0)
			return cmd_fail(err, "enter sandbox '%s'", name);
		return r;
	}
	box_err_free(err);
	err = NULL;
	r = sandbox_start(name, &err);
	if (r < 0)
		return cmd_fail(err, "start sandbox '%s'", name);
	r = sandbox_join(name, jo, &err);
	if (r < 0)
		return cmd_fail(err, "enter sandbox '%s'", name);
	return r;
}
