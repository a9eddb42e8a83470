// SPDX-License-Identifier: MIT
//
// Addresses, TOA formats, option-list encoding, the expectation parser, checksums,
// packet building and parsing. No system state: unit-tested on the host.
#include "lbsim.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace toa::lbsim {

// ---------------------------------------------------------------------------------
// Addresses

std::optional<Addr> Addr::parse(std::string_view s)
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (s.empty() || s.size() >= sizeof(buf))
		return std::nullopt;
	memcpy(buf, s.data(), s.size());
	buf[s.size()] = 0;
	Addr a;
	if (inet_pton(AF_INET, buf, a.b) == 1) {
		a.family = AF_INET;
		return a;
	}
	if (inet_pton(AF_INET6, buf, a.b) == 1) {
		a.family = AF_INET6;
		return a;
	}
	return std::nullopt;
}

Addr Addr::v4(uint32_t host_order)
{
	Addr a;
	a.family = AF_INET;
	a.b[0] = host_order >> 24;
	a.b[1] = host_order >> 16;
	a.b[2] = host_order >> 8;
	a.b[3] = host_order;
	return a;
}

Addr Addr::v6(const uint8_t bytes[16])
{
	Addr a;
	a.family = AF_INET6;
	memcpy(a.b, bytes, 16);
	return a;
}

bool Addr::is_v4() const { return family == AF_INET; }
bool Addr::is_v6() const { return family == AF_INET6; }

std::string Addr::str() const
{
	char buf[INET6_ADDRSTRLEN];
	if (family == 0)
		return "-";
	if (!inet_ntop(family, b, buf, sizeof(buf)))
		return "?";
	return buf;
}

bool Addr::operator==(const Addr &o) const
{
	return family == o.family && memcmp(b, o.b, family == AF_INET ? 4 : 16) == 0;
}

static std::optional<uint16_t> parse_port(std::string_view s)
{
	if (s.empty() || s.size() > 5)
		return std::nullopt;
	unsigned v = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return std::nullopt;
		v = v * 10 + (c - '0');
	}
	if (v > 65535)
		return std::nullopt;
	return static_cast<uint16_t>(v);
}

std::optional<Endpoint> Endpoint::parse(std::string_view s, bool port_required)
{
	Endpoint e;
	if (!s.empty() && s[0] == '[') {
		size_t close = s.find(']');
		if (close == std::string_view::npos)
			return std::nullopt;
		auto a = Addr::parse(s.substr(1, close - 1));
		if (!a || !a->is_v6())
			return std::nullopt;
		e.addr = *a;
		std::string_view rest = s.substr(close + 1);
		if (rest.empty()) {
			if (port_required)
				return std::nullopt;
			return e;
		}
		if (rest[0] != ':')
			return std::nullopt;
		auto p = parse_port(rest.substr(1));
		if (!p)
			return std::nullopt;
		e.port = *p;
		return e;
	}
	size_t colon = s.find(':');
	if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
		// a.b.c.d:port
		auto a = Addr::parse(s.substr(0, colon));
		auto p = parse_port(s.substr(colon + 1));
		if (!a || !a->is_v4() || !p)
			return std::nullopt;
		e.addr = *a;
		e.port = *p;
		return e;
	}
	if (port_required)
		return std::nullopt;
	auto a = Addr::parse(s);
	if (!a)
		return std::nullopt;
	e.addr = *a;
	return e;
}

std::string Endpoint::str() const
{
	if (addr.is_v6())
		return "[" + addr.str() + "]:" + std::to_string(port);
	return addr.str() + ":" + std::to_string(port);
}

std::optional<Prefix> Prefix::parse(std::string_view s)
{
	size_t slash = s.find('/');
	Prefix p;
	auto a = Addr::parse(s.substr(0, slash));
	if (!a)
		return std::nullopt;
	p.addr = *a;
	unsigned max = a->is_v4() ? 32 : 128;
	if (slash == std::string_view::npos) {
		p.len = max;
		return p;
	}
	auto l = parse_port(s.substr(slash + 1));
	if (!l || *l > max)
		return std::nullopt;
	p.len = static_cast<uint8_t>(*l);
	return p;
}

std::string Prefix::str() const { return addr.str() + "/" + std::to_string(len); }

