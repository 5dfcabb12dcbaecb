/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Typed configuration: the global config.ini and a project's .box.ini, parsed with
 * inih through one schema table (sections, keys, types, defaults, help). Parsing
 * never stops at the first error: every problem is collected as FILE:LINE: message.
 */
#ifndef BOX_CONFIG_H
#define BOX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/image/settings.h"
#include "../core/util/err.h"

enum cfg_network { CFG_NET_SLIRP = 0, CFG_NET_HOST, CFG_NET_NONE };
enum cfg_home { CFG_HOME_HOST = 0, CFG_HOME_ISOLATED, CFG_HOME_PATH };
enum cfg_storage { CFG_STORAGE_FUSE = 0, CFG_STORAGE_OVERLAY };
enum cfg_gpu { CFG_GPU_AUTO = 0, CFG_GPU_NVIDIA, CFG_GPU_NONE };
extern const char *const cfg_gpu_names[]; /* "auto", "nvidia", "none" */

struct cfg_kv {
	char *key;
	char *value;
	unsigned line;
};

struct cfg_mount {
	char *inside;  /* sandbox path (key) */
	char *host;    /* host path as written (relative = from the file's directory) */
	bool readonly; /* ":ro" suffix */
	unsigned line;
};

struct cfg_registry {
	char *name;    /* [registry "docker.io"] */
	char *mirror;  /* http(s)://host:port, or NULL */
	bool insecure; /* allow plain http / skip TLS verification */
	unsigned line;
};

struct box_config {
	char *path; /* the file this came from ("" for a buffer) */

	/* [box] */
	char *name;
	char *image;
	char *hostname;
	enum cfg_network network;
	enum cfg_home home;
	char *home_path; /* when home = PATH */
	enum cfg_storage storage;
	bool ports_auto;    /* [box] ports = auto|off (default auto) */
	bool host_loopback; /* [box] host_loopback = yes|no (default yes) */
	bool host_exec;	    /* [box] host_exec = yes|no (default yes) */
	uint32_t mtu;	    /* [box] mtu (default 65520) */
	enum cfg_gpu gpu;   /* [box] gpu = auto|nvidia|none (default auto) */

	/* [setup] */
	char **packages; /* split on whitespace/commas, in order */
	char **run;	 /* each `run =` line, in order */
	char **inputs;	 /* [setup] inputs: globs of project files setup reads */
	unsigned *run_lines;

	/* [start]: each `run =` line, run on every start of the sandbox, as the user */
	char **start;
	unsigned *start_lines;
	/* [services]: NAME = COMMAND, long-running, supervised inside the sandbox */
	struct cfg_kv *services;
	size_t n_services;
	/* Only from a devcontainer.json: commands on the host before the sandbox is
	 * made (initializeCommand), and inside on every enter (postAttachCommand). */
	char **host_init;
	char **attach;

	/* [export]: programs (names on the sandbox's PATH, or absolute paths) and
	 * applications (desktop file names) put on the host when the project's sandbox is
	 * entered, as box export --bin/--app would */
	char **export_bins;
	char **export_apps;

	/* [env], [ports], [aliases]: in file order */
	struct cfg_kv *env;
	size_t n_env;
	struct cfg_kv *ports; /* key = host spec, value = sandbox port */
	size_t n_ports;
	struct cfg_kv *aliases;
	size_t n_aliases;

	struct cfg_mount *mounts;
	size_t n_mounts;

	/* [limits]; 0 = unset */
	double cpus;
	uint64_t memory; /* bytes */
	uint64_t pids;

	struct cfg_registry *registries;
	size_t n_registries;

	/* [aliases], the registries and [image] as the image store takes them (views of the
	 * above, rebuilt after each parse); see cfg_images(). */
	struct image_settings images;

	/* [image] */
	uint64_t max_layer_size; /* bytes one layer may unpack to */

	/* which keys were explicitly set (for merging project over global) */
	uint64_t set_mask;
};

/* Collected problems: "FILE:LINE: message" each. */
struct cfg_errors {
	char **msgs;
	size_t n;
};

enum cfg_kind { CFG_GLOBAL, CFG_PROJECT };

struct box_config *cfg_new(void);
struct box_config *cfg_free(struct box_config *c);
/*
 * Parse a buffer; `name` is used in messages. Returns 0, or -EINVAL with errors filled
 * (every problem, "NAME:LINE: message"). Parsing a second file into the same struct
 * layers it over the first: scalars and keyed entries are replaced, lists appended.
 */
int cfg_parse_buffer(const char *buf, size_t len, const char *name, enum cfg_kind kind,
		     struct box_config *c, struct cfg_errors *errors);
int cfg_parse_file(const char *path, enum cfg_kind kind, struct box_config *c,
		   struct cfg_errors *errors);
/* The global config (BOX_CONFIG / $XDG_CONFIG_HOME/box/config.ini); a missing file is fine. */
int cfg_load_global(struct box_config **ret, struct cfg_errors *errors);
void cfg_errors_done(struct cfg_errors *e);

/* Lookups */
const struct cfg_registry *cfg_registry(const struct box_config *c, const char *name);
/* Alias from [aliases] or the built-in table; NULL when none. */
const char *cfg_alias(const struct box_config *c, const char *name);
/* The aliases and registries of c for core/image's lookups (NULL when c is NULL). */
const struct image_settings *cfg_images(const struct box_config *c);
/* Print the schema as documentation (sections, keys, types, defaults, help). */
void cfg_print_schema(FILE *f, enum cfg_kind kind);

/* Whether [section] key was set by a file (not a default); scalar keys only. */
bool cfg_is_set(const struct box_config *c, const char *section, const char *key);
/* Syntactic check of an image reference (no whitespace, no leading '-'). */
bool cfg_valid_image(const char *ref);
/* Write c as an ini file (defaults included), as `box config show` prints it. */
void cfg_write(FILE *f, const struct box_config *c, enum cfg_kind kind);

#endif
