/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the OCI imgconfig parser on arbitrary bytes (must never crash or leak). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/log.h"
#include "../../core/image/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct box_err *err = NULL;
	if (size > OCI_CONFIG_MAX + 16)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	log_set_level(LOG_ERR);
	struct oci_image_config *c = NULL;
	if (oci_config_parse_buffer(buf, size, &c, &err) == 0)
		oci_config_free(c);
	box_err_free(err);
	free(buf);
	return 0;
}
