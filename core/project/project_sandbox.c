/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A project's sandbox from its .box.ini: discovery and the checks that come before
 * acting on the file (parse errors as FILE:LINE:, trust, mount sources), the setup
 * layer (built once per image and setup, shared between projects), and creating
 * the sandbox with everything the file says. Used by enter, run, stop and rebuild
 * when they are given no sandbox name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cgroup/cgroup.h"
#include "../image/store.h"
#include "../sandbox/export.h"
#include "../sandbox/sandbox.h"
#include "../sandbox/setup.h"
#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "../util/report.h"
#include "../util/xalloc.h"
#include "hooks.h"
#include "project_sandbox.h"
#include "sbx.h"

/* A name is taken when a sandbox of that name belongs to another directory. */
static bool name_taken(const char *name, void *arg)
{
	struct sandbox_config *c = NULL;
	bool taken;

	if (!sandbox_exists(name))
		return false;
	if (sandbox_config_load(name, &c, NULL) < 0)
		return true;
	taken = !c->project || !streq(c->project, (const char *)arg);
	sandbox_config_free(c);
	return taken;
}

static int print_errors(struct cfg_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		log_out_line("%s", e->msgs[i]);
	cfg_errors_done(e);
	return EXIT_BOX;
}

char *proj_sandbox_name(void)
{
	_cleanup_free_ char *file = NULL, *dir = NULL;
	struct cfg_errors errors = { 0 };
	struct project *p = NULL;
	char *name = NULL;

	if (project_resolve(NULL, &file, NULL) < 0)
		return NULL;
	dir = project_dir(file);
	if (project_open(file, name_taken, dir, &p, &errors, NULL) == 0)
		name = xstrdup(p->sandbox);
	cfg_errors_done(&errors);
	project_free(p);
	return name;
}

const char *arg_project_file;

int proj_open(const char *cmd, struct project **ret)
{
	struct cfg_errors errors = { 0 };
	struct box_err *err = NULL;
	_cleanup_free_ char *file = NULL, *dir = NULL;
	struct project *p = NULL;

	if (project_resolve(arg_project_file, &file, &err) < 0)
		return hooks_no_project(cmd, err);
	dir = project_dir(file);
	int r = project_open(file, name_taken, dir, &p, &errors, &err);
	if (r == -EINVAL && errors.n)
		return print_errors(&errors);
	cfg_errors_done(&errors);
	if (r < 0)
		return report_fail(err, "open project '%s'", file);
	if (p->trust != TRUST_ALLOWED) {
		report_error("'%s' is %s: review it, then run 'box allow' to use it", p->file,
			     trust_state_to_string(p->trust));
		project_free(p);
		return EXIT_BOX;
	}
	hooks_print_warnings(p);
	if (project_check_mounts(p->config, p->dir, &errors) < 0) {
		project_free(p);
		return print_errors(&errors);
	}
	cfg_errors_done(&errors);
	*ret = p;
	return 0;
}

static bool has_setup(const struct box_config *c)
{
	return (c->packages && c->packages[0]) || (c->run && c->run[0]);
}

int proj_setup_key(struct project *p, char key[SHA256_HEX_LEN + 1], char ***ret_layers,
		   char **ret_digest, char **ret_ref, char ***ret_env)
{
	const char *ref = p->config->image;
	struct image_info *img = NULL;
	struct box_err *err = NULL;
	int r;

	if (!ref)
		return report_error("'%s' names no image: set 'image =' in its [box] section",
				    p->file);
	/* A stored image is used as it is; only a missing one is pulled. */
	r = store_lookup(cfg_images(p->config), ref, &img, &err);
	if (r < 0) {
		box_err_free(err);
		err = NULL;
		r = store_pull(cfg_images(p->config), ref, isatty(STDERR_FILENO), &img, &err);
	}
	if (r < 0)
		return report_fail(err, "get image '%s' for '%s'", ref, p->file);
	project_setup_key(img->digest, p->config, key);
	*ret_layers = strv_copy(img->layers);
	*ret_digest = xstrdup(img->digest);
	*ret_ref = xstrdup(img->ref);
	*ret_env = strv_copy(img->env);
	image_info_free(img);
	return 0;
}

static enum sandbox_flag flag(const struct box_config *own, const char *key, bool v)
{
	if (!cfg_is_set(own, "box", key))
		return SANDBOX_FLAG_UNSET;
	return v ? SANDBOX_FLAG_YES : SANDBOX_FLAG_NO;
}

