/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-shot launcher of `box run --rootfs DIR`: one command in fresh user, mount,
 * pid, uts, ipc and (unless the host's) network namespaces, with DIR itself as the
 * root and no image store or supervisor involved (the user namespace is the keeper's
 * when one runs: keeper.h). The process tree is
 *   box (waits, forwards SIGTERM/SIGHUP) -> PID 1 (init.c) -> the command,
 * and the command runs on the caller's terminal directly, so job control works.
 */
#ifndef BOX_ONESHOT_H
#define BOX_ONESHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "../host/idmap.h"
#include "../util/err.h"
#include "container.h"

enum oneshot_network {
	ONESHOT_NET_NONE,  /* loopback only */
	ONESHOT_NET_HOST,  /* the host's network namespace */
	ONESHOT_NET_SLIRP, /* a network of its own, connected by the net helper */
};

struct oneshot_opts {
	const char *rootfs;   /* from oneshot_check_rootfs() */
	const char *hostname; /* NULL: keep */
	struct bind_mount *binds;
	size_t n_binds;
	const struct box_ids *ids;
	bool root;	 /* uid 0 inside */
	char **argv;	 /* NULL: the login shell */
	char **env;	 /* extra KEY=VALUE */
	const char *cwd; /* NULL: home */
	enum oneshot_network network;
	char **ports; /* slirp: -p specs, NULL-terminated (may be NULL) */
};

/*
 * Check that dir can be a root (a directory; with no command, one with /bin/sh or
 * /bin/bash to start). *ret_path gets its real path. The message of *err is the
 * whole line to show.
 */
int oneshot_check_rootfs(const char *dir, bool have_command, char **ret_path, struct box_err **err);

/*
 * Run o's command and wait for it. Returns its exit status (>= 0; 126 or 127 with
 * *err saying why when it could not be executed), or -errno with *err set when the
 * sandbox could not be started. SIGTERM and SIGHUP sent to the caller meanwhile go
 * to the command; SIGINT and SIGQUIT (the terminal's) are ignored by the caller.
 */
int oneshot_run(const struct oneshot_opts *o, struct box_err **err);

#endif
