// SPDX-License-Identifier: MIT
// Fuzz target: what toa-inspect reads from the kernel.
//
// Input: byte 0 selects the reply (bit 0: the controller's answer to
// CTRL_CMD_GETFAMILY, else an answer of the family "toa"); byte 1 splits the
// rest into two datagrams (at byte1 * size / 256); the rest is the bytes
// received. They go through nl::feed() as the tool receives them and through
// nl::decode_toa_message(); whatever parsed is then printed in every format,
// and the JSON must be valid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <sstream>

#include "json_check.h"
#include "nlmsg.h"
#include "output.h"

using namespace toa_inspect;

namespace {

constexpr uint16_t kFamilyId = 0x1e; // as in the seeds (tests/fake_kernel.h)

void check_json(const std::string &s)
{
	std::string why;
	if (!testing::json_valid(s, &why)) {
		std::fprintf(stderr, "invalid JSON (%s): %s\n", why.c_str(), s.c_str());
		std::abort();
	}
}

void print_everything(const nl::Reply &r)
{
	std::ostringstream os;
	std::string version = r.version.value_or("");
	if (r.stats) {
		print_stats_human(os, *r.stats);
		print_stats_prometheus(os, version, *r.stats);
		std::ostringstream js;
		print_stats_json(js, version, *r.stats);
		check_json(js.str());
	}
	if (r.config) {
		print_config_human(os, *r.config);
		std::ostringstream js;
		print_config_json(js, *r.config);
		check_json(js.str());
		Status st;
		st.loaded = true;
		st.version = version;
		st.config = *r.config;
		if (r.family)
			st.family = *r.family;
		print_status_human(os, st);
		std::ostringstream ss;
		print_status_json(ss, st);
		check_json(ss.str());
	}
	if (!r.conns.empty()) {
		print_conns_human(os, r.conns, true);
		print_conn_human(os, r.conns.front());
		std::ostringstream js;
		print_conns_json(js, r.conns);
		check_json(js.str());
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	bool ctrl = data[0] & 1;
	const uint8_t *buf = data + 2;
	size_t len = size - 2;
	size_t split = len * data[1] / 256;

	nl::Reply r;
	r.kind = ctrl ? nl::ReplyKind::ctrl : nl::ReplyKind::toa;
	r.msg_type = ctrl ? 0x10 /* GENL_ID_CTRL */ : kFamilyId;
	if (split == 0 || nl::feed(r, buf, split))
		nl::feed(r, buf + split, len - split);
	print_everything(r);

	nl::Reply d;
	d.kind = r.kind;
	nl::decode_toa_message(buf, len, d);
	print_everything(d);
	return 0;
}
