/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box run: run one command in a fresh sandbox and return its exit status. With
 * --rootfs DIR the directory itself becomes the root (the one-shot launcher,
 * core/sandbox/oneshot.c); without it the command runs in a named sandbox, or with
 * --rm in a sandbox of its own removed afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/host/idmap.h"
#include "../core/sandbox/oneshot.h"
#include "../core/util/xalloc.h"
#include "../net/net.h"
#include "cmd.h"
#include "../core/project/project_sandbox.h"
#include "../core/project/sbx.h"

struct run_args {
	const char *rootfs;
	bool root;
	bool host_net;
	bool slirp;   /* --network slirp: own netns connected by the net helper */
	char **ports; /* -p SPEC, for slirp */
	const char *hostname;
	struct bind_mount *binds;
	size_t n_binds;
	char **env;
	const char *cwd;
	char **argv;		     /* the command (rootfs mode) or NAME CMD... (sandbox mode) */
	bool rm;		     /* --rm: argv[0] is an IMAGE; an ephemeral sandbox from it */
	const char *network;	     /* --network as given */
	bool project;		     /* no NAME ("box run -- CMD"): the project's sandbox */
	enum sandbox_flag host_exec; /* --rm: --host-exec / --no-host-exec */
};

enum { OPT_NO_HOST_EXEC = 0x100, OPT_HOST_EXEC };

static void run_args_done(struct run_args *a)
{
	for (size_t i = 0; i < a->n_binds; i++) {
		free(a->binds[i].host);
		free(a->binds[i].inside);
	}
	free(a->binds);
	strv_free(a->env);
	strv_free(a->ports);
}

/* -v HOST:INSIDE[:ro|:rw] */
static int parse_volume(const char *spec, struct run_args *a)
{
	_cleanup_free_ char *m = NULL;
	if (sbx_parse_volume("run", spec, &m))
		return EXIT_BOX;
	/* "HOST\tINSIDE\tro|rw" */
	char *inside = strchr(m, '\t'), *mode = strchr(inside + 1, '\t');
	*inside++ = '\0';
	*mode++ = '\0';
	a->binds = xrealloc(a->binds, (a->n_binds + 1) * sizeof(*a->binds));
	a->binds[a->n_binds++] = (struct bind_mount){ .host = xstrdup(m),
						      .inside = xstrdup(inside),
						      .readonly = streq(mode, "ro") };
	return 0;
}

static int parse_option(int c, const struct opts *o, struct run_args *a)
{
	switch (c) {
	case 'R':
		a->rootfs = o->arg;
		return 0;
	case 'r':
		a->root = true;
		return 0;
	case 'X':
		a->rm = true;
		return 0;
	case 'n':
		if (!streq(o->arg, "none") && !streq(o->arg, "host") && !streq(o->arg, "slirp"))
			return cmd_usage_error("run", "unknown network '%s' (none, host or slirp)",
					       o->arg);
		a->host_net = streq(o->arg, "host");
		a->slirp = streq(o->arg, "slirp");
		a->network = o->arg;
		return 0;
	case 'p': {
		struct port_spec p;
		struct box_err *e = NULL;
		if (portspec_parse(o->arg, &p, &e) < 0)
			return cmd_fail(e, "-p");
		strv_push(&a->ports, xstrdup(o->arg));
		return 0;
	}
	case 'C':
		arg_project_file = o->arg;
		return 0;
	case 'H':
		if (!*o->arg || strlen(o->arg) > 64)
			return cmd_usage_error("run", "hostname '%s' is empty or too long", o->arg);
		a->hostname = o->arg;
		return 0;
	case 'v':
		return parse_volume(o->arg, a);
	case 'e':
		if (sbx_parse_env("run", o->arg))
			return EXIT_BOX;
		strv_push(&a->env, xstrdup(o->arg));
		return 0;
	case OPT_NO_HOST_EXEC:
	case OPT_HOST_EXEC:
		a->host_exec = c == OPT_HOST_EXEC ? SANDBOX_FLAG_YES : SANDBOX_FLAG_NO;
		return 0;
	case 'w':
		if (o->arg[0] != '/')
			return cmd_usage_error("run", "working directory '%s' must be absolute",
					       o->arg);
		a->cwd = o->arg;
		return 0;
	default:
		return cmd_opts_error(o);
	}
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{ "rootfs", required_argument, NULL, 'R' },
		{ "root", no_argument, NULL, 'r' },
		{ "rm", no_argument, NULL, 'X' },
		{ "network", required_argument, NULL, 'n' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "volume", required_argument, NULL, 'v' },
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "publish", required_argument, NULL, 'p' },
		{ "config", required_argument, NULL, 'C' },
		{ "no-host-exec", no_argument, NULL, OPT_NO_HOST_EXEC },
		{ "host-exec", no_argument, NULL, OPT_HOST_EXEC },
		{ NULL, 0, NULL, 0 },
	};
	struct opts p;
	int c, r;

	/* The first operand (NAME, IMAGE or the command) ends box's own options. */
	opts_init(&p, argc, argv, "v:e:w:p:", opts, OPTS_STOP);
	while ((c = opts_next(&p)) != OPTS_END)
		if ((r = parse_option(c, &p, a)) != 0)
			return r;
	if (a->ports && !a->slirp)
		return cmd_usage_error("run", "-p needs --network slirp");
	a->argv = p.nargs > 0 ? p.args : NULL;
	a->project = !a->rootfs && !a->rm && (!a->argv || p.dashdash);
	if (a->rm && (a->rootfs || !a->argv))
		return cmd_usage_error("run", "--rm takes an IMAGE (and no --rootfs): box run --rm "
					      "IMAGE -- CMD");
	if (a->host_exec && !a->rm)
		return cmd_usage_error("run",
				       "--host-exec and --no-host-exec apply to --rm only (a "
				       "sandbox keeps what it was created with)");
	return 0;
}

