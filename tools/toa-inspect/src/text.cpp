// SPDX-License-Identifier: MIT
#include "text.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

#include "toa/toa.h"

namespace toa_inspect {

size_t Address::size() const
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

bool Address::operator==(const Address &o) const
{
	return family == o.family && std::memcmp(bytes.data(), o.bytes.data(), size()) == 0;
}

namespace {

bool is_v4_mapped(const Address &a)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return a.family == AF_INET6 && std::memcmp(a.bytes.data(), prefix, 12) == 0;
}

bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (std::memcmp(a, b, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

// Clears the bits below the prefix; returns whether any was set.
bool clear_host_bits(Address &a, unsigned prefix)
{
	bool had = false;
	for (size_t i = 0; i < a.size(); i++) {
		unsigned first = static_cast<unsigned>(i) * 8;
		uint8_t keep;
		if (first + 8 <= prefix)
			keep = 0xff;
		else if (first >= prefix)
			keep = 0;
		else
			keep = static_cast<uint8_t>(0xff << (8 - (prefix - first)));
		if (a.bytes[i] & ~keep)
			had = true;
		a.bytes[i] &= keep;
	}
	return had;
}

std::vector<std::string_view> split(std::string_view s, char sep)
{
	std::vector<std::string_view> out;
	size_t start = 0;
	for (;;) {
		size_t p = s.find(sep, start);
		if (p == std::string_view::npos) {
			out.push_back(s.substr(start));
			return out;
		}
		out.push_back(s.substr(start, p - start));
		start = p + 1;
	}
}

// Who sends each format (toa-inspect.8 says the same). A format added to TOA_FORMATS
// without a line here is a -Wswitch warning.
constexpr const char *users_of(enum toa_format f)
{
	switch (f) {
	case TOA_FMT_254_8: return "LVS, DPVS, Huawei ELB, Alibaba Anti-DDoS; IPv4";
	case TOA_FMT_254_20: return "DPVS IPv6 and NAT64";
	case TOA_FMT_200_8: return "Tencent Cloud CLB; IPv4";
	case TOA_FMT_253_20: return "Tencent CLB NAT64, Alibaba LVS IPv6";
	case TOA_FMT_253_8: return "UCloud; IPv4";
	case TOA_FMT_249_40: return "Alibaba Anti-DDoS NAT64";
	case TOA_FMT_28_7: return "Alibaba Cloud CDN; IPv4, no port";
	case __TOA_FMT_MAX: break;
	}
	return "";
}

// The formats of include/toa/uapi.h, in the order of enum toa_format; names "kind/len".
#define INSPECT_FMT_(id, kind, len, family, on) \
	{TOA_FMT_##id, kind, len, #kind "/" #len, users_of(TOA_FMT_##id)},
constexpr FormatInfo kFormats[] = {TOA_FORMATS(INSPECT_FMT_)};
#undef INSPECT_FMT_

} // namespace

bool Cidr::contains(const Address &a) const
{
	if (addr.family == a.family)
		return prefix_equal(addr.bytes.data(), a.bytes.data(), prefix);
	if (addr.family == AF_INET && is_v4_mapped(a))
		return prefix_equal(addr.bytes.data(), a.bytes.data() + 12, prefix);
	return false;
}

const FormatInfo *format_table()
{
	return kFormats;
}

const FormatInfo *find_format(uint8_t kind, uint8_t len)
{
	for (const auto &f : kFormats)
		if (f.kind == kind && f.len == len)
			return &f;
	return nullptr;
}

std::optional<Address> parse_address(std::string_view s)
{
	if (s.empty() || s.size() > INET6_ADDRSTRLEN || s.find('\0') != std::string_view::npos)
		return std::nullopt;
	std::string z(s);
	Address a;
	if (inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1) {
		a.family = AF_INET;
		return a;
	}
	if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) == 1) {
		a.family = AF_INET6;
		return a;
	}
	return std::nullopt;
}

std::optional<uint64_t> parse_u64(std::string_view s)
{
	if (s.empty() || s.size() > 20)
		return std::nullopt;
	uint64_t v = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return std::nullopt;
		uint64_t d = static_cast<uint64_t>(c - '0');
		if (v > (UINT64_MAX - d) / 10)
			return std::nullopt;
		v = v * 10 + d;
	}
	return v;
}

