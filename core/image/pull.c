/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pulling an image into the store. The whole pull (network and extraction) runs
 * in one child that is root of a user namespace with the keep-id map, so layer
 * files get the owners the image gives them; the namespace keeps the host's
 * network. Each missing layer is one job of three threads: a download thread
 * streams the blob into a byte queue (bytequeue.h), an inflate thread decodes it
 * into another, and the job thread extracts from that; the blob and the tar stream
 * are hashed on the way. Up to pull_parallel() jobs run at
 * once, the largest layers first: a pull then takes about as long as its largest
 * layer, the smaller ones downloading and unpacking beside it. A layer is extracted into
 * layers/.tmp-XXXXXX and renamed to layers/<diff_id hex> only when both digests
 * match what the manifest and config promise, after a syncfs (a power loss never
 * leaves a published layer without its files). Only the decompressor the media
 * type names runs, and a layer that unpacks to more than max_layer_size (or the
 * free space) stops the pull. Anything named .tmp-* is the
 * leftover of a killed pull: never trusted, removed by the next pull under the lock.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/bytequeue.h"
#include "../util/fs.h"
#include "../host/idmap.h"
#include "gunzip.h"
#include "layer.h"
#include "layer_guard.h"
#include "../util/log.h"
#include "oci.h"
#include "ref.h"
#include "registry.h"
#include "settings.h"
#include "../util/spawn.h"
#include "store.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define MIN_PARALLEL 4
#define MAX_PARALLEL 16
#define INFLATE_BUF  (256 * 1024)

enum job_state { JOB_WAITING = 0, JOB_RUNNING, JOB_DONE, JOB_EXISTS, JOB_FAILED };

struct pull;

struct layer_job {
	struct pull *p;
	size_t index;
	const struct oci_descriptor *desc;
	const char *diff_id;
	atomic_uint_fast64_t received;
	enum job_state state;
	uint64_t start_ns, end_ns;
	struct box_err *err;
	uint64_t disk_bytes;
	pthread_t thread;
	bool started;
	/* the download side */
	pthread_t dl_thread;
	struct bq *dlq; /* the blob, to the inflate thread */
	int dl_result;
	struct box_err *dl_err;
	EVP_MD_CTX *dl_md; /* digest of what was received */
	/* the inflate side: it also hashes the tar stream (the diff_id) */
	EVP_MD_CTX *tar_md;
	char tar_digest[LAYER_DIGEST_LEN];
	pthread_t inflate_thread;
	struct bq *tarq;   /* the tar stream, to the extractor */
	uint64_t inflated; /* bytes of the tar stream so far */
	int inflate_result;
	struct box_err *inflate_err;
	char dl_digest[LAYER_DIGEST_LEN];
};

struct pull {
	const struct image_settings *settings;
	struct image_ref *ref;
	char *canonical;
	char *dir;
	struct registry *reg;
	bool progress, tty;
	uid_t uid;
	gid_t gid;
	uint64_t max_layer; /* the most one layer may unpack to */
	const char *cap_why;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool abort;
	size_t running;
	struct layer_job *jobs;
	size_t *order; /* job indices, largest layer first */
	size_t n_jobs;
	size_t drawn; /* lines drawn on the terminal */
};

static void sha256_digest(const void *buf, size_t len, char out[LAYER_DIGEST_LEN])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", md[i]);
}

static int verify_digest(const char *what, const char *buf, size_t len, const char *want,
			 struct box_err **err)
{
	char got[LAYER_DIGEST_LEN];
	sha256_digest(buf, len, got);
	if (!streq(got, want))
		return box_err_set(err, EBADMSG, "%s does not match its digest: got %s, want %s",
				   what, got, want);
	return 0;
}

/* Metadata the child writes as namespace root belongs to the user, like the rest of
 * the store (the user's own id is mapped to itself inside). */
