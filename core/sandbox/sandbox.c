/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sandbox records: names, data and runtime directories, config.json (what a
 * sandbox was created with), the runtime state file (who runs it), the per-sandbox
 * lock, create, remove and list. Starting and joining live in supervisor.c and
 * join.c; this file never starts a process except to remove subordinate-owned files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../host/idmap.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "sandbox.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define CONFIG_MAX (1024 * 1024)
#define STATE_MAX  8192
#define ENV_MAX	   (256 * 1024)

static const char *const home_names[] = { "host", "isolated", "path" };
static const char *const storage_names[] = { "fuse-overlayfs", "overlay" };

bool sandbox_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > SANDBOX_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

char *sandbox_data_dir(const char *name)
{
	_cleanup_free_ char *d = paths_data_dir();
	return xasprintf("%s/sandboxes/%s", d, name);
}

char *sandbox_runtime_dir(const char *name)
{
	_cleanup_free_ char *d = paths_runtime_dir();
	return xasprintf("%s/%s", d, name);
}

bool sandbox_exists(const char *name)
{
	_cleanup_free_ char *d = sandbox_data_dir(name);
	_cleanup_free_ char *c = xasprintf("%s/config.json", d);
	return path_exists(c);
}

int sandbox_lock(const char *name, bool wait, struct box_err **err)
{
	/* The lock lives in the data dir, not the runtime dir: the supervisor removes its
	 * runtime dir on exit, and a lock file that is unlinked while someone waits on it
	 * would let two processes "hold" it at once. */
	_cleanup_free_ char *d = sandbox_data_dir(name);
	_cleanup_free_ char *p = xasprintf("%s/lock", d);
	return lock_file(p, true, wait, err);
}

struct sandbox_config *sandbox_config_free(struct sandbox_config *c)
{
	if (!c)
		return NULL;
	free(c->name);
	free(c->image);
	free(c->image_digest);
	strv_free(c->layers);
	free(c->home_path);
	free(c->network);
	strv_free(c->ports);
	strv_free(c->env);
	strv_free(c->image_env);
	free(c->project);
	free(c->setup_key);
	strv_free(c->mounts);
	free(c->hostname);
	free(c->gpu);
	strv_free(c->start);
	strv_free(c->services);
	strv_free(c->attach);
	free(c);
	return NULL;
}

static json_object *strv_to_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; v && v[i]; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

