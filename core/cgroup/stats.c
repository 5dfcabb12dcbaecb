/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stats snapshot: one row per sandbox built from the sandbox list, the cgroup (or
 * /proc) numbers and the net helper's counters, plus host totals from /proc/stat and
 * /proc/meminfo. The context remembers the previous CPU counters of every sandbox
 * (keyed by name and start time, so a restart resets them) and caches the costly
 * numbers: disk usage of the writable layer and the port list.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "stats.h"
#include "../util/util.h"
#include "../util/xalloc.h"

#define DISK_WALKS_PER_REFRESH 2

/* What survives from one refresh to the next for one sandbox. */
struct track {
	char *name;
	time_t started;
	bool have_prev;
	uint64_t prev_cpu_usec, prev_ns;
	float hist[STATS_HIST];
	unsigned hist_n;
	bool disk_known;
	uint64_t disk, disk_at_ns;
	bool disk_cpu_known; /* running, with its CPU counter read, at the last walk */
	uint64_t disk_cpu_usec;
	char *ports;
	uint64_t ports_at_ns;
	void *net_state;      /* the net callback's, for this run of the sandbox */
	struct cg_reader *cg; /* files of the cgroup below, kept open */
	char *cg_dir;
	bool seen;
};

/* A /proc file of the host kept open and re-read in place every refresh. */
struct host_file {
	const char *name;
	int fd; /* -1: not open (yet) */
};

#define NCPU_TTL (30ULL * 1000000000ULL)

struct stats_ctx {
	struct stats_snapshot snap;
	struct track *tracks;
	size_t ntracks;
	stats_net_fn net;
	void *net_ud;
	void (*net_state_free)(void *state);
	bool host_prev;
	uint64_t host_busy, host_total;
	uint64_t prev_ns;
	struct host_file stat, meminfo, loadavg;
	char *buf;
	size_t cap;
	unsigned ncpu;
	uint64_t ncpu_at_ns;
	bool one_shot;
	/* The sandbox list's own cache (stats_list.c), freed with the context. */
	void *list_cache;
	void (*list_cache_free)(void *cache);
};

/* ---- parsers ---- */

int stats_parse_proc_stat(const char *buf, size_t len, uint64_t *ret_busy, uint64_t *ret_total)
{
	char line[512];
	unsigned long long v[10] = { 0 };

	if (len < 4 || !str_startswith(buf, "cpu "))
		return -EINVAL;
	size_t n = 0;
	while (n < len && n + 1 < sizeof(line) && buf[n] != '\n') {
		line[n] = buf[n];
		n++;
	}
	line[n] = '\0';
	int got = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			 &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
	if (got < 4)
		return -EINVAL;
	/* user nice system idle iowait irq softirq steal guest guest_nice; guest time is
	 * already counted in user and nice. */
	uint64_t total = 0;
	for (int i = 0; i < MIN(got, 8); i++)
		total += v[i];
	uint64_t idle = v[3] + v[4];
	*ret_busy = total - idle;
	*ret_total = total;
	return 0;
}

static bool meminfo_value(const char *line, const char *key, uint64_t *ret)
{
	unsigned long long kb;
	size_t kl = strlen(key);

	if (strncmp(line, key, kl) != 0 || line[kl] != ':')
		return false;
	if (sscanf(line + kl + 1, "%llu", &kb) != 1 || kb > UINT64_MAX / 1024)
		return false;
	*ret = kb * 1024;
	return true;
}

int stats_parse_meminfo(const char *buf, size_t len, uint64_t *ret_total, uint64_t *ret_avail)
{
	uint64_t total = 0, avail = 0, freemem = 0;
	bool have_total = false, have_avail = false, have_free = false;
	size_t pos = 0;

	if (len > 64 * 1024)
		return -EFBIG;
	while (pos < len) {
		char line[256];
		size_t n = 0;
		while (pos < len && buf[pos] != '\n') {
			if (n + 1 < sizeof(line))
				line[n++] = buf[pos];
			pos++;
		}
		pos++;
		line[n] = '\0';
		have_total |= meminfo_value(line, "MemTotal", &total);
		have_avail |= meminfo_value(line, "MemAvailable", &avail);
		have_free |= meminfo_value(line, "MemFree", &freemem);
	}
	if (!have_total || !(have_avail || have_free))
		return -EINVAL;
	*ret_total = total;
	*ret_avail = MIN(have_avail ? avail : freemem, total);
	return 0;
}

