/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target for the cgroup and /proc stat parsers: cpu.stat, memory/pids files,
 * cgroup.procs, /proc/self/cgroup, mountinfo, /proc/cgroups, /proc/<pid>/stat and
 * statm, and the host/net parsers of the stats snapshot. The first byte picks the
 * parser; the rest is the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/cgroup/cgroup.h"
#include "../../core/util/log.h"
#include "../../core/cgroup/stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > CG_FILE_MAX + 1)
		return 0;
	log_set_level(LOG_ERR);
	size_t len = size - 1;
	char *buf = malloc(len + 1);
	memcpy(buf, data + 1, len);
	buf[len] = '\0';
	uint64_t v;
	pid_t *pids = NULL;
	size_t n;
	char *s = NULL;
	bool b;
	struct proc_stat st;

	uint64_t v2;

	switch (data[0] % 12) {
	case 0:
		cg_parse_cpu_stat(buf, len, &v);
		break;
	case 1:
		cg_parse_u64_file(buf, len, &v);
		break;
	case 2:
		if (cg_parse_procs(buf, len, &pids, &n) == 0)
			free(pids);
		break;
	case 3:
		if (cg_parse_self_cgroup(buf, len, &s) == 0)
			free(s);
		break;
	case 4:
		if (cg_parse_mountinfo(buf, len, &s) == 0)
			free(s);
		break;
	case 5:
		cg_parse_proc_cgroups(buf, len, "pids", &b);
		break;
	case 6:
		proc_parse_stat(buf, len, &st);
		break;
	case 7:
		proc_parse_statm(buf, len, &v);
		break;
	case 9:
		stats_parse_proc_stat(buf, len, &v, &v2);
		break;
	case 10:
		stats_parse_meminfo(buf, len, &v, &v2);
		break;
	case 11:
		stats_parse_net_reply(buf, len, &v, &v2);
		break;
	default:
		cg_controllers_has(buf, "memory");
		break;
	}
	free(buf);
	return 0;
}
