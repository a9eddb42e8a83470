/* SPDX-License-Identifier: MIT */
/*
 * libtoa: the client address in HTTP/1.x request headers, X-Forwarded-For, X-Real-IP and
 * RFC 7239 Forwarded, behind trusted proxies. Pure and allocation-free.
 *
 * The addresses in a header are a chain: the client first, each proxy appending the peer
 * it saw. Only the proxies that this server trusts appended honestly; anything to their
 * left may be the client's own invention. So the chain is walked from the right, starting
 * with the socket's peer: the client is the right-most address that is not a trusted
 * proxy, never the left-most (unless every hop is trusted).
 *
 * The headers are read only when the socket's peer itself is trusted; a header from any
 * other peer is TOA_E_UNTRUSTED, never an address. With several kinds of header in one
 * request the first present in this order wins: Forwarded, X-Forwarded-For, X-Real-IP
 * (each can be switched off). Several X-Forwarded-For (or Forwarded) lines are one list,
 * in order; a second X-Real-IP line is TOA_E_MALFORMED.
 */
#ifndef TOA_HTTP_H
#define TOA_HTTP_H

#include <toa/toa.h>

#ifdef __cplusplus
extern "C" {
#endif

/* An IPv4 or IPv6 network, "192.0.2.0/24", "2001:db8::/32", or one address. */
struct toa_cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix; /* 0..32 or 0..128 */
	uint8_t reserved[2];
	uint8_t addr[16];
};

/* Parses "a.b.c.d/n", "x::y/n" or a bare address (/32, /128): 0 or TOA_E_INVALID. */
TOA_API int toa_cidr_parse(const char *str, struct toa_cidr *out);
/* 1 if ep's address is in c (IPv4-mapped IPv6 addresses match IPv4 networks), else 0. */
TOA_API int toa_cidr_contains(const struct toa_cidr *c, const struct toa_endpoint *ep);
/* "192.0.2.0/24": the length, or TOA_E_NO_SPACE / TOA_E_INVALID. */
TOA_API int toa_cidr_format(const struct toa_cidr *c, char *buf, size_t len);

/* Which headers to read (a mask; 0 means all). */
#define TOA_HTTP_FORWARDED 0x1
#define TOA_HTTP_X_FORWARDED_FOR 0x2
#define TOA_HTTP_X_REAL_IP 0x4
#define TOA_HTTP_ALL 0x7

/* The longest request head read (request line and headers, up to the empty line). */
#define TOA_HTTP_HEAD_MAX 16384

struct toa_http_client {
	struct toa_endpoint client; /* the client (port from Forwarded "for" or an
	                               address:port entry; else 0) */
	uint8_t header;             /* TOA_HTTP_* bit of the header that named it */
	uint8_t n_hops;             /* hops[] used: the chain, client first, the peer last */
	uint16_t reserved;
	uint32_t head_len;          /* bytes of the request head, the empty line included */
	struct toa_endpoint hops[TOA_MAX_HOPS]; /* a longer chain keeps the right-most hops */
};

/*
 * Reads the request head in buf (len bytes, from the start of the request) sent by peer
 * (the socket's peer, or the client a PROXY header named), trusting the proxies in
 * trusted[0..n_trusted). Returns the head's length (the body begins there), or:
 *   TOA_E_INCOMPLETE   no empty line yet: read more (up to TOA_HTTP_HEAD_MAX)
 *   TOA_E_TOO_LONG     no empty line in TOA_HTTP_HEAD_MAX bytes
 *   TOA_E_NOT_PRESENT  none of the headers asked for (out->client is then the peer)
 *   TOA_E_UNTRUSTED    a header asked for, from a peer that is not a trusted proxy
 *   TOA_E_MALFORMED    not an HTTP/1.x request head, or an entry of the chain that the
 *                      walk reaches is not an address, or a second X-Real-IP
 *   TOA_E_NO_ADDRESS   the walk reaches "unknown" or an obfuscated Forwarded node
 *   TOA_E_INVALID      NULL arguments
 */
TOA_API int toa_http_parse(const char *buf, size_t len, const struct toa_endpoint *peer,
			   const struct toa_cidr *trusted, size_t n_trusted, unsigned headers,
			   struct toa_http_client *out);

/* "X-Forwarded-For", "X-Real-IP", "Forwarded" for a TOA_HTTP_* bit, else "". */
TOA_API const char *toa_http_header_name(unsigned header);

#ifdef __cplusplus
}
#endif

#endif /* TOA_HTTP_H */
