// SPDX-License-Identifier: MIT
// PROXY protocol v1/v2 parsers: the specification's own examples, truncated, oversized
// and forged inputs, the TLVs (CRC32C, SSL, vendors'), and toa_proxy_read() on loopback.
#include "test_util.hpp"

#include <toa/carriers.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>

#include <string>
#include <thread>
#include <vector>

namespace {

using bytes = std::vector<std::uint8_t>;

std::string fmt(const toa_endpoint &e)
{
	return toa::to_string(toa::endpoint(e));
}

int parse(const std::string &s, toa_proxy_header *h)
{
	return toa_proxy_parse(s.data(), s.size(), h);
}

int parse(const bytes &b, toa_proxy_header *h)
{
	return toa_proxy_parse(b.data(), b.size(), h);
}

// ---------------------------------------------------------------- v1

TEST(ProxyV1, SpecExamples)
{
	toa_proxy_header h;
	// section 2.1: "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"
	std::string s = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n";
	ASSERT_EQ(47, parse(s, &h));
	EXPECT_EQ(1, h.version);
	EXPECT_EQ(TOA_PROXY_CMD_PROXY, h.command);
	EXPECT_EQ(TOA_PROXY_AF_INET, h.family);
	EXPECT_EQ("192.168.0.1:56324", fmt(h.src));
	EXPECT_EQ("192.168.0.11:443", fmt(h.dst));
	EXPECT_EQ(47u, h.length);

	// the worst cases the specification sizes its 107-byte buffer for
	s = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "65535 65535\r\n";
	ASSERT_EQ(104u, s.size());
	ASSERT_EQ(104, parse(s, &h));
	EXPECT_EQ("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", fmt(h.src));
	s = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "65535 65535\r\n";
	ASSERT_EQ(107u, s.size());
	ASSERT_EQ(107, parse(s, &h));
	EXPECT_EQ(TOA_PROXY_AF_UNSPEC, h.family);
	EXPECT_EQ(0, h.src.family); // UNKNOWN: the connection's own endpoints apply
	ASSERT_EQ(15, parse(std::string("PROXY UNKNOWN\r\n"), &h));
	s = "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
	ASSERT_EQ(56, parse(s, &h));
	EXPECT_EQ("255.255.255.255:65535", fmt(h.src));
}

TEST(ProxyV1, Ipv4MappedInTcp6IsIpv4)
{
	toa_proxy_header h;
	ASSERT_GT(parse(std::string("PROXY TCP6 ::ffff:203.0.113.7 2001:db8::1 40000 80\r\n"), &h), 0);
	EXPECT_EQ("203.0.113.7:40000", fmt(h.src));
	EXPECT_EQ("[2001:db8::1]:80", fmt(h.dst));
}

TEST(ProxyV1, TruncatedIsIncompleteAtEveryLength)
{
	std::string s = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	toa_proxy_header h;
	for (size_t n = 1; n < s.size(); n++) {
		EXPECT_EQ(TOA_E_INCOMPLETE, toa_proxy_parse(s.data(), n, &h)) << n;
		EXPECT_EQ(0, h.version);
	}
}

TEST(ProxyV1, NotPresent)
{
	toa_proxy_header h;
	EXPECT_EQ(TOA_E_NOT_PRESENT, parse(std::string("GET / HTTP/1.1\r\n"), &h));
	EXPECT_EQ(TOA_E_NOT_PRESENT, parse(std::string("PROXy TCP4"), &h));
	EXPECT_EQ(TOA_E_NOT_PRESENT, parse(std::string("POST"), &h));
	EXPECT_EQ(TOA_E_INCOMPLETE, parse(std::string("PRO"), &h));
	EXPECT_EQ(TOA_E_NOT_PRESENT, toa_proxy_v1_parse(TOA_PROXY_V2_SIG, 12, &h));
	EXPECT_EQ(TOA_E_INVALID, toa_proxy_parse("x", 1, nullptr));
	EXPECT_EQ(TOA_E_INVALID, toa_proxy_parse(nullptr, 1, &h));
}

TEST(ProxyV1, TooLong)
{
	toa_proxy_header h;
	std::string s = "PROXY UNKNOWN " + std::string(100, 'a') + "\r\n";
	EXPECT_EQ(TOA_E_TOO_LONG, parse(s, &h));
	// exactly 107 without a CRLF: too long, whatever follows
	s = "PROXY UNKNOWN " + std::string(93, 'a');
	ASSERT_EQ(107u, s.size());
	EXPECT_EQ(TOA_E_TOO_LONG, parse(s, &h));
	EXPECT_EQ(TOA_E_INCOMPLETE, toa_proxy_parse(s.data(), 106, &h));
}

TEST(ProxyV1, Malformed)
{
	const char *bad[] = {
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n",      // LF without CR
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\r\n",  // stray CR
		"PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n",   // two spaces
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n",   // trailing space
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n",        // a field missing
		"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 1\r\n",  // one too many
		"PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n",    // port range
		"PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n",
		"PROXY TCP4 192.168.0.1 192.168.0.11 123456 443\r\n",
		"PROXY TCP4 ::1 ::1 1 2\r\n",                           // family mismatch
		"PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n",
		"PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n",
		"PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n",                  // octal-looking
		"PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n",
		"PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n",
		"PROXY UNKNOWNX\r\n",
		"PROXY \r\n",
		"PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n",
	};
	toa_proxy_header h;
	for (const char *s : bad)
		EXPECT_EQ(TOA_E_MALFORMED, parse(std::string(s), &h)) << s;
	std::string nul("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\r\n");
	nul[12] = '\0';
	EXPECT_EQ(TOA_E_MALFORMED, parse(nul, &h));
}

// ---------------------------------------------------------------- v2

struct v2 {
	bytes b;
	explicit v2(std::uint8_t ver_cmd = 0x21, std::uint8_t fam = 0x11)
	{
		b.assign(TOA_PROXY_V2_SIG, TOA_PROXY_V2_SIG + 12);
		b.push_back(ver_cmd);
		b.push_back(fam);
		b.push_back(0);
		b.push_back(0);
	}
	v2 &raw(const bytes &x)
	{
		b.insert(b.end(), x.begin(), x.end());
		return fix();
	}
	v2 &tlv(std::uint8_t type, const bytes &v)
	{
		b.push_back(type);
		b.push_back(static_cast<std::uint8_t>(v.size() >> 8));
		b.push_back(static_cast<std::uint8_t>(v.size()));
		return raw(v);
	}
	v2 &crc()
	{
		tlv(TOA_PP2_TYPE_CRC32C, {0, 0, 0, 0});
		std::uint32_t c = toa_crc32c(0, b.data(), b.size());
		for (int i = 0; i < 4; i++)
			b[b.size() - 4 + i] = static_cast<std::uint8_t>(c >> (24 - 8 * i));
		return *this;
	}
	v2 &fix()
	{
		size_t n = b.size() - 16;
		b[14] = static_cast<std::uint8_t>(n >> 8);
		b[15] = static_cast<std::uint8_t>(n);
		return *this;
	}
};

const bytes inet4 = {192, 168, 0, 1, 192, 168, 0, 11, 0xdc, 0x04, 0x01, 0xbb}; // 56324 -> 443

TEST(ProxyV2, Tcp4)
{
	v2 m;
	m.raw(inet4);
	m.b.push_back('G'); // the application's first byte
	toa_proxy_header h;
	ASSERT_EQ(28, parse(m.b, &h));
	EXPECT_EQ(2, h.version);
	EXPECT_EQ(TOA_PROXY_CMD_PROXY, h.command);
	EXPECT_EQ(TOA_PROXY_AF_INET, h.family);
	EXPECT_EQ(TOA_PROXY_STREAM, h.transport);
	EXPECT_EQ("192.168.0.1:56324", fmt(h.src));
	EXPECT_EQ("192.168.0.11:443", fmt(h.dst));
	EXPECT_EQ(nullptr, h.tlvs);
	EXPECT_EQ(0, h.crc32c);
}

TEST(ProxyV2, Udp6AndMapped)
{
	bytes a(36, 0);
	a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8, a[15] = 7;        // 2001:db8::7
	a[16 + 10] = a[16 + 11] = 0xff, a[16 + 12] = 198, a[16 + 13] = 51, a[16 + 14] = 100, a[16 + 15] = 2;
	a[32] = 0x9c, a[33] = 0x40, a[34] = 0, a[35] = 53; // 40000 -> 53
	v2 m(0x21, 0x22);
	m.raw(a);
	toa_proxy_header h;
	ASSERT_EQ(52, toa_proxy_v2_parse(m.b.data(), m.b.size(), &h));
	EXPECT_EQ(TOA_PROXY_DGRAM, h.transport);
	EXPECT_EQ("[2001:db8::7]:40000", fmt(h.src));
	EXPECT_EQ("198.51.100.2:53", fmt(h.dst)); // IPv4-mapped reported as IPv4
}

TEST(ProxyV2, UnixAndLocalAndUnspec)
{
	bytes a(216, 0);
	std::memcpy(a.data(), "/run/client.sock", 16);
	v2 u(0x21, 0x31);
	u.raw(a);
	toa_proxy_header h;
	ASSERT_EQ(232, parse(u.b, &h));
	EXPECT_EQ(TOA_PROXY_AF_UNIX, h.family);
	EXPECT_EQ(0, h.src.family);
	ASSERT_NE(nullptr, h.unix_src);
	EXPECT_EQ(0, std::memcmp(h.unix_src, "/run/client.sock", 16));

	v2 local(0x20, 0x00); // LOCAL, UNSPEC: a health check
	ASSERT_EQ(16, parse(local.b, &h));
	EXPECT_EQ(TOA_PROXY_CMD_LOCAL, h.command);
	EXPECT_EQ(0, h.src.family);
	v2 local4(0x20, 0x11); // LOCAL with addresses: they are discarded
	local4.raw(inet4);
	ASSERT_EQ(28, parse(local4.b, &h));
	EXPECT_EQ(0, h.src.family);
	v2 local_bad(0x20, 0xff); // LOCAL: the family is ignored
	ASSERT_EQ(16, parse(local_bad.b, &h));

	v2 unspec(0x21, 0x00); // PROXY with UNSPEC: accepted, no address
	ASSERT_EQ(16, parse(unspec.b, &h));
	EXPECT_EQ(0, h.src.family);
}

TEST(ProxyV2, TruncatedAtEveryLength)
{
	v2 m;
	m.raw(inet4).tlv(TOA_PP2_TYPE_UNIQUE_ID, {1, 2, 3});
	toa_proxy_header h;
	for (size_t n = 1; n < m.b.size(); n++)
		EXPECT_EQ(TOA_E_INCOMPLETE, toa_proxy_parse(m.b.data(), n, &h)) << n;
	EXPECT_EQ(34, parse(m.b, &h));
}

TEST(ProxyV2, Malformed)
{
	toa_proxy_header h;
	v2 ver(0x11); // version 1 in a v2 header
	ver.raw(inet4);
	EXPECT_EQ(TOA_E_MALFORMED, parse(ver.b, &h));
	v2 cmd(0x22); // command 2
	cmd.raw(inet4);
	EXPECT_EQ(TOA_E_MALFORMED, parse(cmd.b, &h));
	v2 fam(0x21, 0x41);
	fam.raw(inet4);
	EXPECT_EQ(TOA_E_MALFORMED, parse(fam.b, &h));
	v2 proto(0x21, 0x13);
	proto.raw(inet4);
	EXPECT_EQ(TOA_E_MALFORMED, parse(proto.b, &h));
	v2 shortaddr(0x21, 0x21); // INET6 with 12 bytes of address
	shortaddr.raw(inet4);
	EXPECT_EQ(TOA_E_MALFORMED, parse(shortaddr.b, &h));
	v2 trailing; // a partial TLV after the addresses
	trailing.raw(inet4).raw({0x05, 0x00});
	EXPECT_EQ(TOA_E_MALFORMED, parse(trailing.b, &h));
	v2 over; // a TLV longer than the header
	over.raw(inet4).raw({0x05, 0x00, 0x09, 1, 2});
	EXPECT_EQ(TOA_E_MALFORMED, parse(over.b, &h));
	EXPECT_EQ(0, h.version); // cleared on error
	bytes sig(TOA_PROXY_V2_SIG, TOA_PROXY_V2_SIG + 12);
	sig[11] = 0x0B;
	EXPECT_EQ(TOA_E_NOT_PRESENT, parse(sig, &h));
}

TEST(ProxyV2, Crc32c)
{
	const char *check = "123456789"; // the CRC-32C check value
	EXPECT_EQ(0xE3069283u, toa_crc32c(0, check, 9));
	EXPECT_EQ(0xE3069283u, toa_crc32c(toa_crc32c(0, check, 4), check + 4, 5));

	v2 m;
	m.raw(inet4).tlv(TOA_PP2_TYPE_UNIQUE_ID, {'i', 'd'}).crc();
	toa_proxy_header h;
	ASSERT_EQ(static_cast<int>(m.b.size()), parse(m.b, &h));
	EXPECT_EQ(1, h.crc32c);
	for (size_t i = 0; i < m.b.size(); i++) {
		if ((i >= 14 && i < 16) || i == m.b.size() - 7)
			continue; // the length: a different error; the CRC TLV's type: no CRC then
		bytes x = m.b;
		x[i] ^= 0x01;
		int rc = parse(x, &h);
		EXPECT_TRUE(rc == TOA_E_CHECKSUM || rc == TOA_E_MALFORMED || rc == TOA_E_NOT_PRESENT)
			<< i << " " << rc << " " << h.command;
		EXPECT_NE(TOA_E_INCOMPLETE, rc);
	}
	v2 two;
	two.raw(inet4).crc();
	two.tlv(TOA_PP2_TYPE_CRC32C, {0, 0, 0, 0});
	EXPECT_EQ(TOA_E_MALFORMED, parse(two.b, &h)); // a second CRC TLV
	v2 len3;
	len3.raw(inet4).tlv(TOA_PP2_TYPE_CRC32C, {0, 0, 0});
	EXPECT_EQ(TOA_E_MALFORMED, parse(len3.b, &h));
}

TEST(ProxyV2, EveryStandardTlvAndVendors)
{
	v2 m;
	m.raw(inet4)
		.tlv(TOA_PP2_TYPE_ALPN, {'h', '2'})
		.tlv(TOA_PP2_TYPE_AUTHORITY, {'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'})
		.tlv(TOA_PP2_TYPE_NOOP, {0, 0})
		.tlv(TOA_PP2_TYPE_UNIQUE_ID, {0xde, 0xad})
		.tlv(TOA_PP2_TYPE_SSL, {0x07, 0, 0, 0, 0, // client bits, verify 0
					TOA_PP2_SUBTYPE_SSL_VERSION, 0, 7, 'T', 'L', 'S', 'v', '1', '.', '3',
					TOA_PP2_SUBTYPE_SSL_CN, 0, 1, 'c'})
		.tlv(TOA_PP2_TYPE_NETNS, {'n', 's'})
		.tlv(TOA_PP2_TYPE_AWS, {0x01, 'v', 'p', 'c', 'e', '-', '1'})
		.tlv(TOA_PP2_TYPE_AZURE, {0x01, 0x78, 0x56, 0x34, 0x12})
		.tlv(TOA_PP2_TYPE_GCP, {0, 0, 0, 0, 0, 0, 0x12, 0x34})
		.crc();
	auto h = toa::parse_proxy(m.b.data(), m.b.size());
	ASSERT_TRUE(h) << h.error().message();
	EXPECT_TRUE(h->crc32c_checked());
	std::vector<int> types;
	h->for_each_tlv([&](const toa::proxy_tlv &t) { types.push_back(t.type()); });
	EXPECT_EQ((std::vector<int>{1, 2, 4, 5, 0x20, 0x30, 0xEA, 0xEE, 0xE0, 3}), types);
	EXPECT_EQ("example.com", h->find(TOA_PP2_TYPE_AUTHORITY)->text());
	EXPECT_EQ(toa::errc::not_present, h->find(0x99).error());

	auto ssl = h->find(TOA_PP2_TYPE_SSL);
	ASSERT_TRUE(ssl);
	std::uint8_t client = 0;
	std::uint32_t verify = 1;
	ASSERT_EQ(0, toa_proxy_ssl(&ssl->raw(), &client, &verify));
	EXPECT_EQ(7, client);
	EXPECT_EQ(0u, verify);
	size_t pos = 0;
	toa_proxy_tlv sub;
	ASSERT_EQ(1, toa_proxy_ssl_next(&ssl->raw(), &pos, &sub));
	EXPECT_EQ(TOA_PP2_SUBTYPE_SSL_VERSION, sub.type);
	EXPECT_EQ("TLSv1.3", std::string(reinterpret_cast<const char *>(sub.value), sub.len));
	ASSERT_EQ(1, toa_proxy_ssl_next(&ssl->raw(), &pos, &sub));
	EXPECT_EQ(TOA_PP2_SUBTYPE_SSL_CN, sub.type);
	EXPECT_EQ(0, toa_proxy_ssl_next(&ssl->raw(), &pos, &sub));

	const char *id;
	size_t idlen;
	ASSERT_EQ(0, toa_proxy_aws_vpce_id(&h->find(TOA_PP2_TYPE_AWS)->raw(), &id, &idlen));
	EXPECT_EQ("vpce-1", std::string(id, idlen));
	std::uint32_t link = 0;
	ASSERT_EQ(0, toa_proxy_azure_link_id(&h->find(TOA_PP2_TYPE_AZURE)->raw(), &link));
	EXPECT_EQ(0x12345678u, link);
	std::uint64_t psc = 0;
	ASSERT_EQ(0, toa_proxy_gcp_psc_id(&h->find(TOA_PP2_TYPE_GCP)->raw(), &psc));
	EXPECT_EQ(0x1234u, psc);
	EXPECT_EQ(TOA_E_NOT_PRESENT, toa_proxy_gcp_psc_id(&ssl->raw(), &psc));
}

TEST(ProxyV2, LongestHeader)
{
	v2 m;
	m.raw(inet4).tlv(TOA_PP2_TYPE_NOOP, bytes(65535 - 12 - 3, 0));
	ASSERT_EQ(static_cast<size_t>(TOA_PROXY_V2_MAX), m.b.size());
	toa_proxy_header h;
	EXPECT_EQ(TOA_PROXY_V2_MAX, parse(m.b, &h));
}

// ---------------------------------------------------------------- toa_proxy_read()

void send_all(int fd, const void *p, size_t n)
{
	ASSERT_EQ(static_cast<ssize_t>(n), ::send(fd, p, n, MSG_NOSIGNAL));
}

TEST(ProxyRead, ConsumesExactlyTheHeader)
{
	auto p = toatest::connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	std::string s = "PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\nhello";
	send_all(p.client.get(), s.data(), s.size());
	unsigned char buf[TOA_PROXY_V1_MAX];
	auto h = toa::read_proxy(p.server.get(), std::chrono::seconds(5), buf, sizeof(buf));
	ASSERT_TRUE(h) << h.error().message();
	EXPECT_EQ("203.0.113.7:40000", toa::to_string(h->source()));
	char rest[16] = {};
	ASSERT_EQ(5, ::recv(p.server.get(), rest, sizeof(rest), MSG_DONTWAIT));
	EXPECT_STREQ("hello", rest);
}

TEST(ProxyRead, HeaderInPiecesBlockingAndNonBlocking)
{
	for (bool nonblock : {false, true}) {
		auto p = toatest::connect_pair(AF_INET6, AF_INET6);
		if (p.server.get() < 0)
			p = toatest::connect_pair(AF_INET, AF_INET);
		ASSERT_GE(p.server.get(), 0);
		if (nonblock)
			::fcntl(p.server.get(), F_SETFL, ::fcntl(p.server.get(), F_GETFL) | O_NONBLOCK);
		v2 m;
		m.raw(inet4).tlv(TOA_PP2_TYPE_UNIQUE_ID, bytes(300, 'u')).crc();
		m.b.push_back('X');
		int cfd = p.client.get();
		std::thread t([&] {
			for (size_t off = 0; off < m.b.size();) {
				size_t n = std::min<size_t>(7, m.b.size() - off);
				::send(cfd, m.b.data() + off, n, MSG_NOSIGNAL);
				off += n;
				::usleep(2000);
			}
		});
		std::vector<unsigned char> buf(TOA_PROXY_V2_MAX);
		toa_proxy_header h;
		int rc = toa_proxy_read(p.server.get(), 10000, buf.data(), buf.size(), &h);
		t.join();
		ASSERT_EQ(static_cast<int>(m.b.size() - 1), rc) << toa_strerror(rc);
		EXPECT_EQ(1, h.crc32c);
		int lowat = 0;
		socklen_t ll = sizeof(lowat);
		::getsockopt(p.server.get(), SOL_SOCKET, SO_RCVLOWAT, &lowat, &ll);
		EXPECT_EQ(1, lowat); // left as it was
		char c = 0;
		pollfd pfd{p.server.get(), POLLIN, 0};
		::poll(&pfd, 1, 2000);
		ASSERT_EQ(1, ::recv(p.server.get(), &c, 1, MSG_DONTWAIT));
		EXPECT_EQ('X', c);
	}
}

TEST(ProxyRead, ZeroTimeoutIsIncompleteAndConsumesNothing)
{
	auto p = toatest::connect_pair(AF_INET, AF_INET);
	ASSERT_GE(p.server.get(), 0);
	unsigned char buf[256];
	toa_proxy_header h;
	EXPECT_EQ(TOA_E_INCOMPLETE, toa_proxy_read(p.server.get(), 0, buf, sizeof(buf), &h));
	send_all(p.client.get(), "PROXY TCP4 1.2.3.4", 18);
	::usleep(20000);
	EXPECT_EQ(TOA_E_INCOMPLETE, toa_proxy_read(p.server.get(), 0, buf, sizeof(buf), &h));
	send_all(p.client.get(), " 5.6.7.8 1 2\r\n", 14);
	::usleep(20000);
	EXPECT_EQ(32, toa_proxy_read(p.server.get(), 0, buf, sizeof(buf), &h));
	EXPECT_EQ("1.2.3.4:1", fmt(h.src));
}

TEST(ProxyRead, DeadlineClosedNotPresentTooLong)
{
	unsigned char buf[128];
	toa_proxy_header h;
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		send_all(p.client.get(), "PROXY TCP4 1.2", 14);
		auto t0 = std::chrono::steady_clock::now();
		EXPECT_EQ(TOA_E_TIMEOUT, toa_proxy_read(p.server.get(), 200, buf, sizeof(buf), &h));
		auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
			std::chrono::steady_clock::now() - t0).count();
		EXPECT_GE(ms, 190);
		EXPECT_LT(ms, 2000);
		p.client.reset(); // EOF mid-header
		EXPECT_EQ(TOA_E_CLOSED, toa_proxy_read(p.server.get(), 2000, buf, sizeof(buf), &h));
	}
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		send_all(p.client.get(), "GET / HTTP/1.1\r\n", 16);
		EXPECT_EQ(TOA_E_NOT_PRESENT, toa_proxy_read(p.server.get(), 2000, buf, sizeof(buf), &h));
		char c[16];
		EXPECT_EQ(16, ::recv(p.server.get(), c, sizeof(c), 0)); // nothing consumed
	}
	{
		auto p = toatest::connect_pair(AF_INET, AF_INET);
		v2 m;
		m.raw(inet4).tlv(TOA_PP2_TYPE_NOOP, bytes(200, 0));
		send_all(p.client.get(), m.b.data(), m.b.size());
		EXPECT_EQ(TOA_E_TOO_LONG, toa_proxy_read(p.server.get(), 2000, buf, sizeof(buf), &h));
	}
}

} // namespace
