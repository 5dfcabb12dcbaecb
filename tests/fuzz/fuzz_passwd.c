/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz target: passwd and group text from an image. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/userland/passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct passwd_entry e = { 0 };
	gid_t g[PASSWD_MAX_GROUPS];

	if (size > 1 << 16)
		return 0;
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (passwd_find_buffer(buf, size, NULL, 1000, &e) > 0)
		passwd_entry_done(&e);
	if (passwd_find_buffer(buf, size, "root", 0, &e) > 0)
		passwd_entry_done(&e);
	group_members_buffer(buf, size, "alice", g, PASSWD_MAX_GROUPS);
	free(buf);
	return 0;
}
