/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: /proc/<pid>/net/tcp text for the automatic forwards. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t ports[64];

	if (size > 1 << 20)
		return 0;
	/* Not NUL-terminated on purpose: the parser takes a length. */
	char *s = malloc(size ? size : 1);
	memcpy(s, data, size);
	size_t n = procnet_listeners(s, size, ports, 64);
	for (size_t i = 1; i < n; i++)
		if (ports[i - 1] >= ports[i] || ports[i] == 0)
			abort();
	if (procnet_tcp_inuse(s, size) < -1)
		abort();
	free(s);
	return 0;
}
