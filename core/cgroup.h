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

#include "err.h"

struct cg_limits {
	double cpus;     /* 0 = unset */
	uint64_t memory; /* bytes, 0 = unset */
	uint64_t pids;   /* 0 = unset */
};

/* Where the sandbox cgroups go (the user's writable cgroup v2 dir); NULL when none.
 * *ret_why explains why not (for box doctor), caller frees both. */
char *cg_delegated_root(char **ret_why);
/*
 * Create <root>/box-<name>, apply limits (warnings for limits that cannot be applied
 * are returned in *ret_warnings, NULL-terminated), move pid into it. Returns the
 * cgroup dir in *ret_path.
 */
int cg_create_sandbox(const char *name, pid_t pid, const struct cg_limits *lim,
		      char **ret_path, char ***ret_warnings, struct box_err **err);
/* Remove a sandbox's cgroup (after its processes are gone). */
int cg_remove(const char *path);

struct cg_stats {
	uint64_t cpu_usec;    /* cpu.stat usage_usec */
	uint64_t memory;      /* bytes: memory.current, or the /proc RSS sum */
	bool memory_from_proc;
	uint64_t pids;        /* processes in the cgroup (or found via /proc) */
};

int cg_parse_cpu_stat(const char *buf, size_t len, uint64_t *ret_usage_usec);
int cg_read_stats(const char *cgroup_dir, pid_t init_pid, struct cg_stats *ret,
		  struct box_err **err);
/* CPU percent of one core between two samples; handles counter resets (returns 0). */
double cg_cpu_percent(uint64_t prev_usec, uint64_t now_usec, uint64_t interval_usec);

#endif
