/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: finding the subtree delegated to the user, one cgroup per running
 * sandbox, limits (cpu.max, memory.max, pids.max) where controllers are delegated,
 * and stats parsing (cpu.stat, memory.current, pids.current). Parsers take buffers.
 */
#ifndef BOX_CGROUP_H
#define BOX_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

struct cg_limits {
	double cpus;	 /* 0 = unset */
	uint64_t memory; /* bytes, 0 = unset */
	uint64_t pids;	 /* 0 = unset */
};

/* Where the sandbox cgroups go (the user's writable cgroup v2 dir); NULL when none.
 * *ret_why explains why not (for box doctor), caller frees both. */
char *cg_delegated_root(char **ret_why);
/*
 * Create <root>/box-<name>, apply limits (warnings for limits that cannot be applied
 * are returned in *ret_warnings, NULL-terminated), move pid into it. Returns the
 * cgroup dir in *ret_path. A sandbox without a cgroup still runs: when there is no
 * delegated cgroup or the pid cannot be moved, this returns 0 with *ret_path NULL and
 * the reason among the warnings. Negative only for invalid arguments.
 */
int cg_create_sandbox(const char *name, pid_t pid, const struct cg_limits *lim, char **ret_path,
		      char ***ret_warnings, struct box_err **err);
/*
 * The warnings cg_create_sandbox would give for lim, without creating anything: for the
 * command in the foreground (create, start), since the supervisor that applies the
 * limits is detached. NULL-terminated; NULL when every limit can be applied.
 */
char **cg_limit_warnings(const struct cg_limits *lim);
/* Where the sandbox cgroups of this process go from now on (a systemd scope it is in). */
void cg_set_delegated_root(const char *dir);
/*
 * From systemd.c: whether the user's systemd can be asked for a scope (a user manager's
 * socket or a session bus; BOX_NO_SYSTEMD set says no), and the asking: this process
 * moves into a transient scope unit (Delegate=yes, the limits as unit properties), whose
 * cgroup directory is *ret_path. Processes it starts afterwards are born in it.
 */
bool cg_systemd_available(void);
int cg_systemd_enter_scope(const char *unit, const struct cg_limits *lim, char **ret_path,
			   struct box_err **err);
/* Remove a sandbox's cgroup (after its processes are gone); a missing dir is fine. */
int cg_remove(const char *path);

struct cg_stats {
	uint64_t cpu_usec; /* cpu.stat usage_usec */
	uint64_t memory;   /* bytes: memory.current, or the /proc RSS sum */
	bool memory_from_proc;
	uint64_t pids; /* processes in the cgroup (or found via /proc) */
};

int cg_parse_cpu_stat(const char *buf, size_t len, uint64_t *ret_usage_usec);
/*
 * Read a sandbox's numbers. With a cgroup dir: cpu.stat, memory.current (else the RSS
 * sum of cgroup.procs from /proc), pids.current (else the cgroup.procs count). With
 * cgroup_dir NULL: init_pid and its descendants from /proc (CPU is then the sum of
 * the live processes' utime+stime, which may drop when one exits).
 */
int cg_read_stats(const char *cgroup_dir, pid_t init_pid, struct cg_stats *ret,
		  struct box_err **err);
/*
 * cg_read_stats for a refresh loop: the files of cgroup_dir (and the statm of its
 * processes) stay open and are re-read in place, and a file found absent (memory.current,
 * pids.current where those controllers are not delegated) is looked for again only
 * after CG_ABSENT_RETRY_NS. While the cgroup's CPU counter does not move, processes
 * and memory are those of the last full read, for up to CG_IDLE_REUSE_NS (only
 * reclaim changes an idle cgroup's memory). now_ns is the monotonic clock.
 */
#define CG_ABSENT_RETRY_NS (30ULL * 1000000000ULL)
#define CG_IDLE_REUSE_NS   (5ULL * 1000000000ULL)
struct cg_reader;
struct cg_reader *cg_reader_new(const char *cgroup_dir);
struct cg_reader *cg_reader_free(struct cg_reader *r);
int cg_reader_read(struct cg_reader *r, uint64_t now_ns, struct cg_stats *ret,
		   struct box_err **err);
/* CPU percent of one core between two samples; handles counter resets (returns 0). */
double cg_cpu_percent(uint64_t prev_usec, uint64_t now_usec, uint64_t interval_usec);

/* Limits on what the parsers accept (cgroup files are small; anything larger is wrong). */
#define CG_FILE_MAX  (64 * 1024)
#define CG_PROCS_MAX 65536

/* "N\n" or "max\n" (max gives UINT64_MAX): memory.current, pids.current, memory.max. */
int cg_parse_u64_file(const char *buf, size_t len, uint64_t *ret);
/* cgroup.procs: one pid per line; at most CG_PROCS_MAX. *ret_pids is malloc'd. */
int cg_parse_procs(const char *buf, size_t len, pid_t **ret_pids, size_t *ret_n);
/* Space-separated controller names (cgroup.controllers, cgroup.subtree_control). */
bool cg_controllers_has(const char *buf, const char *name);
/* /proc/self/cgroup: the "0::/path" line's path. */
int cg_parse_self_cgroup(const char *buf, size_t len, char **ret_path);
/* /proc/self/mountinfo: the mount point of the first cgroup2 mount. */
int cg_parse_mountinfo(const char *buf, size_t len, char **ret_mount);
/* /proc/cgroups: whether controller name is bound to a cgroup v1 hierarchy. */
int cg_parse_proc_cgroups(const char *buf, size_t len, const char *name, bool *ret_v1);

/* /proc/<pid>/stat and /proc/<pid>/statm. */
struct proc_stat {
	pid_t pid;
	char comm[64];
	char state;
	pid_t ppid;
	uint64_t utime, stime; /* clock ticks */
	uint64_t starttime;    /* clock ticks after boot */
	uint64_t rss_pages;
};
int proc_parse_stat(const char *buf, size_t len, struct proc_stat *ret);
int proc_parse_statm(const char *buf, size_t len, uint64_t *ret_resident_pages);

/*
 * The processes of a sandbox: the pids in cgroup.procs when cgroup_dir is set, else
 * init_pid and its descendants (via /proc/<pid>/task/<tid>/children). Sorted.
 */
int cg_list_pids(const char *cgroup_dir, pid_t init_pid, pid_t **ret_pids, size_t *ret_n,
		 struct box_err **err);
/* Tests point the /proc readers at a fixture tree ("/proc" by default). */
void cg_set_proc_root(const char *root);
const char *cg_proc_root(void);

#endif
