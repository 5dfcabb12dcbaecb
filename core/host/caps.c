/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability sets for the user's command, set with capset(2) and prctl(2) directly.
 * Inside a user namespace the capabilities of its root act only on what that
 * namespace owns (its mounts, its uids, its network), so keeping root's default set
 * for `--root` gives power over the sandbox, never over the host; dropping
 * everything for the user process makes it an ordinary unprivileged process even
 * inside. No library: every box process would map and relocate one (and run its
 * start-up code) for the three calls the command's start makes.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

/* podman's default for a container's root (containers.conf default_capabilities). */
const int caps_root_default[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE,	   CAP_FOWNER,	   CAP_FSETID,
	CAP_KILL,    CAP_NET_BIND_SERVICE, CAP_SETFCAP,	   CAP_SETGID,
	CAP_SETPCAP, CAP_SETUID,	   CAP_SYS_CHROOT,
};
const unsigned caps_root_default_count = sizeof(caps_root_default) / sizeof(caps_root_default[0]);

static uint64_t root_default_mask(void)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < caps_root_default_count; i++)
		m |= 1ull << caps_root_default[i];
	return m;
}

/* The bounding set becomes keep & what it was: every capability the kernel knows
 * (PR_CAPBSET_READ fails past the last one) that is in it and not in keep is
 * dropped. Needs CAP_SETPCAP. */
static int limit_bounding(uint64_t keep)
{
	for (unsigned long c = 0; c < 64; c++) {
		int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
		if (in < 0)
			break;
		if (in && !(keep & (1ull << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

/* Effective and permitted become set, inheritable empty. */
static int set_caps(uint64_t set)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)set, .permitted = (uint32_t)set, .inheritable = 0 },
		{ .effective = (uint32_t)(set >> 32), .permitted = (uint32_t)(set >> 32) },
	};

	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* The ambient set would survive exec for a non-root uid; it must be empty. */
static int clear_ambient(struct box_err **err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return box_err_set(err, errno, "clear the ambient capability set");
	return 0;
}

int caps_limit_bounding(bool sudo_root, struct box_err **err)
{
	int r = clear_ambient(err);
	if (r < 0)
		return r;
	r = limit_bounding(sudo_root ? root_default_mask() : 0);
	return r < 0 ? box_err_set(err, -r, "reduce the capability bounding set") : 0;
}

int caps_drop_all(struct box_err **err)
{
	int r = set_caps(0);
	if (r < 0)
		return box_err_set(err, -r, "drop capabilities");
	return clear_ambient(err);
}

int caps_default_root(struct box_err **err)
{
	int r = clear_ambient(err);
	if (r < 0)
		return r;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which root keeps. */
	if ((r = limit_bounding(root_default_mask())) < 0 ||
	    (r = set_caps(root_default_mask())) < 0)
		return box_err_set(err, -r, "set root's default capabilities");
	return 0;
}

int caps_drop_everything(struct box_err **err)
{
	int r = limit_bounding(0);
	if (r >= 0)
		r = set_caps(0);
	if (r < 0)
		return box_err_set(err, -r, "drop every capability");
	return clear_ambient(err);
}
