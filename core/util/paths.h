/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XDG locations of box's data, runtime and config directories. BOX_DATA_DIR,
 * BOX_RUNTIME_DIR and BOX_CONFIG override them (tests use these).
 */
#ifndef BOX_PATHS_H
#define BOX_PATHS_H

#include "err.h"

/* $XDG_DATA_HOME/box (default ~/.local/share/box); caller frees. */
char *paths_data_dir(void);
/* $XDG_RUNTIME_DIR/box, else /tmp/box-$UID; caller frees. */
char *paths_runtime_dir(void);
/*
 * Create the runtime dir 0700 when missing, then check with lstat that it is a
 * directory of the caller's with mode 0700; -EPERM with a message naming it if not.
 */
int paths_check_runtime_dir(struct box_err **err);
/* Create the data dir 0700 when missing; check it is the caller's; make it 0700. */
int paths_check_data_dir(struct box_err **err);
/* $XDG_CONFIG_HOME/box/config.ini, or $BOX_CONFIG; caller frees. */
char *paths_config_file(void);
/* The invoking user's home directory. Caller frees. */
char *paths_home(void);
/* Absolute path of the running box binary (for re-exec of helper roles). */
const char *paths_self_exe(void);

#endif
