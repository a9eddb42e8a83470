// SPDX-License-Identifier: MIT
// SPP, HTTP headers (X-Forwarded-For, X-Real-IP, Forwarded), CIDRs, policies and the
// composing calls (toa_resolve* and their C++ forms), with truncated, oversized and
// spoofed inputs.
#include "test_util.hpp"

#include <toa/carriers.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;

std::string fmt(const toa_endpoint &e)
{
	return toa::to_string(toa::endpoint(e));
}

toa_endpoint ep(const char *s)
{
	toa_endpoint e;
	EXPECT_EQ(0, toa_endpoint_parse(s, &e)) << s;
	return e;
}

toa_cidr cidr(const char *s)
{
	toa_cidr c;
	EXPECT_EQ(0, toa_cidr_parse(s, &c)) << s;
	return c;
}

// ---------------------------------------------------------------- endpoints

TEST(Endpoint, ParseNIsStrictAndBounded)
{
	toa_endpoint e;
	const char *s = "203.0.113.7:40000trailing";
	ASSERT_EQ(0, toa_endpoint_parse_n(s, 17, &e));
	EXPECT_EQ("203.0.113.7:40000", fmt(e));
	ASSERT_EQ(0, toa_endpoint_parse_n("[::1]", 5, &e));
	EXPECT_EQ("[::1]:0", fmt(e));
	ASSERT_EQ(0, toa_endpoint_parse("[fe80::1%2]:22", &e));
	EXPECT_EQ("[fe80::1%2]:22", fmt(e));
	ASSERT_EQ(0, toa_endpoint_parse("::ffff:1.2.3.4", &e));
	EXPECT_EQ(AF_INET6, e.family); // kept as given
	EXPECT_EQ("[::ffff:1.2.3.4]:0", fmt(e));
	for (const char *bad : {"", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:123456", "1.2.3.4:+1",
				" 1.2.3.4", "1.2.3.4 ", "[::1]x", "[::1]:", "[::1", "::1]:80",
				"[1.2.3.4]:80", "1.2.3.4%2", "[fe80::1%]:1", "[fe80::1%x]:1",
				"[fe80::1%4294967296]:1", "01.2.3.4", "host:80", "1.2.3.4:80:90"})
		EXPECT_EQ(TOA_E_INVALID, toa_endpoint_parse(bad, &e)) << bad;
	EXPECT_EQ(TOA_E_INVALID, toa_endpoint_parse_n("1.2.3.4\0:80", 10, &e)); // an inner NUL
	EXPECT_EQ(0, e.family);
	EXPECT_FALSE(toa::endpoint::parse(std::string(200, '1')));
	EXPECT_EQ("[2001:db8::7]:1", toa::to_string(*toa::endpoint::parse(std::string_view("[2001:db8::7]:1xyz", 15))));
}

// ---------------------------------------------------------------- SPP

bytes spp(const char *client, const char *proxy)
{
	bytes b(TOA_SPP_LEN);
	toa_endpoint c = ep(client), p = ep(proxy);
	EXPECT_EQ(TOA_SPP_LEN, toa_spp_build(&c, &p, b.data(), b.size()));
	return b;
}

TEST(Spp, Layout)
{
	// magic, ::ffff:203.0.113.7, 2001:db8::1, 40000, 53: written out byte by byte
	bytes b = {0x56, 0xEC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 7,
		   0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x9c, 0x40, 0, 53,
		   'p', 'a', 'y'};
	toa_spp_header h;
	ASSERT_EQ(38, toa_spp_parse(b.data(), b.size(), &h));
	EXPECT_EQ("203.0.113.7:40000", fmt(h.client)); // IPv4-mapped reported as IPv4
	EXPECT_EQ("[2001:db8::1]:53", fmt(h.proxy));
	bytes built = spp("203.0.113.7:40000", "[2001:db8::1]:53");
	EXPECT_EQ(bytes(b.begin(), b.begin() + 38), built);
}

