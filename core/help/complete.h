/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shell completion scripts for bash, zsh and fish, generated from the usage texts of
 * box and its commands (usage.h). Sandbox and image names come at completion time from
 * `box completion --names sandboxes|images`, run with the box the user typed.
 */
#ifndef BOX_COMPLETE_H
#define BOX_COMPLETE_H

#include <stddef.h>

#include "usage.h"

enum help_shell {
	HELP_SHELL_BASH,
	HELP_SHELL_ZSH,
	HELP_SHELL_FISH,
};

/* "bash", "zsh" or "fish"; -EINVAL for anything else. */
int help_shell_parse(const char *name, enum help_shell *ret);
/*
 * The completion script for shell: top is box itself (its usage gives the global
 * options), cmds the commands to offer, in order.
 */
char *complete_script(enum help_shell shell, const struct help_entry *top,
		      const struct help_entry *cmds, size_t n);

#endif
