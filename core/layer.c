/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Layer extraction (see layer.h). This first cut carries the path rules; the
 * extractor follows.
 */
#include <errno.h>
#include <string.h>

#include "layer.h"
#include "log.h"
#include "xalloc.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

int layer_path_clean(const char *path, char **ret, struct box_err **err)
{
	size_t n = strlen(path);
	_cleanup_free_ char *out = NULL;
	char *o;
	const char *p = path;

	if (n > LAYER_MAX_PATH)
		return box_err_set(err, ENAMETOOLONG, "archive path longer than %d bytes",
				   LAYER_MAX_PATH);
	o = out = xmalloc(n + 2);
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			_cleanup_free_ char *shown = str_escape(path);
			return box_err_set(err, EINVAL, "archive path '%s' contains '..'", shown);
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p = *end ? end + 1 : end;
	}
	if (o == out)
		*o++ = '.';
	*o = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

bool layer_is_whiteout(const char *name, const char **target)
{
	if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) != 0)
		return false;
	if (streq(name, WH_OPAQUE)) {
		*target = NULL;
		return true;
	}
	*target = name + strlen(WH_PREFIX);
	return true;
}

int layer_extract(struct archive *a, int dirfd_root, const struct layer_opts *o,
		  struct layer_stats *ret, struct box_err **err)
{
	return box_err_set(err, EOPNOTSUPP, "layer extraction is not implemented yet");
}

int layer_extract_stream(layer_read_fn fn, void *arg, int dirfd_root, const struct layer_opts *o,
			 struct layer_stats *ret, struct box_err **err)
{
	return box_err_set(err, EOPNOTSUPP, "layer extraction is not implemented yet");
}

int layer_extract_fd(int fd, int dirfd_root, const struct layer_opts *o, struct layer_stats *ret,
		     struct box_err **err)
{
	return box_err_set(err, EOPNOTSUPP, "layer extraction is not implemented yet");
}

int layer_extract_userns(const struct box_ids *ids, int fd, const char *dest,
			 const struct layer_opts *o, struct layer_stats *ret,
			 struct box_err **err)
{
	return box_err_set(err, EOPNOTSUPP, "layer extraction is not implemented yet");
}
