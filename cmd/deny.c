/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box deny [FILE]: withdraw the approval of a project's .box.ini (default: the
 * nearest one upwards) so that box does not act on it until `box allow` again.
 */
#include <stdio.h>

#include "../config/project.h"
#include "cmd.h"

static int run_deny(int argc, char **argv)
{
	struct box_err *err = NULL;
	_cleanup_free_ char *path = NULL;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return cmd_usage_error("deny", "expected one FILE at most");
	if (project_resolve(argc == 2 ? argv[1] : NULL, &path, &err) < 0)
		return cmd_fail(err, "deny");
	if (trust_deny(path, &err) < 0)
		return cmd_fail(err, "deny '%s'", path);
	printf("denied %s\n", path);
	return 0;
}

const struct box_command cmd_deny = {
	.name = "deny",
	.summary = "withdraw the approval of a project's .box.ini",
	.usage = "usage: box deny [FILE]\n\nbox will not act on FILE (default: the nearest "
		 ".box.ini upwards)\nuntil it is approved again with 'box allow'.",
	.run = run_deny,
};
