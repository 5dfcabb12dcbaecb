/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image settings config/ passes into core/image as data: the user's aliases over
 * the built-in ones, the tag typed after an alias, registry settings by name, and the
 * same tables filled from a parsed config.ini by cfg_images().
 */
#include <string.h>

#include "../../config/config.h"
#include "../../core/image/settings.h"
#include "../../core/image/store.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char *resolve(const struct image_settings *is, const char *in)
{
	char *out = NULL;
	if (store_resolve_ref(is, in, &out, NULL) < 0)
		return xstrdup("(error)");
	return out;
}

int main(void)
{
	static const struct image_alias aliases[] = {
		{ "debian", "localhost:5000/library/debian:bookworm" },
		{ "mine", "localhost/x:1" },
	};
	static const struct image_registry_settings regs[] = {
		{ "docker.io", "http://127.0.0.1:5000", true },
	};
	const struct image_settings is = { aliases, 2, regs, 1, 0 };

	is_str(image_alias(NULL, "alpine"), "docker.io/library/alpine:latest",
	       "no settings: the built-in aliases");
	is_str(image_alias(&is, "debian"), "localhost:5000/library/debian:bookworm",
	       "the user's alias wins over the built-in one");
	is_str(image_alias(&is, "ubuntu"), "docker.io/library/ubuntu:latest",
	       "built-in aliases still apply next to the user's");
	ok(!image_alias(&is, "nope"), "no alias: NULL");
	ok(image_registry_settings(&is, "docker.io") &&
	       streq(image_registry_settings(&is, "docker.io")->mirror, "http://127.0.0.1:5000"),
	   "a registry's mirror by name");
	ok(!image_registry_settings(&is, "quay.io") && !image_registry_settings(NULL, "docker.io"),
	   "no settings for other registries, or without settings");

	_cleanup_free_ char *a = resolve(&is, "mine:2"), *b = resolve(NULL, "debian");
	is_str(a, "localhost/x:2", "an alias with a tag: the tag typed wins");
	is_str(b, "docker.io/library/debian:bookworm", "resolving without settings");

	struct box_config *c = cfg_new();
	const char *ini = "[aliases]\nmine = localhost/y:3\n[registry \"quay.io\"]\n"
			  "mirror = http://127.0.0.1:5001\ninsecure = yes\n";
	ok(cfg_parse_buffer(ini, strlen(ini), "t.ini", CFG_GLOBAL, c, NULL) == 0,
	   "config.ini with an alias and a registry parses");
	_cleanup_free_ char *d = resolve(cfg_images(c), "mine");
	is_str(d, "localhost/y:3", "cfg_images(): the parsed alias reaches the store");
	const struct image_registry_settings *r = image_registry_settings(cfg_images(c), "quay.io");
	ok(r && streq(r->mirror, "http://127.0.0.1:5001") && r->insecure,
	   "cfg_images(): the parsed registry's mirror and insecure");
	ok(cfg_images(NULL) == NULL, "no config: no settings");
	cfg_free(c);
	return tap_done();
}
