/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stored layer's tar (see layer_source.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../host/idmap.h"
#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_source.h"
#include "layer_write.h"

struct recreate {
	const char *dir;
	int out;
	struct layer_write_result *res; /* shared mapping */
};

static int recreate_child(struct spawn_ctx *ctx, struct box_err **err)
{
	struct recreate *j = ctx->arg;
	_cleanup_close_ int dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return box_err_set(err, errno, "open the extracted layer '%s'", j->dir);
	return layer_write_dir(dfd, j->out, NULL, j->res, err);
}

static int recreate(const char *store, const struct box_ids *ids, const char *diff_id,
		    struct layer_source *ret, struct box_err **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/layers/%s", store, diff_id + 7);
	_cleanup_free_ char *tmp = xasprintf("%s/blobs/sha256/.tmp-layer-XXXXXX", store);
	_cleanup_close_ int fd = -1;
	struct recreate j = { .dir = dir };
	int r;

	if (!is_dir(dir))
		return box_err_set(err, ENOENT,
				   "layer %s is neither kept as a blob nor extracted in the store "
				   "(was it pruned?)",
				   diff_id);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return box_err_set(err, errno, "create '%s'", tmp);
	unlink(tmp);
	j.out = fd;
	j.res =
	    mmap(NULL, sizeof(*j.res), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.res == MAP_FAILED)
		return box_err_set(err, errno, "map shared memory");
	r = spawn_userns_wait(ids, 0, recreate_child, &j, err);
	if (r > 0)
		r = box_err_set(err, EIO, "writing layer %s ended with status %d", diff_id, r);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = box_err_set(err, errno, "rewind the layer");
	if (r == 0) {
		memcpy(ret->diff_id, j.res->diff_id, sizeof(ret->diff_id));
		ret->size = j.res->size;
		ret->recreated = true;
		ret->fd = TAKE_FD(fd);
	}
	munmap(j.res, sizeof(*j.res));
	return r;
}

int layer_source_open(const char *store, const struct box_ids *ids, const char *digest,
		      const char *diff_id, struct layer_source *ret, struct box_err **err)
{
	struct layer_source s = { .fd = -1 };
	struct stat st;

	/* Kept blobs are what commit writes: the uncompressed tar, named by its diff_id. */
	if (digest && streq(digest, diff_id)) {
		_cleanup_free_ char *blob = xasprintf("%s/blobs/sha256/%s", store, digest + 7);
		s.fd = open(blob, O_RDONLY | O_CLOEXEC);
		if (s.fd < 0 && errno != ENOENT)
			return box_err_set(err, errno, "open '%s'", blob);
		if (s.fd >= 0) {
			if (fstat(s.fd, &st) < 0) {
				int e = errno;
				close(s.fd);
				return box_err_set(err, e, "stat '%s'", blob);
			}
			memcpy(s.diff_id, diff_id, sizeof(s.diff_id));
			s.size = (uint64_t)st.st_size;
			*ret = s;
			return 0;
		}
	}
	return recreate(store, ids, diff_id, ret, err);
}

void layer_source_done(struct layer_source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

char *layer_config_with_diff_ids(const char *config, char *const *diff_ids, size_t n,
				 struct box_err **err)
{
	struct json_object *root = json_tokener_parse(config), *rootfs = NULL;
	struct json_object *a = json_object_new_array();
	char *s = NULL;

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(diff_ids[i]));
	if (!root || !json_object_object_get_ex(root, "rootfs", &rootfs) ||
	    !json_object_is_type(rootfs, json_type_object)) {
		json_object_put(a);
		box_err_set(err, EINVAL, "the image config has no rootfs");
	} else {
		json_object_object_add(rootfs, "diff_ids", a);
		s = xstrdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(root);
	return s;
}