static int write_owned(struct pull *p, const char *path, const char *buf, size_t len,
		       struct box_err **err)
{
	int r = fs_write_file_atomic(path, buf, len, 0644, err);
	if (r == 0 && chown(path, p->uid, p->gid) < 0)
		log_debug("chown %s: %m", path);
	return r;
}

static int store_blob(struct pull *p, const char *digest, const char *buf, size_t len,
		      struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/blobs/sha256/%s", p->dir, digest + 7);
	if (path_exists(path))
		return 0;
	return write_owned(p, path, buf, len, err);
}

/* ---- progress ---- */

static const char *state_name(enum job_state s)
{
	static const char *const names[] = { "waiting", "copying", "done", "already exists",
					     "failed" };
	return names[s];
}

static void draw_line(struct layer_job *j, uint64_t now)
{
	char got[16], total[16], speed[16];
	uint64_t rx = atomic_load(&j->received);
	uint64_t end = j->end_ns ? j->end_ns : now;
	double secs = j->start_ns ? (double)(end - j->start_ns) / 1e9 : 0;
	format_bytes(rx, got, sizeof(got));
	format_bytes(j->desc->size, total, sizeof(total));
	format_bytes(secs > 0.05 ? (uint64_t)((double)rx / secs) : 0, speed, sizeof(speed));
	const char *state =
	    j->state == JOB_RUNNING && rx >= j->desc->size ? "extracting" : state_name(j->state);
	log_out("\r\033[KCopying blob %.12s  %-14s %9s / %-9s %9s/s\n", j->desc->digest + 7, state,
		got, total, speed);
}

/* Terminal: one line per layer, redrawn in place. */
static void draw(struct pull *p)
{
	if (!p->progress || !p->tty)
		return;
	uint64_t now = now_ns();
	if (p->drawn)
		log_out("\033[%zuA", p->drawn);
	for (size_t i = 0; i < p->n_jobs; i++)
		draw_line(&p->jobs[i], now);
	p->drawn = p->n_jobs;
}

/* Not a terminal: one line when a layer starts and one when it ends. */
static void note(struct layer_job *j)
{
	struct pull *p = j->p;
	if (!p->progress || p->tty)
		return;
	char total[16];
	format_bytes(j->desc->size, total, sizeof(total));
	if (j->state == JOB_RUNNING)
		log_out("Copying blob %.12s (%s)\n", j->desc->digest + 7, total);
	else if (j->state == JOB_DONE)
		log_out("Copying blob %.12s done in %.1fs\n", j->desc->digest + 7,
			(double)(j->end_ns - j->start_ns) / 1e9);
	else if (j->state == JOB_EXISTS)
		log_out("Copying blob %.12s skipped: already exists\n", j->desc->digest + 7);
}

/* ---- one layer ---- */

static int sink_to_queue(const void *data, size_t len, void *ud)
{
	struct layer_job *j = ud;
	if (atomic_load(&j->p->abort))
		return -ECANCELED;
	if (atomic_load(&j->received) + len > j->desc->size)
		return -EFBIG; /* more than the manifest promised */
	EVP_DigestUpdate(j->dl_md, data, len);
	atomic_fetch_add(&j->received, len);
	return bq_write(j->dlq, data, len);
}

static void md_hex(EVP_MD_CTX *md, char out[LAYER_DIGEST_LEN])
{
	unsigned char h[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(md, h, &n);
	strcpy(out, "sha256:");
	for (int i = 0; i < 32; i++)
		sprintf(out + 7 + 2 * i, "%02x", h[i]);
}

static void *download_thread(void *arg)
{
	struct layer_job *j = arg;
	j->dl_result = registry_stream_blob(j->p->reg, j->p->ref->repository, j->desc->digest,
					    sink_to_queue, j, &j->dl_err);
	md_hex(j->dl_md, j->dl_digest);
	bq_close_write(j->dlq);
	return NULL;
}

/* The next bytes of a queue, borrowed (bytequeue.h); 0 at EOF; -ECANCELED once the
 * pull is aborted. */
static ssize_t read_q(struct layer_job *j, struct bq *q, const void **ret)
{
	if (atomic_load(&j->p->abort))
		return -ECANCELED;
	return bq_read(q, ret);
}

static la_ssize_t inflate_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_job *j = arg;
	ssize_t n = read_q(j, j->dlq, buf);
	if (n < 0) {
		archive_set_error(a, (int)-n, "read layer blob: %s", strerror((int)-n));
		return -1;
	}
	return n;
}

