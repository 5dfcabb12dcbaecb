/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Image reference parsing with Docker's normalisation rules (distribution/reference):
 * the first component is a registry when it holds a '.' or ':' or is "localhost";
 * otherwise the registry is docker.io and single names get the library/ prefix.
 * Repository components are lowercase [a-z0-9] runs joined by '.', '_', '__' or
 * dashes; tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; digests are sha256 only.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../util/log.h"
#include "ref.h"
#include "../util/xalloc.h"

#define REF_MAX_TAG 128

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One path component of a repository: alnum runs joined by '.', '_', '__' or '-'+. */
static const char *check_path_component(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return "empty path component";
	if (n > REF_MAX_COMPONENT)
		return "path component longer than 255 characters";
	for (size_t k = 0; k < n; k++)
		if (s[k] >= 'A' && s[k] <= 'Z')
			return "repository name must be lowercase";
	while (i < n) {
		if (!is_lower_alnum(s[i]))
			return "repository components must start and end with a letter or digit "
			       "and use only a-z 0-9 . _ -";
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			break;
		if (s[i] == '.' || (s[i] == '_' && (i + 1 >= n || s[i + 1] != '_')))
			i++;
		else if (s[i] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < n && s[i] == '-')
				i++;
		else
			return "repository components use only a-z 0-9 . _ -";
		if (i == n)
			return "repository components must end with a letter or digit";
	}
	return NULL;
}

static bool is_host_label(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static const char *check_port(const char *p, size_t n)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return "bad registry port";
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return "bad registry port";
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v == 0 || v > 65535 ? "registry port out of range" : NULL;
}

/* host[:port], host is dotted labels or a bracketed IPv6 address. */
static const char *check_registry(const char *s, size_t n)
{
	const char *colon;
	size_t hn;

	if (n == 0)
		return "empty registry name";
	if (n > REF_MAX_COMPONENT)
		return "registry name longer than 255 characters";
	if (s[0] == '[') {
		const char *end = memchr(s, ']', n);
		if (!end || end == s + 1)
			return "bad IPv6 registry address";
		for (const char *p = s + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return "bad IPv6 registry address";
		hn = (size_t)(end - s) + 1;
		if (hn == n)
			return NULL;
		if (s[hn] != ':')
			return "bad registry name";
		return check_port(s + hn + 1, n - hn - 1);
	}
	colon = memchr(s, ':', n);
	hn = colon ? (size_t)(colon - s) : n;
	for (size_t i = 0, start = 0; i <= hn; i++) {
		if (i == hn || s[i] == '.') {
			if (!is_host_label(s + start, i - start))
				return "bad registry host name";
			start = i + 1;
		}
	}
	return colon ? check_port(colon + 1, n - hn - 1) : NULL;
}

static const char *check_tag(const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		return "empty tag";
	if (n > REF_MAX_TAG)
		return "tag longer than 128 characters";
	if (s[0] == '.' || s[0] == '-')
		return "tag must start with a letter, digit or '_'";
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return "tag uses only A-Z a-z 0-9 _ . -";
	return NULL;
}

static const char *check_digest(const char *s)
{
	if (strncmp(s, "sha256:", 7) != 0)
		return strchr(s, ':') ? "unsupported digest algorithm (only sha256)"
				      : "digest must look like sha256:<64 hex digits>";
	if (strlen(s + 7) != 64)
		return "sha256 digest must have 64 hex digits";
	for (const char *p = s + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return "sha256 digest must be lowercase hex";
	return NULL;
}

static bool is_registry_component(const char *s, size_t n)
{
	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || (s[i] >= 'A' && s[i] <= 'Z'))
			return true;
	return false;
}

static const char *check_repository(const char *repo)
{
	const char *p = repo;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		const char *why = check_path_component(p, n);
		if (why)
			return why;
		if (!slash)
			return NULL;
		p = slash + 1;
	}
}

/* Split s (mutable copy) into the ref fields; returns NULL or the reason. */
static const char *split_ref(char *s, struct image_ref *r)
{
	char *at = strchr(s, '@'), *slash, *colon, *name;
	const char *why;

	if (at) {
		*at = '\0';
		if ((why = check_digest(at + 1)))
			return why;
		r->digest = xstrdup(at + 1);
	}
	if (!*s)
		return "empty repository name";
	slash = strchr(s, '/');
	if (slash && is_registry_component(s, (size_t)(slash - s))) {
		if ((why = check_registry(s, (size_t)(slash - s))))
			return why;
		r->registry = xstrndup(s, (size_t)(slash - s));
		name = slash + 1;
	} else {
		r->registry = xstrdup(REF_DEFAULT_REGISTRY);
		name = s;
	}
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if ((why = check_tag(colon + 1)))
			return why;
		r->tag = xstrdup(colon + 1);
	} else if (!r->digest) {
		r->tag = xstrdup(REF_DEFAULT_TAG);
	}
	if ((why = check_repository(name)))
		return why;
	if (streq(r->registry, "index.docker.io") || streq(r->registry, "registry-1.docker.io")) {
		free(r->registry);
		r->registry = xstrdup(REF_DEFAULT_REGISTRY);
	}
	if (streq(r->registry, REF_DEFAULT_REGISTRY) && !strchr(name, '/'))
		r->repository = xasprintf("library/%s", name);
	else
		r->repository = xstrdup(name);
	return NULL;
}

static size_t formatted_len(const struct image_ref *r)
{
	return strlen(r->registry) + 1 + strlen(r->repository) + (r->tag ? 1 + strlen(r->tag) : 0) +
	       (r->digest ? 1 + strlen(r->digest) : 0);
}

int ref_parse_buffer(const char *buf, size_t len, struct image_ref **ret, struct box_err **err)
{
	_cleanup_free_ char *s = NULL, *shown = NULL;
	struct image_ref *r;
	const char *why;

	if (memchr(buf, '\0', len))
		return box_err_set(err, EINVAL, "invalid image reference: contains a NUL byte");
	s = xstrndup(buf, len);
	if (len == 0)
		return box_err_set(err, EINVAL, "invalid image reference: empty");
	if (len > REF_MAX_LEN)
		return box_err_set(
		    err, EINVAL, "invalid image reference: longer than %d characters", REF_MAX_LEN);
	r = xzalloc(sizeof(*r));
	why = split_ref(s, r);
	if (!why && formatted_len(r) > REF_MAX_LEN)
		/* Limits hold for the normalised form (docker.io/library/ added), which is
		 * what the store keeps and what is parsed again later. */
		why = "longer than 1024 characters once normalised";
	if (why) {
		_cleanup_free_ char *orig = xstrndup(buf, len);
		ref_free(r);
		shown = str_escape(orig);
		return box_err_set(err, EINVAL, "invalid image reference '%s': %s", shown, why);
	}
	*ret = r;
	return 0;
}

int ref_parse(const char *s, struct image_ref **ret, struct box_err **err)
{
	return ref_parse_buffer(s, strlen(s), ret, err);
}

char *ref_name(const struct image_ref *r)
{
	return xasprintf("%s/%s", r->registry, r->repository);
}

char *ref_format(const struct image_ref *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

struct image_ref *ref_free(struct image_ref *r)
{
	if (r) {
		free(r->registry);
		free(r->repository);
		free(r->tag);
		free(r->digest);
		free(r);
	}
	return NULL;
}
