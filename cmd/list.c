/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box list [--format table|json]: every sandbox with its image, state, creation
 * time, the size of its writable layer and its port forwards. A sandbox whose
 * supervisor died (or whose runtime dir vanished, as after a reboot) is listed as
 * stopped; one whose net helper died is running with "network down".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/sandbox/sandbox.h"
#include "../core/sandbox/services.h"
#include "../core/cgroup/stats.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "../net/net.h"
#include "cmd.h"

static bool uses_slirp(const struct sandbox_info *s)
{
	return s->state == SANDBOX_RUNNING && (!s->network || streq(s->network, "slirp"));
}

/*
 * The forward text of a running slirp sandbox's net helper: from its page, or asked
 * for on its socket (a helper from before the page, or a table too big for it). -1
 * when the helper is gone (the sandbox keeps running without a network).
 */
static int net_forward_text(const struct sandbox_info *s, char **ret)
{
	_cleanup_close_ int fd = net_page_open(s->runtime_dir);
	_cleanup_free_ char *path = xasprintf("%s/net.sock", s->runtime_dir);
	struct box_err *err = NULL;
	uint64_t rx, tx, gen;
	int r = fd >= 0 ? net_page_read(fd, &rx, &tx, &gen, ret) : fd;

	if (r == 0 || r == -ESRCH)
		return r;
	if (net_ctl_request(path, "list", ret, &err) < 0) {
		box_err_free(err);
		return -1;
	}
	return 0;
}

/*
 * The forwards of a running slirp sandbox as its net helper lists them, one
 * "SPEC" per element; NULL when the helper is gone.
 */
static char **net_forwards(const struct sandbox_info *s)
{
	_cleanup_free_ char *reply = NULL;
	char **v;

	if (net_forward_text(s, &reply) < 0)
		return NULL;
	v = xcalloc(1, sizeof(char *));
	for (char *line = strtok(reply, "\n"); line; line = strtok(NULL, "\n"))
		strv_push(&v, xstrndup(line, strcspn(line, " ")));
	return v;
}

static char *ports_text(const struct sandbox_info *s)
{
	if (!uses_slirp(s))
		return xstrdup("-");
	_cleanup_strv_free_ char **v = net_forwards(s);
	if (!v)
		return xstrdup("network down");
	char *out = xstrdup(*v ? "" : "-");
	for (char **p = v; *p; p++) {
		char *n = xasprintf("%s%s%s", out, p == v ? "" : ", ", *p);
		free(out);
		out = n;
	}
	return out;
}

static void add_net_json(json_object *o, const struct sandbox_info *s)
{
	json_object_object_add(o, "network",
			       json_object_new_string(s->network ? s->network : "slirp"));
	if (!uses_slirp(s))
		return;
	_cleanup_strv_free_ char **v = net_forwards(s);
	json_object_object_add(o, "net_state", json_object_new_string(v ? "up" : "down"));
	json_object *a = json_object_new_array();
	for (char **p = v; p && *p; p++)
		json_object_array_add(a, json_object_new_string(*p));
	json_object_object_add(o, "ports", a);
}

/* "web running, db restarting (3 restarts)"; NULL when it runs none. */
static char *services_text(const struct sandbox_info *s)
{
	struct svc_status *v = NULL;
	size_t n = 0;
	char *out = NULL;

	if (s->state != SANDBOX_RUNNING || services_state_read(s->name, &v, &n) < 0 || !n)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *r =
		    v[i].restarts ? xasprintf(" (%u restarts)", v[i].restarts) : xstrdup("");
		char *t = xasprintf("%s%s%s %s%s", out ? out : "", out ? ", " : "", v[i].name,
				    svc_state_to_string(v[i].state), r);
		free(out);
		out = t;
	}
	svc_status_free(v, n);
	return out;
}

