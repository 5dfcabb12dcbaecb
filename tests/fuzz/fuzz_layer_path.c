/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the archive path sanitizer. A cleaned path never has a ".." or "."
 * component, an empty component, or a leading or trailing slash, and cleaning is
 * idempotent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/image/layer.h"
#include "../../core/util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *p)
{
	if (streq(p, "."))
		return;
	if (p[0] == '/' || p[strlen(p) - 1] == '/' || strstr(p, "//"))
		abort();
	for (const char *c = p; c;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			abort();
		c = end ? end + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *out = NULL, *again = NULL;
	struct box_err *err = NULL;

	if (size > 8192)
		return 0;
	log_set_level(LOG_ERR);
	in = malloc(size + 1);
	memcpy(in, data, size);
	in[size] = '\0';
	if (layer_path_clean(in, &out, &err) == 0) {
		check(out);
		if (layer_path_clean(out, &again, NULL) != 0 || strcmp(out, again) != 0)
			abort();
	}
	free(again);
	free(out);
	free(in);
	box_err_free(err);
	return 0;
}
