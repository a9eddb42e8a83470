// SPDX-License-Identifier: MIT
//
// libtoa C++ API (C++17): the real client of a TCP connection behind a full-NAT load
// balancer (Tencent CLB, LVS, DPVS, Huawei ELB), read from the TOA option by the toa
// kernel module, with a fallback to the socket's peer.
//
//     int fd = accept(listener, nullptr, nullptr);
//     if (auto c = toa::get_client(fd)) {
//         std::printf("client=%s via=%s\n", toa::format(c->address).c_str(),
//                     toa::format_origin(*c).c_str());   // no heap allocation
//     } else {
//         std::fprintf(stderr, "toa: %s\n", c.error().message().c_str());
//     }
//
// - get_client() is noexcept, thread-safe, does not allocate, and costs one getsockopt()
//   when the toa module answers (see <toa/toa.h> for the lookup order).
// - Errors are std::error_code: toa::errc (toa::category()) for library conditions
//   (bad fd, not a socket, not TCP, listening, not connected, ...), std::system_category()
//   for system errors passed through. toa::errc values also compare equal to the matching
//   std::errc (bad_fd == std::errc::bad_file_descriptor, ...).
// - Addresses looked up are normalized: IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4.
// - This header is inline over the C API; only toa::category() lives in the library.
#ifndef TOA_TOA_HPP
#define TOA_TOA_HPP

#if __cplusplus < 201703L
#error "<toa/toa.hpp> needs C++17 (or use the C API in <toa/toa.h>)"
#endif

#include <toa/toa.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iosfwd>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace toa {

// ---------------------------------------------------------------- errors

/// Library-level conditions (the TOA_E_* codes of the C API, as positive values).
enum class errc : int {
	bad_fd = 1,           ///< not an open file descriptor
	not_a_socket = 2,     ///< a file, a pipe, ...
	not_tcp = 3,          ///< a socket, but not TCP over IPv4/IPv6
	listening = 4,        ///< a listening socket: pass the fd accept() returned
	not_connected = 5,    ///< a TCP socket that is not (or no longer) connected
	bad_reply = 6,        ///< the kernel module answered something this libtoa does not know
	invalid_argument = 7, ///< NULL pointer, unknown family, unparsable text
	no_buffer_space = 8,  ///< the output buffer is too small
	// the carriers' parsers and policies
	incomplete = 9,       ///< a header begins; more bytes are needed
	malformed = 10,       ///< a header that breaks its specification
	not_present = 11,     ///< no header of this carrier
	too_long = 12,        ///< longer than the carrier or the buffer allows
	checksum = 13,        ///< PROXY v2 CRC32C mismatch
	untrusted = 14,       ///< a header from a source not allowed to send it
	required = 15,        ///< the policy requires a header; there is none
	timeout = 16,         ///< the deadline passed before the header came
	no_address = 17,      ///< a valid header naming no address ("unknown")
	closed = 18,          ///< the peer closed before the header was complete
};

/// The category of toa::errc (name "toa"). One object for the whole program.
TOA_API const std::error_category &category() noexcept;

inline std::error_code make_error_code(errc e) noexcept
{
	return {static_cast<int>(e), category()};
}

/// The std::error_code for a C API return code: 0 -> no error, TOA_E_* -> toa::errc,
/// -errno -> std::system_category().
inline std::error_code to_error_code(int rc) noexcept
{
	if (rc >= 0)
		return {};
	if (rc <= -(TOA_E_BASE + 1) && rc >= TOA_E_MIN)
		return make_error_code(static_cast<errc>(-rc - TOA_E_BASE));
	return {-rc, std::system_category()};
}

} // namespace toa

template <> struct std::is_error_code_enum<toa::errc> : std::true_type {};

namespace toa {

// ---------------------------------------------------------------- result

/// A value or a std::error_code; no exceptions, no heap.
template <class T> class result {
	static_assert(std::is_nothrow_default_constructible_v<T>, "T must be default constructible");

public:
	result(const T &v) noexcept(std::is_nothrow_copy_constructible_v<T>) : value_(v) {}
	result(T &&v) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(v)) {}
	/// An error; an empty (0) code is turned into errc::invalid_argument.
	result(std::error_code ec) noexcept : ec_(ec)
	{
		if (!ec_)
			ec_ = make_error_code(errc::invalid_argument);
	}
	result(errc e) noexcept : ec_(make_error_code(e)) {}

	bool has_value() const noexcept { return !ec_; }
	explicit operator bool() const noexcept { return has_value(); }

