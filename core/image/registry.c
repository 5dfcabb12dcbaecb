/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Registry v2 client over libcurl. One easy handle per request, so blob streams
 * can run from several threads; the per-repository bearer tokens are shared under
 * a mutex. Credentials go only to the host they were stored for (a mirror gets
 * the mirror's, never the registry's) and only to that host: redirects are followed
 * here, not by libcurl, and a redirect target (blob downloads are commonly sent to
 * a CDN) is asked without credentials, and its 401 is an error, never a token
 * challenge whose realm would get our password. A blob stream that breaks after
 * some bytes resumes with a Range request. What the client knows of who it is to
 * the registry (credentials, the Basic flag, the tokens) is registry_auth.c's;
 * the token request, an HTTP exchange like the others, is here.
 */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../util/fs.h"
#include "oci.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "registry.h"
#include "registry_auth.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define MAX_TRIES	4
#define CONNECT_TIMEOUT 5L
#define ERROR_BODY_MAX	(64u << 10)
#define TOKEN_MAX	(1u << 20)
#define MAX_REDIRECTS	8
#define UPLOAD_BUFFER	(1L << 20) /* what curl reads of a body at once (its default: 64 KiB) */

struct registry {
	char *name;
	char *display;
	char *base; /* scheme://host[:port], no trailing slash */
	bool insecure;
	bool https_probed;    /* insecure https->http fallback decided */
	pthread_mutex_t lock; /* guards base and https_probed */
	struct registry_auth auth;
};