TEST(Spp, TruncatedMissingForged)
{
	bytes b = spp("[2001:db8::7]:1", "192.0.2.1:2");
	toa_spp_header h;
	for (size_t n = 1; n < 38; n++)
		EXPECT_EQ(TOA_E_INCOMPLETE, toa_spp_parse(b.data(), n, &h)) << n;
	EXPECT_EQ(TOA_E_NOT_PRESENT, toa_spp_parse("\x56\xED", 2, &h));
	EXPECT_EQ(TOA_E_NOT_PRESENT, toa_spp_parse("hello world", 11, &h));
	bytes zero = b;
	std::memset(zero.data() + 2, 0, 16); // client ::
	EXPECT_EQ(TOA_E_MALFORMED, toa_spp_parse(zero.data(), zero.size(), &h));
	bytes mcast = b;
	mcast[2] = 0xff; // client multicast
	EXPECT_EQ(TOA_E_MALFORMED, toa_spp_parse(mcast.data(), mcast.size(), &h));
	EXPECT_EQ(0, h.client.family);
	auto r = toa::parse_spp(b.data(), b.size());
	ASSERT_TRUE(r);
	EXPECT_EQ("[2001:db8::7]:1", toa::to_string(r->client));
}

// ---------------------------------------------------------------- CIDRs

TEST(Cidr, ParseContainsFormat)
{
	char buf[64];
	toa_cidr c = cidr("192.0.2.77/24");
	ASSERT_GT(toa_cidr_format(&c, buf, sizeof(buf)), 0);
	EXPECT_STREQ("192.0.2.0/24", buf);
	toa_endpoint in = ep("192.0.2.200:1"), out = ep("192.0.3.1"), mapped = ep("::ffff:192.0.2.9");
	EXPECT_TRUE(toa_cidr_contains(&c, &in));
	EXPECT_FALSE(toa_cidr_contains(&c, &out));
	EXPECT_TRUE(toa_cidr_contains(&c, &mapped));
	toa_cidr c6 = cidr("2001:db8::/33");
	toa_endpoint a = ep("2001:db8:7fff::1"), b = ep("2001:db8:8000::1");
	EXPECT_TRUE(toa_cidr_contains(&c6, &a));
	EXPECT_FALSE(toa_cidr_contains(&c6, &b));
	toa_cidr one = cidr("::1");
	EXPECT_EQ(128, one.prefix);
	toa_cidr all = cidr("0.0.0.0/0");
	EXPECT_TRUE(toa_cidr_contains(&all, &out));
	EXPECT_FALSE(toa_cidr_contains(&all, &a)); // a family is never the other's
	toa_cidr x;
	for (const char *bad : {"", "/24", "1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/2a",
				"1.2.3.4:80", "[::1]/128", "host/8", "1.2.3.4/0024", " 1.2.3.4"})
		EXPECT_EQ(TOA_E_INVALID, toa_cidr_parse(bad, &x)) << bad;
}

// ---------------------------------------------------------------- HTTP headers

struct http_case {
	std::string head;
	int rc;
	std::string client;
};

int http(const std::string &head, const char *peer, const std::vector<toa_cidr> &trusted,
	 toa_http_client *out, unsigned headers = 0)
{
	toa_endpoint p = ep(peer);
	return toa_http_parse(head.data(), head.size(), &p, trusted.data(), trusted.size(), headers,
			      out);
}

const std::string req = "GET / HTTP/1.1\r\nHost: example.com\r\n";

