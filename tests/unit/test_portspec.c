/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Port forward specs: accepted forms, canonical text, round trips, and the errors. */
#include <errno.h>
#include <string.h>

#include "../../core/util/err.h"
#include "../../net/net.h"
#include "tap.h"

static void good(const char *in, const char *want)
{
	struct port_spec p, q;
	struct box_err *e = NULL;
	char buf[128], buf2[128];
	int r = portspec_parse(in, &p, &e);

	is_int(r, 0, "parse '%s'", in);
	if (r < 0) {
		printf("#   %s\n", e ? e->msg : "?");
		box_err_free(e);
		return;
	}
	is_str(portspec_format(&p, buf, sizeof(buf)), want, "'%s' formats as '%s'", in, want);
	/* The canonical text parses back to the same spec. */
	r = portspec_parse(buf, &q, NULL);
	ok(r == 0 && streq(portspec_format(&q, buf2, sizeof(buf2)), want), "'%s' round-trips",
	   want);
}

static void bad(const char *in, int code, const char *msg_part)
{
	struct port_spec p = {.host_port = 4242};
	struct box_err *e = NULL;
	int r = portspec_parse(in, &p, &e);

	is_int(r, -code, "'%s' is rejected with %s", in, strerror(code));
	ok(e && e->msg && strstr(e->msg, msg_part), "'%s' message mentions '%s' (%s)", in, msg_part,
	   e && e->msg ? e->msg : "no message");
	is_int(p.host_port, 4242, "'%s' leaves the output untouched", in);
	box_err_free(e);
}

int main(void)
{
	good("8080", "127.0.0.1:8080->8080/tcp");
	good("8080:80", "127.0.0.1:8080->80/tcp");
	good("8080:80/tcp", "127.0.0.1:8080->80/tcp");
	good("5353:53/udp", "127.0.0.1:5353->53/udp");
	good("53/udp", "127.0.0.1:53->53/udp");
	good("0.0.0.0:8080:80", "0.0.0.0:8080->80/tcp");
	good("192.168.1.10:1:65535", "192.168.1.10:1->65535/tcp");
	good("[::1]:8080:80", "[::1]:8080->80/tcp");
	good("[::]:9000:9000/udp", "[::]:9000->9000/udp");
	good("[0:0:0:0:0:0:0:1]:8080:80", "[::1]:8080->80/tcp");
	good("127.0.0.1:8080->80/tcp", "127.0.0.1:8080->80/tcp");
	good("8080->80", "127.0.0.1:8080->80/tcp");

	bad("", EINVAL, "empty");
	bad("0", ERANGE, "out of range");
	bad("65536", ERANGE, "out of range 1..65535");
	bad("8080:0", ERANGE, "sandbox port 0");
	bad("99999999999999999999:80", ERANGE, "out of range");
	bad("http", EINVAL, "not a number");
	bad("+80", EINVAL, "not a number");
	bad("-1:80", EINVAL, "not a number");
	bad("8080:80/sctp", EINVAL, "unknown protocol 'sctp'");
	bad("8080:", EINVAL, "sandbox port is missing");
	bad(":80", EINVAL, "host port is missing");
	bad("127.0.0.1::80", EINVAL, "host port is missing");
	bad("1.2.3:8080:80", EINVAL, "not an IPv4 address");
	bad("::1:8080:80", EINVAL, "brackets");
	bad("[::1]:8080", EINVAL, "needs a host port");
	bad("[nope]:1:2", EINVAL, "not an IPv6 address");
	bad("8080 :80", EINVAL, "whitespace");
	bad("localhost:80:80", EINVAL, "not an IPv4 address");
	bad("1:2:3:4", EINVAL, "not an IPv4 address");

	char long_spec[300];
	memset(long_spec, '1', sizeof(long_spec) - 1);
	long_spec[sizeof(long_spec) - 1] = '\0';
	bad(long_spec, EINVAL, "too long");

	struct port_spec a, b;
	portspec_parse("8080:80", &a, NULL);
	portspec_parse("127.0.0.1:8080:90", &b, NULL);
	ok(portspec_same_host(&a, &b), "same host side whatever the sandbox port");
	portspec_parse("8080/udp", &b, NULL);
	ok(!portspec_same_host(&a, &b), "udp and tcp are different forwards");
	return tap_done();
}
