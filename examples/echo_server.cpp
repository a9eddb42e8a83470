// SPDX-License-Identifier: MIT
//
// toa-echo-server: a TCP echo server that logs the real client of every connection
// through libtoa (the TOA option read by the toa module, or the plain peer).
//
// Usage: toa-echo-server [--once | --count N] [--close-after-echo] [--backlog N]
//                        [--proxy-protocol] [--http-headers] [--trusted-proxy CIDR]...
//                        [ADDR:]PORT
//   PORT          listen on [::]:PORT, dual-stack (0.0.0.0:PORT when IPv6 is unavailable)
//   ADDR:PORT     e.g. 0.0.0.0:8080, 192.0.2.1:8080, [::]:8080, [2001:db8::1]:8080
//   PORT 0        the kernel picks a port; the "listening" line says which
//   --once        exit after one connection (= --count 1)
//   --count N     exit after N connections have been served to EOF
//   --close-after-echo  close each connection once the first data read is echoed
//                 back: the server sends the first FIN (tools/lbsim's smoke test)
//   --backlog N   the listen queue's length (default 128; the kernel caps it at
//                 net.core.somaxconn): room for N handshakes not yet accepted
//   --proxy-protocol   a PROXY protocol v1 or v2 header is required on each connection
//                      (read within 5 s): the client is the one it names. A connection
//                      without one, or with one from a source not trusted, is refused
//                      (logged as an error and closed)
//   --http-headers     read one HTTP/1.1 request; the client is the right-most untrusted
//                      address of its Forwarded / X-Forwarded-For / X-Real-IP when the
//                      proxy that sent it is trusted; answer "200 OK" with the client in
//                      the body and close (400 and close when the headers are refused)
//   --trusted-proxy CIDR   a proxy allowed to send these headers (repeatable, IPv4 or
//                      IPv6, e.g. 10.0.0.0/8, ::1). Without one no header is trusted: a
//                      PROXY header or an X-Forwarded-For from anyone is an error
// Each connection is served in its own thread: the data read is echoed back until EOF.
// The order (libtoa's toa::resolve): a PROXY header from a trusted proxy, then TOA, then
// the peer; then, with --http-headers, the request's headers.
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
//   <origin>    PROXY(v2), PROXY(v1)      a PROXY protocol header (--proxy-protocol)
//               header(<name>)            an HTTP header: X-Forwarded-For, X-Real-IP,
//                                         Forwarded (--http-headers)
//               TOA(kind <N>, <packet>)   a TOA option of kind N (200, 254, 253, 249, 28)
//                                         read by the toa module; <packet> = syn|ack|data
//               TOA(kind <N>)             the same, packet not reported
//               TOA(legacy lookup)        a DPVS/Tencent-style module (TOA_SO_GET_LOOKUP)
//               peer                      no TOA on this connection, or no module
//   lb=         the load balancer or proxy that told us (the socket's peer; behind a
//               PROXY header and HTTP headers, the proxy that sent them) when known, else "-"
//   local=      the server's own address of the connection
//   A PROXY v2 header's TLVs follow on a line of their own:
//   proxy-tlvs crc32c=<ok|absent> types=<0xNN,...|-> unique-id=<text|->
//
// e.g.
//   listening on [::]:8080
//   accepted client=203.0.113.7:40000 via=TOA(kind 200, ack) lb=198.51.100.2:1024 local=192.0.2.1:8080
//   accepted client=127.0.0.1:51234 via=peer lb=- local=127.0.0.1:8080
//
// Errors (bad arguments, bind failures) go to stderr with exit status 2 (usage) or 1.
// Built twice: toa-echo-server (shared libtoa) and toa-echo-server-static (-static, for
// busybox guests).
#include <toa/carriers.hpp>
#include <toa/toa.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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
#include <vector>

namespace {

void usage()
{
	std::fprintf(stderr,
		     "usage: toa-echo-server [--once | --count N] [--close-after-echo] [--backlog N]\n"
		     "                       [--proxy-protocol] [--http-headers] [--trusted-proxy CIDR]...\n"
		     "                       [ADDR:]PORT\n"
		     "  e.g. 8080, 0.0.0.0:8080, [::]:8080, [2001:db8::1]:8080\n"
		     "  --once               exit after one connection (= --count 1)\n"
		     "  --count N            exit after N connections have been served\n"
		     "  --close-after-echo   close each connection once its first data is echoed\n"
		     "                       (the server sends the first FIN)\n"
		     "  --backlog N          the listen queue's length (default 128)\n"
		     "  --proxy-protocol     require a PROXY v1/v2 header on each connection\n"
		     "  --http-headers       read one HTTP/1.1 request, take the client from its\n"
		     "                       Forwarded/X-Forwarded-For/X-Real-IP, answer 200, close\n"
		     "  --trusted-proxy CIDR a proxy allowed to send those headers (repeatable);\n"
		     "                       without one, no header is trusted\n");
}

struct options {
	bool proxy = false;
	bool http = false;
	bool close_after_echo = false;
	int backlog = 128;
	toa::policy policy;
};
options opt;

std::mutex mu;
std::condition_variable cv;
long active = 0;

void finished(int fd)
{
	::close(fd);
	std::lock_guard<std::mutex> g(mu);
	active--;
	cv.notify_all();
}

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
		if (opt.close_after_echo)
			break;
	}
done:
	finished(fd);
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

void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= static_cast<size_t>(w);
	}
}

