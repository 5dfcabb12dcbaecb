/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A running sandbox's cgroup numbers, read every second for `box stats` and the
 * dashboard at the cost of about one syscall per file: cpu.stat, cgroup.procs,
 * pids.current, memory.current and each process's /proc/PID/statm stay open and are
 * re-read with pread at offset 0 (cgroupfs and /proc regenerate them). A file that
 * is absent (a controller that is not delegated) is not looked for again until
 * CG_ABSENT_RETRY_NS has passed. The statm descriptors pin the process they were
 * opened for, so a reused pid can never be mistaken for the old one. A cgroup whose
 * CPU counter did not move costs only the cpu.stat read (see cg_reader_read).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/xalloc.h"

#define KEEP_PIDS 32 /* statm descriptors kept per sandbox; the rest are opened per read */

struct kept_file {
	const char *name;
	bool optional;	   /* absent where its controller is not delegated */
	int fd;		   /* -1: not open */
	bool kept;	   /* fd counts against the fd_keep budget */
	bool absent;	   /* the last open failed with ENOENT */
	uint64_t tried_ns; /* when it was found absent */
};

struct pid_fd {
	pid_t pid;
	int fd;
};

struct cg_reader {
	char *dir;
	struct kept_file cpu, procs, pids, mem;
	struct pid_fd *statm; /* sorted by pid */
	size_t n_statm;
	char *buf;
	size_t cap;
	bool have_last; /* last and last_ns: the last full read */
	struct cg_stats last;
	uint64_t last_ns;
};

static void statm_close_all(struct cg_reader *r);

struct cg_reader *cg_reader_new(const char *cgroup_dir)
{
	struct cg_reader *r = xzalloc(sizeof(*r));

	r->dir = xstrdup(cgroup_dir);
	r->cpu = (struct kept_file){ .name = "cpu.stat", .fd = -1 };
	r->procs = (struct kept_file){ .name = "cgroup.procs", .fd = -1 };
	r->pids = (struct kept_file){ .name = "pids.current", .optional = true, .fd = -1 };
	r->mem = (struct kept_file){ .name = "memory.current", .optional = true, .fd = -1 };
	return r;
}

static void kept_close(struct kept_file *f)
{
	if (f->fd < 0)
		return;
	close(f->fd);
	if (f->kept)
		fd_keep_put();
	f->fd = -1;
	f->kept = false;
}

static void statm_close(struct pid_fd *p)
{
	close(p->fd);
	fd_keep_put();
}

struct cg_reader *cg_reader_free(struct cg_reader *r)
{
	if (!r)
		return NULL;
	kept_close(&r->cpu);
	kept_close(&r->procs);
	kept_close(&r->pids);
	kept_close(&r->mem);
	statm_close_all(r);
	free(r->buf);
	free(r->dir);
	free(r);
	return NULL;
}

/* Read one cgroup file into r->buf: through the kept fd, or opened for this read only
 * when the fd budget is spent. -ENOENT without a syscall while a known-absent file
 * waits for its retry. */
static ssize_t kept_read(struct cg_reader *r, struct kept_file *f, uint64_t now_ns)
{
	ssize_t n;

	if (f->fd < 0) {
		if (f->absent && now_ns - f->tried_ns < CG_ABSENT_RETRY_NS)
			return -ENOENT;
		_cleanup_free_ char *p = xasprintf("%s/%s", r->dir, f->name);
		f->fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (f->fd < 0) {
			int e = errno;
			f->absent = f->optional && e == ENOENT;
			f->tried_ns = now_ns;
			return -e;
		}
		f->absent = false;
		f->kept = fd_keep_take();
	}
	n = fs_pread_all(f->fd, &r->buf, &r->cap, CG_PROCS_MAX * 12);
	/* An error (ENODEV: the cgroup was removed) or no budget: open afresh next time. */
	if (n < 0 || !f->kept)
		kept_close(f);
	return n;
}

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = ((const struct pid_fd *)a)->pid, y = ((const struct pid_fd *)b)->pid;
	return (x > y) - (x < y);
}

static uint64_t statm_read(struct cg_reader *r, int fd)
{
	uint64_t res;
	ssize_t n = fs_pread_all(fd, &r->buf, &r->cap, 4096);

	if (n <= 0 || proc_parse_statm(r->buf, (size_t)n, &res) < 0)
		return 0;
	return res;
}

