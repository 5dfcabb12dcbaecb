/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability sets for the user's command (libcap-ng). Inside a user namespace the
 * capabilities of its root act only on what that namespace owns (its mounts, its
 * uids, its network), so keeping root's default set for `--root` gives power over
 * the sandbox, never over the host; dropping everything for the user process
 * makes it an ordinary unprivileged process even inside.
 */
#include <cap-ng.h>
#include <errno.h>
#include <sys/prctl.h>

#include "caps.h"

/* podman's default for a container's root (containers.conf default_capabilities). */
const int caps_root_default[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE,	   CAP_FOWNER,	   CAP_FSETID,
	CAP_KILL,    CAP_NET_BIND_SERVICE, CAP_SETFCAP,	   CAP_SETGID,
	CAP_SETPCAP, CAP_SETUID,	   CAP_SYS_CHROOT,
};
const unsigned caps_root_default_count = sizeof(caps_root_default) / sizeof(caps_root_default[0]);

static void add_default(capng_type_t type)
{
	for (unsigned i = 0; i < caps_root_default_count; i++)
		capng_update(CAPNG_ADD, type, (unsigned)caps_root_default[i]);
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
	capng_get_caps_process();
	capng_clear(CAPNG_SELECT_BOUNDS);
	if (sudo_root)
		add_default(CAPNG_BOUNDING_SET);
	if (capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return box_err_set(err, EPERM, "reduce the capability bounding set");
	return 0;
}

int caps_drop_all(struct box_err **err)
{
	/* CAPS only: libcap-ng's BOTH includes the bounding set, which needs CAP_SETPCAP. */
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return box_err_set(err, EPERM, "drop capabilities");
	return clear_ambient(err);
}

int caps_default_root(struct box_err **err)
{
	int r = clear_ambient(err);
	if (r < 0)
		return r;
	/* CAPNG_SELECT_BOTH is the capability sets and the bounding set. */
	capng_clear(CAPNG_SELECT_BOTH);
	add_default((capng_type_t)(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET));
	if (capng_apply(CAPNG_SELECT_BOTH) < 0)
		return box_err_set(err, EPERM, "set root's default capabilities");
	return 0;
}
