/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A plain snapshot of every sandbox's live numbers (processes, CPU %, memory, network,
 * ports, uptime, writable-layer size, a minute of CPU history) and of the host's
 * totals, for `box stats` and the dashboard. A stats_ctx keeps what one refresh needs
 * from the previous one (CPU counters, history) and caches what is costly (the
 * writable layer's size is walked at most every STATS_DISK_TTL, a few per refresh, and
 * only every STATS_DISK_IDLE_TTL for a sandbox that has not run since: stopped, or
 * whose CPU counter did not move, so nothing in it can have written there).
 * Network counters come through a callback so that core/ does not depend on net/.
 */
#ifndef BOX_STATS_H
#define BOX_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../util/err.h"
#include "../sandbox/sandbox.h"

#define STATS_HIST	    60			     /* CPU samples kept: a minute at 1 s */
#define STATS_DISK_TTL	    (30ULL * 1000000000ULL)  /* ns between walks of one upper dir */
#define STATS_DISK_IDLE_TTL (600ULL * 1000000000ULL) /* ... of an idle sandbox's */
#define STATS_PORTS_TTL	    (5ULL * 1000000000ULL)   /* ns between port list requests */

struct stats_row {
	char *name;
	char *image;
	char *ports;   /* "127.0.0.1:8080->80/tcp, ..." or NULL */
	char *network; /* slirp|host|none or NULL */
	char *cgroup;  /* NULL when the sandbox has none */
	enum sandbox_state state;
	pid_t init_pid;
	uint64_t pids;
	double cpu; /* % of one core over the last interval; < 0 when not known */
	uint64_t memory;
	bool memory_from_proc;
	bool net_known;
	uint64_t net_rx, net_tx;
	time_t created;
	time_t started;	 /* 0 when stopped */
	uint64_t uptime; /* seconds, 0 when stopped */
	bool disk_known;
	uint64_t disk;		/* bytes in the writable layer */
	float hist[STATS_HIST]; /* CPU % samples, oldest first */
	unsigned hist_n;
};

struct stats_host {
	unsigned ncpu;
	double cpu; /* % of all CPUs busy since the previous refresh (0..100); < 0 unknown */
	uint64_t mem_total, mem_used;
	double load1;
};

struct stats_snapshot {
	struct stats_row *rows;
	size_t n;
	struct stats_host host;
	uint64_t at_ns;	      /* monotonic time of this refresh */
	uint64_t interval_ns; /* since the previous refresh, 0 for the first */
};

/*
 * Network counters and the live port list of one running sandbox. Return < 0 when
 * not available; *ret_ports (may be left NULL) is allocated, caller frees. want_ports
 * is false when the cached list is still fresh. *state is the callback's own, per
 * sandbox run (NULL at first): it is released with the free function given to
 * stats_ctx_set_net_state_free when the sandbox stops, restarts or goes.
 */
typedef int (*stats_net_fn)(const struct sandbox_info *s, bool want_ports, uint64_t *ret_rx,
			    uint64_t *ret_tx, char **ret_ports, void **state, void *userdata);

struct stats_ctx;

struct stats_ctx *stats_ctx_new(void);
struct stats_ctx *stats_ctx_free(struct stats_ctx *ctx);
void stats_ctx_set_net(struct stats_ctx *ctx, stats_net_fn fn, void *userdata);
void stats_ctx_set_net_state_free(struct stats_ctx *ctx, void (*free_fn)(void *state));
/* Refresh from a sandbox list (names sorted or not); now_ns is the monotonic clock. */
int stats_update(struct stats_ctx *ctx, const struct sandbox_info *list, size_t n, uint64_t now_ns);
/* sandbox_list() + stats_update(); names (NULL-terminated, may be NULL) filters. */
int stats_refresh(struct stats_ctx *ctx, char *const *names, struct box_err **err);
const struct stats_snapshot *stats_get(const struct stats_ctx *ctx);
/* What stats_refresh keeps between refreshes (its sandbox list cache), freed with ctx
 * by free_fn; kept opaque so that the snapshot code does not depend on it. */
void *stats_ctx_list_cache(const struct stats_ctx *ctx);
void stats_ctx_set_list_cache(struct stats_ctx *ctx, void *cache, void (*free_fn)(void *cache));

/*
 * The CPU readings a later run starts from: stats_ctx_seed_cpu makes the next refresh
 * count a sandbox's CPU % from a reading taken at at_ns (monotonic) during its run
 * that started at started; stats_ctx_cpu_reading gives the last refresh's reading
 * of a sandbox (false: none). stats_ctx_set_one_shot: a single refresh, from a plain
 * sandbox_list (no cache to keep up), whose writable-layer sizes come from the
 * recorded walks (sandbox_upper_size) for every sandbox instead of a few walks per
 * refresh.
 */
void stats_ctx_seed_cpu(struct stats_ctx *ctx, const char *name, time_t started, uint64_t usec,
			uint64_t at_ns);
bool stats_ctx_cpu_reading(const struct stats_ctx *ctx, const char *name, time_t *ret_started,
			   uint64_t *ret_usec, uint64_t *ret_at_ns);
void stats_ctx_set_one_shot(struct stats_ctx *ctx);
bool stats_ctx_is_one_shot(const struct stats_ctx *ctx);
/*
 * The readings of the previous `box stats --no-stream` (stats_prev.c), kept in path
 * (the runtime dir's stats-cpu): stats_prev_load seeds ctx from it and returns
 * whether it held a usable reading (a file of the user's own, 0600, not a symlink);
 * stats_prev_save writes the last refresh's readings there (atomically, 0600), with
 * those of sandboxes that a refresh of some names left out kept from the old file.
 */
bool stats_prev_load(struct stats_ctx *ctx, const char *path);
void stats_prev_save(const struct stats_ctx *ctx, char *const *names, const char *path);

/* Host parsers (pure): /proc/stat's "cpu" line in ticks, and /proc/meminfo in bytes. */
int stats_parse_proc_stat(const char *buf, size_t len, uint64_t *ret_busy, uint64_t *ret_total);
int stats_parse_meminfo(const char *buf, size_t len, uint64_t *ret_total, uint64_t *ret_avail);
/* "rx=N tx=N" (with an optional "ok " prefix) from the net helper's stats request. */
int stats_parse_net_reply(const char *buf, size_t len, uint64_t *ret_rx, uint64_t *ret_tx);

const char *stats_state_name(enum sandbox_state s);

/* One process of a sandbox, for the detail view. */
struct stats_proc {
	pid_t pid;
	uid_t uid;
	char user[33];
	double cpu; /* % of one core averaged over its lifetime */
	uint64_t rss;
	char cmd[256]; /* command line, control characters replaced */
};
/* The processes of a sandbox (cgroup or /proc tree), at most max. Returns the count. */
size_t stats_processes(const char *cgroup_dir, pid_t init_pid, struct stats_proc *ret, size_t max);

/*
 * The mounts inside a running sandbox, from its init's mountinfo: one allocated
 * "TARGET  TYPE  SOURCE" line each (escaped), at most max. Returns the count.
 */
size_t stats_mounts(pid_t init_pid, char **ret, size_t max);

#endif
