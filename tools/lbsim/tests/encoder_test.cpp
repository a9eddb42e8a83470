// SPDX-License-Identifier: MIT
//
// Host-side tests of the simulator's wire code: no TUN, no privileges.
// Reference packets were computed by an independent implementation (Python struct +
// RFC 1071), and the IPv4 header example is the well-known one from RFC 1071 tutorials.
#include "lbsim.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include <map>
#include <set>

using namespace toa::lbsim;

namespace {

std::vector<uint8_t> H(const char *s)
{
	auto v = unhex(s);
	EXPECT_TRUE(v.has_value()) << s;
	return v ? *v : std::vector<uint8_t>{};
}

Endpoint EP(const char *s)
{
	auto e = Endpoint::parse(s);
	EXPECT_TRUE(e.has_value()) << s;
	return e ? *e : Endpoint{};
}

std::string enc_hex(const OptionList &l, const StackOpts &st = {}, bool fit = true)
{
	EncodedOptions e;
	std::string err;
	if (!encode_options(l, st, fit, e, &err))
		return "ERR:" + err;
	return hex(e.bytes, e.len);
}

Expectation X(const std::vector<uint8_t> &b, uint32_t en = TOA_FMT_DEFAULT)
{
	return expect_first_toa(b.data(), b.size(), en);
}

StackOpts syn_full(uint32_t tsval = 0xabcd)
{
	StackOpts s;
	s.syn = true;
	s.mss = true;
	s.mss_value = 1460;
	s.sack_perm = true;
	s.ts = true;
	s.tsval = tsval;
	s.wscale = 7;
	return s;
}

const Endpoint kC4 = Endpoint::parse("203.0.113.7:40000").value();
const Endpoint kC6 = Endpoint::parse("[2001:db8:c::7]:40000").value();

} // namespace

// ---------------------------------------------------------------------------------
// Addresses

TEST(Addr, ParseAndFormat)
{
	auto a = Addr::parse("192.0.2.1");
	ASSERT_TRUE(a);
	EXPECT_TRUE(a->is_v4());
	EXPECT_EQ(a->str(), "192.0.2.1");
	auto b = Addr::parse("2001:db8::1");
	ASSERT_TRUE(b);
	EXPECT_TRUE(b->is_v6());
	EXPECT_EQ(b->str(), "2001:db8::1");
	EXPECT_FALSE(Addr::parse("300.1.1.1"));
	EXPECT_FALSE(Addr::parse(""));
	EXPECT_EQ(Addr::v4(0xc0000201), *a);
}

TEST(Addr, Endpoints)
{
	EXPECT_EQ(EP("203.0.113.7:40000").port, 40000);
	EXPECT_EQ(EP("[2001:db8:c::7]:1").addr.str(), "2001:db8:c::7");
	EXPECT_EQ(EP("[2001:db8:c::7]:1").str(), "[2001:db8:c::7]:1");
	EXPECT_FALSE(Endpoint::parse("203.0.113.7"));
	EXPECT_FALSE(Endpoint::parse("203.0.113.7:65536"));
	EXPECT_FALSE(Endpoint::parse("2001:db8::1:80")); // IPv6 needs brackets
	auto lb = Endpoint::parse("198.51.100.2", false);
	ASSERT_TRUE(lb);
	EXPECT_EQ(lb->port, 0);
	auto lb6 = Endpoint::parse("2001:db8:ff::2", false);
	ASSERT_TRUE(lb6);
	EXPECT_TRUE(lb6->addr.is_v6());
}

TEST(Addr, Prefixes)
{
	auto p = Prefix::parse("198.51.100.0/24");
	ASSERT_TRUE(p);
	EXPECT_TRUE(p->contains(*Addr::parse("198.51.100.200")));
	EXPECT_FALSE(p->contains(*Addr::parse("198.51.101.1")));
	auto q = Prefix::parse("2001:db8:ff::/48");
	ASSERT_TRUE(q);
	EXPECT_TRUE(q->contains(*Addr::parse("2001:db8:ff:1::2")));
	EXPECT_FALSE(q->contains(*Addr::parse("2001:db8:fe::2")));
	EXPECT_EQ(Prefix::parse("192.0.2.1")->len, 32);
	EXPECT_FALSE(Prefix::parse("192.0.2.1/33"));
}

