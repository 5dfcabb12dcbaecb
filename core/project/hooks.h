/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the commands that start or enter a sandbox do around it for a project:
 * its [start] lines and services after a start, its attach lines before an enter
 * (core/sandbox/services.h). Failures are reported, never fatal.
 */
#ifndef BOX_PROJECT_HOOKS_H
#define BOX_PROJECT_HOOKS_H

#include "../util/err.h"

/* Right after `name` was started (sandbox_start() returned 0). */
void hooks_after_start(const char *name);
/* Before joining a project's sandbox: start it when stopped (with the above), then
 * its attach lines. Returns 0, or 125 when it cannot be started (printed). */
int hooks_before_enter(const char *name);

struct project;
/* No project file found (err says why): one line on what to do. Returns 125. */
int hooks_no_project(const char *cmd, struct box_err *err);
/* What a devcontainer.json asks that box cannot do, as FILE:LINE: warning lines. */
void hooks_print_warnings(const struct project *p);
/* A devcontainer's initializeCommand, on the host, before its sandbox is made:
 * 0, or 125 when one failed (printed). */
int hooks_host_init(const struct project *p);

#endif
