/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshots, restore and clone of a sandbox's writable layer (see snapshot.h). The
 * host-side steps (locks, names, the info file, renames into place) run here; the
 * copies and removals of files with subordinate owners run in one child in the user
 * namespace per operation.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../cgroup/freeze.h"
#include "../host/idmap.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/macro.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "sandbox.h"
#include "snapshot.h"

enum job_op { JOB_COPY, JOB_RESTORE, JOB_CLONE, JOB_REMOVE };

/* What the namespace child does; stats is a shared mapping it fills. */
struct job {
	enum job_op op;
	const char *src;     /* tree to copy (or remove) */
	const char *dst;     /* where the copy goes (must not exist) */
	const char *datadir; /* RESTORE: the sandbox; CLONE: the new sandbox's dir */
	const char *home;    /* CLONE: the isolated home to copy, or NULL */
	uid_t uid;
	gid_t gid;
	struct copytree_stats *stats;
};

/* ---- freezing ---- */

int sandbox_quiesce(const char *name, char **ret_cgroup, struct box_err **err)
{
	struct sandbox_runstate st;
	int r;

	if (sandbox_state_read(name, &st) != 1) {
		*ret_cgroup = NULL;
		return 0;
	}
	if (!st.cgroup[0])
		return box_err_set(err, EBUSY,
				   "sandbox '%s' is running and has no cgroup box could freeze: "
				   "stop it first ('box stop %s')",
				   name, name);
	r = cg_freeze(st.cgroup, true, err);
	if (r < 0) {
		cg_freeze(st.cgroup, false, NULL);
		return box_err_wrap(err,
				    "sandbox '%s' is running and could not be frozen: stop it "
				    "first ('box stop %s')",
				    name, name);
	}
	*ret_cgroup = xstrdup(st.cgroup);
	return 0;
}

void sandbox_thaw(char *cgroup)
{
	struct box_err *e = NULL;

	if (!cgroup)
		return;
	if (cg_freeze(cgroup, false, &e) < 0) {
		log_warn("thaw %s: %s", cgroup, e->msg);
		box_err_free(e);
	}
	free(cgroup);
}

/* ---- the namespace child ---- */

static int fresh_dir(const char *path, uid_t uid, gid_t gid, struct box_err **err)
{
	if (rm_rf(path, err) < 0)
		return -EIO;
	if (mkdir(path, 0700) < 0 || chown(path, uid, gid) < 0)
		return box_err_set(err, errno, "create '%s'", path);
	return 0;
}

/* The copy of the snapshot takes upper/'s place in one exchange; the old upper/ goes
 * to the safety snapshot; work/ (overlay's scratch space for that upper) starts empty. */
static int restore_in_ns(const struct job *j, struct box_err **err)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", j->datadir);
	_cleanup_free_ char *work = xasprintf("%s/work", j->datadir);

	if (renameat2(AT_FDCWD, j->dst, AT_FDCWD, upper, RENAME_EXCHANGE) < 0)
		return box_err_set(err, errno, "exchange '%s' and '%s'", j->dst, upper);
	_cleanup_free_ char *safety = xasprintf("%s/upper", j->home);
	if (rename(j->dst, safety) < 0)
		return box_err_set(err, errno, "move '%s' to '%s'", j->dst, safety);
	return fresh_dir(work, j->uid, j->gid, err);
}

static int job_child(struct spawn_ctx *ctx, struct box_err **err)
{
	const struct job *j = ctx->arg;
	int r;

	if (j->op == JOB_REMOVE)
		return rm_rf(j->src, err) < 0 ? -EIO : 0;
	if (j->op == JOB_RESTORE && rm_rf(j->dst, err) < 0)
		return -EIO;
	r = copytree(j->src, j->dst, j->stats, err);
	if (r < 0)
		return r;
	if (j->op == JOB_RESTORE)
		return restore_in_ns(j, err);
	if (j->op != JOB_CLONE)
		return 0;
	_cleanup_free_ char *work = xasprintf("%s/work", j->datadir);
	r = fresh_dir(work, j->uid, j->gid, err);
	if (r == 0 && j->home) {
		_cleanup_free_ char *home = xasprintf("%s/home", j->datadir);
		struct copytree_stats hs;
		r = copytree(j->home, home, &hs, err);
	}
	return r;
}

