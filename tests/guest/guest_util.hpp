// SPDX-License-Identifier: MIT
// Socket helpers shared by the programs that run inside the guests (toa-e2e, toa-bench).
#ifndef TOA_GUEST_UTIL_HPP
#define TOA_GUEST_UTIL_HPP

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace toa::guest {

// The RESULT line that the guest scripts and tests/kernel/vm.sh read; counts it.
inline void print_result(const std::string &name, bool ok, const std::string &detail, int &pass,
			 int &fail)
{
	std::printf("RESULT %s %s%s%s\n", name.c_str(), ok ? "PASS" : "FAIL",
		    detail.empty() ? "" : " ", detail.c_str());
	std::fflush(stdout);
	(ok ? pass : fail)++;
}

// A constant of the program (an endpoint, a prefix): E::parse(s), or exit 2.
template <class E> E parse_or_exit(const char *s)
{
	auto e = E::parse(s);
	if (!e) {
		std::fprintf(stderr, "bad constant %s\n", s);
		std::exit(2);
	}
	return *e;
}

// A socket of type (SOCK_STREAM, SOCK_DGRAM) bound to addr:port (IPv6: only IPv6 when
// v6only); -1 with errno set.
inline int bind_on(int family, int type, const char *addr, uint16_t port, bool v6only,
		   bool nonblock)
{
	int fd = socket(family, type | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sockaddr_storage ss{};
	socklen_t len;
	if (family == AF_INET) {
		auto *s = reinterpret_cast<sockaddr_in *>(&ss);
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s->sin_addr);
		len = sizeof(*s);
	} else {
		int v = v6only;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
		auto *s = reinterpret_cast<sockaddr_in6 *>(&ss);
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		len = sizeof(*s);
	}
	if (bind(fd, reinterpret_cast<sockaddr *>(&ss), len)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

// A listening TCP socket on addr:port (IPv6: only IPv6 when v6only); -1 with errno set.
inline int listen_on(int family, const char *addr, uint16_t port, bool v6only, bool nonblock)
{
	int fd = bind_on(family, SOCK_STREAM, addr, port, v6only, nonblock);
	if (fd >= 0 && listen(fd, 4096)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

// "203.0.113.7:40000" or "[2001:db8::7]:40000" (an IPv4-mapped address stays mapped).
inline std::string sockaddr_str(const sockaddr_storage &ss)
{
	char buf[INET6_ADDRSTRLEN] = "?";
	if (ss.ss_family == AF_INET) {
		auto *s = reinterpret_cast<const sockaddr_in *>(&ss);
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		return std::string(buf) + ":" + std::to_string(ntohs(s->sin_port));
	}
	auto *s = reinterpret_cast<const sockaddr_in6 *>(&ss);
	inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
	return "[" + std::string(buf) + "]:" + std::to_string(ntohs(s->sin6_port));
}

// The total column of every row of /proc/net/toa_stats; empty without the module.
inline std::map<std::string, long long> toa_stats()
{
	std::map<std::string, long long> m;
	std::ifstream f("/proc/net/toa_stats");
	std::string line;
	while (std::getline(f, line)) {
		std::istringstream is(line);
		std::string name;
		long long v, last = -1;
		bool any = false;
		if (!(is >> name))
			continue;
		while (is >> v) {
			last = v;
			any = true;
		}
		if (any)
			m[name] = last;
	}
	return m;
}

// A TcpExt counter (SyncookiesSent, ...) of the caller's network namespace; -1 if none.
inline long long tcpext(const std::string &name)
{
	std::ifstream f("/proc/self/net/netstat");
	std::string names, values;
	while (std::getline(f, names) && std::getline(f, values)) {
		std::istringstream n(names), v(values);
		std::string a, b;
		if (!(n >> a) || a != "TcpExt:" || !(v >> b))
			continue;
		while (n >> a && v >> b)
			if (a == name)
				return std::atoll(b.c_str());
	}
	return -1;
}

} // namespace toa::guest

#endif
