// SPDX-License-Identifier: MIT
//
// toa-e2e: the module's end-to-end tests, run inside a booted guest kernel with toa.ko
// loaded. The load-balancer simulator (toa::lbsim) speaks TCP through a TUN device; the
// server side is ordinary sockets in this process. Every connection is checked three
// ways: accept()/getpeername() (transparent mode), getsockopt(TOA_SO_GET_CLIENT) and
// getsockopt(TOA_SO_GET_LOOKUP), against what the simulator says it sent.
//
//   toa-e2e <suite> [--seconds N] [--count N]
//   suites: formats families malformed trust cookies transparent libtoa mass hold open
//           single random [--count N --seed S], stress [--seconds N --seed S];
//   toa-e2e as-nobody CMD... runs CMD without privileges
//
// Prints `RESULT <name> PASS|FAIL <detail>` lines and a last line `e2e: N passed, M failed`.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <functional>

#include "guest_util.hpp"
#include "lbsim.hpp"
#include "toa/toa.hpp"
#include "toa/uapi.h"

using namespace toa::lbsim;

namespace {

int g_pass = 0, g_fail = 0;

void result(const std::string &name, bool ok, const std::string &detail = "")
{
	std::printf("RESULT %s %s%s%s\n", name.c_str(), ok ? "PASS" : "FAIL",
		    detail.empty() ? "" : " ", detail.c_str());
	std::fflush(stdout);
	(ok ? g_pass : g_fail)++;
}

Endpoint ep(const char *s)
{
	auto e = Endpoint::parse(s);
	if (!e) {
		std::fprintf(stderr, "bad endpoint %s\n", s);
		std::exit(2);
	}
	return *e;
}

const Endpoint kLb4 = ep("198.51.100.2:0");
const Endpoint kLb6 = ep("[2001:db8:ff::2]:0");
const Endpoint kClient4 = ep("203.0.113.7:40000");
const Endpoint kClient6 = ep("[2001:db8:c::7]:40000");

bool write_file(const std::string &path, const std::string &value)
{
	std::ofstream f(path);
	f << value;
	f.flush();
	return bool(f);
}

bool set_param(const char *name, const std::string &value)
{
	return write_file(std::string("/sys/module/toa/parameters/") + name, value);
}

// The module's syn parameter as the expectations assume it (the default is off).
bool g_read_syn = false;

void set_read_syn(bool on)
{
	if (!set_param("syn", on ? "Y" : "N"))
		std::printf("RESULT set_syn_param FAIL cannot write /sys/module/toa/parameters/syn\n");
	g_read_syn = on;
}

// Total column of a /proc/net/toa_stats row; -1 without it.
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

using toa::guest::sockaddr_str;

// An address of `family` (IPv4: the first 4 bytes) and a port in network order.
Endpoint endpoint_of(uint8_t family, const uint8_t *addr, uint16_t port_be)
{
	Endpoint e;
	e.addr.family = family;
	std::memcpy(e.addr.b, addr, family == AF_INET ? 4 : 16);
	e.port = ntohs(port_be);
	return e;
}

// An IPv4-mapped address as IPv4.
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

// An endpoint as a socket of `family` reports it (IPv4 on an IPv6 socket: mapped).
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

struct Server {
	int fd = -1;
	int family = AF_INET;
	Endpoint addr;
};

struct Env {
	Tun tun;
	std::unique_ptr<Stack> st;
	Server s4, s6, sds; // IPv4, IPv6-only, dual-stack [::]

