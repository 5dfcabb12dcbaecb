/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lookups inside a running sandbox for `box export` (see export_probe.c). */
#ifndef BOX_EXPORT_PROBE_H
#define BOX_EXPORT_PROBE_H

#include <stddef.h>

struct export_probe {
	const char *what; /* the program or application asked for */
	const char *path; /* the sandbox's PATH, for a program's name */
};

/* sandbox_join_call() bodies: run inside, write records to out. */
int export_probe_bin(void *arg, int out);
int export_probe_app(void *arg, int out);

struct export_record {
	char kind; /* B, D or I */
	char name[512];
	const char *data; /* into the reply buffer */
	size_t len;
};
/* The next record of a reply in [*cur, end): 1, 0 at the end, -EPROTO when malformed. */
int export_probe_next(const char **cur, const char *end, struct export_record *ret);

#endif
