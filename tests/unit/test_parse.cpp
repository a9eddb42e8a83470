// SPDX-License-Identifier: MIT
// The module's option parser (kmod/parse.c) on every vendor format and every malformed list.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

extern "C" {
#include "parse.h"
#include "toa/uapi.h"
}

namespace {

using Bytes = std::vector<uint8_t>;

// Every case also checks the hooks' fast path: parsing from where toa_options_skip()
// stops answers the same, and a list it skips whole has no TOA and is well-formed.
int parse(const Bytes &b, toa_parsed *out, uint32_t enabled = TOA_FMT_DEFAULT)
{
	int r = toa_parse_options(b.data(), b.size(), enabled, out);
	size_t off = toa_options_skip(b.data(), b.size());
	EXPECT_LE(off, b.size());
	if (off == b.size()) {
		EXPECT_EQ(r, TOA_PARSE_NONE) << "skipped a list the parser does not call empty";
	} else {
		toa_parsed rest;
		EXPECT_EQ(toa_parse_options(b.data() + off, b.size() - off, enabled, &rest), r)
			<< "parsing from the skip offset " << off << " answers differently";
		if (r == TOA_PARSE_FOUND)
			EXPECT_EQ(memcmp(&rest, out, sizeof(rest)), 0);
	}
	return r;
}

Bytes v4opt(uint8_t kind, uint16_t port, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return {kind, 8, uint8_t(port >> 8), uint8_t(port), a, b, c, d};
}

Bytes v6opt(uint8_t kind, uint8_t len, uint16_t port, uint8_t last)
{
	Bytes o = {kind, len, uint8_t(port >> 8), uint8_t(port), 0x20, 0x01, 0x0d, 0xb8};
	o.resize(4 + 16, 0);
	o[19] = last;
	o.resize(len, 0xee);
	return o;
}

Bytes cat(std::initializer_list<Bytes> parts)
{
	Bytes r;
	for (const auto &p : parts)
		r.insert(r.end(), p.begin(), p.end());
	return r;
}

const Bytes kMss = {2, 4, 0x05, 0xb4};
const Bytes kTs = {8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
const Bytes kNop = {1};

} // namespace

struct V4Case {
	uint8_t kind;
	int format;
};

class V4Formats : public ::testing::TestWithParam<V4Case> {};

TEST_P(V4Formats, PortAndAddress)
{
	toa_parsed p;
	auto c = GetParam();
	ASSERT_EQ(parse(cat({kNop, kNop, kTs, v4opt(c.kind, 40000, 203, 0, 113, 7)}), &p),
		  TOA_PARSE_FOUND);
	EXPECT_EQ(p.family, AF_INET);
	EXPECT_EQ(p.kind, c.kind);
	EXPECT_EQ(p.len, 8);
	EXPECT_EQ(p.format, c.format);
	EXPECT_EQ(p.port[0], 40000 >> 8);
	EXPECT_EQ(p.port[1], 40000 & 0xff);
	EXPECT_EQ(0, memcmp(p.addr, "\xcb\x00\x71\x07", 4));
}

INSTANTIATE_TEST_SUITE_P(All, V4Formats,
			 ::testing::Values(V4Case{254, TOA_FMT_254_8}, V4Case{200, TOA_FMT_200_8},
					   V4Case{253, TOA_FMT_253_8}));

TEST(Parse, V6Formats)
{
	toa_parsed p;
	ASSERT_EQ(parse(v6opt(254, 20, 443, 7), &p), TOA_PARSE_FOUND);
	EXPECT_EQ(p.family, AF_INET6);
	EXPECT_EQ(p.format, TOA_FMT_254_20);
	EXPECT_EQ(p.addr[0], 0x20);
	EXPECT_EQ(p.addr[15], 7);
	ASSERT_EQ(parse(v6opt(253, 20, 443, 8), &p), TOA_PARSE_FOUND);
	EXPECT_EQ(p.family, AF_INET6);
	EXPECT_EQ(p.format, TOA_FMT_253_20);
	EXPECT_EQ(p.addr[15], 8);
}

TEST(Parse, OffByDefaultFormats)
{
	toa_parsed p;
	Bytes ali = v6opt(249, 40, 80, 9);
	Bytes cdn = {28, 7, 1, 203, 0, 113, 9};
	EXPECT_EQ(parse(ali, &p), TOA_PARSE_NONE);
	EXPECT_EQ(parse(cdn, &p), TOA_PARSE_NONE);
	ASSERT_EQ(parse(ali, &p, TOA_FMT_ALL), TOA_PARSE_FOUND);
	EXPECT_EQ(p.format, TOA_FMT_249_40);
	EXPECT_EQ(p.family, AF_INET6);
	EXPECT_EQ(p.addr[15], 9);
	ASSERT_EQ(parse(cdn, &p, TOA_FMT_ALL), TOA_PARSE_FOUND);
	EXPECT_EQ(p.format, TOA_FMT_28_7);
	EXPECT_EQ(p.family, AF_INET);
	EXPECT_EQ(p.port[0] | p.port[1], 0);
	EXPECT_EQ(0, memcmp(p.addr, "\xcb\x00\x71\x09", 4));
	// 28/7 with another version byte is not a CDN option.
	EXPECT_EQ(parse({28, 7, 2, 1, 2, 3, 4}, &p, TOA_FMT_ALL), TOA_PARSE_MALFORMED);
	// 28/4 is RFC 5482 User Timeout, never a TOA, and does not stop the walk.
	ASSERT_EQ(parse(cat({{28, 4, 0x80, 10}, v4opt(200, 1, 1, 2, 3, 4)}), &p, TOA_FMT_ALL),
		  TOA_PARSE_FOUND);
	EXPECT_EQ(p.kind, 200);
}

TEST(Parse, EnabledMaskSelects)
{
	toa_parsed p;
	Bytes both = cat({v4opt(254, 1, 1, 1, 1, 1), v4opt(200, 2, 2, 2, 2, 2)});
	ASSERT_EQ(parse(both, &p, TOA_FMT_BIT(TOA_FMT_200_8)), TOA_PARSE_FOUND);
	EXPECT_EQ(p.kind, 200);
	EXPECT_EQ(parse(both, &p, 0), TOA_PARSE_NONE);
}

TEST(Parse, FirstValidWins)
{
	toa_parsed p;
	ASSERT_EQ(parse(cat({v4opt(200, 40000, 203, 0, 113, 7), v4opt(200, 1, 6, 6, 6, 6)}), &p),
		  TOA_PARSE_FOUND);
	EXPECT_EQ(p.addr[0], 203);
	ASSERT_EQ(parse(cat({v4opt(254, 1, 9, 9, 9, 9), v6opt(253, 20, 2, 1)}), &p), TOA_PARSE_FOUND);
	EXPECT_EQ(p.kind, 254);
}

TEST(Parse, NoOptionsOrOrdinaryOnly)
{
	toa_parsed p;
	EXPECT_EQ(parse({}, &p), TOA_PARSE_NONE);
	EXPECT_EQ(parse(cat({kMss, kNop, kNop, kTs}), &p), TOA_PARSE_NONE);
	EXPECT_EQ(parse({1, 1, 1, 1}, &p), TOA_PARSE_NONE);
}

TEST(Parse, EolEndsTheList)
{
	toa_parsed p;
	EXPECT_EQ(parse(cat({{0}, v4opt(200, 1, 1, 2, 3, 4)}), &p), TOA_PARSE_NONE);
	ASSERT_EQ(parse(cat({v4opt(200, 1, 1, 2, 3, 4), {0, 0, 0, 0}}), &p), TOA_PARSE_FOUND);
}

TEST(Parse, MalformedListsYieldNothing)
{
	toa_parsed p;
	Bytes toa = v4opt(200, 40000, 203, 0, 113, 7);
	EXPECT_EQ(parse(cat({{99, 0}, toa}), &p), TOA_PARSE_MALFORMED) << "length 0";
	EXPECT_EQ(parse(cat({{99, 1}, toa}), &p), TOA_PARSE_MALFORMED) << "length 1";
	EXPECT_EQ(parse(cat({kMss, {99}}), &p), TOA_PARSE_MALFORMED) << "kind without length";
	EXPECT_EQ(parse(cat({kMss, {8, 10, 0, 0}}), &p), TOA_PARSE_MALFORMED) << "past the end";
	Bytes cut(toa.begin(), toa.begin() + 6);
	EXPECT_EQ(parse(cut, &p), TOA_PARSE_MALFORMED) << "TOA truncated at the end";
	EXPECT_EQ(parse(cat({{200, 10, 0, 1, 1, 2, 3, 4, 0, 0}, toa}), &p), TOA_PARSE_MALFORMED)
		<< "a TOA kind with the wrong length";
	EXPECT_EQ(parse(cat({{254, 12, 0, 1, 1, 2, 3, 4, 0, 0, 0, 0}, toa}), &p),
		  TOA_PARSE_MALFORMED);
}

TEST(Parse, MalformationAfterTheFirstValidDoesNotMatter)
{
	toa_parsed p;
	Bytes toa = v4opt(200, 40000, 203, 0, 113, 7);
	EXPECT_EQ(parse(cat({toa, {99, 0}}), &p), TOA_PARSE_FOUND);
	EXPECT_EQ(parse(cat({toa, {8, 10, 0}}), &p), TOA_PARSE_FOUND);
}

TEST(Parse, WrongLengthOfADisabledKindIsSkipped)
{
	toa_parsed p;
	// 253 disabled entirely: 253/12 is just an unknown option.
	uint32_t en = TOA_FMT_BIT(TOA_FMT_200_8);
	ASSERT_EQ(parse(cat({{253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, v4opt(200, 1, 1, 2, 3, 4)}),
			&p, en),
		  TOA_PARSE_FOUND);
}

TEST(Parse, NeverReadsPastTheEnd)
{
	// Every prefix of a valid list: FOUND only when the whole option is inside.
	Bytes list = cat({kNop, kNop, kTs, v6opt(254, 20, 1, 1)});
	for (size_t n = 0; n <= list.size(); n++) {
		Bytes cut(list.begin(), list.begin() + n);
		toa_parsed p;
		int r = parse(cut, &p);
		EXPECT_EQ(r == TOA_PARSE_FOUND, n == list.size()) << n;
	}
}

// Every (kind, length) pair as the only option, all formats enabled: a format's pair is
// found, another length of a format's kind is malformed (but 28/4, User Timeout), any
// other kind is skipped. Holds the kind shortcut in parse.c to the format table.
// The fast path walks ordinary SYN and ACK option lists to their end.
TEST(Parse, SkipWalksPlainListsWhole)
{
	const Bytes syn = cat({kMss, {4, 2}, kTs, kNop, {3, 3, 7}});
	const Bytes ack = cat({kNop, kNop, kTs});
	EXPECT_EQ(toa_options_skip(syn.data(), syn.size()), syn.size());
	EXPECT_EQ(toa_options_skip(ack.data(), ack.size()), ack.size());
	const Bytes eol = cat({kMss, {0}, v4opt(254, 80, 192, 0, 2, 1)});
	EXPECT_EQ(toa_options_skip(eol.data(), eol.size()), eol.size());
	const Bytes toa = cat({kNop, kNop, kTs, v4opt(254, 80, 192, 0, 2, 1)});
	EXPECT_EQ(toa_options_skip(toa.data(), toa.size()), 12u);
	const Bytes bad = cat({kMss, {8, 12}});
	EXPECT_EQ(toa_options_skip(bad.data(), bad.size()), 4u);
}

TEST(Parse, EveryKindAndLength)
{
	struct Pair {
		uint8_t kind, len;
	};
	const Pair formats[] = {{254, 8}, {254, 20}, {200, 8}, {253, 20},
				{253, 8}, {249, 40}, {28, 7}};
	const uint32_t all = TOA_FMT_ALL;
	for (int kind = 2; kind < 256; kind++) {
		for (int len = 2; len <= 40; len++) {
			Bytes b(len, 0);
			b[0] = uint8_t(kind);
			b[1] = uint8_t(len);
			b[2] = 1; // 28/7's version
			bool is_format = false, is_kind = false;
			for (const Pair &f : formats) {
				is_kind |= f.kind == kind;
				is_format |= f.kind == kind && f.len == len;
			}
			int want = is_format ? TOA_PARSE_FOUND
				   : (is_kind && !(kind == 28 && len == 4)) ? TOA_PARSE_MALFORMED
									       : TOA_PARSE_NONE;
			toa_parsed p;
			EXPECT_EQ(parse(b, &p, all), want) << "kind " << kind << " len " << len;
		}
	}
}

// The uapi table's family column is the IP version; the parser answers AF_INET/AF_INET6.
TEST(Parse, FamilyOfEveryFormat)
{
	struct Row {
		int format;
		uint8_t kind, len, version;
	};
#define ROW_(id, k, l, fam, on) {TOA_FMT_##id, k, l, fam},
	const Row rows[] = {TOA_FORMATS(ROW_)};
#undef ROW_
	for (const Row &r : rows) {
		Bytes b(r.len, 0);
		b[0] = r.kind;
		b[1] = r.len;
		b[2] = 1; // 28/7's version
		toa_parsed p;
		ASSERT_EQ(parse(b, &p, TOA_FMT_ALL), TOA_PARSE_FOUND) << int(r.kind) << "/" << int(r.len);
		EXPECT_EQ(p.format, r.format);
		EXPECT_EQ(p.family, r.version == 4 ? AF_INET : AF_INET6)
			<< int(r.kind) << "/" << int(r.len);
	}
}

// The ingress guard's walk: every option of a format becomes NOPs, enabled or not, and
// nothing else changes; what the parser then finds is nothing.
TEST(Strip, EveryFormatBecomesNops)
{
	Bytes b = cat({kMss, v4opt(200, 40000, 203, 0, 113, 7), kNop, kNop,
		       v6opt(254, 20, 40000, 7), kTs});
	Bytes before = b;
	EXPECT_EQ(toa_options_count_formats(b.data(), b.size(), 0), 2);
	EXPECT_EQ(toa_options_strip(b.data(), b.size(), 0), 2);
	ASSERT_EQ(b.size(), before.size());
	EXPECT_EQ(Bytes(b.begin(), b.begin() + 4), kMss);
	EXPECT_EQ(Bytes(b.end() - 10, b.end()), kTs);
	for (size_t i = 4; i < b.size() - 10; i++)
		EXPECT_EQ(b[i], 1) << "byte " << i;
	toa_parsed p;
	EXPECT_EQ(parse(b, &p, TOA_FMT_ALL), TOA_PARSE_NONE);
	EXPECT_EQ(toa_options_count_formats(b.data(), b.size(), 0), 0);
}

TEST(Strip, OffByDefaultFormatsToo)
{
	Bytes b = cat({v4opt(254, 1, 203, 0, 113, 7), Bytes{28, 7, 1, 203, 0, 113, 7}, kNop});
	EXPECT_EQ(toa_options_strip(b.data(), b.size(), 0), 2);
	for (uint8_t x : b)
		EXPECT_EQ(x, 1);
}

TEST(Strip, FastOpenCookieOnASynIsKept)
{
	Bytes tfo = {254, 8, 0xF9, 0x89, 1, 2, 3, 4};
	Bytes b = tfo;
	EXPECT_EQ(toa_options_strip(b.data(), b.size(), TOA_PARSE_F_SYN), 0);
	EXPECT_EQ(b, tfo);
	// After the SYN it is a 254/8 like any other.
	EXPECT_EQ(toa_options_strip(b.data(), b.size(), 0), 1);
	EXPECT_EQ(b, Bytes(8, 1));
}

TEST(Strip, StopsWhereTheKernelStops)
{
	// a bad length ends every reader's walk: what follows is never read, nor changed
	Bytes b = cat({Bytes{5, 1}, v4opt(200, 1, 203, 0, 113, 7)});
	Bytes before = b;
	EXPECT_EQ(toa_options_strip(b.data(), b.size(), 0), 0);
	EXPECT_EQ(b, before);
	toa_parsed p;
	EXPECT_NE(parse(b, &p, TOA_FMT_ALL), TOA_PARSE_FOUND);
	// truncated: never past the end
	Bytes t = {200, 8, 0x9c, 0x40};
	EXPECT_EQ(toa_options_strip(t.data(), t.size(), 0), 0);
}
