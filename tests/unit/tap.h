/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tiny TAP harness for unit tests: ok()/is_int()/is_str() print one TAP line each;
 * tap_done() prints the plan and returns the exit status (77 when everything skipped).
 */
#ifndef BOX_TAP_H
#define BOX_TAP_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                              \
	do {                                                                                       \
		tap_n++;                                                                           \
		int _c = !!(cond);                                                                 \
		if (!_c)                                                                           \
			tap_failed++;                                                              \
		printf("%s %d - ", _c ? "ok" : "not ok", tap_n);                                   \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!_c)                                                                           \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
	} while (0)

#define is_int(got, want, ...)                                                                     \
	do {                                                                                       \
		long long _g = (long long)(got), _w = (long long)(want);                           \
		ok(_g == _w, __VA_ARGS__);                                                         \
		if (_g != _w)                                                                      \
			printf("#   got %lld, want %lld\n", _g, _w);                                   \
	} while (0)

#define is_str(got, want, ...)                                                                     \
	do {                                                                                       \
		const char *_g = (got), *_w = (want);                                              \
		int _e = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w;                              \
		ok(_e, __VA_ARGS__);                                                               \
		if (!_e)                                                                           \
			printf("#   got '%s', want '%s'\n", _g ? _g : "(null)", _w ? _w : "(null)"); \
	} while (0)

#define skip(reason, ...)                                                                          \
	do {                                                                                       \
		tap_n++;                                                                           \
		printf("ok %d - ", tap_n);                                                         \
		printf(__VA_ARGS__);                                                               \
		printf(" # SKIP %s\n", reason);                                                    \
	} while (0)

/* A file under tests/fixtures/: the source tree is $BOX_TOP, else three levels above
 * build/tests/unit/<exe>. Caller frees. */
static inline char *tap_fixture(const char *rel)
{
	const char *env = getenv("BOX_TOP");
	char top[PATH_MAX], *path = NULL;
	ssize_t n = 0;

	if (env && *env) {
		snprintf(top, sizeof(top), "%s", env);
	} else {
		n = readlink("/proc/self/exe", top, sizeof(top) - 1);
		top[n < 0 ? 0 : n] = '\0';
		for (int i = 0; i < 4; i++) {
			char *s = strrchr(top, '/');
			if (s)
				*s = '\0';
		}
	}
	if (asprintf(&path, "%s/tests/fixtures/%s", top, rel) < 0)
		abort();
	return path;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