static enum layer_comp layer_comp_of(const struct oci_descriptor *d)
{
	switch (d->compression) {
	case OCI_COMP_GZIP:
		return LAYER_COMP_GZIP;
	case OCI_COMP_ZSTD:
		return LAYER_COMP_ZSTD;
	case OCI_COMP_NONE:
		break;
	}
	return LAYER_COMP_NONE;
}

/* Decoded tar bytes: bounded by max_layer, hashed for the diff_id, passed on. */
static int tar_out(struct layer_job *j, const void *data, size_t len, struct box_err **err)
{
	j->inflated += (uint64_t)len;
	if (j->inflated > j->p->max_layer)
		return layer_cap_error(j->index, j->p->max_layer, j->p->cap_why, err);
	EVP_DigestUpdate(j->tar_md, data, len);
	int r = bq_write(j->tarq, data, len);
	if (r < 0)
		return box_err_set(err, -r, "layer %zu: pass on the tar stream", j->index);
	return 0;
}

struct gz_out {
	struct layer_job *j;
	struct box_err *err;
};

static int gz_sink(const void *data, size_t len, void *ud)
{
	struct gz_out *o = ud;
	int r = tar_out(o->j, data, len, &o->err);
	return r < 0 ? r : 0;
}

/* A gzip layer, with igzip (gunzip.h) rather than libarchive's zlib. */
static int inflate_gzip(struct layer_job *j, struct box_err **err)
{
	struct gz_out o = { .j = j };
	struct gunzip *g = gunzip_new(gz_sink, &o);
	_cleanup_err_ struct box_err *gerr = NULL;
	ssize_t n;
	int r = 0;

	const void *in;
	while (r >= 0 && (n = read_q(j, j->dlq, &in)) != 0) {
		if (n < 0)
			r = box_err_set(&gerr, (int)-n, "read layer blob: %s", strerror((int)-n));
		else
			r = gunzip_feed(g, in, (size_t)n, &gerr);
	}
	if (r >= 0)
		r = gunzip_end(g, &gerr);
	if (r < 0 && o.err) {
		*err = TAKE_PTR(o.err);
	} else if (r < 0 && gunzip_not_gzip(g)) {
		r = box_err_set(err, EBADMSG,
				"layer %zu: the media type says gzip, but the blob is not",
				j->index);
	} else if (r < 0) {
		r = box_err_set(err, gerr ? gerr->code : -r, "layer %zu: decompress: %s", j->index,
				gerr ? gerr->msg : strerror(-r));
	}
	gunzip_free(g);
	return r < 0 ? r : 0;
}

static int inflate_copy(struct layer_job *j, struct archive *a, struct box_err **err)
{
	struct archive_entry *e;
	int r = archive_read_next_header(a, &e);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK)
		return box_err_set(err, EBADMSG, "layer %zu: %s", j->index,
				   archive_error_string(a));
	_cleanup_free_ char *out = xmalloc(INFLATE_BUF);
	la_ssize_t n;
	if ((r = layer_decomp_check(a, layer_comp_of(j->desc), err)) < 0)
		return box_err_wrap(err, "layer %zu", j->index);
	while ((n = archive_read_data(a, out, INFLATE_BUF)) > 0)
		if ((r = tar_out(j, out, (size_t)n, err)) < 0)
			return r;
	if (n < 0)
		return box_err_set(err, EBADMSG, "layer %zu: decompress: %s", j->index,
				   archive_error_string(a));
	return 0;
}

