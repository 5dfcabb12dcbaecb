/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for the OCI / Docker schema-2 JSON documents a pull reads: index and
 * manifest list, image manifest, image config. Everything here is untrusted input
 * from a registry: json-c parses a length-bounded buffer, every field is type
 * checked, digests are validated before they are ever used as file names, and the
 * counts are capped so a hostile document cannot make us allocate without bound.
 */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "oci.h"
#include "../util/xalloc.h"

static void json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ _cleanup_(json_putp)

/* Parse exactly [buf, buf+len) as one JSON object. */
static int parse_json(const char *buf, size_t len, size_t max, const char *what,
		      struct json_object **ret, struct box_err **err)
{
	if (len > max)
		return box_err_set(err, EFBIG, "%s is too large (%zu bytes, limit %zu)", what, len,
				   max);
	if (memchr(buf, '\0', len))
		return box_err_set(err, EPROTO, "%s is not valid JSON (NUL byte)", what);
	struct json_tokener *tok = json_tokener_new_ex(64);
	if (!tok)
		abort();
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || je != json_tokener_success) {
		json_object_put(o);
		return box_err_set(err, EPROTO, "%s is not valid JSON: %s", what,
				   je == json_tokener_continue ? "truncated"
							       : json_tokener_error_desc(je));
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", buf[end])) {
			json_object_put(o);
			return box_err_set(err, EPROTO, "%s has trailing data after the JSON",
					   what);
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return box_err_set(err, EPROTO, "%s is not a JSON object", what);
	}
	*ret = o;
	return 0;
}

static struct json_object *get(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Optional string field: NULL when absent or null, -EPROTO when the wrong type. */
static int get_str(struct json_object *o, const char *key, char **ret, const char *what,
		   struct box_err **err)
{
	struct json_object *v;
	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return box_err_set(err, EPROTO, "%s: \"%s\" is not a string", what, key);
	*ret = xstrdup(json_object_get_string(v));
	return 0;
}

/* Optional array of strings into a NULL-terminated vector (NULL when absent). */
static int get_strv(struct json_object *o, const char *key, char ***ret, const char *what,
		    struct box_err **err)
{
	struct json_object *v;
	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return box_err_set(err, EPROTO, "%s: \"%s\" is not an array", what, key);
	size_t n = json_object_array_length(v);
	if (n > OCI_ENV_MAX)
		return box_err_set(err, E2BIG, "%s: \"%s\" has too many entries (%zu)", what, key,
				   n);
	char **out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);
		if (!json_object_is_type(s, json_type_string)) {
			strv_free(out);
			return box_err_set(err, EPROTO, "%s: \"%s\" has a non-string entry", what,
					   key);
		}
		out[i] = xstrdup(json_object_get_string(s));
	}
	*ret = out;
	return 0;
}

/* Content-Type equals media type mt, ignoring parameters ("; charset=utf-8") and case. */
static bool str_is_mt(const char *content_type, const char *mt)
{
	size_t n = strlen(mt);
	while (*content_type == ' ')
		content_type++;
	if (strncasecmp(content_type, mt, n) != 0)
		return false;
	char c = content_type[n];
	return c == '\0' || c == ';' || c == ' ';
}

bool oci_digest_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0)
		return false;
	d += 7;
	for (int i = 0; i < 64; i++) {
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return false;
	}
	return d[64] == '\0';
}

static void descriptor_done(struct oci_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	free(d->os);
	free(d->arch);
	free(d->variant);
	memset(d, 0, sizeof(*d));
}

static int parse_descriptor(struct json_object *o, const char *what, struct oci_descriptor *ret,
			    struct box_err **err)
{
	struct oci_descriptor d = { 0 };
	struct json_object *size = get(o, "size", json_type_int);
	int r;

	if (!json_object_is_type(o, json_type_object))
		return box_err_set(err, EPROTO, "%s is not an object", what);
	r = get_str(o, "mediaType", &d.media_type, what, err);
	if (r == 0)
		r = get_str(o, "digest", &d.digest, what, err);
	if (r < 0)
		goto fail;
	if (!d.digest) {
		r = box_err_set(err, EPROTO, "%s has no digest", what);
		goto fail;
	}
	if (!oci_digest_valid(d.digest)) {
		_cleanup_free_ char *esc = xstrndup(d.digest, 80);
		r = box_err_set(err, EPROTO, "%s has an unsupported digest '%s' (only sha256)",
				what, esc);
		goto fail;
	}
	if (!size || json_object_get_int64(size) < 0) {
		r = box_err_set(err, EPROTO, "%s has no valid size", what);
		goto fail;
	}
	d.size = (uint64_t)json_object_get_int64(size);
	*ret = d;
	return 0;
fail:
	descriptor_done(&d);
	return r;
}

