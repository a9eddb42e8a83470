// SPDX-License-Identifier: MIT
// The module's UOA parser (kmod/uoa_parse.c), the very file compiled into toa.ko, and the
// byte layouts of DPVS's ABI in the uapi header.
#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

extern "C" {
#include "uoa_parse.h"
}
#include "toa/uapi.h"

namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kUoa4 = {31, 8, 0x15, 0xb3, 203, 0, 113, 7}; // 203.0.113.7:5555
Bytes uoa6()
{
	Bytes b = {31, 20, 0x15, 0xb4, 0x20, 0x01, 0x0d, 0xb8};
	b.resize(20, 0);
	b[19] = 7; // 2001:db8::7:5556
	return b;
}

Bytes cat(std::initializer_list<Bytes> parts)
{
	Bytes r;
	for (auto &p : parts)
		r.insert(r.end(), p.begin(), p.end());
	return r;
}

} // namespace

TEST(UoaLayout, DpvsSizesAndOffsets)
{
	EXPECT_EQ(58u, sizeof(uoa_param_map));
	EXPECT_EQ(0u, offsetof(uoa_param_map, af));
	EXPECT_EQ(2u, offsetof(uoa_param_map, saddr));
	EXPECT_EQ(18u, offsetof(uoa_param_map, daddr));
	EXPECT_EQ(34u, offsetof(uoa_param_map, sport));
	EXPECT_EQ(36u, offsetof(uoa_param_map, dport));
	EXPECT_EQ(38u, offsetof(uoa_param_map, real_af));
	EXPECT_EQ(40u, offsetof(uoa_param_map, real_saddr));
	EXPECT_EQ(56u, offsetof(uoa_param_map, real_sport));
	EXPECT_EQ(4u, sizeof(toa_ipopt_uoa));
	EXPECT_EQ(4u, sizeof(toa_opphdr));
	EXPECT_EQ(2048, UOA_SO_GET_LOOKUP);
	EXPECT_EQ(31, TOA_UOA_OPT_KIND);
	EXPECT_EQ(248, TOA_UOA_IPPROTO_OPP);
}

TEST(UoaOptions, Ipv4Client)
{
	toa_uoa_parsed p;
	ASSERT_EQ(TOA_UOA_FOUND, toa_uoa_parse_options(kUoa4.data(), kUoa4.size(), &p));
	EXPECT_EQ(AF_INET, p.family);
	EXPECT_EQ(0x15, p.port[0]);
	EXPECT_EQ(0xb3, p.port[1]);
	EXPECT_EQ(203, p.addr[0]);
	EXPECT_EQ(7, p.addr[3]);
	EXPECT_EQ(0, p.addr[4]);
	EXPECT_EQ(1, p.n_uoa);
}

TEST(UoaOptions, Ipv6ClientAfterNops)
{
	Bytes b = cat({{1, 1, 1, 1}, uoa6()});
	toa_uoa_parsed p;
	ASSERT_EQ(TOA_UOA_FOUND, toa_uoa_parse_options(b.data(), b.size(), &p));
	EXPECT_EQ(AF_INET6, p.family);
	EXPECT_EQ(0x20, p.addr[0]);
	EXPECT_EQ(7, p.addr[15]);
}

TEST(UoaOptions, FirstWinsAndSecondCounted)
{
	Bytes second = {31, 8, 0, 1, 198, 51, 100, 99};
	Bytes b = cat({kUoa4, second});
	toa_uoa_parsed p;
	ASSERT_EQ(TOA_UOA_FOUND, toa_uoa_parse_options(b.data(), b.size(), &p));
	EXPECT_EQ(203, p.addr[0]);
	EXPECT_EQ(2, p.n_uoa);
}

TEST(UoaOptions, WrongLengthIsNoUoa)
{
	Bytes b = {31, 6, 1, 2, 3, 4, 1, 1};
	toa_uoa_parsed p;
	EXPECT_EQ(TOA_UOA_NONE, toa_uoa_parse_options(b.data(), b.size(), &p));
	EXPECT_EQ(1, p.n_bad);
	// ... and a valid one after it still counts.
	Bytes c = cat({b, kUoa4});
	EXPECT_EQ(TOA_UOA_FOUND, toa_uoa_parse_options(c.data(), c.size(), &p));
	EXPECT_EQ(1, p.n_bad);
}

TEST(UoaOptions, MalformedLists)
{
	toa_uoa_parsed p;
	for (const Bytes &b : {Bytes{31}, Bytes{31, 0}, Bytes{31, 1, 0, 0}, Bytes{7, 12, 4},
			       Bytes{31, 9, 0x15, 0xb3, 203, 0, 113, 7}})
		EXPECT_EQ(TOA_UOA_MALFORMED, toa_uoa_parse_options(b.data(), b.size(), &p));
	// A UOA before the break gives no address either: the list is broken.
	Bytes c = cat({kUoa4, {7, 12}});
	EXPECT_EQ(TOA_UOA_MALFORMED, toa_uoa_parse_options(c.data(), c.size(), &p));
}

