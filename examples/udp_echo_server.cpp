// SPDX-License-Identifier: MIT
//
// toa-udp-echo-server: a UDP echo server that logs the real client of every datagram
// through libtoa's one call for datagrams: an SPP header (Cloudflare Spectrum, Tencent
// EdgeOne) or a PROXY v2 header (a UDP listener of Tencent CLB) before the payload, from
// a trusted proxy; else DPVS's UOA as the toa module kept it (the load balancer's
// datagrams with the client in an IP option or protocol-248 header, read by the module
// on the node, pods behind kube-proxy included); else the sender itself.
//
// Usage: toa-udp-echo-server [--count N] [--trusted-proxy CIDR]... ADDR:PORT
//   ADDR:PORT     e.g. 127.0.0.1:0, [::1]:5353 (port 0: the kernel picks; see "listening")
//   --count N     exit after N datagrams
//   --trusted-proxy CIDR   a proxy allowed to put an SPP or PROXY v2 header before the
//                 payload (repeatable). Without one no header is trusted: a datagram
//                 with a header from anyone is dropped as an error
// Each datagram is answered with the same bytes (header included, so that a proxy that
// wants its header on replies finds it). A datagram refused is not answered.
//
// Output (stdout, line-buffered):
//   listening on <endpoint>
//   datagram client=<endpoint> via=<SPP|PROXY(v2)|UOA|peer> lb=<sender> payload=<bytes>
//   datagram client=- via=error(<message>) lb=<sender> payload=-
#include <toa/carriers.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

void usage()
{
	std::fprintf(stderr,
		     "usage: toa-udp-echo-server [--count N] [--trusted-proxy CIDR]... ADDR:PORT\n"
		     "  --count N            exit after N datagrams\n"
		     "  --trusted-proxy CIDR a proxy allowed to send SPP / PROXY v2 headers\n"
		     "                       (repeatable); without one, no header is trusted\n");
}

} // namespace

int main(int argc, char **argv)
{
	long count = 0;
	const char *addr = nullptr;
	toa::policy pol;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--count" && i + 1 < argc) {
			char *end;
			count = std::strtol(argv[++i], &end, 10);
			if (*end || count <= 0) {
				usage();
				return 2;
			}
		} else if (a == "--trusted-proxy" && i + 1 < argc) {
			auto c = toa::cidr::parse(argv[++i]);
			if (!c || !pol.add(*c, toa::action::use)) {
				std::fprintf(stderr, "toa-udp-echo-server: bad CIDR '%s'\n", argv[i]);
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
	auto where = addr ? toa::endpoint::parse(addr) : toa::result<toa::endpoint>(toa::errc::invalid_argument);
	if (!where || where->empty()) {
		usage();
		return 2;
	}
	pol.otherwise(toa::action::reject);
	std::setvbuf(stdout, nullptr, _IOLBF, 0);

	int fd = ::socket(where->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sockaddr_storage ss;
	socklen_t len = where->to_sockaddr(ss);
	if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0) {
		std::fprintf(stderr, "toa-udp-echo-server: bind %s: %s\n", addr, std::strerror(errno));
		return 1;
	}
	len = sizeof(ss);
	::getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len);
	auto bound = toa::endpoint::from_sockaddr(reinterpret_cast<sockaddr *>(&ss), len);
	std::printf("listening on %s\n", bound ? toa::format(*bound).c_str() : "-");

	static unsigned char buf[65536];
	for (long n = 0; count == 0 || n < count; n++) {
		sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t got = ::recvfrom(fd, buf, sizeof(buf), 0, reinterpret_cast<sockaddr *>(&from), &flen);
		if (got < 0) {
			if (errno == EINTR) {
				n--;
				continue;
			}
			std::fprintf(stderr, "toa-udp-echo-server: recvfrom: %s\n", std::strerror(errno));
			return 1;
		}
		auto peer = toa::endpoint::from_sockaddr(reinterpret_cast<sockaddr *>(&from), flen);
		toa::endpoint sender = peer ? peer->unmapped() : toa::endpoint();
		std::size_t hl = 0;
		auto c = toa::resolve_datagram(fd, buf, static_cast<std::size_t>(got), sender, pol, &hl);
		if (!c) {
			std::printf("datagram client=- via=error(%s) lb=%s payload=-\n",
				    c.error().message().c_str(), toa::format(sender).c_str());
			continue;
		}
		std::printf("datagram client=%s via=%s lb=%s payload=%zu\n", toa::format(c->address).c_str(),
			    toa::format_origin(*c).c_str(), toa::format(sender).c_str(),
			    static_cast<std::size_t>(got) - hl);
		::sendto(fd, buf, static_cast<std::size_t>(got), 0, reinterpret_cast<sockaddr *>(&from), flen);
	}
	::close(fd);
	return 0;
}
