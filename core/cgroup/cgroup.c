/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2 for sandboxes: find the subtree the user may write (the process's own
 * cgroup when it was delegated, as a systemd user manager or the CI setup does),
 * create one cgroup per running sandbox, write limits where their controllers are
 * delegated and say precisely why when they are not, and read the numbers the
 * dashboard shows. Where a controller is missing (memory on hybrid hosts) the numbers
 * come from /proc instead. Every parser takes a buffer so it can be fuzzed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define CPU_PERIOD_USEC 100000
#define DESCENDANTS_MAX 4096

static const char *proc_root = "/proc";

void cg_set_proc_root(const char *root)
{
	proc_root = root ? root : "/proc";
}

const char *cg_proc_root(void)
{
	return proc_root;
}

/* ---- parsers (pure, buffer in) ---- */

/* Copy one line of buf starting at *pos into line (truncated to size), advance *pos. */
static bool next_line(const char *buf, size_t len, size_t *pos, char *line, size_t size)
{
	size_t i = *pos, n = 0;

	if (i >= len)
		return false;
	while (i < len && buf[i] != '\n') {
		if (n + 1 < size)
			line[n++] = buf[i];
		i++;
	}
	line[n] = '\0';
	*pos = i < len ? i + 1 : i;
	return true;
}

int cg_parse_cpu_stat(const char *buf, size_t len, uint64_t *ret_usage_usec)
{
	char line[256];
	size_t pos = 0;

	if (len > CG_FILE_MAX)
		return -EFBIG;
	while (next_line(buf, len, &pos, line, sizeof(line))) {
		char *v;
		if (!str_startswith(line, "usage_usec "))
			continue;
		v = str_strip(line + strlen("usage_usec "));
		return parse_u64(v, ret_usage_usec) < 0 ? -EINVAL : 0;
	}
	return -ENOENT;
}

int cg_parse_u64_file(const char *buf, size_t len, uint64_t *ret)
{
	char tmp[32];

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	char *s = str_strip(tmp);
	if (streq(s, "max")) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_u64(s, ret) < 0 ? -EINVAL : 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int cg_parse_procs(const char *buf, size_t len, pid_t **ret_pids, size_t *ret_n)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0, cap = 0, pos = 0;
	char line[32];

	if (len > CG_PROCS_MAX * 12)
		return -EFBIG;
	while (next_line(buf, len, &pos, line, sizeof(line))) {
		long v;
		char *s = str_strip(line);
		if (!*s)
			continue;
		if (parse_int_range(s, 1, INT32_MAX, &v) < 0)
			return -EINVAL;
		if (n == CG_PROCS_MAX)
			return -E2BIG;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			pids = xrealloc(pids, cap * sizeof(*pids));
		}
		pids[n++] = (pid_t)v;
	}
	if (n)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	*ret_pids = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}

bool cg_controllers_has(const char *buf, const char *name)
{
	size_t nl = strlen(name);

	for (const char *p = buf; p && *p;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		const char *e = p;
		while (*e && !isspace((unsigned char)*e))
			e++;
		if ((size_t)(e - p) == nl && memcmp(p, name, nl) == 0)
			return true;
		p = e;
	}
	return false;
}