/*
 * Decompression on its own thread, so that inflating (the single biggest CPU cost of
 * a pull) overlaps with writing files, as `curl | gzip -d | tar` overlaps them.
 * Only the decompressor the media type names is enabled.
 */
static void *inflate_thread(void *arg)
{
	struct layer_job *j = arg;
	struct archive *a = archive_read_new();
	const void *drain;

	archive_read_support_format_raw(a);
	archive_read_support_format_empty(a);
	if (layer_comp_of(j->desc) == LAYER_COMP_GZIP)
		j->inflate_result = inflate_gzip(j, &j->inflate_err);
	else if (layer_decomp_setup(a, layer_comp_of(j->desc), &j->inflate_err) < 0)
		j->inflate_result = -ENOTSUP;
	else if (archive_read_open(a, j, NULL, inflate_read, NULL) != ARCHIVE_OK)
		j->inflate_result = box_err_set(&j->inflate_err, EBADMSG, "layer %zu: %s", j->index,
						archive_error_string(a));
	else
		j->inflate_result = inflate_copy(j, a, &j->inflate_err);
	archive_read_free(a);
	/* Let the download finish even after a failure: its digest says whose fault it was. */
	while (j->inflate_result < 0 && read_q(j, j->dlq, &drain) > 0)
		;
	md_hex(j->tar_md, j->tar_digest);
	bq_close_write(j->tarq);
	return NULL;
}

static void queues_free(struct layer_job *j)
{
	bq_free(j->tarq);
	bq_free(j->dlq);
	j->tarq = j->dlq = NULL;
}