/* Accepts "rx=N tx=N" and the net helper's "rx_bytes N" / "tx_bytes N" lines. */
int stats_parse_net_reply(const char *buf, size_t len, uint64_t *ret_rx, uint64_t *ret_tx)
{
	char tmp[512];
	uint64_t rx = 0, tx = 0;
	bool have_rx = false, have_tx = false;
	const char *want = NULL;

	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (str_startswith(tmp, "error"))
		return -EINVAL;
	for (char *s = tmp, *save = NULL, *tok; (tok = strtok_r(s, " \t\r\n", &save)); s = NULL) {
		if (want) {
			if (streq(want, "rx"))
				have_rx = parse_u64(tok, &rx) == 0;
			else
				have_tx = parse_u64(tok, &tx) == 0;
			want = NULL;
		} else if (str_startswith(tok, "rx=")) {
			have_rx = parse_u64(tok + 3, &rx) == 0;
		} else if (str_startswith(tok, "tx=")) {
			have_tx = parse_u64(tok + 3, &tx) == 0;
		} else if (streq(tok, "rx_bytes")) {
			want = "rx";
		} else if (streq(tok, "tx_bytes")) {
			want = "tx";
		}
	}
	if (!have_rx || !have_tx)
		return -EINVAL;
	*ret_rx = rx;
	*ret_tx = tx;
	return 0;
}

const char *stats_state_name(enum sandbox_state s)
{
	switch (s) {
	case SANDBOX_RUNNING:
		return "running";
	case SANDBOX_STARTING:
		return "starting";
	case SANDBOX_STOPPED:
		return "stopped";
	}
	return "unknown";
}

/* ---- context ---- */

struct stats_ctx *stats_ctx_new(void)
{
	struct stats_ctx *ctx = xzalloc(sizeof(*ctx));
	ctx->snap.host.cpu = -1;
	ctx->stat = (struct host_file){ .name = "stat", .fd = -1 };
	ctx->meminfo = (struct host_file){ .name = "meminfo", .fd = -1 };
	ctx->loadavg = (struct host_file){ .name = "loadavg", .fd = -1 };
	return ctx;
}

static void rows_free(struct stats_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->rows[i].name);
		free(s->rows[i].image);
		free(s->rows[i].ports);
		free(s->rows[i].network);
		free(s->rows[i].cgroup);
	}
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

static void net_state_drop(struct stats_ctx *ctx, struct track *t)
{
	if (t->net_state && ctx->net_state_free)
		ctx->net_state_free(t->net_state);
	t->net_state = NULL;
}

static void track_clear(struct stats_ctx *ctx, struct track *t)
{
	net_state_drop(ctx, t);
	free(t->name);
	free(t->ports);
	cg_reader_free(t->cg);
	free(t->cg_dir);
}

static void host_file_close(struct host_file *f)
{
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
}

struct stats_ctx *stats_ctx_free(struct stats_ctx *ctx)
{
	if (!ctx)
		return NULL;
	rows_free(&ctx->snap);
	for (size_t i = 0; i < ctx->ntracks; i++)
		track_clear(ctx, &ctx->tracks[i]);
	free(ctx->tracks);
	host_file_close(&ctx->stat);
	host_file_close(&ctx->meminfo);
	host_file_close(&ctx->loadavg);
	free(ctx->buf);
	if (ctx->list_cache_free)
		ctx->list_cache_free(ctx->list_cache);
	free(ctx);
	return NULL;
}

void stats_ctx_set_net(struct stats_ctx *ctx, stats_net_fn fn, void *userdata)
{
	ctx->net = fn;
	ctx->net_ud = userdata;
}

void stats_ctx_set_net_state_free(struct stats_ctx *ctx, void (*free_fn)(void *state))
{
	ctx->net_state_free = free_fn;
}

const struct stats_snapshot *stats_get(const struct stats_ctx *ctx)
{
	return &ctx->snap;
}

