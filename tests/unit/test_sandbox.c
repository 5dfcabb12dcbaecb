/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sandbox records: names, config.json round trip, the state file, user database edits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/sandbox/overlay.h"
#include "../../core/sandbox/sandbox.h"
#include "../../core/userland/users.h"
#include "../../core/util/fs.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static void test_names(void)
{
	ok(sandbox_name_valid("debian"), "plain name");
	ok(sandbox_name_valid("a1_b.c-d"), "name with _ . -");
	ok(!sandbox_name_valid(""), "empty name");
	ok(!sandbox_name_valid(".hidden"), "leading dot");
	ok(!sandbox_name_valid("-x"), "leading dash");
	ok(!sandbox_name_valid("a/b"), "slash");
	ok(!sandbox_name_valid(".."), "dot-dot");
	char n[80];
	memset(n, 'a', 65);
	n[65] = '\0';
	ok(!sandbox_name_valid(n), "65 bytes is too long");
	n[64] = '\0';
	ok(sandbox_name_valid(n), "64 bytes is fine");
}

static void test_config(void)
{
	char *layers[] = { "/l/bottom", "/l/top", NULL };
	char *env[] = { "A=1", NULL };
	struct sandbox_config c = { .name = "dev", .image = "docker.io/library/debian:bookworm",
				    .image_digest = "sha256:abc", .layers = layers, .created = 42,
				    .home = SANDBOX_HOME_PATH, .home_path = "/srv/h",
				    .storage = SANDBOX_STORAGE_OVERLAY, .network = "none",
				    .env = env };
	char *s = sandbox_config_format(&c);
	struct sandbox_config *p = NULL;

	is_int(sandbox_config_parse(s, strlen(s), &p, NULL), 0, "config round trip parses");
	is_str(p->name, "dev", "name");
	is_str(p->image, c.image, "image");
	is_str(p->layers[1], "/l/top", "layers in order");
	ok(p->layers[2] == NULL, "two layers");
	is_int(p->created, 42, "created");
	is_int(p->home, SANDBOX_HOME_PATH, "home mode");
	is_str(p->home_path, "/srv/h", "home path");
	is_int(p->storage, SANDBOX_STORAGE_OVERLAY, "storage");
	is_str(p->env[0], "A=1", "env");
	ok(p->ports == NULL, "no ports");
	sandbox_config_free(p);
	free(s);

	static const char *bad[] = {
		"", "[]", "{\"name\":\"x\"}", "{\"name\":\"../x\",\"layers\":[\"/a\"]}",
		"{\"name\":\"x\",\"layers\":[\"rel\"]}", "{\"name\":\"x\",\"layers\":[1]}",
		"{\"name\":\"x\",\"layers\":[\"/a\"],\"storage\":\"zfs\"}",
		"{\"name\":\"x\",\"layers\":[\"/a\"],\"home\":\"path\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct box_err *err = NULL;
		p = NULL;
		ok(sandbox_config_parse(bad[i], strlen(bad[i]), &p, &err) < 0 && !p && err,
		   "bad config %zu rejected", i);
		box_err_free(err);
	}
}

