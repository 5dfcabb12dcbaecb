/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What image lookups take from the user's configuration, passed in as data: the
 * short names of [aliases] and the mirrors and TLS choices of [registry "NAME"].
 * config/ fills a struct image_settings from config.ini; core/ never reads the
 * configuration itself. A NULL struct image_settings means no user settings: the
 * built-in aliases (debian, ubuntu, fedora, arch, alpine) still apply.
 */
#ifndef BOX_IMAGE_SETTINGS_H
#define BOX_IMAGE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct image_alias {
	const char *name;  /* "debian" */
	const char *image; /* "docker.io/library/debian:bookworm" */
};

struct image_registry_settings {
	const char *name;   /* "docker.io" */
	const char *mirror; /* http(s)://host:port, or NULL */
	bool insecure;	    /* plain http / no TLS verification allowed */
};

struct image_settings {
	const struct image_alias *aliases; /* the user's, over the built-in ones */
	size_t n_aliases;
	const struct image_registry_settings *registries;
	size_t n_registries;
	uint64_t max_layer_size; /* [image] max_layer_size; 0: LAYER_MAX_SIZE */
};

/* The image an alias names: the user's (s may be NULL), else a built-in one, else NULL. */
const char *image_alias(const struct image_settings *s, const char *name);
/* The settings of registry `name`, or NULL when it has none (s may be NULL). */
const struct image_registry_settings *image_registry_settings(const struct image_settings *s,
							      const char *name);

#endif