	/// The value. Precondition: has_value(); otherwise the program aborts (as an
	/// unchecked std::expected::value() would terminate).
	const T &value() const &noexcept
	{
		if (!has_value())
			std::abort();
		return value_;
	}
	T &value() &noexcept
	{
		if (!has_value())
			std::abort();
		return value_;
	}
	T &&value() &&noexcept
	{
		if (!has_value())
			std::abort();
		return std::move(value_);
	}
	T value_or(T alt) const noexcept(std::is_nothrow_copy_constructible_v<T>)
	{
		return has_value() ? value_ : alt;
	}
	/// Unchecked access.
	const T &operator*() const noexcept { return value_; }
	T &operator*() noexcept { return value_; }
	const T *operator->() const noexcept { return &value_; }
	T *operator->() noexcept { return &value_; }

	/// The error; an empty std::error_code when has_value().
	std::error_code error() const noexcept { return ec_; }

private:
	T value_{};
	std::error_code ec_{};
};

// ---------------------------------------------------------------- fixed_string

/// A NUL-terminated string in a fixed buffer: formatting results without the heap.
template <std::size_t N> class fixed_string {
public:
	fixed_string() noexcept { buf_[0] = '\0'; }
	const char *c_str() const noexcept { return buf_; }
	const char *data() const noexcept { return buf_; }
	std::size_t size() const noexcept { return size_; }
	bool empty() const noexcept { return size_ == 0; }
	std::string_view view() const noexcept { return {buf_, size_}; }
	operator std::string_view() const noexcept { return view(); }
	std::string str() const { return std::string(buf_, size_); }

	/// For the formatters: fill from a C API call returning a length or an error.
	template <class F> static fixed_string make(F &&fill) noexcept
	{
		fixed_string s;
		int n = fill(s.buf_, N);
		s.size_ = n > 0 ? static_cast<std::size_t>(n) : 0;
		if (n <= 0)
			s.buf_[0] = '\0';
		return s;
	}

private:
	char buf_[N];
	std::size_t size_ = 0;
};

template <class CharT, class Traits, std::size_t N>
std::basic_ostream<CharT, Traits> &operator<<(std::basic_ostream<CharT, Traits> &os,
					      const fixed_string<N> &s)
{
	return os << s.c_str();
}

// ---------------------------------------------------------------- endpoint

/// An IPv4 or IPv6 address and port; empty() (family 0) means none / unknown.
/// Layout-compatible with struct toa_endpoint.
class endpoint {
public:
	constexpr endpoint() noexcept : ep_{} {}
	explicit endpoint(const toa_endpoint &raw) noexcept : ep_(raw) {}

	/// From address bytes in network order and a port in host order.
	static endpoint ipv4(const std::uint8_t (&a)[4], std::uint16_t port) noexcept
	{
		endpoint e;
		e.ep_.family = AF_INET;
		e.ep_.port = port;
		std::memcpy(e.ep_.addr, a, 4);
		return e;
	}
	static endpoint ipv6(const std::uint8_t (&a)[16], std::uint16_t port,
			     std::uint32_t scope_id = 0) noexcept
	{
		endpoint e;
		e.ep_.family = AF_INET6;
		e.ep_.port = port;
		e.ep_.scope_id = scope_id;
		std::memcpy(e.ep_.addr, a, 16);
		return e;
	}
	static endpoint from(const in_addr &a, std::uint16_t port) noexcept
	{
		std::uint8_t b[4];
		std::memcpy(b, &a, 4);
		return ipv4(b, port);
	}
	static endpoint from(const in6_addr &a, std::uint16_t port,
			     std::uint32_t scope_id = 0) noexcept
	{
		std::uint8_t b[16];
		std::memcpy(b, &a, 16);
		return ipv6(b, port, scope_id);
	}
	/// From a sockaddr_in / sockaddr_in6 (kept as given, v4-mapped stays IPv6).
	static result<endpoint> from_sockaddr(const sockaddr *sa, socklen_t len) noexcept
	{
		toa_endpoint raw;
		int rc = toa_endpoint_from_sockaddr(sa, len, &raw);
		if (rc)
			return to_error_code(rc);
		return endpoint(raw);
	}
	/// "203.0.113.7:40000", "[2001:db8::7]:40000", "[fe80::1%2]:22", or a bare address.
	static result<endpoint> parse(std::string_view s) noexcept
	{
		toa_endpoint raw;
		int rc = toa_endpoint_parse_n(s.data(), s.size(), &raw);
		if (rc)
			return to_error_code(rc);
		return endpoint(raw);
	}

