/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Package manager detection and install commands. /etc/os-release names the
 * distribution family; the binaries present confirm it (a minimal Fedora image has
 * microdnf but no dnf) or, for an unknown distribution, decide. Install commands
 * never prompt: setup runs without a terminal.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../util/fs.h"
#include "pkgmgr.h"
#include "rootpath.h"
#include "../util/xalloc.h"

#define OS_RELEASE_MAX (64 * 1024)

static const char *const binaries[] = {
	[PKGMGR_NONE] = NULL,		[PKGMGR_APT] = "apt-get", [PKGMGR_DNF] = "dnf",
	[PKGMGR_MICRODNF] = "microdnf", [PKGMGR_APK] = "apk",	  [PKGMGR_PACMAN] = "pacman",
	[PKGMGR_ZYPPER] = "zypper",
};

static const struct {
	const char *id;
	enum pkgmgr m;
} families[] = {
	{ "debian", PKGMGR_APT },
	{ "ubuntu", PKGMGR_APT },
	{ "linuxmint", PKGMGR_APT },
	{ "raspbian", PKGMGR_APT },
	{ "kali", PKGMGR_APT },
	{ "pop", PKGMGR_APT },
	{ "fedora", PKGMGR_DNF },
	{ "rhel", PKGMGR_DNF },
	{ "centos", PKGMGR_DNF },
	{ "rocky", PKGMGR_DNF },
	{ "almalinux", PKGMGR_DNF },
	{ "amzn", PKGMGR_DNF },
	{ "ol", PKGMGR_DNF },
	{ "alpine", PKGMGR_APK },
	{ "arch", PKGMGR_PACMAN },
	{ "archlinux", PKGMGR_PACMAN },
	{ "manjaro", PKGMGR_PACMAN },
	{ "opensuse", PKGMGR_ZYPPER },
	{ "opensuse-leap", PKGMGR_ZYPPER },
	{ "opensuse-tumbleweed", PKGMGR_ZYPPER },
	{ "suse", PKGMGR_ZYPPER },
	{ "sles", PKGMGR_ZYPPER },
};

const char *pkgmgr_name(enum pkgmgr m)
{
	return m == PKGMGR_NONE ? "none" : binaries[m];
}

/* Value of KEY in os-release text, unquoted; caller frees; NULL when absent. */
static char *os_release_get(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) != 0 || l[kl] != '=')
			continue;
		const char *v = l + kl + 1;
		size_t n = strcspn(v, "\n");
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
			v++, n -= 2;
		return xstrndup(v, n);
	}
	return NULL;
}

static enum pkgmgr family_of(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		if (strcasecmp(families[i].id, id) == 0)
			return families[i].m;
	return PKGMGR_NONE;
}

/* The family named by ID, else by the first ID_LIKE word we know. */
static enum pkgmgr os_release_family(const char *text)
{
	_cleanup_free_ char *id = text ? os_release_get(text, "ID") : NULL;
	_cleanup_free_ char *like = text ? os_release_get(text, "ID_LIKE") : NULL;
	enum pkgmgr m = id ? family_of(id) : PKGMGR_NONE;
	char *save = NULL;

	for (char *w = like ? strtok_r(like, " \t", &save) : NULL; w && m == PKGMGR_NONE;
	     w = strtok_r(NULL, " \t", &save))
		m = family_of(w);
	return m;
}

enum pkgmgr pkgmgr_detect_from(const char *os_release, bool (*has)(const char *name, void *arg),
			       void *arg)
{
	enum pkgmgr m = os_release_family(os_release);

	if (!has)
		return m;
	if (m != PKGMGR_NONE && has(binaries[m], arg))
		return m;
	/* minimal Fedora/UBI images ship microdnf only */
	if (m == PKGMGR_DNF && has("microdnf", arg))
		return PKGMGR_MICRODNF;
	for (size_t i = PKGMGR_APT; i < ARRAY_SIZE(binaries); i++)
		if (has(binaries[i], arg))
			return (enum pkgmgr)i;
	return PKGMGR_NONE;
}

static bool root_has(const char *name, void *arg)
{
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
	int rootfd = *(int *)arg;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dirs[i], name);
		int fd = root_open(rootfd, p, O_PATH);
		if (fd >= 0) {
			close(fd);
			return true;
		}
	}
	return false;
}

enum pkgmgr pkgmgr_detect(int rootfd)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = root_open(rootfd, "/etc/os-release", O_RDONLY);

	if (fd < 0)
		fd = root_open(rootfd, "/usr/lib/os-release", O_RDONLY);
	if (fd >= 0 && fs_read_fd_all(fd, OS_RELEASE_MAX, &text, NULL) < 0)
		text = NULL;
	return pkgmgr_detect_from(text, root_has, &rootfd);
}

