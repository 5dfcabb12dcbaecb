/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box export NAME (--bin PATH [--as NAME2] [--dir DIR] | --app APP | --list |
 * --delete ITEM): a sandbox's programs and applications on the host (see
 * core/sandbox/export.h). The sandbox is started when it is stopped: what to
 * export is looked up inside it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/sandbox/export.h"
#include "../core/sandbox/sandbox.h"
#include "../core/util/paths.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "../core/project/sbx.h"

enum { OPT_BIN = 0x100, OPT_APP, OPT_AS, OPT_DIR, OPT_LIST, OPT_DELETE };

struct export_args {
	struct export_opts o;
	const char *bin, *app, *del;
	bool list;
};

static int parse(int argc, char **argv, struct export_args *a)
{
	static const struct option opts[] = { { "bin", required_argument, NULL, OPT_BIN },
					      { "app", required_argument, NULL, OPT_APP },
					      { "as", required_argument, NULL, OPT_AS },
					      { "dir", required_argument, NULL, OPT_DIR },
					      { "list", no_argument, NULL, OPT_LIST },
					      { "delete", required_argument, NULL, OPT_DELETE },
					      { NULL, 0, NULL, 0 } };
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == OPT_BIN)
			a->bin = p.arg;
		else if (c == OPT_APP)
			a->app = p.arg;
		else if (c == OPT_AS)
			a->o.as = p.arg;
		else if (c == OPT_DIR)
			a->o.dir = p.arg;
		else if (c == OPT_LIST)
			a->list = true;
		else if (c == OPT_DELETE)
			a->del = p.arg;
		else
			return cmd_opts_error(&p);
	}
	if (p.nargs != 1)
		return cmd_usage_error("export", "expected one sandbox NAME");
	if (!!a->bin + !!a->app + a->list + !!a->del != 1)
		return cmd_usage_error("export", "give one of --bin, --app, --list or --delete");
	if ((a->o.as || a->o.dir) && !a->bin)
		return cmd_usage_error("export", "--as and --dir go with --bin");
	if (a->o.dir && a->o.dir[0] != '/')
		return cmd_usage_error("export", "--dir '%s' must be an absolute path", a->o.dir);
	a->o.sandbox = p.args[0];
	a->o.what = a->bin ? a->bin : a->app;
	a->o.box_path = paths_self_exe();
	return 0;
}

static int list(const char *name)
{
	_cleanup_strv_free_ char **lines = NULL;
	struct box_err *err = NULL;

	if (export_list(name, &lines, &err) < 0)
		return cmd_fail(err, "export");
	for (char **l = lines; *l; l++) {
		/* KIND\tITEM\tPATH, as columns */
		char *t1 = strchr(*l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (t2)
			printf("%-5.*s %-24.*s %s\n", (int)(t1 - *l), *l, (int)(t2 - t1 - 1),
			       t1 + 1, t2 + 1);
	}
	return 0;
}

static int print_paths(const char *verb, char **paths)
{
	for (char **p = paths; p && *p; p++)
		printf("%s %s\n", verb, *p);
	strv_free(paths);
	return 0;
}

static int run_export(int argc, char **argv)
{
	struct export_args a = { 0 };
	struct box_err *err = NULL;
	char **paths = NULL;
	char *path = NULL;
	int r = parse(argc, argv, &a);

	if (r)
		return r;
	if (a.list)
		return list(a.o.sandbox);
	if (a.del) {
		if (export_delete(a.o.sandbox, a.del, &paths, &err) < 0)
			return cmd_fail(err, "export --delete");
		return print_paths("removed", paths);
	}
	if (!sandbox_exists(a.o.sandbox))
		return cmd_no_sandbox(a.o.sandbox);
	if ((r = sbx_start(a.o.sandbox)) != 0)
		return r;
	r = a.bin ? export_bin(&a.o, &path, &err) : export_app(&a.o, &paths, &err);
	if (r < 0)
		return cmd_fail(err, "export");
	if (path)
		strv_push(&paths, path);
	return print_paths("wrote", paths);
}

const struct box_command cmd_export = {
	.name = "export",
	.summary = "put a sandbox's program or application on the host",
	.usage = "usage: box export NAME --bin PATH [--as NAME2] [--dir DIR]\n"
		 "       box export NAME --app APP\n"
		 "       box export NAME --list | --delete ITEM\n\n"
		 "  --bin PATH     write an executable wrapper (in ~/.local/bin, or --dir DIR)\n"
		 "                 that runs PATH (or a name on the sandbox's PATH) inside NAME\n"
		 "                 with your arguments, directory, terminal and exit status\n"
		 "  --as NAME2     the wrapper's name (default: PATH's basename)\n"
		 "  --app APP      copy APP.desktop (or the entry whose Name is APP) and its\n"
		 "                 icons to ~/.local/share; it starts through box\n"
		 "  --list         what was exported from NAME\n"
		 "  --delete ITEM  remove an export (a wrapper's or app's name, or its path)\n\n"
		 "The sandbox is started when stopped. A file box did not write is never\n"
		 "overwritten; 'box rm NAME' removes everything exported from it.",
	.run = run_export,
};
