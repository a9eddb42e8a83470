// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "fake_kernel.h"
#include "json_check.h"
#include "output.h"

using namespace toa_inspect;
using toa_inspect::testing::cidr;
using toa_inspect::testing::json_valid;
using toa_inspect::testing::sample_conn_v4;
using toa_inspect::testing::sample_conn_v6;

TEST(Output, Age)
{
	EXPECT_EQ(age_str(0), "0ms");
	EXPECT_EQ(age_str(999), "999ms");
	EXPECT_EQ(age_str(1000), "1.0s");
	EXPECT_EQ(age_str(3250), "3.2s");
	EXPECT_EQ(age_str(59999), "59.9s");
	EXPECT_EQ(age_str(60000), "1m00s");
	EXPECT_EQ(age_str(245000), "4m05s");
	EXPECT_EQ(age_str(7384000), "2h03m");
	EXPECT_EQ(age_str(86400000ull * 3 + 3600000ull * 4), "3d04h");
	EXPECT_FALSE(age_str(UINT64_MAX).empty());
}

TEST(Output, Pieces)
{
	EXPECT_EQ(packet_str(TOA_PKT_SYN), "syn");
	EXPECT_EQ(packet_str(TOA_PKT_ACK), "ack");
	EXPECT_EQ(packet_str(TOA_PKT_DATA), "data");
	EXPECT_EQ(packet_str(TOA_PKT_UNSPEC), "unspec");
	EXPECT_EQ(packet_str(9), "9");
	EXPECT_EQ(kind_str(254, 8), "254/8");
	EXPECT_EQ(format_names(TOA_FMT_DEFAULT),
		  (std::vector<std::string>{"254/8", "254/20", "200/8", "253/20", "253/8"}));
	EXPECT_EQ(address_str(Address{}), "?");
}

TEST(Output, EveryCounterHasANameAndHelp)
{
	std::set<std::string> names;
	for (size_t i = 0; i < __TOA_STAT_MAX; i++) {
		ASSERT_NE(stat_help(i), nullptr)
			<< "counter " << stat_name(i)
			<< " has no description: add it to kStatHelp in src/output.cpp and to "
			   "toa-inspect.8";
		names.insert(stat_name(i));
	}
	EXPECT_EQ(names.size(), static_cast<size_t>(__TOA_STAT_MAX));
	EXPECT_STREQ(stat_name(TOA_STAT_SYN_RECV_SOCK_TOA), "syn_recv_sock_toa");
	EXPECT_STREQ(stat_name(TOA_STAT_SOCKOPT_NO_TOA), "sockopt_no_toa");
	EXPECT_STREQ(stat_name(__TOA_STAT_MAX), "?");
}

TEST(Output, JsonWriter)
{
	Json j;
	j.begin_object();
	j.key("a").value(static_cast<uint64_t>(1));
	j.key("b").begin_array().value("x").value(true).null().begin_object().end_object().end_array();
	j.key("c").value("quote\" back\\ nl\n tab\t bell\x07 del\x7f");
	j.end_object();
	EXPECT_EQ(j.str(), R"({"a":1,"b":["x",true,null,{}],"c":"quote\" back\\ nl\u000a tab\u0009 bell\u0007 del\u007f"})");
	EXPECT_TRUE(json_valid(j.str()));
}