TEST(Http, RightMostUntrustedWins)
{
	std::vector<toa_cidr> trusted = {cidr("10.0.0.0/8"), cidr("2001:db8:f::/48")};
	toa_http_client c;
	std::string h = req + "X-Forwarded-For: 198.51.100.9, 203.0.113.7, 10.1.1.1\r\n\r\nbody";
	ASSERT_EQ(static_cast<int>(h.size() - 4), http(h, "10.0.0.2:5000", trusted, &c));
	EXPECT_EQ("203.0.113.7:0", fmt(c.client)); // not the forged left-most 198.51.100.9
	EXPECT_EQ(TOA_HTTP_X_FORWARDED_FOR, c.header);
	ASSERT_EQ(3, c.n_hops);
	EXPECT_EQ("203.0.113.7:0", fmt(c.hops[0]));
	EXPECT_EQ("10.1.1.1:0", fmt(c.hops[1]));
	EXPECT_EQ("10.0.0.2:5000", fmt(c.hops[2]));

	// several lines are one list, in order
	h = req + "X-Forwarded-For: 198.51.100.9\r\nX-Forwarded-For: 203.0.113.8 , 10.9.9.9\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("203.0.113.8:0", fmt(c.client));
	// every hop trusted: the left-most
	h = req + "x-forwarded-for: 10.3.3.3,,10.4.4.4\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("10.3.3.3:0", fmt(c.client));
	// IPv6, ports, mapped
	h = req + "X-Forwarded-For: [2001:db8::7]:4711, 2001:db8:f::1\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("[2001:db8::7]:4711", fmt(c.client));
	h = req + "X-Forwarded-For: ::ffff:203.0.113.9\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("203.0.113.9:0", fmt(c.client));
	// a forged entry in the part the walk reaches cannot hide behind garbage
	h = req + "X-Forwarded-For: 203.0.113.7, bogus\r\n\r\n";
	EXPECT_EQ(TOA_E_MALFORMED, http(h, "10.0.0.2:1", trusted, &c));
	// garbage left of the client is never looked at
	h = req + "X-Forwarded-For: bogus, 203.0.113.7\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("203.0.113.7:0", fmt(c.client));
	h = req + "X-Forwarded-For: unknown\r\n\r\n";
	EXPECT_EQ(TOA_E_NO_ADDRESS, http(h, "10.0.0.2:1", trusted, &c));
	h = req + "X-Forwarded-For: \r\n\r\n";
	EXPECT_EQ(TOA_E_NO_ADDRESS, http(h, "10.0.0.2:1", trusted, &c));
}

TEST(Http, UntrustedPeer)
{
	std::vector<toa_cidr> trusted = {cidr("10.0.0.0/8")};
	toa_http_client c;
	std::string h = req + "X-Forwarded-For: 203.0.113.7\r\n\r\n";
	EXPECT_EQ(TOA_E_UNTRUSTED, http(h, "198.51.100.1:1", trusted, &c));
	EXPECT_EQ(TOA_E_UNTRUSTED, http(h, "10.0.0.1:1", {}, &c)); // no trusted proxy at all
	// without a header: the peer, not present
	EXPECT_EQ(TOA_E_NOT_PRESENT, http(req + "\r\n", "198.51.100.1:1", trusted, &c));
	EXPECT_EQ("198.51.100.1:1", fmt(c.client));
	// a header not asked for does not count
	EXPECT_EQ(TOA_E_NOT_PRESENT, http(h, "198.51.100.1:1", trusted, &c, TOA_HTTP_X_REAL_IP));
}

