// SPDX-License-Identifier: MIT
/*
 * PROXY protocol version 2 (the binary header), section 2.2 of HAProxy's specification:
 *
 *     signature (12) | ver_cmd (1) | fam (1) | len (2, big endian) | addresses | TLVs
 *
 * over TCP (the start of the stream) and UDP (the start of each datagram); IPv4, IPv6 and
 * UNIX addresses; LOCAL and PROXY commands; every TLV exposed, the CRC32C TLV checked.
 * Pure, allocation-free.
 */
#include "toa/proxy.h"
#include "internal.h"

#include <string.h>
#include <sys/socket.h>

#define SIG_LEN 12

uint32_t toa_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* The CRC32C of the header h (total bytes) with its 4-byte CRC value at off zeroed. */
static uint32_t header_crc(const uint8_t *h, size_t total, size_t off)
{
	static const uint8_t zero[4];
	uint32_t crc = toa_crc32c(0, h, off);

	crc = toa_crc32c(crc, zero, 4);
	return toa_crc32c(crc, h + off + 4, total - off - 4);
}

/* Checks the TLVs of the header buf (total bytes) from base: every one well formed, at
 * most one CRC32C (4 bytes), then the CRC. */
static int check_tlvs(const uint8_t *buf, size_t total, size_t base, struct toa_proxy_header *h)
{
	size_t pos = base, crc_at = 0;

	while (pos < total) {
		uint16_t vlen;

		if (total - pos < 3)
			return TOA_E_MALFORMED;
		vlen = toa__be16(buf + pos + 1);
		if (total - pos - 3 < vlen)
			return TOA_E_MALFORMED;
		if (buf[pos] == TOA_PP2_TYPE_CRC32C) {
			if (vlen != 4 || crc_at)
				return TOA_E_MALFORMED;
			crc_at = pos + 3;
		}
		pos += 3 + (size_t)vlen;
	}
	if (crc_at) {
		const uint8_t *v = buf + crc_at;
		uint32_t want = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];

		if (header_crc(buf, total, crc_at) != want)
			return TOA_E_CHECKSUM;
		h->crc32c = 1;
	}
	h->tlvs = total > base ? buf + base : NULL;
	h->tlvs_len = (uint16_t)(total - base);
	return 0;
}

static int v2_body(const uint8_t *b, size_t total, struct toa_proxy_header *out)
{
	uint8_t ver = b[12] >> 4, cmd = b[12] & 0xf, fam = b[13] >> 4, proto = b[13] & 0xf;
	size_t alen;

	if (ver != 2 || cmd > TOA_PROXY_CMD_PROXY)
		return TOA_E_MALFORMED;
	if (fam > TOA_PROXY_AF_UNIX || proto > TOA_PROXY_DGRAM) {
		if (cmd == TOA_PROXY_CMD_PROXY)
			return TOA_E_MALFORMED;
		fam = TOA_PROXY_AF_UNSPEC; /* LOCAL: the family is ignored */
		proto = TOA_PROXY_UNSPEC;
	}
	out->version = 2;
	out->command = cmd;
	out->family = fam;
	out->transport = proto;
	switch (fam) {
	case TOA_PROXY_AF_INET:
		alen = 12;
		break;
	case TOA_PROXY_AF_INET6:
		alen = 36;
		break;
	case TOA_PROXY_AF_UNIX:
		alen = 216;
		break;
	default:
		alen = 0;
	}
	if (total - TOA_PROXY_V2_MIN < alen) {
		if (cmd == TOA_PROXY_CMD_PROXY)
			return TOA_E_MALFORMED;
		return 0; /* LOCAL with a short block: all of it discarded */
	}
	if (cmd == TOA_PROXY_CMD_PROXY) {
		const uint8_t *a = b + TOA_PROXY_V2_MIN;

		uint16_t ports[2]; /* network order */

		if (fam == TOA_PROXY_AF_INET) {
			memcpy(ports, a + 8, 4);
			toa__ep_set(&out->src, AF_INET, a, ports[0], 0);
			toa__ep_set(&out->dst, AF_INET, a + 4, ports[1], 0);
		} else if (fam == TOA_PROXY_AF_INET6) {
			memcpy(ports, a + 32, 4);
			toa__ep_set(&out->src, AF_INET6, a, ports[0], 0);
			toa__ep_set(&out->dst, AF_INET6, a + 16, ports[1], 0);
		} else if (fam == TOA_PROXY_AF_UNIX) {
			out->unix_src = a;
			out->unix_dst = a + 108;
		}
	}
	return check_tlvs(b, total, TOA_PROXY_V2_MIN + alen, out);
}