static int run_job(struct job *j, struct copytree_stats *ret, struct box_err **err)
{
	struct box_ids ids;
	int r = ids_load(&ids, err);

	if (r < 0)
		return r;
	j->uid = ids.uid;
	j->gid = ids.gid;
	j->stats = mmap(NULL, sizeof(*j->stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			-1, 0);
	if (j->stats == MAP_FAILED) {
		ids_done(&ids);
		return box_err_set(err, errno, "map shared memory");
	}
	memset(j->stats, 0, sizeof(*j->stats));
	r = spawn_userns_wait(&ids, 0, job_child, j, err);
	ids_done(&ids);
	if (r > 0)
		r = box_err_set(err, EIO, "the copy ended with status %d", r);
	if (r == 0 && ret)
		*ret = *j->stats;
	munmap(j->stats, sizeof(*j->stats));
	return r;
}

/* ---- snapshots ---- */

static char *snapshots_dir(const char *name)
{
	_cleanup_free_ char *d = sandbox_data_dir(name);
	return xasprintf("%s/snapshots", d);
}

static char *time_name(const char *prefix)
{
	char buf[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("%s%s", prefix, buf);
}

/* A time name not yet taken in dir: two restores within one second get -2, -3, ... */
static char *unique_time_name(const char *dir, const char *prefix)
{
	char *name = time_name(prefix);
	_cleanup_free_ char *base = xstrdup(name);

	for (unsigned i = 2;; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
		if (access(p, F_OK) < 0 && errno == ENOENT)
			return name;
		free(name);
		name = xasprintf("%s-%u", base, i);
	}
}

static int check_names(const char *name, const char *snap, struct box_err **err)
{
	if (!sandbox_exists(name))
		return box_err_set(err, ENOENT, "no sandbox named '%s' (see 'box list')", name);
	if (snap && !sandbox_name_valid(snap))
		return box_err_set(err, EINVAL,
				   "invalid snapshot name '%s' (letters, digits, '_', '.', "
				   "'-'; at most %d)",
				   snap, SANDBOX_NAME_MAX);
	return 0;
}

/* A temporary dir under dir that only a rename makes visible (dot names are not listed). */
static char *make_tmp(const char *dir, struct box_err **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/.tmp-XXXXXX", dir);

	if (mkdir_p(dir, 0700, err) < 0)
		return NULL;
	if (!mkdtemp(tmp)) {
		box_err_set(err, errno, "create '%s'", tmp);
		return NULL;
	}
	return TAKE_PTR(tmp);
}

static void discard_tmp(const char *tmp)
{
	struct job j = { .op = JOB_REMOVE, .src = tmp };
	struct box_err *e = NULL;

	if (tmp && run_job(&j, NULL, &e) < 0) {
		log_warn("remove '%s': %s", tmp, e->msg);
		box_err_free(e);
	}
}

/* Write tmp/info and rename tmp to dir/snap. */
static int publish(const char *tmp, const char *dir, const char *snap, uint64_t bytes,
		   struct box_err **err)
{
	_cleanup_free_ char *info = xasprintf("%s/info", tmp);
	_cleanup_free_ char *text = xasprintf("created=%lld\nbytes=%llu\n", (long long)time(NULL),
					      (unsigned long long)bytes);
	_cleanup_free_ char *dest = xasprintf("%s/%s", dir, snap);
	int r = fs_write_file_atomic(info, text, strlen(text), 0600, err);

	if (r < 0)
		return r;
	if (rename(tmp, dest) < 0)
		return box_err_set(err, errno == ENOTEMPTY ? EEXIST : errno,
				   "a snapshot named '%s' already exists", snap);
	return 0;
}

int snapshot_create(const char *name, const char *snap, char **ret_snap,
		    struct copytree_stats *ret_stats, struct box_err **err)
{
	_cleanup_free_ char *dir = snapshots_dir(name), *data = sandbox_data_dir(name);
	_cleanup_free_ char *sname = snap ? xstrdup(snap) : time_name("");
	_cleanup_free_ char *upper = xasprintf("%s/upper", data), *tmp = NULL, *dst = NULL;
	_cleanup_free_ char *dest = NULL, *cg = NULL;
	struct copytree_stats st;
	int r = check_names(name, sname, err);

	if (r < 0)
		return r;
	dest = xasprintf("%s/%s", dir, sname);
	if (path_exists(dest))
		return box_err_set(err, EEXIST, "sandbox '%s' has a snapshot named '%s' already",
				   name, sname);
	_cleanup_close_ int lock = sandbox_lock(name, true, err);
	if (lock < 0 || !(tmp = make_tmp(dir, err)))
		return lock < 0 ? lock : -EIO;
	r = sandbox_quiesce(name, &cg, err);
	if (r == 0) {
		dst = xasprintf("%s/upper", tmp);
		struct job j = { .op = JOB_COPY, .src = upper, .dst = dst };
		r = run_job(&j, &st, err);
		sandbox_thaw(TAKE_PTR(cg));
	}
	if (r == 0)
		r = publish(tmp, dir, sname, st.bytes, err);
	if (r < 0) {
		discard_tmp(tmp);
		return r;
	}
	if (ret_stats)
		*ret_stats = st;
	*ret_snap = TAKE_PTR(sname);
	return 0;
}

static void read_info(const char *dir, const char *snap, struct snapshot_info *s)
{
	_cleanup_free_ char *path = xasprintf("%s/%s/info", dir, snap), *buf = NULL;
	size_t len;
	char *p;

	s->name = xstrdup(snap);
	if (fs_read_file(path, 4096, &buf, &len, NULL) < 0)
		return;
	if ((p = strstr(buf, "created=")))
		s->created = strtoll(p + 8, NULL, 10);
	if ((p = strstr(buf, "bytes=")))
		s->bytes = strtoull(p + 6, NULL, 10);
}

static int cmp_snap(const void *a, const void *b)
{
	const struct snapshot_info *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

int snapshot_list(const char *name, struct snapshot_info **ret, size_t *ret_n, struct box_err **err)
{
	_cleanup_free_ char *dir = snapshots_dir(name);
	_cleanup_closedir_ DIR *d = NULL;
	struct snapshot_info *list = NULL;
	struct dirent *de;
	size_t n = 0;
	int r = check_names(name, NULL, err);

	if (r < 0)
		return r;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		list = xrealloc(list, (n + 1) * sizeof(*list));
		memset(&list[n], 0, sizeof(*list));
		read_info(dir, de->d_name, &list[n++]);
	}
	if (n)
		qsort(list, n, sizeof(*list), cmp_snap);
	*ret = list;
	*ret_n = n;
	return 0;
}

void snapshot_info_list_free(struct snapshot_info *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i].name);
	free(list);
}

