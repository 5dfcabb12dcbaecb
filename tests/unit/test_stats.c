/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The stats snapshot against fixture data: host parsers (/proc/stat, meminfo, the net
 * helper's reply), CPU % between refreshes from a cgroup dir whose cpu.stat the test
 * rewrites (including a counter reset and a restart), the net callback and its port
 * cache, and sandboxes appearing and disappearing between refreshes.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/util/fs.h"
#include "../../core/cgroup/stats.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

#define SEC 1000000000ULL

static void test_parsers(void)
{
	uint64_t busy = 0, total = 0, t = 0, a = 0, rx = 0, tx = 0;
	const char *ps = "cpu  100 20 30 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n";
	const char *mi = "MemTotal:       16000000 kB\nMemFree:  1000 kB\n"
			 "MemAvailable:   4000000 kB\n";

	is_int(stats_parse_proc_stat(ps, strlen(ps), &busy, &total), 0, "/proc/stat");
	is_int(total, 1000, "total ticks");
	is_int(busy, 150, "busy = total - idle - iowait");
	is_int(stats_parse_proc_stat("cpu0 1 2\n", 9, &busy, &total), -EINVAL,
	       "needs the cpu line");
	is_int(stats_parse_meminfo(mi, strlen(mi), &t, &a), 0, "meminfo");
	is_int(t, 16000000ULL * 1024, "MemTotal");
	is_int(a, 4000000ULL * 1024, "MemAvailable");
	is_int(stats_parse_meminfo("MemFree: 1 kB\n", 14, &t, &a), -EINVAL, "needs MemTotal");
	is_int(stats_parse_net_reply("ok rx=10 tx=20\n", 15, &rx, &tx), 0, "net reply");
	is_int(rx, 10, "rx");
	is_int(tx, 20, "tx");
	is_int(stats_parse_net_reply("rx=1\n", 5, &rx, &tx), -EINVAL, "tx missing");
	const char *nr = "ok\nrx_bytes 123\ntx_bytes 456\nforwards 2\n";
	is_int(stats_parse_net_reply(nr, strlen(nr), &rx, &tx), 0, "net helper's key-value reply");
	ok(rx == 123 && tx == 456, "rx_bytes and tx_bytes");
	is_int(stats_parse_net_reply("ok\nrx_bytes x\ntx_bytes 1\n", 25, &rx, &tx), -EINVAL,
	       "garbage value");
	is_int(stats_parse_net_reply("error: no\n", 10, &rx, &tx), -EINVAL, "error reply");
}

/* In place, as the kernel updates cgroupfs files: the stats keep cpu.stat open. */
static void write_cpu(const char *dir, uint64_t usec)
{
	_cleanup_free_ char *p = xasprintf("%s/cpu.stat", dir);
	_cleanup_free_ char *v =
	    xasprintf("usage_usec %llu\nuser_usec 0\n", (unsigned long long)usec);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fs_write_all(fd, v, strlen(v));
}

static int net_calls, port_calls;

static int net_states;

static void fake_state_free(void *state)
{
	net_states--;
	free(state);
}

static int fake_net(const struct sandbox_info *s, bool want_ports, uint64_t *rx, uint64_t *tx,
		    char **ports, void **state, void *ud)
{
	net_calls++;
	if (!*state) {
		*state = xstrdup(s->name);
		net_states++;
	}
	*rx = 1000;
	*tx = 2000;
	if (want_ports) {
		port_calls++;
		*ports = xstrdup("127.0.0.1:8080->80/tcp");
	}
	return 0;
}

static void test_update(void)
{
	char tmpl[] = "/tmp/box-stats.XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *cg = xasprintf("%s/box-a", dir);
	_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", cg);
	_cleanup_free_ char *mem = xasprintf("%s/memory.current", cg);
	struct sandbox_info list[2];
	struct stats_ctx *ctx = stats_ctx_new();
	const struct stats_snapshot *s;

	mkdir_p(cg, 0755, NULL);
	fs_write_file_atomic(procs, "", 0, 0644, NULL);
	fs_write_file_atomic(mem, "4096\n", 5, 0644, NULL);
	memset(list, 0, sizeof(list));
	list[0] = (struct sandbox_info){ .name = (char *)"a",
					 .image = (char *)"img",
					 .state = SANDBOX_RUNNING,
					 .init_pid = 1,
					 .cgroup = cg,
					 .started = time(NULL) - 10 };
	list[1] = (struct sandbox_info){ .name = (char *)"b", .state = SANDBOX_STOPPED };
	stats_ctx_set_net(ctx, fake_net, NULL);
	stats_ctx_set_net_state_free(ctx, fake_state_free);

	write_cpu(cg, 5 * 1000000);
	stats_update(ctx, list, 2, 100 * SEC);
	s = stats_get(ctx);
	is_int(s->n, 2, "two rows");
	ok(s->rows[0].cpu > 45 && s->rows[0].cpu < 55, "first refresh: average since start (%.1f)",
	   s->rows[0].cpu);
	is_int(s->rows[0].memory, 4096, "memory.current");
	ok(s->rows[0].net_known && s->rows[0].net_rx == 1000, "net counters from the callback");
	is_str(s->rows[0].ports, "127.0.0.1:8080->80/tcp", "ports from the callback");
	ok(s->rows[0].uptime >= 9 && s->rows[0].uptime <= 12, "uptime");
	is_int(s->rows[1].cpu, 0, "stopped: no cpu");
	ok(!s->rows[1].net_known, "stopped: no net request");
	ok(s->host.mem_total > 0 && s->host.ncpu > 0, "host totals");

	write_cpu(cg, 5 * 1000000 + 750000);
	stats_update(ctx, list, 2, 101 * SEC);
	s = stats_get(ctx);
	ok(s->rows[0].cpu > 74.9 && s->rows[0].cpu < 75.1, "75%% over one second (%.2f)",
	   s->rows[0].cpu);
	is_int(s->interval_ns, SEC, "interval");
	is_int(s->rows[0].hist_n, 2, "two history samples");
	is_int(port_calls, 1, "ports cached within their TTL");
	is_int(net_states, 1, "one net state, for the running sandbox");

	write_cpu(cg, 1000);
	stats_update(ctx, list, 2, 102 * SEC);
	s = stats_get(ctx);
	is_int(s->rows[0].cpu, 0, "counter reset: 0, not a huge number");

	write_cpu(cg, 1000 + 2000000);
	stats_update(ctx, list, 2, 104 * SEC);
	s = stats_get(ctx);
	ok(s->rows[0].cpu > 99.9 && s->rows[0].cpu < 100.1, "100%% over two seconds after a reset");

	/* b disappears; a restarts (new start time): history starts over. */
	list[0].started = time(NULL);
	stats_update(ctx, list, 1, 105 * SEC);
	s = stats_get(ctx);
	is_int(s->n, 1, "disappeared sandbox gone");
	ok(s->rows[0].hist_n <= 1, "restart clears history (%u)", s->rows[0].hist_n);
	is_int(net_states, 1, "restart: the old net state released, a new one made");
	stats_update(ctx, list, 2, 106 * SEC);
	is_int(stats_get(ctx)->n, 2, "reappearing sandbox back");
	for (int i = 0; i < 70; i++) {
		write_cpu(cg, 10000000ULL + (uint64_t)i * 100000);
		stats_update(ctx, list, 1, (107 + (uint64_t)i) * SEC);
	}
	s = stats_get(ctx);
	is_int(s->rows[0].hist_n, STATS_HIST, "history holds one minute");
	ok(s->rows[0].hist[STATS_HIST - 1] > 9.9 && s->rows[0].hist[STATS_HIST - 1] < 10.1,
	   "newest sample last");
	ok(s->host.cpu >= 0 && s->host.cpu <= 100, "host cpu in range");
	list[0].state = SANDBOX_STOPPED;
	stats_update(ctx, list, 1, 200 * SEC);
	is_int(net_states, 0, "a stopped sandbox's net state is released");
	list[0].state = SANDBOX_RUNNING;
	stats_update(ctx, list, 1, 201 * SEC);
	stats_ctx_free(ctx);
	is_int(net_states, 0, "every net state released with the context");
	rm_rf(dir, NULL);
}

static void put_file(const char *dir, const char *name, size_t size)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	_cleanup_free_ char *buf = xmalloc(size);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	memset(buf, 'x', size);
	fs_write_all(fd, buf, size);
	fsync(fd);
}

