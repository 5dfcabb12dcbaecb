/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Panels of the dashboard as "classes" (htop's Object/Panel): a vtable struct with
 * draw/key/mouse/free, and the shared application state they act on. The table of
 * sandboxes is the base panel; detail, help and ports are panels shown over it.
 */
#ifndef BOX_TUI_PANEL_H
#define BOX_TUI_PANEL_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/cgroup/stats.h"
#include "crt.h"
#include "dash.h"
#include "format.h"

#define TUI_NAME_MAX 128

struct tui_app;
struct tui_panel;

struct tui_panel_class {
	const char *name;
	const char *footer; /* key hints: "Enter:enter  s:stop ..." */
	/* Draw into the body area (rows y..y+h-1). */
	void (*draw)(struct tui_panel *p, struct tui_app *app, int y, int h, int w);
	/* true when the key was handled. */
	bool (*key)(struct tui_panel *p, struct tui_app *app, int ch);
	/* A click at row (relative to the body); true when handled. */
	bool (*click)(struct tui_panel *p, struct tui_app *app, int row, bool twice);
	void (*free)(struct tui_panel *p);
};

struct tui_panel {
	const struct tui_panel_class *klass;
	int scroll;
	int sel;
	char name[TUI_NAME_MAX]; /* the sandbox it shows (detail, ports) */
};

enum prompt_kind { PROMPT_NONE = 0, PROMPT_FILTER, PROMPT_CONFIRM_RM, PROMPT_PORT_ADD };

struct tui_app {
	struct crt crt;
	const struct tui_dash_ops *ops;
	const struct stats_snapshot *snap;
	size_t *view; /* indices into snap->rows: filtered, sorted */
	size_t nview;
	size_t sel, top;
	char selected[TUI_NAME_MAX]; /* selection survives refreshes by name */
	enum tui_sort sort;
	char filter[64];
	enum prompt_kind prompt;
	char input[128];
	char prompt_target[TUI_NAME_MAX];
	struct tui_panel *overlay; /* detail/help/ports, or NULL for the table */
	char status[256];
	bool status_error;
	bool refresh_now;
	bool quit;
};

extern const struct tui_panel_class tui_table_class;
extern const struct tui_panel_class tui_detail_class;
extern const struct tui_panel_class tui_help_class;
extern const struct tui_panel_class tui_ports_class;

struct tui_panel *tui_panel_new(const struct tui_panel_class *klass, const char *name);
void tui_panel_free(struct tui_panel *p);

/* Helpers the panels share (dash.c). */
const struct stats_row *tui_app_selected(const struct tui_app *app);
const struct stats_row *tui_app_find(const struct tui_app *app, const char *name);
void tui_app_status(struct tui_app *app, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Run `box ARGV...` captured, report its result in the status line, refresh. */
int tui_app_action(struct tui_app *app, const char *what, char *const *argv);
/* Enter the sandbox on the terminal and come back. */
void tui_app_enter(struct tui_app *app, const char *name);
void tui_app_open(struct tui_app *app, const struct tui_panel_class *klass, const char *name);
void tui_app_close(struct tui_app *app);
void tui_app_prompt(struct tui_app *app, enum prompt_kind kind, const char *target);
/* Draw text at (y, x) cut to w display columns with attributes. */
void tui_put(int y, int x, int w, int attr, const char *text);

#endif
