/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image store: image records (images/<escaped ref>.json), lookups by the
 * reference a user types, listing with shared sizes, removal and garbage
 * collection. Layer directories belong to subordinate ids (they were extracted as
 * root of the user namespace), so removal runs inside that namespace too. The
 * pull itself lives in pull.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "../util/fs.h"
#include "../host/idmap.h"
#include "../util/log.h"
#include "layer_compress.h"
#include "oci.h"
#include "../util/paths.h"
#include "ref.h"
#include "settings.h"
#include "../util/spawn.h"
#include "store.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define RECORD_MAX (1u << 20)

char *store_dir(void)
{
	return paths_data_dir();
}

int store_make_dirs(const char *dir, struct box_err **err)
{
	static const char *const subs[] = { "blobs/sha256", "layers", "images" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", dir, subs[i]);
		int r = mkdir_p(d, 0700, err);
		if (r < 0)
			return r;
	}
	return 0;
}

struct image_info *image_info_free(struct image_info *i)
{
	if (!i)
		return NULL;
	free(i->ref);
	free(i->digest);
	free(i->config_digest);
	strv_free(i->layers);
	strv_free(i->env);
	strv_free(i->cmd);
	strv_free(i->entrypoint);
	strv_free(i->diff_ids);
	free(i->workdir);
	free(i->user);
	free(i);
	return NULL;
}

/* The fields of one record (a list holds records by value). */
static void image_record_done(struct image_record *rec)
{
	free(rec->ref);
	free(rec->repository);
	free(rec->tag);
	free(rec->digest);
	free(rec->config_digest);
	strv_free(rec->diff_ids);
	free(rec->layer_sizes);
}

struct image_record *image_record_free(struct image_record *rec)
{
	if (!rec)
		return NULL;
	image_record_done(rec);
	free(rec);
	return NULL;
}

void image_record_list_free(struct image_record *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		image_record_done(&list[i]);
	free(list);
}

static char *apply_alias(const struct image_settings *is, const char *input)
{
	const char *a = image_alias(is, input);
	if (a)
		return xstrdup(a);
	/* "fedora:43": alias the name; the tag the user typed wins over the alias's own. */
	const char *colon = strrchr(input, ':');
	if (!colon || strchr(colon, '/') || strchr(input, '@'))
		return xstrdup(input);
	_cleanup_free_ char *name = xstrndup(input, (size_t)(colon - input));
	a = image_alias(is, name);
	if (!a)
		return xstrdup(input);
	const char *last = strrchr(a, '/');
	last = last ? last : a;
	size_t keep = (size_t)(last - a) + strcspn(last, ":@");
	return xasprintf("%.*s%s", (int)keep, a, colon);
}

int store_resolve_ref(const struct image_settings *is, const char *input, char **ret_canonical,
		      struct box_err **err)
{
	_cleanup_free_ char *s = apply_alias(is, input);
	_cleanup_ref_ struct image_ref *ref = NULL;
	int r = ref_parse(s, &ref, err);
	if (r < 0)
		return r;
	*ret_canonical = ref_format(ref);
	return 0;
}

char *store_record_path(const char *canonical_ref)
{
	_cleanup_free_ char *dir = store_dir();
	size_t n = strlen(canonical_ref);
	_cleanup_free_ char *esc = xmalloc(n * 3 + 1);
	char *o = esc;
	for (const char *p = canonical_ref; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			*o++ = (char)c;
		else
			o += sprintf(o, "%%%02X", c);
	}
	*o = '\0';
	return xasprintf("%s/images/%s.json", dir, esc);
}

int store_record_write(const struct image_record *rec, struct box_err **err)
{
	struct json_object *o = json_object_new_object();
	struct json_object *layers = json_object_new_array();
	struct json_object *sizes = json_object_new_array();
	for (size_t i = 0; i < rec->n_layers; i++) {
		json_object_array_add(layers, json_object_new_string(rec->diff_ids[i]));
		json_object_array_add(sizes, json_object_new_int64((int64_t)rec->layer_sizes[i]));
	}
	json_object_object_add(o, "ref", json_object_new_string(rec->ref));
	json_object_object_add(o, "repository", json_object_new_string(rec->repository));
	if (rec->tag)
		json_object_object_add(o, "tag", json_object_new_string(rec->tag));
	json_object_object_add(o, "digest", json_object_new_string(rec->digest));
	json_object_object_add(o, "config_digest", json_object_new_string(rec->config_digest));
	json_object_object_add(o, "layers", layers);
	json_object_object_add(o, "layer_sizes", sizes);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)rec->size));
	json_object_object_add(o, "created", json_object_new_int64(rec->created));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	_cleanup_free_ char *path = store_record_path(rec->ref);
	_cleanup_free_ char *text = xasprintf("%s\n", s);
	json_object_put(o);
	return fs_write_file_atomic(path, text, strlen(text), 0644, err);
}

