/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry point: global options, logging setup, and dispatch to the subcommand
 * registered under the verb. Plain `box` on a terminal opens the dashboard when
 * it exists, else prints help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/util/log.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

#ifndef BOX_VERSION
#define BOX_VERSION "0.1.0"
#endif

extern const struct box_command *const __start_box_commands[];
extern const struct box_command *const __stop_box_commands[];

const char *arg_config;

const struct box_command *cmd_find(const char *name)
{
	/* __start_/__stop_ bound one linker section: one array to the linker, two symbols
	 * to a C checker. */
	/* cppcheck-suppress comparePointers */
	for (const struct box_command *const *c = __start_box_commands; c < __stop_box_commands;
	     c++)
		if (streq((*c)->name, name))
			return *c;
	return NULL;
}

static void vprint(const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "box: %s", buf);
}

int cmd_fail(struct box_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	if (err) {
		_cleanup_free_ char *m = box_err_format(err);
		fprintf(stderr, ": %s", m);
	}
	fputc('\n', stderr);
	box_err_free(err);
	return EXIT_BOX;
}

int cmd_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BOX;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'box %s --help')\n", cmd);
	return EXIT_BOX;
}

int cmd_help(const struct box_command *cmd)
{
	printf("%s\n", cmd->usage ? cmd->usage : cmd->summary);
	return 0;
}

bool cmd_wants_help(int argc, char **argv)
{
	return argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"));
}

static int cmp_cmd(const void *a, const void *b)
{
	return strcmp((*(const struct box_command *const *)a)->name,
		      (*(const struct box_command *const *)b)->name);
}

static void usage(FILE *f)
{
	/* cppcheck-suppress comparePointers */
	size_t n = (size_t)(__stop_box_commands - __start_box_commands);
	const struct box_command **sorted = xcalloc(n, sizeof(*sorted));

	memcpy(sorted, __start_box_commands, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_cmd);
	fprintf(f, "usage: box [-v] [--config FILE] COMMAND [ARGS...]\n\n"
		   "A rootless developer sandbox: a shell in another distribution's userland,\n"
		   "as yourself, with your home and network, in milliseconds.\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		if (!sorted[i]->hidden)
			fprintf(f, "  %-10s %s\n", sorted[i]->name, sorted[i]->summary);
	fprintf(f, "\nRun 'box COMMAND --help' for a command's options.\n");
	free(sorted);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "config", required_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int level = LOG_WARN, c;
	const char *env = getenv("BOX_LOG_LEVEL");

	if (env && *env >= '0' && *env <= '3')
		level = *env - '0';
	while ((c = getopt_long(argc, argv, "+vc:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			level++;
			break;
		case 'c':
			arg_config = optarg;
			break;
		case 'V':
			printf("box %s\n", BOX_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "box: unknown option (see 'box --help')\n");
			return EXIT_BOX;
		}
	}
	log_set_level(level);
	if (arg_config)
		setenv("BOX_CONFIG", arg_config, 1);
	if (optind >= argc) {
		const struct box_command *dash = cmd_find("dash");
		if (dash && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			char *dargv[] = { (char *)"dash", NULL };
			return dash->run(1, dargv);
		}
		usage(stdout);
		return 0;
	}
	const struct box_command *cmd = cmd_find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "box: unknown command '%s' (see 'box --help')\n", argv[optind]);
		return EXIT_BOX;
	}
	int idx = optind;
	/* optind = 0 makes glibc's getopt start over for the subcommand's own options. */
	optind = 0;
	if (cmd_wants_help(argc - idx, argv + idx))
		return cmd_help(cmd);
	return cmd->run(argc - idx, argv + idx);
}