int oci_doc_kind(const char *content_type, const char *buf, size_t len, struct box_err **err)
{
	if (content_type) {
		if (str_is_mt(content_type, OCI_MT_INDEX) ||
		    str_is_mt(content_type, DOCKER_MT_LIST))
			return OCI_DOC_INDEX;
		if (str_is_mt(content_type, OCI_MT_MANIFEST) ||
		    str_is_mt(content_type, DOCKER_MT_MANIFEST))
			return OCI_DOC_MANIFEST;
	}
	_cleanup_json_ struct json_object *o = NULL;
	int r = parse_json(buf, len, OCI_MANIFEST_MAX, "manifest", &o, err);
	if (r < 0)
		return r;
	struct json_object *mt = get(o, "mediaType", json_type_string);
	const char *s = mt ? json_object_get_string(mt) : NULL;
	if (s && (streq(s, OCI_MT_INDEX) || streq(s, DOCKER_MT_LIST)))
		return OCI_DOC_INDEX;
	if (s && (streq(s, OCI_MT_MANIFEST) || streq(s, DOCKER_MT_MANIFEST)))
		return OCI_DOC_MANIFEST;
	if (!s && get(o, "manifests", json_type_array))
		return OCI_DOC_INDEX;
	if (!s && get(o, "layers", json_type_array))
		return OCI_DOC_MANIFEST;
	return box_err_set(err, EPROTO, "unsupported manifest type '%s' (%s)",
			   s		  ? s
			   : content_type ? content_type
					  : "none",
			   "box reads OCI and Docker schema-2 manifests");
}

static enum oci_compression layer_compression(const char *mt, bool *known)
{
	static const struct {
		const char *mt;
		enum oci_compression c;
	} table[] = {
		{ "application/vnd.oci.image.layer.v1.tar", OCI_COMP_NONE },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", OCI_COMP_GZIP },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", OCI_COMP_ZSTD },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar", OCI_COMP_NONE },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", OCI_COMP_GZIP },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", OCI_COMP_ZSTD },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", OCI_COMP_GZIP },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", OCI_COMP_GZIP },
		{ "application/vnd.docker.image.rootfs.diff.tar.zstd", OCI_COMP_ZSTD },
	};
	*known = false;
	for (size_t i = 0; mt && i < ARRAY_SIZE(table); i++) {
		if (streq(mt, table[i].mt)) {
			*known = true;
			return table[i].c;
		}
	}
	return OCI_COMP_NONE;
}

struct oci_index *oci_index_free(struct oci_index *idx)
{
	if (!idx)
		return NULL;
	for (size_t i = 0; i < idx->n; i++)
		descriptor_done(&idx->manifests[i]);
	free(idx->manifests);
	free(idx);
	return NULL;
}

static int parse_platform(struct json_object *entry, struct oci_descriptor *d, const char *what,
			  struct box_err **err)
{
	struct json_object *p;
	if (!json_object_object_get_ex(entry, "platform", &p) ||
	    json_object_is_type(p, json_type_null))
		return 0;
	if (!json_object_is_type(p, json_type_object))
		return box_err_set(err, EPROTO, "%s: platform is not an object", what);
	int r = get_str(p, "os", &d->os, what, err);
	if (r == 0)
		r = get_str(p, "architecture", &d->arch, what, err);
	if (r == 0)
		r = get_str(p, "variant", &d->variant, what, err);
	return r;
}

int oci_index_parse_buffer(const char *buf, size_t len, struct oci_index **ret,
			   struct box_err **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	int r = parse_json(buf, len, OCI_MANIFEST_MAX, "image index", &o, err);
	if (r < 0)
		return r;
	struct json_object *arr = get(o, "manifests", json_type_array);
	if (!arr)
		return box_err_set(err, EPROTO, "image index has no \"manifests\" array");
	size_t n = json_object_array_length(arr);
	if (n > OCI_INDEX_MAX)
		return box_err_set(err, E2BIG, "image index has too many entries (%zu, limit %d)",
				   n, OCI_INDEX_MAX);
	struct oci_index *idx = xzalloc(sizeof(*idx));
	idx->manifests = xcalloc(n ? n : 1, sizeof(struct oci_descriptor));
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		char what[64];
		snprintf(what, sizeof(what), "image index entry %zu", i);
		r = parse_descriptor(e, what, &idx->manifests[i], err);
		if (r == 0) {
			idx->n++;
			r = parse_platform(e, &idx->manifests[i], what, err);
		}
		if (r < 0) {
			oci_index_free(idx);
			return r;
		}
	}
	*ret = idx;
	return 0;
}

