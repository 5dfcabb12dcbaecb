/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for /etc/os-release handling in package manager detection: the
 * input, capped and NUL-terminated, is the os-release text of an image, with and
 * without binaries present.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/log.h"
#include "../../core/userland/pkgmgr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_some(const char *name, void *arg)
{
	return strcmp(name, (const char *)arg) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 64 * 1024)
		return 0;
	log_set_level(LOG_ERR - 1);
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	(void)pkgmgr_detect_from(buf, NULL, NULL);
	(void)pkgmgr_detect_from(buf, has_some, (void *)"microdnf");
	free(buf);
	return 0;
}
