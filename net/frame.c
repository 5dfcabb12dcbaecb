/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Frames on the tap fd with a virtio-net header in front (IFF_VNET_HDR), which lets
 * the helper tell the sandbox's kernel what it knows about a frame:
 *  - into the sandbox, libslirp's TCP/UDP checksums are correct by construction, so
 *    the frame is marked DATA_VALID and the kernel does not check them again;
 *  - a large TCP segment is marked as GSO with a small segment size. The sandbox's
 *    TCP then sees "more than one segment" arrive and acknowledges it at once, in
 *    the helper's own write() (as for a coalesced frame from a real NIC), instead
 *    of waiting for the receiving program to read: libslirp keeps only one
 *    segment of a large MTU in flight (its send buffer is 8 KiB rounded up to the
 *    MSS), so that wait stalled every download segment;
 *  - out of the sandbox, with checksum offload (TUN_F_CSUM) its kernel neither
 *    linearises nor checksums a segment; the helper fills the checksum in here
 *    (one read-only pass) before libslirp checks it.
 * Pure functions on buffers, tested in tests/unit/test_frame.c.
 */
#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "frame.h"

#define ETH_HLEN_     14
#define ETHERTYPE_IP  0x0800
#define ETHERTYPE_IP6 0x86dd
#define IPPROTO_TCP_  6

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Offset of the TCP header and the payload length, or -1 when f is no TCP segment. */
static int tcp_locate(const uint8_t *f, size_t len, bool *ret_v6, size_t *ret_payload)
{
	size_t ip, iphl, tot, thl;

	if (len < ETH_HLEN_ + 40)
		return -1;
	ip = ETH_HLEN_;
	if (get16(f + 12) == ETHERTYPE_IP) {
		if ((f[ip] >> 4) != 4 || f[ip + 9] != IPPROTO_TCP_ || (get16(f + ip + 6) & 0x3fff))
			return -1; /* not TCP, or a fragment */
		iphl = (size_t)(f[ip] & 0xf) * 4;
		tot = get16(f + ip + 2);
		*ret_v6 = false;
	} else if (get16(f + 12) == ETHERTYPE_IP6) {
		if ((f[ip] >> 4) != 6 || f[ip + 6] != IPPROTO_TCP_)
			return -1; /* not TCP, or behind extension headers */
		iphl = 40;
		tot = 40 + (size_t)get16(f + ip + 4);
	} else {
		return -1;
	}
	if (ip + tot > len || iphl < 20 || tot < iphl + 20)
		return -1;
	thl = (size_t)(f[ip + iphl + 12] >> 4) * 4;
	if (thl < 20 || iphl + thl > tot)
		return -1;
	if (get16(f + 12) == ETHERTYPE_IP6)
		*ret_v6 = true;
	*ret_payload = tot - iphl - thl;
	return (int)(ip + iphl + thl);
}

void frame_hdr_in(const uint8_t *f, size_t len, size_t gso_size, struct virtio_net_hdr *ret)
{
	size_t payload;
	bool v6;
	int hl = tcp_locate(f, len, &v6, &payload);

	memset(ret, 0, sizeof(*ret));
	/* libslirp computed every checksum in the frame. */
	ret->flags = VIRTIO_NET_HDR_F_DATA_VALID;
	if (hl < 0 || gso_size == 0 || payload <= gso_size)
		return;
	ret->gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	ret->gso_size = (uint16_t)gso_size;
	ret->hdr_len = (uint16_t)hl;
}

uint16_t frame_csum(const uint8_t *p, size_t len, uint32_t seed)
{
	uint64_t sum = seed;
	uint32_t w;

	/* 32-bit words into a 64-bit sum: carries pile up in the top half. */
	while (len >= 16) {
		uint32_t a[4];
		memcpy(a, p, 16);
		sum += (uint64_t)a[0] + a[1] + a[2] + a[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(&w, p, 4);
		sum += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t h;
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t h = 0;
		memcpy(&h, p, 1); /* the odd byte in the first position, in memory order */
		sum += h;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

int frame_finish_csum(uint8_t *f, size_t len, const struct virtio_net_hdr *h)
{
	size_t start = h->csum_start, off = h->csum_offset;
	uint16_t c;

	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return 0;
	if (start > len || off + 2 > len - start)
		return -1;
	/* The field holds the pseudo-header's sum; the sum over the rest completes it. */
	c = (uint16_t)~frame_csum(f + start, len - start, 0);
	if (c == 0)
		c = 0xffff; /* the same in one's complement; 0 would mean "none" to UDP */
	memcpy(f + start + off, &c, 2);
	return 0;
}