static bool variant_matches(const char *arch, const char *want, const char *have)
{
	if (want && have)
		return streq(want, have);
	if (!want)
		return true;
	/* arm64 images usually omit "v8"; treat absent as the default variant. */
	return !have && streq(arch, "arm64") && streq(want, "v8");
}

int oci_index_select(const struct oci_index *idx, const char *os, const char *arch,
		     const char *variant, const struct oci_descriptor **ret, struct box_err **err)
{
	const struct oci_descriptor *fallback = NULL;
	for (size_t i = 0; i < idx->n; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];
		if (!d->os || !d->arch || !streq(d->os, os) || !streq(d->arch, arch))
			continue;
		if (variant_matches(arch, variant, d->variant)) {
			*ret = d;
			return 0;
		}
		if (!fallback)
			fallback = d;
	}
	/* An arm v7 host can still run a v6 image; prefer exact, accept any variant. */
	if (fallback && streq(arch, "arm")) {
		*ret = fallback;
		return 0;
	}
	_cleanup_free_ char *have = xstrdup("");
	for (size_t i = 0; i < idx->n && i < 16; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];
		char *n = xasprintf("%s%s%s/%s%s%s", have, *have ? ", " : "", d->os ? d->os : "?",
				    d->arch ? d->arch : "?", d->variant ? "/" : "",
				    d->variant ? d->variant : "");
		free(have);
		have = n;
	}
	return box_err_set(err, ENOENT, "no image for %s/%s%s%s in the index (it has: %s)", os,
			   arch, variant ? "/" : "", variant ? variant : "",
			   *have ? have : "nothing");
}

