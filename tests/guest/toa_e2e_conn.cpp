// SPDX-License-Identifier: MIT
// toa-e2e: one connection through the simulator, and what the server side sees of it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "toa_e2e.hpp"

namespace toa::e2e {

int g_pass = 0, g_fail = 0;
int g_strays = 0, g_dropped = 0;
unsigned g_kernel_minlen = 0;

void result(const std::string &name, bool ok, const std::string &detail)
{
	toa::guest::print_result(name, ok, detail, g_pass, g_fail);
}

Endpoint ep(const char *s)
{
	return toa::guest::parse_or_exit<Endpoint>(s);
}

namespace {

bool write_file(const std::string &path, const std::string &value)
{
	std::ofstream f(path);
	f << value;
	f.flush();
	return bool(f);
}

} // namespace

bool set_param(const char *name, const std::string &value)
{
	return write_file(std::string("/sys/module/toa/parameters/") + name, value);
}

bool g_read_syn = false;

void set_read_syn(bool on)
{
	if (!set_param("syn", on ? "Y" : "N"))
		std::printf("RESULT set_syn_param FAIL cannot write /sys/module/toa/parameters/syn\n");
	g_read_syn = on;
}

long long stat_total(const std::string &name)
{
	auto m = toa::guest::toa_stats();
	auto it = m.find(name);
	return it == m.end() ? -1 : it->second;
}

int listen_on(int family, const char *addr, uint16_t port, bool v6only)
{
	int fd = toa::guest::listen_on(family, addr, port, v6only, true);
	if (fd < 0) {
		std::perror("listen");
		std::exit(1);
	}
	return fd;
}

Endpoint endpoint_of(uint8_t family, const uint8_t *addr, uint16_t port_be)
{
	Endpoint e;
	e.addr.family = family;
	std::memcpy(e.addr.b, addr, family == AF_INET ? 4 : 16);
	e.port = ntohs(port_be);
	return e;
}

Endpoint endpoint_of(const sockaddr_storage &ss)
{
	if (ss.ss_family == AF_INET) {
		auto *s = reinterpret_cast<const sockaddr_in *>(&ss);
		return endpoint_of(AF_INET, reinterpret_cast<const uint8_t *>(&s->sin_addr),
				   s->sin_port);
	}
	auto *s = reinterpret_cast<const sockaddr_in6 *>(&ss);
	if (IN6_IS_ADDR_V4MAPPED(&s->sin6_addr))
		return endpoint_of(AF_INET, s->sin6_addr.s6_addr + 12, s->sin6_port);
	return endpoint_of(AF_INET6, s->sin6_addr.s6_addr, s->sin6_port);
}

std::string as_seen_by(int sock_family, const Endpoint &e)
{
	sockaddr_storage ss{};
	if (sock_family == AF_INET) {
		auto *s = reinterpret_cast<sockaddr_in *>(&ss);
		s->sin_family = AF_INET;
		s->sin_port = htons(e.port);
		std::memcpy(&s->sin_addr, e.addr.b, 4);
	} else {
		auto *s = reinterpret_cast<sockaddr_in6 *>(&ss);
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(e.port);
		if (e.addr.is_v4()) {
			s->sin6_addr.s6_addr[10] = s->sin6_addr.s6_addr[11] = 0xff;
			std::memcpy(&s->sin6_addr.s6_addr[12], e.addr.b, 4);
		} else {
			std::memcpy(&s->sin6_addr, e.addr.b, 16);
		}
	}
	return sockaddr_str(ss);
}

bool Env::init(std::string *err)
{
	TunConfig tc;
	if (!tun.open(tc, err))
		return false;
	StackConfig sc;
	sc.seed = 42;
	st = std::make_unique<Stack>(tun, sc);
	s4 = {listen_on(AF_INET, "192.0.2.1", 8004, false), AF_INET, ep("192.0.2.1:8004")};
	s6 = {listen_on(AF_INET6, "2001:db8::1", 8006, true), AF_INET6,
	      ep("[2001:db8::1]:8006")};
	sds = {listen_on(AF_INET6, "::", 8046, false), AF_INET6, ep("192.0.2.1:8046")};
	return true;
}

Env g;

namespace {

// The load balancer's port of an accepted socket, whatever transparent mode shows.
uint16_t lb_port_of(int fd)
{
	toa_client_info ci{};
	socklen_t cl = sizeof(ci);
	if (getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl) == 0)
		return ntohs(ci.lb_port);
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len);
	return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port); // same offset in sin6
}

} // namespace

