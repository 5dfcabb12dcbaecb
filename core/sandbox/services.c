/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hooks and services of a project's sandbox.
 *
 * Where the supervision lives: a small supervisor process inside the sandbox
 * ("box-services"), not init. It is started by a join right after the [start]
 * lines ran (so the order start -> services is the caller's, and a slow [start]
 * never holds up init), runs as the user with the sandbox's environment (services
 * need no capability, and a bug in it cannot touch what init guards), and is a
 * child subreaper so that a service's own children stay with it. Init still
 * reaps whatever else is orphaned and ends everything at `box stop`: its SIGTERM
 * to every process reaches the services and the supervisor, which then restarts
 * nothing and exits when they are gone. The supervisor writes its services'
 * output to logs in the data dir and their state to the runtime dir through
 * directory fds the join opened on the host (neither is visible inside).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "../util/macro.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "services.h"
#include "svclog.h"

#define STATE_FILE "services"

struct svc {
	struct svc_status st;
	char *cmd;
	int out; /* read end of its stdout/stderr pipe; -1 */
	struct svclog log;
	uint64_t started, next_start; /* ns; next_start 0: not waiting to start */
	unsigned backoff_ms;
};

struct svc_sup {
	struct svc *v;
	size_t n;
	int logdir, rundir;
	char **env;
	bool stopping;
	uint64_t kill_at; /* while stopping: SIGKILL to what is left */
};

static const char *const state_names[] = {
	[SVC_RUNNING] = "running",
	[SVC_RESTARTING] = "restarting",
	[SVC_EXITED] = "exited",
	[SVC_STOPPED] = "stopped",
};

const char *svc_state_to_string(enum svc_state s)
{
	return (size_t)s < ARRAY_SIZE(state_names) ? state_names[s] : "unknown";
}

void svc_status_free(struct svc_status *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].name);
	free(v);
}

/* ---- hooks ----------------------------------------------------------------------------- */

/*
 * sandbox_join() moves the calling process into the sandbox's namespaces, where
 * the host's runtime dir is gone: each join of a caller that goes on afterwards
 * happens in a child, which sends back the status or the error.
 */
static int join_forked(const char *name, const struct sandbox_join_opts *jo, struct box_err **err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return box_err_set(err, errno, "create a socket pair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return box_err_set(err, errno, "fork");
	}
	if (pid == 0) {
		struct box_err *e = NULL;
		close(sv[0]);
		int r = sandbox_join(name, jo, &e);
		if (r < 0)
			sync_send_error(sv[1], e);
		else
			sync_send_ok(sv[1], r);
		_exit(0);
	}
	close(sv[1]);
	int r = sync_recv(sv[0], "join the sandbox", err);
	close(sv[0]);
	spawn_wait_status(pid);
	return r;
}

int services_run_hooks(const char *name, char *const *cmds, const char *cwd,
		       void (*failed)(const char *cmd, int status, void *arg), void *arg,
		       struct box_err **err)
{
	int n = 0;

	for (size_t i = 0; cmds && cmds[i]; i++) {
		char *argv[] = { "/bin/sh", "-c", cmds[i], NULL };
		struct sandbox_join_opts jo = { .argv = argv, .cwd = cwd, .out_to_err = true };
		int r = join_forked(name, &jo, err);
		if (r < 0)
			return r;
		if (r > 0) {
			n++;
			if (failed)
				failed(cmds[i], r, arg);
		}
	}
	return n;
}

int services_run_host(char *const *cmds, const char *cwd,
		      void (*failed)(const char *cmd, int status, void *arg), void *arg,
		      struct box_err **err)
{
	for (size_t i = 0; cmds && cmds[i]; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return box_err_set(err, errno, "fork");
		if (pid == 0) {
			if (cwd && chdir(cwd) < 0)
				_exit(125);
			/* Output on stderr, as the setup's: never in a command's stdout. */
			if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
				_exit(125);
			execl("/bin/sh", "sh", "-c", cmds[i], (char *)NULL);
			_exit(127);
		}
		int st = spawn_wait_status(pid);
		if (st != 0) {
			if (failed)
				failed(cmds[i], st, arg);
			return 1;
		}
	}
	return 0;
}

/* ---- the state file -------------------------------------------------------------------- */

char *services_state_format(const struct svc_status *v, size_t n)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s\t%s\t%d\t%u\t%d\n", s, v[i].name,
				    svc_state_to_string(v[i].state), (int)v[i].pid, v[i].restarts,
				    v[i].status);
		free(s);
		s = t;
	}
	return s;
}