/* The writable layer's size: walked again after the TTL only when the sandbox ran. */
static void test_disk(void)
{
	char tmpl[] = "/tmp/box-stats-disk.XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *cg = xasprintf("%s/cg", dir);
	_cleanup_free_ char *run = xasprintf("%s/run", dir), *stop = xasprintf("%s/stop", dir);
	_cleanup_free_ char *run_up = xasprintf("%s/upper", run);
	_cleanup_free_ char *stop_up = xasprintf("%s/upper", stop);
	_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", cg);
	struct stats_ctx *ctx = stats_ctx_new();
	struct sandbox_info list[2];
	const struct stats_snapshot *s;
	uint64_t t = 1000 * SEC, d0, s0;

	mkdir_p(cg, 0755, NULL);
	mkdir_p(run_up, 0755, NULL);
	mkdir_p(stop_up, 0755, NULL);
	fs_write_file_atomic(procs, "", 0, 0644, NULL);
	write_cpu(cg, 1000);
	put_file(run_up, "a", 8192);
	put_file(stop_up, "a", 8192);
	list[0] = (struct sandbox_info){ .name = (char *)"r",
					 .state = SANDBOX_RUNNING,
					 .init_pid = 1,
					 .cgroup = cg,
					 .data_dir = run,
					 .started = time(NULL) - 10 };
	list[1] = (struct sandbox_info){ .name = (char *)"s",
					 .state = SANDBOX_STOPPED,
					 .data_dir = stop };
	stats_update(ctx, list, 2, t);
	s = stats_get(ctx);
	ok(s->rows[0].disk_known && s->rows[1].disk_known, "disk: both walked at first");
	d0 = s->rows[0].disk;
	s0 = s->rows[1].disk;
	put_file(run_up, "b", 256 * 1024);
	put_file(stop_up, "b", 256 * 1024);
	stats_update(ctx, list, 2, t + STATS_DISK_TTL / 2);
	s = stats_get(ctx);
	ok(s->rows[0].disk == d0, "disk: cached within the TTL");
	stats_update(ctx, list, 2, t + STATS_DISK_TTL + SEC);
	s = stats_get(ctx);
	ok(s->rows[0].disk == d0, "disk: a running sandbox that used no CPU is not walked again");
	ok(s->rows[1].disk == s0, "disk: nor is a stopped one");
	write_cpu(cg, 5000);
	stats_update(ctx, list, 2, t + STATS_DISK_TTL + 2 * SEC);
	s = stats_get(ctx);
	ok(s->rows[0].disk > d0, "disk: walked again once its CPU counter moved");
	stats_update(ctx, list, 2, t + STATS_DISK_IDLE_TTL + SEC);
	s = stats_get(ctx);
	ok(s->rows[1].disk > s0, "disk: an idle sandbox is walked after the idle TTL");
	stats_ctx_free(ctx);
	rm_rf(dir, NULL);
}

int main(void)
{
	test_parsers();
	test_update();
	test_disk();
	return tap_done();
}
