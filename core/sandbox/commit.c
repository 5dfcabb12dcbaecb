/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box commit (see commit.h). Order: the store lock, the sandbox frozen (or refused
 * while running without a freezable cgroup), each new layer written to a temporary
 * blob and extracted in one namespace child, the sandbox thawed, then the config,
 * the manifest and the image record, each written atomically; the record comes last,
 * so an interrupted commit leaves only unreferenced blobs and layers for prune.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../host/idmap.h"
#include "../image/layer_write.h"
#include "../image/oci.h"
#include "../image/ref.h"
#include "../image/store.h"
#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/paths.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "commit.h"
#include "sandbox.h"
#include "snapshot.h"

/* One new layer: written and extracted by the namespace child. */
struct layer_job {
	const char *store; /* the store dir */
	const char *dir;   /* the tree to write */
	int out;	   /* the temporary blob, open for reading and writing */
	const struct layer_write_opts *o;
	struct layer_write_result *res; /* shared mapping */
};

struct commit {
	const struct commit_opts *o;
	char *store;
	struct sandbox_config *sc;
	struct oci_manifest *base;
	char *base_config; /* JSON text */
	char **new_diff_ids;
	uint64_t *new_sizes; /* tar bytes */
	size_t n_new;
	struct layer_write_opts wo;
	char **exclude, **exclude_empty;
	char *user, *group;
};

/* ---- changes to the config ---- */

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void set_env(struct json_object *cfg, const char *kv)
{
	struct json_object *env = NULL, *n = json_object_new_array();
	size_t klen = strcspn(kv, "=");

	if (json_object_object_get_ex(cfg, "Env", &env) &&
	    json_object_is_type(env, json_type_array))
		for (size_t i = 0; i < json_object_array_length(env); i++) {
			const char *e = json_object_get_string(json_object_array_get_idx(env, i));
			if (e && !(strncmp(e, kv, klen) == 0 && e[klen] == '='))
				json_object_array_add(n, json_object_new_string(e));
		}
	json_object_array_add(n, json_object_new_string(kv));
	json_object_object_add(cfg, "Env", n);
}

/* CMD ["a","b"] (exec form) or CMD a b (shell form, run by /bin/sh -c). */
static int set_cmd(struct json_object *cfg, const char *arg, struct box_err **err)
{
	if (arg[0] == '[') {
		struct json_object *v = json_tokener_parse(arg);
		bool good = v && json_object_is_type(v, json_type_array);
		for (size_t i = 0; good && i < json_object_array_length(v); i++)
			good =
			    json_object_is_type(json_object_array_get_idx(v, i), json_type_string);
		if (!good) {
			json_object_put(v);
			return box_err_set(err, EINVAL,
					   "CMD '%s' is not a JSON array of strings (CMD "
					   "[\"make\", \"test\"] or CMD make test)",
					   arg);
		}
		json_object_object_add(cfg, "Cmd", v);
		return 0;
	}
	char *sh[] = { "/bin/sh", "-c", (char *)arg, NULL };
	json_object_object_add(cfg, "Cmd", strv_json(sh));
	return 0;
}

static int apply_change(struct json_object *cfg, const char *change, struct box_err **err)
{
	static const char *const keys[] = { "ENV", "CMD", "WORKDIR", "USER" };
	size_t klen = strcspn(change, " \t");
	const char *arg = change + klen + strspn(change + klen, " \t");

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (strlen(keys[i]) != klen || strncasecmp(change, keys[i], klen) != 0)
			continue;
		if (!*arg)
			break;
		if (i == 0 && (!strchr(arg, '=') || arg[0] == '='))
			return box_err_set(err, EINVAL, "--change '%s': ENV wants KEY=VALUE",
					   change);
		if (i == 0)
			set_env(cfg, arg);
		else if (i == 1)
			return set_cmd(cfg, arg, err);
		else
			json_object_object_add(cfg, i == 2 ? "WorkingDir" : "User",
					       json_object_new_string(arg));
		return 0;
	}
	return box_err_set(err, EINVAL,
			   "unsupported --change '%s' (ENV KEY=VALUE, CMD [...], WORKDIR /dir, "
			   "USER name)",
			   change);
}

