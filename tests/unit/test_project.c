/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for project support: finding .box.ini upwards in a temporary tree
 * (stopping at $HOME's parent), sandbox names, the canonical setup key, and the
 * trust store's allowed / never seen / changed / denied states.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../config/project.h"
#include "../../core/util/fs.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static char root[] = "/tmp/box-test-project.XXXXXX";

static void touch(const char *rel, const char *content)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	_cleanup_free_ char *dir = project_dir(p);
	mkdir_p(dir, 0755, NULL);
	fs_write_file_atomic(p, content, strlen(content), 0644, NULL);
}

static void mkdirs(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	mkdir_p(p, 0755, NULL);
}

/* project_find from root/rel; returns the found path relative to root, or "" / NULL. */
static char *find_rel(const char *rel, int *ret)
{
	_cleanup_free_ char *cwd = xasprintf("%s/%s", root, rel);
	char *found = NULL;
	*ret = project_find(cwd, &found);
	if (*ret < 0)
		return NULL;
	char *r = xstrdup(found + strlen(root) + 1);
	free(found);
	return r;
}

static void test_find(void)
{
	int r;
	char *f;

	_cleanup_free_ char *home = xasprintf("%s/home/user", root);
	setenv("HOME", home, 1);
	touch("home/user/proj/.box.ini", "[box]\n");
	mkdirs("home/user/proj/src/deep/er");
	mkdirs("home/user/other/x");
	mkdirs("home/user/proj/sub/.box.ini"); /* a directory is not a project file */
	touch("home/.box.ini", "[box]\n");     /* in $HOME's parent: never used */

	f = find_rel("home/user/proj/src/deep/er", &r);
	is_str(f, "home/user/proj/.box.ini", "found from a nested subdirectory");
	free(f);
	f = find_rel("home/user/proj", &r);
	is_str(f, "home/user/proj/.box.ini", "found in the directory itself");
	free(f);
	f = find_rel("home/user/proj/sub/", &r);
	is_str(f, "home/user/proj/.box.ini", "a directory named .box.ini is skipped");
	free(f);
	f = find_rel("home/user/other/x", &r);
	is_int(r, -ENOENT, "stops before $HOME's parent");
	ok(f == NULL, "nothing returned on -ENOENT");

	touch("home/user/.box.ini", "[box]\n");
	f = find_rel("home/user/other/x", &r);
	is_str(f, "home/user/.box.ini", "a file in $HOME itself is found");
	free(f);

	touch("elsewhere/.box.ini", "[box]\n");
	mkdirs("elsewhere/a/b");
	f = find_rel("elsewhere/a/b", &r);
	is_str(f, "elsewhere/.box.ini", "outside $HOME the walk goes upwards too");
	free(f);
	char *abs = NULL;
	is_int(project_find("relative/dir", &abs), -EINVAL, "relative cwd refused");
	_cleanup_free_ char *d = project_dir("/a/b/.box.ini");
	is_str(d, "/a/b", "project_dir");
}

static bool taken_app(const char *name, void *arg)
{
	return streq(name, (const char *)arg);
}

static void test_names(void)
{
	struct box_config *c = cfg_new();
	char *n;

	n = project_sandbox_name(c, "/home/u/My Project!", NULL, NULL);
	is_str(n, "my-project", "directory name lowercased and sanitised");
	free(n);
	n = project_sandbox_name(c, "/srv/web.app_2", NULL, NULL);
	is_str(n, "web.app_2", "allowed characters kept");
	free(n);
	n = project_sandbox_name(c, "/srv/app", taken_app, (void *)"app");
	ok(n && strlen(n) == 12 && strncmp(n, "app-", 4) == 0, "a taken name gets a hash (%s)",
	   n);
	char *n2 = project_sandbox_name(c, "/other/app", taken_app, (void *)"app");
	ok(n && n2 && !streq(n, n2), "different paths give different names");
	free(n);
	free(n2);
	n = project_sandbox_name(c, "/srv/\xc3\xa9\xc3\xa9", NULL, NULL);
	ok(n && strncmp(n, "project-", 8) == 0, "nothing usable left: project-HASH (%s)", n);
	free(n);
	struct cfg_errors e = { 0 };
	cfg_parse_buffer("[box]\nname = chosen\n", strlen("[box]\nname = chosen\n"), "x", CFG_PROJECT, c, &e);
	n = project_sandbox_name(c, "/srv/app", NULL, NULL);
	is_str(n, "chosen", "[box] name wins");
	free(n);
	cfg_errors_done(&e);
	cfg_free(c);
}

