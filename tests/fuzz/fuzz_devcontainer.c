/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for devcontainer.json: the JSONC pass (which must keep every byte's
 * offset) and the mapping onto a project's config, with logging silenced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../config/devcontainer.h"
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

	char *s = dc_strip_jsonc(buf, size);
	/* Same length, newlines where they were: line numbers stay true. */
	for (size_t i = 0; i < size; i++)
		if ((buf[i] == '\n') != (s[i] == '\n'))
			abort();
	free(s);
	struct cfg_errors errors = { 0 }, warnings = { 0 };
	struct box_config *c = cfg_new();
	(void)devcontainer_parse_buffer(buf, size, "fuzz/devcontainer.json", "/work/repo", c,
					&errors, &warnings);
	cfg_free(c);
	cfg_errors_done(&errors);
	cfg_errors_done(&warnings);
	free(buf);
	return 0;
}
