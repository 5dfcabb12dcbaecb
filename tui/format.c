/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cell and layout arithmetic for the dashboard (see format.h). Columns are described
 * by a table: minimum and preferred widths, which ones stretch, and in which order
 * they give way when the terminal is narrow (htop's Meter tables, tmux's
 * options-table: data, not branches).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/util/macro.h"
#include "format.h"

struct col_def {
	const char *title;
	unsigned min, pref;
	bool right;    /* right-aligned (numbers) */
	bool flex;     /* takes what is left over */
	unsigned keep; /* higher stays longer when the terminal is narrow */
};

static const struct col_def cols[COL__MAX] = {
	[COL_NAME] = { "NAME", 8, 12, false, true, 100 },
	[COL_IMAGE] = { "IMAGE", 15, 20, false, true, 60 },
	[COL_STATE] = { "STATE", 8, 8, false, false, 95 },
	[COL_PIDS] = { "PIDS", 4, 5, true, false, 70 },
	[COL_CPU] = { "CPU%", 5, 6, true, false, 90 },
	[COL_MEM] = { "MEM", 5, 6, true, false, 85 },
	[COL_NET] = { "NET RX/TX", 9, 11, false, false, 40 },
	[COL_PORTS] = { "PORTS", 10, 26, false, true, 20 },
	[COL_UPTIME] = { "UPTIME", 6, 6, true, false, 50 },
	[COL_SPARK] = { "CPU 60s", 8, 20, false, false, 45 },
};

static const char *const sort_names[SORT__MAX] = {
	[SORT_NAME] = "name",	[SORT_CPU] = "cpu",	  [SORT_MEM] = "memory",
	[SORT_STATE] = "state", [SORT_UPTIME] = "uptime",
};

/* ---- numbers ---- */

char *tui_fmt_size(uint64_t n, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, size, "%uB", (unsigned)n);
		return buf;
	}
	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	/* 1023.6K would print as "1024K": show it as the next unit instead. */
	if (v >= 999.5 && u < 5) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, size, v < 9.95 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

char *tui_fmt_uptime(uint64_t s, char *buf, size_t size)
{
	if (s == 0)
		snprintf(buf, size, "-");
	else if (s < 60)
		snprintf(buf, size, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, size, "%um", (unsigned)(s / 60));
	else if (s < 86400)
		snprintf(buf, size, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s % 3600 / 60));
	else
		snprintf(buf, size, "%ud%02uh", (unsigned)(s / 86400),
			 (unsigned)(s % 86400 / 3600));
	return buf;
}

const char *tui_short_image(const char *ref)
{
	/* Docker Hub's default namespace says nothing; podman shows these short too. */
	static const char *const prefixes[] = { "docker.io/library/", "docker.io/" };

	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncmp(ref, prefixes[i], strlen(prefixes[i])) == 0)
			return ref + strlen(prefixes[i]);
	return ref;
}

size_t tui_display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* ---- sparkline ---- */

static unsigned spark_level(float v)
{
	/* 0 for idle, then 1..8 in eighths of one core; more than one core is full. */
	if (v < 0.5f)
		return 0;
	unsigned l = 1 + (unsigned)(v / 100.0f * 7.0f + 0.5f);
	return l > 8 ? 8 : l;
}

