/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup and /proc parsing against fixture trees in tests/fixtures/ (a full cgroup v2
 * dir, a hybrid one without memory.current, a small /proc), CPU % across counter
 * resets, the limit warnings of cg_create_sandbox on a plain directory, and the
 * refresh loop's reader (files kept open, absent ones retried after an interval).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/cgroup/cgroup.h"
#include "../../core/util/fs.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static void test_cpu_stat(void)
{
	uint64_t v = 0;
	const char *s = "usage_usec 42\nuser_usec 40\n";

	is_int(cg_parse_cpu_stat(s, strlen(s), &v), 0, "cpu.stat parses");
	is_int(v, 42, "usage_usec");
	s = "user_usec 40\nusage_usec 7";
	is_int(cg_parse_cpu_stat(s, strlen(s), &v), 0,
	       "usage_usec on the last line without newline");
	is_int(v, 7, "last-line value");
	s = "user_usec 40\n";
	is_int(cg_parse_cpu_stat(s, strlen(s), &v), -ENOENT, "missing usage_usec");
	s = "usage_usec -1\n";
	is_int(cg_parse_cpu_stat(s, strlen(s), &v), -EINVAL, "negative rejected");
	s = "usage_usec 99999999999999999999999\n";
	is_int(cg_parse_cpu_stat(s, strlen(s), &v), -EINVAL, "overflow rejected");
	s = "usage_usecs 5\n";
	is_int(cg_parse_cpu_stat(s, strlen(s), &v), -ENOENT, "prefix must match a whole key");
}

static void test_u64_files(void)
{
	uint64_t v = 0;

	is_int(cg_parse_u64_file("123\n", 4, &v), 0, "memory.current");
	is_int(v, 123, "value");
	is_int(cg_parse_u64_file("max\n", 4, &v), 0, "max");
	ok(v == UINT64_MAX, "max is UINT64_MAX");
	is_int(cg_parse_u64_file("", 0, &v), -EINVAL, "empty");
	is_int(cg_parse_u64_file("12x\n", 4, &v), -EINVAL, "garbage");
}

static void test_procs(void)
{
	pid_t *p = NULL;
	size_t n = 0;
	const char *s = "30\n10\n\n20\n";

	is_int(cg_parse_procs(s, strlen(s), &p, &n), 0, "cgroup.procs parses");
	is_int(n, 3, "three pids");
	ok(p && p[0] == 10 && p[1] == 20 && p[2] == 30, "sorted");
	free(p);
	p = NULL;
	is_int(cg_parse_procs("", 0, &p, &n), 0, "empty cgroup.procs");
	is_int(n, 0, "no pids");
	free(p);
	is_int(cg_parse_procs("1\n0\n", 4, &p, &n), -EINVAL, "pid 0 rejected");
	is_int(cg_parse_procs("abc\n", 4, &p, &n), -EINVAL, "garbage rejected");
}

static void test_host_files(void)
{
	_cleanup_free_ char *mi = tap_fixture("cgroup/files/mountinfo");
	_cleanup_free_ char *sc = tap_fixture("cgroup/files/self_cgroup");
	_cleanup_free_ char *buf = NULL, *m = NULL, *path = NULL;
	size_t len;
	bool v1 = false;
	const char *pc = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
			 "cpu\t1\t1\t1\nhugetlb\t0\t1\t1\npids\t8\t1\t1\n";

	ok(fs_read_file(mi, 1 << 20, &buf, &len, NULL) == 0, "read mountinfo fixture");
	is_int(cg_parse_mountinfo(buf, len, &m), 0, "cgroup2 mount found");
	is_str(m, "/sys/fs/cgroup/unified", "cgroup2 mount point");
	free(TAKE_PTR(buf));
	is_int(cg_parse_mountinfo("1 2 0:1 / /x rw - tmpfs t rw\n", 28, &path), -ENOENT,
	       "no cgroup2");
	ok(fs_read_file(sc, 1 << 20, &buf, &len, NULL) == 0, "read self cgroup fixture");
	is_int(cg_parse_self_cgroup(buf, len, &path), 0, "0:: line found");
	is_str(path, "/boxtest/session", "own cgroup path");
	free(TAKE_PTR(path));
	is_int(cg_parse_self_cgroup("0::/x (deleted)\n", 16, &path), -ENOENT, "deleted cgroup");
	is_int(cg_parse_proc_cgroups(pc, strlen(pc), "pids", &v1), 0, "pids in /proc/cgroups");
	ok(v1, "pids bound to v1");
	is_int(cg_parse_proc_cgroups(pc, strlen(pc), "hugetlb", &v1), 0, "hugetlb");
	ok(!v1, "hugetlb on v2");
	is_int(cg_parse_proc_cgroups(pc, strlen(pc), "memory", &v1), -ENOENT, "memory absent");
	ok(cg_controllers_has("cpuset cpu io memory pids\n", "cpu"), "controllers has cpu");
	ok(!cg_controllers_has("cpuset io\n", "cpu"), "cpuset is not cpu");
	ok(!cg_controllers_has("", "pids"), "empty list");
}

