/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sandbox as the commands make, start and enter it: the creation options, the
 * image pulled (or bootstrapped) when missing, the record of an older box brought
 * up to date, the limit warnings and a project's hooks after a start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config/config.h"
#include "../../net/net.h"
#include "../cgroup/cgroup.h"
#include "../host/gpu.h"
#include "../image/ref.h"
#include "../image/store.h"
#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "../util/report.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "bootstrap.h"
#include "hooks.h"
#include "sbx.h"

struct box_config *sbx_global_config(void)
{
	struct cfg_errors errors = { 0 };
	struct box_config *c = NULL;

	if (cfg_load_global(&c, &errors) < 0) {
		for (size_t i = 0; i < errors.n; i++)
			log_out_note("%s", errors.msgs[i]);
		cfg_errors_done(&errors);
		report_error("load the global configuration: fix the lines above");
		return NULL;
	}
	cfg_errors_done(&errors);
	return c;
}

int sbx_split_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (streq(argv[i], "--"))
			return i;
	return argc;
}

int sbx_parse_volume(const char *cmd, const char *spec, char **ret)
{
	_cleanup_free_ char *s = xstrdup(spec);
	char *inside = strchr(s, ':'), *mode = NULL;

	if (inside) {
		*inside++ = '\0';
		mode = strchr(inside, ':');
		if (mode)
			*mode++ = '\0';
	}
	if (!inside || !*s || inside[0] != '/' ||
	    (mode && !streq(mode, "ro") && !streq(mode, "rw")))
		return report_usage_error(cmd, "volume '%s' is not HOST:/PATH[:ro]", spec);
	_cleanup_free_ char *host = realpath(s, NULL);
	if (!host)
		return report_error("volume '%s': %s (the host path must exist)", s,
				    strerror(errno));
	*ret = xasprintf("%s\t%s\t%s", host, inside, mode && streq(mode, "ro") ? "ro" : "rw");
	return 0;
}

int sbx_parse_env(const char *cmd, const char *spec)
{
	if (!*spec || *spec == '=')
		return report_usage_error(cmd, "environment '%s' is not KEY=VALUE", spec);
	return 0;
}

void sbx_create_done(struct sbx_create *o)
{
	strv_free(o->ports);
	strv_free(o->mounts);
	strv_free(o->env);
}

/* -e KEY without a value: the host's, when it has one, kept as KEY=VALUE. */
static char *env_entry(const char *spec)
{
	const char *v = strchr(spec, '=') ? NULL : getenv(spec);
	return v ? xasprintf("%s=%s", spec, v) : xstrdup(spec);
}

