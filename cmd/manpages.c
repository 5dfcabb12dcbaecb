/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box __manpages DIR: writes box.1 and box-VERB.1 for every visible command into DIR,
 * generated from the same usage texts --help prints (`make man` runs it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/help/manpage.h"
#include "../core/util/fs.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static int write_page(const char *dir, const char *page, const char *text)
{
	struct box_err *err = NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s.1", dir, page);

	if (fs_write_file_atomic(path, text, strlen(text), 0644, &err) < 0)
		return cmd_fail(err, "write '%s'", path);
	return 0;
}

static int run_manpages(int argc, char **argv)
{
	struct box_err *err = NULL;
	size_t n;
	int r;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 2)
		return cmd_usage_error("__manpages", "expected one output DIR");
	if (mkdir_p(argv[1], 0755, &err) < 0)
		return cmd_fail(err, "create '%s'", argv[1]);
	_cleanup_free_ struct help_entry *cmds = cmd_help_entries(&n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *page = xasprintf("box-%s", cmds[i].name);
		_cleanup_free_ char *text = manpage_command(&cmds[i], BOX_VERSION);
		if ((r = write_page(argv[1], page, text)))
			return r;
	}
	struct help_entry top = cmd_help_top();
	_cleanup_free_ char *text = manpage_main(&top, cmds, n, BOX_VERSION);
	return write_page(argv[1], "box", text);
}

const struct box_command cmd_manpages = {
	.name = "__manpages",
	.summary = "write the man pages (make man)",
	.usage = "usage: box __manpages DIR",
	.run = run_manpages,
	.hidden = true,
};
