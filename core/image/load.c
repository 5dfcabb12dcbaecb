/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box load (see load.h).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../host/idmap.h"
#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_guard.h"
#include "load.h"
#include "load_index.h"
#include "oci.h"
#include "ref.h"
#include "settings.h"
#include "store.h"

#define DOCS_MAX_BYTES (256u << 20) /* the small documents of one archive, together */
#define READ_BUF       (1u << 20)

/* What the child learns about each distinct layer (a shared mapping). */
struct layer_state {
	uint64_t disk_bytes;
	uint64_t tar_bytes;
	bool existed;
};

struct load {
	const char *path;
	char *store;
	int fd;
	struct load_doc *docs;
	size_t n_docs, doc_bytes;
	struct load_image *imgs;
	size_t n_imgs;
	const struct load_layer **uniq; /* distinct layers (by diff_id) */
	size_t n_uniq;
	struct layer_state *shared;
	uint64_t max_layer;
};

static struct archive *open_archive(struct load *l, struct box_err **err)
{
	struct archive *a = archive_read_new();

	archive_read_support_format_tar(a);
	if (lseek(l->fd, 0, SEEK_SET) < 0 || layer_decomp_setup(a, LAYER_COMP_DETECT, err) < 0 ||
	    archive_read_open_fd(a, l->fd, READ_BUF) != ARCHIVE_OK) {
		if (err && !*err)
			box_err_set(err, EINVAL, "read '%s': %s", l->path, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int bad_archive(struct load *l, struct archive *a, struct box_err **err)
{
	return box_err_set(err, EBADMSG, "read '%s': %s (a truncated or damaged archive?)", l->path,
			   archive_error_string(a));
}

static char *entry_name(struct archive_entry *e)
{
	char *name = NULL;
	const char *p = archive_entry_pathname(e);

	return p && layer_path_clean(p, &name, NULL) == 0 ? name : NULL;
}

/* Keep a small regular file that looks like JSON (or is the layout marker). */
static int keep_doc(struct load *l, struct archive *a, struct archive_entry *e,
		    struct box_err **err)
{
	la_int64_t size = archive_entry_size(e);
	_cleanup_free_ char *name = NULL, *data = NULL;

	if (archive_entry_filetype(e) != AE_IFREG || size < 0 || size > OCI_CONFIG_MAX ||
	    !(name = entry_name(e)))
		return 0;
	data = xmalloc((size_t)size + 1);
	if (archive_read_data(a, data, (size_t)size) != size)
		return bad_archive(l, a, err);
	data[size] = '\0';
	const char *first = data + strspn(data, " \t\r\n");
	if (*first != '{' && *first != '[' && !streq(name, "oci-layout"))
		return 0;
	l->doc_bytes += (size_t)size;
	if (l->doc_bytes > DOCS_MAX_BYTES)
		return box_err_set(err, E2BIG,
				   "'%s' has more than %u MB of documents: not an "
				   "image archive",
				   l->path, DOCS_MAX_BYTES >> 20);
	l->docs = xrealloc(l->docs, (l->n_docs + 1) * sizeof(*l->docs));
	l->docs[l->n_docs++] = (struct load_doc){ .name = TAKE_PTR(name),
						  .data = TAKE_PTR(data),
						  .len = (size_t)size };
	return 0;
}

static int read_docs(struct load *l, struct box_err **err)
{
	struct archive *a = open_archive(l, err);
	struct archive_entry *e;
	int r = 0, ar;

	if (!a)
		return -EINVAL;
	while (r == 0 && (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		r = keep_doc(l, a, e, err);
	if (r == 0 && ar != ARCHIVE_EOF)
		r = bad_archive(l, a, err);
	archive_read_free(a);
	return r;
}

/* ---- the layers, in the user namespace ---- */

static ssize_t read_entry(void *arg, void *buf, size_t len)
{
	la_ssize_t n = archive_read_data(arg, buf, len);
	return n < 0 ? -EIO : n;
}

static int extract_one(struct load *l, struct archive *a, size_t k, char **ret_tmp,
		       struct box_err **err)
{
	const struct load_layer *ly = l->uniq[k];
	_cleanup_free_ char *tmp = xasprintf("%s/layers/.tmp-XXXXXX", l->store);
	struct layer_opts o = { .compression = ly->comp, .max_size = l->max_layer };
	struct layer_stats st = { 0 };
	int r;

	if (!mkdtemp(tmp))
		return box_err_set(err, errno, "create '%s'", tmp);
	*ret_tmp = xstrdup(tmp);
	_cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return box_err_set(err, errno, "open '%s'", tmp);
	(void)fchmod(dfd, 0755);
	if ((r = layer_extract_stream(read_entry, a, dfd, &o, &st, err)) < 0)
		return box_err_wrap(err, "layer '%s' of '%s'", ly->path, l->path);
	if (ly->digest && !streq(st.digest, ly->digest))
		return box_err_set(err, EBADMSG,
				   "layer '%s' in '%s' does not match its digest: got %s, want %s",
				   ly->path, l->path, st.digest, ly->digest);
	if (!streq(st.diff_id, ly->diff_id))
		return box_err_set(err, EBADMSG,
				   "layer '%s' in '%s' unpacks to %s, but the image config says %s",
				   ly->path, l->path, st.diff_id, ly->diff_id);
	l->shared[k].tar_bytes = st.uncompressed_bytes;
	l->shared[k].disk_bytes = st.bytes;
	return 0;
}

static ssize_t find_layer(struct load *l, const bool *seen, struct archive_entry *e)
{
	_cleanup_free_ char *name = entry_name(e);

	for (size_t k = 0; name && k < l->n_uniq; k++)
		if (!seen[k] && streq(l->uniq[k]->path, name))
			return (ssize_t)k;
	return -1;
}

static int read_layers(struct load *l, struct archive *a, char **tmps, struct box_err **err)
{
	_cleanup_free_ bool *seen = xcalloc(l->n_uniq + 1, sizeof(bool));
	struct archive_entry *e;
	int r = 0, ar;

	while (r == 0 && (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		ssize_t k = find_layer(l, seen, e);
		if (k < 0)
			continue;
		seen[k] = true;
		l->shared[k].tar_bytes = (uint64_t)MAX(archive_entry_size(e), 0);
		if (!l->shared[k].existed)
			r = extract_one(l, a, (size_t)k, &tmps[k], err);
	}
	if (r == 0 && ar != ARCHIVE_EOF)
		r = bad_archive(l, a, err);
	for (size_t k = 0; r == 0 && k < l->n_uniq; k++)
		if (!seen[k])
			r = box_err_set(err, ENOENT, "'%s' has no layer '%s' (truncated?)", l->path,
					l->uniq[k]->path);
	return r;
}

static int load_child(struct spawn_ctx *ctx, struct box_err **err)
{
	struct load *l = ctx->arg;
	char **tmps = xcalloc(l->n_uniq + 1, sizeof(char *));
	struct archive *a = open_archive(l, err);
	int r = a ? read_layers(l, a, tmps, err) : -EINVAL;

	archive_read_free(a);
	for (size_t k = 0; r == 0 && k < l->n_uniq; k++) {
		_cleanup_free_ char *dest =
		    xasprintf("%s/layers/%s", l->store, l->uniq[k]->diff_id + 7);
		if (tmps[k] && (r = layer_publish(tmps[k], dest, err)) == 0)
			free(TAKE_PTR(tmps[k]));
	}
	for (size_t k = 0; k < l->n_uniq; k++) {
		if (tmps[k])
			rm_rf(tmps[k], NULL);
		free(tmps[k]);
	}
	free(tmps);
	return r;
}

/* ---- the store's documents, as the user ---- */

static void collect_layers(struct load *l)
{
	l->uniq = xcalloc(1, sizeof(*l->uniq));
	for (size_t i = 0; i < l->n_imgs; i++)
		for (size_t k = 0; k < l->imgs[i].n_layers; k++) {
			const struct load_layer *ly = &l->imgs[i].layers[k];
			bool dup = false;
			for (size_t j = 0; j < l->n_uniq && !dup; j++)
				dup = streq(l->uniq[j]->diff_id, ly->diff_id);
			if (dup)
				continue;
			l->uniq = xrealloc(l->uniq, (l->n_uniq + 1) * sizeof(*l->uniq));
			l->uniq[l->n_uniq++] = ly;
		}
}

static const struct layer_state *state_of(const struct load *l, const char *diff_id)
{
	for (size_t k = 0; k < l->n_uniq; k++)
		if (streq(l->uniq[k]->diff_id, diff_id))
			return &l->shared[k];
	return NULL;
}

static int put_blob(struct load *l, const char *text, size_t len, const char *digest,
		    struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/blobs/sha256/%s", l->store, digest + 7);
	return path_exists(path) ? 0 : fs_write_file_atomic(path, text, len, 0644, err);
}

/* A docker-archive has no manifest: one that describes the layers as box stores them. */
static char *docker_manifest(const struct load *l, const struct load_image *im)
{
	struct json_object *layers = json_object_new_array();

	for (size_t k = 0; k < im->n_layers; k++)
		json_object_array_add(
		    layers, oci_descriptor_json(OCI_MT_LAYER_TAR, im->layers[k].diff_id,
						state_of(l, im->layers[k].diff_id)->tar_bytes));
	return oci_manifest_format(im->config_digest, im->config_len, layers);
}

static int write_record(struct load *l, const struct load_image *im, const char *canonical,
			const char *digest, struct box_err **err)
{
	_cleanup_ref_ struct image_ref *ref = NULL;
	_cleanup_free_ uint64_t *sizes = xcalloc(im->n_layers + 1, sizeof(uint64_t));
	_cleanup_free_ char **diffs = xcalloc(im->n_layers + 1, sizeof(char *));
	int r = ref_parse(canonical, &ref, err);

	if (r < 0)
		return r;
	_cleanup_free_ char *repo = ref_name(ref);
	struct image_record rec = { .ref = (char *)canonical,
				    .repository = repo,
				    .tag = ref->tag,
				    .digest = (char *)digest,
				    .config_digest = (char *)im->config_digest,
				    .diff_ids = diffs,
				    .layer_sizes = sizes,
				    .n_layers = im->n_layers,
				    .created = (int64_t)time(NULL) };
	for (size_t k = 0; k < im->n_layers; k++) {
		const struct layer_state *st = state_of(l, im->layers[k].diff_id);
		_cleanup_free_ char *dir =
		    xasprintf("%s/layers/%s", l->store, im->layers[k].diff_id + 7);
		diffs[k] = im->layers[k].diff_id;
		sizes[k] = st->existed ? du_content_bytes(dir) : st->disk_bytes;
		rec.size += sizes[k];
	}
	return store_record_write(&rec, err);
}

static int write_image(struct load *l, size_t i, char **refs, struct load_result_image *out,
		       struct box_err **err)
{
	const struct load_image *im = &l->imgs[i];
	_cleanup_free_ char *made = im->manifest ? NULL : docker_manifest(l, im);
	const char *manifest = im->manifest ? im->manifest : made;
	size_t len = im->manifest ? im->manifest_len : strlen(made);
	int r = put_blob(l, im->config, im->config_len, im->config_digest, err);

	oci_sha256(manifest, len, out->digest);
	if (r == 0)
		r = put_blob(l, manifest, len, out->digest, err);
	for (char **p = refs; r == 0 && *p; p++)
		r = write_record(l, im, *p, out->digest, err);
	return r;
}

/* The canonical references of image i: --tag, else the archive's names, else one made
 * from the config digest (the image is then reported by that digest). */
static int names_of(struct load *l, const struct image_settings *is, const char *tag, size_t i,
		    char ***ret, bool *ret_named, struct box_err **err)
{
	char **names = l->imgs[i].names, *one[] = { (char *)tag, NULL };
	_cleanup_strv_free_ char **out = xcalloc(1, sizeof(char *));
	_cleanup_free_ char *made = NULL;

	if (tag)
		names = one;
	*ret_named = tag || (names && names[0]);
	if (!*ret_named) {
		made = xasprintf("localhost/loaded:%.12s", l->imgs[i].config_digest + 7);
		one[0] = made;
		names = one;
	}
	for (char **p = names; *p; p++) {
		char *c = NULL;
		int r = store_resolve_ref(is, *p, &c, err);
		if (r < 0)
			return box_err_wrap(err, "the image name '%s'%s", *p,
					    tag ? "" : " the archive gives (--tag NAME names it)");
		strv_push(&out, c);
	}
	*ret = TAKE_PTR(out);
	return 0;
}

static int store_images(struct load *l, const struct image_settings *is, const char *tag,
			struct load_result *res, struct box_err **err)
{
	char ***refs = xcalloc(l->n_imgs + 1, sizeof(char **));
	struct box_ids ids;
	int r = 0;

	res->images = xcalloc(l->n_imgs + 1, sizeof(*res->images));
	for (size_t i = 0; r == 0 && i < l->n_imgs; i++)
		r = names_of(l, is, tag, i, &refs[i], &res->images[i].named, err);
	if (r == 0 && (r = ids_load(&ids, err)) == 0) {
		r = spawn_userns_wait(&ids, 0, load_child, l, err);
		ids_done(&ids);
		if (r > 0)
			r = box_err_set(err, EIO, "loading the layers ended with status %d", r);
	}
	for (size_t i = 0; r == 0 && i < l->n_imgs; i++) {
		r = write_image(l, i, refs[i], &res->images[i], err);
		res->images[i].ref = xstrdup(refs[i][0]);
		res->n++;
	}
	for (size_t i = 0; i < l->n_imgs; i++)
		strv_free(refs[i]);
	free(refs);
	return r;
}

static int load_locked(struct load *l, const struct image_settings *is, const char *tag,
		       struct load_result *res, struct box_err **err)
{
	const char *why;
	int r;

	if (tag && l->n_imgs != 1)
		return box_err_set(err, EINVAL,
				   "'%s' holds %zu images: --tag names only an archive of one",
				   l->path, l->n_imgs);
	collect_layers(l);
	l->shared = mmap(NULL, (l->n_uniq + 1) * sizeof(*l->shared), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (l->shared == MAP_FAILED) {
		l->shared = NULL;
		return box_err_set(err, errno, "map shared memory");
	}
	for (size_t k = 0; k < l->n_uniq; k++) {
		_cleanup_free_ char *dest =
		    xasprintf("%s/layers/%s", l->store, l->uniq[k]->diff_id + 7);
		l->shared[k].existed = is_dir(dest);
		res->extracted += !l->shared[k].existed;
	}
	res->layers = (unsigned)l->n_uniq;
	l->max_layer = layer_cap(is ? is->max_layer_size : 0, l->store, &why);
	r = store_images(l, is, tag, res, err);
	munmap(l->shared, (l->n_uniq + 1) * sizeof(*l->shared));
	return r;
}

int image_load(const struct image_settings *is, const char *path, const char *tag,
	       struct load_result *ret, struct box_err **err)
{
	struct load l = { .path = path, .store = store_dir() };
	struct load_result res = { 0 };
	struct stat st;
	_cleanup_close_ int lock = -1;
	int r = 0;

	l.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (l.fd < 0 || fstat(l.fd, &st) < 0)
		r = box_err_set(err, errno, "open '%s' (is the path right?)", path);
	else if (!S_ISREG(st.st_mode))
		r = box_err_set(err, EINVAL, "'%s' is not a file: give an image archive", path);
	if (r == 0)
		r = read_docs(&l, err);
	if (r == 0)
		r = load_index_parse(l.docs, l.n_docs, &l.imgs, &l.n_imgs, err);
	if (r == 0 && (r = store_make_dirs(l.store, err)) == 0 && (lock = store_lock(err)) < 0)
		r = lock;
	if (r == 0)
		r = load_locked(&l, is, tag, &res, err);
	for (size_t i = 0; i < l.n_docs; i++) {
		free(l.docs[i].name);
		free(l.docs[i].data);
	}
	free(l.docs);
	load_images_free(l.imgs, l.n_imgs);
	free(l.uniq);
	free(l.store);
	if (l.fd >= 0)
		close(l.fd);
	if (r < 0) {
		load_result_done(&res);
		return r;
	}
	*ret = res;
	return 0;
}

void load_result_done(struct load_result *r)
{
	for (size_t i = 0; r->images && i < r->n; i++)
		free(r->images[i].ref);
	free(r->images);
	r->images = NULL;
	r->n = 0;
}
