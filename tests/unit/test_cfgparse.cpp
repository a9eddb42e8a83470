// SPDX-License-Identifier: MIT
// The module's parameter text (kmod/cfgparse.c): format lists, CIDRs, trusted lists.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <string>

extern "C" {
#include "cfgparse.h"
#include "toa/uapi.h"
}

namespace {

uint32_t formats(const char *s, int *err = nullptr, std::string *bad = nullptr)
{
	uint32_t m = 0xdeadbeef;
	size_t off = 0, len = 0;
	int r = toa_formats_parse(s, &m, &off, &len);
	if (err)
		*err = r;
	if (bad && r)
		*bad = std::string(s + off, len);
	return m;
}

toa_cidr cidr(const char *s, int *err)
{
	toa_cidr c;
	*err = toa_cidr_parse(s, strlen(s), &c);
	return c;
}

} // namespace

TEST(Formats, Words)
{
	int err;
	EXPECT_EQ(formats("default", &err), uint32_t(TOA_FMT_DEFAULT));
	EXPECT_EQ(err, 0);
	EXPECT_EQ(formats("all\n"), uint32_t(TOA_FMT_ALL));
	EXPECT_EQ(formats("none"), 0u);
	EXPECT_EQ(formats(""), 0u);
	EXPECT_EQ(formats("  default"), uint32_t(TOA_FMT_DEFAULT));
}

TEST(Formats, Lists)
{
	int err;
	EXPECT_EQ(formats("200/8", &err), uint32_t(TOA_FMT_BIT(TOA_FMT_200_8)));
	EXPECT_EQ(err, 0);
	EXPECT_EQ(formats("254/8,28/7\n", &err),
		  uint32_t(TOA_FMT_BIT(TOA_FMT_254_8) | TOA_FMT_BIT(TOA_FMT_28_7)));
	EXPECT_EQ(err, 0);
	// every name the module prints parses back to its mask
	char buf[128];
	toa_formats_print(buf, sizeof(buf), TOA_FMT_ALL);
	EXPECT_EQ(formats(buf, &err), uint32_t(TOA_FMT_ALL));
	EXPECT_EQ(err, 0);
	toa_formats_print(buf, sizeof(buf), 0);
	EXPECT_STREQ(buf, "none");
}

TEST(Formats, BadNamesAreReported)
{
	int err;
	std::string bad;
	formats("254/8,200/9,253/8", &err, &bad);
	EXPECT_EQ(err, -EINVAL);
	EXPECT_EQ(bad, "200/9");
	formats("254/8,", &err, &bad);
	EXPECT_EQ(err, 0); // a trailing comma adds nothing
	formats("254/8,,200/8", &err, &bad);
	EXPECT_EQ(err, -EINVAL);
	EXPECT_EQ(bad, "");
	formats("defaults", &err, &bad);
	EXPECT_EQ(err, -EINVAL);
	formats("254/8 ", &err, &bad);
	EXPECT_EQ(err, -EINVAL);
}

TEST(Cidr, Ipv4AndIpv6)
{
	int err;
	toa_cidr c = cidr("198.51.100.0/24", &err);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(c.family, AF_INET);
	EXPECT_EQ(c.prefix, 24);
	EXPECT_EQ(c.addr[0], 198);
	c = cidr("203.0.113.7", &err);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(c.prefix, 32);
	c = cidr("2001:db8:ff::/48", &err);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(c.family, AF_INET6);
	EXPECT_EQ(c.prefix, 48);
	c = cidr("::/0", &err);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(c.prefix, 0);
}

TEST(Cidr, Refused)
{
	int err;
	for (const char *s : {"198.51.100.1/24", "2001:db8::1/48", "300.1.2.3/8", "1.2.3.4/33",
			      "2001:db8::/129", "1.2.3.0/", "1.2.3.0/2a", "/24", "", "1.2.3",
			      "1.2.3.4/0024", "x::y/8", "1.2.3.4 /32"}) {
		cidr(s, &err);
		EXPECT_EQ(err, -EINVAL) << s;
	}
}

// The check of a CIDR that arrives as netlink attributes (kmod/netlink.c), not as text.
TEST(Cidr, Check)
{
	const uint8_t net[4] = {198, 51, 100, 128};
	toa_cidr c = {};
	c.family = AF_INET;
	c.prefix = 25;
	memcpy(c.addr, net, sizeof(net));
	EXPECT_EQ(toa_cidr_check(&c), 0);
	c.addr[3] = 192; // a host bit inside the prefix's last byte
	EXPECT_EQ(toa_cidr_check(&c), -EINVAL);
	c.addr[3] = 128;
	c.prefix = 33;
	EXPECT_EQ(toa_cidr_check(&c), -EINVAL);
	c.prefix = 0;
	EXPECT_EQ(toa_cidr_check(&c), -EINVAL); // /0 with an address
	c.family = AF_UNIX;
	c.prefix = 25;
	EXPECT_EQ(toa_cidr_check(&c), -EINVAL);

	toa_cidr v6 = {};
	v6.family = AF_INET6;
	v6.prefix = 128;
	v6.addr[15] = 1;
	EXPECT_EQ(toa_cidr_check(&v6), 0);
	v6.prefix = 127;
	EXPECT_EQ(toa_cidr_check(&v6), -EINVAL);
	v6.prefix = 129;
	EXPECT_EQ(toa_cidr_check(&v6), -EINVAL);
	v6 = {};
	v6.family = AF_INET6;
	EXPECT_EQ(toa_cidr_check(&v6), 0); // ::/0
}

TEST(Cidr, Contains)
{
	int err;
	toa_cidr c = cidr("198.51.100.128/25", &err);
	const uint8_t in[4] = {198, 51, 100, 200}, out[4] = {198, 51, 100, 2};
	EXPECT_TRUE(toa_cidr_contains(&c, AF_INET, in));
	EXPECT_FALSE(toa_cidr_contains(&c, AF_INET, out));
	uint8_t v6[16] = {};
	EXPECT_FALSE(toa_cidr_contains(&c, AF_INET6, v6));
	toa_cidr any6 = cidr("::/0", &err);
	EXPECT_TRUE(toa_cidr_contains(&any6, AF_INET6, v6));
	toa_cidr host = cidr("2001:db8:c::7", &err);
	uint8_t h[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0c};
	h[15] = 7;
	EXPECT_TRUE(toa_cidr_contains(&host, AF_INET6, h));
	h[15] = 8;
	EXPECT_FALSE(toa_cidr_contains(&host, AF_INET6, h));
}

TEST(Trusted, Lists)
{
	toa_cidr out[4];
	unsigned int n = 99;
	size_t off, len;
	EXPECT_EQ(toa_trusted_parse("any", out, 4, &n, &off, &len), 0);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(toa_trusted_parse("none\n", out, 4, &n, &off, &len), 0);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(toa_trusted_parse("", out, 4, &n, &off, &len), 0);
	EXPECT_EQ(n, 0u);
	EXPECT_EQ(toa_trusted_parse("198.51.100.0/24, 2001:db8:ff::/48\n", out, 4, &n, &off, &len), 0);
	EXPECT_EQ(n, 2u);
	EXPECT_EQ(out[1].family, AF_INET6);
	EXPECT_EQ(toa_trusted_parse("1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8", out, 4, &n,
				    &off, &len),
		  -E2BIG);
	const char *bad = "198.51.100.0/24,300.1.2.3/33";
	EXPECT_EQ(toa_trusted_parse(bad, out, 4, &n, &off, &len), -EINVAL);
	EXPECT_EQ(std::string(bad + off, len), "300.1.2.3/33");
}