static int rec_str(struct json_object *o, const char *key, bool digest, char **ret)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EPROTO;
	if (digest && !oci_digest_valid(json_object_get_string(v)))
		return -EPROTO;
	*ret = xstrdup(json_object_get_string(v));
	return 0;
}

static int rec_layers(struct json_object *o, struct image_record *rec)
{
	struct json_object *l, *s;
	if (!json_object_object_get_ex(o, "layers", &l) ||
	    !json_object_is_type(l, json_type_array) ||
	    !json_object_object_get_ex(o, "layer_sizes", &s) ||
	    !json_object_is_type(s, json_type_array) ||
	    json_object_array_length(l) != json_object_array_length(s) ||
	    json_object_array_length(l) > OCI_LAYERS_MAX)
		return -EPROTO;
	rec->n_layers = json_object_array_length(l);
	rec->diff_ids = xcalloc(rec->n_layers + 1, sizeof(char *));
	rec->layer_sizes = xcalloc(rec->n_layers + 1, sizeof(uint64_t));
	for (size_t i = 0; i < rec->n_layers; i++) {
		struct json_object *d = json_object_array_get_idx(l, i);
		const char *ds = json_object_get_string(d);
		if (!json_object_is_type(d, json_type_string) || !oci_digest_valid(ds))
			return -EPROTO;
		rec->diff_ids[i] = xstrdup(ds);
		rec->layer_sizes[i] =
		    (uint64_t)json_object_get_int64(json_object_array_get_idx(s, i));
	}
	return 0;
}

int store_record_read(const char *path, struct image_record **ret, struct box_err **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = fs_read_file(path, RECORD_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	struct json_object *o = json_tokener_parse(buf), *v;
	struct image_record *rec = xzalloc(sizeof(*rec));
	r = o && json_object_is_type(o, json_type_object) ? 0 : -EPROTO;
	if (r == 0)
		r = rec_str(o, "ref", false, &rec->ref);
	if (r == 0)
		r = rec_str(o, "repository", false, &rec->repository);
	if (r == 0)
		r = rec_str(o, "digest", true, &rec->digest);
	if (r == 0)
		r = rec_str(o, "config_digest", true, &rec->config_digest);
	if (r == 0)
		r = rec_layers(o, rec);
	if (r == 0) {
		(void)rec_str(o, "tag", false, &rec->tag);
		if (json_object_object_get_ex(o, "size", &v))
			rec->size = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(o, "created", &v))
			rec->created = json_object_get_int64(v);
	}
	json_object_put(o);
	if (r < 0) {
		image_record_free(rec);
		return box_err_set(err, EPROTO,
				   "image record '%s' is damaged (remove it and pull "
				   "again)",
				   path);
	}
	*ret = rec;
	return 0;
}

/* Find the record of a canonical ref; a digest ref also matches any record with that
 * manifest digest and the same repository. */
static int find_record(const char *canonical, struct image_record **ret, struct box_err **err)
{
	_cleanup_free_ char *path = store_record_path(canonical);
	if (path_exists(path))
		return store_record_read(path, ret, err);
	const char *at = strchr(canonical, '@');
	if (at) {
		struct image_record *list = NULL;
		size_t n = 0;
		int r = store_list(&list, &n, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			size_t nl = strlen(list[i].repository);
			if (streq(list[i].digest, at + 1) &&
			    !strncmp(canonical, list[i].repository, nl) &&
			    (canonical[nl] == '@' || canonical[nl] == ':')) {
				struct image_record *rec = xzalloc(sizeof(*rec));
				*rec = list[i];
				memset(&list[i], 0, sizeof(list[i]));
				image_record_list_free(list, n);
				*ret = rec;
				return 0;
			}
		}
		image_record_list_free(list, n);
	}
	return box_err_set(err, ENOENT, "image '%s' is not in the store (box pull it first)",
			   canonical);
}

