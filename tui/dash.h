/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The dashboard's entry point. It draws from stats snapshots that the caller's
 * refresh callback produces, and performs every action (enter, stop, start, remove,
 * ports) through the caller's run callback, which runs the box binary: tui/ holds
 * no lifecycle code.
 */
#ifndef BOX_TUI_DASH_H
#define BOX_TUI_DASH_H

#include <stdbool.h>

#include "../core/cgroup/stats.h"

struct tui_dash_ops {
	/* A fresh snapshot (owned by the caller, valid until the next call), or NULL with
	 * *ret_error set (allocated). */
	const struct stats_snapshot *(*snapshot)(void *userdata, char **ret_error);
	/*
	 * Run `box ARGV...`. interactive: on the terminal (curses is suspended around it).
	 * Otherwise its output is captured and *ret_msg gets its last line (allocated, may
	 * be NULL). Returns the exit status.
	 */
	int (*run)(void *userdata, char *const *argv, bool interactive, char **ret_msg);
	void *userdata;
};

struct tui_dash_opts {
	unsigned interval_ms; /* between refreshes */
	unsigned iterations;  /* exit after this many refreshes; 0 = until q */
	const char *select;   /* sandbox selected at start (a project's), or NULL */
};

/* Returns 0 on q/Ctrl-C, -errno with *ret_error when the terminal cannot be used. */
int tui_dash_run(const struct tui_dash_opts *o, const struct tui_dash_ops *ops, char **ret_error);

#endif
