/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box allow [--status] [FILE]: show what a project's .box.ini will do (image,
 * packages, setup commands, mounts outside the project, ports, environment) and
 * approve exactly this content, as direnv's `allow` does. A file that was never
 * approved, or was edited since, is not acted on. --status only reports the state.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../config/project.h"
#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

static const char usage_text[] =
    "usage: box allow [--status] [FILE]\n"
    "\n"
    "Show what FILE (default: the nearest .box.ini upwards) will do and approve its\n"
    "current content. Editing the file withdraws the approval until the next\n"
    "'box allow'. --status prints the state and exits 0 when allowed, 1 when not.";

static void show_line(const char *what, const char *value)
{
	_cleanup_free_ char *esc = str_escape(value);
	printf("  %-9s %s\n", what, esc);
}

static void show_mounts(const struct box_config *c, const char *dir)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		_cleanup_free_ char *src = project_mount_source(dir, c->mounts[i].host);
		_cleanup_free_ char *text =
		    xasprintf("%s -> %s%s%s", src, c->mounts[i].inside,
			      c->mounts[i].readonly ? " (read-only)" : "",
			      project_contains(dir, src) ? "" : "  [outside the project]");
		show_line(i ? "" : "mounts:", text);
	}
}

static void show_list(const char *what, char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		show_line(i ? "" : what, v[i]);
}

static void show_summary(const char *path, const struct box_config *c)
{
	_cleanup_free_ char *dir = project_dir(path);

	printf("%s will:\n", path);
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
	show_mounts(c, dir);
	for (size_t i = 0; i < c->n_ports; i++) {
		_cleanup_free_ char *t = xasprintf("%s -> %s", c->ports[i].key, c->ports[i].value);
		show_line(i ? "" : "ports:", t);
	}
	for (size_t i = 0; i < c->n_env; i++) {
		_cleanup_free_ char *t = xasprintf("%s=%s", c->env[i].key, c->env[i].value);
		show_line(i ? "" : "env:", t);
	}
	if (c->network == CFG_NET_HOST)
		show_line("network:", "host (shares the host's network)");
	if (c->home == CFG_HOME_PATH)
		show_line("home:", c->home_path);
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

static int approve(const char *path, const char *buf, size_t len)
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
	if (trust_allow(path, buf, len, &err) < 0)
		return cmd_fail(err, "approve '%s'", path);
	printf("allowed %s\n", path);
	return 0;
}

static int run_allow(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "status", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	bool only_status = false;
	struct box_err *err = NULL;
	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len;
	int c;

	while ((c = getopt_long(argc, argv, "+s", opts, NULL)) != -1) {
		if (c != 's')
			return cmd_usage_error("allow", "unknown option");
		only_status = true;
	}
	if (argc - optind > 1)
		return cmd_usage_error("allow", "expected one FILE at most");
	if (project_resolve(optind < argc ? argv[optind] : NULL, &path, &err) < 0)
		return cmd_fail(err, "allow");
	if (fs_read_file(path, 1024 * 1024, &buf, &len, &err) < 0)
		return cmd_fail(err, "allow");
	return only_status ? status(path, buf, len) : approve(path, buf, len);
}

const struct box_command cmd_allow = {
	.name = "allow",
	.summary = "approve a project's .box.ini after showing what it does",
	.usage = usage_text,
	.run = run_allow,
};
