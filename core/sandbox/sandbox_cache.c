/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox list for a refresh loop (`box stats`, the dashboard): what
 * sandbox_list gives (less the size of each writable layer), without re-reading what did not
 * change. The sandboxes directory is listed again only when its mtime moves; each config.json and
 * state file is parsed again only when its stat key (device, inode, size, mtime, ctime) changes; a
 * running sandbox's supervisor and init are watched through pidfds, all of them in one poll,
 * instead of reading two /proc/PID/stat per sandbox. Where inotify is available, those directories
 * are watched and only what an event names is looked at again, so a refresh of unchanged sandboxes
 * costs one read of the inotify fd instead of two stats per sandbox; without it, everything is
 * stat'ed. A timestamp within RACY_NS of the moment it was read may still hide a change made in the
 * same clock tick, so such files and directories are read again until they settle (as git does with
 * racily clean index entries).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "sandbox.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define RACY_NS	   (2LL * 1000000000LL)
#define CONFIG_MAX (1024 * 1024)
#define STATE_MAX  8192

/* The sandboxes and runtime directories: entries come and go. */
#define DIR_EVENTS                                                                                 \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |     \
	 IN_ONLYDIR)
/* A sandbox's data and runtime directories: config.json and state are replaced by
 * rename or removed; closes after a write and attribute changes are watched too. */
#define FILE_EVENTS (DIR_EVENTS | IN_CLOSE_WRITE | IN_ATTRIB)

struct file_key {
	bool valid;
	bool racy; /* its mtime was too recent to trust when it was read */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct entry {
	struct sandbox_info info;
	bool has_config; /* config.json parsed: the sandbox is listed */
	struct file_key cfg, state;
	int pidfd[2];	  /* supervisor, init; -1 when not watched */
	bool verify_proc; /* no pidfds: check the start times in /proc each refresh */
	uint64_t start[2];
	bool seen;
	int wd_cfg;	 /* inotify watch on its data dir; -1 none */
	int wd_state;	 /* ... on its runtime dir; -1 none (absent: the runtime dir's tells) */
	bool state_poll; /* its runtime dir exists but could not be watched */
	bool cfg_dirty, state_dirty;
};

struct sandbox_cache {
	char *data_dir;	   /* $DATA/sandboxes */
	char *runtime_dir; /* $RUNTIME (paths_runtime_dir) */
	int data_fd, run_fd;
	struct file_key data_key, run_key;
	struct entry *e; /* sorted by name */
	size_t n;
	struct sandbox_info *out;
	unsigned loads;
	int ino; /* inotify fd; -1: stat everything every refresh */
	int wd_data, wd_run;
	bool list_dirty, run_dirty;
};

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000LL + t->tv_nsec;
}

static int64_t wall_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ts_ns(&t);
}

static struct file_key key_of(const struct stat *st)
{
	return (struct file_key){ .valid = true,
				  .racy = ts_ns(&st->st_mtim) + RACY_NS > wall_ns(),
				  .dev = st->st_dev,
				  .ino = st->st_ino,
				  .size = st->st_size,
				  .mtime = st->st_mtim,
				  .ctime = st->st_ctim };
}

/* Whether the file behind st may differ from what was read under k. */
static bool key_changed(const struct file_key *k, const struct stat *st)
{
	return !k->valid || k->racy || k->dev != st->st_dev || k->ino != st->st_ino ||
	       k->size != st->st_size || ts_ns(&k->mtime) != ts_ns(&st->st_mtim) ||
	       ts_ns(&k->ctime) != ts_ns(&st->st_ctim);
}

static struct sandbox_cache *cache_new(bool watch)
{
	struct sandbox_cache *c = xzalloc(sizeof(*c));
	_cleanup_free_ char *data = paths_data_dir();