/* Start download -> queue -> inflate -> queue; the caller extracts from j->tarq. */
static int start_threads(struct layer_job *j, struct box_err **err)
{
	int r;

	j->dlq = bq_new();
	j->tarq = bq_new();
	j->dl_md = EVP_MD_CTX_new();
	j->tar_md = EVP_MD_CTX_new();
	if (!j->dl_md || !j->tar_md || !EVP_DigestInit_ex(j->dl_md, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(j->tar_md, EVP_sha256(), NULL))
		abort();
	if ((r = pthread_create(&j->dl_thread, NULL, download_thread, j)) != 0) {
		queues_free(j);
		return box_err_set(err, r, "start download thread");
	}
	if ((r = pthread_create(&j->inflate_thread, NULL, inflate_thread, j)) != 0) {
		atomic_store(&j->p->abort, true);
		bq_close_read(j->dlq);
		pthread_join(j->dl_thread, NULL);
		queues_free(j);
		return box_err_set(err, r, "start inflate thread");
	}
	return 0;
}

/* The first failure in pipeline order: download, its digest, decompression, extraction. */
static int layer_result(struct layer_job *j, int xr, struct box_err *xerr, struct box_err **err)
{
	if (atomic_load(&j->p->abort) && (xr < 0 || j->dl_result < 0 || j->inflate_result < 0)) {
		box_err_free(xerr);
		return box_err_set(err, ECANCELED, "layer %zu: cancelled", j->index);
	}
	if (j->dl_result < 0) {
		box_err_free(xerr);
		*err = TAKE_PTR(j->dl_err);
		return j->dl_result;
	}
	if (!streq(j->dl_digest, j->desc->digest)) {
		box_err_free(xerr);
		return box_err_set(err, EBADMSG,
				   "layer %zu does not match its digest: got %s, want %s "
				   "(corrupted or tampered download)",
				   j->index, j->dl_digest, j->desc->digest);
	}
	if (j->inflate_result < 0) {
		box_err_free(xerr);
		*err = TAKE_PTR(j->inflate_err);
		return j->inflate_result;
	}
	if (xr < 0) {
		*err = xerr;
		return xr;
	}
	if (!streq(j->tar_digest, j->diff_id))
		return box_err_set(err, EBADMSG,
				   "layer %zu unpacks to %s, but the image config says %s",
				   j->index, j->tar_digest, j->diff_id);
	return 0;
}

static la_ssize_t tar_read(struct archive *a, void *arg, const void **buf)
{
	struct layer_job *j = arg;
	ssize_t n = read_q(j, j->tarq, buf);
	if (n < 0) {
		archive_set_error(a, (int)-n, "read layer: %s", strerror((int)-n));
		return -1;
	}
	return n;
}

/* Unpack the tar stream the inflate thread hands over (no filters: it is plain tar). */
static int extract_tar(struct layer_job *j, int dfd, struct layer_stats *st, struct box_err **err)
{
	struct layer_opts o = { 0 };
	struct archive *a = archive_read_new();
	int r;

	archive_read_support_format_tar(a);
	if (archive_read_open(a, j, NULL, tar_read, NULL) != ARCHIVE_OK)
		r = box_err_set(err, EBADMSG, "layer %zu: %s", j->index, archive_error_string(a));
	else
		r = layer_extract(a, dfd, &o, st, err);
	archive_read_free(a);
	return r;
}

/* Download + inflate + extract into a fresh .tmp dir; verified before the caller renames. */
static int fetch_layer(struct layer_job *j, const char *tmp, struct box_err **err)
{
	struct layer_stats st = { 0 };
	struct box_err *xerr = NULL;
	_cleanup_close_ int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const void *rest;
	int r;

	if (dfd < 0)
		return box_err_set(err, errno, "open '%s'", tmp);
	(void)fchmod(dfd, 0755);
	if ((r = start_threads(j, err)) < 0)
		return r;
	int xr = extract_tar(j, dfd, &st, &xerr);
	/* Read what the extractor left (tar padding, trailing bytes) so the diff_id covers the
	 * whole stream; after a refused layer, so the blob digest can tell a corrupted
	 * download from a hostile image. Bounded by the manifest's size. */
	while (read_q(j, j->tarq, &rest) > 0)
		;
	bq_close_read(j->tarq);
	pthread_join(j->inflate_thread, NULL);
	bq_close_read(j->dlq);
	pthread_join(j->dl_thread, NULL);
	queues_free(j);
	j->disk_bytes = st.bytes;
	return layer_result(j, xr, xerr, err);
}

static void *job_thread(void *arg)
{
	struct layer_job *j = arg;
	struct pull *p = j->p;
	_cleanup_free_ char *tmp = xasprintf("%s/layers/.tmp-XXXXXX", p->dir);
	_cleanup_free_ char *dest = xasprintf("%s/layers/%s", p->dir, j->diff_id + 7);
	int r;

	j->start_ns = now_ns();
	if (!mkdtemp(tmp)) {
		r = box_err_set(&j->err, errno, "create '%s'", tmp);
	} else {
		r = fetch_layer(j, tmp, &j->err);
		if (r == 0)
			r = layer_publish(tmp, dest, &j->err);
		if (r < 0)
			rm_rf(tmp, NULL);
	}
	pthread_mutex_lock(&p->lock);
	j->end_ns = now_ns();
	j->state = r < 0 ? JOB_FAILED : JOB_DONE;
	if (r < 0)
		atomic_store(&p->abort, true);
	p->running--;
	note(j);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/*
 * How many layers download and unpack at once. A job keeps about one core busy at
 * most (inflate and extraction overlap its download), and it waits on the network
 * and the disk part of the time: twice the cores, at least MIN_PARALLEL.
 */
static size_t pull_parallel(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 0 ? 2 * (size_t)cpus : MIN_PARALLEL;
	return n < MIN_PARALLEL ? MIN_PARALLEL : n > MAX_PARALLEL ? MAX_PARALLEL : n;
}

static int wait_jobs(struct pull *p)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 100 * 1000 * 1000;
	if (ts.tv_nsec >= 1000 * 1000 * 1000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000 * 1000 * 1000;
	}
	return pthread_cond_timedwait(&p->cond, &p->lock, &ts);
}

static int run_jobs(struct pull *p, struct box_err **err)
{
	size_t next = 0, parallel = pull_parallel();

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->running < parallel && next < p->n_jobs && !atomic_load(&p->abort)) {
			struct layer_job *j = &p->jobs[p->order[next++]];
			if (j->state == JOB_EXISTS)
				continue;
			j->state = JOB_RUNNING;
			note(j);
			if (pthread_create(&j->thread, NULL, job_thread, j) != 0) {
				j->state = JOB_FAILED;
				box_err_set(&j->err, EAGAIN, "start layer thread");
				atomic_store(&p->abort, true);
				break;
			}
			j->started = true;
			p->running++;
		}
		if (p->running == 0 && (next == p->n_jobs || atomic_load(&p->abort)))
			break;
		wait_jobs(p);
		draw(p);
	}
	pthread_mutex_unlock(&p->lock);
	for (size_t i = 0; i < p->n_jobs; i++) {
		if (p->jobs[i].started)
			pthread_join(p->jobs[i].thread, NULL);
	}
	draw(p);
	/* Report the layer that failed first, not the ones stopped because of it. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < p->n_jobs; i++) {
			struct layer_job *j = &p->jobs[i];
			if (j->state != JOB_FAILED || !j->err ||
			    (pass == 0 && j->err->code == ECANCELED))
				continue;
			*err = TAKE_PTR(j->err);
			return -(*err)->code;
		}
	}
	return 0;
}

/* ---- manifest and config ---- */

