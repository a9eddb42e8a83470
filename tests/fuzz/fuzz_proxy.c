// SPDX-License-Identifier: MIT
// libFuzzer target for libtoa's PROXY protocol parsers (v1 and v2, with their TLVs) and
// the datagram composition. Checks what must hold for any input.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "toa/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size heap copy, so ASan sees any read past the end */
	uint8_t *b = malloc(size ? size : 1);
	struct toa_proxy_header h, again;
	struct toa_proxy_tlv t, sub;
	struct toa_answer a;
	struct toa_policy_rule rule;
	struct toa_policy pol;
	struct toa_endpoint peer;
	size_t pos = 0, spos, n;
	int rc, r2;

	memcpy(b, data, size);
	rc = toa_proxy_parse(b, size, &h);
	check(rc <= (int)size);
	if (rc > 0) {
		check((uint32_t)rc == h.length && (h.version == 1 || h.version == 2));
		check(h.version != 1 || rc <= TOA_PROXY_V1_MAX);
		/* the header alone parses the same; one byte less is incomplete */
		r2 = toa_proxy_parse(b, (size_t)rc, &again);
		check(r2 == rc && toa_endpoint_equal(&again.src, &h.src));
		check(toa_proxy_parse(b, (size_t)rc - 1, &again) == TOA_E_INCOMPLETE);
		check(h.src.family == 0 || h.command == TOA_PROXY_CMD_PROXY);
		n = 0;
		while ((r2 = toa_proxy_tlv_next(&h, &pos, &t)) == 1) {
			const char *id;
			size_t idlen;
			uint32_t u32;
			uint64_t u64;
			uint8_t client;

			check(t.value >= b && t.value + t.len <= b + rc);
			n += 3 + t.len;
			if (toa_proxy_ssl(&t, &client, &u32) == 0) {
				spos = 0;
				while (toa_proxy_ssl_next(&t, &spos, &sub) == 1)
					check(sub.value >= t.value && sub.value + sub.len <= t.value + t.len);
			}
			if (toa_proxy_aws_vpce_id(&t, &id, &idlen) == 0)
				check((const uint8_t *)id + idlen <= t.value + t.len);
			(void)toa_proxy_azure_link_id(&t, &u32);
			(void)toa_proxy_gcp_psc_id(&t, &u64);
		}
		check(r2 == 0 && n == h.tlvs_len);
	} else {
		check(rc == TOA_E_NOT_PRESENT || rc == TOA_E_INCOMPLETE || rc == TOA_E_MALFORMED ||
		      rc == TOA_E_TOO_LONG || rc == TOA_E_CHECKSUM);
		check(h.version == 0 && h.src.family == 0 && h.tlvs == NULL);
	}

	/* the same bytes as a datagram from an allowed source */
	memset(&rule, 0, sizeof(rule));
	toa_cidr_parse("127.0.0.0/8", &rule.source);
	rule.action = TOA_POLICY_USE;
	memset(&pol, 0, sizeof(pol));
	pol.rules = &rule;
	pol.n_rules = 1;
	toa_endpoint_parse("127.0.0.1:9", &peer);
	rc = toa_resolve_datagram(b, size, &peer, &pol, &a);
	check(rc <= (int)size && a.n_hops >= 1 && a.n_hops <= TOA_MAX_HOPS);
	if (rc >= 0)
		check(a.toa.client.family == AF_INET || a.toa.client.family == AF_INET6);
	free(b);
	return 0;
}