bool Prefix::contains(const Addr &a) const
{
	if (a.family != addr.family)
		return false;
	unsigned full = len / 8, rest = len % 8;
	if (memcmp(a.b, addr.b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = static_cast<uint8_t>(0xff00 >> rest);
	return (a.b[full] & mask) == (addr.b[full] & mask);
}

// ---------------------------------------------------------------------------------
// Formats

// Who sends each format, for --help. A format added to TOA_FORMATS without a line here
// is a -Wswitch warning.
static constexpr const char *format_who(Format f)
{
	switch (f) {
	case Format::F254_8: return "LVS FULLNAT, DPVS, Huawei ELB, Alibaba Anti-DDoS";
	case Format::F254_20: return "DPVS IPv6 and NAT64";
	case Format::F200_8: return "Tencent Cloud CLB";
	case Format::F253_20: return "Tencent CLB NAT64, Alibaba LVS IPv6";
	case Format::F253_8: return "UCloud variant";
	case Format::F249_40: return "Alibaba Anti-DDoS NAT64 (+20 info bytes)";
	case Format::F28_7: return "Alibaba Cloud CDN (version 1 + IPv4, no port)";
	}
	return "";
}

// The formats of include/toa/uapi.h (kind, length, family); only 28/7 carries no port.
#define LBSIM_FMT_(id, kind, len, family, on)                                           \
	{Format::F##id, kind, len, (family) == 6 ? AF_INET6 : AF_INET,                   \
	 Format::F##id != Format::F28_7, #kind "/" #len, format_who(Format::F##id)},
static constexpr FormatInfo kFormats[kFormatCount] = {TOA_FORMATS(LBSIM_FMT_)};
#undef LBSIM_FMT_

const FormatInfo &format_info(Format f) { return kFormats[static_cast<unsigned>(f)]; }

std::optional<Format> format_by_kind_len(uint8_t kind, uint8_t len)
{
	for (const auto &fi : kFormats)
		if (fi.kind == kind && fi.len == len)
			return fi.format;
	return std::nullopt;
}

std::optional<Format> parse_format(std::string_view s)
{
	static const struct {
		const char *alias;
		Format f;
	} aliases[] = {
		{"lvs", Format::F254_8},      {"dpvs", Format::F254_8},
		{"dpvs6", Format::F254_20},   {"tencent", Format::F200_8},
		{"clb", Format::F200_8},      {"tencent6", Format::F253_20},
		{"clb6", Format::F253_20},    {"ucloud", Format::F253_8},
		{"alibaba6", Format::F249_40}, {"cdn", Format::F28_7},
	};
	for (const auto &fi : kFormats)
		if (s == fi.name)
			return fi.format;
	for (const auto &a : aliases)
		if (s == a.alias)
			return a.f;
	return std::nullopt;
}

std::optional<uint32_t> parse_format_mask(std::string_view s)
{
	if (s == "default")
		return TOA_FMT_DEFAULT;
	if (s == "all")
		return TOA_FMT_ALL;
	if (s == "none")
		return 0;
	uint32_t mask = 0;
	while (!s.empty()) {
		size_t comma = s.find(',');
		auto f = parse_format(s.substr(0, comma));
		if (!f)
			return std::nullopt;
		mask |= TOA_FMT_BIT(static_cast<unsigned>(*f));
		if (comma == std::string_view::npos)
			break;
		s.remove_prefix(comma + 1);
	}
	return mask;
}

std::string format_mask_str(uint32_t mask)
{
	std::string r;
	for (const auto &fi : kFormats)
		if (mask & TOA_FMT_BIT(static_cast<unsigned>(fi.format))) {
			if (!r.empty())
				r += ',';
			r += fi.name;
		}
	return r.empty() ? "none" : r;
}

// ---------------------------------------------------------------------------------
// Option specs

OptionSpec OptionSpec::toa(Format f, const Endpoint &client)
{
	OptionSpec o;
	o.type = Type::Toa;
	o.format = f;
	o.client = client;
	return o;
}

OptionSpec OptionSpec::raw(std::vector<uint8_t> b)
{
	OptionSpec o;
	o.type = Type::Raw;
	o.bytes = std::move(b);
	return o;
}

OptionSpec OptionSpec::nop()
{
	OptionSpec o;
	o.type = Type::Nop;
	return o;
}

OptionSpec OptionSpec::eol()
{
	OptionSpec o;
	o.type = Type::Eol;
	return o;
}

OptionSpec OptionSpec::len0(uint8_t kind)
{
	OptionSpec o;
	o.type = Type::Len0;
	o.kind = kind;
	return o;
}

OptionSpec OptionSpec::len1(uint8_t kind)
{
	OptionSpec o;
	o.type = Type::Len1;
	o.kind = kind;
	return o;
}

OptionSpec OptionSpec::badlen(Format f, const Endpoint &client, uint8_t len)
{
	OptionSpec o = toa(f, client);
	o.type = Type::BadLen;
	o.len = len;
	return o;
}

OptionSpec OptionSpec::truncated(Format f, const Endpoint &client)
{
	OptionSpec o = toa(f, client);
	o.type = Type::Truncated;
	return o;
}

OptionSpec OptionSpec::stack()
{
	OptionSpec o;
	o.type = Type::Stack;
	return o;
}

static const struct {
	Malformation m;
	const char *name;
} kMalformations[] = {
	{Malformation::None, "none"},
	{Malformation::Len0, "len0"},
	{Malformation::Len1, "len1"},
	{Malformation::Truncated, "truncated"},
	{Malformation::BadLen, "badlen"},
	{Malformation::Forged, "forged"},
	{Malformation::EolBefore, "eol"},
	{Malformation::NopBefore, "nop"},
	{Malformation::Len0After, "len0-after"},
	{Malformation::TruncatedAfter, "truncated-after"},
};

std::optional<Malformation> parse_malformation(std::string_view s)
{
	for (const auto &m : kMalformations)
		if (s == m.name)
			return m.m;
	return std::nullopt;
}

const char *malformation_name(Malformation m)
{
	for (const auto &x : kMalformations)
		if (x.m == m)
			return x.name;
	return "?";
}

OptionList make_option_list(Format f, const Endpoint &client, Malformation m,
			    const Endpoint &forged)
{
	const FormatInfo &fi = format_info(f);
	OptionSpec real = OptionSpec::toa(f, client);
	switch (m) {
	case Malformation::None:
		return {real};
	case Malformation::Len0:
		return {OptionSpec::len0(fi.kind), real};
	case Malformation::Len1:
		return {OptionSpec::len1(fi.kind), real};
	case Malformation::Truncated:
		return {OptionSpec::truncated(f, client)};
	case Malformation::BadLen:
		return {OptionSpec::badlen(f, client)};
	case Malformation::Forged: {
		Endpoint fake = forged;
		if (fake.addr.empty()) {
			// same family as the real client, a different address and port
			fake.addr = fi.family == AF_INET ? *Addr::parse("192.0.2.66")
							 : *Addr::parse("2001:db8:bad::66");
			fake.port = fi.has_port ? 6666 : 0;
		}
		return {real, OptionSpec::toa(f, fake)};
	}
	case Malformation::EolBefore:
		return {OptionSpec::eol(), real};
	case Malformation::NopBefore:
		return {OptionSpec::nop(), OptionSpec::nop(), OptionSpec::nop(), real};
	case Malformation::Len0After:
		return {real, OptionSpec::len0(fi.kind)};
	case Malformation::TruncatedAfter: {
		OptionSpec junk = OptionSpec::raw({250, 12});
		junk.type = OptionSpec::Type::Truncated;
		junk.kind = 250;
		junk.len = 12;
		return {real, junk};
	}
	}
	return {real};
}

// ---------------------------------------------------------------------------------
// Encoding

namespace {

// Appends the data of a TOA of format fi for `o` (port, address, info) to d.
bool toa_data(const OptionSpec &o, const FormatInfo &fi, uint8_t *d, size_t &n,
	      std::string *err)
{
	n = 0;
	if (o.type == OptionSpec::Type::Raw) {
		memcpy(d, o.bytes.data(), o.bytes.size() < 64 ? o.bytes.size() : 64);
		n = o.bytes.size() < 64 ? o.bytes.size() : 64;
		return true;
	}
	const Addr &a = o.client.addr;
	size_t alen = fi.family == AF_INET ? 4 : 16;
	if (a.family != fi.family) {
		if (err)
			*err = std::string("format ") + fi.name + " carries an " +
			       (fi.family == AF_INET ? "IPv4" : "IPv6") +
			       " client, got '" + a.str() + "'";
		return false;
	}
	if (fi.has_port) {
		d[n++] = o.client.port >> 8;
		d[n++] = o.client.port & 0xff;
	} else {
		d[n++] = o.version;
	}
	memcpy(d + n, a.b, alen);
	n += alen;
	if (fi.format == Format::F249_40) {
		uint8_t info[20] = {};
		memcpy(info, o.bytes.data(), o.bytes.size() < 20 ? o.bytes.size() : 20);
		memcpy(d + n, info, 20);
		n += 20;
	}
	return true;
}

size_t stack_len(const StackOpts &st)
{
	size_t n = 0;
	if (st.syn) {
		if (st.mss)
			n += 4;
		if (st.ts)
			n += 12; // (SACK-permitted + TS) or (NOP NOP TS)
		else if (st.sack_perm)
			n += 4;  // NOP NOP SACK-permitted
		if (st.wscale >= 0)
			n += 4;  // NOP WS
	} else if (st.ts) {
		n += 12;
	}
	return n;
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

size_t stack_put(const StackOpts &st, uint8_t *p)
{
	size_t n = 0;
	if (st.syn) {
		if (st.mss) {
			p[n++] = 2;
			p[n++] = 4;
			p[n++] = st.mss_value >> 8;
			p[n++] = st.mss_value & 0xff;
		}
		if (st.ts) {
			if (st.sack_perm) {
				p[n++] = 4;
				p[n++] = 2;
			} else {
				p[n++] = 1;
				p[n++] = 1;
			}
			p[n++] = 8;
			p[n++] = 10;
			put32(p + n, st.tsval);
			put32(p + n + 4, st.tsecr);
			n += 8;
		} else if (st.sack_perm) {
			p[n++] = 1;
			p[n++] = 1;
			p[n++] = 4;
			p[n++] = 2;
		}
		if (st.wscale >= 0) {
			p[n++] = 1;
			p[n++] = 3;
			p[n++] = 3;
			p[n++] = static_cast<uint8_t>(st.wscale);
		}
	} else if (st.ts) {
		p[n++] = 1;
		p[n++] = 1;
		p[n++] = 8;
		p[n++] = 10;
		put32(p + n, st.tsval);
		put32(p + n + 4, st.tsecr);
		n += 8;
	}
	return n;
}

// Encodes into a scratch buffer bigger than 40 so "does not fit" can be measured.
// Returns the length (possibly > 40), or -1 on a hard error.
int encode_raw(const OptionList &list, const StackOpts &st, uint8_t *out, size_t cap,
	       std::string *err)
{
	size_t n = 0;
	bool has_stack = false;
	for (const auto &o : list)
		if (o.type == OptionSpec::Type::Stack)
			has_stack = true;
	const bool implicit_stack = !has_stack && stack_len(st) > 0;
	size_t trailing_trunc = list.size();
	if (!list.empty() && list.back().type == OptionSpec::Type::Truncated)
		trailing_trunc = list.size() - 1;

	auto need = [&](size_t k) { return n + k <= cap; };
	auto put_stack = [&]() {
		if (!need(20))
			return false;
		n += stack_put(st, out + n);
		return true;
	};

	for (size_t i = 0; i < list.size(); i++) {
		const OptionSpec &o = list[i];
		if (!has_stack && i == trailing_trunc) {
			if (!put_stack())
				return static_cast<int>(cap + 1);
			has_stack = true;
		}
		switch (o.type) {
		case OptionSpec::Type::Stack:
			if (!put_stack())
				return static_cast<int>(cap + 1);
			break;
		case OptionSpec::Type::Raw:
			if (!need(o.bytes.size()))
				return static_cast<int>(cap + 1);
			memcpy(out + n, o.bytes.data(), o.bytes.size());
			n += o.bytes.size();
			break;
		case OptionSpec::Type::Nop:
			if (!need(1))
				return static_cast<int>(cap + 1);
			out[n++] = 1;
			break;
		case OptionSpec::Type::Eol:
			if (!need(1))
				return static_cast<int>(cap + 1);
			out[n++] = 0;
			break;
		case OptionSpec::Type::Len0:
		case OptionSpec::Type::Len1:
			if (!need(2))
				return static_cast<int>(cap + 1);
			out[n++] = o.kind;
			out[n++] = o.type == OptionSpec::Type::Len0 ? 0 : 1;
			break;
		case OptionSpec::Type::Toa:
		case OptionSpec::Type::BadLen: {
			const FormatInfo &fi = format_info(o.format);
			uint8_t d[64];
			size_t dn;
			if (!toa_data(o, fi, d, dn, err))
				return -1;
			uint8_t kind = o.kind ? o.kind : fi.kind;
			uint8_t len = o.len;
			if (!len)
				len = o.type == OptionSpec::Type::BadLen ? fi.len + 2 : fi.len;
			if (len < 2) {
				if (err)
					*err = "option length below 2: use Len0/Len1";
				return -1;
			}
			if (!need(len))
				return static_cast<int>(cap + 1);
			out[n] = kind;
			out[n + 1] = len;
			size_t body = len - 2u;
			for (size_t k = 0; k < body; k++)
				out[n + 2 + k] = k < dn ? d[k] : 0;
			n += len;
			// NOP-align before a following item (LVS/DPVS keep options aligned)
			if (i + 1 < list.size() || implicit_stack)
				while (n % 4 && need(1))
					out[n++] = 1;
			break;
		}
		case OptionSpec::Type::Truncated: {
			if (i + 1 != list.size()) {
				if (err)
					*err = "a truncated option must be the last item";
				return -1;
			}
			uint8_t d[64];
			size_t dn = 0;
			uint8_t kind = o.kind, len = o.len;
			if (!o.bytes.empty() && kind) {
				// custom truncated option: bytes = kind, len, data...
				if (o.bytes.size() > 2) {
					dn = o.bytes.size() - 2;
					memcpy(d, o.bytes.data() + 2, dn < 64 ? dn : 64);
				}
			} else {
				const FormatInfo &fi = format_info(o.format);
				if (!toa_data(o, fi, d, dn, err))
					return -1;
				if (!kind)
					kind = fi.kind;
				if (!len)
					len = fi.len;
			}
			// the option space ends at the first 4-byte boundary that leaves the
			// option's header in and its declared length out
			size_t end = (n + 2 + 3) & ~size_t(3);
			if (end - n >= len) {
				// whole option would fit: claim more than what is there
				len = static_cast<uint8_t>(end - n + 1);
			}
			if (!need(end - n))
				return static_cast<int>(cap + 1);
			out[n] = kind;
			out[n + 1] = len;
			for (size_t k = n + 2; k < end; k++)
				out[k] = (k - n - 2) < dn ? d[k - n - 2] : 0;
			n = end;
			break;
		}
		}
	}
	if (!has_stack && !put_stack())
		return static_cast<int>(cap + 1);
	while (n % 4) {
		if (!need(1))
			return static_cast<int>(cap + 1);
		out[n++] = 0; // EOL padding
	}
	return static_cast<int>(n);
}

} // namespace

bool encode_options(const OptionList &list, const StackOpts &st_in, bool auto_fit,
		    EncodedOptions &out, std::string *err)
{
	StackOpts st = st_in;
	uint8_t scratch[256];
	for (int step = 0;; step++) {
		int n = encode_raw(list, st, scratch, sizeof(scratch), err);
		if (n < 0)
			return false;
		if (static_cast<size_t>(n) <= kMaxOptLen) {
			memcpy(out.bytes, scratch, n);
			memset(out.bytes + n, 0, kMaxOptLen - n);
			out.len = static_cast<uint8_t>(n);
			out.used = st;
			return true;
		}
		if (!auto_fit || stack_len(st) == 0) {
			if (err)
				*err = "option list needs " + std::to_string(n) +
				       " bytes, TCP allows 40";
			return false;
		}
		if (st.wscale >= 0)
			st.wscale = -1;
		else if (st.sack_perm)
			st.sack_perm = false;
		else if (st.ts)
			st.ts = false;
		else
			st.mss = false;
	}
}

// ---------------------------------------------------------------------------------
// Expectation

std::string Expectation::str() const
{
	switch (result) {
	case Result::None:
		return "none";
	case Result::Malformed:
		return "malformed";
	case Result::Found:
		break;
	}
	const FormatInfo &fi = format_info(format);
	if (!fi.has_port)
		return std::string("found ") + fi.name + " " + client.addr.str();
	return std::string("found ") + fi.name + " " + client.str();
}

bool Expectation::operator==(const Expectation &o) const
{
	if (result != o.result)
		return false;
	if (result != Result::Found)
		return true;
	return format == o.format && client == o.client;
}

Expectation expect_first_toa(const uint8_t *p, size_t len, uint32_t enabled, bool syn)
{
	Expectation e;
	size_t i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == 0) // EOL
			return e;
		if (kind == 1) { // NOP
			i++;
			continue;
		}
		if (len - i < 2) {
			e.result = Expectation::Result::Malformed;
			return e;
		}
		uint8_t olen = p[i + 1];
		if (olen < 2 || olen > len - i) {
			e.result = Expectation::Result::Malformed;
			return e;
		}
		if (syn && kind == 254 && olen >= 4 && p[i + 2] == 0xF9 && p[i + 3] == 0x89) {
			i += olen; // TCP Fast Open's cookie
			continue;
		}
		auto f = format_by_kind_len(kind, olen);
		// A kind one of whose enabled formats uses it, with a length none of its
		// formats has, is a malformed TOA: the walk ends with nothing (28/4 is RFC 5482
		// User Timeout, not a TOA).
		bool kind_enabled = false, len_known = false;
		for (unsigned fi = 0; fi < kFormatCount; fi++) {
			const FormatInfo &info = format_info(static_cast<Format>(fi));
			if (info.kind != kind)
				continue;
			len_known |= info.len == olen;
			kind_enabled |= (enabled & TOA_FMT_BIT(fi)) != 0;
		}
		if (kind_enabled && !len_known && !(kind == 28 && olen == 4)) {
			e.result = Expectation::Result::Malformed;
			return e;
		}
		if (f && (enabled & TOA_FMT_BIT(static_cast<unsigned>(*f)))) {
			const FormatInfo &fi = format_info(*f);
			const uint8_t *d = p + i + 2;
			bool ok = true;
			Endpoint c;
			if (fi.has_port) {
				c.port = static_cast<uint16_t>(d[0] << 8 | d[1]);
				d += 2;
			} else {
				ok = d[0] == 1; // version
				d += 1;
			}
			c.addr.family = fi.family;
			memcpy(c.addr.b, d, fi.family == AF_INET ? 4 : 16);
			if (!ok) { // 28/7 of another version
				e.result = Expectation::Result::Malformed;
				return e;
			}
			e.result = Expectation::Result::Found;
			e.format = *f;
			e.kind = kind;
			e.len = olen;
			e.offset = static_cast<uint8_t>(i);
			e.client = c;
			return e;
		}
		i += olen;
	}
	return e;
}

bool linux_drops_options(const uint8_t *p, size_t len, unsigned minlen)
{
	if (minlen == 0)
		return false;
	if (minlen < 2)
		minlen = 2;
	bool md5 = false, ao = false;
	size_t i = 0;
	while (len - i >= minlen) {
		uint8_t kind = p[i];
		if (kind == 0)
			return false;
		if (kind == 1) {
			i++;
			continue;
		}
		uint8_t olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return true;
		if (kind == 19) {
			if (olen != 18 || md5 || ao)
				return true;
			md5 = true;
		} else if (kind == 29) {
			if (olen <= 4 || md5 || ao)
				return true;
			ao = true;
		}
		i += olen;
	}
	return false;
}

// ---------------------------------------------------------------------------------
// Checksums and packets

uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum;
	while (len >= 2) {
		s += static_cast<uint32_t>(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		s += static_cast<uint32_t>(p[0] << 8);
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return static_cast<uint32_t>(s);
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<uint16_t>(~sum & 0xffff);
}

uint16_t ipv4_header_checksum(const uint8_t *hdr, size_t ihl_bytes)
{
	return csum_fold(csum_add(0, hdr, ihl_bytes));
}

uint16_t tcp_checksum(const Addr &src, const Addr &dst, const uint8_t *tcp, size_t len)
{
	return l4_checksum(src, dst, IPPROTO_TCP, tcp, len);
}

uint16_t l4_checksum(const Addr &src, const Addr &dst, uint8_t proto, const uint8_t *tcp,
		     size_t len)
{
	uint32_t s = 0;
	uint8_t ph[8];
	if (src.is_v4()) {
		s = csum_add(s, src.b, 4);
		s = csum_add(s, dst.b, 4);
		ph[0] = 0;
		ph[1] = proto;
		ph[2] = len >> 8;
		ph[3] = len & 0xff;
		s = csum_add(s, ph, 4);
	} else {
		s = csum_add(s, src.b, 16);
		s = csum_add(s, dst.b, 16);
		put32(ph, static_cast<uint32_t>(len));
		ph[4] = ph[5] = ph[6] = 0;
		ph[7] = proto;
		s = csum_add(s, ph, 8);
	}
	s = csum_add(s, tcp, len);
	return csum_fold(s);
}

size_t build_packet(uint8_t *buf, size_t bufsize, const Segment &s, uint16_t ip_id)
{
	if (s.src.family != s.dst.family || s.src.empty())
		return 0;
	if (s.optlen > kMaxOptLen || s.optlen % 4)
		return 0;
	size_t iphl = s.src.is_v4() ? 20 : 40;
	size_t tcphl = 20 + s.optlen;
	size_t total = iphl + tcphl + s.paylen;
	if (total > bufsize || (s.src.is_v4() && total > 65535) ||
	    (s.src.is_v6() && tcphl + s.paylen > 65535))
		return 0;
	uint8_t *ip = buf;
	uint8_t *t = buf + iphl;
	if (s.src.is_v4()) {
		ip[0] = 0x45;
		ip[1] = 0;
		ip[2] = total >> 8;
		ip[3] = total & 0xff;
		ip[4] = ip_id >> 8;
		ip[5] = ip_id & 0xff;
		ip[6] = 0x40; // DF
		ip[7] = 0;
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		ip[10] = ip[11] = 0;
		memcpy(ip + 12, s.src.b, 4);
		memcpy(ip + 16, s.dst.b, 4);
		uint16_t c = ipv4_header_checksum(ip, 20);
		ip[10] = c >> 8;
		ip[11] = c & 0xff;
	} else {
		size_t pl = tcphl + s.paylen;
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		ip[4] = pl >> 8;
		ip[5] = pl & 0xff;
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, s.src.b, 16);
		memcpy(ip + 24, s.dst.b, 16);
	}
	t[0] = s.sport >> 8;
	t[1] = s.sport & 0xff;
	t[2] = s.dport >> 8;
	t[3] = s.dport & 0xff;
	put32(t + 4, s.seq);
	put32(t + 8, s.ack);
	t[12] = static_cast<uint8_t>((tcphl / 4) << 4);
	t[13] = s.flags;
	t[14] = s.window >> 8;
	t[15] = s.window & 0xff;
	t[16] = t[17] = 0;
	t[18] = t[19] = 0; // urgent pointer
	if (s.optlen)
		memcpy(t + 20, s.opts, s.optlen);
	if (s.paylen)
		memcpy(t + tcphl, s.payload, s.paylen);
	uint16_t c = tcp_checksum(s.src, s.dst, t, tcphl + s.paylen);
	t[16] = c >> 8;
	t[17] = c & 0xff;
	return total;
}

static uint32_t get32(const uint8_t *p)
{
	return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
	       static_cast<uint32_t>(p[2]) << 8 | p[3];
}

ParseResult parse_packet(const uint8_t *p, size_t n, Segment &s, bool verify)
{
	if (n < 1)
		return ParseResult::Bad;
	const uint8_t *t;
	size_t tlen;
	unsigned ver = p[0] >> 4;
	if (ver == 4) {
		if (n < 20)
			return ParseResult::Bad;
		size_t ihl = (p[0] & 0xf) * 4u;
		size_t total = static_cast<size_t>(p[2]) << 8 | p[3];
		if (ihl < 20 || total < ihl || total > n)
			return ParseResult::Bad;
		if (p[9] != IPPROTO_TCP)
			return ParseResult::NotTcp;
		if ((p[6] & 0x3f) || p[7]) // fragment
			return ParseResult::NotTcp;
		if (verify && csum_fold(csum_add(0, p, ihl)) != 0)
			return ParseResult::BadChecksum;
		s.src.family = s.dst.family = AF_INET;
		memset(s.src.b, 0, 16);
		memset(s.dst.b, 0, 16);
		memcpy(s.src.b, p + 12, 4);
		memcpy(s.dst.b, p + 16, 4);
		t = p + ihl;
		tlen = total - ihl;
	} else if (ver == 6) {
		if (n < 40)
			return ParseResult::Bad;
		size_t pl = static_cast<size_t>(p[4]) << 8 | p[5];
		if (40 + pl > n)
			return ParseResult::Bad;
		if (p[6] != IPPROTO_TCP)
			return ParseResult::NotTcp;
		s.src.family = s.dst.family = AF_INET6;
		memcpy(s.src.b, p + 8, 16);
		memcpy(s.dst.b, p + 24, 16);
		t = p + 40;
		tlen = pl;
	} else {
		return ParseResult::NotTcp;
	}
	if (tlen < 20)
		return ParseResult::Bad;
	size_t doff = (t[12] >> 4) * 4u;
	if (doff < 20 || doff > tlen)
		return ParseResult::Bad;
	if (verify && tcp_checksum(s.src, s.dst, t, tlen) != 0)
		return ParseResult::BadChecksum;
	s.sport = static_cast<uint16_t>(t[0] << 8 | t[1]);
	s.dport = static_cast<uint16_t>(t[2] << 8 | t[3]);
	s.seq = get32(t + 4);
	s.ack = get32(t + 8);
	s.flags = t[13];
	s.window = static_cast<uint16_t>(t[14] << 8 | t[15]);
	s.opts = t + 20;
	s.optlen = doff - 20;
	s.payload = t + doff;
	s.paylen = tlen - doff;
	return ParseResult::Ok;
}

PeerOpts parse_peer_options(const uint8_t *p, size_t len)
{
	PeerOpts r;
	size_t i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (len - i < 2)
			break;
		uint8_t olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			break;
		const uint8_t *d = p + i + 2;
		if (kind == 2 && olen == 4) {
			r.mss = true;
			r.mss_value = static_cast<uint16_t>(d[0] << 8 | d[1]);
		} else if (kind == 3 && olen == 3) {
			r.wscale = d[0] > 14 ? 14 : d[0];
		} else if (kind == 4 && olen == 2) {
			r.sack_perm = true;
		} else if (kind == 8 && olen == 10) {
			r.ts = true;
			r.tsval = get32(d);
			r.tsecr = get32(d + 4);
		}
		i += olen;
	}
	return r;
}

std::string hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	std::string r;
	r.reserve(n * 2);
	for (size_t i = 0; i < n; i++) {
		r += digits[p[i] >> 4];
		r += digits[p[i] & 15];
	}
	return r;
}