struct req {
	struct registry *r;
	CURL *curl;
	const char *repo;
	const char *path;      /* /v2/... */
	const char *not_found; /* message for 404 */
	char *url;
	char *location;	     /* a redirect target: asked without credentials */
	char *next_location; /* the Location of the last response */
	const char *accept;
	/* body into memory (sink == NULL), or streamed */
	char *buf;
	size_t len, max;
	registry_sink_fn sink;
	void *ud;
	bool delivered;
	uint64_t got;	   /* bytes handed to sink over all attempts */
	uint64_t offset;   /* this attempt asks for the blob from here (Range) */
	uint64_t skip;	   /* bytes of this response the sink already had */
	bool body_started; /* the first body byte of this response was seen */
	int64_t range_start;
	int sink_err;
	/* response */
	long status;
	long os_errno; /* errno of a failed connect */
	char *content_type;
	char *www_auth;
	char *upload_location;		  /* the Location of a 202 (registry_call) */
	const struct registry_call *call; /* registry_call(): method, body, any status */
	uint64_t body_off;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *host_of_url(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	return xstrndup(p, strcspn(p, "/"));
}

int registry_new(const struct registry_opts *o, struct registry **ret, struct box_err **err)
{
	pthread_once(&curl_once, curl_init_once);
	if (o->mirror && !str_startswith(o->mirror, "http://") &&
	    !str_startswith(o->mirror, "https://"))
		return box_err_set(err, EINVAL,
				   "mirror '%s' for %s must start with http:// or https://",
				   o->mirror, o->name);
	if (o->mirror && str_startswith(o->mirror, "http://") && !o->insecure)
		return box_err_set(err, EINVAL,
				   "mirror '%s' for %s uses plain http: set 'insecure = true' in "
				   "[registry \"%s\"] to allow it",
				   o->mirror, o->name, o->name);
	struct registry *r = xzalloc(sizeof(*r));
	r->name = xstrdup(o->name);
	r->insecure = o->insecure;
	pthread_mutex_init(&r->lock, NULL);
	if (o->mirror) {
		r->base = xstrdup(o->mirror);
		size_t l = strlen(r->base);
		while (l > 0 && r->base[l - 1] == '/')
			r->base[--l] = '\0';
		r->display = xasprintf("%s (%s)", o->name, r->base);
		r->https_probed = true;
		/* The mirror's own credentials or none: the registry's are for the registry. */
		_cleanup_free_ char *mh = host_of_url(r->base);
		registry_auth_init(&r->auth, mh);
	} else {
		r->base = xasprintf("https://%s",
				    streq(o->name, "docker.io") ? "registry-1.docker.io" : o->name);
		r->display = xstrdup(o->name);
		r->https_probed = !o->insecure;
		registry_auth_init(&r->auth, o->name);
	}
	*ret = r;
	return 0;
}

struct registry *registry_free(struct registry *r)
{
	if (!r)
		return NULL;
	registry_auth_done(&r->auth);
	pthread_mutex_destroy(&r->lock);
	free(r->name);
	free(r->display);
	free(r->base);
	free(r);
	return NULL;
}

const char *registry_base(const struct registry *r)
{
	return r->base;
}

const char *registry_display(const struct registry *r)
{
	return r->display;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct req *q = ud;
	size_t len = size * n;
	_cleanup_free_ char *line = xstrndup(data, len);
	str_strip(line);
	if (str_startswith(line, "HTTP/")) {
		/* A new response (after a redirect or 100): forget the previous headers. */
		free(q->content_type);
		free(q->www_auth);
		free(q->upload_location);
		q->content_type = q->www_auth = q->upload_location = NULL;
	} else if (!strncasecmp(line, "location:", 9)) {
		free(q->upload_location);
		q->upload_location = xstrdup(str_strip(line + 9));
	} else if (!strncasecmp(line, "content-type:", 13)) {
		free(q->content_type);
		q->content_type = xstrdup(str_strip(line + 13));
	} else if (!strncasecmp(line, "www-authenticate:", 17)) {
		free(q->www_auth);
		q->www_auth = xstrdup(str_strip(line + 17));
	} else if (!strncasecmp(line, "content-range:", 14)) {
		/* "bytes START-END/TOTAL": where a 206 answer starts */
		const char *v = str_strip(line + 14);
		unsigned long long start;
		if (!strncasecmp(v, "bytes ", 6) && sscanf(v + 6, "%llu-", &start) == 1)
			q->range_start = (int64_t)start;
	}
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct req *q = ud;
	size_t len = size * n;
	long status = 0;
	curl_easy_getinfo(q->curl, CURLINFO_RESPONSE_CODE, &status);
	if (q->sink && status >= 200 && status < 300) {
		if (!q->body_started) {
			q->body_started = true;
			/* A resumed stream: a 206 must start where we asked, a 200 (Range
			 * ignored) starts over and its first bytes are skipped. */
			if (q->offset && status == 206 && q->range_start != (int64_t)q->offset) {
				q->sink_err = -EPROTO;
				return 0;
			}
			q->skip = q->offset && status == 200 ? q->offset : 0;
		}
		if (q->skip >= len) {
			q->skip -= len;
			return len;
		}
		data += q->skip;
		size_t part = len - q->skip;
		q->skip = 0;
		int r = q->sink(data, part, q->ud);
		if (r < 0) {
			q->sink_err = r;
			return 0;
		}
		q->delivered = true;
		q->got += part;
		return len;
	}
	size_t max = (status >= 200 && status < 300) ? q->max : ERROR_BODY_MAX;
	if (q->len + len > max) {
		q->sink_err = -EFBIG;
		return 0;
	}
	q->buf = xrealloc(q->buf, q->len + len + 1);
	memcpy(q->buf + q->len, data, len);
	q->len += len;
	q->buf[q->len] = '\0';
	return len;
}

static void req_reset(struct req *q)
{
	free(q->buf);
	free(q->content_type);
	free(q->www_auth);
	free(q->url);
	free(q->next_location);
	free(q->upload_location);
	q->buf = q->content_type = q->www_auth = q->url = q->next_location = NULL;
	q->upload_location = NULL;
	q->body_started = false;
	q->range_start = -1;
	q->body_off = 0;
	q->len = 0;
	q->status = 0;
	q->os_errno = 0;
	q->sink_err = 0;
	q->errbuf[0] = '\0';
}

static void req_done(struct req *q)
{
	req_reset(q);
	free(q->location);
	q->location = NULL;
}

static void set_common(CURL *c, struct req *q, bool insecure)
{
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "box/0.1");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	/* A stalled transfer (under 1 KB/s for 30 s) fails instead of hanging. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	if (insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static size_t on_upload(char *buf, size_t size, size_t n, void *ud)
{
	struct req *q = ud;
	const struct registry_call *k = q->call;
	uint64_t left = k->body_size - q->body_off;
	size_t want = MIN(size * n, (size_t)MIN(left, (uint64_t)SIZE_MAX));
	ssize_t got;

	if (k->body_read) {
		if ((got = k->body_read(buf, size * n, k->body_arg)) < 0)
			return CURL_READFUNC_ABORT;
	} else if (k->body_fd < 0) {
		memcpy(buf, k->body + q->body_off, want);
		got = (ssize_t)want;
	} else if ((got = pread(k->body_fd, buf, want, (off_t)q->body_off)) < 0)
		return CURL_READFUNC_ABORT;
	q->body_off += (uint64_t)got;
	if (k->progress)
		k->progress(q->body_off, k->body_size, k->progress_arg);
	return (size_t)got;
}

/* The method and body of a registry_call(); returns the header list to free. */
static struct curl_slist *call_setup(CURL *c, struct req *q, struct curl_slist *hdrs)
{
	const struct registry_call *k = q->call;
	_cleanup_free_ char *ct =
	    k->content_type ? xasprintf("Content-Type: %s", k->content_type) : NULL;