	bool init(std::string *err)
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
};

Env g;

int g_strays = 0, g_dropped = 0;

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

// Accepts the connection whose load-balancer port is lb_port (0: any). Others are
// strays of earlier connections (e.g. a retransmitted ACK that a SYN cookie turned into
// a new connection after its first one was reset): closed and counted.
int accept_wait(int lfd, sockaddr_storage *ss, socklen_t *len, int timeout_ms = 3000,
		uint16_t lb_port = 0)
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

struct Want {
	bool toa = false;
	Endpoint client;
	uint8_t kind = 0, len = 0, packet = 0;
	uint8_t packet_alt = 0; // also acceptable
	bool transparent = true;
};

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

Want want_of(const Conn &c, uint32_t enabled, bool transparent)
{
	ConnExpectation ce = expect_conn(c, enabled, g_read_syn);
	Want w;
	w.transparent = transparent;
	if (!ce.overall.found())
		return w;
	w.toa = true;
	w.client = ce.overall.client;
	w.kind = ce.overall.kind;
	w.len = ce.overall.len;
	if (ce.from_syn || c.completed_by() == kAtSyn)
		w.packet = TOA_PKT_SYN;
	else
		w.packet = c.completed_by() == kAtData ? TOA_PKT_DATA : TOA_PKT_ACK;
	return w;
}

struct Case {
	std::string name;
	const Server *server = nullptr;
	Endpoint lb = kLb4;
	OptionList syn, ack, data;
	bool pure_ack = true;
	uint32_t enabled = TOA_FMT_DEFAULT;
	bool transparent = true;
	int force_no_toa = 0; // 1: expect no TOA whatever was sent (untrusted source)
	// Newer kernels (6.7+, TCP-AO option walk) drop a segment whose option list ends
	// in a length of 0 or 1: then there is no connection, which is fine for us.
	bool kernel_may_drop = false;
	// With SYN cookies the SYN leaves no request behind: an option on both the SYN and
	// the ACK may be read from either.
	bool syn_or_ack = false;
};

// More checks on the accepted socket: returns what is wrong, empty when all is right.
using Extra = std::function<std::string(int fd, const Want &w, const Conn &c)>;

// One connection through the simulator; the server side is checked and closed.
bool run_case(const Case &k, bool report = true, Want *want_out = nullptr,
	      const Extra &extra = nullptr)
{
	ConnConfig cc;
	cc.lb = k.lb;
	cc.server = k.server->addr;
	cc.syn_opts = k.syn;
	cc.ack_opts = k.ack;
	cc.data_opts = k.data;
	cc.pure_ack = k.pure_ack;
	Conn c(*g.st, cc);
	std::string why;
	int fd = -1;
	sockaddr_storage acc{};
	socklen_t alen;
	bool ok = false;
	if (!c.start()) {
		why = "start: " + c.error();
	} else if (!g.st->run_until([&] { return c.established() || c.finished(); },
				    k.kernel_may_drop ? 1000 : 3000) ||
		   !c.established()) {
		why = std::string("no SYN-ACK, state ") + state_name(c.state());
		ok = k.kernel_may_drop;
	} else if ((!k.pure_ack || !k.data.empty()) && !c.send("ping")) {
		why = "send: " + c.error();
	} else if ((fd = accept_wait(k.server->fd, &acc, &alen, k.kernel_may_drop ? 1000 : 3000,
				     c.lb().port)) < 0) {
		why = "accept timed out";
		ok = k.kernel_may_drop;
	} else {
		Seen s = observe(fd, acc);
		Want w = want_of(c, k.enabled, k.transparent);
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
			why += " (expected " + (w.toa ? w.client.str() : std::string("no TOA")) + ")";
	}
	// Reset first: the server's socket goes away without sending anything more.
	c.reset();
	g.st->poll(0);
	if (fd >= 0)
		::close(fd);
	if (ok && !why.empty()) {
		why = "(kernel dropped the segment: " + why + ")";
		g_dropped++;
	}
	if (report)
		result(k.name, ok, why);
	else if (!ok)
		result(k.name, false, why);
	return ok;
}

struct Fmt {
	Format f;
	const char *name;
	bool v6;
};

const Fmt kFormats[] = {
	{Format::F254_8, "254_8", false},  {Format::F254_20, "254_20", true},
	{Format::F200_8, "200_8", false},  {Format::F253_20, "253_20", true},
	{Format::F253_8, "253_8", false},  {Format::F249_40, "249_40", true},
	{Format::F28_7, "28_7", false},
};

Endpoint client_for(const Fmt &f)
{
	Endpoint c = f.v6 ? kClient6 : kClient4;
	if (f.f == Format::F28_7)
		c.port = 0;
	return c;
}

// Every format x every position, on the IPv4 server (IPv6 formats there are NAT64).
void suite_formats()
{
	set_param("formats", "all");
	set_read_syn(true); // every position: as for LVS FULLNAT and Alibaba CDN
	for (const Fmt &f : kFormats) {
		OptionList one = {OptionSpec::toa(f.f, client_for(f))};
		for (const char *pos : {"syn", "ack", "data", "syn_ack", "ack_data"}) {
			Case k;
			k.name = std::string("format_") + f.name + "_" + pos;
			k.server = &g.s4;
			k.enabled = TOA_FMT_ALL;
			std::string p = pos;
			if (p.find("syn") != std::string::npos)
				k.syn = one;
			if (p.find("ack") != std::string::npos)
				k.ack = one;
			if (p.find("data") != std::string::npos)
				k.data = one;
			if (p == "data")
				k.pure_ack = false; // the data segment completes the handshake
			run_case(k);
		}
	}
	// By default (syn off) an option on the SYN is the client's, never read: the load
	// balancer's word is the option of the packet that completes the handshake.
	set_read_syn(false);
	for (const Fmt &f : kFormats) {
		OptionList one = {OptionSpec::toa(f.f, client_for(f))};
		for (const char *pos : {"syn", "syn_ack"}) {
			Case k;
			k.name = std::string("syn_off_format_") + f.name + "_" + pos;
			k.server = &g.s4;
			k.enabled = TOA_FMT_ALL;
			k.syn = one;
			if (std::string(pos) == "syn_ack")
				k.ack = one;
			run_case(k);
		}
	}
	// A client's own option on the SYN never outranks the load balancer's later one,
	// with syn on or off; with syn off it never surfaces, even without a later one.
	for (bool syn_on : {false, true}) {
		set_read_syn(syn_on);
		const std::string mode = syn_on ? "syn_on_" : "syn_off_";
		const Endpoint forged = ep("192.0.2.66:6666");
		Case k;
		k.server = &g.s4;
		k.syn = {OptionSpec::toa(Format::F200_8, forged)};
		k.name = mode + "forged_syn_genuine_ack";
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
		k.name = mode + "forged_syn_genuine_data";
		k.ack = {};
		k.data = {OptionSpec::toa(Format::F200_8, kClient4)};
		k.pure_ack = false;
		run_case(k);
		k.name = mode + "forged_syn_no_ack_option_late_data";
		k.pure_ack = true; // the ACK completes it without an option; data comes later
		run_case(k);
		k.name = mode + "forged_syn_ipv6_genuine_ack";
		k.syn = {OptionSpec::toa(Format::F254_20, ep("[2001:db8:bad::6]:6666"))};
		k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
		k.data = {};
		run_case(k);
	}
	// Kind 254 with ExID 0xF989 on a SYN is TCP Fast Open's cookie (RFC 7413, 4 and 16
	// bytes: lengths 8 and 20, as 254/8 and 254/20), never a client address.
	set_read_syn(true);
	for (int cookie : {4, 16}) {
		std::vector<uint8_t> tfo = {254, uint8_t(4 + cookie), 0xF9, 0x89};
		for (int i = 0; i < cookie; i++)
			tfo.push_back(uint8_t(0x11 * (i + 1)));
		Case k;
		k.server = cookie == 4 ? &g.s4 : &g.s6;
		k.lb = cookie == 4 ? kLb4 : kLb6;
		k.name = "tfo_cookie_" + std::to_string(cookie) + "_on_syn_is_no_address";
		k.syn = {OptionSpec::raw(tfo)};
		Want w;
		run_case(k, true, &w);
		if (w.toa)
			result(k.name + "_expectation", false, "simulator expected a TOA");
		// After the SYN, 0xF989 is a port like any other.
		k.name = "tfo_exid_on_ack_is_port_" + std::to_string(cookie);
		k.syn = {};
		k.ack = {OptionSpec::raw(tfo)};
		run_case(k);
	}
	set_read_syn(false);
	// The option on a data segment after the pure ACK completed the handshake is not
	// read: nothing after connection setup is looked at.
	{
		Case k;
		k.name = "late_data_option_ignored";
		k.server = &g.s4;
		k.data = {OptionSpec::toa(Format::F200_8, kClient4)};
		Want w;
		run_case(k, true, &w);
		if (w.toa)
			result("late_data_option_expectation", false, "simulator expected a TOA");
	}
	// Off-by-default formats are ignored with the default parameter.
	set_param("formats", "default");
	for (const Fmt &f : kFormats) {
		if (f.f != Format::F249_40 && f.f != Format::F28_7)
			continue;
		Case k;
		k.name = std::string("default_ignores_") + f.name;
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(f.f, client_for(f))};
		run_case(k);
	}
	// The formats parameter selects kinds: 200 only.
	set_param("formats", "200/8");
	{
		Case k;
		k.name = "formats_param_excludes_254";
		k.server = &g.s4;
		k.enabled = TOA_FMT_BIT(TOA_FMT_200_8);
		k.ack = {OptionSpec::toa(Format::F254_8, kClient4)};
		run_case(k);
		k.name = "formats_param_keeps_200";
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
	}
	set_param("formats", "default");
}

// IPv4, IPv6, NAT64 and dual-stack sockets.
void suite_families()
{
	struct F {
		const char *name;
		const Server *srv;
		Endpoint lb;
		Format f;
		Endpoint client;
	};
	const F cases[] = {
		{"v4_client_v4_socket", &g.s4, kLb4, Format::F200_8, kClient4},
		{"v6_client_v6_socket", &g.s6, kLb6, Format::F254_20, kClient6},
		{"v6_client_v6_socket_253", &g.s6, kLb6, Format::F253_20, kClient6},
		{"v4_client_v6_socket", &g.s6, kLb6, Format::F254_8, kClient4},
		{"nat64_v6_client_v4_socket", &g.s4, kLb4, Format::F253_20, kClient6},
		{"nat64_dpvs_v6_client_v4_socket", &g.s4, kLb4, Format::F254_20, kClient6},
		{"dualstack_v4_client", &g.sds, kLb4, Format::F200_8, kClient4},
		{"dualstack_v6_client_v4_conn", &g.sds, kLb4, Format::F253_20, kClient6},
	};
	for (const F &f : cases) {
		for (bool toa : {true, false}) {
			Case k;
			k.name = std::string(f.name) + (toa ? "" : "_no_toa");
			k.server = f.srv;
			k.lb = f.lb;
			if (toa)
				k.ack = {OptionSpec::toa(f.f, f.client)};
			run_case(k);
		}
	}
}

