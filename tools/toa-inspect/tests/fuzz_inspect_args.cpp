// SPDX-License-Identifier: MIT
// Fuzz target: what toa-inspect reads from its command line.
//
// Input: arguments separated by NUL bytes. Each goes through the text
// parsers; the whole vector runs through run_cli() against a fake module
// (loaded, with connections), whose output must be valid JSON whenever
// --json was asked for and the command succeeded.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "fake_kernel.h"
#include "json_check.h"
#include "text.h"

using namespace toa_inspect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	std::vector<std::string> args;
	std::string cur;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == 0) {
			args.push_back(cur);
			cur.clear();
		} else {
			cur += static_cast<char>(data[i]);
		}
	}
	args.push_back(cur);
	if (args.size() > 64)
		return 0;

	for (const auto &a : args) {
		parse_address(a);
		parse_cidr(a, true);
		parse_cidr(a, false);
		parse_cidr_list(a, true);
		parse_endpoint(a);
		parse_formats(a);
		parse_switch(a);
		parse_port(a);
		parse_u64(a);
	}

	testing::FakeKernel kernel;
	kernel.conns = {testing::sample_conn_v4(), testing::sample_conn_v6()};
	kernel.admin = !(size & 1);
	std::ostringstream out, err;
	Context ctx{out, err};
	ctx.open = [&](int *) { return kernel.transport(); };
	int rc = run_cli(args, ctx);
	if (rc != EXIT_OK && rc != EXIT_ERROR && rc != EXIT_USAGE)
		std::abort();
	bool json = false, help = false;
	for (const auto &a : args) {
		json |= a == "--json";
		help |= a == "--help" || a == "-h" || a == "help" || a == "--version" || a == "-V";
	}
	if (rc == EXIT_OK && json && !help) {
		std::string why;
		if (!testing::json_valid(out.str(), &why)) {
			std::fprintf(stderr, "invalid JSON (%s): %s\n", why.c_str(), out.str().c_str());
			std::abort();
		}
	}
	// Errors are one line.
	const std::string e = err.str();
	if (!e.empty() && e.find('\n') != e.size() - 1)
		std::abort();
	return 0;
}