static int find_snapshot(const char *name, const char *snap, char **ret, struct box_err **err)
{
	_cleanup_free_ char *dir = snapshots_dir(name);
	int r = check_names(name, snap, err);

	if (r < 0)
		return r;
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, snap);
	if (!is_dir(path))
		return box_err_set(err, ENOENT,
				   "sandbox '%s' has no snapshot named '%s' (see 'box snapshots "
				   "%s')",
				   name, snap, name);
	*ret = TAKE_PTR(path);
	return 0;
}

int snapshot_remove(const char *name, const char *snap, struct box_err **err)
{
	_cleanup_free_ char *path = NULL, *dir = snapshots_dir(name), *gone = NULL;
	int r = find_snapshot(name, snap, &path, err);

	if (r < 0)
		return r;
	/* Out of sight first (one rename), then removed. */
	gone = make_tmp(dir, err);
	if (!gone)
		return -EIO;
	_cleanup_free_ char *target = xasprintf("%s/snap", gone);
	if (rename(path, target) < 0)
		return box_err_set(err, errno, "remove snapshot '%s'", path);
	struct job j = { .op = JOB_REMOVE, .src = gone };
	return run_job(&j, NULL, err);
}

static int check_stopped(const char *name, struct box_err **err)
{
	struct sandbox_runstate st;

	if (sandbox_state_read(name, &st) == 1)
		return box_err_set(err, EBUSY,
				   "sandbox '%s' is running: stop it first ('box stop %s')", name,
				   name);
	return 0;
}