char *sandbox_config_format(const struct sandbox_config *c)
{
	json_object *o = json_object_new_object();

	add_str(o, "name", c->name);
	add_str(o, "image", c->image);
	add_str(o, "image_digest", c->image_digest);
	json_object_object_add(o, "layers", strv_to_json(c->layers));
	json_object_object_add(o, "created", json_object_new_int64(c->created));
	add_str(o, "home", home_names[c->home]);
	add_str(o, "home_path", c->home_path);
	add_str(o, "storage", storage_names[c->storage]);
	add_str(o, "network", c->network);
	if (c->gpu)
		add_str(o, "gpu", c->gpu);
	json_object_object_add(o, "ports", strv_to_json(c->ports));
	json_object_object_add(o, "env", strv_to_json(c->env));
	json_object_object_add(o, "image_env", strv_to_json(c->image_env));
	if (c->host_loopback)
		json_object_object_add(
		    o, "host_loopback",
		    json_object_new_boolean(c->host_loopback == SANDBOX_FLAG_YES));
	if (c->ports_auto)
		json_object_object_add(o, "ports_auto",
				       json_object_new_boolean(c->ports_auto == SANDBOX_FLAG_YES));
	if (c->mtu)
		json_object_object_add(o, "mtu", json_object_new_int64(c->mtu));
	if (c->host_exec)
		json_object_object_add(o, "host_exec",
				       json_object_new_boolean(c->host_exec == SANDBOX_FLAG_YES));
	if (c->project) {
		add_str(o, "project", c->project);
		add_str(o, "setup_key", c->setup_key);
		add_str(o, "hostname", c->hostname);
		/* Only when there are some: an older box wrote none, and an edit check
		 * compares this text. */
		if (c->start && c->start[0])
			json_object_object_add(o, "start", strv_to_json(c->start));
		if (c->services && c->services[0])
			json_object_object_add(o, "services", strv_to_json(c->services));
		if (c->attach && c->attach[0])
			json_object_object_add(o, "attach", strv_to_json(c->attach));
	}
	/* A project's [mounts] or create's -v. */
	if (c->mounts)
		json_object_object_add(o, "mounts", strv_to_json(c->mounts));
	/* Limits come from a project's [limits] or from --cpus/--memory/--pids. */
	if (c->cpus > 0 || c->memory || c->pids) {
		json_object_object_add(o, "cpus", json_object_new_double(c->cpus));
		json_object_object_add(o, "memory", json_object_new_int64((int64_t)c->memory));
		json_object_object_add(o, "pids", json_object_new_int64((int64_t)c->pids));
	}
	char *s =
	    xasprintf("%s\n", json_object_to_json_string_ext(
				  o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static char *get_str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static int get_strv(json_object *o, const char *key, char ***ret)
{
	json_object *a;
	char **v = NULL;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &a) || json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_array))
		return -EINVAL;
	size_t n = json_object_array_length(a);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			strv_free(v);
			return -EINVAL;
		}
		strv_push(&v, xstrdup(json_object_get_string(e)));
	}
	*ret = v;
	return 0;
}

static int lookup_name(const char *const *names, size_t n, const char *s, int dflt)
{
	if (!s)
		return dflt;
	for (size_t i = 0; i < n; i++)
		if (streq(names[i], s))
			return (int)i;
	return -1;
}

static enum sandbox_flag get_flag(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return SANDBOX_FLAG_UNSET;
	return json_object_get_boolean(v) ? SANDBOX_FLAG_YES : SANDBOX_FLAG_NO;
}

/* The network settings of a project's [box]; out-of-range values are left unset. */
static void net_from_json(json_object *o, struct sandbox_config *c)
{
	json_object *v;

	c->host_loopback = get_flag(o, "host_loopback");
	c->ports_auto = get_flag(o, "ports_auto");
	c->host_exec = get_flag(o, "host_exec");
	if (json_object_object_get_ex(o, "mtu", &v) && json_object_get_int64(v) >= 68 &&
	    json_object_get_int64(v) <= 65520)
		c->mtu = (uint32_t)json_object_get_int64(v);
}