static void key_of(const char *ini, const char *image, char key[SHA256_HEX_LEN + 1])
{
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };
	int r = cfg_parse_buffer(ini, strlen(ini), "k", CFG_PROJECT, c, &e);
	if (r < 0)
		printf("#   parse failed: %s\n", e.n ? e.msgs[0] : "?");
	project_setup_key(image, c, key);
	cfg_errors_done(&e);
	cfg_free(c);
}

static void test_setup_key(void)
{
	char a[65], b[65];

	key_of("[setup]\npackages = git vim\nrun = make  install\n", "debian", a);
	key_of("[box]\nname = other\n[setup]\npackages = vim,git, git\nrun =   make install  \n",
	       "debian", b);
	is_str(a, b, "reordered, repeated packages and extra spaces give the same key");
	is_int(strlen(a), 64, "key is 64 hex digits");
	key_of("[setup]\npackages = vim\npackages = git\nrun = make install\n[env]\nA = 1\n",
	       "debian", b);
	is_str(a, b, "packages split over lines, env outside setup: same key");
	key_of("[setup]\npackages = git vim\nrun = make check\n", "debian", b);
	ok(!streq(a, b), "a changed run line changes the key");
	key_of("[setup]\npackages = git vim\nrun = make install\n", "ubuntu", b);
	ok(!streq(a, b), "another image changes the key");
	key_of("[setup]\nrun = a\nrun = b\n", "debian", a);
	key_of("[setup]\nrun = b\nrun = a\n", "debian", b);
	ok(!streq(a, b), "run lines keep their order");
	key_of("[setup]\nrun = echo 'a  b'\n", "debian", a);
	key_of("[setup]\nrun = echo 'a b'\n", "debian", b);
	ok(!streq(a, b), "whitespace inside quotes is significant");
	key_of("[setup]\npackages = git curl\n", "debian", a);
	key_of("[setup]\npackages = git\n", "debian", b);
	ok(!streq(a, b), "a removed package changes the key");

	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };
	const char *ini = "[setup]\npackages = b a b\nrun = x \t y\n";
	is_int(cfg_parse_buffer(ini, strlen(ini), "k", CFG_PROJECT, c, &e), 0, "setup parses");
	_cleanup_free_ char *text = project_setup_canonical("sha256:00", c);
	is_str(text, "box-setup 1\nimage sha256:00\npackage a\npackage b\nrun x y\n",
	       "canonical text");
	cfg_errors_done(&e);
	cfg_free(c);
}

/* The key of the project file root/rel/.box.ini with that content. */
static void file_key(const char *rel, const char *ini, char key[SHA256_HEX_LEN + 1])
{
	_cleanup_free_ char *path = xasprintf("%s/%s/.box.ini", root, rel);
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };

	if (cfg_parse_buffer(ini, strlen(ini), path, CFG_PROJECT, c, &e) < 0)
		printf("#   parse failed: %s\n", e.n ? e.msgs[0] : "?");
	project_setup_key("debian", c, key);
	cfg_errors_done(&e);
	cfg_free(c);
}

