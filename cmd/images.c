/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box images [--format table|json]: the stored images, their size on disk and how
 * much of it they share with other images (layers are stored once).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "../core/image/store.h"
#include "../core/util/util.h"
#include "cmd.h"

static void print_table(const struct image_record *list, size_t n)
{
	printf("%-40s %-16s %-14s %-16s %-10s %s\n", "REPOSITORY", "TAG", "DIGEST", "CREATED",
	       "SIZE", "SHARED");
	for (size_t i = 0; i < n; i++) {
		const struct image_record *r = &list[i];
		char size[16], shared[16], ago[32];
		format_bytes(r->size, size, sizeof(size));
		format_bytes(store_shared_bytes(list, n, i), shared, sizeof(shared));
		printf("%-40s %-16s %-14.12s %-16s %-10s %s\n", r->repository,
		       r->tag ? r->tag : "<none>", r->digest + 7,
		       format_ago(r->created, ago, sizeof(ago)), size, shared);
	}
}

static void print_json(const struct image_record *list, size_t n)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		const struct image_record *r = &list[i];
		struct json_object *o = json_object_new_object();
		struct json_object *layers = json_object_new_array();
		for (size_t k = 0; k < r->n_layers; k++)
			json_object_array_add(layers, json_object_new_string(r->diff_ids[k]));
		json_object_object_add(o, "ref", json_object_new_string(r->ref));
		json_object_object_add(o, "repository", json_object_new_string(r->repository));
		json_object_object_add(o, "tag", r->tag ? json_object_new_string(r->tag) : NULL);
		json_object_object_add(o, "digest", json_object_new_string(r->digest));
		json_object_object_add(o, "config_digest",
				       json_object_new_string(r->config_digest));
		json_object_object_add(o, "layers", layers);
		json_object_object_add(o, "size", json_object_new_int64((int64_t)r->size));
		json_object_object_add(
		    o, "shared_size",
		    json_object_new_int64((int64_t)store_shared_bytes(list, n, i)));
		json_object_object_add(o, "created", json_object_new_int64(r->created));
		json_object_array_add(arr, o);
	}
	printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
}

static int run_images(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' },
					      { "quiet", no_argument, NULL, 'q' },
					      {} };
	const char *format = "table";
	bool quiet = false;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "f:hq", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		switch (c) {
		case 'f':
			format = p.arg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			return cmd_help(cmd_find("images"));
		default:
			return cmd_opts_error(&p);
		}
	}
	if (p.nargs != 0)
		return cmd_usage_error("images", "unexpected argument '%s'", p.args[0]);
	if (!streq(format, "table") && !streq(format, "json"))
		return cmd_usage_error("images", "--format must be table or json, not '%s'",
				       format);
	struct image_record *list = NULL;
	size_t n = 0;
	struct box_err *err = NULL;
	if (store_list(&list, &n, &err) < 0)
		return cmd_fail(err, "list images");
	if (quiet)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i].ref);
	else if (streq(format, "json"))
		print_json(list, n);
	else
		print_table(list, n);
	image_record_list_free(list, n);
	return 0;
}

const struct box_command cmd_images = {
	.name = "images",
	.summary = "list stored images",
	.usage = "usage: box images [--format table|json] [-q]\n"
		 "\n"
		 "SIZE is the bytes of the files in the image's layers (as extracted; the\n"
		 "unit 'box rmi' and 'box prune' count freed space in); SHARED is the part of\n"
		 "it other images use too (stored once).\n"
		 "\n"
		 "  -f, --format table|json  a table (default) or one JSON object a line\n"
		 "  -q, --quiet   only the references, one a line (for 'box rmi')\n",
	.run = run_images,
};
