/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image's own package manager, for [setup] packages: detected from
 * /etc/os-release (ID, then ID_LIKE) and the binaries the root filesystem has
 * (apt-get, dnf, microdnf, apk, pacman, zypper), and the non-interactive commands
 * that install a list of packages with it. Detection has a pure entry point.
 */
#ifndef BOX_PKGMGR_H
#define BOX_PKGMGR_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/err.h"

enum pkgmgr {
	PKGMGR_NONE = 0,
	PKGMGR_APT,
	PKGMGR_DNF,
	PKGMGR_MICRODNF,
	PKGMGR_APK,
	PKGMGR_PACMAN,
	PKGMGR_ZYPPER,
};

/* One command of a setup: run as root inside, stop at the first that fails. */
struct pkg_step {
	char *label;   /* for the progress line: "install git curl", "line 7: make" */
	char **argv;   /* argv[0] is a path or a name looked up in PATH */
	char **env;    /* extra KEY=VALUE entries, or NULL */
	unsigned line; /* the .box.ini line of a run step, 0 for package steps */
};

/*
 * Pure detection: os_release is the text of /etc/os-release (NULL when missing);
 * has(name, arg) says whether a binary exists (NULL: trust os-release alone).
 * The distribution's own manager wins when present, else the first binary found.
 */
enum pkgmgr pkgmgr_detect_from(const char *os_release, bool (*has)(const char *name, void *arg),
			       void *arg);
/* Detection inside a root filesystem (a directory fd; symlinks stay inside it). */
enum pkgmgr pkgmgr_detect(int rootfd);
/* "apt-get", "dnf", ... or "none". */
const char *pkgmgr_name(enum pkgmgr m);
/* Append the steps that install packages (nothing when packages is empty). */
void pkgmgr_install_steps(enum pkgmgr m, char *const *packages, struct pkg_step **steps, size_t *n);
/* Append the steps that upgrade every installed package (update the index first). */
void pkgmgr_upgrade_steps(enum pkgmgr m, struct pkg_step **steps, size_t *n);
void pkg_steps_free(struct pkg_step *steps, size_t n);

#endif
