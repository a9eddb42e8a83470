// SPDX-License-Identifier: MIT
// Formatting, parsing and conversions of endpoints; error codes; result<T>.
#include <toa/toa.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cerrno>
#include <random>
#include <sstream>
#include <string>

namespace {

toa::endpoint v4(const char *a, std::uint16_t port)
{
	in_addr in{};
	EXPECT_EQ(1, inet_pton(AF_INET, a, &in)) << a;
	return toa::endpoint::from(in, port);
}

toa::endpoint v6(const char *a, std::uint16_t port, std::uint32_t scope = 0)
{
	in6_addr in{};
	EXPECT_EQ(1, inet_pton(AF_INET6, a, &in)) << a;
	return toa::endpoint::from(in, port, scope);
}

std::string fmt(const toa::endpoint &e) { return toa::format(e).str(); }

TEST(Format, IPv4)
{
	EXPECT_EQ("203.0.113.7:40000", fmt(v4("203.0.113.7", 40000)));
	EXPECT_EQ("0.0.0.0:1", fmt(v4("0.0.0.0", 1)));
	EXPECT_EQ("255.255.255.255:65535", fmt(v4("255.255.255.255", 65535)));
}

TEST(Format, IPv6InBrackets)
{
	EXPECT_EQ("[2001:db8::7]:40000", fmt(v6("2001:db8::7", 40000)));
	EXPECT_EQ("[::1]:80", fmt(v6("::1", 80)));
	EXPECT_EQ("[::]:443", fmt(v6("::", 443)));
	EXPECT_EQ("[2001:db8:0:1:1:1:1:1]:1", fmt(v6("2001:db8:0:1:1:1:1:1", 1))); // one 0: no ::
	EXPECT_EQ("[2001:db8::1:0:0:1]:1", fmt(v6("2001:db8:0:0:1:0:0:1", 1)));   // first run
	EXPECT_EQ("[2001:0:0:1::1]:1", fmt(v6("2001:0:0:1:0:0:0:1", 1)));         // longest run
	EXPECT_EQ("[fe80::1%2]:22", fmt(v6("fe80::1", 22, 2)));
}

TEST(Format, V4MappedIsIPv6Text)
{
	toa::endpoint e = v6("::ffff:203.0.113.7", 40000);
	EXPECT_TRUE(e.is_v4_mapped());
	EXPECT_EQ("[::ffff:203.0.113.7]:40000", fmt(e));
	toa::endpoint u = e.unmapped();
	EXPECT_TRUE(u.is_ipv4());
	EXPECT_EQ("203.0.113.7:40000", fmt(u));
	EXPECT_EQ(u, v4("203.0.113.7", 40000));
	// Non-mapped values are returned unchanged.
	EXPECT_EQ(v6("2001:db8::7", 1).unmapped(), v6("2001:db8::7", 1));
	EXPECT_EQ(v4("192.0.2.1", 1).unmapped(), v4("192.0.2.1", 1));
}

TEST(Format, ZeroPort)
{
	EXPECT_EQ("203.0.113.7:0", fmt(v4("203.0.113.7", 0)));
	EXPECT_EQ("[2001:db8::7]:0", fmt(v6("2001:db8::7", 0)));
}

TEST(Format, EmptyEndpointIsDash)
{
	EXPECT_EQ("-", fmt(toa::endpoint{}));
	EXPECT_TRUE(toa::endpoint{}.empty());
}

TEST(Format, BufferTooSmall)
{
	toa::endpoint e = v4("203.0.113.7", 40000); // 17 characters
	char buf[32];
	EXPECT_EQ(17u, toa::format(e, buf, 18));
	EXPECT_STREQ("203.0.113.7:40000", buf);
	std::memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(0u, toa::format(e, buf, 17)); // no room for the NUL
	EXPECT_STREQ("", buf);
	std::memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(0u, toa::format(e, buf, 1));
	EXPECT_EQ('\0', buf[0]);
	std::memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(0u, toa::format(e, buf, 0));
	EXPECT_EQ('x', buf[0]); // nothing written with n == 0

	// The C API says why.
	EXPECT_EQ(TOA_E_NO_SPACE, toa_endpoint_format(&e.raw(), buf, 5));
	EXPECT_EQ(TOA_E_INVALID, toa_endpoint_format(nullptr, buf, sizeof(buf)));
	EXPECT_EQ(TOA_E_INVALID, toa_endpoint_format(&e.raw(), nullptr, 10));
	toa_endpoint bad{};
	bad.family = AF_UNIX;
	EXPECT_EQ(TOA_E_INVALID, toa_endpoint_format(&bad, buf, sizeof(buf)));
}

TEST(Format, LongestFitsStrlen)
{
	toa::endpoint e = v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 4294967295u);
	char buf[TOA_ENDPOINT_STRLEN];
	int n = toa_endpoint_format(&e.raw(), buf, sizeof(buf));
	EXPECT_EQ(58, n);
	EXPECT_STREQ("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535", buf);
}

