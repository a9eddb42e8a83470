/* SPDX-License-Identifier: MIT */
/*
 * libtoa C API: the real client of a TCP connection behind a full-NAT load balancer.
 *
 *     struct toa_client c;
 *     char buf[TOA_ENDPOINT_STRLEN];
 *     int rc = toa_get_client(fd, &c);        // fd: a connected TCP socket (from accept())
 *     if (rc == 0) {
 *         toa_endpoint_format(&c.client, buf, sizeof buf);   // "203.0.113.7:40000"
 *         ...
 *     } else {
 *         fprintf(stderr, "toa: %s\n", toa_strerror(rc));
 *     }
 *
 * Lookup order (one system call on the success path):
 *   1. getsockopt(IPPROTO_IP, TOA_SO_GET_CLIENT) of the toa module: the client, the TCP
 *      option that carried it and the load balancer         -> TOA_ORIGIN_OPTION
 *   2. when no module knows that option (ENOPROTOOPT, or a foreign module's EINVAL):
 *      getsockopt(IPPROTO_IP, TOA_SO_GET_LOOKUP), the DPVS / Tencent CLB NAT64 ABI,
 *      which other toa modules implement too                 -> TOA_ORIGIN_LEGACY_LOOKUP
 *   3. getpeername(): the socket's own peer (no TOA on this connection, or no module;
 *      with a transparent module that is already the client) -> TOA_ORIGIN_PEER
 * The socket is validated only when step 1 fails.
 *
 * Addresses that libtoa looks up are normalized: an IPv4 address in IPv4-mapped IPv6
 * form (::ffff:a.b.c.d, as a dual-stack socket sees IPv4 peers) is reported as IPv4.
 *
 * Errors: functions return 0 (or a length) on success and a negative code on failure:
 * either a TOA_E_* library condition below, or -errno for a system error passed through.
 * toa_strerror() describes both.
 *
 * Everything here is thread-safe: no global state, no locks, no heap allocation.
 *
 * C99, usable from C++ (the C++ API is in <toa/toa.hpp>).
 */
#ifndef TOA_TOA_H
#define TOA_TOA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <toa/uapi.h>

#if defined(TOA_BUILDING_LIBRARY) && defined(__GNUC__)
#define TOA_API __attribute__((visibility("default")))
#else
#define TOA_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* An address and port. The all-zero value (family 0) means "none / unknown". */
struct toa_endpoint {
	uint16_t family;   /* AF_INET, AF_INET6, or 0 (AF_UNSPEC): none */
	uint16_t port;     /* host byte order (0 when the carrier has no port: TOA 28/7) */
	uint32_t scope_id; /* IPv6 scope (interface index) of a link-local address, else 0 */
	uint8_t addr[16];  /* network byte order; IPv4 in the first 4 bytes, the rest 0 */
};

/* Where the client address came from. */
enum toa_origin {
	TOA_ORIGIN_PEER = 0,          /* the socket's peer: no TOA or no module */
	TOA_ORIGIN_OPTION = 1,        /* a TOA option, read by the toa module (kind, len, packet) */
	TOA_ORIGIN_LEGACY_LOOKUP = 2, /* TOA_SO_GET_LOOKUP (DPVS/Tencent ABI): kind unknown (0) */
	TOA_ORIGIN_UOA = 3,           /* UDP: DPVS's UOA, a mapping kept by the module (kind 31,
	                                 len 8 or 20; kmod LEGACY: DPVS's own uoa.ko answered) */
};

/* Which kernel module answered the lookup. */
enum toa_kmod {
	TOA_KMOD_NONE = 0,   /* none: no TOA module is loaded */
	TOA_KMOD_TOA = 1,    /* this project's module (TOA_SO_GET_CLIENT) */
	TOA_KMOD_LEGACY = 2, /* a module that knows only TOA_SO_GET_LOOKUP (DPVS, Tencent, ...) */
};

/* toa_client.format when the client did not come from a TOA option read by the module. */
#define TOA_FORMAT_NONE 0xff

