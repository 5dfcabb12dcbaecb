/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box allow [--status] [--yes] [FILE]: show what a project's .box.ini will do (image,
 * packages, setup commands, everything that reaches outside the project: mounts by
 * their real path, home, network, host loopback, ports open to other machines,
 * automatic ports, hostname, limits) and approve exactly this content, as direnv's
 * `allow` does, after the user says yes on a terminal. Without a terminal only --yes
 * approves. A file that was never approved, or was edited since, is not acted on.
 * --status only reports the state. Every value is shown escaped: a file cannot hide
 * what it says behind terminal controls or bidi marks.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../config/project.h"
#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static const char usage_text[] =
    "usage: box allow [--status] [--yes] [FILE]\n"
    "\n"
    "Show what FILE (default: the nearest .box.ini upwards) will do and, when you\n"
    "answer y, approve its current content. Without a terminal to ask on, only\n"
    "--yes approves. Editing the file withdraws the approval until the next\n"
    "'box allow'. --status prints the state and exits 0 when allowed, 1 when not.\n"
    "\n"
    "  -s, --status   print the state; exit 0 when allowed, 1 when not\n"
    "  -y, --yes      approve what it shows without asking";

static void show_line(const char *what, const char *value)
{
	_cleanup_free_ char *esc = str_escape(value);
	printf("  %-14s %s\n", what, esc);
}

/* A mount by the path it really binds (symlinks followed), flagged when that is
 * outside the project: a link inside the project can point anywhere. */
static void show_mounts(const struct box_config *c, const char *dir)
{
	_cleanup_free_ char *real_dir = realpath(dir, NULL);

	for (size_t i = 0; i < c->n_mounts; i++) {
		_cleanup_free_ char *src = project_mount_source(dir, c->mounts[i].host);
		_cleanup_free_ char *real = realpath(src, NULL);
		const char *where = real ? real : src;
		bool inside = project_contains(real_dir ? real_dir : dir, where);
		_cleanup_free_ char *via =
		    real && !streq(real, src) ? xasprintf(" (via %s)", src) : xstrdup("");
		_cleanup_free_ char *text =
		    xasprintf("%s%s -> %s%s%s", where, via, c->mounts[i].inside,
			      c->mounts[i].readonly ? " (read-only)" : "",
			      inside ? "" : "  [outside the project]");
		show_line(i ? "" : "mounts:", text);
	}
}

static void show_list(const char *what, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		show_line(i ? "" : what, v[i]);
}

/* A host address other than loopback: the port is open to other machines. */
static bool port_is_public(const char *spec)
{
	const char *colon = strrchr(spec, ':');
	if (!colon)
		return false; /* no address: 127.0.0.1 */
	return !str_startswith(spec, "127.") && !str_startswith(spec, "[::1]");
}

static void show_ports(const struct box_config *c)
{
	for (size_t i = 0; i < c->n_ports; i++) {
		const char *k = c->ports[i].key;
		_cleanup_free_ char *t =
		    xasprintf("%s -> %s%s", k, c->ports[i].value,
			      port_is_public(k) ? "  [open to other machines]" : "");
		show_line(i ? "" : "ports:", t);
	}
	if (cfg_is_set(c, "box", "ports") && c->ports_auto)
		show_line("ports = auto:", "ports listening inside appear on the host's 127.0.0.1");
}

static void show_reach(const struct box_config *c, const char *dir)
{
	static const char *const net[] = { "slirp (its own network)",
					   "host (shares the host's network)",
					   "none (loopback only)" };
	if (cfg_is_set(c, "box", "home")) {
		_cleanup_free_ char *t =
		    c->home == CFG_HOME_PATH
			? xasprintf("%s (read-write)%s", c->home_path,
				    project_contains(dir, c->home_path) ? ""
									: "  [outside the project]")
			: xstrdup(c->home == CFG_HOME_HOST
				      ? "host (your home directory, read-write)"
				      : "isolated (a home of its own)");
		show_line("home:", t);
	}
	if (cfg_is_set(c, "box", "network"))
		show_line("network:", net[c->network]);
	if (cfg_is_set(c, "box", "host_loopback"))
		show_line("host_loopback:", c->host_loopback
						? "yes (reaches services on the host's 127.0.0.1)"
						: "no");
	if (cfg_is_set(c, "box", "host_exec"))
		show_line("host_exec:",
			  c->host_exec ? "yes (commands inside run commands on the host, as you)"
				       : "no");
	if (c->hostname)
		show_line("hostname:", c->hostname);
	if (c->cpus || c->memory || c->pids) {
		char mem[32];
		_cleanup_free_ char *t =
		    xasprintf("cpus %g, memory %s, pids %llu (0: no limit)", c->cpus,
			      c->memory ? format_bytes(c->memory, mem, sizeof(mem)) : "0",
			      (unsigned long long)c->pids);
		show_line("limits:", t);
	}
}

