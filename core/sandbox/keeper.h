/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user namespace keeper: a small process that holds a user namespace with the
 * user's maps (the keep-id layout, written once by newuidmap/newgidmap), so that a
 * one-shot sandbox joins it instead of running those two setuid helpers every time,
 * as podman's pause process does. Its socket is `userns.sock` in the runtime dir,
 * and its pid is in `userns.pid` beside it. It hands the namespace's fd to any
 * process of the user that connects, and exits after BOX_USERNS_IDLE seconds
 * (default 300) without one; BOX_USERNS_IDLE=0 turns it off.
 */
#ifndef BOX_KEEPER_H
#define BOX_KEEPER_H

#include "../host/idmap.h"

/*
 * An fd of the keeper's user namespace, starting a keeper when none answers or when
 * the one that answers has other maps than ids. -1 when there is nothing to gain
 * (a one-id or identity map is written without helpers), when the keeper is off, or
 * on any failure (said at debug level): the caller then makes a namespace of its own.
 */
int keeper_userns(const struct box_ids *ids);

#endif
