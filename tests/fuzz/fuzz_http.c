// SPDX-License-Identifier: MIT
// libFuzzer target for libtoa's HTTP header walk (X-Forwarded-For, X-Real-IP, Forwarded).
// The first byte picks the headers read and the peer; the rest is the request head.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "toa/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const nets[] = { "10.0.0.0/8", "127.0.0.0/8", "2001:db8::/32" };
	struct toa_cidr trusted[3];
	struct toa_endpoint peer;
	struct toa_http_client c;
	char *b;
	size_t n;
	int rc, i, j;

	if (size < 1)
		return 0;
	for (i = 0; i < 3; i++)
		toa_cidr_parse(nets[i], &trusted[i]);
	toa_endpoint_parse(data[0] & 0x80 ? "192.0.2.1:1" : "10.0.0.1:1", &peer);
	n = size - 1;
	b = malloc(n ? n : 1);
	memcpy(b, data + 1, n);
	rc = toa_http_parse(b, n, &peer, trusted, (data[0] & 0x40) ? 0 : 3, data[0] & 7, &c);
	check(rc <= (int)n && rc != 0);
	if (rc > 0) {
		int all_trusted = 1;

		check(c.head_len == (uint32_t)rc && c.n_hops >= 2 && c.n_hops <= TOA_MAX_HOPS);
		check(toa_endpoint_equal(&c.hops[0], &c.client));
		check(c.client.family == AF_INET || c.client.family == AF_INET6);
		check(c.header == TOA_HTTP_FORWARDED || c.header == TOA_HTTP_X_FORWARDED_FOR ||
		      c.header == TOA_HTTP_X_REAL_IP);
		/* every hop after the client is a trusted proxy (the walk stopped at it) */
		for (i = 1; i < c.n_hops; i++) {
			int t = 0;
			for (j = 0; j < 3; j++)
				t |= toa_cidr_contains(&trusted[j], &c.hops[i]);
			check(t);
			all_trusted &= t;
		}
		(void)all_trusted;
		/* the head alone gives the same answer */
		{
			struct toa_http_client d;
			check(toa_http_parse(b, (size_t)rc, &peer, trusted, (data[0] & 0x40) ? 0 : 3,
					     data[0] & 7, &d) == rc &&
			      toa_endpoint_equal(&d.client, &c.client));
		}
	}
	free(b);
	return 0;
}
