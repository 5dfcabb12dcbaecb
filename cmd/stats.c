/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box stats [NAME...] [--no-stream] [--interval S] [--format json|table]: live CPU,
 * memory, processes, network and disk of running sandboxes, like `podman stats`. On a
 * terminal the table is redrawn in place; otherwise each refresh is printed after the
 * previous one. JSON is one object per sandbox per line, for scripts.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/util/log.h"
#include "../core/util/paths.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "../tui/format.h"
#include "../core/util/spawn.h"
#include "../net/live.h"
#include "cmd.h"

/* --no-stream gives CPU since the previous --no-stream (its readings are kept in the
 * runtime dir's stats-cpu); without one, over this window (a single read has no rate). */
#define NO_STREAM_WINDOW_MS 100

static bool arg_no_stream, arg_json, arg_all;
static unsigned arg_interval_ms = 1000;
static unsigned arg_iterations;

static void print_json_row(const struct stats_row *r, time_t now)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "image", r->image ? json_object_new_string(r->image) : NULL);
	json_object_object_add(o, "state", json_object_new_string(stats_state_name(r->state)));
	json_object_object_add(o, "pids", json_object_new_int64((int64_t)r->pids));
	char cpu[32];
	/* Two decimals, printed as such rather than as the nearest binary double. */
	snprintf(cpu, sizeof(cpu), "%.2f", r->cpu < 0 ? 0 : r->cpu);
	json_object_object_add(o, "cpu_percent", json_object_new_double_s(strtod(cpu, NULL), cpu));
	json_object_object_add(o, "memory_bytes", json_object_new_int64((int64_t)r->memory));
	json_object_object_add(o, "memory_source",
			       json_object_new_string(r->memory_from_proc ? "proc" : "cgroup"));
	json_object_object_add(o, "net_rx_bytes",
			       r->net_known ? json_object_new_int64((int64_t)r->net_rx) : NULL);
	json_object_object_add(o, "net_tx_bytes",
			       r->net_known ? json_object_new_int64((int64_t)r->net_tx) : NULL);
	json_object_object_add(o, "ports", r->ports ? json_object_new_string(r->ports) : NULL);
	json_object_object_add(o, "uptime_seconds", json_object_new_int64((int64_t)r->uptime));
	json_object_object_add(o, "disk_bytes",
			       r->disk_known ? json_object_new_int64((int64_t)r->disk) : NULL);
	json_object_object_add(o, "init_pid", json_object_new_int(r->init_pid));
	json_object_object_add(o, "cgroup", r->cgroup ? json_object_new_string(r->cgroup) : NULL);
	json_object_object_add(o, "time", json_object_new_int64((int64_t)now));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_table(const struct stats_snapshot *s, bool tty)
{
	char mem[16], rx[16], tx[16], disk[16], up[16], name[64];

	if (tty)
		fputs("\033[H\033[J", stdout);
	printf("%-20s %-8s %7s %9s %19s %5s %8s %9s\n", "NAME", "STATE", "CPU %", "MEM",
	       "NET IO (RX / TX)", "PIDS", "UPTIME", "DISK");
	for (size_t i = 0; i < s->n; i++) {
		const struct stats_row *r = &s->rows[i];
		char net[40];
		if (!arg_all && r->state != SANDBOX_RUNNING)
			continue;
		_cleanup_free_ char *esc = str_escape(r->name);
		snprintf(name, sizeof(name), "%s", esc);
		if (r->net_known)
			snprintf(net, sizeof(net), "%s / %s",
				 format_bytes(r->net_rx, rx, sizeof(rx)),
				 format_bytes(r->net_tx, tx, sizeof(tx)));
		else
			snprintf(net, sizeof(net), "-- / --");
		printf("%-20s %-8s %6.2f%% %9s %19s %5llu %8s %9s\n", name,
		       stats_state_name(r->state), r->cpu < 0 ? 0 : r->cpu,
		       format_bytes(r->memory, mem, sizeof(mem)), net, (unsigned long long)r->pids,
		       tui_fmt_uptime(r->uptime, up, sizeof(up)),
		       r->disk_known ? format_bytes(r->disk, disk, sizeof(disk)) : "--");
	}
	fflush(stdout);
}

static void print_snapshot(const struct stats_snapshot *s)
{
	if (arg_json) {
		time_t now = time(NULL);
		for (size_t i = 0; i < s->n; i++)
			if (arg_all || s->rows[i].state == SANDBOX_RUNNING)
				print_json_row(&s->rows[i], now);
		fflush(stdout);
	} else {
		print_table(s, !arg_no_stream && isatty(STDOUT_FILENO));
	}
}

