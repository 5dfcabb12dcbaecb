/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user namespace keeper (keeper.h). A client trusts a namespace fd only when it
 * is a user namespace that is a child of the client's own, owned by the user, held
 * by the process that answered, and has exactly the maps the client would write.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../host/caps.h"
#include "../util/fdpass.h"
#include "../util/fs.h"
#include "../util/log.h"
#include "../util/paths.h"
#include "../util/spawn.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "keeper.h"

#define KEEPER_SOCK	     "userns.sock"
#define KEEPER_PID	     "userns.pid"
#define KEEPER_IDLE_DEFAULT  300
#define KEEPER_CONNECT_LIMIT 16 /* waiting connections */

/* Seconds without a client before the keeper exits; 0: no keeper. */
static unsigned keeper_idle(void)
{
	const char *v = getenv("BOX_USERNS_IDLE");
	uint32_t n;

	if (v && parse_u32(v, &n) == 0)
		return n > 86400 ? 86400 : n;
	return KEEPER_IDLE_DEFAULT;
}

static bool fill_addr(struct sockaddr_un *a, const char *path)
{
	*a = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a->sun_path))
		return false;
	strcpy(a->sun_path, path);
	return true;
}

/* --- the keeper itself --- */

struct keeper {
	const struct box_ids *ids;
	int listen_fd;
	unsigned idle;
};

