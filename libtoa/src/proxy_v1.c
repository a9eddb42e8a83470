// SPDX-License-Identifier: MIT
/*
 * PROXY protocol version 1 (the text header), section 2.1 of HAProxy's specification:
 *
 *     "PROXY" SP ( "TCP4" | "TCP6" ) SP src SP dst SP sport SP dport CRLF
 *     "PROXY" SP "UNKNOWN" [ anything ] CRLF
 *
 * at most 107 bytes with the CRLF. Pure, allocation-free.
 */
#include "toa/proxy.h"
#include "internal.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

/* One space-separated field at *p (before end): its start and length; *p moves past it
 * and its following space. 0, or TOA_E_MALFORMED for an empty field. */
static int field(const char **p, const char *end, const char **f, size_t *n, int last)
{
	const char *sp = memchr(*p, ' ', (size_t)(end - *p));

	if (last && sp)
		return TOA_E_MALFORMED; /* trailing fields or spaces */
	if (!last && !sp)
		return TOA_E_MALFORMED;
	*f = *p;
	*n = (size_t)((sp ? sp : end) - *p);
	*p = sp ? sp + 1 : end;
	return *n ? 0 : TOA_E_MALFORMED;
}

static int v1_addr(int family, const char *f, size_t n, uint8_t *addr)
{
	char tmp[INET6_ADDRSTRLEN];

	if (n >= sizeof(tmp))
		return TOA_E_MALFORMED;
	memcpy(tmp, f, n);
	tmp[n] = '\0';
	return inet_pton(family, tmp, addr) == 1 ? 0 : TOA_E_MALFORMED;
}

static int v1_port(const char *f, size_t n, uint16_t *port_be)
{
	uint32_t v = 0;
	size_t i;

	if (n > 5)
		return TOA_E_MALFORMED;
	for (i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return TOA_E_MALFORMED;
		v = v * 10 + (uint32_t)(f[i] - '0');
	}
	if (v > 65535)
		return TOA_E_MALFORMED;
	*port_be = htons((uint16_t)v);
	return 0;
}

static int v1_line(const char *line, const char *end, struct toa_proxy_header *out)
{
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	const char *p = line, *f[4];
	size_t n[4];
	int family, i, rc;

	if (end - p >= 7 && memcmp(p, "UNKNOWN", 7) == 0 && (end - p == 7 || p[7] == ' ')) {
		out->family = TOA_PROXY_AF_UNSPEC;
		return 0;
	}
	if (end - p < 5 || memcmp(p, "TCP", 3) != 0 || (p[3] != '4' && p[3] != '6') || p[4] != ' ')
		return TOA_E_MALFORMED;
	family = p[3] == '4' ? AF_INET : AF_INET6;
	p += 5;
	for (i = 0; i < 4; i++) {
		rc = field(&p, end, &f[i], &n[i], i == 3);
		if (rc)
			return rc;
	}
	if (v1_addr(family, f[0], n[0], src) || v1_addr(family, f[1], n[1], dst) ||
	    v1_port(f[2], n[2], &sport) || v1_port(f[3], n[3], &dport))
		return TOA_E_MALFORMED;
	out->family = family == AF_INET ? TOA_PROXY_AF_INET : TOA_PROXY_AF_INET6;
	toa__ep_set(&out->src, family, src, sport, 0);
	toa__ep_set(&out->dst, family, dst, dport, 0);
	return 0;
}

int toa_proxy_v1_parse(const void *buf, size_t len, struct toa_proxy_header *out)
{
	const char *s = buf;
	size_t i, lim;
	int rc;

	rc = toa__start(out, sizeof(*out), buf);
	if (!rc)
		rc = toa__magic(buf, len, "PROXY ", 6);
	if (rc)
		return rc;
	lim = len < TOA_PROXY_V1_MAX ? len : TOA_PROXY_V1_MAX;
	for (i = 6; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			break;
		/* printable ASCII, and CR only right before LF */
		if (c == '\r' ? i + 1 < lim && s[i + 1] != '\n' : c < 0x20 || c > 0x7e)
			return TOA_E_MALFORMED;
	}
	if (i == lim)
		return len >= TOA_PROXY_V1_MAX ? TOA_E_TOO_LONG : TOA_E_INCOMPLETE;
	if (s[i - 1] != '\r')
		return TOA_E_MALFORMED;
	rc = v1_line(s + 6, s + i - 1, out);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->version = 1;
	out->command = TOA_PROXY_CMD_PROXY;
	out->transport = TOA_PROXY_STREAM;
	out->length = (uint32_t)(i + 1);
	return (int)(i + 1);
}