	c->data_dir = xasprintf("%s/sandboxes", data);
	c->runtime_dir = paths_runtime_dir();
	c->data_fd = c->run_fd = -1;
	c->wd_data = c->wd_run = -1;
	c->ino = watch ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
	if (watch && c->ino < 0)
		log_debug("no inotify (%s): the sandbox list is stat'ed every refresh",
			  strerror(errno));
	return c;
}

struct sandbox_cache *sandbox_cache_new(void)
{
	return cache_new(true);
}

struct sandbox_cache *sandbox_cache_new_polling(void)
{
	return cache_new(false);
}

static void entry_release_pids(struct entry *e)
{
	for (int i = 0; i < 2; i++)
		if (e->pidfd[i] >= 0) {
			close(e->pidfd[i]);
			fd_keep_put();
			e->pidfd[i] = -1;
		}
	e->verify_proc = false;
}

/* Stopped: what the state file said no longer holds. */
static void entry_stopped(struct entry *e)
{
	entry_release_pids(e);
	e->info.state = SANDBOX_STOPPED;
	e->info.supervisor_pid = e->info.init_pid = 0;
	e->info.started = 0;
	free(e->info.cgroup);
	e->info.cgroup = NULL;
}

static void entry_free(struct sandbox_cache *c, struct entry *e)
{
	entry_release_pids(e);
	if (c->ino >= 0 && e->wd_cfg >= 0)
		inotify_rm_watch(c->ino, e->wd_cfg);
	if (c->ino >= 0 && e->wd_state >= 0)
		inotify_rm_watch(c->ino, e->wd_state);
	free(e->info.name);
	free(e->info.image);
	free(e->info.image_digest);
	free(e->info.cgroup);
	free(e->info.data_dir);
	free(e->info.runtime_dir);
	free(e->info.network);
}

struct sandbox_cache *sandbox_cache_free(struct sandbox_cache *c)
{
	if (!c)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		entry_free(c, &c->e[i]);
	free(c->e);
	free(c->out);
	if (c->ino >= 0)
		close(c->ino);
	if (c->data_fd >= 0)
		close(c->data_fd);
	if (c->run_fd >= 0)
		close(c->run_fd);
	free(c->data_dir);
	free(c->runtime_dir);
	free(c);
	return NULL;
}

unsigned sandbox_cache_loads(const struct sandbox_cache *c)
{
	return c->loads;
}

/* ---- the directories ---- */

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->info.name, ((const struct entry *)b)->info.name);
}

/* Keep *fd on the directory at path (reopened when it was replaced); false if absent. */
static bool dir_track(const char *path, int *fd, struct file_key *k, struct stat *st)
{
	if (stat(path, st) < 0) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		k->valid = false;
		return false;
	}
	if (*fd < 0 || !k->valid || k->dev != st->st_dev || k->ino != st->st_ino) {
		if (*fd >= 0)
			close(*fd);
		*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		k->valid = false;
	}
	return *fd >= 0;
}

static struct entry *entry_find(struct sandbox_cache *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (streq(c->e[i].info.name, name))
			return &c->e[i];
	return NULL;
}

/* Watch an entry's runtime dir (made at start, removed at stop). Absent, the runtime
 * dir's watch says when it appears; unwatchable, its state is stat'ed every refresh. */
static void watch_state(struct sandbox_cache *c, struct entry *e)
{
	e->state_dirty = true;
	if (c->ino < 0)
		return;
	e->wd_state = inotify_add_watch(c->ino, e->info.runtime_dir, FILE_EVENTS);
	e->state_poll = e->wd_state < 0 && errno != ENOENT && errno != ENOTDIR;
}

static void watch_config(struct sandbox_cache *c, struct entry *e)
{
	e->cfg_dirty = true;
	if (c->ino >= 0)
		e->wd_cfg = inotify_add_watch(c->ino, e->info.data_dir, FILE_EVENTS);
}

