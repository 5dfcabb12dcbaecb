/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by cmd/stats.c and cmd/dash.c (see live.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/util/exit.h"
#include "../core/util/fs.h"
#include "../core/util/log.h"
#include "../core/util/paths.h"
#include "../core/util/spawn.h"
#include "../core/util/util.h"
#include "../core/util/xalloc.h"
#include "../net/net.h"
#include "live.h"

#define CAPTURE_MAX (64 * 1024)

/* "ok 127.0.0.1:8080->80/tcp" lines into "a, b". */
static char *ports_from_list(const char *reply)
{
	_cleanup_free_ char *copy = xstrdup(reply);
	char *out = NULL;

	for (char *s = copy, *save = NULL, *line; (line = strtok_r(s, "\n", &save)); s = NULL) {
		line = str_strip(line);
		if (str_startswith(line, "ok"))
			line = str_strip(line + 2);
		if (!*line || str_startswith(line, "error"))
			continue;
		/* "127.0.0.1:8080->80/tcp static": the spec, without how it was added. */
		line[strcspn(line, " \t")] = '\0';
		char *n = out ? xasprintf("%s, %s", out, line) : xstrdup(line);
		free(out);
		out = n;
	}
	return out;
}

/* Per sandbox run: the helper's shared counters, or the fallback to requests. */
struct live_net {
	char *ctl;
	const struct net_stats_shared *map;
	bool no_map;	 /* a helper without shared counters: ask it every time */
	bool have_ports; /* ports below were listed at fwd_gen ports_gen */
	uint64_t ports_gen;
	char *ports;
};

void live_net_free(void *state)
{
	struct live_net *n = state;

	if (!n)
		return;
	net_stats_unmap(n->map);
	free(n->ctl);
	free(n->ports);
	free(n);
}

static char *list_ports(const char *ctl)
{
	_cleanup_free_ char *reply = NULL;
	return net_ctl_request(ctl, "list", &reply, NULL) >= 0 ? ports_from_list(reply) : NULL;
}

/* Through the shared page: no syscall, and the port list only when forwards changed. */
static int from_map(struct live_net *n, bool want_ports, uint64_t *ret_rx, uint64_t *ret_tx,
		    char **ret_ports)
{
	if (!__atomic_load_n(&n->map->live, __ATOMIC_ACQUIRE)) {
		/* The helper ended; map a new one next time, if any. */
		net_stats_unmap(n->map);
		n->map = NULL;
		n->have_ports = false;
		return -ENOENT;
	}
	*ret_rx = __atomic_load_n(&n->map->rx_bytes, __ATOMIC_RELAXED);
	*ret_tx = __atomic_load_n(&n->map->tx_bytes, __ATOMIC_RELAXED);
	if (!want_ports)
		return 0;
	/* The generation is read before the list: a change in between is seen next time. */
	uint64_t gen = __atomic_load_n(&n->map->fwd_gen, __ATOMIC_ACQUIRE);
	if (!n->have_ports || gen != n->ports_gen) {
		free(n->ports);
		/* Generation 0: no forward was ever added, nothing to ask for. */
		n->ports = gen ? list_ports(n->ctl) : NULL;
		n->ports_gen = gen;
		n->have_ports = true;
	}
	*ret_ports = n->ports ? xstrdup(n->ports) : NULL;
	return 0;
}

/* A helper without shared counters: "stats" (and "list") requests. */
static int from_requests(const char *ctl, bool want_ports, uint64_t *ret_rx, uint64_t *ret_tx,
			 char **ret_ports)
{
	_cleanup_free_ char *reply = NULL;
	int r;

	if (!path_exists(ctl))
		return -ENOENT;
	r = net_ctl_request(ctl, "stats", &reply, NULL);
	if (r < 0)
		return r;
	r = stats_parse_net_reply(reply, strlen(reply), ret_rx, ret_tx);
	if (r < 0)
		return r;
	if (want_ports)
		*ret_ports = list_ports(ctl);
	return 0;
}

int live_net_counters(const struct sandbox_info *s, bool want_ports, uint64_t *ret_rx,
		      uint64_t *ret_tx, char **ret_ports, void **state, void *userdata)
{
	struct live_net *n = *state;

	if (!s->runtime_dir || (s->network && !streq(s->network, "slirp")))
		return -EOPNOTSUPP;
	if (!n) {
		n = xzalloc(sizeof(*n));
		n->ctl = xasprintf("%s/net.sock", s->runtime_dir);
		*state = n;
	}
	if (!n->map && !n->no_map) {
		int r = net_stats_map(n->ctl, &n->map, NULL);
		if (r == -EOPNOTSUPP)
			n->no_map = true;
		else if (r < 0)
			return r; /* not up yet, or gone: tried again next refresh */
	}
	if (n->map)
		return from_map(n, want_ports, ret_rx, ret_tx, ret_ports);
	return from_requests(n->ctl, want_ports, ret_rx, ret_tx, ret_ports);
}

static void child_exec(char *const *argv, bool interactive, int out_fd)
{
	size_t n = strv_length(argv);
	char **full = xcalloc(n + 2, sizeof(char *));

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (!interactive) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
	}
	full[0] = (char *)"box";
	memcpy(full + 1, argv, n * sizeof(char *));
	execv(paths_self_exe(), full);
	dprintf(STDERR_FILENO, "box: cannot run '%s': %s\n", paths_self_exe(), strerror(errno));
	_exit(EXIT_NOT_FOUND);
}

static char *last_line(char *buf)
{
	char *line = NULL;

	for (char *s = buf, *save = NULL, *tok; (tok = strtok_r(s, "\n", &save)); s = NULL)
		if (*str_strip(tok))
			line = tok;
	if (!line)
		return NULL;
	line = str_strip(line);
	if (str_startswith(line, "box: "))
		line += 5;
	return str_escape(line);
}

int live_run_box(char *const *argv, bool interactive, char **ret_msg)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	int pipefd[2] = { -1, -1 }, status = EXIT_BOX;
	_cleanup_free_ char *out = NULL;

	if (!interactive && pipe2(pipefd, O_CLOEXEC) < 0)
		return EXIT_BOX;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(argv, interactive, pipefd[1]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (pid > 0 && pipefd[0] >= 0)
		fs_read_fd_all(pipefd[0], CAPTURE_MAX, &out, NULL);
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pid > 0)
		status = spawn_wait_status(pid);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0)
		return EXIT_BOX;
	if (ret_msg)
		*ret_msg = out ? last_line(out) : NULL;
	return status < 0 ? EXIT_BOX : status;
}

int live_parse_interval(const char *s, unsigned *ret_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 0.1 || v > 3600)
		return -EINVAL;
	*ret_ms = (unsigned)(v * 1000 + 0.5);
	return 0;
}
