/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation helpers that abort on out-of-memory instead of propagating it. */
#ifndef BOX_XALLOC_H
#define BOX_XALLOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);
/* open_memstream(3), aborting when out of memory; fclose() leaves the text in *ret. */
FILE *xopen_memstream(char **ret, size_t *ret_len);

/* Growable NULL-terminated string vector. */
size_t strv_length(char *const *v);
void strv_push(char ***v, char *s); /* takes ownership of s */
char **strv_copy(char *const *v);
bool strv_contains(char *const *v, const char *s); /* v may be NULL */
void strv_free(char **v);
/* The strings of v (NULL-terminated, may be NULL) with single spaces between them. */
char *strv_join(char *const *v);

#endif