static int apply_changes(struct json_object *root, char *const *changes, struct box_err **err)
{
	struct json_object *cfg = NULL;

	if (!json_object_object_get_ex(root, "config", &cfg) ||
	    !json_object_is_type(cfg, json_type_object)) {
		cfg = json_object_new_object();
		json_object_object_add(root, "config", cfg);
	}
	for (; changes && *changes; changes++) {
		int r = apply_change(cfg, *changes, err);
		if (r < 0)
			return r;
	}
	return 0;
}

char *commit_apply_changes(const char *config_json, char *const *changes, struct box_err **err)
{
	struct json_object *root = json_tokener_parse(config_json);
	char *s = NULL;

	if (!root || !json_object_is_type(root, json_type_object))
		box_err_set(err, EINVAL, "the image config is not a JSON object");
	else if (apply_changes(root, changes, err) == 0)
		s = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

/* ---- what is left out ---- */

static char *rel(const char *abs)
{
	while (*abs == '/')
		abs++;
	return xstrdup(abs);
}

static void exclusions(struct commit *c)
{
	static const char *const box_paths[] = { "run/host", "run/user", "run/box",
						 "tmp/.X11-unix" };
	static const char *const mount_files[] = { "etc/resolv.conf", "etc/hosts", "etc/hostname",
						   "usr/local/bin/box-host-exec" };
	struct passwd *pw = getpwuid(getuid());
	struct group *gr = getgrgid(getgid());
	_cleanup_free_ char *home = paths_home();

	for (size_t i = 0; i < ARRAY_SIZE(mount_files); i++)
		strv_push(&c->exclude_empty, xstrdup(mount_files[i]));
	c->wo.exclude_empty = c->exclude_empty;
	if (c->o->keep_user)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(box_paths); i++)
		strv_push(&c->exclude, xstrdup(box_paths[i]));
	if (home)
		strv_push(&c->exclude, rel(home));
	if (c->sc->project)
		strv_push(&c->exclude, rel(c->sc->project));
	for (char **m = c->sc->mounts; m && *m; m++) {
		const char *tab = strchr(*m, '\t');
		if (tab)
			strv_push(&c->exclude, strndup(tab + 1, strcspn(tab + 1, "\t")));
	}
	for (char **e = c->exclude; *e; e++)
		if (**e == '/') {
			char *r = rel(*e);
			free(*e);
			*e = r;
		}
	c->user = xstrdup(pw ? pw->pw_name : "");
	c->group = xstrdup(gr ? gr->gr_name : "");
	_cleanup_free_ char *sudo = xasprintf("etc/sudoers.d/box-%s", c->user);
	for (char *p = sudo + strlen("etc/sudoers.d/"); *p; p++)
		if (*p == '.')
			*p = '_';
	strv_push(&c->exclude, TAKE_PTR(sudo));
	c->wo.exclude = c->exclude;
	c->wo.drop_user = c->user;
	c->wo.drop_group = c->group;
}

/* ---- new layers ---- */

static int layer_child(struct spawn_ctx *ctx, struct box_err **err)
{
	struct layer_job *j = ctx->arg;
	_cleanup_close_ int dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *tmp = xasprintf("%s/layers/.tmp-XXXXXX", j->store), *dest = NULL;
	struct layer_stats st;
	int r;

	if (dfd < 0)
		return box_err_set(err, errno, "open '%s'", j->dir);
	r = layer_write_dir(dfd, j->out, j->o, j->res, err);
	if (r < 0)
		return r;
	dest = xasprintf("%s/layers/%s", j->store, j->res->diff_id + 7);
	if (is_dir(dest))
		return 0;
	/* The layer as box runs it: extracted from the tar just written, as a pull would. */
	if (lseek(j->out, 0, SEEK_SET) < 0 || !mkdtemp(tmp))
		return box_err_set(err, errno, "prepare the layer directory");
	_cleanup_close_ int tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = tfd < 0 ? box_err_set(err, errno, "open '%s'", tmp)
		    : layer_extract_fd(j->out, tfd, NULL, &st, err);
	if (r == 0 && rename(tmp, dest) < 0 && !is_dir(dest))
		r = box_err_set(err, errno, "rename '%s' to '%s'", tmp, dest);
	if (r < 0 || is_dir(tmp))
		rm_rf(tmp, NULL);
	return r;
}

