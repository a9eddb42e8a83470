// SPDX-License-Identifier: MIT
/*
 * libtoa core, in C so that the static library needs no C++ runtime from C programs.
 *
 * The lookup path (toa_get_client) is one getsockopt() when the toa module answers, with
 * TOA or (TOA_CI_WANT_PEER) with the plain peer of a connection without; the socket is
 * validated only when it does not. Nothing here allocates, locks or keeps
 * state between calls.
 */
#define _GNU_SOURCE
#include "toa/toa.h"
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#if defined(__GNUC__)
#define TOA_COLD __attribute__((cold, noinline))
#define TOA_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TOA_COLD
#define TOA_UNLIKELY(x) (x)
#endif

union toa_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
};

/* ---------------------------------------------------------------- endpoints */

static int v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static void ep_unmap(struct toa_endpoint *ep)
{
	if (ep->family == AF_INET6 && v4_mapped(ep->addr)) {
		memmove(ep->addr, ep->addr + 12, 4);
		memset(ep->addr + 4, 0, 12);
		ep->family = AF_INET;
		ep->scope_id = 0;
	}
}

/* An endpoint from raw bytes (4 or 16) and a network-order port, normalized. */
void toa__ep_set(struct toa_endpoint *ep, int family, const uint8_t *addr, uint16_t port_be,
		 uint32_t scope_id)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = (uint16_t)family;
	ep->port = ntohs(port_be);
	if (family == AF_INET) {
		memcpy(ep->addr, addr, 4);
	} else {
		memcpy(ep->addr, addr, 16);
		ep->scope_id = scope_id;
		ep_unmap(ep);
	}
}

static int ep_from_sa(const union toa_sockaddr *u, socklen_t len, struct toa_endpoint *ep)
{
	if (u->sa.sa_family == AF_INET && len >= (socklen_t)sizeof(u->in)) {
		toa__ep_set(ep, AF_INET, (const uint8_t *)&u->in.sin_addr, u->in.sin_port, 0);
		return 0;
	}
	if (u->sa.sa_family == AF_INET6 && len >= (socklen_t)sizeof(u->in6)) {
		toa__ep_set(ep, AF_INET6, u->in6.sin6_addr.s6_addr, u->in6.sin6_port,
		       u->in6.sin6_scope_id);
		return 0;
	}
	memset(ep, 0, sizeof(*ep));
	return TOA_E_INVALID;
}

int toa_endpoint_is_v4_mapped(const struct toa_endpoint *ep)
{
	return ep && ep->family == AF_INET6 && v4_mapped(ep->addr);
}

void toa_endpoint_unmap(struct toa_endpoint *ep)
{
	if (ep)
		ep_unmap(ep);
}

int toa_endpoint_equal(const struct toa_endpoint *a, const struct toa_endpoint *b)
{
	size_t n;

	if (!a || !b)
		return a == b;
	if (a->family != b->family || a->port != b->port || a->scope_id != b->scope_id)
		return 0;
	n = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
	return memcmp(a->addr, b->addr, n) == 0;
}

int toa_endpoint_from_sockaddr(const struct sockaddr *sa, socklen_t len,
			       struct toa_endpoint *out)
{
	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (!sa)
		return TOA_E_INVALID;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		out->family = AF_INET;
		out->port = ntohs(in->sin_port);
		memcpy(out->addr, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		out->family = AF_INET6;
		out->port = ntohs(in6->sin6_port);
		out->scope_id = in6->sin6_scope_id;
		memcpy(out->addr, in6->sin6_addr.s6_addr, 16);
		return 0;
	}
	return TOA_E_INVALID;
}

int toa_endpoint_to_sockaddr(const struct toa_endpoint *ep, struct sockaddr *sa,
			     socklen_t *len)
{
	if (!ep || !sa || !len)
		return TOA_E_INVALID;
	if (ep->family == AF_INET) {
		struct sockaddr_in in;
		if (*len < (socklen_t)sizeof(in))
			return TOA_E_NO_SPACE;
		memset(&in, 0, sizeof(in));
		in.sin_family = AF_INET;
		in.sin_port = htons(ep->port);
		memcpy(&in.sin_addr, ep->addr, 4);
		memcpy(sa, &in, sizeof(in));
		*len = sizeof(in);
		return 0;
	}
	if (ep->family == AF_INET6) {
		struct sockaddr_in6 in6;
		if (*len < (socklen_t)sizeof(in6))
			return TOA_E_NO_SPACE;
		memset(&in6, 0, sizeof(in6));
		in6.sin6_family = AF_INET6;
		in6.sin6_port = htons(ep->port);
		in6.sin6_scope_id = ep->scope_id;
		memcpy(in6.sin6_addr.s6_addr, ep->addr, 16);
		memcpy(sa, &in6, sizeof(in6));
		*len = sizeof(in6);
		return 0;
	}
	return TOA_E_INVALID;
}

