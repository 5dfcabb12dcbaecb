/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A root filesystem tarball stored as an image (box import), and a Debian userland
 * built from the host's apt mirror with mmdebstrap in unshare mode and stored the
 * same way (box bootstrap, and box enter debian where no registry can be reached).
 * mmdebstrap's progress lines go straight to the terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config/config.h"
#include "../image/store.h"
#include "../image/store_import.h"
#include "../util/exit.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/report.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "bootstrap.h"
#include "sbx.h"

extern char **environ;

static void report(const struct store_import_result *res, uint64_t ns)
{
	char size[32];
	double secs = (double)ns / 1e9;

	format_bytes(res->stats.bytes, size, sizeof(size));
	log_out_line("%s %llu files, %s in %.1fs (%.0f MB/s, %.0f files/s)%s",
		     res->layer_existed ? "Checked" : "Extracted",
		     (unsigned long long)res->stats.files, size, secs,
		     secs > 0 ? (double)res->stats.bytes / 1e6 / secs : 0.0,
		     secs > 0 ? (double)res->stats.files / secs : 0.0,
		     res->layer_existed ? ", the layer was already stored" : "");
}

int bootstrap_import_tarball(const char *path, const char *name, const char *created_by,
			     char **ret_ref)
{
	struct store_import_result res = { 0 };
	struct box_err *err = NULL;
	_cleanup_close_ int fd =
	    streq(path, "-") ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return report_error("open '%s': %m (is the path right?)", path);
	struct box_config *cfg = sbx_global_config();
	if (!cfg)
		return EXIT_BOX;
	uint64_t start = now_ns();
	int r = store_import_tar(cfg_images(cfg), fd, name, created_by, &res, &err);
	cfg_free(cfg);
	if (r < 0)
		return report_fail(err, "import '%s' as '%s'", path, name);
	report(&res, now_ns() - start);
	*ret_ref = xstrdup(res.ref);
	store_import_result_done(&res);
	return 0;
}

static int run_mmdebstrap(const char *suite, const char *out)
{
	_cleanup_free_ char *prog = find_in_path("mmdebstrap");
	char *argv[] = { "mmdebstrap",	"--variant=minbase", "--mode=unshare",
			 (char *)suite, (char *)out,	     NULL };
	pid_t pid;

	if (!prog)
		return report_error("mmdebstrap is not installed (on Debian or Ubuntu: "
				    "sudo apt install mmdebstrap)");
	log_out_line("Running mmdebstrap --variant=minbase --mode=unshare %s", suite);
	int r = posix_spawn(&pid, prog, NULL, NULL, argv, environ);
	if (r != 0)
		return report_error("run '%s': %s", prog, strerror(r));
	int status = spawn_wait_status(pid);
	if (status != 0)
		return report_error("mmdebstrap failed (status %d); its messages are above (does "
				    "'%s' have a range in /etc/subuid? can apt reach the mirror?)",
				    status, getenv("USER") ? getenv("USER") : "the user");
	return 0;
}

int bootstrap_debian(const char *suite, const char *name, char **ret_ref)
{
	struct box_err *err = NULL;
	_cleanup_free_ char *dir = store_dir();
	_cleanup_free_ char *tmpdir = xasprintf("%s/tmp", dir);

	if (mkdir_p(tmpdir, 0700, &err) < 0)
		return report_fail(err, "create '%s'", tmpdir);
	_cleanup_free_ char *out =
	    xasprintf("%s/bootstrap-%s-%d.tar", tmpdir, suite, (int)getpid());
	int r = run_mmdebstrap(suite, out);
	if (r == 0) {
		_cleanup_free_ char *by = xasprintf("box bootstrap debian:%s", suite);
		r = bootstrap_import_tarball(out, name, by, ret_ref);
	}
	unlink(out);
	return r;
}
