/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one error convention: functions return >= 0 on success and -errno on
 * failure, and may fill a struct box_err with an errno and a message that names
 * what was being done. Callers wrap it with context; only cmd/ prints it.
 */
#ifndef BOX_ERR_H
#define BOX_ERR_H

#include <stdbool.h>

#include "macro.h"

struct box_err {
	int code;  /* positive errno */
	char *msg; /* "what we were doing 'path': detail" without strerror */
};

/* Set *err (when err is non-NULL and empty) and return -errnum. */
int box_err_set(struct box_err **err, int errnum, const char *fmt, ...) _printf_(3, 4);
/* Prefix an existing error with outer context; returns -code (or -EIO when none). */
int box_err_wrap(struct box_err **err, const char *fmt, ...) _printf_(2, 3);
void box_err_free(struct box_err *err);
static inline void box_err_freep(struct box_err **e)
{
	box_err_free(*e);
	*e = NULL;
}
#define _cleanup_err_ _cleanup_(box_err_freep)

/* "msg: strerror" (or just msg when code is 0); caller frees. */
char *box_err_format(const struct box_err *err);

static inline bool err_is_privilege(int r)
{
	return r == -EPERM || r == -EACCES;
}

static inline bool err_is_unsupported(int r)
{
	return r == -ENOSYS || r == -EOPNOTSUPP || r == -ENOTTY || r == -EINVAL;
}

#endif
