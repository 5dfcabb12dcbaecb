/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Children in new namespaces, and the parent/child sync protocol. A child created
 * by spawn_userns() waits until the parent has written its uid/gid maps, then runs
 * fn inside the new user namespace (plus any extra namespaces in `flags`) as root
 * of that namespace (or the user's own id when only a single mapping exists).
 * Errors before exec travel back over the sync socket as (errno, length, message).
 */
#ifndef BOX_SPAWN_H
#define BOX_SPAWN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "../host/idmap.h"

struct spawn_ctx {
	int sync_fd; /* child's end of the sync socket */
	void *arg;
};

/* Child body: return 0..255 as exit status, or negative with *err set (sent to parent). */
typedef int (*spawn_fn)(struct spawn_ctx *ctx, struct box_err **err);

/*
 * Clone a child into CLONE_NEWUSER|flags, write its maps, release it. On success the
 * child pid and the parent's end of the sync socket are returned. The child is born
 * in the user and pid namespaces and unshares the others itself while the parent
 * writes the maps; it reports a failure there through the sync socket.
 */
int spawn_userns(const struct box_ids *ids, uint64_t flags, spawn_fn fn, void *arg, pid_t *ret_pid,
		 int *ret_sync, struct box_err **err);
/*
 * spawn_userns() into an existing user namespace (an fd of it, with the maps of ids
 * written already): the child is made in `flags` but not a new user namespace, as a
 * child of the caller, through a short-lived process that joins the namespace first.
 */
int spawn_userns_join(int userns, const struct box_ids *ids, uint64_t flags, spawn_fn fn, void *arg,
		      pid_t *ret_pid, int *ret_sync, struct box_err **err);
/* spawn_userns, then wait: returns the child's exit status, or its error. */
int spawn_userns_wait(const struct box_ids *ids, uint64_t flags, spawn_fn fn, void *arg,
		      struct box_err **err);

/* Sync protocol messages. */
enum { SYNC_OK = 0, SYNC_ERROR = 1 };
int sync_send_ok(int fd, int32_t value);
int sync_send_error(int fd, const struct box_err *e);
/* Reads one message: >= 0 is an OK value, < 0 rebuilds the child's error in *err.
 * EOF without a message gives -EPIPE with `what` in the message. */
int sync_recv(int fd, const char *what, struct box_err **err);

/* clone3 wrapper with fork semantics (returns 0 in the child). */
pid_t clone3_fork(uint64_t flags, int *pidfd);
/* pidfd_open(2): an O_CLOEXEC fd that refers to pid, or -1 with errno. */
int pidfd_for(pid_t pid);
/* Wait up to timeout_ms (-1: for ever) for the process behind a pidfd to exit: 1 when it
 * did, 0 on timeout, -1 with errno on error. */
int pidfd_wait(int fd, int timeout_ms);
/* Wait for pid; returns the shell-style status (code, or 128+signal). */
int spawn_wait_status(pid_t pid);
/*
 * fork() with a pipe from the child to the parent: *ret_fd is the write end in the
 * child (0 returned) and the read end in the parent (the child's pid returned).
 */
pid_t fork_pipe(int *ret_fd, struct box_err **err);

/*
 * Run this binary again as `box ARGV...` (the dashboard's actions). interactive: on
 * this terminal, with SIGINT and SIGQUIT left to the child. Otherwise stdin is
 * /dev/null and the output is captured; *ret_msg gets its last line without the
 * "box: " prefix. Returns the exit status (code or 128+N), or EXIT_BOX when it could
 * not be started.
 */
int spawn_self(char *const *argv, bool interactive, char **ret_msg);

#endif
