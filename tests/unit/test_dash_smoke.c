/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Smoke test of the real dashboard on a pseudo-terminal (htop's CI runs `htop -n 5`):
 * `box dash --iterations 3` with no sandboxes, a fixed TERM, in empty temp XDG dirs.
 * It must draw its titles, leave the alternate screen and exit 0. Under `make asan`
 * this runs the sanitized binary, so leaks and undefined behaviour fail it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/util/fs.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char *box_path(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return NULL;
	exe[n] = '\0';
	/* <build>/tests/unit/test_dash_smoke -> <build>/box */
	for (int i = 0; i < 3; i++) {
		char *s = strrchr(exe, '/');
		if (s)
			*s = '\0';
	}
	return xasprintf("%s/box", exe);
}

static void child(const char *box, const char *tmp, const char *lang)
{
	char *run = xasprintf("%s/run", tmp), *data = xasprintf("%s/data", tmp);
	char *conf = xasprintf("%s/config", tmp), *ini = xasprintf("%s/config.ini", tmp);

	mkdir_p(run, 0700, NULL);
	setenv("XDG_RUNTIME_DIR", run, 1);
	setenv("XDG_DATA_HOME", data, 1);
	setenv("XDG_CONFIG_HOME", conf, 1);
	setenv("BOX_CONFIG", ini, 1);
	setenv("TERM", "xterm-256color", 1);
	setenv("LANG", lang, 1);
	unsetenv("LC_ALL");
	unsetenv("BOX_DATA_DIR");
	unsetenv("BOX_RUNTIME_DIR");
	execl(box, "box", "dash", "--iterations", "3", "--interval", "0.1", (char *)NULL);
	_exit(127);
}

/* Run the dashboard on a pty; returns its exit status and the output it wrote. */
static int run_dash(const char *box, const char *tmp, const char *lang, char **ret_out)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	size_t len = 0, cap = 1 << 16;
	char *out = xmalloc(cap + 1);
	int fd, status = 0;
	pid_t pid = forkpty(&fd, NULL, NULL, &ws);

	if (pid < 0)
		return -errno;
	if (pid == 0)
		child(box, tmp, lang);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 20000) <= 0)
			break;
		ssize_t n = read(fd, out + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == cap)
			break;
	}
	out[len] = '\0';
	close(fd);
	waitpid(pid, &status, 0);
	*ret_out = out;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	char tmpl[] = "/tmp/box-dash-smoke.XXXXXX";
	_cleanup_free_ char *box = box_path();
	char *out = NULL;

	if (!box || access(box, X_OK) < 0) {
		printf("# SKIP the box binary is not built\n");
		return 77;
	}
	if (!mkdtemp(tmpl))
		return 1;
	is_int(run_dash(box, tmpl, "C.UTF-8", &out), 0, "box dash --iterations 3 exits 0");
	ok(out && strstr(out, "NAME") && strstr(out, "CPU%"), "it drew the column titles");
	ok(out && strstr(out, "no sandboxes yet"), "an empty store says so");
	ok(out && strstr(out, "\033[?1049l"), "it left the alternate screen");
	free(out);
	is_int(run_dash(box, tmpl, "C", &out), 0, "LANG=C works too");
	ok(out && !strstr(out, "\xe2"), "no UTF-8 glyphs under LANG=C");
	free(out);
	rm_rf(tmpl, NULL);
	return tap_done();
}
