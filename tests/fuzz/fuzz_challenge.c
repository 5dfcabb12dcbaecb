/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: WWW-Authenticate challenges and credential files from arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/log.h"
#include "../../core/image/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry_challenge c;
	struct box_err *err = NULL;
	char *u = NULL, *p = NULL;

	if (size > 65536)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	log_set_level(LOG_ERR);
	if (registry_parse_challenge(buf, &c, &err) == 0)
		registry_challenge_done(&c);
	box_err_free(err);
	err = NULL;
	if (registry_auth_parse_buffer(buf, size, "docker.io", &u, &p, &err) == 0) {
		free(u);
		free(p);
	}
	box_err_free(err);
	free(buf);
	return 0;
}