static void test_proc_stat(void)
{
	struct proc_stat st;
	uint64_t res = 0;
	const char *s = "77 (a) b) c) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n";

	is_int(proc_parse_stat(s, strlen(s), &st), 0, "stat with ') ' inside comm");
	is_str(st.comm, "a) b) c", "comm up to the last paren");
	is_int(st.pid, 77, "pid");
	is_int(st.ppid, 1, "ppid");
	is_int(st.utime, 11, "utime");
	is_int(st.stime, 12, "stime");
	is_int(st.starttime, 19, "starttime");
	is_int(st.rss_pages, 21, "rss");
	is_int(proc_parse_stat("77 (x) R 1 2\n", 13, &st), -EINVAL, "truncated stat");
	is_int(proc_parse_stat("(x) R\n", 6, &st), -EINVAL, "no pid");
	is_int(proc_parse_statm("10 5 1 1 0 1 0\n", 15, &res), 0, "statm");
	is_int(res, 5, "resident pages");
	is_int(proc_parse_statm("10\n", 3, &res), -EINVAL, "short statm");
}

static void test_cpu_percent(void)
{
	ok(cg_cpu_percent(1000000, 1500000, 1000000) == 50.0, "half a core");
	ok(cg_cpu_percent(0, 2000000, 1000000) == 200.0, "two cores");
	ok(cg_cpu_percent(5000000, 100, 1000000) == 0.0, "counter reset gives 0");
	ok(cg_cpu_percent(10, 20, 0) == 0.0, "zero interval gives 0");
	ok(cg_cpu_percent(7, 7, 1000000) == 0.0, "idle");
}

static void test_read_stats(void)
{
	_cleanup_free_ char *full = tap_fixture("cgroup/v2-full");
	_cleanup_free_ char *hyb = tap_fixture("cgroup/hybrid");
	_cleanup_free_ char *proc = tap_fixture("proc");
	struct cg_stats st;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	pid_t *pids = NULL;
	size_t n = 0;

	cg_set_proc_root(proc);
	is_int(cg_read_stats(full, 0, &st, NULL), 0, "v2 tree reads");
	is_int(st.cpu_usec, 1234567, "cpu from cpu.stat");
	is_int(st.memory, 52428800, "memory.current");
	ok(!st.memory_from_proc, "memory from the controller");
	is_int(st.pids, 7, "pids.current");
	is_int(cg_read_stats(hyb, 0, &st, NULL), 0, "hybrid tree reads");
	is_int(st.cpu_usec, 987654321, "cpu from cpu.stat");
	ok(st.memory_from_proc, "memory from /proc");
	is_int(st.memory, (200 + 1000 + 50) * page, "RSS sum of cgroup.procs");
	is_int(st.pids, 3, "pids from cgroup.procs");
	is_int(cg_read_stats(NULL, 4242, &st, NULL), 0, "no cgroup: walk /proc");
	is_int(st.pids, 3, "init and two children");
	is_int(st.memory, (200 + 1000 + 50) * page, "RSS of the tree");
	is_int(st.cpu_usec, (150 + 50 + 1000 + 200) * 1000000ULL / (uint64_t)sysconf(_SC_CLK_TCK),
	       "utime+stime of the tree");
	is_int(cg_list_pids(NULL, 999999, &pids, &n, NULL), 0, "dead init");
	is_int(n, 0, "no processes");
	free(pids);
	is_int(cg_read_stats("/nonexistent-cg", 0, &st, NULL), -ENOENT, "missing cgroup dir");
	cg_set_proc_root(NULL);
}

static void test_create_warnings(void)
{
	char tmpl[] = "/tmp/box-cgtest.XXXXXX";
	char *root = mkdtemp(tmpl);
	struct cg_limits lim = { .cpus = 1.5, .memory = 1 << 20, .pids = 50 };
	char *path = (char *)"unset", **warn = NULL;

	ok(root != NULL, "temp root");
	setenv("BOX_CGROUP_ROOT", root, 1);
	is_int(cg_create_sandbox("t1", getpid(), &lim, &path, &warn, NULL), 0,
	       "sandbox starts without a usable cgroup");
	ok(path == NULL, "no cgroup path");
	size_t n = strv_length(warn);
	bool saw_pids = false, saw_cpus = false;
	for (size_t i = 0; i < n; i++) {
		printf("#   %s\n", warn[i]);
		saw_pids |= strstr(warn[i], "pids limit (50) not applied: ") != NULL;
		saw_cpus |= strstr(warn[i], "cpus limit (1.5) not applied: ") != NULL;
	}
	ok(saw_pids, "pids warning names the limit");
	ok(saw_cpus, "cpus warning names the limit");
	strv_free(warn);
	warn = cg_limit_warnings(&lim);
	n = strv_length(warn);
	saw_pids = false;
	for (size_t i = 0; i < n; i++)
		saw_pids |= strstr(warn[i], "pids limit (50) not applied: ") != NULL;
	ok(saw_pids, "predicted warnings name the pids limit");
	strv_free(warn);
	ok(cg_limit_warnings(NULL) == NULL, "no limits, no warnings");
	is_int(cg_create_sandbox("../x", getpid(), &lim, &path, &warn, NULL), -EINVAL,
	       "name with a slash rejected");
	is_int(cg_remove(NULL), 0, "remove NULL");
	_cleanup_free_ char *gone = xasprintf("%s/box-none", root);
	is_int(cg_remove(gone), 0, "remove missing dir");
	unsetenv("BOX_CGROUP_ROOT");
	rm_rf(root, NULL);
}

