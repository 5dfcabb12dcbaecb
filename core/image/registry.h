/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An OCI distribution (registry v2) client on libcurl: manifests and blobs, the
 * anonymous and credentialed bearer-token challenge, Basic auth, credentials from
 * the files podman and docker write, mirror routing, redirects, bounded retries.
 * A client is per registry; blob streams may run from several threads at once.
 */
#ifndef BOX_REGISTRY_H
#define BOX_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

struct registry;

struct registry_opts {
	const char *name;   /* registry as named in the reference: docker.io, quay.io, host:port */
	const char *mirror; /* http(s)://host[:port] to send requests to instead, or NULL */
	bool insecure;	    /* plain http allowed, TLS not verified */
};

/* A parsed WWW-Authenticate challenge. */
struct registry_challenge {
	char *scheme; /* "bearer" or "basic", lowercased */
	char *realm;
	char *service;
	char *scope;
};

/* Receives blob bytes as they arrive; return < 0 to abort the transfer with that error. */
typedef int (*registry_sink_fn)(const void *data, size_t len, void *userdata);

int registry_new(const struct registry_opts *opts, struct registry **ret, struct box_err **err);
struct registry *registry_free(struct registry *r);
/* "docker.io" or "docker.io (http://127.0.0.1:5000)": how messages name this registry. */
const char *registry_display(const struct registry *r);

/* GET a manifest by tag or digest. ret_type is the Content-Type (may be NULL). */
int registry_get_manifest(struct registry *r, const char *repo, const char *reference,
			  char **ret_body, size_t *ret_len, char **ret_type, struct box_err **err);
/* GET a small blob (a config) into memory, at most max bytes. */
int registry_get_blob(struct registry *r, const char *repo, const char *digest, size_t max,
		      char **ret_body, size_t *ret_len, struct box_err **err);
/* Stream a blob into sink. Retries only before the first byte was delivered. */
int registry_stream_blob(struct registry *r, const char *repo, const char *digest,
			 registry_sink_fn sink, void *userdata, struct box_err **err);

/*
 * One request for push (core/image/push.c): method HEAD, POST, or PUT or PATCH with
 * a body (from memory, from body_fd when that is >= 0, or from body_read) to path
 * ("/v2/..."), with the same auth, mirror and retry rules as the rest. Every HTTP
 * answer returns 0 with status, the Location header and the body (an error
 * document) set; the caller frees location and response.
 *
 * body_read gives a body of unknown length, sent chunked as it comes: it fills buf
 * with up to len bytes and returns how many, 0 at the end, < 0 (-errno) to abort.
 * Bytes it gave cannot be asked for again, so once it gave one the request is not
 * retried: a failure after that is the caller's to report.
 */
struct registry_call {
	const char *method;
	const char *repo;
	const char *path;
	const char *content_type;
	const char *body;
	int body_fd;
	uint64_t body_size;
	ssize_t (*body_read)(void *buf, size_t len, void *arg);
	void *body_arg;
	void (*progress)(uint64_t done, uint64_t total, void *arg);
	void *progress_arg;
	long status;
	char *location;
	char *response;
};
int registry_call(struct registry *r, struct registry_call *k, struct box_err **err);
/* scheme://host[:port] that requests go to (a Location is made relative to it). */
const char *registry_base(const struct registry *r);

/* Pure parsers (unit tested and fuzzed). */
int registry_parse_challenge(const char *header, struct registry_challenge *ret,
			     struct box_err **err);
void registry_challenge_done(struct registry_challenge *c);
/* Credentials for host from an auth.json / docker config.json buffer: the decoded
 * "user:password" of auths[host].auth. -ENOENT when the file has none for host. */
int registry_auth_parse_buffer(const char *buf, size_t len, const char *host, char **ret_user,
			       char **ret_password, struct box_err **err);

#endif