// Accepts the connection whose load-balancer port is lb_port (0: any). Others are
// strays of earlier connections (e.g. a retransmitted ACK that a SYN cookie turned into
// a new connection after its first one was reset): closed and counted.
int accept_wait(int lfd, sockaddr_storage *ss, socklen_t *len, int timeout_ms, uint16_t lb_port)
{
	auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	while (std::chrono::steady_clock::now() < end) {
		*len = sizeof(*ss);
		int fd = accept4(lfd, reinterpret_cast<sockaddr *>(ss), len, SOCK_NONBLOCK);
		if (fd >= 0 && lb_port && lb_port_of(fd) != lb_port) {
			g_strays++;
			::close(fd);
			continue;
		}
		if (fd >= 0)
			return fd;
		g.st->poll(2);
	}
	return -1;
}

namespace {

// What the server side sees on an accepted socket.
struct Seen {
	std::string accepted, peer;
	int ci_ret = 0, ci_errno = 0;
	toa_client_info ci{};
	int lk_ret = 0, lk_errno = 0;
	toa_nat64_peer np{};
};

Seen observe(int fd, const sockaddr_storage &acc)
{
	Seen s;
	s.accepted = sockaddr_str(acc);
	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	if (getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0)
		s.peer = sockaddr_str(ss);
	else
		s.peer = std::string("error ") + std::strerror(errno);
	socklen_t cl = sizeof(s.ci);
	s.ci_ret = getsockopt(fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &s.ci, &cl);
	s.ci_errno = s.ci_ret ? errno : 0;
	socklen_t nl = sizeof(s.np);
	s.lk_ret = getsockopt(fd, IPPROTO_IP, TOA_SO_GET_LOOKUP, &s.np, &nl);
	s.lk_errno = s.lk_ret ? errno : 0;
	return s;
}

// Empty when all is as wanted; else what differs.
std::string verify(const Seen &s, const Want &w, int sock_family, const Endpoint &lb)
{
	std::ostringstream bad;
	bool fits = w.toa && w.transparent && (sock_family == AF_INET6 || w.client.addr.is_v4());
	std::string want_peer = as_seen_by(sock_family, fits ? w.client : lb);
	if (s.peer != want_peer)
		bad << " getpeername=" << s.peer << " want " << want_peer;
	if (s.accepted != want_peer)
		bad << " accept=" << s.accepted << " want " << want_peer;
	if (!w.toa) {
		if (s.ci_ret == 0 || s.ci_errno != ENOENT)
			bad << " GET_CLIENT ret=" << s.ci_ret << " errno=" << s.ci_errno << " want ENOENT";
		if (s.lk_ret == 0 || s.lk_errno != ENOENT)
			bad << " GET_LOOKUP ret=" << s.lk_ret << " errno=" << s.lk_errno << " want ENOENT";
		return bad.str();
	}
	if (s.ci_ret) {
		bad << " GET_CLIENT errno=" << s.ci_errno;
	} else {
		Endpoint got = endpoint_of(s.ci.family, s.ci.addr, s.ci.port);
		if (!(got == w.client))
			bad << " GET_CLIENT client=" << got.str() << " want " << w.client.str();
		if (s.ci.kind != w.kind || s.ci.len != w.len)
			bad << " kind/len=" << int(s.ci.kind) << "/" << int(s.ci.len);
		if (s.ci.packet != w.packet && (!w.packet_alt || s.ci.packet != w.packet_alt))
			bad << " packet=" << int(s.ci.packet) << " want " << int(w.packet);
		Endpoint glb = endpoint_of(s.ci.lb_family, s.ci.lb_addr, s.ci.lb_port);
		if (!(glb == lb))
			bad << " lb=" << glb.str() << " want " << lb.str();
	}
	if (w.client.addr.is_v6()) {
		if (s.lk_ret)
			bad << " GET_LOOKUP errno=" << s.lk_errno;
		else if (std::memcmp(&s.np.saddr, w.client.addr.b, 16) ||
			 ntohs(s.np.sport) != w.client.port)
			bad << " GET_LOOKUP wrong";
	} else if (s.lk_ret == 0 || s.lk_errno != ENOENT) {
		bad << " GET_LOOKUP on an IPv4 client ret=" << s.lk_ret << " errno=" << s.lk_errno;
	}
	return bad.str();
}

// What the server should see when the handshake was completed, on the server's side,
// by `completes` (kAtAck or kAtData): the simulator's own view (completed_by()) differs
// when the kernel dropped the packet that the simulator sent to complete it.
Want want_of(const Conn &c, uint32_t enabled, bool transparent, unsigned completes)
{
	ConnExpectation ce = expect_conn(c, enabled, g_read_syn, completes);
	Want w;
	w.transparent = transparent;
	if (!ce.overall.found())
		return w;
	w.toa = true;
	w.client = ce.overall.client;
	w.kind = ce.overall.kind;
	w.len = ce.overall.len;
	if (ce.from_syn)
		w.packet = TOA_PKT_SYN;
	else
		w.packet = completes == kAtData ? TOA_PKT_DATA : TOA_PKT_ACK;
	return w;
}

// True when this kernel drops a segment with these options.
bool kernel_drops(const SentOptions &s)
{
	return s.sent && linux_drops_options(s.opts.bytes, s.opts.len, g_kernel_minlen);
}

} // namespace