struct toa_client {
	struct toa_endpoint client; /* the real client (the peer for TOA_ORIGIN_PEER) */
	struct toa_endpoint lb;     /* the load balancer, family 0 when unknown (always for
	                               TOA_ORIGIN_PEER: the peer is then in .client) */
	uint8_t origin;             /* enum toa_origin */
	uint8_t kmod;               /* enum toa_kmod */
	uint8_t kind;               /* TCP option kind; 0 unless TOA_ORIGIN_OPTION */
	uint8_t len;                /* TCP option length; 0 unless TOA_ORIGIN_OPTION */
	uint8_t packet;             /* enum toa_packet: which handshake packet carried it */
	uint8_t format;             /* enum toa_format, or TOA_FORMAT_NONE */
	uint16_t reserved0;
	uint32_t age_ms;            /* ms since the connection was set up (TOA_ORIGIN_OPTION) */
	uint32_t reserved1;
};

/* Library conditions; system errors are returned as -errno (-4095 .. -1). */
#define TOA_E_BASE 10000
enum toa_error {
	TOA_E_BAD_FD = -(TOA_E_BASE + 1),        /* not an open file descriptor */
	TOA_E_NOT_SOCKET = -(TOA_E_BASE + 2),    /* not a socket (a file, a pipe, ...) */
	TOA_E_NOT_TCP = -(TOA_E_BASE + 3),       /* a socket, but not TCP over IPv4/IPv6 */
	TOA_E_LISTENING = -(TOA_E_BASE + 4),     /* a listening socket (use accept()'s fd) */
	TOA_E_NOT_CONNECTED = -(TOA_E_BASE + 5), /* a TCP socket that is not connected */
	TOA_E_BAD_REPLY = -(TOA_E_BASE + 6),     /* the module's answer is not understood */
	TOA_E_INVALID = -(TOA_E_BASE + 7),       /* invalid argument (NULL, bad family, syntax) */
	TOA_E_NO_SPACE = -(TOA_E_BASE + 8),      /* the buffer is too small */
	/* The carriers' parsers and policies (<toa/proxy.h>, <toa/spp.h>, <toa/http.h>,
	 * <toa/policy.h>): */
	TOA_E_INCOMPLETE = -(TOA_E_BASE + 9),    /* a header begins, more bytes are needed */
	TOA_E_MALFORMED = -(TOA_E_BASE + 10),    /* a header that breaks its specification */
	TOA_E_NOT_PRESENT = -(TOA_E_BASE + 11),  /* no header of this carrier at all */
	TOA_E_TOO_LONG = -(TOA_E_BASE + 12),     /* longer than the carrier allows / the buffer */
	TOA_E_CHECKSUM = -(TOA_E_BASE + 13),     /* PROXY v2 CRC32C TLV does not match */
	TOA_E_UNTRUSTED = -(TOA_E_BASE + 14),    /* a header from a source not allowed to send it */
	TOA_E_REQUIRED = -(TOA_E_BASE + 15),     /* the policy requires a header; there is none */
	TOA_E_TIMEOUT = -(TOA_E_BASE + 16),      /* the deadline passed before the header came */
	TOA_E_NO_ADDRESS = -(TOA_E_BASE + 17),   /* a valid header naming no address (unknown) */
	TOA_E_CLOSED = -(TOA_E_BASE + 18),       /* the peer closed before the header was whole */
};
#define TOA_E_MIN TOA_E_CLOSED /* lowest TOA_E_* value */

/*
 * A buffer this size holds any formatted endpoint: the longest,
 * "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535", is 58 characters; the
 * size leaves room for the 45-character INET6_ADDRSTRLEN forms.
 */
#define TOA_ENDPOINT_STRLEN 65
/* Room for any toa_origin_format() output ("TOA(kind 255, data)" is 19 characters). */
#define TOA_ORIGIN_STRLEN 32

/*
 * What carried the client address, for struct toa_answer (the one answer over every
 * carrier: <toa/policy.h> composes it).
 */
