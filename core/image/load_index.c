/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading an image archive's documents (see load_index.h).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "load_index.h"
#include "oci.h"

static const struct load_doc *find_doc(const struct load_doc *docs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(docs[i].name, name))
			return &docs[i];
	return NULL;
}

static char *dup_buf(const char *buf, size_t len)
{
	char *s = xmalloc(len + 1);

	memcpy(s, buf, len);
	s[len] = '\0';
	return s;
}

/* The blob of an OCI layout, checked against its digest. */
static int blob(const struct load_doc *docs, size_t n, const char *digest, const char *what,
		const struct load_doc **ret, struct box_err **err)
{
	_cleanup_free_ char *name = xasprintf("blobs/sha256/%s", digest + 7);
	const struct load_doc *d = find_doc(docs, n, name);
	char got[LAYER_DIGEST_LEN];

	if (!d)
		return box_err_set(err, ENOENT, "the archive has no %s %s (truncated?)", what,
				   digest);
	oci_sha256(d->data, d->len, got);
	if (!streq(got, digest))
		return box_err_set(err, EBADMSG,
				   "the %s in the archive does not match its digest: "
				   "got %s, want %s",
				   what, got, digest);
	*ret = d;
	return 0;
}

static enum layer_comp comp_of(enum oci_compression c)
{
	return c == OCI_COMP_GZIP   ? LAYER_COMP_GZIP
	       : c == OCI_COMP_ZSTD ? LAYER_COMP_ZSTD
				    : LAYER_COMP_NONE;
}

static int set_config(struct load_image *im, const struct load_doc *d,
		      struct oci_image_config **ret, struct box_err **err)
{
	int r = oci_config_parse_buffer(d->data, d->len, ret, err);

	if (r < 0)
		return box_err_wrap(err, "the image config '%s'", d->name);
	im->config = dup_buf(d->data, d->len);
	im->config_len = d->len;
	oci_sha256(d->data, d->len, im->config_digest);
	return 0;
}

/* A manifest (or an index whose entry for this host is one) of an OCI layout. */
static int oci_image(const struct load_doc *docs, size_t n, const struct oci_descriptor *desc,
		     struct load_image *im, struct box_err **err)
{
	const struct load_doc *d, *c;
	struct oci_manifest *m = NULL;
	struct oci_image_config *cfg = NULL;
	int r = blob(docs, n, desc->digest, "manifest", &d, err);

	if (r == 0 && oci_doc_kind(desc->media_type, d->data, d->len, NULL) == OCI_DOC_INDEX) {
		struct oci_index *idx = NULL;
		const struct oci_descriptor *sel;
		r = oci_index_parse_buffer(d->data, d->len, &idx, err);
		if (r == 0)
			r = oci_index_select(idx, "linux", oci_host_arch(), oci_host_variant(),
					     &sel, err);
		if (r == 0)
			r = oci_image(docs, n, sel, im, err);
		oci_index_free(idx);
		return r;
	}
	if (r == 0)
		r = oci_manifest_parse_buffer(d->data, d->len, &m, err);
	if (r == 0)
		r = blob(docs, n, m->config.digest, "image config", &c, err);
	if (r == 0)
		r = set_config(im, c, &cfg, err);
	if (r == 0 && cfg->n_diff_ids != m->n_layers)
		r = box_err_set(err, EPROTO, "the manifest has %zu layers but the config lists %zu",
				m->n_layers, cfg->n_diff_ids);
	if (r == 0) {
		im->manifest = dup_buf(d->data, d->len);
		im->manifest_len = d->len;
		im->n_layers = m->n_layers;
		im->layers = xcalloc(m->n_layers + 1, sizeof(*im->layers));
		for (size_t i = 0; i < m->n_layers; i++) {
			im->layers[i].path = xasprintf("blobs/sha256/%s", m->layers[i].digest + 7);
			im->layers[i].digest = xstrdup(m->layers[i].digest);
			im->layers[i].diff_id = xstrdup(cfg->diff_ids[i]);
			im->layers[i].comp = comp_of(m->layers[i].compression);
		}
	}
	oci_manifest_free(m);
	oci_config_free(cfg);
	return r;
}