int cg_parse_self_cgroup(const char *buf, size_t len, char **ret_path)
{
	char line[4096];
	size_t pos = 0;

	if (len > CG_FILE_MAX)
		return -EFBIG;
	while (next_line(buf, len, &pos, line, sizeof(line))) {
		if (!str_startswith(line, "0::/"))
			continue;
		/* " (deleted)" would mean we sit in a removed cgroup: nothing to use. */
		if (strchr(line, ' '))
			return -ENOENT;
		*ret_path = xstrdup(line + 3);
		return 0;
	}
	return -ENOENT;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

int cg_parse_mountinfo(const char *buf, size_t len, char **ret_mount)
{
	char line[4096];
	size_t pos = 0;

	if (len > 4 * 1024 * 1024)
		return -EFBIG;
	while (next_line(buf, len, &pos, line, sizeof(line))) {
		/* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
		char *sep = strstr(line, " - ");
		char *f[5] = { 0 }, *save = NULL, *tok;
		int n = 0;
		if (!sep || !str_startswith(sep + 3, "cgroup2 "))
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && n < 5;
		     tok = strtok_r(NULL, " ", &save))
			f[n++] = tok;
		if (n < 5 || f[4][0] != '/')
			continue;
		unescape_octal(f[4]);
		*ret_mount = xstrdup(f[4]);
		return 0;
	}
	return -ENOENT;
}

int cg_parse_proc_cgroups(const char *buf, size_t len, const char *name, bool *ret_v1)
{
	char line[256];
	size_t pos = 0;

	if (len > CG_FILE_MAX)
		return -EFBIG;
	while (next_line(buf, len, &pos, line, sizeof(line))) {
		char sub[64];
		unsigned long hier;
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%63s %lu", sub, &hier) != 2)
			continue;
		if (streq(sub, name)) {
			*ret_v1 = hier != 0;
			return 0;
		}
	}
	return -ENOENT;
}

int proc_parse_stat(const char *buf, size_t len, struct proc_stat *ret)
{
	struct proc_stat st = { 0 };
	char tmp[1024];
	const char *open, *close;
	unsigned long long f[22];
	long pid;

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	/* comm may hold spaces and parentheses: it ends at the last ')'. */
	open = strchr(tmp, '(');
	close = strrchr(tmp, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return -EINVAL;
	if (sscanf(tmp, "%ld", &pid) != 1 || pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	size_t cl = MIN((size_t)(close - open - 1), sizeof(st.comm) - 1);
	memcpy(st.comm, open + 1, cl);
	st.comm[cl] = '\0';
	/* After ") ": state, then fields 4.. ; we need ppid(4) utime(14) stime(15)
	 * starttime(22) rss(24). */
	const char *p = close + 2;
	if (!*p || isspace((unsigned char)*p))
		return -EINVAL;
	st.state = *p++;
	int n = 0;
	while (n < 21) {
		char *end;
		while (*p == ' ')
			p++;
		if (!isdigit((unsigned char)*p) && *p != '-')
			break;
		errno = 0;
		f[n] = strtoull(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		p = end;
		n++;
	}
	if (n < 21)
		return -EINVAL;
	/* f[0] is field 4 (ppid); field k is f[k-4]. */
	st.pid = (pid_t)pid;
	st.ppid = (pid_t)f[0];
	st.utime = f[10];
	st.stime = f[11];
	st.starttime = f[18];
	st.rss_pages = f[20];
	*ret = st;
	return 0;
}

int proc_parse_statm(const char *buf, size_t len, uint64_t *ret_resident_pages)
{
	char tmp[256];
	unsigned long long size, res;

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (sscanf(tmp, "%llu %llu", &size, &res) != 2)
		return -EINVAL;
	*ret_resident_pages = res;
	return 0;
}

double cg_cpu_percent(uint64_t prev_usec, uint64_t now_usec, uint64_t interval_usec)
{
	/* A counter that went backwards means a new cgroup (restart) or a process that
	 * left the /proc sum: no meaningful delta this round. */
	if (interval_usec == 0 || now_usec < prev_usec)
		return 0.0;
	return (double)(now_usec - prev_usec) * 100.0 / (double)interval_usec;
}

/* ---- file readers ---- */

static int read_small(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return fs_read_fd_all(fd, CG_FILE_MAX, ret, ret_len);
}

static int read_at(const char *dir, const char *file, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	return read_small(p, ret, ret_len);
}

static int write_at(const char *dir, const char *file, const char *value)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* cgroup files take one value per write(2). */
	ssize_t n = write(fd, value, strlen(value));
	if (n < 0)
		return -errno;
	return (size_t)n == strlen(value) ? 0 : -EIO;
}

static bool dir_has_controller(const char *dir, const char *file, const char *name)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (read_at(dir, file, &buf, &len) < 0)
		return false;
	return cg_controllers_has(buf, name);
}

/* ---- the delegated root ---- */

static char *root_override;

void cg_set_delegated_root(const char *dir)
{
	free(root_override);
	root_override = dir ? xstrdup(dir) : NULL;
}

/* Drop trailing box-* components: run from inside a sandbox's cgroup, new sandboxes
 * still go beside it rather than nested in it. */
static void strip_box_components(char *path)
{
	for (;;) {
		char *slash = strrchr(path, '/');
		if (!slash || slash == path || !str_startswith(slash + 1, "box-"))
			return;
		*slash = '\0';
	}
}

char *cg_delegated_root(char **ret_why)
{
	_cleanup_free_ char *mi = NULL, *self = NULL, *mnt = NULL, *rel = NULL, *dir = NULL;
	_cleanup_free_ char *procs = NULL;
	size_t len;
	const char *env = getenv("BOX_CGROUP_ROOT");

	if (root_override)
		return xstrdup(root_override);
	if (env && *env)
		return xstrdup(env);
	if (read_small("/proc/self/mountinfo", &mi, &len) < 0 ||
	    cg_parse_mountinfo(mi, len, &mnt) < 0) {
		if (ret_why)
			*ret_why =
			    xstrdup("no cgroup v2 hierarchy is mounted: sandboxes run without "
				    "limits and their stats come from /proc; mount cgroup2 "
				    "(e.g. at /sys/fs/cgroup) to enable them");
		return NULL;
	}
	if (read_small("/proc/self/cgroup", &self, &len) < 0 ||
	    cg_parse_self_cgroup(self, len, &rel) < 0) {
		if (ret_why)
			*ret_why = xasprintf("cannot tell this process's cgroup v2 from "
					     "/proc/self/cgroup: sandboxes run without a cgroup");
		return NULL;
	}
	strip_box_components(rel);
	dir = streq(rel, "/") ? xstrdup(mnt) : xasprintf("%s%s", mnt, rel);
	procs = xasprintf("%s/cgroup.procs", dir);
	if (access(dir, W_OK) < 0 || access(procs, W_OK) < 0) {
		if (ret_why)
			*ret_why = xasprintf(
			    "cgroup '%s' is not delegated to this user (not writable): "
			    "sandboxes run without limits and their stats come from /proc; "
			    "start box from a delegated cgroup (systemd: a user session, or "
			    "'systemd-run --user --scope -p Delegate=yes box ...'; elsewhere, "
			    "as root: mkdir a cgroup under '%s', chown -R it to the user and "
			    "move the user's shell into it through its cgroup.procs)",
			    dir, mnt);
		return NULL;
	}
	return TAKE_PTR(dir);
}

/* ---- sandbox cgroups ---- */

/* Memory limits as people write them (base 1024), not as disks are sold. */
static char *fmt_mem(uint64_t n, char *buf, size_t size)
{
	if (n >= (1ULL << 30))
		snprintf(buf, size, "%.1f GiB", (double)n / (double)(1ULL << 30));
	else
		snprintf(buf, size, "%.0f MiB", (double)n / (double)(1ULL << 20));
	return buf;
}

static const char *limit_controller(const char *limit)
{
	return streq(limit, "cpus") ? "cpu" : limit;
}

/* Why controller ctrl is not available below root, as the tail of a warning. */
static char *why_missing(const char *root, const char *ctrl)
{
	_cleanup_free_ char *pc = NULL;
	size_t len;
	bool v1 = false;

	if (read_small("/proc/cgroups", &pc, &len) == 0 &&
	    cg_parse_proc_cgroups(pc, len, ctrl, &v1) == 0 && v1)
		return xasprintf("the %s controller is not delegated to this cgroup (it is bound "
				 "to cgroup v1 here)",
				 ctrl);
	if (!dir_has_controller(root, "cgroup.controllers", ctrl))
		return xasprintf("the %s controller is not delegated to '%s' (the parent must "
				 "list it in its cgroup.subtree_control)",
				 ctrl, root);
	return xasprintf("'%s' cannot enable the %s controller for its children (a cgroup "
			 "with processes of its own cannot, by cgroup v2's no-internal-process "
			 "rule: move those processes into a leaf cgroup)",
			 root, ctrl);
}

/* Enable ctrl in root's subtree_control when root has it and it is not on yet. */
static void enable_controller(const char *root, const char *ctrl)
{
	if (!dir_has_controller(root, "cgroup.controllers", ctrl) ||
	    dir_has_controller(root, "cgroup.subtree_control", ctrl))
		return;
	_cleanup_free_ char *v = xasprintf("+%s", ctrl);
	int r = write_at(root, "cgroup.subtree_control", v);
	/* EBUSY: the no-internal-process rule (root has processes of its own). */
	if (r < 0)
		log_debug("enable %s in '%s/cgroup.subtree_control': %s", ctrl, root, strerror(-r));
}

static int apply_limit(const char *root, const char *dir, const char *limit, const char *file,
		       const char *value, const char *shown, char ***warnings)
{
	const char *ctrl = limit_controller(limit);

	enable_controller(root, ctrl);
	if (!dir_has_controller(dir, "cgroup.controllers", ctrl)) {
		_cleanup_free_ char *why = why_missing(root, ctrl);
		strv_push(warnings, xasprintf("%s limit (%s) not applied: %s", limit, shown, why));
		return 0;
	}
	int r = write_at(dir, file, value);
	if (r < 0)
		strv_push(warnings, xasprintf("%s limit (%s) not applied: write '%s/%s': %s", limit,
					      shown, dir, file, strerror(-r)));
	return r;
}

static void apply_limits(const char *root, const char *dir, const struct cg_limits *lim,
			 char ***warnings)
{
	char v[64], shown[64];

	if (!lim)
		return;
	if (lim->cpus > 0) {
		uint64_t quota = (uint64_t)(lim->cpus * CPU_PERIOD_USEC + 0.5);
		snprintf(v, sizeof(v), "%" PRIu64 " %d", quota ? quota : 1000, CPU_PERIOD_USEC);
		snprintf(shown, sizeof(shown), "%g", lim->cpus);
		apply_limit(root, dir, "cpus", "cpu.max", v, shown, warnings);
	}
	if (lim->memory) {
		snprintf(v, sizeof(v), "%" PRIu64, lim->memory);
		fmt_mem(lim->memory, shown, sizeof(shown));
		apply_limit(root, dir, "memory", "memory.max", v, shown, warnings);
	}
	if (lim->pids) {
		snprintf(v, sizeof(v), "%" PRIu64, lim->pids);
		apply_limit(root, dir, "pids", "pids.max", v, v, warnings);
	}
}

static bool valid_name(const char *name)
{
	if (!name || !*name || strlen(name) > 200 || strchr(name, '/') || streq(name, ".") ||
	    streq(name, ".."))
		return false;
	return true;
}

/* Make <root>/box-<name>; a stale empty one from a crash is replaced. */
static int make_dir(const char *dir)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (rmdir(dir) == 0 && mkdir(dir, 0755) == 0)
		return 0;
	/* Still has processes (a sandbox restarted under the same name): reuse it. */
	return is_dir(dir) ? 0 : -EEXIST;
}

static void no_cgroup_warnings(const struct cg_limits *lim, const char *why, char ***warnings)
{
	strv_push(warnings, xasprintf("sandbox runs without its own cgroup: %s", why));
	if (lim && lim->cpus > 0)
		strv_push(warnings, xasprintf("cpus limit (%g) not applied: no cgroup", lim->cpus));
	if (lim && lim->memory) {
		char b[32];
		strv_push(warnings, xasprintf("memory limit (%s) not applied: no cgroup",
					      fmt_mem(lim->memory, b, sizeof(b))));
	}
	if (lim && lim->pids)
		strv_push(warnings,
			  xasprintf("pids limit (%" PRIu64 ") not applied: no cgroup", lim->pids));
}

int cg_create_sandbox(const char *name, pid_t pid, const struct cg_limits *lim, char **ret_path,
		      char ***ret_warnings, struct box_err **err)
{
	_cleanup_free_ char *why = NULL, *root = NULL, *dir = NULL;
	_cleanup_strv_free_ char **warnings = NULL;
	char pidbuf[32];
	int r;

	if (!valid_name(name) || pid <= 0)
		return box_err_set(err, EINVAL, "create cgroup for sandbox '%s'", name ? name : "");
	root = cg_delegated_root(&why);
	if (!root) {
		no_cgroup_warnings(lim, why, &warnings);
		goto out;
	}
	dir = xasprintf("%s/box-%s", root, name);
	r = make_dir(dir);
	if (r < 0) {
		_cleanup_free_ char *w = xasprintf("create '%s': %s", dir, strerror(-r));
		no_cgroup_warnings(lim, w, &warnings);
		free(TAKE_PTR(dir));
		goto out;
	}
	apply_limits(root, dir, lim, &warnings);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	r = write_at(dir, "cgroup.procs", pidbuf);
	if (r < 0) {
		_cleanup_free_ char *w =
		    xasprintf("move process %d into '%s': %s", (int)pid, dir, strerror(-r));
		/* The limits just written went with the dir: report them once, as unapplied. */
		strv_free(TAKE_PTR(warnings));
		no_cgroup_warnings(lim, w, &warnings);
		(void)rmdir(dir);
		free(TAKE_PTR(dir));
	}
out:
	*ret_path = TAKE_PTR(dir);
	if (ret_warnings)
		*ret_warnings = TAKE_PTR(warnings);
	return 0;
}

static void predict_limit(const char *root, const char *limit, const char *shown, char ***warnings)
{
	const char *ctrl = limit_controller(limit);

	/* Applied when root passes it down already, or has it and may enable it. */
	if (dir_has_controller(root, "cgroup.subtree_control", ctrl) ||
	    dir_has_controller(root, "cgroup.controllers", ctrl))
		return;
	_cleanup_free_ char *why = why_missing(root, ctrl);
	strv_push(warnings, xasprintf("%s limit (%s) not applied: %s", limit, shown, why));
}

char **cg_limit_warnings(const struct cg_limits *lim)
{
	_cleanup_free_ char *why = NULL, *root = NULL;
	char **warnings = NULL, shown[64];

	if (!lim || (lim->cpus <= 0 && !lim->memory && !lim->pids))
		return NULL;
	root = cg_delegated_root(&why);
	/* The user's systemd takes the limits as the scope's properties. */
	if (!root && cg_systemd_available())
		return NULL;
	if (!root) {
		no_cgroup_warnings(lim, why, &warnings);
		return warnings;
	}
	if (lim->cpus > 0) {
		snprintf(shown, sizeof(shown), "%g", lim->cpus);
		predict_limit(root, "cpus", shown, &warnings);
	}
	if (lim->memory)
		predict_limit(root, "memory", fmt_mem(lim->memory, shown, sizeof(shown)),
			      &warnings);
	if (lim->pids) {
		snprintf(shown, sizeof(shown), "%" PRIu64, lim->pids);
		predict_limit(root, "pids", shown, &warnings);
	}
	return warnings;
}

int cg_remove(const char *path)
{
	if (!path)
		return 0;
	if (rmdir(path) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY)
		return -errno;
	/* Leftover processes (cgroup.kill exists from Linux 5.14): kill, then retry
	 * briefly while the kernel finishes tearing them down. */
	(void)write_at(path, "cgroup.kill", "1");
	for (int i = 0; i < 50; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		usleep(10000);
	}
	return -errno;
}

/* ---- stats ---- */

static int read_proc_file(pid_t pid, const char *file, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *p = xasprintf("%s/%d/%s", proc_root, (int)pid, file);
	return read_small(p, ret, ret_len);
}

/* Append the children of pid (all its threads) to the list, breadth first. */
static void add_children(pid_t pid, pid_t **pids, size_t *n, size_t *cap)
{
	_cleanup_free_ char *tdir = xasprintf("%s/%d/task", proc_root, (int)pid);
	_cleanup_closedir_ DIR *d = opendir(tdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *buf = NULL, *p = NULL;
		size_t len;
		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s/children", tdir, de->d_name);
		if (read_small(p, &buf, &len) < 0)
			continue;
		for (char *s = buf, *save = NULL, *tok; (tok = strtok_r(s, " \n", &save));
		     s = NULL) {
			long v;
			if (parse_int_range(tok, 1, INT32_MAX, &v) < 0 || *n >= DESCENDANTS_MAX)
				continue;
			if (*n == *cap) {
				*cap *= 2;
				*pids = xrealloc(*pids, *cap * sizeof(**pids));
			}
			(*pids)[(*n)++] = (pid_t)v;
		}
	}
}

int cg_list_pids(const char *cgroup_dir, pid_t init_pid, pid_t **ret_pids, size_t *ret_n,
		 struct box_err **err)
{
	if (cgroup_dir) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		int r = read_at(cgroup_dir, "cgroup.procs", &buf, &len);
		if (r < 0)
			return box_err_set(err, -r, "read '%s/cgroup.procs'", cgroup_dir);
		r = cg_parse_procs(buf, len, ret_pids, ret_n);
		if (r < 0)
			return box_err_set(err, -r, "parse '%s/cgroup.procs'", cgroup_dir);
		return 0;
	}
	_cleanup_free_ char *pdir = xasprintf("%s/%d", proc_root, (int)init_pid);
	if (init_pid <= 0 || !is_dir(pdir)) {
		*ret_pids = NULL;
		*ret_n = 0;
		return 0;
	}
	size_t n = 1, cap = 16;
	pid_t *pids = xmalloc(cap * sizeof(*pids));
	pids[0] = init_pid;
	for (size_t i = 0; i < n; i++)
		add_children(pids[i], &pids, &n, &cap);
	qsort(pids, n, sizeof(*pids), cmp_pid);
	*ret_pids = pids;
	*ret_n = n;
	return 0;
}

static uint64_t rss_sum(const pid_t *pids, size_t n)
{
	uint64_t sum = 0, page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		uint64_t res;
		if (read_proc_file(pids[i], "statm", &buf, &len) == 0 &&
		    proc_parse_statm(buf, len, &res) == 0)
			sum += res * page;
	}
	return sum;
}

