/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The TOA option parser: a pure function with no kernel types, compiled into the
 * module and into the userspace unit tests and fuzz target.
 */
#ifndef TOA_PARSE_H
#define TOA_PARSE_H

#ifdef __KERNEL__
#include <linux/socket.h> /* AF_INET, AF_INET6 */
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */
#endif
#include "toa/uapi.h"

struct toa_parsed {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t kind;
	uint8_t len;
	uint8_t format;   /* enum toa_format */
	uint8_t port[2];  /* network byte order, as on the wire (0 for 28/7) */
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
};

enum toa_parse_result {
	TOA_PARSE_MALFORMED = -1, /* the list ended the way the kernel's parser gives up */
	TOA_PARSE_NONE = 0,       /* no enabled TOA option */
	TOA_PARSE_FOUND = 1,      /* *out holds the first valid enabled TOA option */
};

/* The options are a SYN's: kind 254 with ExID 0xF989 there is TCP Fast Open's cookie. */
#define TOA_PARSE_F_SYN 0x1

/*
 * opts/optlen: the TCP options (the bytes after the fixed 20-byte header).
 * enabled: bit mask of enum toa_format (TOA_FMT_BIT()); flags: TOA_PARSE_F_*.
 */
int toa_parse_options_flags(const uint8_t *opts, size_t optlen, uint32_t enabled,
			    unsigned int flags, struct toa_parsed *out);

static inline int toa_parse_options(const uint8_t *opts, size_t optlen, uint32_t enabled,
				    struct toa_parsed *out)
{
	return toa_parse_options_flags(opts, optlen, enabled, 0, out);
}

/*
 * For the ingress guard: the options whose kind and length form a format (any format,
 * enabled or not; a SYN's Fast Open cookie excepted), counted, or overwritten with NOPs.
 * Both return how many there were.
 */
int toa_options_count_formats(const uint8_t *opts, size_t optlen, unsigned int flags);
int toa_options_strip(uint8_t *opts, size_t optlen, unsigned int flags);

/* Kinds some format uses (TOA_FORMATS): every other option is skipped without a look. */
static inline int toa_kind_may_be_toa(uint8_t kind)
{
#define TOA_KIND_CASE_(id, k, l, fam, on) || kind == (k)
	return 0 TOA_FORMATS(TOA_KIND_CASE_);
#undef TOA_KIND_CASE_
}

/*
 * The hooks' fast path, inline: the offset of the first option whose kind some format
 * uses, or of the first byte where the list stops being well-formed. Parsing from there
 * answers what parsing the whole list does. @optlen when there is neither (no TOA, not
 * malformed), which is every packet but the load balancer's.
 */
static inline size_t toa_options_skip(const uint8_t *opts, size_t optlen)
{
	size_t off = 0;

	while (off < optlen) {
		uint8_t kind = opts[off], len;

		if (kind == 0) /* EOL */
			return optlen;
		if (kind == 1) { /* NOP */
			off++;
			continue;
		}
		if (optlen - off < 2)
			return off;
		len = opts[off + 1];
		if (len < 2 || len > optlen - off || toa_kind_may_be_toa(kind))
			return off;
		off += len;
	}
	return optlen;
}

#endif
