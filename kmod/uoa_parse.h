/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The UOA carriers' parser (DPVS's UDP Option of Address): pure functions with no
 * kernel types, compiled into the module, the userspace unit tests and a fuzz target.
 */
#ifndef TOA_UOA_PARSE_H
#define TOA_UOA_PARSE_H

#ifdef __KERNEL__
#include <linux/socket.h> /* AF_INET, AF_INET6 */
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */
#endif
#include "toa/uapi.h"

enum toa_uoa_result {
	TOA_UOA_MALFORMED = -1, /* the option list is not well formed: no address */
	TOA_UOA_NONE = 0,       /* no valid UOA option */
	TOA_UOA_FOUND = 1,      /* the first valid UOA option is in *out */
};

struct toa_uoa_parsed {
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint8_t port[2]; /* network byte order */
	uint8_t addr[16];
	uint8_t n_uoa;   /* valid UOA options in the list (more than 1: the first won) */
	uint8_t n_bad;   /* options of kind 31 with a length that is no UOA's */
};

/*
 * @opts/@len: options in the IPv4 options' syntax (those of an IPv4 header, or of an opp
 * header): EOL (0) ends the list, NOP (1) is one byte, every other is kind, length
 * (>= 2, within the list), data. The first option of kind 31 and length 8 or 20 wins.
 */
int toa_uoa_parse_options(const uint8_t *opts, size_t len, struct toa_uoa_parsed *out);

/*
 * Turns every option of kind 31 of a well-formed list into NOPs. Returns 1 when nothing
 * but NOP and EOL is left (the options can go whole), 0 when other options remain, -1
 * when the list is not well formed (nothing changed).
 */
int toa_uoa_nop_options(uint8_t *opts, size_t len);

struct toa_uoa_opp {
	uint16_t hdrlen;  /* the opp header with its options: what to strip */
	uint8_t version;  /* TOA_UOA_OPP_V4 / _V6 (others: result MALFORMED) */
	uint8_t protocol; /* the next header: IPPROTO_UDP (17) */
	int result;       /* enum toa_uoa_result of its options (and version) */
	struct toa_uoa_parsed uoa;
};

/*
 * @p/@avail: the IP payload of a protocol-248 packet. 0 when the opp header can be
 * stripped (length >= 4, within @avail with a whole UDP header after it, next protocol
 * UDP), *out filled; -1 when it cannot (truncated or not UDP): the packet is dropped.
 */
int toa_uoa_parse_opp(const uint8_t *p, size_t avail, struct toa_uoa_opp *out);

#endif