std::string kernel_drop_rule_init()
{
	utsname u{};
	uname(&u);
	unsigned major = 0, minor = 0;
	std::sscanf(u.release, "%u.%u", &major, &minor);
	std::string rel = std::string("release ") + u.release;
	if (major < 6 || (major == 6 && minor < 7)) {
		g_kernel_minlen = 0;
		return rel + ": drops no segment for its options (before 6.7)";
	}
	// tcp_do_parse_auth_options() exists with CONFIG_TCP_MD5SIG or CONFIG_TCP_AO; with
	// TCP-AO its walk looks further (minlen 5 instead of TCPOLEN_MD5SIG).
	std::ifstream f("/proc/kallsyms");
	bool walk = false, ao = false, read = false;
	std::string line;
	while (std::getline(f, line)) {
		read = true;
		size_t sp = line.rfind(' ');
		std::string name = line.substr(sp == std::string::npos ? 0 : sp + 1);
		if (name.find('\t') != std::string::npos)
			name.erase(name.find('\t'));
		walk = walk || name == "tcp_do_parse_auth_options";
		ao = ao || name.compare(0, 7, "tcp_ao_") == 0;
	}
	if (!read) {
		g_kernel_minlen = 18;
		return rel + ": no /proc/kallsyms, assuming the TCP-MD5 walk (minlen 18)";
	}
	if (!walk) {
		g_kernel_minlen = 0;
		return rel + ": no tcp_do_parse_auth_options (no TCP-MD5, no TCP-AO): drops nothing";
	}
	g_kernel_minlen = ao ? 5 : 18;
	return rel + (ao ? ": drops option lists (TCP-AO walk, minlen 5)"
			 : ": drops option lists (TCP-MD5 walk, minlen 18)");
}

