/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box dash [--interval S] [--iterations N]: the live dashboard of every sandbox
 * (plain `box` on a terminal runs it too). The snapshot comes from core/stats; the
 * actions run the box binary itself.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "../tui/dash.h"
#include "../core/util/spawn.h"
#include "../net/live.h"
#include "cmd.h"
#include "../core/project/project_sandbox.h"

static const struct stats_snapshot *dash_snapshot(void *userdata, char **ret_error)
{
	struct stats_ctx *ctx = userdata;
	struct box_err *err = NULL;

	if (stats_refresh(ctx, NULL, &err) < 0) {
		*ret_error = err ? box_err_format(err) : xstrdup("cannot list sandboxes");
		box_err_free(err);
		return NULL;
	}
	return stats_get(ctx);
}

static int dash_run_box(void *userdata, char *const *argv, bool interactive, char **ret_msg)
{
	return spawn_self(argv, interactive, ret_msg);
}

static int run_dash(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct tui_dash_opts o = { .interval_ms = 1000 };
	_cleanup_free_ char *error = NULL;
	uint32_t n;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "i:n:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		switch (c) {
		case 'i':
			if (parse_interval_ms(p.arg, &o.interval_ms) < 0)
				return cmd_usage_error("dash",
						       "invalid --interval '%s' (seconds, "
						       "0.1 to 3600)",
						       p.arg);
			break;
		case 'n':
			if (parse_u32(p.arg, &n) < 0 || n == 0)
				return cmd_usage_error("dash", "invalid --iterations '%s'", p.arg);
			o.iterations = n;
			break;
		default:
			return cmd_opts_error(&p);
		}
	}
	if (p.nargs > 1)
		return cmd_usage_error("dash", "unexpected argument '%s'", p.args[1]);
	/* Start on the named sandbox, or on the project's when inside one. */
	_cleanup_free_ char *select = p.nargs > 0 ? xstrdup(p.args[0]) : proj_sandbox_name();
	o.select = select;
	struct stats_ctx *ctx = stats_ctx_new();
	stats_ctx_set_net(ctx, live_net_counters, NULL);
	stats_ctx_set_net_state_free(ctx, live_net_free);
	struct tui_dash_ops ops = { .snapshot = dash_snapshot,
				    .run = dash_run_box,
				    .userdata = ctx };
	int r = tui_dash_run(&o, &ops, &error);
	stats_ctx_free(ctx);
	if (r < 0)
		return cmd_error("%s", error ? error : "the dashboard failed");
	return 0;
}

const struct box_command cmd_dash = {
	.name = "dash",
	.summary = "live dashboard of all sandboxes (also: plain 'box' on a terminal)",
	.usage = "usage: box dash [--interval S] [--iterations N] [NAME]\n\n"
		 "A table of every sandbox, running and stopped: processes, CPU, memory, network,\n"
		 "ports, uptime and a minute of CPU history, with host totals. Keys: arrows or\n"
		 "j/k move, Enter enters the sandbox, s/S stop/start, d removes, p ports,\n"
		 "i details, / filter, o sort, ? help, q quit. --iterations N exits after N\n"
		 "refreshes (for tests); NO_COLOR turns colours off; LANG=C draws ASCII only.\n"
		 "It starts on NAME, or inside a project on the project's sandbox.\n\n"
		 "  -i, --interval S     seconds between refreshes (default 1)\n"
		 "  -n, --iterations N   exit after N refreshes",
	.run = run_dash,
};
