/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for package manager detection (os-release families, binaries present,
 * a root filesystem tree with a merged-/usr symlink) and for the setup steps of a
 * project: install commands that never prompt, then run lines in order.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config/project.h"
#include "../../core/util/fs.h"
#include "../../core/userland/pkgmgr.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

/* arg: a space-separated list of binaries that exist */
static bool has_list(const char *name, void *arg)
{
	_cleanup_free_ char *w = xasprintf(" %s ", name);
	_cleanup_free_ char *l = xasprintf(" %s ", (const char *)arg);
	return strstr(l, w) != NULL;
}

static enum pkgmgr detect(const char *os, const char *bins)
{
	return pkgmgr_detect_from(os, has_list, (void *)bins);
}

static void test_detect_from(void)
{
	is_int(detect("ID=debian\nVERSION_ID=\"12\"\n", "apt-get dnf"), PKGMGR_APT, "debian");
	is_int(detect("NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n", "apt-get"), PKGMGR_APT,
	       "ubuntu");
	is_int(detect("ID=\"fedora\"\n", "dnf microdnf"), PKGMGR_DNF, "fedora with dnf");
	is_int(detect("ID=fedora\n", "microdnf"), PKGMGR_MICRODNF, "minimal fedora: microdnf");
	is_int(detect("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "dnf"), PKGMGR_DNF,
	       "rhel family");
	is_int(detect("ID=alpine\n", "apk"), PKGMGR_APK, "alpine");
	is_int(detect("ID=arch\n", "pacman"), PKGMGR_PACMAN, "arch");
	is_int(detect("ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n", "zypper"),
	       PKGMGR_ZYPPER, "opensuse");
	is_int(detect("ID=mydistro\nID_LIKE='weird debian'\n", "apt-get"), PKGMGR_APT,
	       "ID_LIKE word we know, single quotes");
	is_int(detect("ID=unknown\n", "pacman"), PKGMGR_PACMAN, "unknown distro: binary decides");
	is_int(detect(NULL, "apk"), PKGMGR_APK, "no os-release: binary decides");
	is_int(detect("ID=debian\n", "apk"), PKGMGR_APK, "the binary present beats a missing one");
	is_int(detect("ID=debian\n", ""), PKGMGR_NONE, "nothing present");
	is_int(pkgmgr_detect_from("VERSION_ID=debian\nID_LIKE=alpine\n", NULL, NULL), PKGMGR_APK,
	       "VERSION_ID is not ID");
	is_str(pkgmgr_name(PKGMGR_MICRODNF), "microdnf", "name");
	is_str(pkgmgr_name(PKGMGR_NONE), "none", "name of none");
}

static void test_detect_rootfs(void)
{
	char root[] = "/tmp/box-test-pkgmgr.XXXXXX";
	ok(mkdtemp(root) != NULL, "temp rootfs");
	_cleanup_free_ char *usrbin = xasprintf("%s/usr/bin", root);
	_cleanup_free_ char *etc = xasprintf("%s/etc", root);
	_cleanup_free_ char *bin = xasprintf("%s/bin", root);
	_cleanup_free_ char *apk = xasprintf("%s/usr/bin/apk", root);
	_cleanup_free_ char *osr = xasprintf("%s/etc/os-release", root);
	mkdir_p(usrbin, 0755, NULL);
	mkdir_p(etc, 0755, NULL);
	ok(symlink("usr/bin", bin) == 0, "merged /usr: /bin -> usr/bin");
	fs_write_file_atomic(apk, "", 0, 0755, NULL);
	fs_write_file_atomic(osr, "ID=alpine\n", 10, 0644, NULL);

	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	is_int(pkgmgr_detect(fd), PKGMGR_APK, "detected in a root filesystem");
	/* an absolute symlink must resolve inside the root, not on the host */
	unlink(apk);
	_cleanup_free_ char *aptlink = xasprintf("%s/usr/bin/apt-get", root);
	ok(symlink("/usr/bin/true-not-here", aptlink) == 0, "dangling absolute symlink");
	fs_write_file_atomic(osr, "ID=debian\n", 10, 0644, NULL);
	is_int(pkgmgr_detect(fd), PKGMGR_NONE, "a dangling link inside the root is not a binary");
	close(fd);
	rm_rf(root, NULL);

	const char *deb =
	    getenv("BOX_TEST_ROOTFS") ? getenv("BOX_TEST_ROOTFS") : "/var/cache/box-tests/rootfs";
	fd = open(deb, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		skip("no Debian userland here", "the Debian test rootfs uses apt-get");
		return;
	}
	is_int(pkgmgr_detect(fd), PKGMGR_APT, "the Debian test rootfs uses apt-get");
	close(fd);
}

static void test_steps(void)
{
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };
	const char *ini = "[setup]\npackages = git curl\nrun = echo one\n\nrun = make  install\n";
	struct pkg_step *st = NULL;
	size_t n = 0;

	cfg_parse_buffer(ini, strlen(ini), "p.box.ini", CFG_PROJECT, c, &e);
	is_int(project_setup_steps(c, PKGMGR_APT, &st, &n, NULL), 0, "steps for apt");
	is_int(n, 4, "update, install, two run lines");
	is_str(st[0].label, "apt-get update", "apt-get update first");
	is_str(st[1].argv[0], "apt-get", "install with apt-get");
	is_str(st[1].argv[2], "-y", "never prompts");
	is_str(st[1].argv[4], "git", "packages follow");
	is_str(st[1].env[0], "DEBIAN_FRONTEND=noninteractive", "debconf does not ask");
	is_str(st[1].label, "install git curl", "install label");
	is_str(st[2].argv[2], "echo one", "run line through the shell");
	is_str(st[3].label, "line 5: make  install", "run label names the line");
	is_int(st[3].line, 5, "run line number");
	pkg_steps_free(st, n);

	is_int(project_setup_steps(c, PKGMGR_APK, &st, &n, NULL), 0, "steps for apk");
	ok(n == 3 && streq(st[0].argv[0], "apk") && streq(st[0].argv[1], "add") && !st[0].env,
	   "apk add without an update step");
	pkg_steps_free(st, n);
	is_int(project_setup_steps(c, PKGMGR_PACMAN, &st, &n, NULL), 0, "steps for pacman");
	ok(n == 3 && streq(st[0].argv[2], "--noconfirm"), "pacman never prompts");
	pkg_steps_free(st, n);

	struct box_err *err = NULL;
	st = NULL;
	is_int(project_setup_steps(c, PKGMGR_NONE, &st, &n, &err), -ENOPKG,
	       "packages without a package manager");
	ok(err && strstr(err->msg, "no known package manager") && st == NULL, "says so");
	box_err_free(err);
	cfg_free(c);

	c = cfg_new();
	cfg_parse_buffer("[setup]\nrun = true\n", 19, "q", CFG_PROJECT, c, &e);
	is_int(project_setup_steps(c, PKGMGR_NONE, &st, &n, NULL), 0,
	       "run lines need no package manager");
	is_int(n, 1, "one step");
	pkg_steps_free(st, n);
	cfg_free(c);
	cfg_errors_done(&e);
}

