/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup.freeze for a consistent read of a running sandbox (see freeze.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "../util/fs.h"
#include "../util/macro.h"
#include "../util/util.h"
#include "../util/xalloc.h"
#include "freeze.h"

#define FREEZE_WAIT_MS 2000

static bool events_say(const char *dir, bool frozen)
{
	_cleanup_free_ char *path = xasprintf("%s/cgroup.events", dir), *buf = NULL;
	size_t len;

	if (fs_read_file(path, 4096, &buf, &len, NULL) < 0)
		return false;
	return strstr(buf, frozen ? "frozen 1" : "frozen 0") != NULL;
}

int cg_freeze(const char *dir, bool frozen, struct box_err **err)
{
	_cleanup_free_ char *path = xasprintf("%s/cgroup.freeze", dir);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return box_err_set(err, errno, "open '%s'", path);
	if (write(fd, frozen ? "1" : "0", 1) != 1)
		return box_err_set(err, errno, "write '%s'", path);
	/* Freezing takes as long as the slowest task needs to reach the kernel's exit to
	 * user space; polled, as cgroup.events' POLLPRI only marks a change once read. */
	uint64_t end = now_ns() + (uint64_t)FREEZE_WAIT_MS * 1000000;
	while (now_ns() < end) {
		if (events_say(dir, frozen))
			return 0;
		usleep(5 * 1000);
	}
	return box_err_set(err, ETIMEDOUT, "the cgroup '%s' did not %s within %d ms", dir,
			   frozen ? "freeze" : "thaw", FREEZE_WAIT_MS);
}