std::string hex(std::string_view s)
{
	return hex(reinterpret_cast<const uint8_t *>(s.data()), s.size());
}

std::optional<std::vector<uint8_t>> unhex(std::string_view s)
{
	std::vector<uint8_t> r;
	int hi = -1;
	for (char c : s) {
		int v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else if (c == ' ' || c == ':' || c == '-' || c == '_')
			continue;
		else
			return std::nullopt;
		if (hi < 0) {
			hi = v;
		} else {
			r.push_back(static_cast<uint8_t>(hi << 4 | v));
			hi = -1;
		}
	}
	if (hi >= 0)
		return std::nullopt;
	return r;
}

std::optional<unsigned> parse_positions(std::string_view s)
{
	unsigned r = 0;
	while (!s.empty()) {
		size_t comma = s.find_first_of(",+");
		std::string_view w = s.substr(0, comma);
		if (w == "syn")
			r |= kAtSyn;
		else if (w == "ack")
			r |= kAtAck;
		else if (w == "data")
			r |= kAtData;
		else if (w == "none")
			;
		else
			return std::nullopt;
		if (comma == std::string_view::npos)
			break;
		s.remove_prefix(comma + 1);
	}
	return r;
}

std::string positions_str(unsigned p)
{
	std::string r;
	if (p & kAtSyn)
		r += "syn";
	if (p & kAtAck)
		r += r.empty() ? "ack" : "+ack";
	if (p & kAtData)
		r += r.empty() ? "data" : "+data";
	return r.empty() ? "none" : r;
}

} // namespace toa::lbsim
