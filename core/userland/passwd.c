/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for passwd(5) and group(5) text. Lines that do not have the right
 * number of fields or a numeric id are skipped, like glibc's files backend does;
 * lines starting with '+' or '-' (NIS compat) are skipped too.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passwd.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define MAX_FIELDS 8

/* Split line on ':' into at most max fields; returns the field count. */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	return n;
}

/* Iterate lines of a NUL-free copy; calls fn until it returns non-zero. */
static int for_each_line(const char *buf, size_t len, int (*fn)(char *line, void *arg), void *arg)
{
	_cleanup_free_ char *copy = xstrndup(buf, len);
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (*l == '#' || *l == '+' || *l == '-')
			continue;
		int r = fn(l, arg);
		if (r != 0)
			return r;
	}
	return 0;
}

struct pw_query {
	const char *name;
	uid_t uid;
	struct passwd_entry *ret;
};

static int pw_line(char *line, void *arg)
{
	struct pw_query *q = arg;
	char *f[MAX_FIELDS];
	uint32_t uid, gid;

	if (split_fields(line, f, MAX_FIELDS) != 7)
		return 0;
	if (parse_u32(f[2], &uid) < 0 || parse_u32(f[3], &gid) < 0 || !*f[0])
		return 0;
	if (q->name ? !streq(f[0], q->name) : uid != q->uid)
		return 0;
	q->ret->name = xstrdup(f[0]);
	q->ret->uid = uid;
	q->ret->gid = gid;
	q->ret->home = xstrdup(f[5]);
	q->ret->shell = xstrdup(f[6]);
	return 1;
}

int passwd_find_buffer(const char *buf, size_t len, const char *name, uid_t uid,
		       struct passwd_entry *ret)
{
	struct pw_query q = { .name = name, .uid = uid, .ret = ret };
	return for_each_line(buf, len, pw_line, &q);
}

void passwd_entry_done(struct passwd_entry *e)
{
	free(e->name);
	free(e->home);
	free(e->shell);
	e->name = e->home = e->shell = NULL;
}

struct gr_query {
	const char *user;
	gid_t *ret;
	size_t max, n;
};

static bool member_of(char *members, const char *user)
{
	char *save = NULL;
	for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
		if (streq(str_strip(m), user))
			return true;
	return false;
}

static int gr_line(char *line, void *arg)
{
	struct gr_query *q = arg;
	char *f[MAX_FIELDS];
	uint32_t gid;

	if (split_fields(line, f, MAX_FIELDS) != 4 || parse_u32(f[2], &gid) < 0)
		return 0;
	if (!member_of(f[3], q->user))
		return 0;
	for (size_t i = 0; i < q->n; i++)
		if (q->ret[i] == gid)
			return 0;
	if (q->n == q->max)
		return 1;
	q->ret[q->n++] = gid;
	return 0;
}

int group_members_buffer(const char *buf, size_t len, const char *user, gid_t *ret, size_t max)
{
	struct gr_query q = { .user = user, .ret = ret, .max = max };
	for_each_line(buf, len, gr_line, &q);
	return (int)q.n;
}
