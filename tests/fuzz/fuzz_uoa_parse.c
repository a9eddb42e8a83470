// SPDX-License-Identifier: MIT
// libFuzzer target for the module's UOA parser (kmod/uoa_parse.c). The first byte picks
// the carrier (even: an IPv4 options list, odd: an IP protocol 248 payload); the rest is
// the input. Checks what must hold for any input: the first UOA found is a real one in
// the bytes, the NOP rewrite leaves no kind-31 option and changes nothing else, and an
// opp header that can be stripped lies within the input with a UDP header after it.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "uoa_parse.h"
#include "toa/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_options(const uint8_t *in, size_t n)
{
	struct toa_uoa_parsed p, q;
	uint8_t *opts = malloc(n ? n : 1);
	int r, nops;

	memcpy(opts, in, n);
	r = toa_uoa_parse_options(opts, n, &p);
	if (r == TOA_UOA_FOUND && ((p.family != AF_INET && p.family != AF_INET6) || !p.n_uoa))
		abort();
	if (r != TOA_UOA_FOUND && r != TOA_UOA_NONE && r != TOA_UOA_MALFORMED)
		abort();
	nops = toa_uoa_nop_options(opts, n);
	if ((nops < 0) != (r == TOA_UOA_MALFORMED))
		abort();
	if (nops < 0) {
		if (memcmp(opts, in, n)) /* a broken list stays as it came */
			abort();
	} else {
		/* Only kind-31 options became NOPs: nothing of the kind is left to find. */
		if (toa_uoa_parse_options(opts, n, &q) != TOA_UOA_NONE || q.n_bad || q.n_uoa)
			abort();
		for (size_t i = 0; i < n; i++)
			if (opts[i] != in[i] && opts[i] != 1)
				abort();
	}
	free(opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toa_uoa_opp o;
	uint8_t *buf;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	if (!(data[0] & 1)) {
		check_options(data + 1, n > 40 ? 40 : n); /* an IPv4 header holds 40 */
		return 0;
	}
	buf = malloc(n ? n : 1); /* exact size: ASan sees any read past the end */
	memcpy(buf, data + 1, n);
	if (toa_uoa_parse_opp(buf, n, &o) == 0) {
		if (o.hdrlen < 4 || o.hdrlen + 8 > n || o.protocol != 17)
			abort();
		if (o.result == TOA_UOA_FOUND && o.uoa.family != AF_INET && o.uoa.family != AF_INET6)
			abort();
		check_options(buf + 4, o.hdrlen - 4);
	}
	free(buf);
	return 0;
}
