/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command's own terminal, relayed to the caller's (see pty.h). The relay is one
 * poll() over the caller's terminal, the pty's master and a self-pipe that the
 * signal handlers (SIGCHLD, SIGWINCH, SIGTERM, SIGHUP) write to.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "fs.h"
#include "log.h"
#include "macro.h"
#include "pty.h"
#include "spawn.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t fwd_child;

bool pty_wanted(void)
{
	return isatty(0);
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

int pty_open(struct pty *p, struct box_err **err)
{
	struct termios t;
	int unlock = 0;
	_cleanup_close_ int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return box_err_set(err, errno, "open a terminal for the command ('/dev/ptmx')");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return box_err_set(err, errno, "unlock the command's terminal");
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return box_err_set(err, errno, "open the command's side of its terminal");
	/* The caller's modes (erase character, UTF-8, ...) and size, as if it were it. */
	if (tcgetattr(0, &t) == 0)
		tcsetattr(s, TCSANOW, &t);
	copy_winsize(0, s);
	*p = (struct pty){ .master = TAKE_FD(m),
			   .slave = s,
			   .tty = 0,
			   .tty_out = isatty(1),
			   .tty_err = isatty(2) };
	p->out = p->tty_out ? 1 : p->tty_err ? 2 : 0;
	return 0;
}

/*
 * The session leader that stays between the pty and the command: a process group
 * whose parent is outside its session is orphaned, and the kernel discards Ctrl-Z
 * for it. Here the command's group has this parent in its session. It holds nothing
 * but the pty; when the command stops it stops too (which box's relay sees, and
 * stops box), and it ends as the command did.
 */
_noreturn_ static void monitor(pid_t cmd)
{
	int st;

	syscall(SYS_close_range, 3U, ~0U, 0U);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	for (;;) {
		if (waitpid(cmd, &st, WUNTRACED) < 0) {
			if (errno == EINTR)
				continue;
			_exit(125);
		}
		if (WIFSTOPPED(st)) {
			kill(getpid(), SIGSTOP);
			tcsetpgrp(0, cmd);
			kill(cmd, SIGCONT);
			continue;
		}
		if (WIFSIGNALED(st)) {
			signal(WTERMSIG(st), SIG_DFL);
			kill(getpid(), WTERMSIG(st));
			_exit(128 + WTERMSIG(st));
		}
		_exit(WEXITSTATUS(st));
	}
}

int pty_child(const struct pty *p)
{
	if (setsid() < 0 || ioctl(p->slave, TIOCSCTTY, 0) < 0)
		return -errno;
	if (dup2(p->slave, 0) < 0 || (p->tty_out && dup2(p->slave, 1) < 0) ||
	    (p->tty_err && dup2(p->slave, 2) < 0))
		return -errno;
	pid_t cmd = fork();
	if (cmd < 0)
		return -errno;
	if (cmd > 0)
		monitor(cmd);
	/* The command: the pty's foreground process group, as a shell would make it. */
	setpgid(0, 0);
	signal(SIGTTOU, SIG_IGN);
	tcsetpgrp(0, getpid());
	signal(SIGTTOU, SIG_DFL);
	return 0;
}

void pty_detach_child(void)
{
	setsid();
}

static void on_signal(int sig)
{
	int e = errno;
	char c = (char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full: a wakeup is pending anyway */
	}
	errno = e;
}

static void set_handlers(void (*h)(int))
{
	static const int sigs[] = { SIGCHLD, SIGWINCH, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = h, .sa_flags = SA_RESTART };

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void set_raw(const struct pty *p, const struct termios *saved)
{
	struct termios raw = *saved;

	cfmakeraw(&raw);
	tcsetattr(p->tty, TCSADRAIN, &raw);
}

void pty_resize(const struct pty *p)
{
	copy_winsize(p->tty, p->master);
}

/* The command stopped (Ctrl-Z reached it): stop box (or the peer) too, so the caller's
 * shell shows one stopped job; `fg` continues box, which continues the command. */
static void suspend(const struct pty *p, const struct termios *saved, pid_t child,
		    const struct pty_peer *peer)
{
	tcsetattr(p->tty, TCSADRAIN, saved);
	if (peer && peer->on_stop)
		peer->on_stop(p, child, peer->arg);
	else
		kill(getpid(), SIGSTOP);
	set_raw(p, saved);
	copy_winsize(p->tty, p->master);
	kill(child, SIGCONT);
}

/* Copy what is there from one fd to another; false at end of input. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return fs_write_all(to, buf, (size_t)n) >= 0;
}

static void on_signals(const struct pty *p, pid_t child)
{
	char sigs[64];
	ssize_t n = read(sig_pipe[0], sigs, sizeof(sigs));

	for (ssize_t i = 0; i < n; i++) {
		if (sigs[i] == SIGWINCH)
			copy_winsize(p->tty, p->master);
		else if (sigs[i] == SIGTERM || sigs[i] == SIGHUP)
			kill(child, sigs[i]);
	}
}

/* Poll until child exits; returns its waitpid status. */
static int relay_loop(const struct pty *p, const struct termios *saved, pid_t child,
		      const struct pty_peer *peer)
{
	struct pollfd fds[4] = { { .fd = p->tty, .events = POLLIN },
				 { .fd = p->master, .events = POLLIN },
				 { .fd = sig_pipe[0], .events = POLLIN },
				 { .fd = peer ? peer->fd : -1, .events = POLLIN } };
	int st;

	for (;;) {
		pid_t w = waitpid(child, &st, WNOHANG | WUNTRACED);
		if (w == child && WIFSTOPPED(st)) {
			suspend(p, saved, child, peer);
			continue;
		}
		if (w == child || (w < 0 && errno != EINTR))
			return w == child ? st : -1;
		if (poll(fds, 4, -1) < 0)
			continue;
		if (fds[3].revents && !peer->on_input(p, child, peer->arg))
			fds[3].fd = -1;
		if (fds[0].revents && !pump(p->tty, p->master))
			fds[0].fd = -1; /* the caller's terminal is gone: the command sees EOF */
		if (fds[1].revents && !pump(p->master, p->out))
			fds[1].fd = -1; /* every holder of the pty closed it */
		if (fds[2].revents)
			on_signals(p, child);
	}
}

int pty_relay(struct pty *p, pid_t child)
{
	return pty_relay_peer(p, child, NULL);
}

int pty_relay_peer(struct pty *p, pid_t child, const struct pty_peer *peer)
{
	struct termios saved;
	bool raw = tcgetattr(p->tty, &saved) == 0;
	int st = -1;

	close(p->slave);
	p->slave = -1;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		kill(child, SIGKILL);
	} else {
		set_handlers(on_signal);
		if (raw)
			set_raw(p, &saved);
		st = relay_loop(p, &saved, child, peer);
		/* What the command wrote last, before it exited. */
		fcntl(p->master, F_SETFL, O_NONBLOCK);
		while (pump(p->master, p->out))
			if (errno == EAGAIN)
				break;
		if (raw)
			tcsetattr(p->tty, TCSADRAIN, &saved);
		set_handlers(SIG_DFL);
		close(sig_pipe[0]);
		close(sig_pipe[1]);
	}
	close(p->master);
	p->master = -1;
	if (st < 0)
		return spawn_wait_status(child);
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 125;
}

static void fwd_signal(int sig)
{
	if (fwd_child > 0)
		kill((pid_t)fwd_child, sig);
}

/* Ctrl-Z: stop the command, then box itself; continued, continue the command. */
static void fwd_stop(int sig)
{
	sigset_t s;

	if (fwd_child > 0)
		kill((pid_t)fwd_child, SIGSTOP);
	sigemptyset(&s);
	sigaddset(&s, SIGTSTP);
	signal(SIGTSTP, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(SIGTSTP);
	signal(SIGTSTP, fwd_stop);
	if (fwd_child > 0)
		kill((pid_t)fwd_child, SIGCONT);
}

void pty_forward_signals(pid_t child)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };

	fwd_child = child;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], fwd_signal);
	signal(SIGTSTP, fwd_stop);
}