TEST(Formats, TableMatchesUapi)
{
	struct {
		Format f;
		int kind, len, family;
		unsigned uapi;
	} t[] = {
		{Format::F254_8, 254, 8, AF_INET, TOA_FMT_254_8},
		{Format::F254_20, 254, 20, AF_INET6, TOA_FMT_254_20},
		{Format::F200_8, 200, 8, AF_INET, TOA_FMT_200_8},
		{Format::F253_20, 253, 20, AF_INET6, TOA_FMT_253_20},
		{Format::F253_8, 253, 8, AF_INET, TOA_FMT_253_8},
		{Format::F249_40, 249, 40, AF_INET6, TOA_FMT_249_40},
		{Format::F28_7, 28, 7, AF_INET, TOA_FMT_28_7},
	};
	for (auto &x : t) {
		const FormatInfo &fi = format_info(x.f);
		EXPECT_EQ(fi.kind, x.kind);
		EXPECT_EQ(fi.len, x.len);
		EXPECT_EQ(fi.family, x.family);
		EXPECT_EQ(static_cast<unsigned>(x.f), x.uapi);
		EXPECT_EQ(format_by_kind_len(x.kind, x.len), x.f);
		EXPECT_EQ(parse_format(fi.name), x.f);
	}
	EXPECT_FALSE(format_by_kind_len(200, 10));
	EXPECT_FALSE(format_by_kind_len(28, 4)); // RFC 5482 User Timeout
	EXPECT_EQ(parse_format("tencent"), Format::F200_8);
	EXPECT_EQ(parse_format_mask("default"), uint32_t(TOA_FMT_DEFAULT));
	EXPECT_EQ(parse_format_mask("200/8,28/7"),
		  uint32_t(TOA_FMT_BIT(TOA_FMT_200_8) | TOA_FMT_BIT(TOA_FMT_28_7)));
	EXPECT_FALSE(parse_format_mask("200/9"));
}

// ---------------------------------------------------------------------------------
// Checksums and packets

