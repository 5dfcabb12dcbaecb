/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry point: global options, logging setup, the command table, and dispatch to
 * the command named by the verb. Plain `box` on a terminal opens the dashboard when
 * it exists, else prints help.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/host/gpu.h"
#include "../core/sandbox/export.h"
#include "../core/sandbox/hostexec.h"
#include "../core/util/log.h"
#include "../core/util/paths.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "../core/project/sbx.h"
#include "../core/util/report.h"
#include "../net/net.h"

/* Every command, one per cmd/<verb>.c. */
extern const struct box_command cmd_allow;
extern const struct box_command cmd_bootstrap;
extern const struct box_command cmd_clone;
extern const struct box_command cmd_commit;
extern const struct box_command cmd_completion;
extern const struct box_command cmd_config;
extern const struct box_command cmd_create;
extern const struct box_command cmd_dash;
extern const struct box_command cmd_deny;
extern const struct box_command cmd_doctor;
extern const struct box_command cmd_enter;
extern const struct box_command cmd_export;
extern const struct box_command cmd_images;
extern const struct box_command cmd_import;
extern const struct box_command cmd_load;
extern const struct box_command cmd_init;
extern const struct box_command cmd_list;
extern const struct box_command cmd_logs;
extern const struct box_command cmd_port;
extern const struct box_command cmd_prune;
extern const struct box_command cmd_pull;
extern const struct box_command cmd_push;
extern const struct box_command cmd_save;
extern const struct box_command cmd_rebuild;
extern const struct box_command cmd_restore;
extern const struct box_command cmd_rm;
extern const struct box_command cmd_rmi;
extern const struct box_command cmd_run;
extern const struct box_command cmd_snapshot;
extern const struct box_command cmd_snapshots;
extern const struct box_command cmd_start;
extern const struct box_command cmd_stats;
extern const struct box_command cmd_stop;
extern const struct box_command cmd_upgrade;
extern const struct box_command cmd_manpages;
extern const struct box_command cmd_netloop;
extern const struct box_command cmd_rmtree;
extern const struct box_command cmd_supervise;
extern const struct box_command cmd_unshare;

/* The command table, the way tmux's cmd_table is: every command box has, in one
 * visible array. The user's commands come first, sorted by name (`box help` prints
 * them in this order), then the hidden helper roles box starts itself. */
static const struct box_command *const cmd_table[] = {
	&cmd_allow,
	&cmd_bootstrap,
	&cmd_clone,
	&cmd_commit,
	&cmd_completion,
	&cmd_config,
	&cmd_create,
	&cmd_dash,
	&cmd_deny,
	&cmd_doctor,
	&cmd_enter,
	&cmd_export,
	&cmd_images,
	&cmd_import,
	&cmd_init,
	&cmd_list,
	&cmd_load,
	&cmd_logs,
	&cmd_port,
	&cmd_prune,
	&cmd_pull,
	&cmd_push,
	&cmd_rebuild,
	&cmd_restore,
	&cmd_rm,
	&cmd_rmi,
	&cmd_run,
	&cmd_save,
	&cmd_snapshot,
	&cmd_snapshots,
	&cmd_start,
	&cmd_stats,
	&cmd_stop,
	&cmd_upgrade,
	/* helper roles, hidden from `box help` */
	&cmd_manpages,
	&cmd_netloop,
	&cmd_rmtree,
	&cmd_supervise,
	&cmd_unshare,
};

const char *arg_config;

const struct box_command *cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		if (streq(cmd_table[i]->name, name) ||
		    (cmd_table[i]->alias && streq(cmd_table[i]->alias, name)))
			return cmd_table[i];
	return NULL;
}

int cmd_no_sandbox(const char *name)
{
	return cmd_error("no sandbox named '%s' (see 'box list')", name);
}

int cmd_opts_error(const struct opts *o)
{
	const char *cmd = o->name;

	fprintf(stderr, "box %s: %s; see 'box %s --help'\n", cmd,
		o->error[0] ? o->error : "unknown option", cmd);
	return EXIT_BOX;
}

int cmd_operands(int *argc, char **argv, unsigned flags)
{
	struct opts o;

	opts_init(&o, *argc, argv, "", NULL, flags);
	if (opts_next(&o) != OPTS_END)
		return cmd_opts_error(&o);
	*argc = o.nargs + 1;
	return 0;
}

