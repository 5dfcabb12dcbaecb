/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal to config/: the one schema table (sections, keys, types, defaults, allowed
 * values, help, which file kinds accept them) and the parse state the typed setters
 * report errors through. Parsing, validation, defaults and documentation all read it.
 */
#ifndef BOX_CONFIG_SCHEMA_H
#define BOX_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum cfg_type {
	CT_SECTION, /* the row describing a section itself */
	CT_NAME,    /* sandbox name */
	CT_IMAGE,   /* image reference */
	CT_HOSTNAME,
	CT_ENUM,
	CT_FLAG, /* enum of two words stored as bool: the first means true */
	CT_HOME,
	CT_BOOL,
	CT_U32,
	CT_PACKAGES,
	CT_RUN,
	CT_INPUTS,
	CT_ENV,
	CT_PORT,
	CT_MOUNT,
	CT_DECIMAL,
	CT_SIZE,
	CT_COUNT,
	CT_URL,
	CT_ALIAS,
	CT_SERVICE,
	CT_EXPORT, /* [export] bins/apps: words, each a program or application to export */
};

#define CFG_IN_GLOBAL  1u
#define CFG_IN_PROJECT 2u
#define CFG_IN_BOTH    (CFG_IN_GLOBAL | CFG_IN_PROJECT)

/* Limits on what a file may make us allocate. */
#define CFG_MAX_LINE	   4096
#define CFG_MAX_FILE	   (1024 * 1024)
#define CFG_MAX_ENTRIES	   1024 /* per list: env, ports, mounts, aliases, packages, run */
#define CFG_MAX_REGISTRIES 64
#define CFG_MAX_ERRORS	   200

struct cfg_key {
	const char *section; /* "box", ...; "registry" is the [registry "NAME"] family */
	const char *key;     /* NULL on the section row; "*" for free-form keys */
	enum cfg_type type;
	const char *def;	    /* default as it would be written, NULL = unset */
	const char *const *allowed; /* CT_ENUM values, NULL-terminated */
	const char *syntax;	    /* for documentation: "slirp|host|none", "KEY = value" */
	const char *help;
	unsigned kinds; /* CFG_IN_* */
	size_t offset;	/* field for generic types (in box_config or cfg_registry) */
	long min, max;	/* CT_U32 range */
	bool repeat;	/* may appear several times (lists) */
};

struct cfg_seen {
	char *section; /* section as written (registry name included) */
	char *key;
	unsigned line;
};

struct cfg_parse {
	const char *name; /* file name used in messages */
	enum cfg_kind kind;
	struct box_config *c;
	struct cfg_errors *errors;
	size_t n_errors;

	/* reader state */
	const char *buf;
	size_t len, pos;
	unsigned line;
	int sec;	/* schema row of the current section; -1 before any or when bad */
	bool sec_bad;	/* current section was already reported: skip its keys quietly */
	char *sec_text; /* the current section as written, for duplicate detection */
	struct cfg_registry *reg;

	struct cfg_seen *seen;
	size_t n_seen;
};

extern const struct cfg_key cfg_schema[];
extern const size_t cfg_schema_len;

/* Record "NAME:LINE: message" for the current line (no-op when p is NULL). */
void cfg_error(struct cfg_parse *p, const char *fmt, ...) _printf_(2, 3);
/* Validate and store one value for schema row k; key is the entry's key for free-form rows. */
int cfg_set(struct cfg_parse *p, const struct cfg_key *k, const char *key, const char *value);
/* Closest candidate within a typo's distance, or NULL. */
const char *cfg_nearest(const char *word, const char *const *candidates, size_t n);
void cfg_apply_defaults(struct box_config *c);

#endif
