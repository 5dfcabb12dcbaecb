/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sandbox lifecycle: create (data dir + config snapshot), start (detached
 * supervisor -> holder in a new user+mount ns -> fuse-overlayfs -> init as PID 1),
 * join (pidfd + setns into init's namespaces), stop, remove, list. State lives in
 * $XDG_RUNTIME_DIR/box/<name>/ and data in $XDG_DATA_HOME/box/sandboxes/<name>/.
 *
 * Files other modules may read:
 *   sandboxes/<name>/config.json  {"name","image","image_digest","created","home",
 *                                  "storage","network",...}
 *   runtime <name>/state          KEY=VALUE lines: supervisor_pid, supervisor_start,
 *                                  init_pid, started, cgroup, ports
 */
#ifndef BOX_SANDBOX_H
#define BOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

enum sandbox_state { SANDBOX_STOPPED = 0, SANDBOX_RUNNING, SANDBOX_STARTING };

struct sandbox_info {
	char *name;
	char *image;        /* reference as created */
	char *image_digest;
	enum sandbox_state state;
	pid_t supervisor_pid;
	pid_t init_pid;     /* host pid of the sandbox's PID 1, 0 when stopped */
	time_t created;
	time_t started;     /* 0 when stopped */
	char *cgroup;       /* absolute cgroup dir, NULL when none */
	char *ports;        /* "127.0.0.1:8080->80/tcp, ..." or NULL */
	char *data_dir;     /* $DATA/sandboxes/<name> */
	char *runtime_dir;  /* $RUNTIME/<name> */
	char *network;      /* slirp|host|none */
	uint64_t upper_bytes; /* size of the writable layer (cached) */
};

struct sandbox_info *sandbox_info_free(struct sandbox_info *s);
void sandbox_info_list_free(struct sandbox_info *list, size_t n);
/* Every sandbox (running and stopped), sorted by name. */
int sandbox_list(struct sandbox_info **ret, size_t *ret_n, struct box_err **err);
int sandbox_get(const char *name, struct sandbox_info **ret, struct box_err **err);

#endif
