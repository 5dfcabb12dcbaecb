/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dashboard formatting without a terminal: compact sizes and uptimes, the sparkline
 * (UTF-8 and ASCII), the column layout at 80 and 200 columns, whole rows rendered
 * into a buffer at those widths, sorting and filtering.
 */
#include <stdlib.h>
#include <string.h>

#include "../../core/util/xalloc.h"
#include "../../tui/format.h"
#include "tap.h"

static void test_sizes(void)
{
	char b[16];

	is_str(tui_fmt_size(0, b, sizeof(b)), "0B", "zero");
	is_str(tui_fmt_size(1023, b, sizeof(b)), "1023B", "bytes");
	is_str(tui_fmt_size(1024, b, sizeof(b)), "1.0K", "one KiB");
	is_str(tui_fmt_size(1536, b, sizeof(b)), "1.5K", "1.5 KiB");
	is_str(tui_fmt_size(10 * 1024, b, sizeof(b)), "10K", "10 KiB");
	is_str(tui_fmt_size(1048575, b, sizeof(b)), "1.0M", "just under 1 MiB rounds up a unit");
	is_str(tui_fmt_size(52428800, b, sizeof(b)), "50M", "50 MiB");
	is_str(tui_fmt_size(3ULL << 30, b, sizeof(b)), "3.0G", "3 GiB");
	is_str(tui_fmt_size(UINT64_MAX, b, sizeof(b)), "16E", "max");
	ok(strlen(tui_fmt_size(999 * 1024 + 1000, b, sizeof(b))) <= 5, "never wider than 5");
	is_str(tui_fmt_uptime(0, b, sizeof(b)), "-", "no uptime");
	is_str(tui_fmt_uptime(45, b, sizeof(b)), "45s", "seconds");
	is_str(tui_fmt_uptime(600, b, sizeof(b)), "10m", "minutes");
	is_str(tui_fmt_uptime(3 * 3600 + 12 * 60, b, sizeof(b)), "3h12m", "hours");
	is_str(tui_fmt_uptime(2 * 86400 + 3 * 3600, b, sizeof(b)), "2d03h", "days");
}

static void test_sparkline(void)
{
	char b[128];
	float v[4] = { 0, 50, 100, 300 };
	float many[60];

	is_str(tui_sparkline(v, 4, 4, false, b, sizeof(b)), " +@@",
	       "ascii levels, clipped at one core");
	is_str(tui_sparkline(v, 4, 6, false, b, sizeof(b)), "   +@@", "right-aligned when short");
	is_str(tui_sparkline(v, 4, 4, true, b, sizeof(b)), " \u2585\u2588\u2588", "utf-8 blocks");
	is_int(tui_display_width(b), 4, "utf-8 sparkline is 4 columns");
	is_str(tui_sparkline(NULL, 0, 3, true, b, sizeof(b)), "   ", "no samples");
	for (int i = 0; i < 60; i++)
		many[i] = i < 30 ? 0 : 100;
	is_str(tui_sparkline(many, 60, 6, false, b, sizeof(b)), "   @@@",
	       "60 samples in 6 buckets");
	is_str(tui_sparkline(v, 4, 4, true, b, 4), " ", "small buffer cut at a glyph boundary");
}

static struct stats_row mkrow(const char *name, double cpu, uint64_t mem, enum sandbox_state st)
{
	struct stats_row r;
	memset(&r, 0, sizeof(r));
	r.name = (char *)name;
	r.image = (char *)"docker.io/library/debian:bookworm";
	r.state = st;
	r.cpu = cpu;
	r.memory = mem;
	r.pids = 3;
	r.uptime = st == SANDBOX_RUNNING ? 125 : 0;
	r.net_known = true;
	r.net_rx = 2048;
	r.net_tx = 5 << 20;
	r.ports = (char *)"127.0.0.1:8080->80/tcp";
	for (int i = 0; i < 10; i++)
		r.hist[r.hist_n++] = (float)cpu;
	return r;
}

