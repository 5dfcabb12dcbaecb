/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cleanup attributes and ownership transfer helpers shared by every module.
 * Variables declared with a _cleanup_ macro release their resource when they go
 * out of scope; TAKE_PTR/TAKE_FD hand ownership to the caller and disarm it.
 */
#ifndef BOX_MACRO_H
#define BOX_MACRO_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)     ((a) < (b) ? (a) : (b))
#define MAX(a, b)     ((a) > (b) ? (a) : (b))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Kill and reap a child we still own when the scope ends (crun's cleanup_pid). */
static inline void killpidp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
}

/* NULL-terminated array of strings. */
static inline void strv_freep(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
}

#define _cleanup_free_	    _cleanup_(freep)
#define _cleanup_close_	    _cleanup_(closep)
#define _cleanup_fclose_    _cleanup_(fclosep)
#define _cleanup_closedir_  _cleanup_(closedirp)
#define _cleanup_killpid_   _cleanup_(killpidp)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tp = (p);                                                           \
		(p) = NULL;                                                                        \
		_tp;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tf = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_tf;                                                                               \
	})

#define TAKE_PID(pid)                                                                              \
	({                                                                                         \
		pid_t _tpid = (pid);                                                               \
		(pid) = 0;                                                                         \
		_tpid;                                                                             \
	})

#define streq(a, b) (strcmp((a), (b)) == 0)

#endif
