// SPDX-License-Identifier: MIT
//
// libtoa C++ API for the carriers of the client address other than TOA: PROXY protocol
// v1/v2 (<toa/proxy.h>), SPP (<toa/spp.h>), HTTP headers (<toa/http.h>), and the policies
// and composing calls of <toa/policy.h>. Inline over the C API: noexcept, no heap.
//
//     toa::policy pol;                           // no rule: every header is untrusted
//     pol.add(*toa::cidr::parse("10.0.0.0/8"), toa::action::require);
//     pol.read_proxy(true).timeout(std::chrono::seconds(3));
//     if (auto c = toa::resolve(fd, pol))        // PROXY header, then TOA, then the peer
//         std::printf("client=%s via=%s\n", toa::format(c->address).c_str(),
//                     toa::format_origin(*c).c_str());   // via=PROXY(v2)
#ifndef TOA_CARRIERS_HPP
#define TOA_CARRIERS_HPP

#include <toa/policy.h>
#include <toa/toa.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace toa {

// ---------------------------------------------------------------- PROXY protocol

/// One TLV of a PROXY v2 header; value() points into the parsed buffer.
class proxy_tlv {
public:
	proxy_tlv() noexcept : t_{} {}
	explicit proxy_tlv(const toa_proxy_tlv &t) noexcept : t_(t) {}
	std::uint8_t type() const noexcept { return t_.type; }
	std::size_t size() const noexcept { return t_.len; }
	const std::uint8_t *value() const noexcept { return t_.value; }
	std::string_view text() const noexcept
	{
		return {reinterpret_cast<const char *>(t_.value), t_.len};
	}
	const toa_proxy_tlv &raw() const noexcept { return t_; }

private:
	toa_proxy_tlv t_;
};

/// A parsed PROXY header (v1 or v2); valid while the buffer it was parsed from is.
class proxy_header {
public:
	proxy_header() noexcept : h_{} {}
	explicit proxy_header(const toa_proxy_header &h) noexcept : h_(h) {}

	int version() const noexcept { return h_.version; }
	bool is_local() const noexcept { return h_.command == TOA_PROXY_CMD_LOCAL; }
	bool is_datagram() const noexcept { return h_.transport == TOA_PROXY_DGRAM; }
	/// The client (empty for LOCAL, UNKNOWN, UNSPEC and UNIX) and its destination.
	endpoint source() const noexcept { return endpoint(h_.src); }
	endpoint destination() const noexcept { return endpoint(h_.dst); }
	std::size_t length() const noexcept { return h_.length; }
	bool crc32c_checked() const noexcept { return h_.crc32c != 0; }

	/// Calls f(proxy_tlv) for each TLV, in order.
	template <class F> void for_each_tlv(F &&f) const
	{
		std::size_t pos = 0;
		toa_proxy_tlv t;
		while (toa_proxy_tlv_next(&h_, &pos, &t) == 1)
			f(proxy_tlv(t));
	}
	/// The first TLV of a type, or errc::not_present.
	result<proxy_tlv> find(std::uint8_t type) const noexcept
	{
		toa_proxy_tlv t;
		if (toa_proxy_tlv_find(&h_, type, &t) == 1)
			return proxy_tlv(t);
		return errc::not_present;
	}

	const toa_proxy_header &raw() const noexcept { return h_; }

private:
	toa_proxy_header h_;
};

/// A PROXY v1 or v2 header at the start of buf; length() is what it consumed.
inline result<proxy_header> parse_proxy(const void *buf, std::size_t len) noexcept
{
	toa_proxy_header h;
	int rc = toa_proxy_parse(buf, len, &h);
	if (rc < 0)
		return to_error_code(rc);
	return proxy_header(h);
}

/// toa_proxy_read(): the header off a freshly accepted socket, never a byte past it.
inline result<proxy_header> read_proxy(int fd, std::chrono::milliseconds timeout, void *buf,
				       std::size_t len) noexcept
{
	toa_proxy_header h;
	int rc = toa_proxy_read(fd, static_cast<int>(timeout.count()), buf, len, &h);
	if (rc < 0)
		return to_error_code(rc);
	return proxy_header(h);
}

// ---------------------------------------------------------------- SPP

struct spp_header {
	endpoint client; ///< the client's address and port
	endpoint proxy;  ///< the proxy's address and port
};

/// The 38-byte SPP header at the start of a datagram (the payload follows it).
inline result<spp_header> parse_spp(const void *buf, std::size_t len) noexcept
{
	toa_spp_header h;
	int rc = toa_spp_parse(buf, len, &h);
	if (rc < 0)
		return to_error_code(rc);
	return spp_header{endpoint(h.client), endpoint(h.proxy)};
}

// ---------------------------------------------------------------- CIDRs and policies

/// An IPv4 or IPv6 network.
class cidr {
public:
	cidr() noexcept : c_{} {}
	explicit cidr(const toa_cidr &c) noexcept : c_(c) {}
	/// "192.0.2.0/24", "2001:db8::/32", or one address.
	static result<cidr> parse(std::string_view s) noexcept
	{
		char buf[TOA_ENDPOINT_STRLEN];
		if (s.size() >= sizeof(buf))
			return errc::invalid_argument;
		std::memcpy(buf, s.data(), s.size());
		buf[s.size()] = '\0';
		toa_cidr c;
		if (toa_cidr_parse(buf, &c) != 0)
			return errc::invalid_argument;
		return cidr(c);
	}
	bool contains(const endpoint &e) const noexcept
	{
		return toa_cidr_contains(&c_, &e.raw()) != 0;
	}
	const toa_cidr &raw() const noexcept { return c_; }

private:
	toa_cidr c_;
};

