/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The inside of a sandbox: turning a directory into a root filesystem (binds,
 * /proc, /dev, /sys, resolv.conf, hosts, pivot_root), and becoming the user and
 * exec'ing a command (no capabilities, environment, cwd, 126/127 on exec failure).
 * Used by both launchers (oneshot.c, supervisor.c) and by joins; PID 1 is init.c's.
 */
#ifndef BOX_CONTAINER_H
#define BOX_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../util/err.h"
#include "../host/idmap.h"

struct bind_mount {
	char *host;   /* source path on the host */
	char *inside; /* destination inside the sandbox */
	bool readonly;
	bool optional; /* skip silently when the source is missing */
	bool mask;     /* hide inside: an empty read-only tmpfs over it (host unused) */
};

struct rootfs_opts {
	const char *rootfs;   /* directory that becomes / (bind-mounted unless already a mount) */
	const char *hostname; /* NULL: keep */
	struct bind_mount *binds;
	size_t n_binds;
	bool host_etc_files; /* bind host resolv.conf (and write /etc/hosts with hostname) */
	bool host_net;	     /* network = host: keep /sys writable-as-allowed, host's /etc/hosts */
	const char *hosts_extra; /* extra lines for /etc/hosts (e.g. host.box.internal) */
	const char *resolv_conf; /* text of /etc/resolv.conf; NULL: bind the host's */
};

/*
 * Must run as root of a fresh user namespace, in a fresh mount namespace (and pid
 * namespace for /proc). Makes rootfs the root: / is private, binds, proc, dev, sys,
 * pivot_root, old root detached.
 */
int rootfs_setup(const struct rootfs_opts *o, struct box_err **err);

struct exec_opts {
	const struct box_ids *ids;
	bool root;   /* stay uid 0 inside (keeps no capabilities beyond root's in the ns) */
	char **argv; /* NULL: the user's login shell from /etc/passwd inside, else bash, else sh */
	char **image_env; /* the image's Env: defaults that everything below overrides */
	char **env;	  /* extra KEY=VALUE pairs, applied last */
	const char *cwd;  /* NULL or missing inside: home, with a warning */
	bool login_shell; /* argv[0] starts with '-' for a shell */
	bool sudo_root;	  /* keep root's default set in the bounding set so sudo inside works */
};

/*
 * Become the user (or root), drop every capability (core/host/caps.h), set
 * NO_NEW_PRIVS off (sudo must work), build the environment, chdir, exec. Returns only
 * on failure: -ENOENT (127) or another errno (126), with err set.
 */
int container_exec(const struct exec_opts *o, struct box_err **err);
/* All of container_exec() but the exec: *ret_env gets the command's environment. */
int container_exec_prepare(const struct exec_opts *o, char ***ret_env, struct box_err **err);
/* Exit status for an container_exec failure: 127 for ENOENT, 126 otherwise. */
int container_exec_failure_status(int r);

/* Bring up "lo" in a fresh network namespace (root of its user namespace). */
int container_loopback_up(struct box_err **err);

#endif
