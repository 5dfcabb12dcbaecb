/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading /proc/<pid>/net/tcp and tcp6 for the automatic port forwards: which
 * TCP ports inside the sandbox are listening where the tap side can reach them.
 * The file is kernel text, but it is parsed defensively (it is fuzzed): any line
 * that does not look right is skipped. sockstat and sockstat6 give the cheap
 * signal that tells when the listeners are worth reading again.
 */
#include <stdlib.h>
#include <string.h>

#include "net.h"

#define TCP_LISTEN   0x0A
#define LINE_MAX_LEN 512

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parses n hex digits at s; -1 on a non-hex character. */
static long parse_hex(const char *s, size_t n)
{
	long v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = hexval(s[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * Address as the kernel prints it: 8 hex digits (IPv4, the raw network-order word)
 * or 32 (IPv6). Reachable from the tap when it is the wildcard or 10.0.2.100
 * (plain or v4-mapped).
 */
static bool addr_reachable(const char *a, size_t n)
{
	/* 10.0.2.100 as the kernel prints a __be32 on a little-endian host. */
	static const char *const v4[] = { "00000000", "6402000A", "0A000264" };
	static const char *const v6[] = { "00000000000000000000000000000000",
					  "0000000000000000FFFF00006402000A",
					  "0000000000000000FFFF00000A000264" };

	for (size_t i = 0; n == 8 && i < 3; i++)
		if (strncasecmp(a, v4[i], 8) == 0)
			return true;
	for (size_t i = 0; n == 32 && i < 3; i++)
		if (strncasecmp(a, v6[i], 32) == 0)
			return true;
	return false;
}

/* One line: "  0: 00000000:1F90 00000000:0000 0A ..."; returns the port or 0. */
static uint16_t parse_line(const char *line)
{
	const char *p = strchr(line, ':');
	const char *addr, *colon;
	long port, st;

	if (!p)
		return 0;
	p++;
	while (*p == ' ')
		p++;
	addr = p;
	colon = strchr(addr, ':');
	if (!colon || (colon - addr != 8 && colon - addr != 32))
		return 0;
	if (strlen(colon) < 1 + 4 + 1)
		return 0;
	port = parse_hex(colon + 1, 4);
	p = colon + 5;
	if (port <= 0 || *p != ' ')
		return 0;
	p = strchr(p + 1, ' '); /* skip the remote address */
	if (!p || strlen(p) < 3 || p[1] == ' ')
		return 0;
	st = parse_hex(p + 1, 2);
	if (st != TCP_LISTEN || !addr_reachable(addr, (size_t)(colon - addr)))
		return 0;
	return (uint16_t)port;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

size_t procnet_listeners(const char *buf, size_t len, uint16_t *ports, size_t max)
{
	char line[LINE_MAX_LEN];
	size_t n = 0, out = 0;
	const char *p = buf, *end = buf + len;

	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		if (l < sizeof(line)) {
			memcpy(line, p, l);
			line[l] = '\0';
			uint16_t port = parse_line(line);
			if (port)
				ports[n++] = port;
		}
		p += l + 1;
	}
	if (n == 0)
		return 0;
	qsort(ports, n, sizeof(*ports), cmp_u16);
	for (size_t i = 0; i < n; i++)
		if (out == 0 || ports[out - 1] != ports[i])
			ports[out++] = ports[i];
	return out;
}

long procnet_tcp_inuse(const char *buf, size_t len)
{
	static const char *const keys[] = { "TCP: inuse ", "TCP6: inuse " };
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		for (size_t k = 0; k < 2; k++) {
			size_t kl = strlen(keys[k]);
			long v = 0;
			size_t i = kl;
			if (l <= kl || memcmp(p, keys[k], kl) != 0)
				continue;
			for (; i < l && p[i] >= '0' && p[i] <= '9' && v < 100000000; i++)
				v = v * 10 + (p[i] - '0');
			if (i > kl && (i == l || p[i] == ' '))
				return v;
		}
		p += l + 1;
	}
	return -1;
}
