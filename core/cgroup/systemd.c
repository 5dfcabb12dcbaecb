/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A sandbox's cgroup from the user's systemd, as podman's cgroup_manager = systemd does:
 * in a systemd user session the shell's cgroup is a session scope that systemd owns and
 * box may not split, so box asks the user manager (StartTransientUnit on the user bus)
 * for a transient scope box-NAME.scope holding the sandbox's supervisor, with
 * Delegate=yes so box may make the sandbox's cgroup inside it, and the limits as unit
 * properties (MemoryMax,
 * CPUQuotaPerSecUSec, TasksMax): systemd enables the controllers they need on the way
 * down, which box cannot do itself from inside a session it does not own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/log.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "cgroup.h"

/* How long the scope's job may take to move the process (systemd answers at once). */
#define SCOPE_WAIT_MS 3000

static void bus_unrefp(sd_bus **b)
{
	if (*b)
		sd_bus_flush_close_unref(*b);
}

static void msg_unrefp(sd_bus_message **m)
{
	if (*m)
		sd_bus_message_unref(*m);
}

/* The properties of the scope: its process, delegation, and the limits. */
static int append_properties(sd_bus_message *m, pid_t pid, const struct cg_limits *lim)
{
	int r = sd_bus_message_open_container(m, 'a', "(sv)");

	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "Delegate", "b", 1);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "Description", "s", "box sandbox");
	if (r >= 0 && lim->memory)
		r = sd_bus_message_append(m, "(sv)", "MemoryMax", "t", lim->memory);
	if (r >= 0 && lim->cpus > 0)
		r = sd_bus_message_append(m, "(sv)", "CPUQuotaPerSecUSec", "t",
					  (uint64_t)(lim->cpus * 1000000.0));
	if (r >= 0 && lim->pids)
		r = sd_bus_message_append(m, "(sv)", "TasksMax", "t", lim->pids);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	/* No auxiliary units. */
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	return r;
}

static int start_scope(sd_bus *bus, const char *unit, pid_t pid, const struct cg_limits *lim,
		       struct box_err **err)
{
	_cleanup_(msg_unrefp) sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	r = sd_bus_message_new_method_call(
	    bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = append_properties(m, pid, lim);
	if (r < 0)
		return box_err_set(err, -r, "build the StartTransientUnit call for %s", unit);
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0) {
		r = box_err_set(err, -r, "systemd StartTransientUnit %s: %s", unit,
				e.message ? e.message : strerror(-r));
		sd_bus_error_free(&e);
		return r;
	}
	return 0;
}

/* The cgroup2 directory pid is in, once it is unit's (the job moves it). */
static int wait_for_scope(pid_t pid, const char *unit, char **ret, struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *want = xasprintf("/%s", unit);

	for (int waited = 0; waited < SCOPE_WAIT_MS; waited += 10) {
		_cleanup_free_ char *buf = NULL, *rel = NULL, *mnt = NULL;
		size_t len;
		if (fs_read_file(path, CG_FILE_MAX, &buf, &len, NULL) < 0)
			return box_err_set(err, ESRCH, "process %d is gone", (int)pid);
		if (cg_parse_self_cgroup(buf, len, &rel) == 0 && str_endswith(rel, want)) {
			_cleanup_free_ char *mi = NULL;
			if (fs_read_file("/proc/self/mountinfo", 1 << 20, &mi, &len, err) < 0 ||
			    cg_parse_mountinfo(mi, len, &mnt) < 0)
				return box_err_set(err, ENOENT, "no cgroup2 mount");
			*ret = xasprintf("%s%s", mnt, rel);
			return 0;
		}
		usleep(10000);
	}
	return box_err_set(err, ETIMEDOUT, "systemd did not move process %d into %s", (int)pid,
			   unit);
}

bool cg_systemd_available(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *run = getenv("XDG_RUNTIME_DIR");
	_cleanup_free_ char *bus = run ? xasprintf("%s/systemd/private", run) : NULL;

	if (getenv("BOX_NO_SYSTEMD"))
		return false;
	/* A user manager: its private socket, or a session bus that systemd activates. */
	return (bus && access(bus, F_OK) == 0) || (addr && *addr);
}

int cg_systemd_enter_scope(const char *unit, const struct cg_limits *lim, char **ret_path,
			   struct box_err **err)
{
	_cleanup_(bus_unrefp) sd_bus *bus = NULL;
	int r;

	r = sd_bus_open_user(&bus);
	if (r < 0)
		return box_err_set(err, -r, "connect to the user's systemd (session bus)");
	/* Our own process: the user manager (or, for it, the system manager) may move a
	 * process of the user's, never one of a subordinate id, such as the sandbox's init. */
	r = start_scope(bus, unit, getpid(), lim, err);
	if (r < 0)
		return r;
	log_debug("systemd scope %s", unit);
	return wait_for_scope(getpid(), unit, ret_path, err);
}