static void add_services_json(json_object *o, const struct sandbox_info *s)
{
	struct svc_status *v = NULL;
	size_t n = 0;

	if (s->state != SANDBOX_RUNNING || services_state_read(s->name, &v, &n) < 0 || !n)
		return;
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "name", json_object_new_string(v[i].name));
		json_object_object_add(e, "state",
				       json_object_new_string(svc_state_to_string(v[i].state)));
		json_object_object_add(e, "pid", json_object_new_int(v[i].pid));
		json_object_object_add(e, "restarts", json_object_new_int((int)v[i].restarts));
		json_object_object_add(e, "status", json_object_new_int(v[i].status));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "services", a);
	svc_status_free(v, n);
}

static void print_json(const struct sandbox_info *l, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(l[i].name));
		json_object_object_add(o, "image",
				       l[i].image ? json_object_new_string(l[i].image) : NULL);
		json_object_object_add(o, "state",
				       json_object_new_string(stats_state_name(l[i].state)));
		json_object_object_add(o, "created", json_object_new_int64(l[i].created));
		json_object_object_add(o, "started", json_object_new_int64(l[i].started));
		json_object_object_add(o, "init_pid", json_object_new_int(l[i].init_pid));
		json_object_object_add(o, "size",
				       json_object_new_uint64(sandbox_upper_size(&l[i])));
		add_net_json(o, &l[i]);
		add_services_json(o, &l[i]);
		json_object_array_add(a, o);
	}
	printf("%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(a);
}

/* A SERVICES column only when some sandbox runs services. */
static void print_table(const struct sandbox_info *l, size_t n)
{
	char **svc = xcalloc(n + 1, sizeof(char *));
	bool any = false;

	for (size_t i = 0; i < n; i++)
		any |= (svc[i] = services_text(&l[i])) != NULL;
	printf("%-20s %-36s %-8s %-17s %-9s %-*s%s\n", "NAME", "IMAGE", "STATE", "CREATED", "SIZE",
	       any ? 24 : 0, "PORTS", any ? " SERVICES" : "");
	for (size_t i = 0; i < n; i++) {
		char created[32], size[16];
		struct tm tm;
		time_t t = l[i].created;
		strftime(created, sizeof(created), "%Y-%m-%d %H:%M", localtime_r(&t, &tm));
		_cleanup_free_ char *ports = ports_text(&l[i]);
		printf("%-20s %-36s %-8s %-17s %-9s %-*s%s%s\n", l[i].name,
		       l[i].image ? l[i].image : "-", stats_state_name(l[i].state), created,
		       format_bytes(sandbox_upper_size(&l[i]), size, sizeof(size)), any ? 24 : 0,
		       ports, any ? " " : "", any ? (svc[i] ? svc[i] : "-") : "");
	}
	for (size_t i = 0; i < n; i++)
		free(svc[i]);
	free(svc);
}

static int run_list(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "quiet", no_argument, NULL, 'q' },
					      { NULL, 0, NULL, 0 } };
	struct sandbox_info *l;
	struct box_err *err = NULL;
	bool json = false, quiet = false;
	size_t n;
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "q", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'q') {
			quiet = true;
			continue;
		}
		if (c != 'f')
			return cmd_opts_error(&p);
		if (!streq(p.arg, "json") && !streq(p.arg, "table"))
			return cmd_usage_error(argv[0], "expected --format table|json or -q");
		json = streq(p.arg, "json");
	}
	if (p.nargs != 0)
		return cmd_usage_error(argv[0], "unexpected argument '%s'", p.args[0]);
	if (sandbox_list(&l, &n, &err) < 0)
		return cmd_fail(err, "list sandboxes");
	if (quiet)
		for (size_t i = 0; i < n; i++)
			printf("%s\n", l[i].name);
	else if (json)
		print_json(l, n);
	else
		print_table(l, n);
	sandbox_info_list_free(l, n);
	return 0;
}

#define LIST_USAGE                                                                                 \
	"usage: box list [--format table|json] [-q]\n\n"                                           \
	"  -q, --quiet   only the names, one a line\n"                                             \
	"'box ps' is another name for 'box list'."

const struct box_command cmd_list = {
	.name = "list",
	.alias = "ps",
	.summary = "list sandboxes",
	.usage = LIST_USAGE,
	.run = run_list,
};