int sbx_create_opt(const char *cmd, struct sbx_create *o, int c, const char *arg)
{
	char *m = NULL;

	switch (c) {
	case SBX_OPT_IMAGE:
		o->image = arg;
		return 0;
	case SBX_OPT_ROOTFS:
		o->rootfs = arg;
		return 0;
	case SBX_OPT_HOME:
		o->home = arg;
		return 0;
	case SBX_OPT_STORAGE:
		o->storage = arg;
		return 0;
	case SBX_OPT_NETWORK:
		o->network = arg;
		return 0;
	case SBX_OPT_GPU:
		o->gpu = arg;
		return 0;
	case SBX_OPT_PUBLISH:
		strv_push(&o->ports, xstrdup(arg));
		return 0;
	case SBX_OPT_VOLUME:
		if (sbx_parse_volume(cmd, arg, &m))
			return EXIT_BOX;
		strv_push(&o->mounts, m);
		return 0;
	case SBX_OPT_ENV:
		if (sbx_parse_env(cmd, arg))
			return EXIT_BOX;
		strv_push(&o->env, env_entry(arg));
		return 0;
	case SBX_OPT_CPUS:
		o->cpus = arg;
		return 0;
	case SBX_OPT_MEMORY:
		o->memory = arg;
		return 0;
	case SBX_OPT_PIDS:
		o->pids = arg;
		return 0;
	case SBX_OPT_NO_HOST_EXEC:
		o->host_exec = SANDBOX_FLAG_NO;
		return 0;
	case SBX_OPT_HOST_EXEC:
		o->host_exec = SANDBOX_FLAG_YES;
		return 0;
	default:
		return -1;
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

static int parse_home(const char *cmd, const char *s, struct sandbox_create_opts *c, char **path)
{
	if (!s || streq(s, "host")) {
		c->home = SANDBOX_HOME_HOST;
	} else if (streq(s, "isolated")) {
		c->home = SANDBOX_HOME_ISOLATED;
	} else {
		*path = realpath(s, NULL);
		if (!*path || !is_dir(*path))
			return report_usage_error(cmd,
						  "--home: '%s' is not a directory (use host, "
						  "isolated or an existing directory)",
						  s);
		c->home = SANDBOX_HOME_PATH;
		c->home_path = *path;
	}
	return 0;
}

static int parse_limits(const char *cmd, const struct sbx_create *o,
			struct sandbox_create_opts *lim)
{
	char *end;
	long v;

	if (o->cpus) {
		errno = 0;
		lim->cpus = strtod(o->cpus, &end);
		if (errno || end == o->cpus || *end || !(lim->cpus > 0 && lim->cpus <= 4096))
			return report_usage_error(cmd,
						  "--cpus: expected a number of CPUs such as 1.5, "
						  "not '%s'",
						  o->cpus);
	}
	if (o->memory && (parse_size(o->memory, &lim->memory) < 0 || lim->memory < 1 << 20))
		return report_usage_error(cmd,
					  "--memory: expected a size of at least 1M such as 512M "
					  "or 2G, not '%s'",
					  o->memory);
	if (o->pids) {
		if (parse_int_range(o->pids, 1, 4194304, &v) < 0)
			return report_usage_error(
			    cmd, "--pids: expected a number of processes, not '%s'", o->pids);
		lim->pids = (uint64_t)v;
	}
	return 0;
}

void sbx_limit_warnings(const char *name)
{
	struct sandbox_config *c = NULL;

	if (sandbox_config_load(name, &c, NULL) < 0)
		return;
	struct cg_limits lim = { .cpus = c->cpus, .memory = c->memory, .pids = c->pids };
	_cleanup_strv_free_ char **w = cg_limit_warnings(&lim);
	for (char **p = w; p && *p; p++)
		log_out_warning("%s: %s", name, *p);
	sandbox_config_free(c);
}

static int parse_create(const char *cmd, const struct sbx_create *o, struct sandbox_create_opts *c,
			char **home)
{
	if (o->storage && !streq(o->storage, "fuse-overlayfs") && !streq(o->storage, "overlay"))
		return report_usage_error(
		    cmd, "--storage: expected fuse-overlayfs or overlay, not '%s'", o->storage);
	c->storage = o->storage && streq(o->storage, "overlay") ? SANDBOX_STORAGE_OVERLAY
								: SANDBOX_STORAGE_FUSE;
	if (o->network && !streq(o->network, "slirp") && !streq(o->network, "host") &&
	    !streq(o->network, "none"))
		return report_usage_error(cmd, "--network: expected slirp, host or none, not '%s'",
					  o->network);
	c->network = o->network;
	if (o->gpu && !gpu_mode_valid(o->gpu))
		return report_usage_error(cmd, "--gpu: expected auto, nvidia or none, not '%s'",
					  o->gpu);
	c->gpu = o->gpu;
	for (char **p = o->ports; p && *p; p++) {
		struct port_spec ps;
		struct box_err *err = NULL;
		if (portspec_parse(*p, &ps, &err) < 0)
			return report_fail(err, "%s: -p", cmd);
	}
	if (o->ports && o->network && !streq(o->network, "slirp"))
		return report_usage_error(cmd, "-p needs the slirp network, not '%s'", o->network);
	c->ports = o->ports;
	c->host_exec = o->host_exec;
	c->mounts = o->mounts;
	c->env = o->env;
	if (parse_limits(cmd, o, c))
		return EXIT_BOX;
	return parse_home(cmd, o->home, c, home);
}

/*
 * A Debian image whose registry cannot be reached (an offline or firewalled host) is
 * built from the host's apt mirror instead, under the same reference, so that
 * `box enter debian` still reaches a shell. Returns 0 when the image is now stored.
 */
static int bootstrap_instead(const struct box_config *cfg, const char *ref,
			     const struct box_err *pull_err)
{
	static const int unreachable[] = { EHOSTUNREACH, ENETUNREACH, ECONNREFUSED, ETIMEDOUT };
	_cleanup_(ref_freep) struct image_ref *parsed = NULL;
	bool offline = false;

	for (size_t i = 0; pull_err && i < ARRAY_SIZE(unreachable); i++)
		offline |= pull_err->code == unreachable[i];
	_cleanup_free_ char *resolved = NULL;
	/* The same alias and normalisation rules as the pull that just failed. */
	if (!offline || store_resolve_ref(cfg_images(cfg), ref, &resolved, NULL) < 0 ||
	    ref_parse(resolved, &parsed, NULL) < 0)
		return -1;
	if (!streq(parsed->registry, "docker.io") || !streq(parsed->repository, "library/debian") ||
	    !parsed->tag || parsed->digest)
		return -1;
	_cleanup_free_ char *prog = find_in_path("mmdebstrap");
	if (!prog)
		return -1;
	const char *suite = streq(parsed->tag, "latest") ? "bookworm" : parsed->tag;
	for (const char *p = suite; *p; p++)
		if (!(*p >= 'a' && *p <= 'z'))
			return -1; /* numbered tags (12, 12.5) are not suite names */
	log_out_note("%s cannot be reached; building Debian %s from the apt mirror with "
		     "mmdebstrap instead (box bootstrap)",
		     parsed->registry, suite);
	/* The command's own output owns stdout; the stored name goes to stderr. */
	_cleanup_free_ char *stored = NULL;
	if (bootstrap_debian(suite, resolved, &stored) != 0)
		return -1;
	log_out_line("%s", stored);
	return 0;
}

static int create_from_image(const char *name, const char *ref, struct sandbox_create_opts *c,
			     bool quiet_exists)
{
	struct box_config *cfg = sbx_global_config();
	struct image_info *img = NULL;
	struct box_err *err = NULL;
	int r;

	if (!cfg)
		return EXIT_BOX;
	/* A stored image is used as it is; only a missing one is pulled. */
	r = store_lookup(cfg_images(cfg), ref, &img, &err);
	if (r < 0) {
		box_err_free(err);
		err = NULL;
		r = store_pull(cfg_images(cfg), ref, isatty(STDERR_FILENO), &img, &err);
		if (r < 0 && bootstrap_instead(cfg, ref, err) == 0) {
			box_err_free(err);
			err = NULL;
			r = store_lookup(cfg_images(cfg), ref, &img, &err);
		}
	}
	cfg_free(cfg);
	if (r < 0)
		return report_fail(err, "create sandbox '%s' from image '%s'", name, ref);
	c->image = img->ref;
	c->image_digest = img->digest;
	c->layers = img->layers;
	c->image_env = img->env;
	r = sandbox_create(c, &err);
	image_info_free(img);
	if (r == -EEXIST && quiet_exists) {
		box_err_free(err);
		return 0;
	}
	if (r < 0)
		return report_fail(err, "create sandbox '%s'", name);
	sbx_limit_warnings(name);
	return 0;
}

int sbx_create_run(const char *cmd, const char *name, const struct sbx_create *o)
{
	struct sandbox_create_opts c = { .name = name };
	struct box_err *err = NULL;
	_cleanup_free_ char *home = NULL, *root = NULL;
	char *layers[2] = { NULL, NULL };
	int r;

	if (!sandbox_name_valid(name))
		return report_usage_error(cmd,
					  "invalid sandbox name '%s' (letters, digits, '_', '.', "
					  "'-', at most %d)",
					  name, SANDBOX_NAME_MAX);
	if (parse_create(cmd, o, &c, &home))
		return EXIT_BOX;
	if (o->rootfs) {
		root = realpath(o->rootfs, NULL);
		if (!root || !is_dir(root))
			return report_error("--rootfs '%s' is not a directory", o->rootfs);
		layers[0] = root;
		c.image = root;
		c.layers = layers;
		r = sandbox_create(&c, &err);
		if (r == -EEXIST && o->exists_ok) {
			box_err_free(err);
			return 0;
		}
		if (r < 0)
			return report_fail(err, "create sandbox '%s'", name);
		sbx_limit_warnings(name);
		return 0;
	}
	return create_from_image(name, o->image, &c, o->exists_ok);
}

/* Under the sandbox's lock: fill in the image's Env of an older config.json. */
static void upgrade_locked(const char *name)
{
	struct sandbox_config *c = NULL;
	struct box_config *cfg = NULL;
	struct image_info *img = NULL;
	struct cfg_errors e = { 0 };

	if (sandbox_config_load(name, &c, NULL) < 0)
		return;
	/* Only from the very image it was made from (the reference may have moved on). */
	if (!c->image_env && c->image && c->image_digest && cfg_load_global(&cfg, &e) == 0 &&
	    store_lookup(cfg_images(cfg), c->image, &img, NULL) == 0 &&
	    streq(img->digest, c->image_digest)) {
		_cleanup_free_ char *dir = sandbox_data_dir(name);
		_cleanup_free_ char *path = xasprintf("%s/config.json", dir);
		c->image_env = strv_copy(img->env);
		_cleanup_free_ char *json = sandbox_config_format(c);
		fs_write_file_atomic(path, json, strlen(json), 0600, NULL);
	}
	image_info_free(img);
	cfg_free(cfg);
	cfg_errors_done(&e);
	sandbox_config_free(c);
}

void sbx_upgrade_config(const char *name)
{
	if (!sandbox_exists(name))
		return;
	_cleanup_close_ int lock = sandbox_lock(name, true, NULL);
	if (lock >= 0)
		upgrade_locked(name);
}

int sbx_start(const char *name)
{
	struct box_err *err = NULL;
	int r;

	sbx_upgrade_config(name);
	r = sandbox_start(name, &err);
	if (r < 0)
		return report_fail(err, "start sandbox '%s'", name);
	if (r == 0) {
		sbx_limit_warnings(name);
		hooks_after_start(name);
	}
	return 0;
}

int sbx_enter(const char *name, const struct sandbox_join_opts *jo)
{
	struct box_err *err = NULL;
	int r;

	/* Warm path first: a running sandbox is joined without any lock. */
	r = sandbox_join(name, jo, &err);
	if (r != -ESRCH) {
		if (r < 0)
			return report_fail(err, "enter sandbox '%s'", name);
		return r;
	}
	box_err_free(err);
	err = NULL;
	if ((r = sbx_start(name)) != 0)
		return r;
	r = sandbox_join(name, jo, &err);
	if (r < 0)
		return report_fail(err, "enter sandbox '%s'", name);
	return r;
}