void *stats_ctx_list_cache(const struct stats_ctx *ctx)
{
	return ctx->list_cache;
}

void stats_ctx_set_list_cache(struct stats_ctx *ctx, void *cache, void (*free_fn)(void *cache))
{
	if (ctx->list_cache_free)
		ctx->list_cache_free(ctx->list_cache);
	ctx->list_cache = cache;
	ctx->list_cache_free = free_fn;
}

static struct track *track_find(struct stats_ctx *ctx, const char *name, time_t started)
{
	for (size_t i = 0; i < ctx->ntracks; i++) {
		struct track *t = &ctx->tracks[i];
		if (!streq(t->name, name))
			continue;
		if (t->started != started) {
			/* Restarted (or stopped): counters and history start over. */
			char *tname = TAKE_PTR(t->name);
			track_clear(ctx, t);
			memset(t, 0, sizeof(*t));
			t->name = tname;
			t->started = started;
		}
		return t;
	}
	ctx->tracks = xrealloc(ctx->tracks, (ctx->ntracks + 1) * sizeof(*ctx->tracks));
	struct track *t = &ctx->tracks[ctx->ntracks++];
	memset(t, 0, sizeof(*t));
	t->name = xstrdup(name);
	t->started = started;
	return t;
}

void stats_ctx_seed_cpu(struct stats_ctx *ctx, const char *name, time_t started, uint64_t usec,
			uint64_t at_ns)
{
	struct track *t = track_find(ctx, name, started);

	t->have_prev = true;
	t->prev_cpu_usec = usec;
	t->prev_ns = at_ns;
}

bool stats_ctx_cpu_reading(const struct stats_ctx *ctx, const char *name, time_t *ret_started,
			   uint64_t *ret_usec, uint64_t *ret_at_ns)
{
	for (size_t i = 0; i < ctx->ntracks; i++) {
		const struct track *t = &ctx->tracks[i];
		if (!streq(t->name, name) || !t->have_prev || !t->started)
			continue;
		*ret_started = t->started;
		*ret_usec = t->prev_cpu_usec;
		*ret_at_ns = t->prev_ns;
		return true;
	}
	return false;
}

void stats_ctx_set_one_shot(struct stats_ctx *ctx)
{
	ctx->one_shot = true;
}

bool stats_ctx_is_one_shot(const struct stats_ctx *ctx)
{
	return ctx->one_shot;
}

/* Drop the tracks of sandboxes that were not in this refresh's list. */
static void tracks_sweep(struct stats_ctx *ctx)
{
	size_t o = 0;
	for (size_t i = 0; i < ctx->ntracks; i++) {
		if (ctx->tracks[i].seen) {
			ctx->tracks[i].seen = false;
			ctx->tracks[o++] = ctx->tracks[i];
		} else {
			track_clear(ctx, &ctx->tracks[i]);
		}
	}
	ctx->ntracks = o;
}

static void hist_push(struct track *t, float v)
{
	if (t->hist_n == STATS_HIST) {
		memmove(t->hist, t->hist + 1, (STATS_HIST - 1) * sizeof(float));
		t->hist_n--;
	}
	t->hist[t->hist_n++] = v;
}

/* CPU % since the previous refresh; on the first one, the average since start. */
static double cpu_percent(struct track *t, uint64_t usec, uint64_t now_ns, time_t started)
{
	double pct = -1;

	if (t->have_prev && now_ns > t->prev_ns)
		pct = cg_cpu_percent(t->prev_cpu_usec, usec, (now_ns - t->prev_ns) / 1000);
	else if (started > 0 && time(NULL) > started)
		pct = (double)usec / 1e4 / (double)(time(NULL) - started);
	t->have_prev = true;
	t->prev_cpu_usec = usec;
	t->prev_ns = now_ns;
	return pct;
}

static void fill_live(struct stats_ctx *ctx, struct track *t, const struct sandbox_info *s,
		      struct stats_row *row, uint64_t now_ns)
{
	struct cg_stats cs;
	_cleanup_err_ struct box_err *err = NULL;
	int r;

