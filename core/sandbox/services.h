/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a project asks to run in its sandbox besides the user's own commands:
 * hooks (a project's [start] lines after every start, postAttachCommand before
 * every enter), and services ([services] NAME = COMMAND), long-running processes
 * that a supervisor inside the sandbox keeps running (see services.c for where
 * and why), with their output in size-capped logs (svclog.h) and their state in
 * the runtime dir's `services` file for `box list` and the dashboard.
 */
#ifndef BOX_SERVICES_H
#define BOX_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../util/err.h"
#include "sandbox.h"

/* Backoff before a failed service runs again: doubles from MIN up to MAX; a run
 * that lasted SVC_STABLE_MS starts over from MIN. */
#define SVC_BACKOFF_MIN_MS 500
#define SVC_BACKOFF_MAX_MS 30000
#define SVC_STABLE_MS	   10000
#define SVC_STOP_GRACE_MS  5000

/*
 * Run each shell command of cmds in the running sandbox `name`, in order, as the
 * user in cwd, its output on box's stderr. failed gets each one that did not
 * succeed and its exit status; the rest still run. Returns how many failed, or
 * -errno (err set) when the sandbox could not be joined.
 */
int services_run_hooks(const char *name, char *const *cmds, const char *cwd,
		       void (*failed)(const char *cmd, int status, void *arg), void *arg,
		       struct box_err **err);

/*
 * The same on the host (a devcontainer's initializeCommand): each with /bin/sh -c in
 * cwd, stopping at the first that fails. Returns 0, 1 when one failed (failed was
 * told), or -errno.
 */
int services_run_host(char *const *cmds, const char *cwd,
		      void (*failed)(const char *cmd, int status, void *arg), void *arg,
		      struct box_err **err);

/* Start the supervisor of c's services in the running sandbox (none: nothing). */
int services_start(const char *name, const struct sandbox_config *c, struct box_err **err);

enum svc_state { SVC_RUNNING = 0, SVC_RESTARTING, SVC_EXITED, SVC_STOPPED };
const char *svc_state_to_string(enum svc_state s);

struct svc_status {
	char *name;
	enum svc_state state;
	pid_t pid; /* inside the sandbox; 0 when not running */
	unsigned restarts;
	int status; /* last exit status; -1 before any */
};
void svc_status_free(struct svc_status *v, size_t n);
/* The `services` file: one "NAME STATE PID RESTARTS STATUS" line (tabs) each. */
char *services_state_format(const struct svc_status *v, size_t n);
int services_state_parse(const char *buf, size_t len, struct svc_status **ret, size_t *ret_n);
/* The services of a running sandbox (none: 0 and *ret_n = 0). */
int services_state_read(const char *name, struct svc_status **ret, size_t *ret_n);

#endif