static void add_step(struct pkg_step **steps, size_t *n, char *label, char **argv, char **env)
{
	*steps = xrealloc(*steps, (*n + 1) * sizeof(**steps));
	(*steps)[(*n)++] = (struct pkg_step){ label, argv, env, 0 };
}

/* argv of the fixed words followed by the packages. */
static char **command(const char *const *words, char *const *packages)
{
	char **argv = NULL;
	for (; *words; words++)
		strv_push(&argv, xstrdup(*words));
	for (; packages && *packages; packages++)
		strv_push(&argv, xstrdup(*packages));
	return argv;
}

static char *install_label(char *const *packages)
{
	char *s = xstrdup("install");
	for (; *packages; packages++) {
		char *n = xasprintf("%s %s", s, *packages);
		free(s);
		s = n;
	}
	return s;
}

void pkgmgr_install_steps(enum pkgmgr m, char *const *packages, struct pkg_step **steps, size_t *n)
{
	static const char *const apt_update[] = { "apt-get", "update", NULL };
	static const char *const apt[] = { "apt-get", "install", "-y", "--no-install-recommends",
					   NULL };
	static const char *const dnf[] = { "dnf", "install", "-y",
					   "--setopt=install_weak_deps=False", NULL };
	static const char *const microdnf[] = { "microdnf", "install", "-y", NULL };
	static const char *const apk[] = { "apk", "add", "--no-cache", NULL };
	static const char *const pacman[] = { "pacman", "-Sy", "--noconfirm", "--needed", NULL };
	static const char *const zypper[] = { "zypper", "--non-interactive", "install",
					      "--no-recommends", NULL };
	const char *const *words = NULL;

	if (!packages || !*packages || m == PKGMGR_NONE)
		return;
	switch (m) {
	case PKGMGR_APT: {
		char **env = NULL;
		strv_push(&env, xstrdup("DEBIAN_FRONTEND=noninteractive"));
		add_step(steps, n, xstrdup("apt-get update"), command(apt_update, NULL), env);
		words = apt;
		break;
	}
	case PKGMGR_DNF:
		words = dnf;
		break;
	case PKGMGR_MICRODNF:
		words = microdnf;
		break;
	case PKGMGR_APK:
		words = apk;
		break;
	case PKGMGR_PACMAN:
		words = pacman;
		break;
	case PKGMGR_ZYPPER:
		words = zypper;
		break;
	case PKGMGR_NONE:
		return;
	}
	char **env = NULL;
	if (m == PKGMGR_APT)
		strv_push(&env, xstrdup("DEBIAN_FRONTEND=noninteractive"));
	add_step(steps, n, install_label(packages), command(words, packages), env);
}

/* The upgrade of everything installed, in the manager's own words. */
static const char *const *const upgrade_words[] = {
	[PKGMGR_APT] = (const char *const[]){ "apt-get", "upgrade", "-y", NULL },
	[PKGMGR_DNF] = (const char *const[]){ "dnf", "upgrade", "-y", "--refresh", NULL },
	[PKGMGR_MICRODNF] = (const char *const[]){ "microdnf", "upgrade", "-y", NULL },
	[PKGMGR_APK] = (const char *const[]){ "apk", "upgrade", "--update-cache", NULL },
	[PKGMGR_PACMAN] = (const char *const[]){ "pacman", "-Syu", "--noconfirm", NULL },
	[PKGMGR_ZYPPER] = (const char *const[]){ "zypper", "--non-interactive", "update", NULL },
};

void pkgmgr_upgrade_steps(enum pkgmgr m, struct pkg_step **steps, size_t *n)
{
	static const char *const apt_update[] = { "apt-get", "update", NULL };
	static const char *const zypper_refresh[] = { "zypper", "--non-interactive", "refresh",
						      NULL };
	char **env = NULL;

	if (m == PKGMGR_NONE || (size_t)m >= ARRAY_SIZE(upgrade_words))
		return;
	if (m == PKGMGR_APT) {
		strv_push(&env, xstrdup("DEBIAN_FRONTEND=noninteractive"));
		add_step(steps, n, xstrdup("apt-get update"), command(apt_update, NULL), env);
		env = NULL;
		strv_push(&env, xstrdup("DEBIAN_FRONTEND=noninteractive"));
	}
	if (m == PKGMGR_ZYPPER)
		add_step(steps, n, xstrdup("zypper refresh"), command(zypper_refresh, NULL), NULL);
	add_step(steps, n, xasprintf("%s %s", upgrade_words[m][0], upgrade_words[m][1]),
		 command(upgrade_words[m], NULL), env);
}

void pkg_steps_free(struct pkg_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].label);
		strv_free(steps[i].argv);
		strv_free(steps[i].env);
	}
	free(steps);
}
