/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The net helper's state, shared by the files of the loop (private to net/):
 * loop.c (libslirp glue and the poll loop), fwd.c (the forward table, static,
 * live and automatic) and ctl.c (the control socket protocol).
 */
#ifndef BOX_NET_LOOP_H
#define BOX_NET_LOOP_H

#include <libslirp.h>
#include <poll.h>
#include <stdint.h>

#include "net.h"

#define LOOP_MAX_CLIENTS 8
#define LOOP_MAX_FWDS	 512
#define LOOP_MAX_TIMERS	 8

enum fwd_kind { FWD_STATIC, FWD_LIVE, FWD_AUTO };

struct fwd {
	struct port_spec spec;
	enum fwd_kind kind;
};

struct loop_timer {
	bool used;
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
};

struct ctl_client {
	int fd;
	bool denied; /* another user: read the request, then refuse it */
	uint64_t deadline_ms;
	size_t len;
	char buf[512];
};

struct net_loop {
	const struct net_helper_opts *o;
	Slirp *slirp;
	int tap_fd;
	bool vnet; /* a virtio-net header before each frame on tap_fd */
	int ctl_fd;
	int pid_fd; /* pidfd of the sandbox's init: readable when it exits */
	int sig_fd;
	/* /proc/<init>/net/tcp and tcp6, opened before the helper leaves /proc: files, never
	 * the directory, from which `..` would lead back to the host's /proc */
	int procnet_fd;
	int procnet6_fd;
	int pidns_fd;	    /* the sandbox's pid namespace (when not ours): control peers in it are
			       refused */
	int sockstat_fd[2]; /* /proc/<init>/net/sockstat and sockstat6, likewise */
	int cpu_fd;	    /* the sandbox's cgroup cpu.stat: whether anything in it ran */

	struct pollfd *pfd;
	size_t n_pfd, cap_pfd;

	struct loop_timer timers[LOOP_MAX_TIMERS];
	struct ctl_client clients[LOOP_MAX_CLIENTS];

	struct fwd *fwds;
	size_t n_fwds;
	uint16_t suppressed[64]; /* automatic forwards removed by hand or failed */
	size_t n_suppressed;
	uint64_t next_scan_ms;	/* next look at the TCP socket counts */
	uint64_t full_scan_ms;	/* next read of the listeners even if the counts stayed */
	long scan_inuse;	/* the counts at the last read of the listeners */
	uint32_t scan_every_ms; /* the look's interval: longer while the sandbox is idle */
	uint32_t quiet_ms;	/* idle this long before the interval grows */
	uint64_t active_ms;	/* when the sandbox's CPU counter last moved */
	bool cpu_known;
	uint64_t cpu_usec;	/* the counter at the last look */
	uint64_t full_cpu_usec; /* and at the last read of the listeners */
	uint64_t other_due_ms;	/* the poll set's earliest deadline besides the look */
	bool look_only;		/* the poll timeout is the look's alone */

	uint64_t rx_bytes; /* into the sandbox (written to the tap) */
	uint64_t tx_bytes; /* out of the sandbox (read from the tap) */
	uint64_t fwd_gen;  /* bumped by every change of the forward table */
	int page_fd;	   /* the page (net.h), locked while the loop runs */
	struct net_page_hdr *shared;
	bool quit;
	bool wrote; /* a frame went to the tap since the last tap_read */
	uint8_t *buf;
	size_t buf_len;
};

uint64_t loop_now_ms(void);
/* After a change of the forward table: its generation and text into the page. */
void loop_publish_fwds(struct net_loop *l);

/* Publish a counter in the page (see net_page_hdr); no-op without one. */
#define LOOP_PUBLISH(l, field, value)                                                              \
	do {                                                                                       \
		if ((l)->shared)                                                                   \
			__atomic_store_n(&(l)->shared->field, (value), __ATOMIC_RELAXED);          \
	} while (0)

/* fwd.c */
int fwd_add(struct net_loop *l, const struct port_spec *p, enum fwd_kind kind,
	    struct box_err **err);
int fwd_remove(struct net_loop *l, const struct port_spec *p, struct box_err **err);
/* "SPEC kind" lines; caller frees. */
char *fwd_list(const struct net_loop *l);
/* Compare the sandbox's listening sockets with the automatic forwards. */
void fwd_auto_scan(struct net_loop *l);

/* ctl.c */
int ctl_listen(struct net_loop *l, const char *path, struct box_err **err);
void ctl_accept(struct net_loop *l);
void ctl_client_io(struct net_loop *l, struct ctl_client *c);
void ctl_expire(struct net_loop *l, uint64_t now);
/* Reply to one request (the text without the newline); caller frees. */
char *ctl_handle(struct net_loop *l, const char *req);

#endif
