/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lookups in the image settings config/ passes in, and the built-in aliases. */
#include <string.h>

#include "../util/macro.h"
#include "settings.h"

static const struct image_alias builtin_aliases[] = {
	{ "ubuntu", "docker.io/library/ubuntu:latest" },
	{ "debian", "docker.io/library/debian:bookworm" },
	{ "fedora", "registry.fedoraproject.org/fedora-toolbox:latest" },
	{ "arch", "docker.io/library/archlinux:latest" },
	{ "alpine", "docker.io/library/alpine:latest" },
};

const char *image_alias(const struct image_settings *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_aliases; i++)
		if (streq(s->aliases[i].name, name))
			return s->aliases[i].image;
	for (size_t i = 0; i < ARRAY_SIZE(builtin_aliases); i++)
		if (streq(builtin_aliases[i].name, name))
			return builtin_aliases[i].image;
	return NULL;
}

const struct image_registry_settings *image_registry_settings(const struct image_settings *s,
							      const char *name)
{
	for (size_t i = 0; s && i < s->n_registries; i++)
		if (streq(s->registries[i].name, name))
			return &s->registries[i];
	return NULL;
}
