/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the host check parsers: subuid/subgid text (free range search),
 * security.capability values, and os-release text (install hints). The first byte
 * picks the parser; the rest is the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/host/hostcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t start;
	uint64_t perm;
	char *buf, *h;

	if (size < 1 || size > (1 << 20))
		return 0;
	buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		(void)hostcheck_free_subid_range(buf, size - 1, 65536, &start);
		break;
	case 1:
		(void)hostcheck_parse_fcaps(buf, size - 1, &perm);
		(void)hostcheck_idmap_helper_ok(0755, 0, buf, size - 1, 7);
		break;
	default:
		h = hostcheck_install_hint(buf, size - 1, "uidmap");
		free(h);
		break;
	}
	free(buf);
	return 0;
}