struct oci_manifest *oci_manifest_free(struct oci_manifest *m)
{
	if (!m)
		return NULL;
	descriptor_done(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_done(&m->layers[i]);
	free(m->layers);
	free(m);
	return NULL;
}

static int parse_layers(struct json_object *arr, struct oci_manifest *m, struct box_err **err)
{
	size_t n = json_object_array_length(arr);
	if (n > OCI_LAYERS_MAX)
		return box_err_set(err, E2BIG, "manifest has too many layers (%zu, limit %d)", n,
				   OCI_LAYERS_MAX);
	m->layers = xcalloc(n ? n : 1, sizeof(struct oci_descriptor));
	for (size_t i = 0; i < n; i++) {
		char what[32];
		bool known;
		snprintf(what, sizeof(what), "layer %zu", i);
		int r =
		    parse_descriptor(json_object_array_get_idx(arr, i), what, &m->layers[i], err);
		if (r < 0)
			return r;
		m->n_layers++;
		struct oci_descriptor *d = &m->layers[i];
		d->compression = layer_compression(d->media_type, &known);
		if (!known) {
			_cleanup_free_ char *esc =
			    xstrndup(d->media_type ? d->media_type : "none", 100);
			return box_err_set(err, EPROTO,
					   "layer %zu has an unsupported media type '%s' "
					   "(box reads tar, tar+gzip and tar+zstd layers)",
					   i, esc);
		}
	}
	return 0;
}

int oci_manifest_parse_buffer(const char *buf, size_t len, struct oci_manifest **ret,
			      struct box_err **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	int r = parse_json(buf, len, OCI_MANIFEST_MAX, "manifest", &o, err);
	if (r < 0)
		return r;
	struct json_object *v = get(o, "schemaVersion", json_type_int);
	if (!v || json_object_get_int64(v) != 2)
		return box_err_set(err, EPROTO, "manifest is not schema version 2");
	struct json_object *cfg = get(o, "config", json_type_object);
	struct json_object *layers = get(o, "layers", json_type_array);
	if (!cfg || !layers)
		return box_err_set(err, EPROTO, "manifest has no config or layers");
	struct oci_manifest *m = xzalloc(sizeof(*m));
	r = parse_descriptor(cfg, "manifest config", &m->config, err);
	if (r == 0)
		r = parse_layers(layers, m, err);
	if (r == 0 && m->n_layers == 0)
		r = box_err_set(err, EPROTO, "manifest has no layers");
	if (r < 0) {
		oci_manifest_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

struct oci_image_config *oci_config_free(struct oci_image_config *c)
{
	if (!c)
		return NULL;
	strv_free(c->diff_ids);
	strv_free(c->env);
	strv_free(c->cmd);
	strv_free(c->entrypoint);
	free(c->workdir);
	free(c->user);
	free(c->os);
	free(c->arch);
	free(c);
	return NULL;
}

static int parse_rootfs(struct json_object *o, struct oci_image_config *c, struct box_err **err)
{
	struct json_object *rootfs = get(o, "rootfs", json_type_object);
	struct json_object *type = get(rootfs, "type", json_type_string);
	if (!rootfs || !type || !streq(json_object_get_string(type), "layers"))
		return box_err_set(err, EPROTO, "image config has no rootfs of type layers");
	int r = get_strv(rootfs, "diff_ids", &c->diff_ids, "image config rootfs", err);
	if (r < 0)
		return r;
	if (!c->diff_ids)
		return box_err_set(err, EPROTO, "image config has no rootfs.diff_ids");
	c->n_diff_ids = strv_length(c->diff_ids);
	if (c->n_diff_ids > OCI_LAYERS_MAX)
		return box_err_set(err, E2BIG, "image config has too many layers (%zu)",
				   c->n_diff_ids);
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		if (!oci_digest_valid(c->diff_ids[i]))
			return box_err_set(err, EPROTO,
					   "image config diff_id %zu is not a sha256 "
					   "digest",
					   i);
	}
	return 0;
}

int oci_config_parse_buffer(const char *buf, size_t len, struct oci_image_config **ret,
			    struct box_err **err)
{
	_cleanup_json_ struct json_object *o = NULL;
	int r = parse_json(buf, len, OCI_CONFIG_MAX, "image config", &o, err);
	if (r < 0)
		return r;
	struct oci_image_config *c = xzalloc(sizeof(*c));
	struct json_object *cc;
	const char *w = "image config";
	r = parse_rootfs(o, c, err);
	if (r == 0)
		r = get_str(o, "os", &c->os, w, err);
	if (r == 0)
		r = get_str(o, "architecture", &c->arch, w, err);
	if (r == 0 && json_object_object_get_ex(o, "config", &cc) &&
	    !json_object_is_type(cc, json_type_null)) {
		if (!json_object_is_type(cc, json_type_object))
			r = box_err_set(err, EPROTO, "image config: \"config\" is not an object");
		if (r == 0)
			r = get_strv(cc, "Env", &c->env, w, err);
		if (r == 0)
			r = get_strv(cc, "Cmd", &c->cmd, w, err);
		if (r == 0)
			r = get_strv(cc, "Entrypoint", &c->entrypoint, w, err);
		if (r == 0)
			r = get_str(cc, "WorkingDir", &c->workdir, w, err);
		if (r == 0)
			r = get_str(cc, "User", &c->user, w, err);
	}
	if (r < 0) {
		oci_config_free(c);
		return r;
	}
	if (!c->env)
		c->env = xcalloc(1, sizeof(char *));
	*ret = c;
	return 0;
}

const char *oci_host_arch(void)
{
#if defined(__x86_64__)
	return "amd64";
#elif defined(__aarch64__)
	return "arm64";
#elif defined(__arm__)
	return "arm";
#elif defined(__i386__)
	return "386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return "ppc64le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#else
	return "unknown";
#endif
}

const char *oci_host_variant(void)
{
#if defined(__aarch64__)
	return "v8";
#elif defined(__arm__)
#if defined(__ARM_ARCH) && __ARM_ARCH >= 7
	return "v7";
#elif defined(__ARM_ARCH) && __ARM_ARCH == 6
	return "v6";
#else
	return "v5";
#endif
#else
	return NULL;
#endif
}

void oci_sha256(const void *buf, size_t len, char *out)
{
	unsigned char d[32];

	EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", d[i]);
}

struct json_object *oci_descriptor_json(const char *media_type, const char *digest, uint64_t size)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "mediaType", json_object_new_string(media_type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)size));
	return d;
}

char *oci_manifest_format(const char *config_digest, size_t config_len, struct json_object *layers)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "schemaVersion", json_object_new_int(2));
	json_object_object_add(o, "mediaType", json_object_new_string(OCI_MT_MANIFEST));
	json_object_object_add(o, "config",
			       oci_descriptor_json(OCI_MT_CONFIG, config_digest, config_len));
	json_object_object_add(o, "layers", layers);
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}
