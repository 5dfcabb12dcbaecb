/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one logger. Library code (core/, net/, config/) logs at debug only;
 * cmd/ reports failures. Each -v raises the level. BOX_LOG_FILE sends the log to
 * a file (used while curses owns the terminal and by detached supervisors).
 */
#ifndef BOX_LOG_H
#define BOX_LOG_H

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

/* Copy s into a new string with control characters escaped (\n, \x1b, ...), bytes that
 * are not UTF-8 as \xNN, and C1 controls and bidi marks as \uNNNN. */
char *str_escape(const char *s);

#endif
