/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A command's own terminal: a new pty whose master box keeps and relays to the
 * caller's terminal, so that the command never holds the caller's terminal (no
 * TIOCSTI into the shell that started box). The relay puts the caller's terminal
 * in raw mode (the pty's own line discipline does the work: Ctrl-C, Ctrl-Z, echo),
 * passes window size changes on, and when the command stops (Ctrl-Z in a command
 * that is not a shell) stops box as well, so the caller's shell sees one job.
 */
#ifndef BOX_PTY_H
#define BOX_PTY_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct pty {
	int master;
	int slave;    /* the command's side: pty_child() makes it its terminal */
	int tty;      /* the caller's terminal (fd 0) */
	int out;      /* where the master's output goes: the caller's terminal */
	bool tty_out; /* stdout is the caller's terminal too */
	bool tty_err; /* and stderr */
};

/* Whether a command started from here gets a pty: stdin is a terminal. */
bool pty_wanted(void);

/* Open a pty in the current mount namespace's /dev/ptmx, sized like the caller's. */
int pty_open(struct pty *p, struct box_err **err);

/*
 * In a forked child (not vfork: it forks again): a new session with the pty as its
 * controlling terminal, on each of fds 0-2 that was the caller's terminal. The child
 * stays as the session's leader and returns 0 in a grandchild, the command, which
 * is the pty's foreground process group. Returns -errno.
 */
int pty_child(const struct pty *p);

/* Without a pty: a new session, so the caller's terminal is not the command's
 * controlling terminal even when it writes to it. */
void pty_detach_child(void);

/* Relay until child exits; returns its shell-style status. Closes the pty. */
int pty_relay(struct pty *p, pid_t child);

/*
 * A caller that is not this process (box-host-exec's, behind a socket): its
 * terminal's size changes and signals come as messages on fd, and when the command
 * stops, the caller is told to stop instead of this process.
 */
struct pty_peer {
	int fd; /* polled while the command runs */
	/* fd is readable; false: stop polling it (the caller is gone) */
	bool (*on_input)(const struct pty *p, pid_t child, void *arg);
	/* The command stopped, the caller's terminal is back in its modes: returns
	 * when the command may continue. */
	void (*on_stop)(const struct pty *p, pid_t child, void *arg);
	void *arg;
};
/* pty_relay() for a peer (NULL: the same as pty_relay()). */
int pty_relay_peer(struct pty *p, pid_t child, const struct pty_peer *peer);
/* Give the pty the size of the caller's terminal. */
void pty_resize(const struct pty *p);

/*
 * Without a pty, box stays in the caller's foreground while the command is in its
 * own session: pass the terminal's signals (Ctrl-C, Ctrl-\, Ctrl-Z and the
 * continue after it) on to child. Call after the fork.
 */
void pty_forward_signals(pid_t child);

#endif
