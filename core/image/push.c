/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box push (see push.h): blobs first (layers, then the config), the manifest last,
 * so a registry never holds a manifest whose blobs it lacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../host/idmap.h"
#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "layer_compress.h"
#include "layer_source.h"
#include "oci.h"
#include "push.h"
#include "ref.h"
#include "registry.h"
#include "settings.h"
#include "store.h"

#define STREAM_PIPE (1 << 20) /* the pipe between compressor and sender */

struct push {
	const struct image_settings *is;
	const struct push_hooks *h;
	struct registry *reg;
	struct image_ref *ref;
	char *repo;
	char *store;
	enum oci_compression comp;
	int level;
	struct box_ids ids;
	bool ids_loaded;
	struct oci_manifest *m;
	struct oci_image_config *cfg;
	struct layer_blob *out; /* what each layer was sent as */
	const char **types;	/* and its media type */
	struct push_result res;
};

static int open_registry(const struct image_settings *is, const char *name, struct registry **ret,
			 struct box_err **err)
{
	struct registry_opts o = { .name = name };
	const struct image_registry_settings *c = image_registry_settings(is, name);

	if (c) {
		o.mirror = c->mirror;
		o.insecure = c->insecure;
	}
	return registry_new(&o, ret, err);
}

char *push_error_text(const char *body)
{
	struct json_object *o = body ? json_tokener_parse(body) : NULL, *errs, *e, *v;
	char *s = NULL;

	if (o && json_object_object_get_ex(o, "errors", &errs) &&
	    json_object_is_type(errs, json_type_array) && json_object_array_length(errs) > 0) {
		e = json_object_array_get_idx(errs, 0);
		const char *code =
		    json_object_object_get_ex(e, "code", &v) ? json_object_get_string(v) : "ERROR";
		const char *msg =
		    json_object_object_get_ex(e, "message", &v) ? json_object_get_string(v) : "";
		s = xasprintf("%s: %s", code ? code : "ERROR", msg ? msg : "");
	}
	json_object_put(o);
	if (!s && body && *body && !o) {
		/* A plain-text answer: its first line, printable characters only. */
		size_t n = MIN(strcspn(body, "\r\n"), (size_t)200);
		s = xstrndup(body, n);
		for (char *c = s; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
	}
	return s;
}

/* A registry's refusal, in its own words. */
static int refused(struct push *p, struct registry_call *k, const char *what, struct box_err **err)
{
	_cleanup_free_ char *text = push_error_text(k->response);

	return box_err_set(err, k->status == 401 || k->status == 403 ? EACCES : EPROTO,
			   "%s refused %s (HTTP %ld)%s%s", registry_display(p->reg), what,
			   k->status, text ? ": " : "", text ? text : "");
}

static void call_done(struct registry_call *k)
{
	free(k->location);
	free(k->response);
	k->location = k->response = NULL;
}

static int call(struct push *p, struct registry_call *k, struct box_err **err)
{
	k->repo = p->repo;
	return registry_call(p->reg, k, err);
}

/* The upload URL of a 202, relative to the registry's base, with ?digest= added when
 * digest is given. */
static int upload_path(struct push *p, const char *location, const char *digest, char **ret,
		       struct box_err **err)
{
	const char *base = registry_base(p->reg), *path = location;

	if (!location)
		return box_err_set(err, EPROTO, "%s sent no upload location",
				   registry_display(p->reg));
	if (str_startswith(location, "http://") || str_startswith(location, "https://")) {
		if (!str_startswith(location, base) || location[strlen(base)] != '/')
			return box_err_set(err, EPROTO,
					   "%s sent an upload location on another host ('%s')",
					   registry_display(p->reg), location);
		path = location + strlen(base);
	}
	*ret = digest ? xasprintf("%s%cdigest=%s", path, strchr(path, '?') ? '&' : '?', digest)
		      : xstrdup(path);
	return 0;
}

/* POST: an upload starts; *ret gets the path to send it to. */
static int upload_start(struct push *p, char **ret, const char *digest, struct box_err **err)
{
	_cleanup_free_ char *start = xasprintf("/v2/%s/blobs/uploads/", p->repo);
	struct registry_call k = { .method = "POST", .path = start, .body_fd = -1 };
	int r;

	if ((r = call(p, &k, err)) < 0)
		return r;
	if (k.status != 202)
		r = refused(p, &k, "the upload", err);
	else
		r = upload_path(p, k.location, digest, ret, err);
	call_done(&k);
	return r;
}

/* The PUT that ends an upload, with the blob (from fd at offset 0 when it is >= 0,
 * else body) or, after a PATCH sent it, with none. */
static int upload_put(struct push *p, const char *put, const char *digest, int fd, const char *body,
		      uint64_t size, struct box_err **err)
{
	struct registry_call u = { .method = "PUT",
				   .path = put,
				   .content_type = "application/octet-stream",
				   .body = body,
				   .body_fd = fd,
				   .body_size = size,
				   .progress = p->h ? p->h->bytes : NULL,
				   .progress_arg = p->h ? p->h->arg : NULL };
	int r = call(p, &u, err);

	if (r == 0 && u.status != 201)
		r = refused(p, &u, digest, err);
	call_done(&u);
	return r;
}

/* One blob: from fd (at offset 0) when it is >= 0, else body. */
static int upload(struct push *p, const char *digest, int fd, const char *body, uint64_t size,
		  struct box_err **err)
{
	_cleanup_free_ char *put = NULL;
	int r = upload_start(p, &put, digest, err);

	if (r == 0)
		r = upload_put(p, put, digest, fd, body, size, err);
	if (r == 0)
		p->res.bytes += size;
	return r;
}

/* A repository of the destination registry that an image in the store came from and
 * whose manifest has the blob: the registry can mount it from there. */
static char *mount_source(struct push *p, const char *digest)
{
	struct image_record *list = NULL;
	size_t n = 0;
	char *found = NULL;

	if (store_list(&list, &n, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n && !found; i++) {
		_cleanup_ref_ struct image_ref *ref = NULL;
		struct registry *reg = NULL;
		_cleanup_free_ char *mp =
		    xasprintf("%s/blobs/sha256/%s", p->store, list[i].digest + 7);
		_cleanup_free_ char *text = NULL;
		size_t len;
		if (ref_parse(list[i].ref, &ref, NULL) < 0 ||
		    open_registry(p->is, ref->registry, &reg, NULL) < 0)
			continue;
		bool same = streq(registry_base(reg), registry_base(p->reg));
		registry_free(reg);
		if (same && fs_read_file(mp, OCI_MANIFEST_MAX, &text, &len, NULL) == 0 &&
		    strstr(text, digest) && !streq(ref->repository, p->repo))
			found = xstrdup(ref->repository);
	}
	image_record_list_free(list, n);
	return found;
}

/* Ask the registry to mount the blob from repository `from` into this one. */
static int mount_from(struct push *p, const char *digest, const char *from, bool *ret_mounted,
		      struct box_err **err)
{
	_cleanup_free_ char *path =
	    xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", p->repo, digest, from);
	int r;

	*ret_mounted = false;
	struct registry_call k = { .method = "POST", .path = path, .body_fd = -1 };
	if ((r = call(p, &k, err)) < 0)
		return r;
	*ret_mounted = k.status == 201;
	call_done(&k);
	return 0;
}

static int try_mount(struct push *p, const char *digest, bool *ret_mounted, struct box_err **err)
{
	_cleanup_free_ char *from = mount_source(p, digest);

	*ret_mounted = false;
	return from ? mount_from(p, digest, from, ret_mounted, err) : 0;
}

static void event(struct push *p, enum push_event ev, const char *digest, uint64_t size)
{
	if (p->h && p->h->blob)
		p->h->blob(ev, digest, size, p->h->arg);
}

static bool blob_kept(const struct push *p, const char *digest)
{
	_cleanup_free_ char *file = xasprintf("%s/blobs/sha256/%s", p->store, digest + 7);
	return path_exists(file);
}

/* HEAD: does the registry have the blob? Counted and told when it does. */
static int exists(struct push *p, const char *digest, uint64_t size, bool *ret,
		  struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->repo, digest);
	struct registry_call k = { .method = "HEAD", .path = path, .body_fd = -1 };
	int r = call(p, &k, err);

	if (r < 0)
		return r;
	call_done(&k);
	*ret = k.status == 200;
	if (*ret) {
		p->res.skipped++;
		event(p, PUSH_EXISTS, digest, size);
	}
	return 0;
}

/* A blob that is not there yet, from fd or from memory. */
static int send_blob(struct push *p, const char *digest, int fd, const char *body, uint64_t size,
		     struct box_err **err)
{
	int r;

	event(p, PUSH_UPLOADING, digest, size);
	if ((r = upload(p, digest, fd, body, size, err)) < 0)
		return r;
	p->res.uploaded++;
	event(p, PUSH_UPLOADED, digest, size);
	return 0;
}

/* A blob kept in the store, sent as it is. */
static int send_kept(struct push *p, const char *digest, uint64_t size, struct box_err **err)
{
	_cleanup_free_ char *file = xasprintf("%s/blobs/sha256/%s", p->store, digest + 7);
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return box_err_set(err, errno, "open '%s'", file);
	return send_blob(p, digest, fd, NULL, size, err);
}

/* The layer as the stored manifest has it: there already, sent from its blob, or
 * mounted. *ret_done is false when none of these could be done. */
static int push_as_stored(struct push *p, const struct oci_descriptor *d, bool *ret_done,
			  struct box_err **err)
{
	bool there, mounted;
	int r;

	*ret_done = true;
	if ((r = exists(p, d->digest, d->size, &there, err)) < 0 || there)
		return r;
	if (blob_kept(p, d->digest))
		return send_kept(p, d->digest, d->size, err);
	if ((r = try_mount(p, d->digest, &mounted, err)) < 0)
		return r;
	if (mounted) {
		p->res.mounted++;
		event(p, PUSH_MOUNTED, d->digest, d->size);
		return 0;
	}
	*ret_done = false;
	return 0;
}

static int load_ids(struct push *p, struct box_err **err)
{
	if (p->ids_loaded)
		return 0;
	int r = ids_load(&p->ids, err);
	p->ids_loaded = r == 0;
	return r;
}

/* The layer's tar: its blob, or written again from its extracted files. */
static int open_source(struct push *p, const struct oci_descriptor *d, const char *diff_id,
		       struct layer_source *src, struct box_err **err)
{
	int r = 0;

	if (!(d->digest && streq(d->digest, diff_id) && blob_kept(p, diff_id)))
		r = load_ids(p, err);
	if (r < 0 || (r = layer_source_open(p->store, &p->ids, d->digest, diff_id, src, err)) < 0)
		return r;
	p->res.recreated += src->recreated;
	return 0;
}

/* The compressor's side of a stream: the tar in, the blob out into a pipe. */
struct compress_job {
	int in_fd, out_fd;
	enum oci_compression comp;
	int level;
	struct layer_blob b;
	struct box_err *err;
	int r;
};

static void *compress_main(void *arg)
{
	struct compress_job *j = arg;
	sigset_t sigs;

	/* a sender that gave up closes its end: the write fails, nothing is killed */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	j->r = layer_compress(j->in_fd, j->out_fd, j->comp, j->level, &j->b, &j->err);
	close(j->out_fd);
	return NULL;
}

static ssize_t read_pipe(void *buf, size_t len, void *arg)
{
	for (;;) {
		ssize_t n = read(*(int *)arg, buf, len);
		if (n >= 0 || errno != EINTR)
			return n < 0 ? -errno : n;
	}
}

/* The tar compressed while it is sent: a thread compresses into a pipe, one PATCH sends
 * what comes out of it (chunked), and the digest, known at the end, closes the upload
 * (PUT ?digest=). Nothing of the blob is written to disk, and sending overlaps
 * compressing. */
static int stream_blob(struct push *p, int tar_fd, struct layer_blob *b, struct box_err **err)
{
	_cleanup_free_ char *patch = NULL, *put = NULL;
	struct compress_job j = { .in_fd = tar_fd, .comp = p->comp, .level = p->level };
	pthread_t th;
	int fds[2], r = upload_start(p, &patch, NULL, err);

	if (r < 0)
		return r;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return box_err_set(err, errno, "create a pipe");
	/* a batch of compressed blocks fits: the compressor goes on while curl sends */
	(void)fcntl(fds[1], F_SETPIPE_SZ, STREAM_PIPE);
	j.out_fd = fds[1];
	if (pthread_create(&th, NULL, compress_main, &j) != 0)
		abort();
	struct registry_call u = { .method = "PATCH",
				   .path = patch,
				   .content_type = "application/octet-stream",
				   .body_fd = -1,
				   .body_read = read_pipe,
				   .body_arg = &fds[0],
				   .progress = p->h ? p->h->bytes : NULL,
				   .progress_arg = p->h ? p->h->arg : NULL };
	r = call(p, &u, err);
	close(fds[0]);
	pthread_join(th, NULL);
	/* a compressor that failed ended the stream early: its error is the one */
	if (r == 0 && j.r < 0 && err && !*err)
		*err = TAKE_PTR(j.err);
	box_err_free(j.err);
	if (r == 0 && j.r < 0)
		r = j.r;
	else if (r == 0 && u.status != 202)
		r = refused(p, &u, "the layer", err);
	if (r == 0)
		r = upload_path(p, u.location ? u.location : patch, j.b.digest, &put, err);
	call_done(&u);
	if (r == 0)
		r = upload_put(p, put, j.b.digest, -1, "", 0, err);
	if (r < 0)
		return r;
	memcpy(b->digest, j.b.digest, sizeof(b->digest));
	b->size = j.b.size;
	p->res.bytes += b->size;
	p->res.compressed++;
	p->res.uploaded++;
	event(p, PUSH_COMPRESSED, b->digest, b->size);
	event(p, PUSH_UPLOADED, b->digest, b->size);
	return 0;
}

/* A layer compressed as asked, sent as it is compressed; remembered in the store's
 * cache. */
static int send_compressed(struct push *p, const struct oci_descriptor *d, const char *diff_id,
			   struct layer_blob *b, struct box_err **err)
{
	struct layer_source src;
	int r = open_source(p, d, diff_id, &src, err);

	if (r < 0)
		return r;
	memcpy(b->diff_id, src.diff_id, sizeof(b->diff_id));
	r = stream_blob(p, src.fd, b, err);
	layer_source_done(&src);
	/* A cache that cannot be written costs a compression next time, nothing more. */
	if (r == 0)
		layer_cache_put(p->store, diff_id, p->comp, p->level, b, NULL);
	return r;
}

/* An uncompressed layer written again from its extracted files (an unlinked temporary
 * file); remembered in the store's cache. */
static int make_tar(struct push *p, const struct oci_descriptor *d, const char *diff_id,
		    struct layer_blob *b, int *ret_fd, struct box_err **err)
{
	struct layer_source src;
	int r = open_source(p, d, diff_id, &src, err);

	if (r < 0)
		return r;
	memcpy(b->diff_id, src.diff_id, sizeof(b->diff_id));
	memcpy(b->digest, src.diff_id, sizeof(b->digest));
	b->size = src.size;
	*ret_fd = TAKE_FD(src.fd);
	if (src.recreated)
		layer_cache_put(p->store, diff_id, p->comp, p->level, b, NULL);
	return 0;
}

/* Where a blob box made was pushed: compressed/where/<hex>, a line "REGISTRY REPOSITORY"
 * each, so a push of the same layer to another repository of that registry mounts it
 * (no stored manifest names a blob box made only to push). */
static char *where_file(const struct push *p, const char *digest)
{
	return xasprintf("%s/compressed/where/%s", p->store, digest + 7);
}

/* A repository name as the distribution spec has them (what a record may name). */
static bool repository_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._/-") == strlen(s);
}