TEST(Http, XRealIpAndForwarded)
{
	std::vector<toa_cidr> trusted = {cidr("10.0.0.0/8"), cidr("2001:db8:f::/48")};
	toa_http_client c;
	std::string h = req + "X-Real-IP: 203.0.113.7\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("203.0.113.7:0", fmt(c.client));
	EXPECT_EQ(TOA_HTTP_X_REAL_IP, c.header);
	h = req + "X-Real-IP: 203.0.113.7\r\nX-Real-IP: 198.51.100.9\r\n\r\n";
	EXPECT_EQ(TOA_E_MALFORMED, http(h, "10.0.0.2:1", trusted, &c)); // a second header

	// RFC 7239's examples
	h = req + "Forwarded: for=\"_gazonk\"\r\n\r\n";
	EXPECT_EQ(TOA_E_NO_ADDRESS, http(h, "10.0.0.2:1", trusted, &c));
	h = req + "Forwarded: For=\"[2001:db8:cafe::17]:4711\"\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("[2001:db8:cafe::17]:4711", fmt(c.client));
	EXPECT_EQ(TOA_HTTP_FORWARDED, c.header);
	h = req + "Forwarded: for=192.0.2.60;proto=http;by=203.0.113.43\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("192.0.2.60:0", fmt(c.client));
	h = req + "Forwarded: for=192.0.2.43, for=198.51.100.17\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("198.51.100.17:0", fmt(c.client));
	h = req + "Forwarded: for=192.0.2.43, for=\"[2001:db8:f::1]\";by=\"x,y\", for=10.2.2.2\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("192.0.2.43:0", fmt(c.client));
	EXPECT_EQ(4, c.n_hops);
	for (const char *bad : {"for=[2001:db8::1]", "for=\"2001:db8::1\"", "for=1.2.3.4:80",
				"for=\"1.2.3.4", "for", "for=1.2.3.4;for=5.6.7.8",
				"for=\"1.2.3\\.4\""}) {
		h = req + "Forwarded: " + bad + "\r\n\r\n";
		EXPECT_EQ(TOA_E_MALFORMED, http(h, "10.0.0.2:1", trusted, &c)) << bad;
	}
	h = req + "Forwarded: proto=https\r\n\r\n";
	EXPECT_EQ(TOA_E_NO_ADDRESS, http(h, "10.0.0.2:1", trusted, &c));

	// Forwarded first, then X-Forwarded-For, then X-Real-IP
	h = req + "X-Real-IP: 203.0.113.1\r\nX-Forwarded-For: 203.0.113.2\r\nForwarded: for=203.0.113.3\r\n\r\n";
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("203.0.113.3:0", fmt(c.client));
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c, TOA_HTTP_X_FORWARDED_FOR | TOA_HTTP_X_REAL_IP), 0);
	EXPECT_EQ("203.0.113.2:0", fmt(c.client));
	ASSERT_GT(http(h, "10.0.0.2:1", trusted, &c, TOA_HTTP_X_REAL_IP), 0);
	EXPECT_EQ("203.0.113.1:0", fmt(c.client));
}

TEST(Http, HeadLimitsAndSyntax)
{
	std::vector<toa_cidr> trusted = {cidr("10.0.0.0/8")};
	toa_http_client c;
	std::string h = req + "X-Forwarded-For: 203.0.113.7\r\n\r\n";
	for (size_t n = 0; n < h.size(); n++)
		EXPECT_EQ(TOA_E_INCOMPLETE, http(h.substr(0, n), "10.0.0.2:1", trusted, &c)) << n;
	std::string big = req + "X-Pad: " + std::string(TOA_HTTP_HEAD_MAX, 'a') + "\r\n\r\n";
	EXPECT_EQ(TOA_E_TOO_LONG, http(big, "10.0.0.2:1", trusted, &c));
	// bare LF line ends are read too
	ASSERT_GT(http("GET / HTTP/1.0\nX-Real-IP: 203.0.113.7\n\n", "10.0.0.2:1", trusted, &c), 0);
	for (const char *bad : {"GET /\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", " GET / HTTP/1.1\r\n\r\n",
				"GET / HTTP/1.1\r\nX-Forwarded-For : 1.2.3.4\r\n\r\n",
				"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
				"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
				"GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n"})
		EXPECT_EQ(TOA_E_MALFORMED, http(bad, "10.0.0.2:1", trusted, &c)) << bad;
	// a chain longer than the hops kept: the client and the nearest hops
	std::string chain = req + "X-Forwarded-For: 203.0.113.7";
	for (int i = 0; i < 20; i++)
		chain += ", 10.0.0." + std::to_string(i + 10);
	ASSERT_GT(http(chain + "\r\n\r\n", "10.0.0.2:1", trusted, &c), 0);
	EXPECT_EQ("203.0.113.7:0", fmt(c.client));
	EXPECT_EQ(TOA_MAX_HOPS, c.n_hops);
	EXPECT_EQ("203.0.113.7:0", fmt(c.hops[0]));
	EXPECT_EQ("10.0.0.2:1", fmt(c.hops[TOA_MAX_HOPS - 1]));
}

// ---------------------------------------------------------------- policies, answers

