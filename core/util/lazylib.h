/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Libraries loaded on first use. Only some commands need libcurl, libarchive or
 * libcrypto, yet the dynamic loader would map and relocate them and their ~40
 * dependencies at every start of box, several times what starting a sandbox costs.
 * On x86-64 the build links box against generated stubs (core/lazy-stubs.sh)
 * instead: the first call of any function of such a library dlopen()s it, fills
 * the stubs' jump table and continues into the real function.
 */
#ifndef BOX_LAZYLIB_H
#define BOX_LAZYLIB_H

#include <stddef.h>

struct lazy_lib {
	const char *soname;
	const char *const *names;
	void **table;
	size_t n;
};

/* Called by the stubs (with every argument register saved): load l and fill its table. */
void box_lazy_load(struct lazy_lib *l);

#endif
