/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The subcommands. Each cmd/<verb>.c defines one struct box_command named
 * cmd_<verb>; main.c lists them all in cmd_table[], sorted by name, so a new
 * command is one new file and one line there. Only cmd/ prints to the user and
 * picks exit statuses (core/util/exit.h).
 */
#ifndef BOX_CMD_H
#define BOX_CMD_H

#include <stdbool.h>

struct box_config;
#include <stddef.h>

#include "../core/help/usage.h"
#include "../core/util/err.h"
#include "../core/util/exit.h"
#include "../core/util/macro.h"
#include "../core/util/opts.h"
#include "../core/util/report.h"

#ifndef BOX_VERSION
#define BOX_VERSION "0.1.0"
#endif

struct box_command {
	const char *name;
	const char *alias;		   /* another name for it ("ps" for list), or NULL */
	const char *summary;		   /* one line for `box help` */
	const char *usage;		   /* full usage text printed by --help */
	int (*run)(int argc, char **argv); /* argv[0] is the command name; returns exit status */
	bool hidden;			   /* internal helper roles */
};

/* box's own usage text and its options (for --help, completions and man pages). */
extern const char cmd_main_usage[];
extern const char cmd_main_options[];
/* Every command in the table's order, NULL-terminated; *ret_n is the count. Caller frees. */
const struct box_command **cmd_all(size_t *ret_n);
/* From cmd/helptext.c: the visible commands as help entries, sorted (caller frees), and
 * box itself as one (its usage is static storage until the next call). */
struct help_entry *cmd_help_entries(size_t *ret_n);
struct help_entry cmd_help_top(void);

/* Global options from main.c. */
extern const char *arg_config; /* --config PATH, NULL for the default */

/* One line on stderr and EXIT_BOX (core/util/report.h): "box: <context>: <err>" (frees
 * err), "box: <message>", or a usage error with a hint to the command's --help. */
#define cmd_fail	report_fail
#define cmd_error	report_error
#define cmd_usage_error report_usage_error
/* "box: no sandbox named 'NAME' (see 'box list')" and EXIT_BOX. */
int cmd_no_sandbox(const char *name);
/* The global config; on errors prints them (file:line) and returns NULL. */
struct box_config *cmd_load_global_config(void);
/* Print the usage text of cmd and return 0 (for --help). */
int cmd_help(const struct box_command *cmd);
const struct box_command *cmd_find(const char *name);
/* Say an option error of opts_next() as "box CMD: <error>; see 'box CMD --help'"
 * (CMD is o->name) and return EXIT_BOX. */
int cmd_opts_error(const struct opts *o);
/* For a command that takes operands only: parse them the same way (`--`, unknown
 * options), leave them at argv[1..*argc) and return 0, or say the error and return
 * EXIT_BOX. OPTS_STOP keeps everything from the first operand untouched. */
int cmd_operands(int *argc, char **argv, unsigned flags);
/* True when --help or -h is the first argument after the verb. */
bool cmd_wants_help(int argc, char **argv);

#endif