	if (s->cgroup) {
		if (!t->cg || !streq(t->cg_dir, s->cgroup)) {
			cg_reader_free(t->cg);
			free(t->cg_dir);
			t->cg = cg_reader_new(s->cgroup);
			t->cg_dir = xstrdup(s->cgroup);
		}
		r = cg_reader_read(t->cg, now_ns, &cs, &err);
	} else {
		r = cg_read_stats(NULL, s->init_pid, &cs, &err);
	}
	if (r == 0) {
		row->cpu = cpu_percent(t, cs.cpu_usec, now_ns, s->started);
		row->memory = cs.memory;
		row->memory_from_proc = cs.memory_from_proc;
		row->pids = cs.pids;
		if (row->cpu >= 0)
			hist_push(t, (float)row->cpu);
	} else {
		log_debug("stats of '%s': %s", s->name, err ? err->msg : "unreadable");
	}
	if (ctx->net) {
		bool want_ports = !t->ports_at_ns || now_ns - t->ports_at_ns >= STATS_PORTS_TTL;
		char *ports = NULL;
		if (ctx->net(s, want_ports, &row->net_rx, &row->net_tx, &ports, &t->net_state,
			     ctx->net_ud) >= 0)
			row->net_known = true;
		if (want_ports) {
			free(t->ports);
			t->ports = ports;
			t->ports_at_ns = now_ns;
		} else {
			free(ports);
		}
	}
	time_t wall = time(NULL);
	row->uptime = s->started > 0 && wall > s->started ? (uint64_t)(wall - s->started) : 0;
}

/* Whether the last walk of the upper dir still holds: younger than STATS_DISK_TTL, or
 * younger than STATS_DISK_IDLE_TTL when nothing in the sandbox ran since (stopped
 * then and now, or the same CPU counter): a sandbox's writes cost its processes CPU. */
static bool disk_fresh(const struct track *t, const struct sandbox_info *s, uint64_t now_ns)
{
	uint64_t age = now_ns - t->disk_at_ns;

	if (!t->disk_known)
		return false;
	if (age < STATS_DISK_TTL)
		return true;
	if (age >= STATS_DISK_IDLE_TTL)
		return false;
	if (s->state != SANDBOX_RUNNING)
		return !t->disk_cpu_known;
	return t->disk_cpu_known && t->have_prev && t->prev_cpu_usec == t->disk_cpu_usec;
}

static void fill_disk(const struct stats_ctx *ctx, struct track *t, const struct sandbox_info *s,
		      uint64_t now_ns, unsigned *walks)
{
	if (!s->data_dir || disk_fresh(t, s, now_ns))
		return;
	if (ctx->one_shot) {
		t->disk = sandbox_upper_size(s);
		t->disk_known = true;
		t->disk_at_ns = now_ns;
		return;
	}
	/* Walk a few upper dirs per refresh, so 50 sandboxes never cost one big stall. */
	if (*walks >= DISK_WALKS_PER_REFRESH)
		return;
	(*walks)++;
	_cleanup_free_ char *upper = xasprintf("%s/upper", s->data_dir);
	t->disk = du_bytes(upper);
	t->disk_known = true;
	t->disk_at_ns = now_ns;
	t->disk_cpu_known = s->state == SANDBOX_RUNNING && t->have_prev;
	t->disk_cpu_usec = t->prev_cpu_usec;
}

static void fill_row(struct stats_ctx *ctx, const struct sandbox_info *s, struct stats_row *row,
		     uint64_t now_ns, unsigned *walks)
{
	struct track *t = track_find(ctx, s->name, s->started);

	t->seen = true;
	memset(row, 0, sizeof(*row));
	row->name = xstrdup(s->name);
	row->image = s->image ? xstrdup(s->image) : NULL;
	row->network = s->network ? xstrdup(s->network) : NULL;
	row->cgroup = s->cgroup ? xstrdup(s->cgroup) : NULL;
	row->state = s->state;
	row->init_pid = s->init_pid;
	row->created = s->created;
	row->started = s->started;
	row->cpu = -1;
	if (s->state == SANDBOX_RUNNING) {
		fill_live(ctx, t, s, row, now_ns);
	} else {
		row->cpu = 0;
		net_state_drop(ctx, t);
	}
	fill_disk(ctx, t, s, now_ns, walks);
	row->disk_known = t->disk_known;
	row->disk = t->disk;
	if (t->ports)
		row->ports = xstrdup(t->ports);
	else if (s->ports)
		row->ports = xstrdup(s->ports);
	memcpy(row->hist, t->hist, sizeof(row->hist));
	row->hist_n = t->hist_n;
}