TEST(Checksum, Ipv4HeaderKnownExample)
{
	auto h = H("450000730000400040110000c0a80001c0a800c7");
	EXPECT_EQ(ipv4_header_checksum(h.data(), h.size()), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	EXPECT_EQ(ipv4_header_checksum(h.data(), h.size()), 0);
}

TEST(Checksum, OddLength)
{
	uint8_t b[3] = {0x01, 0x02, 0x03};
	// 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd
	EXPECT_EQ(csum_fold(csum_add(0, b, 3)), 0xfbfd);
}

TEST(Packet, Ipv4SynMatchesReference)
{
	Segment s;
	s.src = *Addr::parse("198.51.100.2");
	s.dst = *Addr::parse("192.0.2.1");
	s.sport = 20001;
	s.dport = 8080;
	s.seq = 0x01020304;
	s.flags = tcpflag::SYN;
	s.window = 65535;
	EncodedOptions e;
	std::string err;
	ASSERT_TRUE(encode_options({OptionSpec::toa(Format::F200_8, kC4)}, syn_full(0xabcd), true, e,
				   &err))
		<< err;
	s.opts = e.bytes;
	s.optlen = e.len;
	uint8_t buf[256];
	size_t n = build_packet(buf, sizeof(buf), s, 0x1234);
	EXPECT_EQ(hex(buf, n),
		  "450000441234400040063c49c6336402c00002014e211f900102030400000000c002ffff7dea"
		  "0000c8089c40cb007107020405b40402080a0000abcd0000000001030307");
	Segment p;
	ASSERT_EQ(parse_packet(buf, n, p), ParseResult::Ok);
	EXPECT_EQ(p.sport, 20001);
	EXPECT_EQ(p.dport, 8080);
	EXPECT_EQ(p.seq, 0x01020304u);
	EXPECT_EQ(p.flags, tcpflag::SYN);
	EXPECT_EQ(p.optlen, 28u);
	EXPECT_EQ(p.paylen, 0u);
	buf[n - 1] ^= 1;
	EXPECT_EQ(parse_packet(buf, n, p), ParseResult::BadChecksum);
	buf[n - 1] ^= 1;
	buf[8] = 63; // TTL: IP header checksum now wrong
	EXPECT_EQ(parse_packet(buf, n, p), ParseResult::BadChecksum);
}

TEST(Packet, Ipv6DataMatchesReference)
{
	Segment s;
	s.src = *Addr::parse("2001:db8:ff::2");
	s.dst = *Addr::parse("2001:db8::1");
	s.sport = 20002;
	s.dport = 8080;
	s.seq = 0x11111111;
	s.ack = 0x22222222;
	s.flags = tcpflag::ACK | tcpflag::PSH;
	s.window = 512;
	StackOpts st;
	st.ts = true;
	st.tsval = 100;
	st.tsecr = 200;
	EncodedOptions e;
	ASSERT_TRUE(encode_options({}, st, true, e, nullptr));
	s.opts = e.bytes;
	s.optlen = e.len;
	s.payload = reinterpret_cast<const uint8_t *>("hello");
	s.paylen = 5;
	uint8_t buf[256];
	size_t n = build_packet(buf, sizeof(buf), s);
	EXPECT_EQ(hex(buf, n),
		  "600000000025064020010db800ff0000000000000000000220010db8000000000000000000"
		  "0000014e221f90111111112222222280180200ff2500000101080a00000064000000c8"
		  "68656c6c6f");
	Segment p;
	ASSERT_EQ(parse_packet(buf, n, p), ParseResult::Ok);
	EXPECT_EQ(std::string(reinterpret_cast<const char *>(p.payload), p.paylen), "hello");
	EXPECT_EQ(p.ack, 0x22222222u);
	PeerOpts po = parse_peer_options(p.opts, p.optlen);
	EXPECT_TRUE(po.ts);
	EXPECT_EQ(po.tsval, 100u);
	EXPECT_EQ(po.tsecr, 200u);
	EXPECT_EQ(tcp_checksum(p.src, p.dst, buf + 40, n - 40), 0);
}

TEST(Packet, RejectsBadInput)
{
	Segment s;
	uint8_t udp[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17};
	EXPECT_EQ(parse_packet(udp, sizeof(udp), s, false), ParseResult::NotTcp);
	uint8_t shortpkt[10] = {0x45};
	EXPECT_EQ(parse_packet(shortpkt, sizeof(shortpkt), s), ParseResult::Bad);
	Segment mixed;
	mixed.src = *Addr::parse("198.51.100.2");
	mixed.dst = *Addr::parse("2001:db8::1");
	uint8_t buf[128];
	EXPECT_EQ(build_packet(buf, sizeof(buf), mixed), 0u);
}

TEST(Packet, PeerOptionsOfASynAck)
{
	// MSS 1460, SACK-permitted, TS, NOP, WS 7 (what Linux sends)
	auto o = H("020405b40402080a000003e80000abcd01030307");
	PeerOpts p = parse_peer_options(o.data(), o.size());
	EXPECT_TRUE(p.mss);
	EXPECT_EQ(p.mss_value, 1460);
	EXPECT_TRUE(p.sack_perm);
	EXPECT_TRUE(p.ts);
	EXPECT_EQ(p.tsval, 1000u);
	EXPECT_EQ(p.tsecr, 0xabcdu);
	EXPECT_EQ(p.wscale, 7);
}

// ---------------------------------------------------------------------------------
// Option encodings, byte exact

TEST(Encode, EveryFormat)
{
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F254_8, kC4)}), "fe089c40cb007107");
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F200_8, kC4)}), "c8089c40cb007107");
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F253_8, kC4)}), "fd089c40cb007107");
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F254_20, kC6)}),
		  "fe149c4020010db8000c00000000000000000007");
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F253_20, kC6)}),
		  "fd149c4020010db8000c00000000000000000007");
	OptionSpec a6 = OptionSpec::toa(Format::F249_40, kC6);
	a6.bytes = H("0102030405060708090a0b0c0d0e0f1011121314");
	EXPECT_EQ(enc_hex({a6}), "f9289c4020010db8000c00000000000000000007"
				 "0102030405060708090a0b0c0d0e0f1011121314");
	// 28/7: version 1 + IPv4, no port; EOL-padded to 8
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F28_7, kC4)}), "1c0701cb00710700");
	OptionSpec v2 = OptionSpec::toa(Format::F28_7, kC4);
	v2.version = 2;
	EXPECT_EQ(enc_hex({v2}), "1c0702cb00710700");
	// 249/40 without info: zeros
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F249_40, kC6)}),
		  "f9289c4020010db8000c00000000000000000007"
		  "0000000000000000000000000000000000000000");
}

TEST(Encode, FamilyMismatchIsAnError)
{
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F200_8, kC6)}).substr(0, 4), "ERR:");
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F254_20, kC4)}).substr(0, 4), "ERR:");
}

TEST(Encode, KindAndLengthOverride)
{
	OptionSpec o = OptionSpec::toa(Format::F254_8, kC4);
	o.kind = 201;
	EXPECT_EQ(enc_hex({o}), "c9089c40cb007107");
	o.len = 10; // data padded with zeros
	EXPECT_EQ(enc_hex({o}), "c90a9c40cb0071070000" "0000");
	o.len = 6;  // data cut
	EXPECT_EQ(enc_hex({o}), "c9069c40cb000000");
}