/*
 * [box] host_loopback, ports, mtu, gpu and host_exec as the .box.ini itself sets
 * them, kept with the sandbox so that they apply however it is started; what the
 * file leaves unset follows the global config when the sandbox starts.
 */
static void project_net(const struct project *p, enum sandbox_flag *ret_loopback,
			enum sandbox_flag *ret_ports_auto, uint32_t *ret_mtu, char **ret_gpu,
			enum sandbox_flag *ret_host_exec)
{
	struct box_config *own = cfg_new();
	struct cfg_errors e = { 0 };

	*ret_loopback = *ret_ports_auto = *ret_host_exec = SANDBOX_FLAG_UNSET;
	*ret_mtu = 0;
	*ret_gpu = NULL;
	/* Parsed (and checked) once already, with the global config under it. */
	if (cfg_parse_buffer(p->content, p->len, p->file, CFG_PROJECT, own, &e) == 0) {
		*ret_loopback = flag(own, "host_loopback", own->host_loopback);
		*ret_ports_auto = flag(own, "ports", own->ports_auto);
		*ret_host_exec = flag(own, "host_exec", own->host_exec);
		*ret_mtu = cfg_is_set(own, "box", "mtu") ? own->mtu : 0;
		if (cfg_is_set(own, "box", "gpu"))
			*ret_gpu = xstrdup(cfg_gpu_names[own->gpu]);
	}
	cfg_errors_done(&e);
	cfg_free(own);
}

static const char *const net_names[] = {
	[CFG_NET_SLIRP] = "slirp", [CFG_NET_HOST] = "host", [CFG_NET_NONE] = "none"
};

static void on_progress(size_t i, size_t n, const char *label)
{
	log_out_note("setup [%zu/%zu] %s", i, n, label);
}

static void on_failed(size_t i, size_t n, const char *label, int status)
{
	log_out_note("setup step [%zu/%zu] failed with exit status %d: %s", i, n, status, label);
}

static int setup_steps(enum pkgmgr m, void *arg, struct pkg_step **ret, size_t *ret_n,
		       struct box_err **err)
{
	return project_setup_steps(arg, m, ret, ret_n, err);
}

int proj_build_setup(struct project *p, const char *key, char *const *image_layers,
		     char *const *image_env)
{
	struct box_err *err = NULL;

	if (!has_setup(p->config) || setup_layer_exists(key))
		return 0;
	_cleanup_free_ char *canon = project_setup_canonical(NULL, p->config), *gpu = NULL;
	/* Setup runs in the network the sandbox will have, with its [box] settings. */
	struct sandbox_config net = { .name = p->sandbox,
				      .network = (char *)net_names[p->config->network] };
	enum sandbox_flag ports_auto, host_exec;
	project_net(p, &net.host_loopback, &ports_auto, &net.mtu, &gpu, &host_exec);
	net.ports_auto = SANDBOX_FLAG_NO;
	struct setup_build_opts o = {
		.key = key,
		.layers = image_layers,
		.image_env = image_env,
		.steps = setup_steps,
		.steps_arg = p->config,
		.project_dir = p->dir,
		.canonical = canon,
		.fuse = p->config->storage != CFG_STORAGE_OVERLAY,
		.net = &net,
		.progress = on_progress,
		.failed = on_failed,
	};
	log_out_note("setting up '%s' (once; cached for every project with this image and [setup])",
		     p->file);
	int r = setup_layer_build(&o, &err);
	if (r < 0)
		return report_fail(err, "set up '%s'", p->file);
	if (r > 0)
		log_out_note("setup of '%s' failed; nothing was kept, the next 'box enter' runs it "
			     "again",
			     p->file);
	return r;
}

static char **project_mounts(const struct project *p)
{
	char **v = NULL;

	for (size_t i = 0; i < p->config->n_mounts; i++) {
		const struct cfg_mount *m = &p->config->mounts[i];
		_cleanup_free_ char *src = project_mount_source(p->dir, m->host);
		strv_push(&v, xasprintf("%s\t%s\t%s", src, m->inside, m->readonly ? "ro" : "rw"));
	}
	return v;
}

static char **project_env(const struct box_config *c)
{
	char **v = NULL;

	for (size_t i = 0; i < c->n_env; i++)
		strv_push(&v, xasprintf("%s=%s", c->env[i].key, c->env[i].value));
	return v;
}

static char **project_ports(const struct box_config *c)
{
	char **v = NULL;

	for (size_t i = 0; i < c->n_ports; i++)
		strv_push(&v, xasprintf("%s:%s", c->ports[i].key, c->ports[i].value));
	return v;
}

