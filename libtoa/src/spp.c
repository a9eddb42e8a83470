// SPDX-License-Identifier: MIT
/*
 * SPP (Simple Proxy Protocol: Cloudflare Spectrum, Tencent EdgeOne), the 38-byte header
 * before each UDP datagram. Pure, allocation-free.
 */
#include "toa/spp.h"
#include "internal.h"

#include <string.h>
#include <sys/socket.h>

/* A unicast address: not ::, not multicast (ff00::/8, and IPv4 224/4 when mapped). */
static int unicast(const struct toa_endpoint *ep)
{
	static const uint8_t zero[16];

	if (ep->family == AF_INET)
		return memcmp(ep->addr, zero, 4) != 0 && (ep->addr[0] & 0xf0) != 0xe0;
	return memcmp(ep->addr, zero, 16) != 0 && ep->addr[0] != 0xff;
}

int toa_spp_parse(const void *buf, size_t len, struct toa_spp_header *out)
{
	static const uint8_t magic[2] = { TOA_SPP_MAGIC >> 8, TOA_SPP_MAGIC & 0xff };
	const uint8_t *b = buf;
	uint16_t ports[2]; /* network order */
	int rc = toa__start(out, sizeof(*out), buf);

	if (!rc)
		rc = toa__magic(buf, len, magic, 2);
	if (rc)
		return rc;
	if (len < TOA_SPP_LEN)
		return TOA_E_INCOMPLETE;
	memcpy(ports, b + 34, 4);
	toa__ep_set(&out->client, AF_INET6, b + 2, ports[0], 0);
	toa__ep_set(&out->proxy, AF_INET6, b + 18, ports[1], 0);
	if (!unicast(&out->client) || !unicast(&out->proxy)) {
		memset(out, 0, sizeof(*out));
		return TOA_E_MALFORMED;
	}
	return TOA_SPP_LEN;
}

static void put_addr(uint8_t *p, const struct toa_endpoint *ep)
{
	if (ep->family == AF_INET) {
		memset(p, 0, 10);
		p[10] = p[11] = 0xff;
		memcpy(p + 12, ep->addr, 4);
	} else {
		memcpy(p, ep->addr, 16);
	}
}

int toa_spp_build(const struct toa_endpoint *client, const struct toa_endpoint *proxy,
		  void *buf, size_t len)
{
	uint8_t *b = buf;

	if (!client || !proxy || !buf)
		return TOA_E_INVALID;
	if ((client->family != AF_INET && client->family != AF_INET6) ||
	    (proxy->family != AF_INET && proxy->family != AF_INET6))
		return TOA_E_INVALID;
	if (len < TOA_SPP_LEN)
		return TOA_E_NO_SPACE;
	b[0] = TOA_SPP_MAGIC >> 8;
	b[1] = TOA_SPP_MAGIC & 0xff;
	put_addr(b + 2, client);
	put_addr(b + 18, proxy);
	b[34] = (uint8_t)(client->port >> 8);
	b[35] = (uint8_t)client->port;
	b[36] = (uint8_t)(proxy->port >> 8);
	b[37] = (uint8_t)proxy->port;
	return TOA_SPP_LEN;
}
