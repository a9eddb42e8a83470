/* SPDX-License-Identifier: MIT */
/*
 * libtoa: the PROXY protocol (HAProxy, "The PROXY protocol", versions 1 and 2), parsed
 * without allocation from a buffer, and read off a freshly accepted socket.
 *
 *     struct toa_proxy_header h;
 *     int n = toa_proxy_parse(buf, len, &h);       // > 0: bytes of header consumed
 *     if (n > 0) { ... h.src is the client, buf + n the application's first byte ... }
 *     else if (n == TOA_E_INCOMPLETE) { ... read more, call again ... }
 *
 * Results (every function): a positive number of bytes consumed, or a negative code:
 *   TOA_E_NOT_PRESENT  the bytes are not a PROXY header (nothing consumed)
 *   TOA_E_INCOMPLETE   they begin one: call again with more bytes
 *   TOA_E_MALFORMED    a header that breaks the specification
 *   TOA_E_TOO_LONG     v1: no CRLF within 107 bytes
 *   TOA_E_CHECKSUM     v2: the CRC32C TLV is present and does not match
 *   TOA_E_INVALID      a NULL argument
 * A header is accepted only whole: on any error *out is cleared.
 *
 * A LOCAL command (v2) or "PROXY UNKNOWN" (v1) parses with empty addresses: the receiver
 * then uses the connection's own endpoints, as the specification says.
 */
#ifndef TOA_PROXY_H
#define TOA_PROXY_H

#include <toa/toa.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOA_PROXY_V1_MAX 107   /* the longest v1 line, CRLF included */
#define TOA_PROXY_V2_MIN 16    /* the fixed v2 header */
#define TOA_PROXY_V2_MAX 65551 /* 16 + a 16-bit length */

/* The v2 signature, "\r\n\r\n\0\r\nQUIT\n". */
#define TOA_PROXY_V2_SIG "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A"

enum toa_proxy_command {
	TOA_PROXY_CMD_LOCAL = 0, /* v2 LOCAL (health check): no addresses */
	TOA_PROXY_CMD_PROXY = 1, /* relayed on behalf of src; v1 always (UNKNOWN: empty src) */
};

/* The v2 address family (the high nibble of byte 13). */
enum toa_proxy_family {
	TOA_PROXY_AF_UNSPEC = 0,
	TOA_PROXY_AF_INET = 1,
	TOA_PROXY_AF_INET6 = 2,
	TOA_PROXY_AF_UNIX = 3,
};

/* The v2 transport (the low nibble of byte 13). */
enum toa_proxy_transport {
	TOA_PROXY_UNSPEC = 0,
	TOA_PROXY_STREAM = 1, /* TCP (v1: always) */
	TOA_PROXY_DGRAM = 2,  /* UDP */
};

/* The standard TLV types (section 2.2), and the cloud vendors' own. */
enum toa_proxy_tlv_type {
	TOA_PP2_TYPE_ALPN = 0x01,
	TOA_PP2_TYPE_AUTHORITY = 0x02,
	TOA_PP2_TYPE_CRC32C = 0x03,
	TOA_PP2_TYPE_NOOP = 0x04,
	TOA_PP2_TYPE_UNIQUE_ID = 0x05,
	TOA_PP2_TYPE_SSL = 0x20,
	TOA_PP2_SUBTYPE_SSL_VERSION = 0x21,
	TOA_PP2_SUBTYPE_SSL_CN = 0x22,
	TOA_PP2_SUBTYPE_SSL_CIPHER = 0x23,
	TOA_PP2_SUBTYPE_SSL_SIG_ALG = 0x24,
	TOA_PP2_SUBTYPE_SSL_KEY_ALG = 0x25,
	TOA_PP2_TYPE_NETNS = 0x30,
	TOA_PP2_TYPE_GCP = 0xE0,   /* Google Cloud PSC: 8-byte connection id, big endian */
	TOA_PP2_TYPE_AWS = 0xEA,   /* AWS: subtype 0x01 = VPC endpoint id (text) */
	TOA_PP2_TYPE_AZURE = 0xEE, /* Azure: subtype 0x01 = Private Link LinkID (uint32 LE) */
};

/* PP2_TYPE_SSL's client bits. */
#define TOA_PP2_CLIENT_SSL 0x01
#define TOA_PP2_CLIENT_CERT_CONN 0x02
#define TOA_PP2_CLIENT_CERT_SESS 0x04

/* One TLV: value points into the parsed buffer (valid while it is). */
struct toa_proxy_tlv {
	uint8_t type;
	uint16_t len;
	const uint8_t *value;
};