TEST(Policy, FirstMatchAndNames)
{
	toa_policy_rule rules[] = {{cidr("10.0.0.1"), TOA_POLICY_IGNORE, {}},
				   {cidr("10.0.0.0/8"), TOA_POLICY_REQUIRE, {}}};
	toa_policy p{};
	p.rules = rules;
	p.n_rules = 2;
	toa_endpoint a = ep("10.0.0.1"), b = ep("10.0.0.2"), c = ep("192.0.2.1");
	EXPECT_EQ(TOA_POLICY_IGNORE, toa_policy_action(&p, &a));
	EXPECT_EQ(TOA_POLICY_REQUIRE, toa_policy_action(&p, &b));
	EXPECT_EQ(TOA_POLICY_REJECT, toa_policy_action(&p, &c)); // zero-initialized: reject
	p.otherwise = TOA_POLICY_USE;
	EXPECT_EQ(TOA_POLICY_USE, toa_policy_action(&p, &c));
	for (int i = 0; i <= TOA_POLICY_REQUIRE; i++)
		EXPECT_EQ(i, toa_policy_action_parse(toa_policy_action_name(i)));
	EXPECT_EQ(TOA_E_INVALID, toa_policy_action_parse("trust"));
}

TEST(Resolve, DatagramSppProxyV2Policies)
{
	toa::policy pol;
	pol.add(*toa::cidr::parse("127.0.0.0/8"), toa::action::use);
	pol.add(*toa::cidr::parse("::1"), toa::action::require);
	toa::endpoint lb = *toa::endpoint::parse("127.0.0.1:9999");
	toa::endpoint lb6 = *toa::endpoint::parse("[::1]:9999");
	toa::endpoint other = *toa::endpoint::parse("192.0.2.1:9999");
	bytes d = spp("203.0.113.7:40000", "192.0.2.10:53");
	d.push_back('q');
	size_t hl = 0;
	auto c = toa::resolve_datagram(d.data(), d.size(), lb, pol, &hl);
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(38u, hl);
	EXPECT_EQ("203.0.113.7:40000", toa::to_string(c->address));
	EXPECT_EQ(toa::carrier::spp, c->carrier);
	EXPECT_STREQ("SPP", toa::format_origin(*c).c_str());
	EXPECT_EQ("127.0.0.1:9999", toa::to_string(c->lb));
	EXPECT_EQ("192.0.2.10:53", toa::to_string(c->dst));
	ASSERT_EQ(2, c->n_hops);
	EXPECT_EQ(toa::carrier::spp, c->hops()[0].carrier);
	EXPECT_EQ(toa::carrier::peer, c->hops()[1].carrier);
	// the same from a source not allowed: an error, never an address
	auto bad = toa::resolve_datagram(d.data(), d.size(), other, pol);
	EXPECT_EQ(toa::errc::untrusted, bad.error());
	// no header: the peer; from a REQUIRE source: an error
	auto plain = toa::resolve_datagram("hello", 5, lb, pol, &hl);
	ASSERT_TRUE(plain);
	EXPECT_EQ(0u, hl);
	EXPECT_EQ(toa::carrier::peer, plain->carrier);
	EXPECT_EQ(lb, plain->address);
	EXPECT_EQ(toa::errc::required, toa::resolve_datagram("hello", 5, lb6, pol).error());
	EXPECT_EQ(toa::errc::incomplete, toa::resolve_datagram(d.data(), 20, lb, pol).error());
	// shorter than any header's magic: no header, even from a source that may not send
	// one (an empty datagram; one byte like SPP's first; PROXY v2's first 11)
	for (size_t n : {0, 1})
		EXPECT_EQ(toa::carrier::peer, toa::resolve_datagram(d.data(), n, other, pol)->carrier) << n;
	EXPECT_EQ(toa::carrier::peer,
		  toa::resolve_datagram(TOA_PROXY_V2_SIG, 11, other, pol)->carrier);
	EXPECT_EQ(toa::errc::untrusted, toa::resolve_datagram(TOA_PROXY_V2_SIG, 12, other, pol).error());

	// PROXY v2 over UDP
	bytes v(TOA_PROXY_V2_SIG, TOA_PROXY_V2_SIG + 12);
	bytes rest = {0x21, 0x12, 0, 12, 203, 0, 113, 8, 192, 0, 2, 10, 0x9c, 0x41, 0, 53, 'q'};
	v.insert(v.end(), rest.begin(), rest.end());
	c = toa::resolve_datagram(v.data(), v.size(), lb6, pol, &hl);
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(28u, hl);
	EXPECT_EQ("203.0.113.8:40001", toa::to_string(c->address));
	EXPECT_STREQ("PROXY(v2)", toa::format_origin(*c).c_str());
	toa::policy ignore;
	ignore.otherwise(toa::action::ignore);
	c = toa::resolve_datagram(v.data(), v.size(), other, ignore, &hl);
	ASSERT_TRUE(c);
	EXPECT_EQ(0u, hl);
	EXPECT_EQ(other, c->address);
}

