// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <sys/socket.h>

#include "output.h"
#include "text.h"

using namespace toa_inspect;

TEST(Text, Address)
{
	auto a = parse_address("192.0.2.1");
	ASSERT_TRUE(a);
	EXPECT_EQ(a->family, AF_INET);
	EXPECT_EQ(a->size(), 4u);
	EXPECT_EQ(address_str(*a), "192.0.2.1");
	auto b = parse_address("2001:db8::1");
	ASSERT_TRUE(b);
	EXPECT_EQ(b->family, AF_INET6);
	EXPECT_EQ(address_str(*b), "2001:db8::1");
	for (const char *bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "[::1]", "fe80::1%eth0",
				"1.2.3.4 ", " 1.2.3.4", "::g", "01.2.3.4x"})
		EXPECT_FALSE(parse_address(bad)) << bad;
	EXPECT_FALSE(parse_address(std::string_view("1.2.3.4\0x", 9)));
}

TEST(Text, Cidr)
{
	auto c = parse_cidr("198.51.100.0/24", true);
	ASSERT_TRUE(c);
	EXPECT_EQ(c->prefix, 24);
	EXPECT_EQ(cidr_str(*c), "198.51.100.0/24");
	auto h = parse_cidr("198.51.100.7", true);
	ASSERT_TRUE(h);
	EXPECT_EQ(h->prefix, 32);
	auto v6 = parse_cidr("2001:db8:ff::/48", true);
	ASSERT_TRUE(v6);
	EXPECT_EQ(v6->prefix, 48);
	EXPECT_EQ(parse_cidr("::1", true)->prefix, 128);
	EXPECT_EQ(parse_cidr("0.0.0.0/0", true)->prefix, 0);
	EXPECT_EQ(parse_cidr("::/0", true)->prefix, 0);

	for (const char *bad : {"300.1.2.3/33", "1.2.3.4/33", "1.2.3.0/", "1.2.3.0/-1", "1.2.3.0/+8",
				"1.2.3.0/8/8", "::/129", "/24", "1.2.3.0/0024", "1.2.3.0/ 24",
				"2001:db8::/4x"})
		EXPECT_FALSE(parse_cidr(bad, false)) << bad;

	// Host bits: refused when strict, cleared otherwise.
	EXPECT_FALSE(parse_cidr("198.51.100.1/24", true));
	auto loose = parse_cidr("198.51.100.1/24", false);
	ASSERT_TRUE(loose);
	EXPECT_EQ(cidr_str(*loose), "198.51.100.0/24");
	EXPECT_FALSE(parse_cidr("2001:db8::1/64", true));
	EXPECT_EQ(cidr_str(*parse_cidr("2001:db8::1/64", false)), "2001:db8::/64");
	EXPECT_EQ(cidr_str(*parse_cidr("10.255.255.255/9", false)), "10.128.0.0/9");
}

TEST(Text, CidrContains)
{
	Cidr c = *parse_cidr("203.0.113.0/24", true);
	EXPECT_TRUE(c.contains(*parse_address("203.0.113.200")));
	EXPECT_FALSE(c.contains(*parse_address("203.0.114.1")));
	EXPECT_TRUE(c.contains(*parse_address("::ffff:203.0.113.9")));  // IPv4-mapped
	EXPECT_FALSE(c.contains(*parse_address("2001:db8::1")));
	Cidr any = *parse_cidr("0.0.0.0/0", true);
	EXPECT_TRUE(any.contains(*parse_address("1.2.3.4")));
	Cidr v6 = *parse_cidr("2001:db8:ff::/48", true);
	EXPECT_TRUE(v6.contains(*parse_address("2001:db8:ff:1::1")));
	EXPECT_FALSE(v6.contains(*parse_address("2001:db8:fe::1")));
	EXPECT_FALSE(v6.contains(*parse_address("1.2.3.4")));
	Cidr odd = *parse_cidr("10.128.0.0/9", true);
	EXPECT_TRUE(odd.contains(*parse_address("10.200.0.1")));
	EXPECT_FALSE(odd.contains(*parse_address("10.127.0.1")));
}

TEST(Text, CidrList)
{
	auto l = parse_cidr_list("198.51.100.0/24,2001:db8:ff::/48", true);
	ASSERT_TRUE(l);
	ASSERT_EQ(l->size(), 2u);
	EXPECT_EQ(cidr_str((*l)[1]), "2001:db8:ff::/48");
	EXPECT_TRUE(parse_cidr_list("", true)->empty());
	EXPECT_TRUE(parse_cidr_list("none", true)->empty());
	std::string bad;
	EXPECT_FALSE(parse_cidr_list("10.0.0.0/8,300.1.2.3/33", true, &bad));
	EXPECT_EQ(bad, "300.1.2.3/33");
	EXPECT_FALSE(parse_cidr_list("10.0.0.0/8,", true, &bad));
	EXPECT_EQ(bad, "");
	EXPECT_FALSE(parse_cidr_list("10.0.0.0/8,none", true, &bad));
	EXPECT_EQ(bad, "none");
}

