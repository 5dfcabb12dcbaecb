/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Listening ports from /proc/<pid>/net/tcp{,6} text, as the automatic forwards see them. */
#include <string.h>

#include "../../net/net.h"
#include "tap.h"

static const char tcp4[] =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 1 1\n"
    "   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 2 1\n"
    "   2: 6402000A:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0 0 3 1\n"
    "   3: 6402000A:1F90 0202000A:C350 01 00000000:00000000 00:00000000 00000000  1000 0 4 1\n"
    "   4: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 5 1\n"
    "   5: 00000000:zzzz 00000000:0000 0A\n"
    "   6: garbage\n"
    "   7: 00000000:0000 00000000:0000 0A 00000000:00000000\n";

static const char tcp6[] =
    "  sl  local_address                         remote_address                        st\n"
    "   0: 00000000000000000000000000000000:1389 00000000000000000000000000000000:0000 0A 0\n"
    "   1: 00000000000000000000000001000000:1388 00000000000000000000000000000000:0000 0A 0\n"
    "   2: 0000000000000000FFFF00006402000A:2328 00000000000000000000000000000000:0000 0A 0";

int main(void)
{
	uint16_t ports[16];
	size_t n = procnet_listeners(tcp4, strlen(tcp4), ports, 16);

	is_int(n, 2, "two reachable listeners in tcp");
	is_int(n > 0 ? ports[0] : 0, 80, "10.0.2.100:80 listens");
	is_int(n > 1 ? ports[1] : 0, 8080, "0.0.0.0:8080 listens (once, not the connection)");

	n = procnet_listeners(tcp6, strlen(tcp6), ports, 16);
	is_int(n, 2, "[::]:5001 and the v4-mapped address; not [::1]");
	is_int(n > 0 ? ports[0] : 0, 5001, "[::]:5001");
	is_int(n > 1 ? ports[1] : 0, 9000, "::ffff:10.0.2.100:9000");

	n = procnet_listeners(tcp4, strlen(tcp4), ports, 1);
	is_int(n, 1, "respects the maximum");
	is_int(procnet_listeners("", 0, ports, 16), 0, "empty file");

	static const char sockstat[] = "sockets: used 248\n"
				       "TCP: inuse 11 orphan 0 tw 18 alloc 11 mem 1952\n"
				       "UDP: inuse 0 mem 0\n";
	is_int(procnet_tcp_inuse(sockstat, strlen(sockstat)), 11, "TCP inuse from sockstat");
	is_int(procnet_tcp_inuse("TCP6: inuse 3\nUDP6: inuse 0\n", 28), 3, "TCP6 inuse from sockstat6");
	is_int(procnet_tcp_inuse("TCP6: inuse 3", 13), 3, "a last line without a newline");
	is_int(procnet_tcp_inuse("TCP: inuse 42", 12), 4, "only the given length is read");
	is_int(procnet_tcp_inuse("UDP: inuse 5\nTCP: inuse x\n", 26), -1, "no TCP count");
	is_int(procnet_tcp_inuse("TCP: inuse 7x\n", 14), -1, "a count followed by garbage");
	is_int(procnet_tcp_inuse("", 0), -1, "empty file");
	return tap_done();
}