/* A repository of this registry that has the blob, from that record; NULL if none. */
static char *made_mount_source(struct push *p, const char *digest)
{
	_cleanup_free_ char *file = where_file(p, digest), *text = NULL;
	const char *base = registry_base(p->reg);
	char *line, *save = NULL;

	if (fs_read_file(file, 64 * 1024, &text, NULL, NULL) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (sp && (size_t)(sp - line) == strlen(base) &&
		    !strncmp(line, base, strlen(base)) && repository_ok(sp + 1) &&
		    !streq(sp + 1, p->repo))
			return xstrdup(sp + 1);
	}
	return NULL;
}

/* Whether text holds line (a whole line, newline included). */
static bool has_line(const char *text, const char *line)
{
	for (const char *at = strstr(text, line); at; at = strstr(at + 1, line))
		if (at == text || at[-1] == '\n')
			return true;
	return false;
}

/* Add this registry and repository to the blob's record (a record that cannot be
 * written costs an upload next time, nothing more). */
static void made_remember(struct push *p, const char *digest)
{
	_cleanup_free_ char *file = where_file(p, digest), *text = NULL, *dir = NULL;
	_cleanup_free_ char *line = xasprintf("%s %s\n", registry_base(p->reg), p->repo);

	if (fs_read_file(file, 64 * 1024, &text, NULL, NULL) < 0) {
		free(text);
		text = xstrdup("");
	}
	if (has_line(text, line))
		return;
	dir = xasprintf("%s/compressed/where", p->store);
	if (mkdir_p(dir, 0755, NULL) < 0)
		return;
	_cleanup_free_ char *all = xasprintf("%s%s", text, line);
	fs_write_file_replace(file, all, strlen(all), 0644, NULL);
}