void send_str(int fd, const std::string &s)
{
	ASSERT_EQ(static_cast<ssize_t>(s.size()), ::send(fd, s.data(), s.size(), MSG_NOSIGNAL));
}

TEST(Resolve, TcpProxyThenHttp)
{
	auto p = toatest::connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	send_str(p.client.get(), "PROXY TCP4 10.1.2.3 192.0.2.1 40000 80\r\nGET / HTTP/1.1\r\n"
				 "X-Forwarded-For: 198.51.100.66, 203.0.113.7\r\n\r\n");
	toa::policy pol;
	pol.add(*toa::cidr::parse("127.0.0.1"), toa::action::require);
	pol.add(*toa::cidr::parse("10.0.0.0/8"), toa::action::use); // the proxy behind it
	pol.read_proxy(true).timeout(std::chrono::seconds(5));
	auto c = toa::resolve(p.server.get(), pol);
	ASSERT_TRUE(c) << c.error().message();
	EXPECT_EQ(toa::carrier::proxy_v1, c->carrier);
	EXPECT_STREQ("PROXY(v1)", toa::format_origin(*c).c_str());
	EXPECT_EQ("10.1.2.3:40000", toa::to_string(c->address));
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.client_port), toa::to_string(c->lb));
	EXPECT_EQ("127.0.0.1:" + std::to_string(p.client_port), toa::to_string(c->peer));
	char buf[512];
	ssize_t n = ::recv(p.server.get(), buf, sizeof(buf), 0);
	ASSERT_GT(n, 0);
	ASSERT_EQ('G', buf[0]); // the request is untouched
	auto hl = toa::resolve_http(*c, pol, std::string_view(buf, static_cast<size_t>(n)));
	ASSERT_TRUE(hl) << hl.error().message();
	EXPECT_EQ(static_cast<size_t>(n), *hl);
	EXPECT_EQ("203.0.113.7:0", toa::to_string(c->address));
	EXPECT_STREQ("header(X-Forwarded-For)", toa::format_origin(*c).c_str());
	EXPECT_EQ("10.1.2.3:40000", toa::to_string(c->lb));
	ASSERT_EQ(3, c->n_hops);
	EXPECT_EQ(toa::carrier::header, c->hops()[0].carrier);
	EXPECT_EQ(toa::carrier::proxy_v1, c->hops()[1].carrier);
	EXPECT_EQ(toa::carrier::peer, c->hops()[2].carrier);
}

