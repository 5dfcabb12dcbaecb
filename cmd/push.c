/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box push IMAGE REF: send a stored image (box commit makes them) to a registry,
 * with pull's auth, mirrors and insecure settings. Blobs the registry has are not
 * sent again; the layers box keeps uncompressed go gzip-compressed unless
 * --compression-format says otherwise.
 */
#include <stdio.h>
#include <unistd.h>

#include "../config/config.h"
#include "../core/image/layer_compress.h"
#include "../core/image/push.h"
#include "../core/util/util.h"
#include "cmd.h"

struct progress {
	bool tty;
	uint64_t last;
};

static void on_blob(enum push_event ev, const char *digest, uint64_t size, void *arg)
{
	static const char *const what[] = { "exists", "mounted", "compressed", "uploading",
					    "uploaded" };
	struct progress *pr = arg;
	char sz[32];

	if (ev == PUSH_UPLOADING && pr->tty)
		return;
	fprintf(stderr, "%s%.19s  %-9s %s\n",
		pr->tty && (ev == PUSH_UPLOADED || ev == PUSH_COMPRESSED) ? "\r" : "", digest,
		what[ev], format_bytes(size, sz, sizeof(sz)));
}

static void on_bytes(uint64_t done, uint64_t total, void *arg)
{
	struct progress *pr = arg;
	char a[32], b[32];

	if (!pr->tty || (done - pr->last < (1u << 20) && done != total))
		return;
	pr->last = done;
	/* total 0: a layer sent as it is compressed, whose size is known at the end */
	fprintf(stderr, "\r  uploading %s%s%s ", format_bytes(done, a, sizeof(a)),
		total ? " / " : "", total ? format_bytes(total, b, sizeof(b)) : "");
}

static int run_push(int argc, char **argv)
{
	static const struct option opts[] = { { "compression-format", required_argument, NULL,
						'C' },
					      { "compression", required_argument, NULL, 'C' },
					      { "compression-level", required_argument, NULL, 'L' },
					      { NULL, 0, NULL, 0 } };
	struct progress pr = { .tty = isatty(STDERR_FILENO) };
	struct push_hooks h = { .blob = on_blob, .bytes = on_bytes, .arg = &pr };
	struct push_opts po = { .compression = OCI_COMP_GZIP, .level = -1 };
	long level;
	struct push_result res;
	struct box_err *err = NULL;
	char sent[32];
	struct opts p;
	int c;

	opts_init(&p, argc, argv, "", opts, 0);
	while ((c = opts_next(&p)) != OPTS_END) {
		if (c == 'L') {
			if (parse_int_range(p.arg, 0, 22, &level) < 0)
				return cmd_usage_error("push",
						       "--compression-level wants a number (gzip: "
						       "0 to 9, zstd: 1 to 22), not '%s'",
						       p.arg);
			po.level = (int)level;
			continue;
		}
		if (c != 'C')
			return cmd_opts_error(&p);
		if (layer_compression_parse(p.arg, &po.compression) < 0)
			return cmd_usage_error("push",
					       "unknown --compression-format '%s' (gzip, zstd or "
					       "none)",
					       p.arg);
	}
	if (p.nargs != 2)
		return cmd_usage_error("push", "expected IMAGE REF");
	struct box_config *cfg = cmd_load_global_config();
	if (!cfg)
		return EXIT_BOX;
	int r = image_push(cfg_images(cfg), p.args[0], p.args[1], &po, &h, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return cmd_fail(err, "push '%s' to '%s'", p.args[0], p.args[1]);
	fprintf(stderr,
		"box: pushed %s: %u blob(s) uploaded, %u mounted, %u already there; %s sent, %u "
		"layer(s) compressed (%s)",
		res.dest, res.uploaded, res.mounted, res.skipped,
		format_bytes(res.bytes, sent, sizeof(sent)), res.compressed,
		layer_compression_name(po.compression));
	if (res.recreated)
		fprintf(stderr, ", %u written again from the extracted files", res.recreated);
	fputc('\n', stderr);
	printf("%s\n", res.digest);
	push_result_done(&res);
	return 0;
}

const struct box_command cmd_push = {
	.name = "push",
	.summary = "send a stored image to a registry",
	.usage = "usage: box push [--compression-format gzip|zstd|none] [--compression-level N]\n"
		 "                IMAGE REF\n\n"
		 "REF names the registry, repository and tag (127.0.0.1:5000/me/dev:1). The\n"
		 "registry's [registry] settings of config.ini (mirror, insecure) and the\n"
		 "credentials of podman login / docker login apply as for pull. Blobs the\n"
		 "registry has are not sent again. The layers box made (commit, import) are\n"
		 "sent compressed; what each became is remembered, so pushing the same image\n"
		 "again compresses nothing. A base layer box keeps only extracted, that the\n"
		 "registry lacks and cannot mount, is written again from its files (it and the\n"
		 "image's config get new digests; the files are the same).\n\n"
		 "      --compression-format FORMAT   gzip (the default), zstd, or none to send\n"
		 "                                    the layers uncompressed\n"
		 "      --compression FORMAT          the same\n"
		 "      --compression-level N         gzip: 0 to 9 (default 1: fast; 6 or 9 save\n"
		 "                                    about 10% more bytes for 3 to 10 times the\n"
		 "                                    time); zstd: 1 to 22 (default 3)",
	.run = run_push,
};
