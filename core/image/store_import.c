/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box import / box bootstrap into the image store (see store_import.h). The layer
 * work runs in one child that is root of the user namespace: it creates the .tmp
 * directory, extracts, and renames it into place, so the layer's files, and the
 * layer directory itself, carry the image's owners exactly as a pulled layer does.
 * The JSON documents are written afterwards by the caller, as the user.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../host/idmap.h"
#include "../util/log.h"
#include "layer_guard.h"
#include "oci.h"
#include "ref.h"
#include "../util/spawn.h"
#include "store.h"
#include "store_import.h"
#include "../util/xalloc.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct import_job {
	const char *dir; /* store */
	int fd;
	struct store_import_result *shared; /* MAP_SHARED: filled by the child */
};

static int import_child(struct spawn_ctx *ctx, struct box_err **err)
{
	struct import_job *j = ctx->arg;
	struct store_import_result *res = j->shared;
	_cleanup_free_ char *tmp = xasprintf("%s/layers/.tmp-XXXXXX", j->dir), *dest = NULL;
	int r;

	if (!mkdtemp(tmp))
		return box_err_set(err, errno, "create '%s'", tmp);
	_cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		r = box_err_set(err, errno, "open '%s'", tmp);
	else
		r = layer_extract_fd(j->fd, dfd, NULL, &res->stats, err);
	if (r < 0) {
		rm_rf(tmp, NULL);
		return r;
	}
	memcpy(res->diff_id, res->stats.diff_id, sizeof(res->diff_id));
	dest = xasprintf("%s/layers/%s", j->dir, res->diff_id + 7);
	if (is_dir(dest)) {
		res->layer_existed = true;
		rm_rf(tmp, NULL);
	} else if ((r = layer_publish(tmp, dest, err)) < 0) {
		rm_rf(tmp, NULL);
		return r;
	}
	res->disk_bytes = du_content_bytes(dest);
	return 0;
}

static char *iso_time(time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static struct json_object *strings(const char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The image config: one layer, a PATH, a shell; the rest comes from the sandbox. */
static char *make_config(const struct store_import_result *res, const char *created_by, time_t now)
{
	static const char *const env[] = { DEFAULT_PATH, NULL };
	static const char *const cmd[] = { "/bin/sh", NULL };
	const char *diff[] = { res->diff_id, NULL };
	_cleanup_free_ char *when = iso_time(now);
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();
	struct json_object *rootfs = json_object_new_object(), *hist = json_object_new_object();
	struct json_object *history = json_object_new_array();

	json_object_object_add(c, "Env", strings(env));
	json_object_object_add(c, "Cmd", strings(cmd));
	json_object_object_add(rootfs, "type", json_object_new_string("layers"));
	json_object_object_add(rootfs, "diff_ids", strings(diff));
	json_object_object_add(hist, "created", json_object_new_string(when));
	json_object_object_add(hist, "created_by", json_object_new_string(created_by));
	json_object_array_add(history, hist);
	json_object_object_add(o, "created", json_object_new_string(when));
	json_object_object_add(o, "architecture", json_object_new_string(oci_host_arch()));
	json_object_object_add(o, "os", json_object_new_string("linux"));
	json_object_object_add(o, "config", c);
	json_object_object_add(o, "rootfs", rootfs);
	json_object_object_add(o, "history", history);
	char *s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* The layer is described uncompressed: its blob is not kept, only the extracted tree. */
static char *make_manifest(const struct store_import_result *res, const char *config_digest,
			   size_t config_len)
{
	struct json_object *layers = json_object_new_array();

	json_object_array_add(layers, oci_descriptor_json(OCI_MT_LAYER_TAR, res->diff_id,
							  res->stats.uncompressed_bytes));
	return oci_manifest_format(config_digest, config_len, layers);
}

static int write_blob(const char *dir, const char *buf, char digest[LAYER_DIGEST_LEN],
		      struct box_err **err)
{
	oci_sha256(buf, strlen(buf), digest);
	_cleanup_free_ char *path = xasprintf("%s/blobs/sha256/%s", dir, digest + 7);
	if (path_exists(path))
		return 0;
	return fs_write_file_atomic(path, buf, strlen(buf), 0644, err);
}

static int write_documents(const char *dir, struct store_import_result *res, const char *created_by,
			   struct box_err **err)
{
	time_t now = time(NULL);
	_cleanup_free_ char *config = make_config(res, created_by, now), *manifest = NULL;
	_cleanup_ref_ struct image_ref *ref = NULL;
	char config_digest[LAYER_DIGEST_LEN];
	int r;

	if ((r = write_blob(dir, config, config_digest, err)) < 0)
		return r;
	manifest = make_manifest(res, config_digest, strlen(config));
	if ((r = write_blob(dir, manifest, res->digest, err)) < 0)
		return r;
	if ((r = ref_parse(res->ref, &ref, err)) < 0)
		return r;
	_cleanup_free_ char *repository = ref_name(ref);
	char *diff_ids[] = { res->diff_id, NULL };
	uint64_t sizes[] = { res->disk_bytes };
	struct image_record rec = {
		.ref = res->ref,
		.repository = repository,
		.tag = ref->tag,
		.digest = res->digest,
		.config_digest = config_digest,
		.diff_ids = diff_ids,
		.layer_sizes = sizes,
		.n_layers = 1,
		.size = res->disk_bytes,
		.created = (int64_t)now,
	};
	return store_record_write(&rec, err);
}

static int import_layer(const char *dir, int fd, struct store_import_result *ret,
			struct box_err **err)
{
	struct box_ids ids;
	struct import_job j = { .dir = dir, .fd = fd };
	int r;

	j.shared = mmap(NULL, sizeof(*j.shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (j.shared == MAP_FAILED)
		return box_err_set(err, errno, "map shared memory");
	memset(j.shared, 0, sizeof(*j.shared));
	r = ids_load(&ids, err);
	if (r == 0) {
		r = spawn_userns_wait(&ids, 0, import_child, &j, err);
		ids_done(&ids);
	}
	if (r > 0)
		r = box_err_set(err, EIO, "layer import ended with status %d", r);
	if (r == 0) {
		memcpy(ret->diff_id, j.shared->diff_id, sizeof(ret->diff_id));
		ret->stats = j.shared->stats;
		ret->disk_bytes = j.shared->disk_bytes;
		ret->layer_existed = j.shared->layer_existed;
	}
	munmap(j.shared, sizeof(*j.shared));
	return r;
}

int store_import_tar(const struct image_settings *is, int fd, const char *name,
		     const char *created_by, struct store_import_result *ret, struct box_err **err)
{
	struct store_import_result res = { 0 };
	_cleanup_free_ char *dir = store_dir();
	_cleanup_close_ int lock = -1;
	int r;

	if ((r = store_resolve_ref(is, name, &res.ref, err)) < 0)
		return r;
	if ((r = store_make_dirs(dir, err)) == 0 && (lock = store_lock(err)) < 0)
		r = lock;
	if (r == 0)
		r = import_layer(dir, fd, &res, err);
	if (r == 0)
		r = write_documents(dir, &res, created_by, err);
	if (r < 0) {
		store_import_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}

void store_import_result_done(struct store_import_result *r)
{
	free(r->ref);
	r->ref = NULL;
}
