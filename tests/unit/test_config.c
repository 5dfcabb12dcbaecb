/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the config parser: good files of both kinds, every kind of error
 * reported together with its line, suggestions, odd whitespace, comments,
 * duplicates, empty values, huge lines, non-UTF-8 and NUL bytes, registries and
 * aliases, and layering a project file over the global one.
 */
#include <stdlib.h>
#include <string.h>

#include "../../config/config.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static struct cfg_errors errs;

/* Parse s (of length len) into a fresh config; the errors stay in errs. */
static struct box_config *parse_n(const char *s, size_t len, enum cfg_kind kind, int *ret)
{
	struct box_config *c = cfg_new();
	cfg_errors_done(&errs);
	*ret = cfg_parse_buffer(s, len, "t.ini", kind, c, &errs);
	return c;
}

static struct box_config *parse(const char *s, enum cfg_kind kind, int *ret)
{
	return parse_n(s, strlen(s), kind, ret);
}

static bool has_error(const char *needle)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.msgs[i], needle))
			return true;
	printf("#   no error contains '%s'; errors:\n", needle);
	for (size_t i = 0; i < errs.n; i++)
		printf("#     %s\n", errs.msgs[i]);
	return false;
}

static bool no_error(const char *needle)
{
	for (size_t i = 0; i < errs.n; i++)
		if (strstr(errs.msgs[i], needle)) {
			printf("#   unexpected error: %s\n", errs.msgs[i]);
			return false;
		}
	return true;
}

static void test_good_project(void)
{
	const char *s = "; a project\n"
			"# another comment\n"
			"[box]\n"
			"name = web-app\n"
			"image = debian\n"
			"hostname = web\n"
			"network = host\n"
			"home = isolated\n"
			"storage = overlay\n"
			"ports = off\n"
			"host_loopback = no\n"
			"mtu = 1500\n"
			"[setup]\n"
			"packages = git, vim curl\n"
			"packages = make\n"
			"run = echo one\n"
			"run = make install ; trailing comment\n"
			"[env]\n"
			"EDITOR = vim\n"
			"EMPTY =\n"
			"[ports]\n"
			"8080 = 80\n"
			"127.0.0.1:5353 = 53/udp\n"
			"[mounts]\n"
			"/data = ../data:ro\n"
			"/cache = /var/cache/x\n"
			"[limits]\n"
			"cpus = 1.5\n"
			"memory = 2G\n"
			"pids = 512\n";
	int r;
	struct box_config *c = parse(s, CFG_PROJECT, &r);

	is_int(r, 0, "good project file parses");
	is_int(errs.n, 0, "no errors");
	is_str(c->name, "web-app", "name");
	is_str(c->image, "debian", "image");
	is_str(c->hostname, "web", "hostname");
	is_int(c->network, CFG_NET_HOST, "network = host");
	is_int(c->home, CFG_HOME_ISOLATED, "home = isolated");
	is_int(c->storage, CFG_STORAGE_OVERLAY, "storage = overlay");
	ok(!c->ports_auto, "ports = off");
	ok(!c->host_loopback, "host_loopback = no");
	is_int(c->mtu, 1500, "mtu");
	is_int(strv_length(c->packages), 4, "packages accumulate over two lines");
	is_str(c->packages[0], "git", "first package");
	is_str(c->packages[2], "curl", "comma and space separated");
	is_str(c->packages[3], "make", "second packages line appended");
	is_int(strv_length(c->run), 2, "two run lines");
	is_str(c->run[1], "make install", "inline comment stripped from run");
	is_int(c->run_lines[0], 16, "run line numbers kept");
	is_int(c->run_lines[1], 17, "second run line number");
	is_int(c->n_env, 2, "two env entries");
	is_str(c->env[1].value, "", "empty env value allowed");
	is_int(c->n_ports, 2, "two ports");
	is_str(c->ports[1].key, "127.0.0.1:5353", "port key with address and colon");
	is_str(c->ports[1].value, "53/udp", "udp port value");
	is_int(c->n_mounts, 2, "two mounts");
	ok(c->mounts[0].readonly, ":ro honoured");
	is_str(c->mounts[0].host, "../data", ":ro suffix removed");
	ok(!c->mounts[1].readonly, "rw by default");
	ok(c->cpus > 1.49 && c->cpus < 1.51, "cpus = 1.5");
	is_int(c->memory, 2ULL << 30, "memory 2G");
	is_int(c->pids, 512, "pids");
	ok(cfg_is_set(c, "box", "image"), "image marked as set");
	ok(!cfg_is_set(c, "limits", "foo"), "unknown key is never set");
	cfg_free(c);
}

