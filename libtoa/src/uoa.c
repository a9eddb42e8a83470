// SPDX-License-Identifier: MIT
/*
 * libtoa, UDP: DPVS's UOA as the kernel keeps it (the toa module, or DPVS's own uoa.ko).
 * A mapping is found by the 4-tuple a server's socket sees: the peer recvfrom() gave and
 * the socket's own address (the wildcard when it is bound to any). No allocation.
 */
#define _GNU_SOURCE
#include "toa/toa.h"
#include "internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int errno_code(int e)
{
	return e == EBADF ? TOA_E_BAD_FD : e == ENOTSOCK ? TOA_E_NOT_SOCKET : -e;
}

int toa_get_datagram_client(int fd, const struct toa_endpoint *peer, struct toa_client *out)
{
	struct toa_uoa_client_info ci;
	struct uoa_param_map pm;
	struct toa_endpoint p, local;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	size_t n;
	int rc;

	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, sizeof(*out));
	out->format = TOA_FORMAT_NONE;
	if (!peer || (peer->family != AF_INET && peer->family != AF_INET6))
		return TOA_E_INVALID;
	p = *peer;
	toa_endpoint_unmap(&p);
	out->client = p;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return errno_code(errno);
	rc = toa_endpoint_from_sockaddr((const struct sockaddr *)&ss, len, &local);
	if (rc)
		return TOA_E_INVALID; /* not an IP socket */
	toa_endpoint_unmap(&local);
	if (local.family != p.family) {
		/* A dual-stack socket bound to [::] and an IPv4 peer: the IPv4 wildcard. */
		memset(&local.addr, 0, sizeof(local.addr));
		local.family = p.family;
	}
	n = p.family == AF_INET ? 4 : 16;

	memset(&ci, 0, sizeof(ci));
	ci.af = p.family;
	memcpy(ci.saddr, p.addr, n);
	memcpy(ci.daddr, local.addr, n);
	ci.sport = htons(p.port);
	ci.dport = htons(local.port);
	len = sizeof(ci);
	if (getsockopt(fd, IPPROTO_IP, TOA_UOA_SO_GET_CLIENT, &ci, &len) == 0) {
		if (len < (socklen_t)sizeof(ci) ||
		    (ci.family != AF_INET && ci.family != AF_INET6))
			return TOA_E_BAD_REPLY;
		toa__ep_set(&out->client, ci.family, ci.addr, ci.port, 0);
		out->lb = p;
		out->origin = TOA_ORIGIN_UOA;
		out->kmod = TOA_KMOD_TOA;
		out->kind = TOA_UOA_OPT_KIND;
		out->len = ci.family == AF_INET ? TOA_UOA_OPT_LEN4 : TOA_UOA_OPT_LEN6;
		out->age_ms = ci.age_ms;
		return 0;
	}
	if (errno == ENOENT) {
		out->kmod = TOA_KMOD_TOA; /* the module answered: no mapping, the peer it is */
		return 0;
	}
	if (errno == EBADF || errno == ENOTSOCK)
		return errno_code(errno);
	if (errno != ENOPROTOOPT && errno != EINVAL)
		return -errno;

	/* DPVS's uoa.ko knows only UOA_SO_GET_LOOKUP. */
	memset(&pm, 0, sizeof(pm));
	pm.af = p.family;
	memcpy(pm.saddr, p.addr, n);
	memcpy(pm.daddr, local.addr, n);
	pm.sport = htons(p.port);
	pm.dport = htons(local.port);
	len = sizeof(pm);
	if (getsockopt(fd, IPPROTO_IP, UOA_SO_GET_LOOKUP, &pm, &len) != 0) {
		out->kmod = errno == ENOPROTOOPT ? TOA_KMOD_NONE : TOA_KMOD_LEGACY;
		return 0;
	}
	if (len < (socklen_t)sizeof(pm) || (pm.real_af != AF_INET && pm.real_af != AF_INET6))
		return TOA_E_BAD_REPLY;
	toa__ep_set(&out->client, pm.real_af, pm.real_saddr, pm.real_sport, 0);
	out->lb = p;
	out->origin = TOA_ORIGIN_UOA;
	out->kmod = TOA_KMOD_LEGACY;
	out->kind = TOA_UOA_OPT_KIND;
	out->len = pm.real_af == AF_INET ? TOA_UOA_OPT_LEN4 : TOA_UOA_OPT_LEN6;
	return 0;
}
