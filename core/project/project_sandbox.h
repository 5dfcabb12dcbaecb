/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands that act on "this project's sandbox" when given no name (enter, run,
 * stop, rebuild): finding and checking the nearest .box.ini, and making its sandbox
 * (pulling the image, building the cached setup layer, creating it with the
 * project's mounts, env, ports, limits and [box] settings). These act for a
 * command: they report their failures (core/util/report.h) and return an exit
 * status.
 */
#ifndef BOX_PROJECT_SANDBOX_H
#define BOX_PROJECT_SANDBOX_H

#include <stdbool.h>

#include "../../config/project.h"

/* --config FILE of enter, run, stop and rebuild: the project file (a .box.ini or a
 * devcontainer.json) instead of the nearest one. */
extern const char *arg_project_file;

/*
 * The project of the current directory, parsed, approved, its mounts present.
 * Prints what is wrong (no .box.ini, FILE:LINE: errors, not approved) and returns
 * 125; 0 with *ret set.
 */
int proj_open(const char *cmd, struct project **ret);
/* The setup key of a project (image digest + canonical [setup]); key has 65 bytes.
 * Also the image's layers, digest, reference and config Env. */
int proj_setup_key(struct project *p, char key[SHA256_HEX_LEN + 1], char ***ret_layers,
		   char **ret_digest, char **ret_ref, char ***ret_env);
/* Build the setup layer for key when missing (the steps see the image's Env): 0, a
 * step's exit status, or 125. */
int proj_build_setup(struct project *p, const char *key, char *const *image_layers,
		     char *const *image_env);
/* box enter / box run -- CMD with no name: the project's sandbox, made as needed. */
int proj_enter(const char *cmd, char **argv, bool root);
/* The sandbox name of the project around the current directory, or NULL: quiet, for
 * commands that merely point at it (box dash). Caller frees. */
char *proj_sandbox_name(void);
/* box stop with no name: the project's sandbox. */
int proj_stop(unsigned timeout_ms);

#endif
