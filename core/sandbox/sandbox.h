/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sandbox lifecycle: create (data dir + config snapshot), start (detached
 * supervisor -> holder in a new user+mount ns -> fuse-overlayfs -> init as PID 1),
 * join (pidfd + setns into init's namespaces), stop, remove, list. State lives in
 * $XDG_RUNTIME_DIR/box/<name>/ and data in $XDG_DATA_HOME/box/sandboxes/<name>/.
 *
 * Files other modules may read:
 *   sandboxes/<name>/config.json  {"name","image","image_digest","created","home",
 *                                  "storage","network",...}
 *   runtime <name>/state          KEY=VALUE lines: supervisor_pid, supervisor_start,
 *                                  init_pid, started, cgroup, ports
 *   runtime <name>/env            the environment of every command, as the sandbox
 *                                  started (sandbox_env_format())
 */
#ifndef BOX_SANDBOX_H
#define BOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../util/err.h"

enum sandbox_state { SANDBOX_STOPPED = 0, SANDBOX_RUNNING, SANDBOX_STARTING };

struct sandbox_config;

struct sandbox_info {
	char *name;
	char *image; /* reference as created */
	char *image_digest;
	enum sandbox_state state;
	pid_t supervisor_pid;
	pid_t init_pid; /* host pid of the sandbox's PID 1, 0 when stopped */
	time_t created;
	time_t started;	   /* 0 when stopped */
	char *cgroup;	   /* absolute cgroup dir, NULL when none */
	char *ports;	   /* "127.0.0.1:8080->80/tcp, ..." or NULL */
	char *data_dir;	   /* $DATA/sandboxes/<name> */
	char *runtime_dir; /* $RUNTIME/<name> */
	char *network;	   /* slirp|host|none */
};

struct sandbox_info *sandbox_info_free(struct sandbox_info *s);
void sandbox_info_list_free(struct sandbox_info *list, size_t n);
/* Every sandbox (running and stopped), sorted by name. */
int sandbox_list(struct sandbox_info **ret, size_t *ret_n, struct box_err **err);
/* The names of every sandbox (running_only: those running or starting), sorted. */
int sandbox_names(bool running_only, char ***ret, struct box_err **err);
int sandbox_get(const char *name, struct sandbox_info **ret, struct box_err **err);
/* Set the fields of s that come from its config.json (image, digest, network, created). */
void sandbox_info_set_config(struct sandbox_info *s, const struct sandbox_config *c);
/*
 * The bytes of s's writable layer (du): the last walk when nothing can have written
 * there since (kept in <data_dir>/upper.size, see upper_size.c), else a new walk.
 * sandbox_upper_size_forget drops the last walk (a start, under the sandbox lock).
 */
uint64_t sandbox_upper_size(const struct sandbox_info *s);
void sandbox_upper_size_forget(const char *name);

/*
 * sandbox_list for a refresh loop (the stats snapshot caches the writable layer's size
 * itself): the directory is listed again only when it
 * changed, config.json and state are parsed again only when their stat keys change
 * (looked at only when inotify reports a change, where it can), and running
 * sandboxes are watched through pidfds. The list (sorted by name) belongs
 * to the cache and stays valid until the next call or the free.
 */
struct sandbox_cache;
struct sandbox_cache *sandbox_cache_new(void);
/* The same without inotify: every file is stat'ed each refresh (as where inotify is
 * not available; tests run both). */
struct sandbox_cache *sandbox_cache_new_polling(void);
struct sandbox_cache *sandbox_cache_free(struct sandbox_cache *c);
int sandbox_cache_list(struct sandbox_cache *c, const struct sandbox_info **ret, size_t *ret_n,
		       struct box_err **err);
/* config.json and state files parsed so far (tests check what is not re-read). */
unsigned sandbox_cache_loads(const struct sandbox_cache *c);

/* [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most SANDBOX_NAME_MAX bytes. */
#define SANDBOX_NAME_MAX 64
bool sandbox_name_valid(const char *name);

enum sandbox_home { SANDBOX_HOME_HOST = 0, SANDBOX_HOME_ISOLATED, SANDBOX_HOME_PATH };
/* A yes/no setting that may be left to the global config. */
enum sandbox_flag { SANDBOX_FLAG_UNSET = 0, SANDBOX_FLAG_YES, SANDBOX_FLAG_NO };
enum sandbox_storage { SANDBOX_STORAGE_FUSE = 0, SANDBOX_STORAGE_OVERLAY };

/* What a sandbox was created with (config.json in its data dir). */
struct sandbox_config {
	char *name;
	char *image;	    /* reference, or "rootfs:DIR" for a local root filesystem */
	char *image_digest; /* NULL for a local rootfs */
	char **layers;	    /* read-only layer dirs, bottom first, NULL-terminated */
	int64_t created;
	enum sandbox_home home;
	char *home_path; /* host dir bound at the user's home (isolated: data/home) */
	enum sandbox_storage storage;
	char *network; /* slirp|host|none */
	char *gpu;     /* auto|nvidia|none; NULL: the global config's (gpu.h) */
	char **ports;  /* port specs, NULL-terminated (may be NULL) */
	char **env;    /* extra KEY=VALUE for every command, NULL-terminated (may be NULL) */
	/* The image config's Env (KEY=VALUE), kept at creation so that starting or
	 * joining never reads the image: defaults under everything else. NULL only
	 * in a config.json written before it was kept (empty when the image has none). */
	char **image_env;
	/* The network settings of a project's [box]; unset: the global config's. */
	enum sandbox_flag host_loopback;
	enum sandbox_flag ports_auto;
	uint32_t mtu; /* 0: unset */
	/* box-host-exec inside (a project's [box] host_exec, create --[no-]host-exec);
	 * unset: the global config's (hostexec.h) */
	enum sandbox_flag host_exec;
	/* A project's sandbox (.box.ini); all NULL/0 otherwise. */
	char *project;	 /* the project directory, bound at the same path inside */
	char *setup_key; /* the setup layer it was built on (project_setup_key) */
	char **mounts;	 /* "HOST\tINSIDE\t(rw|ro)" binds, NULL-terminated (may be NULL) */
	char *hostname;	 /* NULL: the sandbox's name */
	char **start;	 /* shell commands run on every start, as the user (services.h) */
	char **services; /* "NAME\tCOMMAND" supervised inside (services.h) */
	char **attach;	 /* shell commands run before every enter of a project */
	double cpus;	 /* cgroup limits, 0 = unset */
	uint64_t memory;
	uint64_t pids;
};

struct sandbox_config *sandbox_config_free(struct sandbox_config *c);
/* Pure JSON (de)serialisation of config.json. */
int sandbox_config_parse(const char *buf, size_t len, struct sandbox_config **ret,
			 struct box_err **err);
char *sandbox_config_format(const struct sandbox_config *c);
int sandbox_config_load(const char *name, struct sandbox_config **ret, struct box_err **err);

/* Runtime state file (KEY=VALUE lines). */
struct sandbox_runstate {
	pid_t supervisor_pid;
	uint64_t supervisor_start; /* /proc/PID/stat starttime, detects pid reuse */
	pid_t init_pid;
	uint64_t init_start;
	int64_t started;
	char cgroup[512]; /* "" when none */
};
int sandbox_state_parse(const char *buf, size_t len, struct sandbox_runstate *ret);
/* Start time (clock ticks since boot, field 22 of /proc/PID/stat); 0 when gone. */
uint64_t proc_start_time(pid_t pid);
/* Field 22 of one /proc/PID/stat text (NUL-terminated); 0 when malformed. */
uint64_t proc_stat_start_time(const char *stat);
/* Reads the state and checks the supervisor and init are the ones it names:
 * 1 running, 0 stopped (no state, or a dead/reused pid). */
int sandbox_state_read(const char *name, struct sandbox_runstate *ret);

/* Directories; caller frees. */
char *sandbox_data_dir(const char *name);
char *sandbox_runtime_dir(const char *name);
bool sandbox_exists(const char *name);

/* Lock serialising start/stop/rm of one sandbox (flock on a file in its data dir). */
int sandbox_lock(const char *name, bool wait, struct box_err **err);

struct sandbox_create_opts {
	const char *name;
	const char *image; /* reference (for the record) */
	const char *image_digest;
	char *const *layers; /* bottom first, NULL-terminated */
	enum sandbox_home home;
	const char *home_path; /* SANDBOX_HOME_PATH */
	enum sandbox_storage storage;
	const char *network; /* NULL: slirp */
	const char *gpu;     /* NULL: the global config's */
	char *const *env;
	char *const *image_env;
	char *const *ports;
	enum sandbox_flag host_loopback;
	enum sandbox_flag ports_auto;
	uint32_t mtu;
	enum sandbox_flag host_exec;
	/* A project's sandbox (see struct sandbox_config). */
	const char *project;
	const char *setup_key;
	char *const *mounts;
	const char *hostname;
	char *const *start;
	char *const *services;
	char *const *attach;
	double cpus;
	uint64_t memory;
	uint64_t pids;
};
/* -EEXIST when the sandbox exists. */
int sandbox_create(const struct sandbox_create_opts *o, struct box_err **err);

/*
 * The userspace network of a sandbox (network = slirp). core/ does not depend on
 * net/: main() sets these before it runs a command, and the supervisor calls them
 * (it is a fork of that process, so they stay set). A slirp sandbox started by a
 * program that did not set them fails to start with ENOSYS.
 */
struct sandbox_net_hooks {
	/* Text of /etc/resolv.conf inside, or NULL to bind the host's; caller frees. */
	char *(*resolv_conf)(const struct sandbox_config *c);
	/* Extra /etc/hosts lines (host.box.internal) for c, or NULL. */
	const char *(*hosts_extra)(const struct sandbox_config *c);
	/* In init, first thing in its new network namespace (as its root): bring up lo,
	 * create the tap device (c's mtu) and send its fd on sock. */
	int (*tap_send)(int sock, const struct sandbox_config *c, struct box_err **err);
	/* On the host: receive that fd from sock (EOF when init died first) and start
	 * the helper that drives it (control socket ctl_path, c's static ports and
	 * network settings, the sandbox's cgroup dir or NULL), which sets itself up while
	 * the sandbox's root is being prepared: *ret_ready gets its readiness report
	 * (sync protocol of core/spawn.h). *ret_pid is the helper, a child of the caller,
	 * which ends by itself when init exits. */
	int (*start)(pid_t init, int sock, const char *ctl_path, const char *cgroup,
		     const struct sandbox_config *c, pid_t *ret_pid, int *ret_ready,
		     struct box_err **err);
	/* Optional, on the host before start(), while the caller waits anyway: load
	 * what start() will need, so that its helper does not. */
	void (*preload)(void);
};
void sandbox_set_net_hooks(const struct sandbox_net_hooks *h);

/* Start (when stopped) and wait until init is up. 0 started, 1 already running. */
int sandbox_start(const char *name, struct box_err **err);
/* The supervisor's body (`box __supervise NAME`); ready_fd gets the sync report. */
int sandbox_supervise(const char *name, int ready_fd, struct box_err **err);
/* TERM to init, KILL after timeout_ms; waits until the supervisor has cleaned up.
 * 0 stopped, 1 was not running. */
int sandbox_stop(const char *name, unsigned timeout_ms, struct box_err **err);
/* Remove a stopped sandbox's data (the writable layer; never a host or custom home). */
int sandbox_remove(const char *name, struct box_err **err);

struct sandbox_join_opts {
	bool root;
	char **argv;	 /* NULL: login shell */
	char **env;	 /* extra KEY=VALUE, over the sandbox's own */
	const char *cwd; /* NULL: the caller's cwd */
	bool out_to_err; /* the command's stdout goes to box's stderr */
	/*
	 * Instead of exec'ing argv, call fn as the user (environment built, in cwd)
	 * in a process of its own session that the join does not wait for: it lives
	 * on in the sandbox (reparented to init) with stdio on /dev/null. fn's
	 * return is its exit status. sandbox_join() then returns 0 once it runs.
	 */
	int (*fn)(void *arg, char **env);
	void *fn_arg;
};

/*
 * The runtime env file: the image's Env, an empty string, then the sandbox's own
 * env (a project's [env]), each NUL-terminated. Written by the supervisor at start,
 * read by every join (one small read instead of parsing config.json).
 */
char *sandbox_env_format(char *const *image_env, char *const *env, size_t *ret_len);
/* Its inverse; entries without '=' are dropped. Returns 0 or -EINVAL. */
int sandbox_env_parse(const char *buf, size_t len, char ***ret_image_env, char ***ret_env);
/*
 * Join a running sandbox: setns into init's namespaces, fork, exec as the user on
 * the caller's terminal, wait. Returns the exit status (code or 128+N), or
 * -ESRCH when the sandbox is not running (err set), or another -errno.
 */
int sandbox_join(const char *name, const struct sandbox_join_opts *o, struct box_err **err);
/* sandbox_join() from a child, so that the caller stays in its own namespaces. */
int sandbox_join_forked(const char *name, const struct sandbox_join_opts *o, struct box_err **err);
/*
 * Call fn in a child that has joined the running sandbox's user and mount
 * namespaces (its root is the sandbox's; it has the rights of the sandbox's root
 * over its files): what fn writes to out (at most max bytes) comes back in *ret.
 * -ESRCH when the sandbox is not running.
 */
int sandbox_join_call(const char *name, int (*fn)(void *arg, int out), void *arg, size_t max,
		      char **ret, size_t *ret_len, struct box_err **err);

#endif
