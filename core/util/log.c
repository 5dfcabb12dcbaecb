/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Level-filtered logging to stderr or a file, the output sink, and escaping of untrusted
 * strings. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "log.h"
#include "xalloc.h"

static int log_level = LOG_WARN;
static int log_fd = -1;

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

void log_set_fd(int fd)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR:
		return "error: ";
	case LOG_WARN:
		return "warning: ";
	case LOG_INFO:
		return "";
	default:
		return "debug: ";
	}
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	char buf[4096];
	int n;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	_cleanup_free_ char *line = xasprintf("box: %s%s\n", level_name(level), buf);
	ssize_t r = write(log_fd >= 0 ? log_fd : STDERR_FILENO, line, strlen(line));
	(void)r;
}

static unsigned out_flags;

void log_out_setup(unsigned flags)
{
	out_flags = flags;
}

bool log_out_tty(void)
{
	return !(out_flags & LOG_OUT_PLAIN) && isatty(STDERR_FILENO);
}

void log_out(const char *fmt, ...)
{
	va_list ap;

	if (out_flags & LOG_OUT_QUIET)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

/*
 * prefix, the message and a newline (unless the message ends with one) to stderr in
 * one write. A message too long for the stack is formatted on the heap when may_alloc,
 * else cut.
 */
static void out_line(const char *prefix, bool may_alloc, const char *fmt, va_list ap)
    _printf_(3, 0);
static void out_line(const char *prefix, bool may_alloc, const char *fmt, va_list ap)
{
	char stack[4096], *buf = stack, *heap = NULL;
	size_t plen = strnlen(prefix, 64), room = sizeof(stack) - plen - 1;
	va_list aq;

	va_copy(aq, ap);
	int n = vsnprintf(stack + plen, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room && may_alloc) {
		buf = heap = xmalloc(plen + (size_t)n + 2);
		vsnprintf(heap + plen, (size_t)n + 1, fmt, aq);
	} else if (n >= 0 && (size_t)n >= room) {
		n = (int)room - 1;
	}
	va_end(aq);
	if (n < 0)
		return;
	memcpy(buf, prefix, plen);
	size_t len = plen + (size_t)n;
	if (len == 0 || buf[len - 1] != '\n')
		buf[len++] = '\n';
	(void)fs_write_all(STDERR_FILENO, buf, len);
	free(heap);
}

#define OUT_LINE(prefix, may_alloc, fmt)                                                           \
	do {                                                                                       \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		out_line(prefix, may_alloc, fmt, ap);                                              \
		va_end(ap);                                                                        \
	} while (0)

void log_out_line(const char *fmt, ...)
{
	OUT_LINE("", true, fmt);
}

void log_out_note(const char *fmt, ...)
{
	OUT_LINE("box: ", true, fmt);
}

void log_out_warning(const char *fmt, ...)
{
	OUT_LINE("box: warning: ", true, fmt);
}

void log_out_tagged(const char *tag, const char *fmt, ...)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s: ", tag);
	OUT_LINE(prefix, false, fmt);
}

void log_child_error(const char *fmt, ...)
{
	OUT_LINE("box: ", false, fmt);
}

/* Length of the UTF-8 sequence at p and its code point; 0 when it is not valid UTF-8. */
static size_t utf8_decode(const unsigned char *p, uint32_t *ret)
{
	size_t n = *p >= 0xf0 && *p < 0xf5 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
	uint32_t cp = n == 4 ? *p & 0x07u : n == 3 ? *p & 0x0fu : *p & 0x1fu;

	if (*p >= 0xf5)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	*ret = cp;
	return n;
}

/* C1 controls (a terminal's CSI among them) and the marks that reorder text on screen. */
static bool hides_text(uint32_t cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

char *str_escape(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len * 4 + 1), *o = out;
	uint32_t cp = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = *p < 0x80 ? 1 : utf8_decode(p, &cp);
		if (*p == '\n' || *p == '\t') {
			o += sprintf(o, "\\%c", *p == '\n' ? 'n' : 't');
		} else if (*p < 0x20 || *p == 0x7f || n == 0) {
			o += sprintf(o, "\\x%02x", *p); /* a control, or a byte that is not UTF-8 */
			n = 1;
		} else if (n > 1 && hides_text(cp)) {
			o += sprintf(o, "\\u%04x", (unsigned)cp); /* 6 bytes for 2 or 3 */
		} else {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}