static void test_upgrade_steps(void)
{
	struct pkg_step *st = NULL;
	size_t n = 0;

	pkgmgr_upgrade_steps(PKGMGR_APT, &st, &n);
	ok(n == 2 && streq(st[0].label, "apt-get update") && streq(st[1].argv[1], "upgrade") &&
	       streq(st[1].argv[2], "-y"),
	   "apt: update, then upgrade -y");
	ok(n == 2 && st[1].env && streq(st[1].env[0], "DEBIAN_FRONTEND=noninteractive"),
	   "apt never prompts");
	pkg_steps_free(st, n);
	st = NULL, n = 0;
	pkgmgr_upgrade_steps(PKGMGR_APK, &st, &n);
	ok(n == 1 && streq(st[0].argv[0], "apk") && streq(st[0].argv[1], "upgrade"),
	   "apk: one upgrade");
	pkg_steps_free(st, n);
	st = NULL, n = 0;
	pkgmgr_upgrade_steps(PKGMGR_ZYPPER, &st, &n);
	ok(n == 2 && streq(st[1].argv[1], "--non-interactive"), "zypper: refresh, then update");
	pkg_steps_free(st, n);
	st = NULL, n = 0;
	pkgmgr_upgrade_steps(PKGMGR_PACMAN, &st, &n);
	ok(n == 1 && streq(st[0].argv[1], "-Syu"), "pacman: -Syu");
	pkg_steps_free(st, n);
	st = NULL, n = 0;
	pkgmgr_upgrade_steps(PKGMGR_NONE, &st, &n);
	ok(n == 0 && st == NULL, "no manager, no steps");
}

int main(void)
{
	test_upgrade_steps();
	test_detect_from();
	test_detect_rootfs();
	test_steps();
	return tap_done();
}