static void test_layout(void)
{
	struct tui_layout l;
	char line[4096];
	struct stats_row r = mkrow("busy", 99.5, 50 << 20, SANDBOX_RUNNING);

	tui_layout_compute(80, &l);
	ok(l.total <= 80, "80 columns: fits (%u)", l.total);
	ok(l.total >= 78, "80 columns: uses the width (%u)", l.total);
	ok(l.width[COL_NAME] >= 8 && l.width[COL_CPU] >= 5 && l.width[COL_STATE] == 8,
	   "80 columns: name, cpu, state shown");
	ok(l.width[COL_MEM] && l.width[COL_PIDS] && l.width[COL_UPTIME], "80: mem, pids, uptime");
	is_int(l.width[COL_PORTS], 0, "80 columns: ports give way first");
	ok(l.width[COL_NET] > 0 && l.width[COL_SPARK] > 0, "80 columns: net and sparkline shown");
	ok(l.x[COL_IMAGE] == l.x[COL_NAME] + l.width[COL_NAME] + 1, "image follows name");
	tui_render_row(&l, &r, false, line, sizeof(line));
	is_int(strlen(line), l.total, "80: ascii row is exactly the layout width");
	ok(strstr(line, "busy ") == line, "row starts with the name");
	ok(strstr(line, " debian:bookworm ") != NULL, "80: short image reference fits");
	ok(strstr(line, " 99.5 ") != NULL, "cpu shown");
	ok(strstr(line, " 50M ") != NULL, "memory shown");
	ok(strstr(line, "2m") != NULL, "uptime shown");
	tui_render_row(&l, &r, true, line, sizeof(line));
	is_int(tui_display_width(line), l.total, "80: utf-8 row has the same display width");
	tui_render_row(&l, NULL, false, line, sizeof(line));
	ok(strstr(line, "NAME") == line && strstr(line, "CPU%"), "header");
	is_int(strlen(line), l.total, "header is the layout width");

	tui_layout_compute(200, &l);
	is_int(l.total, 200, "200 columns: all used");
	for (int c = 0; c < COL__MAX; c++)
		ok(l.width[c] > 0, "200 columns: %s shown", tui_col_title((enum tui_col)c));
	ok(l.width[COL_IMAGE] >= 15, "200: the image fits");
	tui_render_row(&l, &r, false, line, sizeof(line));
	is_int(strlen(line), 200, "200: row is 200 wide");
	ok(strstr(line, " debian:bookworm ") != NULL, "image not cut at 200, shown short");
	ok(strstr(line, "127.0.0.1:8080->80/tcp") != NULL, "ports at 200");
	ok(strstr(line, "2.0K/5.0M") != NULL, "net rx/tx");

	tui_layout_compute(40, &l);
	ok(l.total <= 40 && l.width[COL_NAME] > 0 && l.width[COL_CPU] > 0, "40: name and cpu");
	tui_layout_compute(5, &l);
	ok(l.total <= 5, "5 columns: still fits (%u)", l.total);

	struct stats_row s = mkrow("a-very-long-sandbox-name-indeed", 0, 0, SANDBOX_STOPPED);
	tui_layout_compute(80, &l);
	tui_render_row(&l, &s, false, line, sizeof(line));
	is_int(strlen(line), l.total, "stopped row width");
	ok(strstr(line, "stopped") != NULL, "stopped state");
	ok(strchr(line, '~') != NULL, "long name cut with a marker");
	s.name = (char *)"evil\x1b[2Jname";
	tui_render_row(&l, &s, false, line, sizeof(line));
	ok(strchr(line, '\x1b') == NULL, "control characters never reach the terminal");
}

static void test_sort_filter(void)
{
	struct stats_row rows[3] = {
		mkrow("c", 10, 300, SANDBOX_RUNNING),
		mkrow("a", 90, 100, SANDBOX_RUNNING),
		mkrow("b", 0, 0, SANDBOX_STOPPED),
	};
	struct stats_snapshot snap = { .rows = rows, .n = 3 };
	size_t idx[3] = { 0, 1, 2 };

	tui_sort_rows(&snap, SORT_NAME, idx, 3);
	ok(idx[0] == 1 && idx[1] == 2 && idx[2] == 0, "by name");
	tui_sort_rows(&snap, SORT_CPU, idx, 3);
	ok(idx[0] == 1 && idx[1] == 0 && idx[2] == 2, "by cpu, busiest first");
	tui_sort_rows(&snap, SORT_MEM, idx, 3);
	ok(idx[0] == 0 && idx[1] == 1, "by memory");
	tui_sort_rows(&snap, SORT_STATE, idx, 3);
	ok(idx[2] == 2, "stopped last");
	ok(tui_row_matches(&rows[0], ""), "empty filter");
	ok(tui_row_matches(&rows[0], "DEBIAN"), "filter on image, any case");
	ok(tui_row_matches(&rows[2], "stop"), "filter on state");
	ok(!tui_row_matches(&rows[0], "zzz"), "no match");
}

int main(void)
{
	test_sizes();
	test_sparkline();
	test_layout();
	test_sort_filter();
	return tap_done();
}