static void test_defaults(void)
{
	int r;
	struct box_config *c = parse("", CFG_PROJECT, &r);
	is_int(r, 0, "empty file is fine");
	is_int(c->network, CFG_NET_SLIRP, "default network slirp");
	is_int(c->home, CFG_HOME_HOST, "default home host");
	is_int(c->storage, CFG_STORAGE_FUSE, "default storage fuse-overlayfs");
	ok(c->ports_auto, "default ports auto");
	ok(c->host_loopback, "default host_loopback yes");
	is_int(c->mtu, 65520, "default mtu");
	ok(!c->image && !c->name, "no image or name by default");
	ok(!cfg_is_set(c, "box", "network"), "defaults are not marked as set");
	cfg_free(c);
}

static void test_all_errors_together(void)
{
	const char *s = "[box]\n"                  /* 1 */
			"imgae = debian\n"         /* 2 */
			"network = slirpp\n"       /* 3 */
			"mtu = 10\n"               /* 4 */
			"home = isolatd\n"         /* 5 */
			"[limits]\n"               /* 6 */
			"pids = 0\n"               /* 7 */
			"memory = lots\n"          /* 8 */
			"cpus = -1\n"              /* 9 */
			"[bxo]\n"                  /* 10 */
			"foo = 1\n"                /* 11 */
			"no equals sign\n"         /* 12 */
			"[box]\n"                  /* 13 */
			"storage = zfs\n"          /* 14 */
			"host_loopback = maybe\n"; /* 15 */
	int r;
	struct box_config *c = parse(s, CFG_PROJECT, &r);

	is_int(r, -EINVAL, "bad file fails");
	is_int(errs.n, 11, "every problem reported (11)");
	ok(has_error("t.ini:2: unknown key 'imgae' in [box]; did you mean 'image'?"),
	   "unknown key with suggestion and line");
	ok(has_error("t.ini:3: bad value 'slirpp' for 'network' in [box]: expected one of "
		     "slirp, host, none; did you mean 'slirp'?"),
	   "enum lists allowed values and suggests");
	ok(has_error("t.ini:4: bad value '10' for 'mtu'"), "mtu range");
	ok(has_error("t.ini:5: bad value 'isolatd' for 'home'") && has_error("'isolated'?"),
	   "home suggestion");
	ok(has_error("t.ini:7: bad value '0' for 'pids'"), "pids > 0");
	ok(has_error("t.ini:8: bad value 'lots' for 'memory'"), "memory size");
	ok(has_error("t.ini:9: bad value '-1' for 'cpus'"), "cpus > 0");
	ok(has_error("t.ini:10: unknown section [bxo]; did you mean [box]?"),
	   "unknown section with suggestion");
	ok(no_error("t.ini:11:"), "keys of an unknown section are not reported again");
	ok(has_error("t.ini:12: expected 'key = value'"), "syntax error on its line");
	ok(has_error("t.ini:14: bad value 'zfs' for 'storage' in [box]: expected one of "
		     "fuse-overlayfs, overlay"),
	   "storage allowed values");
	ok(has_error("t.ini:15: bad value 'maybe' for 'host_loopback'"), "bool");
	cfg_free(c);
}

static void test_suggestions(void)
{
	int r;
	struct box_config *c = parse("[box]\npackages = git\n[setup]\npackges = vim\n"
				     "zzzzzz = 1\n",
				     CFG_PROJECT, &r);
	ok(has_error("t.ini:2: unknown key 'packages' in [box]; it belongs in [setup]"),
	   "key from another section is pointed there");
	ok(has_error("t.ini:4: unknown key 'packges' in [setup]; did you mean 'packages'?"),
	   "typo in [setup]");
	ok(has_error("t.ini:5: unknown key 'zzzzzz' in [setup]; known keys: packages, run"),
	   "no close match lists the known keys");
	cfg_free(c);
	c = parse("[limit]\ncpus = 1\n[registry]\n", CFG_GLOBAL, &r);
	ok(has_error("t.ini:1: unknown section [limit]; did you mean [limits]?"),
	   "section typo");
	ok(has_error("t.ini:3: bad section [registry]: expected [registry \"HOST\"]"),
	   "registry without a name");
	cfg_free(c);
}

