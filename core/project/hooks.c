/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A project's hooks and services around a start or an enter: each failing hook is
 * reported with its exit status and the sandbox goes on (see hooks.h).
 */
#include <stdio.h>
#include <unistd.h>

#include "../../config/devcontainer.h"
#include "../../config/project.h"
#include "../sandbox/sandbox.h"
#include "../sandbox/services.h"
#include "../util/exit.h"
#include "../util/log.h"
#include "../util/report.h"
#include "../util/xalloc.h"
#include "hooks.h"
#include "project_sandbox.h"
#include "sbx.h"

static void failed(const char *cmd, int status, void *arg)
{
	log_out_note("%s '%s' failed with exit status %d; the sandbox runs anyway",
		     (const char *)arg, cmd, status);
}

static void run_hooks(const char *name, char *const *cmds, const char *cwd, const char *what)
{
	struct box_err *err = NULL;

	if (services_run_hooks(name, cmds, cwd, failed, (void *)what, &err) < 0) {
		_cleanup_free_ char *m = box_err_format(err);
		log_out_warning("%s of '%s' not run: %s", what, name, m);
		box_err_free(err);
	}
}

void hooks_after_start(const char *name)
{
	struct sandbox_config *c = NULL;
	struct box_err *err = NULL;

	if (sandbox_config_load(name, &c, NULL) < 0)
		return;
	run_hooks(name, c->start, c->project, "[start]");
	if (services_start(name, c, &err) < 0) {
		_cleanup_free_ char *m = box_err_format(err);
		log_out_warning("the services of '%s' did not start: %s", name, m);
		box_err_free(err);
	}
	sandbox_config_free(c);
}

int hooks_before_enter(const char *name)
{
	struct sandbox_config *c = NULL;
	struct box_err *err = NULL;

	if (sandbox_config_load(name, &c, NULL) < 0 || !c->attach) {
		sandbox_config_free(c);
		return 0;
	}
	sbx_upgrade_config(name);
	int r = sandbox_start(name, &err);
	if (r < 0) {
		sandbox_config_free(c);
		return report_fail(err, "start sandbox '%s'", name);
	}
	if (r == 0) {
		sbx_limit_warnings(name);
		hooks_after_start(name);
	}
	run_hooks(name, c->attach, c->project, "postAttachCommand");
	sandbox_config_free(c);
	return 0;
}

int hooks_no_project(const char *cmd, struct box_err *err)
{
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	_cleanup_strv_free_ char **named = cwd ? devcontainer_list_named(cwd) : NULL;

	if (arg_project_file)
		return report_fail(err, "use '%s' as the project file", arg_project_file);
	box_err_free(err);
	if (named)
		return report_error("no .box.ini or devcontainer.json here, but %zu configurations "
				    "in .devcontainer/: choose one with 'box %s --config %s'",
				    strv_length(named), cmd, named[0]);
	return report_error("no .box.ini here or in any directory above: name a sandbox "
			    "('box %s NAME') or create a .box.ini with 'box init'",
			    cmd);
}

void hooks_print_warnings(const struct project *p)
{
	for (size_t i = 0; i < p->warnings.n; i++)
		log_out_line("%s", p->warnings.msgs[i]);
}

static void host_failed(const char *cmd, int status, void *arg)
{
	log_out_note("initializeCommand '%s' failed with exit status %d", cmd, status);
}

int hooks_host_init(const struct project *p)
{
	struct box_err *err = NULL;
	int r = services_run_host(p->config->host_init, p->dir, host_failed, NULL, &err);

	if (r < 0)
		return report_fail(err, "run the initializeCommand of '%s'", p->file);
	if (r > 0)
		return report_error(
		    "'%s': the sandbox is not made until initializeCommand succeeds", p->file);
	return 0;
}
