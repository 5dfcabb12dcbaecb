/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside core/sandbox/ only: what the supervisor (supervisor.c, the host side of a
 * running sandbox) shares with the holder it spawns (holder.c, the process that holds
 * the sandbox's user and mount namespaces, its root and its init). Both run from one
 * fork, so the holder reads the supervisor's struct sup as it was at the clone.
 */
#ifndef BOX_SUPERVISOR_H
#define BOX_SUPERVISOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "../host/idmap.h"
#include "../util/log.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "sandbox.h"

struct sup {
	struct sandbox_config *cfg;
	struct box_ids ids;
	char *datadir, *rundir, *merged, *upper, *work;
	char *home;		 /* the user's home path (same inside and out) */
	char *user_stamp;	 /* what users_setup() last wrote; NULL when it must run */
	bool ca_current;	 /* the CA bundle inside is the host's still (desktop.h) */
	char *resolv;		 /* /etc/resolv.conf inside (slirp), NULL: the host's */
	const char *hosts_extra; /* extra /etc/hosts lines (slirp), or NULL */
	bool slirp;		 /* network = slirp */
	pid_t supervisor;	 /* for the holder's parent-death check */
	bool in_scope;		 /* in a systemd scope of its own (enter_systemd_scope) */
	bool host_exec;		 /* box-host-exec is served (hostexec.h) */
	char *host_exec_bin;	 /* the static client, bound in; NULL: not found */
	int ready_fd;
	int net_sock; /* slirp: init's end of the socket that carries the tap out, else -1 */
};

/* Start-up timeline at debug level (monotonic ms), for finding where a cold start goes. */
static inline void sup_mark(const char *what)
{
	log_debug("%.3f ms: %s", (double)now_ns() / 1e6, what);
}

/*
 * The holder's body (spawn_userns() in CLONE_NEWNS, arg: the struct sup). Two reports go
 * to the supervisor on ctx->sync_fd: init's pid as soon as init exists (the supervisor
 * starts the network then), and 0 once init is up (or the error that stopped it).
 * Returns init's exit status once the sandbox has ended.
 */
int holder_main(struct spawn_ctx *ctx, struct box_err **err);

/*
 * The user database edit reads and rewrites files through the overlay: a few
 * milliseconds that every start would pay. The supervisor keeps a stamp of what
 * was written in the data dir and skips the edit when nothing changed.
 */
bool holder_user_setup_needed(const struct sup *s);
void holder_user_stamp_write(const struct sup *s);

#endif