// Our formatter must print exactly what inet_ntop() prints.
TEST(Format, MatchesInetNtop)
{
	std::mt19937 rng(12345);
	for (int i = 0; i < 20000; i++) {
		std::uint8_t a[16];
		std::uint32_t zero_mask = rng();
		for (int w = 0; w < 8; w++) {
			bool zero = (zero_mask >> (w * 2) & 3) != 0; // mostly zero groups
			std::uint32_t r = rng();
			a[2 * w] = zero ? 0 : static_cast<std::uint8_t>(r);
			a[2 * w + 1] = zero ? 0 : static_cast<std::uint8_t>(r >> 8);
		}
		if (i % 7 == 0) { // v4-mapped and v4-compatible forms
			std::memset(a, 0, 10);
			a[10] = a[11] = (i % 14 == 0) ? 0xff : 0;
		}
		char want[INET6_ADDRSTRLEN];
		ASSERT_NE(nullptr, inet_ntop(AF_INET6, a, want, sizeof(want)));
		std::string got = fmt(toa::endpoint::ipv6(a, 1));
		ASSERT_EQ("[" + std::string(want) + "]:1", got);
	}
	for (int i = 0; i < 1000; i++) {
		std::uint32_t r = rng();
		std::uint8_t a[4];
		std::memcpy(a, &r, 4);
		char want[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, a, want, sizeof(want));
		ASSERT_EQ(std::string(want) + ":9", fmt(toa::endpoint::ipv4(a, 9)));
	}
}

TEST(Format, ToStringAndStream)
{
	toa::endpoint e = v6("2001:db8::7", 40000);
	EXPECT_EQ("[2001:db8::7]:40000", toa::to_string(e));
	std::ostringstream os;
	os << e << " " << v4("203.0.113.7", 40000) << " " << toa::endpoint{};
	EXPECT_EQ("[2001:db8::7]:40000 203.0.113.7:40000 -", os.str());
	toa::endpoint_string s = toa::format(e);
	EXPECT_EQ(std::string_view("[2001:db8::7]:40000"), s.view());
	EXPECT_EQ(19u, s.size());
}

TEST(Parse, RoundTrip)
{
	for (const char *s : {"203.0.113.7:40000", "[2001:db8::7]:40000", "[fe80::1%2]:22",
			      "[::ffff:203.0.113.7]:1", "0.0.0.0:0", "[::]:65535"}) {
		auto e = toa::endpoint::parse(s);
		ASSERT_TRUE(e.has_value()) << s;
		EXPECT_EQ(s, fmt(*e));
	}
	auto bare4 = toa::endpoint::parse("192.0.2.1");
	ASSERT_TRUE(bare4);
	EXPECT_EQ("192.0.2.1:0", fmt(*bare4));
	auto bare6 = toa::endpoint::parse("2001:db8::1");
	ASSERT_TRUE(bare6);
	EXPECT_EQ("[2001:db8::1]:0", fmt(*bare6));
	auto br6 = toa::endpoint::parse("[2001:db8::1]");
	ASSERT_TRUE(br6);
	EXPECT_EQ(0, br6->port());
}

