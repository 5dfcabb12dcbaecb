/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host checks for `box doctor`: everything a user's machine must provide for rootless
 * sandboxes (subordinate id ranges, setuid or file-capability newuidmap/newgidmap,
 * /dev/fuse and /dev/net/tun, fuse-overlayfs, unprivileged user namespaces, a delegated
 * cgroup v2 directory, XDG_RUNTIME_DIR). Each check fills a result with what was found
 * and, when it failed, the exact command that fixes it. The decisions are pure helpers
 * over buffers and stat data, so they are unit-tested without touching the host.
 */
#ifndef BOX_HOSTCHECK_H
#define BOX_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../util/err.h"

enum hc_status {
	HC_OK,
	HC_WARN, /* box works, with less (e.g. no cgroup limits) */
	HC_FAIL, /* box cannot work as intended until this is fixed */
};

struct hc_result {
	const char *name; /* short check name: "subuid", "newuidmap", ... */
	enum hc_status status;
	char *detail; /* what was found */
	char *fix;    /* the command that fixes it; NULL when nothing to fix */
};

#define HC_MAX	       16
#define HC_SUBID_COUNT 65536u  /* the range size desktop distributions give a new user */
#define HC_SUBID_FIRST 100000u /* where useradd starts allocating ranges */
#define HC_FCAPS_MAX   64      /* security.capability is 20 or 24 bytes */

struct hc_report {
	struct hc_result r[HC_MAX];
	size_t n;
};

/* Run every check for the calling user. Never fails: problems are results. */
void hostcheck_run(struct hc_report *ret);
void hostcheck_done(struct hc_report *rep);
/* HC_FAIL when any check failed, else HC_WARN when any warned, else HC_OK. */
enum hc_status hostcheck_worst(const struct hc_report *rep);
const char *hostcheck_status_name(enum hc_status s);

/*
 * A free subordinate range of count ids for a usermod hint: above every range in
 * buf (subuid/subgid text, any user), and not below HC_SUBID_FIRST. Malformed lines
 * are ignored. -ERANGE when no such range fits below 2^32.
 */
int hostcheck_free_subid_range(const char *buf, size_t len, uint32_t count, uint32_t *ret_start);

/* Whether this process can clone a child into a new user namespace (it tries). */
bool hostcheck_userns_works(char **ret_why);

/*
 * The permitted capability set of a security.capability xattr value (struct
 * vfs_cap_data, revisions 1 to 3, little-endian). -EINVAL when malformed.
 */
int hostcheck_parse_fcaps(const void *buf, size_t len, uint64_t *ret_permitted);

/*
 * Whether a newuidmap/newgidmap binary can write maps for others: setuid and owned by
 * root, or holding capability cap (CAP_SETUID, CAP_SETGID) in its file capabilities
 * (fcaps/fcaps_len, the xattr value, NULL when absent).
 */
bool hostcheck_idmap_helper_ok(mode_t mode, uid_t owner, const void *fcaps, size_t fcaps_len,
			       int cap);

/*
 * The package manager command that installs pkg on the distribution described by
 * os-release text (ID and ID_LIKE), e.g. "sudo apt-get install fuse-overlayfs".
 * Package names differ between families (uidmap is shadow-utils on Fedora): pass the
 * Debian name; it is translated. Caller frees.
 */
char *hostcheck_install_hint(const char *os_release, size_t len, const char *debian_pkg);

/*
 * Whether dir is a usable XDG_RUNTIME_DIR for uid: a directory owned by uid, mode
 * 0700 (no group or other bits). On failure *ret_why says what is wrong (caller frees).
 */
bool hostcheck_runtime_dir_ok(bool is_dir, uid_t owner, mode_t mode, uid_t uid, char **ret_why);

#endif