static void keeper_serve(int lfd, int nsfd, uid_t uid, unsigned idle)
{
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int r = poll(&p, 1, (int)(idle * 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		_cleanup_close_ int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		struct ucred cr;
		socklen_t len = sizeof(cr);
		if (c >= 0 && getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
		    cr.uid == uid)
			fdpass_send(c, nsfd);
	}
}

/*
 * The keeper's body, root of the new namespace: away from the caller's session and
 * files (a command substitution around box must not wait for it), with no
 * capabilities left, serving until idle.
 */
static int keeper_main(struct spawn_ctx *sc, struct box_err **err)
{
	struct keeper *k = sc->arg;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	(void)err;

	setsid();
	prctl(PR_SET_NAME, "box-userns");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup2(k->listen_fd, 3) < 0 || dup2(sc->sync_fd, 4) < 0 || chdir("/") < 0)
		return 1;
	syscall(SYS_close_range, 5U, ~0U, 0U);
	int nsfd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	/* The user's own ids (the same inside and out), so that the user's other
	 * processes may look at /proc/PID/ns/user (userns_fits()), and nothing more. */
	if (nsfd < 0 || caps_limit_bounding(false, NULL) < 0 ||
	    setresgid(k->ids->gid, k->ids->gid, k->ids->gid) < 0 ||
	    setresuid(k->ids->uid, k->ids->uid, k->ids->uid) < 0 || caps_drop_all(NULL) < 0 ||
	    prctl(PR_SET_DUMPABLE, 1) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	/* Listening here makes the peer credentials a client sees this process's. */
	if (listen(3, KEEPER_CONNECT_LIMIT) < 0 || sync_send_ok(4, 0) < 0)
		return 1;
	close(4);
	keeper_serve(3, nsfd, k->ids->uid, k->idle);
	return 0;
}

/* Start a keeper: its socket bound under a name of its own, then renamed into place
 * (a keeper that lost a race to another is left to its idle timeout). */
static int keeper_start(const struct box_ids *ids, const char *dir, unsigned idle)
{
	_cleanup_free_ char *tmp = xasprintf("%s/" KEEPER_SOCK ".%d", dir, (int)getpid());
	_cleanup_free_ char *sock = xasprintf("%s/" KEEPER_SOCK, dir);
	_cleanup_free_ char *pidf = xasprintf("%s/" KEEPER_PID, dir);
	_cleanup_err_ struct box_err *err = NULL;
	_cleanup_close_ int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), sync = -1;
	struct sockaddr_un a;
	pid_t pid;

	if (lfd < 0 || !fill_addr(&a, tmp))
		return -1;
	unlink(tmp);
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		log_debug("userns keeper: socket '%s': %s", tmp, strerror(errno));
		return -1;
	}
	struct keeper k = { .ids = ids, .listen_fd = lfd, .idle = idle };
	if (spawn_userns(ids, 0, keeper_main, &k, &pid, &sync, &err) < 0) {
		log_debug("userns keeper: %s", err->msg);
		unlink(tmp);
		return -1;
	}
	_cleanup_free_ char *ns = xasprintf("/proc/%d/ns/user", (int)pid);
	int fd = sync_recv(sync, "userns keeper", &err) < 0 ? -1 : open(ns, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *pidtext = xasprintf("%d\n", (int)pid);
	if (fd < 0 || rename(tmp, sock) < 0 ||
	    fs_write_file_replace(pidf, pidtext, strlen(pidtext), 0600, NULL) < 0) {
		log_debug("userns keeper: could not put it in place: %s",
			  err ? err->msg : strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		unlink(tmp);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	log_debug("userns keeper: started, pid %d", (int)pid);
	return fd;
}

/* --- the client --- */

/* Every line of a /proc/PID/{uid,gid}_map is one of m's entries, and there are as many. */
static bool map_matches(pid_t pid, const char *file, const struct idmap *m)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_free_ char *buf = NULL;
	size_t len, n = 0;

	if (fs_read_file(path, 1 << 16, &buf, &len, NULL) < 0)
		return false;
	for (char *s = buf, *save = NULL, *line; (line = strtok_r(s, "\n", &save)); s = NULL) {
		unsigned in, out, count;
		bool found = false;
		if (sscanf(line, "%u %u %u", &in, &out, &count) != 3)
			return false;
		for (size_t i = 0; i < m->n && !found; i++)
			found = m->e[i].inside == in && m->e[i].outside == out &&
				m->e[i].count == count;
		if (!found)
			return false;
		n++;
	}
	return n == m->n;
}

static bool same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Whether nsfd, from the keeper pid, is a user namespace box would have made itself. */
static bool userns_fits(int nsfd, pid_t pid, const struct box_ids *ids)
{
	_cleanup_free_ char *held = xasprintf("/proc/%d/ns/user", (int)pid);
	uid_t owner;

	if (ioctl(nsfd, NS_GET_NSTYPE) != CLONE_NEWUSER ||
	    ioctl(nsfd, NS_GET_OWNER_UID, &owner) < 0 || owner != getuid())
		return false;
	_cleanup_close_ int parent = ioctl(nsfd, NS_GET_PARENT);
	return parent >= 0 && same_file(parent, "/proc/self/ns/user") && same_file(nsfd, held) &&
	       map_matches(pid, "uid_map", &ids->uidmap) &&
	       map_matches(pid, "gid_map", &ids->gidmap);
}

/* Ask a running keeper: its namespace's fd, or -1. */
static int keeper_ask(const char *dir, const struct box_ids *ids)
{
	_cleanup_free_ char *path = xasprintf("%s/" KEEPER_SOCK, dir);
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd;

	if (s < 0 || !fill_addr(&a, path) || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 || fdpass_recv(s, &fd) < 0)
		return -1;
	if (!userns_fits(fd, cr.pid, ids)) {
		log_debug("userns keeper: pid %d holds another namespace, starting a new one",
			  (int)cr.pid);
		close(fd);
		return -1;
	}
	return fd;
}

int keeper_userns(const struct box_ids *ids)
{
	unsigned idle = keeper_idle();

	if (ids->single || ids->identity || idle == 0 || paths_check_runtime_dir(NULL) < 0)
		return -1;
	_cleanup_free_ char *dir = paths_runtime_dir();
	int fd = keeper_ask(dir, ids);
	return fd >= 0 ? fd : keeper_start(ids, dir, idle);
}