static void test_whitespace_comments(void)
{
	const char *s = "\xef\xbb\xbf  ; comment with leading spaces\n"
			"\t[ box ]   ; comment after a section\n"
			"   image\t=\t  debian   \r\n"
			"\n"
			"  \t  \n"
			"\t\tnetwork=none\n"
			"# hash comment\n"
			"[env]\n"
			"  GREETING = hello ; world\n"
			"HASH = a # not a comment\n";
	int r;
	struct box_config *c = parse(s, CFG_PROJECT, &r);

	is_int(r, 0, "odd whitespace, CRLF, BOM and comments parse");
	is_str(c->image, "debian", "value stripped of tabs and spaces");
	is_int(c->network, CFG_NET_NONE, "indented key is not a continuation line");
	is_str(c->env[0].value, "hello", "';' after space starts a comment");
	is_str(c->env[1].value, "a # not a comment", "'#' inside a value is kept");
	cfg_free(c);
}

static void test_duplicates_and_empty(void)
{
	const char *s = "[box]\n"
			"image = debian\n"
			"[env]\n"
			"A = 1\n"
			"[box]\n"
			"image = ubuntu\n"
			"name =\n"
			"[env]\n"
			"A = 2\n"
			"[setup]\n"
			"run =\n"
			"run = ok\n"
			"run = ok\n"
			"[mounts]\n"
			"/x = /a\n"
			"/x = /b\n";
	int r;
	struct box_config *c = parse(s, CFG_PROJECT, &r);

	is_int(errs.n, 5, "duplicates and empty values reported");
	ok(has_error("t.ini:6: duplicate 'image' in [box]: already set on line 2"),
	   "duplicate scalar names both lines, across split sections");
	ok(has_error("t.ini:7: missing value for 'name' in [box]"), "empty scalar value");
	ok(has_error("t.ini:9: duplicate 'A' in [env]: already set on line 4"), "duplicate env");
	ok(has_error("t.ini:11: missing value for 'run'"), "empty run line");
	ok(has_error("t.ini:16: duplicate '/x' in [mounts]: already set on line 15"),
	   "duplicate mount");
	is_str(c->image, "debian", "first value kept on duplicate");
	is_int(strv_length(c->run), 2, "identical run lines may repeat");
	cfg_free(c);
}

static void test_bad_bytes(void)
{
	int r;
	char big[6000];
	static const char bad[] = "[box]\nimage = deb\0ian\nname = a\xff\n[env]\nX = \xc3\x28\n"
				  "Y = \x1b[31m\nZ = caf\xc3\xa9\n";
	struct box_config *c;

	c = parse_n(bad, sizeof(bad) - 1, CFG_PROJECT, &r);
	is_int(errs.n, 4, "bad bytes reported on each line");
	ok(has_error("t.ini:2: NUL byte at column 12"), "NUL byte");
	ok(has_error("t.ini:3: invalid UTF-8 (byte 0xff) at column 9"), "invalid UTF-8");
	ok(has_error("t.ini:5: invalid UTF-8 (byte 0xc3)"), "truncated UTF-8 sequence");
	ok(has_error("t.ini:6: control character 0x1b"), "escape character");
	ok(c->n_env == 1 && streq(c->env[0].value, "caf\xc3\xa9"), "valid UTF-8 accepted");
	cfg_free(c);

	memset(big, 'x', sizeof(big));
	memcpy(big, "[env]\nA = ", 10);
	memcpy(big + sizeof(big) - 12, "\nB = after\n", 11);
	c = parse_n(big, sizeof(big) - 1, CFG_PROJECT, &r);
	ok(has_error("t.ini:2: line is longer than 4096 bytes"), "huge line is an error");
	ok(c->n_env == 1 && streq(c->env[0].key, "B"), "parsing goes on after a huge line");
	is_int(errs.n, 1, "one error for the huge line");
	cfg_free(c);

	size_t n = 2 * 1024 * 1024;
	char *huge = xmalloc(n);
	memset(huge, '\n', n);
	c = parse_n(huge, n, CFG_PROJECT, &r);
	ok(r == -EINVAL && has_error("t.ini: file is larger than"), "huge file refused");
	free(huge);
	cfg_free(c);
}