TEST(Output, JsonReplacesInvalidUtf8)
{
	EXPECT_EQ(Json::quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	EXPECT_EQ(Json::quote("\xff"), "\"\\ufffd\"");
	EXPECT_EQ(Json::quote("\xc3"), "\"\\ufffd\"");
	EXPECT_EQ(Json::quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\""); // surrogate
	EXPECT_EQ(Json::quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");             // overlong
	EXPECT_TRUE(json_valid(Json::quote(std::string("a\0b\xfe\xf0\x9f\x98\x80", 8))));
}

TEST(Output, StatsHuman)
{
	Stats s;
	s.counters[TOA_STAT_SYN_RECV_SOCK_TOA] = 3;
	s.counters[TOA_STAT_UNTRUSTED] = 12345;
	std::ostringstream os;
	print_stats_human(os, s);
	EXPECT_EQ(os.str(), "syn_recv_sock_toa  3\n"
			    "untrusted          12345\n");
}

TEST(Output, StatsJson)
{
	Stats s;
	s.counters[TOA_STAT_SYN_RECV_SOCK_TOA] = 3;
	s.counters[TOA_STAT_CONN_FREE] = UINT64_MAX;
	std::ostringstream os;
	print_stats_json(os, "0.1.0", s);
	EXPECT_EQ(os.str(),
		  R"({"version":"0.1.0","counters":{"syn_recv_sock_toa":3,"conn_free":18446744073709551615}})"
		  "\n");
	EXPECT_TRUE(json_valid(os.str()));
}

TEST(Output, StatsPrometheus)
{
	Stats s;
	for (size_t i = 0; i < __TOA_STAT_MAX; i++)
		s.counters[i] = i;
	s.counters[TOA_STAT_SYN_RECV_SOCK_TOA] = 3;
	std::ostringstream os;
	print_stats_prometheus(os, "0.1.0", s);
	std::string out = os.str();
	EXPECT_NE(out.find("# HELP toa_syn_recv_sock_toa_total Connections set up with a TOA option.\n"
			   "# TYPE toa_syn_recv_sock_toa_total counter\n"
			   "toa_syn_recv_sock_toa_total 3\n"),
		  std::string::npos)
		<< out;
	EXPECT_NE(out.find("toa_module_info{version=\"0.1.0\"} 1\n"), std::string::npos);
	// Every line: a comment, or NAME{labels}? VALUE with a valid metric name.
	std::istringstream in(out);
	std::string line;
	size_t samples = 0;
	while (std::getline(in, line)) {
		if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0)
			continue;
		samples++;
		size_t sp = line.rfind(' ');
		ASSERT_NE(sp, std::string::npos) << line;
		std::string name = line.substr(0, line.find_first_of("{ "));
		for (char c : name)
			EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '_') << line;
	}
	EXPECT_EQ(samples, static_cast<size_t>(__TOA_STAT_MAX) + 1);
}

TEST(Output, PrometheusEscapesTheVersionLabel)
{
	std::ostringstream os;
	print_stats_prometheus(os, "a\"b\\c\nd", Stats{});
	EXPECT_NE(os.str().find(R"(toa_module_info{version="a\"b\\c\nd"} 1)"), std::string::npos);
}

TEST(Output, ConfigHuman)
{
	Config c;
	c.formats = TOA_FMT_DEFAULT;
	c.transparent = true;
	c.syn = false;
	c.guard = true;
	c.trusted = std::vector<Cidr>{};
	std::ostringstream os;
	print_config_human(os, c);
	EXPECT_EQ(os.str(), "formats:     254/8 254/20 200/8 253/20 253/8 (off: 249/40 28/7)\n"
			    "transparent: on\n"
			    "syn:         off\n"
			    "guard:       on\n"
			    "trusted:     any source (empty list)\n");
	c.formats = TOA_FMT_ALL;
	c.transparent = false;
	c.trusted = std::vector<Cidr>{cidr("198.51.100.0/24"), cidr("2001:db8:ff::/48")};
	os.str("");
	c.syn.reset();
	c.guard.reset();
	print_config_human(os, c);
	EXPECT_EQ(os.str(), "formats:     254/8 254/20 200/8 253/20 253/8 249/40 28/7\n"
			    "transparent: off\n"
			    "syn:         (not reported)\n"
			    "guard:       (not reported)\n"
			    "trusted:     198.51.100.0/24, 2001:db8:ff::/48\n");
	os.str("");
	print_config_human(os, Config{});
	EXPECT_EQ(os.str(), "formats:     (not reported)\n"
			    "transparent: (not reported)\n"
			    "syn:         (not reported)\n"
			    "guard:       (not reported)\n"
			    "trusted:     (not reported)\n");
}

TEST(Output, ConfigJson)
{
	Config c;
	c.formats = TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_200_8);
	c.transparent = true;
	c.guard = false;
	c.trusted = std::vector<Cidr>{cidr("198.51.100.0/24")};
	std::ostringstream os;
	print_config_json(os, c);
	EXPECT_EQ(os.str(),
		  R"({"formats":["254/8","200/8"],"formats_mask":5,"transparent":true,"syn":null,"guard":false,"trusted":["198.51.100.0/24"]})"
		  "\n");
	os.str("");
	print_config_json(os, Config{});
	EXPECT_EQ(os.str(), R"({"formats":null,"formats_mask":null,"transparent":null,"syn":null,"guard":null,"trusted":null})"
			    "\n");
}