TEST(Parse, Rejects)
{
	for (const char *s : {"", "203.0.113.7:", "203.0.113.7:65536", "203.0.113.7:-1",
			      "203.0.113.7:8x", "256.0.0.1:1", "[2001:db8::7]40000", "[2001:db8::7",
			      "2001:db8::7]:1", "[203.0.113.7]:1", "[fe80::1%]:1", "[fe80::1%eth0]:1",
			      "host.example:80", "-", "[::1]:", " 1.2.3.4:1"}) {
		auto e = toa::endpoint::parse(s);
		EXPECT_FALSE(e.has_value()) << s;
		EXPECT_EQ(toa::errc::invalid_argument, e.error()) << s;
	}
	toa_endpoint raw;
	EXPECT_EQ(TOA_E_INVALID, toa_endpoint_parse(nullptr, &raw));
	EXPECT_EQ(TOA_E_INVALID, toa_endpoint_parse("1.2.3.4:1", nullptr));
}

TEST(Sockaddr, RoundTrip)
{
	for (const char *s : {"203.0.113.7:40000", "[2001:db8::7]:40000", "[fe80::1%3]:22"}) {
		toa::endpoint e = *toa::endpoint::parse(s);
		sockaddr_storage ss;
		socklen_t len = e.to_sockaddr(ss);
		ASSERT_GT(len, 0u);
		EXPECT_EQ(e.family(), ss.ss_family);
		auto back = toa::endpoint::from_sockaddr(reinterpret_cast<sockaddr *>(&ss), len);
		ASSERT_TRUE(back);
		EXPECT_EQ(e, *back) << s;
	}
	sockaddr_storage ss;
	toa::endpoint v4e = v4("203.0.113.7", 40000);
	ASSERT_EQ(sizeof(sockaddr_in), v4e.to_sockaddr(ss));
	auto *in = reinterpret_cast<sockaddr_in *>(&ss);
	EXPECT_EQ(htons(40000), in->sin_port);
	EXPECT_EQ(inet_addr("203.0.113.7"), in->sin_addr.s_addr);

	EXPECT_EQ(0u, toa::endpoint{}.to_sockaddr(ss));

	// The C API checks sizes.
	sockaddr_in small;
	socklen_t l = sizeof(small);
	toa::endpoint e6 = v6("2001:db8::7", 1);
	EXPECT_EQ(TOA_E_NO_SPACE, toa_endpoint_to_sockaddr(&e6.raw(), reinterpret_cast<sockaddr *>(&small), &l));
	sockaddr un{};
	un.sa_family = AF_UNIX;
	EXPECT_FALSE(toa::endpoint::from_sockaddr(&un, sizeof(un)));
	sockaddr_in short_in{};
	short_in.sin_family = AF_INET;
	EXPECT_FALSE(toa::endpoint::from_sockaddr(reinterpret_cast<sockaddr *>(&short_in), 4));
}

TEST(Endpoint, Accessors)
{
	toa::endpoint e = v4("203.0.113.7", 40000);
	EXPECT_EQ(AF_INET, e.family());
	EXPECT_EQ(4u, e.addr_size());
	EXPECT_EQ(inet_addr("203.0.113.7"), e.ipv4_addr().s_addr);
	toa::endpoint f = v6("2001:db8::7", 1, 5);
	EXPECT_EQ(16u, f.addr_size());
	EXPECT_EQ(5u, f.scope_id());
	EXPECT_NE(e, f);
	EXPECT_NE(v4("203.0.113.7", 40000), v4("203.0.113.7", 40001));
	EXPECT_EQ(0u, toa::endpoint{}.addr_size());
	static_assert(sizeof(toa::endpoint) == sizeof(toa_endpoint));
	static_assert(sizeof(toa_endpoint) == 24);
	static_assert(sizeof(toa_client) == 64);
}

