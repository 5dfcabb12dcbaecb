/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The size of a sandbox's writable layer for `box list`, walked again only when
 * something may have written there since the last walk. The last walk is kept in
 * <data_dir>/upper.size with what held then:
 *
 *   box-upper-size 1 DEV INO STATE STARTED CPU_USEC WALKED BYTES
 *
 * DEV INO: the upper dir's (a restore puts another directory in its place);
 * STATE r: running, started at STARTED, with the cgroup's CPU counter at CPU_USEC
 * (a write is a process running: while the counter stays, nothing wrote), at most
 * UPPER_SIZE_TTL seconds ago (WALKED, wall clock); STATE s: stopped, and valid until
 * the next start, which removes the file (sandbox_start, under the sandbox lock). A
 * stopped sandbox's walk is recorded only under a shared hold of that lock, so a
 * start cannot slip in between the look and the record.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../cgroup/cgroup.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/macro.h"
#include "../util/xalloc.h"
#include "sandbox.h"

#define UPPER_SIZE_MAGIC "box-upper-size 1"
#define UPPER_SIZE_TTL	 600 /* s: a running sandbox's walk is redone at least this often */

struct size_key {
	uint64_t dev, ino;
	char state; /* 'r' or 's' */
	int64_t started;
	uint64_t cpu_usec;
};

/* A small file's text (NUL-terminated); its length, or -1. */
static ssize_t read_text(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static bool cpu_usage(const char *cgroup, uint64_t *ret)
{
	_cleanup_free_ char *p = xasprintf("%s/cpu.stat", cgroup);
	char buf[1024];
	ssize_t n = read_text(p, buf, sizeof(buf));

	return n > 0 && cg_parse_cpu_stat(buf, (size_t)n, ret) == 0;
}

/* The key of the sandbox as it is now; false when its size cannot be cached. */
static bool key_now(const struct sandbox_info *s, const char *upper, struct size_key *k)
{
	struct stat st;

	memset(k, 0, sizeof(*k));
	if (lstat(upper, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	k->dev = (uint64_t)st.st_dev;
	k->ino = (uint64_t)st.st_ino;
	if (s->state == SANDBOX_STOPPED) {
		k->state = 's';
		return true;
	}
	k->state = 'r';
	k->started = (int64_t)s->started;
	return s->state == SANDBOX_RUNNING && s->cgroup && cpu_usage(s->cgroup, &k->cpu_usec);
}

static bool cached(const char *path, const struct size_key *k, uint64_t *ret)
{
	char buf[256];
	struct size_key c = { 0 };
	int64_t walked;
	uint64_t bytes;

	if (read_text(path, buf, sizeof(buf)) < 0)
		return false;
	if (sscanf(buf,
		   UPPER_SIZE_MAGIC " %" SCNu64 " %" SCNu64 " %c %" SCNd64 " %" SCNu64 " %" SCNd64
				    " %" SCNu64,
		   &c.dev, &c.ino, &c.state, &c.started, &c.cpu_usec, &walked, &bytes) != 7)
		return false;
	if (c.dev != k->dev || c.ino != k->ino || c.state != k->state)
		return false;
	if (k->state == 'r') {
		int64_t now = (int64_t)time(NULL);
		if (c.started != k->started || c.cpu_usec != k->cpu_usec || walked > now ||
		    now - walked >= UPPER_SIZE_TTL)
			return false;
	}
	*ret = bytes;
	return true;
}

static void record(const char *path, const struct size_key *k, uint64_t bytes)
{
	_cleanup_free_ char *text = xasprintf(
	    UPPER_SIZE_MAGIC " %" PRIu64 " %" PRIu64 " %c %" PRId64 " %" PRIu64 " %" PRId64
			     " %" PRIu64 "\n",
	    k->dev, k->ino, k->state, k->started, k->cpu_usec, (int64_t)time(NULL), bytes);
	struct box_err *err = NULL;

	if (fs_write_file_replace(path, text, strlen(text), 0600, &err) < 0) {
		log_debug("upper size: %s", err ? err->msg : "not recorded");
		box_err_free(err);
	}
}

uint64_t sandbox_upper_size(const struct sandbox_info *s)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", s->data_dir);
	_cleanup_free_ char *path = xasprintf("%s/upper.size", s->data_dir);
	_cleanup_free_ char *lockp = xasprintf("%s/lock", s->data_dir);
	_cleanup_close_ int lock = -1;
	struct sandbox_runstate rs;
	struct size_key k;
	uint64_t bytes;

	if (!key_now(s, upper, &k))
		return du_bytes(upper);
	if (cached(path, &k, &bytes))
		return bytes;
	/* Stopped: the walk is recorded only if no start can begin before the record. */
	if (k.state == 's') {
		lock = lock_file(lockp, false, false, NULL);
		if (lock < 0 || sandbox_state_read(s->name, &rs) == 1)
			return du_bytes(upper);
	}
	bytes = du_bytes(upper);
	record(path, &k, bytes);
	return bytes;
}

void sandbox_upper_size_forget(const char *name)
{
	_cleanup_free_ char *dir = sandbox_data_dir(name);
	_cleanup_free_ char *path = xasprintf("%s/upper.size", dir);

	if (unlink(path) < 0 && errno != ENOENT)
		log_debug("remove '%s': %s", path, strerror(errno));
}