static int check_names(const struct stats_snapshot *s, char **names)
{
	for (char **n = names; n && *n; n++) {
		bool found = false;
		for (size_t i = 0; i < s->n && !found; i++)
			found = streq(s->rows[i].name, *n);
		if (!found)
			return cmd_no_sandbox(*n);
	}
	return 0;
}

static int parse_args(int argc, char **argv, char ***names)
{
	static const struct option opts[] = {
		{ "no-stream", no_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "iterations", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts p;
	uint32_t n;
	int c;

	opts_init(&p, argc, argv, "ai:", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		switch (c) {
		case 'n':
			arg_no_stream = true;
			break;
		case 'a':
			arg_all = true;
			break;
		case 'i':
			if (parse_interval_ms(p.arg, &arg_interval_ms) < 0)
				return cmd_usage_error("stats",
						       "invalid --interval '%s' (seconds, "
						       "0.1 to 3600)",
						       p.arg);
			break;
		case 'f':
			if (streq(p.arg, "json"))
				arg_json = true;
			else if (!streq(p.arg, "table"))
				return cmd_usage_error("stats",
						       "unknown --format '%s' (json or "
						       "table)",
						       p.arg);
			break;
		case 'N':
			if (parse_u32(p.arg, &n) < 0 || n == 0)
				return cmd_usage_error("stats", "invalid --iterations '%s'", p.arg);
			arg_iterations = n;
			break;
		default:
			return cmd_opts_error(&p);
		}
	}
	for (int i = 0; i < p.nargs; i++)
		strv_push(names, xstrdup(p.args[i]));
	return 0;
}

/* One sample: CPU % since the previous run's readings, or over a short window. */
static int run_once(struct stats_ctx *ctx, char **names)
{
	_cleanup_free_ char *rt = paths_runtime_dir();
	_cleanup_free_ char *path = xasprintf("%s/stats-cpu", rt);
	struct box_err *err = NULL;
	int r;

	stats_ctx_set_one_shot(ctx);
	if (!stats_prev_load(ctx, path)) {
		if (stats_refresh(ctx, names, &err) < 0)
			return cmd_fail(err, "read sandbox stats");
		usleep(NO_STREAM_WINDOW_MS * 1000);
	}
	if (stats_refresh(ctx, names, &err) < 0)
		return cmd_fail(err, "read sandbox stats");
	r = check_names(stats_get(ctx), names);
	if (r)
		return r;
	print_snapshot(stats_get(ctx));
	stats_prev_save(ctx, names, path);
	return 0;
}

static int run_stats(int argc, char **argv)
{
	_cleanup_strv_free_ char **names = NULL;
	struct stats_ctx *ctx;
	struct box_err *err = NULL;
	int r = parse_args(argc, argv, &names);

	if (r)
		return r;
	ctx = stats_ctx_new();
	stats_ctx_set_net(ctx, live_net_counters, NULL);
	stats_ctx_set_net_state_free(ctx, live_net_free);
	if (arg_no_stream) {
		r = run_once(ctx, names);
		stats_ctx_free(ctx);
		return r;
	}
	if (stats_refresh(ctx, names, &err) < 0) {
		stats_ctx_free(ctx);
		return cmd_fail(err, "read sandbox stats");
	}
	r = check_names(stats_get(ctx), names);
	for (unsigned done = 0; r == 0; done++) {
		usleep(arg_interval_ms * 1000);
		if (stats_refresh(ctx, names, &err) < 0) {
			r = cmd_fail(err, "read sandbox stats");
			break;
		}
		print_snapshot(stats_get(ctx));
		if (arg_iterations && done + 1 >= arg_iterations)
			break;
	}
	stats_ctx_free(ctx);
	return r;
}

const struct box_command cmd_stats = {
	.name = "stats",
	.summary = "live CPU, memory, network and disk of running sandboxes",
	.usage = "usage: box stats [NAME...] [--no-stream] [--interval S] [--format json|table] "
		 "[--all]\n\n"
		 "Shows each running sandbox's CPU (% of one core), memory, processes, network\n"
		 "I/O, uptime and writable-layer size, refreshed every --interval seconds\n"
		 "(default 1). --no-stream prints one sample and exits: CPU since the previous\n"
		 "--no-stream (or since the sandbox started, if later; the first time, over\n"
		 "a tenth of a second).\n"
		 "--format json prints one JSON object per sandbox per line. --all includes\n"
		 "stopped sandboxes. Memory is the cgroup's memory.current, or where the memory\n"
		 "controller is not delegated, the sum of the processes' resident memory\n"
		 "(\"memory_source\": \"proc\").\n\n"
		 "  --no-stream          one sample, then exit\n"
		 "  -i, --interval S     seconds between refreshes (default 1)\n"
		 "  --format json|table  one JSON object per sandbox per line, or a table\n"
		 "  -a, --all            stopped sandboxes too\n"
		 "  --iterations N       exit after N refreshes",
	.run = run_stats,
};
