/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tap frames behind a virtio-net header: which frames go in as GSO, and checksums. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "../../net/frame.h"
#include "tap.h"

static uint8_t f[70000];

/* An Ethernet frame of IPv4 (or IPv6) carrying proto with payload bytes after a
 * 20-byte TCP (or 8-byte UDP) header; returns its length. */
static size_t frame(bool v6, int proto, size_t payload)
{
	size_t l4 = proto == 6 ? 20 : 8, ip = v6 ? 40 : 20, tot = ip + l4 + payload;

	memset(f, 0, 14 + tot);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[14] = 0x60;
		f[18] = (uint8_t)((tot - 40) >> 8);
		f[19] = (uint8_t)(tot - 40);
		f[20] = (uint8_t)proto;
	} else {
		f[14] = 0x45;
		f[16] = (uint8_t)(tot >> 8);
		f[17] = (uint8_t)tot;
		f[20] = 0x40; /* DF */
		f[23] = (uint8_t)proto;
	}
	if (proto == 6)
		f[14 + ip + 12] = 5 << 4;
	return 14 + tot;
}

static void hdr_tests(void)
{
	struct virtio_net_hdr h;
	size_t n;

	n = frame(false, 6, 65480);
	frame_hdr_in(f, n, 1024, &h);
	is_int(h.flags, VIRTIO_NET_HDR_F_DATA_VALID, "checksums are marked valid");
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4, "a large IPv4 TCP segment goes in as GSO");
	is_int(h.gso_size, 1024, "with the given segment size");
	is_int(h.hdr_len, 14 + 20 + 20, "headers: Ethernet, IPv4, TCP");

	n = frame(true, 6, 30000);
	frame_hdr_in(f, n, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV6, "a large IPv6 TCP segment goes in as GSO");
	is_int(h.hdr_len, 14 + 40 + 20, "headers: Ethernet, IPv6, TCP");

	n = frame(false, 6, 1024);
	frame_hdr_in(f, n, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "a segment of one GSO size stays plain");
	is_int(h.flags, VIRTIO_NET_HDR_F_DATA_VALID, "and is marked valid");
	n = frame(false, 6, 5000);
	frame_hdr_in(f, n, 0, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "gso_size 0: never GSO");

	n = frame(false, 17, 5000);
	frame_hdr_in(f, n, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "UDP is never GSO");
	n = frame(false, 6, 5000);
	f[20] = 0x20; /* more fragments */
	frame_hdr_in(f, n, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "an IPv4 fragment is never GSO");
	n = frame(false, 6, 5000);
	frame_hdr_in(f, n - 1, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "a frame shorter than its IP length is left alone");
	n = frame(false, 6, 5000);
	f[14 + 20 + 12] = 15 << 4; /* TCP header longer than the packet allows */
	f[16] = 0;
	f[17] = 50;
	frame_hdr_in(f, n, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "a bad TCP header length is left alone");
	frame_hdr_in(f, 20, 1024, &h);
	is_int(h.gso_type, VIRTIO_NET_HDR_GSO_NONE, "a runt frame is left alone");
}

/* RFC 1071, one big-endian 16-bit word at a time. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void csum_tests(void)
{
	static const size_t lens[] = { 0, 1, 2, 3, 15, 16, 17, 63, 1500, 65535 };
	uint32_t seed = 12345;
	bool same = true;

	for (size_t i = 0; i < sizeof(f); i++) {
		seed = seed * 1103515245 + 12345;
		f[i] = (uint8_t)(seed >> 16);
	}
	memset(f + 100, 0xff, 64); /* long runs of carries */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint16_t got = frame_csum(f + 1, lens[i], 0), want = htons(ref_sum(f + 1, lens[i]));
		if (got != want) {
			same = false;
			printf("#   length %zu: got %04x, want %04x\n", lens[i], got, want);
		}
	}
	ok(same, "the sum matches RFC 1071 for odd and even lengths, unaligned");

	/* A TCP checksum asked for by NEEDS_CSUM: the segment plus the pseudo-header then
	 * sum to all ones. */
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				    .csum_start = 34,
				    .csum_offset = 16 };
	size_t n = 34 + 20 + 999;
	f[34 + 16] = 0x12; /* the pseudo-header's sum, as the kernel leaves it */
	f[34 + 17] = 0x34;
	is_int(frame_finish_csum(f, n, &h), 0, "NEEDS_CSUM: filled in");
	uint32_t total = ref_sum(f + 34, n - 34) + 0x1234u;
	total = (total & 0xffff) + (total >> 16);
	is_int(total, 0xffff, "segment and pseudo-header then sum to all ones");
	h.csum_offset = 999 + 20 - 1;
	is_int(frame_finish_csum(f, n, &h), -1, "a checksum field past the end is refused");
	h.csum_start = 60000;
	is_int(frame_finish_csum(f, n, &h), -1, "a start past the end is refused");
	h.flags = 0;
	is_int(frame_finish_csum(f, n, &h), 0, "no NEEDS_CSUM: nothing to do");
}

int main(void)
{
	hdr_tests();
	csum_tests();
	return tap_done();
}