void suite_malformed()
{
	const struct {
		Malformation m;
		const char *name;
	} ms[] = {
		{Malformation::Len0, "len0"},
		{Malformation::Len1, "len1"},
		{Malformation::Truncated, "truncated"},
		{Malformation::BadLen, "badlen"},
		{Malformation::Forged, "forged_after_real"},
		{Malformation::EolBefore, "eol_before"},
		{Malformation::NopBefore, "nop_before"},
		{Malformation::Len0After, "len0_after"},
		{Malformation::TruncatedAfter, "truncated_after"},
	};
	for (const auto &m : ms) {
		for (const char *pos : {"syn", "ack"}) {
			Case k;
			k.name = std::string("malformed_") + m.name + "_" + pos;
			k.server = &g.s4;
			OptionList l = make_option_list(Format::F200_8, kClient4, m.m,
							ep("192.0.2.66:6666"));
			(std::string(pos) == "syn" ? k.syn : k.ack) = l;
			k.kernel_may_drop = m.m == Malformation::Len0 || m.m == Malformation::Len1 ||
					    m.m == Malformation::Len0After;
			run_case(k);
		}
	}
	// A forged option on the client's own packet after the load balancer's: first wins,
	// also across formats (254 real, 200 forged).
	Case k;
	k.name = "first_option_wins_across_kinds";
	k.server = &g.s4;
	k.ack = {OptionSpec::toa(Format::F254_8, kClient4),
		 OptionSpec::toa(Format::F200_8, ep("192.0.2.66:6666"))};
	run_case(k);
	long long mal = stat_total("malformed");
	result("malformed_counted", mal > 0, "malformed=" + std::to_string(mal));
}

void suite_trust()
{
	long long before = stat_total("untrusted");
	set_param("trusted", "198.51.100.0/24,2001:db8:ff::/48");
	{
		Case k;
		k.name = "trusted_v4_source";
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
		k.name = "trusted_v6_source";
		k.server = &g.s6;
		k.lb = kLb6;
		k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
		run_case(k);
	}
	set_param("trusted", "198.51.100.128/25,2001:db8:fe::/48");
	{
		Case k;
		k.name = "untrusted_v4_source_ignored";
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		k.force_no_toa = 1;
		run_case(k);
		k.name = "untrusted_v6_source_ignored";
		k.server = &g.s6;
		k.lb = kLb6;
		k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
		run_case(k);
		k.name = "untrusted_syn_ignored";
		k.server = &g.s4;
		k.lb = kLb4;
		k.ack.clear();
		k.syn = {OptionSpec::toa(Format::F254_8, kClient4)};
		set_read_syn(true); // SYNs are read (and so judged) only with syn on
		run_case(k);
		set_read_syn(false);
	}
	long long after = stat_total("untrusted");
	result("untrusted_counted", after - before >= 3,
	       "untrusted " + std::to_string(before) + " -> " + std::to_string(after));
	set_param("trusted", "any");
	{
		Case k;
		k.name = "empty_trusted_list_accepts_all";
		k.server = &g.s4;
		k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
		run_case(k);
	}
	set_param("trusted", "300.1.2.3/33");
	std::ifstream f("/sys/module/toa/parameters/trusted");
	std::string cur;
	std::getline(f, cur);
	result("bad_trusted_param_rejected", cur == "any", "trusted=" + cur);
}

// A TcpExt counter of /proc/net/netstat.
long long tcpext(const std::string &name)
{
	std::ifstream f("/proc/net/netstat");
	std::string names, values;
	while (std::getline(f, names) && std::getline(f, values)) {
		std::istringstream n(names), v(values);
		std::string a, b;
		while (n >> a && v >> b)
			if (a == name)
				return std::stoll(b);
	}
	return -1;
}

void suite_cookies()
{
	long long before = tcpext("SyncookiesRecv");
	if (!Tun::sysctl("/proc/sys/net/ipv4/tcp_syncookies", "2"))
		result("syncookies_sysctl", false, "cannot set net.ipv4.tcp_syncookies");
	for (const char *pos : {"ack", "data", "syn_ack"}) {
		for (bool v6 : {false, true}) {
			Case k;
			k.name = std::string("syncookies_") + pos + (v6 ? "_v6" : "_v4");
			k.server = v6 ? &g.s6 : &g.s4;
			k.lb = v6 ? kLb6 : kLb4;
			OptionList one = {v6 ? OptionSpec::toa(Format::F254_20, kClient6)
					     : OptionSpec::toa(Format::F200_8, kClient4)};
			std::string p = pos;
			if (p.find("syn") != std::string::npos)
				k.syn = one;
			if (p.find("ack") != std::string::npos)
				k.ack = one;
			k.syn_or_ack = true;
			if (p == "data") {
				k.data = one;
				k.pure_ack = false;
			}
			run_case(k);
		}
	}
	Tun::sysctl("/proc/sys/net/ipv4/tcp_syncookies", "1");
	long long after = tcpext("SyncookiesRecv");
	result("syncookies_were_used", after - before >= 6,
	       "SyncookiesRecv " + std::to_string(before) + " -> " + std::to_string(after));
}

void suite_transparent()
{
	set_param("transparent", "0");
	Case k;
	k.name = "transparent_off_getpeername_is_lb";
	k.server = &g.s4;
	k.transparent = false;
	k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
	run_case(k);
	k.name = "transparent_off_v6";
	k.server = &g.s6;
	k.lb = kLb6;
	k.ack = {OptionSpec::toa(Format::F254_20, kClient6)};
	run_case(k);
	set_param("transparent", "1");
	k.name = "transparent_back_on";
	k.transparent = true;
	run_case(k);
}

// libtoa's lookup on real TOA sockets (and without TOA): origin, client, option, lb.
void suite_libtoa()
{
	auto check = [](int fd, const Want &w, const Conn &c) -> std::string {
		auto r = toa::get_client(fd);
		if (!r)
			return " get_client: " + r.error().message();
		std::string got = toa::format(r->address).c_str();
		std::string lb = r->lb.empty() ? "-" : toa::format(r->lb).c_str();
		std::ostringstream bad;
		if (w.toa) {
			if (r->origin != toa::origin::option)
				bad << " origin=" << toa::format_origin(*r).c_str();
			if (got != w.client.str())
				bad << " client=" << got << " want " << w.client.str();
			if (r->kind != w.kind || r->length != w.len || uint8_t(r->packet) != w.packet)
				bad << " option " << int(r->kind) << "/" << int(r->length) << " packet "
				    << int(r->packet);
			if (lb != c.lb().str())
				bad << " lb=" << lb << " want " << c.lb().str();
		} else {
			if (r->origin != toa::origin::peer)
				bad << " origin=" << toa::format_origin(*r).c_str() << " want peer";
			if (got != c.lb().str())
				bad << " client=" << got << " want the peer " << c.lb().str();
		}
		return bad.str();
	};
	struct L {
		const char *name;
		const Server *srv;
		Endpoint lb;
		bool toa;
		Format f;
		Endpoint client;
	};
	const L cases[] = {
		{"libtoa_v4", &g.s4, kLb4, true, Format::F200_8, kClient4},
		{"libtoa_v6", &g.s6, kLb6, true, Format::F254_20, kClient6},
		{"libtoa_nat64", &g.s4, kLb4, true, Format::F253_20, kClient6},
		{"libtoa_dualstack_v4", &g.sds, kLb4, true, Format::F254_8, kClient4},
		{"libtoa_no_toa_v4", &g.s4, kLb4, false, Format::F200_8, kClient4},
		{"libtoa_no_toa_v6", &g.s6, kLb6, false, Format::F200_8, kClient4},
	};
	for (const L &l : cases) {
		Case k;
		k.name = l.name;
		k.server = l.srv;
		k.lb = l.lb;
		if (l.toa)
			k.ack = {OptionSpec::toa(l.f, l.client)};
		run_case(k, true, nullptr, check);
	}
}

