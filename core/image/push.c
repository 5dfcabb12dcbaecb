/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box push (see push.h): blobs first (layers, then the config), the manifest last,
 * so a registry never holds a manifest whose blobs it lacks.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "oci.h"
#include "push.h"
#include "ref.h"
#include "registry.h"
#include "store.h"

struct push {
	const struct image_settings *is;
	const struct push_hooks *h;
	struct registry *reg;
	struct image_ref *ref;
	char *repo;
	char *store;
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

/* The upload URL of a 202, relative to the registry's base, with the digest added. */
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
	*ret = xasprintf("%s%cdigest=%s", path, strchr(path, '?') ? '&' : '?', digest);
	return 0;
}

static int upload(struct push *p, const char *digest, const char *file, uint64_t size,
		  struct box_err **err)
{
	_cleanup_free_ char *start = xasprintf("/v2/%s/blobs/uploads/", p->repo), *put = NULL;
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct registry_call k = { .method = "POST", .path = start, .body_fd = -1 };
	int r;

	if (fd < 0)
		return box_err_set(err, errno, "open '%s'", file);
	if ((r = call(p, &k, err)) < 0)
		return r;
	if (k.status != 202) {
		r = refused(p, &k, "the upload", err);
		call_done(&k);
		return r;
	}
	r = upload_path(p, k.location, digest, &put, err);
	call_done(&k);
	if (r < 0)
		return r;
	struct registry_call u = { .method = "PUT",
				   .path = put,
				   .content_type = "application/octet-stream",
				   .body_fd = fd,
				   .body_size = size,
				   .progress = p->h ? p->h->bytes : NULL,
				   .progress_arg = p->h ? p->h->arg : NULL };
	if ((r = call(p, &u, err)) == 0 && u.status != 201)
		r = refused(p, &u, digest, err);
	call_done(&u);
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

static int try_mount(struct push *p, const char *digest, bool *ret_mounted, struct box_err **err)
{
	_cleanup_free_ char *from = mount_source(p, digest), *path = NULL;
	int r;

	*ret_mounted = false;
	if (!from)
		return 0;
	path = xasprintf("/v2/%s/blobs/uploads/?mount=%s&from=%s", p->repo, digest, from);
	struct registry_call k = { .method = "POST", .path = path, .body_fd = -1 };
	if ((r = call(p, &k, err)) < 0)
		return r;
	*ret_mounted = k.status == 201;
	call_done(&k);
	return 0;
}

static void event(struct push *p, enum push_event ev, const char *digest, uint64_t size)
{
	if (p->h && p->h->blob)
		p->h->blob(ev, digest, size, p->h->arg);
}

static int push_blob(struct push *p, const char *digest, uint64_t size, struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", p->repo, digest);
	_cleanup_free_ char *file = xasprintf("%s/blobs/sha256/%s", p->store, digest + 7);
	struct registry_call k = { .method = "HEAD", .path = path, .body_fd = -1 };
	bool mounted;
	int r;

	if ((r = call(p, &k, err)) < 0)
		return r;
	call_done(&k);
	if (k.status == 200) {
		p->res.skipped++;
		event(p, PUSH_EXISTS, digest, size);
		return 0;
	}
	if (!path_exists(file)) {
		if ((r = try_mount(p, digest, &mounted, err)) < 0)
			return r;
		if (mounted) {
			p->res.mounted++;
			event(p, PUSH_MOUNTED, digest, size);
			return 0;
		}
		return box_err_set(err, ENOENT,
				   "layer %s is not kept as a blob here (pulled layers are kept "
				   "extracted) and %s does not have it: push its base image there "
				   "first",
				   digest, registry_display(p->reg));
	}
	event(p, PUSH_UPLOADING, digest, size);
	if ((r = upload(p, digest, file, size, err)) < 0)
		return r;
	p->res.uploaded++;
	event(p, PUSH_UPLOADED, digest, size);
	return 0;
}

static bool blob_kept(const struct push *p, const char *digest)
{
	_cleanup_free_ char *file = xasprintf("%s/blobs/sha256/%s", p->store, digest + 7);
	return path_exists(file);
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

static int push_image(struct push *p, const char *image, struct box_err **err)
{
	struct image_info *info = NULL;
	struct oci_manifest *m = NULL;
	_cleanup_free_ char *text = NULL, *mpath = NULL;
	size_t len;
	int r = store_lookup(p->is, image, &info, err);

	if (r < 0)
		return r;
	mpath = xasprintf("%s/blobs/sha256/%s", p->store, info->digest + 7);
	memcpy(p->res.digest, info->digest, MIN(strlen(info->digest) + 1, sizeof(p->res.digest)));
	image_info_free(info);
	if ((r = fs_read_file(mpath, OCI_MANIFEST_MAX, &text, &len, err)) < 0 ||
	    (r = oci_manifest_parse_buffer(text, len, &m, err)) < 0)
		return r;
	/* Blobs kept here first, then those only a mount can bring: a registry that refuses
	 * uploads says so itself before box would report a blob it cannot send. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; r == 0 && i < m->n_layers; i++)
			if (blob_kept(p, m->layers[i].digest) == (pass == 0))
				r = push_blob(p, m->layers[i].digest, m->layers[i].size, err);
	if (r == 0)
		r = push_blob(p, m->config.digest, m->config.size, err);
	if (r == 0)
		r = push_manifest(p, text, len, err);
	oci_manifest_free(m);
	return r;
}

int image_push(const struct image_settings *is, const char *image, const char *dest,
	       const struct push_hooks *h, struct push_result *ret, struct box_err **err)
{
	struct push p = { .is = is, .h = h, .store = store_dir() };
	int r = store_resolve_ref(is, dest, &p.res.dest, err);

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