static void test_env_and_net(void)
{
	char *layers[] = { "/l", NULL };
	char *img[] = { "PATH=/opt/bin:/usr/bin", "LANG=C.UTF-8", NULL };
	char *env[] = { "GREETING=hi there", NULL };
	struct sandbox_config c = { .name = "p",
				    .layers = layers,
				    .image_env = img,
				    .host_loopback = SANDBOX_FLAG_NO,
				    .ports_auto = SANDBOX_FLAG_YES,
				    .mtu = 1400 };
	char *s = sandbox_config_format(&c);
	struct sandbox_config *p = NULL;

	is_int(sandbox_config_parse(s, strlen(s), &p, NULL), 0, "image env and net settings parse");
	is_str(p->image_env[0], "PATH=/opt/bin:/usr/bin", "image env kept in order");
	is_str(p->image_env[1], "LANG=C.UTF-8", "... second entry");
	is_int(p->host_loopback, SANDBOX_FLAG_NO, "host_loopback = no kept");
	is_int(p->ports_auto, SANDBOX_FLAG_YES, "ports = auto kept");
	is_int(p->mtu, 1400, "mtu kept");
	sandbox_config_free(p);
	free(s);
	const char *old = "{\"name\":\"x\",\"layers\":[\"/a\"],\"mtu\":9}";
	is_int(sandbox_config_parse(old, strlen(old), &p, NULL), 0, "config without them parses");
	ok(!p->image_env && !p->host_loopback && !p->ports_auto && !p->mtu,
	   "... all unset (an mtu out of range too)");
	sandbox_config_free(p);
	const char *none = "{\"name\":\"x\",\"layers\":[\"/a\"],\"image_env\":[]}";
	is_int(sandbox_config_parse(none, strlen(none), &p, NULL), 0, "empty image env parses");
	ok(p->image_env && !p->image_env[0], "... as empty, not as absent");
	sandbox_config_free(p);

	size_t len;
	char *buf = sandbox_env_format(img, env, &len);
	char **i2 = NULL, **e2 = NULL;
	is_int(sandbox_env_parse(buf, len, &i2, &e2), 0, "env file parses");
	is_str(i2[1], "LANG=C.UTF-8", "image part");
	ok(i2[2] == NULL, "two image entries");
	is_str(e2[0], "GREETING=hi there", "own part after the separator");
	ok(e2[1] == NULL, "one own entry");
	strv_free(i2);
	strv_free(e2);
	free(buf);
	buf = sandbox_env_format(NULL, env, &len);
	is_int(sandbox_env_parse(buf, len, &i2, &e2), 0, "no image env");
	ok(i2 == NULL && e2 && e2[0], "... only the own part");
	strv_free(i2);
	strv_free(e2);
	free(buf);
	ok(sandbox_env_parse("A=1", 3, &i2, &e2) < 0, "unterminated file rejected");
	is_int(sandbox_env_parse("NOEQ\0=x\0A=1\0", 12, &i2, &e2), 0, "odd entries");
	ok(i2 && streq(i2[0], "A=1") && !i2[1] && !e2, "... only KEY=VALUE kept");
	strv_free(i2);
}

static void test_state(void)
{
	struct sandbox_runstate st;
	const char *s = "supervisor_pid=10\nsupervisor_start=555\ninit_pid=12\ninit_start=556\n"
			"started=1700000000\ncgroup=/sys/fs/cgroup/box-x\nports=8080\n";

	is_int(sandbox_state_parse(s, strlen(s), &st), 0, "state parses");
	is_int(st.supervisor_pid, 10, "supervisor pid");
	is_int((long long)st.supervisor_start, 555, "supervisor start");
	is_int(st.init_pid, 12, "init pid");
	is_int((long long)st.init_start, 556, "init start");
	is_int(st.started, 1700000000, "started");
	is_str(st.cgroup, "/sys/fs/cgroup/box-x", "cgroup");
	ok(sandbox_state_parse("init_pid=3\n", 11, &st) < 0, "state without supervisor rejected");
	ok(sandbox_state_parse("supervisor_pid=-1\ninit_pid=3\n", 29, &st) < 0,
	   "negative pid rejected");
	ok(sandbox_state_parse("supervisor_pid=1\ninit_pid=x\n", 28, &st) < 0,
	   "non-numeric pid rejected");
	ok(proc_start_time(getpid()) > 0, "own start time readable");
	ok(proc_start_time(0x7ffffff0) == 0, "missing pid has no start time");
}

/* Field 22 (starttime), never 23 (vsize): a fixture whose comm holds spaces and ')',
 * and the real /proc/self/stat, whose starttime is close to the uptime now (this
 * process started a moment ago) while vsize is millions. */