static int mount_made(struct push *p, const char *digest, uint64_t size, bool *ret_mounted,
		      struct box_err **err)
{
	_cleanup_free_ char *from = made_mount_source(p, digest);

	*ret_mounted = false;
	if (!from)
		return 0;
	int r = mount_from(p, digest, from, ret_mounted, err);
	if (r == 0 && *ret_mounted) {
		p->res.mounted++;
		event(p, PUSH_MOUNTED, digest, size);
	}
	return r;
}

/* A layer box sends in a form of its own: compressed, or written again. The registry
 * may have it already, in this repository or (mounted) in another it was pushed to,
 * when the store's cache says what it became. */
static int push_made(struct push *p, const struct oci_descriptor *d, const char *diff_id,
		     struct layer_blob *b, struct box_err **err)
{
	_cleanup_close_ int fd = -1;
	bool there = false;
	int r;

	if (layer_cache_get(p->store, diff_id, p->comp, p->level, b) == 0 &&
	    ((r = exists(p, b->digest, b->size, &there, err)) < 0 || there ||
	     (r = mount_made(p, b->digest, b->size, &there, err)) < 0 || there))
		goto out;
	if (p->comp != OCI_COMP_NONE) {
		r = send_compressed(p, d, diff_id, b, err);
		goto out;
	}
	if ((r = make_tar(p, d, diff_id, b, &fd, err)) < 0 ||
	    (r = exists(p, b->digest, b->size, &there, err)) < 0 || there ||
	    (r = mount_made(p, b->digest, b->size, &there, err)) < 0 || there)
		goto out;
	r = send_blob(p, b->digest, fd, NULL, b->size, err);
out:
	if (r == 0)
		made_remember(p, b->digest);
	return r;
}