static char **project_services(const struct box_config *c)
{
	char **v = NULL;

	for (size_t i = 0; i < c->n_services; i++)
		strv_push(&v, xasprintf("%s\t%s", c->services[i].key, c->services[i].value));
	return v;
}

static int create_sandbox(struct project *p, const char *key, char **layers, const char *digest,
			  const char *ref, char **image_env)
{
	const struct box_config *c = p->config;
	_cleanup_strv_free_ char **mounts = project_mounts(p), **env = project_env(c);
	_cleanup_strv_free_ char **ports = project_ports(c), **services = project_services(c);
	struct sandbox_create_opts o = {
		.name = p->sandbox,
		.image = ref,
		.image_digest = digest,
		.layers = layers,
		.home = c->home == CFG_HOME_ISOLATED ? SANDBOX_HOME_ISOLATED
			: c->home == CFG_HOME_PATH   ? SANDBOX_HOME_PATH
						     : SANDBOX_HOME_HOST,
		.home_path = c->home_path,
		.storage = c->storage == CFG_STORAGE_OVERLAY ? SANDBOX_STORAGE_OVERLAY
							     : SANDBOX_STORAGE_FUSE,
		.network = net_names[c->network],
		.env = env,
		.image_env = image_env,
		.ports = ports,
		.project = p->dir,
		.setup_key = key,
		.mounts = mounts,
		.hostname = c->hostname,
		.start = c->start,
		.services = services,
		.attach = c->attach,
		.cpus = c->cpus,
		.memory = c->memory,
		.pids = c->pids,
	};
	struct box_err *err = NULL;
	_cleanup_free_ char *gpu = NULL;

	project_net(p, &o.host_loopback, &o.ports_auto, &o.mtu, &gpu, &o.host_exec);
	o.gpu = gpu;
	if (sandbox_create(&o, &err) < 0)
		return report_fail(err, "create sandbox '%s' for '%s'", p->sandbox, p->file);
	log_out_note("using '%s': sandbox '%s'", p->file, p->sandbox);
	return 0;
}

/* Image layers with the setup layer on top (when the project has a setup). */
static char **stack_layers(const struct project *p, const char *key, char *const *image)
{
	char **v = strv_copy(image);
	if (has_setup(p->config))
		strv_push(&v, setup_layer_dir(key));
	return v;
}

static int ensure_sandbox(struct project *p)
{
	char key[SHA256_HEX_LEN + 1];
	_cleanup_strv_free_ char **img_layers = NULL, **img_env = NULL;
	_cleanup_free_ char *digest = NULL, *ref = NULL;

	if (sandbox_exists(p->sandbox))
		return 0;
	int r = hooks_host_init(p);
	if (r == 0)
		r = proj_setup_key(p, key, &img_layers, &digest, &ref, &img_env);
	if (r == 0)
		r = proj_build_setup(p, key, img_layers, img_env);
	if (r != 0)
		return r;
	_cleanup_strv_free_ char **layers = stack_layers(p, key, img_layers);
	return create_sandbox(p, key, layers, digest, ref, img_env);
}

/* A sandbox made from an older [setup]: say so, and keep using it. */
static void check_changed(const struct project *p)
{
	struct sandbox_config *c = NULL;
	struct image_info *img = NULL;
	char key[SHA256_HEX_LEN + 1];

	if (sandbox_config_load(p->sandbox, &c, NULL) < 0)
		return;
	if (c->image_digest && p->config->image &&
	    store_lookup(cfg_images(p->config), p->config->image, &img, NULL) == 0) {
		project_setup_key(img->digest, p->config, key);
		if (!c->setup_key || !streq(c->setup_key, key))
			log_out_note("the setup in '%s' changed since sandbox '%s' was made; "
				     "entering it as it is ('box rebuild' applies the change)",
				     p->file, p->sandbox);
		image_info_free(img);
	}
	sandbox_config_free(c);
}

/* [env], [ports], [mounts], [limits], network, hostname, host_loopback, ports, mtu,
 * gpu and host_exec as the .box.ini says now. */