/* ---- rootfs mode ---------------------------------------------------------------------- */

static void load_ids(struct box_ids *ids, bool root)
{
	if (!ids->single)
		return;
	/* One warning per run: what the fallback costs, and where to fix it. */
	fprintf(stderr,
		"box: warning: no subordinate ids for '%s' in /etc/subuid and /etc/subgid (or no "
		"newuidmap): only your own id is mapped, so files of other owners show as nobody "
		"and nothing inside can change owners (see 'box doctor')\n",
		ids->user);
	if (root)
		ids->root_single = true;
}

static int run_rootfs_mode(struct run_args *a)
{
	_cleanup_free_ char *rootfs = NULL;
	_cleanup_err_ struct box_err *err = NULL;
	struct box_ids ids;

	if (oneshot_check_rootfs(a->rootfs, a->argv != NULL, &rootfs, &err) < 0)
		return cmd_error("%s", err->msg);
	if (ids_load(&ids, &err) < 0)
		return cmd_fail(TAKE_PTR(err), "load your user and subordinate ids");
	load_ids(&ids, a->root);
	struct oneshot_opts o = {
		.rootfs = rootfs,
		.hostname = a->hostname,
		.binds = a->binds,
		.n_binds = a->n_binds,
		.ids = &ids,
		.root = a->root,
		.argv = a->argv,
		.env = a->env,
		.cwd = a->cwd,
		.network = a->host_net ? ONESHOT_NET_HOST
			   : a->slirp  ? ONESHOT_NET_SLIRP
				       : ONESHOT_NET_NONE,
		.ports = a->ports,
	};
	int r = oneshot_run(&o, &err);
	ids_done(&ids);
	if (r < 0)
		return cmd_fail(TAKE_PTR(err), "start the sandbox");
	/* The command could not be executed (126, 127): say why. */
	if (err) {
		_cleanup_free_ char *m = box_err_format(err);
		fprintf(stderr, "box: %s\n", m);
	}
	return r;
}

/* ---- sandbox mode ------------------------------------------------------------------------ */

/* box run [--root] [-e K=V] [-w DIR] NAME [--] [CMD...]: a command in a named sandbox,
 * started when stopped (never created: that is `box create` or `box enter`). */
/* --rm: a sandbox of its own from the image, removed with everything in it when the
 * command ends (whatever its status; box ignores the terminal's C-c meanwhile). */
static int run_ephemeral(struct run_args *a, const char *image, char **cmd)
{
	_cleanup_free_ char *base = sbx_name_from_image(image);
	_cleanup_free_ char *name = xasprintf("%.40s-rm-%d", base, (int)getpid());
	struct sbx_create o = { .image = image, .network = a->network, .host_exec = a->host_exec };
	struct box_err *err = NULL;
	_cleanup_close_ int lock = -1;

	for (size_t i = 0; i < a->n_binds; i++)
		strv_push(&o.mounts, xasprintf("%s\t%s\t%s", a->binds[i].host, a->binds[i].inside,
					       a->binds[i].readonly ? "ro" : "rw"));
	o.env = a->env;
	int r = sbx_create_run("run", name, &o);
	strv_free(o.mounts);
	if (r)
		return r;
	struct sandbox_join_opts jo = { .root = a->root, .argv = *cmd ? cmd : NULL, .cwd = a->cwd };
	/* Joined from a child: this process stays outside to remove the sandbox. */
	int status = sbx_start(name);
	if (status == 0 && (status = sandbox_join_forked(name, &jo, &err)) < 0)
		status = cmd_fail(TAKE_PTR(err), "enter sandbox '%s'", name);
	if (sandbox_stop(name, 5000, &err) < 0 || (lock = sandbox_lock(name, true, &err)) < 0 ||
	    sandbox_remove(name, &err) < 0) {
		cmd_fail(err, "remove the sandbox '%s' of --rm", name);
		return status ? status : EXIT_BOX;
	}
	return status;
}