static int config_from_json(json_object *o, struct sandbox_config *c, struct box_err **err)
{
	_cleanup_free_ char *home = get_str(o, "home");
	_cleanup_free_ char *storage = get_str(o, "storage");
	json_object *v;
	int h, s;

	c->name = get_str(o, "name");
	c->image = get_str(o, "image");
	c->image_digest = get_str(o, "image_digest");
	c->home_path = get_str(o, "home_path");
	c->network = get_str(o, "network");
	c->gpu = get_str(o, "gpu");
	if (json_object_object_get_ex(o, "created", &v))
		c->created = json_object_get_int64(v);
	c->project = get_str(o, "project");
	c->setup_key = get_str(o, "setup_key");
	c->hostname = get_str(o, "hostname");
	if (json_object_object_get_ex(o, "cpus", &v))
		c->cpus = json_object_get_double(v);
	if (json_object_object_get_ex(o, "memory", &v) && json_object_get_int64(v) > 0)
		c->memory = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "pids", &v) && json_object_get_int64(v) > 0)
		c->pids = (uint64_t)json_object_get_int64(v);
	net_from_json(o, c);
	h = lookup_name(home_names, ARRAY_SIZE(home_names), home, SANDBOX_HOME_HOST);
	s = lookup_name(storage_names, ARRAY_SIZE(storage_names), storage, SANDBOX_STORAGE_FUSE);
	if (!c->name || !sandbox_name_valid(c->name))
		return box_err_set(err, EINVAL, "config: missing or invalid \"name\"");
	if (h < 0 || s < 0)
		return box_err_set(err, EINVAL, "config: unknown \"home\" or \"storage\" value");
	c->home = (enum sandbox_home)h;
	c->storage = (enum sandbox_storage)s;
	if (get_strv(o, "layers", &c->layers) < 0 || get_strv(o, "ports", &c->ports) < 0 ||
	    get_strv(o, "env", &c->env) < 0 || get_strv(o, "mounts", &c->mounts) < 0 ||
	    get_strv(o, "image_env", &c->image_env) < 0 || get_strv(o, "start", &c->start) < 0 ||
	    get_strv(o, "services", &c->services) < 0 || get_strv(o, "attach", &c->attach) < 0)
		return box_err_set(err, EINVAL,
				   "config: \"layers\", \"ports\", \"env\", \"image_env\", "
				   "\"mounts\", \"start\", \"services\" and \"attach\" must be "
				   "arrays of strings");
	/* Present but empty is not absent: a config.json from before the image's Env
	 * was kept has none, and box fills it in once (see sandbox.h). */
	if (!c->image_env && json_object_object_get_ex(o, "image_env", &v))
		c->image_env = xcalloc(1, sizeof(char *));
	if (!c->layers || !c->layers[0])
		return box_err_set(err, EINVAL, "config: no layers");
	for (char **l = c->layers; *l; l++)
		if (**l != '/')
			return box_err_set(err, EINVAL, "config: layer '%s' is not absolute", *l);
	if (c->home != SANDBOX_HOME_HOST && (!c->home_path || *c->home_path != '/'))
		return box_err_set(err, EINVAL, "config: \"home_path\" must be absolute");
	return 0;
}

int sandbox_config_parse(const char *buf, size_t len, struct sandbox_config **ret,
			 struct box_err **err)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	struct sandbox_config *c;
	int r;

	if (len > CONFIG_MAX || len > INT32_MAX)
		return box_err_set(err, EFBIG, "config: too large");
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		json_tokener_free(tok);
		return box_err_set(err, EINVAL, "config: not a JSON object");
	}
	json_tokener_free(tok);
	c = xzalloc(sizeof(*c));
	r = config_from_json(o, c, err);
	json_object_put(o);
	if (r < 0) {
		sandbox_config_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int sandbox_config_load(const char *name, struct sandbox_config **ret, struct box_err **err)
{
	_cleanup_free_ char *d = sandbox_data_dir(name);
	_cleanup_free_ char *p = xasprintf("%s/config.json", d);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	r = fs_read_file(p, CONFIG_MAX, &buf, &len, err);
	if (r == -ENOENT) {
		box_err_free(err ? *err : NULL);
		if (err)
			*err = NULL;
		return box_err_set(err, ENOENT, "no sandbox named '%s' (see 'box list')", name);
	}
	if (r < 0)
		return r;
	r = sandbox_config_parse(buf, len, ret, err);
	if (r < 0)
		return box_err_wrap(err, "read '%s'", p);
	return 0;
}

/* ---- the runtime env file ---- */

static void env_append(char **buf, size_t *len, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++) {
		size_t n = strlen(v[i]);
		if (n == 0 || !strchr(v[i], '='))
			continue; /* the empty string is the separator */
		*buf = xrealloc(*buf, *len + n + 1);
		memcpy(*buf + *len, v[i], n + 1);
		*len += n + 1;
	}
}

char *sandbox_env_format(char *const *image_env, char *const *env, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;

	env_append(&buf, &len, image_env);
	buf = xrealloc(buf, len + 1);
	buf[len++] = '\0';
	env_append(&buf, &len, env);
	*ret_len = len;
	return buf;
}