	int family() const noexcept { return ep_.family; }
	bool empty() const noexcept { return ep_.family == AF_UNSPEC; }
	bool is_ipv4() const noexcept { return ep_.family == AF_INET; }
	bool is_ipv6() const noexcept { return ep_.family == AF_INET6; }
	std::uint16_t port() const noexcept { return ep_.port; }
	std::uint32_t scope_id() const noexcept { return ep_.scope_id; }
	/// Address bytes, network order: addr_size() of them (4, 16, or 0 when empty).
	const std::uint8_t *addr() const noexcept { return ep_.addr; }
	std::size_t addr_size() const noexcept { return is_ipv4() ? 4 : is_ipv6() ? 16 : 0; }
	in_addr ipv4_addr() const noexcept
	{
		in_addr a;
		std::memcpy(&a, ep_.addr, 4);
		return a;
	}
	in6_addr ipv6_addr() const noexcept
	{
		in6_addr a;
		std::memcpy(&a, ep_.addr, 16);
		return a;
	}

	/// ::ffff:a.b.c.d?  unmapped() turns it into a.b.c.d (other values are returned as is).
	bool is_v4_mapped() const noexcept { return toa_endpoint_is_v4_mapped(&ep_) != 0; }
	endpoint unmapped() const noexcept
	{
		endpoint e(*this);
		toa_endpoint_unmap(&e.ep_);
		return e;
	}

	/// Writes a sockaddr_in or sockaddr_in6; returns its length, 0 when empty().
	socklen_t to_sockaddr(sockaddr_storage &ss) const noexcept
	{
		socklen_t len = sizeof(ss);
		if (toa_endpoint_to_sockaddr(&ep_, reinterpret_cast<sockaddr *>(&ss), &len) != 0) {
			std::memset(&ss, 0, sizeof(ss));
			return 0;
		}
		return len;
	}

	const toa_endpoint &raw() const noexcept { return ep_; }
	toa_endpoint &raw() noexcept { return ep_; }

	friend bool operator==(const endpoint &a, const endpoint &b) noexcept
	{
		return toa_endpoint_equal(&a.ep_, &b.ep_) != 0;
	}
	friend bool operator!=(const endpoint &a, const endpoint &b) noexcept { return !(a == b); }

private:
	toa_endpoint ep_;
};

using endpoint_string = fixed_string<TOA_ENDPOINT_STRLEN>;

/// "203.0.113.7:40000", "[2001:db8::7]:40000", "-" when empty. Writes at most n bytes
/// (NUL included) and returns the length; returns 0 (buf = "") when it does not fit.
/// Never allocates.
inline std::size_t format(const endpoint &e, char *buf, std::size_t n) noexcept
{
	int rc = toa_endpoint_format(&e.raw(), buf, n);
	return rc > 0 ? static_cast<std::size_t>(rc) : 0;
}

/// The same into a fixed buffer: toa::format(ep).c_str(). Never allocates.
inline endpoint_string format(const endpoint &e) noexcept
{
	return endpoint_string::make(
		[&](char *b, std::size_t n) { return toa_endpoint_format(&e.raw(), b, n); });
}

/// The same as a std::string (allocates; keep it off hot paths).
inline std::string to_string(const endpoint &e) { return format(e).str(); }

template <class CharT, class Traits>
std::basic_ostream<CharT, Traits> &operator<<(std::basic_ostream<CharT, Traits> &os,
					      const endpoint &e)
{
	return os << format(e).c_str();
}

// ---------------------------------------------------------------- client

/// Where the client address came from.
enum class origin : std::uint8_t {
	peer = TOA_ORIGIN_PEER,                   ///< the socket's peer: no TOA, or no module
	option = TOA_ORIGIN_OPTION,               ///< a TOA option read by the toa module
	legacy_lookup = TOA_ORIGIN_LEGACY_LOOKUP, ///< TOA_SO_GET_LOOKUP (DPVS/Tencent ABI)
	uoa = TOA_ORIGIN_UOA,                     ///< UDP: DPVS's UOA, kept by the module
};

/// Which kernel module answered.
enum class kmod : std::uint8_t {
	none = TOA_KMOD_NONE,     ///< no TOA module loaded
	toa = TOA_KMOD_TOA,       ///< this project's module
	legacy = TOA_KMOD_LEGACY, ///< a module with only TOA_SO_GET_LOOKUP (DPVS, Tencent, ...)
};