static int run_sandbox_mode(struct run_args *a)
{
	/* `box run -- CMD` (or no arguments): the sandbox of the project around here. */
	if (a->project)
		return proj_enter("run", a->argv, a->root);
	if (!a->argv || !a->argv[0])
		return cmd_usage_error("run", "expected --rootfs DIR or a sandbox NAME");
	if (!a->rm && (a->n_binds || a->hostname || a->host_net))
		return cmd_usage_error("run",
				       "--volume, --hostname and --network apply to --rootfs "
				       "only; a sandbox keeps what it was created with");
	const char *name = a->argv[0];
	char **cmd = a->argv + 1;
	if (*cmd && streq(*cmd, "--"))
		cmd++;
	if (a->rm)
		return run_ephemeral(a, name, cmd);
	if (!sandbox_exists(name))
		return cmd_error("no sandbox named '%s' (create it with 'box create' or 'box "
				 "enter')",
				 name);
	struct sandbox_join_opts jo = {
		.root = a->root, .argv = *cmd ? cmd : NULL, .env = a->env, .cwd = a->cwd
	};
	return sbx_enter(name, &jo);
}

static int run_run(int argc, char **argv)
{
	struct run_args a = { 0 };
	int r = parse_args(argc, argv, &a);

	if (r == 0)
		r = a.rootfs ? run_rootfs_mode(&a) : run_sandbox_mode(&a);
	run_args_done(&a);
	return r;
}

const struct box_command cmd_run = {
	.name = "run",
	.summary = "run a command in a sandbox, or in a root filesystem with --rootfs",
	.usage = "usage: box run --rootfs DIR [OPTIONS] [--] [CMD [ARGS...]]\n"
		 "       box run [--root] [-e K=V] [-w DIR] NAME [--] [CMD [ARGS...]]\n"
		 "       box run --rm [-v ...] [-e K=V] IMAGE [--] [CMD [ARGS...]]\n"
		 "\n"
		 "Run CMD (default: your login shell) in a new sandbox whose root is DIR,\n"
		 "or in the sandbox NAME (started when stopped), as yourself (same uid\n"
		 "inside), and return its exit status.\n"
		 "\n"
		 "With --rootfs, the first run leaves box-userns behind: a process with no\n"
		 "capabilities that keeps a user namespace with your subordinate ids mapped,\n"
		 "which the next runs join instead of running newuidmap and newgidmap. It\n"
		 "exits BOX_USERNS_IDLE seconds after the last one (default 300; 0: none).\n"
		 "\n"
		 "options:\n"
		 "  --rootfs DIR          the root filesystem (a directory)\n"
		 "  --root                run as root inside (a subordinate id outside)\n"
		 "  --rm                  in a new sandbox from IMAGE, removed when CMD ends\n"
		 "  --network none|host|slirp  loopback only (default), the host's network,\n"
		 "                        or a private network with outbound access (slirp)\n"
		 "  -p, --publish [ADDR:]HOSTPORT:PORT[/udp]  forward a host port (slirp)\n"
		 "  --hostname NAME       the hostname inside\n"
		 "  -v, --volume HOST:/PATH[:ro]  bind a host path into the sandbox\n"
		 "  -e, --env KEY=VALUE   set an environment variable (KEY alone: the host's)\n"
		 "  -w, --workdir DIR     the working directory inside (default: home)\n"
		 "  --no-host-exec        --rm: box-host-exec inside is off (--host-exec: on,\n"
		 "                        whatever config.ini's [box] host_exec says)\n"
		 "  --config FILE         the project file to use (.box.ini or devcontainer.json)\n"
		 "\n"
		 "exit status: the command's; 125 box failed, 126 cannot execute, 127 not found,\n"
		 "128+N killed by signal N",
	.run = run_run,
};
