/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box save (see save.h): the layers first (a re-created one changes the config),
 * then the config, then the documents that name them.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../host/idmap.h"
#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_source.h"
#include "oci.h"
#include "save.h"
#include "store.h"

#define COPY_BUF (1u << 20)

struct save {
	const char *store;
	enum save_format format;
	struct archive *a;
	struct box_ids ids;
	char *buf;
	char **diff_ids; /* as saved */
	uint64_t *sizes;
	size_t n;
	struct save_result res;
};

static int archive_fail(struct save *s, const char *what, const char *name, struct box_err **err)
{
	int e = archive_errno(s->a);
	return box_err_set(err, e > 0 ? e : EIO, "write %s '%s' into the archive: %s", what, name,
			   archive_error_string(s->a));
}

static int put_entry(struct save *s, const char *name, bool dir, uint64_t size,
		     struct box_err **err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	archive_entry_set_perm(e, dir ? 0755 : 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_uname(e, "root");
	archive_entry_set_gname(e, "root");
	if (archive_write_header(s->a, e) != ARCHIVE_OK)
		r = archive_fail(s, "the header of", name, err);
	archive_entry_free(e);
	return r;
}

static int put_header(struct save *s, const char *name, uint64_t size, struct box_err **err)
{
	return put_entry(s, name, false, size, err);
}

static int put_data(struct save *s, const char *name, const void *buf, size_t len,
		    struct box_err **err)
{
	if (len && archive_write_data(s->a, buf, len) != (la_ssize_t)len)
		return archive_fail(s, "", name, err);
	return 0;
}

static int put_text(struct save *s, const char *name, const char *text, struct box_err **err)
{
	int r = put_header(s, name, strlen(text), err);
	return r < 0 ? r : put_data(s, name, text, strlen(text), err);
}

static int put_fd(struct save *s, const char *name, int fd, uint64_t size, struct box_err **err)
{
	int r = put_header(s, name, size, err);

	for (uint64_t done = 0; r == 0 && done < size;) {
		ssize_t n = read(fd, s->buf, (size_t)MIN(size - done, (uint64_t)COPY_BUF));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return box_err_set(err, n < 0 ? errno : EIO, "read the layer for '%s'",
					   name);
		r = put_data(s, name, s->buf, (size_t)n, err);
		done += (uint64_t)n;
	}
	return r;
}

static char *blob_name(const struct save *s, const char *digest, const char *suffix)
{
	if (s->format == SAVE_OCI_ARCHIVE)
		return xasprintf("blobs/sha256/%s", digest + 7);
	return xasprintf("%s%s", digest + 7, suffix);
}

static int put_layer(struct save *s, const struct oci_manifest *m, const struct oci_image_config *c,
		     size_t i, struct box_err **err)
{
	struct layer_source src;
	int r;

	for (size_t k = 0; k < i; k++)
		if (streq(c->diff_ids[k], c->diff_ids[i])) {
			s->diff_ids[i] = xstrdup(s->diff_ids[k]);
			s->sizes[i] = s->sizes[k];
			return 0;
		}
	r = layer_source_open(s->store, &s->ids, m->layers[i].digest, c->diff_ids[i], &src, err);
	if (r < 0)
		return r;
	s->diff_ids[i] = xstrdup(src.diff_id);
	s->sizes[i] = src.size;
	s->res.recreated += src.recreated;
	_cleanup_free_ char *name = blob_name(s, src.diff_id, "/layer.tar");
	if (s->format == SAVE_DOCKER_ARCHIVE) {
		_cleanup_free_ char *dir = blob_name(s, src.diff_id, "");
		r = put_entry(s, dir, true, 0, err);
	}
	if (r == 0)
		r = put_fd(s, name, src.fd, src.size, err);
	layer_source_done(&src);
	return r;
}

static json_object *annotated(const char *digest, size_t len, const char *ref)
{
	struct json_object *d = oci_descriptor_json(OCI_MT_MANIFEST, digest, len);
	struct json_object *a = json_object_new_object();

	json_object_object_add(a, "org.opencontainers.image.ref.name", json_object_new_string(ref));
	json_object_object_add(a, "io.containerd.image.name", json_object_new_string(ref));
	json_object_object_add(d, "annotations", a);
	return d;
}

static char *json_text(struct json_object *o)
{
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static int put_oci(struct save *s, const char *config, struct box_err **err)
{
	struct json_object *layers = json_object_new_array(), *index = json_object_new_object();
	struct json_object *list = json_object_new_array();
	_cleanup_free_ char *cname = blob_name(s, s->res.config_digest, ""), *manifest = NULL;
	_cleanup_free_ char *mname = NULL, *itext = NULL;
	int r = put_text(s, cname, config, err);

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(
		    layers, oci_descriptor_json(OCI_MT_LAYER_TAR, s->diff_ids[i], s->sizes[i]));
	manifest = oci_manifest_format(s->res.config_digest, strlen(config), layers);
	oci_sha256(manifest, strlen(manifest), s->res.digest);
	mname = blob_name(s, s->res.digest, "");
	json_object_array_add(list, annotated(s->res.digest, strlen(manifest), s->res.ref));
	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "mediaType", json_object_new_string(OCI_MT_INDEX));
	json_object_object_add(index, "manifests", list);
	itext = json_text(index);
	if (r == 0)
		r = put_text(s, mname, manifest, err);
	if (r == 0)
		r = put_text(s, "index.json", itext, err);
	if (r == 0)
		r = put_text(s, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", err);
	return r;
}

static int put_docker(struct save *s, const char *config, struct box_err **err)
{
	struct json_object *entry = json_object_new_object(), *tags = json_object_new_array();
	struct json_object *layers = json_object_new_array(), *list = json_object_new_array();
	_cleanup_free_ char *cname = blob_name(s, s->res.config_digest, ".json"), *text = NULL;
	int r = put_text(s, cname, config, err);

	for (size_t i = 0; i < s->n; i++) {
		_cleanup_free_ char *name = blob_name(s, s->diff_ids[i], "/layer.tar");
		json_object_array_add(layers, json_object_new_string(name));
	}
	json_object_array_add(tags, json_object_new_string(s->res.ref));
	json_object_object_add(entry, "Config", json_object_new_string(cname));
	json_object_object_add(entry, "RepoTags", tags);
	json_object_object_add(entry, "Layers", layers);
	json_object_array_add(list, entry);
	text = json_text(list);
	return r < 0 ? r : put_text(s, "manifest.json", text, err);
}

static int read_image(struct save *s, const char *image, const struct image_settings *is,
		      struct oci_manifest **ret_m, struct oci_image_config **ret_c,
		      char **ret_config, struct box_err **err)
{
	struct image_info *info = NULL;
	_cleanup_free_ char *mtext = NULL, *mpath = NULL, *cpath = NULL, *ctext = NULL;
	size_t len;
	int r = store_lookup(is, image, &info, err);

	if (r < 0)
		return r;
	s->res.ref = xstrdup(info->ref);
	mpath = xasprintf("%s/blobs/sha256/%s", s->store, info->digest + 7);
	cpath = xasprintf("%s/blobs/sha256/%s", s->store, info->config_digest + 7);
	image_info_free(info);
	if ((r = fs_read_file(mpath, OCI_MANIFEST_MAX, &mtext, &len, err)) < 0 ||
	    (r = oci_manifest_parse_buffer(mtext, len, ret_m, err)) < 0)
		return r;
	if ((r = fs_read_file(cpath, OCI_CONFIG_MAX, &ctext, &len, err)) < 0 ||
	    (r = oci_config_parse_buffer(ctext, len, ret_c, err)) < 0) {
		*ret_m = oci_manifest_free(*ret_m);
		return r;
	}
	if ((*ret_c)->n_diff_ids != (*ret_m)->n_layers) {
		*ret_m = oci_manifest_free(*ret_m);
		*ret_c = oci_config_free(*ret_c);
		return box_err_set(err, EPROTO, "the stored image's manifest and config disagree");
	}
	*ret_config = TAKE_PTR(ctext);
	return 0;
}

static int write_archive(struct save *s, const char *image, const struct image_settings *is,
			 struct box_err **err)
{
	struct oci_manifest *m = NULL;
	struct oci_image_config *c = NULL;
	_cleanup_free_ char *config = NULL, *changed = NULL;
	int r = read_image(s, image, is, &m, &c, &config, err);

	if (r < 0)
		return r;
	s->n = m->n_layers;
	s->diff_ids = xcalloc(s->n + 1, sizeof(char *));
	s->sizes = xcalloc(s->n + 1, sizeof(uint64_t));
	s->res.layers = (unsigned)s->n;
	/* Directories as entries of their own: skopeo creates a missing parent owned by
	 * root, which a rootless skopeo cannot. */
	if (s->format == SAVE_OCI_ARCHIVE && (r = put_entry(s, "blobs", true, 0, err)) == 0)
		r = put_entry(s, "blobs/sha256", true, 0, err);
	for (size_t i = 0; r == 0 && i < s->n; i++)
		r = put_layer(s, m, c, i, err);
	if (r == 0 && s->res.recreated &&
	    !(changed = layer_config_with_diff_ids(config, s->diff_ids, s->n, err)))
		r = -EINVAL;
	if (r == 0) {
		const char *text = changed ? changed : config;
		oci_sha256(text, strlen(text), s->res.config_digest);
		r = s->format == SAVE_OCI_ARCHIVE ? put_oci(s, text, err)
						  : put_docker(s, text, err);
	}
	oci_manifest_free(m);
	oci_config_free(c);
	return r;
}

static int save_to_fd(struct save *s, int fd, const char *image, const struct image_settings *is,
		      struct box_err **err)
{
	int r;

	s->a = archive_write_new();
	s->buf = xmalloc(COPY_BUF);
	archive_write_set_format_pax_restricted(s->a);
	archive_write_set_bytes_in_last_block(s->a, 1);
	if (archive_write_open_fd(s->a, fd) != ARCHIVE_OK)
		r = archive_fail(s, "", "the start", err);
	else if ((r = ids_load(&s->ids, err)) == 0) {
		r = write_archive(s, image, is, err);
		ids_done(&s->ids);
	}
	if (archive_write_close(s->a) != ARCHIVE_OK && r == 0)
		r = archive_fail(s, "", "the end", err);
	archive_write_free(s->a);
	free(s->buf);
	strv_free(s->diff_ids);
	free(s->sizes);
	return r;
}

int save_format_parse(const char *s, enum save_format *ret)
{
	if (streq(s, "oci-archive"))
		*ret = SAVE_OCI_ARCHIVE;
	else if (streq(s, "docker-archive"))
		*ret = SAVE_DOCKER_ARCHIVE;
	else
		return -EINVAL;
	return 0;
}

int image_save(const struct image_settings *is, const char *image, const char *path,
	       enum save_format format, struct save_result *ret, struct box_err **err)
{
	_cleanup_free_ char *store = store_dir();
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *tmp =
	    slash ? xasprintf("%.*s/.%s.tmp-XXXXXX", (int)(slash - path), path, slash + 1)
		  : xasprintf(".%s.tmp-XXXXXX", path);
	struct save s = { .store = store, .format = format };
	struct stat st;
	mode_t mask = umask(0);
	int r;

	umask(mask);
	if (is_dir(path))
		return box_err_set(err, EISDIR, "'%s' is a directory: give the archive's file name",
				   path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return box_err_set(err, errno, "create '%s' (does its directory exist?)", tmp);
	r = save_to_fd(&s, fd, image, is, err);
	if (r == 0 && (fchmod(fd, 0666 & ~mask) < 0 || fsync(fd) < 0 || fstat(fd, &st) < 0))
		r = box_err_set(err, errno, "finish '%s'", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = box_err_set(err, errno, "rename '%s' to '%s'", tmp, path);
	if (r < 0) {
		unlink(tmp);
		free(s.res.ref);
		return r;
	}
	s.res.bytes = (uint64_t)st.st_size;
	*ret = s.res;
	return 0;
}

void save_result_done(struct save_result *r)
{
	free(r->ref);
	r->ref = NULL;
}
