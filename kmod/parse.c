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

#define TOA_TFO_EXID_0 0xF9 /* RFC 7413's experimental option: 254, len, 0xF989, cookie */
#define TOA_TFO_EXID_1 0x89

struct toa_format_desc {
	uint8_t kind;
	uint8_t len;
	uint8_t family; /* AF_INET or AF_INET6 */
};

/* TOA_FORMATS gives the client's IP version (4 or 6); the module speaks AF_INET /
 * AF_INET6 everywhere else, so the one conversion is here. */
#define TOA_FMT_AF_(fam) ((fam) == 4 ? AF_INET : AF_INET6)
#define TOA_FMT_DESC_(id, k, l, fam, on) [TOA_FMT_##id] = { k, l, TOA_FMT_AF_(fam) },
static const struct toa_format_desc toa_formats[__TOA_FMT_MAX] = { TOA_FORMATS(TOA_FMT_DESC_) };
#undef TOA_FMT_DESC_
#undef TOA_FMT_AF_

/* The format of (kind, len), or -1; *kind_mask gets the formats that use this kind. */
static int toa_format_of(uint8_t kind, uint8_t len, uint32_t *kind_mask)
{
	uint32_t mask = 0;
	int f = -1;

#define TOA_FMT_MATCH_(id, k, l, fam, on)                                                  \
	if (kind == (k)) {                                                                 \
		mask |= TOA_FMT_BIT(TOA_FMT_##id);                                         \
		if (len == (l))                                                            \
			f = TOA_FMT_##id;                                                  \
	}
	TOA_FORMATS(TOA_FMT_MATCH_)
#undef TOA_FMT_MATCH_
	*kind_mask = mask;
	return f;
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
	memcpy(out->addr, opt + 4, d->family == AF_INET ? 4 : 16);
	return TOA_PARSE_FOUND;
}

int toa_parse_options_flags(const uint8_t *opts, size_t optlen, uint32_t enabled,
			    unsigned int flags, struct toa_parsed *out)
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
		if ((flags & TOA_PARSE_F_SYN) && kind == 254 && len >= 4 &&
		    p[2] == TOA_TFO_EXID_0 && p[3] == TOA_TFO_EXID_1) {
			/* a Fast Open cookie (RFC 7413, experimental option), never a client */
		} else if (f >= 0) {
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

/*
 * The guard's walk: every option whose kind and length form a format, enabled or not
 * (a Fast Open cookie on a SYN excepted), is counted and, with @wr, overwritten with
 * NOPs in @wr (a copy of @opts, or @opts itself). The walk stops where the kernel's
 * does: nothing after that point is read by anyone.
 */
static int toa_walk_formats(const uint8_t *opts, size_t optlen, unsigned int flags,
			    uint8_t *wr)
{
	size_t off = 0;
	int n = 0;

	while (off < optlen) {
		uint8_t kind = opts[off], len;
		uint32_t kind_mask;

		if (kind == 0)
			break;
		if (kind == 1) {
			off++;
			continue;
		}
		if (optlen - off < 2)
			break;
		len = opts[off + 1];
		if (len < 2 || len > optlen - off)
			break;
		if (toa_format_of(kind, len, &kind_mask) >= 0 &&
		    !((flags & TOA_PARSE_F_SYN) && kind == 254 && len >= 4 &&
		      opts[off + 2] == TOA_TFO_EXID_0 && opts[off + 3] == TOA_TFO_EXID_1)) {
			n++;
			if (wr)
				memset(wr + off, 1, len);
		}
		off += len;
	}
	return n;
}

int toa_options_count_formats(const uint8_t *opts, size_t optlen, unsigned int flags)
{
	return toa_walk_formats(opts, optlen, flags, NULL);
}

int toa_options_strip(uint8_t *opts, size_t optlen, unsigned int flags)
{
	return toa_walk_formats(opts, optlen, flags, opts);
}