// 10,000 connections (by default) alternating with and without TOA, each with its own
// client: sockets are freed and their memory reused all the time.
void suite_mass(int count)
{
	int bad = 0;
	for (int i = 0; i < count && bad < 5; i++) {
		Case k;
		k.name = "mass_" + std::to_string(i);
		k.server = (i % 4 < 2) ? &g.s4 : &g.s6;
		k.lb = (i % 4 < 2) ? kLb4 : kLb6;
		if (i % 2 == 0) {
			Endpoint c = kClient4;
			c.addr.b[3] = uint8_t(1 + (i / 2) % 250);
			c.port = uint16_t(10000 + i / 2 % 50000);
			k.ack = {OptionSpec::toa(k.server == &g.s4 ? Format::F200_8 : Format::F254_8,
						 c)};
		}
		if (!run_case(k, false))
			bad++;
	}
	result("mass_" + std::to_string(count) + "_alternating", bad == 0,
	       bad ? std::to_string(bad) + " wrong" : "");
}

// ---------------------------------------------------------------------------------
// stress: load and faults while the script removes and loads the module again and again.
//
// The simulator (this thread, the only one that touches the Stack) opens connections as
// fast as it can: IPv4, IPv6, NAT64 (IPv6 client in the option of an IPv4 connection),
// IPv4 clients on IPv6 sockets, dual-stack; with and without TOA, on the SYN, the ACK or
// the first data segment; kept a while then reset or closed with FIN, or aborted at every
// stage (RST after the SYN, the SYN-ACK left unanswered, FIN instead of the ACK, RST right
// after the ACK before accept, RST after accept), plus bursts of SYNs at two listeners with
// a backlog of 8, so that SYN cookies answer them, completed by ACKs carrying TOA.
// Acceptor threads (plain syscalls only) accept on every listener and ask getpeername(),
// TOA_SO_GET_CLIENT and TOA_SO_GET_LOOKUP again and again on what they hold. Every
// connection has its own load-balancer endpoint and its own client, registered before its
// SYN: the acceptor finds the connection by what accept() gave (the load balancer, or the
// client in transparent mode), and every answer must be that connection's client, its load
// balancer (no TOA), ENOTCONN (reset), ENOENT (no TOA) or ENOPROTOOPT (module out).
// Connections whose SYN went out after the script's last insmod (/tmp/final) must be
// answered exactly. Runs until /tmp/stop (or --seconds); the script writes its number of
// reload cycles to /tmp/stress-cycles.

// Socket and client families of a connection; the flood ones go to the backlog-8 listeners.
enum StressCat : uint8_t { kV4, kV6, kNat64, kV4OnV6, kDsV4, kDsNat64, kFloodV4, kFloodV6, kCats };
const char *const kCatNames[kCats] = {"v4",    "v6",       "nat64",    "v4_on_v6",
				      "ds_v4", "ds_nat64", "flood_v4", "flood_v6"};

enum StressPlan : uint8_t {
	kKept,		// open a while, then RST
	kKeptFin,	// open a while, then FIN
	kRstAfterSyn,	// RST right after the SYN (a SYN option is stashed, never taken)
	kAbandoned,	// SYN-ACK never answered (the server's retransmission gets RST)
	kFinBeforeAck,	// FIN instead of the handshake ACK
	kRstAfterAck,	// RST right after the ACK, before accept
	kPlans
};
const char *const kPlanNames[kPlans] = {"kept",      "kept_fin",       "rst_after_syn",
					"abandoned", "fin_before_ack", "rst_after_ack"};

// A connection as the simulator set it up, registered before its SYN.
struct StressConn {
	Endpoint lb, client;
	Format fmt = Format::F200_8;
	uint8_t cat = kV4, plan = kKept;
	unsigned pos = 0;    // kAtSyn, kAtAck or kAtData: where the option went (0: none)
	bool toa = false;    // the option went out on a packet that sets the connection up
	bool strict = false; // SYN sent after the last insmod: every answer exact

	// "198.51.100.2:20001 (ds_v4 kept, 200/8 at ack, client 203.0.113.1:1024)"
	std::string str() const
	{
		return lb.str() + " (" + kCatNames[cat] + " " + kPlanNames[plan] + ", " +
		       (toa ? std::string(format_info(fmt).name) + " at " + positions_str(pos)
			    : std::string("no TOA")) +
		       ", client " + client.str() + ")";
	}
};

// Connections by load-balancer endpoint and by client; filled by the simulator thread,
// read by the acceptors.
class StressRegistry {
public:
	void add(const StressConn &c)
	{
		std::lock_guard<std::mutex> l(mu_);
		int id = int(conns_.size());
		conns_.push_back({c, 0});
		by_lb_[c.lb.str()] = id;
		by_client_[c.client.str()] = id;
	}
	// The connection whose load balancer or client is `peer`; counts its accepts.
	bool claim(const Endpoint &peer, StressConn *out, int *accepts)
	{
		std::lock_guard<std::mutex> l(mu_);
		std::string k = peer.str();
		auto it = by_lb_.find(k);
		if (it == by_lb_.end())
			it = by_client_.find(k);
		if (it == by_client_.end())
			return false;
		auto &e = conns_[size_t(it->second)];
		*out = e.first;
		*accepts = ++e.second;
		return true;
	}

private:
	std::mutex mu_;
	std::vector<std::pair<StressConn, int>> conns_;
	std::unordered_map<std::string, int> by_lb_, by_client_;
};

// One acceptor's counts, summed at the end.
struct StressTally {
	long accepted = 0, aborted_at_accept = 0, dup_accepts = 0, calls = 0, wrong = 0;
	long peer_client = 0, peer_lb = 0, enotconn = 0, reset_after_accept = 0;
	long ci_ok = 0, lk_ok = 0, enoent = 0, no_module = 0;
	long strict_ok = 0, strict_bad = 0;
	std::vector<std::string> dup_why;
	long by_cat[kCats] = {}, by_plan[kPlans] = {}, toa_cat[kCats] = {};
	std::vector<std::string> why, strict_why;