/* The content of a host /proc file into ctx->buf (kept open); length or -errno. With
 * max 0, only what one read of a page gives (the head of /proc/stat, whose cpu line is
 * first, while the rest can be many kilobytes of interrupt counts). */
static ssize_t host_read(struct stats_ctx *ctx, struct host_file *f, size_t max)
{
	if (f->fd < 0) {
		_cleanup_free_ char *p = xasprintf("%s/%s", cg_proc_root(), f->name);
		f->fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (f->fd < 0)
			return -errno;
	}
	ssize_t n;
	if (max) {
		n = fs_pread_all(f->fd, &ctx->buf, &ctx->cap, max);
	} else {
		if (ctx->cap < 4096) {
			ctx->cap = 4096;
			ctx->buf = xrealloc(ctx->buf, ctx->cap);
		}
		n = pread(f->fd, ctx->buf, ctx->cap - 1, 0);
		n = n < 0 ? -errno : n;
		if (n >= 0)
			ctx->buf[n] = '\0';
	}
	if (n < 0)
		host_file_close(f);
	return n;
}

static void read_host(struct stats_ctx *ctx, uint64_t now_ns)
{
	struct stats_host *h = &ctx->snap.host;
	uint64_t busy, total, mt, ma;
	ssize_t len;
	double l1;

	/* sysconf reads /sys each time; CPUs come and go rarely. */
	if (!ctx->ncpu || now_ns - ctx->ncpu_at_ns >= NCPU_TTL) {
		ctx->ncpu = (unsigned)MAX(sysconf(_SC_NPROCESSORS_ONLN), 1);
		ctx->ncpu_at_ns = now_ns;
	}
	h->ncpu = ctx->ncpu;
	len = host_read(ctx, &ctx->stat, 0);
	if (len >= 0 && stats_parse_proc_stat(ctx->buf, (size_t)len, &busy, &total) == 0) {
		if (ctx->host_prev && total > ctx->host_total && busy >= ctx->host_busy)
			h->cpu = (double)(busy - ctx->host_busy) * 100.0 /
				 (double)(total - ctx->host_total);
		ctx->host_prev = true;
		ctx->host_busy = busy;
		ctx->host_total = total;
	}
	len = host_read(ctx, &ctx->meminfo, 64 * 1024);
	if (len >= 0 && stats_parse_meminfo(ctx->buf, (size_t)len, &mt, &ma) == 0) {
		h->mem_total = mt;
		h->mem_used = mt - ma;
	}
	len = host_read(ctx, &ctx->loadavg, 4096);
	if (len > 0 && sscanf(ctx->buf, "%lf", &l1) == 1)
		h->load1 = l1;
}

int stats_update(struct stats_ctx *ctx, const struct sandbox_info *list, size_t n, uint64_t now_ns)
{
	unsigned walks = 0;

	rows_free(&ctx->snap);
	ctx->snap.rows = n ? xcalloc(n, sizeof(*ctx->snap.rows)) : NULL;
	for (size_t i = 0; i < n; i++)
		fill_row(ctx, &list[i], &ctx->snap.rows[i], now_ns, &walks);
	ctx->snap.n = n;
	tracks_sweep(ctx);
	read_host(ctx, now_ns);
	ctx->snap.interval_ns = ctx->prev_ns ? now_ns - ctx->prev_ns : 0;
	ctx->snap.at_ns = now_ns;
	ctx->prev_ns = now_ns;
	return 0;
}

/* ---- processes (detail view) ---- */

