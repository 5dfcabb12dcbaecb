/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subuid parsing, keep-id map arithmetic, newuidmap/newgidmap invocation. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/fs.h"
#include "idmap.h"
#include "../util/log.h"
#include "../util/util.h"
#include "../util/xalloc.h"

static int parse_subid_line(char *line, const char *user, uint32_t id, struct id_range *ret)
{
	char *a = line, *b, *c;
	uint32_t owner, start, count;

	b = strchr(a, ':');
	if (!b)
		return -EINVAL;
	*b++ = '\0';
	c = strchr(b, ':');
	if (!c)
		return -EINVAL;
	*c++ = '\0';
	if (parse_u32(str_strip(b), &start) < 0 || parse_u32(str_strip(c), &count) < 0)
		return -EINVAL;
	if (count == 0 || (uint64_t)start + count > UINT32_MAX)
		return -EINVAL;
	a = str_strip(a);
	if (!(user && streq(a, user)) && !(parse_u32(a, &owner) == 0 && owner == id))
		return 0;
	ret->start = start;
	ret->count = count;
	return 1;
}

int subid_parse_buffer(const char *buf, size_t len, const char *user, uint32_t id,
		       struct id_range *ret, size_t max, struct box_err **err)
{
	_cleanup_free_ char *copy = xstrndup(buf, len);
	char *save = NULL;
	size_t n = 0;
	unsigned lineno = 0;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct id_range r;
		lineno++;
		char *s = str_strip(line);
		if (*s == '\0' || *s == '#')
			continue;
		int q = parse_subid_line(s, user, id, &r);
		if (q < 0) {
			log_debug("subid line %u is malformed, skipped", lineno);
			continue;
		}
		if (q == 0)
			continue;
		if (n == max)
			return box_err_set(err, E2BIG, "more than %zu subordinate id ranges", max);
		ret[n++] = r;
	}
	return (int)n;
}

static int push(struct idmap *m, uint32_t inside, uint32_t outside, uint32_t count)
{
	if (count == 0)
		return 0;
	if (m->n == IDMAP_MAX)
		return -E2BIG;
	m->e[m->n++] = (struct idmap_entry){ inside, outside, count };
	return 0;
}

int idmap_keep_id(uint32_t id, const struct id_range *ranges, size_t n, struct idmap *ret,
		  struct box_err **err)
{
	struct idmap m = { .n = 0 };
	uint64_t total = 0;
	uint32_t next = 0; /* next inside id to assign */

	for (size_t i = 0; i < n; i++)
		total += ranges[i].count;
	if (total < (uint64_t)id + 1)
		return box_err_set(err, ERANGE,
				   "subordinate range of %llu ids is too small to map uid %u "
				   "(need at least %u)",
				   (unsigned long long)total, id, id + 1);

	for (size_t i = 0; i < n; i++) {
		uint32_t start = ranges[i].start, count = ranges[i].count;
		while (count > 0) {
			uint32_t take;
			if (next < id) {
				take = MIN(count, id - next);
			} else {
				if (next == id) {
					if (push(&m, id, id, 1) < 0)
						goto toobig;
					next++;
				}
				take = count;
				if ((uint64_t)next + take > UINT32_MAX)
					take = UINT32_MAX - next;
				if (take == 0)
					break;
			}
			if (push(&m, next, start, take) < 0)
				goto toobig;
			next += take;
			start += take;
			count -= take;
		}
	}
	if (next <= id && push(&m, id, id, 1) < 0)
		goto toobig;
	*ret = m;
	return 0;
toobig:
	return box_err_set(err, E2BIG, "too many subordinate id ranges");
}

bool idmap_to_outside(const struct idmap *m, uint32_t inside, uint32_t *ret)
{
	for (size_t i = 0; i < m->n; i++)
		if (inside >= m->e[i].inside && inside - m->e[i].inside < m->e[i].count) {
			*ret = m->e[i].outside + (inside - m->e[i].inside);
			return true;
		}
	return false;
}

static bool outside_mapped(const struct idmap *m, uint32_t outside)
{
	for (size_t i = 0; i < m->n; i++)
		if (outside >= m->e[i].outside && outside - m->e[i].outside < m->e[i].count)
			return true;
	return false;
}

bool idmap_root_can_search(const struct idmap *uidmap, const struct idmap *gidmap, uint32_t uid,
			   uint32_t gid, uint32_t mode)
{
	uint32_t ru = 0, rg = 0;
	bool has_u = idmap_to_outside(uidmap, 0, &ru), has_g = idmap_to_outside(gidmap, 0, &rg);
	uint32_t bit = 0001;

	/* As the kernel decides: the owner's bits, else the group's, else the others';
	 * then capabilities, which need the owner and the group mapped. */
	if (has_u && ru == uid)
		bit = 0100;
	else if (has_g && rg == gid)
		bit = 0010;
	if (mode & bit)
		return true;
	return outside_mapped(uidmap, uid) && outside_mapped(gidmap, gid);
}

char **idmap_to_argv(const char *prog, pid_t pid, const struct idmap *m)
{
	char **argv = NULL;
	strv_push(&argv, xstrdup(prog));
	strv_push(&argv, xasprintf("%d", (int)pid));
	for (size_t i = 0; i < m->n; i++) {
		strv_push(&argv, xasprintf("%u", m->e[i].inside));
		strv_push(&argv, xasprintf("%u", m->e[i].outside));
		strv_push(&argv, xasprintf("%u", m->e[i].count));
	}
	return argv;
}

