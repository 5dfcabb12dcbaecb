/* SPDX-License-Identifier: GPL-2.0-or-later */
/* passwd(5) and group(5) text as an image has it: lookups by uid and name, odd lines. */
#include <string.h>

#include "../../core/userland/passwd.h"
#include "tap.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "# a comment\n"
			     "+nis::0:0:::\n"
			     "broken:x:12\n"
			     "bad:x:abc:1:::/bin/sh\n"
			     "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			     "alice:x:1000:1000:Alice,,,:/home/alice:/usr/bin/zsh\n"
			     "noshell:x:1001:1001::/home/noshell:\n"
			     "toomany:x:1002:1002::/home/t:/bin/sh:extra\n";

static const char group[] = "root:x:0:\n"
			    "adm:x:4:syslog,alice\n"
			    "tty:x:5:\n"
			    "sudo:x:27: bob , alice \n"
			    "bad:x:zz:alice\n"
			    "short:x:9\n"
			    "alice:x:1000:\n"
			    "dup:x:4:alice\n";

static void test_passwd(void)
{
	struct passwd_entry e = { 0 };

	is_int(passwd_find_buffer(passwd, strlen(passwd), NULL, 0, &e), 1, "root by uid");
	is_str(e.name, "root", "root's name");
	is_str(e.home, "/root", "root's home");
	is_str(e.shell, "/bin/bash", "root's shell");
	passwd_entry_done(&e);
	is_int(passwd_find_buffer(passwd, strlen(passwd), NULL, 1000, &e), 1, "alice by uid");
	is_str(e.name, "alice", "alice's name");
	is_int(e.gid, 1000, "alice's gid");
	is_str(e.shell, "/usr/bin/zsh", "alice's shell");
	passwd_entry_done(&e);
	is_int(passwd_find_buffer(passwd, strlen(passwd), "daemon", 0, &e), 1, "daemon by name");
	is_int(e.uid, 1, "daemon's uid");
	passwd_entry_done(&e);
	is_int(passwd_find_buffer(passwd, strlen(passwd), NULL, 1001, &e), 1, "empty shell field");
	is_str(e.shell, "", "shell is empty");
	passwd_entry_done(&e);
	is_int(passwd_find_buffer(passwd, strlen(passwd), NULL, 1002, &e), 0,
	       "a line with too many fields is skipped");
	is_int(passwd_find_buffer(passwd, strlen(passwd), "bad", 0, &e), 0,
	       "a non-numeric uid is skipped");
	is_int(passwd_find_buffer(passwd, strlen(passwd), "broken", 0, &e), 0,
	       "a short line is skipped");
	is_int(passwd_find_buffer(passwd, strlen(passwd), "+nis", 0, &e), 0, "NIS lines skipped");
	is_int(passwd_find_buffer(passwd, strlen(passwd), NULL, 4242, &e), 0, "unknown uid");
	is_int(passwd_find_buffer("", 0, NULL, 0, &e), 0, "empty file");
	is_int(passwd_find_buffer("root:x:0:0:r:/root:/bin/sh", 26, NULL, 0, &e), 1,
	       "no trailing newline");
	passwd_entry_done(&e);
}

static void test_group(void)
{
	gid_t g[8];
	int n = group_members_buffer(group, strlen(group), "alice", g, 8);

	is_int(n, 2, "alice is in adm and sudo (the duplicate gid counted once)");
	is_int(g[0], 4, "adm");
	is_int(g[1], 27, "sudo, members with spaces");
	is_int(group_members_buffer(group, strlen(group), "bob", g, 8), 1, "bob in sudo");
	is_int(group_members_buffer(group, strlen(group), "carol", g, 8), 0, "carol in none");
	is_int(group_members_buffer(group, strlen(group), "alice", g, 1), 1, "max is respected");
	is_int(group_members_buffer(group, strlen(group), "syslog", g, 8), 1, "first member");
}

int main(void)
{
	test_passwd();
	test_group();
	return tap_done();
}