	if (streq(k->method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (streq(k->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	} else if (streq(k->method, "PUT") || streq(k->method, "PATCH")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		if (streq(k->method, "PATCH"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PATCH");
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
		curl_easy_setopt(c, CURLOPT_READDATA, q);
		/* -1, a body_read's: sent chunked */
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
				 k->body_read ? (curl_off_t)-1 : (curl_off_t)k->body_size);
		curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, UPLOAD_BUFFER);
	}
	if (ct)
		hdrs = curl_slist_append(hdrs, ct);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	return hdrs;
}

static CURLcode perform_once(struct req *q)
{
	struct registry *r = q->r;
	struct curl_slist *hdrs = NULL;
	_cleanup_free_ char *accept = NULL;
	_cleanup_free_ char *token = q->repo ? registry_auth_token(&r->auth, q->repo) : NULL;

	_cleanup_free_ char *range = q->offset ? xasprintf("%" PRIu64 "-", q->offset) : NULL;

	req_reset(q);
	pthread_mutex_lock(&r->lock);
	q->url = q->location ? xstrdup(q->location) : xasprintf("%s%s", r->base, q->path);
	pthread_mutex_unlock(&r->lock);
	bool basic = registry_auth_basic(&r->auth);
	CURL *c = curl_easy_init();
	if (!c)
		abort();
	q->curl = c;
	set_common(c, q, r->insecure);
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	if (q->accept) {
		accept = xasprintf("Accept: %s", q->accept);
		hdrs = curl_slist_append(hdrs, accept);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	if (range)
		curl_easy_setopt(c, CURLOPT_RANGE, range);
	if (q->call)
		hdrs = call_setup(c, q, hdrs);
	if (q->location) {
		/* another host (or path) the registry sent us to: no credentials */
	} else if (token) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, token);
	} else if (basic) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->auth.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->auth.password);
	}
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &q->status);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &q->os_errno);
	char *loc = NULL;
	if (cc == CURLE_OK && q->status >= 300 && q->status < 400 &&
	    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		q->next_location = xstrdup(loc);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	q->curl = NULL;
	return cc;
}

static bool retryable(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
	       cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING ||
	       cc == CURLE_PARTIAL_FILE || cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_HTTP2 ||
	       cc == CURLE_HTTP2_STREAM;
}

static bool tls_failure(CURLcode cc)
{
	return cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION ||
	       cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_SSL_CIPHER ||
	       cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_RECV_ERROR;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, 250L * 1000 * 1000 };
	for (int i = 1; i < attempt && ts.tv_sec < 2; i++) {
		ts.tv_nsec *= 2;
		if (ts.tv_nsec >= 1000L * 1000 * 1000) {
			ts.tv_sec += ts.tv_nsec / (1000L * 1000 * 1000);
			ts.tv_nsec %= 1000L * 1000 * 1000;
		}
	}
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int net_error(struct registry *r, struct req *q, CURLcode cc, struct box_err **err)
{
	const char *detail = q->errbuf[0] ? q->errbuf : curl_easy_strerror(cc);
	if (cc == CURLE_COULDNT_CONNECT)
		return box_err_set(err, q->os_errno ? q->os_errno : EHOSTUNREACH, "cannot reach %s",
				   r->display);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return box_err_set(err, ETIMEDOUT, "cannot reach %s (%s)", r->display, detail);
	if (cc == CURLE_COULDNT_RESOLVE_HOST)
		return box_err_set(err, EHOSTUNREACH,
				   "cannot reach %s: cannot resolve the host name", r->display);
	if (cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR)
		return box_err_set(err, EPROTO,
				   "TLS with %s failed (%s); for a registry with a self-signed "
				   "certificate set 'insecure = true' in its [registry] section",
				   r->display, detail);
	if (q->call) /* the path without its query (an upload's state is long) */
		return box_err_set(err, EIO, "%s %.*s to %s failed: %s", q->call->method,
				   (int)strcspn(q->path, "?"), q->path, r->display, detail);
	return box_err_set(err, EIO, "download from %s failed: %s", r->display, detail);
}

static int http_error(struct registry *r, struct req *q, struct box_err **err)
{
	if (q->status == 401 || q->status == 403)
		return box_err_set(err, EACCES,
				   "authentication required for %s: log in with podman login / "
				   "docker login",
				   r->name);
	if (q->status == 404)
		return box_err_set(err, ENOENT, "%s", q->not_found);
	if (q->status == 429)
		return box_err_set(err, EAGAIN,
				   "rate limited by %s: too many requests, try again "
				   "later",
				   r->display);
	return box_err_set(err, EPROTO, "%s answered HTTP %ld for %s", r->display, q->status,
			   q->path);
}

