/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one logger and box's one output sink. Library code (core/, net/, config/) logs
 * at debug only; cmd/ reports failures. Each -v raises the level. BOX_LOG_FILE sends
 * the log to a file (used while curses owns the terminal and by detached supervisors).
 * The sink below is core/'s only way to stdout or stderr for messages: a pull's
 * progress (log_out), what box did or will do (log_out_note), warnings
 * (log_out_warning), lines a tool or a file already formatted (log_out_line), and what
 * a child or box-host-exec says (log_child_error, log_out_tagged). core/ never writes
 * to stdout or stderr itself (util/report goes through here too), and cmd/ sets the
 * sink up.
 */
#ifndef BOX_LOG_H
#define BOX_LOG_H

#include <stdbool.h>

#include "macro.h"

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(int level);
int log_get_level(void);
/* Redirect log output to fd (owned by the logger from now on); -1 restores stderr. */
void log_set_fd(int fd);
void log_msg(int level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* The output sink. LOG_OUT_QUIET: progress and notices are not shown; LOG_OUT_PLAIN:
 * progress never redraws lines in place, even on a terminal. By default (0) progress
 * redraws while stderr is a terminal. */
enum { LOG_OUT_QUIET = 1 << 0, LOG_OUT_PLAIN = 1 << 1 };
void log_out_setup(unsigned flags);
/* Whether progress may redraw its lines in place: stderr is a terminal, not PLAIN. */
bool log_out_tty(void);
/* Progress or a notice, exactly as formatted, to stderr (nothing when quiet). */
void log_out(const char *fmt, ...) _printf_(1, 2);
/*
 * One line to stderr in one write(2), shown even when quiet and while the log goes to
 * a file: the message gets a newline at its end unless it has one already.
 */
/* "<message>\n": a line already formatted (a config's errors, a tool's summary). */
void log_out_line(const char *fmt, ...) _printf_(1, 2);
/* "box: <message>\n": what box did or will do, or what went wrong. */
void log_out_note(const char *fmt, ...) _printf_(1, 2);
/* "box: warning: <message>\n". */
void log_out_warning(const char *fmt, ...) _printf_(1, 2);
/* "<tag>: <message>\n" without allocating (cut at 4 KiB): for box's other programs
 * (box-host-exec), also between fork and exec. */
void log_out_tagged(const char *tag, const char *fmt, ...) _printf_(2, 3);
/* "box: <message>\n" without allocating: for a child between fork (or vfork) and
 * exec, whose failure the parent cannot report. */
void log_child_error(const char *fmt, ...) _printf_(1, 2);

/* Copy s into a new string with control characters escaped (\n, \x1b, ...), bytes that
 * are not UTF-8 as \xNN, and C1 controls and bidi marks as \uNNNN. */
char *str_escape(const char *s);

#endif
