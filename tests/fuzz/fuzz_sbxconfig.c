/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: config.json of a sandbox; a parsed config must format and re-parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sandbox_config *c = NULL, *c2 = NULL;
	struct box_err *err = NULL;

	if (sandbox_config_parse((const char *)data, size, &c, &err) == 0) {
		char *s = sandbox_config_format(c);
		if (sandbox_config_parse(s, strlen(s), &c2, NULL) != 0 || strcmp(c->name, c2->name))
			abort();
		sandbox_config_free(c2);
		sandbox_config_free(c);
		free(s);
	}
	box_err_free(err);
	return 0;
}