static int write_layer(struct commit *c, const struct box_ids *ids, const char *dir,
		       const struct layer_write_opts *o, struct box_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/blobs/sha256/.tmp-commit-XXXXXX", c->store);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	struct layer_job j = { .store = c->store, .dir = dir, .out = fd, .o = o };
	int r;

	if (fd < 0)
		return box_err_set(err, errno, "create '%s'", tmp);
	j.res =
	    mmap(NULL, sizeof(*j.res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.res == MAP_FAILED) {
		unlink(tmp);
		return box_err_set(err, errno, "map shared memory");
	}
	r = spawn_userns_wait(ids, 0, layer_child, &j, err);
	if (r > 0)
		r = box_err_set(err, EIO, "writing the layer of '%s' ended with status %d", dir, r);
	if (r == 0) {
		_cleanup_free_ char *dest =
		    xasprintf("%s/blobs/sha256/%s", c->store, j.res->diff_id + 7);
		if (fchmod(fd, 0644) < 0 || rename(tmp, dest) < 0)
			r = box_err_set(err, errno, "store the layer blob '%s'", dest);
		strv_push(&c->new_diff_ids, xstrdup(j.res->diff_id));
		c->new_sizes = xrealloc(c->new_sizes, (c->n_new + 1) * sizeof(uint64_t));
		c->new_sizes[c->n_new++] = j.res->size;
	}
	if (r < 0)
		unlink(tmp);
	munmap(j.res, sizeof(*j.res));
	return r;
}

/* The layers above the image's own (a project's setup layer), then the writable layer. */
static int write_layers(struct commit *c, struct box_err **err)
{
	static const struct layer_write_opts plain = { 0 };
	_cleanup_free_ char *data = sandbox_data_dir(c->o->name);
	_cleanup_free_ char *upper = xasprintf("%s/upper", data), *cg = NULL;
	size_t n = strv_length(c->sc->layers);
	struct box_ids ids;
	int r = ids_load(&ids, err);

	if (r < 0)
		return r;
	r = sandbox_quiesce(c->o->name, &cg, err);
	for (size_t i = c->base->n_layers; r == 0 && i < n; i++)
		r = write_layer(c, &ids, c->sc->layers[i], &plain, err);
	if (r == 0)
		r = write_layer(c, &ids, upper, &c->wo, err);
	sandbox_thaw(TAKE_PTR(cg));
	ids_done(&ids);
	return r;
}

/* ---- documents ---- */

static int load_base(struct commit *c, struct box_err **err)
{
	_cleanup_free_ char *buf = NULL, *mpath = NULL, *cpath = NULL;
	size_t len;
	int r = sandbox_config_load(c->o->name, &c->sc, err);

	if (r < 0)
		return r;
	if (!c->sc->image_digest || !oci_digest_valid(c->sc->image_digest))
		return box_err_set(err, EINVAL,
				   "sandbox '%s' runs a local root filesystem, not an image: "
				   "there are no image layers to build on",
				   c->o->name);
	mpath = xasprintf("%s/blobs/sha256/%s", c->store, c->sc->image_digest + 7);
	if ((r = fs_read_file(mpath, OCI_MANIFEST_MAX, &buf, &len, err)) < 0 ||
	    (r = oci_manifest_parse_buffer(buf, len, &c->base, err)) < 0)
		return box_err_wrap(err, "the manifest of the image of '%s'", c->o->name);
	cpath = xasprintf("%s/blobs/sha256/%s", c->store, c->base->config.digest + 7);
	if ((r = fs_read_file(cpath, OCI_CONFIG_MAX, &c->base_config, &len, err)) < 0)
		return box_err_wrap(err, "the config of the image of '%s'", c->o->name);
	if (strv_length(c->sc->layers) < c->base->n_layers)
		return box_err_set(err, EINVAL, "sandbox '%s' has fewer layers than its image",
				   c->o->name);
	return 0;
}

static char *iso_now(void)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static struct json_object *get_array(struct json_object *o, const char *key)
{
	struct json_object *a = NULL;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array)) {
		a = json_object_new_array();
		json_object_object_add(o, key, a);
	}
	return a;
}