int snapshot_restore(const char *name, const char *snap, char **ret_safety, struct box_err **err)
{
	_cleanup_free_ char *path = NULL, *dir = snapshots_dir(name),
			    *data = sandbox_data_dir(name);
	_cleanup_free_ char *safety = unique_time_name(dir, "before-restore-"), *tmp = NULL;
	_cleanup_free_ char *src = NULL, *fresh = xasprintf("%s/.restore", data);
	int r = find_snapshot(name, snap, &path, err);

	if (r < 0)
		return r;
	_cleanup_close_ int lock = sandbox_lock(name, true, err);
	if (lock < 0)
		return lock;
	if ((r = check_stopped(name, err)) < 0)
		return r;
	if (!(tmp = make_tmp(dir, err)))
		return -EIO;
	src = xasprintf("%s/upper", path);
	struct job j = {
		.op = JOB_RESTORE, .src = src, .dst = fresh, .datadir = data, .home = tmp
	};
	struct copytree_stats st;
	r = run_job(&j, &st, err);
	if (r == 0) {
		_cleanup_free_ char *up = xasprintf("%s/upper", tmp);
		r = publish(tmp, dir, safety, du_bytes(up), err);
	}
	if (r < 0) {
		discard_tmp(tmp);
		return r;
	}
	*ret_safety = TAKE_PTR(safety);
	return 0;
}

/* ---- clone ---- */

static int write_clone_config(const char *src, const char *dst, const char *tmp,
			      struct box_err **err)
{
	struct sandbox_config *c = NULL;
	_cleanup_free_ char *ddir = sandbox_data_dir(dst), *json = NULL;
	_cleanup_free_ char *path = xasprintf("%s/config.json", tmp);
	int r = sandbox_config_load(src, &c, err);

	if (r < 0)
		return r;
	free(c->name);
	c->name = xstrdup(dst);
	c->created = (int64_t)time(NULL);
	if (c->home == SANDBOX_HOME_ISOLATED) {
		free(c->home_path);
		c->home_path = xasprintf("%s/home", ddir);
	}
	json = sandbox_config_format(c);
	sandbox_config_free(c);
	return fs_write_file_atomic(path, json, strlen(json), 0600, err);
}

int sandbox_clone(const char *src, const char *dst, struct box_err **err)
{
	_cleanup_free_ char *sdata = sandbox_data_dir(src), *ddata = sandbox_data_dir(dst);
	_cleanup_free_ char *upper = xasprintf("%s/upper", sdata), *home = NULL, *tmp = NULL;
	_cleanup_free_ char *parent = xstrdup(ddata), *tupper = NULL, *cg = NULL;
	int r = check_names(src, dst, err);

	if (r < 0)
		return r;
	if (sandbox_exists(dst))
		return box_err_set(err, EEXIST, "a sandbox named '%s' already exists", dst);
	*strrchr(parent, '/') = '\0';
	home = xasprintf("%s/home", sdata);
	_cleanup_close_ int lock = sandbox_lock(src, true, err);
	if (lock < 0 || !(tmp = make_tmp(parent, err)))
		return lock < 0 ? lock : -EIO;
	tupper = xasprintf("%s/upper", tmp);
	struct job j = { .op = JOB_CLONE, .src = upper, .dst = tupper, .datadir = tmp };
	if (is_dir(home))
		j.home = home;
	r = sandbox_quiesce(src, &cg, err);
	if (r == 0) {
		r = run_job(&j, NULL, err);
		sandbox_thaw(TAKE_PTR(cg));
	}
	if (r == 0)
		r = write_clone_config(src, dst, tmp, err);
	if (r == 0 && rename(tmp, ddata) < 0)
		r = box_err_set(err, errno, "move the clone into place at '%s'", ddata);
	if (r < 0)
		discard_tmp(tmp);
	return r;
}
