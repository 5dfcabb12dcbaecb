/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The net helper's self-sandbox (private to net/). */
#ifndef BOX_NET_JAIL_H
#define BOX_NET_JAIL_H

#include <stddef.h>

#include "../core/util/err.h"

/*
 * New user+mount namespace, a read-only tmpfs root holding only /etc/resolv.conf
 * (with the given content), no capabilities, NO_NEW_PRIVS. Irreversible.
 */
int net_jail(const char *resolv, size_t resolv_len, struct box_err **err);

#endif