static void show_summary(const char *path, const struct box_config *c)
{
	_cleanup_free_ char *dir = project_dir(path);

	_cleanup_free_ char *esc = str_escape(path);
	printf("%s will:\n", esc);
	show_line("image:", c->image ? c->image : "(the default image)");
	if (c->name)
		show_line("name:", c->name);
	if (c->packages) {
		_cleanup_free_ char *list = xstrdup("");
		for (char **p = c->packages; *p; p++) {
			char *l = xasprintf("%s%s%s", list, *list ? " " : "", *p);
			free(list);
			list = l;
		}
		show_line("install:", list);
	}
	for (size_t i = 0; c->run && c->run[i]; i++) {
		_cleanup_free_ char *t = xasprintf("line %u: %s", c->run_lines[i], c->run[i]);
		show_line(i ? "" : "run:", t);
	}
	show_list("on host:", c->host_init);
	show_list("on start:", c->start);
	for (size_t i = 0; i < c->n_services; i++) {
		_cleanup_free_ char *t =
		    xasprintf("%s: %s", c->services[i].key, c->services[i].value);
		show_line(i ? "" : "services:", t);
	}
	show_list("on enter:", c->attach);
	/* Wrappers in ~/.local/bin come before the host's own programs on most PATHs. */
	if (c->export_bins) {
		_cleanup_free_ char *bins = strv_join(c->export_bins);
		_cleanup_free_ char *t =
		    xasprintf("%s  [programs on the host's PATH run inside the sandbox]", bins);
		show_line("export bins:", t);
	}
	if (c->export_apps) {
		_cleanup_free_ char *apps = strv_join(c->export_apps);
		show_line("export apps:", apps);
	}
	show_mounts(c, dir);
	show_ports(c);
	for (size_t i = 0; i < c->n_env; i++) {
		_cleanup_free_ char *t = xasprintf("%s=%s", c->env[i].key, c->env[i].value);
		show_line(i ? "" : "env:", t);
	}
	show_reach(c, dir);
}

static int status(const char *path, const char *buf, size_t len)
{
	enum trust_state st;
	struct box_err *err = NULL;

	if (trust_check(path, buf, len, &st, &err) < 0)
		return cmd_fail(err, "check approval of '%s'", path);
	printf("%s: %s\n", path, trust_state_to_string(st));
	return st == TRUST_ALLOWED ? 0 : 1;
}

/* y or yes (any case) on the terminal; anything else, or end of input, is no. */
static bool ask_yes(void)
{
	char line[64];

	printf("Allow it? [y/N] ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int approve(const char *path, const char *buf, size_t len, bool yes)
{
	struct cfg_errors errors = { 0 }, warnings = { 0 };
	struct box_config *c = cfg_new();
	struct box_err *err = NULL;
	int r = project_parse(path, buf, len, c, &errors, &warnings);

	for (size_t i = 0; i < warnings.n; i++)
		fprintf(stderr, "%s\n", warnings.msgs[i]);
	cfg_errors_done(&warnings);
	if (r < 0) {
		for (size_t i = 0; i < errors.n; i++)
			fprintf(stderr, "%s\n", errors.msgs[i]);
		cfg_errors_done(&errors);
		cfg_free(c);
		return cmd_error("not approving '%s': fix the problems above first", path);
	}
	show_summary(path, c);
	cfg_free(c);
	if (!yes && !isatty(STDIN_FILENO))
		return cmd_error("not approving '%s': there is no terminal to ask on; after "
				 "reading the above, 'box allow --yes' approves it",
				 path);
	if (!yes && !ask_yes()) {
		printf("not allowed: %s is unchanged\n", path);
		return 1;
	}
	if (trust_allow(path, buf, len, &err) < 0)
		return cmd_fail(err, "approve '%s'", path);
	printf("allowed %s\n", path);
	return 0;
}

static int run_allow(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", no_argument, NULL, 's' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	bool only_status = false, yes = false;
	struct box_err *err = NULL;
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "sy", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 's')
			only_status = true;
		else if (c == 'y')
			yes = true;
		else
			return cmd_opts_error(&p);
	}
	if (p.nargs > 1)
		return cmd_usage_error("allow", "expected one FILE at most");
	if (project_resolve(p.nargs > 0 ? p.args[0] : NULL, &path, &err) < 0)
		return cmd_fail(err, "allow");
	if (fs_read_file(path, 1024 * 1024, &buf, &len, &err) < 0)
		return cmd_fail(err, "allow");
	return only_status ? status(path, buf, len) : approve(path, buf, len, yes);
}

const struct box_command cmd_allow = {
	.name = "allow",
	.summary = "approve a project's .box.ini after showing what it does",
	.usage = usage_text,
	.run = run_allow,
};
