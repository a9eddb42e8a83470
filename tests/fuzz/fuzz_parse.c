// SPDX-License-Identifier: MIT
// libFuzzer target for the module's option parser. The first 4 bytes pick the enabled
// formats; the rest is the TCP option list. Checks what must hold for any input,
// and that the hooks' fast path (toa_options_skip) changes no answer.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "toa/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toa_parsed p;
	uint32_t enabled;
	uint8_t *opts;
	size_t n;
	int r;

	if (size < 4)
		return 0;
	memcpy(&enabled, data, 4);
	enabled &= TOA_FMT_ALL;
	n = size - 4;
	if (n > 40) /* a TCP header holds at most 40 option bytes */
		n = 40;
	/* an exact-size heap copy, so ASan sees any read past the end */
	opts = malloc(n ? n : 1);
	memcpy(opts, data + 4, n);
	r = toa_parse_options(opts, n, enabled, &p);
	if (r == TOA_PARSE_FOUND) {
		if (!(enabled & TOA_FMT_BIT(p.format)) || (p.family != AF_INET && p.family != AF_INET6))
			abort();
	} else if (r != TOA_PARSE_NONE && r != TOA_PARSE_MALFORMED) {
		abort();
	}
	/* The hooks' fast path: parsing from the skip offset answers the same. */
	{
		size_t off = toa_options_skip(opts, n);
		struct toa_parsed q;

		if (off > n || (off == n && r != TOA_PARSE_NONE))
			abort();
		if (off < n && (toa_parse_options(opts + off, n - off, enabled, &q) != r ||
				(r == TOA_PARSE_FOUND && memcmp(&p, &q, sizeof(p)))))
			abort();
	}
	free(opts);
	return 0;
}