static uint64_t cpu_sum_usec(const pid_t *pids, size_t n)
{
	uint64_t ticks = 0, hz = (uint64_t)sysconf(_SC_CLK_TCK);

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len;
		struct proc_stat st;
		if (read_proc_file(pids[i], "stat", &buf, &len) == 0 &&
		    proc_parse_stat(buf, len, &st) == 0)
			ticks += st.utime + st.stime;
	}
	return hz ? ticks * 1000000 / hz : 0;
}

static int read_cgroup_stats(const char *dir, struct cg_stats *st, struct box_err **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t len, n = 0;
	int r;

	r = read_at(dir, "cpu.stat", &buf, &len);
	if (r < 0)
		return box_err_set(err, -r, "read '%s/cpu.stat'", dir);
	r = cg_parse_cpu_stat(buf, len, &st->cpu_usec);
	if (r < 0)
		return box_err_set(err, -r, "parse '%s/cpu.stat'", dir);
	r = cg_list_pids(dir, 0, &pids, &n, err);
	if (r < 0)
		return r;
	free(TAKE_PTR(buf));
	if (read_at(dir, "pids.current", &buf, &len) < 0 ||
	    cg_parse_u64_file(buf, len, &st->pids) < 0)
		st->pids = n;
	free(TAKE_PTR(buf));
	if (read_at(dir, "memory.current", &buf, &len) == 0 &&
	    cg_parse_u64_file(buf, len, &st->memory) == 0)
		return 0;
	st->memory = rss_sum(pids, n);
	st->memory_from_proc = true;
	return 0;
}

int cg_read_stats(const char *cgroup_dir, pid_t init_pid, struct cg_stats *ret,
		  struct box_err **err)
{
	struct cg_stats st = { 0 };
	int r;

	if (cgroup_dir) {
		r = read_cgroup_stats(cgroup_dir, &st, err);
		if (r < 0)
			return r;
	} else {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		r = cg_list_pids(NULL, init_pid, &pids, &n, err);
		if (r < 0)
			return r;
		st.cpu_usec = cpu_sum_usec(pids, n);
		st.memory = rss_sum(pids, n);
		st.memory_from_proc = true;
		st.pids = n;
	}
	*ret = st;
	return 0;
}