TEST(Encode, SynWithStackOptionsAfterTheToa)
{
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F200_8, kC4)}, syn_full(1)),
		  "c8089c40cb007107" "020405b4" "0402080a0000000100000000" "01030307");
	// unaligned 28/7 gets a NOP before the stack options
	EXPECT_EQ(enc_hex({OptionSpec::toa(Format::F28_7, kC4)}, syn_full(1)),
		  "1c0701cb00710701" "020405b4" "0402080a0000000100000000" "01030307");
	// stack first
	EXPECT_EQ(enc_hex({OptionSpec::stack(), OptionSpec::toa(Format::F200_8, kC4)}, syn_full(1)),
		  "020405b4" "0402080a0000000100000000" "01030307" "c8089c40cb007107");
	// no options at all on a SYN with nothing enabled
	EXPECT_EQ(enc_hex({}, StackOpts{}), "");
	// SACK without timestamps: NOP NOP SACK-permitted
	StackOpts s = syn_full();
	s.ts = false;
	EXPECT_EQ(enc_hex({}, s), "020405b4" "01010402" "01030307");
}

TEST(Encode, AutoFit)
{
	// 254/20 + full SYN set = 40: fits exactly
	EncodedOptions e;
	ASSERT_TRUE(encode_options({OptionSpec::toa(Format::F254_20, kC6)}, syn_full(), true, e,
				   nullptr));
	EXPECT_EQ(e.len, 40);
	EXPECT_TRUE(e.used.ts && e.used.mss && e.used.sack_perm && e.used.wscale == 7);
	// 249/40 leaves no room: all ordinary options dropped
	ASSERT_TRUE(encode_options({OptionSpec::toa(Format::F249_40, kC6)}, syn_full(), true, e,
				   nullptr));
	EXPECT_EQ(e.len, 40);
	EXPECT_FALSE(e.used.ts || e.used.mss || e.used.sack_perm || e.used.wscale >= 0);
	EXPECT_EQ(e.bytes[0], 249);
	// 254/20 twice and a NOP = 41 > 40 even without stack options: an error
	std::string err;
	EXPECT_FALSE(encode_options({OptionSpec::toa(Format::F254_20, kC6),
				     OptionSpec::toa(Format::F254_20, kC6), OptionSpec::nop()},
				    StackOpts{}, true, e, &err));
	EXPECT_NE(err.find("40"), std::string::npos);
	// without auto-fit, 249/40 + SYN options fail
	EXPECT_FALSE(encode_options({OptionSpec::toa(Format::F249_40, kC6)}, syn_full(), false, e,
				    &err));
	// 254/20 + TS + window scale... dropping WS first: 20 + 4 + 12 = 36 fits after WS
	StackOpts s = syn_full();
	ASSERT_TRUE(encode_options({OptionSpec::toa(Format::F254_20, kC6), OptionSpec::nop(),
				    OptionSpec::nop(), OptionSpec::nop(), OptionSpec::nop()},
				   s, true, e, nullptr));
	EXPECT_EQ(e.used.wscale, -1);
	EXPECT_TRUE(e.used.ts);
	EXPECT_EQ(e.len, 40);
}

// ---------------------------------------------------------------------------------
// Malformed encodings

TEST(Malformed, Encodings)
{
	auto L = [](Malformation m) {
		return enc_hex(make_option_list(Format::F200_8, kC4, m));
	};
	EXPECT_EQ(L(Malformation::None), "c8089c40cb007107");
	EXPECT_EQ(L(Malformation::Len0), "c800c8089c40cb0071070000");
	EXPECT_EQ(L(Malformation::Len1), "c801c8089c40cb0071070000");
	EXPECT_EQ(L(Malformation::Truncated), "c8089c40");
	EXPECT_EQ(L(Malformation::BadLen), "c80a9c40cb0071070000" "0000");
	EXPECT_EQ(L(Malformation::Forged), "c8089c40cb007107" "c8081a0ac0000242");
	EXPECT_EQ(L(Malformation::EolBefore), "00c8089c40cb0071070000" "00");
	EXPECT_EQ(L(Malformation::NopBefore), "010101c8089c40cb00710700");
	EXPECT_EQ(L(Malformation::Len0After), "c8089c40cb007107c8000000");
	EXPECT_EQ(L(Malformation::TruncatedAfter), "c8089c40cb007107fa0c0000");
}