static int fetch_token(struct registry *r, const char *repo, const struct registry_challenge *ch,
		       struct box_err **err)
{
	if (!str_startswith(ch->realm, "https://") &&
	    !(r->insecure && str_startswith(ch->realm, "http://")))
		return box_err_set(err, EPROTO, "%s sent an insecure token realm '%s'", r->display,
				   ch->realm);
	CURL *c = curl_easy_init();
	struct req q = { .r = r, .max = TOKEN_MAX, .not_found = "token service not found" };
	_cleanup_free_ char *scope =
	    ch->scope ? xstrdup(ch->scope) : xasprintf("repository:%s:pull", repo);
	char *es = curl_easy_escape(c, scope, 0);
	char *sv = ch->service ? curl_easy_escape(c, ch->service, 0) : NULL;
	q.url = xasprintf("%s%c%s%s%sscope=%s", ch->realm, strchr(ch->realm, '?') ? '&' : '?',
			  sv ? "service=" : "", sv ? sv : "", sv ? "&" : "", es);
	q.path = q.url;
	curl_free(es);
	curl_free(sv);
	q.curl = c;
	set_common(c, &q, r->insecure);
	/* libcurl drops the password when a realm redirects to another host */
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, r->insecure ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_URL, q.url);
	if (r->auth.user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->auth.user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->auth.password);
	}
	CURLcode cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &q.status);
	curl_easy_cleanup(c);
	int ret;
	_cleanup_free_ char *token = NULL;
	if (cc != CURLE_OK)
		ret = box_err_set(err, cc == CURLE_COULDNT_CONNECT ? ECONNREFUSED : EIO,
				  "cannot reach the token service of %s (%s)", r->display,
				  q.errbuf[0] ? q.errbuf : curl_easy_strerror(cc));
	else if (q.status < 200 || q.status >= 300)
		ret = http_error(r, &q, err);
	else if (registry_auth_token_from_json(q.buf ? q.buf : "", q.len, &token) < 0)
		ret = box_err_set(err, EPROTO, "the token service of %s sent no token", r->display);
	else {
		registry_auth_put_token(&r->auth, repo, token);
		ret = 0;
	}
	q.curl = NULL;
	q.path = NULL;
	req_reset(&q);
	return ret;
}

/* Answer a 401: get a token, or switch to Basic when that is what the registry wants. */
static int authenticate(struct registry *r, struct req *q, struct box_err **err)
{
	struct registry_challenge ch = { 0 };
	if (!q->www_auth || registry_parse_challenge(q->www_auth, &ch, NULL) < 0)
		return http_error(r, q, err);
	int ret;
	if (streq(ch.scheme, "bearer") && q->repo) {
		ret = fetch_token(r, q->repo, &ch, err);
	} else if (streq(ch.scheme, "basic") && r->auth.user) {
		registry_auth_use_basic(&r->auth);
		ret = 0;
	} else {
		ret = http_error(r, q, err);
	}
	registry_challenge_done(&ch);
	return ret;
}

/* Follow the Location of a 3xx answer: without credentials, https only unless insecure. */
static int follow(struct registry *r, struct req *q, int *hops, struct box_err **err)
{
	if (++*hops > MAX_REDIRECTS)
		return box_err_set(err, EPROTO, "%s: too many redirects for %s", r->display,
				   q->path);
	if (!str_startswith(q->next_location, "https://") &&
	    !(r->insecure && str_startswith(q->next_location, "http://"))) {
		_cleanup_free_ char *shown = str_escape(q->next_location);
		return box_err_set(err, EPROTO, "%s redirected %s to '%s', which is not https",
				   r->display, q->path, shown);
	}
	free(q->location);
	q->location = TAKE_PTR(q->next_location);
	return 0;
}

/* Before another attempt: start again at the registry, and go on from the last byte
 * delivered when a stream broke half way (Range). */
static void prepare_retry(struct req *q, int attempt, int *hops)
{
	log_debug("%s: %s, retrying", q->url, q->status ? "server error" : "transfer failed");
	free(q->location);
	q->location = NULL;
	*hops = 0;
	q->offset = q->got;
	backoff(attempt);
}