static int load_ranges(const char *path, const char *user, uint32_t id, struct id_range *ret,
		       struct box_err **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = fs_read_file(path, 1 << 20, &buf, &len, err);
	if (r == -ENOENT) {
		box_err_free(*err);
		*err = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	return subid_parse_buffer(buf, len, user, id, ret, SUBID_MAX_RANGES, err);
}

static void single_map(struct idmap *m, uint32_t inside, uint32_t outside)
{
	m->n = 1;
	m->e[0] = (struct idmap_entry){ inside, outside, 1 };
}

int ids_load(struct box_ids *ret, struct box_err **err)
{
	struct box_ids ids = { .uid = getuid(), .gid = getgid() };
	struct id_range ur[SUBID_MAX_RANGES], gr[SUBID_MAX_RANGES];
	const char *subuid = getenv("BOX_SUBUID") ?: "/etc/subuid";
	const char *subgid = getenv("BOX_SUBGID") ?: "/etc/subgid";
	struct passwd *pw = getpwuid(ids.uid);
	int nu, ng;

	ids.user = xstrdup(pw ? pw->pw_name : (getenv("USER") ?: "user"));
	if (ids.uid == 0 && getenv("BOX_FORCE_SUBUID") == NULL) {
		/* Real root may write any map itself (CAP_SETUID in the parent namespace):
		 * an identity map keeps every image owner exact without a subordinate range. */
		ids.identity = true;
		ids.uidmap.n = ids.gidmap.n = 1;
		ids.uidmap.e[0] = (struct idmap_entry){ 0, 0, UINT32_MAX };
		ids.gidmap.e[0] = (struct idmap_entry){ 0, 0, UINT32_MAX };
		*ret = ids;
		return 0;
	}
	nu = load_ranges(subuid, ids.user, ids.uid, ur, err);
	if (nu < 0)
		goto fail;
	ng = load_ranges(subgid, ids.user, ids.uid, gr, err);
	if (ng < 0)
		goto fail;
	if (nu > 0 && ng > 0 && idmap_keep_id(ids.uid, ur, (size_t)nu, &ids.uidmap, NULL) == 0 &&
	    idmap_keep_id(ids.gid, gr, (size_t)ng, &ids.gidmap, NULL) == 0 &&
	    (ids.newuidmap = find_in_path("newuidmap")) &&
	    (ids.newgidmap = find_in_path("newgidmap"))) {
		*ret = ids;
		return 0;
	}
	free(ids.newuidmap);
	ids.newuidmap = NULL;
	ids.single = true;
	single_map(&ids.uidmap, ids.uid, ids.uid);
	single_map(&ids.gidmap, ids.gid, ids.gid);
	*ret = ids;
	return 0;
fail:
	free(ids.user);
	return -EIO;
}

void ids_done(struct box_ids *ids)
{
	free(ids->user);
	free(ids->newuidmap);
	free(ids->newgidmap);
	ids->user = ids->newuidmap = ids->newgidmap = NULL;
}

/*
 * Start newuidmap/newgidmap with posix_spawn (vfork semantics: no copy of our page
 * tables, which matters on the start path of every sandbox) from the path ids_load()
 * found (found; NULL: searched in PATH now); stdout goes to /dev/null unless
 * debugging. Returns the pid.
 */
static int start_helper(const char *found, char **argv, pid_t *ret, struct box_err **err)
{
	_cleanup_free_ char *path = found ? xstrdup(found) : find_in_path(argv[0]);
	posix_spawn_file_actions_t fa;
	extern char **environ;
	int r;

	if (!path)
		return box_err_set(err, ENOENT, "%s not found (install the uidmap package)",
				   argv[0]);
	posix_spawn_file_actions_init(&fa);
	if (log_get_level() < LOG_DEBUG)
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(ret, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return box_err_set(err, r, "start %s", argv[0]);
	return 0;
}

static int finish_helper(const char *name, pid_t pid, struct box_err **err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return box_err_set(err, errno, "wait for %s", name);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return box_err_set(err, EPERM,
				   "%s failed with status %d (is there an entry for the user in "
				   "/etc/subuid and /etc/subgid?)",
				   name, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *data, struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fs_write_all(fd, data, strlen(data)) < 0)
		return box_err_set(err, errno, "write '%s'", path);
	return 0;
}

int ids_write_maps(const struct box_ids *ids, pid_t pid, struct box_err **err)
{
	if (ids->identity) {
		int r = write_proc(pid, "uid_map", "0 0 4294967295\n", err);
		return r < 0 ? r : write_proc(pid, "gid_map", "0 0 4294967295\n", err);
	}
	if (ids->single) {
		char line[64];
		int r = write_proc(pid, "setgroups", "deny", err);
		if (r < 0)
			return r;
		snprintf(line, sizeof(line), "%u %u 1\n", ids->root_single ? 0 : ids->uid,
			 ids->uid);
		r = write_proc(pid, "uid_map", line, err);
		if (r < 0)
			return r;
		snprintf(line, sizeof(line), "%u %u 1\n", ids->root_single ? 0 : ids->gid,
			 ids->gid);
		return write_proc(pid, "gid_map", line, err);
	}
	_cleanup_strv_free_ char **ua = idmap_to_argv("newuidmap", pid, &ids->uidmap);
	_cleanup_strv_free_ char **ga = idmap_to_argv("newgidmap", pid, &ids->gidmap);
	pid_t up, gp;
	/* The two helpers are independent: run them side by side. */
	int r = start_helper(ids->newuidmap, ua, &up, err);
	if (r < 0)
		return r;
	r = start_helper(ids->newgidmap, ga, &gp, err);
	if (r < 0) {
		finish_helper(ua[0], up, NULL);
		return r;
	}
	r = finish_helper(ua[0], up, err);
	int q = finish_helper(ga[0], gp, r < 0 ? NULL : err);
	return r < 0 ? r : q;
}
