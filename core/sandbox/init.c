/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PID 1 of every sandbox (see init.h): a supervised sandbox's init and the one-shot
 * launcher's run the code below, and nothing else in box is a PID 1.
 */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/exit.h"
#include "../util/macro.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "init.h"

#define INIT_GRACE_NS (5ull * 1000000000ull)

static const int init_signals[] = { SIGTERM, SIGINT,  SIGHUP,	SIGQUIT,
				    SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };
static const struct sandbox_net_hooks *net_hooks;

void sandbox_set_net_hooks(const struct sandbox_net_hooks *h)
{
	net_hooks = h;
}

const struct sandbox_net_hooks *init_net_hooks(void)
{
	return net_hooks;
}

/* ---- first steps ------------------------------------------------------------------------- */

int init_begin(const struct init_net *n, struct box_err **err)
{
	/* When the launcher dies, PID 1 dies, and with it every process of the sandbox. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "box-init");
	/* The network needs no root filesystem: it comes first, so that the launcher
	 * can start the net helper on the tap while the root is being prepared. */
	if (n->host)
		return 0;
	if (n->tap_sock < 0)
		return container_loopback_up(err); /* network = none: loopback only */
	if (!net_hooks)
		return box_err_set(err, ENOSYS, "no userspace network is wired into this program");
	return net_hooks->tap_send(n->tap_sock, n->cfg, err);
}

/* ---- life ------------------------------------------------------------------------------ */

static void init_sigset(sigset_t *s)
{
	sigemptyset(s);
	for (size_t i = 0; i < ARRAY_SIZE(init_signals); i++)
		sigaddset(s, init_signals[i]);
}

void init_block_signals(void)
{
	sigset_t s;
	init_sigset(&s);
	sigprocmask(SIG_BLOCK, &s, NULL);
}

static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : EXIT_BOX;
}

/* Reap every exited process; true when child was among them (its status in *ret). */
static bool reap(pid_t child, int *ret)
{
	bool done = false;
	pid_t p;
	int st;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == child) {
			*ret = status_of(st);
			done = true;
		}
	return done;
}

static void forward(pid_t child, const siginfo_t *si)
{
	/*
	 * The terminal (SI_KERNEL) signals the whole foreground process group, which the
	 * command is in or has taken over: it has the signal already. Only signals sent
	 * to init on purpose (box's parent forwarding SIGTERM, kill from inside) go on.
	 */
	if (si->si_code == SI_KERNEL)
		return;
	kill(getpgid(child) == child ? -child : child, si->si_signo);
}

/* Sandbox shutdown: SIGTERM to everything, SIGKILL to what is left after a grace period. */
static int shutdown_all(const sigset_t *set)
{
	uint64_t deadline = now_ns() + INIT_GRACE_NS;
	pid_t p;

	kill(-1, SIGTERM);
	for (;;) {
		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			;
		if (p < 0 && errno == ECHILD)
			return 0;
		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		struct timespec ts = { .tv_sec = (time_t)((deadline - now) / 1000000000ull),
				       .tv_nsec = (long)((deadline - now) % 1000000000ull) };
		sigtimedwait(set, NULL, &ts);
	}
	kill(-1, SIGKILL);
	while ((p = waitpid(-1, NULL, 0)) > 0 || (p < 0 && errno == EINTR))
		;
	return 0;
}

int init_loop(pid_t child)
{
	sigset_t set;
	siginfo_t si;
	int status = EXIT_BOX;

	init_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (child > 0 && reap(child, &status))
		return status;
	for (;;) {
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo == SIGCHLD) {
			if (reap(child, &status) && child > 0)
				return status;
		} else if (child > 0) {
			forward(child, &si);
		} else if (si.si_signo == SIGTERM) {
			return shutdown_all(&set);
		}
	}
}

/* The command's side of init_run_command(), in a vfork() child: it shares PID 1's
 * memory until the exec, so it only ever exec's or _exit()s, and its locals live in
 * a frame of its own. */
_noreturn_ __attribute__((noinline)) static void command_child(const struct exec_opts *o,
							       int sync_fd)
{
	struct box_err *e = NULL;
	int r = container_exec(o, &e);

	sync_send_error(sync_fd, e);
	_exit(container_exec_failure_status(r));
}

int init_run_command(const struct exec_opts *o, int *sync_fd, struct box_err **err)
{
	init_block_signals();
	/*
	 * vfork, as posix_spawn() does: no copy of PID 1's page tables and no
	 * copy-on-write faults in either process, a good part of a one-shot run's cost.
	 * PID 1 waits meanwhile; what the child allocates before its exec stays
	 * unused in PID 1's heap.
	 */
	pid_t pid = vfork();
	if (pid < 0)
		return box_err_set(err, errno, "fork the command");
	if (pid == 0)
		command_child(o, *sync_fd);
	/* The sync socket now reaches EOF when the command has exec'd (or reported). */
	close(*sync_fd);
	*sync_fd = -1;
	return init_loop(pid);
}