struct toa_proxy_header {
	uint8_t version;   /* 1 or 2 */
	uint8_t command;   /* enum toa_proxy_command */
	uint8_t family;    /* enum toa_proxy_family (v1: INET, INET6, or UNSPEC for UNKNOWN) */
	uint8_t transport; /* enum toa_proxy_transport */
	uint8_t crc32c;    /* 1: a CRC32C TLV was present and matched; 0: none */
	uint8_t reserved[3];
	uint32_t length;   /* bytes of the whole header (the value returned) */
	struct toa_endpoint src; /* the client; IPv4-mapped IPv6 reported as IPv4; empty
	                            for LOCAL, UNKNOWN, UNSPEC and UNIX */
	struct toa_endpoint dst; /* the address the client asked the proxy for */
	const uint8_t *unix_src; /* AF_UNIX: the 108-byte paths, else NULL */
	const uint8_t *unix_dst;
	const uint8_t *tlvs;     /* v2: the TLV area (every TLV in it well formed), or NULL */
	uint16_t tlvs_len;
};

/* Either version, told apart by the first bytes. */
TOA_API int toa_proxy_parse(const void *buf, size_t len, struct toa_proxy_header *out);
/* Only v1 ("PROXY TCP4 ...\r\n"); TOA_E_NOT_PRESENT for anything else. */
TOA_API int toa_proxy_v1_parse(const void *buf, size_t len, struct toa_proxy_header *out);
/* Only v2 (the 12-byte signature); TCP and UDP (one datagram in buf). */
TOA_API int toa_proxy_v2_parse(const void *buf, size_t len, struct toa_proxy_header *out);

/*
 * The TLVs of h in order: *pos starts at 0. Returns 1 and fills *tlv, or 0 at the end.
 * toa_proxy_tlv_find() gives the first TLV of a type (1), or 0 when there is none.
 */
TOA_API int toa_proxy_tlv_next(const struct toa_proxy_header *h, size_t *pos,
			       struct toa_proxy_tlv *tlv);
TOA_API int toa_proxy_tlv_find(const struct toa_proxy_header *h, uint8_t type,
			       struct toa_proxy_tlv *tlv);

/*
 * PP2_TYPE_SSL: its client bits and verify word; then its sub-TLVs (version, CN,
 * cipher, ...) in order with *pos starting at 0: 1 and *sub, 0 at the end, or
 * TOA_E_MALFORMED. toa_proxy_ssl() returns 0 or TOA_E_MALFORMED (not type 0x20, < 5 bytes).
 */
TOA_API int toa_proxy_ssl(const struct toa_proxy_tlv *ssl, uint8_t *client, uint32_t *verify);
TOA_API int toa_proxy_ssl_next(const struct toa_proxy_tlv *ssl, size_t *pos,
			       struct toa_proxy_tlv *sub);

/* Vendor TLVs: 0 and the value, or TOA_E_NOT_PRESENT (wrong type/subtype), TOA_E_MALFORMED. */
TOA_API int toa_proxy_aws_vpce_id(const struct toa_proxy_tlv *tlv, const char **id, size_t *len);
TOA_API int toa_proxy_azure_link_id(const struct toa_proxy_tlv *tlv, uint32_t *link_id);
TOA_API int toa_proxy_gcp_psc_id(const struct toa_proxy_tlv *tlv, uint64_t *psc_id);

/* CRC32C (Castagnoli) of len bytes, as PP2_TYPE_CRC32C uses it; crc starts at 0. */
TOA_API uint32_t toa_crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * Reads a PROXY header (v1 or v2) off a connected TCP socket fd, freshly accepted:
 * MSG_PEEK until the header is whole, then consumes exactly the header, never a byte
 * past it. buf (len bytes; TOA_PROXY_V2_MAX holds any header) receives the header bytes
 * and *out points into it.
 *   timeout_ms < 0: wait as long as it takes; 0: never wait (for non-blocking sockets
 *   in an event loop: TOA_E_INCOMPLETE means "call again when readable", nothing was
 *   consumed); > 0: the deadline, then TOA_E_TIMEOUT (nothing consumed).
 * Works on blocking and non-blocking sockets alike (it polls; the socket's flags and
 * SO_RCVLOWAT are left as they were). Returns the header's length, or TOA_E_NOT_PRESENT
 * (the first bytes are not a PROXY header: nothing consumed), TOA_E_CLOSED, TOA_E_TIMEOUT,
 * TOA_E_INCOMPLETE, the parse errors above, TOA_E_TOO_LONG (a v2 header longer than
 * len), or -errno.
 */
TOA_API int toa_proxy_read(int fd, int timeout_ms, void *buf, size_t len,
			   struct toa_proxy_header *out);

#ifdef __cplusplus
}
#endif

#endif /* TOA_PROXY_H */