static void test_kinds(void)
{
	int r;
	struct box_config *c;

	c = parse("[registry \"docker.io\"]\nmirror = http://127.0.0.1:5000\ninsecure = yes\n"
		  "[registry \"quay.io\"]\nmirror = https://mirror.example/v2\n"
		  "[aliases]\nubuntu = docker.io/library/ubuntu:22.04\nmine = localhost/x:1\n"
		  "[box]\nimage = mine\nnetwork = none\n[limits]\nmemory = 1G\n",
		  CFG_GLOBAL, &r);
	is_int(r, 0, "global file with registries and aliases parses");
	const struct cfg_registry *reg = cfg_registry(c, "docker.io");
	ok(reg && reg->insecure && streq(reg->mirror, "http://127.0.0.1:5000"), "docker.io mirror");
	reg = cfg_registry(c, "quay.io");
	ok(reg && !reg->insecure, "insecure defaults to no");
	ok(!cfg_registry(c, "ghcr.io"), "unknown registry is NULL");
	is_str(cfg_alias(c, "ubuntu"), "docker.io/library/ubuntu:22.04", "alias overrides built-in");
	is_str(cfg_alias(c, "mine"), "localhost/x:1", "own alias");
	is_str(cfg_alias(c, "debian"), "docker.io/library/debian:bookworm", "built-in debian");
	is_str(cfg_alias(NULL, "arch"), "docker.io/library/archlinux:latest", "built-in arch");
	ok(cfg_alias(c, "nope") == NULL, "no alias");

	/* a project file over the global one */
	const char *proj = "[box]\nimage = debian\n[limits]\npids = 10\n";
	r = cfg_parse_buffer(proj, strlen(proj), "p.box.ini", CFG_PROJECT, c, &errs);
	is_int(r, 0, "project layered over global");
	is_str(c->image, "debian", "project image wins");
	is_int(c->network, CFG_NET_NONE, "global network kept");
	ok(c->memory == 1ULL << 30 && c->pids == 10, "limits merged");
	cfg_free(c);

	c = parse("[registry \"docker.io\"]\nmirror = ftp://x\ninsecure = perhaps\n"
		  "[registry \"a\"]\nmirror = http://a\n[registry \"a\"]\nmirror = http://b\n"
		  "[aliases]\n-x = debian\n",
		  CFG_GLOBAL, &r);
	ok(has_error("t.ini:2: bad value 'ftp://x' for 'mirror'"), "mirror must be http(s)");
	ok(has_error("t.ini:3: bad value 'perhaps' for 'insecure'"), "insecure bool");
	ok(has_error("t.ini:7: duplicate 'mirror' in [registry \"a\"]: already set on line 5"),
	   "duplicate key in a repeated registry section");
	ok(has_error("t.ini:9: bad alias name '-x'"), "alias name checked");
	cfg_free(c);

	c = parse("[setup]\npackages = git\n[box]\nname = x\n", CFG_GLOBAL, &r);
	ok(has_error("t.ini:1: section [setup] belongs in a project's .box.ini, not here"),
	   "project section in config.ini");
	ok(has_error("t.ini:4: 'name' in [box] belongs in a project's .box.ini"),
	   "project key in config.ini");
	is_int(errs.n, 2, "keys of a wrong-kind section are not reported again");
	cfg_free(c);
	c = parse("[aliases]\nx = y\n[registry \"r\"]\ninsecure = yes\n", CFG_PROJECT, &r);
	ok(has_error("t.ini:1: section [aliases] belongs in the global config.ini"),
	   "global section in .box.ini");
	ok(has_error("t.ini:3: section [registry \"r\"] belongs in the global config.ini"),
	   "registry in .box.ini");
	cfg_free(c);
}

