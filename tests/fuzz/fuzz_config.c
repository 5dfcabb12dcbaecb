/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the config parser: the input, capped and copied into a
 * NUL-terminated buffer, is parsed as both a global config.ini and a project's
 * .box.ini (with a layering pass), with logging silenced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../config/config.h"
#include "../../core/util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 256 * 1024)
		return 0;
	log_set_level(LOG_ERR - 1);
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	struct cfg_errors errors = { 0 };
	struct box_config *c = cfg_new();
	(void)cfg_parse_buffer(buf, size, "fuzz.ini", CFG_GLOBAL, c, &errors);
	(void)cfg_parse_buffer(buf, size, "fuzz.box.ini", CFG_PROJECT, c, &errors);
	(void)cfg_alias(c, "debian");
	(void)cfg_registry(c, "docker.io");
	cfg_free(c);
	cfg_errors_done(&errors);
	free(buf);
	return 0;
}