static int info_from_record(const struct image_record *rec, struct image_info **ret,
			    struct box_err **err)
{
	_cleanup_free_ char *dir = store_dir();
	_cleanup_free_ char *cpath = xasprintf("%s/blobs/sha256/%s", dir, rec->config_digest + 7);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	struct oci_image_config *c = NULL;
	int r = fs_read_file(cpath, OCI_CONFIG_MAX, &buf, &len, err);
	if (r == 0)
		r = oci_config_parse_buffer(buf, len, &c, err);
	if (r < 0)
		return box_err_wrap(err, "image config of '%s'", rec->ref);
	struct image_info *i = xzalloc(sizeof(*i));
	i->ref = xstrdup(rec->ref);
	i->digest = xstrdup(rec->digest);
	i->config_digest = xstrdup(rec->config_digest);
	i->n_layers = rec->n_layers;
	i->layers = xcalloc(rec->n_layers + 1, sizeof(char *));
	for (size_t k = 0; k < rec->n_layers; k++)
		i->layers[k] = xasprintf("%s/layers/%s", dir, rec->diff_ids[k] + 7);
	i->diff_ids = strv_copy(rec->diff_ids);
	i->env = TAKE_PTR(c->env);
	i->cmd = TAKE_PTR(c->cmd);
	i->entrypoint = TAKE_PTR(c->entrypoint);
	i->workdir = TAKE_PTR(c->workdir);
	i->user = TAKE_PTR(c->user);
	i->size = rec->size;
	i->created = rec->created;
	oci_config_free(c);
	for (size_t k = 0; k < i->n_layers; k++) {
		if (!is_dir(i->layers[k])) {
			r = box_err_set(err, ENOENT,
					"layer %s of '%s' is missing from the store "
					"(pull the image again)",
					rec->diff_ids[k], rec->ref);
			image_info_free(i);
			return r;
		}
	}
	*ret = i;
	return 0;
}

int store_lookup(const struct image_settings *is, const char *ref, struct image_info **ret,
		 struct box_err **err)
{
	_cleanup_free_ char *canonical = NULL;
	struct image_record *rec = NULL;
	int r = store_resolve_ref(is, ref, &canonical, err);
	if (r < 0)
		return r;
	r = find_record(canonical, &rec, err);
	if (r < 0)
		return r;
	r = info_from_record(rec, ret, err);
	image_record_free(rec);
	return r;
}

static int cmp_record(const void *a, const void *b)
{
	return strcmp(((const struct image_record *)a)->ref, ((const struct image_record *)b)->ref);
}

int store_list(struct image_record **ret, size_t *ret_n, struct box_err **err)
{
	_cleanup_free_ char *dir = store_dir();
	_cleanup_free_ char *idir = xasprintf("%s/images", dir);
	_cleanup_closedir_ DIR *d = opendir(idir);
	struct image_record *list = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d && errno != ENOENT)
		return box_err_set(err, errno, "open '%s'", idir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !str_endswith(de->d_name, ".json"))
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s", idir, de->d_name);
		struct image_record *rec = NULL;
		struct box_err *e = NULL;
		if (store_record_read(p, &rec, &e) < 0) {
			log_warn("%s", e->msg);
			box_err_free(e);
			continue;
		}
		list = xrealloc(list, (n + 1) * sizeof(*list));
		list[n++] = *rec;
		free(rec);
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_record);
	*ret = list;
	*ret_n = n;
	return 0;
}

uint64_t store_shared_bytes(const struct image_record *list, size_t n, size_t i)
{
	uint64_t shared = 0;
	for (size_t l = 0; l < list[i].n_layers; l++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++) {
			if (j == i || streq(list[j].digest, list[i].digest))
				continue;
			for (size_t k = 0; k < list[j].n_layers && !found; k++)
				found = streq(list[j].diff_ids[k], list[i].diff_ids[l]);
		}
		if (found)
			shared += list[i].layer_sizes[l];
	}
	return shared;
}

/* ---- sandboxes, garbage collection ---- */

static int read_json_file(const char *path, size_t max, struct json_object **ret, char **ret_text)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (fs_read_file(path, max, &buf, &len, NULL) < 0)
		return -EIO;
	struct json_object *o = json_tokener_parse(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EPROTO;
	}
	*ret = o;
	if (ret_text)
		*ret_text = TAKE_PTR(buf);
	return 0;
}

