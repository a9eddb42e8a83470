// SPDX-License-Identifier: MIT
// Sockets for the libtoa tests: loopback TCP connections, listeners, and other fds.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace toatest {

/// Closes on destruction.
struct fd_guard {
	int fd = -1;
	fd_guard() = default;
	explicit fd_guard(int f) : fd(f) {}
	fd_guard(const fd_guard &) = delete;
	fd_guard &operator=(const fd_guard &) = delete;
	fd_guard(fd_guard &&o) noexcept : fd(std::exchange(o.fd, -1)) {}
	fd_guard &operator=(fd_guard &&o) noexcept
	{
		reset(std::exchange(o.fd, -1));
		return *this;
	}
	~fd_guard() { reset(); }
	void reset(int f = -1)
	{
		if (fd >= 0)
			::close(fd);
		fd = f;
	}
	int get() const { return fd; }
};

inline bool ipv6_available()
{
	int s = ::socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0)
		return false;
	sockaddr_in6 a{};
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	bool ok = ::bind(s, reinterpret_cast<sockaddr *>(&a), sizeof(a)) == 0;
	::close(s);
	return ok;
}

/// A listening TCP socket on the loopback address of `family` (port chosen by the kernel).
/// dual_stack: an AF_INET6 socket on [::] with IPV6_V6ONLY off.
inline fd_guard listener(int family, bool dual_stack = false)
{
	fd_guard l(::socket(family, SOCK_STREAM, 0));
	if (l.get() < 0)
		return l;
	int one = 1;
	::setsockopt(l.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_storage ss{};
	socklen_t len;
	if (family == AF_INET) {
		auto *a = reinterpret_cast<sockaddr_in *>(&ss);
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	} else {
		auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
		a->sin6_family = AF_INET6;
		a->sin6_addr = dual_stack ? in6addr_any : in6addr_loopback;
		int off = 0;
		::setsockopt(l.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		len = sizeof(*a);
	}
	if (::bind(l.get(), reinterpret_cast<sockaddr *>(&ss), len) != 0 || ::listen(l.get(), 16) != 0)
		l.reset();
	return l;
}

inline std::uint16_t local_port(int fd)
{
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
	if (ss.ss_family == AF_INET)
		return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
	return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
}

/// A connected pair over loopback: client -> listener, then the accepted server side.
struct tcp_pair {
	fd_guard client;
	fd_guard server;
	std::uint16_t client_port = 0;
	std::uint16_t server_port = 0;
};

/// connect_family: the family of the connecting socket (AF_INET to a dual-stack
/// listener gives an IPv4-mapped peer on the accepted socket).
inline tcp_pair connect_pair(int listen_family, int connect_family, bool dual_stack = false)
{
	tcp_pair p;
	fd_guard l = listener(listen_family, dual_stack);
	if (l.get() < 0)
		return p;
	p.server_port = local_port(l.get());
	p.client.reset(::socket(connect_family, SOCK_STREAM, 0));
	sockaddr_storage ss{};
	socklen_t len;
	if (connect_family == AF_INET) {
		auto *a = reinterpret_cast<sockaddr_in *>(&ss);
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(p.server_port);
		len = sizeof(*a);
	} else {
		auto *a = reinterpret_cast<sockaddr_in6 *>(&ss);
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(p.server_port);
		len = sizeof(*a);
	}
	if (::connect(p.client.get(), reinterpret_cast<sockaddr *>(&ss), len) != 0) {
		p.client.reset();
		return p;
	}
	p.client_port = local_port(p.client.get());
	p.server.reset(::accept(l.get(), nullptr, nullptr));
	return p;
}

/// An fd number that is certainly not open.
inline int closed_fd()
{
	int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	::close(fd);
	return fd;
}

} // namespace toatest
