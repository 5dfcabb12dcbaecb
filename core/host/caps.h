/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities of the process that becomes the user's command (capset(2), prctl(2)).
 * All of these run as root of the sandbox's user namespace, so the capabilities
 * involved only ever had power over that namespace's resources.
 */
#ifndef BOX_CAPS_H
#define BOX_CAPS_H

#include <stdbool.h>

#include "../util/err.h"

/*
 * Before giving up uid 0: clear the ambient set and reduce the bounding set, to
 * nothing or (sudo_root) to root's default set, so that a setuid-root program
 * inside (sudo) gets at most that. Needs CAP_SETPCAP, which root of the namespace has.
 */
int caps_limit_bounding(bool sudo_root, struct box_err **err);
/* After the uid change: no effective, permitted or inheritable capabilities. */
int caps_drop_all(struct box_err **err);
/* Staying root: effective, permitted and bounding become root's default set. */
int caps_default_root(struct box_err **err);
/* Nothing left: the bounding set emptied (needs CAP_SETPCAP), then the effective,
 * permitted, inheritable and ambient sets. */
int caps_drop_everything(struct box_err **err);
/* Root's default capability set (podman's default list), for tests and docs. */
extern const int caps_root_default[];
extern const unsigned caps_root_default_count;

#endif
