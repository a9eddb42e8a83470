// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The UOA carriers' parser; see uoa_parse.h. */
#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif
#include "uoa_parse.h"

#define UOA_EOL 0
#define UOA_NOP 1
#define UOA_UDP 17
#define UOA_UDPHDR 8

/*
 * The option at *off: 1 and its kind and length (NOP: length 1), 0 at the end of the
 * list (EOL or its last byte), -1 where the list stops being well formed.
 */
static int uoa_next(const uint8_t *opts, size_t len, size_t off, uint8_t *kind, uint8_t *olen)
{
	if (off >= len || opts[off] == UOA_EOL)
		return 0;
	*kind = opts[off];
	if (*kind == UOA_NOP) {
		*olen = 1;
		return 1;
	}
	if (len - off < 2)
		return -1;
	*olen = opts[off + 1];
	return *olen < 2 || *olen > len - off ? -1 : 1;
}

int toa_uoa_parse_options(const uint8_t *opts, size_t len, struct toa_uoa_parsed *out)
{
	uint8_t kind, olen;
	size_t off = 0;
	int found = 0, r;

	memset(out, 0, sizeof(*out));
	for (; (r = uoa_next(opts, len, off, &kind, &olen)) > 0; off += olen) {
		if (kind != TOA_UOA_OPT_KIND)
			continue;
		if (olen != TOA_UOA_OPT_LEN4 && olen != TOA_UOA_OPT_LEN6) {
			if (out->n_bad < 255)
				out->n_bad++;
			continue;
		}
		if (!found) {
			out->family = olen == TOA_UOA_OPT_LEN4 ? AF_INET : AF_INET6;
			memcpy(out->port, opts + off + 2, 2);
			memcpy(out->addr, opts + off + 4, olen - 4);
			found = 1;
		}
		if (out->n_uoa < 255)
			out->n_uoa++;
	}
	if (r < 0)
		return TOA_UOA_MALFORMED;
	return found ? TOA_UOA_FOUND : TOA_UOA_NONE;
}

int toa_uoa_nop_options(uint8_t *opts, size_t len)
{
	uint8_t kind, olen;
	int only_nops = 1, r;
	size_t off;

	/* Check first, so that a list that is not well formed stays as it came. */
	for (off = 0; (r = uoa_next(opts, len, off, &kind, &olen)) > 0; off += olen)
		if (kind != UOA_NOP && kind != TOA_UOA_OPT_KIND)
			only_nops = 0;
	if (r < 0)
		return -1;
	for (off = 0; uoa_next(opts, len, off, &kind, &olen) > 0; off += olen)
		if (kind == TOA_UOA_OPT_KIND)
			memset(opts + off, UOA_NOP, olen);
	return only_nops;
}

int toa_uoa_parse_opp(const uint8_t *p, size_t avail, struct toa_uoa_opp *out)
{
	size_t hdrlen;

	memset(out, 0, sizeof(*out));
	if (avail < sizeof(struct toa_opphdr))
		return -1;
	hdrlen = (size_t)p[2] << 8 | p[3];
	out->version = p[0] >> 4;
	out->protocol = p[1];
	if (hdrlen < sizeof(struct toa_opphdr) || hdrlen > avail ||
	    avail - hdrlen < UOA_UDPHDR || out->protocol != UOA_UDP)
		return -1;
	out->hdrlen = (uint16_t)hdrlen;
	out->result = toa_uoa_parse_options(p + sizeof(struct toa_opphdr),
					    hdrlen - sizeof(struct toa_opphdr), &out->uoa);
	if (out->version != TOA_UOA_OPP_V4 && out->version != TOA_UOA_OPP_V6)
		out->result = TOA_UOA_MALFORMED;
	return 0;
}