/* Overwrite in place, as cgroupfs files change under a reader that keeps them open. */
static void put(const char *dir, const char *file, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fs_write_all(fd, text, strlen(text));
}

static void test_reader(void)
{
	char tmpl[] = "/tmp/box-cgreader.XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *proc = tap_fixture("proc");
	_cleanup_free_ char *mem = xasprintf("%s/memory.current", dir);
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), t0 = 1000 * CG_ABSENT_RETRY_NS;
	struct cg_stats st;

	cg_set_proc_root(proc);
	put(dir, "cpu.stat", "usage_usec 100\nuser_usec 50\n");
	put(dir, "cgroup.procs", "4243\n4242\n");
	struct cg_reader *r = cg_reader_new(dir);
	is_int(cg_reader_read(r, t0, &st, NULL), 0, "reader: first read");
	is_int(st.cpu_usec, 100, "reader: cpu.stat");
	ok(st.memory_from_proc, "reader: no memory.current, memory from /proc");
	is_int(st.memory, (200 + 1000) * page, "reader: statm sum of cgroup.procs");
	is_int(st.pids, 2, "reader: pids from cgroup.procs");
	put(dir, "cpu.stat", "usage_usec 2500\nuser_usec 50\n");
	put(dir, "cgroup.procs", "4244\n");
	put(dir, "memory.current", "8192\n");
	is_int(cg_reader_read(r, t0 + 1000000000ULL, &st, NULL), 0, "reader: second read");
	is_int(st.cpu_usec, 2500, "reader: a changed cpu.stat is read again");
	is_int(st.pids, 1, "reader: a process left, another came");
	is_int(st.memory, 50 * page, "reader: statm of the new process");
	ok(st.memory_from_proc, "reader: an absent memory.current is not retried at once");
	is_int(cg_reader_read(r, t0 + CG_ABSENT_RETRY_NS, &st, NULL), 0,
	       "reader: after the retry interval");
	ok(!st.memory_from_proc, "reader: memory.current found on retry");
	is_int(st.memory, 8192, "reader: memory.current");
	put(dir, "memory.current", "16384\n");
	cg_reader_read(r, t0 + CG_ABSENT_RETRY_NS + 1, &st, NULL);
	is_int(st.memory, 8192, "reader: CPU counter unchanged: the last processes and memory");
	is_int(st.pids, 1, "reader: ... and process count");
	cg_reader_read(r, t0 + CG_ABSENT_RETRY_NS + CG_IDLE_REUSE_NS, &st, NULL);
	is_int(st.memory, 16384, "reader: read again after CG_IDLE_REUSE_NS");
	put(dir, "memory.current", "32768\n");
	put(dir, "cpu.stat", "usage_usec 2600\nuser_usec 50\n");
	cg_reader_read(r, t0 + CG_ABSENT_RETRY_NS + CG_IDLE_REUSE_NS + 1, &st, NULL);
	is_int(st.memory, 32768, "reader: memory.current re-read in place once CPU was used");
	is_int(st.cpu_usec, 2600, "reader: the new CPU counter");
	unlink(mem);
	_cleanup_free_ char *cpu = xasprintf("%s/cpu.stat", dir);
	unlink(cpu);
	rm_rf(dir, NULL);
	r = cg_reader_free(r);
	r = cg_reader_new("/nonexistent-cg");
	ok(cg_reader_read(r, t0, &st, NULL) == -ENOENT, "reader: missing cgroup dir");
	ok(cg_reader_read(r, t0 + 1, &st, NULL) == -ENOENT, "reader: still missing, no stale data");
	cg_reader_free(r);
	cg_set_proc_root(NULL);
}

int main(void)
{
	test_cpu_stat();
	test_u64_files();
	test_procs();
	test_host_files();
	test_proc_stat();
	test_cpu_percent();
	test_read_stats();
	test_create_warnings();
	test_reader();
	return tap_done();
}