TEST(UoaOptions, EolEnds)
{
	Bytes b = cat({{0}, kUoa4});
	toa_uoa_parsed p;
	EXPECT_EQ(TOA_UOA_NONE, toa_uoa_parse_options(b.data(), b.size(), &p));
	Bytes e;
	EXPECT_EQ(TOA_UOA_NONE, toa_uoa_parse_options(e.data(), 0, &p));
}

TEST(UoaNop, OnlyCarrier)
{
	Bytes b = cat({kUoa4, {31, 6, 0, 0, 0, 0, 0, 0}});
	b.resize(14);
	b[9] = 6;
	Bytes c = {31, 8, 0x15, 0xb3, 203, 0, 113, 7};
	EXPECT_EQ(1, toa_uoa_nop_options(c.data(), c.size()));
	EXPECT_EQ(Bytes(8, 1), c);
}

TEST(UoaNop, OtherOptionsStay)
{
	Bytes rr = {7, 7, 4, 0, 0, 0, 0, 0}; // record route (7 bytes) + EOL
	Bytes b = cat({kUoa4, rr});
	EXPECT_EQ(0, toa_uoa_nop_options(b.data(), b.size()));
	EXPECT_EQ(Bytes(8, 1), Bytes(b.begin(), b.begin() + 8));
	EXPECT_EQ(rr, Bytes(b.begin() + 8, b.end()));
}

TEST(UoaNop, BrokenListUntouched)
{
	Bytes b = cat({kUoa4, {7, 12}});
	Bytes before = b;
	EXPECT_EQ(-1, toa_uoa_nop_options(b.data(), b.size()));
	EXPECT_EQ(before, b);
}

TEST(UoaOpp, Ipv4ClientStrippable)
{
	Bytes udp = {0x9c, 0x40, 0x23, 0x28, 0, 9, 0, 0, 'x'};
	Bytes b = cat({{0x10, 17, 0, 12}, kUoa4, udp});
	toa_uoa_opp o;
	ASSERT_EQ(0, toa_uoa_parse_opp(b.data(), b.size(), &o));
	EXPECT_EQ(12, o.hdrlen);
	EXPECT_EQ(TOA_UOA_OPP_V4, o.version);
	EXPECT_EQ(17, o.protocol);
	EXPECT_EQ(TOA_UOA_FOUND, o.result);
	EXPECT_EQ(AF_INET, o.uoa.family);
}

TEST(UoaOpp, Ipv6Client)
{
	Bytes udp(8, 0);
	Bytes b = cat({{0x20, 17, 0, 24}, uoa6(), udp});
	toa_uoa_opp o;
	ASSERT_EQ(0, toa_uoa_parse_opp(b.data(), b.size(), &o));
	EXPECT_EQ(TOA_UOA_FOUND, o.result);
	EXPECT_EQ(AF_INET6, o.uoa.family);
}

TEST(UoaOpp, NoOptionsIsStrippableWithoutAddress)
{
	Bytes b = cat({{0x10, 17, 0, 4}, Bytes(8, 0)});
	toa_uoa_opp o;
	ASSERT_EQ(0, toa_uoa_parse_opp(b.data(), b.size(), &o));
	EXPECT_EQ(TOA_UOA_NONE, o.result);
}

TEST(UoaOpp, CannotStrip)
{
	toa_uoa_opp o;
	Bytes udp(8, 0);
	Bytes trunc = cat({{0x10, 17, 0, 40}, kUoa4, udp});   // length past the packet
	Bytes shortl = cat({{0x10, 17, 0, 2}, udp});           // shorter than itself
	Bytes tcp = cat({{0x10, 6, 0, 12}, kUoa4, udp});       // not UDP after it
	Bytes noudp = cat({{0x10, 17, 0, 12}, kUoa4, {0, 0}}); // no whole UDP header
	Bytes tiny = {0x10, 17};
	for (const Bytes *b : {&trunc, &shortl, &tcp, &noudp, &tiny})
		EXPECT_EQ(-1, toa_uoa_parse_opp(b->data(), b->size(), &o));
}

TEST(UoaOpp, BadVersionMalformed)
{
	Bytes b = cat({{0x70, 17, 0, 12}, kUoa4, Bytes(8, 0)});
	toa_uoa_opp o;
	ASSERT_EQ(0, toa_uoa_parse_opp(b.data(), b.size(), &o));
	EXPECT_EQ(TOA_UOA_MALFORMED, o.result);
}

TEST(UoaOpp, BrokenOptionsMalformed)
{
	Bytes b = cat({{0x10, 17, 0, 14}, kUoa4, {7, 12}, Bytes(8, 0)});
	toa_uoa_opp o;
	ASSERT_EQ(0, toa_uoa_parse_opp(b.data(), b.size(), &o));
	EXPECT_EQ(TOA_UOA_MALFORMED, o.result);
}