static void apply_settings(const struct project *p, struct sandbox_config *c)
{
	const struct box_config *pc = p->config;

	strv_free(c->env);
	c->env = project_env(pc);
	strv_free(c->ports);
	c->ports = project_ports(pc);
	strv_free(c->mounts);
	c->mounts = project_mounts(p);
	free(c->hostname);
	c->hostname = pc->hostname ? xstrdup(pc->hostname) : NULL;
	free(c->network);
	c->network = xstrdup(net_names[pc->network]);
	strv_free(c->start);
	c->start = strv_copy(pc->start);
	strv_free(c->services);
	c->services = project_services(pc);
	strv_free(c->attach);
	c->attach = strv_copy(pc->attach);
	c->cpus = pc->cpus;
	c->memory = pc->memory;
	c->pids = pc->pids;
	free(c->gpu);
	project_net(p, &c->host_loopback, &c->ports_auto, &c->mtu, &c->gpu, &c->host_exec);
}

/*
 * Settings other than [setup] need no rebuild: a stopped sandbox takes the edited
 * ones when it starts; a running one keeps what it started with until `box stop`.
 */
static void refresh_settings(const struct project *p)
{
	struct sandbox_config *c = NULL;
	struct sandbox_runstate st;

	if (sandbox_config_load(p->sandbox, &c, NULL) < 0)
		return;
	_cleanup_free_ char *before = sandbox_config_format(c);
	apply_settings(p, c);
	_cleanup_free_ char *after = sandbox_config_format(c);
	if (!streq(before, after)) {
		_cleanup_free_ char *dir = sandbox_data_dir(p->sandbox);
		_cleanup_free_ char *path = xasprintf("%s/config.json", dir);
		_cleanup_close_ int lock = sandbox_lock(p->sandbox, true, NULL);
		if (sandbox_state_read(p->sandbox, &st) == 1)
			log_out_note("'%s' changed since sandbox '%s' started: 'box stop' "
				     "applies it on the next entry",
				     p->file, p->sandbox);
		else if (lock >= 0)
			fs_write_file_atomic(path, after, strlen(after), 0600, NULL);
	}
	sandbox_config_free(c);
}

static void warn_limits(const struct box_config *c)
{
	struct cg_limits lim = { .cpus = c->cpus, .memory = c->memory, .pids = c->pids };

	if (!c->cpus && !c->memory && !c->pids)
		return;
	_cleanup_strv_free_ char **w = cg_limit_warnings(&lim);
	for (char **s = w; s && *s; s++)
		log_out_warning("%s", *s);
}

/* [export] as the .box.ini says now; what cannot be exported is a warning. */
static int sync_exports(const struct project *p)
{
	struct export_sync_opts o = {
		.sandbox = p->sandbox,
		.bins = p->config->export_bins,
		.apps = p->config->export_apps,
		.box_path = paths_self_exe(),
		.start = sbx_start,
	};
	_cleanup_strv_free_ char **warnings = NULL;
	struct box_err *err = NULL;
	int r = export_sync(&o, &warnings, &err);

	for (char **w = warnings; w && *w; w++)
		log_out_warning("%s", *w);
	if (r < 0) {
		_cleanup_free_ char *m = box_err_format(err);
		log_out_warning("[export] of '%s': %s", p->file, m);
		box_err_free(err);
	}
	return r > 0 ? r : 0;
}

int proj_enter(const char *cmd, char **argv, bool root)
{
	struct project *p = NULL;
	struct sandbox_runstate st;
	int r = proj_open(cmd, &p);

	if (r)
		return r;
	bool existed = sandbox_exists(p->sandbox);
	r = ensure_sandbox(p);
	if (r) {
		project_free(p);
		return r;
	}
	if (existed) {
		check_changed(p);
		refresh_settings(p);
	}
	if (sandbox_state_read(p->sandbox, &st) != 1)
		warn_limits(p->config);
	_cleanup_strv_free_ char **env = project_env(p->config);
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	/* The project is at the same path inside: start where the user is. */
	struct sandbox_join_opts jo = {
		.root = root,
		.argv = argv,
		.env = env,
		.cwd = cwd && project_contains(p->dir, cwd) ? cwd : NULL,
	};
	r = sync_exports(p);
	if (r == 0)
		r = hooks_before_enter(p->sandbox);
	if (r == 0)
		r = sbx_enter(p->sandbox, &jo);
	project_free(p);
	return r;
}

int proj_stop(unsigned timeout_ms)
{
	struct project *p = NULL;
	struct box_err *err = NULL;
	int r = proj_open("stop", &p);

	if (r)
		return r;
	if (!sandbox_exists(p->sandbox))
		r = report_error("'%s' has no sandbox yet ('box enter' makes it)", p->file);
	else if (sandbox_stop(p->sandbox, timeout_ms, &err) < 0)
		r = report_fail(err, "stop sandbox '%s'", p->sandbox);
	project_free(p);
	return r;
}
