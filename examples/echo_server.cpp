// SPDX-License-Identifier: MIT
//
// toa-echo-server: a TCP echo server that logs the real client of every connection
// through libtoa (the TOA option read by the toa module, or the plain peer).
//
// Usage: toa-echo-server [--once | --count N] [ADDR:]PORT
//   PORT          listen on [::]:PORT, dual-stack (0.0.0.0:PORT when IPv6 is unavailable)
//   ADDR:PORT     e.g. 0.0.0.0:8080, 192.0.2.1:8080, [::]:8080, [2001:db8::1]:8080
//   PORT 0        the kernel picks a port; the "listening" line says which
//   --once        exit after one connection (= --count 1)
//   --count N     exit after N connections have been served to EOF
// Each connection is served in its own thread: the data read is echoed back until EOF.
//
// Output: stdout, line-buffered, one line per event. THIS FORMAT IS STABLE (the demo and
// the guest tests parse it); fields are separated by single spaces, and only the value of
// via= may contain spaces:
//
//   listening on <endpoint>
//   accepted client=<endpoint> via=<origin> lb=<endpoint-or--> local=<endpoint>
//   accepted client=- via=error(<message>) lb=- local=<endpoint-or-->
//
//   <endpoint>  203.0.113.7:40000 | [2001:db8::7]:40000   (IPv4-mapped shown as IPv4)
//   <origin>    TOA(kind <N>, <packet>)   a TOA option of kind N (200, 254, 253, 249, 28)
//                                         read by the toa module; <packet> = syn|ack|data
//               TOA(kind <N>)             the same, packet not reported
//               TOA(legacy lookup)        a DPVS/Tencent-style module (TOA_SO_GET_LOOKUP)
//               peer                      no TOA on this connection, or no module
//   lb=         the load balancer (the socket's peer) when known, else "-"
//   local=      the server's own address of the connection
//
// e.g.
//   listening on [::]:8080
//   accepted client=203.0.113.7:40000 via=TOA(kind 200, ack) lb=198.51.100.2:1024 local=192.0.2.1:8080
//   accepted client=127.0.0.1:51234 via=peer lb=- local=127.0.0.1:8080
//
// Errors (bad arguments, bind failures) go to stderr with exit status 2 (usage) or 1.
// Built twice: toa-echo-server (shared libtoa) and toa-echo-server-static (-static, for
// busybox guests).
#include <toa/toa.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

namespace {

void usage()
{
	std::fprintf(stderr, "usage: toa-echo-server [--once | --count N] [ADDR:]PORT\n"
			     "  e.g. 8080, 0.0.0.0:8080, [::]:8080, [2001:db8::1]:8080\n");
}

std::mutex mu;
std::condition_variable cv;
long active = 0;

void serve(int fd)
{
	char buf[16384];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = ::write(fd, buf + off, static_cast<size_t>(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto done;
			off += w;
		}
	}
done:
	::close(fd);
	std::lock_guard<std::mutex> g(mu);
	active--;
	cv.notify_all();
}

// One line per accepted connection; a single printf so threads do not interleave.
void log_accepted(int fd)
{
	auto local = toa::get_local(fd);
	toa::endpoint_string l = local ? toa::format(*local) : toa::endpoint_string{};
	const char *ls = local ? l.c_str() : "-";
	auto c = toa::get_client(fd);
	if (!c) {
		std::printf("accepted client=- via=error(%s) lb=- local=%s\n",
			    c.error().message().c_str(), ls);
		return;
	}
	std::printf("accepted client=%s via=%s lb=%s local=%s\n", toa::format(c->address).c_str(),
		    toa::format_origin(*c).c_str(), toa::format(c->lb).c_str(), ls);
}

int open_listener(const toa::endpoint &where, bool default_addr)
{
	int family = where.family();
	int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && family == AF_INET6 && default_addr &&
	    (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
		toa::endpoint any4 = *toa::endpoint::parse("0.0.0.0:" + std::to_string(where.port()));
		return open_listener(any4, false);
	}
	if (fd < 0) {
		std::fprintf(stderr, "toa-echo-server: socket: %s\n", std::strerror(errno));
		return -1;
	}
	int one = 1, off = 0;
	::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	sockaddr_storage ss;
	socklen_t len = where.to_sockaddr(ss);
	if (::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0 || ::listen(fd, 128) != 0) {
		std::fprintf(stderr, "toa-echo-server: bind/listen %s: %s\n",
			     toa::format(where).c_str(), std::strerror(errno));
		::close(fd);
		return -1;
	}
	return fd;
}

} // namespace

int main(int argc, char **argv)
{
	long count = 0; // 0: forever
	const char *addr = nullptr;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--once") {
			count = 1;
		} else if (a == "--count" && i + 1 < argc) {
			char *end;
			count = std::strtol(argv[++i], &end, 10);
			if (*end || count <= 0) {
				usage();
				return 2;
			}
		} else if (a == "-h" || a == "--help") {
			usage();
			return 0;
		} else if (!addr && !a.empty() && a[0] != '-') {
			addr = argv[i];
		} else {
			usage();
			return 2;
		}
	}
	if (!addr) {
		usage();
		return 2;
	}

	// "8080" -> [::]:8080; anything else is ADDR:PORT.
	std::string spec = addr;
	bool default_addr = spec.find_first_not_of("0123456789") == std::string::npos;
	if (default_addr)
		spec = "[::]:" + spec;
	auto where = toa::endpoint::parse(spec);
	if (!where || where->empty() || (default_addr && std::strtol(addr, nullptr, 10) > 65535)) {
		std::fprintf(stderr, "toa-echo-server: bad address '%s'\n", addr);
		usage();
		return 2;
	}

	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	::signal(SIGPIPE, SIG_IGN);

	int lfd = open_listener(*where, default_addr);
	if (lfd < 0)
		return 1;
	sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	::getsockname(lfd, reinterpret_cast<sockaddr *>(&ss), &len);
	auto bound = toa::endpoint::from_sockaddr(reinterpret_cast<sockaddr *>(&ss), len);
	std::printf("listening on %s\n", bound ? toa::format(*bound).c_str() : "-");

	for (long n = 0; count == 0 || n < count;) {
		int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				::usleep(100 * 1000);
				continue;
			}
			std::fprintf(stderr, "toa-echo-server: accept: %s\n", std::strerror(errno));
			return 1;
		}
		n++;
		log_accepted(fd);
		{
			std::lock_guard<std::mutex> g(mu);
			active++;
		}
		std::thread(serve, fd).detach();
	}
	::close(lfd);
	std::unique_lock<std::mutex> g(mu);
	cv.wait(g, [] { return active == 0; });
	return 0;
}