int sandbox_env_parse(const char *buf, size_t len, char ***ret_image_env, char ***ret_env)
{
	char **v[2] = { NULL, NULL };
	size_t part = 0, i = 0;

	if (len > ENV_MAX || (len && buf[len - 1] != '\0'))
		return -EINVAL;
	while (i < len) {
		size_t n = strlen(buf + i);
		if (n == 0 && part == 0)
			part = 1;
		else if (n && strchr(buf + i, '=') && buf[i] != '=')
			strv_push(&v[part], xstrdup(buf + i));
		i += n + 1;
	}
	*ret_image_env = v[0];
	*ret_env = v[1];
	return 0;
}

/* ---- runtime state ---- */

static int state_field(struct sandbox_runstate *s, const char *k, const char *v)
{
	uint64_t u;
	long l;

	if (streq(k, "cgroup")) {
		if (strlen(v) >= sizeof(s->cgroup))
			return -ENAMETOOLONG;
		strcpy(s->cgroup, v);
		return 0;
	}
	if (streq(k, "supervisor_pid") || streq(k, "init_pid")) {
		if (parse_int_range(v, 1, INT32_MAX, &l) < 0)
			return -EINVAL;
		*(k[0] == 's' ? &s->supervisor_pid : &s->init_pid) = (pid_t)l;
		return 0;
	}
	if (streq(k, "supervisor_start") || streq(k, "init_start") || streq(k, "started")) {
		if (parse_u64(v, &u) < 0 || u > INT64_MAX)
			return -EINVAL;
		if (streq(k, "started"))
			s->started = (int64_t)u;
		else
			*(k[0] == 's' ? &s->supervisor_start : &s->init_start) = u;
		return 0;
	}
	return 0; /* unknown keys belong to other modules (ports, ...) */
}

int sandbox_state_parse(const char *buf, size_t len, struct sandbox_runstate *ret)
{
	struct sandbox_runstate s = { 0 };
	char line[1024];
	size_t i = 0;

	if (len > STATE_MAX)
		return -EFBIG;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = (nl ? (size_t)(nl - buf) : len) - i;
		if (n < sizeof(line)) {
			memcpy(line, buf + i, n);
			line[n] = '\0';
			char *eq = strchr(line, '=');
			if (eq && memchr(line, '\0', n) == NULL) {
				*eq = '\0';
				if (state_field(&s, line, eq + 1) < 0)
					return -EINVAL;
			}
		}
		i += n + 1;
	}
	if (s.supervisor_pid <= 0 || s.init_pid <= 0)
		return -EINVAL;
	*ret = s;
	return 0;
}

uint64_t proc_stat_start_time(const char *stat)
{
	uint64_t t = 0;
	/* comm may contain spaces and parentheses: fields restart after the last ')',
	 * which ends field 2; field 3 (state) follows one space later. */
	const char *p = strrchr(stat, ')');

	if (!p)
		return 0;
	p++;
	/* p is at the space before field 3; each step moves to the space before the next. */
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%" SCNu64, &t) != 1)
		return 0;
	return t;
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return proc_stat_start_time(buf);
}

int sandbox_state_read(const char *name, struct sandbox_runstate *ret)
{
	_cleanup_free_ char *rd = sandbox_runtime_dir(name);
	_cleanup_free_ char *p = xasprintf("%s/state", rd);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char buf[STATE_MAX];

	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n <= 0 || n == (ssize_t)sizeof(buf) || sandbox_state_parse(buf, (size_t)n, ret) < 0)
		return 0;
	if (proc_start_time(ret->supervisor_pid) != ret->supervisor_start ||
	    proc_start_time(ret->init_pid) != ret->init_start)
		return 0;
	return 1;
}

/* ---- create / remove ---- */

