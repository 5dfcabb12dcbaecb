/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box bootstrap debian[:SUITE] [NAME]: build a Debian userland from the host's apt
 * mirror with mmdebstrap (unshare mode: no root needed, the subordinate ids do the
 * work) and store it as an image, for hosts where no registry can be reached.
 * mmdebstrap's progress lines go straight to the terminal.
 */
#include <stdio.h>
#include <string.h>

#include "../core/project/bootstrap.h"
#include "../core/util/xalloc.h"
#include "cmd.h"

#define DEFAULT_SUITE "bookworm"

/* "debian" or "debian:SUITE" -> suite; NULL for other distributions. */
static char *parse_target(const char *target)
{
	if (streq(target, "debian"))
		return xstrdup(DEFAULT_SUITE);
	if (strncmp(target, "debian:", 7) != 0 || !target[7])
		return NULL;
	for (const char *p = target + 7; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') && *p != '-')
			return NULL;
	return xstrdup(target + 7);
}

static int run_bootstrap(int argc, char **argv)
{
	if (cmd_operands(&argc, argv, 0))
		return EXIT_BOX;
	if (argc < 2 || argc > 3)
		return cmd_usage_error("bootstrap", "expected debian[:SUITE] and an optional name");
	_cleanup_free_ char *suite = parse_target(argv[1]);
	if (!suite)
		return cmd_usage_error("bootstrap",
				       "cannot bootstrap '%s': only debian[:SUITE] "
				       "is supported",
				       argv[1]);
	_cleanup_free_ char *name = argc == 3 ? xstrdup(argv[2]) : xasprintf("debian:%s", suite);
	_cleanup_free_ char *ref = NULL;
	int r = bootstrap_debian(suite, name, &ref);
	if (r == 0)
		printf("%s\n", ref);
	return r;
}

const struct box_command cmd_bootstrap = {
	.name = "bootstrap",
	.summary = "build a Debian userland with mmdebstrap and store it as an image",
	.usage = "usage: box bootstrap debian[:SUITE] [NAME]\n"
		 "Builds a minimal Debian SUITE (default " DEFAULT_SUITE ") from the host's apt\n"
		 "mirror with mmdebstrap in unshare mode and stores it as image NAME\n"
		 "(default debian:SUITE). Needs mmdebstrap and a range in /etc/subuid.\n"
		 "Then: box enter NAME",
	.run = run_bootstrap,
};
