/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stats_refresh: the sandbox list (optionally only some names) into a stats
 * snapshot, through a sandbox cache kept in the context between refreshes. Apart from stats.c so
 * that the snapshot arithmetic links and tests without the sandbox lifecycle code.
 */
#include <string.h>

#include "stats.h"
#include "../util/util.h"
#include "../util/xalloc.h"

static bool wanted(char *const *names, const char *name)
{
	if (!names || !names[0])
		return true;
	for (char *const *n = names; *n; n++)
		if (streq(*n, name))
			return true;
	return false;
}

static void cache_free(void *cache)
{
	sandbox_cache_free(cache);
}

/* One refresh only: the plain list, without the cache's watches. */
static int refresh_once(struct stats_ctx *ctx, char *const *names, struct box_err **err)
{
	struct sandbox_info *list = NULL;
	size_t n = 0, o = 0;
	int r = sandbox_list(&list, &n, err);

	if (r < 0)
		return r;
	/* The wanted ones, in list order (shallow copies: the list owns them). */
	_cleanup_free_ struct sandbox_info *want = xcalloc(n + 1, sizeof(*want));
	for (size_t i = 0; i < n; i++)
		if (wanted(names, list[i].name))
			want[o++] = list[i];
	r = stats_update(ctx, want, o, now_ns());
	sandbox_info_list_free(list, n);
	return r;
}

int stats_refresh(struct stats_ctx *ctx, char *const *names, struct box_err **err)
{
	struct sandbox_cache *cache = stats_ctx_list_cache(ctx);
	const struct sandbox_info *list = NULL;
	size_t n = 0, o = 0;
	int r;

	if (stats_ctx_is_one_shot(ctx))
		return refresh_once(ctx, names, err);
	if (!cache) {
		cache = sandbox_cache_new();
		stats_ctx_set_list_cache(ctx, cache, cache_free);
	}
	r = sandbox_cache_list(cache, &list, &n, err);
	if (r < 0)
		return r;
	if (!names || !names[0])
		return stats_update(ctx, list, n, now_ns());
	/* Only the wanted ones, in list order (shallow copies: the cache owns them). */
	_cleanup_free_ struct sandbox_info *want = xcalloc(n + 1, sizeof(*want));
	for (size_t i = 0; i < n; i++)
		if (wanted(names, list[i].name))
			want[o++] = list[i];
	return stats_update(ctx, want, o, now_ns());
}