static int request(struct req *q, struct box_err **err)
{
	struct registry *r = q->r;
	bool authed = false;
	int hops = 0;

	for (int attempt = 0;;) {
		CURLcode cc = perform_once(q);
		if (q->sink_err < 0)
			return box_err_set(err, -q->sink_err, "receive %s%s", r->display, q->path);
		/* a stream's bytes are gone: whatever the answer, it is the only one */
		if (q->call && q->call->body_read && q->body_off > 0)
			return cc == CURLE_OK ? 0 : net_error(r, q, cc, err);
		if (cc != CURLE_OK && !r->https_probed && tls_failure(cc) &&
		    str_startswith(r->base, "https://")) {
			/* insecure registry without TLS: talk plain http from now on */
			pthread_mutex_lock(&r->lock);
			char *b = xasprintf("http://%s", r->base + 8);
			free(r->base);
			r->base = b;
			r->https_probed = true;
			pthread_mutex_unlock(&r->lock);
			continue;
		}
		bool again = !q->delivered || q->sink;
		if (cc != CURLE_OK) {
			if (retryable(cc) && again && ++attempt < MAX_TRIES) {
				prepare_retry(q, attempt, &hops);
				continue;
			}
			return net_error(r, q, cc, err);
		}
		r->https_probed = true;
		if (q->next_location) {
			int ret = follow(r, q, &hops, err);
			if (ret < 0)
				return ret;
			continue;
		}
		if (q->status == 401 && q->location) {
			_cleanup_free_ char *host = host_of_url(q->location);
			return box_err_set(err, EACCES,
					   "%s sent %s on to %s, which asks for credentials: box "
					   "sends credentials only to the registry itself",
					   r->display, q->path, host);
		}
		if (q->status == 401 && !authed) {
			authed = true;
			int ret = authenticate(r, q, err);
			if (ret < 0)
				return ret;
			continue;
		}
		if (q->status >= 500 && again && ++attempt < MAX_TRIES) {
			prepare_retry(q, attempt, &hops);
			continue;
		}
		if ((q->status >= 200 && q->status < 300) || q->call)
			return 0;
		return http_error(r, q, err);
	}
}

int registry_call(struct registry *r, struct registry_call *k, struct box_err **err)
{
	_cleanup_free_ char *nf = xasprintf("%s%s not found", r->display, k->path);
	struct req q = {
		.r = r, .repo = k->repo, .path = k->path, .not_found = nf, .max = 65536, .call = k
	};
	int ret = request(&q, err);

	if (ret == 0) {
		k->status = q.status;
		k->location = TAKE_PTR(q.upload_location);
		k->response = q.buf ? TAKE_PTR(q.buf) : xstrdup("");
	}
	req_reset(&q);
	return ret;
}

int registry_get_manifest(struct registry *r, const char *repo, const char *reference,
			  char **ret_body, size_t *ret_len, char **ret_type, struct box_err **err)
{
	bool by_digest = str_startswith(reference, "sha256:");
	_cleanup_free_ char *path = xasprintf("/v2/%s/manifests/%s", repo, reference);
	_cleanup_free_ char *nf = xasprintf("image not found: %s/%s%s%s", r->name, repo,
					    by_digest ? "@" : ":", reference);
	struct req q = { .r = r,
			 .repo = repo,
			 .path = path,
			 .not_found = nf,
			 .accept = OCI_MANIFEST_ACCEPT,
			 .max = OCI_MANIFEST_MAX };
	int ret = request(&q, err);
	if (ret == 0) {
		*ret_body = q.buf ? TAKE_PTR(q.buf) : xstrdup("");
		*ret_len = q.len;
		if (ret_type)
			*ret_type = TAKE_PTR(q.content_type);
	}
	req_done(&q);
	return ret;
}

int registry_get_blob(struct registry *r, const char *repo, const char *digest, size_t max,
		      char **ret_body, size_t *ret_len, struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", repo, digest);
	_cleanup_free_ char *nf = xasprintf("blob %s not found in %s/%s", digest, r->name, repo);
	struct req q = { .r = r, .repo = repo, .path = path, .not_found = nf, .max = max };
	int ret = request(&q, err);
	if (ret == 0) {
		*ret_body = q.buf ? TAKE_PTR(q.buf) : xstrdup("");
		*ret_len = q.len;
	}
	req_done(&q);
	return ret;
}

int registry_stream_blob(struct registry *r, const char *repo, const char *digest,
			 registry_sink_fn sink, void *userdata, struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("/v2/%s/blobs/%s", repo, digest);
	_cleanup_free_ char *nf = xasprintf("blob %s not found in %s/%s", digest, r->name, repo);
	struct req q = {
		.r = r, .repo = repo, .path = path, .not_found = nf, .sink = sink, .ud = userdata
	};
	int ret = request(&q, err);
	req_done(&q);
	return ret;
}
