/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The net helper's seccomp filter, the last step of its jail: only the system calls
 * the libslirp loop makes once it runs (found with strace on a helper carrying
 * traffic, forwards and control requests) are allowed; everything else fails with
 * EPERM. So a bug in libslirp that lets a crafted packet run code still cannot
 * open a file outside the jail's empty root, exec, ptrace, mount, make a namespace
 * or push input into a terminal, and its sockets stay IPv4/IPv6.
 * The approach follows slirp4netns's seccompfilter.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "../core/util/macro.h"
#include "jail.h"

#ifndef NS_GET_PID_IN_PIDNS
#define NS_GET_PID_IN_PIDNS _IOR(0xb7, 0x8, int)
#endif

/* Allowed with any arguments. */
static const int allowed[] = {
	/* the loop: poll, the tap, libslirp's sockets, control clients */
	SCMP_SYS(poll),
	SCMP_SYS(ppoll),
	SCMP_SYS(read),
	SCMP_SYS(write),
	SCMP_SYS(readv),
	SCMP_SYS(writev),
	SCMP_SYS(pread64),
	SCMP_SYS(lseek),
	SCMP_SYS(close),
	SCMP_SYS(recvfrom),
	SCMP_SYS(sendto),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg),
	SCMP_SYS(recvmmsg),
	SCMP_SYS(sendmmsg),
	SCMP_SYS(connect),
	SCMP_SYS(bind),
	SCMP_SYS(listen),
	SCMP_SYS(accept),
	SCMP_SYS(accept4),
	SCMP_SYS(shutdown),
	SCMP_SYS(getsockopt),
	SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname),
	SCMP_SYS(getpeername),
	SCMP_SYS(fcntl),
	SCMP_SYS(fstat),
	SCMP_SYS(newfstatat),
	/* time, memory, identity, signals, the end */
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(time),
	SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep),
	SCMP_SYS(brk),
	SCMP_SYS(mmap),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(madvise),
	SCMP_SYS(mprotect),
	SCMP_SYS(futex),
	SCMP_SYS(getrandom),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(getuid),
	SCMP_SYS(geteuid),
	SCMP_SYS(getgid),
	SCMP_SYS(getegid),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(sched_yield),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
#ifdef __SANITIZE_ADDRESS__
	/* AddressSanitizer's runtime reads the alternate signal stack before a function
	 * that does not return (exit paths): sanitizer builds of the tests only. */
	SCMP_SYS(sigaltstack),
#endif
};

/* ioctl requests: bytes waiting, non-blocking, and placing a control peer. */
static const unsigned long allowed_ioctls[] = { FIONREAD, FIONBIO, NS_GET_PID_IN_PIDNS };

void *net_seccomp_filter(struct box_err **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(allowed); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(allowed_ioctls); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_EQ, allowed_ioctls[i]));
	/* libslirp's own sockets: IPv4 and IPv6 only, no unix, netlink or packet. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_INET));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	/* libslirp reads /etc/resolv.conf (the jail's copy) at its first DNS query. Only
	 * from the jail's root: a directory fd could lead back to the host with `..`. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				     SCMP_A0_32(SCMP_CMP_EQ, (uint32_t)AT_FDCWD));
	/* Reading a limit (glib asks for RLIMIT_NOFILE), never setting one. */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
				     SCMP_A2(SCMP_CMP_EQ, 0));
	if (r < 0) {
		if (ctx)
			seccomp_release(ctx);
		box_err_set(err, -r, "build the net helper's seccomp filter");
		return NULL;
	}
	return ctx;
}

int net_seccomp_load(void *filter, struct box_err **err)
{
	int r = seccomp_load(filter);

	seccomp_release(filter);
	if (r < 0)
		return box_err_set(err, -r, "load the net helper's seccomp filter");
	return 0;
}

void net_seccomp_free(void *filter)
{
	if (filter)
		seccomp_release(filter);
}