// The request head (up to its empty line), read within 5 s: its length in buf, or 0.
size_t read_head(int fd, std::vector<char> &buf)
{
	size_t have = 0;
	buf.resize(TOA_HTTP_HEAD_MAX);
	while (have < buf.size()) {
		pollfd p{fd, POLLIN, 0};
		if (::poll(&p, 1, 5000) <= 0)
			return 0;
		ssize_t n = ::recv(fd, buf.data() + have, buf.size() - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		have += static_cast<size_t>(n);
		std::string_view v(buf.data(), have);
		if (v.find("\r\n\r\n") != v.npos || v.find("\n\n") != v.npos)
			return have;
	}
	return have;
}

// The PROXY v2 TLVs of the header in buf, for the log.
std::string tlv_line(const unsigned char *buf, size_t len)
{
	auto h = toa::parse_proxy(buf, len);
	if (!h)
		return {};
	std::string types, uid = "-";
	h->for_each_tlv([&](const toa::proxy_tlv &t) {
		char b[8];
		std::snprintf(b, sizeof(b), "%s0x%02x", types.empty() ? "" : ",", t.type());
		types += b;
		if (t.type() == TOA_PP2_TYPE_UNIQUE_ID) {
			uid.clear();
			for (char c : t.text())
				uid += (c > ' ' && c < 0x7f) ? c : '.';
		}
	});
	return std::string("proxy-tlvs crc32c=") + (h->crc32c_checked() ? "ok" : "absent") +
	       " types=" + (types.empty() ? "-" : types) + " unique-id=" + uid + "\n";
}

// --proxy-protocol / --http-headers: the whole connection, in its own thread.
void serve_carriers(int fd)
{
	auto local = toa::get_local(fd);
	std::string ls = local ? toa::to_string(*local) : "-";
	std::vector<unsigned char> pbuf(TOA_PROXY_V2_MAX);
	std::string err;
	auto c = toa::resolve(fd, opt.policy, pbuf.data(), pbuf.size());
	if (!c)
		err = c.error().message();
	else if (opt.proxy && c->carrier != toa::carrier::proxy_v1 &&
		 c->carrier != toa::carrier::proxy_v2 &&
		 opt.policy.action_for(c->peer) != toa::action::require)
		err = "PROXY header required; source not trusted";
	std::string extra;
	if (err.empty() && c->carrier == toa::carrier::proxy_v2)
		extra = tlv_line(pbuf.data(), pbuf.size());
	std::vector<char> head;
	size_t hl = 0;
	if (err.empty() && opt.http) {
		hl = read_head(fd, head);
		auto r = toa::resolve_http(*c, opt.policy, std::string_view(head.data(), hl));
		if (!r && r.error() != toa::errc::not_present)
			err = r.error().message();
	}
	if (!err.empty()) {
		std::printf("accepted client=- via=error(%s) lb=- local=%s\n", err.c_str(), ls.c_str());
		if (opt.http && hl) {
			static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
						  "Connection: close\r\n\r\n";
			write_all(fd, bad, sizeof(bad) - 1);
		}
		finished(fd);
		return;
	}
	std::string via = toa::format_origin(*c).c_str();
	std::printf("accepted client=%s via=%s lb=%s local=%s\n%s", toa::format(c->address).c_str(),
		    via.c_str(), toa::format(c->lb).c_str(), ls.c_str(), extra.c_str());
	if (!opt.http) {
		serve(fd);
		return;
	}
	std::string body = "client=" + toa::to_string(c->address) + " via=" + via + "\n";
	std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
			   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
	write_all(fd, resp.data(), resp.size());
	::shutdown(fd, SHUT_WR);
	finished(fd);
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
	if (::bind(fd, reinterpret_cast<sockaddr *>(&ss), len) != 0 || ::listen(fd, opt.backlog) != 0) {
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
	std::vector<toa::cidr> trusted;
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
		} else if (a == "--close-after-echo") {
			opt.close_after_echo = true;
		} else if (a == "--backlog" && i + 1 < argc) {
			char *end;
			long n = std::strtol(argv[++i], &end, 10);
			if (*end || n <= 0 || n > 65535) {
				usage();
				return 2;
			}
			opt.backlog = static_cast<int>(n);
		} else if (a == "--proxy-protocol") {
			opt.proxy = true;
		} else if (a == "--http-headers") {
			opt.http = true;
		} else if (a == "--trusted-proxy" && i + 1 < argc) {
			auto c = toa::cidr::parse(argv[++i]);
			if (!c) {
				std::fprintf(stderr, "toa-echo-server: bad CIDR '%s'\n", argv[i]);
				usage();
				return 2;
			}
			trusted.push_back(*c);
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
	for (const auto &c : trusted) {
		if (!opt.policy.add(c, opt.proxy ? toa::action::require : toa::action::use)) {
			std::fprintf(stderr, "toa-echo-server: at most %zu --trusted-proxy\n",
				     opt.policy.size());
			return 2;
		}
	}
	opt.policy.otherwise(toa::action::reject).read_proxy(opt.proxy);
	opt.policy.timeout(std::chrono::seconds(5));

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
		{
			std::lock_guard<std::mutex> g(mu);
			active++;
		}
		if (opt.proxy || opt.http) {
			std::thread(serve_carriers, fd).detach();
			continue;
		}
		log_accepted(fd);
		std::thread(serve, fd).detach();
	}
	::close(lfd);
	std::unique_lock<std::mutex> g(mu);
	cv.wait(g, [] { return active == 0; });
	return 0;
}