enum toa_carrier {
	TOA_CARRIER_PEER = 0,     /* the socket's peer */
	TOA_CARRIER_TOA = 1,      /* a TOA option (toa.origin says how it was looked up) */
	TOA_CARRIER_PROXY_V1 = 2, /* a PROXY protocol v1 header (text) */
	TOA_CARRIER_PROXY_V2 = 3, /* a PROXY protocol v2 header (binary, TCP or UDP) */
	TOA_CARRIER_SPP = 4,      /* a Simple Proxy Protocol header (UDP) */
	TOA_CARRIER_HEADER = 5,   /* an HTTP header: toa_answer.header names it */
	TOA_CARRIER_UOA = 6,      /* UDP: DPVS's UOA (an IPv4 option or IP protocol 248) */
};

/* One address on the way from the client to this server, and what reported it. */
struct toa_hop {
	struct toa_endpoint ep; /* port 0 when the carrier has none (X-Forwarded-For) */
	uint8_t carrier;        /* enum toa_carrier that named this hop (PEER: the socket) */
	uint8_t reserved[3];
};

/* Room for this many hops; a longer chain keeps the hops nearest to the server. */
#define TOA_MAX_HOPS 8
/* Room for the carrying header's name ("X-Forwarded-For", NUL included). */
#define TOA_HEADER_NAME_MAX 24

/*
 * The one answer: who the client is and what said so. Its head is a struct toa_client
 * (the TOA lookup, as toa_get_client() fills it: .toa.client is the answer's client,
 * whatever carried it).
 */
struct toa_answer {
	struct toa_client toa;      /* .client: the client; .lb: the hop that told us (the
	                               socket's peer: load balancer, proxy) when known */
	uint8_t carrier;            /* enum toa_carrier */
	uint8_t n_hops;             /* entries used in hops[] */
	uint16_t reserved0;
	char header[TOA_HEADER_NAME_MAX]; /* TOA_CARRIER_HEADER: "X-Forwarded-For",
	                               "X-Real-IP" or "Forwarded"; else "" */
	struct toa_endpoint peer;   /* the socket's own peer, as the kernel reports it */
	struct toa_endpoint dst;    /* PROXY/SPP: the destination the proxy was asked for */
	struct toa_hop hops[TOA_MAX_HOPS]; /* client first, the socket's peer last */
};

/*
 * The answer of the TOA lookup alone (toa_get_client(), then the carrier TOA or PEER and
 * the hops client, peer). Returns 0 or toa_get_client()'s codes.
 */
TOA_API int toa_get_answer(int fd, struct toa_answer *out);

/*
 * Formats what carried the answer, as the example server logs it: "PROXY(v2)",
 * "PROXY(v1)", "SPP", "header(X-Forwarded-For)", or toa_origin_format()'s text for TOA
 * and the peer. Returns the length or TOA_E_NO_SPACE / TOA_E_INVALID.
 */
TOA_API int toa_answer_format_origin(const struct toa_answer *a, char *buf, size_t len);

/*
 * The real client of connected TCP socket fd. Returns 0 and fills *out, or a negative
 * code: TOA_E_BAD_FD, TOA_E_NOT_SOCKET, TOA_E_NOT_TCP, TOA_E_LISTENING,
 * TOA_E_NOT_CONNECTED, TOA_E_BAD_REPLY, TOA_E_INVALID (out is NULL) or -errno.
 * On failure *out is cleared (empty endpoints, TOA_ORIGIN_PEER, TOA_FORMAT_NONE).
 */
TOA_API int toa_get_client(int fd, struct toa_client *out);

