/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats_refresh: the sandbox list (optionally only some names) into a stats
 * snapshot. Apart from stats.c so that the snapshot arithmetic links and tests
 * without the sandbox lifecycle code.
 */
#include <string.h>

#include "stats.h"
#include "util.h"

static bool wanted(char *const *names, const char *name)
{
	if (!names || !names[0])
		return true;
	for (char *const *n = names; *n; n++)
		if (streq(*n, name))
			return true;
	return false;
}

int stats_refresh(struct stats_ctx *ctx, char *const *names, struct box_err **err)
{
	struct sandbox_info *list = NULL;
	size_t n = 0, o = 0;
	int r = sandbox_list_live(&list, &n, err);

	if (r < 0)
		return r;
	/* Keep the wanted ones at the front; the list frees all n entries. */
	for (size_t i = 0; i < n; i++) {
		if (!wanted(names, list[i].name))
			continue;
		if (i != o) {
			struct sandbox_info tmp = list[o];
			list[o] = list[i];
			list[i] = tmp;
		}
		o++;
	}
	r = stats_update(ctx, list, o, now_ns());
	sandbox_info_list_free(list, n);
	return r;
}
