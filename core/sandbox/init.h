/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PID 1 of every sandbox, one code for both launchers: the init of a supervised
 * sandbox (supervisor.c, holder.c) and the init of a one-shot `box run --rootfs`
 * (oneshot.c). It owns PID 1's first steps in its new namespaces (die with its
 * parent, the name box-init, the network: loopback, the host's, or the tap device
 * of the userspace network handed out), and PID 1's life: the signals it blocks and
 * waits for, reaping every orphan, passing signals on to the command, the exit
 * status it returns (the command's, 128+N when a signal killed it), and the shutdown
 * of everything on SIGTERM. The userspace network's hooks are kept here too, since
 * init is where the network begins.
 */
#ifndef BOX_INIT_H
#define BOX_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "../util/err.h"
#include "container.h"
#include "sandbox.h"

/* The network PID 1 brings up first thing, before any root filesystem exists. */
struct init_net {
	bool host;    /* network = host: nothing to do (no network namespace of its own) */
	int tap_sock; /* slirp: lo and tap0 made, the tap's fd sent out on it; -1: lo only */
	const struct sandbox_config *cfg; /* for the hooks (mtu, ...) with tap_sock */
};

/* PID 1's first steps: PR_SET_PDEATHSIG, the name box-init, then the network of n. */
int init_begin(const struct init_net *n, struct box_err **err);

/*
 * PID 1 of a one-shot: block init's signals, fork the command (container_exec()
 * with o; a failure to exec is reported on *sync_fd, with 126 or 127), close *sync_fd
 * so that the launcher sees EOF once the command runs, and return init_loop()'s status.
 */
int init_run_command(const struct exec_opts *o, int *sync_fd, struct box_err **err);

/*
 * PID 1: forward SIGTERM/SIGINT/SIGHUP/... to `child` (its process group when
 * it has one), reap every orphan, return child's status (code or 128+N) when it
 * exits. With child <= 0, stay until SIGTERM (sandbox init), then end everything.
 */
int init_loop(pid_t child);
/*
 * Block the signals init_loop() waits for. PID 1 calls it before forking the
 * command, so that nothing sent in between is lost; container_exec() unblocks them.
 */
void init_block_signals(void);

/* The userspace network main() wired in (sandbox_set_net_hooks()), or NULL. */
const struct sandbox_net_hooks *init_net_hooks(void);

#endif