static void read_cmdline(pid_t pid, const char *comm, char *out, size_t size)
{
	_cleanup_free_ char *p = xasprintf("%s/%d/cmdline", cg_proc_root(), (int)pid);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	char buf[256];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (n <= 0) {
		snprintf(out, size, "[%s]", comm);
		return;
	}
	/* argv is NUL-separated; the command line comes from the sandbox, so every
	 * control character is replaced before it can reach the terminal. */
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
		else if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	snprintf(out, size, "%s", buf);
}

static uid_t read_uid(pid_t pid)
{
	_cleanup_free_ char *p = xasprintf("%s/%d/status", cg_proc_root(), (int)pid);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	unsigned long uid;

	if (fs_read_file(p, 64 * 1024, &buf, &len, NULL) < 0)
		return (uid_t)-1;
	const char *u = strstr(buf, "\nUid:");
	if (!u || sscanf(u + 5, "%lu", &uid) != 1)
		return (uid_t)-1;
	return (uid_t)uid;
}

static void user_name(uid_t uid, char *out, size_t size)
{
	struct passwd *pw = uid == (uid_t)-1 ? NULL : getpwuid(uid);
	if (pw)
		snprintf(out, size, "%s", pw->pw_name);
	else
		snprintf(out, size, "%lu", (unsigned long)uid);
}

static bool proc_one(pid_t pid, struct stats_proc *out, double uptime_s, uint64_t hz, uint64_t page)
{
	_cleanup_free_ char *p = xasprintf("%s/%d/stat", cg_proc_root(), (int)pid);
	_cleanup_free_ char *buf = NULL;
	struct proc_stat st;
	size_t len;

	if (fs_read_file(p, 4096, &buf, &len, NULL) < 0 || proc_parse_stat(buf, len, &st) < 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->rss = st.rss_pages * page;
	double age = uptime_s - (double)st.starttime / (double)hz;
	if (age > 0)
		out->cpu = (double)(st.utime + st.stime) / (double)hz * 100.0 / age;
	out->uid = read_uid(pid);
	user_name(out->uid, out->user, sizeof(out->user));
	read_cmdline(pid, st.comm, out->cmd, sizeof(out->cmd));
	return true;
}

size_t stats_processes(const char *cgroup_dir, pid_t init_pid, struct stats_proc *ret, size_t max)
{
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ char *up = NULL, *upath = NULL;
	size_t n = 0, len, out = 0;
	double uptime_s = 0;
	uint64_t hz = (uint64_t)sysconf(_SC_CLK_TCK), page = (uint64_t)sysconf(_SC_PAGESIZE);

	if (cg_list_pids(cgroup_dir, init_pid, &pids, &n, NULL) < 0)
		return 0;
	upath = xasprintf("%s/uptime", cg_proc_root());
	if (fs_read_file(upath, 4096, &up, &len, NULL) == 0)
		sscanf(up, "%lf", &uptime_s);
	for (size_t i = 0; i < n && out < max; i++)
		if (proc_one(pids[i], &ret[out], uptime_s, hz ? hz : 100, page))
			out++;
	return out;
}

/* ---- mounts (detail view) ---- */

static char *mount_line(char *line)
{
	char *sep = strstr(line, " - ");
	char *f[6] = { 0 }, *save = NULL, *tok;
	char fstype[64] = "", source[256] = "";
	int n = 0;

	if (!sep)
		return NULL;
	*sep = '\0';
	for (tok = strtok_r(line, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
		f[n++] = tok;
	if (n < 5 || sscanf(sep + 3, "%63s %255s", fstype, source) < 1)
		return NULL;
	_cleanup_free_ char *raw = xasprintf("%-30s %-14s %s", f[4], fstype, source);
	return str_escape(raw);
}

size_t stats_mounts(pid_t init_pid, char **ret, size_t max)
{
	_cleanup_free_ char *p = xasprintf("%s/%d/mountinfo", cg_proc_root(), (int)init_pid);
	_cleanup_free_ char *buf = NULL;
	size_t len, n = 0;

	if (init_pid <= 0 || fs_read_file(p, 1 << 20, &buf, &len, NULL) < 0)
		return 0;
	for (char *s = buf, *save = NULL, *line; n < max && (line = strtok_r(s, "\n", &save));
	     s = NULL) {
		char *m = mount_line(line);
		if (m)
			ret[n++] = m;
	}
	return n;
}