static int open_registry(struct pull *p, struct box_err **err)
{
	struct registry_opts o = { .name = p->ref->registry };
	const struct image_registry_settings *c = image_registry_settings(p->settings, o.name);
	if (c) {
		o.mirror = c->mirror;
		o.insecure = c->insecure;
	}
	return registry_new(&o, &p->reg, err);
}

/* Tag or digest -> the platform's manifest (through an index when there is one). */
static int fetch_manifest(struct pull *p, char **ret, size_t *ret_len, char *ret_digest,
			  struct box_err **err)
{
	const char *want = p->ref->digest ? p->ref->digest : p->ref->tag;
	_cleanup_free_ char *body = NULL, *type = NULL;
	size_t len;
	int r = registry_get_manifest(p->reg, p->ref->repository, want, &body, &len, &type, err);
	if (r < 0)
		return r;
	if (p->ref->digest && (r = verify_digest("manifest", body, len, p->ref->digest, err)) < 0)
		return r;
	int kind = oci_doc_kind(type, body, len, err);
	if (kind < 0)
		return kind;
	if (kind == OCI_DOC_INDEX) {
		struct oci_index *idx = NULL;
		const struct oci_descriptor *d;
		r = oci_index_parse_buffer(body, len, &idx, err);
		if (r == 0)
			r = oci_index_select(idx, "linux", oci_host_arch(), oci_host_variant(), &d,
					     err);
		_cleanup_free_ char *digest = r == 0 ? xstrdup(d->digest) : NULL;
		oci_index_free(idx);
		if (r < 0)
			return r;
		free(body);
		free(type);
		body = type = NULL;
		r = registry_get_manifest(p->reg, p->ref->repository, digest, &body, &len, &type,
					  err);
		if (r == 0)
			r = verify_digest("platform manifest", body, len, digest, err);
		if (r == 0 && (kind = oci_doc_kind(type, body, len, err)) != OCI_DOC_MANIFEST)
			r = kind < 0 ? kind
				     : box_err_set(err, EPROTO, "index entry is another index");
		if (r < 0)
			return r;
	}
	sha256_digest(body, len, ret_digest);
	*ret_len = len;
	*ret = TAKE_PTR(body);
	return 0;
}