static void test_values(void)
{
	int r;
	struct box_config *c = parse(
		"[ports]\n0 = 80\n8080 = 70000\n1.2.3:80 = 80\n[::1]:8080 = 80/tcp\n80 = 80/sctp\n"
		"[mounts]\n/ = /x\n/a/../b = /x\n/c =\n/d = ./rel:rw\n"
		"[setup]\npackages = -oops good\n"
		"[box]\nname = ../x\nhostname = a_b\nhome = ~/h\nimage = -rm\nmtu = 0x10\n"
		"x = ;\n",
		CFG_PROJECT, &r);
	ok(has_error("t.ini:2: bad host port '0'"), "port 0");
	ok(has_error("t.ini:3: bad sandbox port '70000'"), "port above 65535");
	ok(has_error("t.ini:4: bad host port '1.2.3:80'"), "bad address");
	ok(no_error("t.ini:5:"), "IPv6 host address accepted");
	ok(has_error("t.ini:6: bad sandbox port '80/sctp'"), "protocol");
	ok(has_error("t.ini:8: bad sandbox path '/'"), "mount over /");
	ok(has_error("t.ini:9: bad sandbox path '/a/../b'"), "mount with ..");
	ok(has_error("t.ini:10: missing value for '/c'"), "mount without host path");
	ok(c->n_mounts == 1 && !c->mounts[0].readonly, ":rw accepted");
	ok(has_error("t.ini:13: bad package name '-oops'"), "package looking like an option");
	ok(c->packages && streq(c->packages[0], "good"), "good package next to a bad one kept");
	ok(has_error("t.ini:15: bad value '../x' for 'name'"), "name with a slash");
	ok(has_error("t.ini:16: bad value 'a_b' for 'hostname'"), "hostname underscore");
	_cleanup_free_ char *want_home = xasprintf("%s/h", getenv("HOME"));
	is_str(c->home_path, want_home, "home = ~/h is resolved against the home at parse time");
	ok(has_error("t.ini:18: bad value '-rm' for 'image'"), "image looking like an option");
	ok(has_error("t.ini:19: bad value '0x10' for 'mtu'"), "hex mtu");
	ok(has_error("t.ini:20: unknown key 'x' in [box]"), "unknown one-letter key");
	cfg_free(c);
}

