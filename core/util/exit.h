/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Exit statuses box uses for its own failures, the podman/toolbox/chroot convention:
 * a command's own status passes through unchanged, a signal becomes 128+N, and the
 * three below say that box, not the command, failed. cmd/ picks them for the user;
 * core/ uses them only in children that _exit() with a status a parent passes on.
 */
#ifndef BOX_EXIT_H
#define BOX_EXIT_H

#define EXIT_BOX	125 /* box itself failed */
#define EXIT_CANNOT_RUN 126 /* the command exists but cannot be executed */
#define EXIT_NOT_FOUND	127 /* the command was not found */

#endif
