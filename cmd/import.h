/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by box import and box bootstrap: store a tarball as an image and report it. */
#ifndef BOX_CMD_IMPORT_H
#define BOX_CMD_IMPORT_H

#include <stdio.h>

/* Import the tarball at path ("-" for stdin) as image name; prints the result and
 * returns the exit status. */
int cmd_import_tarball(const char *path, const char *name, const char *created_by, FILE *ref_out);

/* Build Debian SUITE with mmdebstrap and store it as image name (box bootstrap). */
int cmd_bootstrap_debian(const char *suite, const char *name, FILE *ref_out);

#endif