/* The files setup reads are part of its key: named by a run line, or by inputs globs. */
static void test_setup_inputs(void)
{
	const char *pip = "[setup]\nrun = pip install -r requirements.txt\n";
	char a[65], b[65], a2[65];

	touch("ka/requirements.txt", "flask\n");
	touch("kb/requirements.txt", "django\n");
	file_key("ka", pip, a);
	file_key("kb", pip, b);
	ok(!streq(a, b), "same [setup], different requirements.txt: different keys");
	touch("ka/requirements.txt", "flask==3\n");
	file_key("ka", pip, a2);
	ok(!streq(a, a2), "an edited requirements.txt changes the key");
	touch("kb/requirements.txt", "flask==3\n");
	file_key("kb", pip, b);
	is_str(a2, b, "the same file content in two projects: the same key");

	const char *globs = "[setup]\ninputs = deps/*.txt\nrun = make\n";
	touch("kc/deps/one.txt", "1\n");
	file_key("kc", globs, a);
	touch("kc/deps/two.txt", "2\n");
	file_key("kc", globs, b);
	ok(!streq(a, b), "a file new under an inputs glob changes the key");
	touch("kc/deps/two.md", "x\n");
	file_key("kc", globs, a);
	is_str(a, b, "a file the glob does not match does not");

	/* Outside the project (a path, a symlink): never read, never part of the key. */
	touch("kd/outside.txt", "secret\n");
	touch("kd/p/x", "");
	_cleanup_free_ char *lnk = xasprintf("%s/kd/p/link.txt", root);
	_cleanup_free_ char *to = xasprintf("%s/kd/outside.txt", root);
	ok(symlink(to, lnk) == 0, "a symlink out of the project");
	const char *out = "[setup]\nrun = cat ../outside.txt link.txt /etc/hostname\n";
	file_key("kd/p", out, a);
	touch("kd/outside.txt", "changed\n");
	file_key("kd/p", out, b);
	is_str(a, b, "files outside the project are not inputs");

	struct box_config *c = cfg_new();
	_cleanup_free_ char *path = xasprintf("%s/ka/.box.ini", root);
	const char *ini = "[setup]\nrun = pip install --requirement=requirements.txt; ./nope\n"
			  "run = echo x >requirements.txt; echo y 2>> requirements.txt\n";
	ok(cfg_parse_buffer(ini, strlen(ini), path, CFG_PROJECT, c, NULL) == 0, "parses");
	_cleanup_free_ char *in = project_setup_inputs(c);
	char sum[65];
	sha256_hex("flask==3\n", 9, sum);
	_cleanup_free_ char *want = xasprintf("input requirements.txt %s\n", sum);
	is_str(in, want, "KEY=FILE words count; missing files and redirect targets do not");
	cfg_free(c);
}