/* Layer i: as stored when it is compressed already (or none is asked for), else
 * compressed; a layer the registry lacks and box keeps only extracted is written
 * again from its files. */
static int push_layer(struct push *p, size_t i, struct box_err **err)
{
	const struct oci_descriptor *d = &p->m->layers[i];
	const char *diff_id = p->cfg->diff_ids[i];
	struct layer_blob *b = &p->out[i];
	bool done = false;
	int r;

	if (!streq(d->digest, diff_id) || p->comp == OCI_COMP_NONE) {
		if ((r = push_as_stored(p, d, &done, err)) < 0)
			return r;
		if (done) {
			memcpy(b->diff_id, diff_id, sizeof(b->diff_id));
			memcpy(b->digest, d->digest, sizeof(b->digest));
			b->size = d->size;
			p->types[i] = layer_compression_media_type(d->compression);
			return 0;
		}
	}
	p->types[i] = layer_compression_media_type(p->comp);
	return push_made(p, d, diff_id, b, err);
}

static int push_manifest(struct push *p, const char *text, size_t len, struct box_err **err)
{
	const char *tag = p->ref->tag ? p->ref->tag : "latest";
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", p->repo, tag);
	struct registry_call k = { .method = "PUT",
				   .path = path,
				   .content_type = OCI_MT_MANIFEST,
				   .body = text,
				   .body_fd = -1,
				   .body_size = len };
	int r = call(p, &k, err);

	if (r == 0 && k.status != 201)
		r = refused(p, &k, "the manifest", err);
	call_done(&k);
	return r;
}

