/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command's usage text read as data: its synopsis lines, its options (short and long
 * names, argument, description), the literal action words after the verb (`box port add`)
 * and the kinds of operand it takes (sandbox names, image references, files). Shell
 * completions and man pages are generated from this, so they say what --help says.
 */
#ifndef BOX_USAGE_H
#define BOX_USAGE_H

#include <stdbool.h>
#include <stddef.h>

/* One command as main's table has it. */
struct help_entry {
	const char *name;
	const char *summary;
	const char *usage;
};

/* What an option's argument or an operand names. */
enum usage_kind {
	USAGE_FREE,    /* anything: nothing to offer */
	USAGE_WORDS,   /* one of the words of a|b|c */
	USAGE_FILE,    /* a path */
	USAGE_SANDBOX, /* a sandbox name */
	USAGE_IMAGE,   /* an image reference */
};

struct usage_opt {
	char short_name; /* 0 when none */
	char *long_name; /* without the dashes; NULL when none */
	char *arg;	 /* the argument's name as written (NAME, table|json); NULL for a flag */
	char *desc;	 /* NULL when the text gives none */
};

enum usage_line_kind {
	USAGE_LINE_SYNOPSIS,
	USAGE_LINE_OPTION,
	USAGE_LINE_OPTION_MORE, /* a continued option description */
	USAGE_LINE_PROSE,
	USAGE_LINE_BLANK,
};

struct usage_line {
	enum usage_line_kind kind;
	char *text; /* the synopsis without "usage: ", else the line as written */
};

#define USAGE_OPERAND_SANDBOX (1u << 0)
#define USAGE_OPERAND_IMAGE   (1u << 1)
#define USAGE_OPERAND_FILE    (1u << 2)

struct usage_doc {
	struct usage_line *lines;
	size_t n_lines;
	struct usage_opt *opts;
	size_t n_opts;
	char **actions; /* NULL-terminated; may be empty */
	unsigned operands;
};

/* Parse verb's usage text (NULL gives an empty doc). Only fails on malloc, which aborts. */
struct usage_doc *usage_parse(const char *verb, const char *text);
struct usage_doc *usage_doc_free(struct usage_doc *d);
/* The kind of an option argument or operand name as written in a usage text. */
enum usage_kind usage_kind_of(const char *arg);
/* The words of an argument written a|b|c, NULL-terminated (caller frees); NULL when not. */
char **usage_arg_words(const char *arg);

#endif