static const char *annotation(struct json_object *entry, const char *key)
{
	struct json_object *a, *v;

	if (!json_object_object_get_ex(entry, "annotations", &a) ||
	    !json_object_object_get_ex(a, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A name from the index entry: containerd's full name, else ref.name when it is a
 * reference ("registry/repo:tag"); a bare word there is only a tag. */
static void oci_names(struct json_object *entry, struct load_image *im)
{
	const char *full = annotation(entry, "io.containerd.image.name");
	const char *ref = annotation(entry, "org.opencontainers.image.ref.name");

	im->names = xcalloc(1, sizeof(char *));
	if (full && *full)
		strv_push(&im->names, xstrdup(full));
	else if (ref && strpbrk(ref, "/:"))
		strv_push(&im->names, xstrdup(ref));
}

static int parse_oci(const struct load_doc *docs, size_t n, const struct load_doc *index,
		     struct load_image **ret, size_t *ret_n, struct box_err **err)
{
	struct oci_index *idx = NULL;
	struct json_object *o = NULL, *arr = NULL;
	struct load_image *imgs = NULL;
	size_t k = 0;
	int r = oci_index_parse_buffer(index->data, index->len, &idx, err);

	if (r < 0)
		return box_err_wrap(err, "index.json");
	o = json_tokener_parse(index->data);
	json_object_object_get_ex(o, "manifests", &arr);
	if (idx->n == 0 || idx->n > LOAD_IMAGES_MAX)
		r = box_err_set(err, EPROTO, "index.json lists %zu images (1 to %d)", idx->n,
				LOAD_IMAGES_MAX);
	else
		imgs = xcalloc(idx->n, sizeof(*imgs));
	for (; r == 0 && k < idx->n; k++) {
		r = oci_image(docs, n, &idx->manifests[k], &imgs[k], err);
		oci_names(json_object_array_get_idx(arr, k), &imgs[k]);
	}
	json_object_put(o);
	oci_index_free(idx);
	if (r < 0) {
		load_images_free(imgs, k);
		return r;
	}
	*ret = imgs;
	*ret_n = k;
	return 0;
}

static const char *str_at(struct json_object *arr, size_t i)
{
	struct json_object *v = json_object_array_get_idx(arr, i);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A config or layer named by its digest ("<hex>.json", "blobs/sha256/<hex>") is checked. */
static int check_named(const struct load_doc *d, struct box_err **err)
{
	const char *base = str_startswith(d->name, "blobs/sha256/") ? d->name + 13 : d->name;
	char got[LAYER_DIGEST_LEN];

	if (strspn(base, "0123456789abcdef") != 64 || (base[64] && !streq(base + 64, ".json")))
		return 0;
	oci_sha256(d->data, d->len, got);
	if (strncmp(got + 7, base, 64) != 0)
		return box_err_set(err, EBADMSG,
				   "'%s' in the archive does not match its digest: got %s", d->name,
				   got);
	return 0;
}

static int docker_image(const struct load_doc *docs, size_t n, struct json_object *e,
			struct load_image *im, struct box_err **err)
{
	struct json_object *cfgname = NULL, *tags = NULL, *layers = NULL;
	struct oci_image_config *cfg = NULL;
	const struct load_doc *c;
	int r;

	if (!json_object_object_get_ex(e, "Config", &cfgname) ||
	    !json_object_object_get_ex(e, "Layers", &layers) ||
	    !json_object_is_type(layers, json_type_array))
		return box_err_set(err, EPROTO, "manifest.json: an entry without Config or Layers");
	if (!(c = find_doc(docs, n, json_object_get_string(cfgname))))
		return box_err_set(err, ENOENT, "the archive has no config '%s' (truncated?)",
				   json_object_get_string(cfgname));
	if ((r = check_named(c, err)) < 0 || (r = set_config(im, c, &cfg, err)) < 0)
		return r;
	im->n_layers = json_object_array_length(layers);
	if (im->n_layers != cfg->n_diff_ids || im->n_layers > OCI_LAYERS_MAX)
		r = box_err_set(err, EPROTO, "manifest.json lists %zu layers but the config %zu",
				im->n_layers, cfg->n_diff_ids);
	im->layers = xcalloc(im->n_layers + 1, sizeof(*im->layers));
	for (size_t i = 0; r == 0 && i < im->n_layers; i++) {
		const char *p = str_at(layers, i);
		if (!p || layer_path_clean(p, &im->layers[i].path, err) < 0) {
			r = box_err_set(err, EPROTO, "manifest.json: a bad layer path");
			break;
		}
		const char *b = p + (str_startswith(p, "blobs/sha256/") ? 13 : strlen(p));
		if (strlen(b) == 64 && strspn(b, "0123456789abcdef") == 64)
			im->layers[i].digest = xasprintf("sha256:%s", b);
		im->layers[i].diff_id = xstrdup(cfg->diff_ids[i]);
		im->layers[i].comp = LAYER_COMP_DETECT;
	}
	im->names = xcalloc(1, sizeof(char *));
	json_object_object_get_ex(e, "RepoTags", &tags);
	for (size_t i = 0; json_object_is_type(tags, json_type_array) &&
			   i < json_object_array_length(tags) && i < LOAD_IMAGES_MAX;
	     i++)
		if (str_at(tags, i))
			strv_push(&im->names, xstrdup(str_at(tags, i)));
	oci_config_free(cfg);
	return r;
}

static int parse_docker(const struct load_doc *docs, size_t n, const struct load_doc *mf,
			struct load_image **ret, size_t *ret_n, struct box_err **err)
{
	struct json_object *o = json_tokener_parse(mf->data);
	struct load_image *imgs = NULL;
	size_t k = 0, count = 0;
	int r = 0;

	if (!o || !json_object_is_type(o, json_type_array))
		r = box_err_set(err, EPROTO, "manifest.json is not a JSON array");
	else if ((count = json_object_array_length(o)) == 0 || count > LOAD_IMAGES_MAX)
		r = box_err_set(err, EPROTO, "manifest.json lists %zu images (1 to %d)", count,
				LOAD_IMAGES_MAX);
	else
		imgs = xcalloc(count, sizeof(*imgs));
	for (; r == 0 && k < count; k++)
		r = docker_image(docs, n, json_object_array_get_idx(o, k), &imgs[k], err);
	json_object_put(o);
	if (r < 0) {
		load_images_free(imgs, k);
		return r;
	}
	*ret = imgs;
	*ret_n = k;
	return 0;
}

int load_index_parse(const struct load_doc *docs, size_t n_docs, struct load_image **ret,
		     size_t *ret_n, struct box_err **err)
{
	const struct load_doc *index = find_doc(docs, n_docs, "index.json");
	const struct load_doc *mf = find_doc(docs, n_docs, "manifest.json");

	if (index && find_doc(docs, n_docs, "oci-layout"))
		return parse_oci(docs, n_docs, index, ret, ret_n, err);
	if (mf)
		return parse_docker(docs, n_docs, mf, ret, ret_n, err);
	return box_err_set(err, EPROTO,
			   "not an image archive: it has neither oci-layout and index.json "
			   "(oci-archive) nor manifest.json (docker-archive)");
}

void load_images_free(struct load_image *imgs, size_t n)
{
	for (size_t i = 0; imgs && i < n; i++) {
		strv_free(imgs[i].names);
		free(imgs[i].manifest);
		free(imgs[i].config);
		for (size_t k = 0; k < imgs[i].n_layers; k++) {
			free(imgs[i].layers[k].path);
			free(imgs[i].layers[k].digest);
			free(imgs[i].layers[k].diff_id);
		}
		free(imgs[i].layers);
	}
	free(imgs);
}
