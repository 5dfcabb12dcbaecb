/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Image references as Docker and podman read them: [REGISTRY/]REPOSITORY[:TAG][@DIGEST].
 * A missing registry is docker.io, a one-component repository on docker.io gets the
 * library/ prefix, a missing tag (and no digest) is latest. Aliases (ubuntu, fedora...)
 * are applied by the caller with image_alias() before parsing. The parser is pure: no I/O.
 */
#ifndef BOX_REF_H
#define BOX_REF_H

#include <stddef.h>

#include "../util/err.h"

#define REF_MAX_LEN	     1024 /* whole reference */
#define REF_MAX_COMPONENT    255  /* one path component, the registry, or the tag */
#define REF_DEFAULT_REGISTRY "docker.io"
#define REF_DEFAULT_TAG	     "latest"

struct image_ref {
	char *registry;	  /* "docker.io", "quay.io", "localhost:5000", "127.0.0.1:5000" */
	char *repository; /* "library/ubuntu", "toolbx/ubuntu-toolbox" */
	char *tag;    /* "24.04"; "latest" when neither tag nor digest; NULL with a bare digest */
	char *digest; /* "sha256:<64 lowercase hex>" or NULL */
};

/* Parse s (NUL-terminated). On failure *err says what is wrong with the reference. */
int ref_parse(const char *s, struct image_ref **ret, struct box_err **err);
/* Same, from a buffer of len bytes (fuzz entry point; embedded NULs are refused). */
int ref_parse_buffer(const char *buf, size_t len, struct image_ref **ret, struct box_err **err);
/* Canonical form "registry/repository[:tag][@digest]"; caller frees. */
char *ref_format(const struct image_ref *r);
/* "registry/repository" without tag or digest; caller frees. */
char *ref_name(const struct image_ref *r);
struct image_ref *ref_free(struct image_ref *r);
static inline void ref_freep(struct image_ref **r)
{
	ref_free(*r);
	*r = NULL;
}
#define _cleanup_ref_ _cleanup_(ref_freep)

#endif