static void test_trust(void)
{
	_cleanup_free_ char *data = xasprintf("%s/data", root);
	enum trust_state st = TRUST_ALLOWED;
	const char *file = "/srv/proj/.box.ini";

	setenv("BOX_DATA_DIR", data, 1);
	is_int(trust_check(file, "a", 1, &st, NULL), 0, "check an unseen file");
	is_int(st, TRUST_UNKNOWN, "unseen file is not allowed");
	is_int(trust_allow(file, "a", 1, NULL), 0, "allow it");
	trust_check(file, "a", 1, &st, NULL);
	is_int(st, TRUST_ALLOWED, "approved content is allowed");
	trust_check(file, "b", 1, &st, NULL);
	is_int(st, TRUST_CHANGED, "edited content is not allowed");
	trust_check("/srv/other/.box.ini", "a", 1, &st, NULL);
	is_int(st, TRUST_UNKNOWN, "approval is per path");
	is_int(trust_deny(file, NULL), 0, "deny it");
	trust_check(file, "a", 1, &st, NULL);
	is_int(st, TRUST_DENIED, "denied even with the approved content");
	trust_allow(file, "b", 1, NULL);
	trust_check(file, "b", 1, &st, NULL);
	is_int(st, TRUST_ALLOWED, "allowing again after a denial");
	_cleanup_free_ char *tdir = xasprintf("%s/trust", data);
	struct stat sb;
	ok(stat(tdir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "trust dir is private");
	struct box_err *err = NULL;
	ok(trust_check("rel/.box.ini", "a", 1, &st, &err) == -EINVAL, "relative path refused");
	box_err_free(err);
	is_str(trust_state_to_string(TRUST_CHANGED), "not allowed: changed since it was approved",
	       "state text");
}

static void test_mounts_and_init(void)
{
	char *m;

	setenv("HOME", "/home/u", 1);
	m = project_mount_source("/p/proj", "../data");
	is_str(m, "/p/data", "relative mount from the project dir");
	ok(!project_contains("/p/proj", m), "../data is outside the project");
	free(m);
	m = project_mount_source("/p/proj", "./src/../build/");
	is_str(m, "/p/proj/build", "dots resolved lexically");
	ok(project_contains("/p/proj", m), "build is inside the project");
	free(m);
	m = project_mount_source("/p/proj", "~/cache");
	is_str(m, "/home/u/cache", "~/ from $HOME");
	free(m);
	m = project_mount_source("/p/proj", "/../../etc");
	is_str(m, "/etc", "cannot climb above /");
	free(m);
	ok(!project_contains("/p/proj", "/p/project"), "a sibling with a common prefix is outside");

	touch("guess/Cargo.toml", "");
	touch("guess/go.mod", "");
	touch("guess/pyproject.toml", "");
	touch("guess/requirements.txt", "");
	mkdirs("guess/package.json"); /* a directory is not a hint */
	_cleanup_free_ char *dir = xasprintf("%s/guess", root);
	_cleanup_strv_free_ char **pk = project_guess_packages(dir);
	ok(pk && strv_length(pk) == 4 && streq(pk[0], "python3") && streq(pk[1], "python3-pip") &&
		   streq(pk[2], "cargo") && streq(pk[3], "golang"),
	   "guessed packages, deduplicated");
	_cleanup_free_ char *text = project_init_text(dir, "ubuntu", pk);
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };
	is_int(cfg_parse_buffer(text, strlen(text), "init", CFG_PROJECT, c, &e), 0,
	       "the init template parses");
	ok(c->image && streq(c->image, "ubuntu") && strv_length(c->packages) == 4,
	   "template carries image and packages");
	cfg_errors_done(&e);
	cfg_free(c);
	_cleanup_free_ char *empty = project_init_text("/x/y", "debian", NULL);
	ok(strstr(empty, "\n# packages = git\n") != NULL, "no guess: packages commented out");
}

