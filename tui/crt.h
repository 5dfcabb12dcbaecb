/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The terminal: the one module that sets curses up and tears it down (htop's CRT.c).
 * While curses is active, stderr goes to an unlinked temporary file and is replayed
 * on the real stderr after endwin(), so messages never smear the screen. Ctrl-C,
 * SIGTERM and SIGHUP set a flag that the main loop polls; the terminal is restored
 * on every way out (normal exit, signal, error, exit()).
 */
#ifndef BOX_TUI_CRT_H
#define BOX_TUI_CRT_H

#include <stdbool.h>

enum crt_color {
	CRT_DEFAULT = 0,
	CRT_HEADER,   /* column titles */
	CRT_SELECTED, /* the selected row */
	CRT_RUNNING,
	CRT_STOPPED,
	CRT_HOT, /* high CPU */
	CRT_SPARK,
	CRT_FOOTER_KEY,
	CRT_ERROR,
	CRT__MAX,
};

struct crt {
	bool utf8;  /* the locale's charset is UTF-8: block glyphs and ellipses */
	bool color; /* the terminal has colours and NO_COLOR is not set */
	int rows, cols;
};

/* Initialise curses on the terminal; -errno with *ret_error when impossible. */
int crt_init(struct crt *c, char **ret_error);
/* Restore the terminal and replay captured stderr. Safe to call twice. */
void crt_done(void);
/* Hand the terminal to a child (endwin, real stderr), and take it back. */
void crt_suspend(void);
void crt_resume(struct crt *c);
/* Attributes for a colour role (colour pair or, with NO_COLOR, bold/reverse/dim). */
int crt_attr(enum crt_color role);
/* Set by SIGINT/SIGTERM/SIGHUP. */
bool crt_quit_requested(void);
/* Update rows/cols after KEY_RESIZE. */
void crt_update_size(struct crt *c);

#endif
