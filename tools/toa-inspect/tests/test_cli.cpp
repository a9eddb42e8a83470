// SPDX-License-Identifier: MIT
// Whole subcommands against a fake kernel.
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "cli.h"
#include "fake_kernel.h"
#include "json_check.h"
#include "kernel_log.h"
#include "nlmsg.h"
#include "subcommands.h"

using namespace toa_inspect;
using namespace toa_inspect::testing;

namespace {

struct Result {
	int rc;
	std::string out, err;
};

class Cli : public ::testing::Test {
protected:
	FakeKernel kernel;
	bool socket_fails = false;
	int opened = 0;
	bool with_log = false;         // give the CLI a kernel log
	std::vector<std::string> kmsg; // its messages
	std::string kmsg_err;          // non-empty: the log is not readable

	Result run(std::vector<std::string> args)
	{
		std::ostringstream out, err;
		Context ctx{out, err};
		ctx.open = [this](int *e) -> std::unique_ptr<Transport> {
			opened++;
			if (socket_fails) {
				*e = EPROTONOSUPPORT;
				return nullptr;
			}
			return kernel.transport();
		};
		if (with_log)
			ctx.kernel_log = [this](std::vector<std::string> &m, std::string &e) {
				m = kmsg;
				e = kmsg_err;
				return kmsg_err.empty();
			};
		int rc = run_cli(args, ctx);
		return {rc, out.str(), err.str()};
	}

	// The commands (genl cmd) the fake kernel was sent, after the family lookup.
	std::vector<int> commands() const
	{
		std::vector<int> cmds;
		for (const auto &r : kernel.requests) {
			const auto *nlh = reinterpret_cast<const nlmsghdr *>(r.data());
			if (nlh->nlmsg_type == kFamilyId)
				cmds.push_back(static_cast<const genlmsghdr *>(mnl_nlmsg_get_payload(nlh))->cmd);
		}
		return cmds;
	}
};

const char kNotLoaded[] =
	"toa-inspect: the toa module is not loaded (no generic netlink family \"toa\")\n";

} // namespace

// ---- module not loaded ----------------------------------------------------------------