/* ---------------------------------------------------------------- formatting */

/* Appends the decimal form of v at p; returns the new end. */
static char *put_u32(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_ipv4(char *p, const uint8_t a[4])
{
	if (!inet_ntop(AF_INET, a, p, INET_ADDRSTRLEN))
		return p; /* cannot happen */
	return p + strlen(p);
}

/* The RFC 5952 text of an IPv6 address: libc's inet_ntop() (at most 45 characters). */
static char *put_ipv6(char *p, const uint8_t a[16])
{
	if (!inet_ntop(AF_INET6, a, p, INET6_ADDRSTRLEN))
		return p; /* cannot happen: AF_INET6 and a buffer of INET6_ADDRSTRLEN */
	return p + strlen(p);
}

/* Copies the n characters of tmp plus a NUL into buf (len bytes). */
int toa__emit(const char *tmp, size_t n, char *buf, size_t len)
{
	if (n + 1 > len) {
		if (len)
			buf[0] = '\0';
		return TOA_E_NO_SPACE;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return (int)n;
}

int toa_endpoint_format(const struct toa_endpoint *ep, char *buf, size_t len)
{
	char tmp[TOA_ENDPOINT_STRLEN];
	char *p = tmp;

	if (!ep || !buf)
		return TOA_E_INVALID;
	switch (ep->family) {
	case AF_UNSPEC:
		*p++ = '-';
		break;
	case AF_INET:
		p = put_ipv4(p, ep->addr);
		*p++ = ':';
		p = put_u32(p, ep->port);
		break;
	case AF_INET6:
		*p++ = '[';
		p = put_ipv6(p, ep->addr);
		if (ep->scope_id) {
			*p++ = '%';
			p = put_u32(p, ep->scope_id);
		}
		*p++ = ']';
		*p++ = ':';
		p = put_u32(p, ep->port);
		break;
	default:
		if (buf && len)
			buf[0] = '\0';
		return TOA_E_INVALID;
	}
	return toa__emit(tmp, (size_t)(p - tmp), buf, len);
}

const char *toa_packet_name(int packet)
{
	switch (packet) {
	case TOA_PKT_SYN:
		return "syn";
	case TOA_PKT_ACK:
		return "ack";
	case TOA_PKT_DATA:
		return "data";
	default:
		return "unknown";
	}
}

int toa_origin_format(const struct toa_client *c, char *buf, size_t len)
{
	char tmp[TOA_ORIGIN_STRLEN];
	char *p = tmp;
	const char *s;

	if (!c || !buf)
		return TOA_E_INVALID;
	switch (c->origin) {
	case TOA_ORIGIN_PEER:
		s = "peer";
		return toa__emit(s, strlen(s), buf, len);
	case TOA_ORIGIN_LEGACY_LOOKUP:
		s = "TOA(legacy lookup)";
		return toa__emit(s, strlen(s), buf, len);
	case TOA_ORIGIN_UOA:
		s = c->kmod == TOA_KMOD_LEGACY ? "UOA(legacy lookup)" : "UOA";
		return toa__emit(s, strlen(s), buf, len);
	case TOA_ORIGIN_OPTION:
		memcpy(p, "TOA(kind ", 9);
		p = put_u32(p + 9, c->kind);
		if (c->packet > TOA_PKT_UNSPEC && c->packet < __TOA_PKT_MAX) {
			s = toa_packet_name(c->packet);
			*p++ = ',';
			*p++ = ' ';
			memcpy(p, s, strlen(s));
			p += strlen(s);
		}
		*p++ = ')';
		return toa__emit(tmp, (size_t)(p - tmp), buf, len);
	default:
		if (len)
			buf[0] = '\0';
		return TOA_E_INVALID;
	}
}

/* Reads the decimal digits [p, end) into *v (at most max); 0 or TOA_E_INVALID. */
static int parse_dec(const char *p, const char *end, uint32_t max, uint32_t *v)
{
	uint32_t x = 0;

	if (p == end || end - p > 10)
		return TOA_E_INVALID;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return TOA_E_INVALID;
		if (x > (max - (uint32_t)(*p - '0')) / 10)
			return TOA_E_INVALID;
		x = x * 10 + (uint32_t)(*p - '0');
	}
	*v = x;
	return 0;
}

int toa_endpoint_parse_n(const char *str, size_t len, struct toa_endpoint *out)
{
	char host[INET6_ADDRSTRLEN];
	const char *h, *end, *stop, *port = NULL;
	size_t hlen;
	uint8_t addr[16];
	uint32_t port_v = 0, scope_v = 0;
	int family;

	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (!str || len == 0)
		return TOA_E_INVALID;
	stop = str + len;
	if (memchr(str, '\0', len))
		return TOA_E_INVALID;

	if (str[0] == '[') {
		h = str + 1;
		end = memchr(h, ']', (size_t)(stop - h));
		if (!end)
			return TOA_E_INVALID;
		if (end + 1 < stop) {
			if (end[1] != ':')
				return TOA_E_INVALID;
			port = end + 2;
		}
		family = AF_INET6;
	} else {
		const char *colon = memchr(str, ':', len);
		h = str;
		if (colon && memchr(colon + 1, ':', (size_t)(stop - colon - 1))) { /* bare IPv6 */
			end = stop;
			family = AF_INET6;
		} else {
			end = colon ? colon : stop;
			if (colon)
				port = colon + 1;
			family = AF_INET;
		}
	}
	if (family == AF_INET6) {
		const char *pct = memchr(h, '%', (size_t)(end - h));
		if (pct) {
			if (parse_dec(pct + 1, end, UINT32_MAX, &scope_v))
				return TOA_E_INVALID;
			end = pct;
		}
	}
	hlen = (size_t)(end - h);
	if (hlen == 0 || hlen >= sizeof(host))
		return TOA_E_INVALID;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(family, host, addr) != 1)
		return TOA_E_INVALID;
	if (port && (stop - port > 5 || parse_dec(port, stop, 65535, &port_v)))
		return TOA_E_INVALID;
	out->family = (uint16_t)family;
	out->port = (uint16_t)port_v;
	out->scope_id = scope_v;
	memcpy(out->addr, addr, family == AF_INET ? 4 : 16);
	return 0;
}

