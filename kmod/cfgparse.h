/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The configuration's text: format lists and CIDRs as the parameters write them. Pure
 * functions with no kernel types, compiled into the module and the userspace unit tests.
 */
#ifndef TOA_CFGPARSE_H
#define TOA_CFGPARSE_H

#ifdef __KERNEL__
#include <linux/socket.h> /* AF_INET, AF_INET6 */
#include <linux/types.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */
#endif

struct toa_cidr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t addr[16]; /* masked to prefix */
};

/*
 * "default", "all", "none" (or empty), or a comma-separated list of kind/len names;
 * a trailing newline is allowed. 0 with *mask set, or -EINVAL with the bad name's
 * offset and length at *bad, *bad_len long.
 */
int toa_formats_parse(const char *s, uint32_t *mask, size_t *bad, size_t *bad_len);
/* The names of @mask, comma separated ("none" for 0); the length written (snprintf's). */
int toa_formats_print(char *buf, size_t size, uint32_t mask);

/* "a.b.c.d/n" or "x:y::z/n" (no prefix: a host). Host bits must be zero. */
int toa_cidr_parse(const char *s, size_t len, struct toa_cidr *out);
/* 0 when the prefix fits the family and the host bits are zero. */
int toa_cidr_check(const struct toa_cidr *c);
/* Whether @addr (4 or 16 bytes, of @family: AF_INET or AF_INET6) lies in @c. */
int toa_cidr_contains(const struct toa_cidr *c, uint8_t family, const void *addr);

/*
 * "any", "none", empty, or CIDRs separated by commas and/or spaces. 0 with *n set;
 * -E2BIG past @max; -EINVAL with the bad one's offset and length at *bad, *bad_len long.
 */
int toa_trusted_parse(const char *s, struct toa_cidr *out, unsigned int max, unsigned int *n,
		      size_t *bad, size_t *bad_len);

#endif
