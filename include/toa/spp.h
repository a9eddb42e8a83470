/* SPDX-License-Identifier: MIT */
/*
 * libtoa: SPP, the Simple Proxy Protocol of Cloudflare Spectrum and Tencent EdgeOne for
 * UDP: a 38-byte header before the payload of each datagram, network byte order:
 *
 *     magic 0x56EC (2) | client address (16) | proxy address (16) | client port (2) |
 *     proxy port (2)
 *
 * IPv4 addresses are IPv4-mapped IPv6 (::ffff:a.b.c.d) on the wire and reported as IPv4.
 * Pure and allocation-free.
 */
#ifndef TOA_SPP_H
#define TOA_SPP_H

#include <toa/toa.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOA_SPP_MAGIC 0x56EC
#define TOA_SPP_LEN 38

struct toa_spp_header {
	struct toa_endpoint client; /* the client: address and port */
	struct toa_endpoint proxy;  /* the proxy's address and port that the client reached */
};

/*
 * Parses the SPP header at the start of a datagram. Returns TOA_SPP_LEN (the payload
 * begins there), or TOA_E_NOT_PRESENT (no magic), TOA_E_INCOMPLETE (the magic, but fewer
 * than 38 bytes: a truncated datagram), TOA_E_MALFORMED (an address that is neither
 * IPv4-mapped nor a unicast IPv6 address: all zero or multicast), TOA_E_INVALID (NULL).
 * On error *out is cleared.
 */
TOA_API int toa_spp_parse(const void *buf, size_t len, struct toa_spp_header *out);

/* Writes the 38-byte header for client and proxy into buf (len >= 38): TOA_SPP_LEN,
 * TOA_E_NO_SPACE or TOA_E_INVALID (a family other than IPv4/IPv6). */
TOA_API int toa_spp_build(const struct toa_endpoint *client, const struct toa_endpoint *proxy,
			  void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TOA_SPP_H */
