/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Curses setup and teardown, colours, signals and the stderr capture (see crt.h).
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/xalloc.h"
#include "crt.h"

static bool active;
static bool suspended;
static int saved_stderr = -1; /* the real stderr while curses runs */
static int capture_fd = -1;   /* where stderr goes meanwhile */
static volatile sig_atomic_t quit_flag;
static bool has_colors_on;

static void on_quit_signal(int sig)
{
	(void)sig;
	quit_flag = 1;
}

bool crt_quit_requested(void)
{
	return quit_flag != 0;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_quit_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: getch() must return so the loop sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int open_capture(void)
{
	char tmpl[] = "/tmp/box-dash-stderr.XXXXXX";
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

static void capture_stderr(void)
{
	if (capture_fd < 0)
		capture_fd = open_capture();
	if (capture_fd < 0)
		return;
	fflush(stderr);
	if (saved_stderr < 0)
		saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_stderr >= 0)
		dup2(capture_fd, STDERR_FILENO);
}

static void release_stderr(void)
{
	fflush(stderr);
	if (saved_stderr >= 0)
		dup2(saved_stderr, STDERR_FILENO);
}

/* Write what was captured to the real stderr and start the capture afresh. */
static void replay_stderr(void)
{
	char buf[4096];
	ssize_t n;

	if (capture_fd < 0)
		return;
	if (lseek(capture_fd, 0, SEEK_SET) == 0)
		while ((n = read(capture_fd, buf, sizeof(buf))) > 0)
			if (fs_write_all(STDERR_FILENO, buf, (size_t)n) < 0)
				break;
	if (ftruncate(capture_fd, 0) == 0)
		lseek(capture_fd, 0, SEEK_SET);
}

static void init_colors(struct crt *c)
{
	const char *nc = getenv("NO_COLOR");

	c->color = has_colors() && !(nc && *nc);
	has_colors_on = c->color;
	if (!c->color)
		return;
	start_color();
	use_default_colors();
	init_pair(CRT_HEADER, COLOR_BLACK, COLOR_GREEN);
	init_pair(CRT_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(CRT_RUNNING, COLOR_GREEN, -1);
	init_pair(CRT_STOPPED, COLOR_BLUE, -1);
	init_pair(CRT_HOT, COLOR_RED, -1);
	init_pair(CRT_SPARK, COLOR_CYAN, -1);
	init_pair(CRT_FOOTER_KEY, COLOR_BLACK, COLOR_CYAN);
	init_pair(CRT_ERROR, COLOR_WHITE, COLOR_RED);
}

int crt_attr(enum crt_color role)
{
	if (has_colors_on && role != CRT_DEFAULT)
		return COLOR_PAIR(role) | (role == CRT_HOT ? A_BOLD : 0);
	switch (role) {
	case CRT_HEADER:
	case CRT_SELECTED:
	case CRT_FOOTER_KEY:
	case CRT_ERROR:
		return A_REVERSE;
	case CRT_HOT:
		return A_BOLD;
	case CRT_STOPPED:
		return A_DIM;
	case CRT_DEFAULT:
	case CRT_RUNNING:
	case CRT_SPARK:
	case CRT__MAX:
		break;
	}
	return A_NORMAL;
}

void crt_update_size(struct crt *c)
{
	getmaxyx(stdscr, c->rows, c->cols);
}

int crt_init(struct crt *c, char **ret_error)
{
	const char *cs;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		*ret_error = xstrdup("the dashboard needs a terminal (for scripts: box stats)");
		return -ENOTTY;
	}
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	c->utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	/* Curses writes the escape sequences through stdout; stderr goes aside now. */
	capture_stderr();
	if (!initscr()) {
		release_stderr();
		*ret_error = xstrdup("cannot initialise the terminal (is TERM set?)");
		return -ENOTTY;
	}
	active = true;
	atexit(crt_done);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED |
		      BUTTON5_PRESSED,
		  NULL);
	mouseinterval(200);
	init_colors(c);
	install_signals();
	crt_update_size(c);
	return 0;
}

void crt_done(void)
{
	if (!active)
		return;
	active = false;
	if (!suspended) {
		curs_set(1);
		endwin();
	}
	suspended = false;
	release_stderr();
	replay_stderr();
}

void crt_suspend(void)
{
	if (!active || suspended)
		return;
	def_prog_mode();
	endwin();
	suspended = true;
	/* The child writes its errors to the terminal, as if run from the shell. */
	release_stderr();
	replay_stderr();
}

void crt_resume(struct crt *c)
{
	if (!active || !suspended)
		return;
	capture_stderr();
	reset_prog_mode();
	suspended = false;
	clearok(curscr, TRUE);
	crt_update_size(c);
	refresh();
}
