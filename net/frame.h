/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tap frames behind a virtio-net header (private to net/; see frame.c). */
#ifndef BOX_NET_FRAME_H
#define BOX_NET_FRAME_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Segment size the sandbox is told for large TCP segments going in (GSO): below the
 * MSS of any MTU box allows, so one full segment always counts as several.
 */
#define FRAME_GSO_SIZE 1024

/*
 * The header for an Ethernet frame f that libslirp sends into the sandbox: checksums
 * valid; a TCP segment with more than gso_size bytes of payload marked as GSO
 * (gso_size 0: never).
 */
void frame_hdr_in(const uint8_t *f, size_t len, size_t gso_size, struct virtio_net_hdr *ret);

/* One's complement sum of len bytes (plus seed), folded to 16 bits, in memory order. */
uint16_t frame_csum(const uint8_t *p, size_t len, uint32_t seed);

/*
 * A frame read from the tap whose header asks for a checksum (NEEDS_CSUM): fill it
 * in. -1 when the header's offsets do not fit the frame.
 */
int frame_finish_csum(uint8_t *f, size_t len, const struct virtio_net_hdr *h);

#endif
