/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command-line options, parsed one way for every command. Options and operands come
 * in any order (`box rm NAME -f`); a value is given as `--opt=value`, `--opt value`,
 * `-ovalue` or `-o value`; short flags combine (`-af`); a long name may be shortened
 * while it stays unique; `--` ends the options. A command that takes a command line
 * (`box run NAME CMD ARGS...`) asks for OPTS_STOP: its first operand ends the options,
 * and everything from there is left untouched. Errors are returned, never printed: the
 * caller says them (cmd_opts_error() in cmd/).
 *
 * The table is getopt_long's: a short-option string ("t:a": -t takes a value) and a
 * `struct option` array ending in a zeroed entry whose .val is what opts_next() returns.
 */
#ifndef BOX_OPTS_H
#define BOX_OPTS_H

#include <getopt.h>
#include <stdbool.h>

enum { OPTS_END = -1, OPTS_ERROR = -2 };
enum { OPTS_PERMUTE = 0, OPTS_STOP = 1 << 0 };

struct opts {
	const char *name; /* the command, for messages: argv[0] unless set after opts_init() */
	const char *shorts;
	const struct option *longs;
	unsigned flags;
	int argc;
	char **argv;
	int i;		     /* the next argv[] to read */
	const char *cluster; /* the rest of a group of short flags ("-af") */
	const char *arg;     /* the current option's value, NULL when it takes none */
	char **args;	     /* after OPTS_END: the operands in order, NULL-terminated */
	int nargs;
	int ndash;	 /* args[ndash..] came after "--" (nargs when there was none) */
	bool dashdash;	 /* "--" was seen */
	char error[160]; /* after OPTS_ERROR: "unknown option '--x'", ... */
};

/* argv[0] is the command's name; parsing starts at argv[1]. The operands are gathered
 * at the front of argv (which is reordered, as getopt does). */
void opts_init(struct opts *o, int argc, char **argv, const char *shorts,
	       const struct option *longs, unsigned flags);
/* A function opts_init() calls with every table it is given, before any parsing
 * (NULL: none). main() sets one that prints the table for tests (BOX_OPTS_TABLE). */
void opts_set_observer(void (*observer)(const struct opts *o));
/* The next option's key (its short letter or its .val), OPTS_END when none is left
 * (o->args is then set), or OPTS_ERROR with o->error saying what was wrong. */
int opts_next(struct opts *o);

#endif
