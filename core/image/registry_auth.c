/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who box is to a registry (see registry_auth.h): the WWW-Authenticate parser, the
 * credential files of podman and docker, and the bearer tokens a client holds.
 */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "../util/macro.h"
#include "../util/paths.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "registry.h"
#include "registry_auth.h"

#define AUTH_FILE_MAX (1u << 20)

/* ---- pure parsers ---- */

void registry_challenge_done(struct registry_challenge *c)
{
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* One auth-param value: a quoted-string (with \-escapes) or a token. */
static const char *parse_value(const char *p, char **ret)
{
	size_t cap = strlen(p) + 1, n = 0;
	char *out = xmalloc(cap);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			out[n++] = *p;
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ',' && !isspace((unsigned char)*p))
			out[n++] = *p++;
	}
	out[n] = '\0';
	*ret = out;
	return p;
}

int registry_parse_challenge(const char *h, struct registry_challenge *ret, struct box_err **err)
{
	struct registry_challenge c = { 0 };
	size_t n;

	if (strlen(h) > 8192)
		return box_err_set(err, EPROTO, "authentication challenge is too long");
	while (isspace((unsigned char)*h))
		h++;
	for (n = 0; h[n] && !isspace((unsigned char)h[n]); n++)
		;
	if (n == 0)
		return box_err_set(err, EPROTO, "empty authentication challenge");
	c.scheme = xstrndup(h, n);
	for (char *s = c.scheme; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	const char *p = h + n;
	for (;;) {
		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *k = p;
		while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p))
			p++;
		size_t kl = (size_t)(p - k);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=')
			continue; /* token68 or junk: skip */
		p++;
		while (isspace((unsigned char)*p))
			p++;
		char *v;
		p = parse_value(p, &v);
		char **slot = kl == 5 && !strncasecmp(k, "realm", 5)	 ? &c.realm
			      : kl == 7 && !strncasecmp(k, "service", 7) ? &c.service
			      : kl == 5 && !strncasecmp(k, "scope", 5)	 ? &c.scope
									 : NULL;
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
	}
	if (streq(c.scheme, "bearer") && (!c.realm || !*c.realm)) {
		registry_challenge_done(&c);
		return box_err_set(err, EPROTO, "bearer challenge without a realm");
	}
	*ret = c;
	return 0;
}

/* Docker Hub is known under several names; compare them as one. */
static const char *canonical_host(const char *h)
{
	if (streq(h, "index.docker.io") || streq(h, "registry-1.docker.io") ||
	    streq(h, "registry.hub.docker.com"))
		return "docker.io";
	return h;
}

/* "https://index.docker.io/v1/" -> "index.docker.io" */
static char *auth_key_host(const char *key)
{
	if (str_startswith(key, "https://"))
		key += 8;
	else if (str_startswith(key, "http://"))
		key += 7;
	return xstrndup(key, strcspn(key, "/"));
}

static int decode_auth(const char *b64, char **ret_user, char **ret_password, struct box_err **err)
{
	size_t n = strlen(b64);
	if (n == 0 || n > 8192 || n % 4 != 0)
		return box_err_set(err, EINVAL, "credentials are not valid base64");
	_cleanup_free_ unsigned char *out = xmalloc(n / 4 * 3 + 1);
	int len = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return box_err_set(err, EINVAL, "credentials are not valid base64");
	size_t pad = 0;
	while (pad < n && b64[n - 1 - pad] == '=')
		pad++;
	if (pad > 2 || (size_t)len < pad)
		return box_err_set(err, EINVAL, "credentials are not valid base64");
	len -= (int)pad;
	out[len] = '\0';
	char *colon = memchr(out, ':', (size_t)len);
	if (!colon || memchr(out, '\0', (size_t)len))
		return box_err_set(err, EINVAL, "credentials are not user:password");
	*ret_user = xstrndup((char *)out, (size_t)(colon - (char *)out));
	*ret_password = xstrdup(colon + 1);
	return 0;
}

