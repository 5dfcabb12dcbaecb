/* SPDX-License-Identifier: GPL-2.0-or-later */
/* [start] and [services] in .box.ini, the services' state file, log tails and rotation. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../config/config.h"
#include "../../core/sandbox/services.h"
#include "../../core/sandbox/svclog.h"
#include "../../core/util/fs.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static void test_config(void)
{
	const char *ini = "[start]\nrun = make dev\nrun = exit 3\n"
			  "[services]\nweb = python3 -m http.server 8000\ndb = postgres -D d\n";
	struct box_config *c = cfg_new();
	struct cfg_errors e = { 0 };

	is_int(cfg_parse_buffer(ini, strlen(ini), "p.ini", CFG_PROJECT, c, &e), 0,
	       "[start] and [services] parse");
	is_str(c->start && c->start[0] ? c->start[0] : NULL, "make dev", "first start line");
	is_int(c->start_lines ? c->start_lines[1] : 0, 3, "start lines keep their line numbers");
	is_int(strv_length(c->run), 0, "[start] run lines are not setup lines");
	is_int(c->n_services, 2, "two services");
	is_str(c->n_services ? c->services[0].value : NULL, "python3 -m http.server 8000",
	       "a service's command");
	cfg_errors_done(&e);
	cfg_free(c);

	const char *bad = "[services]\n-x = true\nempty =\n";
	c = cfg_new();
	ok(cfg_parse_buffer(bad, strlen(bad), "b.ini", CFG_PROJECT, c, &e) < 0, "bad services");
	is_int(e.n, 2, "both reported");
	ok(e.n > 0 && strstr(e.msgs[0], "b.ini:2: bad service name '-x'"), "FILE:LINE: %s",
	   e.n ? e.msgs[0] : "");
	cfg_errors_done(&e);
	cfg_free(c);
	c = cfg_new();
	ok(cfg_parse_buffer(bad, strlen(bad), "g.ini", CFG_GLOBAL, c, &e) < 0,
	   "[services] belongs in a project's file");
	cfg_errors_done(&e);
	cfg_free(c);
}

static void test_state(void)
{
	struct svc_status in[] = {
		{ .name = "web", .state = SVC_RUNNING, .pid = 12, .status = -1 },
		{ .name = "db", .state = SVC_RESTARTING, .restarts = 3, .status = 137 }
	};
	struct svc_status *out = NULL;
	size_t n = 0;
	_cleanup_free_ char *text = services_state_format(in, 2);

	is_str(text, "web\trunning\t12\t0\t-1\ndb\trestarting\t0\t3\t137\n", "state format");
	is_int(services_state_parse(text, strlen(text), &out, &n), 0, "state parses back");
	is_int(n, 2, "two entries");
	ok(n == 2 && streq(out[1].name, "db") && out[1].state == SVC_RESTARTING &&
	       out[1].restarts == 3 && out[1].status == 137,
	   "round trip");
	svc_status_free(out, n);
	const char *bad[] = { "web\trunning\t1\n", "web\tdancing\t1\t0\t0\n",
			      "web\trunning\t-5\t0\t0\n", "web\trunning\t1\t0\t999\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(services_state_parse(bad[i], strlen(bad[i]), &out, &n) == -EINVAL,
		   "bad state line %zu refused", i);
}

static void test_tail(void)
{
	const char *s = "a\nb\nc\n";
	is_int(svclog_tail_offset(s, strlen(s), 0), 0, "tail 0: everything");
	is_int(svclog_tail_offset(s, strlen(s), 1), 4, "tail 1");
	is_int(svclog_tail_offset(s, strlen(s), 2), 2, "tail 2");
	is_int(svclog_tail_offset(s, strlen(s), 9), 0, "tail beyond the start");
	is_int(svclog_tail_offset("a\nb", 3, 1), 2, "a last line without newline counts");
}

static void test_rotation(void)
{
	char dir[] = "/tmp/box-svclog.XXXXXX";
	struct svclog l;

	if (!mkdtemp(dir)) {
		skip("mkdtemp", "rotation");
		return;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	is_int(svclog_open(&l, dfd, "web", 10), 0, "open a log capped at 10 bytes");
	svclog_write(&l, "12345678\n", 9);
	svclog_write(&l, "abcdefgh\n", 9);
	svclog_write(&l, "ABCDEFGH\n", 9);
	svclog_close(&l);
	_cleanup_free_ char *cur = xasprintf("%s/web.log", dir);
	_cleanup_free_ char *old = xasprintf("%s/web.log.1", dir);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ok(fs_read_file(cur, 100, &buf, &len, NULL) == 0 && streq(buf, "ABCDEFGH\n"),
	   "past the cap a new file starts");
	free(buf);
	buf = NULL;
	ok(fs_read_file(old, 100, &buf, &len, NULL) == 0 && streq(buf, "abcdefgh\n"),
	   "one older file is kept");
	free(buf);
	buf = NULL;
	ok(svclog_tail(cur, 0, &buf, &len, NULL) == 0 && streq(buf, "abcdefgh\nABCDEFGH\n"),
	   "the tail reads the older file first");
	close(dfd);
	rm_rf(dir, NULL);
}

int main(void)
{
	test_config();
	test_state();
	test_tail();
	test_rotation();
	return tap_done();
}
