/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passing one fd over a unix socket (SCM_RIGHTS): the tap out of a sandbox, the user
 * namespace out of its keeper. */
#ifndef BOX_FDPASS_H
#define BOX_FDPASS_H

/* 0, or -errno. */
int fdpass_send(int sock, int fd);
/* 0 with *ret_fd (close-on-exec), -EPIPE at EOF, -EBADMSG when no fd came, or -errno. */
int fdpass_recv(int sock, int *ret_fd);

#endif
