/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sandbox as the commands (create, enter, start, run, export) make, start and
 * enter it: the creation options (--image/--rootfs, --home, --storage, --network,
 * -p, -v, -e, limits), the split of argv at "--", and the start-then-join sequence.
 * These act for a command: they report their failures (core/util/report.h) and
 * return an exit status (0, or EXIT_BOX after a reported failure).
 */
#ifndef BOX_PROJECT_SBX_H
#define BOX_PROJECT_SBX_H

#include <stdbool.h>

#include "../sandbox/sandbox.h"

struct sbx_create {
	const char *image;
	const char *rootfs;
	const char *home;    /* host|isolated|PATH */
	const char *storage; /* fuse-overlayfs|overlay */
	const char *network; /* slirp|host|none */
	const char *gpu;     /* auto|nvidia|none */
	char **ports;	     /* -p/--publish [ADDR:]HOSTPORT:PORT[/udp], NULL-terminated */
	bool exists_ok;	     /* another box made it meanwhile: fine (box enter) */
	char **mounts;	     /* -v: "HOST\tINSIDE\tro|rw", NULL-terminated (sbx_parse_volume) */
	char **env;	     /* -e KEY=VALUE, NULL-terminated */
	const char *cpus;    /* limits as given: "1.5", "512M", "50" */
	const char *memory;
	const char *pids;
	/* --host-exec / --no-host-exec (box-host-exec inside says it is off); unset: the
	 * global config's */
	enum sandbox_flag host_exec;
};

struct box_config;
/* The global config; on errors prints them (file:line) and returns NULL. */
struct box_config *sbx_global_config(void);

/* Index of the first "--" in argv (argc when none). */
int sbx_split_dashdash(int argc, char **argv);
/*
 * Handle one creation option (getopt value c with optarg): 0, EXIT_BOX after a bad
 * value (printed), or -1 when c is not one.
 */
int sbx_create_opt(const char *cmd, struct sbx_create *o, int c, const char *arg);
/*
 * -v HOST:/PATH[:ro|:rw]: the host path (made absolute; it must exist) and the path
 * inside as "HOST\tINSIDE\tro|rw" in *ret. Prints its error; 0 or EXIT_BOX.
 */
int sbx_parse_volume(const char *cmd, const char *spec, char **ret);
/* -e KEY=VALUE (or KEY: the host's value where it has one); prints its error. */
int sbx_parse_env(const char *cmd, const char *spec);
/* Free what sbx_create_opt() collected. */
void sbx_create_done(struct sbx_create *o);
/* Create `name` from o; prints its own errors and returns an exit status. */
int sbx_create_run(const char *cmd, const char *name, const struct sbx_create *o);
/* Print "box: warning: ..." for each of the sandbox's limits this host cannot apply. */
void sbx_limit_warnings(const char *name);
/* A sandbox name for an image reference: "docker.io/library/debian:12" -> "debian-12". */
char *sbx_name_from_image(const char *ref);
/*
 * Before a start: a sandbox made before box kept the image's Env gets it from the
 * store, once, while the image it was made from is still there. Quiet.
 */
void sbx_upgrade_config(const char *name);
/* Start when stopped (quiet when running); 0 or an exit status after an error. */
int sbx_start(const char *name);
/* Start when stopped, then join (jo->argv NULL: login shell). Exit status. */
int sbx_enter(const char *name, const struct sandbox_join_opts *jo);

/* getopt values of the creation options. */
enum {
	SBX_OPT_IMAGE = 0x100,
	SBX_OPT_ROOTFS,
	SBX_OPT_HOME,
	SBX_OPT_STORAGE,
	SBX_OPT_NETWORK,
	SBX_OPT_CPUS,
	SBX_OPT_MEMORY,
	SBX_OPT_PIDS,
	SBX_OPT_GPU,
	SBX_OPT_NO_HOST_EXEC,
	SBX_OPT_HOST_EXEC,
};
/* -p and --publish: the short option's own value. */
#define SBX_OPT_PUBLISH	     'p'
#define SBX_OPT_VOLUME	     'v'
#define SBX_OPT_ENV	     'e'
#define SBX_CREATE_SHORTOPTS "p:v:e:"
#define SBX_CREATE_LONGOPTS                                                                        \
	{ "image", required_argument, NULL, SBX_OPT_IMAGE },                                       \
	    { "rootfs", required_argument, NULL, SBX_OPT_ROOTFS },                                 \
	    { "home", required_argument, NULL, SBX_OPT_HOME },                                     \
	    { "storage", required_argument, NULL, SBX_OPT_STORAGE },                               \
	    { "network", required_argument, NULL, SBX_OPT_NETWORK },                               \
	    { "gpu", required_argument, NULL, SBX_OPT_GPU },                                       \
	    { "publish", required_argument, NULL, SBX_OPT_PUBLISH },                               \
	    { "volume", required_argument, NULL, SBX_OPT_VOLUME },                                 \
	    { "env", required_argument, NULL, SBX_OPT_ENV },                                       \
	    { "cpus", required_argument, NULL, SBX_OPT_CPUS },                                     \
	    { "memory", required_argument, NULL, SBX_OPT_MEMORY },                                 \
	    { "no-host-exec", no_argument, NULL, SBX_OPT_NO_HOST_EXEC },                           \
	    { "host-exec", no_argument, NULL, SBX_OPT_HOST_EXEC },                                 \
	{                                                                                          \
		"pids", required_argument, NULL, SBX_OPT_PIDS                                      \
	}

#endif