enum class action : std::uint8_t {
	reject = TOA_POLICY_REJECT,   ///< a header is an error, never an address
	ignore = TOA_POLICY_IGNORE,   ///< headers are not read (their bytes stay data)
	use = TOA_POLICY_USE,         ///< a header is read when there is one
	require = TOA_POLICY_REQUIRE, ///< a header must be there
};

/// Source ranges and their actions (first match wins), in a fixed array of N rules.
template <std::size_t N = 32> class basic_policy {
public:
	/// false when the N rules are used up.
	bool add(const cidr &c, action a) noexcept
	{
		if (n_ == N)
			return false;
		rules_[n_] = toa_policy_rule{c.raw(), static_cast<std::uint8_t>(a), {}};
		n_++;
		return true;
	}
	basic_policy &otherwise(action a) noexcept
	{
		otherwise_ = a;
		return *this;
	}
	/// toa::resolve() reads a PROXY header (from the sources whose action allows it).
	basic_policy &read_proxy(bool on) noexcept
	{
		proxy_ = on;
		return *this;
	}
	/// The HTTP headers toa::resolve_http() reads: TOA_HTTP_* bits (0: all).
	basic_policy &http_headers(unsigned mask) noexcept
	{
		headers_ = static_cast<std::uint16_t>(mask);
		return *this;
	}
	/// The PROXY header deadline (negative: none).
	basic_policy &timeout(std::chrono::milliseconds t) noexcept
	{
		timeout_ms_ = static_cast<int>(t.count());
		return *this;
	}
	action action_for(const endpoint &src) const noexcept
	{
		toa_policy p = raw();
		return static_cast<action>(toa_policy_action(&p, &src.raw()));
	}
	std::size_t size() const noexcept { return n_; }

	/// The C view; it points into this object.
	toa_policy raw() const noexcept
	{
		toa_policy p{};
		p.rules = rules_;
		p.n_rules = n_;
		p.otherwise = static_cast<std::uint8_t>(otherwise_);
		p.carriers = proxy_ ? TOA_RESOLVE_PROXY : 0;
		p.http_headers = headers_;
		p.timeout_ms = timeout_ms_;
		return p;
	}

private:
	toa_policy_rule rules_[N] = {};
	std::size_t n_ = 0;
	action otherwise_ = action::reject;
	bool proxy_ = false;
	std::uint16_t headers_ = 0;
	int timeout_ms_ = 5000;
};
using policy = basic_policy<>;

// ---------------------------------------------------------------- the composing calls

/// <toa/policy.h>'s toa_resolve(): PROXY header (when the policy reads it), TOA, peer.
/// buf holds the PROXY header (TOA_PROXY_V2_MAX holds any).
template <std::size_t N>
result<client> resolve(int fd, const basic_policy<N> &pol, void *buf, std::size_t len) noexcept
{
	toa_policy p = pol.raw();
	toa_answer a;
	int rc = toa_resolve(fd, &p, buf, len, &a);
	if (rc < 0)
		return to_error_code(rc);
	return client::from_answer(a);
}

/// The same with a 4 KiB buffer on the stack (a longer v2 header is errc::too_long).
template <std::size_t N> result<client> resolve(int fd, const basic_policy<N> &pol) noexcept
{
	unsigned char buf[4096];
	return resolve(fd, pol, buf, sizeof(buf));
}

/// toa_resolve_http(): c (from resolve()) goes on with the request head the server read.
/// Returns the head's length; c changes only on success. errc::not_present: no header
/// (c is still the answer).
template <std::size_t N>
result<std::size_t> resolve_http(client &c, const basic_policy<N> &pol,
				 std::string_view head) noexcept
{
	toa_policy p = pol.raw();
	toa_answer a = c.answer();
	int rc = toa_resolve_http(&a, &p, head.data(), head.size());
	if (rc < 0)
		return to_error_code(rc);
	c = client::from_answer(a);
	return static_cast<std::size_t>(rc);
}

/// The client of one UDP datagram from peer (SPP, then PROXY v2); *header_len is where
/// the payload begins.
template <std::size_t N>
result<client> resolve_datagram(const void *buf, std::size_t len, const endpoint &peer,
				const basic_policy<N> &pol, std::size_t *header_len = nullptr) noexcept
{
	toa_policy p = pol.raw();
	toa_answer a;
	int rc = toa_resolve_datagram(buf, len, &peer.raw(), &p, &a);
	if (rc < 0)
		return to_error_code(rc);
	if (header_len)
		*header_len = static_cast<std::size_t>(rc);
	return client::from_answer(a);
}

/// The one call of a UDP server: the datagram socket fd received from peer. An SPP or
/// PROXY v2 header under the policy, else DPVS's UOA as the kernel kept it
/// (carrier::uoa), else the peer; *header_len is where the payload begins.
template <std::size_t N>
result<client> resolve_datagram(int fd, const void *buf, std::size_t len, const endpoint &peer,
				const basic_policy<N> &pol, std::size_t *header_len = nullptr) noexcept
{
	toa_policy p = pol.raw();
	toa_answer a;
	int rc = toa_resolve_datagram_fd(fd, buf, len, &peer.raw(), &p, &a);
	if (rc < 0)
		return to_error_code(rc);
	if (header_len)
		*header_len = static_cast<std::size_t>(rc);
	return client::from_answer(a);
}

} // namespace toa

#endif // TOA_CARRIERS_HPP
