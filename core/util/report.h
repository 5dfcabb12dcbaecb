/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A failure reported to the user as one line on stderr, "box: <what>: <error>",
 * optionally with a hint to the command's --help, returning box's own exit status
 * (EXIT_BOX). cmd/ reports through it (cmd_fail and friends), and so does core/project/,
 * the part of the engine that acts for a command and says what it did.
 */
#ifndef BOX_REPORT_H
#define BOX_REPORT_H

#include <stdarg.h>

#include "err.h"
#include "macro.h"

/* Print "box: <fmt>[: <err>][ (see 'box <help_cmd> --help')]", free err, return EXIT_BOX. */
int report_v(struct box_err *err, const char *help_cmd, const char *fmt, va_list ap) _printf_(3, 0);
/* "box: <context>: <err>"; frees err. */
int report_fail(struct box_err *err, const char *fmt, ...) _printf_(2, 3);
/* "box: <message>". */
int report_error(const char *fmt, ...) _printf_(1, 2);
/* A usage error with the hint to 'box CMD --help'. */
int report_usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);

#endif