int toa_endpoint_parse(const char *str, struct toa_endpoint *out)
{
	if (!str) {
		if (out)
			memset(out, 0, sizeof(*out));
		return TOA_E_INVALID;
	}
	return toa_endpoint_parse_n(str, strlen(str), out);
}

/* ---------------------------------------------------------------- errors */

static int map_errno(int err)
{
	switch (err) {
	case EBADF:
		return TOA_E_BAD_FD;
	case ENOTSOCK:
		return TOA_E_NOT_SOCKET;
	case ENOTCONN:
		return TOA_E_NOT_CONNECTED;
	default:
		return err > 0 ? -err : TOA_E_INVALID;
	}
}

const char *toa_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
	case TOA_E_BAD_FD:
		return "not an open file descriptor";
	case TOA_E_NOT_SOCKET:
		return "not a socket";
	case TOA_E_NOT_TCP:
		return "not a TCP socket";
	case TOA_E_LISTENING:
		return "a listening socket (pass the socket returned by accept())";
	case TOA_E_NOT_CONNECTED:
		return "TCP socket is not connected";
	case TOA_E_BAD_REPLY:
		return "unexpected answer from the toa kernel module (version mismatch?)";
	case TOA_E_INVALID:
		return "invalid argument";
	case TOA_E_NO_SPACE:
		return "buffer too small";
	case TOA_E_INCOMPLETE:
		return "header incomplete (more bytes needed)";
	case TOA_E_MALFORMED:
		return "malformed header";
	case TOA_E_NOT_PRESENT:
		return "no header";
	case TOA_E_TOO_LONG:
		return "header too long";
	case TOA_E_CHECKSUM:
		return "PROXY v2 CRC32C mismatch";
	case TOA_E_UNTRUSTED:
		return "header from a source not allowed to send it";
	case TOA_E_REQUIRED:
		return "header required but absent";
	case TOA_E_TIMEOUT:
		return "timed out waiting for the header";
	case TOA_E_NO_ADDRESS:
		return "header names no client address";
	case TOA_E_CLOSED:
		return "connection closed before the header was complete";
	default:
		break;
	}
	if (code < 0 && code > -TOA_E_BASE)
		code = -code;
	if (code > 0 && code < TOA_E_BASE) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
		const char *s = strerrordesc_np(code);
		if (s)
			return s;
#else
		/* musl and others: a static table, thread-safe */
		return strerror(code);
#endif
	}
	return "unknown error";
}

const char *toa_version(void)
{
	return TOA_VERSION_STRING;
}

/* ---------------------------------------------------------------- lookup */

static void client_clear(struct toa_client *c)
{
	memset(c, 0, sizeof(*c));
	c->format = TOA_FORMAT_NONE;
}

/*
 * Is fd a TCP socket, and in which state? One getsockopt: TCP_INFO, truncated to its first
 * byte (tcpi_state), which only a TCP socket answers (UDP, raw IPPROTO_TCP, AF_UNIX and
 * the rest fail with EOPNOTSUPP or ENOPROTOOPT).
 */
static int tcp_state(int fd, int *state)
{
	uint8_t st = 0;
	socklen_t len = sizeof(st);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &st, &len) != 0) {
		if (errno == EBADF || errno == ENOTSOCK)
			return map_errno(errno);
		return TOA_E_NOT_TCP;
	}
	if (len < 1)
		return TOA_E_NOT_TCP;
	*state = st;
	return 0;
}

