/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the pure parts of the host checks: the free subordinate range a
 * usermod hint proposes, security.capability parsing and the newuidmap privilege
 * decision, install commands per distribution, and runtime dir sanity.
 */
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../core/host/hostcheck.h"
#include "tap.h"

static void test_free_range(void)
{
	uint32_t s = 0;
	const char *two = "alice:100000:65536\nbob:165536:65536\n";
	const char *odd = "# comment\n\ncarol:200000\nbad:x:y\ndave: 300000 : 10 \n";
	const char *top = "eve:4294900000:65536\n";

	is_int(hostcheck_free_subid_range("", 0, 65536, &s), 0, "empty file");
	is_int(s, 100000, "an empty file starts at 100000");
	hostcheck_free_subid_range(two, strlen(two), 65536, &s);
	is_int(s, 231072, "after the highest range");
	hostcheck_free_subid_range("z:5:5\n", 6, 65536, &s);
	is_int(s, 100000, "never below 100000");
	hostcheck_free_subid_range(odd, strlen(odd), 65536, &s);
	is_int(s, 300010, "malformed lines are ignored, spaces tolerated");
	hostcheck_free_subid_range("a:400000:1", 10, 65536, &s);
	is_int(s, 400001, "last line without newline");
	is_int(hostcheck_free_subid_range(top, strlen(top), 65536, &s), -ERANGE,
	       "no room below 2^32");
	is_int(hostcheck_free_subid_range(two, strlen(two), 0, &s), -EINVAL, "count 0 is invalid");
}

static size_t fcaps(unsigned char *b, uint32_t magic, uint64_t perm, size_t size)
{
	memset(b, 0, 24);
	for (int i = 0; i < 4; i++) {
		b[i] = (unsigned char)(magic >> (8 * i));
		b[4 + i] = (unsigned char)(perm >> (8 * i));
		b[12 + i] = (unsigned char)(perm >> (32 + 8 * i));
	}
	return size;
}

static void test_fcaps(void)
{
	unsigned char b[24];
	uint64_t p = 0;
	size_t n;

	n = fcaps(b, VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, 1u << CAP_SETUID, 20);
	is_int(hostcheck_parse_fcaps(b, n, &p), 0, "revision 2 parses");
	ok(p == 1u << CAP_SETUID, "revision 2 permitted set");
	n = fcaps(b, VFS_CAP_REVISION_3 | VFS_CAP_FLAGS_EFFECTIVE, 1ull << 40, 24);
	is_int(hostcheck_parse_fcaps(b, n, &p), 0, "revision 3 parses");
	ok(p == 1ull << 40, "high capability bits come from the second word");
	n = fcaps(b, VFS_CAP_REVISION_1 | VFS_CAP_FLAGS_EFFECTIVE, 1u << CAP_SETGID, 12);
	is_int(hostcheck_parse_fcaps(b, n, &p), 0, "revision 1 parses");
	ok(p == 1u << CAP_SETGID, "revision 1 permitted set");
	n = fcaps(b, VFS_CAP_REVISION_2, 1u << CAP_SETUID, 20);
	hostcheck_parse_fcaps(b, n, &p);
	is_int(p, 0, "without the effective flag the capabilities do not count");
	is_int(hostcheck_parse_fcaps(b, 19, &p), -EINVAL, "revision 2 with a short length");
	n = fcaps(b, 0x07000000, 1, 20);
	is_int(hostcheck_parse_fcaps(b, n, &p), -EINVAL, "unknown revision");
	is_int(hostcheck_parse_fcaps(b, 2, &p), -EINVAL, "too short");
	is_int(hostcheck_parse_fcaps(NULL, 0, &p), -EINVAL, "no xattr");

	n = fcaps(b, VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE, 1u << CAP_SETUID, 20);
	ok(hostcheck_idmap_helper_ok(S_IFREG | 04755, 0, NULL, 0, CAP_SETUID), "setuid root");
	ok(!hostcheck_idmap_helper_ok(S_IFREG | 04755, 1000, NULL, 0, CAP_SETUID),
	   "setuid to a user is not enough");
	ok(!hostcheck_idmap_helper_ok(S_IFREG | 0755, 0, NULL, 0, CAP_SETUID), "plain binary");
	ok(hostcheck_idmap_helper_ok(S_IFREG | 0755, 0, b, n, CAP_SETUID), "cap_setuid+ep");
	ok(!hostcheck_idmap_helper_ok(S_IFREG | 0755, 0, b, n, CAP_SETGID),
	   "cap_setuid does not make newgidmap work");
}

static void hint(const char *osr, const char *pkg, const char *want, const char *name)
{
	char *h = hostcheck_install_hint(osr, osr ? strlen(osr) : 0, pkg);
	is_str(h, want, "%s", name);
	free(h);
}

static void test_install_hint(void)
{
	hint("PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n", "fuse-overlayfs",
	     "sudo apt-get install fuse-overlayfs", "debian");
	hint("ID=ubuntu\nID_LIKE=debian\n", "uidmap", "sudo apt-get install uidmap", "ubuntu");
	hint("ID=\"fedora\"\n", "uidmap", "sudo dnf install shadow-utils", "fedora: shadow-utils");
	hint("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "fuse-overlayfs",
	     "sudo dnf install fuse-overlayfs", "rhel family via ID_LIKE");
	hint("ID=arch\n", "uidmap", "sudo pacman -S shadow", "arch");
	hint("ID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n", "uidmap",
	     "sudo zypper install shadow", "opensuse");
	hint("ID=alpine\n", "uidmap", "sudo apk add shadow-uidmap", "alpine");
	hint("ID=debianish\n", "uidmap", "install uidmap with your distribution's package manager",
	     "a word prefix does not match");
	hint(NULL, "fuse-overlayfs",
	     "install fuse-overlayfs with your distribution's package manager", "no os-release");
	hint("XID=debian\nID_LIKEX=fedora\n", "uidmap",
	     "install uidmap with your distribution's package manager", "only exact keys count");
}

static void test_runtime_dir(void)
{
	char *why = NULL;

	ok(hostcheck_runtime_dir_ok(true, 1000, S_IFDIR | 0700, 1000, &why), "0700 dir of mine");
	ok(!hostcheck_runtime_dir_ok(true, 1000, S_IFDIR | 0755, 1000, &why), "0755 is refused");
	ok(why && strstr(why, "0755"), "the mode is named");
	free(why);
	why = NULL;
	ok(!hostcheck_runtime_dir_ok(true, 0, S_IFDIR | 0700, 1000, &why), "someone else's dir");
	ok(why && strstr(why, "uid 0"), "the owner is named");
	free(why);
	why = NULL;
	ok(!hostcheck_runtime_dir_ok(false, 1000, S_IFREG | 0600, 1000, &why), "a file");
	free(why);
}

int main(void)
{
	test_free_range();
	test_fcaps();
	test_install_hint();
	test_runtime_dir();
	return tap_done();
}
