/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The net helper's self-sandbox (private to net/). */
#ifndef BOX_NET_JAIL_H
#define BOX_NET_JAIL_H

#include <stddef.h>

#include "../core/util/err.h"

/*
 * New user+mount namespace, a read-only tmpfs root holding only /etc/resolv.conf
 * (with the given content), no capabilities, NO_NEW_PRIVS, the seccomp filter.
 * Irreversible.
 */
int net_jail(const char *resolv, size_t resolv_len, struct box_err **err);

/*
 * The system call filter of the running loop (net/seccomp.c): anything the loop does
 * not need fails with EPERM. Built while libseccomp can still be loaded (before the
 * new root), loaded (and freed) last; NO_NEW_PRIVS must be set by then. Irreversible.
 */
void *net_seccomp_filter(struct box_err **err);
int net_seccomp_load(void *filter, struct box_err **err);
/* Free a filter that was never loaded; NULL is fine. */
void net_seccomp_free(void *filter);

#endif
