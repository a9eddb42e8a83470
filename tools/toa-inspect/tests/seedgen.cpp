// SPDX-License-Identifier: MIT
// Writes the seed corpus of the fuzz targets: DIR/attrs (replies as the kernel
// sends them, in the input format of fuzz_inspect_attrs) and DIR/args
// (command lines for fuzz_inspect_args).
#include <linux/genetlink.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fake_kernel.h"
#include "nlmsg.h"

using namespace toa_inspect;
using namespace toa_inspect::testing;

namespace {

int written = 0;

bool write(const std::string &path, const Bytes &b)
{
	std::ofstream out(path, std::ios::binary | std::ios::trunc);
	out.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
	written++;
	return static_cast<bool>(out);
}

// fuzz_inspect_attrs input: mode, split, datagram bytes.
Bytes attrs_input(bool ctrl, uint8_t split, const Bytes &bytes)
{
	Bytes b{static_cast<uint8_t>(ctrl ? 1 : 0), split};
	b.insert(b.end(), bytes.begin(), bytes.end());
	return b;
}

Bytes args_input(const std::vector<std::string> &args)
{
	Bytes b;
	for (size_t i = 0; i < args.size(); i++) {
		if (i)
			b.push_back(0);
		b.insert(b.end(), args[i].begin(), args[i].end());
	}
	return b;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	std::string dir = argv[1];
	for (const std::string &d : {dir, dir + "/attrs", dir + "/args"})
		if (mkdir(d.c_str(), 0755) != 0 && errno != EEXIST) {
			std::perror(d.c_str());
			return 1;
		}
	bool ok = true;
	auto attrs = [&](const char *name, bool ctrl, uint8_t split, const Bytes &bytes) {
		ok &= write(dir + "/attrs/" + name, attrs_input(ctrl, split, bytes));
	};

	// The controller.
	attrs("family", true, 0, concat({family_reply(1), ack(1, 0)}));
	Bytes getfamily = nl::build_get_family(1);
	attrs("family-enoent", true, 0, ack(1, ENOENT, "", &getfamily));

	// Answers of the family, as the fake module gives them.
	FakeKernel k;
	k.conns = {sample_conn_v4(), sample_conn_v6(), sample_conn_v4()};
	k.config.trusted = std::vector<Cidr>{cidr("198.51.100.0/24"), cidr("2001:db8:ff::/48")};
	auto answer = [&](const Bytes &req) { return concat(k.handle(req)); };
	attrs("stats", false, 0, answer(nl::build_simple(kFamilyId, TOA_CMD_GET_STATS, false, 0)));
	attrs("stats-split", false, 200,
	      answer(nl::build_simple(kFamilyId, TOA_CMD_GET_STATS, false, 0)));
	attrs("config", false, 0, answer(nl::build_simple(kFamilyId, TOA_CMD_GET_CONFIG, false, 0)));
	Config change;
	change.transparent = false;
	change.formats = TOA_FMT_ALL;
	attrs("set-config", false, 0, answer(nl::build_set_config(kFamilyId, 0, change)));
	attrs("dump", false, 128, answer(nl::build_simple(kFamilyId, TOA_CMD_GET_CONN, true, 0)));
	attrs("lookup", false, 0,
	      answer(nl::build_lookup(kFamilyId, 0, *sample_conn_v6().local, *sample_conn_v6().peer)));
	Bytes lookup = nl::build_lookup(kFamilyId, 0, *sample_conn_v4().local, ep("10.0.0.1", 1));
	attrs("lookup-enoent", false, 0, answer(lookup));
	attrs("extack-capped", false, 0, ack(0, EINVAL, "trusted CIDR 3: prefix too long"));
	attrs("extack-echo", false, 0, ack(0, EINVAL, "bad", &lookup));
	attrs("done-error", false, 0, done(0, EPERM, "needs CAP_NET_ADMIN"));
	k.admin = false;
	attrs("eperm", false, 0, answer(nl::build_simple(kFamilyId, TOA_CMD_GET_CONN, true, 0)));

	// Command lines.
	const std::vector<std::vector<std::string>> lines = {
		{"status"},
		{"--json", "status"},
		{"stats", "--prometheus"},
		{"stats", "--json"},
		{"conns", "--port", "8080", "--client", "203.0.113.0/24", "--json"},
		{"conns", "--lb=10.0.0.0/8", "--local", "2001:db8::/32", "--netns", "4026531840"},
		{"lookup", "10.0.0.5:8080", "10.0.0.1:40312"},
		{"lookup", "--json", "[2001:db8::5]:443", "[2001:db8::1]:50000"},
		{"config", "show", "--json"},
		{"config", "set", "formats", "254/8,200/8", "transparent", "off", "trusted",
		 "198.51.100.0/24,2001:db8:ff::/48"},
		{"config", "set", "trusted", "none"},
		{"config", "set", "trusted", "300.1.2.3/33"},
		{"conns", "--help"},
		// Found by fuzzing: control characters in a message broke it over lines.
		{"\n", "", "", "", "", "", "", "", "s"},
		{"conns", "--lb=10.0.0.0/8", "-\n\n\n\n\n\n-local", "4002:db8::/3"},
	};
	for (size_t i = 0; i < lines.size(); i++)
		ok &= write(dir + "/args/line" + std::to_string(i), args_input(lines[i]));

	std::printf("wrote %d seeds to %s\n", written, dir.c_str());
	return ok ? 0 : 1;
}