/// Which handshake packet carried the option (enum toa_packet).
enum class packet : std::uint8_t {
	unspec = TOA_PKT_UNSPEC,
	syn = TOA_PKT_SYN,
	ack = TOA_PKT_ACK,
	data = TOA_PKT_DATA,
};

inline const char *name(packet p) noexcept { return toa_packet_name(static_cast<int>(p)); }
inline const char *name(origin o) noexcept
{
	switch (o) {
	case origin::peer:
		return "peer";
	case origin::option:
		return "toa";
	case origin::legacy_lookup:
		return "legacy lookup";
	case origin::uoa:
		return "uoa";
	}
	return "unknown";
}

/// What carried the client address (enum toa_carrier).
enum class carrier : std::uint8_t {
	peer = TOA_CARRIER_PEER,         ///< the socket's peer
	toa = TOA_CARRIER_TOA,           ///< a TOA option (origin says how it was looked up)
	proxy_v1 = TOA_CARRIER_PROXY_V1, ///< a PROXY protocol v1 header
	proxy_v2 = TOA_CARRIER_PROXY_V2, ///< a PROXY protocol v2 header (TCP or UDP)
	spp = TOA_CARRIER_SPP,           ///< an SPP header (UDP)
	header = TOA_CARRIER_HEADER,     ///< an HTTP header (client::header names it)
	uoa = TOA_CARRIER_UOA,           ///< UDP: DPVS's UOA (IPv4 option or IP protocol 248)
};

/// One address on the way from the client to this server (struct toa_hop).
struct hop {
	endpoint address;
	toa::carrier carrier = toa::carrier::peer; ///< what named this hop
	std::uint8_t reserved[3] = {};
};

/// The one answer: who the client is and what said so. The same layout as the C
/// struct toa_answer (whose head is struct toa_client), in C++ types: from_answer() and
/// answer() are one copy. get_client() fills the TOA part; toa::resolve() and friends
/// (<toa/carriers.hpp>) the carriers.
struct client {
	endpoint address;                   ///< the real client (the peer for origin::peer)
	endpoint lb;                        ///< the hop that told us: the load balancer or
	                                    ///< proxy; empty() when unknown
	toa::origin origin = toa::origin::peer;
	toa::kmod kmod = toa::kmod::none;
	std::uint8_t kind = 0;              ///< TCP option kind (origin::option only)
	std::uint8_t length = 0;            ///< TCP option length (origin::option only)
	toa::packet packet = toa::packet::unspec;
	std::uint8_t format = TOA_FORMAT_NONE; ///< enum toa_format (origin::option only)
	std::uint16_t reserved0 = 0;
	std::uint32_t age_ms = 0;           ///< ms since connection setup (origin::option)
	std::uint32_t reserved1 = 0;
	// --- the carriers (struct toa_answer after its struct toa_client)
	toa::carrier carrier = toa::carrier::peer;
	std::uint8_t n_hops = 0;            ///< entries of hops()
	std::uint16_t reserved2 = 0;
	char header[TOA_HEADER_NAME_MAX] = {}; ///< carrier::header: "X-Forwarded-For", ...
	endpoint peer;                      ///< the socket's own peer
	endpoint dst;                       ///< PROXY/SPP: the destination the proxy was asked for
	hop hop_list[TOA_MAX_HOPS];         ///< use hops(): client first, the socket's peer last

	/// True when the address came from a TOA option (not the plain peer).
	bool from_toa() const noexcept { return origin != toa::origin::peer; }

	/// The chain of hops, client first: hops()[0 .. n_hops).
	const hop *hops() const noexcept { return hop_list; }

	static client from_answer(const toa_answer &a) noexcept
	{
		client r;
		std::memcpy(static_cast<void *>(&r), &a, sizeof(a));
		return r;
	}
	toa_answer answer() const noexcept
	{
		toa_answer a;
		std::memcpy(&a, static_cast<const void *>(this), sizeof(a));
		return a;
	}
	/// From the TOA lookup alone (carrier toa or peer, no hops).
	static client from_c(const toa_client &c) noexcept
	{
		client r;
		std::memcpy(static_cast<void *>(&r), &c, sizeof(c));
		r.carrier = c.origin == TOA_ORIGIN_PEER ? toa::carrier::peer : toa::carrier::toa;
		return r;
	}
	toa_client to_c() const noexcept
	{
		toa_client c;
		std::memcpy(&c, static_cast<const void *>(this), sizeof(c));
		return c;
	}
};