/*
 * UDP: the real client of the datagrams that socket fd received from peer (the address
 * recvfrom()/recvmsg() returned), from DPVS's UOA as the toa module (or DPVS's uoa.ko)
 * kept it: getsockopt(IPPROTO_IP, TOA_UOA_SO_GET_CLIENT), else UOA_SO_GET_LOOKUP, keyed
 * by peer and the socket's own address. Returns 0 and fills *out: origin TOA_ORIGIN_UOA
 * with .lb = peer, or TOA_ORIGIN_PEER with .client = peer when there is no mapping or no
 * module. TOA_E_INVALID (NULL, peer not IPv4/IPv6), TOA_E_BAD_FD, TOA_E_NOT_SOCKET,
 * TOA_E_BAD_REPLY or -errno. One or two getsockopt() and a getsockname(); no allocation.
 */
TOA_API int toa_get_datagram_client(int fd, const struct toa_endpoint *peer,
				    struct toa_client *out);

/* The socket's own address (getsockname), normalized as above. 0 or a negative code. */
TOA_API int toa_get_local(int fd, struct toa_endpoint *out);

/*
 * Formats ep: "203.0.113.7:40000", "[2001:db8::7]:40000", "[fe80::1%2]:22", and "-" for
 * an empty endpoint (family 0). Writes a NUL-terminated string and returns its length;
 * returns TOA_E_NO_SPACE when buf (len bytes) is too small (buf is then "" if len > 0) and
 * TOA_E_INVALID for a NULL argument or an unknown family. Never allocates.
 */
TOA_API int toa_endpoint_format(const struct toa_endpoint *ep, char *buf, size_t len);

/*
 * Parses "203.0.113.7:40000", "[2001:db8::7]:40000", "[fe80::1%2]:22" and the bare
 * addresses "203.0.113.7", "2001:db8::7", "[2001:db8::7]" (port 0). Strict: no spaces,
 * a port of 1 to 5 digits up to 65535, a numeric scope id, addresses as inet_pton()
 * reads them; "::ffff:a.b.c.d" stays IPv6. Returns 0 or TOA_E_INVALID (*out cleared).
 * toa_endpoint_parse_n() reads exactly len bytes of str (no NUL needed).
 */
TOA_API int toa_endpoint_parse(const char *str, struct toa_endpoint *out);
TOA_API int toa_endpoint_parse_n(const char *str, size_t len, struct toa_endpoint *out);

/*
 * Formats where the client came from, as the example server logs it:
 * "TOA(kind 200, ack)", "TOA(kind 254)" (packet unknown), "TOA(legacy lookup)", "peer".
 * Returns the length, or TOA_E_NO_SPACE / TOA_E_INVALID as toa_endpoint_format().
 */
TOA_API int toa_origin_format(const struct toa_client *c, char *buf, size_t len);

/* "syn", "ack", "data", or "unknown". */
TOA_API const char *toa_packet_name(int packet);

/*
 * struct sockaddr <-> struct toa_endpoint. from_sockaddr accepts AF_INET and AF_INET6
 * (kept as given: no normalization); to_sockaddr writes a sockaddr_in or sockaddr_in6 to
 * sa (*len bytes available, set to the size written). 0, TOA_E_INVALID or TOA_E_NO_SPACE.
 */
TOA_API int toa_endpoint_from_sockaddr(const struct sockaddr *sa, socklen_t len,
				       struct toa_endpoint *out);
TOA_API int toa_endpoint_to_sockaddr(const struct toa_endpoint *ep, struct sockaddr *sa,
				     socklen_t *len);

/* 1 if ep is IPv6 ::ffff:a.b.c.d; toa_endpoint_unmap() turns that into IPv4 in place. */
TOA_API int toa_endpoint_is_v4_mapped(const struct toa_endpoint *ep);
TOA_API void toa_endpoint_unmap(struct toa_endpoint *ep);

/* 1 when a and b are the same family, address, port and scope; else 0. */
TOA_API int toa_endpoint_equal(const struct toa_endpoint *a, const struct toa_endpoint *b);

/*
 * A static string describing code: a TOA_E_* condition or -errno (also accepts a positive
 * errno). Never NULL. Thread-safe.
 */
TOA_API const char *toa_strerror(int code);

/* The library's version, TOA_VERSION_STRING of the uapi header it was built with. */
TOA_API const char *toa_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TOA_TOA_H */