TEST(Malformed, EncodingsParseAsIntended)
{
	for (Format f : {Format::F254_8, Format::F200_8, Format::F253_8, Format::F254_20,
			 Format::F253_20, Format::F28_7}) {
		const Endpoint &c = format_info(f).family == AF_INET ? kC4 : kC6;
		// every format but those of f's kind
		uint32_t other_kinds = 0;
		for (unsigned i = 0; i < kFormatCount; i++)
			if (format_info(static_cast<Format>(i)).kind != format_info(f).kind)
				other_kinds |= TOA_FMT_BIT(i);
		auto check = [&](Malformation m, Expectation::Result r, bool with_stack,
				 uint32_t enabled = TOA_FMT_ALL) {
			EncodedOptions e;
			std::string err;
			StackOpts st = with_stack ? syn_full() : StackOpts{};
			ASSERT_TRUE(encode_options(make_option_list(f, c, m), st, true, e, &err))
				<< malformation_name(m) << " " << format_info(f).name << " " << err;
			Expectation x = expect_first_toa(e.bytes, e.len, enabled);
			EXPECT_EQ(x.result, r) << malformation_name(m) << " " << format_info(f).name
					       << " " << hex(e.bytes, e.len) << " enabled "
					       << format_mask_str(enabled);
			if (r == Expectation::Result::Found) {
				EXPECT_EQ(x.format, f);
				EXPECT_EQ(x.client.addr, c.addr);
				EXPECT_EQ(x.client.port, format_info(f).has_port ? c.port : 0);
			}
		};
		for (bool ws : {false, true}) {
			using R = Expectation::Result;
			check(Malformation::None, R::Found, ws);
			check(Malformation::Len0, R::Malformed, ws);
			check(Malformation::Len1, R::Malformed, ws);
			check(Malformation::Truncated, R::Malformed, ws);
			// a TOA kind with a wrong length is a malformed TOA while a format of
			// that kind is read, an unknown option otherwise
			check(Malformation::BadLen, R::Malformed, ws);
			check(Malformation::BadLen, R::Malformed, ws,
			      TOA_FMT_BIT(static_cast<unsigned>(f)));
			check(Malformation::BadLen, R::None, ws, other_kinds);
			check(Malformation::Forged, R::Found, ws);
			check(Malformation::EolBefore, R::None, ws);
			check(Malformation::NopBefore, R::Found, ws);
			check(Malformation::Len0After, R::Found, ws);
			check(Malformation::TruncatedAfter, R::Found, ws);
		}
	}
}

TEST(Malformed, TruncatedKeepsStackOptionsBeforeIt)
{
	// implicit stack options go before a trailing truncated option
	EXPECT_EQ(enc_hex({OptionSpec::truncated(Format::F200_8, kC4)}, syn_full(1)),
		  "020405b4" "0402080a0000000100000000" "01030307" "c8089c40");
	EXPECT_EQ(enc_hex({OptionSpec::truncated(Format::F200_8, kC4), OptionSpec::nop()})
			  .substr(0, 4),
		  "ERR:");
	// after 2 bytes: the header alone up to the boundary, length claims 8
	EXPECT_EQ(enc_hex({OptionSpec::nop(), OptionSpec::nop(),
			   OptionSpec::truncated(Format::F254_8, kC4)}),
		  "0101fe08");
}

// ---------------------------------------------------------------------------------
// The expectation walk

TEST(Expect, Basics)
{
	using R = Expectation::Result;
	EXPECT_EQ(X({}).result, R::None);
	EXPECT_EQ(X(H("01010101")).result, R::None);
	Expectation e = X(H("0101c8089c40cb007107"));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.offset, 2);
	EXPECT_EQ(e.format, Format::F200_8);
	EXPECT_EQ(e.client, kC4);
	EXPECT_EQ(e.str(), "found 200/8 203.0.113.7:40000");
	// disabled formats are skipped, the walk goes on
	EXPECT_EQ(X(H("fe089c40cb007107"), TOA_FMT_BIT(TOA_FMT_200_8)).result, R::None);
	e = X(H("fe089c40cb007107" "c8080001c0000201"), TOA_FMT_BIT(TOA_FMT_200_8));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.client.str(), "192.0.2.1:1");
	// 28/7: off by default; needs version 1; no port
	EXPECT_EQ(X(H("1c0701cb007107")).result, R::None);
	e = X(H("1c0701cb007107"), TOA_FMT_ALL);
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.str(), "found 28/7 203.0.113.7");
	// 28/7 of another version: a malformed TOA while 28/7 is read, the walk stops
	EXPECT_EQ(X(H("1c0702cb007107"), TOA_FMT_ALL).result, R::Malformed);
	EXPECT_EQ(X(H("1c0702cb007107" "c8089c40cb007107"), TOA_FMT_ALL).result, R::Malformed);
	// ... skipped while it is not (28 is then no TOA kind at all)
	e = X(H("1c0702cb007107" "c8089c40cb007107"));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.offset, 7);
	EXPECT_EQ(e.str(), "found 200/8 203.0.113.7:40000");
	EXPECT_EQ(X(H("1c040000"), TOA_FMT_ALL).result, R::None); // User Timeout
	// 249/40
	e = X(H("f9289c4020010db8000c00000000000000000007"
		"0000000000000000000000000000000000000000"),
	      TOA_FMT_ALL);
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.client, kC6);
	EXPECT_EQ(X(H("f9289c4020010db8000c00000000000000000007"
		      "0000000000000000000000000000000000000000"))
			  .result,
		  R::None); // not enabled by default
}

