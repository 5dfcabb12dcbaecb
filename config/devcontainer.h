/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devcontainer.json as a project file: finding it (.devcontainer/devcontainer.json,
 * .devcontainer.json, .devcontainer/NAME/devcontainer.json), reading JSON with
 * comments and trailing commas, and mapping what box can do into the same struct
 * box_config that a .box.ini fills, so everything after parsing is shared.
 * Unsupported keys are warnings, never silent: "FILE:LINE: warning: KEY is not
 * supported by box".
 */
#ifndef BOX_DEVCONTAINER_H
#define BOX_DEVCONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define DEVCONTAINER_FILE "devcontainer.json"

/*
 * JSONC to JSON in place of a copy: comments and trailing commas become spaces,
 * newlines stay, so every byte keeps its offset and line. Returns a NUL-terminated
 * copy of len bytes. Unterminated comments and strings are left for the JSON
 * parser to report.
 */
char *dc_strip_jsonc(const char *buf, size_t len);

/* The devcontainer file of dir itself (not above), or NULL; caller frees. */
char *devcontainer_find_in(const char *dir);
/* Whether path names a devcontainer.json (or .devcontainer.json) file. */
bool devcontainer_is_file(const char *path);
/* The repository a devcontainer file belongs to (the parent of .devcontainer/), or
 * NULL when path is no devcontainer file. Caller frees. */
char *devcontainer_project_dir(const char *path);
/* The .devcontainer/NAME/devcontainer.json files under dir, sorted; NULL when none. */
char **devcontainer_list_named(const char *dir);

/*
 * Parse a devcontainer.json buffer into c (over what c holds, as a .box.ini would
 * be). name is the file in messages, project_dir is ${localWorkspaceFolder}.
 * Errors go to errors ("NAME:LINE: message", returns -EINVAL), unsupported keys
 * and values to warnings.
 */
int devcontainer_parse_buffer(const char *buf, size_t len, const char *name,
			      const char *project_dir, struct box_config *c,
			      struct cfg_errors *errors, struct cfg_errors *warnings);

#endif
