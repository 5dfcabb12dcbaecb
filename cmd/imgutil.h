/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the image commands (pull, images, rmi, prune). */
#ifndef BOX_CMD_IMGUTIL_H
#define BOX_CMD_IMGUTIL_H

#include <stdint.h>

struct box_config;

/* The global config; on errors prints them (file:line) and returns NULL. */
struct box_config *cmd_load_global_config(void);
/* "5 minutes ago" style; buf of >= 32 bytes. */
char *cmd_format_ago(int64_t when, char *buf, size_t len);

#endif