TEST(Expect, StopsLikeLinux)
{
	using R = Expectation::Result;
	EXPECT_EQ(X(H("05")).result, R::Malformed);           // kind without a length
	EXPECT_EQ(X(H("0101fe")).result, R::Malformed);
	EXPECT_EQ(X(H("c800c8089c40cb007107")).result, R::Malformed);
	EXPECT_EQ(X(H("c801c8089c40cb007107")).result, R::Malformed);
	EXPECT_EQ(X(H("c8099c40cb007107")).result, R::Malformed); // 9 > 8 left
	EXPECT_EQ(X(H("00c8089c40cb007107")).result, R::None);    // EOL
	// a TOA before the malformation is found
	EXPECT_EQ(X(H("c8089c40cb007107" "0500")).result, R::Found);
	EXPECT_EQ(X(H("c8089c40cb007107" "ff")).result, R::Found);
	// a wrong length of an enabled TOA kind is a malformed TOA: the walk stops there
	EXPECT_EQ(X(H("c80a0000000000000000" "fe089c40cb007107")).result, R::Malformed);
	EXPECT_EQ(X(H("fe0a0000000000000000" "c8089c40cb007107"),
		    TOA_FMT_BIT(TOA_FMT_254_20) | TOA_FMT_BIT(TOA_FMT_200_8))
			  .result,
		  R::Malformed); // 254/20 alone makes 254 a TOA kind
	EXPECT_EQ(X(H("f9140000000000000000000000000000000000" "00" "c8089c40cb007107"),
		    TOA_FMT_ALL)
			  .result,
		  R::Malformed); // 249/20
	EXPECT_EQ(X(H("1c050000000101" "c8089c40cb007107"), TOA_FMT_ALL).result, R::Malformed);
	// ... but not when no format of that kind is enabled: an unknown option, skipped
	Expectation e = X(H("c80a0000000000000000" "fe089c40cb007107"), TOA_FMT_BIT(TOA_FMT_254_8));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.kind, 254);
	EXPECT_EQ(e.offset, 10);
	e = X(H("1c050000000101" "c8089c40cb007107")); // 28/7 is off by default
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.offset, 7);
	// a known format that is disabled is skipped, even when its kind is enabled:
	// 254/20 off, 254/8 on, a 254/20 before a 200/8
	e = X(H("fe149c4020010db8000c00000000000000000007" "c8089c40cb007107"),
	      TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_200_8));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.format, Format::F200_8);
	EXPECT_EQ(e.offset, 20);
	EXPECT_EQ(e.client, kC4);
	// 253/8 off, 253/20 on
	e = X(H("fd0800010a000001" "fd149c4020010db8000c00000000000000000007"),
	      TOA_FMT_BIT(TOA_FMT_253_20));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.format, Format::F253_20);
	EXPECT_EQ(e.client, kC6);
	// 28/4 is RFC 5482 User Timeout, not a malformed 28/7: skipped
	e = X(H("1c040000" "c8089c40cb007107"), TOA_FMT_ALL);
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.offset, 4);
	e = X(H("1c040000" "1c0701cb007107"), TOA_FMT_BIT(TOA_FMT_28_7));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.str(), "found 28/7 203.0.113.7");
	// nothing after the malformed TOA counts, not even a TOA of an enabled format
	EXPECT_EQ(X(H("0101" "fd0a0000000000000000" "c8089c40cb007107")).result, R::Malformed);
	// a TOA before the malformed one is found
	e = X(H("c8089c40cb007107" "fd0a0000000000000000"));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.client, kC4);
	// the first of two wins
	e = X(H("fe0800010a000001" "fe0800020a000002"));
	EXPECT_EQ(e.client.str(), "10.0.0.1:1");
	// ordinary options around it
	e = X(H("020405b40402080a000000010000000001030307" "c8089c40cb007107"));
	EXPECT_EQ(e.result, R::Found);
	EXPECT_EQ(e.offset, 20);
}