/* Name of a sandbox whose config.json has image_digest == digest; NULL when none. */
static char *sandbox_using(const char *dir, const char *digest)
{
	_cleanup_free_ char *sdir = xasprintf("%s/sandboxes", dir);
	_cleanup_closedir_ DIR *d = opendir(sdir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s/config.json", sdir, de->d_name);
		struct json_object *o = NULL, *v;
		if (read_json_file(p, RECORD_MAX, &o, NULL) < 0)
			continue;
		bool uses = json_object_object_get_ex(o, "image_digest", &v) &&
			    json_object_is_type(v, json_type_string) &&
			    streq(json_object_get_string(v), digest);
		json_object_put(o);
		if (uses)
			return xstrdup(de->d_name);
	}
	return NULL;
}

static void keep_add(char ***keep, const char *digest_or_hex)
{
	const char *hex =
	    str_startswith(digest_or_hex, "sha256:") ? digest_or_hex + 7 : digest_or_hex;
	strv_push(keep, xstrndup(hex, 64));
}

/* Keep every 64-hex token of a sandbox config, and the manifest/config/layers behind its
 * image_digest: a sandbox keeps its layers even after its tag was pulled anew. */
static void keep_sandbox(char ***keep, const char *dir, const char *path)
{
	struct json_object *o = NULL, *v;
	_cleanup_free_ char *text = NULL;
	if (read_json_file(path, RECORD_MAX, &o, &text) < 0)
		return;
	for (char *p = text; *p; p++) {
		size_t n = strspn(p, "0123456789abcdef");
		if (n == 64)
			keep_add(keep, p);
		p += n ? n - 1 : 0;
	}
	if (json_object_object_get_ex(o, "image_digest", &v) &&
	    oci_digest_valid(json_object_get_string(v))) {
		_cleanup_free_ char *mp =
		    xasprintf("%s/blobs/sha256/%s", dir, json_object_get_string(v) + 7);
		_cleanup_free_ char *buf = NULL, *cbuf = NULL;
		size_t len, clen;
		struct oci_manifest *m = NULL;
		struct oci_image_config *c = NULL;
		if (fs_read_file(mp, OCI_MANIFEST_MAX, &buf, &len, NULL) == 0 &&
		    oci_manifest_parse_buffer(buf, len, &m, NULL) == 0) {
			keep_add(keep, m->config.digest);
			_cleanup_free_ char *cp =
			    xasprintf("%s/blobs/sha256/%s", dir, m->config.digest + 7);
			if (fs_read_file(cp, OCI_CONFIG_MAX, &cbuf, &clen, NULL) == 0 &&
			    oci_config_parse_buffer(cbuf, clen, &c, NULL) == 0) {
				for (size_t i = 0; i < c->n_diff_ids; i++)
					keep_add(keep, c->diff_ids[i]);
			}
		}
		oci_manifest_free(m);
		oci_config_free(c);
	}
	json_object_put(o);
}

static char **keep_set(const char *dir, struct box_err **err)
{
	struct image_record *list = NULL;
	size_t n = 0;
	char **keep = xcalloc(1, sizeof(char *));
	if (store_list(&list, &n, err) < 0) {
		strv_free(keep);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		keep_add(&keep, list[i].digest);
		keep_add(&keep, list[i].config_digest);
		for (size_t k = 0; k < list[i].n_layers; k++)
			keep_add(&keep, list[i].diff_ids[k]);
	}
	image_record_list_free(list, n);
	_cleanup_free_ char *sdir = xasprintf("%s/sandboxes", dir);
	_cleanup_closedir_ DIR *d = opendir(sdir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *p = xasprintf("%s/%s/config.json", sdir, de->d_name);
		keep_sandbox(&keep, dir, p);
	}
	return keep;
}

struct gc_ctx {
	const char *dir;
	char **keep;
	/* rmi: only these (the removed image's blobs and layers), with the layer sizes its
	 * record has; prune: NULL, everything nothing references. */
	char **only;
	const struct image_record *rec;
	uint64_t *freed; /* shared mapping: written by the namespace child */
};

static bool kept(char **keep, const char *name)
{
	for (char **k = keep; *k; k++) {
		if (streq(*k, name))
			return true;
	}
	return false;
}

/* A layer's size as the image's record has it (what `box images` showed), else the
 * bytes of its files, counted the same way. */
