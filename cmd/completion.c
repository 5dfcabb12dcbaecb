/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box completion bash|zsh|fish: the shell's completion script, generated from the usage
 * texts of box and its commands; and --names, the sandbox and image names the scripts
 * offer, read from the sandbox list and the image store without starting anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/help/complete.h"
#include "../core/image/store.h"
#include "../core/sandbox/sandbox.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static int print_names(const char *kind)
{
	struct box_err *err = NULL;
	size_t n = 0;

	if (streq(kind, "sandboxes")) {
		struct sandbox_info *list = NULL;
		if (sandbox_list(&list, &n, &err) < 0)
			return cmd_fail(err, "list sandboxes");
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i].name);
		sandbox_info_list_free(list, n);
	} else if (streq(kind, "images")) {
		struct image_record *list = NULL;
		if (store_list(&list, &n, &err) < 0)
			return cmd_fail(err, "list images");
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i].ref);
		image_record_list_free(list, n);
	} else {
		return cmd_usage_error("completion", "--names takes sandboxes or images, not '%s'",
				       kind);
	}
	return 0;
}

/* The script for shell, from the visible commands' usage texts. */
/* The script for shell, from the visible commands' usage texts. */
static int print_script(enum help_shell shell)
{
	size_t n;
	_cleanup_free_ struct help_entry *cmds = cmd_help_entries(&n);
	struct help_entry top = cmd_help_top();
	_cleanup_free_ char *script = complete_script(shell, &top, cmds, n);

	fputs(script, stdout);
	return fflush(stdout) == 0 ? 0 : cmd_error("write the completion script: %m");
}

static int run_completion(int argc, char **argv)
{
	static const struct option opts[] = { { "names", no_argument, NULL, 'n' },
					      { NULL, 0, NULL, 0 } };
	bool names = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c != 'n')
			return cmd_opts_error(&p);
		names = true;
	}
	if (names) {
		if (p.nargs == 0)
			return cmd_usage_error("completion", "--names needs sandboxes or images");
		for (int i = 0; i < p.nargs; i++) {
			int r = print_names(p.args[i]);
			if (r)
				return r;
		}
		return 0;
	}
	enum help_shell shell;
	if (p.nargs != 1 || help_shell_parse(p.args[0], &shell) < 0)
		return cmd_usage_error("completion", "expected one shell: bash, zsh or fish");
	return print_script(shell);
}

const struct box_command cmd_completion = {
	.name = "completion",
	.summary = "print a shell completion script (bash, zsh, fish)",
	.usage = "usage: box completion bash|zsh|fish\n"
		 "       box completion --names KIND...\n\n"
		 "Prints the completion script for the shell, made from box's usage texts.\n"
		 "Load it now with 'source <(box completion bash)' (or zsh), or\n"
		 "'box completion fish | source'; 'make install' puts each script where its\n"
		 "shell looks for it.\n\n"
		 "  --names KIND...   print the names of KIND (sandboxes, images), one per line",
	.run = run_completion,
};
