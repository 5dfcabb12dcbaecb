/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box list [--format table|json]: every sandbox with its image, state, creation
 * time and the size of its writable layer. A sandbox whose supervisor died (or
 * whose runtime dir vanished, as after a reboot) is listed as stopped.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/sandbox.h"
#include "../core/util.h"
#include "cmd.h"

static const char *state_name(enum sandbox_state s)
{
	switch (s) {
	case SANDBOX_RUNNING:
		return "running";
	case SANDBOX_STARTING:
		return "starting";
	case SANDBOX_STOPPED:
		break;
	}
	return "stopped";
}

static void print_json(const struct sandbox_info *l, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(l[i].name));
		json_object_object_add(o, "image", l[i].image ? json_object_new_string(l[i].image) :
								NULL);
		json_object_object_add(o, "state", json_object_new_string(state_name(l[i].state)));
		json_object_object_add(o, "created", json_object_new_int64(l[i].created));
		json_object_object_add(o, "started", json_object_new_int64(l[i].started));
		json_object_object_add(o, "init_pid", json_object_new_int(l[i].init_pid));
		json_object_object_add(o, "size", json_object_new_uint64(l[i].upper_bytes));
		json_object_array_add(a, o);
	}
	printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
}

static void print_table(const struct sandbox_info *l, size_t n)
{
	printf("%-20s %-36s %-8s %-17s %s\n", "NAME", "IMAGE", "STATE", "CREATED", "SIZE");
	for (size_t i = 0; i < n; i++) {
		char created[32], size[16];
		struct tm tm;
		time_t t = l[i].created;
		strftime(created, sizeof(created), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
		printf("%-20s %-36s %-8s %-17s %s\n", l[i].name, l[i].image ? l[i].image : "-",
		       state_name(l[i].state), created,
		       format_bytes(l[i].upper_bytes, size, sizeof(size)));
	}
}

static int run_list(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	struct sandbox_info *l;
	struct box_err *err = NULL;
	bool json = false;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f' || (!streq(optarg, "json") && !streq(optarg, "table")))
			return cmd_usage_error("list", "expected --format table|json");
		json = streq(optarg, "json");
	}
	if (optind != argc)
		return cmd_usage_error("list", "unexpected argument '%s'", argv[optind]);
	if (sandbox_list(&l, &n, &err) < 0)
		return cmd_fail(err, "list sandboxes");
	if (json)
		print_json(l, n);
	else
		print_table(l, n);
	sandbox_info_list_free(l, n);
	return 0;
}

static const struct box_command cmd_list = {
	.name = "list",
	.summary = "list sandboxes",
	.usage = "usage: box list [--format table|json]",
	.run = run_list,
};
BOX_COMMAND(cmd_list);