/* A blob from memory (a config), unless the registry has it. */
static int push_text(struct push *p, const char *text, size_t len, struct box_err **err)
{
	char digest[LAYER_DIGEST_LEN];
	bool there;
	int r;

	oci_sha256(text, len, digest);
	if ((r = exists(p, digest, len, &there, err)) < 0 || there)
		return r;
	return send_blob(p, digest, -1, text, len, err);
}

/* The config: the stored one, or a new one (*ret_text) when a layer's diff_id changed. */
static int push_config(struct push *p, char **ret_text, struct box_err **err)
{
	const struct oci_descriptor *c = &p->m->config;
	_cleanup_free_ char *path = xasprintf("%s/blobs/sha256/%s", p->store, c->digest + 7);
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char **ids = xcalloc(p->m->n_layers + 1, sizeof(*ids));
	bool same = true;
	size_t len;
	int r = fs_read_file(path, OCI_CONFIG_MAX, &text, &len, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < p->m->n_layers; i++) {
		ids[i] = p->out[i].diff_id;
		same &= streq(ids[i], p->cfg->diff_ids[i]);
	}
	if (same)
		return push_text(p, text, len, err);
	*ret_text = layer_config_with_diff_ids(text, ids, p->m->n_layers, err);
	if (!*ret_text)
		return -EINVAL;
	return push_text(p, *ret_text, strlen(*ret_text), err);
}

