/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation, wrapping and formatting of struct box_err. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "xalloc.h"

int box_err_set(struct box_err **err, int errnum, const char *fmt, ...)
{
	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EIO;
	if (err && !*err) {
		va_list ap;
		struct box_err *e = xmalloc(sizeof(*e));
		va_start(ap, fmt);
		e->msg = xvasprintf(fmt, ap);
		va_end(ap);
		e->code = errnum;
		*err = e;
	}
	return -errnum;
}

int box_err_wrap(struct box_err **err, const char *fmt, ...)
{
	va_list ap;
	char *outer;

	if (!err || !*err)
		return -EIO;
	va_start(ap, fmt);
	outer = xvasprintf(fmt, ap);
	va_end(ap);
	char *msg = xasprintf("%s: %s", outer, (*err)->msg);
	free(outer);
	free((*err)->msg);
	(*err)->msg = msg;
	return -(*err)->code;
}

void box_err_free(struct box_err *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

char *box_err_format(const struct box_err *err)
{
	if (!err)
		return xstrdup("unknown error");
	return xasprintf("%s: %s", err->msg, strerror(err->code));
}
