/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * XDG locations of box's data, runtime and config directories. BOX_DATA_DIR,
 * BOX_RUNTIME_DIR and BOX_CONFIG override them (tests use these).
 */
#ifndef BOX_PATHS_H
#define BOX_PATHS_H

/* $XDG_DATA_HOME/box (default ~/.local/share/box); caller frees. */
char *paths_data_dir(void);
/* $XDG_RUNTIME_DIR/box, else /tmp/box-$UID; caller frees. */
char *paths_runtime_dir(void);
/* $XDG_CONFIG_HOME/box/config.ini, or $BOX_CONFIG; caller frees. */
char *paths_config_file(void);
/* The invoking user's home directory. Caller frees. */
char *paths_home(void);
/* Absolute path of the running box binary (for re-exec of helper roles). */
const char *paths_self_exe(void);

#endif
