/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subuid parsing, keep-id map arithmetic, newuidmap argv, exec failure statuses. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/sandbox/container.h"
#include "../../core/host/idmap.h"
#include "../../core/util/xalloc.h"
#include "tap.h"

static int parse(const char *text, const char *user, uint32_t id, struct id_range *r, size_t max)
{
	struct box_err *err = NULL;
	int n = subid_parse_buffer(text, strlen(text), user, id, r, max, &err);
	box_err_free(err);
	return n;
}

static void test_subid(void)
{
	const char *text = "# subordinate ids\n"
			   "alice:100000:65536\n"
			   "bob:200000:65536\n"
			   "  \n"
			   "1000:300000:10\n"
			   "alice:x:5\n"
			   "alice:400000\n"
			   "alice:500000:0\n"
			   "alice:4294967295:10\n"
			   "garbage\n"
			   " alice : 600000 : 1000 \n";
	struct id_range r[8];

	int n = parse(text, "alice", 1000, r, 8);
	is_int(n, 3, "alice: by name, by uid, with spaces; malformed lines skipped");
	is_int(r[0].start, 100000, "first range start");
	is_int(r[0].count, 65536, "first range count");
	is_int(r[1].start, 300000, "range by uid");
	is_int(r[1].count, 10, "range by uid count");
	is_int(r[2].start, 600000, "range with spaces");
	is_int(parse(text, "bob", 1001, r, 8), 1, "bob has one range");
	is_int(r[0].start, 200000, "bob's range");
	is_int(parse(text, "carol", 1002, r, 8), 0, "unknown user has none");
	is_int(parse(text, NULL, 1000, r, 8), 1, "by uid only");
	is_int(parse("", "alice", 1, r, 8), 0, "empty file");
	is_int(parse("alice:1:1\nalice:5:1\nalice:9:1\n", "alice", 1, r, 2), -E2BIG,
	       "more ranges than room is an error");
	is_int(parse("alice:1:1", "alice", 7, r, 2), 1, "last line without newline");
}

static void check_entry(const struct idmap *m, size_t i, uint32_t in, uint32_t out, uint32_t n,
			const char *what)
{
	bool good =
	    i < m->n && m->e[i].inside == in && m->e[i].outside == out && m->e[i].count == n;
	ok(good, "%s: entry %zu is %u %u %u", what, i, in, out, n);
	if (!good && i < m->n)
		printf("#   got %u %u %u\n", m->e[i].inside, m->e[i].outside, m->e[i].count);
}

static void test_keep_id(void)
{
	struct id_range one[] = { { 200000, 65536 } };
	struct id_range two[] = { { 200000, 500 }, { 300000, 1000 } };
	struct id_range small[] = { { 200000, 10 } };
	struct box_err *err = NULL;
	struct idmap m;
	uint32_t out;

	is_int(idmap_keep_id(1000, one, 1, &m, NULL), 0, "uid 1000 with one range");
	is_int(m.n, 3, "three entries");
	check_entry(&m, 0, 0, 200000, 1000, "below the user");
	check_entry(&m, 1, 1000, 1000, 1, "the user");
	check_entry(&m, 2, 1001, 201000, 64536, "above the user");
	ok(idmap_to_outside(&m, 0, &out) && out == 200000, "root inside is 200000 outside");
	ok(idmap_to_outside(&m, 1000, &out) && out == 1000, "the user is himself");
	ok(idmap_to_outside(&m, 1001, &out) && out == 201000, "1001 inside is 201000");
	ok(idmap_to_outside(&m, 65536, &out) && out == 265535, "the last id maps to the range end");
	ok(!idmap_to_outside(&m, 65537, &out), "beyond the range is unmapped");

	is_int(idmap_keep_id(1000, two, 2, &m, NULL), 0, "uid 1000 with two ranges");
	is_int(m.n, 4, "four entries");
	check_entry(&m, 0, 0, 200000, 500, "first range");
	check_entry(&m, 1, 500, 300000, 500, "second range below the user");
	check_entry(&m, 2, 1000, 1000, 1, "the user");
	check_entry(&m, 3, 1001, 300500, 500, "rest of the second range");

	is_int(idmap_keep_id(1000, small, 1, &m, &err), -ERANGE, "too small a range");
	ok(err && strstr(err->msg, "too small"), "the message says so");
	box_err_free(err);

	is_int(idmap_keep_id(0, one, 1, &m, NULL), 0, "uid 0");
	is_int(m.n, 2, "two entries");
	check_entry(&m, 0, 0, 0, 1, "root is root");
	check_entry(&m, 1, 1, 200000, 65536, "the range above");
}

static void test_argv(void)
{
	struct id_range one[] = { { 200000, 65536 } };
	const char *want[] = { "newuidmap", "1234", "0",    "200000", "1000",  "1000",
			       "1000",	    "1",    "1001", "201000", "64536", NULL };
	struct idmap m;

	idmap_keep_id(1000, one, 1, &m, NULL);
	char **argv = idmap_to_argv("newuidmap", 1234, &m);
	is_int(strv_length(argv), ARRAY_SIZE(want) - 1, "argv length");
	for (size_t i = 0; want[i]; i++)
		is_str(argv[i], want[i], "argv[%zu]", i);
	ok(argv[ARRAY_SIZE(want) - 1] == NULL, "argv is NULL-terminated");
	strv_free(argv);
}

static void test_root_can_search(void)
{
	struct id_range one[] = { { 200000, 65536 } };
	struct idmap u, g, su = { .n = 1, .e = { { 0, 1000, 1 } } }, sg = su;

	idmap_keep_id(1000, one, 1, &u, NULL);
	idmap_keep_id(1000, one, 1, &g, NULL);
	ok(idmap_root_can_search(&u, &g, 1000, 1000, 0700), "user:user 0700: both mapped");
	ok(!idmap_root_can_search(&u, &g, 1000, 0, 0700), "user:root 0700: group not mapped");
	ok(idmap_root_can_search(&u, &g, 1000, 0, 0701), "user:root 0701: searchable by others");
	ok(!idmap_root_can_search(&u, &g, 0, 0, 0700), "root:root 0700");
	ok(idmap_root_can_search(&u, &g, 0, 0, 0755), "root:root 0755");
	ok(idmap_root_can_search(&u, &g, 200000, 5, 0700), "owned by the namespace's root");
	ok(!idmap_root_can_search(&u, &g, 200000, 5, 0600), "... without the owner's x bit");
	/* No subordinate range: root inside is the user outside, with no capabilities on
	 * the user's files beyond the owner bits. */
	ok(idmap_root_can_search(&su, &sg, 1000, 0, 0700), "single map, user:root 0700: the owner");
	ok(!idmap_root_can_search(&su, &sg, 1001, 1000, 0700), "single map, another owner");
	ok(idmap_root_can_search(&su, &sg, 1001, 1000, 0750), "single map, the group's x bit");
}

static void test_exec_status(void)
{
	is_int(container_exec_failure_status(-ENOENT), 127, "ENOENT is 127 (not found)");
	is_int(container_exec_failure_status(-EACCES), 126, "EACCES is 126");
	is_int(container_exec_failure_status(-ENOEXEC), 126, "ENOEXEC is 126");
	is_int(container_exec_failure_status(-EPERM), 126, "EPERM is 126");
}

int main(void)
{
	test_subid();
	test_keep_id();
	test_argv();
	test_root_can_search();
	test_exec_status();
	return tap_done();
}