int toa_proxy_v2_parse(const void *buf, size_t len, struct toa_proxy_header *out)
{
	const uint8_t *b = buf;
	size_t total;
	int rc;

	rc = toa__start(out, sizeof(*out), buf);
	if (!rc)
		rc = toa__magic(buf, len, TOA_PROXY_V2_SIG, SIG_LEN);
	if (rc)
		return rc;
	if (len < TOA_PROXY_V2_MIN)
		return TOA_E_INCOMPLETE;
	total = TOA_PROXY_V2_MIN + (size_t)toa__be16(b + 14);
	if (len < total)
		return TOA_E_INCOMPLETE;
	rc = v2_body(b, total, out);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->length = (uint32_t)total;
	return (int)total;
}

int toa_proxy_parse(const void *buf, size_t len, struct toa_proxy_header *out)
{
	const uint8_t *b = buf;

	if (!out)
		return TOA_E_INVALID;
	if (buf && len > 0 && b[0] == 'P')
		return toa_proxy_v1_parse(buf, len, out);
	return toa_proxy_v2_parse(buf, len, out);
}

/* ---------------------------------------------------------------- TLVs */

/* The TLV at *pos of area (n bytes), already checked well formed by the parser. */
static int tlv_at(const uint8_t *area, size_t n, size_t *pos, struct toa_proxy_tlv *tlv)
{
	uint16_t vlen;

	if (!area || *pos >= n)
		return 0;
	if (n - *pos < 3)
		return TOA_E_MALFORMED;
	vlen = toa__be16(area + *pos + 1);
	if (n - *pos - 3 < vlen)
		return TOA_E_MALFORMED;
	tlv->type = area[*pos];
	tlv->len = vlen;
	tlv->value = area + *pos + 3;
	*pos += 3 + (size_t)vlen;
	return 1;
}

int toa_proxy_tlv_next(const struct toa_proxy_header *h, size_t *pos, struct toa_proxy_tlv *tlv)
{
	if (!h || !pos || !tlv)
		return TOA_E_INVALID;
	return tlv_at(h->tlvs, h->tlvs_len, pos, tlv);
}

int toa_proxy_tlv_find(const struct toa_proxy_header *h, uint8_t type, struct toa_proxy_tlv *tlv)
{
	size_t pos = 0;
	int rc;

	if (!h || !tlv)
		return TOA_E_INVALID;
	while ((rc = tlv_at(h->tlvs, h->tlvs_len, &pos, tlv)) == 1)
		if (tlv->type == type)
			return 1;
	return rc < 0 ? rc : 0;
}

int toa_proxy_ssl(const struct toa_proxy_tlv *ssl, uint8_t *client, uint32_t *verify)
{
	const uint8_t *v;

	if (!ssl || !client || !verify)
		return TOA_E_INVALID;
	if (ssl->type != TOA_PP2_TYPE_SSL || ssl->len < 5 || !ssl->value)
		return TOA_E_MALFORMED;
	v = ssl->value;
	*client = v[0];
	*verify = (uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4];
	return 0;
}

int toa_proxy_ssl_next(const struct toa_proxy_tlv *ssl, size_t *pos, struct toa_proxy_tlv *sub)
{
	if (!ssl || !pos || !sub)
		return TOA_E_INVALID;
	if (ssl->type != TOA_PP2_TYPE_SSL || ssl->len < 5 || !ssl->value)
		return TOA_E_MALFORMED;
	return tlv_at(ssl->value + 5, ssl->len - 5u, pos, sub);
}

int toa_proxy_aws_vpce_id(const struct toa_proxy_tlv *tlv, const char **id, size_t *len)
{
	if (!tlv || !id || !len)
		return TOA_E_INVALID;
	if (tlv->type != TOA_PP2_TYPE_AWS || tlv->len < 1 || tlv->value[0] != 0x01)
		return TOA_E_NOT_PRESENT;
	*id = (const char *)tlv->value + 1;
	*len = tlv->len - 1u;
	return 0;
}

int toa_proxy_azure_link_id(const struct toa_proxy_tlv *tlv, uint32_t *link_id)
{
	const uint8_t *v;

	if (!tlv || !link_id)
		return TOA_E_INVALID;
	if (tlv->type != TOA_PP2_TYPE_AZURE || tlv->len < 1 || tlv->value[0] != 0x01)
		return TOA_E_NOT_PRESENT;
	if (tlv->len != 5)
		return TOA_E_MALFORMED;
	v = tlv->value + 1;
	*link_id = (uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24;
	return 0;
}

int toa_proxy_gcp_psc_id(const struct toa_proxy_tlv *tlv, uint64_t *psc_id)
{
	uint64_t x = 0;
	int i;

	if (!tlv || !psc_id)
		return TOA_E_INVALID;
	if (tlv->type != TOA_PP2_TYPE_GCP)
		return TOA_E_NOT_PRESENT;
	if (tlv->len != 8)
		return TOA_E_MALFORMED;
	for (i = 0; i < 8; i++)
		x = x << 8 | tlv->value[i];
	*psc_id = x;
	return 0;
}