	void add(const StressTally &o)
	{
		accepted += o.accepted;
		aborted_at_accept += o.aborted_at_accept;
		dup_accepts += o.dup_accepts;
		calls += o.calls;
		wrong += o.wrong;
		peer_client += o.peer_client;
		peer_lb += o.peer_lb;
		enotconn += o.enotconn;
		reset_after_accept += o.reset_after_accept;
		ci_ok += o.ci_ok;
		lk_ok += o.lk_ok;
		enoent += o.enoent;
		no_module += o.no_module;
		strict_ok += o.strict_ok;
		strict_bad += o.strict_bad;
		for (int i = 0; i < kCats; i++) {
			by_cat[i] += o.by_cat[i];
			toa_cat[i] += o.toa_cat[i];
		}
		for (int i = 0; i < kPlans; i++)
			by_plan[i] += o.by_plan[i];
		why.insert(why.end(), o.why.begin(), o.why.end());
		dup_why.insert(dup_why.end(), o.dup_why.begin(), o.dup_why.end());
		strict_why.insert(strict_why.end(), o.strict_why.begin(), o.strict_why.end());
	}
	void bad(const std::string &what)
	{
		if (wrong++ < 3)
			why.push_back(what);
	}
	void bad(const StressConn &c, const std::string &what)
	{
		bad(c.str() + ": " + what);
	}
	void exact(const StressConn &c, bool ok, const std::string &what)
	{
		if (!c.strict)
			return;
		if (ok)
			strict_ok++;
		else if (strict_bad++ < 3)
			strict_why.push_back(c.str() + ": " + what);
	}
};

struct StressListener {
	int fd;
	int family;
};

// An accepted socket and the connection it is.
struct StressHeld {
	int fd;
	int family;
	StressConn c;
	int rounds;
	bool connected = false, reset_seen = false;
};