static void test_start_time(void)
{
	_cleanup_free_ char *path = tap_fixture("procstat/odd-comm");
	_cleanup_free_ char *buf = NULL;
	_cleanup_fclose_ FILE *up = fopen("/proc/uptime", "re");
	double uptime = 0;

	ok(fs_read_file(path, 4096, &buf, NULL, NULL) == 0, "read the odd-comm fixture");
	is_int(proc_stat_start_time(buf ? buf : ""), 987654, "starttime after a comm with ') ('");
	is_int(proc_stat_start_time("1 (x) S 1 2 3"), 0, "a short line has no starttime");
	is_int(proc_stat_start_time("no parenthesis"), 0, "no comm, no starttime");
	ok(up && fscanf(up, "%lf", &uptime) == 1, "read /proc/uptime");
	double ticks = uptime * (double)sysconf(_SC_CLK_TCK);
	double self = (double)proc_start_time(getpid());
	ok(self > 0 && self <= ticks + 1 && ticks - self < 60.0 * (double)sysconf(_SC_CLK_TCK),
	   "own start time %.0f is within a minute before now (%.0f ticks)", self, ticks);
	is_int(proc_start_time(getpid()), proc_start_time(getpid()), "stable across reads");
}

/* The runtime dir's files: a state file that is a symlink is not believed, and a
 * write through a temp name that someone planted as a symlink leaves its target alone. */
static void test_state_nofollow(void)
{
	char tmpl[] = "/tmp/box-test-state.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct sandbox_runstate st;

	ok(dir != NULL, "temp runtime dir");
	if (!dir)
		return;
	setenv("BOX_RUNTIME_DIR", dir, 1);
	unsigned long long me = (unsigned long long)proc_start_time(getpid());
	_cleanup_free_ char *sb = xasprintf("%s/s", dir);
	_cleanup_free_ char *state = xasprintf("%s/s/state", dir);
	_cleanup_free_ char *real = xasprintf("%s/elsewhere", dir);
	_cleanup_free_ char *txt = xasprintf("supervisor_pid=%d\nsupervisor_start=%llu\n"
					     "init_pid=%d\ninit_start=%llu\n",
					     (int)getpid(), me, (int)getpid(), me);
	ok(mkdir(sb, 0700) == 0, "sandbox runtime dir");
	ok(fs_write_file_replace(state, txt, strlen(txt), 0600, NULL) == 0, "write a state file");
	is_int(sandbox_state_read("s", &st), 1, "a regular state file naming live pids: running");
	ok(rename(state, real) == 0 && symlink(real, state) == 0, "replace it by a symlink");
	is_int(sandbox_state_read("s", &st), 0, "a symlinked state file is not believed");

	_cleanup_free_ char *victim = xasprintf("%s/victim", dir);
	_cleanup_free_ char *env = xasprintf("%s/s/env", dir);
	_cleanup_free_ char *planted = xasprintf("%s/s/env.tmp.%d", dir, (int)getpid());
	_cleanup_free_ char *buf = NULL;
	ok(fs_write_file_replace(victim, "keep\n", 5, 0600, NULL) == 0, "a file to protect");
	ok(symlink(victim, planted) == 0, "plant a symlink at the temp name");
	ok(fs_write_file_replace(env, "A=1\n", 4, 0600, NULL) == 0, "write the env file");
	ok(fs_read_file(victim, 64, &buf, NULL, NULL) == 0 && streq(buf, "keep\n"),
	   "the symlink's target is untouched");
	free(TAKE_PTR(buf));
	ok(fs_read_file_nofollow(env, 64, &buf, NULL, NULL) == 0 && streq(buf, "A=1\n"),
	   "the env file has the new content");
	ok(fs_read_file_nofollow(state, 64, &buf, NULL, NULL) == -ELOOP, "nofollow refuses a symlink");
	rm_rf(dir, NULL);
	unsetenv("BOX_RUNTIME_DIR");
}

