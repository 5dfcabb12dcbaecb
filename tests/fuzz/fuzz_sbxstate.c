/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: the sandbox runtime state file parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sandbox_runstate st;
	if (sandbox_state_parse((const char *)data, size, &st) == 0) {
		if (st.supervisor_pid <= 0 || st.init_pid <= 0 || !memchr(st.cgroup, '\0',
									sizeof(st.cgroup)))
			abort();
	}
	return 0;
}