TEST_F(Cli, StatusNotLoaded)
{
	kernel.loaded = false;
	Result r = run({"status"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, kNotLoaded);
	EXPECT_EQ(r.out, "");
}

TEST_F(Cli, StatusNotLoadedJson)
{
	kernel.loaded = false;
	Result r = run({"status", "--json"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.out, "{\"loaded\":false}\n");
	EXPECT_EQ(r.err, kNotLoaded);
	r = run({"--json"}); // status is the default
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.out, "{\"loaded\":false}\n");
}

TEST_F(Cli, LastLoadFailureIsTheLastSinceASuccess)
{
	EXPECT_EQ(last_load_failure({}), "");
	EXPECT_EQ(last_load_failure({"toa: toa load success: formats=254/8", "toa: toa unload success"}), "");
	const std::string hook = "toa: cannot load: kernel function tcp_create_openreq_child cannot "
				 "be hooked (-22)";
	EXPECT_EQ(last_load_failure({"toa: toa load success: x", "toa: toa unload success", hook,
				     "toa: load failed: -22", "e1000: link up"}),
		  hook);
	EXPECT_EQ(last_load_failure({hook, "toa: toa load success: formats=254/8"}), "");
	// Another module's words are not ours.
	EXPECT_EQ(last_load_failure({"uoa: cannot load: x", "xtoa: cannot load: y"}), "");
}

TEST_F(Cli, StatusNotLoadedNamesTheLastFailedLoad)
{
	kernel.loaded = false;
	with_log = true;
	kmsg = {"toa: toa load success: formats=254/8", "toa: toa unload success",
		"toa: cannot load: ftrace refused the hook on security_inet_conn_request (-16): is "
		"sysctl kernel.ftrace_enabled 0, or does a livepatch hold it?",
		"toa: load failed: -16"};
	Result r = run({"status"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.out, "");
	EXPECT_EQ(r.err, std::string(kNotLoaded) + "toa-inspect: its last load failed: " + kmsg[2] + "\n");
	r = run({"status", "--json"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.out, "{\"loaded\":false,\"last_load_error\":\"toa: cannot load: ftrace refused "
			 "the hook on security_inet_conn_request (-16): is sysctl kernel.ftrace_enabled "
			 "0, or does a livepatch hold it?\"}\n");
	// Loaded again since: nothing to name.
	kmsg.push_back("toa: toa load success: formats=254/8");
	r = run({"status", "--json"});
	EXPECT_EQ(r.out, "{\"loaded\":false}\n");
	// Without access to the log it says where the reason would be.
	kmsg_err = "/dev/kmsg: Operation not permitted";
	r = run({"status"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, std::string(kNotLoaded) +
				 "toa-inspect: the kernel log, which names why a load failed, is not "
				 "readable here (/dev/kmsg: Operation not permitted)\n");
}

TEST_F(Cli, EverySubcommandSaysNotLoaded)
{
	kernel.loaded = false;
	for (auto args : std::vector<std::vector<std::string>>{
		     {"stats"}, {"stats", "--prometheus"}, {"conns"}, {"config"}, {"config", "show"},
		     {"config", "set", "transparent", "off"},
		     {"lookup", "10.0.0.5:80", "10.0.0.1:4000"}}) {
		Result r = run(args);
		EXPECT_EQ(r.rc, 1) << args[0];
		EXPECT_EQ(r.err, kNotLoaded) << args[0];
		EXPECT_EQ(r.out, "") << args[0];
	}
}

TEST_F(Cli, NoNetlinkSocket)
{
	socket_fails = true;
	Result r = run({"status"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, std::string("toa-inspect: cannot open a generic netlink socket: ") +
				 std::strerror(EPROTONOSUPPORT) + "\n");
}

// ---- status, config show ----------------------------------------------------------------

TEST_F(Cli, Status)
{
	Result r = run({"status"});
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_EQ(r.err, "");
	EXPECT_EQ(r.out, "module:      loaded, version " TOA_VERSION_STRING
			 " (generic netlink family \"toa\", id 30, version 1)\n"
			 "formats:     254/8 254/20 200/8 253/20 253/8 (off: 249/40 28/7)\n"
			 "transparent: on\n"
			 "syn:         off\n"
			 "guard:       off\n"
			 "trusted:     any source (empty list)\n");
	EXPECT_EQ(commands(), std::vector<int>{TOA_CMD_GET_CONFIG});
}

TEST_F(Cli, StatusJson)
{
	kernel.config.trusted = std::vector<Cidr>{cidr("198.51.100.0/24")};
	for (auto args : std::vector<std::vector<std::string>>{{"status", "--json"},
							       {"--json", "status"}}) {
		Result r = run(args);
		EXPECT_EQ(r.rc, 0);
		EXPECT_TRUE(json_valid(r.out)) << r.out;
		EXPECT_NE(r.out.find(R"("loaded":true,"version":")" TOA_VERSION_STRING), std::string::npos);
		EXPECT_NE(r.out.find(R"("trusted":["198.51.100.0/24"])"), std::string::npos) << r.out;
	}
}

TEST_F(Cli, ConfigShow)
{
	Result a = run({"config"});
	Result b = run({"config", "show"});
	EXPECT_EQ(a.rc, 0);
	EXPECT_EQ(a.out, b.out);
	EXPECT_EQ(a.out, "formats:     254/8 254/20 200/8 253/20 253/8 (off: 249/40 28/7)\n"
			 "transparent: on\n"
			 "syn:         off\n"
			 "guard:       off\n"
			 "trusted:     any source (empty list)\n");
	Result j = run({"config", "show", "--json"});
	EXPECT_EQ(j.out,
		  R"({"formats":["254/8","254/20","200/8","253/20","253/8"],"formats_mask":31,"transparent":true,"syn":false,"guard":false,"trusted":[]})"
		  "\n");
}

// ---- stats --------------------------------------------------------------------------------

TEST_F(Cli, Stats)
{
	Result r = run({"stats"});
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "syn_recv_sock_toa     0");
	EXPECT_NE(r.out.find("\nsockopt_no_toa        220\n"), std::string::npos) << r.out;
	EXPECT_EQ(commands(), std::vector<int>{TOA_CMD_GET_STATS});
}

TEST_F(Cli, StatsJsonAndPrometheus)
{
	kernel.stats.counters[TOA_STAT_SYN_RECV_SOCK_TOA] = 3;
	Result j = run({"stats", "--json"});
	EXPECT_EQ(j.rc, 0);
	EXPECT_TRUE(json_valid(j.out));
	EXPECT_NE(j.out.find(R"("counters":{"syn_recv_sock_toa":3,)"), std::string::npos);
	Result p = run({"stats", "--prometheus"});
	EXPECT_EQ(p.rc, 0);
	EXPECT_NE(p.out.find("\ntoa_syn_recv_sock_toa_total 3\n"), std::string::npos) << p.out;
	EXPECT_NE(p.out.find("# TYPE toa_untrusted_total counter\n"), std::string::npos);
	Result both = run({"stats", "--json", "--prometheus"});
	EXPECT_EQ(both.rc, 2);
	EXPECT_EQ(both.err, "toa-inspect: --json and --prometheus exclude each other\n");
}

// ---- conns --------------------------------------------------------------------------------

TEST_F(Cli, ConnsAndFilters)
{
	Conn a = sample_conn_v4();
	Conn b = sample_conn_v4();
	b.local->port = 9090;
	b.client = ep("198.51.100.9", 8080);
	b.peer = ep("10.0.1.1", 1234);
	Conn c = sample_conn_v6();
	kernel.conns = {a, b, c};
	kernel.conns_per_datagram = 1;

	auto rows = [&](std::vector<std::string> args) {
		args.insert(args.begin(), "conns");
		args.push_back("--no-header");
		Result r = run(args);
		EXPECT_EQ(r.rc, 0) << r.err;
		std::vector<std::string> locals;
		std::istringstream in(r.out);
		std::string line;
		while (std::getline(in, line))
			locals.push_back(line.substr(0, line.find(' ')));
		return locals;
	};
	using V = std::vector<std::string>;
	EXPECT_EQ(rows({}), (V{"10.0.0.5:8080", "10.0.0.5:9090", "[2001:db8::5]:443"}));
	EXPECT_EQ(rows({"--port", "8080"}), (V{"10.0.0.5:8080", "10.0.0.5:9090"})); // local or client
	EXPECT_EQ(rows({"--port=443"}), (V{"[2001:db8::5]:443"}));
	EXPECT_EQ(rows({"--client", "203.0.113.0/24"}), (V{"10.0.0.5:8080"}));
	EXPECT_EQ(rows({"--client", "203.0.113.0/24", "--client", "198.51.100.9"}),
		  (V{"10.0.0.5:8080", "10.0.0.5:9090"}));
	EXPECT_EQ(rows({"--lb", "10.0.1.0/24"}), (V{"10.0.0.5:9090"}));
	EXPECT_EQ(rows({"--peer", "2001:db8::/32"}), (V{"[2001:db8::5]:443"}));
	EXPECT_EQ(rows({"--local", "10.0.0.5", "--port", "9090"}), (V{"10.0.0.5:9090"}));
	EXPECT_EQ(rows({"--local", "10.0.0.5", "--client", "2001:db8::/32"}), V{});
	EXPECT_EQ(rows({"--netns", "4026532000"}), (V{"[2001:db8::5]:443"}));
	EXPECT_EQ(commands().front(), TOA_CMD_GET_CONN);

	Result h = run({"conns", "--port", "443"});
	EXPECT_EQ(h.out.substr(0, 5), "LOCAL");
	Result j = run({"conns", "--json", "--client", "2001:db8:beef::/48"});
	EXPECT_TRUE(json_valid(j.out)) << j.out;
	EXPECT_NE(j.out.find(R"("client":{"family":"inet6","addr":"2001:db8:beef::7","port":60001})"),
		  std::string::npos)
		<< j.out;
}

TEST_F(Cli, ConnsInterruptedDumpIsRestarted)
{
	kernel.conns = {sample_conn_v4()};
	kernel.interrupt_dumps = 1;
	Result r = run({"conns", "--no-header"});
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
	EXPECT_EQ(commands(), (std::vector<int>{TOA_CMD_GET_CONN, TOA_CMD_GET_CONN}));

	kernel.interrupt_dumps = 100;
	r = run({"conns"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, "toa-inspect: listing connections: the connection table kept changing "
			 "during the dump; try again\n");
}

TEST_F(Cli, ConnsNeedsAdmin)
{
	kernel.admin = false;
	Result r = run({"conns"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, "toa-inspect: listing connections: permission denied (needs CAP_NET_ADMIN)\n");
	kernel.capped = true;
	r = run({"lookup", "10.0.0.5:8080", "10.0.0.1:40312"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err,
		  "toa-inspect: looking up the connection: permission denied (needs CAP_NET_ADMIN)\n");
}

// ---- lookup ---------------------------------------------------------------------------------

TEST_F(Cli, Lookup)
{
	kernel.conns = {sample_conn_v4(), sample_conn_v6()};
	Result r = run({"lookup", "[2001:db8::5]:443", "[2001:db8::1]:50000"});
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_NE(r.out.find("client:  [2001:db8:beef::7]:60001\n"), std::string::npos) << r.out;
	Result j = run({"--json", "lookup", "10.0.0.5:8080", "10.0.0.1:40312"});
	EXPECT_EQ(j.rc, 0);
	EXPECT_TRUE(json_valid(j.out));
	EXPECT_EQ(j.out.substr(0, 10), "{\"local\":{");
	EXPECT_NE(j.out.find(R"("format":"254/8","packet":"syn","age_ms":3250)"), std::string::npos);
}

TEST_F(Cli, LookupNotFound)
{
	kernel.conns = {sample_conn_v4()};
	Result r = run({"lookup", "10.0.0.5:8080", "10.0.0.1:1"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, "toa-inspect: no TOA connection with that 4-tuple\n");
	EXPECT_EQ(r.out, "");
}

TEST_F(Cli, LookupBadUsage)
{
	struct {
		std::vector<std::string> args;
		const char *err;
	} cases[] = {
		{{"lookup"}, "lookup needs LOCAL and PEER (see toa-inspect lookup --help)"},
		{{"lookup", "10.0.0.5:80"}, "lookup needs LOCAL and PEER (see toa-inspect lookup --help)"},
		{{"lookup", "10.0.0.5:80", "10.0.0.1:1", "x"}, "unexpected argument \"x\" for lookup"},
		{{"lookup", "2001:db8::5:443", "10.0.0.1:1"},
		 "bad endpoint \"2001:db8::5:443\" (expected ADDR:PORT, an IPv6 address as [ADDR]:PORT)"},
		{{"lookup", "10.0.0.5:80", "[2001:db8::1]:1"},
		 "LOCAL \"10.0.0.5:80\" and PEER \"[2001:db8::1]:1\" are of different address families"},
	};
	for (const auto &c : cases) {
		Result r = run(c.args);
		EXPECT_EQ(r.rc, 2) << c.err;
		EXPECT_EQ(r.err, std::string("toa-inspect: ") + c.err + "\n");
	}
	EXPECT_EQ(opened, 0); // bad usage never reaches the kernel
}

// ---- config set ---------------------------------------------------------------------------

TEST_F(Cli, ConfigSetSendsOnlyWhatIsGiven)
{
	Result r = run({"config", "set", "transparent", "off"});
	EXPECT_EQ(r.rc, 0) << r.err;
	ASSERT_EQ(kernel.changes.size(), 1u);
	EXPECT_EQ(kernel.changes[0].transparent, false);
	EXPECT_FALSE(kernel.changes[0].formats);
	EXPECT_FALSE(kernel.changes[0].trusted);
	EXPECT_EQ(r.out, "formats:     254/8 254/20 200/8 253/20 253/8 (off: 249/40 28/7)\n"
			 "transparent: off\n"
			 "syn:         off\n"
			 "guard:       off\n"
			 "trusted:     any source (empty list)\n");
}

TEST_F(Cli, ConfigSetSeveral)
{
	Result r = run({"config", "set", "formats", "254/8,200/8", "trusted",
		     "198.51.100.0/24,2001:db8:ff::/48", "transparent", "on", "--json"});
	EXPECT_EQ(r.rc, 0) << r.err;
	ASSERT_EQ(kernel.changes.size(), 1u);
	const Config &c = kernel.changes[0];
	EXPECT_EQ(c.formats, TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_200_8));
	EXPECT_EQ(c.transparent, true);
	EXPECT_EQ(c.trusted,
		  (std::vector<Cidr>{cidr("198.51.100.0/24"), cidr("2001:db8:ff::/48")}));
	EXPECT_EQ(r.out,
		  R"({"formats":["254/8","200/8"],"formats_mask":5,"transparent":true,"syn":false,"guard":false,"trusted":["198.51.100.0/24","2001:db8:ff::/48"]})"
		  "\n");
}

TEST_F(Cli, ConfigSetTrustedNoneOrEmpty)
{
	kernel.config.trusted = std::vector<Cidr>{cidr("10.0.0.0/8")};
	for (const char *v : {"none", ""}) {
		Result r = run({"config", "set", "trusted", v});
		EXPECT_EQ(r.rc, 0);
		ASSERT_TRUE(kernel.changes.back().trusted);
		EXPECT_TRUE(kernel.changes.back().trusted->empty());
		EXPECT_NE(r.out.find("trusted:     any source"), std::string::npos);
	}
}

TEST_F(Cli, ConfigSetWhenTheModuleOnlyAcks)
{
	kernel.set_replies = false;
	Result r = run({"config", "set", "formats", "all"});
	EXPECT_EQ(r.rc, 0) << r.err;
	EXPECT_NE(r.out.find("formats:     254/8 254/20 200/8 253/20 253/8 249/40 28/7\n"),
		  std::string::npos);
	EXPECT_EQ(commands(), (std::vector<int>{TOA_CMD_SET_CONFIG, TOA_CMD_GET_CONFIG}));
}

TEST_F(Cli, ConfigSetNeedsAdmin)
{
	kernel.admin = false;
	Result r = run({"config", "set", "transparent", "on"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, "toa-inspect: changing the configuration: permission denied (needs "
			 "CAP_NET_ADMIN)\n");
}

TEST_F(Cli, ConfigSetRefusedWithExtack)
{
	for (bool capped : {true, false}) {
		kernel.capped = capped;
		kernel.set_error = EINVAL;
		kernel.set_extack = "trusted CIDR 3: prefix too long";
		Result r = run({"config", "set", "trusted", "10.0.0.0/8"});
		EXPECT_EQ(r.rc, 1);
		EXPECT_EQ(r.err, std::string("toa-inspect: changing the configuration: ") +
					 std::strerror(EINVAL) +
					 " (kernel: trusted CIDR 3: prefix too long)\n");
	}
}

TEST_F(Cli, KernelTextStaysOnOneLine)
{
	kernel.set_error = EINVAL;
	kernel.set_extack = "two\nlines\x1b[0m";
	Result r = run({"config", "set", "transparent", "on"});
	EXPECT_EQ(r.rc, 1);
	EXPECT_EQ(r.err, std::string("toa-inspect: changing the configuration: ") +
				 std::strerror(EINVAL) + " (kernel: two\\nlines\\x1b[0m)\n");
	kernel.version = "0.1\n";
	r = run({"status"});
	EXPECT_EQ(r.out.substr(0, r.out.find('\n')).substr(0, 40),
		  "module:      loaded, version 0.1\\n (gene");
}

TEST_F(Cli, ConfigSetBadUsage)
{
	std::string too_many;
	for (int i = 0; i <= TOA_TRUSTED_MAX_CIDRS; i++)
		too_many += (i ? "," : "") + std::string("10.0.") + std::to_string(i) + ".0/24";
	struct {
		std::vector<std::string> args;
		std::string err;
	} cases[] = {
		{{"config", "set", "trusted", "300.1.2.3/33"}, "bad CIDR \"300.1.2.3/33\""},
		{{"config", "set", "trusted", "10.0.0.0/8,2001:db8::/129"}, "bad CIDR \"2001:db8::/129\""},
		{{"config", "set", "trusted", "198.51.100.1/24"},
		 "bad CIDR \"198.51.100.1/24\" (host bits set; 198.51.100.0/24?)"},
		{{"config", "set", "trusted", too_many}, "too many trusted CIDRs: 65 (at most 64)"},
		{{"config", "set", "formats", "254/8,254/9"},
		 "bad format \"254/9\" (known: 254/8, 254/20, 200/8, 253/20, 253/8, 249/40, 28/7, "
		 "default, all, none)"},
		{{"config", "set", "transparent", "maybe"},
		 "bad value \"maybe\" for transparent (on or off)"},
		{{"config", "set", "transparent", "on", "transparent", "off"},
		 "setting \"transparent\" given twice"},
		{{"config", "set", "colour", "blue"},
		 "unknown setting \"colour\" (formats, transparent, syn, guard, trusted)"},
		{{"config", "set", "trusted"}, "setting \"trusted\" needs a value"},
		{{"config", "set"}, "config set needs SETTING VALUE (see toa-inspect config --help)"},
		{{"config", "reset"}, "unknown config action \"reset\" (show or set)"},
		{{"config", "show", "x"}, "unexpected argument \"x\" for config show"},
		{{"config", "--force"},
		 "unknown option \"--force\" for config (see toa-inspect config --help)"},
	};
	for (const auto &c : cases) {
		Result r = run(c.args);
		EXPECT_EQ(r.rc, 2) << c.err;
		EXPECT_EQ(r.err, "toa-inspect: " + c.err + "\n");
		EXPECT_EQ(r.out, "");
	}
	EXPECT_EQ(opened, 0);
}

// ---- the command line -----------------------------------------------------------------------

TEST_F(Cli, HelpEverywhere)
{
	Result top = run({"--help"});
	EXPECT_EQ(top.rc, 0);
	EXPECT_EQ(top.out.rfind("Usage: toa-inspect [--json] [SUBCOMMAND]", 0), 0u);
	EXPECT_EQ(run({"-h"}).out, top.out);
	EXPECT_EQ(run({"help"}).out, top.out);
	for (const Subcommand *s = kSubcommands; s->name; s++) {
		EXPECT_NE(top.out.find(std::string("\n  ") + s->name), std::string::npos) << s->name;
		Result h = run({s->name, "--help"});
		EXPECT_EQ(h.rc, 0) << s->name;
		EXPECT_EQ(h.out.rfind(std::string("Usage: toa-inspect ") + s->name, 0), 0u) << h.out;
		EXPECT_EQ(run({"help", s->name}).out, h.out);
		// Help wins over anything else on the line, even bad arguments.
		EXPECT_EQ(run({s->name, "--bogus", "-h"}).out, h.out);
		EXPECT_EQ(h.err, "");
	}
	EXPECT_EQ(run({"config", "set", "trusted", "300.1.2.3/33", "--help"}).rc, 0);
	EXPECT_EQ(opened, 0);
}

TEST_F(Cli, HelpDocumentsTheJsonFields)
{
	std::string conns = run({"conns", "--help"}).out;
	for (const char *f : {"local", "peer", "client", "family", "addr", "port", "kind", "len",
			      "format", "packet", "age_ms", "netns", "connections"})
		EXPECT_NE(conns.find(f), std::string::npos) << f;
	std::string config = run({"config", "--help"}).out;
	for (const char *f : {"formats", "formats_mask", "transparent", "trusted"})
		EXPECT_NE(config.find(f), std::string::npos) << f;
	std::string status = run({"status", "--help"}).out;
	for (const char *f : {"loaded", "version", "tool_version", "genl", "config"})
		EXPECT_NE(status.find(f), std::string::npos) << f;
	std::string stats = run({"stats", "--help"}).out;
	for (const char *f : {"version", "counters", "syn_recv_sock_toa", "sockopt_no_toa"})
		EXPECT_NE(stats.find(f), std::string::npos) << f;
}

TEST_F(Cli, Version)
{
	Result r = run({"--version"});
	EXPECT_EQ(r.rc, 0);
	EXPECT_EQ(r.out, "toa-inspect " TOA_VERSION_STRING "\n");
	EXPECT_EQ(run({"-V"}).out, r.out);
}

TEST_F(Cli, BadUsage)
{
	struct {
		std::vector<std::string> args;
		std::string err;
	} cases[] = {
		{{"frobnicate"}, "unknown subcommand \"frobnicate\" (see toa-inspect --help)"},
		{{"--frobnicate"}, "unknown option \"--frobnicate\" (see toa-inspect --help)"},
		{{"status", "extra"}, "unexpected argument \"extra\" for status"},
		{{"stats", "--prom"}, "unknown option \"--prom\" for stats (see toa-inspect stats --help)"},
		{{"conns", "--port"}, "option --port needs a value"},
		{{"conns", "--port", "0"}, "bad port \"0\""},
		{{"conns", "--port", "http"}, "bad port \"http\""},
		{{"conns", "--client", "203.0.113.0/33"}, "bad CIDR \"203.0.113.0/33\""},
		{{"conns", "--lb=x"}, "bad CIDR \"x\""},
		{{"conns", "--netns", "-1"}, "bad network namespace inode \"-1\""},
		{{"conns", "8080"}, "unexpected argument \"8080\" for conns"},
		{{"help", "nothing"}, "no help for \"nothing\" (see toa-inspect --help)"},
		{{"sta\ntus"}, "unknown subcommand \"sta\\ntus\" (see toa-inspect --help)"},
		{{"config", "set", "trusted", "10.0.0.0/8\x1b[2J"}, "bad CIDR \"10.0.0.0/8\\x1b[2J\""},
	};
	for (const auto &c : cases) {
		Result r = run(c.args);
		EXPECT_EQ(r.rc, 2) << c.err;
		EXPECT_EQ(r.err, "toa-inspect: " + c.err + "\n");
	}
	EXPECT_EQ(opened, 0);
}

TEST_F(Cli, ModuleSendsGarbage)
{
	// A stats answer whose counters are not u64: a clear error, not a crash.
	class Garbage : public Transport {
	public:
		int step = 0;
		uint32_t portid() const override { return 0; }
		uint32_t next_seq() override { return 0; }
		int send(const void *, size_t) override { return 0; }
		ssize_t recv(void *buf, size_t) override
		{
			Bytes d;
			if (step++ == 0) {
				d = concat({family_reply(0), ack(0, 0)});
			} else {
				Msg m(kFamilyId, 0, 0);
				m.genl(TOA_CMD_GET_STATS);
				nlattr *s = m.nest(TOA_A_STATS);
				m.u16(3, 1).end(s);
				d = m.bytes();
			}
			std::memcpy(buf, d.data(), d.size());
			return static_cast<ssize_t>(d.size());
		}
	};
	std::ostringstream out, err;
	Context ctx{out, err};
	ctx.open = [](int *) -> std::unique_ptr<Transport> { return std::make_unique<Garbage>(); };
	EXPECT_EQ(run_cli({"stats"}, ctx), 1);
	EXPECT_EQ(err.str(), "toa-inspect: reading the counters: malformed reply from the module: "
			     "counter 3 is not a u64\n");
}

TEST_F(Cli, ModuleDoesNotAnswer)
{
	class Silent : public Transport {
	public:
		uint32_t portid() const override { return 0; }
		uint32_t next_seq() override { return 0; }
		int send(const void *, size_t) override { return 0; }
		ssize_t recv(void *, size_t) override { return -EAGAIN; }
	};
	std::ostringstream out, err;
	Context ctx{out, err};
	ctx.open = [](int *) -> std::unique_ptr<Transport> { return std::make_unique<Silent>(); };
	EXPECT_EQ(run_cli({"status"}, ctx), 1);
	EXPECT_EQ(err.str(), "toa-inspect: looking up the generic netlink family: no answer in "
			     "time\n");
}

TEST_F(Cli, ConfigSetSynAndGuard)
{
	Result r = run({"config", "set", "guard", "on", "syn", "on"});
	EXPECT_EQ(r.rc, 0) << r.err;
	ASSERT_EQ(kernel.changes.size(), 1u);
	EXPECT_EQ(kernel.changes[0].guard, true);
	EXPECT_EQ(kernel.changes[0].syn, true);
	EXPECT_FALSE(kernel.changes[0].transparent);
	EXPECT_NE(r.out.find("syn:         on\nguard:       on\n"), std::string::npos) << r.out;
	Result bad = run({"config", "set", "guard", "maybe"});
	EXPECT_EQ(bad.rc, 2);
	EXPECT_EQ(bad.err, "toa-inspect: bad value \"maybe\" for guard (on or off)\n");
}