TEST(Output, ConnsHuman)
{
	std::ostringstream os;
	print_conns_human(os, {sample_conn_v4(), sample_conn_v6(), Conn{}}, true);
	EXPECT_EQ(os.str(),
		  "LOCAL              LB (PEER)            CLIENT                    KIND    PACKET  AGE    NETNS\n"
		  "10.0.0.5:8080      10.0.0.1:40312       203.0.113.7:51234         254/8   syn     3.2s   4026531840\n"
		  "[2001:db8::5]:443  [2001:db8::1]:50000  [2001:db8:beef::7]:60001  253/20  ack     2h03m  4026532000\n"
		  "-                  -                    -                         -       -       -      -\n");
	os.str("");
	print_conns_human(os, {}, false);
	EXPECT_EQ(os.str(), "");
}

TEST(Output, ConnJson)
{
	std::ostringstream os;
	print_conns_json(os, {sample_conn_v4(), Conn{}});
	EXPECT_EQ(os.str(),
		  R"({"connections":[{"local":{"family":"inet","addr":"10.0.0.5","port":8080},)"
		  R"("peer":{"family":"inet","addr":"10.0.0.1","port":40312},)"
		  R"("client":{"family":"inet","addr":"203.0.113.7","port":51234},)"
		  R"("kind":254,"len":8,"format":"254/8","packet":"syn","age_ms":3250,"netns":4026531840},)"
		  R"({"local":null,"peer":null,"client":null,"kind":null,"len":null,"format":null,)"
		  R"("packet":null,"age_ms":null,"netns":null}]})"
		  "\n");
	EXPECT_TRUE(json_valid(os.str()));
	os.str("");
	print_conns_json(os, {});
	EXPECT_EQ(os.str(), "{\"connections\":[]}\n");
}

TEST(Output, ConnHuman)
{
	std::ostringstream os;
	print_conn_human(os, sample_conn_v6());
	EXPECT_EQ(os.str(), "local:   [2001:db8::5]:443\n"
			    "peer:    [2001:db8::1]:50000 (load balancer)\n"
			    "client:  [2001:db8:beef::7]:60001\n"
			    "kind:    253/20 (Tencent CLB NAT64, Alibaba LVS IPv6)\n"
			    "packet:  ack\n"
			    "age:     2h03m\n"
			    "netns:   4026532000\n");
}

TEST(Output, Status)
{
	Status st;
	std::ostringstream os;
	print_status_json(os, st);
	EXPECT_EQ(os.str(), "{\"loaded\":false}\n");
	st.loaded = true;
	st.version = "0.1.0";
	st.family.id = 30;
	st.family.version = 1;
	st.config.formats = TOA_FMT_DEFAULT;
	st.config.transparent = true;
	st.config.trusted = std::vector<Cidr>{};
	os.str("");
	print_status_json(os, st);
	EXPECT_EQ(os.str(),
		  R"({"loaded":true,"version":"0.1.0","tool_version":")" TOA_VERSION_STRING
		  R"(","genl":{"name":"toa","id":30,"version":1},"config":{"formats":["254/8","254/20","200/8","253/20","253/8"],"formats_mask":31,"transparent":true,"syn":null,"guard":null,"trusted":[]}})"
		  "\n");
	EXPECT_TRUE(json_valid(os.str()));
	os.str("");
	print_status_human(os, st);
	EXPECT_EQ(os.str().substr(0, os.str().find('\n')),
		  "module:      loaded, version 0.1.0 (generic netlink family \"toa\", id 30, version 1)");
}

TEST(JsonCheck, Validator)
{
	for (const char *ok : {"{}", "[]", "0", "-1.5e+3", "\"\\u00e9\"", " [1, {\"a\": null}] \n",
			       "true"})
		EXPECT_TRUE(json_valid(ok)) << ok;
	for (const char *bad : {"", "{", "[1,]", "{\"a\"}", "01", "\"\x01\"", "\"\\x\"", "[1] 2",
				"nul", "{a:1}", "\"\xff\""})
		EXPECT_FALSE(json_valid(bad)) << bad;
}
