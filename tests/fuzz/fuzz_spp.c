// SPDX-License-Identifier: MIT
// libFuzzer target for libtoa's SPP parser: a header that parses rebuilds to the same bytes.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "toa/spp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *b = malloc(size ? size : 1), out[TOA_SPP_LEN];
	struct toa_spp_header h;
	int rc;

	memcpy(b, data, size);
	rc = toa_spp_parse(b, size, &h);
	if (rc > 0) {
		if (rc != TOA_SPP_LEN || !h.client.family || !h.proxy.family)
			abort();
		if (toa_spp_build(&h.client, &h.proxy, out, sizeof(out)) != TOA_SPP_LEN ||
		    memcmp(out, b, TOA_SPP_LEN) != 0)
			abort();
	} else if (rc != TOA_E_NOT_PRESENT && rc != TOA_E_INCOMPLETE && rc != TOA_E_MALFORMED) {
		abort();
	} else if (h.client.family || h.proxy.family) {
		abort();
	}
	free(b);
	return 0;
}
