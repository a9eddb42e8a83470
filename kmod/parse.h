/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The TOA option parser: a pure function with no kernel types, compiled into the
 * module and into the userspace unit tests and fuzz target.
 */
#ifndef TOA_PARSE_H
#define TOA_PARSE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#endif

struct toa_parsed {
	uint8_t family;   /* 4 or 6 */
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

/*
 * opts/optlen: the TCP options (the bytes after the fixed 20-byte header).
 * enabled: bit mask of enum toa_format (TOA_FMT_BIT()).
 */
int toa_parse_options(const uint8_t *opts, size_t optlen, uint32_t enabled,
		      struct toa_parsed *out);

#endif
