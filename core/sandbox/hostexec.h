/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host side of box-host-exec (helper/box-host-exec.c), a deliberate door out of
 * the sandbox: a socket in a directory of its own in the sandbox's runtime dir,
 * bound into that sandbox only (at /run/box, never the runtime dir itself), served
 * by its supervisor. Each request runs a command on the host as the user, with the
 * supervisor's environment (the user's own, from when the sandbox started), the
 * caller's stdin, stdout and stderr, its working directory when the host has it
 * (else the home), a pty when stdin is a terminal, and sends back the command's
 * status. Only a process of this sandbox, running as the user, is served.
 * `box create --no-host-exec` / `[box] host_exec = no` (a project's, or config.ini's
 * for every sandbox whose own setting is unset) leave the socket out.
 *
 * The protocol, on a SOCK_SEQPACKET connection: the client sends one request,
 * "BOXHX1\0CWD\0TERM\0ARG\0ARG\0..." with its fds 0, 1 and 2 (SCM_RIGHTS); then
 * "w" when its terminal changed size, "s" + a signal number to pass a signal on,
 * "c" when it continued after a stop. The host side sends "z" when the command
 * stopped (Ctrl-Z: the client stops itself) and "x" + an int32 status at the end.
 */
#ifndef BOX_HOSTEXEC_H
#define BOX_HOSTEXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/err.h"
#include "sandbox.h"

#define HOSTEXEC_DIR	  "host-exec" /* in the sandbox's runtime dir; bound at HOSTEXEC_INSIDE */
#define HOSTEXEC_SOCK	  "host-exec.sock"
#define HOSTEXEC_INSIDE	  "/run/box"
#define HOSTEXEC_BIN_PATH "/usr/local/bin/box-host-exec"

/*
 * The global config's [box] host_exec, as a function main() passes in (core/ does
 * not read config/); without one, on.
 */
void hostexec_set_config_hook(bool (*global_on)(void));
/* Whether box-host-exec is served for a sandbox whose own setting is own. */
bool hostexec_enabled(enum sandbox_flag own);
/* Create RUNDIR/host-exec (0700), before the sandbox's binds are made. */
int hostexec_prepare(const char *rundir, struct box_err **err);
/* Listen on RUNDIR/host-exec/host-exec.sock (0600); returns the fd (CLOEXEC). */
int hostexec_listen(const char *rundir, struct box_err **err);
/*
 * The supervisor's loop while the sandbox runs: serve requests on lfd (each in a
 * detached process of its own; peers must be in init's pid namespace) until the
 * child `until` exits (not reaped). Never blocks on a client.
 */
void hostexec_serve(int lfd, pid_t init, pid_t until);
/* The static box-host-exec program beside the running box (or in ../libexec/box);
 * NULL: none. Caller frees. */
char *hostexec_helper_path(void);

#endif
