/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box run: run one command in a fresh sandbox and return its exit status. With
 * --rootfs DIR the directory itself becomes the root (the plain launcher: new user,
 * mount, pid, uts, ipc and network namespaces, no image store involved); without
 * it the command runs in a named sandbox. The process tree is
 *   box (waits, forwards SIGTERM/SIGHUP) -> PID 1 (init_loop) -> the command,
 * and the command runs on the caller's terminal directly, so job control works.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/sandbox/container.h"
#include "../core/util/fs.h"
#include "../core/host/idmap.h"
#include "../core/util/log.h"
#include "../core/userland/rootpath.h"
#include "../core/util/spawn.h"
#include "../core/util/xalloc.h"
#include "../net/net.h"
#include "cmd.h"
#include "../core/project/project_sandbox.h"
#include "../core/project/sbx.h"

struct run_args {
	const char *rootfs;
	bool root;
	bool host_net;
	bool slirp;	    /* --network slirp: own netns connected by the net helper */
	char **ports;	    /* -p SPEC, for slirp */
	bool host_loopback; /* slirp: from the global config */
	uint32_t mtu;
	const char *hostname;
	struct bind_mount *binds;
	size_t n_binds;
	char **env;
	const char *cwd;
	char **argv;	     /* the command (rootfs mode) or NAME CMD... (sandbox mode) */
	bool rm;	     /* --rm: argv[0] is an IMAGE; an ephemeral sandbox from it */
	const char *network; /* --network as given */
	bool project;	     /* no NAME ("box run -- CMD"): the project's sandbox */
};

/* What PID 1 needs, prepared before the clone (the child must not allocate much). */
struct run_ctx {
	struct rootfs_opts ropts;
	struct exec_opts eopts;
	bool new_net;
	int tap_sock; /* slirp: PID 1's end of the socket that carries the tap fd out */
	uint32_t mtu;
};

static pid_t forward_pid;

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
	return 0;
}

/* ---- rootfs mode ---------------------------------------------------------------------- */

static void forward_signal(int sig, siginfo_t *si, void *uc)
{
	/* A hangup from the terminal reaches the command's process group by itself. */
	if (si->si_code != SI_KERNEL && forward_pid > 0)
		kill(forward_pid, sig);
}

/*
 * While the command runs: SIGINT and SIGQUIT from the terminal go to the command
 * (it is in the foreground group), so box ignores them; SIGTERM and SIGHUP sent to
 * box are passed to PID 1, which passes them to the command.
 */
