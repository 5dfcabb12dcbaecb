/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trust store for project files, as direnv keeps one: a .box.ini is acted on
 * only when the user approved exactly its current content. One small record per
 * file in $XDG_DATA_HOME/box/trust/<sha256 of the absolute path> holds the path,
 * the state (allowed or denied) and the sha256 of the approved content; records
 * are replaced atomically, so a crash never leaves a half-written approval.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util/fs.h"
#include "../core/util/paths.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "project.h"

#define TRUST_RECORD_MAX 8192

struct trust_record {
	char *path;
	char *state;
	char *sha256;
};

static void record_done(struct trust_record *r)
{
	free(r->path);
	free(r->state);
	free(r->sha256);
}

static char *trust_dir(void)
{
	_cleanup_free_ char *data = paths_data_dir();
	return xasprintf("%s/trust", data);
}

static char *record_path(const char *path)
{
	char h[SHA256_HEX_LEN + 1];
	_cleanup_free_ char *dir = trust_dir();

	sha256_hex(path, strlen(path), h);
	return xasprintf("%s/%s", dir, h);
}

/* Records are "KEY VALUE" lines; unknown keys are ignored for later versions. */
static void record_parse(char *buf, struct trust_record *r)
{
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		char **field = streq(l, "path")	    ? &r->path
			       : streq(l, "state")  ? &r->state
			       : streq(l, "sha256") ? &r->sha256
						    : NULL;
		if (field) {
			free(*field);
			*field = xstrdup(sp + 1);
		}
	}
}

static int record_load(const char *path, struct trust_record *r, struct box_err **err)
{
	_cleanup_free_ char *file = record_path(path);
	_cleanup_free_ char *buf = NULL;

	if (!path_exists(file))
		return -ENOENT;
	int ret = fs_read_file(file, TRUST_RECORD_MAX, &buf, NULL, err);
	if (ret < 0)
		return ret;
	record_parse(buf, r);
	/* a record for another path (a hash collision or a copied file) counts as none */
	if (!r->path || !streq(r->path, path) || !r->state)
		return -ENOENT;
	return 0;
}

static int record_store(const char *path, const char *state, const char *sha, struct box_err **err)
{
	_cleanup_free_ char *dir = trust_dir();
	_cleanup_free_ char *file = record_path(path);

	if (strchr(path, '\n'))
		return box_err_set(err, EINVAL, "record approval for '%s': newline in path", path);
	int r = mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = xasprintf("path %s\nstate %s\nsha256 %s\n", path, state, sha);
	return fs_write_file_atomic(file, text, strlen(text), 0600, err);
}

static enum trust_state record_state(const struct trust_record *rec, const char *sha)
{
	if (streq(rec->state, "denied"))
		return TRUST_DENIED;
	if (!streq(rec->state, "allowed"))
		return TRUST_UNKNOWN;
	return rec->sha256 && streq(rec->sha256, sha) ? TRUST_ALLOWED : TRUST_CHANGED;
}

int trust_check(const char *path, const char *content, size_t len, enum trust_state *ret,
		struct box_err **err)
{
	struct trust_record rec = { 0 };
	char sha[SHA256_HEX_LEN + 1];

	if (path[0] != '/')
		return box_err_set(err, EINVAL, "check approval of '%s': not an absolute path",
				   path);
	int r = record_load(path, &rec, err);
	if (r == -ENOENT) {
		*ret = TRUST_UNKNOWN;
		r = 0;
	} else if (r == 0) {
		sha256_hex(content, len, sha);
		*ret = record_state(&rec, sha);
	}
	record_done(&rec);
	return r;
}

int trust_allow(const char *path, const char *content, size_t len, struct box_err **err)
{
	char sha[SHA256_HEX_LEN + 1];

	if (path[0] != '/')
		return box_err_set(err, EINVAL, "approve '%s': not an absolute path", path);
	sha256_hex(content, len, sha);
	return record_store(path, "allowed", sha, err);
}

int trust_deny(const char *path, struct box_err **err)
{
	if (path[0] != '/')
		return box_err_set(err, EINVAL, "deny '%s': not an absolute path", path);
	return record_store(path, "denied", "-", err);
}

const char *trust_state_to_string(enum trust_state s)
{
	switch (s) {
	case TRUST_ALLOWED:
		return "allowed";
	case TRUST_UNKNOWN:
		return "not allowed: never approved";
	case TRUST_CHANGED:
		return "not allowed: changed since it was approved";
	case TRUST_DENIED:
		return "not allowed: denied";
	}
	return "unknown";
}