/* Checked and resolved where they are read, with the file's name and line. */
static void test_parse_time_checks(void)
{
	struct cfg_errors e = { 0 };
	struct box_config *c = cfg_new();
	const char *s = "[box]\nmtu = 1279\n";
	int r = cfg_parse_buffer(s, strlen(s), "/p/q/.box.ini", CFG_PROJECT, c, &e);

	ok(r < 0 && e.n == 1 && strstr(e.msgs[0], "/p/q/.box.ini:2: bad value '1279' for 'mtu'") &&
	       strstr(e.msgs[0], "1280"),
	   "mtu below 1280 fails with FILE:LINE and the range");
	cfg_errors_done(&e);
	cfg_free(c);
	static const struct {
		const char *file, *home, *want;
	} cases[] = {
		{ "/p/q/.box.ini", "./h", "/p/q/h" },
		{ "/p/q/.box.ini", "../h", "/p/h" },
		{ "/p/q/.box.ini", "./../../../h", "/h" },
		{ "/.box.ini", "./h", "/h" },
		{ "/p/q/.box.ini", "/abs", "/abs" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *t = xasprintf("[box]\nhome = %s\nmtu = 1280\n", cases[i].home);
		c = cfg_new();
		r = cfg_parse_buffer(t, strlen(t), cases[i].file, CFG_PROJECT, c, &e);
		ok(r == 0 && c->home == CFG_HOME_PATH, "home = %s in %s parses", cases[i].home,
		   cases[i].file);
		is_str(c->home_path, cases[i].want, "... and is %s", cases[i].want);
		cfg_errors_done(&e);
		cfg_free(c);
	}
}

static void test_images(void)
{
	int r;
	struct box_config *c = parse("[box]\nimage = Debian\n[limits]\n", CFG_GLOBAL, &r);
	ok(has_error("t.ini:2: bad value 'Debian' for 'image' in [box]: repository name must be "
		     "lowercase"),
	   "image checked by the reference parser, with its reason");
	cfg_free(c);
	c = parse("[box]\nimage = quay.io/x/y@sha256:abc\n", CFG_GLOBAL, &r);
	ok(has_error("t.ini:2: bad value") && has_error("64 hex digits"), "bad digest");
	cfg_free(c);
	c = parse("[aliases]\nDev = debian\nok = debian:\ngood = localhost:5000/a/b:1\n",
		  CFG_GLOBAL, &r);
	ok(has_error("t.ini:2: bad alias name 'Dev' in [aliases]: use lowercase"),
	   "alias names are lowercase");
	ok(has_error("t.ini:3: bad image reference 'debian:' for alias 'ok' in [aliases]: empty "
		     "tag"),
	   "alias target checked");
	is_str(cfg_alias(c, "good"), "localhost:5000/a/b:1", "registry with a port in an alias");
	ok(cfg_valid_image("docker.io/library/debian:bookworm") && !cfg_valid_image("a b"),
	   "cfg_valid_image");
	cfg_free(c);
}

/* [export] and [box] gpu: lists accumulate; bad words and values, an entry listed
 * twice and two programs whose wrappers would share a name are errors with their
 * line; both belong to a project (gpu to config.ini too). */
static void test_export_gpu(void)
{
	int r;
	struct box_config *c = parse("[box]\ngpu = nvidia\n[export]\nbins = cargo, /usr/bin/node\n"
				     "bins = rustc\napps = org.gnome.gedit\n",
				     CFG_PROJECT, &r);
	is_int(r, 0, "[export] and gpu parse");
	is_int(c->gpu, CFG_GPU_NVIDIA, "gpu = nvidia");
	is_int(strv_length(c->export_bins), 3, "bins accumulate over lines");
	is_str(c->export_bins[1], "/usr/bin/node", "an absolute path is a program");
	is_str(c->export_bins[2], "rustc", "in file order");
	is_str(c->export_apps[0], "org.gnome.gedit", "apps");
	cfg_free(c);
	c = parse("[box]\ngpu = yes\n[export]\nbins = ../x /a/../b\napps = 'x y'\n", CFG_PROJECT, &r);
	ok(r < 0, "bad values fail");
	ok(has_error("t.ini:2: bad value 'yes' for 'gpu'"), "gpu: the allowed values, line 2");
	ok(has_error("t.ini:4: bad program '../x'"), "a relative path is not a program name");
	ok(has_error("t.ini:4: bad program '/a/../b'"), "'..' in a path");
	ok(has_error("t.ini:5: bad application ''x'"), "a quote in an application");
	cfg_free(c);
	c = parse("[export]\nbins = cargo cargo\nbins = /usr/bin/node\nbins = /opt/node/bin/node\n"
		  "bins = rustc\nbins = rustc\napps = a.b a.b\n",
		  CFG_PROJECT, &r);
	ok(r < 0, "repeated and clashing [export] entries fail");
	ok(has_error("t.ini:2: 'cargo' is listed twice in [export] bins; remove one"),
	   "a program twice on one line");
	ok(has_error("t.ini:4: '/usr/bin/node' and '/opt/node/bin/node' in [export] bins would "
		     "both be the wrapper 'node'"),
	   "two paths with one wrapper name");
	ok(has_error("t.ini:6: 'rustc' is listed twice"), "a program twice over two lines");
	ok(has_error("t.ini:7: 'a.b' is listed twice in [export] apps"), "an application twice");
	cfg_free(c);
	c = parse("[box]\ngpu = none\n[export]\nbins = x\n", CFG_GLOBAL, &r);
	ok(no_error("'gpu'"), "gpu belongs in config.ini too");
	ok(has_error("[export] belongs in a project"), "[export] only in a project");
	cfg_free(c);
}

int main(void)
{
	test_good_project();
	test_defaults();
	test_all_errors_together();
	test_suggestions();
	test_whitespace_comments();
	test_duplicates_and_empty();
	test_bad_bytes();
	test_kinds();
	test_values();
	test_images();
	test_parse_time_checks();
	test_export_gpu();
	cfg_errors_done(&errs);
	return tap_done();
}