static void parent_signals(pid_t pid)
{
	struct sigaction sa = { .sa_sigaction = forward_signal,
				.sa_flags = SA_SIGINFO | SA_RESTART };

	forward_pid = pid;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

/*
 * slirp: create tap0 in the new netns (with /dev/net/tun still the host's), hand
 * the fd to box outside, and wait until its net helper runs, so the command never
 * starts without a network.
 */
static int tap_out(struct run_ctx *c, struct box_err **err)
{
	char ready;
	int fd, r = net_tap_setup(c->mtu, &fd, err);

	if (r < 0)
		return r;
	r = net_send_fd(c->tap_sock, fd);
	close(fd);
	if (r < 0)
		return box_err_set(err, -r, "pass the tap device out of the sandbox");
	if (read(c->tap_sock, &ready, 1) != 1)
		return box_err_set(err, EPIPE, "the network helper did not start");
	close(c->tap_sock);
	c->tap_sock = -1;
	return 0;
}

/* PID 1 of the sandbox, root of the new user namespace. */
static int rootfs_child(struct spawn_ctx *sc, struct box_err **err)
{
	struct run_ctx *c = sc->arg;
	pid_t pid;
	int r;

	/* When box is killed, PID 1 dies, and with it every process of the sandbox. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "box-init");
	if (c->new_net && (r = container_loopback_up(err)) < 0)
		return r;
	if (c->tap_sock >= 0 && (r = tap_out(c, err)) < 0)
		return r;
	r = rootfs_setup(&c->ropts, err);
	if (r < 0)
		return r;
	init_block_signals();
	pid = fork();
	if (pid < 0)
		return box_err_set(err, errno, "fork the command");
	if (pid == 0) {
		struct box_err *e = NULL;
		r = container_exec(&c->eopts, &e);
		sync_send_error(sc->sync_fd, e);
		_exit(container_exec_failure_status(r));
	}
	/* The sync socket now reaches EOF when the command has exec'd (or reported). */
	close(sc->sync_fd);
	sc->sync_fd = -1;
	return init_loop(pid);
}

/* An error report from the sandbox, or 0 at EOF (the command is running). */
static int read_report(int fd, struct box_err **err)
{
	int32_t hdr;
	ssize_t n;

	do
		n = recv(fd, &hdr, sizeof(hdr), MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	int r = sync_recv(fd, "the sandbox", err);
	return r < 0 ? r : 0;
}

static int check_rootfs(const char *rootfs, bool have_command)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (rootfd < 0)
		return cmd_error("rootfs '%s': %s (give the directory of a root filesystem)",
				 rootfs, strerror(errno));
	if (have_command)
		return 0;
	fd = root_open(rootfd, "bin/sh", O_PATH);
	if (fd < 0)
		fd = root_open(rootfd, "bin/bash", O_PATH);
	if (fd < 0)
		return cmd_error("rootfs '%s' has no /bin/sh to start: is it a root filesystem? "
				 "(or give a command to run)",
				 rootfs);
	close(fd);
	return 0;
}

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

/*
 * slirp, outside: receive the tap fd from PID 1, start the net helper on it, and
 * release PID 1. A failure before the fd arrives is PID 1's, reported on sync.
 */
static int start_network(struct run_args *a, pid_t pid, int sock, int sync, pid_t *ret_helper)
{
	_cleanup_err_ struct box_err *err = NULL;
	_cleanup_close_ int tap = -1;
	struct net_helper_opts o = {
		.init_pid = pid,
		.mtu = a->mtu,
		.host_loopback = a->host_loopback,
		.ports = a->ports,
	};
	int r = net_recv_fd(sock, &tap);

	if (r < 0) {
		if (read_report(sync, &err) < 0)
			return cmd_fail(TAKE_PTR(err), "start the sandbox");
		return cmd_error("start the sandbox: no tap device from the sandbox: %s",
				 strerror(-r));
	}
	o.tap_fd = tap;
	if (net_helper_start(&o, ret_helper, &err) < 0)
		return cmd_fail(TAKE_PTR(err), "start the sandbox");
	if (fs_write_all(sock, "1", 1) < 0)
		return cmd_error("start the sandbox: release it: %s", strerror(errno));
	return 0;
}

/* host_loopback and mtu of the global config (the defaults when it cannot be read). */
static void net_config(struct run_args *a)
{
	struct box_config *gc = NULL;
	struct cfg_errors ce = { 0 };

	a->host_loopback = true;
	a->mtu = NET_DEFAULT_MTU;
	if (cfg_load_global(&gc, &ce) == 0) {
		a->host_loopback = gc->host_loopback;
		if (gc->mtu)
			a->mtu = gc->mtu;
		cfg_free(gc);
	}
	cfg_errors_done(&ce);
}

static int run_rootfs_mode(struct run_args *a)
{
	_cleanup_free_ char *rootfs = realpath(a->rootfs, NULL);
	_cleanup_err_ struct box_err *err = NULL;
	_cleanup_close_ int sync = -1, tap_sock = -1;
	_cleanup_free_ char *resolv = NULL, *host_resolv = NULL;
	struct box_ids ids;
	pid_t pid, helper = 0;
	int r, sv[2] = { -1, -1 };

	if (!rootfs || !is_dir(rootfs))
		return cmd_error("rootfs '%s': %s (give the directory of a root filesystem)",
				 a->rootfs, strerror(rootfs ? ENOTDIR : errno));
	if ((r = check_rootfs(rootfs, a->argv != NULL)) != 0)
		return r;
	if (ids_load(&ids, &err) < 0)
		return cmd_fail(TAKE_PTR(err), "load your user and subordinate ids");
	load_ids(&ids, a->root);
	struct run_ctx c = {
		.ropts = { .rootfs = rootfs,
			   .hostname = a->hostname,
			   .binds = a->binds,
			   .n_binds = a->n_binds,
			   .host_etc_files = true,
			   .host_net = a->host_net },
		.eopts = { .ids = &ids,
			   .root = a->root,
			   .argv = a->argv,
			   .env = a->env,
			   .cwd = a->cwd },
		.new_net = !a->host_net,
		.tap_sock = -1,
	};
	if (a->slirp) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return cmd_error("create a socket pair: %s", strerror(errno));
		tap_sock = sv[0];
		c.tap_sock = sv[1];
		fs_read_file("/etc/resolv.conf", 65536, &host_resolv, NULL, NULL);
		resolv = net_resolv_conf(host_resolv);
		c.ropts.resolv_conf = resolv;
		net_config(a);
		c.mtu = a->mtu;
		c.ropts.hosts_extra = a->host_loopback ? NET_HOSTS_EXTRA : NULL;
	}
	uint64_t flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
			 (a->host_net ? 0 : CLONE_NEWNET);
	r = spawn_userns(&ids, flags, rootfs_child, &c, &pid, &sync, &err);
	if (c.tap_sock >= 0)
		close(c.tap_sock);
	if (r < 0) {
		ids_done(&ids);
		return cmd_fail(TAKE_PTR(err), "start the sandbox");
	}
	parent_signals(pid);
	if (a->slirp && (r = start_network(a, pid, tap_sock, sync, &helper)) != 0) {
		kill(pid, SIGKILL);
		spawn_wait_status(pid);
		ids_done(&ids);
		return r;
	}
	r = read_report(sync, &err);
	int status = spawn_wait_status(pid);
	if (helper > 0) {
		kill(helper, SIGTERM);
		spawn_wait_status(helper);
	}
	if (r < 0) {
		_cleanup_free_ char *m = box_err_format(err);
		fprintf(stderr, "box: %s\n", m);
	}
	ids_done(&ids);
	return status < 0 ? EXIT_BOX : status;
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
	struct sbx_create o = { .image = image, .network = a->network };
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
		 "  --config FILE         the project file to use (.box.ini or devcontainer.json)\n"
		 "\n"
		 "exit status: the command's; 125 box failed, 126 cannot execute, 127 not found,\n"
		 "128+N killed by signal N",
	.run = run_run,
};
