/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Registry client parsers: WWW-Authenticate challenges and credential files. */
#include <stdlib.h>
#include <string.h>

#include "../../core/image/registry.h"
#include "tap.h"

static void test_challenge(void)
{
	struct registry_challenge c;

	is_int(registry_parse_challenge("Bearer realm=\"https://auth.docker.io/token\","
					"service=\"registry.docker.io\","
					"scope=\"repository:library/debian:pull\"",
					&c, NULL),
	       0, "docker hub challenge");
	is_str(c.scheme, "bearer", "scheme lowercased");
	is_str(c.realm, "https://auth.docker.io/token", "realm");
	is_str(c.service, "registry.docker.io", "service");
	is_str(c.scope, "repository:library/debian:pull", "scope");
	registry_challenge_done(&c);

	is_int(registry_parse_challenge("  BEARER  scope=\"a,b\" , Realm=http://x/t?y=1 ,"
					"error=\"insufficient_scope\"",
					&c, NULL),
	       0, "odd spacing, case, unquoted realm, comma inside quotes");
	is_str(c.realm, "http://x/t?y=1", "unquoted realm");
	is_str(c.scope, "a,b", "comma inside a quoted value");
	ok(c.service == NULL, "no service");
	registry_challenge_done(&c);

	is_int(registry_parse_challenge("Bearer realm=\"a\\\"b\"", &c, NULL), 0, "escaped quote");
	is_str(c.realm, "a\"b", "escape removed");
	registry_challenge_done(&c);

	is_int(registry_parse_challenge("Basic realm=\"Registry Realm\"", &c, NULL), 0, "basic");
	is_str(c.scheme, "basic", "basic scheme");
	registry_challenge_done(&c);

	struct box_err *err = NULL;
	is_int(registry_parse_challenge("Bearer service=\"x\"", &c, &err), -EPROTO,
	       "bearer without realm refused");
	box_err_free(err);
	err = NULL;
	is_int(registry_parse_challenge("", &c, &err), -EPROTO, "empty refused");
	box_err_free(err);
	err = NULL;
	is_int(registry_parse_challenge("Bearer realm=\"unterminated", &c, NULL), 0,
	       "unterminated quote tolerated");
	is_str(c.realm, "unterminated", "up to the end");
	registry_challenge_done(&c);
}

static void test_auth(void)
{
	/* dXNlcjpwYTpzcw== is "user:pa:ss" */
	const char *podman = "{\"auths\":{\"quay.io\":{\"auth\":\"eDp5\"},"
			     "\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwYTpzcw==\"}}}";
	const char *docker =
	    "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"ZDpodWI=\"}}}";
	char *u = NULL, *p = NULL;
	struct box_err *err = NULL;

	is_int(registry_auth_parse_buffer(podman, strlen(podman), "127.0.0.1:5000", &u, &p, NULL),
	       0, "host with port");
	is_str(u, "user", "user");
	is_str(p, "pa:ss", "password keeps colons");
	free(u);
	free(p);
	is_int(registry_auth_parse_buffer(podman, strlen(podman), "ghcr.io", &u, &p, NULL), -ENOENT,
	       "other host: none");
	is_int(registry_auth_parse_buffer(docker, strlen(docker), "docker.io", &u, &p, NULL), 0,
	       "docker hub key https://index.docker.io/v1/ matches docker.io");
	is_str(u, "d", "docker user");
	is_str(p, "hub", "docker password");
	free(u);
	free(p);
	const char *bad = "{\"auths\":{\"quay.io\":{\"auth\":\"!!!!\"}}}";
	is_int(registry_auth_parse_buffer(bad, strlen(bad), "quay.io", &u, &p, &err), -EINVAL,
	       "bad base64 refused");
	box_err_free(err);
	err = NULL;
	const char *nocolon = "{\"auths\":{\"quay.io\":{\"auth\":\"eHk=\"}}}";
	is_int(registry_auth_parse_buffer(nocolon, strlen(nocolon), "quay.io", &u, &p, &err),
	       -EINVAL, "no colon refused");
	box_err_free(err);
	err = NULL;
	is_int(registry_auth_parse_buffer("[1]", 3, "quay.io", &u, &p, &err), -EINVAL,
	       "not an object");
	box_err_free(err);
}

int main(void)
{
	test_challenge();
	test_auth();
	return tap_done();
}