/* The stored manifest when every blob is the stored one, else a new one. */
static char *new_manifest(struct push *p, const char *config)
{
	struct json_object *layers;
	char digest[LAYER_DIGEST_LEN];
	bool same = !config;

	for (size_t i = 0; i < p->m->n_layers; i++)
		same &= streq(p->out[i].digest, p->m->layers[i].digest);
	if (same)
		return NULL;
	layers = json_object_new_array();
	for (size_t i = 0; i < p->m->n_layers; i++)
		json_object_array_add(
		    layers, oci_descriptor_json(p->types[i], p->out[i].digest, p->out[i].size));
	if (config) {
		oci_sha256(config, strlen(config), digest);
		return oci_manifest_format(digest, strlen(config), layers);
	}
	return oci_manifest_format(p->m->config.digest, p->m->config.size, layers);
}

static int read_image(struct push *p, const char *image, char **ret_text, size_t *ret_len,
		      struct box_err **err)
{
	struct image_info *info = NULL;
	_cleanup_free_ char *mpath = NULL, *cpath = NULL, *ctext = NULL;
	size_t clen;
	int r = store_lookup(p->is, image, &info, err);

	if (r < 0)
		return r;
	mpath = xasprintf("%s/blobs/sha256/%s", p->store, info->digest + 7);
	memcpy(p->res.digest, info->digest, MIN(strlen(info->digest) + 1, sizeof(p->res.digest)));
	image_info_free(info);
	if ((r = fs_read_file(mpath, OCI_MANIFEST_MAX, ret_text, ret_len, err)) < 0 ||
	    (r = oci_manifest_parse_buffer(*ret_text, *ret_len, &p->m, err)) < 0)
		return r;
	cpath = xasprintf("%s/blobs/sha256/%s", p->store, p->m->config.digest + 7);
	if ((r = fs_read_file(cpath, OCI_CONFIG_MAX, &ctext, &clen, err)) < 0 ||
	    (r = oci_config_parse_buffer(ctext, clen, &p->cfg, err)) < 0)
		return r;
	if (p->cfg->n_diff_ids != p->m->n_layers)
		return box_err_set(err, EINVAL,
				   "the image's config lists %zu layers, its manifest %zu",
				   p->cfg->n_diff_ids, p->m->n_layers);
	p->out = xcalloc(p->m->n_layers + 1, sizeof(*p->out));
	p->types = xcalloc(p->m->n_layers + 1, sizeof(*p->types));
	return 0;
}