std::optional<uint32_t> parse_u32(std::string_view s)
{
	auto v = parse_u64(s);
	if (!v || *v > UINT32_MAX)
		return std::nullopt;
	return static_cast<uint32_t>(*v);
}

std::optional<uint16_t> parse_port(std::string_view s)
{
	auto v = parse_u64(s);
	if (!v || *v == 0 || *v > 65535)
		return std::nullopt;
	return static_cast<uint16_t>(*v);
}

std::optional<Cidr> parse_cidr(std::string_view s, bool strict)
{
	Cidr c;
	size_t slash = s.find('/');
	auto a = parse_address(s.substr(0, slash));
	if (!a)
		return std::nullopt;
	c.addr = *a;
	unsigned max = a->family == AF_INET ? 32 : 128;
	if (slash == std::string_view::npos) {
		c.prefix = static_cast<uint8_t>(max);
		return c;
	}
	std::string_view p = s.substr(slash + 1);
	if (p.size() > 3)
		return std::nullopt;
	auto v = parse_u64(p);
	if (!v || *v > max)
		return std::nullopt;
	c.prefix = static_cast<uint8_t>(*v);
	if (clear_host_bits(c.addr, c.prefix) && strict)
		return std::nullopt;
	return c;
}

std::optional<std::vector<Cidr>> parse_cidr_list(std::string_view s, bool strict,
						 std::string *bad)
{
	std::vector<Cidr> out;
	if (s.empty() || s == "none")
		return out;
	for (auto part : split(s, ',')) {
		auto c = parse_cidr(part, strict);
		if (!c) {
			if (bad)
				*bad = std::string(part);
			return std::nullopt;
		}
		out.push_back(*c);
	}
	return out;
}

std::optional<Endpoint> parse_endpoint(std::string_view s)
{
	// libtoa's parser; toa-inspect wants a port (1-65535) and has no scope ids.
	std::string z(s);
	struct toa_endpoint te;
	if (z.find('\0') != std::string::npos || toa_endpoint_parse(z.c_str(), &te) != 0 ||
	    te.port == 0 || te.scope_id != 0)
		return std::nullopt;
	Endpoint ep;
	ep.addr.family = static_cast<uint8_t>(te.family);
	std::memcpy(ep.addr.bytes.data(), te.addr, sizeof(te.addr));
	ep.port = te.port;
	return ep;
}

std::optional<uint32_t> parse_formats(std::string_view s, std::string *bad)
{
	if (s == "default")
		return TOA_FMT_DEFAULT;
	if (s == "all")
		return TOA_FMT_ALL;
	if (s == "none")
		return 0u;
	uint32_t mask = 0;
	for (auto part : split(s, ',')) {
		const FormatInfo *found = nullptr;
		for (const auto &f : kFormats)
			if (part == f.name)
				found = &f;
		if (!found) {
			if (bad)
				*bad = std::string(part);
			return std::nullopt;
		}
		mask |= TOA_FMT_BIT(found->format);
	}
	return mask;
}

std::optional<bool> parse_switch(std::string_view s)
{
	if (s == "on" || s == "yes" || s == "true" || s == "1")
		return true;
	if (s == "off" || s == "no" || s == "false" || s == "0")
		return false;
	return std::nullopt;
}

namespace {

std::string escape(std::string_view s, bool quotes)
{
	std::string o;
	for (char ch : s) {
		unsigned char c = static_cast<unsigned char>(ch);
		if (c == '\n') {
			o += "\\n";
		} else if (c == '\t') {
			o += "\\t";
		} else if (c < 0x20 || c == 0x7f) {
			static const char hex[] = "0123456789abcdef";
			o += "\\x";
			o += hex[c >> 4];
			o += hex[c & 15];
		} else if (quotes && (c == '"' || c == '\\')) {
			o += '\\';
			o += ch;
		} else {
			o += ch;
		}
	}
	return o;
}

} // namespace

std::string printable(std::string_view s)
{
	return escape(s, false);
}

std::string quoted(std::string_view s)
{
	return "\"" + escape(s, true) + "\"";
}

} // namespace toa_inspect