TEST(Resolve, TcpPoliciesRejectRequireIgnore)
{
	toa::policy reject; // no rules: every header is untrusted
	reject.read_proxy(true).timeout(std::chrono::milliseconds(300));
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		send_str(p.client.get(), "PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\n");
		EXPECT_EQ(toa::errc::untrusted, toa::resolve(p.server.get(), reject).error());
		char b[64];
		EXPECT_EQ(43, ::recv(p.server.get(), b, sizeof(b), MSG_DONTWAIT)); // not consumed
	}
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET); // a broken header: still untrusted
		send_str(p.client.get(), "PROXY TCP4 garbage\r\n");
		EXPECT_EQ(toa::errc::untrusted, toa::resolve(p.server.get(), reject).error());
	}
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET); // no header: the peer
		send_str(p.client.get(), "hello\n");
		auto c = toa::resolve(p.server.get(), reject);
		ASSERT_TRUE(c);
		EXPECT_EQ(toa::carrier::peer, c->carrier);
		EXPECT_STREQ("peer", toa::format_origin(*c).c_str());
	}
	toa::policy require;
	require.add(*toa::cidr::parse("127.0.0.0/8"), toa::action::require);
	require.read_proxy(true).timeout(std::chrono::milliseconds(300));
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		send_str(p.client.get(), "hello\n");
		EXPECT_EQ(toa::errc::required, toa::resolve(p.server.get(), require).error());
	}
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET); // nothing sent: the deadline
		EXPECT_EQ(toa::errc::timeout, toa::resolve(p.server.get(), require).error());
	}
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET); // LOCAL: the connection's own
		bytes v(TOA_PROXY_V2_SIG, TOA_PROXY_V2_SIG + 12);
		v.insert(v.end(), {0x20, 0x00, 0, 0});
		::send(p.client.get(), v.data(), v.size(), 0);
		auto c = toa::resolve(p.server.get(), require);
		ASSERT_TRUE(c) << c.error().message();
		EXPECT_EQ(toa::carrier::peer, c->carrier);
		char b[8];
		EXPECT_EQ(-1, ::recv(p.server.get(), b, sizeof(b), MSG_DONTWAIT)); // consumed
	}
	toa::policy ignore;
	ignore.otherwise(toa::action::ignore).read_proxy(true);
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		send_str(p.client.get(), "PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\n");
		auto c = toa::resolve(p.server.get(), ignore);
		ASSERT_TRUE(c);
		EXPECT_EQ(toa::carrier::peer, c->carrier);
		char b[64];
		::usleep(10000);
		EXPECT_EQ(43, ::recv(p.server.get(), b, sizeof(b), MSG_DONTWAIT)); // data, untouched
	}
	// the HTTP step from an untrusted answer: a header is an error
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		toa::policy none;
		auto c = toa::resolve(p.server.get(), none);
		ASSERT_TRUE(c);
		std::string h = req + "X-Forwarded-For: 203.0.113.7\r\n\r\n";
		EXPECT_EQ(toa::errc::untrusted, toa::resolve_http(*c, none, h).error());
		EXPECT_EQ(toa::errc::not_present, toa::resolve_http(*c, none, req + "\r\n").error());
		EXPECT_EQ(toa::carrier::peer, c->carrier); // unchanged
	}
}

TEST(Answer, LayoutAndGetClient)
{
	auto p = toatest::connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	toa_answer a;
	ASSERT_EQ(0, toa_get_answer(p.server.get(), &a));
	EXPECT_EQ(TOA_CARRIER_PEER, a.carrier);
	EXPECT_EQ(1, a.n_hops);
	auto c = toa::get_client(p.server.get());
	ASSERT_TRUE(c);
	EXPECT_EQ(toa::carrier::peer, c->carrier);
	EXPECT_EQ(toa::endpoint(a.peer), c->peer);
	toa_answer back = c->answer();
	EXPECT_EQ(0, std::memcmp(&a, &back, sizeof(a)));
	toa_client raw = c->to_c();
	EXPECT_EQ(0, std::memcmp(&a.toa, &raw, sizeof(raw)));
	char buf[TOA_ORIGIN_STRLEN];
	a.carrier = TOA_CARRIER_HEADER;
	std::strcpy(a.header, "X-Forwarded-For");
	EXPECT_EQ(23, toa_answer_format_origin(&a, buf, sizeof(buf)));
	EXPECT_STREQ("header(X-Forwarded-For)", buf);
	a.carrier = 99;
	EXPECT_EQ(TOA_E_INVALID, toa_answer_format_origin(&a, buf, sizeof(buf)));
	EXPECT_EQ(TOA_E_NO_SPACE, toa_answer_format_origin(&a, buf, 0) == TOA_E_INVALID
					  ? TOA_E_NO_SPACE : 0);
}

TEST(Errors, CodesAndMessages)
{
	for (int code = TOA_E_INCOMPLETE; code >= TOA_E_MIN; code--) {
		std::string m = toa_strerror(code);
		EXPECT_NE("unknown error", m) << code;
		auto ec = toa::to_error_code(code);
		EXPECT_EQ(&toa::category(), &ec.category());
		EXPECT_EQ(m, ec.message());
	}
	EXPECT_EQ(std::errc::timed_out, toa::make_error_code(toa::errc::timeout));
	EXPECT_EQ(std::errc::permission_denied, toa::make_error_code(toa::errc::untrusted));
}

} // namespace
