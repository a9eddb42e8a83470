// SPDX-License-Identifier: MIT
//
// toa-e2e: the module's end-to-end tests, run inside a booted guest kernel with toa.ko
// loaded. The load-balancer simulator (toa::lbsim) speaks TCP through a TUN device; the
// server side is ordinary sockets in this process. Every connection is checked three
// ways: accept()/getpeername() (transparent mode), getsockopt(TOA_SO_GET_CLIENT) and
// getsockopt(TOA_SO_GET_LOOKUP), against what the simulator says it sent; a segment
// that the kernel drops for its options (Linux >= 6.7) must be the one predicted.
//
//   toa-e2e <suite> [options]      (toa-e2e --help lists the suites and their options)
//   toa-e2e as-nobody CMD...       runs CMD without privileges
//
// Prints `RESULT <name> PASS|FAIL <detail>` lines and a last line `e2e: N passed, M failed`.
// An unknown suite or option, or a bad value, is an error (exit 2).
#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "toa_e2e.hpp"

using namespace toa::e2e;

namespace {

// The options of the suites; each suite takes some of them.
constexpr unsigned kCount = 1, kSeconds = 2, kSeed = 4, kWant = 8;

struct Args {
	int count = -1, seconds = 20;
	uint64_t seed = 1;
	std::string want = "toa";
};

struct Suite {
	const char *name;
	unsigned opts;
	void (*run)(const Args &a);
	const char *help;
};

int count_or(const Args &a, int dflt) { return a.count > 0 ? a.count : dflt; }

const Suite kSuites[] = {
	{"formats", 0, [](const Args &) { suite_formats(); },
	 "every format at every position, the formats parameter"},
	{"families", 0, [](const Args &) { suite_families(); },
	 "IPv4, IPv6, NAT64 and dual-stack sockets"},
	{"malformed", 0, [](const Args &) { suite_malformed(); }, "malformed option lists"},
	{"trust", 0, [](const Args &) { suite_trust(); }, "trusted and untrusted sources"},
	{"cookies", 0, [](const Args &) { suite_cookies(); }, "SYN cookies"},
	{"transparent", 0, [](const Args &) { suite_transparent(); },
	 "transparent mode off and on"},
	{"libtoa", 0, [](const Args &) { suite_libtoa(); }, "libtoa's lookup"},
	{"mass", kCount, [](const Args &a) { suite_mass(count_or(a, 10000)); },
	 "--count N (10000) connections alternating with and without TOA"},
	{"stress", kSeconds | kSeed, [](const Args &a) { suite_stress(a.seconds, a.seed); },
	 "--seconds N (20) --seed S: load and faults while the script reloads the module"},
	{"hold", kCount, [](const Args &a) { suite_hold(count_or(a, 8), true); },
	 "--count N (8) TOA connections kept across an rmmod (READY, then /tmp/go)"},
	{"open", kCount, [](const Args &a) { suite_hold(count_or(a, 6), false); },
	 "--count N (6) TOA connections kept open until /tmp/go"},
	{"random", kCount | kSeed,
	 [](const Args &a) { suite_random(count_or(a, 2000), a.seed); },
	 "--count N (2000) --seed S: handshakes with seeded random option lists"},
	{"single", kWant, [](const Args &a) { suite_single(a.want); },
	 "--want toa|none: one IPv4 connection with 200/8"},
};

void usage(FILE *out)
{
	std::fprintf(out, "usage: toa-e2e <suite> [--kernel-minlen N] [options]\n"
			  "       toa-e2e as-nobody CMD...\n"
			  "--kernel-minlen N: the option walk this kernel drops segments in "
			  "(0: none; default: from the release and /proc/kallsyms)\n"
			  "suites:\n");
	for (const Suite &s : kSuites)
		std::fprintf(out, "  %-12s %s\n", s.name, s.help);
}

// A whole decimal (or 0x) number in [lo, hi], else exits 2.
unsigned long long number(const char *opt, const char *v, unsigned long long lo,
			  unsigned long long hi)
{
	char *end = nullptr;
	errno = 0;
	unsigned long long n = std::strtoull(v, &end, 0);
	if (!*v || *end || errno || *v == '-' || n < lo || n > hi) {
		std::fprintf(stderr, "toa-e2e: %s wants a number in [%llu, %llu], got '%s'\n", opt,
			     lo, hi, v);
		std::exit(2);
	}
	return n;
}

// Runs a command as nobody, without capabilities (CAP_NET_ADMIN tests).
int as_nobody(char **cmd)
{
	if (!cmd[0] || setgroups(0, nullptr) || setgid(65534) || setuid(65534)) {
		std::perror("as-nobody");
		return 2;
	}
	execvp(cmd[0], cmd);
	std::perror(cmd[0]);
	return 127;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	std::string name = argv[1];
	if (name == "--help" || name == "-h") {
		usage(stdout);
		return 0;
	}
	if (name == "as-nobody")
		return as_nobody(argv + 2);
	const Suite *suite = nullptr;
	for (const Suite &s : kSuites)
		if (name == s.name)
			suite = &s;
	if (!suite) {
		std::fprintf(stderr, "toa-e2e: unknown suite '%s'\n", name.c_str());
		usage(stderr);
		return 2;
	}
	Args a;
	long minlen = -1;
	for (int i = 2; i < argc; i += 2) {
		std::string o = argv[i];
		unsigned bit = o == "--count" ? kCount : o == "--seconds" ? kSeconds
			     : o == "--seed" ? kSeed : o == "--want" ? kWant : 0;
		if (o != "--kernel-minlen" && !(bit & suite->opts)) {
			std::fprintf(stderr, "toa-e2e %s: unknown option '%s'\n", suite->name,
				     o.c_str());
			return 2;
		}
		if (i + 1 >= argc) {
			std::fprintf(stderr, "toa-e2e %s: %s wants a value\n", suite->name, o.c_str());
			return 2;
		}
		const char *v = argv[i + 1];
		if (o == "--kernel-minlen")
			minlen = long(number(argv[i], v, 0, 40));
		else if (bit == kCount)
			a.count = int(number(argv[i], v, 1, 10000000));
		else if (bit == kSeconds)
			a.seconds = int(number(argv[i], v, 1, 86400));
		else if (bit == kSeed)
			a.seed = number(argv[i], v, 0, ~0ull);
		else if (std::strcmp(v, "toa") && std::strcmp(v, "none")) {
			std::fprintf(stderr, "toa-e2e single: --want toa or none, got '%s'\n", v);
			return 2;
		} else {
			a.want = v;
		}
	}
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	std::string rule = kernel_drop_rule_init();
	if (minlen >= 0) {
		g_kernel_minlen = unsigned(minlen);
		rule += "; --kernel-minlen " + std::to_string(minlen) + " given";
	}
	std::printf("e2e %s: kernel %s\n", suite->name, rule.c_str());
	std::string err;
	if (!g.init(&err)) {
		result(name + "_setup", false, err);
		return 1;
	}
	suite->run(a);
	if (g_strays)
		std::printf("e2e %s: %d stray connections closed\n", suite->name, g_strays);
	std::printf("e2e %s: %d passed, %d failed\n", suite->name, g_pass, g_fail);
	return g_fail ? 1 : 0;
}