// getpeername(), TOA_SO_GET_CLIENT, TOA_SO_GET_LOOKUP once on a held socket.
void stress_ask(StressHeld &h, StressTally &t)
{
	const StressConn &c = h.c;
	bool fits = c.toa && (h.family == AF_INET6 || c.client.addr.is_v4());
	std::string lb = as_seen_by(h.family, c.lb), cl = as_seen_by(h.family, c.client);
	std::string want = fits ? cl : lb;
	const FormatInfo &fi = format_info(c.fmt);

	sockaddr_storage ss{};
	socklen_t len = sizeof(ss);
	t.calls++;
	if (getpeername(h.fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0) {
		std::string got = sockaddr_str(ss);
		if (fits && got == cl)
			t.peer_client++;
		else if (got == lb)
			t.peer_lb++;
		else
			t.bad(c, "getpeername " + got);
		t.exact(c, got == want, "getpeername " + got + " want " + want);
		h.connected = true;
	} else if (errno == ENOTCONN) {
		t.enotconn++;
		if (h.connected && !h.reset_seen)
			t.reset_after_accept++;
		h.reset_seen = true;
	} else {
		t.bad(c, std::string("getpeername: ") + std::strerror(errno));
	}

	toa_client_info ci{};
	socklen_t cl_len = sizeof(ci);
	t.calls++;
	if (getsockopt(h.fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl_len) == 0) {
		t.ci_ok++;
		Endpoint got = endpoint_of(ci.family, ci.addr, ci.port);
		Endpoint glb = endpoint_of(ci.lb_family, ci.lb_addr, ci.lb_port);
		if (!c.toa || got != c.client || glb != c.lb || ci.kind != fi.kind ||
		    ci.len != fi.len)
			t.bad(c, "GET_CLIENT " + got.str() + " lb " + glb.str() + " option " +
					 std::to_string(ci.kind) + "/" + std::to_string(ci.len) +
					 (c.toa ? "" : " (no TOA sent)"));
		t.exact(c, c.toa, "GET_CLIENT answered without TOA");
	} else if (errno == ENOENT || errno == ENOPROTOOPT) {
		(errno == ENOENT ? t.enoent : t.no_module)++;
		t.exact(c, !c.toa && errno == ENOENT,
			std::string("GET_CLIENT: ") + std::strerror(errno));
	} else {
		t.bad(c, std::string("GET_CLIENT: ") + std::strerror(errno));
	}

	toa_nat64_peer np{};
	socklen_t np_len = sizeof(np);
	bool v6_client = c.toa && c.client.addr.is_v6();
	t.calls++;
	if (getsockopt(h.fd, IPPROTO_IP, TOA_SO_GET_LOOKUP, &np, &np_len) == 0) {
		t.lk_ok++;
		if (!v6_client || std::memcmp(&np.saddr, c.client.addr.b, 16) ||
		    ntohs(np.sport) != c.client.port)
			t.bad(c, "GET_LOOKUP " +
					 endpoint_of(AF_INET6, np.saddr.s6_addr, np.sport).str());
		t.exact(c, v6_client, "GET_LOOKUP answered");
	} else if (errno == ENOENT || errno == ENOPROTOOPT) {
		(errno == ENOENT ? t.enoent : t.no_module)++;
		t.exact(c, !v6_client && errno == ENOENT,
			std::string("GET_LOOKUP: ") + std::strerror(errno));
	} else {
		t.bad(c, std::string("GET_LOOKUP: ") + std::strerror(errno));
	}
}

// Accepts what is queued on `l`, at most `max`; the new sockets go to `held`.
void stress_accept(const StressListener &l, StressRegistry &reg, Rng &rng,
		   std::deque<StressHeld> &held, StressTally &t, int max)
{
	for (int i = 0; i < max; i++) {
		sockaddr_storage ss{};
		socklen_t len = sizeof(ss);
		int fd = accept4(l.fd, reinterpret_cast<sockaddr *>(&ss), &len, SOCK_NONBLOCK);
		if (fd < 0) {
			if (errno == ECONNABORTED) {
				t.aborted_at_accept++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				t.bad(std::string("accept: ") + std::strerror(errno));
			return;
		}
		StressHeld h{fd, l.family, {}, int(1 + rng.below(40))};
		int accepts = 0;
		std::string got = sockaddr_str(ss);
		if (!reg.claim(endpoint_of(ss), &h.c, &accepts)) {
			t.bad("accept gave " + got + ", no connection of ours");
			::close(fd);
			continue;
		}
		t.accepted++;
		t.by_cat[h.c.cat]++;
		t.by_plan[h.c.plan]++;
		if (h.c.toa)
			t.toa_cat[h.c.cat]++;
		if (accepts > 1 && t.dup_accepts++ < 3)
			t.dup_why.push_back(h.c.str() + " accepted again as " + got);
		bool fits = h.c.toa && (l.family == AF_INET6 || h.c.client.addr.is_v4());
		std::string lb = as_seen_by(l.family, h.c.lb), cl = as_seen_by(l.family, h.c.client);
		if (got != lb && !(fits && got == cl))
			t.bad(h.c, "accept gave " + got);
		t.exact(h.c, got == (fits ? cl : lb), "accept gave " + got);
		held.push_back(h);
		if (held.size() > 8) {
			::close(held.front().fd);
			held.pop_front();
		}
	}
}

void stress_acceptor(const std::vector<StressListener> &ls, StressRegistry &reg,
		     const std::atomic<bool> &stop, StressTally &t, uint64_t seed)
{
	Rng rng(seed);
	std::deque<StressHeld> held;
	std::vector<pollfd> pfd(ls.size());
	while (!stop.load(std::memory_order_relaxed)) {
		for (size_t i = 0; i < ls.size(); i++)
			pfd[i] = {ls[i].fd, POLLIN, 0};
		if (::poll(pfd.data(), pfd.size(), held.empty() ? 20 : 2) > 0)
			for (size_t i = 0; i < ls.size(); i++)
				if (pfd[i].revents & POLLIN)
					stress_accept(ls[i], reg, rng, held, t, 4);
		for (auto &h : held) {
			stress_ask(h, t);
			h.rounds--;
		}
		for (size_t i = 0; i < held.size();) {
			if (held[i].rounds > 0) {
				i++;
				continue;
			}
			::close(held[i].fd);
			held.erase(held.begin() + long(i));
		}
	}
	for (auto &h : held)
		::close(h.fd);
	held.clear();
	// What is still queued: once each.
	for (const auto &l : ls) {
		stress_accept(l, reg, rng, held, t, 1 << 20);
		for (auto &h : held) {
			stress_ask(h, t);
			::close(h.fd);
		}
		held.clear();
	}
}

// The simulator's side of one connection.
struct StressLive {
	std::unique_ptr<Conn> c;
	uint8_t plan;
	uint64_t started, until = 0;
	bool up = false, fin = false, flood = false;
};

void suite_stress(int seconds, uint64_t seed)
{
	struct stat sb;
	// Options go on SYNs too (the SYN stash under load): syn on, as module.sh loads the
	// module again between cycles (syn=1).
	set_read_syn(true);
	Tun::sysctl("/proc/sys/net/ipv4/tcp_syncookies", "1");
	long long cookies_sent0 = tcpext("SyncookiesSent"), cookies_recv0 = tcpext("SyncookiesRecv");
	// Listeners for the SYN bursts: a backlog of 8 fills at once, then SYN cookies.
	Server f4 = {listen_on(AF_INET, "192.0.2.1", 8005, false), AF_INET, ep("192.0.2.1:8005")};
	Server f6 = {listen_on(AF_INET6, "2001:db8::1", 8007, true), AF_INET6,
		     ep("[2001:db8::1]:8007")};
	::listen(f4.fd, 8);
	::listen(f6.fd, 8);
	const Server *srv_of[kCats] = {&g.s4, &g.s6, &g.s4, &g.s6, &g.sds, &g.sds, &f4, &f6};
	std::vector<StressListener> ls;
	for (const Server *s : {&g.s4, &g.s6, &g.sds, &f4, &f6})
		ls.push_back({s->fd, s->family});

	StressRegistry reg;
	std::atomic<bool> stop{false};
	const int kAcceptors = 3;
	std::vector<StressTally> tally(kAcceptors);
	std::vector<std::thread> threads;
	for (int i = 0; i < kAcceptors; i++)
		threads.emplace_back(stress_acceptor, std::cref(ls), std::ref(reg), std::cref(stop),
				     std::ref(tally[size_t(i)]), seed + 1 + uint64_t(i));
	std::printf("STRESS-READY\n");
	std::fflush(stdout);

	Rng rng(seed);
	std::vector<StressLive> live;
	long opened = 0, established = 0, syn_timeouts = 0, reset_by_server = 0;
	long opened_cat[kCats] = {}, opened_plan[kPlans] = {}, with_toa = 0, syn_opt = 0,
	     data_opt = 0, strict_opened = 0;
	uint32_t n = 0; // connection number: its load balancer's and its client's address
	auto open_one = [&](uint8_t cat, uint8_t plan) {
		const Server *srv = srv_of[cat];
		bool lb6 = srv->family == AF_INET6 && cat != kDsV4 && cat != kDsNat64;
		bool client6 = cat == kV6 || cat == kNat64 || cat == kDsNat64 || cat == kFloodV6;
		StressConn sc;
		sc.cat = cat;
		sc.plan = plan;
		sc.lb = lb6 ? kLb6 : kLb4;
		sc.lb.addr.b[lb6 ? 15 : 3] = uint8_t(2 + n / 40000);
		sc.lb.port = uint16_t(20000 + n % 40000);
		sc.client = client6 ? kClient6 : kClient4;
		if (client6) {
			sc.client.addr.b[12] = uint8_t(n >> 24);
			sc.client.addr.b[13] = uint8_t(n >> 16);
			sc.client.addr.b[14] = uint8_t(n >> 8);
			sc.client.addr.b[15] = uint8_t(n);
		} else {
			sc.client.addr.b[3] = uint8_t(1 + n / 60000);
		}
		sc.client.port = uint16_t(1024 + n % 60000);
		n++;
		const Format f4s[] = {Format::F200_8, Format::F254_8, Format::F253_8};
		const Format f6s[] = {Format::F254_20, Format::F253_20};
		sc.fmt = client6 ? f6s[rng.below(2)] : f4s[rng.below(3)];
		sc.toa = rng.chance(67);
		// Where the option goes: the SYN when nothing else completes the handshake.
		unsigned pos = kAtAck;
		bool flood = cat == kFloodV4 || cat == kFloodV6;
		if (plan == kRstAfterSyn || plan == kAbandoned || plan == kFinBeforeAck)
			pos = kAtSyn;
		else if (!flood && rng.chance(25))
			pos = rng.chance(50) ? kAtSyn : kAtData;
		if (plan == kRstAfterAck && pos == kAtData)
			pos = kAtAck; // its RST goes out before any data: the ACK carries it
		ConnConfig cc;
		cc.lb = sc.lb;
		cc.server = srv->addr;
		if (sc.toa)
			cc.set_options({OptionSpec::toa(sc.fmt, sc.client)}, pos);
		cc.pure_ack = pos != kAtData && plan != kAbandoned && plan != kFinBeforeAck;
		sc.strict = stat("/tmp/final", &sb) == 0;
		sc.pos = sc.toa ? pos : 0;
		reg.add(sc);
		StressLive l{std::make_unique<Conn>(*g.st, cc), plan, g.st->now_ms()};
		l.flood = flood;
		if (!l.c->start())
			return;
		opened++;
		opened_cat[cat]++;
		opened_plan[plan]++;
		with_toa += sc.toa;
		syn_opt += sc.toa && pos == kAtSyn;
		data_opt += sc.toa && pos == kAtData;
		strict_opened += sc.strict;
		if (plan == kRstAfterSyn) {
			l.c->reset();
			return;
		}
		live.push_back(std::move(l));
	};

	// In 20: 11 kept, 2 kept then FIN, 2 RST after the SYN, 1 abandoned, 1 FIN before the
	// ACK, 3 RST after the ACK.
	const uint8_t kPlanMix[20] = {kKept, kKept, kKept, kKept, kKept, kKept, kKept,
				      kKept, kKept, kKept, kKept, kKeptFin, kKeptFin,
				      kRstAfterSyn, kRstAfterSyn, kAbandoned, kFinBeforeAck,
				      kRstAfterAck, kRstAfterAck, kRstAfterAck};
	auto start = std::chrono::steady_clock::now();
	auto end = start + std::chrono::seconds(seconds);
	uint64_t next_flood = g.st->now_ms() + 1000;
	long floods = 0;
	while (std::chrono::steady_clock::now() < end && stat("/tmp/stop", &sb)) {
		uint64_t now = g.st->now_ms();
		size_t handshaking = 0, flood_live = 0;
		for (auto &l : live) {
			handshaking += !l.up;
			flood_live += l.flood;
		}
		// A SYN burst at the listeners with a backlog of 8: most get cookies. On a slow
		// guest (the debug kernel) the next waits until most of the last are done, and
		// they never take the room of the other connections.
		if (now >= next_flood && flood_live < 50) {
			for (int i = 0; i < 100; i++)
				open_one(i % 2 ? kFloodV6 : kFloodV4, kKept);
			floods++;
			next_flood = now + 3000;
		}
		while (handshaking < 16 && live.size() - flood_live < 128) {
			uint8_t cat = uint8_t(rng.below(kFloodV4));
			open_one(cat, kPlanMix[rng.below(20)]);
			handshaking++;
		}
		g.st->poll(1);
		now = g.st->now_ms();
		for (size_t i = 0; i < live.size();) {
			StressLive &l = live[i];
			bool drop = false;
			if (!l.up && l.c->established()) {
				l.up = true;
				established++;
				l.until = now + rng.below(200);
				if (l.plan == kAbandoned) {
					drop = true; // no ACK ever; the retransmitted SYN-ACK gets RST
				} else if (l.plan == kFinBeforeAck) {
					l.c->shutdown();
					l.fin = true;
					l.until = now + 1000;
				} else if (l.plan == kRstAfterAck) {
					l.c->reset();
					drop = true;
				} else if (!l.c->config().pure_ack) {
					l.c->send("x"); // the data segment completes the handshake
				}
			} else if (l.c->finished()) {
				reset_by_server += l.c->state() == State::Reset;
				drop = true;
			} else if (!l.up && now - l.started > 3000) {
				syn_timeouts++;
				l.c->reset();
				drop = true;
			} else if (l.up && now >= l.until) {
				if (l.plan == kKeptFin && !l.fin) {
					l.c->shutdown();
					l.fin = true;
					l.until = now + 1000;
				} else {
					l.c->reset();
					drop = true;
				}
			}
			if (drop) {
				std::swap(l, live.back());
				live.pop_back();
			} else {
				i++;
			}
		}
	}
	double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	stop = true;
	for (auto &t : threads)
		t.join();
	::close(f4.fd);
	::close(f6.fd);
	// Every server socket goes: reset what is open, answer what comes late with RST.
	for (auto &l : live)
		l.c->reset();
	live.clear();
	for (int i = 0; i < 200; i++)
		g.st->poll(10);

	StressTally t;
	for (auto &x : tally)
		t.add(x);
	long long cookies_sent = tcpext("SyncookiesSent") - cookies_sent0;
	long long cookies_recv = tcpext("SyncookiesRecv") - cookies_recv0;
	std::string cycles = "0";
	{
		std::ifstream f("/tmp/stress-cycles");
		std::getline(f, cycles);
	}
	auto join = [](const std::vector<std::string> &v) {
		std::string s;
		for (const auto &x : v)
			s += " | " + x;
		return s;
	};
	std::ostringstream d;
	d << "seconds=" << int(secs) << " seed=" << seed << " opened=" << opened
	  << " established=" << established << " accepted=" << t.accepted
	  << " calls=" << t.calls << " wrong=" << t.wrong << " cycles=" << cycles
	  << " with_toa=" << with_toa << " (syn " << syn_opt << ", data " << data_opt
	  << ") answers: client=" << t.peer_client << " lb=" << t.peer_lb
	  << " enotconn=" << t.enotconn << " get_client=" << t.ci_ok << " lookup=" << t.lk_ok
	  << " enoent=" << t.enoent << " no_module=" << t.no_module;
	result("stress_no_wrong_answer", t.wrong == 0 && t.accepted > 0, d.str() + join(t.why));

	std::ostringstream m;
	bool all_cats = true;
	for (int i = 0; i < kCats; i++) {
		m << (i ? " " : "") << kCatNames[i] << "=" << opened_cat[i] << "/" << t.by_cat[i]
		  << "/" << t.toa_cat[i];
		all_cats = all_cats && t.toa_cat[i] > 0 && t.by_cat[i] > t.toa_cat[i];
	}
	result("stress_families_mixed", all_cats, "opened/accepted/accepted with TOA: " + m.str());

	std::ostringstream a;
	for (int i = 0; i < kPlans; i++)
		a << kPlanNames[i] << "=" << opened_plan[i] << "/" << t.by_plan[i] << " ";
	a << "rst_after_accept_seen=" << t.reset_after_accept
	  << " aborted_at_accept=" << t.aborted_at_accept << " dup_accepts=" << t.dup_accepts
	  << " reset_by_server=" << reset_by_server << " syn_timeouts=" << syn_timeouts
	  << join(t.dup_why);
	bool aborts = t.reset_after_accept > 0;
	for (int i = 0; i < kPlans; i++)
		aborts = aborts && opened_plan[i] > 0;
	result("stress_aborts_every_stage", aborts, "opened/accepted: " + a.str());

	long flood_acc = t.by_cat[kFloodV4] + t.by_cat[kFloodV6];
	result("stress_syn_flood_cookies",
	       cookies_sent > 0 && cookies_recv > 0 && t.toa_cat[kFloodV4] > 0 &&
		       t.toa_cat[kFloodV6] > 0,
	       "bursts=" + std::to_string(floods) + " syns=" +
		       std::to_string(opened_cat[kFloodV4] + opened_cat[kFloodV6]) +
		       " accepted=" + std::to_string(flood_acc) +
		       " SyncookiesSent+=" + std::to_string(cookies_sent) +
		       " SyncookiesRecv+=" + std::to_string(cookies_recv));

	if (cycles != "0")
		result("stress_module_in_and_out", t.ci_ok > 0 && t.no_module > 0,
		       "get_client answered " + std::to_string(t.ci_ok) + ", ENOPROTOOPT " +
			       std::to_string(t.no_module));
	if (stat("/tmp/final", &sb) == 0)
		result("stress_exact_after_reloads", t.strict_ok > 0 && t.strict_bad == 0,
		       "connections=" + std::to_string(strict_opened) +
			       " exact=" + std::to_string(t.strict_ok) +
			       " inexact=" + std::to_string(t.strict_bad) + join(t.strict_why));
}

// Opens TOA connections (IPv4, IPv6, NAT64), prints READY, waits for /tmp/go. With
// after_unload (the script removed the module meanwhile) it then checks the sockets
// work as without the module; else it just closes them.
void suite_hold(int count, bool after_unload)
{
	struct Open {
		std::unique_ptr<Conn> c;
		int fd;
		const Server *srv;
	};
	std::vector<Open> open;
	for (int i = 0; i < count; i++) {
		const Server *srv = i % 3 == 1 ? &g.s6 : &g.s4;
		bool nat64 = i % 3 == 2;
		ConnConfig cc;
		cc.lb = srv == &g.s6 ? kLb6 : kLb4;
		cc.server = srv->addr;
		Endpoint client = srv == &g.s6 || nat64 ? kClient6 : kClient4;
		client.port = uint16_t(client.port + i);
		Format f = nat64 ? Format::F253_20 : srv == &g.s6 ? Format::F254_20 : Format::F200_8;
		cc.ack_opts = {OptionSpec::toa(f, client)};
		auto c = std::make_unique<Conn>(*g.st, cc);
		sockaddr_storage acc{};
		socklen_t alen;
		if (!c->start() || !g.st->run_until([&] { return c->established(); }, 3000))
			break;
		int fd = accept_wait(srv->fd, &acc, &alen);
		if (fd < 0)
			break;
		if (sockaddr_str(acc) != as_seen_by(srv->family, nat64 ? cc.lb : client) && !nat64) {
			result("hold_before_unload", false, "accept gave " + sockaddr_str(acc));
			return;
		}
		open.push_back({std::move(c), fd, srv});
	}
	result("hold_open_" + std::to_string(count), int(open.size()) == count,
	       std::to_string(open.size()) + " open");
	std::printf("READY\n");
	std::fflush(stdout);
	struct stat sb;
	for (int i = 0; i < 60000 && stat("/tmp/go", &sb); i += 20)
		g.st->poll(20);
	if (!after_unload) {
		for (auto &o : open) {
			::close(o.fd);
			o.c->close_fin(3000, false);
		}
		g.st->poll(50);
		return;
	}
	int bad = 0;
	std::string why;
	for (auto &o : open) {
		sockaddr_storage ss{};
		socklen_t len = sizeof(ss);
		getpeername(o.fd, reinterpret_cast<sockaddr *>(&ss), &len);
		if (sockaddr_str(ss) != as_seen_by(o.srv->family, o.c->lb())) {
			bad++;
			why = "getpeername " + sockaddr_str(ss);
		}
		toa_client_info ci{};
		socklen_t cl = sizeof(ci);
		if (getsockopt(o.fd, IPPROTO_IP, TOA_SO_GET_CLIENT, &ci, &cl) == 0 ||
		    errno != ENOPROTOOPT) {
			bad++;
			why = "getsockopt without module";
		}
		// Data both ways, then an orderly close.
		if (write(o.fd, "pong", 4) != 4) {
			bad++;
			why = "write";
		}
		std::string got;
		if (!o.c->send("ping") || !o.c->recv(got, 4, 2000) || got != "pong") {
			bad++;
			why = "data after unload";
		}
		char buf[8];
		for (int i = 0; i < 100 && read(o.fd, buf, sizeof(buf)) != 4; i++)
			g.st->poll(5);
		::close(o.fd);
		if (!o.c->close_fin(3000)) {
			bad++;
			why = std::string("close ") + state_name(o.c->state());
		}
	}
	open.clear();
	result("hold_sockets_work_after_unload", bad == 0, why);
}

// Handshakes with seeded random option lists on the SYN, the ACK and the first data
// segment, half from an untrusted load balancer: every address the server sees must be
// the first valid TOA option of that very connection (or none), nothing else.
void suite_random(int count, uint64_t seed)
{
	set_param("formats", "all");
	set_param("trusted", "198.51.100.0/25,2001:db8:ff::/49");
	const Endpoint untrusted4 = ep("198.51.100.200:0"), untrusted6 = ep("[2001:db8:ff:8000::2]:0");
	Rng rng(seed);
	RandomConfig rcfg;
	rcfg.multi = true;
	long wrong = 0, toa = 0, none = 0;
	int dropped_before = g_dropped;
	for (int i = 0; i < count; i++) {
		RandomCase rc = random_case(rng, rcfg);
		bool v6 = rng.chance(40), trusted = rng.chance(70);
		Case k;
		k.name = "random_" + std::to_string(i);
		k.server = v6 ? &g.s6 : &g.s4;
		k.lb = v6 ? (trusted ? kLb6 : untrusted6) : (trusted ? kLb4 : untrusted4);
		k.syn = rc.syn;
		k.ack = rc.ack;
		k.data = rc.data;
		k.pure_ack = rc.pure_ack;
		k.enabled = TOA_FMT_ALL;
		k.force_no_toa = !trusted;
		k.kernel_may_drop = true; // counted apart: the kernel refused the segment
		Want w;
		// Only a wrong answer fails the run; a connection that could not be set up
		// (a list the kernel refuses) is counted.
		bool ok = run_case(k, false, &w);
		if (!ok)
			wrong++;
		else if (w.toa)
			toa++;
		else
			none++;
	}
	set_param("formats", "default");
	set_param("trusted", "any");
	result("random_" + std::to_string(count) + "_seed_" + std::to_string(seed), wrong == 0,
	       "toa=" + std::to_string(toa) + " none=" + std::to_string(none) +
		       " wrong=" + std::to_string(wrong) +
		       " dropped_by_kernel=" + std::to_string(g_dropped - dropped_before));
}

// One IPv4 connection with option 200/8 from 198.51.100.2: --want toa or none.
void suite_single(const std::string &want)
{
	Case k;
	k.name = "single_want_" + want;
	k.server = &g.s4;
	k.ack = {OptionSpec::toa(Format::F200_8, kClient4)};
	k.force_no_toa = want == "none";
	run_case(k);
}

// Runs a command as nobody, without capabilities (CAP_NET_ADMIN tests).
int as_nobody(char **cmd)
{
	if (!cmd[0] || setgroups(0, nullptr) || setgid(65534) || setuid(65534)) {
		std::perror("as-nobody");
		return 2;
	}
	execvp(cmd[0], cmd);
	std::perror(cmd[0]);
	return 127;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		std::fprintf(stderr, "usage: toa-e2e <suite> [--seconds N] [--count N]\n");
		return 2;
	}
	std::string suite = argv[1];
	if (suite == "as-nobody")
		return as_nobody(argv + 2);
	int seconds = 20, count = -1;
	std::string want = "toa";
	uint64_t seed = 1;
	for (int i = 2; i + 1 < argc; i += 2) {
		if (!std::strcmp(argv[i], "--seconds"))
			seconds = std::atoi(argv[i + 1]);
		else if (!std::strcmp(argv[i], "--count"))
			count = std::atoi(argv[i + 1]);
		else if (!std::strcmp(argv[i], "--want"))
			want = argv[i + 1];
		else if (!std::strcmp(argv[i], "--seed"))
			seed = std::strtoull(argv[i + 1], nullptr, 0);
	}
	std::setvbuf(stdout, nullptr, _IOLBF, 0);
	std::string err;
	if (!g.init(&err)) {
		result(suite + "_setup", false, err);
		return 1;
	}
	if (suite == "formats")
		suite_formats();
	else if (suite == "families")
		suite_families();
	else if (suite == "malformed")
		suite_malformed();
	else if (suite == "trust")
		suite_trust();
	else if (suite == "cookies")
		suite_cookies();
	else if (suite == "transparent")
		suite_transparent();
	else if (suite == "libtoa")
		suite_libtoa();
	else if (suite == "mass")
		suite_mass(count > 0 ? count : 10000);
	else if (suite == "stress")
		suite_stress(seconds, seed);
	else if (suite == "hold")
		suite_hold(count > 0 ? count : 8, true);
	else if (suite == "open")
		suite_hold(count > 0 ? count : 6, false);
	else if (suite == "random")
		suite_random(count > 0 ? count : 2000, seed);
	else if (suite == "single")
		suite_single(want);
	else {
		std::fprintf(stderr, "unknown suite %s\n", suite.c_str());
		return 2;
	}
	if (g_strays)
		std::printf("e2e %s: %d stray connections closed\n", suite.c_str(), g_strays);
	std::printf("e2e %s: %d passed, %d failed\n", suite.c_str(), g_pass, g_fail);
	return g_fail ? 1 : 0;
}