/* TOA_SO_GET_CLIENT failed with err (not EBADF/ENOTSOCK): validate, then fall back. */
static TOA_COLD int lookup_fallback(int fd, int err, struct toa_client *out)
{
	union toa_sockaddr peer;
	socklen_t plen = sizeof(peer);
	struct toa_nat64_peer np;
	socklen_t nlen = sizeof(np);
	int rc, state = 0;

	rc = tcp_state(fd, &state);
	if (rc)
		return rc;
	if (state == TCP_LISTEN)
		return TOA_E_LISTENING;
	if (getpeername(fd, &peer.sa, &plen) != 0)
		return map_errno(errno); /* ENOTCONN: TOA_E_NOT_CONNECTED */
	if (ep_from_sa(&peer, plen, &out->client))
		return TOA_E_NOT_TCP;

	switch (err) {
	case ENOENT:
		/* The toa module answered: this connection has no TOA. Its LOOKUP would say
		 * the same, so the peer it is. */
		out->kmod = TOA_KMOD_TOA;
		return 0;
	case ENOPROTOOPT: /* no module knows TOA_SO_GET_CLIENT */
	case EINVAL:      /* a foreign module registered the number and rejects it */
	case EOPNOTSUPP:
		break;
	default:
		return map_errno(err);
	}

	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_LOOKUP, &np, &nlen) != 0) {
		/* ENOPROTOOPT: no toa module at all. Anything else: a legacy module that has
		 * no IPv6 client for this connection (DPVS answers EINVAL). */
		out->kmod = errno == ENOPROTOOPT ? TOA_KMOD_NONE : TOA_KMOD_LEGACY;
		return 0;
	}
	if (nlen < (socklen_t)sizeof(np)) {
		client_clear(out);
		return TOA_E_BAD_REPLY;
	}
	out->lb = out->client; /* the peer, unless a transparent module already rewrote it */
	toa__ep_set(&out->client, AF_INET6, np.saddr.s6_addr, np.sport, 0);
	if (toa_endpoint_equal(&out->lb, &out->client))
		memset(&out->lb, 0, sizeof(out->lb));
	out->origin = TOA_ORIGIN_LEGACY_LOOKUP;
	out->kmod = TOA_KMOD_LEGACY;
	return 0;
}

static int from_module(const struct toa_client_info *info, socklen_t len,
		       struct toa_client *out)
{
	if (TOA_UNLIKELY(len < (socklen_t)sizeof(*info) ||
			 (info->family != AF_INET && info->family != AF_INET6) ||
			 (info->lb_family != AF_UNSPEC && info->lb_family != AF_INET &&
			  info->lb_family != AF_INET6)))
		return TOA_E_BAD_REPLY;
	if (info->flags & TOA_CI_PEER) {
		/* No TOA: the peer, as lookup_fallback() would find it in three calls. */
		client_clear(out);
		toa__ep_set(&out->client, info->family, info->addr, info->port, 0);
		out->kmod = TOA_KMOD_TOA;
		return 0;
	}

	toa__ep_set(&out->client, info->family, info->addr, info->port, 0);
	if (info->lb_family != AF_UNSPEC)
		toa__ep_set(&out->lb, info->lb_family, info->lb_addr, info->lb_port, 0);
	else
		memset(&out->lb, 0, sizeof(out->lb));
	out->origin = TOA_ORIGIN_OPTION;
	out->kmod = TOA_KMOD_TOA;
	out->kind = info->kind;
	out->len = info->len;
	out->packet = info->packet;
	out->format = info->format;
	out->reserved0 = 0;
	out->age_ms = info->age_ms;
	out->reserved1 = 0;
	return 0;
}

int toa_get_client(int fd, struct toa_client *out)
{
	struct toa_client_info info;
	socklen_t len = sizeof(info);
	int err, rc;

	if (TOA_UNLIKELY(!out))
		return TOA_E_INVALID;
	info.flags = TOA_CI_WANT_PEER;
	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &info, &len) == 0) {
		rc = from_module(&info, len, out);
		if (TOA_UNLIKELY(rc))
			client_clear(out);
		return rc;
	}
	err = errno;
	client_clear(out);
	if (err == EBADF || err == ENOTSOCK)
		return map_errno(err);
	rc = lookup_fallback(fd, err, out);
	if (rc)
		client_clear(out);
	return rc;
}

int toa_get_local(int fd, struct toa_endpoint *out)
{
	union toa_sockaddr u;
	socklen_t len = sizeof(u);

	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, sizeof(*out));
	if (getsockname(fd, &u.sa, &len) != 0)
		return map_errno(errno);
	return ep_from_sa(&u, len, out) ? TOA_E_NOT_TCP : 0;
}