static void entry_add(struct sandbox_cache *c, const char *name)
{
	c->e = xrealloc(c->e, (c->n + 1) * sizeof(*c->e));
	struct entry *e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->pidfd[0] = e->pidfd[1] = -1;
	e->wd_cfg = e->wd_state = -1;
	e->info.name = xstrdup(name);
	e->info.data_dir = xasprintf("%s/%s", c->data_dir, name);
	e->info.runtime_dir = xasprintf("%s/%s", c->runtime_dir, name);
	e->seen = true;
	/* Watched before the first read, so no change can fall in between. */
	watch_config(c, e);
	watch_state(c, e);
}

/* Read the sandboxes directory again: new names get an entry, vanished ones go. */
static int relist(struct sandbox_cache *c, struct box_err **err)
{
	int fd = openat(c->data_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	size_t o = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return box_err_set(err, errno, "open '%s'", c->data_dir);
	}
	for (size_t i = 0; i < c->n; i++)
		c->e[i].seen = false;
	while ((de = readdir(d))) {
		if (!sandbox_name_valid(de->d_name))
			continue;
		struct entry *e = entry_find(c, de->d_name);
		if (e)
			e->seen = true;
		else
			entry_add(c, de->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < c->n; i++) {
		if (c->e[i].seen)
			c->e[o++] = c->e[i];
		else
			entry_free(c, &c->e[i]);
	}
	c->n = o;
	if (c->n)
		qsort(c->e, c->n, sizeof(*c->e), cmp_entry);
	return 0;
}

/* ---- config.json ---- */

static void config_sync(struct sandbox_cache *c, struct entry *e)
{
	_cleanup_free_ char *rel = xasprintf("%s/config.json", e->info.name);
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct sandbox_config *cfg = NULL;
	struct stat st;
	size_t len;

	if (fstatat(c->data_fd, rel, &st, 0) < 0) {
		e->has_config = false;
		e->cfg.valid = false;
		return;
	}
	if (!key_changed(&e->cfg, &st))
		return;
	fd = openat(c->data_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0 || fs_read_fd_all(fd, CONFIG_MAX, &buf, &len) < 0) {
		e->has_config = false;
		e->cfg.valid = false;
		return;
	}
	c->loads++;
	/* Keyed by what was read, so a change racing the read is seen next time. */
	e->cfg = key_of(&st);
	e->has_config = sandbox_config_parse(buf, len, &cfg, NULL) == 0;
	if (!e->has_config) {
		log_debug("skipping sandbox '%s': unreadable config", e->info.name);
		return;
	}
	sandbox_info_set_config(&e->info, cfg);
	sandbox_config_free(cfg);
}

/* ---- state ---- */

static int pidfd_open_(pid_t pid)
{
	if (!fd_keep_take())
		return -EMFILE;
	int fd = pidfd_for(pid);
	if (fd < 0) {
		int e = errno;
		fd_keep_put();
		return -e;
	}
	return fd;
}

/*
 * Running when the supervisor and init named by the state are the processes that
 * started then (pid reuse). The pidfds are opened before the start times are
 * compared, so they refer to exactly the processes that were checked.
 */
static bool state_watch(struct entry *e, const struct sandbox_runstate *rs)
{
	pid_t pid[2] = { rs->supervisor_pid, rs->init_pid };

	e->start[0] = rs->supervisor_start;
	e->start[1] = rs->init_start;
	for (int i = 0; i < 2; i++) {
		int fd = pidfd_open_(pid[i]);
		if (fd == -ESRCH)
			return false;
		e->pidfd[i] = fd >= 0 ? fd : -1;
		if (fd < 0)
			e->verify_proc = true;
	}
	for (int i = 0; i < 2; i++)
		if (proc_start_time(pid[i]) != e->start[i])
			return false;
	return true;
}

static void state_load(struct sandbox_cache *c, struct entry *e, int fd, const struct stat *st)
{
	struct sandbox_runstate rs;
	char buf[STATE_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	c->loads++;
	e->state = key_of(st);
	entry_stopped(e);
	if (n <= 0 || n == (ssize_t)sizeof(buf) || sandbox_state_parse(buf, (size_t)n, &rs) < 0)
		return;
	if (!state_watch(e, &rs)) {
		entry_release_pids(e);
		return;
	}
	e->info.state = SANDBOX_RUNNING;
	e->info.supervisor_pid = rs.supervisor_pid;
	e->info.init_pid = rs.init_pid;
	e->info.started = (time_t)rs.started;
	e->info.cgroup = rs.cgroup[0] ? xstrdup(rs.cgroup) : NULL;
}

/* Without pidfds: the start times in /proc, as sandbox_state_read does. */
static void state_verify(struct entry *e)
{
	if (e->verify_proc && (proc_start_time(e->info.supervisor_pid) != e->start[0] ||
			       proc_start_time(e->info.init_pid) != e->start[1]))
		entry_stopped(e);
}

static void state_sync(struct sandbox_cache *c, struct entry *e)
{
	_cleanup_free_ char *rel = xasprintf("%s/state", e->info.name);
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (c->run_fd < 0 || fstatat(c->run_fd, rel, &st, 0) < 0) {
		e->state.valid = false;
		entry_stopped(e);
		return;
	}
	if (!key_changed(&e->state, &st)) {
		state_verify(e);
		return;
	}
	fd = openat(c->run_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e->state.valid = false;
		entry_stopped(e);
		return;
	}
	state_load(c, e, fd, &st);
}

/* One poll over every pidfd: a supervisor or init that exited stops its sandbox. */
static void reap_exited(struct sandbox_cache *c)
{
	_cleanup_free_ struct pollfd *p = xcalloc(c->n * 2 + 1, sizeof(*p));
	_cleanup_free_ size_t *owner = xcalloc(c->n * 2 + 1, sizeof(*owner));
	nfds_t n = 0;

	for (size_t i = 0; i < c->n; i++)
		for (int k = 0; k < 2; k++)
			if (c->e[i].info.state == SANDBOX_RUNNING && c->e[i].pidfd[k] >= 0) {
				p[n] = (struct pollfd){ .fd = c->e[i].pidfd[k], .events = POLLIN };
				owner[n++] = i;
			}
	if (n == 0 || poll(p, n, 0) <= 0)
		return;
	for (nfds_t i = 0; i < n; i++)
		if (p[i].revents)
			entry_stopped(&c->e[owner[i]]);
}

/* ---- inotify ---- */

static void all_dirty(struct sandbox_cache *c)
{
	c->list_dirty = c->run_dirty = true;
	for (size_t i = 0; i < c->n; i++)
		c->e[i].cfg_dirty = c->e[i].state_dirty = true;
}

/* An event on the runtime dir names a sandbox whose runtime dir came or went. */
static void on_run_event(struct sandbox_cache *c, const struct inotify_event *ev)
{
	if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
		/* Moved away, the watch would follow it: watch the path again instead. */
		if (ev->mask & IN_MOVE_SELF)
			inotify_rm_watch(c->ino, c->wd_run);
		if (ev->mask & (IN_IGNORED | IN_MOVE_SELF))
			c->wd_run = -1;
		c->run_dirty = true;
		return;
	}
	struct entry *e = ev->len ? entry_find(c, ev->name) : NULL;
	if (!e)
		return;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		watch_state(c, e);
	e->state_dirty = true;
}

static void on_entry_event(struct sandbox_cache *c, const struct inotify_event *ev)
{
	for (size_t i = 0; i < c->n; i++) {
		struct entry *e = &c->e[i];
		bool cfg = ev->wd == e->wd_cfg, state = ev->wd == e->wd_state;
		if (!cfg && !state)
			continue;
		const char *want = cfg ? "config.json" : "state";
		int *wd = cfg ? &e->wd_cfg : &e->wd_state;
		if (ev->mask & IN_MOVE_SELF)
			inotify_rm_watch(c->ino, *wd);
		if (ev->mask & (IN_IGNORED | IN_MOVE_SELF))
			*wd = -1;
		if (!ev->len || streq(ev->name, want) || *wd < 0)
			*(cfg ? &e->cfg_dirty : &e->state_dirty) = true;
		return;
	}
}

static void on_event(struct sandbox_cache *c, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		all_dirty(c);
	else if (ev->wd == c->wd_data) {
		if (ev->mask & IN_MOVE_SELF)
			inotify_rm_watch(c->ino, c->wd_data);
		if (ev->mask & (IN_IGNORED | IN_MOVE_SELF))
			c->wd_data = -1;
		c->list_dirty = true;
	} else if (ev->wd == c->wd_run)
		on_run_event(c, ev);
	else
		on_entry_event(c, ev);
}

/* Everything that happened since the last refresh: one read when nothing did. */
static void drain(struct sandbox_cache *c)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(c->ino, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			on_event(c, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}

/* ---- the list ---- */

static void drop_all(struct sandbox_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		entry_free(c, &c->e[i]);
	c->n = 0;
}

static int sync_data_dir(struct sandbox_cache *c, struct box_err **err)
{
	struct stat st;
	bool watched;

	if (c->ino >= 0 && c->wd_data < 0) {
		c->wd_data = inotify_add_watch(c->ino, c->data_dir, DIR_EVENTS);
		c->list_dirty = true;
	}
	watched = c->ino >= 0 && c->wd_data >= 0;
	if (watched && !c->list_dirty && c->data_fd >= 0)
		return 0;
	c->list_dirty = false;
	if (!dir_track(c->data_dir, &c->data_fd, &c->data_key, &st)) {
		drop_all(c);
		return 0;
	}
	if (watched || key_changed(&c->data_key, &st)) {
		int r = relist(c, err);
		if (r < 0)
			return r;
		c->data_key = key_of(&st);
	}
	return 0;
}

static void sync_run_dir(struct sandbox_cache *c)
{
	struct stat st;
	bool watched;

	if (c->ino >= 0 && c->wd_run < 0) {
		c->wd_run = inotify_add_watch(c->ino, c->runtime_dir, DIR_EVENTS);
		c->run_dirty = true;
	}
	watched = c->ino >= 0 && c->wd_run >= 0;
	if (watched && !c->run_dirty && c->run_fd >= 0)
		return;
	c->run_dirty = false;
	if (dir_track(c->runtime_dir, &c->run_fd, &c->run_key, &st))
		c->run_key = key_of(&st);
	/* Re-watched or replaced: every sandbox's runtime dir may have changed. */
	if (watched)
		for (size_t i = 0; i < c->n; i++)
			watch_state(c, &c->e[i]);
}

static void entry_sync(struct sandbox_cache *c, struct entry *e)
{
	bool watching = c->ino >= 0;

	if (watching && e->wd_cfg < 0)
		watch_config(c, e);
	if (!watching || e->wd_cfg < 0 || e->cfg_dirty) {
		e->cfg_dirty = false;
		config_sync(c, e);
	}
	if (!e->has_config)
		return;
	if (!watching || c->wd_run < 0 || e->state_poll || e->state_dirty) {
		e->state_dirty = false;
		state_sync(c, e);
	} else if (e->verify_proc) {
		state_verify(e);
	}
}

int sandbox_cache_list(struct sandbox_cache *c, const struct sandbox_info **ret, size_t *ret_n,
		       struct box_err **err)
{
	size_t o = 0;
	int r;

	if (c->ino >= 0)
		drain(c);
	/* The runtime dir first: the entries a new listing adds are then watched once. */
	sync_run_dir(c);
	r = sync_data_dir(c, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n; i++)
		entry_sync(c, &c->e[i]);
	reap_exited(c);
	c->out = xrealloc(c->out, (c->n + 1) * sizeof(*c->out));
	for (size_t i = 0; i < c->n; i++)
		if (c->e[i].has_config)
			c->out[o++] = c->e[i].info;
	*ret = c->out;
	*ret_n = o;
	return 0;
}
