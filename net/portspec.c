/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Port forward specifications: "[ADDR:]HOSTPORT:PORT[/udp|/tcp]" or "PORT", where
 * ADDR is an IPv4 address or a bracketed IPv6 address ("[::1]"). The canonical
 * text ("127.0.0.1:8080->80/tcp") is what `box port` and `box list` show, and it
 * parses back to the same spec, so a line copied from a listing can be removed.
 * Pure functions: no I/O, no logging.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/util/util.h"
#include "net.h"

#define PORTSPEC_MAX 128

static int parse_port(const char *s, const char *what, const char *spec, uint16_t *ret,
		      struct box_err **err)
{
	long v;

	if (!*s)
		return box_err_set(err, EINVAL, "port spec '%s': %s port is missing", spec, what);
	if (strspn(s, "0123456789") != strlen(s))
		return box_err_set(err, EINVAL, "port spec '%s': %s port '%s' is not a number",
				   spec, what, s);
	if (parse_int_range(s, 1, 65535, &v) < 0)
		return box_err_set(err, ERANGE,
				   "port spec '%s': %s port %s is out of range 1..65535", spec,
				   what, s);
	*ret = (uint16_t)v;
	return 0;
}

/* Splits "/udp" or "/tcp" off the end of buf (in place). */
static int parse_proto(char *buf, const char *spec, bool *ret_udp, struct box_err **err)
{
	char *slash = strrchr(buf, '/');

	*ret_udp = false;
	if (!slash)
		return 0;
	if (streq(slash + 1, "udp"))
		*ret_udp = true;
	else if (!streq(slash + 1, "tcp"))
		return box_err_set(err, EINVAL,
				   "port spec '%s': unknown protocol '%s' (use /tcp or /udp)", spec,
				   slash + 1);
	*slash = '\0';
	return 0;
}

/* Canonical text of an address: IPv4 dotted quad or IPv6 as inet_ntop writes it. */
static int parse_addr(const char *a, const char *spec, char *out, size_t outlen,
		      struct box_err **err)
{
	struct in_addr v4;
	struct in6_addr v6;
	size_t n = strlen(a);

	if (n >= 2 && a[0] == '[' && a[n - 1] == ']') {
		char tmp[64];
		if (n - 2 >= sizeof(tmp))
			return box_err_set(err, EINVAL, "port spec '%s': address is too long",
					   spec);
		memcpy(tmp, a + 1, n - 2);
		tmp[n - 2] = '\0';
		if (inet_pton(AF_INET6, tmp, &v6) != 1)
			return box_err_set(
			    err, EINVAL, "port spec '%s': '%s' is not an IPv6 address", spec, tmp);
		return inet_ntop(AF_INET6, &v6, out, (socklen_t)outlen) ? 0 : -EINVAL;
	}
	if (inet_pton(AF_INET, a, &v4) != 1)
		return box_err_set(err, EINVAL,
				   "port spec '%s': '%s' is not an IPv4 address (write IPv6 "
				   "addresses in brackets, like [::1]:8080:80)",
				   spec, a);
	return inet_ntop(AF_INET, &v4, out, (socklen_t)outlen) ? 0 : -EINVAL;
}

/*
 * Splits "[ADDR:]HOST:GUEST" or "[ADDR:]HOST->GUEST" into its parts. The guest
 * port is after the last ':' (or "->"), the host port before it, and whatever is
 * left is the address.
 */
static int split_spec(char *buf, const char *spec, char **ret_addr, char **ret_host,
		      char **ret_guest, struct box_err **err)
{
	char *arrow = strstr(buf, "->");
	char *sep, *guest, *host;

	if (arrow) {
		*arrow = '\0';
		guest = arrow + 2;
	} else {
		sep = strrchr(buf, ':');
		if (!sep || (strchr(buf, ']') && sep < strchr(buf, ']'))) {
			/* "PORT" alone: the same port on both sides. */
			*ret_addr = NULL;
			*ret_host = buf;
			*ret_guest = NULL;
			return 0;
		}
		*sep = '\0';
		guest = sep + 1;
	}
	host = buf;
	sep = strrchr(buf, ':');
	if (sep && !(strchr(buf, ']') && sep < strchr(buf, ']'))) {
		*sep = '\0';
		host = sep + 1;
		if (!*buf)
			return box_err_set(err, EINVAL, "port spec '%s': address is empty", spec);
		*ret_addr = buf;
	} else if (buf[0] == '[') {
		return box_err_set(err, EINVAL,
				   "port spec '%s': an address needs a host port after it, like "
				   "[::1]:8080:80",
				   spec);
	} else {
		*ret_addr = NULL;
	}
	*ret_host = host;
	*ret_guest = guest;
	return 0;
}

int portspec_parse(const char *s, struct port_spec *ret, struct box_err **err)
{
	char buf[PORTSPEC_MAX];
	struct port_spec p = { .addr = "127.0.0.1" };
	char *addr = NULL, *host = NULL, *guest = NULL;
	int r;

	if (!s || !*s)
		return box_err_set(err, EINVAL,
				   "empty port spec (expected [ADDR:]HOSTPORT:PORT[/udp], e.g. "
				   "8080:80)");
	if (strlen(s) >= sizeof(buf))
		return box_err_set(err, EINVAL, "port spec is too long (%zu bytes)", strlen(s));
	if (strpbrk(s, " \t\r\n"))
		return box_err_set(err, EINVAL, "port spec '%s' contains whitespace", s);
	strcpy(buf, s);
	r = parse_proto(buf, s, &p.udp, err);
	if (r < 0)
		return r;
	r = split_spec(buf, s, &addr, &host, &guest, err);
	if (r < 0)
		return r;
	if (addr) {
		r = parse_addr(addr, s, p.addr, sizeof(p.addr), err);
		if (r < 0)
			return r;
	}
	r = parse_port(host, guest ? "host" : "the", s, &p.host_port, err);
	if (r < 0)
		return r;
	if (guest) {
		r = parse_port(guest, "sandbox", s, &p.guest_port, err);
		if (r < 0)
			return r;
	} else {
		p.guest_port = p.host_port;
	}
	*ret = p;
	return 0;
}

char *portspec_format(const struct port_spec *p, char *buf, size_t len)
{
	bool v6 = strchr(p->addr, ':') != NULL;

	snprintf(buf, len, "%s%s%s:%u->%u/%s", v6 ? "[" : "", p->addr, v6 ? "]" : "", p->host_port,
		 p->guest_port, p->udp ? "udp" : "tcp");
	return buf;
}

bool portspec_same_host(const struct port_spec *a, const struct port_spec *b)
{
	return a->udp == b->udp && a->host_port == b->host_port && streq(a->addr, b->addr);
}
