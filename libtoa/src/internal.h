/* SPDX-License-Identifier: MIT */
/* libtoa's internal helpers, shared by its C sources (hidden: not exported). */
#ifndef TOA_INTERNAL_H
#define TOA_INTERNAL_H

#include "toa/toa.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct toa_http_client;
struct toa_proxy_header;

/* toa_proxy_read(); take 0: only peek (a whole header is left in the socket). */
int toa__proxy_read(int fd, int timeout_ms, void *buf, size_t len, struct toa_proxy_header *out,
		    int take);

/* An endpoint from raw bytes (4 or 16) and a network-order port; IPv4-mapped -> IPv4. */
void toa__ep_set(struct toa_endpoint *ep, int family, const uint8_t *addr, uint16_t port_be,
		 uint32_t scope_id);

/* Copies n characters of s and a NUL into buf (len bytes): n, or TOA_E_NO_SPACE. */
int toa__emit(const char *s, size_t n, char *buf, size_t len);

/* toa_http_parse() with the trust decided by trusted(ctx, ep) (1: a trusted proxy). */
int toa__http_parse(const char *buf, size_t len, const struct toa_endpoint *peer,
		    int (*trusted)(const void *ctx, const struct toa_endpoint *ep),
		    const void *ctx, unsigned headers, struct toa_http_client *out);

/* The start of every parser: *out cleared; TOA_E_INVALID when out or in is NULL. */
static inline int toa__start(void *out, size_t size, const void *in)
{
	if (!out)
		return TOA_E_INVALID;
	memset(out, 0, size);
	return in ? 0 : TOA_E_INVALID;
}

/* Does buf (len bytes) begin with magic (n bytes)? 0 yes, TOA_E_INCOMPLETE when it is
 * shorter and so far the same, TOA_E_NOT_PRESENT when it differs. */
static inline int toa__magic(const void *buf, size_t len, const void *magic, size_t n)
{
	if (memcmp(buf, magic, len < n ? len : n) != 0)
		return TOA_E_NOT_PRESENT;
	return len < n ? TOA_E_INCOMPLETE : 0;
}

static inline uint16_t toa__be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif /* TOA_INTERNAL_H */
