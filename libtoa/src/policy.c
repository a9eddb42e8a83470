// SPDX-License-Identifier: MIT
/*
 * The one answer: source ranges and their policies, and the composing calls
 * toa_resolve() (TCP: PROXY header, TOA, peer), toa_resolve_http() (request headers) and
 * toa_resolve_datagram() (UDP: SPP, PROXY v2), in the order <toa/policy.h> documents.
 * Allocation-free.
 */
#include "toa/policy.h"
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---------------------------------------------------------------- CIDRs */

int toa_cidr_parse(const char *str, struct toa_cidr *out)
{
	struct toa_endpoint ep;
	const char *slash;
	size_t n;
	unsigned prefix, max;
	int i = toa__start(out, sizeof(*out), str);

	if (i)
		return i;
	slash = strchr(str, '/');
	n = slash ? (size_t)(slash - str) : strlen(str);
	if (n == 0 || str[0] == '[' || toa_endpoint_parse_n(str, n, &ep) || ep.port || ep.scope_id)
		return TOA_E_INVALID;
	/* "a.b.c.d:p" parses as an endpoint with a port: refused above; "::1" has none */
	max = ep.family == AF_INET ? 32 : 128;
	prefix = max;
	if (slash) {
		const char *p = slash + 1;
		if (!*p || strlen(p) > 3)
			return TOA_E_INVALID;
		for (prefix = 0; *p; p++) {
			if (*p < '0' || *p > '9')
				return TOA_E_INVALID;
			prefix = prefix * 10 + (unsigned)(*p - '0');
		}
		if (prefix > max)
			return TOA_E_INVALID;
	}
	out->family = (uint8_t)ep.family;
	out->prefix = (uint8_t)prefix;
	memcpy(out->addr, ep.addr, 16);
	/* the host bits are cleared: "192.0.2.7/24" is 192.0.2.0/24 */
	for (i = 0; i < 16; i++) {
		int bits = (int)prefix - 8 * i;
		if (bits <= 0)
			out->addr[i] = 0;
		else if (bits < 8)
			out->addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
	return 0;
}

int toa_cidr_contains(const struct toa_cidr *c, const struct toa_endpoint *ep)
{
	struct toa_endpoint e;
	unsigned full, rest;

	if (!c || !ep)
		return 0;
	e = *ep;
	toa_endpoint_unmap(&e);
	if (e.family != c->family || (c->family != AF_INET && c->family != AF_INET6))
		return 0;
	full = c->prefix / 8u;
	rest = c->prefix % 8u;
	if (memcmp(e.addr, c->addr, full) != 0)
		return 0;
	return !rest || ((e.addr[full] ^ c->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int toa_cidr_format(const struct toa_cidr *c, char *buf, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 5];
	int n;

	if (!c || !buf || (c->family != AF_INET && c->family != AF_INET6))
		return TOA_E_INVALID;
	if (!inet_ntop(c->family, c->addr, tmp, INET6_ADDRSTRLEN))
		return TOA_E_INVALID;
	n = (int)strlen(tmp);
	n += snprintf(tmp + n, sizeof(tmp) - (size_t)n, "/%u", c->prefix);
	return toa__emit(tmp, (size_t)n, buf, len);
}

/* ---------------------------------------------------------------- policies */

static const char *const action_names[] = { "reject", "ignore", "use", "require" };

const char *toa_policy_action_name(int action)
{
	return action >= 0 && action <= TOA_POLICY_REQUIRE ? action_names[action] : "unknown";
}

int toa_policy_action_parse(const char *name)
{
	int i;

	for (i = 0; name && i <= TOA_POLICY_REQUIRE; i++)
		if (strcmp(name, action_names[i]) == 0)
			return i;
	return TOA_E_INVALID;
}

int toa_policy_action(const struct toa_policy *p, const struct toa_endpoint *ep)
{
	size_t i;

	if (!p)
		return TOA_POLICY_REJECT;
	for (i = 0; p->rules && ep && i < p->n_rules; i++)
		if (toa_cidr_contains(&p->rules[i].source, ep))
			return p->rules[i].action <= TOA_POLICY_REQUIRE ? p->rules[i].action
									: TOA_POLICY_REJECT;
	return p->otherwise <= TOA_POLICY_REQUIRE ? p->otherwise : TOA_POLICY_REJECT;
}

static int trusted_proxy(const void *ctx, const struct toa_endpoint *ep)
{
	int a = toa_policy_action(ctx, ep);
	return a == TOA_POLICY_USE || a == TOA_POLICY_REQUIRE;
}

static int never_trusted(const void *ctx, const struct toa_endpoint *ep)
{
	(void)ctx;
	(void)ep;
	return 0;
}

/* ---------------------------------------------------------------- the answer */

static void hop_set(struct toa_hop *h, const struct toa_endpoint *ep, int carrier)
{
	memset(h, 0, sizeof(*h));
	h->ep = *ep;
	h->carrier = (uint8_t)carrier;
}

/* The answer becomes client (from carrier), reported by the hop at peer. */
static void answer_set(struct toa_answer *a, const struct toa_endpoint *client, int carrier,
		       const struct toa_endpoint *peer)
{
	uint8_t kmod = a->toa.kmod;

	memset(&a->toa, 0, sizeof(a->toa));
	a->toa.format = TOA_FORMAT_NONE;
	a->toa.kmod = kmod;
	a->toa.client = *client;
	a->toa.lb = *peer;
	a->carrier = (uint8_t)carrier;
	hop_set(&a->hops[0], client, carrier);
	hop_set(&a->hops[1], peer, TOA_CARRIER_PEER);
	a->n_hops = 2;
}

static void answer_clear(struct toa_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->toa.format = TOA_FORMAT_NONE;
}

int toa_get_answer(int fd, struct toa_answer *out)
{
	int rc;

	if (!out)
		return TOA_E_INVALID;
	answer_clear(out);
	rc = toa_get_client(fd, &out->toa);
	if (rc)
		return rc;
	if (out->toa.origin == TOA_ORIGIN_PEER) {
		out->carrier = TOA_CARRIER_PEER;
		out->peer = out->toa.client;
		hop_set(&out->hops[0], &out->peer, TOA_CARRIER_PEER);
		out->n_hops = 1;
		return 0;
	}
	out->carrier = TOA_CARRIER_TOA;
	out->peer = out->toa.lb; /* empty when a transparent legacy module hid it */
	hop_set(&out->hops[0], &out->toa.client, TOA_CARRIER_TOA);
	out->n_hops = 1;
	if (out->peer.family)
		hop_set(&out->hops[out->n_hops++], &out->peer, TOA_CARRIER_PEER);
	return 0;
}

int toa_answer_format_origin(const struct toa_answer *a, char *buf, size_t len)
{
	char tmp[TOA_ORIGIN_STRLEN + TOA_HEADER_NAME_MAX];
	int n;

	if (!a || !buf)
		return TOA_E_INVALID;
	switch (a->carrier) {
	case TOA_CARRIER_PEER:
	case TOA_CARRIER_TOA:
		return toa_origin_format(&a->toa, buf, len);
	case TOA_CARRIER_PROXY_V1:
		return toa__emit("PROXY(v1)", 9, buf, len);
	case TOA_CARRIER_PROXY_V2:
		return toa__emit("PROXY(v2)", 9, buf, len);
	case TOA_CARRIER_SPP:
		return toa__emit("SPP", 3, buf, len);
	case TOA_CARRIER_UOA:
		return toa_origin_format(&a->toa, buf, len);
	case TOA_CARRIER_HEADER:
		n = snprintf(tmp, sizeof(tmp), "header(%.*s)", TOA_HEADER_NAME_MAX - 1, a->header);
		return toa__emit(tmp, (size_t)n, buf, len);
	default:
		if (len)
			buf[0] = '\0';
		return TOA_E_INVALID;
	}
}

/* A PROXY header h that names a client becomes the answer. */
static void use_proxy(struct toa_answer *out, const struct toa_proxy_header *h)
{
	if (h->command != TOA_PROXY_CMD_PROXY || !h->src.family)
		return; /* LOCAL, UNKNOWN, UNSPEC, UNIX: the connection's own endpoints */
	answer_set(out, &h->src, h->version == 1 ? TOA_CARRIER_PROXY_V1 : TOA_CARRIER_PROXY_V2,
		   &out->peer);
	out->dst = h->dst;
}

int toa_resolve(int fd, const struct toa_policy *p, void *buf, size_t len, struct toa_answer *out)
{
	struct toa_proxy_header h;
	int rc, action;

	if (!out)
		return TOA_E_INVALID;
	rc = toa_get_answer(fd, out);
	if (rc || !p || !(p->carriers & TOA_RESOLVE_PROXY))
		return rc;
	action = toa_policy_action(p, &out->peer);
	if (action == TOA_POLICY_IGNORE)
		return 0;
	rc = toa__proxy_read(fd, p->timeout_ms, buf, len, &h, action != TOA_POLICY_REJECT);
	if (action == TOA_POLICY_REJECT) {
		/* only looked at: a header, even a broken one, is an error */
		if (rc == TOA_E_NOT_PRESENT || rc == TOA_E_TIMEOUT || rc == TOA_E_CLOSED)
			return 0;
		return rc < 0 && rc > -TOA_E_BASE ? rc : TOA_E_UNTRUSTED;
	}
	if (rc > 0) {
		use_proxy(out, &h);
		return 0;
	}
	if (rc == TOA_E_NOT_PRESENT || rc == TOA_E_CLOSED)
		return action == TOA_POLICY_REQUIRE ? TOA_E_REQUIRED : 0;
	return rc;
}

int toa_resolve_http(struct toa_answer *ans, const struct toa_policy *p, const char *buf,
		     size_t len)
{
	struct toa_http_client hc;
	struct toa_hop chain[2 * TOA_MAX_HOPS];
	struct toa_endpoint proxy;
	const char *name;
	int action, rc, n = 0, i, skip;

	if (!ans || !p || !buf)
		return TOA_E_INVALID;
	action = toa_policy_action(p, &ans->toa.client);
	if (action == TOA_POLICY_IGNORE)
		return TOA_E_NOT_PRESENT;
	rc = toa__http_parse(buf, len, &ans->toa.client,
			     action == TOA_POLICY_REJECT ? never_trusted : trusted_proxy, p,
			     p->http_headers, &hc);
	if (rc == TOA_E_NOT_PRESENT && action == TOA_POLICY_REQUIRE)
		return TOA_E_REQUIRED;
	if (rc < 0)
		return rc;
	/* the chain: the header's hops (client .. the proxy), then the hops behind it */
	for (i = 0; i < hc.n_hops; i++)
		hop_set(&chain[n++], &hc.hops[i], i + 1 < hc.n_hops ? TOA_CARRIER_HEADER
								    : ans->hops[0].carrier);
	for (i = 1; i < ans->n_hops; i++)
		chain[n++] = ans->hops[i];
	proxy = ans->toa.client;
	answer_set(ans, &hc.client, TOA_CARRIER_HEADER, &proxy);
	skip = n > TOA_MAX_HOPS ? n - TOA_MAX_HOPS : 0; /* keep the client and the nearest */
	ans->hops[0] = chain[0];
	for (i = 1; i + skip < n; i++)
		ans->hops[i] = chain[i + skip];
	ans->n_hops = (uint8_t)(n - skip);
	name = toa_http_header_name(hc.header);
	memset(ans->header, 0, sizeof(ans->header));
	memcpy(ans->header, name, strlen(name));
	return rc;
}

int toa_resolve_datagram(const void *buf, size_t len, const struct toa_endpoint *peer,
			 const struct toa_policy *p, struct toa_answer *out)
{
	struct toa_spp_header s;
	struct toa_proxy_header h;
	int action, rc, spp = 1;

	if (!out)
		return TOA_E_INVALID;
	answer_clear(out);
	if (!buf || !peer || !p)
		return TOA_E_INVALID;
	out->peer = *peer;
	toa_endpoint_unmap(&out->peer);
	out->toa.client = out->peer;
	hop_set(&out->hops[0], &out->peer, TOA_CARRIER_PEER);
	out->n_hops = 1;
	action = toa_policy_action(p, &out->peer);
	if (action == TOA_POLICY_IGNORE)
		return 0;
	/*
	 * A datagram is whole: one shorter than a header's magic (an empty one, a one-byte
	 * one that happens to begin like it) carries none, where a stream would wait.
	 */
	rc = len < 2 ? TOA_E_NOT_PRESENT : toa_spp_parse(buf, len, &s);
	if (rc == TOA_E_NOT_PRESENT) {
		spp = 0;
		rc = len < sizeof(TOA_PROXY_V2_SIG) - 1 ? TOA_E_NOT_PRESENT
							  : toa_proxy_v2_parse(buf, len, &h);
	}
	if (rc == TOA_E_NOT_PRESENT)
		return action == TOA_POLICY_REQUIRE ? TOA_E_REQUIRED : 0;
	if (action == TOA_POLICY_REJECT)
		return TOA_E_UNTRUSTED;
	if (rc < 0)
		return rc;
	if (spp) {
		answer_set(out, &s.client, TOA_CARRIER_SPP, &out->peer);
		out->dst = s.proxy;
	} else {
		use_proxy(out, &h);
	}
	return rc;
}

int toa_resolve_datagram_fd(int fd, const void *buf, size_t len, const struct toa_endpoint *peer,
			    const struct toa_policy *p, struct toa_answer *out)
{
	struct toa_client c;
	int rc = toa_resolve_datagram(buf, len, peer, p, out);

	if (rc != 0 || out->carrier != TOA_CARRIER_PEER)
		return rc; /* a header (or an error): the nearest hop's word */
	rc = toa_get_datagram_client(fd, peer, &c);
	if (rc)
		return rc;
	if (c.origin == TOA_ORIGIN_UOA) {
		answer_set(out, &c.client, TOA_CARRIER_UOA, &out->peer);
		out->toa = c;
	}
	return 0;
}