TEST(Origin, Format)
{
	toa::client c;
	EXPECT_EQ("peer", toa::format_origin(c).str());
	c.origin = toa::origin::option;
	c.kind = 200;
	c.length = 8;
	c.packet = toa::packet::ack;
	EXPECT_EQ("TOA(kind 200, ack)", toa::format_origin(c).str());
	c.packet = toa::packet::syn;
	c.kind = 254;
	EXPECT_EQ("TOA(kind 254, syn)", toa::format_origin(c).str());
	c.packet = toa::packet::data;
	EXPECT_EQ("TOA(kind 254, data)", toa::format_origin(c).str());
	c.packet = toa::packet::unspec;
	EXPECT_EQ("TOA(kind 254)", toa::format_origin(c).str());
	c.packet = static_cast<toa::packet>(77);
	EXPECT_EQ("TOA(kind 254)", toa::format_origin(c).str());
	c.origin = toa::origin::legacy_lookup;
	EXPECT_EQ("TOA(legacy lookup)", toa::format_origin(c).str());

	toa_client raw = c.to_c();
	char buf[8];
	EXPECT_EQ(TOA_E_NO_SPACE, toa_origin_format(&raw, buf, sizeof(buf)));
	raw.origin = 9;
	char big[TOA_ORIGIN_STRLEN];
	EXPECT_EQ(TOA_E_INVALID, toa_origin_format(&raw, big, sizeof(big)));

	EXPECT_STREQ("syn", toa::name(toa::packet::syn));
	EXPECT_STREQ("unknown", toa::name(toa::packet::unspec));
	EXPECT_STREQ("peer", toa::name(toa::origin::peer));
}

TEST(Errors, CategoryAndConditions)
{
	std::error_code ec = toa::errc::not_a_socket;
	EXPECT_STREQ("toa", ec.category().name());
	EXPECT_EQ(&toa::category(), &ec.category());
	EXPECT_EQ("not a socket", ec.message());
	EXPECT_EQ(ec, std::errc::not_a_socket);
	EXPECT_EQ(std::error_code(toa::errc::bad_fd), std::errc::bad_file_descriptor);
	EXPECT_EQ(std::error_code(toa::errc::not_connected), std::errc::not_connected);
	EXPECT_EQ(std::error_code(toa::errc::not_tcp), std::errc::operation_not_supported);
	EXPECT_NE(std::error_code(toa::errc::listening), std::errc::not_connected);
	for (int i = 1; i <= 8; i++) {
		std::error_code e = static_cast<toa::errc>(i);
		EXPECT_FALSE(e.message().empty());
		EXPECT_EQ(e, toa::to_error_code(-(TOA_E_BASE + i)));
	}
}

TEST(Errors, CCodes)
{
	EXPECT_EQ(std::error_code(), toa::to_error_code(0));
	EXPECT_EQ(std::error_code(EFAULT, std::system_category()), toa::to_error_code(-EFAULT));
	EXPECT_STREQ("not an open file descriptor", toa_strerror(TOA_E_BAD_FD));
	EXPECT_STREQ("not a socket", toa_strerror(TOA_E_NOT_SOCKET));
	EXPECT_STREQ("not a TCP socket", toa_strerror(TOA_E_NOT_TCP));
	EXPECT_STREQ("TCP socket is not connected", toa_strerror(TOA_E_NOT_CONNECTED));
	EXPECT_NE(nullptr, std::strstr(toa_strerror(TOA_E_LISTENING), "listening"));
	EXPECT_STREQ("Bad address", toa_strerror(-EFAULT));
	EXPECT_STREQ("Bad address", toa_strerror(EFAULT));
	EXPECT_STREQ("unknown error", toa_strerror(-999999));
	EXPECT_STREQ("success", toa_strerror(0));
	EXPECT_STREQ(TOA_VERSION_STRING, toa_version());
	EXPECT_STREQ(TOA_VERSION_STRING, toa::version());
}

TEST(Result, ValueAndError)
{
	toa::result<int> ok(5);
	EXPECT_TRUE(ok.has_value());
	EXPECT_TRUE(static_cast<bool>(ok));
	EXPECT_EQ(5, ok.value());
	EXPECT_EQ(5, *ok);
	EXPECT_FALSE(ok.error());
	toa::result<int> bad(toa::errc::not_tcp);
	EXPECT_FALSE(bad.has_value());
	EXPECT_EQ(toa::errc::not_tcp, bad.error());
	EXPECT_EQ(7, bad.value_or(7));
	toa::result<int> sys(std::error_code(EPERM, std::system_category()));
	EXPECT_EQ(std::errc::operation_not_permitted, sys.error());
	toa::result<int> empty_err{std::error_code()};
	EXPECT_FALSE(empty_err.has_value()); // an empty code is not a value
	toa::endpoint moved = toa::endpoint::parse("192.0.2.1:5").value(); // rvalue value()
	EXPECT_EQ(5, moved.port());
	EXPECT_DEATH((void)bad.value(), "");
}

} // namespace
