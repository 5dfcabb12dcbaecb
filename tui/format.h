/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure formatting for the dashboard and `box stats`: compact sizes and durations,
 * the CPU sparkline, the column layout for a terminal width and the text of each
 * cell and row. Nothing here touches the terminal, so all of it is unit-tested
 * against plain buffers. Every cell is padded or cut to its exact display width;
 * text from sandboxes (names, images) is reduced to printable ASCII first.
 */
#ifndef BOX_TUI_FORMAT_H
#define BOX_TUI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/cgroup/stats.h"

enum tui_col {
	COL_NAME = 0,
	COL_IMAGE,
	COL_STATE,
	COL_PIDS,
	COL_CPU,
	COL_MEM,
	COL_NET,
	COL_PORTS,
	COL_UPTIME,
	COL_SPARK,
	COL__MAX,
};

struct tui_layout {
	unsigned width[COL__MAX]; /* 0: column hidden at this terminal width */
	unsigned x[COL__MAX];	  /* start column */
	unsigned total;		  /* columns used, <= the terminal width */
};

enum tui_sort {
	SORT_NAME = 0,
	SORT_CPU,
	SORT_MEM,
	SORT_STATE,
	SORT_UPTIME,
	SORT__MAX,
};

/* "512B", "1.5K", "12M", "3.0G" (base 1024, at most 5 characters). */
char *tui_fmt_size(uint64_t n, char *buf, size_t size);
/* "45s", "12m", "3h12m", "2d03h", "-" for 0. */
char *tui_fmt_uptime(uint64_t secs, char *buf, size_t size);
/*
 * width glyphs of CPU history (values in % of one core, oldest first, 100 = full
 * block): UTF-8 blocks, or ASCII ".:-=+*#@". Fewer samples than width are right-aligned
 * (padded with spaces); more are averaged into width buckets. Returns buf.
 */
char *tui_sparkline(const float *v, size_t n, unsigned width, bool utf8, char *buf, size_t size);

void tui_layout_compute(unsigned cols, struct tui_layout *ret);
const char *tui_col_title(enum tui_col c);
/* One cell, exactly width display columns (buf >= width * 3 + 1 for UTF-8). */
char *tui_format_cell(const struct stats_row *r, enum tui_col c, unsigned width, bool utf8,
		      char *buf, size_t size);
/* A whole line (header when r is NULL), columns separated by one space. */
char *tui_render_row(const struct tui_layout *l, const struct stats_row *r, bool utf8, char *buf,
		     size_t size);
/* "docker.io/library/debian:bookworm" as "debian:bookworm"; other references as they are. */
const char *tui_short_image(const char *ref);
/* Display width of a UTF-8 string (code points; everything we draw is single width). */
size_t tui_display_width(const char *s);

const char *tui_sort_name(enum tui_sort s);
/* Order rows (indices into snap->rows) by key; ties by name. */
void tui_sort_rows(const struct stats_snapshot *snap, enum tui_sort key, size_t *idx, size_t n);
/* Case-insensitive substring match on name, image and state; empty filter matches all. */
bool tui_row_matches(const struct stats_row *r, const char *filter);

#endif
