/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box push IMAGE REF: send a stored image (box commit makes them) to a registry,
 * with pull's auth, mirrors and insecure settings. Blobs the registry has are not
 * sent again.
 */
#include <stdio.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/image/push.h"
#include "../core/util/util.h"
#include "cmd.h"

struct progress {
	bool tty;
	uint64_t last;
};

static void on_blob(enum push_event ev, const char *digest, uint64_t size, void *arg)
{
	static const char *const what[] = { "exists", "mounted", "uploading", "uploaded" };
	struct progress *pr = arg;
	char sz[32];

	if (ev == PUSH_UPLOADING && pr->tty)
		return;
	fprintf(stderr, "%s%.19s  %-9s %s\n", pr->tty && ev == PUSH_UPLOADED ? "\r" : "", digest,
		what[ev], format_bytes(size, sz, sizeof(sz)));
}

static void on_bytes(uint64_t done, uint64_t total, void *arg)
{
	struct progress *pr = arg;
	char a[32], b[32];

	if (!pr->tty || (done - pr->last < (1u << 20) && done != total))
		return;
	pr->last = done;
	fprintf(stderr, "\r  uploading %s / %s ", format_bytes(done, a, sizeof(a)),
		format_bytes(total, b, sizeof(b)));
}

static int run_push(int argc, char **argv)
{
	struct progress pr = { .tty = isatty(STDERR_FILENO) };
	struct push_hooks h = { .blob = on_blob, .bytes = on_bytes, .arg = &pr };
	struct push_result res;
	struct box_err *err = NULL;

	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc != 3)
		return cmd_usage_error("push", "expected IMAGE REF");
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int r = image_push(cfg_images(cfg), argv[1], argv[2], &h, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "push '%s' to '%s'", argv[1], argv[2]);
	fprintf(stderr, "box: pushed %s: %u blob(s) uploaded, %u mounted, %u already there\n",
		res.dest, res.uploaded, res.mounted, res.skipped);
	printf("%s\n", res.digest);
	push_result_done(&res);
	return 0;
}

const struct box_command cmd_push = {
	.name = "push",
	.summary = "send a stored image to a registry",
	.usage = "usage: box push IMAGE REF\n\n"
		 "REF names the registry, repository and tag (127.0.0.1:5000/me/dev:1). The\n"
		 "registry's [registry] settings of config.ini (mirror, insecure) and the\n"
		 "credentials of podman login / docker login apply as for pull.",
	.run = run_push,
};