static uint64_t statm_once(struct cg_reader *r, pid_t pid)
{
	_cleanup_free_ char *p = xasprintf("%s/%d/statm", cg_proc_root(), (int)pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? 0 : statm_read(r, fd);
}

/* Resident pages of pid, through its kept statm fd (opened on first sight). At most
 * KEEP_PIDS go into next; the others are read through a descriptor of their own. */
static uint64_t statm_pages(struct cg_reader *r, pid_t pid, struct pid_fd *next, size_t *n_next)
{
	struct pid_fd key = { .pid = pid };
	struct pid_fd *have =
	    r->n_statm ? bsearch(&key, r->statm, r->n_statm, sizeof(key), pid_cmp) : NULL;

	if (have && have->fd >= 0 && *n_next < KEEP_PIDS) {
		next[(*n_next)++] = *have;
		have->fd = -1; /* moved */
		return statm_read(r, next[*n_next - 1].fd);
	}
	if (have || *n_next >= KEEP_PIDS || !fd_keep_take())
		return statm_once(r, pid);
	_cleanup_free_ char *p = xasprintf("%s/%d/statm", cg_proc_root(), (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fd_keep_put();
		return 0;
	}
	next[(*n_next)++] = (struct pid_fd){ .pid = pid, .fd = fd };
	return statm_read(r, fd);
}

static void statm_close_all(struct cg_reader *r)
{
	for (size_t i = 0; i < r->n_statm; i++)
		if (r->statm[i].fd >= 0)
			statm_close(&r->statm[i]);
	free(r->statm);
	r->statm = NULL;
	r->n_statm = 0;
}

/* Sum of resident memory over pids (sorted); statm fds of processes gone are closed. */
static uint64_t rss_sum_kept(struct cg_reader *r, const pid_t *pids, size_t n)
{
	struct pid_fd *next = xcalloc(KEEP_PIDS, sizeof(*next));
	size_t n_next = 0;
	uint64_t pages = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < n; i++)
		pages += statm_pages(r, pids[i], next, &n_next);
	statm_close_all(r);
	r->statm = next;
	r->n_statm = n_next;
	return pages * page;
}

/* Processes and memory: cgroup.procs, pids.current, memory.current or the statm sum. */
static int read_members(struct cg_reader *r, uint64_t now_ns, struct cg_stats *st,
			struct box_err **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	ssize_t len;
	int e;

	len = kept_read(r, &r->procs, now_ns);
	if (len < 0)
		return box_err_set(err, (int)-len, "read '%s/cgroup.procs'", r->dir);
	e = cg_parse_procs(r->buf, (size_t)len, &pids, &n);
	if (e < 0)
		return box_err_set(err, -e, "parse '%s/cgroup.procs'", r->dir);
	len = kept_read(r, &r->pids, now_ns);
	if (len < 0 || cg_parse_u64_file(r->buf, (size_t)len, &st->pids) < 0)
		st->pids = n;
	len = kept_read(r, &r->mem, now_ns);
	if (len < 0 || cg_parse_u64_file(r->buf, (size_t)len, &st->memory) < 0) {
		st->memory = rss_sum_kept(r, pids, n);
		st->memory_from_proc = true;
	} else {
		statm_close_all(r);
	}
	return 0;
}

int cg_reader_read(struct cg_reader *r, uint64_t now_ns, struct cg_stats *ret, struct box_err **err)
{
	struct cg_stats st = { 0 };
	ssize_t len;
	int e;

	len = kept_read(r, &r->cpu, now_ns);
	e = len < 0 ? (int)len : cg_parse_cpu_stat(r->buf, (size_t)len, &st.cpu_usec);
	if (e < 0) {
		/* The cgroup went (a restart makes a new one at the same path): its
		 * successor's counter says nothing about what was read here before. */
		r->have_last = false;
		return box_err_set(err, -e, "read '%s/cpu.stat'", r->dir);
	}
	/*
	 * No CPU time since the last full read: nothing in the cgroup ran, so no process
	 * forked, exited, moved in or touched memory. Only the kernel (reclaim) can have
	 * changed the memory since, which CG_IDLE_REUSE_NS bounds.
	 */
	if (r->have_last && st.cpu_usec == r->last.cpu_usec &&
	    now_ns - r->last_ns < CG_IDLE_REUSE_NS) {
		*ret = r->last;
		return 0;
	}
	e = read_members(r, now_ns, &st, err);
	if (e < 0) {
		r->have_last = false;
		return e;
	}
	r->last = st;
	r->last_ns = now_ns;
	r->have_last = true;
	*ret = st;
	return 0;
}
