/* SPDX-License-Identifier: MIT */
/*
 * libtoa: who is allowed to say who the client is, and the one call that asks every
 * carrier in a fixed order.
 *
 * A policy is a list of source ranges, each with an action for the headers (PROXY
 * protocol, HTTP headers) that a peer in that range sends; the first range that holds the
 * peer decides, sources in no range get `otherwise` (TOA_POLICY_REJECT when the policy is
 * zero-initialized):
 *   TOA_POLICY_REJECT   a header is an error (TOA_E_UNTRUSTED), never an address; without
 *                       one the connection goes on (TOA, the peer)
 *   TOA_POLICY_IGNORE   headers are not looked for: their bytes stay application data
 *   TOA_POLICY_USE      a header is read when there is one
 *   TOA_POLICY_REQUIRE  a header must be there (else TOA_E_REQUIRED)
 * The peers in USE and REQUIRE ranges are the trusted proxies of the HTTP header walk.
 *
 * toa_resolve(fd, policy, &answer), on a freshly accepted TCP socket, in this order:
 *   1. toa_get_client(): the TOA module's answer (one getsockopt); the socket's real peer
 *      is the load balancer it names, else getpeername()
 *   2. the policy for that peer; with TOA_RESOLVE_PROXY set, a PROXY v1/v2 header read off
 *      the socket (toa_proxy_read(), policy.timeout_ms): a PROXY command names the client
 *      (carrier PROXY_V1/V2); LOCAL and UNKNOWN leave the connection's own endpoints
 *   3. else the TOA option (carrier TOA), else the peer (carrier PEER)
 * toa_resolve_http() then goes on from that answer with the request head the server read:
 *   4. when the answer's client (the proxy that sent the request: the peer, or the client
 *      a PROXY header named) is trusted, the right-most untrusted address of the request's
 *      Forwarded / X-Forwarded-For / X-Real-IP (carrier HEADER; <toa/http.h>)
 * toa_resolve_datagram() does the same for one UDP datagram: SPP, then PROXY v2.
 */
#ifndef TOA_POLICY_H
#define TOA_POLICY_H

#include <toa/http.h>
#include <toa/proxy.h>
#include <toa/spp.h>
#include <toa/toa.h>

#ifdef __cplusplus
extern "C" {
#endif

enum toa_policy_action {
	TOA_POLICY_REJECT = 0,
	TOA_POLICY_IGNORE = 1,
	TOA_POLICY_USE = 2,
	TOA_POLICY_REQUIRE = 3,
};

struct toa_policy_rule {
	struct toa_cidr source;
	uint8_t action; /* enum toa_policy_action */
	uint8_t reserved[3];
};

/* What toa_resolve() reads (toa_policy.carriers). */
#define TOA_RESOLVE_PROXY 0x1 /* a PROXY v1/v2 header at the start of the stream */

struct toa_policy {
	const struct toa_policy_rule *rules; /* first match wins; the caller owns them */
	size_t n_rules;
	uint8_t otherwise;   /* enum toa_policy_action for sources no rule holds */
	uint8_t carriers;    /* TOA_RESOLVE_* */
	uint16_t http_headers; /* TOA_HTTP_* for toa_resolve_http(); 0 = all */
	int timeout_ms;      /* PROXY header deadline (toa_proxy_read()); < 0: none */
};

/* The action for source ep (normalized: IPv4-mapped is IPv4). */
TOA_API int toa_policy_action(const struct toa_policy *p, const struct toa_endpoint *ep);
/* "reject", "ignore", "use", "require"; toa_policy_action_parse(): the enum or TOA_E_INVALID */
TOA_API const char *toa_policy_action_name(int action);
TOA_API int toa_policy_action_parse(const char *name);

/*
 * Steps 1-3 above. buf (len bytes; TOA_PROXY_V2_MAX holds any header) receives the PROXY
 * header, when one is read; the bytes after it stay in the socket. Returns 0 and fills
 * *out, or a negative code (*out then still holds the peer and TOA answer): TOA_E_UNTRUSTED,
 * TOA_E_REQUIRED, toa_proxy_read()'s errors, toa_get_client()'s errors.
 */
TOA_API int toa_resolve(int fd, const struct toa_policy *p, void *buf, size_t len,
			struct toa_answer *out);

/*
 * Step 4: the request head buf (len bytes) read from the connection of *ans (which
 * toa_resolve() filled). On success *ans names the header's client (carrier HEADER) and
 * the hops grow; returns the head's length. Without a header: TOA_E_NOT_PRESENT from a
 * USE source (*ans unchanged; it is still the answer), TOA_E_REQUIRED from a REQUIRE
 * source; IGNORE: TOA_E_NOT_PRESENT, headers unread. A header from a REJECT source:
 * TOA_E_UNTRUSTED. Parse errors as toa_http_parse().
 */
TOA_API int toa_resolve_http(struct toa_answer *ans, const struct toa_policy *p,
			     const char *buf, size_t len);

/*
 * One UDP datagram (buf, len) from peer: an SPP header, else a PROXY v2 header, from a
 * source whose policy allows it. Returns the bytes of header (the payload begins there;
 * 0 when there is none and the answer is the peer), or TOA_E_UNTRUSTED, TOA_E_REQUIRED,
 * and the parse errors of <toa/spp.h> and <toa/proxy.h>. out->dst is the proxy's address.
 */
TOA_API int toa_resolve_datagram(const void *buf, size_t len, const struct toa_endpoint *peer,
				 const struct toa_policy *p, struct toa_answer *out);

/*
 * The one call of a UDP server, whatever the load balancer sends: the datagram (buf, len)
 * that socket fd received from peer. An SPP or PROXY v2 header (as
 * toa_resolve_datagram(), under the policy) names the client; without one, DPVS's UOA
 * as the kernel kept it (toa_get_datagram_client(): carrier TOA_CARRIER_UOA); else the
 * peer. Returns the header's length (where the payload begins; 0 without a header) or
 * toa_resolve_datagram()'s and toa_get_datagram_client()'s errors.
 */
TOA_API int toa_resolve_datagram_fd(int fd, const void *buf, size_t len,
				    const struct toa_endpoint *peer, const struct toa_policy *p,
				    struct toa_answer *out);

#ifdef __cplusplus
}
#endif

#endif /* TOA_POLICY_H */