bool run_case(const Case &k, bool report, Want *want_out, const Extra &extra)
{
	ConnConfig cc;
	cc.lb = k.lb;
	cc.server = k.server->addr;
	cc.syn_opts = k.syn;
	cc.ack_opts = k.ack;
	cc.data_opts = k.data;
	cc.pure_ack = k.pure_ack;
	// A connection the kernel must not set up is given less time than the server's
	// first SYN-ACK retransmission (1 s), after which the simulator's plain ACK of a
	// connection that already sent data would complete it without options.
	const int kDropWaitMs = 800;
	// Nor does the simulator send a dropped segment again within that wait: a
	// retransmission carries a new timestamp, and so, where the list's walk runs into the
	// timestamp's bytes, options that this kernel may not drop.
	cc.rto_ms = kDropWaitMs + 400;
	Conn c(*g.st, cc);
	std::string why, dropped;
	int fd = -1;
	sockaddr_storage acc{};
	socklen_t alen;
	bool ok = false;
	if (!c.start()) {
		why = "start: " + c.error();
	} else if (kernel_drops(c.sent_syn())) {
		bool up = g.st->run_until([&] { return c.established() || c.finished(); },
					  kDropWaitMs) &&
			  c.established();
		ok = !up;
		if (up)
			why = "SYN-ACK to a SYN that this kernel drops (options " +
			      hex(c.sent_syn().opts.bytes, c.sent_syn().opts.len) + ")";
		else
			dropped = "SYN";
	} else if (!g.st->run_until([&] { return c.established() || c.finished(); }, 3000) ||
		   !c.established()) {
		why = std::string("no SYN-ACK, state ") + state_name(c.state());
	} else if ((!k.pure_ack || !k.data.empty()) && !c.send("ping")) {
		why = "send: " + c.error();
	} else {
		g.st->poll(0);
		// The packet that completes the handshake on the server: the pure ACK unless
		// the kernel drops it, then the first data segment unless dropped too.
		unsigned completes = 0;
		if (c.sent_ack().sent && !kernel_drops(c.sent_ack()))
			completes = kAtAck;
		else if (c.sent_data().sent && !kernel_drops(c.sent_data()))
			completes = kAtData;
		fd = accept_wait(k.server->fd, &acc, &alen, completes ? 3000 : kDropWaitMs,
				 c.lb().port);
		if (!completes) {
			ok = fd < 0;
			if (ok)
				dropped = c.sent_data().sent ? "ACK and data" : "ACK";
			else
				why = "accepted a connection whose handshake this kernel drops (ACK " +
				      hex(c.sent_ack().opts.bytes, c.sent_ack().opts.len) + ")";
		} else if (fd < 0) {
			why = "accept timed out";
		} else {
			Seen s = observe(fd, acc);
			Want w = want_of(c, k.enabled, k.transparent, completes);
			if (k.force_no_toa)
				w.toa = false;
			if (k.syn_or_ack && w.packet == TOA_PKT_SYN)
				w.packet_alt = TOA_PKT_ACK;
			if (want_out)
				*want_out = w;
			Endpoint lb = c.lb();
			why = verify(s, w, k.server->family, lb);
			if (extra)
				why += extra(fd, w, c);
			ok = why.empty();
			if (!ok)
				why += " (expected " +
				       (w.toa ? w.client.str() : std::string("no TOA")) + ")";
			else if (completes != c.completed_by())
				why = "(the kernel dropped the ACK, as predicted: data completed it)";
		}
	}
	// Reset first: the server's socket goes away without sending anything more.
	c.reset();
	g.st->poll(0);
	if (fd >= 0)
		::close(fd);
	if (ok && !dropped.empty()) {
		why = "(the kernel dropped the " + dropped + ", as predicted)";
		g_dropped++;
	}
	if (report)
		result(k.name, ok, why);
	else if (!ok)
		result(k.name, false, why);
	return ok;
}

} // namespace toa::e2e
