/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sandbox's resolv.conf on the slirp network. */
#include <stdlib.h>
#include <string.h>

#include "../../net/net.h"
#include "tap.h"

int main(void)
{
	char *r = net_resolv_conf("nameserver 127.0.0.53\nsearch example.com lan\n"
				  "options edns0 trust-ad\n# comment\nnameserver 1.1.1.1");
	ok(strstr(r, "\nnameserver 10.0.2.3\n") != NULL, "the resolver is 10.0.2.3");
	ok(strstr(r, "127.0.0.53") == NULL, "a loopback host resolver is not copied");
	ok(strstr(r, "1.1.1.1") == NULL, "no other nameserver is copied");
	ok(strstr(r, "\nsearch example.com lan\n") != NULL, "search domains are kept");
	ok(strstr(r, "\noptions edns0 trust-ad\n") != NULL, "options are kept");
	free(r);
	r = net_resolv_conf(NULL);
	ok(strstr(r, "nameserver 10.0.2.3\n") != NULL, "no host file: just the resolver");
	free(r);
	return tap_done();
}