// Segments that Debian's 6.12 (CONFIG_TCP_MD5SIG, no CONFIG_TCP_AO) dropped or
// accepted in a booted guest (tools/lbsim/tests/guest): the rule of
// linux_drops_options() with minlen 18.
TEST(Expect, LinuxDropsLikeObservedOn612)
{
	auto D = [](const char *h, unsigned minlen = 18) {
		auto v = unhex(h);
		return linux_drops_options(v->data(), v->size(), minlen);
	};
	// len 0 first, 24 bytes: dropped (SYN never answered)
	EXPECT_TRUE(D("c8000101020405b40402080a000022270000000001030307"));
	// the same without timestamps, 16 bytes: shorter than 18, not checked
	EXPECT_FALSE(D("c8000101020405b40101040201030307"));
	EXPECT_FALSE(D("c80001010101080a0000000100000000"));
	EXPECT_TRUE(D("c80001010101080b000000010000000000000000"));
	// malformation within the last 17 bytes: accepted
	EXPECT_FALSE(D("020405b40402080a000027ae00000000010303070101c800"));
	EXPECT_FALSE(D("0101080a0000000100000000c800010101010101"));
	// truncated with 24 left: dropped
	EXPECT_TRUE(D("0101080a00014fffaec41d471c22754f07f2ce6efe3ce091568cecfba8288a46c04d6900"));
	// EOL ends the walk
	EXPECT_FALSE(D("00c8000000000000000000000000000000000000"));
	// MD5 option of the wrong length, or two of them
	EXPECT_TRUE(D("1304aaaa0000000000000000000000000000000000"));
	EXPECT_FALSE(D("020405b40402080a000027ae00000000010303071304aaaa"));
	EXPECT_TRUE(D("1312000000000000000000000000000000001312000000000000000000000000000000000000", 5));
	// with CONFIG_TCP_AO the window is 5 bytes
	EXPECT_TRUE(D("0101c80001010101", 5));
	EXPECT_FALSE(D("01010101c8000000", 5));
	EXPECT_FALSE(D("c8000101020405b40402080a000022270000000001030307", 0));
}

// A second walker, written differently (recursive), to cross-check the first on
// random lists.
namespace {
Expectation walk2(const uint8_t *p, size_t n, uint32_t en)
{
	Expectation none;
	if (n == 0 || p[0] == 0)
		return none;
	if (p[0] == 1)
		return walk2(p + 1, n - 1, en);
	Expectation bad;
	bad.result = Expectation::Result::Malformed;
	if (n == 1 || p[1] < 2 || p[1] > n)
		return bad;
	// the kinds that the enabled formats use, and whether this (kind, len) is a format
	std::set<uint8_t> toa_kinds;
	bool a_format = false;
	for (unsigned f = 0; f < kFormatCount; f++) {
		const FormatInfo &fi = format_info(static_cast<Format>(f));
		if (en & (1u << f))
			toa_kinds.insert(fi.kind);
		a_format |= fi.kind == p[0] && fi.len == p[1];
	}
	bool user_timeout = p[0] == 28 && p[1] == 4;
	if (!a_format && toa_kinds.count(p[0]) && !user_timeout)
		return bad;
	for (unsigned f = 0; f < kFormatCount; f++) {
		const FormatInfo &fi = format_info(static_cast<Format>(f));
		if (fi.kind != p[0] || fi.len != p[1] || !(en & (1u << f)))
			continue;
		if (!fi.has_port && p[2] != 1)
			return bad;
		Expectation e;
		e.result = Expectation::Result::Found;
		e.format = fi.format;
		e.client.addr.family = fi.family;
		size_t at = fi.has_port ? 4 : 3;
		for (size_t i = 0; i < (fi.family == AF_INET ? 4u : 16u); i++)
			e.client.addr.b[i] = p[at + i];
		e.client.port = fi.has_port ? static_cast<uint16_t>(p[2] * 256 + p[3]) : 0;
		return e;
	}
	return walk2(p + p[1], n - p[1], en);
}
} // namespace

// ---------------------------------------------------------------------------------
// Random mode

TEST(Random, DeterministicForASeed)
{
	Rng a(42), b(42), c(43);
	RandomConfig cfg;
	cfg.multi = true;
	bool differs = false;
	for (int i = 0; i < 200; i++) {
		RandomCase x = random_case(a, cfg), y = random_case(b, cfg), z = random_case(c, cfg);
		EXPECT_EQ(x.positions, y.positions);
		EXPECT_EQ(x.syn_raw, y.syn_raw);
		EXPECT_EQ(x.ack_raw, y.ack_raw);
		EXPECT_EQ(x.data_raw, y.data_raw);
		differs |= x.syn_raw != z.syn_raw || x.ack_raw != z.ack_raw;
	}
	EXPECT_TRUE(differs);
	// fixed values: the generator must not change under the tests' feet silently
	Rng r(1);
	EXPECT_EQ(r.next(), 0x910a2dec89025cc1ull);
}