static int push_image(struct push *p, const char *image, struct box_err **err)
{
	_cleanup_free_ char *text = NULL, *config = NULL, *manifest = NULL;
	size_t len;
	int r = read_image(p, image, &text, &len, err);

	/* Blobs kept here first, then those only a mount or a rebuild can bring: a
	 * registry that refuses uploads says so itself before box does more work. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; r == 0 && i < p->m->n_layers; i++)
			if (blob_kept(p, p->m->layers[i].digest) == (pass == 0))
				r = push_layer(p, i, err);
	if (r == 0)
		r = push_config(p, &config, err);
	if (r == 0 && (manifest = new_manifest(p, config))) {
		oci_sha256(manifest, strlen(manifest), p->res.digest);
		r = push_manifest(p, manifest, strlen(manifest), err);
	} else if (r == 0) {
		r = push_manifest(p, text, len, err);
	}
	return r;
}

int image_push(const struct image_settings *is, const char *image, const char *dest,
	       const struct push_opts *o, const struct push_hooks *h, struct push_result *ret,
	       struct box_err **err)
{
	struct push p = { .is = is, .h = h, .store = store_dir(), .comp = o->compression };
	int r = store_resolve_ref(is, dest, &p.res.dest, err);

	p.level = o->level >= 0 ? o->level : p.comp == OCI_COMP_GZIP ? LAYER_GZIP_LEVEL : 0;
	if (r == 0)
		r = ref_parse(p.res.dest, &p.ref, err);
	if (r == 0 && p.ref->digest && !p.ref->tag)
		r = box_err_set(err, EINVAL, "push to '%s': give a tag, not a digest", dest);
	if (r == 0 && (r = open_registry(is, p.ref->registry, &p.reg, err)) == 0) {
		p.repo = xstrdup(p.ref->repository);
		r = push_image(&p, image, err);
	}
	registry_free(p.reg);
	ref_free(p.ref);
	oci_manifest_free(p.m);
	oci_config_free(p.cfg);
	free(p.out);
	free(p.types);
	if (p.ids_loaded)
		ids_done(&p.ids);
	free(p.repo);
	free(p.store);
	if (r < 0) {
		free(p.res.dest);
		return r;
	}
	*ret = p.res;
	return 0;
}

void push_result_done(struct push_result *r)
{
	free(r->dest);
	r->dest = NULL;
}