static int fetch_config(struct pull *p, const struct oci_manifest *m, struct oci_image_config **ret,
			struct box_err **err)
{
	_cleanup_free_ char *body = NULL;
	size_t len;
	if (m->config.size > OCI_CONFIG_MAX)
		return box_err_set(err, EFBIG, "image config is too large (%" PRIu64 " bytes)",
				   m->config.size);
	int r = registry_get_blob(p->reg, p->ref->repository, m->config.digest, OCI_CONFIG_MAX,
				  &body, &len, err);
	if (r == 0)
		r = verify_digest("image config", body, len, m->config.digest, err);
	if (r == 0)
		r = oci_config_parse_buffer(body, len, ret, err);
	if (r == 0 && (*ret)->n_diff_ids != m->n_layers) {
		r = box_err_set(err, EPROTO, "manifest has %zu layers but the config lists %zu",
				m->n_layers, (*ret)->n_diff_ids);
		*ret = oci_config_free(*ret);
	}
	if (r == 0)
		r = store_blob(p, m->config.digest, body, len, err);
	return r;
}

static void clean_leftovers(const char *dir)
{
	static const char *const subs[] = { "layers", "blobs/sha256", "images" };
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", dir, subs[i]);
		_cleanup_closedir_ DIR *dd = opendir(d);
		struct dirent *de;
		while (dd && (de = readdir(dd))) {
			if (!str_startswith(de->d_name, ".tmp-") && !strstr(de->d_name, ".tmp."))
				continue;
			_cleanup_free_ char *e = xasprintf("%s/%s", d, de->d_name);
			log_debug("removing leftover of an interrupted pull: %s", e);
			rm_rf(e, NULL);
		}
	}
}

static int write_record(struct pull *p, const char *digest, const struct oci_manifest *m,
			const struct oci_image_config *c, struct box_err **err)
{
	struct image_record rec = {
		.ref = p->canonical,
		.digest = (char *)digest,
		.config_digest = m->config.digest,
		.diff_ids = c->diff_ids,
		.n_layers = c->n_diff_ids,
		.tag = p->ref->tag,
		.created = (int64_t)time(NULL),
	};
	_cleanup_free_ char *name = ref_name(p->ref);
	_cleanup_free_ uint64_t *sizes = xcalloc(c->n_diff_ids + 1, sizeof(uint64_t));
	rec.repository = name;
	rec.layer_sizes = sizes;
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		sizes[i] = p->jobs[i].disk_bytes;
		rec.size += sizes[i];
	}
	int r = store_record_write(&rec, err);
	if (r == 0) {
		_cleanup_free_ char *path = store_record_path(p->canonical);
		if (chown(path, p->uid, p->gid) < 0)
			log_debug("chown %s: %m", path);
	}
	return r;
}

/* Size of a stored layer as another image's record has it (what its pull counted),
 * else measured. */
static uint64_t known_size(const char *dir, const char *diff_id)
{
	struct image_record *list = NULL;
	size_t n = 0;
	uint64_t size = 0;
	bool found = false;
	if (store_list(&list, &n, NULL) == 0) {
		for (size_t i = 0; i < n && !found; i++) {
			for (size_t k = 0; k < list[i].n_layers && !found; k++) {
				found = streq(list[i].diff_ids[k], diff_id);
				size = list[i].layer_sizes[k];
			}
		}
		image_record_list_free(list, n);
	}
	return found ? size : du_content_bytes(dir);
}

/* The order jobs start in: the largest blob first (ties in image order), so the
 * longest job never starts last. */
static void order_jobs(struct pull *p)
{
	p->order = xcalloc(p->n_jobs, sizeof(*p->order));
	for (size_t i = 0; i < p->n_jobs; i++) {
		size_t k = i;
		for (; k > 0 && p->jobs[p->order[k - 1]].desc->size < p->jobs[i].desc->size; k--)
			p->order[k] = p->order[k - 1];
		p->order[k] = i;
	}
}

