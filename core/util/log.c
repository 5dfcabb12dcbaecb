/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Level-filtered logging to stderr or a file, and escaping of untrusted strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

char *str_escape(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len * 4 + 1), *o = out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*p == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}
