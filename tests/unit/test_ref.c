/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image reference parsing: Docker normalisation, canonical form, and refusals. */
#include <string.h>

#include "../../core/image/ref.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void good(const char *in, const char *reg, const char *repo, const char *tag,
		 const char *digest, const char *canon)
{
	struct image_ref *r = NULL;
	struct box_err *err = NULL;
	int rc = ref_parse(in, &r, &err);

	is_int(rc, 0, "parse '%s'", in);
	if (rc < 0) {
		printf("#   %s\n", err->msg);
		box_err_free(err);
		return;
	}
	is_str(r->registry, reg, "  registry");
	is_str(r->repository, repo, "  repository");
	is_str(r->tag, tag, "  tag");
	is_str(r->digest, digest, "  digest");
	char *f = ref_format(r);
	is_str(f, canon, "  canonical form");
	/* The canonical form parses back to itself. */
	struct image_ref *r2 = NULL;
	ok(ref_parse(f, &r2, NULL) == 0, "  canonical form re-parses");
	if (r2) {
		char *f2 = ref_format(r2);
		is_str(f2, f, "  round trip is stable");
		free(f2);
	}
	ref_free(r2);
	free(f);
	ref_free(r);
}

static void bad(const char *in, const char *why)
{
	struct image_ref *r = NULL;
	struct box_err *err = NULL;
	int rc = ref_parse(in, &r, &err);

	ok(rc == -EINVAL && r == NULL, "refuse '%.60s'", in);
	ok(err && err->msg && strstr(err->msg, why), "  message says '%s'", why);
	if (err && !strstr(err->msg, why))
		printf("#   got: %s\n", err->msg);
	box_err_free(err);
}

int main(void)
{
	good("ubuntu", "docker.io", "library/ubuntu", "latest", NULL,
	     "docker.io/library/ubuntu:latest");
	good("ubuntu:24.04", "docker.io", "library/ubuntu", "24.04", NULL,
	     "docker.io/library/ubuntu:24.04");
	good("fedora:43", "docker.io", "library/fedora", "43", NULL, "docker.io/library/fedora:43");
	good("quay.io/toolbx/ubuntu-toolbox:24.04", "quay.io", "toolbx/ubuntu-toolbox", "24.04",
	     NULL, "quay.io/toolbx/ubuntu-toolbox:24.04");
	good("registry.fedoraproject.org/fedora-toolbox:43", "registry.fedoraproject.org",
	     "fedora-toolbox", "43", NULL, "registry.fedoraproject.org/fedora-toolbox:43");
	good("localhost:5000/x", "localhost:5000", "x", "latest", NULL, "localhost:5000/x:latest");
	good("localhost/x", "localhost", "x", "latest", NULL, "localhost/x:latest");
	good("127.0.0.1:5000/library/debian:bookworm", "127.0.0.1:5000", "library/debian",
	     "bookworm", NULL, "127.0.0.1:5000/library/debian:bookworm");
	good("debian@sha256:" HEX64, "docker.io", "library/debian", NULL, "sha256:" HEX64,
	     "docker.io/library/debian@sha256:" HEX64);
	good("debian:bookworm@sha256:" HEX64, "docker.io", "library/debian", "bookworm",
	     "sha256:" HEX64, "docker.io/library/debian:bookworm@sha256:" HEX64);
	good("docker.io/library/debian:12", "docker.io", "library/debian", "12", NULL,
	     "docker.io/library/debian:12");
	good("index.docker.io/foo/bar", "docker.io", "foo/bar", "latest", NULL,
	     "docker.io/foo/bar:latest");
	good("user/repo", "docker.io", "user/repo", "latest", NULL, "docker.io/user/repo:latest");
	good("ghcr.io/a/b/c_d__e-f--g.h:V1.0_rc-2", "ghcr.io", "a/b/c_d__e-f--g.h", "V1.0_rc-2",
	     NULL, "ghcr.io/a/b/c_d__e-f--g.h:V1.0_rc-2");
	good("[::1]:5000/x:1", "[::1]:5000", "x", "1", NULL, "[::1]:5000/x:1");

	bad("", "empty");
	bad("Ubuntu", "lowercase");
	bad("docker.io/Library/ubuntu", "lowercase");
	bad("ubuntu:", "empty tag");
	bad("ubuntu@", "digest");
	bad("ubuntu@sha256:abc", "64 hex");
	bad("ubuntu@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	    "lowercase hex");
	bad("ubuntu@md5:0123", "only sha256");
	bad("a//b", "empty path component");
	bad("/ubuntu", "empty path component");
	bad("ubuntu/", "empty path component");
	bad("quay.io/", "empty path component");
	bad(":tag", "empty path component");
	bad("-ubuntu", "start and end");
	bad("ubuntu-", "end with");
	bad("ub___untu", "a-z 0-9");
	bad("ub untu", "a-z 0-9");
	bad("ubuntu:-x", "tag must start");
	bad("ubuntu:a/b", "");
	bad("host.io:99999/x", "port out of range");
	bad("bad_host.io/x", "host name");
	bad("host.io:/x", "port");

	char *big = xmalloc(2000);
	memset(big, 'a', 1999);
	big[1999] = '\0';
	bad(big, "longer than 1024");
	memset(big, 'a', 300);
	big[300] = '\0';
	bad(big, "longer than 255");
	memset(big, 'a', 200);
	big[200] = '\0';
	char *longtag = xasprintf("x:%s", big);
	bad(longtag, "tag longer");
	free(longtag);
	/* 1011 characters parse, but docker.io/ and :latest make the stored form 1028. */
	memset(big, 'a', 252);
	big[252] = '\0';
	char *near = xasprintf("%s/%s/%s/%s", big, big, big, big);
	bad(near, "once normalised");
	free(near);
	free(big);

	struct box_err *err = NULL;
	struct image_ref *r = NULL;
	ok(ref_parse_buffer("ubu\0ntu", 7, &r, &err) == -EINVAL && err, "NUL byte refused");
	box_err_free(err);
	err = NULL;
	ok(ref_parse("a\x1b[31m:X:Y", &r, &err) < 0 && err && !strchr(err->msg, '\x1b'),
	   "control characters are escaped in the message");
	box_err_free(err);
	return tap_done();
}
