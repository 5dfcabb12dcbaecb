/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Failures reported to the user as one line on stderr, through the sink (see report.h). */
#include <stdio.h>

#include "exit.h"
#include "log.h"
#include "report.h"
#include "xalloc.h"

int report_v(struct box_err *err, const char *help_cmd, const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof(buf), fmt, ap); /* first: fmt may say %m */
	_cleanup_free_ char *m = err ? box_err_format(err) : NULL;
	_cleanup_free_ char *hint = help_cmd ? xasprintf(" (see 'box %s --help')", help_cmd) : NULL;
	log_out_note("%s%s%s%s", buf, m ? ": " : "", m ? m : "", hint ? hint : "");
	box_err_free(err);
	return EXIT_BOX;
}

int report_fail(struct box_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = report_v(err, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int report_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = report_v(NULL, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int report_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = report_v(NULL, cmd, fmt, ap);
	va_end(ap);
	return r;
}