TEST(Text, Endpoint)
{
	auto e = parse_endpoint("10.0.0.5:8080");
	ASSERT_TRUE(e);
	EXPECT_EQ(e->port, 8080);
	EXPECT_EQ(endpoint_str(*e), "10.0.0.5:8080");
	auto v6 = parse_endpoint("[2001:db8::5]:443");
	ASSERT_TRUE(v6);
	EXPECT_EQ(v6->addr.family, AF_INET6);
	EXPECT_EQ(endpoint_str(*v6), "[2001:db8::5]:443");
	EXPECT_EQ(endpoint_str(*parse_endpoint("[::ffff:1.2.3.4]:1")), "[::ffff:1.2.3.4]:1");
	for (const char *bad : {"10.0.0.5", "10.0.0.5:", "10.0.0.5:0", "10.0.0.5:65536",
				"10.0.0.5:80x", "2001:db8::5:443", "[2001:db8::5]", "[2001:db8::5]443",
				"[10.0.0.5]:80", "[2001:db8::5:443", ":80", "[]:80", "host:80",
				"10.0.0.5:-1", "10.0.0.5:+80"})
		EXPECT_FALSE(parse_endpoint(bad)) << bad;
	EXPECT_EQ(parse_endpoint("1.2.3.4:65535")->port, 65535);
}

TEST(Text, Numbers)
{
	EXPECT_EQ(parse_port("1"), 1);
	EXPECT_EQ(parse_port("65535"), 65535);
	EXPECT_FALSE(parse_port("0"));
	EXPECT_FALSE(parse_port("65536"));
	EXPECT_FALSE(parse_port(""));
	EXPECT_FALSE(parse_port("8o"));
	EXPECT_EQ(parse_u32("4294967295"), 4294967295u);
	EXPECT_FALSE(parse_u32("4294967296"));
	EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
	EXPECT_FALSE(parse_u64("18446744073709551616"));
	EXPECT_FALSE(parse_u64("99999999999999999999"));
	EXPECT_FALSE(parse_u64("-1"));
}

TEST(Text, Formats)
{
	EXPECT_EQ(parse_formats("254/8"), TOA_FMT_BIT(TOA_FMT_254_8));
	EXPECT_EQ(parse_formats("254/8,200/8,28/7"),
		  TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_200_8) | TOA_FMT_BIT(TOA_FMT_28_7));
	EXPECT_EQ(parse_formats("default"), TOA_FMT_DEFAULT);
	EXPECT_EQ(parse_formats("all"), TOA_FMT_ALL);
	EXPECT_EQ(parse_formats("none"), 0u);
	std::string bad;
	EXPECT_FALSE(parse_formats("254/8,254/9", &bad));
	EXPECT_EQ(bad, "254/9");
	EXPECT_FALSE(parse_formats("", &bad));
	EXPECT_FALSE(parse_formats("254/8,", &bad));
	EXPECT_FALSE(parse_formats("254/8,default", &bad));
}

TEST(Text, FormatTableMatchesUapi)
{
	const FormatInfo *t = format_table();
	for (int f = 0; f < __TOA_FMT_MAX; f++) {
		EXPECT_EQ(t[f].format, f);
		EXPECT_EQ(std::to_string(t[f].kind) + "/" + std::to_string(t[f].len), t[f].name);
		EXPECT_EQ(find_format(t[f].kind, t[f].len), &t[f]);
	}
	EXPECT_EQ(find_format(28, 4), nullptr); // RFC 5482 User Timeout, not TOA
	EXPECT_EQ(t[TOA_FMT_254_8].kind, 254);
	EXPECT_EQ(t[TOA_FMT_249_40].len, 40);
	EXPECT_EQ(t[TOA_FMT_28_7].len, 7);
}

TEST(Text, Switch)
{
	EXPECT_EQ(parse_switch("on"), true);
	EXPECT_EQ(parse_switch("off"), false);
	EXPECT_EQ(parse_switch("1"), true);
	EXPECT_EQ(parse_switch("no"), false);
	EXPECT_FALSE(parse_switch("On"));
	EXPECT_FALSE(parse_switch(""));
	EXPECT_FALSE(parse_switch("maybe"));
}

TEST(Text, QuotedAndPrintable)
{
	EXPECT_EQ(quoted("300.1.2.3/33"), "\"300.1.2.3/33\"");
	EXPECT_EQ(quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
	EXPECT_EQ(quoted("line\nbreak\ttab\x1b[31m\x7f"), "\"line\\nbreak\\ttab\\x1b[31m\\x7f\"");
	EXPECT_EQ(printable("a\"b\nc"), "a\"b\\nc");
	EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
}