static char *make_config(struct commit *c, struct box_err **err)
{
	_cleanup_free_ char *text = commit_apply_changes(c->base_config, c->o->changes, err);
	_cleanup_free_ char *when = iso_now();
	struct json_object *root = text ? json_tokener_parse(text) : NULL, *rootfs = NULL;

	if (!root)
		return NULL;
	if (!json_object_object_get_ex(root, "rootfs", &rootfs)) {
		rootfs = json_object_new_object();
		json_object_object_add(rootfs, "type", json_object_new_string("layers"));
		json_object_object_add(root, "rootfs", rootfs);
	}
	struct json_object *diffs = get_array(rootfs, "diff_ids");
	struct json_object *hist = get_array(root, "history");
	for (size_t i = 0; i < c->n_new; i++) {
		struct json_object *h = json_object_new_object();
		json_object_array_add(diffs, json_object_new_string(c->new_diff_ids[i]));
		json_object_object_add(h, "created", json_object_new_string(when));
		_cleanup_free_ char *by = xasprintf("box commit %s", c->o->name);
		json_object_object_add(h, "created_by", json_object_new_string(by));
		if (c->o->message && i + 1 == c->n_new)
			json_object_object_add(h, "comment", json_object_new_string(c->o->message));
		json_object_array_add(hist, h);
	}
	json_object_object_add(root, "created", json_object_new_string(when));
	char *s = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return s;
}

static const char *oci_layer_type(const struct oci_descriptor *d)
{
	if (d->compression == OCI_COMP_GZIP)
		return OCI_MT_LAYER_GZIP;
	if (d->compression == OCI_COMP_ZSTD)
		return OCI_MT_LAYER_ZSTD;
	return OCI_MT_LAYER_TAR;
}

/* The base's layers as they are in its registry (same digests), then the new ones. */
static char *make_manifest(struct commit *c, const char *config_digest, size_t config_len)
{
	struct json_object *layers = json_object_new_array();

	for (size_t i = 0; i < c->base->n_layers; i++) {
		const struct oci_descriptor *d = &c->base->layers[i];
		json_object_array_add(layers,
				      oci_descriptor_json(oci_layer_type(d), d->digest, d->size));
	}
	for (size_t i = 0; i < c->n_new; i++)
		json_object_array_add(
		    layers,
		    oci_descriptor_json(OCI_MT_LAYER_TAR, c->new_diff_ids[i], c->new_sizes[i]));
	return oci_manifest_format(config_digest, config_len, layers);
}

static int put_blob(const char *store, const char *text, char digest[LAYER_DIGEST_LEN],
		    struct box_err **err)
{
	unsigned char md[32];
	size_t len = strlen(text);

	EVP_Digest(text, len, md, NULL, EVP_sha256(), NULL);
	char *p = digest + sprintf(digest, "sha256:");
	for (size_t i = 0; i < sizeof(md); i++)
		p += sprintf(p, "%02x", md[i]);
	_cleanup_free_ char *path = xasprintf("%s/blobs/sha256/%s", store, digest + 7);
	return path_exists(path) ? 0 : fs_write_file_atomic(path, text, len, 0644, err);
}

