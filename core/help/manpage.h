/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Man pages in roff (man(7) macros) from the usage texts: box(1) with the global options
 * and the list of commands, and box-VERB(1) for each command, with its synopsis,
 * description and options as --help prints them.
 */
#ifndef BOX_MANPAGE_H
#define BOX_MANPAGE_H

#include <stddef.h>

#include "usage.h"

/* box-VERB(1). */
char *manpage_command(const struct help_entry *cmd, const char *version);
/* box(1): top is box's own usage, cmds the commands it lists. */
char *manpage_main(const struct help_entry *top, const struct help_entry *cmds, size_t n,
		   const char *version);

#endif