static int prepare_dirs(const char *dir, const struct sandbox_create_opts *o, struct box_err **err)
{
	static const char *const subdirs[] = { "upper", "work" };
	int r = mkdir_p(dir, 0700, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, subdirs[i]);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return box_err_set(err, errno, "create directory '%s'", p);
	}
	if (o->home == SANDBOX_HOME_ISOLATED) {
		_cleanup_free_ char *p = xasprintf("%s/home", dir);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return box_err_set(err, errno, "create directory '%s'", p);
	}
	return 0;
}

int sandbox_create(const struct sandbox_create_opts *o, struct box_err **err)
{
	_cleanup_free_ char *dir = sandbox_data_dir(o->name);
	_cleanup_free_ char *cfgpath = xasprintf("%s/config.json", dir);
	_cleanup_free_ char *isolated = xasprintf("%s/home", dir);
	struct sandbox_config c = {
		.name = (char *)o->name,
		.image = (char *)o->image,
		.image_digest = (char *)o->image_digest,
		.layers = (char **)o->layers,
		.created = (int64_t)time(NULL),
		.home = o->home,
		.home_path = o->home == SANDBOX_HOME_ISOLATED ? isolated : (char *)o->home_path,
		.storage = o->storage,
		.network = (char *)(o->network ? o->network : "slirp"),
		.gpu = (char *)o->gpu,
		.ports = (char **)o->ports,
		.env = (char **)o->env,
		.image_env = (char **)o->image_env,
		.host_loopback = o->host_loopback,
		.ports_auto = o->ports_auto,
		.mtu = o->mtu,
		.host_exec = o->host_exec,
		.project = (char *)o->project,
		.setup_key = (char *)o->setup_key,
		.mounts = (char **)o->mounts,
		.hostname = (char *)o->hostname,
		.start = (char **)o->start,
		.services = (char **)o->services,
		.attach = (char **)o->attach,
		.cpus = o->cpus,
		.memory = o->memory,
		.pids = o->pids,
	};
	int r;

	if (!sandbox_name_valid(o->name))
		return box_err_set(err, EINVAL,
				   "invalid sandbox name '%s' (letters, digits, "
				   "'_', '.', '-'; at most %d)",
				   o->name, SANDBOX_NAME_MAX);
	if (!o->layers || !o->layers[0])
		return box_err_set(err, EINVAL, "create '%s': no layers", o->name);
	r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	/* Two `box enter debian` racing on a new sandbox: one creates, the other finds it. */
	_cleanup_close_ int lock = sandbox_lock(o->name, true, err);
	if (lock < 0)
		return lock;
	if (path_exists(cfgpath))
		return box_err_set(err, EEXIST, "a sandbox named '%s' already exists", o->name);
	r = prepare_dirs(dir, o, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *json = sandbox_config_format(&c);
	/* config.json is written last: it is what makes the sandbox exist. */
	return fs_write_file_atomic(cfgpath, json, strlen(json), 0600, err);
}

static int rm_child(struct spawn_ctx *ctx, struct box_err **err)
{
	return rm_rf(ctx->arg, err) < 0 ? -1 : 0;
}

int sandbox_remove(const char *name, struct box_err **err)
{
	_cleanup_free_ char *dir = sandbox_data_dir(name);
	_cleanup_free_ char *cfgpath = xasprintf("%s/config.json", dir);
	struct box_ids ids;
	int r;

	/* Only what box made lives here: config.json, upper/, work/, home/ (isolated),
	 * upper.size and the lock. A host home or a custom home path is never below this directory,
	 * and rm_rf does not cross mount points. */
	if (unlink(cfgpath) < 0 && errno != ENOENT)
		return box_err_set(err, errno, "remove '%s'", cfgpath);
	r = ids_load(&ids, err);
	if (r < 0)
		return r;
	/* upper/ and work/ hold files of subordinate ids: remove them as root of the
	 * user namespace, where those ids are ours. */
	r = spawn_userns_wait(&ids, 0, rm_child, dir, err);
	ids_done(&ids);
	if (r > 0)
		return box_err_set(err, EIO, "remove '%s' failed", dir);
	return r;
}

/* ---- list ---- */

/* The fields of one entry (a list holds entries by value). */
static void sandbox_info_done(struct sandbox_info *s)
{
	free(s->name);
	free(s->image);
	free(s->image_digest);
	free(s->cgroup);
	free(s->ports);
	free(s->data_dir);
	free(s->runtime_dir);
	free(s->network);
}

struct sandbox_info *sandbox_info_free(struct sandbox_info *s)
{
	if (!s)
		return NULL;
	sandbox_info_done(s);
	free(s);
	return NULL;
}

void sandbox_info_list_free(struct sandbox_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sandbox_info_done(&list[i]);
	free(list);
}

void sandbox_info_set_config(struct sandbox_info *s, const struct sandbox_config *c)
{
	free(s->image);
	free(s->image_digest);
	free(s->network);
	s->image = c->image ? xstrdup(c->image) : NULL;
	s->image_digest = c->image_digest ? xstrdup(c->image_digest) : NULL;
	s->network = c->network ? xstrdup(c->network) : NULL;
	s->created = (time_t)c->created;
}

static int info_fill(const char *name, struct sandbox_info *s, struct box_err **err)
{
	struct sandbox_config *c = NULL;
	struct sandbox_runstate st;
	int r = sandbox_config_load(name, &c, err);

	if (r < 0)
		return r;
	s->name = xstrdup(name);
	sandbox_info_set_config(s, c);
	s->data_dir = sandbox_data_dir(name);
	s->runtime_dir = sandbox_runtime_dir(name);
	if (sandbox_state_read(name, &st) == 1) {
		s->state = SANDBOX_RUNNING;
		s->supervisor_pid = st.supervisor_pid;
		s->init_pid = st.init_pid;
		s->started = (time_t)st.started;
		s->cgroup = st.cgroup[0] ? xstrdup(st.cgroup) : NULL;
	}
	sandbox_config_free(c);
	return 0;
}

int sandbox_get(const char *name, struct sandbox_info **ret, struct box_err **err)
{
	struct sandbox_info *s = xzalloc(sizeof(*s));
	int r = info_fill(name, s, err);
	if (r < 0) {
		sandbox_info_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct sandbox_info *)a)->name,
		      ((const struct sandbox_info *)b)->name);
}