static void test_load(void)
{
	_cleanup_free_ char *global = xasprintf("%s/config.ini", root);
	_cleanup_free_ char *proj = xasprintf("%s/lp/.box.ini", root);
	struct cfg_errors e = { 0 };
	struct box_config *c = NULL;

	touch("config.ini", "[box]\nnetwork = none\n[aliases]\nmine = localhost/m:1\n");
	touch("lp/.box.ini", "[box]\nimage = mine\n[mounts]\n/a = data\n/b = ../nope:ro\n");
	mkdirs("lp/data");
	setenv("BOX_CONFIG", global, 1);
	is_int(project_load(proj, &c, &e), 0, "project loaded over the global config");
	ok(c && c->network == CFG_NET_NONE && streq(cfg_alias(c, c->image), "localhost/m:1"),
	   "global settings and aliases apply to the project");
	_cleanup_free_ char *dir = project_dir(proj);
	is_int(project_check_mounts(c, dir, &e), -ENOENT, "a missing mount source is an error");
	ok(e.n == 1 && strstr(e.msgs[0], "lp/.box.ini:5: mount source '") &&
		   strstr(e.msgs[0], "/nope' for '/b' cannot be used: No such file"),
	   "it names the file, the line and the path (%s)", e.n ? e.msgs[0] : "");
	cfg_free(c);
	cfg_errors_done(&e);

	struct project *pr = NULL;
	struct box_err *err = NULL;
	_cleanup_free_ char *data = xasprintf("%s/data-open", root);
	setenv("BOX_DATA_DIR", data, 1);
	is_int(project_open(dir, NULL, NULL, &pr, &e, &err), 0, "project_open on the directory");
	ok(pr && streq(pr->file, proj) && streq(pr->dir, dir), "file and dir resolved");
	ok(pr && pr->trust == TRUST_UNKNOWN, "not approved yet");
	ok(pr && streq(pr->sandbox, "lp"), "sandbox named after the directory");
	ok(pr && pr->config->network == CFG_NET_NONE && streq(pr->config->image, "mine"),
	   "global and project merged");
	if (pr)
		trust_allow(pr->file, pr->content, pr->len, NULL);
	pr = project_free(pr);
	is_int(project_open(proj, NULL, NULL, &pr, &e, &err), 0, "project_open on the file");
	ok(pr && pr->trust == TRUST_ALLOWED, "approved after trust_allow");
	pr = project_free(pr);

	/* a symlinked .box.ini still belongs to the directory it sits in */
	touch("shared/common.ini", "[box]\nimage = debian\n");
	mkdirs("linked/sub");
	_cleanup_free_ char *link = xasprintf("%s/linked/.box.ini", root);
	_cleanup_free_ char *sub = xasprintf("%s/linked/sub", root);
	_cleanup_free_ char *linkdir = xasprintf("%s/linked", root);
	ok(symlink("../shared/common.ini", link) == 0, "symlink a .box.ini");
	is_int(project_open(sub, NULL, NULL, &pr, &e, &err), 0,
	       "project_open from a subdirectory");
	ok(pr && streq(pr->file, link) && streq(pr->dir, linkdir),
	   "the link's directory is the project");
	pr = project_free(pr);
	char *res = NULL;
	is_int(project_resolve(link, &res, NULL), 0, "resolve the link by name");
	is_str(res, link, "not replaced by its target");
	free(res);

	touch("lp/.box.ini", "[box]\nimgae = x\n");
	is_int(project_open(proj, NULL, NULL, &pr, &e, &err), -EINVAL, "bad project file");
	ok(!pr && e.n == 1 && strstr(e.msgs[0], ".box.ini:2: unknown key 'imgae'"),
	   "its errors are collected");
	box_err_free(err);
	err = NULL;
	cfg_errors_done(&e);
	_cleanup_free_ char *nowhere = xasprintf("%s/nowhere/x", root);
	_cleanup_free_ char *nowhome = xasprintf("%s/nowhere", root);
	mkdirs("nowhere/x");
	setenv("HOME", nowhome, 1);
	ok(chdir(nowhere) == 0, "chdir into a tree without .box.ini");
	is_int(project_open(NULL, NULL, NULL, &pr, &e, &err), -ENOENT, "no project found");
	ok(err && strstr(err->msg, "box init"), "the error says what to do");
	box_err_free(err);

	touch("config.ini", "[box]\nnetwork = nope\n");
	c = NULL;
	is_int(project_load(proj, &c, &e), -EINVAL, "a broken global config fails the load");
	ok(c == NULL && e.n == 1 && strstr(e.msgs[0], "config.ini:2:"), "with its error");
	cfg_errors_done(&e);
	unsetenv("BOX_CONFIG");
}

int main(void)
{
	if (!mkdtemp(root)) {
		printf("1..0 # SKIP cannot create a temp dir\n");
		return 77;
	}
	test_find();
	test_names();
	test_setup_key();
	test_setup_inputs();
	test_trust();
	test_mounts_and_init();
	test_load();
	ok(chdir("/") == 0, "leave the tree");
	rm_rf(root, NULL);
	return tap_done();
}
