/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox list cache of the refresh loops: what does not change is not parsed
 * again, a changed config.json is, sandboxes appear and disappear between refreshes,
 * and a running sandbox (a state file naming live processes of this test) stops in
 * the list as soon as its init exits, through the pidfd watch. Both with inotify and
 * with the stat-everything fallback.
 */
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/util/fs.h"
#include "../../core/sandbox/sandbox.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char *top;

static void make_sandbox(const char *name, const char *image)
{
	char *layers[] = { (char *)"/layer", NULL };
	struct sandbox_create_opts o = { .name = name, .image = image, .layers = layers };
	ok(sandbox_create(&o, NULL) == 0, "create '%s'", name);
}

/* Rewrite config.json atomically (as box does) with another image. */
static void set_image(const char *name, const char *image)
{
	_cleanup_free_ char *p = xasprintf("%s/data/sandboxes/%s/config.json", top, name);
	char *layers[] = { (char *)"/layer", NULL };
	struct sandbox_config c = { .name = (char *)name,
				    .image = (char *)image,
				    .layers = layers };
	_cleanup_free_ char *json = sandbox_config_format(&c);
	fs_write_file_atomic(p, json, strlen(json), 0600, NULL);
}

/* Age a file's mtime, so that it is no longer within the racy window. */
static void age(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", top, rel);
	struct timespec t[2] = { { .tv_sec = time(NULL) - 60 }, { .tv_sec = time(NULL) - 60 } };
	utimensat(AT_FDCWD, p, t, 0);
}

static const struct sandbox_info *list(struct sandbox_cache *c, size_t *n)
{
	const struct sandbox_info *l = NULL;
	ok(sandbox_cache_list(c, &l, n, NULL) == 0, "list");
	return l;
}

static void write_state(const char *name, pid_t init)
{
	_cleanup_free_ char *d = xasprintf("%s/run/%s", top, name);
	_cleanup_free_ char *p = xasprintf("%s/state", d);
	_cleanup_free_ char *s =
	    xasprintf("supervisor_pid=%d\nsupervisor_start=%llu\ninit_pid=%d\ninit_start=%llu\n"
		      "started=1700000000\ncgroup=/sys/fs/cgroup/box-%s\n",
		      (int)getpid(), (unsigned long long)proc_start_time(getpid()), (int)init,
		      (unsigned long long)proc_start_time(init), name);
	mkdir_p(d, 0700, NULL);
	fs_write_file_atomic(p, s, strlen(s), 0600, NULL);
}

static struct sandbox_cache *cache(bool watch)
{
	return watch ? sandbox_cache_new() : sandbox_cache_new_polling();
}

static void test_changes(bool watch)
{
	struct sandbox_cache *c = cache(watch);
	const struct sandbox_info *l;
	size_t n = 0;

	l = list(c, &n);
	is_int(n, 0, "no sandboxes yet");
	make_sandbox("a", "img-1");
	l = list(c, &n);
	is_int(n, 1, "a new sandbox shows on the next refresh");
	is_str(l[0].image, "img-1", "its image");
	is_int(l[0].state, SANDBOX_STOPPED, "stopped");
	age("data/sandboxes/a/config.json");
	l = list(c, &n);
	unsigned loads = sandbox_cache_loads(c);
	l = list(c, &n);
	l = list(c, &n);
	is_int(sandbox_cache_loads(c), loads, "an unchanged config.json is not parsed again");
	is_str(l[0].image, "img-1", "... and still listed");
	set_image("a", "img-2");
	l = list(c, &n);
	is_str(l[0].image, "img-2", "a changed config.json is read again");
	ok(sandbox_cache_loads(c) > loads, "... parsed once more");
	make_sandbox("b", "img-b");
	l = list(c, &n);
	is_int(n, 2, "a second sandbox appears");
	ok(n == 2 && streq(l[0].name, "a") && streq(l[1].name, "b"), "sorted by name");
	_cleanup_free_ char *cfg = xasprintf("%s/data/sandboxes/a/config.json", top);
	unlink(cfg);
	l = list(c, &n);
	ok(n == 1 && streq(l[0].name, "b"), "a sandbox whose config.json went is gone");
	_cleanup_free_ char *bdir = xasprintf("%s/data/sandboxes/b", top);
	rm_rf(bdir, NULL);
	l = list(c, &n);
	is_int(n, 0, "a removed sandbox directory is gone");
	sandbox_cache_free(c);
}

static void test_running(bool watch)
{
	struct sandbox_cache *c = cache(watch);
	const struct sandbox_info *l;
	size_t n = 0;
	pid_t child = fork();

	if (child == 0) {
		pause();
		_exit(0);
	}
	make_sandbox("r", "img-r");
	l = list(c, &n);
	ok(n == 1 && l[0].state == SANDBOX_STOPPED, "no runtime dir: stopped");
	write_state("r", child);
	l = list(c, &n);
	ok(n == 1 && l[0].state == SANDBOX_RUNNING, "a state naming live processes: running");
	is_int(n ? l[0].init_pid : 0, child, "init pid");
	is_str(n ? l[0].cgroup : NULL, "/sys/fs/cgroup/box-r", "cgroup");
	age("run/r/state");
	age("data/sandboxes/r/config.json");
	l = list(c, &n);
	unsigned loads = sandbox_cache_loads(c);
	l = list(c, &n);
	is_int(sandbox_cache_loads(c), loads, "an unchanged state file is not parsed again");
	ok(n == 1 && l[0].state == SANDBOX_RUNNING, "... and it is still running");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	l = list(c, &n);
	ok(n == 1 && l[0].state == SANDBOX_STOPPED, "init exited: stopped on the next refresh");
	ok(n == 1 && !l[0].cgroup && l[0].init_pid == 0, "... without its cgroup and pid");
	/* A state file that names a pid whose start time differs (reuse) is not running. */
	_cleanup_free_ char *st = xasprintf("%s/run/r/state", top);
	_cleanup_free_ char *bad = xasprintf("supervisor_pid=%d\nsupervisor_start=1\n"
					     "init_pid=%d\ninit_start=1\nstarted=1\n",
					     (int)getpid(), (int)getpid());
	fs_write_file_atomic(st, bad, strlen(bad), 0600, NULL);
	l = list(c, &n);
	ok(n == 1 && l[0].state == SANDBOX_STOPPED, "reused pids: stopped");
	unlink(st);
	l = list(c, &n);
	ok(n == 1 && l[0].state == SANDBOX_STOPPED, "no state: stopped");
	_cleanup_free_ char *rdir = xasprintf("%s/run/r", top);
	_cleanup_free_ char *ddir = xasprintf("%s/data/sandboxes/r", top);
	rm_rf(rdir, NULL);
	rm_rf(ddir, NULL);
	l = list(c, &n);
	is_int(n, 0, "removed");
	sandbox_cache_free(c);
}

int main(void)
{
	char tmpl[] = "/tmp/box-sbcache.XXXXXX";
	top = mkdtemp(tmpl);
	_cleanup_free_ char *data = xasprintf("%s/data", top);
	_cleanup_free_ char *run = xasprintf("%s/run", top);
	setenv("BOX_DATA_DIR", data, 1);
	setenv("BOX_RUNTIME_DIR", run, 1);
	mkdir(run, 0700);
	for (int watch = 1; watch >= 0; watch--) {
		printf("# %s\n", watch ? "inotify" : "polling");
		test_changes(watch);
		test_running(watch);
	}
	rm_rf(top, NULL);
	return tap_done();
}