int sandbox_list(struct sandbox_info **ret, size_t *ret_n, struct box_err **err)
{
	_cleanup_free_ char *data = paths_data_dir();
	_cleanup_free_ char *dir = xasprintf("%s/sandboxes", data);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct sandbox_info *list = NULL;
	size_t n = 0;
	struct dirent *de;

	*ret = NULL;
	*ret_n = 0;
	if (!d)
		return errno == ENOENT ? 0 : box_err_set(err, errno, "open '%s'", dir);
	while ((de = readdir(d))) {
		/* A directory without config.json (being made or removed) fails to load. */
		if (!sandbox_name_valid(de->d_name))
			continue;
		list = xrealloc(list, (n + 1) * sizeof(*list));
		memset(&list[n], 0, sizeof(*list));
		if (info_fill(de->d_name, &list[n], NULL) < 0) {
			log_debug("skipping sandbox '%s': unreadable config", de->d_name);
			continue;
		}
		n++;
	}
	qsort(list, n, sizeof(*list), cmp_info);
	*ret = list;
	*ret_n = n;
	return 0;
}

int sandbox_names(bool running_only, char ***ret, struct box_err **err)
{
	struct sandbox_info *l = NULL;
	size_t n = 0;
	int r = sandbox_list(&l, &n, err);

	if (r < 0)
		return r;
	char **v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (!running_only || l[i].state != SANDBOX_STOPPED)
			strv_push(&v, xstrdup(l[i].name));
	sandbox_info_list_free(l, n);
	*ret = v;
	return 0;
}
