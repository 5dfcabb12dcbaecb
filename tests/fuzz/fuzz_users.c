/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: user database edits; the result must contain the new entry once. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/userland/users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL;
	const char *line = "boxuser:x:4242:4242:boxuser:/home/boxuser:/bin/sh";

	if (users_db_update((const char *)data, size, "boxuser", 4242, line, &out) == 1) {
		if (!strstr(out, line))
			abort();
		/* Applying it twice changes nothing. */
		if (users_db_update(out, strlen(out), "boxuser", 4242, line, &again) != 0)
			abort();
		free(out);
	}
	return 0;
}
