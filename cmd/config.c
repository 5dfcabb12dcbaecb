/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box config: the configuration schema as documentation (`schema`), validation of a
 * config.ini or .box.ini listing every problem with its line (`check`, exit 125 when
 * there is any), and the effective global configuration with defaults (`show`).
 */
#include <stdio.h>
#include <string.h>

#include "../config/config.h"
#include "../config/project.h"
#include "../core/util/fs.h"
#include "../core/util/paths.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static const char usage_text[] =
    "usage: box config schema [--project]     document every section and key\n"
    "       box config check [--project|--global] [FILE]\n"
    "                                         validate FILE (default: the global config)\n"
    "       box config show                   print the effective global configuration\n"
    "\n"
    "A file named .box.ini is checked as a project file, anything else as config.ini,\n"
    "unless --project or --global says otherwise. Errors are listed as FILE:LINE: message.\n"
    "\n"
    "  -p, --project   a project's .box.ini (schema: its keys)\n"
    "  -g, --global    the global config.ini";

/* Parse --project/--global; the operands are left at argv[1..*argc). Returns 0, or says
 * the error and returns -1. */
static int parse_kind(int *argc, char **argv, int *kind)
{
	static const struct option opts[] = {
		{ "project", no_argument, NULL, 'p' },
		{ "global", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts p;
	int c;

	opts_init(&p, *argc, argv, "pg", opts, 0);
	p.name = "config";
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'p')
			*kind = CFG_PROJECT;
		else if (c == 'g')
			*kind = CFG_GLOBAL;
		else
			return cmd_opts_error(&p), -1;
	}
	*argc = p.nargs + 1;
	return 0;
}

static void print_errors(const struct cfg_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "%s\n", e->msgs[i]);
}

static int do_check(int argc, char **argv)
{
	int kind = -1;
	struct cfg_errors errors = { 0 };

	if (parse_kind(&argc, argv, &kind) < 0)
		return EXIT_BOX;
	if (argc > 2)
		return cmd_usage_error("config", "check takes one FILE at most");
	_cleanup_free_ char *path = argc > 1 ? xstrdup(argv[1]) : paths_config_file();
	if (argc == 1 && !path_exists(path)) {
		printf("%s: no such file; the defaults apply\n", path);
		return 0;
	}
	if (kind < 0)
		kind = str_endswith(path, ".box.ini") ? CFG_PROJECT : CFG_GLOBAL;
	struct box_config *c = cfg_new();
	int r = cfg_parse_file(path, (enum cfg_kind)kind, c, &errors);
	cfg_free(c);
	if (r < 0) {
		print_errors(&errors);
		size_t n = errors.n;
		cfg_errors_done(&errors);
		return cmd_error("check '%s': %zu problem%s; fix the lines above", path, n,
				 n == 1 ? "" : "s");
	}
	printf("%s: ok\n", path);
	return 0;
}

static int do_schema(int argc, char **argv)
{
	int kind = CFG_GLOBAL;

	if (parse_kind(&argc, argv, &kind) < 0)
		return EXIT_BOX;
	if (argc != 1)
		return cmd_usage_error("config", "schema takes no operands");
	cfg_print_schema(stdout, (enum cfg_kind)kind);
	return 0;
}

static int show_project(const char *arg)
{
	struct cfg_errors errors = { 0 };
	struct project *p = NULL;
	struct box_err *err = NULL;

	if (project_open(arg, NULL, NULL, &p, &errors, &err) < 0) {
		print_errors(&errors);
		cfg_errors_done(&errors);
		return cmd_fail(err, "show the project configuration");
	}
	printf("# project %s\n# sandbox %s\n# %s\n", p->file, p->sandbox,
	       trust_state_to_string(p->trust));
	cfg_write(stdout, p->config, CFG_PROJECT);
	project_free(p);
	return 0;
}

static int do_show(int argc, char **argv)
{
	struct cfg_errors errors = { 0 };
	struct box_config *c = NULL;
	int kind = CFG_GLOBAL;

	if (parse_kind(&argc, argv, &kind) < 0)
		return EXIT_BOX;
	if (argc > 2)
		return cmd_usage_error("config", "show takes one FILE at most");
	if (kind == CFG_PROJECT || argc > 1)
		return show_project(argc > 1 ? argv[1] : NULL);
	if (cfg_load_global(&c, &errors) < 0) {
		print_errors(&errors);
		cfg_errors_done(&errors);
		return cmd_error("load the global configuration: fix the lines above");
	}
	cfg_write(stdout, c, CFG_GLOBAL);
	cfg_free(c);
	return 0;
}

static int run_config(int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error("config", "expected schema, check or show");
	if (streq(argv[1], "check"))
		return do_check(argc - 1, argv + 1);
	if (streq(argv[1], "schema"))
		return do_schema(argc - 1, argv + 1);
	if (streq(argv[1], "show"))
		return do_show(argc - 1, argv + 1);
	return cmd_usage_error("config", "unknown action '%s'", argv[1]);
}

const struct box_command cmd_config = {
	.name = "config",
	.summary = "document, check and show configuration files",
	.usage = usage_text,
	.run = run_config,
};
