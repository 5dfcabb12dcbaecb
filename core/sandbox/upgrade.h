/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box upgrade: the package manager of a running sandbox's own userland, detected as
 * [setup] detects it (core/userland/pkgmgr), and the commands that upgrade every
 * installed package with it, to run as root inside (sandbox_join).
 */
#ifndef BOX_UPGRADE_H
#define BOX_UPGRADE_H

#include <stddef.h>

#include "../userland/pkgmgr.h"
#include "../util/err.h"

/* -ESRCH when the sandbox is not running; -ENOENT when it has no package manager box
 * knows. */
int sandbox_upgrade_steps(const char *name, enum pkgmgr *ret_m, struct pkg_step **ret,
			  size_t *ret_n, struct box_err **err);

/* sandbox_join() in a child, so that the caller stays outside the sandbox and can
 * join again, or stop it: the command's exit status, or -errno with err set. */
struct sandbox_join_opts;
int sandbox_join_apart(const char *name, const struct sandbox_join_opts *o, struct box_err **err);

#endif