static int parse_line(char *line, struct svc_status *ret)
{
	char *f[5], *save = NULL;
	long pid, restarts, status;
	size_t k = 0;

	for (char *t = strtok_r(line, "\t", &save); t && k < 5; t = strtok_r(NULL, "\t", &save))
		f[k++] = t;
	if (k != 5 || parse_int_range(f[2], 0, INT32_MAX, &pid) < 0 ||
	    parse_int_range(f[3], 0, INT32_MAX, &restarts) < 0 ||
	    parse_int_range(f[4], -1, 255, &status) < 0)
		return -EINVAL;
	for (size_t s = 0; s < ARRAY_SIZE(state_names); s++)
		if (streq(f[1], state_names[s])) {
			*ret = (struct svc_status){ .name = xstrdup(f[0]),
						    .state = (enum svc_state)s,
						    .pid = (pid_t)pid,
						    .restarts = (unsigned)restarts,
						    .status = (int)status };
			return 0;
		}
	return -EINVAL;
}

int services_state_parse(const char *buf, size_t len, struct svc_status **ret, size_t *ret_n)
{
	_cleanup_free_ char *copy = xmalloc(len + 1);
	struct svc_status *v = NULL;
	size_t n = 0;
	char *save = NULL;

	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct svc_status s;
		if (n >= 1024 || parse_line(l, &s) < 0) {
			svc_status_free(v, n);
			return -EINVAL;
		}
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = s;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int services_state_read(const char *name, struct svc_status **ret, size_t *ret_n)
{
	_cleanup_free_ char *rd = sandbox_runtime_dir(name);
	_cleanup_free_ char *p = xasprintf("%s/%s", rd, STATE_FILE);
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (fs_read_file(p, 1024 * 1024, &buf, &len, NULL) < 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return services_state_parse(buf, len, ret, ret_n);
}

/* ---- the supervisor, inside ------------------------------------------------------------ */

static void write_state(const struct svc_sup *s)
{
	struct svc_status *v = xcalloc(s->n ? s->n : 1, sizeof(*v));

	for (size_t i = 0; i < s->n; i++)
		v[i] = s->v[i].st;
	_cleanup_free_ char *text = services_state_format(v, s->n);
	free(v);
	_cleanup_close_ int fd = openat(s->rundir, "." STATE_FILE ".tmp",
					O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || fs_write_all(fd, text, strlen(text)) < 0 ||
	    renameat(s->rundir, "." STATE_FILE ".tmp", s->rundir, STATE_FILE) < 0)
		log_debug("cannot write the services' state");
}

static void note(struct svc *v, const char *fmt, ...) _printf_(2, 3);
static void note(struct svc *v, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) >= 0) {
		_cleanup_free_ char *line = xasprintf("[box] %s\n", m);
		svclog_write(&v->log, line, strlen(line));
		free(m);
	}
	va_end(ap);
}

_noreturn_ static void svc_exec(const struct svc *v, int out, char **env)
{
	char *argv[] = { "sh", "-c", v->cmd, NULL };
	sigset_t none;

	setsid();
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(125);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execve("/bin/sh", argv, env);
	_exit(127);
}

static void svc_spawn(struct svc_sup *s, struct svc *v)
{
	int p[2];

	v->next_start = 0;
	if (pipe2(p, O_CLOEXEC) < 0) {
		note(v, "cannot start: pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		svc_exec(v, p[1], s->env);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		note(v, "cannot start: fork: %s", strerror(errno));
		return;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	if (v->out >= 0)
		close(v->out);
	v->out = p[0];
	v->st.pid = pid;
	v->st.state = SVC_RUNNING;
	v->started = now_ns();
	note(v, "started: %s (pid %d)", v->cmd, (int)pid);
}

static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 125;
}

static void svc_exited(struct svc_sup *s, struct svc *v, int status)
{
	uint64_t now = now_ns();
	uint64_t ran_ms = (now - v->started) / 1000000u;

	/* What the service left behind in its session (the command under its sh, a
	 * worker) would hold its port and block the restart: it goes too. */
	kill(-v->st.pid, SIGKILL);
	v->st.pid = 0;
	v->st.status = status;
	if (s->stopping) {
		v->st.state = SVC_STOPPED;
		return;
	}
	if (status == 0) {
		v->st.state = SVC_EXITED;
		note(v, "exited with status 0; not restarted");
		return;
	}
	if (ran_ms >= SVC_STABLE_MS || !v->backoff_ms)
		v->backoff_ms = SVC_BACKOFF_MIN_MS;
	else
		v->backoff_ms = MIN(v->backoff_ms * 2, SVC_BACKOFF_MAX_MS);
	v->st.state = SVC_RESTARTING;
	v->st.restarts++;
	v->next_start = now + (uint64_t)v->backoff_ms * 1000000u;
	note(v, "exited with status %d; restarting in %u ms", status, v->backoff_ms);
}

static void reap(struct svc_sup *s)
{
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].st.pid == p)
				svc_exited(s, &s->v[i], status_of(st));
}