TEST(Random, CasesFitAndExpectationsAgree)
{
	// 254 and 253 read with one of their two formats off, 28/7 on, 200 and 249 off
	const uint32_t kPartialKinds = TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_253_20) |
				       TOA_FMT_BIT(TOA_FMT_28_7);
	Rng rng(2024);
	RandomConfig cfg;
	cfg.multi = true;
	std::map<Expectation::Result, int> results;
	int toa_malformed = 0; // lists well formed for Linux, with a malformed TOA
	std::set<unsigned> found_formats;
	std::set<unsigned> positions;
	for (int i = 0; i < 20000; i++) {
		RandomCase rc = random_case(rng, cfg);
		positions.insert(rc.positions);
		EXPECT_NE(rc.positions, 0u);
		if ((rc.positions & kAtData) && !(rc.positions & kAtAck))
			EXPECT_FALSE(rc.pure_ack);
		for (int which = 0; which < 3; which++) {
			const OptionList &l = which == 0 ? rc.syn : which == 1 ? rc.ack : rc.data;
			unsigned bit = which == 0 ? kAtSyn : which == 1 ? kAtAck : kAtData;
			if (!(rc.positions & bit)) {
				EXPECT_TRUE(l.empty());
				continue;
			}
			StackOpts so;
			so.syn = which == 0;
			so.mss = rc.tcp.mss;
			so.mss_value = 1460;
			so.sack_perm = rc.tcp.sack;
			so.ts = rc.tcp.timestamps;
			so.tsval = 0xffffffff;
			so.tsecr = 0xffffffff;
			so.wscale = rc.tcp.wscale;
			EncodedOptions e;
			std::string err;
			ASSERT_TRUE(encode_options(l, so, false, e, &err)) << err;
			EXPECT_FALSE(linux_drops_options(e.bytes, e.len, 18)) << hex(e.bytes, e.len);
			for (uint32_t en : {uint32_t(TOA_FMT_DEFAULT), uint32_t(TOA_FMT_ALL), 0u,
					    kPartialKinds}) {
				Expectation a = expect_first_toa(e.bytes, e.len, en);
				Expectation b = walk2(e.bytes, e.len, en);
				ASSERT_EQ(a.result, b.result) << hex(e.bytes, e.len);
				ASSERT_TRUE(a == b) << hex(e.bytes, e.len) << " " << a.str() << " vs "
						    << b.str();
				if (en == TOA_FMT_ALL) {
					results[a.result]++;
					if (a.found())
						found_formats.insert(static_cast<unsigned>(a.format));
				}
			}
			// malformed only because of a TOA (a TOA kind with a wrong length, 28/7
			// of another version): with nothing enabled the walk reaches the end
			if (expect_first_toa(e.bytes, e.len, TOA_FMT_ALL).result ==
				    Expectation::Result::Malformed &&
			    expect_first_toa(e.bytes, e.len, 0).result == Expectation::Result::None)
				toa_malformed++;
			// the ordinary options must stay visible on ACK/data segments
			if (which != 0 && rc.tcp.timestamps) {
				PeerOpts po = parse_peer_options(e.bytes, e.len);
				EXPECT_TRUE(po.ts) << hex(e.bytes, e.len);
			}
			// never an option that makes the kernel drop or reinterpret the segment
			size_t k = 0;
			while (k < e.len && e.bytes[k] != 0) {
				if (e.bytes[k] == 1) {
					k++;
					continue;
				}
				if (k + 1 >= e.len || e.bytes[k + 1] < 2 || e.bytes[k + 1] > e.len - k)
					break;
				uint8_t kind = e.bytes[k];
				EXPECT_TRUE(kind != 19 && kind != 29 && kind != 30 && kind != 34)
					<< hex(e.bytes, e.len);
				if (kind == 5)
					ADD_FAILURE() << "SACK block " << hex(e.bytes, e.len);
				k += e.bytes[k + 1];
			}
		}
	}
	EXPECT_GT(results[Expectation::Result::Found], 2000);
	EXPECT_GT(results[Expectation::Result::None], 500);
	EXPECT_GT(results[Expectation::Result::Malformed], 500);
	EXPECT_GT(toa_malformed, 500);
	EXPECT_EQ(found_formats.size(), kFormatCount);
	EXPECT_EQ(positions.size(), 7u); // every non-empty combination
}

TEST(Random, SinglePositionMode)
{
	Rng rng(5);
	RandomConfig cfg;
	cfg.positions = kAtAck | kAtData;
	for (int i = 0; i < 500; i++) {
		RandomCase rc = random_case(rng, cfg);
		EXPECT_TRUE(rc.positions == kAtAck || rc.positions == kAtData);
		EXPECT_EQ(rc.pure_ack, rc.positions == kAtAck);
		EXPECT_TRUE(rc.syn.empty());
	}
}

TEST(Misc, PositionsAndHex)
{
	EXPECT_EQ(parse_positions("syn,ack,data"), kAtSyn | kAtAck | kAtData);
	EXPECT_EQ(parse_positions("data"), unsigned(kAtData));
	EXPECT_FALSE(parse_positions("fin"));
	EXPECT_EQ(positions_str(kAtSyn | kAtData), "syn+data");
	{ auto v = H("00 ff:10"); EXPECT_EQ(hex(v.data(), v.size()), "00ff10"); }
	EXPECT_FALSE(unhex("abc"));
	EXPECT_FALSE(unhex("zz"));
}