int registry_auth_parse_buffer(const char *buf, size_t len, const char *host, char **ret_user,
			       char **ret_password, struct box_err **err)
{
	if (len > AUTH_FILE_MAX)
		return box_err_set(err, EFBIG, "credentials file is too large");
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	bool bad = json_tokener_get_error(tok) != json_tokener_success;
	json_tokener_free(tok);
	if (!o || bad || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return box_err_set(err, EINVAL, "credentials file is not a JSON object");
	}
	struct json_object *auths;
	int r = box_err_set(NULL, ENOENT, "none");
	if (json_object_object_get_ex(o, "auths", &auths) &&
	    json_object_is_type(auths, json_type_object)) {
		json_object_object_foreach(auths, key, val)
		{
			_cleanup_free_ char *kh = auth_key_host(key);
			struct json_object *a;
			if (!streq(canonical_host(kh), canonical_host(host)) ||
			    !json_object_object_get_ex(val, "auth", &a) ||
			    !json_object_is_type(a, json_type_string))
				continue;
			r = decode_auth(json_object_get_string(a), ret_user, ret_password, err);
			break;
		}
	}
	json_object_put(o);
	return r;
}

/* ---- a client's credentials and tokens ---- */

void registry_auth_init(struct registry_auth *a, const char *host)
{
	const char *xdg_run = getenv("XDG_RUNTIME_DIR");
	const char *xdg_cfg = getenv("XDG_CONFIG_HOME");
	const char *authfile = getenv("REGISTRY_AUTH_FILE");
	_cleanup_free_ char *home = paths_home();
	char *files[5] = { 0 };
	size_t n = 0;

	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);

	if (authfile && *authfile)
		files[n++] = xstrdup(authfile);
	if (xdg_run && *xdg_run)
		files[n++] = xasprintf("%s/containers/auth.json", xdg_run);
	if (xdg_cfg && *xdg_cfg)
		files[n++] = xasprintf("%s/containers/auth.json", xdg_cfg);
	else if (home)
		files[n++] = xasprintf("%s/.config/containers/auth.json", home);
	if (home)
		files[n++] = xasprintf("%s/.docker/config.json", home);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		struct box_err *e = NULL;
		if (!a->user && fs_read_file(files[i], AUTH_FILE_MAX, &buf, &len, NULL) == 0 &&
		    registry_auth_parse_buffer(buf, len, host, &a->user, &a->password, &e) == 0)
			log_debug("registry %s: credentials from %s", host, files[i]);
		else if (e)
			log_debug("registry %s: ignoring %s: %s", host, files[i], e->msg);
		box_err_free(e);
		free(files[i]);
	}
}

void registry_auth_done(struct registry_auth *a)
{
	for (size_t i = 0; i < a->n_tokens; i++) {
		free(a->tokens[i].repo);
		free(a->tokens[i].value);
	}
	pthread_mutex_destroy(&a->lock);
	free(a->user);
	if (a->password)
		explicit_bzero(a->password, strlen(a->password));
	free(a->password);
	memset(a, 0, sizeof(*a));
}

char *registry_auth_token(struct registry_auth *a, const char *repo)
{
	char *t = NULL;
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n_tokens; i++) {
		if (streq(a->tokens[i].repo, repo)) {
			t = xstrdup(a->tokens[i].value);
			break;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return t;
}

void registry_auth_put_token(struct registry_auth *a, const char *repo, const char *value)
{
	pthread_mutex_lock(&a->lock);
	size_t i;
	for (i = 0; i < a->n_tokens; i++) {
		if (streq(a->tokens[i].repo, repo))
			break;
	}
	if (i == REGISTRY_AUTH_TOKENS)
		i = 0; /* full: reuse the oldest slot */
	if (i < a->n_tokens) {
		free(a->tokens[i].repo);
		free(a->tokens[i].value);
	} else {
		a->n_tokens++;
	}
	a->tokens[i].repo = xstrdup(repo);
	a->tokens[i].value = xstrdup(value);
	pthread_mutex_unlock(&a->lock);
}

bool registry_auth_basic(struct registry_auth *a)
{
	pthread_mutex_lock(&a->lock);
	bool basic = a->basic;
	pthread_mutex_unlock(&a->lock);
	return basic && a->user;
}

void registry_auth_use_basic(struct registry_auth *a)
{
	pthread_mutex_lock(&a->lock);
	a->basic = true;
	pthread_mutex_unlock(&a->lock);
}

int registry_auth_token_from_json(const char *buf, size_t len, char **ret)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len), *t;
	json_tokener_free(tok);
	int r = -EPROTO;
	if (o && json_object_is_type(o, json_type_object) &&
	    ((json_object_object_get_ex(o, "token", &t) &&
	      json_object_is_type(t, json_type_string)) ||
	     (json_object_object_get_ex(o, "access_token", &t) &&
	      json_object_is_type(t, json_type_string))) &&
	    json_object_get_string_len(t) > 0) {
		*ret = xstrdup(json_object_get_string(t));
		r = 0;
	}
	json_object_put(o);
	return r;
}
