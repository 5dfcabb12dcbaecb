/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commands' usage texts as the help generators (core/help/) take them: what
 * `box completion` and `box __manpages` read.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/util/xalloc.h"
#include "cmd.h"

struct help_entry *cmd_help_entries(size_t *ret_n)
{
	size_t n, k = 0;
	_cleanup_free_ const struct box_command **all = cmd_all(&n);
	struct help_entry *cmds = xcalloc(n + 1, sizeof(*cmds));

	for (size_t i = 0; i < n; i++)
		if (!all[i]->hidden)
			cmds[k++] =
			    (struct help_entry){ all[i]->name, all[i]->summary, all[i]->usage };
	*ret_n = k;
	return cmds;
}

struct help_entry cmd_help_top(void)
{
	static char *usage;

	if (!usage)
		usage = xasprintf("%s\n%s", cmd_main_usage, cmd_main_options);
	return (struct help_entry){ "box", "a rootless developer sandbox", usage };
}