static int write_record(struct commit *c, const char *canonical, const char *digest,
			const char *config_digest, struct box_err **err)
{
	_cleanup_ref_ struct image_ref *ref = NULL;
	struct oci_image_config *ic = NULL;
	int r = ref_parse(canonical, &ref, err);

	if (r < 0)
		return r;
	_cleanup_free_ char *repo = ref_name(ref), *ctext = NULL;
	_cleanup_free_ char *cpath = xasprintf("%s/blobs/sha256/%s", c->store, config_digest + 7);
	size_t clen;
	if ((r = fs_read_file(cpath, OCI_CONFIG_MAX, &ctext, &clen, err)) < 0 ||
	    (r = oci_config_parse_buffer(ctext, clen, &ic, err)) < 0)
		return r;
	_cleanup_free_ uint64_t *sizes = xcalloc(ic->n_diff_ids + 1, sizeof(uint64_t));
	struct image_record rec = {
		.ref = (char *)canonical,
		.repository = repo,
		.tag = ref->tag,
		.digest = (char *)digest,
		.config_digest = (char *)config_digest,
		.diff_ids = ic->diff_ids,
		.layer_sizes = sizes,
		.n_layers = ic->n_diff_ids,
		.created = (int64_t)time(NULL),
	};
	for (size_t i = 0; i < ic->n_diff_ids; i++) {
		_cleanup_free_ char *dir = xasprintf("%s/layers/%s", c->store, ic->diff_ids[i] + 7);
		sizes[i] = du_bytes(dir);
		rec.size += sizes[i];
	}
	r = store_record_write(&rec, err);
	oci_config_free(ic);
	return r;
}

static int write_documents(struct commit *c, const char *canonical, struct commit_result *res,
			   struct box_err **err)
{
	_cleanup_free_ char *config = make_config(c, err), *manifest = NULL;
	char config_digest[LAYER_DIGEST_LEN];
	int r;

	if (!config)
		return -EINVAL;
	if ((r = put_blob(c->store, config, config_digest, err)) < 0)
		return r;
	manifest = make_manifest(c, config_digest, strlen(config));
	if ((r = put_blob(c->store, manifest, res->digest, err)) < 0)
		return r;
	return write_record(c, canonical, res->digest, config_digest, err);
}

static void commit_done(struct commit *c)
{
	free(c->store);
	sandbox_config_free(c->sc);
	oci_manifest_free(c->base);
	free(c->base_config);
	strv_free(c->new_diff_ids);
	free(c->new_sizes);
	strv_free(c->exclude);
	strv_free(c->exclude_empty);
	free(c->user);
	free(c->group);
}

int sandbox_commit(const struct image_settings *is, const struct commit_opts *o,
		   struct commit_result *ret, struct box_err **err)
{
	struct commit c = { .o = o, .store = store_dir() };
	struct commit_result res = { 0 };
	_cleanup_free_ char *canonical = NULL, *check = NULL;
	_cleanup_close_ int lock = -1;
	int r;

	if (!sandbox_exists(o->name))
		r = box_err_set(err, ENOENT, "no sandbox named '%s' (see 'box list')", o->name);
	else if ((r = store_resolve_ref(is, o->image, &canonical, err)) == 0 &&
		 (check = commit_apply_changes("{}", o->changes, err)) == NULL)
		r = -EINVAL;
	if (r == 0 && (lock = store_lock(err)) < 0)
		r = lock;
	if (r == 0 && (r = load_base(&c, err)) == 0) {
		exclusions(&c);
		r = write_layers(&c, err);
	}
	if (r == 0)
		r = write_documents(&c, canonical, &res, err);
	for (size_t i = 0; r == 0 && i < c.n_new; i++)
		res.new_bytes += c.new_sizes[i];
	res.new_layers = (unsigned)c.n_new;
	commit_done(&c);
	if (r < 0)
		return r;
	res.ref = TAKE_PTR(canonical);
	*ret = res;
	return 0;
}

void commit_result_done(struct commit_result *r)
{
	free(r->ref);
	r->ref = NULL;
}
