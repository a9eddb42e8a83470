// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Walks a TCP option list the way the kernel's tcp_parse_options() does: EOL ends the
 * list, NOP is one byte, every other option needs a length of at least 2 that fits in
 * what is left. Where the kernel gives up, so do we, with no address.
 */
#include "parse.h"
#include "toa/uapi.h"

#ifdef __KERNEL__
#include <linux/string.h>
#else
#include <string.h>
#endif

#define TCPOPT_USER_TIMEOUT_ 28
#define TCPOLEN_USER_TIMEOUT_ 4

struct toa_format_desc {
	uint8_t kind;
	uint8_t len;
	uint8_t family;
};

static const struct toa_format_desc toa_formats[__TOA_FMT_MAX] = {
	[TOA_FMT_254_8] = { 254, 8, 4 },   [TOA_FMT_254_20] = { 254, 20, 6 },
	[TOA_FMT_200_8] = { 200, 8, 4 },   [TOA_FMT_253_20] = { 253, 20, 6 },
	[TOA_FMT_253_8] = { 253, 8, 4 },   [TOA_FMT_249_40] = { 249, 40, 6 },
	[TOA_FMT_28_7] = { 28, 7, 4 },
};

/* The format of (kind, len), or -1; *kind_mask gets the formats that use this kind. */
static int toa_format_of(uint8_t kind, uint8_t len, uint32_t *kind_mask)
{
	int a, b; /* the (at most two) formats of this kind, as in toa_formats */

	switch (kind) {
	case 254:
		a = TOA_FMT_254_8, b = TOA_FMT_254_20;
		break;
	case 253:
		a = TOA_FMT_253_8, b = TOA_FMT_253_20;
		break;
	case 200:
		a = b = TOA_FMT_200_8;
		break;
	case 249:
		a = b = TOA_FMT_249_40;
		break;
	case 28:
		a = b = TOA_FMT_28_7;
		break;
	default:
		*kind_mask = 0;
		return -1;
	}
	*kind_mask = TOA_FMT_BIT(a) | TOA_FMT_BIT(b);
	if (toa_formats[a].len == len)
		return a;
	return toa_formats[b].len == len ? b : -1;
}

static int toa_decode(const uint8_t *opt, int f, struct toa_parsed *out)
{
	const struct toa_format_desc *d = &toa_formats[f];

	memset(out, 0, sizeof(*out));
	out->family = d->family;
	out->kind = d->kind;
	out->len = d->len;
	out->format = (uint8_t)f;
	if (f == TOA_FMT_28_7) {
		if (opt[2] != 1) /* version */
			return TOA_PARSE_MALFORMED;
		memcpy(out->addr, opt + 3, 4);
		return TOA_PARSE_FOUND;
	}
	memcpy(out->port, opt + 2, 2);
	memcpy(out->addr, opt + 4, d->family == 4 ? 4 : 16);
	return TOA_PARSE_FOUND;
}

int toa_parse_options(const uint8_t *opts, size_t optlen, uint32_t enabled,
		      struct toa_parsed *out)
{
	size_t off;

	/* The walk itself (EOL, NOP, lengths) is toa_options_skip()'s: it stops at each
	 * option of a TOA kind and where the list turns malformed. */
	while ((off = toa_options_skip(opts, optlen)) < optlen) {
		const uint8_t *p = opts + off;
		size_t left = optlen - off;
		uint8_t kind = p[0], len;
		uint32_t kind_mask;
		int f;

		if (left < 2 || p[1] < 2 || p[1] > left)
			return TOA_PARSE_MALFORMED;
		len = p[1];
		f = toa_format_of(kind, len, &kind_mask);
		if (f >= 0) {
			if (enabled & TOA_FMT_BIT(f))
				return toa_decode(p, f, out);
		} else if ((enabled & kind_mask) &&
			   !(kind == TCPOPT_USER_TIMEOUT_ && len == TCPOLEN_USER_TIMEOUT_)) {
			/* an enabled TOA kind with a length none of its formats has */
			return TOA_PARSE_MALFORMED;
		}
		opts = p + len;
		optlen = left - len;
	}
	return TOA_PARSE_NONE;
}