static void test_users(void)
{
	const char *pw = "root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000::/home/ubuntu:/bin/sh\n";
	char *out = NULL;

	is_int(users_db_update(pw, strlen(pw), "me", 1000, "me:x:1000:1000:me:/home/me:/bin/bash",
			       &out), 1, "entry added");
	is_str(out, "root:x:0:0:root:/root:/bin/bash\nme:x:1000:1000:me:/home/me:/bin/bash\n",
	       "same uid replaced, others kept");
	char *again = NULL;
	is_int(users_db_update(out, strlen(out), "me", 1000, "me:x:1000:1000:x:/y:/z", &again), 0,
	       "present entry kept");
	ok(again == NULL, "no new text when unchanged");
	free(out);
	is_int(users_db_update("root:x:0:0::/:/bin/sh", 21, "me", 5, "me:x:5:", &out), 1,
	       "no trailing newline");
	is_str(out, "root:x:0:0::/:/bin/sh\nme:x:5:\n", "appended after last line");
	free(out);
	is_int(users_db_update("", 0, "me", -1, "me:!:1:0:99999:7:::", &out), 1, "shadow add");
	is_str(out, "me:!:1:0:99999:7:::\n", "shadow line");
	free(out);
	is_int(users_db_update("me:*:1::::::\n", 13, "me", -1, "me:!:1", &out), 0,
	       "shadow entry present");
	ok(users_db_update("x", 1, "me", 1, "a\nb", &out) < 0, "newline in line rejected");
}

static void test_overlay_opts(void)
{
	char *layers[] = { "/l/a", "/l/b", NULL };
	struct overlay_opts o = { .layers = layers, .upper = "/u", .work = "/w", .merged = "/m" };
	char *s = overlay_options(&o);
	is_str(s, "lowerdir=/l/b:/l/a,upperdir=/u,workdir=/w", "top layer first");
	free(s);
	char *bad[] = { "/l/a:b", NULL };
	o.layers = bad;
	ok(overlay_options(&o) == NULL, "':' in a layer path refused");
}

/* A project's sandbox records its directory, setup key, mounts, hostname and limits. */
static void test_project_config(void)
{
	char *layers[] = { "/l/img", "/l/setup-k", NULL };
	char *mounts[] = { "/h/data\t/data\trw", "/h/ro\t/ro\tro", NULL };
	struct sandbox_config c = { .name = "proj", .image = "debian", .layers = layers,
				    .project = "/home/u/proj", .setup_key = "abc123",
				    .mounts = mounts, .hostname = "projbox", .cpus = 1.5,
				    .memory = 1 << 30, .pids = 100 };
	char *s = sandbox_config_format(&c);
	struct sandbox_config *p = NULL;

	is_int(sandbox_config_parse(s, strlen(s), &p, NULL), 0, "project config round trip");
	is_str(p->project, "/home/u/proj", "project directory");
	is_str(p->setup_key, "abc123", "setup key");
	is_str(p->mounts[1], "/h/ro\t/ro\tro", "mounts in order");
	is_str(p->hostname, "projbox", "hostname");
	ok(p->cpus == 1.5 && p->memory == (1 << 30) && p->pids == 100, "limits");
	sandbox_config_free(p);
	free(s);

	/* A sandbox made without a project has none of it. */
	c = (struct sandbox_config){ .name = "plain", .layers = layers };
	s = sandbox_config_format(&c);
	is_int(sandbox_config_parse(s, strlen(s), &p, NULL), 0, "plain config parses");
	ok(!p->project && !p->setup_key && !p->mounts && !p->hostname && !p->pids,
	   "no project fields on a plain sandbox");
	sandbox_config_free(p);
	free(s);
}

int main(void)
{
	test_names();
	test_config();
	test_project_config();
	test_env_and_net();
	test_state();
	test_start_time();
	test_state_nofollow();
	test_users();
	test_overlay_opts();
	return tap_done();
}
