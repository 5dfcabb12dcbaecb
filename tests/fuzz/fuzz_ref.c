/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: image reference parser; a parsed reference must format and re-parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/log.h"
#include "../../core/image/ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_ref *r = NULL, *r2 = NULL;
	struct box_err *err = NULL;

	if (size > 4096)
		return 0;
	log_set_level(LOG_ERR);
	if (ref_parse_buffer((const char *)data, size, &r, &err) == 0) {
		char *f = ref_format(r);
		char *n = ref_name(r);
		if (ref_parse(f, &r2, NULL) != 0)
			abort();
		char *f2 = ref_format(r2);
		if (strcmp(f, f2) != 0)
			abort();
		free(f2);
		free(n);
		free(f);
	}
	ref_free(r2);
	ref_free(r);
	box_err_free(err);
	return 0;
}