static_assert(sizeof(endpoint) == sizeof(toa_endpoint), "endpoint wraps toa_endpoint");
static_assert(sizeof(hop) == sizeof(toa_hop), "hop mirrors toa_hop");
static_assert(sizeof(client) == sizeof(toa_answer), "client mirrors toa_answer");
static_assert(std::is_standard_layout_v<client> && std::is_trivially_copyable_v<client>,
	      "client is copied as bytes");
static_assert(offsetof(client, origin) == offsetof(toa_client, origin) &&
		      offsetof(client, age_ms) == offsetof(toa_client, age_ms) &&
		      offsetof(client, carrier) == offsetof(toa_answer, carrier) &&
		      offsetof(client, header) == offsetof(toa_answer, header) &&
		      offsetof(client, peer) == offsetof(toa_answer, peer) &&
		      offsetof(client, dst) == offsetof(toa_answer, dst) &&
		      offsetof(client, hop_list) == offsetof(toa_answer, hops),
	      "client has toa_answer's layout");

inline const char *name(toa::carrier c) noexcept
{
	switch (c) {
	case carrier::peer:
		return "peer";
	case carrier::toa:
		return "toa";
	case carrier::proxy_v1:
		return "proxy-v1";
	case carrier::proxy_v2:
		return "proxy-v2";
	case carrier::spp:
		return "spp";
	case carrier::header:
		return "header";
	case carrier::uoa:
		return "uoa";
	}
	return "unknown";
}

using origin_string = fixed_string<TOA_ORIGIN_STRLEN>;

/// "TOA(kind 200, ack)", "TOA(kind 254)", "TOA(legacy lookup)", "peer", "PROXY(v2)",
/// "PROXY(v1)", "SPP", "header(X-Forwarded-For)". No heap.
inline origin_string format_origin(const client &c) noexcept
{
	toa_answer raw = c.answer();
	return origin_string::make(
		[&](char *b, std::size_t n) { return toa_answer_format_origin(&raw, b, n); });
}

/// "203.0.113.7:40000 via=TOA(kind 200, ack) lb=198.51.100.2:1024"
template <class CharT, class Traits>
std::basic_ostream<CharT, Traits> &operator<<(std::basic_ostream<CharT, Traits> &os,
					      const client &c)
{
	return os << format(c.address).c_str() << " via=" << format_origin(c).c_str()
		  << " lb=" << format(c.lb).c_str();
}

// ---------------------------------------------------------------- lookups

/// The real client of connected TCP socket fd (see <toa/toa.h> for the lookup order).
/// Errors: errc::bad_fd, not_a_socket, not_tcp, listening, not_connected, bad_reply,
/// or a system error. noexcept, thread-safe, no heap allocation.
inline result<client> get_client(int fd) noexcept
{
	toa_answer a;
	int rc = toa_get_answer(fd, &a);
	if (rc)
		return to_error_code(rc);
	return client::from_answer(a);
}

/// UDP: the real client of the datagrams socket fd received from peer (what recvfrom()
/// returned), from DPVS's UOA as the module kept it; the peer (origin::peer) when there
/// is no mapping or no module. See toa_get_datagram_client() in <toa/toa.h>.
inline result<client> get_datagram_client(int fd, const endpoint &peer) noexcept
{
	toa_client c;
	int rc = toa_get_datagram_client(fd, &peer.raw(), &c);
	if (rc)
		return to_error_code(rc);
	client r = client::from_c(c);
	if (c.origin == TOA_ORIGIN_UOA)
		r.carrier = toa::carrier::uoa;
	r.peer = peer;
	return r;
}

/// The same, with the address as recvfrom()/recvmsg() filled it.
inline result<client> get_datagram_client(int fd, const struct sockaddr *peer,
					  socklen_t len) noexcept
{
	toa_endpoint e;
	int rc = toa_endpoint_from_sockaddr(peer, len, &e);
	if (rc)
		return to_error_code(rc);
	return get_datagram_client(fd, endpoint(e));
}

/// The socket's own address (getsockname), v4-mapped normalized to IPv4.
inline result<endpoint> get_local(int fd) noexcept
{
	toa_endpoint e;
	int rc = toa_get_local(fd, &e);
	if (rc)
		return to_error_code(rc);
	return endpoint(e);
}

/// The library's version ("0.1.0").
inline const char *version() noexcept { return toa_version(); }

} // namespace toa

#endif // TOA_TOA_HPP
