/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * box bootstrap debian[:SUITE] [NAME]: build a Debian userland from the host's apt
 * mirror with mmdebstrap (unshare mode: no root needed, the subordinate ids do the
 * work) and store it as an image, for hosts where no registry can be reached.
 * mmdebstrap's progress lines go straight to the terminal.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/util/fs.h"
#include "../core/util/spawn.h"
#include "../core/image/store.h"
#include "../core/util/xalloc.h"
#include "cmd.h"
#include "import.h"

#define DEFAULT_SUITE "bookworm"

extern char **environ;

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

static int run_mmdebstrap(const char *suite, const char *out)
{
	_cleanup_free_ char *prog = find_in_path("mmdebstrap");
	char *argv[] = { "mmdebstrap",	"--variant=minbase", "--mode=unshare",
			 (char *)suite, (char *)out,	     NULL };
	pid_t pid;

	if (!prog)
		return cmd_error("mmdebstrap is not installed (on Debian or Ubuntu: "
				 "sudo apt install mmdebstrap)");
	fprintf(stderr, "Running mmdebstrap --variant=minbase --mode=unshare %s\n", suite);
	int r = posix_spawn(&pid, prog, NULL, NULL, argv, environ);
	if (r != 0)
		return cmd_error("run '%s': %s", prog, strerror(r));
	int status = spawn_wait_status(pid);
	if (status != 0)
		return cmd_error("mmdebstrap failed (status %d); its messages are above (does "
				 "'%s' have a range in /etc/subuid? can apt reach the mirror?)",
				 status, getenv("USER") ? getenv("USER") : "the user");
	return 0;
}

int cmd_bootstrap_debian(const char *suite, const char *name, FILE *ref_out)
{
	struct box_err *err = NULL;
	_cleanup_free_ char *dir = store_dir();
	_cleanup_free_ char *tmpdir = xasprintf("%s/tmp", dir);

	if (mkdir_p(tmpdir, 0700, &err) < 0)
		return cmd_fail(err, "create '%s'", tmpdir);
	_cleanup_free_ char *out =
	    xasprintf("%s/bootstrap-%s-%d.tar", tmpdir, suite, (int)getpid());
	int r = run_mmdebstrap(suite, out);
	if (r == 0) {
		_cleanup_free_ char *by = xasprintf("box bootstrap debian:%s", suite);
		r = cmd_import_tarball(out, name, by, ref_out);
	}
	unlink(out);
	return r;
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
	return cmd_bootstrap_debian(suite, name, stdout);
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