static uint64_t record_layer_size(const struct image_record *rec, const char *hex, const char *path)
{
	for (size_t i = 0; rec && i < rec->n_layers; i++)
		if (strlen(rec->diff_ids[i]) > 7 && streq(rec->diff_ids[i] + 7, hex))
			return rec->layer_sizes[i];
	return du_content_bytes(path);
}

static void gc_dir(struct gc_ctx *g, const char *sub)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", g->dir, sub);
	_cleanup_closedir_ DIR *d = opendir(p);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, "..") || kept(g->keep, de->d_name))
			continue;
		/* A project's setup layer (core/setup.c) is kept while a sandbox names its key. */
		if (str_startswith(de->d_name, "setup-") && kept(g->keep, de->d_name + 6))
			continue;
		if (g->only && !kept(g->only, de->d_name))
			continue;
		_cleanup_free_ char *e = xasprintf("%s/%s", p, de->d_name);
		uint64_t n = record_layer_size(g->rec, de->d_name, e);
		struct box_err *err = NULL;
		if (rm_rf(e, &err) == 0) {
			*g->freed += n;
			log_debug("removed %s (%" PRIu64 " bytes)", e, n);
		} else {
			log_debug("cannot remove %s: %s", e, err->msg);
			box_err_free(err);
		}
	}
}

static int gc_child(struct spawn_ctx *ctx, struct box_err **err)
{
	struct gc_ctx *g = ctx->arg;
	gc_dir(g, "layers");
	gc_dir(g, "blobs/sha256");
	/* what push remembers of layers that are gone now */
	*g->freed += layer_cache_prune(g->dir);
	return 0;
}

static int gc_run(const char *dir, const struct image_record *rec, uint64_t *ret_freed,
		  struct box_err **err)
{
	struct gc_ctx g = { .dir = dir, .rec = rec };
	_cleanup_strv_free_ char **only = NULL;
	struct box_ids ids;
	int r;

	g.keep = keep_set(dir, err);
	if (!g.keep)
		return -EIO;
	if (rec) {
		only = xcalloc(1, sizeof(char *));
		keep_add(&only, rec->digest);
		keep_add(&only, rec->config_digest);
		for (size_t k = 0; k < rec->n_layers; k++)
			keep_add(&only, rec->diff_ids[k]);
		g.only = only;
	}
	g.freed =
	    mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g.freed == MAP_FAILED) {
		strv_free(g.keep);
		return box_err_set(err, errno, "map shared counter");
	}
	*g.freed = 0;
	r = ids_load(&ids, err);
	if (r == 0) {
		r = spawn_userns_wait(&ids, 0, gc_child, &g, err);
		ids_done(&ids);
	}
	if (r >= 0 && ret_freed)
		*ret_freed = *g.freed;
	munmap(g.freed, sizeof(uint64_t));
	strv_free(g.keep);
	return r < 0 ? r : 0;
}

int store_lock(struct box_err **err)
{
	_cleanup_free_ char *dir = store_dir();
	int r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *p = xasprintf("%s/store.lock", dir);
	return lock_file(p, true, true, err);
}

int store_prune(uint64_t *ret_freed, struct box_err **err)
{
	_cleanup_free_ char *dir = store_dir();
	_cleanup_close_ int lock = store_lock(err);
	if (lock < 0)
		return lock;
	return gc_run(dir, NULL, ret_freed, err);
}

int store_remove(const struct image_settings *is, const char *ref, bool force, uint64_t *ret_freed,
		 struct box_err **err)
{
	_cleanup_free_ char *dir = store_dir();
	_cleanup_free_ char *canonical = NULL;
	struct image_record *rec = NULL;
	int r = store_resolve_ref(is, ref, &canonical, err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = store_lock(err);
	if (lock < 0)
		return lock;
	r = find_record(canonical, &rec, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *user = force ? NULL : sandbox_using(dir, rec->digest);
	if (user) {
		r = box_err_set(err, EBUSY, "image '%s' is used by sandbox '%s' (box rm %s first)",
				rec->ref, user, user);
		image_record_free(rec);
		return r;
	}
	_cleanup_free_ char *path = store_record_path(rec->ref);
	if (unlink(path) < 0)
		r = box_err_set(err, errno, "remove '%s'", path);
	else
		r = gc_run(dir, rec, ret_freed, err);
	image_record_free(rec);
	return r;
}
