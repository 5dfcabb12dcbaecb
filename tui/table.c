/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of sandboxes: column titles, one row per sandbox (running and stopped),
 * the selection, scrolling, and the keys that act on the selected sandbox.
 */
#include <string.h>

#include "panel.h"

static int cell_attr(const struct stats_row *r, enum tui_col c)
{
	switch (c) {
	case COL_STATE:
		return crt_attr(r->state == SANDBOX_RUNNING ? CRT_RUNNING : CRT_STOPPED);
	case COL_CPU:
		return r->cpu >= 80 ? crt_attr(CRT_HOT) : (int)A_NORMAL;
	case COL_SPARK:
		return crt_attr(CRT_SPARK);
	case COL_NAME:
	case COL_IMAGE:
	case COL_PIDS:
	case COL_MEM:
	case COL_NET:
	case COL_PORTS:
	case COL_UPTIME:
	case COL__MAX:
		break;
	}
	return r->state == SANDBOX_RUNNING ? (int)A_NORMAL : crt_attr(CRT_STOPPED);
}

static void draw_row(struct tui_app *app, const struct tui_layout *l, const struct stats_row *r,
		     int y, int w, bool selected)
{
	char cell[1024];

	if (selected) {
		/* One attribute over the whole line, so the bar is continuous. */
		attrset(crt_attr(CRT_SELECTED));
		mvhline(y, 0, ' ', w);
	}
	for (int c = 0; c < COL__MAX; c++) {
		if (!l->width[c])
			continue;
		tui_format_cell(r, (enum tui_col)c, l->width[c], app->crt.utf8, cell, sizeof(cell));
		int attr = selected ? crt_attr(CRT_SELECTED) : cell_attr(r, (enum tui_col)c);
		tui_put(y, (int)l->x[c], (int)l->width[c], attr, cell);
	}
	attrset(A_NORMAL);
}

static void clamp_scroll(struct tui_app *app, int h)
{
	if (h <= 0)
		return;
	if (app->sel < app->top)
		app->top = app->sel;
	if (app->sel >= app->top + (size_t)h)
		app->top = app->sel - (size_t)h + 1;
	if (app->top + (size_t)h > app->nview)
		app->top = app->nview > (size_t)h ? app->nview - (size_t)h : 0;
}

static void table_draw(struct tui_panel *p, struct tui_app *app, int y, int h, int w)
{
	struct tui_layout l;
	char line[4096];

	tui_layout_compute((unsigned)w, &l);
	tui_render_row(&l, NULL, app->crt.utf8, line, sizeof(line));
	attrset(crt_attr(CRT_HEADER));
	mvhline(y, 0, ' ', w);
	tui_put(y, 0, w, crt_attr(CRT_HEADER), line);
	attrset(A_NORMAL);
	h--;
	y++;
	if (app->nview == 0) {
		const char *msg = app->filter[0] ? "no sandbox matches the filter"
						 : "no sandboxes yet: box create NAME IMAGE";
		tui_put(y + 1, 2, w - 2, A_DIM, msg);
		return;
	}
	clamp_scroll(app, h);
	for (int i = 0; i < h && app->top + (size_t)i < app->nview; i++) {
		size_t k = app->top + (size_t)i;
		draw_row(app, &l, &app->snap->rows[app->view[k]], y + i, w, k == app->sel);
	}
}

static void move_sel(struct tui_app *app, long delta)
{
	long s = (long)app->sel + delta;

	if (app->nview == 0)
		return;
	if (s < 0)
		s = 0;
	if (s >= (long)app->nview)
		s = (long)app->nview - 1;
	app->sel = (size_t)s;
	snprintf(app->selected, sizeof(app->selected), "%s",
		 app->snap->rows[app->view[app->sel]].name);
}

static bool act_on_selected(struct tui_app *app, int ch)
{
	const struct stats_row *r = tui_app_selected(app);
	char *argv[4] = { NULL, NULL, NULL, NULL };

	if (!r)
		return false;
	argv[1] = r->name;
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		tui_app_enter(app, r->name);
		return true;
	case 's':
		argv[0] = (char *)"stop";
		tui_app_action(app, "stop", argv);
		return true;
	case 'S':
		argv[0] = (char *)"start";
		tui_app_action(app, "start", argv);
		return true;
	case 'd':
	case KEY_DC:
		tui_app_prompt(app, PROMPT_CONFIRM_RM, r->name);
		return true;
	case 'i':
	case '\t':
		tui_app_open(app, &tui_detail_class, r->name);
		return true;
	case 'p':
		tui_app_open(app, &tui_ports_class, r->name);
		return true;
	}
	return false;
}

static bool table_key(struct tui_panel *p, struct tui_app *app, int ch)
{
	int page = MAX(app->crt.rows - 4, 1);

	switch (ch) {
	case KEY_UP:
	case 'k':
		move_sel(app, -1);
		return true;
	case KEY_DOWN:
	case 'j':
		move_sel(app, 1);
		return true;
	case KEY_PPAGE:
		move_sel(app, -page);
		return true;
	case KEY_NPAGE:
		move_sel(app, page);
		return true;
	case KEY_HOME:
	case 'g':
		move_sel(app, -(long)app->nview);
		return true;
	case KEY_END:
	case 'G':
		move_sel(app, (long)app->nview);
		return true;
	}
	return act_on_selected(app, ch);
}

static bool table_click(struct tui_panel *p, struct tui_app *app, int row, bool twice)
{
	/* Row 0 is the column titles. */
	if (row < 1 || app->top + (size_t)(row - 1) >= app->nview)
		return false;
	app->sel = app->top + (size_t)(row - 1);
	move_sel(app, 0);
	if (twice)
		tui_app_open(app, &tui_detail_class, app->selected);
	return true;
}

const struct tui_panel_class tui_table_class = {
	.name = "table",
	.footer = "Enter:enter s:stop S:start d:rm p:ports i:info /:filter o:sort ?:help q:quit",
	.draw = table_draw,
	.key = table_key,
	.click = table_click,
};