static int pull_layers(struct pull *p, const struct oci_manifest *m,
		       const struct oci_image_config *c, struct box_err **err)
{
	p->n_jobs = m->n_layers;
	p->jobs = xcalloc(p->n_jobs, sizeof(*p->jobs));
	for (size_t i = 0; i < p->n_jobs; i++) {
		struct layer_job *j = &p->jobs[i];
		_cleanup_free_ char *dest = xasprintf("%s/layers/%s", p->dir, c->diff_ids[i] + 7);
		j->p = p;
		j->index = i;
		j->desc = &m->layers[i];
		j->diff_id = c->diff_ids[i];
		/* The same diff_id twice in one image is extracted once. */
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup = dup || streq(c->diff_ids[k], c->diff_ids[i]);
		if (dup || is_dir(dest)) {
			j->state = JOB_EXISTS;
			j->disk_bytes = dup ? 0 : known_size(dest, j->diff_id);
			note(j);
		}
	}
	order_jobs(p);
	int r = run_jobs(p, err);
	free(p->order);
	p->order = NULL;
	for (size_t i = 0; i < p->n_jobs; i++) {
		EVP_MD_CTX_free(p->jobs[i].dl_md);
		EVP_MD_CTX_free(p->jobs[i].tar_md);
		box_err_free(p->jobs[i].err);
		box_err_free(p->jobs[i].dl_err);
		box_err_free(p->jobs[i].inflate_err);
	}
	return r;
}

static int pull_child(struct spawn_ctx *ctx, struct box_err **err)
{
	struct pull *p = ctx->arg;
	_cleanup_free_ char *body = NULL;
	size_t len;
	char digest[LAYER_DIGEST_LEN];
	struct oci_manifest *m = NULL;
	struct oci_image_config *c = NULL;

	/* Die with the box process: a killed pull must not go on writing behind its back. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
		return box_err_set(err, ESRCH, "the pull was interrupted");
	signal(SIGPIPE, SIG_IGN);
	clean_leftovers(p->dir);
	p->max_layer =
	    layer_cap(p->settings ? p->settings->max_layer_size : 0, p->dir, &p->cap_why);
	if (p->progress)
		log_out("Trying to pull %s...\n", p->canonical);
	int r = open_registry(p, err);
	if (r == 0)
		r = fetch_manifest(p, &body, &len, digest, err);
	if (r == 0)
		r = oci_manifest_parse_buffer(body, len, &m, err);
	if (r == 0)
		r = fetch_config(p, m, &c, err);
	if (r == 0 && p->progress)
		log_out("Getting image source signatures\n");
	if (r == 0)
		r = pull_layers(p, m, c, err);
	if (r == 0)
		r = store_blob(p, digest, body, len, err);
	if (r == 0)
		r = write_record(p, digest, m, c, err);
	if (r == 0 && p->progress)
		log_out("Writing manifest to image destination\n");
	oci_manifest_free(m);
	oci_config_free(c);
	registry_free(p->reg);
	return r < 0 ? r : 0;
}

int store_pull(const struct image_settings *is, const char *input, bool show_progress,
	       struct image_info **ret, struct box_err **err)
{
	struct pull p = {
		.settings = is, .progress = show_progress, .uid = getuid(), .gid = getgid()
	};
	struct box_ids ids;
	_cleanup_free_ char *canonical = NULL;
	int r = store_resolve_ref(is, input, &canonical, err);
	if (r < 0)
		return r;
	r = ref_parse(canonical, &p.ref, err);
	if (r < 0)
		return r;
	p.canonical = canonical;
	p.dir = store_dir();
	p.tty = log_out_tty();
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	r = store_make_dirs(p.dir, err);
	_cleanup_close_ int lock = r < 0 ? -1 : store_lock(err);
	if (r == 0 && lock < 0)
		r = lock;
	if (r == 0 && (r = ids_load(&ids, err)) == 0) {
		r = spawn_userns_wait(&ids, 0, pull_child, &p, err);
		ids_done(&ids);
		if (r > 0)
			r = box_err_set(err, EIO, "pull of '%s' failed (status %d)", canonical, r);
	}
	if (r == 0 && ret)
		r = store_lookup(NULL, canonical, ret, err);
	ref_free(p.ref);
	free(p.dir);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	return r < 0 ? r : 0;
}