struct box_config *cmd_load_global_config(void)
{
	return sbx_global_config();
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

const struct box_command **cmd_all(size_t *ret_n)
{
	const struct box_command **all = xcalloc(ARRAY_SIZE(cmd_table) + 1, sizeof(*all));

	memcpy(all, cmd_table, sizeof(cmd_table));
	*ret_n = ARRAY_SIZE(cmd_table);
	return all;
}

struct help_entry *cmd_help_entries(size_t *ret_n)
{
	size_t n, k = 0;
	_cleanup_free_ const struct box_command **all = cmd_all(&n);
	struct help_entry *cmds = xcalloc(n + 1, sizeof(*cmds));

	for (size_t i = 0; i < n; i++)
		if (!all[i]->hidden)
			cmds[k++] =
			    (struct help_entry){ all[i]->name, all[i]->summary, all[i]->usage };
	*ret_n = k;
	return cmds;
}

struct help_entry cmd_help_top(void)
{
	static char *usage;

	if (!usage)
		usage = xasprintf("%s\n%s", cmd_main_usage, cmd_main_options);
	return (struct help_entry){ "box", "a rootless developer sandbox", usage };
}

/* box's own usage: the commands' list goes between the head and the options, and the
 * options are read by the completion scripts and box(1). */
const char cmd_main_usage[] =
    "usage: box [-v] [--config FILE] COMMAND [ARGS...]\n\n"
    "A rootless developer sandbox: a shell in another distribution's userland,\n"
    "as yourself, with your home and network, in milliseconds.\n";
const char cmd_main_options[] =
    "options:\n"
    "  -v, --verbose      log more (twice: debug); BOX_LOG_LEVEL=0..3 sets the level\n"
    "  -c, --config FILE  read FILE instead of ~/.config/box/config.ini\n"
    "  -V, --version      print box's version and exit\n"
    "  -h, --help         print this help and exit\n";

static void usage(FILE *f)
{
	fprintf(f, "%s\ncommands:\n", cmd_main_usage);
	for (size_t i = 0; i < ARRAY_SIZE(cmd_table); i++)
		if (!cmd_table[i]->hidden) {
			fprintf(f, "  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
			if (cmd_table[i]->alias)
				fprintf(f, "  %-10s another name for %s\n", cmd_table[i]->alias,
					cmd_table[i]->name);
		}
	fprintf(f, "\n%s\nRun 'box COMMAND --help' for a command's options.\n", cmd_main_options);
}

/* Before any command reads or writes them: the runtime and data dirs are the user's
 * own and private. The hidden roles run from a command that checked already. */
static int check_dirs(void)
{
	struct box_err *err = NULL;

	if (paths_check_runtime_dir(&err) < 0 || paths_check_data_dir(&err) < 0)
		return cmd_fail(err, "refusing to run");
	return 0;
}

/*
 * What a supervisor takes from the global config: host_loopback, ports and mtu for
 * the network of sandboxes, [box] gpu (NULL when unset) and host_exec. Read once, when a
 * sandbox first needs them; the defaults when it cannot be read (the command
 * reports a broken config).
 */
static struct {
	struct net_settings net;
	const char *gpu;
	bool host_exec;
} global = { { true, true, NET_DEFAULT_MTU }, NULL, true };

static void global_load(void)
{
	static bool loaded;
	struct box_config *c = NULL;
	struct cfg_errors e = { 0 };

	if (loaded)
		return;
	loaded = true;
	if (cfg_load_global(&c, &e) == 0) {
		global.net.host_loopback = c->host_loopback;
		global.net.ports_auto = c->ports_auto;
		if (c->mtu)
			global.net.mtu = c->mtu;
		if (cfg_is_set(c, "box", "gpu"))
			global.gpu = cfg_gpu_names[c->gpu];
		global.host_exec = c->host_exec;
		cfg_free(c);
	}
	cfg_errors_done(&e);
}

static const struct net_settings *global_net_settings(void)
{
	global_load();
	return &global.net;
}

static const char *global_gpu_config(void)
{
	global_load();
	return global.gpu;
}

static bool global_host_exec(void)
{
	global_load();
	return global.host_exec;
}

/*
 * BOX_OPTS_TABLE=CMD box CMD: print the options CMD's opts_next() accepts and exit 0,
 * before CMD does anything, one a line: "-x --name ARG" (either name may be missing;
 * ARG when it takes a value). The tests compare them with `box CMD --help`.
 */
static void print_opts_table(const struct opts *o)
{
	const char *want = getenv("BOX_OPTS_TABLE");

	if (!want || !streq(want, o->name))
		return;
	for (const struct option *l = o->longs; l->name; l++) {
		const char *s = l->val > 0 && l->val < 128 ? strchr(o->shorts, l->val) : NULL;
		if (s && *s != ':')
			printf("-%c ", *s);
		printf("--%s%s\n", l->name, l->has_arg == no_argument ? "" : " ARG");
	}
	for (const char *s = o->shorts; *s; s++) {
		if (*s == ':')
			continue;
		bool named = false;
		for (const struct option *l = o->longs; l->name; l++)
			named |= l->val == *s;
		if (!named)
			printf("-%c%s\n", *s, s[1] == ':' ? " ARG" : "");
	}
	exit(fflush(stdout) == 0 ? 0 : EXIT_BOX);
}

/*
 * Started through a wrapper `box export --bin` wrote (a link to box): run the
 * program in its sandbox as `box run SANDBOX -- PATH ARGS...` would, in this
 * process. -1 when this is not such a start.
 */
static int run_exported(int argc, char **argv)
{
	_cleanup_free_ char *sandbox = NULL, *inside = NULL;
	const char *invoked = (const char *)getauxval(AT_EXECFN);
	const struct box_command *run = cmd_find("run");

	if (!run || export_link_lookup(invoked, &sandbox, &inside) != 1)
		return -1;
	if (check_dirs())
		return EXIT_BOX;
	char **v = xcalloc((size_t)argc + 4, sizeof(char *));
	v[0] = (char *)"run";
	v[1] = sandbox;
	v[2] = (char *)"--";
	v[3] = inside;
	for (int i = 1; i < argc; i++)
		v[i + 3] = argv[i];
	int r = run->run(argc + 3, v);
	free(v);
	return r;
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
	struct opts o;

	if (env && *env >= '0' && *env <= '3')
		level = *env - '0';
	log_set_level(level);
	/* Every command that may start a sandbox (enter, start, run, the dashboard) gives
	 * it the userspace network: core/ does not link net/ or config/, so they are
	 * wired here. */
	sandbox_set_net_hooks(net_sandbox_hooks(global_net_settings));
	gpu_set_config_hook(global_gpu_config);
	hostexec_set_config_hook(global_host_exec);
	if (getenv("BOX_OPTS_TABLE"))
		opts_set_observer(print_opts_table);
	/* Under another name than box's: perhaps an exported program's wrapper. */
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int r = streq(base, "box") ? -1 : run_exported(argc, argv);
	if (r >= 0)
		return r;
	/* The first operand is the command: what follows it is the command's. */
	opts_init(&o, argc, argv, "vc:Vh", opts, OPTS_STOP);
	while ((c = opts_next(&o)) != OPTS_END) {
		switch (c) {
		case 'v':
			level++;
			break;
		case 'c':
			arg_config = o.arg;
			break;
		case 'V':
			printf("box %s\n", BOX_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "box: %s; see 'box --help'\n", o.error);
			return EXIT_BOX;
		}
	}
	log_set_level(level);
	if (arg_config)
		setenv("BOX_CONFIG", arg_config, 1);
	if (o.nargs == 0) {
		const struct box_command *dash = cmd_find("dash");
		if (dash && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
			char *dargv[] = { (char *)"dash", NULL };
			return check_dirs() ? EXIT_BOX : dash->run(1, dargv);
		}
		usage(stdout);
		return 0;
	}
	const struct box_command *cmd = cmd_find(o.args[0]);
	if (!cmd) {
		fprintf(stderr, "box: unknown command '%s' (see 'box --help')\n", o.args[0]);
		return EXIT_BOX;
	}
	if (cmd_wants_help(o.nargs, o.args))
		return cmd_help(cmd);
	if (!cmd->hidden && check_dirs())
		return EXIT_BOX;
	return cmd->run(o.nargs, o.args);
}