static void read_output(struct svc *v)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(v->out, buf, sizeof(buf))) > 0)
		svclog_write(&v->log, buf, (size_t)n);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(v->out);
		v->out = -1;
	}
}

static void stop_all(struct svc_sup *s)
{
	s->stopping = true;
	s->kill_at = now_ns() + (uint64_t)SVC_STOP_GRACE_MS * 1000000u;
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].st.pid > 0)
			kill(-s->v[i].st.pid, SIGTERM);
		else
			s->v[i].st.state = SVC_STOPPED;
		s->v[i].next_start = 0;
	}
}

static void on_signals(struct svc_sup *s, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(s);
		else if (!s->stopping)
			stop_all(s);
	}
}

/* Milliseconds until the next thing to do without an event (-1: none). */
static int next_timeout(const struct svc_sup *s)
{
	uint64_t now = now_ns(), next = s->stopping ? s->kill_at : 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].next_start && (!next || s->v[i].next_start < next))
			next = s->v[i].next_start;
	if (!next)
		return -1;
	return next <= now ? 0 : (int)MIN((next - now) / 1000000u + 1, 60000u);
}

static bool all_gone(const struct svc_sup *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].st.pid > 0 || s->v[i].out >= 0)
			return false;
	return true;
}

static void due(struct svc_sup *s)
{
	uint64_t now = now_ns();

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].next_start && s->v[i].next_start <= now && !s->stopping)
			svc_spawn(s, &s->v[i]);
	if (s->stopping && now >= s->kill_at)
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].st.pid > 0)
				kill(-s->v[i].st.pid, SIGKILL);
}

static void poll_once(struct svc_sup *s, int sfd)
{
	struct pollfd *pf = xcalloc(s->n + 1, sizeof(*pf));
	size_t k = 1;

	pf[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].out >= 0)
			pf[k++] = (struct pollfd){ .fd = s->v[i].out, .events = POLLIN };
	if (poll(pf, k, next_timeout(s)) > 0) {
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i].out >= 0)
				read_output(&s->v[i]);
		if (pf[0].revents & POLLIN)
			on_signals(s, sfd);
	}
	free(pf);
	due(s);
}

static int supervise(void *arg, char **env)
{
	struct svc_sup *s = arg;
	sigset_t set;

	prctl(PR_SET_NAME, "box-services");
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return 125;
	s->env = env;
	for (size_t i = 0; i < s->n; i++) {
		svclog_open(&s->v[i].log, s->logdir, s->v[i].st.name, SVCLOG_MAX);
		svc_spawn(s, &s->v[i]);
	}
	for (;;) {
		write_state(s);
		if (s->stopping && all_gone(s))
			return 0;
		poll_once(s, sfd);
	}
}

/* ---- starting it, on the host ---------------------------------------------------------- */

static void sup_free(struct svc_sup *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].st.name);
		free(s->v[i].cmd);
	}
	free(s->v);
	if (s->logdir >= 0)
		close(s->logdir);
	if (s->rundir >= 0)
		close(s->rundir);
}

static int open_dir(const char *path, struct box_err **err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? box_err_set(err, errno, "open '%s'", path) : fd;
}

int services_start(const char *name, const struct sandbox_config *c, struct box_err **err)
{
	struct svc_sup s = { .logdir = -1, .rundir = -1 };
	_cleanup_free_ char *logs = svclog_dir(name), *rd = sandbox_runtime_dir(name);
	int r;

	if (!c->services || !c->services[0])
		return 0;
	for (char **e = c->services; *e; e++) {
		const char *tab = strchr(*e, '\t');
		if (!tab)
			continue;
		s.v = xrealloc(s.v, (s.n + 1) * sizeof(*s.v));
		s.v[s.n++] =
		    (struct svc){ .st = { .name = xstrndup(*e, (size_t)(tab - *e)), .status = -1 },
				  .cmd = xstrdup(tab + 1),
				  .out = -1,
				  .log = { .fd = -1 } };
	}
	r = mkdir_p(logs, 0700, err);
	if (r >= 0)
		r = s.logdir = open_dir(logs, err);
	if (r >= 0)
		r = s.rundir = open_dir(rd, err);
	if (r >= 0) {
		struct sandbox_join_opts jo = { .cwd = c->project, .fn = supervise, .fn_arg = &s };
		r = join_forked(name, &jo, err);
	}
	sup_free(&s);
	return r < 0 ? r : 0;
}
