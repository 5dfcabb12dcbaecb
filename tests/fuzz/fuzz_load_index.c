/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: an image archive's documents (box load) on arbitrary bytes, as the
 * manifest.json of a docker-archive and as the index.json of an OCI layout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/image/load_index.h"
#include "../../core/image/oci.h"
#include "../../core/util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	static char index_name[] = "index.json", mf_name[] = "manifest.json";
	static char layout_name[] = "oci-layout";
	struct load_image *im = NULL;
	struct box_err *err = NULL;
	size_t n = 0;

	if (size > OCI_MANIFEST_MAX)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	log_set_level(LOG_ERR);
	struct load_doc docs[] = { { mf_name, buf, size },
				   { index_name, buf, size },
				   { layout_name, layout, sizeof(layout) - 1 } };
	for (int pass = 0; pass < 2; pass++) {
		/* pass 0: a docker-archive; pass 1: an OCI layout (it wins when present) */
		if (load_index_parse(pass ? docs : docs, pass ? 3 : 1, &im, &n, &err) == 0)
			load_images_free(im, n);
		box_err_free(err);
		err = NULL;
	}
	free(buf);
	return 0;
}
