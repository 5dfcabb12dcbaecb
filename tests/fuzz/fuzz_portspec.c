/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: port specs, and the canonical text of every accepted one parses back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/err.h"
#include "../../net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct port_spec p, q;
	struct box_err *e = NULL;
	char buf[128], buf2[128];

	if (size > 4096)
		return 0;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (portspec_parse(s, &p, &e) == 0) {
		portspec_format(&p, buf, sizeof(buf));
		if (portspec_parse(buf, &q, NULL) != 0 ||
		    strcmp(portspec_format(&q, buf2, sizeof(buf2)), buf) != 0)
			abort();
	}
	box_err_free(e);
	free(s);
	return 0;
}