char *tui_sparkline(const float *v, size_t n, unsigned width, bool utf8, char *buf, size_t size)
{
	static const char *const blocks[9] = { " ",	 "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " .:-=+*#@";
	size_t o = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	size_t cells = MIN((size_t)width, n);
	for (size_t i = cells; i < width && o + 1 < size; i++)
		buf[o++] = ' ';
	for (size_t c = 0; c < cells; c++) {
		/* Bucket c covers samples [lo, hi) of the n, newest bucket last. */
		size_t lo = n * c / cells, hi = n * (c + 1) / cells;
		float sum = 0;
		for (size_t i = lo; i < hi; i++)
			sum += v[i];
		unsigned l = spark_level(hi > lo ? sum / (float)(hi - lo) : 0);
		const char *g = utf8 ? blocks[l] : (const char[]){ ascii[l], '\0' };
		size_t gl = strlen(g);
		if (o + gl >= size)
			break;
		memcpy(buf + o, g, gl);
		o += gl;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- layout ---- */

static unsigned used_width(const bool *on, const unsigned *w)
{
	unsigned sum = 0, n = 0;
	for (int c = 0; c < COL__MAX; c++)
		if (on[c]) {
			sum += w[c];
			n++;
		}
	return n ? sum + n - 1 : 0;
}

/* Hide the column with the lowest keep value that is still shown. */
static bool drop_one(bool *on)
{
	int victim = -1;
	for (int c = 0; c < COL__MAX; c++)
		if (on[c] && c != COL_NAME && (victim < 0 || cols[c].keep < cols[victim].keep))
			victim = c;
	if (victim < 0)
		return false;
	on[victim] = false;
	return true;
}

static void grow(const bool *on, unsigned *w, unsigned *spare)
{
	/* First toward the preferred widths, most important columns first. */
	for (unsigned keep = 101; keep-- > 0 && *spare;)
		for (int c = 0; c < COL__MAX; c++)
			if (on[c] && cols[c].keep == keep && w[c] < cols[c].pref) {
				unsigned add = MIN(cols[c].pref - w[c], *spare);
				w[c] += add;
				*spare -= add;
			}
	/* Then what is left over goes evenly to the flexible columns. */
	unsigned nflex = 0;
	for (int c = 0; c < COL__MAX; c++)
		nflex += on[c] && cols[c].flex;
	for (int c = 0; c < COL__MAX && nflex && *spare; c++)
		if (on[c] && cols[c].flex) {
			unsigned add = *spare / nflex--;
			w[c] += add;
			*spare -= add;
		}
}

void tui_layout_compute(unsigned ncols, struct tui_layout *ret)
{
	bool on[COL__MAX];
	unsigned w[COL__MAX];
	struct tui_layout l = { { 0 }, { 0 }, 0 };

	for (int c = 0; c < COL__MAX; c++) {
		on[c] = true;
		w[c] = cols[c].min;
	}
	while (used_width(on, w) > ncols && drop_one(on))
		;
	unsigned used = used_width(on, w);
	if (used > ncols) /* only NAME is left and even it does not fit */
		w[COL_NAME] = ncols;
	unsigned spare = ncols > used ? ncols - used : 0;
	grow(on, w, &spare);
	unsigned x = 0;
	for (int c = 0; c < COL__MAX; c++) {
		if (!on[c])
			continue;
		l.x[c] = x;
		l.width[c] = w[c];
		x += w[c] + 1;
	}
	l.total = x ? MIN(x - 1, ncols) : 0;
	*ret = l;
}

const char *tui_col_title(enum tui_col c)
{
	return c < COL__MAX ? cols[c].title : "";
}

/* ---- cells ---- */

/* Printable ASCII only: names and images come from files a sandbox could write. */
static void sanitize(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; in && *in && o + 1 < size; in++)
		out[o++] = (*in >= 0x20 && *in < 0x7f) ? *in : '?';
	out[o] = '\0';
}

/* Pad or cut text (display width counted in code points) to exactly width. */
static char *fit(const char *text, unsigned width, bool right, bool utf8, char *buf, size_t size)
{
	size_t tw = tui_display_width(text), o = 0;

	if (size == 0)
		return buf;
	if (tw > width) {
		/* Cut, marking the cut with an ellipsis (or '~'); text is ASCII here. */
		size_t keep = width ? width - 1 : 0;
		for (size_t i = 0; i < keep && o + 1 < size; i++)
			buf[o++] = text[i];
		const char *mark = width ? (utf8 ? "\u2026" : "~") : "";
		size_t ml = strlen(mark);
		if (o + ml < size) {
			memcpy(buf + o, mark, ml);
			o += ml;
		}
		buf[o] = '\0';
		return buf;
	}
	size_t pad = width - tw, tl = strlen(text);
	if (right)
		for (; pad && o + 1 < size; pad--)
			buf[o++] = ' ';
	if (o + tl < size) {
		memcpy(buf + o, text, tl);
		o += tl;
	}
	for (; pad && o + 1 < size; pad--)
		buf[o++] = ' ';
	buf[o] = '\0';
	return buf;
}

static void cell_text(const struct stats_row *r, enum tui_col c, unsigned width, bool utf8, char *t,
		      size_t size)
{
	char a[16], b[16];
	bool live = r->state == SANDBOX_RUNNING;

	switch (c) {
	case COL_NAME:
		sanitize(r->name, t, size);
		break;
	case COL_IMAGE:
		sanitize(r->image ? tui_short_image(r->image) : "-", t, size);
		break;
	case COL_STATE:
		snprintf(t, size, "%s", stats_state_name(r->state));
		break;
	case COL_PIDS:
		snprintf(t, size, live ? "%llu" : "-", (unsigned long long)r->pids);
		break;
	case COL_CPU:
		if (live && r->cpu >= 0)
			snprintf(t, size, "%.1f", r->cpu);
		else
			snprintf(t, size, "-");
		break;
	case COL_MEM:
		snprintf(t, size, "%s", live ? tui_fmt_size(r->memory, a, sizeof(a)) : "-");
		break;
	case COL_NET:
		if (live && r->net_known)
			snprintf(t, size, "%s/%s", tui_fmt_size(r->net_rx, a, sizeof(a)),
				 tui_fmt_size(r->net_tx, b, sizeof(b)));
		else
			snprintf(t, size, "-");
		break;
	case COL_PORTS:
		sanitize(r->ports && *r->ports ? r->ports : "-", t, size);
		break;
	case COL_UPTIME:
		tui_fmt_uptime(live ? r->uptime : 0, t, size);
		break;
	case COL_SPARK:
		tui_sparkline(r->hist, r->hist_n, width, utf8, t, size);
		break;
	case COL__MAX:
		t[0] = '\0';
		break;
	}
}

char *tui_format_cell(const struct stats_row *r, enum tui_col c, unsigned width, bool utf8,
		      char *buf, size_t size)
{
	char t[512];

	if (!r)
		snprintf(t, sizeof(t), "%s", tui_col_title(c));
	else
		cell_text(r, c, width, utf8, t, sizeof(t));
	return fit(t, width, c < COL__MAX && cols[c].right, utf8, buf, size);
}

char *tui_render_row(const struct tui_layout *l, const struct stats_row *r, bool utf8, char *buf,
		     size_t size)
{
	size_t o = 0;
	bool first = true;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (int c = 0; c < COL__MAX; c++) {
		char cell[1024];
		if (!l->width[c])
			continue;
		tui_format_cell(r, (enum tui_col)c, l->width[c], utf8, cell, sizeof(cell));
		size_t cl = strlen(cell);
		if (o + cl + 2 >= size)
			break;
		if (!first)
			buf[o++] = ' ';
		first = false;
		memcpy(buf + o, cell, cl);
		o += cl;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- sorting and filtering ---- */

const char *tui_sort_name(enum tui_sort s)
{
	return s < SORT__MAX ? sort_names[s] : "name";
}

static const struct stats_snapshot *sort_snap;
static enum tui_sort sort_key;

static int cmp_rows(const void *pa, const void *pb)
{
	const struct stats_row *a = &sort_snap->rows[*(const size_t *)pa];
	const struct stats_row *b = &sort_snap->rows[*(const size_t *)pb];
	int d = 0;

	switch (sort_key) {
	case SORT_CPU:
		d = (b->cpu > a->cpu) - (b->cpu < a->cpu);
		break;
	case SORT_MEM:
		d = (b->memory > a->memory) - (b->memory < a->memory);
		break;
	case SORT_STATE:
		d = (a->state != SANDBOX_RUNNING) - (b->state != SANDBOX_RUNNING);
		break;
	case SORT_UPTIME:
		d = (b->uptime > a->uptime) - (b->uptime < a->uptime);
		break;
	case SORT_NAME:
	case SORT__MAX:
		break;
	}
	return d ? d : strcmp(a->name, b->name);
}

void tui_sort_rows(const struct stats_snapshot *snap, enum tui_sort key, size_t *idx, size_t n)
{
	if (n < 2)
		return;
	/* qsort has no context argument; the dashboard is single-threaded. */
	sort_snap = snap;
	sort_key = key;
	qsort(idx, n, sizeof(*idx), cmp_rows);
	sort_snap = NULL;
}

bool tui_row_matches(const struct stats_row *r, const char *filter)
{
	if (!filter || !*filter)
		return true;
	return (r->name && strcasestr(r->name, filter)) ||
	       (r->image && strcasestr(r->image, filter)) ||
	       strcasestr(stats_state_name(r->state), filter);
}
